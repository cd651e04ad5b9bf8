"""Exports for other tools: XLSX (spreadsheets), GeoPackage (GIS) and KMZ (Google Earth).

Every file is written to a temporary name and renamed, so a failed export leaves nothing.
"""

from __future__ import annotations

import zipfile
from html import escape
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from coverage_gis.outputs.fibre_text import extension_table, hamlet_table
from coverage_gis.outputs.files import atomic_path
from coverage_gis.outputs.style import LAYER_COLOURS, OPERATOR_COLOURS, kml_colour

__all__ = ["write_xlsx", "write_gpkg", "write_kmz", "result_layers", "plain_columns"]


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """One sheet per table (names cut to Excel's 31 characters), atomically."""
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, df in sheets.items():
                table = pd.DataFrame(df.drop(columns="geometry", errors="ignore"))
                for col in table.columns:
                    if str(table[col].dtype) in ("boolean", "object", "str", "string"):
                        table[col] = table[col].astype(object).where(table[col].notna(), None)
                table.to_excel(xl, sheet_name=name[:31], index=False)
                sheet = xl.sheets[name[:31]]
                _no_formulas(sheet)
                for k, col in enumerate(table.columns, start=1):
                    width = max([len(str(col))] + [len(str(v)) for v in table[col].head(200)])
                    sheet.column_dimensions[sheet.cell(1, k).column_letter].width = \
                        min(max(10, width + 2), 60)
    return Path(path)


def _no_formulas(sheet: Any) -> None:
    """Store text that openpyxl took for a formula (it starts with ``=``) as plain text: data
    from input files is never executed by a spreadsheet."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


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


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path) -> Path:
    """Every non-empty layer into one GeoPackage (layer per key), atomically."""
    with atomic_path(path) as tmp:
        tmp.unlink()  # GDAL creates the file itself
        first = True
        for name, gdf in layers.items():
            if gdf is None or len(gdf) == 0:
                continue
            pyogrio.write_dataframe(plain_columns(gdf), tmp, layer=name, driver="GPKG",
                                    append=not first)
            first = False
    return Path(path)


def _kml_style(style_id: str, colour: str) -> str:
    line, fill = kml_colour(colour), kml_colour(colour, alpha=0x5F)
    return (f'<Style id="{style_id}"><LineStyle><color>{line}</color><width>2</width>'
            f'</LineStyle><PolyStyle><color>{fill}</color></PolyStyle>'
            f'<IconStyle><color>{line}</color></IconStyle></Style>')


def _row_operator(row: pd.Series) -> str | None:
    """The one operator of a placemark (``operator``, or ``operators`` naming one), when it
    has a colour of its own."""
    for col in ("operator", "operators"):
        value = row.get(col)
        if isinstance(value, str) and value in OPERATOR_COLOURS:
            return value
    return None


def _coords(coords) -> str:
    return " ".join(f"{x:.7f},{y:.7f},0" for x, y in coords)


def _kml_geometry(geom: shapely.Geometry) -> str:
    t = geom.geom_type
    if t == "Point":
        return f"<Point><coordinates>{_coords(geom.coords)}</coordinates></Point>"
    if t == "LineString":
        return (f"<LineString><tessellate>1</tessellate><coordinates>{_coords(geom.coords)}"
                "</coordinates></LineString>")
    if t == "Polygon":
        inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{_coords(r.coords)}"
                        "</coordinates></LinearRing></innerBoundaryIs>" for r in geom.interiors)
        return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>"
                f"{_coords(geom.exterior.coords)}</coordinates></LinearRing></outerBoundaryIs>"
                f"{inner}</Polygon>")
    if t.startswith("Multi") or t == "GeometryCollection":
        return ("<MultiGeometry>" + "".join(_kml_geometry(g) for g in geom.geoms
                                            if not g.is_empty) + "</MultiGeometry>")
    raise ValueError(f"cannot write a {t} to KML")


def write_kmz(layers: dict[str, tuple[gpd.GeoDataFrame, str]], path: str | Path,
              title: str = "coverage_gis") -> Path:
    """A KMZ for Google Earth: one folder per layer ({folder name: (layer, name column)}),
    placemarks with a description table of their attributes (escaped), WGS 84. A placemark
    of one operator takes that operator's colour (as on the map), others their layer's."""
    styles = [_kml_style(f"op{j}", colour) for j, colour in
              enumerate(OPERATOR_COLOURS.values())]
    op_style = {op: f"op{j}" for j, op in enumerate(OPERATOR_COLOURS)}
    folders = []
    for k, (folder, (gdf, name_col)) in enumerate(layers.items()):
        if gdf is None or len(gdf) == 0:
            continue
        styles.append(_kml_style(f"s{k}", LAYER_COLOURS[k % len(LAYER_COLOURS)]))
        ll = plain_columns(gdf.to_crs(4326))
        marks = []
        for _, row in ll.iterrows():
            if row.geometry is None or row.geometry.is_empty:
                continue
            attrs = "".join(
                f"<tr><th>{escape(str(c))}</th><td>{escape(str(v))}</td></tr>"
                for c, v in row.drop(labels=ll.geometry.name).items()
                if not (isinstance(v, float) and np.isnan(v)) and v is not None)
            label = row.get(name_col, "") if name_col else ""
            style = op_style.get(_row_operator(row) or "", f"s{k}")
            marks.append(f"<Placemark><name>{xml_escape(str(label))}</name>"
                         f"<description>{xml_escape('<table>' + attrs + '</table>')}"
                         f"</description><styleUrl>#{style}</styleUrl>"
                         f"{_kml_geometry(row.geometry)}</Placemark>")
        folders.append(f"<Folder><name>{xml_escape(folder)}</name>{''.join(marks)}</Folder>")
    doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
           f"<Document><name>{xml_escape(title)}</name>{''.join(styles)}{''.join(folders)}"
           "</Document></kml>\n")
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("doc.kml", doc)
    return Path(path)


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
