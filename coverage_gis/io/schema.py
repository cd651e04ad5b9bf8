"""The data contracts of every layer, their validation, and the one error type for bad input.

Loaders (``io``) turn a file into a raw (Geo)DataFrame whose index is the feature's position in the
file (0-based); the ``validate_*`` functions here check it against the layer's contract, normalise
values (operators, technologies, statuses), fill documented defaults, and collect every problem
with the file name, the row or feature number (1-based), the column, the value and what was
expected. All problems of a file are raised together as one :class:`InputError`.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gis.config import settings
from coverage_gis.config.vocabulary import (
    is_blank,
    normalise_access_point_kind,
    normalise_operator,
    normalise_status,
    normalise_technology,
)
from coverage_gis.errors import InputError, InputWarning

__all__ = [
    "InputError",
    "InputWarning",
    "Problems",
    "normalise_operator",
    "normalise_technology",
    "tower_keys",
    "tower_parts",
    "validate_hamlets",
    "validate_sites",
    "validate_fibre",
    "validate_access_points",
    "validate_households",
    "validate_roads",
    "validate_statistics",
    "validate_boundary",
    "validate_constraints",
    "require_cell_columns",
    "CELL_COLUMNS",
]


_NO_VALUE = object()


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<empty>"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if not isinstance(value, (float, np.floating)):
            return str(value)
        short = f"{value:g}"  # unless that hides the value (1350.0000001 "is not whole")
        return short if float(short) == float(value) else repr(float(value))
    return repr(str(value))


@dataclass
class Problems:
    """Collects the problems of one file, so that one :class:`InputError` lists them all.

    Parameters
    ----------
    source
        The file's name as the user knows it (e.g. ``sites.csv``).
    unit
        ``"row"`` for tables (row 1 is the first data row below the header) or ``"feature"``
        for vector files (feature 1 is the first feature).
    """

    source: str
    unit: str = "row"
    errors: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    #: Rows whose coordinates were already reported (so geometry checks skip them).
    bad_geometry: set = field(default_factory=set)
    _order: list[int] = field(default_factory=list, repr=False)

    def _where(self, index: int | None) -> str:
        return self.source if index is None else f"{self.source} {self.unit} {int(index) + 1}"

    def message(self, text: str, index: int | None = None, column: str | None = None,
                value: Any = _NO_VALUE) -> str:
        """Compose ``"<file> row N: column=value text"``; ``index`` is 0-based."""
        where = self._where(index)
        if column is not None and value is not _NO_VALUE:
            return f"{where}: {column}={_fmt(value)} {text}"
        if column is not None:
            return f"{where}: column '{column}' {text}"
        return f"{where}: {text}"

    def error(self, text: str, index: int | None = None, column: str | None = None,
              value: Any = _NO_VALUE) -> None:
        """Record an error (raised later by :meth:`raise_if_any`)."""
        self.errors.append(self.message(text, index, column, value))
        self._order.append(-1 if index is None else int(index))

    def warn(self, text: str, index: int | None = None, column: str | None = None,
             value: Any = _NO_VALUE, category: type[InputWarning] = InputWarning) -> None:
        """Emit an :class:`InputWarning` (or ``category``, a subclass) now and remember it."""
        msg = self.message(text, index, column, value)
        self.warned.append(msg)
        warnings.warn(msg, category, stacklevel=3)

    def raise_if_any(self) -> None:
        """Raise one :class:`InputError` listing every error recorded so far."""
        if self.errors:
            order = sorted(range(len(self.errors)), key=lambda i: self._order[i])
            raise InputError([self.errors[i] for i in order])


# --------------------------------------------------------------------------------------------
# Normalisation of categorical values
# --------------------------------------------------------------------------------------------

def _normalise_column(df: pd.DataFrame, column: str, normalise: Any, problems: Problems,
                      expected: str) -> pd.Series:
    """Map a categorical column through ``normalise`` (once per distinct value); values it
    does not know are errors."""
    raw = df[column]
    table = {v: normalise(v) for v in pd.unique(raw.astype(object))}
    out = raw.map(table).astype(object)
    for idx in out.index[out.isna()]:
        problems.error(expected, idx, column, raw[idx])
    return out


_is_blank = is_blank


# --------------------------------------------------------------------------------------------
# Column helpers
# --------------------------------------------------------------------------------------------

def _require_columns(df: pd.DataFrame, columns: Iterable[str], problems: Problems,
                     hint: str = "") -> bool:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        have = ", ".join(map(str, df.columns.drop("geometry", errors="ignore"))) or "none"
        for col in missing:
            problems.error(f"is required but missing (columns present: {have}){hint}",
                           column=col)
        return False
    return True


def _clean_text(v: Any) -> Any:
    """One text value with surrounding blanks stripped (a whole float as an integer); a blank
    becomes None."""
    if _is_blank(v):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _text_column(df: pd.DataFrame, column: str) -> pd.Series:
    """Strings with surrounding blanks stripped; blanks become None. A column of text has
    each distinct value cleaned once (other columns value by value: pandas would take 1,
    1.0 and True for one value)."""
    raw = df[column]
    codes, distinct = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
    if not all(isinstance(v, str) for v in distinct):
        return raw.map(_clean_text).astype(object)
    # _clean_text of text: stripped, a blank becomes None (a million ids: 0.2 s, not 2 s)
    cleaned = np.array([v.strip() or None for v in distinct] + [None], dtype=object)
    return pd.Series(cleaned[codes], index=df.index, dtype=object, name=raw.name)  # -1: None


#: Whole numbers written with digit grouping that cannot be read any other way: two or more
#: groups (``4.989.000``, ``4,989,000``) or blanks (``4 989``, also no-break spaces).
_GROUPED_INTEGER = re.compile(r"[+-]?\d{1,3}(?:(?P<sep>[.,])\d{3})(?:(?P=sep)\d{3})+"
                              r"|[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+")
#: One separator followed by three digits: ``4.989`` is 4989 in Vietnamese writing (``.``
#: groups thousands) but 4.989 in English: a count written so is refused, never guessed.
_ONE_GROUP = re.compile(r"[+-]?[1-9]\d{0,2}(?P<sep>[.,])\d{3}")  # (0.750 groups nothing)
#: A decimal comma (``35,5``), as Vietnamese writes decimals.
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")


def _whole_number_problem(value: Any) -> str:
    """The message for a count that is not a whole number, with a digit-grouping hint when
    it may be one group of thousands: the text ``4.989``, or a spreadsheet's number 1.35 that
    was typed ``1.350``."""
    text = str(value).strip()
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if 1 <= abs(number) < 1000 and abs(number * 1000 - round(number * 1000)) < 1e-6:
            text = f"{number:.3f}"
    m = _ONE_GROUP.fullmatch(text)
    if m is None:
        return "is not a whole number"
    digits = text.replace(m["sep"], "")
    return (f"is not a whole number: counts are whole numbers; if '{m['sep']}' groups "
            f"thousands here ({'Vietnamese' if m['sep'] == '.' else 'English'} style: "
            f"{text} = {digits}), write {digits} without "
            "separators")


def _numeric_column(df: pd.DataFrame, column: str, problems: Problems, *,
                    integer: bool = False, required: bool = False,
                    value_range: tuple[float, float] | None = None,
                    hint: str = "", expected: str = "") -> pd.Series:
    """Parse a numeric column, recording unparsable, missing (when required) and out-of-range
    values; problems become NaN; ``expected`` follows "is not a number" (what is read).

    With ``integer`` (counts), unambiguous digit grouping (``4.989.000``, ``4 989``) is read as
    the whole number it writes, and a value with a fractional part is an error, with a hint
    when it may be Vietnamese digit grouping (``4.989``)."""
    raw = df[column]
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        # numbers already (a GeoPackage's or Parquet's column): nothing to parse, a missing
        # value is blank (the text path below gives the same; a million rows: 1.6 s)
        values, given, unparsed = raw.astype(float), raw.notna(), pd.Series(dtype=object)
    else:
        as_text = raw.map(lambda v: None if _is_blank(v) else str(v).strip()).astype(object)
        values = pd.to_numeric(as_text, errors="coerce").astype(float)
        given = as_text.notna()
        unparsed = as_text[values.isna() & given]
    for idx, text in unparsed.items():
        if integer and _GROUPED_INTEGER.fullmatch(text):
            values[idx] = float(re.sub(r"[^\d+-]", "", text))
        elif integer and (_ONE_GROUP.fullmatch(text) or _DECIMAL_COMMA.fullmatch(text)):
            problems.error(_whole_number_problem(raw[idx]), idx, column, raw[idx])
        elif _DECIMAL_COMMA.fullmatch(text):
            problems.error("is not a number (write decimals with a point, e.g. "
                           f"{text.replace(',', '.')})", idx, column, raw[idx])
        else:
            problems.error(f"is not a number{expected}", idx, column, raw[idx])
    if required:
        for idx in values.index[~given]:
            problems.error("is empty; a number is required", idx, column, None)
    if integer:
        bad = values.notna() & (values != np.round(values))
        for idx in values.index[bad]:
            problems.error(_whole_number_problem(raw[idx]), idx, column, raw[idx])
            values[idx] = np.nan
    if value_range is not None:
        lo, hi = value_range
        bad = values.notna() & ((values < lo) | (values > hi))
        for idx in values.index[bad]:
            problems.error(f"is outside {lo:g}..{hi:g}{hint}", idx, column, values[idx])
            values[idx] = np.nan
    return values


def _duplicate_columns(columns: Sequence[Any], problems: Problems, what: str = "") -> None:
    """Record an error for every column name used more than once (``what`` says where the
    names came from, e.g. ``" after renaming with columns="``); blank names (columns with
    neither a name nor data, left out) are not names."""
    seen: dict[str, list[int]] = {}
    for i, c in enumerate(columns):
        if c is not None and str(c) != "":
            seen.setdefault(str(c), []).append(i)
    for name, where in seen.items():
        if len(where) > 1:
            places = " and ".join(str(i + 1) for i in where)
            problems.error(f"appears {len(where)} times (columns {places}{what}); expected "
                           "each column name once: remove or rename the extra ones",
                           column=name)


_TRUE = {"1", "true", "yes", "y", "x", "t", "co", "có", "đúng"}
_FALSE = {"0", "false", "no", "n", "f", "", "khong", "không", "sai"}


def _yes_no(v: Any) -> bool | None:
    """One yes/no value read (blank: False), or None when it is not one."""
    if _is_blank(v):
        return False
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    key = str(v).strip().lower()
    if key in _TRUE or (key.replace(".", "", 1).isdigit() and float(key) == 1):
        return True
    if key in _FALSE or (key.replace(".", "", 1).isdigit() and float(key) == 0):
        return False
    return None


def _bool_column(df: pd.DataFrame, column: str, problems: Problems) -> pd.Series:
    """A yes/no column (blank: False); a value that is none of them is an error per row.
    Each distinct value is read once."""
    raw = df[column]
    codes, distinct = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
    read = [_yes_no(v) for v in distinct]
    found = np.array([bool(r) for r in read] + [False], dtype=bool)  # code -1: missing
    bad = np.array([r is None for r in read] + [False], dtype=bool)
    for i in np.flatnonzero(bad[codes]):
        problems.error("is not a yes/no value (expected true/false, 1/0, yes/no)",
                       raw.index[i], column, raw.iloc[i])
    return pd.Series(found[codes], index=df.index, dtype=bool)


def _list_rows(index: Iterable[Any], most: int = 8) -> str:
    """``"1 and 3"``, ``"1, 2 and 5"``, ``"1, 2, ... and 40 (12 in all)"`` (1-based)."""
    rows = [str(int(i) + 1) for i in index]
    if len(rows) > most:
        return f"{', '.join(rows[:most - 1])}, ... and {rows[-1]} ({len(rows)} in all)"
    return rows[0] if len(rows) == 1 else f"{', '.join(rows[:-1])} and {rows[-1]}"


def _unique_ids(df: pd.DataFrame, column: str, problems: Problems, prefix: str) -> pd.Series:
    """Check an id column (generating ``prefix1..`` where absent); duplicates are errors."""
    if column not in df.columns:
        return pd.Series([f"{prefix}{i + 1}" for i in range(len(df))], index=df.index,
                         dtype=object)
    ids = _text_column(df, column)
    for idx in ids.index[ids.isna()]:
        problems.error("is empty; every feature needs an id", idx, column, None)
    dup = ids[ids.notna() & ids.duplicated(keep=False)]
    for value, group in dup.groupby(dup):
        problems.error(f"is used by {problems.unit}s {_list_rows(group.index)} (ids must be "
                       "unique)", int(group.index[0]), column, value)
    return ids


# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------

_GEOM_KINDS = {
    "point": ("Point",),
    "line": ("LineString", "MultiLineString"),
    "polygon": ("Polygon", "MultiPolygon"),
    "any": (),   # constraints: any kind of geometry
}


def _check_geometry(gdf: gpd.GeoDataFrame, kind: str, problems: Problems) -> pd.Series:
    """Check geometry presence, type, coordinates and validity (vectorised; loops only over
    bad features). Returns a mask of good rows; invalid polygons are repaired in place with
    ``make_valid`` (method "structure", with a warning). ``kind`` ``"any"`` takes every
    geometry type."""
    expected = _GEOM_KINDS[kind]
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    known_bad = np.isin(np.arange(len(gdf)), gdf.index.get_indexer(list(problems.bad_geometry)))
    missing = ~known_bad & (pd.isna(geoms) | shapely.is_empty(geoms))
    for i in np.flatnonzero(missing):
        problems.error("has no geometry (empty or missing coordinates)", gdf.index[i])
    ok = ~known_bad & ~missing
    coords, where = shapely.get_coordinates(geoms, return_index=True)
    nonfinite = np.zeros(len(gdf), dtype=bool)
    nonfinite[where[~np.isfinite(coords).all(axis=1)]] = True
    for i in np.flatnonzero(ok & nonfinite):
        problems.error("has NaN or infinite coordinates", gdf.index[i])
    ok &= ~nonfinite
    _single_kind(gdf, geoms, ok, kind)
    types = shapely.get_type_id(geoms)
    wanted = [shapely.GeometryType[t.upper()].value for t in expected]
    wrong = ok & ~np.isin(types, wanted) if expected else np.zeros(len(gdf), dtype=bool)
    for i in np.flatnonzero(wrong):
        gtype = geoms[i].geom_type
        problems.error(f"is a {gtype}; expected {' or '.join(expected)}", gdf.index[i],
                       "geometry", gtype)
    ok &= ~wrong
    if gdf.crs is not None and gdf.crs.is_geographic and ok.any():
        bounds = shapely.bounds(geoms[ok])
        outside = np.zeros(len(gdf), dtype=bool)
        outside[ok] = ((np.abs(bounds[:, [0, 2]]) > 180).any(axis=1)
                       | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1))
        for i in np.flatnonzero(outside):
            _report_lonlat(geoms[i], gdf.index[i], problems)
        ok &= ~outside
    if gdf.crs is not None and gdf.crs.is_projected and ok.any():
        # beyond any place on the Earth in metres (found by fuzzing: a vertex at 1e20 m was
        # blamed on the whole project's bounds, naming no file)
        huge = np.zeros(len(gdf), dtype=bool)
        huge[ok] = (np.abs(shapely.bounds(geoms[ok])) > settings.PROJECTED_MAX_ABS_M).any(axis=1)
        for i in np.flatnonzero(huge):
            problems.error(f"has coordinates beyond {settings.PROJECTED_MAX_ABS_M:.0e} m, no "
                           f"position on the Earth in {gdf.crs.name}; is the CRS right?",
                           gdf.index[i])
        ok &= ~huge
    if kind == "line" and ok.any():  # a point drawn as a line (a KML placemark's dot)
        flat = np.zeros(len(gdf), dtype=bool)
        flat[ok] = shapely.length(geoms[ok]) == 0
        for i in np.flatnonzero(flat):  # found by fuzzing: "joined" to a route 4 km away
            problems.warn("is a line of length 0 (all its points at one place): left out",
                          gdf.index[i])
        ok &= ~flat
    polygonal = ok & np.isin(types, [shapely.GeometryType.POLYGON.value,
                                     shapely.GeometryType.MULTIPOLYGON.value])
    if kind in ("polygon", "any") and polygonal.any():
        invalid = np.zeros(len(gdf), dtype=bool)
        invalid[polygonal] = ~shapely.is_valid(geoms[polygonal])
        for i in np.flatnonzero(invalid):
            idx = gdf.index[i]
            reason = shapely.is_valid_reason(geoms[i])
            # "structure": overlapping parts merged (the default, "linework", cut their
            # overlap out: a hamlet drawn as two overlapping parts kept 22 of its 250 homes,
            # found by fuzzing)
            fixed = _polygonal(shapely.make_valid(geoms[i], method="structure"))
            if fixed is None or fixed.is_empty:
                problems.error(f"is an invalid polygon ({reason}) that could not be repaired "
                               "into one with an area; expected a valid polygon", idx)
                ok[i] = False
                continue
            gdf.loc[idx, "geometry"] = fixed
            problems.warn(f"was an invalid polygon ({reason}); repaired with make_valid", idx)
    return pd.Series(ok, index=gdf.index)


def _single_kind(gdf: gpd.GeoDataFrame, geoms: np.ndarray, ok: np.ndarray, kind: str) -> None:
    """Geometries written as another type than they are, rewritten in ``geoms`` and ``gdf``:
    a one-point MultiPoint (as some exports write) is a point; a GeometryCollection made only
    of lines (or only of polygons), as some exports and overlay tools write a multi-part
    feature, is the MultiLineString (MultiPolygon) it is. A collection mixing kinds is left to
    be refused (found by fuzzing: a hamlet written as a collection of its two polygons was
    refused)."""
    types = shapely.get_type_id(geoms)
    if kind == "point":
        multi = ok & (types == 4) & (shapely.get_num_geometries(geoms) == 1)
        if multi.any():
            geoms[multi] = shapely.get_geometry(geoms[multi], 0)
            gdf["geometry"] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
        return
    gc = ok & (types == shapely.GeometryType.GEOMETRYCOLLECTION.value)
    if kind not in ("line", "polygon") or not gc.any():
        return
    single = _GEOM_KINDS[kind][0]
    builder = shapely.multilinestrings if kind == "line" else shapely.multipolygons
    changed = False
    for i in np.flatnonzero(gc):
        parts = list(shapely.get_parts(shapely.get_parts(geoms[i])))  # nested multis flattened
        if parts and all(p.geom_type == single and not p.is_empty for p in parts):
            geoms[i] = builder(parts)
            changed = True
    if changed:
        gdf["geometry"] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


def _report_lonlat(geom: shapely.Geometry, idx: Any, problems: Problems) -> None:
    xy = shapely.get_coordinates(geom)
    first = xy[(np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)][0]
    if (np.abs(xy) > 1000).any():
        hint = ("the data look projected (metres); name their CRS with crs=, e.g. "
                "crs='vn2000-thanhhoa' (EPSG:5897) or 'vn2000-utm48'")
    else:
        hint = "(are lon and lat swapped?)"
    x, y = (f"{v:.0f}" if abs(v) > 1000 else f"{v:g}" for v in first)
    problems.error(f"has coordinates ({x}, {y}) outside lon -180..180 / lat -90..90: {hint}",
                   idx)


def _finish(gdf: pd.DataFrame, ok: pd.Series, problems: Problems, layer: str) -> pd.DataFrame:
    problems.raise_if_any()
    out = gdf[ok].copy()
    if out.empty:
        raise InputError(problems.message(f"has no usable {layer} features"))
    out.attrs["source"] = problems.source
    out.attrs["unit"] = problems.unit
    out.attrs["warnings"] = list(problems.warned)
    return out


def _check_not_empty(df: pd.DataFrame, problems: Problems, layer: str) -> None:
    if len(df) == 0:
        raise InputError(problems.message(f"is empty: the {layer} layer has no features"))


# --------------------------------------------------------------------------------------------
# Layer contracts
# --------------------------------------------------------------------------------------------

def validate_hamlets(gdf: gpd.GeoDataFrame, problems: Problems) -> gpd.GeoDataFrame:
    """Hamlets (thôn): polygons with unique ``hamlet_id`` and ``name``; optional ``households``
    and ``population`` (whole numbers >= 0)."""
    _check_not_empty(gdf, problems, "hamlets")
    hint = (" (map other names with columns={'ma_thon': 'hamlet_id', 'ten_thon': 'name'} in "
            "Python or the scenario, or on the command line with "
            "--columns hamlets:ma_thon=hamlet_id,ten_thon=name)")
    if not _require_columns(gdf, ("hamlet_id", "name"), problems, hint):
        problems.raise_if_any()
    gdf["hamlet_id"] = _unique_ids(gdf, "hamlet_id", problems, "H")
    gdf["name"] = _text_column(gdf, "name")
    for idx in gdf.index[gdf["name"].isna()]:
        problems.error("is empty; every hamlet needs a name", idx, "name", None)
    for col in ("households", "population"):
        if col in gdf.columns:
            gdf[col] = _numeric_column(gdf, col, problems, integer=True,
                                       value_range=settings.VALUE_RANGES[col])
    ok = _check_geometry(gdf, "polygon", problems)
    _warn_copies(gdf[ok], problems)
    _warn_wide_hamlets(gdf[ok], problems)
    return _finish(gdf, ok, problems, "hamlet")


def _warn_wide_hamlets(gdf: gpd.GeoDataFrame, problems: Problems) -> None:
    """Warn of hamlets wider than ``settings.HAMLET_MAX_EXTENT_KM`` (their bounding box's
    longer side): a stray vertex or part (found by fuzzing: one vertex at 179.9°E made a
    hamlet 7,000 km wide; the errors that followed blamed the DEM)."""
    if gdf.empty or gdf.crs is None:
        return
    b = shapely.bounds(np.asarray(gdf.geometry.values))
    dx, dy = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    if gdf.crs.is_geographic:  # km per degree, at the latitude of the box's middle
        lat = np.radians(np.clip((b[:, 1] + b[:, 3]) / 2, -89.9, 89.9))
        dx, dy = dx * 111.32 * np.cos(lat), dy * 110.57
    else:
        dx, dy = dx / 1000, dy / 1000
    wide = np.maximum(dx, dy)
    for i in np.flatnonzero(wide > settings.HAMLET_MAX_EXTENT_KM):
        problems.warn(f"spans {wide[i]:,.0f} km; a hamlet spans a few: a stray vertex or part? "
                      f"(more than {settings.HAMLET_MAX_EXTENT_KM:g} km: "
                      "settings.HAMLET_MAX_EXTENT_KM)", gdf.index[i], "hamlet_id",
                      gdf["hamlet_id"].iloc[i])


def _warn_copies(gdf: gpd.GeoDataFrame, problems: Problems) -> None:
    """Warn of hamlets that cover much the same ground (more than
    ``settings.HAMLET_OVERLAP_WARN_SHARE`` of the smaller one): a copy, or one drawn twice;
    each house is counted in one of them only, and the other looks empty."""
    geoms = np.asarray(gdf.geometry.values)
    if len(geoms) < 2:
        return
    left, right = shapely.STRtree(geoms).query(geoms)  # envelopes that meet
    area, box = shapely.area(geoms), shapely.bounds(geoms)
    smaller = np.minimum(area[left], area[right])
    # the envelopes' common part bounds the polygons' (neighbours that touch share little):
    # only pairs that could share more than the limit are intersected (0.65 s to 0.27 s on
    # the synthetic province's 4,981 hamlets, which overlap in 5,100 pairs)
    common = (np.clip(np.minimum(box[left, 2], box[right, 2])
                      - np.maximum(box[left, 0], box[right, 0]), 0, None)
              * np.clip(np.minimum(box[left, 3], box[right, 3])
                        - np.maximum(box[left, 1], box[right, 1]), 0, None))
    keep = (left < right) & (smaller > 0) & (common > settings.HAMLET_OVERLAP_WARN_SHARE
                                             * smaller)
    left, right, smaller = left[keep], right[keep], smaller[keep]
    if not len(left):
        return
    share = shapely.area(shapely.intersection(geoms[left], geoms[right])) / smaller
    ids = gdf["hamlet_id"].to_numpy()
    for i, j, s in zip(left, right, share):
        if area[i] > area[j]:  # the larger (j) covers s of the smaller (i): found by fuzzing,
            i, j = j, i  # the warning said the reverse
        if s > settings.HAMLET_OVERLAP_WARN_SHARE:
            problems.warn(f"covers {s:.0%} of the ground of {problems.unit} "
                          f"{int(gdf.index[i]) + 1} ({ids[i]}): a copy, or a hamlet drawn "
                          "twice? Each house is counted in one hamlet only, so one of the two "
                          "looks empty", gdf.index[j], "hamlet_id", ids[j])


def validate_boundary(gdf: gpd.GeoDataFrame, problems: Problems) -> gpd.GeoDataFrame:
    """A context boundary (e.g. the commune outline): polygons, any attributes."""
    _check_not_empty(gdf, problems, "boundary")
    ok = _check_geometry(gdf, "polygon", problems)
    return _finish(gdf, ok, problems, "boundary")


_RADIO_COLUMNS = ("band_mhz", "bandwidth_mhz", "height_m", "beamwidth_deg", "tilt_deg",
                  "eirp_dbm")

#: The columns of a sites layer (one row per cell) as :func:`validate_sites` leaves them:
#: what the engines read.
CELL_COLUMNS = ("site_id", "operator", "technology", "status", "azimuth_deg",
                *_RADIO_COLUMNS)


def require_cell_columns(cells: pd.DataFrame, what: str,
                         columns: Iterable[str] = CELL_COLUMNS) -> None:
    """An :class:`InputError` naming the ``columns`` ``cells`` lack, for ``what`` (the
    function called), when a notebook hands an engine cells it built itself (found by
    reviews: a bare KeyError); cells as ``read_sites`` gives them have every one."""
    missing = [c for c in columns if c not in cells]
    if missing:
        raise InputError(f"{what}: the cells have no column {', '.join(map(repr, missing))} "
                         "(cells as cg.read_sites gives them have them, with each "
                         "technology's defaults where a file leaves a radio value empty)")


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (shown as ``nan``, not
    ``np.float64(nan)``)."""
    return value.item() if isinstance(value, np.generic) else value


