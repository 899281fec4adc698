"""Repack each real DR3 sample (shared/fixtures, see its README) on its own and compare every
column and every value with astropy's reading of the same file — and, where astropy is known to
be wrong (CDN boolean arrays: all True) or cannot read the file (GaiaXPy plain CSV), with an
independent parse of the text (csv + json). Then the per-file facts the README lists."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import (STORAGE_DTYPE, H5Table, TextTable, astropy_table, check_column,
                      check_header_attrs, declared_type, expected_rows_from_astropy,
                      expected_rows_from_text, fixture_path, parse_array_text, repack,
                      run_gaiamine, same_values, sort_permutation)

XP = "xp_continuous_mean_spectrum"
EPOCH = "epoch_photometry"
GS = "gaia_source"

# (fixture, Gaia table, --table needed). The gaia_source cone export has no TABLE meta and 153
# columns: every gaia_source column GaiaMine knows plus others (`dist`), recognised without --table.
ECSV_FIXTURES = [
    ("xp_continuous/XP_CONTINUOUS_RAW.ecsv", XP, False),
    ("xp_continuous/XP_CONTINUOUS_RAW_with_missing_BP.ecsv", XP, False),
    ("xp_continuous/XpContinuousMeanSpectrum_000000-003111.csv.gz", XP, False),
    ("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz", EPOCH, False),
    ("gaia_source/gaia_source_archive_cone_5rows.ecsv", GS, False),
]
IDS = [f[0].split("/")[-1] for f in ECSV_FIXTURES]

XP_FIXED = {f"{b}_{c}": n for b in ("bp", "rp")
            for c, n in (("coefficients", 55), ("coefficient_errors", 55), ("coefficient_correlations", 1485))}

NP = 2  # one file on two ranks: rank 1 has no input at all


@pytest.fixture(scope="module")
def repacked(tmp_path_factory):
    """fixture path → (our table, astropy table (file order), text parse). Repacked lazily once."""
    cache = {}

    def get(rel):
        if rel not in cache:
            spec = next(f for f in ECSV_FIXTURES if f[0] == rel)
            src = fixture_path(rel)
            out = tmp_path_factory.mktemp("fix") / "out.h5"
            extra = ["--table", spec[1]] if spec[2] else []
            r = repack([src], out, np=NP, extra=extra)
            cache[rel] = (H5Table(out, spec[1]), astropy_table(src), TextTable(src), r)
        return cache[rel]
    return get


@pytest.mark.parametrize("rel,table,_", ECSV_FIXTURES, ids=IDS)
def test_every_value_matches_astropy(repacked, rel, table, _):
    tab, at, tt, _r = repacked(rel)
    assert tab.table == table
    assert tab.columns == list(at.colnames), "columns attribute ≠ the file's column order"
    n = len(at)
    assert tab.n_rows == n
    perm = sort_permutation(at["source_id"])
    at = at[perm]
    checked = 0
    for name in at.colnames:
        decl = tt.decl(name)
        element, is_array = declared_type(decl)
        assert name in tab.data, f"dataset {name} missing"
        # type as declared (bool → int8 0/1/−1 with gaia_datatype=bool; strings fixed-length bytes)
        if element == "string":
            assert tab.dtypes[name].kind == "S", f"{name}: dtype {tab.dtypes[name]}, expected fixed-length bytes"
        else:
            assert tab.dtypes[name] == STORAGE_DTYPE[element], \
                f"{name}: dtype {tab.dtypes[name]}, declared {element}"
        if element == "bool":
            assert tab.dattrs[name].get("gaia_datatype") == "bool", f"{name}: no gaia_datatype=bool"
            assert tab.dattrs[name].get("_FillValue") == -1, f"{name}: bool _FillValue ≠ −1"
        elif element.startswith("int"):
            assert tab.dattrs[name].get("_FillValue") == int(np.iinfo(STORAGE_DTYPE[element]).min), \
                f"{name}: _FillValue {tab.dattrs[name].get('_FillValue')}"
        if is_array and element == "bool":
            # astropy 8 reads "[""False"",…]" as all True: parse the text ourselves
            exp = expected_rows_from_text(tt, name, True, "bool")
            exp = [exp[i] for i in perm]
        else:
            exp = expected_rows_from_astropy(at[name])
        if table == XP and name in XP_FIXED:
            assert tab.kind(name) == "fixed", f"{name}: expected a 2-D dataset"
            check_column(tab, name, exp, fixed_len=XP_FIXED[name])
        else:
            if is_array:
                assert tab.kind(name) == "ragged", f"{name}: expected a ragged (offsets) dataset"
            else:
                assert tab.kind(name) == "scalar", f"{name}: expected a 1-D dataset"
            check_column(tab, name, exp)
        checked += 1
    assert checked == len(at.colnames)


@pytest.mark.parametrize("rel,table,_", ECSV_FIXTURES, ids=IDS)
def test_every_value_matches_text(repacked, rel, table, _):
    """Second, astropy-independent reference: csv module + json + float()/int() on the text."""
    tab, _at, tt, _r = repacked(rel)
    perm = sort_permutation([int(x) for x in tt.cells("source_id")])
    for name in tt.names:
        element, is_array = declared_type(tt.decl(name))
        exp = expected_rows_from_text(tt, name, is_array, element)
        exp = [exp[i] for i in perm]
        if not is_array and element.startswith("float"):
            # the archive writes a missing float as `nan`: both are NaN in the output
            exp = [None if (x is not None and x != x) else x for x in exp]
        check_column(tab, name, exp, fixed_len=XP_FIXED.get(name) if table == XP else None,
                     label="[text] ")


@pytest.mark.parametrize("rel,table,_", ECSV_FIXTURES, ids=IDS)
def test_column_attributes_match_header(repacked, rel, table, _):
    tab, _at, tt, _r = repacked(rel)
    check_header_attrs(tab, tt)
    for name in tab.columns:
        if tab.kind(name) == "ragged":
            off = tab.dattrs[name]["offsets"]
            assert off in tab.data and off not in tab.columns


@pytest.mark.parametrize("rel,table,_", ECSV_FIXTURES, ids=IDS)
def test_group_and_root_attributes(repacked, rel, table, _):
    tab, at, tt, r = repacked(rel)
    assert tab.attrs["gaia_table"] == table
    assert tab.attrs["n_rows"] == len(at)
    for name in tab.columns:
        k = tab.kind(name)
        if k != "ragged":
            assert tab.data[name].shape[0] == tab.n_rows, f"{name}: {tab.data[name].shape[0]} rows"
    ra = tab.root_attrs
    assert ra.get("software") == "GaiaMine"
    assert ra.get("software_version")
    assert "repack" in ra.get("command_line", "")
    assert ra.get("created")
    assert ra.get("mpi_ranks") == NP
    files = ra.get("input_files")
    files = [files] if isinstance(files, str) else files
    assert [f.split("/")[-1] for f in files] == [rel.split("/")[-1]]
    rows = ra.get("input_rows")
    rows = [rows] if isinstance(rows, int) else rows
    assert rows == [len(at)]
    # table meta of the header → meta_<KEY>
    for key, value in tt.meta().items():
        if isinstance(value, (str, int, float)):
            assert f"meta_{key}" in tab.attrs, f"table-level meta {key} not stored as meta_{key}"


@pytest.mark.parametrize("rel,table,_", ECSV_FIXTURES, ids=IDS)
def test_rows_ascending_source_id(repacked, rel, table, _):
    tab, _at, _tt, _r = repacked(rel)
    ids = tab.data["source_id"]
    assert np.all(np.diff(ids) > 0), f"source_id not ascending: {ids.tolist()}"


# ---- README facts -------------------------------------------------------------------------


def test_xp_missing_bp_source(repacked):
    tab, _at, _tt, _r = repacked("xp_continuous/XP_CONTINUOUS_RAW_with_missing_BP.ecsv")
    ids = tab.data["source_id"].tolist()
    assert ids == sorted([5853498713190525696, 5762406957886626816, 5405570973190252288])
    i = ids.index(5405570973190252288)
    assert tab.data["solution_id"][i] == 4545469030156206081
    for name, n in (("bp_coefficients", 55), ("bp_coefficient_errors", 55), ("bp_coefficient_correlations", 1485)):
        row = tab.data[name][i]
        assert row.shape == (n,) and np.all(np.isnan(row)), f"{name} of the BP-less source: not {n} NaNs"
        other = [j for j in range(3) if j != i]
        assert not np.any(np.isnan(tab.data[name][other])), f"{name}: NaN in a complete row"
    for name in ("bp_basis_function_id", "bp_degrees_of_freedom", "bp_n_parameters", "bp_n_measurements",
                 "bp_n_rejected_measurements", "bp_n_relevant_bases"):
        assert tab.dtypes[name] == np.int16
        assert tab.data[name][i] == -32768 == tab.dattrs[name]["_FillValue"], name
    for name in ("bp_standard_deviation", "bp_chi_squared", "bp_relative_shrinking"):
        assert np.isnan(tab.data[name][i]), name
    # RP complete
    assert not np.any(np.isnan(tab.data["rp_coefficients"][i]))
    assert tab.data["rp_n_parameters"][i] == 55
    # the other two rows equal XP_CONTINUOUS_RAW.ecsv's
    raw, _, _, _ = repacked("xp_continuous/XP_CONTINUOUS_RAW.ecsv")
    rows = [j for j in range(3) if j != i]
    for name in raw.columns:
        assert same_values(tab.data[name][rows], raw.data[name]), name


def test_xp_declared_integer_widths(repacked):
    cdn, _, _, _ = repacked("xp_continuous/XpContinuousMeanSpectrum_000000-003111.csv.gz")
    arc, _, _, _ = repacked("xp_continuous/XP_CONTINUOUS_RAW.ecsv")
    for b in ("bp", "rp"):
        assert cdn.dtypes[f"{b}_n_parameters"] == np.int8
        assert cdn.dattrs[f"{b}_n_parameters"]["_FillValue"] == -128
        assert arc.dtypes[f"{b}_n_parameters"] == np.int16
    assert cdn.data["source_id"].tolist() == [4295806720]
    assert cdn.data["solution_id"].tolist() == [4545469030156206081]
    for name in cdn.columns:
        if cdn.dtypes[name].kind == "f":
            assert not np.any(np.isnan(cdn.data[name])), f"{name}: NaN but the CDN row has none"
    assert cdn.attrs.get("meta_TABLE") == XP
    assert cdn.attrs.get("meta_RELEASE") == "Gaia DR3"


def test_epoch_photometry_facts(repacked):
    tab, _, tt, _ = repacked("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")
    assert tab.data["source_id"].tolist() == [239556096283136, 1282855192262400, 1768117776854528,
                                              2051555554134656, 4202269017377408]
    nt = tab.data["n_transits"]
    assert nt.tolist() == [25, 21, 23, 26, 25]
    assert np.all(tab.data["solution_id"] == 375316653866487564)
    ragged = [c for c in tab.columns if tab.kind(c) == "ragged"]
    assert len(ragged) == 45
    # one offsets dataset shared by every ragged column, consistent with n_transits
    assert {tab.dattrs[c]["offsets"] for c in ragged} == {"offsets"}
    off = tab.data["offsets"]
    assert off.tolist() == [0, *np.cumsum(nt).tolist()]
    for c in ragged:
        assert len(tab.data[c]) == int(nt.sum()), c
    tid = tab.row("transit_id", 0)
    assert tab.dtypes["transit_id"] == np.int64
    assert tid[1] == tab.dattrs["transit_id"]["_FillValue"] == np.iinfo(np.int64).min
    assert np.count_nonzero(tab.data["transit_id"] == np.iinfo(np.int64).min) == 1
    flux = tab.row("g_transit_flux", 0)
    assert np.isnan(flux[20]) and np.count_nonzero(np.isnan(flux)) == 1
    nan_bp = {0: [6, 10, 14, 15], 1: [9, 11], 2: [15, 22], 3: list(range(13, 21)), 4: []}
    for i, idx in nan_bp.items():
        for c in ("bp_flux", "bp_mag", "bp_obs_time", "rp_flux", "rp_mag", "bp_flux_over_error"):
            assert np.flatnonzero(np.isnan(tab.row(c, i))).tolist() == idx, (c, i)
    for c in ("g_transit_flux", "g_transit_mag"):
        assert np.flatnonzero(np.isnan(tab.row(c, 3))).tolist() == [10, 14], c
    assert tab.row("g_transit_n_obs", 3)[[10, 14]].tolist() == [1, 0]
    # booleans: the text (not astropy) says which are True; at least one True and one False
    flags = tab.data["variability_flag_g_reject"]
    assert set(np.unique(flags).tolist()) <= {0, 1}
    assert tab.dattrs["g_transit_flux"]["units"] == "'electron'.s**-1"
    assert tab.attrs.get("meta_TABLE") == EPOCH


def test_gaia_source_facts(repacked):
    tab, at, tt, _ = repacked("gaia_source/gaia_source_archive_cone_5rows.ecsv")
    assert len(tab.columns) == 153
    int16 = [c["name"] for c in tt.columns_decl if c["datatype"] == "int16"]
    assert len(int16) == 28
    for c in int16:
        assert tab.dtypes[c] == np.int16, c
        assert tab.dattrs[c]["_FillValue"] == -32768, c
        assert np.all(tab.data[c] == -32768), c
    bools = [c["name"] for c in tt.columns_decl if c["datatype"] == "bool"]
    assert len(bools) == 12
    assert tab.data["has_xp_continuous"].tolist().count(1) == 1
    perm = sort_permutation(at["source_id"])
    assert tab.strings("designation") == [f"Gaia DR3 {s}" for s in np.asarray(at["source_id"])[perm]]
    lib = tab.strings("libname_gspphot")
    assert sorted(lib) == ["", "", "", "", "MARCS"]
    assert tab.dattrs["ra"]["units"] == "deg"


@pytest.mark.parametrize("np_", [1, 2])
def test_cone_export_recognised_with_extra_columns(repacked, tmp_path, np_):
    """The archive cone search (`SELECT TOP 50 *, DISTANCE(...) AS dist`): no --table, no TABLE
    meta. Recognised as gaia_source; every column kept — `dist` too — with astropy's values and
    the header's declarations; the extra columns named in the log, the file and `inspect`."""
    rel = "gaia_source/gaia_source_archive_cone_5rows.ecsv"
    src = fixture_path(rel)
    out = tmp_path / f"cone{np_}.h5"
    r = repack([src], out, np=np_)
    tab = H5Table(out, GS)
    at = astropy_table(src)
    tt = TextTable(src)
    assert tab.table == GS and tab.attrs["gaia_table"] == GS
    assert tab.columns == list(at.colnames) and "dist" in tab.columns
    perm = sort_permutation(at["source_id"])
    at = at[perm]
    for name in at.colnames:
        check_column(tab, name, expected_rows_from_astropy(at[name]))
    assert tab.dtypes["dist"] == np.float64
    assert np.all(np.diff(tab.data["dist"]) != 0) and np.all(tab.data["dist"] > 0)
    check_header_attrs(tab, tt)
    # which columns are extra: GaiaMine knows all 152 DR3 gaia_source columns, so only the query's
    # `dist`; the note, the attribute and inspect agree
    extra = tab.attrs["extra_columns"]
    extra = [extra] if isinstance(extra, str) else list(extra)
    assert extra == ["dist"], extra
    notes = [line for line in r.stdout.splitlines() if "not among GaiaMine's gaia_source columns" in line]
    assert len(notes) == 1, r.describe()
    assert notes[0].endswith(": " + ", ".join(extra)), notes[0]
    assert f"{len(extra)} column(s)" in notes[0]
    i = run_gaiamine(["inspect", out])
    assert i.returncode == 0, i.describe()
    assert ", ".join(extra) in i.stdout and "not among GaiaMine's gaia_source columns" in i.stdout, i.stdout
    # the same datasets as the np 2 run of the module fixture (repacked there without --table)
    ref, _, _, _ = repacked(rel)
    assert sorted(ref.data) == sorted(tab.data) and ref.attrs == tab.attrs
    for k in ref.data:
        assert ref.data[k].tobytes() == tab.data[k].tobytes(), k


