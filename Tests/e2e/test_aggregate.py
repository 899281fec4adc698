"""End-to-end tests of `gaiamine aggregate` against pandas/numpy per group:

* generated data (h5py, GaiaMine layout): HEALPix level-5 pixels of 1, 2, 3, 4 … 400 rows, NaN
  values, ties, a group of equal values (pandas: skew = kurt = NaN, zero variance), a group with every value NaN;
  keys `healpix(5)`, `gbin=floor(phot_g_mean_mag)` (every group spread over every rank) and
  `none`; `--where`; every statistic: count mean std skew kurtosis min max median mad p2.5 p50 p95;
* the real DR3 gaia_source fixture, with healpy's ang2pix of (ra, dec) as the pixel truth;
* the full-sky maps (length 12·4^L, NaN where empty, n_rows 0 there, ORDERING/NSIDE), the SVG;
* np 1/2/3 bitwise identical HDF5 output (groups straddle rank boundaries), ECSV = HDF5;
* bad input: a non-integral key, p101, an unknown statistic, an unknown table → exit != 0,
  one message, nothing written.
Tolerances: counts, min, max exact; median, percentiles, MAD to 1e-13 relative (interpolation
formula); mean, std to 1e-11 and skew, kurtosis to 1e-8 (sums in another order than pandas').
"""
from __future__ import annotations

import math
import warnings

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import astropy_table, fixture_path, repack, run_gaiamine
from table_job_helpers import Col, assert_failed_once, assert_same_contents, h5_contents, write_table

STATS = ["count", "mean", "std", "skew", "kurtosis", "min", "max", "median", "mad", "p2.5", "p50", "p95"]
SHIFT5 = 35 + 2 * (12 - 5)


def make_data(path):
    rng = np.random.default_rng(99)
    sizes = [1, 2, 3, 4, 5, 7, 1, 2, 3, 400, 250, 120, 60, 33, 17, 9, 1, 2, 3, 300, 150, 80, 4, 4, 11, 6]
    pixels = np.sort(rng.choice(12 * 4 ** 5, len(sizes), replace=False))
    sid = np.concatenate([(np.int64(p) << SHIFT5) + np.sort(rng.choice(2 ** SHIFT5, n, replace=False))
                          for p, n in zip(pixels, sizes)]).astype(np.int64)
    n = len(sid)
    parallax = rng.normal(0.5, 1.0, n).round(2)  # rounded: ties
    parallax[rng.random(n) < 0.08] = np.nan
    start = np.concatenate([[0], np.cumsum(sizes)])
    k = sizes.index(4)
    parallax[start[k]:start[k] + 4] = 0.25  # one group of equal values
    k = sizes.index(5)
    parallax[start[k]:start[k] + 5] = np.nan  # one group with every value NaN
    pmra = rng.standard_t(3, n) * 5
    pmdec = rng.normal(-2, 3, n)
    pmdec[rng.random(n) < 0.05] = np.nan
    g = rng.uniform(8, 20.99, n).astype(np.float32)
    poe = rng.uniform(0, 10, n).astype(np.float32)
    write_table(path, "gaia_source", {
        "source_id": Col(sid), "parallax": Col(parallax, unit="mas"), "pmra": Col(pmra, unit="mas.yr**-1"),
        "pmdec": Col(pmdec, unit="mas.yr**-1"), "phot_g_mean_mag": Col(g, unit="mag"),
        "parallax_over_error": Col(poe)})
    return pd.DataFrame({"source_id": sid, "parallax": parallax, "pmra": pmra, "pmdec": pmdec,
                         "phot_g_mean_mag": g.astype(np.float64), "parallax_over_error": poe.astype(np.float64)})


def ref_stat(x: np.ndarray, stat: str) -> float:
    """The issue's definitions: NaN skipped; std ddof 1; pandas skew/kurt; numpy median and
    linear percentile; MAD unscaled about the median."""
    x = x[~np.isnan(x)]
    if stat == "count":
        return len(x)
    if len(x) == 0:
        return math.nan
    s = pd.Series(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if stat == "mean":
            return float(np.mean(x))
        if stat == "std":
            return float(s.std(ddof=1))
        if stat == "skew":
            return float(s.skew())
        if stat == "kurtosis":
            return float(s.kurt())
        if stat in ("min", "max"):
            return float(getattr(np, stat)(x))
        if stat == "median":
            return float(np.median(x))
        if stat == "mad":
            return float(np.median(np.abs(x - np.median(x))))
        return float(np.percentile(x, float(stat[1:])))


def reference(df: pd.DataFrame, key: pd.Series | None, values: dict[str, np.ndarray], stats) -> pd.DataFrame:
    keys = np.zeros(len(df), np.int64) if key is None else key.to_numpy()
    rows = []
    for k in np.unique(keys):
        m = keys == k
        row = {"key": k, "n_rows": int(m.sum())}
        for name, v in values.items():
            for st in stats:
                row[f"{name}_{st}"] = ref_stat(v[m], st)
        rows.append(row)
    return pd.DataFrame(rows)


def result_table(path) -> dict[str, np.ndarray]:
    """The one-row-per-group table of PREFIX.h5: the datasets beside `n_rows` (not under maps/)."""
    with h5py.File(path) as f:
        found = []
        f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset)
                     and name.split("/")[-1] == "n_rows" and not name.startswith("maps") else None)
        assert len(found) == 1, f"{path}: expected one n_rows table, found {found}"
        parent = f[found[0]].parent
        return {k: parent[k][()] for k in parent if isinstance(parent[k], h5py.Dataset)}