def loaded_sites_problems(sites: pd.DataFrame, source: str = "project.sites") -> list[str]:
    """What is wrong with a sites table that was loaded (:func:`validate_sites`) and then
    edited, e.g. in a notebook before ``cg.analyze``: the columns the engines need missing,
    a technology or status that is not one of the words the loader writes, a radio value
    missing or outside ``settings.VALUE_RANGES`` (the loader's ranges). One problem per
    column, naming the first rows."""
    problems: list[str] = []
    missing = [c for c in ("site_id", "operator", "technology", "status", *_RADIO_COLUMNS,
                           "azimuth_deg") if c not in sites.columns]
    if missing:
        return [f"{source}: has no column {', '.join(map(repr, missing))} (a loaded sites "
                "table has them: cg.read_sites)"]
    ids = sites["site_id"].astype(str).to_numpy()

    def say(column: str, bad: np.ndarray, expected: str) -> None:
        if bad.any():
            rows = np.flatnonzero(bad)
            values = sites[column].to_numpy(dtype=object)
            shown = ", ".join(f"{ids[i]}: {_plain(values[i])!r}" for i in rows[:3])
            more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
            problems.append(f"{source}: column {column!r} ({shown}{more}): expected "
                            f"{expected}")

    say("technology", ~sites["technology"].isin(list(settings.TECHNOLOGY_DEFAULTS)).to_numpy(),
        f"one of {', '.join(settings.TECHNOLOGY_DEFAULTS)}")
    say("status", ~sites["status"].isin(["existing", "planned"]).to_numpy(),
        "existing or planned (in lower case, as the loader writes them)")
    for col in (*_RADIO_COLUMNS, "azimuth_deg"):
        lo, hi = settings.VALUE_RANGES[col]
        values = pd.to_numeric(sites[col], errors="coerce").to_numpy(dtype=float)
        bad = ~((values >= lo) & (values <= hi))
        if col == "azimuth_deg":  # empty: an omni cell
            bad &= ~sites[col].isna().to_numpy()
        say(col, bad, f"a number from {lo:g} to {hi:g}")
    return problems


