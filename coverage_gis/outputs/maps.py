"""Interactive maps of an analysis: folium layers, a legend, self-contained offline HTML.

:func:`coverage_map` assembles a :class:`folium.Map` from an
:class:`~coverage_gis.analysis.Analysis`: one layer per theme (hamlets coloured by their mobile
broadband share, and by their fibre share when the hamlet table has one; hamlet names; cells as
sector wedges; planned sites; coverage rasters per technology; households; fibre routes and
access points; roads, railway and the commune outline), a layer control, and a legend that
shows the sections of the layers switched on. Labels are Vietnamese by default (``lang="vi"``)
or English (``lang="en"``).

Every layer is built by a function of its own that takes geodata (GeoDataFrames, or a raster
and its grid) and returns a :class:`folium.FeatureGroup`, optionally carrying a legend section
in its ``legend_html`` attribute; :func:`coverage_map` calls them, and ``extra_layers`` adds
more (``callable(analysis, lang) -> FeatureGroup | None``).

Maps never recompute results: they draw the analysis' tables and rasters. Raster overlays are
reprojected to Web Mercator (EPSG:3857), the CRS in which Leaflet stretches an image between
its corners, before being embedded as PNG ``data:`` URIs.

Offline: :func:`save_map` (and :func:`map_html`, and notebook display) writes a single HTML file
in which Leaflet's script and stylesheet are inlined from the copies shipped in
``coverage_gis/static`` (see its README), with no ``http(s)://`` script or stylesheet left.
Base tiles are optional decoration: with ``tiles=None`` (the default) the data shows without any
network, and an OpenStreetMap layer is offered, switched off.

Text that comes from input files (hamlet names, operators, site ids, ...) is HTML-escaped
everywhere it is shown (tooltips, legend, layer names, page title).
"""

from __future__ import annotations

import base64
import copy
import html as _html
import json
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.template import Template
from folium.utilities import JsCode
from pyproj import CRS

from coverage_gis.config import settings
from coverage_gis.engines.rounding import reaches
from coverage_gis.io.files import png_bytes
from coverage_gis.io.raster import latlon_bounds, reproject_array
from coverage_gis.outputs import i18n, style
from coverage_gis.outputs.files import atomic_path
from coverage_gis.outputs.indicators import (
    DEFAULT_HAMLET_TARGETS,
    hamlet_targets,
    share_basis,
    shown_extent,
)
from coverage_gis.outputs.records import table_rows
from coverage_gis.outputs.style import OPERATOR_COLOURS
from coverage_gis.outputs.style import operator_colour as _operator_colour
from coverage_gis.radio.antenna import sector_footprint

if TYPE_CHECKING:  # pragma: no cover
    from coverage_gis.engines.coverage import CoverageResult, Grid
    from coverage_gis.engines.indicators import HamletIndicator, UnitIndicators
    from coverage_gis.results.analysis import Analysis

__all__ = [
    "LABELS",
    "LEVEL_CLASSES",
    "LOCAL_ASSETS",
    "OPERATOR_COLOURS",
    "OfflineMap",
    "coverage_map",
    "save_map",
    "map_html",
    "offline_html",
    "labels",
    "hamlet_layer",
    "hamlet_names_layer",
    "cell_layer",
    "signal_radius_layer",
    "planned_sites_layer",
    "raster_layer",
    "raster_overlay",
    "to_web_mercator",
    "reproject_grid",
    "png_bytes",
    "colour_levels",
    "png_data_uri",
    "household_layer",
    "fibre_layer",
    "access_point_layer",
    "roads_layer",
    "boundary_layer",
    "legend",
    "exclusive",
]

# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------

#: Every string the map shows, per language. Layers added later add their keys to both.
LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Hạ tầng số",
        "legend": "Chú giải",
        "hamlets_mbb": "Thôn: tỷ lệ hộ có băng rộng di động (4G/5G)",
        "hamlets_mbb_area": "Thôn: tỷ lệ diện tích có băng rộng di động (4G/5G)",
        "hamlets_ftth": "Thôn: tỷ lệ hộ trong tầm cáp quang (FTTH)",
        "hamlet_names": "Tên thôn",
        "cells": "Cell theo nhà mạng",
        "planned_sites": "Trạm BTS quy hoạch",
        "suggested_sites": "Vị trí trạm đề xuất (lấp vùng lõm)",
        "suggested_marker": "Trạm đề xuất",
        "households_gained": "Hộ được phủ thêm",
        "m4_after": "M4 sau khi xây",
        "sharing_candidates": "Đề xuất dùng chung hạ tầng",
        "sharing_marker": "Cặp trạm có thể dùng chung",
        "distance": "Khoảng cách",
        "fibre_extensions": "Tuyến cáp quang cần kéo thêm",
        "extension_marker": "Tuyến kéo thêm",
        "length": "Chiều dài",
        "signal_radius": "Bán kính phủ sóng (ước tính nhanh)",
        "raster_4G": "Vùng phủ sóng 4G (RSRP)",
        "raster_5G": "Vùng phủ sóng 5G (SS-RSRP)",
        "raster_mobile_broadband": "Vùng phủ sóng băng rộng di động (4G/5G)",
        "households": "Hộ gia đình",
        "fibre": "Tuyến cáp quang",
        "access_points": "Tủ/hộp cáp quang (điểm truy nhập)",
        "roads": "Đường giao thông",
        "railway": "Đường sắt",
        "boundary": "Ranh giới xã",
        "units_2025": "Đơn vị hành chính 2025",
        "unit_plan": "Đơn vị của kế hoạch (trước 2025)",
        "unit_current": "Đơn vị hiện nay (từ 01/07/2025)",
        "unit_neighbour": "Đơn vị lân cận",
        "osm": "Bản đồ nền OpenStreetMap (cần Internet)",
        "hamlet": "Thôn",
        "households_count": "Số hộ",
        "share_mbb": "Băng rộng di động (4G/5G)",
        "share_4g": "Sóng 4G",
        "share_5g": "Sóng 5G",
        "share_ftth": "Cáp quang (FTTH)",
        "mbb_covered": "Đã phủ sóng băng rộng di động",
        "mbb_not_covered": "Chưa phủ sóng băng rộng di động",
        "ftth_covered": "Đã có cáp quang",
        "ftth_not_covered": "Chưa có cáp quang",
        "no_data": "không có dữ liệu",
        "share_of_households": "tỷ lệ hộ", "share_of_area": "tỷ lệ diện tích",
        "target": "chỉ tiêu",
        "hamlet_rule": "thôn được tính đạt: tiêu chí địa phương",
        "plan_target": "chỉ tiêu của kế hoạch",
        "site_id": "Mã cell",
        "operator": "Nhà mạng",
        "technology": "Công nghệ",
        "band": "Băng tần",
        "azimuth": "Góc phương vị",
        "status": "Trạng thái",
        "status_existing": "đang phát sóng",
        "status_planned": "quy hoạch",
        "route": "Tuyến",
        "ap": "Điểm truy nhập",
        "kind": "Loại",
        "ports": "Cổng đã dùng / tổng",
        "level_ge_-90": "≥ −90 dBm: rất tốt",
        "level_ge_-100": "−100 … −90 dBm: tốt",
        "level_ge_-110": "−110 … −100 dBm: trung bình",
        "level_lt_-110": "không được tính là có sóng (< −110 dBm, hoặc dưới ngưỡng cộng "
                         "dự phòng)",
        "level_note": "Mức trung vị (đạt tại 50 % vị trí), chỉ tô xanh nơi được tính là có "
                      "sóng: đạt ngưỡng tại ít nhất {p} vị trí, tức là {rules}.",
        "level_rule": "{tech} từ {edge} dBm (ngưỡng {threshold} dBm + dự phòng che khuất "
                      "{margin} dB)",
        "household_covered": "Hộ có sóng 4G/5G",
        "households_ftth": "Hộ gia đình: cáp quang FTTH",
        "household_passed": "Hộ trong tầm cáp quang",
        "household_not_passed": "Hộ ngoài tầm cáp quang",
        "household_not_covered": "Hộ chưa có sóng 4G/5G",
        "planned_marker": "Vị trí trạm quy hoạch",
        "omni": "vô hướng",
        "m4": "M4 — thôn được phủ sóng băng rộng di động",
        "hamlets_unit": "thôn",
        "level_legend": "Mức tín hiệu (tốt nhất)",
        "ftth_rule_note": "Màu chỉ cho biết tỷ lệ hộ có cáp quang đi qua. Chỉ tiêu F2 tính "
                          "thôn có cáp quang khi cáp đến nhà văn hóa thôn (theo thiết lập của "
                          "kịch bản); chỉ thôn chưa đánh dấu nhà văn hóa mới xét theo tỷ lệ "
                          "≥ {share}.",
        "rank": "Thứ tự",
        "tower": "Trạm",
        "legend_show": "Hiện chú giải",
        "zoom_in": "Phóng to", "zoom_out": "Thu nhỏ", "layers": "Lớp bản đồ",
        "leaflet_title": "Thư viện JavaScript cho bản đồ tương tác",
        "legend_hide": "Ẩn chú giải",
        "kind_share-instead-of-build": "Dùng chung thay vì xây trạm mới",
        "kind_consolidate": "Gộp về một trạm (dùng chung)",
        "kind_share existing tower": "dùng chung trạm hiện có",
        "kind_new site": "xây trạm mới",
        "ap_kind_fat": "hộp cáp thuê bao (FAT)",
        "ap_kind_splitter": "bộ chia quang",
        "ap_kind_olt": "thiết bị OLT",
        "ap_kind_cabinet": "tủ cáp",
        "per_hamlet": "gộp theo thôn",
        "households_outside": "Hộ ngoài các thôn",
        "circle_size": "Vòng tròn càng lớn, thôn càng nhiều hộ",
        "units_m4": "Đơn vị hành chính theo M4",
        "share_of_hamlets": "tỷ lệ thôn có băng rộng di động",
        "m4_short": "M4: thôn có băng rộng di động",
        "m5_short": "M5: vị trí trạm dùng chung",
        "f2_short": "F2: thôn có cáp quang",
    },
    "en": {
        "title": "Digital infrastructure",
        "legend": "Legend",
        "hamlets_mbb": "Hamlets: households with mobile broadband (4G/5G)",
        "hamlets_mbb_area": "Hamlets: area with mobile broadband (4G/5G)",
        "hamlets_ftth": "Hamlets: households with fibre (FTTH)",
        "hamlet_names": "Hamlet names",
        "cells": "Cells by operator",
        "planned_sites": "Planned sites",
        "suggested_sites": "Suggested sites (close the gaps)",
        "suggested_marker": "Suggested site",
        "households_gained": "Households gained",
        "m4_after": "M4 after",
        "sharing_candidates": "Sharing candidates",
        "sharing_marker": "Towers that could share",
        "distance": "Distance",
        "fibre_extensions": "Fibre extensions needed",
        "extension_marker": "Extension route",
        "length": "Length",
        "signal_radius": "Signal radius (quick look)",
        "raster_4G": "4G coverage (RSRP)",
        "raster_5G": "5G coverage (SS-RSRP)",
        "raster_mobile_broadband": "Mobile broadband coverage (4G/5G)",
        "households": "Households",
        "fibre": "Fibre routes",
        "access_points": "Fibre access points (FAT/splitter)",
        "roads": "Roads",
        "railway": "Railway",
        "boundary": "Commune boundary",
        "units_2025": "2025 administrative units",
        "unit_plan": "The plan's unit (before 2025)",
        "unit_current": "The unit now (since 1 July 2025)",
        "unit_neighbour": "Neighbouring unit",
        "osm": "OpenStreetMap base map (needs internet)",
        "hamlet": "Hamlet",
        "households_count": "Households",
        "share_mbb": "Mobile broadband (4G/5G)",
        "share_4g": "4G signal",
        "share_5g": "5G signal",
        "share_ftth": "Fibre (FTTH)",
        "mbb_covered": "Covered by mobile broadband",
        "mbb_not_covered": "Not covered by mobile broadband",
        "ftth_covered": "Reached by fibre",
        "ftth_not_covered": "Not reached by fibre",
        "no_data": "no data",
        "share_of_households": "share of households", "share_of_area": "share of the area",
        "target": "target",
        "hamlet_rule": "hamlet counted: a local setting",
        "plan_target": "the plan's target",
        "site_id": "Site",
        "operator": "Operator",
        "technology": "Technology",
        "band": "Band",
        "azimuth": "Azimuth",
        "status": "Status",
        "status_existing": "on air",
        "status_planned": "planned",
        "route": "Route",
        "ap": "Access point",
        "kind": "Kind",
        "ports": "Ports used / total",
        "level_ge_-90": "≥ −90 dBm: excellent",
        "level_ge_-100": "−100 … −90 dBm: good",
        "level_ge_-110": "−110 … −100 dBm: fair",
        "level_lt_-110": "not counted as covered (< −110 dBm, or under the threshold plus "
                         "the margin)",
        "level_note": "Median levels (reached at 50 % of locations), in blue only where a "
                      "place counts as covered: where the threshold is reached at {p} of "
                      "locations or more, {rules}.",
        "level_rule": "{tech} from {edge} dBm (threshold {threshold} dBm + {margin} dB "
                      "shadow-fading margin)",
        "household_covered": "Household with 4G/5G",
        "households_ftth": "Households: FTTH",
        "household_passed": "Household passed by fibre",
        "household_not_passed": "Household not passed by fibre",
        "household_not_covered": "Household without 4G/5G",
        "planned_marker": "Planned site position",
        "omni": "omni",
        "m4": "M4 — hamlets covered by mobile broadband",
        "hamlets_unit": "hamlets",
        "level_legend": "Signal level (best server)",
        "ftth_rule_note": "The colours show the share of homes passed only. F2 counts a "
                          "hamlet as reached when fibre reaches its cultural house ([fibre] "
                          "hamlet_rule); only hamlets with no cultural house marked are judged "
                          "by the share (≥ {share}).",
        "rank": "Rank",
        "tower": "Tower",
        "legend_show": "Show the legend",
        "zoom_in": "Zoom in", "zoom_out": "Zoom out", "layers": "Layers",
        "leaflet_title": "A JavaScript library for interactive maps",
        "legend_hide": "Hide the legend",
        "kind_share-instead-of-build": "Share instead of building",
        "kind_consolidate": "Consolidate onto one tower",
        "kind_share existing tower": "share an existing tower",
        "kind_new site": "new site",
        "ap_kind_fat": "drop box (FAT)",
        "ap_kind_splitter": "splitter",
        "ap_kind_olt": "OLT",
        "ap_kind_cabinet": "cabinet",
        "per_hamlet": "per hamlet",
        "households_outside": "Households outside the hamlets",
        "circle_size": "The larger the circle, the more households",
        "units_m4": "Administrative units by M4",
        "share_of_hamlets": "share of hamlets with mobile broadband",
        "m4_short": "M4: hamlets with mobile broadband",
        "m5_short": "M5: shared tower positions",
        "f2_short": "F2: hamlets with fibre",
    },
}


