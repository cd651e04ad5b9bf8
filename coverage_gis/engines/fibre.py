"""Fibre (FTTH) reach: homes passed per hamlet along the road network, what closes the gaps as
it would be built, and an optional GPON optical budget check.

A drop cable runs from a drop box (FAT) to a house along the lanes, so reach is measured along
the road network, not as the crow flies:

* **Network** (:func:`road_graph`). The roads layer becomes a graph: every vertex of every road
  line is a node (vertices closer than ``node_tolerance_m``, 1 cm, are one node) and every
  straight piece between two vertices is an edge weighted by its length in metres. Roads meet
  only where they share a vertex (the sample is noded; a bridge over a road without a shared
  vertex is not a junction). Lines whose ``road_class`` is a railway
  (``settings.FIBRE_RAILWAY_ROAD_CLASSES``) are not roads. Households and access points
  attach to the nearest point of the nearest road by a straight **connector** edge: the road
  piece is split there, so a house in the middle of a lane is measured from its own spot on
  the lane.
* **Drop boxes**. Access points whose ``kind`` is a splitter or an OLT
  (``settings.FIBRE_NON_DROP_KINDS``) feed drop boxes, not homes: they are not drop boxes for
  reach (extensions may still start from them). Any other kind, or none, is a drop box.
* **Distance** (:func:`household_reach`). One multi-source Dijkstra from every drop box at
  once (``scipy.sparse.csgraph.dijkstra(..., min_only=True)``) gives every house its distance
  to the nearest box: connector of the box + along the roads + connector of the house. Where
  there is no road (a house or a box farther than ``connector_max_m`` from any road, or a house
  on a road piece with no box on it) the distance is the straight line times
  ``detour_factor``, and the ``basis`` column says so. Without drop boxes, the distance is
  measured to the fibre route lines (merged with :func:`merge_routes`, sampled every
  ``route_sample_m``).
* **Passed** (the industry's "homes passed", a distance notion that counts no ports): distance
  at most ``max_drop_m``. **Connectable**: passed, and a free port can take it. A box
  connects at most ``ports_total`` homes, its used ports holding the nearest (already
  connected) homes and its free ports the next nearest. Ports are handed out nearest first
  over all (house, box) pairs within reach: a house whose nearest box is full takes a port at
  the next box within reach, if any; ``port_limited`` marks houses passed whose boxes within
  reach are all full by then (a full box calls for a bigger splitter, not new cable).
* **Per hamlet** (:func:`hamlet_fibre`): share of homes passed (``ftth_share``) and
  connectable (``ftth_connectable_share``); ``ftth_covered`` by the rule of
  :class:`FibreParams` (default: the hamlet's cultural house is passed, after the ministry's
  way of counting hamlets without fibre, see ``settings.FIBRE_HAMLET_RULE``; a hamlet with no
  cultural house marked needs 80 % of its homes passed, a local setting).
  :func:`fibre_indicators` gives F2 and F1 (F1 from household subscriptions when the
  statistics give them, with data-quality flags where the statistics contradict the map).
* **Gap closing** (:func:`gap_extensions`): per hamlet short of the rule, drop boxes of
  ``BuildParams.box_ports`` ports placed so that every home to connect is within the drop
  length along the roads, and the cable along the roads from today's network to them as a
  Steiner tree (Takahashi-Matsuyama shortest-path heuristic, then a minimum spanning tree of
  the nodes it uses with non-box leaves pruned): its length, railway and national-road
  crossings, and cost from unit prices; see its docstring.
* **GPON** (:func:`gpon_budget`): the optical loss from the OLT to each drop box and a home
  behind it, against the ODN class budget (ITU-T G.984.2), when the data give an OLT position.

* **Scale** (issue 13). Every search bounded by a distance (the drop length from each box
  with limited ports or each house, the searches of a hamlet's design) runs on the part of the
  graph within that distance of its sources as the crow flies (a rectangle; no edge is
  shorter than the straight line between its ends), which holds every node the search can
  reach: scipy's Dijkstra takes exactly the same steps there as on the whole graph, so
  distances, predecessors and ties are the same. Each short hamlet is designed on the part
  around it (:meth:`_ExtensionContext._region`). Only the searches from every box or the
  whole network at once run on the whole graph, once. The work grows with households, road
  length, boxes and hamlets, not with their products (``benchmarks/bench_fibre.py --scale``).

All inputs are GeoDataFrames in one projected (metric) CRS. Only scipy is needed beyond the
geodata stack.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator, Sequence
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
from coverage_gis.config.params import BuildParams, FibreParams, GponParams
from coverage_gis.engines.hamlets import (
    hamlet_counts,
    hamlet_shares,
    hamlet_sums,
    household_hamlets,
    meets_share,
)
from coverage_gis.engines.indicators import HamletIndicator, HouseholdFibreIndicator
from coverage_gis.engines.targets import plan_target
from coverage_gis.engines.tiles import Runner

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
    "road_steiner_tree",
    "splitter_loss_db",
    "split_stages",
    "optical_loss_db",
    "gpon_budget",
    "compute_fibre",
    "BASIS_NETWORK",
    "BASIS_NONE",
    "EXTENSION_NOTES",
    "EXTENSION_COLUMNS",
    "GPON_NOTES",
]

#: ``basis`` of a distance measured along the road network.
BASIS_NETWORK = "road network"
#: ``basis`` when there is nothing to measure to (no access point and no fibre route).
BASIS_NONE = "no access point or fibre route"

_EPS_M = 1e-6        # distances within a micrometre of the limit count as within it
_MIN_EDGE_M = 1e-9   # zero-length edges get this weight (csgraph needs non-zero weights)
_NO_PATH = -9999     # scipy's "no predecessor"
_NO_CABLE_M = 1.0    # a new box this close to today's network needs no cable of its own
_ON_LINE_M = 0.05    # a cable node or piece this close to a road line lies on it


def _lower(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(v).strip().lower() for v in values)


# --------------------------------------------------------------------------------------------
# Fibre routes: merging fragments
# --------------------------------------------------------------------------------------------

_PIECE_SUFFIX = re.compile(r"[\s\-–—:,.(#]*(đoạn|doan|đ\.|section|part|seg(ment)?|piece)?"
                           r"[\s\-–—:,.#]*\d*[\s)]*$", re.IGNORECASE)


def _route_name(names: list[str]) -> str:
    names = [str(n) for n in names if isinstance(n, str) and n.strip()]
    if not names:
        return ""
    if len(set(names)) == 1:
        return names[0]
    prefix = _PIECE_SUFFIX.sub("", _common_prefix(names)).strip(" -–—:,")
    return prefix if len(prefix) >= 3 else " + ".join(dict.fromkeys(names))


def _common_prefix(names: list[str]) -> str:
    first, last = min(names), max(names)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[:i]


def merge_routes(fibre: gpd.GeoDataFrame, tolerance_m: float = 5.0
                 ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Join fragmented and reversed route pieces into continuous lines, per operator.

    Operators' KML exports cut a route into pieces, store some backwards and leave the ends a
    few metres apart. Piece ends of one operator at most ``tolerance_m`` apart are snapped to
    their mean position; pieces meeting end to end (exactly two ends at a point) are then
    joined (:func:`shapely.line_merge`, ignoring direction). A merged line is oriented so that
    its pieces' input order (``đoạn 1, 2, ...``) increases along it; a piece running the other
    way was stored reversed. Ends that touch the middle of another line (branch points) are
    left alone.

    Parameters
    ----------
    fibre
        Route lines in a metric CRS with ``operator``; optional ``route_id``, ``name``,
        ``source``. Multi-part lines are split into their parts. Z values are dropped.
    tolerance_m
        Largest gap (m) between two piece ends that is closed.

    Returns
    -------
    merged : GeoDataFrame
        One row per merged line: ``route_id`` (the id of its first piece), ``operator``,
        ``name`` (the pieces' common name without "đoạn N"), ``pieces`` (ids in order along
        the line), ``n_pieces``, ``reversed_pieces``, ``source``, ``length_m``.
    report : DataFrame
        One row per joint between consecutive pieces: ``operator``, ``route_id`` (merged),
        ``from_route_id``, ``from_name``, ``from_reversed``, ``to_route_id``, ``to_name``,
        ``to_reversed``, ``gap_m`` (distance between the two ends as stored) and ``snapped``
        (``gap_m`` > 0: the ends were moved to meet).
    """
    report_cols = ["operator", "route_id", "from_route_id", "from_name", "from_reversed",
                   "to_route_id", "to_name", "to_reversed", "gap_m", "snapped"]
    out_cols = ["route_id", "operator", "name", "pieces", "n_pieces", "reversed_pieces",
                "source", "length_m"]
    if fibre is None or len(fibre) == 0:
        return (gpd.GeoDataFrame(columns=out_cols, geometry=[], crs=getattr(fibre, "crs", None)),
                pd.DataFrame(columns=report_cols))
    parts, which = shapely.get_parts(fibre.geometry.values, return_index=True)
    parts = shapely.force_2d(parts)
    keep = ~shapely.is_empty(parts) & (shapely.get_num_coordinates(parts) >= 2)
    parts, which = parts[keep], which[keep]
    rows = fibre.iloc[which]
    ids = (rows["route_id"].astype(str).to_numpy() if "route_id" in rows
           else np.array([f"R{i + 1}" for i in which]))
    counts = pd.Series(which).value_counts()
    if (counts > 1).any():  # multi-part lines: number the parts
        nth = pd.Series(which).groupby(which).cumcount().to_numpy() + 1
        ids = np.array([f"{i}.{n}" if counts[w] > 1 else i for i, n, w in zip(ids, nth, which)])
    names = (rows["name"].to_numpy(object) if "name" in rows else ids.astype(object))
    operators = (rows["operator"].astype(object).fillna("unknown").to_numpy(object)
                 if "operator" in rows else np.full(len(parts), "unknown", dtype=object))
    sources = (rows["source"].to_numpy(object) if "source" in rows
               else np.full(len(parts), None, dtype=object))

    merged_rows: list[dict[str, Any]] = []
    merged_geoms: list[shapely.LineString] = []
    joints: list[dict[str, Any]] = []
    for op in pd.unique(operators):
        sel = np.flatnonzero(operators == op)
        coords = [shapely.get_coordinates(g) for g in parts[sel]]
        ends = np.array([[c[0], c[-1]] for c in coords]).reshape(-1, 2)  # 2k x 2
        snapped_ends = ends.copy()
        if len(ends) > 1 and tolerance_m > 0:
            pairs = cKDTree(ends).query_pairs(tolerance_m, output_type="ndarray")
            pairs = pairs[pairs[:, 0] // 2 != pairs[:, 1] // 2]
            if len(pairs):
                adj = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                                        shape=(len(ends), len(ends)))
                _, label = csgraph.connected_components(adj, directed=False)
                centre = (pd.DataFrame(ends).groupby(label).transform("mean")).to_numpy()
                snapped_ends = centre
        pieces = []
        for k, c in enumerate(coords):
            c = c.copy()
            c[0], c[-1] = snapped_ends[2 * k], snapped_ends[2 * k + 1]
            pieces.append(shapely.LineString(c))
        lines = shapely.get_parts(shapely.line_merge(shapely.MultiLineString(pieces)))
        tree = shapely.STRtree(lines)
        mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
        owner = tree.query_nearest(mids, all_matches=False)[1]
        starts = shapely.points(snapped_ends[0::2])
        stops = shapely.points(snapped_ends[1::2])
        by_line = pd.Series(np.arange(len(owner))).groupby(owner).indices
        for li, line in enumerate(lines):
            # positions within sel, in input order
            mine = np.sort(by_line.get(li, np.zeros(0, dtype=np.int64)))
            ps = shapely.line_locate_point(line, starts[mine])
            pe = shapely.line_locate_point(line, stops[mine])
            rev = ps > pe
            pos = np.minimum(ps, pe)
            # Orient the line so that the pieces' input order increases along it.
            if len(mine) > 1:
                flip = np.corrcoef(mine, pos)[0, 1] < 0 if np.ptp(pos) > 0 else False
            else:
                flip = bool(rev[0])
            if flip:
                line = shapely.reverse(line)
                rev = ~rev
                pos = line.length - np.maximum(ps, pe)
            order = mine[np.argsort(pos, kind="stable")]
            rev_of = dict(zip(mine, rev))
            gid = sel[order]
            merged_geoms.append(line)
            merged_rows.append({
                "route_id": ids[sel[mine[0]]], "operator": op,
                "name": _route_name([names[sel[m]] for m in np.sort(mine)]),
                "pieces": ", ".join(ids[gid]), "n_pieces": len(order),
                "reversed_pieces": ", ".join(ids[sel[m]] for m in order if rev_of[m]),
                "source": "; ".join(dict.fromkeys(str(s) for s in sources[gid] if s is not None
                                                  and s == s)) or None,
                "length_m": float(line.length)})
            for a, b in zip(order[:-1], order[1:]):
                ca, cb = coords[a], coords[b]
                end_a = ca[0] if rev_of[a] else ca[-1]
                start_b = cb[-1] if rev_of[b] else cb[0]
                gap = float(np.hypot(*(end_a - start_b)))
                joints.append({
                    "operator": op, "route_id": ids[sel[mine[0]]],
                    "from_route_id": ids[sel[a]], "from_name": names[sel[a]],
                    "from_reversed": bool(rev_of[a]),
                    "to_route_id": ids[sel[b]], "to_name": names[sel[b]],
                    "to_reversed": bool(rev_of[b]), "gap_m": round(gap, 3),
                    "snapped": gap > 1e-3})
    merged = gpd.GeoDataFrame(pd.DataFrame(merged_rows, columns=out_cols),
                              geometry=merged_geoms, crs=fibre.crs)
    return merged, pd.DataFrame(joints, columns=report_cols)


