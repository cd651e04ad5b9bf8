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

Scaling mode (issue 13): `--scale` runs ``compute_fibre``'s stages one by one (merge_routes,
road_graph, household_reach, hamlet_fibre, gap_extensions, gpon_budget, fibre_indicators) on
synthetic provinces of 1/16, 1/4 and 1 of Thanh Hóa's size (about 1,000,000 households,
66,000 km of roads on ~11,000 km², 15,000 drop boxes, 5,000 hamlets, fibre routes, OLTs, a
railway and national roads), and prints per stage the wall time, the peak resident memory
during the stage (sampled every 5 ms) and the cost per 1,000 households, beside the goal: the
cost per household at the largest size no more than 1.3 x that at the smallest. `--quick`
skips the largest size; `--fractions 0.01,0.03` picks others.

Density mode: `--density` keeps the roads (about 60 km, a commune) and puts 12,500, 50,000 and
100,000 households on them (`--densities`), with few boxes, so that most hamlets are short;
prints per size the time and peak memory of ``household_reach`` and of ``gap_extensions``
(share rule, 80 %) and the exponent of the extensions' time in the households, beside the
goal: at most 1.2 (near-linear). The gap design once grew with the square of the households
at a fixed area (its graph held a node per house and each house's projection was a candidate
box site: 50,000 households on the sample's 7 km² took 60 s and 3.4 GB).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak_memory import PeakRss  # noqa: E402

from coverage_gis.engines import fibre as fb

UTM = "EPSG:32648"
X0, Y0 = 560_000.0, 2_200_000.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<44} {seconds:8.2f} s   peak RSS {peak_rss_mb():6.0f} MB  {extra}")


