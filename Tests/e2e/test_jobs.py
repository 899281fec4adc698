"""End-to-end tests of the job framework (Sources/GaiaJob) for every built-in job:

* every run writes PREFIX.yaml, the fully resolved parameter file, equal to the `parameters`
  stored in PREFIX.h5 and in PREFIX.ecsv;
* `gaiamine run PREFIX.yaml --set output=OTHER` reproduces the run's results exactly, on another
  number of ranks;
* a bad option is reported once (not once per rank), before any work, with the flag or key;
* `job:` is required and an unknown job gets a "did you mean";
* `--help` lists every option with its case-file key.
"""
from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
import yaml

from conftest import astropy_table, repack, run_gaiamine, synth

VOLATILE_ATTRS = {"created", "command_line", "mpi_ranks", "ranks", "host", "parameters", "software", "cost_max_over_mean",
                  "load_balance"}


def volatile(name: str) -> bool:
    """Attributes that describe the run (time, rates, ranks, where), not its results."""
    return (name in VOLATILE_ATTRS or "second" in name or "rate" in name or name.endswith("_per_core")
            or "per_rank" in name or "rank_" in name)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("jobs")
    xp = synth("xp_continuous_mean_spectrum", 80, 2, 41, d / "xp")
    ep = synth("epoch_photometry", 40, 2, 42, d / "epoch")
    gs = synth("gaia_source", 1500, 2, 43, d / "gs")
    r = run_gaiamine(["synth", "epoch_astrometry", "--sources", 300, "--files", 2, "--seed", 44, "--out", d / "ea"])
    assert r.returncode == 0, r.describe()
    ea = sorted((d / "ea").glob("EpochAstrometry_*.csv.gz"))
    ea_pos = sorted((d / "ea").glob("GaiaSource_*.csv.gz"))  # the DR4 epoch astrometry has no positions
    out = SimpleNamespace(dir=d)
    for name, files in (("xp", xp), ("epoch", ep), ("gs", gs), ("ea", ea), ("ea_pos", ea_pos)):
        setattr(out, name, d / f"{name}.h5")
        repack(files, d / f"{name}.h5", np=2)
    with h5py.File(out.xp) as f:
        out.template = int(f["xp_continuous_mean_spectrum"]["source_id"][3])
    return out


def job_args(job, data):
    """Small, fast arguments of each job on the module's data."""
    return {
        "xp-search": [data.xp, "--template-source-id", data.template, "--k", 5],
        "periodogram": [data.epoch, "--bands", "g,rp", "--fmax", 4, "--min-obs", 10, "--dump-periodogram",
                        ""],
        "gw-vsh": [data.gs, "--lmax", 2, "--filter", "astrometric_params_solved == 31"],
        "gw-correlation": [data.gs, "--bins", 6, "--filter", "astrometric_params_solved == 31", "--block-sources", 256],
        "gw-planewave": [data.ea, "--positions", data.ea_pos, "--f-min", 20, "--f-max", 40, "--df", 5, "--nside", 2,
                         "--min-transits", 8],
        "select": [data.epoch, "--where", "count(g_transit_mag) > 10", "--columns", "source_id,g_transit_mag",
                   "--define", "gmed=median(g_transit_mag)"],
        "aggregate": [data.gs, "--by", "hpx=healpix(3)", "--values", "parallax,pmtot=hypot(pmra, pmdec)",
                      "--stats", "count,median,mad,p2.5,skew", "--where", "astrometric_params_solved == 31"],
    }[job]


JOBS = ["xp-search", "periodogram", "gw-vsh", "gw-correlation", "gw-planewave", "select", "aggregate"]


def h5_contents(path) -> dict:
    """Every dataset (as arrays) and every non-volatile attribute of an HDF5 file, by path."""
    out = {}
    with h5py.File(path) as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
            for k, v in obj.attrs.items():
                if not volatile(k):
                    out[f"{name}@{k}"] = v
        for k, v in f.attrs.items():
            if not volatile(k):
                out[f"/@{k}"] = v
        f.visititems(visit)
    return out


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def parameters_of(h5) -> str:
    with h5py.File(h5) as f:
        p = f.attrs["parameters"]
    return p.decode() if isinstance(p, bytes) else p


