"""The static outputs read well in the tools planners use (issue 14, part 3): the map's controls
and legend in a real browser, colour-blind-safe palettes (simulated deuteranopia), the report
printed to A4 PDF by Chromium, every word of the Vietnamese pages translated, CSV files for
Excel, a formatted report.xlsx, a styled KMZ, rasters as COGs with units and QGIS styles, and
QGIS styles inside the GeoPackage.

References are independent of the code: the Machado et al. (2009) matrix and the CIELAB
formulas written out below, the PDF as Chromium prints it read back with pypdf, the workbook
read back with openpyxl, the KML parsed as XML, the COGs checked by rio-cogeo.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import sqlite3
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import rasterio

import coverage_gis as cg
from coverage_gis.outputs import exports, files, i18n, maps, report, style
from coverage_gis.results import store

from .browser import CHROMIUM_FLAGS, find_chromium, png_rgba, run_chromium, with_probe
from .conftest import analyze_sample, render_both

KML = "{http://www.opengis.net/kml/2.2}"


# --------------------------------------------------------------------------------------------
# Fixtures: the sample, rendered in Vietnamese and in English
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    return analyze_sample()


@pytest.fixture(scope="module")
def rendered(sample, tmp_path_factory):
    """{lang: folder} of the sample's whole output set."""
    return render_both(sample, tmp_path_factory, "out")


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = find_chromium()
    if exe is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    return exe


# --------------------------------------------------------------------------------------------
# 2. Colour-blind-safe palettes
# --------------------------------------------------------------------------------------------

#: Deuteranopia, severity 1.0, in linear RGB: Machado, G. M., Oliveira, M. M. and Fernandes,
#: L. A. F. (2009), "A Physiologically-based Model for Simulation of Color Vision Deficiency",
#: IEEE Transactions on Visualization and Computer Graphics 15(6), 1291-1298, table of
#: matrices (deuteranomaly, severity 1.0).
MACHADO_DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968],
                                 [0.280085, 0.672501, 0.047413],
                                 [-0.011820, 0.042940, 0.968881]])
#: Protanopia, severity 1.0, from the same table.
MACHADO_PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868],
                               [0.114503, 0.786281, 0.099216],
                               [-0.003882, -0.048116, 1.051998]])
#: Linear sRGB to CIE XYZ (D65), IEC 61966-2-1.
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
D65 = np.array([0.95047, 1.0, 1.08883])

#: Thresholds in CIELAB units (CIE76 ΔE*ab; a just-noticeable difference is about 2.3, Sharma
#: 2003, Digital Color Imaging Handbook). The old red/green pair (#1a9850 / #d73027) keeps
#: only 26 under a simulated deuteranopia, and its 80 % / 50 % hamlet classes 6: we require
#: 40 for the pairs that carry the answer (met / short, covered / not covered), 30 between
#: categories shown side by side (operators, the report's four hamlet states; about 13 JND),
#: and 15 between neighbouring steps of an ordered ramp, whose order in lightness is checked
#: as well (a ramp is read by lightness when hue is lost).
ANSWER_DE, CATEGORY_DE, STEP_DE = 40.0, 30.0, 15.0


