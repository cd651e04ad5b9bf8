"""Fibre (FTTH) reach: homes passed per hamlet along the road network, and what closes the gaps.

A drop cable runs from an access point (FAT or splitter box) to a house along the lanes, so
reach is measured along the road network, not as the crow flies:

* **Network** (:func:`road_graph`). The roads layer becomes a graph: every vertex of every road
  line is a node (vertices closer than ``node_tolerance_m``, 1 cm, are one node) and every
  straight piece between two vertices is an edge weighted by its length in metres. Roads meet
  only where they share a vertex (the sample is noded; a bridge over a road without a shared
  vertex is not a junction). Households and access points attach to the nearest point of the
  nearest road by a straight **connector** edge: the road piece is split there, so a house in
  the middle of a lane is measured from its own spot on the lane.
* **Distance** (:func:`household_reach`). One multi-source Dijkstra from every access point at
  once (``scipy.sparse.csgraph.dijkstra(..., min_only=True)``) gives every house its distance
  to the nearest box: connector of the box + along the roads + connector of the house. Where
  there is no road (a house or a box farther than ``connector_max_m`` from any road, or a house
  on a road piece with no box on it) the distance is the straight line times
  ``detour_factor``, and the ``basis`` column says so. Without access points, the distance is
  measured to the fibre route lines (merged with :func:`merge_routes`, sampled every
  ``route_sample_m``).
* **Passed**: distance at most ``max_drop_m`` and, where boxes have port counts, a port: a box
  passes at most ``ports_total`` homes, its used ports holding the nearest (already connected)
  homes and its free ports the next nearest. Ports are handed out nearest first over all
  (house, box) pairs within reach: a house whose nearest box is full takes a port at the next
  box within reach, if any; ``port_limited`` marks houses within reach of boxes that are all
  full by then.
* **Per hamlet** (:func:`hamlet_fibre`): share of homes passed; ``ftth_covered`` by the rule of
  :class:`FibreParams` (default: fibre reaches the hamlet's cultural house, which is how the
  ministry counts a connected hamlet; a hamlet with no cultural house marked needs 80 % of its
  homes passed). :func:`fibre_indicators` gives F2 and F1.
* **Gap closing** (:func:`gap_extensions`): per hamlet short of the rule, the shortest new cable
  along the roads from today's network (boxes, and fibre routes unless
  ``extend_from_routes=False``) with a new box at its end; see its docstring.

All inputs are GeoDataFrames in one projected (metric) CRS. Only scipy is needed beyond the
geodata stack.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from shapely.ops import substring

from coverage_gis.config.params import FibreParams
from coverage_gis.engines.hamlets import (
    hamlet_counts,
    hamlet_shares,
    hamlet_sums,
    household_hamlets,
    meets_share,
)
from coverage_gis.engines.indicators import HamletIndicator, HouseholdFibreIndicator
from coverage_gis.engines.targets import plan_target

__all__ = [
    "FibreParams",
    "RoadNetwork",
    "FibreResult",
    "merge_routes",
    "road_graph",
    "household_reach",
    "hamlet_fibre",
    "fibre_indicators",
    "gap_extensions",
    "compute_fibre",
    "BASIS_NETWORK",
    "BASIS_NONE",
]

#: ``basis`` of a distance measured along the road network.
BASIS_NETWORK = "road network"
#: ``basis`` when there is nothing to measure to (no access point and no fibre route).
BASIS_NONE = "no access point or fibre route"

_EPS_M = 1e-6        # distances within a micrometre of the limit count as within it
_MIN_EDGE_M = 1e-9   # zero-length edges get this weight (csgraph needs non-zero weights)
_NO_PATH = -9999     # scipy's "no predecessor"
_NO_CABLE_M = 1.0    # a new box this close to today's network needs no cable of its own


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
        for li, line in enumerate(lines):
            mine = np.flatnonzero(owner == li)  # positions within sel, in input order
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
    """

    crs: Any
    node_xy: np.ndarray
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_length_m: np.ndarray
    seg_road: np.ndarray
    road_ids: np.ndarray
    component: np.ndarray
    segments: np.ndarray = field(repr=False)
    tree: shapely.STRtree = field(repr=False)

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
        ``max_segment_m``."""
        if self.n_segments == 0:
            return self
        roads = gpd.GeoDataFrame({"road_id": self.road_ids[self.seg_road]},
                                 geometry=self.segments, crs=self.crs)
        net = road_graph(roads, max_segment_m=max_segment_m)
        net.seg_road = self.seg_road[net.seg_road]
        net.road_ids = self.road_ids
        return net

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
        idx_in, idx_seg = self.tree.query_nearest(pts, max_distance=max_distance_m,
                                                  all_matches=False)
        rows = np.flatnonzero(ok)[idx_in]
        a = self.node_xy[self.seg_u[idx_seg]]
        b = self.node_xy[self.seg_v[idx_seg]]
        ab = b - a
        length = self.seg_length_m[idx_seg]
        frac = np.clip(np.einsum("ij,ij->i", xy[rows] - a, ab) / np.maximum(length ** 2, 1e-18),
                       0.0, 1.0)
        proj = a + frac[:, None] * ab
        seg[rows] = idx_seg
        t[rows] = frac * length
        conn[rows] = np.hypot(*(xy[rows] - proj).T)
        return _Attachment(seg, t, conn)


@dataclass
class _Attachment:
    seg: np.ndarray
    t_m: np.ndarray
    connector_m: np.ndarray

    @property
    def attached(self) -> np.ndarray:
        return self.seg >= 0


def road_graph(roads: gpd.GeoDataFrame | None, node_tolerance_m: float = 0.01,
               max_segment_m: float | None = None) -> RoadNetwork:
    """The routable road network of a roads layer.

    Every vertex of every line is a node; vertices closer than ``node_tolerance_m`` (1 cm)
    become one node, so roads meet where they share a vertex and nowhere else. Each straight
    piece between consecutive vertices is an undirected edge weighted by its length (m).
    Multi-part lines are split into their parts; zero-length pieces are dropped.

    Parameters
    ----------
    roads
        Road lines in a metric CRS with optional ``road_id``. None or empty gives an empty
        network (every distance then uses the straight-line fallback).
    node_tolerance_m
        Vertices this close are the same node.
    max_segment_m
        Split longer straight pieces by extra vertices (for candidate box sites); the
        distances do not change.
    """
    crs = getattr(roads, "crs", None)
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
    segments = shapely.linestrings(np.stack([uniq[u], uniq[v]], axis=1))
    return RoadNetwork(crs, uniq, u.astype(np.int64), v.astype(np.int64), length,
                       seg_road.astype(np.int64), road_ids, component.astype(np.int64),
                       segments, shapely.STRtree(segments))


class _Graph:
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
        a = np.concatenate(ea).astype(np.int64)
        b = np.concatenate(eb).astype(np.int64)
        w = np.maximum(np.concatenate(ew).astype(float), _MIN_EDGE_M)
        keep = a != b
        a, b, w = a[keep], b[keep], w[keep]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        key = lo * np.int64(self.n) + hi
        order = np.lexsort((w, key))
        first = np.r_[True, key[order][1:] != key[order][:-1]] if len(key) else \
            np.zeros(0, dtype=bool)
        sel = order[first]
        lo, hi, w = lo[sel], hi[sel], w[sel]
        self.csr = sparse.csr_matrix((np.r_[w, w], (np.r_[lo, hi], np.r_[hi, lo])),
                                     shape=(self.n, self.n))
        self._component: np.ndarray | None = None

    @property
    def component(self) -> np.ndarray:
        if self._component is None:
            self._component = csgraph.connected_components(self.csr, directed=False)[1]
        return self._component

    def attached(self, group: int) -> np.ndarray:
        return self.attachment[group].attached

    def road_nodes(self) -> np.ndarray:
        """Nodes on the roads: road vertices and the attached points' projections."""
        parts = [np.arange(self.net.n_nodes)]
        for g, proj in enumerate(self.proj_node):
            parts.append(proj[self.attached(g)])
        return np.concatenate(parts)

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
            nodes.append(int(pred[nodes[-1]]))
        return np.array(nodes[::-1], dtype=np.int64)


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


