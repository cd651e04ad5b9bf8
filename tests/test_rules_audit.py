"""Rules audit (round 7): every rule the tower check applies says who set it, and nothing is
shown as law that is not. A distance nobody chose is this tool's default, not "the commune
set"; a scenario can set its own (``[check] min_distance_m``); the sharing rule names its
local settings; an ``ok`` verdict reads "passes what was checked"; a ward is not called a
commune. The exposure parts (assumed heights, the search distance) are in
tests/test_check_rules.py."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from coverage_gis.cli.main import main
from coverage_gis.config import settings
from coverage_gis.config.params import CheckParams
from coverage_gis.config.scenario import Scenario
from coverage_gis.engines import placement
from coverage_gis.errors import InputError
from coverage_gis.io.crs import resolve_crs
from coverage_gis.io.project import Project
from coverage_gis.io.schema import Problems, validate_constraints
from coverage_gis.outputs import i18n
from coverage_gis.outputs.check import check_json, constraint_basis, reason_texts
from coverage_gis.outputs.check_page import check_html

from .conftest import SAMPLE
from .test_coverage import UTM, X0, Y0, hamlets_at, households_in


def _project(parameters: dict | None = None, school_m: float | None = None) -> Project:
    """One hamlet, a house 8 m east of the point, a school 30 m west (its distance given by
    the layer when ``school_m``), the scenario's ``parameters``."""
    h = hamlets_at((X0 - 400, Y0 - 400, X0 + 400, Y0 + 400))
    hh = households_in(h, per_side=4)
    hh = gpd.GeoDataFrame({"household_id": [*hh["household_id"], "HOUSE"],
                           "hamlet_id": [*hh["hamlet_id"], "T1"]},
                          geometry=[*hh.geometry, shapely.Point(X0 + 8, Y0)], crs=UTM)
    school = {"constraint_id": ["S1"], "kind": ["school"], "name": ["Trường"]}
    if school_m is not None:
        school["min_distance_m"] = [school_m]
    cons = validate_constraints(gpd.GeoDataFrame(school, geometry=[shapely.Point(X0 - 30, Y0)],
                                                 crs=UTM), Problems("constraints.geojson"))
    return Project(scenario=Scenario(name="audit", layers={}, parameters=parameters or {}),
                   crs=resolve_crs(UTM), hamlets=h, households=hh, constraints=cons)


def _check(project: Project) -> placement.CheckResult:
    return placement.check_site(project, placement.ProposedSite("MobiFone", "4G"),
                                shapely.Point(X0, Y0))


def test_a_default_distance_is_the_tools_not_the_communes():
    """Found by the rules audit: "under the 50 m the commune set" for the tool's own default
    (settings.CONSTRAINT_MIN_DISTANCE_M; the sample's constraints give no distance)."""
    result = _check(_project())
    school = next(c for c in result.constraints if c.kind == "school")
    house = next(c for c in result.constraints if c.nearest_household)
    assert school.min_distance_m == settings.CONSTRAINT_MIN_DISTANCE_M["school"] == 50.0
    assert school.set_by == house.set_by == "tool-default"
    en, vi = " ".join(reason_texts(result, "en")), " ".join(reason_texts(result, "vi"))
    assert "commune set" not in en and "do địa phương đặt" not in vi
    assert "under the 50 m of this tool's default, which no one here chose" in en
    assert "under the 10 m of this tool's default" in en
    assert "dưới mức 50 m là giá trị mặc định của phần mềm, chưa được địa phương chọn" in vi
    assert constraint_basis(school, "en") == ("local setting: this tool's default, which no "
                                              "one here chose")
    doc = check_json(result)
    assert {c["min_distance_set_by"] for c in doc["constraints"]} == {"tool-default"}
    assert result.verdict == "review"


