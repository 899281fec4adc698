"""End-to-end tests of `gaiamine gw-vsh` (VSH fit of proper motions): `gaiamine synth
gaia_source` with injected rotation, glide and degree-2 fields → `repack` → `gw-vsh` under
mpirun -np 1/2/3, checked against the synth truth, independent numpy weighted least squares (full
2×2 covariances, explicit rotation/glide and MK12 l = 2 formulas), astropy's Galactic frame, and
hand-made inputs (planted outliers, noise-free fields, bad files).

Scaling: the science case is a 5 µas/yr glide on ~1.6 M quasars; the tests use 20 000 sources
and scale the injected vectors by √(1.6 M / 20 000) ≈ 8.9, so that the signal-to-noise ratio is
that of the full sample.
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

from conftest import REPO, repack, run_gaiamine

N_SOURCES = 20000
SCALE = math.sqrt(1.6e6 / N_SOURCES)
ROTATION = np.array([2.0, -3.0, 1.0]) * SCALE          # µas/yr
GLIDE = np.array([3.0, 0.0, -4.0]) * SCALE             # |g| = 5 µas/yr at full scale
SEEDS = [101, 102, 103, 104, 105, 106]
OUTPUTS = [".h5", ".ecsv", ".svg", "_clipped.h5", "_clipped.ecsv"]
# ICRS → Galactic (Hipparcos A_G'); checked against astropy below
A_G = np.array([[-0.0548755604162154, -0.8734370902348850, -0.4838350155487132],
                [+0.4941094278755837, -0.4448296299600112, +0.7469822444972189],
                [-0.8676661490190047, -0.1980763734312015, +0.4559837761750669]])


# --------------------------------------------------------------------------------------------
# helpers


def synth_repack(d: Path, seed: int, sources=N_SOURCES, rotation=(0, 0, 0), glide=(0, 0, 0), gw=0.0, np_=2) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    vec = lambda v: ",".join(f"{x:.17g}" for x in v)
    r = run_gaiamine(["synth", "gaia_source", "--sources", sources, "--files", 2, "--seed", seed,
                      f"--rotation={vec(rotation)}", f"--glide={vec(glide)}", "--gw-amplitude", gw,
                      "--out", d / "synth"])
    assert r.returncode == 0, r.describe()
    h5 = d / "gaia_source.h5"
    repack(sorted((d / "synth").glob("GaiaSource_*.csv.gz")), h5, np=np_)
    return h5


def gw_vsh(h5, out, *args, np=2, ok=True):
    r = run_gaiamine(["gw-vsh", h5, "--out", out, *args, "--overwrite"], np=np)
    if ok:
        assert r.returncode == 0, "gw-vsh failed\n" + r.describe()
    return r


def results(prefix) -> dict:
    from astropy.table import Table
    t = Table.read(f"{prefix}.ecsv", format="ascii.ecsv")
    assert t.colnames[:4] == ["name", "value", "error", "unit"], t.colnames
    return {str(n): SimpleNamespace(value=float(v), error=float(e), unit=str(u))
            for n, v, e, u in zip(t["name"], t["value"], t["error"], t["unit"])}


def vector(res, name, gal=False):
    tag = "_gal" if gal else ""
    return (np.array([res[f"{name}{tag}_{a}"].value for a in "xyz"]),
            np.array([res[f"{name}{tag}_{a}"].error for a in "xyz"]))


class Data:
    """The repacked table as numpy arrays in radians and µas/yr."""

    def __init__(self, h5):
        import h5py
        with h5py.File(h5, "r") as f:
            g = f["gaia_source"]
            self.cols = {k: g[k][()] for k in g.keys()}
        c = self.cols
        self.source_id = c["source_id"]
        self.ra, self.dec = np.radians(c["ra"]), np.radians(c["dec"])
        self.pa, self.pd = c["pmra"] * 1000.0, c["pmdec"] * 1000.0
        self.ea, self.ed = c["pmra_error"].astype(float) * 1000, c["pmdec_error"].astype(float) * 1000
        self.rho = c["pmra_pmdec_corr"].astype(float) if "pmra_pmdec_corr" in c else np.zeros(len(self.ra))


def design(ra, dec, lmax):
    """Independent design matrix (n, 2, K) for degree ≤ 2 in GaiaMine's unknown order, from the
    explicit rotation/glide fields (l = 1) and Synth's MK12 l = 2 formulas."""
    S, C = np.sin, np.cos
    sa, ca, sd, cd = S(ra), C(ra), S(dec), C(dec)
    c1, c0 = math.sqrt(4 * math.pi / 3), math.sqrt(8 * math.pi / 3)
    cols = []
    # degree 1, toroidal: t_10 = c0 ω_z, t11_re = −c1 ω_x, t11_im = c1 ω_y
    rot = {"x": (-sd * ca, sa), "y": (-sd * sa, -ca), "z": (cd, 0 * ra)}
    gl = {"x": (-sa, -sd * ca), "y": (ca, -sd * sa), "z": (0 * ra, cd)}
    for f in (rot, gl):
        cols.append((f["z"][0] / c0, f["z"][1] / c0))
        cols.append((-f["x"][0] / c1, -f["x"][1] / c1))
        cols.append((f["y"][0] / c1, f["y"][1] / c1))
    if lmax >= 2:
        pi = math.pi
        spec = {0: (math.sqrt(5 / (16 * pi)), 6 * sd * cd, 0 * ra),
                1: (-math.sqrt(15 / (8 * pi)), cd * cd - sd * sd, sd),
                2: (math.sqrt(15 / (32 * pi)), -2 * sd * cd, cd)}
        norm = 1 / math.sqrt(6)
        for kind in ("t", "s"):
            for m in (0, 1, 2):
                k, dp, q = spec[m]
                ce, se = C(m * ra), S(m * ra)
                dYd = (norm * k * dp * ce, norm * k * dp * se)
                dYa = (-norm * k * q * m * se, norm * k * q * m * ce)
                if kind == "t":
                    fa, fd = dYd, (-dYa[0], -dYa[1])
                else:
                    fa, fd = dYa, dYd
                if m == 0:
                    cols.append((fa[0], fd[0]))
                else:
                    cols.append((2 * fa[0], 2 * fd[0]))
                    cols.append((-2 * fa[1], -2 * fd[1]))
    X = np.zeros((len(ra), 2, len(cols)))
    for j, (a, d) in enumerate(cols):
        X[:, 0, j], X[:, 1, j] = a, d
    return X


