"""Maps: offline HTML (no CDN), escaping of input text, labels per language, raster overlays in
Web Mercator, and the saved page in a real headless Chromium with no network."""

from __future__ import annotations

import base64
import html
import re
import warnings
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.transform import array_bounds
from rasterio.warp import transform_bounds

import coverage_gis as cg
from coverage_gis.config.scenario import Scenario
from coverage_gis.engines.coverage import Grid
from coverage_gis.io.project import Project
from coverage_gis.outputs import maps

from .browser import find_chromium, png_pixels, png_rgba, run_chromium, with_probe

UTM = "EPSG:32648"
X0, Y0 = 588_000.0, 2_218_000.0  # Quang Trung, UTM 48N

# Text from input files, written to break out of HTML, attributes and JS template literals.
EVIL_HAMLET = """<img src=x onerror="document.title='pwned'">"""
EVIL_HAMLET_2 = "Thôn `${document.title='pwned2'}` \\ & \"q\" </script><b>bold</b>"
EVIL_SCENARIO = """<img src=y onerror="document.title='pwned3'">Xã {{ 1 + 1 }} {%"""
EVIL_SITE = """S1"><script>document.title='pwned4'</script>"""
EVIL_PLANNED = "P1`;document.title='pwned5';`${1}"
EVIL_OPERATOR = "<b onmouseover=\"document.title='pwned6'\">Evil</b> {{ 6 * 7 }}"
# ... and at Jinja: branca compiles each element's rendered script again as a template; this
# was evaluated there ("jinja-evaluated"), and the lone "{{" stopped the map.
EVIL_JINJA = ('Tuyến {{ "jinja" ~ "-evaluated" }} {% if false %}hidden{% endif %} {# note #} '
              "{{")


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = cg.load_project()
        return cg.analyze(project)


