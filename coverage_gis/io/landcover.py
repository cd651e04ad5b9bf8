"""Land cover: a classified raster (ESA WorldCover 10 m by default) for the coverage clutter.

:func:`read_landcover` reads one band of class codes (``[layers] landcover``) into a
:class:`~coverage_gis.io.raster.Raster` (float32 class codes, NaN where nodata);
:func:`check_landcover` checks it against the study area and the scenario's ``[clutter]``
table (every class present needs a loss); :func:`classes_on_grid` puts it on the coverage
grid (the most frequent class of the land-cover pixels in each grid cell, GDAL's "mode"
resampling; -1 where there is none). The file is only read, never changed.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import rasterio
import rasterio.warp
from affine import Affine
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioError

from coverage_gis.config import settings
from coverage_gis.errors import InputError, InputWarning
from coverage_gis.io import boundary
from coverage_gis.io.crs import describe_crs
from coverage_gis.io.raster import Raster, check_band, check_georeferenced, dem_crs, north_up

if TYPE_CHECKING:
    import shapely

__all__ = ["read_landcover", "check_landcover", "check_classes", "check_grid_classes",
           "classes_on_grid", "class_counts"]

#: Class codes a float32 raster holds exactly (integers up to 2^24).
_MAX_CODE = 2 ** 24


def read_landcover(path: str | os.PathLike, *, crs: Any = None, band: int = 1
                   ) -> Raster:
    """A land-cover raster of class codes (GeoTIFF or any raster GDAL reads).

    Parameters
    ----------
    path
        The file, e.g. an ESA WorldCover tile (classes 10 tree cover ... 100 moss).
    crs
        The CRS when the file has none.
    band
        The band holding the classes.

    Returns
    -------
    Raster
        Class codes as float32 (exact for whole numbers below 2^24), NaN where nodata.

    Raises
    ------
    InputError
        Naming the file: unreadable, no CRS or georeferencing, no data, or values that are
        not class codes (not whole numbers: a continuous raster such as a DEM).
    """
    p = boundary.check_path(path)
    source = p.name
    user_crs = boundary.resolve_user_crs(crs, source)
    try:
        with contextlib.ExitStack() as stack:  # rotated: classes copied (nearest) north-up
            ds = north_up(stack.enter_context(rasterio.open(p)), stack, Resampling.nearest)
            # a 3-band picture of a land cover (RGB) was read as classes without a word
            check_band(ds.count, band, source, "land-cover classes")
            data = ds.read(band, masked=True).astype(np.float64).filled(np.nan)
            file_crs = CRS.from_user_input(ds.crs) if ds.crs else None
            transform = ds.transform
    except (RasterioError, OSError) as exc:
        raise InputError(f"{source}: is not a raster GDAL can read, such as a GeoTIFF: "
                         f"{boundary.reason(exc, p)}") from None
    the_crs = dem_crs(file_crs, user_crs, source)
    finite = check_georeferenced(data, transform, the_crs, source)
    bad = finite & ((data != np.round(data)) | (data < 0) | (data >= _MAX_CODE))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        examples = ", ".join(f"{k} {v}" for k, v in settings.WORLDCOVER_CLASSES.items())
        raise InputError(f"{source}: pixel (row {r + 1}, column {c + 1}) value={data[r, c]:g} "
                         "is not a land-cover class code; expected whole numbers from 0 "
                         f"(classes such as ESA WorldCover's {examples}), not a continuous "
                         "raster such as a DEM")
    return Raster(data.astype(np.float32), transform, the_crs, source)


def class_counts(raster: Raster) -> dict[int, int]:
    """Pixels per class code of a land-cover raster (nodata left out)."""
    data = raster.data[np.isfinite(raster.data)].astype(np.int64)
    codes, counts = np.unique(data, return_counts=True)
    return {int(c): int(n) for c, n in zip(codes, counts)}


def check_landcover(raster: Raster, area: shapely.Geometry, area_crs: CRS,
                    losses_db: Mapping[int, float]) -> None:
    """A land-cover raster against the study area and the clutter table.

    No overlap with ``area`` (the hamlets) and a class without a loss in ``losses_db`` are
    :class:`InputError`\\ s naming the file, the classes and the ``[clutter]`` key; a part of
    the area without land cover is an :class:`InputWarning` (no clutter there)."""
    import shapely

    from coverage_gis.io.project import _points_in  # the sampling grid of the DEM check

    to_raster = _transformer(area_crs, raster.crs)
    local = shapely.transform(area, lambda xy: np.column_stack(to_raster(xy[:, 0], xy[:, 1])))
    left, bottom, right, top = raster.bounds
    if not local.intersects(shapely.box(left, bottom, right, top)):
        raise InputError(f"{raster.source}: does not overlap the hamlets at all "
                         f"({describe_crs(raster.crs)}); expected a land-cover raster of the "
                         "study area: is it another area's, or is its CRS wrong?")
    check_classes(class_counts(raster), losses_db, raster.source)
    xs, ys = _points_in(local)
    missing = np.isnan(_nearest(raster, xs, ys))
    if missing.all():
        raise InputError(f"{raster.source}: holds no land-cover class over the hamlets (only "
                         "nodata there); expected classes over the study area")
    if missing.any():
        warnings.warn(f"{raster.source}: has no land-cover class over about "
                      f"{missing.mean():.0%} of the hamlets' area (outside the raster or "
                      "nodata); no clutter loss there", InputWarning, stacklevel=2)


def check_classes(counts: Mapping[int, int], losses_db: Mapping[int, float], source: str,
                  what: str = "pixels") -> None:
    """Every class present (``counts``: {class: count of ``what``}) has a loss in the
    ``[clutter]`` table, else an :class:`InputError` naming the file and the classes."""
    unknown = {c: n for c, n in counts.items() if c not in losses_db}
    if unknown:
        listed = ", ".join(f"{c} ({n} {what})" for c, n in sorted(unknown.items())[:10])
        raise InputError(f"{source}: class(es) {listed} have no loss in [clutter] "
                         f"losses_db (known: {', '.join(map(str, sorted(losses_db)))}); "
                         "expected a loss (dB) for every class of the land-cover raster, e.g. "
                         '[clutter] losses_db = { "10" = 6.0, "40" = 0.0 }')


def check_grid_classes(classes: np.ndarray, losses_db: Mapping[int, float], source: str
                       ) -> dict[int, int]:
    """Grid cells per class of ``classes`` (:func:`classes_on_grid`'s, -1 for none, left
    out), each class with a loss in the ``[clutter]`` table (:func:`check_classes`)."""
    codes, counts = np.unique(classes[classes >= 0], return_counts=True)
    found = {int(c): int(n) for c, n in zip(codes, counts)}
    check_classes(found, losses_db, source, "grid cells")
    return found


def _transformer(src: CRS, dst: CRS) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True).transform


def _nearest(raster: Raster, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The class of the pixel holding each point (NaN outside)."""
    inv = ~raster.transform
    col = np.floor(inv.a * x + inv.b * y + inv.c).astype(np.int64)
    row = np.floor(inv.d * x + inv.e * y + inv.f).astype(np.int64)
    rows, cols = raster.shape
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    values = raster.data[np.clip(row, 0, rows - 1), np.clip(col, 0, cols - 1)]
    return np.where(inside, values, np.nan)


def classes_on_grid(raster: Raster, crs: CRS, transform: Affine, width: int,
                    height: int) -> np.ndarray:
    """The land-cover class of each cell of a grid (int32, -1 where none): the most frequent
    class of the land-cover pixels in the cell (GDAL "mode" resampling; the pixel at the
    cell's centre when the land cover is coarser than the grid)."""
    src = np.where(np.isfinite(raster.data), raster.data, -1).astype(np.int32)
    out = np.full((height, width), -1, dtype=np.int32)
    with warnings.catch_warnings():  # rasterio's own use of affine's `*`
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        rasterio.warp.reproject(src, out, src_transform=raster.transform, src_crs=raster.crs,
                                dst_transform=transform, dst_crs=crs, src_nodata=-1,
                                dst_nodata=-1, resampling=rasterio.warp.Resampling.mode)
    return out
