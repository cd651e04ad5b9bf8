"""OpenStreetMap extracts and building footprints as real inputs (issue 12, part 3).

References are independent of the code under test: counts made by hand from the fixtures
(cross-checked with the standard library's XML parser), polygons rebuilt from the raw node
coordinates, areas from pyproj's geodesic polygon area (not the UTM projection the code uses),
and the fixtures' designed sizes. Fixtures: ``tests/fixtures/real/README.md``.
"""

from __future__ import annotations

import gzip
import json
import shutil
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from pyproj import Geod

from coverage_gis.errors import InputError, InputWarning
from coverage_gis.io import buildings as B
from coverage_gis.io import osm
from coverage_gis.io.readers import read_households

REAL = Path(__file__).parent / "fixtures" / "real"
HANOI = REAL / "hanoi_van_mieu.osm"
HANOI_PBF = REAL / "hanoi_van_mieu.osm.pbf"
SYNTH = REAL / "synthetic_negative_cases.osm"
GOOGLE = REAL / "synthetic_open_buildings.csv"
MICROSOFT = REAL / "synthetic_ms_buildings.geojsonl"
GEOD = Geod(ellps="WGS84")
ROADS = {"motorway", "trunk", "primary", "secondary", "tertiary", "unclassified",
         "residential", "service", "living_street", "pedestrian", "track", "road"}


# --------------------------------------------------------------------------------------------
# An independent reading of the XML (standard library only)
# --------------------------------------------------------------------------------------------

def _xml(path: Path) -> tuple[dict[int, tuple[float, float]], list[dict], list[dict]]:
    """(node id -> (lon, lat), ways, relations), each way/relation {id, tags, refs|members}."""
    root = ET.parse(path).getroot()
    nodes = {int(n.get("id")): (float(n.get("lon")), float(n.get("lat")))
             for n in root.iter("node")}
    ways = [{"id": int(w.get("id")), "tags": {t.get("k"): t.get("v") for t in w.iter("tag")},
             "refs": [int(nd.get("ref")) for nd in w.iter("nd")]} for w in root.iter("way")]
    rels = [{"id": int(r.get("id")), "tags": {t.get("k"): t.get("v") for t in r.iter("tag")},
             "members": [(m.get("role"), int(m.get("ref"))) for m in r.iter("member")]}
            for r in root.iter("relation")]
    return nodes, ways, rels


def _geodesic_m2(poly: shapely.Polygon) -> float:
    return abs(GEOD.geometry_area_perimeter(poly)[0])


# --------------------------------------------------------------------------------------------
# Roads
# --------------------------------------------------------------------------------------------

def test_real_extract_roads_are_highway_ways_only():
    roads = osm.read_osm_roads(HANOI)
    # Counted by hand in hanoi_van_mieu.osm: ways tagged highway=service (14), residential (5),
    # tertiary (5) and primary (2); the 66 footways, 12 steps and 19 squares (area=yes:
    # 15 pedestrian, 4 footway) are not roads.
    assert len(roads) == 26
    assert Counter(roads["road_class"]) == {"service": 14, "residential": 5, "tertiary": 5,
                                            "primary": 2}
    assert roads.attrs["excluded"] == {"highway=footway": 62, "area=yes": 19,
                                       "highway=steps": 12}
    nodes, ways, _ = _xml(HANOI)
    expected = {w["id"] for w in ways
                if w["tags"].get("highway") in ROADS and w["tags"].get("area") != "yes"}
    assert set(roads["osm_id"]) == expected
    assert roads.crs.to_epsg() == 4326
    assert roads["road_id"].is_unique


def test_walls_kerbs_ferry_and_railways_never_become_roads():
    nodes, ways, _ = _xml(HANOI)
    kinds = Counter()
    not_roads = set()
    for w in ways:
        t = w["tags"]
        if "barrier" in t or t.get("route") == "ferry" or "railway" in t or "building" in t:
            not_roads.add(w["id"])
            kinds[t.get("barrier") or t.get("route") or ("railway" if "railway" in t
                                                         else "building")] += 1
    # the real extract holds walls, kerbs, a ferry route and a metro line under construction
    assert kinds["wall"] == 26 and kinds["kerb"] == 8 and kinds["ferry"] == 1
    assert kinds["railway"] == 2
    roads = osm.read_osm_roads(HANOI, include_paths=True)
    assert not_roads.isdisjoint(set(roads["osm_id"]))
    synth = osm.read_osm_roads(SYNTH, include_paths=True)
    names = set(synth["name"].dropna())
    assert "Đò ngang" not in names  # the ferry
    assert not (set(synth["highway"]) & {"construction", "proposed", "platform"})


