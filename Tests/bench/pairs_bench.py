#!/usr/bin/env python3
"""Pair-search benchmark: gaiamine pairs vs scipy cKDTree vs astropy search_around_sky (issue 12).

  GAIAMINE=.build/release/gaiamine MPIRUN="mpirun --oversubscribe" python3 Tests/bench/pairs_bench.py

Data (cached in bench-data/pairs/): BENCH_PAIRS_ROWS (default 2,000,000) gaia_source-like rows from
Tests/bench/sky_density.py: dense Galactic plane and bulge, sparse poles, most parallaxes 0.2–3 mas
with a ϖ⁻⁴ tail to 100 mas, parallax-correlated proper motions, planted wide binaries; source_id >>
35 = HEALPix level-12 NESTED pixel, rows sorted by source_id; GaiaMine's HDF5 layout.
The same run, end to end (read + search + filter + write), one core each, best of BENCH_PAIRS_REPEAT
(3) alternating runs:
  * fixed 30″ (every row): gaiamine pairs --radius 30 --columns dpm=…, -np 1 and -np 2;
    cKDTree.query_pairs on unit vectors with the chord of 30″, then θ ≤ 30″ and dpm in numpy;
    astropy SkyCoord.search_around_sky(c, c, 30″) (on BENCH_PAIRS_ASTROPY_ROWS rows, default all);
  * El-Badry, Rix & Heintz (2021, MNRAS 506, 2269) §2: ϖ > 1, ϖ/σ_ϖ > 5, θ ≤ max(r_a, r_b) with
    r = 206.265″·ϖ[mas] (1 pc), |ϖ_a − ϖ_b| < b·hypot(σ_ϖa, σ_ϖb) with b = 6 below 4″ else 3, and
    Δµ ≤ 0.44428·ϖ^1.5·θ^−0.5 + 2σ_Δµ (ϖ of the star with the better parallax, as
    Inputs/wide_binaries.yaml); gaiamine with --where, a variable
    --radius, --pair-where and --columns dpm=…; cKDTree two ways: query_pairs with the chord of the
    largest radius (what the issue names) and query_ball_point with each row's own chord radius
    (the faster; the speed-up is quoted against the faster of the two).
Every reference writes the same pairs (source_id_a < source_id_b, sep, dpm; sorted) with h5py.
gaiamine's pair sets must equal the references' (ids exactly, sep to 1e-8″): the script fails
loudly otherwise. OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=1; cKDTree queries with workers=1.
The 64 M-row El-Badry projection (their BallTree: ~20 min on 20 cores) is from measured rates and
the scaling model printed with it. Appends a dated section to Docs/benchmarks.md.
"""
import datetime
import os
import platform
import re
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

import sky_density  # noqa: E402  (this directory)
from aggregate_bench import cpu_model  # noqa: E402
from xp_bench import drop_caches  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GAIAMINE = os.environ.get("GAIAMINE", os.path.join(ROOT, ".build/release/gaiamine"))
MPIRUN = os.environ.get("MPIRUN", "mpirun --oversubscribe").split()
DATA = os.path.join(ROOT, "bench-data", "pairs")
ROWS = int(os.environ.get("BENCH_PAIRS_ROWS", "2000000"))
REPEAT = int(os.environ.get("BENCH_PAIRS_REPEAT", "3"))
ASTROPY_ROWS = int(os.environ.get("BENCH_PAIRS_ASTROPY_ROWS", "0")) or None  # None: all rows
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
ARCSEC = np.pi / (180.0 * 3600.0)
FIXED = 30.0
N_ELBADRY = 64_000_000  # El-Badry et al. 2021: ϖ > 1 mas, ϖ/σ_ϖ > 5 in EDR3
ELBADRY_MIN_20 = 20.0   # their BallTree search on a 20-core node, minutes