def validate_sites(gdf: gpd.GeoDataFrame, problems: Problems) -> gpd.GeoDataFrame:
    """Sites: one row per cell (sector).

    Required: ``site_id`` (unique), ``operator``, ``technology``. Radio columns ``band_mhz``,
    ``bandwidth_mhz``, ``height_m``, ``beamwidth_deg``, ``tilt_deg``, ``eirp_dbm`` take the
    per-technology defaults of :data:`settings.TECHNOLOGY_DEFAULTS` where missing or empty;
    the ``defaulted`` column lists, per row, the columns that were filled (comma-separated) and
    ``attrs["defaulted"]`` counts them per column. ``azimuth_deg`` empty means an omni cell
    (beamwidth then 360). ``status`` is ``existing`` (default) or ``planned``; ``tower_id`` is
    optional (towers are derived by proximity when absent).
    """
    _check_not_empty(gdf, problems, "sites")
    if not _require_columns(gdf, ("site_id", "operator", "technology"), problems):
        problems.raise_if_any()
    gdf["site_id"] = _unique_ids(gdf, "site_id", problems, "S")

    known = ", ".join(settings.OPERATOR_ALIASES)
    gdf["operator"] = _normalise_column(gdf, "operator", normalise_operator, problems,
                                        f"is not a known operator (expected one of {known})")
    gdf["technology"] = _normalise_column(
        gdf, "technology", normalise_technology, problems,
        "is not a known technology (expected 2G, 3G, 4G or 5G; GSM, UMTS, LTE and NR are "
        "accepted)")

    filled: dict[str, np.ndarray] = {}
    for col in _RADIO_COLUMNS + ("azimuth_deg",):
        if col in gdf.columns:
            gdf[col] = _numeric_column(gdf, col, problems,
                                       value_range=settings.VALUE_RANGES[col])
        else:
            gdf[col] = np.nan
    # Values that failed to parse were recorded as errors; only truly empty cells get defaults.
    for col in _RADIO_COLUMNS:
        default = gdf["technology"].map(
            {t: d[col] for t, d in settings.TECHNOLOGY_DEFAULTS.items()}).astype(float)
        mask = gdf[col].isna() & default.notna()
        gdf[col] = gdf[col].where(~mask, default)
        filled[col] = mask.to_numpy()
    low = (~filled["eirp_dbm"] & (gdf["eirp_dbm"] < settings.EIRP_LOW_WARN_DBM)).to_numpy()
    if low.any():  # found by fuzzing: 20, 40 (watts) taken as dBm without a word
        watts = gdf["eirp_dbm"].to_numpy()[low]
        problems.warn(f"column 'eirp_dbm' is below {settings.EIRP_LOW_WARN_DBM:g} dBm in "
                      f"{problems.unit}{'s' if low.sum() > 1 else ''} "
                      f"{_list_rows(np.flatnonzero(low))} (e.g. "
                      f"{watts[0]:g}): read as dBm, a femtocell's power; in watts? "
                      f"{watts[0]:g} W is {10 * math.log10(max(watts[0], 1e-9) * 1000):.0f} "
                      "dBm (settings.EIRP_LOW_WARN_DBM)")
    gdf["azimuth_deg"] = gdf["azimuth_deg"] % 360.0
    omni = gdf["azimuth_deg"].isna()
    gdf.loc[omni, "beamwidth_deg"] = 360.0  # an omni cell's beamwidth is not a default
    filled["beamwidth_deg"] = filled["beamwidth_deg"] & ~omni.to_numpy()

    filled["status"] = _status_column(gdf, problems)
    gdf["tower_id"] = _text_column(gdf, "tower_id") if "tower_id" in gdf.columns else None
    gdf["tower_id"] = gdf["tower_id"].astype(object)
    names = list(filled)
    flags = np.column_stack([filled[c] for c in names])
    gdf["defaulted"] = pd.Series([",".join(n for n, f in zip(names, row) if f) for row in flags],
                                 index=gdf.index, dtype=object)
    ok = _check_geometry(gdf, "point", problems)
    out = _finish(gdf, ok, problems, "site")
    kept = flags[gdf.index.get_indexer(out.index)]
    out.attrs["defaulted"] = {c: int(n) for c, n in zip(names, kept.sum(axis=0)) if n}
    return out


