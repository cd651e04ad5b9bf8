"""Shared fixtures: small files the tests write themselves, and the bundled sample."""

from __future__ import annotations

import hashlib
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


def digest(path: Path) -> str:
    """SHA-256 of a file, or of every file in a folder (to prove inputs are never modified)."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()
