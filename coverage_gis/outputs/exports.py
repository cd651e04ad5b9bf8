"""Exports for other tools: XLSX (spreadsheets), GeoPackage (GIS) and KMZ (Google Earth), and
the QGIS styles of the rasters.

- ``report.xlsx``: two header rows, the column titles in words of the language (row 1) over the
  machine names the CSV files and the GeoPackage use (row 2; ``pandas.read_excel(path,
  header=1)`` reads the same columns as the CSV), frozen; shares as Excel percentages,
  booleans as "có"/"không" (or "yes"/"no"), columns fitted to their contents, an autofilter;
  text from input files stored as text, never as a formula.
- ``results.gpkg``: every layer, with QGIS styles in its ``layer_styles`` table (the table QGIS
  itself writes when a style is saved "in the database"), so that layers open coloured.
- ``results.kmz``: one folder per layer (names in words of the language), hamlets coloured by
  status, cells and towers by operator, readable balloons (a small table of the main fields,
  escaped), and the best-server coverage as a GroundOverlay image.
- ``rasters/*.qml``: a QGIS style beside each coverage GeoTIFF (QGIS loads a ``.qml`` of the
  same name as the raster's default style).

Colours come from :mod:`coverage_gis.outputs.style` (colour-blind safe). Characters XML 1.0
forbids (control characters pasted from Word or Excel...) are replaced by U+FFFD in the
workbook, the KMZ and the QGIS styles (:mod:`coverage_gis.outputs.xml_text`); the CSV files
keep the text as read. Every file is written to a temporary name and renamed, so a failed
export leaves nothing.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from coverage_gis.config import settings
from coverage_gis.engines.rounding import decimals_shown
from coverage_gis.outputs import style
from coverage_gis.outputs.fibre_text import extension_table, hamlet_table
from coverage_gis.outputs.files import arrow_ok, atomic_path
from coverage_gis.outputs.i18n import column_title, number_text, percent_text, words
from coverage_gis.outputs.indicators import DEFAULT_HAMLET_TARGETS, hamlet_classes, hamlet_status
from coverage_gis.outputs.records import table_rows
from coverage_gis.outputs.style import LAYER_COLOURS, OPERATOR_COLOURS, kml_colour
from coverage_gis.outputs.xml_text import xml_escape, xml_quoteattr, xml_text

__all__ = ["write_xlsx", "xlsx_sheets", "write_xlsx_sheets", "worded_codes", "CODE_COLUMNS",
           "write_gpkg", "write_kmz",
           "result_layers", "plain_columns", "kmz_layers", "coverage_overlay", "layer_qml",
           "raster_qml", "write_raster_styles", "hamlet_status", "PERCENT_FORMAT"]

#: Excel's number format of shares: 0.9885 shows as 98.85 % (98,85 % in a Vietnamese Excel).
PERCENT_FORMAT = "0.00%"
#: Excel's number format of the indicators counted per 100 inhabitants.
PER_100_FORMAT = "0.0"

# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def _is_bool_column(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values.dtype):
        return True
    if values.dtype != object:
        return False
    kinds = {type(v) for v in values if v is not None and not (
        isinstance(v, float) and math.isnan(v)) and v is not pd.NA}
    return bool(kinds) and kinds <= {bool, np.bool_}


def _is_share_column(name: str, values: pd.Series) -> bool:
    """A share (0-1) by its name (``share`` as a word of it, ``m4_after``) and its values."""
    parts = str(name).split("_")
    indicator = parts[0] in ("m4", "m5", "f2") and parts[-1] in ("value", "target")  # units
    if not ("share" in parts and name != "share_basis") and name not in ("m4_after",
                                                                        "m4_before") \
            and not indicator:
        return False
    numbers = pd.to_numeric(values, errors="coerce")
    if not pd.api.types.is_numeric_dtype(values.dtype) and numbers.isna().any():
        return False
    finite = numbers[np.isfinite(numbers)]
    return bool(len(finite)) and bool(((finite >= 0) & (finite <= 1 + 1e-9)).all())


def _xlsx_table(df: pd.DataFrame, yes: str, no: str) -> pd.DataFrame:
    """A table as written to a sheet: no geometry, booleans as words, missing values empty."""
    table = pd.DataFrame(df.drop(columns="geometry", errors="ignore"))
    for col in table.columns:
        values = table[col]
        if _is_bool_column(values):
            table[col] = [None if v is None or v is pd.NA or (isinstance(v, float)
                                                                 and math.isnan(v))
                          else (yes if bool(v) else no) for v in values.astype(object)]
        elif str(values.dtype) in ("boolean", "object", "str", "string"):
            table[col] = values.astype(object).where(values.notna(), None)
    return table


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path, lang: str = "en",
               analysis: Any = None) -> Path:
    """One sheet per table (names cut to Excel's 31 characters), atomically: column titles in
    words of ``lang`` over the machine names, frozen; shares as percentages, booleans as
    words ("có"/"không" in Vietnamese), the engines' codes as words (:func:`worded_codes`;
    with ``analysis``, the scorecard's basis and the fibre rules and targets too), widths
    fitted, an autofilter; no formulas. The CSV files keep the codes."""
    return write_xlsx_sheets(xlsx_sheets(sheets, lang, analysis), path, lang)


def xlsx_sheets(sheets: dict[str, pd.DataFrame], lang: str = "en", analysis: Any = None
                ) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """:func:`write_xlsx`'s sheets as (name, table, shown): the table with its codes and the
    table as shown (:func:`worded_codes`), ready for :func:`write_xlsx_sheets` (which needs
    no ``analysis``: it may run in another process)."""
    w = words(lang)
    out = []
    for name, df in sheets.items():
        table = _xlsx_table(df, w["true"], w["false"])
        out.append((name, table, worded_codes(name, table, lang, analysis)))
    return out


def write_xlsx_sheets(sheets: list[tuple[str, pd.DataFrame, pd.DataFrame]], path: str | Path,
                      lang: str = "en") -> Path:
    """The workbook of :func:`write_xlsx` from :func:`xlsx_sheets`' sheets, atomically."""
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, table, shown in sheets:
                sheet_name = name[:31]
                _xml_cells(shown).to_excel(xl, sheet_name=sheet_name, index=False,
                                           startrow=1)
                sheet = xl.sheets[sheet_name]
                _no_formulas(sheet)
                _format_sheet(sheet, table, name, lang, shown)
    return Path(path)


def _xml_cells(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every text (cells and column names) XML can hold (:func:`xml_text`:
    openpyxl refuses a control character in a cell); columns without one are left as
    they are."""
    out = table.copy()
    for col in out.columns:
        values = out[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            texts = values.tolist()
            safe = [xml_text(v) if isinstance(v, str) else v for v in texts]
            if safe != texts:
                out[col] = pd.Series(safe, index=out.index, dtype=values.dtype)
    out.columns = [xml_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


#: Columns holding an engine's code, and the prefix of its word in ``i18n.words`` ("" for a
#: word keyed by the code itself): suggestion and sharing kinds, the scorecard's source and
#: unit, tower statuses, where hamlet counts and shares come from, "any" operator.
CODE_COLUMNS: dict[str, str] = {
    "kind": "kind_", "source": "source_", "unit": "unit_", "status": "", "status_a": "",
    "status_b": "", "households_basis": "households_basis_", "share_basis": "",
    "suggested_sites.operator": "operator_", "units.role": "unit_", "units.outline": "outline_",
}


def _code_word(code: Any, prefix: str, w: dict[str, str]) -> Any:
    if not isinstance(code, str):
        return code
    return w.get(prefix + code, code)


def worded_codes(name: str, table: pd.DataFrame, lang: str, analysis: Any = None
                 ) -> pd.DataFrame:
    """The sheet ``name`` as shown: the codes of :data:`CODE_COLUMNS` in words of ``lang``;
    with ``analysis``, also the scorecard's ``basis`` (as ``report.html`` words it), the
    hamlets' ``ftth_rule`` and the fibre extensions' ``target`` and ``note``."""
    w = words(lang)
    out = table.copy()
    for col in out.columns:
        prefix = CODE_COLUMNS.get(f"{name}.{col}", CODE_COLUMNS.get(str(col)))
        if prefix is not None:
            out[col] = [_code_word(v, prefix, w) for v in out[col]]
    if analysis is None:
        return out
    if name == "scorecard" and "basis" in out and getattr(analysis, "scorecard", None) is not None:
        from coverage_gis.outputs.report import _basis_text  # the report's words, once

        out["basis"] = [_basis_text(r, analysis, w, lang) for r in table_rows(table)]
    fibre = getattr(analysis, "fibre", None)
    if fibre is None:
        return out
    if name == "hamlets" and "ftth_rule" in out:
        rules = hamlet_table(analysis.hamlets, fibre.params, lang).set_index("hamlet_id")
        out["ftth_rule"] = out["hamlet_id"].map(rules["ftth_rule"]).astype(object)
    if name == "fibre_extensions" and len(out) == len(fibre.extensions):
        worded = extension_table(fibre.extensions, fibre.params, lang)
        for col in ("target", "note"):
            if col in out and col in worded:
                out[col] = list(worded[col])
    return out


def _format_sheet(sheet: Any, table: pd.DataFrame, name: str, lang: str,
                  shown: pd.DataFrame | None = None) -> None:
    """Titles (row 1), machine names (row 2), number formats (from ``table``, the codes),
    widths (from ``shown``, the words), frozen rows, filter."""
    shown = table if shown is None else shown
    from openpyxl.styles import Alignment, Border, Font, PatternFill

    title_font, name_font = Font(bold=True), Font(italic=True, color="666666", size=9)
    fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
    rows = len(table) + 2
    title_lines = 1
    for k, col in enumerate(table.columns, start=1):
        title = column_title(col, lang, table=name)
        head = sheet.cell(1, k, xml_text(title))
        head.font, head.fill = title_font, fill
        head.alignment = Alignment(wrap_text=True, vertical="top")
        machine = sheet.cell(2, k)
        machine.font, machine.border = name_font, Border()
        machine.alignment = Alignment(horizontal="left")
        fmt = _number_format(table, col)
        for r in range(3, rows + 1):
            if fmt is not None and isinstance(sheet.cell(r, k).value, (int, float)):
                sheet.cell(r, k).number_format = fmt(r - 3)
        width = _width(shown[col], str(col), title, fmt is not None)
        sheet.column_dimensions[head.column_letter].width = width
        title_lines = max(title_lines, math.ceil(len(title) / max(width - 2, 1)))
    sheet.row_dimensions[1].height = 15 * min(title_lines, 4)
    sheet.freeze_panes = "A3"
    if len(table.columns):
        last = sheet.cell(2, len(table.columns)).column_letter
        sheet.auto_filter.ref = f"A2:{last}{rows}"


def _number_format(table: pd.DataFrame, col: Any) -> Callable[[int], str] | None:
    """The number format of each row of a column (a function of the row), or None. Shares
    show as many decimals as the value holds, two at least: a share kept off its target by
    more decimals (0.74996 against 0.75, :mod:`coverage_gis.engines.rounding`) is not
    shown "75.00%" (found by a review of this round's changes)."""
    values = list(table[col])
    if col in ("value", "target") and "unit" in table:
        units = list(table["unit"])
        targets = list(table["target"]) if "target" in table else [None] * len(values)
        return lambda i: (_per_100_format(values[i], targets[i]) if units[i] == "per 100"
                          else _percent_format(values[i]))
    if _is_share_column(str(col), table[col]):
        return lambda i: _percent_format(values[i])
    return None


def _per_100_format(value: Any, target: Any = None) -> str:
    """Excel's format of a value per 100 inhabitants: one decimal (``PER_100_FORMAT``), more
    where one would carry it across its ``target`` (74.999 against 75 is not shown "75.0"
    beside "not met": found by a review), five at most."""
    try:
        v, t = float(value), float(target)
    except (TypeError, ValueError):
        return PER_100_FORMAT
    if not (math.isfinite(v) and math.isfinite(t)):
        return PER_100_FORMAT
    decimals = 1
    while decimals < 5 and (round(v, decimals) >= t) != (v >= t):
        decimals += 1
    return "0." + "0" * decimals


def _percent_format(value: Any) -> str:
    """Excel's percentage format showing ``value`` (a share) to its last decimal, with two
    decimals at least and five at most (``PERCENT_FORMAT`` for a value of four decimals, or
    of more than seven: a share never rounded, shown as before)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return PERCENT_FORMAT
    if not math.isfinite(v):
        return PERCENT_FORMAT
    decimals = decimals_shown(round(100 * v, 9), 2)
    return PERCENT_FORMAT if decimals > 5 else "0." + "0" * decimals + "%"


def _width(values: pd.Series, machine: str, title: str, percent: bool) -> float:
    """A column's width (characters): its longest value (first 200 rows), machine name and
    title (titles longer than 28 characters wrap), within 8-60."""
    texts = ["100.00%" if percent else str(v) for v in values.head(200) if v is not None]
    longest = max([len(machine), min(len(title), 28)] + [len(t) for t in texts])
    return float(min(max(8, longest + 2), 60))


def _no_formulas(sheet: Any) -> None:
    """Store text that openpyxl took for a formula (it starts with ``=``) as plain text: data
    from input files is never executed by a spreadsheet."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


# --------------------------------------------------------------------------------------------
# GeoPackage and its QGIS styles
# --------------------------------------------------------------------------------------------

def plain_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns every vector driver can hold (nullable booleans and lists become plain)."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if str(out[col].dtype) == "boolean":
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif out[col].dtype == object:
            out[col] = out[col].map(lambda v: ", ".join(map(str, v))
                                    if isinstance(v, (list, tuple)) else v)
    return out


#: The columns of QGIS's ``layer_styles`` table, in its order.
LAYER_STYLE_COLUMNS = ("f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column",
                       "styleName", "styleQML", "styleSLD", "useAsDefault", "description",
                       "owner", "ui", "update_time")


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path, lang: str = "en",
               styles: bool = False) -> Path:
    """Every non-empty layer into one GeoPackage (layer per key), atomically; with
    ``styles`` (``results.gpkg``; not the input files ``coverage-gis init`` writes, which must
    hold one layer), a QGIS style per layer it knows (:func:`layer_qml`) in the
    ``layer_styles`` table, the default style QGIS applies when it opens the layer.
    ``update_time`` is left empty so that the same analysis always gives the same file."""
    with atomic_path(path) as tmp:
        tmp.unlink()  # GDAL creates the file itself
        first = True
        rows = []
        for name, gdf in layers.items():
            if gdf is None or len(gdf) == 0:
                continue
            plain = plain_columns(gdf)
            pyogrio.write_dataframe(plain, tmp, layer=name, driver="GPKG",
                                    append=not first, use_arrow=arrow_ok(plain))
            first = False
            qml = layer_qml(name, gdf, lang) if styles else None
            if qml is not None:
                geom = pyogrio.read_info(tmp, layer=name).get("geometry_name") or "geom"
                rows.append(("", "", name, geom, name, qml, "", True,
                             f"coverage_gis: {name}", "", "", pd.NaT))
        if rows:
            table = pd.DataFrame(rows, columns=list(LAYER_STYLE_COLUMNS))
            table["update_time"] = table["update_time"].astype("datetime64[ms]")
            pyogrio.write_dataframe(table, tmp, layer="layer_styles", driver="GPKG",
                                    append=True)
    return Path(path)


def _rgba(colour: str, alpha: int = 255) -> str:
    r, g, b = style.rgb(colour)
    return f"{r},{g},{b},{alpha}"


def _options(props: dict[str, Any]) -> str:
    return ('<Option type="Map">' + "".join(
        f'<Option type="QString" name={xml_quoteattr(k)} value={xml_quoteattr(v)}/>'
        for k, v in props.items()) + "</Option>")


def _qml_symbol(kind: str, colour: str, index: int, *, alpha: int = 255, dash: bool = False,
                shape: str = "circle", size: float = 2.4, width: float = 0.6,
                outline: str = "#333333") -> str:
    """A QGIS symbol (``kind`` marker, line or fill) in one colour."""
    if kind == "marker":
        cls, props = "SimpleMarker", {"name": shape, "color": _rgba(colour, alpha),
                                      "outline_color": _rgba(outline), "outline_width": "0.2",
                                      "outline_width_unit": "MM", "size": size,
                                      "size_unit": "MM"}
    elif kind == "line":
        cls, props = "SimpleLine", {"line_color": _rgba(colour, alpha), "line_width": width,
                                    "line_width_unit": "MM", "capstyle": "round",
                                    "joinstyle": "round",
                                    "line_style": "dash" if dash else "solid"}
    else:
        cls, props = "SimpleFill", {"color": _rgba(colour, alpha), "style": "solid",
                                    "outline_color": _rgba(outline),
                                    "outline_style": "dash" if dash else "solid",
                                    "outline_width": width, "outline_width_unit": "MM"}
    return (f'<symbol type="{kind}" name="{index}" alpha="1" clip_to_extent="1" '
            f'force_rhr="0"><layer class="{cls}" enabled="1" pass="0" locked="0">'
            f"{_options(props)}</layer></symbol>")


def _geometry_kind(gdf: gpd.GeoDataFrame) -> str | None:
    types = {t for t in gdf.geometry.geom_type.dropna().unique()}
    if not types:
        return None
    t = sorted(types)[0]
    return ("marker" if "Point" in t else "line" if "LineString" in t
            else "fill" if "Polygon" in t else None)


def _qml_document(renderer: str, labels: str = "") -> str:
    enabled = "1" if labels else "0"
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="3.28.0" styleCategories="Symbology|Labeling" '
            f'labelsEnabled="{enabled}">{renderer}{labels}<blendMode>0</blendMode>'
            "<featureBlendMode>0</featureBlendMode><layerOpacity>1</layerOpacity></qgis>\n")


def _qml_rules(rules: Sequence[tuple[str, str, str]]) -> str:
    """A rule-based renderer: (filter expression, label, symbol XML with ``name`` = index)."""
    items = "".join(f'<rule key="r{i}" filter={xml_quoteattr(f)} symbol="{i}" '
                    f"label={xml_quoteattr(label)}/>"
                    for i, (f, label, _) in enumerate(rules))
    symbols = "".join(s for _, _, s in rules)
    return ('<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" '
            f'forceraster="0"><rules key="root">{items}</rules><symbols>{symbols}</symbols>'
            "</renderer-v2>")


def _qml_categories(attr: str, categories: Sequence[tuple[str, str, str]]) -> str:
    """A categorized renderer on ``attr``: (value, label, symbol XML)."""
    items = "".join(f"<category value={xml_quoteattr(v)} symbol=\"{i}\" "
                    f"label={xml_quoteattr(lab)} "
                    'render="true"/>' for i, (v, lab, _) in enumerate(categories))
    symbols = "".join(s for _, _, s in categories)
    return (f'<renderer-v2 type="categorizedSymbol" attr={xml_quoteattr(attr)} '
            f'symbollevels="0" enableorderby="0" forceraster="0"><categories>{items}</categories>'
            f"<symbols>{symbols}</symbols></renderer-v2>")


def _qml_single(symbol: str) -> str:
    return ('<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
            f'forceraster="0"><symbols>{symbol}</symbols></renderer-v2>')


def _qml_name_labels(field: str) -> str:
    """Simple labels of ``field`` (dark text with a white buffer)."""
    return ('<labeling type="simple"><settings calloutType="simple">'
            f'<text-style fieldName={xml_quoteattr(field)} fontSize="9" fontWeight="75" '
            'textColor="17,17,17,255" isExpression="0" namedStyle="Bold">'
            '<text-buffer bufferDraw="1" bufferSize="0.8" bufferColor="255,255,255,255"/>'
            '</text-style><placement placement="1"/></settings></labeling>')


def _operator_renderer(gdf: gpd.GeoDataFrame, attr: str, kind: str, **kw: Any) -> str:
    seen: dict[str, str] = {}
    values = sorted({str(v) for v in gdf[attr].dropna()})
    cats = []
    for i, v in enumerate(values):
        single = ", " not in v
        colour = style.operator_colour(v, seen) if single else "#000000"
        cats.append((v, v, _qml_symbol(kind, colour, i, **kw)))
    return _qml_categories(attr, cats)


def _flag_rules(column: str, kind: str, yes: str, no: str, **kw: Any) -> str:
    return _qml_rules([(f'"{column}"', yes, _qml_symbol(kind, style.MET, 0, **kw)),
                       (f'NOT "{column}"', no, _qml_symbol(kind, style.SHORT, 1, **kw)),
                       ("ELSE", "–", _qml_symbol(kind, style.NO_DATA, 2, **kw))])


def _hamlet_rules(gdf: gpd.GeoDataFrame, lang: str) -> str:
    m = ('coalesce("mobile_broadband_covered", true)' if "mobile_broadband_covered" in gdf
         else "true")
    f = 'coalesce("ftth_covered", true)' if "ftth_covered" in gdf else "true"
    # not measured (no household of the hamlet in the data): every flag empty
    empty = " AND ".join(f'"{c}" IS NULL' for c in ("mobile_broadband_covered", "ftth_covered")
                         if c in gdf) or "false"
    measured = f"NOT ({empty}) AND "
    expressions = {"met": f"{measured}{m} AND {f}", "short_mobile": f"NOT {m} AND {f}",
                   "short_ftth": f"{m} AND NOT {f}", "short_both": f"NOT {m} AND NOT {f}",
                   "no_data": empty}
    return _qml_rules([(expressions[key], label,
                        _qml_symbol("fill", style.hamlet_status_colour(key), i, alpha=200,
                                    width=0.5))
                       for i, (key, label) in enumerate(hamlet_classes(gdf, lang))])


def layer_qml(name: str, gdf: gpd.GeoDataFrame, lang: str = "en") -> str | None:
    """The QGIS style (QML) of a GeoPackage layer of :func:`result_layers`, coloured as on the
    map (:mod:`coverage_gis.outputs.style`); None for a layer without one."""
    kind = _geometry_kind(gdf)
    if kind is None:
        return None
    w = words(lang)
    if name == "hamlets":
        return _qml_document(_hamlet_rules(gdf, lang), _qml_name_labels("name"))
    if name == "households" and "mobile_broadband" in gdf:
        return _qml_document(_flag_rules("mobile_broadband", kind, w["covered_yes"],
                                         w["covered_no"], size=1.6))
    if name == "fibre_gpon_budget" and "within_budget" in gdf:
        return _qml_document(_flag_rules("within_budget", kind, w["true"], w["false"],
                                         shape="square"))
    if name in ("cells", "access_points", "fibre_routes", "fibre_routes_merged",
                "signal_radius") and "operator" in gdf:
        extra: dict[str, Any] = {"shape": "square"} if name == "access_points" else {}
        if name == "signal_radius":
            extra = {"alpha": 20, "width": 0.4}
        return _qml_document(_operator_renderer(gdf, "operator", kind, **extra))
    if name == "towers" and "operators" in gdf:
        return _qml_document(_operator_renderer(gdf, "operators", kind, shape="triangle",
                                                size=3.6))
    single: dict[str, tuple[str, dict[str, Any]]] = {
        "suggested_sites": (style.SUGGESTED, {"size": 4.0}),
        "sharing_candidates": (style.SHARING, {"dash": True, "width": 1.0}),
        "fibre_extensions": (style.EXTENSION, {"width": 1.2}),
        "commune": ("#000000", {"alpha": 0, "dash": True, "width": 0.8}),
        "units": ("#000000", {"alpha": 0, "width": 0.8}),
        "roads": ("#8c8c8c", {"width": 0.3}),
        "railway": ("#444444", {"dash": True, "width": 0.5}),
        "constraints": ("#8E24AA", {"shape": "square", "alpha": 160})}
    if name in single:
        colour, kw = single[name]
        return _qml_document(_qml_single(_qml_symbol(kind, colour, 0, **kw)))
    return None


# --------------------------------------------------------------------------------------------
# Raster styles (QML sidecars)
# --------------------------------------------------------------------------------------------

#: Best-server level classes (lower bound dBm), best first, as on the map.
LEVEL_BOUNDS_DBM = (-90.0, -100.0, -110.0)


def _hex(rgba: Sequence[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def raster_qml(kind: str, lang: str = "en") -> str | None:
    """The QGIS style of a coverage raster: ``level`` (dBm, the map's classes), ``covered``
    (0/1) or ``probability`` (0..1); None for another kind."""
    w = words(lang)
    if kind == "level":
        hi, mid, lo = LEVEL_BOUNDS_DBM
        # DISCRETE: a value takes the colour of the first item whose value it does not exceed
        lo_t, mid_t, hi_t = (number_text(v, lang) for v in (lo, mid, hi))
        items = [(lo, w["level_class_lt"].format(dbm=lo_t), style.LEVEL_COLOURS[3]),
                 (mid, w["level_class_between"].format(low=lo_t, high=mid_t),
                  style.LEVEL_COLOURS[2]),
                 (hi, w["level_class_between"].format(low=mid_t, high=hi_t),
                  style.LEVEL_COLOURS[1]),
                 (math.inf, w["level_class_ge"].format(dbm=hi_t), style.LEVEL_COLOURS[0])]
        shader = _colour_ramp("DISCRETE", -140.0, -40.0, [
            (v, label, _hex(c), c[3]) for v, label, c in items])
        return _raster_document(_pseudocolour(shader, -140.0, -40.0))
    if kind == "probability":
        steps = (0.5, 0.75, 0.9, math.inf)
        colours = (style.LEVEL_COLOURS[3], style.LEVEL_COLOURS[2], style.LEVEL_COLOURS[1],
                   style.LEVEL_COLOURS[0])
        lows = (0.0, 0.5, 0.75, 0.9)
        ramp = [(v, w["probability_class"].format(
            low=number_text(lo, lang), high=number_text(min(v, 1.0), lang)),
                 _hex(c), c[3]) for v, lo, c in zip(steps, lows, colours)]
        return _raster_document(_pseudocolour(_colour_ramp("DISCRETE", 0.0, 1.0, ramp),
                                              0.0, 1.0))
    if kind == "covered":
        entries = "".join(
            f'<paletteEntry value="{v}" color="{colour}" alpha="{alpha}" '
            f"label={xml_quoteattr(label)}/>"
            for v, colour, alpha, label in ((0, style.NO_DATA, 0, w["covered_no"]),
                                            (1, style.MET, 200, w["covered_yes"])))
        return _raster_document('<rasterrenderer type="paletted" band="1" opacity="1" '
                                f'alphaBand="-1"><colorPalette>{entries}</colorPalette>'
                                "</rasterrenderer>")
    return None


def _colour_ramp(kind: str, lo: float, hi: float,
                 items: Sequence[tuple[float, str, str, int]]) -> str:
    body = "".join(f'<item value="{"inf" if math.isinf(v) else f"{v:g}"}" '
                   f'label={xml_quoteattr(label)} color="{colour}" alpha="{alpha}"/>'
                   for v, label, colour, alpha in items)
    return (f'<rastershader><colorrampshader colorRampType="{kind}" classificationMode="1" '
            f'clip="0" minimumValue="{lo:g}" maximumValue="{hi:g}">{body}</colorrampshader>'
            "</rastershader>")


def _pseudocolour(shader: str, lo: float, hi: float) -> str:
    return ('<rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" '
            f'alphaBand="-1" classificationMin="{lo:g}" classificationMax="{hi:g}">'
            f"{shader}</rasterrenderer>")


def _raster_document(renderer: str) -> str:
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            '<qgis version="3.28.0" styleCategories="Symbology"><pipe>'
            f"{renderer}"
            '<brightnesscontrast brightness="0" contrast="0" gamma="1"/>'
            '<huesaturation saturation="0" grayscaleMode="0" colorizeOn="0"/>'
            "</pipe><blendMode>0</blendMode></qgis>\n")


def _raster_kind(stem: str) -> str | None:
    if stem.startswith("level_") and stem.endswith("_dbm"):
        return "level"
    if stem.startswith("covered_"):
        return "covered"
    if stem.startswith("probability_"):
        return "probability"
    return None


def write_raster_styles(folder: str | Path, lang: str = "en") -> list[Path]:
    """A QGIS style (``NAME.qml``) beside each coverage GeoTIFF of ``folder`` that has one
    (levels, coverage masks, probabilities; serving-cell rasters have none). Returns the
    files written."""
    written = []
    for tif in sorted(Path(folder).glob("*.tif")):
        kind = _raster_kind(tif.stem)
        qml = raster_qml(kind, lang) if kind else None
        if qml is None:
            continue
        target = tif.with_suffix(".qml")
        with atomic_path(target) as tmp:
            tmp.write_text(qml, encoding="utf-8")
        written.append(target)
    return written


# --------------------------------------------------------------------------------------------
# KMZ
# --------------------------------------------------------------------------------------------

def _kml_style(style_id: str, colour: str, fill_alpha: int = 0x5F,
               outline: str | None = None) -> str:
    line = kml_colour(outline or colour)
    fill = kml_colour(colour, alpha=fill_alpha)
    icon = kml_colour(colour)
    return (f'<Style id="{style_id}"><LineStyle><color>{line}</color><width>2</width>'
            f'</LineStyle><PolyStyle><color>{fill}</color></PolyStyle>'
            f'<IconStyle><color>{icon}</color></IconStyle></Style>')


def _row_operator(row: Mapping[str, Any]) -> str | None:
    """The one operator of a placemark (``operator``, or ``operators`` naming one), when it
    has a colour of its own."""
    for col in ("operator", "operators"):
        value = row.get(col)
        if isinstance(value, str) and value in OPERATOR_COLOURS:
            return value
    return None


def _coords(geom: shapely.Geometry) -> str:
    """A point's, line's or ring's coordinates as KML's ``lon,lat,0`` list."""
    return " ".join(f"{x:.7f},{y:.7f},0" for x, y in shapely.get_coordinates(geom).tolist())


def _kml_geometry(geom: shapely.Geometry) -> str:
    t = geom.geom_type
    if t == "Point":
        return f"<Point><coordinates>{_coords(geom)}</coordinates></Point>"
    if t == "LineString":
        return (f"<LineString><tessellate>1</tessellate><coordinates>{_coords(geom)}"
                "</coordinates></LineString>")
    if t == "Polygon":
        inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{_coords(r)}"
                        "</coordinates></LinearRing></innerBoundaryIs>" for r in geom.interiors)
        return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>"
                f"{_coords(geom.exterior)}</coordinates></LinearRing></outerBoundaryIs>"
                f"{inner}</Polygon>")
    if t.startswith("Multi") or t == "GeometryCollection":
        return ("<MultiGeometry>" + "".join(_kml_geometry(g) for g in geom.geoms
                                            if not g.is_empty) + "</MultiGeometry>")
    raise ValueError(f"cannot write a {t} to KML")


