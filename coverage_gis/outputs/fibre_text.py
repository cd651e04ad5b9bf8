"""Words for the fibre engine's codes: what each gap extension aims at (``target``) and why it is
not a plain cable to new boxes (``note``), how a hamlet was judged (``ftth_rule``), the GPON
check's outcome, in English (the files) or Vietnamese (the pages).

:func:`extension_table` turns :func:`coverage_gis.engines.fibre_extensions.gap_extensions`'
codes into the ``target`` and ``note`` columns that ``fibre_extensions.geojson``,
``report.xlsx``, ``results.gpkg`` and ``results.kmz`` hold; :func:`gpon_text` sums up
:func:`coverage_gis.engines.gpon.gpon_budget` in one sentence.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from coverage_gis.config.params import FibreParams
from coverage_gis.outputs.i18n import localised, number_text
from coverage_gis.outputs.records import table_rows

__all__ = ["target_text", "note_text", "extension_table", "rule_text", "hamlet_table",
           "gpon_text", "build_text"]

#: How a hamlet was judged (the engine's ``ftth_rule`` codes), in words.
_RULES = {
    "en": {"cultural_house": "cultural house passed (a drop box within {max_drop_m:g} m "
                             "along the roads)",
           "share_no_cultural_house": "at least {share:.0%} of homes passed (no cultural "
                                      "house marked)",
           "share": "at least {share:.0%} of homes passed",
           "no_households": "no households"},
    "vi": {"cultural_house": "nhà văn hóa được phủ (có hộp cáp trong phạm vi "
                             "{max_drop_m:g} m theo đường)",
           "share_no_cultural_house": "ít nhất {share:.0%} số hộ được phủ (chưa đánh dấu nhà "
                                      "văn hóa)",
           "share": "ít nhất {share:.0%} số hộ được phủ",
           "no_households": "không có hộ gia đình"},
}

_TARGETS = {
    "en": {"cultural_house": "cultural house {houses} and {share:.0%} of {homes} homes within "
                             "{max_drop_m:g} m ({needed}; {have} today)",
           "share": "{share:.0%} of {homes} homes passed ({needed}; {have} today)",
           "no_households": "no households"},
    "vi": {"cultural_house": "nhà văn hóa {houses} và {share:.0%} của {homes} hộ trong phạm vi "
                             "{max_drop_m:g} m ({needed}; hiện có {have})",
           "share": "{share:.0%} của {homes} hộ được phủ ({needed}; hiện có {have})",
           "no_households": "không có hộ gia đình"},
}

_NOTES = {
    "en": {"no_households": "the hamlet has no households",
           "no_network": "no existing fibre network on the roads to extend from",
           "within_reach_new_box": "the new boxes stand on today's network: no new cable",
           "no_roads": "no roads",
           "no_road_path": "the cultural house has no road path to the network and no "
                           "connected road within the fallback reach",
           "off_road_last_stretch": "some homes to connect are off the connected roads: their "
                                    "drop is {fallback}",
           "share_unreachable": "cannot reach the share along the roads: some homes are "
                                "beyond every road the network connects to"},
    "vi": {"no_households": "thôn không có hộ gia đình",
           "no_network": "không có mạng cáp quang trên đường để kéo dài",
           "within_reach_new_box": "hộp mới đặt ngay trên mạng hiện có: không cần kéo cáp",
           "no_roads": "không có đường",
           "no_road_path": "nhà văn hóa không có đường nối tới mạng và không có đường nối "
                           "trong phạm vi dự phòng",
           "off_road_last_stretch": "một số hộ cần đấu nối nằm ngoài các đường nối: dây thuê "
                                    "bao tính theo {fallback}",
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
    target = [target_text(r, params, lang) for r in table_rows(extensions)]
    note = [note_text(c, params, lang) for c in extensions.get("note_code", [])]
    out = out.drop(columns=["target_rule", "target_houses", "homes", "homes_needed",
                            "homes_passed_today", "note_code"], errors="ignore")
    out.insert(1, "target", pd.Series(target, index=out.index, dtype=object))
    position = len(out.columns) - (1 if "geometry" in out.columns else 0)
    out.insert(position, "note", pd.Series(note, index=out.index, dtype=object))
    return out


_GPON = {
    "en": {"summary": "GPON class {cls} ({budget:g} dB): {ok} of {n} drop boxes within the "
                      "optical budget, least margin {margin} dB; {olt}",
           "route_start": "OLT taken at the start of each operator's longest route",
           "unchecked": "; {n} drop box(es) not checked (no OLT of their operator, or their "
                        "split unknown)",
           "olt_box": "OLT at the access points of kind OLT",
           "no_access_points": "GPON check skipped: no access points",
           "no_drop_boxes": "GPON check skipped: no drop boxes",
           "no_olt_position": "GPON check skipped: no OLT position (no access point of kind "
                              "OLT and no fibre route)"},
    "vi": {"summary": "GPON lớp {cls} ({budget:g} dB): {ok}/{n} hộp cáp trong quỹ suy hao "
                      "quang, dự trữ nhỏ nhất {margin} dB; {olt}",
           "route_start": "OLT lấy tại điểm đầu tuyến cáp dài nhất của mỗi nhà mạng",
           "unchecked": "; {n} hộp cáp chưa kiểm tra được (nhà mạng không có OLT, hoặc chưa "
                        "biết tỷ lệ chia)",
           "olt_box": "OLT tại các điểm truy nhập loại OLT",
           "no_access_points": "bỏ qua kiểm tra GPON: không có điểm truy nhập",
           "no_drop_boxes": "bỏ qua kiểm tra GPON: không có hộp cáp thuê bao",
           "no_olt_position": "bỏ qua kiểm tra GPON: không biết vị trí OLT (không có điểm "
                              "truy nhập loại OLT và không có tuyến cáp)"},
}


def gpon_text(table: pd.DataFrame | None, note: str | None, lang: str = "en") -> str | None:
    """The GPON check in one sentence: boxes within the budget and the least margin, or why
    it was skipped (None when there is neither a table nor a note)."""
    words = _GPON[lang]
    if table is None or not len(table):
        return words.get(note or "", None) if note else None
    ok = table["margin_db"].notna()
    checked = table["within_budget"].notna()
    text = words["summary"].format(
        cls=table["budget_class"].iloc[0], budget=float(table["budget_db"].iloc[0]),
        ok=int(table["within_budget"].fillna(False).sum()), n=int(checked.sum()),
        margin=number_text(float(table.loc[ok, "margin_db"].min()) if ok.any()
                           else float("nan"), lang, 1),
        olt=words.get(str(table["olt_basis"].dropna().iloc[0]), "")
        if table["olt_basis"].notna().any() else "")
    if not checked.all():  # boxes without an OLT of their operator, or an unknown split
        text += words["unchecked"].format(n=int((~checked).sum()))
    return text


_BUILD = {
    "en": "{boxes} new box(es) of {ports} ports, {crossings} crossing(s) (railway {rail}, "
          "national road {national}), estimated cost {cost} VND",
    "vi": "{boxes} hộp mới {ports} cổng, {crossings} điểm giao cắt (đường sắt {rail}, quốc lộ "
          "{national}), chi phí ước tính {cost} đồng",
}


def build_text(row: Any, lang: str = "en") -> str | None:
    """An extension's boxes, crossings and cost in words (None when it has no cost)."""
    cost = row.get("cost_vnd")
    if cost is None or pd.isna(cost):
        return None
    sep = "," if lang == "en" else "."
    return _BUILD[lang].format(
        boxes=_int(row.get("boxes")), ports=_int(row.get("box_ports")),
        crossings=_int(row.get("crossings")), rail=_int(row.get("crossings_railway")),
        national=_int(row.get("crossings_national_road")),
        cost=f"{float(cost):,.0f}".replace(",", sep))


# The Vietnamese sentences write their numbers with a decimal comma (i18n.localised).
for _texts in (_RULES, _TARGETS, _NOTES, _GPON, _BUILD):
    _texts["vi"] = localised(_texts["vi"], "vi")
