#!/usr/bin/env python3
"""All-pairs correlation benchmark: gaiamine gw-correlation (kernel pairs/s/core, -np 1 and -np 2)
vs a numpy implementation of the same binned estimator in the same run, and the projection for
all 1.28e12 pairs of 1.6 M sources on 64 cores.

  GAIAMINE=.build/release/gaiamine MPIRUN="mpirun --oversubscribe" python3 Tests/bench/gw_correlation_bench.py

Data (cached in bench-data/gw_correlation/, BENCH_GW_CORR_DATA moves it):
  * ALL-SKY: `gaiamine synth gaia_source --sources BENCH_GW_CORR_SOURCES` (default 100,000) repacked
    with 2 ranks: an isotropic sky at 2.4 sources/deg² (the DR3 quasars have ~39/deg²);
  * DENSE: the same file format with BENCH_GW_CORR_DENSE_SOURCES sources (default 60,000) moved into
    a polar cap at the DR3 quasar density (1.6 M / 41,253 deg²), ordered along a Z curve of an
    equal-area (Lambert azimuthal) projection of the cap — the locality of Gaia's source_id
    (HEALPix nested) order. The kernel's cost per pair depends on the density: at high density most
    64-source segments lie within one separation bin of a source and skip the per-pair binning.
In one run, one rank each unless stated:
  * gaiamine gw-correlation -np 1 and -np 2 on ALL-SKY and -np 1 on DENSE: the kernel's pairs/s per
    core from the job's own clock (thread CPU time: the machine is shared), best of 2, and wall time;
  * numpy (one thread): the same estimator — r_i × r_j, the two projections, weights, 36 bins by
    searchsorted on cos Θ, the ten sums by bincount — vectorised over tiles of 32 × 1024 pairs (the
    fastest tile on this machine), on BENCH_NUMPY_SOURCES sources of ALL-SKY (default 6,000,
    every k-th row); CPU time, best of 2; its bins are checked against gaiamine's run on the same
    rows (--source-ids) to 1e-10.
Appends a dated section to Docs/benchmarks.md (not with BENCH_APPEND_DOCS=0).
"""
import datetime
import glob
import math
import os
import platform
import shutil
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import h5py  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GAIAMINE = os.environ.get("GAIAMINE", os.path.join(ROOT, ".build/release/gaiamine"))
MPIRUN = os.environ.get("MPIRUN", "mpirun --oversubscribe").split()
DATA = os.environ.get("BENCH_GW_CORR_DATA", os.path.join(ROOT, "bench-data", "gw_correlation"))
SOURCES = int(os.environ.get("BENCH_GW_CORR_SOURCES", "100000"))
DENSE = int(os.environ.get("BENCH_GW_CORR_DENSE_SOURCES", "60000"))
NUMPY_SOURCES = int(os.environ.get("BENCH_NUMPY_SOURCES", "6000"))
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
if os.geteuid() == 0:
    ENV.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
BINS = 36
DR3_QSO = 1.6e6
SKY_DEG2 = 4 * math.pi * (180 / math.pi) ** 2
TARGET_PAIRS = DR3_QSO * (DR3_QSO - 1) / 2
TARGET_CORES = 64


def sh(cmd):
    t = time.perf_counter()
    out = subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, env=ENV)
    return time.perf_counter() - t, out.stdout


def synth(n, seed, out):
    if not glob.glob(os.path.join(out, "*.csv.gz")):
        sh([GAIAMINE, "synth", "gaia_source", "--sources", n, "--files", 4, "--seed", seed, "--out", out])
    return sorted(glob.glob(os.path.join(out, "GaiaSource_*.csv.gz")))


def prepare():
    os.makedirs(DATA, exist_ok=True)
    sky = os.path.join(DATA, f"allsky_{SOURCES}.h5")
    if not os.path.exists(sky):
        files = synth(SOURCES, 17, os.path.join(DATA, f"ecsv_{SOURCES}"))
        sh([*MPIRUN, "-np", 2, GAIAMINE, "repack", *files, "--out", sky, "--overwrite"])
    dense = os.path.join(DATA, f"dense_{DENSE}.h5")
    if not os.path.exists(dense):
        files = synth(DENSE, 18, os.path.join(DATA, f"ecsv_{DENSE}"))
        tmp = dense + ".tmp.h5"
        sh([*MPIRUN, "-np", 2, GAIAMINE, "repack", *files, "--out", tmp, "--overwrite"])
        make_dense(tmp)
        os.replace(tmp, dense)
    return sky, dense