def test_road_geometry_is_the_ways_nodes():
    nodes, ways, _ = _xml(HANOI)
    roads = osm.read_osm_roads(HANOI).set_index("osm_id")
    for w in ways:
        if w["id"] in roads.index:
            want = [nodes[r] for r in w["refs"]]
            got = list(roads.at[w["id"], "geometry"].coords)
            np.testing.assert_allclose(got, want, atol=1e-7)


def test_road_class_mapping_and_national_roads():
    roads = osm.read_osm_roads(SYNTH).set_index("osm_id")
    # synthetic_negative_cases.osm, by design: 7 roads
    assert len(roads) == 7
    assert roads.at[9000000001, "road_class"] == "trunk"          # highway=trunk, ref QL.1A
    assert bool(roads.at[9000000001, "national_road"])
    assert roads.at[9000000002, "road_class"] == "primary"        # secondary but ref QL217B
    assert roads.at[9000000002, "highway"] == "secondary"
    assert bool(roads.at[9000000002, "national_road"])
    assert roads.at[9000000003, "road_class"] == "primary"        # primary_link
    assert roads.at[9000000018, "road_class"] == "tertiary"       # ref ĐT.522 (provincial)
    assert not bool(roads.at[9000000018, "national_road"])
    assert roads.at[9000000005, "road_class"] == "track"
    # the way whose middle node is missing from the extract keeps its two known nodes
    assert len(roads.at[9000000019, "geometry"].coords) == 2
    with_paths = osm.read_osm_roads(SYNTH, include_paths=True)
    assert len(with_paths) == 9
    assert {"footway", "path"} <= set(with_paths["road_class"])


@pytest.mark.parametrize("ref, national", [("QL1A", True), ("QL.217B", True), ("ql 45", True),
                                           ("AH1;QL1A", True), ("ĐT.522", False),
                                           ("QLO", False), (None, False), ("TL2", False)])
def test_national_road_refs(ref, national):
    assert osm.is_national_road(ref) is national


def test_roads_cut_to_a_bbox():
    box = (105.8350, 21.0270, 105.8370, 21.0290)
    full = osm.read_osm_roads(HANOI)
    cut = osm.read_osm_roads(HANOI, bbox=box)
    area = shapely.box(*box)
    assert 0 < len(cut)
    assert all(area.buffer(1e-9).contains(g) for g in cut.geometry)
    crossing = full[full.geometry.crosses(area)]
    assert len(crossing) > 0
    assert set(crossing["osm_id"]) <= set(cut["osm_id"])
    assert shapely.length(cut.geometry.values).sum() < shapely.length(full.geometry.values).sum()


# --------------------------------------------------------------------------------------------
# Railways
# --------------------------------------------------------------------------------------------

def test_railways():
    rail = osm.read_osm_railways(SYNTH)
    assert sorted(rail["railway"]) == ["narrow_gauge", "rail"]
    assert "Đường sắt Bắc - Nam" in set(rail["name"])
    assert set(rail["road_id"]) == {"osm_way_9000000015", "osm_way_9000000016"}
    # the real extract's only railways are metro line 3 under construction: not a railway here
    real = osm.read_osm_railways(HANOI)
    assert real.empty
    assert len(osm.read_osm_railways(HANOI, values=("construction",))) == 2


# --------------------------------------------------------------------------------------------
# OSM buildings
# --------------------------------------------------------------------------------------------

def _polygons(path: Path) -> dict[int, tuple[str, shapely.Polygon]]:
    """Closed building ways rebuilt from the raw coordinates: id -> (building tag, polygon)."""
    nodes, ways, _ = _xml(path)
    return {w["id"]: (w["tags"]["building"], shapely.Polygon([nodes[r] for r in w["refs"]]))
            for w in ways if "building" in w["tags"] and w["refs"][0] == w["refs"][-1]}


