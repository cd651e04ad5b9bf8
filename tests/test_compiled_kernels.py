"""The terrain kernels compiled ahead of time (``coverage_gis.radio.compiled``, issue 10 part 7:
a one-site process without numba's start-up): built by ``make`` wherever a C compiler is,
the same values as numba's build on every method and view, never used when built from other
sources, and a process that uses them does not import numba."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from coverage_gis.radio import compiled, kernels, terrain
from tests.test_points import hills

HAVE_CC = compiled.compiler() is not None


@pytest.fixture(scope="module")
def built():
    """The build ``make`` made (``make test`` builds it first); required where a C compiler
    is: a missing or stale build there is a failure, not a skip."""
    module = compiled.load()
    if module is None:
        if HAVE_CC:
            pytest.fail("a C compiler is here but the kernels' ahead-of-time build is missing "
                        "or stale: run `make install` (python -m coverage_gis.radio.compiled)")
        pytest.skip("no C compiler: the kernels are numba's only")
    return module


@pytest.fixture
def restore_kernels():
    yield
    terrain.use_compiled_kernels(False)


def _views(dem, gx, gy, method):
    x0, y0 = 503_600.0, 2_003_600.0
    grid = terrain.terrain_grids(dem, x0, y0, 30.0, 1.5, 1800.0, gx, gy, 3300.0,
                                 method=method, with_fresnel=True, effective_height=True)
    raw = terrain.terrain_loss_grid(dem, x0, y0, 30.0, 1.5, 1800.0, gx, gy, 2000.0,
                                    method=method, subtract_smooth_earth=False)
    los = terrain.line_of_sight_grid(dem, x0, y0, 30.0, 1.5, gx, gy, 3000.0)
    rng = np.random.default_rng(7)
    r, c = rng.integers(0, gy.size, 500), rng.integers(0, gx.size, 500)
    pts = terrain.terrain_points(dem, x0, y0, 30.0, 1.5, 2600.0, gx[c], gy[r], 3000.0, 30.0,
                                 method=method, with_fresnel=True, effective_height=True)
    ground = terrain.sample_grid(dem, gx, gy, -5.0)
    ground_pts = terrain.sample_points(dem, gx[c] + 7.0, gy[r] - 3.0, -5.0)
    return [*grid, *raw, los, *pts, ground, ground_pts]


@pytest.mark.parametrize("method", ["delta_bullington", "single", "deygout"])
def test_compiled_kernels_give_numbas_values(built, restore_kernels, method):
    """Every view of a sweep (loss, line of sight, Fresnel clearance, effective height; on a
    grid and at points; raw loss; line of sight alone) and the ground samples: bit for bit
    numba's, on hills with nodata holes."""
    dem, gx, gy = hills(160)
    dem.data[40:45, 70:90] = np.nan  # nodata: the site's ground is used there
    assert terrain.use_compiled_kernels(False) is False
    want = _views(dem, gx, gy, method)
    assert terrain.use_compiled_kernels() is True and terrain.compiled_kernels_in_use()
    got = _views(dem, gx, gy, method)
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(want, got)):
        if a is None:
            assert b is None, i
            continue
        assert a.dtype == b.dtype and a.shape == b.shape, i
        assert np.array_equal(a, b, equal_nan=True), i
    assert np.isfinite(got[0]).any() and (got[0] > 0).any()  # some real diffraction loss


def test_a_block_with_the_build_leaves_the_kernels_as_it_found_them(built, restore_kernels):
    """``terrain.compiled_kernels()`` (what site-map uses): the build inside, numba's after."""
    terrain.use_compiled_kernels(False)
    with terrain.compiled_kernels() as used:
        assert used and terrain.compiled_kernels_in_use()
    assert not terrain.compiled_kernels_in_use()


def test_a_dem_that_is_not_float32_is_cast(built, restore_kernels):
    """The build takes float32 DEM data (the Raster contract); float64 data is cast first."""
    dem, gx, gy = hills(60)
    wide = type(dem)(dem.data.astype(np.float64), dem.transform, dem.crs)
    terrain.use_compiled_kernels()
    np.testing.assert_array_equal(terrain.sample_grid(wide, gx, gy, 0.0),
                                  terrain.sample_grid(dem, gx, gy, 0.0))