def _linear(colour) -> np.ndarray:
    rgb = (np.array(style.rgb(colour)) if isinstance(colour, str)
           else np.array(colour[:3])) / 255.0
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    xyz = SRGB_TO_XYZ @ linear_rgb / D65
    d = 6 / 29
    f = np.where(xyz > d ** 3, np.cbrt(xyz), xyz / (3 * d * d) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _seen(colour, matrix=MACHADO_DEUTERANOPIA) -> np.ndarray:
    """CIELAB of ``colour`` as a viewer with the deficiency of ``matrix`` sees it."""
    return _lab(np.clip(matrix @ _linear(colour), 0, 1))


def _delta(a, b, matrix=MACHADO_DEUTERANOPIA) -> float:
    return float(np.linalg.norm(_seen(a, matrix) - _seen(b, matrix)))


def test_the_cielab_conversion_matches_published_values():
    # sRGB white is L* 100, a* b* 0; pure sRGB red is L* 53.24, a* 80.09, b* 67.20
    # (Lindbloom's calculator, D65); the identity matrix leaves colours as they are.
    assert np.allclose(_lab(_linear("#ffffff")), [100, 0, 0], atol=0.05)
    assert np.allclose(_lab(_linear("#ff0000")), [53.24, 80.09, 67.20], atol=0.05)
    assert _delta("#123456", "#123456") == 0
    # the simulation maps grey to grey (each row of the matrix sums to 1)
    assert np.allclose(MACHADO_DEUTERANOPIA.sum(axis=1), 1, atol=1e-5)


def test_the_old_red_green_palette_would_fail():
    assert _delta("#1a9850", "#d73027", np.eye(3)) > 100  # clear to normal vision
    assert _delta("#1a9850", "#d73027") < ANSWER_DE       # not to a deuteranope
    assert _delta("#a6d96a", "#fdae61") < STEP_DE


@pytest.mark.parametrize("matrix", [MACHADO_DEUTERANOPIA, MACHADO_PROTANOPIA],
                         ids=["deuteranopia", "protanopia"])
def test_pairs_that_carry_the_answer_stay_apart(matrix):
    pairs = [(style.MET, style.SHORT), (maps._COVERED, maps._NOT_COVERED)]
    met, *short = style.SHARE_COLOURS
    pairs += [(met, s) for s in short]
    *covered, below = [c for _, c in maps.LEVEL_CLASSES]
    pairs += [(c, below) for c in covered]
    for a, b in pairs:
        assert _delta(a, b, matrix) >= ANSWER_DE, (a, b, _delta(a, b, matrix))


def test_ordered_ramps_keep_their_steps_and_their_order():
    for ramp in ([c for _, c in maps.LEVEL_CLASSES][:3], list(style.SHARE_COLOURS[1:])):
        lightness = [_seen(c)[0] for c in ramp]
        assert all(np.diff(lightness) != 0)
        assert np.all(np.diff(lightness) > 0) or np.all(np.diff(lightness) < 0), lightness
        for a, b in itertools.pairwise(ramp):
            assert _delta(a, b) >= STEP_DE, (a, b, _delta(a, b))


def test_categories_are_distinct_under_deuteranopia():
    operators = sorted({c for op, c in style.OPERATOR_COLOURS.items()})
    assert len(operators) == len(style.OPERATOR_COLOURS) - 1  # VNPT shares VinaPhone's
    hamlet_states = list(style.HAMLET_STATUS_COLOURS.values())
    for group in (operators, hamlet_states):
        for a, b in itertools.combinations(group, 2):
            assert _delta(a, b) >= CATEGORY_DE, (a, b, _delta(a, b))
    # the stored masks' colour table is the palette's "met"
    assert store.MASK_COLOURS[1][:3] == style.rgb(style.MET)


def test_the_map_and_the_report_use_the_palette(sample, rendered):
    hamlets = maps._hamlet_gdf(sample)
    gj = next(c for c in maps.hamlet_layer(hamlets, lang="en")._children.values()
              if isinstance(c, folium.GeoJson))
    fills = {f["properties"]["tooltip"].split("</b>")[0].split("<b>")[1]:
             f["properties"]["style"]["fillColor"] for f in gj.data["features"]}
    assert fills["Thôn Tân Lập"] == style.SHARE_COLOURS[1]   # 90.8 %: 80 % up to the target
    assert fills["Thôn Yên Sơn"] == style.SHARE_COLOURS[-1]  # 0 %
    assert fills["Thôn Đồng Tâm"] == style.MET               # 100 %
    page = (rendered["vi"] / "report.html").read_text(encoding="utf-8")
    for colour in style.HAMLET_STATUS_COLOURS.values():  # in the map's legend
        assert f"background:{colour}" in page
    for key in ("met", "short_mobile", "short_ftth"):  # the sample's hamlets on the map
        assert f'fill="{style.HAMLET_STATUS_COLOURS[key]}"' in page
    for old in ("#1a9850", "#d73027", "#b7e1a1", "#f4a6a6", "#c8e6c9", "#ffcdd2"):
        assert old not in page.lower()


# --------------------------------------------------------------------------------------------
# 1. Map controls and legend, in a real browser
# --------------------------------------------------------------------------------------------

def _framed(page: str, width: int, height: int) -> str:
    """``page`` in an iframe of exactly ``width`` × ``height`` CSS pixels (a window smaller
    than 500 px wide cannot be opened headless; a ``srcdoc`` frame shares the parent's origin,
    so the parent can copy the frame's probe record into its own DOM)."""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">'
            f'<iframe id="f" style="border:0;width:{width}px;height:{height}px" '
            f'srcdoc="{html.escape(page, quote=True)}"></iframe><script>'
            'window.addEventListener("load", function () { setTimeout(function () {'
            'var d = document.getElementById("f").contentDocument;'
            'var pre = d && d.getElementById("cg-browser-probe");'
            'var out = document.createElement("pre"); out.id = "cg-browser-probe";'
            'out.textContent = pre ? pre.textContent : "{\\"loaded\\": false}";'
            'document.body.appendChild(out); }, 2500); });</script></body></html>')


_BOXES = r"""
function box(sel) {
  var el = document.querySelector(sel);
  if (!el) { return null; }
  var r = el.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
}
function snap(state) {
  var legend = document.querySelector('.cg-legend');
  return {state: state, zoom: box('.leaflet-control-zoom'),
          layers: box('.leaflet-control-layers'), legend: box('.cg-legend'),
          legendOpen: !legend.classList.contains('cg-collapsed'),
          layersOpen: document.querySelector('.leaflet-control-layers').classList.contains(
              'leaflet-control-layers-expanded')};
}
log.viewport = [window.innerWidth, window.innerHeight];
log.names = Array.prototype.map.call(document.querySelectorAll('.leaflet-tooltip.cg-label'),
  function (e) { var r = e.getBoundingClientRect(); return (r.left + r.right) / 2; });
log.states = [snap('initial')];
var legend = document.querySelector('.cg-legend');
if (legend.classList.contains('cg-collapsed')) { legend.querySelector('button').click(); }
log.states.push(snap('legend opened'));
document.querySelector('.leaflet-control-layers').dispatchEvent(
    new MouseEvent('mouseover', {bubbles: true}));
log.states.push(snap('layer list opened too'));
"""


