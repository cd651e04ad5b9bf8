"""Loader speed: how long reading and validating large real-sized layers takes.

Prints figures; it asserts nothing (speed is measured here, never in timed tests).
Run: `make benchmark` or `.venv/bin/python benchmarks/bench_loaders.py [--households N]`.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import coverage_gis as cg

LON, LAT = 105.862, 20.065


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn, *args, repeat: int = 3, **kwargs):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    n = len(out) if hasattr(out, "__len__") else 0
    print(f"{label:<45} {n:>8} rows  {best * 1000:9.1f} ms  ({n / best:,.0f} rows/s)  "
          f"peak RSS {peak_rss_mb():.0f} MB")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--cells", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        n = args.households
        lon = LON + rng.normal(0, 0.05, n)
        lat = LAT + rng.normal(0, 0.05, n)
        hh = pd.DataFrame({"household_id": [f"H{i}" for i in range(n)],
                           "is_cultural_house": rng.random(n) < 0.001,
                           "population": rng.integers(1, 8, n), "lon": lon, "lat": lat})
        hh.to_csv(d / "households.csv", index=False)
        gpd.GeoDataFrame(hh.drop(columns=["lon", "lat"]),
                         geometry=gpd.points_from_xy(lon, lat), crs=4326).to_file(
            d / "households.gpkg", layer="households")
        m = args.cells
        radios = rng.choice(["GSM", "UMTS", "LTE", "NR"], m)
        ocid = pd.DataFrame({
            "radio": radios, "mcc": 452, "net": rng.choice([1, 2, 4, 5], m),
            "area": rng.integers(1, 60000, m), "cell": np.arange(m) + 1000, "unit": "",
            "lon": LON + rng.normal(0, 1, m), "lat": LAT + rng.normal(0, 1, m),
            "range": 1000, "samples": 3, "changeable": 1, "created": 1600000000,
            "updated": 1700000000, "averageSignal": 0})
        ocid.to_csv(d / "452.csv", index=False, header=False)
        print(f"coverage_gis {cg.__version__} loader benchmark (best of 3)")
        timed("read_households (CSV, lon/lat)", cg.read_households, d / "households.csv")
        timed("read_households (GeoPackage)", cg.read_households, d / "households.gpkg")
        timed("read_sites (OpenCelliD, no header)", cg.read_sites, d / "452.csv")
        sample = cg.settings.DEFAULT_SCENARIO
        if sample.exists():
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cg.load_project(sample)
            print(f"{'load_project (bundled Quang Trung sample)':<45} {'':>8}       "
                  f"{(time.perf_counter() - t0) * 1000:9.1f} ms  peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
