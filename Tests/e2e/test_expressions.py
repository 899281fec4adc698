"""End-to-end tests of the expression language (Docs/expressions.md) through `gaiamine select`:

* 400 random expressions from the grammar (fixed seed), evaluated by gaiamine as `--define`
  columns (50 per run) and by the numpy reference of expr_reference.py on a table written here
  with h5py: floats with NaN/±inf/±0/1e300, int64 near ±2^62..2^63 with nulls, a nullable bool,
  a fixed array, two ragged arrays sharing offsets with empty rows. Ints and bools must be equal,
  floats within 1 ulp (NaN where NaN) — the operation order is the same — except a top-level
  sum/mean/std/var reduction, whose summation order is not numpy's pairwise one (relative 1e-12
  of the row's scale there);
* `--where` masks of random conditions equal numpy's;
* precedence and literal cases with hand-computed values;
* np 1/2/3 give bitwise identical files;
* every error class: syntax, unknown column ("did you mean"), unknown function, wrong arity,
  array where a scalar is needed, reduction of a scalar — echoed with a caret, printed once,
  exit != 0, nothing written.
"""
from __future__ import annotations

import math

import h5py
import numpy as np
import pytest

from conftest import run_gaiamine
from expr_reference import Generator, V
from table_job_helpers import (INT64_NULL, Col, assert_failed_once, assert_same_contents, caret_position,
                               h5_contents, write_table)

N = 203
SEED = 20261207
PER_RUN = 50
N_EXPR = 400


def make_data(path):
    """The table and its reference values (name → V)."""
    rng = np.random.default_rng(SEED)
    x = rng.normal(0, 10, N)
    x[rng.random(N) < 0.06] = np.nan
    x[:8] = [np.inf, -np.inf, 0.0, -0.0, 1e-310, 1e300, -1e300, 2.5]
    y = rng.uniform(-3, 3, N).round(1)  # ties and exact zeros
    y[rng.random(N) < 0.05] = np.nan
    g = rng.uniform(5, 21, N).astype(np.float32)  # float32 on disk, widened exactly
    g[rng.random(N) < 0.05] = np.nan
    k = rng.integers(-20, 21, N).astype(np.int64)
    k[rng.random(N) < 0.07] = INT64_NULL
    big = rng.integers(2 ** 62, 2 ** 63 - 2 ** 20, N, dtype=np.int64) * rng.choice([-1, 1], N)
    big[rng.random(N) < 0.07] = INT64_NULL
    # big2 differs from big by less than float64 resolves there: only exact int compares tell them apart.
    big2 = np.where(big == INT64_NULL, INT64_NULL, big + rng.integers(-3, 4, N))
    source_id = np.sort(rng.integers(0, 12 * 2 ** 59, N, dtype=np.int64))
    flag = rng.integers(-1, 2, N).astype(np.int8)
    arr = rng.normal(0, 2, (N, 4))
    arr[rng.random((N, 4)) < 0.1] = np.nan
    lengths = rng.integers(0, 7, N)
    lengths[rng.random(N) < 0.25] = 0
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    r1 = rng.normal(15, 3, offsets[-1])
    r2 = rng.uniform(0.5, 2, offsets[-1])
    r1[rng.random(offsets[-1]) < 0.1] = np.nan
    cols = {"row": Col(np.arange(N, dtype=np.int64)), "source_id": Col(source_id), "x": Col(x), "y": Col(y),
            "g": Col(g, unit="mag"), "k": Col(k), "big": Col(big), "big2": Col(big2),
            "flag": Col(flag, boolean=True), "arr": Col(arr), "r1": Col(r1, offsets="offsets"),
            "r2": Col(r2, offsets="offsets")}
    write_table(path, "t", cols, offsets={"offsets": offsets}, n_rows=N)

    def ints(v):
        null = v == INT64_NULL
        return V("I", np.where(null, 0, v), null, int(np.abs(v[~null]).max()))
    ref = {"x": V("F", x), "y": V("F", y), "g": V("F", g.astype(np.float64)), "k": ints(k), "big": ints(big),
           "big2": ints(big2), "source_id": ints(source_id), "flag": V("B", flag == 1),
           "arr": V("A", arr.ravel(), offsets=np.arange(N + 1) * 4, shape="fixed"),
           "r1": V("A", r1, offsets=offsets, shape="ragged"), "r2": V("A", r2, offsets=offsets, shape="ragged")}
    return ref


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    d = tmp_path_factory.mktemp("expr")
    path = d / "t.h5"
    ref = make_data(path)
    return path, ref


def ordered(a: np.ndarray) -> np.ndarray:
    """float64 → int64 monotone in the value (−0 and +0 both 0): ulp distance is a difference."""
    b = a.view(np.int64)
    return np.where(b < 0, -(b & np.int64(0x7FFFFFFFFFFFFFFF)), b)


