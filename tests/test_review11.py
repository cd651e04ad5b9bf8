"""Defects found by the eleventh review (the land officer, the planner's maps and reports, real
input files), each a test that fails while the defect is present."""

from __future__ import annotations

import pytest

import coverage_gis as cg
from coverage_gis.engines import placement, sharing
from coverage_gis.engines.site_map import site_point
from coverage_gis.errors import InputError

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def project():
    return cg.load_project(SAMPLE)


def test_api_errors_name_the_arguments_not_command_line_options(project):
    """map_site(x=, y=) without crs told a notebook to "give --lon and --lat, or --x, --y and
    --crs": options it does not have. The words name the arguments, which the command's
    options spell the same way."""
    dem = cg.read_dem(SAMPLE.parent / "dem" / "dem.tif")
    for call in (lambda: site_point(dem, x=590332, y=2219107),
                 lambda: site_point(dem, lon=105.86, lat=20.07, x=1.0, y=2.0),
                 lambda: placement.locate_point(project, x=590332, y=2219107),
                 lambda: placement.locate_point(project, lon=105.86, lat=20.07, crs="wgs84")):
        with pytest.raises(InputError) as info:
            call()
        assert "--" not in str(info.value)
        assert "lon and lat" in str(info.value)


def test_an_unknown_language_is_an_input_error_before_anything_is_written(project, tmp_path):
    """write_analysis(lang="xx") raised a bare ValueError."""
    result = cg.analyze(project, suggest_sites=0)
    with pytest.raises(cg.CoverageGisError, match="lang must be one of vi, en, got 'xx'"):
        cg.write_analysis(result, tmp_path / "out", lang="xx")
    assert not (tmp_path / "out").exists()


def test_towers_from_cells_without_a_needed_column_is_an_input_error(project):
    """sharing.towers(sites without operator) raised a bare KeyError."""
    with pytest.raises(InputError, match=r"towers\(\): the cells have no column 'operator'"):
        sharing.towers(project.sites.drop(columns="operator"))


def _check_json(scenario, out, lon, lat, *options: str) -> dict:
    """``check-site`` of a Viettel 4G mast at ``lon``, ``lat`` into ``out``: its check.json."""
    import json

    from coverage_gis.cli.main import main

    assert main(["-q", "check-site", str(scenario), "--lon", str(lon), "--lat", str(lat),
                 "--operator", "Viettel", "--technology", "4G", *options,
                 "--out", str(out)]) == 0
    return json.loads((out / "check.json").read_text(encoding="utf-8"))


def _merged_sites_workbook(path):
    """The sample's sites as an operator's workbook: ``tower_id`` and ``status`` merged over
    each mast's rows (so each mast has its first row's status, as the spreadsheet shows it)."""
    import openpyxl
    import pandas as pd

    sites = pd.read_csv(SAMPLE.parent / "towers" / "sites.csv")
    mast = (sites["tower_id"] != sites["tower_id"].shift()).cumsum()
    sites["status"] = sites.groupby(mast)["status"].transform("first")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(sites.columns))
    for row in sites.itertuples(index=False):
        sheet.append([None if pd.isna(v) else v for v in row])
    letters = {c: openpyxl.utils.get_column_letter(k + 1) for k, c in enumerate(sites.columns)}
    ranges = 0
    for _, rows in sites.groupby(mast).groups.items():
        if len(rows) > 1:
            for c in ("tower_id", "status"):
                sheet.merge_cells(f"{letters[c]}{rows[0] + 2}:{letters[c]}{rows[-1] + 2}")
                ranges += 1
    book.save(path)
    return sites, ranges


def test_cells_merged_over_rows_in_a_workbook_are_read_on_every_row(tmp_path):
    """Operators' BTS lists merge a mast's tower_id and status over its sectors' rows; read as
    empty below the first row, planned cells became existing and tower ids were lost, with
    exit 0 (found by a review)."""
    sites, ranges = _merged_sites_workbook(tmp_path / "sites.xlsx")
    assert ranges > 10
    with pytest.warns(cg.InputWarning, match=rf"sites.xlsx: sheet '.*' has {ranges} range\(s\) "
                                             r"of cells merged over rows \([A-Z]+\d+:"):
        read = cg.read_sites(tmp_path / "sites.xlsx")
    assert read["tower_id"].notna().all()
    assert read["tower_id"].tolist() == sites["tower_id"].tolist()
    assert (read["status"] == "planned").sum() == (sites["status"] == "planned").sum() > 0


