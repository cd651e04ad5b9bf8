"""Coverage engine speed: the whole chain (link budget, antenna, terrain, best server).

Cases (issue 3): one site with a 10 km radius and terrain on a 30 m grid, the same at 10 m;
the whole bundled sample (load + analyze); a synthetic 200 km² area with 300 cells on hilly
terrain. Prints wall time (after a warm-up call that loads numba's cache) and the process's peak
memory so far (ru_maxrss). Asserts nothing.

Targets: the 10 km terrain-aware site at 30 m under 0.5 s; the whole sample under 10 s.
Run: `make benchmark` or `.venv/bin/python benchmarks/bench_coverage.py [--quick]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, os.path.dirname(__file__))
from bench_terrain import hilly_dem  # noqa: E402  (the same synthetic terrain)

import coverage_gis as cg  # noqa: E402
from coverage_gis.engines import coverage as cov  # noqa: E402
from coverage_gis.pipeline import analyze  # noqa: E402

UTM = "EPSG:32648"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<58} {seconds:8.2f} s   peak RSS {peak_rss_mb():6.0f} MB  {extra}")


def cells_at(xy: np.ndarray, rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = len(xy)
    return gpd.GeoDataFrame({
        "site_id": [f"C{i}" for i in range(n)], "operator": rng.choice(
            ["Viettel", "VinaPhone", "MobiFone", "Vietnamobile"], n),
        "technology": "4G", "band_mhz": 1800.0, "bandwidth_mhz": 20.0,
        "height_m": rng.uniform(25, 45, n), "azimuth_deg": rng.choice([0.0, 120.0, 240.0], n),
        "beamwidth_deg": 65.0, "tilt_deg": 4.0, "eirp_dbm": 61.0, "status": "existing",
        "tower_id": None, "defaulted": ""}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=UTM)


def one_site(dem, resolution_m: float) -> float:
    """One omni cell forced to a 10 km reach over a 20 km x 20 km study grid."""
    x0 = dem.transform.c + 12_500
    y0 = dem.transform.f - 12_500
    hamlets = gpd.GeoDataFrame({"hamlet_id": ["A"], "name": ["a"]},
                               geometry=[shapely.box(x0 - 9000, y0 - 9000, x0 + 9000,
                                                     y0 + 9000)], crs=UTM)
    cells = cells_at(np.array([[x0, y0]]), np.random.default_rng(0))
    cells["eirp_dbm"] = 90.0  # so that the link budget reaches beyond the 10 km cap
    params = cov.CoverageParams(resolution_m=resolution_m, margin_m=1000, max_range_m=10_000)
    cov.compute_coverage(cells, hamlets, dem, params)  # warm-up: numba cache, DEM reproject
    t0 = time.perf_counter()
    cov.compute_coverage(cells, hamlets, dem, params)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 10 m and 300-cell cases")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"coverage_gis {cg.__version__} coverage benchmark on {os.cpu_count()} CPU(s)")

    dem30 = hilly_dem(res_m=30.0)
    dem30 = cg.Raster(dem30.data, dem30.transform, cg.resolve_crs(UTM), "hilly")
    report("one site, 10 km radius, terrain, 30 m grid", one_site(dem30, 30.0))
    if not args.quick:
        report("one site, 10 km radius, terrain, 10 m grid", one_site(dem30, 10.0))

    t0 = time.perf_counter()
    project = cg.load_project()
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = analyze(project)
    t_an = time.perf_counter() - t0
    report("whole sample: load_project + analyze", t_load + t_an,
           f"(load {t_load:.2f} s, analyze {t_an:.2f} s, {len(result.coverage.cells)} cells, "
           f"grid {result.coverage.grid.width}x{result.coverage.grid.height})")

    if not args.quick:
        rng = np.random.default_rng(7)
        side = np.sqrt(200e6)  # a 200 km² square
        left = dem30.transform.c + (25_000 - side) / 2
        top = dem30.transform.f - (25_000 - side) / 2
        towers = np.column_stack([rng.uniform(left, left + side, 100),
                                  rng.uniform(top - side, top, 100)])
        cells = cells_at(np.repeat(towers, 3, axis=0), rng)
        cells["azimuth_deg"] = np.tile([0.0, 120.0, 240.0], 100)
        hamlets = gpd.GeoDataFrame({"hamlet_id": ["A"], "name": ["a"]},
                                   geometry=[shapely.box(left + 1000, top - side + 1000,
                                                         left + side - 1000, top - 1000)],
                                   crs=UTM)
        t0 = time.perf_counter()
        res = cov.compute_coverage(cells, hamlets, dem30, cov.CoverageParams())
        report("synthetic 200 km², 300 cells (100 towers), terrain, 30 m", time.perf_counter() - t0,
               f"(grid {res.grid.width}x{res.grid.height})")


if __name__ == "__main__":
    main()
