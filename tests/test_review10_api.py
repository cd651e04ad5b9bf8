"""Arguments a notebook gets wrong, found by the tenth review (the analyst's Python API):
each a clear error naming the argument, layer and rows, before any computing."""

from __future__ import annotations

from dataclasses import replace

import pytest

import coverage_gis as cg
from coverage_gis.errors import InputError

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def project():
    return cg.load_project(SAMPLE)


def test_rows_without_a_geometry_are_named(project):
    """Households without a geometry were counted as unserved (QT02 fell out of M4); a site
    without one failed in numpy."""
    hh = project.households.copy()
    hh.loc[hh.index[:7], "geometry"] = None
    with pytest.raises(InputError, match=r"project\.households: 7 row\(s\) without a "
                                         r"geometry \(household_id H\d+, .* and 2 more\)"):
        cg.analyze(replace(project, households=hh))
    sites = project.sites.copy()
    sites.loc[sites.index[0], "geometry"] = None
    with pytest.raises(InputError, match="project.sites: 1 row"):
        cg.analyze(replace(project, sites=sites))


def test_an_id_column_missing_or_twice_and_statistics_without_years_are_named(project):
    with pytest.raises(InputError, match="project.hamlets has no column 'hamlet_id'"):
        cg.analyze(replace(project, hamlets=project.hamlets.drop(columns="hamlet_id")))
    twice = project.hamlets.copy()
    twice.loc[twice.index[1], "hamlet_id"] = twice["hamlet_id"].iloc[0]
    with pytest.raises(InputError, match="hamlet_id appears more than once"):
        cg.analyze(replace(project, hamlets=twice))
    with pytest.raises(InputError, match="project.statistics: expected a 'year' column"):
        cg.analyze(replace(project, statistics=project.statistics.drop(columns="year")))


@pytest.mark.parametrize("value", ["3", -1, 2.5, True])
def test_suggest_sites_is_a_whole_number(project, value):
    """'3' failed deep in placement after the coverage; -1 searched and found nothing."""
    with pytest.raises(InputError, match="suggest_sites=.*expected a whole number"):
        cg.analyze(project, suggest_sites=value)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("resolution_m", -5, "resolution_m=-5: expected a number of metres"),
    ("location_probability", 90, "did you mean 0.9"),
])
def test_parameters_changed_after_they_were_made_are_checked_again(project, field, value,
                                                                   message):
    params = cg.CoverageParams()
    setattr(params, field, value)
    with pytest.raises(InputError, match=message):
        cg.analyze(project, params)


def test_a_scenarios_year_and_name_are_checked_as_a_files_are():
    """year "2025" (a string) made F1 "no statistics for year" silently."""
    with pytest.raises(InputError, match="year='2025': expected a whole number"):
        cg.Scenario(name="x", layers={}, year="2025")
    with pytest.raises(InputError, match="name=None"):
        cg.Scenario(name=None, layers={})
    assert cg.Scenario(name="x", layers={}, year=2025).year == 2025


def test_a_bad_target_crs_is_an_input_error_naming_to_crs():
    with pytest.raises(InputError, match="to_crs='foo': unknown CRS"):
        cg.read_hamlets(SAMPLE.parent / "boundaries" / "hamlets.geojson", to_crs="foo")
    with pytest.raises(InputError, match="unknown CRS 'vn2000-xyz'"):
        cg.resolve_crs("vn2000-xyz")


def test_the_engines_default_territory_is_the_2025_unit_as_for_the_cli(project):
    """placement.suggest_sites and check_site without ``unit`` (as notebook 02 calls them)
    searched and checked on the old commune's outline, the CLI and analyze on the 2025 ward
    the scenario names (38 candidates against 85 on the sample)."""
    import warnings

    from coverage_gis.engines import placement
    from coverage_gis.pipeline import current_unit

    unit = current_unit(project)
    assert unit is not None and unit.code == "14818"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = placement.suggest_sites(project, max_sites=1)
        given = placement.suggest_sites(project, max_sites=1, unit=unit)
        assert default.candidates == given.candidates
        spot = placement.locate_point(project, lon=105.8492, lat=20.0641)
        check = placement.check_site(project, placement.ProposedSite("Viettel", "4G"), spot)
    assert check.location.unit_code == "14818"


def test_hamlets_without_households_are_not_counted_short():
    """Found by a review: a hamlet with no household in the data was counted short of M4 and
    F2, so a unit whose hamlets had none read 0 % "not met" (and a province whose households
    covered four units of 166, M4 1 %). Now they are counted in neither total, listed, and a
    target they leave open is not judged."""
    from coverage_gis.engines.indicators import HamletIndicator

    def m4(covered, hamlets, unmeasured, target=1.0):
        return HamletIndicator("M4", covered, hamlets, (), target, "r",
                               unmeasured_hamlets=tuple(f"H{i}" for i in range(unmeasured)))

    assert (m4(5, 5, 0).met, m4(4, 5, 0).met) == (True, False)
    assert m4(5, 5, 1).met is None and m4(4, 5, 1).met is False   # open / missed anyway
    assert m4(0, 0, 3).value is None and m4(0, 0, 3).met is None   # no data
    assert m4(8, 9, 1, target=0.8).met is True                      # 8/10 at worst
    assert m4(7, 9, 2, target=0.8).met is None                      # 7/11..9/11


