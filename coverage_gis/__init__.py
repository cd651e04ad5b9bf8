"""coverage_gis: turn a local digital-infrastructure plan into measurable maps.

The public API: loaders (``read_*``) that return validated GeoDataFrames, ``load_project`` for a
whole scenario, CRS helpers, and the error type for bad input. Engines (radio, coverage, fibre,
sharing) take and return plain geodata.
"""

__version__ = "0.1.0"

from .analysis import Analysis, analyze, write_analysis
from .coverage import CoverageParams
from .crs import CRS_PRESETS, metric_crs, resolve_crs
from .io import (
    Raster,
    read_access_points,
    read_boundary,
    read_dem,
    read_fibre,
    read_hamlets,
    read_households,
    read_opencellid,
    read_roads,
    read_sites,
    read_statistics,
)
from .project import Project, load_project
from . import coverage, exports, fibre, maps, placement, report, sharing, targets  # noqa: E402
from .scenario import Scenario, read_scenario
from .schema import InputError, InputWarning

__all__ = [
    # modules, one per concern
    "coverage", "exports", "fibre", "maps", "placement", "report", "sharing", "targets",
    # the main API
    "Analysis",
    "CoverageParams",
    "CRS_PRESETS",
    "analyze",
    "write_analysis",
    "InputError",
    "InputWarning",
    "Project",
    "Raster",
    "Scenario",
    "load_project",
    "metric_crs",
    "read_access_points",
    "read_boundary",
    "read_dem",
    "read_fibre",
    "read_hamlets",
    "read_households",
    "read_opencellid",
    "read_roads",
    "read_scenario",
    "read_sites",
    "read_statistics",
    "resolve_crs",
]
