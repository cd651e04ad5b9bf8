"""Reading: loaders per family (:mod:`.readers`), the data contracts (:mod:`.schema`), CRS
presets (:mod:`.crs`), legacy Vietnamese encodings (:mod:`.vietnamese`) and whole scenarios
(:mod:`.project`)."""

import importlib
from typing import Any

#: The loaders, imported on first use (``coverage_gis.io.Raster`` does not load geopandas).
_EXPORTS = {"Raster": "coverage_gis.io.raster", "read_dem": "coverage_gis.io.raster",
            **{name: "coverage_gis.io.readers" for name in (
                "read_access_points", "read_boundary", "read_constraints", "read_fibre",
                "read_hamlets", "read_households", "read_opencellid", "read_roads",
                "read_sites", "read_statistics", "read_vector")}}

__all__ = ["Raster", "read_access_points", "read_boundary", "read_constraints", "read_dem",
           "read_fibre", "read_hamlets", "read_households", "read_opencellid", "read_roads",
           "read_sites", "read_statistics", "read_vector"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
