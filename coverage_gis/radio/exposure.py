"""Radio-frequency exposure near base station antennas: power density and compliance distance.

The limit is Vietnam's national technical regulation on the exposure to electromagnetic fields
of public land mobile base stations, **QCVN 8:2022/BTTTT** (issued with Circular
21/2022/TT-BTTTT of 29 November 2022, in force from 1 July 2023; it replaced QCVN 8:2010/BTTTT):
for non-occupational exposure between 10 MHz and 6 GHz, 27.5 V/m, 0.073 A/m, an equivalent
plane-wave power density of **2 W/m²** (``settings.EXPOSURE_LIMIT_W_M2``). Exposure from
several antennas adds as the sum of the ratios S_i / S_limit (the regulation's total exposure
ratio); the place complies when the total is below 1.

The power density here is the far-field spherical estimate of ITU-T K.52 (2016, "simple
calculation", the formula of its appendix on compliance distances) and IEC 62232:2022 (the
"spherical formula" of its estimation methods)::

    S(r) = EIRP(phi, theta) / (4 pi r^2)        W/m², EIRP in W, r in m

with the EIRP in the direction of the point from the antenna's pattern
(:func:`coverage_gis.radio.antenna.sector_gain_db`). Close to an antenna (its near field,
within a few metres) the formula over-estimates the density: it is a conservative screening.
QCVN 8:2022 bases compliance on measurement; a computed ratio at or above 1 says the limit
would be exceeded unless measurements show otherwise.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from coverage_gis.radio.antenna import bearing_deg, elevation_deg, sector_gain_db

__all__ = ["eirp_w", "power_density_w_m2", "compliance_distance_m", "exposure_ratio"]


def eirp_w(eirp_dbm: ArrayLike) -> np.ndarray:
    """EIRP in W from dBm (61 dBm = 1,259 W)."""
    return 10.0 ** ((np.asarray(eirp_dbm, dtype=float) - 30.0) / 10.0)


def power_density_w_m2(eirp_dbm: ArrayLike, distance_m: ArrayLike) -> np.ndarray:
    """Far-field power density (W/m²) at ``distance_m`` (3D, m) in the direction whose EIRP is
    ``eirp_dbm``: EIRP / (4 pi r²) (ITU-T K.52, IEC 62232 spherical formula). Distances
    below 0.1 m are taken as 0.1 m."""
    r = np.maximum(np.asarray(distance_m, dtype=float), 0.1)
    return eirp_w(eirp_dbm) / (4.0 * np.pi * r ** 2)


def compliance_distance_m(eirp_dbm: ArrayLike, limit_w_m2: float) -> np.ndarray:
    """Distance (m) along the main beam beyond which the density is below ``limit_w_m2``:
    r = sqrt(EIRP / (4 pi S_limit)). For 61 dBm (1,259 W) and 2 W/m²: 7.08 m."""
    return np.sqrt(eirp_w(eirp_dbm) / (4.0 * np.pi * limit_w_m2))


def exposure_ratio(cells_xyz: np.ndarray, eirp_dbm: ArrayLike, azimuth_deg: ArrayLike,
                   tilt_deg: ArrayLike, beamwidth_deg: ArrayLike, points_xyz: np.ndarray,
                   limit_w_m2: float) -> np.ndarray:
    """Total exposure ratio sum_i S_i / S_limit at each point from every cell.

    Parameters
    ----------
    cells_xyz
        (n, 3): antenna positions, x and y in a metric CRS (m), z the antenna's height (m
        above the same datum as the points' z, e.g. above the ground at the mast).
    eirp_dbm, azimuth_deg, tilt_deg, beamwidth_deg
        Per cell: boresight EIRP (dBm), azimuth (degrees from grid north; NaN = omni),
        downtilt (degrees, positive downwards), horizontal 3 dB beamwidth (degrees).
    points_xyz
        (m, 3): places where people are (x, y, height in m).
    limit_w_m2
        The limit of the power density (W/m²).

    Returns
    -------
    numpy.ndarray
        (m,) the total ratio at each point (dimensionless; 1 = at the limit).
    """
    c = np.asarray(cells_xyz, dtype=float).reshape(-1, 3)
    p = np.asarray(points_xyz, dtype=float).reshape(-1, 3)
    dx = p[None, :, 0] - c[:, None, 0]
    dy = p[None, :, 1] - c[:, None, 1]
    dz = p[None, :, 2] - c[:, None, 2]
    horizontal = np.hypot(dx, dy)
    r = np.sqrt(horizontal ** 2 + dz ** 2)
    az = bearing_deg(c[:, None, 0], c[:, None, 1], p[None, :, 0], p[None, :, 1])
    el = elevation_deg(horizontal, -dz)
    col = lambda v: np.asarray(v, dtype=float).reshape(-1, 1)  # noqa: E731
    pattern = sector_gain_db(az, col(azimuth_deg), el, col(tilt_deg), col(beamwidth_deg))
    density = power_density_w_m2(col(eirp_dbm) + pattern, r)
    return np.asarray(density.sum(axis=0) / limit_w_m2)
