"""A check fit for the file (issue 11, part 3): check.json and check.html echo the input as
typed, give the point in WGS 84 and in VN-2000 / TM-3, the date, the software version, the
request id and the applicant; coordinates are read as people copy them (decimal commas,
degrees-minutes-seconds); a point outside the commune is never "ok" and a wrong CRS preset is
named."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import pytest
from pyproj import Transformer

import coverage_gis as cg
from coverage_gis.cli.main import main
from coverage_gis.config.params import parse_angle
from coverage_gis.engines import placement
from coverage_gis.io.crs import resolve_crs
from coverage_gis.outputs import i18n
from coverage_gis.version import __version__

from .conftest import sample_copy

#: Every key (dotted paths into objects) of check.json before this change, from the reference
#: run ``coverage-gis check-site --lon 105.852 --lat 20.061 --operator Viettel --technology 4G``
#: (per-hamlet counts and list items left out: their keys are data).
PREVIOUS_KEYS = [
    "proposal", "proposal.operator", "proposal.technology", "proposal.band_mhz",
    "proposal.bandwidth_mhz", "proposal.height_m", "proposal.eirp_dbm", "proposal.tilt_deg",
    "proposal.azimuths_deg", "proposal.cells",
    "location", "location.lon", "location.lat", "location.x_m", "location.y_m", "location.crs",
    "location.inside_commune", "location.hamlet_id", "location.hamlet_name",
    "location.nearest_hamlet_id", "location.nearest_hamlet_distance_m",
    "nearest_towers",
    "sharing", "sharing.recommendation", "sharing.max_distance_m", "sharing.code",
    "sharing.params", "sharing.params.max_distance_m", "sharing.text",
    "coverage_gain", "coverage_gain.basis", "coverage_gain.households_newly_covered",
    "coverage_gain.households_newly_covered_by_operator",
    "coverage_gain.households_newly_covered_per_hamlet", "coverage_gain.hamlets_newly_covered",
    "coverage_gain.m4_before", "coverage_gain.m4_after",
    "constraints", "verdict", "reasons", "reason_codes"]

APPLICANT = "<script>alert('x')</script> Chi nhánh Viettel Thanh Hóa & co"
#: The x/y of the README's example, typed the way people do (a decimal comma, the preset in
#: capitals): in hamlet QT04, VN-2000 / TM-3 zone 482.
TYPED = ["--x", "588150", "--y", "2219700,0", "--crs", "VN2000-ThanhHoa", "--operator",
         "viettel", "--technology", "LTE", "--band-mhz", "1800", "--height-m", "35,5",
         "--azimuth-deg", "0", "120", "240"]


def _keys(doc: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in doc.items():
        out.append(prefix + key)
        if isinstance(value, dict) and key != "households_newly_covered_per_hamlet":
            out += _keys(value, f"{prefix}{key}.")
    return out


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """One check of the sample with the x/y of a cadastral map, a request id and an
    applicant; the time before and after it."""
    out = tmp_path_factory.mktemp("file") / "check"
    before = datetime.now().astimezone().replace(microsecond=0)
    assert main(["-q", "check-site", *TYPED, "--request-id", "HS-2026/117",
                 "--applicant", APPLICANT, "--out", str(out)]) == 0
    after = datetime.now().astimezone()
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    return doc, (out / "check.html").read_text(encoding="utf-8"), before, after


# --------------------------------------------------------------------------------------------
# The record: input as typed, both coordinate pairs, date, version, request id, applicant
# --------------------------------------------------------------------------------------------

def test_the_input_is_echoed_exactly_as_typed(checked):
    doc = checked[0]
    assert doc["input"] == {
        "lon": None, "lat": None, "x": "588150", "y": "2219700,0", "crs": "VN2000-ThanhHoa",
        "operator": "viettel", "technology": "LTE", "band_mhz": "1800", "height_m": "35,5",
        "azimuth_deg": ["0", "120", "240"], "eirp_dbm": None, "bandwidth_mhz": None}
    # the values used are the parsed ones
    assert doc["proposal"]["operator"] == "Viettel" and doc["proposal"]["height_m"] == 35.5


def test_the_point_in_wgs84_and_in_vn2000_tm3(checked):
    doc = checked[0]
    point = doc["point"]
    assert list(point) == ["lon", "lat", "lonlat_crs", "x", "y", "xy_crs", "xy_crs_code",
                           "xy_in_area_of_use"]
    assert point["xy_in_area_of_use"] is True
    # independently: the typed TM-3 x/y to WGS 84 with pyproj (EPSG:5897, official shift)
    lon, lat = Transformer.from_crs(5897, 4326, always_xy=True).transform(588150, 2219700)
    assert (point["lon"], point["lat"]) == (round(lon, 6), round(lat, 6))
    assert point["lonlat_crs"] == "WGS 84"
    # and back from the check's WGS 84 position: the same TM-3 x/y within 1 cm, 3 decimals
    x, y = Transformer.from_crs(4326, 5897, always_xy=True).transform(doc["location"]["lon"],
                                                                      doc["location"]["lat"])
    assert point["x"] == pytest.approx(588150.0, abs=0.01)
    assert point["y"] == pytest.approx(2219700.0, abs=0.01)
    assert point["x"] == pytest.approx(x, abs=0.1) and point["y"] == pytest.approx(y, abs=0.1)
    assert round(point["x"], 3) == point["x"] and round(point["y"], 3) == point["y"]
    assert point["xy_crs"] == "VN-2000 / TM-3 zone 482" and point["xy_crs_code"] == "EPSG:5897"
    assert cg.settings.CHECK_SITE_CADASTRAL_CRS == "vn2000-thanhhoa"


def test_checked_at_version_request_id_and_applicant(checked):
    doc, _, before, after = checked
    when = datetime.fromisoformat(doc["checked_at"])
    assert when.tzinfo is not None and when.utcoffset() is not None
    assert before <= when <= after + timedelta(seconds=1)
    assert doc["software_version"] == __version__
    assert doc["request_id"] == "HS-2026/117"
    assert doc["applicant"] == APPLICANT


def test_the_page_shows_the_record_escaped_in_vietnamese(checked):
    doc, html, _, _ = checked
    assert "<script" not in html
    html = html.replace("<wbr>", "")  # where a long word may break (report.breakable)
    assert ("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Chi nhánh Viettel Thanh Hóa "
            "&amp; co") in html
    w = i18n.words("vi")
    for key in ("record", "request_id", "applicant", "checked_at", "software_version",
                "input_point", "input_crs", "input_options"):
        assert w[key] in html
    # the time as Vietnamese writes dates (day first, to the minute); check.json keeps ISO
    from datetime import datetime

    when = datetime.fromisoformat(doc["checked_at"])
    assert "HS-2026/117" in html and __version__ in html
    assert f"{when:%d/%m/%Y %H:%M} (UTC" in html
    assert "x: 588150; y: 2219700,0" in html and "VN2000-ThanhHoa" in html
    # option names in words (values as typed)
    assert f"{w['height_m']}: 35,5" in html and f"{w['azimuths_deg']}: 0 120 240" in html
    assert "height_m" not in html and "azimuth_deg" not in html
    p = doc["point"]
    assert f"{p['lon']:.6f}, {p['lat']:.6f}" in html and f"{p['x']:.3f}, {p['y']:.3f}" in html
    assert "VN-2000 / TM-3 zone 482" in html


def test_no_request_id_or_applicant_no_keys(tmp_path):
    out = tmp_path / "check"
    assert main(["-q", "check-site", "--lon", "105°50'40.7\"E", "--lat", "20 03 54.9 N",
                 "--operator", "Viettel", "--technology", "4G", "--lang", "en",
                 "--out", str(out)]) == 0
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    assert "request_id" not in doc and "applicant" not in doc
    assert doc["input"]["lon"] == "105°50'40.7\"E" and doc["input"]["lat"] == "20 03 54.9 N"
    assert doc["input"]["crs"] == "WGS 84"
    assert doc["location"]["lon"] == pytest.approx(105.844639, abs=1e-6)
    assert doc["location"]["lat"] == pytest.approx(20.065250, abs=1e-6)
    html = (out / "check.html").read_text(encoding="utf-8")
    w = i18n.words("en")
    for key in ("record", "checked_at", "software_version", "input_point", "input_crs"):
        assert w[key] in html
    assert w["request_id"] not in html
    assert "105°50&#x27;40.7&quot;E" in html


def test_every_new_word_in_both_languages():
    for key in ("record", "request_id", "applicant", "checked_at", "software_version",
                "input_point", "input_crs", "input_options", "point_lonlat", "point_xy",
                "not_given"):
        assert i18n.words("vi")[key] and i18n.words("en")[key]
        assert i18n.words("vi")[key] != i18n.words("en")[key] or key == "point_xy"
    for verdict in placement.VERDICTS:
        for lang in i18n.LANGS:
            assert i18n.verdict_name(verdict, lang)
    assert i18n.verdict_name("outside-unit", "vi") != "outside-unit"
    params = {"crs": "vn2000-utm48", "preset": "vn2000-thanhhoa"}
    assert "vn2000-thanhhoa" in i18n.reason_text("other_crs", params, "vi")
    assert "--crs vn2000-thanhhoa" in i18n.reason_text("other_crs", params, "en")


# --------------------------------------------------------------------------------------------
# Coordinates as people copy them
# --------------------------------------------------------------------------------------------

#: Worked by hand: 20°03'54.9" = 20 + 3/60 + 54.9/3600 = 20 + 0.05 + 0.01525 = 20.06525;
#: 105°50'40.7" = 105 + 0.833333 + 0.011306 = 105.844639; 20°03.915' = 20 + 3.915/60.
ANGLES = [
    ("20°03'54.9\"N", "lat", 20.065250),
    ("20°03'54.9\"", "lat", 20.065250),
    ("20 03 54.9 N", "lat", 20.065250),
    ("20 03 54.9", "lat", 20.065250),
    ("20°03.915'N", "lat", 20.065250),
    ("20°03′54.9″N", "lat", 20.065250),  # the prime signs
    ("20°03'54,9\"N", "lat", 20.065250),  # decimal comma in the seconds
    ("N 20°03'54.9\"", "lat", 20.065250),
    ("20.06525N", "lat", 20.065250),
    ("20°03'54.9\"S", "lat", -20.065250),
    ("-20°03'54.9\"", "lat", -20.065250),
    ("105°50'40.7\"E", "lon", 105.844639),
    ("105 50 40.7 E", "lon", 105.844639),
    ("105°50'40.7\"W", "lon", -105.844639),
    ("105°30'W", "lon", -105.5),
    ("105,844640", "lon", 105.844640),  # decimal comma
    ("105.844640,", "lon", 105.844640),  # a trailing comma, as copied from a pair
    ("105,844640,", "lon", 105.844640),
    ("20.065250", "lat", 20.065250),
]


@pytest.mark.parametrize("text,axis,expected", ANGLES)
def test_angles_as_people_copy_them(text, axis, expected):
    assert parse_angle(text, f"--{axis}", axis) == pytest.approx(expected, abs=5e-7)


@pytest.mark.parametrize("text,axis,message", [
    ("105°50'E", "lat", "E marks a longitude, not a latitude (are lon and lat swapped?)"),
    ("20°03'N", "lon", "N marks a latitude, not a longitude (are lon and lat swapped?)"),
    ("-20°03'S", "lat", "a sign and a hemisphere letter at once"),
    ("20°61'N", "lat", "expected a number of degrees from -90 to 90"),
    ("20°03'60\"N", "lat", "degrees, minutes and seconds"),
    ("95°N", "lat", "expected a number of degrees from -90 to 90"),
    ("200°E", "lon", "expected a number of degrees from -180 to 180"),
    ("20.5°03'", "lat", "degrees, minutes and seconds"),
    ("north", "lat", "expected a number of degrees from -90 to 90"),
    ("20°03'54.9\"N 105°50'40.7\"E", "lat", "holds two values"),
    ("20.065250, 105.844639", "lat", "holds two values"),
    ("105,862", "lon", "is ambiguous"),
])
def test_bad_angles_are_refused(text, axis, message):
    with pytest.raises(cg.InputError) as info:
        parse_angle(text, f"--{axis}", axis)
    assert message in str(info.value) and str(info.value).startswith(f"--{axis}=")


def test_a_contradictory_letter_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["check-site", "--lon", "20°03'54.9\"N", "--lat", "105°50'40.7\"E",
                 "--operator", "Viettel", "--technology", "4G", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "--lat=" in err and "E marks a longitude" in err and "are lon and lat swapped?" in err
    assert not out.exists()
    # decimal degrees the wrong way round: the swapped hint as before
    assert main(["check-site", "--lon", "20.06", "--lat", "105.85", "--operator", "Viettel",
                 "--technology", "4G", "--out", str(out)]) == 1
    assert "are lon and lat swapped?" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# A wrong CRS preset: outside the unit, never "ok", the likely preset named
# --------------------------------------------------------------------------------------------

def test_a_wrong_preset_inside_the_ward_is_sent_for_review(tmp_path):
    """The README's TM-3 x/y given as VN-2000 / UTM 48 land 667 m south: outside the old
    commune but inside the 2025 ward (the territory now): the point cannot be told wrong by
    falling outside, so the check says the CRS is not the cadastral one (review)."""
    out = tmp_path / "check"
    assert main(["-q", "check-site", "--x", "588150", "--y", "2219700", "--crs",
                 "vn2000-utm48", "--operator", "Viettel", "--technology", "4G",
                 "--out", str(out)]) == 0
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    assert doc["verdict"] == "review" and doc["location"]["inside_commune"]
    first = doc["reason_codes"][0]
    assert first["code"] == "unusual_crs" and first["params"]["cadastral"] == "vn2000-thanhhoa"
    # by hand: the same x/y through both CRSs
    a = Transformer.from_crs(resolve_crs("vn2000-utm48"), 32648, always_xy=True).transform(
        588150, 2219700)
    b = Transformer.from_crs(resolve_crs("vn2000-thanhhoa"), 32648,
                             always_xy=True).transform(588150, 2219700)
    assert first["params"]["distance_m"] == pytest.approx(math.dist(a, b), abs=0.01)
    assert 600 < first["params"]["distance_m"] < 700


def test_a_wrong_preset_gives_outside_unit_with_the_preset_hint(tmp_path):
    """Checked against the old commune: the README's TM-3 x/y given as VN-2000 / UTM 48
    (scale 0.9996 instead of 0.9999) land 667 m south, inside the study area but outside the
    commune: before, the page said ĐẠT."""
    out = tmp_path / "check"
    scenario = sample_copy(tmp_path, "commune_only.toml", without_units=True)
    assert main(["-q", "check-site", str(scenario), "--x", "588150", "--y", "2219700",
                 "--crs", "vn2000-utm48", "--operator", "Viettel", "--technology", "4G",
                 "--out", str(out)]) == 0
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    assert doc["verdict"] == "outside-unit"
    assert not doc["location"]["inside_commune"]
    codes = [r["code"] for r in doc["reason_codes"]]
    assert codes[:2] == ["outside_commune", "other_crs"]
    assert doc["reason_codes"][1]["params"] == {"crs": "vn2000-utm48",
                                                "preset": "vn2000-thanhhoa"}
    assert "--crs vn2000-thanhhoa" in doc["reasons"][1]
    assert doc["input"]["crs"] == "vn2000-utm48"
    html = (out / "check.html").read_text(encoding="utf-8")
    assert i18n.verdict_name("outside-unit", "vi") in html
    assert i18n.verdict_name("ok", "vi") not in html
    assert "vn2000-thanhhoa" in html


def test_outside_the_unit_is_never_ok(tmp_path):
    """A point given in WGS 84 just outside the commune (no CRS to suggest)."""
    lon, lat = Transformer.from_crs(5897, 4326, always_xy=True).transform(590176, 2221537)
    out = tmp_path / "check"
    assert main(["-q", "check-site", "--lon", f"{lon:.6f}", "--lat", f"{lat:.6f}",
                 "--operator", "Viettel", "--technology", "4G", "--out", str(out)]) == 0
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    assert doc["verdict"] == "outside-unit"
    assert [r["code"] for r in doc["reason_codes"]][0] == "outside_commune"
    assert "other_crs" not in [r["code"] for r in doc["reason_codes"]]


# --------------------------------------------------------------------------------------------
# The contract: every previous key kept
# --------------------------------------------------------------------------------------------

def test_check_json_keeps_every_previous_key(checked):
    doc = checked[0]
    keys = _keys(doc)
    assert set(PREVIOUS_KEYS) <= set(keys), sorted(set(PREVIOUS_KEYS) - set(keys))
    new = [k for k in doc if k not in {p.split(".")[0] for p in PREVIOUS_KEYS}]
    assert new == ["exposure", "aviation_obstacle", "point", "input", "checked_at",
                   "software_version",
                   "request_id", "applicant"]


def _with_check(tmp_path, table: str):
    path = sample_copy(tmp_path, "cadastral.toml")
    path.write_text(path.read_text(encoding="utf-8") + f"\n[check]\n{table}\n",
                    encoding="utf-8")
    return path


def _check_xy(scenario, out, x: float, y: float, crs: str) -> dict:
    """check-site of a Viettel 4G tower at x/y in ``crs``: its check.json."""
    assert main(["-q", "check-site", str(scenario), "--x", f"{x:.3f}", "--y", f"{y:.3f}",
                 "--crs", crs, "--operator", "Viettel", "--technology", "4G",
                 "--out", str(out)]) == 0
    return json.loads((out / "check.json").read_text(encoding="utf-8"))


def test_another_provinces_cadastral_crs_is_a_scenario_setting(tmp_path):
    """Found by fuzzing: the cadastral CRS was Thanh Hóa's whatever the scenario: a Nghệ An
    officer's right x/y (EPSG:9208) were sent for review as "not in vn2000-thanhhoa", and the
    point's official x/y were printed in Thanh Hóa's zone. Here the sample says its cadastral
    maps are in the 105.5° zone (EPSG:9209)."""
    scenario = _with_check(tmp_path, 'cadastral_crs = "vn2000-tm3-105.5"')
    lon, lat = 105.844640, 20.065252
    x, y = Transformer.from_crs(4326, 9209, always_xy=True).transform(lon, lat)
    doc = _check_xy(scenario, tmp_path / "ok", x, y, "EPSG:9209")
    assert "unusual_crs" not in [r["code"] for r in doc["reason_codes"]]
    assert doc["point"]["xy_crs_code"] == "EPSG:9209"
    assert (doc["point"]["x"], doc["point"]["y"]) == pytest.approx((x, y), abs=0.01)
    # Thanh Hóa's zone is now the unusual one
    tx, ty = Transformer.from_crs(4326, 5897, always_xy=True).transform(lon, lat)
    doc = _check_xy(scenario, tmp_path / "review", tx, ty, "vn2000-thanhhoa")
    first = doc["reason_codes"][0]
    assert first["code"] == "unusual_crs" and first["params"]["cadastral"] == "vn2000-tm3-105.5"


@pytest.mark.parametrize(("value", "words"), [
    ('"vn2000-tm3-104.6"',
     r"\[check\] cadastral_crs='vn2000-tm3-104.6': unknown CRS .*central meridian"),
    ('"EPSG:4756"', r"\[check\] cadastral_crs='EPSG:4756': .* not a projected \(metric\) CRS"),
    ("12.5", r"cadastral_crs=12\.5: expected a CRS name")])
def test_a_wrong_cadastral_crs_is_refused_when_the_scenario_is_read(tmp_path, value, words):
    with pytest.raises(cg.InputError, match=words):
        cg.load_project(_with_check(tmp_path, f"cadastral_crs = {value}"))
