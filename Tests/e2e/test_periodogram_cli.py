"""End-to-end tests of the periodogram search: `gaiamine synth epoch_photometry` (injected
periods) → `repack` → `gaiamine periodogram` / `gaiamine run PARAMS.yaml`, checked for rank
independence (np 1/2/3, bit-identical), the outputs (astropy reads the ECSV; h5 = ecsv; units;
dumps), the bookkeeping (every source × band and every transit accounted for, recomputed here
with numpy from the repacked file), recovery of the injected periods, the real 5-source DR3
sample, and bad input (clear message, non-zero exit, no output left, no hang when only one rank
fails). Power accuracy against astropy is tested elsewhere.
"""
from __future__ import annotations

import json
import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import REPO, H5Table, astropy_table, fixture_path, repack, run_gaiamine

SOURCES, FILES, SEED, VARIABLE_FRACTION = 240, 2, 23, 0.4
FMAX = 12            # synth periods are ≥ 0.1 d: a lower fmax than the default keeps the runs short
MIN_OBS = 25         # above the shortest synthetic curves: some curves are skipped
PEAKS = 5
COMMON = ["--fmax", FMAX, "--min-obs", MIN_OBS, "--chunk-rows", 29, "--plot-sources", 4]
BANDS = ("g", "bp", "rp")
COLUMNS = ["source_id", "band", "n_obs", "time_span", "frequency", "period", "power", "fap", "amplitude",
           "peak_frequencies", "peak_powers", "mean", "n_frequencies"]
UNITS = {"time_span": "d", "frequency": "1 / d", "period": "d", "amplitude": "mag", "peak_frequencies": "1 / d",
         "mean": "mag"}
# run-dependent attributes: everything else must not depend on the number of ranks
VOLATILE = {"seconds", "kernel_seconds", "mpi_ranks", "command_line", "created", "host", "parameters"}
SKIPS = ["too_few_points", "time_span_too_short", "constant_values"]
DROPS = ["rejected_flag", "time_null", "value_null", "error_null", "error_not_positive"]
MAG_ERROR = 2.5 / math.log(10)
COLS = {"g": ("g_transit_time", "g_transit_mag", "g_transit_flux_over_error", "variability_flag_g_reject"),
        "bp": ("bp_obs_time", "bp_mag", "bp_flux_over_error", "variability_flag_bp_reject"),
        "rp": ("rp_obs_time", "rp_mag", "rp_flux_over_error", "variability_flag_rp_reject")}


# --------------------------------------------------------------------------------------------
# helpers


def periodogram(args, np=None, timeout=90):
    return run_gaiamine(["periodogram", *map(str, args)], np=np, timeout=timeout)


def ok(r):
    assert r.returncode == 0, "periodogram failed\n" + r.describe()
    return r


def outputs_of(prefix) -> list[Path]:
    p = Path(prefix)
    return sorted(x for x in p.parent.iterdir() if x.name.startswith(p.name + "."))


