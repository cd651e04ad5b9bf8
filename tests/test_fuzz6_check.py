"""Fuzzing round 6, the land officer's check (check-site and /api/check): r06 distances whose
rounding hid the comparison, r07 a default distance shown as a regulation's, r10 a band the
exposure limit does not cover, r15 azimuths read two ways, r16 a dwelling named by its empty
name. Numbers by hand: distances of points placed on a metric grid, the quoted range of
QCVN 8:2022/BTTTT (10 MHz-6 GHz), settings.CONSTRAINT_MIN_DISTANCE_M (school 50 m,
dwelling 10 m)."""

from __future__ import annotations

import argparse
import json
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage_gis.cli.main import main
from coverage_gis.config import settings
from coverage_gis.config.params import SITE_MAP_OPTIONS, check_site_options, sector_texts
from coverage_gis.config.scenario import Scenario
from coverage_gis.engines import placement, rounding
from coverage_gis.errors import InputError, InputWarning
from coverage_gis.io.crs import resolve_crs
from coverage_gis.io.project import Project
from coverage_gis.io.schema import Problems, validate_constraints
from coverage_gis.outputs import i18n
from coverage_gis.outputs.check import check_json, reason_texts
from coverage_gis.outputs.check_page import check_html
from coverage_gis.web.app import _rules
from coverage_gis.web.checks import CheckRun, api_message, read_query

from .conftest import SAMPLE
from .test_coverage import UTM, X0, Y0, hamlets_at, households_in
from .test_sharing import cells_at

SOURCE = "Thông tư 15/2016/TTLT-BTTTT-BXD, Điều 5"


def _project(house_dx: float | None = None, constraints: gpd.GeoDataFrame | None = None
             ) -> Project:
    """One hamlet around (X0, Y0) with a 4 x 4 grid of households (200 m apart, none
    within 50 m of the point), a house ``house_dx`` m east of the point (id HOUSE, no name)
    and an existing tower 300 m north."""
    h = hamlets_at((X0 - 400, Y0 - 400, X0 + 400, Y0 + 400))
    hh = households_in(h, per_side=4)
    ids, geoms = list(hh["household_id"]), list(hh.geometry)
    if house_dx is not None:
        ids.append("HOUSE")
        geoms.append(shapely.Point(X0 + house_dx, Y0))
    hh = gpd.GeoDataFrame({"household_id": ids, "hamlet_id": ["T1"] * len(ids)},
                          geometry=geoms, crs=UTM)
    sites = cells_at([("n1", "TN", "Viettel", X0, Y0 + 300, "existing")])
    if constraints is None:  # a layer to read (without one the check asks for review), far
        constraints = validate_constraints(gpd.GeoDataFrame(
            {"constraint_id": ["FAR"], "kind": ["school"], "name": ["Trường xa"]},
            geometry=[shapely.Point(X0 + 3000, Y0)], crs=UTM), Problems("c.geojson"))
    return Project(scenario=Scenario(name="fuzz6", layers={}), crs=resolve_crs(UTM),
                   hamlets=h, sites=sites, households=hh, constraints=constraints)


def _check(project: Project, technology: str = "4G", **proposal) -> placement.CheckResult:
    return placement.check_site(project, placement.ProposedSite("MobiFone", technology,
                                                                **proposal),
                                shapely.Point(X0, Y0))


def _run(result: placement.CheckResult) -> CheckRun:
    return CheckRun("x", result, shapely.Point(X0, Y0), {}, {}, None)  # type: ignore[arg-type]


def test_the_households_grid_is_far_from_the_point():
    """The fixture's premise: only HOUSE can be the nearest dwelling."""
    hh = _project().households
    assert hh.distance(shapely.Point(X0, Y0)).min() > 50


