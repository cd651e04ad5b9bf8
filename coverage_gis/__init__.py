"""coverage_gis: turn a local digital-infrastructure plan into measurable maps.

The public API, imported lazily so that ``import coverage_gis`` is fast: loaders (``read_*``)
that return validated GeoDataFrames, ``load_project`` for a whole scenario, ``analyze`` for the
main job, ``write_analysis``/``read_analysis`` for the stored result, CRS helpers and the error
types. The layers, left to right (no module imports one to its right)::

    errors, config -> io -> radio -> engines -> results -> pipeline -> outputs -> cli
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from coverage_gis.version import __version__ as __version__

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Analysis": "coverage_gis.results.analysis",
    "analyze": "coverage_gis.pipeline",
    "write_analysis": "coverage_gis.outputs.writer",
    "read_analysis": "coverage_gis.results.store",
    "CoverageParams": "coverage_gis.engines.coverage",
    "CRS_PRESETS": "coverage_gis.io.crs",
    "metric_crs": "coverage_gis.io.crs",
    "resolve_crs": "coverage_gis.io.crs",
    "Raster": "coverage_gis.io.readers",
    "read_access_points": "coverage_gis.io.readers",
    "read_boundary": "coverage_gis.io.readers",
    "read_constraints": "coverage_gis.io.readers",
    "read_dem": "coverage_gis.io.readers",
    "read_fibre": "coverage_gis.io.readers",
    "read_hamlets": "coverage_gis.io.readers",
    "read_households": "coverage_gis.io.readers",
    "read_opencellid": "coverage_gis.io.readers",
    "read_roads": "coverage_gis.io.readers",
    "read_sites": "coverage_gis.io.readers",
    "read_statistics": "coverage_gis.io.readers",
    "map_site": "coverage_gis.engines.site_map",
    "SiteMap": "coverage_gis.engines.site_map",
    "Project": "coverage_gis.io.project",
    "load_project": "coverage_gis.io.project",
    "Scenario": "coverage_gis.config.scenario",
    "read_scenario": "coverage_gis.config.scenario",
    "CoverageGisError": "coverage_gis.errors",
    "InputError": "coverage_gis.errors",
    "InputWarning": "coverage_gis.errors",
    "OutputError": "coverage_gis.errors",
    "OutputWarning": "coverage_gis.errors",
    "LockedError": "coverage_gis.errors",
    "ResultFormatError": "coverage_gis.errors",
    "ClusterError": "coverage_gis.errors",
}

#: short module names kept for notebooks: ``cg.coverage``, ``cg.maps``, ...
_MODULES: dict[str, str] = {
    "coverage": "coverage_gis.engines.coverage",
    "fibre": "coverage_gis.engines.fibre",
    "sharing": "coverage_gis.engines.sharing",
    "placement": "coverage_gis.engines.placement",
    "targets": "coverage_gis.engines.targets",
    "maps": "coverage_gis.outputs.maps",
    "report": "coverage_gis.outputs.report",
    "exports": "coverage_gis.outputs.exports",
    "settings": "coverage_gis.config.settings",
    "schema": "coverage_gis.io.schema",
    "crs": "coverage_gis.io.crs",
    "io": "coverage_gis.io",
    "radio": "coverage_gis.radio",
}

__all__ = sorted([*_EXPORTS, *_MODULES])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'coverage_gis' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from coverage_gis.config import settings  # noqa: F401
    from coverage_gis.config.scenario import Scenario, read_scenario  # noqa: F401
    from coverage_gis.engines import coverage, fibre, placement, sharing, targets  # noqa: F401
    from coverage_gis.engines.coverage import CoverageParams  # noqa: F401
    from coverage_gis.errors import (  # noqa: F401
        ClusterError,
        CoverageGisError,
        InputError,
        InputWarning,
        LockedError,
        OutputError,
        OutputWarning,
        ResultFormatError,
    )
    from coverage_gis.io.crs import CRS_PRESETS, metric_crs, resolve_crs  # noqa: F401
    from coverage_gis.io.project import Project, load_project  # noqa: F401
    from coverage_gis.io.readers import (  # noqa: F401
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
    )
    from coverage_gis.outputs import exports, maps, report  # noqa: F401
    from coverage_gis.outputs.writer import write_analysis  # noqa: F401
    from coverage_gis.pipeline import analyze  # noqa: F401
    from coverage_gis.results.analysis import Analysis  # noqa: F401
    from coverage_gis.results.store import read_analysis  # noqa: F401
