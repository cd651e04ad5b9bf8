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
