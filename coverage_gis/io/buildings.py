"""Building footprints as households: Google Open Buildings CSV, Microsoft building footprints,
and any building polygons given as the households layer.

A building becomes one household point per dwelling, placed at its centroid when the centroid
lies inside the footprint and otherwise at a point inside it (``representative_point``: for a
U-shaped house or a courtyard block the centroid can fall outside). Footprints smaller than
``min_area_m2`` (default :data:`settings.BUILDING_MIN_AREA_M2`) are dropped; each kept footprint
counts ``dwellings_per_building`` households (default :data:`settings.BUILDING_DWELLINGS`) unless
it carries its own count (a ``dwellings`` column, OSM's ``building:flats``). Several dwellings of
one building are stacked at one point, their ids suffixed ``-1``, ``-2``...

Formats, recognised from the content (not the file name; gzip-compressed files are read too):

- **Google Open Buildings v3** CSV: ``latitude,longitude,area_in_meters,confidence,geometry,
  full_plus_code`` (``geometry`` a WKT polygon in WGS 84; the per-cell files without a header
  are read too). Detections under ``min_confidence`` (default
  :data:`settings.OPEN_BUILDINGS_MIN_CONFIDENCE`, 0.75) are dropped.
- **Microsoft Global ML Building Footprints**: one GeoJSON Feature per line (the ``.csv.gz``
  and ``.geojsonl`` files), ``properties.height`` (m, -1 = unknown) and
  ``properties.confidence`` (-1 = unknown, kept unless ``min_confidence`` is given).

Output columns: ``household_id``, ``building`` (building type where known, else ``yes``),
``area_m2``, ``dwellings`` (of its building), ``source`` (the data's name and licence), and per
format ``confidence``, ``full_plus_code`` or ``height_m``; points in WGS 84 (or ``to_crs``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.errors
import shapely.geometry

from coverage_gis.config import settings
from coverage_gis.errors import InputError
from coverage_gis.io import schema
from coverage_gis.io.boundary import bom_codec
from coverage_gis.io.crs import WGS84, describe_crs, resolve_crs
from coverage_gis.io.schema import Problems

__all__ = ["read_building_footprints", "households_from_buildings", "footprints_as_points",
           "footprint_areas_m2", "clip_area"]

PathLike = str | os.PathLike

OPEN_BUILDINGS_COLUMNS: tuple[str, ...] = ("latitude", "longitude", "area_in_meters",
                                           "confidence", "geometry", "full_plus_code")
_EXPECTED = ("a Google Open Buildings CSV (header latitude,longitude,area_in_meters,confidence,"
             "geometry,full_plus_code) or Microsoft building footprints (one GeoJSON Feature "
             "per line; or one GeoJSON FeatureCollection of Polygons)")


# --------------------------------------------------------------------------------------------
# Footprints -> household points
# --------------------------------------------------------------------------------------------

def footprint_areas_m2(geoms: gpd.GeoSeries) -> np.ndarray:
    """Areas (m²) of polygons in any CRS: computed in the data's UTM zone when the CRS is
    geographic (WGS 84 longitude/latitude), else in the CRS itself (assumed metric)."""
    if len(geoms) == 0:
        return np.zeros(0)
    if geoms.crs is not None and geoms.crs.is_geographic:
        geoms = geoms.to_crs(geoms.estimate_utm_crs())
    return np.array(geoms.area, dtype=float)


def _inside_points(geoms: np.ndarray) -> np.ndarray:
    """Centroid where it lies inside the polygon, else a point surely inside it."""
    centroids = shapely.centroid(geoms)
    inside = shapely.contains_properly(geoms, centroids)
    out = centroids.copy()
    if (~inside).any():
        out[~inside] = shapely.point_on_surface(geoms[~inside])
    return out


def _dwellings(gdf: gpd.GeoDataFrame, dwellings_per_building: int) -> np.ndarray:
    """Dwellings per row: a ``dwellings`` column where given (whole number >= 1), else the
    default."""
    out = np.full(len(gdf), int(dwellings_per_building), dtype=int)
    if "dwellings" in gdf.columns:
        given = pd.to_numeric(gdf["dwellings"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(given) & (given >= 1) & (given <= settings.BUILDING_MAX_FLATS)
        out[ok] = np.round(given[ok]).astype(int)
    return out


def households_from_buildings(gdf: gpd.GeoDataFrame, min_area_m2: float | None = None,
                              dwellings_per_building: int | None = None, *,
                              id_column: str = "household_id",
                              source: str | None = None) -> gpd.GeoDataFrame:
    """Household points from building polygons (one per dwelling), in ``gdf``'s CRS.

    Parameters
    ----------
    gdf
        Building polygons with a CRS. Optional columns: ``household_id`` (or ``id_column``),
        ``area_m2`` (else computed), ``dwellings`` (per building, else the default); any other
        column is kept.
    min_area_m2
        Smaller footprints are dropped (m²); default :data:`settings.BUILDING_MIN_AREA_M2`.
    dwellings_per_building
        Households per footprint where no ``dwellings`` is given; default
        :data:`settings.BUILDING_DWELLINGS`.
    source
        Written to a ``source`` column when given.

    Returns
    -------
    GeoDataFrame
        Points (index reset), with ``area_m2`` and ``dwellings``; ``attrs["buildings"]`` counts
        the footprints read, kept and dropped as too small.
    """
    out = _building_points(gdf, min_area_m2, dwellings_per_building, id_column=id_column,
                           source=source)
    attrs = dict(out.attrs)
    out = out.reset_index(drop=True)
    out.attrs = attrs
    return out


def _building_points(gdf: gpd.GeoDataFrame, min_area_m2: float | None,
                     dwellings_per_building: int | None, *, id_column: str,
                     source: str | None) -> gpd.GeoDataFrame:
    """:func:`households_from_buildings` with the index kept: each point has its building's
    index label (repeated for the dwellings of one building)."""
    min_area = settings.BUILDING_MIN_AREA_M2 if min_area_m2 is None else float(min_area_m2)
    per = settings.BUILDING_DWELLINGS if dwellings_per_building is None else dwellings_per_building
    if int(per) < 1 or min_area < 0:
        raise InputError(f"dwellings_per_building={per} and min_area_m2={min_area:g}: expected "
                         "a whole number >= 1 and an area >= 0 m²")
    out = gdf.copy()
    if "area_m2" not in out.columns:
        out["area_m2"] = footprint_areas_m2(out.geometry)
    area = pd.to_numeric(out["area_m2"], errors="coerce").to_numpy(dtype=float)
    big = ~(area < min_area)  # an unknown area (a building mapped as a point) is kept
    out = out[big].copy()
    out["dwellings"] = _dwellings(out, int(per))
    counts = {"footprints": len(gdf), "kept": int(big.sum()), "too_small": int((~big).sum()),
              "households": int(out["dwellings"].sum())}
    points = _inside_points(np.asarray(out.geometry.values, dtype=object))
    out = out.set_geometry(gpd.GeoSeries(points, index=out.index, crs=gdf.crs))
    if id_column in out.columns:
        out = _repeat_dwellings(out, id_column)
    if source is not None:
        out["source"] = source
    out.attrs = {**gdf.attrs, "buildings": counts, "min_area_m2": min_area}
    return out


def _repeat_dwellings(gdf: gpd.GeoDataFrame, id_column: str) -> gpd.GeoDataFrame:
    """One row per dwelling; ids of buildings with several get ``-1``, ``-2``... suffixes."""
    n = gdf["dwellings"].to_numpy(dtype=int)
    if (n == 1).all():
        return gdf
    rows = gdf.loc[gdf.index.repeat(n)].copy()
    rank = np.concatenate([np.arange(1, k + 1) for k in n]) if len(n) else np.zeros(0, int)
    several = np.repeat(n > 1, n)
    ids = rows[id_column].astype(str).to_numpy(dtype=object)
    ids[several] = [f"{i}-{r}" for i, r in zip(ids[several], rank[several])]
    rows[id_column] = ids
    return rows


def _feature_labels(index: pd.Index) -> pd.Index:
    """``index`` (0-based feature numbers of the file, repeated for the dwellings of one
    building) made unique while naming the same features: the dwellings of a building after
    its first get fractional labels (feature 5 with 4 dwellings: 5, 5.25, 5.5, 5.75), which
    :class:`~coverage_gis.io.schema.Problems` numbers ``int(label) + 1`` as the first."""
    if index.is_unique:
        return index
    labels = pd.Series(index.to_numpy(dtype=float))
    groups = labels.groupby(labels.to_numpy())
    rank = groups.cumcount().to_numpy(dtype=float)
    size = groups.transform("size").to_numpy(dtype=float)
    return pd.Index(labels.to_numpy() + rank / size)


def footprints_as_points(gdf: gpd.GeoDataFrame, problems: Problems,
                         min_area_m2: float | None = None,
                         dwellings_per_building: int | None = None) -> gpd.GeoDataFrame:
    """For the households loader: building polygons among the features become household points
    (see :func:`households_from_buildings`), with a warning saying so; points and anything
    else are left as they are (the schema checks them). ``household_id`` values are kept.

    The footprints are checked first as any layer's polygons are
    (:func:`coverage_gis.io.schema._check_geometry`): NaN or infinite coordinates are errors
    naming the feature, invalid polygons (a self-intersecting "bow-tie", whose signed area
    cancels) are repaired with ``make_valid`` before their area is measured, with a warning.
    Footprints with errors are left as they are and marked in ``problems.bad_geometry``.
    Each point keeps its building's index label (the file's feature number), so that later
    problems name the file's feature, not a position among the points.
    """
    types = shapely.get_type_id(np.asarray(gdf.geometry.values, dtype=object))
    poly = np.isin(types, (3, 6))
    if not poly.any():
        return gdf
    order = np.arange(len(gdf))
    polys = gdf[poly].assign(_order=order[poly])
    if "household_id" not in polys.columns:
        polys = polys.assign(household_id=[f"B{i + 1}" for i in order[poly]])
    good = schema._check_geometry(polys, "polygon", problems).to_numpy(dtype=bool)
    problems.bad_geometry.update(polys.index[~good])
    parts = [gdf[~poly].assign(_order=order[~poly]), polys[~good]]
    if good.any():
        points = _building_points(polys[good], min_area_m2, dwellings_per_building,
                                  id_column="household_id",
                                  source=settings.BUILDING_SOURCES["file"])
        counts = points.attrs["buildings"]
        problems.warn(
            f"{counts['footprints']} feature(s) are building polygons: taken as households at "
            f"their centroids (a point inside each polygon), {counts['too_small']} smaller "
            f"than {points.attrs['min_area_m2']:g} m² left out, {counts['households']} "
            "household(s) made")
        parts.append(points)
    merged = pd.concat(parts).sort_values("_order", kind="stable").drop(columns="_order")
    merged.index = _feature_labels(merged.index)
    out = gpd.GeoDataFrame(merged, geometry="geometry", crs=gdf.crs)
    out.attrs = dict(gdf.attrs)
    return out


def clip_area(area: Any) -> shapely.Geometry | None:
    """The study area to keep features in: ``None``, a ``(min_lon, min_lat, max_lon, max_lat)``
    box, a shapely (multi)polygon in WGS 84, or a GeoDataFrame/GeoSeries in any CRS."""
    if area is None:
        return None
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        geoms = area.geometry if isinstance(area, gpd.GeoDataFrame) else area
        if geoms.crs is not None:
            geoms = geoms.to_crs(WGS84)
        return shapely.union_all(np.asarray(geoms.values, dtype=object))
    if isinstance(area, shapely.Geometry):
        return area
    try:
        x0, y0, x1, y1 = (float(v) for v in area)
    except (TypeError, ValueError):
        raise InputError(f"bbox={area!r}: expected (min_lon, min_lat, max_lon, max_lat) in "
                         "WGS 84, a polygon, or a GeoDataFrame") from None
    if not (x0 < x1 and y0 < y1 and -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90):
        raise InputError(f"bbox={area!r}: expected (min_lon, min_lat, max_lon, max_lat) in "
                         "WGS 84 with min < max")
    return shapely.box(x0, y0, x1, y1)


def _points_in(gdf: gpd.GeoDataFrame, area: shapely.Geometry | None) -> gpd.GeoDataFrame:
    if area is None or gdf.empty:
        return gdf
    shapely.prepare(area)
    keep = shapely.intersects(area, np.asarray(gdf.geometry.values, dtype=object))
    return gdf[keep]


# --------------------------------------------------------------------------------------------
# Reading the files
# --------------------------------------------------------------------------------------------

def _open_text(path: Path) -> io.TextIOBase:
    """The file (gzipped or not) as text: the byte-order mark names UTF-8, UTF-16 or UTF-32
    (a table saved as Excel's "Unicode Text"), else UTF-8."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    raw: Any = gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")
    return io.TextIOWrapper(raw, encoding=bom_codec(raw.peek(4)) or "utf-8-sig", newline="")


def _first_line(path: Path) -> tuple[int, str]:
    """(line number, text) of the first non-blank line."""
    try:
        with _open_text(path) as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    return n, line.strip()
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError) as exc:
        raise InputError(f"{path.name}: cannot be read as text ({type(exc).__name__}: {exc}); "
                         f"expected {_EXPECTED}") from exc
    raise InputError(f"{path.name}: holds no data; expected {_EXPECTED}")


