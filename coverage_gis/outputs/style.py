"""Colours shared by every output: one colour per operator on the interactive map, the
printable pages' SVG maps and the KMZ, and the palettes for everything else.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OPERATOR_COLOURS", "PALETTE", "LAYER_COLOURS", "operator_colour", "kml_colour"]

#: One colour per operator (canonical names, ``settings.OPERATOR_ALIASES`` and
#: ``settings.FIBRE_OPERATOR_ALIASES``): cells, towers, fibre routes and boxes. VNPT runs
#: VinaPhone's fixed network and shares its colour.
OPERATOR_COLOURS: dict[str, str] = {
    "Viettel": "#e31a1c",
    "VinaPhone": "#1f78b4",
    "VNPT": "#1f78b4",
    "MobiFone": "#6a3d9a",
    "Vietnamobile": "#ff7f00",
    "Gmobile": "#b15928",
    "FPT Telecom": "#33a02c",
}

#: Colours for operators not in :data:`OPERATOR_COLOURS`, in the order they are met.
PALETTE: tuple[str, ...] = ("#a6cee3", "#b2df8a", "#fb9a99", "#fdbf6f", "#cab2d6", "#ffff99",
                            "#8dd3c7")

#: Colours of layers that have no operator (KMZ folders), in layer order.
LAYER_COLOURS: tuple[str, ...] = ("#2ca02c", "#d62728", "#1f77b4", "#ff7f0e", "#9467bd",
                                  "#8c564b")


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


def kml_colour(colour: str, alpha: int = 0xFF) -> str:
    """``#rrggbb`` as KML writes colours: ``aabbggrr`` (hex, alpha first)."""
    rgb = colour.lstrip("#").lower()
    if len(rgb) != 6:
        raise ValueError(f"expected a colour as #rrggbb, got {colour!r}")
    return f"{alpha:02x}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}"