@pytest.fixture(scope="module")
def sample_page(sample, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("maps") / "map.html"
    maps.save_map(maps.coverage_map(sample, "vi"), path)
    return path


def _cell(site_id: str, x: float, y: float, **kw) -> dict:
    base = {"site_id": site_id, "operator": "Viettel", "technology": "4G", "band_mhz": 1800.0,
            "bandwidth_mhz": 20.0, "height_m": 30.0, "azimuth_deg": 90.0,
            "beamwidth_deg": 65.0, "tilt_deg": 2.0, "eirp_dbm": 60.0, "status": "existing",
            "tower_id": None, "defaulted": "", "geometry": shapely.Point(x, y)}
    base.update(kw)
    return base


@pytest.fixture(scope="module")
def evil():
    """A tiny hand-made project whose names try to inject HTML and script."""
    hamlets = gpd.GeoDataFrame(
        {"hamlet_id": ["T1", "T2"], "name": [EVIL_HAMLET, EVIL_HAMLET_2],
         "households": [3, 3]},
        geometry=[shapely.box(X0, Y0, X0 + 800, Y0 + 800),
                  shapely.box(X0 + 800, Y0, X0 + 1600, Y0 + 800)], crs=UTM)
    sites = gpd.GeoDataFrame([
        _cell(EVIL_SITE, X0 + 400, Y0 + 400),
        _cell("S2", X0 + 400, Y0 + 400, technology="5G", band_mhz=3700.0,
              bandwidth_mhz=100.0, eirp_dbm=70.0, operator=EVIL_OPERATOR, azimuth_deg=np.nan),
        _cell(EVIL_PLANNED, X0 + 1200, Y0 + 400, status="planned"),
    ], geometry="geometry", crs=UTM)
    households = gpd.GeoDataFrame(
        {"household_id": [f"H{i}" for i in range(6)],
         "hamlet_id": ["T1"] * 3 + ["T2"] * 3},
        geometry=[shapely.Point(X0 + 100 + 200 * i, Y0 + 400) for i in range(3)]
        + [shapely.Point(X0 + 900 + 200 * i, Y0 + 400) for i in range(3)], crs=UTM)
    fibre = gpd.GeoDataFrame({"route_id": ["R1"], "name": [EVIL_JINJA],
                              "operator": [EVIL_OPERATOR]},
                             geometry=[shapely.LineString([(X0, Y0 + 10), (X0 + 1600, Y0 + 10)])],
                             crs=UTM)
    aps = gpd.GeoDataFrame({"ap_id": [EVIL_SITE], "operator": ["VNPT"], "kind": [EVIL_HAMLET],
                            "ports_total": [8.0], "ports_used": [3.0]},
                           geometry=[shapely.Point(X0 + 500, Y0 + 20)], crs=UTM)
    project = Project(scenario=Scenario(name=EVIL_SCENARIO, layers={}), crs=CRS(UTM),
                      hamlets=hamlets, sites=sites, households=households, fibre=fibre,
                      access_points=aps)
    return cg.analyze(project)


@pytest.fixture(scope="module")
def evil_page(evil, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("maps") / "evil.html"
    maps.save_map(maps.coverage_map(evil, "en"), path)
    return path


def _unescape_js(text: str) -> str:
    """The page with JavaScript/JSON ``\\uXXXX`` escapes decoded (what the browser sees as
    string values)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _overlays(m: folium.Map) -> list[folium.raster_layers.ImageOverlay]:
    found = []

    def walk(el):
        for child in el._children.values():
            if isinstance(child, folium.raster_layers.ImageOverlay):
                found.append(child)
            walk(child)

    walk(m)
    return found


def _decode_png(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return png_rgba(base64.b64decode(uri.split(",", 1)[1]))


# --------------------------------------------------------------------------------------------
# Offline HTML
# --------------------------------------------------------------------------------------------

_SRC = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)""", re.I)
_HREF = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""", re.I)


def test_saved_map_references_no_external_script_or_stylesheet(sample_page):
    page = sample_page.read_text(encoding="utf-8")
    external = [u for u in _SRC.findall(page) + _HREF.findall(page)
                if re.match(r"(?:https?:)?//", u, re.I)]
    assert external == [], f"the saved map still loads {external}"
    assert "http://" not in " ".join(_SRC.findall(page) + _HREF.findall(page))
    # Leaflet itself is in the page, with its images as data URIs.
    assert "Leaflet 1.9.4" in page and "L.map(" in page
    assert "url(data:image/png;base64," in page
    assert "images/layers.png" not in page and "sourceMappingURL" not in page
    # jQuery, Bootstrap, icon fonts, d3: none are needed, none are there.
    for lib in ("jquery", "bootstrap", "awesome-markers", "fontawesome", "d3.min.js"):
        assert lib not in page.lower(), lib


def test_a_map_needing_a_file_without_local_copy_is_refused(tmp_path):
    plain = folium.Map(location=[20.06, 105.86], tiles=None)  # folium's CDN list (jQuery, ...)
    with pytest.raises(ValueError, match="no local copy"):
        maps.save_map(plain, tmp_path / "plain.html")
    assert not (tmp_path / "plain.html").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either
    m = maps.OfflineMap(location=[20.06, 105.86], tiles=None, max_zoom=19)
    from folium.plugins import MarkerCluster
    MarkerCluster().add_to(m)
    with pytest.raises(ValueError, match="leaflet.markercluster"):
        maps.offline_html(m)


def test_save_map_replaces_atomically_and_the_map_saves_itself_offline(sample, tmp_path):
    m = maps.coverage_map(sample, "en")
    path = tmp_path / "out" / "map.html"
    path.parent.mkdir()
    path.write_text("old")
    assert maps.save_map(m, path) == path
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["map.html"]
    m.save(str(tmp_path / "self.html"))  # folium's own save is the offline one too
    page = (tmp_path / "self.html").read_text(encoding="utf-8")
    assert not [u for u in _SRC.findall(page) if "//" in u]
    assert maps.map_html(m) == maps.offline_html(m)


def test_notebook_display_is_the_inlined_page(sample):
    m = maps.coverage_map(sample, "vi")
    out = m._repr_html_()
    assert out.count("<iframe") == 1 and 'srcdoc="' in out
    inner = re.search(r'srcdoc="([^"]*)"', out).group(1)
    import html
    page = html.unescape(inner)
    assert "Leaflet 1.9.4" in page
    assert not [u for u in _SRC.findall(page) + _HREF.findall(page) if "//" in u]


# --------------------------------------------------------------------------------------------
# Escaping and labels
# --------------------------------------------------------------------------------------------

def test_names_from_input_files_are_escaped_everywhere(evil_page):
    page = evil_page.read_text(encoding="utf-8")
    seen = _unescape_js(page)  # what JS string values hold
    for raw in ("<img src=x", "<img src=y", "<script>document.title", "${document.title",
                "`;document.title", "<b onmouseover", "<b>bold</b>"):
        assert raw not in seen, f"unescaped input text in the page: {raw!r}"
    # The escaped forms are there: names show as text.
    assert "&lt;img src=x onerror=&quot;document.title=&#x27;pwned&#x27;&quot;&gt;" in seen
    assert ("Thôn &#96;&#36;&#123;document.title=&#x27;pwned2&#x27;&#125;&#96; &#92; &amp; "
            "&quot;q&quot;") in seen
    assert "&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in seen
    assert "<title>&lt;img src=y onerror=&quot;document.title=&#x27;pwned3&#x27;&quot;&gt;Xã" \
        in page
    assert "S1&quot;&gt;&lt;script&gt;" in seen
    assert "P1&#96;;document.title=&#x27;pwned5&#x27;;&#96;&#36;&#123;1&#125;" in seen
    assert "&lt;b onmouseover=&quot;document.title=&#x27;pwned6&#x27;&quot;&gt;Evil" in seen
    # Jinja saw no tag in the data: nothing evaluated, braces kept as text
    assert "jinja-evaluated" not in seen and ">Evil</b> 42" not in html.unescape(seen)
    assert ("Tuyến &#123;&#123; &quot;jinja&quot; ~ &quot;-evaluated&quot; &#125;&#125; "
            "&#123;% if false %&#125;hidden&#123;% endif %&#125; &#123;# note #&#125; "
            "&#123;&#123;") in seen
    # Only our own </script> closings: nothing from the data closes a script early.
    assert page.count("</script>") == page.count("<script")


def test_labels_follow_the_language(sample):
    assert set(maps.LABELS["vi"]) == set(maps.LABELS["en"])
    vi = maps.map_html(sample, "vi")
    en = maps.map_html(sample, "en")
    for key in ("hamlets_mbb", "cells", "households", "fibre", "hamlet_names",
                "raster_mobile_broadband", "osm"):
        assert maps.LABELS["vi"][key] in _unescape_js(vi), key
        assert maps.LABELS["en"][key] in _unescape_js(en), key
        assert maps.LABELS["en"][key] not in _unescape_js(vi), key
    assert "Số hộ" in _unescape_js(vi) and "Households" in _unescape_js(en)
    assert "đã phủ sóng" in _unescape_js(vi).lower()
    with pytest.raises(ValueError, match="lang"):
        maps.coverage_map(sample, "fr")


def test_hamlet_tooltips_hold_name_households_shares_and_status(sample):
    hamlets = maps._hamlet_gdf(sample)
    group = maps.hamlet_layer(hamlets, lang="en")
    gj = next(c for c in group._children.values() if isinstance(c, folium.GeoJson))
    feats = {f["properties"]["tooltip"].split("</b>")[0].split("<b>")[1]: f
             for f in gj.data["features"]}
    assert set(feats) == set(sample.hamlets["name"])
    yen_son = feats["Thôn Yên Sơn"]["properties"]
    assert "190" in yen_son["tooltip"] and "0 %" in yen_son["tooltip"]
    assert "Not covered by mobile broadband" in yen_son["tooltip"]
    # colour-blind-safe classes (outputs/style.py): the lowest for 0 %, blue at the target
    assert yen_son["style"]["fillColor"] == maps._SHARE_COLOURS[-1]
    best = sample.hamlets.loc[sample.hamlets["mobile_broadband_share"].idxmax(), "name"]
    assert feats[best]["properties"]["style"]["fillColor"] == maps._SHARE_COLOURS[0]


# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------

def test_raster_overlays_sit_on_the_grid_bounds_in_lat_lon(sample):
    m = maps.coverage_map(sample, "vi")
    overlays = _overlays(m)
    assert len(overlays) == 3  # mobile broadband, 4G, 5G
    g = sample.coverage.grid
    w, s, e, n = array_bounds(g.height, g.width, g.transform)
    lon0, lat0, lon1, lat1 = transform_bounds(g.crs, "EPSG:4326", w, s, e, n, densify_pts=51)
    px_lat = g.resolution_m / 111_320
    px_lon = g.resolution_m / (111_320 * np.cos(np.radians((lat0 + lat1) / 2)))
    for ov in overlays:
        (south, west), (north, east) = ov.bounds
        assert abs(south - lat0) <= px_lat and abs(north - lat1) <= px_lat
        assert abs(west - lon0) <= px_lon and abs(east - lon1) <= px_lon
        assert ov.options.get("pane") == "cg_rasters"


def test_overlay_png_is_not_blank_and_uses_the_level_classes(sample):
    m = maps.coverage_map(sample, "vi")
    for ov in _overlays(m):
        rgba = _decode_png(ov.url)
        assert rgba.shape[-1] == 4
        opaque = rgba[..., 3] > 0
        assert opaque.mean() > 0.2
        colours = {tuple(int(v) for v in c) for c in np.unique(rgba[opaque], axis=0)}
        assert len(colours) >= 2
        assert colours <= {rgba_ for _, rgba_ in maps.LEVEL_CLASSES}


def test_reprojection_puts_pixels_where_they_belong():
    """Hot spots of a UTM grid land, in the Web Mercator image placed at the overlay bounds, at
    the same places on earth, within a pixel. The grid lies near the edge of its UTM zone, where
    its rows are turned about 1° from the parallels: stretching the UTM array over its lat/lon
    box without reprojecting it would put the corners several pixels off."""
    res, n = 100.0, 400
    x0, y0 = 760_000.0, 2_340_000.0  # about 107.5° E, 21.1° N (zone 48: 102-108° E)
    grid = Grid(Affine(res, 0, x0, 0, -res, y0), n, n, CRS(UTM))
    arr = np.full((n, n), np.nan, dtype=np.float32)
    spots = {-81.0: (10, 10), -82.0: (10, 388), -83.0: (388, 10), -84.0: (388, 388),
             -85.0: (199, 199)}
    for value, (r, c) in spots.items():
        arr[r:r + 2, c:c + 2] = value
    merc, bounds = maps.to_web_mercator(arr, grid)
    (south, west), (north, east) = bounds
    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    mx0, my0 = to_merc.transform(west, north)
    mx1, my1 = to_merc.transform(east, south)
    to_deg = Transformer.from_crs(3857, 4326, always_xy=True)
    utm_to_deg = Transformer.from_crs(UTM, 4326, always_xy=True)
    for value, (r, c) in spots.items():
        rows, cols = np.nonzero(merc == value)
        assert len(rows), value
        mx = mx0 + (cols.mean() + 0.5) * (mx1 - mx0) / merc.shape[1]
        my = my0 + (rows.mean() + 0.5) * (my1 - my0) / merc.shape[0]
        lon, lat = to_deg.transform(mx, my)
        lon_true, lat_true = utm_to_deg.transform(*(grid.transform * (c + 1, r + 1)))
        err_m = np.hypot((lat - lat_true) * 111_320,
                         (lon - lon_true) * 111_320 * np.cos(np.radians(lat)))
        assert err_m < res, (value, err_m)


def test_png_encoder_round_trips():
    """PNG bytes (io.files.png_bytes: a palette up to 256 colours, RGBA beyond) decode to
    the same pixels in GDAL and in Pillow, an independent decoder; the palette is used for
    a class map and makes it smaller than RGBA."""
    import io
    import warnings

    import rasterio
    from PIL import Image

    rng = np.random.default_rng(1)
    few = rng.integers(0, 256, size=(7, 11, 4), dtype=np.uint8)  # 77 colours: a palette
    many = rng.integers(0, 256, size=(30, 30, 4), dtype=np.uint8)  # 900 colours: RGBA
    for rgba, mode in ((few, "P"), (many, "RGBA")):
        uri = maps.png_data_uri(rgba)
        assert np.array_equal(_decode_png(uri), rgba)
        image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
        assert image.mode == mode
        assert np.array_equal(np.asarray(image.convert("RGBA")), rgba)
    classes = np.asarray(maps.colour_levels(rng.uniform(-130, -60, (200, 300))))
    paletted = maps.png_bytes(classes)
    with warnings.catch_warnings(), rasterio.MemoryFile() as mem:
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with mem.open(driver="PNG", width=300, height=200, count=4, dtype="uint8") as ds:
            ds.write(np.moveaxis(classes, -1, 0))
        assert len(paletted) < 0.7 * len(mem.read())
    level = np.array([[-80, -95, -105, -120, np.nan]], dtype=np.float32)
    colours = maps.colour_levels(level)
    assert [tuple(c) for c in colours[0, :4]] == [rgba for _, rgba in maps.LEVEL_CLASSES]
    assert colours[0, 4, 3] == 0


def test_households_are_coloured_by_the_same_mask_as_the_table(sample):
    p = sample.project
    group = maps.household_layer(p.households, sample.coverage.covered["mobile_broadband"],
                                 sample.coverage.grid, "vi")
    gj = next(c for c in group._children.values() if isinstance(c, folium.GeoJson))
    fills = [f["properties"]["style"]["fillColor"] for f in gj.data["features"]]
    assert len(fills) == len(p.households)
    table = sample.hamlets
    assert fills.count(maps._NOT_COVERED) == int(
        (table["households"] - table["households_mobile_broadband"]).sum())
    assert fills.count(maps._NOT_COVERED) >= 190  # Thôn Yên Sơn


def test_every_cell_is_a_wedge_and_planned_sites_are_highlighted(sample):
    sites = sample.project.sites
    group = maps.cell_layer(sites, "en")
    gj = next(c for c in group._children.values() if isinstance(c, folium.GeoJson))
    assert len(gj.data["features"]) == len(sites)
    planned = [f for f in gj.data["features"] if "dashArray" in f["properties"]["style"]]
    assert len(planned) == int((sites["status"] == "planned").sum())
    tip = gj.data["features"][0]["properties"]["tooltip"]
    for word in ("Operator", "Technology", "Band", "Status", "MHz"):
        assert word in tip
    ring = maps.planned_sites_layer(sites, "en")
    markers = [c for c in ring._children.values() if isinstance(c, folium.CircleMarker)]
    positions = sites[sites["status"] == "planned"].geometry.apply(
        lambda g: (round(g.x, 1), round(g.y, 1))).nunique()
    assert len(markers) == positions
    assert maps.planned_sites_layer(sites[sites["status"] != "planned"], "en") is None
    # Wedges point along the azimuth: a 90° cell's wedge lies east of its mast.
    one = sites[(sites["azimuth_deg"] == 100.0)].head(1)
    w = maps.cell_layer(one, "en")
    shape = shapely.geometry.shape(next(c for c in w._children.values()
                                        if isinstance(c, folium.GeoJson)).data["features"][0]
                                   ["geometry"])
    mast = one.to_crs(4326).geometry.iloc[0]
    assert shape.centroid.x > mast.x


def test_fibre_share_layer_appears_when_the_table_has_it(sample):
    import copy
    a = copy.copy(sample)
    a.hamlets = sample.hamlets.drop(columns=["ftth_share", "ftth_covered"], errors="ignore")
    assert maps.LABELS["en"]["hamlets_ftth"] not in _unescape_js(maps.map_html(a, "en"))
    a.hamlets = a.hamlets.assign(ftth_share=[1.0, 0.9, 0.6, 0.0, 1.0, np.nan],
                                      ftth_covered=[True, False, False, False, True, False])
    page = _unescape_js(maps.map_html(a, "en"))
    assert maps.LABELS["en"]["hamlets_ftth"] in page
    assert "Reached by fibre" in page and "Fibre (FTTH)" in page


def test_base_tiles_are_optional_and_off_by_default(sample):
    m = maps.coverage_map(sample, "en")
    assert m.options["max_zoom"] == 19
    assert '"maxZoom": 19' in maps.map_html(m)
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 1 and tiles[0].show is False
    assert maps.LABELS["en"]["osm"] in tiles[0].layer_name
    none = maps.coverage_map(sample, "en", osm_layer=False)
    assert not [c for c in none._children.values() if isinstance(c, folium.TileLayer)]
    shown = maps.coverage_map(sample, "en", tiles="OpenStreetMap")
    tiles = [c for c in shown._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 1 and tiles[0].show is not False


def test_extra_layers_and_their_legend_are_added(sample):
    def towers(analysis, lang):
        group = folium.FeatureGroup(name="Shared towers")
        group.legend_html = '<div class="cg-section">shared-towers-legend</div>'
        return group

    page = maps.map_html(sample, "en", extra_layers=[towers, lambda a, lang: None])
    assert "Shared towers" in page and "shared-towers-legend" in page


# --------------------------------------------------------------------------------------------
# A real browser, no network
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium() -> str:
    exe = find_chromium()
    if exe is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    return exe


# Switch every feature group on, open every tooltip once, and record what they show.
_OPEN_EVERYTHING = """
var map = null, groups = [];
Object.keys(window).forEach(function (k) {
  var v; try { v = window[k]; } catch (e) { return; }
  if (v instanceof L.Map) { map = v; }
  else if (v instanceof L.FeatureGroup && !(v instanceof L.GeoJSON)) { groups.push(v); }
});
groups.forEach(function (g) { map.addLayer(g); });
var texts = [], htmls = [];
function grab(tip) {
  var el = tip && tip.getElement && tip.getElement();
  if (el) { texts.push(el.textContent); htmls.push(el.innerHTML); }
}
function centre(layer) {
  return layer.getCenter ? layer.getCenter() : layer.getLatLng();
}
var all = [];
map.eachLayer(function (l) { all.push(l); });
all.forEach(function (l) {
  if (!(l.getTooltip && l.getTooltip())) { return; }
  if (l instanceof L.FeatureGroup) {  // one tooltip for the layer: hover each feature
    l.eachLayer(function (c) {
      c.fire('mouseover', {latlng: centre(c)}, true);
      grab(l.getTooltip());
      c.fire('mouseout', {latlng: centre(c)}, true);
    });
  } else { l.openTooltip(); grab(l.getTooltip()); }
});
log.tooltips = texts;
log.tooltipHtml = htmls;
log.injected = document.querySelectorAll('img[src="x"], img[src="y"], b[onmouseover]').length;
"""

_SUMMARY = """
log.paths = document.querySelectorAll('path.leaflet-interactive').length;
log.tiles = document.querySelectorAll('.leaflet-tile').length;
log.labels = Array.prototype.map.call(document.querySelectorAll('.leaflet-tooltip.cg-label'),
                                      function (e) { return e.textContent.trim(); });
log.legend = (document.querySelector('.cg-legend') || {}).textContent || '';
log.layerControl = document.querySelectorAll('.leaflet-control-layers input').length;
log.images = document.querySelectorAll('img.leaflet-image-layer').length;
"""


def test_the_saved_map_loads_offline_with_no_console_errors(chromium, sample, sample_page,
                                                            tmp_path):
    page = tmp_path / "probe.html"
    page.write_text(with_probe(sample_page.read_text(encoding="utf-8"), _SUMMARY),
                    encoding="utf-8")
    run = run_chromium(page, dump_dom=True, chromium=chromium)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.probe is not None and run.probe["loaded"], "the page did not finish loading"
    assert run.probe["errors"] == []
    assert run.console == []
    hamlet_names = set(sample.hamlets["name"])
    assert hamlet_names <= set(run.probe["labels"])
    # Hamlets, wedges, fibre, households: SVG paths drawn by Leaflet.
    assert run.probe["paths"] >= len(hamlet_names) + len(sample.project.sites)
    assert run.probe["tiles"] == 0  # nothing was fetched: base tiles are off
    assert run.probe["layerControl"] >= 10
    assert "M4" in run.probe["legend"] and "3/6" in run.probe["legend"]  # at 90 %
    assert 'class="leaflet-interactive"' in run.dom


_PRINT = """
var map = null;
Object.keys(window).forEach(function (k) {
  var v; try { v = window[k]; } catch (e) { return; }
  if (v instanceof L.Map) { map = v; }
});
var c = map.getContainer(), legend = document.querySelector('.cg-legend');
var box = function (el) { var r = el.getBoundingClientRect();
                          return [r.left, r.top, r.right, r.bottom]; };
var before = map.getSize(), zoom = map.getZoom();
window.dispatchEvent(new Event('beforeprint'));
log.print = {legendInMap: c.contains(legend), map: box(c), legend: box(legend),
             svg: box(c.querySelector('.leaflet-overlay-pane svg')),
             size: [map.getSize().x, map.getSize().y]};
window.dispatchEvent(new Event('afterprint'));
log.after = {legendInMap: c.contains(legend), size: [map.getSize().x, map.getSize().y],
             before: [before.x, before.y], zoom: [zoom, map.getZoom()]};
"""


def test_the_map_prints_on_one_sheet_drawn_whole_with_its_legend_beside(chromium, sample_page,
                                                                       tmp_path):
    # found by a review: Ctrl+P printed the layers as drawn for the screen (a blank band
    # below them) under the unfolded legend, which hid the eastern hamlets
    from .browser import printed_pages

    page = tmp_path / "probe.html"
    page.write_text(with_probe(sample_page.read_text(encoding="utf-8"), _PRINT),
                    encoding="utf-8")
    run = run_chromium(page, dump_dom=True, chromium=chromium)
    assert run.probe is not None and run.probe["errors"] == [], run.stderr[-2000:]
    printing, after = run.probe["print"], run.probe["after"]
    mm = 96 / 25.4  # CSS pixels per millimetre
    assert printing["size"] == [pytest.approx(206 * mm, abs=1), pytest.approx(192 * mm, abs=1)]
    assert not printing["legendInMap"] and printing["legend"][0] >= printing["map"][2]
    m, svg = printing["map"], printing["svg"]  # the layers drawn over the whole printed map
    assert svg[0] <= m[0] + 1 and svg[1] <= m[1] + 1 and svg[2] >= m[2] - 1 \
        and svg[3] >= m[3] - 1, (svg, m)
    # and the screen as it was once printed
    assert after["legendInMap"] and after["size"] == after["before"]
    assert after["zoom"][0] == after["zoom"][1]
    assert printed_pages(sample_page, tmp_path / "map.pdf") == 1


def test_a_screenshot_of_the_map_shows_the_data(chromium, sample_page, tmp_path):
    shot = tmp_path / "map.png"
    run = run_chromium(sample_page, screenshot=shot, window_size=(1400, 1000),
                       chromium=chromium)
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    px = png_pixels(shot)[..., :3]
    assert px.shape[:2] == (1000, 1400)
    colours = np.unique(px.reshape(-1, 3), axis=0)
    assert len(colours) > 200
    # The covered hamlets' blue and the short hamlet's dark brown fill are on screen (fill
    # colour at 55 % over the map's background; colour-blind-safe classes, outputs/style.py).
    def blend(fill: str) -> np.ndarray:
        rgb = np.array([int(fill[i:i + 2], 16) for i in (1, 3, 5)])
        return 0.55 * rgb + 0.45 * np.array([0xF4, 0xF3, 0xEF])

    met = np.all(np.abs(px - blend(maps._SHARE_COLOURS[0])) < 12, axis=-1).mean()
    short = np.all(np.abs(px - blend(maps._SHARE_COLOURS[-1])) < 12, axis=-1).mean()
    assert met > 0.05 and short > 0.005, (met, short)


def test_hostile_names_show_as_text_and_run_nothing(chromium, evil_page, tmp_path):
    page = tmp_path / "probe.html"
    page.write_text(with_probe(evil_page.read_text(encoding="utf-8"),
                               _OPEN_EVERYTHING + _SUMMARY), encoding="utf-8")
    run = run_chromium(page, dump_dom=True, chromium=chromium)
    probe = run.probe
    assert probe is not None and probe["loaded"]
    # The title shows the scenario's name as text; an injected handler would have changed it.
    assert probe["title"] == f"{EVIL_SCENARIO} — {maps.LABELS['en']['title']}"
    assert probe["errors"] == [] and run.console == []
    assert probe["injected"] == 0
    # Every hostile string was shown, as text, somewhere: labels or tooltips.
    shown = "\n".join(probe["tooltips"] + probe["labels"])
    for raw in (EVIL_HAMLET, EVIL_HAMLET_2, EVIL_SITE, EVIL_PLANNED, EVIL_OPERATOR, EVIL_JINJA):
        assert raw in shown, raw
    assert EVIL_HAMLET in probe["labels"] and EVIL_HAMLET_2 in probe["labels"]
    assert not any("<img" in h or "<script" in h for h in probe["tooltipHtml"])
    assert EVIL_OPERATOR in probe["legend"]


def test_one_colour_per_operator_on_the_map_the_page_and_the_kmz(tmp_path):
    """A MobiFone tower is drawn in MobiFone's colour on the interactive map, on the printed
    page's SVG map and in the KMZ: the one table of outputs/style.py."""
    import ast
    import xml.etree.ElementTree as ET
    import zipfile

    from coverage_gis.engines.sharing import towers
    from coverage_gis.outputs import exports, style
    from coverage_gis.outputs.report import svg_map

    colour = style.OPERATOR_COLOURS["MobiFone"]
    # one colour per operator: no two operators share one, except VNPT, VinaPhone's network
    named = {c: o for o, c in style.OPERATOR_COLOURS.items() if o != "VNPT"}
    assert len(named) == len(style.OPERATOR_COLOURS) - 1
    assert style.OPERATOR_COLOURS["VNPT"] == style.OPERATOR_COLOURS["VinaPhone"]
    sites = gpd.GeoDataFrame([_cell("M1", X0 + 400, Y0 + 400, operator="MobiFone",
                                    tower_id="TM")], geometry="geometry", crs=UTM)
    gj = next(c for c in maps.cell_layer(sites, "en")._children.values()
              if isinstance(c, folium.GeoJson))
    assert gj.data["features"][0]["properties"]["style"]["fillColor"] == colour
    hamlets = gpd.GeoDataFrame({"hamlet_id": ["T1"], "name": ["Thôn 1"]},
                               geometry=[shapely.box(X0, Y0, X0 + 800, Y0 + 800)], crs=UTM)
    project = Project(scenario=Scenario(name="colours", layers={}), crs=CRS(UTM),
                      hamlets=hamlets, sites=sites)
    svg = svg_map(project, shapely.Point(X0 + 400, Y0 + 400))
    assert re.search(rf'<polygon [^>]*fill="{colour}"[^>]*><title>TM \(MobiFone\)', svg)
    path = exports.write_kmz({"Towers": (towers(sites), "tower_id")}, tmp_path / "t.kmz")
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("doc.kml"))
    kml = "{http://www.opengis.net/kml/2.2}"
    ns = {"k": kml[1:-1]}
    mark = next(root.iter(f"{kml}Placemark"))
    style_id = mark.find("k:styleUrl", ns).text.lstrip("#")
    kml_style = next(s for s in root.iter(f"{kml}Style") if s.get("id") == style_id)
    assert kml_style.find("k:LineStyle/k:color", ns).text == style.kml_colour(colour)
    assert style.kml_colour("#6a3d9a") == "ff9a3d6a"  # aabbggrr
    # and no other output module keeps a table of operator colours of its own
    outputs = Path(maps.__file__).parent
    for module in outputs.glob("*.py"):
        if module.name == "style.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                assert not keys & set(cg.settings.OPERATOR_ALIASES), module.name