WHERE = "parallax > 1 and parallax_over_error > 5"
RADIUS = "206.265 * parallax"
DPM = "hypot(a.pmra - b.pmra, a.pmdec - b.pmdec)"
SIG_DPM = ("sqrt((a.pmra_error**2 + b.pmra_error**2) * (a.pmra - b.pmra)**2"
           " + (a.pmdec_error**2 + b.pmdec_error**2) * (a.pmdec - b.pmdec)**2) / " + DPM)
PLX_BEST = "where(a.parallax_error < b.parallax_error, a.parallax, b.parallax)"
PAIR_WHERE = (f"abs(a.parallax - b.parallax) < where(sep < 4, 6, 3) * hypot(a.parallax_error, b.parallax_error)"
              f" and {DPM} <= 0.44428 * {PLX_BEST}**1.5 / sqrt(sep) + 2 * {SIG_DPM}")
FIXED_COLS = ["source_id", "ra", "dec", "pmra", "pmdec"]
ELB_COLS = FIXED_COLS + ["parallax", "parallax_over_error", "parallax_error", "pmra_error", "pmdec_error"]


# ----------------------------------------------------------------------------------------- data

def prepare():
    h5 = os.path.join(DATA, f"gs_{ROWS}.h5")
    if not os.path.exists(h5):
        os.makedirs(DATA, exist_ok=True)
        sky_density.write(h5 + ".tmp", sky_density.generate(ROWS))
        os.replace(h5 + ".tmp", h5)
    return h5


def read(h5, names):
    """The columns as float64 (ints as int64): gaiamine evaluates float32 columns in double too."""
    with h5py.File(h5, "r") as f:
        g = f["gaia_source"]
        return {k: g[k][()] if g[k].dtype.kind == "i" else g[k][()].astype(np.float64) for k in names}


# ----------------------------------------------------------------------------------- references

def unit(ra, dec):
    a, d = np.radians(ra), np.radians(dec)
    cd = np.cos(d)
    # (n, 3) for cKDTree, as the transpose of a (3, n) array so that each component is contiguous.
    return np.stack([cd * np.cos(a), cd * np.sin(a), np.sin(d)]).T


def chord(arcsec):
    return 2.0 * np.sin(np.minimum(np.asarray(arcsec, dtype=np.float64) * ARCSEC, np.pi) / 2.0)


def separation(xyz, i, j):
    """θ in arcsec, atan2(|u×v|, u·v): stable at every scale."""
    (ux, uy, uz), (vx, vy, vz) = xyz.T[:, i], xyz.T[:, j]  # xyz.T is contiguous per component: fast gathers
    cross = np.sqrt((uy * vz - uz * vy) ** 2 + (uz * vx - ux * vz) ** 2 + (ux * vy - uy * vx) ** 2)
    return np.arctan2(cross, ux * vx + uy * vy + uz * vz) / ARCSEC


def dpm(c, i, j):
    return np.hypot(c["pmra"][i] - c["pmra"][j], c["pmdec"][i] - c["pmdec"][j])


def elbadry_keep(c, i, j, sep):
    """El-Badry et al. 2021 §2 criteria, the same expression as PAIR_WHERE (and Inputs/wide_binaries.yaml)."""
    dpa, dpd = c["pmra"][i] - c["pmra"][j], c["pmdec"][i] - c["pmdec"][j]
    d = np.hypot(dpa, dpd)
    with np.errstate(divide="ignore", invalid="ignore"):
        sig = np.sqrt((c["pmra_error"][i] ** 2 + c["pmra_error"][j] ** 2) * dpa ** 2
                      + (c["pmdec_error"][i] ** 2 + c["pmdec_error"][j] ** 2) * dpd ** 2) / d
        plx_b = np.where(c["parallax_error"][i] < c["parallax_error"][j], c["parallax"][i], c["parallax"][j])
        ok_pm = d <= 0.44428 * plx_b ** 1.5 / np.sqrt(sep) + 2 * sig
    ok_plx = (np.abs(c["parallax"][i] - c["parallax"][j])
              < np.where(sep < 4, 6.0, 3.0) * np.hypot(c["parallax_error"][i], c["parallax_error"][j]))
    return ok_plx & ok_pm