def _intersect(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture(scope="module")
def vi_map(rendered) -> str:
    return (rendered["vi"] / "map.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_the_legend_never_covers_the_layer_control_or_the_zoom(chromium, vi_map, tmp_path,
                                                               size):
    page = tmp_path / "framed.html"
    page.write_text(_framed(with_probe(vi_map, _BOXES), *size), encoding="utf-8")
    run = run_chromium(page, dump_dom=True, window_size=(1400, 1000), chromium=chromium,
                       budget_ms=8000)
    probe = run.probe
    assert probe and probe["loaded"] and probe["errors"] == [], run.stderr[-2000:]
    assert probe["viewport"] == list(size)
    initial, opened, both = probe["states"]
    # the layer list starts folded; the legend starts open on a laptop, folded on a phone
    assert not initial["layersOpen"]
    assert initial["legendOpen"] == (size[0] >= 600)
    assert opened["legendOpen"] and both["legendOpen"] and both["layersOpen"]
    # the commune fills the view: room is kept for the legend only where it starts open
    # (on a phone the hamlet names spanned 11 % of the width, the commune squeezed left)
    names = probe["names"]
    assert len(names) >= 6 and (max(names) - min(names)) / size[0] > 0.3, names
    for state in probe["states"]:
        legend, layers, zoom = state["legend"], state["layers"], state["zoom"]
        assert not _intersect(legend, layers), state
        assert not _intersect(legend, zoom), state
        assert not _intersect(layers, zoom), state
        # and the legend stays on screen
        assert legend[0] >= 0 and legend[2] <= size[0] and legend[3] <= size[1], state


_EXCLUSIVE = r"""
var names = %s;
function checked() {
  var out = {};
  document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(function (l) {
    out[l.textContent.trim()] = l.querySelector('input').checked;
  });
  return [out[names[0]], out[names[1]]];
}
function click(name) {
  document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(function (l) {
    if (l.textContent.trim() === name) { l.querySelector('input').click(); }
  });
}
log.steps = [checked()];
click(names[1]);
setTimeout(function () { log.steps.push(checked());
  click(names[0]);
  setTimeout(function () { log.steps.push(checked());
    click(names[0]);
    setTimeout(function () { log.steps.push(checked()); }, 30);
  }, 30);
}, 30);
"""


def test_the_two_hamlet_colourings_are_exclusive_choices(chromium, vi_map, tmp_path):
    names = [maps.LABELS["vi"]["hamlets_mbb"], maps.LABELS["vi"]["hamlets_ftth"]]
    page = tmp_path / "exclusive.html"
    page.write_text(with_probe(vi_map, _EXCLUSIVE % json.dumps(names)), encoding="utf-8")
    run = run_chromium(page, dump_dom=True, chromium=chromium)
    assert run.probe and run.probe["errors"] == [], run.stderr[-2000:]
    # mobile on by default; fibre on turns mobile off; mobile on turns fibre off; both off
    assert run.probe["steps"] == [[True, False], [False, True], [True, False],
                                  [False, False]]


def test_the_map_starts_plain_with_its_layer_list_folded(sample):
    m = maps.coverage_map(sample, "vi")
    controls = [c for c in m._children.values() if isinstance(c, folium.LayerControl)]
    assert len(controls) == 1 and controls[0].options["collapsed"] is True
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert all(t.show is False for t in tiles)  # no base map until asked for
    page = maps.map_html(m)
    # the legend comes after the layer control: in the same corner it stacks below it
    assert page.index("L.control.layers(") < page.index("'cg-legend'")


# --------------------------------------------------------------------------------------------
# 3. Print styles: report.html as Chromium prints it
# --------------------------------------------------------------------------------------------

def _print_pdf(chromium: str, page: Path, pdf: Path) -> list[str]:
    """Print ``page`` to PDF with Chromium (its own header and footer off) and return each
    page's text, whitespace removed (pypdf spaces out Vietnamese combining marks)."""
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="cg-chromium-") as profile:
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2  # A4
    return [re.sub(r"\s+", "", p.extract_text()) for p in reader.pages]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", html.unescape(text))


def test_the_report_prints_on_a4_with_page_numbers(chromium, rendered, tmp_path):
    page = rendered["vi"] / "report.html"
    texts = _print_pdf(chromium, page, tmp_path / "report.pdf")
    n = len(texts)
    assert n >= 2
    for i, text in enumerate(texts, start=1):
        assert f"Trang{i}/{n}" in text, (i, text[:80])
    # no page ends with a heading: each h2 is followed on its page by what it heads
    source = page.read_text(encoding="utf-8")
    headings = [_squash(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<h2>(.*?)</h2>",
                                                                           source)]
    for i, text in enumerate(texts):
        for h in headings:
            assert not text.endswith(h), (i + 1, h)
    # the English report numbers its pages in English
    en = _print_pdf(chromium, rendered["en"] / "report.html", tmp_path / "report_en.pdf")
    assert f"Page1/{len(en)}" in en[0]


def test_long_tables_repeat_their_header_and_never_split_a_row(chromium, tmp_path):
    """The report's print rules on a table long enough for four pages, with rows of several
    lines: each row's first and last words print on the same page, the header row on every
    page, and a heading at the foot of a page moves over with its table."""
    rows = "".join(f"<tr><td>R{i:03d}a</td><td>{'lorem ipsum ' * 30}R{i:03d}z</td></tr>"
                   for i in range(60))
    filler = "<p>" + "filler text " * 420 + "</p>"
    css = report._CSS + report._PRINT_CSS.replace("{page}", "Page")
    doc = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{css}</style></head>"
           f"<body>{filler}<h2>HEADINGX</h2><table><thead><tr><th>HEADX</th><th>text</th>"
           f"</tr></thead><tbody>{rows}</tbody></table></body></html>")
    page = tmp_path / "long.html"
    page.write_text(doc, encoding="utf-8")
    texts = _print_pdf(chromium, page, tmp_path / "long.pdf")
    assert len(texts) >= 4
    for i in range(60):
        first = [k for k, t in enumerate(texts) if f"R{i:03d}a" in t]
        last = [k for k, t in enumerate(texts) if f"R{i:03d}z" in t]
        assert first == last and len(first) == 1, (i, first, last)
    table_pages = [k for k, t in enumerate(texts) if re.search(r"R\d{3}a", t)]
    for k in table_pages:
        assert "HEADX" in texts[k], k
    heading_page = next(k for k, t in enumerate(texts) if "HEADINGX" in t)
    assert "R000a" in texts[heading_page]


def test_the_report_keeps_its_labels_apart(rendered):
    svg = re.search(r"<svg.*?</svg>", (rendered["vi"] / "report.html").read_text(
        encoding="utf-8"), re.S).group(0)
    boxes = []
    for m in re.finditer(r'<text x="([-\d.]+)" y="([-\d.]+)" font-size="([\d.]+)" '
                         r'text-anchor="(\w+)"[^>]*>([^<]*)</text>', svg):
        x, y, size = float(m[1]), float(m[2]), float(m[3])
        width = len(html.unescape(m[5])) * size * 0.55
        x0 = x - {"start": 0, "middle": width / 2, "end": width}[m[4]]
        boxes.append((x0, y - 0.8 * size, x0 + width, y + 0.2 * size, m[5]))
    assert len(boxes) >= 8
    for a, b in itertools.combinations(boxes, 2):
        assert not _intersect(a, b), (a[4], b[4])
    assert ">B ↑<" in svg  # Bắc: north in Vietnamese


# --------------------------------------------------------------------------------------------
# 4. Every word translated in the Vietnamese pages
# --------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")
_IDENTIFIER = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
_FILE_NAME = re.compile(r"[\w.-]+\.(?:html|csv|tif|geojson|gpkg|kml|kmz|xlsx|json|toml|txt)\b")


def _tokens(text: str) -> set[str]:
    return {t.lower() for t in _WORD.findall(text)}


