"""Administrative units of Vietnam after the 1 July 2025 reorganisation, and the pre-2025 units
merged into them.

The package ships Thanh Hóa's 166 units (``coverage_gis/data/admin/units.parquet``,
GeoParquet, WGS 84, simplified with a 7 m tolerance) and the old-to-new mapping
(``coverage_gis/data/admin/old_to_new.csv``); ``data/make_admin.py`` builds both from a
province folder in the reference format (see :func:`load_units`), and ``SOURCES.md`` in that
folder gives their sources and licences.

- :func:`load_units`: every unit (one row each) with ``unit_code``, ``name``, ``unit_type``
  (``phường``, ``xã``, ``đặc khu``), ``full_name``, ``province_code``, ``province_name``,
  ``area_km2`` (geodesic area of the unsimplified boundary on the WGS 84 ellipsoid, km²) and
  ``area_km2_published`` (the area the source gives, km²).
- :func:`load_mapping`: one row per (old unit, new unit) link: ``old_code``, ``old_type``,
  ``old_name``, ``old_full_name``, ``old_district``, ``new_code``, ``new_full_name``, ``share``
  (``full``: the whole old unit went into that new unit; ``partial``: a part of it).
- :func:`find_unit` and :func:`old_unit`: one unit by code or name (with or without diacritics
  and type word), as :class:`Unit` and :class:`OldUnit`.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gis.config import settings
from coverage_gis.errors import InputError

__all__ = ["ADMIN_DIR", "UNITS_FILE", "MAPPING_FILE", "UNIT_COLUMNS", "MAPPING_COLUMNS",
           "Unit", "OldUnit", "NewLink", "fold", "load_units", "load_mapping", "find_unit",
           "old_unit", "search_units", "select_province", "province_names", "unit_frame"]

#: The package data folder of the administrative units.
ADMIN_DIR = Path(__file__).resolve().parents[1] / "data" / "admin"
UNITS_FILE = ADMIN_DIR / "units.parquet"
#: Where the bundled 2025 boundaries come from (details and licences: SOURCES.md beside them).
UNITS_SOURCE = ("2025 administrative units, github.com/thanglequoc/vietnamese-provinces-database "
                "(from the national reference map of the 2025 units), bundled")
MAPPING_FILE = ADMIN_DIR / "old_to_new.csv"

UNIT_COLUMNS = ("unit_code", "name", "unit_type", "full_name", "province_code",
                "province_name", "area_km2", "area_km2_published")
MAPPING_COLUMNS = ("province_code", "old_code", "old_type", "old_name", "old_full_name",
                   "old_district", "new_code", "new_full_name", "share", "note")

#: Type words of the 2025 units and of the pre-2025 ones, as written at the head of a full name.
NEW_TYPES = ("phường", "xã", "đặc khu")
OLD_TYPES = ("phường", "xã", "thị trấn")
#: Type words of districts and provinces, dropped when a name is matched.
_AREA_WORDS = ("thanh pho", "thi xa", "huyen", "quan", "tinh", "tp", "tx")

_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: Any) -> str:
    """``text`` lower-cased without diacritics, for matching: ``"Phường Quang Trung"`` ->
    ``"phuong quang trung"``, ``"Đông Sơn"`` -> ``"dong son"``; punctuation becomes a space.
    Works for either placement of the tone mark (``Hóa``/``Hoá``)."""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(_NOT_WORD.sub(" ", plain.lower()).replace("_", " ").split())


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text)).strip()


def _split_type(full_name: str, types: Iterable[str]) -> tuple[str, str]:
    """(type word, bare name) of a full name such as ``"Phường Quang Trung"``; type ``""``
    when none of ``types`` heads it."""
    text = _nfc(full_name)
    for word in sorted(types, key=len, reverse=True):
        if text.lower().startswith(word + " "):
            return word, text[len(word) + 1:].strip()
    return "", text


# --------------------------------------------------------------------------------------------
# Typed values
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewLink:
    """A 2025 unit an old unit went into: its code, full name and ``share`` (``"full"``: the
    whole old unit; ``"partial"``: a part of it)."""

    code: str
    full_name: str
    share: str


@dataclass(frozen=True)
class OldUnit:
    """A pre-2025 commune, ward or township (thị trấn) and the 2025 unit(s) it went into."""

    code: str
    name: str
    type: str
    full_name: str
    district: str
    province_code: str
    into: tuple[NewLink, ...]

    def share_in(self, code: str) -> str | None:
        """``"full"`` or ``"partial"``: how much of this unit went into the 2025 unit
        ``code``; None when none of it did."""
        return next((link.share for link in self.into if link.code == str(code)), None)


@dataclass(frozen=True)
class Unit:
    """A 2025 administrative unit; ``geometry`` in WGS 84 (lon/lat), ``area_km2`` in km²."""

    code: str
    name: str
    type: str
    full_name: str
    province_code: str
    province_name: str
    geometry: shapely.Geometry
    area_km2: float
    old_units: tuple[OldUnit, ...]

    def frame(self) -> gpd.GeoDataFrame:
        """The unit as a one-row GeoDataFrame (WGS 84), e.g. a project's commune boundary."""
        return unit_frame(self)