def _balloon_value(col: str, value: Any, w: dict[str, str], lang: str,
                   targets: Mapping[str, float] | None = None) -> str | None:
    """A field's value as shown in a balloon (None: not shown)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return w["true"] if value else w["false"]
    parts = col.split("_")
    if isinstance(value, (float, np.floating)) and (("share" in parts and col != "share_basis")
                                                    or col == "m4_after") \
            and 0 <= value <= 1 + 1e-9:
        return percent_text(value, lang,
                            against={**DEFAULT_HAMLET_TARGETS, **(targets or {})}.get(col))
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)


def _balloon_heads(columns: Sequence[str], fields: Sequence[str] | None, geometry: str,
                   lang: str) -> dict[str, str]:
    """A layer's balloon rows up to the value: {column: its row's opening HTML}, for
    ``fields`` (or every column) present, titles in words of ``lang``, escaped."""
    return {c: f"<tr><th align=\"left\">{escape(column_title(c, lang))}</th><td>"
            for c in (fields or columns) if c in columns and c != geometry}


def _balloon(row: Mapping[str, Any], heads: dict[str, str], w: dict[str, str],
             lang: str, targets: Mapping[str, float] | None = None) -> str:
    """A placemark's description: a small HTML table of its fields (:func:`_balloon_heads`)
    with a value, everything escaped."""
    rows = []
    for c, head in heads.items():
        text = _balloon_value(str(c), row[c], w, lang, targets)
        if text is not None:
            rows.append(f"{head}{escape(text)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _ground_overlay(overlay: tuple[bytes, list[list[float]]], name: str, w: dict[str, str],
                    href: str, note: str = "") -> str:
    (south, west), (north, east) = overlay[1]
    rows = "".join(
        f'<tr><td style="background:{_hex(c)};width:18px"></td><td>{escape(label)}</td></tr>'
        for c, label in zip(style.LEVEL_COLOURS, (
            w["level_class_ge"].format(dbm="-90"),
            w["level_class_between"].format(low="-100", high="-90"),
            w["level_class_between"].format(low="-110", high="-100"),
            w["level_not_counted"].format(dbm="-110"))))
    if note:
        rows += f'<tr><td colspan="2">{escape(note)}</td></tr>'
    return (f"<Folder><name>{xml_escape(name)}</name><GroundOverlay>"
            f"<name>{xml_escape(name)}</name>"
            f"<description>{xml_escape('<table>' + rows + '</table>')}</description>"
            f"<Icon><href>{href}</href></Icon><LatLonBox><north>{north:.7f}</north>"
            f"<south>{south:.7f}</south><east>{east:.7f}</east><west>{west:.7f}</west>"
            "</LatLonBox></GroundOverlay></Folder>")


def _kml_met_status(gdf: gpd.GeoDataFrame) -> str | None:
    """The KML status (style ``hamlet_<status>``) of a hamlet that meets the targets
    computed: ``met`` when both were, ``mobile_met`` or ``ftth_met`` when only that one was,
    None when neither was (:func:`hamlet_classes`)."""
    keys = {key for key, _ in hamlet_classes(gdf)}
    if "short_mobile" in keys and "short_ftth" in keys:
        return "met"
    return ("mobile_met" if "short_mobile" in keys else
            "ftth_met" if "short_ftth" in keys else None)


def write_kmz(layers: dict[str, tuple], path: str | Path, title: str = "coverage_gis",
              lang: str = "en", overlay: tuple[bytes, list[list[float]]] | None = None,
              overlay_name: str | None = None, overlay_note: str = "",
              targets: Mapping[str, float] | None = None) -> Path:
    """A KMZ for Google Earth: one folder per layer ({folder name: (layer, name column[,
    balloon fields])}), placemarks with a balloon table of their fields (titles in words of
    ``lang``, escaped), WGS 84. Hamlets with results are coloured by status
    (:func:`hamlet_status`), a placemark of one operator takes that operator's colour (as on
    the map), others their layer's. ``overlay`` (PNG bytes of an image in plate carrée, and
    its ``[[south, west], [north, east]]``) is added as a GroundOverlay
    (``files/coverage.png``), its legend followed by ``overlay_note``
    (:func:`coverage_gis.outputs.maps.level_note`). ``targets`` ({share column: hamlet
    target}, :func:`~coverage_gis.outputs.indicators.hamlet_targets`): the balloons write
    those shares against them, as the map and the report do."""
    w = words(lang)
    styles = [_kml_style(f"op{j}", colour) for j, colour in
              enumerate(OPERATOR_COLOURS.values())]
    op_style = {op: f"op{j}" for j, op in enumerate(OPERATOR_COLOURS)}
    styles += [_kml_style(f"hamlet_{key}", colour, fill_alpha=0xB0, outline="#333333")
               for key, colour in (*style.HAMLET_STATUS_COLOURS.items(),
                                   ("no_data", style.HAMLET_NO_DATA))]
    # a study that computed one target only names its "met" style for that target (found by
    # a review: a coverage-only study styled hamlets "#hamlet_met", the one without fibre too)
    styles += [_kml_style(f"hamlet_{key}", style.HAMLET_STATUS_COLOURS["met"], fill_alpha=0xB0,
                          outline="#333333") for key in ("mobile_met", "ftth_met")]
    folders = []
    if overlay is not None:
        folders.append(_ground_overlay(overlay, overlay_name or w["kmz_coverage"], w,
                                       "files/coverage.png", overlay_note))
    for k, (folder, spec) in enumerate(layers.items()):
        gdf, name_col = spec[0], spec[1]
        fields = spec[2] if len(spec) > 2 else None
        if gdf is None or len(gdf) == 0:
            continue
        styles.append(_kml_style(f"s{k}", LAYER_COLOURS[k % len(LAYER_COLOURS)]))
        ll = plain_columns(gdf.to_crs(4326))
        geometry = ll.geometry.name
        heads = _balloon_heads(list(ll.columns), fields, geometry, lang)
        met_status = _kml_met_status(gdf)
        marks = []
        # records, not iterrows: a Series per row took most of the KMZ's time on a province
        for row in table_rows(ll):
            geom = row[geometry]
            if geom is None or geom.is_empty:
                continue
            label = row.get(name_col, "") if name_col else ""
            status = hamlet_status(row)
            if status == "met":
                status = met_status
            style_id = (f"hamlet_{status}" if status else
                        op_style.get(_row_operator(row) or "", f"s{k}"))
            balloon = _balloon(row, heads, w, lang, targets)
            marks.append(f"<Placemark><name>{xml_escape(str(label))}</name>"
                         f"<description>{xml_escape(balloon)}</description>"
                         f"<styleUrl>#{style_id}</styleUrl>"
                         f"{_kml_geometry(geom)}</Placemark>")
        folders.append(f"<Folder><name>{xml_escape(folder)}</name>{''.join(marks)}</Folder>")
    doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
           f"<Document><name>{xml_escape(title)}</name>{''.join(styles)}{''.join(folders)}"
           "</Document></kml>\n")
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("doc.kml", doc)  # first: Google Earth reads the first .kml
            if overlay is not None:
                z.writestr("files/coverage.png", overlay[0])
    return Path(path)


#: The fields a KMZ balloon shows, per layer (those present, in this order).
BALLOON_FIELDS: dict[str, tuple[str, ...]] = {
    "hamlets": ("hamlet_id", "name", "households", "mobile_broadband_share", "share_4g",
                "share_5g", "mobile_broadband_covered", "ftth_share", "ftth_covered",
                "households_lose_service_at_switch_off"),
    "cells": ("site_id", "operator", "technology", "band_mhz", "azimuth_deg", "height_m",
              "status", "tower_id"),
    "towers": ("tower_id", "operators", "technologies", "n_cells", "existing_technologies",
               "n_existing_cells", "status", "inside_unit"),
    "sharing_candidates": ("rank", "kind", "tower_a", "operators_a", "tower_b", "operators_b",
                           "distance_m"),
    "suggested_sites": ("rank", "kind", "tower_id", "households_gained", "m4_after",
                        "inside_commune"),
    "fibre_routes": ("route_id", "name", "operator"),
    "fibre_extensions": ("hamlet_id", "target", "length_m", "households_added", "cost_vnd",
                         "meets_rule", "note"),
}


def kmz_layers(analysis: Any, layers: dict[str, gpd.GeoDataFrame], lang: str = "en"
               ) -> dict[str, tuple]:
    """The folders of ``results.kmz`` ({name in words of ``lang``: (layer, name column,
    balloon fields)}): hamlets with results, cells, towers, sharing candidates, suggested
    sites, fibre routes and extensions (those the analysis has). ``layers`` are the
    GeoPackage's (:func:`result_layers`). Codes are in words of ``lang``, as in the
    workbook (:func:`worded_codes`; found by a cross-output review: "existing", "planned",
    "share-instead-of-build" in the Vietnamese balloons)."""
    w = words(lang)
    worded = lambda name, gdf: worded_codes(name, gdf, lang, analysis)  # noqa: E731
    out: dict[str, tuple] = {w["kmz_hamlets"]: (worded("hamlets", layers["hamlets"]), "name",
                                                BALLOON_FIELDS["hamlets"])}
    cells = layers.get("cells")
    if cells is not None and len(cells):
        out[w["kmz_cells"]] = (worded("cells", cells), "site_id", BALLOON_FIELDS["cells"])
    for key, gdf, label in (("kmz_towers", analysis.towers, "tower_id"),
                            ("kmz_sharing", analysis.sharing_candidates, "kind")):
        if gdf is not None:
            field = "towers" if key == "kmz_towers" else "sharing_candidates"
            out[w[key]] = (worded(field, gdf), label, BALLOON_FIELDS[field])
    if getattr(analysis, "suggestions", None) is not None:
        out[w["kmz_suggested"]] = (worded("suggested_sites", analysis.suggestions), "kind",
                                   BALLOON_FIELDS["suggested_sites"])
    extensions = layers.get("fibre_extensions")
    if analysis.fibre is not None and extensions is not None:
        out[w["kmz_fibre_routes"]] = (worded("fibre_routes", analysis.fibre.routes), "name",
                                      BALLOON_FIELDS["fibre_routes"])
        out[w["kmz_extensions"]] = (worded("fibre_extensions", extensions), "hamlet_id",
                                    BALLOON_FIELDS["fibre_extensions"])
    return out


def coverage_overlay(analysis: Any) -> tuple[bytes, list[list[float]]] | None:
    """The best-server mobile broadband level (the better of 4G and 5G, dBm) coloured in the
    map's classes, as PNG bytes in plate carrée (EPSG:4326, what a KML GroundOverlay
    stretches over its LatLonBox), and its ``[[south, west], [north, east]]``; None without
    4G or 5G levels."""
    from coverage_gis.outputs import maps  # folium: only when a KMZ has an overlay

    res = analysis.coverage
    levels = [res.level_dbm[k] for k in ("4G", "5G") if k in res.level_dbm]
    if not levels:
        return None
    with np.errstate(invalid="ignore"):
        level = np.fmax.reduce(levels) if len(levels) > 1 else levels[0]
    level = style.levels_as_counted(level, res.covered.get("mobile_broadband"))
    # a province's grid is resampled (nearest: every pixel shown is one computed) to the map's
    # image budget, so that the KMZ stays small enough for Google Earth
    lonlat, bounds = maps.reproject_grid(level, res.grid, 4326, "nearest",
                                         max_px=settings.MAP_RASTER_MAX_PX,
                                         oversample=settings.MAP_RASTER_OVERSAMPLE)
    return maps.png_bytes(maps.colour_levels(lonlat)), bounds


# --------------------------------------------------------------------------------------------
# The layers of an analysis
# --------------------------------------------------------------------------------------------

def result_layers(analysis: Any) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of an analysis, joined with its results, for the GeoPackage (the engines'
    codes worded in English, as in the other files)."""
    p = analysis.project
    fibre_params = analysis.fibre.params if analysis.fibre is not None else None
    hamlets = p.hamlets[["hamlet_id", "geometry"]].merge(
        hamlet_table(analysis.hamlets, fibre_params), on="hamlet_id")
    layers: dict[str, gpd.GeoDataFrame] = {"hamlets": hamlets}
    if p.households is not None:
        hh = p.households.copy()
        res = analysis.coverage
        hh["mobile_broadband"] = res.grid.sample(res.covered["mobile_broadband"],
                                                 hh.geometry).astype(bool)
        if analysis.fibre is not None:
            reach = analysis.fibre.reach
            cols = [c for c in ("distance_m", "basis", "access_point", "passed",
                                "connectable", "port_limited") if c in reach]
            hh = hh.join(pd.DataFrame(reach[cols]).add_prefix("ftth_").set_index(hh.index))
        layers["households"] = hh
    layers["cells"] = analysis.coverage.cells
    layers["signal_radius"] = analysis.signal_radius
    if analysis.towers is not None:
        layers["towers"] = analysis.towers
        layers["sharing_candidates"] = analysis.sharing_candidates
    if getattr(analysis, "suggestions", None) is not None:
        layers["suggested_sites"] = analysis.suggestions
    if analysis.fibre is not None:
        layers["fibre_routes_merged"] = analysis.fibre.routes
        layers["fibre_extensions"] = extension_table(analysis.fibre.extensions,
                                                     analysis.fibre.params)
        gpon = getattr(analysis.fibre, "gpon", None)
        if gpon is not None and len(gpon) and p.access_points is not None:
            # the GPON budget per drop box, at the box
            boxes = p.access_points[["ap_id", "geometry"]].astype({"ap_id": str})
            layers["fibre_gpon_budget"] = boxes.merge(gpon, on="ap_id")
    for name in ("commune", "fibre", "access_points", "roads", "railway", "constraints"):
        gdf = getattr(p, name)
        if gdf is not None:
            layers[name if name != "fibre" else "fibre_routes"] = gdf
    return layers
