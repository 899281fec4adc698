// Correctly rounded decimal → binary floating-point conversion for the eCSV field parser.
// libstdc++ (GCC ≥ 12) implements std::from_chars with the Eisel–Lemire / fast_float algorithm
// (Lemire 2021, "Number parsing at a gigabyte per second", Softw. Pract. Exp. 51, 1700),
// several times faster than strtod and locale-independent. Swift reaches it through this C API.
#ifndef GAIAMINE_CFASTFLOAT_H
#define GAIAMINE_CFASTFLOAT_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
/// Parses [first, last) completely as a float64. Returns 1 on success (also for "nan", "inf"),
/// 0 if the text is not a number or has trailing characters. A leading '+' is accepted.
int gaia_parse_double(const char *first, const char *last, double *out);
/// Same for float32 (rounded once, directly from the decimal text).
int gaia_parse_float(const char *first, const char *last, float *out);
#ifdef __cplusplus
}
#endif
#endif
