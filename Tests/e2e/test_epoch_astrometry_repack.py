"""Repack of Gaia DR4 epoch astrometry (one row per field-of-view transit; Docs/data-format.md,
"The epoch_astrometry table"): N × n_ccd datasets, rows in (source_id, transit time) order, the
per-source index; checked against astropy's reading of ESA's DataLink fixture, for -np 1/2/3.

The fixture is ESA's space-delimited DataLink ECSV. The tests also write it as a DR3-style bulk
eCSV (comma-delimited, arrays quoted "[..]" with `null` for a missing element — what `gaiamine
synth epoch_astrometry` writes), textually, so that values are the fixture's own digits; the
multi-source inputs are copies of the fixture's rows under other source_ids, shuffled and split
across files.
"""
from __future__ import annotations

import random
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import astropy_table, fixture_path, repack, run_gaiamine

FIXTURE = "dr4_epoch_astrometry/EPOCH_ASTROMETRY-Gaia DR4_INT2 1.ecsv"
N_CCD = 10
PROVENANCE = {"created", "command_line", "mpi_ranks", "host", "input_files", "input_bytes"}


# ---------------------------------------------------------------------------------------------
# the fixture as text, and bulk-style copies of it


def fixture_text():
    """(header lines, column names, rows as lists of field texts) of the DataLink ECSV."""
    lines = fixture_path(FIXTURE).read_text().splitlines()
    header = [l for l in lines if l.startswith("#")]
    body = [l for l in lines if l and not l.startswith("#")]
    names = body[0].split(" ")
    rows = [l.split(" ") for l in body[1:]]
    assert all(len(r) == len(names) for r in rows)
    return header, names, rows


def bulk_header(header):
    """The DataLink header as a DR3 bulk header: comma delimiter, `meta:` mappings."""
    out = []
    for l in header:
        if l.strip() == "#   meta: !!omap":
            out.append("#   meta:")
        elif l.startswith("#   - {") and l.endswith("}"):
            k, v = l[len("#   - {"):-1].split(": ", 1)
            out.append(f"#     {k}: {v}")
        else:
            out.append(l)
        if l == "# ---":
            out.append("# delimiter: ','")
    return out


def bulk_field(f: str) -> str:
    if f.startswith("["):
        return '"' + f.replace("NaN", "null") + '"'
    return f


def write_bulk(path: Path, header, names, rows):
    text = "\n".join(bulk_header(header) + [",".join(names)]
                     + [",".join(bulk_field(f) for f in r) for r in rows]) + "\n"
    path.write_text(text)
    return path


def transit_time(tcb_row) -> int:
    """First non-null element of obs_time_tcb; a transit without any sorts last."""
    for v in tcb_row:
        if v is not None and not np.ma.is_masked(v):
            return int(v)
    return 2**63 - 1


# ---------------------------------------------------------------------------------------------
# expectations from astropy


@pytest.fixture(scope="module")
def reference():
    """astropy's reading of the fixture: per column, a list of per-row values (arrays as float
    or int numpy arrays with nulls as NaN / fill values, as GaiaMine stores them)."""
    t = astropy_table(fixture_path(FIXTURE))
    cols = {}
    for name in t.colnames:
        c = t[name]
        vals = []
        for i in range(len(t)):
            v = c[i]
            if isinstance(v, np.ndarray):
                data = np.ma.getdata(v)
                mask = np.ma.getmaskarray(v)
                assert len(data) == N_CCD, f"{name} row {i}: {len(data)} elements"
                vals.append((np.asarray(data), np.asarray(mask)))
            else:
                vals.append((v, np.ma.is_masked(v)))
        cols[name] = vals
    times = [transit_time([None if m else x for x, m in zip(*cols["obs_time_tcb"][i])]) for i in range(len(t))]
    return t, cols, times


