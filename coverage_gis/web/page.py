"""The app's one page: a sidebar (search, the check form, the check's answer) beside the map.

Labels come from :func:`coverage_gis.outputs.i18n.web_words`; data never enters the HTML
(the script fetches it as JSON and builds the DOM with ``textContent``). What the script
needs at start (words, choices, defaults) is in a ``<script type="application/json">``
element, with ``<``, ``>`` and ``&`` written as JSON escapes so that no text can close it.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

from coverage_gis.config import settings
from coverage_gis.io.crs import CRS_PRESETS
from coverage_gis.outputs import i18n
from coverage_gis.outputs.style import OPERATOR_COLOURS, PALETTE

if TYPE_CHECKING:  # pragma: no cover
    from coverage_gis.web.app import AppState

__all__ = ["page_html", "script_json", "projected_presets"]


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def projected_presets(first: str = settings.CHECK_SITE_CADASTRAL_CRS) -> list[str]:
    """The CRS presets for typed x/y (projected ones; the province's cadastral CRS
    ``first``, one name per CRS)."""
    from pyproj import CRS

    names, seen = [first], {CRS_PRESETS.get(first, first)}
    for name, code in CRS_PRESETS.items():
        if code not in seen and CRS.from_user_input(code).is_projected and name != "webmercator":
            names.append(name)
            seen.add(code)
    return names


def _options(values: list[str], labels: dict[str, str] | None = None,
             selected: str | None = None) -> str:
    labels = labels or {}
    return "".join(
        f'<option value="{escape(v)}"{" selected" if v == selected else ""}>'
        f"{escape(labels.get(v, v))}</option>" for v in values)


def _field(name: str, label: str, placeholder: str = "", hint: str = "") -> str:
    extra = f' placeholder="{escape(placeholder)}"' if placeholder else ""
    described = f' aria-describedby="cg-hint-{name}"' if hint else ""
    hint_html = f'<small id="cg-hint-{name}">{escape(hint)}</small>' if hint else ""
    return (f'<label for="cg-{name}">{escape(label)}</label>'
            f'<input id="cg-{name}" name="{name}" type="text" autocomplete="off"'
            f"{extra}{described}>{hint_html}")


def _form(w: dict[str, str], cadastral: str) -> str:
    operators = list(settings.OPERATOR_ALIASES)
    techs = list(settings.TECHNOLOGIES)
    return f"""<form id="cg-form" novalidate>
<h2>{escape(w['check_heading'])}</h2>
<p class="cg-note">{escape(w['check_help'])}</p>
<fieldset><legend>{escape(w['coords'])}</legend>
<div class="cg-modes">
<label><input type="radio" name="mode" value="lonlat" checked> {escape(w['mode_lonlat'])}</label>
<label><input type="radio" name="mode" value="xy"> {escape(w['mode_xy'])}</label>
</div>
<div id="cg-lonlat" class="cg-pair">
{_field('lat', w['lat'], '20.065252', w['dms_hint'])}
{_field('lon', w['lon'], '105.844640')}
</div>
<div id="cg-xy" class="cg-pair" hidden>
{_field('x', w['x'], '588150', w['x_hint'])}
{_field('y', w['y'], '2219700', w['y_hint'])}
<label for="cg-crs">{escape(w['crs'])}</label>
<select id="cg-crs" name="crs">{_options(projected_presets(cadastral))}</select>
</div>
</fieldset>
<fieldset><legend>{escape(w['proposal'])}</legend>
<div class="cg-grid">
<div><label for="cg-operator">{escape(w['operator'])}</label>
<select id="cg-operator" name="operator">{_options(operators)}</select></div>
<div><label for="cg-technology">{escape(w['technology'])}</label>
<select id="cg-technology" name="technology">{_options(techs, selected="4G")}</select></div>
<div>{_field('band_mhz', w['band_mhz'])}</div>
<div>{_field('height_m', w['height_m'])}</div>
<div>{_field('azimuth_deg', w['azimuth_deg'], '0 120 240')}</div>
<div>{_field('eirp_dbm', w['eirp_dbm'])}</div>
</div>
<p class="cg-note">{escape(w['defaults_note'])}</p>
</fieldset>
<fieldset><legend>{escape(w['file'])}</legend>
{_field('request_id', w['request_id'])}
{_field('applicant', w['applicant'])}
</fieldset>
<button id="cg-submit" type="submit">{escape(w['run_check'])}</button>
<span id="cg-busy" role="status" hidden>{escape(w['checking'])}</span>
</form>"""


def page_html(state: AppState, lang: str = "vi") -> str:
    """The page in ``lang``."""
    w = i18n.web_words(lang)
    other = "en" if lang == "vi" else "vi"
    defaults = {t: {k: v for k, v in d.items() if k in ("band_mhz", "height_m", "eirp_dbm")}
                for t, d in settings.TECHNOLOGY_DEFAULTS.items()}
    config = {"lang": lang, "words": w, "defaults": defaults,
              "operator_colours": OPERATOR_COLOURS, "palette": list(PALETTE),
              "cadastral_preset": state.cadastral_name,
              "verdicts": {v: i18n.verdict_name(v, lang) for v in
                           ("ok", "share-instead", "review", "conflict", "outside-unit")},
              "kinds": {k: i18n.kind_name(k, lang) for k in
                        ("school", "kindergarten", "health_station", "heritage",
                         "cultural_house", "commune_office", "dwelling")}}
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{escape(w['app_title'])}</title>
<link rel="stylesheet" href="/static/leaflet/leaflet.css">
<link rel="stylesheet" href="/static/app/app.css">
<script id="cg-config" type="application/json">{script_json(config)}</script>
<script src="/static/leaflet/leaflet.js" defer></script>
<script src="/static/app/app.js" defer></script>
</head><body>
<header id="cg-top"><h1>{escape(w['app_title'])}</h1>
<span id="cg-scenario">{escape(state.project.scenario.name)}</span>
<a id="cg-lang" href="/?lang={other}" hreflang="{other}">{escape(w['other_language'])}</a>
</header>
<main id="cg-main">
<aside id="cg-side">
<section id="cg-search-box"><label for="cg-search">{escape(w['search'])}</label>
<input id="cg-search" type="search" autocomplete="off" placeholder="{escape(w['search_hint'])}">
<ul id="cg-search-results" role="listbox" aria-label="{escape(w['search'])}"></ul>
</section>
{_form(w, state.cadastral_name)}
<div id="cg-error" role="alert" hidden></div>
<section id="cg-result" aria-live="polite" hidden></section>
</aside>
<div id="cg-map" role="application" aria-label="{escape(w['map'])}"></div>
</main>
</body></html>
"""
