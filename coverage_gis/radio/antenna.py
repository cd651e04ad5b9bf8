"""Sector antenna patterns and the geometry that feeds them.

The patterns are the parabolic (in dB) sector model of 3GPP TR 36.814 V9.2.0 Table A.2.1.1-2 (the
same form as TR 38.901 V17.0.0 Table 7.3-1, which writes it for a single element with zenith
angles and 30 dB limits). They return the attenuation relative to boresight as a negative number
of dB: 0 dB on boresight, -3 dB at half the 3 dB beamwidth, never below minus the limit.
The antenna's boresight gain (dBi) is not part of these functions: the sites' EIRP already
includes it, so RSRP = EIRP - path loss + pattern (+ other terms).

Angles are in degrees. Conventions:

- azimuth / bearing: clockwise from grid north (the +y axis of a projected CRS), in [0, 360);
- elevation and tilt: angle BELOW the horizon, positive downwards (a target under the antenna has a
  positive elevation; a down-tilted antenna has a positive tilt).

All functions broadcast their inputs with numpy's rules (e.g. a column of sites against a row of
raster cells) and return float64 arrays, or numpy scalars for scalar inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from coverage_gis.radio._arrays import as_float as _arr
from coverage_gis.radio._arrays import as_result as _out

if TYPE_CHECKING:  # pragma: no cover
    import shapely

__all__ = [
    "bearing_deg",
    "elevation_deg",
    "horizontal_gain_db",
    "vertical_gain_db",
    "sector_gain_db",
    "sector_footprint",
]


def _wrap_deg(angle_deg: np.ndarray) -> np.ndarray:
    """Wrap angles to [-180, 180) degrees (or just below -180 where an angle is within a
    rounding of the seam: the same direction). ``y - 360 floor(y / 360)`` is the
    remainder ``y % 360`` exactly wherever ``y / 360`` does not round up to an integer, and
    about twice as fast as numpy's float remainder on a coverage window."""
    y = angle_deg + 180.0
    return y - 360.0 * np.floor(y / 360.0) - 180.0


def bearing_deg(
    x0: ArrayLike, y0: ArrayLike, x1: ArrayLike, y1: ArrayLike
) -> np.ndarray | np.float64:
    """Grid bearing from (x0, y0) to (x1, y1), degrees clockwise from grid north.

    Parameters
    ----------
    x0, y0 : array_like
        Start point (e.g. the site), projected coordinates in m (easting, northing).
    x1, y1 : array_like
        End point (e.g. raster cell centres), same CRS.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Bearing in [0, 360): 0 = +y (grid north), 90 = +x (grid east). Grid north differs from
        true north by the meridian convergence of the projection (up to about 1 degree in a
        TM-3 zone), which is negligible for sector patterns. Coincident points give 0.
    """
    dx = _arr(x1) - _arr(x0)
    dy = _arr(y1) - _arr(y0)
    bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
    return _out(np.where(bearing >= 360.0, bearing - 360.0, bearing))


def elevation_deg(
    horizontal_distance_m: ArrayLike, height_difference_m: ArrayLike
) -> np.ndarray | np.float64:
    """Angle below the horizon from the antenna to a target, degrees (positive downwards).

    Parameters
    ----------
    horizontal_distance_m : array_like
        Horizontal distance from the antenna to the target, m.
    height_difference_m : array_like
        Antenna height minus target height, m (both above the same datum: e.g. mast height plus
        ground height at the site, minus terminal height plus ground height at the target).
        Positive when the target is below the antenna.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Elevation below the horizon in [-90, 90]: positive for a target below the antenna,
        90 directly underneath.
    """
    return _out(np.degrees(np.arctan2(_arr(height_difference_m), _arr(horizontal_distance_m))))


def horizontal_gain_db(
    azimuth_to_target_deg: ArrayLike,
    azimuth_deg: ArrayLike,
    beamwidth_deg: ArrayLike = 65.0,
    front_to_back_db: ArrayLike = 25.0,
) -> np.ndarray | np.float64:
    """Horizontal sector pattern A_H, dB relative to boresight (0 or negative).

    3GPP TR 36.814 V9.2.0 Table A.2.1.1-2 (and TR 38.901 Table 7.3-1)::

        A_H(phi) = -min(12 (phi / phi_3dB)^2, A_m)

    with phi the angle between the target and boresight wrapped to [-180, 180) degrees.

    Parameters
    ----------
    azimuth_to_target_deg : array_like
        Bearing from the antenna to the target, degrees clockwise from north
        (see :func:`bearing_deg`).
    azimuth_deg : array_like
        Boresight azimuth of the sector, degrees clockwise from north. NaN means an omni
        antenna: 0 dB in every direction.
    beamwidth_deg : array_like
        Horizontal 3 dB beamwidth phi_3dB, degrees (default 65).
    front_to_back_db : array_like
        Front-to-back ratio A_m, dB (default 25, as in TR 36.814).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Attenuation, dB: 0 at boresight, -3 at +-beamwidth/2, -front_to_back_db behind.
    """
    azimuth = _arr(azimuth_deg)
    phi = _wrap_deg(_arr(azimuth_to_target_deg) - azimuth)
    gain = -np.minimum(12.0 * (phi / _arr(beamwidth_deg)) ** 2, _arr(front_to_back_db))
    return _out(np.where(np.isnan(azimuth), 0.0, gain))


