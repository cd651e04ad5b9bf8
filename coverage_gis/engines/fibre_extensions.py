"""Gap closing: for each hamlet short of the fibre rule, new drop boxes and the cable along the
roads to them, as they would be built.

* **Gap closing** (:func:`gap_extensions`): per hamlet short of the rule, drop boxes of
  ``BuildParams.box_ports`` ports placed so that every home to connect is within the drop
  length along the roads, and the cable along the roads from today's network to them as a
  Steiner tree (Takahashi-Matsuyama shortest-path heuristic, then a minimum spanning tree of
  the nodes it uses with non-box leaves pruned): its length, railway and national-road
  crossings, and cost from unit prices; see its docstring.

Each short hamlet is designed on the part of the road graph around it
(:meth:`_ExtensionContext._region`; see *Scale* in :mod:`coverage_gis.engines.road_graph`),
here or on a dask cluster's workers.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from coverage_gis.config import settings
from coverage_gis.config.params import BuildParams, FibreParams
from coverage_gis.engines.fibre_reach import (
    _EPS_M,
    _fallback_nearest,
    _in_crs,
    _reach_flags,
    _Sources,
    _sources,
    _to_crs,
    _xy,
    hamlet_fibre,
)
from coverage_gis.engines.hamlets import household_hamlets
from coverage_gis.engines.road_graph import (
    _MIN_EDGE_M,
    RoadEnds,
    RoadNetwork,
    _CsrGraph,
    _Graph,
    _lower,
    _margin,
    _merge_sorted,
    _OutsideRegion,
    _ranges,
    _require_metric,
    _split_railways,
    _SubGraph,
    index_dtype,
    road_graph,
)
from coverage_gis.engines.rounding import reaches
from coverage_gis.engines.tiles import Runner

__all__ = ["gap_extensions", "extension_jobs", "design_all", "design_jobs", "extension_frame",
           "ExtensionJobs", "extensions_in_parts", "road_steiner_tree", "EXTENSION_NOTES",
           "EXTENSION_COLUMNS"]

_NO_CABLE_M = 1.0    # a new box this close to today's network needs no cable of its own
_ON_LINE_M = 0.05    # a cable node or piece this close to a road line lies on it


# --------------------------------------------------------------------------------------------
# Gap closing
# --------------------------------------------------------------------------------------------

#: The columns of :func:`gap_extensions`, in order (the geometry follows).
EXTENSION_COLUMNS = [
    "hamlet_id", "target_rule", "target_houses", "homes", "homes_needed",
    "homes_passed_today", "homes_to_connect", "length_m", "cable_m", "cable_aerial_m",
    "cable_underground_m", "boxes", "box_ports", "crossings", "crossings_railway",
    "crossings_national_road", "cost_vnd", "households_added", "households_added_elsewhere",
    "ftth_share_after", "meets_rule", "from_access_point", "new_boxes",
    "new_boxes_without_cable", "new_box_xy", "new_box_lonlat", "new_box_homes", "note_code"]


def gap_extensions(reach: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                   roads: gpd.GeoDataFrame | None, access_points: gpd.GeoDataFrame | None,
                   fibre: gpd.GeoDataFrame | None = None, params: FibreParams | None = None,
                   *, network: RoadNetwork | None = None,
                   hamlet_table: pd.DataFrame | None = None,
                   build: BuildParams | None = None,
                   railway: gpd.GeoDataFrame | None = None,
                   runner: Runner | None = None) -> gpd.GeoDataFrame:
    """For each hamlet short of the rule, a buildable extension: new drop boxes and the cable
    along the roads from today's network to them.

    **Homes to connect.** The hamlet's homes not passed today, as many as bring it to
    ``hamlet_share`` of its homes passed (at least one); under the cultural-house rule the
    cultural house is one of them (a hamlet is reached by its cultural house, but a box for it
    alone leaves the village without service). ``homes_needed`` is the share's count,
    ``homes_passed_today`` what is passed already, ``homes_to_connect`` the difference.

    **Boxes** (``build.box_ports`` ports each; candidate sites: road vertices and points every
    ``site_spacing_m`` along the roads; not the houses' own projections on the roads, whose
    number grows with the households: a dense commune's designs grew with their square).
    Greedy: at each step the site whose box connects the most homes still to connect (at most
    its ports) per metre of cable from the network built so far, or, when one box completes the
    count,
    the one nearest the network; the box takes the nearest such homes (the cultural house
    first; the first box must reach it). Every home connected is within ``max_drop_m`` of its
    box along the roads (the straight-line fallback for homes off the connected roads), and
    no box connects more than its ports. A box passes every home within the drop length.

    **Cable** (:func:`road_steiner_tree`): a Steiner tree on the road graph joining the boxes
    to today's network (any drop or splitter box, and any point of a fibre route unless
    ``extend_from_routes`` is False), by the Takahashi-Matsuyama heuristic (at most twice the
    shortest tree: 2(1 - 1/k) for k terminals) improved by a minimum spanning tree of its
    nodes. It is laid underground along ``build.underground_road_classes``, aerial elsewhere.
    **Crossings**: each point where it crosses a railway line (``railway``, and roads layer
    lines whose ``road_class`` is a railway), and each time it goes from one side of a
    national road to the other at a junction (per stretch of cable on or across the road,
    the fewer of its branches on the two sides). **Cost** = cable by kind x its price +
    boxes x ``box_vnd`` + crossings x ``crossing_vnd``.

    Parameters
    ----------
    reach
        :func:`household_reach` output (today's passed houses).
    hamlets
        Hamlet polygons with ``hamlet_id``.
    roads, access_points, fibre
        The layers ``reach`` was computed from (``roads`` with ``road_class`` and ``name``
        for the cable's kind and crossings).
    params
        Drop length, rule, detour; the same as for ``reach``.
    network
        A prebuilt :func:`road_graph` of ``roads``.
    hamlet_table
        :func:`hamlet_fibre` output (computed when not given).
    build
        Box size and unit prices (:class:`BuildParams`).
    railway
        Railway lines, for crossings.
    runner
        Where the hamlets are designed: here (default, and on a local cluster unless
        ``settings.FIBRE_PARTS_ON_LOCAL_CLUSTER``), or on an existing dask cluster's workers
        (:class:`~coverage_gis.engines.tiles.Runner`, entered), each sent only the part of
        the road graph its hamlets' searches reach. The rows are the same either way.

    Returns
    -------
    GeoDataFrame
        One row per short hamlet, columns :data:`EXTENSION_COLUMNS`: ``hamlet_id``, what the
        rule asks as codes and counts (``target_rule``: ``cultural_house``, ``share`` or
        ``no_households``; ``target_houses``: the cultural house(s) aimed at; ``homes``,
        ``homes_needed``, ``homes_passed_today``, ``homes_to_connect``), ``cable_m`` (new
        cable, m; NaN when the rule cannot be met along the roads) and ``length_m`` (the
        same), ``cable_aerial_m``, ``cable_underground_m``, ``boxes`` (new boxes),
        ``box_ports``, ``crossings`` (``crossings_railway`` + ``crossings_national_road``),
        ``cost_vnd``, ``households_added`` (the hamlet's homes newly passed),
        ``households_added_elsewhere`` (newly passed homes of other hamlets),
        ``ftth_share_after``, ``meets_rule``, ``from_access_point`` (boxes or routes the cable
        starts from), ``new_boxes`` (= ``boxes``), ``new_boxes_without_cable`` (boxes on
        today's network), ``new_box_xy`` (``"x y"`` per new box, ``;``-separated, in m in
        the computation CRS: ``crs`` of summary.json), ``new_box_lonlat`` (the same boxes as
        ``"lon lat"`` in WGS 84, which every file and GPS reads; found by a cross-output
        review: the metres of an unnamed CRS, read as the land office's VN-2000, put a box
        791 m away),
        ``new_box_homes`` (homes each new box is to connect, ``;``-separated), ``note_code``
        (one of :data:`EXTENSION_NOTES`, or None), and the geometry: the cable as a
        MultiLineString (empty when no cable is needed).
        :func:`coverage_gis.outputs.fibre_text.extension_table` words ``target`` and ``note``.
    """
    jobs = extension_jobs(reach, hamlets, roads, access_points, fibre, params,
                          network=network, hamlet_table=hamlet_table, build=build,
                          railway=railway)
    return extension_frame(design_all(jobs, runner or Runner()), jobs.crs)


@dataclass
class ExtensionJobs:
    """The designs :func:`gap_extensions` makes, ready to run (:func:`extension_jobs`): the
    context they search (None when no hamlet is short) and one job per short hamlet, in the
    hamlet table's order; ``crs``: the study's. Picklable: a worker may design some of them
    (:func:`design_jobs`)."""

    ctx: _ExtensionContext | None
    jobs: list[_Job]
    crs: Any


def extension_jobs(reach: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                   roads: gpd.GeoDataFrame | None, access_points: gpd.GeoDataFrame | None,
                   fibre: gpd.GeoDataFrame | None = None, params: FibreParams | None = None,
                   *, network: RoadNetwork | None = None,
                   hamlet_table: pd.DataFrame | None = None,
                   build: BuildParams | None = None,
                   railway: gpd.GeoDataFrame | None = None) -> ExtensionJobs:
    """Everything :func:`gap_extensions` does before designing the short hamlets: the road
    graph with the households, boxes and routes attached, the distances from today's network,
    and one job per short hamlet (arguments as :func:`gap_extensions`)."""
    params = params or FibreParams()
    build = build or BuildParams()
    _require_metric(reach, "households")
    crs = reach.crs
    hamlets = _to_crs(hamlets, crs)
    roads = _to_crs(roads, crs)
    table = hamlet_table if hamlet_table is not None else hamlet_fibre(reach, hamlets, params)
    short = table[~table["ftth_covered"].astype(bool)]
    if short.empty:
        return ExtensionJobs(None, [], crs)
    hh_xy = _xy(reach)
    hamlet_of = household_hamlets(reach, hamlets)
    passed0 = _reach_flags(reach)["passed"].to_numpy(bool)
    is_ch = reach["is_cultural_house"].fillna(False).to_numpy(bool)
    net = network if network is not None else road_graph(roads)
    origins = _sources(access_points, fibre, params, crs,
                       with_routes=params.extend_from_routes)
    # candidate box sites: the densified network, not kept once the graph is built
    dense = net.densified(params.site_spacing_m)
    g = _Graph(dense, [origins.xy], params.connector_max_m)
    ctx = _ExtensionContext.whole(g, origins, hh_xy, reach["household_id"].to_numpy(object),
                                  passed0, dense.road_ends(
                                      hh_xy, params.connector_max_m,
                                      params.house_road_slack_m,
                                      settings.FIBRE_HOUSE_ROADS_MAX),
                                  params, build, _CableLines.of(roads, railway, build, crs))
    del dense
    g.drop_attachments()  # the context has read them; the designs do not
    by_hamlet = pd.Series(np.arange(len(hamlet_of))).groupby(
        pd.Series(hamlet_of, dtype=object), sort=False).indices
    none = np.zeros(0, dtype=np.int64)
    jobs = []
    for hamlet_id in short["hamlet_id"]:
        members = np.sort(by_hamlet.get(hamlet_id, none)).astype(np.int64)
        ch = members[is_ch[members]]
        rule = ("no_households" if not len(members)
                else "cultural_house" if params.hamlet_rule == "cultural_house" and len(ch)
                else "share")
        jobs.append(_Job(hamlet_id, members, ch,
                         math.ceil(params.hamlet_share * len(members) - 1e-9), rule))
    return ExtensionJobs(ctx, jobs, crs)


def design_all(jobs: ExtensionJobs, runner: Runner) -> list[tuple[dict[str, Any], Any]]:
    """Every job's row and cable, in order: here, or on ``runner``'s workers in parts when
    :func:`extensions_in_parts`."""
    if not jobs.jobs:
        return []
    assert jobs.ctx is not None
    return _run_jobs(jobs.ctx, jobs.jobs, runner, parts=extensions_in_parts(runner))


def design_jobs(jobs: ExtensionJobs, part: int = 0, parts: int = 1
                ) -> list[tuple[dict[str, Any], Any]]:
    """The rows and cables of the jobs of ``part`` (0 to ``parts`` - 1) of ``parts`` runs of
    consecutive jobs (a task on a worker holding the whole context): the parts' rows one
    after the other are every job's, in order."""
    n = len(jobs.jobs)
    lo, hi = n * part // parts, n * (part + 1) // parts
    if lo == hi:
        return []
    ctx = jobs.ctx
    assert ctx is not None
    return [_design(ctx, job) for job in jobs.jobs[lo:hi]]


def extension_frame(done: list[tuple[dict[str, Any], Any]], crs: Any) -> gpd.GeoDataFrame:
    """:func:`gap_extensions`' table from the jobs' rows and cables, in order."""
    if not done:
        return gpd.GeoDataFrame(pd.DataFrame(columns=EXTENSION_COLUMNS), geometry=[], crs=crs)
    table = pd.DataFrame([r for r, _ in done], columns=EXTENSION_COLUMNS)
    table["new_box_lonlat"] = _lonlat_texts(table["new_box_xy"], crs)
    for column in _CROSSING_COLUMNS:  # counts, empty for a hamlet with no cable: found by
        table[column] = pd.array(table[column], dtype="Int64")  # fuzzing, text in the GPKG
    return gpd.GeoDataFrame(table, geometry=[geom for _, geom in done], crs=crs)


def _lonlat_texts(xy_texts: pd.Series, crs: Any) -> list[str | None]:
    """``"x y; x y"`` texts in ``crs`` (m) as ``"lon lat; lon lat"`` in WGS 84 (6 decimals:
    0.1 m)."""
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(crs, 4326, always_xy=True)
    out: list[str | None] = []
    for text in xy_texts:
        if not isinstance(text, str) or not text.strip():
            out.append(None)
            continue
        xy = np.array([[float(v) for v in pair.split()] for pair in text.split(";")])
        lon, lat = to_wgs84.transform(xy[:, 0], xy[:, 1])
        out.append("; ".join(f"{a:.6f} {b:.6f}" for a, b in zip(np.atleast_1d(lon),
                                                                 np.atleast_1d(lat))))
    return out


#: Counts that are empty (``pd.NA``) for an extension without a cable.
_CROSSING_COLUMNS = ("crossings", "crossings_railway", "crossings_national_road")


def extensions_in_parts(runner: Runner) -> bool:
    """Whether :func:`gap_extensions` on ``runner`` designs the hamlets on its workers in
    parts: on an existing cluster, and on a local one when
    ``settings.FIBRE_PARTS_ON_LOCAL_CLUSTER``."""
    return runner.scheduler is not None or (runner.distributed
                                            and settings.FIBRE_PARTS_ON_LOCAL_CLUSTER)


@dataclass(frozen=True)
class _Job:
    """One short hamlet to design: its households (positions), cultural houses, the homes
    its share asks, and the rule (``cultural_house``, ``share``, or ``no_households``)."""

    hamlet_id: Any
    members: np.ndarray
    ch: np.ndarray
    need: int
    rule: str


def _design(ctx: _ExtensionContext, job: _Job) -> tuple[dict[str, Any], shapely.Geometry]:
    """A job's extension row and cable."""
    if job.rule == "no_households":
        res = _Extension(target="no_households", note="no_households")
    else:
        res = ctx.design(job.members, job.ch if job.rule == "cultural_house" else job.ch[:0],
                         job.need, job.rule)
    return ctx.row(job.hamlet_id, res, job.members, job.ch)


def _design_part(part: _ExtensionContext, homes: _Homes, origin_ids: np.ndarray, key: int,
                 jobs: list[_Job]) -> tuple[int, list[tuple[dict[str, Any], shapely.Geometry]]]:
    """The jobs on a part of the graph (on a worker): ``key`` and their rows."""
    part.homes, part.origin_ids = homes, origin_ids
    return key, [_design(part, job) for job in jobs]


def _run_jobs(ctx: _ExtensionContext, jobs: list[_Job], runner: Runner, *, parts: bool
              ) -> list[tuple[dict[str, Any], shapely.Geometry]]:
    """Every job's row and cable, in order: here on the whole graph, or (``parts``) by
    square of ``settings.FIBRE_PART_SIDE_M`` on the part of the graph its hamlets'
    designs search (:meth:`_ExtensionContext.needs`), sent to the runner's workers a few at
    a time. Both give the same rows."""
    if not parts:
        return [_design(ctx, job) for job in jobs]
    assert ctx.homes is not None and ctx.origin_ids is not None
    homes, origin_ids = runner.share(ctx.homes), runner.share(ctx.origin_ids)
    groups = _job_squares(ctx.homes.xy, jobs, settings.FIBRE_PART_SIDE_M)

    def tasks() -> Iterator[tuple[Any, ...]]:
        for key, group in enumerate(groups):
            part = ctx.part(ctx.needs([jobs[i].members for i in group]))
            yield part, homes, origin_ids, key, [jobs[i] for i in group]

    out: list[Any] = [None] * len(jobs)
    window = settings.FIBRE_PARTS_PER_WORKER * max(runner.worker_count, 1)
    for key, rows in runner.stream(_design_part, tasks(), window):
        for i, row in zip(groups[key], rows):
            out[i] = row
    return out


def _job_squares(hh_xy: np.ndarray, jobs: list[_Job], side_m: float) -> list[list[int]]:
    """Job positions grouped by the square of ``side_m`` holding the mean of their hamlet's
    households (hamlets without located households together)."""
    keys = []
    for job in jobs:
        xy = hh_xy[job.members]
        xy = xy[np.isfinite(xy).all(axis=1)]
        keys.append(tuple(np.floor(xy.mean(axis=0) / side_m).astype(int)) if len(xy)
                    else (-1 << 40, 0))
    groups: dict[tuple[int, int], list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return [groups[k] for k in sorted(groups)]


#: Why an extension is not a plain cable to new boxes (``note_code`` of
#: :func:`gap_extensions`); :mod:`coverage_gis.outputs.fibre_text` words them.
EXTENSION_NOTES = ("no_households", "no_network", "within_reach_new_box", "no_roads",
                   "no_road_path", "off_road_last_stretch", "share_unreachable")


@dataclass
class _Extension:
    """One hamlet's extension. ``target``: the rule's code (``cultural_house``, ``share``,
    ``no_households``); ``note``: a code from :data:`EXTENSION_NOTES` or None. ``boxes``:
    graph nodes of the new boxes; ``edges``: the cable's graph edges."""

    target: str
    houses: str = ""        # the cultural house(s) aimed at
    needed: int = 0         # homes the share asks
    have: int = 0           # homes passed today
    to_connect: int = 0     # homes the boxes are to connect
    found: bool = False     # the design meets the rule
    boxes: list[int] = field(default_factory=list)
    box_homes: list[int] = field(default_factory=list)
    edges: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    length_m: float = 0.0
    origins: list[str] = field(default_factory=list)
    # positions of the homes the new boxes pass that are not passed today (ascending)
    newly_passed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    note: str | None = None


def _contains(names: pd.Series, pattern: str) -> pd.Series:
    """Whether each name holds a match of ``pattern`` (case-insensitive); with Python's
    ``re`` directly: pandas warns, naming no file, about a pattern with groups."""
    rx = re.compile(pattern, re.IGNORECASE)
    return names.map(lambda text: rx.search(text) is not None).astype(bool)


@dataclass
class _CableLines:
    """The lines a new cable is measured against: national roads (their union), roads where
    it is laid underground (a spatial index of their lines), railways (their union); None
    when there are none. Points are tested against the lines through spatial indexes, so the
    cost of a hamlet's cable does not grow with the province's roads."""

    national: shapely.Geometry | None
    underground: shapely.STRtree | None
    railway: shapely.Geometry | None
    national_tree: shapely.STRtree | None = None
    national_parts: np.ndarray | None = None
    railway_tree: shapely.STRtree | None = None

    @classmethod
    def of(cls, roads: gpd.GeoDataFrame | None, railway: gpd.GeoDataFrame | None,
           build: BuildParams, crs: Any) -> _CableLines:
        rails = []
        national = underground = None
        if roads is not None and len(roads):
            roads, rail = _split_railways(roads)
            rails.append(np.asarray(rail.geometry.values))
            cls_ = (roads["road_class"].astype(str).str.strip().str.lower()
                    if "road_class" in roads else pd.Series("", index=roads.index))
            name = (roads["name"].astype(object).where(roads["name"].notna(), "").astype(str)
                    if "name" in roads else pd.Series("", index=roads.index))
            nat = (cls_.isin(_lower(build.national_road_classes))
                   | _contains(name, build.national_road_name))
            national = _union(roads.geometry.values[nat.to_numpy()])
            underground = _line_tree(roads.geometry.values[
                cls_.isin(_lower(build.underground_road_classes)).to_numpy()])
        if railway is not None and len(railway):
            rails.append(np.asarray(_in_crs(railway, crs).geometry.values))
        rail_union = _union(np.concatenate(rails)) if rails else None
        out = cls(national, underground, rail_union)
        if national is not None:
            out.national_parts = shapely.get_parts(national)
            out.national_tree = shapely.STRtree(out.national_parts)
        if rail_union is not None:
            out.railway_tree = shapely.STRtree(shapely.get_parts(rail_union))
        return out


def _union(geoms: np.ndarray) -> shapely.Geometry | None:
    geoms = geoms[~shapely.is_empty(geoms)] if len(geoms) else geoms
    return shapely.union_all(shapely.force_2d(geoms)) if len(geoms) else None


def _line_tree(geoms: np.ndarray) -> shapely.STRtree | None:
    """A spatial index of the (2D, non-empty) parts of ``geoms``, None when there are none:
    the same points lie near it as near their union."""
    geoms = geoms[~shapely.is_empty(geoms)] if len(geoms) else geoms
    return shapely.STRtree(shapely.get_parts(shapely.force_2d(geoms))) if len(geoms) else None


def _near(tree: shapely.STRtree | None, xy: np.ndarray) -> np.ndarray:
    """Which points ``xy`` lie on the lines of ``tree`` (within :data:`_ON_LINE_M`)."""
    out = np.zeros(len(xy), dtype=bool)
    if tree is None or not len(xy):
        return out
    hit = tree.query(shapely.points(xy), predicate="dwithin", distance=_ON_LINE_M)[0]
    out[hit] = True
    return out


@dataclass
class _Homes:
    """The households of a gap computation, by position in the reach table (the whole study,
    whichever part of the graph a context holds): coordinates, ids, passed today, and where
    they meet the road graph: ``ends`` (:class:`RoadEnds`: per road a house joins, the two
    end nodes of the segment, whole-graph numbers, and the distances to them) and ``comp``
    the connected component of each of those rows.

    The houses are not nodes of the gap computation's graph: a house reaches a road node ``x``
    after ``min(off + d(end, x))`` m over its rows, so that the searches run on the roads
    alone, whose size does not grow with the households (a graph with a node per house made
    the designs of a dense commune grow with the square of its households)."""

    xy: np.ndarray
    ids: np.ndarray
    passed0: np.ndarray
    ends: RoadEnds
    comp: np.ndarray
    _finite: np.ndarray | None = field(default=None, repr=False)
    _tree: cKDTree | None = field(default=None, repr=False)

    def tree(self) -> tuple[np.ndarray, cKDTree | None]:
        """The households with coordinates, and a spatial index of them (None without)."""
        if self._finite is None:
            self._finite = np.flatnonzero(np.isfinite(self.xy).all(axis=1))
            self._tree = cKDTree(self.xy[self._finite]) if len(self._finite) else None
        return self._finite, self._tree

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_finite": None, "_tree": None}   # rebuilt where it lands


class _ExtensionContext:
    """Shared state of the gap computation: the graph with houses and network origins, the
    distances from today's network, and the lines crossings are counted against.

    Each hamlet is designed on the part of the graph around it (:meth:`_region`), which gives
    exactly the whole graph's searches; the work per hamlet grows with the hamlet and its
    distance from the network, not with the province. A context may hold only a part of the
    graph (:meth:`part`, to send to a worker): designs there are the same as on the whole
    graph for the hamlets whose :meth:`needs` it holds.

    ``g`` holds the roads (densified) and the network origins attached to them, not the
    households (see :class:`_Homes`). Per node of ``g``: ``dist0``, ``pred0`` (distance from
    today's network and predecessor, in ``g``'s numbers), ``is_src`` (a network origin),
    ``origin_of`` (the origin a point node stands for, -1 none), ``is_cand`` (a road vertex: a
    candidate box site), ``comp`` (connected component in the whole graph)."""

    def __init__(self, g: _CsrGraph, homes: _Homes | None, origin_ids: np.ndarray | None,
                 nodes: dict[str, np.ndarray], params: FibreParams, build: BuildParams,
                 lines: _CableLines, *, has_network: bool, has_roads: bool,
                 whole_nodes: np.ndarray | None = None):
        self.g, self.homes, self.origin_ids = g, homes, origin_ids
        self.params, self.build, self.lines = params, build, lines
        self.has_network, self.has_roads = has_network, has_roads
        self.whole_nodes = whole_nodes     # the whole graph's numbers of g's nodes (a part)
        self.node = nodes
        self.dist0, self.pred0 = nodes["dist0"], nodes["pred0"]
        self.is_src, self.origin_of_node = nodes["is_src"], nodes["origin_of"]
        g._component = nodes["comp"]
        self.limit = params.max_drop_m + _EPS_M
        self.cand = np.flatnonzero(nodes["is_cand"])
        self.col_of = np.full(g.n, -1, dtype=index_dtype(len(self.cand)))
        self.col_of[self.cand] = np.arange(len(self.cand))

    @classmethod
    def whole(cls, g: _Graph, origins: _Sources, hh_xy: np.ndarray, hh_ids: np.ndarray,
              passed0: np.ndarray, ends: RoadEnds, params: FibreParams,
              build: BuildParams, lines: _CableLines) -> _ExtensionContext:
        """The context on the whole graph ``g`` (the roads with the origins attached), the
        households meeting it at ``ends`` (:meth:`RoadNetwork.road_ends`)."""
        origin_node = g.point_node[0]
        src_nodes = origin_node[g.attached(0)]
        is_src = np.zeros(g.n, dtype=bool)
        is_src[src_nodes] = True
        origin_of = np.full(g.n, -1, dtype=index_dtype(len(origins.xy)))
        origin_of[origin_node] = np.arange(len(origins.xy))
        dist0, pred0, _ = g.dijkstra(src_nodes, predecessors=True)
        is_cand = np.zeros(g.n, dtype=bool)
        is_cand[:g.n_road_nodes] = True
        comp = g.component
        homes = _Homes(hh_xy, hh_ids, passed0, ends,
                       comp[ends.end[:, 0]].astype(index_dtype(int(comp.max(initial=0)) + 1)))
        nodes = {"dist0": dist0, "pred0": pred0, "is_src": is_src, "origin_of": origin_of,
                 "is_cand": is_cand, "comp": comp}
        return cls(g, homes, origins.ids, nodes, params, build, lines,
                   has_network=bool(len(src_nodes)), has_roads=bool(is_cand.any()))

    def part(self, nodes: np.ndarray) -> _ExtensionContext:
        """The context on the subgraph of ``nodes`` (sorted), without the households and
        origin ids (``homes`` and ``origin_ids`` None: the receiver sets them)."""
        sub = _SubGraph(self.g, nodes)
        arrays = {k: v[nodes] for k, v in self.node.items() if k != "pred0"}
        arrays["pred0"] = sub.local_pred(self.pred0)
        return _ExtensionContext(sub, None, None, arrays, self.params,
                                 self.build, self.lines, has_network=self.has_network,
                                 has_roads=self.has_roads, whole_nodes=nodes)

    def needs(self, hamlets: list[np.ndarray]) -> np.ndarray:
        """The nodes (whole-graph numbers, sorted) that the designs of some hamlets search,
        given each hamlet's households (see :meth:`_region`). For a hamlet, with T the
        rectangle around its homes not passed today, L the drop length and D the farthest
        from today's network of the road nodes within L of T (a bound on its sites'
        distance): the nodes within L + 2D of T whose distance is at most 3D, and every node
        within 2L of T (the searches from its homes and from its new boxes). For several, the
        same around the rectangle holding all their T, with the largest D: more nodes, found
        at once."""
        assert self.whole_nodes is None     # asked of the whole graph's context
        assert self.homes is not None
        g, lim, homes = self.g, self.limit, self.homes
        reach = lim + _margin(lim)
        corners, dmax = [], 0.0
        for members in hamlets:
            xy = homes.xy[members[~homes.passed0[members]]]
            xy = xy[np.isfinite(xy).all(axis=1)]
            if not len(xy):
                continue
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            corners += [lo, hi]
            around = g.near_nodes(np.vstack([lo, hi]), reach)
            d = self.dist0[around[self.node["is_cand"][around]]]
            d = d[np.isfinite(d)]
            dmax = max(dmax, float(d.max()) if len(d) else 0.0)
        if not corners:
            return np.zeros(0, dtype=np.int64)
        box = np.vstack(corners)
        m = _margin(3 * dmax)
        far = g.near_nodes(box, reach + 2 * dmax + m, within=(self.dist0, 3 * dmax + m))
        return _merge_sorted(g.near_nodes(box, 2 * reach), far)

    def _local(self, nodes: np.ndarray) -> np.ndarray:
        """Whole-graph node numbers ``nodes`` in ``g``'s numbers (-1 for those a part does not
        hold)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        if self.whole_nodes is None:
            return nodes
        assert isinstance(self.g, _SubGraph)
        return self.g.local(nodes)

    def _empty(self, target: _Extension, note: str) -> _Extension:
        return dataclasses.replace(target, note=note, newly_passed=np.zeros(0, dtype=np.int64))

    def _origin_name(self, node: int) -> str | None:
        k = self.origin_of_node[node]
        assert self.origin_ids is not None
        return str(self.origin_ids[k]) if k >= 0 else None

    def _hh_label(self, houses: np.ndarray) -> str:
        assert self.homes is not None
        return ", ".join(str(self.homes.ids[i]) for i in houses)

    # -- the design ---------------------------------------------------------------------------
    def design(self, members: np.ndarray, ch: np.ndarray, need: int, target: str
               ) -> _Extension:
        """Boxes and cable for one hamlet: ``ch`` the cultural houses (any one to connect;
        empty under the share rule), ``need`` the homes the share asks."""
        assert self.homes is not None
        passed0 = self.homes.passed0
        have = int(passed0[members].sum())
        ext = _Extension(target=target, houses=self._hh_label(ch), needed=need, have=have,
                         to_connect=max(need - have, 1 if len(ch) else 0))
        if not self.has_network:
            return self._empty(ext, "no_network")
        if not self.has_roads:
            return self._empty(ext, "no_roads")
        todo = members[~passed0[members]]
        road, fallback, sites = self._coverage(todo)
        must = np.flatnonzero(np.isin(todo, ch))
        try:
            found = self._boxes_and_cable(self._region(sites), sites, road + fallback,
                                          fallback, must, ext.to_connect)
        except _OutsideRegion:   # not expected (see _region): the whole graph then
            found = self._boxes_and_cable(_SubGraph(self.g, np.arange(self.g.n)), sites,
                                          road + fallback, fallback, must, ext.to_connect)
        if found is None:
            return self._empty(ext, "no_road_path")
        boxes, box_homes, by_fallback, must_done, edges, length, roots = found
        complete = sum(box_homes) >= ext.to_connect
        note = (None if complete else "share_unreachable")
        if note is None and by_fallback:
            note = "off_road_last_stretch"
        if note is None and length <= _NO_CABLE_M * len(boxes):
            note = "within_reach_new_box"
        # the rule is met: the cultural house connected (its rule), or every home (the share)
        found_ = must_done if len(must) else complete
        newly = self._passed_by(np.array(boxes, dtype=np.int64))
        return dataclasses.replace(
            ext, found=found_, boxes=boxes, box_homes=box_homes, edges=edges,
            length_m=length, origins=[n for n in map(self._origin_name, roots) if n],
            newly_passed=newly[~passed0[newly]], note=note)

    def _region(self, sites: np.ndarray) -> _SubGraph:
        """The part of the graph a hamlet's boxes and cable are designed on, given its
        candidate sites (positions in ``cand``). With D the farthest of them from today's
        network (finite distances), the cable paths from the sites lie within D of them and
        within 2D of the network, and the searches from those paths (bounded by D) reach no
        farther than 2D from the sites and 3D from the network: the nodes in the rectangle
        around the sites widened by 2D whose distance from the network is at most 3D."""
        nodes = self.cand[sites]
        d = self.dist0[nodes]
        d = d[np.isfinite(d)]
        dmax = float(d.max()) if len(d) else 0.0
        m = _margin(3 * dmax)
        return self.g.near(self.g.node_xy[nodes], 2 * dmax + m, include=nodes,
                           within=(self.dist0, 3 * dmax + m))

    def _boxes_and_cable(self, sub: _SubGraph, sites: np.ndarray, cov: sparse.csc_matrix,
                         fallback: sparse.csc_matrix, must: np.ndarray, to_connect: int
                         ) -> tuple[list[int], list[int], bool, bool, np.ndarray, float,
                                    list[int]] | None:
        """Boxes (:meth:`_place_boxes`) and the cable to them (:func:`road_steiner_tree`) on
        ``sub``, in whole-graph node numbers; None when a cultural house cannot be reached."""
        site_nodes = sub.local(self.cand[sites])
        dist0 = self.dist0[sub.nodes]
        pred0 = sub.local_pred(self.pred0)
        boxes, box_homes, by_fallback, must_done = self._place_boxes(
            sub, site_nodes, dist0, pred0, cov, fallback, must, to_connect)
        if len(must) and not must_done:
            return None
        edges, length, roots = road_steiner_tree(
            sub, np.flatnonzero(self.is_src[sub.nodes]), np.array(boxes, dtype=np.int64),
            dist=dist0, pred=pred0)
        return ([int(sub.nodes[b]) for b in boxes], box_homes, by_fallback, must_done,
                sub.nodes[edges].reshape(-1, 2), length, [int(sub.nodes[r]) for r in roots])

    def _place_boxes(self, g: _SubGraph, sites: np.ndarray, dist0: np.ndarray,
                     pred0: np.ndarray, cov: sparse.csc_matrix, fallback: sparse.csc_matrix,
                     must: np.ndarray, to_connect: int
                     ) -> tuple[list[int], list[int], bool, bool]:
        """Greedy capacitated placement (see :func:`gap_extensions`) on the subgraph ``g``.
        ``sites``: the candidate sites' nodes in ``g``; ``dist0``, ``pred0``: distances and
        predecessors from today's network there; ``cov``: (homes x sites) distances (m, + a
        micrometre) within the drop length; ``fallback``: those measured by the straight-line
        fallback; ``must``: rows of which one is to be connected first. Returns the box nodes
        (of ``g``), homes per box, whether a home was connected by the fallback, and whether a
        ``must`` home was connected."""
        ports = self.build.box_ports
        by_home = cov.tocsr()      # each home's sites: the counts fall as homes are connected
        uncovered = np.ones(cov.shape[0], dtype=bool)
        dist, pred = dist0.copy(), pred0.copy()
        spacing = max(self.params.site_spacing_m, 1.0)
        boxes: list[int] = []
        box_homes: list[int] = []
        by_fallback = False
        must_done = len(must) == 0
        # the sites passing a must home (the homes a site passes do not change in the loop)
        passes_must = np.zeros(cov.shape[1], dtype=bool)
        if len(must):
            stored = cov.tocoo()
            passes_must[stored.col[np.isin(stored.row, must)]] = True
        remaining = to_connect
        # homes still to connect each site passes
        count = np.diff(cov.indptr).astype(np.int64)
        while remaining > 0:
            gain = np.minimum(np.minimum(count, ports), remaining)
            cost = dist[sites]
            ok = (gain > 0) & np.isfinite(cost)
            if not must_done:
                ok &= passes_must
            if not ok.any():
                break
            complete = ok & (gain >= remaining)
            if complete.any():
                idx = np.flatnonzero(complete)
                k = int(idx[np.lexsort((-count[idx], cost[idx]))[0]])
            else:
                k = int(np.argmax(np.where(ok, gain / (cost + spacing), -1.0)))
            # column k of the (CSC) matrices: its homes and distances
            rows = cov.indices[cov.indptr[k]:cov.indptr[k + 1]]
            d = cov.data[cov.indptr[k]:cov.indptr[k + 1]]
            keep = uncovered[rows]
            rows, d = rows[keep], d[keep]
            first = np.isin(rows, must) if not must_done else np.zeros(len(rows), dtype=bool)
            take = rows[np.lexsort((d, ~first))][:min(ports, remaining)]
            must_done = must_done or bool(np.isin(take, must).any())
            by_fallback = by_fallback or bool(np.isin(
                take, fallback.indices[fallback.indptr[k]:fallback.indptr[k + 1]]).any())
            uncovered[take] = False
            count -= np.bincount(by_home.indices[_ranges(by_home.indptr[take],
                                                         np.diff(by_home.indptr)[take])],
                                 minlength=len(count))
            remaining -= len(take)
            c = int(sites[k])
            boxes.append(c)
            box_homes.append(len(take))
            # the box will be on the network: the next sites' distance counts from its path
            nodes = g.path(pred, c)
            left = dist[sites][count > 0]
            cap = float(left[np.isfinite(left)].max()) if np.isfinite(left).any() else 0.0
            d2, p2, _ = g.dijkstra(nodes, cap, predecessors=True)
            better = d2 < dist
            dist[better], pred[better] = d2[better], p2[better]
        return boxes, box_homes, by_fallback, must_done

    def _passed_by(self, boxes: np.ndarray) -> np.ndarray:
        """Houses (sorted positions) within the drop length of new boxes at road nodes
        ``boxes``: along the roads for houses connected to one, by the fallback for the
        others."""
        homes = self.homes
        assert homes is not None
        finite, tree = homes.tree()
        if not len(boxes) or tree is None:
            return np.zeros(0, dtype=np.int64)
        g, limit = self.g, self.limit
        box_xy = g.node_xy[boxes]
        # a house within the drop length along the roads is within it as the crow flies
        r = max(limit, limit / self.params.detour_factor)
        near = tree.query_ball_point(box_xy, r + _margin(r))
        cand = finite[np.unique(np.concatenate([np.asarray(x, dtype=np.int64)
                                                for x in near]))]
        sub = g.near(box_xy, limit + _margin(limit), include=boxes)
        d = np.r_[sub.dijkstra(sub.local(boxes), limit), np.inf]   # d[-1]: not in sub
        which, rows = homes.ends.rows(cand)
        at = sub.local(self._local(homes.ends.end[rows].ravel())).reshape(-1, 2)
        road = np.full(len(cand), np.inf)
        np.minimum.at(road, which,
                      np.where(at >= 0, homes.ends.off[rows] + d[at], np.inf).min(axis=1))
        by_road = cand[road <= limit]
        # the fallback: houses off the roads or not joined to a box, within the straight line
        joined = np.zeros(len(cand), dtype=bool)
        joined[which[np.isin(homes.comp[rows], g.component[boxes])]] = True
        straight, _ = _fallback_nearest(homes.xy[cand], box_xy, self.params.detour_factor)
        return np.union1d(by_road, cand[~joined & (straight <= limit)])

    def _coverage(self, todo: np.ndarray
                  ) -> tuple[sparse.csc_matrix, sparse.csc_matrix, np.ndarray]:
        """Which candidate sites pass which of the houses ``todo``: (houses x sites) sparse
        distances (m, plus a micrometre so that none is zero) within the drop length, along
        the roads, and by the fallback for houses off the roads or on a road piece not joined
        to the site (two matrices, the second the fallback's), and the sites (positions in
        ``cand``, ascending) their columns stand for: those passing any house.

        Along the roads, one bounded search from each road node at the end of a house's road
        piece (:class:`_Homes`): their number grows with the roads near the houses, not with
        the houses."""
        g, p, homes = self.g, self.params, self.homes
        assert homes is not None
        # the houses' road ends within the drop length (those beyond it pass no site)
        which, rows = homes.ends.rows(todo)
        off = homes.ends.off[rows]
        i, j = np.nonzero(off <= self.limit)
        row, offs = which[i], off[i, j]
        at = self._local(homes.ends.end[rows[i], j])
        if (at < 0).any():
            raise _OutsideRegion   # not expected: a part holds the nodes near its houses
        ends, inv = np.unique(at, return_inverse=True)
        e, col, dist = g.bounded_pairs(ends, self.limit, self.col_of)
        # each end's sites, nearest first: a house's road end gives those within the drop
        # length less its offset, found by one search in a key of (end, distance)
        span = 2 * self.limit + 1
        order = np.lexsort((dist, e))
        key = e[order] * span + dist[order]
        col, dist = col[order], dist[order]
        first = np.searchsorted(key, inv * span - 0.5)
        count = np.searchsorted(key, inv * span + (self.limit - offs) + 1e-6, "right") - first
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        # the pairs by runs of houses: a dense hamlet's are tens of millions, each house's
        # several roads reaching the same sites (the least distance kept per house and site)
        bounds = np.searchsorted(np.cumsum(count), np.arange(1, count.sum() // _PAIRS + 1)
                                 * _PAIRS)
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(count)]):
            pick = _ranges(first[lo:hi], count[lo:hi])
            parts.append(_least(np.repeat(row[lo:hi], count[lo:hi]), col[pick],
                                np.repeat(offs[lo:hi], count[lo:hi]) + dist[pick],
                                len(self.cand)))
        rows, col, dist = (np.concatenate(v) for v in zip(*parts))
        within = dist <= self.limit    # exactly (the key's bound is a micrometre wider)
        rows, col, dist = rows[within], col[within], dist[within]
        fr = fc = np.zeros(0, dtype=np.int64)
        fd = np.zeros(0)
        straight = self.limit / p.detour_factor
        # the candidate sites in the rectangle around the houses widened by that distance
        # (the graph's node grid: no index of its own over the study's sites to build,
        # hold and send to the workers)
        near = np.zeros(0, dtype=np.int64)
        if len(self.cand) and len(todo):
            near = g.near_nodes(homes.xy[todo], straight)
            near = near[self.col_of[near] >= 0]
        if len(near):
            m = cKDTree(homes.xy[todo]).sparse_distance_matrix(
                cKDTree(g.node_xy[near]), straight, output_type="coo_matrix")
            # a pair is by the fallback unless one of the house's roads is the site's piece
            pair, prow = homes.ends.rows(todo[m.row])
            same = homes.comp[prow] == g.component[near[m.col[pair]]]
            other = np.ones(len(m.row), dtype=bool)
            other[pair[same]] = False
            fr, fc = m.row[other], self.col_of[near[m.col[other]]]
            fd = m.data[other] * p.detour_factor
        sites = np.unique(np.r_[col, fc]).astype(np.int64)
        shape = (len(todo), len(sites))
        road = _csc([rows], [np.searchsorted(sites, col)], [dist], shape)
        fb = _csc([fr], [np.searchsorted(sites, fc)], [fd], shape)
        return road, fb, sites

    # -- the row ------------------------------------------------------------------------------
    def row(self, hamlet_id: Any, res: _Extension, members: np.ndarray, ch: np.ndarray
            ) -> tuple[dict[str, Any], shapely.Geometry]:
        """The extension's row of :func:`gap_extensions` and its cable geometry."""
        assert self.homes is not None
        passed0 = self.homes.passed0
        n_h = len(members)
        added = res.newly_passed                  # positions of the homes newly passed
        in_h = np.isin(added, members)
        after = (passed0[members].sum() + in_h.sum()) / n_h if n_h else np.nan
        if res.target == "cultural_house":
            meets = bool(res.found and (passed0[ch].any() or np.isin(ch, added).any()))
        else:
            meets = bool(n_h and reaches(after, self.params.hamlet_share))
        facts = self.cable_facts(res.edges, len(res.boxes)) if res.found else {}
        xy = self.g.node_xy[np.array(res.boxes, dtype=np.int64)]
        no_cable = int((self.dist0[np.array(res.boxes, dtype=np.int64)] <= _NO_CABLE_M).sum())
        row = {"hamlet_id": hamlet_id, "target_rule": res.target,
               "target_houses": res.houses or None, "homes": n_h,
               "homes_needed": res.needed, "homes_passed_today": res.have,
               "homes_to_connect": res.to_connect,
               "length_m": facts.get("cable_m", np.nan), **_FACTS_NAN, **facts,
               "boxes": len(res.boxes), "box_ports": self.build.box_ports,
               "households_added": int(in_h.sum()),
               "households_added_elsewhere": int((~in_h).sum()),
               "ftth_share_after": after, "meets_rule": meets,
               "from_access_point": ", ".join(dict.fromkeys(res.origins)) or None,
               "new_boxes": len(res.boxes), "new_boxes_without_cable": no_cable,
               "new_box_xy": "; ".join(f"{x:.2f} {y:.2f}" for x, y in xy) or None,
               "new_box_homes": "; ".join(map(str, res.box_homes)) or None,
               "note_code": res.note}
        return row, self._geometry(res.edges)

    def _geometry(self, edges: np.ndarray) -> shapely.Geometry:
        if not len(edges):
            return shapely.MultiLineString([])
        xy = self.g.node_xy
        pieces = shapely.linestrings(np.stack([xy[edges[:, 0]], xy[edges[:, 1]]], axis=1))
        merged = shapely.line_merge(shapely.MultiLineString(list(pieces)))
        return shapely.MultiLineString([p for p in shapely.get_parts(merged) if p.length > 0])

    def cable_facts(self, edges: np.ndarray, boxes: int) -> dict[str, Any]:
        """Length by kind (m), crossings and cost (VND) of the cable ``edges``."""
        xy = self.g.node_xy
        a, b = xy[edges[:, 0]], xy[edges[:, 1]]
        seg = np.hypot(*(b - a).T) if len(edges) else np.zeros(0)
        under = _near(self.lines.underground, (a + b) / 2) if len(edges) else np.zeros(0, bool)
        rail = _rail_crossings(self.lines.railway, a, b, self.lines.railway_tree)
        national = _national_crossings(self.lines, edges, xy)
        ug, total = float(seg[under].sum()), float(seg.sum())
        crossings = rail + national
        b_ = self.build
        cost = ((total - ug) * b_.aerial_vnd_per_m + ug * b_.underground_vnd_per_m
                + boxes * b_.box_vnd + crossings * b_.crossing_vnd)
        return {"cable_m": round(total, 3), "length_m": round(total, 3),
                "cable_aerial_m": round(total - ug, 3), "cable_underground_m": round(ug, 3),
                "crossings": crossings, "crossings_railway": rail,
                "crossings_national_road": national, "cost_vnd": round(cost)}


_FACTS_NAN = {"cable_m": np.nan, "cable_aerial_m": np.nan, "cable_underground_m": np.nan,
              "crossings": pd.NA, "crossings_railway": pd.NA, "crossings_national_road": pd.NA,
              "cost_vnd": np.nan}


#: Pairs of (house, site) along the roads made at once in a gap design (bounds its memory).
_PAIRS = 4_000_000


def _least(r: np.ndarray, c: np.ndarray, d: np.ndarray, n_cols: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (row, column, distance) triples with the least distance of each (row, column), by
    row then column."""
    r, c = r.astype(np.int64), c.astype(np.int64)
    if not len(r):
        return r, c, d.astype(float)
    # one sort by cell (millions of pairs on a dense commune), the least of each run
    key = r * np.int64(max(n_cols, 1)) + c
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return r[order[first]], c[order[first]], np.minimum.reduceat(d[order], first)


def _csc(R: list, C: list, D: list, shape: tuple[int, int]) -> sparse.csc_matrix:
    """A sparse (rows x cols) matrix of distances + a micrometre (duplicates: the least)."""
    r = np.concatenate(R) if R else np.zeros(0, dtype=np.int64)
    c = np.concatenate(C) if C else np.zeros(0, dtype=np.int64)
    d = np.concatenate(D).astype(float) + _EPS_M if D else np.zeros(0)
    r, c, d = _least(r, c, d, shape[1])
    return sparse.csc_matrix((d, (r, c)), shape=shape)


def _rail_crossings(railway: shapely.Geometry | None, a: np.ndarray, b: np.ndarray,
                    tree: shapely.STRtree | None = None) -> int:
    """Points (or stretches) where the cable pieces ``a``-``b`` meet a railway line
    (``tree``: an index of the railway's parts, to skip cables far from any)."""
    if railway is None or not len(a):
        return 0
    if tree is not None:
        ends = np.vstack([a, b])
        (x0, y0), (x1, y1) = ends.min(axis=0), ends.max(axis=0)
        if not len(tree.query(shapely.box(x0, y0, x1, y1))):
            return 0
    cable = shapely.union_all(shapely.linestrings(np.stack([a, b], axis=1)))
    hit = shapely.intersection(cable, railway)
    if hit.is_empty:
        return 0
    parts = shapely.get_parts(hit)
    lines = parts[shapely.get_type_id(parts) != 0]
    points = parts[shapely.get_type_id(parts) == 0]
    if len(lines):   # points at the ends of a shared stretch are the same crossing
        merged = shapely.line_merge(shapely.union_all(lines))
        points = points[~shapely.dwithin(points, merged, _ON_LINE_M)]
        return len(shapely.get_parts(merged)) + len(points)
    return len(points)


def _national_crossings(lines: _CableLines, edges: np.ndarray, xy: np.ndarray) -> int:
    """Times the cable ``edges`` changes side of a national road at a junction: per stretch
    of cable on the road (or a single junction node), the fewer of its branches leaving on the
    two sides."""
    if lines.national is None or not len(edges) or lines.national_tree is None:
        return 0
    nodes = np.unique(edges)
    on = dict(zip(nodes.tolist(), _near(lines.national_tree, xy[nodes]).tolist()))
    u, v = edges[:, 0], edges[:, 1]
    on_u = np.array([on[int(i)] for i in u], dtype=bool)
    on_v = np.array([on[int(i)] for i in v], dtype=bool)
    along = on_u & on_v & _near(lines.national_tree, (xy[u] + xy[v]) / 2)
    idx = {n: i for i, n in enumerate(nodes.tolist())}
    iu = np.array([idx[int(n)] for n in u], dtype=np.int64)
    iv = np.array([idx[int(n)] for n in v], dtype=np.int64)
    adj = sparse.coo_matrix((np.ones(int(along.sum())), (iu[along], iv[along])),
                            shape=(len(nodes), len(nodes)))
    _, stretch = csgraph.connected_components(adj, directed=False)
    sides: dict[int, list[int]] = {}
    for end, other, flag in ((u, v, on_u & ~along), (v, u, on_v & ~along)):
        for p, q in zip(end[flag], other[flag]):
            s = _side(lines, xy[p], (xy[p] + xy[q]) / 2)
            if s:
                sides.setdefault(int(stretch[idx[int(p)]]), []).append(s)
    return sum(min(s.count(1), s.count(-1)) for s in sides.values())


def _side(lines: _CableLines, p: np.ndarray, q: np.ndarray) -> int:
    """Which side (+1 left, -1 right, 0 on it) of the national road through ``p`` the point
    ``q`` lies, by the road's direction at ``p``."""
    assert lines.national_tree is not None and lines.national_parts is not None
    here = shapely.Point(p)
    line = lines.national_parts[lines.national_tree.nearest(here)]
    s = line.project(here)
    a = np.asarray(line.interpolate(max(s - 1.0, 0.0)).coords[0])
    b = np.asarray(line.interpolate(min(s + 1.0, line.length)).coords[0])
    cross = (b[0] - a[0]) * (q[1] - p[1]) - (b[1] - a[1]) * (q[0] - p[0])
    return int(np.sign(cross)) if abs(cross) > 1e-9 else 0


def road_steiner_tree(g: Any, sources: np.ndarray, terminals: np.ndarray, *,
                      dist: np.ndarray | None = None, pred: np.ndarray | None = None
                      ) -> tuple[np.ndarray, float, list[int]]:
    """A Steiner tree on a weighted graph joining ``terminals`` to any of ``sources`` (the
    existing network, all of whose nodes count as one root), by the shortest-path heuristic
    of Takahashi and Matsuyama (1980): starting from the sources, repeatedly add the terminal
    nearest the tree by its shortest path. Its length is at most 2(1 - 1/k) times the shortest
    tree's, k the number of terminals plus the root. Then the minimum spanning tree of the
    nodes it uses (the sources joined by a zero-cost root) replaces it, with leaves that are
    not terminals pruned: never longer.

    Parameters
    ----------
    g
        A graph with ``csr`` (symmetric sparse matrix of edge lengths, m), ``n``,
        ``dijkstra`` and ``path`` (the module's road graph with points attached).
    sources, terminals
        Node numbers.
    dist, pred
        Distances and predecessors of a multi-source Dijkstra from ``sources`` (computed when
        not given).

    Returns
    -------
    edges : ndarray
        ``(m, 2)`` node pairs of the tree.
    length_m : float
        Its length (sum of the edge weights).
    roots : list
        The sources the tree starts from.
    """
    sources = np.unique(np.asarray(sources, dtype=np.int64))
    left = np.unique(np.asarray(terminals, dtype=np.int64))
    if dist is None or pred is None:
        dist, pred, _ = g.dijkstra(sources, predecessors=True)
    dist, pred = np.array(dist, dtype=float), np.array(pred)
    in_tree = np.zeros(g.n, dtype=bool)
    in_tree[sources] = True
    pairs: list[tuple[int, int]] = []
    while True:
        left = left[~in_tree[left]]
        if not len(left) or not np.isfinite(dist[left]).any():
            break
        t = int(left[np.argmin(dist[left])])
        path = g.path(pred, t)
        pairs.extend(zip(path[:-1].tolist(), path[1:].tolist()))
        in_tree[path] = True
        rest = left[~in_tree[left]]
        if not len(rest):
            break
        cap = dist[rest][np.isfinite(dist[rest])]
        d2, p2, _ = g.dijkstra(path, float(cap.max()) if len(cap) else 0.0,
                               predecessors=True)
        better = d2 < dist
        dist[better], pred[better] = d2[better], p2[better]
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64), 0.0, []
    edges, length = _mst_pruned(g.csr, np.array(pairs, dtype=np.int64), sources,
                                np.unique(np.asarray(terminals, dtype=np.int64)))
    roots = sorted(set(np.unique(edges).tolist()) & set(sources.tolist()))
    return edges, length, roots


def _mst_pruned(csr: sparse.csr_matrix, pairs: np.ndarray, sources: np.ndarray,
                terminals: np.ndarray) -> tuple[np.ndarray, float]:
    """The minimum spanning tree of the nodes of ``pairs`` (with every source among them
    joined to a virtual root at no cost), leaves that are not terminals pruned."""
    nodes = np.unique(pairs)
    m = len(nodes)
    sub = sparse.triu(csr[nodes][:, nodes], k=1).tocoo()
    src = np.flatnonzero(np.isin(nodes, sources))
    rows = np.r_[sub.row, src]
    cols = np.r_[sub.col, np.full(len(src), m)]
    w = np.r_[sub.data, np.full(len(src), _MIN_EDGE_M)]
    tree = csgraph.minimum_spanning_tree(
        sparse.coo_matrix((w, (rows, cols)), shape=(m + 1, m + 1))).tocoo()
    r, c, w = tree.row, tree.col, tree.data
    keep = np.r_[np.isin(nodes, terminals), True]     # the virtual root stays
    alive = np.ones(len(r), dtype=bool)
    while True:
        deg = np.bincount(np.r_[r[alive], c[alive]], minlength=m + 1)
        leaf = (deg == 1) & ~keep
        drop = alive & (leaf[r] | leaf[c])
        if not drop.any():
            break
        alive &= ~drop
    real = alive & (r < m) & (c < m)
    edges = np.column_stack([nodes[r[real]], nodes[c[real]]])
    return edges.astype(np.int64), float(w[real].sum())

