"""Fibre reach and extensions computed piece by piece (issue 13) give exactly what a search over
the whole road graph gives.

The engine runs its bounded searches on the part of the graph around their sources (a
rectangle widened by the search limit, :class:`coverage_gis.engines.road_graph._SubGraph`) and
designs each short hamlet on the part around it. The references here are written in the test,
independently of that: scipy's Dijkstra on the whole graph, and for household reach a graph
built here from the road segments by brute force (every point attached to its nearest segment,
every (house, box) distance from a search per box over the whole graph, the fallback and the
nearest-first port rule applied pair by pair in Python). The cases are random, with several
road pieces not joined to each other, boxes in some of them only, a box and houses off the
roads, and boxes with few ports so that ports run out.
"""

from __future__ import annotations

import pickle

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from coverage_gis.config import settings
from coverage_gis.engines import fibre as fb
from coverage_gis.engines import fibre_extensions as fx
from coverage_gis.engines import road_graph as rg
from coverage_gis.engines.fibre import FibreParams

UTM = "EPSG:32648"
X0, Y0 = 560_000.0, 2_200_000.0


# --------------------------------------------------------------------------------------------
# The subgraph's searches are the whole graph's, ties included
# --------------------------------------------------------------------------------------------

def grid_graph(n: int, rng: np.random.Generator, unit: bool) -> rg._Graph:
    """An n x n grid of 10 m squares (unit weights: many equal-length paths, so ties) with a
    few edges removed, as the engine's graph of a roads layer."""
    lines = []
    for i in range(n):
        for j in range(n - 1):
            for a, b in (((i, j), (i, j + 1)), ((j, i), (j + 1, i))):
                if rng.random() < 0.9:
                    lines.append(shapely.LineString([(X0 + 10 * a[0], Y0 + 10 * a[1]),
                                                     (X0 + 10 * b[0], Y0 + 10 * b[1])]))
    roads = gpd.GeoDataFrame({"road_id": [f"R{i}" for i in range(len(lines))]},
                             geometry=lines, crs=UTM)
    net = fb.road_graph(roads)
    if not unit:
        net.node_xy = net.node_xy + rng.normal(0, 0.5, net.node_xy.shape)
        net.seg_length_m = np.hypot(*(net.node_xy[net.seg_v] - net.node_xy[net.seg_u]).T)
    return rg._Graph(net, [np.zeros((0, 2))], 500.0)


