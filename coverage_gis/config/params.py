"""Parameters checked at the boundary: numbers as users write them, and command-line options.

Numbers: ``30``, ``30.5``, ``-110``; a decimal comma (``105,844640``, as Vietnamese locales
and Google Maps copy it) is read as a decimal point when it is the only separator and is
followed by other than exactly three digits; ``4.989`` or ``4,989`` (three digits after one
separator) is ambiguous between 4.989 and 4 989 and is refused with a message saying so.
"""

from __future__ import annotations

import math
import re
from typing import Any

from coverage_gis.errors import InputError

__all__ = ["parse_number", "check_site_options", "suggest_sites_options"]

_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def parse_number(value: Any, what: str, *, minimum: float | None = None,
                 maximum: float | None = None, above: float | None = None,
                 integer: bool = False) -> float:
    """``value`` as a finite number within the bounds, or :class:`InputError` naming ``what``.

    Parameters
    ----------
    value
        A number or the text a user typed.
    what
        How the user knows the value (``"--resolution-m"``, ``"[coverage] resolution_m"``).
    minimum, maximum
        Inclusive bounds; ``above``: an exclusive lower bound.
    integer
        Require a whole number.
    """
    if isinstance(value, bool):
        raise InputError(f"{what}={value!r} must be a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().rstrip(",").strip()
        if _PLAIN.match(text):
            number = float(text)
        elif _DECIMAL_COMMA.match(text):
            if len(text.split(",")[1]) == 3:
                raise InputError(f"{what}={value!r} is ambiguous: a decimal comma or a "
                                 "thousands separator? Write it without grouping and with a "
                                 "decimal point (4989 or 4.989)")
            number = float(text.replace(",", "."))
        else:
            raise InputError(f"{what}={value!r} is not a number (write digits with a decimal "
                             "point, no units, e.g. 30 or 30.5)")
    if not math.isfinite(number):
        raise InputError(f"{what}={value!r} must be a finite number")
    if integer and number != int(number):
        raise InputError(f"{what}={value!r} must be a whole number")
    if above is not None and not number > above:
        raise InputError(f"{what}={value!r} must be greater than {above:g}")
    if minimum is not None and number < minimum:
        raise InputError(f"{what}={value!r} must be at least {minimum:g}")
    if maximum is not None and number > maximum:
        raise InputError(f"{what}={value!r} must be at most {maximum:g}")
    return int(number) if integer else number


def _opt(args: Any, name: str, **bounds: Any) -> float | None:
    value = getattr(args, name, None)
    if value is None:
        return None
    return parse_number(value, f"--{name.replace('_', '-')}", **bounds)


def check_site_options(args: Any) -> dict[str, Any]:
    """The numeric options of ``check-site``, checked (every problem listed at once)."""
    from coverage_gis.config import settings

    ranges = settings.VALUE_RANGES
    specs: dict[str, dict[str, Any]] = {
        "lon": {"minimum": -180, "maximum": 180}, "lat": {"minimum": -90, "maximum": 90},
        "x": {}, "y": {},
        "band_mhz": {"minimum": ranges["band_mhz"][0], "maximum": ranges["band_mhz"][1]},
        "height_m": {"above": 0, "maximum": ranges["height_m"][1]},
        "eirp_dbm": {"minimum": ranges["eirp_dbm"][0], "maximum": ranges["eirp_dbm"][1]},
        "bandwidth_mhz": {"minimum": ranges["bandwidth_mhz"][0],
                          "maximum": ranges["bandwidth_mhz"][1]},
    }
    out: dict[str, Any] = {}
    problems: list[str] = []
    for name, bounds in specs.items():
        try:
            out[name] = _opt(args, name, **bounds)
        except InputError as exc:
            problems.extend(exc.problems)
    azimuths = []
    for a in getattr(args, "azimuth_deg", None) or []:
        try:
            azimuths.append(parse_number(a, "--azimuth-deg", minimum=0, maximum=360))
        except InputError as exc:
            problems.extend(exc.problems)
    out["azimuth_deg"] = azimuths
    if problems:
        raise InputError(problems)
    return out


def suggest_sites_options(args: Any) -> dict[str, Any]:
    """The numeric options of ``suggest-sites``, checked."""
    problems: list[str] = []
    out: dict[str, Any] = {}
    for name, bounds in (("max_sites", {"minimum": 1, "maximum": 1000, "integer": True}),
                         ("spacing_m", {"minimum": 10, "maximum": 100_000})):
        try:
            out[name] = _opt(args, name, **bounds)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return out