def check_column(name, text, got, dattrs, want: V, mode):
    where = f"{name} = {text}"
    if want.kind == "I":
        assert got.dtype == np.int64, f"{where}: dtype {got.dtype}, expected int64"
        expect = np.where(want.null, INT64_NULL, want.v)
        bad = np.nonzero(got != expect)[0]
        assert not len(bad), f"{where}: rows {bad[:5]}: got {got[bad[:5]]}, numpy {expect[bad[:5]]}"
        return
    if want.kind == "B":
        assert got.dtype == np.int8 and dattrs.get("gaia_datatype") == "bool", \
            f"{where}: {got.dtype} {dattrs}, expected an int8 bool column"
        bad = np.nonzero(got != want.v.astype(np.int8))[0]
        assert not len(bad), f"{where}: rows {bad[:5]}: got {got[bad[:5]]}, numpy {want.v[bad[:5]]}"
        return
    if mode == "count":
        assert got.dtype in (np.int64, np.float64), f"{where}: dtype {got.dtype}"
        got = got.astype(np.float64)
    else:
        assert got.dtype == np.float64, f"{where}: dtype {got.dtype}, expected float64"
    w = want.v
    nan_ok = np.isnan(got) == np.isnan(w)
    assert nan_ok.all(), f"{where}: NaN differs at rows {np.nonzero(~nan_ok)[0][:5]}: got " \
                         f"{got[~nan_ok][:5]}, numpy {w[~nan_ok][:5]}"
    m = ~np.isnan(w)
    if mode == "rel":
        # sum/mean/std/var: another summation order; the error bound scales with the row's size.
        ok = (got[m] == w[m]) | np.isclose(got[m], w[m], rtol=1e-12, atol=1e-300)
    else:
        ok = (got[m] == w[m]) | (np.abs(ordered(got[m]) - ordered(w[m])) <= 1)
        ok &= (np.isinf(got[m]) == np.isinf(w[m]))
    bad = np.nonzero(m)[0][~ok]
    assert not len(bad), f"{where}: rows {bad[:5]}: got {got[bad[:5]].tolist()}, numpy {w[bad[:5]].tolist()}"


def run_defines(path, out, defines, np_=None, where="true"):
    args = ["select", path, "--table", "t", "--where", where, "--columns", "row", "--out", out, "--overwrite"]
    for name, text in defines:
        args += ["--define", f"{name}={text}"]
    return run_gaiamine(args, np=np_)


def expressions(ref):
    gen = Generator(np.random.default_rng(SEED + 1), ref, N)
    return [gen.top() for _ in range(N_EXPR)]


def test_random_expressions_match_numpy(table, tmp_path):
    path, ref = table
    exprs = expressions(ref)
    kinds = {k: sum(v.kind == k for _, v, _ in exprs) for k in "FIB"}
    assert min(kinds.values()) >= 40, f"generator too one-sided: {kinds}"
    for start in range(0, N_EXPR, PER_RUN):
        batch = [(f"e{i}", exprs[i]) for i in range(start, min(start + PER_RUN, N_EXPR))]
        out = tmp_path / f"batch{start}"
        r = run_defines(path, out, [(n, t) for n, (t, _, _) in batch])
        assert r.returncode == 0, r.describe()
        with h5py.File(f"{out}.h5") as f:
            g = f["t"]
            assert np.array_equal(g["row"][()], np.arange(N))
            for name, (text, want, mode) in batch:
                d = g[name]
                assert d.attrs["description"] in (text, text.encode()), f"{name}: description {d.attrs['description']!r}"
                check_column(name, text, d[()], dict(d.attrs), want, mode)


def test_where_masks_match_numpy(table, tmp_path):
    path, ref = table
    gen = Generator(np.random.default_rng(SEED + 2), ref, N)
    for i in range(8):
        text, want = gen.B(3)
        out = tmp_path / f"w{i}"
        r = run_defines(path, out, [], where=text)
        assert r.returncode == 0, r.describe()
        with h5py.File(f"{out}.h5") as f:
            rows = f["t/row"][()]
            assert int(f["t"].attrs["n_rows"]) == len(rows)
        assert np.array_equal(rows, np.nonzero(want.v)[0]), f"--where {text}: rows differ from numpy's mask"


