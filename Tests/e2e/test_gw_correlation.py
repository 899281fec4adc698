"""End-to-end tests of the all-pairs proper-motion correlation: `gaiamine synth gaia_source` →
`repack` → `gw-correlation` / `gaiamine run gw_correlation.yaml`.

Two synthetic skies (seeds fixed): NOISE (no injected field) and GW (a degree-2 VSH field drawn
with `--gw-amplitude`, i.e. every complex coefficient with E|c|^2 = a^2, E and B alike).

Checks:
  * the same bits for np 1, 2, 3 (and several blocks per rank), n_pairs summing to N(N-1)/2;
  * an independent numpy brute force of the same estimator (spherical trigonometry: position
    angles and arccos binning, not the kernel's vector algebra) on the same selected rows;
  * noise only: bins consistent with zero (chi^2), scatter errors ~ model errors;
  * injection-recovery on GW (see test_injected_field_recovered for the expectation);
  * parameter file = command line, outputs (HDF5/ECSV/SVG), bad input.
"""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import REPO, H5Table, astropy_table, repack, run_gaiamine

GS = "gaia_source"
NOISE = dict(sources=2500, files=3, seed=41, gw=0.0)
GW = dict(sources=3000, files=3, seed=42, gw=100.0)  # uas/yr
OUT = [".h5", ".ecsv", ".svg"]
# run-dependent metadata; everything else must not depend on the number of ranks
VOLATILE = {"seconds", "read_seconds", "transfer_seconds", "kernel_cpu_seconds", "kernel_wall_seconds",
            "kernel_pairs_per_core_second", "pairs_per_rank_min", "pairs_per_rank_max", "mpi_ranks",
            "parameters", "software", "command_line", "created", "host"}


# --------------------------------------------------------------------------------------------
# data


def make_sky(tmp, name, p):
    d = tmp / name
    r = run_gaiamine(["synth", GS, "--sources", p["sources"], "--files", p["files"], "--seed", p["seed"],
                      "--gw-amplitude", p["gw"], "--out", d / "synth"])
    assert r.returncode == 0, "synth failed\n" + r.describe()
    files = sorted((d / "synth").glob("GaiaSource_*.csv.gz"))
    h5 = d / "gaia_source.h5"
    repack(files, h5, np=2)
    truth = json.loads((d / "synth" / f"{GS}_truth.json").read_text())
    return SimpleNamespace(dir=d, h5=h5, truth=truth, truth_ecsv=d / "synth" / f"{GS}_truth.ecsv", n=p["sources"])