# --------------------------------------------------------------------------------------------
# r06: a distance rounded across the minimum it is compared with
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, limit, decimals, shown", [
    (9.76, 10.0, 0, 9.8),      # 10 would read "10 m, under the 10 m"
    (9.96, 10.0, 0, 9.96),     # 10.0 with one decimal too
    (9.9996, 10.0, 0, 9.999),     # 3 decimals at most: cut towards its side
    (10.0, 10.0, 0, 10.0),
    (10.04, 10.0, 0, 10.0),    # at or beyond: 10 m is not under 10 m, true
    (30.0, 50.0, 0, 30.0),
    (9.76, 10.0, 1, 9.8),
    (49.96, 50.0, 1, 49.96),
])
def test_rounded_against_keeps_the_comparison(value, limit, decimals, shown):
    assert rounding.rounded_against(value, limit, decimals) == shown


def test_a_dwelling_9_76_m_away_reads_under_the_10_m_in_both_languages():
    result = _check(_project(house_dx=9.76))
    dwelling = next(c for c in result.constraints if c.nearest_household)
    assert dwelling.constraint_id == "HOUSE" and not dwelling.ok
    assert dwelling.distance_m == 9.8 and dwelling.min_distance_m == 10.0
    en, vi = reason_texts(result, "en"), reason_texts(result, "vi")
    assert any("a dwelling (HOUSE) is 9.8 m away, under the 10 m of this tool's default" in r
               for r in en), en
    assert any("nhà dân (HOUSE) chỉ cách 9,8 m, dưới mức 10 m" in r for r in vi), vi
    assert not any("is 10 m away" in r for r in en)
    # the printed page and the web app's rules table
    assert "<td>9,8 m</td><td>10 m</td>" in check_html(result, _project(9.76),
                                                       shapely.Point(X0, Y0), lang="vi")
    assert "<td>9.8 m</td><td>10 m</td>" in check_html(result, _project(9.76),
                                                       shapely.Point(X0, Y0), lang="en")
    row = next(r for r in _rules(_run(result), "en") if "HOUSE" in r["rule"]
               or r["rule"].startswith("dwelling"))
    assert row["value"] == "9.8 m" and row["limit"] == "≥ 10 m" and not row["ok"]


def test_a_dwelling_9_96_m_away_keeps_two_decimals_in_check_json():
    result = _check(_project(house_dx=9.96))
    doc = check_json(result)
    dwelling = next(c for c in doc["constraints"] if c["kind"] == "dwelling")
    assert dwelling["distance_m"] == 9.96 and dwelling["ok"] is False
    assert any("is 9.96 m away, under the 10 m" in r for r in doc["reasons"]), doc["reasons"]
    # a distance met stays in whole metres
    far = _check(_project(house_dx=30.0))
    assert next(c for c in far.constraints if c.nearest_household).distance_m == 30.0


# --------------------------------------------------------------------------------------------
# r07: a regulation cited without its distance
# --------------------------------------------------------------------------------------------

def _school(**columns) -> gpd.GeoDataFrame:
    """A school 30 m east of the point, validated as a constraints layer."""
    gdf = gpd.GeoDataFrame({"constraint_id": ["S1"], "kind": ["school"],
                            "name": ["Trường Tiểu học"], **columns},
                           geometry=[shapely.Point(X0 + 30, Y0)], crs=UTM)
    return validate_constraints(gdf, Problems("constraints.geojson"))


def test_a_regulation_without_its_distance_is_warned_at_load():
    with pytest.warns(InputWarning) as caught:
        out = _school(basis=["regulation"], source=[SOURCE])
    text = " ".join(str(w.message) for w in caught)
    assert "constraints.geojson" in text and "gives no min_distance_m" in text
    assert "settings.CONSTRAINT_MIN_DISTANCE_M" in text and "50 m" in text
    assert out["min_distance_m"].iloc[0] == 50.0 and not out["min_distance_given"].iloc[0]
    # with the distance given, or as a local setting, nothing to warn about
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        _school(basis=["regulation"], source=[SOURCE], min_distance_m=[40.0])
        _school()


