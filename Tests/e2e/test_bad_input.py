"""Bad input must fail cleanly: non-zero exit, an error that names the file (and the line and the
column where there is one), nothing left at the output path (no .partial, no scratch files),
and no hang — also when only one of the MPI ranks meets the bad file."""
from __future__ import annotations

import csv
import gzip
import io
import shutil
from pathlib import Path

import pytest

from conftest import TextTable, fixture_path, open_text, repack, run_gaiamine

XP = "xp_continuous_mean_spectrum"


# ---- building bad files --------------------------------------------------------------------


def write_text(path: Path, text: str):
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")


def csv_line(fields) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


def copy_set(files, dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for f in files:
        p = dest / f.name
        shutil.copyfile(f, p)
        out.append(p)
    return out


class Edit:
    """The text of one file as lines (line i+1 of the file = lines[i]), for editing."""

    def __init__(self, path: Path):
        self.path = path
        self.tt = TextTable(path)
        self.text = open_text(path)
        self.lines = self.text.split("\n")

    def data_line(self, k: int) -> int:
        """1-based file line number of data row k (k may be negative)."""
        return self.tt.line_numbers[k]

    def set_field(self, k: int, column: str, value: str) -> int:
        """Replaces column `column` of data row k; returns its line number."""
        ln = self.data_line(k)
        fields = list(self.tt.rows[k])
        fields[self.tt.names.index(column)] = value
        self.lines[ln - 1] = csv_line(fields)
        return ln

    def cell(self, k: int, column: str) -> str:
        return self.tt.rows[k][self.tt.names.index(column)]

    def header_line(self, predicate) -> int:
        """1-based number of the first header line satisfying predicate(line, preceding lines)."""
        for i, l in enumerate(self.lines):
            if not l.startswith("#"):
                break
            if predicate(i, l):
                return i + 1
        raise AssertionError("header line not found")

    def column_decl_line(self, column: str, key: str) -> int:
        """Line number of `#   <key>: …` in the header entry of `column`."""
        start = self.header_line(lambda i, l: l.rstrip() == f"#   name: {column}")
        for i in range(start, len(self.lines)):
            l = self.lines[i]
            if l.lstrip("# ").startswith(f"{key}:"):
                return i + 1
            if l.rstrip() in ("# -", "# - ") or not l.startswith("#"):
                break
        raise AssertionError(f"no {key} for {column}")

    def save(self, path: Path | None = None):
        write_text(path or self.path, "\n".join(self.lines))


def assert_failed_cleanly(r, out: Path, file: Path | str | None = None, line: int | None = None,
                          column: str | None = None, also=()):
    msg = r.describe()
    assert r.returncode not in (0, None), "expected a non-zero exit\n" + msg
    assert "error" in r.stderr, "no error message on stderr\n" + msg
    if file is not None:
        assert str(file) in r.stderr, f"the error does not name {file}\n" + msg
    if line is not None:
        assert f"{file}:{line}:" in r.stderr, f"the error does not give line {line} as '{file}:{line}:'\n" + msg
    if column is not None:
        assert f"column '{column}'" in r.stderr, f"the error does not name column '{column}'\n" + msg
    if line is not None and column is not None:
        want = f"gaiamine: error: {file}:{line}: column '{column}' (field "
        assert want in r.stderr, f"the error is not of the form {want!r}…\n" + msg
    for s in also:
        assert s in r.stderr, f"the error does not mention {s!r}\n" + msg
    assert not out.exists(), "output file left after a failure\n" + msg
    left = sorted(p.name for p in out.parent.iterdir() if p.name.startswith(out.name))
    assert not left, f"files left next to the output after a failure: {left}\n" + msg


@pytest.fixture
def xp_set(synth_set, tmp_path):
    """A private copy of the small synthetic XP set (3 files) and an output path in its own dir."""
    files = copy_set(synth_set("xp_small"), tmp_path / "in")
    (tmp_path / "out").mkdir()
    return files, tmp_path / "out" / "xp.h5"


def middle_nonempty(files) -> Path:
    """The file to corrupt: the middle file if it has ≥ 3 rows, else any with ≥ 3 rows."""
    order = [files[len(files) // 2]] + [f for f in files if f != files[len(files) // 2]]
    for f in order:
        if len(TextTable(f).rows) >= 3:
            return f
    pytest.fail("no synthetic file with ≥ 3 rows")


# ---- row-level errors (line and column known) -----------------------------------------------


@pytest.mark.parametrize("np_", [1, 2, 3])
def test_malformed_array(xp_set, np_):
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    ln = e.set_field(1, "bp_coefficients", "[1.0,2.0")  # written "[1.0,2.0" (quoted): no ']'
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=np_)
    assert_failed_cleanly(r, out, bad, ln, "bp_coefficients", also=["(field 10)"])


@pytest.mark.parametrize("index", [0, 1, 2])
def test_bad_row_on_every_rank(xp_set, index):
    """3 files on 3 ranks (one each): whichever rank meets the bad row, all ranks stop cleanly
    and the one error is reported with its place."""
    files, out = xp_set
    bad = files[index]
    e = Edit(bad)
    assert len(e.tt.rows) >= 1
    ln = e.set_field(-1, "rp_n_measurements", "12x")
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=3)
    assert_failed_cleanly(r, out, bad, ln, "rp_n_measurements", also=["(field 18)"])


@pytest.mark.parametrize("np_", [1, 2])
def test_too_few_fields(xp_set, np_):
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    ln = e.data_line(2)
    e.lines[ln - 1] = csv_line(e.tt.rows[2][:-1])  # last field (rp_relative_shrinking) dropped
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=np_)
    assert_failed_cleanly(r, out, bad, ln, "rp_relative_shrinking")