def test_known_columns_carry_no_extra_note(repacked):
    """Files whose columns all belong to their table: no extra_columns attribute."""
    for rel, _t, _ in ECSV_FIXTURES[:4]:
        tab, _, _, r = repacked(rel)
        assert "extra_columns" not in tab.attrs, rel
        assert "not among GaiaMine's" not in r.stdout, rel


def test_singleton_run_equals_mpi_run(repacked, tmp_path):
    """The same file repacked without mpirun (MPI singleton) gives identical datasets."""
    rel = "xp_continuous/XP_CONTINUOUS_RAW_with_missing_BP.ecsv"
    tab, _, _, _ = repacked(rel)
    out = tmp_path / "single.h5"
    repack([fixture_path(rel)], out)
    one = H5Table(out, XP)
    assert sorted(one.data) == sorted(tab.data)
    for k in tab.data:
        assert one.dtypes[k] == tab.dtypes[k] and one.data[k].tobytes() == tab.data[k].tobytes(), k
    assert one.root_attrs.get("mpi_ranks") == 1


# ---- GaiaXPy plain CSV (18 Sco): no header, "(a,b,...)" arrays, CRLF -----------------------


@pytest.fixture(scope="module")
def sco(tmp_path_factory):
    src = fixture_path("xp_continuous/18Sco-XP-spectra.csv")
    out = tmp_path_factory.mktemp("sco") / "sco.h5"
    # header-less: the column set (it has phot_g_mean_mag) does not identify the table
    repack([src], out, np=NP, extra=["--table", XP])
    return H5Table(out, XP), TextTable(src)


