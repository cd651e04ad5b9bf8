"""Words for the fibre engine's codes: what each gap extension aims at (``target``) and why it is
not a plain cable to a new box (``note``), in English (the files) or Vietnamese (the pages).

:func:`extension_table` turns :func:`coverage_gis.engines.fibre.gap_extensions`' codes into the
``target`` and ``note`` columns that ``fibre_extensions.geojson``, ``report.xlsx``,
``results.gpkg`` and ``results.kmz`` hold.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from coverage_gis.config.params import FibreParams

__all__ = ["target_text", "note_text", "extension_table", "rule_text", "hamlet_table"]

#: How a hamlet was judged (the engine's ``ftth_rule`` codes), in words.
_RULES = {
    "en": {"cultural_house": "cultural house passed (a box with a free port within "
                             "{max_drop_m:g} m)",
           "share_no_cultural_house": "at least {share:.0%} of homes passed (no cultural "
                                      "house marked)",
           "share": "at least {share:.0%} of homes passed",
           "no_households": "no households"},
    "vi": {"cultural_house": "nhà văn hóa được phủ (hộp còn cổng trống trong phạm vi "
                             "{max_drop_m:g} m)",
           "share_no_cultural_house": "ít nhất {share:.0%} số hộ được phủ (chưa đánh dấu nhà "
                                      "văn hóa)",
           "share": "ít nhất {share:.0%} số hộ được phủ",
           "no_households": "không có hộ gia đình"},
}

_TARGETS = {
    "en": {"cultural_house": "cultural house {houses} within {max_drop_m:g} m",
           "share": "{share:.0%} of {homes} homes passed ({needed}; {have} today)",
           "no_households": "no households"},
    "vi": {"cultural_house": "nhà văn hóa {houses} trong phạm vi {max_drop_m:g} m",
           "share": "{share:.0%} của {homes} hộ được phủ ({needed}; hiện có {have})",
           "no_households": "không có hộ gia đình"},
}

_NOTES = {
    "en": {"no_households": "the hamlet has no households",
           "no_network": "no existing fibre network on the roads to extend from",
           "within_reach_new_box": "within reach of today's network: a new box (or ports) there",
           "no_roads": "no roads",
           "no_road_path": "the cultural house has no road path to the network and no "
                           "connected road within the fallback reach",
           "off_road_last_stretch": "the cultural house is off the connected roads: the last "
                                    "stretch is {fallback}",
           "share_unreachable": "cannot reach the share along the roads: some homes are "
                                "beyond every road the network connects to"},
    "vi": {"no_households": "thôn không có hộ gia đình",
           "no_network": "không có mạng cáp quang trên đường để kéo dài",
           "within_reach_new_box": "đã trong tầm mạng hiện có: chỉ cần thêm hộp (hoặc cổng)",
           "no_roads": "không có đường",
           "no_road_path": "nhà văn hóa không có đường nối tới mạng và không có đường nối "
                           "trong phạm vi dự phòng",
           "off_road_last_stretch": "nhà văn hóa nằm ngoài các đường nối: đoạn cuối tính theo "
                                    "{fallback}",
           "share_unreachable": "không đạt tỷ lệ theo đường: một số hộ ở ngoài mọi đường nối "
                                "tới mạng"},
}


def rule_text(code: str, params: FibreParams, lang: str = "en") -> str:
    """How a hamlet is judged for FTTH (F2), in words."""
    return _RULES[lang][code].format(max_drop_m=params.max_drop_m, share=params.hamlet_share)


def hamlet_table(hamlets: pd.DataFrame, params: FibreParams | None,
                 lang: str = "en") -> pd.DataFrame:
    """The per-hamlet table as ``hamlets.csv`` holds it: ``ftth_rule`` in words."""
    if params is None or "ftth_rule" not in hamlets:
        return hamlets
    out = hamlets.copy()
    out["ftth_rule"] = [rule_text(c, params, lang) if isinstance(c, str) else c
                        for c in hamlets["ftth_rule"]]
    return out


def _int(value: Any) -> int:
    return int(value) if pd.notna(value) else 0


def target_text(row: Any, params: FibreParams, lang: str = "en") -> str:
    """What an extension aims at, in words."""
    return _TARGETS[lang][row["target_rule"]].format(
        houses=row.get("target_houses") or "", max_drop_m=params.max_drop_m,
        share=params.hamlet_share, homes=_int(row.get("homes")),
        needed=_int(row.get("homes_needed")), have=_int(row.get("homes_passed_today")))


def note_text(code: Any, params: FibreParams, lang: str = "en") -> str | None:
    """Why an extension is not a plain cable to a new box, in words (None for no note)."""
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return None
    return _NOTES[lang][str(code)].format(fallback=params.fallback_basis)


def extension_table(extensions: pd.DataFrame, params: FibreParams,
                    lang: str = "en") -> pd.DataFrame:
    """``extensions`` with ``target`` (after ``hamlet_id``) and ``note`` (last) in words, in
    place of the engine's codes."""
    out = extensions.copy()
    target = [target_text(r, params, lang) for _, r in extensions.iterrows()]
    note = [note_text(c, params, lang) for c in extensions.get("note_code", [])]
    out = out.drop(columns=["target_rule", "target_houses", "homes", "homes_needed",
                            "homes_passed_today", "note_code"], errors="ignore")
    out.insert(1, "target", pd.Series(target, index=out.index, dtype=object))
    position = len(out.columns) - (1 if "geometry" in out.columns else 0)
    out.insert(position, "note", pd.Series(note, index=out.index, dtype=object))
    return out