# --------------------------------------------------------------------------------------------
# Road network
# --------------------------------------------------------------------------------------------

@dataclass
class RoadNetwork:
    """The road graph: nodes (road vertices), straight segments between them, and a spatial
    index of the segments for attaching points.

    Attributes
    ----------
    crs
        The roads' (metric) CRS.
    node_xy
        ``(n_nodes, 2)`` node coordinates (m).
    seg_u, seg_v
        End nodes of each segment (an undirected edge).
    seg_length_m
        Segment lengths (m).
    seg_road
        Row position (0-based) in the roads layer of each segment's road.
    road_ids
        ``road_id`` per row of the roads layer.
    component
        Connected-component label of each node (roads not joined to the rest form their own
        component).
    segments, tree
        Each segment as a line, and their spatial index (None for a :meth:`densified`
        network, which finds the nearest road through the network it was made from).
    parent, parent_seg
        For a :meth:`densified` network: that network, and the segment of it each piece lies
        on (pieces of one segment are consecutive and run the same way).
    """

    crs: Any
    node_xy: np.ndarray
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_length_m: np.ndarray
    seg_road: np.ndarray
    road_ids: np.ndarray
    component: np.ndarray
    segments: np.ndarray | None = field(repr=False)
    tree: shapely.STRtree | None = field(repr=False)
    parent: RoadNetwork | None = field(default=None, repr=False)
    parent_seg: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_segments(self) -> int:
        return len(self.seg_u)

    @property
    def length_m(self) -> float:
        """Total length of the network (m)."""
        return float(self.seg_length_m.sum())

    @property
    def n_components(self) -> int:
        return int(self.component.max() + 1) if len(self.component) else 0

    def components(self) -> pd.DataFrame:
        """One row per connected piece of the network: ``component``, ``length_m``,
        ``road_ids`` (largest piece first)."""
        comp = self.component[self.seg_u]
        df = pd.DataFrame({"component": comp, "length_m": self.seg_length_m,
                           "road_id": self.road_ids[self.seg_road]})
        g = df.groupby("component")
        out = pd.DataFrame({"length_m": g["length_m"].sum(),
                            "road_ids": g["road_id"].agg(lambda s: ", ".join(dict.fromkeys(s)))})
        return out.sort_values("length_m", ascending=False).reset_index()

    def densified(self, max_segment_m: float) -> RoadNetwork:
        """The same network with extra vertices so that no straight piece is longer than
        ``max_segment_m``. Its pieces carry no geometry of their own (a 10 m spacing makes
        millions of them): :meth:`attach` finds the nearest segment of this network and
        then the piece of it."""
        if self.n_segments == 0 or self.segments is None:
            return self
        roads = gpd.GeoDataFrame({"road_id": self.road_ids[self.seg_road]},
                                 geometry=self.segments, crs=self.crs)
        net = road_graph(roads, max_segment_m=max_segment_m, index=False)
        net.parent, net.parent_seg = self, net.seg_road    # one road row per segment here
        net.seg_road = self.seg_road[net.seg_road]
        net.road_ids = self.road_ids
        return net

    def _pieces_at(self, seg: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """For points ``xy`` whose nearest segment of :attr:`parent` is ``seg``: the piece of
        this (densified) network holding their projection on it."""
        assert self.parent is not None and self.parent_seg is not None
        par = self.parent
        a, b = par.node_xy[par.seg_u[seg]], par.node_xy[par.seg_v[seg]]
        frac = _projection(xy, a, b, par.seg_length_m[seg])
        first = np.searchsorted(self.parent_seg, seg, "left")
        last = np.searchsorted(self.parent_seg, seg, "right") - 1
        start = np.cumsum(self.seg_length_m) - self.seg_length_m  # of each piece, all in a row
        at = start[first] + frac * (start[last] + self.seg_length_m[last] - start[first])
        return np.clip(np.searchsorted(start, at, "right") - 1, first, last)

    def attach(self, xy: np.ndarray, max_distance_m: float) -> _Attachment:
        """Where points meet the nearest road: segment (-1 when none within
        ``max_distance_m``), position along it from ``seg_u`` (m), connector length (m)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        n = len(xy)
        seg = np.full(n, -1, dtype=np.int64)
        t = np.zeros(n)
        conn = np.full(n, np.nan)
        ok = np.isfinite(xy).all(axis=1)
        if n == 0 or self.n_segments == 0 or not ok.any():
            return _Attachment(seg, t, conn)
        pts = shapely.points(xy[ok])
        tree = self.tree if self.parent is None else self.parent.tree
        assert tree is not None
        idx_in, idx_seg = tree.query_nearest(pts, max_distance=max_distance_m,
                                             all_matches=False)
        rows = np.flatnonzero(ok)[idx_in]
        if self.parent is not None:
            idx_seg = self._pieces_at(idx_seg, xy[rows])
        a = self.node_xy[self.seg_u[idx_seg]]
        b = self.node_xy[self.seg_v[idx_seg]]
        length = self.seg_length_m[idx_seg]
        frac = _projection(xy[rows], a, b, length)
        proj = a + frac[:, None] * (b - a)
        seg[rows] = idx_seg
        t[rows] = frac * length
        conn[rows] = np.hypot(*(xy[rows] - proj).T)
        return _Attachment(seg, t, conn)


def _projection(xy: np.ndarray, a: np.ndarray, b: np.ndarray, length: np.ndarray
                ) -> np.ndarray:
    """Where points ``xy`` project on the segments ``a``-``b`` (of ``length`` m), as a
    fraction of the segment from ``a`` (clipped to it)."""
    ab = b - a
    return np.clip(np.einsum("ij,ij->i", xy - a, ab) / np.maximum(length ** 2, 1e-18),
                   0.0, 1.0)


@dataclass
class _Attachment:
    seg: np.ndarray
    t_m: np.ndarray
    connector_m: np.ndarray

    @property
    def attached(self) -> np.ndarray:
        return self.seg >= 0


def road_graph(roads: gpd.GeoDataFrame | None, node_tolerance_m: float = 0.01,
               max_segment_m: float | None = None, *, index: bool = True) -> RoadNetwork:
    """The routable road network of a roads layer.

    Every vertex of every line is a node; vertices closer than ``node_tolerance_m`` (1 cm)
    become one node, so roads meet where they share a vertex and nowhere else. Each straight
    piece between consecutive vertices is an undirected edge weighted by its length (m).
    Multi-part lines are split into their parts; zero-length pieces are dropped.

    Parameters
    ----------
    roads
        Road lines in a metric CRS with optional ``road_id`` and ``road_class`` (lines whose
        class is a railway, ``settings.FIBRE_RAILWAY_ROAD_CLASSES``, are left out). None or
        empty gives an empty network (every distance then uses the straight-line fallback).
    node_tolerance_m
        Vertices this close are the same node.
    max_segment_m
        Split longer straight pieces by extra vertices (for candidate box sites); the
        distances do not change.
    index
        Make the segments' lines and their spatial index (False: ``segments`` and ``tree``
        are None, and :meth:`RoadNetwork.attach` cannot be used until ``parent`` is set).
    """
    crs = getattr(roads, "crs", None)
    if roads is not None and len(roads):
        roads = _split_railways(roads)[0]
    if roads is None or len(roads) == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return RoadNetwork(crs, np.zeros((0, 2)), empty_i, empty_i, np.zeros(0), empty_i,
                           np.zeros(0, dtype=object), empty_i, np.zeros(0, dtype=object),
                           shapely.STRtree([]))
    _require_metric(roads, "roads")
    road_ids = (roads["road_id"].astype(str).to_numpy(object) if "road_id" in roads
                else np.array([f"RD{i + 1}" for i in range(len(roads))], dtype=object))
    parts, part_road = shapely.get_parts(roads.geometry.values, return_index=True)
    if max_segment_m:
        parts = shapely.segmentize(parts, max_segment_m)
    coords, cidx = shapely.get_coordinates(parts, return_index=True)
    same = cidx[1:] == cidx[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    seg_road = part_road[cidx[:-1][same]]
    pts = np.vstack([a, b])
    uniq, inverse = np.unique(pts, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    if node_tolerance_m > 0 and len(uniq) > 1:
        pairs = cKDTree(uniq).query_pairs(node_tolerance_m, output_type="ndarray")
        if len(pairs):
            adj = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                                    shape=(len(uniq), len(uniq)))
            _, label = csgraph.connected_components(adj, directed=False)
            first = pd.Series(np.arange(len(uniq))).groupby(label).min().to_numpy()
            uniq = uniq[first]
            inverse = label[inverse]
    m = len(a)
    u, v = inverse[:m], inverse[m:]
    length = np.hypot(*(uniq[v] - uniq[u]).T)
    keep = (u != v) & (length > 0)
    u, v, length, seg_road = u[keep], v[keep], length[keep], seg_road[keep]
    n = len(uniq)
    adj = sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, component = csgraph.connected_components(adj, directed=False)
    segments = shapely.linestrings(np.stack([uniq[u], uniq[v]], axis=1)) if index else None
    return RoadNetwork(crs, uniq, u.astype(np.int64), v.astype(np.int64), length,
                       seg_road.astype(np.int64), road_ids, component.astype(np.int64),
                       segments, shapely.STRtree(segments) if index else None)


def _split_railways(roads: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The roads layer without its railway lines (``road_class`` in
    ``settings.FIBRE_RAILWAY_ROAD_CLASSES``), and those lines."""
    if "road_class" not in roads:
        return roads, roads.iloc[:0]
    rail = roads["road_class"].astype(str).str.strip().str.lower().isin(
        _lower(settings.FIBRE_RAILWAY_ROAD_CLASSES)).to_numpy()
    return roads[~rail], roads[rail]