class Result:
    """PREFIX.h5 and PREFIX.ecsv of one run."""

    def __init__(self, prefix):
        import h5py
        self.prefix = Path(prefix)
        self.h5 = H5Table(f"{prefix}.h5", "periodogram")
        self.ecsv = astropy_table(f"{prefix}.ecsv")
        self.text = Path(f"{prefix}.ecsv").read_text()
        with h5py.File(f"{prefix}.h5", "r") as f:
            self.dumps = {}
            if "periodograms" in f:
                for name, g in f["periodograms"].items():
                    self.dumps[name] = {k: g[k][()] for k in g}
                    self.dumps[name]["attrs"] = {k: (v.decode() if isinstance(v, bytes) else v)
                                                 for k, v in g["power"].attrs.items()}
        self.meta = self.h5.root_attrs

    def col(self, name):
        return self.h5.strings(name) if name == "band" else self.h5.data[name]

    def rows(self):
        return list(zip(self.h5.data["source_id"].tolist(), self.h5.strings("band")))

    def stable_text(self):
        return [l for l in self.text.split("\n")
                if not re.match(r"# - \{(seconds|kernel_seconds|mpi_ranks|parameters|software):", l)]


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def clean(h5path, min_obs, fmax, bands=BANDS):
    """Independent cleaning of every source × band (numpy, from the repacked file): per curve the
    used times/values and its fate; transit drops by reason (first applicable, in the job's order)."""
    import h5py
    curves = {}
    drops = dict.fromkeys(DROPS, 0)
    total = 0
    with h5py.File(h5path, "r") as f:
        g = f["epoch_photometry"]
        ids = g["source_id"][()]
        for b in bands:
            tcol, vcol, ecol, fcol = COLS[b]
            off = g[g[tcol].attrs["offsets"]][()]
            t, v, foe, rej = g[tcol][()], g[vcol][()], g[ecol][()].astype(np.float64), g[fcol][()]
            with np.errstate(divide="ignore", invalid="ignore"):
                err = MAG_ERROR / foe
            reason = np.full(len(t), -1)
            conds = [rej == 1, ~np.isfinite(t), ~np.isfinite(v), np.isnan(foe), ~(np.isfinite(err) & (err > 0))]
            for k, c in reversed(list(enumerate(conds))):
                reason[c] = k
            total += len(t)
            for k, name in enumerate(DROPS):
                drops[name] += int(np.sum(reason == k))
            for i, sid in enumerate(ids.tolist()):
                sl = slice(off[i], off[i + 1])
                keep = reason[sl] == -1
                tt, vv = t[sl][keep], v[sl][keep]
                if len(tt) < min_obs:
                    fate = "too_few_points"
                elif (tt.max() - tt.min()) * fmax < 1:
                    fate = "time_span_too_short"
                elif np.all(vv == vv[0]):
                    fate = "constant_values"
                else:
                    fate = "analysed"
                curves[(sid, b)] = SimpleNamespace(n=len(tt), span=(tt.max() - tt.min()) if len(tt) else 0.0, fate=fate)
    return curves, drops, total


# --------------------------------------------------------------------------------------------
# the data set and the reference runs


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("periodogram")
    r = run_gaiamine(["synth", "epoch_photometry", "--sources", SOURCES, "--files", FILES, "--seed", SEED,
                      "--variable-fraction", VARIABLE_FRACTION, "--out", d / "synth"])
    assert r.returncode == 0, "synth failed\n" + r.describe()
    files = sorted((d / "synth").glob("EpochPhotometry_*.csv.gz"))
    h5 = d / "epoch.h5"
    repack(files, h5, np=2)
    truth = json.loads((d / "synth" / "epoch_photometry_truth.json").read_text())
    strong = sorted((v for v in truth["variables"] if v["amplitude_g"] > 0.3), key=lambda v: v["source_id"])
    dump = [strong[0]["source_id"], strong[-1]["source_id"]]
    return SimpleNamespace(dir=d, h5=h5, truth=truth, dump=dump)


@pytest.fixture(scope="module")
def runs(data):
    out = {}
    for n in (1, 2, 3):
        prefix = data.dir / f"np{n}"
        r = ok(periodogram([data.h5, *COMMON, "--dump-periodogram", ",".join(map(str, data.dump)), "--out", prefix], np=n))
        out[n] = SimpleNamespace(run=r, res=Result(prefix), prefix=prefix)
    return out


# --------------------------------------------------------------------------------------------
# rank independence and the outputs


def test_identical_for_np_1_2_3(runs):
    a = runs[1].res
    assert a.h5.n_rows > 0
    for n in (2, 3):
        b = runs[n].res
        assert a.h5.columns == b.h5.columns == COLUMNS
        for c in a.h5.names:
            assert same(a.h5.data[c], b.h5.data[c]), f"np {n}: column {c} differs from np 1"
        assert a.dumps.keys() == b.dumps.keys()
        for k in a.dumps:
            for arr in ("frequency", "power"):
                assert same(a.dumps[k][arr], b.dumps[k][arr]), f"np {n}: dump {k}/{arr} differs"
        assert a.stable_text() == b.stable_text(), f"np {n}: ECSV text differs from np 1"
        for k in set(a.meta) | set(b.meta):
            if k not in VOLATILE:
                assert str(a.meta.get(k)) == str(b.meta.get(k)), f"np {n}: attribute {k}: {b.meta.get(k)!r} vs {a.meta.get(k)!r}"
        assert b.meta["mpi_ranks"] == n
        # the split by modelled cost balances the ranks (to about one row's cost)
        balance = float(re.search(r"max/mean ([0-9.]+)", runs[n].run.stdout).group(1))
        assert balance < 1.1, runs[n].run.stdout


