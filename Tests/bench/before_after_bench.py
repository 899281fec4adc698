"""Before/after benchmark of a refactoring: the same jobs on the same files, run alternately by two
gaiamine binaries in one session (shared, noisy machine: the ratio of the minimum of repeated runs
is what counts). Used for the job-framework change (issue 10): GAIAMINE_BEFORE is a build of the
commit before it, GAIAMINE the current build.

    GAIAMINE_BEFORE=../wt-base/.build/release/gaiamine GAIAMINE=.build/release/gaiamine \\
        python3 Tests/bench/before_after_bench.py

Prints a Markdown table (job, before s, after s, after/before) for Docs/benchmarks.md.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEW = os.environ.get("GAIAMINE", str(ROOT / ".build/release/gaiamine"))
OLD = os.environ["GAIAMINE_BEFORE"]
MPIRUN = os.environ.get("MPIRUN", "mpirun --oversubscribe").split()
DATA = Path(os.environ.get("BENCH_DATA", ROOT / "bench-data" / "before_after"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
if os.geteuid() == 0:
    ENV.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def run(cmd):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=ENV)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r.stdout}\n{r.stderr}")
    return r


def data():
    DATA.mkdir(parents=True, exist_ok=True)
    sets = {"xp": ("xp_continuous_mean_spectrum", 20000, 4), "epoch": ("epoch_photometry", 3000, 3),
            "gs": ("gaia_source", 200000, 4)}
    for name, (table, n, files) in sets.items():
        h5 = DATA / f"{name}.h5"
        if not h5.exists():
            d = DATA / name
            shutil.rmtree(d, ignore_errors=True)
            run([NEW, "synth", table, "--sources", n, "--files", files, "--seed", 5, "--out", d])
            run([*MPIRUN, "-np", 2, NEW, "repack", *sorted(d.glob("*.csv.gz")), "--out", h5, "--overwrite"])
    return {k: DATA / f"{k}.h5" for k in sets}


def cases(h5):
    with __import__("h5py").File(h5["xp"]) as f:
        template = int(f["xp_continuous_mean_spectrum"]["source_id"][7])
    gw = ["--filter", "astrometric_params_solved == 31"]
    return [
        ("repack gaia_source (200k rows, 4 files), np 2", 2,
         lambda b, o: ["repack", *sorted((DATA / "gs").glob("*.csv.gz")), "--out", f"{o}.h5", "--overwrite"]),
        ("xp-search full scan (20k spectra, k 100), np 1", 1,
         lambda b, o: ["xp-search", h5["xp"], "--template-source-id", template, "--no-prune", "--out", o, "--overwrite"]),
        ("periodogram auto (3000 sources × g, bp, rp), np 2", 2,
         lambda b, o: ["periodogram", h5["epoch"], "--out", o, "--overwrite", "--plot-sources", 0]),
        ("gw-vsh lmax 4 (200k rows), np 1", 1, lambda b, o: ["gw-vsh", h5["gs"], *gw, "--out", o, "--overwrite"]),
        ("gw-correlation (≈ 6k × 6k pairs of a 200k-row table: QSO-like selection), np 2", 2,
         lambda b, o: ["gw-correlation", h5["gs"], *gw, "--filter", "in_qso_candidates == true", "--out", o, "--overwrite"]),
    ]


def main():
    h5 = data()
    out = DATA / "out"
    out.mkdir(exist_ok=True)
    rows = []
    for label, np_, args in cases(h5):
        best = {"before": float("inf"), "after": float("inf")}
        for _ in range(REPEAT):
            for key, binary in (("before", OLD), ("after", NEW)):
                t0 = time.perf_counter()
                run([*MPIRUN, "-np", np_, binary, *args(binary, out / key)])
                best[key] = min(best[key], time.perf_counter() - t0)
        rows.append((label, best["before"], best["after"]))
        print(f"{label}: before {best['before']:.2f} s, after {best['after']:.2f} s", file=sys.stderr)
    print("| job (end to end, wall, best of %d) | before (s) | after (s) | after / before |" % REPEAT)
    print("|---|---|---|---|")
    for label, b, a in rows:
        print(f"| {label} | {b:.2f} | {a:.2f} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