def test_real_buildings_points_inside_and_min_area():
    homes = osm.read_osm_buildings(HANOI)
    polys = _polygons(HANOI)
    residential = {i: p for i, (b, p) in polys.items()
                   if b not in ("temple", "commercial", "kindergarten")}
    # counted by hand: 127 residential footprints (101 yes, 26 house); 5 non-residential
    assert len(residential) == 127
    assert homes.attrs["excluded"] == {"building=temple": 3, "building=commercial": 1,
                                       "building=kindergarten": 1}
    small = {i for i, p in residential.items() if _geodesic_m2(p) < 20.0}
    assert homes.attrs["buildings"]["too_small"] == len(small) == 15
    assert len(homes) == 127 - 15
    assert set(homes["osm_id"]) == set(residential) - small
    for _, row in homes.iterrows():
        poly = residential[row["osm_id"]]
        assert poly.contains(row.geometry)
        assert row["area_m2"] == pytest.approx(_geodesic_m2(poly), rel=0.003)
    assert (homes["source"] == "OpenStreetMap (ODbL)").all()
    assert homes["household_id"].str.fullmatch(r"osm_way_\d+").all()


def test_synthetic_buildings_dwellings_and_exclusions():
    homes = osm.read_osm_buildings(SYNTH)
    # by design: house 1, apartments with building:flats=12 -> 12, apartments without -> 1,
    # U-shaped house 1, courtyard multipolygon 1, a house mapped as a node 1; the 3 x 4 m
    # shed is under 20 m²; industrial, school and construction are not dwellings
    assert len(homes) == 17
    assert homes.attrs["excluded"] == {"building=industrial": 1, "building=school": 1,
                                       "building=construction": 1}
    flats = homes[homes["osm_id"] == 9000000103]
    assert sorted(flats["household_id"]) == sorted(f"osm_way_9000000103-{k}"
                                                   for k in range(1, 13))
    assert (flats.geometry == flats.geometry.iloc[0]).all()
    assert homes.set_index("household_id").at["osm_way_9000000101", "area_m2"] == \
        pytest.approx(80.0, rel=0.01)                       # drawn 10 m x 8 m
    assert homes.set_index("household_id").at["osm_relation_900000001", "area_m2"] == \
        pytest.approx(900.0 - 400.0, rel=0.01)              # 30 x 30 m with a 20 x 20 m yard
    two = osm.read_osm_buildings(SYNTH, dwellings_per_building=2)
    assert len(two) == 2 + 12 + 2 + 2 + 2 + 2
    assert len(osm.read_osm_buildings(SYNTH, min_area_m2=0)) == 18
    assert len(osm.read_osm_buildings(SYNTH, min_area_m2=100)) == 12 + 1 + 1 + 1


def test_points_stay_inside_u_shapes_and_courtyards():
    homes = osm.read_osm_buildings(SYNTH).drop_duplicates("osm_id").set_index("household_id")
    nodes, ways, rels = _xml(SYNTH)
    by_id = {w["id"]: shapely.Polygon([nodes[r] for r in w["refs"]]) for w in ways
             if w["refs"][0] == w["refs"][-1]}
    u_shape = by_id[9000000107]
    assert not u_shape.contains(u_shape.centroid)  # the centroid falls in the notch
    assert u_shape.contains(homes.at["osm_way_9000000107", "geometry"])
    yard = shapely.Polygon(by_id[9000000201].exterior, [by_id[9000000202].exterior])
    assert not yard.contains(yard.centroid)        # the centroid falls in the courtyard
    assert yard.contains(homes.at["osm_relation_900000001", "geometry"])
    b1 = by_id[9000000101]
    assert homes.at["osm_way_9000000101", "geometry"].equals_exact(b1.centroid, 1e-9)


# --------------------------------------------------------------------------------------------
# XML and PBF give the same layers
# --------------------------------------------------------------------------------------------

def _same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, key: str) -> None:
    a, b = a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
    assert list(a[key]) == list(b[key])
    assert all(x.equals_exact(y, 1e-9) for x, y in zip(a.geometry, b.geometry))


