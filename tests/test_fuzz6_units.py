"""check-site on a province study: the unit the point lies in, and M4 over that unit's own
hamlets (fuzzing round 6, r11)."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from coverage_gis.cli.main import main
from coverage_gis.io.units import find_unit

from .conftest import SAMPLE, sample_copy


@pytest.fixture(scope="module")
def province_with_a_neighbour(tmp_path_factory):
    """The sample as a province study, plus one hamlet "HX" (no households) inside phường
    Bỉm Sơn (14812): the study has 7 hamlets, unit 14818 six (QT01-QT06)."""
    folder = tmp_path_factory.mktemp("province_check")
    hamlets = gpd.read_file(SAMPLE.parent / "boundaries" / "hamlets.geojson")
    inside = find_unit("14812").geometry.representative_point()
    extra = gpd.GeoDataFrame({"hamlet_id": ["HX"], "name": ["Thôn X"]},
                             geometry=[shapely.box(inside.x - 0.002, inside.y - 0.002,
                                                   inside.x + 0.002, inside.y + 0.002)],
                             crs="EPSG:4326").to_crs(hamlets.crs)
    both = gpd.GeoDataFrame(
        gpd.pd.concat([hamlets, extra], ignore_index=True), crs=hamlets.crs)
    both.to_file(folder / "hamlets.geojson", driver="GeoJSON")
    path = sample_copy(folder, replace={
        'unit = "14818"\n': 'province = "Thanh Hóa"\n', 'plan_unit = "14824"\n': "",
        'commune = "boundaries/commune.geojson"\n': "", 'dem = "dem/dem.tif"\n': "",
        'landcover = "landcover/landcover.tif"': "#"})
    text = path.read_text(encoding="utf-8").replace(
        f'"{SAMPLE.parent.as_posix()}/boundaries/hamlets.geojson"',
        f'"{(folder / "hamlets.geojson").as_posix()}"')
    path.write_text(text + "\n[coverage]\nresolution_m = 100\n", encoding="utf-8")
    return path


def test_check_site_on_a_province_names_the_unit_and_counts_its_hamlets(
        province_with_a_neighbour, tmp_path, capsys):
    """Found by fuzzing: on a province scenario check-site gave no unit (unit_code null),
    "inside the commune" meant anywhere in the province and M4 before/after was the whole
    study's (here over 7 hamlets). The point (in QT04) lies in 14818; M4 counts its six
    hamlets: 3 of 6 meet the share before (QT02, QT03, QT06; the sample's units.csv), so
    M4 before is 0.5 and after a multiple of 1/6."""
    out = tmp_path / "c"
    code = main(["-q", "check-site", str(province_with_a_neighbour), "--lon", "105.84464",
                 "--lat", "20.065252", "--operator", "Viettel", "--technology", "4G",
                 "--out", str(out), "--lang", "en"])
    assert code in (0, 1), capsys.readouterr().err
    found = json.loads((out / "check.json").read_text(encoding="utf-8"))
    loc, gain = found["location"], found["coverage_gain"]
    assert loc["unit_code"] == "14818" and loc["unit_name"] == "Phường Quang Trung"
    assert loc["inside_commune"] is True and loc["hamlet_id"] == "QT04"
    assert gain["m4_before"] == 0.5
    assert abs(gain["m4_after"] * 6 - round(gain["m4_after"] * 6)) < 1e-3
    assert gain["m4_after"] > gain["m4_before"]
    assert set(gain["hamlets_newly_covered"]) <= {"QT01", "QT04", "QT05"}


def test_check_site_in_a_unit_without_hamlets_writes_valid_json(province_with_a_neighbour,
                                                               tmp_path, capsys):
    """A point in a unit none of whose hamlets the data maps: M4 before and after were the
    mean of no hamlet, NaN, written into check.json (not JSON) and printed "nan%"."""
    point = find_unit("15274").geometry.representative_point()  # xã Hà Long
    code = main(["check-site", str(province_with_a_neighbour), "--lon", f"{point.x:.6f}",
                 "--lat", f"{point.y:.6f}", "--operator", "Viettel", "--technology", "4G",
                 "--out", str(tmp_path / "c"), "--lang", "en"])
    printed = capsys.readouterr()
    assert code in (0, 1), printed.err
    assert "nan" not in printed.out.lower()

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in check.json")

    found = json.loads((tmp_path / "c" / "check.json").read_text(encoding="utf-8"),
                       parse_constant=refuse)
    assert found["location"]["unit_code"] == "15274"
    assert found["coverage_gain"]["m4_before"] is None
    assert "M4 not measurable: no hamlet of the data in the unit" in printed.out
