"""Parameters checked at the boundary: numbers as users write them, the engines' parameter
sets, the scenario's tables and the command-line options.

Numbers (:func:`parse_number`): ``30``, ``30.5``, ``-110``, ``1e3``; a decimal comma
(``105,844640``, as Vietnamese locales and Google Maps copy it) is read as a decimal point when
it is the only separator and is not followed by exactly three digits after one to three digits;
``4,989`` is ambiguous between 4.989 and 4 989 and is refused with a message saying so.
``4.989`` is read as 4.989 unless 4989 would be just as valid a value (then it is refused as
ambiguous too); when only 4989 would be valid the message says so. Nothing is ever guessed.

Parameter sets (:class:`CoverageParams`, :class:`FibreParams`, :class:`SharingParams`): every
field carries its check (``metadata["check"]``): a number with its unit and bounds, a fraction
from 0 to 1, true/false, one of a few words. The same checks run when a scenario is read
(:func:`check_parameters`, every problem listed at once, each naming the file, table, key, value
and what was expected), when a parameter set is built from a scenario's table and command-line
overrides (``from_scenario``), and when one is built directly in Python.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar, Self

from coverage_gis.config import settings
from coverage_gis.errors import InputError

__all__ = ["as_path", "parse_number", "parse_angle", "point_values", "Angle", "Number",
           "Share", "Flag", "Choice", "Text", "OneLine", "CrsName", "UnitName", "PerTechnology",
           "CoverageParams", "FibreParams", "SharingParams", "CalibrationParams",
           "SuggestionParams", "Words", "BuildParams", "GponParams", "Pattern",
           "OptionalValue", "DbTable", "Probability", "ClassTable", "ClutterParams", "CheckParams",
           "PARAMETER_TABLES",
           "SCENARIO_KEYS", "KNOWN_TABLES", "check_keys", "check_parameters",
           "PROVENANCE_KINDS", "check_provenance",
           "check_site_options", "suggest_sites_options", "closest", "did_you_mean",
           "sector_texts"]

_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$", re.ASCII)
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$", re.ASCII)  # 4.989: grouped or not?
_NUMBER_THEN_UNIT = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*([^\W\d_]+|%|°)\s*$")
#: How units are written after a number, per unit of a check.
_UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "metres": ("m", "metre", "metres", "meter", "meters", "mét", "met"),
    "dB": ("db",), "dBm": ("dbm",), "MHz": ("mhz",),
    "degrees": ("°", "deg", "degree", "degrees", "độ", "do"),
}
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})  # typographic minus, en dash


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

def _fmt(x: float) -> str:
    """A bound as a person writes it: 100000, not 1e+05."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def describe_number(*, unit: str = "", minimum: float | None = None,
                    maximum: float | None = None, above: float | None = None,
                    integer: bool = False) -> str:
    """What a number check expects, in words: ``"a number of metres > 0"``,
    ``"a whole number from 1 to 1000"``."""
    text = "a whole number" if integer else "a number"
    if unit:
        text += f" of {unit}"
    low = (f"> {_fmt(above)}" if above is not None
           else f">= {_fmt(minimum)}" if minimum is not None else "")
    if above is None and minimum is not None and maximum is not None:
        bounds = f"from {_fmt(minimum)} to {_fmt(maximum)}"
    elif low and maximum is not None:
        bounds = f"{low} and <= {_fmt(maximum)}"
    elif maximum is not None:
        bounds = f"<= {_fmt(maximum)}"
    else:
        bounds = low
    return f"{text} {bounds}".strip()


def _within(x: float, minimum: float | None, maximum: float | None, above: float | None,
            integer: bool) -> bool:
    return (math.isfinite(x) and (not integer or x == int(x))
            and (above is None or x > above) and (minimum is None or x >= minimum)
            and (maximum is None or x <= maximum))


