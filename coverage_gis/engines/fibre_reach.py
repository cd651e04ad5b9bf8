"""Household reach of today's fibre: drop boxes, each household's distance to the nearest
along the roads (:mod:`coverage_gis.engines.road_graph`), homes passed and connectable, per
hamlet, and the plan's fibre indicators F1 and F2.

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
  connected) homes and its free ports the next nearest (:func:`_assign_ports`): the used
  ports first, nearest first over all (house, box) pairs within reach, then the free ports the
  same way, then as many more houses as the free ports can take, a house moving to another
  box within reach to free a port for one that has no other (a maximum flow,
  ``scipy.sparse.csgraph.maximum_flow``; no house connected before loses its port, and houses
  on used ports stay where they are). ``port_limited`` marks houses passed that no such
  assignment connects (a full box calls for a bigger splitter, not new cable).
* **Per hamlet** (:func:`hamlet_fibre`): share of homes passed (``ftth_share``) and
  connectable (``ftth_connectable_share``); ``ftth_covered`` by the rule of
  :class:`FibreParams` (default: the hamlet's cultural house is passed, after the ministry's
  way of counting hamlets without fibre, see ``settings.FIBRE_HAMLET_RULE``; a hamlet with no
  cultural house marked needs 80 % of its homes passed, a local setting).
  :func:`fibre_indicators` gives F2 and F1 (F1 from household subscriptions when the
  statistics give them, with data-quality flags where the statistics contradict the map).

All inputs are GeoDataFrames in one projected (metric) CRS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow
from scipy.spatial import cKDTree

from coverage_gis.config import settings
from coverage_gis.config.params import FibreParams
from coverage_gis.engines.fibre_routes import merge_routes
from coverage_gis.engines.hamlets import (
    hamlet_counts,
    hamlet_shares,
    hamlet_sums,
    household_hamlets,
    meets_share,
)
from coverage_gis.engines.indicators import (
    HamletIndicator,
    HouseholdFibreIndicator,
    counted_over,
)
from coverage_gis.engines.road_graph import (
    RoadNetwork,
    _Graph,
    _lower,
    _require_metric,
    road_graph,
)
from coverage_gis.engines.targets import plan_target

__all__ = ["drop_boxes", "household_reach", "hamlet_fibre", "fibre_indicators",
           "BASIS_NETWORK", "BASIS_NONE"]

#: ``basis`` of a distance measured along the road network.
BASIS_NETWORK = "road network"
#: ``basis`` when there is nothing to measure to (no access point and no fibre route).
BASIS_NONE = "no access point or fibre route"

_EPS_M = 1e-6        # distances within a micrometre of the limit count as within it


# --------------------------------------------------------------------------------------------
# Sources: access points, or fibre routes
# --------------------------------------------------------------------------------------------

@dataclass
class _Sources:
    xy: np.ndarray
    ids: np.ndarray
    operator: np.ndarray
    free_ports: np.ndarray   # ports_total: inf = unlimited
    used_ports: np.ndarray   # ports_used: NaN = unknown (none taken to be connected)
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
        used = (pd.to_numeric(ap["ports_used"], errors="coerce").to_numpy(float)
                if "ports_used" in ap else np.full(n, np.nan))
        if "ports_total" in ap:
            tot = pd.to_numeric(ap["ports_total"], errors="coerce").to_numpy(float)
            known = np.isfinite(tot)
            # A box serves at most ports_total homes: the ports_used ones are homes already
            # connected (taken to be its nearest), the free ports go to the next nearest; so
            # ports_total alone bounds it (found by fuzzing: without ports_used, unlimited)
            free[known] = tot[known]
        if not params.respect_ports:
            free[:] = np.inf
        parts.append(_Sources(_xy(ap), ids, ops, free, used, "access point"))
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
                              np.full(len(xy), np.inf), np.full(len(xy), np.nan),
                              "fibre route"))
    if not parts:
        return _Sources(np.zeros((0, 2)), np.zeros(0, dtype=object), np.zeros(0, dtype=object),
                        np.zeros(0), np.zeros(0), "none")
    if len(parts) == 1:
        return parts[0]
    return _Sources(np.vstack([p.xy for p in parts]), np.concatenate([p.ids for p in parts]),
                    np.concatenate([p.operator for p in parts]),
                    np.concatenate([p.free_ports for p in parts]),
                    np.concatenate([p.used_ports for p in parts]), "network")


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    geom = gdf.geometry
    return np.column_stack([geom.x.to_numpy(float), geom.y.to_numpy(float)])


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
    """Straight-line × detour distance (m) and index of the nearest source (inf and -1 for a
    house without coordinates)."""
    d, i = np.full(len(hh_xy), np.inf), np.full(len(hh_xy), -1, dtype=np.int64)
    ok = np.isfinite(hh_xy).all(axis=1) if len(hh_xy) else np.zeros(0, dtype=bool)
    if len(src_xy) == 0 or not ok.any():
        return d, i
    dd, ii = cKDTree(src_xy).query(hh_xy[ok])
    d[ok], i[ok] = dd * detour, ii
    return d, i


def _fallback_pairs(hh_idx: np.ndarray, hh_xy: np.ndarray, src_idx: np.ndarray,
                    src_xy: np.ndarray, detour: float, limit_m: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (household, source) pair within ``limit_m`` by straight line × detour."""
    ok = np.isfinite(hh_xy).all(axis=1) if len(hh_xy) else np.zeros(0, dtype=bool)
    hh_idx, hh_xy = hh_idx[ok], hh_xy[ok]      # a house without coordinates has no pair
    if len(hh_idx) == 0 or len(src_idx) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    m = cKDTree(hh_xy).sparse_distance_matrix(cKDTree(src_xy), limit_m / detour,
                                              output_type="coo_matrix")
    return hh_idx[m.row], src_idx[m.col], m.data * detour