def test_the_default_distance_is_never_attributed_to_the_cited_document():
    with pytest.warns(InputWarning):
        cons = _school(basis=["regulation"], source=[SOURCE])
    result = _check(_project(constraints=cons))
    school = next(c for c in result.constraints if c.kind == "school")
    assert school.distance_m == 30.0 and school.min_distance_m == 50.0 and not school.ok
    assert school.basis == "local-setting" and school.source is None
    assert school.cited_source == SOURCE
    assert result.verdict == "review"
    first = result.reasons[0]
    assert first.code == "default_distance" and first.params["source"] == SOURCE
    en, vi = reason_texts(result, "en")[0], reason_texts(result, "vi")[0]
    assert "requires" not in en and "under the 50 m of this tool's default" in en
    assert "không phải yêu cầu của " + SOURCE in vi and "quy định tối thiểu" not in vi
    doc = check_json(result)
    item = next(c for c in doc["constraints"] if c["kind"] == "school")
    assert item["basis"] == "local-setting" and item["source"] is None
    assert item["cited_source"] == SOURCE and item["min_distance_default"] is True
    html = check_html(result, _project(constraints=cons), shapely.Point(X0, Y0), lang="vi")
    assert ("mặc định phần mềm, chưa được chọn "
            f"({SOURCE} được dẫn nhưng không ghi khoảng cách)") in html
    row = next(r for r in _rules(_run(result), "en") if r["rule"].startswith("school"))
    assert row["basis"].startswith("local setting") and "this tool's default" in row["basis"]


def test_a_regulation_with_its_distance_is_still_a_conflict():
    cons = _school(basis=["regulation"], source=[SOURCE], min_distance_m=[40.0])
    result = _check(_project(constraints=cons))
    assert result.verdict == "conflict" and result.reasons[0].code == "too_close"
    assert reason_texts(result, "en")[0] == (f"school Trường Tiểu học is 30 m away; {SOURCE} "
                                             "requires at least 40 m")


# --------------------------------------------------------------------------------------------
# r10: a band outside the range the exposure limit is quoted for
# --------------------------------------------------------------------------------------------

def test_a_28_ghz_cell_is_not_judged_ok_under_a_limit_quoted_to_6_ghz():
    assert settings.EXPOSURE_LIMIT_BAND_MHZ == (10.0, 6000.0)
    result = _check(_project(house_dx=30.0), "5G", band_mhz=28000.0, height_m=10.5,
                    eirp_dbm=60.0, bandwidth_mhz=100.0)
    rf = result.exposure
    assert rf.status == "band_outside" and not rf.ok and not rf.breaches
    assert rf.bands_outside == ({"site_id": "PROPOSED", "band_mhz": 28000.0,
                                 "proposed": True},)
    assert result.verdict == "review"
    reason = next(r for r in result.reasons if r.code == "exposure_band_outside")
    assert reason.params["cells"] == ["PROPOSED"] and reason.params["bands_mhz"] == [28000.0]
    en = i18n.reason_text(reason.code, reason.params, "en")
    vi = i18n.reason_text(reason.code, reason.params, "vi")
    assert "PROPOSED at 28000 MHz" in en and "quoted for 10 to 6000 MHz only" in en
    assert "28000 MHz" in vi and "dải 10 đến 6000 MHz" in vi
    doc = check_json(result)["exposure"]
    assert doc["status"] == "band_outside" and doc["ok"] is False
    assert doc["band_range_mhz"] == [10.0, 6000.0]
    html = check_html(result, _project(30.0), shapely.Point(X0, Y0), lang="en")
    assert "NOT COVERED" in html and "outside the limit&#x27;s 10 to 6000 MHz" in html
    row = _rules(_run(result), "vi")[0]
    assert row["result"] == "NGOÀI DẢI TẦN" and not row["ok"]
    assert "28000 MHz" in row["value"]


def test_a_band_within_the_range_is_checked_as_before():
    """6000 MHz is the range's upper end (inclusive): the limit applies; the house 30 m away
    is far below it (ok). No household new to 4G/5G here, but 17 newly served by MobiFone,
    which the tower 300 m away would serve only 13 of: a new tower is justified (a review:
    "0 new to 4G/5G on either" made any tower qualify)."""
    result = _check(_project(house_dx=30.0), "5G", band_mhz=6000.0, height_m=30.0,
                    eirp_dbm=60.0, bandwidth_mhz=20.0)
    assert result.exposure.status == "ok" and result.exposure.ok
    assert result.exposure.places_checked == 1 and not result.exposure.bands_outside
    assert result.verdict == "ok"
    assert result.sharing.reason.code == "share_loses_gain"
    assert result.sharing.reason.params["gain_here"] == 0
    assert not {r.code for r in result.reasons} & {"exposure_band_outside",
                                                   "exposure_exceeded"}


