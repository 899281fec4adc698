"""A gaia_source-like sample with the sky density structure and the parallaxes that matter for pair
searches (issue 12's benchmark, Tests/bench/pairs_bench.py).

  generate(n, seed) -> dict of columns (numpy), rows sorted by source_id
  write(path, cols)    the GaiaMine HDF5 layout (Tests/e2e/table_job_helpers.write_table)

Two populations, both placed in Galactic coordinates and rotated to ICRS:
  * distant stars (1 − LOCAL of the rows): a thin disk, density ∝ exp(−|b|/6°) with a bulge-like
    excess toward l = 0 (40 % of the disk rows in a wrapped normal of σ 25° in l), plus a uniform
    halo (25 %); true parallax log-normal, median 0.5 mas, 0.3 dex: most rows 0.2–3 mas;
  * local stars (LOCAL): uniform space density, so p(ϖ) ∝ ϖ⁻⁴ on [0.5, 100] mas (N(>ϖ) ∝ ϖ⁻³),
    directions isotropic thinned by a 300 pc exponential disk (exp(−|z|/h)): the nearest stars are
    all over the sky, those at 1–2 kpc follow the plane. The dense plane is ≈ 20–40× the poles.
A fraction BINARY of the local stars get a bound companion (El-Badry, Rix & Heintz 2021, MNRAS 506,
2269): projected separation log-uniform 50 AU – 1 pc, θ[″] = s[AU]·ϖ[mas]/1000, the same true
parallax, proper motion differing by an orbital Δµ ≤ 0.44428·ϖ^1.5·θ^−0.5 mas/yr (their eq. 4's
bound for 5 M☉ total), fainter.
Measured values = true + Gaussian error, NaN for two-parameter solutions (40 % at G > 20, 10 % at
19–20, 1 % brighter: ≈ 20 %; 19 % in DR3); σ_ϖ from G as in DR3 (≈ 0.02 mas at G < 14, 0.5 mas at
G = 20: Lindegren et al. 2021, A&A 649, A2, Fig. 7 roughly), σ_µ = 1.1 σ_ϖ mas/yr. Proper motions
from a tangential velocity (|v_t| ~ 35 ± 20 km/s, random direction) µ = v_t ϖ / 4.74 minus the solar
reflex (20 km/s toward the apex l = 56°, b = 23°), both ∝ ϖ: µ correlates with ϖ as in the real catalogue.
source_id >> 35 is the HEALPix level-12 NESTED pixel of (ra, dec) (Gaia's convention), the low 35
bits random; rows sorted by source_id.
"""
from __future__ import annotations

import os
import sys

import numpy as np

LOCAL = 0.12
BINARY = 0.25
SHIFT12 = 35
K_PM = 4.740470463  # km/s per (AU/yr): µ[mas/yr] = v_t[km/s] · ϖ[mas] / 4.74
# ICRS → Galactic rotation (Hipparcos catalogue vol. 1, §1.5.3, eq. 1.5.11): g = A · icrs.
A_GAL = np.array([[-0.0548755604162154, -0.8734370902348850, -0.4838350155487132],
                  [+0.4941094278755837, -0.4448296299600112, +0.7469822444972189],
                  [-0.8676661490190047, -0.1980763734312015, +0.4559837761750669]])


def _unit(lon_deg, lat_deg):
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _lonlat(xyz):
    lon = np.degrees(np.arctan2(xyz[1], xyz[0])) % 360.0
    lat = np.degrees(np.arctan2(xyz[2], np.hypot(xyz[0], xyz[1])))
    return lon, lat


def _distant(rng, n):
    """(l, b) of the distant population: disk (with a central excess) + 25 % uniform halo."""
    halo = rng.random(n) < 0.25
    b = rng.exponential(6.0, n).clip(max=89.9) * rng.choice([-1.0, 1.0], n)
    central = rng.random(n) < 0.4
    l = np.where(central, rng.normal(0.0, 25.0, n), rng.uniform(0.0, 360.0, n)) % 360.0
    b_halo = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    return np.where(halo, rng.uniform(0.0, 360.0, n), l), np.where(halo, b_halo, b)


