// Astrometric gravitational-wave kernels (pure science and arithmetic: no MPI, no HDF5).