def is_unit_outline(layer: gpd.GeoDataFrame, unit: Unit,
                    share: float = settings.SAME_OUTLINE_SHARE) -> bool:
    """Whether ``layer`` (a commune layer, any CRS) outlines ``unit``: their overlap at least
    ``share`` of their union (``init`` writes the unit's bundled boundary as the commune
    layer)."""
    if layer.crs is None or not len(layer):
        return False
    a = layer.union_all()
    b = unit.frame().to_crs(layer.crs).union_all()
    union = a.union(b).area
    return bool(union > 0 and a.intersection(b).area >= share * union)


def unit_frame(unit: Unit) -> gpd.GeoDataFrame:
    """A one-row GeoDataFrame (WGS 84) of ``unit``: ``unit_code``, ``name``, ``unit_type``,
    ``full_name``, ``province_code``, ``province_name``, ``area_km2``."""
    row = {"unit_code": unit.code, "name": unit.name, "unit_type": unit.type,
           "full_name": unit.full_name, "province_code": unit.province_code,
           "province_name": unit.province_name, "area_km2": unit.area_km2}
    return gpd.GeoDataFrame([row], geometry=[unit.geometry], crs="EPSG:4326")


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

def load_units(source: str | os.PathLike | None = None) -> gpd.GeoDataFrame:
    """Every 2025 unit, one row each, in WGS 84 (columns :data:`UNIT_COLUMNS`).

    Parameters
    ----------
    source
        None for the bundled units; a province folder in the reference format (``wards/`` of
        GeoJSON FeatureCollections with ``code``, ``fullName`` and optionally ``name``,
        ``areaKm2``; a province GeoJSON ``<code>_<name>.geojson`` beside it, and optionally
        ``old_to_new_*.json`` whose first entry names the province); or a file in the package
        format (GeoParquet or GeoPackage with the columns above).

    Raises
    ------
    InputError
        A missing source, a folder without ``wards/``, features without a code or a name, a
        file without the expected columns.
    """
    if source is None:
        return _bundled_units().copy()
    path = Path(source)
    if path.is_dir():
        return _read_folder(path)
    if not path.exists():
        raise InputError(f"{path}: not found; expected a province folder (with wards/) or a "
                         "units file (.parquet, .gpkg)")
    return _read_units_file(path)


@functools.lru_cache(maxsize=1)
def _bundled_units() -> gpd.GeoDataFrame:
    return _read_units_file(UNITS_FILE)


def _read_units_file(path: Path) -> gpd.GeoDataFrame:
    try:
        gdf = (gpd.read_parquet(path) if path.suffix.lower() == ".parquet"
               else gpd.read_file(path))
    except Exception as exc:  # noqa: BLE001 - any reader failure names the file
        raise InputError(f"{path.name}: cannot be read as a units file ({exc})") from None
    missing = [c for c in UNIT_COLUMNS if c not in gdf.columns and c != "area_km2_published"]
    if missing:
        raise InputError(f"{path.name}: column(s) {', '.join(missing)} missing; expected "
                         f"{', '.join(UNIT_COLUMNS)} and a geometry")
    if gdf.crs is None:
        raise InputError(f"{path.name}: has no CRS; expected WGS 84 (EPSG:4326)")
    for col in ("unit_code", "province_code"):
        gdf[col] = gdf[col].astype(str)
    if "area_km2_published" not in gdf.columns:
        gdf["area_km2_published"] = np.nan
    gdf = gdf.to_crs("EPSG:4326")
    return gdf[[*UNIT_COLUMNS, gdf.geometry.name]].reset_index(drop=True)


