"""Bad input files, each run through the real command line (``coverage-gis validate``).

Every case must end in exit code 1 with one error line naming the file, the row or feature
(where there is one), the column (where there is one) and what was expected; no traceback, no
crash log, and every input file byte-identical afterwards (no file added either). Layers without
a command-line flag (commune, railway, constraints, urban areas) go through a scenario TOML.
The cases that are repaired or only partly bad (a warning, exit code 0) follow at the end.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

import coverage_gis as cg
from coverage_gis.cli.main import main

from .conftest import LAT, LON, digest, square, write_text

# --------------------------------------------------------------------------------------------
# Building inputs
# --------------------------------------------------------------------------------------------

GARBAGE = bytes(range(256)) * 8  # binary: every byte value, zero bytes included
LINE = shapely.LineString([(LON, LAT), (LON + 0.01, LAT)])
SITES = "site_id,operator,technology,lon,lat\n"
OCID_HEADER = ("radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,"
               "averageSignal\n")


def hamlets(folder: Path, name: str = "thon.geojson") -> Path:
    """Two good hamlets (WGS 84)."""
    gpd.GeoDataFrame({"hamlet_id": ["T1", "T2"], "name": ["Thôn Đông", "Thôn Đoài"]},
                     geometry=[square(LON, LAT), square(LON + 0.008, LAT)],
                     crs=4326).to_file(folder / name)
    return folder / name


def layer(folder: Path, file: str, geometries: list, driver: str | None = None, /,
          **columns: list) -> Path:
    """A vector file of ``geometries`` with attribute ``columns`` (WGS 84)."""
    gdf = gpd.GeoDataFrame(columns or {"name": [f"f{i}" for i in range(len(geometries))]},
                           geometry=geometries, crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.to_file(folder / file, driver=driver)
    return folder / file


def scenario(folder: Path, **layers: str | dict) -> list[str]:
    """A scenario TOML with the good hamlets plus ``layers``; the CLI arguments to validate
    it."""
    hamlets(folder)
    lines = ["[scenario]", 'name = "bad inputs"', "", "[layers]", 'hamlets = "thon.geojson"']
    for name, value in layers.items():
        if isinstance(value, dict):
            value = "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items()) + " }"
        else:
            value = json.dumps(value)
        lines.append(f"{name} = {value}")
    write_text(folder / "scenario.toml", "\n".join(lines) + "\n")
    return [str(folder / "scenario.toml")]


def dem(path: Path, data: np.ndarray, crs: str | None = "EPSG:32648",
        transform: object = None, nodata: float | None = -9999.0) -> Path:
    """A one-band float32 GeoTIFF."""
    transform = transform or from_origin(585000, 2222000, 30, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(path, "w", driver="GTiff", width=data.shape[1],
                           height=data.shape[0], count=1, dtype="float32", crs=crs,
                           nodata=nodata, transform=transform) as ds:
            ds.write(data.astype("float32"), 1)
    return path


def hamlets_bounds_utm() -> tuple[float, float, float, float]:
    """The good hamlets' bounds in UTM 48N (EPSG:32648)."""
    gdf = gpd.GeoDataFrame(geometry=[square(LON, LAT), square(LON + 0.008, LAT)], crs=4326)
    return tuple(gdf.to_crs(32648).total_bounds)


