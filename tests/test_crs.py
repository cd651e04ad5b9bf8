"""CRS presets and VN-2000: points must land within 1 m of the EPSG pipeline (EPSG:6960 shift)."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from pyproj.database import query_crs_info

import coverage_gis as cg
from coverage_gis.io.crs import repair_vn2000, resolve_crs

from .conftest import write_text

# A point in Bỉm Sơn in VN-2000 / TM-3 zone 482 (EPSG:5897): easting, northing in metres.
E, N = 590_000.0, 2_219_000.0

# The official VN-2000 -> WGS 84 seven parameters (Decision 05/2007/QĐ-BTNMT; EPSG:6960),
# position-vector convention, rotations in arc-seconds, scale in ppm.
HELMERT = "-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278"


def metres_between(lon1, lat1, lon2, lat2) -> float:
    """Haversine distance in metres (independent of pyproj)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def epsg_pipeline(e: float, n: float) -> tuple[float, float]:
    t = Transformer.from_crs("EPSG:5897", "EPSG:4326", always_xy=True)
    return t.transform(e, n)


def published_helmert(e: float, n: float) -> tuple[float, float]:
    """The same point through the published 7 parameters, built by hand (not EPSG codes)."""
    pipeline = (
        "+proj=pipeline "
        "+step +inv +proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
        "+step +proj=cart +ellps=WGS84 "
        "+step +proj=helmert +convention=position_vector +x=-191.90441429 +y=-39.30318279 "
        "+z=-111.45032835 +rx=-0.00928836 +ry=0.01975479 +rz=-0.00427372 +s=0.252906278 "
        "+step +inv +proj=cart +ellps=WGS84 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg")
    t = Transformer.from_pipeline(pipeline)
    return t.transform(e, n)


def test_presets_are_the_epsg_definitions():
    assert resolve_crs("vn2000").to_epsg() == 4756
    assert resolve_crs("vn2000-utm48").to_epsg() == 3405
    tm3 = resolve_crs("VN2000_ThanhHoa")
    assert tm3.to_epsg() == 5897
    params = {p.name: p.value for p in tm3.coordinate_operation.params}
    assert params["Longitude of natural origin"] == 105
    assert params["Scale factor at natural origin"] == pytest.approx(0.9999)
    assert params["False easting"] == 500000


def test_proj4_strings_and_unknown_names_are_refused_with_a_hint():
    with pytest.raises(ValueError, match="PROJ.4"):
        resolve_crs("+proj=tmerc +lon_0=105 +k=0.9999 +x_0=500000 +ellps=WGS84")
    # without the "+", pyproj reads them as well (found by fuzzing: they were accepted)
    for text in ("proj=utm zone=48", " proj=longlat", "init=epsg:4326"):
        with pytest.raises(ValueError, match="PROJ.4"):
            resolve_crs(text)
    with pytest.raises(ValueError, match="vn2000-thanhhoa"):
        resolve_crs("vn2001")


def test_the_reference_pipelines_agree_and_dropping_the_shift_is_224_m_off():
    lon_e, lat_e = epsg_pipeline(E, N)
    lon_h, lat_h = published_helmert(E, N)
    assert metres_between(lon_e, lat_e, lon_h, lat_h) < 1.0
    no_shift = CRS("+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84")
    lon_n, lat_n = Transformer.from_crs(no_shift, "EPSG:4326", always_xy=True).transform(E, N)
    assert 200 < metres_between(lon_e, lat_e, lon_n, lat_n) < 250


def _hamlet_in_tm3(tmp_path, crs, suffix=".shp"):
    poly = shapely.box(E - 300, N - 300, E + 300, N + 300)
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1"], "name": ["Thôn Đông"]}, geometry=[poly],
                           crs=crs)
    path = tmp_path / f"thon{suffix}"
    gdf.to_file(path)
    return path


