"""The numpy/scipy reference of `gaiamine pairs` and `gaiamine crossmatch`, and the generated sky
they are tested on (test_pairs.py, test_crossmatch.py). Nothing here calls gaiamine.

Geometry
  unit_vectors(ra, dec)              unit vectors of (ra, dec) in degrees
  separation_arcsec(ra1, dec1, …)    θ in arcsec, error relative ~1e-16 below 90° (haversine of the
                                     coordinate differences, cos near the poles as sin(90° − |dec|))
                                     and ~1e-16 rad above (2·atan2(|u − v|, |u + v|): no cancellation
                                     of 1 − cos θ, no clipping of arcsin)
  nest_pixel(nside, ra, dec)         HEALPix NESTED index (Górski et al. 2005, ApJ 622, 759; the
                                     ang2pix algorithm of healpix_base.cc), so no healpy is needed
  shift_north(ra, dec, deg)          positions moved `deg` along their meridian toward the north
                                     celestial pole, over the pole onto ra + 180° (El-Badry, Rix &
                                     Heintz 2021, MNRAS 506, 2269, §3: the shifted catalogue)
  offset_position(ra, dec, sep, pa)  the point at separation `sep` (arcsec), position angle `pa`

Pair references (index arrays into the given rows)
  cross_pairs(P, Q, rP, rQ)          every (i, j) with θ(P_i, Q_j) ≤ max(rP_i, rQ_j): cKDTree on unit
                                     vectors, query_ball_point with each point's own chord radius
                                     2·sin(r/2) (inflated by 1e-9 relative), from both sides, then the
                                     exact filter on θ
  cross_pairs_brute(…)               the same by brute force, O(N·M), for small inputs
  self_pairs(ra, dec, r)             unordered pairs i < j of one set (cross_pairs of the set with
                                     itself, diagonal removed)
  Both return `ambiguous`: how many candidate pairs lie within a relative 1e-9 of their threshold,
  where the outcome could depend on the last bits of a separation; a test asserts it is 0, so that
  "identical pair sets" is well-defined on its data.

Generated data
  make_sky(seed)                     a GaiaMine-layout gaia_source table (columns, then write_sky)
                                     with every case the tests need: see its docstring.
  by_count_boundaries(n, ranks)      the first row of every rank but rank 0 (RowPartition.byCount)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

ARCSEC_PER_RAD = 180.0 * 3600.0 / math.pi
RELATIVE_MARGIN = 1e-9  # a candidate this close to its threshold (relative) is "ambiguous"
SHIFT_DEG = 0.5  # the shift the generated data plants partners for (El-Badry et al. 2021 §3)
LEVEL12_NSIDE = 4096
SOURCE_ID_SHIFT = 35  # source_id >> 35 = level-12 NESTED pixel (Gaia DR3 documentation §14.1.1)


# ------------------------------------------------------------------------------------------------
# geometry


def cos_deg(d) -> np.ndarray:
    """cos of degrees with a relative error of an ulp or two also near ±90°: there as
    sin(90° − |d|), whose argument is exact (Sterbenz), where cos(radians(d)) would lose digits to
    the rounding of radians(d) next to π/2."""
    d = np.asarray(d, dtype=np.float64)
    a = np.abs(d)
    return np.where(a > 45.0, np.sin(np.radians(90.0 - a)), np.cos(np.radians(d)))


def unit_vectors(ra, dec) -> np.ndarray:
    c = cos_deg(dec)
    ra = np.radians(np.asarray(ra, dtype=np.float64))
    dec = np.radians(np.asarray(dec, dtype=np.float64))
    return np.stack([c * np.cos(ra), c * np.sin(ra), np.sin(dec)], axis=-1)


def separation_vectors_arcsec(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """θ between unit vectors, 2·atan2(|u − v|, |u + v|): stable at every θ, absolute error of a
    few ulp of 1 rad (~1e-16 rad = 2e-11″) from the rounding of the vector components."""
    d = np.linalg.norm(u - v, axis=-1)
    s = np.linalg.norm(u + v, axis=-1)
    return 2.0 * np.arctan2(d, s) * ARCSEC_PER_RAD


def separation_arcsec(ra1, dec1, ra2, dec2) -> np.ndarray:
    """θ in arcsec. Below 90°: the haversine of the coordinate differences, 2·atan2(√h, √(1 − h)),
    whose error is relative (~1e-16·θ: no rounding of vector components enters); above: the
    vector formula (the haversine loses precision toward antipodes)."""
    ra1, dec1, ra2, dec2 = (np.asarray(x, dtype=np.float64) for x in (ra1, dec1, ra2, dec2))
    vec = separation_vectors_arcsec(unit_vectors(ra1, dec1), unit_vectors(ra2, dec2))
    # across ra = 0/360 the short way, without rounding to ulp(360°): ra − 360 is exact (Sterbenz)
    dra = ra2 - ra1
    dra = np.where(dra > 180.0, (ra2 - 360.0) - ra1, np.where(dra < -180.0, ra2 - (ra1 - 360.0), dra))
    h = np.sin(np.radians(dec2 - dec1) / 2) ** 2 + cos_deg(dec1) * cos_deg(dec2) * np.sin(np.radians(dra) / 2) ** 2
    hav = 2.0 * np.arctan2(np.sqrt(h), np.sqrt(np.maximum(1.0 - h, 0.0))) * ARCSEC_PER_RAD
    return np.where(vec < 90.0 * 3600.0, hav, vec)


def vectors_to_radec(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    ra = np.degrees(np.arctan2(y, x)) % 360.0
    dec = np.degrees(np.arctan2(z, np.hypot(x, y)))
    return ra, dec


def offset_position(ra, dec, sep_arcsec, pa_deg):
    """The point at angular distance `sep` and position angle `pa` (east of north) from (ra, dec):
    p·cos θ + (n·cos pa + e·sin pa)·sin θ with the local north n and east e."""
    ra_r, dec_r = np.radians(ra), np.radians(dec)
    p = unit_vectors(ra, dec)
    e = np.stack([-np.sin(ra_r), np.cos(ra_r), np.zeros_like(ra_r)], axis=-1)
    n = np.stack([-np.sin(dec_r) * np.cos(ra_r), -np.sin(dec_r) * np.sin(ra_r), np.cos(dec_r)], axis=-1)
    t = np.asarray(sep_arcsec, dtype=np.float64)[..., None] / ARCSEC_PER_RAD
    pa = np.radians(np.asarray(pa_deg, dtype=np.float64))[..., None]
    q = p * np.cos(t) + (n * np.cos(pa) + e * np.sin(pa)) * np.sin(t)
    return vectors_to_radec(q)


def shift_north(ra, dec, deg: float):
    """Moved `deg` along the meridian toward the north pole; past it, down the meridian ra + 180°.
    In (ra, dec): dec + deg, reflected to 180° − (dec + deg) with ra + 180° when it exceeds 90°."""
    ra = np.asarray(ra, dtype=np.float64)
    d = np.asarray(dec, dtype=np.float64) + deg
    over = d > 90.0
    dec_s = np.where(over, 180.0 - d, d)
    ra_s = np.where(over, (ra + 180.0) % 360.0, ra)
    return ra_s, dec_s


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """Interleave zeros: bit k of v → bit 2k (v < 2^16 here, level ≤ 12 needs 12 bits)."""
    v = v.astype(np.int64)
    out = np.zeros_like(v)
    for k in range(16):
        out |= ((v >> k) & 1) << (2 * k)
    return out


def nest_pixel(nside: int, ra, dec) -> np.ndarray:
    """HEALPix NESTED pixel of (ra, dec) in degrees: healpix_base.cc loc2pix on the colatitude
    θ = π/2 − dec (as healpy converts lonlat, so points exactly on a pixel edge fall alike), with
    sin θ near the poles (its `have_sth` branch) so pixels at |dec| > 89.9° are exact."""
    assert nside & (nside - 1) == 0
    order = nside.bit_length() - 1
    ra = np.asarray(ra, dtype=np.float64)
    dec = np.asarray(dec, dtype=np.float64)
    theta = math.pi / 2 - np.radians(dec)
    z = np.cos(theta)
    sth = np.sin(theta)
    za = np.abs(z)
    tt = np.mod(np.radians(ra) * (2.0 / math.pi), 4.0)
    pix = np.empty(ra.shape, dtype=np.int64)

    eq = za <= 2.0 / 3.0
    t1 = nside * (0.5 + tt[eq])
    t2 = nside * (z[eq] * 0.75)
    jp = (t1 - t2).astype(np.int64)
    jm = (t1 + t2).astype(np.int64)
    ifp, ifm = jp >> order, jm >> order
    face = np.where(ifp == ifm, ifp | 4, np.where(ifp < ifm, ifp, ifm + 8))
    ix = jm & (nside - 1)
    iy = nside - (jp & (nside - 1)) - 1
    pix[eq] = (face << (2 * order)) + _spread_bits(ix) + (_spread_bits(iy) << 1)

    po = ~eq
    ntt = np.minimum(3, tt[po].astype(np.int64))
    tp = tt[po] - ntt
    zap = za[po]
    have_sth = (theta[po] < 0.01) | (theta[po] > math.pi - 0.01)
    tmp = np.where(have_sth, nside * sth[po] / np.sqrt((1.0 + zap) / 3.0), nside * np.sqrt(3.0 * (1.0 - zap)))
    jp = np.minimum((tp * tmp).astype(np.int64), nside - 1)
    jm = np.minimum(((1.0 - tp) * tmp).astype(np.int64), nside - 1)
    north = z[po] >= 0
    ix = np.where(north, nside - jm - 1, jp)
    iy = np.where(north, nside - jp - 1, jm)
    face = np.where(north, ntt, ntt + 8)
    pix[po] = (face << (2 * order)) + _spread_bits(ix) + (_spread_bits(iy) << 1)
    return pix


# ------------------------------------------------------------------------------------------------
# pair references


@dataclass
class Pairs:
    i: np.ndarray  # int64 indices into the first set
    j: np.ndarray  # int64 indices into the second set
    sep: np.ndarray  # float64 arcsec
    ambiguous: int  # candidates within RELATIVE_MARGIN of their threshold

    def take(self, mask) -> "Pairs":
        return Pairs(self.i[mask], self.j[mask], self.sep[mask], self.ambiguous)


def _chord(r_arcsec: np.ndarray) -> np.ndarray:
    t = np.minimum(np.asarray(r_arcsec, dtype=np.float64) / ARCSEC_PER_RAD, math.pi)
    return 2.0 * np.sin(t / 2.0)


def _finalize(i, j, sep, thr) -> Pairs:
    keep = sep <= thr
    near = np.abs(sep - thr) <= RELATIVE_MARGIN * np.maximum(thr, 1e-300)
    i, j, sep = i[keep], j[keep], sep[keep]
    order = np.lexsort((j, i))
    return Pairs(i[order].astype(np.int64), j[order].astype(np.int64), sep[order], int(near.sum()))


def cross_pairs(ra1, dec1, r1, ra2, dec2, r2) -> Pairs:
    """Every (i, j) with θ(P_i, Q_j) ≤ max(r1_i, r2_j), r in arcsec (finite, ≥ 0), rows finite."""
    from scipy.spatial import cKDTree
    u, v = unit_vectors(ra1, dec1), unit_vectors(ra2, dec2)
    r1 = np.asarray(r1, dtype=np.float64)
    r2 = np.asarray(r2, dtype=np.float64)
    if len(u) == 0 or len(v) == 0:
        e = np.empty(0, np.int64)
        return Pairs(e, e, np.empty(0), 0)
    inflate = 1.0 + 10 * RELATIVE_MARGIN  # candidates just outside the threshold are counted as ambiguous
    tu, tv = cKDTree(u), cKDTree(v)
    cand = set()
    for a, hits in enumerate(tv.query_ball_point(u, _chord(r1 * inflate) * (1 + 1e-12) + 1e-15)):
        cand.update((a, b) for b in hits)
    for b, hits in enumerate(tu.query_ball_point(v, _chord(r2 * inflate) * (1 + 1e-12) + 1e-15)):
        cand.update((a, b) for a in hits)
    if not cand:
        e = np.empty(0, np.int64)
        return Pairs(e, e, np.empty(0), 0)
    ij = np.array(sorted(cand), dtype=np.int64)
    i, j = ij[:, 0], ij[:, 1]
    sep = separation_arcsec(np.asarray(ra1)[i], np.asarray(dec1)[i], np.asarray(ra2)[j], np.asarray(dec2)[j])
    return _finalize(i, j, sep, np.maximum(r1[i], r2[j]))


def cross_pairs_brute(ra1, dec1, r1, ra2, dec2, r2) -> Pairs:
    u, v = unit_vectors(ra1, dec1), unit_vectors(ra2, dec2)
    r1 = np.asarray(r1, dtype=np.float64)
    r2 = np.asarray(r2, dtype=np.float64)
    i, j = np.meshgrid(np.arange(len(u)), np.arange(len(v)), indexing="ij")
    i, j = i.ravel(), j.ravel()
    sep = separation_arcsec(np.asarray(ra1)[i], np.asarray(dec1)[i], np.asarray(ra2)[j], np.asarray(dec2)[j])
    return _finalize(i, j, sep, np.maximum(r1[i], r2[j]))


def self_pairs(ra, dec, r, brute=False) -> Pairs:
    """Unordered pairs i < j of one set with θ ≤ max(r_i, r_j)."""
    p = (cross_pairs_brute if brute else cross_pairs)(ra, dec, r, ra, dec, r)
    return p.take(p.i < p.j)


def shifted_pairs(ra, dec, r, deg, brute=False) -> Pairs:
    """(i original, j shifted copy) with θ ≤ max(r_i, r_j), i ≠ j."""
    ra_s, dec_s = shift_north(ra, dec, deg)
    p = (cross_pairs_brute if brute else cross_pairs)(ra, dec, r, ra_s, dec_s, r)
    return p.take(p.i != p.j)


# ------------------------------------------------------------------------------------------------
# generated data


def by_count_boundaries(n: int, ranks: int) -> list[int]:
    """First row of ranks 1…ranks−1 under RowPartition.byCount (first blocks one larger)."""
    base, extra = divmod(n, ranks)
    return [k * base + min(k, extra) for k in range(1, ranks)]


def _uniform_sphere(rng, n):
    ra = rng.uniform(0.0, 360.0, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    return ra, dec


def _cap(rng, n, ra0, dec0, radius_deg):
    """n points uniform in the cap of `radius_deg` around (ra0, dec0)."""
    cosr = math.cos(math.radians(radius_deg))
    t = np.degrees(np.arccos(rng.uniform(cosr, 1.0, n))) * 3600.0
    return offset_position(np.full(n, ra0), np.full(n, dec0), t, rng.uniform(0, 360, n))


@dataclass
class Sky:
    cols: dict  # column name → numpy array, rows in source_id order
    kind: np.ndarray  # str per row: what the row was made for
    quasars: tuple  # (ra, dec) of the lens centres planted in the table (for crossmatch B)
    boundary_pairs: dict = field(default_factory=dict)  # ranks → [(row b−1, row b)]
    shift_partners: list = field(default_factory=list)  # (row P, row Q): shift(P) within 1″ of Q,
    # so (Q original, P shifted) is a pair of the shifted search

    @property
    def n(self) -> int:
        return len(self.cols["source_id"])


BOUNDARY_RANKS = (2, 3, 5)


def make_sky(seed: int = 20260412) -> Sky:
    """~3700 rows of a gaia_source-like table, every case of the issue's verification list:

    * background uniform on the sphere; a dense patch (a cluster, 30″ pairs by the hundred);
    * clusters inside 0.1° of both poles (|dec| > 89.9°) and around ra = 0/360 (points either
      side of it, one at ra = 0 exactly and a pair 0.0007″ apart straddling it);
    * close pairs 0.05″–1″ (log-uniform), also at the poles and across ra = 0;
    * exact duplicates (θ = 0); rows whose source_id pixel is 2′ from their position (drift as for
      high-proper-motion stars: a code must index positions, not source_id pixels);
    * "nearby stars" with parallax 30–120 mas (radius 206.265·ϖ = 1.7°–6.9°), one 2° from the
      north pole cluster and one next to the ra = 0 cluster;
    * lens groups: 2–4 rows within 2.5″ of a planted quasar position (crossmatch B);
    * shift partners: Q within 1″ of P shifted 0.5° north, over the pole, across ra = 0;
    * after ordering by source_id, row b of every byCount rank boundary (np 2, 3, 5) is moved
      next to row b−1 (0.03″–0.09″) in the same level-12 pixel: a pair across each boundary;
    * NaN ra (6 rows), NaN dec (6 rows), NaN parallax (10 rows), negative parallaxes (~10 %).
    source_id = (level-12 NESTED pixel << 35) + a running number within the pixel: increasing in
    file order, so the rows are in sky order as in DR3.
    """
    rng = np.random.default_rng(seed)
    parts = []  # (ra, dec, kind)
    links = []  # (primary, companion) global row numbers before ordering: similar astrometry

    def count():
        return sum(len(p[0]) for p in parts)

    def add(ra, dec, kind):
        start = count()
        ra = np.atleast_1d(np.asarray(ra, dtype=np.float64)) % 360.0
        parts.append((ra, np.atleast_1d(np.asarray(dec, dtype=np.float64)), np.full(len(ra), kind, dtype=object)))
        return np.arange(start, start + len(ra))

    def add_companions(primaries, ra, dec, kind):
        comp = add(ra, dec, kind)
        links.extend(zip(np.asarray(primaries).tolist(), comp.tolist()))

    add(*_uniform_sphere(rng, 2200), "background")
    add(*_cap(rng, 300, 47.0, 31.0, 0.08), "patch")
    add(*_cap(rng, 120, 0.0, 90.0, 0.1), "north_pole")
    add(*_cap(rng, 120, 0.0, -90.0, 0.1), "south_pole")
    add(*_cap(rng, 120, 0.0, 10.0, 0.05), "ra0")
    add(*_cap(rng, 100, 0.0, -45.0, 0.05), "ra0")
    add([0.0, 0.0], [10.01, -45.0], "ra0")
    w = add([359.9999999], [10.0], "ra0")
    add_companions(w, [1e-7], [10.0], "ra0")  # 0.0007″ from (359.9999999, 10) across ra = 0
    ra_all = np.concatenate([p[0] for p in parts])
    dec_all = np.concatenate([p[1] for p in parts])

    # close pairs: companions of random rows, plus at the poles and across ra = 0
    prim = rng.choice(len(ra_all), 260, replace=False)
    sep = np.exp(rng.uniform(math.log(0.05), math.log(1.0), len(prim)))
    add_companions(prim, *offset_position(ra_all[prim], dec_all[prim], sep, rng.uniform(0, 360, len(prim))), "companion")
    for dec0, cap, k in ((90.0, 0.01, 20), (-90.0, 0.003, 10)):
        pole = _cap(rng, k, 0.0, dec0, cap)
        pp = add(*pole, "companion_pole")
        add_companions(pp, *offset_position(pole[0], pole[1], rng.uniform(0.05, 1.0, k), rng.uniform(0, 360, k)),
                       "companion_pole")
    wrap_dec = rng.uniform(-60, 60, 20)
    wrap_ra = np.where(rng.random(20) < 0.5, 360.0 - rng.uniform(0, 2e-4, 20), rng.uniform(0, 2e-4, 20))
    wp = add(wrap_ra, wrap_dec, "companion_ra0")
    # position angle toward ra = 0 (east from just below 360, west from just above 0): across it
    add_companions(wp, *offset_position(wrap_ra, wrap_dec, rng.uniform(0.05, 1.0, 20),
                                        np.where(wrap_ra > 180, 90.0, 270.0) + rng.uniform(-30, 30, 20)), "companion_ra0")

    # exact duplicates of a few rows
    dup = rng.choice(len(ra_all), 3, replace=False)
    add_companions(dup, ra_all[dup], dec_all[dup], "duplicate")

    # nearby stars: huge radii
    add([0.0, 359.0, 47.5, 200.0, 100.0, 300.0], [88.0, 10.5, 31.2, -20.0, 60.0, -70.0], "nearby")

    # lens groups around planted quasars (crossmatch: n_within ≥ 2)
    q_ra, q_dec = _uniform_sphere(rng, 26)
    q_ra = np.concatenate([q_ra, [0.0001, 359.9999, 33.0, 211.0]])
    q_dec = np.concatenate([q_dec, [5.0, -5.0, 89.95, -89.97]])
    for qr, qd in zip(q_ra, q_dec):
        k = int(rng.integers(2, 5))
        add(*offset_position(np.full(k, qr), np.full(k, qd), rng.uniform(0.3, 2.5, k), rng.uniform(0, 360, k)),
            "lens_image")

    # shift partners: P, and Q within 1″ of P shifted SHIFT_DEG north
    p_ra = np.concatenate([rng.uniform(0, 360, 8), rng.uniform(0, 360, 6),
                           [359.99999, 0.00001, 359.99995, 0.0, 359.9999, 0.00002]])
    p_dec = np.concatenate([90.0 - SHIFT_DEG / 2 + rng.uniform(-0.2, 0.2, 8), -89.95 + rng.uniform(-0.04, 0.04, 6),
                            rng.uniform(-40, 40, 6)])
    s_ra, s_dec = shift_north(p_ra, p_dec, SHIFT_DEG)
    q = offset_position(s_ra, s_dec, rng.uniform(0.05, 1.0, len(p_ra)), rng.uniform(0, 360, len(p_ra)))
    pp = add(p_ra, p_dec, "shift_p")
    qq = add(*q, "shift_q")
    links.extend(zip(pp.tolist(), qq.tolist()))

    ra = np.concatenate([p[0] for p in parts])
    dec = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([p[2] for p in parts])
    n = len(ra)

    # source_id pixels: the position's, except drifted rows (2′ away)
    pix_ra, pix_dec = ra.copy(), dec.copy()
    drift = rng.choice(np.flatnonzero(kind == "background"), 10, replace=False)
    pix_ra[drift], pix_dec[drift] = offset_position(ra[drift], dec[drift], np.full(10, 120.0), rng.uniform(0, 360, 10))
    kind[drift] = "drifted"
    pix = nest_pixel(LEVEL12_NSIDE, pix_ra, pix_dec)
    order = np.lexsort((rng.random(n), pix))
    inv = np.empty(n, np.int64)
    inv[order] = np.arange(n)
    ra, dec, kind, pix = ra[order], dec[order], kind[order], pix[order]
    links = [(int(inv[a]), int(inv[b])) for a, b in links]
    shift_partners = [(int(inv[a]), int(inv[b])) for a, b in zip(pp, qq)]
    within = np.zeros(n, np.int64)
    for k in range(1, n):
        within[k] = within[k - 1] + 1 if pix[k] == pix[k - 1] else 0
    sid = (pix << SOURCE_ID_SHIFT) + 1 + 64 * within + rng.integers(0, 32, n)

    # a pair across every rank boundary: row b moved next to row b−1, inside b−1's pixel
    linked = {r for pr in links for r in pr}
    boundary_pairs = {}
    for ranks in BOUNDARY_RANKS:
        boundary_pairs[ranks] = []
        for b in by_count_boundaries(n, ranks):
            assert b not in linked, "a boundary row is a planted companion: change the seed"
            for attempt in range(200):
                cra, cdec = offset_position(ra[b - 1:b], dec[b - 1:b], rng.uniform(0.03, 0.09, 1), rng.uniform(0, 360, 1))
                if nest_pixel(LEVEL12_NSIDE, cra, cdec)[0] == pix[b - 1]:
                    break
            else:
                raise AssertionError(f"no companion of row {b - 1} inside its pixel")
            ra[b], dec[b], pix[b] = cra[0], cdec[0], pix[b - 1]
            sid[b] = sid[b - 1] + 1
            kind[b] = "boundary"
            boundary_pairs[ranks].append((b - 1, b))
            links.append((b - 1, b))
    assert np.all(np.diff(sid) > 0), "source_id not increasing"

    # per-row astrometry and photometry
    plx = np.exp(rng.normal(math.log(0.15), 0.8, n))
    neg = rng.random(n) < 0.1
    plx[neg] = rng.normal(0.0, 0.3, neg.sum())
    plx_err = rng.uniform(0.02, 0.3, n).astype(np.float32)
    pmra = rng.normal(0, 5, n)
    pmdec = rng.normal(-3, 5, n)
    for name, mean in (("patch", 0.4), ("north_pole", 0.25), ("ra0", 0.3), ("south_pole", 0.2)):
        m = kind == name
        plx[m] = mean + rng.normal(0, 0.05, m.sum())
        pmra[m] = 4.0 + rng.normal(0, 0.3, m.sum())
    near = kind == "nearby"
    plx[near] = [120.0, 95.0, 60.0, 30.0, 45.0, 80.0][: near.sum()]
    # companions: parallax and proper motion close to their primary's (about half beyond 3σ)
    for a, b in links:
        plx[a] = abs(plx[a]) + 0.05
        plx[b] = abs(plx[a] + rng.normal(0, 2.0) * float(plx_err[b]))  # > 0: in every parallax > 0 search
        pmra[b] = pmra[a] + rng.normal(0, 0.5)
        pmdec[b] = pmdec[a] + rng.normal(0, 0.5)
    g = rng.uniform(10, 21, n).astype(np.float32)

    # NaN rows (not the rows other cases rely on)
    free = np.setdiff1d(np.flatnonzero(kind == "background"), np.array(sorted(linked | {r for pr in links for r in pr})))
    nan_rows = rng.choice(free, 22, replace=False)
    ra[nan_rows[:6]] = np.nan
    dec[nan_rows[6:12]] = np.nan
    plx[nan_rows[12:]] = np.nan
    kind[nan_rows[:6]] = "nan_ra"
    kind[nan_rows[6:12]] = "nan_dec"
    kind[nan_rows[12:]] = "nan_parallax"

    cols = {"source_id": sid.astype(np.int64), "ra": ra, "dec": dec, "parallax": plx, "parallax_error": plx_err,
            "pmra": pmra, "pmdec": pmdec, "phot_g_mean_mag": g}
    return Sky(cols, kind, (q_ra, q_dec), boundary_pairs, shift_partners)


UNITS = {"ra": "deg", "dec": "deg", "parallax": "mas", "parallax_error": "mas", "pmra": "mas.yr**-1",
         "pmdec": "mas.yr**-1", "phot_g_mean_mag": "mag"}


def write_sky(path, sky: Sky, table: str = "gaia_source"):
    from table_job_helpers import Col, write_table
    write_table(path, table, {k: Col(v, unit=UNITS.get(k, "")) for k, v in sky.cols.items()})


# ------------------------------------------------------------------------------------------------
# the pair table of a reference


def pair_table(cols: dict, rows: np.ndarray, p: Pairs, ordered: bool = True) -> dict:
    """The expected output table of `pairs` (ordered: a = smaller source_id, self-pairs) or of
    `--shifted` (ordered False: a = original, b = shifted copy) for pairs over `rows` (indices of
    the table rows the reference ran on). Returns source_id_a, source_id_b, sep, ia, ib (table
    rows of a and b), sorted by (source_id_a, source_id_b)."""
    ia, ib = rows[p.i], rows[p.j]
    sa, sb = cols["source_id"][ia], cols["source_id"][ib]
    if ordered:
        swap = sa > sb
        ia, ib = np.where(swap, ib, ia), np.where(swap, ia, ib)
        sa, sb = cols["source_id"][ia], cols["source_id"][ib]
    order = np.lexsort((sb, sa))
    return {"source_id_a": sa[order], "source_id_b": sb[order], "sep": p.sep[order], "ia": ia[order], "ib": ib[order]}


def finite_selection(cols: dict, radius: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """Rows a pair search uses: passing `where`, finite ra, dec and radius."""
    m = np.isfinite(cols["ra"]) & np.isfinite(cols["dec"]) & np.isfinite(radius)
    if where is not None:
        m &= where
    return np.flatnonzero(m)


def reference_pairs(cols: dict, radius: np.ndarray, where=None, brute=False) -> tuple[dict, Pairs]:
    rows = finite_selection(cols, radius, where)
    p = self_pairs(cols["ra"][rows], cols["dec"][rows], radius[rows], brute=brute)
    return pair_table(cols, rows, p, ordered=True), p


def reference_shifted(cols: dict, radius: np.ndarray, deg: float, where=None) -> tuple[dict, Pairs]:
    rows = finite_selection(cols, radius, where)
    p = shifted_pairs(cols["ra"][rows], cols["dec"][rows], radius[rows], deg)
    return pair_table(cols, rows, p, ordered=False), p


# ------------------------------------------------------------------------------------------------
# crossmatch: a user catalogue B against the generated table A


@dataclass
class Catalogue:
    id: np.ndarray  # int64, unique, not in file order
    name: np.ndarray  # str, unique, another order
    ra: np.ndarray
    dec: np.ndarray
    mag: np.ndarray
    kind: np.ndarray  # what each row was made for


def make_catalogue(sky: Sky, seed: int = 77) -> Catalogue:
    """~290 rows: the planted quasars (0–0.2″ off: their 2–4 lens images are within 6″), rows
    0.2″–5″ from random table rows, rows in the pole and ra = 0 clusters, rows 1″ from an exact
    duplicate pair of the table (a tie for the nearest: equal separations), two rows at one
    position, random rows (mostly unmatched) and NaN positions."""
    rng = np.random.default_rng(seed)
    c = sky.cols
    ras, decs, kinds = [], [], []

    def add(ra, dec, kind):
        ra, dec = np.atleast_1d(np.asarray(ra, dtype=np.float64)), np.atleast_1d(np.asarray(dec, dtype=np.float64))
        ras.append(ra % 360.0)
        decs.append(dec)
        kinds.append(np.full(len(ra), kind, dtype=object))

    q_ra, q_dec = sky.quasars
    add(*offset_position(q_ra, q_dec, rng.uniform(0, 0.2, len(q_ra)), rng.uniform(0, 360, len(q_ra))), "quasar")
    fin = np.flatnonzero(np.isfinite(c["ra"]) & np.isfinite(c["dec"]))
    near = rng.choice(fin, 150, replace=False)
    add(*offset_position(c["ra"][near], c["dec"][near], rng.uniform(0.2, 5.0, 150), rng.uniform(0, 360, 150)), "near")
    for k in ("north_pole", "south_pole", "ra0"):
        rows = rng.choice(np.flatnonzero(sky.kind == k), 8, replace=False)
        add(*offset_position(c["ra"][rows], c["dec"][rows], rng.uniform(0.5, 5.0, 8), rng.uniform(0, 360, 8)), k)
    dups = np.flatnonzero(sky.kind == "duplicate")
    add(*offset_position(c["ra"][dups], c["dec"][dups], np.full(len(dups), 1.0), rng.uniform(0, 360, len(dups))), "tie")
    add(*_uniform_sphere(rng, 60), "random")
    ra = np.concatenate(ras)
    dec = np.concatenate(decs)
    kind = np.concatenate(kinds)
    ra = np.concatenate([ra, ra[:1], [np.nan, 10.0, np.nan, 200.0]])
    dec = np.concatenate([dec, dec[:1], [5.0, np.nan, np.nan, -30.0]])
    kind = np.concatenate([kind, ["same_position", "nan", "nan", "nan", "random"]])
    n = len(ra)
    ids = rng.choice(10 ** 12, n, replace=False).astype(np.int64)
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))
    names = np.array(["".join(rng.choice(letters, 3)) + f"-{rng.integers(0, 10 ** 6):06d}" for _ in range(n)])
    assert len(set(names)) == n
    mag = rng.uniform(15, 22, n)
    return Catalogue(ids, names, ra, dec, mag, kind)
