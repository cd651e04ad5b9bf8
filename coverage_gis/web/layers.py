"""What the app's map shows of an analysis: every layer as GeoJSON in WGS 84 (plain values,
no markup: the page builds its DOM with ``textContent``), the raster overlays as PNGs in Web
Mercator, and the colours the page and its legend use (colour-blind safe: blue against
orange, never red against green, and each state also told by shape or text).

Nothing is recomputed: the layers are read from the :class:`~coverage_gis.results.analysis.
Analysis` (the stored result, or the one computed at start-up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from coverage_gis.config import settings
from coverage_gis.outputs import style
from coverage_gis.outputs.style import operator_colour
from coverage_gis.radio.antenna import sector_footprint
from coverage_gis.web.images import Overlay, hillshade_png, overlay_png

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from coverage_gis.engines.coverage import CoverageResult, Grid
    from coverage_gis.results.analysis import Analysis

__all__ = ["MapData", "map_data", "COLOURS", "level_colours", "geojson", "json_value",
           "newly_covered_overlay"]

#: Colours of the app's map: the shared colour-blind-safe palettes of
#: :mod:`coverage_gis.outputs.style` (the offline map's and the reports'), and for a check's
#: new coverage a black hatching, which no other layer uses (dense: newly covered; a light
#: tint: covered by the new cells but covered already).
COLOURS: dict[str, Any] = {
    "share": style.SHARE_COLOURS,
    "share_bins": style.SHARE_BINS,
    "no_data": style.NO_DATA,
    "covered": style.MET,
    "not_covered": style.SHORT,
    "levels": style.LEVEL_COLOURS,
    "check_new": (0, 0, 0, 190),
    "check_already": (0, 0, 0, 45),
    "commune": "#333333",
    "unit": style.UNIT_OUTLINE,
    "roads": "#7f7f7f",
    "railway": "#000000",
    "extension": style.EXTENSION,
    "suggested": style.SUGGESTED,
    "sharing": style.SHARING,
    "constraint": "#000000",
}
#: Pixels of the hatching per grid cell, and its period (px): stripes 2 px wide.
_HATCH_SCALE, _HATCH_PERIOD = 4, 6



def json_value(v: Any) -> Any:
    """A value as plain JSON: NumPy scalars as Python ones, NaN, NA and infinities as None."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    if isinstance(v, (str, int, float, bool)):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def geojson(gdf: gpd.GeoDataFrame | None, columns: dict[str, str]) -> dict[str, Any] | None:
    """A FeatureCollection in WGS 84 (coordinates to 1e-6°, about 0.1 m) with ``columns``
    (property name → column) as properties; None without a layer."""
    if gdf is None:
        return None
    if gdf.crs is not None and not CRS(gdf.crs).equals(CRS.from_epsg(4326)):
        gdf = gdf.to_crs(4326)
    feats = []
    present = {k: c for k, c in columns.items() if c in gdf.columns}
    for row in gdf.itertuples(index=False):
        geom = getattr(row, gdf.geometry.name)
        if geom is None or geom.is_empty:
            continue
        geom = shapely.transform(geom, lambda xy: np.round(xy, 6))
        props = {k: json_value(getattr(row, c)) for k, c in present.items()}
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                      "properties": props})
    return {"type": "FeatureCollection", "features": feats}


def _hamlets(analysis: Analysis) -> dict[str, Any] | None:
    h = analysis.project.hamlets
    if h is None:
        return None
    table = analysis.hamlets.drop(columns=["name"], errors="ignore")
    gdf = h[["hamlet_id", "name", "geometry"]].merge(table, on="hamlet_id", how="left")
    return geojson(gdf, {"id": "hamlet_id", "name": "name", "households": "households",
                         "mbb_share": "mobile_broadband_share",
                         "mbb_covered": "mobile_broadband_covered",
                         "ftth_share": "ftth_share", "ftth_covered": "ftth_covered"})


def _cells(sites: gpd.GeoDataFrame | None) -> dict[str, Any] | None:
    """Each cell as a wedge along its azimuth (a disc when omni), coloured by operator."""
    if sites is None:
        return None
    seen: dict[str, str] = {}
    wedges = [sector_footprint(r.geometry.x, r.geometry.y,
                               style.wedge_m(r["technology"]),
                               float(r["azimuth_deg"]), float(r["beamwidth_deg"]))
              for _, r in sites.iterrows()]
    gdf = sites.assign(geometry=wedges,
                       colour=[operator_colour(o, seen) for o in sites["operator"]])
    return geojson(gdf, {"site_id": "site_id", "tower_id": "tower_id", "operator": "operator",
                         "technology": "technology", "band_mhz": "band_mhz",
                         "azimuth_deg": "azimuth_deg", "height_m": "height_m",
                         "status": "status", "colour": "colour"})