def expected_stored(value, mask, dtype):
    """A value as GaiaMine stores it: NaN for a null float, the type's minimum for a null
    integer, int8 0/1 and −1 for a null boolean."""
    value, mask = np.asarray(value), np.asarray(mask)
    if value.dtype == bool:
        return np.where(mask, -1, value.astype(np.int8))
    if dtype.kind == "f":
        return np.where(mask, np.nan, value.astype(dtype))
    return np.where(mask, np.iinfo(dtype).min, value.astype(dtype))


def text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def check_against_reference(path, reference, row_of):
    """Every column of the repacked file equals astropy's reading, row k of the file being
    fixture row row_of[k]."""
    t, cols, _ = reference
    with h5py.File(path, "r") as f:
        g = f["epoch_astrometry"]
        assert text(g.attrs["rows_are"]) == "transits"
        assert int(g.attrs["n_ccd"]) == N_CCD
        assert int(g.attrs["n_rows"]) == len(row_of)
        for name in t.colnames:
            d = g[name]
            got = d[()]
            is_array = isinstance(cols[name][0][0], np.ndarray)
            assert got.shape == ((len(row_of), N_CCD) if is_array else (len(row_of),)), f"{name}: shape {got.shape}"
            for k, i in enumerate(row_of):
                value, mask = cols[name][i]
                if name == "source_id":
                    continue  # checked by the caller (copies carry other ids)
                want = expected_stored(np.asarray(value), mask, got.dtype)
                np.testing.assert_array_equal(got[k], want, err_msg=f"{name}, file row {k} = fixture row {i}")
            # units and descriptions as ESA's header declares them
            col = t[name]
            assert text(d.attrs["units"]) == (str(col.unit) if col.unit is not None else ""), name
            assert text(d.attrs["description"]) == (col.description or ""), name


def attr_bytes(v):
    a = np.asarray(v)
    return repr(a.tolist()) if a.dtype == object else a.tobytes()


def datasets_and_attrs(path):
    """Every dataset (bytes) and attribute of a file, provenance of the run left out."""
    out = {}
    with h5py.File(path, "r") as f:
        for k, v in f.attrs.items():
            if k not in PROVENANCE:
                out["/@" + k] = attr_bytes(v)

        def visit(name, obj):
            for k, v in obj.attrs.items():
                out[f"{name}@{k}"] = attr_bytes(v)
            if isinstance(obj, h5py.Dataset):
                out[name] = (obj.dtype.str, obj.shape, obj[()].tobytes())
        f.visititems(visit)
    return out


def index_of(path):
    with h5py.File(path, "r") as f:
        ix = f["epoch_astrometry/source_index"]
        return (ix["source_id"][()], ix["first_row"][()], ix["n_rows"][()], int(ix.attrs["n_sources"]),
                f["epoch_astrometry/source_id"][()])


# ---------------------------------------------------------------------------------------------
# tests


def test_fixture_rows_sorted_by_time_and_equal_to_astropy(tmp_path, reference):
    header, names, rows = fixture_text()
    src = write_bulk(tmp_path / "EpochAstrometry_fixture.csv", header, names, rows)
    _, _, times = reference
    order = sorted(range(len(rows)), key=lambda i: (times[i], i))
    assert order != list(range(len(rows))), "the fixture is expected NOT to be in time order"
    outs = []
    for np_ in (1, 2, 3):
        out = tmp_path / f"ea{np_}.h5"
        r = repack([src], out, np=np_)
        assert f"rows sorted by (source_id, transit time) in: {src}" in r.stdout, r.describe()
        assert "transits 79 of 1 source(s), 10 CCDs each" in r.stdout, r.describe()
        outs.append(out)
    check_against_reference(outs[0], reference, order)
    ids, first, n, n_sources, sid = index_of(outs[0])
    assert list(ids) == [1] and list(first) == [0] and list(n) == [79] and n_sources == 1
    assert (sid == 1).all()
    base = datasets_and_attrs(outs[0])
    for o in outs[1:]:
        assert datasets_and_attrs(o) == base, f"{o} differs from -np 1"
    ins = run_gaiamine(["inspect", outs[0]])
    assert ins.returncode == 0, ins.describe()
    assert "79 rows (field-of-view transits) of 1 source(s), n_ccd = 10 CCDs per transit" in ins.stdout, ins.stdout
    assert "group source_index: " in ins.stdout and "n_rows (1)" in ins.stdout, ins.stdout


