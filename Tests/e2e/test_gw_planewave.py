"""End-to-end tests of the plane-wave search: `gaiamine synth epoch_astrometry` (injected wave,
and null sets; DR4 DataLink transit rows with CCD arrays, positions in GaiaSource_*.csv.gz) →
`repack` → `gw-planewave` / `gaiamine run PARAMS.yaml`, checked against the synthetic truth, an
independent numpy computation of 2F (below: gaiasupdate's selection and relative time written out
in numpy, explicit templates from the Book & Flanagan deflection, explicit 5-parameter projection
with numpy.linalg) and χ²₄.

Seeds: injection set 21; null sets 31, 32, 33. The injected direction (135°, −30°) is a HEALPix
nside-4 pixel centre and 50 nHz a grid frequency, so the numpy value at the exact injection is
compared with the search's value at that grid point.
"""
from __future__ import annotations

import json
import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import REPO, astropy_table, repack, run_gaiamine

TABLE = "epoch_astrometry"
MAS = 180 / math.pi * 3.6e6
# ρ² ≈ 350 for 1500 sources of ~80 transits × 9 CCDs (truth: wave.snr2).
WAVE = dict(f=50.0, ra=135.0, dec=-30.0, hplus=1.5e-10, hcross=0.75e-10, phase_plus=0.4, phase_cross=1.9)
GRID = ["--f-min", 20, "--f-max", 80, "--df", 2, "--nside", 4]  # 31 frequencies × 192 directions
VOLATILE = {"seconds", "kernel_seconds", "kernel_cpu_seconds", "mpi_ranks", "source_grid_points_per_second_per_core", "parameters", "software",
            "input", "created", "command_line", "host"}


def synth_repack(d: Path, sources: int, seed: int, wave: dict | None, files: int = 3) -> SimpleNamespace:
    args = ["synth", TABLE, "--sources", sources, "--files", files, "--seed", seed, "--out", d / "synth"]
    if wave:
        args += ["--gw-frequency", wave["f"], f"--gw-direction={wave['ra']},{wave['dec']}", "--gw-hplus", wave["hplus"],
                 "--gw-hcross", wave["hcross"], "--gw-phase-plus", wave["phase_plus"], "--gw-phase-cross", wave["phase_cross"]]
    r = run_gaiamine(args)
    assert r.returncode == 0, "synth failed\n" + r.describe()
    csv = sorted((d / "synth").glob("EpochAstrometry_*.csv.gz"))
    assert len(csv) == files, r.describe()
    h5, pos = d / "ea.h5", d / "positions.h5"
    repack(csv, h5, np=2)
    repack(sorted((d / "synth").glob("GaiaSource_*.csv.gz")), pos, np=2)
    return SimpleNamespace(dir=d, h5=h5, pos=pos, truth_path=d / "synth" / f"{TABLE}_truth.json",
                           truth=json.loads((d / "synth" / f"{TABLE}_truth.json").read_text()))


@pytest.fixture(scope="session")
def injected(tmp_path_factory):
    return synth_repack(tmp_path_factory.mktemp("gw_planewave_injected"), 1500, 21, WAVE)


@pytest.fixture(scope="session")
def nulls(tmp_path_factory):
    return [synth_repack(tmp_path_factory.mktemp(f"gw_planewave_null{s}"), 500, s, None, files=2) for s in (31, 32, 33)]


def search(data, prefix, np_=None, extra=(), grid=GRID, h5=None):
    r = run_gaiamine(["gw-planewave", h5 or data.h5, "--positions", data.pos, *grid, "--out", prefix, "--overwrite", *extra], np=np_)
    assert r.returncode == 0, "gw-planewave failed\n" + r.describe()
    for s in (".h5", ".ecsv", ".svg"):
        assert Path(f"{prefix}{s}").exists(), f"{prefix}{s} missing\n" + r.describe()
        assert not Path(f"{prefix}{s}.partial").exists()
    return r


