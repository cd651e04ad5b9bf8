"""Outputs against hostile text found by fuzzing (round 4): characters XML 1.0 forbids in
report.xlsx, KML/KMZ and QGIS styles (R03, R04), and long unbroken text on the printed
check page (R06)."""

from __future__ import annotations

import collections
import dataclasses
import re
import subprocess
import tempfile
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

import coverage_gis as cg
from coverage_gis.engines import placement
from coverage_gis.outputs import exports, report
from coverage_gis.outputs.check_page import check_html, check_kml
from coverage_gis.outputs.xml_text import REPLACEMENT, xml_escape, xml_quoteattr, xml_text

from .browser import CHROMIUM_FLAGS, find_chromium
from .conftest import SAMPLE

KML = "{http://www.opengis.net/kml/2.2}"
#: Every kind of character XML 1.0 forbids: C0 controls (U+000B from Word/Excel), the
#: noncharacters U+FFFE/U+FFFF and a lone surrogate (argv bytes that are not UTF-8).
HOSTILE = "Thôn\x00Tân\x01Lập\x0bĐông\x0c\x1b\x1f\ufffe\uffff\udcff<b>&"
#: The same in a table: pandas' string columns (Arrow) cannot hold a lone surrogate at all.
IN_TABLE = HOSTILE.replace("\udcff", "")


# --------------------------------------------------------------------------------------------
# One function makes text safe for XML 1.0
# --------------------------------------------------------------------------------------------

def test_xml_text_replaces_exactly_the_characters_xml_forbids():
    forbidden = ([chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
                 + [chr(c) for c in range(0xD800, 0xE000)] + ["\ufffe", "\uffff"])
    for ch in forbidden:
        assert xml_text(f"a{ch}b") == f"a{REPLACEMENT}b", hex(ord(ch))
    allowed = "\t\n\r Thôn Đông\u00a0\u200b\ud7ff\ue000\ufffd\U0001f4e1\U0010ffff"
    assert xml_text(allowed) == allowed
    assert xml_text(42) == "42"
    assert xml_escape("a\x01<b>&") == f"a{REPLACEMENT}&lt;b&gt;&amp;"
    assert xml_quoteattr('a\x0b"') == f"'a{REPLACEMENT}\"'"
    # what comes out parses as XML
    doc = f"<r a={xml_quoteattr(HOSTILE)}>{xml_escape(HOSTILE)}</r>"
    root = ET.fromstring(doc.encode("utf-8"))
    assert root.text == root.get("a") == xml_text(HOSTILE)


# --------------------------------------------------------------------------------------------
# R03: report.xlsx with a control character in a cell
# --------------------------------------------------------------------------------------------

def test_the_workbook_takes_text_with_characters_xml_forbids(tmp_path):
    """openpyxl refused U+000B in a cell (IllegalCharacterError: analyze exited 3): every
    cell, column name and title now holds the text with U+FFFD in their place."""
    table = pd.DataFrame({"hamlet_id": ["QT01", "QT02"], "name": ["Thôn Tân\x0bLập", IN_TABLE],
                          "households": [250, 260], "ftth_share": [0.5, 0.25],
                          "extra\x01col": ["ok", None]})
    path = exports.write_xlsx({"hamlets": table}, tmp_path / "r.xlsx", lang="vi")
    sheet = openpyxl.load_workbook(path)["hamlets"]
    assert sheet["B3"].value == f"Thôn Tân{REPLACEMENT}Lập"
    assert sheet["B4"].value == xml_text(IN_TABLE) and sheet["B4"].data_type == "s"
    assert sheet["E2"].value == f"extra{REPLACEMENT}col"
    assert REPLACEMENT in sheet["E1"].value
    # the rest as before: numbers, shares, empty cells
    assert sheet["C3"].value == 250 and sheet["D3"].number_format == "0.00%"
    assert sheet["E3"].value == "ok" and sheet["E4"].value is None
    # the table handed in is not changed (the CSV files keep the text as read)
    assert table.loc[0, "name"] == "Thôn Tân\x0bLập"


# --------------------------------------------------------------------------------------------
# R04: KML, KMZ and QGIS styles are well-formed XML whatever the text
# --------------------------------------------------------------------------------------------

def test_the_kmz_is_well_formed_with_characters_xml_forbids(tmp_path, hamlets_gdf):
    gdf = hamlets_gdf.assign(name=[IN_TABLE, "Thôn\x01Đoài"])
    path = exports.write_kmz({"Thôn\x0b": (gdf, "name", ("name", "households"))},
                             tmp_path / "t.kmz", title="tiêu đề\x1b", lang="vi")
    root = ET.fromstring(zipfile.ZipFile(path).read("doc.kml"))
    marks = list(root.iter(f"{KML}Placemark"))
    assert [m.find(f"{KML}name").text for m in marks] == [xml_text(IN_TABLE),
                                                          f"Thôn{REPLACEMENT}Đoài"]
    balloon = marks[0].find(f"{KML}description").text
    assert "&lt;b&gt;&amp;" in balloon and "\x01" not in balloon
    assert root.find(f"{KML}Document/{KML}name").text == f"tiêu đề{REPLACEMENT}"


def test_qgis_styles_are_well_formed_with_characters_xml_forbids():
    cells = gpd.GeoDataFrame({"operator": ["Viet\x01tel", "VNPT"]},
                             geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs=3857)
    qml = exports.layer_qml("cells", cells)
    root = ET.fromstring(qml.encode("utf-8"))
    values = [c.get("value") for c in root.iter("category")]
    assert f"Viet{REPLACEMENT}tel" in values


@pytest.fixture(scope="module")
def sample_project():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cg.load_project(SAMPLE)


def _check(project, lon: float = 105.8639, lat: float = 20.0668):
    point = placement.locate_point(project, lon=lon, lat=lat)
    return placement.check_site(project, placement.ProposedSite("Viettel", "4G"), point), point


def test_the_check_kml_is_well_formed_with_characters_xml_forbids(sample_project):
    """The request id, the applicant (in the CDATA balloon) and a tower id from the sites
    file, each with a character XML forbids."""
    sites = sample_project.sites.copy()
    sites["tower_id"] = sites["tower_id"].replace("BSN-T01", "BSN\x0b-T01")
    project = dataclasses.replace(sample_project, sites=sites)
    check, point = _check(project)
    record = {"request_id": "HS\x01-2025\x0b12", "applicant": HOSTILE,
              "checked_at": "2026-01-02T03:04:05+07:00"}
    kml = check_kml(check, project, point, lang="vi", record=record)
    root = ET.fromstring(kml.encode("utf-8"))
    description = next(root.iter(f"{KML}Placemark")).find(f"{KML}description").text
    assert f"HS{REPLACEMENT}-2025{REPLACEMENT}12" in description
    assert "&lt;b&gt;&amp;" in description
    names = [m.find(f"{KML}name").text for m in root.iter(f"{KML}Placemark")]
    assert f"BSN{REPLACEMENT}-T01" in names


# --------------------------------------------------------------------------------------------
# R06: long unbroken text wraps instead of widening the printed page
# --------------------------------------------------------------------------------------------

def test_long_words_wrap_in_text_and_in_label_value_tables():
    """``overflow-wrap: anywhere`` (not in the old CSS) on headings, paragraphs, list items
    and the values of label/value tables, in the style the report and the check page share."""
    rule = re.search(r"([^{}]+)\{\s*overflow-wrap:\s*anywhere;\s*\}", report._CSS)
    assert rule is not None
    selectors = {s.strip() for s in rule.group(1).split(",")}
    assert {"h1", "h2", "p", "li", "th ~ td"} <= selectors
    assert "td" not in selectors  # data tables keep their words whole ("250", "KHÔNG")


def _print(chromium: str, page: Path, pdf: Path) -> tuple[int, float]:
    """Print ``page`` to PDF with Chromium: its number of pages and its body text's size (pt,
    the commonest; Chromium shrinks a page wider than A4 to fit)."""
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="cg-chromium-") as profile:
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
    reader = PdfReader(pdf)
    sizes: collections.Counter = collections.Counter()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes[round(size * tm[0] * cm[0], 1)] += len(text)

    for p in reader.pages:
        p.extract_text(visitor_text=visit)
    return len(reader.pages), sizes.most_common(1)[0][0]