def labels(lang: str = "vi") -> dict[str, str]:
    """The label strings of ``lang`` ("vi" or "en")."""
    try:
        return LABELS[lang]
    except KeyError:
        raise ValueError(f"lang={lang!r} is not supported (choose from "
                         f"{', '.join(sorted(LABELS))})") from None


def _text(value: Any) -> str:
    """Untrusted text made safe for HTML, for folium's JavaScript template literals
    (backtick, ``$`` and backslash are escaped too) and for Jinja: braces become ``&#123;``
    and ``&#125;``, because branca compiles every element's rendered script once more as a
    Jinja template, where ``{{ 7*7 }}`` in a hamlet's name would be evaluated (and ``{{``
    alone would stop the map with a syntax error)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    s = _html.escape(str(value), quote=True)
    return (s.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def _code(t: dict[str, str], prefix: str, code: Any) -> Any:
    """An engine's or a file's code in words (``t[prefix_code]``, matched in lower case for
    the codes of input files); the code itself when it has no words."""
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return code
    key = f"{prefix}_{code}"
    return t.get(key, t.get(key.lower(), code))


def _number(value: Any, lang: str, digits: int = 0) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if np.isnan(v) else i18n.number_text(v, lang, digits, grouped=True)


def _pct(share: Any, lang: str, against: float | None = None) -> str:
    return i18n.percent_text(share, lang, against=against)


def _tooltip_table(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """HTML of a tooltip; ``title`` and the rows must already be escaped."""
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<div class="cg-tip"><b>{title}</b><table>{body}</table></div>'


# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------

#: Received-level classes (lower bound dBm, RGBA) of the coverage rasters, best first
#: (colour-blind safe, :data:`coverage_gis.outputs.style.LEVEL_COLOURS`: blues, and orange
#: below -110 dBm).
LEVEL_CLASSES: tuple[tuple[float, tuple[int, int, int, int]], ...] = tuple(
    zip((-90.0, -100.0, -110.0, -np.inf), style.LEVEL_COLOURS))
_LEVEL_KEYS = ("level_ge_-90", "level_ge_-100", "level_ge_-110", "level_lt_-110")

#: Hamlet share classes: (lower bound, fill colour); the top bound is the hamlet target.
_SHARE_COLOURS = style.SHARE_COLOURS
_NO_DATA = style.NO_DATA

_COVERED = style.MET
_NOT_COVERED = style.SHORT


def _rgba_css(rgba: tuple[int, int, int, int]) -> str:
    r, g, b, a = rgba
    return f"rgba({r},{g},{b},{a / 255:.2f})"


# --------------------------------------------------------------------------------------------
# GeoJSON helpers
# --------------------------------------------------------------------------------------------

def _features(gdf: gpd.GeoDataFrame, props: Callable[[pd.Series], dict[str, Any]]
              ) -> dict[str, Any]:
    """A FeatureCollection in WGS 84 with coordinates rounded to 1e-6° (~0.1 m) and the
    vertices that this precision does not tell apart, or that lie on a straight line within
    it, left out (found by a review with dense inputs: hamlets digitised with a vertex every
    metre made a 39 MB map.html); ``props`` maps each row to its properties (plain JSON
    types)."""
    if gdf.crs is not None and not CRS(gdf.crs).equals(CRS("EPSG:4326")):
        gdf = gdf.to_crs(4326)
    feats = []
    for i, row in enumerate(table_rows(gdf)):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        geom = shapely.transform(geom, lambda c: np.round(c, 6))
        if shapely.get_num_coordinates(geom) > 4:
            geom = shapely.simplify(geom, 1e-6, preserve_topology=True)
        feats.append({"type": "Feature", "id": str(i),
                      "geometry": shapely.geometry.mapping(geom), "properties": props(row)})
    return {"type": "FeatureCollection", "features": feats}


def _geojson(data: dict[str, Any], tooltip: bool = True,
             marker: folium.CircleMarker | None = None, class_name: str = "cg-tooltip",
             sticky: bool = True, **tooltip_options: Any) -> folium.GeoJson:
    """A GeoJson layer styled by each feature's ``style`` property, with the pre-escaped HTML of
    its ``tooltip`` property as tooltip (folium inserts it as HTML: it must be escaped)."""
    tip = None
    if tooltip and data["features"]:
        tip = folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=sticky,
                                    class_name=class_name, **tooltip_options)
    return folium.GeoJson(data, tooltip=tip, marker=marker, control=False)


# --------------------------------------------------------------------------------------------
# Light layers: for studies too large to write every feature's style and tooltip out
# --------------------------------------------------------------------------------------------

def _js_json(obj: Any) -> str:
    """Compact JSON for a ``<script>`` (UTF-8 as is, no spaces; ``<`` escaped so that no
    ``</script>`` or ``<!--`` can appear; a ``{`` before ``{``, ``%`` or ``#``, which only a
    string can hold, escaped so that branca's second Jinja pass sees no tag: see
    :func:`_text`)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JINJA_OPEN.sub(r"\\u007b", text.replace("<", "\\u003c"))


#: The opening of a Jinja tag, expression or comment.
_JINJA_OPEN = re.compile(r"\{(?=[{%#])")


def _light_collection(geoms: Any, props: Sequence[dict[str, Any]] | None = None,
                      decimals: int = settings.MAP_LIGHT_DECIMALS) -> str:
    """A GeoJSON FeatureCollection (text) of ``geoms`` (WGS 84) with coordinates rounded to
    ``decimals``, and each one's small ``props`` (plain JSON types); empty geometries are left
    out."""
    geoms = shapely.transform(np.asarray(geoms, dtype=object),
                              lambda c: np.round(c, decimals))
    texts = shapely.to_geojson(geoms)
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    parts = []
    for i, g in enumerate(texts):
        if empty[i]:
            continue
        p = _js_json(props[i]) if props is not None else "{}"
        parts.append(f'{{"type":"Feature","geometry":{g},"properties":{p}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


class _Text(Element):
    """Text put in the page as it is."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _ScriptElement(MacroElement):
    """An element with only a ``script`` macro, rendered once: branca's ``MacroElement``
    compiles the rendered script again as a Jinja template, which for a province's light
    layers and data (megabytes of GeoJSON) took seconds (3.7 s of the map's time)."""

    def render(self, **kwargs: Any) -> Any:
        figure = self.get_root()
        assert isinstance(figure, Figure), "rendered only within a Figure"
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Text(script(self, kwargs)), name=self.get_name())


class _DataVar(_ScriptElement):
    """A GeoJSON FeatureCollection written once in the page, as a global variable that light
    layers (:class:`_LightGeoJson`) share (the two hamlet colourings and the hamlet names)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.json }};
        {% endmacro %}
    """)

    def __init__(self, collection_json: str):
        super().__init__()
        self._name = "cg_data"
        self.json = collection_json
        self.labels: list[str] = []  # tooltip labels, words and share columns (hamlet_data)
        self.words: list[str] = []
        self.slots: list[str] = []


class _LightGeoJson(_ScriptElement):
    """A GeoJSON layer whose features carry only their geometry and a few short properties;
    the styles and the tooltip's labels are written once for the layer:

    - ``c``: the index of the feature's style in ``styles`` (or a list of indices, of which
      the layer uses item ``slot``); points are circle markers, ``r`` their radius (px);
    - ``n``: the tooltip's title, ``v``: its values (one per ``labels``), ``s``: indices of
      lines of ``words`` below (all already HTML-escaped);
    - ``names``: instead of tooltips on hover, ``n`` written permanently on the map (the
      hamlet names), the shapes themselves invisible.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var p = {{ this.spec }};
            var pick = function (f) {
                var c = f.properties.c;
                return p.styles[p.slot === null ? (c || 0) : c[p.slot]];
            };
            var layer = L.geoJson({{ this.data }}, {
                style: pick,
                pointToLayer: function (f, ll) {
                    var o = L.extend({}, pick(f));
                    if (f.properties.r) { o.radius = f.properties.r; }
                    return L.circleMarker(ll, o);
                },
                interactive: p.tooltip || p.names
            });
            if (p.names) {
                // only the names of the features in view, the largest first, at most
                // p.most: Leaflet lays out each permanent label on its own (the names of a
                // province's 4,981 hamlets took 43 s to appear when turned on)
                var group = {{ this._parent.get_name() }}, map = null, shown = [];
                layer.eachLayer(function (l) {
                    var b = l.getBounds ? l.getBounds() : L.latLngBounds([l.getLatLng()]);
                    l._cgBounds = b;
                    l._cgSize = (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
                });
                var names = function () {
                    var want = [];
                    if (map) {
                        var view = map.getBounds();
                        layer.eachLayer(function (l) {
                            if (view.intersects(l._cgBounds)) { want.push(l); }
                        });
                        want.sort(function (a, b) { return b._cgSize - a._cgSize; });
                        want = want.slice(0, p.most);
                    }
                    want.forEach(function (l) { l._cgWant = true; });
                    shown.forEach(function (l) {
                        if (!l._cgWant) { l.unbindTooltip(); }
                    });
                    want.forEach(function (l) {
                        l._cgWant = false;
                        if (!l.getTooltip()) {
                            l.bindTooltip(l.feature.properties.n, {permanent: true,
                                direction: 'center', className: 'cg-label',
                                interactive: false});
                        }
                    });
                    shown = want;
                };
                var start = function () {
                    map = group._map;
                    map.on('moveend', names);
                    names();
                };
                group.on('add', start);
                group.on('remove', function () {
                    if (map) { map.off('moveend', names); }
                    map = null;
                    names();
                });
            } else if (p.tooltip) {
                layer.bindTooltip(function (l) {
                    var q = l.feature.properties;
                    var h = '<div class="cg-tip"><b>' + q.n + '</b><table>';
                    p.labels.forEach(function (k, i) {
                        h += '<tr><th>' + k + '</th><td>' + q.v[i] + '</td></tr>';
                    });
                    h += '</table>';
                    (q.s || []).forEach(function (k) { h += '<div>' + p.words[k] + '</div>'; });
                    return h + '</div>';
                }, {sticky: true, className: 'cg-tooltip'});
            }
            layer.addTo({{ this._parent.get_name() }});
            if (p.names && group._map) { start(); }  // the group was on the map already
        })();
        {% endmacro %}
    """)

    def __init__(self, data: str | _DataVar, styles: Sequence[dict[str, Any]],
                 slot: int | None = None, labels: Sequence[str] = (),
                 words: Sequence[str] = (), tooltip: bool = True, names: bool = False):
        super().__init__()
        self._name = "LightGeoJson"
        self.data = data.get_name() if isinstance(data, _DataVar) else data
        self.spec = _js_json({"styles": list(styles), "slot": slot, "labels": list(labels),
                              "words": list(words), "tooltip": tooltip, "names": names,
                              "most": settings.MAP_NAMES_IN_VIEW_MAX})


def _to_wgs84(geoms: gpd.GeoSeries) -> np.ndarray:
    if geoms.crs is not None and not CRS(geoms.crs).equals(CRS("EPSG:4326")):
        geoms = geoms.to_crs(4326)
    return np.asarray(geoms.values, dtype=object)


def simplify_for_display(geoms: gpd.GeoSeries, tolerance_m: float,
                         coverage: bool = True) -> gpd.GeoSeries:
    """Polygons simplified for drawing: as one coverage (shapely's ``coverage_simplify``,
    Visvalingam-Whyatt: the edges neighbours share stay shared, no gaps or overlaps appear)
    when they form a valid coverage, else (or with ``coverage`` False, for shapes that
    overlap by nature) each on its own (Douglas-Peucker, topology kept). ``tolerance_m`` in
    metres (the simplification runs in a metric CRS)."""
    metric = _metric(gpd.GeoDataFrame(geometry=geoms)).geometry
    values = np.asarray(metric.values, dtype=object)
    polygonal = shapely.get_type_id(values) >= 3  # (multi)polygons
    if (coverage and polygonal.all() and len(values)
            and bool(shapely.coverage_is_valid(values))):
        out = shapely.coverage_simplify(values, tolerance_m)
    else:
        out = shapely.simplify(values, tolerance_m, preserve_topology=True)
    return gpd.GeoSeries(out, index=geoms.index, crs=metric.crs)


class _LayerGroup(folium.FeatureGroup):
    """A :class:`folium.FeatureGroup` with the attributes the layers of this module set:
    ``legend_html``, its legend section (read by :func:`legend`), and for raster layers
    ``overlay_bounds``, the image overlay's ``[[south, west], [north, east]]``."""

    legend_html: str | None
    overlay_bounds: list[list[float]]


def _group(name: str, show: bool = True, legend_html: str | None = None) -> _LayerGroup:
    group = _LayerGroup(name=_text(name), show=show)
    group.legend_html = legend_html  # read by coverage_map to build the legend
    return group


def _swatch(colour: str, label: str, kind: str = "box") -> str:
    """A legend line; ``label`` must be escaped."""
    css = {"box": f"background:{colour}",
           "dot": f"background:{colour};border-radius:50%",
           "ring": f"border:2px dashed {colour};border-radius:50%;background:none",
           "line": f"background:{colour};height:3px;margin-top:5px;border:none",
           "dash": f"border-top:2px dashed {colour};height:0;margin-top:6px;"
                   "background:none"}[kind]
    return f'<div class="cg-row"><span class="cg-swatch" style="{css}"></span>{label}</div>'


def _section(title: str, rows: Iterable[str]) -> str:
    return f'<div class="cg-section"><div class="cg-head">{_text(title)}</div>{"".join(rows)}</div>'


# --------------------------------------------------------------------------------------------
# Hamlets
# --------------------------------------------------------------------------------------------

def _share_bins(target: float) -> list[tuple[float, str]]:
    """(lower bound, colour) classes: the target (blue), the :data:`style.SHARE_BINS` below it
    (light orange, orange), and the rest (dark brown)."""
    bounds = sorted({b for b in (float(target), *style.SHARE_BINS) if 0 < b <= target},
                    reverse=True)
    colours = _SHARE_COLOURS[:len(bounds)] + _SHARE_COLOURS[-1:]
    return list(zip(bounds + [-np.inf], colours))


def _share_colour(share: Any, target: float) -> str:
    try:
        v = float(share)
    except (TypeError, ValueError):
        return _NO_DATA
    if np.isnan(v):
        return _NO_DATA
    for lower, colour in _share_bins(target):
        if reaches(v, lower):
            return colour
    return _SHARE_COLOURS[-1]


def _hamlet_tooltip(row: pd.Series, t: dict[str, str], lang: str,
                    targets: dict[str, float] | None = None) -> str:
    """A hamlet's tooltip: households, shares (written against ``targets[column]``, the
    hamlet target, where given) and whether it is covered."""
    targets = targets or {}
    rows = [(t["households_count"], _number(row.get("households"), lang))]
    for col, key in (("mobile_broadband_share", "share_mbb"), ("share_4g", "share_4g"),
                     ("share_5g", "share_5g"), ("ftth_share", "share_ftth")):
        if col in row.index:
            rows.append((t[key], _pct(row[col], lang, targets.get(col))))
    status = []
    for col, yes, no in (("mobile_broadband_covered", "mbb_covered", "mbb_not_covered"),
                         ("ftth_covered", "ftth_covered", "ftth_not_covered")):
        if col in row.index and not pd.isna(row[col]):
            status.append(t[yes] if bool(row[col]) else t[no])
    html = _tooltip_table(_text(row.get("name")), [(_text(k), v) for k, v in rows])
    if status:
        html += "".join(f"<div>{_text(s)}</div>" for s in status)
    return html


#: The hamlet table's columns shown in tooltips (column, label key), and its yes/no columns
#: (column, label when true, label when false).
_HAMLET_VALUES = (("households", "households_count"), ("mobile_broadband_share", "share_mbb"),
                  ("share_4g", "share_4g"), ("share_5g", "share_5g"),
                  ("ftth_share", "share_ftth"))
_HAMLET_STATUS = (("mobile_broadband_covered", "mbb_covered", "mbb_not_covered"),
                  ("ftth_covered", "ftth_covered", "ftth_not_covered"))
#: The share columns a hamlet colouring can use.
_HAMLET_SHARES = ("mobile_broadband_share", "ftth_share")


def _share_classes(values: Any, target: float) -> np.ndarray:
    """The index in :func:`_share_bins` of each share (as :func:`_share_colour` picks it);
    ``len(bins)`` for no data."""
    bins = _share_bins(target)
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    out = np.full(len(v), len(bins), dtype=int)
    with np.errstate(invalid="ignore"):
        for i in reversed(range(len(bins))):  # the highest class met wins
            out[reaches(v, bins[i][0])] = i
    return out


def _share_rows(target: float, lang: str, kind: str = "box",
                target_label: str | None = "hamlet_rule") -> list[str]:
    """Legend lines of the share classes bounded by ``target``, and of no data;
    ``target_label``: the key of the words naming the top class (the hamlet rule's local
    setting; ``plan_target`` for units, whose share of hamlets has the plan's target: a
    review found units' 100 % called a local setting); None: unnamed (where the rule is
    another, :func:`_ftth_rule_note`)."""
    t = labels(lang)
    bins = _share_bins(target)
    rows = []
    for i, (lower, colour) in enumerate(bins):
        upper = 1.0 if i == 0 else bins[i - 1][0]
        if i == 0:
            text = f"≥ {_pct(lower, lang)}" + (f" ({t[target_label]})" if target_label
                                               else "")
        elif lower == -np.inf:
            text = f"< {_pct(upper, lang)}"
        else:
            text = f"{_pct(lower, lang)} … {_pct(upper, lang)}"
        rows.append(_swatch(colour, _text(text), kind))
    rows.append(_swatch(_NO_DATA, _text(t["no_data"]), kind))
    return rows


def _share_styles(target: float, base: dict[str, Any]) -> list[dict[str, Any]]:
    """One style per share class of ``target`` and one for no data (``base`` + fill)."""
    return [{**base, "fillColor": c} for _, c in _share_bins(target)] + [
        {**base, "fillColor": _NO_DATA}]


def hamlet_data(hamlets: gpd.GeoDataFrame, lang: str = "vi",
                targets: dict[str, float] | None = None) -> _DataVar:
    """The hamlets as one light GeoJSON collection for large studies (see
    :class:`_LightGeoJson`), shared by the hamlet colourings and the names: outlines
    simplified for display (``settings.MAP_HAMLET_SIMPLIFY_M``), tooltip values as short
    texts, and per feature the class of each share column present (by ``targets[column]``,
    the hamlet target; default the settings')."""
    t = labels(lang)
    targets = {**DEFAULT_HAMLET_TARGETS, **(targets or {})}
    geoms = _to_wgs84(simplify_for_display(hamlets.geometry, settings.MAP_HAMLET_SIMPLIFY_M))
    values = [(c, k) for c, k in _HAMLET_VALUES if c in hamlets.columns]
    status = [(c, y, n) for c, y, n in _HAMLET_STATUS if c in hamlets.columns]
    slots = [c for c in _HAMLET_SHARES if c in hamlets.columns]
    classes = np.stack([_share_classes(hamlets[c], targets[c]) for c in slots], axis=1) \
        if slots else np.zeros((len(hamlets), 0), dtype=int)
    texts = [[_number(v, lang) if c == "households" else _pct(v, lang, targets.get(c))
              for v in hamlets[c]] for c, _ in values]
    flags = [hamlets[c].to_numpy(dtype=object) for c, _, _ in status]
    names = [_text(n) for n in (hamlets["name"] if "name" in hamlets.columns
                                else hamlets["hamlet_id"])]
    props = []
    for i in range(len(hamlets)):
        s = [2 * j + (0 if bool(f[i]) else 1) for j, f in enumerate(flags) if not pd.isna(f[i])]
        props.append({"n": names[i], "v": [col[i] for col in texts], "s": s,
                      "c": [int(k) for k in classes[i]]})
    data = _DataVar(_light_collection(geoms, props))
    data.labels = [_text(t[k]) for _, k in values]
    data.words = [_text(t[w]) for _, y, n in status for w in (y, n)]
    data.slots = slots
    return data


def _light(hamlets: gpd.GeoDataFrame, data: _DataVar | None) -> bool:
    return data is not None or len(hamlets) > settings.MAP_HAMLETS_DETAILED_MAX


def hamlet_layer(hamlets: gpd.GeoDataFrame, share_column: str = "mobile_broadband_share",
                 lang: str = "vi", name: str | None = None,
                 target: float = settings.MOBILE_BROADBAND_HAMLET_SHARE,
                 show: bool = True, data: _DataVar | None = None,
                 note: str = "", targets: dict[str, float] | None = None
                 ) -> folium.FeatureGroup:
    """Hamlet polygons coloured by ``share_column`` (a 0-1 share of households), in classes
    bounded by ``target`` (the hamlet counts as covered at or above it), 0.8 and 0.5.
    ``note`` (:func:`_ftth_rule_note`): the hamlets are judged by another rule, said under
    the legend, whose top class is then not called the target. ``targets``: the other share
    columns' hamlet targets, which their tooltip values are written against.

    ``hamlets`` is the hamlet table of an analysis with its polygons (any CRS); tooltips show
    the name, households, the shares (%) and whether the hamlet is covered. Above
    ``settings.MAP_HAMLETS_DETAILED_MAX`` hamlets (or given the shared ``data`` of
    :func:`hamlet_data`) the layer is light: simplified outlines, tooltips built on hover."""
    t = labels(lang)
    # a study without households shares the hamlets' area (found by fuzzing: "of households")
    area = share_column == "mobile_broadband_share" and share_basis(hamlets) == "area"
    title_key = ("hamlets_ftth" if share_column.startswith("ftth")
                 else "hamlets_mbb_area" if area else "hamlets_mbb")
    name = name or t[title_key]
    of_what = t["share_of_area" if area else "share_of_households"]
    rows = _share_rows(target, lang, target_label=None if note else "hamlet_rule")
    if note:
        rows.append(f'<div class="cg-note">{_text(note)}</div>')
    group = _group(name, show, _section(f"{name} ({of_what})", rows))
    if _light(hamlets, data):
        if data is None:
            data = hamlet_data(hamlets, lang, {share_column: target})
            data.add_to(group)
        styles = _share_styles(target, {"color": "#333333", "weight": 1, "fillOpacity": 0.55})
        _LightGeoJson(data, styles, data.slots.index(share_column), data.labels,
                      data.words).add_to(group)
        return group

    def props(row: pd.Series) -> dict[str, Any]:
        fill = _share_colour(row.get(share_column), target)
        return {"tooltip": _hamlet_tooltip(row, t, lang, {**(targets or {}),
                                                          share_column: target}),
                "style": {"color": "#333333", "weight": 1.5, "fillColor": fill,
                          "fillOpacity": 0.55}}

    _geojson(_features(hamlets, props)).add_to(group)
    return group


def hamlet_names_layer(hamlets: gpd.GeoDataFrame, lang: str = "vi",
                       show: bool = True, data: _DataVar | None = None
                       ) -> folium.FeatureGroup:
    """Each hamlet's name written on the map (permanent labels at a point inside it; for a
    light map, see :func:`hamlet_layer`, at the centre of its shared outline)."""
    t = labels(lang)
    group = _group(t["hamlet_names"], show)
    if _light(hamlets, data):
        if data is None:
            data = hamlet_data(hamlets, lang)
            data.add_to(group)
        _LightGeoJson(data, [{"opacity": 0, "fillOpacity": 0}], None, tooltip=False,
                      names=True).add_to(group)
        return group
    # the larger hamlets first: their names are kept where names would overlap (_Declutter)
    pts = hamlets.iloc[np.argsort(-shapely.area(hamlets.geometry.values), kind="stable")].copy()
    pts["geometry"] = pts.geometry.representative_point()
    data_ = _features(pts, lambda r: {"label": _text(r.get("name")),
                                      "style": {"radius": 0, "opacity": 0, "fillOpacity": 0}})
    # One permanent tooltip per feature (a tooltip bound to the whole layer opens only once);
    # the label is already escaped.
    bind = JsCode("""function (feature, layer) {
        layer.bindTooltip(feature.properties.label, {permanent: true, direction: 'center',
                          className: 'cg-label', interactive: false});
    }""")
    folium.GeoJson(data_, marker=folium.CircleMarker(radius=0), on_each_feature=bind,
                   control=False).add_to(group)
    return group


# --------------------------------------------------------------------------------------------
# Cells and sites
# --------------------------------------------------------------------------------------------

#: Wedge radius (m) per technology (:data:`coverage_gis.outputs.style.WEDGE_RADIUS_M`).
WEDGE_RADIUS_M = style.WEDGE_RADIUS_M


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if gdf.crs is not None and CRS(gdf.crs).is_projected:
        return gdf
    return gdf.to_crs(gdf.estimate_utm_crs())


def _status(value: Any, t: dict[str, str]) -> str:
    key = f"status_{value}"
    return t.get(key, str(value))


def _cell_rows(row: pd.Series, t: dict[str, str], lang: str) -> list[tuple[str, str]]:
    """A cell's tooltip lines (label, value), escaped."""
    band = row.get("band_mhz")
    band_text = "–" if pd.isna(band) else f"{_number(band, lang)} MHz"
    az = row.get("azimuth_deg")
    rows = [(t["operator"], _text(row.get("operator"))),
            (t["technology"], _text(row.get("technology"))),
            (t["band"], _text(band_text)),
            (t["status"], _text(_status(row.get("status"), t)))]
    if az is not None and not pd.isna(az):
        rows.append((t["azimuth"], f"{_number(az, lang)}°"))
    else:
        rows.append((t["azimuth"], _text(t["omni"])))
    return [(_text(k), v) for k, v in rows]


def _cell_tooltip(row: pd.Series, t: dict[str, str], lang: str) -> str:
    return _tooltip_table(_text(row.get("site_id")), _cell_rows(row, t, lang))


def _light_cells(shapes: gpd.GeoDataFrame, style_of: Callable[[pd.Series], dict[str, Any]],
                 t: dict[str, str], lang: str) -> _LightGeoJson:
    """Cells (wedges or signal radius shapes) as a light layer: each one's tooltip values and
    the index of its style (``style_of(row)``, the distinct ones written once)."""
    styles: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    props = []
    for row in table_rows(shapes):
        st = style_of(row)
        key = json.dumps(st, sort_keys=True)
        if key not in index:
            index[key] = len(styles)
            styles.append(st)
        props.append({"n": _text(row.get("site_id")),
                      "v": [v for _, v in _cell_rows(row, t, lang)], "c": index[key]})
    labels_ = [_text(t[k]) for k in ("operator", "technology", "band", "status", "azimuth")]
    return _LightGeoJson(_light_collection(_to_wgs84(shapes.geometry), props), styles, None,
                         labels_)


def cell_layer(sites: gpd.GeoDataFrame, lang: str = "vi", show: bool = True,
               radius_m: dict[str, float] | None = None) -> folium.FeatureGroup:
    """Every cell (sector) as a short wedge from its mast along its azimuth, as wide as its
    beamwidth (a disc for omni cells), coloured by operator; planned cells dashed. Each
    technology gets its own radius so that the sectors of one mast stay visible. Above
    ``settings.MAP_CELLS_DETAILED_MAX`` cells, a light layer of coarser wedges."""
    t = labels(lang)
    radius_m = radius_m or WEDGE_RADIUS_M
    light = len(sites) > settings.MAP_CELLS_DETAILED_MAX
    arc, circle = (5, 8) if light else (17, 24)
    cells = _metric(sites)
    seen: dict[str, str] = {}
    shapes, order = [], []
    for c in table_rows(cells):
        r = float(radius_m.get(str(c.get("technology")), style.wedge_m(None)))
        az = float(c["azimuth_deg"]) if "azimuth_deg" in c and not pd.isna(c["azimuth_deg"]) \
            else np.nan
        bw = float(c["beamwidth_deg"]) if "beamwidth_deg" in c and not pd.isna(
            c["beamwidth_deg"]) else 360.0
        shapes.append(sector_footprint(c.geometry.x, c.geometry.y, r, az, bw,
                                       arc_points=arc, circle_segments=circle))
        order.append(-r)
    wedges = gpd.GeoDataFrame(cells.drop(columns="geometry"), geometry=shapes, crs=cells.crs)
    wedges = wedges.iloc[np.argsort(order, kind="stable")]  # larger first, smaller on top

    def cell_style(row: pd.Series) -> dict[str, Any]:
        colour = _operator_colour(row.get("operator"), seen)
        planned = row.get("status") == "planned"
        # a dark outline: light operator colours (yellow) stay visible on a light map
        style = {"color": "#333333", "weight": 1, "fillColor": colour,
                 "fillOpacity": 0.15 if planned else 0.7}
        if planned:
            style["dashArray"] = "4 3"
        return style

    ops = sorted({str(o) for o in sites["operator"].dropna()}) if "operator" in sites else []
    rows = [_swatch(_operator_colour(o, seen), _text(o)) for o in ops]
    group = _group(t["cells"], show, _section(t["cells"], rows))
    if light:
        _light_cells(wedges, cell_style, t, lang).add_to(group)
        return group
    data = _features(wedges, lambda row: {"tooltip": _cell_tooltip(row, t, lang),
                                          "style": cell_style(row)})
    _geojson(data).add_to(group)
    return group


def planned_sites_layer(sites: gpd.GeoDataFrame, lang: str = "vi",
                        show: bool = True) -> folium.FeatureGroup | None:
    """Planned cells (``status == "planned"``) highlighted: a dashed ring per mast position,
    its tooltip listing the planned cells there. None when nothing is planned."""
    if "status" not in sites or not (sites["status"] == "planned").any():
        return None
    t = labels(lang)
    planned = sites[sites["status"] == "planned"].to_crs(4326)
    seen: dict[str, str] = {}
    group = _group(t["planned_sites"], show, _section(
        t["planned_sites"], [_swatch("#000000", _text(t["planned_marker"]), "ring")]))
    planned = planned.assign(_lon=planned.geometry.x.round(6), _lat=planned.geometry.y.round(6))
    for (lon, lat), cells in planned.groupby(["_lon", "_lat"], sort=False):
        ops = sorted({str(o) for o in cells["operator"]})
        rows = [(_text(t["operator"]), _text(", ".join(ops))),
                (_text(t["site_id"]), "<br>".join(_text(s) for s in cells["site_id"])),
                (_text(t["technology"]), _text(", ".join(sorted(
                    {str(x) for x in cells["technology"]}))))]
        tip = _tooltip_table(_text(t["planned_marker"]), rows)
        folium.CircleMarker(
            location=[float(lat), float(lon)], radius=11, color=_operator_colour(ops[0], seen),
            weight=3, dash_array="5 4", fill=True, fill_opacity=0.05,
            tooltip=folium.Tooltip(tip, sticky=True)).add_to(group)
    return group


def suggested_sites_layer(suggestions: gpd.GeoDataFrame | None, lang: str = "vi",
                          show: bool = True) -> folium.FeatureGroup | None:
    """Sites that would close the mobile broadband gaps (from ``suggest_sites``)."""
    if suggestions is None or not len(suggestions):
        return None
    t = labels(lang)
    group = _group(t["suggested_sites"], show, _section(
        t["suggested_sites"], [_swatch(style.SUGGESTED, _text(t["suggested_marker"]), "dot")]))
    for r in table_rows(suggestions.to_crs(4326)):
        rows = [(_text(t["rank"]), _text(r["rank"])),
                (_text(t["kind"]), _text(_code(t, "kind", r.get("kind")))),
                (_text(t["households_gained"]), _text(r["households_gained"])),
                (_text(t["m4_after"]), _pct(r["m4_after"], lang))]
        if r.get("tower_id"):
            rows.append((_text(t["tower"]), _text(r["tower_id"])))
        folium.CircleMarker(location=[r.geometry.y, r.geometry.x], radius=10, color="#000000",
                            weight=2, fill=True, fill_color=style.SUGGESTED, fill_opacity=0.9,
                            tooltip=folium.Tooltip(_tooltip_table(
                                _text(f"{t['suggested_marker']} {r['rank']}"), rows),
                                sticky=True)).add_to(group)
    return group


def sharing_candidates_layer(candidates: gpd.GeoDataFrame | None, lang: str = "vi",
                             show: bool = True) -> folium.FeatureGroup | None:
    """Pairs of towers that could share (a dashed line between them)."""
    if candidates is None or not len(candidates):
        return None
    t = labels(lang)
    group = _group(t["sharing_candidates"], show, _section(
        t["sharing_candidates"], [_swatch(style.SHARING, _text(t["sharing_marker"]), "line")]))
    for r in table_rows(candidates.to_crs(4326)):
        rows = [(_text(r["tower_a"]), _text(r["operators_a"])),
                (_text(r["tower_b"]), _text(r["operators_b"])),
                (_text(t["distance"]), f"{float(r['distance_m']):.0f} m")]
        folium.PolyLine([(y, x) for x, y in r.geometry.coords], color=style.SHARING, weight=4,
                        dash_array="8 6", tooltip=folium.Tooltip(_tooltip_table(
                            _text(_code(t, "kind", r["kind"])), rows),
                            sticky=True)).add_to(group)
    return group


def fibre_extensions_layer(extensions: gpd.GeoDataFrame | None, lang: str = "vi",
                           show: bool = True) -> folium.FeatureGroup | None:
    """New fibre cable that would bring short hamlets to the FTTH rule; above
    ``settings.MAP_LINES_DETAILED_MAX`` lines (parts), a light layer simplified for
    display."""
    if extensions is None or not len(extensions):
        return None
    t = labels(lang)
    group = _group(t["fibre_extensions"], show, _section(
        t["fibre_extensions"], [_swatch(style.EXTENSION, _text(t["extension_marker"]), "line")]))
    parts = int(shapely.get_num_geometries(np.asarray(extensions.geometry.values)).sum())
    if parts > settings.MAP_LINES_DETAILED_MAX:
        # a province's extensions: one light layer, lines simplified for display, the
        # tooltip's labels written once
        kept = extensions[~(extensions.geometry.isna() | extensions.geometry.is_empty)]
        simple = simplify_for_display(kept.geometry, settings.MAP_LINES_SIMPLIFY_M,
                                      coverage=False)
        props = [{"n": _text(f"{t['extension_marker']}: {h}"),
                  "v": [f"{float(length):.0f} m", _text(gained)]}
                 for h, length, gained in zip(kept["hamlet_id"], kept["length_m"],
                                              kept["households_added"])]
        _LightGeoJson(_light_collection(_to_wgs84(simple), props),
                      [{"color": style.EXTENSION, "weight": 5}], None,
                      [_text(t["length"]), _text(t["households_gained"])]).add_to(group)
        return group
    for r in table_rows(extensions.to_crs(4326)):
        g = r.geometry
        if g is None or g.is_empty:
            continue
        rows = [(_text(t["length"]), f"{float(r['length_m']):.0f} m"),
                (_text(t["households_gained"]), _text(r["households_added"]))]
        for part in getattr(g, "geoms", [g]):
            folium.PolyLine([(y, x) for x, y in part.coords], color=style.EXTENSION, weight=5,
                            tooltip=folium.Tooltip(_tooltip_table(
                                _text(f"{t['extension_marker']}: {r['hamlet_id']}"), rows),
                                sticky=True)).add_to(group)
    return group


def signal_radius_layer(shapes: gpd.GeoDataFrame, lang: str = "vi",
                        show: bool = False) -> folium.FeatureGroup | None:
    """The quick-look signal radius (a circle or wedge of link-budget range per cell), outlined
    in the operator's colour. Above ``settings.MAP_CELLS_DETAILED_MAX`` cells, a light layer
    of shapes simplified for display (``settings.MAP_SIGNAL_RADIUS_SIMPLIFY_M``)."""
    if shapes is None or shapes.empty:
        return None
    t = labels(lang)
    seen: dict[str, str] = {}
    shapes = shapes[~(shapes.geometry.isna() | shapes.geometry.is_empty)]

    def radius_style(row: pd.Series) -> dict[str, Any]:
        colour = _operator_colour(row.get("operator"), seen)
        return {"color": colour, "weight": 1, "fillColor": colour, "fillOpacity": 0.05}

    group = _group(t["signal_radius"], show)
    if len(shapes) > settings.MAP_CELLS_DETAILED_MAX:
        simple = shapes.set_geometry(simplify_for_display(
            shapes.geometry, settings.MAP_SIGNAL_RADIUS_SIMPLIFY_M, coverage=False))
        _light_cells(simple, radius_style, t, lang).add_to(group)
        return group
    _geojson(_features(shapes, lambda row: {"tooltip": _cell_tooltip(row, t, lang),
                                            "style": radius_style(row)})).add_to(group)
    return group


# --------------------------------------------------------------------------------------------
# Rasters
# --------------------------------------------------------------------------------------------

def to_web_mercator(array: np.ndarray, grid: Grid, resampling: str = "nearest",
                    max_px: int | None = None) -> tuple[np.ndarray, list[list[float]]]:
    """``array`` (on ``grid``) reprojected to EPSG:3857, and its bounds as
    ``[[south, west], [north, east]]`` in degrees (what Leaflet's image overlay takes).

    Float arrays keep NaN as nodata; boolean arrays come back as float 0/1 with NaN outside.
    ``max_px``: at most this many pixels on the long side (see :func:`reproject_grid`)."""
    return reproject_grid(array, grid, 3857, resampling, max_px)


def reproject_grid(array: np.ndarray, grid: Grid, epsg: int, resampling: str = "nearest",
                   max_px: int | None = None, nodata: float = np.nan,
                   oversample: int = 1) -> tuple[np.ndarray, list[list[float]]]:
    """``array`` (on ``grid``) reprojected to ``epsg`` (3857 for Leaflet; 4326, plate carrée,
    for a KML GroundOverlay), and its bounds as ``[[south, west], [north, east]]`` in
    degrees. Float arrays keep NaN as nodata; boolean arrays come back as float 0/1.

    At about the source resolution; with ``max_px``, never more than ``max_px`` pixels on
    the long side (coarser pixels over the same bounds). An integer ``array`` keeps its dtype
    with ``nodata`` (an integer) where nothing falls."""
    dst, transform = reproject_array(array, grid.transform, grid.crs, epsg, resampling,
                                     max_px=max_px, nodata=nodata, oversample=oversample)
    height, width = dst.shape
    return dst, latlon_bounds(transform, height, width, epsg)


def level_classes(level_dbm: np.ndarray,
                  classes: Sequence[tuple[float, tuple[int, int, int, int]]] = LEVEL_CLASSES
                  ) -> np.ndarray:
    """The class of each pixel of a level raster (uint8): 1 for the first of ``classes``
    (lower bound dBm, colour) it reaches, 2 for the second, ...; 0 where NaN."""
    level = np.asarray(level_dbm, dtype=np.float32)
    out = np.zeros(level.shape, dtype=np.uint8)
    with np.errstate(invalid="ignore"):
        for k in range(len(classes), 0, -1):  # the first class reached wins
            out[level >= classes[k - 1][0]] = k
    return out


def _read_overview(path: str | Path, max_px: int) -> tuple[np.ndarray, Grid]:
    """Band 1 of a GeoTIFF as float32 (NaN for nodata) and its grid, from the smallest of its
    overviews that still has at least ``max_px`` pixels on the long side (the full raster
    when it has none, or none that small)."""
    import rasterio

    from coverage_gis.engines.coverage import Grid

    with rasterio.open(path) as ds:
        long_side = max(ds.width, ds.height)
        factors = [f for f in ds.overviews(1) if long_side / f >= max_px]
        level = len(factors) - 1  # overviews are listed finest first
    kw = {"overview_level": level} if level >= 0 else {}
    with rasterio.open(path, **kw) as ds:
        arr = ds.read(1, masked=True).astype(np.float32).filled(np.nan)
        return arr, Grid(ds.transform, ds.width, ds.height, CRS(ds.crs.to_wkt()))


def colour_levels(level_dbm: np.ndarray,
                  classes: Sequence[tuple[float, tuple[int, int, int, int]]] = LEVEL_CLASSES
                  ) -> np.ndarray:
    """RGBA (uint8, h×w×4) of a level raster in ``classes`` (lower bound dBm, colour); NaN is
    transparent."""
    level = np.asarray(level_dbm, dtype=np.float32)
    out = np.zeros(level.shape + (4,), dtype=np.uint8)
    done = np.isnan(level)
    for lower, rgba in classes:
        sel = ~done & (level >= lower)
        out[sel] = rgba
        done |= sel
    return out


def png_data_uri(rgba: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URI of an RGBA array."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgba)).decode("ascii")


def raster_overlay(level_dbm: np.ndarray | str | Path, grid: Grid | None,
                   max_px: int | None = settings.MAP_RASTER_MAX_PX
                   ) -> tuple[str, list[list[float]]]:
    """A level raster as a PNG data URI in Web Mercator, and its lat/lon bounds.

    The levels are put in their colour classes first (:func:`level_classes`), then
    reprojected: pixel for pixel (nearest) while the image fits in ``max_px`` on its long
    side; above, resampled to ``max_px`` by the **mode** of the classes under each image
    pixel. The classes are categories: the mode keeps each class's share of the area (a
    maximum would paint every block that touches one covered pixel as covered and hide the
    gaps the map is read for; an average of dBm would invent levels between a hill's lit
    and shadowed sides). ``level_dbm`` may be a GeoTIFF path (``grid`` None): its overview
    nearest above the budget is read instead of the full raster."""
    if isinstance(level_dbm, (str, Path)):
        level_dbm, grid = _read_overview(level_dbm, max_px or settings.MAP_RASTER_MAX_PX)
    if grid is None:
        raise ValueError("raster_overlay needs the grid of an array")
    codes = level_classes(level_dbm)
    native, _ = _mercator_size(grid)
    resampling = "mode" if max_px is not None and native > max_px else "nearest"
    merc, bounds = reproject_grid(codes, grid, 3857, resampling, max_px, nodata=0,
                                  oversample=settings.MAP_RASTER_OVERSAMPLE)
    palette = np.zeros((len(LEVEL_CLASSES) + 1, 4), dtype=np.uint8)
    palette[1:] = [rgba for _, rgba in LEVEL_CLASSES]
    return png_data_uri(palette[merc]), bounds


def _mercator_size(grid: Grid) -> tuple[int, int]:
    """The long and short side (px) of ``grid`` reprojected to Web Mercator at about its own
    resolution."""
    import rasterio.crs
    from rasterio.transform import array_bounds
    from rasterio.warp import calculate_default_transform

    w, s, e, n = array_bounds(grid.height, grid.width, grid.transform)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        _, width, height = calculate_default_transform(
            rasterio.crs.CRS.from_wkt(CRS(grid.crs).to_wkt()), rasterio.crs.CRS.from_epsg(3857),
            grid.width, grid.height, left=w, bottom=s, right=e, top=n)
    return max(width, height), min(width, height)


def _level_legend(t: dict[str, str], note: str = "", layer: str = "") -> str:
    """The legend of a level raster, headed by its layer's name (found by a review: three
    layers on at once showed the same heading three times)."""
    rows = [_swatch(_rgba_css(rgba), _text(t[key]))
            for (_, rgba), key in zip(LEVEL_CLASSES, _LEVEL_KEYS)]
    if note:
        rows.append(f'<div class="cg-note">{_text(note)}</div>')
    return _section(f"{layer}: {t['level_legend']}" if layer else t["level_legend"], rows)


def _range_text(low: float, high: float, lang: str) -> str:
    """"9,2" or "9,2–10,3" (one decimal, in ``lang``)."""
    lo, hi = (i18n.number_text(v, lang, 1) for v in (low, high))
    return lo if lo == hi else f"{lo}–{hi}"


def level_note(res: CoverageResult, technologies: Sequence[str], lang: str = "vi") -> str:
    """What the level classes do not say: they are medians, and a place counts as covered
    where its level is at least the threshold plus the shadow-fading margin of its best
    server (``shadow_margin_db`` of the cells, at ``params.location_probability``), per
    technology of ``technologies`` (found by a cross-output review: the legend marked only
    "< −110 dBm" as not covered, where 56 households at −110…−100 dBm were not covered)."""
    t = labels(lang)
    cells = res.cells
    rules = []
    for tech in technologies:
        threshold = res.params.thresholds_dbm.get(tech)
        mine = cells[cells["technology"] == tech] if "technology" in cells else cells.iloc[0:0]
        if threshold is None or "shadow_margin_db" not in mine or not len(mine):
            continue
        margin = mine["shadow_margin_db"].to_numpy(dtype=float)
        lo, hi = float(np.nanmin(margin)), float(np.nanmax(margin))
        rules.append(t["level_rule"].format(
            tech=tech, edge=_range_text(threshold + lo, threshold + hi, lang).replace("-", "−"),
            threshold=i18n.number_text(threshold, lang).replace("-", "−"),
            margin=_range_text(lo, hi, lang)))
    if not rules:
        return ""
    return t["level_note"].format(p=_pct(res.params.location_probability, lang),
                                  rules="; ".join(rules))


def raster_layer(level_dbm: np.ndarray | str | Path, grid: Grid | None, name: str,
                 lang: str = "vi", show: bool = False, opacity: float = 0.7,
                 pane: str | None = "cg_rasters",
                 max_px: int | None = settings.MAP_RASTER_MAX_PX,
                 note: str = "") -> folium.FeatureGroup:
    """A best-server level raster (dBm) coloured in :data:`LEVEL_CLASSES` (≥ −90, −100,
    −110, below), reprojected to Web Mercator and embedded as a PNG image overlay of at most
    ``max_px`` pixels on its long side (:func:`raster_overlay`); ``note`` under its legend
    (:func:`level_note`)."""
    t = labels(lang)
    url, bounds = raster_overlay(level_dbm, grid, max_px)
    group = _group(name, show, _level_legend(t, note, name))
    opts: dict[str, Any] = {"opacity": opacity, "interactive": False}
    if pane:
        opts["pane"] = pane
    folium.raster_layers.ImageOverlay(url, bounds=bounds, control=False, pixelated=True,
                                      **opts).add_to(group)
    group.overlay_bounds = bounds  # for tests and callers
    return group


# --------------------------------------------------------------------------------------------
# Households, fibre, context
# --------------------------------------------------------------------------------------------

#: Radius (px) of a hamlet's household circle: the smallest, and the largest (the hamlet
#: with most households); in between the area grows with the households.
HOUSEHOLD_RADIUS_PX = (3.0, 14.0)


def household_groups(households: gpd.GeoDataFrame, flag: np.ndarray | None = None,
                     names: dict[str, str] | None = None,
                     cell_m: float = settings.MAP_HOUSEHOLD_CELL_M) -> gpd.GeoDataFrame:
    """Households counted per hamlet (``hamlet_id``), and those in no hamlet per square of
    ``cell_m`` metres, for drawing: one row per group with ``hamlet_id`` (None for a square),
    ``name`` (``names[hamlet_id]``, else the id; None for a square), ``households``, ``yes``
    (the households where ``flag`` is true; NaN without ``flag``) and the group's mean
    position as geometry (in the households' CRS)."""
    hh = households if households.crs is None or CRS(households.crs).is_projected \
        else _metric(households)
    xy = shapely.get_coordinates(hh.geometry.values)
    if len(xy) != len(hh):
        raise ValueError("household_groups needs one point per household")
    ids = hh["hamlet_id"] if "hamlet_id" in hh.columns else pd.Series(None, index=hh.index)
    codes, hamlet_ids = pd.factorize(ids.to_numpy(dtype=object), use_na_sentinel=True)
    none = codes < 0
    cells = np.floor(xy[none] / cell_m).astype(np.int64)
    cell_keys, cell_codes = np.unique(cells.reshape(-1, 2), axis=0, return_inverse=True)
    codes = codes.copy()
    codes[none] = len(hamlet_ids) + cell_codes.ravel()
    n_groups = len(hamlet_ids) + len(cell_keys)
    count = np.bincount(codes, minlength=n_groups)
    x = np.bincount(codes, xy[:, 0], n_groups) / np.maximum(count, 1)
    y = np.bincount(codes, xy[:, 1], n_groups) / np.maximum(count, 1)
    yes = (np.bincount(codes, np.asarray(flag, dtype=float), n_groups) if flag is not None
           else np.full(n_groups, np.nan))
    hid = list(hamlet_ids) + [None] * len(cell_keys)
    names = names or {}
    out = gpd.GeoDataFrame(
        {"hamlet_id": hid, "name": [names.get(str(h), str(h)) if h is not None else None
                                    for h in hid],
         "households": count, "yes": yes},
        geometry=gpd.points_from_xy(x, y), crs=hh.crs)
    return out[out["households"] > 0].reset_index(drop=True)


def _household_flag(hh: gpd.GeoDataFrame, covered: np.ndarray | None, grid: Grid | None,
                    column: str | None) -> np.ndarray | None:
    if column is not None:
        return hh[column].fillna(False).astype(bool).to_numpy()
    if covered is not None and grid is not None:
        pts = hh.to_crs(grid.crs) if hh.crs is not None else hh
        return grid.sample(covered, pts.geometry).astype(bool)
    return None


def _household_groups_layer(group: folium.FeatureGroup, households: gpd.GeoDataFrame,
                            flag: np.ndarray | None, names: dict[str, str] | None,
                            target: float, t: dict[str, str], lang: str) -> None:
    """One circle per hamlet (and per square of the households in none): its area growing
    with the households, its colour the share where ``flag`` in the hamlet classes of
    ``target``."""
    g = household_groups(households, flag, names)
    n = g["households"].to_numpy(dtype=float)
    small, large = HOUSEHOLD_RADIUS_PX
    radius = small + (large - small) * np.sqrt(n / max(n.max(), 1.0)) if len(n) else n
    share = g["yes"].to_numpy() / np.maximum(n, 1)
    classes = _share_classes(share, target)
    outside = _text(t["households_outside"])
    props = []
    for i, row in enumerate(g[["name", "households", "yes"]].itertuples(index=False)):
        v = [_number(row.households, lang)]
        if flag is not None:
            v += [_number(row.yes, lang), _pct(share[i], lang)]
        props.append({"n": _text(row.name) if row.name is not None else outside, "v": v,
                      "c": int(classes[i]), "r": round(float(radius[i]), 1)})
    labels_ = [_text(t["households_count"])]
    if flag is not None:
        labels_ += [_text(t["household_covered"]), _text(t["share_of_households"])]
    styles = _share_styles(target, {"color": "#ffffff", "weight": 1, "fill": True,
                                    "fillOpacity": 0.9, "radius": small})
    _LightGeoJson(_light_collection(_to_wgs84(g.geometry), props), styles, None,
                  labels_).add_to(group)


def household_layer(households: gpd.GeoDataFrame, covered: np.ndarray | None = None,
                    grid: Grid | None = None, lang: str = "vi", show: bool = True,
                    column: str | None = None, name: str | None = None,
                    yes_label: str | None = None, no_label: str | None = None,
                    names: dict[str, str] | None = None,
                    target: float = settings.MOBILE_BROADBAND_HAMLET_SHARE,
                    max_points: int = settings.MAP_HOUSEHOLD_POINTS_MAX
                    ) -> folium.FeatureGroup:
    """Households as small circles, blue where the ``covered`` mask (on ``grid``) is true at
    the household, orange where not (colour-blind safe). A boolean ``column`` of the table
    can be used instead (then give the layer its ``name`` and legend labels, e.g. passed by
    fibre or not).

    Above ``max_points`` households, one circle per hamlet instead
    (:func:`household_groups`; ``names``: hamlet names by id), its area growing with the
    hamlet's households and coloured by the share of them covered, in the classes of the
    hamlet ``target`` (as the hamlet layers)."""
    t = dict(labels(lang))
    t["households"] = name or t["households"]
    t["household_covered"] = yes_label or t["household_covered"]
    t["household_not_covered"] = no_label or t["household_not_covered"]
    flag = _household_flag(households, covered, grid, column)
    if len(households) > max_points:
        title = f"{t['households']} ({t['per_hamlet']})"
        rows = [f'<div class="cg-row">{_text(t["circle_size"])}</div>']
        if flag is not None:
            rows = [f'<div class="cg-row">{_text(t["household_covered"])}:</div>',
                    *_share_rows(target, lang, "dot"), *rows]
        group = _group(title, show, _section(title, rows))
        _household_groups_layer(group, households, flag, names, target, t, lang)
        return group
    hh = households.assign(_covered=flag if flag is not None else np.nan)

    def props(row: pd.Series) -> dict[str, Any]:
        c = row["_covered"]
        colour = "#555555" if pd.isna(c) else (_COVERED if c else _NOT_COVERED)
        return {"style": {"radius": 2.5, "color": "#ffffff", "weight": 0.6, "fill": True,
                          "fillColor": colour, "fillOpacity": 0.95}}

    rows = [_swatch(_COVERED, _text(t["household_covered"]), "dot"),
            _swatch(_NOT_COVERED, _text(t["household_not_covered"]), "dot")]
    group = _group(t["households"], show, _section(t["households"], rows)
                   if flag is not None else None)
    _geojson(_features(hh, props), tooltip=False,
             marker=folium.CircleMarker(radius=2.5)).add_to(group)
    return group


def fibre_layer(routes: gpd.GeoDataFrame, lang: str = "vi",
                show: bool = True) -> folium.FeatureGroup:
    """Fibre routes as lines coloured by operator, tooltip: route, name, operator; above
    ``settings.MAP_LINES_DETAILED_MAX`` lines (parts), one light layer simplified for display
    (the same tooltips)."""
    t = labels(lang)
    seen: dict[str, str] = {}
    with_id = "route_id" in routes
    kept = routes[~(routes.geometry.isna() | routes.geometry.is_empty)]
    styles: list[dict[str, Any]] = []
    tips = []  # per route: its style's index, title, route id and operator (escaped)
    for row in table_rows(kept):
        line = {"color": _operator_colour(row.get("operator"), seen), "weight": 3,
                "opacity": 0.9}
        if line not in styles:
            styles.append(line)
        route = (_text(row["route_id"]) if with_id and not pd.isna(row["route_id"])
                 else None)
        tips.append((styles.index(line), _text(row.get("name") or row.get("route_id")),
                     route, _text(row.get("operator"))))
    ops = sorted({str(o) for o in routes["operator"].dropna()}) if "operator" in routes else []
    group = _group(t["fibre"], show, _section(
        t["fibre"], [_swatch(_operator_colour(o, seen), _text(o), "line") for o in ops]))
    parts = int(shapely.get_num_geometries(np.asarray(kept.geometry.values)).sum())
    if parts > settings.MAP_LINES_DETAILED_MAX:
        # a province's networks: one light layer, lines simplified for display, each
        # operator's style and the tooltip's labels written once
        simple = simplify_for_display(kept.geometry, settings.MAP_LINES_SIMPLIFY_M,
                                      coverage=False)
        props = [{"n": title, "v": ([route or ""] if with_id else []) + [op], "c": c}
                 for c, title, route, op in tips]
        heads = ([_text(t["route"])] if with_id else []) + [_text(t["operator"])]
        _LightGeoJson(_light_collection(_to_wgs84(simple), props), styles, None,
                      heads).add_to(group)
        return group
    data = _features(kept, lambda row: {})
    for feature, (c, title, route, op) in zip(data["features"], tips):
        rows = [(_text(t["operator"]), op)]
        if route is not None:
            rows.insert(0, (_text(t["route"]), route))
        feature["properties"] = {"tooltip": _tooltip_table(title, rows), "style": styles[c]}
    _geojson(data).add_to(group)
    return group


def access_point_layer(points: gpd.GeoDataFrame, lang: str = "vi",
                       show: bool = True) -> folium.FeatureGroup:
    """Fibre access points (FAT, splitter) as squares-ish circles in the operator's colour,
    tooltip: id, operator, kind, ports used / total; above
    ``settings.MAP_POINTS_DETAILED_MAX`` points, a light layer."""
    t = labels(lang)
    seen: dict[str, str] = {}

    def props(row: pd.Series) -> dict[str, Any]:
        colour = _operator_colour(row.get("operator"), seen)
        rows = [(_text(t["operator"]), _text(row.get("operator"))),
                (_text(t["kind"]), _text(_code(t, "ap_kind", row.get("kind"))))]
        if "ports_total" in row.index:
            rows.append((_text(t["ports"]), f"{_number(row.get('ports_used'), lang)} / "
                                            f"{_number(row.get('ports_total'), lang)}"))
        return {"tooltip": _tooltip_table(_text(row.get("ap_id")), rows), "rows": rows,
                "style": {"radius": 5, "color": "#000000", "weight": 1.5, "fill": True,
                          "fillColor": colour, "fillOpacity": 1}}

    group = _group(t["access_points"], show, _section(
        t["access_points"], [_swatch("#ffffff", _text(t["ap"]), "dot")]))
    if len(points) > settings.MAP_POINTS_DETAILED_MAX:  # a province's boxes: a light layer
        styles: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        light = []
        for row in table_rows(points):
            p = props(row)
            key = json.dumps(p["style"], sort_keys=True)
            if key not in index:
                index[key] = len(styles)
                styles.append(p["style"])
            light.append({"n": _text(row.get("ap_id")), "v": [v for _, v in p["rows"]],
                          "c": index[key]})
        labels_ = [k for k, _ in props(points.iloc[0])["rows"]] if len(points) else []
        _LightGeoJson(_light_collection(_to_wgs84(points.geometry), light), styles, None,
                      labels_).add_to(group)
        return group
    _geojson(_features(points, lambda row: {k: v for k, v in props(row).items()
                                            if k != "rows"}),
             marker=folium.CircleMarker(radius=5)).add_to(group)
    return group


def roads_layer(roads: gpd.GeoDataFrame, lang: str = "vi", show: bool = True,
                name: str | None = None, colour: str = "#8c8c8c",
                dash: str | None = None) -> folium.FeatureGroup:
    """Roads (or the railway) as thin lines, for orientation when there are no base tiles;
    above ``settings.MAP_LINES_DETAILED_MAX`` lines, a light layer simplified for display."""
    t = labels(lang)
    style = {"color": colour, "weight": 1.2, "opacity": 0.8}
    if dash:
        style["dashArray"] = dash
    group = _group(name or t["roads"], show)
    if len(roads) > settings.MAP_LINES_DETAILED_MAX:
        # one style for all, no tooltips: the lines simplified and drawn as one multi-line
        # (a feature's own JSON would cost more than its few vertices)
        simple = simplify_for_display(roads.geometry, settings.MAP_LINES_SIMPLIFY_M,
                                      coverage=False)
        lines = shapely.get_parts(_to_wgs84(simple))
        merged = shapely.multilinestrings(lines[shapely.get_type_id(lines) == 1])
        _LightGeoJson(_light_collection([merged]), [style], None,
                      tooltip=False).add_to(group)
        return group
    data = _features(roads, lambda r: {"style": style})
    folium.GeoJson(data, control=False, interactive=False).add_to(group)
    return group


def boundary_layer(boundary: gpd.GeoDataFrame, lang: str = "vi",
                   show: bool = True) -> folium.FeatureGroup:
    """The commune's outline (no fill)."""
    t = labels(lang)
    group = _group(t["boundary"], show)
    data = _features(boundary, lambda r: {"style": {"color": "#000000", "weight": 2.5,
                                                    "dashArray": "8 4", "fill": False}})
    folium.GeoJson(data, control=False, interactive=False).add_to(group)
    return group


def units_layer(analysis: Analysis, lang: str = "vi", show: bool = True
                ) -> folium.FeatureGroup | None:
    """The 2025 administrative units around the study: the unit the scenario names (thick
    outline) and the bundled units that touch it (thin, with their names), so the plan's old
    commune is seen inside the new ward (:func:`coverage_gis.pipeline.unit_scopes`). None
    when the scenario names no 2025 unit."""
    from coverage_gis.io.units import load_units
    from coverage_gis.pipeline import unit_scopes

    current = [u for u in unit_scopes(analysis.project) if u.role == "current"]
    if not current:
        return None
    t = labels(lang)
    units = load_units()
    crs = analysis.project.crs
    here = gpd.GeoSeries([current[0].geometry], crs=crs).to_crs(units.crs)[0]
    near = units[units.intersects(here.buffer(0.001))]
    role = {current[0].code: t["unit_current"]}
    colour = style.UNIT_OUTLINE

    def props(r: pd.Series) -> dict[str, Any]:
        mine = r["unit_code"] in role
        name = _text(f"{r['unit_code']} {r['full_name']}")
        return {"style": {"color": colour, "weight": 3.5 if mine else 1.2,
                          "dashArray": None if mine else "4 4", "fill": False},
                "tooltip": _tooltip_table(name, [("", _text(role.get(r["unit_code"],
                                                                     t["unit_neighbour"])))])}

    group = _group(t["units_2025"], show, legend_html=_section(t["units_2025"], [
        _swatch(colour, _text(t["unit_current"]), "line"),
        _swatch(colour, _text(t["unit_neighbour"]), "dash")]))
    _geojson(_features(near, props), sticky=False).add_to(group)
    return group


def _ratio_text(part: int, whole: int, value: float | None, lang: str,
                target: float | None = None) -> str:
    """"12/30 (40 %)", the share written against ``target``."""
    return f"{_number(part, lang)}/{_number(whole, lang)} ({_pct(value, lang, target)})"


def _unit_values(u: UnitIndicators | None, lang: str) -> list[str]:
    """M4, M5 (existing towers) and F2 of a unit as texts ("–" where the study has none)."""
    if u is None:
        return ["–"] * 3

    def hamlets(ind: HamletIndicator | None) -> str:
        return "–" if ind is None else _ratio_text(ind.covered_hamlets, ind.hamlets,
                                                   ind.value, lang, ind.target)

    towers = "–" if u.m5 is None else _ratio_text(
        u.m5.existing.shared, u.m5.existing.total, u.m5.existing.value, lang, u.m5.target)
    return [hamlets(u.m4), towers, hamlets(u.f2)]


def unit_indicators_layer(analysis: Analysis, lang: str = "vi", show: bool = True,
                          units: Sequence[Any] | None = None) -> folium.FeatureGroup | None:
    """A choropleth of the units of a multi-unit study (``[scenario] province``): each unit
    coloured by its M4 (share of its hamlets covered by mobile broadband, in the classes of
    the plan's M4 target), its tooltip giving M4, M5 and F2
    (:func:`coverage_gis.pipeline.unit_indicators`); outlines simplified for display as one
    coverage (``settings.MAP_UNIT_SIMPLIFY_M``); ``units``: those indicators when already
    computed. None for a study of one unit."""
    from coverage_gis.engines.targets import plan_target
    from coverage_gis.pipeline import unit_indicators, unit_scopes

    scopes = [u for u in unit_scopes(analysis.project) if u.role == "unit"]
    if not scopes:
        return None
    t = labels(lang)
    found = {u.code: u for u in (unit_indicators(analysis) if units is None else units)}
    target = plan_target("M4")
    shapes = gpd.GeoSeries([u.geometry for u in scopes], crs=analysis.project.crs)
    geoms = _to_wgs84(simplify_for_display(shapes, settings.MAP_UNIT_SIMPLIFY_M))
    inds = [found.get(u.code) for u in scopes]
    m4 = [getattr(getattr(i, "m4", None), "value", None) for i in inds]
    classes = _share_classes([np.nan if v is None else v for v in m4], target)
    props = [{"n": _text(f"{u.code} {u.name}"), "v": _unit_values(i, lang), "c": int(c)}
             for u, i, c in zip(scopes, inds, classes)]
    title = t["units_m4"]
    group = _group(title, show, _section(f"{title} ({t['share_of_hamlets']})",
                                         _share_rows(target, lang, target_label="plan_target")))
    styles = _share_styles(target, {"color": style.UNIT_OUTLINE, "weight": 1.2,
                                    "fillOpacity": 0.6})
    _LightGeoJson(_light_collection(geoms, props), styles, None,
                  [_text(t[k]) for k in ("m4_short", "m5_short", "f2_short")]).add_to(group)
    return group


# --------------------------------------------------------------------------------------------
# Legend and page furniture
# --------------------------------------------------------------------------------------------

_CSS = """
<style>
.cg-legend{background:rgba(255,255,255,.95);font:12px/1.35 "Helvetica Neue",Arial,
  "DejaVu Sans",sans-serif;max-width:min(300px,calc(100vw - 90px));border-radius:5px;
  box-shadow:0 1px 5px rgba(0,0,0,.4);clear:both}
.cg-legend-toggle{display:block;width:100%;border:none;background:none;cursor:pointer;
  font:bold 12px/1.35 "Helvetica Neue",Arial,"DejaVu Sans",sans-serif;text-align:left;
  padding:5px 9px;color:#222}
.cg-legend-toggle:after{content:" \\25B4";float:right;margin-left:8px}
.cg-legend.cg-collapsed .cg-legend-toggle:after{content:" \\25BE"}
.cg-legend-body{padding:0 9px 6px;overflow-y:auto}
.cg-legend.cg-collapsed .cg-legend-body,.cg-legend.cg-squeezed .cg-legend-body{display:none}
.cg-legend .cg-title{font-weight:bold;font-size:13px;margin-bottom:2px}
.cg-legend .cg-indicator{margin-bottom:4px}
.cg-section{margin-top:5px}
.cg-head{font-weight:bold;margin-bottom:1px}
.cg-row{white-space:nowrap}
.cg-note{font-size:11px;color:#444;margin-top:2px;white-space:normal}
.cg-swatch{display:inline-block;width:16px;height:11px;margin-right:5px;vertical-align:-1px;
  border:1px solid #555;box-sizing:border-box}
.cg-tooltip table{border-collapse:collapse;margin-top:2px}
.cg-tooltip th{text-align:left;font-weight:normal;color:#555;padding:0 8px 0 0}
.cg-tooltip td{text-align:right;padding:0}
.leaflet-tooltip.cg-label{background:none;border:none;box-shadow:none;font-weight:bold;
  font-size:12px;color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff}
.leaflet-tooltip.cg-label:before{display:none}
html .leaflet-container{background:#f4f3ef}
.leaflet-control-layers{font-size:12px;line-height:1.35}
.leaflet-control-layers-expanded{max-width:calc(100vw - 74px);box-sizing:border-box}
.leaflet-control-layers label{white-space:normal}
@page{size:A4 landscape;margin:8mm}
html.cg-print,html.cg-print body{width:281mm!important;height:auto!important}
html.cg-print body{display:flex;align-items:flex-start;gap:3mm}
html.cg-print .folium-map{flex:none;width:206mm!important;height:192mm!important}
html.cg-print .cg-legend{flex:none;width:72mm;max-width:none;box-shadow:none;
  border:1px solid #999;font-size:10px}
@media print{
  .cg-legend .cg-legend-body{display:block!important;max-height:none!important;
    overflow:visible!important}
  .cg-legend-toggle:after,.leaflet-control-layers,.leaflet-control-zoom{display:none!important}
  .cg-legend,.cg-legend *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
</style>
"""


class _Legend(MacroElement):
    """A collapsible legend control; each section is shown while its layer is on the map.

    It sits in its corner below the controls added there before it (the layer control), so
    that the two never overlap; its body is never taller than the room left down to the map's
    bottom edge (recomputed when the layer control opens or closes, and when the map is
    resized), and is folded away when there is no room. It starts folded on small screens
    (under 600 × 520 px)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = L.DomUtil.create('div', 'cg-legend');
                var button = L.DomUtil.create('button', 'cg-legend-toggle', div);
                button.type = 'button';
                button.textContent = {{ this.title|tojson }};
                var body = L.DomUtil.create('div', 'cg-legend-body', div);
                body.innerHTML = {{ this.header|tojson }};
                var sections = [
                    {%- for layer, html in this.sections %}
                    [{{ layer }}, {{ html|tojson }}],
                    {%- endfor %}
                ];
                sections.forEach(function (s) {
                    var el = L.DomUtil.create('div', '', body);
                    el.innerHTML = s[1];
                    var sync = function () {
                        el.style.display = map.hasLayer(s[0]) ? '' : 'none';
                    };
                    map.on('layeradd layerremove', sync);
                    sync();
                });
                var fit = function () {
                    var room = map.getContainer().getBoundingClientRect().bottom
                        - div.getBoundingClientRect().top - button.offsetHeight - 30;
                    body.style.maxHeight = Math.max(room, 0) + 'px';
                    div.classList.toggle('cg-squeezed', room < 48);
                };
                var setOpen = function (open) {
                    div.classList.toggle('cg-collapsed', !open);
                    button.setAttribute('aria-expanded', open ? 'true' : 'false');
                    button.title = open ? {{ this.hide|tojson }} : {{ this.show|tojson }};
                    fit();
                };
                L.DomEvent.on(button, 'click', function (e) {
                    L.DomEvent.stop(e);
                    setOpen(div.classList.contains('cg-collapsed'));
                });
                var size = map.getSize();
                setOpen(size.x >= 600 && size.y >= 520);
                map.on('resize', fit);
                var layers = map.getContainer().querySelector('.leaflet-control-layers');
                if (layers) {
                    ['mouseover', 'mouseout', 'click', 'focusin', 'focusout'].forEach(
                        function (ev) { layers.addEventListener(ev, fit); });
                    if (window.ResizeObserver) { new ResizeObserver(fit).observe(layers); }
                }
                setTimeout(fit, 0);
                // printing: the map sized for an A4 landscape sheet, what was in view drawn
                // again at that size, the legend beside it (found by a review: the layers
                // were drawn for the screen only, a blank band below, the legend over them)
                var home = null, next = null, view = null;
                var toPrint = function () {
                    if (home) { return; }
                    var seen = map.getBounds(), c = map.getContainer();
                    view = [map.getCenter(), map.getZoom()];
                    home = div.parentNode; next = div.nextSibling;
                    document.documentElement.classList.add('cg-print');
                    c.parentNode.insertBefore(div, c.nextSibling);
                    map.invalidateSize({animate: false, pan: false});
                    map.fitBounds(seen, {animate: false});
                };
                var fromPrint = function () {
                    if (!home) { return; }
                    document.documentElement.classList.remove('cg-print');
                    home.insertBefore(div, next); home = null;
                    map.invalidateSize({animate: false, pan: false});
                    map.setView(view[0], view[1], {animate: false});
                    fit();
                };
                window.addEventListener('beforeprint', toPrint);
                window.addEventListener('afterprint', fromPrint);
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo(map);
        })();
        {% endmacro %}
    """)

    def __init__(self, header: str, sections: list[tuple[str, str]],
                 position: str = "topright", title: str = "Legend",
                 show: str = "Show the legend", hide: str = "Hide the legend"):
        super().__init__()
        self._name = "Legend"
        self.header = header
        self.sections = sections
        self.position = position
        self.title, self.show, self.hide = title, show, hide


def legend(header_html: str, groups: Iterable[folium.FeatureGroup],
           position: str = "topright", lang: str = "vi") -> MacroElement:
    """A collapsible legend control made of ``header_html`` (escaped) and the ``legend_html``
    section of each group (shown while that group is on the map). Add it to the map after the
    groups and after the layer control: in the same corner it stacks below it."""
    # Any FeatureGroup may carry a legend section (see coverage_map's extra_layers).
    t = labels(lang)
    sections = [(g.get_name(), section) for g in groups
                if (section := getattr(g, "legend_html", None))]
    return _Legend(header_html, sections, position, title=t["legend"], show=t["legend_show"],
                   hide=t["legend_hide"])


class _Exclusive(MacroElement):
    """Layers of which at most one is on the map at a time (radio-like choices in the layer
    control): turning one on turns the others off; all may be off."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var groups = [{{ this.layers|join(', ') }}];
            map.on('layeradd', function (e) {
                if (groups.indexOf(e.layer) < 0) { return; }
                // after the layer control has handled its click, so that it shows the change
                setTimeout(function () {
                    if (!map.hasLayer(e.layer)) { return; }
                    groups.forEach(function (g) {
                        if (g !== e.layer && map.hasLayer(g)) { map.removeLayer(g); }
                    });
                }, 0);
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, layers: Sequence[str]):
        super().__init__()
        self._name = "Exclusive"
        self.layers = list(layers)


class _FitBounds(MacroElement):
    """The study area in view at start: with room on the right for the legend where it
    starts open (a map 600 px wide or more), else (a phone) with a small margin (found by a
    review in Chromium: on a 390 px screen the commune sat in the left 80 px, zoom 11
    against 15)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var size = map.getSize();
            var wide = size.x >= 600 && size.y >= 520;
            map.fitBounds({{ this.bounds|tojson }}, {paddingTopLeft: [10, 10],
                          paddingBottomRight: [wide ? 300 : 10, 10]});
        })();
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitBounds"
        self.bounds = bounds


