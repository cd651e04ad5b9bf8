"""Writing single files into an output folder: CSV (UTF-8 with a byte-order mark), text, GeoJSON
and GeoTIFF (COG).

Whole output sets are staged and swapped into place by :mod:`coverage_gis.outputs.outset`;
each writer here also writes through :func:`atomic_path` (a temporary name, renamed when
complete) so that one called on its own never leaves half a file. Files get the user's umask
like any other file they create.

Text that a spreadsheet would execute (a cell starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return: OWASP "CSV injection") is neutralised by :func:`neutralise`.

CSV files start with the UTF-8 byte-order mark (``utf-8-sig``): Excel on Windows opens a CSV
without it in the local ANSI code page (Windows-1258 in Vietnam) and garbles every accented
letter; with it, Excel, LibreOffice and pandas read UTF-8 (pandas and the project's own
readers drop the mark; Python's ``csv`` module needs ``encoding="utf-8-sig"``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from coverage_gis.io.files import atomic_path, write_geotiff

__all__ = ["json_safe", "atomic_path", "CSV_ENCODING", "FORMULA_PREFIXES", "neutralise",
           "neutralise_frame", "write_csv", "write_text", "write_geojson", "write_geotiff"]

#: The encoding of every CSV written: UTF-8 with a byte-order mark, for Excel (see above).
CSV_ENCODING = "utf-8-sig"

#: First characters that make Excel, LibreOffice or Google Sheets read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would execute."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are :func:`neutralise`-d (numbers are left alone)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise)
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV in UTF-8 with a byte-order mark (:data:`CSV_ENCODING`), its text
    cells neutralised."""
    with atomic_path(path) as tmp:
        neutralise_frame(pd.DataFrame(df)).to_csv(tmp, index=False, encoding=CSV_ENCODING)
    return Path(path)


def write_text(text: str, path: str | Path) -> Path:
    """Write a UTF-8 text file."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def arrow_ok(gdf: Any) -> bool:
    """Whether GDAL may be handed ``gdf`` through Arrow (pyogrio's ``use_arrow``: about twice
    as fast on a million rows, the same file): when no column but the geometry holds Python
    objects. An object column mixing True and None would be typed differently through Arrow
    (a boolean field, not text)."""
    return not any(pd.api.types.is_object_dtype(dtype) for name, dtype in gdf.dtypes.items()
                   if name != gdf.geometry.name)


def write_geojson(gdf: Any, path: str | Path) -> Path:
    """Write a GeoDataFrame as GeoJSON in WGS 84 (RFC 7946)."""
    with atomic_path(path) as tmp:
        tmp.unlink()  # GDAL creates the file itself
        gdf.to_crs(4326).to_file(tmp, driver="GeoJSON", layer=Path(path).stem,
                                 use_arrow=arrow_ok(gdf))
    return Path(path)


def json_safe(v: Any) -> Any:
    """``v`` with NaN and infinities as None, in its dicts, lists and tuples (JSON, RFC 8259,
    has neither: ``json.dumps`` writes ``NaN``, which strict parsers and browsers refuse)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    return v