def xlsx(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_excel(path.with_suffix(".xlsx"), index=False)
    if path.suffix != ".xlsx":
        path.with_suffix(".xlsx").rename(path)
    return path


# --------------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One bad input: ``build`` writes it into a folder and returns the arguments of
    ``validate``; one error line must hold the file name, ``where`` (``"row 2"``,
    ``"feature 1"``, None when the problem has no row), ``column`` (None when none) and
    ``expected`` (what the file should have held)."""

    id: str
    layer: str
    build: Callable[[Path], list[str]]
    file: str
    where: str | None
    column: str | None
    expected: str


def _hamlets_points(d: Path) -> list[str]:
    layer(d, "thon.geojson", [square(LON, LAT), shapely.Point(LON, LAT)],
          hamlet_id=["T1", "T2"], name=["a", "b"])
    return ["--hamlets", str(d / "thon.geojson")]


def _hamlets_gpkg_layers(d: Path) -> list[str]:
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1"], "name": ["a"]}, geometry=[square(LON, LAT)],
                           crs=4326)
    for name in ("thon", "other"):
        gdf.to_file(d / "commune.gpkg", layer=name)
    return ["--hamlets", str(d / "commune.gpkg")]


def _hamlets_folder(d: Path) -> list[str]:
    (d / "thon").mkdir()
    hamlets(d / "thon")
    return ["--hamlets", str(d / "thon")]


def _hamlets_duplicate_ids(d: Path) -> list[str]:
    layer(d, "thon.geojson", [square(LON, LAT), square(LON + 0.008, LAT)],
          hamlet_id=["T1", "T1"], name=["a", "b"])
    return ["--hamlets", str(d / "thon.geojson")]


def _hamlets_shapefile_without_dbf(d: Path) -> list[str]:
    hamlets(d, "thon.shp")
    (d / "thon.dbf").unlink()
    return ["--hamlets", str(d / "thon.shp")]


def _hamlets_projected_geojson(d: Path) -> list[str]:
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1"], "name": ["a"]},
                           geometry=[shapely.box(590000, 2219000, 590500, 2219500)])
    write_text(d / "thon.geojson", gdf.to_json())  # no CRS member: old VN-2000 GeoJSON
    return ["--hamlets", str(d / "thon.geojson")]


def _hamlets_garbage_zip(d: Path) -> list[str]:
    (d / "thon.zip").write_bytes(GARBAGE)
    return ["--hamlets", str(d / "thon.zip")]


def _hamlets_zip_without_shapefile(d: Path) -> list[str]:
    with zipfile.ZipFile(d / "thon.zip", "w") as z:
        z.writestr("readme.txt", "the hamlets are in the other e-mail")
    return ["--hamlets", str(d / "thon.zip")]


def _hamlets_grouped_count(d: Path) -> list[str]:
    layer(d, "thon.geojson", [square(LON, LAT)], hamlet_id=["T1"], name=["a"],
          households=["1.340"])
    return ["--hamlets", str(d / "thon.geojson")]


def _hamlets_broken_kml(d: Path) -> list[str]:
    write_text(d / "thon.kml", '<?xml version="1.0" encoding="UTF-8"?>\n'
                               '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>\n'
                               "<Placemark><name>Thôn Đông</name>\n"
                               "</Document></kml>\n")
    return ["--hamlets", str(d / "thon.kml")]


def _commune_lines(d: Path) -> list[str]:
    layer(d, "xa.gpkg", [LINE])
    return scenario(d, commune="xa.gpkg")


def _commune_collapsed_polygon(d: Path) -> list[str]:
    flat = shapely.Polygon([(LON, LAT), (LON + 0.01, LAT), (LON + 0.02, LAT)])  # no area
    layer(d, "xa.geojson", [flat])
    return scenario(d, commune="xa.geojson")


def _commune_empty_file(d: Path) -> list[str]:
    write_text(d / "xa.geojson", "")
    return scenario(d, commune="xa.geojson")


def _sites_two_lat(d: Path) -> list[str]:
    write_text(d / "sites.csv", "site_id,operator,technology,lon,lat,lat\n"
                                f"A,Viettel,4G,{LON},{LAT},{LAT + 0.01}\n")
    return ["--sites", str(d / "sites.csv")]


def _sites_lat_and_latitude(d: Path) -> list[str]:
    write_text(d / "sites.csv", "site_id,operator,technology,lon,lat,latitude\n"
                                f"A,Viettel,4G,{LON},{LAT},{LAT + 0.01}\n")
    return ["--sites", str(d / "sites.csv")]


def _sites_utf16_named_for_utf8(d: Path) -> list[str]:
    write_text(d / "sites.csv", SITES + f"Đông,Viettel,4G,{LON},{LAT}\n")
    return ["--sites", str(d / "sites.csv"), "--encoding", "utf-16"]


def _sites_unknown_encoding(d: Path) -> list[str]:
    write_text(d / "sites.csv", SITES + f"A,Viettel,4G,{LON},{LAT}\n")
    return ["--sites", str(d / "sites.csv"), "--encoding", "foo"]


def _sites_cp1258_named_for_utf8(d: Path) -> list[str]:
    write_text(d / "sites.csv", SITES + f"Trạm Đông,Viettel,4G,{LON},{LAT}\n")
    return ["--sites", str(d / "sites.csv"), "--encoding", "cp1258"]


def _sites_binary(d: Path) -> list[str]:
    (d / "sites.csv").write_bytes(GARBAGE)
    return ["--sites", str(d / "sites.csv")]


def _sites_workbook_named_csv(d: Path) -> list[str]:
    xlsx(d / "sites.csv", pd.DataFrame({"site_id": ["A"], "lon": [LON], "lat": [LAT]}))
    return ["--sites", str(d / "sites.csv")]


def _sites_utf16_without_bom(d: Path) -> list[str]:
    text = SITES + f"A,Viettel,4G,{LON},{LAT}\n"
    (d / "sites.csv").write_bytes(text.encode("utf-16-le"))
    return ["--sites", str(d / "sites.csv")]


def _sites_text_named_xlsx(d: Path) -> list[str]:
    write_text(d / "sites.xlsx", SITES + f"A,Viettel,4G,{LON},{LAT}\n")
    return ["--sites", str(d / "sites.xlsx")]


def _sites_duplicate_ids(d: Path) -> list[str]:
    write_text(d / "sites.csv", SITES + f"A,Viettel,4G,{LON},{LAT}\nA,MobiFone,4G,{LON},{LAT}\n")
    return ["--sites", str(d / "sites.csv")]


def _sites_empty_lat(d: Path) -> list[str]:
    write_text(d / "sites.csv", SITES + f"A,Viettel,4G,{LON},{LAT}\nB,Viettel,4G,{LON},\n")
    return ["--sites", str(d / "sites.csv")]


def _sites_nan_lon(d: Path) -> list[str]:
    write_text(d / "sites.csv", SITES + f"A,Viettel,4G,nan,{LAT}\n")
    return ["--sites", str(d / "sites.csv")]


def _sites_xlsx_bad_technology(d: Path) -> list[str]:
    xlsx(d / "sites.xlsx", pd.DataFrame({"site_id": ["A"], "operator": ["Viettel"],
                                         "technology": ["6G"], "lon": [LON], "lat": [LAT]}))
    return ["--sites", str(d / "sites.xlsx")]


def _sites_decimal_comma(d: Path) -> list[str]:
    """A decimal comma where commas separate the fields (quoted). With ';' between the fields
    it is read (tests/test_review11.py)."""
    write_text(d / "sites.csv", "site_id,operator,technology,height_m,lon,lat\n"
                                f'A,Viettel,4G,"35,5",{LON},{LAT}\n')
    return ["--sites", str(d / "sites.csv")]


def _sites_zero_height(d: Path) -> list[str]:
    """An antenna 0 m above ground: a blank written as zero (the models take its logarithm)."""
    write_text(d / "sites.csv", "site_id,operator,technology,height_m,lon,lat\n"
                                f"A,Viettel,4G,30,{LON},{LAT}\nB,Viettel,4G,0,{LON},{LAT}\n")
    return ["--sites", str(d / "sites.csv")]


def _ocid_bad_mcc(d: Path) -> list[str]:
    write_text(d / "452.csv", OCID_HEADER + f"LTE,VN,4,12017,3078401,,{LON},{LAT},1000,12,1,"
                                            "1600000000,1700000000,0\n")
    return ["--sites", str(d / "452.csv")]


def _ocid_no_known_network(d: Path) -> list[str]:
    write_text(d / "452.csv", f"LTE,310,260,1,2,,{LON},{LAT},1000,12,1,1600000000,1700000000,0\n"
                              f"WIFI,452,4,1,3,,{LON},{LAT},1000,12,1,1600000000,1700000000,0\n")
    return ["--sites", str(d / "452.csv")]


def _ocid_lat_out_of_range(d: Path) -> list[str]:
    write_text(d / "452.csv", OCID_HEADER + f"GSM,452,4,1,2,,{LON},120.5,1000,12,1,"
                                            "1600000000,1700000000,0\n")
    return ["--sites", str(d / "452.csv")]


def _fibre_kml_without_operator(d: Path) -> list[str]:
    layer(d, "routes.kml", [LINE], "LIBKML", Name=["tuyen 1"])
    return ["--fibre", str(d / "routes.kml")]


def _fibre_json_not_geojson(d: Path) -> list[str]:
    write_text(d / "routes.geojson", json.dumps({"routes": [[LON, LAT], [LON + 0.01, LAT]]}))
    return ["--fibre", str(d / "routes.geojson")]


def _fibre_points_shapefile(d: Path) -> list[str]:
    layer(d, "routes.shp", [shapely.Point(LON, LAT)], operator=["VNPT"])
    return ["--fibre", str(d / "routes.shp")]


def _fibre_garbage_kmz(d: Path) -> list[str]:
    (d / "routes.kmz").write_bytes(GARBAGE)
    return ["--fibre", str(d / "routes.kmz")]


def _ap_ports(d: Path) -> list[str]:
    write_text(d / "ap.csv", "ap_id,operator,ports_total,ports_used,lon,lat\n"
                             f"A,VNPT,8,9,{LON},{LAT}\n")
    return ["--access-points", str(d / "ap.csv")]


def _ap_garbage_gpkg(d: Path) -> list[str]:
    (d / "ap.gpkg").write_bytes(GARBAGE)
    return ["--access-points", str(d / "ap.gpkg")]


def _ap_nan_coordinates(d: Path) -> list[str]:
    layer(d, "ap.gpkg", [shapely.Point(np.nan, np.nan)], ap_id=["A"], operator=["VNPT"])
    return ["--access-points", str(d / "ap.gpkg")]


def _households_outside_hamlets(d: Path) -> list[str]:
    hamlets(d)
    write_text(d / "hh.csv", "household_id,lon,lat\n"
                             f"H1,{LON + 0.05},{LAT}\nH2,{LON + 0.06},{LAT}\n")
    return ["--hamlets", str(d / "thon.geojson"), "--households", str(d / "hh.csv")]


def _households_unknown_hamlet(d: Path) -> list[str]:
    hamlets(d)
    write_text(d / "hh.csv", f"household_id,hamlet_id,lon,lat\nH1,T9,{LON},{LAT}\n")
    return ["--hamlets", str(d / "thon.geojson"), "--households", str(d / "hh.csv")]


def _households_garbage_shapefile(d: Path) -> list[str]:
    for ext in ("shp", "shx", "dbf"):
        (d / f"hh.{ext}").write_bytes(GARBAGE)
    return ["--households", str(d / "hh.shp")]


def _households_bad_flag(d: Path) -> list[str]:
    write_text(d / "hh.csv", f"household_id,is_cultural_house,lon,lat\nH1,maybe,{LON},{LAT}\n")
    return ["--households", str(d / "hh.csv")]


def _roads_points_gpkg(d: Path) -> list[str]:
    layer(d, "roads.gpkg", [shapely.Point(LON, LAT)])
    return ["--roads", str(d / "roads.gpkg")]


def _roads_not_kml(d: Path) -> list[str]:
    write_text(d / "roads.kml", '<?xml version="1.0"?>\n<gpx version="1.1"><trk/></gpx>\n')
    return ["--roads", str(d / "roads.kml")]


def _railway_polygons(d: Path) -> list[str]:
    layer(d, "railway.geojson", [square(LON, LAT)])
    return scenario(d, railway="railway.geojson")


def _constraints_unknown_kind(d: Path) -> list[str]:
    layer(d, "constraints.geojson", [shapely.Point(LON, LAT)], kind=["pagoda"])
    return scenario(d, constraints="constraints.geojson")


def _constraints_without_kind(d: Path) -> list[str]:
    layer(d, "constraints.shp", [shapely.Point(LON, LAT)], name=["trường"])
    return scenario(d, constraints="constraints.shp")


def _urban_points(d: Path) -> list[str]:
    layer(d, "urban.shp", [shapely.Point(LON, LAT)])
    return scenario(d, urban_areas="urban.shp")


def _statistics_grouped_dot(d: Path) -> list[str]:
    write_text(d / "stats.csv", "year,population,households\n2025,4.989,1350\n")
    return ["--statistics", str(d / "stats.csv")]


def _statistics_grouped_comma(d: Path) -> list[str]:
    write_text(d / "stats.csv", "year;population;households\n2025;4989;1,350\n")
    return ["--statistics", str(d / "stats.csv")]


def _statistics_xlsx_grouped(d: Path) -> list[str]:
    xlsx(d / "stats.xlsx", pd.DataFrame({"year": [2025], "households": [1.350]}))
    return ["--statistics", str(d / "stats.xlsx")]


def _statistics_duplicate_year(d: Path) -> list[str]:
    write_text(d / "stats.csv", "year,population\n2025,4989\n2025,4990\n")
    return ["--statistics", str(d / "stats.csv")]


def _statistics_garbage_xlsx(d: Path) -> list[str]:
    (d / "stats.xlsx").write_bytes(GARBAGE)
    return ["--statistics", str(d / "stats.xlsx")]


def _statistics_unknown_encoding_in_scenario(d: Path) -> list[str]:
    write_text(d / "stats.csv", "year,population\n2025,4989\n")
    return scenario(d, statistics={"path": "stats.csv", "encoding": "vn-1258"})


def _dem_without_crs(d: Path) -> list[str]:
    dem(d / "dem.tif", np.ones((5, 5)), crs=None)
    return ["--dem", str(d / "dem.tif")]


def _dem_absurd_heights(d: Path) -> list[str]:
    data = np.ones((5, 5))
    data[2, 3] = -32768  # an undeclared nodata value
    dem(d / "dem.tif", data, nodata=None)
    return ["--dem", str(d / "dem.tif")]


def _dem_infinite_height(d: Path) -> list[str]:
    """Found by fuzzing: an infinite height passed the range check (it tested finite pixels
    only) and the terrain sweep saw an infinitely high wall, with no word."""
    data = np.ones((5, 5), dtype=np.float32)
    data[1, 2] = np.inf
    dem(d / "dem.tif", data, nodata=None)
    return ["--dem", str(d / "dem.tif")]


def _dem_elsewhere(d: Path) -> list[str]:
    hamlets(d)
    dem(d / "dem.tif", np.ones((10, 10)), transform=from_origin(300000, 1500000, 30, 30))
    return ["--hamlets", str(d / "thon.geojson"), "--dem", str(d / "dem.tif")]


def _dem_nodata_over_hamlets(d: Path) -> list[str]:
    hamlets(d)
    left, bottom, right, top = hamlets_bounds_utm()
    data = np.full((100, 100), -9999.0)
    data[:5] = 20.0  # heights only along the northern edge, 4 km from the hamlets
    dem(d / "dem.tif", data, transform=from_origin(left - 5000, top + 5000, 100, 100))
    return ["--hamlets", str(d / "thon.geojson"), "--dem", str(d / "dem.tif")]


def _dem_degrees_in_metric_crs(d: Path) -> list[str]:
    dem(d / "dem.tif", np.ones((10, 10)), transform=from_origin(105.85, 20.07, 0.0003, 0.0003))
    return ["--dem", str(d / "dem.tif")]


def _dem_metres_in_degree_crs(d: Path) -> list[str]:
    dem(d / "dem.tif", np.ones((10, 10)), crs="EPSG:4326")
    return ["--dem", str(d / "dem.tif")]


def _dem_garbage(d: Path) -> list[str]:
    (d / "dem.tif").write_bytes(GARBAGE)
    return ["--dem", str(d / "dem.tif")]


CASES = [
    # hamlets: GeoJSON, GeoPackage, shapefile, zipped shapefile, KML, a folder
    Case("hamlets-points", "hamlets", _hamlets_points, "thon.geojson", "feature 2", "geometry",
         "expected Polygon or MultiPolygon"),
    Case("hamlets-gpkg-layers", "hamlets", _hamlets_gpkg_layers, "commune.gpkg", None, None,
         "has 2 layers (thon, other); name one with layer="),
    Case("hamlets-folder", "hamlets", _hamlets_folder, "thon", None, None,
         "is a folder; expected a file"),
    Case("hamlets-duplicate-ids", "hamlets", _hamlets_duplicate_ids, "thon.geojson",
         "feature 1", "hamlet_id", "ids must be unique"),
    Case("hamlets-shp-without-dbf", "hamlets", _hamlets_shapefile_without_dbf, "thon.shp",
         None, None, "thon.dbf missing beside it; a shapefile is several files"),
    Case("hamlets-projected-geojson", "hamlets", _hamlets_projected_geojson, "thon.geojson",
         "feature 1", None, "name their CRS with crs="),
    Case("hamlets-garbage-zip", "hamlets", _hamlets_garbage_zip, "thon.zip", None, None,
         "is not a ZIP archive (a damaged file, or another kind of file renamed .zip); "
         "expected a zipped shapefile"),
    Case("hamlets-zip-without-shapefile", "hamlets", _hamlets_zip_without_shapefile,
         "thon.zip", None, None, "holds no shapefile (.shp) or other vector file (files inside: "
                                 "readme.txt); expected a zipped shapefile"),
    Case("hamlets-grouped-count", "hamlets", _hamlets_grouped_count, "thon.geojson",
         "feature 1", "households", "if '.' groups thousands here (Vietnamese style: "
                                    "1.340 = 1340), write 1340 without separators"),
    Case("hamlets-broken-kml", "hamlets", _hamlets_broken_kml, "thon.kml", "line 4", None,
         "expected a well-formed KML document"),
    # commune boundary (scenario): GeoPackage, GeoJSON
    Case("commune-lines", "commune", _commune_lines, "xa.gpkg", "feature 1", "geometry",
         "expected Polygon or MultiPolygon"),
    Case("commune-collapsed-polygon", "commune", _commune_collapsed_polygon, "xa.geojson",
         "feature 1", None, "could not be repaired into one with an area; expected a valid "
                            "polygon"),
    Case("commune-empty-file", "commune", _commune_empty_file, "xa.geojson", None, None,
         "is empty (0 bytes); expected a GeoJSON file"),
    # sites: CSV, XLSX, wrong encodings, binary
    Case("sites-two-lat", "sites", _sites_two_lat, "sites.csv", None, "lat",
         "appears 2 times (columns 5 and 6); expected each column name once"),
    Case("sites-lat-and-latitude", "sites", _sites_lat_and_latitude, "sites.csv", None,
         "'lat' and 'latitude'", "expected exactly one latitude column"),
    Case("sites-utf16-for-utf8", "sites", _sites_utf16_named_for_utf8, "sites.csv", None,
         None, "is not utf-16 text: it has no byte-order mark and no zero bytes"),
    Case("sites-unknown-encoding", "sites", _sites_unknown_encoding, "sites.csv", None,
         "encoding='foo'", "is not a known text encoding; expected tcvn3 or vni"),
    Case("sites-cp1258-for-utf8", "sites", _sites_cp1258_named_for_utf8, "sites.csv", None,
         None, "is UTF-8 text, not cp1258"),
    Case("sites-binary", "sites", _sites_binary, "sites.csv", None, None,
         "holds binary data (zero bytes), not text; expected a CSV table"),
    Case("sites-workbook-named-csv", "sites", _sites_workbook_named_csv, "sites.csv", None,
         None, "is a ZIP archive (an Excel workbook or a zipped shapefile renamed?)"),
    Case("sites-utf16-without-bom", "sites", _sites_utf16_without_bom, "sites.csv", None,
         None, "looks like UTF-16 text without a byte-order mark; name its encoding with "
               "--encoding utf-16-le"),
    Case("sites-text-named-xlsx", "sites", _sites_text_named_xlsx, "sites.xlsx", None, None,
         "cannot be read as an Excel workbook: it is not an .xlsx workbook"),
    Case("sites-duplicate-ids", "sites", _sites_duplicate_ids, "sites.csv", "row 1", "site_id",
         "is used by rows 1 and 2 (ids must be unique)"),
    Case("sites-empty-lat", "sites", _sites_empty_lat, "sites.csv", "row 2", "lat",
         "is empty; a number is required"),
    Case("sites-nan-lon", "sites", _sites_nan_lon, "sites.csv", "row 1", "lon",
         "is not a number"),
    Case("sites-xlsx-technology", "sites", _sites_xlsx_bad_technology, "sites.xlsx", "row 1",
         "technology", "expected 2G, 3G, 4G or 5G"),
    Case("sites-decimal-comma", "sites", _sites_decimal_comma, "sites.csv", "row 1",
         "height_m", "is not a number (write decimals with a point, e.g. 35.5)"),
    Case("sites-zero-height", "sites", _sites_zero_height, "sites.csv", "row 2", "height_m",
         "height_m=0 is outside 1..300"),
    # OpenCelliD (through --sites)
    Case("ocid-bad-mcc", "opencellid", _ocid_bad_mcc, "452.csv", "row 1", "mcc",
         "is not a number"),
    Case("ocid-no-known-network", "opencellid", _ocid_no_known_network, "452.csv", None, None,
         "expected MCC-MNC 452-01, 452-02, 452-04, 452-05, 452-07 and radio GSM, UMTS, LTE "
         "or NR"),
    Case("ocid-lat-out-of-range", "opencellid", _ocid_lat_out_of_range, "452.csv", "row 1",
         "lat", "is outside -90..90"),
    # fibre: KML, GeoJSON, shapefile, KMZ
    Case("fibre-kml-no-operator", "fibre", _fibre_kml_without_operator, "routes.kml", None,
         "operator", "is required but missing; add it or name the operator of the whole file"),
    Case("fibre-json-not-geojson", "fibre", _fibre_json_not_geojson, "routes.geojson", None,
         None, 'is JSON but not GeoJSON: expected an object with "type": "FeatureCollection"'),
    Case("fibre-points-shapefile", "fibre", _fibre_points_shapefile, "routes.shp", "feature 1",
         "geometry", "expected LineString or MultiLineString"),
    Case("fibre-garbage-kmz", "fibre", _fibre_garbage_kmz, "routes.kmz", None, None,
         "is not a ZIP archive (a damaged file, or another kind of file renamed .kmz); "
         "expected a KMZ file"),
    # access points: CSV, GeoPackage
    Case("ap-ports", "access_points", _ap_ports, "ap.csv", "row 1", "ports_used",
         "is more than ports_total=8"),
    Case("ap-garbage-gpkg", "access_points", _ap_garbage_gpkg, "ap.gpkg", None, None,
         "is not a GeoPackage: a GeoPackage is an SQLite database"),
    Case("ap-nan-coordinates", "access_points", _ap_nan_coordinates, "ap.gpkg", "feature 1",
         None, "has no geometry (empty or missing coordinates)"),
    # households: CSV, shapefile
    Case("households-outside-hamlets", "households", _households_outside_hamlets, "hh.csv",
         None, None, "cannot be computed; expected household points inside the hamlet "
                     "polygons"),
    Case("households-unknown-hamlet", "households", _households_unknown_hamlet, "hh.csv",
         "household_id='H1'", "hamlet_id='T9'", "is not a hamlet_id of the hamlets layer"),
    Case("households-garbage-shapefile", "households", _households_garbage_shapefile,
         "hh.shp", None, None, "cannot be read as a shapefile: GDAL does not recognise its "
                               "content"),
    Case("households-bad-flag", "households", _households_bad_flag, "hh.csv", "row 1",
         "is_cultural_house", "expected true/false, 1/0, yes/no"),
    # roads, railway (scenario): GeoPackage, KML, GeoJSON
    Case("roads-points", "roads", _roads_points_gpkg, "roads.gpkg", "feature 1", "geometry",
         "expected LineString or MultiLineString"),
    Case("roads-gpx-as-kml", "roads", _roads_not_kml, "roads.kml", None, None,
         "is XML but not KML (its root element is <gpx>); expected a <kml> document"),
    Case("railway-polygons", "railway", _railway_polygons, "railway.geojson", "feature 1",
         "geometry", "expected LineString or MultiLineString"),
    # constraints, urban areas (scenario): GeoJSON, shapefile
    Case("constraints-unknown-kind", "constraints", _constraints_unknown_kind,
         "constraints.geojson", "feature 1", "kind", "give min_distance_m"),
    Case("constraints-without-kind", "constraints", _constraints_without_kind,
         "constraints.shp", None, "kind", "is required but missing"),
    Case("urban-points", "urban_areas", _urban_points, "urban.shp", "feature 1", "geometry",
         "expected Polygon or MultiPolygon"),
    # statistics: CSV, XLSX
    Case("statistics-grouped-dot", "statistics", _statistics_grouped_dot, "stats.csv", "row 1",
         "population", "counts are whole numbers; if '.' groups thousands here"),
    Case("statistics-grouped-comma", "statistics", _statistics_grouped_comma, "stats.csv",
         "row 1", "households",
         "counts are whole numbers; if ',' groups thousands here (English style:"),
    Case("statistics-xlsx-grouped", "statistics", _statistics_xlsx_grouped, "stats.xlsx",
         "row 1", "households", "(Vietnamese style: 1.350 = 1350), write 1350"),
    Case("statistics-duplicate-year", "statistics", _statistics_duplicate_year, "stats.csv",
         "row 1", "year", "appears in rows 1 and 2 (one row per year)"),
    Case("statistics-garbage-xlsx", "statistics", _statistics_garbage_xlsx, "stats.xlsx", None,
         None, "cannot be read as an Excel workbook"),
    Case("statistics-unknown-encoding", "statistics", _statistics_unknown_encoding_in_scenario,
         "stats.csv", None, "encoding='vn-1258'", "expected tcvn3 or vni"),
    # DEM: GeoTIFF
    Case("dem-no-crs", "dem", _dem_without_crs, "dem.tif", None, None,
         "has no CRS; name it with crs="),
    Case("dem-absurd-heights", "dem", _dem_absurd_heights, "dem.tif", "row 3, column 4",
         "height=-32768", "is outside -500..9000 m"),
    Case("dem-infinite-height", "dem", _dem_infinite_height, "dem.tif", "row 2, column 3",
         "height=inf", "is outside -500..9000 m"),
    Case("dem-elsewhere", "dem", _dem_elsewhere, "dem.tif", None, None,
         "does not overlap the hamlets at all"),
    Case("dem-nodata-over-hamlets", "dem", _dem_nodata_over_hamlets, "dem.tif", None, None,
         "holds no ground height over the hamlets (only nodata there); expected heights"),
    Case("dem-degrees-in-metric-crs", "dem", _dem_degrees_in_metric_crs, "dem.tif", None, None,
         "look like degrees; expected the raster's real CRS"),
    Case("dem-metres-in-degree-crs", "dem", _dem_metres_in_degree_crs, "dem.tif", None, None,
         "counts in degrees, but its position (585000, 2222000)"),
    Case("dem-garbage", "dem", _dem_garbage, "dem.tif", None, None,
         "is not a raster GDAL can read, such as a GeoTIFF"),
]


def run_validate(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The inputs' folder; crash logs (there must be none) go beside it."""
    monkeypatch.setenv("COVERAGE_GIS_LOG_DIR", str(tmp_path / "logs"))
    (tmp_path / "in").mkdir()
    return tmp_path / "in"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_ends_in_a_clear_error(case: Case, folder: Path, capsys):
    args = case.build(folder)
    capsys.readouterr()
    before = digest(folder)
    code, text = run_validate(args, capsys)
    assert code == 1, text
    assert "Traceback" not in text and "unexpected error" not in text, text
    assert not (folder.parent / "logs").exists()
    wanted = [case.file, case.where, case.column, case.expected]
    lines = [line for line in text.splitlines()
             if all(w in line for w in wanted if w is not None)]
    assert lines, f"no error line holds all of {wanted}:\n{text}"
    assert digest(folder) == before  # inputs untouched, nothing written beside them


def test_every_layer_has_a_bad_input_case():
    assert {c.layer for c in CASES} == {
        "hamlets", "commune", "sites", "opencellid", "fibre", "access_points", "households",
        "roads", "railway", "constraints", "urban_areas", "statistics", "dem"}
    assert len({c.id for c in CASES}) == len(CASES) >= 35


# --------------------------------------------------------------------------------------------
# Read correctly, or repaired with a warning (exit code 0)
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", [None, "utf-8", "cp1258"])
def test_csv_with_a_utf8_byte_order_mark_is_read(folder, capsys, encoding):
    path = folder / "sites.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (SITES + f"A,Viettel,4G,{LON},{LAT}\n").encode())
    sites = cg.read_sites(path, encoding=encoding)
    assert list(sites["site_id"]) == ["A"]
    args = ["--sites", str(path)] + (["--encoding", encoding] if encoding else [])
    code, text = run_validate(args, capsys)
    assert code == 0, text


def test_utf16_text_with_its_byte_order_mark_is_read(folder):
    path = folder / "sites.txt"
    path.write_bytes((SITES.replace(",", "\t") + f"Trạm Đông\tViettel\t4G\t{LON}\t{LAT}\n")
                     .encode("utf-16"))  # Excel's "Unicode text"
    assert list(cg.read_sites(path)["site_id"]) == ["Trạm Đông"]


@pytest.mark.parametrize("text,value", [("4.989.000", 4_989_000), ("4,989,000", 4_989_000),
                                        ('"4 989"', 4989), ("4\u00a0989", 4989),
                                        ("4989", 4989)])
def test_counts_with_unambiguous_digit_grouping_are_read(folder, text, value):
    path = write_text(folder / "stats.csv", f"year;population\n2025;{text}\n")
    assert cg.read_statistics(path).loc[0, "population"] == value


def test_households_partly_outside_hamlets_are_counted_in_a_warning(folder, capsys):
    hamlets(folder)
    write_text(folder / "hh.csv", "household_id,lon,lat\n"
                                  f"H1,{LON},{LAT}\nH2,{LON + 0.05},{LAT}\nH3,{LON + 0.06},{LAT}\n")
    code, text = run_validate(["--hamlets", str(folder / "thon.geojson"),
                               "--households", str(folder / "hh.csv")], capsys)
    assert code == 0, text
    assert ("hh.csv: 2 of 3 households lie in no hamlet of thon.geojson: rows 2 and 3 "
            "(household_id H2, H3); they are left out of the per-hamlet shares") in text


def test_households_with_an_empty_hamlet_id_are_placed_by_location(folder, capsys):
    hamlets(folder)
    write_text(folder / "hh.csv", "household_id,hamlet_id,lon,lat\n"
                                  f"H1,T1,{LON},{LAT}\nH2,,{LON + 0.008},{LAT}\n"
                                  f"H3,T2,{LON + 0.008},{LAT}\n")
    scenario_args = scenario(folder, households="hh.csv")
    with pytest.warns(cg.InputWarning, match=r"hh\.csv: column 'hamlet_id' is empty in row 2 "
                                             r"\(household_id H2\); each of those households "
                                             r"was given the hamlet it lies in"):
        project = cg.load_project(scenario_args[0])
    hh = project.households.set_index("household_id")
    assert list(hh["hamlet_id"]) == ["T1", "T2", "T2"]  # none dropped
    assert list(hh["hamlet_basis"]) == ["attribute", "location", "attribute"]


def test_dem_covering_part_of_the_hamlets_is_a_warning_with_its_share(folder, capsys):
    hamlets(folder)
    left, bottom, right, top = hamlets_bounds_utm()
    width = int((left + (right - left) / 2 - (left - 1000)) // 30)  # the western half only
    dem(folder / "dem.tif", np.full((120, width), 12.0),
        transform=from_origin(left - 1000, top + 1000, 30, 30))
    code, text = run_validate(["--hamlets", str(folder / "thon.geojson"),
                               "--dem", str(folder / "dem.tif")], capsys)
    assert code == 0, text
    assert "dem.tif: has no ground height over about 5" in text  # about half
    assert "ground there is taken as flat" in text


def test_unknown_encoding_is_refused_for_every_format(folder):
    for path in (hamlets(folder), hamlets(folder, "thon.shp")):
        with pytest.raises(cg.InputError, match=r"encoding='foo' .*is not a known text "
                                                r"encoding"):
            cg.read_hamlets(path, encoding="foo")


def test_legacy_encoding_named_for_unicode_text_is_refused(folder):
    with pytest.raises(cg.InputError, match=r"thon\.geojson: column 'name' holds Unicode text "
                                            r"\(e\.g\. 'Thôn Đông'\), not legacy TCVN3"):
        cg.read_hamlets(hamlets(folder), encoding="tcvn3")


def test_geojson_in_a_windows_codepage_is_read_with_its_encoding(folder, capsys):
    """Found by fuzzing: a GeoJSON saved in cp1258 was refused "name its encoding with
    --encoding, e.g. cp1258", and --encoding cp1258 was then ignored: the advice looped. The
    codec named now decodes the whole file; UTF-8 text named cp1258 is still refused."""
    path = hamlets(folder)
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1258"))  # "Thôn Đông": ô and Đ in one byte each
    with pytest.raises(cg.InputError, match="name its encoding with encoding= / --encoding"):
        cg.read_hamlets(path)
    assert list(cg.read_hamlets(path, encoding="cp1258")["name"]) == ["Thôn Đông", "Thôn Đoài"]
    code, out = run_validate(["--hamlets", str(path), "--encoding", "cp1258"], capsys)
    assert code == 0 and "does not apply" not in out, out
    utf8 = hamlets(folder, "utf8.geojson")
    with pytest.raises(cg.InputError, match=r"utf8\.geojson: is UTF-8 text, not cp1258"):
        cg.read_hamlets(utf8, encoding="cp1258")


@pytest.mark.parametrize("name", ["routes.geojson", "routes.kml"])
def test_a_line_of_one_point_is_named_by_its_feature(folder, capsys, name):
    """Found by fuzzing: GDAL reads a LineString of one point, GEOS cannot build it, and the
    message named no feature."""
    good = "[[105.86, 20.06], [105.87, 20.06]]"
    if name.endswith(".geojson"):
        feats = [f'{{"type": "Feature", "properties": {{"name": "r{i}"}}, "geometry": '
                 f'{{"type": "LineString", "coordinates": {c}}}}}'
                 for i, c in enumerate([good, "[[105.86, 20.06]]", good], 1)]
        text = '{"type": "FeatureCollection", "features": [' + ", ".join(feats) + "]}"
    else:
        marks = [f"<Placemark><name>r{i}</name><LineString><coordinates>{c}</coordinates>"
                 "</LineString></Placemark>"
                 for i, c in enumerate(["105.86,20.06 105.87,20.06", "105.86,20.06",
                                        "105.86,20.06 105.87,20.06"], 1)]
        text = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/'
                'kml/2.2"><Document>' + "".join(marks) + "</Document></kml>")
    path = write_text(folder / name, text)
    code, out = run_validate(["--fibre", str(path)], capsys)
    assert code == 1
    assert f"{name}: feature 2: a geometry that cannot be built" in out, out
    assert "expected lines of two points or more" in out


def test_utf8_csv_named_as_legacy_shows_its_vietnamese_garbled(folder, capsys):
    """Found by fuzzing: the example of what TCVN3 would make of a UTF-8 CSV showed the
    line's first 30 characters, ASCII ids, the same on both sides."""
    path = write_text(folder / "sites.csv", "site_id,operator,technology,lon,lat,name\n"
                      f"VTL-THA-1042-4G1800-1,Viettel,4G,{LON},{LAT},Trạm Đông\n")
    code, out = run_validate(["--sites", str(path), "--encoding", "tcvn3"], capsys)
    assert code == 1 and "read as tcvn3, 'Trạm' would become" in out, out


def test_a_hamlet_drawn_twice_is_warned_about(folder):
    """Found by fuzzing: a copy of a hamlet (same ground, another id) was accepted without a
    word and M4 counted it as a hamlet with no households. Neighbours that share a sliver
    are not warned about."""
    sq = [square(LON, LAT), square(LON + 0.008, LAT), square(LON, LAT),
          square(LON + 0.0159, LAT)]  # the 4th overlaps the 2nd by a sliver
    gpd.GeoDataFrame({"hamlet_id": ["T1", "T2", "T9", "T4"],
                      "name": ["Thôn Đông", "Thôn Đoài", "Thôn Đông", "Thôn Bắc"]},
                     geometry=sq, crs=4326).to_file(folder / "thon.geojson")
    with pytest.warns(cg.InputWarning) as caught:
        cg.read_hamlets(folder / "thon.geojson")
    copies = [str(w.message) for w in caught if "covers" in str(w.message)]
    assert copies == ["thon.geojson feature 3: hamlet_id='T9' covers 100% of the ground of "
                      "feature 1 (T1): a copy, or a hamlet drawn twice? Each house is counted "
                      "in one hamlet only, so one of the two looks empty"]


def test_the_overlap_warning_says_which_hamlet_covers_which(folder):
    """Found by fuzzing: "SMALL covers 60 % of the ground of BIG" when BIG covers 60 % of
    SMALL: the warning is on the larger, about the smaller's share."""
    big = square(LON, LAT, 0.004)
    small = shapely.box(LON + 0.001, LAT - 0.001, LON + 0.005, LAT + 0.001)  # 3/4 inside
    for order, want in (([0, 1], "feature 2: hamlet_id='BIG' covers 75% of the ground of "
                                 "feature 1 (SMALL)"),
                        ([1, 0], "feature 1: hamlet_id='BIG' covers 75% of the ground of "
                                 "feature 2 (SMALL)")):
        gpd.GeoDataFrame({"hamlet_id": ["SMALL", "BIG"], "name": ["Nhỏ", "Lớn"]},
                         geometry=[small, big], crs=4326
                         ).iloc[order].to_file(folder / "thon.geojson")
        with pytest.warns(cg.InputWarning) as caught:
            cg.read_hamlets(folder / "thon.geojson")
        copies = [str(w.message) for w in caught if "covers" in str(w.message)]
        assert len(copies) == 1 and copies[0].startswith(f"thon.geojson {want}"), copies


def test_a_land_cover_of_several_bands_says_which_it_reads(folder):
    """Found by fuzzing: a 3-band land cover (a coloured picture of one?) was read as classes
    without a word; a DEM's bands were already warned about."""
    from coverage_gis.io.landcover import read_landcover

    path = folder / "lc.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=3, dtype="uint8",
                       crs="EPSG:32648", transform=from_origin(588000, 2220000, 30, 30)) as ds:
        ds.write(np.stack([np.full((10, 10), v, np.uint8) for v in (40, 50, 60)]))
    with pytest.warns(cg.InputWarning, match="lc.tif: has 3 bands; using band 1 as land-cover "
                                             "classes"):
        classes = read_landcover(path)
    assert np.all(classes.data == 40)
    with pytest.raises(cg.InputError, match="lc.tif: has 3 band.s.; band=4 does not exist"):
        read_landcover(path, band=4)


