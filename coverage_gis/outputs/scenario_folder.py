"""A ready scenario folder for one 2025 administrative unit (``coverage-gis init``).

:func:`write_scenario_folder` writes, as one output set (:mod:`coverage_gis.outputs.outset`:
all or nothing, never over inputs, never over files the user added):

- ``scenario.toml``: ``[scenario] unit = "CODE"``, the layers written below, and commented
  lines for what is missing;
- ``boundary/unit.geojson``: the unit's bundled boundary (:mod:`coverage_gis.io.units`), the
  ``commune`` layer;
- from ``--osm`` (.osm or .osm.pbf, :mod:`coverage_gis.io.osm`): ``roads/roads.gpkg``
  (``highway`` ways only, cut to the unit plus ``settings.RASTER_MARGIN_M``),
  ``railway/railway.gpkg`` (when the extract has main-line railways there) and
  ``households/households.gpkg`` (residential buildings inside the unit, one point per
  dwelling);
- from ``--buildings`` (Google Open Buildings CSV, Microsoft footprints,
  :mod:`coverage_gis.io.buildings`): ``households/households.gpkg`` instead of the OSM
  buildings;
- from ``--cells`` (OpenCelliD cells or an operator's cell list, ``read_sites``):
  ``sites/sites.gpkg``, the cells within ``settings.STUDY_AREA_MARGIN_M`` of the unit (the
  neighbours' cells that can serve it; ``load_project`` keeps the same);
- from ``--dem`` (SRTM ``.hgt``, Copernicus GLO-30 or any GeoTIFF tiles,
  :func:`coverage_gis.io.dem.read_dem_tiles`): ``dem/dem.tif``, the mosaic cut to the unit
  plus the same margin (every kept cell's path to the unit lies on it), a Cloud-Optimized
  GeoTIFF;
- ``SOURCES.md`` and ``init.json``: per layer, what is real (the file, its format and
  licence), defaulted or missing, and how to add what is missing.

Hamlet boundaries (thôn, tổ dân phố) are not public data: without them ``analyze`` measures
the unit as one area (:func:`coverage_gis.pipeline.unit_as_area`) and says so.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from coverage_gis.config import settings
from coverage_gis.config.params import SCENARIO_KEYS
from coverage_gis.errors import InputError, OutputError, RowsExcludedWarning, user_warnings
from coverage_gis.io import units as admin
from coverage_gis.io.crs import WGS84, metric_crs
from coverage_gis.outputs.exports import write_gpkg
from coverage_gis.outputs.files import write_geojson, write_text
from coverage_gis.outputs.outset import MANIFEST, OutputSet, read_manifest, verify_set

__all__ = ["FOLDER_NAMES", "KIND", "STATUSES", "LayerRecord", "ScenarioFolder",
           "write_scenario_folder", "summary_lines", "srtm_tiles"]

#: The output-set kind of a scenario folder (in its manifest).
KIND = "scenario"
#: What a scenario folder holds.
FOLDER_NAMES = (settings.SCENARIO_FILE_NAME, "boundary", "roads", "railway", "households",
                "sites", "dem", "SOURCES.md", "init.json", MANIFEST)
#: Where a layer came from: a file the user gave (or bundled data), a stand-in, nothing.
STATUSES = ("real", "defaulted", "missing")

PathLike = str | os.PathLike

# --------------------------------------------------------------------------------------------
# Sources and licences (facts about the public datasets, for SOURCES.md)
# --------------------------------------------------------------------------------------------

_OSM_LICENCE = ("© OpenStreetMap contributors, Open Database License (ODbL) 1.0, "
                "https://www.openstreetmap.org/copyright")
_BUILDING_LICENCES = {
    "google": "Google Open Buildings v3: CC BY 4.0 or ODbL 1.0, at the user's choice "
              "(https://sites.research.google/open-buildings/)",
    "microsoft": "Microsoft Global ML Building Footprints: ODbL 1.0 "
                 "(https://github.com/microsoft/GlobalMLBuildingFootprints)",
}
_CELL_LICENCES = {
    "opencellid": "OpenCelliD, © OpenCelliD contributors (Unwired Labs), CC BY-SA 4.0 "
                  "(https://opencellid.org)",
    "file": "an operator's or the user's cell list: licence as agreed with its owner "
            "(unknown to coverage-gis)",
}
_UNIT_SOURCE = ("bundled 2025 boundary (coverage_gis/data/admin; from "
                "github.com/thanglequoc/vietnamese-provinces-database, MIT, derived from the "
                "national reference map of the 2025 units)")
_DEM_LICENCES = {
    "srtm": "SRTM (NASA/NGA, distributed by USGS): public domain",
    "copernicus": "Copernicus DEM GLO-30: free licence; produced using Copernicus WorldDEM-30 "
                  "© DLR e.V. 2010-2014 and © Airbus Defence and Space GmbH 2014-2018 provided "
                  "under COPERNICUS by the European Union and ESA; all rights reserved",
    "other": "as given by its provider (unknown to coverage-gis)",
}

#: How to add what no public dataset holds (layer, what it is, the scenario line).
_TO_ADD: tuple[tuple[str, str, str], ...] = (
    ("hamlets", "hamlet boundaries (thôn, bản, tổ dân phố) from the commune's land office, "
                "polygons with hamlet_id and name",
     'hamlets = "hamlets/hamlets.geojson"'),
    ("fibre", "the operators' fibre routes (KML, GeoJSON, Shapefile; one file per operator)",
     'fibre = [{ path = "fibre/routes_viettel.kml", operator = "Viettel" }]'),
    ("access_points", "the operators' fibre boxes (FAT, splitters) with their ports",
     'access_points = "fibre/access_points.csv"'),
    ("statistics", "the commune's yearly statistics (population, households, subscriptions)",
     'statistics = "statistics/statistics.csv"'),
)


# --------------------------------------------------------------------------------------------
# Typed records
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerRecord:
    """One layer of the folder: ``status`` (one of :data:`STATUSES`), ``path`` in the folder,
    ``source`` (the file given, or the bundled data), its ``format`` and ``licence``, the
    number of ``features`` written, and a ``note`` (what was done, or how to add it)."""

    layer: str
    status: str
    path: str | None = None
    source: str | None = None
    format: str | None = None
    licence: str | None = None
    features: int | None = None
    note: str = ""


@dataclass
class ScenarioFolder:
    """What :func:`write_scenario_folder` wrote: the folder, the unit, a record per layer
    and the warnings of loading the written scenario back."""

    folder: Path
    unit: admin.Unit
    name: str
    year: int
    layers: list[LayerRecord]
    warnings: list[str] = field(default_factory=list)

    @property
    def scenario(self) -> Path:
        """The scenario file."""
        return self.folder / settings.SCENARIO_FILE_NAME


# --------------------------------------------------------------------------------------------
# Areas
# --------------------------------------------------------------------------------------------

def _grown(unit: admin.Unit, margin_m: float) -> shapely.Geometry:
    """The unit grown by ``margin_m`` (in its UTM zone), as a WGS 84 polygon."""
    frame = gpd.GeoSeries([unit.geometry], crs=WGS84)
    utm = metric_crs(gpd.GeoDataFrame(geometry=frame))
    return frame.to_crs(utm).buffer(margin_m).to_crs(WGS84).iloc[0]


# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------

def _source_name(path: Path) -> str:
    return str(path.expanduser().absolute())


def _osm_format(path: Path) -> str:
    return "OpenStreetMap PBF" if path.name.lower().endswith(".pbf") else "OpenStreetMap XML"


def _try(read: Callable[[], gpd.GeoDataFrame], problems: list[str]) -> gpd.GeoDataFrame | None:
    """``read()``, or None with its problems noted (a layer the file does not hold there)."""
    try:
        return read()
    except InputError as exc:
        problems.extend(exc.problems)
        return None


def _osm_layers(osm: Path, unit: admin.Unit, with_buildings: bool, staging: Path
                ) -> list[LayerRecord]:
    """Roads, railway and (unless ``with_buildings`` is false) households from an OSM
    extract. A layer the extract lacks around the unit is missing (with the reason); an
    extract that gives nothing there at all is an :class:`InputError`."""
    from coverage_gis.io.osm import read_osm_buildings, read_osm_railways, read_osm_roads

    near = _grown(unit, settings.RASTER_MARGIN_M)
    source, fmt = _source_name(osm), _osm_format(osm)
    problems: list[str] = []
    roads = _try(lambda: read_osm_roads(osm, bbox=near), problems)
    rails = _try(lambda: read_osm_railways(osm, bbox=near), problems)
    homes = (_try(lambda: read_osm_buildings(osm, bbox=unit.geometry), problems)
             if with_buildings else None)
    problems = list(dict.fromkeys(problems))  # a file no reader can open: said once
    if all(g is None for g in (roads, rails, homes)) and problems:
        raise InputError(problems)  # unreadable: not "an extract of another area"
    if all(g is None or g.empty for g in (roads, rails, homes)):
        raise InputError([f"--osm {osm.name}: holds nothing of use within "
                          f"{settings.RASTER_MARGIN_M / 1000:g} km of {unit.code} "
                          f"{unit.full_name}: is it an extract of another area?", *problems])
    margin = f"the unit plus {settings.RASTER_MARGIN_M / 1000:g} km"
    records = []
    if roads is not None:
        write_gpkg({"roads": roads}, staging / "roads" / "roads.gpkg")
        classes = ", ".join(f"{n} {c}" for c, n in roads["road_class"].value_counts().items())
        records.append(LayerRecord("roads", "real", "roads/roads.gpkg", source, fmt,
                                   _OSM_LICENCE, len(roads),
                                   f"ways tagged highway only, cut to {margin} ({classes})"))
    else:
        records.append(LayerRecord("roads", "missing", source=source, format=fmt,
                                   note=f"no road in the OSM extract within {margin}"))
    if rails is not None and not rails.empty:
        write_gpkg({"railway": rails}, staging / "railway" / "railway.gpkg")
        records.append(LayerRecord("railway", "real", "railway/railway.gpkg", source, fmt,
                                   _OSM_LICENCE, len(rails),
                                   f"railway=rail and narrow_gauge, cut to {margin}"))
    else:
        records.append(LayerRecord("railway", "missing", source=source, format=fmt,
                                   note=f"no main-line railway in the OSM extract within "
                                        f"{margin}"))
    if with_buildings:
        records.append(_households_record(homes, source, fmt, _OSM_LICENCE, staging,
                                          "residential buildings of the OSM extract inside "
                                          "the unit"))
    return records


def _households_record(homes: gpd.GeoDataFrame | None, source: str, fmt: str, licence: str,
                       staging: Path, what: str) -> LayerRecord:
    """Write the household points (when any) and say where they came from."""
    if homes is None or homes.empty:
        return LayerRecord("households", "missing", source=source, format=fmt,
                           note=f"no {what}; add --buildings (Google Open Buildings or "
                                "Microsoft footprints) or a households file")
    write_gpkg({"households": homes}, staging / "households" / "households.gpkg")
    counts = homes.attrs.get("buildings", {})
    kept, small = counts.get("kept"), counts.get("too_small")
    detail = (f" (in the whole file: {kept} building(s) kept, {small} under "
              f"{settings.BUILDING_MIN_AREA_M2:g} m² left out)" if kept is not None else "")
    return LayerRecord("households", "real", "households/households.gpkg", source, fmt, licence,
                       len(homes), f"one point per dwelling at the building's centre: {what}"
                       f"{detail}; {settings.BUILDING_DWELLINGS} household(s) per building "
                       "unless tagged (building:flats); not every building is a dwelling")


def _buildings_layer(path: Path, unit: admin.Unit, staging: Path) -> LayerRecord:
    """Households from Google Open Buildings or Microsoft footprints inside the unit."""
    from coverage_gis.io.buildings import read_building_footprints

    try:
        homes = read_building_footprints(path, bbox=unit.geometry)
    except InputError as exc:
        raise InputError([f"--buildings {p}" for p in exc.problems]) from None
    kind = homes.attrs.get("format", "google")
    fmt = {"google": "Google Open Buildings CSV",
           "microsoft": "Microsoft building footprints (GeoJSON lines)"}.get(kind, kind)
    return _households_record(homes, _source_name(path), fmt, _BUILDING_LICENCES.get(kind, ""),
                              staging, f"building footprints inside the unit ({fmt})")


def _sites_for_file(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The cells as written: values the loader filled with defaults are left blank again
    (reading the file back fills and flags them the same way)."""
    out = sites.copy()
    for i, filled in zip(out.index, out.get("defaulted", [])):
        for col in (c for c in str(filled or "").split(",") if c in out.columns):
            out.loc[i, col] = None
    return out.drop(columns="defaulted", errors="ignore")