def _households(analysis: Analysis) -> dict[str, Any] | None:
    hh = analysis.project.households
    if hh is None:
        return None
    cov = analysis.coverage
    mbb = cov.covered.get("mobile_broadband")
    covered = (cov.grid.sample(mbb, hh.geometry).astype(bool) if mbb is not None
               else np.zeros(len(hh), dtype=bool))
    gdf = hh.assign(mbb_covered=covered)
    if analysis.fibre is not None and "passed" in analysis.fibre.reach.columns:
        passed = analysis.fibre.reach.set_index("household_id")["passed"]
        gdf = gdf.assign(ftth_passed=gdf["household_id"].map(passed).astype("boolean"))
    return geojson(gdf, {"id": "household_id", "hamlet_id": "hamlet_id",
                         "mbb_covered": "mbb_covered", "ftth_passed": "ftth_passed"})


def _unit_outline(analysis: Analysis) -> dict[str, Any] | None:
    """The 2025 unit the tower checks are made for
    (:func:`~coverage_gis.engines.territory.current_unit`), when the commune layer is another
    outline (the old commune the plan was adopted for): found by a review, the map drew only
    the old commune, so a click inside it could be ruled outside the unit and one 3 km
    outside it inside. None otherwise."""
    import geopandas as gpd

    from coverage_gis.engines.territory import current_unit
    from coverage_gis.io import units as admin

    p = analysis.project
    unit = current_unit(p)
    if unit is None or unit.code is None or (
            p.commune is not None
            and admin.is_unit_outline(p.commune, admin.find_unit(unit.code))):
        return None
    frame = gpd.GeoDataFrame({"code": [unit.code], "name": [unit.name]},
                             geometry=[unit.geometry], crs=p.crs)
    return geojson(frame, {"code": "code", "name": "name"})


def _vector_layers(analysis: Analysis) -> dict[str, Any]:
    """Every vector layer of the map, by key (None when the study has none)."""
    p, fibre = analysis.project, analysis.fibre
    routes = fibre.routes if fibre is not None else p.fibre
    return {
        "commune": geojson(p.commune, {"name": "name"}),
        "unit": _unit_outline(analysis),
        "hamlets": _hamlets(analysis),
        "towers": geojson(analysis.towers, {
            "tower_id": "tower_id", "operators": "operators", "status": "status",
            "technologies": "technologies", "inside_unit": "inside_unit",
            "n_cells": "n_cells"}),
        "cells": _cells(p.sites),
        "suggestions": geojson(analysis.suggestions, {
            "rank": "rank", "kind": "kind", "tower_id": "tower_id", "operator": "operator",
            "households_gained": "households_gained", "m4_after": "m4_after",
            "hamlets_newly_covered": "hamlets_newly_covered"}),
        "sharing": geojson(analysis.sharing_candidates, {
            "rank": "rank", "kind": "kind", "tower_a": "tower_a", "tower_b": "tower_b",
            "distance_m": "distance_m"}),
        "households": _households(analysis),
        "fibre_routes": geojson(routes, {"operator": "operator", "name": "name",
                                         "length_m": "length_m"}),
        "access_points": geojson(p.access_points, {
            "ap_id": "ap_id", "operator": "operator", "kind": "kind",
            "ports_total": "ports_total", "ports_used": "ports_used"}),
        "extensions": geojson(fibre.extensions if fibre is not None else None, {
            "hamlet_id": "hamlet_id", "cable_m": "cable_m", "boxes": "boxes",
            "cost_vnd": "cost_vnd"}),
        "roads": geojson(p.roads, {"name": "name", "road_class": "road_class"}),
        "railway": geojson(p.railway, {"name": "name"}),
        "constraints": geojson(p.constraints, {
            "constraint_id": "constraint_id", "name": "name", "kind": "kind",
            "min_distance_m": "min_distance_m", "basis": "basis"}),
    }


def level_colours(threshold_dbm: float) -> list[tuple[float, tuple[int, int, int, int]]]:
    """Classes of a level raster: (lower bound dBm, RGBA): 20 and 10 dB above the threshold,
    the threshold, and below it (down to the level floor)."""
    bounds = (threshold_dbm + 20, threshold_dbm + 10, threshold_dbm, -math.inf)
    return list(zip(bounds, COLOURS["levels"]))


