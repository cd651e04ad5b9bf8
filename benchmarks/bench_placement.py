"""Site suggestions: how close greedy gets to the best choice, and how long it takes.

1. On random small maximum-coverage cases (9 candidate sites, 40 households, pick 3) where the
   best choice can be found exhaustively: the ratio greedy / best (its worst case is 1 − 1/e).
2. On candidate sites of the bundled sample: the same comparison with the real coverage sets.
3. The wall time of `suggest_sites` on the sample.
4. Scaling (issue 13), `--scale`: `suggest_sites_by_unit` on synthetic studies of 100, 1,000
   and 10,000 km² (flat ground; ~90 households per km² in hamlets of about 0.6 km² every
   1.5 km, three-sector 4G towers every 1.5 km with a fifth left out to make gaps, units of
   about 66 km² as in Thanh Hóa: 166 units on ~11,000 km²), 3 sites per unit. Prints the
   wall time of the suggestions (the coverage before is computed first and not counted),
   the peak resident memory during them (sampled every 0.1 s), the cost per km², and the goal
   beside them: the cost per km² at the largest size no more than 1.3 x that at the
   smallest. `--quick` skips the largest size; `--sizes 100,400` picks others; `--dem` puts
   the study on rolling hills (a synthetic 30 m DEM, 20-150 m), where each candidate's
   coverage needs its terrain sweep.
Prints figures; asserts nothing. Run: `.venv/bin/python benchmarks/bench_placement.py`
(`--scale [--quick]` for 4 only).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak_memory import PeakRss  # noqa: E402

import coverage_gis as cg
from coverage_gis.config.scenario import Scenario
from coverage_gis.engines import placement
from coverage_gis.engines.coverage import CoverageParams, compute_coverage
from coverage_gis.engines.territory import UnitScope
from coverage_gis.io.project import Project
from coverage_gis.io.readers import Raster

UTM = "EPSG:32648"
X0, Y0 = 560_000.0, 2_200_000.0
GOAL_RATIO = 1.3
SIZES_KM2 = (100.0, 1_000.0, 10_000.0)


def random_cases(n: int = 500, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    ratios = []
    for _ in range(n):
        universe = set(range(40))
        sets = [set(rng.choice(40, size=rng.integers(3, 15), replace=False).tolist())
                for _ in range(9)]
        greedy = set().union(*(sets[i] for i, _ in placement.greedy_cover(sets, universe, 3)))
        _, best = placement.best_cover(sets, universe, 3)
        ratios.append(len(greedy) / best)
    r = np.array(ratios)
    print(f"random cases ({n}, 9 candidates, pick 3): greedy/best mean {r.mean():.4f}, "
          f"worst {r.min():.4f}, optimal in {np.mean(r == 1):.1%} of cases "
          f"(guarantee {1 - 1 / np.e:.4f})")


def sample() -> None:
    warnings.simplefilter("ignore")
    project = cg.load_project()
    t0 = time.perf_counter()
    found = placement.suggest_sites(project, max_sites=3)
    dt = time.perf_counter() - t0
    picks = found.table
    print(f"suggest_sites on the sample: {found.candidates} candidates, "
          f"{len(picks)} pick(s), M4 {found.m4_before:.0%} -> "
          f"{picks['m4_after'].iloc[-1] if len(picks) else found.m4_before:.0%}, "
          f"{dt:.1f} s")


def synthetic(area_km2: float, seed: int = 2, hh_per_km2: float = 90.0,
              block_m: float = 1500.0, tower_m: float = 1500.0, left_out: float = 0.2,
              unit_km2: float = 66.0) -> tuple[Project, list[UnitScope]]:
    """A square study of ``area_km2``: one hamlet (a 600-1000 m box) per ``block_m`` block
    with Poisson(``hh_per_km2`` x block area) households in it, a three-sector 4G tower
    (30 m, 60 dBm) near the centre of every ``tower_m`` block but a share ``left_out`` of
    them, and square units of about ``unit_km2``."""
    rng = np.random.default_rng(seed)
    side = np.sqrt(area_km2) * 1000
    nb = max(1, int(round(side / block_m)))
    w, h = rng.uniform(600, 1000, (2, nb * nb))
    i, j = np.divmod(np.arange(nb * nb), nb)
    cx = X0 + (i + 0.5) * block_m + rng.uniform(-200, 200, nb * nb)
    cy = Y0 + (j + 0.5) * block_m + rng.uniform(-200, 200, nb * nb)
    boxes = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    ids = np.array([f"T{k}" for k in range(len(boxes))], dtype=object)
    hamlets = gpd.GeoDataFrame({"hamlet_id": ids, "name": ids}, geometry=boxes, crs=UTM)
    per = rng.poisson(hh_per_km2 * block_m**2 / 1e6, len(boxes))
    k = np.repeat(np.arange(len(boxes)), per)
    b = shapely.bounds(boxes)
    x = rng.uniform(b[k, 0] + 10, b[k, 2] - 10)
    y = rng.uniform(b[k, 1] + 10, b[k, 3] - 10)
    households = gpd.GeoDataFrame({"household_id": [f"H{n}" for n in range(len(k))],
                                   "hamlet_id": ids[k]},
                                  geometry=gpd.points_from_xy(x, y), crs=UTM)
    nt = max(1, int(round(side / tower_m)))
    ti, tj = np.divmod(np.arange(nt * nt), nt)
    kept = rng.random(nt * nt) >= left_out
    ti, tj = ti[kept], tj[kept]
    tx = X0 + (ti + 0.5) * tower_m + rng.uniform(-300, 300, len(ti))
    ty = Y0 + (tj + 0.5) * tower_m + rng.uniform(-300, 300, len(ti))
    ops = np.array(["Viettel", "VinaPhone", "MobiFone"])[rng.integers(0, 3, len(ti))]
    n = len(ti)
    sites = gpd.GeoDataFrame({
        "site_id": [f"S{t}-{s}" for t in range(n) for s in range(3)],
        "tower_id": [f"S{t}" for t in range(n) for _ in range(3)],
        "operator": np.repeat(ops, 3), "technology": "4G", "band_mhz": 1800.0,
        "bandwidth_mhz": 20.0, "height_m": 30.0, "azimuth_deg": np.tile([0.0, 120.0, 240.0], n),
        "beamwidth_deg": 65.0, "tilt_deg": 4.0, "eirp_dbm": 60.0, "status": "existing",
        "defaulted": ""}, geometry=gpd.points_from_xy(np.repeat(tx, 3), np.repeat(ty, 3)),
        crs=UTM)
    nu = max(1, int(round(side / (np.sqrt(unit_km2) * 1000))))
    us = side / nu
    units = [UnitScope("unit", f"U{a:02d}{c:02d}", f"Unit {a} {c}",
                       shapely.box(X0 + a * us, Y0 + c * us, X0 + (a + 1) * us,
                                   Y0 + (c + 1) * us), "synthetic")
             for a in range(nu) for c in range(nu)]
    commune = gpd.GeoDataFrame({"name": ["all"]}, geometry=[shapely.box(X0, Y0, X0 + side,
                                                                        Y0 + side)], crs=UTM)
    project = Project(scenario=Scenario(name="synthetic", layers={}), crs=cg.resolve_crs(UTM),
                      hamlets=hamlets, sites=sites, households=households, commune=commune)
    return project, units


def hills(project: Project, margin_m: float = 8000.0, res_m: float = 30.0) -> Raster:
    """Rolling hills 20-150 m over the study and ``margin_m`` around it."""
    minx, miny, maxx, maxy = project.hamlets.total_bounds
    w, h = int((maxx - minx + 2 * margin_m) / res_m), int((maxy - miny + 2 * margin_m) / res_m)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    z = 85 + 45 * np.sin(xx / 37.0) * np.cos(yy / 53.0) + 20 * np.sin(xx / 11.0 + yy / 17.0)
    return Raster(z.astype(np.float32), Affine(res_m, 0, minx - margin_m, 0, -res_m,
                                               maxy + margin_m), project.crs)


def scaling(sizes: list[float], dem: bool = False) -> None:
    warnings.simplefilter("ignore")
    ground = "a synthetic 30 m DEM" if dem else "flat ground"
    print(f"suggest_sites_by_unit, 3 sites per unit, {ground} (coverage before not counted)")
    print(f"{'area km²':>9} {'households':>10} {'cells':>6} {'units':>5} {'candidates':>10} "
          f"{'picks':>5} {'time s':>7} {'peak MB':>8} {'ms/km²':>7}")
    costs = []
    for area in sizes:
        project, units = synthetic(area)
        if dem:
            project.dem = hills(project)
        params = CoverageParams()
        base = compute_coverage(project.sites, project.hamlets, project.dem, params)
        with PeakRss() as rss:
            t0 = time.perf_counter()
            found = placement.suggest_sites_by_unit(project, units, 3, params=params,
                                                    base=base)
            dt = time.perf_counter() - t0
        costs.append(dt / area)
        print(f"{area:9,.0f} {len(project.households):10,} {len(project.sites):6,} "
              f"{len(units):5} {found.candidates:10,} {len(found.table):5} {dt:7.1f} "
              f"{rss.peak:8,.0f} {1000 * dt / area:7.1f}", flush=True)
        del project, base, found
    if len(costs) > 1:
        ratio = costs[-1] / costs[0]
        print(f"cost per km² at {sizes[-1]:,.0f} km² / at {sizes[0]:,.0f} km²: {ratio:.2f} "
              f"(goal: at most {GOAL_RATIO}; {'met' if ratio <= GOAL_RATIO else 'NOT met'})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", action="store_true", help="only the scaling case")
    ap.add_argument("--quick", action="store_true", help="skip the largest size")
    ap.add_argument("--sizes", help="comma-separated areas (km²) for --scale")
    ap.add_argument("--dem", action="store_true", help="hills instead of flat ground")
    args = ap.parse_args()
    sizes = [float(v) for v in args.sizes.split(",")] if args.sizes else list(SIZES_KM2)
    if args.quick and len(sizes) > 1:
        sizes = sizes[:-1]
    if not args.scale:
        random_cases()
        sample()
    scaling(sizes, args.dem)


if __name__ == "__main__":
    main()
