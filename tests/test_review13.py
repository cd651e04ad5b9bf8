"""Regression tests for the twelfth review's leftovers (session 48): the Python API an analyst
uses in Jupyter, the KMZ of a one-target study, the printed map."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import coverage_gis as cg
from coverage_gis.errors import InputError

from .conftest import SAMPLE

DEM = SAMPLE.parent / "dem" / "dem.tif"


@pytest.mark.parametrize("bounds, said", [
    ((105.85, 20.05, 105.87, 20.07), "do not overlap the DEM"),  # degrees for a UTM DEM
    ((590000, 2219000, 588000, 2217000), "expected minx < maxx and miny < maxy"),
    ((590000, 2219000, float("nan"), 2220000), "finite"),
    ((590000, 2219000, 591000), "expected four numbers"),
])
def test_a_dem_window_that_misses_the_dem_names_bounds_and_the_dems_crs(bounds, said):
    # found by a review: "dem.tif: holds no data (every pixel is nodata)" blamed a good file
    with pytest.raises(InputError) as info:
        cg.read_dem(DEM, bounds=bounds)
    message = str(info.value)
    assert said in message and "bounds=" in message and "EPSG:32648" in message
    assert "x 577380..602520" in message  # the DEM's own extent, in its CRS, said plainly


def test_a_dem_window_inside_the_dem_is_read():
    dem = cg.read_dem(DEM, bounds=(588000, 2217000, 590000, 2219000))
    left, bottom, right, top = dem.bounds
    assert left <= 588000 and right >= 590000 and bottom <= 2217000 and top >= 2219000


# --------------------------------------------------------------------------------------------
# The Python API in Jupyter: reprs, Datasets, arguments, CRS checks
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def analysed():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = cg.load_project()
        return project, cg.analyze(project, suggest_sites=0)


@pytest.fixture(scope="module")
def site(analysed):
    project, _ = analysed
    return cg.map_site(project.dem, lon=105.8639, lat=20.0668, height_m=36, band_mhz=1800,
                       radius_m=2000)


def test_results_print_as_one_line_not_their_arrays(analysed, site):
    # found by a review: result.coverage printed 20,381 characters (361 lines) in a notebook
    project, result = analysed
    shown = {"coverage": repr(result.coverage), "fibre": repr(result.fibre),
             "site": repr(site), "dem": repr(project.dem)}
    for name, text in shown.items():
        assert "\n" not in text and len(text) < 300, (name, text)
    assert shown["coverage"].startswith(f"<CoverageResult: {len(result.coverage.cells)} cell")
    f1 = result.fibre.indicators["F1"]
    assert f"{f1.homes_passed} of {f1.households_on_map} households" in shown["fibre"]
    assert "134 x 134 cells of 30 m to 2000 m" in shown["site"]
    assert "838 x 787 pixels of 30 m, EPSG:32648" in shown["dem"]


def test_a_site_maps_dataset_is_self_describing_and_nan_beyond_its_radius(site, tmp_path):
    import rasterio

    ds = site.to_dataset()
    units = {name: ds[name].attrs.get("units") for name in ds.data_vars}
    assert units == {"path_loss_db": "dB", "level_dbm": "dBm", "terrain_loss_db": "dB",
                     "los": "1", "fresnel_clear": "1"}
    assert all(ds[name].attrs.get("long_name") for name in ds.data_vars)
    # the line-of-sight share of the disc, not diluted by the square's corners
    inside = np.isfinite(site.path_loss_db)
    assert float(ds.los.mean()) == pytest.approx(float(site.los[inside].mean()), abs=1e-6)
    # and it writes as a GeoTIFF (a bool variable could not: "invalid dtype: 'bool'")
    ds["los"].rio.to_raster(tmp_path / "los.tif")
    with rasterio.open(tmp_path / "los.tif") as src:
        assert src.crs.to_epsg() == 32648 and src.transform == site.transform


def test_a_coverage_dataset_carries_units_and_the_servers_nodata(analysed):
    _, result = analysed
    ds = result.coverage.to_dataset()
    assert ds["level_dbm_4G"].attrs["units"] == "dBm"
    assert ds["server_4G"].rio.nodata == -1 and "-1: none" in ds["server_4G"].attrs["long_name"]
    assert ds["probability_4G"].attrs["units"] == "1"
    assert ds["covered_mobile_broadband"].dtype == bool


@pytest.mark.parametrize("kw, said", [
    ({"lon": "105.84464", "lat": "20.065252"}, "lon='105.84464': expected a number of degrees"),
    ({"x": "588150", "y": "2219700", "crs": "vn2000-thanhhoa"},
     "x='588150': expected a number of metres (a number without quotes: 588150)"),
    ({"lon": float("nan"), "lat": 20.0}, "lon=nan: expected a number of degrees"),
])
def test_a_points_coordinates_as_text_are_named(analysed, kw, said):
    # found by a review: a form's text gave a bare TypeError ("'<=' not supported")
    from coverage_gis.engines import placement

    project, _ = analysed
    with pytest.raises(InputError, match=re.escape(said)):
        placement.locate_point(project, **kw)


def test_the_fibre_engine_names_the_households_crs_and_refuses_web_mercator(analysed):
    # found by a review: households in WGS 84 were blamed on the roads (a bare ValueError),
    # and Web Mercator (distances 6.5 % long at 20°N, refused at load) was taken
    from coverage_gis.engines import fibre

    p, result = analysed
    with pytest.raises(InputError, match=r"^households: EPSG:4326 .*expected a projected"):
        fibre.compute_fibre(p.households.to_crs(4326), p.hamlets, p.roads, p.access_points,
                            p.fibre, p.statistics, 2025)
    with pytest.raises(InputError, match=r"^households: .*stretches distances by 6\.5 %"):
        fibre.compute_fibre(*(g.to_crs(3857) for g in (p.households, p.hamlets, p.roads,
                                                       p.access_points, p.fibre)),
                            p.statistics, 2025)


# --------------------------------------------------------------------------------------------
# The bundled sample in a wheel
# --------------------------------------------------------------------------------------------

def test_a_wheel_carries_the_bundled_sample(tmp_path):
    # found by a review: installed from a wheel (pip install ., as on a dask cluster's
    # workers or an analyst's Jupyter), cg.load_project() and every notebook failed
    root = SAMPLE.parent.parent
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(root / "coverage_gis", src / "coverage_gis", symlinks=True, ignore=skip)
    shutil.copytree(root / "data", src / "data", ignore=skip)
    assert (src / "coverage_gis" / "sample").is_symlink()  # built from the link, as in git
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            "--no-build-isolation", "-w", str(tmp_path / "w"), str(src)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "w").glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "coverage_gis/sample/quang_trung.toml" in names
    assert "coverage_gis/sample/dem/dem.tif" in names
    assert not [n for n in names if n.startswith("coverage_gis/sample/") and n.endswith(".py")]
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True)
    code = ("import warnings; warnings.simplefilter('ignore'); import coverage_gis as cg; "
            f"assert cg.__file__.startswith({str(target)!r}), cg.__file__; "
            "p = cg.load_project(); print(len(p.hamlets), len(p.households))")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(target)})
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.split() == ["6", "1350"]


# --------------------------------------------------------------------------------------------
# The tower check's parts, typed
# --------------------------------------------------------------------------------------------

def test_a_checks_parts_are_typed_and_give_check_jsons_objects(analysed):
    # found by a review: location, coverage_gain, proposal and nearest_towers were dicts,
    # read by string keys in notebook 02 (a typo a KeyError at run time, no completion)
    from dataclasses import fields

    from coverage_gis.engines import placement

    project, _ = analysed
    point = placement.locate_point(project, lon=105.8446, lat=20.0653)
    check = placement.check_site(project, placement.ProposedSite("Viettel", "4G"), point)
    assert isinstance(check.location, placement.Location)
    assert isinstance(check.coverage_gain, placement.CoverageGain)
    assert isinstance(check.proposal, placement.Proposal)
    assert isinstance(check.aviation, placement.AviationCheck)
    assert check.nearest_towers and all(isinstance(t, placement.NearbyTower)
                                        for t in check.nearest_towers)
    with pytest.raises(AttributeError):
        check.location.hamlet  # noqa: B018  (a typo fails where it is made)
    doc = check.to_json()
    assert list(doc["location"]) == [f.name for f in fields(placement.Location)
                                     if f.name != "inside_plan_unit"]
    assert list(doc["proposal"]) == [f.name for f in fields(placement.Proposal)]
    assert list(doc["coverage_gain"]) == [
        "basis", "households_newly_covered", "households_newly_covered_by_operator",
        "households_newly_covered_per_hamlet", "hamlets_newly_covered", "m4_before",
        "m4_after"]
    gain = check.coverage_gain
    assert gain.for_operator == gain.households_newly_covered_by_operator
    assert doc["location"]["hamlet_id"] == check.location.hamlet_id