def test_a_hamlet_whose_households_are_missing_is_listed_not_short(project):
    hh = project.households[project.households["hamlet_id"] != "QT02"]
    result = cg.analyze(replace(project, households=hh), suggest_sites=0)
    m4, f2 = result.indicators.m4, result.indicators.f2
    assert m4.unmeasured_hamlets == f2.unmeasured_hamlets == ("QT02",)
    assert "QT02" not in m4.short_hamlets and "QT02" not in f2.short_hamlets
    assert (m4.hamlets, f2.hamlets) == (5, 5)
    # QT06 short of F2, QT04 of M4: missed whatever QT02 is
    assert (f2.covered_hamlets, f2.met, m4.met) == (4, False, False)
    card = result.scorecard.set_index("indicator")
    assert not card.loc["M4", "met"] and not card.loc["F2", "met"]
    # were every measured hamlet covered, the unmeasured one would leave it open
    from coverage_gis.engines import targets

    open_m4 = replace(m4, covered_hamlets=5, short_hamlets=())
    card = targets.scorecard(None, replace(result.indicators, m4=open_m4), 2025)
    row = card[(card["indicator"] == "M4") & (card["source"] == "map")].iloc[0]
    assert row["value"] == 1.0 and row["met"] is None


def test_every_engine_checks_parameters_changed_after_they_were_made(project):
    """Found by a review (after analyze did): fp.max_drop_m = -5 passed no home, silently;
    map_site and check_site failed deep in numpy and scipy."""
    from coverage_gis.engines import fibre, placement

    fp = fibre.FibreParams()
    fp.max_drop_m = -5
    with pytest.raises(InputError, match=r"\[fibre\] max_drop_m=-5"):
        fibre.compute_fibre(project.households, project.hamlets, project.roads,
                            project.access_points, project.fibre, None, 2025, fp)
    q = cg.CoverageParams()
    q.resolution_m = -5
    with pytest.raises(InputError, match="resolution_m=-5"):
        cg.map_site(project.dem, lon=105.8492, lat=20.0641, height_m=30, band_mhz=1800,
                    radius_m=1000, params=q)
    q = cg.CoverageParams()
    q.location_probability = 90
    spot = placement.locate_point(project, lon=105.8492, lat=20.0641)
    with pytest.raises(InputError, match="did you mean 0.9"):
        placement.check_site(project, placement.ProposedSite("Viettel", "4G"), spot, params=q)


@pytest.mark.parametrize("value", [-5, 20_000, "abc"])
def test_a_files_minimum_distance_given_in_python_is_checked_as_its_column(value):
    """Found by a review: read_constraints(min_distance_m=-5) passed, and a mast 20 m from
    the school went from review to ok."""
    with pytest.raises(InputError, match="given for the whole file"):
        cg.read_constraints(SAMPLE.parent / "constraints" / "constraints.geojson",
                            min_distance_m=value)


def test_signal_radius_wants_metres():
    """Found by a review: sites in WGS 84 (read_sites' default) gave wedges of metre radii
    in degrees, silently."""
    sites = cg.read_sites(SAMPLE.parent / "towers" / "sites.csv")
    with pytest.raises(InputError, match="projected"):
        cg.coverage.signal_radius(sites, cg.CoverageParams())


def test_the_report_says_the_calibrations_land_cover_offsets():
    """Found by a review: a calibration's class offsets were applied but not said, and with
    offsets alone the report said "not calibrated" while levels moved by 3 dB."""
    from coverage_gis.outputs.i18n import words
    from coverage_gis.outputs.report import _calibration_text

    w = words("en")
    only = cg.CoverageParams(calibration={"offset_db": 0.0, "slope_db_per_decade": 0.0,
                                          "clutter_offsets_db": {"10": 3.0, "40": -2.0}})
    assert _calibration_text(only, w, "en") == (
        "extra loss by land-cover class only: 10: +3.0 dB, 40: -2.0 dB")
    both = cg.CoverageParams(calibration={"offset_db": 6.0, "slope_db_per_decade": 4.0,
                                          "clutter_offsets_db": {"40": -0.3}})
    assert _calibration_text(both, w, "en").endswith(
        "; extra loss by land-cover class 40: -0.3 dB")
    assert _calibration_text(cg.CoverageParams(), w, "en") == w["not_calibrated"]


def test_an_extra_layer_that_needs_the_network_or_a_missing_library_is_refused():
    """Found by a review: a folium.Icon marker (awesome-markers, not carried offline) broke
    the page's script and its layer control; a remote image overlay needed the network."""
    import folium

    from coverage_gis.outputs.maps import OfflineMap, offline_html

    m = OfflineMap(location=[20.06, 105.86], tiles=None)
    folium.Marker([20.06, 105.86], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(ValueError, match="folium.Icon"):
        offline_html(m)
    m = OfflineMap(location=[20.06, 105.86], tiles=None)
    folium.raster_layers.ImageOverlay("https://example.com/x.png",
                                      bounds=[[20, 105], [21, 106]]).add_to(m)
    with pytest.raises(ValueError, match="from the network"):
        offline_html(m)
    m = OfflineMap(location=[20.06, 105.86], tiles=None)
    folium.CircleMarker([20.06, 105.86], radius=4).add_to(m)
    assert "L.circleMarker" in offline_html(m)


def test_without_the_bundled_sample_the_error_says_where_it_comes_from(monkeypatch, tmp_path):
    """Found by a review: installed from a wheel, load_project() said "quang_trung.toml:
    scenario file not found" of a path inside site-packages."""
    from coverage_gis.config import settings

    monkeypatch.setattr(settings, "DEFAULT_SCENARIO", tmp_path / "absent" / "sample.toml")
    with pytest.raises(InputError, match=r"the bundled sample is not here \(.*sample\.toml: "
                                         r"the package's copy of it was removed\); give a "
                                         "scenario file or folder"):
        cg.load_project()
