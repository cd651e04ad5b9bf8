"""Reading every layer from the files users really have, and writing outputs atomically.

Formats: GeoJSON, GeoPackage (``layer=``), Shapefile (also zipped), KML/KMZ (every folder),
FlatGeobuf and anything else GDAL reads; CSV/TXT with lon/lat columns (or x/y plus ``crs=``);
OpenCelliD CSV (with or without its header row); XLSX for statistics; GeoTIFF for the DEM.
Text tables are UTF-8 (a byte-order mark is dropped; UTF-16 with its byte-order mark is read too)
unless ``encoding=`` names another codec or legacy Vietnamese (``tcvn3``, ``vni``).

Each public ``read_*`` function takes a path and keyword options, validates the layer against its
contract (:mod:`coverage_gis.schema`), and returns a GeoDataFrame in ``to_crs`` (WGS 84 by
default; ``to_crs=None`` keeps the file's CRS). Problems raise one
:class:`~coverage_gis.schema.InputError` that lists them all; repairs emit
:class:`~coverage_gis.schema.InputWarning`. Input files are only ever opened for reading.

Whatever a file holds, a loader ends either in a layer or in an :class:`InputError` naming the
file: what the libraries underneath raise for a file they cannot read (GDAL, rasterio, pandas,
openpyxl, zipfile, XML and codec errors) is turned into one at the loader's boundary
(:func:`_at_boundary`), and the usual cases (a binary file given as CSV, a shapefile without its
.shx or .dbf, a KML that is not well-formed, an encoding the bytes contradict) are recognised
first and explained.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import unicodedata
import warnings
import xml.parsers.expat
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer

from coverage_gis.config import settings
from coverage_gis.config.params import parse_angle
from coverage_gis.errors import InputError, InputWarning, RowsExcludedWarning
from coverage_gis.io import opencellid, schema, vietnamese, workbook
from coverage_gis.io.boundary import TABLE_SUFFIXES as _TABLE_SUFFIXES
from coverage_gis.io.boundary import PathLike
from coverage_gis.io.boundary import at_boundary as _at_boundary
from coverage_gis.io.boundary import bom_codec as _bom_codec
from coverage_gis.io.boundary import check_path as _check_path
from coverage_gis.io.boundary import file_kind as _format
from coverage_gis.io.boundary import file_name as _name
from coverage_gis.io.boundary import first_row as _first_row
from coverage_gis.io.boundary import reason as _reason
from coverage_gis.io.boundary import resolve_user_crs as _resolve_user_crs
from coverage_gis.io.crs import WGS84, describe_crs, file_crs, resolve_crs
from coverage_gis.io.raster import Raster, read_dem
from coverage_gis.io.schema import Problems

__all__ = [
    "Raster",
    "read_hamlets",
    "read_boundary",
    "read_sites",
    "read_opencellid",
    "read_fibre",
    "read_access_points",
    "read_households",
    "read_roads",
    "read_dem",
    "read_statistics",
    "read_constraints",
    "read_vector",
]

_EXCEL_SUFFIXES = {".xlsx", ".xls"}
_DBF_SUFFIXES = {".shp", ".dbf", ".zip"}
#: Vector formats that are plain text: a codec named for them is applied to the whole file.
_JSON_SUFFIXES = {".geojson", ".json"}
#: MapInfo files: their header names the charset of their 8-bit text.
_MAPINFO_SUFFIXES = {".tab", ".mif"}
#: MapInfo charsets GDAL does not translate (it then hands over the bytes undecoded), with
#: the codec their text is in: Vietnamese offices' "WindowsVietnamese" (Windows-1258, tone
#: marks as combining characters).
_MAPINFO_CODECS = {"windowsvietnamese": "cp1258"}

#: Vector formats GDAL may find inside a .zip besides a shapefile.
_ZIPPED_VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".fgb", ".gml")

# Column names met in real tables for longitude/latitude and projected x/y (case-insensitive).
_LON_NAMES = ("lon", "lng", "long", "longitude", "kinh_do", "kinhdo", "kinh độ", "x_lon")
_LAT_NAMES = ("lat", "latitude", "vi_do", "vido", "vĩ độ", "y_lat")
_X_NAMES = ("x", "easting", "east", "toa_do_x", "x_m")
_Y_NAMES = ("y", "northing", "north", "toa_do_y", "y_m")

# Columns of OpenCelliD's cell export, in file order.
OPENCELLID_COLUMNS = opencellid.CELL_COLUMNS
_OPENCELLID_RADIOS = {"GSM", "UMTS", "LTE", "NR", "CDMA", "NBIOT"}

# Columns the KML drivers add that carry nothing for us when empty.
_KML_NOISE = ("timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
              "visibility", "drawOrder", "icon", "snippet")


# --------------------------------------------------------------------------------------------
# Low-level reading
# --------------------------------------------------------------------------------------------

def _legacy(encoding: str | None) -> str | None:
    return vietnamese.normalise_encoding_name(encoding) if encoding else None


# --------------------------------------------------------------------------------------------
# Text encodings
# --------------------------------------------------------------------------------------------

_ENCODING_HELP = ("expected tcvn3 or vni (legacy Vietnamese; also spelled 'TCVN3', 'ABC', "
                  "'VNI-Windows') or a text codec such as utf-8, cp1258 or utf-16")


def _check_encoding(encoding: Any, source: str) -> str | None:
    """The user's ``encoding`` checked: ``"tcvn3"``/``"vni"``, a Python text codec's name
    (e.g. ``"utf-8"``, ``"cp1258"``) or None; an unknown name is an :class:`InputError`."""
    if encoding is None:
        return None
    legacy = _legacy(encoding) if isinstance(encoding, str) else None
    if legacy:
        return legacy
    try:
        info = codecs.lookup(str(encoding))
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise InputError(f"{source}: encoding={str(encoding)!r} (--encoding / encoding =) is "
                         f"not a known text encoding; {_ENCODING_HELP}")
    return info.name


def _family(codec: str) -> str:
    """``"utf-8"``, ``"utf-16"``, ``"utf-32"`` or the codec's own name."""
    name = codecs.lookup(codec).name
    return next((f for f in ("utf-8", "utf-16", "utf-32") if name.startswith(f)), name)


def _utf8_text(raw: bytes) -> bool:
    """True for bytes with non-ASCII characters that are valid UTF-8: such text is UTF-8 (no
    legacy or 8-bit Vietnamese text is valid UTF-8 by chance)."""
    if raw.isascii():
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _not_that_encoding(source: str, encoding: str, raw: bytes) -> InputError:
    """The error for UTF-8 text given with another ``encoding``, showing what it would
    become."""
    text = raw.decode("utf-8")
    # the field holding the first non-ASCII letter (a CSV line has no spaces to split on:
    # its first 30 characters showed the same text on both sides)
    word = re.search(r"[^\s,;|]*[^\x00-\x7f][^\s,;|]*", text)
    sample = word.group(0)[:30] if word else text[:30]
    legacy = _legacy(encoding)
    as_bytes = sample.encode("utf-8")
    garbled = (vietnamese.decode_legacy(as_bytes, legacy) if legacy
               else as_bytes.decode(encoding, errors="replace"))
    return InputError(f"{source}: is UTF-8 text, not {encoding}: read as {encoding}, "
                      f"{sample!r} would become {garbled!r}; leave out the encoding "
                      "(--encoding / encoding =) for this file")


