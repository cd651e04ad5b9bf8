"""Calibration quirks found by fuzzing (round 3: r05, r06, r13).

- r05: a row naming (by ``cell_id`` or site id) a cell of another technology or operator was
  fitted against it (an RSRP against a 2G BCCH level): it is now excluded,
  ``other_technology`` / ``other_operator``.
- r06: exact duplicate rows counted as independent readings (40 copies of one reading passed
  the minimum with "± 0.0 dB"; a file exported twice halved the variance): each reading now
  counts once (``duplicate``), with a warning naming the copies.
- r13: OpenCelliD measurements (mcc/mnc/lac/cellid) against an operator's own cell list were
  all ``unknown_cell``: the numbers cannot be looked up there, so the rows now fall back to
  the strongest predicted cell of their operator (from mcc/mnc) and technology, with a
  warning; without an operator they stay ``unknown_cell`` and the error says why.

References: synthetic measurements drawn from a known truth (offset, slope, zero or 8 dB
shadowing); scipy.stats.linregress on the distinct readings for the standard errors; for
equal omni cells on flat ground the strongest predicted cell is the nearest.
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from scipy import stats

from coverage_gis.cli.main import main
from coverage_gis.engines import calibration as cal
from coverage_gis.errors import InputError, InputWarning
from coverage_gis.io import measurements
from coverage_gis.io.measurements import read_measurements

from .conftest import LAT, LON, square
from .test_calibration import NO_FLOOR, UTM, X0, Y0, cells_gdf, synthetic_points, write

TO_LONLAT = Transformer.from_crs(UTM, 4326, always_xy=True)
OPENCELLID_HEADER = "mcc,mnc,lac,cellid,lon,lat,signal,measured_at,rating,speed,direction,act\n"


def mast_with_three_cells() -> gpd.GeoDataFrame:
    """One mast at (X0, Y0): Viettel 4G ``V4``, Viettel 2G ``V2``, MobiFone 4G ``M4``."""
    cells = cells_gdf(3, spacing_m=0.0)
    cells["site_id"] = ["V4", "V2", "M4"]
    cells.loc[1, ["technology", "band_mhz", "bandwidth_mhz"]] = ["2G", 900.0, 0.2]
    cells.loc[2, "operator"] = "MobiFone"
    return cells


def truth_levels(points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, offset_db: float,
                 slope: float, sigma_db: float = 0.0, seed: int = 0) -> np.ndarray:
    """The engine's uncalibrated level from each point's named cell, less the true excess
    loss ``offset_db + slope log10(d / 1 km)``, plus N(0, sigma) shadowing (dBm)."""
    pred = cal.predict(points, cells, NO_FLOOR)
    assert (pred["excluded"] == "").all()
    x = np.log10(pred["distance_m"].to_numpy() / 1000.0)
    noise = np.random.default_rng(seed).normal(0.0, sigma_db, len(pred)) if sigma_db else 0.0
    return pred["predicted_dbm"].to_numpy() - (offset_db + slope * x) + noise


# --------------------------------------------------------------------------------------------
# r05: a named cell of another technology or operator is excluded, not fitted
# --------------------------------------------------------------------------------------------

def test_a_named_cell_of_another_technology_or_operator_is_excluded_with_its_code():
    cells = mast_with_three_cells()
    pts = gpd.GeoDataFrame(
        {"cell_id": ["V4", "V2", "V2", "M4", "M4"],
         "technology": [None, None, "2G", None, None],
         "operator": [None, None, None, "Viettel", None]},
        geometry=[shapely.Point(X0 + 800, Y0)] * 5, crs=UTM)
    pred = cal.predict(pts, cells, NO_FLOOR)
    # row 2: an RSRP row (no technology: 4G) naming the 2G cell; row 3: a 2G row naming it;
    # row 4: a Viettel row naming MobiFone's cell; row 5: no operator given, any will do
    assert pred["excluded"].tolist() == ["", "other_technology", "", "other_operator", ""]
    assert pred["site_id"].tolist() == ["V4", "", "V2", "", "M4"]
    assert pred["match"].tolist() == ["cell_id"] * 5


def test_rsrp_rows_named_against_2g_cells_do_not_move_the_fit():
    """The fuzzer's case: the same RSRPs named against the 2G cell of the mast gave a +22 dB
    "offset". Now those rows are excluded and the fit is the truth of the 4G rows."""
    cells = mast_with_three_cells().iloc[:2]
    points = synthetic_points(cells.iloc[:1], 40, seed=3, d_range_m=(200.0, 5000.0))
    points["rsrp_dbm"] = truth_levels(points, cells, 5.0, 2.0)
    wrong = points.copy()
    wrong["cell_id"] = "V2"
    result = cal.calibrate(pd.concat([points, wrong], ignore_index=True), cells, NO_FLOOR)
    assert result.n == 40 and result.excluded["other_technology"] == 40
    assert result.offset_db == pytest.approx(5.0, abs=1e-6)
    assert result.slope_db_per_decade == pytest.approx(2.0, abs=1e-6)
    assert set(result.residuals.loc[~result.residuals["used"], "excluded"]) == {
        "other_technology"}
    # all of them against the 2G cell: refused, with what the code means
    with pytest.raises(InputError, match=r"other_technology 40.*name a cell of another "
                                         r"technology or operator than the row's"):
        cal.calibrate(wrong, cells, NO_FLOOR)


def test_an_opencellid_lte_row_naming_a_gsm_cell_is_other_technology():
    from coverage_gis.io.readers import read_sites

    from .conftest import ROOT

    sites = read_sites(ROOT / "data" / "towers" / "opencellid_452.csv", to_crs=UTM)
    gsm = sites[sites["site_id"] == "452-04-31486-4862"]
    assert gsm["technology"].tolist() == ["2G"]
    pts = gpd.GeoDataFrame({"mcc": [452, 452], "mnc": [4, 4], "area": [31486, 31486],
                            "cell_id": ["4862", "4862"], "technology": ["4G", "2G"],
                            "operator": ["Viettel", "Viettel"]},
                           geometry=[shapely.Point(105.866, 20.067)] * 2, crs=4326)
    pred = cal.predict(pts, sites)
    assert pred["excluded"].tolist() == ["other_technology", ""]
    assert pred["site_id"].tolist() == ["", "452-04-31486-4862"]


# --------------------------------------------------------------------------------------------
# r06: exact duplicate rows count once
# --------------------------------------------------------------------------------------------

def test_duplicate_rows_by_position_level_cell_and_time():
    frame = gpd.GeoDataFrame(
        {"rsrp_dbm": [-90.0, -91.0, -90.0, -90.0, -91.0, -90.0, -90.0],
         "cell_id": ["A", "A", "A", "A", "A", "B", "A"],
         "Time": ["t1", "t1", "t1", "t2", "t1", "t1", "t1"],
         "sinr_db": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]},  # not compared
        geometry=[shapely.Point(0, 0)] * 6 + [shapely.Point(0, 1)], crs=UTM)
    # row 3 repeats row 1, row 5 row 2; row 4 (another time), 6 (another cell) and 7
    # (another position) are readings of their own
    assert measurements.duplicate_rows(frame).tolist() == [-1, -1, 0, -1, 1, -1, -1]
    no_time = frame.drop(columns="Time")
    assert measurements.duplicate_rows(no_time).tolist() == [-1, -1, 0, 0, 1, -1, -1]
    assert measurements.duplicate_rows(frame.iloc[:0]).tolist() == []


def test_one_reading_copied_40_times_is_one_measurement():
    cells = cells_gdf(1)
    one = synthetic_points(cells, 1, seed=2, d_range_m=(500.0, 2000.0))
    one["rsrp_dbm"] = -85.0
    copies = pd.concat([one] * 40, ignore_index=True)
    with pytest.raises(InputError, match=r"only 1 usable measurement.*duplicate 39"):
        cal.calibrate(copies, cells, NO_FLOOR)


def test_a_file_appended_to_itself_gives_the_fit_of_the_file():
    """Copies excluded: the same n, offset, slope, standard errors (scipy on the 200
    distinct readings) and cross-validation (the folds split the 200, not 400)."""
    cells = cells_gdf()
    points = synthetic_points(cells, 200, seed=31)
    points["rsrp_dbm"] = truth_levels(points, cells, 6.0, 3.0, sigma_db=8.0, seed=32)
    twice = pd.concat([points, points], ignore_index=True)
    once, doubled = (cal.calibrate(points, cells, NO_FLOOR, folds=4),
                     cal.calibrate(twice, cells, NO_FLOOR, folds=4))
    assert doubled.n == 200 and doubled.excluded["duplicate"] == 200
    pred = cal.predict(points, cells, NO_FLOOR)
    ref = stats.linregress(np.log10(pred["distance_m"].to_numpy() / 1000.0),
                           pred["predicted_dbm"].to_numpy() - points["rsrp_dbm"].to_numpy())
    assert doubled.offset_db == pytest.approx(ref.intercept, abs=1e-9)
    assert doubled.slope_db_per_decade == pytest.approx(ref.slope, abs=1e-9)
    assert doubled.std_error_offset_db == pytest.approx(ref.intercept_stderr, rel=1e-9)
    assert doubled.std_error_slope_db_per_decade == pytest.approx(ref.stderr, rel=1e-9)
    assert doubled.cv_rmse_db == pytest.approx(once.cv_rmse_db, abs=1e-12)
    folds = doubled.residuals["fold"]
    assert folds.iloc[:200].tolist() == np.repeat(np.arange(4), 50).tolist()
    assert folds.iloc[200:].isna().all()
    assert (doubled.residuals["excluded"].iloc[200:] == "duplicate").all()


def test_the_readers_warn_about_duplicate_rows(tmp_path):
    text = ("lon,lat,rsrp_dbm,cell_id,time\n"
            "105.86,20.06,-90,{c},08:00:01\n105.87,20.06,-91,{c},08:00:02\n"
            "105.86,20.06,-90,{c},08:00:01\n105.86,20.06,-90,{c},08:00:03\n")
    for cell, reader in (("1234", read_measurements), ("VTL-THA-1042-4G1800-1", None)):
        path = write(tmp_path, f"dt_{cell}.csv", text.format(c=cell))
        with pytest.warns(InputWarning) as caught:
            if reader is None:  # a drive test naming site ids: the command's own reader
                from coverage_gis.cli.calibrate import read_measurements_file
                got = read_measurements_file(path)
            else:
                got = reader(path)
        assert len(got) == 4
        messages = [str(w.message) for w in caught]
        assert (f"{path.name}: 1 of 4 rows repeat an earlier row exactly (same position, "
                "level, cell and time where given): each reading is counted once, the 1 "
                "copies are dropped (row 3 repeats row 1)") in messages
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)  # distinct rows: no warning
        read_measurements(write(tmp_path, "ok.csv", "lon,lat,rsrp_dbm,cell_id,time\n"
                                "105.86,20.06,-90,1,08:00:01\n105.86,20.06,-90,1,08:00:02\n"))


# --------------------------------------------------------------------------------------------
# r13: OpenCelliD measurements against an operator's cell list
# --------------------------------------------------------------------------------------------

def operator_cells() -> gpd.GeoDataFrame:
    """An operator cell list (text site ids, no OpenCelliD cell numbers): Viettel 4G at X0
    and X0 + 6 km, MobiFone 4G at X0 + 2 km."""
    cells = cells_gdf(3, spacing_m=2000.0)
    cells["site_id"] = ["VTL-1", "MBF-1", "VTL-2"]
    cells.loc[1, "operator"] = "MobiFone"
    cells.loc[2, "geometry"] = shapely.Point(X0 + 6000, Y0)
    return cells


def opencellid_file(tmp_path, rows: list[tuple[int, float, float]], name: str = "m.csv"):
    """An OpenCelliD upload-format file of LTE readings at -90 dBm: (mnc, x, y) in UTM."""
    lines = []
    for k, (mnc, x, y) in enumerate(rows):
        lon, lat = TO_LONLAT.transform(x, y)
        lines.append(f"452,{mnc},12407,{42769153 + k},{lon:.7f},{lat:.7f},-90,"
                     f"17000000{k:02d},,,,LTE\n")
    return write(tmp_path, name, OPENCELLID_HEADER + "".join(lines))


def test_opencellid_rows_fall_back_to_the_strongest_cell_of_their_operator(tmp_path):
    # 1.5 km east of X0: MobiFone's cell (0.5 km) is the nearest; Viettel's nearest is VTL-1
    # (1.5 km; VTL-2 is 4.5 km away). mnc 4 = Viettel, 1 = MobiFone, 8: no known operator.
    path = opencellid_file(tmp_path, [(4, X0 + 1500, Y0), (1, X0 + 1500, Y0),
                                      (4, X0 + 5000, Y0), (8, X0 + 1500, Y0)])
    pred = cal.predict(read_measurements(path), operator_cells(), NO_FLOOR)
    assert pred["site_id"].tolist() == ["VTL-1", "MBF-1", "VTL-2", ""]
    assert pred["match"].tolist() == ["strongest", "strongest", "strongest", "cell_id"]
    assert pred["excluded"].tolist() == ["", "", "", "unknown_cell"]
    np.testing.assert_allclose(pred["distance_m"].iloc[:3], [1500.0, 500.0, 1000.0],
                               atol=0.01)  # lon/lat to 7 decimals


def test_opencellid_rows_against_an_operator_list_are_calibrated(tmp_path):
    cells = operator_cells()
    points = synthetic_points(cells.iloc[[0]], 60, seed=41, d_range_m=(100.0, 900.0))
    path = opencellid_file(tmp_path, [(4, p.x, p.y) for p in points.geometry])
    measured = read_measurements(path)
    named = points.assign(cell_id="VTL-1")  # the same points naming their cell (truth)
    measured["signal_dbm"] = truth_levels(named, cells, 4.0, -3.0)
    result = cal.calibrate(measured, cells, NO_FLOOR)
    assert result.n == 60 and result.cell_number_fallback == 60
    assert result.offset_db == pytest.approx(4.0, abs=1e-3)  # 7 decimals of lon/lat
    assert result.slope_db_per_decade == pytest.approx(-3.0, abs=1e-3)
    assert set(result.residuals["site_id"]) == {"VTL-1"}
    # rows with no operator (mnc 8) cannot fall back: refused, saying why and what to do
    unknown = read_measurements(opencellid_file(
        tmp_path, [(8, p.x, p.y) for p in points.geometry], "m8.csv"))
    with pytest.raises(InputError, match=r"unknown_cell: 60 row\(s\) name their cell by "
                                         r"number .* the sites layer has no cell numbers"):
        cal.calibrate(unknown, cells, NO_FLOOR)


def test_an_opencellid_sites_layer_still_matches_by_number():
    """With cell numbers in the sites layer, a number it lacks is unknown_cell, not a
    fallback (an OpenCelliD layer names every cell it has)."""
    cells = operator_cells()
    cells["cell"] = [101, 102, 103]
    pts = gpd.GeoDataFrame({"mcc": [452, 452], "mnc": [4, 4], "area": [1, 1],
                            "cell_id": ["103", "999"], "operator": ["Viettel", "Viettel"]},
                           geometry=[shapely.Point(X0 + 1500, Y0)] * 2, crs=UTM)
    pred = cal.predict(pts, cells, NO_FLOOR)
    assert pred["site_id"].tolist() == ["VTL-2", ""]
    assert pred["excluded"].tolist() == ["", "unknown_cell"]


def test_an_opencellid_file_without_cellid_is_read_and_served_by_operator(tmp_path):
    path = write(tmp_path, "nocell.csv", "mcc,mnc,lac,lon,lat,signal,measured_at,act\n"
                 + "452,1,12407,{},{},-90,1700000000,LTE\n".format(
                     *TO_LONLAT.transform(X0 + 1500, Y0)))
    pred = cal.predict(read_measurements(path), operator_cells(), NO_FLOOR)
    assert pred["site_id"].tolist() == ["MBF-1"] and pred["match"].tolist() == ["strongest"]


# --------------------------------------------------------------------------------------------
# The command: warnings and errors as the user sees them
# --------------------------------------------------------------------------------------------

def tiny_scenario(tmp_path):
    """One hamlet around (LON, LAT) and one Viettel mast there with a 4G and a 2G cell."""
    gpd.GeoDataFrame({"hamlet_id": ["T1"], "name": ["Thôn 1"]},
                     geometry=[square(LON, LAT)], crs=4326).to_file(tmp_path / "h.geojson")
    write(tmp_path, "s.csv", "site_id,operator,technology,band_mhz,lon,lat\n"
          f"VTL-4G,Viettel,4G,1800,{LON},{LAT}\nVTL-2G,Viettel,2G,900,{LON},{LAT}\n")
    return write(tmp_path, "t.toml", '[scenario]\nname = "t"\n[layers]\n'
                 'hamlets = "h.geojson"\nsites = "s.csv"\n')


def ring(n: int) -> list[tuple[float, float]]:
    """n points 150-390 m from (LON, LAT), inside the hamlet."""
    return [(LON + (0.0014 + 0.00025 * k) * np.cos(k), LAT + (0.0014 + 0.00025 * k)
             * np.sin(k)) for k in range(n)]


def test_the_command_refuses_rsrp_rows_named_against_a_2g_cell(tmp_path, capsys):
    scenario = tiny_scenario(tmp_path)
    path = write(tmp_path, "dt.csv", "lon,lat,rsrp_dbm,cell_id\n" + "".join(
        f"{x:.6f},{y:.6f},-80,VTL-2G\n" for x, y in ring(12)))
    assert main(["calibrate", str(scenario), "--measurements", str(path), "--out",
                 str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "other_technology 12" in err and "Traceback" not in err


def test_the_command_warns_about_copies_and_counts_them_once(tmp_path, capsys):
    scenario = tiny_scenario(tmp_path)
    x, y = ring(1)[0]
    path = write(tmp_path, "dt.csv", "lon,lat,rsrp_dbm,cell_id\n"
                 + f"{x:.6f},{y:.6f},-80,VTL-4G\n" * 12)
    assert main(["calibrate", str(scenario), "--measurements", str(path), "--out",
                 str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "dt.csv: 11 of 12 rows repeat an earlier row exactly" in err
    assert "only 1 usable measurement(s)" in err and "duplicate 11" in err


def test_the_command_calibrates_opencellid_rows_against_an_operator_list(tmp_path, capsys):
    scenario = tiny_scenario(tmp_path)
    path = write(tmp_path, "m.csv", OPENCELLID_HEADER + "".join(
        f"452,4,12407,{900 + k},{x:.6f},{y:.6f},{-70 - k},17000000{k:02d},,,,LTE\n"
        for k, (x, y) in enumerate(ring(12))))
    out = tmp_path / "o"
    assert main(["calibrate", str(scenario), "--measurements", str(path), "--out",
                 str(out)]) == 0
    err = capsys.readouterr().err
    assert ("m.csv: 12 of 12 rows name their cell by number (such as OpenCelliD's mcc, mnc, "
            "lac, cellid) but the sites layer has no cell numbers") in err
    doc = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert doc["n"] == 12 and doc["cell_number_fallback"] == 12
    assert doc["matched"] == {"cell_id": 0, "pci": 0, "strongest": 12}
    res = pd.read_csv(out / "residuals.csv")
    assert set(res["site_id"]) == {"VTL-4G"}