def _cells_layer(path: Path, unit: admin.Unit, staging: Path) -> LayerRecord:
    """Cells within the study margin of the unit (its own and its neighbours')."""
    from coverage_gis.io.readers import read_sites

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sites = read_sites(path)
    except InputError as exc:
        raise InputError([f"--cells {p}" for p in exc.problems]) from None
    # what the reader left out, validate cannot list again on the folder (found by fuzzing:
    # a row of an unknown network went with no word)
    excluded = [str(w.message).split(": ", 1)[-1] for w in caught
                if issubclass(w.category, RowsExcludedWarning)]
    margin_m = settings.STUDY_AREA_MARGIN_M
    near = sites[sites.intersects(_grown(unit, margin_m))]
    if near.empty:
        raise InputError(f"--cells {path.name}: none of its {len(sites)} cell(s) lies within "
                         f"{margin_m / 1000:g} km of {unit.code} {unit.full_name}: is it a "
                         "file of another area?")
    kind = "opencellid" if sites.attrs.get("format") == "opencellid" else "file"
    write_gpkg({"sites": _sites_for_file(near)}, staging / "sites" / "sites.gpkg")
    fmt = "OpenCelliD cell export" if kind == "opencellid" else "cell list"
    note = (f"cells within {margin_m / 1000:g} km of the unit (neighbours' cells serve it "
            f"too), {len(sites) - len(near)} farther left out")
    note += "".join(f"; {e}" for e in excluded)
    if kind == "opencellid":
        note += ("; OpenCelliD positions are centres of phones' measurements: cells grouped "
                 "into masts by eNB/gNB id with inferred azimuths (approximate), radio "
                 "values (height, power, tilt) are defaults: ask the operators for theirs")
    return LayerRecord("sites", "real", "sites/sites.gpkg", _source_name(path), fmt,
                       _CELL_LICENCES[kind], len(near), note)