def test_18sco_every_value(sco):
    import warnings
    from astropy.table import Table
    tab, tt = sco
    assert tab.columns == tt.names
    assert tab.n_rows == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        at = Table.read(str(tt.path), format="ascii.csv")
    assert at.colnames == tt.names
    assert int(at["source_id"][0]) == 4345775217221821312
    assert tab.data["source_id"].tolist() == [4345775217221821312]
    assert tab.dtypes["source_id"] == np.int64
    for name in ("bp_n_parameters", "rp_n_parameters"):
        assert tab.dtypes[name].kind == "i" and tab.data[name].tolist() == [55], name
    # phot_g_mean_mag 5.327651 (a float column; compare in the stored precision)
    g = tab.data["phot_g_mean_mag"]
    assert g.dtype.kind == "f" and g[0] == np.float64(at["phot_g_mean_mag"][0]).astype(g.dtype)
    for name, n in XP_FIXED.items():
        if name not in tt.names:
            continue
        assert tab.kind(name) == "fixed" and tab.data[name].shape == (1, n), name
        cell = str(at[name][0])
        assert cell.startswith("(") and cell.endswith(")")
        vals = [float(x) for x in cell[1:-1].split(",")]
        assert len(vals) == n, name
        want = np.dtype("float64") if name.endswith("coefficients") else np.dtype("float32")
        assert tab.dtypes[name] == want, f"{name}: {tab.dtypes[name]}"
        exp = np.array(vals, dtype=np.float64).astype(want)
        assert same_values(tab.data[name][0], exp), name
        # and the csv-module parse agrees
        assert same_values(np.array(parse_array_text(tt.cells(name)[0])).astype(want), exp)