def load(prefix):
    import h5py
    with h5py.File(f"{prefix}.h5", "r") as f:
        arrays = {k: f[k][()] for k in f.keys() if not hasattr(f[k], "keys")}
        cand = {k: f["candidates"][k][()] for k in f["candidates"].keys()}
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    return SimpleNamespace(arrays=arrays, cand=cand, attrs=attrs)


# --------------------------------------------------------------------------------------------
# an independent numpy F-statistic


def frame(ra, dec):
    a, d = np.radians(ra), np.radians(dec)
    n = np.array([np.cos(d) * np.cos(a), np.cos(d) * np.sin(a), np.sin(d)])
    east = np.array([-np.sin(a), np.cos(a), 0.0])
    north = np.array([-np.sin(d) * np.cos(a), -np.sin(d) * np.sin(a), np.cos(d)])
    return n, east, north


def numpy_two_f(data, f_nhz, ra_q, dec_q, min_transits=10):
    """2F = xᵀM⁻¹x from explicit templates (Book & Flanagan 2011 Eq. 5 with p = −q, the pulsar-timing
    polarisation basis) projected orthogonally to each source's 5-parameter design by weighted least
    squares; returns (2F, â in strain). The CCD observations are gaiasupdate's selection
    (used_by_agis_al, non-null bary correction, scan angle, time, value and error), σ² + ε² with ε
    the AGIS excess noise, τ gaiasupdate's relative time: the search's `--no-robust` mode. For a
    source with colour_factor_al ≠ 0, the pseudocolour of gaiasupdate's 6p_constrained_colour
    solution (design column −1000·colour_factor_al, Gaussian prior 0.085e-3 nm⁻¹) is taken off first."""
    import h5py
    with h5py.File(data.h5, "r") as f:
        g = f[TABLE]
        first, count = g["source_index"]["first_row"][:], g["source_index"]["n_rows"][:]
        ids = g["source_index"]["source_id"][:]
        col = {k: g[k][:] for k in ["obs_time_tcb", "centroid_pos_al", "centroid_pos_error_al", "scan_pos_angle", "used_by_agis_al",
                                     "obs_time_bary_corr", "parallax_factor_al", "agis_source_excess_noise", "colour_factor_al"]}
    with h5py.File(data.pos, "r") as f:
        g = f["gaia_source"]
        pos = dict(zip(g["source_id"][:], zip(g["ra"][:], g["dec"][:])))
    q, east_q, north_q = frame(ra_q, dec_q)
    m, l = -east_q, north_q
    e_plus, e_cross = np.outer(m, m) - np.outer(l, l), np.outer(m, l) + np.outer(l, m)
    omega = 2 * np.pi * f_nhz * 1e-9 * 86400 * 365.25
    c = 1e-9 / (365.25 * 86400)
    x, M = np.zeros(4), np.zeros((4, 4))
    for i in range(len(ids)):
        s = slice(first[i], first[i] + count[i])
        bary = col["obs_time_bary_corr"][s].astype(float)[:, None] * np.ones((1, 10))
        fp = col["parallax_factor_al"][s].astype(float)[:, None] * np.ones((1, 10))
        cf = col["colour_factor_al"][s].astype(float)[:, None] * np.ones((1, 10))
        t = col["obs_time_tcb"][s]
        w = col["centroid_pos_al"][s]
        eps = float(col["agis_source_excess_noise"][s][0])
        sig = np.sqrt(col["centroid_pos_error_al"][s].astype(float) ** 2 + eps * eps)
        psi = np.radians(col["scan_pos_angle"][s])
        ok = ((col["used_by_agis_al"][s] == 1) & np.isfinite(bary) & np.isfinite(psi) & (t != np.iinfo(np.int64).min)
              & np.isfinite(w) & np.isfinite(sig))
        if ok.sum() < min_transits:
            continue
        t, w, sig, psi, fp, bary, cf = t[ok], w[ok], sig[ok], psi[ok], fp[ok], bary[ok], cf[ok]
        tau = ((2010.0 + t * c) + bary * c) - 2017.5
        X = np.stack([np.sin(psi), np.cos(psi), fp, tau * np.sin(psi), tau * np.cos(psi)], axis=1)
        if np.any(cf != 0):
            X6 = np.column_stack([X, -1000 * cf])
            N = X6.T @ (X6 / sig[:, None] ** 2)
            N[5, 5] += 1 / 0.085e-3 ** 2
            w = w - X6[:, 5] * np.linalg.solve(N, X6.T @ (w / sig**2))[5]
        n, east, north = frame(*pos[ids[i]])
        scan = np.outer(np.sin(psi), east) + np.outer(np.cos(psi), north)
        resp = []
        for e in (e_plus, e_cross):
            dn = (n - q) * (n @ e @ n) / (2 * (1 - q @ n)) - 0.5 * e @ n
            resp.append(scan @ dn)
        T = np.stack([resp[0] * np.cos(omega * tau), resp[0] * np.sin(omega * tau),
                      resp[1] * np.cos(omega * tau), resp[1] * np.sin(omega * tau)], axis=1)
        sw = 1 / sig
        Xw = X * sw[:, None]
        def project(v):  # v − X β̂, β̂ the weighted least-squares fit of v
            beta, *_ = np.linalg.lstsq(Xw, v * (sw if v.ndim == 1 else sw[:, None]), rcond=None)
            return v - X @ beta
        Tt, rt = project(T), project(w)
        x += Tt.T @ (rt / sig**2)
        M += Tt.T @ (Tt / sig[:, None] ** 2)
    two_f = float(x @ np.linalg.solve(M, x))
    return two_f, np.linalg.solve(M, x) / MAS