def numpy_wls(d: Data, lmax, mask=None):
    """Weighted least squares with each source's full 2×2 covariance: (x, Cov x)."""
    mask = np.ones(len(d.ra), bool) if mask is None else mask
    X = design(d.ra[mask], d.dec[mask], lmax)
    ea, ed, rho = d.ea[mask], d.ed[mask], d.rho[mask]
    C = np.zeros((mask.sum(), 2, 2))
    C[:, 0, 0], C[:, 1, 1] = ea ** 2, ed ** 2
    C[:, 0, 1] = C[:, 1, 0] = rho * ea * ed
    W = np.linalg.inv(C)
    y = np.stack([d.pa[mask], d.pd[mask]], 1)
    N = np.einsum("nji,njk,nkl->il", X, W, X)
    b = np.einsum("nji,njk,nk->i", X, W, y)
    cov = np.linalg.inv(N)
    return cov @ b, cov


def names(lmax):
    out = []
    for l in range(1, lmax + 1):
        for k in "ts":
            out.append(f"{k}_{l}_0")
            for m in range(1, l + 1):
                out += [f"{k}_{l}_{m}_re", f"{k}_{l}_{m}_im"]
    return out


def no_outputs(prefix):
    left = [str(prefix) + s for s in OUTPUTS + [s + ".partial" for s in OUTPUTS] if Path(str(prefix) + s).exists()]
    assert not left, f"outputs left behind: {left}"


