"""Fibre reach engine speed (issue 4): 50,000 households on a 2,000 km road network.

A synthetic grid-like network (a jittered 200 m grid over about 14 km x 14 km, every block
edge a road feature with a few bent vertices, plus dead-end lanes) of about 2,000 km, 50,000
households 8-40 m beside the roads, clustered in villages, ~500 boxes with 8 or 16 ports (some
full, some unknown), 100 hamlets with a cultural house each. Times ``road_graph``,
``household_reach`` (multi-source Dijkstra, fallback, nearest-first port assignment) and
``hamlet_fibre``; then, separately, ``gap_extensions`` for the short hamlets. Prints wall time
and the process's peak memory so far (ru_maxrss). Asserts nothing.

Target: road_graph + household_reach + hamlet_fibre under 10 s.
Run: `.venv/bin/python benchmarks/bench_fibre.py [--households N] [--road-km KM]`.
"""

from __future__ import annotations

import argparse
import resource
import time

import geopandas as gpd
import numpy as np
import shapely

from coverage_gis.engines import fibre as fb

UTM = "EPSG:32648"
X0, Y0 = 560_000.0, 2_200_000.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<44} {seconds:8.2f} s   peak RSS {peak_rss_mb():6.0f} MB  {extra}")


def synthetic(households: int, road_km: float, n_boxes: int, rng: np.random.Generator):
    spacing = 200.0
    # 2 * (n + 1) lines of n * spacing each ~ road_km (the dead ends add ~2 %)
    n = int(round(np.sqrt(road_km * 1000 / (2 * spacing**2) * spacing)))
    side = n * spacing
    gx = np.arange(n + 1) * spacing
    jitter = rng.normal(0, 6, (n + 1, n + 1, 2))
    node = np.stack(np.meshgrid(gx, gx, indexing="ij"), axis=-1) + jitter
    lines = []

    def edge(a: np.ndarray, b: np.ndarray) -> None:
        t = np.linspace(0, 1, 5)[:, None]
        pts = a + (b - a) * t
        normal = np.array([-(b - a)[1], (b - a)[0]]) / np.hypot(*(b - a))
        pts[1:-1] += normal * rng.normal(0, 3, (3, 1))
        lines.append(pts)

    for i in range(n + 1):
        for j in range(n):
            edge(node[i, j], node[i, j + 1])
            edge(node[j, i], node[j + 1, i])
    # dead-end lanes off random junctions
    for _ in range(len(lines) // 50):
        i, j = rng.integers(0, n + 1, 2)
        ang = rng.uniform(0, 2 * np.pi)
        end = node[i, j] + rng.uniform(60, 150) * np.array([np.cos(ang), np.sin(ang)])
        lines.append(node[i, j] + (end - node[i, j]) * np.linspace(0, 1, 5)[:, None])
    geoms = shapely.linestrings([ln + [X0, Y0] for ln in lines])
    roads = gpd.GeoDataFrame({"road_id": [f"R{i}" for i in range(len(geoms))],
                              "road_class": "residential"}, geometry=geoms, crs=UTM)

    # households: villages (clusters of road edges) plus scatter, 8-40 m beside a road
    seg_len = shapely.length(geoms)
    centres = rng.uniform(0, side, (200, 2)) + [X0, Y0]
    mids = shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True))
    d = np.hypot(*(mids[:, None, :] - centres[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    weight = np.exp(-(d / 600.0) ** 2) + 0.05
    weight = weight * seg_len / (weight * seg_len).sum()
    on = rng.choice(len(geoms), households, p=weight)
    frac = rng.uniform(0, 1, households)
    base = shapely.get_coordinates(shapely.line_interpolate_point(geoms[on], frac,
                                                                  normalized=True))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(
        geoms[on], np.minimum(frac + 0.01, 1.0), normalized=True))
    tangent = ahead - base + 1e-9
    tangent /= np.hypot(*tangent.T)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    offset = rng.uniform(8, 40, households) * rng.choice([-1, 1], households)
    hh_xy = base + normal * offset[:, None]
    k = 10                                       # 10 x 10 hamlets
    cell = side / k
    hx = np.clip(((hh_xy[:, 0] - X0) // cell).astype(int), 0, k - 1)
    hy = np.clip(((hh_xy[:, 1] - Y0) // cell).astype(int), 0, k - 1)
    hamlet_of = np.array([f"H{a:02d}{b:02d}" for a, b in zip(hx, hy)], dtype=object)
    households_gdf = gpd.GeoDataFrame(
        {"household_id": [f"HH{i:06d}" for i in range(households)], "hamlet_id": hamlet_of,
         "is_cultural_house": False}, geometry=gpd.points_from_xy(hh_xy[:, 0], hh_xy[:, 1]),
        crs=UTM)
    first = households_gdf.groupby("hamlet_id").head(1).index
    households_gdf.loc[first, "is_cultural_house"] = True
    hamlets = gpd.GeoDataFrame(
        {"hamlet_id": [f"H{a:02d}{b:02d}" for a in range(k) for b in range(k)]},
        geometry=[shapely.box(X0 + a * cell, Y0 + b * cell, X0 + (a + 1) * cell,
                              Y0 + (b + 1) * cell) for a in range(k) for b in range(k)],
        crs=UTM)

    # boxes on the roads, mostly where the houses are
    on_b = rng.choice(len(geoms), n_boxes, p=weight)
    bxy = shapely.get_coordinates(shapely.line_interpolate_point(
        geoms[on_b], rng.uniform(0, 1, n_boxes), normalized=True))
    total = rng.choice([8.0, 16.0], n_boxes)
    used = np.floor(total * rng.uniform(0.3, 1.0, n_boxes))
    used[rng.random(n_boxes) < 0.1] = np.nan            # unknown: unlimited
    boxes = gpd.GeoDataFrame({"ap_id": [f"AP{i:04d}" for i in range(n_boxes)],
                              "operator": rng.choice(["Viettel", "VNPT"], n_boxes),
                              "kind": "FAT", "ports_total": total, "ports_used": used},
                             geometry=gpd.points_from_xy(bxy[:, 0], bxy[:, 1]), crs=UTM)
    return roads, households_gdf, boxes, hamlets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=50_000)
    ap.add_argument("--road-km", type=float, default=2000.0)
    ap.add_argument("--boxes", type=int, default=500)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t = time.perf_counter()
    roads, households, boxes, hamlets = synthetic(args.households, args.road_km, args.boxes,
                                                  rng)
    report("synthetic data", time.perf_counter() - t,
           f"{len(roads):,} roads, {shapely.length(roads.geometry.values).sum() / 1000:,.0f} km, "
           f"{len(households):,} households, {len(boxes)} boxes, {len(hamlets)} hamlets")
    params = fb.FibreParams()
    # warm-up on a small slice (imports, first-call overheads)
    fb.household_reach(households.iloc[:100], boxes.iloc[:5], roads.iloc[:200], None, params)

    t0 = time.perf_counter()
    net = fb.road_graph(roads)
    t1 = time.perf_counter()
    report("road_graph", t1 - t0, f"{net.n_nodes:,} nodes, {net.n_segments:,} segments, "
           f"{net.n_components} components")
    reach = fb.household_reach(households, boxes, roads, None, params, network=net)
    t2 = time.perf_counter()
    report("household_reach (ports respected)", t2 - t1,
           f"passed {reach['passed'].mean():.1%}, port-limited {reach['port_limited'].mean():.1%}"
           f", by road {(reach['basis'] == 'road network').mean():.1%}")
    table = fb.hamlet_fibre(reach, hamlets, params)
    t3 = time.perf_counter()
    report("hamlet_fibre", t3 - t2, f"{int(table['ftth_covered'].sum())} of {len(table)} "
           "hamlets covered")
    report("TOTAL (graph + reach + per hamlet)", t3 - t0, "target < 10 s")

    t4 = time.perf_counter()
    free = fb.household_reach(households, boxes, roads, None, fb.FibreParams(respect_ports=False),
                              network=net)
    report("household_reach (ports ignored)", time.perf_counter() - t4,
           f"passed {free['passed'].mean():.1%}")

    t5 = time.perf_counter()
    ext = fb.gap_extensions(reach, hamlets, roads, boxes, None, params, network=net,
                            hamlet_table=table)
    report("gap_extensions (cultural-house rule)", time.perf_counter() - t5,
           f"{len(ext)} short hamlets, {ext['length_m'].sum() / 1000:,.1f} km of cable")


if __name__ == "__main__":
    main()
