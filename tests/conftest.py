"""Shared fixtures: small files the tests write themselves, and the bundled sample."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "quang_trung.toml"

# A point near the middle of Quang Trung commune, and a small square hamlet around it (WGS 84).
LON, LAT = 105.862, 20.065


def square(lon: float, lat: float, half_deg: float = 0.004) -> shapely.Polygon:
    return shapely.box(lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)


@pytest.fixture
def hamlets_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"hamlet_id": ["T1", "T2"], "name": ["Thôn Đông", "Thôn Đoài"],
         "households": [120, 80]},
        geometry=[square(LON, LAT), square(LON + 0.008, LAT)], crs="EPSG:4326")


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def sample_copy(tmp_path: Path, name: str = "sample.toml", *, without_units: bool = False,
                replace: dict[str, str] | None = None) -> Path:
    """The sample scenario written to ``tmp_path`` with its data paths made absolute (so it
    reads the sample's files from there), optionally without ``[scenario] unit`` and
    ``plan_unit`` (checked against the old commune only) and with texts replaced first."""
    text = SAMPLE.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    if without_units:
        text = text.replace('unit = "14818"\n', "").replace('plan_unit = "14824"\n', "")
    base = SAMPLE.parent.as_posix()
    text = re.sub(r'"((?!/)[\w/]+\.(?:geojson|csv|gpkg|tif|kml))"',
                  lambda m: f'"{base}/{m[1]}"', text)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def with_a_hamlet_in_ninh_binh(tmp_path: Path) -> dict[str, str]:
    """The sample's hamlets and households with one more hamlet (NB01, 30 households) just
    across the province's border, in Ninh Bình, written to ``tmp_path``: the replacements
    for :func:`sample_copy` that read them."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    hamlets = gpd.read_file(SAMPLE.parent / "boundaries" / "hamlets.geojson")
    away = hamlets.iloc[[0]].copy()
    away["hamlet_id"], away["name"] = "NB01", "Thôn ngoài tỉnh"
    away["geometry"] = [shapely.box(105.905, 20.125, 105.915, 20.135)]
    more = tmp_path / "hamlets.geojson"
    pd.concat([hamlets, away]).to_file(more, driver="GeoJSON")
    homes = gpd.read_file(SAMPLE.parent / "households" / "households.gpkg", layer="households")
    extra = homes.iloc[:30].copy()
    extra["household_id"] = [f"NB{i:03d}" for i in range(30)]
    extra["hamlet_id"] = "NB01"
    extra["geometry"] = gpd.points_from_xy(105.906 + 0.0003 * np.arange(30), [20.13] * 30)
    houses = tmp_path / "households.gpkg"
    pd.concat([homes, extra]).to_file(houses, layer="households")
    return {'hamlets = "boundaries/hamlets.geojson"': f'hamlets = "{more.as_posix()}"',
            'path = "households/households.gpkg"': f'path = "{houses.as_posix()}"'}


def analyze_sample():
    """The bundled sample's analysis (its load warnings silenced)."""
    import warnings

    import coverage_gis as cg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cg.analyze(cg.load_project(SAMPLE))


def render_both(analysis, tmp_path_factory, prefix: str) -> dict[str, Path]:
    """{lang: folder} of ``analysis``'s whole output set in Vietnamese and in English."""
    import warnings

    from coverage_gis.outputs.writer import render_analysis

    out = {}
    for lang in ("vi", "en"):
        folder = tmp_path_factory.mktemp(f"{prefix}_{lang}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            render_analysis(analysis, folder, lang)
        out[lang] = folder
    return out


def digest(path: Path) -> str:
    """SHA-256 of a file, or of every file in a folder (to prove inputs are never modified)."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def small_scenario(tmp_path, hamlets_gdf):
    """Two hamlets, three sites (one 50 km away), two households, a fibre file of each kind."""
    hamlets_gdf.to_file(tmp_path / "thon.geojson")
    write_text(tmp_path / "sites.csv",
               "site_id,operator,technology,lon,lat\n"
               f"A,Viettel,4G,{LON},{LAT}\n"
               f"B,VinaPhone,4G,{LON + 0.01},{LAT}\n"
               f"FAR,MobiFone,4G,{LON + 0.5},{LAT}\n")
    write_text(tmp_path / "hh.csv", "household_id,is_cultural_house,lon,lat\n"
                                    f"H1,yes,{LON},{LAT}\nH2,no,{LON + 0.008},{LAT}\n")
    line = shapely.LineString([(LON, LAT), (LON + 0.01, LAT)])
    gpd.GeoDataFrame({"name": ["r1"]}, geometry=[line], crs=4326).to_file(
        tmp_path / "viettel.kml", driver="LIBKML")
    gpd.GeoDataFrame({"operator": ["VNPT"]}, geometry=[line], crs=4326).to_file(
        tmp_path / "vnpt.geojson")
    toml = write_text(tmp_path / "scenario.toml", """
[scenario]
name = "Thử nghiệm"
year = 2025

[layers]
hamlets = "thon.geojson"
sites = "sites.csv"
households = "hh.csv"
fibre = [{ path = "viettel.kml", operator = "Viettel" }, { path = "vnpt.geojson" }]

[coverage]
thresholds_dbm = { "4G" = -110.0 }
""")
    return toml


@pytest.fixture(autouse=True)
def _crash_logs_in_tmp(tmp_path_factory, monkeypatch):
    """Crash logs of the tests (exit code 3) go to a temporary folder, not the user's."""
    monkeypatch.setenv("COVERAGE_GIS_LOG_DIR", str(tmp_path_factory.getbasetemp() / "logs"))
