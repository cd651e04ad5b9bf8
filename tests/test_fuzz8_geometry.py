"""Fuzzing round 8, geometries: what real files hold that the loaders took silently or
crashed on (each case as the fuzzer found it, smaller)."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import coverage_gis as cg
from coverage_gis import pipeline
from coverage_gis.cli.main import main
from coverage_gis.io import project as project_io

from .conftest import SAMPLE, sample_copy

UTM = "EPSG:32648"
X0, Y0 = 588_000.0, 2_219_000.0


def hamlets_file(tmp_path, geoms, crs=UTM, name="thon.geojson"):
    path = tmp_path / name
    gpd.GeoDataFrame({"hamlet_id": [f"T{i + 1}" for i in range(len(geoms))],
                      "name": [f"Thôn {i + 1}" for i in range(len(geoms))]},
                     geometry=geoms, crs=crs).to_file(path)
    return path


def test_a_hamlet_of_overlapping_parts_is_repaired_into_their_union(tmp_path):
    """make_valid's default (linework) cut the parts' overlap out: a hamlet drawn as two
    overlapping parts kept 22 of its 250 homes (and a commune so drawn counted 0/0 towers)."""
    a = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    b = shapely.box(X0 + 300, Y0 + 300, X0 + 1300, Y0 + 1300)   # linework kept 1.02 of 1.51 km²
    path = hamlets_file(tmp_path, [shapely.MultiPolygon([a, b])])
    with pytest.warns(cg.InputWarning, match="repaired with make_valid"):
        h = cg.read_hamlets(path).to_crs(UTM)
    assert h.geometry.iloc[0].area == pytest.approx(shapely.union(a, b).area, rel=1e-6)


def test_a_constraint_with_a_nan_vertex_or_swapped_lon_lat_is_an_error_naming_it(tmp_path):
    """A NaN vertex crashed check-site and analyze (GEOSException, exit 3); a school with
    lon/lat swapped was dropped as "inf km" away and the check said OK."""
    base = {"type": "Feature", "properties": {"kind": "school", "name": "Trường"}}
    good = {**base, "geometry": {"type": "Point", "coordinates": [105.85, 20.07]}}
    for geometry, words in (
            ({"type": "Polygon", "coordinates": [[[105.85, 20.07], [105.851, 20.07],
                                                  ["NaN", 20.071], [105.85, 20.07]]]},
             r"feature 2: has NaN or infinite coordinates"),
            ({"type": "Point", "coordinates": [20.07, 105.85]},
             r"feature 2: has coordinates .* \(are lon and lat swapped\?\)")):
        path = tmp_path / "constraints.geojson"
        doc = {"type": "FeatureCollection", "features": [good, {**base, "geometry": geometry}]}
        path.write_text(json.dumps(doc).replace('"NaN"', "NaN"), encoding="utf-8")
        with pytest.raises(cg.InputError, match=words):
            cg.read_constraints(path)


def test_a_projected_vertex_beyond_the_earth_is_an_error_naming_the_feature(tmp_path):
    """A vertex at x = 1e20 m was blamed on the whole project's bounds, naming no file."""
    poly = shapely.Polygon([(X0, Y0), (1e20, Y0), (X0 + 500, Y0 + 500)])
    path = hamlets_file(tmp_path, [shapely.box(X0, Y0, X0 + 500, Y0 + 500), poly])
    with pytest.raises(cg.InputError, match=r"thon\.geojson feature 2: has coordinates beyond "
                       r"1e\+08 m"):
        cg.read_hamlets(path)


