"""Merged cells of an .xlsx sheet, which readers (pandas, GDAL) give as empty but the top-left.

Operators' BTS lists and statistics workbooks merge a mast's ``tower_id``, status or
coordinates over the rows of its sectors; read as they come, all rows but the first of each
range are blank, and a blank status silently becomes ``existing`` (found by a review: 7 of 9
planned cells read as existing, 74 of 84 tower ids lost). The ranges are read from the sheet's
XML (``<mergeCell ref="A2:A4"/>``, ECMA-376 Part 1, §18.3.1.55), without loading its cells a
second time.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

__all__ = ["merged_ranges", "fill_merged_down"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Za-z]+\d+:[A-Za-z]+\d+)"')
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")


def merged_ranges(path: str | Path, sheet: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of the sheet named ``sheet`` of the .xlsx workbook at ``path``, as
    (first column, first row, last column, last row), 1-based; [] when none, or when the
    workbook's parts cannot be followed (the readers then say what is wrong with it)."""
    try:
        with zipfile.ZipFile(path) as book:
            part = _sheet_part(book, sheet)
            if part is None:
                return []
            xml = book.read(part)
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return []
    end = _SHEET_DATA_END.search(xml)
    tail = xml[end.end():] if end else xml  # the ranges follow the cells
    return [tuple(range_boundaries(ref.decode("ascii")))
            for ref in _MERGE.findall(tail)]


def _sheet_part(book: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the worksheet named ``sheet`` (workbook.xml's ``<sheet>`` and
    its relationship's target)."""
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    rid = next((s.get(_DOC_REL) for s in workbook.iter(f"{_MAIN}sheet")
                if s.get("name") == sheet), None)
    if rid is None:
        return None
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
    if not target:
        return None
    return (target.lstrip("/") if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target)))


def fill_merged_down(rows: list[list[Any]], ranges: list[tuple[int, int, int, int]]
                     ) -> list[str]:
    """Give every row of a range spanning rows the range's value (its top-left cell), in
    its first column, as a spreadsheet shows it; ``rows`` (a sheet's cells from A1, 0-based)
    is changed in place. A range within one row (a heading across columns) is one value and is
    left as it is. Returns the ranges filled, as written (``"A2:A4"``)."""
    filled = []
    for c0, r0, c1, r1 in ranges:
        if r1 <= r0 or r0 > len(rows) or c0 > len(rows[r0 - 1]):
            continue
        value = rows[r0 - 1][c0 - 1]
        for r in range(r0, min(r1, len(rows))):
            row = rows[r]
            if c0 - 1 < len(row):
                row[c0 - 1] = value
        filled.append(f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}")
    return filled
