"""The example of a user's own job (Examples/light-curve-stats, a separate package built on
GaiaMineKit): its output for the demo data against numpy and pandas.

`make example` builds the package and runs it under `mpirun -np 2` on demo/epoch.h5, writing
demo/light_curve_stats.{ecsv,h5,yaml}; `make test` runs this file after it. The expectations
here clean the light curves independently (numpy, from the repacked file), exactly as the
periodogram's cleaning is specified: a transit is dropped if variability_flag_g_reject is set,
or its time, magnitude or flux_over_error is null/NaN, or its magnitude error is not positive.
"""
from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import REPO, astropy_table

DEMO = Path(os.environ.get("DEMO_DIR", REPO / "demo"))
PREFIX = DEMO / "light_curve_stats"
EXAMPLE = REPO / "Examples" / "light-curve-stats" / ".build" / "release" / "light-curve-stats"
MAG_ERROR = 2.5 / np.log(10)


@pytest.fixture(scope="module")
def output():
    if not Path(f"{PREFIX}.ecsv").exists():
        pytest.fail(f"{PREFIX}.ecsv missing: run `make example` first (make test does)")
    return astropy_table(f"{PREFIX}.ecsv")


def expected():
    with h5py.File(DEMO / "epoch.h5") as f:
        g = f["epoch_photometry"]
        ids = g["source_id"][()]
        off = g[g["g_transit_time"].attrs["offsets"]][()]
        t, v = g["g_transit_time"][()], g["g_transit_mag"][()]
        foe, rej = g["g_transit_flux_over_error"][()].astype(np.float64), g["variability_flag_g_reject"][()]
    with np.errstate(divide="ignore", invalid="ignore"):
        err = MAG_ERROR / foe
    keep = (rej != 1) & np.isfinite(t) & np.isfinite(v) & ~np.isnan(foe) & np.isfinite(err) & (err > 0)
    rows = []
    for i, sid in enumerate(ids.tolist()):
        sl = slice(off[i], off[i + 1])
        k = keep[sl]
        tt, x = t[sl][k], v[sl][k]
        n = len(x)
        order = np.argsort(tt, kind="stable")
        xs = x[order]
        with np.errstate(invalid="ignore", divide="ignore"):
            med = np.median(x) if n else np.nan
            mad = np.median(np.abs(x - med)) if n else np.nan
            std = np.std(x, ddof=1) if n >= 2 else np.nan
            skew = pd.Series(x).skew() if n else np.nan
            var = np.sum((x - x.mean()) ** 2) if n else 0.0
            abbe = np.sum(np.diff(xs) ** 2) / (2 * var) * n / (n - 1) if n >= 2 and var > 0 else np.nan
        rows.append((sid, n, med, mad, std, skew, abbe))
    return rows


def close(a, b, rtol, atol=1e-13):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | np.isclose(a, b, rtol=rtol, atol=atol)))


def test_statistics_match_numpy_and_pandas(output):
    t = output
    assert t.colnames == ["source_id", "n_obs", "median_mag", "mad_mag", "std_mag", "skewness", "abbe"]
    exp = expected()
    assert len(t) == len(exp), "every source must have a row"
    sid, n, med, mad, std, skew, abbe = map(np.array, zip(*exp))
    assert np.array_equal(np.asarray(t["source_id"]), sid) and np.array_equal(np.asarray(t["n_obs"]), n)
    assert np.array_equal(np.asarray(t["median_mag"]), med, equal_nan=True)   # order statistics: exact
    assert np.array_equal(np.asarray(t["mad_mag"]), mad, equal_nan=True)
    assert close(t["std_mag"], std, 1e-12)
    # M3 cancels for nearly symmetric curves: pandas and a two-pass sum agree to ~1e-12 absolute.
    assert close(t["skewness"], skew, 1e-9, atol=1e-9)
    assert close(t["abbe"], abbe, 1e-12)
    assert str(t["median_mag"].unit) == "mag" and t["skewness"].unit is None
    # The transit counts add up.
    m = t.meta
    dropped = sum(int(v) for k, v in m.items() if k.startswith("transits_dropped_"))
    assert int(m["transits_used"]) == int(n.sum()) and int(m["transits"]) == int(m["transits_used"]) + dropped


def test_h5_equals_ecsv_and_parameters(output):
    with h5py.File(f"{PREFIX}.h5") as f:
        g = f["light_curve_stats"]
        for c in output.colnames:
            assert np.array_equal(g[c][()], np.asarray(output[c]), equal_nan=True), c
        p = f.attrs["parameters"]
        p = p.decode() if isinstance(p, bytes) else p
    assert p == Path(f"{PREFIX}.yaml").read_text() and "job: light-curve-stats" in p


def test_same_result_on_three_ranks_from_the_resolved_file(output, tmp_path):
    """The user's job gets the framework's parameter path: run PREFIX.yaml --set output=… on 3 ranks."""
    if not EXAMPLE.exists():
        pytest.skip("the example is not built (make example)")
    import subprocess
    mpirun = os.environ.get("MPIRUN", "mpirun --oversubscribe").split()
    out = tmp_path / "again"
    r = subprocess.run([*mpirun, "-np", "3", str(EXAMPLE), "run", f"{PREFIX}.yaml", "--set", f"output={out}"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    again = astropy_table(f"{out}.ecsv")
    for c in output.colnames:
        assert np.array_equal(np.asarray(again[c]), np.asarray(output[c]), equal_nan=True), c
    # and its own errors are the framework's: reported once, naming the flag
    r = subprocess.run([*mpirun, "-np", "2", str(EXAMPLE), "light-curve-stats", str(DEMO / "epoch.h5"), "--out", str(tmp_path / "x"),
                        "--chunk-rows", "0"], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and r.stderr.count("--chunk-rows: must be positive") == 1, r.stdout + r.stderr