def make_dense(path):
    """Moves every source into a polar cap at the DR3 quasar density, in Z-curve order of the
    cap's Lambert azimuthal equal-area projection (proper motions and errors stay as synthesised)."""
    rng = np.random.default_rng(5)
    with h5py.File(path, "r+") as f:
        g = f["gaia_source"]
        n = g["ra"].shape[0]
        area = n / (DR3_QSO / SKY_DEG2)                      # deg²
        zmin = 1 - area * (math.pi / 180) ** 2 / (2 * math.pi)  # cap: sin δ ≥ zmin
        z = zmin + (1 - zmin) * rng.uniform(size=n)
        ra = rng.uniform(0, 360, size=n)
        rho = np.sqrt(2 * (1 - z))                            # Lambert azimuthal equal-area radius
        x, y = rho * np.cos(np.radians(ra)), rho * np.sin(np.radians(ra))
        lim = rho.max()
        ix = ((x + lim) / (2 * lim) * 65535).astype(np.uint64)
        iy = ((y + lim) / (2 * lim) * 65535).astype(np.uint64)
        key = np.zeros(n, dtype=np.uint64)
        for b in range(16):
            key |= ((ix >> np.uint64(b)) & np.uint64(1)) << np.uint64(2 * b)
            key |= ((iy >> np.uint64(b)) & np.uint64(1)) << np.uint64(2 * b + 1)
        order = np.argsort(key, kind="stable")
        g["ra"][...] = ra[order]
        g["dec"][...] = np.degrees(np.arcsin(z))[order]


def load(h5, every=1):
    with h5py.File(h5, "r") as f:
        g = f["gaia_source"]
        d = {c: g[c][()][::every] for c in ["source_id", "ra", "dec", "pmra", "pmdec", "pmra_error", "pmdec_error"]}
    for c in ["pmra", "pmdec", "pmra_error", "pmdec_error"]:
        d[c] = d[c].astype(float) * 1000.0
    return d


def numpy_sums(d, bins=BINS, ti=32, tj=1024):
    """The estimator's ten sums per bin over all pairs i < j (vector formulation), and CPU seconds."""
    a, de = np.radians(d["ra"]), np.radians(d["dec"])
    sa, ca, sd, cd = np.sin(a), np.cos(a), np.sin(de), np.cos(de)
    r = np.stack([cd * ca, cd * sa, sd])
    ea = np.stack([-sa, ca, np.zeros_like(a)])
    ed = np.stack([-sd * ca, -sd * sa, cd])
    mu = d["pmra"] * ea + d["pmdec"] * ed
    rot = d["pmra"] * ed - d["pmdec"] * ea
    w = 1 / (0.5 * (d["pmra_error"] ** 2 + d["pmdec_error"] ** 2))
    thr = -np.cos(np.radians(np.linspace(0, 180, bins + 1)[1:-1]))   # ascending in −cos Θ
    n = len(w)
    out = np.zeros((bins, 10))
    np.seterr(divide="ignore", invalid="ignore")  # i = j inside diagonal tiles (masked below)
    t0 = time.process_time()
    for i0 in range(0, n, ti):
        i1 = min(i0 + ti, n)
        for j0 in range(i0 + 1, n, tj):
            j1 = min(j0 + tj, n)
            ri, rj = r[:, i0:i1, None], r[:, None, j0:j1]
            nx = ri[1] * rj[2] - ri[2] * rj[1]
            ny = ri[2] * rj[0] - ri[0] * rj[2]
            nz = ri[0] * rj[1] - ri[1] * rj[0]
            c = ri[0] * rj[0] + ri[1] * rj[1] + ri[2] * rj[2]
            nn = nx * nx + ny * ny + nz * nz
            ai = nx * rot[0, i0:i1, None] + ny * rot[1, i0:i1, None] + nz * rot[2, i0:i1, None]
            aj = nx * rot[0, None, j0:j1] + ny * rot[1, None, j0:j1] + nz * rot[2, None, j0:j1]
            bi = nx * mu[0, i0:i1, None] + ny * mu[1, i0:i1, None] + nz * mu[2, i0:i1, None]
            bj = nx * mu[0, None, j0:j1] + ny * mu[1, None, j0:j1] + nz * mu[2, None, j0:j1]
            ww = w[i0:i1, None] * w[None, j0:j1]
            t = ww / nn
            wp, wq = t * ai * aj, t * bi * bj
            k = np.searchsorted(thr, -c, side="right")   # bins: #{t_m ≥ c}
            keep = np.arange(j0, j1)[None, :] > np.arange(i0, i1)[:, None]
            k, ww, wp, wq = k[keep], ww[keep], wp[keep], wq[keep]
            w2 = ww * ww
            for q, v in enumerate([None, ww, wp, wq, w2, ww * wp, ww * wq, wp * wp, wq * wq, wp * wq]):
                out[:, q] += np.bincount(k, weights=v, minlength=bins) if v is not None else np.bincount(k, minlength=bins)
    return out, time.process_time() - t0


