"""Real inputs (issue 12): the 2025 ward files' column names, OpenCelliD measurements and cells,
SRTM tiles. Fixtures in tests/fixtures/real/ (sources and licences in its README.md)."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Geod
from rasterio.transform import from_origin
from rasterio.windows import Window
from scipy.optimize import minimize

import coverage_gis as cg
from coverage_gis.cli.main import main
from coverage_gis.config.vocabulary import normalise_technology
from coverage_gis.io import opencellid
from coverage_gis.io.dem import read_dem_tiles
from coverage_gis.io.measurements import read_measurements

from .conftest import digest, write_text

REAL = Path(__file__).parent / "fixtures" / "real"
WARD = REAL / "ward_14818_quang_trung.geojson"     # phường Quang Trung, 2025 (MIT)
HGT = REAL / "N50E010.hgt.zip"                     # SRTM3 v2.1 tile (public domain)
CROP = REAL / "srtm3_N50E010_crop.tif"             # its rows 400-519, columns 100-219
CELLS = REAL / "opencellid_cells_302_real.csv"     # 17 real OpenCelliD rows (CC BY-SA 4.0)
GEOD = Geod(ellps="WGS84")


def run_cli(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture
def ward(tmp_path: Path) -> Path:
    """A copy of the real 2025 ward file (inputs are never modified: checked by digest)."""
    return Path(shutil.copy(WARD, tmp_path / WARD.name))


# --------------------------------------------------------------------------------------------
# 1. The rename onto an existing column (the 2025 ward files have code, name and fullName)
# --------------------------------------------------------------------------------------------

def test_rename_onto_an_existing_column_replaces_it(ward):
    before = digest(ward)
    feature = json.loads(ward.read_text(encoding="utf-8"))["features"][0]["properties"]
    assert {"code", "name", "fullName"} <= set(feature)  # the real file's columns
    with pytest.warns(cg.InputWarning, match=r"column 'name' is replaced by 'fullName' as "
                                             r"columns= asks .*own 'name' column is left out"):
        hamlets = cg.read_hamlets(ward, columns={"code": "hamlet_id", "fullName": "name"})
    assert list(hamlets["hamlet_id"]) == [feature["code"]] == ["14818"]
    assert list(hamlets["name"]) == [feature["fullName"]] == ["Phường Quang Trung"]
    assert list(hamlets.columns).count("name") == 1
    assert digest(ward) == before


def test_a_rename_swapping_names_keeps_both_and_two_onto_one_is_an_error(ward):
    swapped = cg.read_hamlets(ward, columns={"code": "hamlet_id", "name": "fullName",
                                             "fullName": "name"})
    assert swapped.loc[0, "name"] == "Phường Quang Trung"
    assert swapped.loc[0, "fullName"] == "Quang Trung"
    with pytest.raises(cg.InputError, match=r"column 'name' is given to 2 columns by columns= "
                                            r"\('fullName' and 'nameEn'\)"):
        cg.read_hamlets(ward, columns={"code": "hamlet_id", "fullName": "name",
                                       "nameEn": "name"})


# --------------------------------------------------------------------------------------------
# 2. --columns and --layer on the command line
# --------------------------------------------------------------------------------------------

def test_validate_columns_for_the_one_file_given(ward, capsys):
    code, text = run_cli(["validate", "--hamlets", str(ward)], capsys)
    assert code == 1 and "column 'hamlet_id' is required but missing" in text
    assert "--columns hamlets:ma_thon=hamlet_id" in text  # the hint names the flag
    code, text = run_cli(["validate", "--hamlets", str(ward),
                          "--columns", "code=hamlet_id,fullName=name"], capsys)
    assert code == 0, text
    assert "OK: no errors" in text and "column 'name' is replaced by 'fullName'" in text


def test_validate_columns_per_layer_on_a_scenario(ward, tmp_path, capsys):
    toml = write_text(tmp_path / "ward.toml", f'[layers]\nhamlets = "{ward.name}"\n')
    code, text = run_cli(["validate", str(toml), "--columns", "hamlets:code=hamlet_id",
                          "--columns", "hamlets:fullName=name"], capsys)
    assert code == 0, text
    code, text = run_cli(["validate", str(toml), "--columns", "code=hamlet_id"], capsys)
    assert code == 1
    assert "--columns code=hamlet_id: say which layer it is for, e.g. --columns " \
           "hamlets:code=hamlet_id" in text
    code, text = run_cli(["validate", str(toml), "--columns", "sites:a=b"], capsys)
    assert code == 1 and "the scenario has no sites layer (layers: hamlets)" in text
    # found by fuzzing: an unknown layer was asked "which layer"
    code, text = run_cli(["validate", str(toml), "--columns", "hamlet:a=b"], capsys)
    assert code == 1 and "--columns hamlet:a=b: unknown layer 'hamlet' (did you mean " \
                         "'hamlets'?); known layers: hamlets, commune" in text
    code, text = run_cli(["validate", str(toml), "--columns", "hamlets:code"], capsys)
    assert code == 1 and "'code' is not OLD=NEW" in text
    # found by fuzzing: the last of two won, and the error named a missing column
    code, text = run_cli(["validate", str(toml), "--columns", "hamlets:code=a,code=hamlet_id"],
                         capsys)
    assert code == 1 and "column 'code' is given twice (code=a, code=hamlet_id)" in text
    code, text = run_cli(["validate", str(toml), "--columns",
                          "hamlets:code=hamlet_id,ma=hamlet_id"], capsys)
    assert code == 1 and "'code' and 'ma' are both renamed to 'hamlet_id'" in text
    assert "Traceback" not in text


def test_validate_layer_picks_a_geopackage_layer(ward, tmp_path, capsys):
    gpkg = tmp_path / "thon.gpkg"
    gdf = gpd.read_file(ward)
    gdf.to_file(gpkg, layer="wards_2025")
    gdf.to_file(gpkg, layer="other")
    code, text = run_cli(["validate", "--hamlets", str(gpkg), "--columns",
                          "code=hamlet_id,fullName=name"], capsys)
    assert code == 1 and "has 2 layers" in text
    code, text = run_cli(["validate", "--hamlets", str(gpkg), "--layer", "wards_2025",
                          "--columns", "code=hamlet_id,fullName=name"], capsys)
    assert code == 0, text


# --------------------------------------------------------------------------------------------
# 3. OpenCelliD measurements: recognised, refused as sites, read for calibration
# --------------------------------------------------------------------------------------------

UPLOAD = ("mcc,mnc,lac,cellid,lon,lat,signal,measured_at,rating,speed,direction,act,ta,psc,"
          "tac,pci,sid,nid,bid\n"
          "452,4,12407,42769153,105.8651,20.0646,-95,2024-05-01T08:00:00Z,5,0,0,LTE,,,12407,"
          "301,,,\n"
          "452,4,31486,4862,105.8640,20.0670,-71,2024-05-01T08:01:00Z,5,0,0,GSM,,,,,,,\n"
          "452,4,12407,42769155,105.8642,20.0659,0,2024-05-01T08:02:00Z,5,0,0,LTE,,,12407,"
          "302,,,\n")
EXPORT = ("mcc,net,area,cell,lon,lat,signal,measured,created,rating,speed,direction,radio,ta,"
          "rnc,cid,psc,tac,pci,sid,nid,bid\n"
          "452,1,12107,31728385,105.8638,20.0635,-103,1700000000,1700000100,3,0,0,LTE,,,,,"
          "12107,77,,,\n")
HEADERLESS = "452,2,12207,38794753,105.8560,20.0770,-88,1700000000,5\n"


@pytest.mark.parametrize("content", [UPLOAD, EXPORT, HEADERLESS],
                         ids=["upload", "export", "headerless"])
def test_measurement_files_are_refused_as_sites_with_the_hint(tmp_path, capsys, content):
    path = write_text(tmp_path / "452_measurements.csv", content)
    with pytest.raises(cg.InputError, match="this is an OpenCelliD measurements file; use it "
                                            "for calibration"):
        cg.read_sites(path)
    with pytest.raises(cg.InputError, match="OpenCelliD measurements file"):
        cg.read_opencellid(path)
    code, text = run_cli(["validate", "--sites", str(path)], capsys)
    assert code == 1 and "use it for calibration" in text and "Errors (1):" in text


def test_opencellid_measurements_are_read_for_calibration(tmp_path):
    path = write_text(tmp_path / "upload.csv", UPLOAD)
    with pytest.warns(cg.InputWarning, match=r"excluded 1 of 3 rows without a usable signal"):
        m = read_measurements(path)
    assert m.attrs["format"] == "opencellid-upload" and len(m) == 2
    lte, gsm = m.iloc[0], m.iloc[1]
    assert (lte["lon"], lte["lat"], lte["signal_dbm"], lte["rsrp_dbm"]) == (
        105.8651, 20.0646, -95.0, -95.0)
    assert (lte["mcc"], lte["mnc"], lte["cell_id"], lte["pci"]) == (452, 4, 42769153, 301)
    assert lte["technology"] == "4G" and lte["operator"] == "Viettel"
    assert gsm["signal_dbm"] == -71 and np.isnan(gsm["rsrp_dbm"])  # a GSM level is no RSRP
    export = read_measurements(write_text(tmp_path / "measurements_1.csv", EXPORT))
    assert export.attrs["format"] == "opencellid-export"
    assert (export.loc[0, "cell_id"], export.loc[0, "pci"], export.loc[0, "rsrp_dbm"]) == (
        31728385, 77, -103)
    bare = read_measurements(write_text(tmp_path / "m.csv", HEADERLESS))
    assert bare.attrs["format"] == "opencellid-headerless" and bare.loc[0, "signal_dbm"] == -88


def test_drive_test_tables_are_read_and_checked(tmp_path, capsys):
    path = write_text(tmp_path / "drive.csv", "lon,lat,RSRP_dBm,pci,cell_id\n"
                                              "105.86,20.06,-101.5,301,\n"
                                              "105.87,20.07,-88,,42769153\n")
    m = read_measurements(path)
    assert m.attrs["format"] == "drive-test"
    assert list(m["rsrp_dbm"]) == [-101.5, -88.0]
    assert m.loc[0, "pci"] == 301 and m.loc[1, "cell_id"] == "42769153"
    named = write_text(tmp_path / "named.csv", "lon,lat,rsrp_dbm,cell_id\n"
                                               "105.8643,20.0592,-97,VTL-THA-1042-4G1800-3\n")
    assert read_measurements(named).loc[0, "cell_id"] == "VTL-THA-1042-4G1800-3"
    with pytest.raises(cg.InputError, match="is a table of measured levels"):
        cg.read_sites(path)
    bad = write_text(tmp_path / "bad.csv", "lon,lat,rsrp_dbm,pci\n105.86,20.06,-20,1\n")
    with pytest.raises(cg.InputError, match=r"bad.csv row 1: rsrp_dbm=-20 .*-156"):
        read_measurements(bad)
    anonymous = write_text(tmp_path / "anon.csv", "lon,lat,rsrp_dbm\n105.86,20.06,-90\n")
    with pytest.raises(cg.InputError, match="has neither cell_id nor pci"):
        read_measurements(anonymous)


# --------------------------------------------------------------------------------------------
# 4. OpenCelliD cells grouped into masts
# --------------------------------------------------------------------------------------------

MAST = (105.862, 20.065)


def _ocid_row(radio: str, net: int, cell: int, lon: float, lat: float) -> str:
    return f"{radio},452,{net},12407,{cell},,{lon:.7f},{lat:.7f},500,10,1,1600000000,1700000000,0\n"


def test_three_cells_around_a_point_become_one_mast_with_three_sectors(tmp_path):
    enb = 167067
    rows = ""
    for local, bearing in ((1, 0.0), (2, 120.0), (3, 240.0)):
        lon, lat, _ = GEOD.fwd(MAST[0], MAST[1], bearing, 300.0)  # 300 m out, by hand
        rows += _ocid_row("LTE", 4, enb * 256 + local, lon, lat)
    rows += _ocid_row("GSM", 4, 4862, MAST[0] + 0.01, MAST[1])
    sites = cg.read_sites(write_text(tmp_path / "452.csv", rows))
    lte = sites[sites["technology"] == "4G"]
    assert set(lte["tower_id"]) == {f"452-04-enb{enb}"} and set(lte["mast_cells"]) == {3}
    for geom in lte.geometry:
        assert GEOD.inv(MAST[0], MAST[1], geom.x, geom.y)[2] < 1.0  # the mast is the point
    off = (lte["azimuth_deg"].to_numpy() - [0.0, 120.0, 240.0] + 180) % 360 - 180
    assert np.all(np.abs(off) < 0.5), lte["azimuth_deg"]
    assert lte["azimuth_inferred"].all() and sites["position_approximate"].all()
    assert (lte["beamwidth_deg"] == 65).all() and np.allclose(lte["mast_offset_m"], 300, atol=1)
    gsm = sites[sites["technology"] == "2G"].iloc[0]
    assert not gsm["azimuth_inferred"] and np.isnan(gsm["azimuth_deg"])
    assert gsm["beamwidth_deg"] == 360 and gsm.geometry.x == pytest.approx(MAST[0] + 0.01)


def test_cells_close_to_their_mast_stay_omni(tmp_path):
    rows = "".join(_ocid_row("LTE", 4, 12025 * 256 + i, *GEOD.fwd(*MAST, b, 20.0)[:2])
                   for i, b in ((1, 0.0), (2, 180.0)))
    sites = cg.read_sites(write_text(tmp_path / "452.csv", rows))
    assert sites["tower_id"].nunique() == 1 and not sites["azimuth_inferred"].any()
    assert sites["azimuth_deg"].isna().all() and (sites["beamwidth_deg"] == 360).all()


def _real_cells() -> gpd.GeoDataFrame:
    df = pd.read_csv(CELLS, header=None, names=opencellid.CELL_COLUMNS)
    df["technology"] = df["radio"].map(normalise_technology)
    df["site_id"] = [f"{m}-{n}-{a}-{c}" for m, n, a, c in
                     zip(df["mcc"], df["net"], df["area"], df["cell"])]
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


def test_real_opencellid_cells_grouped_by_enb_against_an_independent_median():
    cells = opencellid.place_masts(_real_cells())
    groups = cells.groupby("mast_id").size()
    assert groups["302-500-enb200092"] == 3 and groups["302-500-enb200360"] == 5
    assert groups["302-720-enb39986"] == 7  # 10236457 // 256 == 39986, and six more
    assert groups["302-720-8100-47553"] == 1  # a GSM cell: its own mast
    # The mast of eNB 200092, against the point minimising the sum of geodesic distances
    # (scipy, on the ellipsoid: independent of the module's projection and algorithm).
    three = cells[cells["mast_id"] == "302-500-enb200092"]
    lon, lat = three["cell_lon"].to_numpy(), three["cell_lat"].to_numpy()

    def total(p: np.ndarray) -> float:
        return float(GEOD.inv(np.full(3, p[0]), np.full(3, p[1]), lon, lat)[2].sum())

    best = minimize(total, [lon.mean(), lat.mean()], method="Nelder-Mead",
                    options={"xatol": 1e-8, "fatol": 1e-4}).x
    mast = three.geometry.iloc[0]
    assert GEOD.inv(best[0], best[1], mast.x, mast.y)[2] < 1.0
    for row in three.itertuples():
        bearing = GEOD.inv(best[0], best[1], row.cell_lon, row.cell_lat)[0] % 360
        assert row.azimuth_inferred and abs((row.azimuth_deg - bearing + 180) % 360 - 180) < 0.5
    # eNB 39986's cells lie along 5 km of road (a drive's centroids): flagged as a poor guess.
    assert cells.attrs["wide_masts"] == ["302-720-enb39986 (3.4 km)"]


def test_real_cells_of_other_countries_are_excluded_by_read_opencellid():
    with pytest.raises(cg.InputError, match="none of its 17 rows is a cell of a known "
                                            "Vietnamese network"), \
            pytest.warns(cg.InputWarning, match="excluded 17 rows .*network 302-500"):
        cg.read_opencellid(CELLS)


def test_nr_cells_split_by_the_gnb_id_length():
    nci = pd.Series([(1534 << 12) | 1, (1534 << 12) | 2, (1535 << 12) | 1])
    ids = opencellid.node_ids(pd.Series(["5G"] * 3), nci)
    assert list(ids) == [1534, 1534, 1535]  # 24-bit gNB id + 12-bit local id (settings)
    lte = opencellid.node_ids(pd.Series(["4G", "3G"]), pd.Series([3078401, 3078401]))
    assert lte[0] == 3078401 // 256 and pd.isna(lte[1])


# --------------------------------------------------------------------------------------------
# 5. DEM: real SRTM tiles, mosaics, and a DEM that misses the study area
# --------------------------------------------------------------------------------------------

def _raw_srtm() -> np.ndarray:
    """The tile's heights straight from its bytes: 1201 × 1201 big-endian int16 (the SRTM
    format, USGS SRTM documentation), independent of GDAL."""
    with zipfile.ZipFile(HGT) as z:
        raw = z.read("N50E010.hgt")
    return np.frombuffer(raw, dtype=">i2").reshape(1201, 1201)


def test_a_real_srtm_tile_reads_with_its_voids_as_nodata():
    raw = _raw_srtm()
    dem = cg.read_dem(HGT)
    assert dem.shape == (1201, 1201) and dem.crs.to_epsg() == 4326
    assert dem.bounds == pytest.approx((10 - 1 / 2400, 50 - 1 / 2400, 11 + 1 / 2400,
                                        51 + 1 / 2400))  # pixel centres on whole degrees
    voids = raw == -32768
    assert np.array_equal(np.isnan(dem.data), voids) and voids.sum() > 0
    assert np.array_equal(dem.data[~voids], raw[~voids].astype(np.float32))


def test_a_window_of_the_tile_equals_the_cropped_fixture_and_its_bytes():
    crop = cg.read_dem(CROP)
    assert np.array_equal(crop.data, _raw_srtm()[400:520, 100:220].astype(np.float32))
    window = read_dem_tiles([HGT], bounds=crop.bounds)
    assert window.shape == crop.shape and np.array_equal(window.data, crop.data)


def _split(tmp_path: Path, overlap: int = 0) -> tuple[Path, Path]:
    """The crop cut into a west and an east tile (sharing ``overlap`` columns, as SRTM tiles
    share their edge column)."""
    out = []
    with rasterio.open(CROP) as ds:
        for name, win in (("west", Window(0, 0, 60 + overlap, 120)),
                          ("east", Window(60, 0, 60, 120))):
            profile = dict(ds.profile, width=win.width, height=win.height,
                           transform=ds.window_transform(win))
            path = tmp_path / f"{name}.tif"
            with rasterio.open(path, "w", **profile) as dst:
                dst.write(ds.read(1, window=win), 1)
            out.append(path)
    return out[0], out[1]


@pytest.mark.parametrize("overlap", [0, 1])
def test_two_tiles_mosaicked_equal_the_original(tmp_path, overlap):
    west, east = _split(tmp_path, overlap)
    original = cg.read_dem(CROP)
    for order in ([west, east], [east, west]):
        mosaic = cg.read_dem(order)
        assert mosaic.shape == original.shape
        assert mosaic.transform.almost_equals(original.transform)
        assert np.array_equal(mosaic.data, original.data, equal_nan=True)
    assert cg.read_dem([west, east]).source == "west.tif + east.tif"


def test_tiles_in_different_crss_are_refused(tmp_path):
    west, _ = _split(tmp_path)
    other = tmp_path / "utm.tif"
    with rasterio.open(other, "w", driver="GTiff", width=4, height=4, count=1,
                       dtype="float32", crs="EPSG:32632", transform=from_origin(5e5, 5.6e6,
                                                                                 90, 90)) as ds:
        ds.write(np.full((4, 4), 100, np.float32), 1)
    with pytest.raises(cg.InputError, match=r"DEM tiles west.tif, utm.tif: are not in one CRS"):
        cg.read_dem([west, other])


def test_a_scenario_lists_dem_tiles(tmp_path):
    west, east = _split(tmp_path)
    toml = write_text(tmp_path / "s.toml", '[layers]\ndem = ["west.tif", "east.tif"]\n')
    project = cg.load_project(toml)
    assert np.array_equal(project.dem.data, cg.read_dem(CROP).data, equal_nan=True)


def test_a_dem_missing_the_study_area_is_an_error(ward, capsys):
    code, text = run_cli(["validate", "--hamlets", str(ward), "--columns",
                          "hamlets:code=hamlet_id,fullName=name", "--dem", str(HGT)], capsys)
    assert code == 1
    assert "N50E010.hgt.zip: does not overlap the hamlets at all" in text
    assert "validation failed: 1 error(s)" in text


def _share_west_of(area: shapely.Geometry, lon0: float) -> float:
    """The share of ``area`` (WGS 84) west of ``lon0``, from exact polygon areas in UTM 48N."""
    parts = gpd.GeoSeries([area.intersection(shapely.box(-180, -90, lon0, 90)), area],
                          crs=4326).to_crs(32648)
    return float(parts.area.iloc[0] / parts.area.iloc[1])


def test_a_partial_dem_is_a_warning_with_the_share_covered(ward, tmp_path, capsys):
    area = gpd.read_file(ward).union_all()
    minx, miny, maxx, maxy = area.bounds
    lon0 = minx + 0.4 * (maxx - minx)
    px = 1 / 1200  # SRTM3's 3 arc-seconds
    cols, rows = int(np.ceil((lon0 - minx + 0.01) / px)), int(np.ceil((maxy - miny + 0.02) / px))
    heights = np.resize(cg.read_dem(CROP).data, (rows, cols))  # real heights, placed here
    x0 = lon0 - cols * px
    dem = tmp_path / "west_part.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=cols, height=rows, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=from_origin(x0, maxy + 0.01, px, px)) as ds:
        ds.write(heights.astype(np.float32), 1)
    code, text = run_cli(["validate", "--hamlets", str(ward), "--columns",
                          "hamlets:code=hamlet_id,fullName=name", "--dem", str(dem)], capsys)
    assert code == 0, text
    found = re.search(r"west_part.tif: has no ground height .* It covers (\d+) % of the study "
                      r"area", text)
    assert found, text
    expected = 100 * _share_west_of(area, lon0)
    assert abs(int(found.group(1)) - expected) <= 3, (found.group(1), expected)


def test_fixtures_are_what_their_readme_says():
    text = (REAL / "README.md").read_text(encoding="utf-8")
    for name in (WARD.name, HGT.name, CROP.name, CELLS.name):
        assert name in text
    with zipfile.ZipFile(HGT) as z:
        assert z.namelist() == ["N50E010.hgt"] and z.getinfo("N50E010.hgt").file_size == \
            1201 * 1201 * 2
    assert io.StringIO(CELLS.read_text()).read().count("\n") == 17


def test_a_dem_window_off_the_pixel_grid_is_snapped_not_resampled():
    """bounds that cut through pixels: the window grows to whole pixels of the tile, so the
    heights are the tile's own values (a shifted window would interpolate them)."""
    import rasterio

    from coverage_gis.io.dem import read_dem_tiles
    tif = Path(__file__).parent / "fixtures" / "real" / "srtm3_N50E010_crop.tif"
    with rasterio.open(tif) as src:
        full = src.read(1).astype("float32")
        t = src.transform
    px = t.a
    bounds = (t.c + 3.3 * px, t.f + t.e * 9.6, t.c + 7.7 * px, t.f + t.e * 2.2)
    dem = read_dem_tiles([tif], bounds=bounds)
    assert dem.transform.c == pytest.approx(t.c + 3 * px)
    assert dem.transform.f == pytest.approx(t.f + 2 * t.e)
    np.testing.assert_array_equal(dem.data, full[2:10, 3:8])