# --------------------------------------------------------------------------------------------
# data sets (made once per module)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    d = tmp_path_factory.mktemp("gw_vsh")
    h5 = synth_repack(d / "base", SEEDS[0], rotation=ROTATION, glide=GLIDE)
    return SimpleNamespace(dir=d, h5=h5, data=Data(h5))


# --------------------------------------------------------------------------------------------
# 1. rank independence and the independent numpy fit


def test_ranks_1_2_3_identical(base):
    """Fixed blocks + exact block sums: np 1, 2, 3 give the same bits (values, errors, clipped
    sets, covariance), with several blocks per rank."""
    import h5py
    out = {}
    for n in (1, 2, 3):
        p = base.dir / f"np{n}"
        gw_vsh(base.h5, p, "--lmax", 4, "--clip", 3, "--block-rows", 1500, np=n)
        out[n] = (results(p), h5py.File(f"{p}.h5", "r")["covariance"][()])
    r1, c1 = out[1]
    assert r1["sources_clipped"].value > 0, "choose a κ that clips something"
    for n in (2, 3):
        rn, cn = out[n]
        assert rn.keys() == r1.keys()
        for k in r1:
            a, b = r1[k], rn[k]
            assert (a.value == b.value or (math.isnan(a.value) and math.isnan(b.value))), f"np {n}: {k} {b.value!r} != {a.value!r}"
            assert (a.error == b.error or (math.isnan(a.error) and math.isnan(b.error))), f"np {n}: error of {k}"
        assert np.array_equal(cn, c1), f"np {n}: covariance differs"
        from astropy.table import Table
        a, b = Table.read(f"{base.dir}/np1_clipped.ecsv"), Table.read(f"{base.dir}/np{n}_clipped.ecsv")
        assert list(a["source_id"]) == list(b["source_id"]) and np.array_equal(a["x"], b["x"])


@pytest.mark.parametrize("lmax", [1, 2])
def test_matches_numpy_weighted_least_squares(base, lmax):
    """gw-vsh --clip 0 equals an independent numpy WLS (explicit rotation/glide and MK12 l = 2
    formulas, full 2×2 covariances) to 1e-9 of the errors; rotation and glide are its vectors."""
    p = base.dir / f"numpy_l{lmax}"
    gw_vsh(base.h5, p, "--lmax", lmax, "--clip", 0)
    res = results(p)
    x, cov = numpy_wls(base.data, lmax)
    err = np.sqrt(np.diag(cov))
    for j, name in enumerate(names(lmax)):
        assert abs(res[name].value - x[j]) <= 1e-9 * err[j], f"{name}: {res[name].value} vs numpy {x[j]}"
        assert abs(res[name].error - err[j]) <= 1e-9 * err[j], f"error of {name}"
    c1, c0 = math.sqrt(4 * math.pi / 3), math.sqrt(8 * math.pi / 3)
    for kind, off in (("rotation", 0), ("glide", 3)):
        v = np.array([-x[off + 1] / c1, x[off + 2] / c1, x[off] / c0])
        got, e = vector(res, kind)
        assert np.allclose(got, v, rtol=0, atol=1e-9 * e.max()), f"{kind}: {got} vs {v}"
    assert res["sources_fitted"].value == N_SOURCES and res["dof"].value == 2 * N_SOURCES - 2 * lmax * (lmax + 2)


