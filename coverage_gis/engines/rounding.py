"""Rounding a value for display without changing what it says against a limit or target."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

__all__ = ["rounded_against", "rounded_shares", "decimals_shown", "reaches",
           "TARGET_TOLERANCE", "round_half_up"]

#: A value this close below a target counts as reaching it (floating-point rounding of a
#: share such as 19/20): every "target met" test of the engines, and the rounding for display
#: below, which keeps a value on the side the engines judged it.
TARGET_TOLERANCE = 1e-9


def reaches(value: Any, target: float) -> Any:
    """Whether ``value`` (a share, a ratio; a number or an array) reaches ``target``, within
    :data:`TARGET_TOLERANCE`; NaN does not."""
    return np.asarray(value, dtype=float) >= target - TARGET_TOLERANCE if np.ndim(value) \
        else bool(float(value) >= target - TARGET_TOLERANCE)


def round_half_up(value: float, decimals: int = 0) -> float:
    """``value`` rounded to ``decimals`` decimals, halves away from zero as people round
    (62.5 % gives 63 %, as 37.5 % gives 38 %; Python's ``round`` sends halves to the even
    digit: found by a review, 62.5 % and 37.5 % shown as 62 % and 38 % in one table). The
    value's shortest decimal writing is rounded, so 2.675 (stored as 2.67499...) gives 2.68."""
    value = float(value)
    if not math.isfinite(value):
        return value
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def rounded_against(value: float, limit: float, decimals: int = 0,
                    most: int = 3) -> float:
    """``value`` rounded to ``decimals`` decimals, or to more (up to ``most``) when rounding
    would put it on the other side of ``limit``: 9.76 m against a 10 m minimum is 10 with
    no decimal but 9.8 with one, so that "9.8 m, under 10 m" stays visibly true; closer
    than ``most`` decimals tell, it is cut towards its side (9.9996 gives 9.999).

    Parameters
    ----------
    value, limit
        The value and what it is compared with (same unit, e.g. m).
    decimals
        The decimals wanted when they do not hide the comparison.
    most
        The most decimals used.
    """
    under = value < limit
    most = max(decimals, most)
    for d in range(decimals, most + 1):
        shown = round_half_up(value, d)
        if (shown < limit) == under:
            return shown
    step = 10.0 ** most  # closer still: cut towards the side it lies on (9.9996 -> 9.999)
    return (math.floor if under else math.ceil)(float(value) * step) / step


def decimals_shown(value: float, least: int = 0, most: int = 6) -> int:
    """The fewest decimals, from ``least``, that write ``value`` exactly (a value rounded by
    :func:`rounded_against`); ``most`` when fewer do not."""
    return next((d for d in range(least, most) if round(value, d) == value), max(least, most))


def rounded_shares(values: Any, target: float, decimals: int = 4,
                   tolerance: float = TARGET_TOLERANCE) -> np.ndarray:
    """``values`` (shares, or any numbers) rounded to ``decimals``, with more decimals where
    rounding would move one across ``target`` as the engines judge it (``value >= target -
    tolerance``): 0.94996 against 0.95 stays 0.94996, not 0.95 beside "not covered". NaN
    stays NaN."""
    v = np.asarray(values, dtype=float)
    out = np.round(v, decimals)
    limit = target - tolerance
    with np.errstate(invalid="ignore"):
        flipped = np.isfinite(v) & ((out >= limit) != (v >= limit))
    for i in np.flatnonzero(flipped):
        out.flat[i] = rounded_against(float(v.flat[i]), limit, decimals, decimals + 5)
    return out