def _province_of(folder: Path) -> tuple[str, str]:
    """(code, name) of a reference folder's province: from ``old_to_new_*.json`` (the
    statistics office's spelling), else from the province GeoJSON."""
    for mapping in sorted(folder.glob("old_to_new*.json")):
        first = _read_json(mapping).get("data", [{}])[0]
        splits = first.get("splits") or [{}]
        if first.get("level1_id") and splits[0].get("name"):
            return str(first["level1_id"]), _nfc(splits[0]["name"])
    for outline in sorted(folder.glob("[0-9]*.geojson")):
        feature = _read_json(outline)["features"][0]["properties"]
        return str(feature["code"]), _split_type(feature["fullName"], ("tỉnh", "thành phố"))[1]
    raise InputError(f"{folder}: no province GeoJSON (<code>_<name>.geojson) nor "
                     "old_to_new_*.json naming the province")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path.name}: cannot be read as JSON ({exc})") from None


def _read_folder(folder: Path) -> gpd.GeoDataFrame:
    """The units of a reference folder, geometry as published (not simplified)."""
    files = sorted((folder / "wards").glob("*.geojson"))
    if not files:
        raise InputError(f"{folder}: no wards/*.geojson; expected a province folder with one "
                         "GeoJSON per unit in wards/")
    code, province = _province_of(folder)
    frames, problems = [], []
    for f in files:
        try:
            gdf = gpd.read_file(f)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{f.name}: cannot be read ({exc})")
            continue
        for i, row in enumerate(gdf.itertuples(index=False), start=1):
            for col in ("code", "fullName"):
                if not isinstance(getattr(row, col, None), str) or not getattr(row, col):
                    problems.append(f"{f.name} feature {i}: column '{col}' is missing or "
                                    "empty; expected the unit's code and full name")
        frames.append(gdf.to_crs("EPSG:4326"))
    if problems:
        raise InputError(problems)
    raw = pd.concat(frames, ignore_index=True)
    types_names = [_split_type(n, NEW_TYPES) for n in raw["fullName"]]
    units = gpd.GeoDataFrame({
        "unit_code": raw["code"].astype(str),
        "name": [n for _, n in types_names],
        "unit_type": [t for t, _ in types_names],
        "full_name": [_nfc(n) for n in raw["fullName"]],
        "province_code": code,
        "province_name": province,
        "area_km2": np.round(geodesic_area_km2(raw.geometry), 3),
        "area_km2_published": pd.to_numeric(raw.get("areaKm2"), errors="coerce"),
    }, geometry=raw.geometry.values, crs="EPSG:4326")
    unknown = units[units["unit_type"] == ""]
    if len(unknown):
        raise InputError([f"{folder.name}/wards: unit {c} '{n}': the full name does not start "
                          f"with a type word ({', '.join(NEW_TYPES)})"
                          for c, n in zip(unknown["unit_code"], unknown["full_name"])])
    return units.sort_values("unit_code", kind="stable").reset_index(drop=True)