def test_ecsv_read_by_astropy(runs):
    res = runs[1].res
    t = res.ecsv
    assert t.colnames == COLUMNS
    for c, u in UNITS.items():
        assert str(t[c].unit) == u, f"{c}: unit {t[c].unit}, expected {u}"
    for c in ("power", "fap", "peak_powers", "n_obs", "source_id"):
        assert t[c].unit is None
    assert t["source_id"].dtype == np.int64 and t["n_obs"].dtype == np.int32 and t["frequency"].dtype == np.float64
    assert t["peak_frequencies"].shape == (len(t), PEAKS) and t["peak_powers"].shape == (len(t), PEAKS)
    assert all(t[c].description for c in COLUMNS)
    # table order: source order of the file, bands g, bp, rp within a source
    keys = [(int(s), BANDS.index(b)) for s, b in zip(t["source_id"], t["band"])]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    # the best peak is the first listed peak; period = 1/frequency
    assert np.array_equal(t["peak_frequencies"][:, 0], t["frequency"])
    assert np.array_equal(t["peak_powers"][:, 0], t["power"])
    assert np.allclose(t["period"] * t["frequency"], 1, rtol=1e-15, atol=0)
    pp = np.asarray(t["peak_powers"])
    assert np.all(np.isnan(pp) | (pp <= pp[:, :1])), "peaks are not strongest first"
    assert np.all((t["fap"] >= 0) & (t["fap"] <= 1))
    assert t.meta["rows_written"] == str(len(t)) and t.meta["quantity"] == "mag"
    assert "job: periodogram" in t.meta["parameters"]


def test_h5_equals_ecsv(runs):
    res = runs[2].res
    t = res.ecsv
    assert res.h5.n_rows == len(t)
    for c in COLUMNS:
        got = res.col(c)
        if c == "band":
            assert got == list(t[c])
        else:
            assert same(got, np.asarray(t[c])), f"{c}: h5 and ecsv differ"
        assert res.h5.dattrs[c]["units"] == UNITS.get(c, ""), c
        assert res.h5.dattrs[c]["description"] == t[c].description, c
    for k, v in t.meta.items():
        if k not in ("software", "parameters"):
            h = res.meta[k]
            h = ", ".join(h) if isinstance(h, list) else h
            assert str(h) == v or (isinstance(h, float) and float(v) == h), f"meta {k}: h5 {h!r}, ecsv {v!r}"
    assert res.meta["parameters"] == t.meta["parameters"]
    for a in ("software", "software_version", "command_line", "created", "hdf5_version", "host"):
        assert a in res.meta, f"provenance attribute {a} missing"


def test_every_curve_and_transit_accounted_for(data, runs):
    res = runs[3].res
    m = res.meta
    curves, drops, total = clean(data.h5, MIN_OBS, FMAX)
    assert m["sources"] == SOURCES and m["curves"] == SOURCES * 3 == len(curves)
    assert m["curves"] == m["curves_analysed"] + sum(m["curves_skipped_" + s] for s in SKIPS)
    assert m["curves_analysed"] == m["rows_written"] + m["rows_above_fap_max"]
    for s in SKIPS:
        assert m["curves_skipped_" + s] == sum(c.fate == s for c in curves.values()), s
    assert m["curves_skipped_too_few_points"] > 0, "the test set should exercise skipping"
    assert m["transits_total"] == total
    for k in DROPS:
        assert m["transits_dropped_" + k] == drops[k], k
    assert drops["rejected_flag"] > 0
    assert m["transits_used"] == total - sum(drops.values())
    # the rows written are exactly the analysed curves (fap_max 1), with the independent n_obs and span
    analysed = [k for k, c in curves.items() if c.fate == "analysed"]
    assert sorted(res.rows(), key=lambda k: (k[0], BANDS.index(k[1]))) == res.rows()
    assert set(res.rows()) == set(analysed)
    for (sid, b), n, span in zip(res.rows(), res.col("n_obs"), res.col("time_span")):
        assert n == curves[(sid, b)].n and span == curves[(sid, b)].span, (sid, b)
    assert sum(m["engine_" + e] for e in ("direct", "fft", "reference")) == m["curves_analysed"]