def _level_rgba(threshold_dbm: float) -> Any:
    classes = level_colours(threshold_dbm)

    def colour(values: np.ndarray) -> np.ndarray:
        rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
        known = np.isfinite(values)
        done = ~known
        for lower, c in classes:
            sel = ~done & (np.nan_to_num(values, nan=-np.inf) >= lower)
            rgba[sel] = c
            done |= sel
        return rgba
    return colour


def _mask_rgba(colours: dict[int, tuple[int, int, int, int]]) -> Any:
    def colour(values: np.ndarray) -> np.ndarray:
        rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
        for v, c in colours.items():
            rgba[np.nan_to_num(values, nan=0) == v] = c
        return rgba
    return colour


def _rasters(cov: CoverageResult) -> dict[str, Overlay]:
    """Level rasters of the mobile broadband technologies (``level_4G``, ``level_5G``) and
    the mobile broadband coverage (``covered_mobile_broadband``)."""
    out: dict[str, Overlay] = {}
    g = cov.grid
    for tech in settings.MOBILE_BROADBAND:
        level = cov.level_dbm.get(tech)
        if level is not None and np.isfinite(level).any():
            level = style.levels_as_counted(level, cov.covered.get(tech))
            out[f"level_{tech}"] = overlay_png(level, g.transform, g.crs,
                                               _level_rgba(cov.params.thresholds_dbm[tech]),
                                               max_px=settings.MAP_RASTER_MAX_PX,
                                               oversample=settings.MAP_RASTER_OVERSAMPLE)
    mbb = cov.covered.get("mobile_broadband")
    if mbb is not None and mbb.any():
        out["covered_mobile_broadband"] = overlay_png(
            mbb.astype(np.float32), g.transform, g.crs,
            _mask_rgba({1: COLOURS["levels"][1]}), max_px=settings.MAP_RASTER_MAX_PX,
            oversample=settings.MAP_RASTER_OVERSAMPLE)
    return out


def newly_covered_overlay(base: CoverageResult, own: CoverageResult, key: str
                          ) -> Overlay | None:
    """Where a check's new cells cover (``own``: the new cells alone on ``base``'s grid),
    as 2 (not covered before, for ``key``: ``mobile_broadband`` or a technology) or 1
    (already covered); None when they cover nothing."""
    mine = own.covered.get(key)
    if mine is None or not mine.any():
        return None
    before = base.covered.get(key, np.zeros_like(mine))
    values = np.where(mine & ~before, 2, np.where(mine, 1, 0)).astype(np.float32)
    g: Grid = base.grid
    return overlay_png(values, g.transform, g.crs, _hatched)


def _hatched(values: np.ndarray) -> np.ndarray:
    """A check's coverage (2 new, 1 already covered) as RGBA, :data:`_HATCH_SCALE` times
    finer than the grid: diagonal stripes over a light tint where new, the tint alone where
    already covered."""
    v = np.nan_to_num(values, nan=0).repeat(_HATCH_SCALE, 0).repeat(_HATCH_SCALE, 1)
    rows, cols = np.indices(v.shape)
    stripe = (rows + cols) % _HATCH_PERIOD < 2
    rgba = np.zeros((*v.shape, 4), dtype=np.uint8)
    rgba[v >= 1] = COLOURS["check_already"]
    rgba[(v == 2) & stripe] = COLOURS["check_new"]
    return rgba


@dataclass
class MapData:
    """The map of an analysis as the app serves it: ``layers`` (GeoJSON by key),
    ``images`` (PNG overlays by key: ``hillshade``, ``level_4G``, ...), ``bounds`` of the
    study (the hamlets, [[south, west], [north, east]]) and the coverage thresholds."""

    layers: dict[str, Any]
    images: dict[str, Overlay] = field(default_factory=dict)
    bounds: list[list[float]] | None = None
    thresholds_dbm: dict[str, float] = field(default_factory=dict)
    hamlet_share: float = settings.MOBILE_BROADBAND_HAMLET_SHARE


def map_data(analysis: Analysis) -> MapData:
    """Everything the app's map shows of ``analysis``, computed once at start-up."""
    p = analysis.project
    images: dict[str, Overlay] = {}
    shade = hillshade_png(p.dem)
    if shade is not None:
        images["hillshade"] = shade
    images.update(_rasters(analysis.coverage))
    bounds = None
    if p.hamlets is not None:
        w, s, e, n = p.hamlets.to_crs(4326).total_bounds
        bounds = [[round(float(s), 6), round(float(w), 6)],
                  [round(float(n), 6), round(float(e), 6)]]
    params = analysis.coverage.params
    return MapData(_vector_layers(analysis), images, bounds, dict(params.thresholds_dbm),
                   params.hamlet_share)