def _english_words() -> set[str]:
    """Words of the English texts of i18n (page words, reasons, skipped parts) and of the
    map's labels that differ from the Vietnamese ones, minus the words the Vietnamese texts
    use themselves (FTTH, GPON, RSRP, ...), and the words the issue names."""
    en, vi = [], []
    pairs = [(i18n._WORDS["en"], i18n._WORDS["vi"]), (maps.LABELS["en"], maps.LABELS["vi"])]
    for e_words, v_words in pairs:
        for key, e in e_words.items():
            if e != v_words[key]:
                en.append(e)
            vi.append(v_words[key])
    for table in (i18n._REASONS, i18n._SKIPPED):
        for texts in table.values():
            if texts["en"] != texts["vi"]:
                en.append(texts["en"])
            vi.append(texts["vi"])
    strip = lambda t: _IDENTIFIER.sub(" ", re.sub(r"\{[^}]*\}|\[\w+\][^.]*", " ", t))  # noqa: E731
    words = {w for t in en for w in _tokens(strip(t)) if len(w) >= 3}
    words -= set().union(*(_tokens(strip(t)) for t in vi))
    return words | {"instead", "build", "nearest", "household", "households", "none",
                    "hamlets", "towers", "newly", "basis"}


def _leaks(text: str, data: list[str], allowed_identifiers: set[str]) -> set[str]:
    """English words (and machine names) in ``text`` once the input data in it is removed."""
    for item in sorted({str(d) for d in data if d is not None and str(d).strip()}, key=len,
                       reverse=True):
        text = text.replace(item, " ")
    text = _FILE_NAME.sub(" ", text.replace("coverage_gis", " "))  # names of files, software
    found = {m for m in _IDENTIFIER.findall(text) if m not in allowed_identifiers}
    text = _IDENTIFIER.sub(" ", text)
    return found | (_tokens(text) & _english_words())


def _input_data(sample) -> list[str]:
    """Text that comes from the input files: names, ids, kinds, sources, file names."""
    p = sample.project
    data = [p.scenario.name, "OpenStreetMap", "Leaflet"]
    for gdf, cols in ((p.hamlets, ("name", "hamlet_id")), (p.sites, ("site_id", "operator")),
                      (p.constraints, ("name", "constraint_id")), (sample.towers, ("tower_id",)),
                      (p.fibre, ("route_id", "name", "operator")),
                      (p.access_points, ("ap_id", "operator"))):
        for col in cols:
            if gdf is not None and col in gdf:
                data += [str(v) for v in gdf[col].dropna().unique()]
    prov = p.provenance()
    data += [str(v) for col in ("source", "licence", "files") for v in prov[col].dropna()]
    data += [Path(f).name for files_ in p.sources.values() for f in files_]
    return data


