"""The terrain beyond a cell's threshold range: sampled every ``[coverage] far_terrain_step_m``
(settings.FAR_TERRAIN_STEP_M) along the rays, or at the grid's step throughout (0).

Found by a review: at the default 90 m a grid cell takes the nearest sample, up to 45 m off,
so raising one cell's EIRP by 6 dB lowered its level by up to 39.6 dB behind a ridge (the
cell's range grew over grid cells the coarse sweep had put on the ridge's near side)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

import coverage_gis as cg
from coverage_gis.config.params import CoverageParams
from coverage_gis.engines import coverage as cov
from coverage_gis.errors import InputError

from .conftest import SAMPLE

CELL = "MBF-THA-0318-4G1800-1"  # the review's cell: a ridge within its reach


@pytest.fixture(scope="module")
def project() -> cg.Project:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cg.load_project(SAMPLE)


def _level(project, params: CoverageParams, extra_eirp_db: float = 0.0) -> np.ndarray:
    one = project.sites[project.sites.site_id == CELL].copy()
    one["eirp_dbm"] = one["eirp_dbm"] + extra_eirp_db
    result = cov.compute_coverage(one, project.hamlets, project.dem, params,
                                  landcover=project.landcover)
    return result.level_dbm["4G"]


def test_at_the_grids_step_throughout_a_level_rises_with_the_eirp_exactly(project):
    params = dataclasses.replace(CoverageParams.from_scenario(project.scenario.parameters),
                                 far_terrain_step_m=0.0)
    before, after = _level(project, params), _level(project, params, 6.0)
    both = np.isfinite(before) & np.isfinite(after)
    assert both.sum() > 10_000
    np.testing.assert_allclose((after - before)[both], 6.0, atol=0.01)


def test_the_coarse_far_step_leaves_coverage_as_it_was(project):
    # where coverage is decided (within the threshold range) the step is the grid's either way
    base = CoverageParams.from_scenario(project.scenario.parameters)
    assert base.far_terrain_step_m == 90.0
    fine = dataclasses.replace(base, far_terrain_step_m=0.0)
    coarse_level, fine_level = _level(project, base), _level(project, fine)
    threshold = base.thresholds_dbm["4G"]
    assert np.array_equal(coarse_level >= threshold, fine_level >= threshold)
    assert not np.allclose(coarse_level, fine_level, equal_nan=True)  # beyond: not the same


def test_a_bad_far_step_is_refused_naming_the_key():
    with pytest.raises(InputError, match="far_terrain_step_m"):
        CoverageParams.from_scenario({"coverage": {"far_terrain_step_m": -5}})
