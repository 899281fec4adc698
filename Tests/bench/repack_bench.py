#!/usr/bin/env python3
"""Repack throughput benchmark: gaiamine repack vs zcat and astropy, measured in the same run.

  GAIAMINE=.build/release/gaiamine MPIRUN="mpirun --oversubscribe" python3 Tests/bench/repack_bench.py

Synthesises (once, cached in bench-data/) realistic XP continuous-spectrum bulk files of
>= 200 MB compressed, then times on the same files:
  * zcat FILES > /dev/null                 (one core: the decompression floor)
  * gaiamine repack, mpirun -np 1 and -np 2 (throughput per core, scaling)
  * astropy Table.read(format='ascii.ecsv') on one smaller file (the usual Python route)
and appends a dated section to Docs/benchmarks.md. Ratios, not absolute times, are the
result: the machines are shared and noisy.
"""
import datetime
import glob
import gzip
import os
import platform
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GAIAMINE = os.environ.get("GAIAMINE", os.path.join(ROOT, ".build/release/gaiamine"))
MPIRUN = os.environ.get("MPIRUN", "mpirun --oversubscribe").split()
DATA = os.path.join(ROOT, "bench-data")
SOURCES = int(os.environ.get("BENCH_XP_SOURCES", "14000"))
FILES = int(os.environ.get("BENCH_XP_FILES", "4"))
ASTROPY_SOURCES = 2000


def run(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, **kw)
    return time.perf_counter() - t


def synth(out, sources, files, seed):
    if not glob.glob(os.path.join(out, "*.csv.gz")):
        os.makedirs(out, exist_ok=True)
        run([GAIAMINE, "synth", "xp_continuous_mean_spectrum", "--sources", str(sources), "--files", str(files),
             "--seed", str(seed), "--out", out])
    return sorted(glob.glob(os.path.join(out, "*.csv.gz")))


def uncompressed_size(files):
    n = 0
    for f in files:
        with gzip.open(f, "rb") as g:
            while True:
                b = g.read(1 << 24)
                if not b:
                    break
                n += len(b)
    return n


def best_of(k, fn):
    return min(fn() for _ in range(k))


def main():
    files = synth(os.path.join(DATA, "xp"), SOURCES, FILES, 11)
    comp = sum(os.path.getsize(f) for f in files)
    text = uncompressed_size(files)
    print(f"data: {len(files)} files, {comp / 1e6:.1f} MB compressed, {text / 1e6:.1f} MB text, {SOURCES} sources")
    out = os.path.join(DATA, "xp.h5")
    # Warm the page cache so every contender reads from memory.
    for f in files:
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass
    t_zcat = best_of(3, lambda: run(["bash", "-c", "zcat " + " ".join(files) + " > /dev/null"]))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    t_np = {}
    for np_ in (1, 2):
        t_np[np_] = best_of(2, lambda: run(MPIRUN + ["-np", str(np_), GAIAMINE, "repack", *files, "--out", out,
                                                     "--overwrite", "--progress-interval", "1000"],
                                           env=env, stdout=subprocess.DEVNULL))
    small = synth(os.path.join(DATA, "xp_small"), ASTROPY_SOURCES, 1, 12)[0]
    small_comp = os.path.getsize(small)
    small_text = uncompressed_size([small])
    from astropy.table import Table  # noqa: E402

    def astropy_read():
        # Gaia bulk files write missing values as `null`: astropy needs it declared (its docs,
        # "Reading Gaia Data Tables").
        t0 = time.perf_counter()
        Table.read(small, format="ascii.ecsv", fill_values=[("null", "0")])
        return time.perf_counter() - t0
    t_astropy = best_of(1, astropy_read)
    small_out = os.path.join(DATA, "xp_small.h5")
    t_small = best_of(2, lambda: run([GAIAMINE, "repack", small, "--out", small_out, "--overwrite",
                                      "--progress-interval", "1000"], stdout=subprocess.DEVNULL))

    mb = 1e6
    zc = comp / t_zcat / mb
    zt = text / t_zcat / mb
    rows = []
    rows.append(("zcat (1 core)", 1, comp / t_zcat / mb, text / t_zcat / mb, 1.0))
    for np_, t in t_np.items():
        per_core_text = text / t / np_ / mb
        rows.append((f"gaiamine repack -np {np_}", np_, comp / t / mb, text / t / mb, per_core_text / zt))
    astro_text = small_text / t_astropy / mb
    rows.append((f"astropy Table.read (1 file, {ASTROPY_SOURCES} rows)", 1, small_comp / t_astropy / mb, astro_text, astro_text / zt))
    rows.append((f"gaiamine repack -np 1 (same file)", 1, small_comp / t_small / mb, small_text / t_small / mb,
                 small_text / t_small / mb / zt))
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    table = ["| contender | ranks | MB/s compressed | MB/s text | text MB/s per core ÷ zcat's |", "|---|---|---|---|---|"]
    for name, np_, c, t, ratio in rows:
        table.append(f"| {name} | {np_} | {c:.1f} | {t:.1f} | {ratio:.2f} |")
    scaling = t_np[1] / t_np[2]
    # Inflater evaluation: zlib (streaming, used) vs libdeflate (whole-buffer), same files.
    inflate = ""
    exe = os.path.join(DATA, "inflate_compare")
    try:
        subprocess.run(["cc", "-O2", os.path.join(ROOT, "Tests/bench/inflate_compare.c"), "-lz", "-ldeflate", "-o", exe],
                       check=True, capture_output=True)
        inflate = subprocess.run([exe, *files], check=True, capture_output=True, text=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        inflate = f"(inflater comparison not run: {e})"

    text_out = "\n".join([
        f"### Repack throughput — {date}",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}. "
        f"Command: `make bench` (`{' '.join(MPIRUN)} -np N {os.path.relpath(GAIAMINE, ROOT)} repack bench-data/xp/*.csv.gz`). "
        f"Data: `gaiamine synth xp_continuous_mean_spectrum --sources {SOURCES} --files {FILES} --seed 11`: "
        f"{comp / mb:.1f} MB compressed, {text / mb:.1f} MB text. Best of 2–3 runs, page cache warm.",
        "",
        *table,
        "",
        f"Scaling 1 → 2 ranks: {scaling:.2f}× (ideal 2×). Target: repack per core ≥ 0.5 × zcat's throughput.",
        "",
        "Inflaters on the same files, one core, input in memory (`Tests/bench/inflate_compare.c`):",
        "",
        "```",
        inflate,
        "```",
        "",
    ])
    print(text_out)
    bench_md = os.path.join(ROOT, "Docs", "benchmarks.md")
    if not os.path.exists(bench_md):
        with open(bench_md, "w") as fh:
            fh.write("# Benchmarks\n\nEvery figure is measured by `make bench` against a reference in the same run.\n\n")
    with open(bench_md, "a") as fh:
        fh.write(text_out + "\n")


if __name__ == "__main__":
    sys.exit(main())
