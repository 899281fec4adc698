"""Synthetic DR3-format data sets repacked on 1, 2 and 3 MPI ranks (and with the files named in
a shuffled order) must give bit-identical datasets and attributes, rows in ascending source_id,
every input row exactly once — and the values astropy reads from the same files."""
from __future__ import annotations

import random

import numpy as np
import pytest

from conftest import (STORAGE_DTYPE, ROOT_PROVENANCE_ATTRS, H5Table, TextTable, astropy_table,
                      check_column, check_header_attrs, count_data_lines, declared_type,
                      expected_rows_from_astropy, expected_rows_from_text, repack)

TABLES = {"xp": "xp_continuous_mean_spectrum", "epoch": "epoch_photometry", "gaia_source": "gaia_source"}
NPS = (1, 2, 3)
XP_FIXED = {f"{b}_{c}": n for b in ("bp", "rp")
            for c, n in (("coefficients", 55), ("coefficient_errors", 55), ("coefficient_correlations", 1485))}


@pytest.fixture(scope="module")
def outputs(synth_set, tmp_path_factory):
    """outputs(key, variant) → H5Table; variant is an np (files in name order) or 'shuffled'
    (np 2, files named in a shuffled order)."""
    cache = {}

    def get(key, variant):
        if (key, variant) not in cache:
            files = list(synth_set(key))
            np_ = variant
            if variant == "shuffled":
                np_ = 2
                rnd = random.Random(7)
                while files == sorted(files):
                    rnd.shuffle(files)
            out = tmp_path_factory.mktemp(f"mpi_{key}_{variant}") / "out.h5"
            repack(files, out, np=np_)
            cache[(key, variant)] = H5Table(out, TABLES[key])
        return cache[(key, variant)]
    return get


def assert_identical(a: H5Table, b: H5Table, what: str):
    assert a.table == b.table
    assert sorted(a.data) == sorted(b.data), f"{what}: dataset names differ"
    for k in a.data:
        assert a.dtypes[k] == b.dtypes[k], f"{what}: {k}: dtype {a.dtypes[k]} vs {b.dtypes[k]}"
        assert a.data[k].shape == b.data[k].shape, f"{what}: {k}: shape {a.data[k].shape} vs {b.data[k].shape}"
        if a.data[k].tobytes() != b.data[k].tobytes():
            x, y = a.data[k].ravel(), b.data[k].ravel()
            if x.dtype.kind == "f":
                bad = np.flatnonzero(~((x == y) | (np.isnan(x) & np.isnan(y))))
            else:
                bad = np.flatnonzero(x != y)
            first = f"first at {bad[0]}: {x[bad[0]]!r} vs {y[bad[0]]!r}" if len(bad) else "NaN bit patterns differ"
            pytest.fail(f"{what}: dataset {k} differs in {len(bad)} element(s); {first}")
        assert a.dattrs[k] == b.dattrs[k], f"{what}: attributes of {k} differ: {a.dattrs[k]} vs {b.dattrs[k]}"
    assert a.attrs == b.attrs, f"{what}: group attributes differ"
    ra = {k: v for k, v in a.root_attrs.items() if k not in ROOT_PROVENANCE_ATTRS}
    rb = {k: v for k, v in b.root_attrs.items() if k not in ROOT_PROVENANCE_ATTRS}
    assert ra == rb, f"{what}: root attributes differ: " + \
        str({k: (ra.get(k), rb.get(k)) for k in set(ra) | set(rb) if ra.get(k) != rb.get(k)})


@pytest.mark.parametrize("key", list(TABLES))
def test_identical_across_rank_counts(outputs, key):
    ref = outputs(key, 1)
    for np_ in NPS[1:]:
        assert_identical(ref, outputs(key, np_), f"{key}: np 1 vs np {np_}")
    for np_ in NPS:
        assert outputs(key, np_).root_attrs.get("mpi_ranks") == np_


@pytest.mark.parametrize("key", list(TABLES))
def test_file_order_does_not_matter(outputs, key):
    assert_identical(outputs(key, 2), outputs(key, "shuffled"), f"{key}: name order vs shuffled")