def _dem_kind(paths: Sequence[Path]) -> str:
    names = [p.name.lower() for p in paths]
    if all(n.endswith((".hgt", ".hgt.zip")) for n in names):
        return "srtm"
    if all("copernicus" in n for n in names):
        return "copernicus"
    return "other"


def _tile_grid(path: Path) -> tuple[Any, Any]:
    """The CRS (WGS 84 when the tile declares none) and the affine transform (None when the
    file cannot be opened: read_dem_tiles then says what is wrong with it) of a DEM tile."""
    import rasterio
    from pyproj import CRS

    try:
        with rasterio.open(path) as ds:
            return (CRS.from_user_input(ds.crs) if ds.crs else CRS.from_epsg(4326)), ds.transform
    except Exception:  # noqa: BLE001 - read_dem_tiles says what is wrong with the file
        return CRS.from_epsg(4326), None


def _tile_box(path: Path) -> tuple[float, float, float, float] | None:
    """A tile's bounds in its CRS (None when it cannot be opened)."""
    import rasterio

    try:
        with rasterio.open(path) as ds:
            return tuple(ds.bounds)
    except Exception:  # noqa: BLE001 - read_dem_tiles says what is wrong with the file
        return None


def _elsewhere(paths: Sequence[Path], unit: admin.Unit) -> InputError:
    """The error for DEM tiles with no ground height over the unit."""
    names = ", ".join(p.name for p in paths)
    where = ", ".join(f"{v:.3f}" for v in unit.geometry.bounds)
    return InputError(f"--dem {names}: no ground height over {unit.code} {unit.full_name}: "
                      f"the tiles cover another area (the unit lies at {where}, lon/lat "
                      f"min-max); expected the tiles of the unit: {srtm_tiles(unit)} (SRTM "
                      "names; Copernicus GLO-30 names its tiles the same way)")