def _assign_ports(pair_h: np.ndarray, pair_s: np.ndarray, pair_d: np.ndarray,
                  total: np.ndarray, used: np.ndarray, n_households: int) -> np.ndarray:
    """The source whose port each household takes (-1 none), over the (household, source,
    distance) pairs within reach; a source has ``total`` ports (inf = unlimited), ``used`` of
    them (NaN = unknown) taken to hold homes already connected.

    1. The used ports hold each box's nearest homes: nearest first over all pairs, each
       household once (these homes stay where they are).
    2. The free ports, nearest first the same way: a house whose nearest box is full takes a
       port at the next box within reach.
    3. As many more houses as the free ports can take (:func:`_augment`): nearest first can
       leave a house without a port while a house that took its only box could have taken
       another (found by an independent check: 206 homes of the sample port-limited where 43
       must be). Every house connected by 1 and 2 stays connected."""
    order = np.lexsort((pair_s, pair_h, pair_d))
    ph, ps = pair_h[order], pair_s[order]
    assigned = np.full(n_households, -1, dtype=np.int64)
    held = np.minimum(np.nan_to_num(used.astype(float), nan=0.0), total)
    left = held.copy()
    _nearest_first(ph, ps, assigned, left)
    fixed = assigned >= 0
    free = total - (held - left)
    _nearest_first(ph, ps, assigned, free)
    _augment(ph, ps, assigned, fixed, free)
    return assigned


def _nearest_first(ph: np.ndarray, ps: np.ndarray, assigned: np.ndarray,
                   ports: np.ndarray) -> None:
    """Greedy over the pairs in their order: a household without a port takes one of its
    source's ``ports`` while any are left (both arrays updated in place)."""
    for h, s in zip(ph.tolist(), ps.tolist()):
        if assigned[h] < 0 and ports[s] >= 1:
            assigned[h] = s
            ports[s] -= 1