def test_galactic_components_agree_with_astropy(base):
    from astropy.coordinates import CartesianRepresentation, SkyCoord
    g = SkyCoord(CartesianRepresentation(np.eye(3).T), frame="icrs").galactic.cartesian.xyz.value
    assert np.abs(g - A_G).max() < 2e-7  # the Hipparcos matrix vs astropy's Galactic frame
    p = base.dir / "numpy_l1"
    if not Path(f"{p}.ecsv").exists():
        gw_vsh(base.h5, p, "--lmax", 1, "--clip", 0)
    res = results(p)
    for kind in ("rotation", "glide"):
        eq, _ = vector(res, kind)
        gal, _ = vector(res, kind, gal=True)
        assert np.allclose(gal, g @ eq, rtol=0, atol=1e-6 * np.linalg.norm(eq))
        amp = res[f"{kind}_amplitude"].value
        assert amp == pytest.approx(np.linalg.norm(eq), rel=1e-12)
        ra, dec = math.radians(res[f"{kind}_ra"].value), math.radians(res[f"{kind}_dec"].value)
        assert np.allclose(amp * np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)]), eq, atol=1e-9 * amp)


# --------------------------------------------------------------------------------------------
# 2. injection–recovery


def test_rotation_and_glide_recovered_over_seeds(tmp_path):
    """Six seeds: (estimate − truth)/σ of the 6 components are ~N(0, 1): mean, spread and the
    fraction within 1σ as expected, none beyond 4σ — the errors match the scatter over seeds."""
    pulls = []
    for seed in SEEDS[1:] + [SEEDS[0]]:
        h5 = synth_repack(tmp_path / f"s{seed}", seed, rotation=ROTATION, glide=GLIDE)
        gw_vsh(h5, tmp_path / f"r{seed}", "--lmax", 4, "--clip", 5)
        res = results(tmp_path / f"r{seed}")
        for kind, truth in (("rotation", ROTATION), ("glide", GLIDE)):
            v, e = vector(res, kind)
            assert res[f"{kind}_x"].unit == "uas/yr"
            pulls += list((v - truth) / e)
            assert np.all(np.abs(v - truth) < 4 * e), f"seed {seed} {kind}: {v} vs {truth} ± {e}"
            assert np.linalg.norm(truth) / e.max() > 10, "signal-to-noise of the injection"
        shutil.rmtree(tmp_path / f"s{seed}")
    pulls = np.array(pulls)
    n = len(pulls)
    print(f"\nrotation/glide pulls over {len(SEEDS)} seeds: mean {pulls.mean():+.3f}, sd {pulls.std(ddof=1):.3f}, "
          f"{np.mean(np.abs(pulls) < 1):.2f} within 1σ, max |pull| {np.abs(pulls).max():.2f}")
    assert abs(pulls.mean()) < 3 / math.sqrt(n), f"mean pull {pulls.mean():.3f}"
    assert 0.65 < pulls.std(ddof=1) < 1.4, f"pull spread {pulls.std(ddof=1):.3f}: errors inconsistent with the scatter"
    assert 0.45 < np.mean(np.abs(pulls) < 1) < 0.9, f"{np.mean(np.abs(pulls) < 1):.2f} within 1σ"


def test_quadrupole_power_recovered(tmp_path):
    """An injected degree-2 field: the coefficients match synth's truth within errors, the
    debiased E and B powers match the injected Σ|s_2m|², Σ|t_2m|², and Ω_GW is measured."""
    h5 = synth_repack(tmp_path / "gw", 31, gw=40.0)
    truth = json.loads((tmp_path / "gw" / "synth" / "gaia_source_truth.json").read_text())
    p = tmp_path / "gw_fit"
    gw_vsh(h5, p, "--lmax", 4, "--clip", 5)
    res = results(p)
    q = truth["vsh_degree2"]
    for key, v in q.items():
        name = f"{key[0]}_2_{key[2]}" + (f"_{key[4:]}" if len(key) > 3 else "")
        assert abs(res[name].value - v) < 4 * res[name].error, f"{name}: {res[name].value} ± {res[name].error} vs truth {v}"
    for k, tk in (("s", "degree2_power_e"), ("t", "degree2_power_b")):
        p2, bias = res[f"power_{k}_2"], res[f"noise_bias_{k}_2"].value
        assert abs(p2.value - bias - truth[tk]) < 3 * p2.error, f"P_2^{k}: {p2.value} - {bias} vs {truth[tk]} ± {p2.error}"
        assert res[f"z_{k}_2"].value > 5
    ms = res["mean_square_pm_l2"].value
    assert ms == pytest.approx((truth["degree2_power_e"] + truth["degree2_power_b"]) / (4 * math.pi), rel=0.2)
    h0 = 70 / 3.0856775814913673e19 / (math.pi / (180 * 3600e6) / (365.25 * 86400))
    est = res["omega_gw_estimate_l2"]
    assert est.value == pytest.approx(1.2 * ms / h0 ** 2, rel=1e-6)
    assert res["omega_gw_ul95_l2"].value > est.value > 5 * est.error