def test_vn2000_tm3_shapefile_of_thanh_hoa_lands_where_it_should(tmp_path):
    path = _hamlet_in_tm3(tmp_path, "EPSG:5897")
    hamlets = cg.read_hamlets(path)
    assert hamlets.crs.to_epsg() == 4326
    c = hamlets.geometry[0].centroid
    lon_e, lat_e = epsg_pipeline(E, N)
    lon_h, lat_h = published_helmert(E, N)
    assert metres_between(c.x, c.y, lon_e, lat_e) < 1.0
    assert metres_between(c.x, c.y, lon_h, lat_h) < 1.0
    assert 105.8 < c.x < 105.95 and 20.0 < c.y < 20.15  # in Bỉm Sơn


def test_a_prj_that_lost_the_shift_is_restored_with_a_warning(tmp_path):
    path = _hamlet_in_tm3(tmp_path, "EPSG:5897")
    stripped = CRS("+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 "
                   "+ellps=WGS84 +units=m +no_defs")
    write_text(path.with_suffix(".prj"), stripped.to_wkt("WKT1_ESRI"))
    with pytest.warns(cg.InputWarning, match=r"thon\.shp.*EPSG:5897.*224 m"):
        hamlets = cg.read_hamlets(path)
    c = hamlets.geometry[0].centroid
    assert metres_between(c.x, c.y, *epsg_pipeline(E, N)) < 1.0


def test_a_prj_pyproj_identifies_loosely_is_restored_too(tmp_path):
    """Found by fuzzing: the same stripped CRS written as GDAL/QGIS write it (OGC WKT, datum
    "Unknown based on WGS 84 ellipsoid") is identified by PROJ as EPSG:5897, and was then
    read without the shift, 224 m off, silently."""
    path = _hamlet_in_tm3(tmp_path, "EPSG:5897")
    stripped = CRS("+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 "
                   "+ellps=WGS84 +units=m +no_defs")
    assert CRS.from_wkt(stripped.to_wkt("WKT1_GDAL")).to_epsg() == 5897  # the loose match
    write_text(path.with_suffix(".prj"), stripped.to_wkt("WKT1_GDAL"))
    with pytest.warns(cg.InputWarning, match=r"thon\.shp.*no datum shift.*EPSG:5897"):
        hamlets = cg.read_hamlets(path)
    c = hamlets.geometry[0].centroid
    assert metres_between(c.x, c.y, *epsg_pipeline(E, N)) < 1.0


@pytest.mark.parametrize("lon_0", [105.0, 104.75, 105.5])
def test_a_tm3_zone_declared_on_wgs84_or_with_a_null_shift_is_read_as_vn2000(lon_0):
    """Found by fuzzing: the custom "VN-2000" definition of many how-tos (TM, k 0.9999, on
    the WGS 84 datum, no shift), and one bound by TOWGS84[0,...], were read as WGS 84."""
    zones = [CRS.from_epsg(int(i.code)) for i in query_crs_info(auth_name="EPSG")
             if i.name.startswith("VN-2000 / TM-3")]
    want = next(c for c in zones if any(
        p.name == "Longitude of natural origin" and p.value == lon_0
        for p in c.coordinate_operation.params))
    on_wgs84 = CRS.from_wkt(
        'PROJCS["VN2000 custom",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID['
        '"WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",'
        '0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",'
        f'500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",{lon_0}],'
        'PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],'
        'UNIT["Meter",1.0]]')
    null = CRS(f"+proj=tmerc +lon_0={lon_0} +k=0.9999 +x_0=500000 +ellps=WGS84 "
               "+towgs84=0,0,0,0,0,0,0")
    for crs, words in ((on_wgs84, "declares the WGS 84 datum"), (null, "no datum shift")):
        with pytest.warns(cg.InputWarning, match=words):
            assert repair_vn2000(crs, "x.shp") == want