def test_too_many_fields(xp_set):
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    ln = e.data_line(-1)
    e.lines[ln - 1] = e.lines[ln - 1] + ",42"
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, ln)


def test_non_numeric_float(xp_set):
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    ln = e.set_field(2, "bp_chi_squared", "abc")
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, ln, "bp_chi_squared", also=["(field 9)"])


def test_non_numeric_array_element(xp_set):
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    cell = e.cell(0, "rp_coefficients")
    elems = cell.strip()[1:-1].split(",")
    elems[7] = "1.2.3"
    ln = e.set_field(0, "rp_coefficients", "[" + ",".join(elems) + "]")
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, ln, "rp_coefficients")


@pytest.mark.parametrize("n", [54, 56])
def test_xp_array_length_not_55(xp_set, n):
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    cell = e.cell(1, "bp_coefficient_errors").strip()
    elems = cell[1:-1].split(",")
    assert len(elems) == 55
    elems = elems[:54] if n == 54 else elems + ["0.5"]
    ln = e.set_field(1, "bp_coefficient_errors", "[" + ",".join(elems) + "]")
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, ln, "bp_coefficient_errors", also=["(field 11)"])


@pytest.mark.parametrize("value", ["128", "-129"])
def test_int8_out_of_range(tmp_path, value):
    """bp_n_parameters is declared int8 in the real CDN file: 128 and −129 do not fit."""
    src = fixture_path("xp_continuous/XpContinuousMeanSpectrum_000000-003111.csv.gz")
    bad = tmp_path / src.name
    e = Edit(src)
    assert e.tt.decl("bp_n_parameters")["datatype"] == "int8"
    ln = e.set_field(0, "bp_n_parameters", value)
    e.path = bad
    e.save(bad)
    out = tmp_path / "out" / "x.h5"
    out.parent.mkdir()
    r = run_gaiamine(["repack", bad, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, ln, "bp_n_parameters", also=["(field 5)"])


def test_int8_array_element_out_of_range(tmp_path):
    """g_transit_n_obs is int8[null] in the real epoch photometry file."""
    src = fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")
    bad = tmp_path / src.name
    e = Edit(src)
    cell = e.cell(3, "g_transit_n_obs")
    elems = cell.strip()[1:-1].split(",")
    elems[4] = "200"
    ln = e.set_field(3, "g_transit_n_obs", "[" + ",".join(elems) + "]")
    e.save(bad)
    out = tmp_path / "out" / "x.h5"
    out.parent.mkdir()
    r = run_gaiamine(["repack", bad, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, ln, "g_transit_n_obs")


def test_bad_boolean_in_array(tmp_path):
    src = fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")
    bad = tmp_path / src.name
    e = Edit(src)
    cell = e.cell(2, "variability_flag_bp_reject")
    assert '"False"' in cell
    ln = e.set_field(2, "variability_flag_bp_reject", cell.replace('"False"', '"Maybe"', 1))
    e.save(bad)
    out = tmp_path / "out" / "x.h5"
    out.parent.mkdir()
    r = run_gaiamine(["repack", bad, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, ln, "variability_flag_bp_reject")


# ---- file-level errors -----------------------------------------------------------------------


def test_truncated_gzip(xp_set):
    files, out = xp_set
    bad = middle_nonempty(files)
    data = bad.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad)


def test_gzip_crc_mismatch(xp_set):
    """Every byte decompresses, but the gzip trailer's CRC-32 does not match: corrupt data."""
    files, out = xp_set
    bad = middle_nonempty(files)
    data = bytearray(bad.read_bytes())
    data[-8] ^= 0x01
    bad.write_bytes(bytes(data))
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad)


def test_gzip_trailing_garbage(xp_set):
    files, out = xp_set
    bad = middle_nonempty(files)
    bad.write_bytes(bad.read_bytes() + b"not gzip")
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad)


