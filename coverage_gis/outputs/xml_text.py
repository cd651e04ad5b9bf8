"""Text made safe for the XML outputs (``report.xlsx``, KML/KMZ, QGIS styles).

XML 1.0 allows only TAB, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF
(https://www.w3.org/TR/xml/#charsets). Text from input files and the command line can hold
others: C0 control characters pasted from Word or Excel (U+000B, Word's manual line break),
the noncharacters U+FFFE and U+FFFF, and lone surrogates (Python's ``surrogateescape`` for
bytes that are not UTF-8). Escaping (``&``, ``<``, ``>``) leaves them, and an XML reader then
refuses the whole file (Google Earth, QGIS); openpyxl refuses them in a cell.

:func:`xml_text` replaces each of them by U+FFFD (the Unicode replacement character, "�"):
the text stays readable, and whoever reads it sees that a character was there that could not
be kept, instead of two words silently run together or a space that was never typed. Only
the XML outputs change; ``check.json`` and the CSV files keep the text exactly as read.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = ["REPLACEMENT", "xml_text", "xml_escape", "xml_quoteattr"]

#: What replaces a character XML 1.0 forbids.
REPLACEMENT = "\ufffd"

#: The characters XML 1.0 forbids (the complement of its ``Char`` production).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """``str(value)`` with every character XML 1.0 forbids replaced by :data:`REPLACEMENT`
    (not escaped: for writers that escape themselves, such as openpyxl)."""
    return _FORBIDDEN.sub(REPLACEMENT, str(value))


def xml_escape(value: Any) -> str:
    """``str(value)`` as XML character data: :func:`xml_text`, then ``&``, ``<``, ``>``
    escaped."""
    return escape(xml_text(value))


def xml_quoteattr(value: Any) -> str:
    """``str(value)`` as a quoted XML attribute value: :func:`xml_text`, then quoted and
    escaped (``xml.sax.saxutils.quoteattr``)."""
    return quoteattr(xml_text(value))
