"""Helpers of the `astrometric-solution` tests and benchmark: transit-row epoch_astrometry files
(Docs/data-format.md, written with h5py only), the DR4 fixture's columns read by astropy,
synthetic sources on the fixture's real scan geometry, ESA gaiasupdate run as the reference.

  fixture_columns()                  the DataLink fixture (79 transits of source 1) as numpy arrays
  synthetic_columns(n, seed, ...)    n sources with planted astrometry, outliers, unused CCDs, nulls
  write_epoch_file(path, cols)       the repacked layout: transit rows, N × 10 arrays, source_index
  gaiasupdate_python()               $GSU_PYTHON (the Makefile's venv), or None
  run_gaiasupdate(h5, configs, ...)  gaiasupdate_reference.py's JSON: per source, per configuration
  read_solutions(prefix)             PREFIX.h5's `solutions` group as numpy arrays
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

from table_job_helpers import Col, write_table

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURE_ECSV = "dr4_epoch_astrometry/EPOCH_ASTROMETRY-Gaia DR4_INT2 1.ecsv"
INT64_NULL = np.iinfo(np.int64).min
PER_CCD = {"centroid_pos_al": np.float64, "centroid_pos_error_al": np.float32, "scan_pos_angle": np.float64,
           "obs_time_tcb": np.int64, "used_by_agis_al": np.int8, "used_by_agis_ac": np.int8,
           "ccd_proc_flags": np.int16, "ipd_error_al": np.float32}
PER_TRANSIT = {"source_id": np.int64, "obs_time_bary_corr": np.float32, "parallax_factor_al": np.float32,
               "colour_factor_al": np.float32, "agis_source_excess_noise": np.float32,
               "nu_eff_used_in_astrometry": np.float32}
NS_PER_YEAR = 365.25 * 86400e9


def fixture_columns(path) -> dict[str, np.ndarray]:
    """The fixture's ECSV read by astropy; per-CCD columns as N × 10 arrays in the C1 types
    (NaN / Int64.min / −1 for nulls)."""
    from astropy.table import Table
    t = Table.read(path, format="ascii.ecsv")
    out = {}
    for c in t.colnames:
        if c in PER_CCD:
            rows = []
            for v in t[c]:
                a = np.ma.asarray(v)
                if PER_CCD[c] == np.int8:
                    rows.append(np.ma.filled(a.astype(np.int8), -1))
                elif np.dtype(PER_CCD[c]).kind == "i":
                    rows.append(np.ma.filled(a.astype(PER_CCD[c]), np.iinfo(PER_CCD[c]).min))
                else:
                    rows.append(np.ma.filled(a.astype(PER_CCD[c]), np.nan))
            out[c] = np.array(rows, dtype=PER_CCD[c])
        elif c in PER_TRANSIT:
            col = t[c]
            fill = np.nan if np.dtype(PER_TRANSIT[c]).kind == "f" else INT64_NULL
            out[c] = np.ma.filled(np.ma.asarray(col).astype(PER_TRANSIT[c]), fill)
    return out


def years(cols) -> np.ndarray:
    """gaiasupdate's relative time: Julian years from J2017.5 TCB, barycentric correction added."""
    return 2010.0 + (cols["obs_time_tcb"].astype(np.float64) + cols["obs_time_bary_corr"][:, None]) / NS_PER_YEAR - 2017.5


