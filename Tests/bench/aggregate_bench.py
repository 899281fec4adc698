#!/usr/bin/env python3
"""Aggregate / select benchmark: gaiamine vs DuckDB vs pandas, one core each (issue 11).

  GAIAMINE=.build/release/gaiamine MPIRUN="mpirun --oversubscribe" python3 Tests/bench/aggregate_bench.py

Data (cached in bench-data/aggregate/): BENCH_AGG_ROWS (default 10,000,000) gaia_source-like rows,
source_id sorted with a realistic HEALPix spread (level-5 pixel densities log-normal, ×100 across
the sky), ra/dec at the pixel, parallax, pmra, pmdec (float64, ~5 % NaN), phot_g_mean_mag
(float32, counts rising to the faint end, 10–21). Written with h5py in GaiaMine's layout and with
pyarrow to Parquet (same columns, uncompressed; NaN stored as Parquet null so that DuckDB skips
them as gaiamine and pandas skip NaN).
The same run, end to end (read + compute + write), one core each:
  * gaiamine aggregate -np 1 --by hpx=healpix(5) --values parallax,pmra
      --stats median,mad,mean,std,skew,kurtosis,p5,p95 --where 'phot_g_mean_mag < 19';
  * DuckDB (SET threads=1) on the Parquet file, the SQL printed below, result to Parquet;
  * pandas groupby on the columns read from the HDF5 file with h5py, result to Parquet;
  * a filter-only `select --where 'phot_g_mean_mag < 19' --columns source_id` vs h5py reading the
    referenced columns (phot_g_mean_mag, source_id) whole: the raw read rate.
Reads are measured with a cold page cache when this process may drop it (root), else warm.
The results of the three are compared per pixel; DuckDB's skewness/kurtosis are checked to be
pandas' bias-corrected ones. Appends a dated section to Docs/benchmarks.md.
"""
import datetime
import os
import platform
import re
import subprocess
import sys
import time

import h5py
import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from table_job_helpers import Col, write_table  # noqa: E402  (the e2e tests' layout writer)
from xp_bench import drop_caches  # noqa: E402

GAIAMINE = os.environ.get("GAIAMINE", os.path.join(ROOT, ".build/release/gaiamine"))
MPIRUN = os.environ.get("MPIRUN", "mpirun --oversubscribe").split()
DATA = os.path.join(ROOT, "bench-data", "aggregate")
ROWS = int(os.environ.get("BENCH_AGG_ROWS", "10000000"))
REPEAT = int(os.environ.get("BENCH_AGG_REPEAT", "3"))  # best of
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
SHIFT5 = 35 + 2 * (12 - 5)
WHERE = "phot_g_mean_mag < 19"
STATS = ["median", "mad", "mean", "std", "skew", "kurtosis", "p5", "p95"]
VALUES = ["parallax", "pmra"]
DR3_ROWS = 1_811_709_771  # gaia_source rows in DR3 (Gaia Collaboration, Vallenari et al. 2023)


def timed(cmd):
    cold = drop_caches()
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    # The job's own wall time (read + compute + write, from its summary line): what DuckDB's
    # in-process `execute` measures; `dt` adds mpirun's launch and MPI_Init (~1 s here).
    m = re.search(r"total ([0-9.]+) s wall", r.stdout)
    return dt, cold, float(m.group(1)) if m else dt


