"""Files of ``coverage-gis site-map``: the site's rasters (Cloud-Optimized GeoTIFFs) and
``site_map.json`` (what was asked, what was computed, how, and a summary)."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import numpy as np

from coverage_gis.config import settings
from coverage_gis.config.params import CoverageParams
from coverage_gis.engines.site_map import MAP_VARIABLES, SiteMap
from coverage_gis.io.crs import describe_crs
from coverage_gis.io.files import atomic_path, write_geotiff
from coverage_gis.version import __version__

__all__ = ["RASTERS", "OUTPUT_NAMES", "site_map_record", "write_site_map"]

#: The rasters: file -> (SiteMap attribute, band description, unit).
RASTERS: dict[str, tuple[str, str, str]] = {
    f"{attr}.tif": (attr, description, unit)
    for attr, (description, unit) in MAP_VARIABLES.items()}

#: Every file ``site-map`` writes (``manifest.json`` by the output set).
OUTPUT_NAMES = (*RASTERS, "site_map.json", "manifest.json")


def _share(mask: np.ndarray, inside: np.ndarray) -> float | None:
    n = int(inside.sum())
    return round(float((mask & inside).sum()) / n, 4) if n else None


def site_map_record(result: SiteMap, params: CoverageParams, given: dict[str, Any],
                    kernels: str, landcover: str | None = None) -> dict[str, Any]:
    """The content of ``site_map.json``: the input as typed (``given``), the site (in WGS 84
    and in the grid's CRS), the cell, the method (``kernels``: which build of the terrain kernels
    ran; ``landcover``: the land cover's file name, or None), the grid and a summary (shares
    of the disc; the threshold is the scenario's for the technology)."""
    cell = result.cell
    inside = np.isfinite(result.path_loss_db)
    threshold = float(params.thresholds_dbm[cell["technology"]])
    level = result.level_dbm[inside]
    t = result.transform
    return {
        "software": {"name": "coverage-gis", "version": __version__},
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "input": given,
        "site": {"lon": round(result.lon, 7), "lat": round(result.lat, 7),
                 "x_m": round(result.x_m, 3), "y_m": round(result.y_m, 3),
                 "crs": describe_crs(result.crs), "ground_m": round(result.ground_m, 2),
                 "ground_from_dem": result.ground_from_dem},
        "cell": {
            "technology": cell["technology"], "band_mhz": cell["band_mhz"],
            "height_m": cell["height_m"], "eirp_dbm": cell["eirp_dbm"],
            "bandwidth_mhz": cell["bandwidth_mhz"],
            "azimuth_deg": None if np.isnan(cell["azimuth_deg"]) else cell["azimuth_deg"],
            "eirp_re_dbm": round(float(cell["eirp_re_dbm"]), 3),
            "model": cell["model"], "model_validity": result.model_validity},
        "method": {
            "terrain_method": params.terrain_method,
            "effective_height": params.effective_height, "environment": params.environment,
            "ue_height_m": params.ue_height_m, "body_loss_db": params.body_loss_db,
            "indoor": params.indoor, "radius_m": result.radius_m,
            "resolution_m": result.resolution_m, "terrain_kernels": kernels,
            "landcover": None if landcover is None else {
                "file": landcover,
                "environment_per_pixel": params.clutter_params.environment_per_pixel}},
        "grid": {"width": result.width, "height": result.height,
                 "transform": [t.a, t.b, t.c, t.d, t.e, t.f]},
        "summary": {
            "cells_within_radius": int(inside.sum()),
            "line_of_sight_share": _share(result.los, inside),
            "fresnel_clear_share": _share(result.fresnel_clear, inside),
            "threshold_dbm": threshold,
            "at_threshold_share": _share(np.nan_to_num(result.level_dbm, nan=-np.inf)
                                         >= threshold, inside),
            "path_loss_db_min": (round(float(result.path_loss_db[inside].min()), 2)
                                 if inside.any() else None),
            "path_loss_db_max": (round(float(result.path_loss_db[inside].max()), 2)
                                 if inside.any() else None),
            "level_dbm_max": round(float(level.max()), 2) if level.size else None,
            "dem_coverage_share": round(result.dem_share, 4),
            "landcover_coverage_share": (None if result.landcover_share is None
                                         else round(result.landcover_share, 4)),
            "landcover_classes": {str(k): v for k, v in result.landcover_classes.items()}},
        "files": {name: f"{desc} ({unit})" if unit else desc
                  for name, (_, desc, unit) in RASTERS.items()},
    }


def write_site_map(result: SiteMap, record: dict[str, Any], folder: Path) -> list[Path]:
    """Write the rasters and ``site_map.json`` into ``folder`` (an output set's staging
    folder); return the paths. Rasters of at most ``settings.SITE_MAP_OVERVIEWS_ABOVE_PX``
    pixels a side have no overviews (10 km at 30 m is 667 a side: they would take 0.1 s of
    the 0.7 s process, for a raster any viewer draws whole)."""
    paths = []
    overviews = max(result.width, result.height) > settings.SITE_MAP_OVERVIEWS_ABOVE_PX
    for name, (attr, description, unit) in RASTERS.items():
        array = getattr(result, attr)
        nodata = None if array.dtype == np.bool_ else float("nan")
        paths.append(write_geotiff(folder / name, array, result, nodata=nodata,
                                   description=description, units=unit, overviews=overviews))
    path = folder / "site_map.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    return [*paths, path]