def as_path(path: Any, what: str = "path") -> Path:
    """``path`` as a :class:`~pathlib.Path`: a TypeError naming ``what`` when it is not a path
    (None, a number, a list), an :class:`InputError` when it is empty (``Path('')`` is the
    current folder)."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what}: expected a path (str or os.PathLike), got "
                        f"{type(path).__name__} {path!r:.60}")
    if not os.fspath(path).strip():
        raise InputError(f"{what}: is empty; expected a path")
    return Path(path)


def parse_number(value: Any, what: str, *, minimum: float | None = None,
                 maximum: float | None = None, above: float | None = None,
                 integer: bool = False, unit: str = "") -> float:
    """``value`` as a finite number within the bounds, or :class:`InputError` naming ``what``.

    Parameters
    ----------
    value
        A number or the text a user typed (``"30"``, ``"105,844640"``).
    what
        How the user knows the value (``"--resolution-m"``,
        ``"scenario.toml [coverage] resolution_m"``).
    minimum, maximum
        Inclusive bounds; ``above``: an exclusive lower bound.
    integer
        Require a whole number (returned as ``int``).
    unit
        The unit, for the message (``"metres"``, ``"dB"``).

    Raises
    ------
    InputError
        ``<what>=<value>: expected <a number of metres > 0>``, with a hint where one helps.
    """
    bounds: dict[str, Any] = {"minimum": minimum, "maximum": maximum, "above": above,
                              "integer": integer}
    expected = describe_number(unit=unit, **bounds)
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise InputError(f"{what}={value!r}: expected {expected}")
    grouped: float | None = None  # the reading of 4.989 as 4989
    if isinstance(value, str):
        text = value.translate(_MINUS_SIGNS).strip().rstrip(",").strip()
        if _GROUPED.match(text):
            grouped = float(text.replace(",", "").replace(".", ""))
            if "," in text:
                raise InputError(
                    f"{what}={value!r} is ambiguous: a decimal comma or a thousands "
                    f"separator? Expected {expected}; write it with a decimal point and no "
                    f"grouping ({text.replace(',', '.')} or {_fmt(grouped)})")
            if _within(float(text), **bounds) and _within(grouped, **bounds):
                decimal = _fmt(float(text))
                decimal = f"{text}0" if _GROUPED.match(decimal) else decimal
                raise InputError(
                    f"{what}={value!r} is ambiguous: a decimal point or a thousands "
                    f"separator? Expected {expected}; write {decimal} for the decimal reading "
                    f"or {_fmt(grouped)} without grouping")
        if _PLAIN.match(text):
            number = float(text)
        elif _DECIMAL_COMMA.match(text):
            number = float(text.replace(",", "."))
        else:
            raise InputError(f"{what}={value!r}: expected {expected}"
                             f"{_text_hint(text, unit, integer=integer)}")
    else:
        number = float(value)
    if not _within(number, **bounds):
        hint = ""
        if not math.isfinite(number):
            hint = " (a finite number)"
        elif grouped is not None and _within(grouped, **bounds):
            hint = (f" (if you meant {_fmt(grouped)}, write it without a thousands "
                    "separator)")
        raise InputError(f"{what}={value!r}: expected {expected}{hint}")
    return int(number) if integer else number


def _unit_hint(text: str, unit: str, *, quoted: bool) -> str:
    """For a number followed by a unit (``"30 m"``): write the number alone (and which,
    when the unit written is the one expected)."""
    m = _NUMBER_THEN_UNIT.match(text)
    if not m:
        return ""
    without = "without quotes or unit" if quoted else "without a unit"
    if unit and m.group(2).lower() in _UNIT_WORDS.get(unit, ()):
        return f" (the number alone, {without}: {m.group(1).replace(',', '.')})"
    return f" (the number alone{f', in {unit}' if unit else ''}, {without})"


def _text_hint(text: str, unit: str = "", *, integer: bool = False) -> str:
    """Why a text is not a number, when that helps (for a whole number, digits alone: found
    by fuzzing, "a whole number ... e.g. 30 or 30.5")."""
    if not text:
        return " (the value is empty)"
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return " (a finite number)"
    hint = _unit_hint(text, unit, quoted=False)
    if hint:
        return hint
    if re.fullmatch(r"[+-]?\d{1,3}([.,\s]\d{3})+([.,]\d+)?", text):
        return " (write it without thousands separators)"
    return " (digits, e.g. 30)" if integer else " (digits with a decimal point, e.g. 30 or 30.5)"


# --------------------------------------------------------------------------------------------
# Angles: decimal degrees or degrees, minutes and seconds, as people copy them
# --------------------------------------------------------------------------------------------

#: Hemisphere letters: the axis each belongs to and its sign.
_HEMISPHERES: dict[str, tuple[str, int]] = {"N": ("lat", 1), "S": ("lat", -1),
                                            "E": ("lon", 1), "W": ("lon", -1)}
#: Marks after a part of an angle, and which part each marks (0 degrees, 1 minutes, 2 seconds).
_ANGLE_MARKS: dict[str, int] = {"°": 0, "º": 0, "˚": 0, "''": 2, "'": 1, "′": 1, "’": 1,
                                "\"": 2, "″": 2, "”": 2}
_ANGLE_PART = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*(°|º|˚|''|'|′|’|\"|″|”)?\s*")
_ANGLE_PAIR = re.compile(r"[\d°º˚'′’\"″”]\s*[NSEW]\s*,?\s*[+-]?\d")  # 20°03'N 105°50'E
#: What Python reads as a number but that holds a hemisphere's letter: nan, inf, 1e3.
_NUMBER_WORD = re.compile(r"[+-]?(nan|inf(inity)?|\d+(\.\d*)?e[+-]?\d+)", re.IGNORECASE)
_DECIMAL_PAIR = re.compile(r"[+-]?\d+\.\d+\s*,\s*[+-]?\d+\.\d+")  # 20.065250, 105.844639
_ANGLE_EXAMPLES = {"lat": "20.06525, 20,06525, 20°03'54.9\"N, 20 03 54.9 N or 20°03.915'N",
                   "lon": "105.84464, 105,84464, 105°50'40.7\"E, 105 50 40.7 E or "
                          "105°50.678'E"}


def _angle_parts(body: str) -> list[tuple[int, float]] | None:
    """``[(part, value)]`` of an angle without sign or hemisphere (part 0 degrees, 1 minutes,
    2 seconds), or None when it is not written as one. Parts without a mark follow the one
    before; only the last part may have decimals; minutes and seconds are below 60."""
    parts: list[tuple[int, float]] = []
    pos, last_decimal = 0, False
    while pos < len(body):
        m = _ANGLE_PART.match(body, pos)
        if not m or m.end() == pos or last_decimal:
            return None
        index = _ANGLE_MARKS[m.group(2)] if m.group(2) else (parts[-1][0] + 1 if parts else 0)
        if index > 2 or (parts and index <= parts[-1][0]):
            return None
        last_decimal = "." in m.group(1) or "," in m.group(1)
        parts.append((index, float(m.group(1).replace(",", "."))))
        pos = m.end()
    if not parts or any(i > 0 and v >= 60 for i, v in parts):
        return None
    return parts


def parse_angle(value: Any, what: str, axis: str = "lat") -> float:
    """A latitude (``axis="lat"``) or longitude (``"lon"``) in decimal degrees, as people
    copy it, or :class:`InputError` naming ``what``.

    Accepted: a number as :func:`parse_number` reads it (``20.06525``, ``105,844640``, a
    trailing comma); degrees, minutes and seconds as Google Earth and Google Maps give them
    (``20°03'54.9"N``, ``20 03 54.9 N``, ``20°03.915'N``, ``N 20°03'54.9"``), with or without
    the hemisphere letter (N, S, E, W; S and W give negative values; without one a leading
    minus sign does). A letter of the other axis (``--lat 105°50'E``) is refused, as are a
    letter with a minus sign, minutes or seconds of 60 or more, and values beyond ±90 (lat)
    or ±180 (lon) degrees.
    """
    if axis not in ("lat", "lon"):
        raise ValueError(f"axis must be 'lat' or 'lon', got {axis!r}")
    limit = 90.0 if axis == "lat" else 180.0
    bounds: dict[str, Any] = {"minimum": -limit, "maximum": limit, "unit": "degrees"}
    expected = describe_number(**bounds)
    if not isinstance(value, str):
        return parse_number(value, what, **bounds)
    text = value.translate(_MINUS_SIGNS).strip().rstrip(",").strip()
    if _NUMBER_WORD.fullmatch(text):  # "nan", "inf", "1e3": a number's words, not N or E
        return parse_number(value, what, **bounds)
    if _ANGLE_PAIR.search(text.upper()) or _DECIMAL_PAIR.fullmatch(text):
        raise InputError(f"{what}={value!r} holds two values: give the latitude to --lat and "
                         "the longitude to --lon")
    letter = ""
    if text[:1].upper() in _HEMISPHERES and text[1:2] not in ("", "a", "A"):
        letter, text = text[0].upper(), text[1:].strip()
    elif text[-1:].upper() in _HEMISPHERES:
        letter, text = text[-1].upper(), text[:-1].strip()
    if not letter and not re.search(r"[\s°º˚'′’\"″”]", text):
        return parse_number(value, what, **bounds)
    sign = -1.0 if text.startswith("-") else 1.0
    if letter:
        other, hemisphere_sign = _HEMISPHERES[letter]
        if other != axis:
            name = "latitude" if other == "lat" else "longitude"
            raise InputError(f"{what}={value!r}: {letter} marks a {name}, not a "
                             f"{'latitude' if axis == 'lat' else 'longitude'} (are lon and "
                             "lat swapped?)")
        if text[:1] in ("+", "-"):
            raise InputError(f"{what}={value!r}: a sign and a hemisphere letter at once; "
                             "give one of them (S and W are negative)")
        sign = float(hemisphere_sign)
    parts = _angle_parts(text.lstrip("+-").strip())
    if parts is None:
        raise InputError(f"{what}={value!r}: expected {expected}, in decimal degrees or "
                         f"degrees, minutes and seconds ({_ANGLE_EXAMPLES[axis]})")
    degrees = sign * sum(v / 60 ** i for i, v in parts)
    if not -limit <= degrees <= limit:
        raise InputError(f"{what}={value!r}: expected {expected}")
    return round(degrees, 12)


# --------------------------------------------------------------------------------------------
# Checks: one per kind of parameter
# --------------------------------------------------------------------------------------------

def closest(word: Any, known: Iterable[str]) -> str | None:
    """The known word closest to ``word`` (difflib, case-insensitive), or None."""
    lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(str(word).lower(), list(lower), n=1, cutoff=0.6)
    return lower[close[0]] if close else None


def did_you_mean(word: Any, known: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest known word, or ``""``."""
    close = closest(word, known)
    return f" (did you mean '{close}'?)" if close else ""


class Check(ABC):
    """How one parameter is checked. ``convert`` returns the value (numbers from text when
    ``text``: a command-line option) or raises :class:`InputError` naming ``what``."""

    @abstractmethod
    def expected(self) -> str:
        """What the check expects, in words."""

    @abstractmethod
    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        """The checked value."""


@dataclass(frozen=True)
class Number(Check):
    """A number in ``unit`` within bounds (``above``: exclusive lower bound)."""

    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    integer: bool = False

    def _bounds(self) -> dict[str, Any]:
        return {"minimum": self.minimum, "maximum": self.maximum, "above": self.above,
                "integer": self.integer, "unit": self.unit}

    def expected(self) -> str:
        return describe_number(**self._bounds())

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if isinstance(value, str) and not text:  # a TOML string where a number belongs
            raise InputError(f"{what}={value!r}: expected {self.expected()}"
                             f"{_quoted_number_hint(value, self.unit)}")
        return parse_number(value, what, **self._bounds())


@dataclass(frozen=True)
class Angle(Check):
    """A latitude or longitude typed on the command line (:func:`parse_angle`)."""

    axis: str = "lat"

    def expected(self) -> str:
        return describe_number(unit="degrees", minimum=-90 if self.axis == "lat" else -180,
                               maximum=90 if self.axis == "lat" else 180)

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        return parse_angle(value, what, self.axis)


def _quoted_number_hint(value: str, unit: str = "") -> str:
    """For a number in quotes in a scenario (``"30"``, ``"30 m"``): how to write it."""
    stripped = value.translate(_MINUS_SIGNS).strip()
    if _PLAIN.match(stripped):
        return f" (a number without quotes: {stripped})"
    return _unit_hint(stripped, unit, quoted=True)


@dataclass(frozen=True)
class Share(Number):
    """A fraction from 0 to 1 (0.95, not 95); ``positive``: above 0 (a target share: a
    hamlet covered when 0 of its homes are is no target)."""

    minimum: float | None = 0.0
    maximum: float | None = 1.0
    positive: bool = False

    def expected(self) -> str:
        return "a fraction above 0, up to 1" if self.positive else "a fraction from 0 to 1"

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        percent = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*%\s*", value) if isinstance(
            value, str) else None
        if percent:
            number = float(percent.group(1).replace(",", "."))
            raise InputError(f"{what}={value!r} is a fraction from 0 to 1; did you mean "
                             f"{_fmt(number / 100)}?")
        try:
            number = Number().convert(value, what, text=text)
        except InputError as exc:
            if "ambiguous" in str(exc):
                raise
            hint = _quoted_number_hint(value) if isinstance(value, str) and not text else ""
            raise InputError(f"{what}={value!r}: expected {self.expected()}{hint}") from None
        if 1 < number <= 100:
            raise InputError(f"{what}={value!r} is a fraction from 0 to 1; did you mean "
                             f"{_fmt(number / 100)}?")
        if not 0 <= number <= 1 or (self.positive and number == 0):
            raise InputError(f"{what}={value!r}: expected {self.expected()}")
        return number


@dataclass(frozen=True)
class Flag(Check):
    """true or false."""

    def expected(self) -> str:
        return "true or false"

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if isinstance(value, bool):
            return value
        words = {"true": True, "false": False}
        if text and isinstance(value, str) and value.strip().lower() in words:
            return words[value.strip().lower()]
        hint = (" (without quotes)" if isinstance(value, str)
                and value.strip().lower() in words else "")
        raise InputError(f"{what}={value!r}: expected {self.expected()}{hint}")


@dataclass(frozen=True)
class Choice(Check):
    """One of a few words; ``optional``: None allowed (the engine chooses)."""

    choices: tuple[str, ...] = ()
    optional: bool = False

    def expected(self) -> str:
        return "one of " + ", ".join(f"'{c}'" for c in self.choices)

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if value is None and self.optional:
            return None
        if isinstance(value, str) and value in self.choices:
            return value
        hint = did_you_mean(value, self.choices) if isinstance(value, str) else ""
        raise InputError(f"{what}={value!r}: expected {self.expected()}{hint}")


@dataclass(frozen=True)
class Text(Check):
    """Non-empty text, e.g. a name or a CRS."""

    description: str = "text"

    def expected(self) -> str:
        return self.description

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if isinstance(value, str) and value.strip():
            return value
        empty = " (empty text)" if isinstance(value, str) else ""
        raise InputError(f"{what}={value!r}: expected {self.expected()}{empty}")


@dataclass(frozen=True)
class CrsName(Text):
    """A CRS as a scenario names it: text (a preset, ``"EPSG:32648"``, WKT) or an EPSG code;
    whether it names a real CRS is checked when the project is loaded."""

    description: str = "a CRS name or EPSG code, e.g. 'EPSG:32648' or 'vn2000-thanhhoa'"

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        return super().convert(value, what, text=text)


@dataclass(frozen=True)
class UnitName(Text):
    """An administrative unit as a scenario names it: its code (text or a whole number,
    ``"14818"``, ``14818``) or its name (``"Quang Trung"``); returned as text. Whether it
    names a real unit is checked when the project is loaded (:mod:`coverage_gis.io.units`)."""

    description: str = "an administrative unit's code or name, e.g. \"14818\" or \"Quang Trung\""

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return str(value)
        return super().convert(value, what, text=text).strip()


@dataclass(frozen=True)
class PerTechnology(Check):
    """A table of numbers by technology (``{ "4G" = -110.0 }``), each checked by ``number``."""

    number: Number = Number()

    def expected(self) -> str:
        return (f"a table with, per technology ({', '.join(settings.TECHNOLOGIES)}), "
                f"{self.number.expected()}, e.g. {{ \"4G\" = -110.0 }}")

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if not isinstance(value, Mapping):
            raise InputError(f"{what}={value!r}: expected {self.expected()}")
        out: dict[str, float] = {}
        problems: list[str] = []
        for tech, number in value.items():
            if tech not in settings.TECHNOLOGIES:
                problems.append(f"{what}: unknown technology {tech!r}{_technology_hint(tech)}; "
                                f"expected one of {', '.join(settings.TECHNOLOGIES)}")
                continue
            try:
                out[tech] = self.number.convert(number, f"{what}.{tech}", text=text)
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        return out


def _technology_hint(name: Any) -> str:
    key = re.sub(r"[\s\-_]", "", str(name)).lower()
    for tech, aliases in settings.TECHNOLOGY_ALIASES.items():
        if key in aliases:
            return f" (did you mean '{tech}'?)"
    return ""


def _param(default: Any = None, check: Check | None = None, *,
           factory: Callable[[], Any] | None = None) -> Any:
    """A dataclass field with its check."""
    if factory is not None:
        return field(default_factory=factory, metadata={"check": check})
    return field(default=default, metadata={"check": check})


def check_keys(table: Any, checks: Mapping[str, Check], where: str, *,
               text: bool = False, name: Callable[[str], str] | None = None
               ) -> tuple[dict[str, Any], list[str]]:
    """Check every key of ``table`` against ``checks``: (converted values, problems).

    Parameters
    ----------
    table
        A scenario table (or command-line overrides).
    checks
        Known key -> its check.
    where
        The table as the user knows it, e.g. ``"scenario.toml [coverage]"``.
    text
        Values are command-line text (numbers parsed from it).
    name
        How the user knows a key (default ``"<where> <key>"``), e.g. ``--resolution-m``.
    """
    name = name or (lambda key: f"{where} {key}")
    if not isinstance(table, Mapping):
        return {}, [f"{where}={table!r}: expected a table of parameters"]
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in table.items():
        if key not in checks:
            problems.append(f"{where}: unknown key '{key}'{did_you_mean(key, checks)}; "
                            f"known keys: {', '.join(checks)}")
            continue
        try:
            values[key] = checks[key].convert(value, name(key), text=text)
        except InputError as exc:
            problems.extend(exc.problems)
    return values, problems


# --------------------------------------------------------------------------------------------
# Parameter sets of the engines
# --------------------------------------------------------------------------------------------

#: The distances of a scenario's tables, within bounds that catch a typo or a unit mistake
#: (1e9, 0.001) before it asks for petabytes or an endless loop; they are not rules: real
#: values lie far inside (the defaults and the README's tables).
_STUDY_DISTANCE = Number("metres", minimum=0, maximum=100_000)
_LOCAL_DISTANCE = Number("metres", minimum=0, maximum=10_000)
_SAMPLE_STEP = Number("metres", minimum=1, maximum=1000)
_CANDIDATE_SPACING = Number("metres", minimum=10, maximum=100_000)
_CORRIDOR = Number("metres", minimum=0, maximum=1000)


class _Params:
    """Shared behaviour of the parameter sets: checks on construction, ``from_scenario``."""

    #: The scenario table that overrides the defaults.
    section: ClassVar[str] = ""

    def __post_init__(self) -> None:
        problems: list[str] = []
        for f in fields(self):  # type: ignore[arg-type]
            try:
                f.metadata["check"].convert(getattr(self, f.name), f"[{self.section}] {f.name}")
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)

    def checked(self) -> Self:
        """A copy checked again, as when it was made: a field set since (``params.x = ...``
        in a notebook) or a table changed in place is refused as the constructor refuses it
        (found by a review: ``max_drop_m = -5`` set afterwards passed no home, silently)."""
        return replace(self)  # type: ignore[type-var]

    @classmethod
    def checks(cls) -> dict[str, Check]:
        """Field name -> its check (fields filled from a table of their own, such as
        ``CoverageParams.calibration``, excepted)."""
        return {f.name: f.metadata["check"] for f in fields(cls)  # type: ignore[arg-type]
                if not f.metadata.get("table")}

    @classmethod
    def check_table(cls, table: Any, where: str = "scenario") -> tuple[dict[str, Any], list[str]]:
        """Check a scenario's table for this set: (converted values, problems)."""
        return check_keys(table, cls.checks(), f"{where} [{cls.section}]")

    @classmethod
    def from_scenario(cls, parameters: Mapping[str, Any], **overrides: Any) -> Self:
        """Parameters from a scenario's table (``parameters[section]``), overridden by
        ``overrides``: command-line values, given as typed (text is read as numbers; problems
        name the option, ``--resolution-m``). Every problem of both is listed at once.

        Raises
        ------
        InputError
            Unknown keys (with a suggestion), values of the wrong type or out of range.
        """
        if not isinstance(parameters, Mapping):
            raise InputError(f"{cls.__name__}.from_scenario: parameters={parameters!r}: "
                             "expected a scenario's tables, e.g. {'"
                             f"{cls.section}': {{...}}}} (Scenario.parameters)")
        values, problems = cls.check_table(parameters.get(cls.section, {}))
        problems += _misplaced_keys(cls, parameters)
        given, more = check_keys(overrides, cls.checks(), "command line", text=True,
                                 name=lambda key: f"--{key.replace('_', '-')}")
        problems += more
        for f in fields(cls):  # type: ignore[arg-type]
            table = f.metadata.get("table")
            if table and table in parameters:  # a field filled from a table of its own
                try:
                    values[f.name] = f.metadata["check"].convert(parameters[table], table)
                except InputError as exc:
                    problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        for f in fields(cls):  # type: ignore[arg-type]
            if (isinstance(f.metadata["check"], PerTechnology) and f.name in values
                    and callable(f.default_factory)):  # given values added to the defaults
                values[f.name] = {**f.default_factory(), **values[f.name]}
        return cls(**{**values, **given})