def srtm_tiles(unit: admin.Unit, margin_m: float = 0.0) -> str:
    """The 1° tiles (SRTM names, ``N20E105``) covering the unit grown by ``margin_m``."""
    x0, y0, x1, y1 = (_grown(unit, margin_m) if margin_m else unit.geometry).bounds
    return ", ".join(f"{'N' if lat >= 0 else 'S'}{abs(lat):02d}"
                     f"{'E' if lon >= 0 else 'W'}{abs(lon):03d}"
                     for lat in range(int(np.floor(y0)), int(np.floor(y1)) + 1)
                     for lon in range(int(np.floor(x0)), int(np.floor(x1)) + 1))


def _on_pixels(bounds: Sequence[float], transform: Any) -> tuple[float, float, float, float]:
    """``bounds`` grown outwards to the pixel edges of a tile's grid, so that the mosaic keeps
    the tiles' own pixels (a window off their grid would be resampled, shifting heights by up
    to half a pixel)."""
    if transform is None:
        return (bounds[0], bounds[1], bounds[2], bounds[3])
    x0, y0, dx, dy = transform.c, transform.f, abs(transform.a), abs(transform.e)
    left = x0 + np.floor((bounds[0] - x0) / dx) * dx
    right = x0 + np.ceil((bounds[2] - x0) / dx) * dx
    top = y0 - np.floor((y0 - bounds[3]) / dy) * dy
    bottom = y0 - np.ceil((y0 - bounds[1]) / dy) * dy
    return float(left), float(bottom), float(right), float(top)


