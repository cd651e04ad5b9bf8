"""Land use: polygons with a ``class`` (water, paddy, forest, residential...), where
suggest-sites never proposes a tower on the classes a scenario excludes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd

from coverage_gis.errors import InputError
from coverage_gis.io import schema
from coverage_gis.io.readers import PathLike, _at_boundary, _to, read_vector

__all__ = ["read_landuse", "validate_landuse"]


def validate_landuse(gdf: gpd.GeoDataFrame, problems: schema.Problems) -> gpd.GeoDataFrame:
    """Land-use polygons: ``class`` required (text, lower-cased, blanks as ``_``; the OSM
    ``landuse`` or ``natural`` tag is accepted as the class)."""
    if len(gdf) == 0:
        raise InputError(problems.message("is empty: the landuse layer has no "
                                                 "features"))
    if "class" not in gdf.columns:
        for alt in ("landuse", "natural", "land_use", "loai_dat"):
            if alt in gdf.columns:
                gdf = gdf.rename(columns={alt: "class"})
                break
        else:
            problems.error("is required but missing (the land-use class of each polygon, "
                           "e.g. water, paddy)", column="class")
            problems.raise_if_any()
    gdf["class"] = gdf["class"].map(
        lambda v: v.strip().lower().replace(" ", "_") if isinstance(v, str) and v.strip()
        else None)
    for idx in gdf.index[gdf["class"].isna()]:
        problems.error("has no land-use class", idx, "class")
    return schema.validate_boundary(gdf, problems)


@_at_boundary
def read_landuse(path: PathLike, *, layer: str | None = None, crs: Any = None,
                 encoding: str | None = None, columns: Mapping[str, str] | None = None,
                 to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Land-use polygons with their ``class`` (:func:`validate_landuse`)."""
    gdf, problems = read_vector(path, layer=layer, crs=crs, encoding=encoding, columns=columns,
                                known_columns=("class",), expected_layer="landuse")
    return _to(validate_landuse(gdf, problems), to_crs)