def vertical_gain_db(
    elevation_deg: ArrayLike,
    tilt_deg: ArrayLike,
    vertical_beamwidth_deg: ArrayLike = 10.0,
    side_lobe_db: ArrayLike = 20.0,
) -> np.ndarray | np.float64:
    """Vertical sector pattern A_V, dB relative to boresight (0 or negative).

    3GPP TR 36.814 V9.2.0 Table A.2.1.1-2::

        A_V(theta) = -min(12 ((theta - theta_tilt) / theta_3dB)^2, SLA_V)

    Sign convention: theta and theta_tilt are angles BELOW the horizon, positive downwards
    (TR 38.901 Table 7.3-1 writes the same pattern with zenith angles, theta' = 90 + theta).
    A target seen under the horizon at exactly the downtilt angle gets 0 dB.

    Parameters
    ----------
    elevation_deg : array_like
        Angle below the horizon from the antenna to the target, degrees
        (see :func:`elevation_deg`).
    tilt_deg : array_like
        Downtilt (electrical plus mechanical) of the antenna, degrees, positive downwards.
    vertical_beamwidth_deg : array_like
        Vertical 3 dB beamwidth theta_3dB, degrees (default 10).
    side_lobe_db : array_like
        Side-lobe level limit SLA_V, dB (default 20).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Attenuation, dB: 0 at the tilt angle, -3 at tilt +- vertical_beamwidth/2.
    """
    offset = _arr(elevation_deg) - _arr(tilt_deg)
    return _out(-np.minimum(12.0 * (offset / _arr(vertical_beamwidth_deg)) ** 2,
                            _arr(side_lobe_db)))


def sector_gain_db(
    azimuth_to_target_deg: ArrayLike,
    azimuth_deg: ArrayLike,
    elevation_deg: ArrayLike,
    tilt_deg: ArrayLike,
    beamwidth_deg: ArrayLike = 65.0,
    front_to_back_db: ArrayLike = 25.0,
    vertical_beamwidth_deg: ArrayLike = 10.0,
    side_lobe_db: ArrayLike = 20.0,
) -> np.ndarray | np.float64:
    """Combined 3D sector pattern, dB relative to boresight (0 or negative).

    3GPP TR 36.814 V9.2.0 Table A.2.1.1-2 (TR 38.901 Table 7.3-1 has the same form)::

        A(phi, theta) = -min(-(A_H(phi) + A_V(theta)), A_m)

    with A_m = ``front_to_back_db``. This is the attenuation relative to the antenna's boresight
    gain; the boresight gain itself (dBi) is handled elsewhere: the EIRP of a site already
    includes it. An omni antenna (NaN ``azimuth_deg``) keeps its vertical pattern.

    Parameters
    ----------
    azimuth_to_target_deg, azimuth_deg, beamwidth_deg, front_to_back_db : array_like
        See :func:`horizontal_gain_db`.
    elevation_deg, tilt_deg, vertical_beamwidth_deg, side_lobe_db : array_like
        See :func:`vertical_gain_db` (angles below the horizon, positive downwards).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Attenuation, dB, in [-front_to_back_db, 0].
    """
    a_h = horizontal_gain_db(azimuth_to_target_deg, azimuth_deg, beamwidth_deg, front_to_back_db)
    a_v = vertical_gain_db(elevation_deg, tilt_deg, vertical_beamwidth_deg, side_lobe_db)
    return _out(-np.minimum(-(_arr(a_h) + _arr(a_v)), _arr(front_to_back_db)))


def sector_footprint(x: float, y: float, radius_m: float, azimuth_deg: float,
                     beamwidth_deg: float, arc_points: int = 33, circle_segments: int = 64
                     ) -> shapely.Polygon:
    """A cell's footprint on the map: a wedge from the mast (``x``, ``y``, metric CRS) along
    its azimuth, as wide as its 3 dB beamwidth, or a disc for an omni cell (NaN azimuth or
    beamwidth, or a beamwidth of 360° or more).

    Parameters
    ----------
    radius_m
        Length of the wedge (or radius of the disc), m.
    arc_points
        Points along the wedge's arc.
    circle_segments
        Segments per quarter circle of the disc (shapely's ``quad_segs``).
    """
    import shapely  # only here: the gain functions load without it

    if np.isnan(azimuth_deg) or np.isnan(beamwidth_deg) or beamwidth_deg >= 360:
        return shapely.Point(x, y).buffer(radius_m, circle_segments)
    half = beamwidth_deg / 2
    angles = np.radians(np.linspace(azimuth_deg - half, azimuth_deg + half, arc_points))
    arc = np.column_stack([x + radius_m * np.sin(angles), y + radius_m * np.cos(angles)])
    return shapely.Polygon(np.vstack([[x, y], arc, [x, y]]))
