"""Codes in words on the files people read (issue 14): the engines' codes in ``report.xlsx``
(kinds, sources, units, statuses, bases, rules, targets) and the typed option names on
``check.html`` are in words of the file's language, while the CSV files keep the codes (the
machine-readable contract).

References: the codes are read from the engines' source (AST: the values they write into each
column) and from the configuration's tables, never listed here; "English" is what the
project's own English word list finds (``tests/test_static_outputs._leaks``), or a word of the
code itself left in the Vietnamese cell.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import coverage_gis as cg
from coverage_gis.cli.main import main
from coverage_gis.config import settings
from coverage_gis.outputs import check, exports, i18n

from .conftest import analyze_sample, render_both
from .test_static_outputs import _input_data, _leaks, _Text

PACKAGE = Path(cg.__file__).parent


# --------------------------------------------------------------------------------------------
# The codes, from the engines' source
# --------------------------------------------------------------------------------------------

def _string_values(module: str, key: str, sibling: str | None = None) -> set[str]:
    """Strings ``module`` (a path under the package) writes as ``key``: dict entries
    ``{key: "..."}`` (with ``sibling`` among the dict's keys, when given), fallbacks
    ``{key: x or "..."}``, ``key = "..."`` and ``table[key] = "..."``."""
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    found: set[str] = set()

    def text(node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return text(node.values[-1])
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if sibling is None or sibling in keys:
                found |= {v for k, val in zip(node.keys, node.values)
                          if isinstance(k, ast.Constant) and k.value == key
                          and (v := text(val)) is not None}
        elif isinstance(node, ast.Assign) and (value := text(node.value)) is not None:
            for target in node.targets:
                if (isinstance(target, ast.Name) and target.id == key) or (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.slice, ast.Constant)
                        and target.slice.value == key):
                    found.add(value)
    return found


def _codes() -> dict[str, set[str]]:
    """``sheet.column`` -> every code the engines write there."""
    statuses = set(settings.STATUS_ALIASES)
    return {
        "sharing_candidates.kind": _string_values("engines/sharing.py", "kind"),
        "suggested_sites.kind": _string_values("engines/placement.py", "kind", "tower_id"),
        "suggested_sites.operator": _string_values("engines/placement.py", "operator",
                                                   "operators_on_tower"),
        "scorecard.source": ({t[4] for t in settings.PLAN_TARGETS.values()}
                             | _string_values("engines/targets.py", "source")),
        "scorecard.unit": {t[3] for t in settings.PLAN_TARGETS.values()},
        "towers.status": statuses,
        "sharing_candidates.status_a": statuses,
        "sharing_candidates.status_b": statuses,
        "hamlets.households_basis": _string_values("pipeline.py", "households_basis"),
        "hamlets.share_basis": _string_values("engines/coverage.py", "basis"),
    }


def _code_words(code: str) -> set[str]:
    """The words of a code (``share-instead-of-build`` -> share, instead, build)."""
    return {t.lower() for t in re.findall(r"[^\W\d_]+", code) if len(t) >= 3}


def test_the_code_lists_are_read_from_the_engines(sample_analysis):
    codes = _codes()
    assert all(codes.values()), {k: v for k, v in codes.items() if not v}
    # every code the sample's tables hold is among them (the AST reading misses none)
    a = sample_analysis
    seen = {"sharing_candidates.kind": a.sharing_candidates["kind"],
            "suggested_sites.kind": a.suggestions["kind"],
            "suggested_sites.operator": a.suggestions["operator"],
            "scorecard.source": a.scorecard["source"], "towers.status": a.towers["status"],
            "hamlets.households_basis": a.hamlets["households_basis"],
            "hamlets.share_basis": a.hamlets["share_basis"]}
    for column, values in seen.items():
        assert set(values.dropna()) <= codes[column], column
    assert len(codes["sharing_candidates.kind"]) >= 2 and len(codes["scorecard.unit"]) >= 2


@pytest.mark.parametrize("column", sorted(_codes()))
def test_every_code_has_words_in_both_languages(column):
    sheet, col = column.split(".")
    for code in sorted(_codes()[column]):
        table = pd.DataFrame({col: [code]})
        vi = exports.worded_codes(sheet, table, "vi")[col].iloc[0]
        en = exports.worded_codes(sheet, table, "en")[col].iloc[0]
        assert vi != code and en, (column, code)
        # no word of the machine code is left in the Vietnamese cell
        assert not _code_words(code) & _code_words(vi), (column, code, vi)
        # the English words are words, not the machine form
        assert "_" not in en and not re.search(r"\w-\w+-\w", en), (column, code, en)
    # the table is left as it was
    assert list(table[col]) == [code]


# --------------------------------------------------------------------------------------------
# report.xlsx of the sample, and its CSV files
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_analysis():
    return analyze_sample()


@pytest.fixture(scope="module")
def rendered(sample_analysis, tmp_path_factory):
    return render_both(sample_analysis, tmp_path_factory, "words")


#: Columns of the workbook worded with the analysis: sentences made from codes.
WORDED_WITH_ANALYSIS = {"scorecard": ("basis",), "hamlets": ("ftth_rule",),
                        "fibre_extensions": ("target", "note")}


def _columns(book: openpyxl.Workbook) -> dict[str, list]:
    """``sheet.column`` (machine name, row 2) -> its values."""
    out = {}
    for sheet in book.worksheets:
        for k, cell in enumerate(sheet[2], start=1):
            out[f"{sheet.title}.{cell.value}"] = [sheet.cell(r, k).value
                                                  for r in range(3, sheet.max_row + 1)]
    return out


def test_the_vietnamese_workbook_has_no_english_code(sample_analysis, rendered):
    columns = _columns(openpyxl.load_workbook(rendered["vi"] / "report.xlsx"))
    checked = [c for c in columns if c.split(".")[1] in exports.CODE_COLUMNS
               or c in exports.CODE_COLUMNS
               or c.split(".")[1] in WORDED_WITH_ANALYSIS.get(c.split(".")[0], ())]
    assert {"scorecard.source", "scorecard.unit", "scorecard.basis", "hamlets.ftth_rule",
            "towers.status", "sharing_candidates.kind", "suggested_sites.kind",
            "suggested_sites.operator", "fibre_extensions.target"} <= set(checked)
    codes = set().union(*_codes().values())
    data = _input_data(sample_analysis)
    for column in checked:
        text = "\n".join(str(v) for v in columns[column] if v is not None)
        assert _leaks(text, data, set()) == set(), column
        assert not {str(v) for v in columns[column]} & codes, column
    # the same check finds the English workbook's English
    en = _columns(openpyxl.load_workbook(rendered["en"] / "report.xlsx"))
    leaks = set().union(*(_leaks("\n".join(str(v) for v in en[c] if v is not None), data,
                                 set()) for c in checked))
    assert {"towers", "households", "passed"} <= leaks


def test_the_workbook_words_what_the_report_words(sample_analysis, rendered):
    """The scorecard's basis reads as on report.html; the hamlets' rule and the extensions'
    target as fibre_text words them in the language."""
    from coverage_gis.outputs import fibre_text

    book = openpyxl.load_workbook(rendered["vi"] / "report.xlsx")
    columns = _columns(book)
    page = (rendered["vi"] / "report.html").read_text(encoding="utf-8")
    card = pd.DataFrame({k: columns[f"scorecard.{k}"]
                         for k in ("indicator", "source", "year", "basis")})
    assert card["basis"].notna().all()
    latest = card.loc[card.groupby(["indicator", "source"])["year"].idxmax()]
    assert len(latest) >= 8
    for basis in latest["basis"]:  # the report shows each indicator's latest year
        assert html.escape(basis, quote=False) in page, basis
    params = sample_analysis.fibre.params
    rules = fibre_text.hamlet_table(sample_analysis.hamlets, params, "vi")
    assert columns["hamlets.ftth_rule"] == [
        None if pd.isna(v) else v for v in rules["ftth_rule"]]
    targets = fibre_text.extension_table(sample_analysis.fibre.extensions, params, "vi")
    assert columns["fibre_extensions.target"] == list(targets["target"])


def test_the_csv_files_keep_the_codes(sample_analysis, rendered):
    for lang in ("vi", "en"):
        folder = rendered[lang]
        card = pd.read_csv(folder / "scorecard.csv")
        assert set(card["unit"]) <= _codes()["scorecard.unit"]
        assert set(card["source"]) <= _codes()["scorecard.source"]
        pairs = pd.read_csv(folder / "sharing_candidates.csv")
        assert list(pairs["kind"]) == list(sample_analysis.sharing_candidates["kind"])
        assert set(pd.read_csv(folder / "towers.csv")["status"]) <= set(
            settings.STATUS_ALIASES)
        sites = pd.read_csv(folder / "suggested_sites.csv")
        assert list(sites["kind"]) == list(sample_analysis.suggestions["kind"])
    # and the workbook's row 2 keeps the machine names, as the CSV's header
    frame = pd.read_excel(rendered["vi"] / "report.xlsx", sheet_name="towers", header=1)
    assert list(frame.columns) == list(pd.read_csv(rendered["vi"] / "towers.csv").columns)


# --------------------------------------------------------------------------------------------
# check.html: the typed option names
# --------------------------------------------------------------------------------------------

TYPED_XY = ["--x", "588150", "--y", "2219700,0", "--crs", "VN2000-ThanhHoa", "--operator",
            "viettel", "--technology", "LTE", "--band-mhz", "1800", "--height-m", "35,5",
            "--azimuth-deg", "0", "120", "240", "--eirp-dbm", "58", "--bandwidth-mhz", "10"]
#: No azimuth: one omni cell; lon/lat as typed.
TYPED_LONLAT = ["--lon", "105.8446", "--lat", "20.0652", "--operator", "MobiFone",
                "--technology", "4G"]


@pytest.fixture(scope="module")
def checks(tmp_path_factory) -> dict[str, str]:
    """check.html of two checks in each language: {"xy-vi": page, ...}."""
    out = {}
    for name, typed in (("xy", TYPED_XY), ("lonlat", TYPED_LONLAT)):
        for lang in ("vi", "en"):
            folder = tmp_path_factory.mktemp("check") / f"{name}_{lang}"
            assert main(["-q", "check-site", *typed, "--lang", lang, "--out",
                         str(folder)]) == 0
            out[f"{name}-{lang}"] = (folder / "check.html").read_text(encoding="utf-8")
    return out


def _page_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "\n".join(parser.parts)


def test_the_vietnamese_check_page_has_no_english(sample_analysis, checks):
    typed = [v for v in TYPED_XY + TYPED_LONLAT if not v.startswith("--")]
    # the CRSs' names are names ("VN-2000 / TM-3 zone 482"), not English to translate
    data = _input_data(sample_analysis) + typed + ["WGS 84", "EPSG", "TM-3 zone"]
    for name in ("xy", "lonlat"):
        text = _page_text(checks[f"{name}-vi"])
        assert _leaks(text, data, set()) == set(), name
        # what the issue reported: machine names of options, and "omni"
        for option in check.INPUT_OPTIONS:
            if option not in ("x", "y"):
                assert f"{option}:" not in text, (name, option)
        assert "omni" not in text.lower()
        assert ">map<" not in checks[f"{name}-vi"] and 'aria-label="map"' not in \
            checks[f"{name}-vi"]
    w = i18n.words("vi")
    xy = _page_text(checks["xy-vi"])
    assert f"{w['height_m']}: 35,5" in xy and f"{w['eirp_dbm']}: 58" in xy
    assert f"{w['bandwidth_mhz']}: 10" in xy and f"{w['operator']}: viettel" in xy
    assert f"{w['lon']}: 105.8446; {w['lat']}: 20.0652" in _page_text(checks["lonlat-vi"])
    assert w["proposal_omni"] in _page_text(checks["lonlat-vi"])
    # the same check finds the English of the English pages
    for name in ("xy", "lonlat"):
        assert _leaks(_page_text(checks[f"{name}-en"]), data, set())
    assert i18n.words("en")["proposal_omni"] in _page_text(checks["lonlat-en"])


def test_every_typed_option_has_a_name_in_both_languages():
    from coverage_gis.outputs.check_page import _typed

    options = [k for k in check.INPUT_OPTIONS if k != "crs"]  # the CRS has its own row
    values = {k: "1" for k in options}
    for lang in i18n.LANGS:
        shown = _typed(values, options, i18n.words(lang))
        names = [part.split(":")[0] for part in shown.split("; ")]
        assert len(names) == len(options)
        if lang == "vi":
            machine = [n for n in names if n in options and n not in ("x", "y")]
            assert machine == [], machine
        assert not [n for n in names if "_" in n], (lang, names)  # words, not identifiers
