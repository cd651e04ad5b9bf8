"""Fibre (FTTH) reach: homes passed per hamlet along the road network, what closes the gaps as
it would be built, and an optional GPON optical budget check.

A drop cable runs from a drop box (FAT) to a house along the lanes, so reach is measured along
the road network, not as the crow flies. :func:`compute_fibre` does the whole job; each step
is in the module of its concern, and every public name is imported from here:

* :mod:`coverage_gis.engines.fibre_routes`: operators' route pieces joined into continuous
  lines (:func:`merge_routes`).
* :mod:`coverage_gis.engines.road_graph`: the roads layer as a graph (:func:`road_graph`),
  households and access points attached to it, and searches bounded by a distance run on the
  part of the graph they can reach.
* :mod:`coverage_gis.engines.fibre_reach`: drop boxes (:func:`drop_boxes`), each
  household's distance to the nearest along the roads, homes passed and connectable
  (:func:`household_reach`), per hamlet (:func:`hamlet_fibre`) and the indicators F1 and F2
  (:func:`fibre_indicators`).
* :mod:`coverage_gis.engines.fibre_extensions`: gap closing (:func:`gap_extensions`), new
  drop boxes and the cable along the roads to them (:func:`road_steiner_tree`).
* :mod:`coverage_gis.engines.gpon`: the GPON optical budget (:func:`gpon_budget`).

All inputs are GeoDataFrames in one projected (metric) CRS. Only scipy is needed beyond the
geodata stack.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from coverage_gis.config.params import BuildParams, FibreParams, GponParams
from coverage_gis.engines.fibre_extensions import (
    EXTENSION_COLUMNS,
    EXTENSION_NOTES,
    ExtensionJobs,
    design_all,
    design_jobs,
    extension_frame,
    extension_jobs,
    extensions_in_parts,
    gap_extensions,
    road_steiner_tree,
)
from coverage_gis.engines.fibre_reach import (
    BASIS_NETWORK,
    BASIS_NONE,
    _ports_used,
    _to_crs,
    drop_boxes,
    fibre_indicators,
    hamlet_fibre,
    household_reach,
)
from coverage_gis.engines.fibre_routes import merge_routes
from coverage_gis.engines.gpon import (
    GPON_NOTES,
    GponBoxBudget,
    GponCheck,
    gpon_budget,
    optical_loss_db,
    split_stages,
    splitter_loss_db,
)
from coverage_gis.engines.indicators import HamletIndicator, HouseholdFibreIndicator
from coverage_gis.engines.road_graph import RoadNetwork, road_graph
from coverage_gis.engines.tiles import Runner
from coverage_gis.io.crs import check_layer_crs

__all__ = [
    "FibreParams",
    "BuildParams",
    "GponParams",
    "RoadNetwork",
    "FibreResult",
    "GponBoxBudget",
    "GponCheck",
    "merge_routes",
    "road_graph",
    "drop_boxes",
    "household_reach",
    "hamlet_fibre",
    "fibre_indicators",
    "gap_extensions",
    "extensions_in_parts",
    "road_steiner_tree",
    "splitter_loss_db",
    "split_stages",
    "optical_loss_db",
    "gpon_budget",
    "compute_fibre",
    "fibre_start",
    "fibre_finish",
    "FibreStart",
    "ExtensionJobs",
    "design_jobs",
    "BASIS_NETWORK",
    "BASIS_NONE",
    "EXTENSION_NOTES",
    "EXTENSION_COLUMNS",
    "GPON_NOTES",
]


# --------------------------------------------------------------------------------------------
# Everything at once
# --------------------------------------------------------------------------------------------

@dataclass
class FibreResult:
    """Results of :func:`compute_fibre`. ``gpon``: :meth:`GponCheck.table` (None when the
    check was skipped, ``gpon_note`` then says why); ``build``: the :class:`BuildParams` the
    extensions were designed with, by name (results stored before issue 11 have none)."""

    params: FibreParams
    network: RoadNetwork
    routes: gpd.GeoDataFrame          # merged fibre routes
    snaps: pd.DataFrame               # merge_routes' report
    reach: gpd.GeoDataFrame           # one row per household
    hamlets: pd.DataFrame             # one row per hamlet
    extensions: gpd.GeoDataFrame      # one row per short hamlet
    indicators: dict[str, HamletIndicator | HouseholdFibreIndicator]  # F2 and F1
    gpon: pd.DataFrame | None = None  # one row per drop box
    gpon_note: str | None = None
    build: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        """One line (the dataclass's own printed every table: 13 kB, found by a review)."""
        found = []
        f1, f2 = self.indicators.get("F1"), self.indicators.get("F2")
        if isinstance(f1, HouseholdFibreIndicator):
            found.append(f"{f1.homes_passed} of {f1.households_on_map} households within "
                         "reach")
        if isinstance(f2, HamletIndicator):
            found.append(f"F2 {f2.covered_hamlets}/{f2.hamlets} hamlets")
        return (f"<FibreResult: {len(self.routes)} route(s); {'; '.join(found)}; "
                f"{len(self.extensions)} extension(s) designed>")


def compute_fibre(households: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                  roads: gpd.GeoDataFrame | None, access_points: gpd.GeoDataFrame | None,
                  fibre: gpd.GeoDataFrame | None, statistics: pd.DataFrame | None = None,
                  year: int | None = None, params: FibreParams | None = None, *,
                  railway: gpd.GeoDataFrame | None = None, build: BuildParams | None = None,
                  gpon: GponParams | None = None, runner: Runner | None = None) -> FibreResult:
    """The whole fibre job: merge routes, build the network, household reach, per-hamlet
    table, F1/F2, the gap extensions (crossing ``railway`` and the roads layer's railway
    lines), and the GPON check when the data allow it. ``runner``: where the extensions
    are designed (:func:`gap_extensions`).

    It is :func:`fibre_start`, the extensions' designs (:func:`design_all`), then
    :func:`fibre_finish`: a cluster may run the designs as tasks of their own
    (:func:`design_jobs`), with the same result."""
    start = fibre_start(households, hamlets, roads, access_points, fibre, params,
                        railway=railway, build=build, gpon=gpon)
    return fibre_finish(start, design_all(start.extension_jobs, runner or Runner()),
                        statistics, year)


@dataclass
class FibreStart:
    """:func:`fibre_start`'s work: the fibre job but the extensions' designs, which
    ``extension_jobs`` holds ready to run."""

    params: FibreParams
    build: BuildParams
    network: RoadNetwork
    routes: gpd.GeoDataFrame
    snaps: pd.DataFrame
    reach: gpd.GeoDataFrame
    hamlets: pd.DataFrame
    extension_jobs: ExtensionJobs
    gpon: GponCheck
    ports_used: int | None


def fibre_start(households: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                roads: gpd.GeoDataFrame | None, access_points: gpd.GeoDataFrame | None,
                fibre: gpd.GeoDataFrame | None, params: FibreParams | None = None, *,
                railway: gpd.GeoDataFrame | None = None, build: BuildParams | None = None,
                gpon: GponParams | None = None) -> FibreStart:
    """:func:`compute_fibre` up to the extensions' designs (same arguments)."""
    params = params.checked() if params is not None else FibreParams()
    build = build or BuildParams()
    check_layer_crs(households, "households")  # every layer is computed in theirs
    crs = households.crs
    roads = _to_crs(roads, crs)
    fibre = _to_crs(fibre, crs)
    access_points = _in_service(_to_crs(access_points, crs), params)
    fibre = _in_service(fibre, params)
    net = road_graph(roads)
    if fibre is not None and len(fibre):
        routes, snaps = merge_routes(fibre, params.snap_tolerance_m)
    else:
        routes, snaps = merge_routes(None, params.snap_tolerance_m)
    reach = household_reach(households, access_points, roads, fibre, params, network=net)
    table = hamlet_fibre(reach, hamlets, params)
    jobs = extension_jobs(reach, hamlets, roads, access_points, fibre, params, network=net,
                          hamlet_table=table, build=build, railway=railway)
    check = gpon_budget(access_points, roads, fibre, params, gpon, network=net)
    return FibreStart(params, build, net, routes, snaps, reach, table, jobs, check,
                      _ports_used(access_points))


def _in_service(layer: gpd.GeoDataFrame | None, params: FibreParams
                ) -> gpd.GeoDataFrame | None:
    """Routes or boxes in service: those of ``status`` planned left out unless
    ``params.include_planned`` (a layer without the column is all in service)."""
    if layer is None or params.include_planned or "status" not in layer:
        return layer
    return layer[layer["status"] != "planned"]


def fibre_finish(start: FibreStart, designs: list[tuple[dict[str, Any], Any]],
                 statistics: pd.DataFrame | None = None, year: int | None = None
                 ) -> FibreResult:
    """:func:`compute_fibre`'s result from :func:`fibre_start`'s and the designs of its
    extension jobs, in order."""
    table = start.hamlets
    return FibreResult(start.params, start.network, start.routes, start.snaps, start.reach,
                       table, extension_frame(designs, start.extension_jobs.crs),
                       fibre_indicators(table, statistics, year, start.params,
                                        ports_used=start.ports_used),
                       gpon=start.gpon.table() if start.gpon.note is None else None,
                       gpon_note=start.gpon.note, build=dataclasses.asdict(start.build))
