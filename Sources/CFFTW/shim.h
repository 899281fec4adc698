// FFTW 3 (double precision), imported as a system library found through pkg-config `fftw3`.
#include <fftw3.h>
