"""Inputs found by fuzzing (round 8): building polygons given as the households layer, GDAL's
and pyogrio's warnings naming the file, and the command line's warning count."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from coverage_gis.cli import common
from coverage_gis.errors import InputError, InputWarning
from coverage_gis.io import readers
from coverage_gis.io.readers import read_households

LON, LAT = 105.862, 20.065
HALF = 0.00006  # a square of 2 x HALF degrees: about 12.5 m x 13.3 m (~170 m²)


def _square(i: int, half: float = HALF) -> shapely.Polygon:
    x, y = LON + i * 0.0005, LAT
    return shapely.box(x - half, y - half, x + half, y + half)


def _bow_tie(i: int) -> shapely.Polygon:
    x, y = LON + i * 0.0005, LAT
    return shapely.Polygon([(x - HALF, y - HALF), (x + HALF, y + HALF), (x + HALF, y - HALF),
                            (x - HALF, y + HALF)])


def _houses(tmp_path: Path, geoms: list, **columns: list) -> Path:
    ids = [f"H{i + 1}" for i in range(len(geoms))]
    gdf = gpd.GeoDataFrame({"household_id": ids, **columns}, geometry=geoms, crs=4326)
    path = tmp_path / "houses.gpkg"
    gdf.to_file(path, layer="households", driver="GPKG")
    return path


def _read(path: Path) -> tuple[gpd.GeoDataFrame | None, list[str], list[str]]:
    """(households or None, the warnings' messages, the errors)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            homes, errors = read_households(path), []
        except InputError as exc:
            homes, errors = None, exc.problems
    return homes, [str(w.message) for w in caught], errors


# --------------------------------------------------------------------------------------------
# Building polygons as households
# --------------------------------------------------------------------------------------------

def test_building_errors_name_the_files_feature_after_a_small_one_is_left_out(tmp_path):
    """Found by fuzzing: with feature 3 a 4 m² building (left out) and feature 6 holding
    population=-1, the error named "feature 5" (the index was reset after the small building
    was dropped, and the schema numbered the remaining rows)."""
    geoms = [_square(i, 0.00001 if i == 2 else HALF) for i in range(8)]
    population = [4] * 8
    population[5] = -1
    _, _, errors = _read(_houses(tmp_path, geoms, population=population))
    assert errors == ["houses.gpkg feature 6: population=-1 is outside 0..1e+07"]


def test_building_errors_name_the_files_feature_after_a_building_of_several_dwellings(
        tmp_path):
    """Found by fuzzing: the dwellings of one building are repeated rows; a building of 3
    dwellings before the bad feature shifted the feature named by 2 (and each of its
    dwellings must name its own building)."""
    geoms = [_square(i) for i in range(7)]
    population = [4] * 7
    population[5] = -1
    population[1] = -2
    dwellings = [1, 3, 1, 1, 1, 1, 1]
    _, _, errors = _read(_houses(tmp_path, geoms, population=population, dwellings=dwellings))
    assert sorted(set(errors)) == ["houses.gpkg feature 2: population=-2 is outside 0..1e+07",
                                   "houses.gpkg feature 6: population=-1 is outside 0..1e+07"]


def test_bow_tie_buildings_are_repaired_not_left_out_as_too_small(tmp_path):
    """Found by fuzzing: self-intersecting ("bow-tie") footprints of ~170 m², whose signed
    area cancels to 0, were silently left out as "smaller than 20 m²"; they are repaired with
    make_valid (a warning naming each feature) before their area is measured."""
    geoms = [_bow_tie(0), _square(1), _bow_tie(2)]
    homes, msgs, errors = _read(_houses(tmp_path, geoms))
    assert errors == []
    assert list(homes["household_id"]) == ["H1", "H2", "H3"]
    assert (homes["area_m2"] > 20).all()
    for n in (1, 3):
        assert any(m.startswith(f"houses.gpkg feature {n}: was an invalid polygon "
                                "(Self-intersection") and "make_valid" in m for m in msgs)
    assert any("3 feature(s) are building polygons" in m and "0 smaller than 20 m²" in m
               for m in msgs)


def test_building_with_a_nan_vertex_is_an_error_naming_the_feature(tmp_path):
    """Found by fuzzing: a building polygon with a NaN vertex was accepted (placed at one of
    its vertices) with numpy's unnamed "invalid value encountered in centroid" warnings; it is
    refused as a point with NaN coordinates is."""
    geoms = [_square(i) for i in range(4)]
    ring = list(geoms[2].exterior.coords)[:-1]
    ring[1] = (np.nan, ring[1][1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # shapely: "invalid value ..."
        geoms[2] = shapely.Polygon(ring)
    homes, msgs, errors = _read(_houses(tmp_path, geoms))
    assert homes is None
    assert errors == ["houses.gpkg feature 3: has NaN or infinite coordinates"]
    assert not any(m.startswith("invalid value encountered") for m in msgs)  # unnamed


# --------------------------------------------------------------------------------------------
# Warnings of GDAL and pyogrio
# --------------------------------------------------------------------------------------------

def test_pyogrio_user_warnings_name_the_file(monkeypatch, tmp_path):
    """Found by fuzzing: pyogrio's UserWarnings (not GDAL's RuntimeWarnings) were passed on
    as they were, naming no file; programmers' warnings (deprecations) still pass unchanged."""
    real = pyogrio.read_dataframe

    def read(source, **kwargs):
        warnings.warn("Something pyogrio says about the data", UserWarning, stacklevel=2)
        warnings.warn("Something pyogrio says about the data", UserWarning, stacklevel=2)
        warnings.warn("a future change", FutureWarning, stacklevel=2)
        return real(source, **kwargs)

    path = _houses(tmp_path, [_square(0)])
    monkeypatch.setattr(readers.pyogrio, "read_dataframe", read)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        readers._gdal_read(path, name="houses.gpkg")
    said = [(w.category, str(w.message)) for w in caught]
    assert said == [(InputWarning, "houses.gpkg: pyogrio says: Something pyogrio says about "
                                   "the data"),
                    (FutureWarning, "a future change")]


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs GDAL's ogr2ogr")
def test_measured_geometries_warning_names_the_file(tmp_path):
    """Found by fuzzing: a layer of measured (XYM) polygons gave pyogrio's "Measured (M)
    geometry types are not supported..." naming no file."""
    plain = _houses(tmp_path, [_square(0), _square(1)])
    measured = tmp_path / "houses_m.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(measured), str(plain), "-dim", "XYM",
                    "-nln", "households"], check=True, capture_output=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        readers._gdal_read(measured, name="houses_m.gpkg")
    said = [str(w.message) for w in caught if "easured" in str(w.message)]
    assert len(said) == 1
    assert said[0].startswith("houses_m.gpkg: its measured (M) values are dropped")
    assert issubclass(caught[0].category, InputWarning)


# --------------------------------------------------------------------------------------------
# The command line's warning count
# --------------------------------------------------------------------------------------------

def test_warning_count_counts_each_warning_once(monkeypatch, capsys):
    """Found by fuzzing: analyze said "3 warning(s); run 'coverage-gis validate' to list them"
    where validate listed 1 (the same warning, given three times, counted before duplicates
    were removed)."""
    same = "hamlets_m.gpkg: its measured (M) values are dropped"
    monkeypatch.setattr(common, "load",
                        lambda scenario: ("project", [same] * 3 + ["other"], [], []))
    args = argparse.Namespace(verbose=False, quiet=False)
    assert common.load_or_report("x.toml", args) == "project"
    assert "2 warning(s); run 'coverage-gis validate'" in capsys.readouterr().err
    monkeypatch.setattr(common, "load", lambda scenario: (None, [], ["e1", "e1", "e2"], []))
    with pytest.raises(InputError, match="stopped: 2 input error"):
        common.load_or_report("x.toml", args)