class _Declutter(MacroElement):
    """The names written on the map (``cg-label``) that would overlap a name already shown
    are hidden, first come first kept (the larger hamlets are written first), and shown again
    when zooming in makes room: after every zoom, move, resize and layer change (found by a
    review in Chromium: on a phone at zoom 13 hamlet names were written over each other).
    Names off screen are left as they are; a grid of cells of about a label's size keeps the
    test near linear in the names (a province's thousands)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var pending = false;
            function declutter() {
                pending = false;
                var box = map.getContainer().getBoundingClientRect();
                var els = map.getContainer().querySelectorAll('.leaflet-tooltip.cg-label');
                var i, e;
                for (i = 0; i < els.length; i++) { els[i].style.visibility = ''; }
                var grid = {}, size = 64;
                for (i = 0; i < els.length; i++) {
                    e = els[i];
                    var r = e.getBoundingClientRect();  // a name fading out is gone
                    if (!r.width || e.style.opacity === '0' || r.right < box.left ||
                        r.left > box.right || r.bottom < box.top || r.top > box.bottom) {
                        continue;
                    }
                    var x0 = Math.floor(r.left / size), x1 = Math.floor(r.right / size);
                    var y0 = Math.floor(r.top / size), y1 = Math.floor(r.bottom / size);
                    var hit = false, gx, gy, k, j, cell;
                    for (gx = x0; gx <= x1 && !hit; gx++) {
                        for (gy = y0; gy <= y1 && !hit; gy++) {
                            cell = grid[gx + ',' + gy] || [];
                            for (j = 0; j < cell.length; j++) {
                                k = cell[j];
                                if (r.left < k.right + 2 && k.left < r.right + 2 &&
                                    r.top < k.bottom && k.top < r.bottom) { hit = true; break; }
                            }
                        }
                    }
                    if (hit) { e.style.visibility = 'hidden'; continue; }
                    for (gx = x0; gx <= x1; gx++) {
                        for (gy = y0; gy <= y1; gy++) {
                            (grid[gx + ',' + gy] = grid[gx + ',' + gy] || []).push(r);
                        }
                    }
                }
            }
            function later() {
                if (!pending) { pending = true; setTimeout(declutter, 0); }
            }
            map.on('zoomend moveend resize overlayadd overlayremove layeradd', later);
            later();
        })();
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "Declutter"


class _ControlWords(MacroElement):
    """Leaflet's own words (the zoom buttons', the layer button's and the attribution's
    tooltips) in the map's language."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var box = map.getContainer();
            [['.leaflet-control-zoom-in', {{ this.words.zoom_in|tojson }}],
             ['.leaflet-control-zoom-out', {{ this.words.zoom_out|tojson }}],
             ['.leaflet-control-layers-toggle', {{ this.words.layers|tojson }}]
            ].forEach(function (c) {
                box.querySelectorAll(c[0]).forEach(function (el) {
                    el.title = c[1];
                    el.setAttribute('aria-label', c[1]);
                });
            });
            if (map.attributionControl) {
                var link = document.createElement('a');
                link.href = 'https://leafletjs.com';
                link.title = {{ this.words.leaflet_title|tojson }};
                link.textContent = 'Leaflet';
                map.attributionControl.setPrefix(link.outerHTML);
            }
        })();
        {% endmacro %}
    """)

    def __init__(self, lang: str):
        super().__init__()
        self._name = "ControlWords"
        t = labels(lang)
        self.words = {k: t[k] for k in ("zoom_in", "zoom_out", "layers", "leaflet_title")}


def exclusive(groups: Sequence[folium.FeatureGroup]) -> MacroElement:
    """Make ``groups`` exclusive choices on their map (see :class:`_Exclusive`)."""
    return _Exclusive([g.get_name() for g in groups])


# --------------------------------------------------------------------------------------------
# The map
# --------------------------------------------------------------------------------------------

class OfflineMap(folium.Map):
    """A :class:`folium.Map` that needs nothing but Leaflet, and whose ``save``, notebook display
    and :meth:`offline_html` give self-contained HTML (Leaflet inlined, no CDN).

    Layers that need more than Leaflet (popups need jQuery, icon markers need icon fonts) must
    have their files vendored and listed in :data:`LOCAL_ASSETS`, or saving fails."""

    default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js")]
    default_css = [("leaflet_css",
                    "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css")]

    def offline_html(self) -> str:
        return offline_html(self)

    def save(self, outfile: Any, close_file: bool = True, **kwargs: Any) -> None:
        """Write the self-contained HTML (atomically when ``outfile`` is a path)."""
        if isinstance(outfile, (str, Path)):
            save_map(self, outfile)
        else:
            outfile.write(self.offline_html().encode("utf-8"))
            if close_file:
                outfile.close()

    def _repr_html_(self, **kwargs: Any) -> str:
        """Notebook display: an iframe whose ``srcdoc`` is the self-contained page."""
        page = _html.escape(self.offline_html(), quote=True)
        return ('<div style="width:100%;"><div style="position:relative;width:100%;height:0;'
                'padding-bottom:60%;"><iframe srcdoc="' + page + '" style="position:absolute;'
                'width:100%;height:100%;left:0;top:0;border:none !important;" '
                'allowfullscreen></iframe></div></div>')


def _hamlet_gdf(analysis: Analysis) -> gpd.GeoDataFrame:
    """The analysis' hamlet table joined to the project's polygons."""
    polygons = analysis.project.hamlets
    if polygons is None:
        raise ValueError("the analysis' project has no hamlets")
    poly = polygons[["hamlet_id", "geometry"]]
    table = analysis.hamlets
    gdf = poly.merge(table, on="hamlet_id", how="left")
    return gpd.GeoDataFrame(gdf, geometry="geometry", crs=poly.crs)


def _add(m: folium.Map, group: folium.FeatureGroup | None,
         added: list[folium.FeatureGroup]) -> None:
    if group is not None:
        group.add_to(m)
        added.append(group)


def _present(layer: gpd.GeoDataFrame | None) -> bool:
    """True for a layer that the project has and that has features."""
    return layer is not None and len(layer) > 0


def _add_base_layers(m: folium.Map, tiles: str | None, osm_layer: bool, t: dict[str, str],
                     max_zoom: int) -> None:
    """The base map ``tiles``, or else (with ``osm_layer``) OpenStreetMap, switched off."""
    if tiles is not None:
        folium.TileLayer(tiles, name=_text(str(tiles)), overlay=False, control=True,
                         max_zoom=max_zoom).add_to(m)
    elif osm_layer:
        folium.TileLayer("OpenStreetMap", name=_text(t["osm"]), overlay=True, show=False,
                         control=True, max_zoom=max_zoom).add_to(m)


def _add_level_rasters(m: folium.Map, res: CoverageResult, t: dict[str, str], lang: str,
                       added: list[folium.FeatureGroup]) -> None:
    """The best-server level rasters of the coverage result ``res``: mobile broadband (the
    better of 4G and 5G), then 4G and 5G; those without a level are left out."""
    for key in ("mobile_broadband", "4G", "5G"):
        if key == "mobile_broadband":
            levels = [res.level_dbm[k] for k in ("4G", "5G") if k in res.level_dbm]
            if not levels:
                continue
            with np.errstate(invalid="ignore"):
                level = np.fmax.reduce(levels) if len(levels) > 1 else levels[0]
        elif key in res.level_dbm:
            level = res.level_dbm[key]
        else:
            continue
        techs = ("4G", "5G") if key == "mobile_broadband" else (key,)
        level = style.levels_as_counted(level, res.covered.get(key))
        _add(m, raster_layer(level, res.grid, t[f"raster_{key}"], lang, show=False,
                             note=level_note(res, [k for k in techs if k in res.level_dbm],
                                             lang)), added)


def _ftth_rule_note(analysis: Analysis, lang: str) -> str:
    """Under the cultural-house rule (``[fibre] hamlet_rule``), what the FTTH share colours
    do not say: F2 counts a hamlet where fibre reaches its cultural house, the share only
    where none is marked (found by a cross-output review: hamlets at 47-71 % drawn short,
    their own tooltips "reached by fibre"); "" under the share rule."""
    fibre = getattr(analysis, "fibre", None)
    params = getattr(fibre, "params", None)
    if params is None or params.hamlet_rule != "cultural_house":
        return ""
    return labels(lang)["ftth_rule_note"].format(share=_pct(params.hamlet_share, lang))


def _add_area_layers(m: folium.Map, analysis: Analysis, hamlets: gpd.GeoDataFrame,
                     t: dict[str, str], lang: str, added: list[folium.FeatureGroup],
                     data: _DataVar | None = None, units: Sequence[Any] | None = None
                     ) -> list[folium.FeatureGroup]:
    """Roads and railway, the hamlets by mobile broadband (and FTTH) share, the commune, the
    units (a choropleth of M4 for a multi-unit study, shown first instead of the hamlets).
    Returns the colourings (exclusive choices: mixed, their colours mean nothing)."""
    project = analysis.project
    if _present(project.roads):
        _add(m, roads_layer(project.roads, lang), added)
    if _present(project.railway):
        _add(m, roads_layer(project.railway, lang, name=t["railway"], colour="#444444",
                            dash="6 3"), added)
    targets = hamlet_targets(analysis)
    choropleth = unit_indicators_layer(analysis, lang, units=units)
    colourings = [hamlet_layer(hamlets, "mobile_broadband_share", lang,
                               show=choropleth is None,
                               target=targets["mobile_broadband_share"], data=data,
                               targets=targets)]
    if "ftth_share" in hamlets.columns:
        colourings.append(hamlet_layer(hamlets, "ftth_share", lang, show=False,
                                       target=targets["ftth_share"], data=data,
                                       note=_ftth_rule_note(analysis, lang), targets=targets))
    for group in colourings:
        _add(m, group, added)
    if choropleth is not None:
        _add(m, choropleth, added)
        colourings.append(choropleth)
    if _present(project.commune) and choropleth is None:
        _add(m, boundary_layer(project.commune, lang), added)
    _add(m, units_layer(analysis, lang), added)
    return colourings


def _add_network_layers(m: folium.Map, analysis: Analysis, lang: str,
                        added: list[folium.FeatureGroup],
                        names: dict[str, str] | None = None, light: bool = False) -> None:
    """Fibre, access points, households (mobile broadband coverage), signal radius, cells and
    planned sites. ``light`` (a province): the network's detail layers start switched off,
    so that the units, hamlets and households show first."""
    project = analysis.project
    res = analysis.coverage
    if _present(project.fibre):
        _add(m, fibre_layer(project.fibre, lang, show=not light), added)
    if _present(project.access_points):
        _add(m, access_point_layer(project.access_points, lang, show=not light), added)
    if _present(project.households):
        _add(m, household_layer(project.households, res.covered.get("mobile_broadband"),
                                res.grid, lang, names=names,
                                target=hamlet_targets(analysis)["mobile_broadband_share"]),
             added)
    _add(m, signal_radius_layer(analysis.signal_radius, lang, show=False), added)
    if _present(project.sites):
        _add(m, cell_layer(project.sites, lang, show=not light), added)
        _add(m, planned_sites_layer(project.sites, lang), added)


def _add_result_layers(m: folium.Map, analysis: Analysis, t: dict[str, str], lang: str,
                       added: list[folium.FeatureGroup],
                       names: dict[str, str] | None = None, light: bool = False) -> None:
    """Households passed by fibre, sharing candidates, suggested sites, fibre extensions
    (``light``: switched off at first, as the network's)."""
    fibre_result = getattr(analysis, "fibre", None)
    if fibre_result is not None and "passed" in fibre_result.reach:
        _add(m, household_layer(fibre_result.reach, lang=lang, show=False, column="passed",
                                name=t["households_ftth"], yes_label=t["household_passed"],
                                no_label=t["household_not_passed"], names=names,
                                target=hamlet_targets(analysis)["ftth_share"]), added)
    _add(m, sharing_candidates_layer(getattr(analysis, "sharing_candidates", None), lang,
                                     show=not light), added)
    _add(m, suggested_sites_layer(getattr(analysis, "suggestions", None), lang,
                                  show=not light), added)
    if fibre_result is not None:
        _add(m, fibre_extensions_layer(fibre_result.extensions, lang, show=not light), added)


def _legend_header(analysis: Analysis, scenario: str, t: dict[str, str], lang: str) -> str:
    """The legend's title (the scenario) and the M4 indicator, when the analysis has it."""
    header = f'<div class="cg-title">{_text(scenario or t["title"])}</div>'
    m4 = analysis.indicators.m4 if analysis.indicators is not None else None
    if m4 is not None:
        header += (f'<div class="cg-indicator">{_text(t["m4"])}: '
                   f'{m4.covered_hamlets}/{m4.hamlets} '
                   f'{_text(t["hamlets_unit"])} ({_pct(m4.value, lang, m4.target)}; '
                   f'{_text(t["target"])} {_pct(m4.target, lang)})</div>')
    return header + _provenance_line(analysis, lang)


def _provenance_line(analysis: Analysis, lang: str) -> str:
    """Where the layers come from, by kind (``Project.provenance``): e.g. "Data: illustrative
    sample: hamlets, sites, ...; public data: commune"."""
    w = i18n.words(lang)
    prov = analysis.project.provenance()
    if not len(prov):
        return ""
    parts = [f"{w['provenance_' + kind]}: "
             f"{', '.join(w.get('layer_' + name, name) for name in group['layer'])}"
             for kind, group in prov.groupby("kind", sort=False)]
    return (f'<div class="cg-provenance">{_text(w["provenance_title"])}: '
            f'{_text("; ".join(parts))}</div>')


def coverage_map(analysis: Analysis, lang: str = "vi", tiles: str | None = None,
                 osm_layer: bool = True,
                 extra_layers: Iterable[Callable[[Analysis, str],
                                                 folium.FeatureGroup | None]] = (),
                 max_zoom: int = 19, units: Sequence[Any] | None = None) -> OfflineMap:
    """The interactive map of an analysis, with a layer control and a legend.

    Parameters
    ----------
    analysis
        The result of :func:`coverage_gis.analyze`.
    lang
        "vi" (default) or "en": layer names, legend and tooltips.
    tiles
        None (default): no base map, the data shows offline; with ``osm_layer`` an
        OpenStreetMap layer is offered, switched off (it needs network). Or a folium tile name
        (e.g. "OpenStreetMap"), shown as the base map.
    extra_layers
        More layers: callables ``(analysis, lang) -> FeatureGroup | None``; a group's
        ``legend_html`` attribute, when set, adds a legend section.
    max_zoom
        Set explicitly because without tiles Leaflet has no maximum zoom.
    units
        The study's :func:`coverage_gis.pipeline.unit_indicators` when already computed
        (computed here otherwise).
    """
    from coverage_gis.results.analysis import check_analysis

    check_analysis(analysis, "coverage_map")
    t = labels(lang)
    hamlets = _hamlet_gdf(analysis)
    minx, miny, maxx, maxy = gpd.GeoSeries([shapely.box(*shown_extent(analysis.project))],
                                           crs=analysis.project.crs).to_crs(4326).total_bounds
    households = analysis.project.households
    light = len(hamlets) > settings.MAP_HAMLETS_DETAILED_MAX
    # Many shapes draw much faster on one canvas than as as many SVG elements.
    canvas = light or (households is not None
                       and len(households) > settings.MAP_HOUSEHOLD_POINTS_MAX)
    m = OfflineMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=14,
                   tiles=None, control_scale=True, prefer_canvas=canvas)
    # folium passes max_zoom to its tile layer only: without tiles, set it on the map itself.
    m.options.update(max_zoom=max_zoom, min_zoom=5)
    scenario = getattr(analysis.project.scenario, "name", "") or ""
    root = m.get_root()
    # A folium.Map is always made inside a Figure (branca types get_root as any Element).
    assert isinstance(root, Figure)
    root.title = _text(f"{scenario} — {t['title']}" if scenario else t["title"])
    root.header.add_child(Element(_CSS), name="cg_css")
    folium.map.CustomPane("cg_rasters", z_index=350, pointer_events=False).add_to(m)
    _add_base_layers(m, tiles, osm_layer, t, max_zoom)

    added: list[folium.FeatureGroup] = []
    # Rasters first (their own pane keeps them under the vectors anyway).
    _add_level_rasters(m, analysis.coverage, t, lang, added)
    data = None
    if light:  # the hamlets written once, for both colourings and the names
        data = hamlet_data(hamlets, lang, hamlet_targets(analysis))
        data.add_to(m)
    colourings = _add_area_layers(m, analysis, hamlets, t, lang, added, data, units)
    names = dict(zip(hamlets["hamlet_id"].astype(str), hamlets["name"])) \
        if "name" in hamlets.columns else None
    _add_network_layers(m, analysis, lang, added, names, light)
    _add_result_layers(m, analysis, t, lang, added, names, light)
    for build in extra_layers:
        _add(m, build(analysis, lang), added)
    _add(m, hamlet_names_layer(hamlets, lang, show=not light, data=data), added)

    header = _legend_header(analysis, scenario, t, lang)
    # The layer list starts folded (an icon); the legend stacks below it, never over it.
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    legend(header, added, lang=lang).add_to(m)
    _ControlWords(lang).add_to(m)
    if len(colourings) > 1:
        exclusive(colourings).add_to(m)
    # Room on the right for the layer control and the legend, where the legend starts open
    _FitBounds([[float(miny), float(minx)], [float(maxy), float(maxx)]]).add_to(m)
    _Declutter().add_to(m)
    return m