def test_the_layer_and_the_scenario_set_distances():
    # the layer's own distance: the layer set it
    result = _check(_project(school_m=40.0))
    school = next(c for c in result.constraints if c.kind == "school")
    assert school.min_distance_m == 40.0 and school.set_by == "layer"
    assert any("under the 40 m the constraints layer sets" in r
               for r in reason_texts(result, "en"))
    # the scenario's [check] table: kinds it names, for rows without a distance of their own
    params = {"check": {"min_distance_m": {"School": 35, "dwelling": 5}}}
    result = _check(_project(params))
    school = next(c for c in result.constraints if c.kind == "school")
    house = next(c for c in result.constraints if c.nearest_household)
    assert (school.min_distance_m, school.set_by) == (35.0, "scenario")
    assert (house.min_distance_m, house.set_by, house.ok) == (5.0, "scenario", True)
    assert any("under the 35 m the scenario sets ([check] min_distance_m)" in r
               for r in reason_texts(result, "en"))
    # a distance the layer gives wins over the scenario's
    result = _check(_project(params, school_m=40.0))
    assert next(c for c in result.constraints if c.kind == "school").min_distance_m == 40.0
    # suggest-sites keeps the same dwelling distance
    project = _project(params)
    assert placement.dwelling_distance_m(project) == (5.0, "scenario")
    pts = shapely.points([[X0 + 8 + 7, Y0], [X0 + 8 + 3, Y0]])
    sp = placement.SuggestionParams()
    keep = placement._allowed_points(project, sp, pts)
    assert list(keep[:2]) == [True, False]


@pytest.mark.parametrize("table, words", [
    ({"min_distance_m": {"dwelling": -5}}, "[check] min_distance_m.dwelling=-5"),
    ({"min_distance_m": 10}, "[check] min_distance_m=10"),
    ({"min_distanse_m": {}}, "min_distanse_m"),
    ({"min_distance_m": {"scool": 50}}, "min_distance_m.scool: not a kind of place with a "
                                        "default distance (did you mean 'school'?)"),
])
def test_a_bad_check_table_is_refused_by_name(table, words):
    with pytest.raises(InputError) as err:
        CheckParams.from_scenario({"check": table})
    assert words in str(err.value)


def test_the_sharing_rule_says_it_is_a_local_setting():
    """Found by the rules audit: the sharing advice (which decides share-instead) gave no
    basis, unlike exposure and distances."""
    result = _check(_project())
    doc = check_json(result)
    assert doc["sharing"]["rule_basis"] == "local-setting"
    assert "settings.SHARING_MIN_GAIN_SHARE" in doc["sharing"]["rule_settings"][
        "min_gain_share"]
    page = check_html(result, _project(), shapely.Point(X0, Y0), lang="en")
    assert "Basis: local settings, not a regulation (the sharing distance, 500 m" in page
    assert "at least 90% of the households" in page
    vi = check_html(result, _project(), shapely.Point(X0, Y0), lang="vi")
    assert "Căn cứ: tiêu chí địa phương, không phải quy định" in vi


def test_an_ok_verdict_claims_only_what_was_checked_and_a_ward_is_not_a_commune():
    """Found by the rules audit: "ĐẠT: không vướng quy định hay tiêu chí nào" (no regulation
    at all) for a check of exposure and distances; "NGOÀI ĐỊA GIỚI XÃ" for phường Quang
    Trung (a ward since 1 July 2025)."""
    ok = i18n.verdict_name("ok", "vi")
    assert "không vướng quy định" not in ok and "các nội dung đã kiểm tra" in ok
    assert "không thay thế thủ tục cấp phép" in ok
    outside = i18n.verdict_name("outside-unit", "vi")
    assert "ĐỊA GIỚI XÃ:" not in outside and "XÃ, PHƯỜNG" in outside
    text = i18n.reason_text("outside_commune", {}, "vi")
    assert "thẩm quyền của xã" not in text and "xã, phường" in text


def test_the_sample_check_of_a_point_off_the_ward(tmp_path, capsys):
    out = tmp_path / "check"
    code = main(["-q", "check-site", str(SAMPLE), "--lon", "105.845", "--lat", "20.050",
                 "--operator", "Viettel", "--technology", "4G", "--out", str(out)])
    assert code == 0
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    assert doc["verdict"] == "outside-unit"
    assert doc["location"]["unit_name"] == "Phường Quang Trung"
    page = (out / "check.html").read_text(encoding="utf-8")
    assert "ĐỊA GIỚI XÃ:" not in page and "thẩm quyền của xã" not in page
