"""Regression tests for session 49's findings: numbers in Vietnamese sentences, and what the
session's reviews found."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from coverage_gis.config.params import FibreParams
from coverage_gis.outputs import exports, fibre_text, i18n
from coverage_gis.outputs.indicators import mobile_rule_text

# a number written with a decimal point (45.5), as a Vietnamese reader takes for thousands
_POINT_DECIMAL = re.compile(r"\d\.\d")


def test_a_vietnamese_reason_writes_decimals_with_a_comma_and_english_with_a_point():
    # found by a review: "ăng-ten cao 45.5 m" in a Vietnamese check, where a point reads as
    # a thousands separator (45.5 read as forty-five thousand five hundred)
    params = {"height_m": 45.5, "limit_m": 45.0, "regulation": "TT 05/2021"}
    vi = i18n.reason_text("aviation_obstacle", params, "vi")
    en = i18n.reason_text("aviation_obstacle", params, "en")
    assert "cao 45,5 m" in vi and "từ 45 m" in vi and "TT 05/2021" in vi
    assert "45.5 m" in en and not re.search(r"\d,\d", en)


def test_vietnamese_page_words_place_numbers_the_vietnamese_way():
    vi, en = i18n.words("vi"), i18n.words("en")
    assert vi["cal_stats"].format(rmse=6.34, mean=-1.25, n=1234) == \
        "RMSE 6,3 dB, sai số TB -1,2 dB, n = 1234"
    assert en["cal_stats"].format(rmse=6.34, mean=-1.25, n=1234) == \
        "RMSE 6.3 dB, mean error -1.2 dB, n = 1234"
    assert vi["body_loss"].format(loss=3.5) == "cơ thể người 3,5 dB"
    # text placed as it is: an id or a coordinate already written stays unchanged
    title = vi["check_title"].format(operator="Viettel", technology="4G",
                                     lon="105.844640", lat="20.074860")
    assert "105.844640, 20.074860" in title
    # a formatted template is a plain str again (for the writers that check types)
    assert type(vi["body_loss"].format(loss=3.5)) is str


def test_vietnamese_fibre_sentences_and_rules_write_decimal_commas():
    params = FibreParams(max_drop_m=150.5)
    assert "150,5 m" in fibre_text.rule_text("cultural_house", params, "vi")
    assert "150.5 m" in fibre_text.rule_text("cultural_house", params, "en")
    rule = mobile_rule_text({"hamlet_share": 0.95, "share_basis": "households",
                             "threshold_4g_dbm": -110.5, "threshold_5g_dbm": -105.0,
                             "indoor": False}, "vi")
    assert "-110,5" in rule and not _POINT_DECIMAL.search(rule)


def test_the_probability_style_of_qgis_labels_its_classes_in_the_maps_language():
    vi = exports.raster_qml("probability", "vi")
    en = exports.raster_qml("probability", "en")
    assert 'label="xác suất 0,75 … 0,9"' in vi and 'label="probability 0.75 … 0.9"' in en


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_vietnamese_template_formats_like_its_english_one(lang):
    # every template of the pages, reasons and skipped parts still takes its placeholders
    for key, text in i18n.words(lang).items():
        if isinstance(text, str) and "{" in text:
            fields = set(re.findall(r"{(\w+)", text))
            filled = text.format(**{f: 1.5 for f in fields})
            assert "{" not in filled, key
            if lang == "vi":
                assert not _POINT_DECIMAL.search(filled), (key, filled)


@pytest.fixture(scope="module")
def grouped_at_500(tmp_path_factory):
    """The sample analysed with its cells grouped into towers within 500 m."""
    import warnings

    import coverage_gis as cg

    from .conftest import sample_copy

    path = sample_copy(tmp_path_factory.mktemp("s500"))
    path.write_text(path.read_text(encoding="utf-8") + "\n[sharing]\ntower_distance_m = 500\n",
                    encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = cg.load_project(path)
        return project, cg.analyze(project)


def _tower_titles(svg: str) -> set[str]:
    """The towers an SVG map draws, as their titles: "id (operators)"."""
    return set(re.findall(r"<polygon [^>]*><title>([^<]+ \([^<]*\))</title>", svg))


def _titles(towers) -> set[str]:
    return {f"{t.tower_id} ({t.operators})" for t in towers.itertuples()}


def test_the_reports_map_draws_the_towers_its_m5_counted(grouped_at_500):
    # found by a review: the report's map regrouped the cells at the default 25 m while M5
    # counted towers grouped at the scenario's tower_distance_m (10 against 9 on the sample:
    # BSN-T10 joins BSN-T01 within 500 m)
    from coverage_gis.engines.sharing import towers
    from coverage_gis.outputs.report import _report_svg

    project, analysis = grouped_at_500
    merged = _titles(towers(project.sites)) - _titles(analysis.towers)
    assert merged  # the setting matters here
    drawn = _tower_titles(_report_svg(analysis, i18n.words("en"), "en"))
    assert drawn and drawn <= _titles(analysis.towers) and not drawn & merged


def test_the_check_page_draws_the_towers_the_check_grouped(grouped_at_500):
    import shapely

    from coverage_gis.engines import placement
    from coverage_gis.outputs.check_page import check_html, check_kml

    project, analysis = grouped_at_500
    point = analysis.towers.geometry.iloc[0]
    point = shapely.Point(point.x + 120, point.y + 60)
    check = placement.check_site(project, placement.ProposedSite("Viettel", "4G"), point)
    assert set(check.towers["tower_id"]) == set(analysis.towers["tower_id"])
    assert "towers" not in check.to_json() and "GeoDataFrame" not in repr(check)
    drawn = _tower_titles(check_html(check, project, point, lang="en"))
    assert drawn and drawn <= _titles(analysis.towers)
    kml = check_kml(check, project, point, lang="en")
    for tower in check.nearest_towers:  # each nearest tower placed (none skipped)
        assert f"<name>{tower.tower_id}</name>" in kml


def _m4(covered: int, hamlets: int, unmeasured: int, target: float = 0.75):
    from coverage_gis.engines.indicators import HamletIndicator

    return HamletIndicator("M4", covered, hamlets, (), target, "mobile_broadband_share",
                           unmeasured_hamlets=tuple(f"U{i}" for i in range(unmeasured)))


def test_a_unit_its_unmeasured_hamlets_could_tip_is_not_listed_short_of_m4(capsys):
    # found by a review: the terminal listed a unit "short of M4" by its measured hamlets
    # alone while the engine (and the report) left it undecided
    from types import SimpleNamespace

    from coverage_gis.cli.analyze import _print_province

    unit = SimpleNamespace(code="1", name="Open", m4=_m4(1, 2, 2), m5=None, f2=None)
    short = SimpleNamespace(code="2", name="Short", m4=_m4(0, 4, 0), m5=None, f2=None)
    assert unit.m4.met is None and short.m4.met is False
    whole = SimpleNamespace(code="38", name="Thanh Hóa", m4=_m4(1, 6, 2), m5=None, f2=None)
    _print_province(whole, [unit, short])
    out = capsys.readouterr().out
    assert "short of M4: 2 Short" in out and "1 Open" not in out
    assert "M4 target met in 0 of 2 units" in out


def test_m5_says_itself_whether_it_meets_its_target():
    from coverage_gis.engines.indicators import SharingIndicator, SharingRatio

    def m5(shared, total, approximate=0):
        ratio = SharingRatio("towers", shared, total)
        return SharingIndicator(ratio, ratio, ratio, 0, 0.15, towers_approximate=approximate)

    assert m5(3, 20).met is True and m5(2, 20).met is False  # 15 % against 15 %: met
    assert m5(0, 0).met is None and m5(3, 20, approximate=2).met is None


@pytest.mark.parametrize("kw, named", [
    ({"height_m": "35"}, "height_m='35': expected a number of metres"),
    ({"beamwidth_deg": "65"}, "beamwidth_deg='65'"),
    ({"azimuths_deg": ["0", "120"]}, "azimuths_deg='0'"),
    ({"tilt_deg": float("nan")}, "tilt_deg=nan"),
])
def test_a_notebooks_proposal_with_a_value_as_text_is_refused_by_name(kw, named):
    # found by a review: height_m="35" ended in "TypeError: '<=' not supported"
    from pyproj import CRS

    from coverage_gis.engines.placement import ProposedSite
    from coverage_gis.errors import InputError

    with pytest.raises(InputError, match=re.escape(named)):
        ProposedSite("Viettel", "4G", **kw).cells(590605.0, 2220272.0, CRS.from_epsg(32648))


def test_a_proposals_beamwidth_defaults_from_the_settings(monkeypatch):
    from pyproj import CRS

    from coverage_gis.config import settings
    from coverage_gis.engines.placement import ProposedSite

    monkeypatch.setitem(settings.TECHNOLOGY_DEFAULTS, "4G",
                        {**settings.TECHNOLOGY_DEFAULTS["4G"], "beamwidth_deg": 90.0})
    cells = ProposedSite("Viettel", "4G", azimuths_deg=[0, 120]).cells(
        590605.0, 2220272.0, CRS.from_epsg(32648))
    assert cells["beamwidth_deg"].tolist() == [90.0, 90.0]
    one = ProposedSite("Viettel", "4G", azimuths_deg=120).cells(  # one number: one sector
        590605.0, 2220272.0, CRS.from_epsg(32648))
    assert one["azimuth_deg"].tolist() == [120.0]


def test_the_quick_look_on_cells_without_radio_columns_names_them():
    # found by a review: a bare KeyError 'band_mhz' from a notebook's own sites table
    import geopandas as gpd
    import shapely

    import coverage_gis as cg

    sites = gpd.GeoDataFrame(
        {"site_id": ["A-1"], "operator": ["Viettel"], "technology": ["4G"],
         "status": ["existing"], "azimuth_deg": [0.0], "beamwidth_deg": [65.0]},
        geometry=[shapely.Point(590605.0, 2220272.0)], crs="EPSG:32648")
    with pytest.raises(cg.InputError, match="signal_radius\\(\\): the cells have no column "
                                            "'band_mhz'.*cg.read_sites"):
        cg.coverage.signal_radius(sites)


def test_an_engine_places_households_by_the_loaders_rule():
    # found by a review: engines handed households without hamlet_id placed them with a
    # second rule (a house on an outline in no hamlet; overlaps by file order), so that a
    # notebook's shares differed from analyze's on the same files
    import geopandas as gpd
    import pandas as pd
    import shapely

    from coverage_gis.engines.hamlets import household_hamlets
    from coverage_gis.io.project import hamlets_at

    big = shapely.box(0, 0, 100, 100)
    small = shapely.box(40, 40, 60, 60)  # inside the big one: overlapping polygons
    hamlets = gpd.GeoDataFrame({"hamlet_id": ["BIG", "SMALL"]}, geometry=[big, small],
                               crs="EPSG:32648")
    houses = gpd.GeoDataFrame(geometry=[shapely.Point(100, 50), shapely.Point(50, 50),
                                        shapely.Point(10, 10), shapely.Point(500, 500)],
                              crs="EPSG:32648")
    def ids(values):
        return [None if pd.isna(v) else v for v in values]

    expected = ["BIG", "SMALL", "BIG", None]  # on the outline; the smallest; inside; outside
    assert ids(household_hamlets(houses, hamlets)) == expected
    assert ids(household_hamlets(houses, hamlets.iloc[::-1])) == expected  # file order
    loaded, overlapping = hamlets_at(houses, hamlets)
    assert ids(loaded) == expected and overlapping.to_dict() == {1: "BIG and SMALL"}


def test_a_drive_tests_pci_beyond_nrs_range_is_refused_by_row(tmp_path):
    # the command line's own copy of the drive-test reader checked it, the Python API did
    # not (found by a review: two readers of one file; now one, in io.measurements)
    import coverage_gis as cg
    from coverage_gis.io.measurements import read_measurements

    path = tmp_path / "dt.csv"
    path.write_text("lon,lat,rsrp_dbm,pci\n105.864,20.059,-97,12\n105.864,20.058,-98,2000\n",
                    encoding="utf-8")
    with pytest.raises(cg.InputError, match=r"dt.csv row 2: pci=2000 is outside 0..1007"):
        read_measurements(path)


@pytest.mark.parametrize("lang, said", [
    ("vi", "tức tọa độ Y của bản đồ địa chính"), ("en", "the Y of Vietnamese cadastral maps")])
def test_the_web_forms_x_and_y_say_which_cadastral_coordinate_they_are(lang, said):
    # found by a review: cadastral maps and land-use certificates write X for the northing;
    # an officer copying "X = 2219700, Y = 588150" typed them into the wrong boxes
    from coverage_gis.web.page import _form

    form = _form(i18n.web_words(lang), "vn2000-tm3-105.5")
    x_field = form[form.index('for="cg-x"'):form.index('for="cg-y"')]
    assert said in x_field and 'aria-describedby="cg-hint-x"' in x_field
    assert ("X của bản đồ địa chính" if lang == "vi" else "the X of") in form


def test_a_hamlet_without_households_in_the_data_is_not_measured_not_short(tmp_path):
    # found by a review: M4/F2 and units.csv left such hamlets out, but hamlets.csv, the
    # report's gap list, the KMZ and the terminal called them short
    import warnings
    import zipfile

    import coverage_gis as cg
    from coverage_gis.outputs.indicators import hamlet_status, is_short
    from coverage_gis.outputs.writer import render_analysis

    from .conftest import SAMPLE

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = cg.load_project(SAMPLE)
        gone = str(project.hamlets["hamlet_id"].iloc[0])
        project.households = project.households[project.households["hamlet_id"] != gone]
        analysis = cg.analyze(project)
    table = analysis.hamlets.set_index("hamlet_id")
    for column in ("mobile_broadband_covered", "ftth_covered"):
        assert table.loc[gone, column] is None  # empty, not False
        assert not is_short(table, column)[list(table.index).index(gone)]
    assert hamlet_status(table.loc[gone].to_dict()) == "no_data"
    assert gone in analysis.indicators.m4.unmeasured_hamlets
    measured = table.drop(index=gone)
    assert measured["mobile_broadband_covered"].map(lambda v: isinstance(v, bool)).all()
    out = tmp_path / "out"
    render_analysis(analysis, out, lang="vi")
    hamlets_csv = pd.read_csv(out / "hamlets.csv", dtype={"hamlet_id": str})
    assert hamlets_csv.set_index("hamlet_id").loc[gone, "mobile_broadband_covered"] != False  # noqa: E712
    with zipfile.ZipFile(out / "results.kmz") as z:
        kml = z.read("doc.kml").decode()
    assert "#hamlet_no_data" in kml
    assert f"({gone})" not in (out / "report.html").read_text(encoding="utf-8").split(
        "Vùng lõm")[-1].split("</ul>")[0]


def test_a_unit_measured_as_one_area_is_not_counted_by_one_cultural_house():
    # found by a review: without a hamlets layer each unit is one "hamlet", and any one of
    # its many cultural houses reached met F2 (every unit of a province, one at 35 %)
    import warnings

    import coverage_gis as cg
    from coverage_gis.config.params import FibreParams
    from coverage_gis.errors import InputWarning
    from coverage_gis.pipeline import unit_as_area

    from .conftest import SAMPLE

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = cg.load_project(SAMPLE)
    assert project.households["is_cultural_house"].fillna(False).astype(bool).sum() > 1
    assert FibreParams.from_scenario(project.scenario.parameters).hamlet_rule == \
        "cultural_house"
    project.hamlets = None
    with pytest.warns(InputWarning, match="measures each unit as one area.*hamlet_rule"):
        unit = unit_as_area(project)
    assert FibreParams.from_scenario(unit.scenario.parameters).hamlet_rule == "share"
    assert len(unit.hamlets) == 1
