"""A tower check in words: ``check.json`` and the sentences of its reasons.

The engine (:func:`coverage_gis.engines.placement.check_site`) returns values and codes (a
:class:`~coverage_gis.engines.placement.CheckResult`); here they become the ``check.json``
contract, whose sentences (``reasons``, ``sharing.text``) are English, written by
:mod:`coverage_gis.outputs.i18n` like every other word.
"""

from __future__ import annotations

from typing import Any

from coverage_gis.engines.placement import CheckResult, ConstraintCheck
from coverage_gis.outputs import i18n

__all__ = ["check_json", "reason_texts", "sharing_text", "constraint_name", "JSON_LANG"]

#: Machine-readable outputs are in English (codes beside the sentences give any language).
JSON_LANG = "en"


def reason_texts(check: CheckResult, lang: str = "vi") -> list[str]:
    """The reasons for the verdict, one sentence each, in ``lang``."""
    return [i18n.reason_text(r.code, r.params, lang) for r in check.reasons]


def sharing_text(check: CheckResult, lang: str = "vi") -> str:
    """What the nearest towers mean for the proposal, in one sentence in ``lang``."""
    return i18n.reason_text(check.sharing.reason.code, check.sharing.reason.params, lang)


def constraint_name(constraint: ConstraintCheck, lang: str = "vi") -> str | None:
    """The name shown for a constraint: its own, or "nearest household" in ``lang`` for the
    nearest dwelling."""
    if constraint.nearest_household:
        return i18n.words(lang)["nearest_household"]
    return constraint.name


def check_json(check: CheckResult) -> dict[str, Any]:
    """The content of ``check.json``: ``proposal``, ``location``, ``nearest_towers``,
    ``sharing`` (with its sentence, ``text``), ``coverage_gain``, ``constraints``,
    ``verdict``, ``reasons`` (sentences) and ``reason_codes`` (code and parameters)."""
    doc = check.to_json()
    doc["sharing"]["text"] = sharing_text(check, JSON_LANG)
    for item, constraint in zip(doc["constraints"], check.constraints):
        item["name"] = constraint_name(constraint, JSON_LANG)
    codes = doc.pop("reason_codes")
    doc["reasons"] = reason_texts(check, JSON_LANG)
    doc["reason_codes"] = codes
    return doc