def test_statistics_of_a_part_above_its_whole_are_warned_about(folder):
    """Found by fuzzing: adults 9,999,999 of a population of 4,905 was accepted without a
    word. Each (part, whole) pair of schema.STATISTICS_PARTS is checked."""
    path = write_text(folder / "stats.csv",
                      "year,population,adults,households,enterprises,"
                      "enterprises_on_digital_platforms\n"
                      "2025,4905,9999999,1350,12,15\n2024,4800,3500,1300,12,10\n")
    with pytest.warns(cg.InputWarning) as caught:
        stats = cg.read_statistics(path)
    said = sorted(str(w.message) for w in caught)
    assert said == [
        "stats.csv row 1: adults=9999999 is more than population=4905 in 2025: a typo? A "
        "share of the two would pass 100 %",
        "stats.csv row 1: enterprises_on_digital_platforms=15 is more than enterprises=12 "
        "in 2025: a typo? A share of the two would pass 100 %"]
    assert int(stats.set_index("year").loc[2025, "adults"]) == 9999999  # kept, as given


def test_statistics_above_the_whole_of_f1_and_m2_are_warned_about(folder):
    """Found by fuzzing: 5 household subscriptions of 3 households and 150 smartphone
    subscriptions of 100 passed without a word, and F1 167 % and M2 150 % were "met"."""
    path = write_text(folder / "stats.csv",
                      "year,households,household_ftth_subscriptions,mobile_subscriptions,"
                      "smartphone_subscriptions\n2025,3,5,100,150\n")
    with pytest.warns(cg.InputWarning) as caught:
        cg.read_statistics(path)
    said = sorted(str(w.message) for w in caught)
    assert said == [
        "stats.csv row 1: household_ftth_subscriptions=5 is more than households=3 in 2025: "
        "a typo? A share of the two would pass 100 %",
        "stats.csv row 1: smartphone_subscriptions=150 is more than mobile_subscriptions=100 "
        "in 2025: a typo? A share of the two would pass 100 %"]