def chi2_4_cdf(x):
    x = np.asarray(x, dtype=float)
    return 1 - np.exp(-x / 2) * (1 + x / 2)


def ks_test(values):
    """(D, p) of the one-sample KS test against χ²₄: scipy if available, else the asymptotic
    Kolmogorov distribution with Stephens' correction."""
    try:
        from scipy import stats
        r = stats.kstest(values, "chi2", args=(4,))
        return float(r.statistic), float(r.pvalue)
    except ImportError:
        v = np.sort(values)
        n = len(v)
        c = chi2_4_cdf(v)
        d = max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n))
        lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * d
        p = 2 * sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101))
        return d, min(max(p, 0.0), 1.0)


# --------------------------------------------------------------------------------------------
# tests


def test_synth_truth_and_table(injected):
    t = injected.truth
    assert t["wave"]["frequency_nhz"] == WAVE["f"] and t["wave"]["ra"] == WAVE["ra"]
    assert t["wave"]["expected_2f"] == pytest.approx(4 + t["wave"]["snr2"])
    assert 50 < t["wave"]["snr2"] < 1000, t["wave"]
    assert 30 < t["n_transits"]["median"] < 150
    import h5py
    with h5py.File(injected.h5, "r") as f:
        g = f[TABLE]
        assert g.attrs["n_rows"] == t["n_transits"]["total"] and g.attrs["rows_are"] == "transits"
        assert g["source_index"].attrs["n_sources"] == 1500 and g["source_index"]["n_rows"][:].sum() == g.attrs["n_rows"]
        for c in ["obs_time_tcb", "centroid_pos_al", "centroid_pos_error_al", "scan_pos_angle", "used_by_agis_al"]:
            assert g[c].shape == (g.attrs["n_rows"], 10), c
        assert g["obs_time_tcb"].dtype == np.int64 and g["centroid_pos_error_al"].dtype == np.float32
        psi = g["scan_pos_angle"][:]
        assert np.nanmin(psi) > -180 and np.nanmax(psi) <= 180
        assert np.abs(g["parallax_factor_al"][:]).max() <= 1.01
        assert not g["used_by_agis_al"][:, 0].any()


