"""Helpers of the end-to-end tests of `gaiamine xp-search` / `xp-index` (Tests/e2e/test_xp_search.py).

Nothing here shares code with gaiamine: results are read with astropy / h5py, and the Mahalanobis
distances are recomputed with numpy from the stored (float32 errors and correlations, float64
coefficients) values or from the decimal text of a template file (float64, as GaiaXPy parses it).

  search(h5, prefix, *args, np=None)   run `xp-search` and assert success (no .partial left)
  Result(prefix)                       PREFIX.ecsv read by astropy: columns as numpy arrays + meta
  assert_same_rows(a, b, ...)          NaN-aware exact comparison of result columns
  XPData(h5)                           the repacked XP table in memory, bands by source_id
  text_spectra(path)                   every spectrum of an XP ECSV/CSV file, parsed as float64
  mahalanobis(t, s, scaling)           numpy D²_b of two bands
  scale_fit(t, s, bands, scaling)      numpy D² with GaiaMine's documented one-step flux-scale fit
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from conftest import Run, TextTable, parse_array_text, run_gaiamine

NC = 55  # Gaia DR3's basis size; the data's own (DR4 BP: 51) is taken from the arrays (Band.n)
LOWER = np.tril_indices(NC, -1)
GROUP = "xp_continuous_mean_spectrum"
COLUMNS = ["template", "rank", "source_id", "chi2", "dof", "p_value", "log10_p_value", "chi2_bp",
           "chi2_rp", "scale", "flags"]
FLAG_MISSING_BP, FLAG_MISSING_RP, FLAG_NOT_PD, FLAG_SKIPPED = 1, 2, 4, 8
OUTPUT_SUFFIXES = (".h5", ".ecsv", ".svg", ".yaml")  # .yaml: the resolved parameters (every job)


# --------------------------------------------------------------------------------------------
# running


def search(h5, prefix, *args, np=None, timeout=120) -> Run:
    r = run_gaiamine(["xp-search", h5, *map(str, args), "--out", prefix], np=np, timeout=timeout)
    assert r.returncode == 0, "xp-search failed\n" + r.describe()
    for suf in OUTPUT_SUFFIXES:
        assert Path(str(prefix) + suf).exists(), f"xp-search exited 0 but wrote no {prefix}{suf}\n" + r.describe()
        assert not Path(str(prefix) + suf + ".partial").exists(), f"{prefix}{suf}.partial left\n" + r.describe()
    return r


def output_files(prefix) -> list[Path]:
    """Files whose name starts with the prefix's name (outputs, .partial, scratch)."""
    p = Path(prefix)
    return sorted(x for x in p.parent.iterdir() if x.name.startswith(p.name))


# --------------------------------------------------------------------------------------------
# reading results


class Result:
    """PREFIX.ecsv as astropy reads it."""

    def __init__(self, prefix):
        from astropy.table import Table
        self.path = Path(str(prefix) + ".ecsv")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = Table.read(str(self.path), format="ascii.ecsv")
        self.table = t
        self.names = list(t.colnames)
        self.meta = dict(t.meta)
        self.cols = {}
        for c in t.colnames:
            col = t[c]
            assert not getattr(col, "mask", np.zeros(1, bool)).any(), f"{self.path}: masked values in {c}"
            a = np.asarray(col)
            self.cols[c] = a.astype(str) if a.dtype.kind in "SUO" else a
        self.n = len(t)

    def __getitem__(self, name) -> np.ndarray:
        return self.cols[name]

    def rows_of(self, template) -> "np.ndarray":
        return np.flatnonzero(self.cols["template"] == str(template))

    def for_template(self, template) -> dict:
        i = self.rows_of(template)
        return {c: v[i] for c, v in self.cols.items()}

    def row_of(self, template, source_id) -> dict | None:
        i = self.rows_of(template)
        j = i[self.cols["source_id"][i] == source_id]
        if len(j) == 0:
            return None
        assert len(j) == 1, f"source {source_id} listed {len(j)} times for template {template}"
        return {c: v[j[0]] for c, v in self.cols.items()}


def same(a, b) -> bool:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def first_difference(a, b) -> str:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        return f"lengths {a.shape} vs {b.shape}"
    if a.dtype.kind == "f":
        bad = ~((a == b) | (np.isnan(a) & np.isnan(b)))
    else:
        bad = a != b
    i = np.flatnonzero(bad)
    return f"{len(i)} differ; first at row {i[0]}: {a[i[0]]!r} vs {b[i[0]]!r}"


def assert_same_rows(a: dict, b: dict, columns=COLUMNS, label=""):
    """Exact, NaN-aware equality of the given columns of two results (dicts of arrays)."""
    for c in columns:
        assert same(a[c], b[c]), f"{label}column {c}: {first_difference(a[c], b[c])}"


def assert_close(got, want, rel, label=""):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{label}: shapes {got.shape} vs {want.shape}"
    nan = np.isnan(want)
    assert same(np.isnan(got), nan), f"{label}: NaN in different places: {got} vs {want}"
    g, w = got[~nan], want[~nan]
    err = np.abs(g - w) / np.maximum(np.abs(w), 1e-300)
    ok = (g == w) | (err <= rel)
    if not ok.all():
        k = int(np.flatnonzero(~ok)[0])
        raise AssertionError(f"{label}: {int((~ok).sum())} of {len(w)} values differ by more than {rel:g} "
                             f"relative; first: got {g[k]!r}, expected {w[k]!r} (rel {err[k]:.3g})")