def _misplaced_keys(cls: Any, parameters: Mapping[str, Any]) -> list[str]:
    """Problems of a ``from_scenario`` mapping that is not a scenario's tables: a key of the
    class's own table at the top (``{'resolution_m': 50}`` was ignored, the default used) or
    a name that is no table (``{'coverge': ...}``)."""
    problems = []
    own = set(cls.checks())
    for key in parameters:
        if key in KNOWN_TABLES:
            continue
        if key in own:
            problems.append(f"{cls.__name__}.from_scenario: {key!r} is a key of the "
                            f"[{cls.section}] table: give {{'{cls.section}': {{'{key}': "
                            f"...}}}}, or {cls.__name__}({key}=...)")
        else:
            problems.append(f"{cls.__name__}.from_scenario: unknown table {key!r}"
                            f"{did_you_mean(key, KNOWN_TABLES)}")
    return problems


@dataclass(frozen=True)
class OptionalValue(Check):
    """Not given (None, the default) or a value ``inner`` accepts."""

    inner: Check = Text()

    def expected(self) -> str:
        return self.inner.expected()

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        return None if value is None else self.inner.convert(value, what, text=text)


@dataclass(frozen=True)
class DbTable(Check):
    """A table of numbers by name (``{ "trees" = 6.0 }``), each checked by ``number``."""

    number: Number = Number("dB")

    def expected(self) -> str:
        return f'a table of {self.number.expected()} by name, e.g. {{ "trees" = 6.0 }}'

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if not isinstance(value, Mapping):
            raise InputError(f"{what}={value!r}: expected {self.expected()}")
        out: dict[str, float] = {}
        problems: list[str] = []
        for key, number in value.items():
            try:
                out[str(key)] = self.number.convert(number, f"{what}.{key}", text=text)
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        return out