def _dem_share(dem: Any, unit: admin.Unit) -> float:
    """The share of the unit's area (sampled on a grid) where the DEM has a height."""
    area = gpd.GeoSeries([unit.geometry], crs=WGS84).to_crs(dem.crs).iloc[0]
    minx, miny, maxx, maxy = area.bounds
    step = max(maxx - minx, maxy - miny) / 60
    gx, gy = np.meshgrid(np.arange(minx + step / 2, maxx, step),
                         np.arange(miny + step / 2, maxy, step))
    inside = shapely.contains_xy(area, gx.ravel(), gy.ravel())
    values = dem.sample(gx.ravel()[inside], gy.ravel()[inside])
    return float(np.isfinite(values).mean()) if inside.any() else 0.0


def _dem_layer(paths: Sequence[Path], unit: admin.Unit, staging: Path) -> LayerRecord:
    """The DEM tiles mosaicked and cut to the unit plus the study margin, as a COG."""
    from coverage_gis.io.dem import read_dem_tiles
    from coverage_gis.io.files import write_geotiff

    margin_m = settings.STUDY_AREA_MARGIN_M
    crs, transform = _tile_grid(paths[0])
    area = gpd.GeoSeries([_grown(unit, margin_m)], crs=WGS84).to_crs(crs).total_bounds
    boxes = [b for b in (_tile_box(p) for p in paths) if b is not None]
    if boxes and not any(shapely.box(*b).intersects(shapely.box(*area)) for b in boxes):
        raise _elsewhere(paths, unit)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dem = read_dem_tiles(list(paths), bounds=_on_pixels(area, transform))
    except InputError as exc:
        raise InputError([f"--dem {p}" for p in exc.problems]) from None
    share = _dem_share(dem, unit)
    if share == 0:
        raise _elsewhere(paths, unit)
    rows, cols = dem.shape
    grid = SimpleNamespace(transform=dem.transform, crs=dem.crs, width=cols, height=rows)
    write_geotiff(staging / "dem" / "dem.tif", dem.data, grid, nodata=-32768.0,
                  description="ground height (m)", units="m")
    note = (f"{len(paths)} tile(s) mosaicked, cut to the unit plus {margin_m / 1000:g} km, "
            f"{cols} × {rows} px; ground height over {share:.0%} of the unit")
    if share < 1:
        note += " (ground without height is taken as flat: add the missing tiles)"
    kind = _dem_kind(paths)
    fmt = {"srtm": "SRTM .hgt tiles", "copernicus": "Copernicus GLO-30 GeoTIFF tiles"}.get(
        kind, "GeoTIFF tiles")
    return LayerRecord("dem", "real", "dem/dem.tif",
                       "; ".join(_source_name(p) for p in paths), fmt, _DEM_LICENCES[kind],
                       None, note)


def _missing(layer: str, flag: str, what: str) -> LayerRecord:
    return LayerRecord(layer, "missing", note=f"not given: {flag} ({what})")


