#!/usr/bin/env python3
"""XP similarity-search benchmark: gaiamine xp-search vs numpy batched and vs the raw read rate.

  GAIAMINE=.build/release/gaiamine MPIRUN="mpirun --oversubscribe" python3 Tests/bench/xp_bench.py

Data (cached in bench-data/xp_search/): `gaiamine synth xp_continuous_mean_spectrum` with
BENCH_XP_SEARCH_SOURCES sources (default 200,000) — seven spectral types, G 10–17.65 with counts
rising to the faint end, planted twins — repacked with 2 ranks and indexed (xp-index).
In one run, on the same HDF5 file, one rank each unless stated:
  * numpy batched (../shared/bench/xp_numpy_baseline.py, one OpenBLAS thread) on the first
    BENCH_NUMPY_SOURCES sources: kernel+read sources/s/core;
  * gaiamine xp-search --no-prune: end-to-end and kernel-only sources/s/core;
  * h5py reading every byte the full scan reads (the raw read rate);
  * gaiamine xp-search with pruning (identical top-k checked), -np 1 and -np 2.
Reads are measured with a cold page cache when this process may drop it (root), else warm.
Appends a dated section to Docs/benchmarks.md.
"""
import datetime
import glob
import json
import os
import platform
import re
import subprocess
import sys
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GAIAMINE = os.environ.get("GAIAMINE", os.path.join(ROOT, ".build/release/gaiamine"))
MPIRUN = os.environ.get("MPIRUN", "mpirun --oversubscribe").split()
PYTHON = sys.executable
DATA = os.path.join(ROOT, "bench-data", "xp_search")
SOURCES = int(os.environ.get("BENCH_XP_SEARCH_SOURCES", "200000"))
NUMPY_SOURCES = int(os.environ.get("BENCH_NUMPY_SOURCES", "20000"))
BASELINE = os.path.join(ROOT, "..", "shared", "bench", "xp_numpy_baseline.py")
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
K = 100


def sh(cmd, **kw):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=ENV, **kw)
    return time.perf_counter() - t, out.stdout


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def prepare():
    h5 = os.path.join(DATA, "xp.h5")
    if os.path.exists(h5):
        return h5
    os.makedirs(DATA, exist_ok=True)
    src = os.path.join(DATA, "ecsv")
    if not glob.glob(os.path.join(src, "*.csv.gz")):
        sh([GAIAMINE, "synth", "xp_continuous_mean_spectrum", "--sources", str(SOURCES), "--files", "16",
            "--seed", "21", "--twins", "8", "--level", "1", "--out", src])
    sh(MPIRUN + ["-np", "2", GAIAMINE, "repack", *sorted(glob.glob(os.path.join(src, "*.csv.gz"))),
                 "--out", h5, "--progress-interval", "1000"])
    sh(MPIRUN + ["-np", "2", GAIAMINE, "xp-index", h5, "--progress-interval", "1000"])
    return h5


def raw_read(h5, bands=("bp", "rp")):
    """Seconds for h5py to read every byte a full scan reads, in 4096-row blocks."""
    cold = drop_caches()
    t0 = time.perf_counter()
    nbytes = 0
    with h5py.File(h5, "r") as f:
        g = f["xp_continuous_mean_spectrum"]
        n = g["source_id"].shape[0]
        names = ["source_id"] + [f"{b}_{c}" for b in bands for c in
                                 ("coefficients", "coefficient_errors", "coefficient_correlations", "standard_deviation")]
        for s in range(0, n, 4096):
            for name in names:
                nbytes += g[name][s:s + 4096].nbytes
    return time.perf_counter() - t0, nbytes, cold


def search(h5, tid, np_, prune, out):
    cold = drop_caches()
    args = MPIRUN + ["-np", str(np_), GAIAMINE, "xp-search", h5, "--template-source-id", str(tid), "--k", str(K),
                     "--out", out, "--overwrite", "--progress-interval", "1000"] + ([] if prune else ["--no-prune"])
    wall, text = sh(args)
    # The job's own clock (after MPI start-up, like the h5py timing after interpreter start-up);
    # the wall time of the whole mpirun is reported beside it.
    dt = float(re.search(r"rank\(s\) in ([\d.]+) s", text).group(1))
    kernel = float(re.search(r"kernel\s+(\d+) sources/s/core", text).group(1))
    read = re.search(r"read\s+([\d.]+) MB of ([\d.]+) MB", text)
    evaluated = int(re.search(r"evaluated exactly (\d+) of", text).group(1))
    return {"seconds": dt, "wall": wall, "kernel": kernel, "read_mb": float(read.group(1)), "full_mb": float(read.group(2)),
            "evaluated": evaluated, "cold": cold, "text": text, "out": out}


def top_ids(prefix):
    from astropy.table import Table
    t = Table.read(prefix + ".ecsv")
    return list(zip(t["source_id"].tolist(), t["chi2"].tolist()))


