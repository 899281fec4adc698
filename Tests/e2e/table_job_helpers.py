"""Helpers shared by the end-to-end tests of expressions, `select` and `aggregate`
(test_expressions.py, test_select.py, test_aggregate.py).

  write_table(path, table, columns)   an HDF5 table in GaiaMine's layout, written with h5py only
  Col(...)                             one column of it (scalar, fixed array, ragged, bool, int)
  h5_contents(path), same(a, b)        test_jobs.py's: datasets + non-volatile attributes, equality
  assert_same_contents(a, b)           equality of two h5_contents, naming what differs
  assert_failed_once(r, out_dir, ...)  exit != 0, the message printed once, nothing written
  caret_position(stderr, expr)         where the caret under the echoed expression points
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

# One definition of "the same file" for every e2e test: datasets and non-volatile attributes.
from test_jobs import h5_contents, same  # noqa: F401  (re-exported)

INT64_NULL = np.iinfo(np.int64).min  # `_FillValue` of int64 columns (Sources/GaiaIO/TableLayout.swift)


@dataclass
class Col:
    """A column to write. `values`: 1-D (scalar), 2-D (fixed array) or, with `offsets`, the 1-D
    concatenation of a ragged column's rows. Ints: nulls already set to the type minimum;
    bools: int8 0/1/−1 with `boolean=True`."""
    values: np.ndarray
    offsets: str | None = None  # name of the offsets dataset (ragged columns)
    boolean: bool = False
    unit: str = ""
    description: str = ""
    ucd: str = ""
    extra: dict = field(default_factory=dict)

    def ecsv_datatype(self) -> str:
        v = np.asarray(self.values)
        element = "bool" if self.boolean else v.dtype.name
        if self.offsets is not None:
            return f"string ({element}[null])"
        if v.ndim == 2:
            return f"string ({element}[{v.shape[1]}])"
        return element


def write_table(path, table: str, columns: dict[str, Col], offsets: dict[str, np.ndarray] = None,
                n_rows: int | None = None):
    """The layout of Sources/GaiaIO/TableLayout.swift: group attrs gaia_table, n_rows, columns;
    per dataset units, description, ucd, ecsv_datatype; _FillValue on ints; gaia_datatype on bools;
    `offsets` attribute on ragged columns naming an int64 N+1 offsets dataset."""
    offsets = offsets or {}
    if n_rows is None:
        c = next(c for c in columns.values() if c.offsets is None)
        n_rows = len(c.values)
    with h5py.File(path, "w") as f:
        g = f.create_group(table)
        g.attrs["gaia_table"] = table
        g.attrs["n_rows"] = np.int64(n_rows)
        g.attrs["columns"] = np.array(list(columns), dtype=h5py.string_dtype())
        for name, c in columns.items():
            d = g.create_dataset(name, data=c.values)
            d.attrs["units"] = c.unit
            d.attrs["description"] = c.description or name
            d.attrs["ucd"] = c.ucd
            d.attrs["ecsv_datatype"] = c.ecsv_datatype()
            if np.asarray(c.values).dtype.kind == "i":
                dt = np.asarray(c.values).dtype
                d.attrs["_FillValue"] = np.asarray(-1 if c.boolean else np.iinfo(dt).min, dtype=dt)
            if c.boolean:
                d.attrs["gaia_datatype"] = "bool"
            if c.offsets is not None:
                d.attrs["offsets"] = c.offsets
            for k, v in c.extra.items():
                d.attrs[k] = v
        for name, off in offsets.items():
            g.create_dataset(name, data=np.asarray(off, dtype=np.int64))


def ragged_rows(values: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    return [values[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]


def assert_same_contents(a: dict, b: dict, what: str):
    assert a.keys() == b.keys(), f"{what}: different datasets/attributes: {sorted(set(a) ^ set(b))}"
    bad = [k for k in a if not same(a[k], b[k])]
    assert not bad, f"{what}: not bitwise identical: {bad[:10]}"


def assert_failed_once(r, out_dir: Path, needles=(), once: str | None = None):
    """A failed run: exit != 0, every needle on stderr, `once` (default: the first needle) printed
    exactly once (rank 0 reports, not every rank), and no file left in out_dir."""
    msg = r.describe()
    assert r.returncode not in (0, None), "expected a non-zero exit\n" + msg
    assert "error" in r.stderr.lower(), "no error message on stderr\n" + msg
    for s in needles:
        assert s in r.stderr, f"the error does not mention {s!r}\n" + msg
    key = once if once is not None else (needles[0] if needles else None)
    if key is not None:
        assert r.stderr.count(key) == 1, f"{key!r} printed {r.stderr.count(key)} times, expected once\n" + msg
    left = sorted(p.name for p in Path(out_dir).iterdir()) if Path(out_dir).exists() else []
    assert not left, f"files left after a failure: {left}\n" + msg


def caret_position(stderr: str, expr: str) -> int | None:
    """Index into `expr` of the caret printed under the echoed expression: the line holding the
    expression, then a line of spaces and one '^' (GaiaMine's and Python's style)."""
    # Each line of an error may carry the program's prefix ("gaiamine: error: "): strip it.
    prefix = "gaiamine: error: "
    lines = [l[len(prefix):] if l.startswith(prefix) else l for l in stderr.splitlines()]
    for i, line in enumerate(lines[:-1]):
        k = line.find(expr)
        if k < 0:
            continue
        nxt = lines[i + 1]
        if nxt.strip().startswith("^") and set(nxt.strip()) <= {"^", "~"}:
            return nxt.index("^") - k
    return None