def prepare():
    h5, pq = os.path.join(DATA, "gs.h5"), os.path.join(DATA, "gs.parquet")
    if os.path.exists(h5) and os.path.exists(pq):
        return h5, pq
    import healpy as hp
    import pyarrow as pa
    import pyarrow.parquet as papq
    os.makedirs(DATA, exist_ok=True)
    rng = np.random.default_rng(5)
    npix = 12 * 4 ** 5
    w = rng.lognormal(0, 1.2, npix)
    pix = np.sort(rng.choice(npix, ROWS, p=w / w.sum()))
    sid = (pix.astype(np.int64) << SHIFT5) + rng.integers(0, 2 ** SHIFT5, ROWS)
    sid.sort()
    ra, dec = hp.pix2ang(32, pix, nest=True, lonlat=True)
    cols = {"source_id": sid, "ra": ra, "dec": dec,
            "parallax": rng.normal(0.4, 1.0, ROWS), "pmra": rng.standard_t(4, ROWS) * 4,
            "pmdec": rng.normal(-3, 4, ROWS),
            "phot_g_mean_mag": (21 - rng.exponential(1.8, ROWS)).clip(10, 21).astype(np.float32)}
    for k in ("parallax", "pmra", "pmdec"):
        cols[k][rng.random(ROWS) < 0.05] = np.nan
    write_table(h5 + ".tmp", "gaia_source", {k: Col(v) for k, v in cols.items()})
    os.replace(h5 + ".tmp", h5)
    table = pa.table({k: pa.array(v, from_pandas=True) for k, v in cols.items()})  # NaN → null
    papq.write_table(table, pq + ".tmp", compression="none")
    os.replace(pq + ".tmp", pq)
    return h5, pq


def duckdb_sql(pq, out):
    per = []
    for v in VALUES:
        per += [f"avg({v}) AS {v}_mean", f"stddev_samp({v}) AS {v}_std", f"skewness({v}) AS {v}_skew",
                f"kurtosis({v}) AS {v}_kurtosis", f"quantile_cont({v}, 0.05) AS {v}_p5",
                f"quantile_cont({v}, 0.95) AS {v}_p95"]
    med = ", ".join(f"median({v}) AS {v}_median" for v in VALUES)
    mad = ", ".join(f"median(abs(f.{v} - m.{v}_median)) AS {v}_mad" for v in VALUES)
    return (f"COPY (\n  WITH f AS (SELECT source_id >> {SHIFT5} AS hpx, {', '.join(VALUES)}\n"
            f"             FROM read_parquet('{pq}') WHERE {WHERE}),\n"
            f"  m AS (SELECT hpx, {med} FROM f GROUP BY hpx),\n"
            f"  a AS (SELECT hpx, count(*) AS n_rows, {', '.join(per)} FROM f GROUP BY hpx),\n"
            f"  d AS (SELECT f.hpx, {mad} FROM f JOIN m USING (hpx) GROUP BY f.hpx)\n"
            f"  SELECT * FROM a JOIN m USING (hpx) JOIN d USING (hpx) ORDER BY hpx\n"
            f") TO '{out}' (FORMAT parquet)")


def run_duckdb(pq, out):
    import duckdb
    sql = duckdb_sql(pq, out)
    con = duckdb.connect()
    con.execute("SET threads=1")
    drop_caches()
    t = time.perf_counter()
    con.execute(sql)
    return time.perf_counter() - t, sql


def check_duckdb_moments():
    """DuckDB's skewness/kurtosis are the bias-corrected sample ones, as pandas' skew()/kurt()."""
    import duckdb
    rng = np.random.default_rng(1)
    worst = 0.0
    for n in (4, 5, 17, 1000):
        x = rng.gamma(2.0, 1.0, n)
        s, k = duckdb.execute("SELECT skewness(x), kurtosis(x) FROM (SELECT unnest(?) AS x)", [x.tolist()]).fetchone()
        ps, pk = pd.Series(x).skew(), pd.Series(x).kurt()
        worst = max(worst, abs(s - ps) / abs(ps), abs(k - pk) / abs(pk))
    return worst