def write_pairs(path, sid, i, j, sep, d):
    order = np.lexsort((sid[j], sid[i]))
    with h5py.File(path, "w") as f:
        g = f.create_group("pairs")
        for k, v in (("source_id_a", sid[i][order]), ("source_id_b", sid[j][order]),
                     ("sep", sep[order]), ("dpm", d[order])):
            g.create_dataset(k, data=v)


def ckdtree_fixed(h5, out):
    """Read → unit vectors → tree → query_pairs(chord 30″) → θ ≤ 30″, dpm → write. Returns the
    number of candidate pairs the tree returned."""
    c = read(h5, FIXED_COLS)
    ok = np.flatnonzero(np.isfinite(c["ra"]) & np.isfinite(c["dec"]))
    xyz = unit(c["ra"][ok], c["dec"][ok])
    p = cKDTree(xyz).query_pairs(chord(FIXED), output_type="ndarray")
    i, j = ok[p[:, 0]], ok[p[:, 1]]
    sep = separation(xyz, p[:, 0], p[:, 1])
    keep = sep <= FIXED
    i, j, sep = i[keep], j[keep], sep[keep]
    lo, hi = np.minimum(i, j), np.maximum(i, j)  # rows are in source_id order: a = the smaller row
    write_pairs(out, c["source_id"], lo, hi, sep, dpm(c, lo, hi))
    return len(p)


def elbadry_selection(c):
    r = 206.265 * c["parallax"]
    sel = (c["parallax"] > 1) & (c["parallax_over_error"] > 5) & np.isfinite(c["ra"]) & np.isfinite(c["dec"]) \
        & np.isfinite(r)
    return np.flatnonzero(sel), r


def elbadry_finish(c, xyz, ok, r, pi, pj, out):
    """Candidate pairs (positions in the selection, pi < pj) → θ ≤ max(r_a, r_b) → criteria → write."""
    sep = separation(xyz, pi, pj)
    within = sep <= np.maximum(r[ok][pi], r[ok][pj])
    i, j, sep = ok[pi[within]], ok[pj[within]], sep[within]
    keep = elbadry_keep(c, i, j, sep)
    write_pairs(out, c["source_id"], i[keep], j[keep], sep[keep], dpm(c, i[keep], j[keep]))
    return int(within.sum())


def ckdtree_elbadry_pairs(h5, out):
    """query_pairs with the chord of the largest radius, then every filter in numpy."""
    c = read(h5, ELB_COLS)
    ok, r = elbadry_selection(c)
    xyz = unit(c["ra"][ok], c["dec"][ok])
    p = cKDTree(xyz).query_pairs(chord(r[ok].max()), output_type="ndarray")
    lo, hi = np.minimum(p[:, 0], p[:, 1]), np.maximum(p[:, 0], p[:, 1])
    within = elbadry_finish(c, xyz, ok, r, lo, hi, out)
    return len(p), within


