"""The road network as a graph, for the fibre engine (:mod:`coverage_gis.engines.fibre`).

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
* **Scale** (issue 13). Every search bounded by a distance (the drop length from each box
  with limited ports or each house, the searches of a hamlet's design) runs on the part of the
  graph within that distance of its sources as the crow flies (a rectangle; no edge is
  shorter than the straight line between its ends), which holds every node the search can
  reach: scipy's Dijkstra takes exactly the same steps there as on the whole graph, so
  distances, predecessors and ties are the same. Each short hamlet is designed on the part
  around it
  (:meth:`coverage_gis.engines.fibre_extensions._ExtensionContext._region`). Only the
  searches from every box or the whole network at once run on the whole graph, once. The
  work grows with households, road length, boxes and hamlets, not with their products
  (``benchmarks/bench_fibre.py --scale``).

Only scipy is needed beyond the geodata stack.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from coverage_gis.errors import InputError

__all__ = ["RoadNetwork", "road_graph"]

_MIN_EDGE_M = 1e-9   # zero-length edges get this weight (csgraph needs non-zero weights)
_NO_PATH = -9999     # scipy's "no predecessor"


def _lower(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(v).strip().lower() for v in values)


def _require_metric(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None or not gdf.crs.is_projected:
        raise InputError(f"fibre: {what} must be in a projected (metric) CRS, e.g. EPSG:32648")


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
    _stretch: np.ndarray | None = field(default=None, repr=False)

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
        tree = self._base.tree
        assert tree is not None
        idx_in, idx_seg = tree.query_nearest(shapely.points(xy[ok]),
                                             max_distance=max_distance_m, all_matches=False)
        rows = np.flatnonzero(ok)[idx_in]
        seg[rows], t[rows], conn[rows] = self._place(xy[rows], idx_seg)
        return _Attachment(seg, t, conn)

    @property
    def _base(self) -> RoadNetwork:
        """The network whose segments the spatial index holds (the parent of a densified
        one)."""
        return self if self.parent is None else self.parent

    def _place(self, xy: np.ndarray, base_seg: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Points ``xy`` on segments ``base_seg`` of :attr:`_base`: the segment (piece) of this
        network they project on, the position along it from ``seg_u`` (m) and the connector
        (m)."""
        seg = self._pieces_at(base_seg, xy) if self.parent is not None else base_seg
        a = self.node_xy[self.seg_u[seg]]
        b = self.node_xy[self.seg_v[seg]]
        length = self.seg_length_m[seg]
        frac = _projection(xy, a, b, length)
        proj = a + frac[:, None] * (b - a)
        return seg, frac * length, np.hypot(*(xy - proj).T)

    @property
    def stretches(self) -> np.ndarray:
        """Per segment, the stretch of road it lies on: segments joined end to end through
        vertices where only they meet (a road from junction to junction or dead end, however
        its rows were split, and if a row is given twice), numbered from 0."""
        if self._stretch is None:
            n = self.n_segments
            lo = np.minimum(self.seg_u, self.seg_v).astype(np.int64)
            hi = np.maximum(self.seg_u, self.seg_v).astype(np.int64)
            # a vertex's roads: its distinct neighbours (a road given twice is one road)
            key = lo * np.int64(self.n_nodes) + hi
            _, one, same = np.unique(key, return_index=True, return_inverse=True)
            edge = one[lo[one] != hi[one]]
            deg = np.bincount(np.r_[lo[edge], hi[edge]], minlength=self.n_nodes)
            ends = np.r_[self.seg_u, self.seg_v]
            segs = np.r_[np.arange(n), np.arange(n)]
            order = np.argsort(ends, kind="stable")
            ends, segs = ends[order], segs[order]
            # each segment end at a vertex of two roads joins the next end there
            pair = np.flatnonzero((ends[1:] == ends[:-1]) & (deg[ends[:-1]] == 2))
            a, b = np.r_[segs[pair], np.arange(n)], np.r_[segs[pair + 1], one[same.ravel()]]
            link = sparse.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
            self._stretch = csgraph.connected_components(link, directed=False)[1]
        return self._stretch

    def attach_all(self, xy: np.ndarray, max_distance_m: float, slack_m: float = 0.0,
                   most: int = 1) -> _Attachments:
        """Where points meet the roads: the nearest road (:meth:`attach`), and the nearest
        point of each other stretch of road (:attr:`stretches`) passing within ``slack_m``
        more than the nearest and within ``max_distance_m``, at most ``most`` roads a point,
        nearest first. One row per (point, road), by point, its nearest road first."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        att = self.attach(xy, max_distance_m)
        pt = np.flatnonzero(att.attached)
        parts = [(pt, att.seg[pt], att.t_m[pt], att.connector_m[pt])]
        if most > 1 and slack_m > 0 and self._base.tree is not None:
            own = att.seg if self.parent_seg is None else self.parent_seg[np.maximum(att.seg, 0)]
            # by chunks: each of a province's million houses has several segments near it
            for lo in range(0, len(pt), _ATTACH_CHUNK):
                p = pt[lo:lo + _ATTACH_CHUNK]
                p, s = self._other_roads(xy, p, att.connector_m[p] + slack_m, max_distance_m,
                                         own[p], most - 1)
                parts.append((p, *self._place(xy[p], s)))
        point, seg, t, conn = (np.concatenate(c) for c in zip(*parts))
        order = np.argsort(point, kind="stable")
        return _Attachments(point[order], seg[order], t[order], conn[order], att)

    def _other_roads(self, xy: np.ndarray, pt: np.ndarray, radius: np.ndarray,
                     max_distance_m: float, own: np.ndarray, most: int
                     ) -> tuple[np.ndarray, np.ndarray]:
        """For points ``pt`` (positions in ``xy``) whose nearest segment of :attr:`_base` is
        ``own``: the nearest segment of each other stretch of road within ``radius`` (m, per
        point; at most ``max_distance_m``), at most ``most`` stretches a point, nearest first:
        point positions and segments of :attr:`_base`, by point."""
        base = self._base
        assert base.tree is not None
        i, s = base.tree.query(shapely.points(xy[pt]), predicate="dwithin",
                               distance=np.minimum(radius, max_distance_m))
        stretch = base.stretches
        line = stretch[s]
        other = line != stretch[own[i]]
        p, s, line = pt[i[other]], s[other], line[other]
        a, b = base.node_xy[base.seg_u[s]], base.node_xy[base.seg_v[s]]
        frac = _projection(xy[p], a, b, base.seg_length_m[s])
        d = np.hypot(*(xy[p] - (a + frac[:, None] * (b - a))).T)
        # each other stretch's nearest segment, then the point's nearest stretches
        order = np.lexsort((d, line, p))
        p, s, line, d = p[order], s[order], line[order], d[order]
        first = np.ones(len(p), dtype=bool)
        first[1:] = (p[1:] != p[:-1]) | (line[1:] != line[:-1])
        p, s, d = p[first], s[first], d[first]
        order = np.lexsort((d, p))
        p, s = p[order], s[order]
        keep = np.arange(len(p)) - np.searchsorted(p, p, "left") < most
        return p[keep], s[keep]

    def road_ends(self, xy: np.ndarray, max_distance_m: float, slack_m: float = 0.0,
                  most: int = 1) -> RoadEnds:
        """Points as seen from the road nodes: for each road a point joins (:meth:`attach_all`),
        the two end nodes of the segment it joins and the distance (m) from the point to each
        of them, the connector and then along the segment (:class:`RoadEnds`)."""
        att = self.attach_all(xy, max_distance_m, slack_m, most)
        n = len(np.asarray(xy).reshape(-1, 2))
        start = np.searchsorted(att.point, np.arange(n + 1)).astype(np.int64)
        end = np.column_stack([self.seg_u[att.seg], self.seg_v[att.seg]])
        off = att.connector_m[:, None] + np.column_stack(
            [att.t_m, self.seg_length_m[att.seg] - att.t_m])
        return RoadEnds(start, end.astype(index_dtype(self.n_nodes)), off)


@dataclass
class RoadEnds:
    """Points joined to the roads, as seen from the road nodes (:meth:`RoadNetwork.road_ends`):
    point ``i``'s roads are rows ``start[i]:start[i + 1]``, each with ``end`` (the two end
    nodes of the segment it joins) and ``off`` (m from the point to each). Along the roads a
    point is at ``min(off[r, j] + d(end[r, j], x))`` over its rows from any road node ``x``.
    A row per (point, road), held as runs: a province's million houses join 1.6 roads each
    on average, up to ``most``."""

    start: np.ndarray
    end: np.ndarray
    off: np.ndarray

    @property
    def attached(self) -> np.ndarray:
        """Whether each point joins a road."""
        return np.diff(self.start) > 0

    def rows(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of ``points`` (positions): for each row, the position in ``points`` of its
        point, and the row."""
        points = np.asarray(points, dtype=np.int64)
        count = self.start[points + 1] - self.start[points]
        return (np.repeat(np.arange(len(points), dtype=np.int64), count),
                _ranges(self.start[points], count))