def test_a_hamlet_with_a_stray_vertex_is_named(tmp_path):
    """One vertex at 179.9°E: the errors that followed blamed the DEM."""
    stray = shapely.Polygon([(105.84, 20.06), (105.85, 20.06), (179.9, 20.065),
                             (105.84, 20.07)])
    path = hamlets_file(tmp_path, [shapely.box(105.84, 20.06, 105.85, 20.07), stray],
                        crs="EPSG:4326")
    with pytest.warns(cg.InputWarning, match=r"feature 2: hamlet_id='T2' spans 7,\d\d\d km"):
        cg.read_hamlets(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cg.read_hamlets(hamlets_file(tmp_path, [shapely.box(105.84, 20.06, 105.85, 20.07)],
                                     crs="EPSG:4326", name="ok.geojson"))


def _households(points, hamlet_ids=None):
    data = {"household_id": [f"H{i}" for i in range(len(points))]}
    if hamlet_ids is not None:
        data["hamlet_id"] = hamlet_ids
    return gpd.GeoDataFrame(data, geometry=[shapely.Point(p) for p in points], crs=UTM)


def _hamlets(*boxes):
    return gpd.GeoDataFrame({"hamlet_id": [f"T{i + 1}" for i in range(len(boxes))]},
                            geometry=[shapely.box(*b) for b in boxes], crs=UTM)


def test_a_house_on_its_hamlets_outline_belongs_to_it():
    """Snapped onto the outline, it was in no hamlet."""
    hamlets = _hamlets((0, 0, 100, 100), (100, 0, 300, 100))
    at = project_io._hamlet_at(_households([(0, 50), (50, 0), (100, 50), (150, 50)]),
                               hamlets, "hh", "thon")
    # on the line between the two: the smaller one; no overlap, no warning
    assert at.tolist() == ["T1", "T1", "T1", "T2"]


def test_overlapping_hamlets_give_the_same_houses_whatever_the_file_order():
    """Each household went to the hamlet first in the file: reordering it moved 39."""
    big, small = (0, 0, 300, 300), (200, 0, 400, 100)
    houses = _households([(250, 50), (50, 50), (350, 50)])
    with pytest.warns(cg.InputWarning, match=r"1 household\(s\) lie inside more than one "
                      r"hamlet.*T1 and T2 \(1\)"):
        one = project_io._hamlet_at(houses, _hamlets(big, small), "hh", "thon")
    with pytest.warns(cg.InputWarning, match="overlap"):
        other = project_io._hamlet_at(houses, _hamlets(small, big), "hh", "thon")
    assert one.tolist() == ["T2", "T1", "T2"]         # the smaller one holds the overlap
    assert other.tolist() == ["T1", "T2", "T1"]       # the same polygons, named the other way


def test_a_hamlet_whose_households_lie_in_no_polygon_is_named():
    """A hamlet's polygon moved away from its 180 households: validate said OK."""
    ids = pd.Series(["T2"] * 5 + ["T1"] * 5, dtype=object)
    located = pd.Series([None] * 5 + ["T1"] * 5, dtype=object)
    with pytest.warns(cg.InputWarning, match=r"or in none: T2: 5 of 5 in no hamlet \(5\)"):
        project_io._warn_elsewhere(ids, located, "hh.gpkg", "thon.geojson")


def test_a_hamlet_split_by_the_units_boundary_is_named(tmp_path, capsys):
    """Only 36 % of QT06 inside the commune: it was left out of the plan unit's M4 and F2
    (F2 shown met) without a word; and validate, where analyze sends the user to list its
    warnings, listed it too."""
    commune = gpd.read_file(SAMPLE.parent / "boundaries" / "commune.geojson").to_crs(UTM)
    hamlets = gpd.read_file(SAMPLE.parent / "boundaries" / "hamlets.geojson").to_crs(UTM)
    q = hamlets[hamlets["hamlet_id"] == "QT06"].geometry.iloc[0]
    x0, y0, x1, y1 = q.bounds
    commune.geometry = [commune.geometry.iloc[0].difference(
        shapely.box(x0 - 10, y0 - 10, x0 + (x1 - x0) * 0.6, y1 + 10))]
    commune.to_crs(4326).to_file(tmp_path / "commune.geojson")
    scenario = sample_copy(tmp_path, replace={
        '"boundaries/commune.geojson"': f'"{(tmp_path / "commune.geojson").as_posix()}"'})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = cg.load_project(scenario)
    with pytest.warns(cg.InputWarning, match=r"1 hamlet\(s\) lie partly in 14824 .* "
                      r"\(QT06 \(3\d%\)\): they do not count in its M4 and F2"):
        pipeline._warn_split_hamlets(project)
    assert main(["validate", str(scenario)]) == 0
    out = capsys.readouterr().out
    warned = out.split("Warnings")[1]
    assert "1 hamlet(s) lie partly in 14824" in warned and "QT06 (3" in warned


def test_a_fibre_route_with_a_stray_vertex_is_warned_about(tmp_path):
    """One vertex at 40°E more: the routes were 9,067 km long, drawn across the world."""
    doc = json.loads((SAMPLE.parent / "fibre" / "routes_vnpt.geojson").read_text("utf-8"))
    coords = doc["features"][0]["geometry"]["coordinates"]
    coords[2] = [coords[2][0] + 40, coords[2][1]]
    path = tmp_path / "routes_vnpt.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    scenario = sample_copy(tmp_path, replace={
        '"fibre/routes_vnpt.geojson"': f'"{path.as_posix()}"'})
    route = doc["features"][0]["properties"]["route_id"]
    with pytest.warns(cg.InputWarning, match=rf"reach far beyond the study area.*"
                      rf"route_id={route} \(4,\d\d\d km\)"):
        cg.load_project(scenario)