@dataclass(frozen=True)
class Probability(Share):
    """A probability strictly between 0 and 1 (0.9, not 90)."""

    def expected(self) -> str:
        return "a probability between 0 and 1, both excluded (e.g. 0.9)"

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        number = super().convert(value, what, text=text)
        if not 0.0 < number < 1.0:
            raise InputError(f"{what}={value!r}: expected {self.expected()}")
        return number


def _class_code(key: Any, what: str) -> int:
    """A land-cover class code from a table key ("10" in TOML, 10 in Python)."""
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        return int(key)
    if isinstance(key, str) and re.fullmatch(r"\s*\d+\s*", key):
        return int(key)
    raise InputError(f"{what}: {key!r} is not a land-cover class code; expected whole numbers "
                     'as keys, e.g. { "10" = 6.0 } (ESA WorldCover: 10 tree cover, 40 '
                     "cropland, 50 built-up, 80 water, ...)")


@dataclass(frozen=True)
class ClassTable(Check):
    """A table by land-cover class code (``{ "10" = 6.0 }``): numbers checked by ``number``,
    or words among ``choices``. Returns class (int) -> value."""

    number: Number | None = None
    choices: tuple[str, ...] = ()

    def expected(self) -> str:
        inner = self.number.expected() if self.number is not None else Choice(
            self.choices).expected()
        return f'a table of {inner} by land-cover class code, e.g. {{ "10" = ... }}'

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if not isinstance(value, Mapping):
            raise InputError(f"{what}={value!r}: expected {self.expected()}")
        out: dict[int, Any] = {}
        problems: list[str] = []
        for key, item in value.items():
            try:
                code = _class_code(key, what)
                check = self.number if self.number is not None else Choice(self.choices)
                out[code] = check.convert(item, f"{what}.{key}", text=text)
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        return out


@dataclass
class ClutterParams(_Params):
    """What a land-cover layer (``[layers] landcover``) does at each receiver pixel
    (``[clutter]``; :mod:`coverage_gis.radio.clutter`): an extra loss per class
    (``losses_db``, dB, default ESA WorldCover's table ``settings.CLUTTER_LOSS_DB``) and,
    with ``environment_per_pixel = true``, the environment of the Hata family's correction
    per class (``environments``). A table given replaces the default one as a whole (another
    classification has other classes): every class of the raster needs a loss."""

    section: ClassVar[str] = "clutter"

    losses_db: dict[int, float] = _param(
        check=ClassTable(Number("dB", minimum=0, maximum=60)),
        factory=lambda: dict(settings.CLUTTER_LOSS_DB))
    environments: dict[int, str] = _param(
        check=ClassTable(choices=settings.ENVIRONMENTS),
        factory=lambda: dict(settings.CLUTTER_ENVIRONMENTS))
    environment_per_pixel: bool = _param(settings.CLUTTER_ENVIRONMENT_PER_PIXEL, Flag())


class _ClutterTable(Check):
    """A ``[clutter]`` table (:class:`ClutterParams`' keys) as a plain dict."""

    def expected(self) -> str:
        return "a [clutter] table: " + ", ".join(ClutterParams.checks())

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        values, problems = check_keys(value, ClutterParams.checks(), "[clutter]")
        if problems:
            raise InputError(problems)
        ClutterParams(**values)
        return values


@dataclass
class CalibrationParams(_Params):
    """A path-loss calibration fitted to measured levels (``coverage-gis calibrate`` writes
    one as a ``[calibration]`` table; a scenario holds it or names its file with
    ``[scenario] calibration = "calibration.toml"``). The engine's loss becomes
    (``radio.pathloss.calibrated_loss``)::

        L_cal(d) = max(L(d) + offset_db + slope_db_per_decade log10(d / reference_distance_m),
                       L_free(d))

    so ``offset_db`` > 0 means more loss than the model (measured levels lower than
    predicted). ``clutter_offsets_db`` (land-cover class -> dB, fitted when the project has
    a land-cover layer) is added to the ``[clutter]`` loss of each class; it does nothing
    without a land-cover layer. ``fitted_from``, ``n`` and
    ``rmse_db`` record where the fit came from (the measurements' file, how many were used,
    the RMS error after the fit, dB); they change nothing.
    """

    section: ClassVar[str] = "calibration"

    offset_db: float = _param(settings.CALIBRATION_OFFSET_DB,
                              Number("dB", minimum=settings.CALIBRATION_OFFSET_LIMITS_DB[0],
                                     maximum=settings.CALIBRATION_OFFSET_LIMITS_DB[1]))
    slope_db_per_decade: float = _param(
        settings.CALIBRATION_SLOPE_DB_PER_DECADE,
        Number("dB per decade", minimum=settings.CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE[0],
               maximum=settings.CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE[1]))
    reference_distance_m: float = _param(settings.CALIBRATION_REFERENCE_DISTANCE_M,
                                         Number("metres", above=0, maximum=100_000))
    clutter_offsets_db: dict[int, float] = _param(
        check=ClassTable(Number("dB", minimum=settings.CALIBRATION_OFFSET_LIMITS_DB[0],
                                maximum=settings.CALIBRATION_OFFSET_LIMITS_DB[1])),
        factory=dict)
    fitted_from: str | None = _param(None, OptionalValue(Text("text (the measurements' file)")))
    n: int | None = _param(None, OptionalValue(Number(minimum=0, integer=True)))
    rmse_db: float | None = _param(None, OptionalValue(Number("dB", minimum=0)))

    @property
    def corrects(self) -> bool:
        """Whether it changes the loss (an offset or a slope other than 0)."""
        return self.offset_db != 0.0 or self.slope_db_per_decade != 0.0


class _CalibrationTable(Check):
    """A ``[calibration]`` table (:class:`CalibrationParams`' keys) as a plain dict."""

    def expected(self) -> str:
        return "a [calibration] table: " + ", ".join(CalibrationParams.checks())

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        values, problems = check_keys(value, CalibrationParams.checks(), "[calibration]")
        if problems:
            raise InputError(problems)
        CalibrationParams(**values)
        return values


#: TR 38.901 models, with which a negative slope correction is refused
#: (``radio.pathloss.check_calibration``).
SLOW_SLOPE_MODELS = ("rma_los", "rma_nlos", "uma_los", "uma_nlos", "rma", "uma")