def _detect(path: Path) -> str:
    """``"microsoft"`` or ``"google"`` from the first line, else an InputError."""
    n, line = _first_line(path)
    if line.startswith("{"):
        return "microsoft"
    head = [c.strip().strip('"').lower() for c in next(csv.reader([line]))]
    if head[:4] == list(OPEN_BUILDINGS_COLUMNS[:4]) and "geometry" in head:
        return "google"
    if len(head) >= 5 and _is_number(head[0]) and _is_number(head[1]):
        return "google"  # the per-cell files without a header
    shown = line if len(line) <= 80 else line[:77] + "..."
    raise InputError(f"{path.name} line {n}: {shown!r} is not a building footprints file; "
                     f"expected {_EXPECTED}")


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of each CSV record (a quoted WKT may span lines)."""
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        start = 1
        for row in reader:
            if any(c.strip() for c in row):
                yield start, row
            start = reader.line_num + 1


def _google_rows(path: Path, problems: Problems) -> pd.DataFrame:
    """The raw records, with ``line`` (the line each record starts on)."""
    columns = list(OPEN_BUILDINGS_COLUMNS)
    rows: list[list[Any]] = []
    for n, row in _csv_records(path):
        if [c.strip().lower() for c in row[:4]] == columns[:4]:
            columns = [c.strip().lower() for c in row]
            continue
        if len(row) != len(columns):
            problems.error(f"has {len(row)} fields; expected {len(columns)} "
                           f"({','.join(columns)})", n - 1)
            continue
        rows.append([n, *row])
    problems.raise_if_any()
    missing = [c for c in ("confidence", "geometry") if c not in columns]
    if missing:
        raise InputError(f"{path.name} line 1: the header lacks {', '.join(missing)}; "
                         f"expected {_EXPECTED}")
    return pd.DataFrame(rows, columns=["line", *columns])


def _number_column(df: pd.DataFrame, column: str, problems: Problems,
                   low: float, high: float) -> np.ndarray:
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < low) | (values > high)
    for i in np.flatnonzero(bad):
        problems.error(f"is not a number in {low:g}..{high:g}", int(df["line"].iat[i]) - 1,
                       column, df[column].iat[i])
    return values


def _read_google(path: Path, problems: Problems, min_confidence: float | None
                 ) -> tuple[gpd.GeoDataFrame, int]:
    df = _google_rows(path, problems)
    conf = _number_column(df, "confidence", problems, 0.0, 1.0)
    with warnings.catch_warnings():  # a NaN or infinite coordinate: refused below
        warnings.simplefilter("ignore", RuntimeWarning)
        geoms = shapely.from_wkt(df["geometry"].to_numpy(dtype=object), on_invalid="ignore")
    types = shapely.get_type_id(geoms)
    for i in np.flatnonzero(~np.isin(types, (3, 6)) | shapely.is_empty(geoms)):
        shown = str(df["geometry"].iat[i])[:40]
        problems.error("is not a WKT POLYGON or MULTIPOLYGON", int(df["line"].iat[i]) - 1,
                       "geometry", shown)
    for i in _off_the_globe(geoms):
        problems.error(_OFF_GLOBE, int(df["line"].iat[i]) - 1, "geometry",
                       str(df["geometry"].iat[i])[:40])
    area = (_number_column(df, "area_in_meters", problems, 0.0, 1e7)
            if "area_in_meters" in df.columns else None)
    problems.raise_if_any()
    threshold = (settings.OPEN_BUILDINGS_MIN_CONFIDENCE if min_confidence is None
                 else float(min_confidence))
    keep = conf >= threshold
    plus = (df["full_plus_code"].astype(str).str.strip() if "full_plus_code" in df.columns
            else pd.Series("", index=df.index))
    ids = [f"gob_{p}" if p else f"gob_line{n}" for p, n in zip(plus, df["line"])]
    out = gpd.GeoDataFrame({"household_id": ids, "building": "yes", "confidence": conf,
                            "full_plus_code": plus.to_numpy(dtype=object)},
                           geometry=gpd.GeoSeries(geoms, crs=WGS84))
    if area is not None:
        out["area_m2"] = area
    return out[keep], int((~keep).sum())


#: A footprint with a coordinate that is no longitude or latitude (found by fuzzing: an
#: infinite one was kept, its household put at another vertex, or crashed the UTM zone's
#: search).
_OFF_GLOBE = ("has a coordinate that is no longitude/latitude (NaN, infinite, or outside "
              "-180..180, -90..90); expected WGS 84 degrees")


def _off_the_globe(geoms: np.ndarray) -> np.ndarray:
    """Positions of the geometries with a non-finite coordinate or one outside -180..180 by
    -90..90 degrees."""
    xy, at = shapely.get_coordinates(geoms, return_index=True)
    bad = ~(np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90))
    return np.unique(at[bad])


def _ms_feature(line: str | Any, n: int, problems: Problems
                ) -> tuple[Any, float, float] | None:
    """(geometry mapping, height_m, confidence) of one GeoJSON-lines Feature (a line, or a
    Feature already parsed), or None."""
    try:
        feat = json.loads(line) if isinstance(line, str) else line
    except json.JSONDecodeError as exc:
        problems.error(f"is not valid JSON ({exc.msg}, column {exc.colno}); expected one "
                       "GeoJSON Feature per line", n - 1)
        return None
    geom = feat.get("geometry") if isinstance(feat, dict) else None
    if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geom.get("type") if isinstance(geom, dict) else type(feat).__name__
        problems.error(f"holds a {kind}; expected a GeoJSON Feature with a Polygon geometry",
                       n - 1)
        return None
    props = feat.get("properties") or {}
    return geom, _num(props.get("height")), _num(props.get("confidence"))


def _num(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) and v >= 0 else math.nan  # -1 means unknown


def _feature_collection(path: Path) -> list[Any] | None:
    """The Features of a file that is one GeoJSON FeatureCollection (not GeoJSON lines, as a
    GIS saves footprints), else None."""
    with _open_text(path) as fh:
        try:
            doc = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features")
        return features if isinstance(features, list) else []
    return None


def _microsoft_features(path: Path, problems: Problems) -> Iterator[tuple[int, Any]]:
    """(number, line or Feature) of a GeoJSON-lines file, one per Feature; of a
    FeatureCollection, its Features (numbered from 1; ``problems`` then count features)."""
    with _open_text(path) as fh:
        first = next((line for line in fh if line.strip()), "")
    try:  # a FeatureCollection on one line (found by a review: refused) or across lines
        one = json.loads(first)
        whole = isinstance(one, dict) and one.get("type") == "FeatureCollection"
    except json.JSONDecodeError:
        whole = True
    if whole:
        features = _feature_collection(path)
        if features is not None:
            problems.unit = "feature"
            yield from enumerate(features, 1)
            return
    with _open_text(path) as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                yield n, line


def _read_microsoft(path: Path, problems: Problems, min_confidence: float | None
                    ) -> tuple[gpd.GeoDataFrame, int]:
    ids, geoms, heights, confs = [], [], [], []
    for n, line in _microsoft_features(path, problems):
        got = _ms_feature(line, n, problems)
        if got is None:
            continue
        try:
            with warnings.catch_warnings():  # a NaN or infinite coordinate: refused below
                warnings.simplefilter("ignore", RuntimeWarning)
                geom = shapely.geometry.shape(got[0])
        except (ValueError, TypeError, IndexError, shapely.errors.GEOSException) as exc:
            problems.error(f"has coordinates that make no polygon ({exc})", n - 1)
            continue
        if _off_the_globe(np.array([geom], dtype=object)).size:
            problems.error(_OFF_GLOBE, n - 1)
            continue
        geoms.append(geom)
        ids.append(f"msb_line{n}")
        heights.append(got[1])
        confs.append(got[2])
    problems.raise_if_any()
    conf = np.asarray(confs, dtype=float)
    keep = np.ones(len(conf), dtype=bool)
    if min_confidence is not None:
        keep = np.isnan(conf) | (conf >= float(min_confidence))
    out = gpd.GeoDataFrame({"household_id": ids, "building": "yes", "height_m": heights,
                            "confidence": conf},
                           geometry=gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=WGS84))
    return out[keep], int((~keep).sum())


def read_building_footprints(path: PathLike, *, min_confidence: float | None = None,
                             min_area_m2: float | None = None,
                             dwellings_per_building: int | None = None, bbox: Any = None,
                             to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Household points from a Google Open Buildings CSV or a Microsoft footprints file.

    Parameters
    ----------
    path
        The file (plain or gzip-compressed); its format is recognised from its content.
    min_confidence
        Google: detections below it are dropped (default 0.75,
        :data:`settings.OPEN_BUILDINGS_MIN_CONFIDENCE`). Microsoft: no filter unless given;
        unknown confidences (-1) are always kept.
    min_area_m2, dwellings_per_building
        See :func:`households_from_buildings`.
    bbox
        Keep only buildings whose point lies in this area (see :func:`clip_area`).
    to_crs
        CRS of the result (default WGS 84; ``None`` keeps WGS 84).

    Returns
    -------
    GeoDataFrame
        Household points (see the module's docstring for the columns); ``attrs["buildings"]``
        holds the counts (footprints, kept, too small, low confidence, households).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: file not found" if not p.exists()
                         else f"{p}: is a folder; expected a file")
    kind = _detect(p)
    problems = Problems(p.name, "line")
    read = _read_google if kind == "google" else _read_microsoft
    gdf, low = read(p, problems, min_confidence)
    if gdf.empty:
        raise InputError(f"{p.name}: no building is left: all {low} are under the minimum "
                         "confidence")
    points = households_from_buildings(gdf, min_area_m2, dwellings_per_building,
                                       source=settings.BUILDING_SOURCES[kind])
    counts = {**points.attrs["buildings"], "low_confidence": low}
    points = _points_in(points, clip_area(bbox))
    return _finish(points, problems, counts, kind, to_crs)


def _finish(points: gpd.GeoDataFrame, problems: Problems, counts: dict[str, int], kind: str,
            to_crs: Any) -> gpd.GeoDataFrame:
    """Validate as the households contract and move to ``to_crs``."""
    if points.empty:
        raise InputError(f"{problems.source}: no building is left in the study area")
    raw = points.reset_index(drop=True)
    out = schema.validate_households(raw, Problems(problems.source, "feature"))
    out.attrs.update({"buildings": counts, "format": kind, "file_crs": describe_crs(WGS84)})
    if to_crs is not None:
        attrs = dict(out.attrs)
        out = out.to_crs(resolve_crs(to_crs))
        out.attrs = attrs
    return out.reset_index(drop=True)
