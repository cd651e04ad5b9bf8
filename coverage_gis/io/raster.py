"""Rasters in memory (:class:`Raster`) and the DEM reader (:func:`read_dem`): numpy, rasterio
and pyproj only, so that a short process (``coverage-gis site-map``) reads its DEM without
loading pandas or geopandas."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import rasterio
import rasterio.crs
import rasterio.transform
import rasterio.warp
from affine import Affine
from pyproj import CRS
from rasterio._err import CPLE_BaseError
from rasterio.enums import Resampling
from rasterio.errors import RasterioError

from coverage_gis.config import settings
from coverage_gis.errors import InputError, InputWarning
from coverage_gis.io.boundary import (
    PathLike,
    as_path,
    at_boundary,
    check_path,
    file_name,
    reason,
    resolve_user_crs,
)
from coverage_gis.io.crs import describe_crs, file_crs, resolve_crs

__all__ = ["Raster", "read_dem", "checked_dem", "check_georeferenced", "check_raster_position",
           "check_band", "dem_crs", "horizontal_crs", "reproject_array", "latlon_bounds"]


@dataclass(frozen=True)
class Raster:
    """A single-band raster in memory: ``data`` (float32, NaN where nodata), its affine
    ``transform`` (pixel corner to CRS coordinates) and ``crs``.

    Attributes
    ----------
    data : numpy.ndarray
        2-D float32 array, rows from north to south; NaN marks nodata.
    transform : affine.Affine
        Maps (col, row) of a pixel's upper-left corner to CRS coordinates.
    crs : pyproj.CRS
        The raster's CRS.
    source : str
        Where it came from (file name), for messages.
    """

    data: np.ndarray
    transform: Affine
    crs: CRS
    source: str = "raster"

    def __repr__(self) -> str:
        """One line (the dataclass's own printed the array, found by a review)."""
        rows, cols = self.data.shape
        rx, ry = self.resolution
        unit = " m" if self.crs is not None and self.crs.is_projected else "°"
        size = f"{rx:g}{unit}" if rx == ry else f"{rx:g} x {ry:g}{unit}"
        nodata = float(np.isnan(self.data).mean()) if self.data.size else 0.0
        return (f"<Raster {self.source!r}: {cols} x {rows} pixels of {size}, "
                f"{describe_crs(self.crs)}, {nodata:.0%} nodata>")

    def __post_init__(self) -> None:
        """A raster built by hand (a notebook's) is checked here, not deep inside: a 2-D
        array and an invertible transform (a ValueError naming what is wrong)."""
        if not isinstance(self.data, np.ndarray) or self.data.ndim != 2:
            found = (f"of shape {self.data.shape}" if isinstance(self.data, np.ndarray)
                     else f"of type {type(self.data).__name__}")
            raise ValueError(f"Raster {self.source!r}: data {found}: expected a 2-D numpy "
                             "array (rows, columns)")
        if not isinstance(self.transform, Affine) or self.transform.is_degenerate:
            found = (str(tuple(self.transform)[:6]) if isinstance(self.transform, Affine)
                     else repr(self.transform)[:80])
            raise ValueError(f"Raster {self.source!r}: transform {found}: expected an "
                             "invertible affine.Affine (pixel size not zero)")

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape

    @property
    def resolution(self) -> tuple[float, float]:
        """Pixel size (x, y) in CRS units (m for a projected CRS)."""
        return abs(self.transform.a), abs(self.transform.e)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in CRS units."""
        rows, cols = self.shape
        return rasterio.transform.array_bounds(rows, cols, self.transform)

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinear sample at CRS coordinates ``x``, ``y``; NaN outside the raster."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        inv = ~self.transform
        col = inv.a * x + inv.b * y + inv.c - 0.5
        row = inv.d * x + inv.e * y + inv.f - 0.5
        rows, cols = self.shape
        c0 = np.floor(col).astype(np.int64)
        r0 = np.floor(row).astype(np.int64)
        fc = col - c0
        fr = row - r0
        inside = (col >= -0.5) & (row >= -0.5) & (col <= cols - 0.5) & (row <= rows - 0.5)
        c0c = np.clip(c0, 0, cols - 1)
        c1c = np.clip(c0 + 1, 0, cols - 1)
        r0c = np.clip(r0, 0, rows - 1)
        r1c = np.clip(r0 + 1, 0, rows - 1)
        d = self.data
        top = d[r0c, c0c] * (1 - fc) + d[r0c, c1c] * fc
        bottom = d[r1c, c0c] * (1 - fc) + d[r1c, c1c] * fc
        out = top * (1 - fr) + bottom * fr
        return np.where(inside, out, np.nan)

    def crop(self, bounds: tuple[float, float, float, float], crs: Any = None,
             pad_px: int = 0) -> Raster:
        """Its pixels covering ``bounds`` (minx, miny, maxx, maxy, in ``crs``; default: its
        own; one pixel more past the east and south edges) and ``pad_px`` more on each side,
        on its own grid (not resampled); itself when that is all of it or none of it."""
        if crs is not None and resolve_crs(crs) != self.crs:
            bounds = rasterio.warp.transform_bounds(resolve_crs(crs), self.crs, *bounds,
                                                    densify_pts=21)
        inv = ~self.transform
        minx, miny, maxx, maxy = bounds
        corners = [inv @ xy for xy in ((minx, miny), (minx, maxy), (maxx, miny), (maxx, maxy))]
        cols, rows = [c for c, _ in corners], [r for _, r in corners]
        h, w = self.data.shape
        r0 = max(int(np.floor(min(rows))) - pad_px, 0)
        c0 = max(int(np.floor(min(cols))) - pad_px, 0)
        r1 = min(int(np.ceil(max(rows))) + 1 + pad_px, h)
        c1 = min(int(np.ceil(max(cols))) + 1 + pad_px, w)
        if (r0, c0, r1, c1) == (0, 0, h, w) or r1 <= r0 or c1 <= c0:
            return self
        return Raster(np.ascontiguousarray(self.data[r0:r1, c0:c1]),
                      self.transform @ Affine.translation(c0, r0), self.crs, self.source)

    def reproject(self, crs: Any, resolution_m: float | None = None) -> Raster:
        """This raster warped to ``crs`` (bilinear), at ``resolution_m`` (default: about the
        current pixel size)."""
        dst_crs = resolve_crs(crs)
        out, transform = reproject_array(self.data, self.transform, self.crs, dst_crs,
                                         "bilinear", resolution=resolution_m)
        return Raster(out, transform, dst_crs, self.source)

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        from html import escape
        rows, cols = self.shape
        lo, hi = np.nanmin(self.data), np.nanmax(self.data)
        return (f"<b>Raster</b> {escape(self.source)}: {cols}×{rows} px, "
                f"{self.resolution[0]:g} × {self.resolution[1]:g} units, "
                f"{escape(self.crs.name)}, values {lo:.1f}..{hi:.1f}")




def reproject_array(values: np.ndarray, transform: Affine, crs: Any, dst_crs: Any,
                    resampling: str = "nearest", *, resolution: float | None = None,
                    max_px: int | None = None, nodata: float = np.nan,
                    oversample: int = 1) -> tuple[np.ndarray, Affine]:
    """A grid of ``values`` (rows north to south on ``transform`` in ``crs``) warped to
    ``dst_crs`` (any CRS pyproj reads, e.g. 3857 for Leaflet): (array, its transform).

    At about the source resolution, or ``resolution`` (``dst_crs`` units), ``oversample``
    times finer (so that nearest resampling drops no source pixel: a one-pixel gap of a
    coverage mask vanished at the source resolution); with ``max_px``, never more than
    ``max_px`` pixels on the long side (coarser pixels over the same bounds).
    ``resampling``: a :class:`rasterio.enums.Resampling` name. Integer values keep their
    dtype, with ``nodata`` (then an integer) where nothing falls; others come back float32
    with NaN."""
    src = np.asarray(values)
    if not np.issubdtype(src.dtype, np.integer):
        src = src.astype(np.float32, copy=False)
    rows, cols = src.shape
    src_crs, to_crs = _rasterio_crs(crs), _rasterio_crs(dst_crs)
    left, bottom, right, top = rasterio.transform.array_bounds(rows, cols, transform)
    kwargs: dict[str, Any] = {"resolution": resolution} if resolution else {}
    with warnings.catch_warnings():  # rasterio's own use of affine's `*`
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        dst_t, width, height = rasterio.warp.calculate_default_transform(
            src_crs, to_crs, cols, rows, left, bottom, right, top, **kwargs)
        finer = max(width, height) * oversample
        if oversample > 1 and (max_px is None or finer <= max_px):
            dst_t, width, height = rasterio.warp.calculate_default_transform(
                src_crs, to_crs, cols, rows, left, bottom, right, top,
                dst_width=width * oversample, dst_height=height * oversample)
        elif max_px is not None and max(width, height) > max_px:
            scale = max(width, height) / max_px
            dst_t, width, height = rasterio.warp.calculate_default_transform(
                src_crs, to_crs, cols, rows, left, bottom, right, top,
                dst_width=max(1, min(max_px, round(width / scale))),
                dst_height=max(1, min(max_px, round(height / scale))))
    out = np.full((height, width), nodata, dtype=src.dtype)
    rasterio.warp.reproject(src, out, src_transform=transform, src_crs=src_crs,
                            dst_transform=dst_t, dst_crs=to_crs, src_nodata=nodata,
                            dst_nodata=nodata,
                            resampling=getattr(rasterio.warp.Resampling, resampling))
    return out, dst_t


def latlon_bounds(transform: Affine, height: int, width: int, crs: Any
                  ) -> list[list[float]]:
    """``[[south, west], [north, east]]`` (WGS 84 degrees; what Leaflet's image overlay
    takes) of a north-up grid in ``crs``, from its corners."""
    from pyproj import Transformer

    west, north = transform @ (0, 0)
    east, south = transform @ (width, height)
    to_deg = Transformer.from_crs(CRS.from_user_input(crs), 4326, always_xy=True)
    lon0, lat0 = to_deg.transform(west, south)
    lon1, lat1 = to_deg.transform(east, north)
    return [[float(lat0), float(lon0)], [float(lat1), float(lon1)]]


def _rasterio_crs(crs: Any) -> rasterio.crs.CRS:
    """A CRS for rasterio from anything pyproj reads (through its WKT: a VN-2000 datum shift
    is kept)."""
    return rasterio.crs.CRS.from_wkt(CRS.from_user_input(crs).to_wkt())


def read_dem(path: PathLike | Sequence[PathLike], *, crs: Any = None, band: int = 1,
             bounds: tuple[float, float, float, float] | None = None) -> Raster:
    """A digital elevation model (GeoTIFF, SRTM ``.hgt``/``.hgt.zip`` or any GDAL raster) of
    ground height in metres; several files (tiles) are mosaicked into one
    (:func:`coverage_gis.io.dem.read_dem_tiles`, which also takes ``bounds`` to read only a
    window, in the tiles' CRS).

    Returns a :class:`Raster` (float32, NaN for nodata) with its CRS and transform.
    ``crs`` names the CRS when the file has none. A position that contradicts the CRS's units
    (metres under a CRS in degrees, or the reverse) and heights outside
    :data:`settings.DEM_HEIGHT_RANGE_M` are errors.
    """
    one = isinstance(path, (str, bytes, os.PathLike))
    if one and bounds is None:
        return _read_dem_file(path, crs=crs, band=band)
    from coverage_gis.io.dem import read_dem_tiles

    if one or not isinstance(path, Iterable):
        paths = [as_path(path)]  # None, a number: a TypeError naming what was given
    else:
        paths = [as_path(p) for p in path]
    return read_dem_tiles(paths, bounds, crs=crs, band=band)


def horizontal_crs(crs: CRS) -> CRS:
    """The horizontal part of a compound CRS (Copernicus GLO-30 declares EPSG:4326 + EGM2008
    heights), else the CRS itself."""
    return crs.sub_crs_list[0] if crs.is_compound and crs.sub_crs_list else crs


def north_up(ds: Any, stack: contextlib.ExitStack, resampling: Resampling) -> Any:
    """``ds``, or a north-up view of it (a WarpedVRT closed with ``stack``) when its rows run
    south to north (the same pixels, copied) or its grid is rotated (resampled with
    ``resampling`` onto GDAL's north-up grid of about the same pixel size): the terrain
    functions read a grid by its origin and pixel size, so a rotated DEM read as it is put
    every height away from where it lies (15 degrees: line of sight 40 % of a 10 km disc
    instead of 47 %)."""
    t = ds.transform
    if t.b == 0 and t.d == 0 and t.a > 0 and t.e < 0:
        return ds
    from rasterio.vrt import WarpedVRT

    if t.b == 0 and t.d == 0 and t.a > 0:  # south-up: found by fuzzing, merge read nodata
        up = Affine(t.a, 0.0, t.c, 0.0, -t.e, t.f + t.e * ds.height)
        return stack.enter_context(WarpedVRT(ds, crs=ds.crs, transform=up, width=ds.width,
                                             height=ds.height, resampling=Resampling.nearest))
    return stack.enter_context(WarpedVRT(ds, crs=ds.crs, resampling=resampling))


@at_boundary
def _read_dem_file(path: PathLike, *, crs: Any = None, band: int = 1) -> Raster:
    """One DEM file (see :func:`read_dem`)."""
    p = check_path(path)
    source = file_name(p)
    user_crs = resolve_user_crs(crs, source)
    try:
        with contextlib.ExitStack() as stack:
            ds = north_up(stack.enter_context(rasterio.open(p)), stack, Resampling.bilinear)
            check_band(ds.count, band, source)
            # nodata (GDAL's mask: a nodata value, a mask band or alpha) as NaN; read plain and
            # masked apart: a masked read's copies took 2.0 s instead of 0.25 on a
            # province's 32 M-pixel DEM
            data = ds.read(band, out_dtype=np.float32)
            data[ds.read_masks(band) == 0] = np.nan
            to_metres(data, *height_scaling(ds, band, source))
            declared = CRS.from_user_input(ds.crs) if ds.crs else None
            transform = ds.transform
    except (RasterioError, CPLE_BaseError) as exc:
        raise InputError(f"{source}: is not a raster GDAL can read, such as a GeoTIFF: "
                         f"{reason(exc, p)}") from None
    return checked_dem(data, transform, dem_crs(declared, user_crs, source), source)


#: A DEM band's height unit (GDAL's unit type, lower case) -> metres: none said is metres.
#: The US survey foot is 1200/3937 m (NIST SP 811, B.6), the international foot 0.3048 m.
HEIGHT_UNITS_M: dict[str, float] = {
    "": 1.0, "m": 1.0, "metre": 1.0, "meter": 1.0, "metres": 1.0, "meters": 1.0,
    "dm": 0.1, "cm": 0.01, "mm": 0.001,
    "ft": 0.3048, "foot": 0.3048, "feet": 0.3048, "international foot": 0.3048,
    "us-ft": 1200 / 3937, "ftus": 1200 / 3937, "us survey foot": 1200 / 3937,
    "us_survey_foot": 1200 / 3937}


def height_scaling(ds: Any, band: int, source: str) -> tuple[float, float]:
    """(factor, offset) turning a DEM band's stored values into metres: GDAL's scale and
    offset (heights stored as integer decimetres, scale 0.1), then its unit (feet)
    (found by fuzzing: both ignored, heights read 10x and 3.28x too high). An unknown unit
    is an :class:`InputError` naming it."""
    scale = ds.scales[band - 1] if ds.scales else 1.0
    offset = ds.offsets[band - 1] if ds.offsets else 0.0
    unit = (ds.units[band - 1] if ds.units else "") or ""
    key = unit.strip().lower()
    if key not in HEIGHT_UNITS_M:
        raise InputError(f"{source}: band {band} holds heights in {unit!r}, a unit this "
                         "package does not know; expected metres (or feet, cm, dm, mm), "
                         "e.g. gdal_translate -scale to metres first")
    k = HEIGHT_UNITS_M[key]
    return float(scale if scale is not None else 1.0) * k, float(offset or 0.0) * k


def to_metres(data: np.ndarray, factor: float, offset: float) -> None:
    """Apply :func:`height_scaling`'s (factor, offset) in place (NaN stays NaN)."""
    if factor != 1.0:
        data *= np.float32(factor)
    if offset != 0.0:
        data += np.float32(offset)


def check_band(count: int, band: int, source: str, holds: str = "ground height") -> None:
    """A raster's ``band`` among the file's ``count``: one that does not exist is an
    :class:`InputError`; a file of several bands, a warning naming the band used as what it
    ``holds`` (a DEM's ground height, a land cover's classes)."""
    if band < 1 or band > count:
        raise InputError(f"{source}: has {count} band(s); band={band} does not exist")
    if count > 1:
        warnings.warn(f"{source}: has {count} bands; using band {band} as {holds}",
                      InputWarning, stacklevel=4)


def dem_crs(declared: CRS | None, user_crs: CRS | None, source: str) -> CRS:
    """The CRS of a DEM: ``user_crs`` (crs=) when given, else the file's (horizontal part,
    checked and VN-2000 repaired, :func:`~coverage_gis.io.crs.file_crs`); none at all is an
    :class:`InputError`."""
    if user_crs is not None:
        return user_crs
    if declared is not None:
        return file_crs(horizontal_crs(declared), source)
    raise InputError(f"{source}: has no CRS; name it with crs=, e.g. crs='EPSG:32648'")


def checked_dem(data: np.ndarray, transform: Affine, crs: CRS, source: str,
                tiles: Sequence[tuple[str, Affine, int, int]] = ()) -> Raster:
    """A :class:`Raster` of ground heights (m), after the checks every DEM passes: a
    geotransform, a position that fits the CRS's units, some data, and heights within
    :data:`settings.DEM_HEIGHT_RANGE_M`. ``data`` read from files (a window, a mosaic):
    their (name, transform, height, width), so that a bad pixel is named in its file."""
    lo, hi = settings.DEM_HEIGHT_RANGE_M
    # an infinite height is no nodata: the terrain would see an infinite wall (fuzzing)
    bad = ~np.isnan(data) & ((data < lo) | (data > hi))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        where = _pixel_in_file(int(r), int(c), transform, tiles) or (source, r, c)
        raise InputError(f"{where[0]}: pixel (row {where[1] + 1}, column {where[2] + 1}) "
                         f"height={data[r, c]:g} is outside {lo:g}..{hi:g} m (is this a "
                         "ground-height raster in metres, with its nodata value set?)")
    check_georeferenced(data, transform, crs, source)
    return Raster(data, transform, crs, source)


def _pixel_in_file(r: int, c: int, transform: Affine,
                   tiles: Sequence[tuple[str, Affine, int, int]]) -> tuple[str, int, int] | None:
    """(file, row, column) of pixel (``r``, ``c``) of a grid read from ``tiles`` (0-based):
    found by fuzzing, a window's row and column named another pixel of the file."""
    x, y = transform @ (c + 0.5, r + 0.5)
    for name, t, height, width in tiles:
        col, row = ~t @ (x, y)
        if 0 <= row < height and 0 <= col < width:
            return name, int(row), int(col)
    return None


def check_georeferenced(data: np.ndarray, transform: Affine, crs: CRS, source: str
                        ) -> np.ndarray:
    """The checks every raster layer passes (DEM, land cover): a geotransform, a position
    that fits the CRS's units (:func:`check_raster_position`) and some data; returns the
    mask of pixels with data."""
    if transform == Affine.identity():
        raise InputError(f"{source}: has no georeferencing (no geotransform): expected a "
                         "GeoTIFF with its position")
    check_raster_position(data.shape, transform, crs, source)
    finite = np.isfinite(data)
    if not finite.any():
        raise InputError(f"{source}: holds no data (every pixel is nodata)")
    return finite


def check_raster_position(shape: tuple[int, ...], transform: Affine, crs: CRS,
                           source: str) -> None:
    """Refuse a raster whose position contradicts its CRS's units: metres under a CRS in
    degrees, or a pixel size and position in degrees under a CRS in metres."""
    left, bottom, right, top = rasterio.transform.array_bounds(shape[0], shape[1], transform)
    px, py = abs(transform.a), abs(transform.e)
    in_degrees_range = max(abs(left), abs(right)) <= 180 and max(abs(bottom), abs(top)) <= 90
    if crs.is_geographic and not in_degrees_range:
        raise InputError(f"{source}: its CRS {describe_crs(crs)} counts in degrees, but its "
                         f"position ({left:.0f}, {top:.0f}) and pixel size {px:g} are not "
                         "degrees (they look like metres); expected the raster's real CRS: "
                         "name it with crs=, e.g. crs='EPSG:32648' or 'vn2000-thanhhoa'")
    if not crs.is_geographic and in_degrees_range and max(px, py) < 0.01:
        raise InputError(f"{source}: its CRS {describe_crs(crs)} counts in metres, but its "
                         f"pixel size {px:g} × {py:g} and position ({left:g}, {top:g}) look "
                         "like degrees; expected the raster's real CRS: name it with crs=, "
                         "e.g. crs='EPSG:4326'")
