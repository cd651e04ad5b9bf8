"""Terrain speed: the radial sweep of terrain_loss_grid for one site.

A synthetic hilly DEM (a sum of Gaussian hills, 30 m pixels, 25 km x 25 km) in UTM 48N, one site
in the middle, a 10 km radius; the grid at 30 m and at 10 m. Prints wall times (best of a few
runs, the first call's numba compile or cache load reported separately) and the process's peak
memory (ru_maxrss, which only grows: each figure is the peak so far). Asserts nothing.
Target: the 30 m grid under 0.5 s on one core.

Run: `.venv/bin/python benchmarks/bench_terrain.py [--radius 10000] [--deygout]`.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time

import numpy as np
from affine import Affine
from pyproj import CRS

from coverage_gis.io.readers import Raster
from coverage_gis.radio import kernels, terrain


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hilly_dem(size_m: float = 25_000.0, res_m: float = 30.0, seed: int = 1) -> Raster:
    rng = np.random.default_rng(seed)
    n = int(size_m / res_m)
    c = (np.arange(n) + 0.5) * res_m
    xx, yy = np.meshgrid(c, c[::-1])
    z = np.full((n, n), 5.0)
    for _ in range(80):
        cx, cy = rng.uniform(0, size_m, 2)
        sigma = rng.uniform(200.0, 2000.0)
        z += rng.uniform(10.0, 250.0) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2)
                                               / (2 * sigma**2))
    return Raster(z.astype(np.float32), Affine(res_m, 0, 0, 0, -res_m, size_m),
                  CRS.from_epsg(32648), "synthetic hills")


def run(dem: Raster, res_m: float, radius_m: float, method: str, repeat: int) -> None:
    x0 = y0 = 12_500.0
    gx = np.arange(x0 - radius_m + res_m / 2, x0 + radius_m, res_m)
    gy = np.arange(y0 + radius_m - res_m / 2, y0 - radius_m, -res_m)
    rays = max(8, math.ceil(2 * math.pi * radius_m / res_m))
    samples = math.ceil(radius_m / res_m) + 1
    args = (dem, x0, y0, 35.0, 1.5, 1800.0, gx, gy, radius_m)
    t0 = time.perf_counter()
    loss, los = terrain.terrain_loss_grid(*args, method=method)
    first = time.perf_counter() - t0
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        loss, los = terrain.terrain_loss_grid(*args, method=method)
        best = min(best, time.perf_counter() - t0)
    t0 = time.perf_counter()
    terrain.line_of_sight_grid(dem, x0, y0, 35.0, 1.5, gx, gy, radius_m)
    los_only = time.perf_counter() - t0
    inside = np.isfinite(loss)
    print(f"{method:<8} grid {res_m:>4g} m  {gx.size}x{gy.size} cells ({inside.sum():,} in the "
          f"disc), {rays} rays x {samples} samples")
    print(f"    first call {first:7.3f} s   steady {best:7.3f} s   LOS only {los_only:6.3f} s"
          f"   peak RSS so far {peak_rss_mb():.0f} MB")
    print(f"    LOS share {los[inside].mean():.1%}, mean loss {np.nanmean(loss):.1f} dB, "
          f"max {np.nanmax(loss):.1f} dB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--radius", type=float, default=10_000.0)
    parser.add_argument("--deygout", action="store_true", help="also time method='deygout'")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"numba threads available: {os.cpu_count()}, the sweep uses one")
    print(f"peak RSS before: {peak_rss_mb():.0f} MB")
    dem = hilly_dem()
    print(f"DEM {dem.shape[1]}x{dem.shape[0]} px at 30 m, {np.nanmin(dem.data):.0f}-"
          f"{np.nanmax(dem.data):.0f} m; peak RSS {peak_rss_mb():.0f} MB")
    methods = ["single", "deygout"] if args.deygout else ["single"]
    for method in methods:
        for res in (30.0, 10.0):
            run(dem, res, args.radius, method, args.repeat if res == 30.0 else 1)
    stats = kernels.sweep.stats
    print(f"numba kernel: cache hits {sum(stats.cache_hits.values())}, "
          f"misses (compiled) {sum(stats.cache_misses.values())}")


if __name__ == "__main__":
    main()
