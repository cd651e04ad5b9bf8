"""Colours shared by every output: one colour per operator on the interactive map, the
printable pages' SVG maps, the KMZ and the QGIS styles, and the palettes for everything else.

Every palette is safe for the commonest colour-vision deficiencies (deuteranopia and
protanopia, about 1 man in 12): what must be told apart (a hamlet that meets its target and
one short of it, covered and not covered) is blue against orange, never red against green,
and ordered classes (signal levels, shares) change in lightness as well as in hue.
``tests/test_static_outputs.py`` checks them under a simulated deuteranopia (Machado et al.
2009), and that no operator's colour can be taken for a status colour. Sources: Okabe & Ito
(2008), "Color Universal Design" (the blue #0072B2, vermillion #D55E00, orange #E69F00, sky
blue #56B4E9, yellow #F0E442); Paul Tol's colour-blind-safe schemes (Tol 2021, "Colour
Schemes", SRON/EPS/TN/09-002); ColorBrewer (Brewer 2003) Blues and PuOr for the ordered classes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OPERATOR_COLOURS", "PALETTE", "LAYER_COLOURS", "MET", "SHORT", "NO_DATA",
           "SHARE_BINS", "SHARE_COLOURS", "LEVEL_COLOURS", "UNCOUNTED_LEVEL_DBM",
           "levels_as_counted", "HAMLET_STATUS_COLOURS", "HAMLET_NO_DATA",
           "hamlet_status_colour", "WEDGE_RADIUS_M", "wedge_m",
           "EXTENSION", "SUGGESTED", "SHARING", "UNIT_OUTLINE", "operator_colour",
           "kml_colour", "rgb"]

#: One colour per operator (canonical names, ``settings.OPERATOR_ALIASES`` and
#: ``settings.FIBRE_OPERATOR_ALIASES``): cells, towers, fibre routes and boxes. VNPT runs
#: VinaPhone's fixed network and shares its colour. None is the blue or the vermillion of
#: :data:`MET` / :data:`SHORT` (covered / not covered) or the grey of :data:`NO_DATA`, nor near
#: them in normal vision or under a simulated deuteranopia or protanopia (CIEDE2000 at least 14;
#: tested), and the six stay apart from each other under both; near the brands where that
#: allows (VinaPhone's light blue, MobiFone's dark blue, Viettel's red as a dark red,
#: Vietnamobile's yellow). Sources: Okabe & Ito (sky blue, yellow) and Paul Tol's "dark" (dark
#: red, dark blue) and "vibrant" (teal) schemes.
OPERATOR_COLOURS: dict[str, str] = {
    "Viettel": "#663333",       # dark red (Tol dark)
    "VinaPhone": "#56B4E9",     # sky blue (Okabe-Ito)
    "VNPT": "#56B4E9",
    "MobiFone": "#222255",      # dark blue (Tol dark)
    "Vietnamobile": "#F0E442",  # yellow (Okabe-Ito)
    "Gmobile": "#000000",       # black
    "FPT Telecom": "#009988",   # teal (Tol vibrant)
}

#: Colours for operators not in :data:`OPERATOR_COLOURS`, in the order they are met: Paul
#: Tol's "light" scheme (colour-blind safe) without the colours too near a status colour
#: (orange #EE8866 to "not covered"; pale grey, mint and pink to :data:`NO_DATA` under a
#: deficiency), completed with Tol's rose and dark cyan.
PALETTE: tuple[str, ...] = ("#77AADD", "#EEDD88", "#99DDFF", "#BBCC33", "#CC6677", "#225555")

#: Colours of layers that have no operator (KMZ folders), in layer order.
LAYER_COLOURS: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7",
                                  "#56B4E9")

#: A target met / covered / passed by fibre, against short / not covered / not passed.
MET = "#0072B2"
SHORT = "#D55E00"
#: No data (a hamlet without households, a share not computed).
NO_DATA = "#BDBDBD"

#: Lower bounds (fractions) of the hamlet share classes below the target, highest first: a
#: hamlet short of its target at 80 % or more, at 50 % or more, and below (a local setting:
#: reading classes for the maps and the web app, not a target). The one definition.
SHARE_BINS: tuple[float, ...] = (0.8, 0.5)

#: Hamlet share classes, from the target (met, blue) down through the :data:`SHARE_BINS`
#: (light orange, orange) to the lowest (dark brown): ColorBrewer PuOr's orange arm.
SHARE_COLOURS: tuple[str, ...] = (MET, "#FDB863", "#E66101", "#7F3B08")

#: Best-server level classes (RGBA), best first: ColorBrewer Blues from dark to light, and
#: below the lowest class (not covered) orange.
LEVEL_COLOURS: tuple[tuple[int, int, int, int], ...] = (
    (8, 81, 156, 220), (49, 130, 189, 210), (158, 202, 225, 200), (230, 159, 0, 170))

#: The level a drawn level raster gives a pixel the analysis does not count as covered
#: (:func:`levels_as_counted`): below every blue class, so it is drawn orange.
UNCOUNTED_LEVEL_DBM: float = -999.0


def levels_as_counted(level_dbm: Any, covered: Any) -> Any:
    """A level raster (dBm, NaN where none) for drawing, where every pixel the analysis does
    not count as covered (``covered`` false: its median level under the threshold plus its
    server's shadow-fading margin at the target location probability) takes
    :data:`UNCOUNTED_LEVEL_DBM`, so that blue on a map means counted as covered, as the
    tables count (found by a review: 56 households on blue pixels were counted without 4G/5G,
    their medians between −110 and −99.7 dBm). ``covered`` None: the levels as they are."""
    import numpy as np

    out = np.array(level_dbm, dtype=np.float32, copy=True)
    if covered is not None:
        out[~np.asarray(covered, dtype=bool) & np.isfinite(out)] = UNCOUNTED_LEVEL_DBM
    return out


#: The report's and the KMZ's hamlets by what they lack: both targets met, short of mobile
#: broadband, short of FTTH, short of both (light enough to write names on).
HAMLET_STATUS_COLOURS: dict[str, str] = {
    "met": "#F7F7F7",
    "short_mobile": "#FEE090",
    "short_ftth": "#B2ABD2",
    "short_both": "#E08214",
}
#: A hamlet none of whose targets could be measured (no household of it in the data): the
#: maps' no-data grey.
HAMLET_NO_DATA = NO_DATA


def hamlet_status_colour(status: str | None) -> str:
    """The fill of a hamlet status (``outputs.indicators.hamlet_status``; None: met)."""
    return HAMLET_NO_DATA if status == "no_data" else HAMLET_STATUS_COLOURS[status or "met"]

#: Fibre extensions, suggested sites and sharing candidates on every map.
#: Length (m) of a cell's wedge on the maps (offline and web), per technology: longer for
#: higher generations so that a mast's technologies are rings of their own (a display
#: choice); :func:`wedge_m` for any technology.
WEDGE_RADIUS_M: dict[str, float] = {"2G": 90.0, "3G": 125.0, "4G": 160.0, "5G": 195.0}


def wedge_m(technology: Any) -> float:
    """The wedge length (m) of a cell of ``technology`` (the 3G one for an unknown one)."""
    return WEDGE_RADIUS_M.get(str(technology), WEDGE_RADIUS_M["3G"])


EXTENSION = "#009E73"
SUGGESTED = "#E69F00"
SHARING = "#6A3D9A"


def operator_colour(operator: Any, seen: dict[str, str] | None = None) -> str:
    """The colour of ``operator``; an unknown operator takes the next colour of
    :data:`PALETTE`, remembered in ``seen`` so that it keeps it within one map."""
    name = str(operator)
    if name in OPERATOR_COLOURS:
        return OPERATOR_COLOURS[name]
    seen = seen if seen is not None else {}
    if name not in seen:
        seen[name] = PALETTE[len(seen) % len(PALETTE)]
    return seen[name]


def rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as three integers 0-255."""
    hexa = colour.lstrip("#")
    if len(hexa) != 6:
        raise ValueError(f"expected a colour as #rrggbb, got {colour!r}")
    return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)


def kml_colour(colour: str, alpha: int = 0xFF) -> str:
    """``#rrggbb`` as KML writes colours: ``aabbggrr`` (hex, alpha first)."""
    r, g, b = rgb(colour)
    return f"{alpha:02x}{b:02x}{g:02x}{r:02x}"

#: Outlines of the 2025 administrative units on the map (Paul Tol's indigo: apart from the
#: blue/orange status colours and the operators' under colour-blindness).
UNIT_OUTLINE = "#332288"
