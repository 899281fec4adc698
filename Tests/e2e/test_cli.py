"""The command line: --help of every subcommand, and `inspect` on a repacked file."""
from __future__ import annotations

import pytest

import subprocess

from conftest import GAIAMINE, REPO, H5Table, fixture_path, repack, run_gaiamine


@pytest.mark.parametrize("cmd", [["--help"], ["repack", "--help"], ["synth", "--help"], ["inspect", "--help"]],
                         ids=["gaiamine", "repack", "synth", "inspect"])
def test_help_exits_zero(cmd):
    r = run_gaiamine(cmd, timeout=60)
    assert r.returncode == 0, r.describe()
    text = r.stdout + r.stderr
    assert "USAGE" in text.upper(), r.describe()
    if cmd[0] == "repack":
        for opt in ("--out", "--table", "--columns", "--fixed", "--batch-rows", "--overwrite"):
            assert opt in text, f"repack --help does not mention {opt}"
    if cmd[0] == "synth":
        for opt in ("--sources", "--files", "--seed", "--out"):
            assert opt in text, f"synth --help does not mention {opt}"


def test_version_exits_zero():
    r = run_gaiamine(["--version"], timeout=60)
    assert r.returncode == 0 and r.stdout.strip(), r.describe()


@pytest.fixture(scope="module")
def epoch_h5(tmp_path_factory):
    src = fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")
    out = tmp_path_factory.mktemp("cli") / "epoch.h5"
    repack([src], out, np=2)
    return out


def git(*args) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True).stdout


def test_provenance_names_the_build(epoch_h5):
    """An output of a `make build` binary names the source revision it was built from (+dirty
    when the tree has uncommitted or untracked files), the compiler and the build flags."""
    ra = H5Table(epoch_h5).root_attrs
    try:
        head = git("rev-parse", "HEAD").strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    if ra["git_revision"] == "unknown":
        pytest.skip(f"{GAIAMINE} was not built by `make build` (no build facts compiled in)")
    dirty = git("status", "--porcelain") != ""
    assert ra["git_revision"] == head + ("+dirty" if dirty else ""), \
        f"built from {ra['git_revision']}, tree is {head}{' (dirty)' if dirty else ''}: rebuild with make build"
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True)
    assert ra["compiler"] == (swift.stdout + swift.stderr).splitlines()[0]
    assert ra["build_flags"].startswith("swift build -c release")
    assert ra["software_version"] == run_gaiamine(["--version"], timeout=60).stdout.split()[-1]


def test_inspect_lists_table_rows_columns(epoch_h5):
    r = run_gaiamine(["inspect", epoch_h5], timeout=60)
    assert r.returncode == 0, r.describe()
    tab = H5Table(epoch_h5)
    out = r.stdout
    assert "epoch_photometry" in out, r.describe()
    assert "5" in out and any("epoch_photometry" in l and "5" in l for l in out.splitlines()), \
        "inspect does not print the row count next to the table\n" + r.describe()
    for name in tab.columns:
        assert name in out, f"inspect does not list column {name}\n" + r.describe()
    assert "GaiaMine" in out  # provenance


def test_inspect_xp_shapes(tmp_path):
    src = fixture_path("xp_continuous/XP_CONTINUOUS_RAW.ecsv")
    out = tmp_path / "xp.h5"
    repack([src], out)
    r = run_gaiamine(["inspect", out], timeout=60)
    assert r.returncode == 0, r.describe()
    assert "xp_continuous_mean_spectrum" in r.stdout
    assert "1485" in r.stdout and "55" in r.stdout, "inspect does not show the 2-D array widths\n" + r.describe()


def test_inspect_missing_file_fails(tmp_path):
    r = run_gaiamine(["inspect", tmp_path / "nope.h5"], timeout=60)
    assert r.returncode != 0, r.describe()
    assert "nope.h5" in r.stderr, r.describe()


def test_repack_columns_subset(tmp_path):
    src = fixture_path("xp_continuous/XP_CONTINUOUS_RAW_with_missing_BP.ecsv")
    full = tmp_path / "full.h5"
    sub = tmp_path / "sub.h5"
    repack([src], full)
    repack([src], sub, np=2, extra=["--columns", "source_id,bp_coefficients,rp_chi_squared"])
    a, b = H5Table(full), H5Table(sub)
    assert b.columns == ["source_id", "bp_coefficients", "rp_chi_squared"]
    assert set(b.columns) <= set(b.data)
    for c in b.columns:
        assert a.data[c].tobytes() == b.data[c].tobytes(), c


def test_repack_batch_rows_does_not_change_output(tmp_path):
    src = fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")
    a_path, b_path = tmp_path / "a.h5", tmp_path / "b.h5"
    repack([src], a_path, np=2)
    repack([src], b_path, np=2, extra=["--batch-rows", "2"])
    a, b = H5Table(a_path), H5Table(b_path)
    assert sorted(a.data) == sorted(b.data)
    for k in a.data:
        assert a.data[k].tobytes() == b.data[k].tobytes(), k


def test_repack_fixed_option(tmp_path):
    """--fixed NAME=N stores a ragged column as (N rows × n); rows shorter than n are an error."""
    src = fixture_path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")
    out = tmp_path / "e.h5"
    r = run_gaiamine(["repack", src, "--out", out, "--columns", "source_id,n_transits,g_transit_time",
                      "--fixed", "g_transit_time=25"], np=2)
    # n_transits are 25, 21, 23, 26, 25: not all 25
    assert r.returncode != 0, r.describe()
    assert f"{src}:368:" in r.stderr and "g_transit_time" in r.stderr, r.describe()  # 2nd data row
    assert not out.exists()