def test_no_signal_gives_limit_not_detection(base):
    p = base.dir / "limit"
    gw_vsh(base.h5, p, "--lmax", 3, "--clip", 5, "--h0", 67.4)
    res = results(p)
    assert abs(res["z_t_2"].value) < 4 and abs(res["z_s_2"].value) < 4
    ul, exp_ul = res["omega_gw_ul95_l2"].value, res["omega_gw_expected_ul95_l2"].value
    assert 0 <= ul < 5 * exp_ul and exp_ul > 0
    assert res["h0"].value == 67.4
    assert "omega_gw_ul95_combined" in res and "omega_gw_ul95_l3" in res


def test_conventions_match_synth_noise_free(tmp_path):
    """A table built from synth's truth (the injected signal, no noise, tiny errors, no
    correlation column) is fitted exactly: degree 1 gives synth's ω and g, degree 2 synth's
    t_2m/s_2m, higher degrees 0 — GaiaMine's VSH and Synth's agree in normalisation and phase."""
    import h5py
    from astropy.table import Table
    d = tmp_path / "truth"
    r = run_gaiamine(["synth", "gaia_source", "--sources", 3000, "--files", 1, "--seed", 41,
                      "--rotation=4,-2,3", "--glide=-1,5,2", "--gw-amplitude", 7, "--out", d])
    assert r.returncode == 0, r.describe()
    truth = json.loads((d / "gaia_source_truth.json").read_text())
    t = Table.read(d / "gaia_source_truth.ecsv", format="ascii.ecsv")
    h5 = tmp_path / "noise_free.h5"
    n = len(t)
    with h5py.File(h5, "w") as f:
        g = f.create_group("gaia_source")
        cols = {"source_id": np.asarray(t["source_id"], np.int64), "ra": np.asarray(t["ra"], float),
                "dec": np.asarray(t["dec"], float), "pmra": np.asarray(t["pmra_signal"]) / 1000,
                "pmdec": np.asarray(t["pmdec_signal"]) / 1000,
                "pmra_error": np.full(n, 1e-3, np.float32), "pmdec_error": np.full(n, 1e-3, np.float32)}
        for k, v in cols.items():
            g.create_dataset(k, data=v)
        g.attrs["n_rows"] = np.int64(n)
        g.attrs["columns"] = np.array(list(cols), dtype=h5py.string_dtype())
    p = tmp_path / "nf"
    r = gw_vsh(h5, p, "--lmax", 4, "--clip", 0)
    assert "no pmra_pmdec_corr column" in r.stdout + r.stderr
    res = results(p)
    for kind, key in (("rotation", "rotation"), ("glide", "glide")):
        v, _ = vector(res, kind)
        assert np.allclose(v, truth[key], rtol=0, atol=1e-8), f"{kind}: {v} vs {truth[key]}"
    for key, v in truth["vsh_degree1"].items():
        name = f"{key[0]}_1_{key[2]}" + (f"_{key[4:]}" if len(key) > 3 else "")
        assert res[name].value == pytest.approx(v, abs=1e-8), name
    for key, v in truth["vsh_degree2"].items():
        name = f"{key[0]}_2_{key[2]}" + (f"_{key[4:]}" if len(key) > 3 else "")
        assert res[name].value == pytest.approx(v, abs=1e-8), name
    for name in names(4):
        if name[2] in "34":
            assert abs(res[name].value) < 1e-8, name
    assert res["power_s_2"].value == pytest.approx(truth["degree2_power_e"], rel=1e-9)
    assert res["power_t_2"].value == pytest.approx(truth["degree2_power_b"], rel=1e-9)


