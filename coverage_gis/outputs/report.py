"""Printable, self-contained HTML pages (no scripts, no network): the analysis report (the
tower check page is :mod:`coverage_gis.outputs.check_page`).

Maps on these pages are inline SVG drawn from the project's layers, so that they print, work
offline and need nothing but the page itself. Every text that comes from input files is
escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gis.config import settings
from coverage_gis.engines.indicators import UNIT_BASES
from coverage_gis.engines.rounding import TARGET_TOLERANCE, decimals_shown, rounded_against
from coverage_gis.io.project import Project
from coverage_gis.outputs import i18n, style
from coverage_gis.outputs.fibre_text import build_text, gpon_text, note_text
from coverage_gis.outputs.i18n import model_name
from coverage_gis.outputs.indicators import (
    hamlet_classes,
    hamlet_status,
    hamlet_targets,
    is_short,
    share_basis,
    shown_extent,
)
from coverage_gis.outputs.records import table_rows
from coverage_gis.outputs.style import operator_colour
from coverage_gis.radio.pathloss import EXTENDED_HATA_MAX_MHZ

__all__ = ["svg_map", "report_html"]

#: The screen and print style of the report and of the check page. Text from input files or
#: the command line may be one long word (a request id, a name without spaces); unbroken, it
#: widens the page past A4 and Chromium shrinks or splits the printed page. ``overflow-wrap:
#: anywhere`` breaks such a word in headings, paragraphs, list items and the values of the
#: label/value tables (``th ~ td``; unlike ``break-word`` it also lets a table narrow to the
#: page). Not in every cell: in a data table too wide for the page it would also let the
#: browser narrow columns below their words and break "250" or "KHÔNG" mid-word.
_CSS = """
body { font-family: "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; margin: 2em auto;
       max-width: 60em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #bbb;
  padding: 0.25em 0.6em; text-align: left; vertical-align: top; } th { background: #eee; }
.verdict { font-size: 1.3em; font-weight: bold; padding: 0.4em 0.8em; display: inline-block;
  border-radius: 0.3em; } .ok { background: #cfe2f3; } .share-instead { background: #fff3c4; }
.conflict, .outside-unit { background: #fdd0a2; } .bad { color: #a63603; font-weight: bold; }
td.value { white-space: nowrap; }
.small { color: #555; font-size: 0.9em; } svg { border: 1px solid #999; background: #fbfbf6; }
h1, h2, p, li, .verdict, th ~ td { overflow-wrap: anywhere; }
.legend span.sym { display: inline-block; width: auto; height: auto; border: none;
  margin: 0 0.8em 0 0; white-space: nowrap; }
.legend span.sym svg { vertical-align: middle; width: 14px; height: 14px; border: none;
  background: none; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print { body { margin: 0; max-width: none; } }
"""

#: The report's print rules (A4, page numbers, no row split, repeated headers, headings kept
#: with what follows). Page numbers are CSS page-margin boxes, printed by Chromium since
#: version 131 (and by Firefox, WeasyPrint, Prince); ``{page}`` is the word "page".
_PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm;
  @bottom-right { content: "{page} " counter(page) " / " counter(pages);
                  font: 8.5pt "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
                  color: #555; } }
@media print {
  body { font-size: 9.5pt; }
  h1 { font-size: 14pt; } h2 { font-size: 11.5pt; margin-top: 1em; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  h2 + p, h2 + table, h2 + ul { break-before: avoid; page-break-before: avoid; }
  thead { display: table-header-group; }
  tr, li, .legend, .keep { break-inside: avoid; page-break-inside: avoid; }
  svg { width: 165mm; height: auto; break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  td.ok, td.bad, .legend span { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _path(geom: shapely.Geometry, tx) -> str:
    parts = []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        if poly.geom_type == "Polygon":
            rings = [poly.exterior, *poly.interiors]
            for ring in rings:
                xy = [tx(x, y) for x, y in ring.coords]
                parts.append("M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in xy) + " Z")
        elif poly.geom_type == "LineString":
            xy = [tx(x, y) for x, y in poly.coords]
            parts.append("M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in xy))
    return " ".join(parts)


@dataclass(frozen=True)
class _Frame:
    """The square of the map (metric CRS) and its scale to SVG pixels (y down)."""

    x0: float
    y0: float
    size_m: float
    width_px: int

    @property
    def k(self) -> float:
        return self.width_px / self.size_m

    @property
    def box(self) -> shapely.Polygon:
        return shapely.box(self.x0, self.y0, self.x0 + self.size_m, self.y0 + self.size_m)

    def tx(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.x0) * self.k, (self.y0 + self.size_m - y) * self.k

    @property
    def tolerance_m(self) -> float:
        """Half a pixel, in metres: geometries are simplified to it (Douglas-Peucker) before
        drawing, which changes nothing visible and keeps a province's page small."""
        return 0.5 / self.k

    def simple(self, geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.simplify(geom, self.tolerance_m, preserve_topology=True)

    def lines_path(self, geoms: Any, attributes: str) -> list[str]:
        """Every line of ``geoms`` inside the frame as ONE SVG path (no tooltip), computed
        array-wise: a province's roads or extensions."""
        g = self.simple(shapely.intersection(np.asarray(geoms, dtype=object), self.box))
        parts = shapely.get_parts(g)
        parts = parts[(shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)]
        if not len(parts):
            return []
        xy, index = shapely.get_coordinates(parts, return_index=True)
        a, b = (xy[:, 0] - self.x0) * self.k, (self.y0 + self.size_m - xy[:, 1]) * self.k
        first = np.r_[True, index[1:] != index[:-1]]
        d = " ".join(f"{'M' if m else 'L'}{u:.1f},{v:.1f}" for m, u, v in zip(first, a, b))
        return [f'<path d="{d}" fill="none" {attributes}/>']

    def line_paths(self, geom: shapely.Geometry, attributes: str, title: str = "") -> list[str]:
        """An SVG path per line of ``geom`` inside the frame."""
        g = self.simple(geom.intersection(self.box))
        tip = f"<title>{escape(title)}</title>" if title else ""
        return [f'<path d="{_path(part, self.tx)}" fill="none" {attributes}>{tip}</path>'
                for part in getattr(g, "geoms", [g])
                if part.geom_type == "LineString" and not part.is_empty]


@dataclass
class _Label:
    """A text to write on the SVG map near (x, y) (px): the candidate offsets are tried in
    order (dx, dy, text-anchor) and the first that overlaps nothing placed before is used;
    a ``required`` label is written even when all overlap; a ``numbered`` one (a tower's) is
    then written as a number keyed under the map, if that finds room; another one is left out
    (its symbol keeps the text as a tooltip)."""

    x: float
    y: float
    text: str  # escaped
    size: float
    offsets: tuple[tuple[float, float, str], ...]
    attrs: str = ""
    required: bool = False
    numbered: bool = False
    symbol: tuple[float, float, float, float] | None = None  # a numbered label's own symbol

    def box(self, dx: float, dy: float, anchor: str) -> tuple[float, float, float, float]:
        from html import unescape

        width = len(unescape(self.text)) * self.size * (0.6 if "bold" in self.attrs else 0.55)
        x = self.x + dx - {"start": 0.0, "middle": width / 2, "end": width}[anchor]
        y = self.y + dy
        return x, y - 0.8 * self.size, x + width, y + 0.25 * self.size


_AROUND = ((9, 4, "start"), (-9, 4, "end"), (0, -10, "middle"), (0, 16, "middle"))


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
              ) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass
class _Key:
    """The labels a map wrote as numbers (``numbered``: their escaped texts, the first
    written as 1) and those it left out for want of room (``left_out``)."""

    numbered: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def _place_labels(labels: list[_Label], taken: list[tuple[float, float, float, float]],
                  width_px: int, key: _Key | None = None) -> list[str]:
    """The labels as SVG text, each where it overlaps no symbol (``taken``) and no label
    placed before it (labels in order of importance), inside the map. With ``key``, a
    ``numbered`` label that finds no room is written as the next number where that fits
    (found by a review of the printed report: on a dense map a tower's label was left out,
    and paper has no tooltips), and ``key`` gets its text, or is told it was left out."""
    from dataclasses import replace

    out = []
    for lab in labels:
        chosen = _free_spot(lab, taken, width_px)
        title = ""
        if chosen is None and lab.numbered and key is not None:
            # on its own symbol first (the number's halo keeps it legible), else around it
            number = replace(lab, text=str(len(key.numbered) + 1), numbered=False,
                             offsets=((0.0, 4.0, "middle"), *lab.offsets))
            chosen = _free_spot(number, [t for t in taken if t != lab.symbol], width_px)
            if chosen is None:
                key.left_out.append(lab.text)
                continue
            key.numbered.append(lab.text)
            lab, title = number, f"<title>{lab.text}</title>"
        if chosen is None and not lab.required:
            continue
        if chosen is None:  # required: shortened, in a free spot if one fits, else anyway
            lab, title = _fitted(lab, width_px, _REQUIRED_LABEL_CHARS)
            chosen = _free_spot(lab, taken, width_px)
        if chosen is None:  # inside the map all the same
            dx, dy, anchor = lab.offsets[0]
            x0, y0, x1, y1 = lab.box(dx, dy, anchor)
            dx += max(0.0, 2 - x0) - max(0.0, x1 - (width_px - 2))
            dy += max(0.0, 2 - y0) - max(0.0, y1 - (width_px - 2))
        else:
            dx, dy, anchor = chosen
        taken.append(lab.box(dx, dy, anchor))
        out.append(f'<text x="{lab.x + dx:.0f}" y="{lab.y + dy:.0f}" font-size="{lab.size:g}" '
                   f'text-anchor="{anchor}" paint-order="stroke" stroke="#fff" '
                   f'stroke-width="3" stroke-linejoin="round"{lab.attrs}>{title}{lab.text}'
                   "</text>")
    return out


#: The most characters of a required label (a hamlet's name) that found no free spot: the
#: whole name is in the tables and the label's SVG title.
_REQUIRED_LABEL_CHARS = 28


def _free_spot(lab: _Label, taken: list[_Box], width_px: int
               ) -> tuple[float, float, str] | None:
    """The first of ``lab``'s offsets where it lies inside the map and overlaps nothing
    ``taken``; None when none does."""
    for dx, dy, anchor in lab.offsets:
        box = lab.box(dx, dy, anchor)
        inside = box[0] >= 2 and box[1] >= 2 and box[2] <= width_px - 2 \
            and box[3] <= width_px - 2
        if inside and not any(_overlaps(box, t) for t in taken):
            return dx, dy, anchor
    return None


def _fitted(lab: _Label, width_px: int, most_chars: int) -> tuple[_Label, str]:
    """``lab`` with its text cut (with "…") to ``most_chars`` characters and to a width the
    map holds with room to spare (the width is estimated), and the whole text as an SVG
    title ("" when nothing is cut; found by a review of the printed report: a name of 200
    characters ran 355 px beyond the map's left edge, over the other names)."""
    from dataclasses import replace
    from html import unescape

    x0, _, x1, _ = lab.box(*lab.offsets[0])
    text = unescape(lab.text)
    keep = min(most_chars, int(len(text) * 0.8 * (width_px - 8) / max(x1 - x0, 1.0)))
    if len(text) <= keep:
        return lab, ""
    return (replace(lab, text=escape(text[:max(keep - 1, 1)].rstrip() + "…")),
            f"<title>{lab.text}</title>")


def _svg_hamlets(project: Project, f: _Frame, fill: dict[str, str], names_shown: bool = True
                 ) -> tuple[list[str], list[_Label]]:
    """Hamlet areas, and their names (placed with the other labels, over everything; with
    ``names_shown`` False only as tooltips)."""
    if project.hamlets is None:
        return [], []
    shapes, names = [], []
    for h in table_rows(project.hamlets[project.hamlets.intersects(f.box)]):
        geom = f.simple(h.geometry.intersection(f.box))
        name = escape(str(h["name"]))
        shapes.append(f'<path d="{_path(geom, f.tx)}" fill="{fill.get(h["hamlet_id"], "#e8f0d8")}"'
                      f' stroke="#6b8e23" stroke-width="{1.5 if names_shown else 0.5}">'
                      f'<title>{name}</title></path>')
        if not names_shown:
            continue
        a, b = f.tx(*geom.representative_point().coords[0])
        names.append(_Label(a, b, name, 12, ((0, 0, "middle"), (0, -14, "middle"),
                                             (0, 14, "middle"), (0, -28, "middle"),
                                             (0, 28, "middle")),
                            ' fill="#33691e"', required=True))
    return shapes, names


_Box = tuple[float, float, float, float]


def _svg_constraints(project: Project, f: _Frame) -> tuple[list[str], list[_Label], list[_Box]]:
    if project.constraints is None:
        return [], [], []
    out, labels, taken = [], [], []
    for c in table_rows(project.constraints[project.constraints.intersects(f.box)]):
        a, b = f.tx(c.geometry.centroid.x, c.geometry.centroid.y)
        label = escape(str(c.get("name") or c["kind"]))
        out.append(f'<rect x="{a - 5:.1f}" y="{b - 5:.1f}" width="10" height="10" '
                   f'fill="#8e24aa"><title>{label}</title></rect>')
        labels.append(_Label(a, b, label, 10, ((7, 4, "start"), *_AROUND[1:]),
                             ' fill="#6a1b9a"'))
        taken.append((a - 5, b - 5, a + 5, b + 5))
    return out, labels, taken


def _svg_towers(towers: gpd.GeoDataFrame | None, f: _Frame, drawn: dict[str, str]
                ) -> tuple[list[str], list[_Label], list[_Box]]:
    """Towers (as the analysis or the check grouped them) as triangles (an operator's
    colour, black when shared, a dashed outline when planned), their labels and boxes;
    ``drawn`` gets the legend's entries of what was drawn ({operator or "shared"/"planned":
    colour})."""
    if towers is None:
        return [], [], []
    out, labels, taken = [], [], []
    seen: dict[str, str] = {}
    for t in table_rows(towers):
        if not f.box.contains(t.geometry):
            continue
        a, b = f.tx(t.geometry.x, t.geometry.y)
        ops = t["operators"].split(", ")
        colour = operator_colour(ops[0], seen) if len(ops) == 1 else "#000"
        drawn[ops[0] if len(ops) == 1 else "shared"] = colour
        # a planned tower is white with a dashed black outline and its operator's colour
        # inside (found by a review: a dashed outline on MobiFone's dark fill, or in
        # Vietnamobile's yellow on white, could not be seen)
        planned = t["status"] == "planned"
        paint = ('fill="#fff" stroke="#000" stroke-width="1.5" stroke-dasharray="3 2"'
                 if planned else f'fill="{colour}" stroke="#000"')
        if planned:
            drawn["planned"] = "#fff"
        label = escape(f"{t['tower_id']} ({t['operators']})")
        out.append(f'<polygon points="{a:.1f},{b - 8:.1f} {a - 7:.1f},{b + 5:.1f} '
                   f'{a + 7:.1f},{b + 5:.1f}" {paint}>'
                   f'<title>{label}</title></polygon>')
        if planned:
            out.append(f'<polygon points="{a:.1f},{b - 3:.1f} {a - 3:.1f},{b + 2.5:.1f} '
                       f'{a + 3:.1f},{b + 2.5:.1f}" fill="{colour}"/>')
        taken.append((a - 7, b - 8, a + 7, b + 5))
        labels.append(_Label(a, b, label, 10, _AROUND, numbered=True, symbol=taken[-1]))
    return out, labels, taken


def svg_map(project: Project, centre: shapely.Point, half_size_m: float = 1500.0,
            width_px: int = 640, marks: list[dict[str, Any]] | None = None,
            circles_m: Sequence[float] = (), hamlet_fill: dict[str, str] | None = None,
            lines: Sequence[tuple[shapely.Geometry, str, str]] = (), north: str = "N",
            aria_label: str = "map", legend_lang: str | None = None,
            legend_html: str = "", towers: gpd.GeoDataFrame | None = None) -> str:
    """An inline SVG map around ``centre`` (metric CRS): hamlets with names (filled by
    ``hamlet_fill`` {hamlet_id: colour}), roads, ``lines`` [(geometry, colour, label)], towers
    by operator, constraint features, and ``marks`` ({x, y, label, colour}); a scale bar and
    a north arrow (``north``: the letter for north). Labels are placed so that they do not
    overlap each other or the symbols (names of hamlets and marks always shown, a tower's or
    constraint's only where there is room; each symbol keeps its text as a tooltip).
    Geometries are simplified to half a pixel. With more than
    ``settings.MAP_HAMLETS_DETAILED_MAX`` hamlets (a province), the hamlet and tower names are
    tooltips only, towers not drawn, the marks small dots with their names as tooltips, the
    roads and each colour of ``lines`` one path each (their labels left to the tables) and
    the scale bar in kilometres; on a map wider than ``settings.PRINT_MAP_NAMES_MAX_M`` the
    hamlet names alone are tooltips only (towers and marks as on any map).
    ``legend_lang``: a legend of the towers and constraint features drawn follows the map,
    in that language (paper has no tooltips: found by a review of the printed report), after
    the caller's own entries ``legend_html`` (escaped). ``towers``: the towers as the
    analysis or the check grouped them (``engines.sharing.towers`` with the scenario's
    ``[sharing] tower_distance_m``; a review found the maps regrouping them at the default
    25 m, so that the report's map and its M5 table counted different towers); None: the
    project's sites grouped so."""
    if towers is None and project.sites is not None:  # as the analysis groups them
        from coverage_gis.engines.sharing import SharingParams
        from coverage_gis.engines.sharing import towers as group

        towers = group(project.sites, SharingParams.from_scenario(
            project.scenario.parameters).tower_distance_m)
    f = _Frame(centre.x - half_size_m, centre.y - half_size_m, 2 * half_size_m, width_px)
    light = (project.hamlets is not None
             and len(project.hamlets) > settings.MAP_HAMLETS_DETAILED_MAX)
    names = not light and f.size_m <= settings.PRINT_MAP_NAMES_MAX_M
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{width_px}" '
           f'viewBox="0 0 {width_px} {width_px}" role="img" aria-label="{escape(aria_label)}">']
    hamlet_shapes, hamlet_names = _svg_hamlets(project, f, hamlet_fill or {}, names)
    out += hamlet_shapes
    if project.roads is not None:
        roads = project.roads[project.roads.intersects(f.box)].geometry
        if light:
            out += f.lines_path(roads.values, 'stroke="#aaa" stroke-width="1"')
        else:
            for g in roads:
                out += f.line_paths(g, 'stroke="#aaa" stroke-width="1"')
    by_colour: dict[str, list[shapely.Geometry]] = {}
    for geom, colour, label in lines:
        if light:
            by_colour.setdefault(colour, []).append(geom)
        else:
            out += f.line_paths(geom, f'stroke="{colour}" stroke-width="3"', label)
    for colour, geoms in by_colour.items():
        out += f.lines_path(geoms, f'stroke="{colour}" stroke-width="2"')
    a, b = f.tx(centre.x, centre.y)
    out += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{r * f.k:.1f}" fill="none" '
            'stroke="#555" stroke-dasharray="4 3"/>' for r in circles_m]
    symbols, labels, taken = _svg_constraints(project, f)
    drawn: dict[str, str] = {"constraint": "#8e24aa"} if symbols else {}
    tower_symbols, tower_labels, tower_taken = (_svg_towers(towers, f, drawn) if not light
                                                else ([], [], []))
    out += symbols + tower_symbols
    mark_labels = []
    for m in marks or []:
        a, b = f.tx(m["x"], m["y"])
        out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{3 if light else 7}" '
                   f'fill="{m.get("colour", "red")}" stroke="#000" '
                   f'stroke-width="{1 if light else 2}"><title>{escape(m["label"])}</title>'
                   '</circle>')
        if light:
            continue
        taken.append((a - 8, b - 8, a + 8, b + 8))
        mark_labels.append(_Label(a, b, escape(m["label"]), 13,
                                  ((10, -8, "start"), (-10, -8, "end"), (10, 18, "start"),
                                   (-10, 18, "end")), ' font-weight="bold"', required=True))
    # a round length about a fifth of the map (found by a review of the printed report: a
    # fixed 500 m was 8 px long on a map of 20 units)
    bar = max(b for b in (50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5)
              if b <= max(f.size_m / 5, 50.0))
    taken += [(0, width_px - 42, 20 + bar * f.k + 10, width_px), (width_px - 45, 0, width_px, 32)]
    key = _Key() if legend_lang is not None else None
    out += _place_labels(mark_labels + hamlet_names + tower_labels + labels,
                         taken + tower_taken, width_px, key)
    out.append(f'<path d="M20,{width_px - 20} h{bar * f.k:.1f}" stroke="#000" stroke-width="3"/>'
               f'<text x="20" y="{width_px - 26}" font-size="11">'
               f'{f"{bar / 1000:g} km" if bar >= 1000 else f"{bar:g} m"}</text>'
               f'<text x="{width_px - 20}" y="24" font-size="16" text-anchor="middle">'
               f'{escape(north)} ↑</text></svg>')
    if legend_html or (legend_lang is not None and drawn):
        symbols_html = _symbols_legend(drawn, legend_lang) if legend_lang is not None else ""
        out.append(f'<p class="legend small">{legend_html}{symbols_html}</p>')
    if key is not None and legend_lang is not None and (key.numbered or key.left_out):
        out.append(_key_html(key, legend_lang))
    return "\n".join(out)


def _key_html(key: _Key, lang: str) -> str:
    """The towers written as numbers on a printed map, with their labels, and how many found
    no room even for a number (towers.csv lists them all)."""
    w = i18n.words(lang)
    parts = []
    if key.numbered:
        items = "; ".join(f"<b>{n}</b> {text}" for n, text in enumerate(key.numbered, 1))
        parts.append(f"{escape(w['legend_numbered'])} {items}.")
    if key.left_out:
        parts.append(escape(w["legend_left_out"].format(n=len(key.left_out))))
    return f'<p class="legend small">{" ".join(parts)}</p>'


def _symbols_legend(drawn: dict[str, str], lang: str) -> str:
    """The legend of the towers and constraint features a printed map drew (``drawn``:
    {operator, "shared", "planned" or "constraint": colour}): a line of small symbols."""
    w = i18n.words(lang)
    items = []
    for key, colour in drawn.items():
        if key == "constraint":
            icon = f'<rect x="2" y="2" width="10" height="10" fill="{colour}"/>'
            text = w["legend_constraint"]
        else:
            dash = (' stroke-width="1.5" stroke-dasharray="3 2"' if key == "planned"
                    else "")
            icon = (f'<polygon points="7,1 1,12 13,12" fill="{colour}" stroke="#000"'
                    f'{dash}/>')
            text = (w["legend_tower_shared"] if key == "shared" else
                    w["legend_tower_planned"] if key == "planned" else
                    w["legend_tower"].format(operator=key))
        items.append('<span class="sym"><svg width="14" height="14" viewBox="0 0 14 14" '
                     f'aria-hidden="true">{icon}</svg> {escape(text)}</span>')
    return " ".join(items)


def _value(key: str, value: Any, none: str = "none") -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) or none
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or none
    if isinstance(value, float) and key.lower().startswith("m4"):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


#: A run of this many characters without a space (an id, a name without spaces) gets places
#: where a line may break (``<wbr>``) every ``_BREAK_EVERY`` characters.
_LONG_WORD = re.compile(r"\S{25,}")
_BREAK_EVERY = 12


def breakable(text: str) -> str:
    """``text`` escaped for HTML, with a ``<wbr>`` every 12 characters of each run of 25 or
    more without a space: found by fuzzing, a 300-character hamlet name without spaces widened
    its table past A4 and the printed report shrank to 6 pt (CSS alone would also break
    short values such as "250" in tables tight on the page)."""
    out, last = [], 0
    for m in _LONG_WORD.finditer(text):
        word = m.group()
        out.append(escape(text[last:m.start()]))
        out.append("<wbr>".join(escape(word[i:i + _BREAK_EVERY])
                                for i in range(0, len(word), _BREAK_EVERY)))
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _rows(items: list[tuple[str, Any]], none: str = "none") -> str:
    return "".join(f"<tr><th>{escape(str(k))}</th><td>{breakable(_value(str(k), v, none))}"
                   "</td></tr>" for k, v in items)


def _pct(v: Any, lang: str = "vi", against: float | None = None) -> str:
    """A share in whole percent in ``lang``, written against ``against`` (a target) so that
    rounding never puts it on the target's other side (:func:`i18n.percent_text`)."""
    return i18n.percent_text(v, lang, 0, against)


def _made_text(analysis: Any, w: dict[str, str], lang: str) -> str:
    """When the analysis ran and with which version (found by a review of the printed
    report: a page with no date nor version, where the tower check's carries both)."""
    return w["report_made"].format(when=i18n.datetime_text(analysis.computed_at, lang),
                                   version=analysis.software_version or "–")


def _indicator_value(value: float, unit: str, lang: str = "vi",
                     against: float | None = None) -> str:
    """An indicator's value (per 100, or a share) with one decimal in ``lang``, written
    against its target ``against`` (found by a cross-output review: F1 at 74.96 % was shown
    "75.0%" against a target of 75.0 % and "not met")."""
    if value is None or not np.isfinite(value):
        return "–"
    if unit != "per 100":
        return i18n.percent_text(value, lang, 1, against)
    shown = value if against is None else rounded_against(value, against - TARGET_TOLERANCE, 1, 3)
    return i18n.number_text(shown, lang, decimals_shown(shown, 1))


def _table(df, columns: list[tuple[str, str, Any]]) -> str:
    head = "".join(f"<th>{escape(title)}</th>" for _, title, _ in columns)
    body = []
    for r in table_rows(df):
        cells = []
        for col, _, fmt in columns:
            v = r.get(col)
            text = fmt(v) if fmt else ("–" if v is None or (isinstance(v, float) and
                                                             np.isnan(v)) else str(v))
            cells.append(f"<td>{breakable(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _kind(w: dict[str, str]) -> Any:
    """A formatter of the engines' ``kind`` codes (sharing candidates, suggested sites)."""
    return lambda v: w.get(f"kind_{v}", str(v))


def _yes(v: Any, w: dict[str, str] | None = None) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "–"
    w = w or i18n.words("en")
    return w["yes"] if bool(v) else w["no"]


def _raw_row(row: pd.Series, analysis: Any) -> pd.Series | None:
    """The scorecard row before wording (``analysis.scorecard``: basis codes, statistics
    columns) of a worded row."""
    raw = getattr(analysis, "scorecard", None)
    if raw is None or not len(raw):
        return None
    match = raw[(raw["indicator"] == row["indicator"]) & (raw["year"] == row["year"])
                & (raw["source"] == row["source"])]
    return match.iloc[0] if len(match) else None


def _stat_counts(r: pd.Series, w: dict[str, str]) -> list[str]:
    """A statistics row's counts in words: each statistics column with its value, or that it
    is missing."""
    out = []
    for count, col in (("numerator", "numerator_column"), ("denominator", "denominator_column")):
        name = w.get(f"stat_{r[col]}", str(r[col]))
        out.append(w["basis_count"].format(name=name, value=f"{r[count]:.15g}")
                   if pd.notna(r[count]) else w["basis_missing"].format(name=name))
    return out


def _rule_words(ind: Any, analysis: Any, w: dict[str, str], lang: str) -> str:
    """How M4's or F2's hamlets were judged, in words of ``lang``."""
    from coverage_gis.outputs.fibre_text import rule_text as fibre_rule
    from coverage_gis.outputs.indicators import mobile_rule_text

    p = ind.rule_params
    if ind.rule == "mobile_broadband_share":
        return mobile_rule_text(p, lang)
    params = analysis.fibre.params if getattr(analysis, "fibre", None) is not None else None
    if params is None:
        return ""
    return "; ".join(fibre_rule(code, params, lang) for code in p.get("used", ()))


def _basis_text(row: pd.Series, analysis: Any, w: dict[str, str], lang: str) -> str:
    """The scorecard's ``basis`` in words of ``lang`` (English: as ``scorecard.csv`` has
    it)."""
    raw = _raw_row(row, analysis) if lang != "en" else None
    if raw is None:
        return str(row["basis"])
    from coverage_gis.engines.indicators import HamletIndicator, SharingIndicator

    code = raw["basis"]
    if code == "statistics":
        text = " / ".join(_stat_counts(raw, w))
        f1 = analysis.indicators.f1 if row["indicator"] == "F1" else None
        if row["indicator"] == "F1" and raw["numerator_column"] == "ftth_subscriptions":
            text += "; " + w["basis_total_only"]
        if f1 is not None and f1.year == row["year"]:
            text += "".join("; " + w[f"f1_flag_{c}"].format(
                subs=f1.subscriptions, passed=f1.homes_passed, ports=f1.ports_used)
                for c in f1.flags)
        return text
    if code in ("no_statistics", "statistics_not_per_unit", "not_computed", "no_hamlets",
                "no_towers", "no_households", "homes_passed"):
        ind = getattr(analysis.indicators, str(row["indicator"]).lower(), None)
        return w[f"basis_{code}"].format(passed=f"{row['numerator']:.15g}",
                                         households=f"{row['denominator']:.15g}",
                                         n=len(getattr(ind, "unmeasured_hamlets", ())))
    ind = getattr(analysis.indicators, str(row["indicator"]).lower(), None)
    if isinstance(ind, SharingIndicator):
        r = ind.existing
        return w["basis_sharing"].format(
            shared=r.shared, total=r.total, unit=w[f"unit_{r.method}"],
            where=w["where_inside_unit"] if ind.scope == "inside_unit" else "",
            method=w[f"method_{r.method}"]) + (
            w["approximate_towers"].format(n=ind.towers_approximate)
            if ind.towers_approximate else "")
    if isinstance(ind, HamletIndicator):
        from coverage_gis.outputs.indicators import unmeasured_text

        return w["basis_hamlets"].format(covered=ind.covered_hamlets, hamlets=ind.hamlets,
                                         rule=_rule_words(ind, analysis, w, lang)
                                         ) + unmeasured_text(ind, lang)
    return str(row["basis"])


def _scorecard_section(scorecard_df: pd.DataFrame, w: dict[str, str], lang: str,
                       analysis: Any = None) -> str:
    """The scorecard: one row per indicator and source, one column per year (names, sources
    and the basis in ``lang``)."""
    yes = lambda v: _yes(v, w)  # noqa: E731
    years = sorted({int(y) for y in scorecard_df["year"].dropna()})
    # judged in the study's year where the rows have it, else their latest (found by a
    # cross-output review: a 2024 study's report judged M3 by 2025's statistics)
    study_year = getattr(getattr(getattr(analysis, "project", None), "scenario", None),
                         "year", None)
    sc_rows = []
    for (ind, source), grp in scorecard_df.groupby(["indicator", "source"], sort=False):
        first = grp.iloc[0]
        by_year = {int(r["year"]): r for r in table_rows(grp) if pd.notna(r["year"])}
        if not by_year:
            continue
        judged = study_year if study_year in by_year else max(by_year)
        last = by_year[judged]
        met = last["met"]
        cls = "" if met is None or (isinstance(met, float) and np.isnan(met)) else (
            ' class="ok"' if met else ' class="bad"')
        shown = {y: _indicator_value(r["value"], first["unit"], lang, r["target"])
                 for y, r in by_year.items()}
        # a value and its unit never part ("79.0 %": a review found "%" alone on a printed line)
        values = "".join(f"<td class='value'>{escape(shown[y])}</td>" if y in by_year
                         else "<td></td>" for y in years)
        names = (escape(first['name_vi']) if lang == "vi"  # the plan's own words
                 else f"{escape(first['name_en'])}<br><span class='small'>"
                      f"{escape(first['name_vi'])}</span>")
        sc_rows.append(
            f"<tr><td>{escape(ind)}</td><td>{names}</td>{values}"
            f"<td class='value'>{escape(_indicator_value(first['target'], first['unit'], lang))}"
            "</td>"
            f"<td{cls}>{escape(yes(met))}"
            f"{'' if study_year is None or judged == study_year else f' ({judged})'}</td>"
            f"<td>{escape(w.get(f'source_{source}', source))}</td>"
            f"<td class='small'>{escape(_basis_text(last, analysis, w, lang))}</td></tr>")
    year_heads = "".join(f"<th>{y}</th>" for y in years)
    met_head = (w["met_latest"] if study_year is None
                else w["met_year"].format(year=study_year))
    scorecard_table = (f"<table><thead><tr><th>{w['id']}</th><th>{w['indicator']}</th>"
                       f"{year_heads}<th>{w['target_2025']}</th><th>{escape(met_head)}</th>"
                       f"<th>{w['source']}</th><th>{w['basis_latest']}</th></tr></thead><tbody>"
                       + "".join(sc_rows) + "</tbody></table>"
                       + f"<p class='small'>{escape(w['targets_from'])}: "
                       f"{escape(settings.PLAN_TARGETS_SOURCE)}.</p>")
    return scorecard_table


def _report_svg(analysis: Any, w: dict[str, str], lang: str = "vi", legend: str = "") -> str:
    """The report's map: hamlets coloured by what they lack, fibre extensions, suggested
    sites."""
    p = analysis.project
    hamlets = analysis.hamlets
    fill = {}
    for h in table_rows(hamlets):  # a target not computed: not short (the legend says so)
        fill[h["hamlet_id"]] = style.hamlet_status_colour(hamlet_status(h))
    lines = []
    if analysis.fibre is not None:
        for e in table_rows(analysis.fibre.extensions):
            if e.geometry is not None and not e.geometry.is_empty:
                lines.append((e.geometry, style.EXTENSION,
                              f"{w['legend_extension']} {e['hamlet_id']}: "
                              f"{e['length_m']:.0f} m"))
    marks = []
    sugg = getattr(analysis, "suggestions", None)
    if sugg is not None:
        for r in table_rows(sugg):
            marks.append({"x": r.geometry.x, "y": r.geometry.y,
                          "label": f"{w['legend_site']} {r['rank']}",
                          "colour": style.SUGGESTED})
    minx, miny, maxx, maxy = shown_extent(p)
    centre = shapely.Point((minx + maxx) / 2, (miny + maxy) / 2)
    half = max(maxx - minx, maxy - miny) / 2 + 400
    for m in marks:
        half = max(half, abs(m["x"] - centre.x) + 300, abs(m["y"] - centre.y) + 300)
    svg = svg_map(p, centre, half_size_m=half, width_px=760, marks=marks, hamlet_fill=fill,
                  lines=lines, north=w["north"], aria_label=w["map"], legend_lang=lang,
                  legend_html=legend, towers=analysis.towers)
    return svg


def _gaps_section(analysis: Any, w: dict[str, str], lang: str, units: Any = None) -> str:
    """The hamlets short of a target and what closes the gaps; in a province study each
    suggested site names its unit (code and, from ``units``, name: found by fuzzing, the
    ranks 1, 1, 2, 3, 1... of different units read as one list)."""
    hamlets = analysis.hamlets
    params = analysis.coverage.params
    sugg = getattr(analysis, "suggestions", None)
    yes = lambda v: _yes(v, w)  # noqa: E731
    gaps = []
    short_m = (hamlets[is_short(hamlets, "mobile_broadband_covered")]  # not: not measured
               if "mobile_broadband_covered" in hamlets else hamlets.iloc[0:0])  # no sites
    for h in table_rows(short_m):
        gaps.append("<li>" + escape(w["gap_mobile"].format(
            name=h["name"], hamlet_id=h["hamlet_id"],
            share=_pct(h["mobile_broadband_share"], lang, params.hamlet_share),
            of_what=w[f"of_{h.get('share_basis', 'households')}"],
            rule=_pct(params.hamlet_share, lang))) + "</li>")
    if sugg is not None and len(sugg):
        names = {u.code: u.name for u in units or ()}
        unit_col = ([("unit_code", w["unit_name"],
                      lambda v: f"{v} {names.get(str(v), '')}".strip())]
                    if "unit_code" in sugg and analysis.project.scenario.province is not None
                    else [])
        gaps.append(f"<li>{escape(w['gap_sites'])}" + _table(
            sugg, [*unit_col, ("rank", w["rank"], None), ("kind", w["kind"], _kind(w)),
                   ("tower_id", w["tower"], None), ("lon", w["lon"], lambda v: f"{v:.6f}"),
                   ("lat", w["lat"], lambda v: f"{v:.6f}"),
                   ("inside_commune", w["inside_commune"], yes),
                   ("households_gained", w["households_gained"], None),
                   ("m4_after", w["m4_after_col"], lambda v: _pct(v, lang))]) + "</li>")
    if analysis.fibre is not None:
        for e in table_rows(analysis.fibre.extensions):
            length = (w["no_road_path"] if not np.isfinite(e["length_m"])
                      else w["cable"].format(metres=f"{e['length_m']:.0f}"))
            start = e.get("from_access_point")  # none: no path (it said "from nan")
            text = w["gap_ftth"].format(hamlet_id=e["hamlet_id"], length=length,
                                        start=w["from_start"].format(start=start)
                                        if isinstance(start, str) and start else "",
                                        added=int(e["households_added"]),
                                        meets=yes(e["meets_rule"]))
            note = "; ".join(t for t in (note_text(e.get("note_code"), analysis.fibre.params,
                                                   lang), build_text(e, lang)) if t)
            gaps.append(f"<li>{escape(text)} <span class='small'>{escape(str(note))}</span>"
                        "</li>")
    if (sugg is not None and not len(sugg)
            and sugg.attrs.get("note") == "no_gain_inside_unit"):
        gaps.append(f"<li>{escape(w['no_sites_inside'])}</li>")
    gaps_html = "<ul>" + ("".join(gaps) or f"<li>{escape(w['no_gaps'])}</li>") + "</ul>"
    return gaps_html


def _f1_notes(analysis: Any, w: dict[str, str]) -> str:
    """Under the scorecard: F1 counted from all subscriptions, and F1's data-quality flags."""
    f1 = getattr(analysis.indicators, "f1", None)
    if f1 is None:
        return ""
    notes = [w["f1_total_only"]] if f1.note == "total_subscriptions_only" else []
    notes += [w[f"f1_flag_{c}"].format(subs=getattr(f1, "subscriptions", None),
                                       passed=f1.homes_passed, ports=f1.ports_used)
              for c in getattr(f1, "flags", ())]
    return "".join(f"<p class='small'>{escape(n)}</p>" for n in notes)


def rule_basis(value: float, default: float, table: str, w: dict[str, str]) -> str:
    """Where a hamlet rule's share comes from: this tool's default, or set for the study
    (``[table] hamlet_share``); a local setting either way, no regulation (found by a review:
    95 % and 80 % were printed bare, and the map called 95 % the target)."""
    key = "rule_basis_default" if abs(value - default) < 1e-12 else "rule_basis_set"
    return w[key].format(table=table)


def _fibre_assumptions(fibre: Any, w: dict[str, str], lang: str) -> list[tuple[str, str]]:
    """The fibre rows of the assumptions: reach and rule, and the GPON check."""
    fp = fibre.params
    rows = [(w["a_ftth"], w["ftth_text"].format(
        drop=fp.max_drop_m, detour=i18n.number_text(fp.detour_factor, lang),
        share=fp.hamlet_share,
        rule=w.get(f"ftth_rule_{fp.hamlet_rule}", fp.hamlet_rule))
        + f" ({rule_basis(fp.hamlet_share, settings.FIBRE_HAMLET_SHARE, 'fibre', w)})")]
    rows.append((w["a_planned_fibre"], w["counted"] if fp.include_planned
                 else w["not_counted"]))
    gpon = gpon_text(getattr(fibre, "gpon", None), getattr(fibre, "gpon_note", None), lang)
    if gpon:
        rows.append((w["a_gpon"], gpon))
    return rows


#: The source of each path-loss family (the report's assumptions; the README's models section).
_MODEL_SOURCES = {"extended_hata": "Report ITU-R SM.2028-2 §6.1", "hata": "Hata 1980",
                  "cost231": "COST 231 final report ch. 4",
                  "rma": "3GPP TR 38.901 Table 7.4.1-1", "uma": "3GPP TR 38.901 Table 7.4.1-1",
                  "free_space": "ITU-R P.525"}


def _pathloss_text(cells: pd.DataFrame, params: Any, w: dict[str, str]) -> str:
    """The models the cells use, each with its source and how many cells use it, the
    environment, and the tool's own assumptions where a cell's band needs them (Extended Hata
    above 3000 MHz, the 1400-1600 MHz crossfade: ``settings``)."""
    env = (f"{w['environment']}: {w.get('env_' + params.environment, params.environment)}"
           + (f"; {w['model']}: {model_name(params.model, w)}" if params.model else ""))
    if not len(cells):
        return env
    used = cells.groupby("model", sort=True).size()
    parts = []
    for code, n in used.items():
        base = "free_space" if code == "free_space" else str(code).rpartition("_")[0]
        source = _MODEL_SOURCES.get(base, _MODEL_SOURCES.get(str(code)))
        parts.append(f"{model_name(str(code), w)}"
                     + (f" ({source})" if source else "")
                     + f": {w['n_cells'].format(n=int(n))}")
    hata = cells[cells["model"].astype(str).str.startswith("extended_hata")]
    bands = hata["band_mhz"].to_numpy(float)
    lo, hi = settings.EXTENDED_HATA_SEAM_MHZ
    if (bands > EXTENDED_HATA_MAX_MHZ).any():
        parts.append(w["above_3ghz"].format(
            slope=settings.EXTENDED_HATA_ABOVE_3GHZ_DB_PER_DECADE))
    if ((bands > lo) & (bands < hi)).any():
        parts.append(w["hata_seam"].format(lo=lo, hi=hi))
    return "; ".join([*parts, env])


def _validity_text(cells: pd.DataFrame, w: dict[str, str]) -> str:
    """Which cells use their model outside its validity range (cells.csv ``model_validity``),
    by problem, naming up to ten cells each."""
    if "model_validity" not in cells or not len(cells):
        return w["none_word"]
    codes = cells["model_validity"].astype(str)
    if (codes == "ok").all():
        return w["validity_ok"]
    by_code: dict[str, list[str]] = {}
    for site, code in zip(cells["site_id"].astype(str), codes):
        for part in code.split("+"):
            if part != "ok":
                by_code.setdefault(part, []).append(site)
    parts = [f"{w.get('validity_' + c, c)}: " + ", ".join(ids[:10])
             + (f" (+{len(ids) - 10})" if len(ids) > 10 else "")
             for c, ids in sorted(by_code.items())]
    return w["validity_some"].format(n=int((codes != "ok").sum()), total=len(codes),
                                     list="; ".join(parts))


def _radio_assumptions(res: Any, w: dict[str, str], lang: str) -> list[tuple[str, str]]:
    """The coverage-probability, indoor-loss and clutter rows of the assumptions: target
    probability, shadow-fading sigma per model and margin, the building entry loss, the
    land-cover table."""
    params, cells = res.params, res.cells
    rows = []
    if "shadow_sigma_db" in cells and len(cells):
        by_model = cells.groupby("model")["shadow_sigma_db"].first()
        sigma = ", ".join(f"{s:g} dB ({model_name(m, w)})" for m, s in by_model.items())
        margin = ", ".join(sorted({f"{i18n.number_text(v, lang, 1)} dB"
                                   for v in cells["shadow_margin_db"]}))
        rows.append((w["a_probability"], w["probability_text"].format(
            p=params.location_probability, sigma=sigma, margin=margin)))
    if params.indoor:
        if params.indoor_loss_db is not None:
            text = w["indoor_flat"].format(loss=params.indoor_loss_db)
        else:
            bands = cells.groupby("band_mhz")["indoor_loss_db"].first() if len(cells) else {}
            examples = ", ".join(f"{i18n.number_text(v, lang, 1)} dB @ "
                                 f"{i18n.number_text(f, lang)} MHz" for f, v in bands.items())
            text = w["indoor_p2109"].format(building=w[f"building_{params.building_type}"],
                                            p=params.indoor_loss_probability,
                                            examples=examples)
            if params.indoor_loss_probability == 0.5:  # its spread is in sigma (a review)
                text += w["indoor_spread_in_sigma"]
        rows.append((w["a_indoor"], text))
    landcover = getattr(res, "landcover", None)
    if landcover is None:
        rows.append((w["a_clutter"], w["clutter_none"]))
    else:
        table = params.clutter_params
        losses = ", ".join(f"{c}: {v:g} dB" for c, v in sorted(table.losses_db.items()))
        flag = w["per_pixel_yes"] if table.environment_per_pixel else w["per_pixel_no"]
        rows.append((w["a_clutter"], w["clutter_text"].format(
            file=landcover.source, losses=losses, per_pixel=flag)))
    return rows


def _calibration_text(params: Any, w: dict[str, str], lang: str) -> str:
    """The path-loss calibration applied (the scenario's ``[calibration]``), in words."""
    cal = getattr(params, "path_loss_calibration", None)
    offsets = getattr(params, "clutter_offsets_db", None) or {}
    # its land-cover class offsets too (found by a review: hidden, and "not calibrated" with
    # offsets alone while levels moved by 3 dB)
    def signed(v: float) -> str:
        return ("+" if v >= 0 else "") + i18n.number_text(v, lang, 1)
    listed = ", ".join(f"{c}: {signed(v)} dB" for c, v in sorted(offsets.items()))
    by_class = w["calibration_classes"].format(offsets=listed) if offsets else ""
    if cal is None:
        return (w["calibration_classes_only"].format(offsets=listed) if offsets
                else w["not_calibrated"])
    source = ""
    if cal.fitted_from and cal.n is not None and cal.rmse_db is not None:
        source = w["calibration_source"].format(file=cal.fitted_from, n=cal.n,
                                                rmse=i18n.number_text(cal.rmse_db, lang, 1))
    return w["calibration_applied"].format(offset=signed(cal.offset_db),
                                           slope=signed(cal.slope_db_per_decade),
                                           ref=cal.reference_distance_m,
                                           source=source) + by_class


def _sharing_section(analysis: Any, w: dict[str, str], lang: str = "vi") -> str:
    """M5 (on the unit's territory, with the towers left out) and the sharing candidates."""
    m5 = analysis.indicators.m5
    if m5 is None:  # a study without sites
        return f"<p>{escape(i18n.skipped_text('sharing', 'no_sites', lang))}</p>"
    scope = (f"scope_{UNIT_BASES.get(m5.unit_basis or '', 'commune')}"
             if m5.scope == "inside_unit" else "scope_all_towers")
    html = "<p>" + escape(w["sharing_m5"].format(
        shared=m5.existing.shared, towers=m5.existing.total,
        value=_pct(m5.value, lang, m5.target), scope=w[scope],
        planned=_pct(m5.with_planned.value, lang, m5.target),
        realised=_pct(m5.if_candidates_realised.value, lang, m5.target))) + "</p>"
    if m5.scope == "inside_unit" and m5.towers_outside_unit:
        html += "<p>" + escape(w["sharing_outside"].format(
            outside=m5.towers_outside_unit)) + "</p>"
    cand = analysis.sharing_candidates
    if cand is not None and len(cand):
        yes = lambda v: _yes(v, w)  # noqa: E731
        cols = [("rank", w["rank"], None), ("kind", w["kind"], _kind(w)),
                ("tower_a", w["tower"], None), ("operators_a", w["operators"], None),
                ("tower_b", w["with_tower"], None), ("operators_b", w["operators"], None),
                ("distance_m", w["distance"], lambda v: f"{v:.0f} m")]
        cols += [(c, w[c], yes) for c in ("inside_unit_a", "inside_unit_b") if c in cand]
        html += _table(cand, cols)
    return html


def _skipped_section(analysis: Any, lang: str) -> str:
    """What the study left out and why (:func:`coverage_gis.pipeline.skipped_parts`), or
    nothing."""
    from coverage_gis.pipeline import skipped_parts

    items = "".join(f"<li>{escape(i18n.skipped_text(s.part, s.reason, lang))}</li>"
                    for s in skipped_parts(analysis))
    if not items:
        return ""
    return f"<h2>{escape(i18n.skipped_text('title', '', lang))}</h2><ul>{items}</ul>"


#: The recommendation each terrain method follows (the report's assumptions).
_TERRAIN_SOURCES = {"delta_bullington": "ITU-R P.1812 / P.452", "single": "ITU-R P.526",
                    "deygout": "ITU-R P.526"}


def _provenance_section(analysis: Any, lang: str) -> str:
    """Where each layer comes from: the user, a public source, defaults or the illustrative
    sample (:meth:`coverage_gis.io.project.Project.provenance`)."""
    w = i18n.words(lang)
    prov = analysis.project.provenance()
    if not len(prov):
        return ""
    text = lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)  # noqa: E731
    source = lambda r: (w.get(f"default_{r.layer}", text(r.source))  # noqa: E731
                        if r.kind == "default" else text(r.source))
    rows = "".join(
        f"<tr><td>{escape(w.get('layer_' + r.layer, r.layer))}</td>"
        f"<td>{escape(w['provenance_' + r.kind])}</td>"
        f"<td>{escape(source(r))}</td><td>{escape(text(r.licence))}</td>"
        f"<td>{escape(text(r.files))}</td></tr>" for r in prov.itertuples())
    return (f"<h2>{escape(w['provenance_title'])}</h2><table><thead><tr><th>{w['layer']}</th>"
            f"<th>{w['provenance_kind']}</th><th>{w['provenance_source']}</th>"
            f"<th>{w['provenance_licence']}</th><th>{w['provenance_files']}</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _units_section(analysis: Any, lang: str, units: Any = None, whole: Any = None) -> str:
    """The plan's old commune and the 2025 ward side by side
    (:func:`coverage_gis.pipeline.unit_indicators`, ``units`` when already computed): M4,
    M5, F2 for each, or nothing."""
    from coverage_gis.pipeline import unit_indicators

    units = unit_indicators(analysis) if units is None else units
    if not units:
        return ""
    if analysis.project.scenario.province is not None:
        return _province_section(analysis, units, lang, whole)
    w = i18n.words(lang)
    head = "".join(f"<th>{escape(w['unit_' + u.role])}<br>{escape(str(u.code or ''))} "
                   f"{escape(u.name)}</th>" for u in units)

    rows = [f"<tr><th>{escape(w['unit_hamlets'])}</th>" + "".join(
        f"<td>{len(u.hamlet_ids)}: {escape(', '.join(u.hamlet_ids))}<br>"
        f"{escape(w['unit_area_share'].format(share=_pct(u.hamlet_area_share, lang)))}</td>"
        for u in units)
        + "</tr>"]
    for key, label in (("m4", "M4"), ("m5", "M5"), ("f2", "F2")):
        cells = "".join(_unit_cell(getattr(u, key), key, lang) for u in units)
        rows.append(f"<tr><th>{label}</th>{cells}</tr>")
    outline = "; ".join(f"{u.code}: {w['outline_' + u.basis]}" for u in units)
    # what is shown: the plan's unit, the 2025 one, or both (found by a review: "the plan's
    # commune and the ward" above a xã's one column)
    title = w["units_title"].format(units=w["units_title_and"].join(
        w[f"units_title_{r}"] for r in dict.fromkeys(u.role for u in units)
        if f"units_title_{r}" in w))
    return (f"<h2>{escape(title)}</h2><table><thead><tr><th></th>{head}</tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p class=\"small\">{escape(w['units_note'])} {escape(outline)}</p>")


def _unit_cell(ind: Any, key: str, lang: str) -> str:
    """A unit's M4, M5 or F2 (``key``) in a table cell with its counts: marked met or not
    met, or neither when there is nothing to count or to judge (found by a review: units with
    no data were painted as missed targets; M5 over estimated tower positions)."""
    from coverage_gis.engines.indicators import SharingIndicator

    if ind is None:
        return "<td>–</td>"
    counts = (f"{ind.existing.shared}/{ind.existing.total}" if key == "m5"
              else f"{ind.covered_hamlets}/{ind.hamlets}")
    if not isinstance(ind, SharingIndicator) and ind.unmeasured_hamlets:
        counts += "; " + i18n.words(lang)["unmeasured_short"].format(
            n=len(ind.unmeasured_hamlets))
    met = ind.met
    if ind.value is None or met is None:
        return f"<td>{_pct(ind.value, lang)} ({counts})</td>"
    return (f"<td class=\"{'ok' if met else 'bad'}\">{_pct(ind.value, lang, ind.target)} "
            f"({counts})</td>")


def _province_section(analysis: Any, units: Any, lang: str, whole: Any = None) -> str:
    """A province study's units, one row each after the whole province's (``whole``, when
    already computed: :func:`coverage_gis.pipeline.province_indicators`): hamlets, M4, M5
    and F2 with their counts (the units add up to the province)."""
    from coverage_gis.pipeline import province_indicators

    w = i18n.words(lang)
    whole = province_indicators(analysis) if whole is None else whole

    def row(u: Any, name: str) -> str:
        # how much of the unit its hamlets cover (found by a review: a partial survey read
        # as the unit's M4)
        share = ("" if u.hamlet_area_share is None or not u.hamlet_ids else "<br>"
                 + escape(w["unit_area_share"].format(share=_pct(u.hamlet_area_share, lang))))
        return (f"<tr><td>{escape(str(u.code or ''))}</td><td>{escape(name)}</td>"
                f"<td>{len(u.hamlet_ids)}{share}</td>"
                + "".join(_unit_cell(getattr(u, k), k, lang) for k in ("m4", "m5", "f2"))
                + "</tr>")

    rows = ([row(whole, f"{w['province_total']}: {whole.name}")] if whole is not None
            else []) + [row(u, u.name) for u in units]
    return (f"<h2>{escape(w['province_units_title'])}</h2><table><thead><tr>"
            f"<th>{escape(w['unit_code'])}</th><th>{escape(w['unit_name'])}</th>"
            f"<th>{escape(w['unit_hamlet_count'])}</th><th>M4</th><th>M5</th><th>F2</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p class=\"small\">{escape(w['province_units_note'])}</p>")


def report_html(analysis: Any, scorecard_df: pd.DataFrame, map_file: str = "map.html",
                lang: str = "vi", units: Any = None, province: Any = None) -> str:
    """One self-contained page an officer can print (Vietnamese by default, ``lang="en"``):
    the scorecard, the per-hamlet table, a map, the gaps and what closes them (suggested
    sites, fibre extensions), tower sharing, and the assumptions (thresholds, models, data
    basis). No scripts, no network. ``units`` and ``province``: the study's
    :func:`~coverage_gis.pipeline.unit_indicators` and
    :func:`~coverage_gis.pipeline.province_indicators` when already computed."""
    from coverage_gis.results.analysis import check_analysis

    check_analysis(analysis, "report_html")
    w = i18n.words(lang)
    p = analysis.project
    res = analysis.coverage
    params = res.params
    hamlets = analysis.hamlets
    yes = lambda v: _yes(v, w)  # noqa: E731
    scorecard_table = (_scorecard_section(scorecard_df, w, lang, analysis)
                       + _f1_notes(analysis, w))
    # --- per hamlet ---
    targets = hamlet_targets(analysis)
    share = lambda column: (  # noqa: E731
        lambda v: _pct(v, lang, targets.get(column)))
    cols = [("hamlet_id", w["id"], None), ("name", w["hamlet"], None),
            ("households", w["col_households"], None),
            ("mobile_broadband_share", w["col_mobile_share"], share("mobile_broadband_share")),
            ("mobile_broadband_covered", w["col_mobile_covered"], yes),
            ("households_lose_service_at_switch_off", w["col_switch_off"], None)]
    if "ftth_share" in hamlets:
        cols += [("ftth_share", w["col_ftth_share"], share("ftth_share"))]
        if "ftth_connectable_share" in hamlets:
            cols += [("ftth_connectable_share", w["col_ftth_connectable"], share(""))]
        cols += [("cultural_house_reached", w["col_cultural"], yes),
                 ("ftth_covered", w["col_ftth_covered"], yes)]
    if "mobile_broadband_covered" not in hamlets:  # no sites: no coverage columns
        cols = [c for c in cols if c[0] in hamlets]
    hamlet_table = _table(hamlets, cols)
    keys = [(style.hamlet_status_colour(key), words, "")
            for key, words in hamlet_classes(hamlets, lang)]
    legend = "".join(f'<span style="background:{c}{extra}"></span>{escape(text)} '
                     for c, text, extra in (*keys,
                                            (style.EXTENSION, w["legend_extension"], ""),
                                            (style.SUGGESTED, w["legend_site"],
                                             "; border-radius: 50%")))
    svg = _report_svg(analysis, w, lang, legend)
    gaps_html = _gaps_section(analysis, w, lang, units)
    # --- sharing ---
    sharing_html = _sharing_section(analysis, w, lang)
    # --- assumptions ---
    fp = analysis.fibre.params if analysis.fibre is not None else None
    basis = share_basis(hamlets)
    assumptions = [
        (w["a_mobile"], f"RSRP ≥ {params.thresholds_dbm['4G']:g} dBm (4G), SS-RSRP ≥ "
                        f"{params.thresholds_dbm['5G']:g} dBm (5G), "
                        f"{w['indoors'] if params.indoor else w['outdoors']}; ≥ "
                        f"{params.hamlet_share:.0%} ({w.get(basis, basis)}; "
                        + rule_basis(params.hamlet_share, settings.MOBILE_BROADBAND_HAMLET_SHARE,
                                     "coverage", w) + ")"),
        (w["a_pathloss"], _pathloss_text(res.cells, params, w)),
        (w["a_validity"], _validity_text(res.cells, w)),
        (w["a_calibration"], _calibration_text(params, w, lang)),
        (w["a_terrain"], ("DEM, " + _TERRAIN_SOURCES.get(params.terrain_method, "") + " ("
                          f"{w.get('terrain_' + params.terrain_method, params.terrain_method)}"
                          "), k = 4/3" + (
                              "; " + w["terrain_far"].format(step=params.far_terrain_step_m)
                              if params.far_terrain_step_m > res.grid.resolution_m else ""))
         if res.dem_used else w["flat"]),
        (w["a_grid"], f"{res.grid.resolution_m:g} m, {res.grid.crs.to_string()}"),
        (w["a_losses"], w["body_loss"].format(loss=params.body_loss_db)),
        *_radio_assumptions(res, w, lang),
        (w["a_planned"], w["counted"] if params.include_planned else w["not_counted"]),
    ] if p.sites is not None else []  # no sites: no coverage, nothing assumed for it
    if fp is not None:
        assumptions += _fibre_assumptions(analysis.fibre, w, lang)
    assumptions.append((w["a_data"], "; ".join(
        f"{w.get('layer_' + k, k)}: {', '.join(Path(x).name for x in v)}"
        for k, v in p.sources.items())))
    assumptions_html = _rows(assumptions, none=w["none_word"])
    title = w["report_title"].format(scenario=p.scenario.name)
    # the map's name once, as the link, inside the sentence (found by a review: written
    # twice, the link run into the next sentence)
    before, _, after = w["report_note"].partition("{map}")
    year = p.scenario.year or ""
    note = (escape(before.format(year=year)) + f'<a href="{escape(map_file)}">'
            f'{escape(map_file)}</a>' + escape(after.format(year=year)))
    print_css = _PRINT_CSS.replace("{page}", w["page"])
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{_CSS} td.ok {{ background: #cfe2f3; }} td.bad {{ background: #fdd0a2; }}
.legend span {{ display: inline-block; width: 1em; height: 1em; margin: 0 0.3em 0 1em;
  vertical-align: middle; border: 1px solid #777; }}{print_css}</style></head><body>
<h1>{escape(title)}</h1>
<p class="small">{note}
{escape(_made_text(analysis, w, lang))}</p>
<h2>{escape(w['scorecard'])}</h2>{scorecard_table}
{_units_section(analysis, lang, units, province)}
{_skipped_section(analysis, lang)}
{_provenance_section(analysis, lang)}
<h2>{escape(w['hamlets'])}</h2>{hamlet_table}
<div class="keep"><h2>{escape(w['map'])}</h2>
{svg}</div>
<h2>{escape(w['gaps'])}</h2>{gaps_html}
<h2>{escape(w['sharing'])}</h2>{sharing_html}
<h2>{escape(w['assumptions'])}</h2><table><tbody>{assumptions_html}</tbody></table>
</body></html>
"""
