"""Tests for coverage_gis.radio.terrain.

Expected values come from ITU-R P.526 (the published J(0), J(1) and the exact Fresnel-integral
loss computed here by numerical integration), from hand calculations written out below, or from
the reference per-profile function (for the radial-sweep grid), never from the grid's output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine
from pyproj import CRS

from coverage_gis.io.readers import Raster
from coverage_gis.radio import terrain as tr
from coverage_gis.radio.terrain import (
    earth_bulge_m,
    fresnel_radius_m,
    fresnel_v,
    knife_edge_loss_db,
    line_of_sight_grid,
    profile_loss_db,
    site_profile,
    terrain_loss_grid,
)

C = 299_792_458.0
K = 4.0 / 3.0
R_E = 6_371_000.0
UTM48N = CRS.from_epsg(32648)


def hand_j(v: float) -> float:
    """P.526-15 eq. (31), written out."""
    if v <= -0.78:
        return 0.0
    return 6.9 + 20.0 * math.log10(math.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)


def exact_j(v: float) -> float:
    """Exact knife-edge loss from the Fresnel integrals (P.526-15 sect. 4.1):
    J = -20 log10(sqrt((1 - C - S)^2 + (C - S)^2) / 2), C and S integrated numerically."""
    s = np.linspace(0.0, v, 200_001)
    c_v = np.trapezoid(np.cos(np.pi * s**2 / 2.0), s)
    s_v = np.trapezoid(np.sin(np.pi * s**2 / 2.0), s)
    return -20.0 * math.log10(math.sqrt((1 - c_v - s_v) ** 2 + (c_v - s_v) ** 2) / 2.0)


def flat_dem(height: float = 0.0, half_m: float = 6000.0, res: float = 30.0) -> Raster:
    n = int(2 * half_m / res)
    data = np.full((n, n), height, dtype=np.float32)
    return Raster(data, Affine(res, 0, -half_m, 0, -res, half_m), UTM48N, "flat")


def grid(half_m: float, res: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    gx = np.arange(-half_m + res / 2, half_m, res)
    return gx, gx[::-1].copy()


# --------------------------------------------------------------------------------------------
# elementary formulas


def test_knife_edge_published_values():
    assert knife_edge_loss_db(0.0) == pytest.approx(6.03, abs=0.01)
    assert knife_edge_loss_db(1.0) == pytest.approx(13.9, abs=0.05)
    assert knife_edge_loss_db(-0.78) == 0.0
    assert knife_edge_loss_db(-1.0) == 0.0
    assert knife_edge_loss_db(-10.0) == 0.0


@pytest.mark.parametrize("v", [-0.7, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0])
def test_knife_edge_against_formula_and_fresnel_integrals(v):
    assert knife_edge_loss_db(v) == pytest.approx(hand_j(v), abs=1e-9)
    # eq. (31) approximates the exact loss to about 0.1 dB
    assert knife_edge_loss_db(v) == pytest.approx(exact_j(v), abs=0.2)


def test_knife_edge_asymptote_and_vectorised():
    # large v: exact loss -> 20 log10(pi sqrt(2) v) (Lee's 20 log10(v / 0.225))
    v = np.array([4.0, 8.0, 20.0])
    assert np.allclose(knife_edge_loss_db(v), 20 * np.log10(np.pi * math.sqrt(2) * v), atol=0.2)
    out = knife_edge_loss_db(np.array([[-2.0, 0.0], [np.nan, 1.0]]))
    assert out.shape == (2, 2)
    assert out[0, 0] == 0.0 and np.isnan(out[1, 0])
    assert np.all(np.diff(knife_edge_loss_db(np.linspace(-0.78, 10, 200))) > 0)


def test_fresnel_radius():
    lam = C / 1800e6
    # d1 = d2 = 5 km (10 km path): sqrt(lambda * 5000 * 5000 / 10000) = 20.4 m
    assert fresnel_radius_m(5000, 5000, 1800) == pytest.approx(math.sqrt(lam * 2500), rel=1e-12)
    assert fresnel_radius_m(5000, 5000, 1800) == pytest.approx(20.41, abs=0.01)
    # d1 = d2 = 2.5 km (5 km path): 14.43 m; P.526 eq. (3) in practical units agrees to 0.5 %
    assert fresnel_radius_m(2500, 2500, 1800) == pytest.approx(14.43, abs=0.01)
    assert fresnel_radius_m(2500, 2500, 1800) == pytest.approx(
        550 * math.sqrt(2.5 * 2.5 / (5.0 * 1800)), rel=0.005)
    # second zone: sqrt(2) times the first
    assert fresnel_radius_m(3000, 7000, 900, n=2) == pytest.approx(
        math.sqrt(2) * fresnel_radius_m(3000, 7000, 900))


def test_earth_bulge():
    assert earth_bulge_m(5000, 5000) == pytest.approx(25e6 / (2 * K * R_E), rel=1e-12)
    assert earth_bulge_m(5000, 5000) == pytest.approx(1.47, abs=0.005)
    assert earth_bulge_m(5000, 5000, k=1.0) == pytest.approx(1.47 * 4 / 3, abs=0.01)
    assert earth_bulge_m(0, 10000) == 0.0


def test_fresnel_v_hand():
    lam = C / 900e6
    h, d1, d2 = 10.0, 3000.0, 7000.0
    assert fresnel_v(h, d1, d2, 900) == pytest.approx(
        h * math.sqrt(2 * (d1 + d2) / (lam * d1 * d2)), rel=1e-12)
    # v = sqrt(2) h / R1
    assert fresnel_v(h, d1, d2, 900) == pytest.approx(
        math.sqrt(2) * h / fresnel_radius_m(d1, d2, 900), rel=1e-12)
    assert fresnel_v(-h, d1, d2, 900) == pytest.approx(-fresnel_v(h, d1, d2, 900))


# --------------------------------------------------------------------------------------------
# one profile


def flat_profile(length_m=10_000.0, step_m=100.0):
    d = np.arange(0.0, length_m + step_m / 2, step_m)
    return d, np.zeros_like(d)


def smooth_max_v_by_hand(d, h_tx, h_rx, f_mhz):
    """Largest v over a flat-earth profile, from the formulas (h = bulge - line)."""
    lam = C / (f_mhz * 1e6)
    total = d[-1]
    d1 = d[1:-1]
    d2 = total - d1
    line = h_tx + (h_rx - h_tx) * d1 / total
    h = d1 * d2 / (2 * K * R_E) - line
    return float(np.max(h * np.sqrt(2 * total / (lam * d1 * d2))))


def test_single_knife_edge_by_hand():
    # flat ground at 0 m, tx 30 m, rx 1.5 m, 10 km, 900 MHz, a 60 m wall at 4 km
    d, g = flat_profile()
    wall = 40
    g[wall] = 60.0
    lam = C / 900e6
    d1, d2 = 4000.0, 6000.0
    line = 30.0 + (1.5 - 30.0) * d1 / 10_000.0  # 18.6 m
    bulge = d1 * d2 / (2 * K * R_E)  # 1.41 m
    h = 60.0 + bulge - line  # 42.8 m above the chord
    v = h * math.sqrt(2 * 10_000.0 / (lam * d1 * d2))  # about 2.14
    j = hand_j(v)  # about 19.6 dB
    assert 2.1 < v < 2.2 and 19 < j < 20

    raw = profile_loss_db(d, g, 30.0, 1.5, 900.0, subtract_smooth_earth=False)
    assert raw.loss_db == pytest.approx(j, abs=1e-9)
    assert raw.edges == (wall,)
    assert raw.v[0] == pytest.approx(v, rel=1e-9)
    assert raw.los is False
    assert raw.clearance == pytest.approx(-h / fresnel_radius_m(d1, d2, 900), rel=1e-9)

    # default: in excess of the same path over smooth earth (flat ground, no wall)
    j_smooth = hand_j(smooth_max_v_by_hand(d, 30.0, 1.5, 900.0))
    assert 1.0 < j_smooth < 6.0  # the ground's own Fresnel-zone obstruction at 10 km
    res = profile_loss_db(d, g, 30.0, 1.5, 900.0)
    assert res.smooth_loss_db == pytest.approx(j_smooth, abs=1e-9)
    assert res.loss_db == pytest.approx(j - j_smooth, abs=1e-9)
    assert res.raw_loss_db == pytest.approx(j, abs=1e-9)


def test_flat_profile_is_clear_with_zero_excess_loss():
    d, g = flat_profile(1500.0, 30.0)
    res = profile_loss_db(d, g + 12.0, 30.0, 1.5, 1800.0)
    assert res.los is True
    assert res.loss_db == 0.0
    assert res.clearance > 0.6  # Fresnel-clear at 1.5 km
    # farther, the ground itself enters the first Fresnel zone of a 1.5 m terminal:
    # raw P.526 loss > 0, excess over smooth earth still 0
    d, g = flat_profile(10_000.0, 30.0)
    res = profile_loss_db(d, g, 30.0, 1.5, 1800.0)
    assert res.los is True and res.clearance < 0.6
    assert res.raw_loss_db > 1.0 and res.loss_db == 0.0
    # a short profile (2 points) has no intermediate point
    res = profile_loss_db([0.0, 50.0], [3.0, 4.0], 30.0, 1.5, 1800.0)
    assert res.los is True and res.loss_db == 0.0 and math.isinf(res.clearance)


def test_grazing_edge_costs_six_db():
    # an edge exactly on the direct ray: v = 0, J = 6.03 dB, still line of sight
    d = np.array([0.0, 2000.0, 5000.0])
    h_line = 30.0 + (1.5 - 30.0) * 2000 / 5000
    bulge = 2000 * 3000 / (2 * K * R_E)
    g = np.array([0.0, h_line - bulge, 0.0])
    res = profile_loss_db(d, g, 30.0, 1.5, 900.0, subtract_smooth_earth=False)
    assert res.v[0] == pytest.approx(0.0, abs=1e-9)
    assert res.loss_db == pytest.approx(hand_j(0.0), abs=1e-6)
    assert res.los is True
    assert res.clearance == pytest.approx(0.0, abs=1e-9)


def test_deygout_two_edges_by_hand():
    d, g = flat_profile()
    g[30] = 50.0  # 3 km
    g[70] = 45.0  # 7 km
    lam = C / 900e6
    z_tx, z_rx = 30.0, 1.5

    def v_edge(x, top, xa, za, xb, zb):
        d1, d2 = x - xa, xb - x
        h = top + d1 * d2 / (2 * K * R_E) - (za + (zb - za) * d1 / (xb - xa))
        return h * math.sqrt(2 * (xb - xa) / (lam * d1 * d2))

    v3 = v_edge(3000, 50, 0, z_tx, 10_000, z_rx)
    v7 = v_edge(7000, 45, 0, z_tx, 10_000, z_rx)
    assert v7 > v3  # the 7 km edge is the principal one
    v3_sub = v_edge(3000, 50, 0, z_tx, 7000, 45.0)  # secondary, on the tx side of it
    expected = hand_j(v7) + hand_j(v3_sub)

    single = profile_loss_db(d, g, 30, 1.5, 900, subtract_smooth_earth=False)
    two = profile_loss_db(d, g, 30, 1.5, 900, method="deygout", max_edges=2,
                          subtract_smooth_earth=False)
    three = profile_loss_db(d, g, 30, 1.5, 900, method="deygout", subtract_smooth_earth=False)
    assert single.loss_db == pytest.approx(hand_j(v7), abs=1e-9)
    assert two.loss_db == pytest.approx(expected, abs=1e-9)
    assert two.edges == (70, 30)
    assert three.loss_db >= two.loss_db >= single.loss_db + 5
    assert len(three.edges) <= 3
    one = profile_loss_db(d, g, 30, 1.5, 900, method="deygout", max_edges=1,
                          subtract_smooth_earth=False)
    assert one.loss_db == single.loss_db
    # with the smooth-earth reference, Deygout still adds the second edge
    assert (profile_loss_db(d, g, 30, 1.5, 900, method="deygout").loss_db
            >= profile_loss_db(d, g, 30, 1.5, 900).loss_db + 5)


def test_deygout_cap_on_a_dense_rounded_hill():
    # a smooth 120 m dome, 4 km wide, in the middle of a 10 km path, sampled every 10 m
    d = np.arange(0.0, 10_001.0, 10.0)
    g = np.where(np.abs(d - 5000) < 2000, 60 * (1 + np.cos(np.pi * (d - 5000) / 2000)), 0.0)

    def loss(n):
        return profile_loss_db(d, g, 30, 1.5, 900, method="deygout", max_edges=n,
                               subtract_smooth_earth=False).loss_db

    single = profile_loss_db(d, g, 30, 1.5, 900, subtract_smooth_earth=False).loss_db
    capped, seven = loss(3), loss(7)
    assert single <= capped <= seven
    assert capped < 2 * single  # bounded
    assert seven > capped + 20  # what the cap prevents: each crest sample counted as an edge
    assert profile_loss_db(d, g, 30, 1.5, 900, method="deygout").edges.__len__() == 3


def test_profile_input_checks():
    d, g = flat_profile()
    with pytest.raises(ValueError, match="method"):
        profile_loss_db(d, g, 30, 1.5, 900, method="bullington")
    with pytest.raises(ValueError, match="NaN"):
        profile_loss_db(d, np.where(d == 500, np.nan, g), 30, 1.5, 900)
    with pytest.raises(ValueError, match="increase"):
        profile_loss_db(d[::-1], g, 30, 1.5, 900)


def test_site_profile():
    dem = flat_dem(7.0)
    dem.data[150:160, :] = np.nan  # a nodata band
    d, g = site_profile(dem, 0.0, 0.0, 0.0, 4000.0, 30.0)
    assert d[0] == 0.0 and d[-1] == pytest.approx(4000.0)
    assert np.all(np.diff(d) <= 30.0 + 1e-9)
    assert np.all(g == pytest.approx(7.0))  # nodata filled with the site's ground
    d, g = site_profile(None, 0.0, 0.0, 300.0, 400.0, 30.0)
    assert d[-1] == pytest.approx(500.0) and np.all(g == 0.0)


# --------------------------------------------------------------------------------------------
# the grid


def test_no_dem_and_flat_dem_give_the_same_grid():
    gx, gy = grid(6000.0)
    radius = 5000.0
    none_loss, none_los = terrain_loss_grid(None, 0.0, 0.0, 30, 1.5, 1800, gx, gy, radius)
    dem = flat_dem(25.0)
    dem.data[:40, :40] = np.nan  # nodata takes the site's ground: still flat
    loss, los = terrain_loss_grid(dem, 0.0, 0.0, 30, 1.5, 1800, gx, gy, radius)
    inside = np.hypot(gx[None, :], gy[:, None]) <= radius
    assert loss.shape == los.shape == (gy.size, gx.size)
    assert np.all(loss[inside] == 0.0) and np.all(np.isnan(loss[~inside]))
    assert np.all(los[inside]) and not np.any(los[~inside])
    np.testing.assert_array_equal(loss, none_loss)
    np.testing.assert_array_equal(los, none_los)
    # Deygout too
    loss_d, _ = terrain_loss_grid(dem, 0.0, 0.0, 30, 1.5, 1800, gx, gy, radius,
                                  method="deygout")
    np.testing.assert_array_equal(loss_d, none_loss)


def ridge_dem() -> Raster:
    """Flat ground at 0 m with an 80 m wall 60 m thick at x = 2000..2060 m, along y."""
    dem = flat_dem(0.0)
    cols = slice(int((2000 + 6000) / 30), int((2060 + 6000) / 30))
    dem.data[:, cols] = 80.0
    return dem


def test_ridge_shadow():
    dem = ridge_dem()
    gx, gy = grid(6000.0)
    radius = 5000.0
    loss, los = terrain_loss_grid(dem, 0.0, 0.0, 30, 1.5, 1800, gx, gy, radius)
    x = gx[None, :] + 0 * gy[:, None]
    inside = np.hypot(gx[None, :], gy[:, None]) <= radius
    behind = inside & (x > 2200)
    front = inside & (x < 1900)
    assert behind.sum() > 1000 and front.sum() > 10000
    assert not los[behind].any()
    assert np.all(loss[behind] > 6.0)
    assert los[front].all()
    assert np.all(loss[front] == 0.0)
    # line_of_sight_grid is the same mask
    np.testing.assert_array_equal(
        line_of_sight_grid(dem, 0.0, 0.0, 30, 1.5, gx, gy, radius), los)

    # shadowed cells agree with the exact profile from the site to the cell centre
    for x_c, y_c in [(2400, 0), (3000, 1000), (4000, -2000), (2500, 2400), (4900, 300),
                     (3300, -3300)]:
        ix = int(np.argmin(np.abs(gx - x_c)))
        iy = int(np.argmin(np.abs(gy - y_c)))
        d, g = site_profile(dem, 0.0, 0.0, gx[ix], gy[iy], 30.0)
        ref = profile_loss_db(d, g, 30, 1.5, 1800)
        assert ref.los is False
        assert loss[iy, ix] == pytest.approx(ref.loss_db, abs=1.5), (x_c, y_c)


def hilly_dem(seed: int = 3) -> Raster:
    rng = np.random.default_rng(seed)
    res, half = 30.0, 6000.0
    c = np.arange(-half + res / 2, half, res)
    xx, yy = np.meshgrid(c, c[::-1])
    z = np.zeros_like(xx)
    for _ in range(25):
        cx, cy = rng.uniform(-half, half, 2)
        z += rng.uniform(20, 120) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2)
                                           / (2 * rng.uniform(200, 1200) ** 2))
    return Raster(z.astype(np.float32), Affine(res, 0, -half, 0, -res, half), UTM48N, "hills")


@pytest.mark.parametrize("method", ["single", "deygout"])
def test_grid_matches_reference_profiles_on_hills(method):
    dem = hilly_dem()
    gx, gy = grid(6000.0)
    radius = 5500.0
    loss, los = terrain_loss_grid(dem, 100.0, -50.0, 25, 1.5, 900, gx, gy, radius,
                                  method=method)
    rng = np.random.default_rng(7)
    errors, los_agree, n = [], 0, 0
    while n < 40:
        ix, iy = rng.integers(0, gx.size), rng.integers(0, gy.size)
        dist = math.hypot(gx[ix] - 100.0, gy[iy] + 50.0)
        if not 200 < dist <= radius:
            continue
        d, g = site_profile(dem, 100.0, -50.0, gx[ix], gy[iy], 30.0)
        ref = profile_loss_db(d, g, 25, 1.5, 900, method=method)
        errors.append(loss[iy, ix] - ref.loss_db)
        los_agree += los[iy, ix] == ref.los
        n += 1
    assert np.max(np.abs(errors)) < 1.5
    assert los_agree >= 36  # only near-grazing cells may differ after resampling


def test_grid_window_and_inputs():
    dem = hilly_dem()
    # a grid that only partly overlaps the disc, site off-centre
    gx = np.arange(-3000 + 15.0, 9000, 30.0)
    gy = np.arange(2000 - 15.0, -4000, -30.0)
    loss, los = terrain_loss_grid(dem, 2000.0, 0.0, 30, 1.5, 1800, gx, gy, 3000.0)
    inside = np.hypot(gx[None, :] - 2000.0, gy[:, None]) <= 3000.0
    assert np.all(np.isfinite(loss[inside])) and np.all(loss[inside] >= 0)
    assert np.all(np.isnan(loss[~inside])) and not los[~inside].any()
    # site's own cell: line of sight, no loss
    iy, ix = int(np.argmin(np.abs(gy))), int(np.argmin(np.abs(gx - 2000.0)))
    assert los[iy, ix] and loss[iy, ix] == 0.0
    # a geographic DEM is refused (the caller must reproject)
    geo = Raster(dem.data, Affine(0.0003, 0, 105.0, 0, -0.0003, 20.0), CRS.from_epsg(4326))
    with pytest.raises(ValueError, match="geographic"):
        terrain_loss_grid(geo, 2000.0, 0.0, 30, 1.5, 1800, gx, gy, 3000.0)
    with pytest.raises(ValueError, match="method"):
        terrain_loss_grid(dem, 2000.0, 0.0, 30, 1.5, 1800, gx, gy, 3000.0, method="itm")


def test_higher_mast_never_sees_less():
    dem = hilly_dem(5)
    gx, gy = grid(6000.0, 60.0)
    low = line_of_sight_grid(dem, 0.0, 0.0, 15, 1.5, gx, gy, 5000.0)
    high = line_of_sight_grid(dem, 0.0, 0.0, 45, 1.5, gx, gy, 5000.0)
    assert np.all(high[low])
    assert high.sum() > low.sum()


def test_module_constants():
    assert tr.EFFECTIVE_EARTH_K == pytest.approx(4 / 3)
    assert tr.EARTH_RADIUS_M == 6_371_000
