"""`--where EXPR` on every job (Sources/GaiaJob, GaiaIO/TableSelection.swift; Docs/cli.md):

* for each job, a run with `--where` on a table gives the same results as a run without it on a
  copy of the table holding only the rows numpy selects (written here with h5py, same layout:
  ragged columns with their offsets, fixed arrays, attributes), on 1, 2 and 3 ranks;
* the log says how many rows were kept (numpy's count), and PREFIX.yaml records the expression;
* a bad expression (unknown column, syntax, a string column, empty) is reported once, with the
  expression and a caret, exit 1, before any work, and no output file is written.
"""
from __future__ import annotations

import re

import h5py
import numpy as np
import pytest
import yaml

from conftest import repack, run_gaiamine, synth
from test_jobs import h5_contents, same


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("where")
    out = {}
    for name, table, n, seed in (("xp", "xp_continuous_mean_spectrum", 60, 51), ("epoch", "epoch_photometry", 30, 52),
                                 ("gs", "gaia_source", 1200, 53)):
        files = synth(table, n, 2, seed, d / name)
        repack(files, d / f"{name}.h5", np=2)
        out[name] = d / f"{name}.h5"
    r = run_gaiamine(["synth", "epoch_astrometry", "--sources", 200, "--files", 2, "--seed", 54, "--out", d / "ea"])
    assert r.returncode == 0, r.describe()
    repack(sorted((d / "ea").glob("EpochAstrometry_*.csv.gz")), d / "ea.h5", np=2)
    repack(sorted((d / "ea").glob("GaiaSource_*.csv.gz")), d / "ea_pos.h5", np=2)  # positions: not in the DR4 product
    out["ea"] = d / "ea.h5"
    out["ea_pos"] = d / "ea_pos.h5"
    out["dir"] = d
    return out


def column(path, table, name):
    """A scalar column with nulls as NaN (floats: NaN; integers: _FillValue; booleans: -1)."""
    with h5py.File(path) as f:
        d = f[table][name]
        v = d[()].astype(np.float64)
        if d.dtype.kind in "iu" and "_FillValue" in d.attrs:
            v[d[()] == d.attrs["_FillValue"]] = np.nan
    return v


