"""Images the app lays on its map: the hillshade of the DEM and raster overlays, as PNGs in
Web Mercator (EPSG:3857, the CRS in which Leaflet stretches an image between its corners).

:func:`hillshade` is the shaded relief of a grid of heights (slopes by Horn's 3x3 method,
as GDAL's ``gdaldem hillshade``); :func:`hillshade_png` reprojects a DEM to Web Mercator and
shades it there, each row with its true ground spacing; :func:`overlay_png` reprojects any
grid of values and colours it. Everything stays in memory; nothing is written to disk.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyproj import CRS

from coverage_gis.config import settings
from coverage_gis.io.files import png_bytes
from coverage_gis.io.raster import latlon_bounds, reproject_array

__all__ = ["Overlay", "hillshade", "hillshade_png", "overlay_png", "png_bytes", "WEB_MERCATOR"]

WEB_MERCATOR = CRS.from_epsg(3857)
_EARTH_RADIUS_M = 6378137.0  # the sphere of Web Mercator (EPSG:3857)


@dataclass(frozen=True)
class Overlay:
    """A PNG to lay on the map and its corners: ``bounds`` = [[south, west], [north, east]]
    (WGS 84 degrees), as Leaflet's ``imageOverlay`` takes them."""

    png: bytes
    bounds: list[list[float]]
    width_px: int
    height_px: int


def hillshade(z_m: np.ndarray, dx_m: float | np.ndarray, dy_m: float | np.ndarray,
              azimuth_deg: float = settings.HILLSHADE_AZIMUTH_DEG,
              altitude_deg: float = settings.HILLSHADE_ALTITUDE_DEG,
              z_factor: float = settings.HILLSHADE_Z_FACTOR) -> np.ndarray:
    """Shaded relief of heights ``z_m`` (rows from north to south, columns west to east):
    the cosine of the angle between the ground's normal and the direction of the sun, 0 (in
    shadow or facing away) to 1 (facing the sun); NaN where a height of the 3x3 window is
    unknown or at the edge.

    Parameters
    ----------
    z_m
        Heights (m), 2-D.
    dx_m, dy_m
        Ground spacing (m) between columns and between rows: scalars, or one value per row.
    azimuth_deg, altitude_deg
        Where the sun is: clockwise from north, and above the horizon (degrees).
    z_factor
        Vertical exaggeration.

    Notes
    -----
    Slopes by Horn's method (Horn 1981, "Hill shading and the reflectance map"; GDAL's
    default): dz/dx = ((c + 2f + i) − (a + 2d + g)) / (8 dx) over the 3x3 window
    a b c / d e f / g h i, and likewise dz/dy. With p = dz/dEast and q = dz/dNorth the
    normal is (−p, −q, 1)/√(1 + p² + q²) and the sun (sin A cos h, cos A cos h, sin h).
    """
    z = np.asarray(z_m, dtype=np.float64) * z_factor
    out = np.full(z.shape, np.nan)
    if z.shape[0] < 3 or z.shape[1] < 3:
        return out
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dx, dy = (np.asarray(v, dtype=np.float64) for v in (dx_m, dy_m))
    dx, dy = (v[1:-1, None] if v.ndim == 1 else v for v in (dx, dy))
    p = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * dx)    # dz/dEast
    q = ((a + 2 * b + c) - (g + 2 * h + i)) / (8 * dy)    # dz/dNorth (row 0 is north)
    az, alt = math.radians(azimuth_deg), math.radians(altitude_deg)
    sun = (math.sin(az) * math.cos(alt), math.cos(az) * math.cos(alt), math.sin(alt))
    shade = (-p * sun[0] - q * sun[1] + sun[2]) / np.sqrt(1 + p * p + q * q)
    out[1:-1, 1:-1] = np.clip(shade, 0.0, 1.0)
    return out


def _to_mercator(values: np.ndarray, transform: Any, crs: Any, resampling: str,
                 max_px: int | None, oversample: int = 1) -> tuple[np.ndarray, Any]:
    """``values`` (float, NaN unknown) reprojected to Web Mercator: (array, transform), at
    about the source resolution (``oversample`` times finer), at most ``max_px`` pixels a
    side."""
    return reproject_array(values, transform, crs, WEB_MERCATOR, resampling, max_px=max_px,
                           oversample=oversample)


def _bounds_lonlat(transform: Any, rows: int, cols: int) -> list[list[float]]:
    """[[south, west], [north, east]] of a Web Mercator grid (7 decimals)."""
    return [[round(v, 7) for v in corner]
            for corner in latlon_bounds(transform, rows, cols, WEB_MERCATOR)]


def overlay_png(values: np.ndarray, transform: Any, crs: Any,
                colour: Callable[[np.ndarray], np.ndarray], resampling: str = "nearest",
                max_px: int | None = None, oversample: int = 1) -> Overlay:
    """A grid of ``values`` (rows north to south, ``transform`` and ``crs`` its georeference)
    reprojected to Web Mercator and coloured by ``colour`` (values → RGBA uint8, of the same
    shape or a multiple of it; NaN where no data, which ``colour`` should make
    transparent)."""
    merc, t = _to_mercator(np.asarray(values, dtype=np.float64), transform, crs, resampling,
                           max_px, oversample)
    rgba = colour(merc)  # may be finer than the grid (a pattern): the corners stay
    return Overlay(png_bytes(rgba), _bounds_lonlat(t, *merc.shape), rgba.shape[1],
                   rgba.shape[0])


def _grey(shade: np.ndarray) -> np.ndarray:
    """Hillshade 0..1 as grey RGBA: shadows darker, lit slopes light, flat ground a light
    grey (opaque where known, transparent where not)."""
    rgba = np.zeros((*shade.shape, 4), dtype=np.uint8)
    known = np.isfinite(shade)
    level = np.where(known, 70 + 185 * np.nan_to_num(shade), 0)
    rgba[..., 0] = rgba[..., 1] = rgba[..., 2] = level.astype(np.uint8)
    rgba[..., 3] = np.where(known, 255, 0)
    return rgba


def hillshade_png(dem: Any, max_px: int = settings.HILLSHADE_MAX_PX) -> Overlay | None:
    """The hillshade of a :class:`~coverage_gis.io.readers.Raster` (heights in m, NaN
    unknown) as a Web Mercator PNG, or None without a DEM or heights. The DEM is reprojected
    (bilinear) first and shaded in Web Mercator, with each row's ground spacing (the
    projection's scale is 1/cos(latitude)), so that the image lies exactly where Leaflet puts
    it."""
    if dem is None or dem.data is None or not np.isfinite(dem.data).any():
        return None
    merc, t = _to_mercator(np.asarray(dem.data, dtype=np.float64), dem.transform, dem.crs,
                           "bilinear", max_px)
    rows = merc.shape[0]
    y = t.f + t.e * (np.arange(rows) + 0.5)           # Web Mercator northing of each row
    lat = np.arctan(np.sinh(y / _EARTH_RADIUS_M))
    shade = hillshade(merc, abs(t.a) * np.cos(lat), abs(t.e) * np.cos(lat))  # ground metres
    return Overlay(png_bytes(_grey(shade)), _bounds_lonlat(t, *merc.shape), merc.shape[1],
                   merc.shape[0])
