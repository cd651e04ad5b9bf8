"""The typed result of a whole analysis: what :func:`coverage_gis.pipeline.analyze` returns,
what :func:`coverage_gis.results.store.read_analysis` reads back and what every output renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from coverage_gis.engines.coverage import CoverageResult
from coverage_gis.engines.fibre import FibreResult
from coverage_gis.engines.indicators import Indicators
from coverage_gis.io.project import Project

__all__ = ["Analysis", "check_analysis"]


@dataclass
class Analysis:
    """Results of :func:`analyze`."""

    project: Project
    coverage: CoverageResult
    hamlets: pd.DataFrame
    signal_radius: gpd.GeoDataFrame
    indicators: Indicators
    towers: gpd.GeoDataFrame | None = None
    sharing_candidates: gpd.GeoDataFrame | None = None
    fibre: FibreResult | None = None  # when the project has households and fibre
    suggestions: gpd.GeoDataFrame | None = None  # sites that would close the 4G/5G gaps
    scorecard: pd.DataFrame | None = None
    #: Wall time of each stage of :func:`analyze` (s), in the order they ran.
    timings_s: dict[str, float] = field(default_factory=dict)
    #: Where the coverage tiles ran (:meth:`coverage_gis.engines.tiles.Runner.describe`).
    compute: dict[str, Any] = field(default_factory=dict)
    #: When the analysis ran (ISO 8601, local time with its offset) and with which version
    #: of this tool: printed on the report (None in results stored before they were kept).
    computed_at: str | None = None
    software_version: str | None = None

    def __repr__(self) -> str:
        """One line, as :class:`~coverage_gis.io.project.Project` gives (what a notebook
        shows for ``result``: the dataclass's own was 22 kB of tables and CRS text)."""
        ind = self.indicators
        found = [f"{name.upper()} {i.covered_hamlets}/{i.hamlets} hamlets"
                 for name, i in (("m4", getattr(ind, "m4", None)),
                                 ("f2", getattr(ind, "f2", None))) if i is not None]
        m5 = getattr(getattr(ind, "m5", None), "existing", None)
        if m5 is not None and m5.value is not None:
            found.append(f"M5 {m5.value:.0%}")
        grid = self.coverage.grid
        return (f"<Analysis {self.project.scenario.name!r}: {len(self.hamlets)} hamlet(s), "
                f"{len(self.coverage.cells)} radio cell(s), a {grid.width} x {grid.height} "
                f"grid at {grid.resolution_m:g} m; {'; '.join(found) or 'no indicator'}>")




def check_analysis(value: Any, where: str) -> Analysis:
    """``value`` if it is an :class:`Analysis`, else a TypeError naming ``where`` (the function
    given it) and what to give: a notebook's slip, said at once, not deep inside."""
    if not isinstance(value, Analysis):
        raise TypeError(f"{where}: analysis={value!r:.80}: expected an Analysis "
                        "(cg.analyze(project) or cg.read_analysis(folder))")
    return value