class _CsrGraph:
    """A graph as a symmetric sparse matrix of edge lengths (m): ``csr``, ``n`` nodes,
    ``node_xy``; shortest paths from sets of nodes and the paths they give."""

    csr: sparse.csr_matrix
    n: int
    node_xy: np.ndarray

    _scratch: np.ndarray | None = None
    _component: np.ndarray | None = None
    _grid: _NodeGrid | None = None

    def scratch(self) -> np.ndarray:
        """A work array of ``n`` -1s (to be left as found)."""
        if self._scratch is None or len(self._scratch) != self.n:
            self._scratch = np.full(self.n, -1, dtype=np.int64)
        return self._scratch

    @property
    def component(self) -> np.ndarray:
        if self._component is None:
            self._component = csgraph.connected_components(self.csr, directed=False)[1]
        return self._component

    def near(self, xy: np.ndarray, distance_m: float, include: np.ndarray | None = None,
             within: tuple[np.ndarray, float] | None = None) -> _SubGraph:
        """The subgraph of :meth:`near_nodes`."""
        return _SubGraph(self, self.near_nodes(xy, distance_m, include, within))

    def near_nodes(self, xy: np.ndarray, distance_m: float, include: np.ndarray | None = None,
                   within: tuple[np.ndarray, float] | None = None) -> np.ndarray:
        """The nodes (sorted) in the rectangle around points ``xy`` widened by
        ``distance_m``, plus the nodes ``include``; with ``within`` = (a distance per node,
        a bound), only the nodes of the rectangle whose distance is at most the bound."""
        if self._grid is None:
            self._grid = _NodeGrid(self.node_xy, _GRID_CELL_M)
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        xy = xy[np.isfinite(xy).all(axis=1)]
        extra = (np.asarray(include, dtype=np.int64) if include is not None
                 else np.zeros(0, dtype=np.int64))
        if len(xy) and np.isfinite(distance_m):
            lo, hi = xy.min(axis=0) - distance_m, xy.max(axis=0) + distance_m
            box = self._grid.in_box(lo[0], lo[1], hi[0], hi[1])
            if within is not None:
                box = box[within[0][box] <= within[1]]
        elif len(xy):
            box = np.arange(self.n, dtype=np.int64)
        else:
            return np.unique(extra)
        return _union_sorted(box, extra)

    def bounded_pairs(self, sources: np.ndarray, limit: float, target_of: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (source, target, distance) with the distance along the graph from the node
        ``sources[i]`` to a node ``j`` with ``target_of[j] >= 0`` at most ``limit``: returns
        source positions ``i``, ``target_of[j]`` and the distances (m). One search per source
        as ``csgraph.dijkstra(csr, indices=sources, limit=limit)`` on the whole graph gives,
        run on the subgraph around each square of sources (:class:`_SubGraph`): the work grows
        with the sources, not with the graph."""
        sources = np.asarray(sources, dtype=np.int64)
        e = np.zeros(0, dtype=np.int64)
        if not len(sources):
            return e, e, np.zeros(0)
        xy = self.node_xy[sources]
        tile = max(_TILE_LIMITS * limit, _GRID_CELL_M)
        finite = np.isfinite(xy).all(axis=1)
        key = np.where(finite[:, None], np.floor(np.where(finite[:, None], xy, 0) / tile), -1)
        _, group = np.unique(key, axis=0, return_inverse=True)
        order = np.argsort(group.ravel(), kind="stable")
        bounds = np.flatnonzero(np.r_[True, np.diff(group.ravel()[order]) != 0, True])
        pos: list[np.ndarray] = []
        tgt_all: list[np.ndarray] = []
        dist_all: list[np.ndarray] = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            which = order[a:b]
            sub = self.near(xy[which], limit + _margin(limit), include=sources[which])
            tgt = target_of[sub.nodes]
            cols = np.flatnonzero(tgt >= 0)
            loc = sub.local(sources[which])
            step = max(1, _BLOCK // max(sub.n, 1))
            for k in range(0, len(which), step):
                dm = csgraph.dijkstra(sub.csr, directed=True, indices=loc[k:k + step],
                                      limit=limit)[:, cols]
                r, c = np.nonzero(dm <= limit)
                pos.append(which[k:k + step][r])
                tgt_all.append(tgt[cols[c]])
                dist_all.append(dm[r, c])
        return (np.concatenate(pos).astype(np.int64), np.concatenate(tgt_all).astype(np.int64),
                np.concatenate(dist_all))

    def dijkstra(self, sources: np.ndarray, limit: float = np.inf, *, min_only: bool = True,
                 predecessors: bool = False):
        sources = np.unique(np.asarray(sources, dtype=np.int64))
        if len(sources) == 0:
            dist = np.full(self.n, np.inf)
            if predecessors:
                return dist, np.full(self.n, _NO_PATH), np.full(self.n, _NO_PATH)
            return dist
        if min_only and predecessors:
            return csgraph.dijkstra(self.csr, directed=True, indices=sources, limit=limit,
                                    min_only=True, return_predecessors=True)
        return csgraph.dijkstra(self.csr, directed=True, indices=sources, limit=limit,
                                min_only=min_only)

    def path(self, pred: np.ndarray, target: int) -> np.ndarray:
        """Nodes from the search's source to ``target`` (a min_only predecessor array)."""
        nodes = [int(target)]
        while pred[nodes[-1]] != _NO_PATH:
            if pred[nodes[-1]] < 0:
                raise _OutsideRegion
            nodes.append(int(pred[nodes[-1]]))
        return np.array(nodes[::-1], dtype=np.int64)


def _symmetric_csr(lo: np.ndarray, hi: np.ndarray, w: np.ndarray, n: int
                   ) -> sparse.csr_matrix:
    """The symmetric (n x n) matrix of the undirected edges ``lo``-``hi`` (``lo < hi``, no
    pair twice, sorted by ``lo`` then ``hi``) of lengths ``w``, with its indices sorted in
    each row: what ``csr_matrix((r_[w, w], (r_[lo, hi], r_[hi, lo])))`` gives, made without
    its twice-as-long intermediates (a province's graph has millions of edges). A row's
    columns below it (edges where it is ``hi``) come before those above it (where it is
    ``lo``), so each half is placed in order without sorting the whole."""
    m = len(lo)
    index: Any = np.int32 if max(n, 2 * m) < np.iinfo(np.int32).max else np.int64
    below = np.bincount(hi, minlength=n).astype(index)  # per row: columns lower than the row
    above = np.bincount(lo, minlength=n).astype(index)
    indptr = np.zeros(n + 1, dtype=index)
    np.cumsum(below + above, out=indptr[1:])
    indices = np.empty(2 * m, dtype=index)
    data = np.empty(2 * m, dtype=float)
    # the upper half, already sorted by (row = lo, column = hi): after the row's lower half;
    # the k-th edge of a row whose edges start at edge s goes to indptr + below + (k - s)
    start = np.cumsum(above, dtype=index) - above       # first edge of each row, as lo
    pos = np.arange(m, dtype=index) + (indptr[:-1] + below - start)[lo]
    indices[pos], data[pos] = hi, w
    # the lower half, sorted by (row = hi, column = lo)
    order = np.lexsort((lo, hi))
    h = hi[order]
    start = np.cumsum(below, dtype=index) - below
    pos = np.arange(m, dtype=index) + (indptr[:-1] - start)[h]
    indices[pos], data[pos] = lo[order], w[order]
    return sparse.csr_matrix((data, indices, indptr), shape=(n, n))


class _OutsideRegion(Exception):
    """A path left the part of the graph a local search was given (never expected: the
    regions are chosen so that it cannot; the caller then searches the whole graph)."""


#: Predecessor of a node whose predecessor lies outside a subgraph (see :class:`_SubGraph`).
_OUTSIDE = -1
#: Side (m) of the squares by which the road graph's nodes are indexed for local searches.
_GRID_CELL_M = 250.0
#: Sources of bounded searches are grouped by squares of this many search limits a side.
_TILE_LIMITS = 8.0
#: Largest dense distance block (sources x nodes) a bounded search returns at once.
_BLOCK = 2_000_000


def _margin(limit: float) -> float:
    """Extra distance (m) around a search region: a graph distance is never shorter than the
    straight line between its ends, up to rounding, which this covers many times over."""
    return 1.0 + 1e-6 * limit


class _NodeGrid:
    """The nodes of a graph by square of ``cell_m`` (nodes without coordinates left out):
    which nodes lie in a rectangle, in O(cells + nodes found)."""

    def __init__(self, xy: np.ndarray, cell_m: float):
        ok = np.flatnonzero(np.isfinite(xy).all(axis=1))
        self.cell = cell_m
        lo = xy[ok].min(axis=0) if len(ok) else np.zeros(2)
        self.x0, self.y0 = float(lo[0]), float(lo[1])
        ix = ((xy[ok, 0] - self.x0) // cell_m).astype(np.int64)
        iy = ((xy[ok, 1] - self.y0) // cell_m).astype(np.int64)
        self.nx = int(ix.max()) + 1 if len(ok) else 1
        self.ny = int(iy.max()) + 1 if len(ok) else 1
        key = iy * self.nx + ix
        order = np.argsort(key, kind="stable")
        self.key, self.node, self.xy = key[order], ok[order], xy[ok[order]]

    def in_box(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Nodes (sorted) with xmin <= x <= xmax and ymin <= y <= ymax."""
        c = self.cell
        ix0 = max(int((xmin - self.x0) // c), 0)
        ix1 = min(int((xmax - self.x0) // c), self.nx - 1)
        iy0 = max(int((ymin - self.y0) // c), 0)
        iy1 = min(int((ymax - self.y0) // c), self.ny - 1)
        if ix0 > ix1 or iy0 > iy1 or not len(self.key):
            return np.zeros(0, dtype=np.int64)
        rows = np.arange(iy0, iy1 + 1, dtype=np.int64) * self.nx
        lo = np.searchsorted(self.key, rows + ix0, "left")
        hi = np.searchsorted(self.key, rows + ix1, "right")
        pos = _ranges(lo, hi - lo)
        xy = self.xy[pos]
        inside = ((xy[:, 0] >= xmin) & (xy[:, 0] <= xmax) & (xy[:, 1] >= ymin)
                  & (xy[:, 1] <= ymax))
        return np.sort(self.node[pos[inside]])


def _union_sorted(big: np.ndarray, small: np.ndarray) -> np.ndarray:
    """The sorted union of the sorted unique nodes ``big`` and any nodes ``small``."""
    return _merge_sorted(big, np.unique(small))


def _merge_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sorted union of two sorted unique node arrays, in one pass over them (numpy's
    stable sort merges the two runs) rather than sorting everything again."""
    if not len(a) or not len(b):
        return b if len(b) else a
    both = np.concatenate([a, b])
    both.sort(kind="stable")
    return both[np.r_[True, both[1:] != both[:-1]]]


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])``, vectorised."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.asarray(starts, dtype=np.int64) - (np.cumsum(counts) - counts)
    return np.repeat(shift, counts) + np.arange(total, dtype=np.int64)


class _SubGraph(_CsrGraph):
    """The part of a graph induced by ``nodes`` (sorted global node numbers): local node
    ``i`` is ``nodes[i]``, and each node keeps its edges in the same order.

    Node and edge orders being kept, scipy's Dijkstra runs through the same steps on it as on
    the whole graph whenever the nodes it reaches on the whole graph (those within the search
    limit) are all in ``nodes``: edges to the others are never taken, as they exceed the
    limit. Distances, predecessors and ties are then exactly those of the whole graph. Every
    edge is at least as long as the straight line between its ends, so the nodes within
    ``limit`` of the sources along the graph lie within ``limit`` of them as the crow flies:
    a rectangle around the sources widened by the limit holds them (:meth:`_Graph.near`).
    """

    def __init__(self, g: _CsrGraph, nodes: np.ndarray):
        nodes = np.asarray(nodes, dtype=np.int64)
        self.nodes = nodes
        self.n = len(nodes)
        self.node_xy = g.node_xy[nodes]
        ip = g.csr.indptr
        counts = (ip[nodes + 1] - ip[nodes]).astype(np.int64)
        idx = _ranges(ip[nodes], counts)
        scratch = g.scratch()           # global -> local number, -1 outside
        scratch[nodes] = np.arange(self.n)
        pos = scratch[g.csr.indices[idx]]
        scratch[nodes] = -1
        ok = pos >= 0
        rows = np.repeat(np.arange(self.n, dtype=np.int64), counts)[ok]
        indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=self.n))]
        self.csr = sparse.csr_matrix((g.csr.data[idx][ok], pos[ok].astype(np.int32),
                                      indptr.astype(np.int32)), shape=(self.n, self.n))

    def local(self, nodes: np.ndarray) -> np.ndarray:
        """Local numbers of global ``nodes`` (-1 for those outside)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        if not self.n:
            return np.full(len(nodes), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.nodes, nodes), self.n - 1)
        return np.where(self.nodes[pos] == nodes, pos, -1)

    def local_pred(self, pred: np.ndarray) -> np.ndarray:
        """A whole-graph predecessor array restricted to these nodes, in local numbers
        (:data:`_OUTSIDE` where the predecessor lies outside)."""
        p = np.asarray(pred)[self.nodes].astype(np.int64)
        out = np.full(self.n, _NO_PATH, dtype=np.int64)
        has = p != _NO_PATH
        loc = self.local(p[has])
        out[has] = np.where(loc >= 0, loc, _OUTSIDE)
        return out


class _Graph(_CsrGraph):
    """The road network with points attached: for each point a projection node on its road
    (the road piece split there) and a point node joined to it by the connector edge.

    Node numbering: road nodes first, then per group of points its projection nodes, then its
    point nodes. ``point_node[g]`` gives the point nodes of group ``g``.
    """

    def __init__(self, net: RoadNetwork, groups: list[np.ndarray], connector_max_m: float):
        self.net = net
        nb = net.n_nodes
        offset = nb
        self.point_node: list[np.ndarray] = []
        self.proj_node: list[np.ndarray] = []
        self.attachment: list[_Attachment] = []
        xy_parts = [net.node_xy]
        proj_xy_parts = []
        att_seg, att_t, att_proj = [], [], []
        conn_a, conn_b, conn_w = [], [], []
        for xy in groups:
            xy = np.asarray(xy, dtype=float).reshape(-1, 2)
            m = len(xy)
            att = net.attach(xy, connector_max_m)
            proj = np.arange(offset, offset + m)
            pnode = np.arange(offset + m, offset + 2 * m)
            offset += 2 * m
            self.point_node.append(pnode)
            self.proj_node.append(proj)
            self.attachment.append(att)
            ok = att.attached
            seg = att.seg[ok]
            pxy = np.full((m, 2), np.nan)
            if ok.any():
                frac = att.t_m[ok] / np.maximum(net.seg_length_m[seg], 1e-18)
                a, b = net.node_xy[net.seg_u[seg]], net.node_xy[net.seg_v[seg]]
                pxy[ok] = a + frac[:, None] * (b - a)
            proj_xy_parts.append(pxy)
            xy_parts.append(np.where(np.isfinite(pxy), pxy, xy))  # projection nodes
            xy_parts.append(xy)                                   # point nodes
            att_seg.append(seg)
            att_t.append(att.t_m[ok])
            att_proj.append(proj[ok])
            conn_a.append(proj[ok])
            conn_b.append(pnode[ok])
            conn_w.append(att.connector_m[ok])
        self.n = offset
        self.node_xy = np.vstack(xy_parts) if xy_parts else np.zeros((0, 2))
        seg = np.concatenate(att_seg) if att_seg else np.zeros(0, np.int64)
        t = np.concatenate(att_t) if att_t else np.zeros(0)
        pn = np.concatenate(att_proj) if att_proj else np.zeros(0, np.int64)
        has = np.zeros(net.n_segments, dtype=bool)
        has[seg] = True
        ea = [net.seg_u[~has]]
        eb = [net.seg_v[~has]]
        ew = [net.seg_length_m[~has]]
        if len(seg):
            order = np.lexsort((t, seg))
            s, tt, p = seg[order], t[order], pn[order]
            brk = s[1:] != s[:-1]
            first = np.r_[True, brk]
            last = np.r_[brk, True]
            ea += [net.seg_u[s[first]], p[last], p[:-1][~brk]]
            eb += [p[first], net.seg_v[s[last]], p[1:][~brk]]
            ew += [tt[first], net.seg_length_m[s[last]] - tt[last], np.diff(tt)[~brk]]
        ea += conn_a
        eb += conn_b
        ew += conn_w
        # node numbers in 32 bits when they fit: a province has millions of edges
        node_t = np.int32 if self.n < np.iinfo(np.int32).max else np.int64
        a = np.concatenate(ea).astype(node_t)
        b = np.concatenate(eb).astype(node_t)
        w = np.concatenate(ew).astype(float)
        del ea, eb, ew
        np.maximum(w, _MIN_EDGE_M, out=w)
        keep = a != b
        lo, hi, w = np.minimum(a, b)[keep], np.maximum(a, b)[keep], w[keep]
        del a, b, keep
        key = lo.astype(np.int64) * np.int64(self.n) + hi
        order = np.lexsort((w, key))
        key = key[order]
        first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, dtype=bool)
        del key
        sel = order[first]
        del order, first
        lo, hi, w = lo[sel], hi[sel], w[sel]
        del sel
        self.csr = _symmetric_csr(lo, hi, w, self.n)

    def attached(self, group: int) -> np.ndarray:
        return self.attachment[group].attached

    def road_nodes(self) -> np.ndarray:
        """Nodes on the roads: road vertices and the attached points' projections."""
        parts = [np.arange(self.net.n_nodes)]
        for g, proj in enumerate(self.proj_node):
            parts.append(proj[self.attached(g)])
        return np.concatenate(parts)

