"""OpenStreetMap extracts (``.osm`` XML and ``.osm.pbf``) read into the project's layers with
pyosmium: roads, railways and buildings as household points.

Each reader takes only the OSM features that belong to its layer, so that nothing else slips in:

- :func:`read_osm_roads`: ways tagged ``highway`` with a road value
  (:data:`settings.OSM_ROAD_HIGHWAYS`; paths on request). Walls and kerbs (``barrier``), ferry
  routes (``route=ferry``), railways and building outlines carry no ``highway`` tag and are never
  read; ``highway=construction``, ``proposed``, ``platform``, ``steps``... and squares
  (``area=yes``) are left out and counted in ``attrs["excluded"]``.
- :func:`read_osm_railways`: ways tagged ``railway=rail`` or ``narrow_gauge``.
- :func:`read_osm_buildings`: building polygons (closed ways and multipolygon relations) and
  building nodes, residential types only (:data:`settings.OSM_NON_RESIDENTIAL_BUILDINGS` are
  left out), turned into household points by
  :func:`coverage_gis.io.buildings.households_from_buildings`.

The format is recognised from the file's first bytes (XML, PBF, gzip or bzip2-compressed XML),
not its name. A broken file raises :class:`InputError` naming the file (and the line, for XML).
Results are in WGS 84 unless ``to_crs`` says otherwise; ``osm_id`` is the OSM id (``osm_type``
``way``/``relation``/``node`` for buildings).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import osmium.filter
import osmium.geom
import shapely
import shapely.errors

from coverage_gis.config import settings
from coverage_gis.errors import InputError
from coverage_gis.io import schema
from coverage_gis.io.buildings import _finish as _finish_households
from coverage_gis.io.buildings import (
    _points_in,
    clip_area,
    footprint_areas_m2,
    households_from_buildings,
)
from coverage_gis.io.crs import WGS84, describe_crs, resolve_crs
from coverage_gis.io.schema import Problems

__all__ = ["read_osm_roads", "read_osm_railways", "read_osm_buildings", "road_class"]

PathLike = str | os.PathLike

_FORMAT_HINT = "an OpenStreetMap file (.osm XML or .osm.pbf)"


# --------------------------------------------------------------------------------------------
# The file
# --------------------------------------------------------------------------------------------

def _osm_file(path: PathLike) -> tuple[Path, osmium.io.File]:
    """The file and its libosmium format, recognised from the first bytes."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: file not found")
    if p.is_dir():
        raise InputError(f"{p}: is a folder; expected {_FORMAT_HINT}")
    with open(p, "rb") as fh:
        head = fh.read(64)
    if not head:
        raise InputError(f"{p.name}: is empty (0 bytes); expected {_FORMAT_HINT}")
    if head[:2] == b"\x1f\x8b":
        fmt = "osm.gz"
    elif head[:3] == b"BZh":
        fmt = "osm.bz2"
    elif head[4:].startswith(b"\n\tOSMHeader"):
        fmt = "pbf"
    elif head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<?xml", b"<osm")):
        fmt = "osm"
    else:
        shown = head[:24].decode("utf-8", "replace")
        raise InputError(f"{p.name}: is not {_FORMAT_HINT}: it starts with {shown!r}")
    return p, osmium.io.File(str(p), fmt)


def _objects(path: Path, processor: osmium.FileProcessor) -> Iterator[Any]:
    """Iterate a FileProcessor; libosmium's errors become an InputError naming the file."""
    try:
        yield from processor
    except osmium.InvalidLocationError as exc:  # lat="nan", "abc" (found by fuzzing)
        raise InputError(f"{path.name}: a node's lat or lon is not a number ({exc}); expected "
                         "degrees, e.g. lat=\"20.0691\" lon=\"105.8595\"") from exc
    except RuntimeError as exc:
        raise InputError(f"{path.name}: cannot be read as {_FORMAT_HINT} ({exc})") from exc


#: libosmium's mark of a location it does not know (a node an extract cut off).
_UNDEFINED = osmium.osm.Location().x


def _check_location(path: Path, node_id: int, location: Any, way_id: int | None = None) -> None:
    """A node's location that is given but no place on Earth (lat="95") is an error naming
    it; one an extract cut off (undefined) is not (found by fuzzing: such a node was
    skipped with no word)."""
    if location.x != _UNDEFINED and not location.valid():
        of = f"way {way_id}: " if way_id is not None else ""
        raise InputError(f"{path.name}: {of}node {node_id}: lat={location.lat_without_check():g} "
                         f"lon={location.lon_without_check():g} is outside -90..90, "
                         "-180..180 degrees")


