// Build facts for provenance. The Makefile writes them to .build/gaiamine-build-info.h (only
// when they change) and passes the constant -DGAIAMINE_BUILD_INFO. Why a header and not
// -DGAIAMINE_GIT_REVISION="..." directly: SwiftPM hands -Xcc flags to every Swift module's Clang
// importer too, so a define that changes with each commit would rebuild the whole package (~20
// min in release). A header that only this file includes is tracked by clang's dependency file:
// a new revision recompiles this file, the three Swift modules that import CShims directly
// (SwiftPM orders them after it: MPI, HDF5, GaiaIO) and relinks (~2 min; measured with a
// commit between two `make build`s). Builds not made by the Makefile (swift build,
// swift test) do not define GAIAMINE_BUILD_INFO and say "unknown" rather than repeat the facts
// of an older make build.
#include "CShims.h"

#if defined(GAIAMINE_BUILD_INFO) && __has_include("../../.build/gaiamine-build-info.h")
#include "../../.build/gaiamine-build-info.h"
#endif
#ifndef GAIAMINE_GIT_REVISION
#define GAIAMINE_GIT_REVISION "unknown"
#endif
#ifndef GAIAMINE_COMPILER
#define GAIAMINE_COMPILER "unknown"
#endif
#ifndef GAIAMINE_BUILD_FLAGS
#define GAIAMINE_BUILD_FLAGS "unknown"
#endif

const char *gaia_build_git_revision(void) { return GAIAMINE_GIT_REVISION; }
const char *gaia_build_compiler(void) { return GAIAMINE_COMPILER; }
const char *gaia_build_flags(void) { return GAIAMINE_BUILD_FLAGS; }