def test_injected_periods_recovered(data, runs):
    t = runs[1].res.ecsv
    g = {int(s): r for s, r in zip(t["source_id"], t) if r["band"] == "g"}
    strong = [v for v in data.truth["variables"] if v["source_id"] in g and v["amplitude_g"] >= 0.15]
    assert len(strong) >= 20, f"only {len(strong)} strong variables analysed in G"
    hits = 0
    for v in strong:
        r = g[v["source_id"]]
        if abs(r["frequency"] - 1 / v["period"]) < 1 / r["time_span"]:
            hits += 1
            assert r["fap"] < 0.01, f"{v['source_id']}: recovered period but FAP {r['fap']}"
    assert hits >= 0.85 * len(strong), f"recovered {hits} of {len(strong)} strong injected periods"
    # constant sources rarely look periodic
    variables = {v["source_id"] for v in data.truth["variables"]}
    const = [r for s, r in g.items() if s not in variables]
    assert len(const) > 50
    assert sum(r["fap"] < 1e-3 for r in const) <= 0.05 * len(const)


def test_dumped_periodograms(data, runs):
    res = runs[2].res
    rows = {k: i for i, k in enumerate(res.rows())}
    assert len(res.dumps) >= 3
    assert res.meta["dumped_periodograms"] == sorted(res.dumps, key=lambda n: (int(n.split("_")[0]), BANDS.index(n.split("_")[1])))
    for name, d in res.dumps.items():
        sid, band = int(name.split("_")[0]), name.split("_")[1]
        assert sid in data.dump
        i = rows[(sid, band)]
        f, p, a = d["frequency"], d["power"], d["attrs"]
        assert len(f) == len(p) == res.col("n_frequencies")[i] == a["n_frequencies"]
        assert a["source_id"] == sid and a["band"] == band
        assert np.allclose(f, a["fmin"] + np.arange(len(f)) * a["df"], rtol=1e-14, atol=0)
        assert f[-1] <= FMAX and f[0] == pytest.approx(1 / res.col("time_span")[i], rel=1e-12)
        k = int(np.argmax(p))
        assert f[k] == res.col("frequency")[i] and p[k] == res.col("power")[i] == a["best_power"]
        assert a["fap"] == res.col("fap")[i]
        top = sorted(res.col("peak_powers")[i][~np.isnan(res.col("peak_powers")[i])], reverse=True)
        assert top[0] == p.max()
    # every analysed band of the dumped sources is there
    assert {n for n in res.dumps} == {f"{s}_{b}" for s, b in res.rows() if s in data.dump}


def test_fap_max_filter(data, runs):
    prefix = data.dir / "fapmax"
    ok(periodogram([data.h5, *COMMON, "--fap-max", 1e-4, "--out", prefix], np=2))
    full, cut = runs[1].res, Result(prefix)
    keep = full.col("fap") <= 1e-4
    assert 0 < keep.sum() < len(keep)
    for c in COLUMNS:
        want = [x for x, k in zip(full.col(c), keep) if k] if c == "band" else full.col(c)[keep]
        assert same(cut.col(c), want) if c != "band" else cut.col(c) == want, c
    assert cut.meta["rows_above_fap_max"] == int((~keep).sum())
    assert cut.meta["rows_written"] == int(keep.sum())
    assert cut.meta["curves_analysed"] == full.meta["curves_analysed"]


def test_nterms_2_fap_is_nan_and_filter_inactive(data):
    prefix = data.dir / "nterms2"
    r = ok(periodogram([data.h5, "--bands", "g", "--nterms", 2, "--fmax", 4, "--fap-max", 1e-6, "--plot-sources", 2,
                        "--out", prefix], np=2))
    res = Result(prefix)
    assert np.all(np.isnan(res.col("fap")))
    assert res.meta["rows_written"] == res.meta["curves_analysed"] > 0 and res.meta["rows_above_fap_max"] == 0
    assert "inactive" in res.meta["fap_filter"]
    assert set(res.col("band")) == {"g"} and res.meta["curves"] == SOURCES
    assert "periodogram: done" in r.stdout


