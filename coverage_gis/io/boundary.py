"""Validation at the boundary: the checks and messages every loader shares (a file that is
missing, a folder, empty; what a library raised for a file it cannot read, as an
:class:`~coverage_gis.errors.InputError` naming the file). Of the geodata libraries it loads
only pyproj (through :mod:`coverage_gis.io.crs`); the others' error types are imported when an
error is being explained, so that the DEM reader (:mod:`coverage_gis.io.raster`) loads without
pandas or geopandas."""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import os
import re
import threading
import xml.etree.ElementTree as ElementTree
import xml.parsers.expat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coverage_gis.config.params import as_path
from coverage_gis.errors import InputError
from coverage_gis.io.crs import resolve_crs

if TYPE_CHECKING:  # pragma: no cover
    from pyproj import CRS

__all__ = ["PathLike", "FORMATS", "TABLE_SUFFIXES", "file_name", "file_kind", "as_path",
           "check_path", "library_errors", "reason", "at_boundary", "resolve_user_crs",
           "network_source", "offline", "BOMS", "bom_codec", "first_row"]

PathLike = str | os.PathLike

TABLE_SUFFIXES = {".csv", ".txt", ".tsv"}

#: What a file of each suffix is, for messages ("cannot be read as a GeoPackage").
FORMATS = {".geojson": "a GeoJSON file", ".json": "a GeoJSON file", ".gpkg": "a GeoPackage",
           ".shp": "a shapefile", ".dbf": "a shapefile's .dbf table",
           ".zip": "a zipped shapefile", ".kml": "a KML file", ".kmz": "a KMZ file",
           ".fgb": "a FlatGeobuf file", ".csv": "a CSV table", ".txt": "a text table",
           ".tsv": "a tab-separated table", ".xlsx": "an Excel workbook",
           ".xls": "an Excel workbook", ".tif": "a GeoTIFF", ".tiff": "a GeoTIFF",
           ".hgt": "an SRTM .hgt tile", ".vrt": "a GDAL virtual file (VRT)"}

#: A path or name GDAL would fetch over the network: its virtual network file systems
#: (``/vsicurl/``, ``/vsis3/``..., also inside ``/vsizip/``) and URLs (``https://``, also
#: behind a driver prefix such as ``WMS:``).
_NETWORK = re.compile(r"/vsi(curl|s3|gs|az|adls|oss|swift|webhdfs|hdfs)(_streaming)?[/?]"
                      r"|\b(https?|ftps?)://", re.IGNORECASE)

#: Root elements of GDAL's XML files that name other datasets (raster and vector VRTs, and
#: the web-service descriptions, which are nothing but network addresses).
_GDAL_XML_ROOTS = ("VRTDataset", "OGRVRTDataSource", "GDAL_WMS", "GDAL_WCS", "WCS_GDAL",
                   "GDAL_WMTS")


#: Byte-order marks and the codec that reads them (UTF-32 first: its LE mark starts UTF-16's).
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"))

#: How much of a text table :func:`first_row` reads: a first line is far shorter.
_FIRST_LINE_BYTES = 65536


def bom_codec(raw: bytes) -> str | None:
    """The codec the byte-order mark at the start of ``raw`` names, or None without one."""
    return next((codec for mark, codec in BOMS if raw.startswith(mark)), None)


def first_row(path: Path) -> list[str]:
    """The fields of a text table's first line, for recognising its format: decoded as the
    table readers decode it (a byte-order mark names UTF-8, UTF-16 or UTF-32, else UTF-8;
    undecodable bytes replaced), split on the most frequent of comma, tab (Excel's "Unicode
    Text") and semicolon (a comma on a tie). [] for a file that cannot be read."""
    try:
        with path.open("rb") as f:
            raw = f.read(_FIRST_LINE_BYTES)
    except OSError:
        return []
    decoder = codecs.getincrementaldecoder(bom_codec(raw) or "utf-8-sig")(errors="replace")
    lines = decoder.decode(raw).removeprefix("\ufeff").splitlines()
    if not lines:
        return []
    text = lines[0]
    delimiter = max(",\t;", key=text.count)
    return next(csv.reader([text], delimiter=delimiter), [])


def file_name(path: Path) -> str:
    return path.name


def file_kind(path: Path) -> str:
    """``"a GeoPackage"``, ``"a CSV table"``... for a file's suffix."""
    return FORMATS.get(path.suffix.lower(), f"a '{path.suffix}' file" if path.suffix
                        else "a data file")