@pytest.mark.parametrize("job", JOBS)
def test_resolved_parameter_file_reproduces_the_run(data, job):
    a = data.dir / f"{job}_a"
    r = run_gaiamine([job, *job_args(job, data), "--out", a], np=2)
    assert r.returncode == 0, r.describe()
    resolved = Path(f"{a}.yaml").read_text()
    assert resolved == parameters_of(f"{a}.h5"), "PREFIX.yaml differs from the parameters stored in PREFIX.h5"
    ecsv = Path(f"{a}.ecsv").exists()  # select writes a table file only
    assert ecsv or job == "select"
    if ecsv:
        assert astropy_table(f"{a}.ecsv").meta["parameters"] == resolved
    y = yaml.safe_load(resolved)
    assert y["job"] == job and y["output"] == str(a) and y["input"]
    assert f"{job}: parameters" in r.stdout and "resolved parameters in" in r.stdout
    # The same run from the resolved file, under another prefix and number of ranks.
    b = data.dir / f"{job}_b"
    r = run_gaiamine(["run", f"{a}.yaml", "--set", f"output={b}"], np=3)
    assert r.returncode == 0, r.describe()
    ca, cb = h5_contents(f"{a}.h5"), h5_contents(f"{b}.h5")
    assert ca.keys() == cb.keys()
    for k in ca:
        assert same(ca[k], cb[k]), f"{job}: {k} differs between the run and its replay from {a}.yaml"
    if ecsv:
        ta, tb = astropy_table(f"{a}.ecsv"), astropy_table(f"{b}.ecsv")
        assert ta.colnames == tb.colnames and len(ta) == len(tb)
        for c in ta.colnames:
            assert same(np.asarray(ta[c]), np.asarray(tb[c])), f"{job}: ECSV column {c} differs"
    assert Path(f"{b}.yaml").read_text() == resolved.replace(f"output: {a}", f"output: {b}")


@pytest.mark.parametrize("job,args,needle", [
    ("periodogram", ["--nterms", 4], "--nterms"),
    ("gw-vsh", ["--lmax", 0], "--lmax"),
    ("xp-search", ["--k", 0], "--k"),
    ("gw-correlation", ["--bins", 0], "--bins"),
    ("gw-planewave", ["--min-transits", 2], "--min-transits"),
    ("select", ["--chunk-rows", 0], "--chunk-rows"),
    ("aggregate", ["--stats", "median,p101"], "--stats"),
])
def test_bad_option_reported_once_before_any_work(data, job, args, needle, tmp_path):
    r = run_gaiamine([job, *job_args(job, data), *args, "--out", tmp_path / "x"], np=3)
    assert r.returncode != 0, r.describe()
    lines = [l for l in r.stderr.splitlines() if needle in l]
    assert len(lines) == 1, "the error should be printed once, by rank 0\n" + r.describe()
    assert f"{job}: parameters" not in r.stdout and not list(tmp_path.iterdir())


def test_missing_output_directory_fails_before_the_search(data, tmp_path):
    r = run_gaiamine(["xp-search", *job_args("xp-search", data), "--out", tmp_path / "no" / "dir" / "x"], np=2)
    assert r.returncode != 0 and "does not exist" in r.stderr, r.describe()
    assert "xp-search: parameters" not in r.stdout


def test_set_overrides_and_job_key(data, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(f"job: periodogram\ninput: {data.epoch}\noutput: {tmp_path / 'p'}\nperiodogram:\n  fmax: 4\n  bands: [g]\n")
    r = run_gaiamine(["run", case, "--set", "periodogram.nterms=2", "--set", "periodogram.bands=[g, bp]", "--min-obs", 12], np=2)
    assert r.returncode == 0, r.describe()
    y = yaml.safe_load((tmp_path / "p.yaml").read_text())
    assert y["periodogram"]["nterms"] == 2 and y["periodogram"]["bands"] == ["g", "bp"] and y["periodogram"]["min_obs"] == 12
    # job: is required …
    case.write_text(f"input: {data.epoch}\noutput: {tmp_path / 'q'}\n")
    r = run_gaiamine(["run", case])
    assert r.returncode != 0 and "job" in r.stderr and "required" in r.stderr, r.describe()
    # … and checked, with a suggestion.
    case.write_text(f"job: periodgram\ninput: {data.epoch}\noutput: {tmp_path / 'q'}\n")
    r = run_gaiamine(["run", case], np=2)
    assert r.returncode != 0 and "did you mean 'periodogram'" in r.stderr, r.describe()
    assert r.stderr.count("unknown job") == 1, r.describe()
    # A misspelt --set key names itself and the right one.
    case.write_text(f"job: periodogram\ninput: {data.epoch}\noutput: {tmp_path / 'q'}\n")
    r = run_gaiamine(["run", case, "--set", "periodogram.fmaxx=3"])
    assert r.returncode != 0 and "did you mean 'periodogram.fmax'" in r.stderr, r.describe()


@pytest.mark.parametrize("job", JOBS)
def test_help_lists_every_option_with_its_key(job):
    r = run_gaiamine([job, "--help"])
    assert r.returncode == 0, r.describe()
    assert "key: input" in r.stdout and "key: output" in r.stdout and "--set" in r.stdout
    section = job.replace("-", "_")
    assert f"key: {section}." in r.stdout
