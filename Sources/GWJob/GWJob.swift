// Parallel drivers of the GW astrometry kernels (talk to data only through GaiaIO).