def _layers(unit: admin.Unit, staging: Path, osm: Path | None, buildings: Path | None,
            cells: Path | None, dem: Sequence[Path]) -> list[LayerRecord]:
    """Every layer the inputs give, written into ``staging``; missing ones recorded."""
    write_geojson(unit.frame(), staging / "boundary" / "unit.geojson")
    records = [LayerRecord("commune", "real", "boundary/unit.geojson", "bundled",
                           "GeoJSON", "MIT", 1, f"{unit.code} {unit.full_name}, "
                           f"{unit.area_km2:.2f} km²: {_UNIT_SOURCE}")]
    if osm is not None:
        records += _osm_layers(osm, unit, buildings is None, staging)
    else:
        records += [_missing("roads", "--osm FILE", "an OpenStreetMap extract: roads from "
                                                   "its highway ways"),
                    _missing("railway", "--osm FILE", "railways of an OpenStreetMap extract")]
    if buildings is not None:
        records.append(_buildings_layer(buildings, unit, staging))
        if osm is not None:
            last = records[-1]
            records[-1] = replace(last, note=f"{last.note}; --buildings given: the OSM "
                                             "extract's buildings are not used")
    elif osm is None:
        records.append(_missing("households", "--buildings FILE or --osm FILE",
                                "building footprints as household points"))
    records.append(_cells_layer(cells, unit, staging) if cells is not None else _missing(
        "sites", "--cells FILE", "OpenCelliD cells (MCC 452) or an operator's cell list"))
    records.append(_dem_layer(dem, unit, staging) if dem else _missing(
        "dem", "--dem FILE ...", "SRTM or Copernicus GLO-30 tiles "
        f"{srtm_tiles(unit, settings.STUDY_AREA_MARGIN_M)} for the unit and "
        f"{settings.STUDY_AREA_MARGIN_M / 1000:g} km around it; without them coverage is "
        "computed on flat ground"))
    records.append(LayerRecord(
        "hamlets", "defaulted", note="no hamlet boundaries (not public data): the unit is "
        "analysed as one area and the per-hamlet indicators (M4, F2) count it as one hamlet; "
        "add your hamlets to scenario.toml: [layers] hamlets = \"...\""))
    records += [LayerRecord(layer, "missing", note=f"{what}: add [layers] {line}")
                for layer, what, line in _TO_ADD if layer != "hamlets"]
    return records


# --------------------------------------------------------------------------------------------
# Text files
# --------------------------------------------------------------------------------------------

def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are a subset of TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _scenario_toml(unit: admin.Unit, name: str, year: int, records: list[LayerRecord],
                   year_given: bool) -> str:
    real = {r.layer: r for r in records if r.status == "real"}
    lines = [f"# Written by coverage-gis init for {unit.code} {unit.full_name} "
             f"({unit.province_name}).", "# What is real, defaulted or missing: SOURCES.md.",
             "[scenario]", f"name = {_toml_string(name)}",
             f"year = {year}" + ("" if year_given else "   # this year: change it to the "
                                                       "plan's year"),
             f"unit = {_toml_string(unit.code)}"]
    if unit.old_units:
        lines += ["# A plan adopted before 1 July 2025 for a unit merged into this one:",
                  "# name that unit (code or name) to report on it too."]
        lines += [f"# plan_unit = {_toml_string(o.code)}   # {o.full_name}"
                  + (f", {o.district}" if o.district else "")
                  + (" (part of it)" if o.share_in(unit.code) == "partial" else "")
                  for o in unit.old_units]
    lines += ["", "[coverage]",
              "# One unit: the terrain at the grid's step out to every cell's reach, the weak",
              "# levels beyond its threshold range included (the default, "
              f"{settings.FAR_TERRAIN_STEP_M:g} m there, is for",
              "# province-wide runs; README, \"Mobile coverage\").",
              "far_terrain_step_m = 0",
              "", "[layers]"]
    for layer in ("commune", "roads", "railway", "households", "sites", "dem"):
        if layer in real:
            path = _toml_string(real[layer].path or "")
            lines.append(f"{layer} = " + (path if layer in ("commune", "dem")
                                          else f"{{ path = {path}, layer = \"{layer}\" }}"))
    public = {name: licence for name, licence in
              ((_OSM_LICENCE, _OSM_LICENCE), *[(v, v) for v in _BUILDING_LICENCES.values()],
               (_CELL_LICENCES["opencellid"], _CELL_LICENCES["opencellid"]),
               (_DEM_LICENCES["srtm"], _DEM_LICENCES["srtm"]),
               (_DEM_LICENCES["copernicus"], _DEM_LICENCES["copernicus"]))}
    prov = [f"{layer} = {{ kind = \"public\", source = {_toml_string(r.source or '')}, "
            f"licence = {_toml_string(r.licence or '')} }}"
            for layer, r in real.items() if layer != "commune" and r.licence in public]
    if "commune" in real:
        prov.insert(0, f"commune = {{ kind = \"public\", source = {_toml_string(_UNIT_SOURCE)}, "
                       "licence = \"MIT\" }")
    if prov:  # where the data comes from, for every output
        lines += ["", "[provenance]", *prov]
    lines += ["", "# Not public data: add your own files (paths relative to this file).",
              "# Without hamlets the unit is analysed as one area."]
    for _, what, line in _TO_ADD:
        lines += [f"# - {what}:", f"# {line}"]
    absent = [r for r in records
              if r.status == "missing" and r.layer not in {t[0] for t in _TO_ADD}]
    if absent:
        lines += ["", "# Not given to init (run it again with the flag, or add a file):"]
        lines += [f"# - {r.layer}: {r.note}" for r in absent]
    return "\n".join(lines) + "\n"


