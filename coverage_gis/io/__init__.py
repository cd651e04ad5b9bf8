"""Reading: loaders per family (:mod:`.readers`), the data contracts (:mod:`.schema`), CRS
presets (:mod:`.crs`), legacy Vietnamese encodings (:mod:`.vietnamese`) and whole scenarios
(:mod:`.project`)."""

from coverage_gis.io.readers import (
    Raster,
    read_access_points,
    read_boundary,
    read_constraints,
    read_dem,
    read_fibre,
    read_hamlets,
    read_households,
    read_opencellid,
    read_roads,
    read_sites,
    read_statistics,
    read_vector,
)

__all__ = ["Raster", "read_access_points", "read_boundary", "read_constraints", "read_dem",
           "read_fibre", "read_hamlets", "read_households", "read_opencellid", "read_roads",
           "read_sites", "read_statistics", "read_vector"]