class _Text(HTMLParser):
    """The text of a page as a reader sees it (and its SVG's titles), without styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def test_the_word_list_finds_english(sample):
    words = _english_words()
    assert {"share", "instead", "build", "nearest", "household", "none", "basis",
            "statistics", "suburban", "body"} <= words
    assert not {"thôn", "trạm", "ftth", "gpon", "rsrp", "dbm"} & words
    # it would have caught what the issue reports
    assert _leaks("loại: share-instead-of-build; hộ: nearest household; none", [], set()) \
        == {"share", "instead", "build", "nearest", "household", "none"}
    assert _leaks("cách tính: 3/6 hamlets; households_newly_covered", [], set()) == {
        "hamlets", "households_newly_covered"}


def test_the_vietnamese_report_has_no_english(sample, rendered):
    parser = _Text()
    parser.feed((rendered["vi"] / "report.html").read_text(encoding="utf-8"))
    text = "\n".join(parser.parts)
    # the statistics columns the F1 note names (the user's own column names), and the
    # scenario key a hamlet rule's share is set with (the user types it in the scenario)
    allowed = {"household_ftth_subscriptions", "hamlet_share"}
    assert _leaks(text, _input_data(sample), allowed) == set()
    # the same check finds the English of the English report
    parser = _Text()
    parser.feed((rendered["en"] / "report.html").read_text(encoding="utf-8"))
    assert len(_leaks("\n".join(parser.parts), _input_data(sample), allowed)) > 30


_MAP_TEXT = r"""
var map = null, groups = [];
Object.keys(window).forEach(function (k) {
  var v; try { v = window[k]; } catch (e) { return; }
  if (v instanceof L.Map) { map = v; }
  else if (v instanceof L.FeatureGroup && !(v instanceof L.GeoJSON)) { groups.push(v); }
});
groups.forEach(function (g) { map.addLayer(g); });
var texts = [document.title];
function grab(tip) {
  var el = tip && tip.getElement && tip.getElement();
  if (el) { texts.push(el.textContent); }
}
var all = [];
map.eachLayer(function (l) { all.push(l); });
all.forEach(function (l) {
  if (!(l.getTooltip && l.getTooltip())) { return; }
  if (l instanceof L.FeatureGroup) {
    l.eachLayer(function (c) {
      var at = c.getCenter ? c.getCenter() : c.getLatLng();
      c.fire('mouseover', {latlng: at}, true); grab(l.getTooltip());
      c.fire('mouseout', {latlng: at}, true);
    });
  } else { l.openTooltip(); grab(l.getTooltip()); }
});
['.leaflet-control-layers', '.cg-legend', '.leaflet-control-attribution',
 '.leaflet-control-scale'].forEach(function (s) {
  document.querySelectorAll(s).forEach(function (e) { texts.push(e.textContent); });
});
document.querySelectorAll('[title], [aria-label]').forEach(function (e) {
  texts.push((e.getAttribute('title') || '') + ' ' + (e.getAttribute('aria-label') || ''));
});
log.text = texts.join('\n');
"""


def test_the_vietnamese_map_has_no_english(chromium, sample, vi_map, tmp_path):
    page = tmp_path / "text.html"
    page.write_text(with_probe(vi_map, _MAP_TEXT), encoding="utf-8")
    run = run_chromium(page, dump_dom=True, chromium=chromium)
    assert run.probe and run.probe["errors"] == [], run.stderr[-2000:]
    text = run.probe["text"]
    assert "Thôn Yên Sơn" in text and "Chú giải" in text  # tooltips and legend were read
    assert len(text) > 5000
    assert _leaks(text, _input_data(sample), set()) == set()


# --------------------------------------------------------------------------------------------
# 5. CSV files for Excel
# --------------------------------------------------------------------------------------------

def test_every_csv_starts_with_a_bom_and_reads_back(rendered, tmp_path):
    from coverage_gis.io.readers import _read_table

    csvs = sorted(rendered["vi"].glob("*.csv"))
    assert {"hamlets.csv", "scorecard.csv", "cells.csv", "towers.csv"} <= {p.name for p in csvs}
    for path in csvs:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name
        assert not raw[3:].startswith(b"\xef\xbb\xbf")
        frame = pd.read_csv(path)  # pandas drops the mark
        assert not str(frame.columns[0]).startswith("\ufeff"), path.name
        assert raw[3:].decode("utf-8").split("\n", 1)[0].split(",")[0] == frame.columns[0]
    hamlets = pd.read_csv(rendered["vi"] / "hamlets.csv")
    assert "Thôn Yên Sơn" in set(hamlets["name"])
    # the project's own reader (the one for input tables) drops it too
    table = _read_table(rendered["vi"] / "hamlets.csv", None)
    assert table.columns[0] == "hamlet_id" and "Thôn Yên Sơn" in set(table["name"])
    # formula neutralisation is kept
    path = files.write_csv(pd.DataFrame({"name": ["=1+1", "Thôn Đông", "@SUM(A1)"]}),
                           tmp_path / "t.csv")
    assert path.read_bytes() == ("\ufeffname\n'=1+1\nThôn Đông\n'@SUM(A1)\n").encode("utf-8")


# --------------------------------------------------------------------------------------------
# 6. report.xlsx
# --------------------------------------------------------------------------------------------

def test_the_workbook_is_formatted_for_an_analyst(sample, rendered):
    book = openpyxl.load_workbook(rendered["vi"] / "report.xlsx")
    assert {"scorecard", "hamlets", "towers", "sharing_candidates"} <= set(book.sheetnames)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A3", sheet.title
        names = [c.value for c in sheet[2]]
        titles = [c.value for c in sheet[1]]
        assert titles == [i18n.column_title(n, "vi", sheet.title) for n in names]
        assert sheet.auto_filter.ref.startswith("A2:")
        for k, (title, name) in enumerate(zip(titles, names), start=1):
            width = sheet.column_dimensions[sheet.cell(1, k).column_letter].width
            values = [str(sheet.cell(r, k).value) for r in range(3, sheet.max_row + 1)
                      if sheet.cell(r, k).value is not None]
            longest = max([len(name), min(len(title), 28)] + [len(v) for v in values])
            assert width >= min(longest, 58), (sheet.title, name, width)
    hamlets = book["hamlets"]
    col = {c.value: c.column for c in hamlets[2]}
    assert hamlets.cell(1, col["hamlet_id"]).value == "mã thôn"
    assert hamlets.cell(1, col["mobile_broadband_share"]).value == "tỷ lệ hộ có 4G/5G"
    rows = {hamlets.cell(r, col["hamlet_id"]).value: r for r in range(3, hamlets.max_row + 1)}
    table = sample.hamlets.set_index("hamlet_id")
    for hid, r in rows.items():
        share = hamlets.cell(r, col["mobile_broadband_share"])
        assert share.number_format == "0.00%"
        assert share.value == pytest.approx(table.loc[hid, "mobile_broadband_share"])
        covered = hamlets.cell(r, col["mobile_broadband_covered"]).value
        assert covered == ("có" if table.loc[hid, "mobile_broadband_covered"] else "không")
        assert hamlets.cell(r, col["households"]).number_format == "General"
    card = book["scorecard"]
    cc = {c.value: c.column for c in card[2]}
    for r in range(3, card.max_row + 1):
        unit = card.cell(r, cc["unit"]).value
        fmt = card.cell(r, cc["value"]).number_format
        if card.cell(r, cc["value"]).value is not None:
            assert fmt == ("0.0" if unit == i18n.words("vi")["unit_per 100"] else "0.00%"), r
        assert card.cell(r, cc["met"]).value in ("có", "không", None)
    # read by machine name, as the CSV is
    frame = pd.read_excel(rendered["vi"] / "report.xlsx", sheet_name="hamlets", header=1)
    assert list(frame["hamlet_id"]) == list(sample.hamlets["hamlet_id"])
    en = openpyxl.load_workbook(rendered["en"] / "report.xlsx")["hamlets"]
    assert en.cell(1, 1).value == "Hamlet id"
    assert {en.cell(r, col["mobile_broadband_covered"]).value
            for r in range(3, en.max_row + 1)} <= {"yes", "no"}


def test_the_workbook_stores_formula_like_text_as_text(tmp_path):
    evil = '=HYPERLINK("http://evil.example/x","click")'
    path = exports.write_xlsx({"hamlets": pd.DataFrame({"name": [evil, "Thôn Đông"],
                                                        "ftth_share": [0.9885, 0.5],
                                                        "ftth_covered": [True, None]})},
                              tmp_path / "r.xlsx", lang="vi")
    with zipfile.ZipFile(path) as z:
        assert not any("<f>" in z.read(n).decode() for n in z.namelist()
                       if n.startswith("xl/worksheets/"))
    sheet = openpyxl.load_workbook(path)["hamlets"]
    assert sheet["A3"].value == evil and sheet["A3"].data_type == "s"
    assert sheet["B3"].value == 0.9885 and sheet["B3"].number_format == "0.00%"
    assert [sheet["C3"].value, sheet["C4"].value] == ["có", None]


# --------------------------------------------------------------------------------------------
# 7. KMZ
# --------------------------------------------------------------------------------------------

def _kml(path: Path) -> tuple[ET.Element, zipfile.ZipFile]:
    z = zipfile.ZipFile(path)
    return ET.fromstring(z.read("doc.kml")), z


def test_the_kmz_is_styled_and_has_the_coverage_image(sample, rendered):
    root, z = _kml(rendered["vi"] / "results.kmz")
    folders = [f.find(f"{KML}name").text for f in root.iter(f"{KML}Folder")]
    w = i18n.words("vi")
    for key in ("kmz_coverage", "kmz_hamlets", "kmz_cells", "kmz_towers", "kmz_sharing",
                "kmz_suggested", "kmz_fibre_routes", "kmz_extensions"):
        assert w[key] in folders, key
    styles = {s.get("id"): s for s in root.iter(f"{KML}Style")}
    # each hamlet by its status, from the hamlet table
    hamlet_folder = next(f for f in root.iter(f"{KML}Folder")
                         if f.find(f"{KML}name").text == w["kmz_hamlets"])
    table = sample.hamlets.set_index("name")
    for mark in hamlet_folder.iter(f"{KML}Placemark"):
        name = mark.find(f"{KML}name").text
        mobile, fibre = (bool(table.loc[name, "mobile_broadband_covered"]),
                         bool(table.loc[name, "ftth_covered"]))
        expected = ("met" if mobile and fibre else "short_both" if not (mobile or fibre)
                    else "short_mobile" if not mobile else "short_ftth")
        style_id = mark.find(f"{KML}styleUrl").text.lstrip("#")
        assert style_id == f"hamlet_{expected}", name
        fill = styles[style_id].find(f"{KML}PolyStyle/{KML}color").text
        assert fill[2:] == style.kml_colour(style.HAMLET_STATUS_COLOURS[expected])[2:]
        # a readable balloon: a table of the main fields, in Vietnamese
        balloon = mark.find(f"{KML}description").text
        assert balloon.startswith("<table>") and "mã thôn" in balloon
    # cells in their operator's colour
    cell_folder = next(f for f in root.iter(f"{KML}Folder")
                       if f.find(f"{KML}name").text == w["kmz_cells"])
    marks = list(cell_folder.iter(f"{KML}Placemark"))
    assert len(marks) == len(sample.coverage.cells)
    for mark in marks[:20]:
        operator = re.search(r"<th[^>]*>nhà mạng</th><td>([^<]+)</td>",
                             mark.find(f"{KML}description").text)[1]
        style_id = mark.find(f"{KML}styleUrl").text.lstrip("#")
        colour = styles[style_id].find(f"{KML}IconStyle/{KML}color").text
        assert colour == style.kml_colour(style.OPERATOR_COLOURS[operator])
    # the coverage image, in the archive, over a box that holds the hamlets
    overlay = next(root.iter(f"{KML}GroundOverlay"))
    href = overlay.find(f"{KML}Icon/{KML}href").text
    assert z.read(href).startswith(b"\x89PNG\r\n\x1a\n")
    box = {k: float(overlay.find(f"{KML}LatLonBox/{KML}{k}").text)
           for k in ("north", "south", "east", "west")}
    west, south, east, north = sample.project.hamlets.to_crs(4326).total_bounds
    assert box["west"] <= west and box["east"] >= east
    assert box["south"] <= south and box["north"] >= north
    pixels = png_rgba(z.read(href))
    colours = {tuple(int(v) for v in c) for c in np.unique(
        pixels[pixels[..., 3] > 0].reshape(-1, 4), axis=0)}
    assert colours and colours <= {tuple(c) for c in style.LEVEL_COLOURS}
    # the English KMZ keeps the English folder names
    root_en, _ = _kml(rendered["en"] / "results.kmz")
    folders_en = [f.find(f"{KML}name").text for f in root_en.iter(f"{KML}Folder")]
    assert "Hamlets (results)" in folders_en and "Towers" in folders_en


def test_kmz_balloons_escape_their_text(tmp_path, hamlets_gdf):
    evil = "<b onmouseover=alert(1)>Thôn</b> & co"
    gdf = hamlets_gdf.assign(name=[evil, "Thôn Đoài"], mobile_broadband_covered=[True, False])
    path = exports.write_kmz({"Thôn": (gdf, "name", ("name", "households"))},
                             tmp_path / "t.kmz", lang="vi")
    root, _ = _kml(path)
    marks = list(root.iter(f"{KML}Placemark"))
    assert marks[0].find(f"{KML}name").text == evil  # the name as text
    balloon = marks[0].find(f"{KML}description").text
    assert "<b " not in balloon and "&lt;b onmouseover=alert(1)&gt;Thôn&lt;/b&gt; &amp; co" \
        in balloon
    # only mobile broadband was computed: the met style says so
    assert [m.find(f"{KML}styleUrl").text for m in marks] == ["#hamlet_mobile_met",
                                                              "#hamlet_short_mobile"]


@pytest.mark.parametrize("columns, styles", [
    ({"mobile_broadband_covered": [True, False], "ftth_covered": [True, True]},
     ["#hamlet_met", "#hamlet_short_mobile"]),
    ({"mobile_broadband_covered": [True, False]}, ["#hamlet_mobile_met", "#hamlet_short_mobile"]),
    ({"ftth_covered": [True, False]}, ["#hamlet_ftth_met", "#hamlet_short_ftth"]),
    # a column present but empty is a target not computed (as the report's legend reads it)
    ({"mobile_broadband_covered": [True, True], "ftth_covered": [None, None]},
     ["#hamlet_mobile_met", "#hamlet_mobile_met"]),
])
def test_kmz_names_the_met_style_for_the_targets_computed(tmp_path, hamlets_gdf, columns,
                                                           styles):
    # found by a review: a coverage-only study styled every hamlet not short of 4G/5G
    # "#hamlet_met" ("both targets met"), the hamlet without any fibre among them
    path = exports.write_kmz({"Thôn": (hamlets_gdf.assign(**columns), "name")},
                             tmp_path / "t.kmz", lang="en")
    root, _ = _kml(path)
    marks = list(root.iter(f"{KML}Placemark"))
    assert [m.find(f"{KML}styleUrl").text for m in marks] == styles
    ids = {s.get("id") for s in root.iter(f"{KML}Style")}
    assert {u[1:] for u in styles} <= ids  # every style used is defined


# --------------------------------------------------------------------------------------------
# 8. Rasters and the GeoPackage's QGIS styles
# --------------------------------------------------------------------------------------------

def test_rasters_are_cogs_with_units_colour_tables_and_qgis_styles(rendered):
    from rio_cogeo.cogeo import cog_validate

    folder = rendered["vi"] / "rasters"
    tifs = sorted(folder.glob("*.tif"))
    assert len(tifs) > 20
    for tif in tifs:
        valid, errors, _ = cog_validate(str(tif), quiet=True)
        assert valid and not errors, (tif.name, errors)
        with rasterio.open(tif) as ds:
            assert ds.descriptions[0], tif.name
            if tif.stem.startswith("level_"):
                assert ds.units == ("dBm",) and "(dBm)" in ds.descriptions[0]
                assert ds.tags(1)["units"] == "dBm"
            if tif.stem.startswith("covered_"):
                assert ds.dtypes[0] == "uint8"
                assert ds.colormap(1)[1][:3] == style.rgb(style.MET)
        qml = tif.with_suffix(".qml")
        if tif.stem.startswith("server_"):
            assert not qml.exists()
            continue
        doc = ET.fromstring(qml.read_text(encoding="utf-8").split("\n", 1)[1])
        renderer = doc.find("pipe/rasterrenderer")
        assert renderer.get("band") == "1"
        if tif.stem.startswith("level_"):
            items = doc.findall(".//colorrampshader/item")
            assert doc.find(".//colorrampshader").get("colorRampType") == "DISCRETE"
            # DISCRETE: a value takes the first item whose value it does not exceed
            by_bound = {item.get("value"): item.get("color") for item in items}
            assert by_bound["-110"] == "#{:02x}{:02x}{:02x}".format(*style.LEVEL_COLOURS[3][:3])
            assert by_bound["inf"] == "#{:02x}{:02x}{:02x}".format(*style.LEVEL_COLOURS[0][:3])
        if tif.stem.startswith("covered_"):
            assert renderer.get("type") == "paletted"


def test_the_geopackage_holds_qgis_layer_styles(rendered):
    path = rendered["vi"] / "results.gpkg"
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(layer_styles)")]
        assert set(exports.LAYER_STYLE_COLUMNS) <= set(columns)
        rows = db.execute("SELECT f_table_catalog, f_table_schema, f_table_name, "
                          "f_geometry_column, styleName, styleQML, useAsDefault "
                          "FROM layer_styles").fetchall()
        geometry = dict(db.execute("SELECT table_name, column_name FROM "
                                   "gpkg_geometry_columns").fetchall())
        registered = {r[0] for r in db.execute(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'attributes'")}
    assert "layer_styles" in registered  # as QGIS itself creates it, through GDAL
    styled = {r[2]: r for r in rows}
    assert {"hamlets", "households", "cells", "towers", "fibre_routes", "access_points",
            "suggested_sites", "sharing_candidates", "fibre_extensions", "commune"} <= set(styled)
    assert len(styled) == len(rows)  # a row per styled layer
    for name, (catalog, schema, _table, geom, style_name, qml, default) in styled.items():
        assert (catalog, schema, style_name, default) == ("", "", name, 1)
        assert geom == geometry[name]
        assert qml.startswith("<!DOCTYPE qgis")
        doc = ET.fromstring(qml.split("\n", 1)[1])
        assert doc.tag == "qgis" and doc.find("renderer-v2") is not None, name
    hamlets = ET.fromstring(styled["hamlets"][5].split("\n", 1)[1])
    fills = {o.get("value") for o in hamlets.iter("Option") if o.get("name") == "color"}
    for colour in style.HAMLET_STATUS_COLOURS.values():
        assert any(f.startswith(",".join(map(str, style.rgb(colour))) + ",") for f in fills)
    cells = ET.fromstring(styled["cells"][5].split("\n", 1)[1])
    categories = {c.get("value"): c.get("symbol") for c in cells.iter("category")}
    assert set(categories) == {"Viettel", "VinaPhone", "MobiFone", "Vietnamobile"}
    # and GDAL still reads every layer
    frame = gpd.read_file(path, layer="hamlets")
    assert len(frame) == 6


# --------------------------------------------------------------------------------------------
# 2b. Operator colours apart from the status colours (CIEDE2000)
# --------------------------------------------------------------------------------------------

def _ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), written from Sharma, Wu and Dalal
    (2005), "The CIEDE2000 color-difference formula: implementation notes, supplementary test
    data, and mathematical observations", Color Research & Application 30(1), eqs. 1-22."""
    (l1, a1, b1), (l2, a2, b2) = (map(float, lab1)), (map(float, lab2))
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1 = np.degrees(np.arctan2(b1, a1)) % 360 if c1 else 0.0
    h2 = np.degrees(np.arctan2(b2, a2)) % 360 if c2 else 0.0
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_l, d_c = l2 - l1, c2 - c1
    d_h = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    r_t = (-2 * np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7))
           * np.sin(np.radians(60 * np.exp(-(((h_mean - 275) / 25) ** 2)))))
    return float(np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2
                         + r_t * (d_c / s_c) * (d_h / s_h)))


