"""Words for the typed indicators (:mod:`coverage_gis.engines.indicators`): their rules and
notes, ``summary.json``'s ``indicators`` object, and the scorecard's ``basis`` column.

``summary.json`` keeps the shape it always had (``value``, counts, ``target``, ``rule`` or
``method`` in English, ``source``), so that tools reading it keep working.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from coverage_gis.config import settings
from coverage_gis.config.params import FibreParams
from coverage_gis.engines.indicators import (
    UNIT_BASES,
    HamletIndicator,
    HouseholdFibreIndicator,
    Indicators,
    SharingIndicator,
    SharingRatio,
    UnitIndicators,
)
from coverage_gis.outputs.fibre_text import rule_text as fibre_rule_text
from coverage_gis.outputs.i18n import number_text, words
from coverage_gis.outputs.records import table_rows

__all__ = ["DEFAULT_HAMLET_TARGETS", "hamlet_targets", "rule_text", "mobile_rule_text",
           "sharing_method_text", "sharing_scope_text", "f1_note_text", "f1_flag_texts",
           "indicators_json", "scorecard_table"]

_SHARING_METHODS = {
    "towers": "towers used by 2+ operators / all towers",
    "installations": "operator installations on shared towers / all installations",
}


def sharing_method_text(method: str) -> str:
    """M5's definition in words."""
    return _SHARING_METHODS[method]


def sharing_scope_text(ind: SharingIndicator) -> str:
    """Which towers M5 counts, in words (English): ``"towers inside the unit (commune
    boundary)"`` or ``"all towers of the sites layer"``."""
    if ind.scope == "all_towers":
        return "all towers of the sites layer"
    if ind.scope == "inside_unit":
        where = {"commune": "the unit (commune boundary)",
                 "hamlets": "the unit (union of the hamlets)",
                 "unit": "the unit (the unit's 2025 boundary)",
                 "province": "the province's units (their 2025 boundaries)"}
        return f"towers inside {where.get(UNIT_BASES.get(ind.unit_basis or '', ''), 'the unit')}"
    raise ValueError(f"unknown M5 scope code {ind.scope!r}")