@pytest.mark.parametrize("kind", ["ecsv", "fits"])
def test_datalink_product_directly(tmp_path, reference, kind):
    """ESA's files themselves (space-delimited DataLink ECSV, FITS with variable-length arrays):
    the same values as astropy's reading, whatever the number of ranks."""
    src = fixture_path(FIXTURE.replace(".ecsv", "." + kind))
    _, _, times = reference
    outs = []
    for np_ in (1, 3):
        out = tmp_path / f"dl{np_}.h5"
        repack([src], out, np=np_)
        outs.append(out)
    check_against_reference(outs[0], reference, sorted(range(79), key=lambda i: (times[i], i)))
    assert datasets_and_attrs(outs[1]) == datasets_and_attrs(outs[0])
    assert list(index_of(outs[0])[2]) == [79]


def test_many_sources_shuffled_across_files(tmp_path, reference):
    """Copies of the fixture's transits under other source_ids, some thinned, rows shuffled,
    files covering disjoint source_id ranges named in any order: the index is right, each source
    is contiguous and in time order, values equal astropy's, identical for -np 1/2/3."""
    header, names, rows = fixture_text()
    _, _, times = reference
    rng = random.Random(13)
    keep = {  # source_id → fixture rows it gets
        7: list(range(79)),
        3: rng.sample(range(79), 40),
        42: rng.sample(range(79), 1),
        11: [i for i in range(79) if i % 3],
        1000000000000000000: list(range(79)),
    }
    files = {"EpochAstrometry_c.csv": [42, 1000000000000000000], "EpochAstrometry_a.csv": [11, 7],
             "EpochAstrometry_b.csv": [3]}
    paths = []
    line_of = {}  # (source_id, fixture row) → its line in its file: ties in time keep file order
    for fname, ids in files.items():
        lines = [(sid, i) for sid in ids for i in keep[sid]]
        rng.shuffle(lines)
        line_of.update({x: k for k, x in enumerate(lines)})
        out_rows = [[str(sid)] + rows[i][1:] for sid, i in lines]
        paths.append(write_bulk(tmp_path / fname, header, names, out_rows))
    outs = []
    for np_ in (1, 2, 3):
        out = tmp_path / f"many{np_}.h5"
        repack(paths, out, np=np_)
        outs.append(out)
    base = datasets_and_attrs(outs[0])
    for o in outs[1:]:
        assert datasets_and_attrs(o) == base, f"{o} differs from -np 1"

    ids, first, n, n_sources, sid = index_of(outs[0])
    want_ids = sorted(keep)
    assert list(ids) == want_ids and n_sources == len(want_ids)
    assert list(n) == [len(keep[s]) for s in want_ids]
    assert list(first) == list(np.concatenate([[0], np.cumsum(n)[:-1]]))
    row_of = []
    for s, f0, c in zip(ids, first, n):
        assert (sid[f0:f0 + c] == s).all(), f"source {s} not contiguous"
        row_of += sorted(keep[int(s)], key=lambda i: (times[i], line_of[(int(s), i)]))
    check_against_reference(outs[0], reference, row_of)


def test_source_in_two_files_is_an_error(tmp_path):
    header, names, rows = fixture_text()
    a = write_bulk(tmp_path / "EpochAstrometry_a.csv", header, names, rows[:40])
    b = write_bulk(tmp_path / "EpochAstrometry_b.csv", header, names, rows[40:])
    out = tmp_path / "x.h5"
    for np_ in (1, 2):
        r = run_gaiamine(["repack", a, b, "--out", out], np=np_)
        assert r.returncode != 0, r.describe()
        err = r.stderr + r.stdout
        assert "source_id 1 has transits in both" in err and str(a) in err and str(b) in err, r.describe()
        assert not out.exists() and not Path(str(out) + ".partial").exists()


