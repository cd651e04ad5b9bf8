"""Write the sample's SYNTHETIC drive test: ``data/measurements/drive_test.csv``.

    .venv/bin/python data/make_drive_test.py          # from the repository root; a few s

Points every ``SPACING_M`` along the sample's roads (``roads/roads.geojson``, in file order),
served by the strongest on-air 4G cell the engine predicts there (terrain from the sample's
DEM, the scenario's parameters). The "measured" RSRP is a known truth:

    rsrp_dbm = predicted - (TRUE_OFFSET_DB + TRUE_SLOPE_DB_PER_DECADE log10(d / 1 km)) + noise

with d the distance to the serving cell (m) and the noise log-normal shadowing: normal in dB,
standard deviation ``SIGMA_DB`` (8 dB), from ``numpy.random.default_rng(SEED)``; rounded to
whole dB as drive-test tools log RSRP. Only points whose noise-free level is at least
``MIN_TRUE_LEVEL_DBM`` (-110 dBm, the 4G coverage threshold) are kept: a route through the
covered part of the commune; selecting on the noise-free level does not bias the fit, and few
noisy levels fall below the -120 dBm floor that ``coverage-gis calibrate`` excludes. Then every
n-th point is kept, so that about ``TARGET_POINTS`` remain. ``coverage-gis calibrate``
should find about the true offset and slope (within their standard errors). Deterministic: a
rerun gives the same file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from coverage_gis.config.params import CoverageParams  # noqa: E402
from coverage_gis.engines.calibration import predict  # noqa: E402
from coverage_gis.io.project import load_project  # noqa: E402

#: The truth the file is drawn from (dB, dB per decade, m, dB).
TRUE_OFFSET_DB = 6.0
TRUE_SLOPE_DB_PER_DECADE = 4.0
REFERENCE_DISTANCE_M = 1000.0
SIGMA_DB = 8.0
SEED = 20260610
SPACING_M = 50.0
MIN_TRUE_LEVEL_DBM = -110.0
TARGET_POINTS = 400
OUT = HERE / "measurements" / "drive_test.csv"


def route_points(roads: gpd.GeoDataFrame, spacing_m: float) -> gpd.GeoDataFrame:
    """Points every ``spacing_m`` along each road (metric CRS), roads in file order."""
    points = [line.interpolate(k * spacing_m) for line in roads.geometry
              for k in range(int(line.length // spacing_m) + 1)]
    return gpd.GeoDataFrame(geometry=points, crs=roads.crs)


def main() -> None:
    project = load_project(HERE / "quang_trung.toml")
    params = CoverageParams.from_scenario(project.scenario.parameters)
    points = route_points(project.roads, SPACING_M)
    pred = predict(points, project.sites, params, project.dem, landcover=project.landcover,
                   hamlets=project.hamlets)
    pred = pred[pred["excluded"] == ""].reset_index(drop=True)
    correction = TRUE_OFFSET_DB + TRUE_SLOPE_DB_PER_DECADE * np.log10(
        np.maximum(pred["distance_m"].to_numpy(float), 1.0) / REFERENCE_DISTANCE_M)
    true_level = pred["predicted_dbm"].to_numpy(float) - correction
    keep = pred[true_level >= MIN_TRUE_LEVEL_DBM]
    true_level = true_level[true_level >= MIN_TRUE_LEVEL_DBM]
    step = max(1, len(keep) // TARGET_POINTS)
    keep, true_level = keep.iloc[::step], true_level[::step]
    rng = np.random.default_rng(SEED)
    measured = np.round(true_level + rng.normal(0.0, SIGMA_DB, len(keep)))
    lonlat = keep.to_crs("EPSG:4326").geometry
    table = pd.DataFrame({"lon": lonlat.x.round(7), "lat": lonlat.y.round(7),
                          "rsrp_dbm": measured.astype(int), "cell_id": keep["site_id"]})
    OUT.parent.mkdir(exist_ok=True)
    tmp = OUT.with_suffix(".csv.tmp")
    table.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, OUT)
    print(f"wrote {OUT.relative_to(HERE.parent)}: {len(table)} points, "
          f"{table['cell_id'].nunique()} cells, rsrp {table['rsrp_dbm'].min()} to "
          f"{table['rsrp_dbm'].max()} dBm, distances {keep['distance_m'].min():.0f} to "
          f"{keep['distance_m'].max():.0f} m")


if __name__ == "__main__":
    main()