def _local(rng, n):
    """(l, b, ϖ) of the local population: ϖ ∝ ϖ⁻⁴ on [0.5, 100] mas, isotropic thinned by a
    300 pc exponential disk (rejection sampling)."""
    out_l, out_b, out_p = [], [], []
    lo, hi = 0.5 ** -3, 100.0 ** -3
    while sum(len(x) for x in out_p) < n:
        m = 2 * n
        plx = (lo + rng.random(m) * (hi - lo)) ** (-1.0 / 3.0)  # inverse CDF of ϖ⁻⁴
        sinb = rng.uniform(-1.0, 1.0, m)
        keep = rng.random(m) < np.exp(-np.abs(sinb) / plx / 0.3)  # |z| = d·|sin b|, d = 1/ϖ kpc
        out_l.append(rng.uniform(0.0, 360.0, m)[keep])
        out_b.append(np.degrees(np.arcsin(sinb[keep])))
        out_p.append(plx[keep])
    return (np.concatenate(out_l)[:n], np.concatenate(out_b)[:n], np.concatenate(out_p)[:n])


def _sigma_plx(g):
    return np.hypot(0.02, 0.5 * 10 ** (0.2 * (g - 20.0)))


def _offset(ra, dec, theta_deg, pa_deg):
    """The point θ from (ra, dec) at position angle pa (east of north), exactly on the sphere."""
    d1, a1 = np.radians(dec), np.radians(ra)
    t, p = np.radians(theta_deg), np.radians(pa_deg)
    d2 = np.arcsin(np.sin(d1) * np.cos(t) + np.cos(d1) * np.sin(t) * np.cos(p))
    a2 = a1 + np.arctan2(np.sin(p) * np.sin(t) * np.cos(d1), np.cos(t) - np.sin(d1) * np.sin(d2))
    return np.degrees(a2) % 360.0, np.degrees(d2)


def _proper_motion(rng, l, b, plx):
    """True (pmra, pmdec) in mas/yr: random tangential velocity plus the solar reflex, ∝ ϖ."""
    n = len(plx)
    vt = np.abs(rng.normal(35.0, 20.0, n))
    phi = rng.uniform(0.0, 2 * np.pi, n)
    mu_e, mu_n = vt * np.cos(phi) * plx / K_PM, vt * np.sin(phi) * plx / K_PM
    # Solar reflex: the Sun moves at ≈ 20 km/s toward the apex; stars drift away from it. Its
    # tangential part, projected on the local east/north of the ICRS frame.
    apex = A_GAL.T @ _unit(np.array([56.0]), np.array([23.0]))[:, 0] * 20.0  # km/s, ICRS
    x = A_GAL.T @ _unit(l, b)
    ra, dec = _lonlat(x)
    ra_r, de_r = np.radians(ra), np.radians(dec)
    east = np.stack([-np.sin(ra_r), np.cos(ra_r), np.zeros(n)])
    north = np.stack([-np.sin(de_r) * np.cos(ra_r), -np.sin(de_r) * np.sin(ra_r), np.cos(de_r)])
    mu_e -= (apex @ east) * plx / K_PM
    mu_n -= (apex @ north) * plx / K_PM
    return ra, dec, mu_e, mu_n