# --------------------------------------------------------------------------------------------
# a review: exposure on the floors of a building whose height the data gives
# --------------------------------------------------------------------------------------------

def _house_of_height(height_m: float | None, dx_m: float) -> Project:
    project = _project(house_dx=dx_m)
    if height_m is not None:
        hh = project.households.copy()
        hh["height_m"] = [height_m if i == "HOUSE" else float("nan")
                          for i in hh["household_id"]]
        project.households = hh
    return project


ONTO_15 = float(np.degrees(np.arctan2(1.5, 15.0)))  # a beam onto 1.5 m under the mast at 15 m


@pytest.mark.parametrize("building_m, mast_m, dx_m, tilt, eirp, code, at_m, ratio", [
    # an 11-storey neighbour: its 28.5 m floor in the main beam; it was checked to 13.5 m
    # only, and "OK" (found by a review). By hand: 70 dBm = 10 kW, S = 10,000 / (4 pi
    # (15² + 1.5²)) = 3.502 W/m², 1.751 times QCVN 8:2022/BTTTT's 2 W/m²
    (33.0, 30.0, 15.0, ONTO_15, 70.0, "exposure_exceeded", 28.5, 1.751),
    # a 15 m building: its 13.5 m floor, sure (within its height)
    (15.0, 15.0, 15.0, ONTO_15, 70.0, "exposure_exceeded", 13.5, 1.751),
    # height unknown: 13.5 m is an assumed floor, for review
    (None, 15.0, 15.0, ONTO_15, 70.0, "exposure_assumed_height", 13.5, 1.751),
    # a 6 m house: 13.5 m is above its roof, for review too, and no longer said to be for
    # want of building heights (found by a review)
    (6.0, 15.0, 15.0, ONTO_15, 70.0, "exposure_assumed_height", 13.5, 1.751),
    # the beam between the floors checked: a 4 degree tilt from 12 m meets a house 8 m away
    # at 12 - 8 tan 4° = 11.44 m, inside its 13.5 m; 63 dBm = 1995 W: S = 1995 / (4 pi
    # (8² + 0.56²)) = 2.47 W/m², 1.23 times the limit; it was "ok" at 35.7 % (a review)
    (13.5, 12.0, 8.0, 4.0, 63.0, "exposure_exceeded", 11.44, 1.234),
])
def test_exposure_heights_follow_the_beam_and_a_known_building_height(
        building_m, mast_m, dx_m, tilt, eirp, code, at_m, ratio):
    """The tower 300 m north adds under 0.001 to the ratios computed by hand."""
    result = _check(_house_of_height(building_m, dx_m), height_m=mast_m, eirp_dbm=eirp,
                    azimuths_deg=(90.0,), tilt_deg=tilt)
    rf = result.exposure
    d2 = dx_m ** 2 + (mast_m - at_m) ** 2
    assert 10 ** (eirp / 10) / 1000 / (4 * np.pi * d2) / 2.0 == pytest.approx(ratio, abs=0.002)
    assert code in {r.code for r in result.reasons}
    assert rf.max_ratio == pytest.approx(ratio, abs=0.003)
    assert rf.worst["id"] == "HOUSE" and rf.worst["height_m"] == pytest.approx(at_m, abs=0.01)
    assert result.verdict == ("conflict" if code == "exposure_exceeded" else "review")