def test_a_build_from_other_sources_is_not_used(built, tmp_path):
    """The record's digest covers kernels.py and constants.py: a copy of the build with its
    sources loads; change a source (or lose the record) and it does not."""
    suffix = json.loads((compiled.HERE / compiled.RECORD).read_text())["file"]
    shutil.copyfile(compiled.HERE / suffix, tmp_path / suffix)
    shutil.copyfile(compiled.HERE / compiled.RECORD, tmp_path / compiled.RECORD)
    for name in compiled.SOURCES:
        shutil.copyfile(compiled.HERE / name, tmp_path / name)
    assert compiled.load(tmp_path) is not None
    source = tmp_path / "constants.py"
    source.write_text(source.read_text().replace("SWEEP_BLOCK = 16", "SWEEP_BLOCK = 8"))
    assert compiled.load(tmp_path) is None
    source.write_text((compiled.HERE / "constants.py").read_text())
    assert compiled.load(tmp_path) is not None
    (tmp_path / compiled.RECORD).unlink()
    assert compiled.load(tmp_path) is None


def test_the_signatures_export_every_kernel_terrain_calls():
    """Each kernel terrain.py calls is exported, with as many arguments as numba's has."""
    import inspect
    import re

    called = set(re.findall(r"_k\(\)\.(\w+)\(", inspect.getsource(terrain)))
    assert called == set(compiled.SIGNATURES)
    for name, signature in compiled.SIGNATURES.items():
        n_args = len(inspect.signature(getattr(kernels, name).py_func).parameters)
        depth = 0
        commas = 0
        for ch in signature[signature.index("(") + 1:-1]:
            depth += ch == "["
            depth -= ch == "]"
            commas += ch == "," and depth == 0
        assert commas + 1 == n_args, name


SHORT = textwrap.dedent("""
    import sys
    import numpy as np
    from affine import Affine
    from coverage_gis.io.readers import Raster
    from coverage_gis.radio import terrain
    assert terrain.use_compiled_kernels()
    z = np.random.default_rng(1).normal(100, 20, (80, 80)).astype(np.float32)
    dem = Raster(z, Affine(30, 0, 0, 0, -30, 2400), None)
    g = 15 + 30 * np.arange(80.0)
    out = terrain.terrain_grids(dem, 1200.0, 1200.0, 30.0, 1.5, 1800.0, g, g[::-1], 1000.0,
                                method="delta_bullington")
    print(int(np.isfinite(out.loss_db).sum()), "numba" in sys.modules)
""")


def test_a_process_using_the_build_does_not_import_numba(built):
    """The point of the build: a sweep without numba's import and cache loading."""
    out = subprocess.run([sys.executable, "-c", SHORT], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    cells, numba_imported = out.stdout.split()
    assert int(cells) > 3000
    assert numba_imported == "False"


@pytest.mark.skipif(not HAVE_CC, reason="no C compiler")
def test_build_writes_the_module_then_its_record(tmp_path):
    """``python -m coverage_gis.radio.compiled --dest DIR`` builds a loadable module whose
    record names its sources' digest (about 15 s: numba compiles every kernel)."""
    assert compiled.main(["--dest", str(tmp_path)]) == 0
    record = json.loads((tmp_path / compiled.RECORD).read_text())
    assert record["digest"] == compiled.source_digest()
    assert (tmp_path / record["file"]).is_file()
    module = compiled.load(tmp_path)
    assert module is not None and module.AHEAD_OF_TIME
    assert not list(tmp_path.glob(".*.tmp"))


CHECK = textwrap.dedent("""
    import sys
    from coverage_gis.cli.main import main
    code = main(["-q", "check-site", "--lon", "105.852", "--lat", "20.061", "--operator",
                 "Viettel", "--technology", "4G", "--height-m", "35", "--out", {out!r}])
    print(code, "numba" in sys.modules)
""")


def test_check_site_runs_without_numba(built, tmp_path):
    """The land officer's check is a short process too: with the build, numba is not loaded
    (its sweeps run on the build; their values are numba's, tested above)."""
    run = subprocess.run([sys.executable, "-c", CHECK.format(out=str(tmp_path / "c"))],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["0", "False"]
    assert (tmp_path / "c" / "check.json").is_file()


def test_threads_without_numba_are_numbas(built, restore_kernels, monkeypatch):
    """terrain.numba_threads() while the build runs and numba is not loaded: what numba reads
    (NUMBA_NUM_THREADS, else the processors this process may use)."""
    import os

    import numba

    terrain.use_compiled_kernels()
    monkeypatch.delitem(sys.modules, "numba")
    assert terrain.numba_threads() == numba.config.NUMBA_NUM_THREADS == len(
        os.sched_getaffinity(0))
    monkeypatch.setenv("NUMBA_NUM_THREADS", "1")
    assert terrain.numba_threads() == 1