@pytest.fixture(scope="session")
def skies(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gw_correlation")
    return SimpleNamespace(noise=make_sky(tmp, "noise", NOISE), gw=make_sky(tmp, "gw", GW), tmp=tmp)


def correlate(h5, out, np_=None, extra=(), expect_ok=True):
    r = run_gaiamine(["gw-correlation", h5, "--out", out, "--overwrite", *map(str, extra)], np=np_)
    if expect_ok:
        assert r.returncode == 0, "gw-correlation failed\n" + r.describe()
        for s in OUT:
            assert Path(str(out) + s).exists(), f"missing {out}{s}\n" + r.describe()
    return r


class Result:
    """PREFIX.h5 of a run: bin columns, arrays and metadata."""

    def __init__(self, prefix):
        import h5py
        self.prefix = Path(prefix)
        self.table = H5Table(str(prefix) + ".h5", "gw_correlation")
        with h5py.File(str(prefix) + ".h5", "r") as f:
            self.meta = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
            self.pair_sums = f["pair_sums"][()]
            self.edges = f["bin_edges"][()]
        self.col = self.table.data

    def m(self, key) -> float:
        return float(self.meta[key])


# --------------------------------------------------------------------------------------------
# an independent numpy implementation of the estimator


def load_sources(h5, filters=()):
    """Selected rows of a repacked gaia_source: ra, dec (deg), pmra, pmdec, errors (uas/yr), rho, source_id."""
    import h5py
    with h5py.File(h5, "r") as f:
        g = f[GS]
        cols = {c: g[c][()] for c in ["source_id", "ra", "dec", "pmra", "pmdec", "pmra_error", "pmdec_error",
                                        "pmra_pmdec_corr", "astrometric_params_solved", "in_qso_candidates",
                                        "phot_g_mean_mag"]}
    keep = ~(np.isnan(cols["pmra"]) | np.isnan(cols["pmdec"]))
    for col, op, v in filters:
        x = cols[col].astype(float)
        keep &= {"==": x == v, "<": x < v, "<=": x <= v, ">": x > v}[op]
    s = {k: v[keep] for k, v in cols.items()}
    for k in ["pmra", "pmdec", "pmra_error", "pmdec_error"]:
        s[k] = s[k].astype(float) * 1000.0
    s["pmra_pmdec_corr"] = np.nan_to_num(s["pmra_pmdec_corr"].astype(float))
    return s


def weights(s, sigma_extra=0.0):
    return 1.0 / (0.5 * (s["pmra_error"] ** 2 + s["pmdec_error"] ** 2) + sigma_extra ** 2)


def frames(ra, dec, i, j):
    """Separation and the great-circle components of unit vectors e_par, e_perp at both ends, in
    (east, north) components, for the pairs (i, j) (arrays of indices): spherical trigonometry
    (position angles), as in Smart's Textbook on Spherical Astronomy."""
    a1, d1 = np.radians(ra[i]), np.radians(dec[i])
    a2, d2 = np.radians(ra[j]), np.radians(dec[j])
    da = a2 - a1
    cos_t = np.sin(d1) * np.sin(d2) + np.cos(d1) * np.cos(d2) * np.cos(da)
    theta = np.arccos(np.clip(cos_t, -1, 1))
    phi_ij = np.arctan2(np.cos(d2) * np.sin(da), np.cos(d1) * np.sin(d2) - np.sin(d1) * np.cos(d2) * np.cos(da))
    phi_ji = np.arctan2(np.cos(d1) * np.sin(-da), np.cos(d2) * np.sin(d1) - np.sin(d2) * np.cos(d1) * np.cos(da))
    par_i = (np.sin(phi_ij), np.cos(phi_ij))          # towards j
    perp_i = (-np.cos(phi_ij), np.sin(phi_ij))        # r x e_par
    par_j = (-np.sin(phi_ji), -np.cos(phi_ji))        # onwards, away from i
    perp_j = (np.cos(phi_ji), -np.sin(phi_ji))
    return theta, par_i, perp_i, par_j, perp_j


def numpy_sums(s, w, edges_deg, pmra=None, pmdec=None, chunk=64):
    """Per bin the ten sums of Docs/gw-correlation.md over all pairs i < j; the same sums of the
    terms' natural magnitudes (|P| replaced by |mu_i||mu_j|: the scale of rounding); pairs outside."""
    ra, dec = s["ra"], s["dec"]
    pa = s["pmra"] if pmra is None else pmra
    pd = s["pmdec"] if pmdec is None else pmdec
    n = len(ra)
    k = len(edges_deg) - 1
    edges = np.radians(edges_deg)
    sums = np.zeros((k, 10))
    mags = np.zeros((k, 10))
    outside = 0

    def accumulate(out, b, ww, P, Q):
        wp, wq, w2 = ww * P, ww * Q, ww * ww
        for q, v in enumerate([np.ones_like(ww), ww, wp, wq, w2, ww * wp, ww * wq, wp * wp, wq * wq, wp * wq]):
            out[:, q] += np.bincount(b, weights=v, minlength=k)

    for i0 in range(0, n - 1, chunk):
        ii, jj = [], []
        for i in range(i0, min(i0 + chunk, n - 1)):
            ii.append(np.full(n - i - 1, i))
            jj.append(np.arange(i + 1, n))
        i = np.concatenate(ii)
        j = np.concatenate(jj)
        theta, pi_, qi, pj, qj = frames(ra, dec, i, j)
        P = (pa[i] * pi_[0] + pd[i] * pi_[1]) * (pa[j] * pj[0] + pd[j] * pj[1])
        Q = (pa[i] * qi[0] + pd[i] * qi[1]) * (pa[j] * qj[0] + pd[j] * qj[1])
        ww = w[i] * w[j]
        b = np.searchsorted(edges, theta, side="right") - 1
        b[theta == edges[-1]] = k - 1
        ok = (b >= 0) & (b < k)
        outside += int((~ok).sum())
        m = np.hypot(pa[i], pd[i])[ok] * np.hypot(pa[j], pd[j])[ok]
        accumulate(sums, b[ok], ww[ok], P[ok], Q[ok])
        accumulate(mags, b[ok], ww[ok], m, m)
    return sums, mags, outside


def estimator(S):
    """corr_par, corr_perp, their scatter errors and covariance, model error (Docs/gw-correlation.md)."""
    cp, cq = S[:, 2] / S[:, 1], S[:, 3] / S[:, 1]
    neff = S[:, 1] ** 2 / S[:, 4]
    f = neff / (neff - 1) / S[:, 1] ** 2
    vp = (S[:, 7] - 2 * cp * S[:, 5] + cp ** 2 * S[:, 4]) * f
    vq = (S[:, 8] - 2 * cq * S[:, 6] + cq ** 2 * S[:, 4]) * f
    cov = (S[:, 9] - cq * S[:, 5] - cp * S[:, 6] + cp * cq * S[:, 4]) * f
    return cp, cq, np.sqrt(vp), np.sqrt(vq), cov, 1 / np.sqrt(S[:, 1])


def hd(theta):
    x = np.sin(theta / 2) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where((x > 0) & (x < 1), x * x * np.log(np.where(x > 0, x, 1)) / np.where(x < 1, 1 - x, 1), 0.0)
    t = np.where(x >= 1, -1.0, t)
    return 1 - 7 * x - 6 * t


def hd_bin_average(lo_deg, hi_deg, m=4000):
    c = np.linspace(np.cos(np.radians(hi_deg)), np.cos(np.radians(lo_deg)), m + 1)
    c = 0.5 * (c[1:] + c[:-1])
    return hd(np.arccos(c)).mean()


def fit_weights(res):
    """The HD fit as linear weights (a_k, b_k) on (corr_par_k, corr_perp_k): A = sum a y_par + b y_perp,
    with the 2x2 covariances gaiamine reports (its scatter errors)."""
    c = res.col
    h = np.array([hd_bin_average(lo, hi) for lo, hi in zip(c["theta_min"], c["theta_max"])])
    vp, vq, cv = c["corr_par_error"] ** 2, c["corr_perp_error"] ** 2, c["corr_par_perp_covariance"]
    det = vp * vq - cv ** 2
    i11, i22, i12 = vq / det, vp / det, -cv / det
    F = np.sum(h * h * (i11 + i22 + 2 * i12))
    a = h * (i11 + i12) / F
    b = h * (i22 + i12) / F
    return a, b, h, 1 / math.sqrt(F)


# --------------------------------------------------------------------------------------------
# tests


def test_rank_independence_and_pair_count(skies, tmp_path):
    """np 1, 2, 3 with several blocks per rank (and np 2 with the default block): identical bins,
    fit and metadata; n_pairs sums to N(N-1)/2; a restricted range counts the rest as outside."""
    sky = skies.noise
    runs = {}
    for np_ in (1, 2, 3):
        correlate(sky.h5, tmp_path / f"np{np_}", np_=np_, extra=["--bins", 36, "--block-sources", 300])
        runs[np_] = Result(tmp_path / f"np{np_}")
    correlate(sky.h5, tmp_path / "default", np_=2, extra=["--bins", 36])
    runs["default"] = Result(tmp_path / "default")
    n = sky.n
    ref = runs[1]
    assert int(ref.col["n_pairs"].sum()) == n * (n - 1) // 2
    assert int(ref.meta["pairs_total"]) == n * (n - 1) // 2 and int(ref.meta["pairs_outside_range"]) == 0
    assert int(ref.meta["blocks"]) == math.ceil(n / 300)
    for key, r in runs.items():
        for name in ref.col:
            a, b = ref.col[name], r.col[name]
            if key == "default":  # another summation order: same values to rounding
                if a.dtype.kind == "f":
                    np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * np.abs(a).max(), err_msg=name)
                else:
                    assert np.array_equal(a, b), name
            else:
                assert np.array_equal(a, b, equal_nan=True), f"np {key}: column {name} differs from np 1"
        if key != "default":
            assert np.array_equal(ref.pair_sums, r.pair_sums), f"np {key}: pair sums differ"
            for k, v in ref.meta.items():
                if k not in VOLATILE:
                    assert r.meta[k] == v, f"np {key}: metadata {k}: {r.meta[k]!r} != {v!r}"
        assert int(r.meta["mpi_ranks"]) == (2 if key == "default" else key)
    # ECSV data lines identical too.
    lines = [[l for l in Path(str(tmp_path / f"np{k}") + ".ecsv").read_text().splitlines() if not l.startswith("#")]
             for k in (1, 2, 3)]
    assert lines[0] == lines[1] == lines[2]
    # A restricted separation range: binned + outside = all pairs, bins = the same bins of a full run.
    correlate(sky.h5, tmp_path / "range", np_=3, extra=["--bins", 10, "--theta-min", 30, "--theta-max", 130,
                                                        "--block-sources", 300])
    rr = Result(tmp_path / "range")
    assert int(rr.col["n_pairs"].sum()) + int(rr.meta["pairs_outside_range"]) == n * (n - 1) // 2
    assert np.array_equal(rr.col["n_pairs"], ref.col["n_pairs"][6:26].reshape(10, 2).sum(axis=1))