def generate(n: int, seed: int = 12) -> dict:
    rng = np.random.default_rng(seed)
    n_local = int(n * LOCAL)
    n_bin = int(n_local * BINARY)
    n_dist = n - n_local - n_bin
    ld, bd = _distant(rng, n_dist)
    pd_ = 10 ** rng.normal(np.log10(0.5), 0.3, n_dist)
    ll, bl, pl = _local(rng, n_local)
    l, b, plx = np.concatenate([ld, ll]), np.concatenate([bd, bl]), np.concatenate([pd_, pl])
    ra, dec, mu_e, mu_n = _proper_motion(rng, l, b, plx)
    g = (21.0 - rng.exponential(1.8, len(plx))).clip(6.0, 21.0)
    # Companions of the first n_bin local stars.
    p = np.arange(n_dist, n_dist + n_bin)
    s_au = 10 ** rng.uniform(np.log10(50.0), np.log10(206265.0), n_bin)
    theta = s_au * plx[p] / 1000.0  # arcsec
    ra2, dec2 = _offset(ra[p], dec[p], theta / 3600.0, rng.uniform(0.0, 360.0, n_bin))
    dmu = 0.44428 * plx[p] ** 1.5 / np.sqrt(theta) * np.sqrt(rng.random(n_bin))
    psi = rng.uniform(0.0, 2 * np.pi, n_bin)
    ra, dec = np.concatenate([ra, ra2]), np.concatenate([dec, dec2])
    plx = np.concatenate([plx, plx[p]])
    mu_e = np.concatenate([mu_e, mu_e[p] + dmu * np.cos(psi)])
    mu_n = np.concatenate([mu_n, mu_n[p] + dmu * np.sin(psi)])
    g = np.concatenate([g, np.minimum(g[p] + rng.exponential(2.0, n_bin), 21.0)])
    sp = _sigma_plx(g)
    sm = 1.1 * sp
    cols = {"ra": ra, "dec": dec,
            "parallax": plx + rng.normal(0.0, 1.0, n) * sp,
            "parallax_error": sp.astype(np.float32),
            "pmra": mu_e + rng.normal(0.0, 1.0, n) * sm, "pmra_error": sm.astype(np.float32),
            "pmdec": mu_n + rng.normal(0.0, 1.0, n) * sm, "pmdec_error": sm.astype(np.float32),
            "phot_g_mean_mag": g.astype(np.float32)}
    cols["parallax_over_error"] = (cols["parallax"] / sp).astype(np.float32)
    # Two-parameter solutions (no parallax, no proper motion: ≈ 19 % of DR3, nearly all faint).
    two_p = rng.random(n) < np.select([g > 20.0, g > 19.0], [0.4, 0.1], 0.01)
    for k in ("parallax", "parallax_error", "pmra", "pmra_error", "pmdec", "pmdec_error", "parallax_over_error"):
        cols[k][two_p] = np.nan
    pix = nested12(ra, dec)
    sid = (pix << SHIFT12) + rng.integers(0, 1 << SHIFT12, n)
    order = np.argsort(sid, kind="stable")
    out = {"source_id": sid[order]}
    out.update({k: v[order] for k, v in cols.items()})
    assert np.all(np.diff(out["source_id"]) > 0), "source_id not unique"
    return out


def plane_pole_ratio(ra, dec):
    """Rows per steradian at |b| < 5° over those at |b| > 80°."""
    sin_b = (A_GAL @ _unit(ra, dec))[2]
    plane = np.count_nonzero(np.abs(sin_b) < np.sin(np.radians(5.0))) / (4 * np.pi * np.sin(np.radians(5.0)))
    pole = np.count_nonzero(np.abs(sin_b) > np.sin(np.radians(80.0))) / (4 * np.pi * (1 - np.sin(np.radians(80.0))))
    return plane / max(pole, 1e-300)


def nested12(ra, dec):
    """HEALPix level-12 (nside 4096) NESTED pixel of each (ra, dec) in degrees."""
    import healpy as hp
    return hp.ang2pix(4096, ra, dec, nest=True, lonlat=True).astype(np.int64)


UNITS = {"ra": "deg", "dec": "deg", "parallax": "mas", "parallax_error": "mas", "pmra": "mas / yr",
         "pmra_error": "mas / yr", "pmdec": "mas / yr", "pmdec_error": "mas / yr", "phot_g_mean_mag": "mag"}


def write(path, cols: dict):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
    from table_job_helpers import Col, write_table
    write_table(path, "gaia_source", {k: Col(v, unit=UNITS.get(k, "")) for k, v in cols.items()})