def test_rank_independence(injected, tmp_path):
    runs = {}
    for np_ in (1, 2, 3):
        prefix = tmp_path / f"np{np_}"
        search(injected, prefix, np_=np_, extra=["--block-sources", 16, "--chunk-rows", 100])
        runs[np_] = load(prefix)
    for np_ in (2, 3):
        for k in ("sums", "two_f", "sky_max_two_f", "spectrum_max_two_f"):
            assert np.array_equal(runs[1].arrays[k], runs[np_].arrays[k], equal_nan=True), f"{k}: np 1 vs np {np_}"
        for k, v in runs[1].cand.items():
            assert np.array_equal(v, runs[np_].cand[k]), f"candidates/{k}: np 1 vs np {np_}"
        stable = {k: v for k, v in runs[1].attrs.items() if k not in VOLATILE}
        assert stable == {k: v for k, v in runs[np_].attrs.items() if k not in VOLATILE}
    assert runs[3].attrs["mpi_ranks"] in ("3", 3)


def test_injection_recovered(injected, tmp_path):
    prefix = tmp_path / "inj"
    r = search(injected, prefix, np_=2, extra=["--truth", injected.truth_path])
    o = load(prefix)
    c = o.cand
    assert c["frequency"][0] == pytest.approx(WAVE["f"], abs=2.0), "best candidate not at the injected frequency (±1 bin)"
    n_best = frame(c["ra"][0], c["dec"][0])[0]
    n_true = frame(WAVE["ra"], WAVE["dec"])[0]
    sep = math.degrees(math.acos(min(1.0, float(n_best @ n_true))))
    pixel = math.degrees(math.sqrt(4 * math.pi / 192))
    assert sep <= 2 * pixel, f"best direction {c['ra'][0]}, {c['dec'][0]} is {sep:.1f}° from the injection"
    assert c["global_fap"][0] < 1e-6
    assert o.attrs["injection_recovered"] in ("true", True)
    expected = injected.truth["wave"]["expected_2f"]
    # 2F at the best point: non-central χ²₄ with λ = ρ², sd = √(2(4 + 2λ)).
    assert abs(c["two_f"][0] - expected) < 5 * math.sqrt(2 * (4 + 2 * (expected - 4))), (c["two_f"][0], expected)
    # The second candidate is consistent with noise (the global FAP is not small).
    assert c["global_fap"][1] > 1e-3
    assert "recovered" in r.stdout


def test_numpy_agrees_at_injection(injected, tmp_path):
    prefix = tmp_path / "np_check"
    search(injected, prefix, np_=1, extra=["--no-robust"])
    o = load(prefix)
    freqs = o.arrays["frequency_nhz"]
    i = int(np.argmin(np.abs(freqs - WAVE["f"])))
    assert freqs[i] == WAVE["f"]
    ra, dec = o.arrays["direction_ra"], o.arrays["direction_dec"]
    j = int(np.argmin((ra - WAVE["ra"]) ** 2 + (dec - WAVE["dec"]) ** 2))
    assert abs(ra[j] - WAVE["ra"]) < 1e-9 and abs(dec[j] - WAVE["dec"]) < 1e-9, "the injection must sit on a pixel centre"
    two_f, amps = numpy_two_f(injected, WAVE["f"], WAVE["ra"], WAVE["dec"])
    assert o.arrays["two_f"][i, j] == pytest.approx(two_f, rel=1e-7)
    # The amplitude estimates agree with the injected ones within 4σ (σ from M⁻¹ of the best point).
    truth = injected.truth["wave"]["linear_amplitudes"]
    k = int(np.argmax(o.cand["two_f"]))
    if o.cand["healpix"][k] == j and abs(o.cand["frequency"][k] - WAVE["f"]) < 1e-9:
        for name, t in zip(["a_plus_cos", "a_plus_sin", "a_cross_cos", "a_cross_sin"], truth):
            assert abs(o.cand[name][k] - t) < 4 * o.cand[name + "_error"][k], (name, o.cand[name][k], t)
    for a, t in zip(amps, truth):
        assert abs(a - t) < 0.5 * max(abs(x) for x in truth), (amps, truth)