def synthetic(households: int, road_km: float, n_boxes: int, rng: np.random.Generator,
              spacing: float = 200.0, hamlets_k: int = 10):
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
    n_villages = 200 if side < 20_000 else int(200 * (side / 14_000) ** 2)   # ~1 per km²
    centres = rng.uniform(0, side, (n_villages, 2)) + [X0, Y0]
    mids = shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True))
    d = cKDTree(centres).query(mids)[0]                 # distance to the nearest village
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
    k = hamlets_k                                # k x k hamlets
    cell = side / k
    hx = np.clip(((hh_xy[:, 0] - X0) // cell).astype(int), 0, k - 1)
    hy = np.clip(((hh_xy[:, 1] - Y0) // cell).astype(int), 0, k - 1)
    names = np.array([f"H{a:02d}{b:02d}" for a in range(k) for b in range(k)], dtype=object)
    hamlet_of = names[hx * k + hy]
    households_gdf = gpd.GeoDataFrame(
        {"household_id": [f"HH{i:06d}" for i in range(households)], "hamlet_id": hamlet_of,
         "is_cultural_house": False}, geometry=gpd.points_from_xy(hh_xy[:, 0], hh_xy[:, 1]),
        crs=UTM)
    first = households_gdf.groupby("hamlet_id").head(1).index
    households_gdf.loc[first, "is_cultural_house"] = True
    hamlets = gpd.GeoDataFrame(
        {"hamlet_id": names},
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


# --------------------------------------------------------------------------------------------
# Scaling mode
# --------------------------------------------------------------------------------------------

#: The province (issue 13): Thanh Hóa-sized.
PROVINCE = {"households": 1_000_000, "road_km": 66_000.0, "boxes": 15_000, "hamlets": 5_000}
SPACING_M = 330.0        # grid spacing: ~6 km of road per km², ~11,000 km² for the province
GOAL_RATIO = 1.3


def province(fraction: float, seed: int) -> dict[str, Any]:
    """A synthetic province ``fraction`` of Thanh Hóa's size: the grid network of
    :func:`synthetic` plus fibre routes in pieces (some reversed), one OLT per operator per
    ~100 km², national roads (every 15th grid line, class ``trunk``) and a railway."""
    rng = np.random.default_rng(seed)
    n_hh = int(PROVINCE["households"] * fraction)
    k = max(int(round(np.sqrt(PROVINCE["hamlets"] * fraction))), 2)
    roads, households, boxes, hamlets = synthetic(
        n_hh, PROVINCE["road_km"] * fraction, int(PROVINCE["boxes"] * fraction), rng,
        spacing=SPACING_M, hamlets_k=k)
    xmin, ymin, xmax, ymax = roads.total_bounds
    # national roads: every 15th horizontal grid line's edges
    n_grid = int(round((xmax - xmin) / SPACING_M))
    y_line = (np.arange(n_grid + 1) % 15 == 7)
    starts = shapely.get_coordinates(shapely.get_point(roads.geometry.values, 0))
    ends = shapely.get_coordinates(shapely.get_point(roads.geometry.values, -1))
    row = np.rint((starts[:, 1] - Y0) / SPACING_M).astype(int)
    horizontal = np.abs(ends[:, 1] - starts[:, 1]) < SPACING_M / 3
    nat = horizontal & y_line[np.clip(row, 0, n_grid)]
    roads.loc[nat, "road_class"] = "trunk"
    # a railway: a diagonal line across the province
    rail = gpd.GeoDataFrame({"road_id": ["RAIL1"], "road_class": ["railway"]},
                            geometry=[shapely.LineString([(xmin, ymin + 0.3 * (ymax - ymin)),
                                                          (xmax, ymax - 0.2 * (ymax - ymin))])],
                            crs=UTM)
    roads = gpd.GeoDataFrame(pd.concat([roads, rail], ignore_index=True), crs=UTM)
    # fibre routes: each operator along every 10th vertical grid line, cut in ~2 km pieces
    lines, ops, names = [], [], []
    for o, op in enumerate(["Viettel", "VNPT"]):
        for c in range(3 + 5 * o, n_grid, 10):
            x = X0 + c * SPACING_M
            ys = np.arange(ymin, ymax, 2000.0)
            for p, (y0, y1) in enumerate(zip(ys, np.append(ys[1:], ymax))):
                seg = [(x + 15, y0), (x + 15, y1)]
                lines.append(shapely.LineString(seg[::-1] if rng.random() < 0.2 else seg))
                ops.append(op)
                names.append(f"{op} tuyến {c} đoạn {p + 1}")
    fibre = gpd.GeoDataFrame({"route_id": [f"FR{i}" for i in range(len(lines))],
                              "operator": ops, "name": names}, geometry=lines, crs=UTM)
    n_olt = max(int((xmax - xmin) * (ymax - ymin) / 1e8), 1)
    oxy = rng.uniform([xmin, ymin], [xmax, ymax], (2 * n_olt, 2))
    olts = gpd.GeoDataFrame({"ap_id": [f"OLT{i}" for i in range(2 * n_olt)],
                             "operator": ["Viettel", "VNPT"] * n_olt, "kind": "OLT",
                             "ports_total": np.nan, "ports_used": np.nan},
                            geometry=gpd.points_from_xy(oxy[:, 0], oxy[:, 1]), crs=UTM)
    boxes = gpd.GeoDataFrame(pd.concat([boxes, olts], ignore_index=True), crs=UTM)
    return {"roads": roads, "households": households, "boxes": boxes, "hamlets": hamlets,
            "fibre": fibre, "area_km2": (xmax - xmin) * (ymax - ymin) / 1e6}


def run_stages(data: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """``compute_fibre``'s stages one by one: {stage: (seconds, peak MB during it)}."""
    params, build = fb.FibreParams(), fb.BuildParams()
    out: dict[str, tuple[float, float]] = {}
    res: dict[str, Any] = {}

    def stage(name: str, fn: Callable[[], Any]) -> None:
        with PeakRss() as mem:
            t = time.perf_counter()
            res[name] = fn()
            out[name] = (time.perf_counter() - t, mem.peak)
        print(f"    {name:<18} {out[name][0]:9.2f} s  peak {mem.peak:7.0f} MB", flush=True)

    d = data
    stage("merge_routes", lambda: fb.merge_routes(d["fibre"], params.snap_tolerance_m))
    stage("road_graph", lambda: fb.road_graph(d["roads"]))
    net = res["road_graph"]
    stage("household_reach", lambda: fb.household_reach(
        d["households"], d["boxes"], d["roads"], d["fibre"], params, network=net))
    stage("hamlet_fibre", lambda: fb.hamlet_fibre(res["household_reach"], d["hamlets"],
                                                  params))
    stage("gap_extensions", lambda: fb.gap_extensions(
        res["household_reach"], d["hamlets"], d["roads"], d["boxes"], d["fibre"], params,
        network=net, hamlet_table=res["hamlet_fibre"], build=build))
    stage("gpon_budget", lambda: fb.gpon_budget(d["boxes"], d["roads"], d["fibre"], params,
                                                network=net))
    stage("fibre_indicators", lambda: fb.fibre_indicators(res["hamlet_fibre"], None, None,
                                                          params))
    ext = res["gap_extensions"]
    print(f"    ({len(ext)} short hamlets, {np.nansum(ext['cable_m']) / 1000:,.0f} km of new "
          f"cable; {res['household_reach']['passed'].mean():.1%} passed today)")
    return out


def scale(fractions: list[float], seed: int) -> None:
    print(f"goal: cost per household at the largest size <= {GOAL_RATIO} x the smallest's")
    results = []
    for f in fractions:
        t = time.perf_counter()
        data = province(f, seed)
        n_hh = len(data["households"])
        print(f"\n== {f:g} of the province: {n_hh:,} households, "
              f"{len(data['roads']):,} road lines "
              f"({shapely.length(data['roads'].geometry.values).sum() / 1000:,.0f} km), "
              f"{len(data['boxes']):,} access points, {len(data['hamlets']):,} hamlets, "
              f"{len(data['fibre']):,} route pieces, {data['area_km2']:,.0f} km² "
              f"(made in {time.perf_counter() - t:.1f} s)", flush=True)
        results.append((f, n_hh, run_stages(data)))
        del data
    stages = list(results[0][2])
    print("\ncost per 1,000 households (s) and peak memory (MB) per stage")
    print(f"{'stage':<18}" + "".join(f"{f'{f:g} ({n:,} hh)':>26}" for f, n, _ in results)
          + f"{'ratio largest/smallest':>24}")
    for name in [*stages, "TOTAL"]:
        cells, per = [], []
        for _, n, r in results:
            secs = sum(v[0] for v in r.values()) if name == "TOTAL" else r[name][0]
            peak = max(v[1] for v in r.values()) if name == "TOTAL" else r[name][1]
            per.append(secs / n * 1000)
            cells.append(f"{per[-1]:9.4f} s {peak:7.0f} MB ")
        ratio = per[-1] / per[0] if per[0] > 0 else float("nan")
        flag = "ok" if ratio <= GOAL_RATIO else "ABOVE GOAL"
        print(f"{name:<18}" + "".join(f"{c:>26}" for c in cells)
              + f"{ratio:>15.2f} {flag if name == 'TOTAL' else ''}")
    print(f"goal: TOTAL ratio <= {GOAL_RATIO}")


GOAL_DENSITY_EXPONENT = 1.2


def density(sizes: list[int], seed: int) -> None:
    """Density mode (see the module docstring)."""
    params = fb.FibreParams(hamlet_rule="share", hamlet_share=0.8)
    rows = []
    for n in sizes:
        rng = np.random.default_rng(seed)
        roads, households, boxes, hamlets = synthetic(n, 60.0, 12, rng, hamlets_k=3)
        net = fb.road_graph(roads)
        with PeakRss() as mem_r:
            t = time.perf_counter()
            reach = fb.household_reach(households, boxes, roads, None, params, network=net)
            t_reach = time.perf_counter() - t
        table = fb.hamlet_fibre(reach, hamlets, params)
        with PeakRss() as mem_e:
            t = time.perf_counter()
            ext = fb.gap_extensions(reach, hamlets, roads, boxes, None, params, network=net,
                                    hamlet_table=table)
            t_ext = time.perf_counter() - t
        rows.append((n, t_ext))
        print(f"{n:>9,} households: reach {t_reach:7.2f} s (peak {mem_r.peak:6.0f} MB), "
              f"extensions {t_ext:7.2f} s (peak {mem_e.peak:6.0f} MB; {len(ext)} short "
              f"hamlets, {int(ext['boxes'].sum()):,} boxes)", flush=True)
    (n0, t0), (n1, t1) = rows[0], rows[-1]
    e = np.log(t1 / t0) / np.log(n1 / n0)
    print(f"extensions' time grows as households^{e:.2f} "
          f"({'ok' if e <= GOAL_DENSITY_EXPONENT else 'ABOVE GOAL'}; goal <= "
          f"{GOAL_DENSITY_EXPONENT})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=50_000)
    ap.add_argument("--road-km", type=float, default=2000.0)
    ap.add_argument("--boxes", type=int, default=500)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--scale", action="store_true",
                    help="scaling mode: 1/16, 1/4 and 1 of a province, per stage")
    ap.add_argument("--quick", action="store_true", help="with --scale: skip the province")
    ap.add_argument("--fractions", default=None,
                    help="with --scale: comma-separated fractions of the province")
    ap.add_argument("--density", action="store_true",
                    help="density mode: more households on the same roads")
    ap.add_argument("--densities", default="12500,50000,100000",
                    help="with --density: comma-separated household counts")
    args = ap.parse_args()
    if args.density:
        density([int(v) for v in args.densities.split(",")], args.seed)
        return
    if args.scale:
        fractions = ([float(f) for f in args.fractions.split(",")] if args.fractions
                     else [1 / 16, 1 / 4] + ([] if args.quick else [1.0]))
        scale(fractions, args.seed)
        return
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