def test_a_crs_given_by_hand_that_lost_the_shift_is_restored(tmp_path):
    """Found by fuzzing: the same WKT as a layer's crs= (the .prj's text pasted) or check-site's
    --crs was used as is, 224 m off; presets and EPSG codes are never touched."""
    stripped = CRS("+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 "
                   "+ellps=WGS84 +units=m +no_defs").to_wkt("WKT1_GDAL")
    with pytest.warns(cg.InputWarning, match=r"sites\.csv: the CRS given.*EPSG:5897"):
        assert resolve_crs(stripped, "sites.csv").to_epsg() == 5897
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for ok in ("vn2000-thanhhoa", "EPSG:5897", 5897, "EPSG:32648"):
            assert resolve_crs(ok) == CRS.from_user_input(
                ok if not isinstance(ok, str) or ok.startswith("EPSG") else "EPSG:5897")


def test_a_local_engineering_crs_in_a_file_is_refused_naming_it(tmp_path):
    """Found by fuzzing: a LOCAL_CS .prj or GeoTIFF ended in "unexpected error (ProjError)",
    exit 3 (the DEM even passed validate --dem)."""
    import rasterio
    from rasterio.transform import from_origin

    local = 'LOCAL_CS["site grid",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    path = _hamlet_in_tm3(tmp_path, "EPSG:5897")
    write_text(path.with_suffix(".prj"), local)
    with pytest.raises(cg.InputError, match=r"thon\.shp: its CRS .*local engineering.*crs="):
        cg.read_hamlets(path)
    dem = tmp_path / "dem.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32",
                       crs=rasterio.crs.CRS.from_wkt(local),
                       transform=from_origin(E, N, 30, 30)) as ds:
        ds.write(np.zeros((1, 4, 4), dtype="float32"))
    with pytest.raises(cg.InputError, match=r"dem\.tif: its CRS .*local engineering"):
        cg.read_dem(dem)


def test_repair_leaves_ordinary_crs_alone():
    assert repair_vn2000(CRS.from_epsg(32648)).to_epsg() == 32648
    bound = CRS(f"+proj=tmerc +lon_0=105 +k=0.9999 +x_0=500000 +ellps=WGS84 +towgs84={HELMERT}")
    assert repair_vn2000(bound) is bound


def test_shapefile_without_prj_needs_crs(tmp_path):
    path = _hamlet_in_tm3(tmp_path, "EPSG:5897")
    path.with_suffix(".prj").unlink()
    with pytest.raises(cg.InputError, match=r"thon\.shp: has no CRS.*crs="):
        cg.read_hamlets(path)
    hamlets = cg.read_hamlets(path, crs="vn2000-thanhhoa")
    c = hamlets.geometry[0].centroid
    assert metres_between(c.x, c.y, *epsg_pipeline(E, N)) < 1.0


def test_csv_in_vn2000_geographic_uses_lon_lat_order(tmp_path):
    # EPSG:4756 has latitude-first axis order; columns named lon/lat must still work.
    lon_e, lat_e = epsg_pipeline(E, N)
    t = Transformer.from_crs("EPSG:5897", "EPSG:4756", always_xy=True)
    lon_v, lat_v = t.transform(E, N)
    path = write_text(tmp_path / "sites.csv",
                      f"site_id,operator,technology,lon,lat\nS1,Viettel,4G,{lon_v!r},{lat_v!r}\n")
    sites = cg.read_sites(path, crs="vn2000")
    p = sites.geometry[0]
    assert metres_between(p.x, p.y, lon_e, lat_e) < 1.0


def test_survey_xy_in_tm3_and_swapped_xy(tmp_path):
    lon_e, lat_e = epsg_pipeline(E, N)
    ok = write_text(tmp_path / "ap.csv", f"ap_id,operator,x,y\nA1,VNPT,{E},{N}\n")
    ap = cg.read_access_points(ok, crs="vn2000-thanhhoa")
    assert metres_between(ap.geometry[0].x, ap.geometry[0].y, lon_e, lat_e) < 1.0
    # Vietnamese surveys write X for northing: swapped columns are detected and fixed.
    swapped = write_text(tmp_path / "ap2.csv", f"ap_id,operator,x,y\nA1,VNPT,{N},{E}\n")
    with pytest.warns(cg.InputWarning, match="swapped"):
        ap2 = cg.read_access_points(swapped, crs="vn2000-thanhhoa")
    assert metres_between(ap2.geometry[0].x, ap2.geometry[0].y, lon_e, lat_e) < 1.0
    with pytest.raises(cg.InputError, match=r"ap\.csv: has x/y columns.*no CRS"):
        cg.read_access_points(ok)