def test_common_grid(data):
    prefix = data.dir / "common"
    ok(periodogram([data.h5, "--grid", "common", "--fmin", 0.01, "--df", 0.001, "--fmax", 5, "--bands", "g",
                    "--dump-periodogram", data.dump[0], "--plot-sources", 0, "--out", prefix], np=3))
    res = Result(prefix)
    n = int(math.floor((5 - 0.01) / 0.001)) + 1
    assert res.h5.n_rows > 0 and np.all(res.col("n_frequencies") == n)
    f = res.col("frequency")
    assert np.allclose((f - 0.01) / 0.001, np.round((f - 0.01) / 0.001), atol=1e-6) and np.all(f <= 5)
    (d,) = res.dumps.values()
    assert d["attrs"]["fmin"] == 0.01 and d["attrs"]["df"] == 0.001 and len(d["frequency"]) == n
    assert "common" in res.meta["grid"] and not Path(f"{prefix}.svg").exists()


def test_run_parameter_file(data, runs, tmp_path):
    text = (REPO / "Inputs" / "periodic_variables.yaml").read_text()
    prefix = tmp_path / "case"
    text = re.sub(r"(?m)^input: .*$", f"input: {data.h5}", text)
    text = re.sub(r"(?m)^output: .*$", f"output: {prefix}", text)
    text = re.sub(r"(?m)^(  fmax:) .*$", rf"\1 {FMAX}", text)
    text = re.sub(r"(?m)^(  min_obs:) .*$", rf"\1 {MIN_OBS}", text)
    case = tmp_path / "case.yaml"
    case.write_text(text)
    r = run_gaiamine(["run", case], np=2, timeout=90)
    assert r.returncode == 0, r.describe()
    res, ref = Result(prefix), runs[1].res
    for c in COLUMNS:
        assert same(res.col(c), ref.col(c)) if c != "band" else res.col(c) == ref.col(c), c
    assert Path(f"{prefix}.svg").exists()
    assert "job: periodogram" in res.meta["parameters"] and "min_obs: 25" in res.meta["parameters"]
    # a misspelt key is an error naming it, before any work
    case.write_text(text.replace("  nterms:", "  ntrems:"))
    r = run_gaiamine(["run", case], timeout=30)
    assert r.returncode != 0 and "ntrems" in r.stderr and "did you mean 'periodogram.nterms'" in r.stderr, r.describe()


def test_svg_and_summary(runs):
    res, run = runs[1].res, runs[1].run
    svg = Path(f"{runs[1].prefix}.svg")
    root = ET.parse(svg).getroot()
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "most significant" in text
    best = int(np.argmin(np.where(np.isnan(res.col("fap")), np.inf, res.col("fap"))))
    assert str(res.col("source_id")[best]) in text
    out = run.stdout
    assert "periodogram: parameters" in out and "periodogram: done" in out
    for word in ("curves/s/core", "skipped", "fewer than min_obs", "transits", "dropped", "engines", "outputs"):
        assert word in out, f"summary lacks '{word}'\n{out}"


def test_existing_outputs_are_kept_without_overwrite(data, runs):
    before = Path(f"{runs[1].prefix}.h5").read_bytes()
    r = periodogram([data.h5, "--out", runs[1].prefix], np=2)
    assert r.returncode != 0 and "--overwrite" in r.stderr, r.describe()
    assert Path(f"{runs[1].prefix}.h5").read_bytes() == before


def test_no_curve_left_gives_empty_readable_outputs(data):
    prefix = data.dir / "empty"
    r = ok(periodogram([data.h5, "--min-obs", 1000, "--out", prefix], np=2))
    res = Result(prefix)
    assert res.h5.n_rows == 0 and len(res.ecsv) == 0 and res.ecsv.colnames == COLUMNS
    assert res.meta["curves_skipped_too_few_points"] == res.meta["curves"] == SOURCES * 3
    assert res.h5.data["peak_frequencies"].shape == (0, PEAKS)
    assert Path(f"{prefix}.svg").exists() and "no curve analysed" in r.stdout


# --------------------------------------------------------------------------------------------
# the real DR3 sample