# --------------------------------------------------------------------------------------------
# 3. clipping, selection


def test_clipping_removes_planted_outliers_only(base, tmp_path):
    import h5py
    h5 = tmp_path / "outliers.h5"
    shutil.copyfile(base.h5, h5)
    rng = np.random.default_rng(7)
    rows = np.sort(rng.choice(N_SOURCES, 7, replace=False))
    with h5py.File(h5, "r+") as f:
        g = f["gaia_source"]
        pm = g["pmra"][()]
        pm[rows] += 40 * g["pmra_error"][()][rows]  # 40 σ
        g["pmra"][...] = pm
        ids = g["source_id"][()][rows]
    for n in (1, 3):
        p = tmp_path / f"clip{n}"
        gw_vsh(h5, p, "--lmax", 2, "--clip", 5, np=n)
        from astropy.table import Table
        c = Table.read(f"{p}_clipped.ecsv", format="ascii.ecsv")
        assert sorted(int(s) for s in c["source_id"]) == sorted(int(s) for s in ids)
        assert np.all(np.asarray(c["x"]) > 5 * results(p)["median_x"].value)
        res = results(p)
        assert res["sources_clipped"].value == len(rows) and res["sources_fitted"].value == N_SOURCES - len(rows)
    # the clipped fit equals numpy WLS without the outliers
    d = Data(h5)
    x, cov = numpy_wls(d, 2, mask=~np.isin(d.source_id, ids))
    for j, name in enumerate(names(2)):
        assert abs(res[name].value - x[j]) <= 1e-9 * math.sqrt(cov[j, j]), name
    p0 = tmp_path / "noclip"
    gw_vsh(h5, p0, "--lmax", 2, "--clip", 0)
    r0 = results(p0)
    assert r0["sources_clipped"].value == 0 and r0["iterations"].value == 1 and r0["sources_fitted"].value == N_SOURCES


def test_selection_filters_and_source_id_list(base, tmp_path):
    c = base.data.cols
    p = tmp_path / "sel"
    gw_vsh(base.h5, p, "--lmax", 1, "--clip", 0, "--filter", "astrometric_params_solved == 31",
           "--filter", "17.5 <= phot_g_mean_mag < 20")
    res = results(p)
    f1 = c["astrometric_params_solved"] == 31
    g = c["phot_g_mean_mag"]
    f2 = (g >= 17.5) & (g < 20)
    assert res["sources_selected"].value == np.sum(f1 & f2)
    assert res["dropped_filter_1"].value == np.sum(~f1)
    assert res["dropped_filter_2"].value == np.sum(f1 & ~f2)
    x, cov = numpy_wls(base.data, 1, mask=f1 & f2)
    for j, name in enumerate(names(1)):
        assert abs(res[name].value - x[j]) <= 1e-9 * math.sqrt(cov[j, j]), name
    # boolean and null tests; operators without spaces
    p3 = tmp_path / "bool"
    gw_vsh(base.h5, p3, "--lmax", 1, "--clip", 0, "--filter", "in_qso_candidates == true", "--filter", "bp_rp is not null",
           "--filter", "ruwe<1.4", np=None)
    r3 = results(p3)
    q = c["in_qso_candidates"] == 1
    b = ~np.isnan(c["bp_rp"])
    assert np.any(~b), "the data set should have sources without bp_rp"
    u = c["ruwe"] < 1.4
    assert r3["sources_selected"].value == np.sum(q & b & u)
    assert (r3["dropped_filter_1"].value, r3["dropped_filter_2"].value, r3["dropped_filter_3"].value) == \
        (np.sum(~q), np.sum(q & ~b), np.sum(q & b & ~u))
    # a source_id list with comments and an ECSV-like header
    rng = np.random.default_rng(3)
    chosen = np.sort(rng.choice(base.data.source_id, 3000, replace=False))
    lst = tmp_path / "ids.csv"
    lst.write_text("# chosen quasars\nsource_id,note\n" + "".join(f"{s},x\n" for s in chosen) + f"{chosen[0]},dup\n")
    p2 = tmp_path / "listed"
    gw_vsh(base.h5, p2, "--lmax", 1, "--clip", 0, "--source-ids", lst, np=3)
    r2 = results(p2)
    assert r2["sources_selected"].value == 3000 and r2["dropped_not_listed"].value == N_SOURCES - 3000
    x, cov = numpy_wls(base.data, 1, mask=np.isin(base.data.source_id, chosen))
    for j, name in enumerate(names(1)):
        assert abs(r2[name].value - x[j]) <= 1e-9 * math.sqrt(cov[j, j]), name