def _projection(xy: np.ndarray, a: np.ndarray, b: np.ndarray, length: np.ndarray
                ) -> np.ndarray:
    """Where points ``xy`` project on the segments ``a``-``b`` (of ``length`` m), as a
    fraction of the segment from ``a`` (clipped to it)."""
    ab = b - a
    return np.clip(np.einsum("ij,ij->i", xy - a, ab) / np.maximum(length ** 2, 1e-18),
                   0.0, 1.0)


@dataclass
class _Attachments:
    """Points joined to several roads (:meth:`RoadNetwork.attach_all`): one row per (point,
    road), by point, its nearest road first; ``nearest`` the nearest road of each point
    (:meth:`RoadNetwork.attach`)."""

    point: np.ndarray
    seg: np.ndarray
    t_m: np.ndarray
    connector_m: np.ndarray
    nearest: _Attachment

    @property
    def others(self) -> np.ndarray:
        """The rows that are not a point's nearest road."""
        out = np.ones(len(self.point), dtype=bool)
        out[np.searchsorted(self.point, self.point, "left")] = False   # each point's first
        return out


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

def index_dtype(n: int) -> type[np.signedinteger]:
    """The integer type of per-node numbers (node numbers, and -1 for none) on a graph of
    ``n`` nodes: 32 bits when they fit (a province's graph has millions of nodes), else 64."""
    return np.int32 if n < np.iinfo(np.int32).max else np.int64


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
        """A work array of ``n`` -1s (to be left as found; node numbers in
        :func:`index_dtype`)."""
        if self._scratch is None or len(self._scratch) != self.n:
            self._scratch = np.full(self.n, -1, dtype=index_dtype(self.n))
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
#: Points joined to their other roads (:meth:`RoadNetwork.attach_all`) this many at a time.
_ATTACH_CHUNK = 100_000
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
        key = (iy * self.nx + ix).astype(index_dtype(self.nx * self.ny))
        order = np.argsort(key, kind="stable")
        # 32-bit keys and node numbers when they fit: a province's graph has millions of nodes
        self.key, self.node = key[order], ok[order].astype(index_dtype(len(xy)))
        # the graph's own coordinates, not a copy by cell (110 MB on a province, in each
        # process holding the graph): only the nodes near the edges of a box are looked up
        self.xy = xy

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
        # the keys' own type: searchsorted would convert the whole key array otherwise
        lo = np.searchsorted(self.key, (rows + ix0).astype(self.key.dtype), "left")
        hi = np.searchsorted(self.key, (rows + ix1).astype(self.key.dtype), "right")
        pos = _ranges(lo, hi - lo)
        # a cell two or more cells inside the box's cells lies inside the box (by a whole
        # cell): only the nodes of the two outer rings of cells are tested
        iy, ix = np.divmod(self.key[pos].astype(np.int64), self.nx)
        edge = (ix <= ix0 + 1) | (ix >= ix1 - 1) | (iy <= iy0 + 1) | (iy >= iy1 - 1)
        near = self.node[pos[edge]]
        xy = self.xy[near]
        inside = ((xy[:, 0] >= xmin) & (xy[:, 0] <= xmax) & (xy[:, 1] >= ymin)
                  & (xy[:, 1] <= ymax))
        return np.sort(np.concatenate([self.node[pos[~edge]], near[inside]])).astype(np.int64)


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

    The points of group ``reached`` (the households) are only ever reached, never passed
    through: each joins its nearest road and every other road within ``slack_m`` more than it
    (at most ``most`` roads; :meth:`RoadNetwork.attach_all`), by connectors that run one way,
    from the road to the point, so that the shortest path to a house takes whichever road
    is shorter and no path runs from one road to another through a house.

    Node numbering: road nodes first, then per group of points its projection nodes (for
    ``reached``, those on its nearest roads, then those on its other roads), then its point
    nodes. ``point_node[g]`` gives the point nodes of group ``g``.
    """

    def __init__(self, net: RoadNetwork, groups: list[np.ndarray], connector_max_m: float,
                 *, reached: int | None = None, slack_m: float = 0.0, most: int = 1):
        # the network is not kept: a densified province's is some 200 MB
        self.n_road_nodes = nb = net.n_nodes
        offset = nb
        self.point_node: list[np.ndarray] = []
        self.attachment: list[_Attachment] = []
        xy_parts = [net.node_xy]
        att_seg, att_t, att_proj = [], [], []
        conn_a, conn_b, conn_w = [], [], []
        one_way: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for k, xy in enumerate(groups):
            xy = np.asarray(xy, dtype=float).reshape(-1, 2)
            m = len(xy)
            if k == reached:
                rows = net.attach_all(xy, connector_max_m, slack_m, most)
                att, extra = rows.nearest, rows.others
                ex_pt, ex_seg = rows.point[extra], rows.seg[extra]
                ex_t, ex_conn = rows.t_m[extra], rows.connector_m[extra]
            else:
                att = net.attach(xy, connector_max_m)
                ex_pt = ex_seg = np.zeros(0, dtype=np.int64)
                ex_t = ex_conn = np.zeros(0)
            e, base = len(ex_pt), offset
            proj = np.arange(offset, offset + m)
            ex_proj = np.arange(offset + m, offset + m + e)
            pnode = np.arange(offset + m + e, offset + 2 * m + e)
            offset += 2 * m + e
            self.point_node.append(pnode)
            self.attachment.append(att)
            ok = att.attached
            seg = np.r_[att.seg[ok], ex_seg]
            t = np.r_[att.t_m[ok], ex_t]
            on = np.r_[proj[ok], ex_proj]
            frac = t / np.maximum(net.seg_length_m[seg], 1e-18)
            a, b = net.node_xy[net.seg_u[seg]], net.node_xy[net.seg_v[seg]]
            pxy = np.full((m + e, 2), np.nan)
            pxy[on - base] = a + frac[:, None] * (b - a)
            # projection nodes (a point's own place when it joins no road), then point nodes
            xy_parts.append(np.where(np.isfinite(pxy), pxy, np.r_[xy, xy[ex_pt]]))
            xy_parts.append(xy)
            att_seg.append(seg)
            att_t.append(t)
            att_proj.append(on)
            joins = (on, np.r_[pnode[ok], pnode[ex_pt]],
                     np.r_[att.connector_m[ok], ex_conn])
            if k == reached:
                one_way.append(joins)
            else:
                conn_a.append(joins[0])
                conn_b.append(joins[1])
                conn_w.append(joins[2])
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
        node_t = index_dtype(self.n)
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
        if one_way and sum(len(j[0]) for j in one_way):
            a_, b_, w_ = (np.concatenate(c) for c in zip(*one_way))
            self.csr = (self.csr + sparse.csr_matrix(
                (np.maximum(w_, _MIN_EDGE_M), (a_, b_)), shape=(self.n, self.n))).tocsr()
            self.csr.sort_indices()

    def attached(self, group: int) -> np.ndarray:
        return self.attachment[group].attached

    def drop_attachments(self) -> None:
        """Let go of the points' attachment records (``point_node``, ``attachment``;
        :meth:`attached` no longer answers) once what needs them has read them: some 70 MB on
        a province, in each process holding the graph."""
        self.point_node, self.attachment = [], []
