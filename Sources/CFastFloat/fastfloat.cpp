#include "CFastFloat.h"
#include <charconv>
#include <system_error>

template <typename T>
static int parse(const char *first, const char *last, T *out) {
    if (first < last && *first == '+') ++first;  // from_chars rejects '+', CSV writers may emit it
    if (first >= last) return 0;
    auto r = std::from_chars(first, last, *out, std::chars_format::general);
    // result_out_of_range: from_chars leaves *out unchanged; report as ±inf / 0 like strtod.
    if (r.ec == std::errc::result_out_of_range) {
        bool neg = *first == '-';
        // decide over/underflow from the exponent sign crudely: look for 'e-' → underflow.
        bool under = false;
        for (const char *p = first; p < last; ++p) if ((*p == 'e' || *p == 'E') && p + 1 < last && p[1] == '-') under = true;
        *out = under ? (neg ? -T(0) : T(0)) : (neg ? -__builtin_huge_val() : __builtin_huge_val());
        return r.ptr == last;
    }
    return r.ec == std::errc() && r.ptr == last;
}

extern "C" int gaia_parse_double(const char *first, const char *last, double *out) { return parse(first, last, out); }
extern "C" int gaia_parse_float(const char *first, const char *last, float *out) { return parse(first, last, out); }