def test_a_range_merged_across_columns_keeps_its_one_value():
    from coverage_gis.io.workbook import fill_merged_down

    rows = [["a", None, None], ["b", None, "x"], [None, None, "y"]]
    assert fill_merged_down(rows, [(1, 1, 3, 1), (1, 2, 2, 3)]) == ["A2:B3"]
    assert rows == [["a", None, None], ["b", None, "x"], ["b", None, "y"]]


def test_access_point_kinds_are_read_in_the_words_operators_write(tmp_path):
    """``Splitter cấp 1`` (a first-level splitter cabinet) counted as a drop box and passed
    148 homes of QT06, silently; a splice closure too (found by a review)."""
    import pandas as pd

    table = pd.read_csv(SAMPLE.parent / "fibre" / "access_points.csv")
    spelled = ["Splitter cấp 1", "Splitter 1:8", "Tủ OLT", "Măng xông", "Hộp FAT",
               "Splitter cấp 2", "Cabinet A"]
    table.loc[:len(spelled) - 1, "kind"] = spelled
    table.to_csv(tmp_path / "ap.csv", index=False)
    with pytest.warns(cg.InputWarning, match=r"ap.csv: column 'kind' holds 1 kind\(s\) not "
                                             r"known \('Cabinet A'; row 7\): read as drop boxes"):
        read = cg.read_access_points(tmp_path / "ap.csv", crs="vn2000-thanhhoa")
    assert read["kind"].tolist()[:len(spelled)] == [
        "splitter", "splitter", "OLT", "closure", "FAT", "FAT", "Cabinet A"]


def test_a_splitter_cabinet_or_a_closure_passes_no_home(project):
    """A first-level splitter cabinet in QT06, as an operator spells it, is no drop box."""
    import pandas as pd

    from coverage_gis.engines.fibre_reach import household_reach
    from coverage_gis.io.schema import Problems, _access_point_kinds

    qt06 = project.households[project.households["hamlet_id"] == "QT06"]
    passed = {}
    for kind in ("Splitter cấp 1", "Măng xông", "Hộp FAT"):
        box = project.access_points.iloc[[0]].copy()
        box["geometry"] = [qt06.geometry.union_all().centroid]
        box["ap_id"], box["ports_total"], box["ports_used"] = "NEW", 16, 0
        box["kind"] = _access_point_kinds(pd.Series([kind], index=box.index), Problems("t"))
        reach = household_reach(project.households, pd.concat([project.access_points, box]),
                                project.roads, project.fibre)
        passed[kind] = int(reach.loc[reach["hamlet_id"] == "QT06", "passed"].sum())
    assert passed["Splitter cấp 1"] == passed["Măng xông"] == 0 < passed["Hộp FAT"]


def test_a_gzipped_download_is_told_to_be_unpacked(tmp_path):
    """OpenCelliD's 452.csv.gz, given as downloaded, was "a damaged file, or another kind of
    file renamed"."""
    import gzip

    (tmp_path / "452.csv.gz").write_bytes(gzip.compress(
        (SAMPLE.parent / "towers" / "opencellid_452.csv").read_bytes()))
    with pytest.raises(InputError, match=r"452\.csv\.gz: .*it is gzip-compressed: unpack it "
                                         r"first \(gunzip -k 452\.csv\.gz\) and give 452\.csv"):
        cg.read_sites(tmp_path / "452.csv.gz")


def test_coordinates_in_degrees_minutes_and_seconds_are_read(tmp_path):
    """105°51'50.12"E, as GPS units and Google Earth give it, was "not a number"."""
    import pandas as pd

    sites = pd.read_csv(SAMPLE.parent / "towers" / "sites.csv")

    def dms(value: float, letters: str) -> str:
        d = abs(value)
        m, s = divmod(d * 3600, 60)
        deg, m = divmod(m, 60)
        return f"{int(deg)}°{int(m):02d}'{s:.4f}\"{letters[int(value < 0)]}"

    table = sites.copy()
    table["lon"] = [dms(v, "EW") for v in sites["lon"]]
    table["lat"] = [dms(v, "NS") for v in sites["lat"]]
    table.loc[0, "lon"] = "105°51'x"
    table.to_csv(tmp_path / "dms.csv", index=False)
    with pytest.raises(InputError) as info:
        cg.read_sites(tmp_path / "dms.csv")
    assert len(info.value.problems) == 1
    assert ("dms.csv row 1: lon=\"105°51'x\" is not a number (expected decimal degrees, e.g. "
            "105.84464, or degrees, minutes and seconds") in str(info.value)
    table.loc[0, "lon"] = dms(sites.loc[0, "lon"], "EW")
    table.to_csv(tmp_path / "dms.csv", index=False)
    read = cg.read_sites(tmp_path / "dms.csv")
    assert read.geometry.x.to_numpy() == pytest.approx(sites["lon"].to_numpy(), abs=1e-7)
    assert read.geometry.y.to_numpy() == pytest.approx(sites["lat"].to_numpy(), abs=1e-7)