def test_parameter_file_same_as_cli(base, tmp_path):
    """`gaiamine run Inputs/gw_vsh_qso.yaml`-style file == the same options on the command line."""
    yaml = tmp_path / "case.yaml"
    out = tmp_path / "case"
    yaml.write_text(f"""job: gw-vsh
input: {base.h5}
output: {out}
overwrite: true
selection:
  filters: ["astrometric_params_solved == 31", "phot_g_mean_mag < 20.5"]
gw_vsh:
  lmax: 3
  clip: 4
  h0: 70
""")
    r = run_gaiamine(["run", yaml], np=3)
    assert r.returncode == 0, r.describe()
    assert "gw-vsh: done" in r.stdout
    p = tmp_path / "cli"
    gw_vsh(base.h5, p, "--lmax", 3, "--clip", 4, "--filter", "astrometric_params_solved == 31",
           "--filter", "phot_g_mean_mag < 20.5", np=1)
    a, b = results(out), results(p)
    assert all(a[k].value == b[k].value or math.isnan(a[k].value) for k in a)
    import h5py
    with h5py.File(f"{out}.h5", "r") as f:
        params = f.attrs["parameters"]
        params = params.decode() if isinstance(params, bytes) else params
    assert "lmax: 3" in params and "max_iterations: 20" in params and "block_rows: 16384" in params


def test_shipped_parameter_file_is_valid():
    text = (REPO / "Inputs" / "gw_vsh_qso.yaml").read_text()
    assert "job: gw-vsh" in text
    slurm = (REPO / "Jobs" / "gw.slurm").read_text()
    assert "gw_vsh_qso.yaml" in slurm and "gw-correlation" in slurm and "gw-planewave" in slurm


# --------------------------------------------------------------------------------------------
# 4. outputs


def test_outputs_self_describing(base):
    import h5py
    p = base.dir / "np2"
    if not Path(f"{p}.ecsv").exists():
        gw_vsh(base.h5, p, "--lmax", 4, "--clip", 3, "--block-rows", 1500)
    res = results(p)
    for n in ["rotation_x", "rotation_y", "rotation_z", "glide_x", "glide_y", "glide_z", "rotation_gal_x",
              "rotation_gal_y", "rotation_gal_z", "glide_gal_x", "glide_gal_y", "glide_gal_z"]:
        assert res[n].unit == "uas/yr" and res[n].error > 0
    with h5py.File(f"{p}.h5", "r") as f:
        g = f["gw_vsh"]
        names_h5 = [x.decode() if isinstance(x, bytes) else x for x in g["name"][()]]
        assert names_h5 == list(res)
        assert np.array_equal(g["value"][()], np.array([res[k].value for k in res]), equal_nan=True)
        k = len(names(4))
        assert f["covariance"].shape == (k, k) and f["coefficients"].shape == (k,)
        cn = f.attrs["coefficient_names"]
        cn = cn.decode() if isinstance(cn, bytes) else cn
        assert cn.split(",") == names(4)
        assert np.allclose(np.sqrt(np.diag(f["covariance"][()])), f["coefficient_errors"][()])
        for a in ("software", "command_line", "parameters", "conventions"):
            assert a in f.attrs
    root = ET.parse(f"{p}.svg").getroot()
    assert root.tag.endswith("svg")
    assert "Ω_GW" in Path(f"{p}.svg").read_text()