def _binary_problem(raw: bytes, path: Path) -> InputError:
    """The error for a file with zero bytes given where a text table belongs (a GeoTIFF
    given as the measurements is "a GeoTIFF, not a table", not "expected a GeoTIFF")."""
    source = _name(path)
    kind = _format(path)
    text_kinds = (".csv", ".tsv", ".txt", *_JSON_SUFFIXES)
    expected = kind if path.suffix.lower() in text_kinds else "a CSV table"
    if raw.startswith(b"PK\x03\x04"):
        return InputError(f"{source}: is a ZIP archive (an Excel workbook or a zipped "
                          f"shapefile renamed?), not text; expected {expected} (UTF-8 "
                          "text): give a workbook its .xlsx name, or save it as CSV")
    head = raw[:4096]
    odd, even = head[1::2], head[0::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        guess = "utf-16-le"
    elif even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        guess = "utf-16-be"
    else:
        named = f" (its name says {kind})" if expected != kind else ""
        return InputError(f"{source}: holds binary data (zero bytes), not text{named}; "
                          f"expected {expected} (UTF-8 text) here")
    return InputError(f"{source}: looks like UTF-16 text without a byte-order mark; name "
                      f"its encoding with --encoding {guess} (encoding = '{guess}')")


def _decode_text(path: Path, encoding: str | None) -> str:
    """A text file's content. UTF-8 (byte-order mark optional) unless a byte-order mark or
    ``encoding`` (checked by :func:`_check_encoding`) says otherwise; legacy Vietnamese is
    returned byte-preserving (Latin-1) for decoding per column. Binary files, and an
    ``encoding`` the bytes contradict (UTF-16 named for a file without zero bytes, an 8-bit
    codec for UTF-8 text), are :class:`InputError` s."""
    source = _name(path)
    raw = path.read_bytes()
    bom = _bom_codec(raw)
    legacy = _legacy(encoding)
    codec = "latin-1" if legacy else (encoding or bom or "utf-8-sig")
    family = _family(codec)
    wide = family in ("utf-16", "utf-32")
    if encoding and bom and _family(bom) != family and (wide or _family(bom) != "utf-8"):
        raise InputError(f"{source}: is {_family(bom).upper()} text (it starts with a "
                         f"{_family(bom).upper()} byte-order mark), not {encoding}; leave "
                         "out the encoding (--encoding / encoding =) for this file")
    if not wide and b"\x00" in raw:
        raise _binary_problem(raw, path)
    if wide and bom is None and b"\x00" not in raw:
        raise InputError(f"{source}: is not {encoding} text: it has no byte-order mark and no "
                         "zero bytes (UTF-16 and UTF-32 text have zero bytes in every Latin "
                         "letter); it looks like 8-bit text such as UTF-8: leave out the "
                         "encoding (--encoding / encoding =) for this file")
    if family != "utf-8" and not wide:  # an 8-bit codec or legacy Vietnamese was named
        raw = raw.removeprefix(codecs.BOM_UTF8)
        if _utf8_text(raw):
            raise _not_that_encoding(source, encoding or codec, raw)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: is not valid {codec} text (byte 0x{exc.object[exc.start]:02x} at "
            f"position {exc.start}); name its encoding with encoding= / --encoding, e.g. "
            "cp1258, tcvn3 or vni") from None
    except UnicodeError as exc:
        raise InputError(f"{source}: is not valid {codec} text ({exc})") from None
    return text.removeprefix("\ufeff")


def _check_legacy_applies(df: pd.DataFrame, legacy: str, source: str) -> None:
    """Refuse to decode as TCVN3/VNI text that is already real Unicode (it would be garbled)."""
    for col in df.columns:
        if col == "geometry":
            continue
        for value in df[col]:
            if isinstance(value, str) and vietnamese.is_unicode_text(value):
                raise InputError(
                    f"{source}: column '{col}' holds Unicode text (e.g. {value[:30]!r}), not "
                    f"legacy {legacy.upper()}: decoding it would garble it; leave out the "
                    "encoding (--encoding / encoding =) for this file")


def _encoding_ignored(encoding: str, path: Path) -> None:
    warnings.warn(f"{_name(path)}: encoding={encoding!r} does not apply to {_format(path)} "
                  "(its text is Unicode already); ignored", InputWarning, stacklevel=4)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


#: Excel's first line naming a CSV's delimiter (``sep=;``), which Excel writes and honours.
_SEP_LINE = re.compile(r"sep=(.)[ \t]*\r?(\n|$)", re.IGNORECASE)


def _csv_rows(path: Path, encoding: str | None) -> tuple[list[list[Any]], str]:
    """The rows of a delimited text table and its delimiter: the one named by Excel's ``sep=``
    first line (dropped), else tab for .tsv, else sniffed."""
    source = _name(path)
    text = _decode_text(path, encoding)
    sep = _SEP_LINE.match(text)
    if sep:
        text = text[sep.end():]
    if not text.strip():
        raise InputError(f"{source}: is empty")
    delimiter = (sep.group(1) if sep else "\t" if path.suffix.lower() == ".tsv"
                 else _sniff_delimiter(text[:4096]))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return list(reader), delimiter
    except csv.Error as exc:
        raise InputError(f"{source}: cannot be read as {_format(path)}: line "
                         f"{reader.line_num + bool(sep)}: {exc} (is a quote \" left "
                         "open?)") from None


def _header_of(rows: list[list[Any]], wanted: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    """The header of a sheet's cells: (its row's 0-based index, its names in lower case), the
    first row with a value, or, when that row has none of the ``wanted`` names (a report's
    title above the table), the first of the next ``settings.XLSX_HEADER_SEARCH_ROWS`` rows
    with two of them (one when one is wanted; found by a review: the header under a title was
    not found); (-1, []) for a sheet without any value."""
    def names(row: list[Any]) -> list[str]:
        return ["" if schema._is_blank(c) else str(c).strip().lower() for c in row]

    first = next((i for i, row in enumerate(rows)
                  if any(not schema._is_blank(c) for c in row)), -1)
    if first < 0:
        return -1, []
    want = {w.lower() for w in wanted}
    if want and not want & set(names(rows[first])):
        need = min(2, len(want))
        for i in range(first + 1, min(len(rows), first + settings.XLSX_HEADER_SEARCH_ROWS)):
            if len(want & set(names(rows[i]))) >= need:
                return i, names(rows[i])
    return first, names(rows[first])


def _pick_sheets(sheets: dict[Any, list[list[Any]]], wanted: tuple[str, ...], source: str
                 ) -> list[Any]:
    """The sheets holding the table: among the sheets with data, those whose header has the
    most of the ``wanted`` column names (a cover page or notes sheet before the table is
    passed over): all of them when their headers are the same (a sheet per operator, per
    hamlet or per year: found by a review, the first alone was read, 23 of 84 cells), else the
    first, with a warning naming the sheets."""
    used = [name for name, rows in sheets.items() if _header_of(rows)[0] >= 0]
    if len(used) <= 1:
        return used
    want = {w.lower() for w in wanted}
    score = {name: len(want & set(_header_of(sheets[name], wanted)[1])) for name in used}
    best = max(score.values())
    fits = [name for name in used if score[name] == best]
    if best and len(fits) == 1:
        return fits
    headers = {tuple(_without_trailing_blanks(_header_of(sheets[n], wanted)[1]))
               for n in fits}
    if best and len(headers) == 1:
        return fits
    why = ("their headers have the expected columns alike, with different columns" if best
           else "none has a header with the expected columns (" + ", ".join(wanted[:6])
           + (" ..." if len(wanted) > 6 else "") + ")")
    warnings.warn(f"{source}: has {len(used)} sheets with data ({', '.join(map(str, used))}); "
                  f"{why}: reading the first, '{fits[0]}'", InputWarning, stacklevel=5)
    return fits[:1]


def _without_trailing_blanks(names: list[str]) -> list[str]:
    while names and not names[-1]:
        names = names[:-1]
    return names


def _uncomputed_formulas(path: Path, sheets: dict[Any, list[list[Any]]]) -> None:
    """Refuse a workbook whose formulas have no stored results (written by a script, e.g.
    with openpyxl, and never opened in a spreadsheet program), or that holds Excel's error
    values (``#DIV/0!``, ``#REF!``): both read as empty cells. One error per column, naming
    the sheet and the cells (``sheets``: each sheet's values)."""
    from openpyxl.utils import get_column_letter

    if path.suffix.lower() != ".xlsx":
        return

    def uncomputed(name: Any, cell: Any) -> str | None:
        if getattr(cell, "data_type", None) != "f":
            return None
        r, c = cell.row - 1, cell.column - 1
        values = sheets[name]
        cached = values[r][c] if r < len(values) and c < len(values[r]) else None
        return str(cell.coordinate) if schema._is_blank(cached) else None

    found = _cells_where(path, sheets, False, uncomputed)
    # Excel's error values (#DIV/0!, #REF!, #N/A...), typed or a formula's stored result:
    # pandas reads them as empty cells, so a broken formula became a missing statistic, and a
    # site's height or EIRP the technology's default (found by fuzzing)
    errors = _cells_where(path, sheets, True, lambda _, cell: (
        f"{cell.coordinate} {cell.value}" if getattr(cell, "data_type", None) == "e" else None))
    problems = Problems(_name(path), "row")

    def label(name: str, c: int) -> str:
        head, names = _header_of(sheets[name])
        return (str(sheets[name][head][c]).strip() if head >= 0 and c < len(names)
                and names[c] else get_column_letter(c + 1))

    def listed(where: list[str]) -> str:
        return ", ".join(where[:5]) + (f" and {len(where) - 5} more" if len(where) > 5 else "")

    for (name, c), where in found.items():
        if (name, c) in errors:
            continue  # their stored results are errors: said below
        problems.error(f"in sheet '{name}' holds formulas without computed values (cell"
                       f"{'s' if len(where) > 1 else ''} {listed(where)}): the workbook was "
                       "saved by a program that writes formulas without calculating them; open "
                       "it in Excel or LibreOffice and save it (which stores the values), or "
                       "save it as CSV", column=label(name, c))
    for (name, c), where in errors.items():
        problems.error(f"in sheet '{name}' holds Excel error values (cell"
                       f"{'s' if len(where) > 1 else ''} {listed(where)}): a broken formula or "
                       "a value Excel could not compute; correct them, or leave the cells "
                       "empty where the value is unknown", column=label(name, c))
    problems.raise_if_any()


def _cells_where(path: Path, sheets: dict[Any, list[list[Any]]], data_only: bool,
                 pick: Callable[[Any, Any], str | None]) -> dict[tuple[str, int], list[str]]:
    """Per (sheet, column index): what ``pick(sheet, cell)`` says of the cells of ``sheets``
    it says something of, reading the workbook with openpyxl (``data_only``: formulas'
    stored results instead of the formulas)."""
    import openpyxl

    found: dict[tuple[str, int], list[str]] = {}
    book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    try:
        for name in sheets:
            for row in book[str(name)].iter_rows():
                for cell in row:
                    said = pick(name, cell)
                    if said is not None:
                        found.setdefault((str(name), cell.column - 1), []).append(said)
    finally:
        book.close()
    return found


def _excel_rows(path: Path, encoding: str | None, wanted: tuple[str, ...] = (),
                sheet: str | None = None) -> list[list[Any]]:
    """The cells of the workbook's sheet ``sheet`` (a layer's ``layer=``), else of the sheets
    holding the table (:func:`_pick_sheets`: those with data whose header has the most
    ``wanted`` names; several of one header one after the other, under the first's header);
    empty cells are None, cells merged over rows read on each
    (:func:`~coverage_gis.io.workbook.fill_merged_down`). Formulas without stored results are
    an :class:`InputError`."""
    source = _name(path)
    try:
        frames = pd.read_excel(path, dtype=object, header=None, sheet_name=None)
    except ImportError as exc:
        raise InputError(f"{source}: cannot be read: {exc}; save it as .xlsx") from None
    except Exception as exc:  # openpyxl raises many types for a bad workbook
        reason = ("it is not an .xlsx workbook (a damaged file, or another kind of file "
                  "renamed)" if "cannot be determined" in str(exc) else _reason(exc, path))
        raise InputError(f"{source}: cannot be read as an Excel workbook: {reason}") from None
    if encoding and not _legacy(encoding):
        _encoding_ignored(encoding, path)
    sheets = {name: frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
              for name, frame in frames.items()}
    if sheet is not None:
        if str(sheet) not in map(str, sheets):
            raise InputError(f"{source}: has no sheet {str(sheet)!r} (layer=); its sheets: "
                             f"{', '.join(map(str, sheets))}")
        sheets = {k: v for k, v in sheets.items() if str(k) == str(sheet)}
    # a sheet of formulas alone reads as empty: check every sheet before choosing one
    _uncomputed_formulas(path, sheets)
    chosen = _pick_sheets(sheets, wanted, source)
    out: list[list[Any]] = []
    counts = []
    for name in chosen:
        rows = sheets[name]
        if path.suffix.lower() == ".xlsx":
            filled = workbook.fill_merged_down(rows, workbook.merged_ranges(path, str(name)))
            if filled:
                warnings.warn(f"{source}: sheet '{name}' has {len(filled)} range(s) of cells "
                              f"merged over rows ({', '.join(filled[:5])}"
                              f"{' ...' if len(filled) > 5 else ''}): each row is read with "
                              "its range's value, as the spreadsheet shows it", InputWarning,
                              stacklevel=4)
        head = _header_of(rows, wanted)[0]
        above = [k + 1 for k, r in enumerate(rows[:head])
                 if any(not schema._is_blank(c) for c in r)]
        if above and not out:
            warnings.warn(f"{source}: sheet '{name}': the table's header is on row {head + 1}; "
                          f"the row(s) above it ({', '.join(map(str, above[:5]))}"
                          f"{' ...' if len(above) > 5 else ''}: a title) are not read",
                          InputWarning, stacklevel=4)
        body = [r for r in rows[head + 1:] if any(not schema._is_blank(c) for c in r)]
        out += rows[head:] if not out else body  # the first sheet's header, for all
        counts.append(len(body))
    if len(chosen) > 1:
        first, parts = 1, []
        for name, n in zip(chosen, counts):
            parts.append(f"rows {first}-{first + n - 1} from '{name}'" if n
                         else f"none from '{name}'")
            first += n
        warnings.warn(f"{source}: {len(chosen)} sheets have the table's header: all are read, "
                      f"one after the other ({'; '.join(parts)}); name one with layer= "
                      "(--layer) to read it alone", InputWarning, stacklevel=4)
    return out


def _read_table(path: Path, encoding: str | None, header: bool = True,
                wanted: tuple[str, ...] = (), sheet: str | None = None) -> pd.DataFrame:
    """A CSV/TXT/XLSX table as strings (no type guessing: validation parses numbers).

    ``encoding`` was checked by :func:`_check_encoding`. The header's byte-order mark is
    dropped, unnamed columns without data are dropped (with data they are named ``column N``),
    every name must appear once, and no row may have more fields than the header. Of a
    workbook, the sheet ``sheet``, else the one whose header has the most ``wanted`` column
    names, is read (a CSV has one table: ``sheet`` does not apply)."""
    source = _name(path)
    legacy = _legacy(encoding)
    delimiter = ""
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        rows = _excel_rows(path, encoding, wanted, sheet)
    else:
        if sheet is not None:  # said, not silently dropped (found by fuzzing)
            warnings.warn(f"{source}: layer={str(sheet)!r} does not apply to {_format(path)} "
                          "(it holds one table); ignored", InputWarning, stacklevel=3)
        rows, delimiter = _csv_rows(path, encoding)
    rows = [r for r in rows if any(not schema._is_blank(c) for c in r)]
    if not rows:
        raise InputError(f"{source}: is empty")
    if header:
        names = ["" if schema._is_blank(c) else str(c).strip() for c in rows[0]]
        names[0] = names[0].removeprefix("\ufeff").strip()
        body = rows[1:]
    else:
        names = [str(i) for i in range(max(len(r) for r in rows))]
        body = rows
    problems = Problems(source, "row")
    width = len(names)
    for i, r in enumerate(body):
        if len(r) > width and any(not schema._is_blank(c) for c in r[width:]):
            problems.error(f"has {len(r)} fields; the header has {width}", i)
    body = [(list(r) + [None] * width)[:width] for r in body]
    keep = []
    for j, name in enumerate(names):
        if not name and any(not schema._is_blank(r[j]) for r in body):
            names[j] = f"column {j + 1}"
        if names[j]:
            keep.append(j)
    schema._duplicate_columns(vietnamese.nfc_values(names) or names, problems)  # as _nfc's
    problems.raise_if_any()
    df = pd.DataFrame([[r[j] for j in keep] for r in body], columns=[names[j] for j in keep],
                      dtype=object)
    if delimiter in (";", "\t"):
        df = _decimal_commas(df, source)
    if legacy:
        if path.suffix.lower() in _EXCEL_SUFFIXES:
            _check_legacy_applies(df, legacy, source)
        df = _decode_legacy_columns(df, legacy)
    return _nfc(df)


_COMMA_DECIMAL = re.compile(r"[+-]?\d*,\d+")
_WHOLE = re.compile(r"[+-]?\d+")


def _decimal_commas(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """A table whose fields ';' or a tab separate (Excel's CSV where the comma is the decimal
    mark, as in Vietnam) with its decimal commas read as points, column by column: in a column
    of numbers alone, one of which has other than three digits after its comma (``105,863922``;
    ``4,905`` alone could group thousands, and stays for the checks to say so). Found by a
    review: 576 errors for 84 rows. A warning names the columns."""
    read = []
    for col in df.columns:
        text = [str(v).strip() for v in df[col] if not schema._is_blank(v)]
        commas = [t for t in text if _COMMA_DECIMAL.fullmatch(t)]
        if not commas or any(not (_COMMA_DECIMAL.fullmatch(t) or _WHOLE.fullmatch(t))
                             for t in text):
            continue
        if all(len(t.split(",")[1]) == 3 for t in commas):
            continue
        df[col] = [v.strip().replace(",", ".") if isinstance(v, str)
                   and _COMMA_DECIMAL.fullmatch(v.strip()) else v for v in df[col]]
        read.append(str(col))
    if read:
        warnings.warn(f"{source}: fields separated by ';' or tabs, decimals written with a "
                      f"comma in {', '.join(read)}: read as decimal numbers (105,86 = 105.86)",
                      InputWarning, stacklevel=4)
    return df


def _nfc(df: pd.DataFrame) -> pd.DataFrame:
    """Every text value and column name in Unicode NFC (:func:`vietnamese.nfc_values`),
    whatever the file's encoding or format: cp1258 text and names typed on macOS (NFD) then
    match the same words typed on Windows; text holding bidirectional controls isolated
    (:func:`vietnamese.isolate_bidi`). Columns already NFC (ASCII ids, most files) cost
    one check each."""
    geometry = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    names = vietnamese.nfc_values(list(df.columns))
    if names is not None:
        df = df.rename(columns=dict(zip(df.columns, names)))
    for j, col in enumerate(df.columns):  # by position: two names may now be one
        column = df.iloc[:, j]
        if col == geometry or column.dtype.kind != "O":
            continue
        fixed = vietnamese.nfc_values(column.to_numpy())
        isolated = vietnamese.isolate_bidi(column.to_numpy() if fixed is None else fixed)
        fixed = fixed if isolated is None else isolated
        if fixed is not None:
            df.isetitem(j, pd.Series(fixed, index=df.index, dtype=column.dtype))
    return df


def _decode_legacy_columns(df: pd.DataFrame, legacy: str) -> pd.DataFrame:
    for col in df.columns:
        if col == "geometry":
            continue
        if df[col].map(lambda v: isinstance(v, str)).any():
            df[col] = vietnamese.decode_series(df[col], legacy)
    return df


def _hint_legacy(df: pd.DataFrame, source: str) -> None:
    """Warn when text columns look like TCVN3 or VNI read as Latin-1."""
    for col in df.columns:
        if col == "geometry" or df[col].dtype.kind not in "OUT":
            continue
        values = [v for v in df[col].head(200) if isinstance(v, str) and v.strip()]
        # Several values together: one short word alone is often undecidable.
        enc = vietnamese.looks_like_legacy(" ".join(values[:50])) if values else None
        if enc:
            example = next((v for v in values if vietnamese.looks_like_legacy(v)), values[0])
            warnings.warn(
                f"{source}: column '{col}' looks like legacy Vietnamese {enc.upper()} text "
                f"(e.g. {example!r}); pass encoding='{enc}' (--encoding {enc}) to convert it "
                "to Unicode", InputWarning, stacklevel=4)
        elif values and _cp1258_as_latin1(" ".join(values[:50])):
            example = next((v for v in values if _cp1258_as_latin1(v)), values[0])
            warnings.warn(
                f"{source}: column '{col}' looks like Windows-1258 Vietnamese text read as "
                f"Latin-1 (e.g. {example!r}, in Windows-1258 "
                f"{_from_cp1258(example)!r}); pass encoding='cp1258' (--encoding cp1258), or "
                "put 1258 in the shapefile's .cpg", InputWarning, stacklevel=4)


#: Windows-1258's combining tone marks (bytes CC EC DE D2 F2) as Latin-1 shows them.
_CP1258_MARKS = frozenset("\u00cc\u00ec\u00de\u00d2\u00f2")


def _from_cp1258(text: str) -> str:
    """Text read as Latin-1, decoded as Windows-1258 and composed (NFC)."""
    return unicodedata.normalize("NFC", text.encode("latin-1").decode("cp1258"))


def _cp1258_as_latin1(text: str) -> bool:
    """Whether ``text`` is Windows-1258 Vietnamese read as Latin-1 ("Lâòp" for "Lập"): it
    holds tone-mark bytes, every one composes onto the letter before it once decoded, and
    the result is Vietnamese (letters Latin-1 has not)."""
    if not any(ch in _CP1258_MARKS for ch in text):
        return False
    try:
        decoded = _from_cp1258(text)
    except UnicodeEncodeError:   # not a Latin-1 reading
        return False
    return (not any(unicodedata.combining(ch) for ch in decoded)
            and vietnamese.is_vietnamese_text(decoded))


def _match_columns(df: pd.DataFrame, names: tuple[str, ...]) -> list[str]:
    """Every column whose name is one of ``names`` (case-insensitive), in file order."""
    wanted = set(names)
    return [c for c in df.columns if str(c).strip().lower() in wanted]


def _coordinate_columns(df: pd.DataFrame, crs: CRS | None, problems: Problems
                        ) -> tuple[str, str, CRS]:
    """The (x, y) columns of a point table and their CRS: lon/lat (WGS 84 unless ``crs``) or
    x/y (``crs`` required); with both pairs, x/y when ``crs`` is projected. Two columns for
    one coordinate (``lat`` and ``latitude``) are an error naming them, never a guess."""
    lon, lat = _match_columns(df, _LON_NAMES), _match_columns(df, _LAT_NAMES)
    x, y = _match_columns(df, _X_NAMES), _match_columns(df, _Y_NAMES)
    use_xy = bool(x and y) and (not (lon and lat) or (crs is not None and crs.is_projected))
    if not use_xy and not (lon and lat):
        have = ", ".join(map(str, df.columns))
        problems.error(f"has no coordinate columns: expected lon and lat (or x and y with "
                       f"crs=); columns present: {have}")
        problems.raise_if_any()
    pairs = (("x (easting)", x), ("y (northing)", y)) if use_xy else (("longitude", lon),
                                                                     ("latitude", lat))
    for role, found in pairs:
        if len(found) > 1:
            names = " and ".join(f"'{c}'" for c in found)
            problems.error(f"has {len(found)} {role} columns ({names}): which one holds the "
                           f"position is ambiguous; expected exactly one {role} column: remove "
                           "or rename the others")
    problems.raise_if_any()
    if not use_xy:
        return lon[0], lat[0], crs or WGS84
    if crs is None:
        raise InputError(problems.message(
            f"has x/y columns ('{x[0]}', '{y[0]}') but no CRS: name it with crs=, e.g. "
            "crs='vn2000-thanhhoa' (EPSG:5897) or 'EPSG:32648'"))
    return x[0], y[0], crs


def _points_from_table(df: pd.DataFrame, crs: CRS | None, problems: Problems
                       ) -> gpd.GeoDataFrame:
    """Point geometry from the coordinate columns (:func:`_coordinate_columns`). Rows with
    empty or unparsable coordinates are errors."""
    cx, cy, point_crs = _coordinate_columns(df, crs, problems)
    expected = ""
    if point_crs.is_geographic:  # as GPS units, Google Earth and survey sheets write them
        df = df.assign(**{cx: _angles(df[cx], "lon"), cy: _angles(df[cy], "lat")})
        expected = (" (expected decimal degrees, e.g. 105.84464, or degrees, minutes and "
                    "seconds, e.g. 105°50'40.7\"E)")
    xs = schema._numeric_column(df, cx, problems, required=True, expected=expected)
    ys = schema._numeric_column(df, cy, problems, required=True, expected=expected)
    if point_crs.is_geographic:
        for idx in xs.index[xs.abs() > 180]:
            hint = (" (are lon and lat swapped?)" if abs(ys[idx]) <= 90
                    and np.isfinite(xs[idx]) else "")
            problems.error(f"is outside -180..180{hint}", idx, cx, xs[idx])
            ys[idx] = np.nan
        for idx in ys.index[ys.abs() > 90]:
            hint = ("" if not np.isfinite(ys[idx]) else  # infinity is no swap (fuzzing)
                    " (the values look projected: name the CRS with crs=)"
                    if abs(ys[idx]) > 1000 else
                    " (are lon and lat swapped?)" if abs(xs[idx]) <= 90 else "")
            problems.error(f"is outside -90..90{hint}", idx, cy, ys[idx])
            ys[idx] = np.nan
    bad = xs.isna() | ys.isna()
    problems.bad_geometry.update(xs.index[bad])
    df = df.drop(columns=[cx, cy])
    if not point_crs.is_geographic:
        xs[~bad], ys[~bad] = _fix_swapped_xy(xs[~bad], ys[~bad], point_crs, problems, cx, cy)
    geom = gpd.points_from_xy(xs, ys)
    geom[bad.to_numpy()] = None
    return gpd.GeoDataFrame(df, geometry=geom, crs=point_crs)


#: A coordinate written in degrees, minutes and seconds, or with a hemisphere's letter.
_DMS_TEXT = re.compile(r"[°º˚'′’\"″”]|^\s*[NSEWnsew]\s*\d|\d\s*[NSEWnsew]\s*$")


def _angles(values: pd.Series, axis: str) -> pd.Series:
    """A longitude or latitude column with its values in degrees, minutes and seconds
    (``105°51'50.12"E``, ``20 03 54.9 N``) in decimal degrees
    (:func:`~coverage_gis.config.params.parse_angle`; found by a review: refused as "not a
    number"); other values, and those it cannot read, as they are."""
    out = values.astype(object).copy()
    for idx, v in values.items():
        if isinstance(v, str) and _DMS_TEXT.search(v):
            try:
                out[idx] = parse_angle(v, axis, axis)
            except InputError:
                pass  # said by the numbers' check, with what is read
    return out


def _fix_swapped_xy(xs: pd.Series, ys: pd.Series, crs: CRS, problems: Problems,
                    cx: str, cy: str) -> tuple[pd.Series, pd.Series]:
    """Vietnamese surveys write X for northing and Y for easting: the points that fall outside
    the CRS's area of use as given but inside it swapped are swapped (with a warning naming
    them when only some are: rows typed in by hand, found by fuzzing: a mast's six cells
    written X = northing were dropped as "2,302 km from the study area")."""
    aou = crs.area_of_use
    if aou is None or len(xs) == 0:
        return xs, ys
    to_ll = Transformer.from_crs(crs, WGS84, always_xy=True)

    def inside(a: pd.Series, b: pd.Series) -> np.ndarray:
        lon, lat = to_ll.transform(a.to_numpy(), b.to_numpy())
        w, s, e, n = aou.bounds
        pad = 1.0
        return ((lon >= w - pad) & (lon <= e + pad) & (lat >= s - pad) & (lat <= n + pad))

    swap = ~inside(xs, ys) & inside(ys, xs)
    if not swap.any():
        return xs, ys
    why = (f"'{cx}' and '{cy}' look swapped for {crs.name} (Vietnamese surveys write X for "
           "northing and Y for easting)")
    if swap.all():
        problems.warn(f"{why}; reading them swapped")
        return ys, xs
    rows = xs.index[swap]
    shown = ", ".join(str(int(i) + 1) for i in rows[:10])
    problems.warn(f"{why} in {len(rows)} of {len(xs)} {problems.unit}s ({shown}"
                  f"{' ...' if len(rows) > 10 else ''}): reading those swapped")
    xs, ys = xs.copy(), ys.copy()
    xs[rows], ys[rows] = ys[rows].to_numpy(), xs[rows].to_numpy()
    return xs, ys


#: GDAL's warnings reworded for people who do not set GDAL's options.
_GDAL_WARNINGS = {
    "Non closed ring detected": "a polygon's ring does not end on its first point as GDAL "
                                "compares them (its last point is missing, or its heights "
                                "are NaN)",
}


#: GDAL's warnings about what this module does itself (not said again).
_GDAL_HANDLED = tuple(f"Cannot find iconv encoding corresponding to MapInfo {c} charset"
                      for c in ("WindowsVietnamese",))


#: pyogrio's own warnings about the data (``UserWarning`` s, which name no file either),
#: worded for the user (the text pyogrio gives follows).
_PYOGRIO_WARNINGS = {
    "Measured (M) geometry types are not supported": "its measured (M) values are dropped "
                                                     "(coverage-gis reads x, y and z only)",
}


def _about_the_data(w: warnings.WarningMessage) -> bool:
    """Whether a warning caught while reading speaks of the data: GDAL's RuntimeWarnings and
    pyogrio's UserWarnings, not a library's warnings to its programmers (deprecations) nor
    this toolkit's own (which name the file already)."""
    return (issubclass(w.category, (RuntimeWarning, UserWarning))
            and not issubclass(w.category, InputWarning))


def _gdal_read(source: Any, name: str | None = None, **kwargs: Any) -> gpd.GeoDataFrame:
    """``pyogrio.read_dataframe``, with GDAL's and pyogrio's warnings about the data (which
    name no file) said again, once each, as :class:`InputWarning` s naming the file (``name``,
    else ``source``'s); other warnings pass on unchanged."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        warnings.simplefilter("always", UserWarning)
        gdf = pyogrio.read_dataframe(source, **kwargs)
    label = name or _name(Path(source))
    said_once: set[str] = set()
    for w in caught:
        if not _about_the_data(w):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            continue
        text = str(w.message)
        if text.startswith(_GDAL_HANDLED):
            continue
        if issubclass(w.category, RuntimeWarning):
            said = next((v for k, v in _GDAL_WARNINGS.items() if text.startswith(k)),
                        f"GDAL says: {text}")
        else:  # found by fuzzing: an XYM GeoPackage's "Measured (M) ..." named no file
            said = next((f"{v}; pyogrio says: {text}" for k, v in _PYOGRIO_WARNINGS.items()
                         if text.startswith(k)), f"pyogrio says: {text}")
        if said not in said_once:
            said_once.add(said)
            warnings.warn(f"{label}: {said}", InputWarning, stacklevel=3)
    return gdf


def _read_kml_layers(source: Any, name: str) -> gpd.GeoDataFrame:
    """Every folder (layer) of a KML or KMZ, with its name in ``folder``."""
    layers = pyogrio.list_layers(source)
    frames = []
    for layer, _ in layers:
        part = _gdal_read(source, name=name, layer=layer)
        if len(part):
            part["folder"] = layer
            frames.append(part)
    if not frames:
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=WGS84)
    gdf = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(gdf, geometry="geometry", crs=frames[0].crs)


def _kmz_document(path: Path) -> str | None:
    """The KMZ's main KML (``doc.kml``, else the first .kml at its top, else the first one)
    as a path GDAL reads, when it types its attributes with ``<Schema>``/``<SchemaData>``
    (GDAL's and QGIS' KML exports); else None."""
    with zipfile.ZipFile(path) as z:
        kmls = sorted((n for n in z.namelist() if n.lower().endswith(".kml")),
                      key=lambda n: (n.lower() != "doc.kml", "/" in n))
        main = kmls[0] if kmls else None
        if main is None or b"<SchemaData" not in z.read(main):
            return None
    return f"/vsizip/{path.resolve()}/{main}"


def _read_kml(path: Path) -> gpd.GeoDataFrame:
    """A KML or KMZ, every folder. GDAL's LIBKML driver reads a .kmz without the attributes
    its ``<SchemaData>`` holds (the ``<Schema>`` they name is not found from inside the
    archive); the same KML read from inside the archive has them, so that reading is taken
    when it holds the same features with more columns."""
    gdf = _read_kml_layers(path, _name(path))
    inner = _kmz_document(path) if path.suffix.lower() == ".kmz" else None
    if inner:
        typed = _read_kml_layers(inner, _name(path))
        lost = [c for c in typed.columns if c not in gdf.columns and c not in _KML_NOISE]
        if len(typed) == len(gdf) and lost:
            gdf = typed
        elif lost:
            warnings.warn(f"{_name(path)}: its attributes {', '.join(map(str, lost))} (KML "
                          "<SchemaData>) could not be read from the KMZ and are left out; "
                          "unzip it and give its .kml to keep them", InputWarning, stacklevel=5)
    for col in _KML_NOISE:
        if col in gdf.columns:
            gdf = gdf.drop(columns=col)
    if "id" in gdf.columns and gdf["id"].isna().all():
        gdf = gdf.drop(columns="id")
    return gdf


_GEOJSON_TYPES = {"FeatureCollection", "Feature", "Point", "MultiPoint", "LineString",
                  "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}


def _malformed_json(path: Path) -> str | None:
    """Why a .geojson file GDAL refused is not GeoJSON, or None when it looks like GeoJSON."""
    try:
        with path.open(encoding="utf-8-sig") as f:
            doc = json.load(f)
    except json.JSONDecodeError as exc:
        return f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except UnicodeDecodeError:
        return "is not UTF-8 text (GeoJSON must be UTF-8)"
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind not in _GEOJSON_TYPES:
        found = (f'"type": {kind!r}' if isinstance(doc, dict) and "type" in doc
                 else f"a JSON {type(doc).__name__.replace('dict', 'object')} without \"type\"")
        return (f'is JSON but not GeoJSON: expected an object with "type": '
                f'"FeatureCollection"; found {found}')
    return None


def _check_xml(stream: Any, source: str) -> None:
    """Refuse a KML that is not well-formed XML or whose root element is not ``<kml>``."""
    parser = xml.parsers.expat.ParserCreate()
    roots: list[str] = []
    parser.StartElementHandler = lambda name, attrs: roots.append(name) if not roots else None
    try:
        parser.ParseFile(stream)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(f"{source}: is not valid KML: its XML is broken at line {exc.lineno}, "
                         f"column {exc.offset + 1} "
                         f"({xml.parsers.expat.ErrorString(exc.code)}); expected a "
                         "well-formed KML document") from None
    root = roots[0].rsplit(":", 1)[-1].rsplit(" ", 1)[-1] if roots else ""
    if root.lower() != "kml":
        raise InputError(f"{source}: is XML but not KML (its root element is <{root}>); "
                         "expected a <kml> document")


def _missing_shapefile_parts(shp: str, names: list[str]) -> list[str]:
    """The .shx and .dbf that should sit beside ``shp`` but are not among ``names``."""
    have = {n.lower() for n in names}
    stem = shp[: -len(".shp")]
    return [f"{os.path.basename(stem)}{ext}" for ext in (".shx", ".dbf")
            if f"{stem}{ext}".lower() not in have]


def _zipped_shapefiles(names: list[str]) -> list[str]:
    """The shapefiles (.shp) among a ZIP's ``names``, without macOS's resource forks
    (``__MACOSX/...``, ``._h.shp``)."""
    return [n for n in names if n.lower().endswith(".shp") and "__MACOSX/" not in n
            and not os.path.basename(n).startswith("._")]


def _zip_target(path: Path) -> str | Path:
    """What GDAL should open for a .zip: the archive itself (GDAL looks at its top level),
    or the folder inside it that holds its shapefiles (a folder zipped whole, as Windows'
    "Send to > Compressed (zipped) folder" does: ``thon/h.shp``). Shapefiles in several
    folders are an :class:`InputError` listing them."""
    if path.suffix.lower() != ".zip":
        return path
    with zipfile.ZipFile(path) as z:
        shps = _zipped_shapefiles(z.namelist())
    folders = sorted({os.path.dirname(n) for n in shps})
    if len(folders) > 1:
        listed = ", ".join(shps[:10]) + (" ..." if len(shps) > 10 else "")
        raise InputError(f"{_name(path)}: holds {len(shps)} shapefiles in different folders "
                         f"({listed}); expected one shapefile (or one folder of them): zip "
                         "the one to read on its own, or unzip it and give its .shp")
    if not folders or not folders[0]:
        return path
    return f"/vsizip/{path.resolve()}/{folders[0]}"


def _check_container(path: Path) -> None:
    """Refuse, with a clear message, a shapefile without its .shx or .dbf, a ZIP or KMZ that is
    not an archive or holds no data, and a KML that is not well-formed."""
    source, suffix = _name(path), path.suffix.lower()
    parts_help = ("a shapefile is several files kept together: .shp (shapes), .shx (index), "
                  ".dbf (attributes) and .prj (CRS)")
    if suffix == ".shp":
        missing = _missing_shapefile_parts(path.name, [p.name for p in path.parent.iterdir()])
        if missing:
            raise InputError(f"{source}: {' and '.join(missing)} missing beside it; "
                             f"{parts_help}")
    elif suffix in (".zip", ".kmz"):
        if not zipfile.is_zipfile(path):
            raise InputError(f"{source}: is not a ZIP archive (a damaged file, or another kind "
                             f"of file renamed {suffix}); expected {_format(path)}")
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if not n.endswith("/")]
            listed = ", ".join(names[:10]) or "none"
            if suffix == ".kmz":
                kmls = [n for n in names if n.lower().endswith(".kml")]
                if not kmls:
                    raise InputError(f"{source}: holds no .kml file (files inside: {listed}); "
                                     "expected a KMZ holding doc.kml")
                with z.open(kmls[0]) as f:
                    _check_xml(f, f"{source} ({kmls[0]})")
                return
            shps = _zipped_shapefiles(names)
            if not shps and not any(n.lower().endswith(_ZIPPED_VECTOR_SUFFIXES) for n in names):
                raise InputError(f"{source}: holds no shapefile (.shp) or other vector file "
                                 f"(files inside: {listed}); expected a zipped shapefile")
            for shp in shps:
                missing = _missing_shapefile_parts(shp, names)
                if missing:
                    raise InputError(f"{source}: {' and '.join(missing)} missing beside {shp} "
                                     f"in the archive; {parts_help}")
    elif suffix == ".kml":
        with path.open("rb") as f:
            _check_xml(f, source)


def _unreadable(path: Path, exc: BaseException) -> InputError:
    """The error for a vector file GDAL refused, with the likely cause."""
    source, suffix = _name(path), path.suffix.lower()
    detail = None
    if suffix in (".json", ".geojson"):
        detail = _malformed_json(path)
    elif suffix == ".gpkg":
        with path.open("rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                detail = ("is not a GeoPackage: a GeoPackage is an SQLite database and this "
                          "file is not one (a damaged file, or another kind of file renamed "
                          ".gpkg)")
    if detail:
        return InputError(f"{source}: {detail}")
    if isinstance(exc, shapely.errors.GEOSException):  # GDAL read it, GEOS cannot build it
        bad = _unbuildable_features(path)
        if bad:
            shown = ", ".join(map(str, bad[:5])) + (f" and {len(bad) - 5} more"
                                                    if len(bad) > 5 else "")
            return InputError(f"{source}: feature{'s' if len(bad) > 1 else ''} {shown}: a "
                              f"geometry that cannot be built ({_reason(exc, path)}); expected "
                              "lines of two points or more and closed rings of four or more")
    return InputError(f"{source}: cannot be read as {_format(path)}: {_reason(exc, path)}")


def _unbuildable_features(path: Path) -> list[int]:
    """Numbers (1 = the first, across a KML's folders in order) of the features whose
    geometry GDAL reads but GEOS cannot build (a LineString of one point); [] when none can
    be found."""
    out: list[int] = []
    start = 0
    try:
        for name, _ in pyogrio.list_layers(path):
            with warnings.catch_warnings():  # GDAL's, said already by the failed read
                warnings.simplefilter("ignore", RuntimeWarning)
                _, _, wkb, _ = pyogrio.raw.read(path, layer=name)
            built = shapely.from_wkb(wkb, on_invalid="ignore")
            out += [start + i + 1 for i, (w, g) in enumerate(zip(wkb, built))
                    if w is not None and g is None]
            start += len(wkb)
    except Exception:  # noqa: BLE001 - only a better message is at stake
        return []
    return out


def _read_gdal_vector(path: Path, layer: str | None, encoding: str | None,
                      expected_layer: str) -> gpd.GeoDataFrame:
    """Read a vector file with GDAL. ``encoding`` (checked) applies to shapefile text and to
    a GeoJSON file as a whole (decoded here, then read as UTF-8); legacy Vietnamese also to
    text of other formats (decoded by the caller); another codec named for a format whose text
    is Unicode (GeoPackage, KML) is ignored with a warning."""
    source = _name(path)
    suffix = path.suffix.lower()
    _check_container(path)
    dbf = suffix in _DBF_SUFFIXES
    cpg_codec = _cpg_codec(path) if dbf and not encoding else None
    from_cpg = cpg_codec is not None
    if from_cpg:  # read here: GDAL's own decoding of it loses characters
        encoding = cpg_codec
    if suffix in _MAPINFO_SUFFIXES:  # 8-bit text in the charset its header declares
        charset = (_mapinfo_charset(path) or "neutral").lower()
        encoding = encoding or _MAPINFO_CODECS.get(charset)
        # GDAL hands over the bytes of "Neutral" and of the charsets it does not know: read
        # them byte for byte, as a shapefile's; the others it decodes itself
        dbf = bool(encoding) and (charset == "neutral" or charset in _MAPINFO_CODECS)
    legacy = _legacy(encoding)
    recoded = bool(encoding) and not legacy and suffix in _JSON_SUFFIXES
    if encoding and not dbf and not legacy and not recoded:
        _encoding_ignored(encoding, path)
    if recoded:  # GeoJSON saved in cp1258 (RFC 7946 says UTF-8; Windows tools disagree)
        data = _decode_text(path, encoding).encode("utf-8")
        try:
            gdf = _gdal_read(io.BytesIO(data), name=path.name)
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            raise _unreadable(path, exc) from None
    elif suffix in (".kml", ".kmz"):
        try:
            gdf = _read_kml(path)
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            raise _unreadable(path, exc) from None
    else:
        gdf = _read_gdal_layer(path, layer, "ISO-8859-1" if encoding and dbf else None,
                               expected_layer, _zip_target(path))
    if from_cpg and _utf8_text(_text_of(gdf).encode("latin-1", errors="ignore")):
        gdf = _utf8_read_as_latin1(gdf, path)   # the .cpg is wrong: UTF-8, said as such
    elif encoding and dbf:
        if legacy or _family(encoding) != "utf-8":
            _check_not_utf8(gdf, encoding, source)
        if not legacy:
            gdf = _recode(gdf, encoding, source)
    elif legacy:
        _check_legacy_applies(gdf, legacy, source)
    elif dbf:
        gdf = _utf8_read_as_latin1(gdf, path)
    return gdf


def _feature_count(target: Any, layer: str) -> int:
    """How many features a layer holds (-1 when GDAL cannot tell without reading)."""
    try:
        return int(pyogrio.read_info(target, layer=layer, force_feature_count=True)["features"])
    except Exception:  # noqa: BLE001 - only the choice of a layer is at stake
        return -1


def _mapinfo_charset(path: Path) -> str | None:
    """The charset a MapInfo .tab or .mif file declares in its header (``Charset
    "WindowsVietnamese"``), None when it declares none or cannot be read."""
    try:
        with path.open("rb") as f:
            head = f.read(4096).decode("latin-1")
    except OSError:
        return None
    found = re.search(r'charset\s+"?([A-Za-z0-9_-]+)"?', head, flags=re.IGNORECASE)
    return found.group(1) if found else None


def _text_of(gdf: gpd.GeoDataFrame) -> str:
    """The column names and text values of a layer, one a line."""
    texts = [c for c in gdf.columns if isinstance(c, str)]
    for col in gdf.columns:
        if col != "geometry" and gdf[col].dtype.kind in "OUT":
            texts.extend(v for v in gdf[col] if isinstance(v, str))
    return "\n".join(texts)


def _cpg_says(path: Path) -> str:
    """What a shapefile's .cpg says (``"is missing"``, ``"says 'ISO-8859-1'"``); the first
    shapefile's in a .zip."""
    text = _cpg_bytes(path)
    if text is None:
        return "is missing"
    return f"says {text.decode('latin-1').strip()[:30]!r}"


#: What a .cpg says for Windows-1258, whose text GDAL's iconv decodes one character short
#: (the last character of every value and field name is lost: "name" read as "nam"); such
#: files are read byte for byte and decoded with Python's codec instead.
_CPG_CP1258 = {"1258", "cp1258", "windows1258", "ansi1258"}


def _cpg_codec(path: Path) -> str | None:
    """``"cp1258"`` when a shapefile's .cpg names Windows-1258, else None."""
    text = _cpg_bytes(path)
    key = "".join(ch for ch in (text or b"").decode("latin-1").lower() if ch.isalnum())
    return "cp1258" if key in _CPG_CP1258 else None


def _cpg_bytes(path: Path) -> bytes | None:
    """The content of a shapefile's .cpg (the first shapefile's in a .zip), None without."""
    text: bytes | None = None
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as z:
                shp = next(iter(_zipped_shapefiles(z.namelist())), "")
                inside = [n for n in z.namelist() if n.lower() == shp[:-4].lower() + ".cpg"]
                text = z.read(inside[0]) if shp and inside else None
        else:
            cpgs = [p for p in path.parent.iterdir()
                    if p.name.lower() == path.with_suffix(".cpg").name.lower()]
            text = cpgs[0].read_bytes() if cpgs else None
    except (OSError, zipfile.BadZipFile):
        text = None
    return text


def _utf8_read_as_latin1(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """A shapefile whose .cpg is missing (or wrong) is read by GDAL as Latin-1; when its text,
    turned back into those bytes, is UTF-8 with non-ASCII letters ("ThÃ´n" for "Thôn"),
    it is UTF-8 (no legacy or 8-bit Vietnamese text is valid UTF-8 by chance): decode it as
    such, with a warning. Real Latin-1, cp1258 or TCVN3 text is left as read."""
    try:
        raw = _text_of(gdf).encode("latin-1")
    except UnicodeEncodeError:  # GDAL decoded it with some other codec: not Latin-1 mojibake
        return gdf
    if not _utf8_text(raw):
        return gdf
    source = _name(path)
    gdf = _recode(gdf, "utf-8", source)
    warnings.warn(f"{source}: its text is UTF-8 but its .cpg (the file naming the shapefile's "
                  f"text encoding) {_cpg_says(path)}, so GDAL would read it as Latin-1 "
                  "('Thôn' as 'ThÃ´n'); read as UTF-8. To say so in the file, put UTF-8 in "
                  f"{Path(_name(path)).stem}.cpg beside the .shp (or give encoding='utf-8')",
                  InputWarning, stacklevel=4)
    return gdf


def _read_gdal_layer(path: Path, layer: str | None, encoding: str | None,
                     expected_layer: str, target: str | Path | None = None
                     ) -> gpd.GeoDataFrame:
    """One layer of a GDAL vector file: ``layer``, the only one, or the one named like
    ``expected_layer``; ``encoding`` is passed to GDAL; ``target``: what GDAL opens, when
    not ``path`` itself (a folder inside a .zip)."""
    source = _name(path)
    target = path if target is None else target
    try:
        with warnings.catch_warnings():
            for text in _GDAL_HANDLED:
                warnings.filterwarnings("ignore", message=re.escape(text), category=RuntimeWarning)
            # pyogrio's warnings about the data: said by _gdal_read, naming the file
            warnings.simplefilter("ignore", UserWarning)
            layers = [str(n) for n, _ in pyogrio.list_layers(target)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise _unreadable(path, exc) from None
    if layer is None and len(layers) > 1:
        matches = [n for n in layers if n.lower() == expected_layer.lower()]
        if len(matches) != 1:  # a GPX has five layers, of which a phone fills one or two
            matches = [n for n in layers if _feature_count(target, n) != 0]
        if len(matches) != 1:
            raise InputError(f"{source}: has {len(layers)} layers ({', '.join(layers)}); "
                             "name one with layer= (or layer = '...' in the scenario)")
        layer = matches[0]
    if layer is not None and layer not in layers:
        raise InputError(f"{source}: has no layer {layer!r} (layers: {', '.join(layers)})")
    kwargs = {"encoding": encoding} if encoding else {}
    try:
        return _gdal_read(target, name=source, layer=layer, **kwargs)
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: attribute text is not valid UTF-8 ({exc.reason} at byte "
                         f"0x{exc.object[exc.start]:02x}); name its encoding with encoding= / "
                         "--encoding, e.g. cp1258, tcvn3 or vni") from None
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise _unreadable(path, exc) from None


def _check_not_utf8(gdf: gpd.GeoDataFrame, encoding: str, source: str) -> None:
    """Shapefile text read byte-preserving (Latin-1) that is valid UTF-8 is UTF-8, whatever
    ``encoding`` says: refuse it rather than garble it."""
    raw = _text_of(gdf).encode("latin-1", errors="ignore")
    if _utf8_text(raw):
        raise _not_that_encoding(source, encoding, raw)


def _recode(gdf: gpd.GeoDataFrame, encoding: str, source: str) -> gpd.GeoDataFrame:
    """Decode text read as ISO-8859-1 (one character per byte) with a Python codec (checked by
    :func:`_check_encoding`)."""
    problems = Problems(source, "feature")

    def fix(text: str, idx: Any = None, col: Any = None) -> str:
        try:
            return text.encode("latin-1").decode(encoding)
        except UnicodeDecodeError:
            problems.error(f"is not valid {encoding} text", idx, col, text)
            return text

    gdf = gdf.rename(columns={c: fix(c) for c in gdf.columns if isinstance(c, str)})
    for col in gdf.columns:
        if col == "geometry" or gdf[col].dtype.kind not in "OUT":
            continue
        gdf[col] = [fix(v, i, col) if isinstance(v, str) else v
                    for i, v in zip(gdf.index, gdf[col])]
    problems.raise_if_any()
    return gdf


@_at_boundary
def read_vector(path: PathLike, *, layer: str | None = None, crs: Any = None,
                encoding: str | None = None, columns: Mapping[str, str] | None = None,
                known_columns: tuple[str, ...] = (), expected_layer: str = ""
                ) -> tuple[gpd.GeoDataFrame, Problems]:
    """Read any vector or point-table file into a raw GeoDataFrame in its own CRS.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile (or a .zip holding one), KML/KMZ, FlatGeobuf, or a
        CSV/TXT/XLSX table with lon/lat (or x/y plus ``crs``) columns.
    layer
        Layer of a multi-layer file (GeoPackage).
    crs
        The data's CRS when the file does not say (a shapefile without .prj, a CSV with x/y,
        an old GeoJSON with projected coordinates), or to override a wrong one.
    encoding
        Text encoding of attributes: a Python codec name, or ``"tcvn3"`` / ``"vni"`` for legacy
        Vietnamese text, converted to Unicode NFC.
    columns
        Renames {file column: contract column}, e.g. ``{"ten_thon": "name"}``.
    known_columns
        Contract column names matched case-insensitively (``Name`` → ``name``).

    Returns
    -------
    (GeoDataFrame, Problems)
        The raw layer (index = feature position in the file) and the problem collector to
        carry on validating with.
    """
    p = _check_path(path)
    source = _name(p)
    user_crs = _resolve_user_crs(crs, source)
    encoding = _check_encoding(encoding, source)
    suffix = p.suffix.lower()
    if suffix in _TABLE_SUFFIXES | _EXCEL_SUFFIXES:
        problems = Problems(source, "row")
        df = _read_table(p, encoding, wanted=(*known_columns, *_LON_NAMES, *_LAT_NAMES,
                                              *_X_NAMES, *_Y_NAMES, *(columns or {})),
                         sheet=layer)
        df = _rename(df, columns, known_columns, problems)
        gdf = _points_from_table(df, user_crs, problems)
    else:
        problems = Problems(source, "feature")
        gdf = _read_gdal_vector(p, layer, encoding, expected_layer)
        legacy = _legacy(encoding)
        if legacy:
            gdf = _decode_legacy_columns(gdf, legacy)
        gdf = _rename(_nfc(gdf), columns, known_columns, problems,
                      dbf=suffix in (".shp", ".dbf", ".zip"))
        if gdf.crs is None and user_crs is None:
            prj = p.with_suffix(".prj")
            why = (f"its {prj.name} holds no CRS GDAL can read" if prj.exists()
                   else "a shapefile without its .prj?" if suffix in (".shp", ".dbf", ".zip")
                   else "the file declares none")
            raise InputError(f"{source}: has no CRS ({why}); name it with crs=, e.g. "
                             "crs='vn2000-thanhhoa' (EPSG:5897), 'vn2000-utm48' or 'EPSG:4326'")
        if user_crs is not None:
            if gdf.crs is not None and not _same_crs(gdf.crs, user_crs) and suffix not in (
                    ".json", ".geojson"):
                problems.warn(f"the file declares {gdf.crs.name}; using crs={user_crs.name} "
                              "as asked")
            gdf = gdf.set_crs(user_crs, allow_override=True)
        else:
            gdf = gdf.set_crs(file_crs(gdf.crs, source), allow_override=True)
        _check_position(gdf, source)
        if gdf.geometry.has_z.any():
            gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.values))
        gdf = _swapped_layer(gdf, problems)
    _check_area_of_use(gdf, problems)
    if not _legacy(encoding):
        _hint_legacy(gdf, source)
    gdf.index = pd.RangeIndex(len(gdf))
    return gdf, problems


def _lonlat_sample(gdf: gpd.GeoDataFrame, swapped: bool = False,
                   most: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat (WGS 84) of up to ``most`` of the layer's vertices, spread over it (x and y
    exchanged first when ``swapped``)."""
    xy = shapely.get_coordinates(gdf.geometry.values)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) > most:
        xy = xy[np.linspace(0, len(xy) - 1, most).astype(int)]
    if swapped:
        xy = xy[:, ::-1]
    return Transformer.from_crs(gdf.crs, WGS84, always_xy=True).transform(xy[:, 0], xy[:, 1])


def _degrees_outside(lon: np.ndarray, lat: np.ndarray, bounds: tuple[float, ...]
                     ) -> np.ndarray:
    """How far (degrees) each point lies outside ``bounds`` (west, south, east, north); 0
    inside, inf where the point could not be transformed."""
    w, s, e, n = bounds
    off = np.maximum.reduce([w - lon, lon - e, s - lat, lat - n, np.zeros_like(lon)])
    return np.where(np.isfinite(off), off, np.inf)


def _swapped_layer(gdf: gpd.GeoDataFrame, problems: Problems) -> gpd.GeoDataFrame:
    """A layer whose every vertex lies outside its CRS's area of use as given but inside it
    with x and y exchanged (X = northing, the Vietnamese surveyor's way), read swapped with a
    warning (found by fuzzing: a shapefile so written was 2,300 km away, and validate said
    OK); as tables are (:func:`_fix_swapped_xy`)."""
    aou = gdf.crs.area_of_use if gdf.crs is not None else None
    if aou is None or gdf.crs.is_geographic or gdf.empty or aou.west > aou.east:
        return gdf
    if not (_degrees_outside(*_lonlat_sample(gdf), aou.bounds) > 1.0).all() or \
            (_degrees_outside(*_lonlat_sample(gdf, swapped=True), aou.bounds) > 1.0).any():
        return gdf
    problems.warn(f"its x and y look swapped for {gdf.crs.name} (Vietnamese surveys write X "
                  "for northing and Y for easting): every point lies outside the CRS's area "
                  "of use as written and inside it swapped; reading them swapped")
    return gdf.set_geometry(shapely.transform(gdf.geometry.values, lambda c: c[:, ::-1]))


def _check_area_of_use(gdf: gpd.GeoDataFrame, problems: Problems) -> None:
    """Warn about a layer lying far (``settings.CRS_AREA_TOLERANCE_DEG``) outside its CRS's
    area of use: a wrong CRS (Vietnamese TM-3 metres under a French .prj landed at 2°E, 9°N
    and validate said OK, found by fuzzing)."""
    from coverage_gis.config import settings

    aou = gdf.crs.area_of_use if gdf.crs is not None else None
    if aou is None or gdf.empty or aou.west > aou.east:
        return
    off = _degrees_outside(*_lonlat_sample(gdf), aou.bounds)
    if not len(off) or np.median(off) <= settings.CRS_AREA_TOLERANCE_DEG:
        return
    far = np.median(off)
    problems.warn(f"its coordinates lie {'far' if not np.isfinite(far) else f'{far:.0f}°'} "
                  f"outside the area of use of its CRS, {describe_crs(gdf.crs)} "
                  f"({aou.west:g}° to {aou.east:g}°E, {aou.south:g}° to {aou.north:g}°N): "
                  "is that CRS right? Name the one the coordinates are in with crs=")


def _check_position(gdf: gpd.GeoDataFrame, source: str) -> None:
    """Refuse a layer whose coordinates contradict its CRS's units: all within a few units
    of a lon/lat under a CRS in metres (a GeoJSON whose ``crs`` member says EPSG:32648 over
    degrees; the hamlets then lay 2,300 km away, and the sites were blamed). Degrees under a
    CRS in degrees that are not degrees are caught by the study area's checks."""
    if gdf.crs is None or gdf.crs.is_geographic or gdf.empty:
        return
    minx, miny, maxx, maxy = gdf.total_bounds
    if not all(map(np.isfinite, (minx, miny, maxx, maxy))):
        return
    if (max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90
            and max(maxx - minx, maxy - miny) < 5):
        unit = gdf.crs.axis_info[0].unit_name if gdf.crs.axis_info else "metre"
        unit = re.sub(r"(metre|meter)$", "metres", re.sub(r"foot$", "feet", unit))
        raise InputError(f"{source}: its CRS {describe_crs(gdf.crs)} counts in {unit}, but "
                         f"all its coordinates lie within {max(maxx - minx, maxy - miny):.2g} "
                         f"{unit} of ({minx:.4f}, {miny:.4f}): they look like degrees (lon, "
                         "lat); "
                         "expected the file's real CRS: name it with crs=, e.g. "
                         "crs='EPSG:4326'")


def _same_crs(a: CRS, b: CRS) -> bool:
    try:
        return a == b or (a.to_epsg() is not None and a.to_epsg() == b.to_epsg())
    except Exception:  # pragma: no cover
        return False


#: A shapefile's attribute table (dBASE) keeps 10 characters of a column name.
_DBF_NAME_CHARS = 10


def _rename(df: pd.DataFrame, columns: Mapping[str, str] | None,
            known: tuple[str, ...], problems: Problems, dbf: bool = False) -> pd.DataFrame:
    """Apply ``columns=`` ({file column: contract column}), then give contract names to columns
    that differ only in case (``Name`` → ``name``); with ``dbf`` (a shapefile), also to columns
    cut to the format's 10 characters (``azimuth_de`` → ``azimuth_deg``: found by a review,
    such columns were dropped without a word and every sector became omni), where one contract
    name alone is cut to them. Two columns matching one contract name, or a name used twice
    after renaming, are errors.

    The mapping the user typed wins: renaming onto a column the file already has (the 2025
    ward files have ``name`` and ``fullName``; ``{"fullName": "name"}``) replaces it, and a
    warning says the file's own column was left out."""
    if columns:  # typed on a Mac (NFD), the names still match the file's (made NFC)
        nfc = {k: unicodedata.normalize("NFC", k) if isinstance(k, str) else k
               for k in (*columns, *columns.values())}
        df = _apply_columns(df, {nfc[k]: nfc[v] for k, v in columns.items()}, problems)
    present = set(df.columns)
    renames = {}
    for want in known:
        if want in present:
            continue
        found = [c for c in df.columns if isinstance(c, str) and c.strip().lower() == want]
        cut = want[:_DBF_NAME_CHARS]
        if (not found and dbf and cut != want
                and sum(k[:_DBF_NAME_CHARS] == cut for k in known) == 1):
            found = [c for c in df.columns if isinstance(c, str) and c.strip().lower() == cut]
        if len(found) > 1:
            names = " and ".join(f"'{c}'" for c in found)
            problems.error(f"is matched by {len(found)} columns ({names}); expected one: remove "
                           "or rename the others, or choose one with columns=", column=want)
        elif found:
            renames[found[0]] = want
    df = df.rename(columns=renames) if renames else df
    schema._duplicate_columns([c for c in df.columns if c != "geometry"], problems,
                              " after renaming with columns=" if columns else "")
    problems.raise_if_any()
    return df


def _apply_columns(df: pd.DataFrame, mapping: dict[str, str], problems: Problems
                   ) -> pd.DataFrame:
    """Rename {file column: new name}. A file column that is missing, or two file columns
    given the same new name, are errors; a new name the file already uses for a column that
    is not itself renamed replaces that column (dropped, with a warning). The geometry can be
    neither renamed nor written onto (the points of a table are built as ``geometry``)."""
    geometry = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else "geometry"
    for old, new in mapping.items():
        if geometry in (old, new) and old != new:
            role = "renamed" if old == geometry else "written onto"
            problems.error(f"columns= maps '{old}' onto '{new}' ({old}={new}): the geometry "
                           f"column '{geometry}' cannot be {role}; expected columns= to name "
                           "attribute columns only")
    problems.raise_if_any()
    have = ", ".join(map(str, df.columns))
    for c in mapping:
        if c not in df.columns:
            problems.error(f"is named in columns= but not in the file (columns: {have})",
                           column=c)
    by_target: dict[str, list[str]] = {}
    for old, new in mapping.items():
        by_target.setdefault(new, []).append(old)
    for new, olds in by_target.items():
        if len(olds) > 1:
            names = " and ".join(f"'{c}'" for c in olds)
            problems.error(f"is given to {len(olds)} columns by columns= ({names}); expected "
                           "one file column per name", column=new)
    problems.raise_if_any()
    replaced = [new for new in by_target if new in df.columns and new not in mapping
                and new != "geometry"]
    for new in replaced:
        problems.warn(f"is replaced by '{by_target[new][0]}' as columns= asks "
                      f"({by_target[new][0]}={new}); the file's own '{new}' column is left "
                      "out", column=new)
    return df.drop(columns=replaced).rename(columns=mapping)


def _to(gdf: gpd.GeoDataFrame, to_crs: Any) -> gpd.GeoDataFrame:
    attrs = dict(gdf.attrs)
    attrs["file_crs"] = describe_crs(gdf.crs)
    if to_crs is not None:
        try:
            target = resolve_crs(to_crs)
        except InputError as exc:  # named (found by a review: a bare ValueError)
            raise InputError([f"to_crs={to_crs!r:.60}: {p}" for p in exc.problems]) from None
    out = gdf if to_crs is None else gdf.to_crs(target)
    out = out.reset_index(drop=True)
    out.attrs = attrs
    return out


# --------------------------------------------------------------------------------------------
# Public layer readers
# --------------------------------------------------------------------------------------------

_HAMLET_COLUMNS = ("hamlet_id", "name", "households", "population")
_SITE_COLUMNS = ("site_id", "tower_id", "operator", "technology", "band_mhz", "bandwidth_mhz",
                 "height_m", "azimuth_deg", "beamwidth_deg", "tilt_deg", "eirp_dbm", "status")


@_at_boundary
def read_hamlets(path: PathLike, *, layer: str | None = None, crs: Any = None,
                 encoding: str | None = None, columns: Mapping[str, str] | None = None,
                 to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Hamlet (thôn) polygons: ``hamlet_id``, ``name``, optional ``households``, ``population``.

    See :func:`read_vector` for the options; invalid polygons are repaired (with a warning).
    """
    gdf, problems = read_vector(path, layer=layer, crs=crs, encoding=encoding, columns=columns,
                                known_columns=_HAMLET_COLUMNS, expected_layer="hamlets")
    return _to(schema.validate_hamlets(gdf, problems), to_crs)


@_at_boundary
def read_boundary(path: PathLike, *, layer: str | None = None, crs: Any = None,
                  encoding: str | None = None, to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """A context boundary such as the commune outline (polygons, any attributes)."""
    gdf, problems = read_vector(path, layer=layer, crs=crs, encoding=encoding,
                                known_columns=("name",), expected_layer="commune")
    return _to(schema.validate_boundary(gdf, problems), to_crs)


#: The OpenCelliD API's CSV names (``cell/getInArea?format=csv``) of the export's columns.
_OPENCELLID_API_NAMES = {"mnc": "net", "lac": "area", "cellid": "cell",
                         "averagesignalstrength": "averageSignal"}


def _is_opencellid(path: Path) -> bool:
    """True for an OpenCelliD cell export, with or without its header row, in any encoding
    the table readers read (:func:`boundary.first_row`: UTF-16 with tabs too)."""
    if path.suffix.lower() not in _TABLE_SUFFIXES:
        return False
    head = [c.strip() for c in _first_row(path)]
    if not head or not head[0]:
        return False
    names = {h.lower() for h in head}
    if {"radio", "mcc", "mnc", "lac", "cellid", "lon", "lat"} <= names:
        return True  # the OpenCelliD API's CSV (cell/getInArea): other names, other order
    # Without its header: 13-14 fields, a radio or whole numbers for mcc, net, area and cell.
    return (head[: len(OPENCELLID_COLUMNS)] == list(OPENCELLID_COLUMNS)
            or (len(head) >= 13 and (head[0].upper() in _OPENCELLID_RADIOS
                                     or all(h.isdigit() for h in head[1:5]))))


def _refuse_measurements(path: Path) -> None:
    """Refuse, with the way to use it, a table of measured levels given as sites: an
    OpenCelliD measurements file or a drive-test table (:func:`opencellid.measurement_format`).
    """
    kind = opencellid.measurement_format(path)
    if kind == "drive-test":
        raise InputError(f"{path.name}: is a table of measured levels (it has rsrp_dbm and no "
                         "site_id), not sites; use it for calibration (read_measurements, the "
                         "calibrate command); expected sites with site_id, operator and "
                         "technology")
    if kind is not None:
        raise InputError(
            f"{path.name}: this is an OpenCelliD measurements file; use it for calibration "
            "(read_measurements, the calibrate command). Each row is one phone's reading "
            "where the phone was (mcc, mnc, lac, cellid, lon, lat, signal, measured_at...), "
            "not a cell; for sites give OpenCelliD's cell export (radio,mcc,net,area,cell,"
            "unit,lon,lat,...)")


def _opencellid_masts(gdf: gpd.GeoDataFrame, problems: Problems) -> gpd.GeoDataFrame:
    """The cells moved onto their estimated masts (:func:`opencellid.place_masts`), with a
    warning for masts whose cells are far apart."""
    cells = opencellid.place_masts(gdf)
    wide = cells.attrs.pop("wide_masts", [])
    if wide:
        limit = settings.OPENCELLID_MAX_MAST_SPREAD_M / 1000
        problems.warn(f"the cells of {len(wide)} mast(s) lie more than {limit:g} km from the "
                      f"mast placed at their centre: {', '.join(wide[:5])}"
                      f"{' ...' if len(wide) > 5 else ''}; those masts' positions are poor "
                      "guesses: check them against the operator's list")
    return cells


@_at_boundary
def read_opencellid(path: PathLike, *, to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """An OpenCelliD cell export (``radio,mcc,net,area,cell,unit,lon,lat,range,...``), with or
    without its header row, or the OpenCelliD API's CSV (``lat,lon,mcc,mnc,lac,cellid,
    averageSignalStrength,range,...,radio,...``), as a sites layer.

    ``radio`` GSM/UMTS/LTE/NR becomes ``technology`` 2G/3G/4G/5G; MCC 452 networks become
    operators (01 MobiFone, 02 VinaPhone, 04 Viettel, 05 Vietnamobile, 07 Gmobile); rows of
    other networks or radios (CDMA, NB-IoT) are excluded with a warning. ``site_id`` is
    ``MCC-NET-AREA-CELL``; ``area`` and ``cell`` are kept, with ``enb_id`` (cell // 256) for LTE.
    ``range`` becomes ``range_m``; ``averageSignal`` becomes ``average_signal_dbm`` (0 means
    unknown: NaN). Every radio column takes the technology default (listed in ``defaulted``).

    OpenCelliD positions are centroids of phones' measurements, not masts: the cells of one
    eNB/gNB are moved onto one mast at their geometric median and given sector azimuths
    pointing towards their own positions (:mod:`coverage_gis.io.opencellid`; flagged
    ``position_approximate``, ``azimuth_inferred``; ``tower_id`` = ``mast_id``). An OpenCelliD
    *measurements* file is refused with the hint to use it for calibration.
    """
    p = _check_path(path)
    source = _name(p)
    _refuse_measurements(p)
    first = _first_row(p)
    has_header = bool(first) and ("radio" in {c.strip().lower() for c in first})
    df = _read_table(p, None, header=has_header)
    if has_header:  # the API's CSV names the export's columns otherwise (found by a review)
        df = df.rename(columns={c: _OPENCELLID_API_NAMES.get(str(c).strip().lower(), c)
                                for c in df.columns})
    problems = Problems(source, "row")
    if df.empty:
        raise InputError(f"{source}: is empty: an OpenCelliD export with a header row and no "
                         "cells; expected one row per cell")
    if not has_header:
        if df.shape[1] < len(OPENCELLID_COLUMNS) - 1:
            raise InputError(f"{source}: has {df.shape[1]} columns; an OpenCelliD export has "
                             f"{len(OPENCELLID_COLUMNS)} ({','.join(OPENCELLID_COLUMNS)})")
        df.columns = list(OPENCELLID_COLUMNS[: df.shape[1]]) + [
            f"extra{i}" for i in range(df.shape[1] - len(OPENCELLID_COLUMNS))]
        extra = [c for c in df.columns if c.startswith("extra")]
        longer = df[extra].map(lambda v: not schema._is_blank(v)).any(axis=1)
        if extra and longer.any() and not longer.all():  # a row shifted (found by fuzzing:
            # its network read from its MCC, the row left out as another network's)
            for i in np.flatnonzero(longer.to_numpy()):
                problems.error(f"has more fields than the export's {len(OPENCELLID_COLUMNS)} "
                               f"({','.join(OPENCELLID_COLUMNS)}): a field too many shifts "
                               "the others", int(i))
            problems.raise_if_any()
    schema._require_columns(df, ("radio", "mcc", "net", "area", "cell", "lon", "lat"), problems)
    problems.raise_if_any()
    ints = {c: schema._numeric_column(df, c, problems, integer=True, required=True)
            for c in ("mcc", "net", "area", "cell")}
    problems.raise_if_any()
    keys = list(zip(ints["mcc"].astype(int), ints["net"].astype(int)))
    operators = pd.Series([settings.OPENCELLID_NETWORKS.get(k) for k in keys], index=df.index,
                          dtype=object)
    radios = df["radio"].map({r: schema.normalise_technology(r) for r in df["radio"].unique()})
    techs = radios.astype(object)
    keep = operators.notna() & techs.notna()
    if not keep.all():
        why = pd.Series(
            [f"network {m}-{n:02d}" if op is None else f"radio {r}"
             for (m, n), op, r in zip(keys, operators, df["radio"])], index=df.index)[~keep]
        detail = ", ".join(f"{n} × {w}" for w, n in sorted(why.value_counts().items()))
        problems.warn(f"excluded {int((~keep).sum())} rows of unknown networks or radios "
                      f"({detail}); known: " + ", ".join(
                          f"{m}-{n:02d} {o}" for (m, n), o in settings.OPENCELLID_NETWORKS.items()),
                      category=RowsExcludedWarning)
    out = pd.DataFrame(index=df.index)
    out["site_id"] = [f"{m:.0f}-{n:02.0f}-{a:.0f}-{c:.0f}" for m, n, a, c in
                      zip(ints["mcc"], ints["net"], ints["area"], ints["cell"])]
    out["operator"] = operators
    out["technology"] = techs
    out["mcc"] = ints["mcc"].astype("Int64")
    out["net"] = ints["net"].astype("Int64")
    out["area"] = ints["area"].astype("Int64")
    out["cell"] = ints["cell"].astype("Int64")
    out["enb_id"] = (ints["cell"] // 256).astype("Int64").where(techs == "4G")
    for src, dst in (("range", "range_m"), ("samples", "samples")):
        if src in df.columns:
            out[dst] = schema._numeric_column(df, src, problems)
    if "averageSignal" in df.columns:
        sig = schema._numeric_column(df, "averageSignal", problems)
        out["average_signal_dbm"] = sig.where(sig != 0)
    out["lon"] = df["lon"]
    out["lat"] = df["lat"]
    out = out[keep]
    if out.empty:
        raise InputError(
            f"{source}: none of its {len(df)} rows is a cell of a known Vietnamese network "
            f"({detail}); expected MCC-MNC " + ", ".join(
                f"{m}-{n:02d}" for m, n in settings.OPENCELLID_NETWORKS) +
            " and radio GSM, UMTS, LTE or NR")
    gdf = _opencellid_masts(_points_from_table(out, None, problems), problems)
    sites = schema.validate_sites(gdf, problems)
    sites.attrs["format"] = "opencellid"
    return _to(sites, to_crs)


@_at_boundary
def read_sites(path: PathLike, *, layer: str | None = None, crs: Any = None,
               encoding: str | None = None, columns: Mapping[str, str] | None = None,
               to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Sites, one row per cell (sector); OpenCelliD exports are recognised and read with
    :func:`read_opencellid`; measurement tables (OpenCelliD's, drive tests) are refused with
    the hint to use them for calibration.

    Columns: ``site_id``, ``operator``, ``technology`` (required); ``tower_id``, ``band_mhz``,
    ``bandwidth_mhz``, ``height_m``, ``azimuth_deg`` (empty = omni), ``beamwidth_deg``,
    ``tilt_deg``, ``eirp_dbm`` (total EIRP of the sector's carrier), ``status``. Missing radio
    values take per-technology defaults, listed per row in ``defaulted``.
    """
    p = _check_path(path)
    _refuse_measurements(p)
    if _is_opencellid(p):
        return read_opencellid(p, to_crs=to_crs)
    gdf, problems = read_vector(p, layer=layer, crs=crs, encoding=encoding, columns=columns,
                                known_columns=_SITE_COLUMNS, expected_layer="sites")
    return _to(schema.validate_sites(gdf, problems), to_crs)


@_at_boundary
def read_fibre(path: PathLike, *, layer: str | None = None, crs: Any = None,
               encoding: str | None = None, columns: Mapping[str, str] | None = None,
               operator: str | None = None, to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Fibre routes (lines) with ``operator`` (a column, or ``operator=`` for the whole file, as
    for an operator's KML export); ``route_id`` (generated when absent), ``name``. Pieces are
    kept as they are in the file; merging and snapping belong to the fibre engine."""
    gdf, problems = read_vector(path, layer=layer, crs=crs, encoding=encoding, columns=columns,
                                known_columns=("route_id", "operator", "name"),
                                expected_layer="fibre")
    return _to(schema.validate_fibre(gdf, problems, operator), to_crs)


@_at_boundary
def read_access_points(path: PathLike, *, layer: str | None = None, crs: Any = None,
                       encoding: str | None = None, columns: Mapping[str, str] | None = None,
                       operator: str | None = None, to_crs: Any = "EPSG:4326"
                       ) -> gpd.GeoDataFrame:
    """Fibre access points (FAT/splitter boxes): ``ap_id``, ``operator``, ``kind``,
    ``ports_total``, ``ports_used``."""
    gdf, problems = read_vector(path, layer=layer, crs=crs, encoding=encoding, columns=columns,
                                known_columns=("ap_id", "operator", "kind", "ports_total",
                                               "ports_used"),
                                expected_layer="access_points")
    return _to(schema.validate_access_points(gdf, problems, operator), to_crs)


@_at_boundary
def read_households(path: PathLike, *, layer: str | None = None, crs: Any = None,
                    encoding: str | None = None, columns: Mapping[str, str] | None = None,
                    to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Household points: ``household_id``, ``hamlet_id``, ``is_cultural_house``,
    ``population`` (all optional). Building polygons are taken at their centroids (with a
    warning; :func:`coverage_gis.io.buildings.footprints_as_points`)."""
    from coverage_gis.io.buildings import footprints_as_points

    gdf, problems = read_vector(path, layer=layer, crs=crs, encoding=encoding, columns=columns,
                                known_columns=("household_id", "hamlet_id",
                                               "is_cultural_house", "population"),
                                expected_layer="households")
    gdf = footprints_as_points(gdf, problems)
    return _to(schema.validate_households(gdf, problems), to_crs)


@_at_boundary
def read_roads(path: PathLike, *, layer: str | None = None, crs: Any = None,
               encoding: str | None = None, columns: Mapping[str, str] | None = None,
               to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Road lines: ``road_id``, ``name``, ``road_class`` (all optional)."""
    gdf, problems = read_vector(path, layer=layer, crs=crs, encoding=encoding, columns=columns,
                                known_columns=("road_id", "name", "road_class"),
                                expected_layer="roads")
    return _to(schema.validate_roads(gdf, problems), to_crs)


@_at_boundary
def read_constraints(path: PathLike, *, layer: str | None = None, crs: Any = None,
                     encoding: str | None = None, columns: Mapping[str, str] | None = None,
                     kind: str | None = None, min_distance_m: float | None = None,
                     to_crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    """Constraint features for the tower check (any geometry): ``kind`` (school,
    kindergarten, health_station, heritage, cultural_house, commune_office, dwelling, or your
    own with ``min_distance_m``), ``name``, ``min_distance_m``. ``kind=`` and
    ``min_distance_m=`` apply to the whole file."""
    gdf, problems = read_vector(path, layer=layer, crs=crs, encoding=encoding, columns=columns,
                                known_columns=("constraint_id", "kind", "name",
                                               "min_distance_m"),
                                expected_layer="constraints")
    return _to(schema.validate_constraints(gdf, problems, kind, min_distance_m), to_crs)


@_at_boundary
def read_statistics(path: PathLike, *, encoding: str | None = None,
                    columns: Mapping[str, str] | None = None, layer: str | None = None
                    ) -> pd.DataFrame:
    """Statistics per year (CSV or XLSX): ``year`` and counts such as ``population``,
    ``households``, ``ftth_subscriptions`` (see :data:`schema.STATISTICS_COLUMNS`); of a
    workbook, the sheet ``layer`` (default: the one whose header has those columns)."""
    p = _check_path(path)
    if p.suffix.lower() not in _TABLE_SUFFIXES | _EXCEL_SUFFIXES:
        raise InputError(f"{_name(p)}: statistics are read from a table, not {_format(p)}; "
                         "expected a CSV, TXT or XLSX file")
    problems = Problems(_name(p), "row")
    known = ("year",) + schema.STATISTICS_COLUMNS
    df = _read_table(p, _check_encoding(encoding, _name(p)), wanted=(*known, *(columns or {})),
                     sheet=layer)
    df = _rename(df, columns, known, problems)
    return schema.validate_statistics(df, problems)