def shown_extent(project: Any) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) a map of ``project`` shows, in its CRS: its hamlets', else
    its commune boundary's (a unit of a province study may hold no hamlet of the data: found
    by fuzzing, its map and report failed on NaN bounds)."""
    hamlets, commune = project.hamlets, project.commune
    area = (hamlets if hamlets is not None and len(hamlets) or commune is None
            or not len(commune) else commune)
    return tuple(float(v) for v in area.total_bounds)  # type: ignore[return-value]


def share_basis(hamlets: Any) -> str:
    """What the hamlets' mobile shares are shares of: ``"households"``, or ``"area"`` when
    the study has no households (the hamlet table's ``share_basis``); ``"households"`` for a
    table without that column or without rows (an analysis emptied in a notebook)."""
    if "share_basis" not in hamlets or not len(hamlets):
        return "households"
    return str(hamlets["share_basis"].iloc[0])


def mobile_rule_text(p: Mapping[str, Any], lang: str = "en") -> str:
    """M4's rule (``rule_params`` of its indicator) in words of ``lang``: the share of
    households, or of the area where the study has no households (``share_basis``), and that
    planned cells were counted when they were (``include_planned``)."""
    w = words(lang)
    chance = p.get("location_probability")  # absent: results from before (the median)
    at = w["rule_probability"].format(p=f"{chance:.0%}") if chance is not None else ""
    planned = w["rule_planned"] if p.get("include_planned") else ""  # a review: unsaid
    return w["rule_mobile"].format(
        share=f"{p['hamlet_share']:.0%}", of_what=w[f"of_{p['share_basis']}"],
        t4=number_text(p["threshold_4g_dbm"], lang), t5=number_text(p["threshold_5g_dbm"], lang),
        where=w["indoors"] if p["indoor"] else w["outdoors"], at=at) + planned


def rule_text(ind: HamletIndicator) -> str:
    """How the hamlets of M4 or F2 were judged, in words."""
    p = ind.rule_params
    if ind.rule == "mobile_broadband_share":
        return mobile_rule_text(p)
    if ind.rule == "ftth":
        params = FibreParams(max_drop_m=p["max_drop_m"], hamlet_share=p["hamlet_share"],
                             hamlet_rule=p["hamlet_rule"])
        return "; ".join(fibre_rule_text(code, params) for code in p["used"])
    raise ValueError(f"unknown rule code {ind.rule!r}")


#: F1 computed from all FTTH subscriptions: what the scorecard says (English).
TOTAL_SUBSCRIPTIONS_ONLY = ("from all FTTH subscriptions (agencies and enterprises included): "
                            "the statistics give no household_ftth_subscriptions")

_F1_FLAGS = {
    "subscriptions_above_homes_passed": "data check: {subs} subscriptions but only "
                                        "{passed} homes passed on the map",
    "subscriptions_above_ports_used": "data check: {subs} subscriptions but only {ports} "
                                      "ports used in the map's drop boxes",
}


def f1_note_text(f1: HouseholdFibreIndicator) -> str | None:
    """Why F1 has no value, or that it counts all subscriptions, in words (None when
    neither)."""
    return {None: None,
            "no_statistics_table": "no statistics table",
            "no_statistics_for_year": f"no statistics for {f1.year}",
            "missing_counts": "statistics lack ftth_subscriptions or households for the year",
            "total_subscriptions_only": TOTAL_SUBSCRIPTIONS_ONLY,
            "statistics_not_per_unit": "the statistics table is the province's, not per unit",
            }[f1.note]


def f1_flag_texts(f1: HouseholdFibreIndicator) -> list[str]:
    """F1's data-quality flags in words (English)."""
    return [_F1_FLAGS[c].format(subs=f1.subscriptions, passed=f1.homes_passed,
                                ports=f1.ports_used) for c in f1.flags]


def _ratio_json(r: SharingRatio) -> dict[str, Any]:
    counts = (("shared_towers", "towers") if r.method == "towers"
              else ("installations_on_shared", "installations"))
    return {"value": r.value, counts[0]: r.shared, counts[1]: r.total,
            "method": sharing_method_text(r.method)}


def _indicator_json(ind: Any) -> dict[str, Any]:
    if isinstance(ind, HamletIndicator):
        out = {"value": ind.value, "covered_hamlets": ind.covered_hamlets,
               "hamlets": ind.hamlets, "short_hamlets": list(ind.short_hamlets),
               "target": ind.target, "rule": rule_text(ind), "source": ind.source}
        if ind.unmeasured_hamlets:  # no households in the data: counted in neither
            out["unmeasured_hamlets"] = list(ind.unmeasured_hamlets)
            out["met"] = ind.met
        return out
    if isinstance(ind, SharingIndicator):
        m5: dict[str, Any] = {**_ratio_json(ind.existing), "target": ind.target,
                              "source": ind.source,
                              "with_planned": _ratio_json(ind.with_planned),
                              "if_candidates_realised": _ratio_json(ind.if_candidates_realised),
                              "candidates": ind.candidates, "scope": sharing_scope_text(ind)}
        if ind.scope == "inside_unit":
            m5["towers_outside_unit"] = ind.towers_outside_unit
        if ind.towers_approximate:
            m5["towers_approximate"] = ind.towers_approximate
            m5["judged"] = False
        return m5
    if isinstance(ind, HouseholdFibreIndicator):
        out = {"value": ind.value, "year": ind.year,
               "ftth_subscriptions": ind.ftth_subscriptions, "households": ind.households,
               "homes_passed_share": ind.homes_passed_share, "homes_passed": ind.homes_passed,
               "households_on_map": ind.households_on_map,
               "within_reach_share": ind.within_reach_share, "target": ind.target,
               "source": ind.source,
               "household_ftth_subscriptions": ind.household_ftth_subscriptions,
               "homes_connectable": ind.homes_connectable,
               "connectable_share": ind.connectable_share, "ports_used": ind.ports_used,
               "data_quality": f1_flag_texts(ind)}
        if ind.note is not None:
            out["note"] = f1_note_text(ind)
        return out
    raise TypeError(f"not an indicator: {type(ind).__name__}")


def indicators_json(indicators: Indicators) -> dict[str, dict[str, Any]]:
    """``summary.json``'s ``indicators``: one object per indicator, with English wording."""
    return {key: _indicator_json(ind) for key, ind in indicators.items()}


def unmeasured_text(ind: HamletIndicator, lang: str) -> str:
    """The hamlets M4 or F2 could not measure (no households in the data), as a clause."""
    ids = ind.unmeasured_hamlets
    if not ids:
        return ""
    shown = ", ".join(ids[:5]) + (f" (+{len(ids) - 5})" if len(ids) > 5 else "")
    return words(lang)["unmeasured_hamlets"].format(n=len(ids), ids=shown)


def _basis(row: pd.Series, indicators: Indicators | None) -> str:
    code = row["basis"]
    if code == "statistics":
        text = " / ".join(f"{row[col]}={row[count]:.15g}" if pd.notna(row[count])
                          else f"{row[col]} missing"
                          for count, col in (("numerator", "numerator_column"),
                                             ("denominator", "denominator_column")))
        return text + _f1_statistics_notes(row, indicators)
    if code == "no_statistics":
        return "no statistics table"
    if code == "statistics_not_per_unit":
        return "the statistics table is the province's, not per unit"
    if code == "not_computed":
        return "not computed (layer missing from the scenario)"
    if code == "no_hamlets":
        return "no hamlet of the unit in the data (0/0)"
    if code == "no_towers":
        return "no existing tower inside the unit in the data (0/0)"
    if code == "no_households":  # n: the unit's hamlets without households (not the 0
        # measured ones of the denominator: found by a review, "the unit's  hamlet(s)")
        ind = indicators.get(row["indicator"]) if indicators is not None else None
        return words("en")["basis_no_households"].format(
            n=len(getattr(ind, "unmeasured_hamlets", ())) or "")
    if code == "homes_passed":
        return (f"{int(row['numerator'])} homes passed / {int(row['denominator'])} households "
                "on the map")
    ind = indicators[row["indicator"]] if indicators is not None else None
    if isinstance(ind, SharingIndicator):
        where = " inside the unit" if ind.scope == "inside_unit" else ""
        return (f"{ind.existing.shared}/{ind.existing.total} "
                f"{'towers' if ind.existing.method == 'towers' else 'installations'}{where}; "
                f"{sharing_method_text(ind.existing.method)}"
                + (words("en")["approximate_towers"].format(n=ind.towers_approximate)
                   if ind.towers_approximate else ""))
    if isinstance(ind, HamletIndicator):
        return (f"{ind.covered_hamlets}/{ind.hamlets} hamlets; {rule_text(ind)}"
                + unmeasured_text(ind, "en"))
    raise ValueError(f"unknown scorecard basis {code!r} for {row['indicator']}")


def _f1_statistics_notes(row: pd.Series, indicators: Indicators | None) -> str:
    """What F1's statistics row adds to its basis: that it counts all subscriptions (computed
    from ``ftth_subscriptions``), and the data-quality flags of the map's year."""
    if row["indicator"] != "F1":
        return ""
    notes = [TOTAL_SUBSCRIPTIONS_ONLY] if row.get("numerator_column") == "ftth_subscriptions" \
        else []
    f1 = indicators.f1 if indicators is not None else None
    if f1 is not None and f1.year == row["year"]:
        notes += f1_flag_texts(f1)
    return "".join(f"; {n}" for n in notes)


def scorecard_table(card: pd.DataFrame, indicators: Indicators | None) -> pd.DataFrame:
    """The scorecard as ``scorecard.csv`` holds it: the contract columns, names, unit, the
    targets' source (``target_source``, ``settings.PLAN_TARGETS_SOURCE``) and the ``basis``
    in words (English)."""
    out = card.copy()
    out["basis"] = [_basis(r, indicators) for r in table_rows(card)]
    out = out.drop(columns=["numerator_column", "denominator_column"], errors="ignore")
    out["target_source"] = settings.PLAN_TARGETS_SOURCE  # found by a review: said nowhere
    return out


#: Columns of ``units.csv``: one row per administrative unit of the study.
UNIT_COLUMNS = ["role", "unit_code", "name", "outline", "hamlets", "hamlet_ids",
                "hamlet_area_share",
                "m4_value", "m4_covered_hamlets", "m4_hamlets", "m4_target",
                "m5_value", "m5_shared_towers", "m5_towers", "m5_target", "towers_outside_unit",
                "f2_value", "f2_covered_hamlets", "f2_hamlets", "f2_target",
                # hamlets without households in the data: in neither count (a review)
                "m4_unmeasured_hamlets", "f2_unmeasured_hamlets"]


def units_json(units: tuple[UnitIndicators, ...]) -> list[dict[str, Any]]:
    """``summary.json``'s ``units``: for each unit of the study (the plan's old commune,
    ``role`` ``plan``; the 2025 unit, ``current``), its code, name, where its outline comes
    from, its hamlets and its M4, M5 and F2 (the ``indicators`` objects' form)."""
    out = []
    for u in units:
        found = {"M4": u.m4, "M5": u.m5, "F2": u.f2}
        out.append({"role": u.role, "unit_code": u.code, "name": u.name, "outline": u.basis,
                    "hamlets": list(u.hamlet_ids), "hamlet_area_share": u.hamlet_area_share,
                    "indicators": {k: _indicator_json(v) for k, v in found.items()
                                   if v is not None}})
    return out


def units_table(units: tuple[UnitIndicators, ...]) -> pd.DataFrame:
    """``units.csv``: one row per unit (:data:`UNIT_COLUMNS`; ratios as fractions)."""
    rows = []
    for u in units:
        row: dict[str, Any] = {"role": u.role, "unit_code": u.code, "name": u.name,
                               "outline": u.basis, "hamlets": len(u.hamlet_ids),
                               "hamlet_ids": ", ".join(u.hamlet_ids),
                               "hamlet_area_share": u.hamlet_area_share}
        for key, ind in (("m4", u.m4), ("f2", u.f2)):
            if ind is not None:
                row.update({f"{key}_value": ind.value,
                            f"{key}_covered_hamlets": ind.covered_hamlets,
                            f"{key}_hamlets": ind.hamlets, f"{key}_target": ind.target,
                            f"{key}_unmeasured_hamlets": len(ind.unmeasured_hamlets)})
        if u.m5 is not None:
            row.update({"m5_value": u.m5.value, "m5_shared_towers": u.m5.existing.shared,
                        "m5_towers": u.m5.existing.total, "m5_target": u.m5.target,
                        "towers_outside_unit": u.m5.towers_outside_unit})
        rows.append(row)
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


#: The hamlet target of each share column when no analysis gives it (the settings').
DEFAULT_HAMLET_TARGETS = {"mobile_broadband_share": settings.MOBILE_BROADBAND_HAMLET_SHARE,
                          "ftth_share": settings.FIBRE_HAMLET_SHARE}


def hamlet_targets(analysis: Any) -> dict[str, float]:
    """The hamlet target of each share column: mobile broadband's and FTTH's (those of
    :data:`DEFAULT_HAMLET_TARGETS` where the analysis has no parameters for them)."""
    fibre_params = getattr(getattr(analysis, "fibre", None), "params", None)
    return {"mobile_broadband_share": float(getattr(
                analysis.coverage.params, "hamlet_share",
                DEFAULT_HAMLET_TARGETS["mobile_broadband_share"])),
            "ftth_share": float(getattr(fibre_params, "hamlet_share",
                                        DEFAULT_HAMLET_TARGETS["ftth_share"]))}


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def is_short(hamlets: pd.DataFrame, column: str) -> np.ndarray:
    """Per hamlet of a hamlet table, whether it misses the target of ``column`` (a
    ``*_covered`` column) as the indicators count it: False, not True nor empty (empty: not
    measured, no household in the data), and, in a province study, in one of its units (a
    hamlet outside has no ``unit_code``). Found by a review: both were listed as gaps."""
    short = np.array([not _missing(v) and not bool(v) for v in hamlets[column]], dtype=bool)
    if "unit_code" in hamlets:
        short &= hamlets["unit_code"].notna().to_numpy()
    return short


def hamlet_status(row: Mapping[str, Any]) -> str | None:
    """A hamlet's status as the maps colour it: ``met`` (the targets computed), ``short_mobile``,
    ``short_ftth``, ``short_both``, or ``no_data`` when no target could be measured there (no
    household in the data: its flags are empty); None for a row that is not a hamlet's
    results. A target not computed counts as not short; the legend then says which was
    (:func:`hamlet_classes`). ``row``: a record (dict) or a row Series."""
    present = [c for c in ("mobile_broadband_covered", "ftth_covered") if c in row]
    if not present:
        return None
    if all(_missing(row.get(c)) for c in present) and any(
            _missing(row.get(share)) for share in ("mobile_broadband_share", "ftth_share")
            if share in row):
        return "no_data"

    def ok(col: str) -> bool:
        v = row.get(col)
        return True if _missing(v) else bool(v)

    mobile, fibre = ok("mobile_broadband_covered"), ok("ftth_covered")
    return ("met" if mobile and fibre else "short_both" if not mobile and not fibre
            else "short_mobile" if not mobile else "short_ftth")


def _any_not_measured(hamlets: pd.DataFrame) -> bool:
    """Whether some hamlet of the table has the status ``no_data`` (:func:`hamlet_status`),
    by columns (a households layer of a million rows has none of them: nothing read)."""
    flags = [c for c in ("mobile_broadband_covered", "ftth_covered") if c in hamlets]
    shares = [c for c in ("mobile_broadband_share", "ftth_share") if c in hamlets]
    if not flags or not shares:
        return False
    empty = np.logical_and.reduce([pd.isna(hamlets[c]).to_numpy(bool) for c in flags])
    unshared = np.logical_or.reduce([pd.isna(hamlets[c]).to_numpy(bool) for c in shares])
    return bool((empty & unshared).any())


def hamlet_classes(hamlets: pd.DataFrame, lang: str = "vi") -> list[tuple[str, str]]:
    """The classes of :func:`hamlet_status` a map's legend shows, in words of ``lang``: the
    four when both targets were computed; when one was not, ``met`` says which was met and
    which not computed (found by a review: a study without fibre keyed hamlets "both targets
    met", the hamlet without fibre among them), and the short classes of the other go."""
    w = words(lang)

    def computed(col: str) -> bool:
        return col in hamlets and bool(pd.Series(hamlets[col]).notna().any())

    mobile, fibre = computed("mobile_broadband_covered"), computed("ftth_covered")
    no_data = [("no_data", w["legend_not_measured"])] if _any_not_measured(hamlets) else []
    if mobile and fibre:
        return [("met", w["legend_both"]), ("short_mobile", w["legend_mobile"]),
                ("short_ftth", w["legend_ftth"]), ("short_both", w["legend_neither"]),
                *no_data]
    if mobile:
        return [("met", w["legend_mobile_met_only"]), ("short_mobile", w["legend_mobile"]),
                *no_data]
    if fibre:
        return [("met", w["legend_ftth_met_only"]), ("short_ftth", w["legend_ftth"]),
                *no_data]
    return []