def check_path(path: PathLike, what: str = "path") -> Path:
    """``path`` (see :func:`as_path`) as an existing regular file, else an
    :class:`InputError` saying what it is."""
    p = as_path(path, what)
    if not p.exists():
        raise InputError(f"{p}: file not found")
    if p.is_dir():
        raise InputError(f"{p}: is a folder; expected a file")
    if not p.is_file():  # /dev/stdin (a pipe), a device: it said "is empty (0 bytes)"
        raise InputError(f"{p}: is not a regular file (a pipe or a device); files are read "
                         "by their name's extension: save the data to a file (e.g. "
                         "sites.csv) and give that")
    if p.stat().st_size == 0 and p.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"{p.name}: is empty (0 bytes); expected {file_kind(p)}")
    found = network_source(p)
    if found:
        target, inner = found
        where = f"{inner}, a file it names, reads {target}" if inner != p.name else target
        raise InputError(f"{p.name}: refers to data on the network ({where}); "
                         "coverage-gis runs offline and never fetches data: download the "
                         "data and point the VRT at the local copy")
    return p


def _gdal_xml(path: Path) -> ElementTree.Element | None:
    """The root of a GDAL XML file (a VRT, whatever its name: GDAL opens one by its
    content), or None for any other file or XML GDAL would not follow. Tables (read by
    Python, not GDAL) and what is not a regular file (a pipe) are not looked into."""
    if path.suffix.lower() in TABLE_SUFFIXES or not path.is_file():
        return None
    try:
        with path.open("rb") as f:
            head = f.read(1024).lstrip()
    except OSError:
        return None
    if not head.startswith(b"<") or not any(f"<{r}".encode() in head
                                            for r in _GDAL_XML_ROOTS):
        return None
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError, ValueError):
        return None  # GDAL will refuse it too, and say why
    return root if root.tag in _GDAL_XML_ROOTS else None


def network_source(path: Path, _seen: frozenset[Path] = frozenset()
                   ) -> tuple[str, str] | None:
    """The first network address a GDAL XML file (a raster or vector VRT, a WMS/WCS
    description; and the VRTs it names, nested) would make GDAL fetch, with the name of the
    file that holds it; None for a file that names none (or is not such XML)."""
    root = _gdal_xml(path)
    if root is None:
        return None
    seen = _seen | {path.resolve()}
    metadata = {id(e) for m in root.iter("Metadata") for e in m.iter()}
    for element in root.iter():
        if id(element) in metadata:
            continue
        for value in (element.text or "", *element.attrib.values()):
            value = value.strip()
            if _NETWORK.search(value):
                return value, path.name
            if not value or len(value) > 4096 or "\n" in value:
                continue
            for local in dict.fromkeys((path.parent / value, Path(value))):
                try:
                    nested = local.is_file() and local.resolve() not in seen
                except (OSError, ValueError):
                    nested = False
                found = network_source(local, seen) if nested else None
                if found:
                    return found
    return None


_offline_lock = threading.Lock()
#: How many readers are inside :func:`offline`, and pyogrio's options before the first.
_offline_state: dict[str, Any] = {"depth": 0, "saved": None}
#: GDAL's own guard: /vsicurl/ (and the other network file systems built on it) opens only
#: files whose names end in one of these extensions; none does.
_NO_NETWORK = {"CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".coverage-gis-runs-offline"}


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """Refuse network reads in GDAL (rasterio's copy and, when loaded, pyogrio's) for the
    duration: the second guard behind :func:`network_source`. pyogrio's options are global,
    so they are set by the first reader in and restored by the last one out."""
    import sys

    import rasterio

    pyogrio = sys.modules.get("pyogrio")
    with _offline_lock:
        if _offline_state["depth"] == 0 and pyogrio is not None:
            _offline_state["saved"] = {k: pyogrio.get_gdal_config_option(k)
                                       for k in _NO_NETWORK}
            pyogrio.set_gdal_config_options(_NO_NETWORK)
        _offline_state["depth"] += 1
    try:
        with rasterio.Env(**_NO_NETWORK):
            yield
    finally:
        with _offline_lock:
            _offline_state["depth"] -= 1
            saved = _offline_state["saved"]
            if _offline_state["depth"] == 0 and pyogrio is not None and saved is not None:
                pyogrio.set_gdal_config_options(saved)
                _offline_state["saved"] = None


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
        if _is_gzip(path):  # OpenCelliD's 452.csv.gz as downloaded (found by a review)
            inner = path.name[:-3] if path.name.lower().endswith(".gz") else "the file inside"
            return (f"it is gzip-compressed: unpack it first (gunzip -k {path.name}) and give "
                    f"{inner}")
        return ("GDAL does not recognise its content (a damaged file, or another kind of "
                "file renamed)")
    return text.split("; It might help")[0].strip().rstrip(".")


def _is_gzip(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def at_boundary(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn what a library raises for an unreadable file into an :class:`InputError` naming
    the file (the first argument, or ``path=``); anything else is a bug and propagates."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with offline():
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
        return resolve_crs(crs, source)
    except ValueError as exc:
        raise InputError(f"{source}: {exc}") from None