def test_multi_member_gzip_is_read_completely(xp_set, tmp_path):
    """Concatenated gzip members (`cat a.gz b.gz`) are one valid gzip file: every row is read,
    the output equals that of the single-member file (not just the first member's rows)."""
    from conftest import H5Table
    files, out = xp_set
    ref = tmp_path / "ref.h5"
    repack(files, ref, np=2)
    src = middle_nonempty(files)
    raw = open_text(src).encode("utf-8")
    cut = raw.index(b"\n", len(raw) // 2) + 20  # inside a data line
    src.write_bytes(gzip.compress(raw[:cut]) + gzip.compress(raw[cut:]))
    repack(files, out, np=2)
    a, b = H5Table(ref), H5Table(out)
    assert a.n_rows == b.n_rows
    for k in a.data:
        assert a.data[k].tobytes() == b.data[k].tobytes(), k


def test_garbled_header_yaml(xp_set):
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    ln = e.column_decl_line("bp_chi_squared", "datatype")
    e.lines[ln - 1] = "#   datatype: [float32"  # unclosed YAML flow sequence
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad)


def test_not_ecsv_first_line(xp_set):
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    assert e.lines[0].startswith("# %ECSV")
    e.lines[0] = "# %ECSX 1.0"
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, 1)


def test_missing_header(xp_set):
    """No `#` header and no column-name line: the file starts with data."""
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    first = e.tt.line_numbers[0]
    e.lines = e.lines[first - 1:]
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad)


def test_header_names_mismatch(xp_set):
    """The column-name line disagrees with the header's column list."""
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    ln = e.tt.names_line
    names = list(e.tt.names)
    names[3], names[4] = names[4], names[3]
    e.lines[ln - 1] = ",".join(names)
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, ln)


def test_unknown_datatype(xp_set):
    files, out = xp_set
    bad = middle_nonempty(files)
    e = Edit(bad)
    ln = e.column_decl_line("bp_chi_squared", "datatype")
    assert "float32" in e.lines[ln - 1]
    e.lines[ln - 1] = e.lines[ln - 1].replace("float32", "float33")
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad, ln, "bp_chi_squared", also=["float33"])


@pytest.mark.parametrize("kind", ["plain-0-bytes", "gzip-of-nothing", "gz-0-bytes"])
def test_empty_file(xp_set, kind):
    files, out = xp_set
    name = {"plain-0-bytes": "XpContinuousMeanSpectrum_999000-999001.csv",
            "gzip-of-nothing": "XpContinuousMeanSpectrum_999000-999001.csv.gz",
            "gz-0-bytes": "XpContinuousMeanSpectrum_999000-999001.csv.gz"}[kind]
    bad = files[0].parent / name
    if kind == "gzip-of-nothing":
        bad.write_bytes(gzip.compress(b""))
    else:
        bad.write_bytes(b"")
    r = run_gaiamine(["repack", *files, bad, "--out", out], np=2)
    assert_failed_cleanly(r, out, bad)


def test_nonexistent_input(xp_set):
    files, out = xp_set
    missing = files[0].parent / "XpContinuousMeanSpectrum_no-such-file.csv.gz"
    r = run_gaiamine(["repack", files[0], missing, *files[1:], "--out", out], np=2)
    assert_failed_cleanly(r, out, missing)


def test_overlapping_source_id_ranges(xp_set):
    files, out = xp_set
    src = middle_nonempty(files)
    dup = src.parent / ("Copy" + src.name)
    shutil.copyfile(src, dup)
    r = run_gaiamine(["repack", *files, dup, "--out", out], np=2)
    assert_failed_cleanly(r, out)
    assert str(src) in r.stderr and str(dup) in r.stderr, \
        "the overlap error should name both files\n" + r.describe()


def test_overlapping_fixture_files(tmp_path):
    """Real files: XP_CONTINUOUS_RAW and its _with_missing_BP twin share two source_ids."""
    a = fixture_path("xp_continuous/XP_CONTINUOUS_RAW.ecsv")
    b = fixture_path("xp_continuous/XP_CONTINUOUS_RAW_with_missing_BP.ecsv")
    out = tmp_path / "x.h5"
    r = run_gaiamine(["repack", a, b, "--out", out], np=2)
    assert_failed_cleanly(r, out)
    assert str(a) in r.stderr and str(b) in r.stderr, r.describe()