def test_18sco_matches_gaiaxpy_reference_files(sco):
    tab, _ = sco
    errors = np.loadtxt(fixture_path("xp_reference/nb_bp_errors.txt"))
    assert same_values(tab.data["bp_coefficient_errors"][0], errors.astype(np.float32))
    corr = np.loadtxt(fixture_path("xp_reference/nb_bp_correlations.txt"))
    i, j = np.tril_indices(55, k=-1)
    packed = tab.data["bp_coefficient_correlations"][0]
    m = np.eye(55, dtype=np.float32)
    m[i, j] = packed
    m[j, i] = packed
    assert same_values(m, corr.astype(np.float32))


def test_cdn_file_decompressed_gives_same_output(repacked, tmp_path):
    """The same CDN file, gunzipped (and renamed: the name no longer tells the table): identical."""
    from conftest import decompress_to
    rel = "epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz"
    tab, _, _, _ = repacked(rel)
    plain = decompress_to(fixture_path(rel), tmp_path)
    renamed = plain.rename(tmp_path / "light_curves.csv")
    out = tmp_path / "plain.h5"
    repack([renamed], out, np=NP)
    other = H5Table(out, EPOCH)
    for k in tab.data:
        assert other.data[k].tobytes() == tab.data[k].tobytes(), k