def test_more_ftth_subscriptions_than_households_is_warned_about_when_f1_divides_them(folder):
    """Found by fuzzing: 9,999,999 FTTH subscriptions of 1,350 households passed without a
    word and F1 printed 740741 %. With household_ftth_subscriptions given, F1 does not divide
    ftth_subscriptions (which counts agencies' and enterprises' lines too): no warning."""
    path = write_text(folder / "stats.csv", "year,households,ftth_subscriptions\n"
                                            "2025,1350,9999999\n2024,1300,900\n")
    with pytest.warns(cg.InputWarning) as caught:
        cg.read_statistics(path)
    assert [str(w.message) for w in caught] == [
        "stats.csv row 1: ftth_subscriptions=9999999 is more than households=1350 in 2025, "
        "and F1 divides the two (no household_ftth_subscriptions given): a typo? If it counts "
        "agencies' and enterprises' lines too, give household_ftth_subscriptions"]
    path = write_text(folder / "stats2.csv",
                      "year,households,ftth_subscriptions,household_ftth_subscriptions\n"
                      "2025,1350,1400,1200\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cg.read_statistics(path)


def test_a_fibre_route_of_length_zero_is_left_out_with_a_warning(folder):
    lines = [shapely.LineString([(LON, LAT), (LON + 0.01, LAT)]),
             shapely.LineString([(LON + 0.03, LAT), (LON + 0.03, LAT)])]
    gpd.GeoDataFrame({"route_id": ["F1", "F2"], "operator": "Viettel"}, geometry=lines,
                     crs=4326).to_file(folder / "fibre.geojson")
    with pytest.warns(cg.InputWarning, match=r"fibre.geojson feature 2: is a line of length 0 "
                                             r".*: left out"):
        routes = cg.read_fibre(folder / "fibre.geojson")
    assert routes["route_id"].tolist() == ["F1"]


def test_gdals_warnings_name_the_file(folder, capsys):
    """Found by fuzzing: a ring with NaN heights made GDAL warn "Non closed ring detected. To
    avoid accepting it, set the OGR_GEOMETRY_ACCEPT_UNCLOSED_RING ...", naming no file."""
    ring = [[LON, LAT, "NaN"], [LON + 0.004, LAT, "NaN"], [LON + 0.004, LAT + 0.004, "NaN"],
            [LON, LAT, "NaN"]]
    coords = json.dumps([ring]).replace('"NaN"', "NaN")
    path = write_text(folder / "thon.geojson",
                      '{"type": "FeatureCollection", "features": [{"type": "Feature", '
                      '"properties": {"hamlet_id": "T1", "name": "Thôn Đông"}, "geometry": '
                      f'{{"type": "Polygon", "coordinates": {coords}}}}}]}}')
    code, out = run_validate(["--hamlets", str(path)], capsys)
    assert code == 0, out
    assert ("thon.geojson: a polygon's ring does not end on its first point as GDAL compares "
            "them (its last point is missing, or its heights are NaN)") in out
    assert "OGR_GEOMETRY_ACCEPT_UNCLOSED_RING" not in out


def test_degrees_under_a_crs_in_metres_blame_the_right_file(folder, capsys):
    """Found by fuzzing: hamlets whose GeoJSON ``crs`` member says EPSG:32648 over lon/lat
    degrees lay 2,300 km away, and the only error blamed sites.csv."""
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1", "T2"], "name": ["Thôn Đông", "Thôn Đoài"]},
                           geometry=[square(LON, LAT), square(LON + 0.008, LAT)], crs=4326)
    path = folder / "thon.geojson"
    write_text(path, gdf.set_crs(32648, allow_override=True).to_json(to_wgs84=False))
    text = path.read_text(encoding="utf-8")
    if '"crs"' not in text:  # geopandas writes no crs member: add the wrong one by hand
        text = text.replace('"type": "FeatureCollection"', '"type": "FeatureCollection", "crs": '
                            '{"type": "name", "properties": {"name": "EPSG:32648"}}', 1)
        write_text(path, text)
    with pytest.raises(cg.InputError, match=r"thon\.geojson: its CRS EPSG:32648 \(WGS 84 / UTM "
                                            r"zone 48N\) counts in metres, but all its "
                                            r"coordinates lie within .* they look like degrees"):
        cg.read_hamlets(path)
    assert len(cg.read_hamlets(path, crs="EPSG:4326")) == 2  # named right, it is read
    with pytest.raises(cg.InputError, match=r"EPSG:2227 .* counts in US survey feet, but all "
                                            r"its coordinates lie within 0.016 US survey feet"):
        cg.read_hamlets(path, crs="EPSG:2227")  # the unit named as the CRS has it