@pytest.mark.parametrize("key", list(TABLES))
def test_rows_complete_and_sorted(outputs, synth_set, key):
    files = synth_set(key)
    tab = outputs(key, 2)
    lines = {f.name: count_data_lines(f) for f in files}
    total = sum(lines.values())
    assert total > 0
    assert tab.n_rows == total, f"n_rows {tab.n_rows}, the files hold {total} data lines"
    assert tab.attrs["gaia_table"] == TABLES[key]
    ids = tab.data["source_id"]
    assert ids.shape == (total,)
    assert np.all(np.diff(ids) > 0), "source_id not strictly ascending"
    # every source_id of every file, exactly once
    want = []
    for f in files:
        tt = TextTable(f)
        want += [int(x) for x in tt.cells("source_id")]
    assert sorted(want) == ids.tolist()
    for name in tab.columns:
        d = tab.data[name]
        if tab.kind(name) == "ragged":
            off = tab.offsets(name)
            assert off.shape == (total + 1,) and off[0] == 0 and off[-1] == len(d)
            assert np.all(np.diff(off) >= 0)
        else:
            assert d.shape[0] == tab.n_rows, f"{name}: {d.shape[0]} rows"
    # provenance: the inputs, in row order, with their row counts
    ra = tab.root_attrs
    files_attr = ra["input_files"]
    files_attr = [files_attr] if isinstance(files_attr, str) else files_attr
    rows_attr = ra["input_rows"]
    rows_attr = [rows_attr] if isinstance(rows_attr, int) else rows_attr
    names = [p.split("/")[-1] for p in files_attr]
    assert sorted(names) == sorted(lines)
    assert [lines[n] for n in names] == rows_attr
    assert ra.get("software") == "GaiaMine"
    if key == "xp":
        for name, n in XP_FIXED.items():
            assert tab.kind(name) == "fixed" and tab.data[name].shape == (total, n), name
    if key == "epoch":
        nt = tab.data["n_transits"].astype(np.int64)
        for name in tab.columns:
            if tab.kind(name) == "ragged":
                assert np.array_equal(np.diff(tab.offsets(name)), nt), f"{name}: row lengths ≠ n_transits"


@pytest.mark.parametrize("key", list(TABLES))
def test_values_match_astropy(outputs, synth_set, key):
    """Every column of the smallest synthetic file, as astropy reads it (boolean arrays: as the
    text says), found in the combined output by source_id."""
    files = synth_set(key)
    tab = outputs(key, 3)
    nonempty = [f for f in files if count_data_lines(f) > 0]
    src = min(nonempty, key=lambda f: f.stat().st_size)
    at = astropy_table(src)
    tt = TextTable(src)
    assert list(at.colnames) == tt.names == tab.columns
    ids = np.asarray(at["source_id"], dtype=np.int64)
    rows = np.searchsorted(tab.data["source_id"], ids)
    assert np.array_equal(tab.data["source_id"][rows], ids), "source_ids of the file missing from the output"
    for name in at.colnames:
        element, is_array = declared_type(tt.decl(name))
        if element == "string":
            assert tab.dtypes[name].kind == "S", name
        else:
            assert tab.dtypes[name] == STORAGE_DTYPE[element], f"{name}: {tab.dtypes[name]} vs declared {element}"
        if element == "bool":
            # astropy reads CDN boolean arrays as all True, and may not parse `null` bools
            exp = expected_rows_from_text(tt, name, is_array, "bool")
        else:
            exp = expected_rows_from_astropy(at[name])
        check_column(tab, name, exp, fixed_len=XP_FIXED.get(name) if key == "xp" else None,
                     rows=rows, label=f"[{src.name}] ")
    check_header_attrs(tab, tt)


@pytest.mark.parametrize("key", list(TABLES))
def test_values_match_text_all_files(outputs, synth_set, key):
    """Every value of every file against an independent text parse (csv + json)."""
    tab = outputs(key, 2)
    for f in synth_set(key):
        tt = TextTable(f)
        if not tt.rows:
            continue
        ids = np.asarray([int(x) for x in tt.cells("source_id")], dtype=np.int64)
        rows = np.searchsorted(tab.data["source_id"], ids)
        for name in tt.names:
            element, is_array = declared_type(tt.decl(name))
            exp = expected_rows_from_text(tt, name, is_array, element)
            if not is_array and element.startswith("float"):
                exp = [None if (x is not None and x != x) else x for x in exp]
            check_column(tab, name, exp, fixed_len=XP_FIXED.get(name) if key == "xp" else None,
                         rows=rows, label=f"[text {f.name}] ")


@pytest.mark.parametrize("key,np_,batch", [("epoch", 3, 7), ("xp", 2, 13), ("gaia_source", 3, 100)])
def test_batch_rows_does_not_change_output(outputs, synth_set, tmp_path, key, np_, batch):
    out = tmp_path / "b.h5"
    repack(synth_set(key), out, np=np_, extra=["--batch-rows", batch])
    assert_identical(outputs(key, 1), H5Table(out, TABLES[key]), f"{key}: --batch-rows {batch} np {np_}")