def test_colour_factor_per_ccd(injected, tmp_path):
    """colour_factor_al as a 10-element array per transit (as in some DataLink exports) with the
    same value on every CCD gives the same search as the scalar column."""
    import h5py
    per_ccd = tmp_path / "per_ccd.h5"
    shutil.copyfile(injected.h5, per_ccd)
    with h5py.File(per_ccd, "r+") as f:
        g = f[TABLE]
        c = g["colour_factor_al"]
        attrs, v = dict(c.attrs), c[()]
        assert np.count_nonzero(v) > 1000, "the synthetic set should have colour sources"
        del g["colour_factor_al"]
        d = g.create_dataset("colour_factor_al", data=np.repeat(v[:, None], 10, axis=1))
        for k, a in attrs.items():
            d.attrs[k] = a
    search(injected, tmp_path / "scalar", np_=2)
    search(injected, tmp_path / "array", np_=2, h5=per_ccd)
    a, b = load(tmp_path / "scalar"), load(tmp_path / "array")
    assert int(a.attrs["sources_6p_colour"]) > 100 and a.attrs["sources_6p_colour"] == b.attrs["sources_6p_colour"]
    assert np.allclose(a.arrays["two_f"], b.arrays["two_f"], rtol=1e-9, atol=0)


def test_null_two_f_is_chi2_4(nulls, tmp_path):
    """No injected wave: 2F over a thinned grid (frequencies 2/T apart, the 12 nside-1 directions)
    of three independent data sets follows χ²₄ (KS test), mean 4, and ~1 % exceeds its 99th
    percentile."""
    values = []
    for k, d in enumerate(nulls):
        prefix = tmp_path / f"null{k}"
        search(d, prefix, grid=["--f-min", 6, "--f-max", 126, "--df", 12, "--nside", 1])
        o = load(prefix)
        values.append(o.arrays["two_f"].ravel())
    v = np.concatenate(values)
    assert np.all(np.isfinite(v)) and len(v) == 3 * 11 * 12
    d, p = ks_test(v)
    assert p > 1e-3, f"KS D = {d:.4f}, p = {p:.3g}: 2F does not follow χ²₄ (mean {v.mean():.3f})"
    assert v.mean() == pytest.approx(4, abs=4 * math.sqrt(8 / len(v)) * 2)
    assert (v > 13.2767).mean() < 0.05


def test_run_parameter_file(injected, tmp_path):
    prefix = tmp_path / "yaml"
    params = tmp_path / "pw.yaml"
    params.write_text(f"""job: gw-planewave
input: {injected.h5}
output: {prefix}
overwrite: true
gw_planewave:
  positions: {injected.pos}
  f_min: 20
  f_max: 80
  df: 2
  nside: 4
  truth: {injected.truth_path}
""")
    r = run_gaiamine(["run", params], np=2)
    assert r.returncode == 0, r.describe()
    cli = tmp_path / "cli"
    search(injected, cli, np_=1)
    assert np.array_equal(load(prefix).arrays["two_f"], load(cli).arrays["two_f"], equal_nan=True)
    assert "f_min: 20" in load(prefix).attrs["parameters"]
    # The shipped parameter file parses (its input need not exist here: check the error is about it).
    (tmp_path / "demo").mkdir()
    r = run_gaiamine(["run", REPO / "Inputs" / "gw_planewave.yaml"], cwd=tmp_path)
    assert r.returncode != 0 and "no such file" in r.stderr, r.describe()