def test_analyze_takes_columns_and_layer_for_a_scenarios_layer(tmp_path, capsys):
    """--columns LAYER:OLD=NEW on analyze renames a column of that layer's file (here the
    sample's hamlets with their id column renamed in a copy), as on validate."""
    from coverage_gis.cli.main import main
    from tests.conftest import SAMPLE, sample_copy

    hamlets = gpd.read_file(SAMPLE.parent / "boundaries" / "hamlets.geojson")
    hamlets.rename(columns={"hamlet_id": "ma_thon"}).to_file(tmp_path / "thon.geojson")
    scenario = sample_copy(tmp_path, "s.toml", replace={
        'hamlets = "boundaries/hamlets.geojson"':
            f'hamlets = "{tmp_path.as_posix()}/thon.geojson"'})
    assert main(["-q", "analyze", str(scenario), "--out", str(tmp_path / "a")]) == 1
    assert "hamlet_id" in capsys.readouterr().err
    assert main(["-q", "analyze", str(scenario), "--columns", "hamlets:ma_thon=hamlet_id",
                 "--out", str(tmp_path / "b")]) == 0
    assert set(pd.read_csv(tmp_path / "b" / "hamlets.csv")["hamlet_id"]) == set(
        hamlets["hamlet_id"])


# --------------------------------------------------------------------------------------------
# 6. Real Vietnamese fixtures: SRTM3 N21E105 (Ba Vì), OpenStreetMap railway at Bỉm Sơn
# --------------------------------------------------------------------------------------------