def test_matches_numpy_bruteforce(skies, tmp_path):
    """Same selected rows (filters), same estimator, independent geometry: bins agree to 1e-10
    of their scale, counts exactly."""
    sky = skies.gw
    filters = [("astrometric_params_solved", "==", 31), ("phot_g_mean_mag", "<", 20.7)]
    correlate(sky.h5, tmp_path / "sel", np_=2, extra=["--bins", 24, "--sigma-extra", 40, "--block-sources", 500,
                                                      "--filter", "astrometric_params_solved == 31",
                                                      "--filter", "phot_g_mean_mag < 20.7"])
    res = Result(tmp_path / "sel")
    s = load_sources(sky.h5, filters)
    n = len(s["ra"])
    assert int(res.meta["sources"]) == n and 100 < n < sky.n
    S, mags, outside = numpy_sums(s, weights(s, sigma_extra=40.0), np.linspace(0, 180, 25))
    assert outside == 0
    assert np.array_equal(res.col["n_pairs"], S[:, 0].astype(np.int64))
    rel = np.abs(res.pair_sums - S) / mags
    worst = np.unravel_index(rel.argmax(), rel.shape)
    assert rel.max() < 1e-10, f"pair sums differ by {rel.max():.3g} of their scale (bin {worst[0]}, quantity {worst[1]})"
    mag = mags[:, 2]
    cp, cq, ep, eq, cov, em = estimator(S)
    c = res.col
    mean_abs = mag / S[:, 1]
    np.testing.assert_allclose(c["corr_par"], cp, rtol=0, atol=1e-10 * mean_abs.max())
    np.testing.assert_allclose(c["corr_perp"], cq, rtol=0, atol=1e-10 * mean_abs.max())
    np.testing.assert_allclose(c["corr_par_error"], ep, rtol=1e-10)
    np.testing.assert_allclose(c["corr_perp_error"], eq, rtol=1e-10)
    np.testing.assert_allclose(c["corr_error_model"], em, rtol=1e-10)
    np.testing.assert_allclose(c["sum_weights"], S[:, 1], rtol=1e-12)
    # the fit, redone from the numpy bins
    a, b, h, sig = fit_weights(res)
    np.testing.assert_allclose(res.m("hd_amplitude"), np.sum(a * cp + b * cq), rtol=1e-9)
    np.testing.assert_allclose(res.m("hd_amplitude_error"), sig, rtol=1e-9)
    np.testing.assert_allclose(c["hd_curve"], h, rtol=0, atol=2e-7)


