"""The DataLink EPOCH_ASTROMETRY fixture (ESA's ECSV and FITS of one product) repacked from
either format, with -np 1 and 2, gives bit-identical HDF5 files (every dataset and every attribute
except the provenance of the inputs), whose values equal astropy's reading of both files.

Written without assuming the repacked layout: every group and dataset present is compared, and a
column's rows are read from whatever shape it has (1-D scalar, N × n 2-D, or ragged with an
`offsets` dataset); the row order may be the file's or (source_id, transit time)."""
from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from conftest import ROOT_PROVENANCE_ATTRS, attr_value, fixture_path, repack, run_gaiamine

STEM = "EPOCH_ASTROMETRY-Gaia DR4_INT2 1"
# Root attributes that describe the inputs or the run, not the table: file names, sizes, times,
# the git revision (besides conftest's ROOT_PROVENANCE_ATTRS).
INPUT_PROVENANCE = ("input_", "git", "gaiamine_version", "source_bytes", "compressed", "uncompressed")


def _is_input_provenance(key: str) -> bool:
    return key in ROOT_PROVENANCE_ATTRS or any(key.startswith(p) for p in INPUT_PROVENANCE)


def _walk(path):
    """{object path: (kind, attributes, data)} of every group and dataset of an HDF5 file."""
    out = {}
    with h5py.File(path, "r") as f:
        out["/"] = ("group", {k: attr_value(v) for k, v in f.attrs.items() if not _is_input_provenance(k)}, None)

        def visit(name, obj):
            attrs = {k: attr_value(v) for k, v in obj.attrs.items()}
            if isinstance(obj, h5py.Dataset):
                out[name] = ("dataset", attrs, obj[()])
            else:
                out[name] = ("group", attrs, None)
        f.visititems(visit)
    return out


@pytest.fixture(scope="module")
def repacked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fits_ecsv")
    outs = {}
    for ext in ("ecsv", "fits"):
        d = tmp / ext
        d.mkdir()
        src = d / f"{STEM}.{ext}"  # same base name, different directories
        shutil.copy(fixture_path(f"dr4_epoch_astrometry/{STEM}.{ext}"), src)
        for np_ in (1, 2):
            out = tmp / f"{ext}-np{np_}.h5"
            repack([src], out, np=np_)
            outs[(ext, np_)] = out
    return outs


def test_ecsv_and_fits_repack_bit_identical(repacked):
    ref = _walk(repacked[("ecsv", 1)])
    assert any(kind == "dataset" for kind, _, _ in ref.values())
    for key, path in repacked.items():
        got = _walk(path)
        assert sorted(got) == sorted(ref), f"{key}: objects differ: {sorted(set(got) ^ set(ref))}"
        for name, (kind, attrs, data) in ref.items():
            k2, a2, d2 = got[name]
            assert kind == k2, f"{key}: {name}: {kind} vs {k2}"
            assert attrs == a2, f"{key}: attributes of {name} differ: " + \
                str({a: (attrs.get(a), a2.get(a)) for a in set(attrs) | set(a2) if attrs.get(a) != a2.get(a)})
            if kind == "dataset":
                assert data.dtype == d2.dtype and data.shape == d2.shape, f"{key}: {name}: {data.dtype}{data.shape} vs {d2.dtype}{d2.shape}"
                assert data.tobytes() == d2.tobytes(), f"{key}: dataset {name} differs"


def _astropy(path):
    from astropy.table import Table
    return Table.read(path)


def _cell(col, i):
    """Row i of an astropy column as a 1-D float/int array (scalars: length 1); masked → NaN."""
    v = col[i]
    if np.ma.is_masked(v) or (hasattr(v, "mask") and np.any(getattr(v, "mask", False))):
        v = np.ma.filled(np.ma.asarray(v).astype(float), np.nan)
    return np.atleast_1d(np.asarray(v))


def _h5_rows(f, group, name, n):
    d = f[group][name]
    if "offsets" in d.attrs:
        off = f[group][attr_value(d.attrs["offsets"])][()]
        data = d[()]
        return [data[off[i]:off[i + 1]] for i in range(n)]
    data = d[()]
    return [np.atleast_1d(data[i]) for i in range(n)]


def _same(got, want, is_bool):
    if is_bool:
        want = want.astype(np.int8)
    if got.dtype.kind == "f" or want.dtype.kind == "f":
        g, w = got.astype(np.float64), want.astype(np.float64)
        return g.shape == w.shape and bool(np.all((g == w) | (np.isnan(g) & np.isnan(w))))
    return got.shape == want.shape and bool(np.all(got == want))


@pytest.mark.parametrize("fmt", ["ecsv", "fits"])
def test_values_equal_astropy(repacked, fmt):
    ref = _astropy(fixture_path(f"dr4_epoch_astrometry/{STEM}.{fmt}"))
    n = len(ref)
    with h5py.File(repacked[("ecsv", 1)], "r") as f:
        groups = [k for k in f if isinstance(f[k], h5py.Group)]
        assert groups == ["epoch_astrometry"], groups
        g = groups[0]
        assert int(attr_value(f[g].attrs["n_rows"])) == n
        # Row order: the file's, or (source_id, first obs_time_tcb) stable — found from obs_time_tcb.
        tcb = _h5_rows(f, g, "obs_time_tcb", n)
        want_tcb = [_cell(ref["obs_time_tcb"], i) for i in range(n)]
        orders = [list(range(n)),
                  sorted(range(n), key=lambda i: (int(ref["source_id"][i]), int(want_tcb[i][0])))]
        order = next((o for o in orders if all(_same(tcb[r], want_tcb[o[r]], False) for r in range(n))), None)
        assert order is not None, "the repacked obs_time_tcb rows are in neither the file's nor the (source_id, time) order"
        for name in ref.colnames:
            rows = _h5_rows(f, g, name, n)
            is_bool = attr_value(f[g][name].attrs.get("gaia_datatype", "")) == "bool" or "bool" in name or name.startswith("used_by")
            for r in range(n):
                want = _cell(ref[name], order[r])
                assert _same(rows[r], want, is_bool), f"{fmt}: {name} row {r}: {rows[r]!r} vs astropy {want!r}"


def test_corrupt_fits_is_an_error_naming_the_file(tmp_path):
    src = fixture_path(f"dr4_epoch_astrometry/{STEM}.fits")
    bad = tmp_path / "truncated.fits"
    bad.write_bytes(src.read_bytes()[:9000])
    out = tmp_path / "x.h5"
    for np_ in (1, 2):
        r = run_gaiamine(["repack", bad, "--out", out], np=np_)
        assert r.returncode != 0, r.describe()
        assert str(bad) in r.stderr + r.stdout, r.describe()
        assert not out.exists() and not (tmp_path / "x.h5.partial").exists()