def test_pbf_and_xml_give_the_same_result(tmp_path):
    _same(osm.read_osm_roads(HANOI), osm.read_osm_roads(HANOI_PBF), "road_id")
    _same(osm.read_osm_buildings(HANOI), osm.read_osm_buildings(HANOI_PBF), "household_id")
    pbf = tmp_path / "synthetic.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(SYNTH)):
            writer.add(obj)
    _same(osm.read_osm_roads(SYNTH), osm.read_osm_roads(pbf), "road_id")
    _same(osm.read_osm_railways(SYNTH), osm.read_osm_railways(pbf), "road_id")
    _same(osm.read_osm_buildings(SYNTH), osm.read_osm_buildings(pbf), "household_id")
    # the format comes from the content: a PBF with an .osm name, a gzipped XML
    renamed = tmp_path / "extract.osm"
    shutil.copy(pbf, renamed)
    assert len(osm.read_osm_roads(renamed)) == 7
    zipped = tmp_path / "extract.osm.gz"
    zipped.write_bytes(gzip.compress(SYNTH.read_bytes()))
    assert len(osm.read_osm_roads(zipped)) == 7


def test_bad_osm_files(tmp_path):
    broken = tmp_path / "broken.osm"
    broken.write_text('<?xml version="1.0"?>\n<osm version="0.6">\n<node id="1" lat="1" '
                      'lon="2">\n<tag k="a" v="b"/>\n</way>\n</osm>\n')
    with pytest.raises(InputError, match=r"broken\.osm: .*line 5"):
        osm.read_osm_roads(broken)
    geojson = tmp_path / "roads.osm"
    geojson.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(InputError, match=r"roads\.osm: is not an OpenStreetMap file"):
        osm.read_osm_roads(geojson)
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(HANOI_PBF.read_bytes()[:5000])
    with pytest.raises(InputError, match=r"cut\.osm\.pbf: cannot be read .*PBF"):
        osm.read_osm_buildings(cut)
    with pytest.raises(InputError, match="file not found"):
        osm.read_osm_roads(tmp_path / "missing.osm.pbf")
    (tmp_path / "empty.osm").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.osm: is empty"):
        osm.read_osm_railways(tmp_path / "empty.osm")


@pytest.mark.parametrize("lat,message", [
    ("nan", r"lat_\w+\.osm: a node's lat or lon is not a number"),
    ("abc", r"lat_\w+\.osm: a node's lat or lon is not a number"),
    ("95.0", r"lat_\w+\.osm: way 9000000001: node 90000000001: lat=95 lon=105\.86 is outside")])
def test_a_node_with_no_place_on_earth_is_an_error(tmp_path, lat, message):
    """Found by fuzzing: lat="nan" crashed init --osm (libosmium's InvalidLocationError),
    lat="95" was skipped with no word, as if an extract had cut the node off."""
    text = SYNTH.read_text().replace('lat="20.0690956"', f'lat="{lat}"', 1)
    path = tmp_path / f"lat_{lat.replace('.', '_')}.osm"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        osm.read_osm_roads(path)


def test_josm_negative_ids_are_refused_clearly(tmp_path):
    josm = tmp_path / "drawn.osm"
    josm.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
        "<node id='-1' lat='20.07' lon='105.86'/><node id='-2' lat='20.071' lon='105.86'/>\n"
        "<way id='-3'><nd ref='-1'/><nd ref='-2'/><tag k='highway' v='residential'/></way>\n"
        "</osm>\n")
    with pytest.raises(InputError, match=r"drawn\.osm: way -3 uses negative ids"):
        osm.read_osm_roads(josm)


def test_no_roads_is_an_error_naming_what_was_left_out(tmp_path):
    only = tmp_path / "walls.osm"
    only.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
        "<node id='1' lat='20.07' lon='105.86'/><node id='2' lat='20.071' lon='105.86'/>\n"
        "<way id='3'><nd ref='1'/><nd ref='2'/><tag k='barrier' v='wall'/></way>\n"
        "<way id='4'><nd ref='1'/><nd ref='2'/><tag k='highway' v='construction'/></way>\n"
        "</osm>\n")
    with pytest.raises(InputError, match=r"walls\.osm: holds no road.*1 highway=construction"):
        osm.read_osm_roads(only)