def compare(got: dict, want: pd.DataFrame, key_name: str | None, what: str):
    if key_name is None:
        assert len(want) == 1 and len(got["n_rows"]) == 1, what
    else:
        assert np.array_equal(got[key_name], want["key"].to_numpy()), f"{what}: keys differ (or not sorted)"
        assert got[key_name].dtype.kind == "i", f"{what}: key dtype {got[key_name].dtype}"
    assert np.array_equal(got["n_rows"], want["n_rows"].to_numpy()), f"{what}: n_rows"
    for col in want.columns[2:]:
        g, w = got[col].astype(np.float64), want[col].to_numpy(np.float64)
        stat = col.rsplit("_", 1)[1]
        assert np.array_equal(np.isnan(g), np.isnan(w)), f"{what}: {col}: NaN pattern {g} vs {w}"
        m = ~np.isnan(w)
        rtol = {"count": 0, "min": 0, "max": 0, "mean": 1e-11, "std": 1e-11, "skew": 1e-8, "kurtosis": 1e-8}.get(stat, 1e-13)
        atol = 1e-10 if stat in ("skew", "kurtosis") else 0
        bad = ~((g[m] == w[m]) | np.isclose(g[m], w[m], rtol=rtol, atol=atol))
        assert not bad.any(), f"{what}: {col}: got {g[m][bad][:5]}, pandas/numpy {w[m][bad][:5]}"


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    d = tmp_path_factory.mktemp("aggregate")
    df = make_data(d / "gen.h5")
    return d, df


def aggregate(path, out, by, values, stats=STATS, where=None, np_=2, extra=()):
    args = ["aggregate", path, "--table", "gaia_source", "--by", by, "--values", values,
            "--stats", ",".join(stats), "--out", out, *extra]
    if where:
        args += ["--where", where]
    return run_gaiamine(args, np=np_)