def test_existing_output_without_overwrite(xp_set):
    files, out = xp_set
    out.write_bytes(b"precious, not HDF5")
    r = run_gaiamine(["repack", *files, "--out", out], np=2)
    msg = r.describe()
    assert r.returncode != 0, msg
    assert str(out) in r.stderr and "error" in r.stderr, msg
    assert out.read_bytes() == b"precious, not HDF5", "existing output modified\n" + msg
    left = sorted(p.name for p in out.parent.iterdir() if p.name != out.name)
    assert not left, f"files left next to the output: {left}\n" + msg
    # with --overwrite it is replaced
    repack(files, out, np=2, extra=["--overwrite"])
    assert out.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"


def test_failure_keeps_previous_output_with_overwrite(xp_set):
    """--overwrite and a bad input: the run fails, and the old output is not half-replaced."""
    files, out = xp_set
    repack(files, out, np=2)
    before = out.read_bytes()
    bad = middle_nonempty(files)
    e = Edit(bad)
    ln = e.set_field(1, "bp_chi_squared", "x")
    e.save()
    r = run_gaiamine(["repack", *files, "--out", out, "--overwrite"], np=2)
    assert r.returncode != 0, r.describe()
    assert f"{bad}:{ln}:" in r.stderr, r.describe()
    # either the old file is intact, or nothing is there; never a broken/partial file
    assert not out.exists() or out.read_bytes() == before, r.describe()
    left = sorted(p.name for p in out.parent.iterdir() if p.name != out.name)
    assert not left, f"files left next to the output: {left}\n" + r.describe()


# ---- which table: a file that matches no known table, or two ---------------------------------


CONE = "gaia_source/gaia_source_archive_cone_5rows.ecsv"


def cone_with(tmp_path: Path, name: str, rename=None, add=()) -> Path:
    """The real cone export with `rename` (old, new) applied to a column name in the header and
    the name line, and the columns `add` (ECSV declarations) appended with empty (null) cells."""
    tt = TextTable(fixture_path(CONE))
    lines = list(tt.lines)
    names = list(tt.names)
    if rename:
        old, new = rename
        i = lines.index(f"#   name: {old}")
        lines[i] = f"#   name: {new}"
        names[names.index(old)] = new
    decl = []
    for c in add:
        decl += ["# -", f"#   name: {c['name']}", f"#   datatype: {c['datatype']}"]
        if c.get("subtype"):
            decl.append(f"#   subtype: '{c['subtype']}'")
    meta = next(i for i, l in enumerate(lines) if l.startswith("# meta:"))
    lines[meta:meta] = decl
    names += [c["name"] for c in add]
    lines[tt.names_line - 1 + len(decl)] = csv_line(names)
    for k in range(len(tt.rows)):
        j = tt.line_numbers[k] - 1 + len(decl)
        lines[j] = csv_line(list(tt.rows[k]) + [""] * len(add))
    p = tmp_path / name
    write_text(p, "\n".join(lines) + "\n")
    return p


def test_known_column_missing_matches_no_table(tmp_path):
    """gaia_source without one of its known columns, plus others: neither a part of the table nor
    the whole table plus extras — today's error, and --table still repacks it."""
    f = cone_with(tmp_path, "renamed.ecsv", rename=("parallax", "parallax_renamed"))
    out = tmp_path / "r.h5"
    r = run_gaiamine(["repack", f, "--out", out], np=2)
    assert_failed_cleanly(r, out, file=f, also=["cannot tell which Gaia table this is", "pass --table NAME"])
    r = repack([f], out, np=2, extra=["--table", "gaia_source"])
    # every other DR3 gaia_source column is known: exactly the renamed one and `dist` are extra
    assert ("2 column(s) are not among GaiaMine's gaia_source columns and are kept as the header "
            "declares them: parallax_renamed, dist") in r.stdout, r.describe()


def test_two_whole_tables_are_ambiguous(tmp_path):
    """Every column of gaia_source and of epoch_photometry: which one is meant is not knowable."""
    ep = TextTable(fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz"))
    have = set(TextTable(fixture_path(CONE)).names)
    f = cone_with(tmp_path, "join.ecsv", add=[c for c in ep.columns_decl if c["name"] not in have])
    out = tmp_path / "j.h5"
    r = run_gaiamine(["repack", f, "--out", out], np=2)
    assert_failed_cleanly(r, out, file=f, also=["contain every column of", "gaia_source", "epoch_photometry",
                                                 "pass --table NAME"])