def _augment(ph: np.ndarray, ps: np.ndarray, assigned: np.ndarray, fixed: np.ndarray,
             free: np.ndarray) -> None:
    """Connect as many more households as the ``free`` ports left allow (in place): a maximum
    flow on the residual network of the assignment (source → box: its free ports; box → house:
    1 for a pair not in use; house → its box: 1, so that it may move; house → sink: 1 for a
    house without a port). Augmenting paths never take a port from a house that has one;
    ``fixed`` houses (on used ports) are left out."""
    keep = ~fixed[ph]
    pairs = np.unique(np.column_stack([ph[keep], ps[keep]]), axis=0)
    if not len(pairs):
        return
    homes, h_at = np.unique(pairs[:, 0], return_inverse=True)
    boxes, b_at = np.unique(pairs[:, 1], return_inverse=True)
    waiting = assigned[homes] < 0
    room = np.minimum(free[boxes], len(homes))  # unlimited: as many as there are homes
    if not waiting.any() or not (room >= 1).any():
        return
    nb, nh = len(boxes), len(homes)
    box_node, home_node, sink = 1 + b_at, 1 + nb + h_at, 1 + nb + nh
    in_use = assigned[homes[h_at]] == boxes[b_at]
    has_room = np.flatnonzero(room >= 1)
    cols = np.concatenate([1 + has_room, np.where(in_use, box_node, home_node),
                           np.full(int(waiting.sum()), sink)])
    rows = np.concatenate([np.zeros(len(has_room), dtype=np.int64),
                           np.where(in_use, home_node, box_node),
                           1 + nb + np.flatnonzero(waiting)])
    caps = np.concatenate([np.floor(room[has_room]), np.ones(len(pairs) + int(waiting.sum()))
                           ]).astype(np.int32)
    graph = sparse.csr_array((caps, (rows, cols)), shape=(sink + 1, sink + 1))
    result = maximum_flow(graph, 0, sink, method="dinic")
    if result.flow_value == 0:
        return
    flow = sparse.coo_array(result.flow)
    moved = (flow.data > 0) & (flow.row >= 1) & (flow.row <= nb) & (flow.col > nb) & \
        (flow.col < sink)
    assigned[homes[flow.col[moved] - 1 - nb]] = boxes[flow.row[moved] - 1]


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

    g = _Graph(net, [hh_xy, src.xy], params.connector_max_m, reached=0,
               slack_m=params.house_road_slack_m, most=settings.FIBRE_HOUSE_ROADS_MAX)
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
            assigned = _assign_ports(ph, ps, pd_, src.free_ports, src.used_ports, n)
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
    f2 = HamletIndicator(
        id="F2", covered_hamlets=0, hamlets=0, short_hamlets=(),
        target=plan_target("F2"), rule="ftth",
        rule_params={"hamlet_rule": params.hamlet_rule, "hamlet_share": params.hamlet_share,
                     "max_drop_m": params.max_drop_m,
                     "used": tuple(_rules_used(hamlet_table, params))})
    if n:
        f2 = counted_over(f2, hamlet_table, "ftth_covered")

    f1 = HouseholdFibreIndicator(target=plan_target("F1"), homes_passed=0, households_on_map=0,
                                 ports_used=ports_used, **_f1_statistics(statistics, year))
    return {"F2": f2, "F1": f1_over(f1, hamlet_table)}


def f1_over(f1: HouseholdFibreIndicator, hamlet_table: pd.DataFrame
            ) -> HouseholdFibreIndicator:
    """``f1`` with its map figures (homes passed, within reach and connectable, households on
    the map) summed over the hamlets of ``hamlet_table``, and its flags judged on them: the
    subscriptions above the homes passed (``subscriptions_above_homes_passed``), or above
    ``ports_used`` (``subscriptions_above_ports_used``). A province study counts its own
    hamlets' (found by a review: a neighbouring province's hamlet's households were in the
    scorecard's homes passed)."""
    n = len(hamlet_table)

    def total(col: str) -> int | None:
        return int(hamlet_table[col].sum()) if n and col in hamlet_table else None

    homes_passed = total("homes_passed") or 0
    subs = f1.subscriptions
    flags = []
    if subs is not None and n and subs > homes_passed:
        flags.append("subscriptions_above_homes_passed")
    if subs is not None and f1.ports_used is not None and subs > f1.ports_used:
        flags.append("subscriptions_above_ports_used")
    return replace(f1, homes_passed=homes_passed, households_on_map=total("households") or 0,
                   homes_within_reach=total("homes_within_reach"),
                   homes_connectable=total("homes_connectable"), flags=tuple(flags))


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