@pytest.mark.parametrize("unit", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_subgraph_search_equals_whole_graph_search(seed: int, unit: bool) -> None:
    rng = np.random.default_rng(seed)
    g = grid_graph(40, rng, unit)
    limit = 95.0
    for _ in range(5):
        # one to three sources within 60 m of each other
        centre = g.node_xy[rng.integers(0, g.n)]
        close = np.flatnonzero(np.hypot(*(g.node_xy - centre).T) < 60)
        src = np.unique(rng.choice(close, rng.integers(1, 4)))
        # multi-source, nearest only, with predecessors: as the engine's searches from paths
        d_all, p_all, s_all = csgraph.dijkstra(g.csr, directed=True, indices=src, limit=limit,
                                               min_only=True, return_predecessors=True)
        sub = g.near(g.node_xy[src], limit + rg._margin(limit), include=src)
        assert sub.n < g.n
        d, p, s = sub.dijkstra(sub.local(src), limit, predecessors=True)
        whole_d = np.full(g.n, np.inf)
        whole_d[sub.nodes] = d
        np.testing.assert_array_equal(whole_d, d_all)
        reached = np.isfinite(d)
        np.testing.assert_array_equal(sub.nodes[s[reached]], s_all[sub.nodes[reached]])
        has = reached & (p >= 0)
        np.testing.assert_array_equal(sub.nodes[p[has]], p_all[sub.nodes[has]])
        assert (p_all[sub.nodes[reached & (p < 0)]] < 0).all()
        # one search per source, as the reach and coverage searches
        target = np.where(rng.random(g.n) < 0.3, np.arange(g.n), -1)
        i, t, dist = g.bounded_pairs(src, limit, target)
        full = csgraph.dijkstra(g.csr, directed=True, indices=src, limit=limit)
        r, c = np.nonzero((full <= limit) & (target >= 0)[None, :])
        got = pd.DataFrame({"i": i, "t": t, "d": dist}).sort_values(["i", "t"])
        want = pd.DataFrame({"i": r, "t": target[c], "d": full[r, c]}).sort_values(["i", "t"])
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_node_grid_finds_exactly_the_nodes_in_a_box(seed: int) -> None:
    """The node grid (32-bit keys and node numbers) gives the nodes a brute-force filter
    gives, sorted, as 64-bit numbers, nodes on the box's edges and in the grid's corner cells
    included, and nodes without coordinates left out; in boxes of up to 2 km, cells well
    inside the box (not tested node by node) too."""
    rng = np.random.default_rng(seed)
    xy = np.round(rng.uniform(0, 5_000, (4_000, 2)), 1)
    xy[rng.choice(len(xy), 40, replace=False)] = np.nan
    grid = rg._NodeGrid(xy, 250.0)
    assert grid.key.dtype == np.int32 and grid.node.dtype == np.int32
    assert np.shares_memory(grid.xy, xy)   # the graph's coordinates, not a copy by cell
    boxes = [(xy[5, 0], xy[6, 1], xy[5, 0] + 400.0, xy[6, 1] + 300.0),  # nodes on edges
             (-10.0, -10.0, 5_010.0, 5_010.0), (0.0, 0.0, 0.0, 0.0), (4_990.0, 0.0, 6e3, 10.0)]
    boxes += [tuple(np.r_[lo, lo + rng.uniform(1, 2_000, 2)])
              for lo in rng.uniform(-500, 5_000, (40, 2))]
    for x0, y0, x1, y1 in boxes:
        got = grid.in_box(x0, y0, x1, y1)
        with np.errstate(invalid="ignore"):
            want = np.flatnonzero((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0)
                                  & (xy[:, 1] <= y1))
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.int64
    assert rg.index_dtype(2**31 - 2) is np.int32 and rg.index_dtype(2**31) is np.int64


@pytest.mark.parametrize("n", [1, 7, 60, 3000])
def test_symmetric_matrix_equals_scipys(n: int) -> None:
    """The road graph's matrix, made half by half, is scipy's from both directions' triplets:
    same row pointers, columns (sorted in each row), lengths and integer types."""
    rng = np.random.default_rng(n)
    a, b = rng.integers(0, n, 4 * n), rng.integers(0, n, 4 * n)
    lo, hi = np.minimum(a, b)[a != b], np.maximum(a, b)[a != b]
    _, first = np.unique(lo * n + hi, return_index=True)
    lo, hi = lo[first], hi[first]
    w = rng.random(len(lo))
    got = rg._symmetric_csr(lo, hi, w, n)
    want = sparse.csr_matrix((np.r_[w, w], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n))
    for attr in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(got, attr), getattr(want, attr))
        assert getattr(got, attr).dtype == getattr(want, attr).dtype
    assert (n < 7) or got.nnz > 2 * n


# --------------------------------------------------------------------------------------------
# Random cases
# --------------------------------------------------------------------------------------------

