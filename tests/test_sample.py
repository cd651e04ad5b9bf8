"""The bundled Quang Trung sample: it loads cleanly and honours the facts it claims."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

import coverage_gis as cg
from coverage_gis.cli.main import main

from .conftest import ROOT, SAMPLE, digest

TOWN = ROOT.parent / "shared" / "reference" / "bim_son_town_boundary.geojson"
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def project():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cg.load_project(SAMPLE)


def test_validate_loads_the_sample_with_no_errors(capsys):
    before = digest(ROOT / "data")
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "OK: no errors" in out and "EPSG:32648" in out
    assert digest(ROOT / "data") == before  # inputs are never modified


def test_commune_area_place_and_town(project):
    commune = project.commune.to_crs(4326).union_all()
    area_km2 = abs(GEOD.geometry_area_perimeter(commune)[0]) / 1e6
    assert area_km2 == pytest.approx(7.08, rel=0.03)
    c = commune.centroid
    assert abs(c.y - 20.065) < 0.01 and abs(c.x - 105.862) < 0.01
    if TOWN.exists():  # the real outline, beside the repository in ../shared
        town = shapely.geometry.shape(json.loads(TOWN.read_text())["geometry"])
        assert town.buffer(1e-6).contains(commune)
        assert c.y < town.centroid.y  # in the south of the town


def test_six_hamlets_partition_the_commune(project):
    h = project.hamlets
    assert len(h) == 6 and h["hamlet_id"].is_unique
    assert all(any(ch in n for ch in "ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ") or "Thôn" in n
               for n in h["name"])  # Vietnamese names
    commune = project.commune.union_all()
    union = h.union_all()
    assert union.symmetric_difference(commune).area < 1e-4 * commune.area
    assert h.geometry.area.sum() == pytest.approx(commune.area, rel=1e-4)  # no overlaps


def test_households_and_cultural_houses(project):
    hh = project.households
    assert 1300 <= len(hh) <= 1400
    assert hh.groupby("hamlet_id")["is_cultural_house"].sum().eq(1).all()
    assert set(hh["hamlet_id"]) == set(project.hamlets["hamlet_id"])
    # every household in its own hamlet
    joined = gpd.sjoin(hh, project.hamlets[["hamlet_id", "geometry"]], predicate="within",
                       lsuffix="hh", rsuffix="hamlet")
    assert (joined["hamlet_id_hh"] == joined["hamlet_id_hamlet"]).all()
    assert len(joined) == len(hh)
    assert project.hamlets["population"].sum() == pytest.approx(4989, rel=0.02)


def test_sites_are_a_fair_mix(project):
    s = project.sites
    assert {"Viettel", "VinaPhone", "MobiFone", "Vietnamobile"} <= set(s["operator"])
    assert {"2G", "3G", "4G", "5G"} <= set(s["technology"])
    assert s["azimuth_deg"].notna().sum() > 0 and s["azimuth_deg"].isna().sum() >= 1
    towers = s.groupby("tower_id")["operator"].nunique()
    assert (towers >= 2).sum() >= 1  # shared towers
    assert (s["status"] == "planned").any()
    outside = ~s.within(project.commune.union_all())
    assert outside.sum() > 0  # sites outside the commune that still serve it
    assert (s["defaulted"].str.contains("eirp_dbm|tilt_deg|beamwidth_deg")).any()


def test_fibre_roads_dem_statistics(project):
    assert project.fibre["operator"].nunique() >= 2
    ap = project.access_points
    assert ap["operator"].nunique() >= 2 and (ap["ports_used"] == ap["ports_total"]).any()
    assert {"trunk", "primary"} <= set(project.roads["road_class"])
    names = " ".join(project.roads["name"].dropna())
    assert "1A" in names and "217B" in names
    # DEM: a low plain in the commune, hills to the north and west.
    dem = project.dem
    assert dem.crs.to_epsg() == 32648
    c = project.commune.union_all().centroid
    plain = dem.sample(np.array([c.x]), np.array([c.y]))[0]
    assert plain < 15
    xs = np.linspace(c.x - 6000, c.x + 6000, 61)
    north = np.nanmax(dem.sample(xs, np.full_like(xs, c.y + 5000)))
    west = np.nanmax(dem.sample(np.full_like(xs, c.x - 5000), xs - c.x + c.y))
    south_east = np.nanmax(dem.sample(xs[30:] , np.full_like(xs[30:], c.y - 5000)))
    assert north > 60 and west > 60 and south_east < north
    stats = project.statistics
    assert list(stats["year"]) == [2023, 2024, 2025]
    for col in cg.schema.STATISTICS_COLUMNS:
        assert stats[col].notna().all(), col


def test_opencellid_sample_reads(project):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells = cg.read_sites(ROOT / "data" / "towers" / "opencellid_452.csv")
    assert len(cells) >= 15 and cells.attrs["format"] == "opencellid"
    assert {"Viettel", "VinaPhone", "MobiFone"} <= set(cells["operator"])