def test_a_semicolon_csv_with_decimal_commas_is_read(tmp_path):
    """Excel's CSV under a comma-decimal locale (';' between fields) gave 576 errors for 84
    rows; a column of 4,905-like values alone stays ambiguous and is refused as before."""
    import pandas as pd

    sites = pd.read_csv(SAMPLE.parent / "towers" / "sites.csv")
    sites.to_csv(tmp_path / "semi.csv", sep=";", decimal=",", index=False)
    with pytest.warns(cg.InputWarning, match=r"semi\.csv: fields separated by ';' or tabs, "
                                             r"decimals written with a comma in .*lon"):
        read = cg.read_sites(tmp_path / "semi.csv")
    assert read.geometry.x.to_numpy() == pytest.approx(sites["lon"].to_numpy())
    assert read["height_m"].tolist() == pytest.approx(sites["height_m"].tolist())
    stats = pd.DataFrame({"year": [2025], "population": ["4,905"]})
    stats.to_csv(tmp_path / "stats.csv", sep=";", index=False)
    with pytest.raises(InputError, match=r"population='4,905' is not a whole number"):
        cg.read_statistics(tmp_path / "stats.csv")


NO_FIBRE = {'access_points = { path = "fibre/access_points.csv", crs = "vn2000-thanhhoa" }\n': "",
            'fibre = [\n  { path = "fibre/routes_viettel.kml", operator = "Viettel" },\n'
            '  { path = "fibre/routes_vnpt.geojson" },\n]\n': ""}