def test_some_rows_written_x_northing_are_swapped_naming_them(tmp_path):
    """Found by fuzzing: only some rows typed X = northing (one mast's cells) were not
    swapped, and the mast was dropped as 2,302 km from the study area."""
    lon_e, lat_e = epsg_pipeline(E, N)
    rows = [f"A{i},VNPT,{E + i},{N}" for i in range(1, 5)] + [f"A5,VNPT,{N},{E + 5}"]
    path = write_text(tmp_path / "ap.csv", "ap_id,operator,x,y\n" + "\n".join(rows) + "\n")
    with pytest.warns(cg.InputWarning, match=r"ap\.csv: 'x' and 'y' look swapped.* in 1 of 5 "
                      r"rows \(5\)"):
        ap = cg.read_access_points(path, crs="vn2000-thanhhoa")
    assert all(metres_between(g.x, g.y, lon_e, lat_e) < 10.0 for g in ap.geometry)


def test_a_shapefile_written_x_northing_is_swapped_with_a_warning(tmp_path):
    """Found by fuzzing: every vertex X = northing in a shapefile whose .prj is right passed
    validate, 2,300 km away (the error later blamed the sites)."""
    poly = shapely.box(N - 300, E - 300, N + 300, E + 300)  # (northing, easting)
    path = tmp_path / "thon.shp"
    gpd.GeoDataFrame({"hamlet_id": ["T1"], "name": ["Thôn Đông"]}, geometry=[poly],
                     crs="EPSG:5897").to_file(path)
    with pytest.warns(cg.InputWarning, match=r"thon\.shp: its x and y look swapped"):
        hamlets = cg.read_hamlets(path)
    c = hamlets.geometry[0].centroid
    assert metres_between(c.x, c.y, *epsg_pipeline(E, N)) < 1.0


def test_a_layer_far_outside_its_crs_area_of_use_is_warned_about(tmp_path):
    """Found by fuzzing: Vietnamese TM-3 metres under a French .prj (EPSG:2154) landed at 2°E,
    9°N and validate said OK."""
    path = _hamlet_in_tm3(tmp_path, "EPSG:5897")
    write_text(path.with_suffix(".prj"), CRS.from_epsg(2154).to_wkt("WKT1_ESRI"))
    with pytest.warns(cg.InputWarning, match=r"thon\.shp: its coordinates lie \d+° outside "
                      r"the area of use of its CRS.*is that CRS right"):
        cg.read_hamlets(path)
    with warnings.catch_warnings():  # the right CRS: no word
        warnings.simplefilter("error")
        (tmp_path / "ok").mkdir()
        cg.read_hamlets(_hamlet_in_tm3(tmp_path / "ok", "EPSG:5897"))


def test_metric_crs_is_the_utm_zone(hamlets_gdf):
    assert cg.metric_crs(hamlets_gdf).to_epsg() == 32648
    south = hamlets_gdf.set_geometry(hamlets_gdf.geometry.translate(0, -40))
    assert cg.metric_crs(south).to_epsg() == 32748
    assert np.isfinite(hamlets_gdf.to_crs(cg.metric_crs(hamlets_gdf)).area).all()