def run_pandas(h5, out):
    drop_caches()
    t = time.perf_counter()
    with h5py.File(h5, "r") as f:
        g = f["gaia_source"]
        df = pd.DataFrame({k: g[k][()] for k in ("source_id", "phot_g_mean_mag", *VALUES)})
    df = df[df.phot_g_mean_mag < np.float32(19)]
    df["hpx"] = df.source_id.to_numpy() >> SHIFT5
    gb = df.groupby("hpx")
    res = {"n_rows": gb.size()}
    for v in VALUES:
        c = gb[v]
        med = c.median()
        res[f"{v}_median"] = med
        res[f"{v}_mad"] = (df[v] - df.hpx.map(med)).abs().groupby(df.hpx).median()
        res[f"{v}_mean"], res[f"{v}_std"] = c.mean(), c.std()
        res[f"{v}_skew"], res[f"{v}_kurtosis"] = c.skew(), c.apply(lambda s: s.kurt())
        res[f"{v}_p5"], res[f"{v}_p95"] = c.quantile(0.05), c.quantile(0.95)
    pd.DataFrame(res).reset_index().to_parquet(out)
    return time.perf_counter() - t


def raw_read(h5, names):
    cold = drop_caches()
    t = time.perf_counter()
    nbytes = 0
    with h5py.File(h5, "r") as f:
        for k in names:
            nbytes += f["gaia_source"][k][()].nbytes
    return time.perf_counter() - t, nbytes, cold


def gaiamine_table(prefix):
    with h5py.File(prefix + ".h5", "r") as f:
        found = []
        f.visititems(lambda n, o: found.append(n) if isinstance(o, h5py.Dataset) and n.split("/")[-1] == "n_rows"
                     and not n.startswith("maps") else None)
        g = f[found[0]].parent
        return pd.DataFrame({k: g[k][()] for k in g if isinstance(g[k], h5py.Dataset)}).set_index("hpx")


def max_rel_diff(a: pd.DataFrame, b: pd.DataFrame) -> dict:
    """Per column max |a−b|/max(|b|, 1e-300) over the pixels of a, NaN positions required equal."""
    b = b.set_index("hpx") if "hpx" in b.columns else b
    assert list(a.index) == list(b.index), "different pixels"
    out = {}
    for c in a.columns:
        x, y = a[c].to_numpy(np.float64), b[c].to_numpy(np.float64)
        assert np.array_equal(np.isnan(x), np.isnan(y)), f"{c}: NaN pattern differs"
        m = ~np.isnan(x)
        out[c] = float(np.max(np.abs(x[m] - y[m]) / np.maximum(np.abs(y[m]), 1e-300))) if m.any() else 0.0
    return out