#: Sharma et al. (2005), table 1: pairs of CIELAB colours and their CIEDE2000 difference.
SHARMA_PAIRS = [((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
                ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
                ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
                ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
                ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
                ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
                ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535)]

#: An operator's colour must be at least this far (CIEDE2000) from a status colour, in normal
#: vision and under each simulated deficiency. 10 is about five just-noticeable differences
#: for the formula; the palette keeps 14.
OPERATOR_STATUS_DE00 = 10.0


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA_PAIRS)
def test_ciede2000_matches_sharma_2005(lab1, lab2, expected):
    assert _ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert _ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def _status_colours() -> list[str]:
    """Colours that carry a status on some output: met / short (covered / not covered, on the
    maps, the KMZ, the QGIS styles and the web app) and "no data"."""
    from coverage_gis.web import layers

    return sorted({style.MET, style.SHORT, style.NO_DATA, maps._COVERED, maps._NOT_COVERED,
                   layers.COLOURS["covered"], layers.COLOURS["not_covered"]})


@pytest.mark.parametrize("matrix", [np.eye(3), MACHADO_DEUTERANOPIA, MACHADO_PROTANOPIA],
                         ids=["normal", "deuteranopia", "protanopia"])
def test_no_operator_colour_can_be_taken_for_a_status_colour(matrix):
    operators = set(style.OPERATOR_COLOURS.values()) | set(style.PALETTE)
    for colour in operators:
        for status in _status_colours():
            d = _ciede2000(_seen(colour, matrix), _seen(status, matrix))
            assert d >= OPERATOR_STATUS_DE00, (colour, status, d)
    # the check would have caught the old palette (Viettel's vermillion was "not covered",
    # VinaPhone's blue "covered"; FPT's green #117733 was vermillion to a protanope)
    assert _ciede2000(_seen("#D55E00", matrix), _seen(style.SHORT, matrix)) == 0
    if matrix is MACHADO_PROTANOPIA:
        assert _ciede2000(_seen("#117733", matrix), _seen(style.SHORT, matrix)) \
            < OPERATOR_STATUS_DE00


