"""``coverage-gis init`` (a scenario folder for a 2025 unit from public files) and ``analyze`` on
studies with any subset of layers (issue 12 parts 2 and 4).

References used here, independent of the code under test:
- the real ward boundary ``tests/fixtures/real/ward_14818_quang_trung.geojson`` (unsimplified;
  the bundled one must stay within a few metres of it);
- the expected content of ``synthetic_negative_cases.osm`` and ``synthetic_open_buildings.csv``
  as tabulated in ``tests/fixtures/real/README.md`` (roads by class, railways, households);
- DEM tiles made here from a plane z = 10 + 1000·(lon − 105.8) + 500·(lat − 20) (m), so heights
  of the mosaic are checked against a hand computation;
- the bundled sample's designed outcomes (``data/README.md``): M4 5/6 with QT04 short at the
  median (3/6 with QT01, QT04 and QT05 short at the default 90 % location probability, issue
  10 part 4), F2 5/6 with QT06 short.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin

from coverage_gis.cli.main import main
from coverage_gis.config.params import CoverageParams
from coverage_gis.config.scenario import read_scenario
from coverage_gis.outputs.outset import verify_set

from .conftest import ROOT, digest

FIXTURES = ROOT / "tests" / "fixtures" / "real"
OSM = FIXTURES / "synthetic_negative_cases.osm"
WARD = FIXTURES / "ward_14818_quang_trung.geojson"
SAMPLE_DATA = ROOT / "data"


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _plane(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return 10 + 1000 * (lon - 105.8) + 500 * (lat - 20.0)


def _tile(path: Path, west: float, east: float, south: float = 19.95, north: float = 20.25,
          res: float = 0.001) -> Path:
    """A WGS 84 GeoTIFF tile of the plane, pixel-centred values."""
    width, height = int(round((east - west) / res)), int(round((north - south) / res))
    lon = west + (np.arange(width) + 0.5) * res
    lat = north - (np.arange(height) + 0.5) * res
    z = _plane(*np.meshgrid(lon, lat)).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype="float32", crs="EPSG:4326", nodata=-9999,
                       transform=from_origin(west, north, res, res)) as ds:
        ds.write(z, 1)
    return path


def _init_json(folder: Path) -> dict:
    return json.loads((folder / "init.json").read_text(encoding="utf-8"))


def _status(folder: Path) -> dict[str, str]:
    return {r["layer"]: r["status"] for r in _init_json(folder)["layers"]}


def _skipped(results: Path) -> set[tuple[str, str]]:
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    return {(s["part"], s["reason"]) for s in summary["skipped"]}


# --------------------------------------------------------------------------------------------
# init
# --------------------------------------------------------------------------------------------

def test_init_unit_alone_writes_the_boundary_and_says_the_rest_is_missing(tmp_path, capsys,
                                                                            offline):
    out = tmp_path / "ward"
    assert main(["init", "--unit", "14818", "--out", str(out), "--year", "2025"]) == 0
    printed = capsys.readouterr().out
    assert verify_set(out) == []  # one complete output set
    assert {p.name for p in out.iterdir()} == {"scenario.toml", "boundary", "SOURCES.md",
                                                "init.json", "manifest.json"}
    # the boundary is the real ward (the bundled copy is cleaned and simplified by a few m)
    ref = gpd.read_file(WARD).to_crs(32648).geometry.iloc[0]
    mine = gpd.read_file(out / "boundary" / "unit.geojson").to_crs(32648).geometry.iloc[0]
    assert mine.symmetric_difference(ref).area / ref.area < 0.002
    assert mine.hausdorff_distance(ref) < 40.0
    status = _status(out)
    assert status["commune"] == "real" and status["hamlets"] == "defaulted"
    for layer in ("roads", "railway", "households", "sites", "dem", "fibre", "access_points",
                  "statistics"):
        assert status[layer] == "missing", layer
    sources = (out / "SOURCES.md").read_text(encoding="utf-8")
    assert "## Missing" in sources and "## Defaulted" in sources and "MIT" in sources
    assert "[layers]" in sources and "hamlets = " in sources  # how to add the hamlets
    for layer in ("roads", "sites", "dem", "fibre", "statistics"):
        assert re.search(rf"MISSING\s+{layer}\b", printed), layer
    # the 1° tiles to fetch: the ward (20.05-20.13 N, 105.83-105.90 E) plus 15 km reaches
    # 19.9 N, 20.3 N and 106.05 E (15 km = 0.135° of latitude, 0.144° of longitude at 20° N)
    dem = next(r for r in _init_json(out)["layers"] if r["layer"] == "dem")
    assert "N19E105, N19E106, N20E105, N20E106" in dem["note"]
    scenario = read_scenario(out / "scenario.toml")
    assert scenario.unit == "14818" and scenario.year == 2025
    assert set(scenario.layers) == {"commune"}
    # one unit: the weak levels beyond each cell's threshold range at the grid's step too
    assert CoverageParams.from_scenario(scenario.parameters).far_terrain_step_m == 0


def test_init_unit_alone_then_analyze_runs_offline_on_the_unit_as_one_area(tmp_path,
                                                                           offline):
    out, results = tmp_path / "ward", tmp_path / "results"
    assert main(["init", "--unit", "14818", "--out", str(out), "-q"]) == 0
    assert main(["analyze", str(out / "scenario.toml"), "--out", str(results), "-q"]) == 0
    hamlets = pd.read_csv(results / "hamlets.csv", dtype={"hamlet_id": str})
    assert list(hamlets["hamlet_id"]) == ["14818"]
    assert hamlets["name"].iloc[0] == "Phường Quang Trung"
    ref_km2 = gpd.read_file(WARD).to_crs(32648).area.iloc[0] / 1e6
    assert hamlets["area_km2"].iloc[0] == pytest.approx(ref_km2, rel=0.002)
    assert "mobile_broadband_share" not in hamlets  # not computed, not a false 0 %
    assert {("hamlets", "unit_as_one_area"), ("coverage", "no_sites"), ("sharing", "no_sites"),
            ("fibre", "no_fibre_layers"), ("fibre", "no_households"),
            ("statistics", "no_statistics")} <= _skipped(results)
    report = (results / "report.html").read_text(encoding="utf-8")
    assert "Phần không tính và lý do" in report and "cả đơn vị hành chính" in report
    assert verify_set(results) == []


def test_init_from_osm_and_dem_tiles_then_analyze_offline(tmp_path, capsys, offline):
    west, east = _tile(tmp_path / "west.tif", 105.70, 105.87), _tile(tmp_path / "east.tif",
                                                                      105.87, 106.05)
    out, results = tmp_path / "ward", tmp_path / "results"
    before = digest(OSM)
    assert main(["init", "--unit", "Quang Trung", "--out", str(out), "--osm", str(OSM),
                 "--dem", str(west), str(east), "--year", "2025"]) == 0
    assert digest(OSM) == before  # inputs are never modified
    status = _status(out)
    assert {k: status[k] for k in ("roads", "railway", "households", "dem", "sites")} == {
        "roads": "real", "railway": "real", "households": "real", "dem": "real",
        "sites": "missing"}
    # roads: highway ways only, classes as the fixture's README tabulates them
    roads = gpd.read_file(out / "roads" / "roads.gpkg", layer="roads")
    assert sorted(roads["road_class"]) == sorted(["trunk", "primary", "primary", "residential",
                                                  "track", "tertiary", "residential"])
    ids = set(roads["osm_id"])
    assert not ids & {9000000006, 9000000007, 9000000008, 9000000011, 9000000012, 9000000013,
                      9000000014, 9000000015}  # paths, construction, square, ferry, walls, rail
    rails = gpd.read_file(out / "railway" / "railway.gpkg")
    assert set(rails["osm_id"]) == {9000000015, 9000000016}
    # households: 1 house + 12 flats + 1 apartments + U-house + courtyard block + a node = 17
    homes = gpd.read_file(out / "households" / "households.gpkg", layer="households")
    assert len(homes) == 17
    # the DEM: a mosaic of both tiles, heights of the plane, a valid COG
    from rio_cogeo.cogeo import cog_validate

    assert cog_validate(str(out / "dem" / "dem.tif"))[0]
    with rasterio.open(out / "dem" / "dem.tif") as ds:
        for lon, lat in ((105.8605, 20.0705), (105.8895, 20.1005)):  # pixel centres, each tile
            value = next(ds.sample([(lon, lat)]))[0]
            assert value == pytest.approx(_plane(lon, lat), abs=0.01)
    analyzed = main(["analyze", str(out / "scenario.toml"), "--out", str(results),
                     "--lang", "en"])
    assert analyzed == 0
    printed = capsys.readouterr().out
    assert "No sites layer: mobile coverage and M4 were not computed." in printed
    assert {("coverage", "no_sites"), ("sharing", "no_sites"), ("suggestions", "no_sites"),
            ("fibre", "no_fibre_layers"), ("hamlets", "unit_as_one_area")} <= _skipped(results)
    hamlets = pd.read_csv(results / "hamlets.csv")
    assert hamlets["households"].tolist() == [17]
    assert not (results / "towers.csv").exists()
    assert "Not computed, and why" in (results / "report.html").read_text(encoding="utf-8")


def test_init_with_cells_and_building_footprints(tmp_path, offline):
    out = tmp_path / "ward"
    cells = SAMPLE_DATA / "towers" / "opencellid_452.csv"
    google = FIXTURES / "synthetic_open_buildings.csv"
    assert main(["init", "--unit", "14818", "--out", str(out), "--osm", str(OSM),
                 "--buildings", str(google), "--cells", str(cells), "-q"]) == 0
    # Open Buildings: confidences 0.8234, 0.9105, 0.7500 kept; 0.7012 and 0.7499 under 0.75;
    # the 0.8810 one is 15 m², under 20 m² (fixture README)
    homes = gpd.read_file(out / "households" / "households.gpkg")
    assert len(homes) == 3
    record = next(r for r in _init_json(out)["layers"] if r["layer"] == "households")
    assert "Google Open Buildings" in record["format"] and "CC BY 4.0" in record["licence"]
    assert "OSM extract's buildings are not used" in record["note"]
    # the cells read back as the loader read the original: same masts, same defaults flagged
    from coverage_gis.io.readers import read_sites

    a, b = read_sites(cells), read_sites(out / "sites" / "sites.gpkg")
    cols = ["tower_id", "height_m", "eirp_dbm", "azimuth_deg", "beamwidth_deg", "status",
            "defaulted"]
    pd.testing.assert_frame_equal(a.set_index("site_id")[cols].sort_index(),
                                  b.set_index("site_id")[cols].sort_index(), check_dtype=False)
    sites = next(r for r in _init_json(out)["layers"] if r["layer"] == "sites")
    assert "CC BY-SA 4.0" in sites["licence"] and sites["features"] == 21


def test_rows_left_out_are_warned_by_their_own_class(tmp_path):
    """init's layer note picks the reader's "excluded" warnings by class, not by wording."""
    from coverage_gis.errors import RowsExcludedWarning
    from coverage_gis.io.readers import read_sites

    rows = (SAMPLE_DATA / "towers" / "opencellid_452.csv").read_text().splitlines()
    wifi = tmp_path / "wifi.csv"
    wifi.write_text("\n".join([rows[0].replace("LTE,", "WIFI,", 1), *rows[1:]]) + "\n")
    with pytest.warns(RowsExcludedWarning, match="radio WIFI"):
        read_sites(wifi)


def test_init_says_which_cells_it_left_out_and_refuses_a_shifted_row(tmp_path, offline,
                                                                      capsys):
    """Found by fuzzing: a row of an unknown radio went with no word (validate, which lists
    the reader's warnings, reads the folder, where the row no longer is), and a row with a
    field too many was read shifted (its MCC as its network), so left out the same way."""
    rows = (SAMPLE_DATA / "towers" / "opencellid_452.csv").read_text().splitlines()
    wifi = tmp_path / "wifi.csv"
    wifi.write_text("\n".join([rows[0].replace("LTE,", "WIFI,", 1), *rows[1:]]) + "\n")
    out = tmp_path / "ward"
    assert main(["init", "--unit", "14818", "--out", str(out), "--cells", str(wifi),
                 "-q"]) == 0
    sites = next(r for r in _init_json(out)["layers"] if r["layer"] == "sites")
    assert sites["features"] == 20 and "excluded 1 rows" in sites["note"]
    assert "radio WIFI" in sites["note"]
    shifted = tmp_path / "shifted.csv"
    shifted.write_text("\n".join([rows[0].replace("LTE,452,", "LTE,452,452,", 1), *rows[1:]])
                       + "\n")
    capsys.readouterr()
    assert main(["init", "--unit", "14818", "--out", str(tmp_path / "w2"), "--cells",
                 str(shifted), "-q"]) == 1
    err = capsys.readouterr().err
    assert "--cells shifted.csv row 1: has more fields than the export's 14" in err, err
    assert not (tmp_path / "w2").exists()


@pytest.mark.parametrize("query,expected", [
    ("Dong Tien", ["15724", "15853", "ambiguous"]),           # xã Đồng Tiến, phường Đông Tiến
    ("Quang Trug", ["did you mean", "14818 Phường Quang Trung"]),
    ("99999", ["no 2025 administrative unit has this code"]),
    ("14824", ["Xã Quang Trung", "pre-2025", "14818 Phường Quang Trung"]),  # merged in 2025
    # letter for letter the old xã of Quảng Xương (now Xã Quảng Chính), not the ward
    ("Quảng Trung", ["16492 Xã Quảng Trung", "16489 Xã Quảng Chính", "14818 Phường Quang"]),
])
def test_an_ambiguous_or_unknown_unit_exits_1_with_the_candidates(tmp_path, capsys, query,
                                                                  expected):
    out = tmp_path / "ward"
    assert main(["init", "--unit", query, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    for text in expected:
        assert text in err
    assert "Traceback" not in err and not out.exists()


def test_out_an_existing_folder_needs_overwrite_and_never_loses_added_files(tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["init", "--unit", "14818", "--out", str(foreign)]) == 1
    assert "did not write" in capsys.readouterr().err
    assert main(["init", "--unit", "14818", "--out", str(foreign), "--overwrite"]) == 1
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"

    out = tmp_path / "ward"
    assert main(["init", "--unit", "14818", "--out", str(out), "-q"]) == 0
    assert main(["init", "--unit", "14818", "--out", str(out)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(["init", "--unit", "14818", "--out", str(out), "--overwrite", "-q"]) == 0
    hamlets = out / "hamlets" / "thon.geojson"  # the user adds a layer to the folder
    hamlets.parent.mkdir()
    hamlets.write_text("{}", encoding="utf-8")
    assert main(["init", "--unit", "14818", "--out", str(out), "--overwrite"]) == 1
    assert "added or changed" in capsys.readouterr().err
    assert hamlets.read_text(encoding="utf-8") == "{}"


def test_files_that_miss_the_unit_are_refused_and_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "ward"
    germany = FIXTURES / "srtm3_N50E010_crop.tif"  # a real SRTM crop, of Thuringia
    assert main(["init", "--unit", "14818", "--out", str(out), "--dem", str(germany)]) == 1
    err = capsys.readouterr().err
    assert "no ground height over 14818" in err and "N20E105" in err  # 20.05-20.13 N, 105.8 E
    hanoi = FIXTURES / "hanoi_van_mieu.osm.pbf"  # a real OSM extract, of Hà Nội
    assert main(["init", "--unit", "14818", "--out", str(out), "--osm", str(hanoi)]) == 1
    assert "holds nothing of use" in capsys.readouterr().err
    bad = tmp_path / "bad.osm"  # found by fuzzing: said three times, after "another area?"
    bad.write_text("not xml\n", encoding="utf-8")
    assert main(["init", "--unit", "14818", "--out", str(out), "--osm", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("bad.osm: is not an OpenStreetMap file") == 1, err
    assert "holds nothing of use" not in err
    assert main(["init", "--unit", "14818", "--out", str(out), "--cells",
                 str(tmp_path / "absent.csv")]) == 1
    err = capsys.readouterr().err
    assert "--cells" in err and "absent.csv: not found" in err
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# analyze with a subset of the sample's layers
# --------------------------------------------------------------------------------------------

def _sample_without(tmp_path: Path, *dropped: str) -> Path:
    """A copy of the bundled scenario with absolute paths and some layers left out."""
    text = (SAMPLE_DATA / "quang_trung.toml").read_text(encoding="utf-8")
    text = re.sub(r'"([^"]+\.(?:geojson|gpkg|csv|kml|tif))"',
                  lambda m: json.dumps(str(SAMPLE_DATA / m.group(1))), text)
    lines, skipping = [], False
    for line in text.splitlines():
        name = line.split("=", 1)[0].strip()
        if skipping:
            skipping = line.strip() != "]"
            continue
        if name in dropped:
            skipping = line.rstrip().endswith("[")
            continue
        lines.append(line)
    path = tmp_path / "scenario.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not set(dropped) & set(read_scenario(path).layers)
    return path


def test_a_fibre_only_study_runs_and_says_coverage_was_skipped(tmp_path, capsys, offline):
    scenario = _sample_without(tmp_path, "sites")
    out = tmp_path / "out"
    assert main(["analyze", str(scenario), "--out", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "M4 hamlets" not in printed and "No sites layer" in printed
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "M4" not in summary["indicators"] and "M5" not in summary["indicators"]
    f2 = summary["indicators"]["F2"]  # the sample's design: QT06 short of fibre
    assert (f2["covered_hamlets"], f2["hamlets"], f2["short_hamlets"]) == (5, 6, ["QT06"])
    assert {("coverage", "no_sites"), ("sharing", "no_sites"),
            ("suggestions", "no_sites")} <= _skipped(out)
    card = pd.read_csv(out / "scorecard.csv")
    assert card.loc[card["indicator"] == "M4", "basis"].str.startswith("not computed").all()
    hamlets = pd.read_csv(out / "hamlets.csv")
    assert "mobile_broadband_share" not in hamlets and "ftth_share" in hamlets
    assert not (out / "towers.csv").exists()
    gpkg_households = gpd.read_file(out / "results.gpkg", layer="households")
    assert "mobile_broadband" not in gpkg_households  # no false "not covered"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "No sites layer: tower sharing (M5) was not computed." in report
    # the stored result, rendered again, says the same
    again = tmp_path / "again"
    assert main(["report", str(out), "--out", str(again), "--lang", "vi", "-q"]) == 0
    assert "Không có lớp trạm BTS" in (again / "report.html").read_text(encoding="utf-8")
    assert _skipped(again) == _skipped(out)


def test_a_coverage_only_study_runs_and_says_fibre_was_skipped(tmp_path, capsys, offline):
    scenario = _sample_without(tmp_path, "fibre", "access_points")
    out = tmp_path / "out"
    assert main(["analyze", str(scenario), "--out", str(out), "--resolution-m", "100",
                 "--lang", "en"]) == 0
    assert "FTTH reach and F2 were not computed" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    m4 = summary["indicators"]["M4"]  # the sample's design: QT04 short of 4G/5G; at 90 %
    # location probability QT01 and QT05 fall short of 95 % too (tests/test_probability_clutter)
    assert (m4["covered_hamlets"], m4["hamlets"], m4["short_hamlets"]) == (
        3, 6, ["QT01", "QT04", "QT05"])
    assert "F2" not in summary["indicators"] and "M5" in summary["indicators"]
    assert ("fibre", "no_fibre_layers") in _skipped(out)
    assert ("coverage", "no_sites") not in _skipped(out)
    assert "ftth_share" not in pd.read_csv(out / "hamlets.csv")
    assert "Neither fibre routes nor access points" in (out / "report.html").read_text(
        encoding="utf-8")


def test_without_households_suggestions_are_skipped_with_a_note(tmp_path, offline):
    scenario = _sample_without(tmp_path, "households", "fibre", "access_points")
    out = tmp_path / "out"
    assert main(["analyze", str(scenario), "--out", str(out), "--resolution-m", "100",
                 "-q"]) == 0
    skipped = _skipped(out)
    assert ("suggestions", "no_households") in skipped  # QT04 is short, yet no suggestion
    assert ("fibre", "no_households") in skipped
    assert not (out / "suggested_sites.csv").exists()
    assert "không đề xuất vị trí trạm mới" in (out / "report.html").read_text(encoding="utf-8")


def test_check_site_and_suggest_sites_run_on_an_init_folder_without_sites_or_hamlets(
        tmp_path, offline):
    """The officer's commands on a fresh init folder: no hamlets (the unit is the one area)
    and no towers yet (every household is a gap)."""
    folder = tmp_path / "qt"
    assert main(["-q", "init", "--unit", "14818", "--osm", str(OSM), "--out",
                 str(folder)]) == 0
    scenario = str(folder / "scenario.toml")
    homes = gpd.read_file(folder / "households" / "households.gpkg").to_crs(4326)
    centre = homes.geometry.union_all().centroid
    out = tmp_path / "check"
    assert main(["-q", "check-site", scenario, "--lon", f"{centre.x:.6f}", "--lat",
                 f"{centre.y:.6f}", "--operator", "Viettel", "--technology", "4G",
                 "--out", str(out)]) == 0
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    assert doc["nearest_towers"] == [] and doc["sharing"]["recommendation"] == "new-tower"
    assert doc["coverage_gain"]["households_newly_covered"] == len(homes)
    sugg = tmp_path / "suggest"
    assert main(["-q", "suggest-sites", scenario, "--max-sites", "1", "--out",
                 str(sugg)]) == 0
    picks = pd.read_csv(sugg / "suggestions.csv")
    assert len(picks) == 1 and picks.loc[0, "households_gained"] == len(homes)


def test_init_then_plan_unit_measures_the_old_commune_on_its_hamlets(tmp_path, offline,
                                                                      recwarn):
    """Found by a review: uncommenting the ``plan_unit`` line init writes measured the old
    commune on the whole 2025 ward (init's copy of the ward's boundary, the scenario's
    commune layer, taken for the old commune's outline: M5 1/3, the hamlets covering 23 % of
    it). No public outline of the old commune exists: the hamlets' union stands for it (M5
    1/2), as with the bundled boundary itself; no warning that the layer is another commune."""
    folder = tmp_path / "qt"
    assert main(["-q", "init", "--unit", "14818", "--out", str(folder), "--year", "2025"]) == 0
    for src, name in (("boundaries/hamlets.geojson", "hamlets.geojson"),
                      ("towers/sites.csv", "sites.csv")):
        (folder / name).write_bytes((SAMPLE_DATA / src).read_bytes())
    (folder / "manifest.json").unlink()
    toml = (folder / "scenario.toml").read_text(encoding="utf-8")
    toml = re.sub(r'^# plan_unit = "14824".*$', 'plan_unit = "14824"', toml, flags=re.M)
    toml = toml.replace("[layers]\n", '[layers]\nhamlets = "hamlets.geojson"\n'
                                      'sites = "sites.csv"\n', 1)
    (folder / "scenario.toml").write_text(toml, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["-q", "analyze", str(folder), "--out", str(out), "--resolution-m", "100"]) == 0
    units = pd.read_csv(out / "units.csv", dtype={"unit_code": str}).set_index("role")
    plan = units.loc["plan"]
    assert (plan["unit_code"], plan["outline"]) == ("14824", "hamlets")
    assert plan["hamlet_area_share"] == 1.0
    assert (plan["m5_shared_towers"], plan["m5_towers"]) == (1, 2)
    assert not [w for w in recwarn if "check plan_unit" in str(w.message)]


def test_m5_over_opencellid_positions_is_shown_not_judged(tmp_path, offline):
    """Found by a review: from init --cells (OpenCelliD) the ward read M5 0/9, "not met",
    where the masts the rows come from give 1/3 (one mast per operator and radio, at the
    median of phones' positions: a shared mast reads as several unshared ones)."""
    folder = tmp_path / "qt"
    assert main(["-q", "init", "--unit", "14818", "--out", str(folder), "--cells",
                 str(SAMPLE_DATA / "towers" / "opencellid_452.csv")]) == 0
    out = tmp_path / "out"
    assert main(["-q", "analyze", str(folder), "--out", str(out), "--resolution-m", "100"]) == 0
    card = pd.read_csv(out / "scorecard.csv").set_index("indicator")
    assert pd.isna(card.loc["M5", "met"]) and "M5 is not judged" in card.loc["M5", "basis"]
    m5 = json.loads((out / "summary.json").read_text(encoding="utf-8"))["indicators"]["M5"]
    assert m5["judged"] is False and m5["towers_approximate"] == m5["towers"] > 0
    assert pd.read_csv(out / "towers.csv")["position_approximate"].all()
