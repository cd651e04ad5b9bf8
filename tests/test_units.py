"""Administrative units of 2025 (issue 12): the bundled package data, finding units by code
and name, the old-to-new mapping, the ``units`` command and ``[scenario] unit``.

References, independent of the code under test:

- Resolution 1686/NQ-UBTVQH15 (16 June 2025), item 146: Thanh Hóa has 166 commune-level units
  after the reorganisation, 147 xã and 19 phường. Item 137: phường Bắc Sơn, Ngọc Trạo, Phú Sơn
  and xã Quang Trung (thị xã Bỉm Sơn) form phường Quang Trung. Item 136: phường Đông Sơn, Lam
  Sơn and Ba Đình (thị xã Bỉm Sơn) and xã Hà Vinh form phường Bỉm Sơn. Item 127: the whole of
  phường Phú Sơn (thành phố Thanh Hóa) goes into phường Hạc Thành.
- The statistics office's codes (via dvhcvn): xã Quang Trung of thị xã Bỉm Sơn is 14824,
  phường Quang Trung 14818, phường Bỉm Sơn 14812; FIELD_NOTES: about 29 km².
- The published boundaries in ``shared/reference/admin_2025_thanh_hoa/wards`` (tests that
  need them are skipped when that folder is absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage_gis.cli.main import main
from coverage_gis.config.scenario import read_scenario
from coverage_gis.errors import InputError
from coverage_gis.io import units as admin
from coverage_gis.io.project import load_project

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = next((p for p in (ROOT.parent / "shared" / "reference" / "admin_2025_thanh_hoa",
                              Path("/work/shared/reference/admin_2025_thanh_hoa"))
                  if (p / "wards").is_dir()), None)
needs_reference = pytest.mark.skipif(REFERENCE is None, reason="reference folder not present")
UTM48N = "EPSG:32648"  # WGS 84 / UTM zone 48N: Thanh Hóa lies in 104.4-106.1 E
TOLERANCE_M = 10.0     # the simplification's stated bound (data/make_admin.py)


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return admin.load_units()


@pytest.fixture(scope="module")
def published() -> gpd.GeoDataFrame:
    assert REFERENCE is not None
    return admin.load_units(REFERENCE)


# --------------------------------------------------------------------------------------------
# Package data
# --------------------------------------------------------------------------------------------

def test_166_units_147_xa_and_19_phuong(units):
    assert len(units) == 166 and units["unit_code"].is_unique
    assert units["unit_type"].value_counts().to_dict() == {"xã": 147, "phường": 19}
    assert set(units["province_code"]) == {"38"} and set(units["province_name"]) == {"Thanh Hóa"}
    assert units.crs.to_epsg() == 4326
    assert list(units.columns[:8]) == list(admin.UNIT_COLUMNS)
    assert (units["full_name"] == units["unit_type"].str.capitalize() + " " + units["name"]).all()


def test_quang_trung_ward_is_14818_with_about_29_km2(units):
    row = units[units["unit_code"] == "14818"].iloc[0]
    assert (row["name"], row["unit_type"], row["full_name"]) == (
        "Quang Trung", "phường", "Phường Quang Trung")
    area_utm_km2 = units[units["unit_code"] == "14818"].to_crs(UTM48N).area.iloc[0] / 1e6
    assert abs(area_utm_km2 - 29) < 1          # computed here, in UTM 48N
    assert abs(row["area_km2"] - 29) < 1       # the stored geodesic area
    assert abs(row["area_km2"] - area_utm_km2) < 0.1


def test_stored_areas_match_an_equal_area_projection(units):
    # Lambert azimuthal equal-area centred on the province: an independent area measure.
    laea = "+proj=laea +lat_0=19.9 +lon_0=105.2 +datum=WGS84 +units=m"
    area = units.to_crs(laea).area / 1e6
    assert np.allclose(area, units["area_km2"], rtol=0.002, atol=0.01)
    assert abs(units["area_km2"].sum() - 11_084) < 20  # province 11,114.71 km² published


def test_the_file_is_small(units):
    assert admin.UNITS_FILE.stat().st_size < 3_000_000
    assert (admin.ADMIN_DIR / "SOURCES.md").exists()
    text = (admin.ADMIN_DIR / "SOURCES.md").read_text(encoding="utf-8")
    assert "MIT" in text and "thanglequoc" in text and "dvhcvn/20250701" in text


def test_units_are_a_coverage_without_gaps_or_overlaps(units):
    geoms = units.to_crs(UTM48N).geometry.to_numpy()
    assert shapely.is_valid(geoms).all() and shapely.coverage_is_valid(geoms)
    union = shapely.union_all(geoms)
    assert shapely.area(geoms).sum() - union.area < 1.0  # overlaps, m²
    holes = [shapely.Polygon(r).area for p in shapely.get_parts(union) for r in p.interiors]
    assert sum(holes) < 1.0  # gaps inside the province, m²


@needs_reference
def test_simplified_units_stay_within_tolerance_of_the_published_ones(units, published):
    assert list(published["unit_code"]) == list(units["unit_code"])
    assert list(published["full_name"]) == list(units["full_name"])
    original = published.to_crs(UTM48N).geometry.to_numpy()
    simple = units.to_crs(UTM48N).geometry.to_numpy()
    # nothing lies more than the tolerance outside its published unit
    outside = shapely.area(shapely.difference(simple, shapely.buffer(original, TOLERANCE_M)))
    assert outside.max() < 1.0
    # what a unit lost beyond the tolerance lies in a neighbour: an overlap of the source
    lost = shapely.difference(original, shapely.buffer(simple, TOLERANCE_M))
    tree = shapely.STRtree(original)
    for i in np.flatnonzero(shapely.area(lost) > 0):
        neighbours = [j for j in tree.query(original[i]) if j != i]
        assert shapely.difference(lost[i], shapely.union_all(original[neighbours])).area < 1.0
    # Hausdorff: within the tolerance, except units whose published boundary overlaps a
    # neighbour's (the overlap went to one of the two)
    hausdorff = shapely.hausdorff_distance(original, simple)
    for i in np.flatnonzero(hausdorff > TOLERANCE_M):
        neighbours = [j for j in tree.query(original[i]) if j != i]
        overlap = shapely.intersection(original[i], shapely.union_all(original[neighbours]))
        assert overlap.area > 1.0, units["unit_code"].iloc[i]
    assert (hausdorff <= TOLERANCE_M).mean() > 0.95
    qt = int(np.flatnonzero(units["unit_code"] == "14818")[0])
    assert hausdorff[qt] <= TOLERANCE_M
    # the province's outline barely moves
    moved = shapely.symmetric_difference(shapely.union_all(original), shapely.union_all(simple))
    assert moved.area / 1e6 < 0.5


@needs_reference
def test_published_folder_loads_with_the_published_areas(published):
    row = published[published["unit_code"] == "14818"].iloc[0]
    assert row["area_km2_published"] == pytest.approx(29.22)
    assert row["full_name"] == "Phường Quang Trung"


# --------------------------------------------------------------------------------------------
# Finding units
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["14818", 14818, "Quang Trung", "quang trung",
                                   "phường Quang Trung", "Phuong Quang Trung",
                                   "  PHƯỜNG   QUANG TRUNG ", "Phường Quang Trung"])
def test_find_unit_by_code_or_name(units, query):
    unit = admin.find_unit(query, units)
    assert (unit.code, unit.name, unit.type, unit.full_name) == (
        "14818", "Quang Trung", "phường", "Phường Quang Trung")
    assert unit.province_code == "38" and unit.province_name == "Thanh Hóa"
    assert abs(unit.area_km2 - 29) < 1
    assert unit.geometry.geom_type == "MultiPolygon"
    lon, lat = unit.geometry.representative_point().coords[0]
    assert 105.83 < lon < 105.91 and 20.05 < lat < 20.14  # south of Bỉm Sơn, WGS 84


def test_resolution_item_137_members_are_the_old_units_of_14818(units):
    unit = admin.find_unit("14818", units)
    members = {(o.code, o.full_name, o.district) for o in unit.old_units}
    assert members == {("14809", "Phường Bắc Sơn", "Thị xã Bỉm Sơn"),
                       ("14818", "Phường Ngọc Trạo", "Thị xã Bỉm Sơn"),
                       ("14823", "Phường Phú Sơn", "Thị xã Bỉm Sơn"),
                       ("14824", "Xã Quang Trung", "Thị xã Bỉm Sơn")}
    assert all(o.share_in("14818") == "full" for o in unit.old_units)


def test_resolution_item_136_bim_son_ward(units):
    unit = admin.find_unit("phường Bỉm Sơn", units)
    assert unit.code == "14812"
    assert {o.full_name for o in unit.old_units} == {
        "Phường Đông Sơn", "Phường Lam Sơn", "Phường Ba Đình", "Xã Hà Vinh"}


def test_phu_son_of_thanh_hoa_city_went_whole_into_hac_thanh():
    # item 127; the published mapping also sent it to 14818 and 16624 (corrected)
    old = admin.old_unit("Phú Sơn, thành phố Thanh Hóa")
    assert old.code == "14770"
    assert [(link.code, link.share) for link in old.into] == [("14797", "full")]


@pytest.mark.parametrize("query", ["14824", "Quang Trung, Bỉm Sơn",
                                   "xã Quang Trung (thị xã Bỉm Sơn)", "xa quang trung, tx bim son"])
def test_old_unit_14824_went_into_14818(query):
    old = admin.old_unit(query)
    assert (old.code, old.full_name, old.type, old.district) == (
        "14824", "Xã Quang Trung", "xã", "Thị xã Bỉm Sơn")
    assert [(link.code, link.full_name, link.share) for link in old.into] == [
        ("14818", "Phường Quang Trung", "full")]


def test_an_old_unit_split_between_two_new_ones():
    # item 127 (part of phường Đông Thọ) and item 132 (the rest)
    old = admin.old_unit("Đông Thọ")
    assert {(link.code, link.share) for link in old.into} == {("14797", "partial"),
                                                              ("14758", "partial")}


def test_ambiguous_names_list_the_matches_with_codes(units):
    with pytest.raises(InputError) as err:
        admin.find_unit("dong tien", units)  # xã Đồng Tiến and phường Đông Tiến
    assert "15724 Xã Đồng Tiến" in str(err.value) and "15853 Phường Đông Tiến" in str(err.value)
    assert admin.find_unit("Đông Tiến", units).code == "15853"  # diacritics decide
    assert admin.find_unit("xa dong tien", units).code == "15724"  # so does the type
    with pytest.raises(InputError) as err:
        admin.old_unit("xã Quang Trung")
    text = str(err.value)
    assert "14824" in text and "Thị xã Bỉm Sơn" in text and "15085" in text
    assert "Huyện Ngọc Lặc" in text


@pytest.mark.parametrize("query, old, became, not_this", [
    ("Quảng Trung", "16492 Xã Quảng Trung", "16489 Xã Quảng Chính", "14818 Phường Quang Trung"),
    ("Hạ Trung", "14962 Xã Hạ Trung", "14923 Xã Bá Thước", "15271 Xã Hà Trung"),
    ("Hoàng Sơn", "16288 Xã Hoàng Sơn", "16297 Xã Trung Chính", "15910 Xã Hoằng Sơn"),
    ("Đông Thanh", "16402 Xã Đông Thanh", "15853 Phường Đông Tiến", "16033 Xã Đông Thành"),
])
def test_an_old_name_typed_with_its_diacritics_is_not_taken_for_a_new_unit(
        units, query, old, became, not_this):
    # found by a review: "Quảng Trung" (the old commune of Quảng Xương, now part of Xã Quảng
    # Chính) resolved to Phường Quang Trung, 40 km away, with no word; init wrote its folder
    with pytest.raises(InputError) as err:
        admin.find_unit(query, units)
    text = str(err.value)
    assert old in text and became in text and not_this in text
    plain = admin.fold(query).title()  # without diacritics: the 2025 unit, as documented
    assert admin.find_unit(plain, units).code == not_this.split()[0]


def test_a_tone_mark_placed_either_way_matches_letter_for_letter(units):
    # Hòa/Hoà: two spellings of one name; Hà/Hạ: two names
    assert admin.find_unit("Hoằng Phú", units).code == "15889"
    assert admin.find_unit("Hoà Lộc", units).code == admin.find_unit("Hòa Lộc", units).code
    with pytest.raises(InputError, match="16003 Xã Hoằng Phụ"):
        admin.find_unit("Hoằng Phụ", units)


def test_unknown_names_suggest_the_closest(units):
    with pytest.raises(InputError, match=r"did you mean 14818 Phường Quang Trung"):
        admin.find_unit("Quang Trungg", units)
    with pytest.raises(InputError, match=r"did you mean .*Hạc Thành"):
        admin.find_unit("Hac Than", units)


def test_an_old_code_or_district_given_as_a_unit_says_what_it_became(units):
    with pytest.raises(InputError, match=r"14824 Xã Quang Trung.*pre-2025.*14818 Phường "
                                         r"Quang Trung"):
        admin.find_unit("14824", units)
    with pytest.raises(InputError, match=r"Thị xã Bỉm Sơn was a district .*14824 Xã Quang"):
        admin.old_unit("Bỉm Sơn")
    with pytest.raises(InputError, match=r"Thanh Hóa is a province"):
        admin.find_unit("Thanh Hoa", units)


def test_fold_ignores_diacritics_case_and_tone_placement():
    assert admin.fold("Phường  Đông Sơn") == "phuong dong son"
    assert admin.fold("Thanh Hoá") == admin.fold("THANH HÓA") == "thanh hoa"


def test_province_selection(units):
    assert len(admin.select_province(units, "Thanh Hóa")) == 166
    assert len(admin.select_province(units, "tinh thanh hoa")) == 166
    assert len(admin.select_province(units, "38")) == 166
    with pytest.raises(InputError, match="provinces available: 38 Thanh Hóa"):
        admin.select_province(units, "Nghệ An")


def test_units_file_in_package_format_and_bad_files(tmp_path, units):
    gpkg = tmp_path / "units.gpkg"
    units.head(3).to_file(gpkg, driver="GPKG")
    again = admin.load_units(gpkg)
    assert list(again["unit_code"]) == list(units["unit_code"].head(3))
    units.head(3).drop(columns="full_name").to_file(tmp_path / "bad.gpkg", driver="GPKG")
    with pytest.raises(InputError, match=r"bad.gpkg: column\(s\) full_name missing"):
        admin.load_units(tmp_path / "bad.gpkg")
    with pytest.raises(InputError, match="no wards"):
        admin.load_units(tmp_path)
    with pytest.raises(InputError, match="not found"):
        admin.load_units(tmp_path / "nothing.parquet")


def test_a_province_folder_in_the_reference_format(tmp_path):
    wards = tmp_path / "wards"
    wards.mkdir()
    square = shapely.MultiPolygon([shapely.box(105.0, 20.0, 105.01, 20.01)])
    gpd.GeoDataFrame({"code": ["99001"], "name": ["Thử"], "fullName": ["Xã Thử"],
                      "areaKm2": [1.2]}, geometry=[square], crs=4326).to_file(
        wards / "99001_thu.geojson", driver="GeoJSON")
    gpd.GeoDataFrame({"code": ["99"], "fullName": ["Tỉnh Thử Nghiệm"]}, geometry=[square],
                     crs=4326).to_file(tmp_path / "99_thu.geojson", driver="GeoJSON")
    units = admin.load_units(tmp_path)
    row = units.iloc[0]
    assert (row["unit_code"], row["unit_type"], row["name"], row["province_name"]) == (
        "99001", "xã", "Thử", "Thử Nghiệm")
    # 0.01° x 0.01° at 20° N on WGS 84, by hand: meridian radius M = a(1-e²)/(1-e²sin²φ)^1.5
    # = 6,342,885 m -> 1107.0 m; N cos φ = a cos φ/(1-e²sin²φ)^0.5 = 5,995,843 m -> 1046.5 m
    assert row["area_km2"] == pytest.approx(1.1585, rel=0.002)
    assert admin.load_mapping(tmp_path).empty


# --------------------------------------------------------------------------------------------
# The units command
# --------------------------------------------------------------------------------------------

def test_units_command_lists_units(capsys):
    assert main(["units"]) == 0
    out = capsys.readouterr().out
    assert "14818" in out and "Phường Quang Trung" in out and "29.11" in out
    assert len(out.strip().splitlines()) == 167  # header and 166 units


def test_units_command_search_with_old_units(capsys):
    assert main(["units", "--province", "thanh hoa", "--search", "Quang Trung", "--old"]) == 0
    out = capsys.readouterr().out
    assert "14818" in out and "14824 Xã Quang Trung (Thị xã Bỉm Sơn)" in out
    assert "15085 Xã Quang Trung (Huyện Ngọc Lặc)" in out  # now in xã Thạch Lập


def test_a_search_typed_with_diacritics_keeps_them():
    """Found by a review: ``--search "Hoà"`` also listed Xã Hoạt Giang, and "Đông" the xã
    Đồng Lương and Đồng Tiến (the search dropped every diacritic)."""
    units = admin.load_units()

    def names(text: str) -> set[str]:
        return set(admin.search_units(units, text)["full_name"])

    assert names("Hoà") == names("Hòa") == {"Xã Định Hoà", "Xã Xuân Hoà"}  # either placement
    assert "Xã Hoạt Giang" in names("hoa") and "Xã Hoạt Giang" not in names("Hoà")
    assert names("Đông") == {"Phường Đông Tiến", "Xã Đông Thành", "Phường Đông Sơn",
                             "Phường Đông Quang"}
    assert names("Đồng") == {"Xã Đồng Lương", "Xã Đồng Tiến"}
    assert names("dong") == names("Đông") | names("Đồng")
    # no name holds it as typed: the letters only, as before
    assert names("Quảng Trung") == {"Phường Quang Trung"}
    # old names too: the xã Quảng Trung (Quảng Xương) went into Quảng Chính
    old = set(admin.search_units(units, "Quảng Trung", admin.load_mapping())["full_name"])
    assert old == {"Phường Quang Trung", "Xã Quảng Chính"}


@pytest.mark.parametrize("text", ["", ".*(", "%%%", "\x01"])
def test_a_search_of_no_letter_is_refused_not_every_unit(capsys, text):
    """Found by fuzzing: a search that folds to nothing listed all 166 units."""
    assert main(["units", "--search", text]) == 1
    assert f"--search {text!r}: holds no letter or digit to look for" in capsys.readouterr().err


def test_units_command_json_and_csv(capsys):
    assert main(["units", "--search", "14818", "--old", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["unit_code"] for r in records] == ["14818"]
    assert {o["code"] for o in records[0]["old_units"]} == {"14809", "14818", "14823", "14824"}
    assert main(["units", "--search", "bim son", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("unit_code,unit_type,name,full_name")
    assert lines[1].startswith("14812,phường,Bỉm Sơn,Phường Bỉm Sơn,38,Thanh Hóa,")


def test_units_command_unknown_province_exits_1_listing_provinces(capsys):
    assert main(["units", "--province", "Nghệ An"]) == 1
    err = capsys.readouterr().err
    assert "Nghệ An" in err and "38 Thanh Hóa" in err and "Traceback" not in err
    assert main(["units", "--search", "zzz"]) == 1
    assert main(["units", "--province", ""]) == 1  # listed every unit (found by fuzzing)
    assert "province '': no units bundled for it" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:  # argparse: wrong use of the command line
        main(["units", "--format", "xml"])
    assert usage.value.code == 2


# --------------------------------------------------------------------------------------------
# [scenario] unit
# --------------------------------------------------------------------------------------------

def _scenario(tmp_path: Path, head: str, layers: str = "") -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'[scenario]\nname = "t"\n{head}\n{layers}', encoding="utf-8")
    return path


def test_a_scenario_naming_its_unit_gets_the_commune_boundary(tmp_path):
    hamlets = (ROOT / "data" / "boundaries" / "hamlets.geojson").as_posix()
    path = _scenario(tmp_path, 'unit = "14818"\nplan_unit = "14824"',
                     f'[layers]\nhamlets = "{hamlets}"\n')
    scenario = read_scenario(path)
    assert (scenario.unit, scenario.plan_unit) == ("14818", "14824")
    project = load_project(scenario)
    commune = project.commune
    assert commune.crs == project.crs and project.crs.to_epsg() == 32648
    assert commune["unit_code"].tolist() == ["14818"]
    assert abs(commune.area.iloc[0] / 1e6 - 29) < 1
    # the sample's illustrative hamlets, drawn around the old commune's real centre, lie
    # mostly in the real ward (94 % of their area: their outline is invented)
    inside = project.hamlets.intersection(commune.union_all()).area.sum()
    assert inside / project.hamlets.area.sum() > 0.9


@pytest.mark.parametrize("head", ['unit = 14818', 'unit = "Phuong Quang Trung"'])
def test_a_unit_alone_is_a_scenario(tmp_path, head):
    project = load_project(_scenario(tmp_path, head))
    assert project.commune["full_name"].tolist() == ["Phường Quang Trung"]
    assert project.crs.to_epsg() == 32648


def test_a_commune_file_is_kept_over_the_unit():
    sample = read_scenario()
    assert sample.unit == "14818"  # the sample names its 2025 ward (and its old commune)
    project = load_project(sample)
    assert "unit_code" not in project.commune.columns  # the sample's own commune file


def test_bad_unit_keys_are_refused_with_file_key_and_hint(tmp_path):
    with pytest.raises(InputError, match=r"s.toml \[scenario\] unit: unit 'Quang Trungg'.*did "
                                         r"you mean 14818"):
        load_project(_scenario(tmp_path, 'unit = "Quang Trungg"'))
    with pytest.raises(InputError, match=r"plan_unit: pre-2025 unit 'Quang Trung' is ambiguous"):
        load_project(_scenario(tmp_path, 'unit = "14818"\nplan_unit = "Quang Trung"'))
    with pytest.raises(InputError, match=r"unit=1.5: expected an administrative unit's code"):
        read_scenario(_scenario(tmp_path, 'unit = 1.5'))
    with pytest.raises(InputError, match=r"unknown key 'unti' \(did you mean 'unit'\?\)"):
        read_scenario(_scenario(tmp_path, 'unti = "14818"'))
    with pytest.raises(InputError, match=r"has no \[layers\]"):
        read_scenario(_scenario(tmp_path, 'year = 2025'))


def test_a_plan_unit_elsewhere_is_warned(tmp_path):
    with pytest.warns(UserWarning, match=r"15085 Xã Quang Trung .* did not go into unit 14818"):
        load_project(_scenario(tmp_path, 'unit = "14818"\nplan_unit = "15085"'))


def test_an_old_units_name_says_what_each_namesake_became():
    """'xã Quang Trung' names three pre-2025 communes of Thanh Hóa (resolution 1686): the
    error lists each with its district and its 2025 unit instead of guessing."""
    from coverage_gis.errors import InputError
    from coverage_gis.io.units import find_unit
    with pytest.raises(InputError) as err:
        find_unit("xã Quang Trung")
    text = str(err.value)
    assert "14824 Xã Quang Trung, Thị xã Bỉm Sơn -> 14818 Phường Quang Trung" in text
    assert "Huyện Ngọc Lặc" in text
