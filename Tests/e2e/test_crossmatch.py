"""End-to-end tests of `gaiamine crossmatch` against astropy's SkyCoord.search_around_sky:

* A: the generated gaia_source table of pairs_reference.make_sky (poles, ra = 0/360, exact
  duplicates, lens groups of 2–4 rows around planted quasars); B: pairs_reference.make_catalogue
  written as a user ECSV with astropy (int64 `id`, and a string `name` via --b-id), as a CSV, and
  as another GaiaMine table (.h5); --b-where on each kind;
* --all and --nearest (the default): the matched set, sep to 1e-9″, n_within, the order (B id,
  then sep, then source_id: a tie of equal separations goes to the smaller source_id);
  --min-within 2 (the lensed-candidate signature); --where on A; --b-where;
* -np 1, 2, 3 bitwise identical; ECSV = HDF5;
* B rows with NaN positions skipped and counted;
* bad input: missing `ra` column (the error names the file and the column), missing id column,
  negative radius, unknown columns in --where / --b-where → exit 1, once, nothing written.
"""
from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import pairs_reference as pr
from conftest import astropy_table, decode_strings, run_gaiamine
from table_job_helpers import Col, write_table
from test_pairs import (SEP_TOL, assert_error_once, assert_same_tables, read_pairs, reported_count,
                        table_contents)

RADIUS = 6.0  # arcsec: GraL's lensed-quasar search scale (Krone-Martins et al. 2018)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from astropy.table import Table
    d = tmp_path_factory.mktemp("crossmatch")
    sky = pr.make_sky()
    pr.write_sky(d / "a.h5", sky)
    b = pr.make_catalogue(sky)
    t = Table({"id": b.id, "name": b.name, "ra": b.ra, "dec": b.dec, "mag": b.mag})
    t["ra"].unit = "deg"
    t["dec"].unit = "deg"
    t["mag"].unit = "mag"
    t.write(d / "b.ecsv", format="ascii.ecsv")
    lines = ["id,ra,dec,mag"] + [f"{i},{r!r},{de!r},{m!r}".replace("nan", "NaN") for i, r, de, m in
                                 zip(b.id.tolist(), b.ra.tolist(), b.dec.tolist(), b.mag.tolist())]
    (d / "b.csv").write_text("\n".join(lines) + "\n")
    write_table(d / "b.h5", "qso_candidates", {"qso_id": Col(b.id), "ra": Col(b.ra, unit="deg"),
                                               "dec": Col(b.dec, unit="deg"), "mag": Col(b.mag, unit="mag")})
    # the positions as astropy reads them back: the reference uses exactly what gaiamine reads
    back = astropy_table(d / "b.ecsv")
    assert np.array_equal(np.asarray(back["ra"], dtype=np.float64), b.ra, equal_nan=True)
    assert np.array_equal(np.asarray(back["dec"], dtype=np.float64), b.dec, equal_nan=True)
    return SimpleNamespace(dir=d, sky=sky, a=sky.cols, b=b)