def test_shapefile_in_utf8_named_as_another_encoding_is_refused(folder):
    with pytest.raises(cg.InputError, match=r"thon\.shp: is UTF-8 text, not cp1258: read as "
                                            r"cp1258, 'Thôn' would become"):
        cg.read_hamlets(hamlets(folder, "thon.shp"), encoding="cp1258")


def test_library_errors_become_input_errors_naming_the_file(folder, monkeypatch):
    path = hamlets(folder)

    def broken(*args, **kwargs):
        raise zipfile.BadZipFile("Bad CRC-32 for file 'doc.kml'")

    monkeypatch.setattr(cg.io.readers, "_read_gdal_vector", broken)
    with pytest.raises(cg.InputError, match=r"^thon\.geojson: cannot be read as a GeoJSON file "
                                            r"\(BadZipFile: Bad CRC-32"):
        cg.read_hamlets(path)


def test_loading_a_whole_scenario_leaves_its_folder_untouched(small_scenario, capsys,
                                                              monkeypatch, tmp_path_factory):
    monkeypatch.setenv("COVERAGE_GIS_LOG_DIR", str(tmp_path_factory.mktemp("logs")))
    before = digest(small_scenario.parent)
    code, text = run_validate([str(small_scenario)], capsys)
    assert code == 0, text
    assert digest(small_scenario.parent) == before


