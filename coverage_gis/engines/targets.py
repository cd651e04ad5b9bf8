"""The plan's indicators and the scorecard: every target, per year, met or not, and from where.

Indicators no map can measure (M1-M3, F1, P1, P2) come from the statistics table, one value per
year; the map-measured ones (M4, M5, F2) come from an analysis, for the scenario's year. F1 is
also shown beside the map's homes-passed share, for context (that row has no ``met``: homes
passed are not subscriptions).
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pandas as pd

from coverage_gis.config import settings
from coverage_gis.engines.indicators import HamletIndicator, Indicators, SharingIndicator
from coverage_gis.engines.rounding import reaches, rounded_against

__all__ = ["plan_target", "statistics_indicators", "scorecard", "SCORECARD_COLUMNS"]

#: The contract columns of ``scorecard.csv`` (more follow them).
SCORECARD_COLUMNS = ["indicator", "year", "value", "target", "met", "source"]

# indicator -> (numerator column, denominator column, scale)
_FROM_STATISTICS: dict[str, tuple[str, str, float]] = {
    "M1": ("mobile_broadband_subscriptions", "population", 100.0),
    "M2": ("smartphone_subscriptions", "mobile_subscriptions", 1.0),
    "M3": ("adults_with_smartphone", "adults", 1.0),
    "F1": ("ftth_subscriptions", "households", 1.0),
    "P1": ("state_agencies_on_digital_platforms", "state_agencies", 1.0),
    "P2": ("enterprises_on_digital_platforms", "enterprises", 1.0),
}


#: F1 counts households' FTTH subscriptions (the plan's "hộ gia đình"); when the statistics
#: give them, they replace the total (which includes agencies and enterprises).
_F1_HOUSEHOLD_COLUMN = "household_ftth_subscriptions"


def plan_target(indicator: str) -> float:
    """The plan's 2025 target of ``indicator`` (``"M4"``, ``"F1"``, ...), from
    ``settings.PLAN_TARGETS``: a fraction for ratios, per 100 inhabitants for M1."""
    return float(settings.PLAN_TARGETS[indicator][2])


def statistics_indicators(statistics: pd.DataFrame) -> pd.DataFrame:
    """M1-M3, F1, P1, P2 per year from the statistics (NaN where a count is missing or the
    denominator is zero). Long format: indicator, year, value, numerator, denominator (the
    counts, NaN where missing) and the statistics columns they come from."""
    rows = []
    for ind, (num_default, den, scale) in _FROM_STATISTICS.items():
        for _, r in statistics.iterrows():
            num = num_default
            if ind == "F1" and pd.notna(r.get(_F1_HOUSEHOLD_COLUMN, np.nan)):
                num = _F1_HOUSEHOLD_COLUMN  # households' own subscriptions, when given
            n = r.get(num, np.nan)
            d = r.get(den, np.nan)
            n = float(n) if pd.notna(n) else np.nan
            d = float(d) if pd.notna(d) else np.nan
            value = scale * n / d if d and np.isfinite(d) and np.isfinite(n) else np.nan
            rows.append({"indicator": ind, "year": int(r["year"]), "value": value,
                         "numerator": n, "denominator": d, "numerator_column": num,
                         "denominator_column": den})
    return pd.DataFrame(rows)


def scorecard(statistics: pd.DataFrame | None, map_indicators: Indicators | None = None,
              year: int | None = None, missing: str = "no_statistics") -> pd.DataFrame:
    """Every indicator of the plan per year: ``indicator, year, value, target, met, source``,
    then ``name_vi``, ``name_en``, ``unit``, the counts (``numerator``, ``denominator``) and
    ``basis``, a code saying how the value was computed (worded by
    :func:`coverage_gis.outputs.indicators.scorecard_table`):

    - ``statistics``: numerator / denominator columns of the statistics table (their names
      are in ``numerator_column``, ``denominator_column``);
    - ``no_statistics``: no statistics table in the scenario;
    - ``statistics_not_per_unit``: one unit of a province study (``missing``): the
      scenario's statistics are the province's, not the unit's;
    - ``map``: the indicator's own rule (:class:`~coverage_gis.engines.indicators.Indicators`);
    - ``homes_passed``: F1's homes passed on the map, for context (no ``met``);
    - ``not_computed``: the layer the indicator needs is missing from the scenario;
    - ``approximate_towers``: M5 over towers whose positions are estimates (OpenCelliD):
      shown, not judged (``met`` None);
    - ``no_hamlets``, ``no_towers``: the layer is there, with no hamlet (M4, F2) or no
      existing tower (M5) of the unit: nothing to count (counts 0/0);
    - ``no_households``: hamlets, none with a household in the data (M4, F2 not measured).

    M4 and F2 rows are judged by :attr:`HamletIndicator.met` (hamlets without households may
    leave the target open: ``met`` None).

    ``map_indicators`` are counted for ``year`` (the scenario's year; default: the last
    statistics year, else this year). Targets are the plan's 2025 targets
    (``settings.PLAN_TARGETS``); ``met`` compares each year's value with them (value >=
    target), so earlier years show progress; a share above 100 % is not judged (None).
    """
    rows: list[dict[str, Any]] = []
    years = sorted(int(y) for y in statistics["year"]) if statistics is not None else []
    if year is None:  # the scenario names none: the last statistics year, else this year
        year = years[-1] if years else datetime.date.today().year
    if statistics is not None:
        for r in statistics_indicators(statistics).to_dict("records"):
            rows.append({**r, "source": "statistics", "basis": "statistics"})
    else:
        for ind in _FROM_STATISTICS:
            rows.append({"indicator": ind, "year": year, "value": np.nan,
                         "source": "statistics", "basis": missing})
    rows.extend(_map_rows(map_indicators, year))
    out = pd.DataFrame(rows)
    for col in ("numerator", "denominator"):
        out[col] = pd.to_numeric(out.get(col), errors="coerce")
    for col in ("numerator_column", "denominator_column"):
        out[col] = out[col] if col in out else None
    meta = settings.PLAN_TARGETS
    out["target"] = out["indicator"].map(plan_target)
    # a share above 100 % (a count above its whole: the statistics contradict themselves,
    # and loading warns) is judged neither way (found by fuzzing: F1 167 % was "met")
    ratio = out["indicator"].map(lambda i: meta[i][3] == "ratio")
    out["met"] = [None if (not np.isfinite(v) or b in ("homes_passed", "approximate_towers")
                           or (r and v > 1 + 1e-9))
                  else reaches(v, t)
                  for v, t, b, r in zip(out["value"], out["target"], out["basis"], ratio)]
    if "_judged" in out:  # M4 and F2 judge themselves: unmeasured hamlets may leave it open
        out["met"] = [m if pd.isna(j) else {1: True, 0: False, -1: None}[int(j)]
                      for j, m in zip(out["_judged"], out["met"])]
    out["name_vi"] = out["indicator"].map(lambda i: meta[i][0])
    out["name_en"] = out["indicator"].map(lambda i: meta[i][1])
    out["unit"] = out["indicator"].map(lambda i: meta[i][3])
    order = {k: n for n, k in enumerate(meta)}
    out["_o"] = out["indicator"].map(order)
    out["_s"] = out["source"].map({"statistics": 0, "map": 1}).fillna(2)
    out = out.sort_values(["_o", "year", "_s"]).drop(columns=["_o", "_s"]).reset_index(drop=True)
    # four decimals, more where four would put the value on the target's other side (found
    # by a cross-output review: F1 0.7499625 written 0.75 beside target 0.75, met False)
    out["value"] = [round(v, 4) if not np.isfinite(t) else rounded_against(v, t - 1e-9, 4, 9)
                    for v, t in zip(out["value"].astype(float), out["target"].astype(float))]
    out["value"] = out["value"].astype(float)
    return out[SCORECARD_COLUMNS + ["name_vi", "name_en", "unit", "numerator", "denominator",
                                    "numerator_column", "denominator_column", "basis"]]


def _map_rows(indicators: Indicators | None, year: int) -> list[dict[str, Any]]:
    """The scorecard rows of the map-measured indicators."""
    rows: list[dict[str, Any]] = []
    found: dict[str, HamletIndicator | SharingIndicator | None] = {
        "M4": indicators.m4 if indicators else None,
        "M5": indicators.m5 if indicators else None,
        "F2": indicators.f2 if indicators else None}
    for key, d in found.items():
        if d is None:
            rows.append({"indicator": key, "year": year, "value": np.nan, "source": "map",
                         "basis": "not_computed"})
            continue
        num, den = ((d.existing.shared, d.existing.total) if isinstance(d, SharingIndicator)
                    else (d.covered_hamlets, d.hamlets))
        judged = ({} if isinstance(d, SharingIndicator)
                  else {"_judged": {True: 1, False: 0, None: -1}[d.met]})
        if d.value is None:  # the layer is there, with nothing of the unit (a review: it
            # said "layer missing from the scenario" for a province's unit without hamlets)
            basis = ("no_towers" if isinstance(d, SharingIndicator) else
                     "no_households" if d.unmeasured_hamlets else "no_hamlets")
            rows.append({"indicator": key, "year": year, "value": np.nan, "source": "map",
                         "basis": basis, "numerator": num, "denominator": den})
            continue
        rows.append({"indicator": key, "year": year, "value": float(d.value), "source": "map",
                     "basis": "approximate_towers" if isinstance(d, SharingIndicator)
                     and d.towers_approximate else "map", "numerator": num, "denominator": den,
                     **judged})
    f1 = indicators.f1 if indicators else None
    if f1 is not None and f1.homes_passed_share is not None:
        rows.append({"indicator": "F1", "year": year, "value": float(f1.homes_passed_share),
                     "source": "map (homes passed, for context)", "basis": "homes_passed",
                     "numerator": f1.homes_passed, "denominator": f1.households_on_map})
    return rows