def summary_lines(result: ScenarioFolder) -> list[str]:
    """The folder's summary, per layer (REAL, DEFAULTED, MISSING), as printed by init."""
    unit = result.unit
    lines = [f"Scenario folder for {unit.code} {unit.full_name} ({unit.province_name}, "
             f"{unit.area_km2:.2f} km²): {result.folder}"]
    for status in STATUSES:
        for r in (r for r in result.layers if r.status == status):
            count = f" ({r.features} feature(s))" if r.features is not None else ""
            lines.append(f"  {status.upper():<9}  {r.layer:<13}  {r.path or ''}{count}")
            lines.append(f"{'':<26}{r.note}")
    if result.warnings:
        lines.append("Warnings on loading the folder back:")
        lines += [f"  - {w}" for w in result.warnings]
    scenario = result.scenario
    lines += ["Next:", f"  coverage-gis validate {scenario}",
              f"  coverage-gis analyze {scenario} --out {result.folder.parent / 'results'}"]
    return lines


def _sources_md(result: ScenarioFolder) -> str:
    unit = result.unit
    head = [f"# {result.name}: sources of this scenario folder", "",
            f"Written by `coverage-gis init` for the 2025 unit **{unit.code} {unit.full_name}** "
            f"({unit.province_name}, {unit.area_km2:.2f} km²), year {result.year}. "
            "**Real**: from the file named (its format and licence). **Defaulted**: a "
            "stand-in the study uses until you add the real layer. **Missing**: not in the "
            "folder; add it to `scenario.toml`.", ""]
    body = []
    for status in STATUSES:
        rows = [r for r in result.layers if r.status == status]
        if not rows:
            continue
        body += [f"## {status.capitalize()}", "",
                 "| layer | file | from | format | licence | features | note |",
                 "|---|---|---|---|---|---|---|"]
        body += ["| " + " | ".join(_cell(v) for v in (
            r.layer, r.path, r.source, r.format, r.licence, r.features, r.note)) + " |"
            for r in rows]
        body.append("")
    attribution = ["## Attribution", "",
                   "Maps and reports made from this folder must credit the data they use: "
                   "\"© OpenStreetMap contributors\" (ODbL) for roads, railways and OSM "
                   "buildings; OpenCelliD (CC BY-SA 4.0) for its cells; Google Open Buildings "
                   "or Microsoft Building Footprints for their footprints; the administrative "
                   "boundary: see coverage_gis/data/admin/SOURCES.md.", ""]
    hamlets = ["## Hamlets", "",
               "Hamlet (thôn, tổ dân phố) boundaries are not public data. Without them, "
               "`coverage-gis analyze` measures the whole unit as one area and says so in "
               "summary.json and the report. Add them to `scenario.toml`:", "",
               "```toml", "[layers]", 'hamlets = "hamlets/hamlets.geojson"', "```", "",
               "(polygons with `hamlet_id` and `name`; `coverage-gis validate --hamlets FILE "
               "--columns code=hamlet_id,fullName=name` checks a file whose columns are named "
               "otherwise).", ""]
    return "\n".join(head + body + hamlets + attribution)


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _init_json(result: ScenarioFolder, inputs: dict[str, Any]) -> str:
    from coverage_gis.version import __version__

    unit = result.unit
    doc = {"format": "coverage-gis scenario folder", "tool_version": __version__,
           "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
           "unit": {"code": unit.code, "full_name": unit.full_name, "type": unit.type,
                    "province_code": unit.province_code, "province_name": unit.province_name,
                    "area_km2": round(unit.area_km2, 3),
                    "old_units": [{"code": o.code, "full_name": o.full_name,
                                   "district": o.district, "share": o.share_in(unit.code)}
                                  for o in unit.old_units]},
           "name": result.name, "year": result.year, "inputs": inputs,
           "layers": [asdict(r) for r in result.layers], "warnings": result.warnings}
    return json.dumps(doc, indent=1, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# The folder
# --------------------------------------------------------------------------------------------

def _check_existing(out: Path, overwrite: bool) -> None:
    """Refuse to replace a folder that is not a scenario folder, or one the user added files
    to or changed since init (they would be lost with the old set)."""
    doc = read_manifest(out)
    if doc is None or not overwrite:
        return  # OutputSet refuses foreign folders and existing sets without overwrite
    if doc.get("kind") != KIND:
        raise OutputError(f"{out}: holds coverage-gis {doc.get('kind')} results, not a "
                          "scenario folder; choose another --out")
    changed = [p.split(":")[0] for p in verify_set(out) if not p.endswith(": missing")]
    if changed:
        listed = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
        raise OutputError(f"{out}: holds files added or changed since 'coverage-gis init' "
                          f"({listed}); --overwrite would lose them: move them elsewhere, or "
                          "choose another --out")


def _checked_inputs(osm: PathLike | None, buildings: PathLike | None, cells: PathLike | None,
                    dem: Sequence[PathLike]) -> dict[str, Any]:
    """The input paths, each an existing file (every problem listed at once)."""
    given: dict[str, Any] = {"osm": osm, "buildings": buildings, "cells": cells,
                             "dem": list(dem)}
    problems = []
    for flag, value in given.items():
        for p in value if isinstance(value, list) else [value]:
            if p is not None and not Path(p).expanduser().is_file():
                what = "not found" if not Path(p).expanduser().exists() else "not a file"
                problems.append(f"--{flag} {p}: {what}")
    if problems:
        raise InputError(problems)
    return {k: ([Path(p).expanduser() for p in v] if isinstance(v, list)
                else Path(v).expanduser() if v is not None else None)
            for k, v in given.items()}


def _check_back(scenario: Path) -> list[str]:
    """Load the written scenario as ``analyze`` will (a folder that does not load is a bug);
    its warnings."""
    from coverage_gis.io.project import load_project

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_project(scenario)
    return list(dict.fromkeys(user_warnings(caught)))


def write_scenario_folder(unit: str | int, out: PathLike, *, osm: PathLike | None = None,
                          buildings: PathLike | None = None, cells: PathLike | None = None,
                          dem: Sequence[PathLike] = (), year: int | str | None = None,
                          name: str | None = None, overwrite: bool = False) -> ScenarioFolder:
    """Write a ready scenario folder for a 2025 unit (see the module's docstring).

    Parameters
    ----------
    unit
        The unit's code or name (:func:`coverage_gis.io.units.find_unit`).
    out
        The folder to write (an output set: replaced as a whole, only with ``overwrite``).
    osm, buildings, cells, dem
        Public files: an OSM extract, building footprints, cells, DEM tiles.
    year, name
        ``[scenario]`` year (default: this year) and name (default: the unit's full name).

    Raises
    ------
    InputError
        An unknown or ambiguous unit (with the candidates), bad files, files with nothing in
        or near the unit.
    OutputError
        A folder that cannot be written (see :class:`~coverage_gis.outputs.outset.OutputSet`),
        or a scenario folder holding files added or changed since init.
    """
    found = admin.find_unit(unit)
    paths = _checked_inputs(osm, buildings, cells, dem)
    year_given = year is not None
    the_year = int(SCENARIO_KEYS["year"].convert(year, "--year", text=True)) if year_given \
        else _dt.date.today().year
    the_name = (SCENARIO_KEYS["name"].convert(name, "--name", text=True) if name is not None
                else found.full_name)
    target = Path(out).expanduser()
    _check_existing(target, overwrite)
    inputs = [p for v in paths.values() for p in (v if isinstance(v, list) else [v]) if p]
    with OutputSet(target, kind=KIND, overwrite=overwrite, inputs=inputs,
                   known_names=FOLDER_NAMES) as dest:
        staging = dest.path
        records = _layers(found, staging, paths["osm"], paths["buildings"], paths["cells"],
                          paths["dem"])
        if not year_given:
            records.append(LayerRecord("year", "defaulted", note=f"{the_year}, this year: "
                                       "give --year N, or edit [scenario] year"))
        write_text(_scenario_toml(found, the_name, the_year, records, year_given),
                   staging / settings.SCENARIO_FILE_NAME)
        result = ScenarioFolder(target.absolute(), found, the_name, the_year, records)
        result.warnings = _check_back(staging / settings.SCENARIO_FILE_NAME)
        write_text(_sources_md(result), staging / "SOURCES.md")
        shown = {k: ([str(p) for p in v] if isinstance(v, list)
                     else str(v) if v is not None else None) for k, v in paths.items()}
        write_text(_init_json(result, shown), staging / "init.json")
        dest.commit()
    return result