def _households_said(folder: Path, header: str, rows: list[str], about: str) -> list[str]:
    """The load warnings about ``about`` of a scenario with the households ``rows``."""
    write_text(folder / "hh.csv", header + "\n" + "\n".join(rows) + "\n")
    with pytest.warns(cg.InputWarning) as caught:
        cg.load_project(scenario(folder, households="hh.csv")[0])
    return [str(w.message) for w in caught if about in str(w.message)]


def test_every_household_marked_as_a_cultural_house_is_warned_about(folder):
    """Found by fuzzing: a column read wrongly (every household a cultural house) was accepted
    without a word, and under the cultural-house rule any one home passed would count its
    hamlet as reached. Three cultural houses in a hamlet (the setting) are not warned about."""
    rows = [f"H{i},T1,{'yes' if i < 6 else 'no'},{LON + i * 1e-5},{LAT}" for i in range(8)]
    rows += [f"K{i},T2,{'yes' if i < 3 else 'no'},{LON + 0.008},{LAT + i * 1e-5}"
             for i in range(5)]
    said = _households_said(folder, "household_id,hamlet_id,is_cultural_house,lon,lat", rows,
                            "cultural")
    assert said == ["hh.csv: 1 hamlet(s) have more than 3 households marked is_cultural_house "
                    "(T1: 6); a hamlet has one cultural house (nhà văn hóa thôn), and under "
                    "the cultural-house rule any one of them reached counts the hamlet as "
                    "reached by fibre: check that column (settings.CULTURAL_HOUSES_WARN)"]


