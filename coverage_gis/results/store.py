"""The stored result: a whole :class:`~coverage_gis.results.analysis.Analysis` written into a
folder and read back exactly, without recomputing anything and without the input files.

``coverage-gis analyze`` writes it into every output set (through
:func:`coverage_gis.outputs.writer.render_analysis`); ``coverage-gis report`` reads it with
:func:`read_analysis` and renders the maps, pages and tables again. The layout::

    result.json      what is where: "format": "coverage-gis result", "format_version": 1, the
                     scenario, parameters, indicators and metadata as JSON, and for every table
                     and raster its file, its columns' exact dtypes and its ``attrs``
    data/            every table as Parquet (GeoParquet when it has geometry), named after
                     where it sits in the Analysis:
                       hamlets, signal_radius, towers, sharing_candidates, suggestions,
                       scorecard .parquet
                       project/<layer>.parquet (hamlets, commune, sites, ..., statistics),
                       project/excluded/<layer>.parquet, project/dem.tif (COG)
                       coverage/cells.parquet
                       fibre/routes, snaps, reach, hamlets, extensions .parquet,
                       fibre/network/nodes, segments, roads .parquet
    rasters/         the coverage rasters (Cloud-Optimized GeoTIFFs) users open in a GIS, read
                     back as the result's arrays: level_<tech>_dbm.tif, server_<tech>.tif,
                     covered_<key>.tif, probability_<tech>.tif (location probability,
                     0..1) and level_<tech>_<operator>_dbm.tif

What JSON cannot say is written with a ``"$type"`` tag (tuples, dicts with other keys than
text, NaN and infinities, NumPy scalars and arrays, paths, CRSs, affine transforms, dates,
geometries, ``pd.NA``); dataclasses (the parameters, the scenario) by their class name and
fields. Text columns keep ``object`` or ``str`` as they were; ``object`` columns holding other
than text or booleans are stored as JSON text per cell (so None and NaN stay apart). An object
stored twice (the DEM the coverage used is often the project's DEM) is written once and read
back as one object.

:func:`read_analysis` raises :class:`~coverage_gis.errors.ResultFormatError`, naming the folder
and the file, for a folder without ``result.json``, another format or version, and a data file
that is missing or cannot be read.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePath
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS

from coverage_gis.config.params import as_path
from coverage_gis.config.scenario import LayerSource, Scenario
from coverage_gis.engines.coverage import CoverageParams, CoverageResult, Grid
from coverage_gis.engines.fibre import FibreParams, FibreResult, RoadNetwork
from coverage_gis.engines.indicators import (
    HamletIndicator,
    HouseholdFibreIndicator,
    Indicators,
    SharingIndicator,
    SharingRatio,
)
from coverage_gis.engines.sharing import SharingParams
from coverage_gis.errors import ResultFormatError
from coverage_gis.io.files import atomic_path, write_geotiff
from coverage_gis.io.project import Project
from coverage_gis.io.readers import Raster
from coverage_gis.results.analysis import Analysis
from coverage_gis.results.folder import MANIFEST, reading, verify_part
from coverage_gis.version import __version__

__all__ = ["STORE_NAMES", "RESULT_FILE", "FORMAT", "FORMAT_VERSION", "StoredBands", "save_analysis",
           "begin_saving", "PendingSave", "AddWrite", "check_result_folder",
           "check_stored_result", "read_analysis",
           "write_coverage_rasters"]

#: The file that describes a stored result.
RESULT_FILE = "result.json"
DATA_DIR = "data"
RASTER_DIR = "rasters"
#: Top-level names the store writes inside a folder.
STORE_NAMES: tuple[str, ...] = (RESULT_FILE, DATA_DIR, RASTER_DIR)
FORMAT = "coverage-gis result"
FORMAT_VERSION = 1

#: Dataclasses stored by name and rebuilt with their fields.
_CLASSES: dict[str, type] = {c.__name__: c for c in (
    Analysis, Project, Scenario, LayerSource, CoverageResult, Grid, CoverageParams,
    FibreResult, FibreParams, SharingParams, RoadNetwork, Raster, Indicators, HamletIndicator,
    SharingIndicator, SharingRatio, HouseholdFibreIndicator)}

#: The array fields of a CoverageResult, stored as rasters.
_COVERAGE_ARRAYS = ("level_dbm", "server", "covered", "operator_level_dbm", "probability")
_TECH_LEVEL = {"2G": "BCCH level", "3G": "CPICH RSCP", "4G": "RSRP", "5G": "SS-RSRP"}
_LEVEL_NODATA = -9999.0
_COMPRESSION = "zstd"
#: The colour table of the coverage masks (uint8): 0 white, 1 the blue of a target met
#: (``coverage_gis.outputs.style.MET``, #0072B2; the store may not import outputs).
MASK_COLOURS: dict[int, tuple[int, int, int, int]] = {0: (255, 255, 255, 0),
                                                      1: (0, 114, 178, 255)}


class _Damaged(Exception):
    """Something in result.json that this version cannot read."""


# ---------------------------------------------------------------------------------------------
# Values as JSON
# ---------------------------------------------------------------------------------------------

def _slug(text: str) -> str:
    """A file-name part: lower case, ``:`` and spaces as ``_``, nothing but letters, digits,
    ``_``, ``-`` and ``.``."""
    return re.sub(r"[^\w.-]", "_", str(text).lower().replace(":", "_").replace(" ", "_"))


class _Encoder:
    """Python values as JSON, with ``"$type"`` tags for what JSON lacks. Tables, rasters and
    dataclasses are left to :meth:`other` (here: refused; :class:`_Saver` writes them)."""

    def encode(self, v: Any, where: str) -> Any:
        t = type(v)
        if v is None or t is bool or t is str:
            return v
        if isinstance(v, np.generic):
            return {"$type": "numpy", "dtype": v.dtype.str, "value": self.encode(v.item(), "")}
        if isinstance(v, str):
            return "".join([v])  # a subclass of str: its text
        if isinstance(v, int) and not isinstance(v, bool):
            return int(v)
        if t is float:
            return v if math.isfinite(v) else {"$type": "float", "value": repr(v)}
        if isinstance(v, list):
            return [self.encode(x, f"{where}/{i}") for i, x in enumerate(v)]
        if isinstance(v, (tuple, set, frozenset)) and not hasattr(v, "_fields"):
            tag = ("tuple" if isinstance(v, tuple) else "set" if isinstance(v, set)
                   else "frozenset")
            if tag != "tuple":  # in a stable order when the items have one
                try:
                    v = sorted(v)
                except TypeError:
                    pass
            return {"$type": tag,
                    "items": [self.encode(x, f"{where}/{i}") for i, x in enumerate(v)]}
        if isinstance(v, dict):
            return self._mapping(v, where)
        if isinstance(v, np.ndarray):
            return self._array(v, where)
        leaf = _leaf(v)
        return leaf if leaf is not None else self.other(v, where)

    def _mapping(self, v: dict, where: str) -> Any:
        if all(type(k) is str for k in v) and "$type" not in v:
            return {k: self.encode(x, f"{where}/{k}") for k, x in v.items()}
        return {"$type": "dict", "items": [[self.encode(k, where), self.encode(x, f"{where}/{k}")]
                                           for k, x in v.items()]}

    def _array(self, v: np.ndarray, where: str) -> Any:
        items = ([self.encode(x, where) for x in v.ravel()] if v.dtype == object
                 else self.encode(v.ravel().tolist(), where))
        return {"$type": "ndarray", "dtype": v.dtype.str, "shape": list(v.shape), "items": items}

    def other(self, v: Any, where: str) -> Any:
        raise TypeError(f"the stored result cannot hold {where or 'the analysis'}: a "
                        f"{type(v).__module__}.{type(v).__name__}")


def _leaf(v: Any) -> dict[str, Any] | None:
    """The tagged JSON of a value with no parts, or None when ``v`` is none of those."""
    if v is pd.NA:
        return {"$type": "NA"}
    if v is pd.NaT:
        return {"$type": "NaT"}
    if isinstance(v, PurePath):
        return {"$type": "path", "value": str(v)}
    if isinstance(v, CRS):
        return {"$type": "crs", "srs": v.srs, "name": v.name}
    if isinstance(v, Affine):
        return {"$type": "affine", "value": list(v)[:6]}
    if isinstance(v, shapely.Geometry):
        return {"$type": "geometry", "wkb": shapely.to_wkb(v, hex=True)}
    for cls, tag in ((pd.Timestamp, "timestamp"), (_dt.datetime, "datetime"),
                     (_dt.date, "date"), (_dt.time, "time")):
        if isinstance(v, cls):
            return {"$type": tag, "value": v.isoformat()}
    if isinstance(v, _dt.timedelta):
        return {"$type": "timedelta", "value": [v.days, v.seconds, v.microseconds]}
    return None


class _Decoder:
    """The inverse of :class:`_Encoder`; tables, rasters and dataclasses in :meth:`other`."""

    def __init__(self) -> None:
        self._crs_cache: dict[str, CRS] = {}

    def decode(self, node: Any, where: str) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(x, f"{where}/{i}") for i, x in enumerate(node)]
        if not isinstance(node, dict):
            raise _Damaged(f"{where}: unexpected {type(node).__name__}")
        tag = node.get("$type")
        if tag is None:
            return {k: self.decode(x, f"{where}/{k}") for k, x in node.items()}
        if tag == "crs":
            return self._crs(node["srs"])
        simple = _SIMPLE.get(tag)
        if simple is not None:
            return simple(node)
        if tag in ("tuple", "set", "frozenset"):
            items = self.decode(node["items"], where)
            return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
        if tag == "dict":
            return {self.decode(k, where): self.decode(x, f"{where}/{k}")
                    for k, x in node["items"]}
        if tag == "numpy":
            return np.array(self.decode(node["value"], where), dtype=np.dtype(node["dtype"]))[()]
        if tag == "ndarray":
            return self._array(node, where)
        return self.other(tag, node, where)

    def _crs(self, srs: str) -> CRS:
        """CRSs by their user input, made once per reading (PROJ takes milliseconds each)."""
        if srs not in self._crs_cache:
            self._crs_cache[srs] = CRS.from_user_input(srs)
        return self._crs_cache[srs]

    def _array(self, node: dict, where: str) -> np.ndarray:
        dtype = np.dtype(node["dtype"])
        items = self.decode(node["items"], where)
        if dtype.kind == "O":
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out.reshape(node["shape"])
        return np.array(items, dtype=dtype).reshape(node["shape"])

    def other(self, tag: str, node: dict, where: str) -> Any:
        raise _Damaged(f"{where}: unknown \"$type\": {tag!r}")


_SIMPLE: dict[str, Callable[[dict], Any]] = {
    "float": lambda n: float(n["value"]),
    "NA": lambda n: pd.NA,
    "NaT": lambda n: pd.NaT,
    "path": lambda n: Path(n["value"]),
    "affine": lambda n: Affine(*n["value"]),
    "geometry": lambda n: shapely.from_wkb(n["wkb"]),
    "timestamp": lambda n: pd.Timestamp(n["value"]),
    "datetime": lambda n: _dt.datetime.fromisoformat(n["value"]),
    "date": lambda n: _dt.date.fromisoformat(n["value"]),
    "time": lambda n: _dt.time.fromisoformat(n["value"]),
    "timedelta": lambda n: _dt.timedelta(*n["value"]),
}


def _cell_json(v: Any) -> str:
    return json.dumps(_Encoder().encode(v, "cell"), ensure_ascii=False, allow_nan=False)


def _native_object(values: np.ndarray) -> bool:
    """Whether an object column holds only text (or only booleans) and None: Parquet keeps
    those as they are; anything else is stored as JSON text per cell."""
    kinds = {type(v) for v in values if v is not None}
    return kinds <= {str} or kinds <= {bool}


# ---------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------

def _grid_rasters(res: CoverageResult) -> list[tuple[str, Any, str, np.ndarray, dict[str, Any]]]:
    """Every array of a coverage result as (field, key, file name, array, write_geotiff
    keywords); file names as users know them, made unique."""
    out: list[tuple[str, Any, str, np.ndarray, dict[str, Any]]] = []
    used: set[str] = set()

    def name(stem: str) -> str:
        n, i = stem, 1
        while n in used:
            i += 1
            n = f"{stem}_{i}"
        used.add(n)
        return n + ".tif"

    def level(arr: np.ndarray, description: str) -> dict[str, Any]:
        nodata = (_LEVEL_NODATA if not np.any(arr == _LEVEL_NODATA) else float("nan"))
        return {"nodata": nodata, "description": description, "units": "dBm"}

    for tech, arr in res.level_dbm.items():
        kind = _TECH_LEVEL.get(tech, "level")
        out.append(("level_dbm", tech, name(f"level_{_slug(tech)}_dbm"), arr,
                    level(arr, f"best-server {tech} {kind} (dBm)")))
        server = res.server.get(tech)
        if server is not None:
            out.append(("server", tech, name(f"server_{_slug(tech)}"), server, {
                "nodata": -1,
                "description": f"best-server {tech} cell (cell_index of cells.csv)"}))
    for tech, arr in res.server.items():
        if tech not in res.level_dbm:
            out.append(("server", tech, name(f"server_{_slug(tech)}"), arr, {
                "nodata": -1,
                "description": f"best-server {tech} cell (cell_index of cells.csv)"}))
    for key, mask in res.covered.items():
        out.append(("covered", key, name(f"covered_{_slug(key)}"), mask,
                    {"nodata": None, "description": f"covered: {key} (1 = yes)",
                     "colormap": MASK_COLOURS}))
    for tech, arr in res.probability.items():
        out.append(("probability", tech, name(f"probability_{_slug(tech)}"), arr, {
            "nodata": _LEVEL_NODATA if not np.any(arr == _LEVEL_NODATA) else float("nan"),
            "description": f"location probability of the best-server {tech} level at its "
                           "threshold (0..1)"}))
    for (op, tech), arr in res.operator_level_dbm.items():
        kind = _TECH_LEVEL.get(tech, "level")
        out.append(("operator_level_dbm", (op, tech),
                    name(f"level_{_slug(tech)}_{_slug(op)}_dbm"), arr,
                    level(arr, f"best-server {tech} {kind} of {op} (dBm)")))
    return out


def write_coverage_rasters(res: CoverageResult, folder: str | Path) -> list[Path]:
    """Write the coverage rasters of ``res`` into ``folder`` as Cloud-Optimized GeoTIFFs:
    best-server levels (dBm, float32, nodata -9999), serving cell (index into cells.csv, int32,
    -1 = none), coverage masks (uint8 0/1), location probabilities (float32, 0..1, nodata
    -9999) and each operator's best level per technology.
    (:func:`save_analysis` writes them into ``rasters/`` of the stored result.)"""
    return [write_geotiff(Path(folder) / fname, arr, res.grid, **kw)
            for _, _, fname, arr, kw in _grid_rasters(res)]


#: Schedules the write of one file: ``add(path, fn, *args, **kwargs)`` has
#: ``fn(*args, **kwargs)`` write ``path`` (now or later) and returns ``path``.
AddWrite = Callable[..., Path]


def _write_now(path: Path, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Path:
    fn(*args, **kwargs)
    return Path(path)


class _Saver(_Encoder):
    def __init__(self, folder: Path, add: AddWrite = _write_now) -> None:
        self.folder = folder
        self.add = add   # the rasters' writes
        self.written: list[Path] = []
        self._memo: dict[int, tuple[Any, str]] = {}   # id -> (object, where first stored)
        self._files: set[str] = set()

    def _file(self, where: str, suffix: str, base: str = DATA_DIR) -> str:
        parts = [_slug(p) or "_" for p in where.split("/") if p]
        stem = "/".join([base, *parts])
        rel, i = stem + suffix, 1
        while rel in self._files:
            i += 1
            rel = f"{stem}_{i}{suffix}"
        self._files.add(rel)
        return rel

    def other(self, v: Any, where: str) -> Any:
        if not (isinstance(v, pd.DataFrame) or _CLASSES.get(type(v).__name__) is type(v)):
            return super().other(v, where)
        if id(v) in self._memo:
            return {"$type": "ref", "to": self._memo[id(v)][1]}
        self._memo[id(v)] = (v, where)
        if isinstance(v, pd.DataFrame):
            return self.table(v, where)
        if isinstance(v, Raster):
            return self._raster(v, where)
        if isinstance(v, CoverageResult):
            return self._coverage(v, where)
        if isinstance(v, RoadNetwork):
            return self._network(v, where)
        return self.dataclass(v, where)

    def dataclass(self, obj: Any, where: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        node: dict[str, Any] = {"$type": type(obj).__name__}
        for f in dataclasses.fields(obj):
            if f.name not in skip:
                node[f.name] = self.encode(getattr(obj, f.name), f"{where}/{f.name}".lstrip("/"))
        return node

    def table(self, df: pd.DataFrame, where: str) -> dict[str, Any]:
        geo = (isinstance(df, gpd.GeoDataFrame)
               and getattr(df, "_geometry_column_name", None) in df.columns)
        if not df.columns.is_unique or not all(isinstance(c, str) for c in df.columns):
            raise TypeError(f"the stored result cannot hold {where}: its column names must be "
                            f"unique text ({list(df.columns)})")
        out = df.copy(deep=False)
        out.attrs = {}
        columns = []
        for name in df.columns:
            col = df[name]
            spec = {"name": name, "dtype": str(col.dtype)}
            if isinstance(col.dtype, gpd.array.GeometryDtype):
                spec["crs"] = self.encode(col.crs, where)
            elif col.dtype == object and not _native_object(col.to_numpy(object)):
                out[name] = [_cell_json(v) for v in col]
                spec["encoding"] = "json"
            columns.append(spec)
        rel = self._file(where, ".parquet")
        path = self.folder / rel
        with atomic_path(path) as tmp:
            if geo:
                out.to_parquet(tmp, index=None, compression=_COMPRESSION,
                               geometry_encoding="WKB")
            else:
                pd.DataFrame(out).to_parquet(tmp, index=None, compression=_COMPRESSION)
        self.written.append(path)
        node = {"$type": "table", "class": type(df).__name__, "file": rel, "rows": len(df),
                "columns": columns, "attrs": self.encode(df.attrs, f"{where}.attrs")}
        if geo:
            node["geometry"] = df.geometry.name
        return node

    def _raster(self, r: Raster, where: str) -> dict[str, Any]:
        node = self.dataclass(r, where, skip=("data",))
        rows, cols = r.data.shape
        grid = SimpleNamespace(transform=r.transform, crs=r.crs, width=cols, height=rows)
        rel = self._file(where, ".tif")
        floating = np.issubdtype(r.data.dtype, np.floating)
        path = self.folder / rel
        self.written.append(self.add(path, write_geotiff, path, r.data, grid,
                                     nodata=float("nan") if floating else None,
                                     description=f"{r.source} (as the analysis used it)"))
        node["data"] = {"$type": "raster_file", "file": rel, "dtype": r.data.dtype.str,
                        "shape": [rows, cols], "nodata": "nan" if floating else None}
        return node

    def _coverage(self, res: CoverageResult, where: str) -> dict[str, Any]:
        fields = _COVERAGE_ARRAYS
        node = self.dataclass(res, where, skip=fields)
        for f in fields:
            node[f] = []
        for field, key, fname, arr, kw in _grid_rasters(res):
            if arr.shape != (res.grid.height, res.grid.width):
                raise TypeError(f"the stored result cannot hold coverage {field}[{key!r}]: "
                                f"shape {arr.shape} is not the grid's")
            rel = f"{RASTER_DIR}/{fname}"
            path = self.folder / rel
            self.written.append(self.add(path, write_geotiff, path, arr, res.grid, **kw))
            nodata = kw["nodata"]
            node[field].append({"key": self.encode(key, where), "file": rel,
                                "dtype": arr.dtype.str,
                                "nodata": self.encode(nodata, where)})
        return node

    def _network(self, net: RoadNetwork, where: str) -> dict[str, Any]:
        arrays = ("node_xy", "component", "seg_u", "seg_v", "seg_length_m", "seg_road",
                  "segments", "road_ids", "tree")
        node = self.dataclass(net, where, skip=arrays)
        node["tree"] = "built again from segments"
        node["dtypes"] = {a: getattr(net, a).dtype.str for a in arrays[:-1]}
        xy = np.asarray(net.node_xy).reshape(-1, 2)
        node["nodes"] = self.table(pd.DataFrame(
            {"x": xy[:, 0], "y": xy[:, 1], "component": net.component}), f"{where}/nodes")
        assert net.segments is not None, "a densified network is not stored"
        segments = gpd.GeoDataFrame(
            {"u": net.seg_u, "v": net.seg_v, "length_m": net.seg_length_m,
             "road": net.seg_road},
            geometry=gpd.GeoSeries(list(net.segments), crs=net.crs), crs=net.crs)
        node["segments"] = self.table(segments, f"{where}/segments")
        node["roads"] = self.table(pd.DataFrame({"road_id": net.road_ids}), f"{where}/roads")
        return node


def _tool_version() -> str:
    # the package is imported whenever this module is; importing its root here would make
    # this layer depend on every layer the root re-exports (the import contract)
    return __version__


def save_analysis(analysis: Analysis, folder: str | Path) -> list[Path]:
    """Store ``analysis`` in ``folder`` (created when missing): ``result.json``, the tables
    under ``data/`` and the coverage rasters under ``rasters/`` (see the module's help).
    Returns the paths written, ``result.json`` last: a folder holding it is complete.

    Everything an output is rendered from is stored; :func:`read_analysis` reads it back
    without the input files. Each file is written under a temporary name and renamed when
    complete.
    """
    return begin_saving(analysis, folder).finish()


class PendingSave:
    """A stored result under way (:func:`begin_saving`): its tables written, its rasters
    handed to ``add``; :meth:`finish` writes ``result.json`` once they are written."""

    def __init__(self, folder: Path, doc: dict[str, Any], written: list[Path]) -> None:
        self.folder, self._doc, self._written = folder, doc, written

    def finish(self) -> list[Path]:
        """Write ``result.json``, the mark of a complete folder, once every file it names is
        there (the scheduled writes done; RuntimeError otherwise): the paths, it last."""
        missing = [p for p in self._written if not p.is_file()]
        if missing:
            raise RuntimeError(f"the stored result in {self.folder} is not complete: "
                               f"{missing[0]} was not written")
        path = self.folder / RESULT_FILE
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self._doc, indent=1, ensure_ascii=False,
                                      allow_nan=False) + "\n", encoding="utf-8")
        return [*self._written, path]


def begin_saving(analysis: Analysis, folder: str | Path, add: AddWrite | None = None
                 ) -> PendingSave:
    """:func:`save_analysis` in two steps: the tables are written now and each raster's
    write is handed to ``add`` (:data:`AddWrite`; by default, written now), e.g. to be run by
    other processes meanwhile; :meth:`PendingSave.finish` then writes ``result.json``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    saver = _Saver(folder, _write_now if add is None else add)
    tree = saver.encode(analysis, "") if isinstance(analysis, Analysis) else None
    if tree is None:
        raise TypeError(f"save_analysis needs an Analysis, not a {type(analysis).__name__}")
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "tool_version": _tool_version(),
           "scenario": analysis.project.scenario.name, "analysis": tree}
    return PendingSave(folder, doc, saver.written)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------

