/* Inflate throughput of zlib (streaming, what GaiaMine uses) vs libdeflate (whole-buffer) on the
 * same gzip files, one core, input in memory. Evidence for the choice of inflater in
 * Docs/benchmarks.md.
 *   cc -O2 Tests/bench/inflate_compare.c -lz -ldeflate -o /tmp/inflate_compare
 *   /tmp/inflate_compare bench-data/xp/*.csv.gz
 */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char **argv) {
    double tz = 0, td = 0; size_t total_out = 0, total_in = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb"); if (!f) { perror(argv[i]); return 1; }
        fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
        unsigned char *in = malloc(n); if (fread(in, 1, n, f) != (size_t)n) return 1; fclose(f);
        unsigned isize = in[n-4] | in[n-3] << 8 | in[n-2] << 16 | (unsigned)in[n-1] << 24;
        size_t cap = isize + 1024; unsigned char *out = malloc(cap);
        /* zlib, streaming in 4 MiB output pieces as GaiaMine's ByteSource does */
        double t0 = now(); z_stream s; memset(&s, 0, sizeof s); inflateInit2(&s, 15 + 16);
        s.next_in = in; s.avail_in = n; size_t got = 0; int rc;
        do { s.next_out = out + got; s.avail_out = (cap - got) < (1u << 22) ? cap - got : (1u << 22);
             unsigned before = s.avail_out; rc = inflate(&s, Z_NO_FLUSH); got += before - s.avail_out; } while (rc == Z_OK);
        inflateEnd(&s); tz += now() - t0;
        /* libdeflate, whole buffer */
        struct libdeflate_decompressor *d = libdeflate_alloc_decompressor(); size_t actual = 0;
        t0 = now(); if (libdeflate_gzip_decompress(d, in, n, out, cap, &actual) != LIBDEFLATE_SUCCESS) { fprintf(stderr, "libdeflate failed\n"); return 1; }
        td += now() - t0; libdeflate_free_decompressor(d);
        if (actual != got) { fprintf(stderr, "size mismatch %zu %zu\n", actual, got); return 1; }
        total_out += got; total_in += n; free(in); free(out);
    }
    printf("%zu MB compressed -> %zu MB text\n", total_in >> 20, total_out >> 20);
    printf("zlib %s       %.1f MB/s text (%.2f s)\n", zlibVersion(), total_out / tz / 1e6, tz);
    printf("libdeflate    %.1f MB/s text (%.2f s)  = %.2fx zlib\n", total_out / td / 1e6, td, tz / td);
    return 0;
}
