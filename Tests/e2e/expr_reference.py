"""The numpy reference of GaiaMine's expression language (Docs/expressions.md) and a random
generator of expressions from its grammar, used by test_expressions.py.

Every generated expression comes with its value computed here, independently of gaiamine:

* int64 `+ - * // %`, unary `-`, abs, min/max(a,b), where: exact numpy int64 arithmetic. The
  generator tracks a bound on |value| (Python ints) and only builds an int operation whose result
  cannot overflow int64, so numpy's wrap-around never enters the reference. Nulls (`_FillValue`)
  propagate; `// 0` and `% 0` give null where numpy gives 0.
* Everything else is float64: ints widened (null → NaN), IEEE arithmetic, `//` and `%` as numpy
  (npy_divmod: sign of the divisor), `**` and the transcendental functions from glibc's libm
  through Python's `math` (the library gaiamine links, so results are bitwise comparable; numpy's
  own SIMD loops may differ by an ulp). Where `math` raises (domain error, overflow), the special
  value comes from numpy (NaN, ±inf): those are exact in every library.
* Comparisons are numpy's: false with NaN (and with a null int), `!=` true (IEEE).
* Conditions: and/or/not (also & | ~ with the same precedence); a null bool reads as false.
* Reductions over an array row skip NaN: numpy nan-functions (std/var ddof 0); nansum of an
  empty row is 0, the others NaN; count = number of non-NaN elements.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

I64 = 2 ** 63


class V:
    """A typed value over all rows: kind F (float64), I (int64 + null mask + |value| bound),
    B (bool), A (float64 array per row: flat values + offsets; `shape` 'fixed' or 'ragged')."""

    def __init__(self, kind, v=None, null=None, bound=None, offsets=None, shape=None):
        self.kind, self.v, self.null, self.bound, self.offsets, self.shape = kind, v, null, bound, offsets, shape

    def f(self) -> np.ndarray:
        if self.kind == "F":
            return self.v
        if self.kind == "I":
            out = self.v.astype(np.float64)
            out[self.null] = np.nan
            return out
        raise TypeError(self.kind)


def _libm(fn, npfn):
    """Element-wise glibc `fn` (via Python's math), numpy's value where math raises."""
    def scalar(x, *rest):
        try:
            return fn(x, *rest)
        except (ValueError, OverflowError, ZeroDivisionError):
            with np.errstate(all="ignore"):
                return float(npfn(np.float64(x), *map(np.float64, rest)))
    u = np.frompyfunc(scalar, 1 if npfn.nin == 1 else 2, 1)
    return lambda *a: np.asarray(u(*a), dtype=np.float64)


FUNC1 = {
    "abs": np.abs, "sqrt": np.sqrt, "floor": np.floor, "ceil": np.ceil, "round": np.round,
    "exp": _libm(math.exp, np.exp), "log": _libm(math.log, np.log), "log10": _libm(math.log10, np.log10),
    "sin": _libm(math.sin, np.sin), "cos": _libm(math.cos, np.cos), "tan": _libm(math.tan, np.tan),
    "arcsin": _libm(math.asin, np.arcsin), "arccos": _libm(math.acos, np.arccos),
    "arctan": _libm(math.atan, np.arctan),
    # numpy: deg2rad(x) = x * (pi/180), rad2deg(x) = x * (180/pi): one rounding each.
    "radians": np.radians, "degrees": np.degrees,
}
FUNC2 = {"arctan2": _libm(math.atan2, np.arctan2), "hypot": np.hypot,  # np.hypot is libm hypot
         "min": np.minimum, "max": np.maximum}
POW = _libm(math.pow, np.power)


def float_binop(op, a, b):
    with np.errstate(all="ignore"):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        if op == "//":
            return np.floor_divide(a, b)
        if op == "%":
            return np.remainder(a, b)
        if op == "**":
            return POW(a, b)
    raise ValueError(op)


CMP = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal,
       "!=": np.not_equal}


def compare(op, a: V, b: V) -> np.ndarray:
    if a.kind == "I" and b.kind == "I":  # exact: source_id-sized ints differ below float64's ulp
        r = CMP[op](a.v, b.v)
        nulls = a.null | b.null
        r[nulls] = (op == "!=")  # a null reads as NaN
        return r
    with np.errstate(invalid="ignore"):
        return CMP[op](a.f(), b.f())


def int_binop(op, a: V, b: V) -> V | None:
    """Exact int64 result, or None when the bound says it could overflow."""
    A, B = a.bound, b.bound
    bound = {"+": A + B, "-": A + B, "*": A * B, "//": A, "%": max(B - 1, 0)}[op]
    if bound >= I64 - 1:
        return None
    null = a.null | b.null
    x, y = a.v.copy(), b.v.copy()
    x[null], y[null] = 0, 1
    if op in ("//", "%"):
        zero = (y == 0) & ~null
        null = null | zero
        y[zero] = 1
        x[zero] = 0
    r = {"+": np.add, "-": np.subtract, "*": np.multiply, "//": np.floor_divide, "%": np.remainder}[op](x, y)
    r[null] = 0
    return V("I", r, null, bound)


# ---- arrays (one float64 array per row) -------------------------------------------------------

def per_row_scalar(s: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return np.repeat(s, np.diff(offsets))


def reduce_rows(name: str, a: V) -> np.ndarray:
    out = np.empty(len(a.offsets) - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(len(out)):
            x = a.v[a.offsets[i]:a.offsets[i + 1]]
            x = x[~np.isnan(x)]
            if name == "count":
                out[i] = len(x)
            elif name == "sum":
                out[i] = np.sum(x)  # 0 for an empty row, like nansum
            elif len(x) == 0:
                out[i] = np.nan
            else:
                out[i] = {"mean": np.mean, "median": np.median, "std": np.std, "var": np.var,
                          "min": np.min, "max": np.max, "ptp": np.ptp}[name](x)
    return out


REDUCTIONS = ["count", "sum", "mean", "median", "std", "var", "min", "max", "ptp"]
# Reductions whose result depends on the summation order (numpy sums pairwise, 8 accumulators):
# compared to a relative tolerance, not to the ulp.
ORDER_DEPENDENT = {"sum", "mean", "std", "var"}


# ---- random expressions from the grammar --------------------------------------------------------

FLOAT_LITERALS = ["0.5", "2.5", "1e-3", "2.5e-3", "3.0", "1e300", "nan", "inf", "pi", "0.0"]
INT_LITERALS = ["0", "1", "2", "3", "7", "1000", "4611686018427387904"]
ARRAY_FUNCS = ["abs", "sqrt", "exp", "log", "sin", "floor", "round", "radians"]
EXACT_REDUCTIONS = ["median", "min", "max", "ptp"]


class Generator:
    """Random typed expressions over the columns of `cols` (name → V), each with its reference
    value. Binary operations are fully parenthesised here; precedence has its own cases."""

    def __init__(self, rng: np.random.Generator, cols: dict[str, V], n: int):
        self.rng, self.cols, self.n = rng, cols, n
        self.names = {k: [c for c, v in cols.items() if v.kind == k] for k in "FIBA"}

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def literal_f(self):
        t = self.pick(FLOAT_LITERALS)
        return t, V("F", np.full(self.n, {"nan": np.nan, "inf": np.inf, "pi": np.pi}.get(t, None) or float(t)))

    def F(self, d):
        r = self.rng.random()
        if d <= 0 or r < 0.25:
            if self.rng.random() < 0.3:
                return self.literal_f()
            c = self.pick(self.names["F"])
            return c, self.cols[c]
        if r < 0.45:
            op = self.pick(["+", "-", "*", "/", "//", "%", "**"])
            (ta, a), (tb, b) = self.num(d - 1), self.num(d - 1)
            if a.kind == "I" and b.kind == "I" and op not in ("/", "**"):
                b = V("F", b.f())  # keep it float: mix a float in
                tb = f"({tb} * 1.0)"
            return f"({ta} {op} {tb})", V("F", float_binop(op, a.f(), b.f()))
        if r < 0.6:
            fn = self.pick(list(FUNC1))
            t, a = self.num(d - 1)
            # abs, floor, ceil and round of an int stay int (numpy 2: np.round(int64) is int64):
            # make the argument float so this branch tests the float functions.
            if fn in ("abs", "floor", "ceil", "round") and a.kind == "I":
                t, a = f"({t} + 0.5)", V("F", a.f() + 0.5)
            with np.errstate(all="ignore"):
                return f"{fn}({t})", V("F", FUNC1[fn](a.f()))
        if r < 0.7:
            fn = self.pick(list(FUNC2))
            (ta, a), (tb, b) = self.F(d - 1), self.num(d - 1)
            with np.errstate(all="ignore"):
                return f"{fn}({ta}, {tb})", V("F", FUNC2[fn](a.f(), b.f()))
        if r < 0.78:
            tc, c = self.B(d - 1)
            (ta, a), (tb, b) = self.F(d - 1), self.num(d - 1)
            return f"where({tc}, {ta}, {tb})", V("F", np.where(c.v, a.f(), b.f()))
        if r < 0.84:
            t, a = self.F(d - 1)
            return f"(-{t})", V("F", -a.v)
        if r < 0.92:
            c = self.pick([c for c in self.names["A"] if self.cols[c].shape == "fixed"])
            k = int(self.rng.integers(4))
            a = self.cols[c]
            return f"{c}[{k}]", V("F", a.v[a.offsets[:-1] + k])
        fn = self.pick(EXACT_REDUCTIONS)
        t, a = self.A(d - 1)
        return f"{fn}({t})", V("F", reduce_rows(fn, a))

    def I(self, d):
        r = self.rng.random()
        if d <= 0 or r < 0.3:
            if self.rng.random() < 0.3:
                t = self.pick(INT_LITERALS)
                return t, V("I", np.full(self.n, int(t), dtype=np.int64), np.zeros(self.n, bool), int(t))
            if self.rng.random() < 0.2:
                lev = int(self.rng.integers(13))
                s = self.cols["source_id"]
                v = s.v >> (35 + 2 * (12 - lev))
                return f"healpix({lev})", V("I", v, s.null.copy(), int(np.abs(v).max()))
            c = self.pick(self.names["I"])
            return c, self.cols[c]
        for _ in range(4):
            (ta, a), (tb, b) = self.I(d - 1), self.I(d - 1)
            if r < 0.6:
                op = self.pick(["+", "-", "*", "//", "%"])
                v = int_binop(op, a, b)
                if v is not None:
                    return f"({ta} {op} {tb})", v
            elif r < 0.7:
                fn = self.pick(["min", "max"])
                f = np.minimum if fn == "min" else np.maximum
                null = a.null | b.null
                v = np.where(null, 0, f(a.v, b.v))
                return f"{fn}({ta}, {tb})", V("I", v, null, max(a.bound, b.bound))
            elif r < 0.8:
                tc, c = self.B(d - 1)
                return (f"where({tc}, {ta}, {tb})",
                        V("I", np.where(c.v, a.v, b.v), np.where(c.v, a.null, b.null), max(a.bound, b.bound)))
            elif r < 0.9:
                return f"abs({ta})", V("I", np.abs(a.v), a.null, a.bound)
            else:
                return f"(-{ta})", V("I", -a.v, a.null, a.bound)
        return self.I(0)

    def num(self, d):
        return self.I(d) if self.rng.random() < 0.35 else self.F(d)

    def B(self, d):
        r = self.rng.random()
        if d <= 0 or r < 0.45:
            if r < 0.05:
                c = self.pick(self.names["B"])
                return c, self.cols[c]
            if r < 0.1:
                fn = self.pick(["isnan", "isfinite"])
                t, a = self.num(d - 1)
                return f"{fn}({t})", V("B", getattr(np, fn)(a.f()))
            if r < 0.15:
                t, a = self.A(d - 1)
                k = int(self.rng.integers(4))
                return f"(count({t}) >= {k})", V("B", reduce_rows("count", a) >= k)
            op = self.pick(list(CMP))
            (ta, a), (tb, b) = self.num(d - 1), self.num(d - 1)
            return f"({ta} {op} {tb})", V("B", compare(op, a, b))
        (ta, a), (tb, b) = self.B(d - 1), self.B(d - 1)
        if r < 0.6:
            op = self.pick(["and", "&"])
            return f"({ta} {op} {tb})", V("B", a.v & b.v)
        if r < 0.8:
            op = self.pick(["or", "|"])
            return f"({ta} {op} {tb})", V("B", a.v | b.v)
        op = self.pick(["not ", "~"])
        return f"({op}{ta})", V("B", ~a.v)

    def A(self, d):
        r = self.rng.random()
        if d <= 0 or r < 0.35:
            c = self.pick(self.names["A"])
            return c, self.cols[c]
        ta, a = self.A(d - 1)
        like = lambda v: V("A", v, offsets=a.offsets, shape=a.shape)
        if r < 0.55:  # array op array of the same shape: a ragged partner shares the offsets
            tb = self.pick([c for c in self.names["A"] if self.cols[c].shape == a.shape])
            op = self.pick(["+", "-", "*", "/"])
            return f"({ta} {op} {tb})", like(float_binop(op, a.v, self.cols[tb].v))
        if r < 0.75:
            op = self.pick(["+", "-", "*", "/", "**"])
            ts, s = self.F(d - 1)
            s = per_row_scalar(s.v, a.offsets)
            if self.rng.random() < 0.5:
                return f"({ta} {op} {ts})", like(float_binop(op, a.v, s))
            return f"({ts} {op} {ta})", like(float_binop(op, s, a.v))
        if r < 0.9:
            fn = self.pick(ARRAY_FUNCS)
            with np.errstate(all="ignore"):
                return f"{fn}({ta})", like(FUNC1[fn](a.v))
        return f"(-{ta})", like(-a.v)

    def top(self):
        """(text, value, mode): a scalar expression for `--define`; mode "ulp" (same operation
        order: 1 ulp), "rel" (a summing reduction: relative tolerance) or "count" (exact value,
        int64 or float64 column)."""
        r = self.rng.random()
        if r < 0.15:
            fn = self.pick(REDUCTIONS)
            t, a = self.A(2)
            mode = "rel" if fn in ORDER_DEPENDENT else "count" if fn == "count" else "ulp"
            return f"{fn}({t})", V("F", reduce_rows(fn, a)), mode
        while True:
            t, v = self.F(3) if r < 0.5 else self.I(3) if r < 0.75 else self.B(3)
            if t not in self.names["B"]:  # a bare nullable bool column is a copy, not a condition
                return t, v, "ulp"