def _check_ids(path: Path, way: Any) -> None:
    """Objects drawn in JOSM and never uploaded have negative ids, which libosmium's location
    index cannot hold: say so rather than lose them."""
    if way.id < 0 or any(n.ref < 0 for n in way.nodes):
        raise InputError(
            f"{path.name}: way {way.id} uses negative ids (objects drawn in an editor such as "
            "JOSM and never uploaded to OpenStreetMap), which cannot be read; renumber them "
            "first (e.g. `osmium renumber`, or save the layer as GeoJSON and use it as roads)")


def _line(path: Path, way: Any) -> shapely.Geometry | None:
    """A way's line from its nodes' locations (nodes an extract cut off are skipped); None
    when fewer than two are known."""
    coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
    if len(coords) < len(way.nodes):
        _check_ids(path, way)
        for n in way.nodes:
            _check_location(path, n.ref, n.location, way.id)
    return shapely.LineString(coords) if len(coords) >= 2 else None


def _lines_in(gdf: gpd.GeoDataFrame, area: shapely.Geometry | None) -> gpd.GeoDataFrame:
    """Lines cut to ``area``; a line cut into pieces gives one row per piece (ids ``-1``...)."""
    if area is None or gdf.empty:
        return gdf
    cut = shapely.intersection(np.asarray(gdf.geometry.values, dtype=object), area)
    gdf = gdf.set_geometry(gpd.GeoSeries(cut, index=gdf.index, crs=gdf.crs))
    lines = shapely.get_type_id(cut)
    gdf = gdf[~shapely.is_empty(cut) & np.isin(lines, (1, 5, 7))]
    gdf = gdf.explode(index_parts=True)
    gdf = gdf[gdf.geometry.geom_type == "LineString"]
    part = gdf.index.get_level_values(1).to_numpy()
    several = gdf.groupby(level=0)["road_id"].transform("size").to_numpy() > 1
    gdf["road_id"] = [f"{r}-{k + 1}" if s else r
                      for r, k, s in zip(gdf["road_id"], part, several)]
    return gdf.reset_index(drop=True)


def _layer(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=WGS84))
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def _to(gdf: gpd.GeoDataFrame, to_crs: Any) -> gpd.GeoDataFrame:
    attrs = dict(gdf.attrs)
    attrs["file_crs"] = describe_crs(WGS84)
    out = gdf if to_crs is None else gdf.to_crs(resolve_crs(to_crs))
    out = out.reset_index(drop=True)
    out.attrs = attrs
    return out


# --------------------------------------------------------------------------------------------
# Roads
# --------------------------------------------------------------------------------------------

_NATIONAL = re.compile(settings.OSM_NATIONAL_ROAD_REF, re.IGNORECASE)


def is_national_road(ref: str | None) -> bool:
    """Whether one of a way's refs (``;``-separated) is a Vietnamese national road (``QL``)."""
    return bool(ref) and any(_NATIONAL.match(r) for r in str(ref).split(";"))


def road_class(tags: dict[str, str], include_paths: bool = False) -> tuple[str | None, str]:
    """The ``road_class`` of a way's tags, or ``(None, why)`` for a way that is no road.

    ``*_link`` takes its road's class; a national road (``ref=QL...``) tagged below primary is
    ``primary``. ``why`` names the excluding tag (``"highway=construction"``, ``"area=yes"``).
    """
    highway = tags.get("highway", "")
    if not highway:
        return None, "no highway tag"
    if tags.get("area") == "yes":
        return None, "area=yes"
    if tags.get("route") == "ferry":
        return None, "route=ferry"
    base = highway.removesuffix("_link")
    allowed = settings.OSM_ROAD_HIGHWAYS + (settings.OSM_PATH_HIGHWAYS if include_paths else ())
    if base not in allowed:
        return None, f"highway={highway}"
    if is_national_road(tags.get("ref")) and base not in ("motorway", "trunk", "primary"):
        return "primary", ""
    return base, ""