def test_cdn_and_archive_xp_files_together_widen_int8_to_int16(repacked, tmp_path):
    """The CDN file declares *_n_parameters int8, the archive export int16: one output, int16,
    with the archive's nulls as −32768 and the CDN values unchanged; rows from both files."""
    cdn_rel = "xp_continuous/XpContinuousMeanSpectrum_000000-003111.csv.gz"
    arc_rel = "xp_continuous/XP_CONTINUOUS_RAW_with_missing_BP.ecsv"
    cdn, _, _, _ = repacked(cdn_rel)
    arc, _, _, _ = repacked(arc_rel)
    out = tmp_path / "both.h5"
    # named in the "wrong" order: rows still ascending by source_id (the CDN row first)
    repack([fixture_path(arc_rel), fixture_path(cdn_rel)], out, np=NP)
    both = H5Table(out, XP)
    assert both.n_rows == 4
    assert both.data["source_id"].tolist() == cdn.data["source_id"].tolist() + arc.data["source_id"].tolist()
    for b in ("bp", "rp"):
        name = f"{b}_n_parameters"
        assert both.dtypes[name] == np.int16, f"{name}: {both.dtypes[name]} (int8 and int16 inputs)"
        assert both.dattrs[name]["_FillValue"] == -32768
        assert both.data[name].tolist() == cdn.data[name].astype(np.int16).tolist() + arc.data[name].tolist()
    for name in both.columns:
        if name.endswith("_n_parameters"):
            continue
        assert both.dtypes[name] == arc.dtypes[name], name
        assert same_values(both.data[name], np.concatenate([cdn.data[name], arc.data[name]])), name
    files = both.root_attrs["input_files"]
    assert [f.split("/")[-1] for f in files] == [cdn_rel.split("/")[-1], arc_rel.split("/")[-1]]
    assert both.root_attrs["input_rows"] == [1, 3]


