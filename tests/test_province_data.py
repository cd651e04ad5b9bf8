"""The synthetic province generator of benchmarks/bench_province.py, on one small unit.

Checked against what the generator was asked for and against the bundled unit itself: the
files load with load_project, the counts are the ones requested (households shared by the
stated rule, 3 sectors per mast), every layer is in UTM 48N and inside the unit, the hamlets
partition the unit, and the cache is honoured.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely

from benchmarks import province_data as pdata
from coverage_gis.io import units as admin
from coverage_gis.io.project import load_project

UNIT = "14818"   # phường Quang Trung, 29 km²
SIZE = pdata.Size(units=(UNIT,), households=200_000, masts=1_000, access_points=2_000,
                  boundary="unit", seed=7)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    folder = tmp_path_factory.mktemp("province") / "one"
    stamp = pdata.generate(folder, SIZE, log=lambda *_: None)
    return folder, stamp


@pytest.fixture(scope="module")
def unit_utm():
    units = admin.load_units()
    return units.loc[units["unit_code"] == UNIT].to_crs(32648).geometry.iloc[0]


def _expected_share(total: int, column: str, code: str = UNIT, seed: int = SIZE.seed) -> int:
    """The unit's share of a province-wide total, recomputed from the weights (largest
    remainders, as the generator shares it)."""
    units = pdata.province_units()
    weights = pdata.unit_weights(units, pdata.Landscape(units.total_bounds, seed))
    w = weights[column].to_numpy()
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    extra = total - base.sum()
    order = np.argsort(base - raw)[:extra]
    base[order] += 1
    return int(base[weights["unit_code"].to_numpy() == code][0])


def test_loads_with_counts_and_crs(scenario, unit_utm):
    folder, stamp = scenario
    project = load_project(folder / "scenario.toml")
    assert project.crs.to_epsg() == 32648
    n_hh = _expected_share(SIZE.households, "households")
    n_masts = max(1, _expected_share(SIZE.masts, "masts"))
    n_boxes = _expected_share(SIZE.access_points, "boxes")
    assert n_hh > 1000                      # the case is not trivially empty
    assert len(project.households) == n_hh
    assert len(project.sites) == 3 * n_masts
    assert project.sites.groupby("tower_id").size().eq(3).all()
    assert len(project.access_points) == n_boxes
    assert stamp["counts"]["households"] == n_hh
    # every household in its own hamlet, hamlets' counts add up
    hamlets = project.hamlets.set_index("hamlet_id")
    inside = shapely.contains(hamlets.geometry.loc[project.households["hamlet_id"]].values,
                              project.households.geometry.values)
    on_edge = shapely.distance(hamlets.geometry.loc[project.households["hamlet_id"]].values,
                               project.households.geometry.values) < 1e-6
    assert (inside | on_edge).all()
    assert hamlets["households"].sum() == n_hh
    assert hamlets["population"].sum() == project.households["population"].sum()


def test_hamlets_partition_the_unit(scenario, unit_utm):
    folder, _ = scenario
    hamlets = pyogrio.read_dataframe(folder / "hamlets.gpkg", layer="hamlets")
    assert hamlets.crs.to_epsg() == 32648
    assert hamlets["hamlet_id"].is_unique
    n_expected = max(8, round(SIZE.hamlets_per_unit * (0.5 + 0.5 * unit_utm.area / 1e6 / float(
        pdata.province_units().geometry.area.mean() / 1e6))))
    assert abs(len(hamlets) - n_expected) <= 1   # a sliver cell may be dropped
    union = shapely.union_all(hamlets.geometry.values)
    assert union.symmetric_difference(unit_utm).area < 1e-6 * unit_utm.area
    assert shapely.area(hamlets.geometry.values).sum() == pytest.approx(unit_utm.area, rel=1e-6)


def test_points_inside_and_dem_covers(scenario, unit_utm):
    folder, _ = scenario
    sites = pd.read_csv(folder / "sites.csv")
    assert set(sites["operator"]) <= set(pdata.OPERATORS)
    assert set(sites["band_mhz"]) <= {900, 1800, 2100, 3500}
    assert (sites.loc[sites["technology"] == "5G", "band_mhz"] == 3500).all()
    xy = shapely.points(*pdata.Transformer.from_crs(4326, 32648, always_xy=True).transform(
        sites["lon"].to_numpy(), sites["lat"].to_numpy()))
    assert shapely.contains(unit_utm.buffer(1.0), xy).all()
    boxes = pd.read_csv(folder / "access_points.csv")
    assert (boxes["ports_used"] <= boxes["ports_total"]).all()
    with rasterio.open(folder / "dem.tif") as dem:
        assert dem.crs.to_epsg() == 32648 and dem.res == (30.0, 30.0)
        assert dem.profile["tiled"] and dem.profile["compress"] == "deflate"
        b = dem.bounds
        x0, y0, x1, y1 = unit_utm.bounds
        assert b.left <= x0 - 2000 and b.right >= x1 + 2000
        assert b.bottom <= y0 - 2000 and b.top >= y1 + 2000
        z = dem.read(1)
    assert z.dtype == np.float32 and np.isfinite(z).all()


def test_roads_meet_at_shared_vertices(scenario):
    """Every lane starts at its village centre and every connector ends on a grid vertex:
    the network is one piece per group joined to the grid (no lane floating alone)."""
    folder, _ = scenario
    roads = pyogrio.read_dataframe(folder / "roads.gpkg", layer="roads")
    coords = shapely.get_coordinates(roads.geometry.values)
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(roads.geometry.values, i))
                      for i in (0, -1)])
    verts = {tuple(np.round(c, 6)) for c in coords}
    grid = roads[roads["road_class"].isin(["trunk", "primary", "tertiary"])]
    grid_verts = {tuple(np.round(c, 6)) for c in shapely.get_coordinates(grid.geometry.values)}
    conn = roads[roads["road_class"] == "unclassified"]
    conn_end = shapely.get_coordinates(shapely.get_point(conn.geometry.values, -1))
    assert len(conn) > 0 and all(tuple(np.round(c, 6)) in grid_verts for c in conn_end)
    assert all(tuple(np.round(c, 6)) in verts for c in ends)


def test_cached_then_remade(scenario):
    folder, stamp = scenario
    marker = folder / "sites.csv"
    before = marker.stat().st_mtime_ns
    again = pdata.generate(folder, SIZE, log=lambda *_: None)
    assert again == json.loads((folder / pdata.STAMP).read_text())
    assert marker.stat().st_mtime_ns == before       # cached: nothing written
    other = pdata.Size(**{**SIZE.__dict__, "seed": 8})
    assert other.key() != SIZE.key()


def test_part_of_the_province_loads(tmp_path):
    """Two units as a part of the province: ``[scenario] province`` plus a commune layer of
    those units (the bundled boundaries, with their codes)."""
    size = pdata.Size(units=(UNIT, "14812"), households=50_000, masts=500, access_points=500,
                      seed=3)
    pdata.generate(tmp_path / "two", size, log=lambda *_: None)
    text = (tmp_path / "two" / "scenario.toml").read_text(encoding="utf-8")
    assert 'province = "Thanh Hóa"' in text and "commune.gpkg" in text
    project = load_project(tmp_path / "two" / "scenario.toml")
    assert sorted(project.commune["unit_code"]) == ["14812", UNIT]
    units = admin.load_units().set_index("unit_code")
    for code in ("14812", UNIT):
        theirs = units.loc[[code]].to_crs(32648).geometry.iloc[0]
        mine = project.commune.set_index("unit_code").geometry.loc[code]
        assert mine.symmetric_difference(theirs).area < 1e-6 * theirs.area
    assert set(project.hamlets["unit_code"]) == {"14812", UNIT}
    assert len(project.households) == sum(_expected_share(50_000, "households", c, seed=3)
                                          for c in ("14812", UNIT))
