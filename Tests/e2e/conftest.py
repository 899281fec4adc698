"""Shared helpers of the end-to-end tests of `gaiamine repack` / `synth` / `inspect`.

Run from the repository root (what `make e2e-test` does):

    GAIAMINE=.build/release/gaiamine MPIRUN="mpirun --oversubscribe" python3 -m pytest -q Tests/e2e

The real DR3 samples are read from `<repo>/../shared/fixtures` (override: GAIAMINE_FIXTURES).
Everything written goes to pytest's tmp_path.

Helpers:
  run_gaiamine(args, np=None)        run the CLI (under $MPIRUN -np N when np is given), never hangs
  repack(files, out, np=None, ...)   run `repack` and assert success
  H5Table(path, table)               a repacked table: datasets as numpy arrays + decoded attributes
  read_text(path)                    independent parse of an eCSV/CSV file: YAML header, names, rows
  astropy_table(path)                astropy's reading of an ECSV file (CDN `null` handled)
  expected_rows_from_astropy(...)    astropy column → list of per-row Python/numpy values (None = null)
  check_column(tab, name, expected)  compare one of our columns with per-row expectations, exactly
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.dont_write_bytecode = True

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("GAIAMINE_FIXTURES", str(REPO.parent / "shared" / "fixtures")))

# mpirun as root (containers, CI) needs these; the Makefile exports them too.
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

csv.field_size_limit(1 << 30)

ROOT_PROVENANCE_ATTRS = {"created", "command_line", "mpi_ranks", "host"}

TIMEOUT = 120  # seconds per CLI run: a hang fails the test instead of blocking the suite


def _gaiamine_path() -> Path:
    p = Path(os.environ.get("GAIAMINE", ".build/release/gaiamine"))
    if not p.is_absolute():
        # The Makefile passes a path relative to the repository root.
        cand = Path.cwd() / p
        p = cand if cand.exists() else REPO / p
    return p


GAIAMINE = _gaiamine_path()
MPIRUN = shlex.split(os.environ.get("MPIRUN", "mpirun --oversubscribe"))


def fixture_path(rel: str) -> Path:
    p = FIXTURES / rel
    if not p.exists():
        pytest.fail(f"fixture {p} is missing (fixtures are expected at <repo>/../shared/fixtures "
                    f"or $GAIAMINE_FIXTURES)")
    return p


@pytest.fixture(scope="session", autouse=True)
def _gaiamine_exists():
    if not GAIAMINE.exists():
        pytest.fail(f"gaiamine binary not found at {GAIAMINE}: run `make build` (or set GAIAMINE)")


# --------------------------------------------------------------------------------------------
# running the CLI


class Run:
    def __init__(self, cmd, returncode, stdout, stderr, seconds):
        self.cmd = cmd
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds

    def describe(self) -> str:
        return (f"command: {shlex.join(str(c) for c in self.cmd)}\nexit: {self.returncode} "
                f"({self.seconds:.1f} s)\n--- stdout ---\n{self.stdout[-4000:]}\n"
                f"--- stderr ---\n{self.stderr[-4000:]}")


def run_gaiamine(args, np=None, timeout=TIMEOUT, cwd=None) -> Run:
    """Runs gaiamine (under `$MPIRUN -np N` if np is given). A run that does not finish within
    `timeout` seconds is killed (its whole process group) and fails the test."""
    import time
    cmd = ([*MPIRUN, "-np", str(np)] if np else []) + [str(GAIAMINE), *map(str, args)]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         errors="replace", cwd=cwd, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        pytest.fail(f"gaiamine did not finish within {timeout} s (hang?)\n"
                    + Run(cmd, None, out, err, time.monotonic() - t0).describe())
    return Run(cmd, p.returncode, out, err, time.monotonic() - t0)


def repack(files, out, np=None, extra=(), timeout=TIMEOUT) -> Run:
    r = run_gaiamine(["repack", *files, "--out", out, *extra], np=np, timeout=timeout)
    assert r.returncode == 0, "repack failed\n" + r.describe()
    assert Path(out).exists(), "repack exited 0 but wrote no output\n" + r.describe()
    assert not Path(str(out) + ".partial").exists(), "repack left a .partial file\n" + r.describe()
    return r


def synth(table, sources, files, seed, out_dir) -> list[Path]:
    """`gaiamine synth` into out_dir; returns the data files (sorted by name)."""
    prefix = {"xp_continuous_mean_spectrum": "XpContinuousMeanSpectrum",
              "epoch_photometry": "EpochPhotometry", "gaia_source": "GaiaSource"}[table]
    r = run_gaiamine(["synth", table, "--sources", sources, "--files", files, "--seed", seed,
                      "--out", out_dir])
    assert r.returncode == 0, "synth failed\n" + r.describe()
    got = sorted(Path(out_dir).glob(f"{prefix}_*.csv.gz"))
    assert len(got) == files, f"synth wrote {len(got)} {prefix}_*.csv.gz files, expected {files}\n" + r.describe()
    return got


# --------------------------------------------------------------------------------------------
# reading our HDF5 output


def attr_value(v):
    """h5py attribute → plain Python (str for strings, lists for arrays)."""
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.bytes_):
        return bytes(v).decode("utf-8")
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "SOU":
            return [attr_value(x) for x in v.tolist()]
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def decode_strings(a: np.ndarray) -> list[str]:
    """Fixed-length NUL-padded UTF-8 → str."""
    out = []
    for x in a.tolist():
        if isinstance(x, bytes):
            x = x.decode("utf-8")
        out.append(x.rstrip("\x00"))
    return out


class H5Table:
    """One table of a repacked file, read fully into memory."""

    def __init__(self, path, table=None):
        import h5py
        self.path = Path(path)
        with h5py.File(path, "r") as f:
            self.root_attrs = {k: attr_value(v) for k, v in f.attrs.items()}
            groups = [k for k in f.keys() if isinstance(f[k], h5py.Group)]
            if table is None:
                assert len(groups) == 1, f"{path}: expected one table group, found {groups}"
                table = groups[0]
            assert table in f, f"{path}: no group /{table} (groups: {groups})"
            self.table = table
            g = f[table]
            self.attrs = {k: attr_value(v) for k, v in g.attrs.items()}
            self.data = {}
            self.dattrs = {}
            self.dtypes = {}
            # Subgroups (a transit table's source_index): {group: {dataset: array}}.
            self.subgroups = {k: {n: d[()] for n, d in g[k].items()}
                              for k in g.keys() if isinstance(g[k], h5py.Group)}
            self.names = [k for k in g.keys() if k not in self.subgroups]
            for k in self.names:
                d = g[k]
                assert isinstance(d, h5py.Dataset), f"{path}: /{table}/{k} is not a dataset"
                self.data[k] = d[()]
                self.dtypes[k] = d.dtype
                self.dattrs[k] = {a: attr_value(v) for a, v in d.attrs.items()}
        self.columns = list(self.attrs.get("columns", []))

    @property
    def n_rows(self) -> int:
        return int(self.attrs["n_rows"])

    def kind(self, name) -> str:
        if "offsets" in self.dattrs[name]:
            return "ragged"
        return "scalar" if self.data[name].ndim == 1 else "fixed"

    def offsets(self, name) -> np.ndarray:
        off_name = self.dattrs[name]["offsets"]
        assert off_name in self.data, f"{name}: offsets dataset '{off_name}' missing"
        return self.data[off_name]

    def row(self, name, i):
        k = self.kind(name)
        if k == "ragged":
            off = self.offsets(name)
            return self.data[name][off[i]:off[i + 1]]
        return self.data[name][i]

    def is_bool(self, name) -> bool:
        return self.dattrs[name].get("gaia_datatype") == "bool"

    def strings(self, name) -> list[str]:
        return decode_strings(self.data[name])


# --------------------------------------------------------------------------------------------
# reading the inputs independently


def open_text(path) -> str:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def decompress_to(path, out_dir) -> Path:
    """A gzip file decompressed into out_dir (name without .gz)."""
    path = Path(path)
    out = Path(out_dir) / (path.name[:-3] if path.name.endswith(".gz") else path.name)
    out.write_text(open_text(path), encoding="utf-8")
    return out


class TextTable:
    """An eCSV / CSV file parsed with the csv module and PyYAML: nothing shared with gaiamine."""

    def __init__(self, path):
        import yaml
        self.path = Path(path)
        lines = open_text(path).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        lines = [l[:-1] if l.endswith("\r") else l for l in lines]
        self.lines = lines
        i = 0
        header = []
        while i < len(lines) and lines[i].startswith("#"):
            header.append(lines[i])
            i += 1
        while i < len(lines) and lines[i].strip() == "":
            i += 1
        self.header_lines = header
        self.header = None
        self.columns_decl = []
        if header:
            body = []
            for l in header[1:]:
                s = l[1:]
                if s.startswith(" "):
                    s = s[1:]
                body.append(s)
            self.header = yaml.safe_load("\n".join(body))
            self.columns_decl = self.header["datatype"]
        self.names_line = i + 1  # 1-based
        self.names = next(csv.reader([lines[i]]))
        self.rows = []
        self.line_numbers = []  # 1-based file line of each data row
        for j in range(i + 1, len(lines)):
            if lines[j] == "":
                continue
            self.rows.append(next(csv.reader([lines[j]])))
            self.line_numbers.append(j + 1)

    def decl(self, name) -> dict:
        for c in self.columns_decl:
            if c["name"] == name:
                return c
        return {}

    def cells(self, name) -> list[str]:
        k = self.names.index(name)
        return [r[k] for r in self.rows]

    def meta(self) -> dict:
        m = (self.header or {}).get("meta") or {}
        if isinstance(m, list):  # !!omap → list of pairs with safe_load
            out = {}
            for item in m:
                if isinstance(item, tuple):
                    out[item[0]] = item[1]
                elif isinstance(item, dict):
                    out.update(item)
            return out
        return dict(m)


def declared_type(decl: dict) -> tuple[str, bool]:
    """(element type, is_array) from an ECSV datatype entry."""
    dt = str(decl["datatype"]).strip()
    sub = decl.get("subtype")
    if sub:
        sub = str(sub).strip()
        return sub[:sub.index("[")], True
    return dt, False


STORAGE_DTYPE = {"bool": np.dtype("int8"), "int8": np.dtype("int8"), "int16": np.dtype("int16"),
                 "int32": np.dtype("int32"), "int64": np.dtype("int64"), "uint8": np.dtype("uint8"),
                 "uint16": np.dtype("uint16"), "uint32": np.dtype("uint32"),
                 "uint64": np.dtype("uint64"), "float32": np.dtype("float32"),
                 "float64": np.dtype("float64")}


def parse_bool_text(s: str):
    s = s.strip()
    if s.startswith('"') and s.endswith('"') and len(s) >= 2:
        s = s[1:-1]
    if s in ("", "null"):
        return None
    v = {"true": True, "false": False, "1": True, "0": False}.get(s.lower())
    assert v is not None, f"not a boolean: {s!r}"
    return v


def parse_array_text(cell: str):
    """An array cell, as written by the CDN ("[a,b]"), the archive, or GaiaXPy ("(a, b)") →
    list of Python values (None for null), or None for a null / empty cell."""
    s = cell.strip()
    if s in ("", "null", '""'):
        return None
    if s.startswith("(") and s.endswith(")"):
        s = "[" + s[1:-1] + "]"
    v = json.loads(s)  # handles NaN, null and the JSON strings "False"/"True"
    out = []
    for x in v:
        if isinstance(x, str):
            out.append(parse_bool_text(x))
        else:
            out.append(x)
    return out


def astropy_table(path):
    """astropy's reading of an ECSV file, rows in file order. CDN files spell a missing scalar
    `null` (astropy issue #13331); read them with it declared as a missing-value marker."""
    import warnings
    from astropy.table import Table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return Table.read(str(path), format="ascii.ecsv")
        except Exception:
            return Table.read(str(path), format="ascii.ecsv", fill_values=[("null", "0")])


def expected_rows_from_astropy(col) -> list:
    """astropy column → list per row: a scalar (numpy typed) or None for masked; for array
    columns a list of elements (None for a masked element) or None for a null / empty cell."""
    out = []
    mask = getattr(col, "mask", None)
    for i in range(len(col)):
        v = col[i]
        if col.dtype == object or isinstance(v, np.ndarray):
            if mask is not None and np.ndim(mask) == 1 and bool(mask[i]):
                out.append(None)
                continue
            arr = v
            if isinstance(arr, np.ma.MaskedArray):
                m = np.ma.getmaskarray(arr)
                data = arr.data
                if len(data) == 0:
                    out.append(None)  # astropy gives an empty masked array for an empty cell
                    continue
                out.append([None if m[j] else data[j] for j in range(len(data))])
            else:
                arr = np.asarray(arr)
                out.append([arr[j] for j in range(len(arr))])
        else:
            if mask is not None and bool(np.ma.getmaskarray(col)[i]):
                out.append(None)
            else:
                out.append(v)
    return out


def expected_rows_from_text(tt: TextTable, name: str, is_array: bool, element: str) -> list:
    out = []
    for cell in tt.cells(name):
        if is_array:
            out.append(parse_array_text(cell))
        elif element == "bool":
            out.append(parse_bool_text(cell))
        elif element == "string":
            out.append(None if cell == "" else cell)
        elif element.startswith("float"):
            c = cell.strip()
            out.append(None if c in ("", "null") else float(c))
        else:
            c = cell.strip()
            out.append(None if c in ("", "null") else int(c))
    return out


# --------------------------------------------------------------------------------------------
# comparing


def _null_of(tab: H5Table, name: str, dtype: np.dtype):
    if dtype.kind == "f":
        return np.nan
    fv = tab.dattrs[name].get("_FillValue")
    assert fv is not None, f"{name}: integer/bool dataset without a _FillValue attribute"
    return fv


def _typed(values, dtype: np.dtype, null, is_bool: bool):
    if not any(x is None or np.ma.is_masked(x) for x in values):
        if is_bool:
            return np.array([1 if bool(x) else 0 for x in values], dtype=dtype)
        if dtype.kind == "f":
            # values are either already of the declared type (astropy) or Python floats parsed
            # from the decimal text (correctly rounded to float64, then to the stored type)
            return np.array(values).astype(dtype) if values else np.empty(0, dtype=dtype)
        return np.array([int(x) for x in values], dtype=dtype)
    arr = np.empty(len(values), dtype=dtype)
    for j, x in enumerate(values):
        if x is None or (np.ma.is_masked(x)):
            arr[j] = null
        elif is_bool:
            arr[j] = 1 if bool(x) else 0
        elif dtype.kind == "f":
            arr[j] = np.asarray(x).astype(dtype)
        else:
            arr[j] = int(x)
    return arr


def _first_diff(a: np.ndarray, b: np.ndarray) -> str:
    a = np.asarray(a).ravel()
    b = np.asarray(b).ravel()
    if a.shape != b.shape:
        return f"shapes {a.shape} vs {b.shape}"
    if a.dtype.kind == "f":
        bad = ~((a == b) | (np.isnan(a) & np.isnan(b)))
    else:
        bad = a != b
    idx = np.flatnonzero(bad)
    return f"{len(idx)} differing element(s); first at flat index {idx[0]}: got {a[idx[0]]!r}, expected {b[idx[0]]!r}"


def same_values(a: np.ndarray, b: np.ndarray) -> bool:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def check_column(tab: H5Table, name: str, expected: list, fixed_len: int | None = None,
                 label: str = "", rows=None) -> None:
    """Exact comparison of column `name` with per-row expectations (see expected_rows_*), for all
    rows (then len(expected) must be n_rows) or for the output rows `rows` (expected[k] ↔ row
    rows[k]). Arrays: 2-D datasets compare row by row with nulls padded to the width; ragged
    datasets through their offsets (a null array = 0 elements)."""
    where = f"{label}{tab.table}/{name}"
    assert name in tab.data, f"{where}: dataset missing (datasets: {sorted(tab.data)})"
    d = tab.data[name]
    n = tab.n_rows
    if rows is None:
        assert len(expected) == n, f"{where}: {n} rows in the output, {len(expected)} expected"
        rows = range(n)
    else:
        rows = [int(r) for r in rows]
        assert len(rows) == len(expected)
    kind = tab.kind(name)
    is_bool = tab.is_bool(name)
    if d.dtype.kind == "S" or d.dtype.kind == "O":
        assert kind == "scalar"
        got_all = tab.strings(name)
        got = [got_all[r] for r in rows]
        exp = ["" if x is None else str(x) for x in expected]
        bad = [k for k in range(len(exp)) if got[k] != exp[k]]
        assert not bad, f"{where}: row {rows[bad[0]]}: got {got[bad[0]]!r}, expected {exp[bad[0]]!r} ({len(bad)} rows differ)"
        return
    null = _null_of(tab, name, d.dtype)
    if kind == "scalar":
        assert d.shape == (n,), f"{where}: shape {d.shape}, expected ({n},)"
        got = d[np.asarray(list(rows), dtype=np.int64)]
        exp = _typed(expected, d.dtype, null, is_bool)
        assert same_values(got, exp), f"{where}: {_first_diff(got, exp)}"
    elif kind == "fixed":
        assert d.ndim == 2 and d.shape[0] == n, f"{where}: shape {d.shape}, expected ({n}, width)"
        width = d.shape[1]
        if fixed_len is not None:
            assert d.shape == (n, fixed_len), f"{where}: shape {d.shape}, expected ({n}, {fixed_len})"
        for i, row in zip(rows, expected):
            if row is None:
                exp = np.full(width, null, dtype=d.dtype)
            else:
                assert len(row) == width, f"{where}: row {i} has {len(row)} elements in the input, dataset width {width}"
                exp = _typed(row, d.dtype, null, is_bool)
            assert same_values(d[i], exp), f"{where}: row {i}: {_first_diff(d[i], exp)}"
    else:
        off = tab.offsets(name)
        assert off.dtype == np.int64, f"{where}: offsets dtype {off.dtype}, expected int64"
        assert off.shape == (n + 1,), f"{where}: offsets shape {off.shape}, expected ({n + 1},)"
        assert off[0] == 0 and off[-1] == len(d) and np.all(np.diff(off) >= 0), \
            f"{where}: inconsistent offsets (first {off[0]}, last {off[-1]}, values {len(d)})"
        for i, row in zip(rows, expected):
            got = d[off[i]:off[i + 1]]
            exp = _typed([] if row is None else row, d.dtype, null, is_bool)
            assert same_values(got, exp), f"{where}: row {i}: {_first_diff(got, exp)}"


def sort_permutation(source_ids) -> np.ndarray:
    return np.argsort(np.asarray(source_ids, dtype=np.int64), kind="stable")


def check_header_attrs(tab: H5Table, tt: TextTable, names=None, label="") -> None:
    """units / description / ucd / ecsv_datatype of each dataset as the ECSV header declares them."""
    for c in tt.columns_decl:
        name = c["name"]
        if names is not None and name not in names:
            continue
        a = tab.dattrs[name]
        where = f"{label}{tab.table}/{name}"
        unit = c.get("unit")
        assert a.get("units") == ("" if unit is None else str(unit).strip()), \
            f"{where}: units {a.get('units')!r}, header says {unit!r}"
        desc = c.get("description")
        assert a.get("description") == ("" if desc is None else str(desc).strip()), \
            f"{where}: description {a.get('description')!r}, header says {desc!r}"
        ucd = (c.get("meta") or {}).get("ucd")
        assert a.get("ucd") == ("" if ucd is None else str(ucd).strip()), \
            f"{where}: ucd {a.get('ucd')!r}, header says {ucd!r}"
        dt = str(c["datatype"]).strip()
        sub = c.get("subtype")
        want = f"{dt} ({str(sub).strip()})" if sub else dt
        assert a.get("ecsv_datatype") == want, f"{where}: ecsv_datatype {a.get('ecsv_datatype')!r}, expected {want!r}"


def error_lines(r: Run) -> list[str]:
    return [l for l in r.stderr.splitlines() if "error" in l]


def count_data_lines(path) -> int:
    """Data rows of an eCSV/CSV file: non-blank lines after the `#` header and the name line."""
    n = 0
    names_seen = False
    for line in open_text(path).split("\n"):
        line = line.rstrip("\r")
        if line == "" or (not names_seen and line.startswith("#")):
            continue
        if not names_seen:
            names_seen = True
            continue
        n += 1
    return n


# --------------------------------------------------------------------------------------------
# synthetic data sets, made once per session

SYNTH_SETS = {
    # key: (table, sources, files, seed)
    "xp": ("xp_continuous_mean_spectrum", 600, 5, 11),
    "epoch": ("epoch_photometry", 400, 4, 12),
    "gaia_source": ("gaia_source", 2000, 3, 13),
    "xp_small": ("xp_continuous_mean_spectrum", 60, 3, 14),
    "epoch_small": ("epoch_photometry", 30, 3, 15),
}


@pytest.fixture(scope="session")
def synth_set(tmp_path_factory):
    """synth_set(key) → sorted list of the data files of SYNTH_SETS[key] (made on first use)."""
    cache = {}

    def get(key):
        if key not in cache:
            table, sources, files, seed = SYNTH_SETS[key]
            d = tmp_path_factory.mktemp(f"synth_{key}")
            cache[key] = synth(table, sources, files, seed, d)
        return cache[key]
    return get
