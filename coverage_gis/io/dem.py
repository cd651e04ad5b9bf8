"""DEMs in several files: SRTM ``.hgt`` tiles, Copernicus GLO-30 GeoTIFFs, any GeoTIFF tiles.

Public DEMs come in 1° × 1° tiles (SRTM ``N20E105.hgt``, also zipped as USGS distributed them;
Copernicus ``Copernicus_DSM_COG_10_N20_00_E105_00_DEM.tif``), and a commune near a tile's edge
needs two or four of them. :func:`read_dem_tiles` mosaics them with :func:`rasterio.merge.merge`
into one :class:`~coverage_gis.io.raster.Raster`: the first tile wins where tiles overlap (SRTM
tiles share their edge rows), nodata stays NaN, tiles of different resolutions are resampled
(bilinear) to the finest, with a warning. Every tile must be in the same CRS.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.merge
from pyproj import CRS
from rasterio._err import CPLE_BaseError
from rasterio.enums import Resampling
from rasterio.errors import RasterioError

from coverage_gis.errors import InputError, InputWarning
from coverage_gis.io import boundary
from coverage_gis.io.crs import describe_crs
from coverage_gis.io.raster import (
    Raster,
    check_band,
    checked_dem,
    dem_crs,
    height_scaling,
    north_up,
    read_dem,
    to_metres,
)

__all__ = ["read_dem_tiles", "read_dem_window"]


def _open(path: Path, band: int, stack: contextlib.ExitStack,
          originals: list[Any] | None = None) -> Any:
    """Open one tile for reading (closed with ``stack``; the file as opened appended to
    ``originals``), north-up; an unreadable file or a missing band is an
    :class:`InputError` naming it."""
    p = boundary.check_path(path)
    try:
        ds = stack.enter_context(rasterio.open(p))
    except (RasterioError, CPLE_BaseError) as exc:
        raise InputError(f"{p.name}: is not a raster GDAL can read, such as a GeoTIFF or an "
                         f"SRTM .hgt tile: {boundary.reason(exc, p)}") from None
    check_band(ds.count, band, p.name)
    if originals is not None:
        originals.append(ds)
    ds = north_up(ds, stack, Resampling.bilinear)
    return ds


def _scaling(datasets: Sequence[Any], names: Sequence[str], band: int) -> tuple[float, float]:
    """The one (factor, offset) of :func:`~coverage_gis.io.raster.height_scaling` that every
    tile shares; tiles that store heights differently are an :class:`InputError`."""
    each = [height_scaling(ds, band, name) for ds, name in zip(datasets, names)]
    if any(not np.allclose(e, each[0]) for e in each[1:]):
        listed = "; ".join(f"{n}: x{f:g} + {o:g} m" for n, (f, o) in zip(names, each))
        raise InputError(f"DEM tiles {', '.join(names)}: store heights in different units or "
                         f"scales ({listed}); expected tiles of one DEM product")
    return each[0]


def _common_crs(datasets: Sequence[Any], names: Sequence[str], user_crs: CRS | None) -> CRS:
    """The CRS every tile shares (``user_crs`` for tiles that declare none); tiles in
    different CRSs are an :class:`InputError` listing them."""
    crss = [dem_crs(CRS.from_user_input(ds.crs) if ds.crs else None, user_crs, name)
            for ds, name in zip(datasets, names)]
    if any(c != crss[0] for c in crss[1:]):
        listed = "; ".join(f"{n}: {describe_crs(c)}" for n, c in zip(names, crss))
        raise InputError(f"DEM tiles {', '.join(names)}: are not in one CRS ({listed}); "
                         "expected tiles of one DEM product in one CRS: reproject them to one "
                         "CRS first (e.g. gdalwarp -t_srs EPSG:4326)")
    return crss[0]


def _resolution(datasets: Sequence[Any], names: Sequence[str]) -> tuple[tuple[float, float],
                                                                      Resampling]:
    """The finest pixel size of the tiles, and how to resample the others (nearest when they
    all have it: the values are then copied unchanged)."""
    sizes = [(abs(ds.transform.a), abs(ds.transform.e)) for ds in datasets]
    finest = min(sizes, key=lambda s: s[0] * s[1])
    if all(np.allclose(s, finest, rtol=1e-6) for s in sizes):
        return finest, Resampling.nearest
    listed = ", ".join(f"{n} {s[0]:.6g}" for n, s in zip(names, sizes))
    warnings.warn(f"DEM tiles of different resolutions ({listed}); resampled (bilinear) to "
                  f"the finest, {finest[0]:.6g}", InputWarning, stacklevel=3)
    return finest, Resampling.bilinear


def _snap(bounds: tuple[float, float, float, float], transform: Any,
          res: tuple[float, float]) -> tuple[float, float, float, float]:
    """``bounds`` grown to whole pixels of the grid of ``transform`` with pixel size ``res``."""
    x0, y0 = transform.c, transform.f
    rx, ry = res
    minx, miny, maxx, maxy = bounds
    eps = 1e-6  # of a pixel: bounds already on the grid stay where they are
    down = lambda v: math.floor(v + eps)  # noqa: E731
    up = lambda v: math.ceil(v - eps)  # noqa: E731
    return (x0 + down((minx - x0) / rx) * rx, y0 + down((miny - y0) / ry) * ry,
            x0 + up((maxx - x0) / rx) * rx, y0 + up((maxy - y0) / ry) * ry)


def _check_bounds(bounds: Any, datasets: Sequence[Any], source: str, the_crs: CRS) -> None:
    """Refuse a window that is not (minx, miny, maxx, maxy) of finite numbers in order, or
    that meets none of the tiles, naming ``bounds=`` and the tiles' CRS and extent (found by a
    review: degrees given for a UTM DEM were blamed on the file, "holds no data")."""
    extent = (min(ds.bounds.left for ds in datasets), min(ds.bounds.bottom for ds in datasets),
              max(ds.bounds.right for ds in datasets), max(ds.bounds.top for ds in datasets))
    where = (f"bounds are (minx, miny, maxx, maxy) in the DEM's CRS, {describe_crs(the_crs)}; "
             f"{source} covers x {extent[0]:.10g}..{extent[2]:.10g}, "
             f"y {extent[1]:.10g}..{extent[3]:.10g}")
    try:
        minx, miny, maxx, maxy = (float(v) for v in bounds)
    except (TypeError, ValueError):
        raise InputError(f"bounds={bounds!r}: expected four numbers ({where})") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or \
            minx >= maxx or miny >= maxy:
        raise InputError(f"bounds={tuple(bounds)!r}: expected minx < maxx and miny < maxy, "
                         f"finite ({where})")
    if not any(minx < ds.bounds.right and maxx > ds.bounds.left and miny < ds.bounds.top
               and maxy > ds.bounds.bottom for ds in datasets):
        raise InputError(f"bounds={tuple(bounds)!r} do not overlap the DEM ({where})")


def read_dem_tiles(paths: Sequence[str | os.PathLike],
                   bounds: tuple[float, float, float, float] | None = None, *,
                   crs: Any = None, band: int = 1) -> Raster:
    """Mosaic DEM tiles into one :class:`~coverage_gis.io.raster.Raster` of ground height (m).

    Parameters
    ----------
    paths
        The tiles: SRTM ``.hgt`` (or ``.hgt.zip``), Copernicus GLO-30 or any GeoTIFF tiles of
        one DEM, in one CRS. One path without ``bounds`` is read as it is.
    bounds
        (minx, miny, maxx, maxy) in the tiles' CRS: read only this window (a study area needs
        a few km² of four 1° tiles).
    crs
        The CRS of tiles that declare none.
    band
        The band holding ground height.

    Returns
    -------
    Raster
        float32 heights, NaN where no tile has data; ``source`` names the tiles.
    """
    files = [boundary.as_path(p) for p in paths]
    names = [p.name for p in files]
    if not names:
        raise InputError("DEM: no file given; expected one or more DEM tiles")
    if len(names) == 1 and bounds is None:
        return read_dem(paths[0], crs=crs, band=band)
    source = " + ".join(names)
    user_crs = boundary.resolve_user_crs(crs, source)
    with contextlib.ExitStack() as stack:
        originals: list[Any] = []
        datasets = [_open(p, band, stack, originals) for p in files]
        the_crs = _common_crs(datasets, names, user_crs)
        factor, offset = _scaling(originals, names, band)
        res, resampling = _resolution(datasets, names)
        if bounds is not None:  # snap the window outwards onto the first tile's pixel grid,
            _check_bounds(bounds, datasets, source, the_crs)  # so heights are not resampled
            bounds = _snap(bounds, datasets[0].transform, res)
        try:
            with warnings.catch_warnings():  # rasterio's own use of affine's `*`
                warnings.simplefilter("ignore", PendingDeprecationWarning)
                data, transform = rasterio.merge.merge(
                    datasets, bounds=bounds, res=res, indexes=[band], dtype="float32",
                    nodata=np.nan, resampling=resampling, method="first")
        except (RasterioError, CPLE_BaseError, ValueError) as exc:
            raise InputError(f"{source}: the tiles cannot be mosaicked: {exc}") from None
        heights = data[0].astype(np.float32)
        to_metres(heights, factor, offset)
        tiles = [(name, ds.transform, ds.height, ds.width) for name, ds in zip(names, originals)]
    return checked_dem(heights, transform, the_crs, source, tiles=tiles)


def read_dem_window(paths: Sequence[str | os.PathLike],
                    bounds: tuple[float, float, float, float], bounds_crs: Any, *,
                    crs: Any = None, band: int = 1, pad_px: int = 4) -> Raster:
    """The part of a DEM (one file or tiles) covering ``bounds`` (minx, miny, maxx, maxy in
    ``bounds_crs``, e.g. a site's square in its UTM zone), plus ``pad_px`` pixels: only that
    window is read (a site's 10 km need a few hundred km² of four 1° SRTM tiles). Bounds
    that meet no file read them whole, so that the caller's check of its point says where it
    is; so is one file of which the window holds at least half (a plain read is faster).

    Parameters
    ----------
    paths
        The DEM's file, or its tiles (:func:`read_dem_tiles`).
    bounds, bounds_crs
        The area needed and its CRS (transformed to the DEM's with densified edges: the box
        holding the whole area).
    crs, band
        As for :func:`read_dem_tiles`.
    """
    import rasterio.warp

    files = [boundary.as_path(p) for p in paths]
    names = [p.name for p in files]
    if not names:
        raise InputError("DEM: no file given; expected one or more DEM tiles")
    user_crs = boundary.resolve_user_crs(crs, " + ".join(names))
    with contextlib.ExitStack() as stack, warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)  # said once, when the window is read
        datasets = [_open(p, band, stack) for p in files]
        the_crs = _common_crs(datasets, names, user_crs)
        res = max(max(abs(ds.transform.a), abs(ds.transform.e)) for ds in datasets)
        extents = [ds.bounds for ds in datasets]
    try:
        left, bottom, right, top = rasterio.warp.transform_bounds(
            CRS.from_user_input(bounds_crs).to_wkt(), the_crs.to_wkt(), *bounds,
            densify_pts=21)
    except (RasterioError, CPLE_BaseError, ValueError):
        left = math.nan
    meets = math.isfinite(left) and any(
        b.left < right and left < b.right and b.bottom < top and bottom < b.top
        for b in extents)
    pad = pad_px * res
    if meets and len(paths) == 1:  # one file mostly needed: its plain read is faster
        b = extents[0]
        inner = ((min(right + pad, b.right) - max(left - pad, b.left))
                 * (min(top + pad, b.top) - max(bottom - pad, b.bottom)))
        meets = inner < 0.5 * (b.right - b.left) * (b.top - b.bottom)
    if not meets:
        return read_dem(paths[0] if len(paths) == 1 else list(paths), crs=crs, band=band)
    return read_dem_tiles(list(paths), (left - pad, bottom - pad, right + pad, top + pad),
                          crs=crs, band=band)