class _Reader(_Decoder):
    def __init__(self, folder: Path, rasters_when_used: bool = False) -> None:
        super().__init__()
        self.folder = folder
        self._when_used = rasters_when_used
        self._done: dict[str, Any] = {}   # where -> object, for refs

    def _path(self, rel: Any) -> Path:
        if (not isinstance(rel, str) or rel.startswith(("/", "\\")) or ":" in rel
                or ".." in PurePath(rel).parts):
            raise _Damaged(f"a file outside the folder: {rel!r}")
        path = self.folder / rel
        if not path.is_file():
            raise ResultFormatError(
                f"{path}: missing; the stored result in {self.folder} is incomplete (run "
                "'coverage-gis analyze' again)")
        return path

    def _read(self, rel: str, how: Callable[[Path], Any]) -> Any:
        return _read_file(self._path(rel), self.folder, how)

    def other(self, tag: str, node: dict, where: str) -> Any:
        if tag == "ref":
            if node["to"] not in self._done:
                raise _Damaged(f"{where}: refers to {node['to']!r}, not read before it")
            return self._done[node["to"]]
        if tag == "table":
            value = self.table(node, where)
        elif tag in _CLASSES:
            value = self.dataclass(tag, node, where)
        else:
            return super().other(tag, node, where)
        self._done[where] = value
        return value

    def dataclass(self, tag: str, node: dict, where: str) -> Any:
        cls = _CLASSES[tag]
        fields = {f.name: f for f in dataclasses.fields(cls)}
        special = {"RoadNetwork": self._network, "CoverageResult": self._coverage,
                   "Raster": self._raster}.get(tag)
        kwargs = special(node, where) if special else {}
        for name, value in node.items():
            if name == "$type" or name in kwargs or (special and name not in fields):
                continue
            if name not in fields:
                raise _Damaged(f"{where}: {tag} has no field {name!r}")
            kwargs[name] = self.decode(value, f"{where}/{name}".lstrip("/"))
        missing = [n for n, f in fields.items() if n not in kwargs and f.init
                   and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        if missing:
            raise _Damaged(f"{where}: {tag} lacks {', '.join(missing)}")
        return cls(**kwargs)

    def table(self, node: dict, where: str) -> pd.DataFrame:
        def read(path: Path) -> pd.DataFrame:
            import pyarrow.parquet as pq

            return pq.read_table(path).to_pandas()

        df = self._read(node["file"], read)
        if list(df.columns) != [c["name"] for c in node["columns"]] or len(df) != node["rows"]:
            raise ResultFormatError(f"{self.folder / node['file']}: does not hold the table "
                                    f"result.json describes; the stored result in "
                                    f"{self.folder} is damaged")
        for spec in node["columns"]:
            if spec["dtype"] == "geometry":  # WKB, with the CRS of result.json
                df[spec["name"]] = gpd.GeoSeries.from_wkb(
                    df[spec["name"]], index=df.index, crs=self.decode(spec["crs"], where))
            else:
                _restore_column(df, spec)
        if node["class"] == "GeoDataFrame":
            df = gpd.GeoDataFrame(df, geometry=node.get("geometry"))
        df.attrs = self.decode(node["attrs"], f"{where}.attrs")
        return df

    def _raster(self, node: dict, where: str) -> dict[str, Any]:
        spec = node["data"]
        return {"data": self._band(spec, tuple(spec["shape"]))}

    def _band(self, spec: dict, shape: tuple[int, ...]) -> np.ndarray:
        def read(path: Path) -> np.ndarray:
            return _restore_array(_read_band(path), spec, shape)

        return self._read(spec["file"], read)

    def _coverage(self, node: dict, where: str) -> dict[str, Any]:
        grid = self.decode(node["grid"], f"{where}/grid")
        shape = (grid.height, grid.width)
        out: dict[str, Any] = {"grid": grid}
        for field in _COVERAGE_ARRAYS:
            files = {}
            for spec in node[field]:
                path = self._path(spec["file"])
                _read_file(path, self.folder, lambda p: _check_band(p, shape))
                files[self.decode(spec["key"], where)] = (
                    path, {**spec, "nodata": self.decode(spec["nodata"], where)})
            out[field] = bands = StoredBands(files, shape, self.folder)
            if not self._when_used:
                for key in bands:
                    bands[key]  # read now
        return out

    def _network(self, node: dict, where: str) -> dict[str, Any]:
        dt = {k: np.dtype(v) for k, v in node["dtypes"].items()}
        nodes = self.decode(node["nodes"], f"{where}/nodes")
        segs = self.decode(node["segments"], f"{where}/segments")
        roads = self.decode(node["roads"], f"{where}/roads")
        segments = np.empty(len(segs), dtype=object)
        segments[:] = list(segs.geometry.array)
        return {
            "node_xy": np.column_stack([nodes["x"].to_numpy(), nodes["y"].to_numpy()]
                                       ).astype(dt["node_xy"]),
            "component": nodes["component"].to_numpy().astype(dt["component"]),
            "seg_u": segs["u"].to_numpy().astype(dt["seg_u"]),
            "seg_v": segs["v"].to_numpy().astype(dt["seg_v"]),
            "seg_length_m": segs["length_m"].to_numpy().astype(dt["seg_length_m"]),
            "seg_road": segs["road"].to_numpy().astype(dt["seg_road"]),
            "segments": segments.astype(dt["segments"]),
            "road_ids": roads["road_id"].to_numpy().astype(dt["road_ids"]),
            "tree": shapely.STRtree(segments),
        }


class StoredBands(Mapping[Any, np.ndarray]):
    """The coverage rasters of a stored result (key -> array, as they were written), each
    read from its GeoTIFF when first used (all of them at once by :func:`read_analysis`
    unless ``rasters_when_used``), then kept; :meth:`window` reads only a part of each (a
    unit's report reads its unit, not the province's grid). Each file's size was checked
    when the result was read; a file damaged beyond its header is named when it is read
    (:class:`ResultFormatError`)."""

    def __init__(self, files: dict[Any, tuple[Path, dict]], shape: tuple[int, int],
                 folder: Path) -> None:
        self._files, self._shape, self._folder = files, shape, folder
        self._arrays: dict[Any, np.ndarray] = {}
        # each file as it stood when the result was read: a file read later that is not
        # the same one (the folder replaced since by another run) is refused, not mixed in
        self._stat = {key: _identity(path) for key, (path, _) in files.items()}

    def _same_file(self, key: Any) -> Path:
        path = self._files[key][0]
        if _identity(path) != self._stat[key]:
            raise ResultFormatError(
                f"{path}: replaced since the stored result in {self._folder} was read (another "
                "run wrote the folder meanwhile); read it again (cg.read_analysis)")
        return path

    def __getitem__(self, key: Any) -> np.ndarray:
        if key not in self._arrays:
            path, spec = self._files[key]
            self._same_file(key)
            self._arrays[key] = _read_file(
                path, self._folder, lambda p: _restore_array(_read_band(p), spec, self._shape))
        return self._arrays[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def window(self, rows: slice, cols: slice) -> dict[Any, np.ndarray]:
        """Each array's cells ``[rows, cols]`` (slices within the grid, step 1), read from
        the files' tiles that hold them when not already read whole."""
        shape = (rows.stop - rows.start, cols.stop - cols.start)

        def part(key: Any) -> np.ndarray:
            if key in self._arrays:
                return np.ascontiguousarray(self._arrays[key][rows, cols])
            path, spec = self._files[key]
            self._same_file(key)
            return _read_file(path, self._folder, lambda p: _restore_array(
                _read_band(p, (rows, cols)), spec, shape))

        return {key: part(key) for key in self._files}


def _identity(path: Path) -> tuple[int, ...] | None:
    """Which file ``path`` is (device, inode, size, modification time in ns); None when it
    is not there."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _read_file(path: Path, folder: Path, how: Callable[[Path], Any]) -> Any:
    """``how(path)`` for a data file of the stored result in ``folder``; any failure as a
    :class:`ResultFormatError` naming the file."""
    try:
        return how(path)
    except Exception as exc:
        raise ResultFormatError(
            f"{path}: cannot be read ({type(exc).__name__}: {exc}); the stored result in "
            f"{folder} is damaged (run 'coverage-gis analyze' again)") from None


def _check_band(path: Path, shape: tuple[int, int]) -> None:
    """That ``path`` opens as a raster of ``shape`` (its header only)."""
    import rasterio

    with rasterio.open(path) as ds:
        _check_shape((ds.height, ds.width), shape)


def _check_shape(found: tuple[int, ...], shape: tuple[int, ...]) -> None:
    if found != shape:
        raise ValueError(f"{found[0]} x {found[1]} cells, expected {shape[0]} x {shape[1]}")


def _read_band(path: Path, window: tuple[slice, slice] | None = None) -> np.ndarray:
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(path) as ds:
        return ds.read(1, window=None if window is None else Window.from_slices(*window))


def _restore_array(data: np.ndarray, spec: dict, shape: tuple[int, ...]) -> np.ndarray:
    """A raster band as the array that was written: booleans from 0/1, nodata back to NaN
    (``data``, just read, is changed in place)."""
    _check_shape(data.shape, shape)
    dtype = np.dtype(spec["dtype"])
    nodata = spec.get("nodata")
    if nodata == "nan":
        nodata = float("nan")
    if np.issubdtype(dtype, np.floating) and isinstance(nodata, float) and \
            not math.isnan(nodata):
        data[data == nodata] = np.nan
    return data.astype(dtype, copy=False)


def _restore_column(df: pd.DataFrame, spec: dict) -> None:
    """A column read from Parquet back to the dtype and values that were written."""
    name, dtype = spec["name"], spec["dtype"]
    col = df[name]
    if spec.get("encoding") == "json":
        values = np.empty(len(col), dtype=object)
        decoder = _Decoder()
        values[:] = [decoder.decode(json.loads(x), f"{name}[{i}]") for i, x in enumerate(col)]
        df[name] = pd.Series(values, index=df.index, dtype=object)
    elif dtype == "object":
        df[name] = pd.Series(col.to_numpy(dtype=object, na_value=None), index=df.index,
                             dtype=object)
    elif str(col.dtype) != dtype:
        df[name] = col.astype(dtype)


def check_result_folder(folder: str | Path) -> Path:
    """The ``result.json`` of a stored result, or :class:`ResultFormatError` saying that
    ``folder`` is not one (cheap: reads nothing)."""
    folder = Path(folder)
    path = folder / RESULT_FILE
    if not path.is_file():
        older = (" or written before results were stored; run 'coverage-gis analyze' again"
                 if (folder / "summary.json").is_file() else "")
        raise ResultFormatError(f"{folder}: not a folder written by 'coverage-gis analyze' "
                                f"(it has no {RESULT_FILE}){older}")
    return path


def check_stored_result(folder: str | Path) -> None:
    """Refuse a folder that is not a stored result, or whose stored result is not the one its
    ``manifest.json`` lists (a file missing, or differing: a raster or table copied in from
    another run was read as if it were this one's). Files the manifest does not list (a
    viewer's sidecars) are left alone; a folder without a manifest is judged by its
    ``result.json`` alone."""
    check_result_folder(folder)
    problems = verify_part(folder, STORE_NAMES)
    if problems:
        more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ResultFormatError(
            f"{folder}: its stored result is not the one {MANIFEST} lists ("
            f"{'; '.join(problems[:5])}{more}): changed since it was written, or files copied "
            "in from another run; run 'coverage-gis analyze' again")


def read_analysis(folder: str | Path, *, rasters_when_used: bool = False,
                  check: bool = True) -> Analysis:
    """Read back the :class:`~coverage_gis.results.analysis.Analysis` stored in ``folder`` (an
    output folder of ``coverage-gis analyze``, or its ``result.json``) by
    :func:`save_analysis`. Nothing is recomputed and no input file is needed.

    The coverage rasters (:class:`StoredBands`) are read now, or with
    ``rasters_when_used`` each when first used, or only a window of them: for a use that
    ends before the folder can change (``coverage-gis report``, which holds the folder
    meanwhile: :func:`~coverage_gis.results.folder.reading`), not for a result kept while
    another run may replace the folder.

    ``check`` (default): the stored result is checked against the set's manifest first
    (:func:`check_stored_result`: found by fuzzing, a table and a raster copied in from
    another run were read without a word), and the folder held while it is read, so that a
    run replacing it meanwhile cannot mix two results. ``check=False`` is for a caller that
    did both itself.

    Raises
    ------
    ResultFormatError
        Naming the folder and the file: no ``result.json`` (not a folder written by
        ``coverage-gis analyze``), files unlike the manifest's, another format or format
        version, a data file missing or unreadable.
    LockedError
        Another run is writing the folder now.
    """
    folder = as_path(folder, "folder")
    if folder.name == RESULT_FILE and folder.is_file():
        folder = folder.parent
    if not check:
        return _read_analysis(folder, rasters_when_used)
    check_result_folder(folder)  # before a lock file is made beside a folder of other things
    with reading(folder):
        check_stored_result(folder)
        return _read_analysis(folder, rasters_when_used)


def _read_analysis(folder: Path, rasters_when_used: bool) -> Analysis:
    path = check_result_folder(folder)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultFormatError(f"{path}: cannot be read as a stored result ({exc})") from None
    fmt = doc.get("format") if isinstance(doc, dict) else None
    if fmt != FORMAT:
        raise ResultFormatError(f"{path}: is not a coverage-gis stored result (format "
                                f"{fmt!r}, expected {FORMAT!r})")
    version = doc.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise ResultFormatError(
            f"{path}: stored result format version {version!r}; this coverage-gis reads "
            f"version {FORMAT_VERSION}; run 'coverage-gis analyze' again (or use the "
            "coverage-gis that wrote it)")
    try:
        analysis = _Reader(folder, rasters_when_used).decode(doc["analysis"], "")
    except ResultFormatError:
        raise
    except Exception as exc:  # whatever it is, it is in result.json: no traceback
        detail = (f"missing {exc}" if isinstance(exc, KeyError)
                  else str(exc) if isinstance(exc, _Damaged) else f"{type(exc).__name__}: {exc}")
        raise ResultFormatError(f"{path}: damaged or not understood ({detail}); run "
                                "'coverage-gis analyze' again") from None
    if not isinstance(analysis, Analysis):
        raise ResultFormatError(f"{path}: holds no analysis")
    return analysis