# --------------------------------------------------------------------------------------------
# Offline HTML
# --------------------------------------------------------------------------------------------

#: File names (the last part of a script or stylesheet URL) that have a local copy under
#: ``coverage_gis/static``, and that copy's path there.
LOCAL_ASSETS: dict[str, str] = {
    "leaflet.js": "leaflet/leaflet.js",
    "leaflet.css": "leaflet/leaflet.css",
}

_SCRIPT_SRC = re.compile(
    r"""<script\b[^>]*?\bsrc\s*=\s*["']([^"']+)["'][^>]*>\s*</script\s*>""", re.I)
_LINK_HREF = re.compile(r"""<link\b[^>]*?\bhref\s*=\s*["']([^"']+)["'][^>]*?/?>""", re.I)
_EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']?"""
                       r"""\s*(?:https?:)?//""", re.I)


def _static(rel: str) -> Any:
    return resources.files("coverage_gis").joinpath("static", *rel.split("/"))


def _local_asset(url: str) -> str:
    name = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if name not in LOCAL_ASSETS:
        raise ValueError(
            f"the map references {url}, which has no local copy: vendor it under "
            f"coverage_gis/static and list it in coverage_gis.maps.LOCAL_ASSETS (offline maps "
            f"must not load anything from the network)")
    return LOCAL_ASSETS[name]


