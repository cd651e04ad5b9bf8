"""Loaders: every format users have, and every kind of bad input with its clear message."""

from __future__ import annotations

import json
import warnings
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

import coverage_gis as cg
from coverage_gis.io.readers import OPENCELLID_COLUMNS

from .conftest import LAT, LON, digest, square, write_text

SITES_HEADER = ("site_id,tower_id,operator,technology,band_mhz,bandwidth_mhz,height_m,"
                "azimuth_deg,beamwidth_deg,tilt_deg,eirp_dbm,status,lon,lat\n")


def sites_csv(tmp_path, rows: str, name: str = "sites.csv"):
    return write_text(tmp_path / name, SITES_HEADER + rows)


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix,driver", [(".geojson", "GeoJSON"), (".gpkg", "GPKG"),
                                           (".shp", "ESRI Shapefile"), (".fgb", "FlatGeobuf"),
                                           (".kml", "LIBKML")])
def test_hamlets_read_from_every_vector_format(tmp_path, hamlets_gdf, suffix, driver):
    path = tmp_path / f"thon{suffix}"
    gdf = hamlets_gdf
    if driver == "LIBKML":
        gdf = gdf.rename(columns={"name": "Name"})
    gdf.to_file(path, driver=driver)
    out = cg.read_hamlets(path).sort_values("hamlet_id", ignore_index=True)
    assert list(out["hamlet_id"]) == ["T1", "T2"]
    assert list(out["name"]) == ["Thôn Đông", "Thôn Đoài"]  # UTF-8 kept, KML Name -> name
    assert out.crs.to_epsg() == 4326
    assert shapely.normalize(out.geometry[0]).equals_exact(
        shapely.normalize(hamlets_gdf.geometry[0]), 1e-9)


def test_zipped_shapefile_and_kmz(tmp_path, hamlets_gdf):
    hamlets_gdf.to_file(tmp_path / "thon.shp")
    with zipfile.ZipFile(tmp_path / "thon.zip", "w") as z:
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            if (tmp_path / f"thon.{ext}").exists():
                z.write(tmp_path / f"thon.{ext}", f"thon.{ext}")
    assert len(cg.read_hamlets(tmp_path / "thon.zip")) == 2
    kml = tmp_path / "routes.kml"
    lines = gpd.GeoDataFrame({"Name": ["a", "b"]},
                             geometry=[shapely.LineString([(LON, LAT), (LON + .01, LAT)]),
                                       shapely.LineString([(LON, LAT), (LON, LAT + .01)])],
                             crs="EPSG:4326")
    lines.to_file(kml, driver="LIBKML")
    with zipfile.ZipFile(tmp_path / "routes.kmz", "w") as z:
        z.write(kml, "doc.kml")
    fibre = cg.read_fibre(tmp_path / "routes.kmz", operator="viettel")
    assert len(fibre) == 2 and set(fibre["operator"]) == {"Viettel"}
    assert not fibre.geometry.has_z.any()


