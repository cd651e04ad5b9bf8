"""Rows of a table as the writers read them (``outputs.records``): what ``iterrows`` gave, and
the same KMZ from either."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage_gis.outputs.records import Row, table_rows


def test_rows_read_like_iterrows_series():
    gdf = gpd.GeoDataFrame({"hamlet_id": ["T1", "T2"], "households": [12, 7],
                            "share": [0.5, np.nan], "note": ["a", None]},
                           geometry=[shapely.Point(1, 2), shapely.Point(3, 4)], crs=32648)
    rows = table_rows(gdf)
    series = [r for _, r in gdf.iterrows()]
    assert len(rows) == 2 and all(isinstance(r, Row) for r in rows)
    for row, s in zip(rows, series):
        assert list(row.index) == list(s.index)
        for col in s.index:
            a, b = row[col], s[col]
            assert (pd.isna(a) and pd.isna(b)) or a == b, col
            assert row.get(col) is row[col]
        assert "share" in row and "missing" not in row
        assert row.get("missing", "x") == "x"
        assert row.geometry.equals(s.geometry) and row.hamlet_id == s.hamlet_id
    assert rows[1]["households"] == 7 and isinstance(rows[1]["households"], int)
    assert math.isnan(rows[1]["share"])
    with pytest.raises(AttributeError):
        _ = rows[0].missing
    with pytest.raises(KeyError):
        _ = rows[0]["missing"]


def test_the_kmz_is_the_same_from_rows_as_from_iterrows(tmp_path, monkeypatch):
    """The KMZ's placemarks (names, styles, balloons, coordinates) are what ``iterrows``
    rows gave before: the same doc.kml byte for byte."""
    import zipfile

    from coverage_gis.outputs import exports

    gdf = gpd.GeoDataFrame(
        {"hamlet_id": ["T1", "T2", "T3"], "name": ["Thôn 1", "<b>Thôn 2</b> & {{x}}", None],
         "households": [12, 7, 0], "mobile_broadband_share": [0.95, 0.4, np.nan],
         "mobile_broadband_covered": [True, False, None],
         "ftth_covered": pd.array([True, None, False], dtype="boolean"),
         "operator": ["Viettel", "Nobody", None]},
        geometry=[shapely.box(0, 0, 100, 100),
                  shapely.MultiPolygon([shapely.box(200, 0, 300, 100),
                                        shapely.box(400, 0, 500, 100)]),
                  shapely.LineString([(0, 200), (50, 250)])], crs=32648)
    layers = {"Hamlets": (gdf, "name", exports.BALLOON_FIELDS["hamlets"]),
              "All": (gdf, "hamlet_id")}
    new = exports.write_kmz(layers, tmp_path / "rows.kmz", lang="vi")
    monkeypatch.setattr(exports, "table_rows", lambda df: [r for _, r in df.iterrows()])
    old = exports.write_kmz(layers, tmp_path / "iterrows.kmz", lang="vi")
    docs = [zipfile.ZipFile(p).read("doc.kml") for p in (new, old)]
    assert docs[0] == docs[1]
    assert b"#hamlet_met" in docs[0] and b"#hamlet_short_mobile" in docs[0] \
        and b"#hamlet_short_ftth" in docs[0]
