"""Shapefiles keep 10 characters of a column name (dBASE): the contract's longer names come
back cut (``azimuth_deg`` -> ``azimuth_de``) and are read as theirs. Found by a review: such
columns were dropped without a word, every sector became omni (M4 50 % -> 83 % on the sample),
boxes had unlimited ports and cultural houses vanished."""

from __future__ import annotations

import warnings

import numpy as np
import pyogrio

import coverage_gis as cg

from .conftest import SAMPLE

DATA = SAMPLE.parent


def _as_shapefile(gdf, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL: "Normalized/laundered field name"
        gdf.to_file(path)
    return path


def test_cut_column_names_of_a_shapefile_are_read(tmp_path):
    sites = cg.read_sites(DATA / "towers" / "sites.csv")
    shp = _as_shapefile(sites.drop(columns=["defaulted"]), tmp_path / "sites.shp")
    assert "azimuth_de" in pyogrio.read_info(shp)["fields"]  # what the format did
    back = cg.read_sites(shp)
    np.testing.assert_array_equal(back["azimuth_deg"].to_numpy(float),
                                  sites["azimuth_deg"].to_numpy(float))
    np.testing.assert_array_equal(back["beamwidth_deg"].to_numpy(float),
                                  sites["beamwidth_deg"].to_numpy(float))

    households = cg.read_households(DATA / "households" / "households.gpkg")
    shp = _as_shapefile(households, tmp_path / "households.shp")
    back = cg.read_households(shp)
    assert int(back["is_cultural_house"].astype(bool).sum()) == int(
        households["is_cultural_house"].astype(bool).sum()) > 0
    assert sorted(back["household_id"].astype(str)) == sorted(
        households["household_id"].astype(str))


def test_a_cut_name_is_not_taken_from_other_formats(tmp_path):
    # a CSV keeps whole names: a column called azimuth_de there is not the azimuth
    text = (DATA / "towers" / "sites.csv").read_text(encoding="utf-8")
    path = tmp_path / "sites.csv"
    path.write_text(text.replace("azimuth_deg", "azimuth_de", 1), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = cg.read_sites(path)
    assert back["azimuth_deg"].isna().all() and "azimuth_de" in back.columns