def _css_with_data_uris(css: str, rel: str) -> str:
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""

    def repl(match: re.Match[str]) -> str:
        target = match.group(2)
        if target.startswith(("data:", "#")):
            return match.group(0)
        if re.match(r"(?:[a-z]+:)?//", target, re.I):
            raise ValueError(f"{rel} references {target}, which has no local copy")
        path = _static(f"{folder}/{target}" if folder else target)
        mime = {"png": "image/png", "svg": "image/svg+xml", "gif": "image/gif",
                "woff2": "font/woff2", "woff": "font/woff"}.get(target.rsplit(".", 1)[-1],
                                                               "application/octet-stream")
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:{mime};base64,{data})"

    return re.sub(r"""url\((['"]?)([^'")]+)\1\)""", repl, css)


def _inline_script(rel: str) -> str:
    js = _static(rel).read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    return "<script>" + re.sub(r"</(script)", r"<\\/\1", js, flags=re.I) + "</script>"


def _inline_style(rel: str) -> str:
    css = _css_with_data_uris(_static(rel).read_text(encoding="utf-8"), rel)
    css = re.sub(r"/\*# sourceMappingURL=\S+\s*\*/", "", css)
    return "<style>" + re.sub(r"</(style)", r"<\\/\1", css, flags=re.I) + "</style>"