def main():
    h5, pq = prepare()
    with h5py.File(h5, "r") as f:
        g = f["gaia_source"]["phot_g_mean_mag"][()]
    n, n_pass = len(g), int(np.count_nonzero(g < np.float32(19)))
    agg = os.path.join(DATA, "agg")
    # Best of REPEAT for every timing (the machines are shared and noisy), the tools alternating.
    sel = os.path.join(DATA, "sel")
    runs = []
    for _ in range(REPEAT):
        t_proc, cold, t_gm = timed(MPIRUN + ["-np", "1", GAIAMINE, "aggregate", h5, "--table", "gaia_source",
                                             "--by", "hpx=healpix(5)", "--values", ",".join(VALUES),
                                             "--stats", ",".join(STATS), "--where", WHERE, "--out", agg, "--overwrite"])
        t_db, sql = run_duckdb(pq, os.path.join(DATA, "duckdb.parquet"))
        t_pd = run_pandas(h5, os.path.join(DATA, "pandas.parquet"))
        t_sel_proc, _, t_sel = timed(MPIRUN + ["-np", "1", GAIAMINE, "select", h5, "--table", "gaia_source",
                                               "--where", WHERE, "--columns", "source_id", "--out", sel, "--overwrite"])
        t_raw, nbytes, _ = raw_read(h5, ["phot_g_mean_mag", "source_id"])
        runs.append((t_proc, t_gm, t_db, t_pd, t_sel_proc, t_sel, t_raw))
    t_proc, t_gm, t_db, t_pd, t_sel_proc, t_sel, t_raw = (min(r[k] for r in runs) for k in range(7))
    mine = gaiamine_table(agg)
    d_db = max_rel_diff(mine, pd.read_parquet(os.path.join(DATA, "duckdb.parquet")))
    d_pd = max_rel_diff(mine, pd.read_parquet(os.path.join(DATA, "pandas.parquet")))
    moments = check_duckdb_moments()
    rate = lambda t: n / t
    proj_h = DR3_ROWS / (rate(t_gm) * 64) / 3600
    rows = [("gaiamine aggregate, -np 1 (the job: read + compute + write)", t_gm, 1.0),
            ("gaiamine aggregate, -np 1, whole process (+ mpirun launch, MPI_Init)", t_proc, t_proc / t_gm),
            ("DuckDB, threads=1 (Parquet; in-process execute)", t_db, t_db / t_gm),
            ("pandas groupby (h5py read; in-process)", t_pd, t_pd / t_gm)]
    print("DuckDB SQL:\n" + sql)
    lines = [f"\n## Aggregate and select (issue 11) — {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC\n",
             f"Machine: {cpu_model()}, {os.cpu_count()} cores (`nproc`), {platform.machine()}; "
             f"page cache {'dropped before each run' if cold else 'warm (not root)'}.\n",
             "    GAIAMINE=.build/release/gaiamine MPIRUN=\"mpirun --oversubscribe\" python3 Tests/bench/aggregate_bench.py\n",
             f"{n:,} generated gaia_source-like rows ({n_pass:,} pass `{WHERE}`), {mine.shape[0]:,} HEALPix level-5 pixels; "
             f"`--by hpx=healpix(5) --values {','.join(VALUES)} --stats {','.join(STATS)} --where '{WHERE}'`, end to end "
             "(read + compute + write), one core each, best of " + str(REPEAT) + " alternating runs.\n",
             "| run | wall (s) | rows/s/core | time / gaiamine job |", "|---|---|---|---|"]
    lines += [f"| {name} | {t:.2f} | {rate(t):,.0f} | {ratio:.2f}× |" for name, t, ratio in rows]
    lines += ["", f"Speed-up over DuckDB per core: **{t_db / t_gm:.2f}×** (job vs in-process query), "
              f"{t_db / t_proc:.2f}× counting gaiamine's process start-up as well.",
              "", f"Filter-only `select --where '{WHERE}' --columns source_id`, -np 1: the job {t_sel:.2f} s "
              f"({rate(t_sel):,.0f} rows/s; whole process {t_sel_proc:.2f} s); h5py reading the referenced columns "
              f"(phot_g_mean_mag, source_id: {nbytes / 1e6:.0f} MB) whole: {t_raw:.2f} s → select at "
              f"**{t_raw / t_sel:.0%}** of the raw read rate (the job also evaluates the filter and writes the "
              f"{n_pass:,} kept rows).",
              f"Results: max relative difference gaiamine vs DuckDB per column {max(d_db.values()):.1e} "
              f"(worst {max(d_db, key=d_db.get)}), vs pandas {max(d_pd.values()):.1e} (worst {max(d_pd, key=d_pd.get)}).",
              f"DuckDB's `skewness`/`kurtosis` equal pandas' bias-corrected `skew()`/`kurt()` (excess) to {moments:.1e} "
              "relative on gamma samples of 4–1000 values.",
              f"Projection: all {DR3_ROWS:,} DR3 gaia_source rows on 64 cores at {rate(t_gm):,.0f} rows/s/core: "
              f"**{proj_h * 3600:.0f} s** of compute; the four columns read are 28 bytes a row, "
              f"{DR3_ROWS * 28 / 1e9:.0f} GB, so on a parallel file system the run is I/O bound "
              f"(~{DR3_ROWS * 28 / 1e9:.0f} s at 1 GB/s).", "", "DuckDB's SQL:", "", *("    " + l for l in sql.splitlines()), ""]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(ROOT, "Docs", "benchmarks.md"), "a") as f:
        f.write(text + "\n")


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return re.search(r"Model name:\s*(.+)", out).group(1).strip()
    except Exception:
        return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