def filtered_copy(src, dst, table, keep):
    """The table with only the rows `keep` selects, in GaiaMine's layout (Docs/data-format.md);
    a transit table's per-source index is rebuilt from the kept rows."""
    keep = np.asarray(keep, bool)
    with h5py.File(src) as f, h5py.File(dst, "w") as g:
        for k, v in f.attrs.items():
            g.attrs[k] = v
        t, u = f[table], g.create_group(table)
        for k, v in t.attrs.items():
            u.attrs[k] = v
        u.attrs["n_rows"] = np.int64(keep.sum())
        offsets_of = {t[c].attrs["offsets"].decode() if isinstance(t[c].attrs["offsets"], bytes) else t[c].attrs["offsets"]
                      for c in t if "offsets" in t[c].attrs}
        new_offsets = {}
        for o in offsets_of:
            off = t[o][()]
            lengths = np.diff(off)[keep]
            new_offsets[o] = (off, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
        for name, d in t.items():
            if isinstance(d, h5py.Group):
                if name == "source_index":
                    sid = t["source_id"][()][keep]
                    ids, first, counts = np.unique(sid, return_index=True, return_counts=True)
                    gi = u.create_group(name)
                    for k, v in d.attrs.items():
                        gi.attrs[k] = v
                    gi.attrs["n_sources"] = np.int64(len(ids))
                    for k, v in (("source_id", ids), ("first_row", first), ("n_rows", counts)):
                        e = gi.create_dataset(k, data=v.astype(np.int64))
                        for a, b in d[k].attrs.items():
                            e.attrs[a] = b
                continue
            if name in offsets_of:
                data = new_offsets[name][1]
            elif "offsets" in d.attrs:
                o = d.attrs["offsets"]
                off = new_offsets[o.decode() if isinstance(o, bytes) else o][0]
                v = d[()]
                parts = [v[off[i]:off[i + 1]] for i in np.flatnonzero(keep)]
                data = np.concatenate(parts) if parts else v[:0]
            else:
                data = d[()][keep]
            e = u.create_dataset(name, data=data, dtype=d.dtype)
            for k, v in d.attrs.items():
                e.attrs[k] = v


# Per job: arguments (small, fast), the table, the expression, and numpy's evaluation of it.
def cases(data):
    xp_t = "xp_continuous_mean_spectrum"
    with h5py.File(data["xp"]) as f:
        template = int(f[xp_t]["source_id"][5])
        coef0 = f[xp_t]["bp_coefficients"][:, 0]       # a fixed array column, element 0
    # The template must stay in the pre-filtered table: the threshold keeps its row.
    xp_cut = float(min(np.nanmedian(coef0), coef0[5]))
    with h5py.File(data["epoch"]) as f:                   # a ragged column: NaN elements not counted
        t = f["epoch_photometry"]
        o = t["g_transit_flux"].attrs["offsets"]
        off, flux = t[o.decode() if isinstance(o, bytes) else o][()], t["g_transit_flux"][()]
        n_flux = np.array([np.count_nonzero(~np.isnan(flux[a:b])) for a, b in zip(off[:-1], off[1:])])
    nt = column(data["epoch"], "epoch_photometry", "n_transits")
    nt_cut = int(np.nanmedian(nt))
    flux_cut = int(np.median(n_flux))
    plx = column(data["gs"], "gaia_source", "parallax")
    g = column(data["gs"], "gaia_source", "phot_g_mean_mag")
    qso = column(data["gs"], "gaia_source", "in_qso_candidates")
    g_cut = float(np.nanmedian(g))
    bary = column(data["ea"], "epoch_astrometry", "obs_time_bary_corr")   # per transit row, null (NaN) never kept
    bary_cut = float(np.nanmedian(bary))
    with h5py.File(data["ea"]) as f:
        sid = f["epoch_astrometry"]["source_id"][()]      # int64 arithmetic, exact beyond 2^53
    return {
        "xp-search": dict(args=["--template-source-id", template, "--k", 5], input=data["xp"], table=xp_t,
                          where=f"bp_coefficients[0] >= {xp_cut!r}", keep=coef0 >= xp_cut),
        "periodogram": dict(args=["--bands", "g,rp", "--fmax", 4, "--min-obs", 10], input=data["epoch"],
                            table="epoch_photometry", where=f"n_transits > {nt_cut} or count(g_transit_flux) < {flux_cut}",
                            keep=(nt > nt_cut) | (n_flux < flux_cut)),
        "gw-vsh": dict(args=["--lmax", 2, "--filter", "astrometric_params_solved == 31"], input=data["gs"],
                       table="gaia_source", where="parallax < 0.5 or parallax > 2", keep=(plx < 0.5) | (plx > 2)),
        "gw-correlation": dict(args=["--bins", 6, "--block-sources", 128], input=data["gs"], table="gaia_source",
                               # A boolean column (null: -1, not true): SQL's three-valued `or`, then null → dropped.
                               where=f"phot_g_mean_mag < {g_cut!r} or in_qso_candidates",
                               keep=(g < g_cut) | (qso == 1)),
        # Rows are transits: a transit the expression drops is as if absent, a source with none left too.
        "gw-planewave": dict(args=["--positions", data["ea_pos"], "--f-min", 20, "--f-max", 40, "--df", 5, "--nside", 2,
                                   "--min-transits", 8],
                             input=data["ea"], table="epoch_astrometry", where=f"obs_time_bary_corr > {bary_cut!r} and source_id % 3 != 0",
                             keep=(bary > bary_cut) & (sid % 3 != 0)),
    }


JOBS = ["xp-search", "periodogram", "gw-vsh", "gw-correlation", "gw-planewave"]


# Rows of a name/value summary table that describe the input table, not the selected rows.
INPUT_COUNTS = {b"rows_read", b"dropped_where"}


def results(prefix) -> dict:
    """The datasets of PREFIX.h5 (the results; attributes describe the run and its input). In a
    name/value summary (gw-vsh), the input's row counts are left out: `input_counts` checks them."""
    out = {k: v for k, v in h5_contents(f"{prefix}.h5").items() if "@" not in k}
    for group in {k.rsplit("/", 1)[0] for k in out if k.endswith("/name")}:
        names = out[f"{group}/name"]
        keep = ~np.isin(names, list(INPUT_COUNTS))
        for k in [k for k in out if k.startswith(group + "/") and np.shape(out[k])[:1] == names.shape]:
            out[k] = out[k][keep]
    return out


def input_counts(prefix) -> dict:
    """rows_read, dropped_where of a name/value summary table, if it has them."""
    with h5py.File(f"{prefix}.h5") as f:
        for g in f.values():
            if isinstance(g, h5py.Group) and "name" in g and "value" in g:
                return {n.decode(): v for n, v in zip(g["name"][()], g["value"][()]) if n in INPUT_COUNTS}
    return {}


@pytest.mark.parametrize("job", JOBS)
def test_where_equals_a_prefiltered_table(data, job):
    c = cases(data)[job]
    keep = np.asarray(c["keep"])
    assert 0 < keep.sum() < len(keep), f"{job}: the test expression should keep some rows, not all"
    pre = data["dir"] / f"{job}_pre.h5"
    filtered_copy(c["input"], pre, c["table"], keep)
    ref = data["dir"] / f"{job}_ref"
    r = run_gaiamine([job, pre, *c["args"], "--out", ref], np=1)
    assert r.returncode == 0, r.describe()
    expected = results(ref)
    for np_ in (1, 2, 3):
        out = data["dir"] / f"{job}_where{np_}"
        r = run_gaiamine([job, c["input"], *c["args"], "--where", c["where"], "--out", out], np=np_)
        assert r.returncode == 0, r.describe()
        line = f"where '{c['where']}': {keep.sum():,} of {len(keep):,} rows kept".replace(",", " ")
        assert line in r.stdout, f"{job}: log line {line!r} missing\n" + r.describe()
        assert yaml.safe_load(open(f"{out}.yaml"))[job.replace("-", "_")]["where"] == c["where"]
        counts = input_counts(out)
        if counts:
            assert counts == {"rows_read": len(keep), "dropped_where": len(keep) - keep.sum()}, counts
        got = results(out)
        assert got.keys() == expected.keys(), job
        for k in expected:
            assert same(got[k], expected[k]), f"{job} -np {np_}: {k} differs from the run on the pre-filtered table"


@pytest.mark.parametrize("job,where,needle,caret", [
    ("gw-vsh", "parallx > 1", "parallx", 0),
    ("gw-vsh", "parallax > ", None, None),
    ("gw-vsh", "designation > 1", "string column", 0),
    ("periodogram", "n_transits > 1 and (", None, None),
    ("xp-search", "bp_chi_squared < 1 or rp_chi2 > 3", "rp_chi2", 22),
    ("gw-vsh", "pmra", "condition", None),
])
def test_bad_where_is_reported_once_with_a_caret(data, tmp_path, job, where, needle, caret):
    c = cases(data)[job]
    r = run_gaiamine([job, c["input"], *c["args"], "--where", where, "--out", tmp_path / "x"], np=3)
    assert r.returncode == 1, r.describe()
    # Every stderr line starts with "gaiamine: error: "; the caret line is that and spaces and "^".
    body = [l.split("error:", 1)[1] if "error:" in l else l for l in r.stderr.splitlines()]
    carets = [i for i, l in enumerate(body) if l.strip() == "^"]
    assert len(carets) == 1, "the error should be printed once (rank 0), with one caret\n" + r.describe()
    echo = body[carets[0] - 1]
    assert where.strip() in echo, r.describe()
    if caret is not None:
        assert body[carets[0]].index("^") - echo.index(where) == caret, r.describe()
    if needle:
        assert needle in r.stderr, r.describe()
    assert not list(tmp_path.iterdir()), "a failed run must leave no output"


def test_empty_where_is_an_option_error(data, tmp_path):
    c = cases(data)["gw-vsh"]
    r = run_gaiamine(["gw-vsh", c["input"], *c["args"], "--where", " ", "--out", tmp_path / "x"], np=2)
    assert r.returncode == 1, r.describe()
    assert len(re.findall(r"--where: is empty", r.stderr)) == 1, r.describe()
    assert not list(tmp_path.iterdir())


def test_where_from_a_case_file(data, tmp_path):
    """The key is `<section>.where`; a case file and the flag are one parameter path."""
    c = cases(data)["gw-vsh"]
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump({"job": "gw-vsh", "input": str(c["input"]), "output": str(tmp_path / "a"),
                                    "gw_vsh": {"lmax": 2, "where": c["where"]}}))
    r = run_gaiamine(["run", case], np=2)
    assert r.returncode == 0, r.describe()
    b = tmp_path / "b"
    r = run_gaiamine(["gw-vsh", c["input"], "--lmax", 2, "--where", c["where"], "--out", b], np=2)
    assert r.returncode == 0, r.describe()
    ra, rb = results(tmp_path / "a"), results(b)
    assert ra.keys() == rb.keys() and all(same(ra[k], rb[k]) for k in ra)


