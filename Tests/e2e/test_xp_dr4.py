"""End-to-end tests of Gaia DR4 XP spectra: 51 BP and 55 RP coefficients (per GaiaXPy's
maintainers), the basis size per band taken from the data everywhere.

`gaiamine synth xp_continuous_mean_spectrum --release dr4` → `repack` (array lengths from the
data) → `xp-index` → `xp-search`, checked against the synthetic truth and an independent numpy
recomputation at n = 51 (xp_helpers: the basis size comes from each band's arrays); -np 1/2/3
identical; a DR3 template (55 BP coefficients) against DR4 data is a clear error; a row whose
array has another length, or DR3 and DR4 files in one repack, are errors naming file and column.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import REPO, TextTable, parse_array_text, repack, run_gaiamine
from xp_helpers import (COLUMNS, Result, XPData, assert_close, assert_same_rows, mahalanobis, output_files,
                        search)

XP = "xp_continuous_mean_spectrum"
SOURCES, FILES, SEED, TWINS, MISSING = 600, 3, 7, 4, 0.02
N_BP, N_RP = 51, 55
PROXIMA = REPO / "Inputs" / "templates" / "ProximaCen-XP.ecsv"


def synth(d: Path, release: str, sources=SOURCES, files=FILES) -> list[Path]:
    r = run_gaiamine(["synth", XP, "--sources", sources, "--files", files, "--seed", SEED, "--twins", TWINS,
                      "--missing-fraction", MISSING, "--release", release, "--out", d])
    assert r.returncode == 0, "synth failed\n" + r.describe()
    return sorted(d.glob("XpContinuousMeanSpectrum_*.csv.gz"))


@pytest.fixture(scope="module")
def dr4(tmp_path_factory):
    d = tmp_path_factory.mktemp("xp_dr4")
    files = synth(d / "synth", "dr4")
    truth = json.loads((d / "synth" / f"{XP}_truth.json").read_text())
    h5 = d / "xp.h5"
    repack(files, h5, np=2)
    r = run_gaiamine(["xp-index", h5], np=2)
    assert r.returncode == 0, "xp-index failed\n" + r.describe()
    assert f"{N_BP} BP and {N_RP} RP coefficients" in r.stdout, r.describe()
    return SimpleNamespace(dir=d, files=files, h5=h5, truth=truth, data=XPData(h5), twins=truth["twins"])


def test_synth_dr4_writes_51_bp_55_rp(dr4):
    """Header RELEASE, n_parameters and array lengths of the written text; truth names the sizes."""
    with gzip.open(dr4.files[0], "rt") as f:
        lines = f.readlines()
    assert any(l.startswith("# - RELEASE: Gaia DR4 (synthetic)") for l in lines)
    assert dr4.truth["release"] == "dr4"
    assert (dr4.truth["n_bp_coefficients"], dr4.truth["n_rp_coefficients"]) == (N_BP, N_RP)
    t = TextTable(dr4.files[0])  # csv + PyYAML: nothing shared with gaiamine
    for b, n in (("bp", N_BP), ("rp", N_RP)):
        present = [c != "null" and c != "" for c in t.cells(f"{b}_n_parameters")]
        assert sum(present) > 0.9 * len(present)
        assert {int(c) for c, p in zip(t.cells(f"{b}_n_parameters"), present) if p} == {n}
        for col, want in ((f"{b}_coefficients", n), (f"{b}_coefficient_errors", n),
                          (f"{b}_coefficient_correlations", n * (n - 1) // 2)):
            lengths = {len(parse_array_text(c)) for c, p in zip(t.cells(col), present) if p}
            assert lengths == {want}, (col, lengths)


def test_repacked_widths_from_the_data(dr4):
    import h5py
    with h5py.File(dr4.h5, "r") as f:
        g = f[XP]
        for b, n in (("bp", N_BP), ("rp", N_RP)):
            assert g[f"{b}_coefficients"].shape == (SOURCES, n)
            assert g[f"{b}_coefficient_errors"].shape == (SOURCES, n)
            assert g[f"{b}_coefficient_correlations"].shape == (SOURCES, n * (n - 1) // 2)
            lam = g[f"{b}_correlation_lambda_max"][()]
            R = np.zeros((SOURCES, n, n))
            low = np.tril_indices(n, -1)
            R[:, low[0], low[1]] = g[f"{b}_coefficient_correlations"][()].astype(np.float64)
            R = R + R.transpose(0, 2, 1)
            R[:, np.arange(n), np.arange(n)] = 1.0
            ok = np.isfinite(lam)
            assert ok.sum() > SOURCES * 0.9
            emax = np.linalg.eigvalsh(R[ok])[:, -1]
            assert np.all(lam[ok] >= emax * (1 - 1e-12)), f"{b}: λmax bound not certified at n = {n}"
            assert np.all(lam[ok] <= n + 1e-9)


@pytest.mark.parametrize("scaling", ["none", "standard-deviation"])
def test_planted_twins_and_numpy_reference_at_51(dr4, scaling):
    """Every planted twin at flux scale 1 is found with the truth's D² (BP at n = 51, RP at 55),
    dof 106; every listed match equals numpy's D² of the stored values."""
    twins = [t for t in dr4.twins if t["flux_scale"] == 1.0]
    assert twins, "seed gives no twin at flux scale 1"
    ids = [x for t in twins for x in ("--template-source-id", t["template_source_id"])]
    prefix = dr4.dir / f"twins_{scaling}"
    search(dr4.h5, prefix, *ids, "--k", 10, "--error-scaling", scaling, np=2)
    res = Result(prefix)
    suffix = "" if scaling == "none" else "_errors_over_standard_deviation"
    for t in twins:
        rows = res.rows_of(t["template_source_id"])
        hit = [i for i in rows if int(res["source_id"][i]) == t["twin_source_id"]]
        assert hit, f"twin {t['twin_source_id']} of {t['template_source_id']} not among the matches"
        i = hit[0]
        assert int(res["dof"][i]) == N_BP + N_RP
        assert_close(res["chi2_bp"][i], t["d2_bp" + suffix], 1e-9, "BP D² vs truth")
        assert_close(res["chi2_rp"][i], t["d2_rp" + suffix], 1e-9, "RP D² vs truth")
        tmpl = dr4.data.spectrum(t["template_source_id"])
        assert tmpl["bp"].n == N_BP and tmpl["rp"].n == N_RP
        for j in rows:
            src = dr4.data.spectrum(int(res["source_id"][j]))
            for b in ("bp", "rp"):
                if src[b] is None:
                    assert np.isnan(res[f"chi2_{b}"][j])
                    continue
                assert_close(res[f"chi2_{b}"][j], mahalanobis(tmpl[b], src[b], scaling), 1e-9, f"{b} D² vs numpy")


