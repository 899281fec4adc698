"""End-to-end tests of `gaiamine select` against numpy selections of the input file (h5py):

* a repacked synthetic gaia_source: every column = input[mask] (strings and nullable ints too),
  attributes kept, n_rows/columns updated; `--columns` and `--define` (dtype, description =
  the expression, values = numpy's);
* the real DR3 epoch photometry fixture (ragged arrays): offsets rebuilt, values identical,
  per-row reductions in `--define` equal numpy nan-functions; an empty selection;
* np 1/2/3 give bitwise identical files;
* bad input: unknown table, unknown `--columns` name, an array `--define` — exit != 0, once,
  nothing written.
"""
from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest

from conftest import fixture_path, repack, run_gaiamine, synth
from table_job_helpers import assert_failed_once, assert_same_contents, h5_contents, ragged_rows

WHERE_GS = "parallax > 1 and phot_g_mean_mag < 19 or ruwe > 1.3"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("select")
    gs = synth("gaia_source", 1500, 3, 71, d / "gs")
    repack(gs, d / "gs.h5", np=2)
    repack([fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")], d / "ep.h5")
    return d


def read_group(path, table):
    with h5py.File(path) as f:
        g = f[table]
        return ({k: g[k][()] for k in g}, {k: dict(g[k].attrs) for k in g}, dict(g.attrs))


def assert_attrs_kept(attrs_in, attrs_out, where):
    for k, v in attrs_in.items():
        assert k in attrs_out, f"{where}: attribute {k} dropped"
        assert np.array_equal(np.asarray(attrs_out[k]), np.asarray(v)), f"{where}: attribute {k} changed"


def test_select_gaia_source_matches_numpy(data):
    cols, dattrs, gattrs = read_group(data / "gs.h5", "gaia_source")
    with np.errstate(invalid="ignore"):
        mask = ((cols["parallax"] > 1) & (cols["phot_g_mean_mag"].astype(np.float64) < 19)) | (cols["ruwe"].astype(np.float64) > 1.3)
    assert 0 < mask.sum() < len(mask)
    out = data / "sel"
    r = run_gaiamine(["select", data / "gs.h5", "--table", "gaia_source", "--where", WHERE_GS, "--out", out], np=2)
    assert r.returncode == 0, r.describe()
    got, gdattrs, ggattrs = read_group(f"{out}.h5", "gaia_source")
    assert int(ggattrs["n_rows"]) == mask.sum()
    assert list(ggattrs["columns"]) == list(gattrs["columns"])
    for k in ("gaia_table",) + tuple(a for a in gattrs if a.startswith("meta_")):
        assert np.array_equal(ggattrs[k], gattrs[k]), f"group attribute {k} changed"
    assert set(got) == set(cols)
    for name, v in cols.items():
        assert got[name].dtype == v.dtype, name
        assert np.array_equal(got[name], v[mask], equal_nan=v.dtype.kind == "f"), f"column {name} differs"
        assert_attrs_kept(dattrs[name], gdattrs[name], name)


def test_columns_and_defines(data):
    cols, dattrs, _ = read_group(data / "gs.h5", "gaia_source")
    mask = cols["phot_g_mean_mag"].astype(np.float64) < 18
    defines = {"plx_snr": "parallax / parallax_error", "bright": "phot_g_mean_mag < 15", "hpx": "healpix(5)",
               "pmtot": "hypot(pmra, pmdec)"}
    out = data / "cols"
    args = ["select", data / "gs.h5", "--table", "gaia_source", "--where", "phot_g_mean_mag < 18",
            "--columns", "source_id,ra,dec", "--out", out]
    for k, v in defines.items():
        args += ["--define", f"{k}={v}"]
    r = run_gaiamine(args, np=2)
    assert r.returncode == 0, r.describe()
    got, gdattrs, ggattrs = read_group(f"{out}.h5", "gaia_source")
    assert list(ggattrs["columns"]) == ["source_id", "ra", "dec", *defines]
    assert set(got) == {"source_id", "ra", "dec", *defines}
    for name in ("source_id", "ra", "dec"):
        assert np.array_equal(got[name], cols[name][mask])
        assert_attrs_kept(dattrs[name], gdattrs[name], name)
    for name, text in defines.items():
        d = gdattrs[name]["description"]
        assert (d.decode() if isinstance(d, bytes) else d) == text, f"{name}: description {d!r}"
    p = cols["parallax"][mask]
    pe = cols["parallax_error"][mask].astype(np.float64)  # float32 widened exactly, then IEEE division
    assert got["plx_snr"].dtype == np.float64 and np.array_equal(got["plx_snr"], p / pe, equal_nan=True)
    b = got["bright"]
    assert b.dtype == np.int8 and gdattrs["bright"].get("gaia_datatype") in ("bool", b"bool")
    assert np.array_equal(b, (cols["phot_g_mean_mag"][mask].astype(np.float64) < 15).astype(np.int8))
    assert got["hpx"].dtype == np.int64 and np.array_equal(got["hpx"], cols["source_id"][mask] >> 49)
    assert np.array_equal(got["pmtot"], np.hypot(cols["pmra"][mask], cols["pmdec"][mask]), equal_nan=True)


def test_ranks_give_identical_files(data):
    contents = []
    for np_ in (1, 2, 3):
        out = data / f"np{np_}"
        r = run_gaiamine(["select", data / "gs.h5", "--table", "gaia_source", "--where", WHERE_GS,
                          "--define", "q=phot_g_mean_mag - 5 * log10(100 / parallax)", "--out", out], np=np_)
        assert r.returncode == 0, r.describe()
        contents.append(h5_contents(f"{out}.h5"))
    assert_same_contents(contents[0], contents[1], "np 1 vs np 2")
    assert_same_contents(contents[0], contents[2], "np 1 vs np 3")


def nan_reduce(fn, rows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([fn(x) if np.count_nonzero(~np.isnan(x)) else np.nan for x in rows])


@pytest.mark.parametrize("np_", [1, 2, 3])
@pytest.mark.parametrize("where", ["count(g_transit_mag) > 22", "n_transits >= 23 and median(bp_mag) > 17.8",
                                   "n_transits < 0"])
def test_ragged_epoch_photometry(data, where, np_):
    cols, dattrs, gattrs = read_group(data / "ep.h5", "epoch_photometry")
    off = cols["offsets"]
    g = ragged_rows(cols["g_transit_mag"], off)
    bp = ragged_rows(cols["bp_mag"], off)
    count = np.array([np.count_nonzero(~np.isnan(x)) for x in g])
    with np.errstate(invalid="ignore"):
        mask = {"count(g_transit_mag) > 22": count > 22,
                "n_transits >= 23 and median(bp_mag) > 17.8": (cols["n_transits"] >= 23) & (nan_reduce(np.nanmedian, bp) > 17.8),
                "n_transits < 0": cols["n_transits"] < 0}[where]
    out = data / f"ep_{np_}_{len(where)}"
    r = run_gaiamine(["select", data / "ep.h5", "--table", "epoch_photometry", "--where", where,
                      "--define", "gmed=median(g_transit_mag)", "--define", "gstd=std(g_transit_mag)",
                      "--define", "snr=mean(g_transit_flux / g_transit_flux_error)", "--out", out], np=np_)
    assert r.returncode == 0, r.describe()
    got, gdattrs, ggattrs = read_group(f"{out}.h5", "epoch_photometry")
    sel = np.nonzero(mask)[0]
    assert int(ggattrs["n_rows"]) == len(sel)
    lengths = np.diff(off)[sel]
    assert np.array_equal(got["offsets"], np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
    for name, v in cols.items():
        if name == "offsets":
            continue
        if "offsets" in dattrs[name]:
            want = np.concatenate([v[off[i]:off[i + 1]] for i in sel]) if len(sel) else v[:0]
        else:
            want = v[mask]
        assert got[name].dtype == v.dtype and np.array_equal(got[name], want, equal_nan=v.dtype.kind == "f"), name
        assert_attrs_kept(dattrs[name], gdattrs[name], name)
    gsel = [g[i] for i in sel]
    assert np.array_equal(got["gmed"], nan_reduce(np.nanmedian, gsel), equal_nan=True)
    # std: ddof 0; summation order may differ from numpy's pairwise sum → relative tolerance
    np.testing.assert_allclose(got["gstd"], nan_reduce(np.nanstd, gsel), rtol=1e-12)
    ratio = [cols["g_transit_flux"][off[i]:off[i + 1]] / cols["g_transit_flux_error"][off[i]:off[i + 1]] for i in sel]
    np.testing.assert_allclose(got["snr"], nan_reduce(np.nanmean, ratio), rtol=1e-12)


@pytest.mark.parametrize("args,needles", [
    (["--table", "gaia_sourc", "--where", "true"], ["no table 'gaia_sourc'"]),
    (["--table", "gaia_source", "--where", "true", "--columns", "source_id,paralax"], ["paralax", "did you mean 'parallax'"]),
    (["--table", "gaia_source", "--where", "parallax >"], ["parallax >"]),
])
def test_bad_input(data, tmp_path, args, needles):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run_gaiamine(["select", data / "gs.h5", *args, "--out", out_dir / "x"], np=2)
    assert_failed_once(r, out_dir, needles=needles, once=needles[-1])


def test_array_define_is_refused(data, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run_gaiamine(["select", data / "ep.h5", "--table", "epoch_photometry", "--where", "true",
                      "--define", "m=g_transit_mag * 2", "--out", out_dir / "x"], np=2)
    assert_failed_once(r, out_dir, needles=["g_transit_mag * 2"])