def _status_column(gdf: gpd.GeoDataFrame, problems: Problems) -> np.ndarray:
    """``status``: ``existing`` or ``planned`` (Vietnamese and English spellings,
    :func:`normalise_status`), ``existing`` when the column or the value is missing; returns
    where it was filled."""
    if "status" not in gdf.columns:
        gdf["status"] = "existing"
        return np.ones(len(gdf), dtype=bool)
    blank = gdf["status"].map(_is_blank).astype(bool)
    gdf["status"] = gdf["status"].where(~blank, "existing")
    gdf["status"] = _normalise_column(gdf, "status", normalise_status, problems,
                                      "is not a known status (expected existing or planned)")
    return blank.to_numpy()


def _operator_column(gdf: gpd.GeoDataFrame, problems: Problems, operator: str | None,
                     fibre: bool = True) -> None:
    if operator is not None:
        op = normalise_operator(operator, fibre=fibre)
        if op is None:
            known = ", ".join(settings.FIBRE_OPERATOR_ALIASES)
            raise InputError(problems.message(
                f"operator={operator!r} is not a known operator (expected one of {known})"))
        gdf["operator"] = op
        return
    if "operator" not in gdf.columns:
        problems.error("is required but missing; add it or name the operator of the whole "
                       "file (operator= in the API or the scenario)", column="operator")
        return
    ops = []
    for idx, v in gdf["operator"].items():
        op = normalise_operator(v, fibre=fibre)
        if op is None:
            known = ", ".join(settings.FIBRE_OPERATOR_ALIASES)
            problems.error(f"is not a known operator (expected one of {known})", idx,
                           "operator", v)
        ops.append(op)
    gdf["operator"] = pd.Series(ops, index=gdf.index, dtype=object)