def synthetic_columns(base, n_sources, seed, outliers=True, excess_noise=0.0, pseudocolour=True, first_id=1000):
    """n sources on the fixture's geometry: each takes a random 55–79 of its transits (keeping the
    time order), its scan angles rotated by a random angle (the solver sees only the angles), and
    planted ra/dec offsets, parallax, proper motion and (6p) pseudocolour; noise N(0, σ² + ε²)
    with σ = centroid_pos_error_al and ε = the source's agis_source_excess_noise. With `outliers`,
    every third source gets 2–4 CCD values shifted by 15–40 σ. Every source keeps the fixture's
    unused SM CCD; a few AF CCDs are marked unused (values NaN), some transits get a null
    barycentric correction and some CCDs a null scan angle. Returns (columns, truth)."""
    rng = np.random.default_rng(seed)
    nt = len(base["source_id"])
    parts, truth = [], []
    for k in range(n_sources):
        keep = np.sort(rng.choice(nt, size=int(rng.integers(55, nt + 1)), replace=False))
        c = {name: np.array(v[keep]) for name, v in base.items()}
        m = len(keep)
        sid = first_id + 7 * k
        c["source_id"][:] = sid
        c["scan_pos_angle"] = c["scan_pos_angle"] + rng.uniform(-180, 180)
        eps = np.float32(excess_noise * rng.uniform(0.5, 1.5)) if excess_noise else np.float32(0)
        c["agis_source_excess_noise"][:] = eps
        c["colour_factor_al"] = (rng.normal(0, 0.02, m)).astype(np.float32)
        c["used_by_agis_al"][:, 0] = 0
        c["used_by_agis_al"][:, 1:] = 1
        p = {"ra_offset": rng.normal(0, 2), "dec_offset": rng.normal(0, 2), "parallax": rng.uniform(0.5, 20),
             "pmra": rng.normal(0, 30), "pmdec": rng.normal(0, 30),
             "pseudocolour": rng.normal(0, 0.05e-3) if pseudocolour else 0.0, "source_id": sid, "outliers": 0}
        theta = np.deg2rad(c["scan_pos_angle"])
        t = years(c)
        signal = (np.sin(theta) * (p["ra_offset"] + t * p["pmra"]) + np.cos(theta) * (p["dec_offset"] + t * p["pmdec"])
                  + c["parallax_factor_al"][:, None].astype(np.float64) * p["parallax"]
                  - 1000.0 * c["colour_factor_al"][:, None].astype(np.float64) * p["pseudocolour"])
        sigma = c["centroid_pos_error_al"].astype(np.float64)
        sigma = np.where(np.isfinite(sigma), sigma, 0.3)
        c["centroid_pos_error_al"] = sigma.astype(np.float32)
        total = np.sqrt(c["centroid_pos_error_al"].astype(np.float64) ** 2 + float(eps) ** 2)
        c["centroid_pos_al"] = signal + rng.normal(size=signal.shape) * total
        if outliers and k % 3 == 0:
            n_out = int(rng.integers(2, 5))
            rows, ccds = rng.integers(0, m, n_out), rng.integers(1, 10, n_out)
            c["centroid_pos_al"][rows, ccds] += rng.choice([-1, 1], n_out) * rng.uniform(15, 40, n_out) * total[rows, ccds]
            p["outliers"] = n_out
        # Unused AF CCDs (values null, as the archive has them), a null barycentric correction,
        # null scan angles.
        r, cc = rng.integers(0, m, 3), rng.integers(1, 10, 3)
        c["used_by_agis_al"][r, cc] = 0
        c["centroid_pos_al"][r, cc] = np.nan
        if k % 5 == 1:
            c["obs_time_bary_corr"][int(rng.integers(0, m))] = np.nan
        if k % 7 == 2:
            c["scan_pos_angle"][int(rng.integers(0, m)), int(rng.integers(1, 10))] = np.nan
        parts.append(c)
        truth.append(p)
    cols = {name: np.concatenate([c[name] for c in parts]) for name in base}
    return cols, truth


def write_epoch_file(path, cols: dict[str, np.ndarray], index=None, table="epoch_astrometry"):
    """The transit-row layout (Docs/data-format.md, C1): columns as given (rows already sorted by
    source_id, then time), source_index from the source_id column unless `index` = (ids, first,
    counts) is given (bad-input tests)."""
    out = {}
    for name, v in cols.items():
        v = np.asarray(v)
        out[name] = Col(v, boolean=name.startswith("used_by_agis"),
                        unit={"centroid_pos_al": "mas", "centroid_pos_error_al": "mas", "scan_pos_angle": "deg",
                              "obs_time_tcb": "ns", "obs_time_bary_corr": "ns"}.get(name, ""))
    write_table(path, table, out)
    if index is None:
        ids = np.asarray(cols["source_id"])
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        index = (ids[starts], starts, np.diff(np.r_[starts, len(ids)]))
    with h5py.File(path, "a") as f:
        g = f[table]
        g.attrs["rows_are"] = "transits"
        g.attrs["n_ccd"] = np.int64(next(np.asarray(v).shape[1] for v in cols.values() if np.asarray(v).ndim == 2))
        s = g.create_group("source_index")
        for name, v in zip(["source_id", "first_row", "n_rows"], index):
            s.create_dataset(name, data=np.asarray(v, dtype=np.int64))
        s.attrs["n_sources"] = np.int64(len(index[0]))


def gaiasupdate_python() -> str | None:
    p = os.environ.get("GSU_PYTHON", str(REPO / ".build" / "venv-gaiasupdate" / "bin" / "python"))
    return p if Path(p).exists() else None


def run_gaiasupdate(h5, out_json, configs=("5p", "6p"), sources=None, timeout=1800) -> dict:
    py = gaiasupdate_python()
    cmd = [py, str(HERE / "gaiasupdate_reference.py"), str(h5), str(out_json), "--configs", ",".join(configs)]
    if sources is not None:
        cmd += ["--sources", ",".join(str(int(s)) for s in sources)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    assert r.returncode == 0, f"gaiasupdate reference failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return json.loads(Path(out_json).read_text())


def read_solutions(prefix, group="solutions") -> dict[str, np.ndarray]:
    with h5py.File(f"{prefix}.h5") as f:
        g = f[group]
        return {k: g[k][()] for k in g if isinstance(g[k], h5py.Dataset)}


def decoded(a) -> list[str]:
    return [x.decode() if isinstance(x, bytes) else str(x) for x in np.asarray(a).ravel()]