@pytest.mark.parametrize("extra", [(), ("--no-prune",), ("--kernel", "reference"), ("--bands", "bp")])
def test_rank_independence_and_kernels(dr4, extra):
    """-np 1/2/3 identical; the pruned scan, the full scan and the reference kernel agree."""
    tid = dr4.twins[0]["template_source_id"]
    got = []
    for n in (None, 2, 3):
        prefix = dr4.dir / f"np{n}_{'_'.join(x.strip('-') for x in extra) or 'default'}"
        search(dr4.h5, prefix, "--template-source-id", tid, "--k", 15, *extra, np=n)
        got.append(Result(prefix))
    for r in got[1:]:
        assert_same_rows(got[0].cols, r.cols, COLUMNS, "-np 1 vs more ranks")
    if "--bands" in extra:
        assert set(got[0]["dof"][got[0]["flags"] == 0]) == {N_BP}


def test_full_scan_equals_pruned_and_reference(dr4):
    """At n = 51: pruned = full scan exactly; the batched (SIMD, padded to 52) and reference
    kernels agree to 1e-9 with the same matches."""
    tid = dr4.twins[0]["template_source_id"]
    a, b, c = dr4.dir / "pruned", dr4.dir / "full", dr4.dir / "reference"
    search(dr4.h5, a, "--template-source-id", tid, "--k", 25)
    search(dr4.h5, b, "--template-source-id", tid, "--k", 25, "--no-prune")
    search(dr4.h5, c, "--template-source-id", tid, "--k", 25, "--no-prune", "--kernel", "reference")
    assert_same_rows(Result(a).cols, Result(b).cols, COLUMNS, "pruned vs full scan")
    ref, fast = Result(c), Result(b)
    assert_same_rows(fast.cols, ref.cols, ["template", "rank", "source_id", "dof", "flags"], "batched vs reference")
    for col in ("chi2", "chi2_bp", "chi2_rp"):
        assert_close(fast[col], ref[col], 1e-9, f"batched vs reference {col}")
    import h5py
    with h5py.File(str(a) + ".h5", "r") as f:
        names = []
        f.visit(names.append)
        bp = [f[n] for n in names if n.endswith("template_bp_coefficients")]
        assert bp and bp[0].shape == (1, N_BP), names


@pytest.mark.parametrize("np_", [None, 2])
def test_dr3_template_against_dr4_data_is_an_error(dr4, np_):
    prefix = dr4.dir / f"dr3_template_{np_}"
    r = run_gaiamine(["xp-search", dr4.h5, "--template-file", PROXIMA, "--out", prefix], np=np_)
    assert r.returncode != 0, r.describe()
    msg = r.stderr + r.stdout
    for word in ("ProximaCen-XP.ecsv", "BP", "55", "51", "basis"):
        assert word in msg, f"'{word}' not in the error\n" + r.describe()
    assert not output_files(prefix), f"outputs written: {output_files(prefix)}"


def test_repack_row_of_another_length_is_an_error(dr4, tmp_path):
    """The length comes from the first row; a later row with one BP coefficient less is an error
    naming the file, the line and the column (here the second data row is edited)."""
    def drop_one(line: str) -> str:
        start = line.index('"[') + 2
        comma = line.index(",", start)
        return line[:start] + line[comma + 1:]

    with gzip.open(dr4.files[0], "rt") as f:
        lines = f.readlines()
    names = next(i for i, l in enumerate(lines) if not l.startswith("#"))
    assert lines[names + 2].split(",")[4] == str(N_BP), "second data row must have BP"
    lines[names + 2] = drop_one(lines[names + 2])
    bad = tmp_path / dr4.files[0].name
    with gzip.open(bad, "wt") as f:
        f.writelines(lines)
    out = tmp_path / "bad.h5"
    r = run_gaiamine(["repack", bad, "--out", out], np=2)
    assert r.returncode != 0, r.describe()
    msg = r.stderr + r.stdout
    for word in (bad.name, f":{names + 3}", "bp_coefficients", str(N_BP - 1), str(N_BP)):
        assert word in msg, f"'{word}' not in the error\n" + r.describe()
    assert not out.exists() and not Path(str(out) + ".partial").exists()


def test_repack_dr3_with_dr4_files_is_an_error(dr4, tmp_path):
    dr3 = synth(tmp_path / "dr3", "dr3", sources=60, files=1)
    out = tmp_path / "mixed.h5"
    r = run_gaiamine(["repack", dr3[0], dr4.files[1], "--out", out])
    assert r.returncode != 0, r.describe()
    assert "bp_coefficients" in r.stderr + r.stdout, r.describe()
    assert not out.exists()