def gaiamine(h5, np_, prefix, extra=(), repeat=2):
    """Best of `repeat`: kernel pairs/s/core (job clock, CPU time) and wall seconds."""
    best = None
    for _ in range(repeat):
        wall, _ = sh([*MPIRUN, "-np", np_, GAIAMINE, "gw-correlation", h5, "--bins", BINS, "--out", prefix, "--overwrite",
                      "--progress-interval", 1000, *extra])
        with h5py.File(prefix + ".h5", "r") as f:
            m = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
            sums = f["pair_sums"][()]
        rec = dict(wall=wall, job=float(m["seconds"]), kernel=float(m["kernel_pairs_per_core_second"]),
                   kernel_wall=float(m["pairs_total"]) / float(m["kernel_wall_seconds"]),
                   pairs=int(m["pairs_total"]), sources=int(m["sources"]), sums=sums)
        if best is None or rec["kernel"] > best["kernel"]:
            best = rec
    return best


def numpy_check(h5, tag):
    """numpy on every k-th row of `h5` (CPU time, best of 2) and gaiamine on the same rows."""
    with h5py.File(h5, "r") as f:
        rows = f["gaia_source"]["ra"].shape[0]
    every = max(1, rows // NUMPY_SOURCES)
    d = load(h5, every)
    ids = os.path.join(DATA, f"numpy_rows_{tag}.txt")
    with open(ids, "w") as fh:
        fh.write("\n".join(str(s) for s in d["source_id"]) + "\n")
    runs = [numpy_sums(d) for _ in range(2)]
    S = runs[0][0]
    secs = min(r[1] for r in runs)
    n = len(d["ra"])
    sub = gaiamine(h5, 1, os.path.join(DATA, f"numpy_rows_{tag}"), ["--source-ids", ids], repeat=1)
    scale = np.abs(S).max(axis=0) + 1e-300
    dev = float(np.max(np.abs(sub["sums"] - S) / scale))
    return dict(n=n, every=every, secs=secs, rate=n * (n - 1) / 2 / secs, dev=dev)


def main():
    sky, dense = prepare()
    ns, nd = numpy_check(sky, "allsky"), numpy_check(dense, "dense")
    g1 = gaiamine(sky, 1, os.path.join(DATA, "allsky_np1"))
    g2 = gaiamine(sky, 2, os.path.join(DATA, "allsky_np2"))
    same = np.array_equal(g1["sums"], g2["sums"])
    gd = gaiamine(dense, 1, os.path.join(DATA, "dense_np1"))
    efficiency = g1["job"] / g2["job"] / 2
    proj = TARGET_PAIRS / (gd["kernel"] * TARGET_CORES)
    proj_sky = TARGET_PAIRS / (g1["kernel"] * TARGET_CORES)
    dev = max(ns["dev"], nd["dev"])
    print(f"numpy: all-sky {ns['rate']:.3e}, dense {nd['rate']:.3e} pairs/s/core (CPU); gaiamine on the same rows: max |Δsum|/scale {dev:.1e}")
    print(f"gaiamine all-sky {g1['sources']} sources: np1 kernel {g1['kernel']:.3e} pairs/s/core (job {g1['job']:.1f} s), "
          f"np2 kernel {g2['kernel']:.3e} (job {g2['job']:.1f} s), np1 = np2 bitwise: {same}")
    print(f"gaiamine dense {gd['sources']} sources: np1 kernel {gd['kernel']:.3e} pairs/s/core")
    print(f"ratio vs numpy: all-sky {g1['kernel'] / ns['rate']:.1f}x, dense {gd['kernel'] / nd['rate']:.1f}x; "
          f"projection 1.28e12 pairs on 64 cores: {proj:.0f} s (all-sky rate: {proj_sky:.0f} s)")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = "?"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    md = [f"\n### All-pairs correlation (gw-correlation) — {now}\n",
          f"Machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}, load average {os.getloadavg()[0]:.1f} at the end. "
          f"Command: `make bench` (Tests/bench/gw_correlation_bench.py). {BINS} bins over 0–180°, inverse-variance weights. "
          f"ALL-SKY: `gaiamine synth gaia_source --sources {g1['sources']} --seed 17` repacked ({g1['sources'] / SKY_DEG2:.1f} sources/deg²). "
          f"DENSE: {gd['sources']} sources in a polar cap at the DR3 quasar density ({DR3_QSO / SKY_DEG2:.0f}/deg²), Z-curve order. "
          f"Kernel rates are the job's own clock (thread CPU time summed over ranks; the machine is shared), best of 2. "
          f"numpy: the same estimator vectorised over 32 × 1024-pair tiles, one thread, CPU time, best of 2, on {ns['n']} sources of "
          f"each file (every k-th row); gaiamine's sums for the same rows (--source-ids) agree to {dev:.0e} of each sum's scale.\n",
          "| contender | sources | pairs | kernel pairs/s/core | ÷ numpy (same file) | job wall (s) |",
          "|---|---|---|---|---|---|",
          f"| numpy, all-sky rows | {ns['n']:,} | {ns['n'] * (ns['n'] - 1) // 2:,} | {ns['rate']:.3g} | 1 | {ns['secs']:.1f} (CPU) |",
          f"| numpy, DR3-density rows | {nd['n']:,} | {nd['n'] * (nd['n'] - 1) // 2:,} | {nd['rate']:.3g} | 1 | {nd['secs']:.1f} (CPU) |",
          f"| gaiamine -np 1, all-sky | {g1['sources']:,} | {g1['pairs']:,} | {g1['kernel']:.3g} | **{g1['kernel'] / ns['rate']:.1f}×** | {g1['job']:.1f} |",
          f"| gaiamine -np 2, all-sky | {g2['sources']:,} | {g2['pairs']:,} | {g2['kernel']:.3g} | {g2['kernel'] / ns['rate']:.1f}× | {g2['job']:.1f} |",
          f"| gaiamine -np 1, DR3 density | {gd['sources']:,} | {gd['pairs']:,} | {gd['kernel']:.3g} | **{gd['kernel'] / nd['rate']:.1f}×** | {gd['job']:.1f} |",
          "",
          f"Scaling 1 → 2 ranks (all-sky, job wall time): {g1['job'] / g2['job']:.2f}× (parallel efficiency {efficiency:.2f}); "
          f"np 1 and np 2 sums bitwise identical: {'yes' if same else 'NO'}. "
          f"Projection for all {TARGET_PAIRS:.3g} pairs of 1.6 M sources on {TARGET_CORES} cores at the DR3-density kernel rate: "
          f"**{proj / 60:.1f} min** ({proj:.0f} s; target < 10 min, i.e. ≥ {TARGET_PAIRS / 600 / TARGET_CORES:.2g} pairs/s/core); "
          f"at the all-sky rate {proj_sky / 60:.1f} min. Ring transfers (each rank's 25 k sources × 40 bytes per step, 32 steps) "
          f"and the exact reduction are negligible at that size.", ""]
    if os.environ.get("BENCH_APPEND_DOCS", "1") != "0":
        with open(os.path.join(ROOT, "Docs", "benchmarks.md"), "a") as fh:
            fh.write("\n".join(md) + "\n")
    print("\n".join(md))
    return 0 if dev < 1e-10 and same else 1


if __name__ == "__main__":
    sys.exit(main())