def test_null_spellings_and_quoted_strings(tmp_path):
    """gaia_source cone export, edited: CDN `null` and empty fields for every scalar type, NaN
    spellings, a CSV-quoted string with a comma and doubled quotes, and non-ASCII UTF-8."""
    import csv as _csv
    import io as _io
    src = fixture_path("gaia_source/gaia_source_archive_cone_5rows.ecsv")
    tt = TextTable(src)
    lines = list(tt.lines)

    def put(k, values):
        fields = list(tt.rows[k])
        for name, v in values.items():
            fields[tt.names.index(name)] = v
        buf = _io.StringIO()
        _csv.writer(buf, lineterminator="").writerow(fields)
        lines[tt.line_numbers[k] - 1] = buf.getvalue()

    put(0, {"ra": "null", "ra_error": "NaN", "parallax": "", "astrometric_primary_flag": "null",
            "in_qso_candidates": "", "libname_gspphot": 'MARCS, "quoted"', "phot_g_n_obs": "null",
            "random_index": "null"})
    put(1, {"libname_gspphot": "Ångström-µ", "dec": "nan", "has_rvs": "True", "astrometric_n_obs_al": "412"})
    put(2, {"libname_gspphot": "null", "designation": "Gaia DR3 x,y"})
    bad = tmp_path / "cone_edited.ecsv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "e.h5"
    repack([bad], out, np=NP, extra=["--table", GS])
    tab = H5Table(out, GS)
    sid = [int(x) for x in tt.cells("source_id")]
    row = {k: sorted(sid).index(sid[k]) for k in range(3)}
    d = tab.data
    assert np.isnan(d["ra"][row[0]]) and np.isnan(d["ra_error"][row[0]]) and np.isnan(d["parallax"][row[0]])
    assert np.isnan(d["dec"][row[1]])
    assert d["astrometric_primary_flag"][row[0]] == -1
    assert d["in_qso_candidates"][row[0]] == -1
    assert d["has_rvs"][row[1]] == 1
    assert d["phot_g_n_obs"][row[0]] == -32768
    assert d["astrometric_n_obs_al"][row[1]] == 412
    assert d["random_index"][row[0]] == np.iinfo(np.int64).min == tab.dattrs["random_index"]["_FillValue"]
    lib = tab.strings("libname_gspphot")
    assert lib[row[0]] == 'MARCS, "quoted"'
    assert lib[row[1]] == "Ångström-µ"
    assert lib[row[2]] == ""
    assert tab.strings("designation")[row[2]] == "Gaia DR3 x,y"
    # width = longest value in bytes (UTF-8)
    assert tab.dtypes["libname_gspphot"].itemsize == max(len('MARCS, "quoted"'.encode()), len("Ångström-µ".encode()))
    # everything else untouched: compare with the text parse of the edited file
    et = TextTable(bad)
    perm = sort_permutation(sid)
    for name in et.names:
        element, is_array = declared_type(et.decl(name))
        exp = expected_rows_from_text(et, name, is_array, element)
        exp = [exp[i] for i in perm]
        if element.startswith("float"):
            exp = [None if (x is not None and x != x) else x for x in exp]
        if element == "string":
            exp = [None if x == "null" else x for x in exp]
        check_column(tab, name, exp)