CASES = {  # id: (--by, key name, key function of the frame, --where, mask function)
    "healpix": ("hpx=healpix(5)", "hpx", lambda df: pd.Series(df.source_id.to_numpy() >> SHIFT5), None, None),
    "gbin": ("gbin=floor(phot_g_mean_mag)", "gbin", lambda df: np.floor(df.phot_g_mean_mag).astype(np.int64), None, None),
    "none": ("none", None, None, None, None),
    "where": ("hpx=healpix(5)", "hpx", lambda df: pd.Series(df.source_id.to_numpy() >> SHIFT5), "parallax_over_error > 2 and pmra < 5",
              lambda df: (df.parallax_over_error > 2) & (df.pmra < 5)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_generated_vs_pandas(gen, case):
    d, df = gen
    by, key_name, keyf, where, maskf = CASES[case]
    sub = df[maskf(df)] if maskf else df
    want = reference(sub, keyf(sub) if keyf else None,
                     {"parallax": sub.parallax.to_numpy(), "pmtot": np.hypot(sub.pmra, sub.pmdec).to_numpy()}, STATS)
    files = []
    for np_ in (1, 2, 3):
        out = d / f"{case}_np{np_}"
        r = aggregate(d / "gen.h5", out, by, "parallax,pmtot=hypot(pmra, pmdec)", where=where, np_=np_)
        assert r.returncode == 0, r.describe()
        files.append(out)
    got = result_table(f"{files[0]}.h5")
    compare(got, want, key_name, case)
    assert (key_name in got) == (key_name is not None)
    c = [h5_contents(f"{f}.h5") for f in files]
    assert_same_contents(c[0], c[1], f"{case}: np 1 vs np 2")
    assert_same_contents(c[0], c[2], f"{case}: np 1 vs np 3")
    t = astropy_table(f"{files[0]}.ecsv")
    assert sorted(t.colnames) == sorted(got), f"ECSV columns {t.colnames} vs HDF5 {sorted(got)}"
    for name, v in got.items():
        col = np.ma.masked_array(t[name])
        if v.dtype.kind == "f":  # NaN may be written as NaN or as an empty (masked) cell
            assert np.array_equal(np.ma.filled(col.astype(np.float64), np.nan), v, equal_nan=True), f"ECSV {name} ≠ HDF5"
        else:
            assert not np.ma.is_masked(col) and np.array_equal(col.data, v), f"ECSV {name} ≠ HDF5"


def check_maps(path, table: dict, key: str, level: int, names):
    npix = 12 * 4 ** level
    with h5py.File(path) as f:
        assert "maps" in f, f"{path}: no maps group"
        for name in [*names, "n_rows"]:
            d = f[f"maps/{name}"]
            attrs = {**dict(f["maps"].attrs), **dict(d.attrs)}
            ordering = attrs.get("ORDERING")
            assert (ordering.decode() if isinstance(ordering, bytes) else ordering) == "NESTED", name
            assert int(attrs.get("NSIDE")) == 2 ** level, name
            m = d[()]
            assert m.shape == (npix,), f"maps/{name}: shape {m.shape}"
            empty = np.ones(npix, bool)
            empty[table[key]] = False
            if name == "n_rows":
                assert (m[empty] == 0).all() and np.array_equal(m[table[key]], table["n_rows"])
            else:
                assert np.isnan(m[empty]).all(), f"maps/{name}: empty pixels not NaN"
                assert np.array_equal(m[table[key]], table[name], equal_nan=True), f"maps/{name} ≠ table"
            try:
                import healpy as hp
                assert hp.get_nside(m) == 2 ** level and hp.isnpixok(len(m))
            except ImportError:
                pass


def test_healpix_maps_and_svg(gen):
    d, df = gen
    out = d / "maps"
    r = aggregate(d / "gen.h5", out, "hpx=healpix(5)", "parallax", stats=["median", "mad", "p2.5"],
                  extra=["--map", "parallax_median"])
    assert r.returncode == 0, r.describe()
    t = result_table(f"{out}.h5")
    check_maps(f"{out}.h5", t, "hpx", 5, ["parallax_median", "parallax_mad", "parallax_p2.5"])
    svg = (d / "maps.svg").read_text()
    assert "<svg" in svg and svg.rstrip().endswith("</svg>")


def test_real_gaia_source_fixture(tmp_path):
    h5 = tmp_path / "cone.h5"
    repack([fixture_path("gaia_source/gaia_source_archive_cone_5rows.ecsv")], h5)
    with h5py.File(h5) as f:
        g = f["gaia_source"]
        df = pd.DataFrame({k: g[k][()].astype(np.float64) for k in ("ra", "dec", "parallax", "pmra", "pmdec")})
        df["source_id"] = g["source_id"][()]
    out = tmp_path / "real"
    r = aggregate(h5, out, "hpx=healpix(5)", "parallax,pmra", np_=2)
    assert r.returncode == 0, r.describe()
    got = result_table(f"{out}.h5")
    want = reference(df, pd.Series(df.source_id.to_numpy() >> SHIFT5), {"parallax": df.parallax.to_numpy(), "pmra": df.pmra.to_numpy()}, STATS)
    compare(got, want, "hpx", "real gaia_source")
    check_maps(f"{out}.h5", got, "hpx", 5, ["parallax_median", "pmra_kurtosis"])
    try:
        import healpy as hp
    except ImportError:
        return
    # The truth of healpix(5): the NESTED level-5 pixel of each source's position (DR3 source_id
    # encodes the level-12 pixel of its position; Gaia Collaboration 2023, A&A 674, A1).
    pix = hp.ang2pix(32, df.ra.to_numpy(), df.dec.to_numpy(), nest=True, lonlat=True)
    assert np.array_equal(np.unique(pix), got["hpx"])


@pytest.mark.parametrize("args,needles", [
    (["--by", "g=phot_g_mean_mag", "--values", "parallax", "--stats", "median"], ["phot_g_mean_mag", "integ"]),
    (["--by", "none", "--values", "parallax", "--stats", "median,p101"], ["p101"]),
    (["--by", "none", "--values", "parallax", "--stats", "medain"], ["medain"]),
    (["--by", "hpx=healpix(13)", "--values", "parallax", "--stats", "median"], ["healpix(13)"]),
    (["--by", "none", "--values", "parallax,pmtot=hypot(pmra)", "--stats", "mean"], ["hypot(pmra)"]),
])
def test_bad_input(gen, tmp_path, args, needles):
    d, _ = gen
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run_gaiamine(["aggregate", d / "gen.h5", "--table", "gaia_source", *args, "--out", out_dir / "x"], np=2)
    assert_failed_once(r, out_dir, needles=[n for n in needles if n != "integ"], once=needles[0])
    if "integ" in needles:
        assert "integ" in r.stderr.lower(), r.describe()


def test_unknown_table(gen, tmp_path):
    d, _ = gen
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run_gaiamine(["aggregate", d / "gen.h5", "--table", "gaia_sorce", "--by", "none", "--values", "parallax",
                      "--stats", "mean", "--out", out_dir / "x"], np=2)
    assert_failed_once(r, out_dir, needles=["gaia_sorce"])