def household_reach(households: gpd.GeoDataFrame, access_points: gpd.GeoDataFrame | None,
                    roads: gpd.GeoDataFrame | None, fibre: gpd.GeoDataFrame | None = None,
                    params: FibreParams | None = None, *, network: RoadNetwork | None = None
                    ) -> gpd.GeoDataFrame:
    """Distance from every household to its nearest access point along the roads, and whether
    it is passed.

    Parameters
    ----------
    households
        Points in a metric CRS with ``household_id``, ``hamlet_id``, ``is_cultural_house``
        (all optional).
    access_points
        Boxes with ``ap_id``, ``operator``, ``ports_total``, ``ports_used`` (NaN = unknown =
        unlimited). None or empty: distances are measured to the fibre routes instead.
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
        ``access_point`` (nearest ``ap_id`` or ``route_id``), ``operator``, ``passed``,
        ``port_limited`` (within reach, but every box within reach is full by the time its
        turn comes), ``assigned_access_point`` (the box whose port it takes), ``connector_m``
        (house to road; NaN when off the road network).

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
    src = _sources(access_points, fibre, params, crs)
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
    passed = assigned >= 0

    out["distance_m"] = np.where(np.isfinite(dist), dist, np.nan)
    out["basis"] = basis
    out["measured_to"] = src.kind if ns else pd.NA
    out["access_point"] = _pick(src.ids, best, ns)
    out["operator"] = _pick(src.operator, best, ns)
    out["passed"] = passed
    out["port_limited"] = within & ~passed
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
    to a box (a bounded search from each box with limited ports, in chunks; for boxes with
    unlimited ports only the nearest, as it never fills), by the fallback for houses without
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
        cols = hh_node[relevant]
        chunk = max(1, int(2e6 // max(g.n, 1)))   # ~16 MB of distances at a time: fastest
        for k in range(0, len(lim), chunk):
            boxes = lim[k:k + chunk]
            dm = csgraph.dijkstra(g.csr, directed=True, indices=src_node[boxes], limit=limit)
            sub = dm[:, cols]
            r, c = np.nonzero(sub <= limit)
            H.append(relevant[c])
            S.append(boxes[r])
            D.append(sub[r, c])
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

def hamlet_fibre(reach: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                 params: FibreParams | None = None) -> pd.DataFrame:
    """Per hamlet: homes passed, their share, and whether the hamlet counts as reached.

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
        ``hamlet_id``, ``households``, ``homes_passed``, ``homes_port_limited``,
        ``ftth_share`` (homes passed / households; NaN without households),
        ``homes_within_reach`` and ``within_reach_share`` (within the drop length whatever
        the ports: passed + port-limited),
        ``cultural_house_id``, ``cultural_house_reached`` (boolean, NA when none is marked;
        with several marked, any one passed counts), ``ftth_covered``, ``ftth_rule``.
    """
    params = params or FibreParams()
    hh = pd.DataFrame(reach.drop(columns=reach.geometry.name))
    hh["hamlet_id"] = household_hamlets(reach, hamlets)
    ids = hamlets["hamlet_id"].to_numpy(object)
    households = hamlet_counts(hh["hamlet_id"], ids).to_numpy()
    flags = pd.DataFrame({"passed": hh["passed"].astype(bool),
                          "port_limited": hh["port_limited"].astype(bool)})
    flags["within"] = flags["passed"] | flags["port_limited"]
    sums = hamlet_sums(flags, hh["hamlet_id"], ids)
    shares = hamlet_shares(flags, hh["hamlet_id"], ids)
    passed = sums["passed"].to_numpy(int)
    limited = sums["port_limited"].to_numpy(int)
    share = shares["passed"].to_numpy(float)
    within = passed + limited
    within_share = shares["within"].to_numpy(float)
    ch = hh[hh["is_cultural_house"].fillna(False).astype(bool)]
    ch_g = ch.groupby("hamlet_id")
    ch_id = pd.Series(ids).map(ch_g["household_id"].agg(lambda s: ", ".join(map(str, s))))
    ch_reached = pd.Series(ids).map(ch_g["passed"].any()).astype("boolean")
    share_ok = meets_share(share, params.hamlet_share)
    covered, rules = [], []
    for i in range(len(ids)):
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
    return pd.DataFrame({
        "hamlet_id": ids, "households": households, "homes_passed": passed,
        "homes_port_limited": limited, "ftth_share": share,
        "homes_within_reach": within, "within_reach_share": within_share,
        "cultural_house_id": ch_id.to_numpy(object),
        "cultural_house_reached": ch_reached.array, "ftth_covered": covered,
        "ftth_rule": rules})


def fibre_indicators(hamlet_table: pd.DataFrame, statistics: pd.DataFrame | None = None,
                     year: int | None = None, params: FibreParams | None = None
                     ) -> dict[str, HamletIndicator | HouseholdFibreIndicator]:
    """The plan's fibre indicators, ``{"F2": ..., "F1": ...}``.

    F2 (map) = covered hamlets / all hamlets; its ``rule_params`` name the rules the hamlets
    were judged by (``used``: ``cultural_house``, ``share_no_cultural_house``, ``share``). F1
    (statistics) = FTTH subscriptions / households for ``year`` (default: the latest year in
    the table), beside the map's homes passed / households of the household layer.
    """
    params = params or FibreParams()
    n = len(hamlet_table)
    covered = hamlet_table["ftth_covered"].astype(bool) if n else pd.Series(dtype=bool)
    with_homes = hamlet_table[hamlet_table["households"] > 0] if n else hamlet_table
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
    f2 = HamletIndicator(
        id="F2", covered_hamlets=int(covered.sum()), hamlets=n,
        short_hamlets=tuple(str(h) for h in hamlet_table.loc[~covered, "hamlet_id"])
        if n else (),
        target=plan_target("F2"), rule="ftth",
        rule_params={"hamlet_rule": params.hamlet_rule, "hamlet_share": params.hamlet_share,
                     "max_drop_m": params.max_drop_m, "used": tuple(used)})
    within = (int(hamlet_table["homes_within_reach"].sum())
              if n and "homes_within_reach" in hamlet_table else None)
    f1 = {"target": plan_target("F1"),
          "homes_passed": int(hamlet_table["homes_passed"].sum()) if n else 0,
          "households_on_map": int(hamlet_table["households"].sum()) if n else 0,
          "homes_within_reach": within, **_f1_statistics(statistics, year)}
    return {"F2": f2, "F1": HouseholdFibreIndicator(**f1)}


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
    subs, hh = r.get("ftth_subscriptions"), r.get("households")
    if pd.notna(subs) and pd.notna(hh) and float(hh) > 0:
        return {"year": int(r["year"]), "ftth_subscriptions": int(subs), "households": int(hh)}
    return {"year": int(r["year"]), "note": "missing_counts"}


# --------------------------------------------------------------------------------------------
# Gap closing
# --------------------------------------------------------------------------------------------

def gap_extensions(reach: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                   roads: gpd.GeoDataFrame | None, access_points: gpd.GeoDataFrame | None,
                   fibre: gpd.GeoDataFrame | None = None, params: FibreParams | None = None,
                   *, network: RoadNetwork | None = None,
                   hamlet_table: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """For each hamlet short of the rule, the new cable along the roads that closes the gap.

    An *extension* is new cable laid along the roads from today's network (any access point,
    and any point of a fibre route unless ``extend_from_routes`` is False) to a **new box**
    at its far end; the new box passes every house within ``max_drop_m`` of it (new boxes
    are sized to the need: their ports are not limited). Each hamlet is treated on its own,
    from today's network.

    * **Cultural-house rule** (a cultural house is marked): the exact shortest extension. With
      ``D`` the road distance from the network to the cultural house (a multi-source
      Dijkstra from every box and route point), the cable follows that shortest path and
      stops ``max_drop_m`` short of the house: length = ``max(D - max_drop_m, 0)``. No
      shorter cable can do (a box within ``max_drop_m`` of the house is at least
      ``D - max_drop_m`` from the network). If the house has no road path to the network,
      the box goes to the road point nearest along the roads whose straight line × detour to
      the house is within ``max_drop_m``.
    * **Share rule**: boxes are added greedily until ``hamlet_share`` of the hamlet's homes
      are passed. Candidate box sites are the road vertices, extra points every
      ``site_spacing_m`` along the roads, and the houses' projections on the roads. At each
      step, if some site alone completes the target, the
      one with the shortest cable is taken; otherwise the site with the most newly passed
      homes per metre of cable (+1 m). Cable already laid counts as network for the next
      step. This is a heuristic (the exact problem is a Steiner-tree variant); the cable is
      the sum of the paths.

    Parameters
    ----------
    reach
        :func:`household_reach` output (today's passed houses).
    hamlets
        Hamlet polygons with ``hamlet_id``.
    roads, access_points, fibre
        The layers ``reach`` was computed from.
    params
        Drop length, rule, detour; the same as for ``reach``.
    network
        A prebuilt :func:`road_graph` of ``roads``.
    hamlet_table
        :func:`hamlet_fibre` output (computed when not given).

    Returns
    -------
    GeoDataFrame
        One row per short hamlet: ``hamlet_id``, what the rule asks as codes and counts
        (``target_rule``: ``cultural_house``, ``share`` or ``no_households``;
        ``target_houses``: the cultural house(s) aimed at; ``homes``, ``homes_needed``,
        ``homes_passed_today`` for the share rule), ``length_m`` (new cable, m; NaN when the
        rule cannot be met along the roads),
        ``households_added`` (the hamlet's homes newly passed), ``households_added_elsewhere``
        (newly passed homes of other hamlets), ``ftth_share_after``, ``meets_rule``,
        ``from_access_point`` (box or route the cable starts from), ``new_boxes``,
        ``new_boxes_without_cable`` (boxes on today's network: added ports where the boxes
        within reach are full), ``new_box_xy`` (``"x y"`` per new box, ``;``-separated),
        ``note_code`` (one of :data:`EXTENSION_NOTES`, or None), and the geometry: the cable
        as a MultiLineString (empty when no cable is needed).
        :func:`coverage_gis.outputs.fibre_text.extension_table` words ``target`` and ``note``.
    """
    params = params or FibreParams()
    _require_metric(reach, "households")
    crs = reach.crs
    hamlets = _to_crs(hamlets, crs)
    table = hamlet_table if hamlet_table is not None else hamlet_fibre(reach, hamlets, params)
    cols = ["hamlet_id", "target_rule", "target_houses", "homes", "homes_needed",
            "homes_passed_today", "length_m", "households_added",
            "households_added_elsewhere", "ftth_share_after", "meets_rule",
            "from_access_point", "new_boxes", "new_boxes_without_cable", "new_box_xy",
            "note_code"]
    short = table[~table["ftth_covered"].astype(bool)]
    if short.empty:
        return gpd.GeoDataFrame(pd.DataFrame(columns=cols), geometry=[], crs=crs)

    hh_xy = _xy(reach)
    hamlet_of = household_hamlets(reach, hamlets)
    passed0 = reach["passed"].to_numpy(bool)
    is_ch = reach["is_cultural_house"].fillna(False).to_numpy(bool)
    net = network if network is not None else road_graph(_to_crs(roads, crs))
    with_house = set(hamlet_of[is_ch])
    if any(params.hamlet_rule == "share" or h not in with_house for h in short["hamlet_id"]):
        net = net.densified(params.site_spacing_m)    # candidate sites for the share rule
    origins = _sources(access_points, fibre, params, crs,
                       with_routes=params.extend_from_routes)
    g = _Graph(net, [hh_xy, origins.xy], params.connector_max_m)
    ctx = _ExtensionContext(g, origins, hh_xy, reach["household_id"].to_numpy(object),
                           hamlet_of, passed0, params)

    rows, geoms = [], []
    for _, h in short.iterrows():
        hid = h["hamlet_id"]
        members = np.flatnonzero(hamlet_of == hid)
        n_h = len(members)
        ch = members[is_ch[members]]
        if n_h == 0:
            res = _Extension(target="no_households", note="no_households")
        elif params.hamlet_rule == "cultural_house" and len(ch):
            res = ctx.to_house(ch)
        else:
            need = math.ceil(params.hamlet_share * n_h - 1e-9)
            res = ctx.to_share(members, need)
        added = np.flatnonzero(res.newly_passed)
        in_h = np.isin(added, members)
        after = (passed0[members].sum() + in_h.sum()) / n_h if n_h else np.nan
        if params.hamlet_rule == "cultural_house" and len(ch):
            meets = bool(res.found and (passed0[ch].any() or res.newly_passed[ch].any()))
        else:
            meets = bool(n_h and after >= params.hamlet_share - 1e-12)
        rows.append({"hamlet_id": hid, "target_rule": res.target,
                     "target_houses": res.houses or None, "homes": n_h,
                     "homes_needed": res.needed, "homes_passed_today": res.have,
                     "length_m": round(res.length_m, 3) if res.found else np.nan,
                     "households_added": int(in_h.sum()),
                     "households_added_elsewhere": int((~in_h).sum()),
                     "ftth_share_after": after, "meets_rule": meets,
                     "from_access_point": ", ".join(dict.fromkeys(res.origins)) or None,
                     "new_boxes": len(res.boxes),
                     "new_boxes_without_cable": int(res.boxes_without_cable),
                     "new_box_xy": "; ".join(f"{x:.2f} {y:.2f}" for x, y in res.boxes) or None,
                     "note_code": res.note})
        geoms.append(shapely.MultiLineString([ln for ln in res.lines if ln.length > 0]))
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry=geoms, crs=crs)


#: Why an extension is not a plain cable to a new box (``note_code`` of
#: :func:`gap_extensions`); :mod:`coverage_gis.outputs.fibre_text` words them.
EXTENSION_NOTES = ("no_households", "no_network", "within_reach_new_box", "no_roads",
                   "no_road_path", "off_road_last_stretch", "share_unreachable")


@dataclass
class _Extension:
    """One hamlet's extension. ``target``: the rule's code (``cultural_house``, ``share``,
    ``no_households``); ``note``: a code from :data:`EXTENSION_NOTES` or None."""

    target: str
    houses: str = ""        # the cultural house(s) aimed at
    needed: int = 0         # homes to pass (share rule)
    have: int = 0           # homes passed today (share rule)
    length_m: float = np.nan
    found: bool = False
    lines: list = field(default_factory=list)
    boxes: list = field(default_factory=list)
    origins: list = field(default_factory=list)
    boxes_without_cable: int = 0
    newly_passed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    note: str | None = None


class _ExtensionContext:
    """Shared state of the gap computation: the graph with houses and network origins, and
    the distances from today's network."""

    def __init__(self, g: _Graph, origins: _Sources, hh_xy: np.ndarray, hh_ids: np.ndarray,
                 hamlet_of: np.ndarray, passed0: np.ndarray, params: FibreParams):
        self.g, self.origins, self.hh_xy, self.hh_ids = g, origins, hh_xy, hh_ids
        self.hamlet_of, self.passed0, self.params = hamlet_of, passed0, params
        self.hh_node, self.origin_node = g.point_node
        self.origin_on = g.attached(1)
        self.hh_att = g.attached(0)
        self.limit = params.max_drop_m + _EPS_M
        self.src_nodes = self.origin_node[self.origin_on]
        self.origin_of_node = np.full(g.n, -1, dtype=np.int64)
        self.origin_of_node[self.origin_node] = np.arange(len(origins.xy))
        self.dist0, self.pred0, self.root0 = g.dijkstra(self.src_nodes, predecessors=True)
        self.cand = g.road_nodes()
        self.cand_tree = cKDTree(g.node_xy[self.cand]) if len(self.cand) else None

    def _empty(self, target: _Extension, note: str) -> _Extension:
        return dataclasses.replace(target, note=note,
                                   newly_passed=np.zeros(len(self.hh_xy), dtype=bool))

    def _origin_name(self, root: int) -> str:
        k = self.origin_of_node[root]
        return str(self.origins.ids[k]) if k >= 0 else "new cable"

    def _line(self, nodes: np.ndarray) -> shapely.LineString:
        xy = self.g.node_xy[nodes]
        if len(xy) == 1:
            xy = np.vstack([xy, xy])
        return shapely.LineString(xy)

    def covered_from(self, at: list[tuple[int, float]], box_xy: np.ndarray) -> np.ndarray:
        """Houses within the drop length of a new box at ``box_xy``, which lies at distance
        ``off`` from each node of ``at``, ``[(node, off), ...]``: along the roads for houses
        connected to it, by the fallback for the others."""
        g = self.g
        nodes = np.array([a for a, _ in at], dtype=np.int64)
        offs = np.array([o for _, o in at], dtype=float)
        dm = csgraph.dijkstra(g.csr, directed=True, indices=nodes,
                              limit=self.limit + offs.max())
        d = (dm[:, self.hh_node] + offs[:, None]).min(axis=0)
        near = d <= self.limit
        comp = g.component
        other = ~self.hh_att | (comp[self.hh_node] != comp[nodes[0]])
        straight = np.hypot(*(self.hh_xy - box_xy).T) * self.params.detour_factor
        return near | (other & (straight <= self.limit))

    # -- cultural-house rule ------------------------------------------------------------------
    def to_house(self, houses: np.ndarray) -> _Extension:
        p = self.params
        target = _Extension(target="cultural_house", houses=self._hh_label(houses))
        if len(self.src_nodes) == 0:
            return self._empty(target, "no_network")
        d_house = self.dist0[self.hh_node[houses]]
        if np.isfinite(d_house).any():
            k = int(np.argmin(d_house))
            house, total = houses[k], float(d_house[k])
            nodes = self.g.path(self.pred0, self.hh_node[house])
            length = max(total - p.max_drop_m, 0.0)
            xy = self.g.node_xy[nodes]
            seg = np.hypot(*np.diff(xy, axis=0).T)
            cum = np.r_[0.0, np.cumsum(seg)]
            line = self._line(nodes)
            cable = substring(line, 0.0, length) if length > 0 else None
            j = int(np.clip(np.searchsorted(cum, length, side="right") - 1, 0, len(nodes) - 1))
            if j >= len(nodes) - 1:
                at = [(int(nodes[-1]), 0.0)]
                box = xy[-1]
            else:
                off = length - cum[j]
                at = [(int(nodes[j]), off), (int(nodes[j + 1]), seg[j] - off)]
                box = xy[j] + (xy[j + 1] - xy[j]) * (off / seg[j] if seg[j] > 0 else 0.0)
            newly = self.covered_from(at, box) & ~self.passed0
            newly[house] = True
            return dataclasses.replace(
                target, length_m=length, found=True,
                lines=[cable] if cable is not None else [],
                boxes=[tuple(box)], boxes_without_cable=int(cable is None),
                origins=[self._origin_name(nodes[0])], newly_passed=newly,
                note=None if length > 0 else "within_reach_new_box")
        # no road path: nearest road point (along the roads) within the fallback reach
        if self.cand_tree is None:
            return self._empty(target, "no_roads")
        best = None
        for house in houses:
            near = self.cand[self.cand_tree.query_ball_point(
                self.hh_xy[house], self.limit / p.detour_factor)]
            near = near[np.isfinite(self.dist0[near])]
            if len(near):
                c = near[np.argmin(self.dist0[near])]
                if best is None or self.dist0[c] < self.dist0[best[0]]:
                    best = (int(c), house)
        if best is None:
            return self._empty(target, "no_road_path")
        c, house = best
        nodes = self.g.path(self.pred0, c)
        box = self.g.node_xy[c]
        newly = self.covered_from([(c, 0.0)], box) & ~self.passed0
        newly[house] = True
        length = float(self.dist0[c])
        return dataclasses.replace(target, length_m=length, found=True,
                                   lines=[self._line(nodes)] if length > 0 else [],
                                   boxes=[tuple(box)], origins=[self._origin_name(nodes[0])],
                                   newly_passed=newly, note="off_road_last_stretch")

    def _hh_label(self, houses: np.ndarray) -> str:
        return ", ".join(str(self.hh_ids[i]) for i in houses)

    # -- share rule ---------------------------------------------------------------------------
    def to_share(self, members: np.ndarray, need: int) -> _Extension:
        g = self.g
        have = int(self.passed0[members].sum())
        target = _Extension(target="share", needed=need, have=have)
        newly = np.zeros(len(self.hh_xy), dtype=bool)
        if len(self.src_nodes) == 0:
            return self._empty(target, "no_network")
        todo = members[~self.passed0[members]]
        cov = self._coverage(todo)          # (len(todo) x len(cand)) boolean, sparse
        uncovered = np.ones(len(todo), dtype=bool)
        useful = self.cand[np.diff(cov.indptr) > 0]   # sites that pass some house of todo
        dist, pred, root = self.dist0.copy(), self.pred0.copy(), self.root0.copy()
        lines, boxes, origins = [], [], []
        total = 0.0
        no_cable = 0
        remaining = need - have
        while remaining > 0:
            gain = np.rint(np.asarray(cov.T @ uncovered.astype(np.float32))).ravel()
            cost = dist[self.cand]
            ok = (gain > 0) & np.isfinite(cost)
            if not ok.any():
                break
            complete = ok & (gain >= remaining)
            if complete.any():
                idx = np.flatnonzero(complete)
                k = idx[np.lexsort((-gain[idx], cost[idx]))[0]]
            else:
                score = np.where(ok, gain / (cost + 1.0), -1.0)
                k = int(np.argmax(score))
            c = int(self.cand[k])
            nodes = g.path(pred, c)
            total += float(cost[k])
            if cost[k] > _NO_CABLE_M:
                lines.append(self._line(nodes))
            else:
                no_cable += 1
            boxes.append(tuple(g.node_xy[c]))
            origins.append(self._origin_name(root[c]))
            hit = (cov[:, k].toarray().ravel() > 0) & uncovered
            uncovered &= ~hit
            remaining -= int(hit.sum())
            newly |= self.covered_from([(c, 0.0)], g.node_xy[c]) & ~self.passed0
            # the new cable is network too: update the distances it shortens, up to the
            # farthest site still of use (nothing beyond can be on a path to one)
            cap = dist[useful]
            cap = float(cap[np.isfinite(cap)].max()) if np.isfinite(cap).any() else 0.0
            d2, p2, r2 = g.dijkstra(nodes, cap, predecessors=True)
            better = d2 < dist
            dist[better], pred[better], root[better] = d2[better], p2[better], r2[better]
        found = remaining <= 0
        return dataclasses.replace(
            target, length_m=total if found else np.nan, found=found, lines=lines,
            boxes=boxes, boxes_without_cable=no_cable,
            origins=[o for o in origins if o != "new cable"] or origins,
            newly_passed=newly, note=None if found else "share_unreachable")

    def _coverage(self, todo: np.ndarray) -> sparse.csc_matrix:
        """Which candidate sites pass which of the houses ``todo``: a (houses x sites) sparse
        0/1 matrix. Along the roads within the drop length; by the fallback for houses off the
        roads or on a road piece not joined to the site."""
        g, p = self.g, self.params
        col_of = np.full(g.n, -1, dtype=np.int64)
        col_of[self.cand] = np.arange(len(self.cand))
        R, C = [], []
        on = np.flatnonzero(self.hh_att[todo])
        if len(on):
            chunk = max(1, int(2e6 // max(g.n, 1)))
            for k in range(0, len(on), chunk):
                rows = on[k:k + chunk]
                dm = csgraph.dijkstra(g.csr, directed=True, indices=self.hh_node[todo[rows]],
                                      limit=self.limit)
                r, nd = np.nonzero(dm <= self.limit)
                keep = col_of[nd] >= 0
                R.append(rows[r[keep]])
                C.append(col_of[nd[keep]])
        if self.cand_tree is not None and len(todo):
            m = cKDTree(self.hh_xy[todo]).sparse_distance_matrix(
                self.cand_tree, self.limit / p.detour_factor, output_type="coo_matrix")
            comp = g.component
            hh_comp = np.where(self.hh_att[todo], comp[self.hh_node[todo]], -1)
            other = hh_comp[m.row] != comp[self.cand[m.col]]
            R.append(m.row[other])
            C.append(m.col[other])
        r = np.concatenate(R) if R else np.zeros(0, dtype=np.int64)
        c = np.concatenate(C) if C else np.zeros(0, dtype=np.int64)
        m = sparse.coo_matrix((np.ones(len(r), dtype=np.float32), (r, c)),
                              shape=(len(todo), len(self.cand))).tocsc()
        m.data[:] = 1.0   # duplicates summed: back to 0/1
        return m


# --------------------------------------------------------------------------------------------
# Everything at once
# --------------------------------------------------------------------------------------------

@dataclass
class FibreResult:
    """Results of :func:`compute_fibre`."""

    params: FibreParams
    network: RoadNetwork
    routes: gpd.GeoDataFrame          # merged fibre routes
    snaps: pd.DataFrame               # merge_routes' report
    reach: gpd.GeoDataFrame           # one row per household
    hamlets: pd.DataFrame             # one row per hamlet
    extensions: gpd.GeoDataFrame      # one row per short hamlet
    indicators: dict[str, HamletIndicator | HouseholdFibreIndicator]  # F2 and F1


def compute_fibre(households: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                  roads: gpd.GeoDataFrame | None, access_points: gpd.GeoDataFrame | None,
                  fibre: gpd.GeoDataFrame | None, statistics: pd.DataFrame | None = None,
                  year: int | None = None, params: FibreParams | None = None) -> FibreResult:
    """The whole fibre job: merge routes, build the network, household reach, per-hamlet
    table, F1/F2, and the gap extensions."""
    params = params or FibreParams()
    crs = households.crs
    roads = _to_crs(roads, crs)
    fibre = _to_crs(fibre, crs)
    net = road_graph(roads)
    if fibre is not None and len(fibre):
        routes, snaps = merge_routes(fibre, params.snap_tolerance_m)
    else:
        routes, snaps = merge_routes(None, params.snap_tolerance_m)
    reach = household_reach(households, access_points, roads, fibre, params, network=net)
    table = hamlet_fibre(reach, hamlets, params)
    ext = gap_extensions(reach, hamlets, roads, access_points, fibre, params, network=net,
                         hamlet_table=table)
    return FibreResult(params, net, routes, snaps, reach, table, ext,
                       fibre_indicators(table, statistics, year, params))