# --------------------------------------------------------------------------------------------
# Sources: access points, or fibre routes
# --------------------------------------------------------------------------------------------

@dataclass
class _Sources:
    xy: np.ndarray
    ids: np.ndarray
    operator: np.ndarray
    free_ports: np.ndarray   # inf = unlimited
    kind: str                # "access point" or "fibre route"


def _sources(access_points: gpd.GeoDataFrame | None, fibre: gpd.GeoDataFrame | None,
             params: FibreParams, crs: Any, with_routes: bool = False) -> _Sources:
    """Boxes (with their free ports); without boxes (or with ``with_routes``) also points every
    ``route_sample_m`` along the merged fibre routes (unlimited)."""
    parts: list[_Sources] = []
    if access_points is not None and len(access_points):
        ap = _in_crs(access_points, crs)
        n = len(ap)
        ids = (ap["ap_id"].astype(str).to_numpy(object) if "ap_id" in ap
               else np.array([f"AP{i + 1}" for i in range(n)], dtype=object))
        ops = (ap["operator"].astype(object).to_numpy(object) if "operator" in ap
               else np.full(n, None, dtype=object))
        free = np.full(n, np.inf)
        if "ports_total" in ap and "ports_used" in ap:
            tot = pd.to_numeric(ap["ports_total"], errors="coerce").to_numpy(float)
            used = pd.to_numeric(ap["ports_used"], errors="coerce").to_numpy(float)
            known = np.isfinite(tot) & np.isfinite(used)
            # A box serves at most ports_total homes: the ports_used ones are homes already
            # connected (taken to be its nearest), the free ports go to the next nearest.
            free[known] = tot[known]
        if not params.respect_ports:
            free[:] = np.inf
        parts.append(_Sources(_xy(ap), ids, ops, free, "access point"))
    if (not parts or with_routes) and fibre is not None and len(fibre):
        merged, _ = merge_routes(_to_crs(fibre, crs), params.snap_tolerance_m)
        lines = merged.geometry.values
        lengths = shapely.length(lines)
        counts = np.maximum(np.ceil(lengths / params.route_sample_m).astype(int), 1) + 1
        line_of = np.repeat(np.arange(len(lines)), counts)
        k = np.arange(len(line_of)) - np.repeat(np.cumsum(counts) - counts, counts)
        dist = lengths[line_of] * k / (counts[line_of] - 1)
        pts = shapely.line_interpolate_point(lines[line_of], dist)
        xy = shapely.get_coordinates(pts)
        parts.append(_Sources(xy, merged["route_id"].to_numpy(object)[line_of],
                              merged["operator"].to_numpy(object)[line_of],
                              np.full(len(xy), np.inf), "fibre route"))
    if not parts:
        return _Sources(np.zeros((0, 2)), np.zeros(0, dtype=object), np.zeros(0, dtype=object),
                        np.zeros(0), "none")
    if len(parts) == 1:
        return parts[0]
    return _Sources(np.vstack([p.xy for p in parts]), np.concatenate([p.ids for p in parts]),
                    np.concatenate([p.operator for p in parts]),
                    np.concatenate([p.free_ports for p in parts]), "network")


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    geom = gdf.geometry
    return np.column_stack([geom.x.to_numpy(float), geom.y.to_numpy(float)])