def test_sharing_is_not_advised_onto_a_tower_its_neighbours_exposure_forbids():
    """Found by a review: "share-instead" sent the operator to a tower 9 m from a house that
    its own cells already bring to 0.62 of the limit; with the proposal's it would be 1.24.
    By hand (omni, no tilt, both 61 dBm = 1259 W at 12 m, the house's 12 m floor 9 m away,
    13.5 m tall): S = 2 x 1259 / (4 pi 81) = 2.47 W/m², 1.24 times 2 W/m²."""
    from .test_coverage import cell_table

    def project(house: bool) -> Project:
        p = _project()
        p.sites = cell_table([{"site_id": "V1", "tower_id": "TA", "operator": "Viettel",
                               "height_m": 12.0, "eirp_dbm": 61.0, "x": X0, "y": Y0 + 300}])
        if house:
            hh = p.households
            near = gpd.GeoDataFrame({"household_id": ["NEAR_TA"], "hamlet_id": ["T1"],
                                     "height_m": [13.5]},
                                    geometry=[shapely.Point(X0, Y0 + 291)], crs=hh.crs)
            p.households = gpd.GeoDataFrame(
                pd.concat([hh.assign(height_m=np.nan), near], ignore_index=True), crs=hh.crs)
        return p

    kw = {"height_m": 12.0, "eirp_dbm": 61.0, "tilt_deg": 0.0, "azimuths_deg": ()}
    proposal = placement.ProposedSite("MobiFone", "4G", **kw)
    at = shapely.Point(X0 + 20, Y0 + 300)  # 20 m from TA: the same gain there
    assert placement.check_site(project(False), proposal, at).verdict == "share-instead"
    result = placement.check_site(project(True), proposal, at)
    assert result.verdict != "share-instead"
    assert result.sharing.recommendation == "new-tower"
    reason = result.sharing.reason
    assert reason.code == "share_exceeds_exposure" and reason.params["tower_id"] == "TA"
    weighed = {w["tower_id"]: w for w in result.sharing.towers_weighed}
    assert weighed["TA"]["exposure_ok"] is False
    there = placement._exposure_check(project(True), proposal.cells(X0, Y0 + 300, UTM),
                                      shapely.Point(X0, Y0 + 300))
    assert there.max_ratio == pytest.approx(2 * 1258.9 / (4 * np.pi * 81) / 2, abs=0.01)


@pytest.mark.parametrize("mast_m, flagged", [(44.9, False), (45.0, True), (80.0, True)])
def test_a_mast_of_45_m_or_more_is_for_review_under_the_aviation_obstacle_rule(mast_m,
                                                                               flagged):
    """Found by a review: an 80 m mast was "OK", where Decree 32/2016/NĐ-CP Art. 7(1)(c)
    requires an aviation obstacle warning from 45 m above natural ground."""
    result = _check(_project(), height_m=mast_m)
    reason = next((r for r in result.reasons if r.code == "aviation_obstacle"), None)
    assert (reason is not None) == flagged
    if flagged:
        assert result.verdict in ("review", "share-instead")
        assert reason.params["regulation"] == "Nghị định 32/2016/NĐ-CP, Điều 7 khoản 1 điểm c"
        en = i18n.reason_text(reason.code, reason.params, "en")
        assert f"the antenna is {mast_m:g} m above ground" in en and "45 m or more" in en
        assert "từ 45 m trở lên" in i18n.reason_text(reason.code, reason.params, "vi")


@pytest.mark.parametrize("ratio, shown", [
    (0.99995, "99.995%"),    # it read "100.0%" beside "ok" (found by a review)
    (0.999999999, "99.999%"), (1.0, "100.0%"), (1.7512, "175.1%"), (0.0123, "1.2%")])
def test_an_exposure_percentage_is_not_rounded_across_the_limit(ratio, shown):
    from coverage_gis.outputs.check import limit_percent

    assert limit_percent(ratio) == shown
    assert (rounding.rounded_against(ratio, 1.0, 4, most=8) < 1.0) == (ratio < 1.0)


# --------------------------------------------------------------------------------------------
# r15: azimuths read one way by the command line and the web
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, sectors", [
    (["0,120,240"], ["0", "120", "240"]),
    (["0 120 240"], ["0", "120", "240"]),
    (["0;120;240"], ["0", "120", "240"]),
    (["0, 120, 240"], ["0", "120", "240"]),
    (["0,", "120"], ["0", "120"]),
    (["120.5"], ["120.5"]),
    (["0", "120", "240"], ["0", "120", "240"]),
])
def test_sector_texts(typed, sectors):
    assert sector_texts(typed, "--azimuth-deg") == sectors