def test_a_study_without_fibre_keys_no_hamlet_as_meeting_both_targets(tmp_path):
    """A coverage-only study's report map and GeoPackage style keyed hamlets "both targets
    met", QT06, the hamlet without fibre, among them (found by a review)."""
    import sqlite3

    from coverage_gis.cli.main import main

    from .conftest import sample_copy

    path = sample_copy(tmp_path, replace=NO_FIBRE)
    assert "fibre" not in path.read_text(encoding="utf-8").split("[provenance]")[0]
    out = tmp_path / "out"
    assert main(["-q", "analyze", str(path), "--out", str(out), "--lang", "en"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "both targets met" not in page and "short of FTTH" not in page
    assert "mobile broadband target met (FTTH not computed)" in page
    with sqlite3.connect(out / "results.gpkg") as db:
        (qml,) = db.execute("select styleQML from layer_styles where f_table_name = 'hamlets'"
                            ).fetchone()
    assert "both targets met" not in qml and "FTTH not computed" in qml


def test_a_site_inside_a_protected_zone_breaks_it_whatever_its_distance(tmp_path):
    """A protection zone drawn as a polygon with min_distance_m = 0 (the zone itself is the
    prohibited area) passed a site at its centre: 0 >= 0 (found by a review)."""
    import json

    from .conftest import sample_copy

    lon, lat, dx, dy = 105.8476318, 20.0605516, 0.0015, 0.0014
    ring = [[lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy],
            [lon - dx, lat + dy], [lon - dx, lat - dy]]
    verdicts = {}
    for basis in ("regulation", "local-setting"):
        zone = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
            "constraint_id": "Z1", "name": "Khu vực bảo vệ I", "kind": "heritage",
            "basis": basis, "source": "Luật Di sản văn hóa 2024, Điều 27" if basis ==
            "regulation" else None, "min_distance_m": 0},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
        folder = tmp_path / basis
        folder.mkdir()
        (folder / "zone.geojson").write_text(json.dumps(zone), encoding="utf-8")
        where = (folder / "zone.geojson").as_posix()
        path = sample_copy(folder, replace={
            'constraints = "constraints/constraints.geojson"': f'constraints = "{where}"'})
        doc = _check_json(path, folder / "out", lon, lat)
        (z1,) = [c for c in doc["constraints"] if c["constraint_id"] == "Z1"]
        assert z1["ok"] is False
        verdicts[basis] = (doc["verdict"], [r["code"] for r in doc["reason_codes"]])
    assert verdicts["regulation"][0] == "conflict" and "inside_zone" in verdicts["regulation"][1]
    assert "inside_zone_local" in verdicts["local-setting"][1]
    assert verdicts["local-setting"][0] in ("review", "conflict")


def test_check_json_is_strict_json_with_a_public_building_near(tmp_path):
    """check.json held NaN (no JSON) for a dwelling's name when a school was among the places
    of the exposure check; the web app gave null (found by a review)."""
    import json

    from coverage_gis.cli.main import main

    out = tmp_path / "out"
    assert main(["-q", "check-site", str(SAMPLE), "--lon", "105.86293524", "--lat",
                 "20.0691637", "--operator", "Viettel", "--technology", "5G", "--height-m",
                 "15", "--azimuth-deg", "270", "--eirp-dbm", "70", "--out", str(out)]) == 0

    def strict(constant):
        raise ValueError(f"not JSON: {constant}")

    doc = json.loads((out / "check.json").read_text(encoding="utf-8"), parse_constant=strict)
    worst = doc["exposure"]["worst"]
    assert worst["name"] is None and worst["kind"] == "dwelling"
    # and the page names it by its id, not "nhà dân nan"
    page = (out / "check.html").read_text(encoding="utf-8")
    assert f"nhà dân {worst['id']}:" in page and " nan" not in page


def test_the_check_page_says_outside_for_a_hamlet_point_outside_the_unit(tmp_path):
    """The sample's QT04 reaches beyond the 2025 ward's bundled boundary: a point there is
    ruled outside the unit, and the printable page said "inside the commune, hamlet QT04"
    (found by a review)."""


    out = tmp_path / "out"
    doc = _check_json(SAMPLE, out, "105.84441", "20.06028", "--lang", "en")
    assert doc["location"]["inside_commune"] is False and doc["location"]["hamlet_id"] == "QT04"
    page = (out / "check.html").read_text(encoding="utf-8")
    assert "outside the commune, hamlet QT04" in page and "inside the commune" not in page


def test_a_provinces_counts_are_written_whole_in_the_scorecards_basis():
    """7,499,999 / 10,000,000 (not met) read "7.5e+06 / 1e+07", the target exactly, in
    scorecard.csv and report.html (found by a review)."""
    import pandas as pd

    from coverage_gis.outputs import i18n
    from coverage_gis.outputs.indicators import _basis
    from coverage_gis.outputs.report import _stat_counts

    row = pd.Series({"basis": "statistics", "indicator": "M1", "numerator": 7499999.0,
                     "denominator": 10000000.0, "numerator_column": "mobile_broadband_"
                     "subscriptions", "denominator_column": "population"})
    assert _basis(row, None) == ("mobile_broadband_subscriptions=7499999 / "
                                 "population=10000000")
    words = " ".join(_stat_counts(row, i18n.words("en")))
    assert "7499999" in words and "10000000" in words and "e+" not in words


def test_a_check_with_nothing_to_check_around_the_site_asks_for_review(tmp_path):
    """A site in the ward 2.9 km from every hamlet of the data, or a scenario without
    households and constraints layers, was "ok" with no dwelling or constraint checked
    (found by a review)."""


    from .conftest import sample_copy

    doc = _check_json(SAMPLE, tmp_path / "far", "105.85113", "20.09924", "--lang", "en")
    assert doc["verdict"] == "review"
    (far,) = [r for r in doc["reason_codes"] if r["code"] == "unmapped_location"]
    assert far["params"]["distance_m"] > 2800
    assert any("in no hamlet of the data" in r for r in doc["reasons"])
    bare = sample_copy(tmp_path, replace={
        'households = { path = "households/households.gpkg", layer = "households" }\n': "",
        'constraints = "constraints/constraints.geojson"\n': ""})
    doc = _check_json(bare, tmp_path / "bare", "105.8476318", "20.0605516")
    codes = [r["code"] for r in doc["reason_codes"]]
    assert doc["verdict"] == "review"
    assert "no_households_layer" in codes and "no_constraints_layer" in codes


@pytest.mark.parametrize(("lon", "lat", "kind"), [(105.86984267, 20.06350097, "railway"),
                                                  (105.86348006, 20.05674073, "road")])
def test_a_tower_on_the_railway_or_the_national_road_is_for_review(project, lon, lat, kind):
    """A tower on the North-South railway or on QL1A's centre line was "ok", where
    suggest-sites keeps out of their strips (found by a review)."""
    import shapely
    from pyproj import Transformer

    point = shapely.Point(Transformer.from_crs(4326, project.crs, always_xy=True)
                          .transform(lon, lat))
    layer = project.railway if kind == "railway" else project.roads[
        project.roads["road_class"].isin(["trunk", "primary", "motorway"])]
    assert layer.distance(point).min() < 1.0  # the premise, measured independently
    result = placement.check_site(project, placement.ProposedSite("Viettel", "4G"), point)
    (found,) = [r for r in result.reasons if r.code == "in_corridor"]
    assert found.params["kind"] == kind and found.params["distance_m"] < 1.0
    assert result.verdict == "review"


def test_a_value_per_100_kept_off_its_target_shows_its_decimals_in_the_workbook():
    """M1 = 74.999 (not met) showed "75.0" beside its target 75.0 and "no" (found by a
    review); a share already showed its decimals."""
    from coverage_gis.outputs.exports import _per_100_format

    assert _per_100_format(74.999, 75.0) == "0.000"
    assert _per_100_format(75.0, 75.0) == "0.0" and _per_100_format(60.1427, 75.0) == "0.0"
    assert _per_100_format(74.96, 75.0) == "0.00"
    assert _per_100_format(float("nan"), 75.0) == "0.0" and _per_100_format(74.999) == "0.0"


def test_m4_with_planned_cells_says_so(project):
    """`--include-planned` judged M4 "met" from cells not on air without a word beside it
    (found by a review); the rule, the scorecard's basis and the terminal now say so."""
    from coverage_gis.outputs.indicators import mobile_rule_text

    result = cg.analyze(project, params=cg.CoverageParams(include_planned=True),
                        suggest_sites=0)
    assert result.indicators.m4.rule_params["include_planned"] is True
    assert "PLANNED CELLS COUNTED" in mobile_rule_text(result.indicators.m4.rule_params, "en")
    plain = cg.analyze(project, suggest_sites=0).indicators.m4.rule_params
    assert "PLANNED" not in mobile_rule_text(plain, "en")
    assert "TÍNH CẢ CÁC CELL QUY HOẠCH" in mobile_rule_text(
        result.indicators.m4.rule_params, "vi")


def test_the_reports_note_names_the_map_once_as_its_link(project, tmp_path):
    """"The interactive map is in map.html beside this page. map.html Analysed at ..."
    (found by a review)."""
    import re

    from coverage_gis.outputs.writer import render_analysis

    render_analysis(cg.analyze(project, suggest_sites=0), tmp_path, "en")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'The interactive map is in <a href="map.html">map.html</a> beside this page.' in page
    text = re.sub(r"<[^>]+>", "", page)
    assert text.count("map.html") == 1


def test_opencellid_cells_in_the_apis_csv_layout_are_read_as_the_export(tmp_path):
    """The OpenCelliD API's CSV (lat,lon,mcc,mnc,lac,cellid,averageSignalStrength,range,...,
    radio) was refused as "site_id, operator and technology missing" (found by a review)."""
    import pandas as pd

    export = SAMPLE.parent / "towers" / "opencellid_452.csv"
    from coverage_gis.io.opencellid import CELL_COLUMNS

    table = pd.read_csv(export, dtype=str, header=None, names=list(CELL_COLUMNS))
    api = table.rename(columns={"net": "mnc", "area": "lac", "cell": "cellid",
                                "averageSignal": "averageSignalStrength"})
    api = api[["lat", "lon", "mcc", "mnc", "lac", "cellid", "averageSignalStrength", "range",
               "samples", "changeable", "radio"]]
    api.to_csv(tmp_path / "cells_api.csv", index=False)
    want = cg.read_sites(export)
    got = cg.read_sites(tmp_path / "cells_api.csv")
    assert got["site_id"].tolist() == want["site_id"].tolist()
    assert got["operator"].tolist() == want["operator"].tolist()
    assert got.geometry.x.to_numpy() == pytest.approx(want.geometry.x.to_numpy())


def test_the_targets_name_their_source(project):
    """The 2025 targets were shown nowhere with the plan they come from (found by a
    review): scorecard.csv's target_source and a line under the report's scorecard."""
    from coverage_gis.config import settings
    from coverage_gis.outputs.indicators import scorecard_table
    from coverage_gis.outputs.report import report_html

    result = cg.analyze(project, suggest_sites=0)
    card = scorecard_table(result.scorecard, result.indicators)
    assert list(card.columns)[:6] == ["indicator", "year", "value", "target", "met", "source"]
    assert list(card.columns)[-1] == "target_source"
    assert set(card["target_source"]) == {settings.PLAN_TARGETS_SOURCE}
    assert "mục I.3" in settings.PLAN_TARGETS_SOURCE
    page = report_html(result, card, lang="en")
    assert f"The 2025 targets are those of: {settings.PLAN_TARGETS_SOURCE}." in page
