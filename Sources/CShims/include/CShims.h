// CShims: the MPI and HDF5 names that Swift cannot import because they are function-like or
// global-object macros, re-exported as static inline functions named gaia_<C_NAME>(), and the
// build facts that the Makefile compiles in (shims.c). Typed wrappers are in Sources/MPI and
// Sources/HDF5.
#ifndef GAIAMINE_CSHIMS_H
#define GAIAMINE_CSHIMS_H
#include <mpi.h>
#include <hdf5.h>
#include <malloc.h>

// ---- MPI communicators, datatypes, operations --------------------------------------------
static inline MPI_Comm gaia_MPI_COMM_WORLD(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm gaia_MPI_COMM_SELF(void) { return MPI_COMM_SELF; }
static inline MPI_Comm gaia_MPI_COMM_NULL(void) { return MPI_COMM_NULL; }
static inline MPI_Info gaia_MPI_INFO_NULL(void) { return MPI_INFO_NULL; }
static inline MPI_Datatype gaia_MPI_DOUBLE(void) { return MPI_DOUBLE; }
static inline MPI_Datatype gaia_MPI_FLOAT(void) { return MPI_FLOAT; }
static inline MPI_Datatype gaia_MPI_INT8_T(void) { return MPI_INT8_T; }
static inline MPI_Datatype gaia_MPI_INT16_T(void) { return MPI_INT16_T; }
static inline MPI_Datatype gaia_MPI_INT32_T(void) { return MPI_INT32_T; }
static inline MPI_Datatype gaia_MPI_INT64_T(void) { return MPI_INT64_T; }
static inline MPI_Datatype gaia_MPI_UINT8_T(void) { return MPI_UINT8_T; }
static inline MPI_Datatype gaia_MPI_UINT64_T(void) { return MPI_UINT64_T; }
static inline MPI_Datatype gaia_MPI_BYTE(void) { return MPI_BYTE; }
static inline MPI_Datatype gaia_MPI_CHAR(void) { return MPI_CHAR; }
static inline MPI_Op gaia_MPI_SUM(void) { return MPI_SUM; }
static inline MPI_Op gaia_MPI_MAX(void) { return MPI_MAX; }
static inline MPI_Op gaia_MPI_MIN(void) { return MPI_MIN; }
static inline MPI_Op gaia_MPI_LOR(void) { return MPI_LOR; }
static inline MPI_Op gaia_MPI_LAND(void) { return MPI_LAND; }
static inline void *gaia_MPI_IN_PLACE(void) { return MPI_IN_PLACE; }
static inline MPI_Status *gaia_MPI_STATUS_IGNORE(void) { return MPI_STATUS_IGNORE; }
static inline int gaia_MPI_SUCCESS(void) { return MPI_SUCCESS; }
static inline int gaia_MPI_MAX_ERROR_STRING(void) { return MPI_MAX_ERROR_STRING; }
static inline MPI_Errhandler gaia_MPI_ERRORS_RETURN(void) { return MPI_ERRORS_RETURN; }

// ---- HDF5 property-list classes, predefined types, constants ------------------------------
// Call H5open() before any of these: they read library globals set at initialisation.
static inline hid_t gaia_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t gaia_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t gaia_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t gaia_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t gaia_H5P_DATASET_XFER(void) { return H5P_DATASET_XFER; }
static inline hid_t gaia_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t gaia_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t gaia_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t gaia_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t gaia_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t gaia_H5T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
static inline hid_t gaia_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t gaia_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t gaia_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t gaia_H5T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t gaia_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t gaia_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t gaia_H5T_C_S1(void) { return H5T_C_S1; }
static inline hsize_t gaia_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline unsigned gaia_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned gaia_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned gaia_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned gaia_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline hid_t gaia_H5E_DEFAULT(void) { return H5E_DEFAULT; }

// ---- Build facts for provenance (shims.c; "unknown" unless built by `make build`) -----------
/// `git rev-parse HEAD` of the source tree, with "+dirty" if `git status --porcelain` listed anything.
const char *gaia_build_git_revision(void);
/// First line of `swift --version`.
const char *gaia_build_compiler(void);
/// The `swift build` arguments of the release build.
const char *gaia_build_flags(void);

/* Keep large buffers (a chunk of a column: a few MB) in the heap for reuse: glibc would mmap and
   unmap each one, and every chunk would fault its pages in again. Called once by gaiamine. */
static inline void gaia_keep_large_buffers(void) {
    mallopt(M_MMAP_THRESHOLD, 1 << 28);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

#endif