def test_operator_colours_stay_apart_under_protanopia_too():
    # 25 CIELAB units (about 11 just-noticeable differences): a little less than the 30 under
    # deuteranopia, which six colours besides blue and vermillion cannot all keep
    operators = sorted(set(style.OPERATOR_COLOURS.values()))
    for a, b in itertools.combinations(operators, 2):
        assert _delta(a, b, MACHADO_PROTANOPIA) >= 25.0, (a, b, _delta(a, b, MACHADO_PROTANOPIA))


# --------------------------------------------------------------------------------------------
# 4b. The web app's share classes are style.py's
# --------------------------------------------------------------------------------------------

def _js_function(source: str, name: str) -> str:
    """The text of ``function name(...) {...}`` in ``source`` (braces balanced)."""
    start = source.index(f"function {name}(")
    depth = 0
    for k in range(source.index("{", start), len(source)):
        depth += {"{": 1, "}": -1}.get(source[k], 0)
        if depth == 0:
            return source[start:k + 1]
    raise AssertionError(f"unbalanced function {name}")


def test_the_web_page_bins_hamlet_shares_as_style_does(chromium, sample, tmp_path):
    from coverage_gis.web.app import AppState

    served = json.loads(AppState(sample).map_json)["colours"]  # what GET /api/map sends
    assert served["share_bins"] == list(style.SHARE_BINS)
    assert served["share"] == list(style.SHARE_COLOURS)
    assert len(style.SHARE_COLOURS) == len(style.SHARE_BINS) + 2  # target, bins, the rest
    script = (Path(cg.__file__).parent / "web" / "static" / "app.js").read_text(encoding="utf-8")
    share_class = _js_function(script, "shareClass")
    assert not re.search(r"\b0?\.\d|\b[2-9]\d*\b", share_class)  # no bound of its own
    # the page's function, run in Chromium on each bound, just under it, and the extremes;
    # expected: 0 when covered, else 1 + the first bound the share reaches, -1 without data
    shares = sorted({0.0, 1.0} | {b for b in style.SHARE_BINS}
                    | {round(b - 1e-6, 9) for b in style.SHARE_BINS})
    expected = [1 + next((i for i, b in enumerate(style.SHARE_BINS) if s >= b),
                         len(style.SHARE_BINS)) for s in shares]
    probe = (f"var colours = {json.dumps(served)};\n{share_class}\n"
             f"log.classes = {json.dumps(shares)}.map(function (s) "
             "{ return shareClass(s, false); });\n"
             "log.special = [shareClass(0.1, true), shareClass(null, false)];")
    page = tmp_path / "bins.html"
    page.write_text(with_probe("<!DOCTYPE html><html><head><title>t</title></head>"
                               "<body></body></html>", probe), encoding="utf-8")
    run = run_chromium(page, dump_dom=True, chromium=chromium)
    assert run.probe and run.probe["errors"] == [], run.stderr[-2000:]
    assert run.probe["classes"] == expected, (shares, run.probe["classes"])
    assert run.probe["special"] == [0, -1]
    # every class has a colour, and the legend's words take the bounds
    assert max(expected) == len(style.SHARE_COLOURS) - 1
    for lang in ("vi", "en"):
        w = i18n.web_words(lang)
        assert "{lo}" in w["class_from"] and "{hi}" in w["class_low"]
        assert {"{lo}", "{hi}"} <= set(re.findall(r"\{\w+\}", w["class_between"]))


