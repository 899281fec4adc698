// cfitsio (NASA HEASARC), imported as a system library found through pkg-config `cfitsio`
// (Debian: libcfitsio-dev).
#include <fitsio.h>
