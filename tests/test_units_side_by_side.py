"""The plan's old commune and the 2025 ward side by side (issue 12 part 1): hamlets assigned
by area, M4/F2 over each unit's hamlets, M5 over the towers on each unit's territory, checked
by hand against the sample's files and the bundled 2025 boundary."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from coverage_gis.cli.main import main
from coverage_gis.engines import territory
from coverage_gis.io.units import find_unit

from .conftest import SAMPLE, sample_copy
from .test_coverage import UTM


def test_a_hamlet_belongs_to_the_unit_holding_most_of_it():
    unit = shapely.box(0, 0, 100, 100)
    hamlets = gpd.GeoDataFrame(geometry=[shapely.box(10, 10, 20, 20),      # all in
                                         shapely.box(90, 0, 120, 10),      # 1/3 in
                                         shapely.box(60, 0, 120, 10),      # 2/3 in
                                         shapely.box(50, 50, 150, 60)],    # half: in
                               crs=UTM)
    assert list(territory.hamlets_in_unit(hamlets, unit)) == [True, False, True, True]


@pytest.fixture(scope="module")
def sample_units(tmp_path_factory):
    out = tmp_path_factory.mktemp("units") / "out"
    assert main(["-q", "analyze", "--out", str(out)]) == 0
    return out


def _towers_by_hand() -> gpd.GeoDataFrame:
    """Existing towers from sites.csv: a tower's cells share one position (by tower_id)."""
    sites = pd.read_csv(SAMPLE.parent / "towers" / "sites.csv")
    rows = []
    for tid, cells in sites.groupby("tower_id"):
        existing = cells[cells["status"] == "existing"]
        if len(existing):
            rows.append({"tower_id": tid, "operators": existing["operator"].nunique(),
                         "geometry": shapely.Point(cells["lon"].mean(), cells["lat"].mean())})
    return gpd.GeoDataFrame(rows, crs=4326).to_crs(UTM)


def test_the_sample_reports_the_old_commune_and_the_new_ward(sample_units):
    units = pd.read_csv(sample_units / "units.csv", dtype={"unit_code": str})
    assert list(units["role"]) == ["plan", "current"]
    assert list(units["unit_code"]) == ["14824", "14818"]
    plan, current = units.iloc[0], units.iloc[1]
    # M5 of the old commune: as before issue 12, 1 shared of 2 towers inside the commune
    assert (plan["m5_shared_towers"], plan["m5_towers"]) == (1, 2)
    # M5 of the ward, by hand: existing towers covered by the bundled 2025 boundary
    ward = find_unit("14818").frame().to_crs(UTM).union_all()
    towers = _towers_by_hand()
    inside = towers[[ward.buffer(0.5).covers(g) for g in towers.geometry]]
    assert current["m5_towers"] == len(inside)
    assert current["m5_shared_towers"] == int((inside["operators"] >= 2).sum())
    assert current["m5_towers"] > plan["m5_towers"]  # the ward takes in a neighbour's tower
    # every sample hamlet lies mostly in both; M4 and F2 as for the whole study
    summary = json.loads((sample_units / "summary.json").read_text(encoding="utf-8"))
    for col, key in (("m4", "M4"), ("f2", "F2")):
        assert units[f"{col}_covered_hamlets"].tolist() == [
            summary["indicators"][key]["covered_hamlets"]] * 2
    # the data's hamlets cover only part of the ward (Bắc Sơn, Ngọc Trạo, Phú Sơn unmapped)
    hamlets = gpd.read_file(SAMPLE.parent / "boundaries" / "hamlets.geojson").to_crs(UTM)
    share = hamlets.union_all().intersection(ward).area / ward.area
    assert current["hamlet_area_share"] == pytest.approx(share, abs=1e-4)
    assert current["hamlet_area_share"] < 0.5 and plan["hamlet_area_share"] == pytest.approx(1)
    assert [u["role"] for u in summary["units"]] == ["plan", "current"]
    assert summary["units"][1]["indicators"]["M5"]["towers"] == current["m5_towers"]


def test_the_report_shows_both_units_and_rerenders_from_the_stored_result(sample_units,
                                                                           tmp_path):
    page = (sample_units / "report.html").read_text(encoding="utf-8")
    assert "14824 Xã Quang Trung" in page and "14818 Phường Quang Trung" in page
    assert "Theo đơn vị hành chính: đơn vị của kế hoạch và đơn vị từ 01/07/2025" in page
    # a unit without a plan unit is titled for what it shows (found by a review: "the
    # plan's commune and the ward" above one xã's column)
    from coverage_gis.outputs.report import _units_section
    from coverage_gis.pipeline import unit_indicators
    from coverage_gis.results.store import read_analysis

    analysis = read_analysis(sample_units)
    current = tuple(u for u in unit_indicators(analysis) if u.role == "current")
    assert "By administrative unit: the unit since 1 July 2025</h2>" in _units_section(
        analysis, "en", current)
    again = tmp_path / "again"
    assert main(["-q", "report", str(sample_units), "--out", str(again)]) == 0
    assert (again / "units.csv").read_bytes() == (sample_units / "units.csv").read_bytes()