def _require_metric(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None or not gdf.crs.is_projected:
        raise ValueError(f"fibre: {what} must be in a projected (metric) CRS, e.g. EPSG:32648")


def _in_crs(gdf: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """``gdf`` in ``crs`` (as it is when either has no CRS)."""
    if crs is None or gdf.crs is None or gdf.crs == crs:
        return gdf
    return gdf.to_crs(crs)


def _to_crs(gdf: gpd.GeoDataFrame | None, crs: Any) -> gpd.GeoDataFrame | None:
    """:func:`_in_crs` for an optional layer."""
    return None if gdf is None else _in_crs(gdf, crs)


# --------------------------------------------------------------------------------------------
# Household reach
# --------------------------------------------------------------------------------------------

def _pick(values: np.ndarray, index: np.ndarray, n_sources: int) -> np.ndarray:
    """``values[index]`` as objects, None where ``index`` is -1 (no source) or there are no
    sources at all."""
    out = np.full(len(index), None, dtype=object)
    if n_sources:
        found = index >= 0
        out[found] = values[index[found]]
    return out


def _fallback_nearest(hh_xy: np.ndarray, src_xy: np.ndarray, detour: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line × detour distance (m) and index of the nearest source."""
    if len(src_xy) == 0 or len(hh_xy) == 0:
        return np.full(len(hh_xy), np.inf), np.full(len(hh_xy), -1)
    d, i = cKDTree(src_xy).query(hh_xy)
    return d * detour, i.astype(np.int64)


def _fallback_pairs(hh_idx: np.ndarray, hh_xy: np.ndarray, src_idx: np.ndarray,
                    src_xy: np.ndarray, detour: float, limit_m: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (household, source) pair within ``limit_m`` by straight line × detour."""
    if len(hh_idx) == 0 or len(src_idx) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    m = cKDTree(hh_xy).sparse_distance_matrix(cKDTree(src_xy), limit_m / detour,
                                              output_type="coo_matrix")
    return hh_idx[m.row], src_idx[m.col], m.data * detour


def _assign_ports(pair_h: np.ndarray, pair_s: np.ndarray, pair_d: np.ndarray,
                  free: np.ndarray, n_households: int) -> np.ndarray:
    """Greedy nearest-first port assignment over (household, source, distance) pairs: the
    shortest pairs are served first, each household once, each source up to its free ports.
    Returns the assigned source per household (-1 none)."""
    order = np.lexsort((pair_s, pair_h, pair_d))
    assigned = np.full(n_households, -1, dtype=np.int64)
    left = free.astype(float).copy()
    for h, s in zip(pair_h[order].tolist(), pair_s[order].tolist()):
        if assigned[h] < 0 and left[s] >= 1:
            assigned[h] = s
            left[s] -= 1
    return assigned


def drop_boxes(access_points: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The access points that are drop boxes: all but those whose ``kind`` (any case) is in
    ``settings.FIBRE_NON_DROP_KINDS`` (splitters feed drop boxes, OLTs feed splitters). None
    when there are none."""
    if access_points is None or not len(access_points):
        return None
    if "kind" not in access_points:
        return access_points
    kinds = access_points["kind"].astype(object).map(
        lambda k: str(k).strip().lower() if isinstance(k, str) else "")
    drop = access_points[~kinds.isin(_lower(settings.FIBRE_NON_DROP_KINDS)).to_numpy()]
    return drop if len(drop) else None


def household_reach(households: gpd.GeoDataFrame, access_points: gpd.GeoDataFrame | None,
                    roads: gpd.GeoDataFrame | None, fibre: gpd.GeoDataFrame | None = None,
                    params: FibreParams | None = None, *, network: RoadNetwork | None = None
                    ) -> gpd.GeoDataFrame:
    """Distance from every household to its nearest drop box along the roads, whether it is
    passed (within the drop length) and whether it is connectable (passed, with a free port).

    Parameters
    ----------
    households
        Points in a metric CRS with ``household_id``, ``hamlet_id``, ``is_cultural_house``
        (all optional).
    access_points
        Boxes with ``ap_id``, ``operator``, ``kind``, ``ports_total``, ``ports_used`` (NaN =
        unknown = unlimited). Splitter and OLT boxes are not drop boxes (:func:`drop_boxes`).
        None, empty or no drop box: distances are measured to the fibre routes instead.
    roads
        Road lines (only for building the network when ``network`` is not given).
    fibre
        Route lines with ``route_id``, ``operator``, ``name``; used without access points.
    params
        Drop length, detour factor, ports; defaults from :class:`FibreParams`.
    network
        A prebuilt :func:`road_graph` of ``roads`` (to reuse it).

    Returns
    -------
    GeoDataFrame
        One row per household, same index, order and CRS: ``household_id``, ``hamlet_id``,
        ``is_cultural_house``, ``distance_m`` (to the nearest box or route, NaN when there is
        none), ``basis`` (``"road network"``, ``"straight line x 1.3"`` or ``"no access point
        or fibre route"``), ``measured_to`` (``"access point"`` or ``"fibre route"``),
        ``access_point`` (nearest ``ap_id`` or ``route_id``), ``operator``, ``passed``
        (distance at most ``max_drop_m``: homes passed count no ports), ``connectable``
        (passed and a free port takes it), ``port_limited`` (passed, but every box within
        reach is full by the time its turn comes), ``assigned_access_point`` (the box whose
        port it takes), ``connector_m`` (house to road; NaN when off the road network).

    Notes
    -----
    Network distance = box connector + along the roads + house connector. It is used when the
    house and a box are on connected roads; otherwise the house is measured by the fallback
    (straight line × ``detour_factor``) to the nearest box. Boxes that are themselves off the
    road network are reached by the fallback from every house, and the nearer of the two
    counts. Households are never looped over in Python, except in the port assignment, which
    runs only when some box would get more houses than it has free ports.
    """
    params = params or FibreParams()
    _require_metric(households, "households")
    crs = households.crs
    roads = _to_crs(roads, crs)
    net = network if network is not None else road_graph(roads)
    n = len(households)
    hh_xy = _xy(households)
    src = _sources(drop_boxes(access_points), fibre, params, crs)
    basis_fb = params.fallback_basis
    limit = params.max_drop_m + _EPS_M

    out = pd.DataFrame(index=households.index)
    out["household_id"] = (households["household_id"].to_numpy(object) if "household_id"
                           in households else [f"HH{i + 1}" for i in range(n)])
    out["hamlet_id"] = (households["hamlet_id"].to_numpy(object) if "hamlet_id" in households
                        else pd.Series([pd.NA] * n, dtype=object).to_numpy())
    out["is_cultural_house"] = (households["is_cultural_house"].fillna(False).astype(bool)
                                .to_numpy() if "is_cultural_house" in households
                                else np.zeros(n, dtype=bool))

    g = _Graph(net, [hh_xy, src.xy], params.connector_max_m)
    hh_node, src_node = g.point_node
    hh_att = g.attached(0)
    src_on = g.attached(1)
    connector = g.attachment[0].connector_m

    ns = len(src.xy)
    dist = np.full(n, np.inf)
    best = np.full(n, -1, dtype=np.int64)
    basis = np.full(n, BASIS_NONE, dtype=object)
    has_net = np.zeros(n, dtype=bool)   # a road path to some box exists
    if ns:
        # 1. along the roads, from every box at once
        src_of_node = np.full(g.n, -1, dtype=np.int64)
        src_of_node[src_node] = np.arange(ns)
        if src_on.any():
            d_node, _, origin = g.dijkstra(src_node[src_on], predecessors=True)
            d_net = d_node[hh_node]
            reach_ok = np.isfinite(d_net)
            has_net = reach_ok
            dist[reach_ok] = d_net[reach_ok]
            best[reach_ok] = src_of_node[origin[hh_node[reach_ok]]]
            basis[reach_ok] = BASIS_NETWORK
        no_net = ~np.isfinite(dist)
        # 2. fallback: houses with no road path to any box, to the nearest box of all ...
        if no_net.any():
            d_fb, i_fb = _fallback_nearest(hh_xy[no_net], src.xy, params.detour_factor)
            dist[no_net], best[no_net] = d_fb, i_fb
            basis[no_net] = basis_fb
        # ... and every house to boxes that are off the road network, if nearer
        off = np.flatnonzero(~src_on)
        if len(off):
            d_off, i_off = _fallback_nearest(hh_xy, src.xy[off], params.detour_factor)
            nearer = d_off < dist
            dist[nearer], best[nearer] = d_off[nearer], off[i_off[nearer]]
            basis[nearer] = basis_fb

    within = dist <= limit
    assigned = np.where(within, best, -1)
    limited = np.isfinite(src.free_ports) if ns else np.zeros(0, dtype=bool)
    if ns and params.respect_ports and limited.any():
        demand = np.bincount(best[within], minlength=ns)
        if (demand > src.free_ports).any():
            ph, ps, pd_ = _candidate_pairs(g, src, hh_xy, hh_node, src_on, dist, has_net,
                                           params, limited)
            assigned = _assign_ports(ph, ps, pd_, src.free_ports, n)
    connectable = assigned >= 0

    out["distance_m"] = np.where(np.isfinite(dist), dist, np.nan)
    out["basis"] = basis
    out["measured_to"] = src.kind if ns else pd.NA
    out["access_point"] = _pick(src.ids, best, ns)
    out["operator"] = _pick(src.operator, best, ns)
    out["passed"] = within
    out["connectable"] = connectable
    out["port_limited"] = within & ~connectable
    out["assigned_access_point"] = _pick(src.ids, assigned, ns)
    out["connector_m"] = np.where(hh_att, connector, np.nan)
    return gpd.GeoDataFrame(out, geometry=households.geometry.values, crs=crs,
                            index=households.index)


def _candidate_pairs(g: _Graph, src: _Sources, hh_xy: np.ndarray, hh_node: np.ndarray,
                     src_on: np.ndarray, dist: np.ndarray, has_net: np.ndarray,
                     params: FibreParams, limited: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (household, box, distance) within the drop length that the port assignment needs,
    measured as :func:`household_reach` measures: along the roads for houses with a road path
    to a box (a bounded search from each box with limited ports, on the graph around it
    (:meth:`_Graph.bounded_pairs`); for boxes with unlimited ports only the nearest, as it
    never fills), by the fallback for houses without
    one (to every box), and by the fallback from every house to boxes off the roads."""
    limit = params.max_drop_m + _EPS_M
    detour = params.detour_factor
    src_node = g.point_node[1]
    ns = len(src.xy)
    H, S, D = [], [], []
    unl = np.flatnonzero(src_on & ~limited)
    if len(unl):
        src_of_node = np.full(g.n, -1, dtype=np.int64)
        src_of_node[src_node] = np.arange(ns)
        d_node, _, origin = g.dijkstra(src_node[unl], limit, predecessors=True)
        dh = d_node[hh_node]
        ok = np.flatnonzero(dh <= limit)
        H.append(ok)
        S.append(src_of_node[origin[hh_node[ok]]])
        D.append(dh[ok])
    lim = np.flatnonzero(src_on & limited)
    relevant = np.flatnonzero(has_net & (dist <= limit))
    if len(lim) and len(relevant):
        # a bounded search from each box with limited ports, box by box around each one
        hh_of_node = np.full(g.n, -1, dtype=np.int64)
        hh_of_node[hh_node[relevant]] = relevant
        i, h, d = g.bounded_pairs(src_node[lim], limit, hh_of_node)
        H.append(h)
        S.append(lim[i])
        D.append(d)
    no_net = np.flatnonzero(~has_net & np.isfinite(dist))
    off = np.flatnonzero(~src_on)
    for hh_idx, s_idx in ((no_net, np.arange(ns)), (np.arange(len(hh_xy)), off)):
        h, s, d = _fallback_pairs(hh_idx, hh_xy[hh_idx], s_idx, src.xy[s_idx], detour, limit)
        H.append(h)
        S.append(s)
        D.append(d)
    h, s, d = np.concatenate(H), np.concatenate(S), np.concatenate(D)
    return h.astype(np.int64), s.astype(np.int64), d


# --------------------------------------------------------------------------------------------
# Per hamlet and indicators
# --------------------------------------------------------------------------------------------

def _reach_flags(reach: pd.DataFrame) -> pd.DataFrame:
    """``passed``, ``connectable`` and ``port_limited`` of a reach table; a table without
    ``connectable`` (made before issue 11, when ``passed`` counted ports) has its passed homes
    connectable and its port-limited homes passed."""
    limited = reach["port_limited"].fillna(False).astype(bool).to_numpy()
    passed = reach["passed"].fillna(False).astype(bool).to_numpy()
    if "connectable" in reach:
        connectable = reach["connectable"].fillna(False).astype(bool).to_numpy()
    else:
        connectable = passed & ~limited
        passed = passed | limited
    return pd.DataFrame({"passed": passed, "connectable": connectable,
                         "port_limited": limited}, index=reach.index)


def hamlet_fibre(reach: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                 params: FibreParams | None = None) -> pd.DataFrame:
    """Per hamlet: homes passed and connectable, their shares, and whether the hamlet counts
    as reached.

    Parameters
    ----------
    reach
        :func:`household_reach` output. Households without ``hamlet_id`` are placed by
        location.
    hamlets
        Hamlet polygons with ``hamlet_id`` (the order of the output).
    params
        The rule (``hamlet_rule``, ``hamlet_share``).

    Returns
    -------
    DataFrame
        ``hamlet_id``, ``households``, ``homes_passed`` (within the drop length, no port
        condition), ``homes_port_limited`` (passed, no free port), ``ftth_share`` (homes
        passed / households; NaN without households), ``homes_connectable`` and
        ``ftth_connectable_share`` (passed with a free port), ``homes_within_reach`` and
        ``within_reach_share`` (the same as homes passed, kept for older readers),
        ``cultural_house_id``, ``cultural_house_reached`` (passed; boolean, NA when none is
        marked; with several marked, any one passed counts), ``ftth_covered``, ``ftth_rule``.
    """
    params = params or FibreParams()
    hh = pd.DataFrame(reach.drop(columns=reach.geometry.name))
    hh["hamlet_id"] = household_hamlets(reach, hamlets)
    flags = _reach_flags(hh)
    hh["passed"] = flags["passed"]
    ids = hamlets["hamlet_id"].to_numpy(object)
    households = hamlet_counts(hh["hamlet_id"], ids).to_numpy()
    sums = hamlet_sums(flags, hh["hamlet_id"], ids)
    shares = hamlet_shares(flags, hh["hamlet_id"], ids)
    passed = sums["passed"].to_numpy(int)
    share = shares["passed"].to_numpy(float)
    ch = hh[hh["is_cultural_house"].fillna(False).astype(bool)]
    ch_g = ch.groupby("hamlet_id")
    ch_id = pd.Series(ids).map(ch_g["household_id"].agg(lambda s: ", ".join(map(str, s))))
    ch_reached = pd.Series(ids).map(ch_g["passed"].any()).astype("boolean")
    covered, rules = _hamlet_rules(households, ch_reached, meets_share(share,
                                                                       params.hamlet_share),
                                   params)
    return pd.DataFrame({
        "hamlet_id": ids, "households": households, "homes_passed": passed,
        "homes_port_limited": sums["port_limited"].to_numpy(int), "ftth_share": share,
        "homes_connectable": sums["connectable"].to_numpy(int),
        "ftth_connectable_share": shares["connectable"].to_numpy(float),
        "homes_within_reach": passed, "within_reach_share": share,
        "cultural_house_id": ch_id.to_numpy(object),
        "cultural_house_reached": ch_reached.array, "ftth_covered": covered,
        "ftth_rule": rules})


def _hamlet_rules(households: np.ndarray, ch_reached: pd.Series, share_ok: np.ndarray,
                  params: FibreParams) -> tuple[list[bool], list[str]]:
    """Per hamlet: covered, and the code of the rule it was judged by."""
    covered, rules = [], []
    for i in range(len(households)):
        has_ch = pd.notna(ch_reached.iloc[i])
        if households[i] == 0:
            covered.append(False)
            rules.append("no_households")
        elif params.hamlet_rule == "cultural_house" and has_ch:
            covered.append(bool(ch_reached.iloc[i]))
            rules.append("cultural_house")
        else:
            covered.append(bool(share_ok[i]))
            rules.append("share_no_cultural_house" if params.hamlet_rule == "cultural_house"
                         else "share")
    return covered, rules


def fibre_indicators(hamlet_table: pd.DataFrame, statistics: pd.DataFrame | None = None,
                     year: int | None = None, params: FibreParams | None = None,
                     *, ports_used: int | None = None
                     ) -> dict[str, HamletIndicator | HouseholdFibreIndicator]:
    """The plan's fibre indicators, ``{"F2": ..., "F1": ...}``.

    F2 (map) = covered hamlets / all hamlets; its ``rule_params`` name the rules the hamlets
    were judged by (``used``: ``cultural_house``, ``share_no_cultural_house``, ``share``). F1
    (statistics) = household FTTH subscriptions (``household_ftth_subscriptions``; when only
    ``ftth_subscriptions`` is given, that total, with the note ``total_subscriptions_only``)
    / households for ``year`` (default: the latest year in the table), beside the map's homes
    passed and connectable / households of the household layer. F1's ``flags``: the
    subscriptions exceed the homes passed on the map (``subscriptions_above_homes_passed``),
    or ``ports_used``, the ports used in the map's drop boxes when every box gives them
    (``subscriptions_above_ports_used``).
    """
    params = params or FibreParams()
    n = len(hamlet_table)
    covered = hamlet_table["ftth_covered"].astype(bool) if n else pd.Series(dtype=bool)
    f2 = HamletIndicator(
        id="F2", covered_hamlets=int(covered.sum()), hamlets=n,
        short_hamlets=tuple(str(h) for h in hamlet_table.loc[~covered, "hamlet_id"])
        if n else (),
        target=plan_target("F2"), rule="ftth",
        rule_params={"hamlet_rule": params.hamlet_rule, "hamlet_share": params.hamlet_share,
                     "max_drop_m": params.max_drop_m,
                     "used": tuple(_rules_used(hamlet_table, params))})

    def total(col: str) -> int | None:
        return int(hamlet_table[col].sum()) if n and col in hamlet_table else None

    homes_passed = total("homes_passed") or 0
    f1: dict[str, Any] = {"target": plan_target("F1"), "homes_passed": homes_passed,
                          "households_on_map": total("households") or 0,
                          "homes_within_reach": total("homes_within_reach"),
                          "homes_connectable": total("homes_connectable"),
                          "ports_used": ports_used, **_f1_statistics(statistics, year)}
    subs = f1.get("household_ftth_subscriptions", f1.get("ftth_subscriptions"))
    flags = []
    if subs is not None and n and subs > homes_passed:
        flags.append("subscriptions_above_homes_passed")
    if subs is not None and ports_used is not None and subs > ports_used:
        flags.append("subscriptions_above_ports_used")
    return {"F2": f2, "F1": HouseholdFibreIndicator(**f1, flags=tuple(flags))}


def _rules_used(hamlet_table: pd.DataFrame, params: FibreParams) -> list[str]:
    """The codes of the rules F2's hamlets (those with homes) were judged by."""
    with_homes = hamlet_table[hamlet_table["households"] > 0] if len(hamlet_table) else \
        hamlet_table
    used: list[str] = []
    if len(with_homes):
        marked = (with_homes["cultural_house_reached"].notna()
                  if "cultural_house_reached" in with_homes else pd.Series(False))
        if params.hamlet_rule == "cultural_house":
            if marked.any():
                used.append("cultural_house")
            if not marked.all():
                used.append("share_no_cultural_house")
        else:
            used.append("share")
    return used


def _f1_statistics(statistics: pd.DataFrame | None, year: int | None) -> dict[str, Any]:
    """F1's year and counts from the statistics, or the code of why there are none."""
    if statistics is None or not len(statistics) or "year" not in statistics:
        return {"note": "no_statistics_table"}
    stats = statistics.copy()
    stats["year"] = pd.to_numeric(stats["year"], errors="coerce")
    row = stats[stats["year"] == (year if year is not None else stats["year"].max())]
    if not len(row):
        return {"note": "no_statistics_for_year", "year": year}
    r = row.iloc[-1]
    subs, own, hh = (r.get("ftth_subscriptions"), r.get("household_ftth_subscriptions"),
                     r.get("households"))
    if pd.isna(hh) or float(hh) <= 0 or (pd.isna(subs) and pd.isna(own)):
        return {"year": int(r["year"]), "note": "missing_counts"}
    out: dict[str, Any] = {"year": int(r["year"]), "households": int(hh),
                           "ftth_subscriptions": int(subs) if pd.notna(subs) else None}
    if pd.notna(own):
        out["household_ftth_subscriptions"] = int(own)
    else:
        out["note"] = "total_subscriptions_only"
    return out


def _ports_used(access_points: gpd.GeoDataFrame | None) -> int | None:
    """Ports used in the drop boxes, or None when there are none or some box does not say."""
    drop = drop_boxes(access_points)
    if drop is None or "ports_used" not in drop:
        return None
    used = pd.to_numeric(drop["ports_used"], errors="coerce")
    return int(used.sum()) if used.notna().all() else None


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
    "new_boxes_without_cable", "new_box_xy", "new_box_homes", "note_code"]


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

    **Boxes** (``build.box_ports`` ports each; candidate sites: road vertices, points every
    ``site_spacing_m`` along the roads, and the houses' projections on the roads). Greedy: at
    each step the site whose box connects the most homes still to connect (at most its ports)
    per metre of cable from the network built so far, or, when one box completes the count,
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
        today's network), ``new_box_xy`` (``"x y"`` per new box, ``;``-separated),
        ``new_box_homes`` (homes each new box is to connect, ``;``-separated), ``note_code``
        (one of :data:`EXTENSION_NOTES`, or None), and the geometry: the cable as a
        MultiLineString (empty when no cable is needed).
        :func:`coverage_gis.outputs.fibre_text.extension_table` words ``target`` and ``note``.
    """
    params = params or FibreParams()
    build = build or BuildParams()
    _require_metric(reach, "households")
    crs = reach.crs
    hamlets = _to_crs(hamlets, crs)
    roads = _to_crs(roads, crs)
    table = hamlet_table if hamlet_table is not None else hamlet_fibre(reach, hamlets, params)
    short = table[~table["ftth_covered"].astype(bool)]
    if short.empty:
        return gpd.GeoDataFrame(pd.DataFrame(columns=EXTENSION_COLUMNS), geometry=[], crs=crs)

    hh_xy = _xy(reach)
    hamlet_of = household_hamlets(reach, hamlets)
    passed0 = _reach_flags(reach)["passed"].to_numpy(bool)
    is_ch = reach["is_cultural_house"].fillna(False).to_numpy(bool)
    net = network if network is not None else road_graph(roads)
    net = net.densified(params.site_spacing_m)    # candidate box sites
    origins = _sources(access_points, fibre, params, crs,
                       with_routes=params.extend_from_routes)
    g = _Graph(net, [hh_xy, origins.xy], params.connector_max_m)
    ctx = _ExtensionContext.whole(g, origins, hh_xy, reach["household_id"].to_numpy(object),
                                  passed0, params, build,
                                  _CableLines.of(roads, railway, build, crs))
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
    runner = runner or Runner()
    parts = runner.scheduler is not None or (runner.distributed
                                             and settings.FIBRE_PARTS_ON_LOCAL_CLUSTER)
    done = _run_jobs(ctx, jobs, runner, parts=parts)
    return gpd.GeoDataFrame(pd.DataFrame([r for r, _ in done], columns=EXTENSION_COLUMNS),
                            geometry=[geom for _, geom in done], crs=crs)


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
                   | name.str.contains(build.national_road_name, case=False, regex=True))
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
    whichever part of the graph a context holds): coordinates, ids, passed today, attached to
    a road, their point node in the whole graph and its connected component."""

    xy: np.ndarray
    ids: np.ndarray
    passed0: np.ndarray
    attached: np.ndarray
    node: np.ndarray
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

    Per node of ``g``: ``dist0``, ``pred0`` (distance from today's network and predecessor,
    in ``g``'s numbers), ``is_src`` (a network origin), ``origin_of`` and ``hh_of`` (the
    origin or household a point node stands for, -1 none), ``is_cand`` (a road node: a
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
        self.hh_of_node = nodes["hh_of"]
        g._component = nodes["comp"]
        self.limit = params.max_drop_m + _EPS_M
        self.cand = np.flatnonzero(nodes["is_cand"])
        self.col_of = np.full(g.n, -1, dtype=np.int64)
        self.col_of[self.cand] = np.arange(len(self.cand))
        self.cand_tree = cKDTree(g.node_xy[self.cand]) if len(self.cand) else None

    @classmethod
    def whole(cls, g: _Graph, origins: _Sources, hh_xy: np.ndarray, hh_ids: np.ndarray,
              passed0: np.ndarray, params: FibreParams, build: BuildParams,
              lines: _CableLines) -> _ExtensionContext:
        """The context on the whole graph ``g`` (households and origins attached)."""
        hh_node, origin_node = g.point_node
        src_nodes = origin_node[g.attached(1)]
        is_src = np.zeros(g.n, dtype=bool)
        is_src[src_nodes] = True
        origin_of = np.full(g.n, -1, dtype=np.int64)
        origin_of[origin_node] = np.arange(len(origins.xy))
        hh_of = np.full(g.n, -1, dtype=np.int64)
        hh_of[hh_node] = np.arange(len(hh_xy))
        dist0, pred0, _ = g.dijkstra(src_nodes, predecessors=True)
        is_cand = np.zeros(g.n, dtype=bool)
        is_cand[g.road_nodes()] = True
        comp = g.component
        homes = _Homes(hh_xy, hh_ids, passed0, g.attached(0), hh_node, comp[hh_node])
        nodes = {"dist0": dist0, "pred0": pred0, "is_src": is_src, "origin_of": origin_of,
                 "hh_of": hh_of, "is_cand": is_cand, "comp": comp}
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

    def _home_nodes(self, idx: np.ndarray) -> np.ndarray:
        """The point nodes of households ``idx`` in ``g``'s numbers."""
        assert self.homes is not None
        nodes = self.homes.node[idx]
        if self.whole_nodes is None:
            return nodes
        pos = np.minimum(np.searchsorted(self.whole_nodes, nodes), len(self.whole_nodes) - 1)
        if len(nodes) and (self.whole_nodes[pos] != nodes).any():
            raise _OutsideRegion
        return pos

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
        reach = cov.copy()
        reach.data[:] = 1.0
        uncovered = np.ones(cov.shape[0], dtype=bool)
        dist, pred = dist0.copy(), pred0.copy()
        spacing = max(self.params.site_spacing_m, 1.0)
        boxes: list[int] = []
        box_homes: list[int] = []
        by_fallback = False
        must_done = len(must) == 0
        remaining = to_connect
        while remaining > 0:
            count = np.rint(np.asarray(reach.T @ uncovered.astype(np.float32))).ravel()
            gain = np.minimum(np.minimum(count, ports), remaining)
            cost = dist[sites]
            ok = (gain > 0) & np.isfinite(cost)
            if not must_done:
                ok &= np.asarray(reach[must].sum(axis=0)).ravel() > 0
            if not ok.any():
                break
            complete = ok & (gain >= remaining)
            if complete.any():
                idx = np.flatnonzero(complete)
                k = int(idx[np.lexsort((-count[idx], cost[idx]))[0]])
            else:
                k = int(np.argmax(np.where(ok, gain / (cost + spacing), -1.0)))
            col = cov[:, k]
            rows, d = col.indices, col.data
            keep = uncovered[rows]
            rows, d = rows[keep], d[keep]
            first = np.isin(rows, must) if not must_done else np.zeros(len(rows), dtype=bool)
            take = rows[np.lexsort((d, ~first))][:min(ports, remaining)]
            must_done = must_done or bool(np.isin(take, must).any())
            by_fallback = by_fallback or bool((fallback[take, k].toarray() > 0).any())
            uncovered[take] = False
            remaining -= len(take)
            c = int(sites[k])
            boxes.append(c)
            box_homes.append(len(take))
            # the box will be on the network: the next sites' distance counts from its path
            nodes = g.path(pred, c)
            left = dist[sites][(np.asarray(reach.T @ uncovered.astype(np.float32))
                                .ravel() > 0)]
            cap = float(left[np.isfinite(left)].max()) if np.isfinite(left).any() else 0.0
            d2, p2, _ = g.dijkstra(nodes, cap, predecessors=True)
            better = d2 < dist
            dist[better], pred[better] = d2[better], p2[better]
        return boxes, box_homes, by_fallback, must_done

    def _passed_by(self, boxes: np.ndarray) -> np.ndarray:
        """Houses (sorted positions) within the drop length of new boxes at road nodes
        ``boxes``: along the roads for houses connected to one, by the fallback for the
        others."""
        if not len(boxes):
            return np.zeros(0, dtype=np.int64)
        g, limit, homes = self.g, self.limit, self.homes
        assert homes is not None
        sub = g.near(g.node_xy[boxes], limit + _margin(limit), include=boxes)
        d = sub.dijkstra(sub.local(boxes), limit)
        hh = self.hh_of_node[sub.nodes]
        on = hh >= 0
        by_road = hh[on][d[on] <= limit]
        # the fallback: houses off the roads or not joined to a box, within the straight line
        finite, tree = homes.tree()
        if tree is None:
            return by_road
        box_xy = g.node_xy[boxes]
        r = limit / self.params.detour_factor
        near = tree.query_ball_point(box_xy, r + _margin(r))
        cand = finite[np.unique(np.concatenate([np.asarray(x, dtype=np.int64)
                                                for x in near]))]
        joined = np.isin(homes.comp[cand], g.component[boxes]) & homes.attached[cand]
        straight, _ = _fallback_nearest(homes.xy[cand], box_xy, self.params.detour_factor)
        return np.union1d(by_road, cand[~joined & (straight <= limit)])

    def _coverage(self, todo: np.ndarray
                  ) -> tuple[sparse.csc_matrix, sparse.csc_matrix, np.ndarray]:
        """Which candidate sites pass which of the houses ``todo``: (houses x sites) sparse
        distances (m, plus a micrometre so that none is zero) within the drop length, along
        the roads, and by the fallback for houses off the roads or on a road piece not joined
        to the site (two matrices, the second the fallback's), and the sites (positions in
        ``cand``, ascending) their columns stand for: those passing any house."""
        g, p, homes = self.g, self.params, self.homes
        assert homes is not None
        on = np.flatnonzero(homes.attached[todo])
        i, col, dist = g.bounded_pairs(self._home_nodes(todo[on]), self.limit, self.col_of)
        rows = on[i]
        fr = fc = np.zeros(0, dtype=np.int64)
        fd = np.zeros(0)
        if self.cand_tree is not None and len(todo):
            m = cKDTree(homes.xy[todo]).sparse_distance_matrix(
                self.cand_tree, self.limit / p.detour_factor, output_type="coo_matrix")
            hh_comp = np.where(homes.attached[todo], homes.comp[todo], -1)
            other = hh_comp[m.row] != g.component[self.cand[m.col]]
            fr, fc, fd = m.row[other], m.col[other], m.data[other] * p.detour_factor
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
            meets = bool(n_h and after >= self.params.hamlet_share - 1e-12)
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


def _csc(R: list, C: list, D: list, shape: tuple[int, int]) -> sparse.csc_matrix:
    """A sparse (rows x cols) matrix of distances + a micrometre (duplicates: the least)."""
    r = np.concatenate(R).astype(np.int64) if R else np.zeros(0, dtype=np.int64)
    c = np.concatenate(C).astype(np.int64) if C else np.zeros(0, dtype=np.int64)
    d = np.concatenate(D).astype(float) + _EPS_M if D else np.zeros(0)
    if len(r):
        order = np.lexsort((d, c, r))
        r, c, d = r[order], c[order], d[order]
        first = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
        r, c, d = r[first], c[first], d[first]
    return sparse.coo_matrix((d, (r, c)), shape=shape).tocsc()


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


# --------------------------------------------------------------------------------------------
# GPON optical budget
# --------------------------------------------------------------------------------------------

#: Why the GPON check did not run (:attr:`GponCheck.note`), or a box has no budget
#: (:attr:`GponBoxBudget.note`).
GPON_NOTES = ("no_access_points", "no_drop_boxes", "no_olt_position", "no_olt_for_operator",
              "split_ratio_unknown")


@dataclass(frozen=True)
class GponBoxBudget:
    """The optical budget from the OLT to a home behind one drop box (losses in dB).

    ``olt_basis``: ``olt_box`` (an access point of kind OLT) or ``route_start`` (the start of
    the operator's longest fibre route); ``distance_m`` OLT to box along the roads (``basis``
    as in :func:`household_reach`); ``fibre_km`` that plus the drop length (and
    ``feeder_km`` for a route start); ``split_ratio`` the tree's total split from
    ``split_stages``; ``margin_db`` = budget - total; ``note`` a :data:`GPON_NOTES` code when
    there is no budget.
    """

    ap_id: str
    operator: str | None
    olt: str | None
    olt_basis: str | None
    basis: str | None
    distance_m: float
    fibre_km: float
    split_stages: str
    split_ratio: int
    fibre_loss_db: float
    splitter_loss_db: float
    connectors: int
    connector_loss_db: float
    splices: int
    splice_loss_db: float
    total_loss_db: float
    budget_class: str
    budget_db: float
    margin_db: float
    within_budget: bool
    within_reach: bool
    note: str | None = None


@dataclass(frozen=True)
class GponCheck:
    """:func:`gpon_budget`'s answer: one budget per drop box, or the code of why the check
    was skipped (``note``, one of :data:`GPON_NOTES`)."""

    boxes: tuple[GponBoxBudget, ...] = ()
    note: str | None = None

    def table(self) -> pd.DataFrame:
        """One row per drop box, the fields of :class:`GponBoxBudget` as columns."""
        cols = [f.name for f in dataclasses.fields(GponBoxBudget)]
        return pd.DataFrame([dataclasses.asdict(b) for b in self.boxes], columns=cols)


def splitter_loss_db(ratio: int, gpon: GponParams | None = None) -> float:
    """Insertion loss (dB) of a 1:``ratio`` splitter (``gpon.splitter_loss_db``; 0 for 1:1,
    NaN for a ratio the table does not hold)."""
    gpon = gpon or GponParams()
    if ratio <= 1:
        return 0.0
    return float(gpon.splitter_loss_db.get(int(ratio), float("nan")))


def split_stages(ports: float | None, gpon: GponParams | None = None) -> tuple[int, ...]:
    """The splitters between the OLT and a home of a drop box with ``ports`` ports: the box's
    own 1:N (N the power of two at least ``ports``) after a first level making up
    ``gpon.split_ratio``; the design total alone when the ports are unknown."""
    gpon = gpon or GponParams()
    total = gpon.split_ratio
    if ports is None or not np.isfinite(ports) or ports <= 1:
        return (total,)
    own = 2 ** math.ceil(math.log2(float(ports)) - 1e-12)
    return (own,) if own >= total else (total // own, own)


def _loss_parts(fibre_km: float, stages: Sequence[int], gpon: GponParams
                ) -> dict[str, Any]:
    splices = gpon.splices + int(fibre_km // gpon.cable_section_km)
    parts = {"fibre_loss_db": fibre_km * gpon.loss_db_per_km,
             "splitter_loss_db": float(sum(splitter_loss_db(r, gpon) for r in stages)),
             "connectors": gpon.connectors,
             "connector_loss_db": gpon.connectors * gpon.connector_loss_db,
             "splices": splices, "splice_loss_db": splices * gpon.splice_loss_db}
    parts["total_loss_db"] = (parts["fibre_loss_db"] + parts["splitter_loss_db"]
                              + parts["connector_loss_db"] + parts["splice_loss_db"])
    return parts


def optical_loss_db(fibre_km: float, split_ratios: Sequence[int],
                    gpon: GponParams | None = None) -> float:
    """Total optical loss (dB) of a GPON path: ``fibre_km`` x dB/km + the splitters'
    insertion losses (one per ratio in ``split_ratios``) + ``gpon.connectors`` connector
    pairs + ``gpon.splices`` splices and one more per ``cable_section_km`` of fibre."""
    return _loss_parts(fibre_km, split_ratios, gpon or GponParams())["total_loss_db"]


@dataclass
class _Olts:
    xy: np.ndarray
    ids: np.ndarray
    operator: np.ndarray
    basis: str


def _olt_positions(access_points: gpd.GeoDataFrame, fibre: gpd.GeoDataFrame | None,
                   params: FibreParams) -> _Olts | None:
    """OLT positions: access points of an OLT kind, else the start of each operator's longest
    merged fibre route, else None."""
    kinds = (access_points["kind"].astype(object).map(
        lambda k: str(k).strip().lower() if isinstance(k, str) else "")
        if "kind" in access_points else pd.Series("", index=access_points.index))
    olt = access_points[kinds.isin(_lower(settings.FIBRE_OLT_KINDS)).to_numpy()]
    if len(olt):
        ops = (olt["operator"].astype(object).to_numpy(object) if "operator" in olt
               else np.full(len(olt), None, dtype=object))
        ids = (olt["ap_id"].astype(str).to_numpy(object) if "ap_id" in olt
               else np.array([f"OLT{i + 1}" for i in range(len(olt))], dtype=object))
        return _Olts(_xy(olt), ids, ops, "olt_box")
    if fibre is None or not len(fibre):
        return None
    merged, _ = merge_routes(fibre, params.snap_tolerance_m)
    trunk = merged.sort_values("length_m", ascending=False).drop_duplicates("operator")
    xy = np.array([shapely.get_coordinates(line)[0] for line in trunk.geometry.values])
    return _Olts(xy.reshape(-1, 2), trunk["route_id"].to_numpy(object),
                 trunk["operator"].to_numpy(object), "route_start")


def gpon_budget(access_points: gpd.GeoDataFrame | None, roads: gpd.GeoDataFrame | None = None,
                fibre: gpd.GeoDataFrame | None = None, params: FibreParams | None = None,
                gpon: GponParams | None = None, *, network: RoadNetwork | None = None
                ) -> GponCheck:
    """The GPON optical budget of every drop box, when the data give an OLT position.

    The OLT is an access point of kind ``olt`` (``settings.FIBRE_OLT_KINDS``) of the box's
    operator, else the start of the operator's longest fibre route (its trunk, as
    :func:`merge_routes` orients it: first piece first), an **assumption** that the trunk
    starts at the exchange side. Fibre from the OLT to a box runs along the roads (the
    straight-line fallback off them), plus ``max_drop_m`` to a home at the end of the drop
    (and ``gpon.feeder_km`` before a route start). Loss = fibre x dB/km + splitters
    (:func:`split_stages`) + connectors + splices (:func:`optical_loss_db`), against the
    class budget (``gpon.budget_class``, ITU-T G.984.2); ``within_reach``: fibre at most
    ``gpon.max_reach_km`` (ITU-T G.984.1).

    Returns
    -------
    GponCheck
        One :class:`GponBoxBudget` per drop box, or ``note`` ``no_access_points``,
        ``no_drop_boxes`` or ``no_olt_position`` when the check cannot run.
    """
    params = params or FibreParams()
    gpon = gpon or GponParams()
    if access_points is None or not len(access_points):
        return GponCheck(note="no_access_points")
    _require_metric(access_points, "access_points")
    crs = access_points.crs
    drop = drop_boxes(access_points)
    if drop is None:
        return GponCheck(note="no_drop_boxes")
    olts = _olt_positions(access_points, _to_crs(fibre, crs), params)
    if olts is None:
        return GponCheck(note="no_olt_position")
    net = network if network is not None else road_graph(_to_crs(roads, crs))
    g = _Graph(net, [_xy(drop), olts.xy], params.connector_max_m)
    dist, which, basis = _olt_distances(g, drop, olts, params)
    ids = (drop["ap_id"].astype(str).to_numpy(object) if "ap_id" in drop
           else np.array([f"AP{i + 1}" for i in range(len(drop))], dtype=object))
    ops = (drop["operator"].astype(object).to_numpy(object) if "operator" in drop
           else np.full(len(drop), None, dtype=object))
    ports = (pd.to_numeric(drop["ports_total"], errors="coerce").to_numpy(float)
             if "ports_total" in drop else np.full(len(drop), np.nan))
    feeder = gpon.feeder_km if olts.basis == "route_start" else 0.0
    rows = []
    for i in range(len(drop)):
        rows.append(_box_budget(ids[i], ops[i], dist[i], which[i], basis[i], ports[i],
                                olts, feeder, params, gpon))
    return GponCheck(tuple(rows))


def _olt_distances(g: _Graph, drop: gpd.GeoDataFrame, olts: _Olts, params: FibreParams
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per drop box: distance (m) to the nearest OLT of its operator (an OLT without operator
    serves all), that OLT's index (-1 none), and the distance's basis."""
    n = len(drop)
    box_node, olt_node = g.point_node
    box_att, olt_att = g.attached(0), g.attached(1)
    box_xy = g.node_xy[box_node]
    ops = (drop["operator"].astype(object).to_numpy(object) if "operator" in drop
           else np.full(n, None, dtype=object))
    dist = np.full(n, np.inf)
    which = np.full(n, -1, dtype=np.int64)
    basis = np.full(n, None, dtype=object)
    olt_of_node = np.full(g.n, -1, dtype=np.int64)
    olt_of_node[olt_node] = np.arange(len(olts.xy))
    for op in pd.unique(olts.operator):
        mine = np.array([o is None or op is None or o == op for o in olts.operator])
        boxes = np.flatnonzero(np.array([op is None or o is None or o == op for o in ops]))
        if not len(boxes):
            continue
        src = np.flatnonzero(mine & olt_att)
        if len(src):
            d, _, origin = g.dijkstra(olt_node[src], predecessors=True)
            d_box = d[box_node[boxes]]
            better = box_att[boxes] & (d_box < dist[boxes])
            dist[boxes[better]] = d_box[better]
            which[boxes[better]] = olt_of_node[origin[box_node[boxes[better]]]]
            basis[boxes[better]] = BASIS_NETWORK
        # the fallback, as for reach: boxes with no road path to any OLT, to the nearest; every
        # box to OLTs off the roads, if nearer
        cand = np.flatnonzero(mine)
        no_road = boxes[~np.isfinite(dist[boxes])]
        for b, o in ((no_road, cand), (boxes, cand[~olt_att[cand]])):
            if not len(b) or not len(o):
                continue
            d_fb, i_fb = _fallback_nearest(box_xy[b], olts.xy[o], params.detour_factor)
            better = d_fb < dist[b]
            dist[b[better]] = d_fb[better]
            which[b[better]] = o[i_fb[better]]
            basis[b[better]] = params.fallback_basis
    return dist, which, basis


def _box_budget(ap_id: str, operator: Any, distance_m: float, olt: int, basis: Any,
                ports: float, olts: _Olts, feeder_km: float, params: FibreParams,
                gpon: GponParams) -> GponBoxBudget:
    stages = split_stages(ports, gpon)
    found = olt >= 0 and bool(np.isfinite(distance_m))
    fibre_km = (distance_m + params.max_drop_m) / 1000.0 + feeder_km if found else np.nan
    parts = _loss_parts(fibre_km if found else 0.0, stages, gpon)
    note = None
    if not found:
        note = "no_olt_for_operator"
        parts = {k: (np.nan if k.endswith("_db") else v) for k, v in parts.items()}
    elif not np.isfinite(parts["splitter_loss_db"]):
        note = "split_ratio_unknown"
    margin = gpon.budget_db - parts["total_loss_db"] if note is None else float("nan")
    return GponBoxBudget(
        ap_id=str(ap_id), operator=None if operator is None else str(operator),
        olt=str(olts.ids[olt]) if olt >= 0 else None,
        olt_basis=olts.basis if olt >= 0 else None, basis=basis,
        distance_m=round(float(distance_m), 3) if np.isfinite(distance_m) else float("nan"),
        fibre_km=round(float(fibre_km), 4) if found else float("nan"),
        split_stages=" x ".join(f"1:{r}" for r in stages), split_ratio=int(np.prod(stages)),
        fibre_loss_db=_r3(parts["fibre_loss_db"]),
        splitter_loss_db=_r3(parts["splitter_loss_db"]), connectors=int(parts["connectors"]),
        connector_loss_db=_r3(parts["connector_loss_db"]), splices=int(parts["splices"]),
        splice_loss_db=_r3(parts["splice_loss_db"]), total_loss_db=_r3(parts["total_loss_db"]),
        budget_class=gpon.budget_class, budget_db=gpon.budget_db,
        margin_db=round(margin, 3) if np.isfinite(margin) else float("nan"),
        within_budget=bool(np.isfinite(margin) and margin >= 0),
        within_reach=bool(found and fibre_km <= gpon.max_reach_km),
        note=note)


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


def compute_fibre(households: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                  roads: gpd.GeoDataFrame | None, access_points: gpd.GeoDataFrame | None,
                  fibre: gpd.GeoDataFrame | None, statistics: pd.DataFrame | None = None,
                  year: int | None = None, params: FibreParams | None = None, *,
                  railway: gpd.GeoDataFrame | None = None, build: BuildParams | None = None,
                  gpon: GponParams | None = None, runner: Runner | None = None) -> FibreResult:
    """The whole fibre job: merge routes, build the network, household reach, per-hamlet
    table, F1/F2, the gap extensions (crossing ``railway`` and the roads layer's railway
    lines), and the GPON check when the data allow it. ``runner``: where the extensions
    are designed (:func:`gap_extensions`)."""
    params = params or FibreParams()
    build = build or BuildParams()
    crs = households.crs
    roads = _to_crs(roads, crs)
    fibre = _to_crs(fibre, crs)
    access_points = _to_crs(access_points, crs)
    net = road_graph(roads)
    if fibre is not None and len(fibre):
        routes, snaps = merge_routes(fibre, params.snap_tolerance_m)
    else:
        routes, snaps = merge_routes(None, params.snap_tolerance_m)
    reach = household_reach(households, access_points, roads, fibre, params, network=net)
    table = hamlet_fibre(reach, hamlets, params)
    ext = gap_extensions(reach, hamlets, roads, access_points, fibre, params, network=net,
                         hamlet_table=table, build=build, railway=railway, runner=runner)
    check = gpon_budget(access_points, roads, fibre, params, gpon, network=net)
    return FibreResult(params, net, routes, snaps, reach, table, ext,
                       fibre_indicators(table, statistics, year, params,
                                        ports_used=_ports_used(access_points)),
                       gpon=check.table() if check.note is None else None,
                       gpon_note=check.note, build=dataclasses.asdict(build))


def _r3(value: float) -> float:
    return round(float(value), 3)