def test_array_of_wrong_length_names_line_and_column(tmp_path):
    header, names, rows = fixture_text()
    rows = [list(r) for r in rows]
    bad = 17  # data row index
    k = names.index("ipd_error_al")
    rows[bad][k] = "[" + ",".join(rows[bad][k][1:-1].split(",")[:9]) + "]"
    src = write_bulk(tmp_path / "EpochAstrometry_bad.csv", header, names, rows)
    line = len(bulk_header(header)) + 1 + bad + 1
    out = tmp_path / "x.h5"
    for np_ in (1, 2):
        r = run_gaiamine(["repack", src, "--out", out], np=np_)
        assert r.returncode != 0, r.describe()
        err = r.stderr + r.stdout
        assert f"{src}:{line}: column 'ipd_error_al'" in err, r.describe()
        assert "array has 9 elements" in err and "n_ccd = 10" in err, r.describe()
        assert not out.exists()


def test_missing_source_id_is_a_clear_error(tmp_path):
    header, names, rows = fixture_text()
    # Drop source_id from the header declarations, the names and every row.
    h, skip = [], False
    for l in header:
        if l.startswith("# - name: "):
            skip = l == "# - name: source_id"
        if not skip:
            h.append(l)
    src = write_bulk(tmp_path / "EpochAstrometry_noid.csv", h, names[1:], [r[1:] for r in rows])
    out = tmp_path / "x.h5"
    r = run_gaiamine(["repack", src, "--out", out])
    assert r.returncode != 0, r.describe()
    err = r.stderr + r.stdout
    assert str(src) in err and "no source_id column" in err, r.describe()
    assert not out.exists()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def test_camelcase_export_with_per_ccd_colour_factor(tmp_path, reference):
    """An internal export: camelCase names (sourceId, obsTimeTcb, …) read as they are, and
    colour_factor_al as a 10-element array: the header drives the layout."""
    header, names, rows = fixture_text()
    h = []
    for l in header:
        if l.startswith("# - name: "):
            l = "# - name: " + camel(l[len("# - name: "):])
        h.append(l)
    # colour factor: scalar float32 → a float32[null] array of the same value on every CCD
    k = h.index("# - name: colourFactorAl")
    assert h[k + 1] == "#   datatype: float32"
    h[k + 1] = "#   datatype: string"
    h.insert(k + 2, "#   subtype: float32[null]")
    ci = names.index("colour_factor_al")
    rows = [r[:ci] + ["[" + ",".join([r[ci]] * N_CCD) + "]"] + r[ci + 1:] for r in rows]
    src = write_bulk(tmp_path / "EpochAstrometry_camel.csv", h, [camel(n) for n in names], rows)
    out = tmp_path / "camel.h5"
    r = repack([src], out, np=2)
    assert "transits 79 of 1 source(s), 10 CCDs each" in r.stdout, r.describe()
    t, cols, times = reference
    order = sorted(range(79), key=lambda i: (times[i], i))
    with h5py.File(out, "r") as f:
        g = f["epoch_astrometry"]
        assert text(g.attrs["rows_are"]) == "transits"
        assert list(g["source_index/n_rows"][()]) == [79]
        cf = g["colourFactorAl"][()]
        assert cf.shape == (79, N_CCD) and cf.dtype == np.float32
        want = np.array([cols["colour_factor_al"][i][0] for i in order], dtype=np.float32)
        np.testing.assert_array_equal(cf, np.repeat(want[:, None], N_CCD, axis=1))
        tcb = g["obsTimeTcb"][()]
        for k, i in enumerate(order):
            np.testing.assert_array_equal(tcb[k], expected_stored(*cols["obs_time_tcb"][i], tcb.dtype))