# --------------------------------------------------------------------------------------------
# 5. bad input


def check_fails(r, prefix, *words):
    assert r.returncode != 0, "expected failure\n" + r.describe()
    text = r.stdout + r.stderr
    for w in words:
        assert w in text, f"'{w}' not in the message\n" + r.describe()
    assert "Abort" not in text and "abort" not in r.stderr.lower().replace("aborted", ""), r.describe()
    no_outputs(prefix)


def test_bad_input(base, tmp_path):
    import h5py
    p = tmp_path / "bad"
    # missing column
    h5 = tmp_path / "nocol.h5"
    with h5py.File(base.h5, "r") as src, h5py.File(h5, "w") as dst:
        g = dst.create_group("gaia_source")
        keep = [k for k in src["gaia_source"].keys() if k != "pmdec_error"]
        for k in keep:
            src.copy(src["gaia_source"][k], g, name=k)
        for a, v in src["gaia_source"].attrs.items():
            g.attrs[a] = v
    check_fails(gw_vsh(h5, p, np=2, ok=False), p, "pmdec_error", str(h5))
    # bad filter syntax, unknown filter column
    check_fails(gw_vsh(base.h5, p, "--filter", "phot_g_mean_mag <<< 20", np=None, ok=False), p, "phot_g_mean_mag <<< 20")
    check_fails(gw_vsh(base.h5, p, "--filter", "phot_z_mag < 20", np=2, ok=False), p, "phot_z_mag")
    # lmax 0, negative clip
    check_fails(gw_vsh(base.h5, p, "--lmax", 0, np=None, ok=False), p, "lmax")
    check_fails(gw_vsh(base.h5, p, "--clip", -1, np=None, ok=False), p, "clip")
    # a zero error in a selected row, on the last rank's rows
    h5z = tmp_path / "zero.h5"
    shutil.copyfile(base.h5, h5z)
    with h5py.File(h5z, "r+") as f:
        e = f["gaia_source/pmra_error"][()]
        e[N_SOURCES - 5] = 0
        f["gaia_source/pmra_error"][...] = e
        sid = int(f["gaia_source/source_id"][N_SOURCES - 5])
    check_fails(gw_vsh(h5z, p, np=3, ok=False), p, f"row {N_SOURCES - 5}", str(sid), "pmra_error", str(h5z))
    # source_id list with a bad line; selection that keeps nothing
    bad = tmp_path / "ids.txt"
    bad.write_text("123\nabc\n")
    check_fails(gw_vsh(base.h5, p, "--source-ids", bad, np=2, ok=False), p, f"{bad}:2")
    check_fails(gw_vsh(base.h5, p, "--filter", "phot_g_mean_mag > 99", np=2, ok=False), p, "no source passes")
    # parameter file: unknown key, bad lmax
    y = tmp_path / "bad.yaml"
    y.write_text(f"job: gw-vsh\ninput: {base.h5}\noutput: {p}\ngw_vsh:\n  lmaxx: 3\n")
    check_fails(run_gaiamine(["run", y]), p, "lmaxx", "did you mean")
    y.write_text(f"job: gw-vsh\ninput: {base.h5}\noutput: {p}\ngw_vsh:\n  lmax: 0\n")
    check_fails(run_gaiamine(["run", y]), p, "gw_vsh.lmax")
    # existing outputs are not replaced without --overwrite
    ok = tmp_path / "exists"
    gw_vsh(base.h5, ok, "--lmax", 1)
    r = run_gaiamine(["gw-vsh", base.h5, "--out", ok, "--lmax", 1], np=2)
    assert r.returncode != 0 and "--overwrite" in r.stderr