def test_kml_with_several_folders_reads_them_all(tmp_path):
    doc = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Folder><name>Tuyen 1</name><Placemark><name>p1</name><LineString><coordinates>
{LON},{LAT},0 {LON + 0.01},{LAT},0</coordinates></LineString></Placemark></Folder>
<Folder><name>Tuyen 2</name><Placemark><name>p2</name><LineString><coordinates>
{LON},{LAT},0 {LON},{LAT + 0.01},0</coordinates></LineString></Placemark></Folder>
</Document></kml>"""
    path = write_text(tmp_path / "tuyen.kml", doc)
    fibre = cg.read_fibre(path, operator="VNPT")
    assert sorted(fibre["name"]) == ["p1", "p2"]
    assert sorted(fibre["folder"]) == ["Tuyen 1", "Tuyen 2"]
    assert set(fibre["operator"]) == {"VNPT"}


def test_geopackage_layers(tmp_path, hamlets_gdf):
    path = tmp_path / "commune.gpkg"
    hamlets_gdf.to_file(path, layer="thon")
    hamlets_gdf.to_file(path, layer="other")
    with pytest.raises(cg.InputError, match=r"commune\.gpkg: has 2 layers \(thon, other\).*layer="):
        cg.read_hamlets(path)
    assert len(cg.read_hamlets(path, layer="thon")) == 2
    with pytest.raises(cg.InputError, match="has no layer 'nope'"):
        cg.read_hamlets(path, layer="nope")


def test_csv_with_semicolons_and_vietnamese_coordinate_names(tmp_path):
    path = write_text(tmp_path / "tram.csv",
                      "site_id;operator;technology;kinh_do;vi_do\nA;Viettel;LTE;105.86;20.06\n")
    sites = cg.read_sites(path)
    assert sites.geometry[0].x == pytest.approx(105.86)
    assert sites.loc[0, "technology"] == "4G"


def test_columns_mapping(tmp_path, hamlets_gdf):
    path = tmp_path / "thon.geojson"
    hamlets_gdf.rename(columns={"hamlet_id": "ma_thon", "name": "ten_thon"}).to_file(path)
    with pytest.raises(cg.InputError, match=r"column 'hamlet_id' is required but missing"):
        cg.read_hamlets(path)
    out = cg.read_hamlets(path, columns={"ma_thon": "hamlet_id", "ten_thon": "name"})
    assert list(out["name"]) == ["Thôn Đông", "Thôn Đoài"]


def test_to_crs_option(tmp_path, hamlets_gdf):
    path = tmp_path / "thon.geojson"
    hamlets_gdf.to_file(path)
    assert cg.read_hamlets(path, to_crs="EPSG:32648").crs.to_epsg() == 32648
    assert cg.read_hamlets(path, to_crs=None).crs.to_epsg() == 4326


# --------------------------------------------------------------------------------------------
# Sites: normalisation and defaults
# --------------------------------------------------------------------------------------------

def test_operator_and_technology_variants_are_normalised(tmp_path):
    rows = "".join(f"S{i},,{op},{tech},,,,,,,,,105.86,20.06\n" for i, (op, tech) in enumerate([
        ("viettel", "LTE"), ("VNPT", "4g"), ("Mobifone", "GSM"), ("VIETNAMOBILE", "UMTS"),
        ("VinaPhone", "NR"), ("Viettel Telecom", "5G NR")]))
    sites = cg.read_sites(sites_csv(tmp_path, rows))
    assert list(sites["operator"]) == ["Viettel", "VinaPhone", "MobiFone", "Vietnamobile",
                                       "VinaPhone", "Viettel"]
    assert list(sites["technology"]) == ["4G", "4G", "2G", "3G", "5G", "5G"]


def test_missing_radio_values_take_technology_defaults_and_are_recorded(tmp_path):
    rows = ("A,T1,Viettel,4G,1800,20,35,0,65,4,61,existing,105.86,20.06\n"
            "B,T1,Viettel,4G,,,35,120,65,,,existing,105.86,20.06\n"
            "C,T2,MobiFone,5G,3900,100,30,,,,70,planned,105.87,20.06\n")
    sites = cg.read_sites(sites_csv(tmp_path, rows)).set_index("site_id")
    defaults = cg.settings.TECHNOLOGY_DEFAULTS["4G"]
    assert sites.loc["A", "defaulted"] == ""
    assert sites.loc["B", "defaulted"] == "band_mhz,bandwidth_mhz,tilt_deg,eirp_dbm"
    assert sites.loc["B", "band_mhz"] == defaults["band_mhz"]
    assert sites.loc["B", "eirp_dbm"] == defaults["eirp_dbm"]
    assert np.isnan(sites.loc["C", "azimuth_deg"])  # omni
    assert sites.loc["C", "beamwidth_deg"] == 360.0
    assert sites.loc["C", "status"] == "planned"
    assert sites.attrs["defaulted"]["eirp_dbm"] == 1
    assert "beamwidth_deg" not in sites.attrs["defaulted"]  # omni: 360, not a default


def test_sites_without_radio_columns_at_all(tmp_path):
    path = write_text(tmp_path / "s.csv", "site_id,operator,technology,lon,lat\n"
                                          "A,Viettel,2G,105.86,20.06\n")
    s = cg.read_sites(path)
    assert s.loc[0, "height_m"] == cg.settings.TECHNOLOGY_DEFAULTS["2G"]["height_m"]
    assert s.loc[0, "status"] == "existing"
    assert "status" in s.loc[0, "defaulted"] and "height_m" in s.loc[0, "defaulted"]


# --------------------------------------------------------------------------------------------
# OpenCelliD
# --------------------------------------------------------------------------------------------

OCID_ROWS = ("LTE,452,4,12017,3078401,,105.8621,20.0652,1000,12,1,1600000000,1700000000,0\n"
             "GSM,452,1,10101,30301,,105.8601,20.0611,800,3,1,1600000000,1700000000,-79\n"
             "UMTS,452,2,20202,4567,,105.8555,20.0701,1200,5,1,1600000000,1700000000,0\n"
             "NR,452,5,30303,9876543,,105.8650,20.0600,500,2,1,1600000000,1700000000,0\n"
             "LTE,452,99,1,1,,105.86,20.06,500,2,1,1600000000,1700000000,0\n"
             "CDMA,452,4,1,2,,105.86,20.06,500,2,1,1600000000,1700000000,0\n")


@pytest.mark.parametrize("header", [True, False])
def test_opencellid_with_and_without_header(tmp_path, header):
    head = ",".join(OPENCELLID_COLUMNS) + "\n" if header else ""
    path = write_text(tmp_path / "452.csv", head + OCID_ROWS)
    with pytest.warns(cg.InputWarning, match=r"excluded 2 rows.*452-99.*radio CDMA"):
        sites = cg.read_sites(path)
    assert len(sites) == 4
    lte = sites.iloc[0]
    assert lte["operator"] == "Viettel" and lte["technology"] == "4G"
    assert lte["site_id"] == "452-04-12017-3078401"
    assert lte["area"] == 12017 and lte["cell"] == 3078401
    assert lte["enb_id"] == 3078401 // 256 == 12025
    assert np.isnan(lte["average_signal_dbm"])  # 0 means unknown, not 0 dBm
    assert list(sites["operator"]) == ["Viettel", "MobiFone", "VinaPhone", "Vietnamobile"]
    assert list(sites["technology"]) == ["4G", "2G", "3G", "5G"]
    assert sites.iloc[1]["average_signal_dbm"] == -79
    assert "eirp_dbm" in lte["defaulted"] and sites.attrs["format"] == "opencellid"


# --------------------------------------------------------------------------------------------
# Bad input: each case names file, row/feature, column, value and what was expected
# --------------------------------------------------------------------------------------------

def errors_of(fn, *args, **kwargs) -> list[str]:
    with pytest.raises(cg.InputError) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    return info.value.problems


def test_every_problem_of_a_file_is_listed_at_once(tmp_path):
    rows = ("A1,,viettel,LTE,1800,,35,0,65,4,60,,105.86,20.06\n"
            "A2,,Foo,6G,abc,,500,400,65,45,95,,105.86,20.06\n"
            "A1,,MobiFone,GSM,70000000,,30,,65,4,57,,105.86,20.06\n"
            "A4,,MobiFone,GSM,900,,30,,65,4,57,,20.06,105.88\n"
            "A5,,MobiFone,GSM,900,,30,,65,4,57,,,\n"
            "A6,,MobiFone,GSM,900,,30,,65,4,57,maybe,105.86,20.06\n")
    errs = errors_of(cg.read_sites, sites_csv(tmp_path, rows))
    expected = [
        "sites.csv row 2: operator='Foo' is not a known operator",
        "sites.csv row 2: technology='6G' is not a known technology",
        "sites.csv row 2: band_mhz='abc' is not a number",
        "sites.csv row 2: height_m=500 is outside 1..300",
        "sites.csv row 2: azimuth_deg=400 is outside 0..360",
        "sites.csv row 2: tilt_deg=45 is outside -20..30",
        "sites.csv row 2: eirp_dbm=95 is outside 0..90",
        "sites.csv row 3: band_mhz=7e+07 is outside 400..100000",
        "sites.csv row 1: site_id='A1' is used by rows 1 and 3 (ids must be unique)",
        "sites.csv row 4: lat=105.88 is outside -90..90 (are lon and lat swapped?)",
        "sites.csv row 5: lon=<empty> is empty; a number is required",
        "sites.csv row 6: status='maybe' is not a known status",
    ]
    for e in expected:
        assert any(p.startswith(e) for p in errs), (e, errs)
    assert len(errs) == len(expected) + 1  # row 5 lat is empty too
    rows = [int(e.split(" row ")[1].split(":")[0]) for e in errs]
    assert rows == sorted(rows)  # listed in file order


def test_missing_required_column(tmp_path):
    path = write_text(tmp_path / "s.csv", "site_id,operator,lon,lat\nA,Viettel,105.8,20.0\n")
    (err,) = errors_of(cg.read_sites, path)
    assert err.startswith("s.csv: column 'technology' is required but missing")
    assert "(columns present: site_id, operator" in err


def test_no_coordinate_columns(tmp_path):
    path = write_text(tmp_path / "s.csv", "site_id,operator,technology\nA,Viettel,4G\n")
    (err,) = errors_of(cg.read_sites, path)
    assert "s.csv: has no coordinate columns: expected lon and lat" in err


def test_empty_layer(tmp_path):
    empty = write_text(tmp_path / "thon.geojson",
                       json.dumps({"type": "FeatureCollection", "features": []}))
    (err,) = errors_of(cg.read_hamlets, empty)
    assert err == "thon.geojson: is empty: the hamlets layer has no features"
    (err,) = errors_of(cg.read_sites, write_text(tmp_path / "s.csv", SITES_HEADER))
    assert "s.csv: is empty" in err
    (err,) = errors_of(cg.read_sites, write_text(tmp_path / "e.csv", ""))
    assert err == "e.csv: is empty"


def test_malformed_json(tmp_path):
    path = write_text(tmp_path / "thon.geojson",
                      '{"type": "FeatureCollection",\n "features": [ {"type": } ]}')
    (err,) = errors_of(cg.read_hamlets, path)
    assert err.startswith("thon.geojson: malformed JSON at line 2, column")


def test_hamlets_that_are_not_polygons(tmp_path):
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1", "T2"], "name": ["a", "b"]},
                           geometry=[square(LON, LAT), shapely.Point(LON, LAT)], crs=4326)
    gdf.to_file(tmp_path / "thon.gpkg")
    (err,) = errors_of(cg.read_hamlets, tmp_path / "thon.gpkg")
    assert err == "thon.gpkg feature 2: geometry='Point' is a Point; expected Polygon or " \
                  "MultiPolygon" or err.startswith("thon.gpkg feature 2:")
    assert "Point" in err and "Polygon" in err


def test_invalid_polygon_is_repaired_with_a_warning_naming_the_feature(tmp_path):
    bowtie = shapely.Polygon([(LON, LAT), (LON + .01, LAT + .01), (LON + .01, LAT),
                              (LON, LAT + .01)])
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1", "T2"], "name": ["a", "b"]},
                           geometry=[square(LON, LAT), bowtie], crs=4326)
    gdf.to_file(tmp_path / "thon.geojson")
    with pytest.warns(cg.InputWarning, match=r"thon\.geojson feature 2: was an invalid polygon "
                                             r"\(Self-intersection.*make_valid"):
        out = cg.read_hamlets(tmp_path / "thon.geojson")
    assert out.is_valid.all() and out.geometry[1].geom_type in ("Polygon", "MultiPolygon")
    assert out.geometry[1].area == pytest.approx(0.01 * 0.01 / 2, rel=1e-6)


def test_empty_and_nan_geometry(tmp_path):
    text = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"hamlet_id": "T1", "name": "a"},
         "geometry": json.loads(shapely.to_geojson(square(LON, LAT)))},
        {"type": "Feature", "properties": {"hamlet_id": "T2", "name": "b"}, "geometry": None},
        {"type": "Feature", "properties": {"hamlet_id": "T3", "name": "c"},
         "geometry": {"type": "Polygon", "coordinates": []}},
    ]})
    errs = errors_of(cg.read_hamlets, write_text(tmp_path / "thon.geojson", text))
    assert errs == ["thon.geojson feature 2: has no geometry (empty or missing coordinates)",
                    "thon.geojson feature 3: has no geometry (empty or missing coordinates)"]
    gdf = gpd.GeoDataFrame({"ap_id": ["A"], "operator": ["VNPT"]},
                           geometry=[shapely.Point(np.nan, np.nan)], crs=4326)
    gdf.to_file(tmp_path / "ap.gpkg")
    (err,) = errors_of(cg.read_access_points, tmp_path / "ap.gpkg")
    assert err.startswith("ap.gpkg feature 1: has ")


def test_projected_coordinates_in_a_geojson_say_to_name_the_crs(tmp_path):
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1"], "name": ["a"]},
                           geometry=[shapely.box(590000, 2219000, 590500, 2219500)])
    text = gdf.to_json()  # no CRS member: the old habit of VN-2000 GeoJSON
    path = write_text(tmp_path / "thon.geojson", text)
    (err,) = errors_of(cg.read_hamlets, path)
    assert err.startswith("thon.geojson feature 1: has coordinates (5905")
    assert "crs='vn2000-thanhhoa'" in err
    out = cg.read_hamlets(path, crs="vn2000-thanhhoa")
    assert 105.8 < out.geometry[0].centroid.x < 105.9


def test_duplicate_ids_and_hamlet_names(tmp_path, hamlets_gdf):
    gdf = hamlets_gdf.copy()
    gdf["hamlet_id"] = ["T1", "T1"]
    gdf.loc[1, "name"] = ""
    gdf.to_file(tmp_path / "thon.geojson")
    errs = errors_of(cg.read_hamlets, tmp_path / "thon.geojson")
    assert "thon.geojson feature 1: hamlet_id='T1' is used by features 1 and 2 (ids must be " \
           "unique)" in errs
    assert "thon.geojson feature 2: name=<empty> is empty; every hamlet needs a name" in errs


def test_access_point_ports(tmp_path):
    path = write_text(tmp_path / "ap.csv", "ap_id,operator,kind,ports_total,ports_used,lon,lat\n"
                                           "A,VNPT,FAT,8,9,105.86,20.06\n"
                                           "B,Viettel,FAT,8.5,2,105.86,20.06\n"
                                           "C,Nobody,FAT,8,2,105.86,20.06\n")
    errs = errors_of(cg.read_access_points, path)
    assert "ap.csv row 1: ports_used=9 is more than ports_total=8" in errs
    assert "ap.csv row 2: ports_total='8.5' is not a whole number" in errs
    assert any(e.startswith("ap.csv row 3: operator='Nobody' is not a known operator")
               for e in errs)


def test_fibre_without_operator(tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["a"]},
                           geometry=[shapely.LineString([(LON, LAT), (LON + .01, LAT)])], crs=4326)
    gdf.to_file(tmp_path / "f.geojson")
    (err,) = errors_of(cg.read_fibre, tmp_path / "f.geojson")
    assert err.startswith("f.geojson: column 'operator' is required but missing")
    (err,) = errors_of(cg.read_fibre, tmp_path / "f.geojson", operator="Acme")
    assert "operator='Acme' is not a known operator" in err


def test_missing_file_and_folder(tmp_path):
    (err,) = errors_of(cg.read_sites, tmp_path / "nope.csv")
    assert err.endswith("nope.csv: file not found")
    (err,) = errors_of(cg.read_hamlets, tmp_path)
    assert "is a folder" in err


def test_not_utf8_csv_names_the_encoding_option(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes("site_id,operator,technology,lon,lat\nĐông Sơn,Viettel,4G,105.8,20\n"
                     .encode("cp1258"))
    (err,) = errors_of(cg.read_sites, path)
    assert err.startswith("s.csv: is not valid utf-8-sig text") and "encoding=" in err
    assert cg.read_sites(path, encoding="cp1258").loc[0, "site_id"] == "Đông Sơn"


def test_statistics(tmp_path):
    path = write_text(tmp_path / "stats.csv", "year,population,households,ftth_subscriptions\n"
                                              "2024,4950,1340,800\n2023,4900,1330,700\n")
    stats = cg.read_statistics(path)
    assert list(stats["year"]) == [2023, 2024]
    assert stats.loc[0, "ftth_subscriptions"] == 700
    bad = write_text(tmp_path / "bad.csv", "year,population\n2023,-5\n2023,x\n")
    errs = errors_of(cg.read_statistics, bad)
    assert "bad.csv row 1: year=2023 appears in rows 1 and 2 (one row per year)" in errs
    assert "bad.csv row 1: population=-5 is outside 0..1e+09" in errs
    assert "bad.csv row 2: population='x' is not a number" in errs
    xlsx = tmp_path / "stats.xlsx"
    pd.DataFrame({"year": [2025], "households": [1350]}).to_excel(xlsx, index=False)
    assert cg.read_statistics(xlsx).loc[0, "households"] == 1350


# --------------------------------------------------------------------------------------------
# DEM
# --------------------------------------------------------------------------------------------

def write_dem(path, data, crs="EPSG:32648", nodata=-9999.0):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype="float32", crs=crs, nodata=nodata,
                       transform=from_origin(585000, 2222000, 30, 30)) as ds:
        ds.write(data.astype("float32"), 1)
    return path


def test_dem_reads_with_nodata_as_nan_and_samples_bilinear(tmp_path):
    data = np.arange(100, dtype="float32").reshape(10, 10)
    data[0, 0] = -9999
    dem = cg.read_dem(write_dem(tmp_path / "dem.tif", data))
    assert dem.crs.to_epsg() == 32648 and dem.resolution == (30, 30)
    assert np.isnan(dem.data[0, 0])
    # Pixel centres: (585015, 2221985) holds data[0,0]; halfway between [1,1] and [1,2]:
    assert dem.sample(np.array([585000 + 30 * 1.5 + 15]), np.array([2222000 - 45]))[0] == \
        pytest.approx((11 + 12) / 2)
    assert np.isnan(dem.sample(np.array([0.0]), np.array([0.0]))[0])
    warped = dem.reproject("EPSG:4326")
    assert warped.crs.to_epsg() == 4326 and np.nanmax(warped.data) <= 99.01


def test_raster_crop_keeps_the_pixels_covering_the_bounds():
    """``Raster.crop``: the pixels of its own grid covering bounds given in another CRS (by
    hand: the WGS 84 box of a UTM square), the same values at the same places, padding
    added on each side, itself when the bounds cover all of it or none of it."""
    from pyproj import CRS, Transformer

    from coverage_gis.io.readers import Raster

    data = np.arange(200 * 300, dtype="float32").reshape(200, 300)
    r = Raster(data, from_origin(105.0, 21.0, 0.001, 0.001), CRS.from_epsg(4326), "dem")
    to_utm = Transformer.from_crs(4326, 32648, always_xy=True)
    x0, y0 = to_utm.transform(105.05, 20.90)
    x1, y1 = to_utm.transform(105.10, 20.95)  # a square about 5 km wide, inside
    part = r.crop((x0, y0, x1, y1), "EPSG:32648")
    c0, r0 = ~r.transform * (part.transform.c, part.transform.f)
    c0, r0 = round(c0), round(r0)
    assert (part.transform.a, part.transform.e) == (r.transform.a, r.transform.e)
    np.testing.assert_array_equal(part.data, data[r0:r0 + part.shape[0],
                                                  c0:c0 + part.shape[1]])
    # it covers the square's WGS 84 box: from the pixel holding its west (north) edge to
    # one past the pixel holding its east (south) edge
    back = Transformer.from_crs(32648, 4326, always_xy=True)
    lon, lat = back.transform([x0, x0, x1, x1], [y0, y1, y0, y1])
    left, bottom, right, top = part.bounds
    assert left <= min(lon) < left + 0.001 and right - 0.003 < max(lon) <= right - 0.001
    assert bottom + 0.001 <= min(lat) < bottom + 0.003 and top - 0.001 < max(lat) <= top
    padded = r.crop((x0, y0, x1, y1), "EPSG:32648", pad_px=2)
    assert padded.shape == (part.shape[0] + 4, part.shape[1] + 4)
    assert r.crop(r.bounds) is r
    assert r.crop((0.0, 0.0, 1.0, 1.0)) is r  # nowhere near


def test_dem_that_is_not_a_raster(tmp_path):
    (err,) = errors_of(cg.read_dem, write_text(tmp_path / "dem.tif", "hello"))
    assert err.startswith("dem.tif: is not a raster GDAL can read")


def test_dem_without_crs_and_with_absurd_heights(tmp_path):
    data = np.ones((5, 5), dtype="float32")
    path = write_dem(tmp_path / "nocrs.tif", data, crs=None)
    (err,) = errors_of(cg.read_dem, path)
    assert "nocrs.tif: has no CRS" in err
    assert cg.read_dem(path, crs="utm48").crs.to_epsg() == 32648
    data[2, 3] = -32768  # an undeclared nodata value
    (err,) = errors_of(cg.read_dem, write_dem(tmp_path / "odd.tif", data, nodata=None))
    assert "odd.tif: pixel (row 3, column 4) height=-32768 is outside" in err


def test_a_bad_pixel_of_a_window_is_named_in_its_file(tmp_path):
    """Found by fuzzing: a window's (or a mosaic's) row and column named another pixel."""
    from coverage_gis.io.dem import read_dem_tiles

    data = np.ones((40, 50), dtype="float32")
    data[30, 35] = -9999  # undeclared nodata: row 31, column 36 of the file
    path = write_dem(tmp_path / "odd.tif", data, nodata=None)
    window = (585000 + 30 * 20, 2222000 - 30 * 38, 585000 + 30 * 45, 2222000 - 30 * 25)
    (err,) = errors_of(read_dem_tiles, [path], window)
    assert "odd.tif: pixel (row 31, column 36) height=-9999 is outside" in err


def test_a_south_up_dem_is_read_whole_and_by_window(tmp_path):
    """Found by fuzzing: a south-up GeoTIFF (rows stored south to north) read through a
    window (init, site-map) was "every pixel is nodata"."""
    from rasterio.transform import Affine

    from coverage_gis.io.dem import read_dem_tiles

    data = np.arange(40 * 50, dtype="float32").reshape(40, 50)
    north_up = write_dem(tmp_path / "n.tif", data, nodata=None)
    with rasterio.open(tmp_path / "s.tif", "w", driver="GTiff", width=50, height=40, count=1,
                       dtype="float32", crs="EPSG:32648",
                       transform=Affine(30, 0, 585000, 0, 30, 2222000 - 30 * 40)) as ds:
        ds.write(data[::-1], 1)
    window = (585000 + 30 * 10, 2222000 - 30 * 30, 585000 + 30 * 20, 2222000 - 30 * 10)
    want = read_dem_tiles([north_up], window)
    got = read_dem_tiles([tmp_path / "s.tif"], window)
    assert got.transform == want.transform
    np.testing.assert_array_equal(got.data, want.data)
    whole = cg.read_dem(tmp_path / "s.tif")
    assert whole.sample(np.array([585000 + 30 * 12.5]), np.array([2222000 - 30 * 7.5]))[0] \
        == data[7, 12]


@pytest.mark.parametrize("stored,scale,offset,unit,unit_m", [
    ("int16", 0.1, 0.0, "m", 1.0),            # decimetres, as GDAL's scale says
    ("float32", 1.0, 0.0, "ft", 0.3048),      # international feet
    ("float32", 1.0, 0.0, "US survey foot", 1200 / 3937),
    ("int16", 0.5, -100.0, "", 1.0),          # metres = stored * 0.5 - 100
])
def test_dem_heights_follow_the_bands_scale_offset_and_unit(tmp_path, stored, scale, offset,
                                                             unit, unit_m):
    """Found by fuzzing: GDAL's scale, offset and unit were ignored (heights 10x or 3.28x).
    metres = (stored * scale + offset) * the unit in metres (GDAL's convention)."""
    from coverage_gis.io.dem import read_dem_tiles

    metres = np.linspace(2.5, 294.5, 30 * 20).reshape(30, 20)
    raw = (metres / unit_m - offset) / scale
    with rasterio.open(tmp_path / "d.tif", "w", driver="GTiff", width=20, height=30, count=1,
                       dtype=stored, crs="EPSG:32648",
                       transform=from_origin(585000, 2222000, 30, 30)) as ds:
        ds.write(np.round(raw).astype(stored) if stored == "int16" else raw.astype(stored), 1)
        ds.scales, ds.offsets, ds.units = (scale,), (offset,), (unit,)
    tol = 0.5 * scale * unit_m + 1e-6 if stored == "int16" else 1e-3
    for dem in (cg.read_dem(tmp_path / "d.tif"),
                read_dem_tiles([tmp_path / "d.tif"], (585000, 2222000 - 600, 585300, 2222000))):
        np.testing.assert_allclose(dem.data, metres[:dem.data.shape[0], :dem.data.shape[1]],
                                   atol=tol)


def test_a_dem_in_an_unknown_height_unit_is_refused(tmp_path):
    path = write_dem(tmp_path / "d.tif", np.ones((5, 5)))
    with rasterio.open(path, "r+") as ds:
        ds.units = ("fathom",)
    (err,) = errors_of(cg.read_dem, path)
    assert "d.tif: band 1 holds heights in 'fathom'" in err


# --------------------------------------------------------------------------------------------
# Legacy Vietnamese encodings in shapefiles
# --------------------------------------------------------------------------------------------

TCVN3_NAME = "Th«n §«ng S¬n"   # "Thôn Đông Sơn" in TCVN3 bytes, read as Latin-1
VNI_NAME = "Thoân Ñoâng Sôn"   # "Thôn Đông Sơn" in VNI-Windows bytes, read as Latin-1


@pytest.mark.parametrize("encoding,raw", [("tcvn3", TCVN3_NAME), ("vni", VNI_NAME)])
def test_legacy_shapefile_text_is_converted_when_named(tmp_path, hamlets_gdf, encoding, raw):
    gdf = hamlets_gdf.copy()
    gdf["name"] = [raw, raw + "a"]  # the second ends in a bare vowel (GDAL's lost last char)
    gdf.to_file(tmp_path / "thon.shp", encoding="ISO-8859-1")
    (tmp_path / "thon.cpg").unlink(missing_ok=True)
    with pytest.warns(cg.InputWarning, match=rf"column 'name' looks like legacy Vietnamese "
                                             rf"{encoding.upper()}.*encoding='{encoding}'"):
        cg.read_hamlets(tmp_path / "thon.shp", encoding="latin-1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = cg.read_hamlets(tmp_path / "thon.shp", encoding=encoding)
    assert list(out["name"]) == ["Thôn Đông Sơn", "Thôn Đông Sơna"]


# --------------------------------------------------------------------------------------------
# Inputs are never modified
# --------------------------------------------------------------------------------------------

def test_reading_never_modifies_inputs(tmp_path, hamlets_gdf):
    bowtie = shapely.Polygon([(LON, LAT), (LON + .01, LAT + .01), (LON + .01, LAT),
                              (LON, LAT + .01)])
    gdf = hamlets_gdf.copy()
    gdf.loc[1, "geometry"] = bowtie
    gdf.to_file(tmp_path / "thon.shp")
    before = digest(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cg.read_hamlets(tmp_path / "thon.shp")
    assert digest(tmp_path) == before


# Fast paths of loading (a province's million households): the same results as the slow ones

@pytest.mark.parametrize("integer,required,value_range", [
    (False, False, None), (True, True, (0, 10)), (False, True, (1, 5))])
def test_a_numeric_column_reads_as_the_same_values_given_as_text(integer, required,
                                                                  value_range):
    """A column of numbers (float64, Int64) is taken as it is, with the values and the
    problems of the same column read value by value (object dtype)."""
    from coverage_gis.io.schema import Problems, _numeric_column

    numbers = pd.Series([1.0, np.nan, 2.5, 12.0, -3.0, 4.0, float("inf")], index=range(7))
    for column in (numbers, numbers.iloc[[0, 1, 3, 4, 5]].astype("Int64")):
        fast, slow = Problems("f.gpkg", "feature"), Problems("f.gpkg", "feature")
        a = _numeric_column(pd.DataFrame({"n": column}), "n", fast, integer=integer,
                            required=required, value_range=value_range)
        b = _numeric_column(pd.DataFrame({"n": column.astype(object)}), "n", slow,
                            integer=integer, required=required, value_range=value_range)
        pd.testing.assert_series_equal(a, b)
        assert fast.errors == slow.errors and (fast.errors or not (integer or required))


def test_text_ids_are_stripped_and_blanks_are_missing():
    from coverage_gis.io.schema import _clean_text, _text_column

    raw = pd.Series([" a ", "b", "   ", None, "a", "\u00a0c\t", ""], dtype=object)
    got = _text_column(pd.DataFrame({"id": raw}), "id")
    assert list(got) == [_clean_text(v) for v in raw] == ["a", "b", None, None, "a", "c", None]


def test_points_near_the_study_area_found_by_coordinates_as_by_geometry():
    from coverage_gis.io.project import _intersecting

    area = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)]).buffer(0)
    shapely.prepare(area)
    points = shapely.points([(5, 5), (10, 5), (11, 5), (0, 0), (-1e-9, 3), (5, 10.5)])
    np.testing.assert_array_equal(_intersecting(points, area),
                                  shapely.intersects(points, area))
    assert list(_intersecting(points, area)) == [True, True, False, True, False, False]
    mixed = np.array([*points[:2], shapely.LineString([(11, 0), (12, 1)]), None,
                      shapely.Point()], dtype=object)
    assert list(_intersecting(mixed, area)) == [True, True, False, False, False]