def test_outputs_readable(injected, tmp_path):
    prefix = tmp_path / "out"
    search(injected, prefix)
    t = astropy_table(f"{prefix}.ecsv")
    # Peaks ≥ 3 frequency steps apart in 31 frequencies: at most 8 candidates.
    assert 5 <= len(t) <= 8 and t["frequency"].unit == "nHz" and t["ra"].unit == "deg"
    assert list(t["rank"]) == list(range(1, len(t) + 1))
    assert np.all(np.abs(np.diff(np.sort(np.asarray(t["frequency"])))) > 3 * 2 - 1e-9)
    assert np.all(np.diff(t["two_f"]) <= 0)
    o = load(prefix)
    assert o.arrays["two_f"].shape == (31, 192) and o.arrays["sums"].shape == (31, 14, 192)
    assert np.array_equal(o.cand["two_f"], np.asarray(t["two_f"]))
    assert int(o.attrs["trials"]) == 31 * 192
    ET.parse(f"{prefix}.svg")


def test_bad_input(injected, tmp_path):
    def fails(args, *needles, np_=None):
        r = run_gaiamine(args, np=np_)
        assert r.returncode != 0, "expected failure\n" + r.describe()
        for n in needles:
            assert n in r.stderr, f"{n!r} not in the error\n" + r.describe()
        return r
    out = tmp_path / "bad_out"
    pos = ["--positions", injected.pos]
    fails(["gw-planewave", tmp_path / "missing.h5", *pos, "--out", out], "no such file", np_=2)
    fails(["gw-planewave", injected.h5, *pos, "--out", out, "--f-min", 50, "--f-max", 10], "f_max")
    fails(["gw-planewave", injected.h5, *pos, "--out", out, "--nside", 3], "nside")
    fails(["gw-planewave", injected.h5, *pos, "--out", out, "--min-transits", 3], "--min-transits")
    fails(["gw-planewave", injected.h5, *pos, "--out", tmp_path / "no" / "dir" / "x"], "does not exist", np_=2)
    fails(["gw-planewave", injected.h5, *GRID, "--out", out], "positions", np_=2)
    import h5py
    # A negative standard error on a used CCD: the error names file, row, source_id, column, CCD.
    bad = tmp_path / "bad.h5"
    shutil.copyfile(injected.h5, bad)
    with h5py.File(bad, "r+") as f:
        g = f[TABLE]
        row = 777 + int(np.argmax(g["used_by_agis_al"][777:, 3] == 1))
        e = g["centroid_pos_error_al"]
        e[row, 3] = -0.5
        sid = int(g["source_id"][row])
    r = fails(["gw-planewave", bad, *pos, *GRID, "--out", out], f"row {row}", str(sid), "centroid_pos_error_al", "CCD 3", np_=3)
    assert not any(Path(f"{out}{s}").exists() for s in (".h5", ".ecsv", ".svg", ".h5.partial"))
    # A source's transits out of time order (a file written by hand): named, with its row.
    unsorted = tmp_path / "unsorted.h5"
    shutil.copyfile(injected.h5, unsorted)
    with h5py.File(unsorted, "r+") as f:
        g = f[TABLE]
        a = int(g["source_index"]["first_row"][5])
        t = g["obs_time_tcb"][a:a + 2]
        g["obs_time_tcb"][a:a + 2] = t[::-1]
    fails(["gw-planewave", unsorted, *pos, *GRID, "--out", out], f"row {a + 1}", "sorted by time", np_=2)
    # A source without a position.
    few = tmp_path / "few.h5"
    shutil.copyfile(injected.pos, few)
    with h5py.File(few, "r+") as f:
        ids = f["gaia_source"]["source_id"]
        missing = int(ids[700])
        ids[700] = missing - 1
    fails(["gw-planewave", injected.h5, "--positions", few, *GRID, "--out", out], f"source_id {missing}", "has no position", np_=2)
    # Not an epoch_astrometry table.
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        g = f.create_group("gaia_source")
        g.attrs["n_rows"] = np.int64(1)
        g.attrs["columns"] = ["source_id"]
        g.create_dataset("source_id", data=np.array([1], dtype=np.int64))
    fails(["gw-planewave", other, *pos, "--out", out], "centroid_pos_al", np_=2)
    # An existing output is not replaced without --overwrite.
    search(injected, tmp_path / "exists")
    fails(["gw-planewave", injected.h5, *pos, *GRID, "--out", tmp_path / "exists"], "--overwrite")
