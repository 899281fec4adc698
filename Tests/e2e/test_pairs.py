"""End-to-end tests of `gaiamine pairs` against the cKDTree / brute-force reference of
pairs_reference.py on a generated gaia_source table (make_sky: poles, ra = 0/360, close pairs
0.05″–1″, duplicates, radii 0.1″ to 6.9°, rows across every rank boundary, drifted source_id
pixels, NaN rows):

* fixed radii 0.1″, 30″, 2° and the variable radius 206.265·ϖ: identical pair sets (source_id_a <
  source_id_b, sorted), separations to 1e-9″, for -np 1, 2, 3, 5 bitwise identical datasets, ECSV =
  HDF5 (astropy);
* --pair-where over a./b./sep (El-Badry, Rix & Heintz 2021 parallax and proper-motion criteria)
  and --columns (dpm, Δϖ, an int64 column, sep / ϖ) against numpy on the reference pairs;
* --where; NaN ra/dec/radius rows skipped and their number reported; --shifted DEG (over the pole,
  across ra = 0, never a row with its own shifted copy);
* self-describing outputs (units, descriptions, parameters, PREFIX.yaml, PREFIX.svg); the case file
  replayed with `gaiamine run`;
* bad input: negative radius (constant, and one row's), unknown / un-prefixed columns in
  --pair-where and --columns (caret, "did you mean"), missing input → exit 1, one message, nothing
  written;
* if `gaiamine synth gaia_source` writes gaia_source_pairs_truth.ecsv: every planted pair found.
The reference itself is tested first (test_reference_*): cKDTree = brute force, the separation
formula against exact cases, the HEALPix pixels against healpy, the generated data's coverage.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
import yaml

import pairs_reference as pr
from conftest import astropy_table, repack, run_gaiamine, synth
from table_job_helpers import assert_failed_once, caret_position

SEP_TOL = 1e-9  # arcsec: the bound on separations
RANKS = (1, 2, 3, 5)
BASE_COLUMNS = ["source_id_a", "source_id_b", "sep"]


# ------------------------------------------------------------------------------------------------
# the reference, on its own


def test_reference_separation_exact_cases():
    # along the equator and along a meridian θ is the coordinate difference, which float64
    # subtraction of nearby values gives exactly (Sterbenz)
    a = np.array([10.0, 123.456, 359.9999, 0.0])
    b = np.array([10.000000013, 123.4560001, 360.0 - 1e-12, 1e-9])
    got = pr.separation_arcsec(a, np.zeros(4), b, np.zeros(4))
    want = np.abs(b - a) * 3600.0
    assert np.all(np.abs(got - want) <= 1e-12 + 1e-14 * want), (got, want)
    d1 = np.array([89.99, -45.0, 0.0, -89.999999])
    d2 = np.array([89.9900000004, -44.9999, 1.7, -89.9999995])
    got = pr.separation_arcsec(np.full(4, 77.0), d1, np.full(4, 77.0), d2)
    want = np.abs(d2 - d1) * 3600.0
    assert np.all(np.abs(got - want) <= 1e-12 + 1e-14 * want), (got, want)
    # across the pole: (ra, 90 − x) and (ra + 180, 90 − y) are x + y apart
    got = pr.separation_arcsec(np.array([10.0]), np.array([89.9999]), np.array([190.0]), np.array([89.9998]))
    assert abs(got[0] - 0.0003 * 3600) < 1e-9
    # symmetric, zero for identical points, π for antipodes
    rng = np.random.default_rng(1)
    ra1, dec1, ra2, dec2 = rng.uniform(0, 360, 500), rng.uniform(-90, 90, 500), rng.uniform(0, 360, 500), rng.uniform(-90, 90, 500)
    assert np.array_equal(pr.separation_arcsec(ra1, dec1, ra2, dec2), pr.separation_arcsec(ra2, dec2, ra1, dec1))
    assert np.all(pr.separation_arcsec(ra1, dec1, ra1, dec1) == 0)
    assert abs(pr.separation_arcsec([0.0], [0.0], [180.0], [0.0])[0] - 648000.0) < 1e-9


def small_scale_points(n, seed):
    """Pairs 1 mas – 7° apart: anywhere, next to the poles, across ra = 0."""
    rng = np.random.default_rng(seed)
    ra = np.concatenate([rng.uniform(0, 360, n), rng.uniform(0, 360, n // 4), 360 - rng.uniform(0, 1e-4, n // 4)])
    dec = np.concatenate([np.degrees(np.arcsin(rng.uniform(-0.999, 0.999, n))),
                          rng.choice([-1, 1], n // 4) * rng.uniform(89.99, 89.99999, n // 4), rng.uniform(-80, 80, n // 4)])
    sep = np.exp(rng.uniform(math.log(1e-3), math.log(25000.0), len(ra)))
    ra2, dec2 = pr.offset_position(ra, dec, sep, rng.uniform(0, 360, len(ra)))
    return ra, dec, ra2, dec2, sep


def test_reference_separation_vs_50_digits():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    ra, dec, ra2, dec2, _ = small_scale_points(400, 2)
    got = pr.separation_arcsec(ra, dec, ra2, dec2)

    def exact(a1, d1, a2, d2):  # haversine in 50 digits of the float64 inputs
        a1, d1, a2, d2 = (mp.radians(mp.mpf(float(x))) for x in (a1, d1, a2, d2))
        h = mp.sin((d2 - d1) / 2) ** 2 + mp.cos(d1) * mp.cos(d2) * mp.sin((a2 - a1) / 2) ** 2
        return float(2 * mp.asin(mp.sqrt(h)) * 180 * 3600 / mp.pi)
    want = np.array([exact(*x) for x in zip(ra, dec, ra2, dec2)])
    err = np.abs(got - want)
    assert np.all(err <= 1e-14 * want + 1e-12), f"max error {err.max():.3g}″ at {want[np.argmax(err)]}″"


def test_reference_separation_vs_haversine_at_small_scales():
    ra, dec, ra2, dec2, sep = small_scale_points(2000, 3)
    got = pr.separation_arcsec(ra, dec, ra2, dec2)
    r1, d1, r2, d2 = map(np.radians, (ra, dec, ra2, dec2))
    hav = 2 * np.arcsin(np.sqrt(np.sin((d2 - d1) / 2) ** 2 + np.cos(d1) * np.cos(d2) * np.sin((r2 - r1) / 2) ** 2))
    # the textbook haversine on radians: within the 1e-9″ (it loses ~1e-16 rad to the
    # rounding of radians(ra) and relative digits to cos(radians(dec)) next to the poles)
    assert np.all(np.abs(got - hav * pr.ARCSEC_PER_RAD) <= 1e-9)
    # offset_position puts the point where it was asked to (to ~1e-15 rad: it works on vectors)
    assert np.max(np.abs(got - sep)) < 1e-9


def test_reference_shift_moves_every_point_by_deg():
    rng = np.random.default_rng(3)
    ra = rng.uniform(0, 360, 3000)
    dec = np.concatenate([rng.uniform(89.0, 90.0, 1000), np.degrees(np.arcsin(rng.uniform(-1, 1, 2000)))])
    for deg in (0.5, 2.0, 0.001):
        ra_s, dec_s = pr.shift_north(ra, dec, deg)
        assert np.all(np.abs(pr.separation_arcsec(ra, dec, ra_s, dec_s) - deg * 3600) < 1e-8)
        over = dec + deg > 90
        assert over.any() and np.all(np.abs(((ra_s[over] - ra[over]) % 360) - 180) < 1e-9)
        assert np.all((ra_s >= 0) & (ra_s < 360)) and np.all(dec_s <= 90)


def test_reference_nest_pixel_vs_healpy():
    hp = pytest.importorskip("healpy")
    rng = np.random.default_rng(4)
    ra = np.concatenate([rng.uniform(0, 360, 20000), [0.0, 359.9999999999, 45.0, 90.0, 180.0, 270.0], rng.uniform(0, 360, 2000)])
    dec = np.concatenate([np.degrees(np.arcsin(rng.uniform(-1, 1, 20000))), [0.0, 41.8103148957786, -41.8103148957786, 90.0, -90.0, 89.99999],
                          rng.choice([-1, 1], 2000) * rng.uniform(89.9, 90.0, 2000)])
    for nside in (1, 32, 4096):
        assert np.array_equal(pr.nest_pixel(nside, ra, dec), hp.ang2pix(nside, ra, dec, nest=True, lonlat=True)), nside


def test_reference_kdtree_equals_brute_force():
    sky = pr.make_sky(7)
    c = sky.cols
    rng = np.random.default_rng(5)
    rows = np.sort(rng.choice(pr.finite_selection(c, c["parallax"]), 1500, replace=False))
    ra, dec = c["ra"][rows], c["dec"][rows]
    for r in (np.full(len(rows), 30.0), np.full(len(rows), 7200.0), np.abs(206.265 * c["parallax"][rows])):
        k, b = pr.self_pairs(ra, dec, r), pr.self_pairs(ra, dec, r, brute=True)
        assert len(k.i) > 0 and np.array_equal(k.i, b.i) and np.array_equal(k.j, b.j) and np.array_equal(k.sep, b.sep)
        assert np.all(k.sep <= np.maximum(r[k.i], r[k.j]))
        k, b = pr.shifted_pairs(ra, dec, r, 0.5), pr.shifted_pairs(ra, dec, r, 0.5, brute=True)
        assert np.array_equal(k.i, b.i) and np.array_equal(k.j, b.j) and np.array_equal(k.sep, b.sep)


def test_reference_data_covers_the_cases():
    sky = pr.make_sky()
    c, n = sky.cols, sky.n
    sid = c["source_id"]
    assert 2000 <= n <= 20000 and np.all(np.diff(sid) > 0)
    fin = np.isfinite(c["ra"]) & np.isfinite(c["dec"])
    pix = sid >> pr.SOURCE_ID_SHIFT
    same = pr.nest_pixel(pr.LEVEL12_NSIDE, c["ra"][fin], c["dec"][fin]) == pix[fin]
    assert (~same).sum() == (sky.kind == "drifted").sum() == 10, "only the drifted rows leave their source_id pixel"
    assert (c["dec"][fin] > 89.9).sum() >= 100 and (c["dec"][fin] < -89.9).sum() >= 100
    t, p = pr.reference_pairs(c, np.full(n, 1.0))
    assert p.ambiguous == 0
    ra_a, ra_b = c["ra"][t["ia"]], c["ra"][t["ib"]]
    assert np.sum(np.abs(ra_a - ra_b) > 180) >= 10, "pairs across ra = 0/360"
    assert np.sum(np.abs(c["dec"][t["ia"]]) > 89.9) >= 20, "pairs at the poles"
    assert np.sum(t["sep"] == 0) >= 3 and np.sum((t["sep"] > 0.05) & (t["sep"] < 1)) >= 200
    # a pair straddles every rank boundary of -np 2, 3, 5 (RowPartition.byCount), even at 0.1″
    t01, _ = pr.reference_pairs(c, np.full(n, 0.1))
    found = set(zip(t01["ia"].tolist(), t01["ib"].tolist()))
    for ranks, pairs in sky.boundary_pairs.items():
        assert len(pairs) == ranks - 1 and all(pair in found for pair in pairs), ranks
    # radii up to several degrees
    with np.errstate(invalid="ignore"):
        big = 206.265 * c["parallax"] > 3600 * 3
    assert big.sum() >= 3
    # every planted shift partner is a pair of the shifted search: Q (original) with P's shifted copy
    rad = 206.265 * np.abs(c["parallax"])
    ts, ps = pr.reference_shifted(c, rad, pr.SHIFT_DEG)
    got = set(zip(ts["ia"].tolist(), ts["ib"].tolist()))
    assert ps.ambiguous == 0 and all((q, p) in got for p, q in sky.shift_partners)


# ------------------------------------------------------------------------------------------------
# running gaiamine


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("pairs")
    sky = pr.make_sky()
    h5 = d / "sky.h5"
    pr.write_sky(h5, sky)
    return SimpleNamespace(dir=d, sky=sky, cols=sky.cols, h5=h5)


def run_pairs(h5, out, radius, np_=2, where=None, pair_where=None, columns=None, shifted=None, extra=()):
    args = ["pairs", h5, "--table", "gaia_source", "--radius", radius, "--out", out]
    if where is not None:
        args += ["--where", where]
    if pair_where is not None:
        args += ["--pair-where", pair_where]
    if columns is not None:
        args += ["--columns", columns]
    if shifted is not None:
        args += ["--shifted", shifted]
    return run_gaiamine([*args, *extra], np=np_)


def read_pairs(path, group="pairs") -> tuple[dict, dict, dict]:
    """(datasets, dataset attributes, group attributes) of the pair table in `path`."""
    from conftest import attr_value
    with h5py.File(path) as f:
        assert group in f, f"{path}: no group /{group} (has {list(f)})"
        g = f[group]
        data = {k: g[k][()] for k in g if isinstance(g[k], h5py.Dataset)}
        dattrs = {k: {a: attr_value(v) for a, v in g[k].attrs.items()} for k in data}
        gattrs = {a: attr_value(v) for a, v in g.attrs.items()}
    return data, dattrs, gattrs


def table_contents(path, group="pairs") -> dict:
    """What must not depend on the rank count: every dataset, its attributes, the column list."""
    data, dattrs, gattrs = read_pairs(path, group)
    out = {f"{k}": v for k, v in data.items()}
    for k, a in dattrs.items():
        for name, v in a.items():
            out[f"{k}@{name}"] = v
    for name in ("n_rows", "columns"):
        if name in gattrs:
            out[f"@{name}"] = gattrs[name]
    return out


def assert_same_tables(a: dict, b: dict, what: str):
    assert a.keys() == b.keys(), f"{what}: datasets/attributes differ: {sorted(set(a) ^ set(b))}"
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        same = x.shape == y.shape and x.dtype == y.dtype and (
            np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y))
        assert same, f"{what}: {k} not bitwise identical"


def assert_pairs_equal(got: dict, want: dict, what: str, extra_columns=()):
    sa, sb = got["source_id_a"], got["source_id_b"]
    assert sa.dtype == np.int64 and sb.dtype == np.int64 and got["sep"].dtype == np.float64, \
        f"{what}: dtypes {sa.dtype}, {sb.dtype}, {got['sep'].dtype}"
    ga = set(zip(sa.tolist(), sb.tolist()))
    wa = set(zip(want["source_id_a"].tolist(), want["source_id_b"].tolist()))
    missing, extra = sorted(wa - ga), sorted(ga - wa)
    assert not missing and not extra, (f"{what}: {len(got['sep'])} pairs found, {len(want['sep'])} expected; "
                                       f"missing {len(missing)} {missing[:5]}, extra {len(extra)} {extra[:5]}")
    assert len(sa) == len(ga), f"{what}: duplicate pairs in the output"
    assert np.array_equal(sa, want["source_id_a"]) and np.array_equal(sb, want["source_id_b"]), \
        f"{what}: not sorted by (source_id_a, source_id_b)"
    d = np.abs(got["sep"] - want["sep"])
    k = int(np.argmax(d)) if len(d) else 0
    assert not len(d) or d[k] <= SEP_TOL, (f"{what}: sep differs by {d[k]:.3g}″ at pair ({sa[k]}, {sb[k]}): "
                                           f"{got['sep'][k]!r} vs {want['sep'][k]!r}")


def assert_ecsv_equals_h5(prefix, group="pairs", columns=None):
    data, _, gattrs = read_pairs(f"{prefix}.h5", group)
    t = astropy_table(f"{prefix}.ecsv")
    names = columns if columns is not None else list(data)
    assert t.colnames == names, f"{prefix}.ecsv columns {t.colnames}, expected {names}"
    for name in names:
        col = np.ma.masked_array(t[name])
        assert not np.ma.is_masked(col), f"{prefix}.ecsv: {name} has empty cells"
        v = data[name]
        assert len(col) == len(v), f"{prefix}.ecsv: {len(col)} rows, HDF5 {len(v)}"
        if v.dtype.kind == "f":
            assert np.array_equal(col.data.astype(np.float64), v, equal_nan=True), f"ECSV {name} ≠ HDF5"
        else:
            assert np.array_equal(col.data.astype(np.int64), v.astype(np.int64)), f"ECSV {name} ≠ HDF5"


def positive_parallax(c):
    with np.errstate(invalid="ignore"):
        return c["parallax"] > 0


# case: (--radius, --where, radius per row, where mask)
CASES = {
    "0.1arcsec": ("0.1", None, lambda c: np.full(len(c["ra"]), 0.1), lambda c: None),
    "30arcsec": ("30", None, lambda c: np.full(len(c["ra"]), 30.0), lambda c: None),
    "2deg": ("7200", "phot_g_mean_mag < 15", lambda c: np.full(len(c["ra"]), 7200.0),
             lambda c: c["phot_g_mean_mag"].astype(np.float64) < 15),
    "el_badry_radius": ("206.265 * parallax", "parallax > 0", lambda c: 206.265 * c["parallax"], positive_parallax),
}


@pytest.mark.parametrize("case", list(CASES))
def test_pairs_match_reference_for_any_rank_count(data, case):
    radius, where, radf, wheref = CASES[case]
    c = data.cols
    want, p = pr.reference_pairs(c, radf(c), where=wheref(c))
    assert p.ambiguous == 0, "a separation within 1e-9 (relative) of its radius: the expected set is ill-defined"
    assert len(want["sep"]) > 50
    contents = {}
    for np_ in RANKS:
        out = data.dir / f"{case}_np{np_}"
        r = run_pairs(data.h5, out, radius, np_=np_, where=where)
        assert r.returncode == 0, r.describe()
        got, _, gattrs = read_pairs(f"{out}.h5")
        assert_pairs_equal(got, want, f"{case} np {np_}")
        assert set(got) == set(BASE_COLUMNS), f"{case}: datasets {sorted(got)}"
        if "columns" in gattrs:
            assert list(gattrs["columns"]) == BASE_COLUMNS
        if "n_rows" in gattrs:
            assert int(gattrs["n_rows"]) == len(want["sep"])
        contents[np_] = table_contents(f"{out}.h5")
    for np_ in RANKS[1:]:
        assert_same_tables(contents[1], contents[np_], f"{case}: np 1 vs np {np_}")
    assert_ecsv_equals_h5(data.dir / f"{case}_np1", columns=BASE_COLUMNS)
    assert_ecsv_equals_h5(data.dir / f"{case}_np5", columns=BASE_COLUMNS)


# El-Badry, Rix & Heintz (2021) §2: parallaxes consistent within 3σ (6σ below 4″), and
# Δµ ≤ 0.44428·ϖ^1.5·θ^−0.5 + 2σ_Δµ (here σ_Δµ is taken as 1 mas/yr: the table has no pm errors).
PAIR_WHERE = ("abs(a.parallax - b.parallax) < where(sep < 4, 6, 3) * hypot(a.parallax_error, b.parallax_error)"
              " and hypot(a.pmra - b.pmra, a.pmdec - b.pmdec) <= 0.44428 * a.parallax ** 1.5 * sep ** -0.5 + 2")
PAIR_COLUMNS = ("dpm=hypot(a.pmra - b.pmra, a.pmdec - b.pmdec),dplx=b.parallax - a.parallax,"
                "dsid=b.source_id - a.source_id,proj_au=sep * 1000 / a.parallax")


def pair_values(c, ia, ib, sep) -> dict:
    """The numpy values of PAIR_WHERE's terms and PAIR_COLUMNS for pairs (ia, ib) of table rows;
    ** through Python's math.pow (glibc's, as gaiamine; numpy may use SIMD kernels)."""
    pa, pb = c["parallax"][ia], c["parallax"][ib]
    ea, eb = c["parallax_error"][ia].astype(np.float64), c["parallax_error"][ib].astype(np.float64)
    dpm = np.hypot(c["pmra"][ia] - c["pmra"][ib], c["pmdec"][ia] - c["pmdec"][ib])
    with np.errstate(divide="ignore", invalid="ignore"):
        plx_lhs = np.abs(pa - pb)
        plx_rhs = np.where(sep < 4, 6.0, 3.0) * np.hypot(ea, eb)
        pm_rhs = np.array([0.44428 * math.pow(x, 1.5) * (math.inf if s == 0 else math.pow(s, -0.5)) + 2
                           for x, s in zip(pa, sep)])
        return {"plx_lhs": plx_lhs, "plx_rhs": plx_rhs, "pm_lhs": dpm, "pm_rhs": pm_rhs, "dpm": dpm,
                "dplx": pb - pa, "dsid": c["source_id"][ib] - c["source_id"][ia], "proj_au": sep * 1000 / pa}


def assert_not_borderline(v: dict, what: str):
    for lhs, rhs in (("plx_lhs", "plx_rhs"), ("pm_lhs", "pm_rhs")):
        fin = np.isfinite(v[rhs])
        rel = np.abs(v[lhs][fin] - v[rhs][fin]) / np.maximum(np.abs(v[rhs][fin]), 1e-300)
        assert not len(rel) or rel.min() > 1e-9, f"{what}: a pair within 1e-9 of the {lhs} threshold"


def check_pair_columns(got: dict, want: dict, v: dict, keep, what: str):
    assert set(got) == set(BASE_COLUMNS + ["dpm", "dplx", "dsid", "proj_au"]), f"{what}: datasets {sorted(got)}"
    for name in ("dpm", "dplx"):
        assert got[name].dtype == np.float64 and np.array_equal(got[name], v[name][keep]), f"{what}: {name} ≠ numpy"
    assert got["dsid"].dtype == np.int64 and np.array_equal(got["dsid"], v["dsid"][keep]), f"{what}: dsid"
    assert np.all(got["dsid"] > 0), f"{what}: a is not the smaller source_id"
    # sep / ϖ: sep agrees to 1e-9″, so the quotient to 1e-9·1000/ϖ plus rounding
    pa = want["pa"]
    tol = SEP_TOL * 1000 / np.abs(pa) + 4e-16 * np.abs(v["proj_au"][keep])
    assert np.all(np.abs(got["proj_au"] - v["proj_au"][keep]) <= tol), f"{what}: proj_au"


def test_pair_where_and_columns(data):
    c = data.cols
    full, p = pr.reference_pairs(c, 206.265 * c["parallax"], where=positive_parallax(c))
    v = pair_values(c, full["ia"], full["ib"], full["sep"])
    assert_not_borderline(v, "pair-where")
    keep = (v["plx_lhs"] < v["plx_rhs"]) & (v["pm_lhs"] <= v["pm_rhs"])
    assert 20 < keep.sum() < len(keep) - 20, "the criteria must keep some pairs and drop others"
    want = {k: x[keep] for k, x in full.items()}
    want["pa"] = c["parallax"][want["ia"]]
    contents = []
    for np_ in (1, 3):
        out = data.dir / f"pw_np{np_}"
        r = run_pairs(data.h5, out, "206.265 * parallax", np_=np_, where="parallax > 0", pair_where=PAIR_WHERE,
                      columns=PAIR_COLUMNS)
        assert r.returncode == 0, r.describe()
        got, dattrs, _ = read_pairs(f"{out}.h5")
        assert_pairs_equal(got, want, f"pair-where np {np_}")
        check_pair_columns(got, want, v, keep, f"np {np_}")
        contents.append(table_contents(f"{out}.h5"))
    assert_same_tables(contents[0], contents[1], "pair-where: np 1 vs np 3")
    assert_ecsv_equals_h5(data.dir / "pw_np1", columns=BASE_COLUMNS + ["dpm", "dplx", "dsid", "proj_au"])
    # each added column says what it is: its expression
    _, dattrs, _ = read_pairs(data.dir / "pw_np1.h5")
    assert "hypot(a.pmra - b.pmra, a.pmdec - b.pmdec)" in str(dattrs["dpm"].get("description", ""))


def reported_count(r, h5path, n: int) -> bool:
    """Whether the run reports `n` skipped rows: a log line that mentions skipping or NaN and
    carries the number, or HDF5 attributes (of the file or of a group) named for skipping whose
    value, or sum, is n (counts may be split by cause: NaN position, NaN radius)."""
    import re
    for line in (r.stdout + "\n" + r.stderr).splitlines():
        low = line.lower()
        if ("skip" in low or "nan" in low or "non-finite" in low) and re.search(rf"(?<![\d.]){n}(?![\d.])", line):
            return True
    with h5py.File(h5path) as f:
        for obj in (f, *[f[k] for k in f if isinstance(f[k], h5py.Group)]):
            counts = []
            for k, val in obj.attrs.items():
                if "skip" in k.lower() and np.ndim(val) == 0 and np.asarray(val).dtype.kind in "iu":
                    counts.append(int(val))
            if n in counts or (counts and sum(counts) == n):
                return True
    return False


def test_nan_rows_skipped_and_counted(data):
    c = data.cols
    radius = 206.265 * np.abs(c["parallax"])
    bad = ~(np.isfinite(c["ra"]) & np.isfinite(c["dec"]) & np.isfinite(radius))
    assert bad.sum() == 22
    want, p = pr.reference_pairs(c, radius)
    assert p.ambiguous == 0
    out = data.dir / "nan_all"
    r = run_pairs(data.h5, out, "206.265 * abs(parallax)", np_=3)
    assert r.returncode == 0, r.describe()
    got, _, _ = read_pairs(f"{out}.h5")
    assert_pairs_equal(got, want, "NaN rows")
    assert reported_count(r, f"{out}.h5", int(bad.sum())), f"{bad.sum()} skipped rows not reported\n" + r.describe()
    # with --where: only the selected rows count
    g = c["phot_g_mean_mag"].astype(np.float64)
    sel = g < 17
    n_bad = int((bad & sel).sum())
    assert 0 < n_bad < bad.sum()
    want, p = pr.reference_pairs(c, radius, where=sel)
    out = data.dir / "nan_where"
    r = run_pairs(data.h5, out, "206.265 * abs(parallax)", np_=2, where="phot_g_mean_mag < 17")
    assert r.returncode == 0, r.describe()
    got, _, _ = read_pairs(f"{out}.h5")
    assert_pairs_equal(got, want, "NaN rows with --where")
    assert reported_count(r, f"{out}.h5", n_bad), f"{n_bad} skipped rows not reported\n" + r.describe()


def test_shifted_catalogue(data):
    c = data.cols
    w = positive_parallax(c)
    radius = 206.265 * c["parallax"]
    want_s, ps = pr.reference_shifted(c, radius, pr.SHIFT_DEG, where=w)
    assert ps.ambiguous == 0
    got_pairs = set(zip(want_s["ia"].tolist(), want_s["ib"].tolist()))
    assert all((q, p_) in got_pairs for p_, q in data.sky.shift_partners), "planted partners missing from the reference"
    v = pair_values(c, want_s["ia"], want_s["ib"], want_s["sep"])
    assert_not_borderline(v, "shifted")
    keep = (v["plx_lhs"] < v["plx_rhs"]) & (v["pm_lhs"] <= v["pm_rhs"])
    assert 0 < keep.sum() < len(keep)
    want_s = {k: x[keep] for k, x in want_s.items()}
    want, _ = pr.reference_pairs(c, radius, where=w)
    v0 = pair_values(c, want["ia"], want["ib"], want["sep"])
    want = {k: x[(v0["plx_lhs"] < v0["plx_rhs"]) & (v0["pm_lhs"] <= v0["pm_rhs"])] for k, x in want.items()}
    contents = []
    for np_ in (1, 3):
        out = data.dir / f"shift_np{np_}"
        r = run_pairs(data.h5, out, "206.265 * parallax", np_=np_, where="parallax > 0", pair_where=PAIR_WHERE,
                      shifted=pr.SHIFT_DEG)
        assert r.returncode == 0, r.describe()
        got, _, _ = read_pairs(f"{out}.h5")
        assert_pairs_equal(got, want, f"pairs beside --shifted, np {np_}")
        got_s, _, _ = read_pairs(f"{out}_shifted.h5")
        assert_pairs_equal(got_s, want_s, f"--shifted np {np_}")
        contents.append(table_contents(f"{out}_shifted.h5"))
    assert_same_tables(contents[0], contents[1], "shifted: np 1 vs np 3")
    assert_ecsv_equals_h5(data.dir / "shift_np1_shifted", columns=BASE_COLUMNS)


def test_shifted_never_pairs_a_row_with_its_own_copy(data):
    c = data.cols
    radius = np.full(data.sky.n, 30.0)
    want, p = pr.reference_shifted(c, radius, 0.001)  # 3.6″: every row's own copy is within 30″
    assert p.ambiguous == 0 and len(want["sep"]) > 100
    out = data.dir / "shift_small"
    r = run_pairs(data.h5, out, "30", np_=2, shifted=0.001)
    assert r.returncode == 0, r.describe()
    got, _, _ = read_pairs(f"{out}_shifted.h5")
    assert not np.any(got["source_id_a"] == got["source_id_b"]), "a row paired with its own shifted copy"
    assert_pairs_equal(got, want, "--shifted 0.001")


def test_outputs_describe_themselves(data):
    out = data.dir / "described"
    r = run_pairs(data.h5, out, "30", np_=2, where="phot_g_mean_mag < 19", columns="dpm=hypot(a.pmra - b.pmra, a.pmdec - b.pmdec)")
    assert r.returncode == 0, r.describe()
    got, dattrs, gattrs = read_pairs(f"{out}.h5")
    assert dattrs["sep"].get("units") == "arcsec", dattrs["sep"]
    for name in got:
        assert str(dattrs[name].get("description", "")).strip(), f"{name}: no description"
    with h5py.File(f"{out}.h5") as f:
        params = f.attrs["parameters"]
    params = params.decode() if isinstance(params, bytes) else params
    resolved = Path(f"{out}.yaml").read_text()
    assert params == resolved
    y = yaml.safe_load(resolved)
    assert y["job"] == "pairs" and y["output"] == str(out)
    section = y["pairs"]
    assert str(section["radius"]) == "30" and section["where"] == "phot_g_mean_mag < 19"
    t = astropy_table(f"{out}.ecsv")
    assert str(t["sep"].unit) == "arcsec" and t.meta["parameters"] == resolved
    assert t["source_id_a"].dtype == np.int64 and t["sep"].dtype == np.float64
    root = ET.parse(f"{out}.svg").getroot()
    assert root.tag.endswith("svg"), root.tag
    assert "pairs: parameters" in r.stdout and "resolved parameters in" in r.stdout, r.describe()
    assert "dpm" in t.colnames and "hypot(a.pmra - b.pmra, a.pmdec - b.pmdec)" in str(dattrs["dpm"]["description"])


def test_case_file_replay_and_hand_written_case(data, tmp_path):
    a = data.dir / "case_a"
    r = run_pairs(data.h5, a, "206.265 * parallax", np_=2, where="parallax > 0", pair_where=PAIR_WHERE,
                  columns=PAIR_COLUMNS, shifted=pr.SHIFT_DEG)
    assert r.returncode == 0, r.describe()
    b = data.dir / "case_b"
    r = run_gaiamine(["run", f"{a}.yaml", "--set", f"output={b}"], np=3)
    assert r.returncode == 0, r.describe()
    for suffix in ("", "_shifted"):
        assert_same_tables(table_contents(f"{a}{suffix}.h5"), table_contents(f"{b}{suffix}.h5"), f"replay{suffix}")
    # a case file written by hand, in the shape of the other jobs' (Inputs/pm_dispersion.yaml)
    case = tmp_path / "wide.yaml"
    out = tmp_path / "wide_out"
    case.write_text(yaml.safe_dump({
        "job": "pairs", "input": str(data.h5), "output": str(out),
        "pairs": {"radius": "206.265 * parallax", "where": "parallax > 0", "pair_where": PAIR_WHERE,
                  "columns": ["dpm=hypot(a.pmra - b.pmra, a.pmdec - b.pmdec)", "dplx=b.parallax - a.parallax"],
                  "shifted": pr.SHIFT_DEG}}, sort_keys=False))
    r = run_gaiamine(["run", case], np=2)
    assert r.returncode == 0, r.describe()
    ga, _, _ = read_pairs(f"{a}.h5")
    gc, _, _ = read_pairs(f"{out}.h5")
    assert set(gc) == set(BASE_COLUMNS + ["dpm", "dplx"]), sorted(gc)
    for k in gc:
        assert np.array_equal(gc[k], ga[k]), f"hand-written case: {k}"
    assert Path(f"{out}_shifted.h5").exists()


# ------------------------------------------------------------------------------------------------
# bad input


def assert_error_once(r, out_dir, needles):
    """Exit status 1, every needle on stderr, the error's first line printed exactly once (rank 0
    reports), nothing left in out_dir."""
    first = next((l for l in r.stderr.splitlines() if l.startswith("gaiamine: error: ")), None)
    assert first is not None, "no 'gaiamine: error: ' line on stderr\n" + r.describe()
    assert_failed_once(r, out_dir, needles=needles, once=first)
    assert r.returncode == 1, r.describe()


def first_negative_row(c):
    with np.errstate(invalid="ignore"):
        return int(np.flatnonzero(c["parallax"] < 0)[0])


BAD = {  # id: (extra args, needles, caret: (expression, column) or None)
    "negative_constant": (["--radius", "-5"], ["radius"], None),
    "unknown_pair_column": (["--radius", "30", "--pair-where", "sep < 10 and a.paralax < 1"],
                            ["a.paralax", "did you mean 'a.parallax'"], ("sep < 10 and a.paralax < 1", 13)),
    "missing_prefix": (["--radius", "30", "--pair-where", "sep < 10 and parallax > 1"],
                       ["parallax"], ("sep < 10 and parallax > 1", 13)),
    "unknown_in_columns": (["--radius", "30", "--columns", "dpm=hypot(a.pmra - b.pmra, a.pmdc - b.pmdec)"],
                           ["a.pmdc", "did you mean 'a.pmdec'"], ("hypot(a.pmra - b.pmra, a.pmdc - b.pmdec)", 23)),
    "unknown_in_radius": (["--radius", "206.265 * paralax"], ["paralax", "did you mean 'parallax'"],
                          ("206.265 * paralax", 10)),
    "pair_column_in_radius": (["--radius", "206.265 * a.parallax"], ["a.parallax"], ("206.265 * a.parallax", 10)),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input(data, tmp_path, case):
    args, needles, caret = BAD[case]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run_gaiamine(["pairs", data.h5, "--table", "gaia_source", *args, "--out", out_dir / "x"], np=2)
    assert_error_once(r, out_dir, needles)
    assert "gaiamine: error: " in r.stderr, r.describe()
    if caret is not None:
        expr, at = caret
        assert caret_position(r.stderr, expr) == at, f"caret not under column {at} of {expr!r}\n" + r.describe()


def test_negative_radius_of_one_row_names_it(data, tmp_path):
    c = data.cols
    k = first_negative_row(c)
    sid = int(c["source_id"][k])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run_gaiamine(["pairs", data.h5, "--table", "gaia_source", "--radius", "206.265 * parallax",
                      "--where", f"parallax > 0 or source_id == {sid}", "--out", out_dir / "x"], np=3)
    assert_error_once(r, out_dir, ["radius"])
    assert str(sid) in r.stderr or f"row {k}" in r.stderr, "the error names neither the source_id nor the row\n" + r.describe()


def test_missing_input(data, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    missing = tmp_path / "no_such_file.h5"
    r = run_gaiamine(["pairs", missing, "--table", "gaia_source", "--radius", "30", "--out", out_dir / "x"], np=2)
    assert_error_once(r, out_dir, [str(missing)])
    r = run_gaiamine(["pairs", missing, "--radius", "30", "--out", out_dir / "x"])  # no mpirun
    assert_error_once(r, out_dir, [str(missing)])


# ------------------------------------------------------------------------------------------------
# planted truth of `gaiamine synth gaia_source` (when it writes one)


def test_synth_planted_pairs_recovered(tmp_path):
    files = synth("gaia_source", 2500, 2, 1212, tmp_path / "gs")
    truth_path = tmp_path / "gs" / "gaia_source_pairs_truth.ecsv"
    if not truth_path.exists():
        pytest.skip("gaiamine synth gaia_source writes no gaia_source_pairs_truth.ecsv")
    truth = astropy_table(truth_path)
    assert {"source_id_a", "source_id_b", "kind", "sep"} <= set(truth.colnames), truth.colnames
    assert set(truth["kind"]) <= {"wide_binary", "lensed_image"} and len(truth) > 0
    h5 = tmp_path / "gs.h5"
    repack(files, h5, np=2)
    with h5py.File(h5) as f:
        g = f["gaia_source"]
        cols = {k: g[k][()] for k in ("source_id", "ra", "dec")}
    r_const = float(math.ceil(float(np.max(truth["sep"])) + 1.0))
    want, p = pr.reference_pairs(cols, np.full(len(cols["ra"]), r_const))
    assert p.ambiguous == 0
    out = tmp_path / "synth_pairs"
    r = run_pairs(h5, out, repr(r_const), np_=2)
    assert r.returncode == 0, r.describe()
    got, _, _ = read_pairs(f"{out}.h5")
    assert_pairs_equal(got, want, "synth gaia_source")
    index = {(a, b): s for a, b, s in zip(got["source_id_a"].tolist(), got["source_id_b"].tolist(), got["sep"].tolist())}
    for row in truth:
        a, b = sorted((int(row["source_id_a"]), int(row["source_id_b"])))
        assert (a, b) in index, f"planted {row['kind']} ({a}, {b}) not found"
        assert abs(index[(a, b)] - float(row["sep"])) < 1e-3, f"planted ({a}, {b}): sep {index[(a, b)]} vs truth {row['sep']}"