#: Scripts of layers that need what an offline map does not hold, and why.
_NEEDS_MORE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bL\.AwesomeMarkers\b"),
     "a marker with a folium.Icon needs Leaflet.awesome-markers and its icon font, which an "
     "offline map does not carry: use folium.CircleMarker, or a folium.DivIcon of plain "
     "HTML"),
    (re.compile(r"""\bL\.(?:imageOverlay|videoOverlay)\(\s*["']https?://""", re.I),
     "an image or video overlay from the network: an offline map must carry its data; give "
     "the overlay a local array or a data: URL"),
)


def offline_html(m: folium.Map) -> str:
    """The map as one self-contained HTML page: every script and stylesheet it references is
    replaced by the inlined local copy (:data:`LOCAL_ASSETS`); a reference without one raises
    ``ValueError``, so no page that needs the network is ever written."""
    # folium adds "addTo" lines to the figure at every render: render a copy, so that the map
    # can be displayed and saved any number of times with the same result.
    page = copy.deepcopy(m.get_root()).render()
    seen: set[str] = set()

    def script(match: re.Match[str]) -> str:
        rel = _local_asset(match.group(1))
        if rel in seen:
            return ""
        seen.add(rel)
        return _inline_script(rel)

    def link(match: re.Match[str]) -> str:
        tag = match.group(0)
        if not re.search(r"""\brel\s*=\s*["']?stylesheet""", tag, re.I):
            if _EXTERNAL.search(tag):
                raise ValueError(f"the map links to {match.group(1)}; offline maps must not")
            return tag
        rel = _local_asset(match.group(1))
        if rel in seen:
            return ""
        seen.add(rel)
        return _inline_style(rel)

    page = _SCRIPT_SRC.sub(script, page)
    page = _LINK_HREF.sub(link, page)
    # what a layer needs beyond Leaflet, which no script tag names (found by a review: a
    # folium.Icon marker broke the page, a remote image overlay needed the network)
    for pattern, why in _NEEDS_MORE:
        if pattern.search(page):
            raise ValueError(why)
    left = _EXTERNAL.search(page)
    if left:  # pragma: no cover - guarded by the substitutions above
        raise ValueError(f"an external reference remains in the map: {left.group(0)}")
    return page


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write ``m`` as a self-contained HTML file (no network needed to open it), atomically."""
    page = offline_html(m)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(path)


def map_html(analysis: Analysis | folium.Map, lang: str = "vi", **kwargs: Any) -> str:
    """The self-contained HTML of :func:`coverage_map` (or of a map already made)."""
    m = analysis if isinstance(analysis, folium.Map) else coverage_map(analysis, lang, **kwargs)
    return offline_html(m)
