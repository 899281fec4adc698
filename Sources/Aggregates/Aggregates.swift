// Aggregates: exact statistics of groups of values (count, mean, std, skew, kurtosis, min, max,
// median, MAD, percentiles), a fast path over a group's sorted values beside a slow reference,
// and the distributed order statistics for groups whose rows are spread over ranks. Pure: the
// reductions over ranks are injected (GaiaIO implements them with MPI).