def test_a_scenario_without_units_writes_no_units_table(tmp_path):
    scenario = sample_copy(tmp_path, "no_units.toml", without_units=True)
    out = tmp_path / "out"
    assert main(["-q", "analyze", str(scenario), "--out", str(out)]) == 0
    assert not (out / "units.csv").exists()
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["units"] == []


def test_the_officer_checks_against_the_2025_ward(tmp_path):
    """Since 1 July 2025 the ward decides: a point in former phường Bắc Sơn (inside 14818,
    outside the old commune) is on the unit's territory; a point outside the ward is not."""
    ward = find_unit("14818").frame().to_crs(UTM).union_all()
    commune = gpd.read_file(SAMPLE.parent / "boundaries" / "commune.geojson").to_crs(UTM)
    inside = ward.difference(commune.union_all().buffer(300)).representative_point()
    lon, lat = gpd.GeoSeries([inside], crs=UTM).to_crs(4326)[0].coords[0]
    out = tmp_path / "check"
    assert main(["-q", "check-site", "--lon", f"{lon:.6f}", "--lat", f"{lat:.6f}",
                 "--operator", "Viettel", "--technology", "4G", "--out", str(out)]) == 0
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    assert doc["location"]["inside_commune"] and doc["location"]["unit_code"] == "14818"
    assert doc["verdict"] != "outside-unit"
    # the old commune's own test would have said outside: the point is 300 m+ beyond it
    assert not commune.union_all().buffer(299).contains(inside)


def test_the_map_frames_the_old_commune_in_the_ward_and_its_neighbours(sample_units):
    """map.html draws the 2025 ward (thick) and the bundled units touching it, by name, and
    says where its data come from."""
    from coverage_gis.io.units import load_units
    html = (sample_units / "map.html").read_text(encoding="utf-8")
    esc = lambda t: json.dumps(t)[1:-1]  # noqa: E731  (the map holds its texts as JSON)
    units = load_units()
    ward = units[units["unit_code"] == "14818"].geometry.iloc[0]
    touching = units[units.intersects(ward.buffer(0.001))]
    names = "|".join(re.escape(esc(w)) for w in ("Phường", "Xã"))
    drawn = set(re.findall(rf"(1[4-6]\d{{3}}) (?:{names})", html))
    assert drawn == set(touching["unit_code"]) and "14818" in drawn and len(drawn) > 3
    assert esc("Nguồn dữ liệu: mẫu minh họa: thôn, ranh giới xã") in html


def test_a_unit_studys_scorecard_counts_its_own_hamlets_as_its_towers(tmp_path, capsys):
    """Found by a review: a unit study given hamlets beyond the unit scored M4 and F2 over
    all of them and M5 over its own towers. A hamlet beyond the unit (here in Ninh Bình,
    with households) counts in neither; hamlets.csv still lists it."""
    import pandas as pd

    from .conftest import with_a_hamlet_in_ninh_binh

    path = sample_copy(tmp_path, replace={
        **with_a_hamlet_in_ninh_binh(tmp_path),
        'plan_unit = "14824"\n': "", 'commune = "boundaries/commune.geojson"\n': ""})
    out = tmp_path / "out"
    assert main(["-q", "analyze", str(path), "--out", str(out), "--resolution-m", "100"]) == 0
    card = pd.read_csv(out / "scorecard.csv")
    card = card[card["source"] == "map"].set_index("indicator")
    assert card.loc["M4", "denominator"] == card.loc["F2", "denominator"] == 6
    assert "NB01" in set(pd.read_csv(out / "hamlets.csv")["hamlet_id"])


def test_a_unit_holding_few_of_the_hamlets_is_said_not_only_counted(tmp_path, capsys):
    """Found by a review: the warning that a unit holds few of the hamlets (M4 and F2 of
    another unit's hamlets) was only counted ("1 warning(s)")."""
    path = sample_copy(tmp_path, replace={'unit = "14818"\n': 'unit = "15274"\n',
                                          'plan_unit = "14824"\n': ""})
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--out", str(out), "--resolution-m", "100"]) == 0
    err = capsys.readouterr().err
    assert ("warning: sample.toml [scenario] unit: 15274 Xã Hà Long holds 2% of the area" in err
            and "measured on another unit's hamlets" in err)
    assert "warning(s); run 'coverage-gis validate' to list them" in err