def validate_fibre(gdf: gpd.GeoDataFrame, problems: Problems,
                   operator: str | None = None) -> gpd.GeoDataFrame:
    """Fibre routes: lines with an ``operator`` (a column, or ``operator=`` for the whole file);
    optional ``route_id`` (generated when absent), ``name`` and ``status`` (existing, the
    default, or planned)."""
    _check_not_empty(gdf, problems, "fibre routes")
    _operator_column(gdf, problems, operator)
    _status_column(gdf, problems)
    gdf["route_id"] = _unique_ids(gdf, "route_id", problems, "R")
    ok = _check_geometry(gdf, "line", problems)
    return _finish(gdf, ok, problems, "fibre route")


def validate_access_points(gdf: gpd.GeoDataFrame, problems: Problems,
                           operator: str | None = None) -> gpd.GeoDataFrame:
    """Fibre access points (FAT or splitter boxes): points with ``operator``; optional ``ap_id``,
    ``kind``, ``ports_total`` and ``ports_used`` (whole numbers, used <= total) and
    ``status`` (existing, the default, or planned)."""
    _check_not_empty(gdf, problems, "access points")
    _operator_column(gdf, problems, operator)
    _status_column(gdf, problems)
    gdf["ap_id"] = _unique_ids(gdf, "ap_id", problems, "AP")
    if "kind" in gdf.columns:
        gdf["kind"] = _access_point_kinds(gdf["kind"], problems)
    for col in ("ports_total", "ports_used"):
        if col in gdf.columns:
            gdf[col] = _numeric_column(gdf, col, problems, integer=True,
                                       value_range=settings.VALUE_RANGES[col])
    if "ports_total" in gdf.columns and "ports_used" in gdf.columns:
        over = gdf["ports_used"] > gdf["ports_total"]
        for idx in gdf.index[over]:
            problems.error(f"is more than ports_total={gdf.at[idx, 'ports_total']:g}", idx,
                           "ports_used", gdf.at[idx, "ports_used"])
    ok = _check_geometry(gdf, "point", problems)
    return _finish(gdf, ok, problems, "access point")


