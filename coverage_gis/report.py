"""Printable, self-contained HTML pages (no scripts, no network): the tower check page.

Maps on these pages are inline SVG drawn from the project's layers, so that they print, work
offline and need nothing but the page itself. Every text that comes from input files is
escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from .project import Project

__all__ = ["svg_map", "check_html"]

_OPERATOR_COLOURS = {"Viettel": "#d62728", "VinaPhone": "#1f77b4", "MobiFone": "#2ca02c",
                     "Vietnamobile": "#ff7f0e", "Gmobile": "#9467bd"}
_CSS = """
body { font-family: "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; margin: 2em auto;
       max-width: 60em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #bbb;
  padding: 0.25em 0.6em; text-align: left; vertical-align: top; } th { background: #eee; }
.verdict { font-size: 1.3em; font-weight: bold; padding: 0.4em 0.8em; display: inline-block;
  border-radius: 0.3em; } .ok { background: #c8e6c9; } .share-instead { background: #fff3c4; }
.conflict { background: #ffcdd2; } .bad { color: #b71c1c; font-weight: bold; }
.small { color: #555; font-size: 0.9em; } svg { border: 1px solid #999; background: #fbfbf6; }
@media print { body { margin: 0; max-width: none; } }
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


def svg_map(project: Project, centre: shapely.Point, half_size_m: float = 1500.0,
            width_px: int = 640, marks: list[dict[str, Any]] | None = None,
            circles_m: list[float] = ()) -> str:
    """An inline SVG map around ``centre`` (metric CRS): hamlets with names, roads, towers by
    operator, constraint features, and ``marks`` ({x, y, label, colour}); a scale bar."""
    x0, y0 = centre.x - half_size_m, centre.y - half_size_m
    size = 2 * half_size_m
    k = width_px / size

    def tx(x: float, y: float) -> tuple[float, float]:
        return (x - x0) * k, (y0 + size - y) * k

    box = shapely.box(x0, y0, x0 + size, y0 + size)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{width_px}" '
           f'viewBox="0 0 {width_px} {width_px}" role="img" aria-label="map">']
    if project.hamlets is not None:
        for _, h in project.hamlets[project.hamlets.intersects(box)].iterrows():
            geom = h.geometry.intersection(box)
            out.append(f'<path d="{_path(geom, tx)}" fill="#e8f0d8" stroke="#6b8e23" '
                       f'stroke-width="1.5"><title>{escape(str(h["name"]))}</title></path>')
    if project.roads is not None:
        for g in project.roads[project.roads.intersects(box)].geometry:
            g = g.intersection(box)
            for part in getattr(g, "geoms", [g]):
                if part.geom_type == "LineString" and not part.is_empty:
                    out.append(f'<path d="{_path(part, tx)}" fill="none" stroke="#aaa" '
                               'stroke-width="1"/>')
    if project.hamlets is not None:
        for _, h in project.hamlets[project.hamlets.intersects(box)].iterrows():
            p = h.geometry.intersection(box).representative_point()
            a, b = tx(p.x, p.y)
            out.append(f'<text x="{a:.0f}" y="{b:.0f}" font-size="12" fill="#33691e" '
                       f'text-anchor="middle">{escape(str(h["name"]))}</text>')
    for r in circles_m:
        a, b = tx(centre.x, centre.y)
        out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{r * k:.1f}" fill="none" '
                   'stroke="#555" stroke-dasharray="4 3"/>')
    if project.constraints is not None:
        for _, c in project.constraints[project.constraints.intersects(box)].iterrows():
            p = c.geometry.centroid
            a, b = tx(p.x, p.y)
            label = escape(str(c.get("name") or c["kind"]))
            out.append(f'<rect x="{a - 5:.1f}" y="{b - 5:.1f}" width="10" height="10" '
                       f'fill="#8e24aa"><title>{label}</title></rect>'
                       f'<text x="{a + 7:.0f}" y="{b + 4:.0f}" font-size="10" '
                       f'fill="#6a1b9a">{label}</text>')
    if project.sites is not None:
        from .sharing import towers
        for _, t in towers(project.sites).iterrows():
            if not box.contains(t.geometry):
                continue
            a, b = tx(t.geometry.x, t.geometry.y)
            ops = t["operators"].split(", ")
            colour = _OPERATOR_COLOURS.get(ops[0], "#555") if len(ops) == 1 else "#000"
            dash = ' stroke-dasharray="2 2"' if t["status"] == "planned" else ""
            label = escape(f"{t['tower_id']} ({t['operators']})")
            out.append(f'<polygon points="{a:.1f},{b - 8:.1f} {a - 7:.1f},{b + 5:.1f} '
                       f'{a + 7:.1f},{b + 5:.1f}" fill="{colour}" stroke="#000"{dash}>'
                       f'<title>{label}</title></polygon>'
                       f'<text x="{a + 9:.0f}" y="{b + 4:.0f}" font-size="10">{label}</text>')
    for m in marks or []:
        a, b = tx(m["x"], m["y"])
        out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="7" fill="{m.get("colour", "red")}" '
                   f'stroke="#000" stroke-width="2"/><text x="{a + 10:.0f}" y="{b - 8:.0f}" '
                   f'font-size="13" font-weight="bold">{escape(m["label"])}</text>')
    bar = 500.0 if size > 1500 else 200.0
    out.append(f'<path d="M20,{width_px - 20} h{bar * k:.1f}" stroke="#000" stroke-width="3"/>'
               f'<text x="20" y="{width_px - 26}" font-size="11">{bar:g} m</text>'
               f'<text x="{width_px - 20}" y="24" font-size="16" text-anchor="middle">N ↑'
               '</text></svg>')
    return "\n".join(out)


def _value(key: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    if isinstance(value, float) and key.lower().startswith("m4"):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _rows(items: list[tuple[str, Any]]) -> str:
    return "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(_value(str(k), v))}</td></tr>"
                   for k, v in items)


def check_html(check: dict[str, Any], project: Project, point: shapely.Point) -> str:
    """One printable page for a tower check: verdict and reasons, location, nearest towers
    and sharing, coverage gain, constraints, and a small map."""
    loc, gain, share = check["location"], check["coverage_gain"], check["sharing"]
    prop = check["proposal"]
    title = (f"Tower check: {prop['operator']} {prop['technology']} at "
             f"{loc['lon']:.6f}, {loc['lat']:.6f}")
    towers_rows = "".join(
        f"<tr><td>{escape(t['tower_id'])}</td><td>{t['distance_m']:.0f} m</td>"
        f"<td>{escape(t['operators'])}</td><td>{escape(t['status'])}</td>"
        f"<td>{escape(t['technologies'])}</td></tr>" for t in check["nearest_towers"])
    cons_rows = "".join(
        f"<tr class=\"{'' if c['ok'] else 'bad'}\"><td>{escape(str(c['kind']))}</td>"
        f"<td>{escape(str(c.get('name') or ''))}</td><td>{c['distance_m']:.0f} m</td>"
        f"<td>{c['min_distance_m']:g} m</td><td>{'ok' if c['ok'] else 'TOO CLOSE'}</td></tr>"
        for c in check["constraints"])
    gain_items = [(k.replace("_", " "), v) for k, v in gain.items()]
    where = (f"inside the commune, hamlet {loc['hamlet_id']} {loc['hamlet_name']}"
             if loc["hamlet_id"] else
             f"{'inside' if loc['inside_commune'] else 'outside'} the commune; nearest hamlet "
             f"{loc['nearest_hamlet_id']} at {loc['nearest_hamlet_distance_m']:.0f} m")
    svg = svg_map(project, point, marks=[{"x": point.x, "y": point.y, "label": "proposed"}],
                  circles_m=[share["max_distance_m"]])
    reasons = "".join(f"<li>{escape(r)}</li>" for r in check["reasons"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{escape(title)}</h1>
<p class="small">{escape(project.scenario.name)}. Computed by coverage_gis with the scenario's
models and thresholds; the dashed circle is the sharing distance
({share['max_distance_m']:g} m).</p>
<p><span class="verdict {escape(check['verdict'])}">Verdict: {escape(check['verdict'])}</span></p>
<ul>{reasons}</ul>
<h2>Location</h2><table>{_rows([('where', where), ('lon, lat (WGS 84)',
    f"{loc['lon']:.6f}, {loc['lat']:.6f}"), (f"x, y ({loc['crs']})",
    f"{loc['x_m']:.1f}, {loc['y_m']:.1f}")])}</table>
<h2>Proposal</h2><table>{_rows([(k.replace('_', ' '), v) for k, v in prop.items()])}</table>
<h2>Nearest towers and sharing</h2>
<table><tr><th>tower</th><th>distance</th><th>operators</th><th>status</th>
<th>technologies</th></tr>{towers_rows}</table>
<p>{escape(share['text'])}</p>
<h2>Coverage gain (mobile broadband, 4G/5G)</h2><table>{_rows(gain_items)}</table>
<h2>Constraints</h2>
<table><tr><th>kind</th><th>name</th><th>distance</th><th>minimum</th><th>check</th></tr>
{cons_rows}</table>
<h2>Map</h2>{svg}
</body></html>
"""