@pytest.mark.parametrize("typed, a, b", [("0,120", "0", "120"), ("120,5", "120", "5")])
def test_one_comma_between_digits_is_refused_on_both_interfaces(typed, a, b):
    with pytest.raises(InputError) as cli_err:
        check_site_options(argparse.Namespace(azimuth_deg=[typed]))
    message = str(cli_err.value)
    assert f"--azimuth-deg={typed!r} is ambiguous" in message
    assert f"({a} {b})" in message and f"({a}.{b})" in message
    with pytest.raises(InputError) as web_err:
        read_query([("lon", "105.8"), ("lat", "20.06"), ("operator", "Viettel"),
                    ("technology", "4G"), ("azimuth_deg", typed)])
    assert api_message(message) == str(web_err.value)
    assert f"azimuth_deg={typed!r} is ambiguous" in str(web_err.value)


def test_a_comma_list_is_three_sectors_on_both_interfaces():
    cli = check_site_options(argparse.Namespace(azimuth_deg=["0,120,240"]))
    args = read_query([("operator", "Viettel"), ("technology", "4G"),
                       ("azimuth_deg", "0,120,240")])
    assert args.azimuth_deg == ["0", "120", "240"]
    assert check_site_options(args)["azimuth_deg"] == cli["azimuth_deg"] == [0.0, 120.0, 240.0]
    # site-map maps one sector: a list is refused, not cut to its first azimuth
    with pytest.raises(InputError, match="3 azimuths given; expected at most 1"):
        check_site_options(argparse.Namespace(azimuth_deg=["0,120,240"]), SITE_MAP_OPTIONS)


def test_check_site_refuses_0_comma_120_and_takes_a_comma_list(tmp_path, capsys):
    where = ["--lon", "105.84464", "--lat", "20.065252", "--operator", "Viettel",
             "--technology", "4G"]
    assert main(["check-site", str(SAMPLE), *where, "--azimuth-deg", "0,120",
                 "--out", str(tmp_path / "a")]) == 1
    assert "--azimuth-deg='0,120' is ambiguous" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    assert main(["-q", "check-site", str(SAMPLE), *where, "--azimuth-deg", "0,120,240",
                 "--out", str(tmp_path / "b")]) == 0
    doc = json.loads((tmp_path / "b" / "check.json").read_text(encoding="utf-8"))
    assert doc["proposal"]["azimuths_deg"] == [0.0, 120.0, 240.0]
    assert doc["input"]["azimuth_deg"] == ["0", "120", "240"]  # as /api/check records it


# --------------------------------------------------------------------------------------------
# r16: a dwelling named by its id
# --------------------------------------------------------------------------------------------

def test_the_exposure_reason_names_the_dwelling_by_its_id():
    # an omni antenna 1.5 m up with no tilt, a house 2 m away, its ground floor (1.5 m) on
    # boresight: S = 1258.9 W / (4 pi 2²) = 25.0 W/m², 12.5 times the 2 W/m² limit
    result = _check(_project(house_dx=2.0), height_m=1.5, eirp_dbm=61.0, tilt_deg=0.0)
    assert result.verdict == "conflict"
    reason = next(r for r in result.reasons if r.code == "exposure_exceeded")
    assert reason.params["id"] == "HOUSE" and reason.params["name"] is None
    assert reason.params["ratio"] == pytest.approx(1258.925 / (4 * 3.14159265 * 4) / 2,
                                                   rel=1e-3)
    en = i18n.reason_text(reason.code, reason.params, "en")
    vi = i18n.reason_text(reason.code, reason.params, "vi")
    assert en.startswith("RF exposure at dwelling HOUSE (2 m away") and "  " not in en
    assert vi.startswith("phơi nhiễm trường điện từ tại nhà dân HOUSE (cách 2 m")
    assert "  " not in vi
    # a named place keeps its name; a place with neither gives no double space
    named = i18n.reason_text(reason.code, {**reason.params, "name": "Nhà ông A"}, "en")
    assert "at dwelling Nhà ông A (" in named
    bare = i18n.reason_text(reason.code, {**reason.params, "id": None}, "en")
    assert "at dwelling (" in bare and "  " not in bare
