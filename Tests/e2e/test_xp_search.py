"""End-to-end tests of the XP similarity search: `gaiamine synth` (planted twins) → `repack` →
`xp-index` → `xp-search` / `gaiamine run PARAMS.yaml`, checked against the synthetic truth, an
independent numpy recomputation (xp_helpers), the shared numpy baseline
(../shared/bench/xp_numpy_baseline.py) and the GaiaXPy fixtures.

One synthetic data set per session (1500 sources, 3 files, 4 planted twins, 2 % of the sources
without BP or without RP), repacked and indexed on 2 ranks.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.stats

from conftest import REPO, H5Table, fixture_path, repack, run_gaiamine
from xp_helpers import (COLUMNS, FLAG_MISSING_BP, FLAG_MISSING_RP, OUTPUT_SUFFIXES, Result,
                        XPData, assert_close, assert_same_rows, mahalanobis, output_files, same, scale_fit,
                        search, text_spectra)

XP = "xp_continuous_mean_spectrum"
SOURCES, FILES, SEED, TWINS, MISSING = 1500, 3, 7, 4, 0.02
TEMPLATES = REPO / "Inputs" / "templates"
SCO = TEMPLATES / "18Sco-XP-spectra.csv"
SCO_ID = 4345775217221821312
PROXIMA = TEMPLATES / "ProximaCen-XP.ecsv"
PROXIMA_ID = 5853498713190525696
OTHER_RAW_ID = 5762406957886626816  # the second row of XP_CONTINUOUS_RAW.ecsv
BASELINE = Path(os.environ.get("GAIAMINE_XP_BASELINE", str(REPO.parent / "shared" / "bench" / "xp_numpy_baseline.py")))
SCALINGS = ["none", "standard-deviation"]
# run-dependent meta of the outputs: the rest must not depend on the number of ranks
VOLATILE_META = {"seconds", "kernel_seconds", "mpi_ranks", "bytes_read", "sources_evaluated_exactly",
                 "parameters", "input", "software"}


# --------------------------------------------------------------------------------------------
# the data set


@pytest.fixture(scope="session")
def xp(tmp_path_factory):
    d = tmp_path_factory.mktemp("xp_search")
    synth_dir = d / "synth"
    r = run_gaiamine(["synth", XP, "--sources", SOURCES, "--files", FILES, "--seed", SEED, "--twins", TWINS,
                      "--missing-fraction", MISSING, "--out", synth_dir])
    assert r.returncode == 0, "synth failed\n" + r.describe()
    files = sorted(synth_dir.glob("XpContinuousMeanSpectrum_*.csv.gz"))
    assert len(files) == FILES, r.describe()
    truth = json.loads((synth_dir / f"{XP}_truth.json").read_text())
    assert len(truth["twins"]) == TWINS, f"truth lists {len(truth['twins'])} twins, asked for {TWINS}"
    h5 = d / "xp.h5"
    repack(files, h5, np=2)
    # an unindexed copy: the search must fall back to (and agree with) the full scan
    noindex = d / "xp_noindex.h5"
    shutil.copyfile(h5, noindex)
    r = run_gaiamine(["xp-index", h5], np=2)
    assert r.returncode == 0, "xp-index failed\n" + r.describe()
    data = XPData(h5)
    missing_bp = set(truth["missing_bp_source_ids"])
    missing_rp = set(truth["missing_rp_source_ids"])
    both = [int(s) for s in data.source_id if int(s) not in missing_bp | missing_rp]
    twins = truth["twins"]
    planted = {t["template_source_id"] for t in twins} | {t["twin_source_id"] for t in twins}
    # a template that is not part of a planted pair, with both bands, for the generic comparisons
    plain = next(s for s in both[len(both) // 2:] if s not in planted)
    return SimpleNamespace(dir=d, h5=h5, noindex=noindex, truth=truth, data=data, twins=twins,
                           missing_bp=missing_bp, missing_rp=missing_rp, plain=plain,
                           twin1=[t for t in twins if t["flux_scale"] == 1.0],
                           scaled=[t for t in twins if t["flux_scale"] != 1.0])


def out(xp, name) -> Path:
    return xp.dir / name


def dof_of(bands: str) -> int:
    return 55 * len(bands.split(","))


# --------------------------------------------------------------------------------------------
# 0. the data set and the index


def test_truth_consistent_with_repacked_file(xp):
    """The missing-band lists of the truth are the rows with NaN coefficients in the file, and the
    planted pairs all have both bands (otherwise the twin tests below test nothing)."""
    d = xp.data
    nan_bp = {int(s) for s, c in zip(d.source_id, d.data["bp_coefficients"]) if np.isnan(c).all()}
    nan_rp = {int(s) for s, c in zip(d.source_id, d.data["rp_coefficients"]) if np.isnan(c).all()}
    assert nan_bp == xp.missing_bp and nan_rp == xp.missing_rp
    assert xp.missing_bp and xp.missing_rp and not (xp.missing_bp & xp.missing_rp)
    assert xp.twin1, "seed gives no planted twin with flux_scale 1: choose another SEED"
    assert xp.scaled, "seed gives no planted twin with flux_scale != 1: choose another SEED"
    for t in xp.twins:
        for s in (t["template_source_id"], t["twin_source_id"]):
            assert d.has(s, "bp") and d.has(s, "rp"), f"planted source {s} lacks a band"


def test_xp_index_is_a_certified_bound(xp):
    """xp-index adds {bp,rp}_correlation_lambda_max: NaN where the band is missing, otherwise an
    upper bound of the largest eigenvalue of the stored (float32) correlation matrix, ≤ 55."""
    import h5py
    with h5py.File(xp.h5, "r") as f:
        g = f[XP]
        for b, missing in (("bp", xp.missing_bp), ("rp", xp.missing_rp)):
            name = f"{b}_correlation_lambda_max"
            assert name in g, f"xp-index did not add {name} (datasets: {sorted(g.keys())})"
            lam = g[name][()]
            assert lam.shape == (SOURCES,)
            is_missing = np.array([int(s) in missing for s in xp.data.source_id])
            assert same(np.isnan(lam), is_missing), f"{name}: NaN rows are not the rows without {b.upper()}"
            R = np.zeros((SOURCES, 55, 55))
            low = np.tril_indices(55, -1)
            R[:, low[0], low[1]] = xp.data.data[f"{b}_coefficient_correlations"].astype(np.float64)
            R = R + R.transpose(0, 2, 1)
            R[:, np.arange(55), np.arange(55)] = 1.0
            ok = ~is_missing
            emax = np.linalg.eigvalsh(R[ok])[:, -1]
            assert np.all(lam[ok] >= emax * (1 - 1e-12)), \
                f"{name}: not an upper bound of λmax for {int(np.sum(lam[ok] < emax * (1 - 1e-12)))} rows"
            assert np.all(lam[ok] <= 55 + 1e-9)
    with h5py.File(xp.noindex, "r") as f:
        assert "bp_correlation_lambda_max" not in f[XP]


# --------------------------------------------------------------------------------------------
# 1. planted twins


@pytest.mark.parametrize("scaling", SCALINGS)
def test_planted_twins_exact_d2(xp, scaling):
    """Each flux-scale-1 template finds itself at rank 1 with D² = 0 (--include-self) and its twin
    with D² = d2_bp + d2_rp of the truth (computed by synth in float64 from the written values),
    at rank 2 for twins drawn with noise_scale ≤ 1. (A noise_scale-2 twin, E[D²] = 4·110, can be
    beaten by ordinary sources: template 879305596493366695 of this seed has two-band neighbours
    at D² 161 and 196 before its twin at 359 — the planted pair is then only required to be listed
    with the right D².)"""
    suffix = "" if scaling == "none" else "_errors_over_standard_deviation"
    k = 100
    ids = []
    for t in xp.twin1:
        ids += ["--template-source-id", t["template_source_id"]]
    prefix = out(xp, f"twins_self_{scaling}")
    search(xp.h5, prefix, *ids, "--include-self", "--k", k, "--error-scaling", scaling)
    res = Result(prefix)
    for t in xp.twin1:
        m = res.for_template(t["template_source_id"])
        assert list(m["rank"]) == list(range(1, k + 1))
        assert m["source_id"][0] == t["template_source_id"], f"rank 1 is not the template itself: {m['source_id'][:3]}"
        assert (m["chi2"][0], m["chi2_bp"][0], m["chi2_rp"][0]) == (0.0, 0.0, 0.0), m
        assert m["p_value"][0] == 1.0 and m["dof"][0] == 110 and m["flags"][0] == 0 and m["scale"][0] == 1.0
        label = f"template {t['template_source_id']} twin {t['twin_source_id']} ({scaling})"
        w = res.row_of(t["template_source_id"], t["twin_source_id"])
        assert w is not None, f"{label}: twin not among the {k} best: {list(m['source_id'][:10])}"
        if t["noise_scale"] <= 1:
            assert w["rank"] == 2, f"{label}: twin at rank {w['rank']}, expected 2: {list(m['source_id'][:5])}"
        assert w["dof"] == 110 and w["flags"] == 0 and w["scale"] == 1.0
        # numpy from the stored values (σ = errors / standard_deviation divided in float64, as
        # GaiaXPy does): which side is right if gaiamine and the truth disagree
        ts, ws = xp.data.spectrum(t["template_source_id"]), xp.data.spectrum(t["twin_source_id"])
        assert_close([w["chi2_bp"], w["chi2_rp"]], [mahalanobis(ts["bp"], ws["bp"], scaling),
                                                    mahalanobis(ts["rp"], ws["rp"], scaling)], 1e-9, label + " vs numpy")
        # the truth. KNOWN BUG (gaiamine synth, Sources/Synth/XPSpectra.swift twinTruth): the
        # *_errors_over_standard_deviation values round errors/standard_deviation back to float32
        # (`Float(Double(e) / Double(sd))`) although the truth says "computed in float64", so they
        # are off by ~1.5e-8 relative and this fails for --error-scaling standard-deviation.
        assert_close(w["chi2_bp"], t["d2_bp" + suffix], 1e-9, label + " chi2_bp vs truth")
        assert_close(w["chi2_rp"], t["d2_rp" + suffix], 1e-9, label + " chi2_rp vs truth")
        assert_close(w["chi2"], t["d2_bp" + suffix] + t["d2_rp" + suffix], 1e-9, label + " chi2 vs truth")

    # By default the template's own source is not a match (ranks shift by one); and the pair is
    # symmetric (Σ_t + Σ_i and |c_t − c_i| do not change when the roles swap).
    ids = []
    for t in xp.twin1:
        ids += ["--template-source-id", t["template_source_id"], "--template-source-id", t["twin_source_id"]]
    prefix = out(xp, f"twins_{scaling}")
    search(xp.h5, prefix, *ids, "--k", k, "--error-scaling", scaling)
    res = Result(prefix)
    for t in xp.twin1:
        a = res.for_template(t["template_source_id"])
        assert t["template_source_id"] not in a["source_id"], "the template itself is listed without --include-self"
        wa = res.row_of(t["template_source_id"], t["twin_source_id"])
        wb = res.row_of(t["twin_source_id"], t["template_source_id"])
        assert wa is not None and wb is not None
        if t["noise_scale"] <= 1:
            assert wa["rank"] == 1 and wb["rank"] == 1
        assert_close(wb["chi2"], wa["chi2"], 1e-12, "D² of the pair, roles swapped")
        assert_close(wa["chi2"], t["d2_bp" + suffix] + t["d2_rp" + suffix], 1e-9, "without --include-self, vs truth")


def test_planted_scaled_twins_scale_fit(xp):
    """Twins with flux_scale s ≠ 1 (c_i = s (c_t + δ)), --scale fit: among the sources with both
    bands the twin is the best match, with the fitted scale a ≈ 1/s (a·c_i ≈ c_t), D² ≤ the truth's
    D² at the true scale (the fit minimises over a; the truth uses Σ_t + Σ_i/s², the fit
    Σ_t + a0²Σ_i with a0 ≈ 1/s), and D², a equal to the documented estimator recomputed in numpy.

    Ranking: by p-value (the default) each twin is at rank 1 overall. By raw χ² (--rank-by chi2)
    a source compared on one band (dof 54) can rank ahead of a genuine two-band twin (dof 109):
    with this seed, template 6732299388950938948's twin (χ² 89.7/109, p 0.91) is then at rank 3
    behind two one-band sources (χ² 59.7/54, p 0.27 and 84.4/54, p 0.005) — the issue that made
    p-value the default; the chi2 run must list exactly the same scores, only ordered by χ²."""
    ids = []
    for t in xp.scaled:
        ids += ["--template-source-id", t["template_source_id"]]
    prefix = out(xp, "twins_scaled")
    r = search(xp.h5, prefix, *ids, "--scale", "fit", "--k", 10)
    assert "full scan" in r.stdout, "--scale fit cannot be pruned: the summary should say full scan\n" + r.describe()
    res = Result(prefix)
    prefix_chi2 = out(xp, "twins_scaled_chi2")
    search(xp.h5, prefix_chi2, *ids, "--scale", "fit", "--k", 10, "--rank-by", "chi2")
    res_chi2 = Result(prefix_chi2)
    one_band_ahead = 0
    for t in xp.scaled:
        m = res.for_template(t["template_source_id"])
        assert m["source_id"][0] == t["twin_source_id"], \
            f"template {t['template_source_id']}: rank 1 is {m['source_id'][0]} (p-value ranking), twin {t['twin_source_id']}"
        mc = res_chi2.for_template(t["template_source_id"])
        assert_chi2_order(mc, f"template {t['template_source_id']} --rank-by chi2")
        w = res_chi2.row_of(t["template_source_id"], t["twin_source_id"])
        assert w is not None
        one_band_ahead += int(np.sum(mc["flags"][:w["rank"] - 1] != 0))
        both = m["flags"] == 0
        assert np.any(both)
        j = int(np.flatnonzero(both)[0])
        assert m["source_id"][j] == t["twin_source_id"], \
            f"template {t['template_source_id']}: best two-band match {m['source_id'][j]}, twin {t['twin_source_id']}"
        assert m["dof"][j] == 109
        assert abs(m["scale"][j] * t["flux_scale"] - 1) < 0.05, (m["scale"][j], 1 / t["flux_scale"])
        assert m["chi2"][j] <= (t["d2_bp"] + t["d2_rp"]) * (1 + 1e-3)
        a, d2 = scale_fit(xp.data.spectrum(t["template_source_id"]), xp.data.spectrum(t["twin_source_id"]),
                          ["bp", "rp"], "none")
        assert_close(m["scale"][j], a, 1e-9, "fitted scale vs numpy")
        assert_close([m["chi2_bp"][j], m["chi2_rp"][j]], [d2["bp"], d2["rp"]], 1e-9, "scale-fit D² vs numpy")
        assert_close(m["chi2"][j], d2["bp"] + d2["rp"], 1e-9, "scale-fit D² vs numpy")
    # the situation of the issue occurs in this data set (raw χ² lets one-band sources ahead)
    assert one_band_ahead > 0, "no one-band source ahead of a twin by raw χ²: the test lost its point"


# --------------------------------------------------------------------------------------------
# 2. pruned == full scan == reference kernel


def meta_counts(res: Result) -> dict:
    return {k: v for k, v in res.meta.items() if k not in VOLATILE_META and k != "pruned"}


@pytest.mark.parametrize("bands", ["bp,rp", "bp", "rp"])
@pytest.mark.parametrize("scaling", SCALINGS)
def test_pruned_equals_full_scan_equals_reference(xp, bands, scaling):
    """For k = 1, 10, 50: the pruned batched scan (2 ranks) == the full batched scan (1 rank),
    exactly (all columns); the pruned reference kernel == the full reference scan, exactly; the
    batched kernel == the reference kernel: same source_ids in the same order, D² to 1e-9.
    The full reference scan is run once with k = 50: a top-k under the total order of the ranking
    (p-value by default: −log p, chi2, source_id) is the first k rows of the top-50. Sources
    without a band (dof 55) are among the rows, so the p-value key bound is exercised with mixed
    dof."""
    t1 = xp.twin1[0]["template_source_id"]
    ids = ["--template-source-id", t1, "--template-source-id", xp.plain]
    common = [*ids, "--bands", bands, "--error-scaling", scaling]
    tag = f"{bands.replace(',', '')}_{scaling}"
    search(xp.h5, out(xp, f"rf_{tag}"), *common, "--k", 50, "--kernel", "reference", "--no-prune")
    ref_full = Result(out(xp, f"rf_{tag}"))
    assert ref_full.meta["pruned"] == "false"
    for k in (1, 10, 50):
        r = search(xp.h5, out(xp, f"bp_{tag}_{k}"), *common, "--k", k, np=2)
        assert "pruned scan" in r.stdout, r.describe()
        b_pruned = Result(out(xp, f"bp_{tag}_{k}"))
        search(xp.h5, out(xp, f"bf_{tag}_{k}"), *common, "--k", k, "--no-prune")
        b_full = Result(out(xp, f"bf_{tag}_{k}"))
        search(xp.h5, out(xp, f"rp_{tag}_{k}"), *common, "--k", k, "--kernel", "reference")
        r_pruned = Result(out(xp, f"rp_{tag}_{k}"))
        assert b_pruned.meta["pruned"] == "true" and b_full.meta["pruned"] == "false"
        if k == 1:
            # (for larger k the bound of the `plain` template is too weak to skip anything: e.g.
            # with bands bp,rp, k = 50, every row's bound is below the 50th best D² — checked with
            # the documented bound in test_pruning_bound_is_sound_and_needed)
            assert int(b_pruned.meta["sources_evaluated_exactly"]) < SOURCES, "the pruned scan pruned nothing"
        assert b_pruned.n == 2 * k
        assert_same_rows(b_pruned.cols, b_full.cols, label=f"k={k} batched pruned (np 2) vs full (np 1): ")
        assert meta_counts(b_pruned) == meta_counts(b_full)
        ref_k = {c: np.concatenate([v[ref_full.rows_of(t)[:k]] for t in (t1, xp.plain)]) for c, v in ref_full.cols.items()}
        ref_k["rank"] = np.concatenate([np.arange(1, k + 1)] * 2).astype(ref_k["rank"].dtype)
        assert_same_rows(r_pruned.cols, ref_k, label=f"k={k} reference pruned vs full: ")
        assert_same_rows(b_full.cols, ref_k, columns=["template", "rank", "source_id", "dof", "flags"],
                         label=f"k={k} batched vs reference: ")
        for c in ("chi2", "chi2_bp", "chi2_rp", "scale"):
            assert_close(b_full[c], ref_k[c], 1e-9, f"k={k} batched vs reference {c}")
        assert np.all(b_full["dof"] == np.where(b_full["flags"] & 3, 55, dof_of(bands)))


def test_without_index_full_scan_same_result(xp):
    """A file without the pruning index: the search says so, does a full scan, same result (also
    as the pruned scan with merged read ranges)."""
    common = ["--template-source-id", xp.twin1[0]["template_source_id"], "--template-source-id", xp.plain, "--k", 20]
    r = search(xp.noindex, out(xp, "noindex"), *common)
    assert "xp-index" in r.stdout + r.stderr, "no hint to run xp-index\n" + r.describe()
    search(xp.h5, out(xp, "indexed"), *common)
    a, b = Result(out(xp, "noindex")), Result(out(xp, "indexed"))
    assert a.meta["pruned"] == "false" and b.meta["pruned"] == "true"
    assert_same_rows(a.cols, b.cols, label="unindexed vs indexed: ")
    # pruned reads with gap merging and small blocks, 2 ranks: still the full-scan result
    search(xp.h5, out(xp, "gaps"), *common, "--gap-rows", 100, "--block-rows", 64, np=2)
    c = Result(out(xp, "gaps"))
    assert c.meta["pruned"] == "true"
    assert_same_rows(c.cols, a.cols, label="pruned --gap-rows 100 --block-rows 64 (np 2) vs full scan: ")


@pytest.mark.parametrize("scaling", SCALINGS)
def test_pruning_bound_is_sound(xp, scaling):
    """The pruning is exact only if its lower bound never exceeds D². Recompute the bound that
    Sources/XPSearch/CorrelationBound.swift documents, with the stored index Λ(R_i), for every
    source and two templates, and check it against the D² of a search listing every source:
        D²_b ≥ Σ_k Δ_k²/(s_tk² + s_ik²) / (Λ(R_t)·max_k A_tk² + Λ(R_i)·max_k A_ik²)."""
    import h5py
    with h5py.File(xp.h5, "r") as f:
        lam = {b: f[XP][f"{b}_correlation_lambda_max"][()] for b in ("bp", "rp")}
    d = xp.data
    for t in (xp.plain, xp.twin1[0]["template_source_id"]):
        prefix = out(xp, f"bound_{t}_{scaling}")
        search(xp.h5, prefix, "--template-source-id", t, "--k", SOURCES, "--include-self", "--no-prune",
               "--error-scaling", scaling)
        res = Result(prefix)
        assert res.n == SOURCES
        d2 = dict(zip(res["source_id"].tolist(), res["chi2"].tolist()))
        D2 = np.array([d2[int(s)] for s in d.source_id])
        it = d.row[t]
        bound = np.zeros(SOURCES)
        for b in ("bp", "rp"):
            tb = d.band(t, b)
            st = tb.e / tb.sd if scaling == "standard-deviation" else tb.e
            e = d.data[f"{b}_coefficient_errors"].astype(np.float64)
            if scaling == "standard-deviation":
                e = e * (1.0 / d.data[f"{b}_standard_deviation"].astype(np.float64))[:, None]
            den = st[None, :] ** 2 + e ** 2
            chi = np.sum((tb.c[None, :] - d.data[f"{b}_coefficients"]) ** 2 / den, axis=1)
            at = np.max(st[None, :] ** 2 / den, axis=1)
            ai = np.max(e ** 2 / den, axis=1)
            bb = chi / (lam[b][it] * at + lam[b] * ai)
            bound += np.where(np.isnan(bb), 0.0, bb)
        bad = bound > D2 * (1 + 1e-9) + 1e-12
        assert not bad.any(), (f"template {t}: the pruning lower bound exceeds D² for {int(bad.sum())} sources, "
                               f"e.g. {int(d.source_id[bad][0])}: bound {bound[bad][0]!r} > D² {D2[bad][0]!r}")
        assert np.median(bound[D2 > 0] / D2[D2 > 0]) > 0.01  # not trivially 0


# --------------------------------------------------------------------------------------------
# 3. rank independence


@pytest.mark.parametrize("case", ["pruned", "full_scan", "one_band_template", "one_band_template_full",
                                  "chi2", "scale_fit", "small_blocks"])
def test_rank_independence(xp, case):
    """np 1, 2, 3 give identical ECSV data (all columns, NaN-aware) and the same counts: p-value
    ranking (the default) with pruning on and off, also with a template searched on one band
    (mixed dof among the templates and among the sources); --rank-by chi2; scale fit; small blocks."""
    t1 = xp.twin1[0]["template_source_id"]
    no_bp = sorted(xp.missing_bp)[0]
    args = {"pruned": ["--template-source-id", t1, "--template-source-id", xp.plain, "--k", 50],
            "full_scan": ["--template-source-id", t1, "--template-source-id", xp.plain, "--k", 50, "--no-prune"],
            "one_band_template": ["--template-source-id", no_bp, "--template-source-id", xp.plain, "--k", 30],
            "one_band_template_full": ["--template-source-id", no_bp, "--template-source-id", xp.plain, "--k", 30,
                                       "--no-prune"],
            "chi2": ["--template-source-id", t1, "--template-source-id", xp.plain, "--k", 50, "--rank-by", "chi2"],
            "scale_fit": ["--template-file", SCO, "--template-source-id", xp.plain, "--scale", "fit", "--k", 30],
            # uneven blocks: several rounds per rank, the last one partial, ranks with different counts
            "small_blocks": ["--template-source-id", xp.plain, "--k", 40, "--block-rows", 97,
                             "--error-scaling", "standard-deviation"]}[case]
    results = []
    for n in (1, 2, 3):
        search(xp.h5, out(xp, f"ranks_{case}_{n}"), *args, np=n)
        results.append(Result(out(xp, f"ranks_{case}_{n}")))
    for n, res in zip((2, 3), results[1:]):
        assert res.names == COLUMNS
        assert_same_rows(res.cols, results[0].cols, label=f"{case}: np {n} vs np 1: ")
        assert meta_counts(res) == meta_counts(results[0]), f"{case}: np {n} vs np 1"
        assert res.meta["mpi_ranks"] == str(n)
    if case.startswith("one_band_template"):
        # pruned and full scans agree too
        other = "one_band_template_full" if case == "one_band_template" else "one_band_template"
        if Path(str(out(xp, f"ranks_{other}_1")) + ".ecsv").exists():
            assert_same_rows(Result(out(xp, f"ranks_{other}_1")).cols, results[0].cols, label="pruned vs full: ")


# --------------------------------------------------------------------------------------------
# 4. the independent numpy baseline


@pytest.mark.parametrize("bands,scaling", [("bp,rp", "none"), ("bp,rp", "standard-deviation"), ("rp", "none")])
def test_numpy_baseline(xp, bands, scaling, tmp_path):
    """../shared/bench/xp_numpy_baseline.py on the same file: same top-k ids, D² to 1e-9.

    The baseline differs by design in two ways: it drops the template's own source (so does
    xp-search by default), and it sums D² over the requested bands without skipping a missing
    one, so a source lacking a requested band gets NaN and is never a match, whereas xp-search
    compares such a source on the band it has (flags 1/2, dof 55). So only our rows with flags 0
    (every requested band present) are compared: they must be the baseline's ranking, in order."""
    if not BASELINE.exists():
        pytest.fail(f"numpy baseline {BASELINE} missing (set GAIAMINE_XP_BASELINE)")
    k = 50
    t = xp.twin1[0]["template_source_id"]
    js = tmp_path / "baseline.json"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    p = subprocess.run([sys.executable, str(BASELINE), str(xp.h5), "--template-source-id", str(t), "--k", str(k),
                        "--bands", bands, "--error-scaling", scaling, "--json", str(js)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    base = json.loads(js.read_text())["top"]
    search(xp.h5, tmp_path / "ours", "--template-source-id", t, "--k", k, "--bands", bands, "--error-scaling", scaling)
    res = Result(tmp_path / "ours")
    ok = res["flags"] == 0
    ours_ids, ours_d2 = res["source_id"][ok], res["chi2"][ok]
    assert len(ours_ids) >= k - len(xp.missing_bp | xp.missing_rp)
    assert len(base) == k
    base_ids = np.array([s for s, _ in base[:len(ours_ids)]], dtype=np.int64)
    base_d2 = np.array([v for _, v in base[:len(ours_ids)]])
    assert same(ours_ids, base_ids), f"top-k ids differ from the numpy baseline: {first_difference_ids(ours_ids, base_ids)}"
    # The baseline divides the float32 errors by the float32 standard deviation in float32
    # (`err / sd[:, None]` on float32 arrays), i.e. it rounds σ = e/sd to float32; gaiamine and
    # GaiaXPy divide in float64. That moves D² by up to ~1e-7 relative (measured 8.8e-9 for the
    # twin, 6.4e-8 at worst in this top-50), so with standard-deviation scaling the baseline is
    # compared to 3e-7 and gaiamine is compared to 1e-9 with numpy dividing in float64
    # (xp_helpers.mahalanobis) instead.
    assert_close(ours_d2, base_d2, 1e-9 if scaling == "none" else 3e-7, "D² vs numpy baseline")
    tmpl = xp.data.spectrum(t)
    for sid, d2 in list(zip(ours_ids, ours_d2))[:10]:
        s = xp.data.spectrum(int(sid))
        want = sum(mahalanobis(tmpl[b], s[b], scaling) for b in bands.split(","))
        assert_close(d2, want, 1e-9, f"{sid}: D² vs numpy (float64 σ)")
    if bands == "bp,rp":
        assert ours_ids[0] == xp.twin1[0]["twin_source_id"]


def first_difference_ids(a, b) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"rank {i + 1}: ours {x}, baseline {y}"
    return f"lengths {len(a)} vs {len(b)}"


# --------------------------------------------------------------------------------------------
# 4b. ranking across degrees of freedom (--rank-by)


def assert_chi2_order(m: dict, label: str):
    keys = list(zip(m["chi2"], m["source_id"]))
    assert keys == sorted(keys), f"{label}: rows not sorted by chi2, source_id"


def scipy_log10_p(chi2, dof) -> np.ndarray:
    """log10 of the χ² upper tail: scipy `chi2.logsf / ln 10` (it is log(sf): accurate to ~1e-14
    relative while sf is a normal number), `log1p(−chi2.cdf) / ln 10` where sf > 0.5 (log(sf)
    would cancel there), and mpmath (30 digits) where scipy's sf underflows."""
    import mpmath
    out = scipy.stats.chi2.logsf(chi2, dof) / math.log(10)
    high = scipy.stats.chi2.sf(chi2, dof) > 0.5
    out[high] = np.log1p(-scipy.stats.chi2.cdf(chi2[high], dof[high])) / math.log(10)
    out[scipy.stats.chi2.sf(chi2, dof) < 1e-300] = -np.inf
    mpmath.mp.dps = 30
    for i in np.flatnonzero(~np.isfinite(out)):
        out[i] = float(mpmath.log10(mpmath.gammainc(int(dof[i]) / 2, float(chi2[i]) / 2, mpmath.inf, regularized=True)))
    return out


def test_rank_by_chi2_and_p_value(xp):
    """Every source (k ≥ rows) for a two-band template, with sources compared on one band mixed
    in (dof 55 and 110). --rank-by chi2: the old order exactly, (chi2, source_id) ascending, and a
    pruned top-k on 2 ranks is its prefix. --rank-by p-value (the default): the same rows (every
    column but rank), ordered by scipy's p-values (highest first; ties by chi2, source_id), and
    log10_p_value equal to scipy `chi2.logsf / ln 10` to 1e-12 relative (mpmath where scipy's sf
    underflows, see scipy_log10_p; most rows here have p < 1e-300); a pruned top-k on 2 ranks is
    the prefix of that order. The two orders differ in this data set (a one-band source ahead of a
    two-band source by χ² but behind it by p)."""
    t = xp.twin1[0]["template_source_id"]  # its twin has a moderate p (most rows: p < 1e-300)
    prefix_c = out(xp, "rank_all_chi2")
    search(xp.h5, prefix_c, "--template-source-id", t, "--k", SOURCES, "--rank-by", "chi2", "--no-prune")
    c = Result(prefix_c)
    assert c.n == SOURCES - 1 and c.meta["rank_by"] == "chi2"
    assert_chi2_order(c.cols, "--rank-by chi2")
    prefix_p = out(xp, "rank_all_p")
    search(xp.h5, prefix_p, "--template-source-id", t, "--k", SOURCES, "--no-prune")
    p = Result(prefix_p)
    assert p.n == c.n and p.meta["rank_by"] == "p-value"
    assert len(set(p["dof"].tolist())) == 2, "the test needs both one- and two-band sources"

    # same scores, another order
    perm = np.argsort(p["source_id"]), np.argsort(c["source_id"])
    assert_same_rows({k: v[perm[0]] for k, v in p.cols.items()}, {k: v[perm[1]] for k, v in c.cols.items()},
                     columns=[x for x in COLUMNS if x != "rank"], label="p-value vs chi2 ranking, same scores: ")
    assert not np.array_equal(p["source_id"], c["source_id"]), "p-value and chi2 orders coincide: no test"

    # log10_p_value vs scipy (mpmath where scipy underflows)
    lp = scipy_log10_p(p["chi2"], p["dof"])
    sf = scipy.stats.chi2.sf(p["chi2"], p["dof"])
    assert np.any(sf >= 1e-300) and np.any(sf < 1e-300)
    assert_close(p["log10_p_value"][sf >= 1e-300], lp[sf >= 1e-300], 1e-12, "log10_p_value vs scipy chi2.logsf/ln 10")
    assert_close(p["log10_p_value"], lp, 1e-12, "log10_p_value vs scipy/mpmath")

    # the order is scipy's: by −log10 p, then chi2, then source_id
    order = np.lexsort((p["source_id"], p["chi2"], -lp))
    if not np.array_equal(p["source_id"], p["source_id"][order]):
        # only adjacent near-ties (within the 1e-12 of the comparison) may differ
        for i in np.flatnonzero(p["source_id"] != p["source_id"][order]):
            j = order[i]
            assert abs(lp[i] - lp[j]) <= 1e-12 * abs(lp[j]), f"rank {i + 1}: ours {p['source_id'][i]}, scipy's {p['source_id'][j]}"

    # the top-k of pruned scans on 2 ranks are prefixes of the full orders
    for rank_by, full in (("chi2", c), ("p-value", p)):
        prefix = out(xp, f"rank_top_{rank_by}")
        r = search(xp.h5, prefix, "--template-source-id", t, "--k", 40, "--rank-by", rank_by, np=2)
        assert "pruned scan" in r.stdout, r.describe()
        top = Result(prefix)
        assert_same_rows(top.cols, {k: v[:40] for k, v in full.cols.items()}, label=f"{rank_by}: pruned top-40 (np 2) vs full list: ")


def test_rank_by_bad_value(xp):
    prefix = out(xp, "rank_by_bad")
    r = run_gaiamine(["xp-search", xp.h5, "--template-source-id", xp.plain, "--rank-by", "pvalue", "--out", prefix])
    assert 0 < r.returncode < 128, r.describe()
    assert_failed(r, prefix, "rank-by")
    pf = write_params(xp.dir / "rank_by.yaml", xp.h5, prefix, template_source_ids=f"[{xp.plain}]", rank_by="p")
    assert_failed(run_gaiamine(["run", pf]), prefix, "rank_by")


# --------------------------------------------------------------------------------------------
# 5. missing bands


def test_missing_band_sources_compared_on_the_other_band(xp):
    """k ≥ rows: every source is listed. A source without BP: dof 55, flags bit 1 (value 1),
    chi2_bp NaN, chi2 = chi2_rp = numpy D²_RP; without RP likewise (flags 2). Two-band sources:
    dof 110, flags 0, chi2 = chi2_bp + chi2_rp. Counts in the meta."""
    t = xp.plain
    prefix = out(xp, "all_sources")
    search(xp.h5, prefix, "--template-source-id", t, "--k", SOURCES)
    res = Result(prefix)
    assert res.n == SOURCES - 1  # all but the template itself
    assert set(res["source_id"].tolist()) == {int(s) for s in xp.data.source_id} - {t}
    f = res["flags"]
    assert set(res["source_id"][(f & FLAG_MISSING_BP) != 0].tolist()) == xp.missing_bp
    assert set(res["source_id"][(f & FLAG_MISSING_RP) != 0].tolist()) == xp.missing_rp
    assert not np.any(f & ~(FLAG_MISSING_BP | FLAG_MISSING_RP)), f"unexpected flags {np.unique(f)}"
    tmpl = xp.data.spectrum(t)
    for i in range(res.n):
        sid = int(res["source_id"][i])
        if sid in xp.missing_bp:
            assert res["dof"][i] == 55 and f[i] == FLAG_MISSING_BP and math.isnan(res["chi2_bp"][i]), sid
            assert res["chi2"][i] == res["chi2_rp"][i]
            assert_close(res["chi2_rp"][i], mahalanobis(tmpl["rp"], xp.data.band(sid, "rp"), "none"), 1e-9, f"{sid} RP")
        elif sid in xp.missing_rp:
            assert res["dof"][i] == 55 and f[i] == FLAG_MISSING_RP and math.isnan(res["chi2_rp"][i]), sid
            assert res["chi2"][i] == res["chi2_bp"][i]
            assert_close(res["chi2_bp"][i], mahalanobis(tmpl["bp"], xp.data.band(sid, "bp"), "none"), 1e-9, f"{sid} BP")
        else:
            assert res["dof"][i] == 110 and f[i] == 0, sid
            assert_close(res["chi2"][i], res["chi2_bp"][i] + res["chi2_rp"][i], 1e-12, f"{sid} sum")
    # spot checks of two-band sources against numpy
    both = np.flatnonzero(f == 0)[::97]
    for i in both:
        sid = int(res["source_id"][i])
        s = xp.data.spectrum(sid)
        assert_close([res["chi2_bp"][i], res["chi2_rp"][i]],
                     [mahalanobis(tmpl["bp"], s["bp"], "none"), mahalanobis(tmpl["rp"], s["rp"], "none")], 1e-9, str(sid))
    assert int(res.meta["sources_missing_bp"]) == len(xp.missing_bp)
    assert int(res.meta["sources_missing_rp"]) == len(xp.missing_rp)
    assert int(res.meta["sources_skipped_no_band"]) == 0
    assert int(res.meta["sources_searched"]) == SOURCES

    # --bands bp: the sources without BP have none of the requested bands: skipped, not listed
    prefix = out(xp, "all_sources_bp")
    search(xp.h5, prefix, "--template-source-id", t, "--k", SOURCES, "--bands", "bp")
    res = Result(prefix)
    assert res.n == SOURCES - 1 - len(xp.missing_bp)
    assert not (set(res["source_id"].tolist()) & xp.missing_bp)
    assert np.all(res["dof"] == 55) and np.all(res["flags"] == 0) and np.all(np.isnan(res["chi2_rp"]))
    assert int(res.meta["sources_skipped_no_band"]) == len(xp.missing_bp)


@pytest.mark.parametrize("np_", [None, 2])
def test_template_without_bp_searched_on_rp(xp, np_):
    """A template source without BP, --bands bp,rp (the default): searched on RP (dof 55, chi2_bp
    NaN, flags 0 — the source's bands are not at fault), with a note naming the template in the
    summary and the metadata; the same rows as --bands rp, next to a two-band template in the
    same run that is unaffected. --bands bp leaves it no band: a clear error naming the template
    and the band, exit ≠ 0, no outputs."""
    t = sorted(xp.missing_bp)[0]
    prefix = out(xp, f"tmpl_no_bp_bprp_{np_}")
    r = search(xp.h5, prefix, "--template-source-id", t, "--template-source-id", xp.plain, "--k", 8, np=np_)
    note = f"template {t} has no usable BP spectrum: searched on RP only (dof 55)"
    assert r.stdout.count(note) >= 1 and "xp-search: done" in r.stdout, r.describe()
    res = Result(prefix)
    assert note in res.meta["template_notes"], res.meta
    m = res.for_template(t)
    assert len(m["source_id"]) == 8 and np.all(m["dof"] == 55) and np.all(np.isnan(m["chi2_bp"]))
    assert np.all(m["chi2"] == m["chi2_rp"]) and not np.any(m["flags"] & FLAG_MISSING_RP)
    assert not (set(m["source_id"].tolist()) & xp.missing_rp), "a source without RP matched an RP-only template"
    tmpl = xp.data.spectrum(t)
    for sid, d2 in zip(m["source_id"], m["chi2_rp"]):
        assert_close(d2, mahalanobis(tmpl["rp"], xp.data.band(int(sid), "rp"), "none"), 1e-9, f"{sid} RP")
    prefix_rp = out(xp, f"tmpl_no_bp_rp_{np_}")
    search(xp.h5, prefix_rp, "--template-source-id", t, "--bands", "rp", "--k", 8, np=np_)
    res_rp = Result(prefix_rp)
    assert_same_rows(m, res_rp.for_template(t), label="bp,rp vs rp: ")
    assert res_rp.meta["template_notes"] == "none"
    # the two-band template of the same run: as if searched alone
    prefix_plain = out(xp, f"tmpl_plain_{np_}")
    search(xp.h5, prefix_plain, "--template-source-id", xp.plain, "--k", 8, np=np_)
    assert_same_rows(res.for_template(xp.plain), Result(prefix_plain).cols, label="two-band template: ")

    prefix = out(xp, f"tmpl_no_bp_bp_{np_}")
    r = run_gaiamine(["xp-search", xp.h5, "--template-source-id", t, "--bands", "bp", "--out", prefix], np=np_)
    assert_failed(r, prefix, str(t), "no usable BP spectrum")


@pytest.mark.parametrize("scaling", SCALINGS)
def test_missing_band_real_fixture(scaling, tmp_path):
    """The GaiaXPy fixture with BP missing for 5405570973190252288 (archive layout: empty arrays,
    `nan` standard deviation), repacked and indexed: that source is compared on RP only (flags 1,
    dof 55, chi2_bp NaN, chi2_rp = numpy); as a template (from the same file) it is searched on RP
    with a note, exactly as with --bands rp; the same row with RP blanked as well (neither band)
    is an error naming it."""
    src = fixture_path("xp_continuous/XP_CONTINUOUS_RAW_with_missing_BP.ecsv")
    missing = 5405570973190252288
    h5 = tmp_path / "rawm.h5"
    repack([src], h5)
    r = run_gaiamine(["xp-index", h5])
    assert r.returncode == 0, r.describe()
    prefix = tmp_path / "m"
    search(h5, prefix, "--template-file", PROXIMA, "--include-self", "--error-scaling", scaling, "--k", 5)
    res = Result(prefix)
    assert res.n == 3 and res["source_id"][0] == PROXIMA_ID and res["chi2"][0] == 0.0
    m = res.row_of(PROXIMA_ID, missing)
    assert m is not None and m["flags"] == FLAG_MISSING_BP and m["dof"] == 55 and math.isnan(m["chi2_bp"]), m
    tmpl = text_spectra(PROXIMA)[PROXIMA_ID]
    data = XPData(h5)
    assert data.band(missing, "bp") is None
    assert_close(m["chi2_rp"], mahalanobis(tmpl["rp"], data.band(missing, "rp"), scaling), 1e-9, "RP-only D²")
    assert m["chi2"] == m["chi2_rp"]
    assert res.meta["sources_missing_bp"] == "1"

    prefix = tmp_path / "t"
    r = search(h5, prefix, "--template-file", src, "--error-scaling", scaling, "--k", 2)
    assert f"template {missing} has no usable BP spectrum: searched on RP only (dof 55)" in r.stdout, r.describe()
    res = Result(prefix)
    assert res.n == 6
    m = res.for_template(missing)
    assert np.all(m["dof"] == 55) and np.all(np.isnan(m["chi2_bp"]))
    others = res["template"] != str(missing)
    assert np.all(res["dof"][others] == np.where(res["flags"][others] & 3, 55, 110))
    prefix_rp = tmp_path / "t_rp"
    search(h5, prefix_rp, "--template-file", src, "--bands", "rp", "--error-scaling", scaling, "--k", 2)
    res_rp = Result(prefix_rp)
    assert res_rp.n == 6 and np.all(res_rp["dof"] == 55) and np.all(np.isnan(res_rp["chi2_bp"]))
    assert_same_rows(m, res_rp.for_template(missing), label="missing-BP template, bp,rp vs rp: ")

    neither = tmp_path / "template_neither_band.ecsv"
    write_without_rp(src, neither, missing)
    prefix = tmp_path / "neither"
    r = run_gaiamine(["xp-search", h5, "--template-file", neither, "--error-scaling", scaling, "--out", prefix], np=2)
    assert_failed(r, prefix, str(missing), "no usable BP or RP spectrum")


def write_without_rp(src: Path, dst: Path, source_id: int):
    """`src` with only the row of `source_id` (which lacks BP), its RP fields replaced by the
    spellings of its missing BP fields (empty integers/arrays, `nan` floats): a spectrum with
    neither band, in the archive layout."""
    import csv
    import io
    lines = src.read_text().splitlines()
    header = [l for l in lines if l.startswith("#")]
    body = [l for l in lines if not l.startswith("#")]
    names = next(csv.reader([body[0]]))
    rows = list(csv.reader(io.StringIO("\n".join(body[1:]))))
    row = next(r for r in rows if r[names.index("source_id")] == str(source_id))
    for i, n in enumerate(names):
        if n.startswith("rp_") and "bp_" + n[3:] in names:
            row[i] = row[names.index("bp_" + n[3:])]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([names, row])
    dst.write_text("\n".join(header) + "\n" + buf.getvalue())


# --------------------------------------------------------------------------------------------
# 6. templates from files


@pytest.fixture(scope="module")
def raw_h5(tmp_path_factory):
    """The GaiaXPy fixture XP_CONTINUOUS_RAW.ecsv (Proxima Cen + one other source) repacked."""
    h5 = tmp_path_factory.mktemp("xp_raw") / "raw.h5"
    repack([fixture_path("xp_continuous/XP_CONTINUOUS_RAW.ecsv")], h5)
    return h5


def test_template_file_18sco_scale_fit(xp):
    """18 Sco (GaiaXPy CSV: CRLF, "(a,b,...)" arrays, no standard deviations), --scale fit: runs,
    fitted scales ≠ 1 (18 Sco is G = 5.3, the synthetic sources G ≥ 10), and D², a equal to the
    documented estimator in numpy with the template parsed from its text in float64."""
    prefix = out(xp, "sco_fit")
    search(xp.h5, prefix, "--template-file", SCO, "--scale", "fit", "--k", 20)
    res = Result(prefix)
    assert res.n == 20
    assert set(res["template"].tolist()) == {str(SCO_ID)}
    assert np.all(np.isfinite(res["scale"])) and np.all(res["scale"] != 1.0) and np.all(res["scale"] > 0)
    assert np.all(res["dof"] == np.where(res["flags"] & 3, 54, 109))
    sco = text_spectra(SCO)[SCO_ID]
    for i in range(res.n):
        sid = int(res["source_id"][i])
        s = xp.data.spectrum(sid)
        bands = [b for b in ("bp", "rp") if s[b] is not None]
        a, d2 = scale_fit(sco, s, bands, "none")
        assert_close(res["scale"][i], a, 1e-9, f"{sid} scale")
        assert_close(res["chi2"][i], sum(d2.values()), 1e-9, f"{sid} chi2")


def test_template_file_18sco_needs_standard_deviation(xp):
    """The 18 Sco file has no *_standard_deviation: --error-scaling standard-deviation is an error."""
    prefix = out(xp, "sco_sd")
    r = run_gaiamine(["xp-search", xp.h5, "--template-file", SCO, "--error-scaling", "standard-deviation", "--out", prefix])
    assert r.returncode != 0, r.describe()
    assert "standard_deviation" in r.stderr or "standard-deviation" in r.stderr, r.describe()
    assert output_files(prefix) == []


def test_template_file_proxima_standard_deviation(xp):
    """Proxima Cen (archive ECSV), --error-scaling standard-deviation: runs, D² = numpy with the
    template in float64 from its text and the sources as stored."""
    prefix = out(xp, "proxima_sd")
    search(xp.h5, prefix, "--template-file", PROXIMA, "--error-scaling", "standard-deviation", "--k", 10)
    res = Result(prefix)
    assert res.n == 10 and set(res["template"].tolist()) == {str(PROXIMA_ID)}
    tmpl = text_spectra(PROXIMA)[PROXIMA_ID]
    for i in range(res.n):
        sid = int(res["source_id"][i])
        for b in ("bp", "rp"):
            s = xp.data.band(sid, b)
            want = mahalanobis(tmpl[b], s, "standard-deviation") if s is not None else float("nan")
            assert_close(res[f"chi2_{b}"][i], want, 1e-9, f"{sid} {b}")


@pytest.mark.parametrize("scaling", SCALINGS)
def test_template_file_proxima_finds_itself(raw_h5, scaling, tmp_path):
    """The Proxima template file searched in the repacked GaiaXPy fixture that contains Proxima:
    Proxima itself at rank 1 (--include-self) with D² = 0. Exactly 0, not ≈ 0: the coefficients
    are float64 both in the file and in the HDF5 file, so c_t − c_i = 0 exactly; only the
    covariances differ (float64 from the template's text vs float32 as stored), which does not
    matter when the difference is 0. The other source: D² equal to numpy with the template in
    float64 (to 1e-9), and measurably different from a float32-rounded template (so the template
    really is read in float64)."""
    prefix = tmp_path / "proxima_self"
    search(raw_h5, prefix, "--template-file", PROXIMA, "--include-self", "--error-scaling", scaling, "--k", 5)
    res = Result(prefix)
    assert list(res["source_id"]) == [PROXIMA_ID, OTHER_RAW_ID]
    assert res["chi2"][0] == 0.0 and res["chi2_bp"][0] == 0.0 and res["chi2_rp"][0] == 0.0, res["chi2"][:1]
    assert res["p_value"][0] == 1.0
    data = XPData(raw_h5)
    t64 = text_spectra(PROXIMA)[PROXIMA_ID]
    t32 = data.spectrum(PROXIMA_ID)  # the same spectrum, errors/correlations rounded to float32
    other = data.spectrum(OTHER_RAW_ID)
    want64 = {b: mahalanobis(t64[b], other[b], scaling) for b in ("bp", "rp")}
    want32 = {b: mahalanobis(t32[b], other[b], scaling) for b in ("bp", "rp")}
    assert_close([res["chi2_bp"][1], res["chi2_rp"][1]], [want64["bp"], want64["rp"]], 1e-9, "other source vs numpy")
    rel = abs(sum(want64.values()) - sum(want32.values())) / sum(want64.values())
    assert rel > 1e-9  # the check above would catch a float32 template
    assert abs(res["chi2"][1] - sum(want32.values())) / sum(want32.values()) > 1e-9


# --------------------------------------------------------------------------------------------
# 7. bad input


def assert_failed(r, prefix, *words):
    assert r.returncode != 0, "expected a failure\n" + r.describe()
    text = r.stderr + r.stdout
    for w in words:
        assert str(w) in text, f"the error does not mention {w!r}\n" + r.describe()
    assert output_files(prefix) == [], f"outputs left behind: {output_files(prefix)}"


@pytest.mark.parametrize("np_", [None, 2])
def test_unknown_template_source_id(xp, np_):
    prefix = out(xp, f"unknown_id_{np_}")
    r = run_gaiamine(["xp-search", xp.h5, "--template-source-id", 1234567, "--out", prefix], np=np_)
    assert_failed(r, prefix, "1234567")
    # one known and one unknown: still an error, still nothing written
    r = run_gaiamine(["xp-search", xp.h5, "--template-source-id", xp.plain, "--template-source-id", 7654321,
                      "--out", prefix], np=np_)
    assert_failed(r, prefix, "7654321")


def test_existing_outputs_need_overwrite(xp):
    prefix = out(xp, "existing")
    args = ["--template-source-id", xp.plain, "--k", 3]
    search(xp.h5, prefix, *args)
    before = {p.name: p.read_bytes() for p in output_files(prefix)}
    assert sorted(before) == sorted(prefix.name + s for s in OUTPUT_SUFFIXES)
    r = run_gaiamine(["xp-search", xp.h5, *args, "--k", 4, "--out", prefix])
    assert r.returncode != 0, r.describe()
    assert "--overwrite" in r.stderr and "exists" in r.stderr, r.describe()
    after = {p.name: p.read_bytes() for p in output_files(prefix)}
    assert after == before, "a refused run changed the existing outputs"
    # only one of the three present is enough to refuse
    for p in output_files(prefix):
        if not p.name.endswith(".svg"):
            p.unlink()
    r = run_gaiamine(["xp-search", xp.h5, *args, "--out", prefix])
    assert r.returncode != 0 and "exists" in r.stderr, r.describe()
    search(xp.h5, prefix, *args, "--k", 4, "--overwrite")
    assert Result(prefix).n == 4


def write_params(path: Path, h5, output, extra_top="", extra_search="", **over) -> Path:
    p = {"template_files": "[]", "template_source_ids": "[]", "k": 10, "bands": "[bp, rp]",
         "error_scaling": "none", "scale": "none", "kernel": "batched", "prune": "true",
         "include_self": "false", "block_rows": 2048}
    p.update(over)
    lines = ["# test parameters", "job: xp-search", f"input: {h5}", f"output: {output}", "overwrite: false",
             "progress_interval: 5", *([extra_top] if extra_top else []), "xp_search:"]
    lines += [f"  {k}: {v}" for k, v in p.items()]
    if extra_search:
        lines.append(f"  {extra_search}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("where", ["xp_search", "top"])
def test_parameter_file_unknown_key(xp, where):
    prefix = out(xp, f"params_unknown_{where}")
    kw = {"extra_search": "tempalte_files: [x.csv]"} if where == "xp_search" else {"extra_top": "ouptut: elsewhere"}
    pf = write_params(xp.dir / f"unknown_{where}.yaml", xp.h5, prefix, template_source_ids=f"[{xp.plain}]", **kw)
    key = "tempalte_files" if where == "xp_search" else "ouptut"
    line = next(i + 1 for i, l in enumerate(pf.read_text().splitlines()) if key in l)
    r = run_gaiamine(["run", pf])
    assert_failed(r, prefix, key)
    assert f"line {line}" in r.stderr or f":{line}" in r.stderr, f"the error does not give line {line}\n" + r.describe()


@pytest.mark.parametrize("args,words", [
    (["--k", 0], ["k"]),
    (["--k", -3], ["k"]),
    (["--bands", "bp,gp"], ["gp"]),
    (["--bands", "bp,bp"], ["bands"]),
    (["--error-scaling", "sigma"], ["error-scaling"]),
    (["--scale", "free"], ["scale"]),
    (["--kernel", "fast"], ["fast"]),
    (["--template-file", "no_such_template.csv"], ["no_such_template.csv"]),
    (["--block-rows", 0], ["block"]),
    (["--block-rows", 0, "--no-prune"], ["block"]),
    (["--block-rows=-5"], ["block"]),
], ids=["k0", "k-neg", "band", "band-twice", "error-scaling", "scale", "kernel", "template-file",
        "block-rows-0", "block-rows-0-full-scan", "block-rows-neg"])
def test_bad_options(xp, args, words):
    """A bad value is an error message and exit ≠ 0 — not a crash (a signal: exit ≥ 128)."""
    prefix = out(xp, "bad_option")
    r = run_gaiamine(["xp-search", xp.h5, "--template-source-id", xp.plain, *args, "--out", prefix])
    assert 0 < r.returncode < 128, "crashed or accepted\n" + r.describe()
    assert_failed(r, prefix, *words)


def test_xp_index_bad_block_rows(xp, tmp_path):
    h5 = tmp_path / "copy.h5"
    shutil.copyfile(xp.noindex, h5)
    r = run_gaiamine(["xp-index", h5, "--block-rows", 0])
    assert 0 < r.returncode < 128, "xp-index --block-rows 0 crashed or was accepted\n" + r.describe()
    assert "block" in r.stderr, r.describe()


def test_bad_parameter_values_and_missing_input(xp):
    prefix = out(xp, "bad_param_value")
    pf = write_params(xp.dir / "k0.yaml", xp.h5, prefix, template_source_ids=f"[{xp.plain}]", k=0)
    assert_failed(run_gaiamine(["run", pf]), prefix, "k")
    pf = write_params(xp.dir / "kernel.yaml", xp.h5, prefix, template_source_ids=f"[{xp.plain}]", kernel="fast")
    assert_failed(run_gaiamine(["run", pf]), prefix, "kernel")
    pf = write_params(xp.dir / "notemplate.yaml", xp.h5, prefix)
    assert_failed(run_gaiamine(["run", pf]), prefix, "template")
    r = run_gaiamine(["xp-search", xp.dir / "no_such.h5", "--template-source-id", xp.plain, "--out", prefix], np=2)
    assert_failed(r, prefix, "no_such.h5")


def test_parameter_file_block_rows_zero(xp):
    prefix = out(xp, "bad_block_rows")
    pf = write_params(xp.dir / "block0.yaml", xp.h5, prefix, template_source_ids=f"[{xp.plain}]", block_rows=0)
    r = run_gaiamine(["run", pf])
    assert 0 < r.returncode < 128, "block_rows: 0 crashed or was accepted\n" + r.describe()
    assert_failed(r, prefix, "block_rows")


# --------------------------------------------------------------------------------------------
# 8. outputs


def test_outputs_h5_ecsv_svg_summary(xp):
    """PREFIX.h5 = PREFIX.ecsv (same rows, every column), root attributes `parameters` (YAML of
    the resolved parameters) and `software_version`, the templates' coefficients; the ECSV is
    sorted (template in the order given, then chi2, then source_id; rank 1..n); p-values are the
    χ² upper tail; the SVG is XML; the summary is printed once (rank 0) and matches the meta."""
    import h5py
    import scipy.stats
    import yaml
    prefix = out(xp, "outputs")
    k = 7
    r = search(xp.h5, prefix, "--template-source-id", xp.plain, "--template-file", PROXIMA,
               "--template-source-id", xp.twin1[0]["twin_source_id"], "--k", k, np=2)
    order = [str(PROXIMA_ID), str(xp.plain), str(xp.twin1[0]["twin_source_id"])]
    res = Result(prefix)
    assert res.names == COLUMNS
    assert res.n == 3 * k

    tab = H5Table(str(prefix) + ".h5", "xp_search")
    assert tab.columns == COLUMNS and tab.n_rows == res.n
    for c in COLUMNS:
        got = np.array(tab.strings(c)) if c == "template" else tab.data[c]
        assert same(got, res[c]), f"h5 vs ecsv column {c}"
    params = tab.root_attrs.get("parameters")
    assert isinstance(params, str) and params, f"no parameters attribute: {sorted(tab.root_attrs)}"
    p = yaml.safe_load(params)
    assert p["job"] == "xp-search" and p["xp_search"]["k"] == k
    assert [int(x) for x in p["xp_search"]["template_source_ids"]] == [xp.plain, xp.twin1[0]["twin_source_id"]]
    assert str(tab.root_attrs.get("software_version", "")).strip(), f"no software_version: {sorted(tab.root_attrs)}"
    assert res.meta.get("parameters") == params
    with h5py.File(str(prefix) + ".h5", "r") as f:
        tb = f["template_bp_coefficients"][()]
        assert tb.shape == (3, 55)
    # template order in the output: not specified beyond "grouped"; the ids keep the order given
    templates = list(dict.fromkeys(res["template"].tolist()))
    assert sorted(templates) == sorted(order)
    assert [t for t in templates if t != str(PROXIMA_ID)] == order[1:]
    tmpl_coeff = {str(PROXIMA_ID): text_spectra(PROXIMA)[PROXIMA_ID]["bp"].c,
                  str(xp.plain): xp.data.band(xp.plain, "bp").c,
                  str(xp.twin1[0]["twin_source_id"]): xp.data.band(xp.twin1[0]["twin_source_id"], "bp").c}
    for i, t in enumerate(templates):
        assert same(tb[i], tmpl_coeff[t]), f"template_bp_coefficients row {i} is not template {t}"

    # sorting: each template's rows contiguous, rank 1..k, (−log10_p_value, chi2, source_id) increasing
    tcol = res["template"]
    assert all(tcol[i] == tcol[i - 1] or tcol[i] not in tcol[:i] for i in range(1, res.n)), "template rows not contiguous"
    for t in templates:
        m = res.for_template(t)
        assert list(m["rank"]) == list(range(1, k + 1))
        keys = list(zip(-m["log10_p_value"], m["chi2"], m["source_id"]))
        assert keys == sorted(keys), f"template {t}: rows not sorted by p-value, chi2, source_id"
    assert res.meta["rank_by"] == "p-value" and p["xp_search"]["rank_by"] == "p-value"

    # p-values
    sf = scipy.stats.chi2.sf(res["chi2"], res["dof"])
    big = sf > 1e-290
    assert_close(res["p_value"][big], sf[big], 1e-9, "p_value")
    import mpmath
    mpmath.mp.dps = 30
    log10q = [float(mpmath.log10(mpmath.gammainc(d / 2, c / 2, mpmath.inf, regularized=True)))
              for c, d in zip(res["chi2"], res["dof"])]
    assert np.all(np.isfinite(res["log10_p_value"]))
    assert_close(res["log10_p_value"], log10q, 1e-12, "log10_p_value vs mpmath")
    assert np.all(res["p_value"][~big] < 1e-280)

    # SVG
    root = ET.parse(str(prefix) + ".svg").getroot()
    assert root.tag.endswith("svg"), root.tag

    # summary: once (rank 0), and the numbers of the meta
    assert r.stdout.count("xp-search: done") == 1, r.describe()
    assert f"{SOURCES} sources" in r.stdout
    ev = int(res.meta["sources_evaluated_exactly"])
    assert f"evaluated exactly {ev} of {SOURCES}" in r.stdout, r.describe()
    mb = int(res.meta["bytes_read"]) / 1e6
    assert f"read      {mb:.1f} MB" in r.stdout, r.describe()
    assert f"{len(xp.missing_bp)} without BP, {len(xp.missing_rp)} without RP" in r.stdout, r.describe()


def test_parameter_file_equals_command_line(xp):
    """`gaiamine run PARAMS.yaml` gives the same rows as the equivalent command line, stores the
    resolved parameters, and honours overwrite: false."""
    t1 = xp.twin1[0]["template_source_id"]
    prefix_cli = out(xp, "cli_equiv")
    search(xp.h5, prefix_cli, "--template-file", SCO, "--template-source-id", t1, "--k", 12,
           "--bands", "bp,rp", "--error-scaling", "none", "--scale", "fit", "--include-self")
    prefix_run = out(xp, "run_equiv")
    pf = write_params(xp.dir / "equiv.yaml", xp.h5, prefix_run, template_files=f"[{SCO}]",
                      template_source_ids=f"[{t1}]", k=12, scale="fit", include_self="true")
    r = run_gaiamine(["run", pf], np=2)
    assert r.returncode == 0, r.describe()
    a, b = Result(prefix_cli), Result(prefix_run)
    assert_same_rows(b.cols, a.cols, label="run vs command line: ")
    p = H5Table(str(prefix_run) + ".h5", "xp_search").root_attrs["parameters"]
    import yaml
    y = yaml.safe_load(p)
    for key in ("template_files", "template_source_ids", "k", "bands", "error_scaling", "scale", "rank_by", "kernel",
                "prune", "include_self", "block_rows"):
        assert key in y["xp_search"], f"resolved parameters lack xp_search.{key}:\n{p}"
    assert y["xp_search"]["k"] == 12 and y["xp_search"]["scale"] == "fit"
    # overwrite: false in the file and the outputs exist
    r = run_gaiamine(["run", pf])
    assert r.returncode != 0 and "exists" in r.stderr, r.describe()