def main():
    h5 = prepare()
    truth = json.load(open(os.path.join(DATA, "ecsv", "xp_continuous_mean_spectrum_truth.json")))
    with h5py.File(h5, "r") as f:
        sid = f["xp_continuous_mean_spectrum/source_id"][:]
    n = len(sid)
    # A template with a planted twin at the same brightness, the one nearest the start of the file
    # (the numpy script scores the first --limit rows and must find the template among them).
    candidates = [t["template_source_id"] for t in truth["twins"] if t["flux_scale"] == 1.0]
    tid = min(candidates, key=lambda i: int(np.searchsorted(sid, i)))
    numpy_limit = max(NUMPY_SOURCES, int(np.searchsorted(sid, tid)) + 1)
    print(f"data: {n} sources, {os.path.getsize(h5) / 1e9:.2f} GB HDF5; template {tid}")
    # numpy baseline (one thread), warm cache, first NUMPY_SOURCES rows.
    _, text = sh([PYTHON, BASELINE, h5, "--template-source-id", str(tid), "--k", str(K), "--limit", str(numpy_limit),
                  "--json", os.path.join(DATA, "numpy.json")])
    numpy_rate = json.load(open(os.path.join(DATA, "numpy.json")))["sources_per_s"]
    # The virtual disk here varies by 2× between runs: best of 3 for every timed read.
    t_raw, raw_bytes, cold_raw = min((raw_read(h5) for _ in range(3)), key=lambda r: r[0])

    def best(*args):
        return min((search(h5, tid, *args) for _ in range(3)), key=lambda r: r["seconds"])
    full = best(1, False, os.path.join(DATA, "full1"))
    p1 = best(1, True, os.path.join(DATA, "pruned1"))
    p2 = best(2, True, os.path.join(DATA, "pruned2"))
    f2 = best(2, False, os.path.join(DATA, "full2"))
    same = top_ids(full["out"]) == top_ids(p1["out"]) == top_ids(p2["out"]) == top_ids(f2["out"])
    e2e_full = n / full["seconds"]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    bytes_per_source = raw_bytes / n
    frac = p1["read_mb"] / p1["full_mb"]
    rate_core = full["kernel"]

    def projection(bw):
        io = 220e6 * bytes_per_source * frac / bw
        cpu_s = 220e6 * (p1["evaluated"] / n) / (64 * rate_core)
        return max(io, cpu_s), io, cpu_s
    lines = [
        f"### XP similarity search — {date}",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}. Command: `make bench` "
        f"(Tests/bench/xp_bench.py). Data: `gaiamine synth xp_continuous_mean_spectrum --sources {SOURCES} --files 16 "
        f"--seed 21 --twins 8` repacked and indexed: {n} sources, {os.path.getsize(h5) / 1e9:.2f} GB; template "
        f"{tid} (has a planted twin), k = {K}, bands bp,rp, no error scaling. Best of 3 runs each; page cache "
        f"{'dropped before each timed read (cold)' if cold_raw else 'warm (could not drop it)'}.",
        "",
        "| measurement | result |",
        "|---|---|",
        f"| numpy batched (`xp_numpy_baseline.py`, 1 thread, first {numpy_limit} rows, read + compute) | {numpy_rate:,.0f} sources/s/core |",
        f"| gaiamine kernel (batched SIMD, float64), -np 1 | {rate_core:,.0f} sources/s/core = **{rate_core / numpy_rate:.1f}× numpy** (target ≥ 10×) |",
        f"| gaiamine full scan end to end, -np 1 | {full['seconds']:.2f} s ({full['wall']:.2f} s with mpirun start-up), {e2e_full:,.0f} sources/s, {full['read_mb'] / full['seconds']:.0f} MB/s |",
        f"| gaiamine full scan end to end, -np 2 | {f2['seconds']:.2f} s ({f2['wall']:.2f} s), {n / f2['seconds']:,.0f} sources/s |",
        f"| raw read of the same bytes with h5py (1 process) | {t_raw:.2f} s, {raw_bytes / t_raw / 1e6:.0f} MB/s |",
        f"| full scan vs raw read rate | {t_raw / full['seconds']:.2f} (target ≥ 0.70) |",
        f"| gaiamine pruned, -np 1 | {p1['seconds']:.2f} s ({p1['wall']:.2f} s): **{t_raw / p1['seconds']:.1f}× faster than the raw full read** (target ≥ 5×); read {p1['read_mb']:.0f} of {p1['full_mb']:.0f} MB ({100 * frac:.1f} %), evaluated {p1['evaluated']} sources exactly ({100 * p1['evaluated'] / n:.2f} %) |",
        f"| gaiamine pruned, -np 2 | {p2['seconds']:.2f} s ({p2['wall']:.2f} s), read {p2['read_mb']:.0f} MB, evaluated {p2['evaluated']} |",
        f"| identical top-{K} (full -np 1/2, pruned -np 1/2) | {'yes' if same else 'NO'} |",
        "",
        f"Projection for DR3 (220 M sources, {bytes_per_source / 1e3:.1f} kB each, 64 cores, this pruning fraction):",
    ]
    for bw in (1e9, 10e9):
        total, io, cpu_s = projection(bw)
        lines.append(f"* {bw / 1e9:.0f} GB/s aggregate read: {total / 60:.1f} min (I/O {io / 60:.1f} min, kernel {cpu_s / 60:.1f} min); "
                     f"a full scan needs {220e6 * bytes_per_source / bw / 60:.0f} min of I/O.")
    lines.append("")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(ROOT, "Docs", "benchmarks.md"), "a") as fh:
        fh.write(text + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