def _access_point_kinds(raw: pd.Series, problems: Problems) -> pd.Series:
    """Access points' ``kind`` in the words the engines know (FAT, splitter, OLT, closure,
    ODF: :func:`normalise_access_point_kind`); a blank stays blank (a drop box); a kind not
    known is kept as written, read as a drop box, and warned about (found by a review:
    ``Splitter cấp 1`` counted as a drop box, silently)."""
    table = {v: normalise_access_point_kind(v) for v in pd.unique(raw.astype(object))}
    known = raw.map(table).astype(object)
    unknown = known.isna() & ~raw.map(_is_blank).astype(bool)
    if unknown.any():
        values = list(dict.fromkeys(_fmt(v) for v in raw[unknown]))
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(unknown.to_numpy())[:5])
        problems.warn(
            f"holds {int(unknown.sum())} kind(s) not known ({', '.join(values[:5])}"
            f"{' ...' if len(values) > 5 else ''}; {problems.unit} {rows}"
            f"{' ...' if unknown.sum() > 5 else ''}): read as drop boxes, which pass the homes "
            f"near them; known kinds: {', '.join(settings.ACCESS_POINT_KIND_ALIASES)} "
            "(settings.ACCESS_POINT_KIND_ALIASES)", column="kind")
    return known.where(~unknown, raw).astype(object)