# --------------------------------------------------------------------------------------------
# Google Open Buildings and Microsoft footprints
# --------------------------------------------------------------------------------------------

def _google_rows() -> list[dict]:
    import csv

    with open(GOOGLE, newline="") as fh:
        return list(csv.DictReader(fh))


def test_open_buildings_confidence_and_area():
    homes = B.read_building_footprints(GOOGLE)
    rows = _google_rows()
    # by hand: confidence >= 0.75 (0.8234, 0.9105, 0.7500; not 0.7012, 0.7499) and area >= 20 m²
    # (not the 15 m² one)
    want = [r for r in rows if float(r["confidence"]) >= 0.75
            and float(r["area_in_meters"]) >= 20]
    assert len(homes) == len(want) == 3
    assert list(homes["household_id"]) == [f"gob_{r['full_plus_code']}" for r in want]
    assert homes.attrs["buildings"]["low_confidence"] == 2
    for (_, home), row in zip(homes.iterrows(), want):
        poly = shapely.from_wkt(row["geometry"])
        assert poly.contains(home.geometry)
        assert home["area_m2"] == float(row["area_in_meters"])
        assert _geodesic_m2(poly) == pytest.approx(home["area_m2"], rel=0.005)
        # Google's latitude/longitude is the footprint's centre: the point is within 1 m of it
        _, _, d = GEOD.inv(float(row["longitude"]), float(row["latitude"]), home.geometry.x,
                           home.geometry.y)
        assert d < 1.0
    assert (homes["source"].str.startswith("Google Open Buildings")).all()
    assert len(B.read_building_footprints(GOOGLE, min_confidence=0.65)) == 5
    assert len(B.read_building_footprints(GOOGLE, min_confidence=0.65, min_area_m2=10)) == 6


def test_open_buildings_without_header_and_gzipped(tmp_path):
    lines = GOOGLE.read_text().splitlines()
    shard = tmp_path / "0fd_buildings.csv.gz"
    shard.write_bytes(gzip.compress(("\n".join(lines[1:]) + "\n").encode()))
    assert len(B.read_building_footprints(shard)) == 3


@pytest.mark.parametrize("codec", ["utf-16", "utf-8-sig", "utf-32"])
def test_open_buildings_saved_with_a_byte_order_mark(tmp_path, codec):
    """Excel's "Unicode Text" is UTF-16 with a mark (found by fuzzing: "not a building
    footprints file"); gzipped too."""
    text = GOOGLE.read_text()
    saved = tmp_path / "buildings.csv"
    saved.write_bytes(text.encode(codec))
    zipped = tmp_path / "buildings.csv.gz"
    zipped.write_bytes(gzip.compress(text.encode(codec)))
    want = list(B.read_building_footprints(GOOGLE)["household_id"])
    assert list(B.read_building_footprints(saved)["household_id"]) == want
    assert list(B.read_building_footprints(zipped)["household_id"]) == want


def test_microsoft_lines():
    homes = B.read_building_footprints(MICROSOFT)
    feats = [json.loads(line) for line in MICROSOFT.read_text().splitlines()]
    # by hand: 4 footprints, the 6 m x 3 m one is under 20 m²
    assert len(homes) == 3
    assert list(homes["household_id"]) == ["msb_line1", "msb_line2", "msb_line4"]
    heights = homes.set_index("household_id")["height_m"]
    assert heights["msb_line1"] == 6.2 and np.isnan(heights["msb_line2"])  # -1 = unknown
    for (_, home), n in zip(homes.iterrows(), (0, 1, 3)):
        poly = shapely.geometry.shape(feats[n]["geometry"])
        assert poly.contains(home.geometry)
        assert home["area_m2"] == pytest.approx(_geodesic_m2(poly), rel=0.003)
    # confidence 0.95 kept, -1 (unknown) kept, 0.88 dropped
    assert list(B.read_building_footprints(MICROSOFT, min_confidence=0.9)["household_id"]) == \
        ["msb_line1", "msb_line2"]


