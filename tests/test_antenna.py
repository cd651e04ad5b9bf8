"""Tests for coverage_gis.radio.antenna (3GPP TR 36.814 / TR 38.901 sector pattern)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coverage_gis.radio.antenna import (
    bearing_deg,
    elevation_deg,
    horizontal_gain_db,
    sector_gain_db,
    vertical_gain_db,
)

# ------------------------------------------------------------------------------------------
# horizontal pattern


def test_horizontal_boresight_is_zero():
    assert horizontal_gain_db(120.0, 120.0) == 0.0


@pytest.mark.parametrize("beamwidth", [33.0, 65.0, 90.0])
def test_horizontal_minus_3db_at_half_beamwidth(beamwidth):
    # definition of the 3 dB beamwidth: 12 * (0.5)^2 = 3 dB
    az = 200.0
    for target in (az - beamwidth / 2, az + beamwidth / 2):
        assert horizontal_gain_db(target, az, beamwidth) == pytest.approx(-3.0, abs=1e-12)


def test_horizontal_front_to_back_limit():
    assert horizontal_gain_db(180.0, 0.0) == pytest.approx(-25.0)
    assert horizontal_gain_db(180.0, 0.0, front_to_back_db=30.0) == pytest.approx(-30.0)
    # limit reached at 65 * sqrt(25/12) = 93.8 degrees, flat beyond
    assert horizontal_gain_db(100.0, 0.0) == pytest.approx(-25.0)
    assert horizontal_gain_db(90.0, 0.0) == pytest.approx(-12 * (90 / 65) ** 2)


def test_horizontal_wraps_around_north():
    # azimuth 350 vs target 10: 20 degrees off -> -12 (20/65)^2 = -1.136 dB
    expected = -12 * (20 / 65) ** 2
    assert horizontal_gain_db(10.0, 350.0) == pytest.approx(expected)
    assert horizontal_gain_db(350.0, 10.0) == pytest.approx(expected)
    assert horizontal_gain_db(370.0, -10.0) == pytest.approx(expected)
    assert horizontal_gain_db(-170.0, 10.0) == pytest.approx(-25.0)  # 180 off


@pytest.mark.parametrize("beamwidth", [33.0, 65.0, 120.0, 180.0])
def test_horizontal_gain_equals_the_formula_with_the_remainder(beamwidth):
    """The fast wrap gives TR 36.814's A_H with phi = (angle + 180) mod 360 - 180 exactly
    (numpy's float remainder), on a million bearings against eight azimuths, integer
    bearings and the seam included."""
    rng = np.random.default_rng(3)
    bearings = np.r_[rng.uniform(0.0, 360.0, 1_000_000), np.arange(0.0, 360.0, 0.5),
                     np.nextafter(360.0, 0.0), np.nextafter(180.0, 0.0), 180.0]
    for azimuth in (0.0, 17.3, 90.0, 120.0, 179.99, 180.0, 240.0, 359.9):
        phi = (bearings - azimuth + 180.0) % 360.0 - 180.0
        expected = -np.minimum(12.0 * (phi / beamwidth) ** 2, 25.0)
        np.testing.assert_array_equal(horizontal_gain_db(bearings, azimuth, beamwidth),
                                      expected)


def test_horizontal_omni():
    targets = np.linspace(0.0, 359.0, 360)
    np.testing.assert_array_equal(horizontal_gain_db(targets, np.nan), np.zeros(360))


def test_horizontal_vectorised_sites_by_cells():
    sites = np.array([[0.0], [120.0], [240.0], [np.nan]])  # a column per site, one omni
    cells = np.linspace(0.0, 359.0, 1000)[None, :]  # a row per cell
    out = horizontal_gain_db(cells, sites)
    assert out.shape == (4, 1000)
    assert out[1, 0] == pytest.approx(horizontal_gain_db(0.0, 120.0))
    assert np.all(out[3] == 0.0)
    assert np.all((out <= 0.0) & (out >= -25.0))


# ------------------------------------------------------------------------------------------
# vertical pattern (angles below the horizon, positive downwards)


def test_vertical_zero_for_target_below_antenna_at_tilt():
    # antenna 30 m above the target, 6 degrees downtilt: the target at the horizontal distance
    # where it is seen 6 degrees below the horizon is in the main beam.
    tilt = 6.0
    distance = 30.0 / math.tan(math.radians(tilt))  # 285.4 m
    theta = elevation_deg(distance, 30.0)
    assert theta == pytest.approx(6.0)
    assert vertical_gain_db(theta, tilt) == pytest.approx(0.0, abs=1e-12)
    # further away the target is seen closer to the horizon: off the beam, attenuated
    assert vertical_gain_db(elevation_deg(5000.0, 30.0), tilt) < -3.0
    # a target above the antenna is seen above the horizon (negative angle): even further off
    assert vertical_gain_db(elevation_deg(5000.0, -30.0), tilt) < vertical_gain_db(
        elevation_deg(5000.0, 30.0), tilt)


@pytest.mark.parametrize("vbw", [6.0, 10.0])
def test_vertical_minus_3db_at_half_beamwidth(vbw):
    tilt = 4.0
    for theta in (tilt - vbw / 2, tilt + vbw / 2):
        assert vertical_gain_db(theta, tilt, vbw) == pytest.approx(-3.0, abs=1e-12)


def test_vertical_side_lobe_limit():
    assert vertical_gain_db(-60.0, 5.0) == pytest.approx(-20.0)
    assert vertical_gain_db(89.0, 5.0, side_lobe_db=18.0) == pytest.approx(-18.0)


# ------------------------------------------------------------------------------------------
# combined pattern


def test_sector_combined_sums_then_caps_at_front_to_back():
    # 20 deg off in azimuth and 5 deg off tilt: A_H + A_V = -1.136 - 3.0, not capped
    expected = -12 * (20 / 65) ** 2 - 3.0
    assert sector_gain_db(20.0, 0.0, 9.0, 4.0) == pytest.approx(expected)
    # behind (-25) and far off in elevation (-20): sum -45 capped at A_m = 25
    assert sector_gain_db(180.0, 0.0, -40.0, 4.0) == pytest.approx(-25.0)
    assert sector_gain_db(180.0, 0.0, -40.0, 4.0, front_to_back_db=30.0) == pytest.approx(-30.0)
    # boresight in both planes
    assert sector_gain_db(75.0, 75.0, 3.0, 3.0) == 0.0


def test_sector_omni_keeps_vertical_pattern():
    assert sector_gain_db(123.0, np.nan, 9.0, 4.0) == pytest.approx(-3.0)


def test_sector_vectorised():
    rng = np.random.default_rng(1)
    az_target = rng.uniform(0, 360, size=(3, 1000))
    elev = rng.uniform(-5, 30, size=(3, 1000))
    out = sector_gain_db(az_target, np.array([[0.0], [120.0], [240.0]]), elev, 4.0)
    assert out.shape == (3, 1000)
    assert np.all((out <= 0.0) & (out >= -25.0))
    assert out[2, 3] == pytest.approx(sector_gain_db(az_target[2, 3], 240.0, elev[2, 3], 4.0))
    assert isinstance(sector_gain_db(1.0, 2.0, 3.0, 4.0), np.float64)


# ------------------------------------------------------------------------------------------
# geometry


@pytest.mark.parametrize(
    "dx, dy, expected",
    [(0, 1, 0.0), (1, 1, 45.0), (1, 0, 90.0), (0, -1, 180.0), (-1, 0, 270.0), (-1, 1, 315.0)],
)
def test_bearing_clockwise_from_grid_north(dx, dy, expected):
    x0, y0 = 587000.0, 2200000.0
    assert bearing_deg(x0, y0, x0 + dx * 100.0, y0 + dy * 100.0) == pytest.approx(expected)


def test_bearing_range_and_vectorised():
    x1 = np.array([-1e-20, 0.0, 5.0, -5.0])
    y1 = np.array([1.0, 0.0, -1.0, -1.0])
    out = bearing_deg(0.0, 0.0, x1, y1)
    assert np.all((out >= 0.0) & (out < 360.0))
    assert out[1] == 0.0  # coincident points
    xx, yy = np.meshgrid(np.linspace(-500, 500, 50), np.linspace(-500, 500, 20))
    assert bearing_deg(0.0, 0.0, xx, yy).shape == (20, 50)


def test_elevation_sign_convention():
    assert elevation_deg(100.0, 100.0) == pytest.approx(45.0)  # target below: positive
    assert elevation_deg(100.0, -100.0) == pytest.approx(-45.0)  # target above: negative
    assert elevation_deg(100.0, 0.0) == 0.0
    assert elevation_deg(0.0, 30.0) == pytest.approx(90.0)  # directly below the mast