BAVI = REAL / "srtm3_N21E105_ba_vi_crop.tif"         # SRTM3 N21E105, rows 1070-1189, cols 381-500
RAIL = REAL / "osm2018_bim_son_railway.geojson"      # Geofabrik 2018 (OSM, ODbL)
PLACES = REAL / "osm2018_bim_son_places.geojson"     # Ga Bỉm Sơn and Bỉm Sơn (OSM, ODbL)
RAIL_COLUMNS = {"osm_id": "road_id", "fclass": "road_class"}  # Geofabrik's column names
#: Đỉnh Vua, the highest peak of the Ba Vì range: 1296 m; the range's coordinates
#: 21°03′30″N 105°21′59″E (English Wikipedia, "Ba Vì mountain range").
BA_VI_TOP_M = 1296.0
BA_VI_LAT, BA_VI_LON = 21 + 3 / 60 + 30 / 3600, 105 + 21 / 60 + 59 / 3600


def test_the_vietnamese_srtm_crop_is_placed_by_the_tiles_name_and_keeps_its_voids():
    """The crop's grid follows from the SRTM tile convention alone: tile N21E105 has 1201 rows
    of 3-arc-second pixels whose centres fall on whole degrees, row 0 at 22° N, column 0 at
    105° E (USGS SRTM documentation); rows 1070-1189 and columns 381-500 were cut out."""
    px = 1 / 1200
    dem = cg.read_dem(BAVI)
    assert dem.shape == (120, 120) and dem.crs.to_epsg() == 4326
    assert dem.transform.a == pytest.approx(px) and dem.transform.e == pytest.approx(-px)
    assert dem.transform.c == pytest.approx(105 - px / 2 + 381 * px, abs=1e-9)
    assert dem.transform.f == pytest.approx(22 + px / 2 - 1070 * px, abs=1e-9)
    with rasterio.open(BAVI) as ds:  # the stored int16 values, no masking
        raw = ds.read(1, masked=False)
    voids = raw == -32768
    assert voids.sum() > 0 and np.array_equal(np.isnan(dem.data), voids)
    assert np.array_equal(dem.data[~voids], raw[~voids].astype(np.float32))