def test_spool_spill_does_not_change_output(outputs, synth_set, tmp_path):
    """Parsed data larger than --spool-memory goes to scratch files: same output, no scratch left."""
    outdir = tmp_path / "o"
    outdir.mkdir()
    out = outdir / "s.h5"
    repack(synth_set("xp"), out, np=2, extra=["--spool-memory", "1", "--batch-rows", "50"])
    assert_identical(outputs("xp", 1), H5Table(out, TABLES["xp"]), "xp: --spool-memory 1")
    assert sorted(p.name for p in outdir.iterdir()) == ["s.h5"], "scratch files left behind"


def test_header_only_file_adds_no_rows(outputs, synth_set, tmp_path):
    """A file with a header and no data rows (an empty HEALPix range) is valid and adds nothing."""
    import gzip
    files = list(synth_set("epoch"))
    text = gzip.open(files[0], "rt", encoding="utf-8").read().split("\n")
    tt = TextTable(files[0])
    header_only = "\n".join(text[:tt.names_line]) + "\n"
    empty = tmp_path / "EpochPhotometry_786431-786431.csv.gz"
    with gzip.open(empty, "wt", encoding="utf-8") as f:
        f.write(header_only)
    out = tmp_path / "e.h5"
    repack([empty, *files], out, np=3)
    got = H5Table(out, TABLES["epoch"])
    ref = outputs("epoch", 1)
    for k in ref.data:
        assert got.data[k].tobytes() == ref.data[k].tobytes(), k
    assert got.attrs == ref.attrs
    assert empty.name in [p.split("/")[-1] for p in got.root_attrs["input_files"]]


def _rewrite_rows(src, dst, transform):
    """Copies a gzip eCSV file with its data lines transformed (list → list)."""
    import gzip
    lines = gzip.open(src, "rt", encoding="utf-8").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tt = TextTable(src)
    head = lines[:tt.names_line]
    data = [l for l in lines[tt.names_line:] if l != ""]
    with gzip.open(dst, "wt", encoding="utf-8") as f:
        f.write("\n".join(head + transform(data)) + "\n")


@pytest.mark.parametrize("key", ["epoch", "xp"])
def test_rows_unsorted_within_files(outputs, synth_set, tmp_path, key):
    """Files whose rows are not in source_id order are sorted (ragged arrays move with their
    rows): the output equals that of the sorted files."""
    files = []
    for i, f in enumerate(synth_set(key)):
        dst = tmp_path / f.name
        rnd = random.Random(100 + i)

        def shuffle(data, rnd=rnd):
            data = list(data)
            rnd.shuffle(data)
            return data
        _rewrite_rows(f, dst, shuffle)
        files.append(dst)
    out = tmp_path / "u.h5"
    repack(files, out, np=2)
    got, ref = H5Table(out, TABLES[key]), outputs(key, 1)
    for k in ref.data:
        assert got.data[k].tobytes() == ref.data[k].tobytes(), f"{key}: {k} differs after in-file shuffle"
    assert got.attrs == ref.attrs


def test_duplicate_source_id_kept(outputs, synth_set, tmp_path):
    """A row repeated inside a file is kept (reported, not dropped): n_rows + 1, both copies equal."""
    files = list(synth_set("epoch"))
    src = files[1]
    dst = tmp_path / src.name
    _rewrite_rows(src, dst, lambda data: data[:3] + [data[2]] + data[3:])
    ins = [dst if f == src else f for f in files]
    out = tmp_path / "d.h5"
    r = repack(ins, out, np=2)
    got, ref = H5Table(out, TABLES["epoch"]), outputs("epoch", 1)
    assert got.n_rows == ref.n_rows + 1
    ids = got.data["source_id"]
    assert np.all(np.diff(ids) >= 0)
    dup = np.flatnonzero(np.diff(ids) == 0)
    assert len(dup) == 1
    i = int(dup[0])
    for name in got.columns:
        if got.kind(name) == "ragged" or got.data[name].ndim == 1:
            assert np.array_equal(np.asarray(got.row(name, i)), np.asarray(got.row(name, i + 1)), equal_nan=got.data[name].dtype.kind == "f"), name
    assert "duplicate" in r.stdout.lower() or "duplicate" in r.stderr.lower(), "the duplicate is not reported\n" + r.describe()