def ckdtree_elbadry_ball(h5, out):
    """query_ball_point with each row's own chord radius: every pair with θ ≤ r_a is found from a;
    the union, each pair once (lo < hi), is every pair with θ ≤ max(r_a, r_b)."""
    c = read(h5, ELB_COLS)
    ok, r = elbadry_selection(c)
    xyz = unit(c["ra"][ok], c["dec"][ok])
    hits = cKDTree(xyz).query_ball_point(xyz, chord(r[ok]), workers=1, return_sorted=False)
    lens = np.fromiter(map(len, hits), dtype=np.int64, count=len(hits))
    pj = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits]) if len(hits) else np.zeros(0, np.int64)
    pi = np.repeat(np.arange(len(hits), dtype=np.int64), lens)
    m = pi != pj
    key = np.unique(np.minimum(pi[m], pj[m]) * len(hits) + np.maximum(pi[m], pj[m]))
    within = elbadry_finish(c, xyz, ok, r, key // len(hits), key % len(hits), out)
    return int(lens.sum()), within


def ckdtree_dense(h5, out, radius):
    """The density-matched run's reference: the El-Badry selection and criteria with one fixed radius."""
    c = read(h5, ELB_COLS)
    ok, _ = elbadry_selection(c)
    xyz = unit(c["ra"][ok], c["dec"][ok])
    p = cKDTree(xyz).query_pairs(chord(radius), output_type="ndarray")
    sep = separation(xyz, p[:, 0], p[:, 1])
    within = sep <= radius
    i, j, sep = ok[p[within, 0]], ok[p[within, 1]], sep[within]
    keep = elbadry_keep(c, i, j, sep)
    write_pairs(out, c["source_id"], i[keep], j[keep], sep[keep], dpm(c, i[keep], j[keep]))


def astropy_fixed(h5, out, rows):
    """search_around_sky(c, c, 30″): both orders and the self-matches come back; keep a < b."""
    from astropy import units as u
    from astropy.coordinates import SkyCoord, search_around_sky
    c = read(h5, FIXED_COLS)
    if rows:
        c = {k: v[:rows] for k, v in c.items()}
    ok = np.flatnonzero(np.isfinite(c["ra"]) & np.isfinite(c["dec"]))
    sky = SkyCoord(ra=c["ra"][ok] * u.deg, dec=c["dec"][ok] * u.deg)
    i1, i2, s2, _ = search_around_sky(sky, sky, FIXED * u.arcsec)
    keep = i1 < i2
    i, j = ok[i1[keep]], ok[i2[keep]]
    write_pairs(out, c["source_id"], i, j, s2.arcsec[keep], dpm(c, i, j))


def dense_radius(h5, pairs_per_row):
    """The fixed radius (arcsec) at which the El-Badry selection has `pairs_per_row` pairs per row
    (pairs within R ∝ R² on scales where the sky is locally flat), and its exact pair count."""
    c = read(h5, ELB_COLS)
    ok, _ = elbadry_selection(c)
    tree = cKDTree(unit(c["ra"][ok], c["dec"][ok]))
    count = lambda r: (int(tree.count_neighbors(tree, chord(r))) - len(ok)) // 2
    r0 = 1800.0
    r = min(r0 * np.sqrt(pairs_per_row * len(ok) / max(count(r0), 1)), 5 * 3600.0)
    r = float(f"{r:.3g}")
    return r, count(r)


def timed_py(fn, *args):
    """(wall s, page cache dropped?, fn's result, CPU s of this process: the machine is shared, and
    CPU time is what a loaded machine does not inflate)."""
    cold = drop_caches()
    t, c = time.perf_counter(), time.process_time()
    extra = fn(*args)
    return time.perf_counter() - t, cold, extra, time.process_time() - c


# -------------------------------------------------------------------------------------- gaiamine

def gaiamine(np_, h5, out, *flags):
    cmd = MPIRUN + ["-np", str(np_), GAIAMINE, "pairs", h5, "--table", "gaia_source", *flags,
                    "--out", out, "--overwrite"]
    cold = drop_caches()
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    # The job's own wall and CPU time (read + search + filter + write; CPU summed over the ranks),
    # from its summary line; `dt` adds mpirun's launch and MPI_Init.
    m = re.search(r"total ([0-9.]+) s wall, ([0-9.]+) CPU-s", r.stdout + r.stderr)
    if not m:
        sys.exit(f"no 'total … s wall, … CPU-s' summary from: {' '.join(cmd)}\n{r.stdout[-2000:]}")
    return float(m.group(1)), dt, cold, float(m.group(2))


FIXED_FLAGS = ["--radius", str(int(FIXED)), "--columns", f"dpm={DPM}"]
ELB_FLAGS = ["--where", WHERE, "--radius", RADIUS, "--pair-where", PAIR_WHERE, "--columns", f"dpm={DPM}"]


def pairs_of(path):
    with h5py.File(path, "r") as f:
        g = f["pairs"]
        return {k: g[k][()] for k in ("source_id_a", "source_id_b", "sep", "dpm")}


def compare(what, mine_path, ref_path):
    """Identical pair sets (ids exactly, order included), sep to 1e-8″, dpm to 1e-9 relative with NaN
    where the reference has NaN (2-parameter rows), or exit."""
    a, b = pairs_of(mine_path), pairs_of(ref_path)
    ka = set(zip(a["source_id_a"].tolist(), a["source_id_b"].tolist()))
    kb = set(zip(b["source_id_a"].tolist(), b["source_id_b"].tolist()))
    if ka != kb:
        sys.exit(f"PAIR SETS DIFFER ({what}): gaiamine {len(ka):,} pairs, reference {len(kb):,}; "
                 f"only gaiamine {sorted(ka - kb)[:5]}, only reference {sorted(kb - ka)[:5]}")
    if not (np.array_equal(a["source_id_a"], b["source_id_a"]) and np.array_equal(a["source_id_b"], b["source_id_b"])):
        sys.exit(f"PAIR ORDER DIFFERS ({what})")
    if not np.array_equal(np.isnan(a["dpm"]), np.isnan(b["dpm"])) or np.isnan(a["sep"]).any():
        sys.exit(f"NaN PATTERN DIFFERS ({what}): dpm NaN where the reference's is not (or sep NaN)")
    m = ~np.isnan(b["dpm"])
    dsep = float(np.max(np.abs(a["sep"] - b["sep"]))) if len(ka) else 0.0
    ddpm = float(np.max(np.abs(a["dpm"][m] - b["dpm"][m]) / np.maximum(np.abs(b["dpm"][m]), 1e-300))) if m.any() else 0.0
    if not (dsep <= 1e-8 and ddpm <= 1e-9):
        sys.exit(f"VALUES DIFFER ({what}): max |Δsep| {dsep:.2e}″, max rel Δdpm {ddpm:.2e}")
    return len(ka), dsep


# ----------------------------------------------------------------------------------------- main

def main():
    h5 = prepare()
    out = lambda name: os.path.join(DATA, name)
    pos = read(h5, ELB_COLS)
    sel, r_all = elbadry_selection(pos)
    sel_n, r_max = len(sel), float(r_all[sel].max())
    # The density-matched run for the projection: as many candidate pairs per selected row as the
    # 64 M-row sample would have, by a fixed radius R_D over the same selection (see main's model).
    c_within = ckdtree_elbadry_ball(h5, out("kd_elb_probe.h5"))[1]
    r_dense, c_dense = dense_radius(h5, c_within * (N_ELBADRY / sel_n) / sel_n)
    dense_flags = ["--where", WHERE, "--radius", f"{r_dense:g}", "--pair-where", PAIR_WHERE, "--columns", f"dpm={DPM}"]
    runs = []
    for _ in range(REPEAT):  # the tools alternating, best of REPEAT each (shared, noisy machine)
        row = {}
        row["gm_fixed_1"] = gaiamine(1, h5, out("gm_fixed_1"), *FIXED_FLAGS)
        row["gm_fixed_2"] = gaiamine(2, h5, out("gm_fixed_2"), *FIXED_FLAGS)
        row["kd_fixed"] = timed_py(ckdtree_fixed, h5, out("kd_fixed.h5"))
        row["gm_elb_1"] = gaiamine(1, h5, out("gm_elb_1"), *ELB_FLAGS)
        row["gm_elb_2"] = gaiamine(2, h5, out("gm_elb_2"), *ELB_FLAGS)
        row["kd_elb_ball"] = timed_py(ckdtree_elbadry_ball, h5, out("kd_elb_ball.h5"))
        row["kd_elb_pairs"] = timed_py(ckdtree_elbadry_pairs, h5, out("kd_elb_pairs.h5"))
        row["gm_dense_1"] = gaiamine(1, h5, out("gm_dense_1"), *dense_flags)
        runs.append(row)
    best = {k: min(r[k][0] for r in runs) for k in runs[0]}
    proc = {k: min(r[k][1] for r in runs) for k in runs[0] if k.startswith("gm_")}
    cpu = {k: min(r[k][3] for r in runs) for k in runs[0]}
    cold = runs[0]["kd_fixed"][1]
    cand_fixed = runs[0]["kd_fixed"][2]
    cand_pairs, within_elb = runs[0]["kd_elb_pairs"][2]
    cand_ball, _ = runs[0]["kd_elb_ball"][2]
    t_dense = best["gm_dense_1"]
    t_kd_dense = timed_py(ckdtree_dense, h5, out("kd_dense.h5"), r_dense)[3]  # once (CPU s): ~20 s
    t_astro, _, _, c_astro = timed_py(astropy_fixed, h5, out("astropy_fixed.h5"), ASTROPY_ROWS)
    astro_rows = ASTROPY_ROWS or ROWS

    # Correctness: every gaiamine output equals the references; the references agree.
    n_fixed, ds_fixed = compare("fixed 30″, -np 1", out("gm_fixed_1.h5"), out("kd_fixed.h5"))
    compare("fixed 30″, -np 2", out("gm_fixed_2.h5"), out("kd_fixed.h5"))
    n_elb, ds_elb = compare("El-Badry, -np 1", out("gm_elb_1.h5"), out("kd_elb_ball.h5"))
    compare("El-Badry, -np 2", out("gm_elb_2.h5"), out("kd_elb_ball.h5"))
    compare(f"density-matched run, {r_dense:g}″, -np 1", out("gm_dense_1.h5"), out("kd_dense.h5"))
    compare("cKDTree query_pairs vs query_ball_point", out("kd_elb_pairs.h5"), out("kd_elb_ball.h5"))
    if ASTROPY_ROWS is None:
        compare("astropy vs cKDTree, fixed 30″", out("astropy_fixed.h5"), out("kd_fixed.h5"))

    kd_elb = min(best["kd_elb_ball"], best["kd_elb_pairs"])
    kd_elb_name = "query_ball_point" if best["kd_elb_ball"] <= best["kd_elb_pairs"] else "query_pairs"
    kd_elb_cpu = min(cpu["kd_elb_ball"], cpu["kd_elb_pairs"])
    sp_fixed, sp_elb = best["kd_fixed"] / best["gm_fixed_1"], kd_elb / best["gm_elb_1"]
    spc_fixed, spc_elb = cpu["kd_fixed"] / cpu["gm_fixed_1"], kd_elb_cpu / cpu["gm_elb_1"]
    sc_fixed, sc_elb = best["gm_fixed_1"] / best["gm_fixed_2"], best["gm_elb_1"] / best["gm_elb_2"]
    t_astro_full = t_astro * ROWS / astro_rows  # linear in rows at fixed density: stated below

    # Projection of the El-Badry search to 64 M rows (the model is printed with the figures):
    #   t(64 M, P cores) = (a·N + β·C) / (P·e)
    a = max(cpu["gm_fixed_1"], cpu["gm_elb_1"]) / ROWS
    c_64 = within_elb * (N_ELBADRY / sel_n) ** 2
    beta = max(cpu["gm_dense_1"] - cpu["gm_elb_1"], 0.0) / max(c_dense - within_elb, 1)
    eff = min(cpu["gm_elb_1"] / cpu["gm_elb_2"], 1.0)  # work added by going parallel (halos, duplication)
    t1_64 = a * N_ELBADRY + beta * c_64
    proj = {p: t1_64 / (p * eff) for p in (20, 64)}
    # The same model for the cKDTree + numpy reference (its parallel efficiency taken as 1): how far
    # the model lands from El-Badry et al.'s measured BallTree time is its calibration.
    a_kd = max(cpu["kd_fixed"], kd_elb_cpu) / ROWS
    beta_kd = max(t_kd_dense - kd_elb_cpu, 0.0) / max(c_dense - within_elb, 1)
    proj_kd20 = (a_kd * N_ELBADRY + beta_kd * c_64) / 20

    rows = [  # (name, fixed wall, fixed CPU, El-Badry wall, El-Badry CPU)
        ("gaiamine pairs, -np 1 (the job)", best["gm_fixed_1"], cpu["gm_fixed_1"], best["gm_elb_1"], cpu["gm_elb_1"]),
        ("gaiamine pairs, -np 1, whole process (+ mpirun, MPI_Init)", proc["gm_fixed_1"], None, proc["gm_elb_1"], None),
        ("gaiamine pairs, -np 2 (the job; CPU summed over ranks)", best["gm_fixed_2"], cpu["gm_fixed_2"],
         best["gm_elb_2"], cpu["gm_elb_2"]),
        ("cKDTree query_pairs (chord of the largest radius) + numpy", best["kd_fixed"], cpu["kd_fixed"],
         best["kd_elb_pairs"], cpu["kd_elb_pairs"]),
        ("cKDTree query_ball_point (each row's chord radius) + numpy", None, None, best["kd_elb_ball"], cpu["kd_elb_ball"]),
        (f"astropy search_around_sky{'' if ASTROPY_ROWS is None else f' ({astro_rows:,} rows, scaled ×{ROWS / astro_rows:.1f})'}",
         t_astro_full, c_astro * ROWS / astro_rows, None, None),
    ]
    fmt = lambda t: "—" if t is None else f"{t:.2f}"
    lines = [f"\n## Pair search (issue 12) — {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC\n",
             f"Machine: {cpu_model()}, {os.cpu_count()} cores (`nproc`), {platform.machine()}; "
             f"page cache {'dropped before each run' if cold else 'warm (not root)'}.\n",
             "    GAIAMINE=.build/release/gaiamine MPIRUN=\"mpirun --oversubscribe\" python3 Tests/bench/pairs_bench.py\n",
             f"{ROWS:,} generated gaia_source-like rows (Tests/bench/sky_density.py: rows per sr at |b| < 5° "
             f"{sky_density.plane_pole_ratio(pos['ra'], pos['dec']):.0f}× those at |b| > 80°, 2-parameter rows NaN, "
             f"parallaxes mostly 0.2–3 mas with a ϖ⁻⁴ tail, planted wide binaries), {sel_n:,} pass the El-Badry "
             f"selection `{WHERE}` (largest radius {r_max / 3600:.2f}°). "
             "End to end (read + search + filter + write; gaiamine also writes PREFIX.ecsv, .svg and .yaml, the "
             "references only the HDF5 table), one core each (gaiamine -np 2 apart), best of "
             f"{REPEAT} alternating runs. Fixed: `--radius 30 --columns dpm=…` on every row; El-Badry: "
             f"`--where '{WHERE}' --radius '{RADIUS}' --pair-where …` (El-Badry, Rix & Heintz 2021 §2: parallaxes "
             "within 3σ, 6σ below 4″; Δµ ≤ 0.44428·ϖ^1.5·θ^−0.5 + 2σ_Δµ with ϖ of the star with the better parallax, as "
             "Inputs/wide_binaries.yaml).\n",
             "| run | fixed 30″ wall (s) | CPU (s) | El-Badry 1 pc wall (s) | CPU (s) |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {' | '.join(fmt(t) for t in ts)} |" for name, *ts in rows]
    lines += ["",
              f"Pairs: fixed 30″ {n_fixed:,} (cKDTree returned {cand_fixed:,} candidates); El-Badry {n_elb:,} kept of "
              f"{within_elb:,} within max(r_a, r_b) (query_pairs at the largest radius returned {cand_pairs:,} candidates, "
              f"query_ball_point {cand_ball:,} hits). gaiamine's pairs equal the cKDTree references' for -np 1 and -np 2 "
              f"(ids and order exactly; max |Δsep| {max(ds_fixed, ds_elb):.1e}″)"
              + (", and astropy's (fixed)." if ASTROPY_ROWS is None else "."),
              f"Speed-up over cKDTree per core, wall: **{sp_fixed:.2f}×** fixed 30″, **{sp_elb:.2f}×** El-Badry (vs "
              f"{kd_elb_name}, the faster reference); CPU time: {spc_fixed:.2f}×, {spc_elb:.2f}× — target ≥ 3×; over "
              f"astropy {t_astro_full / best['gm_fixed_1']:.1f}× wall (fixed).",
              f"-np 2 / -np 1, wall: **{sc_fixed:.2f}×** fixed, **{sc_elb:.2f}×** El-Badry — target ≥ 1.8×; work added by "
              f"the second rank (CPU -np 2 / -np 1): {cpu['gm_fixed_2'] / cpu['gm_fixed_1']:.2f}×, "
              f"{cpu['gm_elb_2'] / cpu['gm_elb_1']:.2f}×. Load average at the end: {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores (wall figures on a loaded machine understate every ratio; CPU times do not).",
              "",
              f"Projection, El-Badry search on their {N_ELBADRY / 1e6:.0f} M rows (BallTree: ~{ELBADRY_MIN_20:.0f} min on "
              f"20 cores): **{proj[20] / 60:.1f} min on 20 cores, {proj[64] / 60:.1f} min on 64**. Model: "
              "t = (a·N + β·C) / (P·e), N = 64 M rows, P cores, every per-core cost in CPU time:",
              f"* C = {c_64:.2e} candidate pairs (θ ≤ max(r_a, r_b)): the bench's {within_elb:,} × (64 M / {sel_n:,})², "
              "i.e. the real sample taken as the generated selection's sky structure and parallax distribution at "
              f"{N_ELBADRY / sel_n:.0f}× its density (pairs within a given angle ∝ density²; the planted binaries, "
              "which scale ∝ density, make this an over-estimate);",
              f"* β = {beta * 1e9:.1f} ns per candidate pair (index, θ, --pair-where, kept pairs written), from a "
              f"density-matched run: the same selection with a fixed radius of {r_dense:g}″ giving {c_dense:,} "
              f"candidates, {c_dense / sel_n:.0f} per row (the 64 M sample: {c_64 / N_ELBADRY:.0f}; the radius is capped at "
              f"5°); its job took {cpu['gm_dense_1']:.2f} CPU-s ({t_dense:.2f} s wall, -np 1), "
              f"β = (that − the El-Badry run) / (its candidates − {within_elb:,});",
              f"* a = {a * 1e9:.0f} ns per row: the slower of the two bench runs per row read (read, select, index, "
              "few pairs) — their input holds only the 64 M selected rows;",
              f"* e = {eff:.2f}: CPU -np 1 / CPU -np 2 of the El-Badry run (the work the halos and the broadcast of "
              "large radii add), assumed at P ranks (each rank's halo is a thin shell around its sky region; the "
              "few degree-scale radii are a separate pass); I/O and load imbalance are not in it, and Open MPI's "
              "busy-waiting in collectives is (a pessimistic e on short runs);",
              f"* calibration: the same model for the cKDTree + numpy reference (a = {a_kd * 1e9:.0f} ns/row, "
              f"β = {beta_kd * 1e9:.0f} ns/pair from its own density-matched run, {t_kd_dense:.1f} CPU-s, e = 1) gives "
              f"{proj_kd20 / 60:.1f} min on 20 cores, against the ~{ELBADRY_MIN_20:.0f} min El-Badry et al. measured with "
              "a BallTree. The density-matched run gives every row a 3–5° radius where the real search has a few "
              "arcmin for most rows: its cost per candidate is the inner loop's, with the index granularity of "
              "large radii.", ""]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(ROOT, "Docs", "benchmarks.md"), "a") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