def test_utm_zone_is_pyprojs_first():
    """io.crs.utm_crs by the zone formula against pyproj's query_utm_crs_info (the EPSG areas
    of use; its first answer, as geopandas' estimate_utm_crs takes) on points across the
    globe, zone edges and the equator included; none beyond the UTM grid's latitudes."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    from coverage_gis.io.crs import utm_crs

    lons = [-180.0, -179.9, -3.0, 0.0, 0.1, 5.99, 6.0, 104.5, 105.0, 105.86, 108.0, 179.99,
            180.0]
    lats = [-80.0, -33.3, -0.0001, 0.0, 20.07, 60.0, 78.0, 84.0]
    for lon in lons:
        for lat in lats:
            found = query_utm_crs_info(datum_name="WGS 84",
                                       area_of_interest=AreaOfInterest(lon, lat, lon, lat))
            assert utm_crs(lon, lat).to_epsg() == int(found[0].code), (lon, lat)
    for lon, lat in ((10.0, 84.5), (10.0, -80.5), (181.0, 0.0)):
        with pytest.raises(ValueError, match="no UTM zone there"):
            utm_crs(lon, lat)


def test_metric_crs_names_what_it_cannot_use():
    """Found by fuzzing: None gave an AttributeError, points where no UTM zone is pyproj's
    RuntimeError; now a TypeError and InputErrors saying why."""
    import geopandas as gpd
    import shapely

    import coverage_gis as cg

    with pytest.raises(TypeError, match="metric_crs: expected a GeoDataFrame, not NoneType"):
        cg.metric_crs(None)
    with pytest.raises(cg.InputError, match="for data without a CRS"):
        cg.metric_crs(gpd.GeoDataFrame(geometry=[shapely.Point(105.9, 20.1)]))
    with pytest.raises(cg.InputError, match=r"bounds are \(200.0, 89.5, 200.0, 89.5\) in "
                                            r"EPSG:4326 \(WGS 84\): no UTM zone holds them"):
        cg.metric_crs(gpd.GeoDataFrame(geometry=[shapely.Point(200, 89.5)], crs=4326))
    point = gpd.GeoDataFrame(geometry=[shapely.Point(105.9, 20.1)], crs=4326)
    assert cg.metric_crs(point).to_epsg() == 32648


def test_an_unknown_epsg_number_is_a_value_error():
    """Found by fuzzing: ``resolve_crs(-1)`` raised pyproj's CRSError, not the ValueError
    every other unknown CRS gives."""
    import coverage_gis as cg

    with pytest.raises(ValueError, match=r"unknown CRS -1: no EPSG code -1; give a preset"):
        cg.resolve_crs(-1)


# --------------------------------------------------------------------------------------------
# Found by fuzzing the web app (fuzz4): CRSs pyproj reads that hold no horizontal position on
# the Earth gave HTTP 500 / exit 3 (ProjError) or a wrong check
# --------------------------------------------------------------------------------------------

NOT_HORIZONTAL = [
    ("EPSG:5714", "is a vertical CRS (heights only), not a horizontal (2-D) CRS"),
    (5714, "is a vertical CRS (heights only)"),
    ("EPSG:4978", "is a geocentric CRS (X, Y, Z from the Earth's centre), not a horizontal"),
    ("IAU_2015:30100", "is not an Earth CRS (ellipsoid Moon (2015) - Sphere): no "
                       "transformation exists"),
    ('LOCAL_CS["x"]', "is a local engineering CRS (not tied to the Earth): no transformation "
                      "exists to the study's CRS"),
    ('GEOGCS["x",DATUM["y",SPHEROID["z",1,0]],PRIMEM["G",0],'
     'UNIT["degree",0.0174532925199433]]', "is not an Earth CRS (ellipsoid z)"),
    (CRS.from_epsg(5714), "is a vertical CRS"),
]


@pytest.mark.parametrize("value, words", NOT_HORIZONTAL,
                         ids=[str(v)[:20] for v, _ in NOT_HORIZONTAL])
def test_a_crs_of_no_horizontal_earth_position_is_refused(value, words):
    with pytest.raises(ValueError, match="expected a horizontal \\(2-D\\) CRS") as info:
        resolve_crs(value)
    assert words in str(info.value)


@pytest.mark.parametrize("value, kind", [
    ("EPSG:4326+5773", "Compound CRS"), ("EPSG:32648+5773", "Compound CRS"),
    ("EPSG:4979", "Geographic 3D CRS"), ("ESRI:102100", "Projected CRS"),
    ("vn2000", "Geographic 2D CRS"), (32648, "Projected CRS"),
])
def test_horizontal_and_compound_crs_are_taken_whole(value, kind):
    """A compound CRS (a DEM's EPSG:4326 + EGM96 heights) is judged by its horizontal part
    and returned whole, as before."""
    crs = resolve_crs(value)
    assert crs.type_name == kind and crs == CRS.from_user_input(value)


def test_a_crs_bound_to_wgs84_is_judged_by_its_own():
    # a WKT1 with TOWGS84 (as many .prj files of VN-2000 carry it) is a bound CRS
    wkt = ('GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563],'
           f'TOWGS84[{HELMERT}]],PRIMEM["Greenwich",0],'
           'UNIT["degree",0.0174532925199433]]')
    bound = CRS.from_wkt(wkt)
    assert bound.is_bound and resolve_crs(bound) is bound


def test_the_rule_applies_to_layer_and_scenario_crs(tmp_path, hamlets_gdf):
    """Written once in resolve_crs: a layer's crs= and the scenario's crs say so too."""
    ap = write_text(tmp_path / "ap.csv", f"ap_id,operator,x,y\nA1,VNPT,{E},{N}\n")
    with pytest.raises(cg.InputError, match=r"ap\.csv: CRS 'EPSG:5714' is a vertical CRS"):
        cg.read_access_points(ap, crs="EPSG:5714")
    hamlets_gdf.to_file(tmp_path / "thon.geojson")
    toml = write_text(tmp_path / "s.toml", '[scenario]\nname = "x"\ncrs = "EPSG:4978"\n'
                                           '[layers]\nhamlets = "thon.geojson"\n')
    with pytest.raises(cg.InputError, match=r"scenario crs: CRS 'EPSG:4978' is a geocentric"):
        cg.load_project(toml)


def test_a_dem_declared_with_a_compound_crs_is_still_read(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    from coverage_gis.io.raster import read_dem

    path = tmp_path / "dem.tif"
    data = np.full((20, 20), 50.0, dtype=np.float32)
    with rasterio.open(path, "w", driver="GTiff", height=20, width=20, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=from_origin(105.85, 20.07, 0.0003, 0.0003)) as ds:
        ds.write(data, 1)
    dem = read_dem(path, crs="EPSG:4326+5773")
    assert dem.crs.is_compound and float(np.nanmax(dem.data)) == 50.0


@pytest.mark.parametrize(("name", "lon_0"), [
    ("vn2000-tm3-104.75", 104.75), ("vn2000-tm3-104-45", 104.75), ("VN2000_TM3_105.5", 105.5),
    ("vn2000-tm3-104", 104.0), ("vn2000-tm3-107-45", 107.75), ("vn2000-tm3-105", 105.0)])
def test_other_provinces_tm3_zones_are_named_by_their_central_meridian(name, lon_0):
    """Found by fuzzing: vn2000-tm3-104.75 (Nghệ An) was an unknown CRS and the error offered
    only Thanh Hóa's zone, 26 km off there."""
    crs = resolve_crs(name)
    assert crs.to_epsg() is not None and crs.name.startswith("VN-2000 / TM-3")
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert params["Longitude of natural origin"] == lon_0
    assert params["Scale factor at natural origin"] == 0.9999
    assert params["False easting"] == 500_000


@pytest.mark.parametrize("name", ["vn2000-tm3-104.6", "vn2000-tm3-104-75", "vn2000-tm3-99"])
def test_a_tm3_zone_epsg_does_not_define_is_refused_with_the_list(name):
    with pytest.raises(ValueError, match=r"central meridian.*104\.75.*105\.5"):
        resolve_crs(name)
