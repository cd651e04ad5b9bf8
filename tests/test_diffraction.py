"""Issue 10 parts 2 and 3: delta-Bullington diffraction (the default), the effective antenna
height of the Hata family, and TR 38.901 LOS or NLOS per pixel from the terrain.

References, none of them the code under test:

- the validation examples of ITU-R P.1812-6 published with the ITU-R WP 3K reference
  implementation (``tests/fixtures/itu_p1812/``: profiles, and the results' ``Lbulla`` and
  ``Lbulls`` quoted below);
- pycraf 2.1.0's ITU-R P.452-16 (``tests/fixtures/p452_pycraf/``: profiles of the sample's DEM,
  pycraf's values quoted below, computed in a separate environment);
- hand computations: a single knife edge, two edges (the Bullington point as the meeting of
  the two horizon lines, drawn in plain coordinates), the effective height over a ridge, the
  TR 38.901 and Extended Hata formulas of the model functions for the per-pixel choices;
- for the radial sweep: the per-profile functions applied to every ray's samples.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS

from coverage_gis.config import settings
from coverage_gis.engines import coverage as cov
from coverage_gis.io.readers import Raster
from coverage_gis.radio import pathloss, terrain
from coverage_gis.radio.terrain import (
    bullington_correction_db,
    bullington_loss_db,
    effective_height_m,
    knife_edge_loss_db,
    profile_loss_db,
)

FIXTURES = Path(__file__).parent / "fixtures"
UTM = "EPSG:32648"
C = 299_792_458.0
K = 4.0 / 3.0
R_E = 6_371_000.0


def read_profiles(path: Path, distance: str, factor: float) -> dict[str, dict[str, np.ndarray]]:
    out: dict[str, dict[str, list[float]]] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            p = out.setdefault(row["profile"], {"d": [], "h": [], "r": []})
            p["d"].append(float(row[distance]) * factor)
            p["h"].append(float(row["h_m"]))
            p["r"].append(float(row.get("r_m") or 0.0))
    return {k: {c: np.array(v) for c, v in p.items()} for k, p in out.items()}


# --------------------------------------------------------------------------------------------
# Bullington on one profile


# name: (f MHz, h_tg m, h_rg m, a_e km, h_std m, h_srd m, Lbulla dB, Lbulls dB), from the
# examples' validation_results/<name>_1.csv (P.1812-6 reference implementation, WP 3K)
ITU_P1812 = {
    "b2iseac_rural_land_1km": (95.3, 60, 7, 8930.776786, 754.4, 610.3, 15.34252882, 0.0),
    "b2iseac_rural_land_10km": (95.3, 60, 7, 8930.776786, 537.65013, 206.91287, 28.49553647,
                                0.0),
    "b2iseac_rural_land_100km": (95.3, 60, 7, 8930.776786, 181.6132838, -82.6184838,
                                 10.18498811, 1.848503376),
    "rburg_rural_noclutter": (98.2, 12, 19, 8930.776786, 362.5381701, 495.9202499,
                              35.86385024, 22.040605),
}


@pytest.mark.parametrize("name", sorted(ITU_P1812))
def test_bullington_matches_the_itu_p1812_validation_examples(name):
    profile = read_profiles(FIXTURES / "itu_p1812" / "profiles.csv", "d_km", 1000.0)[name]
    f, htg, hrg, a_e, hstd, hsrd, lbulla, lbulls = ITU_P1812[name]
    d, h = profile["d"], profile["h"]
    g = h + profile["r"]  # P.1812: clutter on the intermediate points, not under the antennas
    g[0], g[-1] = h[0], h[-1]
    k = a_e / 6371.0
    actual = bullington_loss_db(d, g, htg, hrg, f, k)
    # the smooth profile: every height 0, the antennas at their height above the smooth
    # surface (P.1812 sect. 4.3.4)
    smooth = bullington_loss_db(d, np.zeros_like(g), h[0] + htg - hstd, h[-1] + hrg - hsrd, f, k)
    # the reference code takes lambda = 0.2998 / f (GHz), this one c / f: 1e-4 dB apart
    assert actual.loss_db == pytest.approx(lbulla, abs=2e-3)
    assert smooth.loss_db == pytest.approx(lbulls, abs=2e-3)


# name: (nu_bull_50, nu_bull_zh_50, h_std m, h_srd m, L_d50 dB) of pycraf 2.1.0 (P.452-16)
PYCRAF = {
    "toward_qt04": (18.964071913440357, -9.26821781935822, -21.889513829052447,
                    -51.15110183479207, 48.462732905141635),
    "qt04_plus5": (6.042000059098514, -4.476383951524313, -15.029718600000004, -16.4784014,
                   38.43249519461786),
    "qt04_minus8": (12.664118139856894, -7.568473480076203, -24.443084854470502,
                    -39.8043459079295, 44.93712398916075),
    "north_hills": (28.438664643824136, -4.640131353775174, -22.58036797154029,
                    -35.81053202845966, 52.08161709291968),
    "south_plain": (-0.8103657916242013, -0.882697667032248, 4.007352091721279,
                    5.792931335278723, 0.0),
}


@pytest.mark.parametrize("name", sorted(PYCRAF))
def test_bullington_matches_pycraf_on_sample_profiles(name):
    profile = read_profiles(FIXTURES / "p452_pycraf" / "sample_profiles.csv", "d_m", 1.0)[name]
    nu, nu_zh, hstd, hsrd, ld50 = PYCRAF[name]
    d, g = profile["d"], profile["h"]
    actual = bullington_loss_db(d, g, 36.0, 1.5, 1800.0)
    smooth = bullington_loss_db(d, np.zeros_like(g), g[0] + 36.0 - hstd, g[-1] + 1.5 - hsrd,
                                1800.0)
    assert actual.v == pytest.approx(nu, abs=1e-3)
    assert smooth.v == pytest.approx(nu_zh, abs=1e-3)
    # the smooth part is 0 on these short paths (nu_zh < -0.78): pycraf's whole
    # delta-Bullington loss is the actual profile's Bullington loss
    assert smooth.loss_db == 0.0
    assert actual.loss_db == pytest.approx(ld50, abs=0.01)


def test_one_knife_edge_is_its_own_bullington_point():
    # 10 km at 900 MHz, flat ground at 0 m but a 60 m edge 4 km from a 30 m mast, 1.5 m terminal
    d = np.arange(0.0, 10_001.0, 100.0)
    g = np.zeros_like(d)
    g[40] = 60.0
    lam = C / 900e6  # 0.33310 m
    bulge = 4000 * 6000 / (2 * K * R_E)  # 1.4127 m
    h = 60.0 + bulge - (30.0 + (1.5 - 30.0) * 0.4)  # 42.81 m above the direct ray
    v = h * math.sqrt(2 * 10_000 / (lam * 4000 * 6000))  # 2.1414
    j = 6.9 + 20 * math.log10(math.sqrt((v - 0.1) ** 2 + 1) + v - 0.1)  # 19.60 dB
    lbull = j + (1 - math.exp(-j / 6)) * (10 + 0.02 * 10)  # 29.41 dB
    b = bullington_loss_db(d, g, 30.0, 1.5, 900.0)
    assert not b.los and b.edges == (40,)
    assert b.v == pytest.approx(v, rel=1e-9)
    assert b.luc_db == pytest.approx(j, abs=1e-9)
    assert b.loss_db == pytest.approx(lbull, abs=1e-9)
    assert b.loss_db == pytest.approx(29.41, abs=0.005)
    # the equivalent edge is the single knife edge of P.526
    single = profile_loss_db(d, g, 30.0, 1.5, 900.0, method="single",
                             subtract_smooth_earth=False)
    assert b.luc_db == pytest.approx(single.raw_loss_db, abs=1e-9)
    assert float(bullington_correction_db(0.0, 5000.0)) == 0.0


def test_two_edges_by_the_horizon_lines():
    # the same path with a 50 m edge at 3 km and a 45 m edge at 7 km
    d = np.arange(0.0, 10_001.0, 100.0)
    g = np.zeros_like(d)
    g[30], g[70] = 50.0, 45.0
    lam = C / 900e6
    a_e = K * R_E

    def top(x: float, height: float) -> float:  # height above the chord's frame, m
        return height + x * (10_000 - x) / (2 * a_e)  # + 1.2361 m at 3 and 7 km

    # horizon of the mast (0, 30): through the 3 km edge (slope 7.079 m/km; the 7 km edge
    # is seen under 2.319 m/km); horizon of the terminal (10 km, 1.5): through the 7 km edge
    # (14.912 m/km against 7.105 for the other): the two lines meet at x = 5485 m, y = 68.83 m
    s_t = (top(3000, 50) - 30.0) / 3000
    s_r = (top(7000, 45) - 1.5) / 3000
    assert s_t > (top(7000, 45) - 30.0) / 7000 and s_r > (top(3000, 50) - 1.5) / 7000
    x = (1.5 + s_r * 10_000 - 30.0) / (s_t + s_r)
    y = 30.0 + s_t * x
    h = y - (30.0 + (1.5 - 30.0) * x / 10_000)  # 54.46 m above the direct ray
    v = h * math.sqrt(2 * 10_000 / (lam * x * (10_000 - x)))  # 2.682
    j = float(knife_edge_loss_db(v))  # 21.47 dB
    b = bullington_loss_db(d, g, 30.0, 1.5, 900.0)
    assert x == pytest.approx(5485.0, abs=1.0) and y == pytest.approx(68.83, abs=0.01)
    assert b.edges == (30, 70)
    assert b.v == pytest.approx(v, rel=1e-9)
    assert b.loss_db == pytest.approx(j + (1 - math.exp(-j / 6)) * 10.2, abs=1e-9)
    assert b.loss_db == pytest.approx(31.38, abs=0.005)
    # more than the dominant edge alone (J = 18.78 dB at the 7 km edge)
    single = profile_loss_db(d, g, 30.0, 1.5, 900.0, method="single",
                             subtract_smooth_earth=False)
    assert single.raw_loss_db == pytest.approx(18.78, abs=0.01)
    assert b.luc_db > single.raw_loss_db + 2.5


def test_clear_path_takes_the_largest_v_and_smooth_earth_is_subtracted():
    # flat earth, 10 km at 900 MHz, 30 m and 1.5 m: clear, the terminal's own Fresnel zone
    # grazes the ground: P.1812 case 1
    d = np.arange(0.0, 10_001.0, 100.0)
    flat = bullington_loss_db(d, np.zeros_like(d), 30.0, 1.5, 900.0)
    assert flat.los
    i = flat.edges[0]
    x = d[i]
    h = x * (10_000 - x) / (2 * K * R_E) - (30.0 + (1.5 - 30.0) * x / 10_000)
    v = h * math.sqrt(2 * 10_000 / (C / 900e6 * x * (10_000 - x)))
    assert flat.v == pytest.approx(v, rel=1e-9)
    assert flat.loss_db == pytest.approx(
        float(bullington_correction_db(float(knife_edge_loss_db(v)), 10_000.0)), abs=1e-9)
    assert flat.loss_db > 5.0  # smooth earth costs Bullington this much at 10 km
    # relative to smooth earth: a flat profile at any height costs nothing, the edge its excess
    res = profile_loss_db(d, np.full_like(d, 25.0), 30.0, 1.5, 900.0, method="delta_bullington")
    assert res.loss_db == 0.0 and res.los
    g = np.zeros_like(d)
    g[40] = 60.0
    res = profile_loss_db(d, g, 30.0, 1.5, 900.0, method="delta_bullington")
    assert res.raw_loss_db == pytest.approx(29.4096, abs=1e-3)
    assert res.smooth_loss_db == pytest.approx(flat.loss_db, abs=1e-12)
    assert res.loss_db == pytest.approx(res.raw_loss_db - flat.loss_db, abs=1e-12)


def test_delta_bullington_is_the_default():
    assert settings.TERRAIN_METHOD == "delta_bullington"
    assert cov.CoverageParams().terrain_method == "delta_bullington"
    assert set(settings.TERRAIN_METHODS) == {"delta_bullington", "single", "deygout"}


# --------------------------------------------------------------------------------------------
# the radial sweep against the per-profile functions


def hills(seed: int = 5, res: float = 30.0, half: float = 4000.0) -> Raster:
    rng = np.random.default_rng(seed)
    c = np.arange(-half + res / 2, half, res)
    xx, yy = np.meshgrid(c, c[::-1])
    z = np.full_like(xx, 5.0)
    for _ in range(30):
        cx, cy = rng.uniform(-half, half, 2)
        z += rng.uniform(20, 150) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2)
                                           / (2 * rng.uniform(150, 700) ** 2))
    return Raster(z.astype(np.float32), Affine(res, 0, -half, 0, -res, half), CRS(UTM), "hills")


def test_sweep_equals_the_profile_functions_on_every_ray():
    dem = hills()
    x0, y0, h_tx, h_rx, f, radius, step = 130.0, -70.0, 30.0, 1.5, 1800.0, 1500.0, 30.0
    n_rays = math.ceil(2 * math.pi * radius / step)
    m = math.ceil(radius / step - 1e-9) + 1
    d = np.arange(m) * step
    theta = np.arange(n_rays) * (2 * math.pi / n_rays)
    ground = dem.sample(x0 + np.sin(theta)[:, None] * d, y0 + np.cos(theta)[:, None] * d)
    ground[:, 0] = float(dem.sample(np.array([x0]), np.array([y0]))[0])
    want = np.zeros((n_rays, m))
    want_raw = np.zeros((n_rays, m))
    want_heff = np.full((n_rays, m), h_tx)
    smooth = [0.0] + [bullington_loss_db(d[:j + 1], np.zeros(j + 1), h_tx, h_rx, f).loss_db
                      for j in range(1, m)]
    for r in range(n_rays):
        for j in range(1, m):
            raw = bullington_loss_db(d[:j + 1], ground[r, :j + 1], h_tx, h_rx, f).loss_db
            want_raw[r, j] = raw
            want[r, j] = max(raw - smooth[j], 0.0)
            want_heff[r, j] = effective_height_m(d[:j + 1], ground[r, :j + 1], h_tx)
    gx = np.arange(x0 - radius, x0 + radius, step) + 0.37 * step
    gy = (np.arange(y0 - radius, y0 + radius, step) + 0.21 * step)[::-1]
    dx, dy = gx[None, :] - x0, gy[:, None] - y0
    dist = np.hypot(dx, dy)
    ray = np.rint((np.arctan2(dx, dy) % (2 * math.pi)) * (n_rays / (2 * math.pi))).astype(int)
    sample = np.minimum(np.rint(dist / step).astype(int), m - 1)
    inside = dist <= radius

    def grid(values: np.ndarray) -> np.ndarray:
        return np.where(inside, values[ray % n_rays, sample], np.nan)

    got = terrain.terrain_grids(dem, x0, y0, h_tx, h_rx, f, gx, gy, radius,
                                method="delta_bullington", effective_height=True)
    raw, los = terrain.terrain_loss_grid(dem, x0, y0, h_tx, h_rx, f, gx, gy, radius,
                                         method="delta_bullington",
                                         subtract_smooth_earth=False)
    # a real case: obstructed and clear cells, losses on both
    assert 0.2 < (~los[inside]).mean() < 0.9
    assert (grid(want)[inside] > 0).mean() > 0.2
    np.testing.assert_array_equal(np.isnan(got.loss_db), ~inside)
    np.testing.assert_allclose(got.loss_db[inside], grid(want)[inside], atol=2e-3)
    np.testing.assert_allclose(raw[inside], grid(want_raw)[inside], atol=2e-3)
    np.testing.assert_allclose(got.h_eff_m[inside], grid(want_heff)[inside], atol=1e-3)
    # the Fresnel mask is the raw loss being 0 (P.526: every v <= -0.78)
    np.testing.assert_array_equal(got.fresnel_clear, inside & (grid(want_raw) == 0.0))


def test_flat_dem_costs_nothing_and_keeps_the_mast_height():
    half, res = 5000.0, 30.0
    n = int(2 * half / res)
    dem = Raster(np.full((n, n), 12.0, np.float32), Affine(res, 0, -half, 0, -res, half),
                 CRS(UTM), "flat")
    gx = np.arange(-half + res / 2, half, res)
    gy = gx[::-1].copy()
    got = terrain.terrain_grids(dem, 0.0, 0.0, 30.0, 1.5, 1800.0, gx, gy, 4500.0,
                                method="delta_bullington", effective_height=True)
    none = terrain.terrain_grids(None, 0.0, 0.0, 30.0, 1.5, 1800.0, gx, gy, 4500.0,
                                 method="delta_bullington", effective_height=True)
    inside = np.isfinite(got.loss_db)
    assert inside.sum() > 50_000
    assert np.all(got.loss_db[inside] == 0.0) and got.los[inside].all()
    assert np.all(got.h_eff_m[inside] == 30.0)
    for a, b in ((got.loss_db, none.loss_db), (got.los, none.los), (got.h_eff_m, none.h_eff_m)):
        np.testing.assert_array_equal(a, b)


def test_obstructed_cells_lose_more_than_with_the_single_edge():
    # issue 10: on obstructed paths delta-Bullington measured a median 7-11 dB more than the
    # single knife edge (Bullington's correction (1 - exp(-J/6)) (10 + 0.02 d) is 6.3-10 dB
    # for J from 6 to 40 dB; the smooth earth it subtracts is the same for both)
    dem = hills(seed=8)
    gx = np.arange(-3990.0, 4000.0, 30.0)
    gy = gx[::-1].copy()
    kw = {"dem": dem, "x_m": 0.0, "y_m": 0.0, "h_tx_m": 35.0, "h_rx_m": 1.5,
          "frequency_mhz": 1800.0, "grid_x_m": gx, "grid_y_m": gy, "max_radius_m": 3800.0}
    bull, los = terrain.terrain_loss_grid(**kw, method="delta_bullington")
    single, _ = terrain.terrain_loss_grid(**kw, method="single")
    hidden = np.isfinite(bull) & ~los
    assert hidden.sum() > 1000
    assert 6.0 < float(np.median(bull[hidden] - single[hidden])) < 11.0


# --------------------------------------------------------------------------------------------
# effective antenna height


def test_effective_height_by_hand():
    d = np.arange(0.0, 5001.0, 50.0)
    flat = np.full_like(d, 7.0)
    assert effective_height_m(d, flat, 30.0) == 30.0
    # a 30 m mast on a 100 m ridge 300 m wide, a plain at 0 m beyond: the average terrain
    # between 0.2 d = 1 km and d = 5 km is 0 m, so h_eff = 100 + 30 - 0 = 130 m
    ridge = np.where(d <= 300.0, 100.0, 0.0)
    assert effective_height_m(d, ridge, 30.0) == pytest.approx(130.0)
    # a receiver at 1 km: the average between 200 m and 1 km: 3 samples of 100 m (200, 250,
    # 300) among the 17 from 200 to 1000 m: 100 + 30 - 300 / 17 = 112.35 m
    near = d <= 1000.0
    assert effective_height_m(d[near], ridge[near], 30.0) == pytest.approx(130 - 300 / 17)
    # capped at 200 m (Hata's range), never below the mast's own height (valley)
    assert effective_height_m(d, np.where(d <= 300.0, 400.0, 0.0), 30.0) == 200.0
    assert effective_height_m(d, np.where(d <= 300.0, -80.0, 0.0), 30.0) == 30.0
    # 15 km or more: the terrain between 3 and 15 km (P.1546 sect. 3.2)
    far = np.arange(0.0, 20_001.0, 100.0)
    ground = np.where(far < 3000.0, 200.0, np.where(far <= 15_000.0, 50.0, 0.0))
    assert effective_height_m(far, ground, 30.0) == pytest.approx(200 + 30 - 50)


def ridge_scene() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, Raster]:
    """A 30 m omni mast on a 100 m plateau 600 m across, a plain at 0 m; a hamlet 2.5-3.5 km
    east of the mast (which the plateau does not hide: the ray from 130 m clears its edge)."""
    res, half = 30.0, 6000.0
    c = np.arange(-half + res / 2, half, res)
    xx, yy = np.meshgrid(c, c[::-1])
    z = np.where(np.hypot(xx, yy) <= 300.0, 100.0, 0.0).astype(np.float32)
    dem = Raster(z, Affine(res, 0, -half, 0, -res, half), CRS(UTM), "ridge")
    cells = gpd.GeoDataFrame(
        {"site_id": ["R1"], "operator": ["Viettel"], "technology": ["4G"], "band_mhz": [1800.0],
         "bandwidth_mhz": [20.0], "height_m": [30.0], "azimuth_deg": [np.nan],
         "beamwidth_deg": [360.0], "tilt_deg": [0.0], "eirp_dbm": [63.0],
         "status": ["existing"], "tower_id": ["T"], "defaulted": [""]},
        geometry=[shapely.Point(0.0, 0.0)], crs=UTM)
    hamlets = gpd.GeoDataFrame({"hamlet_id": ["H1"], "name": ["Thôn 1"]},
                               geometry=[shapely.box(2500.0, -500.0, 3500.0, 500.0)], crs=UTM)
    return cells, hamlets, dem


def test_a_mast_on_a_ridge_gets_its_effective_height():
    cells, hamlets, dem = ridge_scene()
    on = cov.CoverageParams(resolution_m=30.0, margin_m=0.0)
    off = cov.CoverageParams(resolution_m=30.0, margin_m=0.0, effective_height=False)
    with_h = cov.compute_coverage(cells, hamlets, dem, on)
    without = cov.compute_coverage(cells, hamlets, dem, off)
    g = with_h.grid
    row = int(np.argmin(np.abs(g.y - 15.0)))
    col = int(np.argmin(np.abs(g.x - 3000.0)))
    x, y = g.x[col], g.y[row]
    dist = math.hypot(x, y)
    gain = float(with_h.level_dbm["4G"][row, col] - without.level_dbm["4G"][row, col])
    # the terrain between 0.2 d and d is the plain: h_eff = 130 m; no terrain loss either way
    # (the ray from 130 m clears the plateau's edge; from 30 m too: the mast stands on it)
    loss = [float(pathloss.extended_hata(dist, 1800.0, h, 1.5, "suburban", validity="ignore"))
            for h in (30.0, 130.0)]
    assert loss[0] - loss[1] > 10.0  # 13.82 log10(130/30) + 6.55 log10(130/30) log10(d/1 km)
    assert gain == pytest.approx(loss[0] - loss[1], abs=1e-3)


def test_flat_terrain_is_unchanged_by_the_effective_height():
    cells, hamlets, _ = ridge_scene()
    res, half = 30.0, 6000.0
    n = int(2 * half / res)
    flat = Raster(np.full((n, n), 40.0, np.float32), Affine(res, 0, -half, 0, -res, half),
                  CRS(UTM), "flat")
    on = cov.compute_coverage(cells, hamlets, flat, cov.CoverageParams(resolution_m=30.0))
    off = cov.compute_coverage(cells, hamlets, flat,
                               cov.CoverageParams(resolution_m=30.0, effective_height=False))
    none = cov.compute_coverage(cells, hamlets, None, cov.CoverageParams(resolution_m=30.0))
    np.testing.assert_array_equal(on.level_dbm["4G"], off.level_dbm["4G"])
    np.testing.assert_allclose(on.level_dbm["4G"], none.level_dbm["4G"], atol=1e-4)


# --------------------------------------------------------------------------------------------
# TR 38.901: LOS or NLOS per pixel


def test_tr38901_los_in_front_of_a_hill_nlos_behind_it():
    # flat ground at 0 m, a 60 m wall 60 m thick at x = 1500-1560 m; a 25 m mast at x = 0 and
    # the model "uma": the pixels before the wall see the mast (LOS formula), those behind it
    # do not (NLOS formula), up to the wall's shadow
    res, half = 30.0, 4000.0
    c = np.arange(-half + res / 2, half, res)
    xx, _ = np.meshgrid(c, c[::-1])
    z = np.where((xx >= 1500.0) & (xx <= 1560.0), 60.0, 0.0).astype(np.float32)
    dem = Raster(z, Affine(res, 0, -half, 0, -res, half), CRS(UTM), "wall")
    cells = gpd.GeoDataFrame(
        {"site_id": ["U1"], "operator": ["Viettel"], "technology": ["4G"], "band_mhz": [3500.0],
         "bandwidth_mhz": [20.0], "height_m": [25.0], "azimuth_deg": [np.nan],
         "beamwidth_deg": [360.0], "tilt_deg": [0.0], "eirp_dbm": [63.0],
         "status": ["existing"], "tower_id": ["T"], "defaulted": [""]},
        geometry=[shapely.Point(0.0, 0.0)], crs=UTM)
    hamlets = gpd.GeoDataFrame({"hamlet_id": ["H1"], "name": ["Thôn 1"]},
                               geometry=[shapely.box(-2000.0, -500.0, 2500.0, 500.0)], crs=UTM)
    params = cov.CoverageParams(resolution_m=res, margin_m=0.0, model="uma",
                                level_floor_dbm=-140.0)
    detail = cov.site_detail(cells, "U1", hamlets, dem, params)
    g = detail["grid"]
    xg = g.x[None, :] + 0.0 * g.y[:, None]
    yg = g.y[:, None] + 0.0 * g.x[None, :]
    dist = np.hypot(xg, yg)
    inside = np.isfinite(detail["path_loss_db"])
    band = inside & (np.abs(yg) < 300.0) & (dist > 100.0)
    front = band & (xg < 1400.0)
    behind = band & (xg > 1700.0) & (xg < 2500.0)
    assert front.sum() > 100 and behind.sum() > 100
    assert detail["los"][front].all() and not detail["los"][behind].any()

    def uma(d: np.ndarray, los: bool) -> np.ndarray:  # the engine floors at free space
        return np.maximum(pathloss.tr38901_uma(d, 3500.0, 25.0, 1.5, los, validity="ignore"),
                          pathloss.free_space(d, 3500.0, validity="ignore"))

    loss = detail["path_loss_db"].astype(float)
    np.testing.assert_allclose(loss[front], uma(dist[front], True), atol=1e-3)
    np.testing.assert_allclose(loss[behind], uma(dist[behind], False), atol=1e-3)
    assert (uma(dist[behind], False) - uma(dist[behind], True)).min() > 5.0
    # without a DEM every pixel sees the mast: the LOS formula, as in the cell's range
    flat = cov.site_detail(cells, "U1", hamlets, None, params)
    fl = flat["path_loss_db"].astype(float)
    ok = np.isfinite(fl) & (flat["grid"].x[None, :] > 1700.0)
    fd = np.hypot(flat["grid"].x[None, :] + 0.0 * flat["grid"].y[:, None],
                  flat["grid"].y[:, None] + 0.0 * flat["grid"].x[None, :])
    np.testing.assert_allclose(fl[ok], uma(fd[ok], True), atol=1e-3)


def test_forced_los_and_nlos_models_stay_as_they_are():
    d = np.array([200.0, 800.0, 2000.0])
    for name, los in (("uma_los", True), ("uma_nlos", False)):
        a = pathloss.engine_path_loss(name, d, 3500.0, 25.0, 1.5, los=np.array([False] * 3))
        b = pathloss.engine_path_loss(name, d, 3500.0, 25.0, 1.5)
        np.testing.assert_array_equal(a, b)
        want = np.maximum(pathloss.tr38901_uma(d, 3500.0, 25.0, 1.5, los, validity="ignore"),
                          pathloss.free_space(d, 3500.0, validity="ignore"))
        np.testing.assert_allclose(a, want, atol=1e-9)
    mixed = pathloss.engine_path_loss("rma", d, 3500.0, 35.0, 1.5,
                                      los=np.array([True, False, True]))
    want = [pathloss.engine_path_loss("rma_los" if s else "rma_nlos", x, 3500.0, 35.0, 1.5)
            for x, s in zip(d, (True, False, True))]
    np.testing.assert_allclose(mixed, np.ravel(want), atol=1e-12)
    assert pathloss.takes_effective_height("extended_hata_suburban")
    assert not pathloss.takes_effective_height("uma")