def validate_households(gdf: gpd.GeoDataFrame, problems: Problems) -> gpd.GeoDataFrame:
    """Households: points; optional ``household_id`` (generated), ``hamlet_id``,
    ``is_cultural_house`` (the hamlet's nhà văn hóa; yes/no), ``population`` and
    ``height_m`` (the building's height, m: the check's exposure counts it as occupied up to
    there)."""
    _check_not_empty(gdf, problems, "households")
    gdf["household_id"] = _unique_ids(gdf, "household_id", problems, "HH")
    if "hamlet_id" in gdf.columns:
        gdf["hamlet_id"] = _text_column(gdf, "hamlet_id")
    gdf["is_cultural_house"] = (_bool_column(gdf, "is_cultural_house", problems)
                                if "is_cultural_house" in gdf.columns else False)
    if "population" in gdf.columns:
        gdf["population"] = _numeric_column(gdf, "population", problems, integer=True,
                                            value_range=settings.VALUE_RANGES["population"])
    if "height_m" in gdf.columns:
        gdf["height_m"] = _numeric_column(gdf, "height_m", problems,
                                          value_range=settings.BUILDING_HEIGHT_RANGE_M)
    ok = _check_geometry(gdf, "point", problems)
    return _finish(gdf, ok, problems, "household")


def validate_roads(gdf: gpd.GeoDataFrame, problems: Problems) -> gpd.GeoDataFrame:
    """Roads: lines; optional ``road_id`` (generated), ``name``, ``road_class``."""
    _check_not_empty(gdf, problems, "roads")
    gdf["road_id"] = _unique_ids(gdf, "road_id", problems, "RD")
    ok = _check_geometry(gdf, "line", problems)
    return _finish(gdf, ok, problems, "road")


#: Statistics columns read for the plan's indicators (all optional counts >= 0).
STATISTICS_COLUMNS: tuple[str, ...] = (
    "population", "adults", "households", "mobile_subscriptions",
    "mobile_broadband_subscriptions", "smartphone_subscriptions", "adults_with_smartphone",
    "ftth_subscriptions", "state_agencies", "state_agencies_on_digital_platforms",
    "enterprises", "enterprises_on_digital_platforms",
)

#: Statistics columns that refine an indicator when given (whole numbers >= 0 too):
#: ``household_ftth_subscriptions``, the FTTH subscriptions of households only, F1's
#: numerator (without it F1 counts ``ftth_subscriptions``, agencies and enterprises too).
STATISTICS_REFINING_COLUMNS: tuple[str, ...] = ("household_ftth_subscriptions",)

class StatisticsPart(NamedTuple):
    """A statistic that is a part of another: larger than its whole is warned about (a typo;
    a share computed from the two would pass 100 %)."""

    part: str
    whole: str
    #: a column that, given in that year, makes the two no share of each other
    unless: str | None = None
    #: what the warning says after "is more than <whole>=<n> in <year>"
    why: str = ": a typo? A share of the two would pass 100 %"


STATISTICS_PARTS: tuple[StatisticsPart, ...] = (
    StatisticsPart("adults", "population"), StatisticsPart("households", "population"),
    StatisticsPart("adults_with_smartphone", "adults"),
    StatisticsPart("state_agencies_on_digital_platforms", "state_agencies"),
    StatisticsPart("enterprises_on_digital_platforms", "enterprises"),
    StatisticsPart("household_ftth_subscriptions", "ftth_subscriptions"),
    # the shares F1 and M2 are made of (found by fuzzing: 167 % and 150 % shown as "met")
    StatisticsPart("household_ftth_subscriptions", "households"),
    StatisticsPart("smartphone_subscriptions", "mobile_subscriptions"),
    # F1 divides these two when no household_ftth_subscriptions is given (found by fuzzing:
    # 9,999,999 of 1,350 passed, and F1 printed 740741 %)
    StatisticsPart("ftth_subscriptions", "households", unless="household_ftth_subscriptions",
                   why=", and F1 divides the two (no household_ftth_subscriptions given): a "
                       "typo? If it counts agencies' and enterprises' lines too, give "
                       "household_ftth_subscriptions"),
)