def test_noise_consistent_with_zero(skies, tmp_path):
    """No injected field: chi^2 of the 2K bin values against zero (with each bin's 2x2 covariance)
    is typical of chi^2(2K), the HD amplitude is within 3.5 sigma of 0, and the scatter errors
    agree with the model errors 1/sqrt(sum w) (the synthetic errors are the true ones)."""
    correlate(skies.noise.h5, tmp_path / "noise", np_=2, extra=["--bins", 18])
    r = Result(tmp_path / "noise")
    c = r.col
    from scipy import stats
    chi2 = 0.0
    for k in range(len(c["corr_par"])):
        C = np.array([[c["corr_par_error"][k] ** 2, c["corr_par_perp_covariance"][k]],
                      [c["corr_par_perp_covariance"][k], c["corr_perp_error"][k] ** 2]])
        y = np.array([c["corr_par"][k], c["corr_perp"][k]])
        chi2 += y @ np.linalg.solve(C, y)
    p = stats.chi2.sf(chi2, 2 * len(c["corr_par"]))
    assert 1e-3 < p < 0.999, f"chi^2 = {chi2:.1f} for {2 * len(c['corr_par'])} values (p = {p:.3g})"
    np.testing.assert_allclose(chi2, r.m("null_chi2"), rtol=1e-9)
    assert abs(r.m("hd_significance")) < 3.5
    ratio = np.concatenate([c["corr_par_error"], c["corr_perp_error"]]) / np.concatenate([c["corr_error_model"]] * 2)
    assert abs(np.median(ratio) - 1) < 0.1, f"median scatter/model error ratio {np.median(ratio):.3f}"
    assert r.m("hd_amplitude_upper_limit") > 0 and r.m("omega_gw_upper_limit") > 0