def test_access_points_off_every_route_are_warned_about(tmp_path):
    """The sample's boxes (VN-2000 TM-3 x/y) declared in the VN-2000 UTM grid moved 667 m:
    96 of 107 off the routes, F2 from 83 % to 17 %, without a word."""
    scenario = sample_copy(tmp_path, replace={'crs = "vn2000-thanhhoa" }':
                                              'crs = "vn2000-utm48" }'})
    assert 'crs = "vn2000-utm48"' in scenario.read_text(encoding="utf-8")
    with pytest.warns(cg.InputWarning, match=r"access_points\.csv: 9\d of 107 access points lie "
                      r"more than 100 m from every fibre route.*is the layer's CRS right"):
        cg.load_project(scenario)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cg.load_project(sample_copy(tmp_path, "ok.toml"))
    assert not [w for w in caught if "fibre route" in str(w.message)]


def test_an_infinite_lon_or_lat_is_not_called_swapped(tmp_path):
    """"lon=inf ... (are lon and lat swapped?)": infinity is no swap."""
    path = tmp_path / "sites.csv"
    path.write_text("site_id,operator,technology,lon,lat\nS1,Viettel,4G,inf,20.06\n"
                    "S2,Viettel,4G,105.8,-inf\n", encoding="utf-8")
    with pytest.raises(cg.InputError) as caught:
        cg.read_sites(path)
    text = str(caught.value)
    assert "row 1: lon=inf is outside -180..180" in text
    assert "row 2: lat=-inf is outside -90..90" in text and "swapped" not in text


def test_a_collection_of_polygons_or_lines_is_taken_as_their_multi_geometry(tmp_path):
    """A hamlet written as a GeometryCollection of its two polygons (as overlay tools and
    some exports write one) was refused as "a GeometryCollection"; a collection mixing kinds
    still is."""
    a, b = shapely.box(X0, Y0, X0 + 500, Y0 + 500), shapely.box(X0 + 900, Y0, X0 + 1400, Y0 + 500)
    gc = shapely.GeometryCollection([a, shapely.MultiPolygon([b])])
    h = cg.read_hamlets(hamlets_file(tmp_path, [gc])).to_crs(UTM)
    assert h.geometry.iloc[0].geom_type == "MultiPolygon"
    assert h.geometry.iloc[0].area == pytest.approx(a.area + b.area, rel=1e-6)
    mixed = shapely.GeometryCollection([a, shapely.Point(X0, Y0)])
    with pytest.raises(cg.InputError, match=r"thon2\.geojson feature 1: geometry="
                       r"'GeometryCollection' is a GeometryCollection; expected Polygon"):
        cg.read_hamlets(hamlets_file(tmp_path, [mixed], name="thon2.geojson"))
    routes = tmp_path / "routes.geojson"
    lines = shapely.GeometryCollection([shapely.LineString([(X0, Y0), (X0 + 800, Y0)]),
                                        shapely.LineString([(X0, Y0 + 50), (X0, Y0 + 900)])])
    gpd.GeoDataFrame({"route_id": ["R1"], "operator": ["VNPT"]}, geometry=[lines],
                     crs=UTM).to_file(routes)
    r = cg.read_fibre(routes)
    assert r.geometry.iloc[0].geom_type == "MultiLineString"
    assert r.to_crs(UTM).geometry.iloc[0].length == pytest.approx(1650, rel=1e-6)
