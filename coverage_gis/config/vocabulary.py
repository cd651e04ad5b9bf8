"""The names met in real files for operators, technologies and site statuses, and their
canonical forms (the alias tables are in :mod:`coverage_gis.config.settings`).

Plain Python, so that every layer (the radio formulas included) can normalise a name without
importing the readers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from coverage_gis.config import settings

__all__ = ["is_blank", "name_key", "normalise_operator", "normalise_technology",
           "normalise_status", "normalise_access_point_kind"]


def is_blank(value: Any) -> bool:
    """None, NaN, pandas' NA or text of blanks."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    if isinstance(value, str):
        return not value.strip()
    return type(value).__name__ == "NAType"  # pandas.NA, without importing pandas


def name_key(value: Any) -> str:
    """A name as looked up: lower case, without spaces, dashes, underscores, dots, slashes."""
    return re.sub(r"[\s\-_./]+", "", str(value)).lower()


def _lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table = {}
    for canonical, names in aliases.items():
        table[name_key(canonical)] = canonical
        for name in names:
            table[name_key(name)] = canonical
    return table


_OPERATORS = _lookup(settings.OPERATOR_ALIASES)
_FIBRE_OPERATORS = _lookup(settings.FIBRE_OPERATOR_ALIASES)
_TECHNOLOGIES = _lookup(settings.TECHNOLOGY_ALIASES)
_STATUSES = _lookup(settings.STATUS_ALIASES)
_ACCESS_POINT_KINDS = _lookup(settings.ACCESS_POINT_KIND_ALIASES)


def normalise_operator(value: Any, fibre: bool = False) -> str | None:
    """Canonical operator name for a spelling met in real files, or None when unknown.

    ``"viettel"``, ``"VTL"`` → ``"Viettel"``; ``"VNPT"`` → ``"VinaPhone"`` (mobile) or ``"VNPT"``
    (``fibre=True``, the fixed network of the same group).
    """
    if is_blank(value):
        return None
    return (_FIBRE_OPERATORS if fibre else _OPERATORS).get(name_key(value))


def normalise_technology(value: Any) -> str | None:
    """``"LTE"``, ``"4g"`` → ``"4G"``; ``"NR"`` → ``"5G"``; None when unknown."""
    if is_blank(value):
        return None
    return _TECHNOLOGIES.get(name_key(value))


def normalise_status(value: Any) -> str | None:
    """``"active"``, ``"hiện có"`` → ``"existing"``; ``"quy hoạch"`` → ``"planned"``."""
    if is_blank(value):
        return None
    return _STATUSES.get(name_key(value))


def normalise_access_point_kind(value: Any) -> str | None:
    """``"Splitter cấp 1"``, ``"Splitter 1:8"`` → ``"splitter"``; ``"Hộp FAT"``, ``"FAT-16"``,
    ``"Splitter cấp 2"`` → ``"FAT"``; ``"Tủ OLT"`` → ``"OLT"``; ``"Măng xông"`` → ``"closure"``
    (``settings.ACCESS_POINT_KIND_ALIASES``); None when blank or unknown."""
    if is_blank(value):
        return None
    key = name_key(unicodedata.normalize("NFC", str(value)))
    for k in (key, re.sub(r"\d+:\d+", "", key), re.sub(r"\d+$", "", key)):
        if k in _ACCESS_POINT_KINDS:
            return _ACCESS_POINT_KINDS[k]
    return None