def test_real_dr3_sample(tmp_path):
    h5 = tmp_path / "real.h5"
    repack([fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")], h5)
    min_obs = 20
    curves, drops, total = clean(h5, min_obs, 25)
    skipped = [k for k, c in curves.items() if c.fate == "too_few_points"]
    assert 0 < len(skipped) < len(curves), "min_obs should split the sample's curves"
    prefix = tmp_path / "out"
    ok(periodogram([h5, "--min-obs", min_obs, "--out", prefix], np=2))
    res = Result(prefix)
    m = res.meta
    assert m["curves"] == 15 and m["curves_skipped_too_few_points"] == len(skipped)
    assert set(res.rows()) == {k for k, c in curves.items() if c.fate == "analysed"}
    assert m["transits_total"] == total and all(m["transits_dropped_" + k] == drops[k] for k in DROPS)
    assert list(res.col("n_obs")) == [curves[k].n for k in res.rows()]
    # fluxes: same curves, amplitude in e⁻/s
    ok(periodogram([h5, "--min-obs", min_obs, "--quantity", "flux", "--out", tmp_path / "flux"]))
    t = astropy_table(tmp_path / "flux.ecsv")
    assert str(t["amplitude"].unit) == "electron / s" and len(t) > 0 and np.all(t["amplitude"] > 1)


def test_every_skip_reason(tmp_path):
    """A copy of the real sample edited so that each skip reason occurs: counted, never written."""
    import h5py
    h5 = tmp_path / "edited.h5"
    repack([fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")], h5)
    with h5py.File(h5, "r+") as f:
        g = f["epoch_photometry"]
        off = g[g["g_transit_time"].attrs["offsets"]][()]
        t = g["g_transit_time"][()]
        lo, hi = off[1], off[2]                     # source 1, G: all transits within 0.01 d
        t[lo:hi] = t[lo] + np.linspace(0, 0.01, hi - lo)
        g["g_transit_time"][...] = t
        m = g["g_transit_mag"][()]
        m[off[2]:off[3]] = 17.25                    # source 2, G: constant
        g["g_transit_mag"][...] = m
        foe = g["g_transit_flux_over_error"][()]
        foe[off[3]:off[3] + 2] = [0, -5]            # source 3, G: two non-positive errors
        g["g_transit_flux_over_error"][...] = foe
    curves, drops, total = clean(h5, 18, 25)
    assert [curves[k].fate for k in sorted(curves) if k[1] == "g"].count("analysed") == 3
    prefix = tmp_path / "out"
    ok(periodogram([h5, "--min-obs", 18, "--out", prefix], np=3))
    res = Result(prefix)
    m = res.meta
    for s in SKIPS:
        assert m["curves_skipped_" + s] == sum(c.fate == s for c in curves.values()) >= 1, s
    assert m["transits_dropped_error_not_positive"] == drops["error_not_positive"] >= 2
    assert set(res.rows()) == {k for k, c in curves.items() if c.fate == "analysed"}


def test_missing_columns_named(tmp_path):
    h5 = tmp_path / "gonly.h5"
    cols = "source_id,g_transit_time,g_transit_mag,g_transit_flux_over_error,variability_flag_g_reject"
    repack([fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")], h5, extra=["--columns", cols])
    ok(periodogram([h5, "--bands", "g", "--min-obs", 5, "--out", tmp_path / "g"]))
    r = periodogram([h5, "--bands", "rp,g", "--out", tmp_path / "rp"], np=2)
    assert r.returncode != 0 and "'rp_obs_time'" in r.stderr and "'variability_flag_rp_reject'" in r.stderr, r.describe()
    assert outputs_of(tmp_path / "rp") == []


# --------------------------------------------------------------------------------------------
# bad input


BAD_FLAGS = [
    (["--fmax", "-1"], "--fmax"),
    (["--oversampling", "0"], "--oversampling"),
    (["--quantity", "counts"], "--quantity"),
    (["--grid", "common"], "--df"),
    (["--df", "0.001"], "--df"),
    (["--fmin", "30"], "--fmin"),
    (["--fap-max", "2"], "--fap-max"),
    (["--min-obs", "3"], "--min-obs"),
    (["--engine", "warp"], "--engine"),
    (["--dump-periodogram", "12x"], "--dump-periodogram"),
    (["--bands", "g,x"], "unknown band 'x'"),
    (["--bands", "g,g"], "twice"),
    (["--nterms", "4"], "--nterms"),
    (["--peaks", "0"], "--peaks"),
    (["--chunk-rows", "0"], "--chunk-rows"),
]


@pytest.mark.parametrize("args,message", BAD_FLAGS, ids=[" ".join(a) for a, _ in BAD_FLAGS])
def test_bad_flag_values(data, tmp_path, args, message):
    prefix = tmp_path / "bad"
    r = periodogram([data.h5, *args, "--out", prefix], timeout=30)
    assert r.returncode != 0, r.describe()
    assert message in r.stderr, r.describe()
    assert outputs_of(prefix) == []


def test_missing_file_and_wrong_table(tmp_path):
    import h5py
    r = periodogram([tmp_path / "nope.h5", "--out", tmp_path / "a"], np=2)
    assert r.returncode != 0 and "nope.h5" in r.stderr and "no such file" in r.stderr, r.describe()
    wrong = tmp_path / "gaia_source.h5"
    with h5py.File(wrong, "w") as f:
        f.create_group("gaia_source").attrs["n_rows"] = np.int64(0)
    r = periodogram([wrong, "--out", tmp_path / "b"], np=2)
    assert r.returncode != 0 and "no table 'epoch_photometry'" in r.stderr and "gaia_source" in r.stderr, r.describe()
    text = tmp_path / "text.h5"
    text.write_text("not hdf5")
    r = periodogram([text, "--out", tmp_path / "c"])
    assert r.returncode != 0 and "not an HDF5 file" in r.stderr, r.describe()
    # the output must not replace the input, even with --overwrite
    r = periodogram([text, "--out", tmp_path / "text", "--overwrite"])
    assert r.returncode != 0 and "would replace the input" in r.stderr and text.read_text() == "not hdf5", r.describe()
    assert outputs_of(tmp_path / "a") == outputs_of(tmp_path / "b") == outputs_of(tmp_path / "c") == []


def test_dump_source_not_in_file(data, tmp_path):
    prefix = tmp_path / "dump"
    r = periodogram([data.h5, *COMMON, "--dump-periodogram", "1,2", "--out", prefix], np=3, timeout=60)
    assert r.returncode != 0 and "source_id 1 is not in" in r.stderr, r.describe()
    assert r.stderr.count("source_id 1 is not in") == 1, "the agreed error should be printed once\n" + r.describe()
    assert outputs_of(prefix) == []


def test_one_rank_failing_does_not_hang(data, tmp_path):
    import h5py
    # A time far off in one row near the end: its grid is too large. Found by the last rank alone
    # in the cost pre-pass; the others must not wait for it.
    huge = tmp_path / "huge.h5"
    shutil.copyfile(data.h5, huge)
    with h5py.File(huge, "r+") as f:
        g = f["epoch_photometry"]
        off = g[g["g_transit_time"].attrs["offsets"]][()]
        row = len(off) - 4
        t = g["g_transit_time"][()]
        t[off[row]] = 1e7
        g["g_transit_time"][...] = t
    prefix = tmp_path / "huge_out"
    r = periodogram([huge, *COMMON, "--out", prefix], np=3, timeout=60)
    assert r.returncode != 0, r.describe()
    assert f"row {row} band g" in r.stderr and "frequencies" in r.stderr, r.describe()
    assert outputs_of(prefix) == []
    # Inconsistent arrays in one row near the end of the table: found by the last rank alone,
    # in the middle of the main pass; the message names file, row, source and column.
    bad = tmp_path / "inconsistent.h5"
    shutil.copyfile(data.h5, bad)
    with h5py.File(bad, "r+") as f:
        g = f["epoch_photometry"]
        off = g[g["bp_mag"].attrs["offsets"]][()].copy()
        row = len(off) - 6
        off[row + 1:] -= 1
        g.create_dataset("bp_mag_offsets", data=off)
        g["bp_mag"].attrs["offsets"] = "bp_mag_offsets"
        sid = int(g["source_id"][row])
    prefix = tmp_path / "incons"
    r = periodogram([bad, *COMMON, "--out", prefix], np=3, timeout=60)
    assert r.returncode != 0, r.describe()
    assert f"row {row} (source_id {sid})" in r.stderr and "'bp_mag'" in r.stderr, r.describe()
    assert outputs_of(prefix) == []
