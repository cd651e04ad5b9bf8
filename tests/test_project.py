"""Scenario files and whole projects: every layer, one metric CRS, the study area."""

from __future__ import annotations

import warnings

import pytest

import coverage_gis as cg

from .conftest import LAT, LON, sample_copy, write_text


def test_load_project_reprojects_to_utm_and_excludes_far_features(small_scenario):
    with pytest.warns(cg.InputWarning, match=r"sites\.csv: 1 feature\(s\) lie more than 15 km "
                                             r"from the hamlets and were excluded: site_id=FAR"):
        project = cg.load_project(small_scenario)
    assert project.scenario.name == "Thử nghiệm" and project.scenario.year == 2025
    assert project.crs.to_epsg() == 32648
    for layer in (project.hamlets, project.sites, project.households, project.fibre):
        assert layer.crs.to_epsg() == 32648
    assert list(project.sites["site_id"]) == ["A", "B"]
    assert list(project.excluded["sites"]["site_id"]) == ["FAR"]
    assert any("FAR" in w for w in project.warnings)
    # Households get their hamlet by location when the file has no hamlet_id.
    assert list(project.households["hamlet_id"]) == ["T1", "T2"]
    assert set(project.households["hamlet_basis"]) == {"location"}
    # Fibre from two files of two formats, one operator named by the scenario.
    assert sorted(project.fibre["operator"]) == ["VNPT", "Viettel"]
    assert sorted(project.fibre["source"]) == ["viettel.kml", "vnpt.geojson"]
    assert project.scenario.parameters["coverage"]["thresholds_dbm"]["4G"] == -110
    summary = project.summary().set_index("layer")
    assert summary.loc["sites", "features"] == 2
    assert "1 excluded" in summary.loc["sites", "notes"]


def test_scenario_crs_overrides_the_utm_choice(small_scenario):
    text = small_scenario.read_text().replace('year = 2025', 'year = 2025\ncrs = "vn2000-thanhhoa"')
    small_scenario.write_text(text)
    with pytest.warns(cg.InputWarning):
        project = cg.load_project(small_scenario)
    assert project.crs.to_epsg() == 5897
    with pytest.raises(cg.InputError, match="not a projected"):
        cg.load_project(small_scenario, crs="EPSG:4326")
    # found by fuzzing: accepted without a word, and every indicator changed (M4 3/6 -> 0/6)
    with pytest.raises(cg.InputError, match=r"scenario crs: EPSG:2227 \(.*\) counts in US "
                                            r"survey foot, not metres"):
        cg.load_project(small_scenario, crs="EPSG:2227")
    with pytest.raises(cg.InputError, match=r"scenario crs: EPSG:32631 .* is made for 0° to 6°E, "
                                            r"0° to 84°N \(its area of use\), 100° away from "
                                            r"the data \(lon 105\.8"):
        cg.load_project(small_scenario, crs="EPSG:32631")
    # metric, made for the whole world, but 6.5 % long at 20°N: every range would be off
    with pytest.raises(cg.InputError, match=r"scenario crs: EPSG:3857 .* stretches distances "
                                            r"by 6\.5 % at the data \(lon 105\.8.*within 1 % "
                                            r"of true \(settings\.CRS_MAX_SCALE_ERROR\)"):
        cg.load_project(small_scenario, crs="webmercator")
    with pytest.warns(cg.InputWarning, match="lie more than 15 km from the hamlets"):
        next_zone = cg.load_project(small_scenario, crs="EPSG:32649")  # 0.3 % long
    assert next_zone.crs.to_epsg() == 32649  # a neighbouring zone is accepted


def test_errors_of_every_file_are_reported_together(small_scenario):
    folder = small_scenario.parent
    write_text(folder / "sites.csv", "site_id,operator,technology,lon,lat\nA,Nobody,4G,105.8,20\n")
    write_text(folder / "hh.csv", "household_id,lon,lat\nH1,105.8,200\n")
    with pytest.raises(cg.InputError) as info:
        cg.load_project(small_scenario)
    problems = info.value.problems
    assert any(p.startswith("sites.csv row 1: operator='Nobody'") for p in problems)
    assert any(p.startswith("hh.csv row 1: lat=200 is outside -90..90") for p in problems)


def test_unknown_household_hamlet_ids_are_errors(small_scenario):
    write_text(small_scenario.parent / "hh.csv", "household_id,hamlet_id,lon,lat\n"
                                                 f"H1,T9,{LON},{LAT}\n")
    with pytest.raises(cg.InputError, match=r"hh\.csv: household_id='H1': hamlet_id='T9' is "
                                            r"not a hamlet_id"):
        cg.load_project(small_scenario)


@pytest.mark.parametrize("text,message", [
    ("[layers]\nhamlet = 'thon.geojson'\n", "unknown layer 'hamlet' (did you mean 'hamlets'?)"),
    ("[layers]\nhamlets = { file = 'x' }\n", "layer 'hamlets' has no path"),
    ("[layers]\nhamlets = { path = 'x', colour = 'red' }\n", "unknown option(s) colour"),
    ("[layers]\nhamlets = ['a.geojson', 'b.geojson']\n", "takes one file, not 2"),
    ("[scenario]\nname = \n", "is not valid TOML"),
    # tomllib's RecursionError crashed validate (found by fuzzing)
    ("[coverage]\nthresholds_dbm = " + "[" * 900 + "]" * 900 + "\n",
     "is not valid TOML for coverage-gis (arrays or tables nested hundreds deep)"),
    ("[scenario]\nname = 'x'\n", "has no [layers] table"),
])
def test_scenario_mistakes(tmp_path, text, message):
    path = write_text(tmp_path / "bad.toml", text)
    with pytest.raises(cg.InputError) as info:
        cg.read_scenario(path)
    assert message in str(info.value)
    assert str(info.value).startswith("bad.toml: ")


