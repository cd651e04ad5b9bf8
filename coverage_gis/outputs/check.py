"""A tower check in words: ``check.json`` and the sentences of its reasons.

The engine (:func:`coverage_gis.engines.placement.check_site`) returns values and codes (a
:class:`~coverage_gis.engines.placement.CheckResult`); here they become the ``check.json``
contract, whose sentences (``reasons``, ``sharing.text``) are English, written by
:mod:`coverage_gis.outputs.i18n` like every other word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coverage_gis.outputs import i18n

if TYPE_CHECKING:  # pragma: no cover  (annotations only: the command line imports this early)
    from coverage_gis.engines.placement import CheckResult, ConstraintCheck, ExposureCheck

__all__ = ["check_json", "check_record", "INPUT_OPTIONS", "RECORD_KEYS", "reason_texts",
           "limit_percent", "sharing_text", "constraint_name", "constraint_basis",
           "constraint_distances",
           "bands_outside_text", "exposure_result", "JSON_LANG"]

#: Machine-readable outputs are in English (codes beside the sentences give any language).
JSON_LANG = "en"



def limit_percent(ratio: float) -> str:
    """An exposure ratio as a percentage of the limit, with one decimal unless that would
    show it on the other side of 100 % (0.99995: "99.995%", not "100.0%" beside "ok")."""
    from coverage_gis.engines.rounding import rounded_against  # numpy: not for --help

    shown = rounded_against(100.0 * float(ratio), 100.0, 1)
    decimals = len(f"{shown:.3f}".rstrip("0").split(".")[1])
    return f"{shown:.{max(1, decimals)}f}%"


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


def constraint_basis(constraint: ConstraintCheck, lang: str = "vi") -> str:
    """A distance rule's basis in words: the regulation with its source, the local setting,
    or, for a row citing a regulation without its distance, the tool's default (a local
    setting) with the document it cites, never attributed to it."""
    w = i18n.words(lang)
    text = i18n.basis_name(constraint.basis, lang)
    who = w.get(f"set_by_{constraint.set_by}")   # a distance the layer gives: its source
    if constraint.cited_source is not None:
        cited = w["basis_default_cited"].format(source=constraint.cited_source)
        return f"{text}: " + (f"{who} ({cited})" if who else cited)
    if who:
        return f"{text}: {who}"
    return text + (f": {constraint.source}" if constraint.source else "")


def constraint_distances(constraint: ConstraintCheck, lang: str = "vi") -> tuple[str, str]:
    """The distance found and the minimum (m), as the rules tables show them: whole metres
    unless that hides which side of the minimum the distance lies
    (:func:`coverage_gis.outputs.i18n.distance_text`)."""
    measured = (constraint.measured_m if constraint.measured_m is not None
                else constraint.distance_m)
    return i18n.distance_text(measured, constraint.min_distance_m, lang)


def bands_outside_text(rf: ExposureCheck, lang: str = "vi") -> str | None:
    """The cells whose band lies outside the range the exposure limit is quoted for, in
    words (None when there is none)."""
    if not rf.bands_outside:
        return None
    lo, hi = rf.band_range_mhz
    return i18n.words(lang)["rf_band_outside"].format(
        cells=", ".join(b["site_id"] for b in rf.bands_outside),
        bands=", ".join(dict.fromkeys(i18n.number_text(b["band_mhz"], lang)
                                      for b in rf.bands_outside)),
        low=i18n.number_text(lo, lang), high=i18n.number_text(hi, lang))


def exposure_result(rf: ExposureCheck, lang: str = "vi") -> str:
    """The RF exposure rule's result in a word: met, exceeded, over only at an assumed
    height, or not covered by the limit (a band outside its range,
    :attr:`ExposureCheck.status`)."""
    w = i18n.words(lang)
    return {"ok": w["ok"], "exceeded": w["too_close"],
            "exceeded_at_assumed_height": w["rf_assumed_height"]}.get(rf.status,
                                                                       w["band_not_covered"])


#: Keys of a check's record (:func:`check_json`), in their order in ``check.json``.
RECORD_KEYS = ("input", "checked_at", "software_version", "request_id", "applicant")


def check_json(check: CheckResult, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """The content of ``check.json``: ``proposal``, ``location``, ``nearest_towers``,
    ``sharing`` (with its sentence, ``text``), ``coverage_gain``, ``constraints``,
    ``verdict``, ``reasons`` (sentences) and ``reason_codes`` (code and parameters),
    ``exposure`` and ``aviation_obstacle`` (the rule on the mast's height); then ``point``
    (WGS 84 lon/lat and VN-2000 / TM-3 x/y with the CRS names) and the record when given
    (:data:`RECORD_KEYS`: ``input`` as typed, ``checked_at``, ``software_version``,
    ``request_id`` and ``applicant`` when present). Numbers that are not finite are null."""
    doc = check.to_json()
    point = doc.pop("point")
    doc["sharing"]["text"] = sharing_text(check, JSON_LANG)
    for item, constraint in zip(doc["constraints"], check.constraints):
        item["name"] = constraint_name(constraint, JSON_LANG)
    codes = doc.pop("reason_codes")
    rf = doc.pop("exposure")
    aviation = doc.pop("aviation_obstacle")
    doc["reasons"] = reason_texts(check, JSON_LANG)
    doc["reason_codes"] = codes
    doc["exposure"] = rf
    doc["aviation_obstacle"] = aviation
    doc["point"] = point
    for key in RECORD_KEYS:
        if record is not None and record.get(key) is not None:
            doc[key] = record[key]
    from coverage_gis.outputs.files import json_safe  # pandas: not at --help's import

    return json_safe(doc)  # a place without a name: null, not NaN (found by a review)


#: The options a check echoes as typed (``check.json`` ``input``), in this order.
INPUT_OPTIONS = ("lon", "lat", "x", "y", "crs", "operator", "technology", "band_mhz",
                 "height_m", "azimuth_deg", "eirp_dbm", "bandwidth_mhz")


def check_record(args: Any) -> dict[str, Any]:
    """What the check's file records beside the result, from ``args`` (the command line's
    options, or anything with the same attributes: the web app's query): ``input`` (every
    option exactly as
    typed, strings; the CRS "WGS 84" for --lon/--lat), ``checked_at`` (ISO 8601, local time
    with its offset), ``software_version``, ``request_id`` and ``applicant`` (None when not
    given)."""
    from datetime import datetime

    from coverage_gis.version import __version__

    typed = {k: getattr(args, k, None) for k in INPUT_OPTIONS}
    if typed["crs"] is None and (typed["lon"] is not None or typed["lat"] is not None):
        typed["crs"] = "WGS 84"
    return {"input": typed,
            "checked_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "software_version": __version__, "request_id": args.request_id,
            "applicant": args.applicant}
