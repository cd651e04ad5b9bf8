"""A tower check for the file: ``check.html`` (one printable A4 page) and ``check.kml``.

The engine's :class:`~coverage_gis.engines.placement.CheckResult` holds values and codes; the
page words them in Vietnamese (default) or English. Every text that comes from input files or
the command line is escaped (HTML and XML); in the KML, characters XML 1.0 forbids are
replaced (:mod:`coverage_gis.outputs.xml_text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from coverage_gis.config import settings
from coverage_gis.engines.placement import CheckResult
from coverage_gis.io.project import Project
from coverage_gis.outputs import i18n
from coverage_gis.outputs.check import (
    bands_outside_text,
    constraint_basis,
    constraint_distances,
    constraint_name,
    exposure_result,
    limit_percent,
)
from coverage_gis.outputs.i18n import column_title
from coverage_gis.outputs.report import _CSS, _rows, breakable, svg_map
from coverage_gis.outputs.xml_text import xml_escape, xml_text

__all__ = ["check_html", "check_kml"]

#: The page fits one A4 sheet: small print type, two columns, tables that never split a row.
_PAGE_CSS = """
body { max-width: 64em; font-size: 13px; }
h1 { font-size: 1.3em; } h2 { font-size: 1.02em; margin: 0.7em 0 0.2em; }
table { width: 100%; font-size: 0.95em; } td, th { padding: 0.1em 0.4em; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 0 1.2em; align-items: start; }
.review { background: #ffe0b2; } ul { margin: 0.3em 0; padding-left: 1.3em; }
.verdict { font-size: 1.1em; }
@page { size: A4; margin: 8mm; }
@media print {
  body { font-size: 7.6pt; } h1 { font-size: 11pt; margin: 0; } h2 { font-size: 8.6pt; }
  tr, li, svg, .verdict { break-inside: avoid; } h2 { break-after: avoid; }
  svg { width: 82mm; height: 82mm; }
}
"""


#: The word (in ``i18n.words``) of a typed option whose name differs from its word's key.
_OPTION_WORDS = {"azimuth_deg": "azimuths_deg"}


def _typed(values: dict[str, Any], keys: Sequence[str], w: dict[str, str] | None = None
           ) -> str:
    """Options as typed: ``name: value`` for each one given (lists joined by spaces), the
    option's name in words of ``w`` when given (the values stay exactly as typed)."""
    def name(k: str) -> str:
        return w.get(_OPTION_WORDS.get(k, k), k) if w is not None else k
    return "; ".join(f"{name(k)}: {' '.join(v) if isinstance(v, list) else v}"
                     for k in keys if (v := values.get(k)) is not None)


def _proposal_value(key: str, value: Any, w: dict[str, str], lang: str) -> Any:
    """A proposal's value as shown: the engine's codes (one ``omni`` cell, the path-loss
    model and its validity) in words."""
    if key == "azimuths_deg" and isinstance(value, str):
        return w.get(f"proposal_{value}", value)
    if key == "model":
        return i18n.model_name(str(value), i18n.words(lang))
    if key == "model_validity":
        words = i18n.words(lang)
        return ", ".join(words.get("validity_inside" if c == "ok" else f"validity_{c}", c)
                         for c in str(value).split("+"))
    return value


def _record_section(check: CheckResult, record: dict[str, Any] | None,
                    w: dict[str, str], lang: str = "vi") -> str:
    """The header block of the check page: request id and applicant (when given), date,
    software version, the input as typed, and the point in WGS 84 and VN-2000 / TM-3."""
    rec = record or {}
    items: list[tuple[str, Any]] = [(w[k], rec[k]) for k in ("request_id", "applicant")
                                    if rec.get(k) is not None]
    if "checked_at" in rec:  # dates as the language writes them (a review)
        items.append((w["checked_at"], i18n.datetime_text(rec["checked_at"], lang)))
    if "software_version" in rec:
        items.append((w["software_version"], rec["software_version"]))
    typed = rec.get("input")
    if typed:
        coords = ("lon", "lat") if typed.get("lon") is not None else ("x", "y")
        items += [(w["input_point"], _typed(typed, coords, w) or w["not_given"]),
                  (w["input_crs"], typed.get("crs") or w["not_given"]),
                  (w["input_options"], _typed(typed, [k for k in typed if k not in (
                      "lon", "lat", "x", "y", "crs")], w))]
    pt = check.point
    if pt:
        items += [(w["point_lonlat"].format(crs=pt["lonlat_crs"]),
                   f"{pt['lon']:.6f}, {pt['lat']:.6f}"),
                  (w["point_xy"].format(crs=pt["xy_crs"]), f"{pt['x']:.3f}, {pt['y']:.3f}")]
    return f"<h2>{escape(w['record'])}</h2><table>{_rows(items, w['none'])}</table>"


def _rules_section(check: CheckResult, lang: str, w: dict[str, str]) -> str:
    """Every rule checked with its basis (regulation with its source, or local setting):
    the RF exposure first, then each distance."""
    head = (f"<tr><th>{w['rule']}</th><th>{w['rule_basis']}</th><th>{w['distance']}</th>"
            f"<th>{w['minimum']}</th><th>{w['result']}</th></tr>")
    rows = []
    rf = check.exposure
    if rf is not None:
        worst = rf.worst
        outside = bands_outside_text(rf, lang)
        where = (f"{i18n.kind_name(worst['kind'], lang)} {worst['name'] or worst['id']}: "
                 f"{worst['distance_m']:.0f} m, {limit_percent(worst['ratio'])}" if worst else
                 None if outside else
                 w["no_place_near"].format(distance=i18n.number_text(rf.search_m, lang)))
        where = "; ".join(t for t in (where, outside) if t)
        limit = i18n.number_text(rf.compliance_distance_m, lang, 1)
        rows.append(
            f"<tr class=\"{'' if rf.ok else 'bad'}\"><td>{escape(w['rf_exposure'])}</td>"
            f"<td>{escape(i18n.basis_name('regulation', lang))}: {escape(rf.regulation)}</td>"
            f"<td>{escape(where)}</td>"
            f"<td>{escape(w['rf_limit'].format(distance=limit))}"
            f"</td><td>{escape(exposure_result(rf, lang))}</td></tr>")
    air = check.aviation
    if air is not None:  # a regulation's rule on the mast itself (found by a review)
        mast = w["mast_height"].format(height=i18n.number_text(air.height_m, lang))
        start = w["aviation_from"].format(height=i18n.number_text(air.from_height_m, lang))
        rows.append(
            f"<tr class=\"{'' if air.ok else 'bad'}\"><td>{escape(w['aviation_rule'])}</td>"
            f"<td>{escape(i18n.basis_name('regulation', lang))}: {escape(air.source)}</td>"
            f"<td>{escape(mast)}</td><td>{escape(start)}</td>"
            f"<td>{w['ok'] if air.ok else escape(w['aviation_review'])}</td></tr>")
    met = [c for c in check.constraints if c.ok and not c.nearest_household]
    shown = {id(c) for c in met[:settings.CHECK_PAGE_MAX_MET_ROWS]}
    left = met[settings.CHECK_PAGE_MAX_MET_ROWS:]
    for c in check.constraints:
        if c.ok and not c.nearest_household and id(c) not in shown:
            continue
        distance, minimum = constraint_distances(c, lang)
        rows.append(
            f"<tr class=\"{'' if c.ok else 'bad'}\"><td>"
            f"{escape(i18n.kind_name(str(c.kind), lang))} "
            f"{breakable(str(constraint_name(c, lang) or ''))}</td>"
            f"<td>{escape(constraint_basis(c, lang))}</td>"
            f"<td>{distance} m</td><td>{minimum} m</td>"
            f"<td>{w['ok'] if c.ok else w['too_close']}</td></tr>")
    more = "" if not left else w["more_constraints"].format(
        n=len(left), distance=f"{left[0].distance_m:.0f}") + " "
    return (f"<h2>{escape(w['constraints'])}</h2><table>{head}{''.join(rows)}</table>"
            f"<p class=\"small\">{escape(more + w['rules_note'])}</p>")


def _towers_section(check: CheckResult, lang: str, w: dict[str, str]) -> str:
    """The nearest towers, with the coverage gain the proposed cells would bring on each
    tower weighed for sharing."""
    status = {"existing": w["existing"], "planned": w["planned"]}
    weighed = {t["tower_id"]: f"{t['gain_operator']:g} ({t['gain']:g})"
               for t in check.sharing.towers_weighed}
    rows = "".join(
        f"<tr><td>{breakable(t.tower_id)}</td><td>{t.distance_m:.0f} m</td>"
        f"<td>{breakable(t.operators)}</td><td>{escape(status.get(t.status, t.status))}"
        f"</td><td>{escape(t.technologies)}</td>"
        f"<td>{weighed.get(t.tower_id, '')}</td></tr>"
        for t in check.nearest_towers)
    share = check.sharing
    # the sentence once on the page: not again when the verdict's reasons say it
    text = ("" if share.reason in check.reasons
            else i18n.reason_text(share.reason.code, share.reason.params, lang) + " ")
    text += w["sharing_basis"].format(distance=i18n.number_text(share.max_distance_m, lang),
                                            share=f"{share.min_gain_share:.0%}")
    return (f"<h2>{escape(w['towers'])}</h2><table><tr><th>{w['tower']}</th>"
            f"<th>{w['distance']}</th><th>{w['operators']}</th><th>{w['status']}</th>"
            f"<th>{w['technologies']}</th><th>{w['gain_there']}</th></tr>{rows}</table>"
            f"<p>{escape(text)}</p>")


def check_html(check: CheckResult, project: Project, point: shapely.Point,
               lang: str = "vi", record: dict[str, Any] | None = None) -> str:
    """One printable A4 page for a tower check (Vietnamese by default, ``lang="en"``): the
    record (request id, applicant, date, software version, the input as typed, the point in
    WGS 84 and VN-2000 / TM-3), verdict and reasons, location and proposal, a small map, the
    nearest towers with the sharing comparison, the coverage gain, and every rule with its
    basis. Every typed text is escaped."""
    w = i18n.words(lang)
    loc, gain, prop = check.location, check.coverage_gain, check.proposal
    title = w["check_title"].format(operator=prop.operator, technology=prop.technology,
                                    lon=f"{loc.lon:.6f}", lat=f"{loc.lat:.6f}")
    gain_items = [(w.get(k, column_title(k, lang)),
                   w.get(v, v) if isinstance(v, str) else v)
                  for k, v in gain.to_json().items()]
    if loc.hamlet_id:
        where = w["inside_hamlet"].format(  # found by a review: "inside" when outside
            inside=w["inside"] if loc.inside_commune else w["outside"],
            hamlet_id=loc.hamlet_id, hamlet_name=loc.hamlet_name)
    else:
        where = w["outside_hamlets"].format(
            inside=w["inside"] if loc.inside_commune else w["outside"],
            hamlet_id=loc.nearest_hamlet_id,
            distance=f"{loc.nearest_hamlet_distance_m:.0f}")
    svg = svg_map(project, point, half_size_m=1000.0, width_px=420,
                  marks=[{"x": point.x, "y": point.y, "label": w["proposed"]}],
                  circles_m=[check.sharing.max_distance_m], north=w["north"],
                  aria_label=w["map"], legend_lang=lang, towers=check.towers)
    reasons = "".join(f"<li>{escape(i18n.reason_text(r.code, r.params, lang))}</li>"
                      for r in check.reasons)
    proposal_rows = [(w.get(k, column_title(k, lang)), _proposal_value(k, v, w, lang))
                     for k, v in prop.to_json().items()]
    location_rows = [(w["where"], where), (w["lonlat"], f"{loc.lon:.6f}, {loc.lat:.6f}"),
                     (w["xy"].format(crs=loc.crs), f"{loc.x_m:.1f}, {loc.y_m:.1f}")]
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{_CSS}{_PAGE_CSS}</style></head><body>
<h1>{escape(title)}</h1>
<p class="small">{escape(project.scenario.name)}. {escape(w['check_note'].format(
    distance=i18n.number_text(check.sharing.max_distance_m, lang)))}</p>
<p><span class="verdict {escape(check.verdict)}">{escape(w['verdict'])}:
{escape(i18n.verdict_name(check.verdict, lang))}</span></p>
<ul>{reasons}</ul>
<div class="cols"><div>
{_record_section(check, record, w, lang)}
<h2>{escape(w['location'])}</h2><table>{_rows(location_rows, w['none'])}</table>
<h2>{escape(w['proposal'])}</h2><table>{_rows(proposal_rows, w['none'])}</table>
</div><div>
<h2>{escape(w['map'])}</h2>{svg}
<h2>{escape(w['gain'])}</h2><table>{_rows(gain_items, w['none'])}</table>
</div></div>
{_towers_section(check, lang, w)}
{_rules_section(check, lang, w)}
</body></html>
"""


# --------------------------------------------------------------------------------------------
# KML for Google Earth
# --------------------------------------------------------------------------------------------

#: KML colours (aabbggrr) of the proposed point by verdict.
_VERDICT_KML_COLOUR = {"ok": "ff3c9d2e", "share-instead": "ff00c4ff", "review": "ff0080ff",
                       "conflict": "ff1c1cb7", "outside-unit": "ff1c1cb7"}


def _ring_lonlat(to_ll: Transformer, point: shapely.Point, radius_m: float
                 ) -> str:
    ring = point.buffer(radius_m, 32).exterior
    xs, ys = to_ll.transform(*np.asarray(ring.coords).T)
    return " ".join(f"{x:.7f},{y:.7f},0" for x, y in zip(xs, ys))


def check_kml(check: CheckResult, project: Project, point: shapely.Point,
              lang: str = "vi", record: dict[str, Any] | None = None) -> str:
    """The check for Google Earth (KML 2.2): the proposed point coloured by verdict with the
    verdict and reasons in its balloon, the nearest towers with lines to them, the sharing
    distance and the RF compliance distance as circles. Coordinates in WGS 84."""
    w = i18n.words(lang)
    to_ll = Transformer.from_crs(project.crs, "EPSG:4326", always_xy=True)
    lon, lat = check.point.get("lon"), check.point.get("lat")
    if lon is None:
        lon, lat = to_ll.transform(point.x, point.y)
    reasons = "".join(f"<li>{escape(i18n.reason_text(r.code, r.params, lang))}</li>"
                      for r in check.reasons)
    rec = record or {}
    head = "".join(f"<b>{escape(w[k])}</b>: {escape(str(rec[k]))}<br/>"
                   for k in ("request_id", "applicant", "checked_at") if rec.get(k))
    balloon = (f"{head}<b>{escape(w['verdict'])}</b>: "
               f"{escape(i18n.verdict_name(check.verdict, lang))}<ul>{reasons}</ul>")
    colour = _VERDICT_KML_COLOUR.get(check.verdict, "ff1c1cb7")
    title = w["check_title"].format(operator=check.proposal.operator,
                                    technology=check.proposal.technology,
                                    lon=f"{lon:.6f}", lat=f"{lat:.6f}")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
        f"<name>{xml_escape(title)}</name>",
        f'<Style id="proposed"><IconStyle><color>{colour}</color><scale>1.3</scale>'
        "</IconStyle></Style>",
        '<Style id="tower"><IconStyle><color>ff555555</color></IconStyle></Style>',
        '<Style id="ring"><LineStyle><color>ff555555</color><width>2</width></LineStyle>'
        "<PolyStyle><fill>0</fill></PolyStyle></Style>",
        '<Style id="rf"><LineStyle><color>ff1c1cb7</color><width>2</width></LineStyle>'
        "<PolyStyle><color>401c1cb7</color></PolyStyle></Style>",
        f"<Placemark><name>{xml_escape(w['proposed'])}</name><styleUrl>#proposed</styleUrl>"
        f"<description><![CDATA[{xml_text(balloon).replace(']]>', ']]&gt;')}]]>"
        "</description>"
        f"<Point><coordinates>{lon:.7f},{lat:.7f},0</coordinates></Point></Placemark>",
        f"<Folder><name>{xml_escape(w['towers'])}</name>",
    ]
    if check.towers is not None:
        where = check.towers.set_index("tower_id").geometry
        for info in check.nearest_towers:
            g = where[info.tower_id]
            tlon, tlat = to_ll.transform(g.x, g.y)
            parts.append(
                f"<Placemark><name>{xml_escape(info.tower_id)}</name><styleUrl>#tower</styleUrl>"
                f"<description>{xml_escape(info.operators)}; {info.distance_m:.0f} m"
                "</description><MultiGeometry>"
                f"<Point><coordinates>{tlon:.7f},{tlat:.7f},0</coordinates></Point>"
                f"<LineString><coordinates>{lon:.7f},{lat:.7f},0 {tlon:.7f},{tlat:.7f},0"
                "</coordinates></LineString></MultiGeometry></Placemark>")
    parts.append("</Folder>")
    circles = [(w["sharing_circle"].format(
        distance=i18n.number_text(check.sharing.max_distance_m, lang)),
                check.sharing.max_distance_m, "ring")]
    if check.exposure is not None:
        circles.append((w["rf_circle"].format(
            distance=i18n.number_text(check.exposure.compliance_distance_m, lang, 1)),
            check.exposure.compliance_distance_m, "rf"))
    for name, radius, style in circles:
        parts.append(f"<Placemark><name>{xml_escape(name)}</name><styleUrl>#{style}</styleUrl>"
                     "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
                     f"{_ring_lonlat(to_ll, point, radius)}</coordinates></LinearRing>"
                     "</outerBoundaryIs></Polygon></Placemark>")
    parts.append("</Document></kml>")
    return "\n".join(parts)