def test_households_standing_in_another_hamlet_than_their_id_are_warned_about(folder):
    """Found by fuzzing: the sample's QT01 and QT04 ids swapped in the households (440 of
    1,350) were accepted without a word, and the hamlets' shares swapped with them. A hamlet
    more than ``settings.HAMLET_ID_MISMATCH_WARN_SHARE`` (20 %) of whose households stand in
    another hamlet's polygon is warned about; one home of five on the boundary is not."""
    rows = ([f"A{i},T1,{LON + i * 1e-5},{LAT}" for i in range(4)]         # in T1
            + [f"B{i},T2,{LON + i * 1e-5},{LAT}" for i in range(5)]       # in T1, not T2
            + [f"C0,T2,{LON + 0.008},{LAT}", f"A9,T1,{LON + 0.008},{LAT}"])  # in T2
    said = _households_said(folder, "household_id,hamlet_id,lon,lat", rows, "another hamlet")
    assert said == ["hh.csv: households given one hamlet_id stand inside another hamlet's "
                    "polygon of thon.geojson, or in none: T2: 5 of 6 in T1 (5); the "
                    "per-hamlet shares follow hamlet_id: check that column, or the hamlets' "
                    "polygons (more than "
                    "20% of a hamlet's households: settings.HAMLET_ID_MISMATCH_WARN_SHARE)"]