def test_injected_field_recovered(skies, tmp_path):
    """GW sky: synth adds one realisation of a pure degree-2 VSH field (E power P_E, B power P_B in
    the truth file). Averaged over all pairs at separation Theta, such a field gives
      C_par = (P_E cos 2Theta + P_B cos Theta) / (8 pi),  C_perp = (P_E cos Theta + P_B cos 2Theta) / (8 pi)
    (Docs/gw-correlation.md) — the degree-2 part of the Hellings–Downs curve, which carries 5/6 of
    H(0). Expectation for the fitted amplitude: the same least-squares fit (gaiamine's bin errors)
    applied to (1) those curves averaged over each bin, and (2) the estimator run on the noise-free
    injected field at the actual positions (truth file), in numpy. The measured amplitude must
    match (2) within the noise: the null error of the fit plus the signal x noise term, computed
    exactly from the truth field and the quoted errors (here it dominates the null error several
    times over); (1) and (2) differ only by the sampling of the sky by 3000 (weighted) points."""
    sky = skies.gw
    correlate(sky.h5, tmp_path / "gw", np_=3, extra=["--bins", 18])
    res = Result(tmp_path / "gw")
    c = res.col
    a, b, h, sig_null = fit_weights(res)
    A = res.m("hd_amplitude")
    assert A / res.m("hd_amplitude_error") > 5, "injected field not detected"
    # (1) analytic curves from the realised powers
    pe, pb = sky.truth["degree2_power_e"], sky.truth["degree2_power_b"]
    lo, hi = np.radians(c["theta_min"]), np.radians(c["theta_max"])
    c1, c2 = np.cos(hi), np.cos(lo)
    m1 = (c1 + c2) / 2
    m2 = 2 * (c1 * c1 + c1 * c2 + c2 * c2) / 3 - 1
    A_theory = np.sum(a * (pe * m2 + pb * m1) + b * (pe * m1 + pb * m2)) / (8 * math.pi)
    # (2) the estimator on the noise-free field
    s = load_sources(sky.h5)
    from astropy.table import Table
    t = Table.read(sky.truth_ecsv, format="ascii.ecsv")
    order = np.argsort(np.asarray(t["source_id"]))
    idx = order[np.searchsorted(np.asarray(t["source_id"])[order], s["source_id"])]
    assert np.array_equal(np.asarray(t["source_id"])[idx], s["source_id"])
    sa, sd = np.asarray(t["pmra_signal"], float)[idx], np.asarray(t["pmdec_signal"], float)[idx]
    w = weights(s)
    S, _, _ = numpy_sums(s, w, np.linspace(0, 180, 19), pmra=sa, pmdec=sd)
    sp, sq = S[:, 2] / S[:, 1], S[:, 3] / S[:, 1]
    A_signal = np.sum(a * sp + b * sq)
    # signal x noise: A_sn = sum_j n_j . v_j, linear in the noise; Var = sum_j v_j^T C_j v_j
    n = len(w)
    v = np.zeros((n, 2))
    edges = np.radians(np.linspace(0, 180, 19))
    for i0 in range(0, n, 64):
        i = np.repeat(np.arange(i0, min(i0 + 64, n)), n)
        j = np.tile(np.arange(n), min(i0 + 64, n) - i0)
        keep = i != j
        i, j = i[keep], j[keep]
        theta, pi_, qi, pj, qj = frames(s["ra"], s["dec"], i, j)
        k = np.clip(np.searchsorted(edges, theta, side="right") - 1, 0, 17)
        alpha = a[k] * w[i] * w[j] / S[k, 1]
        beta = b[k] * w[i] * w[j] / S[k, 1]
        s_par = sa[i] * pi_[0] + sd[i] * pi_[1]
        s_perp = sa[i] * qi[0] + sd[i] * qi[1]
        for comp in (0, 1):
            v[:, comp] += np.bincount(j, weights=alpha * s_par * pj[comp] + beta * s_perp * qj[comp], minlength=n)
    ea, ed, rho = s["pmra_error"], s["pmdec_error"], s["pmra_pmdec_corr"]
    var_sn = np.sum(v[:, 0] ** 2 * ea ** 2 + v[:, 1] ** 2 * ed ** 2 + 2 * v[:, 0] * v[:, 1] * rho * ea * ed)
    sigma = math.sqrt(sig_null ** 2 + var_sn)
    print(f"\nA measured {A:.1f} ± {res.m('hd_amplitude_error'):.1f} (null), signal-only {A_signal:.1f}, "
          f"theory {A_theory:.1f}; sigma(signal x noise) {math.sqrt(var_sn):.1f}, total {sigma:.1f}")
    assert abs(A - A_signal) < 4 * sigma
    # The expectation (1) itself: the noise-free field with equal weights (all 3000 points count
    # alike; inverse-variance weights let a few hundred bright sources dominate, a coarser sample
    # of the sky: 19 % off for this seed) gives the analytic amplitude to the sky sampling (~8 %).
    S_u, _, _ = numpy_sums(s, np.ones_like(w), np.linspace(0, 180, 19), pmra=sa, pmdec=sd)
    A_uniform = np.sum(a * S_u[:, 2] / S_u[:, 1] + b * S_u[:, 3] / S_u[:, 1])
    assert abs(A_uniform - A_theory) < 0.12 * abs(A_theory), f"signal-only (equal weights) {A_uniform:.1f} vs theory {A_theory:.1f}"
    # the parallel and perpendicular curves follow their own expectations, bin by bin, loosely
    model_p = (pe * m2 + pb * m1) / (8 * math.pi)
    model_q = (pe * m1 + pb * m2) / (8 * math.pi)
    assert np.corrcoef(c["corr_par"], model_p)[0, 1] > 0.8
    assert np.corrcoef(c["corr_perp"], model_q)[0, 1] > 0.8
    # Omega_GW mapping as documented: 2A / H0^2, H0 = 70 km/s/Mpc in uas/yr
    h0 = 70 / 3.0856775814913673e19 * 365.25 * 86400 * 180 / math.pi * 3600e6
    np.testing.assert_allclose(res.m("omega_gw"), 2 * A / h0 ** 2, rtol=1e-12)