def test_microsoft_footprints_saved_as_one_feature_collection(tmp_path):
    """Found by fuzzing: footprints a GIS saved as one FeatureCollection got one "line N: is
    not valid JSON" per line; they are read as the lines would be, problems by feature."""
    feats = [json.loads(line) for line in MICROSOFT.read_text().splitlines()]
    path = tmp_path / "footprints.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, indent=1))
    got = B.read_building_footprints(path)
    want = B.read_building_footprints(MICROSOFT)
    assert list(got["household_id"]) == list(want["household_id"])
    assert got.geometry.geom_equals_exact(want.geometry, 1e-12).all()
    # on one line, as geojson.io and json.dump write it (found by a review: refused)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    one_line = B.read_building_footprints(path)
    assert list(one_line["household_id"]) == list(want["household_id"])
    feats[2]["geometry"] = {"type": "Point", "coordinates": [105.86, 20.07]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, indent=1))
    with pytest.raises(InputError, match=r"footprints\.geojson feature 3: holds a Point"):
        B.read_building_footprints(path)


def test_wrong_building_files_name_file_and_line(tmp_path):
    bad_wkt = tmp_path / "ob.csv"
    lines = GOOGLE.read_text().splitlines()
    lines[2] = lines[2].replace("POLYGON((", "POLYGON((oops ")
    bad_wkt.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"ob\.csv line 3: geometry=.* is not a WKT POLYGON"):
        B.read_building_footprints(bad_wkt)
    bad_conf = tmp_path / "conf.csv"
    lines = GOOGLE.read_text().splitlines()
    lines[4] = lines[4].replace(",0.8810,", ",high,")
    bad_conf.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"conf\.csv line 5: confidence='high'"):
        B.read_building_footprints(bad_conf)
    bad_json = tmp_path / "ms.geojsonl"
    text = MICROSOFT.read_text().splitlines()
    text[1] = text[1][:-5]
    bad_json.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match=r"ms\.geojsonl line 2: is not valid JSON"):
        B.read_building_footprints(bad_json)
    point = tmp_path / "pts.geojsonl"
    point.write_text('{"type":"Feature","properties":{},"geometry":{"type":"Point",'
                     '"coordinates":[105.86,20.07]}}\n')
    with pytest.raises(InputError, match=r"pts\.geojsonl line 1: holds a Point"):
        B.read_building_footprints(point)
    # a coordinate that is no degree: the Open Buildings one was kept (its household put at
    # another vertex), the Microsoft one crashed the UTM zone's search (found by fuzzing)
    inf_wkt = tmp_path / "inf.csv"
    lines = GOOGLE.read_text().splitlines()
    lines[1] = lines[1].replace(", 105.8610956342945 ", ", inf ", 1)
    inf_wkt.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"inf\.csv line 2: geometry=.* is no longitude"):
        B.read_building_footprints(inf_wkt)
    for value in ("1e999", "NaN", "205.86"):
        ms = tmp_path / "ms_off.geojsonl"
        text = MICROSOFT.read_text().splitlines()
        text[0] = text[0].replace("[105.861095634,", f"[{value},", 1)
        ms.write_text("\n".join(text) + "\n")
        with pytest.raises(InputError, match=r"ms_off\.geojsonl line 1: .*no longitude"):
            B.read_building_footprints(ms)
    sites = tmp_path / "sites.csv"
    sites.write_text("site_id,operator,technology,lon,lat\nS1,Viettel,4G,105.86,20.07\n")
    with pytest.raises(InputError, match=r"sites\.csv line 1: .* is not a building footprints "
                                         r"file; expected a Google Open Buildings CSV"):
        B.read_building_footprints(sites)
    (tmp_path / "blank.csv").write_text("\n\n")
    with pytest.raises(InputError, match=r"blank\.csv: holds no data"):
        B.read_building_footprints(tmp_path / "blank.csv")
    with pytest.raises(InputError, match="min_area_m2"):
        B.read_building_footprints(GOOGLE, dwellings_per_building=0)


def test_buildings_clipped_to_a_study_area():
    homes = B.read_building_footprints(GOOGLE, min_confidence=0.65)
    west = (105.8600, 20.0700, 105.86135, 20.0730)   # the first two footprints only
    clipped = B.read_building_footprints(GOOGLE, min_confidence=0.65, bbox=west)
    assert len(clipped) == 2
    assert set(clipped["household_id"]) < set(homes["household_id"])
    with pytest.raises(InputError, match="bbox="):
        B.read_building_footprints(GOOGLE, bbox=(1, 2, 3))