@dataclass
class CoverageParams(_Params):
    """The knobs of a coverage run; defaults from :mod:`coverage_gis.config.settings`.

    A scenario's ``[coverage]`` table overrides any of them by name.
    """

    section: ClassVar[str] = "coverage"

    resolution_m: float = _param(settings.RESOLUTION_M, _SAMPLE_STEP)
    margin_m: float = _param(settings.RASTER_MARGIN_M, _STUDY_DISTANCE)
    thresholds_dbm: dict[str, float] = _param(
        check=PerTechnology(Number("dBm", minimum=-140, maximum=-44)),
        factory=lambda: dict(settings.COVERAGE_THRESHOLDS_DBM))
    ue_height_m: float = _param(settings.UE_HEIGHT_M,
                                Number("metres", above=0,
                                       maximum=settings.VALUE_RANGES["height_m"][1]))
    body_loss_db: float = _param(settings.BODY_LOSS_DB, Number("dB", minimum=0, maximum=50))
    indoor: bool = _param(False, Flag())
    # None: ITU-R P.2109 by frequency and elevation (building_type, indoor_loss_probability);
    # a number: that flat loss (dB) instead
    indoor_loss_db: float | None = _param(None, OptionalValue(Number("dB", minimum=0,
                                                                     maximum=50)))
    building_type: str = _param(settings.BUILDING_TYPE, Choice(settings.BUILDING_TYPES))
    indoor_loss_probability: float = _param(settings.INDOOR_LOSS_PROBABILITY, Probability())
    # coverage at this location probability (shadow fading); None sigma: per model
    location_probability: float = _param(settings.COVERAGE_PROBABILITY_TARGET, Probability())
    shadow_sigma_db: float | None = _param(None, OptionalValue(Number("dB", above=0,
                                                                      maximum=30)))
    environment: str = _param(settings.ENVIRONMENT, Choice(settings.ENVIRONMENTS))
    # None: pathloss.default_model(band, environment) per cell
    model: str | None = _param(None, Choice(settings.PATH_LOSS_MODELS, optional=True))
    max_range_m: float = _param(settings.MAX_CELL_RANGE_M,
                                Number("metres", above=0, maximum=100_000))
    level_floor_dbm: float = _param(settings.LEVEL_FLOOR_DBM,
                                    Number("dBm", minimum=-200, maximum=-44))
    terrain_method: str = _param(settings.TERRAIN_METHOD, Choice(settings.TERRAIN_METHODS))
    # the terrain's step beyond a cell's threshold range (m); 0: the grid's step throughout
    far_terrain_step_m: float = _param(settings.FAR_TERRAIN_STEP_M,
                                       Number("metres", minimum=0, maximum=1000))
    # the Hata family's mast height above the average terrain towards each pixel (with a DEM)
    effective_height: bool = _param(settings.EFFECTIVE_HEIGHT, Flag())
    hamlet_share: float = _param(settings.MOBILE_BROADBAND_HAMLET_SHARE,
                                 Share(positive=True))
    include_planned: bool = _param(False, Flag())
    # the scenario's [calibration] table (empty: none), applied to every cell's path loss
    calibration: dict[str, Any] = field(
        default_factory=dict, metadata={"check": _CalibrationTable(), "table": "calibration"})
    # the scenario's [clutter] table (empty: the defaults), used with a landcover layer
    clutter: dict[str, Any] = field(
        default_factory=dict, metadata={"check": _ClutterTable(), "table": "clutter"})

    @property
    def clutter_params(self) -> ClutterParams:
        """What a land-cover layer does (the scenario's ``[clutter]`` over the defaults)."""
        return ClutterParams(**_ClutterTable().convert(self.clutter, "[clutter]"))

    def __post_init__(self) -> None:
        super().__post_init__()
        cal = self.path_loss_calibration
        if cal is not None and cal.slope_db_per_decade < 0 and self.model in SLOW_SLOPE_MODELS:
            raise InputError(
                f"[calibration] slope_db_per_decade={cal.slope_db_per_decade:g}: a negative "
                f"slope correction cannot be used with [coverage] model = '{self.model}' (the "
                "TR 38.901 loss may grow by less than 20 dB per decade near the mast, so the "
                "calibrated loss could fall with distance); use another model or a slope >= 0")

    @property
    def clutter_offsets_db(self) -> dict[int, float]:
        """The ``[calibration]`` table's extra loss per land-cover class (class -> dB; empty
        without one), added to the ``[clutter]`` table's losses."""
        if not self.calibration:
            return {}
        table = CalibrationParams(**self.calibration).clutter_offsets_db
        return {int(k): float(v) for k, v in table.items()}

    @property
    def path_loss_calibration(self) -> CalibrationParams | None:
        """The calibration the engine applies to the path loss, or None (no table, or one
        with no offset and no slope)."""
        if not self.calibration:
            return None
        cal = CalibrationParams(**self.calibration)
        return cal if cal.corrects else None


@dataclass
class FibreParams(_Params):
    """The knobs of a fibre-reach run. A scenario's ``[fibre]`` table overrides any by name.

    Attributes
    ----------
    max_drop_m
        Longest drop cable (m) from a box to a house, measured along the roads (FIELD_NOTES:
        200-300 m rule of thumb, 500 m at most).
    detour_factor
        Where there is no road, the distance is the straight line times this factor.
    snap_tolerance_m
        Fibre route fragments whose ends are at most this far apart are joined.
    connector_max_m
        A house or a box farther than this from every road is off the road network and is
        measured by the straight-line fallback. Default 500 m: the longest drop cable there is;
        nearer houses reach the road by a straight connector.
    house_road_slack_m
        A house also joins every other road passing within this many metres more than its
        nearest road (at most ``settings.FIBRE_HOUSE_ROADS_MAX`` roads); its distance to a box
        is the shortest over them (0: the nearest road only).
    hamlet_rule
        ``"cultural_house"``: a hamlet is covered when its cultural house (nhà văn hóa) is
        passed; a hamlet with no cultural house marked falls back to the share rule.
        ``"share"``: covered when at least ``hamlet_share`` of its homes are passed.
    hamlet_share
        Share of homes passed for the share rule.
    respect_ports
        Whether ports decide ``connectable`` (homes passed never depend on ports): a box with
        ``ports_total`` and ``ports_used`` connects at most ``ports_total`` homes: its
        ``ports_used`` ports hold homes already connected (taken to be the nearest), its
        free ports go to the next nearest, then to as many more passed homes as they can take
        (:func:`coverage_gis.engines.fibre_reach._assign_ports`); passed homes left without
        a port are ``port_limited``. A box with ``ports_total`` unknown has unlimited ports; with
        ``ports_used`` unknown, all its ports are free.
    route_sample_m
        Without access points, fibre routes are sampled every this many metres (the distance
        to a route is exact to half of it).
    extend_from_routes
        Gap extensions may start from any point of a fibre route (a splice closure), not only
        from a box.
    site_spacing_m
        Gap extensions under the share rule consider a new box at every road vertex and at
        least every this many metres along the roads.
    include_planned
        Count planned fibre routes and boxes (``status`` planned) as in service; by default
        reach, the extensions and the GPON check use today's network only.
    """

    section: ClassVar[str] = "fibre"

    max_drop_m: float = _param(settings.FIBRE_MAX_DROP_M, _LOCAL_DISTANCE)
    detour_factor: float = _param(settings.FIBRE_DETOUR_FACTOR, Number(minimum=1, maximum=10))
    snap_tolerance_m: float = _param(settings.FIBRE_SNAP_TOLERANCE_M,
                                     Number("metres", minimum=0, maximum=1000))
    connector_max_m: float = _param(settings.FIBRE_CONNECTOR_MAX_M,
                                    Number("metres", above=0, maximum=10_000))
    house_road_slack_m: float = _param(settings.FIBRE_HOUSE_ROAD_SLACK_M,
                                       Number("metres", minimum=0, maximum=1000))
    hamlet_rule: str = _param(settings.FIBRE_HAMLET_RULE, Choice(settings.FIBRE_HAMLET_RULES))
    hamlet_share: float = _param(settings.FIBRE_HAMLET_SHARE, Share(positive=True))
    respect_ports: bool = _param(True, Flag())
    route_sample_m: float = _param(settings.FIBRE_ROUTE_SAMPLE_M, _SAMPLE_STEP)
    extend_from_routes: bool = _param(True, Flag())
    site_spacing_m: float = _param(settings.FIBRE_SITE_SPACING_M, _SAMPLE_STEP)
    include_planned: bool = _param(False, Flag())

    @property
    def fallback_basis(self) -> str:
        """The ``basis`` text of the straight-line fallback, e.g. ``"straight line x 1.3"``."""
        return f"straight line x {self.detour_factor:g}"



@dataclass
class SharingParams(_Params):
    """Distances (m) and the ratio's definition; a scenario's ``[sharing]`` table overrides."""

    section: ClassVar[str] = "sharing"

    tower_distance_m: float = _param(settings.TOWER_GROUPING_M, _LOCAL_DISTANCE)
    candidate_distance_m: float = _param(settings.SHARING_DISTANCE_M, _LOCAL_DISTANCE)
    urban_candidate_distance_m: float = _param(settings.SHARING_DISTANCE_URBAN_M,
                                               _LOCAL_DISTANCE)
    ratio: str = _param(settings.SHARING_RATIO, Choice(settings.SHARING_RATIOS))


@dataclass
class CheckParams(_Params):
    """check-site's (and suggest-sites') minimum distances (m) by kind of place, a scenario's
    ``[check] min_distance_m`` table (``{ dwelling = 15, school = 60 }``): ``dwelling`` for
    the nearest household, other kinds for constraint rows without a ``min_distance_m`` of
    their own; kinds not given keep the tool's defaults
    (``settings.CONSTRAINT_MIN_DISTANCE_M``). Local settings, never regulations."""

    section: ClassVar[str] = "check"

    min_distance_m: dict[str, float] = _param(check=DbTable(_LOCAL_DISTANCE), factory=dict)
    #: The CRS of the province's cadastral maps: the x/y a tower request gives and check-site
    #: prints, and the one tried first when typed x/y fall outside (default
    #: ``settings.CHECK_SITE_CADASTRAL_CRS``, Thanh Hóa's TM-3 zone; another province's is
    #: ``vn2000-tm3-<central meridian>``, Circular 973/2001/TCĐC-CT). Checked when the project
    #: is loaded.
    cadastral_crs: str = _param(settings.CHECK_SITE_CADASTRAL_CRS, CrsName())

    def __post_init__(self) -> None:
        super().__post_init__()
        self.min_distance_m = {str(k).strip().lower().replace(" ", "_"): float(v)
                               for k, v in self.min_distance_m.items()}
        known = settings.CONSTRAINT_MIN_DISTANCE_M   # other kinds give their own distance
        unknown = [k for k in self.min_distance_m if k not in known]
        if unknown:
            raise InputError([f"[check] min_distance_m.{k}: not a kind of place with a "
                              f"default distance{did_you_mean(k, known)}; known kinds: "
                              f"{', '.join(known)} (another kind gives its min_distance_m in "
                              "the constraints layer)" for k in unknown])

    def distance_m(self, kind: str, default_m: float) -> tuple[float, str]:
        """The minimum distance (m) for a place of ``kind`` that gives none of its own, and
        who set it: ``scenario`` (this table) or ``tool-default`` (``default_m``)."""
        if kind in self.min_distance_m:
            return self.min_distance_m[kind], "scenario"
        return default_m, "tool-default"