def test_a_hamlet_no_household_belongs_to_is_warned_about(folder):
    """A households file covering some hamlets only: the others counted as short for M4 and
    F2 ('no households' in the tables) while validate said nothing. Now a warning names them;
    when every hamlet has a household, no such warning."""
    rows = [f"A{i},T1,{LON + i * 1e-5},{LAT}" for i in range(4)]  # T2 has none
    said = _households_said(folder, "household_id,hamlet_id,lon,lat", rows, "no household")
    assert len(said) == 1 and said[0].startswith(
        "hh.csv: no household belongs to 1 of the 2 hamlets of thon.geojson: T2")
    assert "(M4, F2) count them as short ('no households')" in said[0]
    rows.append(f"C0,T2,{LON + 0.008},{LAT}")
    write_text(folder / "hh.csv", "household_id,hamlet_id,lon,lat\n" + "\n".join(rows) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cg.load_project(scenario(folder, households="hh.csv")[0])
    assert not [w for w in caught if "no household" in str(w.message)]


def test_fibre_boxes_and_routes_read_their_status(folder):
    """``status`` of access points and routes, as for cells: Vietnamese or English words,
    existing when empty or absent; an unknown word is an error naming the row and column."""
    write_text(folder / "ap.csv", "ap_id,operator,status,lon,lat\n"
               f"A,Viettel,quy hoạch,{LON},{LAT}\nB,Viettel,,{LON},{LAT}\n"
               f"C,Viettel,Existing,{LON},{LAT}\n")
    assert cg.read_access_points(folder / "ap.csv")["status"].tolist() == [
        "planned", "existing", "existing"]
    write_text(folder / "ap2.csv", f"ap_id,operator,lon,lat\nA,Viettel,{LON},{LAT}\n")
    assert cg.read_access_points(folder / "ap2.csv")["status"].tolist() == ["existing"]
    write_text(folder / "ap3.csv", "ap_id,operator,status,lon,lat\n"
               f"A,Viettel,soon,{LON},{LAT}\n")
    with pytest.raises(cg.InputError, match=r"ap3.csv row 1: status='soon' is not a known "
                                            r"status \(expected existing or planned\)"):
        cg.read_access_points(folder / "ap3.csv")
    write_text(folder / "f.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"operator": "VNPT", "status": "planned"},
         "geometry": {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.01, LAT]]}}]}))
    assert cg.read_fibre(folder / "f.geojson")["status"].tolist() == ["planned"]


def test_an_eirp_in_watts_is_warned_about(folder):
    """Found by fuzzing: eirp_dbm 20 (watts) was read as 20 dBm, a femtocell's power, without
    a word. Below settings.EIRP_LOW_WARN_DBM (30 dBm) is said, with the value in dBm; a
    small cell's 40 dBm and a defaulted value are not."""
    write_text(folder / "s.csv", "site_id,operator,technology,eirp_dbm,lon,lat\n"
               f"A,Viettel,4G,20,{LON},{LAT}\nB,Viettel,4G,,{LON},{LAT}\n"
               f"C,Viettel,4G,40,{LON},{LAT}\nD,Viettel,4G,12.5,{LON},{LAT}\n")
    with pytest.warns(cg.InputWarning) as caught:
        sites = cg.read_sites(folder / "s.csv")
    said = [str(w.message) for w in caught if "eirp_dbm" in str(w.message)]
    assert said == ["s.csv: column 'eirp_dbm' is below 30 dBm in rows 1 and 4 (e.g. 20): read "
                    "as dBm, a femtocell's power; in watts? 20 W is 43 dBm "
                    "(settings.EIRP_LOW_WARN_DBM)"]
    assert list(sites["eirp_dbm"])[::2] == [20.0, 40.0]  # kept as given


def test_households_of_an_unknown_hamlet_id_are_one_error_per_id(folder):
    """Found by fuzzing: 100 households with hamlet_id 'qt04' (for QT04) gave 10 errors, and
    the count said 10. Now one error per unknown id, with how many households and a "did you
    mean"."""
    rows = [f"H{i},t1,{LON},{LAT}" for i in range(12)] + [f"K1,X9,{LON},{LAT}"]
    write_text(folder / "hh.csv", "household_id,hamlet_id,lon,lat\n" + "\n".join(rows) + "\n")
    with pytest.raises(cg.InputError) as err:
        cg.load_project(scenario(folder, households="hh.csv")[0])
    assert err.value.problems == [
        "hh.csv: household_id='H0', 'H1', 'H2', 'H3', 'H4', ... (12 households): "
        "hamlet_id='t1' is not a hamlet_id of the hamlets layer (did you mean 'T1'?) "
        "(known: T1, T2)",
        "hh.csv: household_id='K1': hamlet_id='X9' is not a hamlet_id of the hamlets layer "
        "(known: T1, T2)"]


def test_a_count_below_one_or_nearly_whole_is_said_as_it_is(folder):
    """Found by fuzzing: 0.75 got the hint "if '.' groups thousands here (0.750 = 0750)",
    and 1350.0000001 (computed in Excel) was shown as "households=1350 is not a whole
    number"."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["year", "households", "ftth_subscriptions"])
    book.active.append([2025, 1350.0000001, 0.75])  # numbers, as a spreadsheet holds them
    book.save(folder / "stats.xlsx")
    with pytest.raises(cg.InputError) as info:
        cg.read_statistics(folder / "stats.xlsx")
    assert sorted(info.value.problems) == [
        "stats.xlsx row 1: ftth_subscriptions=0.75 is not a whole number",
        "stats.xlsx row 1: households=1350.0000001 is not a whole number"]


def test_a_whole_number_option_asks_for_digits_alone(capsys):
    assert main(["suggest-sites", "--max-sites", "abc", "--out", "never"]) == 1
    err = capsys.readouterr().err
    assert "--max-sites='abc': expected a whole number from 1 to 1000 (digits, e.g. 30)" in err
    assert "30.5" not in err


# --- The Python API given something that is not a path -----------------------------------

_PATH_TAKERS = ["read_hamlets", "read_sites", "read_households", "read_roads", "read_fibre",
                "read_access_points", "read_boundary", "read_constraints", "read_statistics",
                "read_opencellid", "read_dem", "read_scenario", "load_project", "read_analysis"]


@pytest.mark.parametrize("name", _PATH_TAKERS)
@pytest.mark.parametrize("value", [5, ["x.geojson", 3], object()], ids=["int", "list", "object"])
def test_a_loader_given_no_path_names_what_it_got(name: str, value: object) -> None:
    """None (for those with no default), a number or a list is a TypeError naming the argument
    and what was given, not pathlib's 'expected str, bytes or os.PathLike object'."""
    if name != "read_dem" and isinstance(value, list):
        value = value[1]  # read_dem takes a list of tiles: one of them is not a path
    with pytest.raises(TypeError, match=r"^(path|scenario|folder): expected a path "
                                        r"\(str or os.PathLike\), got (int|object)"):
        getattr(cg, name)(value)


@pytest.mark.parametrize("name", [n for n in _PATH_TAKERS if n not in ("read_scenario",
                                                                        "load_project")])
def test_none_is_not_the_current_folder(name: str) -> None:
    with pytest.raises(TypeError, match="expected a path .*got NoneType"):
        getattr(cg, name)(None)


@pytest.mark.parametrize("name", _PATH_TAKERS)
@pytest.mark.parametrize("value", ["", "  ", b""])
def test_an_empty_path_is_not_the_current_folder(name: str, value: object, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``Path('')`` is '.': ``load_project('')`` read a scenario.toml in the current folder,
    and the readers said '.: is a folder'."""
    (tmp_path / "scenario.toml").write_text('[layers]\nhamlets = "thon.geojson"\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(cg.InputError, match=r"^(path|scenario|folder): is empty; "
                                            r"expected a path$"):
        getattr(cg, name)(value)