_DECLUTTER = r"""
var map = window[Object.keys(window).filter(function (k) {
  return /^map_/.test(k) && window[k] && window[k].setZoom; })[0]];
function shown() {
  var box = map.getContainer().getBoundingClientRect();
  return Array.prototype.filter.call(document.querySelectorAll('.leaflet-tooltip.cg-label'),
    function (e) {
      var r = e.getBoundingClientRect();
      return e.style.visibility !== 'hidden' && r.right > box.left && r.left < box.right &&
        r.bottom > box.top && r.top < box.bottom;
    }).map(function (e) { var r = e.getBoundingClientRect();
      return [r.left, r.top, r.right, r.bottom, e.textContent]; });
}
log.total = document.querySelectorAll('.leaflet-tooltip.cg-label').length;
map.setView(map.getCenter(), 11, {animate: false});
setTimeout(function () { log.far = shown();
  map.setView(map.getCenter(), 15, {animate: false});
  setTimeout(function () { log.near = shown(); }, 60);
}, 60);
"""


def test_hamlet_names_never_overlap_and_come_back_when_zooming_in(chromium, vi_map, tmp_path):
    """On a phone at zoom 13 hamlet names were written over each other: names that would
    overlap one already shown are hidden (the larger hamlets' kept) and shown again when
    zooming in makes room."""
    page = tmp_path / "declutter.html"
    page.write_text(with_probe(vi_map, _DECLUTTER), encoding="utf-8")
    run = run_chromium(page, dump_dom=True, chromium=chromium)
    probe = run.probe
    assert probe and probe["loaded"] and probe["errors"] == [], run.stderr[-2000:]
    far, near = probe["far"], probe["near"]
    assert probe["total"] >= 6
    for boxes in (far, near):
        for a, b in itertools.combinations(boxes, 2):
            assert not _intersect(a[:4], b[:4]), (a, b)
    # at zoom 11 the commune is a few tens of pixels across: one name, the largest hamlet's
    assert 1 <= len(far) < probe["total"]
    # at zoom 15 every name on screen is shown again
    assert len(near) > len(far)