I62 = 4611686018427387904
CASES = [  # (expression, expected value, kind) — computed by hand / by Python's own rules
    ("-2 ** 2", -4.0, "F"), ("2 ** -1", 0.5, "F"), ("2 ** 3 ** 2", 512.0, "F"), ("1 + 2 * 3 - 4 / 8", 6.5, "F"),
    ("7 // 2 * 3", 9, "I"), ("-7 // 2", -4, "I"), ("-7 % 3", 2, "I"), ("7 % -3", -2, "I"),
    ("7.5 % -2", -0.5, "F"), ("-7.5 // 2", -4.0, "F"),
    ("1 // 0", None, "I"), ("5 % 0", None, "I"), ("1 / 0", math.inf, "F"), ("-1 / 0", -math.inf, "F"),
    ("0 / 0", math.nan, "F"), ("1.0 // 0", math.inf, "F"), ("5.0 % 0", math.nan, "F"),
    ("9223372036854775807 - 1", 9223372036854775806, "I"), (f"{I62 - 1} * 2 + 1", 2 ** 63 - 1, "I"),
    ("9223372036854775807 > 9223372036854775806", True, "B"), ("abs(-9223372036854775807)", 2 ** 63 - 1, "I"),
    ("1 < 2 and 3 < 2 or not 1 > 2", True, "B"),
    # & | ~ take the precedence of and/or/not (pandas.eval): 3 > 2 & 1 > 0 is (3>2) & (1>0),
    # where Python's precedence would read 3 > (2 & 1) > 0, false.
    ("3 > 2 & 1 > 0", True, "B"), ("~ 1 > 2 | 1 > 2", True, "B"), ("true and not false", True, "B"),
    ("nan == nan", False, "B"), ("nan != nan", True, "B"), ("nan < inf", False, "B"), ("inf > 1e308", True, "B"),
    ("pi", math.pi, "F"), ("round(2.5)", 2.0, "F"), ("round(3.5)", 4.0, "F"), ("round(-0.5)", -0.0, "F"),
    ("min(nan, 1)", math.nan, "F"), ("max(1, nan)", math.nan, "F"), ("min(3, 2)", 2, "I"),
    ("2.5e-3 * 1000", 2.5, "F"), ("degrees(pi)", 180.0, "F"), ("sqrt(-1)", math.nan, "F"), ("log(0)", -math.inf, "F"),
]


def test_precedence_literals_and_special_values(table, tmp_path):
    path, _ = table
    out = tmp_path / "cases"
    r = run_defines(path, out, [(f"c{i}", t) for i, (t, _, _) in enumerate(CASES)])
    assert r.returncode == 0, r.describe()
    with h5py.File(f"{out}.h5") as f:
        for i, (text, want, kind) in enumerate(CASES):
            got = f[f"t/c{i}"][()]
            assert len(got) == N
            v = got[0]
            assert (got == v).all() or (np.isnan(got).all() if got.dtype.kind == "f" else False), text
            if kind == "I":
                assert got.dtype == np.int64, f"{text}: {got.dtype}"
                assert int(v) == (INT64_NULL if want is None else want), f"{text}: got {v}, expected {want}"
            elif kind == "B":
                assert got.dtype == np.int8 and bool(v) == want, f"{text}: got {v!r}, expected {want}"
            else:
                assert got.dtype == np.float64, f"{text}: {got.dtype}"
                assert (math.isnan(v) and math.isnan(want)) or (v == want and math.copysign(1, v) == math.copysign(1, want)), \
                    f"{text}: got {v!r}, expected {want!r}"


def test_ranks_give_identical_files(table, tmp_path):
    path, ref = table
    defines = [(f"e{i}", t) for i, (t, _, _) in enumerate(expressions(ref)[:PER_RUN])]
    where = "(x > -5) or isnan(x) or count(r1) > 2"
    contents = []
    for np_ in (1, 2, 3):
        out = tmp_path / f"np{np_}"
        r = run_defines(path, out, defines, np_=np_, where=where)
        assert r.returncode == 0, r.describe()
        contents.append(h5_contents(f"{out}.h5"))
    assert_same_contents(contents[0], contents[1], "np 1 vs np 2")
    assert_same_contents(contents[0], contents[2], "np 1 vs np 3")


# (expression, start and end of the span the caret may point into, a phrase of the message)
ERRORS = [
    ("x > (1 +", 4, 9, None),                      # syntax: unclosed parenthesis / missing operand
    ("x >> 2", 2, 5, None),                          # syntax: no such operator
    ("x + yy > 0", 4, 6, "did you mean 'y'"),        # unknown column
    ("sqrtt(x) > 0", 0, 5, "sqrtt"),                 # unknown function
    ("arctan2(x) > 0", 0, 10, "arctan2"),            # wrong arity
    ("where(x > 0, 1) > 0", 0, 15, "where"),         # wrong arity
    ("r1 > 15", 0, 2, None),                         # an array where a scalar is needed
    ("x + arr > 0", 0, 7, None),                     # same, inside arithmetic
    ("mean(x) > 0", 0, 7, "mean"),                   # a reduction of a scalar
    ("arr[9] > 0", 0, 6, None),                      # index out of the fixed array's range
]


@pytest.mark.parametrize("expr,lo,hi,phrase", ERRORS)
def test_expression_errors(table, tmp_path, expr, lo, hi, phrase):
    path, _ = table
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for how in ("where", "define"):
        args = ["select", path, "--table", "t", "--out", out_dir / "x"]
        args += ["--where", expr] if how == "where" else ["--where", "true", "--define", f"bad={expr}"]
        r = run_gaiamine(args, np=2)
        assert_failed_once(r, out_dir, needles=[phrase] if phrase else [], once=expr)
        pos = caret_position(r.stderr, expr)
        assert pos is not None, f"{how}: no caret line under the echoed expression\n" + r.describe()
        assert lo <= pos <= hi, f"{how}: caret at {pos}, expected within [{lo}, {hi}]\n" + r.describe()
