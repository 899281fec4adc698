// Table jobs: `select` (rows by an expression, derived columns, same layout out) and `aggregate`
// (exact robust statistics per group or HEALPix pixel, with healpy-readable maps).