def validate_statistics(df: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """Statistics: one row per ``year`` (unique, 1990-2100) of counts (whole numbers >= 0) for
    the indicators no map can measure; see :data:`STATISTICS_COLUMNS`. Other columns are kept
    (numbers >= 0)."""
    _check_not_empty(df, problems, "statistics")
    if not _require_columns(df, ("year",), problems):
        problems.raise_if_any()
    df["year"] = _numeric_column(df, "year", problems, integer=True, required=True,
                                 value_range=(1990, 2100))
    dup = df["year"][df["year"].notna() & df["year"].duplicated(keep=False)]
    for year, group in dup.groupby(dup):
        problems.error(f"appears in rows {_list_rows(group.index)} (one row per year)",
                       int(group.index[0]), "year", year)
    for col in df.columns:
        if col in ("year", "geometry", "notes", "source"):
            continue
        whole = col in STATISTICS_COLUMNS or col in STATISTICS_REFINING_COLUMNS
        df[col] = _numeric_column(df, col, problems, integer=whole, value_range=(0, 1e9))
    problems.raise_if_any()
    df["year"] = df["year"].astype(int)
    for rule in STATISTICS_PARTS:
        part, total = rule.part, rule.whole
        if part in df.columns and total in df.columns:
            more = df[part].notna() & df[total].notna() & (df[part] > df[total])
            if rule.unless in df.columns:
                more &= df[rule.unless].isna()
            for idx in df.index[more]:
                big, of = (int(v) if float(v).is_integer() else float(v)
                           for v in (df.at[idx, part], df.at[idx, total]))
                problems.warn(f"is more than {total}={of} in {df.at[idx, 'year']}{rule.why}",
                              idx, part, big)
    for col in df.columns:
        values = df[col]
        if col != "year" and values.dtype.kind == "f" and (values.dropna() % 1 == 0).all():
            df[col] = values.astype("Int64")  # counts stay whole numbers
    out = df.drop(columns="geometry", errors="ignore").sort_values("year")
    out = pd.DataFrame(out).reset_index(drop=True)
    out.attrs["source"] = problems.source
    return out


#: Where a constraint's minimum distance comes from (``basis`` column of the constraints
#: layer): a regulation (then ``source`` names the document and article) or a local setting
#: the commune chose (the default).
CONSTRAINT_BASES = ("regulation", "local-setting")


def _constraint_basis(gdf: gpd.GeoDataFrame, problems: Problems) -> None:
    """Normalise the optional ``basis`` and ``source`` columns in place (``local-setting``
    when absent; a ``regulation`` row must name its ``source``)."""
    if "source" not in gdf.columns:
        gdf["source"] = None
    gdf["source"] = _text_column(gdf, "source")
    if "basis" not in gdf.columns:
        gdf["basis"] = "local-setting"
        return
    basis = _text_column(gdf, "basis").map(
        lambda v: "local-setting" if not isinstance(v, str) else
        v.strip().lower().replace("_", "-").replace(" ", "-"))
    basis = basis.replace({"local": "local-setting", "law": "regulation"})
    for idx in gdf.index[~basis.isin(CONSTRAINT_BASES)]:
        problems.error(f"must be {' or '.join(CONSTRAINT_BASES)}", idx, "basis",
                       gdf.at[idx, "basis"])
    for idx in gdf.index[(basis == "regulation") & gdf["source"].map(
            lambda v: not isinstance(v, str))]:
        problems.error("is a regulation but names no source: give the document and article "
                       "in the source column", idx, "basis", "regulation")
    gdf["basis"] = basis


def validate_constraints(gdf: gpd.GeoDataFrame, problems: Problems, kind: str | None = None,
                         min_distance_m: float | None = None) -> gpd.GeoDataFrame:
    """Constraint features for the tower check (schools, heritage sites, the commune office...):
    any geometry; ``kind`` (a column, or ``kind=`` for the whole file) and optional ``name``,
    ``min_distance_m`` (a column or ``min_distance_m=``; default by kind from
    :data:`settings.CONSTRAINT_MIN_DISTANCE_M`; ``min_distance_given`` says which), ``basis``
    (:data:`CONSTRAINT_BASES`, default ``local-setting``) and ``source`` (required for a
    ``regulation``). A ``regulation`` row without ``min_distance_m`` is warned about: the
    default distance is checked as a local setting (the check's ``default_distance``), never
    as the cited document's."""
    _check_not_empty(gdf, problems, "constraints")
    if kind is not None:
        gdf["kind"] = kind
    if "kind" not in gdf.columns:
        problems.error("is required but missing; add it or name the kind of the whole file "
                       "(kind= in the scenario)", column="kind")
        problems.raise_if_any()
    gdf["kind"] = _text_column(gdf, "kind").map(
        lambda v: None if v is None else v.strip().lower().replace(" ", "_"))
    gdf["constraint_id"] = _unique_ids(gdf, "constraint_id", problems, "C")
    if min_distance_m is not None:  # checked as the column is (found by a review: -5 m
        # passed, and every distance rule with it)
        value = pd.to_numeric(pd.Series([min_distance_m]), errors="coerce").iloc[0]
        if not 0 <= value <= 10_000:
            problems.error(f"min_distance_m={min_distance_m!r} (given for the whole file) is "
                           "outside 0..10000 m")
            problems.raise_if_any()
        gdf["min_distance_m"] = float(value)
    elif "min_distance_m" in gdf.columns:
        gdf["min_distance_m"] = _numeric_column(gdf, "min_distance_m", problems,
                                                value_range=(0, 10_000))
    else:
        gdf["min_distance_m"] = np.nan
    known = settings.CONSTRAINT_MIN_DISTANCE_M
    gdf["min_distance_given"] = gdf["min_distance_m"].notna()
    _constraint_basis(gdf, problems)
    for idx in gdf.index:
        if pd.isna(gdf.at[idx, "min_distance_m"]):
            k = gdf.at[idx, "kind"]
            if k in known:
                gdf.at[idx, "min_distance_m"] = known[k]
                if (gdf.at[idx, "basis"] == "regulation"  # the default is not the document's
                        and isinstance(gdf.at[idx, "source"], str)):  # (none: an error)
                    problems.warn(
                        f"cites {gdf.at[idx, 'source']!r} as a regulation but gives no "
                        f"min_distance_m: the tool's default for a {k}, {known[k]:g} m "
                        "(settings.CONSTRAINT_MIN_DISTANCE_M), is checked as a local setting, "
                        "not as that document's requirement; give the distance the document "
                        "sets in min_distance_m", idx, "basis", "regulation")
            else:
                problems.error(f"has no default minimum distance (known kinds: "
                               f"{', '.join(known)}); give min_distance_m", idx, "kind", k)
    # any geometry, its coordinates checked as every layer's (found by fuzzing: a NaN vertex
    # crashed check-site, a school's swapped lon/lat was dropped as "inf km" away: "OK")
    ok = _check_geometry(gdf, "any", problems)
    return _finish(gdf, ok, problems, "constraint")


def tower_parts(keys: pd.Series, x: np.ndarray, y: np.ndarray,
                within_m: float = settings.TOWER_ID_SPLIT_M) -> np.ndarray:
    """Per cell, the tower its ``tower_id`` names (an integer label; -1 without an id): the
    cells of one :func:`tower_keys` key chained within ``within_m`` (m; metric ``x``, ``y``).
    One id on two masts far apart (a copy-paste slip) is two towers."""
    from scipy.sparse import coo_matrix  # not at import: short processes never load scipy
    from scipy.sparse.csgraph import connected_components

    labels = np.full(len(keys), -1)
    named = keys.notna().to_numpy()
    if not named.any():
        return labels
    idx = np.flatnonzero(named)
    codes = pd.factorize(keys.to_numpy(object)[idx])[0]
    points = shapely.points(np.asarray(x, float)[idx], np.asarray(y, float)[idx])
    a, b = shapely.STRtree(points).query(points, predicate="dwithin", distance=within_m)
    same = codes[a] == codes[b]
    graph = coo_matrix((np.ones(int(same.sum())), (a[same], b[same])),
                       shape=(len(idx), len(idx)))
    labels[idx] = connected_components(graph, directed=False)[1]
    return labels


def tower_keys(ids: pd.Series) -> pd.Series:
    """The tower a ``tower_id`` names, as compared: case and surrounding spaces ignored
    (``BSN-T01`` and ``bsn-t01 `` are one mast, as operator names are compared); None where
    no id is given."""
    text = ids.astype(object).where(ids.notna(), None)
    keys = text.map(lambda v: None if v is None or not str(v).strip()
                    else str(v).strip().casefold())
    return keys.astype(object)
