"""Issue 10 part 7 without timings (speed is measured in benchmarks/bench_splat.py): a site's
terrain is swept once (not once per output, not once per sector of a mast), the fast sweep
gives what the previous exhaustive one gave, and the numba kernels are cached.

References, none of them the code under test:

- the previous algorithm written out in plain numpy: every profile sample's diffraction
  parameter v = h sqrt(2 (d1 + d2) / (lambda d1 d2)) (ITU-R P.526-15 eq. (26), heights above
  the straight ray over an earth of radius k R, k = 4/3) for every receiver, the largest one's
  J(v) (eq. (31), :func:`knife_edge_loss_db`), minus the same over smooth earth; line of sight
  where no sample is above the ray; each grid cell from its nearest ray and sample;
- the level of a cell composed by hand from the public radio functions (path loss, antenna,
  link budget) and two separate sweeps (loss relative to smooth earth, raw loss), the way
  ``site_detail`` computed it before its sweep was shared;
- :meth:`Raster.sample` for the compiled DEM sampling.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import warnings
from unittest import mock

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from numba.core.registry import CPUDispatcher
from pyproj import CRS

import coverage_gis as cg
from coverage_gis.engines import coverage as cov
from coverage_gis.engines import levels
from coverage_gis.io.readers import Raster
from coverage_gis.radio import antenna, kernels, linkbudget, pathloss, terrain
from coverage_gis.radio.terrain import knife_edge_loss_db

UTM = "EPSG:32648"
C = 299_792_458.0
K = 4.0 / 3.0
R_E = 6_371_000.0


@pytest.fixture(scope="module")
def sample():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cg.load_project()


# --------------------------------------------------------------------------------------------
# the previous algorithm, written out


def exhaustive_rays(dem: Raster, x0: float, y0: float, h_tx: float, h_rx: float, f_mhz: float,
                    radius: float, step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw loss (dB), line of sight and smooth-earth loss of every ray sample, exhaustively."""
    n_rays = max(8, math.ceil(2 * math.pi * radius / step))
    m = math.ceil(radius / step - 1e-9) + 1
    d = np.arange(m) * step
    theta = np.arange(n_rays) * (2 * math.pi / n_rays)
    ground = dem.sample(x0 + np.sin(theta)[:, None] * d, y0 + np.cos(theta)[:, None] * d)
    site = float(dem.sample(np.array([x0]), np.array([y0]))[0])
    ground = np.where(np.isnan(ground), site, ground)
    ground[:, 0] = site
    lam = C / (f_mhz * 1e6)

    def one_ray(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(raw loss, los) per receiver j for ground heights g along one ray."""
        j = np.arange(m)[:, None]
        i = np.arange(m)[None, :]
        between = (i > 0) & (i < j)
        d1, d2 = i * step, (j - i) * step
        with np.errstate(divide="ignore", invalid="ignore"):
            ray = (g[0] + h_tx) + ((g + h_rx)[:, None] - (g[0] + h_tx)) * i / j
            bulge = d1 * d2 / (2 * K * R_E)
            h = g[None, :] + bulge - ray
            v = h * np.sqrt(2 * (d1 + d2) / (lam * d1 * d2))
        v = np.where(between, v, -np.inf)
        h = np.where(between, h, -np.inf)
        loss = np.asarray(knife_edge_loss_db(v.max(axis=1)), dtype=np.float64)
        return np.where(np.isfinite(loss), loss, 0.0), h.max(axis=1) <= 0.0

    raw = np.zeros((n_rays, m))
    los = np.zeros((n_rays, m), dtype=bool)
    for r in range(n_rays):
        raw[r], los[r] = one_ray(ground[r])
    smooth, _ = one_ray(np.zeros(m))
    return raw, los, smooth


def to_grid(values: np.ndarray, x0: float, y0: float, gx: np.ndarray, gy: np.ndarray,
            radius: float, step: float, outside: float | bool) -> np.ndarray:
    """Each grid cell takes its nearest ray (by bearing from north) and sample (by distance)."""
    n_rays, m = values.shape
    dx, dy = gx[None, :] - x0, gy[:, None] - y0
    dist = np.hypot(dx, dy)
    ray = np.rint((np.arctan2(dx, dy) % (2 * math.pi)) * (n_rays / (2 * math.pi))).astype(int)
    sample = np.minimum(np.rint(dist / step).astype(int), m - 1)
    return np.where(dist <= radius, values[ray % n_rays, sample], outside)


def check_against_exhaustive(dem: Raster, x0: float, y0: float, radius: float,
                             step: float, h_tx: float = 35.0, f_mhz: float = 1800.0) -> None:
    gx = np.arange(x0 - radius - step, x0 + radius + step, step) + 0.37 * step
    gy = (np.arange(y0 - radius - step, y0 + radius + step, step) + 0.21 * step)[::-1]
    raw, los, smooth = exhaustive_rays(dem, x0, y0, h_tx, 1.5, f_mhz, radius, step)
    excess = raw.astype(np.float32) - smooth.astype(np.float32)
    excess[excess < 1e-6] = 0.0
    want_loss = to_grid(excess, x0, y0, gx, gy, radius, step, np.nan)
    want_raw = to_grid(raw, x0, y0, gx, gy, radius, step, np.nan)
    want_los = to_grid(los, x0, y0, gx, gy, radius, step, False)
    inside = np.isfinite(want_loss)
    # the case is a real test: obstructed and clear paths, Fresnel-zone intrusions, both
    assert 0.1 < want_los[inside].mean() < 0.9
    assert 0.05 < (want_raw[inside] > 0).mean() and (want_raw[inside] == 0).any()

    got = terrain.terrain_grids(dem, x0, y0, h_tx, 1.5, f_mhz, gx, gy, radius)
    np.testing.assert_array_equal(np.isnan(got.loss_db), ~inside)
    assert np.nanmax(np.abs(got.loss_db - want_loss)) <= 1e-4
    np.testing.assert_array_equal(got.los, want_los)
    np.testing.assert_array_equal(got.fresnel_clear, inside & (want_raw == 0.0))
    raw_grid, _ = terrain.terrain_loss_grid(dem, x0, y0, h_tx, 1.5, f_mhz, gx, gy, radius,
                                            subtract_smooth_earth=False)
    assert np.nanmax(np.abs(raw_grid - want_raw)) <= 1e-4
    np.testing.assert_array_equal(
        terrain.line_of_sight_grid(dem, x0, y0, h_tx, 1.5, gx, gy, radius), want_los)


def test_sweep_equals_the_exhaustive_scan_at_30_m(sample):
    dem = sample.dem  # 30 m, in the project's UTM zone
    x0, y0 = 585_400.0, 2_221_300.0  # at the foot of the hills north-west of the commune
    check_against_exhaustive(dem, x0, y0, 3000.0, 30.0)


def test_sweep_equals_the_exhaustive_scan_at_10_m(sample):
    dem = sample.dem.reproject(sample.dem.crs, 10.0)
    check_against_exhaustive(dem, 585_400.0, 2_221_300.0, 1200.0, 10.0, h_tx=25.0,
                             f_mhz=2600.0)


def test_sweep_equals_the_exhaustive_scan_on_flat_integer_terraces():
    """Runs of equal heights (SRTM's integer metres over paddy land): in the earth-curved frame
    every sample of a run is on the profile's upper hull, and equal values tie."""
    res = 20.0
    n = 260
    c = (np.arange(n) + 0.5) * res
    xx, yy = np.meshgrid(c, c[::-1])
    z = np.floor(4.0 + 60.0 * np.exp(-((xx - 3400) ** 2 + (yy - 2000) ** 2) / 400.0**2)
                 + 25.0 * (np.sin(xx / 500.0) > 0.5))
    dem = Raster(z.astype(np.float32), Affine(res, 0, 0, 0, -res, n * res), CRS.from_epsg(32648))
    check_against_exhaustive(dem, 2600.0, 2600.0, 2000.0, res, h_tx=20.0)


# --------------------------------------------------------------------------------------------
# one sweep per site


def hand_site_detail(detail: dict, dem: Raster, params: cov.CoverageParams
                     ) -> dict[str, np.ndarray]:
    """The site's rasters as site_detail computed them before: two sweeps (loss relative to
    smooth earth; raw loss for the Fresnel mask), the level composed from the radio functions
    over the whole window at once (the scenario's diffraction method; the Hata family's mast
    at its effective height towards each cell, from a third sweep)."""
    cell, own = detail["cell"], detail["grid"]
    x0, y0 = cell.geometry.x, cell.geometry.y
    h, f = float(cell["height_m"]), float(cell["band_mhz"])
    gx, gy = own.x, own.y
    radius = max(float(cell["reach_m"]), own.resolution_m)
    method = params.terrain_method
    t_loss, los = terrain.terrain_loss_grid(dem, x0, y0, h, params.ue_height_m, f, gx, gy,
                                            radius, method=method)
    raw, _ = terrain.terrain_loss_grid(dem, x0, y0, h, params.ue_height_m, f, gx, gy, radius,
                                       method=method, subtract_smooth_earth=False)
    h_eff = terrain.terrain_grids(dem, x0, y0, h, params.ue_height_m, f, gx, gy, radius,
                                  method=method, effective_height=True).h_eff_m
    if params.effective_height and pathloss.takes_effective_height(cell["model"]):
        h = np.nan_to_num(h_eff, nan=h)
    dist = np.hypot(gx[None, :] - x0, gy[:, None] - y0)
    ground0 = float(np.nan_to_num(dem.sample(np.array([x0]), np.array([y0]))[0]))
    ground = dem.sample(*np.meshgrid(gx, gy))
    ground = np.where(np.isnan(ground), ground0, ground)
    loss = pathloss.engine_path_loss(cell["model"], dist, f, h, params.ue_height_m)
    h = float(cell["height_m"])  # the antenna's own height for its pattern
    gain = antenna.sector_gain_db(
        antenna.bearing_deg(x0, y0, gx[None, :], gy[:, None]), float(cell["azimuth_deg"]),
        antenna.elevation_deg(np.maximum(dist, 1.0), (ground0 + h) - (ground + params.ue_height_m)),
        float(cell["tilt_deg"]), beamwidth_deg=float(cell["beamwidth_deg"]))
    level = linkbudget.rsrp_dbm(float(cell["eirp_re_dbm"]), loss, gain,
                                np.nan_to_num(t_loss, nan=0.0), params.body_loss_db,
                                params.indoor_loss_db if params.indoor else 0.0)
    level = np.where(dist <= float(cell["reach_m"]), level, np.nan).astype(np.float32)
    inside = np.isfinite(level)
    return {"level_dbm": level,
            "path_loss_db": np.where(inside, loss, np.nan).astype(np.float32),
            "los": np.where(inside, los, False),
            "fresnel_clear": inside & (np.nan_to_num(raw, nan=np.inf) <= 0.0)}


def test_site_detail_sweeps_once_and_keeps_its_levels(sample, monkeypatch):
    """One sweep gives the level's loss, line of sight and the Fresnel mask; the levels equal
    the two-sweep, whole-window computation to 1e-9 dB (computed in blocks of rows in threads
    here: the block size is made small)."""
    monkeypatch.setattr(cov, "_BLOCK_CELLS", 4096)
    params = cov.CoverageParams.from_scenario(sample.scenario.parameters)
    before = terrain.sweep_count()
    with mock.patch.object(terrain, "_sweep_grid", wraps=terrain._sweep_grid) as sweep:
        detail = cov.site_detail(sample.sites, "VTL-THA-1042-4G1800-1", sample.hamlets,
                                 sample.dem, params)
    assert sweep.call_count == 1
    assert terrain.sweep_count() - before == 1
    want = hand_site_detail(detail, sample.dem, params)
    level = detail["level_dbm"]
    assert level.shape[0] * level.shape[1] > 20 * 4096  # many blocks
    np.testing.assert_array_equal(np.isnan(level), np.isnan(want["level_dbm"]))
    assert np.nanmax(np.abs(level.astype(float) - want["level_dbm"])) <= 1e-9
    assert np.nanmax(np.abs(detail["path_loss_db"].astype(float) - want["path_loss_db"])) <= 1e-9
    np.testing.assert_array_equal(detail["los"], want["los"])
    np.testing.assert_array_equal(detail["fresnel_clear"], want["fresnel_clear"])
    inside = np.isfinite(level)
    assert 0.0 < want["fresnel_clear"][inside].mean() < want["los"][inside].mean() < 1.0


def hilly(x0: float, y0: float, res: float = 30.0, half: float = 6000.0) -> Raster:
    n = int(2 * half / res)
    c = (np.arange(n) + 0.5) * res - half
    xx, yy = np.meshgrid(c + x0, (c + y0)[::-1])
    z = (8.0 + 90.0 * np.exp(-((xx - x0 - 1500) ** 2 + (yy - y0 - 800) ** 2) / 600.0**2)
         + 60.0 * np.exp(-((xx - x0 + 2000) ** 2 + (yy - y0 + 1200) ** 2) / 900.0**2))
    return Raster(z.astype(np.float32), Affine(res, 0, x0 - half, 0, -res, y0 + half),
                  CRS.from_user_input(UTM))


def sector_cells(x: float, y: float, azimuths: list[float], ids: list[str]
                 ) -> gpd.GeoDataFrame:
    n = len(azimuths)
    return gpd.GeoDataFrame(
        {"site_id": ids, "operator": "Viettel", "technology": "4G", "band_mhz": 1800.0,
         "bandwidth_mhz": 20.0, "height_m": 30.0, "azimuth_deg": azimuths,
         "beamwidth_deg": 65.0, "tilt_deg": 3.0, "eirp_dbm": 61.0, "status": "existing",
         "tower_id": None, "defaulted": ""},
        geometry=[shapely.Point(x, y)] * n, crs=UTM)


def square_hamlet(x: float, y: float) -> gpd.GeoDataFrame:
    """One hamlet, the 5 km square around (x, y): the study area of the one-mast cases."""
    return gpd.GeoDataFrame({"hamlet_id": ["A"], "name": ["a"]},
                            geometry=[shapely.box(x - 2500, y - 2500, x + 2500, y + 2500)],
                            crs=UTM)


def test_sectors_of_one_mast_share_its_sweep():
    x0, y0 = 600_000.0, 2_218_000.0
    dem = hilly(x0, y0)
    hamlets = square_hamlet(x0, y0)
    params = cov.CoverageParams(max_range_m=3000.0)

    def run(cells: gpd.GeoDataFrame) -> tuple[int, cov.CoverageResult]:
        before = terrain.sweep_count()
        result = cov.compute_coverage(cells, hamlets, dem, params)
        return terrain.sweep_count() - before, result

    azimuths = [0.0, 120.0, 240.0]
    alone = [run(sector_cells(x0, y0, [a], [f"S{a:.0f}"])) for a in azimuths]
    n_one = alone[0][0]
    assert n_one >= 1 and all(n == n_one for n, _ in alone)
    n_three, together = run(sector_cells(x0, y0, azimuths, ["S0", "S120", "S240"]))
    assert n_three == n_one  # one mast: its sectors share the sweep
    two_masts = sector_cells(x0, y0, azimuths, ["S0", "S120", "S240"])
    other = sector_cells(x0 + 900.0, y0 - 400.0, [60.0], ["T60"])
    n_two, _ = run(gpd.GeoDataFrame(pd.concat([two_masts, other], ignore_index=True),
                                    geometry="geometry", crs=UTM))
    assert n_two == 2 * n_one
    # sharing changes nothing: the best of the three is the best of each computed alone
    best = np.fmax.reduce([r.level_dbm["4G"] for _, r in alone])
    np.testing.assert_array_equal(together.level_dbm["4G"], best)


@pytest.mark.parametrize("dem_on", [True, False])
def test_sectors_of_one_mast_share_its_path_loss(monkeypatch, dem_on):
    """The path loss, elevation angles and building entry loss of a mast's grid cells are
    computed once for its sectors of one model, band, height and reach (they differ only in
    azimuth), not once per sector; a sector of another height gets its own; and the levels
    are those of each sector computed alone (indoors, P.2109 by elevation: shared too)."""
    x0, y0 = 600_000.0, 2_218_000.0
    dem = hilly(x0, y0) if dem_on else None
    hamlets = square_hamlet(x0, y0)
    params = cov.CoverageParams(max_range_m=3000.0, indoor=True)
    calls = []
    path_loss = levels.path_loss_db

    def counted(cell, *args, **kwargs):
        calls.append(float(cell["height_m"]))
        return path_loss(cell, *args, **kwargs)

    monkeypatch.setattr(levels, "path_loss_db", counted)

    def run(cells: gpd.GeoDataFrame) -> tuple[int, cov.CoverageResult]:
        calls.clear()
        result = cov.compute_coverage(cells, hamlets, dem, params)
        return len(calls), result

    azimuths = [0.0, 120.0, 240.0]
    alone = [run(sector_cells(x0, y0, [a], [f"S{a:.0f}"])) for a in azimuths]
    n_one = alone[0][0]
    assert n_one >= 1 and all(n == n_one for n, _ in alone)
    n_three, together = run(sector_cells(x0, y0, azimuths, ["S0", "S120", "S240"]))
    assert n_three == n_one
    best = np.fmax.reduce([r.level_dbm["4G"] for _, r in alone])
    np.testing.assert_array_equal(together.level_dbm["4G"], best)
    taller = sector_cells(x0, y0, azimuths, ["S0", "S120", "S240"])
    taller.loc[2, "height_m"] = 45.0
    n_mixed, _ = run(taller)
    assert n_mixed == 2 * n_one


def test_cells_go_mast_by_mast_whatever_the_table_order(monkeypatch):
    """A table listing the sectors of two masts alternately (A, B, A, B, A, B) keeps one
    mast's terrain and shared levels at a time (the cells are taken mast by mast), and gives
    the best of each sector computed alone, with the best server's index."""
    x0, y0 = 600_000.0, 2_218_000.0
    dem = hilly(x0, y0)
    hamlets = square_hamlet(x0, y0)
    params = cov.CoverageParams(max_range_m=3000.0)
    a = sector_cells(x0, y0, [0.0, 120.0, 240.0], ["A0", "A120", "A240"])
    b = sector_cells(x0 + 900.0, y0 - 400.0, [60.0, 180.0, 300.0], ["B60", "B180", "B300"])
    cells = gpd.GeoDataFrame(pd.concat([a.iloc[[0]], b.iloc[[0]], a.iloc[[1]], b.iloc[[1]],
                                        a.iloc[[2]], b.iloc[[2]]], ignore_index=True),
                             geometry="geometry", crs=UTM)
    held = []
    cell_level = cov._cell_level

    def spy(cell, grid, rows, cols, dem_, params_, cache, *args, **kwargs):
        out = cell_level(cell, grid, rows, cols, dem_, params_, cache, *args, **kwargs)
        held.append(len(cache))
        return out

    monkeypatch.setattr(cov, "_cell_level", spy)
    together = cov.compute_coverage(cells, hamlets, dem, params)
    assert len(held) == 6 and max(held) == 1
    alone = np.stack([cov.compute_coverage(cells.iloc[[i]], hamlets, dem, params)
                      .level_dbm["4G"] for i in range(len(cells))])
    np.testing.assert_array_equal(together.level_dbm["4G"], np.fmax.reduce(alone))
    reached = np.isfinite(alone).any(axis=0)
    best = np.argmax(np.where(np.isfinite(alone), alone, -np.inf), axis=0)
    np.testing.assert_array_equal(together.server["4G"][reached], best[reached])


def test_a_tie_goes_to_the_lower_cell_index_in_any_order():
    """Two cells of equal level at a grid cell: the lower index serves, whichever comes
    first (so that taking the cells mast by mast changes nothing)."""
    cell = {"technology": "4G", "operator": "Viettel"}
    for order in ([1, 2], [2, 1]):
        level = {"4G": np.full((1, 3), np.nan, dtype=np.float32)}
        server = {"4G": np.full((1, 3), -1, dtype=np.int32)}
        op_best = {("Viettel", "4G"): np.full((1, 3), np.nan, dtype=np.float32)}
        for cid in order:
            lvl = np.array([[-90.0, -95.0 if cid == 1 else -80.0, np.nan]], dtype=np.float32)
            cov._keep_best(level, server, op_best, (slice(None), slice(None)), lvl, cell, cid)
        assert server["4G"].tolist() == [[1, 2, -1]]
        assert level["4G"][0, :2].tolist() == [-90.0, -80.0]


# --------------------------------------------------------------------------------------------
# compiled DEM sampling, numba's cache


def test_compiled_dem_sampling_is_raster_sample(sample):
    dem = sample.dem
    data = dem.data.copy()
    data[100:140, 200:260] = np.nan  # a nodata hole
    holed = Raster(data, dem.transform, dem.crs, "holed")
    left, bottom, right, top = holed.bounds
    gx = np.linspace(left - 95.0, right + 95.0, 413)  # beyond the edges too
    gy = np.linspace(top + 70.0, bottom - 70.0, 377)
    want = holed.sample(*np.meshgrid(gx, gy))
    got = terrain.sample_grid(holed, gx, gy, -7.5)
    np.testing.assert_array_equal(got, np.where(np.isnan(want), -7.5, want))
    assert np.isnan(want).any() and np.isfinite(want).any()


def test_numba_kernels_are_cached_and_the_sweep_is_parallel():
    found = [k for k in vars(kernels).values() if isinstance(k, CPUDispatcher)]
    assert len(found) >= 10
    assert kernels.NUMBA_CACHE is True
    for k in found:
        assert type(k._cache).__name__ == "FunctionCache", k.py_func.__name__
    for k in (kernels.sweep, kernels.cell_rays, kernels.ray_ground, kernels.gather):
        assert k.targetoptions.get("parallel") is True


FALLBACK = textwrap.dedent("""
    import os
    import tempfile
    import numba.core.caching as caching

    real = caching._CacheLocator.ensure_cache_path

    fallback = os.path.join(tempfile.gettempdir(), "coverage-gis-numba-")

    def read_only(self):  # every folder is read-only but the fallback ({mode})
        if "{mode}" == "none" or not self.get_cache_path().startswith(fallback):
            raise PermissionError("read-only file system")
        return real(self)

    caching._CacheLocator.ensure_cache_path = read_only
    import numba
    from coverage_gis.radio import kernels
    print(kernels.NUMBA_CACHE, numba.config.CACHE_DIR or "-",
          getattr(kernels.sweep._cache, "_cache_path", "-"))
""")


@pytest.mark.parametrize("mode", ["temp", "none"])
def test_read_only_install_falls_back(mode):
    """With the package folder and the user's cache folder read-only, numba would refuse
    cache=True at import; the kernels are then cached in a temporary folder, or compiled
    in memory when nothing is writable: importing never fails."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", FALLBACK.format(mode=mode)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    cached, cache_dir, path = out.stdout.split()
    if mode == "temp":
        assert cached == "True"
        assert "coverage-gis-numba-" in cache_dir
        assert path.startswith(cache_dir)
    else:
        assert cached == "False"
