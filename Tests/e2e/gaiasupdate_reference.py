"""ESA gaiasupdate's per-source solutions of a GaiaMine transit-row epoch_astrometry file.

Run with a Python that has gaiasupdate (pandas < 3, astropy < 8: the Makefile's GSU_PYTHON venv):

    $GSU_PYTHON Tests/e2e/gaiasupdate_reference.py FILE.h5 OUT.json [--sources ID,ID,...]
                [--configs 5p,6p,5p-fit,6p-fit] [--timing TIMING.json]

The file is read with h5py (Docs/data-format.md: one row per transit, per-CCD N × n_ccd arrays,
int64 times, int8 0/1/−1 flags), each source's rows become the archive's DataLink DataFrame (one
row per transit, per-CCD values as numpy arrays, as astropy's reading of the DataLink ECSV
gives them) and `GaiaEpochAstrometryArchive.supdate(df, source_id, model, compute_excess_noise)`
solves it. Written per source and configuration: parameters, formal errors, covariance, n_measurements,
n_outliers, excess noise and significance, χ², index_keep, residuals and weights (of the kept
observations, in gaiasupdate's order: transit-major, CCD-minor after its filters).
"""
import argparse
import json
import logging
import time
import warnings

import h5py
import numpy as np
import pandas as pd

from gaiasupdate.epoch_astrometry import GaiaEpochAstrometryArchive

warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)

CONFIGS = {"5p": ("5p_single_source", False), "6p": ("6p_constrained_colour", False),
           "5p-fit": ("5p_single_source", True), "6p-fit": ("6p_constrained_colour", True)}
ARCHIVE = ["source_id", "obs_time_bary_corr", "centroid_pos_al", "centroid_pos_error_al", "scan_pos_angle",
           "parallax_factor_al", "colour_factor_al", "obs_time_tcb", "used_by_agis_al", "agis_source_excess_noise",
           "ccd_proc_flags", "ipd_error_al", "nu_eff_used_in_astrometry"]


def frames(path, wanted=frozenset(), table="epoch_astrometry"):
    with h5py.File(path, "r") as f:
        g = f[table]
        cols = {c: g[c][...] for c in ARCHIVE if c in g}
        idx = g["source_index"]
        index = [(int(s), int(a), int(n)) for s, a, n in zip(idx["source_id"][...], idx["first_row"][...], idx["n_rows"][...])]
    for sid, first, n in index:
        if wanted and sid not in wanted:
            continue
        d = {}
        for c, v in cols.items():
            v = v[first:first + n]
            if v.ndim == 2:
                if c.startswith("used_by_agis"):
                    v = v == 1  # int8 1/0/−1 → bool (null: not used)
                d[c] = list(v)  # one numpy array per transit: object column, exploded by gaiasupdate
            else:
                d[c] = v
        yield sid, pd.DataFrame(d)


def solve(df, sid, model, fit):
    r = GaiaEpochAstrometryArchive.supdate(df.copy(), sid, model, compute_excess_noise=fit)
    def f(x):
        return None if x is None else float(x)
    return {"parameters": np.asarray(r["parameters"], float).tolist(),
            "errors": np.asarray(r["parameters_formal_uncertainty"], float).tolist(),
            "covariance": np.asarray(r["parameter_covariance_matrix_formal"], float).ravel().tolist(),
            "n_obs": int(r["n_measurements"]), "n_outliers": int(r["n_outliers"]),
            "excess_noise": f(r["excess_noise"]), "significance": f(r["significance"]),
            "chi2": float(r["solution_statistic"].chi2),
            "index_keep": np.asarray(r["index_keep"], int).tolist(),
            "residuals": np.asarray(r["residuals"], float).tolist(),
            "weights": np.asarray(r["weights"], float).tolist()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("out")
    ap.add_argument("--sources", default="")
    ap.add_argument("--configs", default="5p,6p")
    ap.add_argument("--timing", default="", help="write {config: [wall s, CPU s, sources]} of the supdate calls here")
    a = ap.parse_args()
    wanted = {int(s) for s in a.sources.split(",") if s}
    configs = [c for c in a.configs.split(",") if c]
    out = {}
    timing = {c: [0.0, 0.0, 0] for c in configs}
    for sid, df in frames(a.file, wanted):
        out[str(sid)] = {}
        for c in configs:
            model, fit = CONFIGS[c]
            t, cpu = time.perf_counter(), time.process_time()
            try:
                out[str(sid)][c] = solve(df, sid, model, fit)
            except Exception as e:  # recorded: the test decides whether a failure is expected
                out[str(sid)][c] = {"error": f"{type(e).__name__}: {e}"}
            timing[c][0] += time.perf_counter() - t
            timing[c][1] += time.process_time() - cpu
            timing[c][2] += 1
    with open(a.out, "w") as fh:
        json.dump(out, fh)
    if a.timing:
        with open(a.timing, "w") as fh:
            json.dump(timing, fh)


if __name__ == "__main__":
    main()