@dataclass(frozen=True)
class Words(Check):
    """A list of short texts (``["paddy", "forest"]``), lower-cased."""

    def expected(self) -> str:
        return 'a list of texts, e.g. ["paddy"]'

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if isinstance(value, str):
            value = [v for v in value.replace(";", ",").split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{what}={value!r}: expected {self.expected()}")
        return tuple(v.strip().lower() for v in value)


@dataclass
class SuggestionParams(_Params):
    """Where suggest-sites may propose a tower and how it aims it; a scenario's
    ``[suggestions]`` table overrides any by name (local settings, see
    :mod:`~coverage_gis.config.settings`). The land always excluded
    (``settings.SUGGESTION_EXCLUDED_LAND``) stays excluded, and road classes not given keep
    their default corridor."""

    section: ClassVar[str] = "suggestions"

    spacing_m: float = _param(settings.CANDIDATE_SPACING_M, _CANDIDATE_SPACING)
    excluded_land: tuple[str, ...] = _param(check=Words(),
                                            factory=lambda: settings.SUGGESTION_EXCLUDED_LAND)
    road_corridor_m: dict[str, float] = _param(
        check=DbTable(_CORRIDOR), factory=lambda: dict(settings.SUGGESTION_ROAD_CORRIDOR_M))
    railway_corridor_m: float = _param(settings.SUGGESTION_RAILWAY_CORRIDOR_M, _CORRIDOR)
    aim_sectors: bool = _param(True, Flag())

    def __post_init__(self) -> None:
        super().__post_init__()
        self.excluded_land = tuple(dict.fromkeys((*settings.SUGGESTION_EXCLUDED_LAND,
                                                  *Words().convert(self.excluded_land,
                                                                   "excluded_land"))))
        self.road_corridor_m = {**settings.SUGGESTION_ROAD_CORRIDOR_M,
                                **self.road_corridor_m}


@dataclass(frozen=True)
class Pattern(Text):
    """A regular expression (Python ``re`` syntax)."""

    description: str = "a regular expression that matches something, e.g. \"^(QL|Quốc lộ)\""

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        value = super().convert(value, what, text=text)
        try:
            re.compile(value)
        except re.error as exc:
            raise InputError(f"{what}={value!r}: not a regular expression ({exc})") from None
        return value


_VND = Number("VND", minimum=0, maximum=1e12)  # a typo's bound, as the distances' above


@dataclass
class BuildParams(_Params):
    """Sizes and unit prices of a buildable fibre gap extension; a scenario's
    ``[fibre_build]`` table overrides any by name (defaults: the FIBRE block of
    :mod:`coverage_gis.config.settings`, each with its source: prices are local settings).

    Attributes
    ----------
    box_ports
        Ports of a new drop box (homes it can connect).
    aerial_vnd_per_m, underground_vnd_per_m
        Cable laid on poles / in a new duct (VND per metre).
    box_vnd, crossing_vnd
        A new drop box installed; one crossing of a railway or national road (VND each).
    underground_road_classes
        ``road_class`` values along which new cable goes underground.
    national_road_classes, national_road_name
        What a national road is: these ``road_class`` values, or a name matching the pattern
        (a regular expression).
    """

    section: ClassVar[str] = "fibre_build"

    box_ports: int = _param(settings.FIBRE_NEW_BOX_PORTS,
                            Number("ports", minimum=1, maximum=1024, integer=True))
    aerial_vnd_per_m: float = _param(settings.FIBRE_AERIAL_CABLE_VND_PER_M, _VND)
    underground_vnd_per_m: float = _param(settings.FIBRE_UNDERGROUND_CABLE_VND_PER_M, _VND)
    box_vnd: float = _param(settings.FIBRE_BOX_VND, _VND)
    crossing_vnd: float = _param(settings.FIBRE_CROSSING_VND, _VND)
    underground_road_classes: tuple[str, ...] = _param(
        check=Words(), factory=lambda: settings.FIBRE_UNDERGROUND_ROAD_CLASSES)
    national_road_classes: tuple[str, ...] = _param(
        check=Words(), factory=lambda: settings.FIBRE_NATIONAL_ROAD_CLASSES)
    national_road_name: str = _param(settings.FIBRE_NATIONAL_ROAD_NAME, Pattern())

    def __post_init__(self) -> None:
        super().__post_init__()
        self.box_ports = int(self.box_ports)
        self.underground_road_classes = Words().convert(self.underground_road_classes, "")
        self.national_road_classes = Words().convert(self.national_road_classes, "")


@dataclass
class GponParams(_Params):
    """The GPON optical budget check; a scenario's ``[gpon]`` table overrides any by name
    (defaults: ``settings.FIBRE_GPON_*`` and neighbours; the class budgets and the reach are
    ITU-T standards, the losses typical values).

    Attributes
    ----------
    budget_class
        ODN class checked against, a key of ``classes_db`` (``"B+"`` 28 dB, ``"C+"`` 32 dB).
    classes_db
        Loss budget (dB) per class, ITU-T G.984.2.
    loss_db_per_km
        Fibre attenuation at 1310 nm (dB/km).
    splitter_loss_db
        Insertion loss (dB) by split ratio (TOML keys are text: ``{ "32" = 17.1 }``; ratios
        not given keep their default, and so do classes not given in ``classes_db``).
    split_ratio
        Total split of a tree; a drop box's own splitter is its second level.
    connectors, connector_loss_db, splices, splice_loss_db, cable_section_km
        Connector pairs and splices from OLT to home, their losses (dB), and one more splice
        per cable section of this length (km).
    max_reach_km
        Longest fibre OLT to home (km), ITU-T G.984.1.
    feeder_km
        Fibre added before a route's start when the OLT position is taken from it (km).
    """

    section: ClassVar[str] = "gpon"

    budget_class: str = _param(settings.FIBRE_GPON_CLASS, Text("an ODN class, e.g. B+"))
    classes_db: dict[str, float] = _param(
        check=DbTable(Number("dB", minimum=0, maximum=60)),
        factory=lambda: dict(settings.FIBRE_GPON_CLASSES_DB))
    loss_db_per_km: float = _param(settings.FIBRE_LOSS_DB_PER_KM,
                                   Number("dB/km", minimum=0, maximum=5))
    splitter_loss_db: dict[int, float] = _param(
        check=DbTable(Number("dB", minimum=0, maximum=40)),
        factory=lambda: dict(settings.FIBRE_SPLITTER_LOSS_DB))
    split_ratio: int = _param(settings.FIBRE_GPON_SPLIT_RATIO,
                              Number(minimum=1, maximum=256, integer=True))
    connectors: int = _param(settings.FIBRE_GPON_CONNECTORS,
                             Number(minimum=0, maximum=100, integer=True))
    connector_loss_db: float = _param(settings.FIBRE_CONNECTOR_LOSS_DB,
                                      Number("dB", minimum=0, maximum=10))
    splices: int = _param(settings.FIBRE_GPON_SPLICES, Number(minimum=0, maximum=1000,
                                                              integer=True))
    splice_loss_db: float = _param(settings.FIBRE_SPLICE_LOSS_DB,
                                   Number("dB", minimum=0, maximum=10))
    # bounds that catch a unit mistake (1e-300 km gave a margin of -6e297 dB)
    cable_section_km: float = _param(settings.FIBRE_CABLE_SECTION_KM,
                                     Number("km", minimum=0.1, maximum=100))
    max_reach_km: float = _param(settings.FIBRE_GPON_MAX_REACH_KM,
                                 Number("km", minimum=1, maximum=100))
    feeder_km: float = _param(settings.FIBRE_GPON_FEEDER_KM, Number("km", minimum=0,
                                                                    maximum=100))

    def __post_init__(self) -> None:
        super().__post_init__()
        self.classes_db = {**settings.FIBRE_GPON_CLASSES_DB, **self.classes_db}
        try:  # a scenario's entries replace the defaults of the same ratio, not all of them
            given: dict[int, float] | None = {
                int(k): float(v) for k, v in self.splitter_loss_db.items()}
        except ValueError:
            given = None
        if given is None or any(k < 2 for k in given):
            raise InputError(f"[gpon] splitter_loss_db: expected split ratios as keys (whole "
                             f"numbers from 2, e.g. {{ \"32\" = 17.1 }}), got "
                             f"{list(self.splitter_loss_db)}")
        self.splitter_loss_db = {**settings.FIBRE_SPLITTER_LOSS_DB, **given}
        self.split_ratio, self.connectors, self.splices = (
            int(self.split_ratio), int(self.connectors), int(self.splices))
        if self.budget_class not in self.classes_db:
            raise InputError(f"[gpon] budget_class must be one of {', '.join(self.classes_db)}"
                             f", got {self.budget_class!r}")
        if self.split_ratio not in self.splitter_loss_db:
            raise InputError(f"[gpon] split_ratio must be one of "
                             f"{', '.join(map(str, sorted(self.splitter_loss_db)))}, got "
                             f"{self.split_ratio!r}")

    @property
    def budget_db(self) -> float:
        return float(self.classes_db[self.budget_class])


# --------------------------------------------------------------------------------------------
# A scenario's tables
# --------------------------------------------------------------------------------------------

#: Scenario tables read as engine parameters, and their parameter sets.
PARAMETER_TABLES: dict[str, type[_Params]] = {
    "coverage": CoverageParams, "sharing": SharingParams, "fibre": FibreParams,
    "calibration": CalibrationParams, "suggestions": SuggestionParams,
    "fibre_build": BuildParams, "gpon": GponParams, "clutter": ClutterParams,
    "check": CheckParams}

#: The keys of ``[scenario]``.
SCENARIO_KEYS: dict[str, Check] = {
    "name": Text("text (the study's name)"),
    "year": Number(minimum=2000, maximum=2100, integer=True),
    "crs": CrsName(),
    "study_area_margin_m": _STUDY_DISTANCE,
    "calibration": Text("the path of a calibration TOML file (coverage-gis calibrate writes "
                        "calibration.toml), relative to the scenario"),
    # the 2025 unit of the study (coverage-gis units), and the pre-2025 one of its plan
    "unit": UnitName(),
    "plan_unit": UnitName("a pre-2025 unit's code or name, e.g. \"14824\" or "
                          "\"xã Quang Trung, Bỉm Sơn\""),
    # a whole province: every 2025 unit of it, reported unit by unit (coverage-gis units)
    "province": UnitName("a province's code or name, e.g. \"38\" or \"Thanh Hóa\""),
}

#: Every top-level table a scenario may hold.
KNOWN_TABLES: tuple[str, ...] = ("scenario", "layers", "provenance", *PARAMETER_TABLES)

#: Where a layer's data comes from (``[provenance]``): the user's own file, a public source,
#: defaults, or the illustrative sample.
PROVENANCE_KINDS: tuple[str, ...] = ("user", "public", "default", "sample")


def check_provenance(table: Any, layers: Iterable[str], where: str
                     ) -> tuple[dict[str, dict[str, str]], list[str]]:
    """``[provenance]``: for each layer (or ``all``) a kind of :data:`PROVENANCE_KINDS`, or a
    table ``{ kind = "public", source = "...", licence = "..." }``. Returns the entries and
    the problems."""
    if table is None:
        return {}, []
    if not isinstance(table, Mapping):
        return {}, [f"{where} [provenance]: expected a table of layer = kind"]
    known = ("all", *layers)
    out: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for layer, value in table.items():
        entry = {"kind": value} if isinstance(value, str) else value
        if layer not in known:
            problems.append(f"{where} [provenance]: unknown layer '{layer}'"
                            f"{did_you_mean(layer, known)}")
        elif (not isinstance(entry, Mapping) or entry.get("kind") not in PROVENANCE_KINDS
              or any(k not in ("kind", "source", "licence") for k in entry)):
            problems.append(f"{where} [provenance] {layer}={value!r}: expected one of "
                            f"{', '.join(PROVENANCE_KINDS)}, or a table with kind, source, "
                            "licence")
        else:
            out[layer] = {k: str(v) for k, v in entry.items()}
    return out, problems


def check_parameters(doc: Mapping[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """Check a scenario's tables other than ``[layers]``: (checked ``[scenario]`` values,
    problems). Unknown tables and keys get a suggestion; every problem is listed.

    Parameters
    ----------
    doc
        The parsed TOML document.
    where
        The scenario file's name, for the messages.
    """
    problems: list[str] = []
    for name in doc:
        if name not in KNOWN_TABLES:
            close = closest(name, KNOWN_TABLES)
            hint = f" (did you mean [{close}]?)" if close else ""
            problems.append(f"{where}: unknown table [{name}]{hint}; known tables: "
                            f"{', '.join(f'[{t}]' for t in KNOWN_TABLES)}")
    head, more = check_keys(doc.get("scenario", {}), SCENARIO_KEYS, f"{where} [scenario]")
    problems += more
    for section, params_class in PARAMETER_TABLES.items():
        if section in doc:
            values, more = params_class.check_table(doc[section], where)
            if not more:  # the checks across keys ([gpon] split_ratio among the ratios)
                try:
                    params_class(**values)
                except InputError as exc:
                    more = [p if p.startswith(where) else f"{where} {p}" for p in exc.problems]
            problems += more
    return head, problems


# --------------------------------------------------------------------------------------------
# Command-line options
# --------------------------------------------------------------------------------------------

def _options(args: Any, checks: Mapping[str, Check], command_line: bool = True
             ) -> dict[str, Any]:
    """Options of ``args`` (command-line text, None when not given; ``command_line=False``:
    Python values, named as arguments) checked: every problem listed at once."""
    out: dict[str, Any] = {}
    problems: list[str] = []
    for name, check in checks.items():
        value = getattr(args, name, None)
        if value is None:
            out[name] = None
            continue
        label = f"--{name.replace('_', '-')}" if command_line else name
        try:
            out[name] = check.convert(value, label, text=command_line)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return out


def _range(column: str, unit: str, *, positive: bool = False) -> Number:
    low, high = settings.VALUE_RANGES[column]
    if positive:
        return Number(unit, above=low, maximum=high)
    return Number(unit, minimum=low, maximum=high)


@dataclass(frozen=True)
class _Each(Check):
    """A list of values (``nargs="+"``), each checked."""

    item: Check = Number()

    def expected(self) -> str:
        return self.item.expected()

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        out, problems = [], []
        for v in value:
            try:
                out.append(self.item.convert(v, what, text=text))
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        return out


#: What separates sector azimuths typed in one value: semicolons and white space (a comma
#: too, but only where it cannot be a decimal comma: :func:`sector_texts`).
_SECTOR_SEPARATORS = re.compile(r"[;\s]+")
_ONE_COMMA = re.compile(r"^([+-]?\d+),(\d+)$", re.ASCII)


def sector_texts(values: Iterable[str], what: str) -> list[str]:
    """Sector azimuths as typed, one text per sector, read the same way by ``check-site``
    (``--azimuth-deg``) and ``/api/check`` (``azimuth_deg``): each value is split at
    semicolons and white space (``0 120 240``, ``0;120;240``, ``0, 120, 240``) and at commas
    when it holds two or more of them (``0,120,240``: three sectors; a decimal in such a list
    takes a point). One comma between digits (``0,120``, ``120,5``) reads two ways (two
    sectors, or one azimuth with a decimal comma, 0.12 or 120.5) and is refused, saying how
    to write either; a trailing comma is dropped.

    Raises
    ------
    InputError
        Every ambiguous value, named by ``what``.
    """
    out: list[str] = []
    problems: list[str] = []
    for value in values:
        for token in _SECTOR_SEPARATORS.split(str(value).strip()):
            inner = token.strip(",")
            one = _ONE_COMMA.match(inner)
            if one:
                a, b = one.groups()
                problems.append(
                    f"{what}={token!r} is ambiguous: two sectors ({a} and {b}) or one azimuth "
                    f"with a decimal comma ({a}.{b})? Write sectors apart with spaces or "
                    f"semicolons ({a} {b}) and a decimal with a point ({a}.{b})")
            elif "," in inner:
                out += [t for t in inner.split(",") if t]
            elif inner:
                out.append(inner)
    if problems:
        raise InputError(problems)
    return out


@dataclass(frozen=True)
class _Sectors(_Each):
    """Sector azimuths (degrees): typed text read by :func:`sector_texts`, each checked by
    ``item``, at most ``most`` of them (default ``settings.CHECK_SITE_MAX_SECTORS``), and no
    two pointing the same way (within ``settings.CHECK_SITE_SAME_AZIMUTH_DEG``, modulo 360:
    0 and 360 are one sector)."""

    most: int | None = None

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if text and all(isinstance(v, str) for v in value):
            value = sector_texts(value, what)
        most = settings.CHECK_SITE_MAX_SECTORS if self.most is None else self.most
        if len(value) > most:  # said before reading thousands of values
            why = (" (one per sector of the tower; settings.CHECK_SITE_MAX_SECTORS)"
                   if self.most is None else "")
            raise InputError(f"{what}: {len(value)} azimuths given; expected at most "
                             f"{most}{why}")
        out = super().convert(value, what, text=text)
        problems = same_sector_problems(out, what, value)
        if problems:
            raise InputError(problems)
        return out


def carrier_problems(technology: str, band_mhz: float | None,
                     bandwidth_mhz: float | None) -> list[str]:
    """What is wrong with a proposed carrier of ``technology`` (2G..5G): a band outside its
    operating bands (``settings.TECHNOLOGY_BANDS_MHZ``, the 3GPP band tables) or a bandwidth
    under its smallest channel (4G 1.4 MHz, 3GPP TS 36.104 Table 5.6-1; 5G 5 MHz, TS 38.104
    Table 5.3.2-1): the link budget would read it as that channel, which is not what was
    asked (found by a review: 0.1 MHz was recorded and computed as 1.4 MHz). None given: no
    problem."""
    problems = []
    spans = settings.TECHNOLOGY_BANDS_MHZ[technology]
    if band_mhz is not None and not any(a <= band_mhz <= b for a, b in spans):
        problems.append(f"band_mhz {band_mhz:g} is no {technology} band: its operating bands "
                        "lie in " + " or ".join(f"{a:g}-{b:g} MHz" for a, b in spans) +
                        f" ({settings.TECHNOLOGY_BANDS_SOURCE[technology]})")
    smallest = settings.SMALLEST_CHANNEL_MHZ.get(technology)
    if bandwidth_mhz is not None and smallest is not None and bandwidth_mhz < smallest:
        problems.append(f"bandwidth_mhz {bandwidth_mhz:g} is under the smallest {technology} "
                        f"channel, {smallest:g} MHz "
                        f"({settings.SMALLEST_CHANNEL_SOURCE[technology]})")
    return problems


def same_sector_problems(azimuths_deg: Sequence[float], what: str,
                         typed: Sequence[Any] | None = None) -> list[str]:
    """A problem for each azimuth (degrees) pointing the same way as an earlier one (within
    ``settings.CHECK_SITE_SAME_AZIMUTH_DEG``, modulo 360: 0 and 360 are one sector), named
    as ``typed`` (default the values)."""
    typed = list(azimuths_deg) if typed is None else list(typed)
    tolerance = settings.CHECK_SITE_SAME_AZIMUTH_DEG
    problems = []
    for j in range(len(azimuths_deg)):
        for i in range(j):
            apart = abs((azimuths_deg[j] - azimuths_deg[i] + 180.0) % 360.0 - 180.0)
            if apart < tolerance:
                same = ("is given twice" if typed[j] == typed[i]
                        else f"points the same way as {typed[i]!r} (azimuths are taken "
                             f"modulo 360; closer than {tolerance:g}° is one sector)")
                problems.append(f"{what}={typed[j]!r} {same}: give each sector once")
                break
    return problems


@dataclass(frozen=True)
class OneLine(Text):
    """Text echoed into the check's files (check.json, the HTML page, the KML): no control
    character (U+0000-U+001F, U+007F-U+009F: tabs, line breaks, the invisible bytes pasted
    from other programs), which XML cannot hold and a printed page does not show."""

    description: str = "text on one line without control characters"

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if not isinstance(value, str):  # empty text is no text given (as before)
            raise InputError(f"{what}={value!r}: expected {self.expected()}")
        bad = next(((k, ch) for k, ch in enumerate(value)
                    if unicodedata.category(ch) == "Cc"), None)
        if bad is not None:
            k, ch = bad
            raise InputError(f"{what}={value!r}: holds the control character U+{ord(ch):04X} "
                             f"(character {k + 1}); expected {self.expected()}")
        return value


#: The numeric options of ``check-site``.
CHECK_SITE_OPTIONS: dict[str, Check] = {
    "lon": Angle("lon"), "lat": Angle("lat"),
    "x": Number("metres"), "y": Number("metres"),
    "band_mhz": _range("band_mhz", "MHz"),
    "height_m": _range("height_m", "metres"),
    "eirp_dbm": _range("eirp_dbm", "dBm"),
    "bandwidth_mhz": _range("bandwidth_mhz", "MHz"),
    "azimuth_deg": _Sectors(_range("azimuth_deg", "degrees")),
}

#: The text options of ``check-site`` echoed into its files (and ``/api/check``'s).
CHECK_SITE_TEXT_OPTIONS: dict[str, Check] = {
    "request_id": OneLine("the request's file number on one line, without control "
                          "characters"),
    "applicant": OneLine("who asks, on one line, without control characters"),
}

#: The numeric options of ``site-map``: those of ``check-site`` (one azimuth at most) and how
#: far to compute.
SITE_MAP_OPTIONS: dict[str, Check] = {
    **CHECK_SITE_OPTIONS,
    "azimuth_deg": _Sectors(_range("azimuth_deg", "degrees"), most=1),
    "radius_m": Number("metres", above=0, maximum=settings.SITE_MAP_MAX_RADIUS_M),
}

#: The numeric options of ``suggest-sites``.
SUGGEST_SITES_OPTIONS: dict[str, Check] = {
    "max_sites": Number(minimum=1, maximum=1000, integer=True),
    "spacing_m": _CANDIDATE_SPACING,
}


def _swapped(args: Any) -> bool:
    """--lon and --lat given the other way round (the latitude beyond 90, both valid swapped)."""
    lon, lat = getattr(args, "lon", None), getattr(args, "lat", None)
    if lon is None or lat is None:
        return False
    try:
        CHECK_SITE_OPTIONS["lon"].convert(lat, "--lat", text=True)
        CHECK_SITE_OPTIONS["lat"].convert(lon, "--lon", text=True)
    except InputError:
        return False
    return True


def check_site_options(args: Any, checks: Mapping[str, Check] = CHECK_SITE_OPTIONS
                       ) -> dict[str, Any]:
    """The numeric options of ``check-site`` (or ``site-map``: ``checks=SITE_MAP_OPTIONS``),
    checked (every problem listed at once), with the text ones echoed into its files
    (:data:`CHECK_SITE_TEXT_OPTIONS`, when ``args`` has them); ``azimuth_deg`` is a list
    (empty: one omni cell)."""
    problems: list[str] = []
    out: dict[str, Any] = {}
    try:
        out = _options(args, checks)
    except InputError as exc:
        problems = exc.problems
        if _swapped(args):
            problems = [f"{p} (are lon and lat swapped?)" if p.startswith("--lat=") else p
                        for p in problems]
    try:
        _options(args, CHECK_SITE_TEXT_OPTIONS)
    except InputError as exc:
        problems = [*problems, *exc.problems]
    if problems:
        raise InputError(problems)
    out["azimuth_deg"] = out["azimuth_deg"] or []
    return out


def site_map_values(**values: Any) -> dict[str, Any]:
    """``map_site``'s numeric arguments (Python values; None: not given) with the checks of
    ``site-map``'s options (:data:`SITE_MAP_OPTIONS`), every problem listed at once, each
    named as the argument; ``azimuth_deg`` one value or None."""
    if values.get("azimuth_deg") is not None:
        values["azimuth_deg"] = [values["azimuth_deg"]]
    out = _options(SimpleNamespace(**values), SITE_MAP_OPTIONS, command_line=False)
    out["azimuth_deg"] = (out["azimuth_deg"] or [None])[0]
    return out


#: The radio values of a proposed site given in Python (``ProposedSite``), each named as the
#: argument: the ranges of the sites layer's columns (``settings.VALUE_RANGES``).
PROPOSAL_VALUES: dict[str, Check] = {
    **{name: CHECK_SITE_OPTIONS[name] for name in ("band_mhz", "height_m", "eirp_dbm",
                                                   "bandwidth_mhz")},
    "tilt_deg": _range("tilt_deg", "degrees"),
    "beamwidth_deg": _range("beamwidth_deg", "degrees"),
    "azimuths_deg": _Each(_range("azimuth_deg", "degrees")),
}


def proposal_values(**values: Any) -> dict[str, Any]:
    """A proposed site's radio values given in Python (None: not given; ``azimuths_deg`` a
    list, or one number) as numbers within their ranges, every problem listed at once, each
    named as the argument (found by a review: ``height_m="35"`` ended in a TypeError)."""
    azimuths = values.get("azimuths_deg")
    if azimuths is not None and (isinstance(azimuths, (str, bytes, numbers.Real))
                                 or not hasattr(azimuths, "__iter__")):
        values["azimuths_deg"] = [azimuths]
    return _options(SimpleNamespace(**values), PROPOSAL_VALUES, command_line=False)


def point_values(**values: Any) -> dict[str, Any]:
    """A point's ``lon``, ``lat`` (degrees) and ``x``, ``y`` (metres) given in Python (None:
    not given) as finite numbers, every problem listed at once, each named as the argument;
    their ranges are left to the caller, who knows which CRS and can say what to try."""
    checks = {"lon": Number("degrees"), "lat": Number("degrees"), "x": Number("metres"),
              "y": Number("metres")}
    return _options(SimpleNamespace(**values), checks, command_line=False)


def suggest_sites_options(args: Any) -> dict[str, Any]:
    """The numeric options of ``suggest-sites``, checked (every problem listed at once)."""
    return _options(args, SUGGEST_SITES_OPTIONS)
