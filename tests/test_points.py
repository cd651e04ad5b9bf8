"""Coverage at scattered grid cells (issue 13 part 1: site suggestions with a DEM cost the
households they look at, not the candidate's window): the terrain sweep at points
(``terrain.terrain_points``) and the masks at points (``coverage.covered_at``) give, cell for
cell, what the whole-grid computation gives there."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest
from affine import Affine
from pyproj import CRS

import coverage_gis as cg
from coverage_gis.engines import coverage as cov
from coverage_gis.io.readers import Raster
from coverage_gis.radio import kernels, terrain

UTM = CRS.from_epsg(32648)


def hills(n: int = 240, seed: int = 1) -> tuple[Raster, np.ndarray, np.ndarray]:
    """A 30 m DEM of hills with noise, and the centres of its cells (x east, y north to
    south)."""
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:n, 0:n]
    z = 100 + 60 * np.sin(r / 13.0) * np.cos(c / 9.0) + rng.normal(0, 3, (n, n))
    dem = Raster(z.astype(np.float32), Affine(30, 0, 500_000, 0, -30, 2_007_200), UTM)
    gx = 500_000 + 15 + 30 * np.arange(n, dtype=float)
    gy = 2_007_200 - 15 - 30 * np.arange(n, dtype=float)
    return dem, gx, gy


@pytest.mark.parametrize("method", ["single", "delta_bullington", "deygout"])
def test_terrain_at_points_equals_the_grid_sweep(method):
    """Loss, line of sight, Fresnel clearance and effective height at 600 random cell
    centres (some beyond the radius) are the grid sweep's, bit for bit; and so is the
    ground."""
    dem, gx, gy = hills()
    x0, y0 = 503_600.0, 2_003_600.0
    grid = terrain.terrain_grids(dem, x0, y0, 30.0, 1.5, 1800.0, gx, gy, 3000.0,
                                 method=method, with_fresnel=True, effective_height=True)
    rng = np.random.default_rng(4)
    r, c = rng.integers(0, gy.size, 600), rng.integers(0, gx.size, 600)
    pts = terrain.terrain_points(dem, x0, y0, 30.0, 1.5, 1800.0, gx[c], gy[r], 3000.0, 30.0,
                                 method=method, with_fresnel=True, effective_height=True)
    beyond = np.hypot(gx[c] - x0, gy[r] - y0) > 3000.0
    assert beyond.any() and (~beyond).any()
    for name in ("loss_db", "h_eff_m"):
        assert np.array_equal(getattr(pts, name), getattr(grid, name)[r, c], equal_nan=True)
        assert np.isnan(getattr(pts, name)[beyond]).all()
    for name in ("los", "fresnel_clear"):
        assert np.array_equal(getattr(pts, name), getattr(grid, name)[r, c])
        assert not getattr(pts, name)[beyond].any()
    assert np.array_equal(terrain.sample_points(dem, gx[c], gy[r], 0.0),
                          terrain.sample_grid(dem, gx, gy, 0.0)[r, c])


def test_points_sweep_only_the_rays_they_need(monkeypatch):
    """Ten points in one direction sweep a few rays, not the disc's 629: the kernel is given
    samples to compute on those rays only."""
    dem, gx, gy = hills()
    seen = []
    kernel = kernels.sweep

    def spy(zp, used, *args):
        seen.append(int(used.any(axis=1).sum()))
        return kernel(zp, used, *args)

    monkeypatch.setattr(terrain, "_ACTIVE", [kernels])
    monkeypatch.setattr(kernels, "sweep", spy)
    x0, y0 = 503_600.0, 2_003_600.0
    terrain.terrain_points(dem, x0, y0, 30.0, 1.5, 1800.0, x0 + np.arange(1, 11) * 90.0,
                           np.full(10, y0), 3000.0, 30.0)
    assert seen[-1] == 1  # due east, every point on one ray


@pytest.fixture(scope="module")
def sample():
    warnings.simplefilter("ignore")
    return cg.load_project()


@pytest.mark.parametrize("case", ["dem", "flat", "landcover", "environment_per_pixel",
                                  "single_edge"])
def test_masks_at_grid_cells_equal_the_whole_grid(sample, case):
    """covered_at at 3,000 random grid cells of the sample gives compute_coverage's masks
    there (every technology, mobile broadband, per operator): with the DEM, on flat
    ground, with the land cover (loss, then environment per pixel) and with the single
    knife edge."""
    params = cov.CoverageParams.from_scenario(sample.scenario.parameters)
    dem = None if case == "flat" else sample.dem
    landcover = sample.landcover if case in ("landcover", "environment_per_pixel") else None
    assert case == "flat" or dem is not None
    assert landcover is not None or case not in ("landcover", "environment_per_pixel")
    if case == "environment_per_pixel":
        params = replace(params, clutter={"environment_per_pixel": True})
    if case == "single_edge":
        params = replace(params, terrain_method="single")
    res = cov.compute_coverage(sample.sites, sample.hamlets, dem, params, landcover=landcover)
    rng = np.random.default_rng(2)
    rows = rng.integers(0, res.grid.height, 3000)
    cols = rng.integers(0, res.grid.width, 3000)
    got = cov.covered_at(res.cells, res.grid, rows, cols, res.dem_grid, params,
                         clutter=cov.clutter_grids(res.landcover, res.grid, params))
    assert set(got) == set(res.covered)
    for key, mask in got.items():
        assert np.array_equal(mask, res.covered[key][rows, cols]), key
    assert 0 < got["mobile_broadband"].sum() < len(rows)  # a case that can fail


def test_points_sweep_only_the_rings_they_are_in(sample):
    """At scattered grid cells a mast's near ring (to its range, at the grid's step) is swept
    only for the cells within it and the far ring (to its reach, coarser) only for those
    beyond: households all near a candidate site cost one sweep, not two; both rings give
    the whole grid's masks (above)."""
    params = cov.CoverageParams.from_scenario(sample.scenario.parameters)
    res = cov.compute_coverage(sample.sites, sample.hamlets, sample.dem, params)
    # a 4G cell whose range ends inside the grid
    cells = res.cells[res.cells["technology"] == "4G"].iloc[[0]].reset_index(drop=True)
    _, terrain_m, corner_m = cov.mast_windows(cells, res.grid)
    near_m, far_m = terrain_m[0]
    far_m = min(far_m, corner_m[0])
    x0, y0 = cells.geometry.x.iat[0], cells.geometry.y.iat[0]
    gx, gy = np.meshgrid(res.grid.x, res.grid.y)
    d = np.hypot(gx - x0, gy - y0)
    assert far_m > near_m + 3 * res.grid.resolution_m  # the case has two rings
    sweeps = []
    for sel in (d <= near_m - 50, (d > near_m + 50) & (d <= far_m), d <= far_m):
        rows, cols = np.nonzero(sel)
        assert rows.size
        before = terrain.sweep_count()
        cov.covered_at(cells, res.grid, rows, cols, res.dem_grid, params,
                       terrain_m=terrain_m, corner_m=corner_m)
        sweeps.append(terrain.sweep_count() - before)
    assert sweeps == [1, 1, 2]