def reference(a: dict, b, radius=RADIUS, a_mask=None, b_mask=None, b_key=None) -> dict:
    """All (B row, A row) within `radius` by astropy's search_around_sky, checked against the
    cKDTree reference (same set, separations within 1e-9″, none borderline). Returns arrays over
    matches sorted by (B key, sep, source_id): kb, ia, sep, n_within."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord, search_around_sky
    fa = np.isfinite(a["ra"]) & np.isfinite(a["dec"])
    fb = np.isfinite(b.ra) & np.isfinite(b.dec)
    if a_mask is not None:
        fa &= a_mask
    if b_mask is not None:
        fb &= b_mask
    ra_rows, rb_rows = np.flatnonzero(fa), np.flatnonzero(fb)
    ca = SkyCoord(a["ra"][ra_rows] * u.deg, a["dec"][ra_rows] * u.deg)
    cb = SkyCoord(b.ra[rb_rows] * u.deg, b.dec[rb_rows] * u.deg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ib, ia, sep2d, _ = search_around_sky(cb, ca, radius * u.arcsec)  # indices into cb, ca
    ib, ia = rb_rows[ib], ra_rows[ia]
    sep_astropy = sep2d.to_value(u.arcsec)
    # the independent reference agrees: same set, separations within the bound
    mine = pr.cross_pairs(b.ra[rb_rows], b.dec[rb_rows], np.full(len(rb_rows), radius),
                          a["ra"][ra_rows], a["dec"][ra_rows], np.zeros(len(ra_rows)))
    assert mine.ambiguous == 0, "a separation within 1e-9 (relative) of the radius"
    assert set(zip(rb_rows[mine.i].tolist(), ra_rows[mine.j].tolist())) == set(zip(ib.tolist(), ia.tolist()))
    sep = pr.separation_arcsec(b.ra[ib], b.dec[ib], a["ra"][ia], a["dec"][ia])
    assert np.all(np.abs(sep - sep_astropy) <= SEP_TOL), np.max(np.abs(sep - sep_astropy))
    key = b.id if b_key is None else b_key
    sid = a["source_id"][ia]
    order = np.lexsort((sid, sep, key[ib]))
    ib, ia, sep, sid = ib[order], ia[order], sep[order], sid[order]
    counts = {k: int(np.sum(ib == k)) for k in np.unique(ib)}
    n_within = np.array([counts[k] for k in ib], dtype=np.int64)
    return {"ib": ib, "ia": ia, "sep": sep, "source_id": sid, "key": key[ib], "n_within": n_within}


def select(ref: dict, nearest: bool, min_within: int = 1) -> dict:
    keep = ref["n_within"] >= min_within
    if nearest:
        first = np.ones(len(ref["ib"]), bool)
        first[1:] = ref["ib"][1:] != ref["ib"][:-1]
        keep &= first
    return {k: v[keep] for k, v in ref.items()}


def check_output(prefix, want: dict, id_name: str, what: str, string_id=False):
    got, dattrs, _ = read_pairs(f"{prefix}.h5", "crossmatch")
    assert set(got) == {id_name, "source_id", "sep", "n_within"}, f"{what}: datasets {sorted(got)}"
    n = len(want["sep"])
    assert len(got["sep"]) == n, f"{what}: {len(got['sep'])} rows, expected {n}"
    if string_id:
        ids = decode_strings(got[id_name])
        assert ids == [str(x) for x in want["key"]], f"{what}: B ids / order differ"
    else:
        assert got[id_name].dtype == np.int64 and np.array_equal(got[id_name], want["key"]), f"{what}: B ids / order differ"
    assert got["source_id"].dtype == np.int64 and np.array_equal(got["source_id"], want["source_id"]), \
        f"{what}: matched source_ids / order differ"
    assert got["n_within"].dtype == np.int64 and np.array_equal(got["n_within"], want["n_within"]), f"{what}: n_within"
    assert got["sep"].dtype == np.float64
    d = np.abs(got["sep"] - want["sep"])
    assert not n or d.max() <= SEP_TOL, f"{what}: sep differs by {d.max():.3g}″"
    assert dattrs["sep"].get("units") == "arcsec", dattrs["sep"]
    t = astropy_table(f"{prefix}.ecsv")
    assert t.colnames == [id_name, "source_id", "sep", "n_within"], f"{what}: ECSV columns {t.colnames}"
    assert str(t["sep"].unit) == "arcsec"
    if string_id:
        assert [str(x) for x in t[id_name]] == [str(x) for x in want["key"]]
    else:
        assert np.array_equal(np.asarray(t[id_name], dtype=np.int64), got[id_name])
    for k in ("source_id", "sep", "n_within"):
        assert np.array_equal(np.asarray(t[k]).astype(got[k].dtype), got[k]), f"{what}: ECSV {k} ≠ HDF5"
    return got


def crossmatch(data, b, out, np_=2, extra=()):
    return run_gaiamine(["crossmatch", data.dir / "a.h5", "--table", "gaia_source", b, "--radius", RADIUS,
                         "--out", out, *extra], np=np_)


@pytest.mark.parametrize("mode", ["--all", "--nearest", "default"])
def test_ecsv_catalogue_for_any_rank_count(data, mode):
    ref = reference(data.a, data.b)
    want = select(ref, nearest=mode != "--all")
    # the data exercise what they should
    assert np.any(want["n_within"] >= 2) and len(np.unique(ref["ib"])) > 150
    ties = [k for k in np.unique(ref["ib"]) if np.sum((ref["ib"] == k) & (ref["sep"] == ref["sep"][ref["ib"] == k][0])) > 1]
    assert len(ties) >= 3, "B rows with two A rows at one separation (ties for the nearest)"
    contents = {}
    for np_ in (1, 2, 3):
        out = data.dir / f"ecsv_{mode.strip('-')}_{np_}"
        r = crossmatch(data, data.dir / "b.ecsv", out, np_=np_, extra=[] if mode == "default" else [mode])
        assert r.returncode == 0, r.describe()
        check_output(out, want, "id", f"{mode} np {np_}")
        contents[np_] = table_contents(f"{out}.h5", "crossmatch")
    assert_same_tables(contents[1], contents[2], f"{mode}: np 1 vs np 2")
    assert_same_tables(contents[1], contents[3], f"{mode}: np 1 vs np 3")


def test_string_id_from_ecsv(data):
    ref = reference(data.a, data.b, b_key=data.b.name)
    assert not np.array_equal(np.argsort(data.b.name), np.argsort(data.b.id)), "the two id orders must differ"
    out = data.dir / "names"
    r = crossmatch(data, data.dir / "b.ecsv", out, np_=3, extra=["--all", "--b-id", "name"])
    assert r.returncode == 0, r.describe()
    check_output(out, select(ref, nearest=False), "name", "--b-id name", string_id=True)


def test_csv_catalogue_and_nan_rows_counted(data):
    ref = reference(data.a, data.b)
    n_nan = int(np.sum(~(np.isfinite(data.b.ra) & np.isfinite(data.b.dec))))
    assert n_nan == 3
    out = data.dir / "csv"
    r = crossmatch(data, data.dir / "b.csv", out, np_=2)
    assert r.returncode == 0, r.describe()
    check_output(out, select(ref, nearest=True), "id", "CSV")
    assert reported_count(r, f"{out}.h5", n_nan), f"{n_nan} NaN rows of B not reported\n" + r.describe()


@pytest.mark.parametrize("mode", ["--all", "--nearest"])
def test_min_within_finds_the_lens_groups(data, mode):
    ref = reference(data.a, data.b)
    want = select(ref, nearest=mode == "--nearest", min_within=2)
    quasars = set(np.flatnonzero(data.b.kind == "quasar").tolist())
    assert quasars <= set(want["ib"].tolist()), "every planted quasar has ≥ 2 table rows within 6″"
    out = data.dir / f"lensed_{mode.strip('-')}"
    r = crossmatch(data, data.dir / "b.ecsv", out, np_=2, extra=[mode, "--min-within", 2])
    assert r.returncode == 0, r.describe()
    got = check_output(out, want, "id", f"--min-within 2 {mode}")
    assert np.all(got["n_within"] >= 2)


def test_where_on_a_and_b_where_on_ecsv(data):
    g = data.a["phot_g_mean_mag"].astype(np.float64)
    ref = reference(data.a, data.b, a_mask=g < 18, b_mask=data.b.mag < 20)
    full = reference(data.a, data.b)
    assert 0 < len(ref["sep"]) < len(full["sep"])
    out = data.dir / "where"
    r = crossmatch(data, data.dir / "b.ecsv", out, np_=2,
                   extra=["--all", "--where", "phot_g_mean_mag < 18", "--b-where", "mag < 20"])
    assert r.returncode == 0, r.describe()
    check_output(out, select(ref, nearest=False), "id", "--where/--b-where")


def test_b_as_a_table_with_b_where(data):
    ref = reference(data.a, data.b, b_mask=data.b.mag < 19)
    contents = []
    for np_ in (1, 3):
        out = data.dir / f"btable_{np_}"
        r = crossmatch(data, data.dir / "b.h5", out, np_=np_,
                       extra=["--b-table", "qso_candidates", "--b-id", "qso_id", "--b-where", "mag < 19", "--all"])
        assert r.returncode == 0, r.describe()
        check_output(out, select(ref, nearest=False), "qso_id", f"B table np {np_}")
        contents.append(table_contents(f"{out}.h5", "crossmatch"))
    assert_same_tables(contents[0], contents[1], "B table: np 1 vs np 3")


def test_b_from_the_table_itself_keyed_by_source_id(data):
    """B = some rows of A itself (the lensed-candidate recipe: quasar-like rows of the table):
    the default id is B's source_id, written as b_source_id beside A's source_id; each B row
    matches itself at sep 0, and --min-within 2 keeps the rows with a neighbour (lens images)."""
    a, sky = data.a, data.sky
    rng = np.random.default_rng(31)
    rows = np.sort(np.concatenate([np.flatnonzero(sky.kind == "lens_image"),
                                   rng.choice(np.flatnonzero(sky.kind == "background"), 40, replace=False)]))
    write_table(data.dir / "b_self.h5", "gaia_source", {
        "source_id": Col(a["source_id"][rows]), "ra": Col(a["ra"][rows], unit="deg"), "dec": Col(a["dec"][rows], unit="deg"),
        "phot_g_mean_mag": Col(a["phot_g_mean_mag"][rows], unit="mag")})
    b = SimpleNamespace(id=a["source_id"][rows], ra=a["ra"][rows], dec=a["dec"][rows])
    ref = reference(a, b)
    want = select(ref, nearest=False, min_within=2)
    images = set(np.flatnonzero(sky.kind[rows] == "lens_image").tolist())
    assert images <= set(want["ib"].tolist()), "every lens image has another within 6″"
    self_match = (want["source_id"] == want["key"])
    assert np.all(want["sep"][self_match] == 0)
    out = data.dir / "b_self_out"
    r = crossmatch(data, data.dir / "b_self.h5", out, np_=3, extra=["--all", "--min-within", 2])
    assert r.returncode == 0, r.describe()
    got = check_output(out, want, "b_source_id", "B = rows of A")
    assert np.all(got["sep"][got["b_source_id"] == got["source_id"]] == 0)


def test_outputs_describe_themselves(data):
    import yaml
    from pathlib import Path
    out = data.dir / "described"
    r = crossmatch(data, data.dir / "b.ecsv", out, np_=2, extra=["--all"])
    assert r.returncode == 0, r.describe()
    got, dattrs, _ = read_pairs(f"{out}.h5", "crossmatch")
    for name in got:
        assert str(dattrs[name].get("description", "")).strip(), f"{name}: no description"
    import h5py
    with h5py.File(f"{out}.h5") as f:
        params = f.attrs["parameters"]
    params = params.decode() if isinstance(params, bytes) else params
    resolved = Path(f"{out}.yaml").read_text()
    assert params == resolved
    y = yaml.safe_load(resolved)
    assert y["job"] == "crossmatch" and y["output"] == str(out)
    assert astropy_table(f"{out}.ecsv").meta["parameters"] == resolved
    # the resolved file replays the run
    r = run_gaiamine(["run", f"{out}.yaml", "--set", f"output={data.dir / 'replayed'}"], np=3)
    assert r.returncode == 0, r.describe()
    assert_same_tables(table_contents(f"{out}.h5", "crossmatch"), table_contents(f"{data.dir / 'replayed'}.h5", "crossmatch"),
                       "crossmatch replay")


# ------------------------------------------------------------------------------------------------
# bad input


def write_ecsv(path, **cols):
    from astropy.table import Table
    Table(cols).write(path, format="ascii.ecsv")
    return path


def test_missing_ra_column_names_file_and_column(data, tmp_path):
    b = write_ecsv(tmp_path / "no_ra.ecsv", id=data.b.id[:5], RA=data.b.ra[:5], dec=data.b.dec[:5])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = crossmatch(data, b, out_dir / "x")
    assert_error_once(r, out_dir, [str(b), "'ra'"])


def test_missing_id_column(data, tmp_path):
    b = write_ecsv(tmp_path / "no_id.ecsv", ra=data.b.ra[:5], dec=data.b.dec[:5], ident=data.b.id[:5])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = crossmatch(data, b, out_dir / "x")
    assert_error_once(r, out_dir, [str(b), "id"])
    r = crossmatch(data, data.dir / "b.ecsv", out_dir / "x", extra=["--b-id", "nme"])
    assert_error_once(r, out_dir, ["nme"])


@pytest.mark.parametrize("args,needles", [
    (["--radius", "-2"], ["radius"]),
    (["--b-where", "magg < 20"], ["magg", "did you mean 'mag'"]),
    (["--where", "phot_g_mean_mg < 20"], ["phot_g_mean_mg", "did you mean 'phot_g_mean_mag'"]),
])
def test_bad_options(data, tmp_path, args, needles):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    cmd = ["crossmatch", data.dir / "a.h5", "--table", "gaia_source", data.dir / "b.ecsv", "--out", out_dir / "x"]
    if "--radius" not in args:
        cmd += ["--radius", RADIUS]
    r = run_gaiamine([*cmd, *args], np=2)
    assert_error_once(r, out_dir, needles)


def test_b_where_on_csv(data):
    """--b-where over a CSV's columns (their types inferred) selects as over the ECSV."""
    ref = reference(data.a, data.b, b_mask=data.b.mag < 19.5)
    out = data.dir / "csv_where"
    r = crossmatch(data, data.dir / "b.csv", out, np_=2, extra=["--all", "--b-where", "mag < 19.5"])
    assert r.returncode == 0, r.describe()
    check_output(out, select(ref, nearest=False), "id", "CSV --b-where")