def test_the_highest_srtm_pixel_is_the_ba_vi_summit_at_its_published_height():
    """The crop's highest pixel lies at the published position of the Ba Vì range (within
    500 m: the coordinates are given to the second and name the range) and reads 1296 m less
    at most 60 m: an SRTM3 pixel holds the radar height averaged over ~90 m, so a sharp
    summit reads low, and it cannot exceed the summit by more than SRTM's 16 m absolute
    height error (90 %, the mission's specification)."""
    dem = cg.read_dem(BAVI)
    row, col = np.unravel_index(np.nanargmax(dem.data), dem.shape)
    lon, lat = dem.transform * (col + 0.5, row + 0.5)
    _, _, dist_m = GEOD.inv(lon, lat, BA_VI_LON, BA_VI_LAT)
    assert dist_m < 500, (lon, lat, dist_m)
    assert BA_VI_TOP_M - 60 <= np.nanmax(dem.data) <= BA_VI_TOP_M + 16
    assert np.nanmin(dem.data) < 100  # the Đà and Red River plains around the range


def test_a_real_osm_railway_at_bim_son_read_as_the_railway_layer_of_a_scenario(tmp_path):
    """Geofabrik's OpenStreetMap railway at Bỉm Sơn, with its own column names mapped by
    ``columns``: one main line, ``rail``; it crosses phường Quang Trung (the 2025 ward file, an
    independent source) and its length in the project's metric CRS equals the geodesic length
    of the file's own coordinates (read here with json, not through the loader)."""
    toml = write_text(tmp_path / "s.toml", f"""[layers.hamlets]
path = "{WARD.as_posix()}"
columns = {{ code = "hamlet_id", fullName = "name" }}

[layers.railway]
path = "{RAIL.as_posix()}"
columns = {{ osm_id = "road_id", fclass = "road_class" }}
""")
    with pytest.warns(cg.InputWarning, match=r"column 'name' is replaced by 'fullName'"):
        project = cg.load_project(toml)
    rail = project.railway
    assert list(rail["road_id"].astype(str)) == ["339753222"]
    assert list(rail["road_class"]) == ["rail"]
    assert rail.intersects(project.hamlets.union_all()).all()
    coords = json.loads(RAIL.read_text(encoding="utf-8"))["features"][0]["geometry"][
        "coordinates"]
    lons, lats = zip(*coords)
    geodesic_m = GEOD.line_length(lons, lats)
    assert 25_000 < geodesic_m < 35_000  # the way runs ~30 km along the North-South line
    assert rail.length.iloc[0] == pytest.approx(geodesic_m, rel=2e-3)  # UTM scale ≤ 0.1 %


def test_the_osm_station_of_bim_son_lies_on_the_railway_inside_the_2025_ward():
    rail = cg.read_roads(RAIL, columns=RAIL_COLUMNS)
    places = gpd.read_file(PLACES)
    station = places.loc[places["name"] == "Ga Bỉm Sơn", "geometry"]
    assert len(station) == 1
    ward = gpd.read_file(WARD).union_all()
    assert ward.contains(station.iloc[0])
    metric = rail.to_crs(32648).geometry.iloc[0]
    assert station.to_crs(32648).distance(metric).iloc[0] < 100  # a station node by the track


def test_the_vietnamese_fixtures_are_what_their_readme_says():
    text = (REAL / "README.md").read_text(encoding="utf-8")
    for path in (BAVI, RAIL, PLACES):
        assert path.name in text
    assert "© OpenStreetMap contributors" in text and "ODbL 1.0" in text
    assert BAVI.stat().st_size < 1_000_000 and RAIL.stat().st_size < 2_000_000
    with rasterio.open(BAVI) as ds:
        assert "N21E105" in ds.tags()["SOURCE"]