# --------------------------------------------------------------------------------------------
# the data, independently


class Band:
    """One band of one spectrum, in float64 (from whatever precision it was stored in)."""

    def __init__(self, coefficients, errors, correlations, standard_deviation):
        self.c = np.asarray(coefficients, dtype=np.float64)
        self.e = np.asarray(errors, dtype=np.float64)
        self.r = np.asarray(correlations, dtype=np.float64)
        self.sd = float(standard_deviation) if standard_deviation is not None else float("nan")

    @property
    def usable(self) -> bool:
        return bool(np.isfinite(self.c).all() and np.isfinite(self.e).all() and np.isfinite(self.r).all())

    @property
    def n(self) -> int:
        """The basis size: the coefficient count (correlations must be n(n−1)/2)."""
        return len(self.c)

    def sigma(self, scaling: str) -> np.ndarray:
        s = self.e / self.sd if scaling == "standard-deviation" else self.e
        n = self.n
        assert len(self.e) == n and len(self.r) == n * (n - 1) // 2, (len(self.c), len(self.e), len(self.r))
        R = np.zeros((n, n))
        R[np.tril_indices(n, -1)] = self.r
        R = R + R.T
        np.fill_diagonal(R, 1.0)
        return s[:, None] * R * s[None, :]


class XPData:
    """The repacked XP table read with h5py (values as stored: coefficients float64, errors,
    correlations and standard deviations float32), bands by source_id."""

    def __init__(self, h5):
        import h5py
        with h5py.File(h5, "r") as f:
            g = f[GROUP]
            self.source_id = g["source_id"][()]
            self.names = list(g.keys())
            self.data = {}
            for b in ("bp", "rp"):
                for k in ("coefficients", "coefficient_errors", "coefficient_correlations", "standard_deviation"):
                    self.data[f"{b}_{k}"] = g[f"{b}_{k}"][()]
            self.dtypes = {k: v.dtype for k, v in self.data.items()}
        self.row = {int(s): i for i, s in enumerate(self.source_id)}

    def band(self, source_id, b) -> Band | None:
        i = self.row[int(source_id)]
        bd = Band(self.data[f"{b}_coefficients"][i], self.data[f"{b}_coefficient_errors"][i],
                  self.data[f"{b}_coefficient_correlations"][i], self.data[f"{b}_standard_deviation"][i])
        return bd if bd.usable else None

    def has(self, source_id, b) -> bool:
        return self.band(source_id, b) is not None

    def spectrum(self, source_id) -> dict:
        return {b: self.band(source_id, b) for b in ("bp", "rp")}


def text_spectra(path) -> dict:
    """source_id → {"bp": Band | None, "rp": Band | None}, every number parsed from its decimal
    text straight to float64 (conftest.TextTable: csv module + PyYAML, nothing from gaiamine)."""
    tt = TextTable(path)
    out = {}
    for k, sid in enumerate(tt.cells("source_id")):
        spec = {}
        for b in ("bp", "rp"):
            def cell(name):
                return tt.cells(name)[k] if name in tt.names else None
            c = parse_array_text(cell(f"{b}_coefficients") or "")
            e = parse_array_text(cell(f"{b}_coefficient_errors") or "")
            r = parse_array_text(cell(f"{b}_coefficient_correlations") or "")
            sd_cell = cell(f"{b}_standard_deviation")
            sd = float(sd_cell) if sd_cell not in (None, "", "null") else float("nan")
            if c is None or e is None or r is None:
                spec[b] = None
            else:
                bd = Band([np.nan if x is None else x for x in c], [np.nan if x is None else x for x in e],
                          [np.nan if x is None else x for x in r], sd)
                spec[b] = bd if bd.usable else None
        out[int(sid)] = spec
    return out


def mahalanobis(t: Band, s: Band, scaling: str) -> float:
    """D²_b = (c_t − c_i)ᵀ (Σ_t + Σ_i)⁻¹ (c_t − c_i), float64, numpy Cholesky + triangular solve."""
    import scipy.linalg
    L = np.linalg.cholesky(t.sigma(scaling) + s.sigma(scaling))
    y = scipy.linalg.solve_triangular(L, t.c - s.c, lower=True)
    return float(y @ y)


def scale_fit(t: dict, s: dict, bands, scaling: str):
    """The shape-only comparison as Docs/ReferenceScorer document it: a0 = Σ c_i·c_t / Σ c_i·c_i,
    L Lᵀ = Σ_t + a0² Σ_i, y = L⁻¹c, a = Σ y_i·y_t / Σ y_i·y_i, D²_b = |y_t − a y_i|².
    Returns (a, {band: D²_b})."""
    import scipy.linalg
    ct = cc = 0.0
    for b in bands:
        ct += float(s[b].c @ t[b].c)
        cc += float(s[b].c @ s[b].c)
    a0 = ct / cc
    ys = {}
    for b in bands:
        L = np.linalg.cholesky(t[b].sigma(scaling) + a0 * a0 * s[b].sigma(scaling))
        ys[b] = (scipy.linalg.solve_triangular(L, t[b].c, lower=True),
                 scipy.linalg.solve_triangular(L, s[b].c, lower=True))
    a = sum(float(yi @ yt) for yt, yi in ys.values()) / sum(float(yi @ yi) for _, yi in ys.values())
    return a, {b: float(np.sum((yt - a * yi) ** 2)) for b, (yt, yi) in ys.items()}
