"""Validation at the boundary: the checks and messages every loader shares (a file that is
missing, a folder, empty; what a library raised for a file it cannot read, as an
:class:`~coverage_gis.errors.InputError` naming the file). Of the geodata libraries it loads
only pyproj (through :mod:`coverage_gis.io.crs`); the others' error types are imported when an
error is being explained, so that the DEM reader (:mod:`coverage_gis.io.raster`) loads without
pandas or geopandas."""

from __future__ import annotations

import csv
import functools
import os
import xml.parsers.expat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coverage_gis.errors import InputError
from coverage_gis.io.crs import resolve_crs

if TYPE_CHECKING:  # pragma: no cover
    from pyproj import CRS

__all__ = ["PathLike", "FORMATS", "TABLE_SUFFIXES", "file_name", "file_kind", "check_path",
           "library_errors", "reason", "at_boundary", "resolve_user_crs"]

PathLike = str | os.PathLike

TABLE_SUFFIXES = {".csv", ".txt", ".tsv"}

#: What a file of each suffix is, for messages ("cannot be read as a GeoPackage").
FORMATS = {".geojson": "a GeoJSON file", ".json": "a GeoJSON file", ".gpkg": "a GeoPackage",
           ".shp": "a shapefile", ".dbf": "a shapefile's .dbf table",
           ".zip": "a zipped shapefile", ".kml": "a KML file", ".kmz": "a KMZ file",
           ".fgb": "a FlatGeobuf file", ".csv": "a CSV table", ".txt": "a text table",
           ".tsv": "a tab-separated table", ".xlsx": "an Excel workbook",
           ".xls": "an Excel workbook", ".tif": "a GeoTIFF", ".tiff": "a GeoTIFF",
           ".hgt": "an SRTM .hgt tile"}


def file_name(path: Path) -> str:
    return path.name


def file_kind(path: Path) -> str:
    """``"a GeoPackage"``, ``"a CSV table"``... for a file's suffix."""
    return FORMATS.get(path.suffix.lower(), f"a '{path.suffix}' file" if path.suffix
                        else "a data file")


def check_path(path: PathLike) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: file not found")
    if p.is_dir():
        raise InputError(f"{p}: is a folder; expected a file")
    if p.stat().st_size == 0 and p.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"{p.name}: is empty (0 bytes); expected {file_kind(p)}")
    return p


def library_errors() -> tuple[type[BaseException], ...]:
    """What the libraries under the loaders raise for a file they cannot read."""
    import xml.etree.ElementTree as ElementTree

    from pandas.errors import EmptyDataError, ParserError
    from pyogrio.errors import DataLayerError, DataSourceError
    from pyproj.exceptions import CRSError
    from rasterio._err import CPLE_BaseError
    from rasterio.errors import RasterioError
    from shapely.errors import GEOSException

    found: list[type[BaseException]] = [
        OSError, UnicodeError, csv.Error, zipfile.BadZipFile, zipfile.LargeZipFile,
        ElementTree.ParseError, xml.parsers.expat.ExpatError, EmptyDataError, ParserError,
        DataSourceError, DataLayerError, RasterioError,
        CPLE_BaseError, CRSError, GEOSException]
    for module, name in (("openpyxl.utils.exceptions", "InvalidFileException"),
                         ("lxml.etree", "XMLSyntaxError")):
        try:
            found.append(getattr(__import__(module, fromlist=[name]), name))
        except ImportError:  # pragma: no cover - optional libraries
            pass
    return tuple(found)


def reason(exc: BaseException, path: Path) -> str:
    """A library's message, without the file's path (the message names the file already) and
    with GDAL's "not recognized" explained."""
    text = str(exc) or type(exc).__name__
    for s in (f"/vsizip/{path}", str(path), path.name):
        text = text.replace(f"'{s}'", "the file").replace(s, "the file")
    if "not recognized as" in text and ("supported file format" in text
                                        or "supported dataset name" in text):
        return ("GDAL does not recognise its content (a damaged file, or another kind of "
                "file renamed)")
    return text.split("; It might help")[0].strip().rstrip(".")


def at_boundary(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn what a library raises for an unreadable file into an :class:`InputError` naming
    the file (the first argument, or ``path=``); anything else is a bug and propagates."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError:
            raise
        except Exception as exc:
            if not (isinstance(exc, library_errors()) or type(exc) is LookupError):
                raise
            path = Path(args[0] if args else kwargs["path"])
            raise InputError(f"{path.name}: cannot be read as {file_kind(path)} "
                             f"({type(exc).__name__}: {reason(exc, path)})") from exc
    return wrapper


def resolve_user_crs(crs: Any, source: str) -> CRS | None:
    if crs is None:
        return None
    try:
        return resolve_crs(crs)
    except ValueError as exc:
        raise InputError(f"{source}: {exc}") from None