def geodesic_area_km2(geometries: Iterable[shapely.Geometry]) -> np.ndarray:
    """Area (km²) of each lon/lat polygon on the WGS 84 ellipsoid (pyproj.Geod)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    return np.array([abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in geometries])


def load_mapping(source: str | os.PathLike | None = None) -> pd.DataFrame:
    """The old-to-new table: one row per (pre-2025 unit, 2025 unit) link, columns
    :data:`MAPPING_COLUMNS` (text; ``old_district`` and ``note`` may be empty).

    Parameters
    ----------
    source
        None for the bundled table; a province folder in the reference format (its
        ``new_to_old_*.json``, as published: no district, no corrections); or a CSV file with
        those columns.
    """
    if source is None:
        return _bundled_mapping().copy()
    path = Path(source)
    if path.is_dir():
        return _mapping_from_folder(path)
    return _read_mapping_csv(path)


@functools.lru_cache(maxsize=1)
def _bundled_mapping() -> pd.DataFrame:
    return _read_mapping_csv(MAPPING_FILE)


def _read_mapping_csv(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise InputError(f"{path.name}: cannot be read as a CSV mapping ({exc})") from None
    missing = [c for c in MAPPING_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"{path.name}: column(s) {', '.join(missing)} missing; expected "
                         f"{', '.join(MAPPING_COLUMNS)}")
    return table[list(MAPPING_COLUMNS)]


def _mapping_from_folder(folder: Path) -> pd.DataFrame:
    files = sorted(folder.glob("new_to_old*.json"))
    if not files:
        return pd.DataFrame(columns=list(MAPPING_COLUMNS), dtype=str)
    rows = []
    for f in files:
        for province in _read_json(f).get("data", []):
            for new in province.get("level2s", []):
                for old in new.get("merges", []):
                    old_type, old_name = _split_type(old["name"], OLD_TYPES)
                    rows.append({"province_code": str(province["level1_id"]),
                                 "old_code": str(old["old_id"]), "old_type": old_type,
                                 "old_name": old_name, "old_full_name": _nfc(old["name"]),
                                 "old_district": "", "new_code": str(new["level2_id"]),
                                 "new_full_name": _nfc(new["name"]),
                                 "share": old.get("type", ""), "note": ""})
    return pd.DataFrame(rows, columns=list(MAPPING_COLUMNS)).astype(str)


# --------------------------------------------------------------------------------------------
# Finding units
# --------------------------------------------------------------------------------------------

def _parse_query(query: Any, types: Iterable[str]) -> list[tuple[str, str]]:
    """Readings of a name query as (folded type or "", folded name): with its head word as a
    type when it is one, and always the whole text as a name."""
    text = fold(query)
    readings = []
    for word in sorted((fold(t) for t in types), key=len, reverse=True):
        if text.startswith(word + " "):
            readings.append((word, text[len(word) + 1:]))
            break
    readings.append(("", text))
    return readings


def _matches(names: pd.Series, types: pd.Series, query: Any,
             type_words: Iterable[str]) -> np.ndarray:
    """Rows whose name (and type, when the query gives one) match ``query`` without
    diacritics; when the query has diacritics and some of those rows match it letter for
    letter (``Đông Tiến``, not ``Đồng Tiến``), only those."""
    folded_names, folded_types = names.map(fold), types.map(fold)
    for kind, name in _parse_query(query, type_words):
        hit = (folded_names == name).to_numpy(dtype=bool)
        if kind:
            hit = hit & (folded_types == kind).to_numpy(dtype=bool)
        if hit.any():
            same = hit & _as_typed(names, query, type_words)
            return same if same.any() else hit
    return np.zeros(len(names), dtype=bool)


#: The five tone marks (NFD): their place in a syllable varies (``Hòa``/``Hoà``), the others'
#: (circumflex, breve, horn) does not.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _spelling(text: str) -> str:
    """``text`` lower-case with its diacritics, each syllable's tone mark moved to its end
    (``_`` for none, so that a syllable without a tone is not part of one with it): the two
    placements of a tone (``Hòa``, ``Hoà``) give one key, other letters stay apart (``Hà``,
    ``Hạ``, ``Ha``)."""
    words = unicodedata.normalize("NFD", _nfc(text).lower()).split()
    return " ".join("".join(c for c in w if c not in _TONES)
                    + ("".join(c for c in w if c in _TONES) or "_") for w in words)


def _as_typed(names: pd.Series, query: Any, type_words: Iterable[str]) -> np.ndarray:
    """Rows whose name is the query's letter for letter, diacritics as typed (either placement
    of a tone mark)."""
    exact = _spelling(_exact_name(query, type_words))
    return (names.map(_spelling) == exact).to_numpy(dtype=bool)


def _exact_name(query: Any, type_words: Iterable[str]) -> str:
    """The name of a query, lower-case with its diacritics, without its type word."""
    text = _nfc(query).lower()
    for word in sorted(type_words, key=len, reverse=True):
        if text.startswith(word + " "):
            return text[len(word) + 1:].strip()
    return text


def _old_units_of(mapping: pd.DataFrame, codes: Iterable[str]) -> tuple[OldUnit, ...]:
    out = []
    for code in dict.fromkeys(codes):
        rows = mapping[mapping["old_code"] == code]
        first = rows.iloc[0]
        out.append(OldUnit(code=code, name=first["old_name"], type=first["old_type"],
                           full_name=first["old_full_name"], district=first["old_district"],
                           province_code=first["province_code"],
                           into=tuple(NewLink(c, n, s) for c, n, s in zip(
                               rows["new_code"], rows["new_full_name"], rows["share"]))))
    return tuple(out)


def _unit_from_row(row: pd.Series, mapping: pd.DataFrame) -> Unit:
    code = str(row["unit_code"])
    olds = mapping.loc[mapping["new_code"] == code, "old_code"]
    return Unit(code=code, name=row["name"], type=row["unit_type"], full_name=row["full_name"],
                province_code=str(row["province_code"]), province_name=row["province_name"],
                geometry=row.geometry, area_km2=float(row["area_km2"]),
                old_units=_old_units_of(mapping, olds))


def _listing(codes: Iterable[str], names: Iterable[str],
             extra: Iterable[str] | None = None) -> str:
    """``"14818 Phường Quang Trung, 15853 Phường Đông Tiến (note)"``."""
    codes, names = list(codes), list(names)
    notes = [""] * len(codes) if extra is None else list(extra)
    return ", ".join(f"{c} {n}{f' ({e})' if e else ''}" for c, n, e in zip(codes, names, notes))


def _suggest(query: Any, candidates: dict[str, str]) -> str:
    """`` (did you mean 14818 Phường Quang Trung?)`` for the closest folded names."""
    close = difflib.get_close_matches(fold(query), list(candidates), n=3, cutoff=0.7)
    if not close:
        return ""
    return f" (did you mean {' or '.join(dict.fromkeys(candidates[c] for c in close))}?)"


def unit_query(query: str | int) -> str:
    """``query`` (a unit's code or name) as :func:`find_unit` reads it (NFC, stripped).

    Raises
    ------
    InputError
        A blank query.
    """
    text = _nfc(query)
    if not text:
        raise InputError("unit '': expected a unit code (e.g. 14818) or name")
    return text


def find_unit(query: str | int, units: gpd.GeoDataFrame | None = None,
              mapping: pd.DataFrame | None = None) -> Unit:
    """The 2025 unit named by ``query``: a code (``"14818"``) or a name, with or without
    diacritics and type word (``"Quang Trung"``, ``"quang trung"``, ``"phường Quang Trung"``,
    ``"Phuong Quang Trung"``).

    Parameters
    ----------
    units, mapping
        Default: the bundled units (:func:`load_units`) and mapping (:func:`load_mapping`).

    Raises
    ------
    InputError
        An ambiguous name (the matches listed with their codes), or no match (with the
        closest names, and what a pre-2025 unit of that code or name became).
    """
    units = load_units() if units is None else units
    mapping = load_mapping() if mapping is None else mapping
    text = unit_query(query)
    if text.isdigit():
        hit = (units["unit_code"].astype(str) == text).to_numpy()
    else:
        hit = _matches(units["name"], units["unit_type"], text, NEW_TYPES)
        if not hit.any():
            hit = (units["full_name"].map(fold) == fold(text)).to_numpy()
        _refuse_old_name(text, units[hit], mapping)
    found = units[hit]
    if len(found) == 1:
        return _unit_from_row(found.iloc[0], mapping)
    if len(found) > 1:
        raise InputError(f"unit '{text}' is ambiguous: it names "
                         f"{_listing(found['unit_code'], found['full_name'])}; give the code "
                         "or the name with its type (e.g. 'phường ...')")
    raise InputError(f"unit '{text}': no 2025 administrative unit has this "
                     f"{'code' if text.isdigit() else 'name'}{_unit_hints(text, units, mapping)}")


def _refuse_old_name(text: str, found: gpd.GeoDataFrame, mapping: pd.DataFrame) -> None:
    """Raise when ``text``, typed with diacritics, is not the name of the 2025 unit(s) it
    matched (``found``: by the letters only) but is, letter for letter, the name of a pre-2025
    unit that went into another unit: ``Quảng Trung`` is the old Xã Quảng Trung (now Xã Quảng
    Chính), not Phường Quang Trung (found by a review: the ward was analysed, 40 km away)."""
    if found.empty or fold(text) == text.lower() or _as_typed(found["name"], text, NEW_TYPES).any():
        return
    olds = _matches(mapping["old_name"], mapping["old_type"], text, OLD_TYPES)
    olds = mapping[olds & _as_typed(mapping["old_name"], text, OLD_TYPES)]
    if olds.empty or olds["new_code"].isin(found["unit_code"].astype(str)).any():
        return
    named = "; ".join(
        f"{r.old_code} {r.old_full_name}{f', {r.old_district}' if r.old_district else ''} -> "
        f"{r.new_code} {r.new_full_name}"
        for r in olds.drop_duplicates(["old_code", "new_code"]).itertuples())
    raise InputError(f"unit '{text}': as written, with its diacritics, it is the name of "
                     f"pre-2025 unit(s): {named}; for "
                     f"{_listing(found['unit_code'], found['full_name'])} give its code or "
                     "its name as written")


def _unit_hints(text: str, units: gpd.GeoDataFrame, mapping: pd.DataFrame) -> str:
    """What an unknown unit query might have meant: the closest names, or the new unit(s)
    of a pre-2025 unit of that code or name."""
    provinces = units.drop_duplicates("province_code")
    same = provinces[provinces["province_name"].map(fold) == fold(text)]
    if len(same):
        return (f"; {same['province_name'].iloc[0]} is a province: give one of its units "
                "(see 'coverage-gis units')")
    try:
        old = old_unit(text, mapping)
    except InputError:
        old = None
        named = mapping[(mapping["old_name"].map(fold) == fold(text)) |
                        (mapping["old_full_name"].map(fold) == fold(text))]
        if len(named):  # the name of several pre-2025 units: say what each became
            olds = named.drop_duplicates(["old_code", "new_code"])
            return ("; it is the name of pre-2025 unit(s): " + "; ".join(
                f"{r.old_code} {r.old_full_name}, {r.old_district} -> {r.new_code} "
                f"{r.new_full_name}" for r in olds.itertuples()))
    if old is not None:
        into = _listing([link.code for link in old.into], [link.full_name for link in old.into])
        where = f", {old.district}" if old.district else ""
        return (f"; {old.code} {old.full_name}{where} is a pre-2025 unit, now (part of) "
                f"{into}")
    candidates = {fold(n): f"{c} {f}" for c, n, f in
                  zip(units["unit_code"], units["name"], units["full_name"])}
    candidates.update({fold(f): f"{c} {f}" for c, f in zip(units["unit_code"],
                                                           units["full_name"])})
    return _suggest(text, candidates) or " (see 'coverage-gis units' for the list)"


def _district_filter(mapping: pd.DataFrame, qualifier: str) -> np.ndarray:
    """Rows whose old district matches ``qualifier`` (folded, with or without its type)."""
    wanted = fold(qualifier)
    for word in _AREA_WORDS:
        if wanted.startswith(word + " "):
            wanted = wanted[len(word) + 1:]
            break
    districts = mapping["old_district"].map(fold)
    return districts.map(lambda d: d == wanted or d.endswith(" " + wanted)).to_numpy(bool)


def old_unit(query: str | int, mapping: pd.DataFrame | None = None) -> OldUnit:
    """A pre-2025 unit by code (``"14824"``) or name (``"xã Quang Trung"``, with or without
    diacritics; a district after a comma or in brackets picks one of several:
    ``"Quang Trung, Bỉm Sơn"``, ``"xã Quang Trung (thị xã Bỉm Sơn)"``), with the 2025 unit(s)
    it went into (:attr:`OldUnit.into`).

    Raises
    ------
    InputError
        Ambiguous (the matches listed with codes and districts) or unknown (closest names).
    """
    mapping = load_mapping() if mapping is None else mapping
    text = _nfc(query)
    match = re.fullmatch(r"(.*?)\s*(?:,\s*(.+)|\((.+)\))\s*", text)
    name, district = (match.group(1), match.group(2) or match.group(3)) if match else (text, "")
    if name.isdigit():
        hit = (mapping["old_code"] == name).to_numpy()
    else:
        hit = _matches(mapping["old_name"], mapping["old_type"], name, OLD_TYPES)
    if district:
        hit = hit & _district_filter(mapping, district)
    codes = list(dict.fromkeys(mapping.loc[hit, "old_code"]))
    if len(codes) == 1:
        return _old_units_of(mapping, codes)[0]
    if len(codes) > 1:
        first = mapping[hit].drop_duplicates("old_code")
        listed = _listing(first["old_code"], first["old_full_name"], first["old_district"])
        raise InputError(f"pre-2025 unit '{text}' is ambiguous: it names {listed}; give the "
                         "code, or the district after a comma (e.g. 'Quang Trung, Bỉm Sơn')")
    raise InputError(f"pre-2025 unit '{text}': no such unit in the old-to-new mapping"
                     f"{'' if name.isdigit() else _old_hints(name, mapping)}")


def _old_hints(name: str, mapping: pd.DataFrame) -> str:
    """For an unknown old unit's name: the units of a district of that name, or the closest
    names."""
    in_district = mapping[_district_filter(mapping, name)].drop_duplicates("old_code")
    if len(in_district):
        return (f"; {in_district['old_district'].iloc[0]} was a district of "
                f"{_listing(in_district['old_code'], in_district['old_full_name'])}; "
                "give one of them")
    candidates = {fold(n): f"{c} {f}" for c, n, f in
                  zip(mapping["old_code"], mapping["old_name"], mapping["old_full_name"])}
    return _suggest(name, candidates)


def province_names(units: gpd.GeoDataFrame) -> list[str]:
    """``"38 Thanh Hóa"`` for each province of ``units``."""
    pairs = units[["province_code", "province_name"]].drop_duplicates().sort_values(
        "province_code")
    return [f"{c} {n}" for c, n in zip(pairs["province_code"], pairs["province_name"])]


def select_province(units: gpd.GeoDataFrame, province: str) -> gpd.GeoDataFrame:
    """The units of one province, given by code (``"38"``) or name (``"Thanh Hóa"``,
    ``"thanh hoa"``, ``"Tỉnh Thanh Hóa"``).

    Raises
    ------
    InputError
        An unknown province, listing the provinces available.
    """
    wanted = fold(province)
    for word in _AREA_WORDS:
        if wanted.startswith(word + " "):
            wanted = wanted[len(word) + 1:]
            break
    hit = ((units["province_code"].astype(str) == wanted)
           | (units["province_name"].map(fold) == wanted))
    if not hit.any():
        raise InputError(f"province '{province}': no units bundled for it; provinces "
                         f"available: {', '.join(province_names(units))}")
    return units[hit]


def search_units(units: gpd.GeoDataFrame, text: str, mapping: pd.DataFrame | None = None,
                 ) -> gpd.GeoDataFrame:
    """Units whose code is ``text`` or whose name holds ``text``; with ``mapping``, also units
    that a pre-2025 unit of that code or name went into. Text typed without diacritics
    matches names without theirs (``hoa`` finds Hòa, Hóa, Hoạt); typed with them, names that
    hold it letter for letter (``Hoà`` finds Hòa and Hoàng, not Hoạt; either placement of a
    tone mark), and when none does, names without diacritics as before."""
    wanted = fold(text)
    hit = ((units["unit_code"].astype(str) == wanted)
           | _holds(units["full_name"], text))
    if mapping is not None and wanted:
        old = mapping[(mapping["old_code"] == wanted) | _holds(mapping["old_full_name"], text)]
        hit |= units["unit_code"].isin(set(old["new_code"]))
    return units[hit]


def _holds(names: pd.Series, text: str) -> pd.Series:
    """Which ``names`` hold ``text`` (:func:`search_units`'s rule on diacritics)."""
    folded = names.map(fold).str.contains(fold(text), regex=False)
    typed = _nfc(text).lower()
    if fold(typed) == " ".join(typed.split()):  # typed without diacritics
        return folded
    as_typed = (names.map(lambda n: _nfc(n).lower()).str.contains(typed, regex=False)
                | names.map(_spelling).str.contains(_spelling(typed), regex=False))
    return as_typed if (as_typed & folded).any() else folded
