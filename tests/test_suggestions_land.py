"""Suggestions on allowed land only (issue 11 part 1): land-use classes, road and railway
corridors, and sectors aimed at the gap."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage_gis.config import settings
from coverage_gis.config.params import SuggestionParams
from coverage_gis.engines import placement, territory
from coverage_gis.errors import InputError
from coverage_gis.io.landuse import read_landuse

from .test_coverage import UTM, X0, Y0
from .test_sharing import small_project  # noqa: F401  (fixture)


def _points(p, sp):
    unit, _ = territory.unit_area(p.commune, p.hamlets_union())
    gaps = p.households[p.households["hamlet_id"] == "T2"]
    return placement._candidate_points(p, sp, gaps.union_all(), unit)


def test_water_is_never_proposed_and_paddy_only_when_the_scenario_says(
        small_project):  # noqa: F811
    p = small_project
    pond = shapely.box(X0 + 4000, Y0 - 400, X0 + 4400, Y0)        # south-west of T2
    rice = shapely.box(X0 + 4400, Y0, X0 + 4800, Y0 + 400)        # north-east of T2
    p.landuse = gpd.GeoDataFrame({"class": ["water", "paddy"]}, geometry=[pond, rice], crs=UTM)
    every = _points(p, SuggestionParams(spacing_m=100, road_corridor_m={}))
    assert not every.intersects(pond).any()          # water: always excluded
    assert every.intersects(rice).any()              # paddy: allowed by default
    strict = _points(p, SuggestionParams(spacing_m=100, excluded_land=("paddy",)))
    assert not strict.intersects(rice).any() and not strict.intersects(pond).any()
    # nothing else is lost: the points outside both polygons are the same
    free = lambda pts: {(round(g.x), round(g.y)) for g in pts.geometry  # noqa: E731
                        if not g.intersects(pond) and not g.intersects(rice)}
    assert free(every) == free(strict)


def test_road_and_railway_corridors_by_class(small_project):  # noqa: F811
    p = small_project
    # a trunk road and a railway through T2, on the 100 m grid lines
    road = shapely.LineString([(X0 + 4000, Y0), (X0 + 4800, Y0)])
    rail = shapely.LineString([(X0 + 4400, Y0 - 400), (X0 + 4400, Y0 + 400)])
    p.roads = gpd.GeoDataFrame({"road_id": ["R1"], "road_class": ["trunk"]}, geometry=[road],
                               crs=UTM)
    p.railway = gpd.GeoDataFrame({"road_id": ["RW"]}, geometry=[rail], crs=UTM)
    pts = _points(p, SuggestionParams(spacing_m=100))
    assert pts.distance(road).min() >= settings.SUGGESTION_ROAD_CORRIDOR_M["trunk"]
    assert pts.distance(rail).min() >= settings.SUGGESTION_RAILWAY_CORRIDOR_M
    # with no corridors the grid points on the road and the railway come back
    bare = _points(p, SuggestionParams(spacing_m=100, railway_corridor_m=0,
                                       road_corridor_m={k: 0 for k in
                                                        settings.SUGGESTION_ROAD_CORRIDOR_M}))
    assert bare.distance(road).min() == 0 and bare.distance(rail).min() == 0
    assert len(bare) > len(pts)


def test_sectors_aim_at_the_centroid_of_the_gap_by_hand():
    point = shapely.Point(0, 0)
    homes = gpd.GeoSeries([shapely.Point(100, 100), shapely.Point(300, 100),
                           shapely.Point(9000, 0)], crs=UTM)  # the last is too far
    # centroid (200, 100): bearing atan2(dx=200, dy=100) from grid north
    first = math.degrees(math.atan2(200, 100))
    assert placement.aim_azimuths(point, homes) == pytest.approx(
        [round(first, 1), round(first + 120, 1), round(first + 240, 1)])
    assert placement.aim_azimuths(point, homes.iloc[2:]) == [0.0, 120.0, 240.0]


def test_aimed_sectors_gain_at_least_as_much_on_a_one_sided_gap(small_project):  # noqa: F811
    """A candidate west of T2 facing it: aimed sectors cover at least as many of T2's
    households as the fixed 0/120/240 set, and the table says where they point."""
    p = small_project
    aimed = placement.suggest_sites(p, max_sites=1, operator="MobiFone",
                                    suggestion_params=SuggestionParams(spacing_m=400))
    fixed = placement.suggest_sites(p, max_sites=1, operator="MobiFone",
                                    suggestion_params=SuggestionParams(spacing_m=400,
                                                                       aim_sectors=False))
    a, f = aimed.table.iloc[0], fixed.table.iloc[0]
    assert a["households_gained"] >= f["households_gained"]
    assert f["azimuths_deg"] == "0, 120, 240"
    azs = [float(v) for v in a["azimuths_deg"].split(",")]
    assert np.allclose(np.diff(azs) % 360, 120)


def test_landuse_files_need_a_class(tmp_path):
    f = tmp_path / "lu.geojson"
    gpd.GeoDataFrame({"name": ["Ao"]}, geometry=[shapely.box(0, 0, 1, 1)],
                     crs="EPSG:4326").to_file(f)
    with pytest.raises(InputError) as err:
        read_landuse(f)
    assert "lu.geojson" in str(err.value) and "class" in str(err.value)
    g = tmp_path / "osm.geojson"
    gpd.GeoDataFrame({"landuse": ["Paddy Field"]}, geometry=[shapely.box(0, 0, 1, 1)],
                     crs="EPSG:4326").to_file(g)
    assert list(read_landuse(g)["class"]) == ["paddy_field"]