# --------------------------------------------------------------------------------------------
# Building polygons given as the households layer
# --------------------------------------------------------------------------------------------

def test_households_file_of_polygons_is_read_at_centroids(tmp_path):
    big = shapely.box(105.8600, 20.0700, 105.8601, 20.0701)      # about 10.5 m x 11.1 m
    tiny = shapely.box(105.8620, 20.0700, 105.86202, 20.07002)   # about 2 m x 2 m
    gdf = gpd.GeoDataFrame({"household_id": ["A", "B", "C"]},
                           geometry=[big, shapely.Point(105.861, 20.071), tiny], crs=4326)
    path = tmp_path / "houses.geojson"
    gdf.to_file(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        homes = read_households(path)
    msgs = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert any("houses.geojson: 2 feature(s) are building polygons" in m and
               "taken as households at their centroids" in m and "1 smaller than 20 m²" in m
               for m in msgs)
    assert list(homes["household_id"]) == ["A", "B"]
    assert homes.geometry.iloc[0].equals_exact(big.centroid, 1e-9)
    assert homes.geometry.iloc[1].equals_exact(shapely.Point(105.861, 20.071), 1e-9)
    assert homes["area_m2"].iloc[0] == pytest.approx(_geodesic_m2(big), rel=0.003)


def test_households_of_points_are_unchanged(tmp_path):
    gdf = gpd.GeoDataFrame({"household_id": ["A", "B"]},
                           geometry=[shapely.Point(105.86, 20.07), shapely.Point(105.861, 20.071)],
                           crs=4326)
    path = tmp_path / "points.geojson"
    gdf.to_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        homes = read_households(path)
    assert list(homes["household_id"]) == ["A", "B"]
    assert "area_m2" not in homes.columns


def test_households_from_buildings_directly():
    square = shapely.box(0, 0, 10, 10)   # metric CRS: 100 m²
    gdf = gpd.GeoDataFrame({"household_id": ["H"], "dwellings": [3]}, geometry=[square],
                           crs="EPSG:32648")
    out = B.households_from_buildings(gdf, min_area_m2=50)
    assert list(out["household_id"]) == ["H-1", "H-2", "H-3"]
    assert out["area_m2"].tolist() == [100.0] * 3
    assert all(p.equals(shapely.Point(5, 5)) for p in out.geometry)
    assert B.households_from_buildings(gdf, min_area_m2=150).empty


def test_a_road_cut_into_pieces_gets_one_row_per_piece(tmp_path):
    # a U-shaped lane (west, north, east sides of a 0.01° square) and a straight service road
    # along the south side; a box over the southern half cuts the U into its two legs
    path = tmp_path / "u.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
        "<node id='1' lat='20.0' lon='105.0'/><node id='2' lat='20.01' lon='105.0'/>\n"
        "<node id='3' lat='20.01' lon='105.01'/><node id='4' lat='20.0' lon='105.01'/>\n"
        "<way id='5'><nd ref='1'/><nd ref='2'/><nd ref='3'/><nd ref='4'/>"
        "<tag k='highway' v='residential'/></way>\n"
        "<way id='6'><nd ref='1'/><nd ref='4'/><tag k='highway' v='service'/></way>\n"
        "</osm>\n")
    roads = osm.read_osm_roads(path, bbox=(104.99, 19.99, 105.02, 20.005), to_crs=None)
    assert list(roads["road_id"]) == ["osm_way_5-1", "osm_way_5-2", "osm_way_6"]
    assert roads.geometry.iloc[0].equals_exact(shapely.LineString([(105, 20), (105, 20.005)]),
                                               1e-12)
    metric = osm.read_osm_roads(path, to_crs="EPSG:32648")
    # the service road: 0.01° of longitude at 20° N, geodesic length by pyproj
    want = GEOD.inv(105.0, 20.0, 105.01, 20.0)[2]
    assert metric.geometry.iloc[1].length == pytest.approx(want, rel=0.002)