def test_where_with_the_pruned_xp_scan(data, tmp_path):
    """With a pruning index (xp-index), rows --where drops are never candidates: the pruned scan
    gives the full scan's matches, and those of the pruned scan of a pre-filtered table."""
    import shutil
    c = cases(data)["xp-search"]
    indexed = tmp_path / "xp_indexed.h5"
    shutil.copy(c["input"], indexed)
    r = run_gaiamine(["xp-index", indexed], np=2)
    assert r.returncode == 0, r.describe()
    pre = tmp_path / "pre.h5"
    filtered_copy(indexed, pre, c["table"], c["keep"])
    r = run_gaiamine(["xp-search", pre, *c["args"], "--out", tmp_path / "ref"], np=1)
    assert r.returncode == 0, r.describe()
    expected = results(tmp_path / "ref")
    for np_, prune in ((2, []), (3, ["--no-prune"])):
        out = tmp_path / f"where{np_}"
        r = run_gaiamine(["xp-search", indexed, *c["args"], *prune, "--where", c["where"], "--out", out], np=np_)
        assert r.returncode == 0, r.describe()
        got = results(out)
        assert got.keys() == expected.keys()
        for k in expected:
            assert same(got[k], expected[k]), f"xp-search {prune or 'pruned'} -np {np_}: {k} differs"