def test_missing_scenario_file(tmp_path):
    with pytest.raises(cg.InputError, match="scenario file not found"):
        cg.read_scenario(tmp_path / "nope.toml")


def test_a_librarys_notice_to_its_programmers_is_not_a_data_warning(tmp_path, capsys):
    """Found by fuzzing: a rotated DEM made validate list affine's "Use `@` matmul instead of
    `*`" (raised inside rasterio) among the data's warnings."""
    import rasterio
    from affine import Affine

    from coverage_gis.cli.main import main

    from .conftest import SAMPLE

    with rasterio.open(SAMPLE.parent / "dem" / "dem.tif") as src:
        data, profile = src.read(1), src.profile
    profile.update(transform=profile["transform"] @ Affine.rotation(10))
    with rasterio.open(tmp_path / "rotated.tif", "w", **profile) as dst:
        dst.write(data, 1)
    main(["validate", "--dem", str(tmp_path / "rotated.tif")])
    printed = capsys.readouterr()
    assert "matmul" not in printed.out + printed.err
    assert "OK: no errors" in printed.out


def _unit_warnings(path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cg.load_project(path)
    return [str(w.message) for w in caught if "[scenario]" in str(w.message)]


def test_a_unit_the_hamlets_do_not_lie_in_is_warned_about(tmp_path):
    """Found by fuzzing: ``unit = "Hà Long"`` for Quang Trung's hamlets passed validate, and
    the scorecard gave their M4 and F2 beside Hà Long's towers. A unit holding less than
    settings.UNIT_HAMLETS_WARN_SHARE of the hamlets' area is warned about, naming the unit
    that holds most of it; the sample's own unit is not (its one unit warning is that its
    illustrative layers reach beyond the ward's real boundary: test_review12)."""
    assert [s for s in _unit_warnings(sample_copy(tmp_path))
            if "went whole into" not in s] == []
    said = _unit_warnings(sample_copy(tmp_path, "b.toml",
                                      replace={'unit = "14818"': 'unit = "Hà Long"'}))
    said = [s for s in said if " unit: " in s]  # plan_unit's own warning aside
    assert len(said) == 1, said
    assert said[0].startswith("b.toml [scenario] unit: 15274 Xã Hà Long holds ")
    assert "they lie mostly in 14818 Phường Quang Trung" in said[0]


def test_a_plan_unit_the_commune_layer_contradicts_is_warned_about(tmp_path):
    """Found by fuzzing: ``plan_unit = "14818"`` (phường Ngọc Trạo before 2025) was accepted
    beside a commune layer of xã Quang Trung (gso_code 14824), and the plan's indicators were
    labelled Ngọc Trạo. The layer's code (or, without one, its name) is compared."""
    said = _unit_warnings(sample_copy(tmp_path, replace={'plan_unit = "14824"':
                                                         'plan_unit = "14818"'}))
    assert said == ["sample.toml [scenario] plan_unit: 14818 Phường Ngọc Trạo (Thị xã Bỉm "
                    "Sơn) is not the commune of commune.geojson (gso_code '14824'; name 'Xã "
                    "Quang Trung'): the plan's indicators would carry another commune's name; "
                    "check plan_unit or the commune layer"]


def test_the_hamlets_are_unioned_once_for_loading_and_the_indicators_by_unit(small_scenario,
                                                                             monkeypatch):
    # Six adjacent hamlets of 100,000 vertices take GEOS 24 s to union: loading (study area,
    # DEM and land-cover checks) and the indicators by unit (the unit, the old commune made of
    # the hamlets, their mapped share) unioned them up to 8 times, 76 s to validate.
    import shapely

    from coverage_gis.pipeline import by_unit

    from .conftest import SAMPLE

    text = small_scenario.read_text().replace(
        'year = 2025', 'year = 2025\nunit = "14818"\nplan_unit = "14824"').replace(
        '[layers]', f'[layers]\ndem = "{SAMPLE.parent.as_posix()}/dem/dem.tif"\n'
                    f'landcover = "{SAMPLE.parent.as_posix()}/landcover/landcover.tif"')
    small_scenario.write_text(text)
    calls = []
    union_all = shapely.union_all

    def counted(geometries, *args, **kwargs):
        calls.append(list(geometries) if hasattr(geometries, "__len__") else [geometries])
        return union_all(geometries, *args, **kwargs)

    monkeypatch.setattr(shapely, "union_all", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = cg.load_project(small_scenario)
        units = by_unit(cg.analyze(project)).units
    assert project.dem is not None and project.landcover is not None
    assert [u.basis for u in units] == ["hamlets", "bundled_boundary"]
    hamlets = list(project.hamlets.geometry.values)
    of_hamlets = [c for c in calls if len(c) == len(hamlets)
                  and all(shapely.equals_exact(a, b) for a, b in zip(c, hamlets))]
    assert len(of_hamlets) == 1
    assert project.hamlets_union() is project.hamlets_union()
    # another hamlets layer (a notebook's edit) is unioned again
    project.hamlets = project.hamlets.iloc[:1]
    assert project.hamlets_union().equals(project.hamlets.geometry.iloc[0])