def read_osm_roads(path: PathLike, *, bbox: Any = None, include_paths: bool | None = None,
                   to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Roads from an OSM extract: ``highway`` ways with a road value, nothing else.

    Parameters
    ----------
    path
        ``.osm`` or ``.osm.pbf`` (also gzip/bzip2-compressed XML).
    bbox
        Cut the roads to this area: ``(min_lon, min_lat, max_lon, max_lat)``, a polygon in
        WGS 84 or a GeoDataFrame (see :func:`coverage_gis.io.buildings.clip_area`).
    include_paths
        Also read footways and paths (default :data:`settings.OSM_INCLUDE_PATHS`).
    to_crs
        CRS of the result (default WGS 84).

    Returns
    -------
    GeoDataFrame
        The roads contract (``road_id`` = ``osm_way_<id>``, ``name``, ``road_class``) plus
        ``osm_id``, ``ref``, ``highway`` (the tag) and ``national_road``.
        ``attrs["excluded"]`` counts the ``highway`` ways left out, by tag.
    """
    p, file = _osm_file(path)
    paths = settings.OSM_INCLUDE_PATHS if include_paths is None else bool(include_paths)
    processor = (osmium.FileProcessor(file, osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations().with_filter(osmium.filter.KeyFilter("highway")))
    rows: list[dict[str, Any]] = []
    excluded: Counter[str] = Counter()
    for obj in _objects(p, processor):
        if not obj.is_way():
            continue
        tags = dict(obj.tags)
        cls, why = road_class(tags, paths)
        line = _line(p, obj) if cls else None
        if cls is None or line is None:
            excluded[why or "nodes outside the extract"] += 1
            continue
        rows.append({"road_id": f"osm_way_{obj.id}", "osm_id": obj.id,
                     "name": tags.get("name"), "ref": tags.get("ref"), "highway": tags["highway"],
                     "road_class": cls, "national_road": is_national_road(tags.get("ref")),
                     "geometry": line})
    gdf = _lines_in(_layer(rows, ("road_id",)), clip_area(bbox))
    if gdf.empty:
        raise InputError(f"{p.name}: holds no road (ways tagged highway with one of "
                         f"{', '.join(settings.OSM_ROAD_HIGHWAYS)}) in the area; left out: "
                         f"{_counts(excluded)}")
    out = schema.validate_roads(gdf, Problems(p.name, "feature"))
    out.attrs["excluded"] = dict(excluded)
    return _to(out, to_crs)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {k}" for k, n in counter.most_common()) or "nothing"


# --------------------------------------------------------------------------------------------
# Railways
# --------------------------------------------------------------------------------------------

def read_osm_railways(path: PathLike, *, bbox: Any = None,
                      values: tuple[str, ...] | None = None,
                      to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Railway lines (``railway=rail`` and ``narrow_gauge``, :data:`settings.OSM_RAILWAYS`) for
    crossing flags; metro, tram, disused and planned lines are left out.

    Returns the railway layer's contract (``road_id`` = ``osm_way_<id>``, ``name``) with
    ``osm_id`` and ``railway``; an extract without railways gives an empty layer, not an error.
    """
    p, file = _osm_file(path)
    wanted = settings.OSM_RAILWAYS if values is None else tuple(values)
    processor = (osmium.FileProcessor(file, osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations().with_filter(osmium.filter.KeyFilter("railway")))
    rows = []
    for obj in _objects(p, processor):
        if not obj.is_way() or obj.tags.get("railway") not in wanted:
            continue
        line = _line(p, obj)
        if line is not None:
            rows.append({"road_id": f"osm_way_{obj.id}", "osm_id": obj.id,
                         "name": obj.tags.get("name"), "railway": obj.tags.get("railway"),
                         "geometry": line})
    gdf = _lines_in(_layer(rows, ("road_id", "osm_id", "name", "railway")), clip_area(bbox))
    if gdf.empty:
        return _to(gdf, to_crs)
    return _to(schema.validate_roads(gdf, Problems(p.name, "feature")), to_crs)


# --------------------------------------------------------------------------------------------
# Buildings
# --------------------------------------------------------------------------------------------

def _flats(tags: Any) -> float:
    """``building:flats`` as a number of dwellings (NaN when absent or not a whole number)."""
    text = (tags.get("building:flats") or "").strip()
    return float(text) if text.isdigit() and int(text) >= 1 else float("nan")


def _height_m(tags: Any) -> float:
    """A building's height (m): its ``height`` tag (metres: ``12``, ``12.5 m``), else
    ``building:levels`` × :data:`settings.BUILDING_STOREY_M`; NaN when neither is a number
    (feet and other units are not read)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:m)?\s*", tags.get("height") or "")
    if found and float(found.group(1)) > 0:
        return float(found.group(1))
    levels = (tags.get("building:levels") or "").strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", levels) and float(levels) > 0:
        return float(levels) * settings.BUILDING_STOREY_M
    return float("nan")


def _building_row(path: Path, obj: Any, wkb: Callable[[Any], str]) -> dict[str, Any] | None:
    """One building (area or node) as a row, or None when its polygon cannot be built."""
    tags = obj.tags
    if obj.is_node():
        kind, osm_id = "node", obj.id
        _check_location(path, obj.id, obj.location)
        geom = shapely.Point(obj.location.lon, obj.location.lat)
    else:
        kind = "way" if obj.from_way() else "relation"
        osm_id = obj.orig_id()
        try:
            geom = shapely.from_wkb(wkb(obj))
        except (RuntimeError, shapely.errors.GEOSException):
            return None
    return {"household_id": f"osm_{kind}_{osm_id}", "osm_type": kind, "osm_id": osm_id,
            "building": tags.get("building"), "dwellings": _flats(tags),
            "height_m": _height_m(tags), "geometry": geom}


def _osm_buildings(p: Path, file: osmium.io.File) -> tuple[gpd.GeoDataFrame, Counter[str]]:
    """Residential building polygons and nodes, and the counts of what was left out."""
    processor = (osmium.FileProcessor(file).with_areas()
                 .with_filter(osmium.filter.KeyFilter("building")))
    factory = osmium.geom.WKBFactory()
    rows, excluded = [], Counter[str]()
    for obj in _objects(p, processor):
        if obj.is_way():
            _check_ids(p, obj)
            for n in obj.nodes:
                _check_location(p, n.ref, n.location, obj.id)
        if not (obj.is_area() or obj.is_node()):
            continue
        value = obj.tags.get("building", "")
        if value in settings.OSM_NON_RESIDENTIAL_BUILDINGS:
            excluded[f"building={value}"] += 1
            continue
        row = _building_row(p, obj, factory.create_multipolygon)
        if row is None:
            excluded["invalid polygon"] += 1
        else:
            rows.append(row)
    gdf = _layer(rows, ("household_id", "osm_type", "osm_id", "building", "dwellings",
                        "height_m"))
    if not gdf.empty:
        area = footprint_areas_m2(gdf.geometry)
        area[gdf["osm_type"].to_numpy() == "node"] = np.nan  # unknown: kept
        gdf["area_m2"] = area
    return gdf, excluded


def read_osm_buildings(path: PathLike, *, bbox: Any = None, min_area_m2: float | None = None,
                       dwellings_per_building: int | None = None,
                       to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Household points from the residential buildings of an OSM extract.

    Parameters
    ----------
    path
        ``.osm`` or ``.osm.pbf``.
    bbox
        Keep buildings whose point lies in this area (see
        :func:`coverage_gis.io.buildings.clip_area`).
    min_area_m2
        Smaller footprints are left out (m²; default :data:`settings.BUILDING_MIN_AREA_M2`,
        20 m²). Buildings mapped as a node have no area and are kept.
    dwellings_per_building
        Households per building (default :data:`settings.BUILDING_DWELLINGS`, 1); a building's
        ``building:flats`` tag replaces it. An ``apartments`` block without that tag counts
        this many (an undercount: tag it, or raise this).
    to_crs
        CRS of the result (default WGS 84).

    Returns
    -------
    GeoDataFrame
        Households contract: ``household_id`` = ``osm_<type>_<id>`` (``-1``, ``-2``... per
        dwelling when a building has several), ``building`` (the tag), ``area_m2``,
        ``dwellings``, ``osm_type``, ``osm_id`` and ``source`` = ``OpenStreetMap (ODbL)``.
        ``attrs["buildings"]`` counts footprints, kept, too small and households;
        ``attrs["excluded"]`` the non-residential ones by tag.
    """
    p, file = _osm_file(path)
    gdf, excluded = _osm_buildings(p, file)
    if gdf.empty:
        raise InputError(f"{p.name}: holds no residential building (building=*); left out: "
                         f"{_counts(excluded)}")
    points = households_from_buildings(gdf, min_area_m2, dwellings_per_building,
                                       source=settings.BUILDING_SOURCES["osm"])
    counts = dict(points.attrs["buildings"])
    points = _points_in(points, clip_area(bbox))
    out = _finish_households(points, Problems(p.name, "feature"), counts, "osm", to_crs)
    out.attrs["excluded"] = dict(excluded)
    return out