def test_the_check_page_stays_one_a4_page_with_a_long_request_id(sample_project, tmp_path):
    """An 80- or 200-character request id without spaces (the web app takes 200) made
    Chromium print check.html on two pages, or on one at 2/3 of its type size."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    check, point = _check(sample_project)
    results = {}
    for n in (12, 80, 200):
        rid = ("HS-2025-" + "0123456789" * 20)[:n]
        page = tmp_path / f"check{n}.html"
        page.write_text(check_html(check, sample_project, point, lang="vi",
                                   record={"request_id": rid, "applicant": "A" * n}),
                        encoding="utf-8")
        results[n] = _print(chromium, page, tmp_path / f"check{n}.pdf")
    assert results[12][0] == 1
    for n in (80, 200):
        assert results[n] == results[12], (n, results)


def test_breakable_escapes_and_lets_long_words_break():
    assert report.breakable("Thôn <Đông> & Tây") == "Thôn &lt;Đông&gt; &amp; Tây"
    word = "QT-" + "0123456789" * 3  # 33 characters, no space
    assert report.breakable(f"a {word} b") == (
        f"a {word[:12]}<wbr>{word[12:24]}<wbr>{word[24:]} b")
    assert report.breakable("<" * 26).count("<wbr>") == 2  # escaped piece by piece
    assert "<wbr>" not in report.breakable("x" * 24)  # short words stay whole


def test_the_report_keeps_its_type_size_with_a_long_hamlet_name(tmp_path):
    """A 300-character hamlet name without spaces widened the hamlets' table: the report
    printed on 2 pages at 6.3 pt instead of 4 at 9.5 pt."""
    from .conftest import analyze_sample

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    result = analyze_sample()
    cg.write_analysis(result, tmp_path / "normal", lang="vi")
    result.hamlets = result.hamlets.copy()
    result.hamlets.loc[result.hamlets.index[0], "name"] = "Thôn" + "ĐôngSơn" * 42
    cg.write_analysis(result, tmp_path / "long", lang="vi")
    pages, size = _print(chromium, tmp_path / "normal" / "report.html", tmp_path / "n.pdf")
    long_pages, long_size = _print(chromium, tmp_path / "long" / "report.html",
                                   tmp_path / "l.pdf")
    assert long_size == size
    assert pages <= long_pages <= pages + 1  # the name's own wrapped lines