def random_case(seed: int, n_houses: int = 120, n_boxes: int = 10):
    """Three road grids not joined to each other (jittered, 80 m blocks, 500 m apart), boxes in
    the first two only (few ports, some unknown) and one box off the roads, houses beside the
    roads of all three and a few off the roads, three hamlets with a cultural house each."""
    rng = np.random.default_rng(seed)
    segs, house_xy, box_xy = [], [], []
    for k, (ox, oy) in enumerate([(0.0, 0.0), (900.0, 0.0), (0.0, 900.0)]):
        n = 5
        node = (np.stack(np.meshgrid(np.arange(n) * 80.0, np.arange(n) * 80.0, indexing="ij"),
                         axis=-1) + rng.normal(0, 4, (n, n, 2)) + (ox, oy))
        for i in range(n):
            for j in range(n - 1):
                segs.append((node[i, j], node[i, j + 1]))
                segs.append((node[j, i], node[j + 1, i]))
        lo, hi = node.reshape(-1, 2).min(axis=0), node.reshape(-1, 2).max(axis=0)
        house_xy.append(rng.uniform(lo, hi, (n_houses // 3, 2)))
        if k < 2:
            box_xy.append(rng.uniform(lo, hi, (n_boxes // 2, 2)))
    house_xy.append(rng.uniform((2_000, 2_000), (2_300, 2_300), (4, 2)))    # off the roads
    box_xy.append(np.array([[2_100.0, 2_150.0]]))                          # off the roads
    hh = np.vstack(house_xy) + (X0, Y0)
    bx = np.vstack(box_xy) + (X0, Y0)
    roads = gpd.GeoDataFrame(
        {"road_id": [f"R{i}" for i in range(len(segs))], "road_class": "residential"},
        geometry=[shapely.LineString([a + (X0, Y0), b + (X0, Y0)]) for a, b in segs], crs=UTM)
    # hamlets: the three grids' squares (the off-road houses belong to the third)
    hamlet = np.where(hh[:, 0] > X0 + 700, "H2", np.where(hh[:, 1] > Y0 + 700, "H3", "H1"))
    households = gpd.GeoDataFrame(
        {"household_id": [f"HH{i:03d}" for i in range(len(hh))], "hamlet_id": hamlet,
         "is_cultural_house": False}, geometry=gpd.points_from_xy(hh[:, 0], hh[:, 1]), crs=UTM)
    # each hamlet's cultural house: its house on the roads farthest from every box
    far = np.hypot(*(hh[:, None, :] - np.vstack(box_xy)[None] - (X0, Y0)).transpose(2, 0, 1))
    households["far"] = np.where(hh[:, 0] < X0 + 1_500, far.min(axis=1), -1.0)
    first = households.sort_values("far").groupby("hamlet_id").tail(1).index
    households = households.drop(columns="far")
    households.loc[first, "is_cultural_house"] = True
    total = rng.choice([2.0, 3.0, 4.0], len(bx))
    used = np.floor(total * rng.uniform(0, 0.7, len(bx)))
    used[rng.random(len(bx)) < 0.2] = np.nan
    boxes = gpd.GeoDataFrame(
        {"ap_id": [f"AP{i:02d}" for i in range(len(bx))], "operator": "Viettel", "kind": "FAT",
         "ports_total": total, "ports_used": used},
        geometry=gpd.points_from_xy(bx[:, 0], bx[:, 1]), crs=UTM)
    hamlets = gpd.GeoDataFrame(
        {"hamlet_id": ["H1", "H2", "H3"]},
        geometry=[shapely.box(X0 - 500, Y0 - 500, X0 + 700, Y0 + 700),
                  shapely.box(X0 + 700, Y0 - 500, X0 + 1_800, Y0 + 700),
                  shapely.box(X0 - 500, Y0 + 700, X0 + 2_400, Y0 + 2_400)], crs=UTM)
    return roads, households, boxes, hamlets, segs


def reference_ports(pair: np.ndarray, limit: float, boxes: gpd.GeoDataFrame,
                    params: FibreParams) -> np.ndarray:
    """The box whose port each house takes (-1 none), from the (house x box) distances."""
    nh = pair.shape[0]
    # ports: the used ports nearest first over every pair within reach (those homes stay),
    # then the free ports the same way, then augmenting paths (Kuhn's, written out here)
    tot = boxes["ports_total"].to_numpy(float)
    free = np.where(np.isfinite(tot), tot, np.inf)  # ports_total alone bounds a box
    used = np.nan_to_num(boxes["ports_used"].to_numpy(float), nan=0.0)
    if not params.respect_ports:
        free[:] = np.inf
        used[:] = 0.0
    h_i, b_i = np.nonzero(pair <= limit)
    order = np.lexsort((b_i, h_i, pair[h_i, b_i]))
    assigned = np.full(nh, -1)
    held = np.minimum(used, free)
    for ports in (held, None):
        if ports is None:
            fixed = assigned >= 0
            ports = free - np.bincount(assigned[fixed], minlength=len(free))
            free = ports
        for h, b in zip(h_i[order], b_i[order]):
            if assigned[h] < 0 and ports[b] >= 1:
                assigned[h] = b
                ports[b] -= 1
    within = pair <= limit

    def augment(h: int, seen: set[int]) -> bool:
        for b in np.flatnonzero(within[h]):
            if b in seen:
                continue
            seen.add(b)
            if free[b] >= 1:
                free[b] -= 1
                assigned[h] = b
                return True
            for other in np.flatnonzero((assigned == b) & ~fixed):
                if augment(int(other), seen):
                    assigned[h] = b
                    return True
        return False

    for h in np.flatnonzero(within.any(axis=1) & (assigned < 0)):
        augment(int(h), set())
    return assigned


def reference_stretches(su: np.ndarray, sv: np.ndarray) -> np.ndarray:
    """Per segment its stretch of road, by union-find: segments are one stretch where they meet
    at a vertex with two neighbours (a segment given twice counts once)."""
    parent = list(range(len(su)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    at: dict[int, list[int]] = {}
    for k, (u, v) in enumerate(zip(su, sv)):
        at.setdefault(int(u), []).append(k)
        at.setdefault(int(v), []).append(k)
    for node, segs in at.items():
        others = {int(su[k]) if int(sv[k]) == node else int(sv[k]) for k in segs} - {node}
        if len(others) == 2:
            for k in segs[1:]:
                parent[root(segs[0])] = root(k)
    first: dict[tuple[int, int], int] = {}
    for k, (u, v) in enumerate(zip(su, sv)):
        parent[root(first.setdefault((min(u, v), max(u, v)), k))] = root(k)
    return np.array([root(k) for k in range(len(su))])


def reference_reach(roads: gpd.GeoDataFrame, households: gpd.GeoDataFrame,
                    boxes: gpd.GeoDataFrame, params: FibreParams) -> pd.DataFrame:
    """Household reach by brute force over the whole graph (see the module docstring)."""
    coords = [shapely.get_coordinates(g) for g in roads.geometry.values]
    seg_a = np.vstack([c[:-1] for c in coords])
    seg_b = np.vstack([c[1:] for c in coords])
    verts, inv = np.unique(np.vstack([seg_a, seg_b]), axis=0, return_inverse=True)
    inv = inv.ravel()
    m = len(seg_a)
    su, sv = inv[:m], inv[m:]
    hh = np.column_stack([households.geometry.x, households.geometry.y])
    bx = np.column_stack([boxes.geometry.x, boxes.geometry.y])
    pts = np.vstack([hh, bx])
    nh = len(hh)

    # every point to its nearest segment (brute force), within the connector limit
    ab = seg_b - seg_a
    t = np.clip(((pts[:, None, :] - seg_a[None]) * ab[None]).sum(-1)
                / (ab ** 2).sum(-1)[None], 0, 1)
    proj = seg_a[None] + t[..., None] * ab[None]
    dd = np.hypot(*(pts[:, None, :] - proj).transpose(2, 0, 1))
    near = dd.argmin(axis=1)
    conn = dd[np.arange(len(pts)), near]
    attached = conn <= params.connector_max_m
    # a house also joins each other stretch of road within the slack of its nearest (its
    # nearest segment there), at most settings.FIBRE_HOUSE_ROADS_MAX roads in all
    stretch = reference_stretches(su, sv)
    joins = [(p, int(near[p])) for p in np.flatnonzero(attached)]
    for p in np.flatnonzero(attached[:nh]):
        best: dict[int, int] = {}
        for s_ in range(m):
            if stretch[s_] != stretch[near[p]] and dd[p, s_] <= min(
                    conn[p] + params.house_road_slack_m, params.connector_max_m) and (
                    stretch[s_] not in best or dd[p, s_] < dd[p, best[stretch[s_]]]):
                best[stretch[s_]] = s_
        if params.house_road_slack_m > 0:
            others = sorted(best.values(), key=lambda s_: dd[p, s_])
            joins += [(p, s_) for s_ in others[:settings.FIBRE_HOUSE_ROADS_MAX - 1]]
    # nodes: road vertices, then per join its projection, then per point itself
    nv, npt = len(verts), len(pts)
    proj_node = nv + np.arange(len(joins))
    pt_node = nv + len(joins) + np.arange(npt)
    edges = []
    for s in range(m):
        along = sorted((t[p, s] * np.hypot(*ab[s]), proj_node[k])
                       for k, (p, s_) in enumerate(joins) if s_ == s)
        chain = [(0.0, su[s])] + along + [(np.hypot(*ab[s]), sv[s])]
        for a_, b_ in zip(chain[:-1], chain[1:]):
            w = max(b_[0] - a_[0], 1e-9)
            edges += [(a_[1], b_[1], w), (b_[1], a_[1], w)]
    for k, (p, s) in enumerate(joins):
        # a house is reached from its roads, never passed through; a box both ways
        edges.append((proj_node[k], pt_node[p], max(dd[p, s], 1e-9)))
        if p >= nh:
            edges.append((pt_node[p], proj_node[k], max(dd[p, s], 1e-9)))
    e = np.array(edges)
    n = nv + len(joins) + npt
    graph = sparse.coo_matrix((e[:, 2], (e[:, 0].astype(int), e[:, 1].astype(int))),
                              shape=(n, n)).tocsr()
    nb = len(bx)
    h_on, b_on = attached[:nh], attached[nh:]
    road = np.full((nh, nb), np.inf)
    for j in np.flatnonzero(b_on):
        d = csgraph.dijkstra(graph, directed=True, indices=pt_node[nh + j])
        road[:, j] = np.where(h_on, d[pt_node[:nh]], np.inf)
    straight = np.hypot(*(hh[:, None, :] - bx[None]).transpose(2, 0, 1)) * params.detour_factor
    has_net = np.isfinite(road).any(axis=1)
    # the distance each (house, box) pair is measured by: along the roads, or the fallback
    # for houses with no road path to any box, and for boxes off the roads
    pair = np.where(has_net[:, None], np.where(b_on[None, :], road, straight), straight)
    best = pair.argmin(axis=1)
    dist = pair[np.arange(nh), best]
    by_road = has_net & b_on[best]
    limit = params.max_drop_m + 1e-6
    passed = dist <= limit
    assigned = reference_ports(pair, limit, boxes, params)
    ids = boxes["ap_id"].to_numpy(object)
    return pd.DataFrame({
        "distance_m": dist, "basis": np.where(by_road, fb.BASIS_NETWORK, params.fallback_basis),
        "access_point": ids[best], "passed": passed, "connectable": assigned >= 0,
        "port_limited": passed & (assigned < 0),
        "assigned_access_point": np.where(assigned >= 0, ids[assigned], None),
        "connector_m": np.where(h_on, conn[:nh], np.nan)})


@pytest.mark.parametrize("max_drop_m", [300.0, 160.0])  # 160: nearest first is not enough
@pytest.mark.parametrize("respect_ports", [True, False])
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_reach_equals_brute_force_over_the_whole_graph(seed: int, respect_ports: bool,
                                                       max_drop_m: float) -> None:
    roads, households, boxes, _, _ = random_case(seed)
    params = FibreParams(respect_ports=respect_ports, max_drop_m=max_drop_m)
    got = fb.household_reach(households, boxes, roads, None, params)
    want = reference_reach(roads, households, boxes, params)
    # the case is what it is meant to be: pieces apart, houses off the roads, full boxes
    assert fb.road_graph(roads).n_components == 3
    assert (got["basis"] != fb.BASIS_NETWORK).sum() >= 4
    if respect_ports:
        assert got["port_limited"].any()
    np.testing.assert_allclose(got["distance_m"], want["distance_m"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(got["connector_m"], want["connector_m"], rtol=0, atol=1e-6)
    for col in ("basis", "access_point", "passed"):
        assert got[col].tolist() == want[col].tolist(), col
    # as many connectable (a maximum: which of the homes may differ), each on a box within
    # reach with a port for it
    assert got["connectable"].sum() == want["connectable"].sum()
    assert got["port_limited"].sum() == want["port_limited"].sum()
    assert (got["port_limited"] == got["passed"] & ~got["connectable"]).all()
    on = got[got["connectable"]]
    assert on["assigned_access_point"].notna().all()
    if respect_ports:
        per_box = on["assigned_access_point"].value_counts()
        ports = boxes.set_index("ap_id")["ports_total"]
        assert (per_box <= ports.reindex(per_box.index).fillna(np.inf)).all()


# --------------------------------------------------------------------------------------------
# Extensions: hamlet by hamlet on its part of the graph = on the whole graph
# --------------------------------------------------------------------------------------------

def whole_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every local search of the engine run on the whole graph."""
    monkeypatch.setattr(rg._Graph, "near", lambda self, *a, **k: rg._SubGraph(
        self, np.arange(self.n)))


@pytest.mark.parametrize("rule", ["cultural_house", "share"])
@pytest.mark.parametrize("seed", [21, 22, 23])
def test_extensions_equal_those_designed_on_the_whole_graph(
        seed: int, rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    roads, households, boxes, hamlets, _ = random_case(seed, n_houses=150, n_boxes=2)
    params = FibreParams(hamlet_rule=rule, hamlet_share=0.95)
    reach = fb.household_reach(households, boxes, roads, None, params)
    got = fb.gap_extensions(reach, hamlets, roads, boxes, None, params)
    assert (got["boxes"] > 0).any()
    with monkeypatch.context() as mp:
        whole_graph(mp)
        want = fb.gap_extensions(reach, hamlets, roads, boxes, None, params)
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                  pd.DataFrame(want.drop(columns="geometry")), check_exact=True)
    assert shapely.equals_exact(got.geometry.values, want.geometry.values, 0).all()


def far_case(seed: int):
    """An 8 km road with 200 m spurs every 100 m (jittered) and a box at its start; three
    compact hamlets of eight houses around spurs 1.2, 2.4 and 3.6 km away: their cables run
    kilometres beyond the houses' own searches."""
    rng = np.random.default_rng(seed)
    spine = [(x, rng.normal(0, 3)) for x in np.arange(0, 8_001, 100.0)]
    segs = list(zip(spine[:-1], spine[1:]))
    segs += [((x, y), (x + rng.normal(0, 5), 200.0)) for x, y in spine[1:]]
    hh, hamlet = [], []
    for k, x in enumerate((1_200.0, 2_400.0, 3_600.0)):
        hh.append(np.c_[x + rng.uniform(-120, 120, 8), rng.uniform(20, 180, 8)])
        hamlet += [f"F{k}"] * 8
    xy = np.vstack(hh) + (X0, Y0)
    roads = gpd.GeoDataFrame(
        {"road_id": [f"R{i}" for i in range(len(segs))], "road_class": "residential"},
        geometry=[shapely.LineString([np.add(a, (X0, Y0)), np.add(b, (X0, Y0))])
                  for a, b in segs], crs=UTM)
    households = gpd.GeoDataFrame(
        {"household_id": [f"HH{i:03d}" for i in range(len(xy))], "hamlet_id": hamlet,
         "is_cultural_house": np.arange(len(xy)) % 8 == 3},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=UTM)
    boxes = gpd.GeoDataFrame({"ap_id": ["AP0"], "operator": "Viettel", "kind": "FAT",
                              "ports_total": 8.0, "ports_used": 2.0},
                             geometry=[shapely.Point(X0, Y0 + 10)], crs=UTM)
    hamlets = gpd.GeoDataFrame(
        {"hamlet_id": ["F0", "F1", "F2"]},
        geometry=[shapely.box(X0 + x - 150, Y0 - 50, X0 + x + 150, Y0 + 250)
                  for x in (1_200.0, 2_400.0, 3_600.0)], crs=UTM)
    return roads, households, boxes, hamlets


@pytest.mark.parametrize("rule", ["cultural_house", "share"])
@pytest.mark.parametrize("case", ["far-1", "far-2", "random-21", "random-22", "random-23"])
def test_extensions_designed_in_parts_equal_the_whole_graphs(
        case: str, rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a cluster's workers do, here in this process: the hamlets grouped by small squares,
    each square designed on the part of the graph its hamlets' searches reach (a fresh,
    pickled context, as a worker receives it), gives the rows of the whole graph, which the
    whole-graph searches of the test above give too."""
    kind, seed = case.split("-")
    if kind == "far":
        roads, households, boxes, hamlets = far_case(int(seed))
        params = FibreParams(hamlet_rule=rule, hamlet_share=0.75, max_drop_m=100.0)
    else:
        roads, households, boxes, hamlets, _ = random_case(int(seed), n_houses=150,
                                                           n_boxes=2)
        params = FibreParams(hamlet_rule=rule, hamlet_share=0.95, max_drop_m=40.0)
    reach = fb.household_reach(households, boxes, roads, None, params)
    with monkeypatch.context() as mp:
        whole_graph(mp)
        want = fb.gap_extensions(reach, hamlets, roads, boxes, None, params)
    if kind == "far":   # cables far beyond the houses' own searches
        assert (want["cable_m"] > 1_000).sum() == 3
    run_jobs = fx._run_jobs
    sizes: list[int] = []
    whole_n: list[int] = []

    def in_parts(ctx, jobs, runner, *, parts):
        part = ctx.part
        whole_n.append(ctx.g.n)

        def shipped(nodes):          # as a worker gets it: pickled, without the households
            sizes.append(len(nodes))
            return pickle.loads(pickle.dumps(part(nodes)))
        ctx.part = shipped
        return run_jobs(ctx, jobs, runner, parts=True)

    with monkeypatch.context() as mp:
        mp.setattr(fx, "_run_jobs", in_parts)
        mp.setattr(settings, "FIBRE_PART_SIDE_M", 60.0)
        got = fb.gap_extensions(reach, hamlets, roads, boxes, None, params)
    assert len(sizes) > 1 and min(sizes) < whole_n[0]   # parts, not the whole graph
    assert (got["boxes"] > 0).any()
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                  pd.DataFrame(want.drop(columns="geometry")), check_exact=True)
    assert shapely.equals_exact(got.geometry.values, want.geometry.values, 0).all()


@pytest.mark.parametrize("parts", [1, 2, 5, 40])
def test_extension_jobs_designed_in_runs_give_the_rows_of_one_call(parts: int) -> None:
    """What a local cluster's design tasks do, here: the extension jobs, pickled as a worker
    receives them, designed in ``parts`` runs of consecutive jobs (more runs than jobs:
    some empty), the runs' rows one after the other, give gap_extensions' table."""
    roads, households, boxes, hamlets, _ = random_case(22, n_houses=150, n_boxes=2)
    params = FibreParams(hamlet_rule="share", hamlet_share=0.95, max_drop_m=40.0)
    reach = fb.household_reach(households, boxes, roads, None, params)
    want = fb.gap_extensions(reach, hamlets, roads, boxes, None, params)
    jobs = pickle.loads(pickle.dumps(fx.extension_jobs(reach, hamlets, roads, boxes, None,
                                                       params)))
    assert 1 < len(jobs.jobs) < 40 and (want["boxes"] > 0).any()
    runs = [fx.design_jobs(jobs, k, parts) for k in range(parts)]
    assert sum(map(len, runs)) == len(jobs.jobs)
    got = fx.extension_frame([row for run in runs for row in run], jobs.crs)
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                  pd.DataFrame(want.drop(columns="geometry")), check_exact=True)
    assert shapely.equals_exact(got.geometry.values, want.geometry.values, 0).all()


def test_dask_knows_the_size_of_the_fibre_parts() -> None:
    """A local worker tells dask the bytes the fibre job's parts hold (worker_setup), at
    least their road graph's and households' arrays: otherwise dask takes them for a few
    bytes and sends the whole graph to another worker for a small task."""
    from dask.sizeof import sizeof

    from coverage_gis.engines.worker_setup import register_sizes

    roads, households, boxes, hamlets, _ = random_case(22, n_houses=150, n_boxes=2)
    params = FibreParams(hamlet_rule="share", hamlet_share=0.95, max_drop_m=40.0)
    start = fb.fibre_start(households, hamlets, roads, boxes, None, params)
    jobs = start.extension_jobs
    assert jobs.ctx is not None and jobs.jobs
    graph = jobs.ctx.g.node_xy.nbytes + jobs.ctx.g.csr.data.nbytes + jobs.ctx.dist0.nbytes
    register_sizes()
    assert sizeof(jobs) >= graph
    assert sizeof(start) >= graph + sizeof(start.reach)
    assert sizeof((1.0, start)) >= sizeof(start)   # the start task's result


def test_extension_homes_are_within_the_drop_length_over_the_whole_graph() -> None:
    """Independently of the engine's searches: every house the extension counts as newly
    passed is within the drop length of a new box along the whole graph (or by the fallback),
    by scipy's Dijkstra over the whole graph from the new boxes."""
    roads, households, boxes, hamlets, _ = random_case(31, n_houses=150, n_boxes=4)
    params = FibreParams(hamlet_rule="share", hamlet_share=0.9)
    reach = fb.household_reach(households, boxes, roads, None, params)
    ext = fb.gap_extensions(reach, hamlets, roads, boxes, None, params)
    assert ext["households_added"].sum() > 0
    # the new boxes' nodes on the engine's (densified) graph, rebuilt here
    net = fb.road_graph(roads).densified(params.site_spacing_m)
    hh_xy = np.column_stack([households.geometry.x, households.geometry.y])
    g = rg._Graph(net, [hh_xy], params.connector_max_m)
    limit = params.max_drop_m + 1e-6
    for _, row in ext[ext["boxes"] > 0].iterrows():
        xy = np.array([[float(v) for v in p.split()] for p in row["new_box_xy"].split(";")])
        node = np.array([np.argmin(np.hypot(*(g.node_xy - p).T)) for p in xy])
        assert np.hypot(*(g.node_xy[node] - xy).T).max() < 0.01
        d = csgraph.dijkstra(g.csr, directed=True, indices=node, min_only=True)
        d_hh = d[g.point_node[0]]
        members = np.flatnonzero(reach["hamlet_id"].to_numpy() == row["hamlet_id"])
        new = members[~reach["passed"].to_numpy()[members]]
        # clearly within (box positions are printed to 1 cm): all counted as added
        assert row["households_added"] >= int((d_hh[new] <= limit - 0.02).sum())


@pytest.mark.parametrize("seed", [31, 32])
def test_extension_site_distances_are_those_of_a_graph_with_the_houses(seed: int) -> None:
    """The gap design's graph holds the roads, not the households (a node per house made a
    dense commune's designs grow with the square of its households): a house meets it at the
    two ends of its road piece. Its distances to every candidate site (the road vertices)
    are those of scipy's Dijkstra on a graph built here with each house attached as nodes,
    to 1e-6 m, and the graph has the same nodes whatever the households."""
    roads, households, boxes, hamlets, _ = random_case(seed, n_houses=150, n_boxes=4)
    params = FibreParams(hamlet_rule="share", hamlet_share=0.9)
    reach = fb.household_reach(households, boxes, roads, None, params)
    jobs = fx.extension_jobs(reach, hamlets, roads, boxes, None, params)
    ctx = jobs.ctx
    assert ctx is not None
    fewer = fx.extension_jobs(reach.iloc[::3], hamlets, roads, boxes, None, params).ctx
    assert fewer is not None and fewer.g.n == ctx.g.n
    todo = np.flatnonzero(~reach["passed"].to_numpy(bool))
    road, _, sites = ctx._coverage(todo)
    # the reference: houses as nodes (projection and point) of the densified roads' graph,
    # reached from their roads; the distances from the road vertices to a house are those
    # from the house on the reversed graph
    net = fb.road_graph(roads).densified(params.site_spacing_m)
    hh_xy = np.column_stack([households.geometry.x, households.geometry.y])
    g = rg._Graph(net, [hh_xy], params.connector_max_m, reached=0,
                  slack_m=params.house_road_slack_m, most=settings.FIBRE_HOUSE_ROADS_MAX)
    limit = params.max_drop_m + 1e-6
    on = todo[g.attached(0)[todo]]
    d = csgraph.dijkstra(g.csr.T.tocsr(), directed=True, indices=g.point_node[0][on],
                         limit=limit)
    want = np.full((len(todo), g.n_road_nodes), np.inf)
    want[np.searchsorted(todo, on)] = d[:, :g.n_road_nodes]     # road vertices: the sites
    got = np.full_like(want, np.inf)
    coo = road.tocoo()
    got[coo.row, ctx.cand[sites[coo.col]]] = coo.data - 1e-6
    assert np.isfinite(want).sum() > 1000
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(want))
    np.testing.assert_allclose(got[np.isfinite(got)], want[np.isfinite(want)], atol=1e-6)


def test_extension_pairs_made_in_runs_give_the_same_designs(monkeypatch) -> None:
    """The (house, site) pairs of a design are made by runs of houses (a dense hamlet has tens
    of millions): runs of a few pairs give the rows of one run."""
    roads, households, boxes, hamlets, _ = random_case(31, n_houses=150, n_boxes=4)
    params = FibreParams(hamlet_rule="share", hamlet_share=0.9)
    reach = fb.household_reach(households, boxes, roads, None, params)
    want = fb.gap_extensions(reach, hamlets, roads, boxes, None, params)
    monkeypatch.setattr(fx, "_PAIRS", 50)
    got = fb.gap_extensions(reach, hamlets, roads, boxes, None, params)
    assert (want["boxes"] > 0).any()
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                  pd.DataFrame(want.drop(columns="geometry")), check_exact=True)