def test_parameter_file_and_outputs(skies, tmp_path):
    """`gaiamine run` with the shipped case (paths replaced) = the same options on the command line;
    the outputs are self-describing (units, descriptions, fit metadata), astropy reads the ECSV, the
    SVG is well-formed, nothing partial is left."""
    import yaml
    case = yaml.safe_load((REPO / "Inputs" / "gw_correlation_qso.yaml").read_text())
    case["input"] = str(skies.gw.h5)
    case["output"] = str(tmp_path / "case")
    (tmp_path / "case.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    r = run_gaiamine(["run", tmp_path / "case.yaml"], np=2)
    assert r.returncode == 0, r.describe()
    assert "gw-correlation: done" in r.stdout and "Ω_GW" in r.stdout
    extra = ["--bins", case["gw_correlation"]["bins"]]
    for f in case["selection"]["filters"]:
        extra += ["--filter", f]
    correlate(skies.gw.h5, tmp_path / "cli", np_=3, extra=extra)
    a, b = Result(tmp_path / "case"), Result(tmp_path / "cli")
    for name in a.col:
        assert np.array_equal(a.col[name], b.col[name], equal_nan=True), name
    assert a.meta["selection"] == b.meta["selection"]
    assert "job: gw-correlation" in a.meta["parameters"]
    # HDF5: units and descriptions on every column
    for name in ["theta_min", "theta_max", "n_pairs", "corr_par", "corr_perp", "corr_par_error", "corr_perp_error"]:
        assert name in a.table.columns
        assert a.table.dattrs[name]["description"]
    assert a.table.dattrs["corr_par"]["units"] == "uas2 / yr2"
    assert a.table.dattrs["theta_min"]["units"] == "deg"
    for k in ["hd_amplitude", "hd_amplitude_error", "hd_amplitude_upper_limit", "omega_gw", "omega_gw_upper_limit",
              "normalisation", "pairs_total", "software_version"]:
        assert k in a.meta, k
    # ECSV through astropy: same numbers, units
    t = astropy_table(str(tmp_path / "case") + ".ecsv")
    import astropy.units as u
    assert t["corr_par"].unit == u.uas ** 2 / u.yr ** 2
    assert t["theta_max"].unit == u.deg
    np.testing.assert_array_equal(np.asarray(t["corr_par"]), a.col["corr_par"])
    np.testing.assert_array_equal(np.asarray(t["n_pairs"]), a.col["n_pairs"])
    # SVG
    root = ET.parse(str(tmp_path / "case") + ".svg").getroot()
    text = " ".join(x.text or "" for x in root.iter() if x.tag.endswith("text"))
    assert "separation" in text and "A·H(Θ)" in text
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("np_", [1, 3])
def test_bad_input(skies, tmp_path, np_):
    """Clear error, non-zero exit, no output (and no hang under MPI)."""
    h5 = skies.noise.h5

    def fails(args, message, out="bad"):
        r = run_gaiamine(["gw-correlation", *map(str, args), "--out", tmp_path / out], np=np_)
        assert r.returncode != 0, f"expected failure: {args}\n" + r.describe()
        assert message in r.stderr, f"expected '{message}' in stderr\n" + r.describe()
        for s in OUT:
            assert not Path(str(tmp_path / out) + s).exists(), f"{out}{s} written despite the error"
        assert not list(tmp_path.glob("*.partial"))

    fails([tmp_path / "missing.h5"], "no such file")
    fails([h5, "--bins", 0], "--bins")
    fails([h5, "--theta-min", 100, "--theta-max", 50], "theta")
    fails([h5, "--filter", "no_such_column > 1"], "no_such_column")
    fails([h5, "--filter", "phot_g_mean_mag < 0"], "at least 2")
    fails([h5, "--weights", "magic"], "--weights")
    # a file without proper motions: an XP-like table repacked with only some columns
    import h5py
    bad = tmp_path / "nopm.h5"
    with h5py.File(h5, "r") as f, h5py.File(bad, "w") as g:
        for k, v in f.attrs.items():
            g.attrs[k] = v
        grp = g.create_group(GS)
        for k, v in f[GS].attrs.items():
            grp.attrs[k] = v
        for c in ["source_id", "ra", "dec"]:
            f.copy(f[GS][c], grp, c)
        grp.attrs.create("columns", ["source_id", "ra", "dec"], dtype=h5py.string_dtype())
    fails([bad], "missing column")
    # an invalid value in one selected row (read by one rank only under MPI): all ranks stop cleanly
    corrupt = tmp_path / "corrupt.h5"
    import shutil
    shutil.copyfile(h5, corrupt)
    with h5py.File(corrupt, "r+") as f:
        e = f[GS]["pmra_error"]
        e[len(e) - 7] = 0
    fails([corrupt, "--read-block-rows", 500], "pmra_error")
    # existing outputs are kept unless --overwrite
    correlate(h5, tmp_path / "keep", np_=np_, extra=["--bins", 6])
    before = Path(str(tmp_path / "keep") + ".ecsv").read_bytes()
    r = run_gaiamine(["gw-correlation", h5, "--out", tmp_path / "keep", "--bins", 6], np=np_)
    assert r.returncode != 0 and "exists" in r.stderr, r.describe()
    assert Path(str(tmp_path / "keep") + ".ecsv").read_bytes() == before
