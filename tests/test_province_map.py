"""Maps that stay small and fast at province scale (issue 13, part 3, the map half).

The large study is the sample's analysis made province-sized without running the engines
again: its scenario turned into a study of Thanh Hóa, its hamlets replaced by thousands of
Voronoi cells over the province's real 2025 units, its households by 200,000 points around
them and its coverage raster by a 60 m grid over the whole province. The map only draws
results, so this is what it sees after a real province run (the engines are tested elsewhere).

References are independent of the map code: counts of point features and of SVG/canvas
elements in the saved page, the PNG header's own width and height, households counted per
hamlet with pandas, GDAL's own mode resampling of a block, and Debian's Chromium loading the
page offline.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import struct
import warnings
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from pyproj import CRS

import coverage_gis as cg
from coverage_gis.config import settings
from coverage_gis.engines.coverage import Grid
from coverage_gis.engines.indicators import HamletIndicator
from coverage_gis.io import units as admin
from coverage_gis.outputs import maps
from coverage_gis.outputs.style import OPERATOR_COLOURS

from .browser import find_chromium, png_rgba, run_chromium, with_probe

PROVINCE = "Thanh Hóa"


# --------------------------------------------------------------------------------------------
# A province-sized analysis, made from the sample's
# --------------------------------------------------------------------------------------------

def _jitter(geoms: np.ndarray, step_m: float, amp_m: float) -> np.ndarray:
    """Boundaries made wiggly like surveyed ones: vertices every ``step_m`` moved by up to
    ``amp_m``, by a function of the vertex position (so a shared edge moves alike on both
    sides and the hamlets stay a coverage)."""
    dense = shapely.segmentize(geoms, step_m)

    def move(xy: np.ndarray) -> np.ndarray:
        kx = np.round(xy[:, 0], 1)
        ky = np.round(xy[:, 1], 1)
        return xy + amp_m * np.c_[np.sin(kx * 12.9898 + ky * 78.233),
                                  np.cos(kx * 39.3468 + ky * 11.135)]

    moved = shapely.transform(dense, move)
    return np.where(shapely.is_valid(moved), moved, geoms)  # where short edges would cross


def province_hamlets(n: int, crs: str, seed: int = 3) -> gpd.GeoDataFrame:
    """About ``n`` hamlets over the province: Voronoi cells of random seeds, clipped to the
    province and split along the units; each with the unit holding it."""
    units = admin.select_province(admin.load_units(), PROVINCE).to_crs(crs)
    whole = shapely.union_all(units.geometry.values)
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = whole.bounds
    shapely.prepare(whole)
    pts = np.empty((0, 2))
    while len(pts) < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(2 * n, 2))
        pts = np.vstack([pts, xy[shapely.contains_xy(whole, xy[:, 0], xy[:, 1])]])
    seeds = shapely.points(pts[:n])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), ordered=True))
    unit_of = np.full(n, -1)
    u_idx, p_idx = shapely.STRtree(seeds).query(units.geometry.values, predicate="contains")
    unit_of[p_idx] = u_idx
    geoms = shapely.intersection(cells, units.geometry.values[np.maximum(unit_of, 0)])
    keep = (unit_of >= 0) & ~shapely.is_empty(geoms)
    geoms = _jitter(geoms[keep], 60.0, 8.0)
    k = np.flatnonzero(keep)
    households = rng.integers(40, 400, size=len(k))
    return gpd.GeoDataFrame(
        {"hamlet_id": [f"H{i:05d}" for i in k], "name": [f"Thôn {i}" for i in k],
         "households": households,
         "unit_code": units["unit_code"].to_numpy()[unit_of[k]]},
        geometry=geoms, crs=crs)


def province_households(hamlets: gpd.GeoDataFrame, n: int, seed: int = 4) -> gpd.GeoDataFrame:
    """``n`` households around the hamlets' inner points (shared by the hamlets' weights),
    each with its hamlet; one in fifty with none (outside every hamlet)."""
    rng = np.random.default_rng(seed)
    w = hamlets["households"].to_numpy(float)
    which = rng.choice(len(hamlets), size=n, p=w / w.sum())
    inner = hamlets.geometry.representative_point()
    x = inner.x.to_numpy()[which] + rng.normal(0, 150, n)
    y = inner.y.to_numpy()[which] + rng.normal(0, 150, n)
    hamlet = hamlets["hamlet_id"].to_numpy(object)[which]
    hamlet[rng.random(n) < 0.02] = None
    return gpd.GeoDataFrame({"household_id": [f"P{i}" for i in range(n)], "hamlet_id": hamlet},
                            geometry=gpd.points_from_xy(x, y), crs=hamlets.crs)


def province_grid(crs: str, resolution_m: float) -> tuple[Grid, np.ndarray]:
    """A level raster (dBm) over the province's bounds: smooth hills of signal around
    random masts, NaN far from all of them."""
    units = admin.select_province(admin.load_units(), PROVINCE).to_crs(crs)
    x0, y0, x1, y1 = units.total_bounds
    w = int(np.ceil((x1 - x0) / resolution_m))
    h = int(np.ceil((y1 - y0) / resolution_m))
    grid = Grid(Affine(resolution_m, 0, x0, 0, -resolution_m, y1), w, h, units.crs)
    rng = np.random.default_rng(5)
    xs = grid.x.astype(np.float32)
    ys = grid.y.astype(np.float32)
    level = np.full((h, w), -np.inf, dtype=np.float32)
    for mx, my in rng.uniform((x0, y0), (x1, y1), size=(60, 2)):
        d = np.hypot(xs[None, :] - mx, ys[:, None] - my)
        np.maximum(level, -60.0 - 3.5e-3 * d, out=level)
    level[level < -125] = np.nan
    return grid, level


def province_analysis(sample, n_households: int, n_hamlets: int, resolution_m: float):
    """The sample's analysis as if it were a study of the whole province."""
    project = sample.project
    crs = project.crs
    hamlets = province_hamlets(n_hamlets, crs)
    households = province_households(hamlets, n_households)
    grid, level = province_grid(crs, resolution_m)
    rng = np.random.default_rng(6)
    share = np.clip(rng.beta(6, 1.2, len(hamlets)), 0, 1).round(4)
    ftth = np.clip(rng.beta(3, 1.5, len(hamlets)), 0, 1).round(4)
    table = pd.DataFrame({
        "hamlet_id": hamlets["hamlet_id"], "unit_code": hamlets["unit_code"],
        "name": hamlets["name"], "households": hamlets["households"],
        "mobile_broadband_share": share, "share_4g": share, "share_5g": (share * 0.2).round(4),
        "mobile_broadband_covered": share >= 0.95, "ftth_share": ftth,
        "ftth_covered": ftth >= 0.8})
    m4 = dataclasses.replace(sample.indicators.m4, hamlets=len(table),
                             covered_hamlets=int(table["mobile_broadband_covered"].sum()))
    f2 = HamletIndicator("F2", int(table["ftth_covered"].sum()), len(table), (), 1.0, "ftth")
    scenario = dataclasses.replace(project.scenario, province=PROVINCE, unit=None,
                                   plan_unit=None)
    big_project = dataclasses.replace(project, scenario=scenario,
                                      hamlets=hamlets.drop(columns="unit_code"),
                                      households=households)
    coverage = dataclasses.replace(
        sample.coverage, grid=grid, level_dbm={"4G": level},
        covered={"mobile_broadband": np.nan_to_num(level, nan=-999) >= -110})
    reach = households.assign(passed=rng.random(len(households)) < 0.7)
    fibre = dataclasses.replace(sample.fibre, reach=reach)
    return dataclasses.replace(
        sample, project=big_project, hamlets=table, coverage=coverage, fibre=fibre,
        indicators=dataclasses.replace(sample.indicators, m4=m4, f2=f2))


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cg.analyze(cg.load_project())


@pytest.fixture(scope="module")
def big(sample):
    """The province-sized analysis: 200,000 households, about 5,000 hamlets, 60 m raster."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return province_analysis(sample, 200_000, 5_000, 60.0)


@pytest.fixture(scope="module")
def big_map(big):
    return maps.coverage_map(big, "en")


@pytest.fixture(scope="module")
def big_page(big_map, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("province_map") / "map.html"
    maps.save_map(big_map, path)
    return path


def _point_features(page: str) -> int:
    """Point features written in the page, by folium (spaced JSON) or compactly."""
    return len(re.findall(r'"type":\s*"Point"', page))


def _layers(m: folium.Map, cls: type) -> list:
    """Every element of class ``cls`` anywhere in the map."""
    found, todo = [], [m]
    while todo:
        el = todo.pop()
        if isinstance(el, cls):
            found.append(el)
        todo.extend(el._children.values())
    return found


def _group_named(m: folium.Map, name: str) -> folium.FeatureGroup:
    return next(g for g in _layers(m, folium.FeatureGroup) if g.layer_name == name)


def _png_size(data_uri: str) -> tuple[int, int]:
    """(width, height) from the PNG's IHDR chunk."""
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR"
    return struct.unpack(">II", raw[16:24])


# --------------------------------------------------------------------------------------------
# Size, and no element per household
# --------------------------------------------------------------------------------------------

def test_big_map_stays_small_and_draws_no_household_one_by_one(big, big_page):
    page = big_page.read_text(encoding="utf-8")
    assert big_page.stat().st_size < 12e6, big_page.stat().st_size
    hh = big.project.households
    assert len(hh) == 200_000
    # What per-hamlet drawing may hold: one circle per hamlet and per 1 km square of the
    # households in none, in each of the two household layers (coverage, fibre), plus the
    # sample's own points (sites, access points, ...); counted here with pandas.
    outside = hh[hh["hamlet_id"].isna()]
    squares = len(pd.DataFrame({"i": np.floor(outside.geometry.x / 1000),
                                "j": np.floor(outside.geometry.y / 1000)}).drop_duplicates())
    groups = hh["hamlet_id"].nunique() + squares
    points = _point_features(page)
    assert points <= 2 * groups + 500, (points, groups)
    assert points < len(hh) / 10


def test_map_size_does_not_grow_with_the_households(big, big_page, tmp_path):
    """The same province with a quarter of the households: the page is about as large."""
    keep = np.random.default_rng(9).random(len(big.project.households)) < 0.25
    hh = big.project.households[keep]
    fewer = dataclasses.replace(
        big, project=dataclasses.replace(big.project, households=hh),
        fibre=dataclasses.replace(big.fibre, reach=big.fibre.reach[keep]))
    path = maps.save_map(maps.coverage_map(fewer, "en"), tmp_path / "fewer.html")
    small, large = path.stat().st_size, big_page.stat().st_size
    assert abs(large - small) < 0.1 * small, (small, large)


def test_the_sample_map_still_draws_each_household(sample):
    m = maps.coverage_map(sample, "en")
    group = _group_named(m, maps.LABELS["en"]["households"])
    gj = next(c for c in group._children.values() if isinstance(c, folium.GeoJson))
    assert len(gj.data["features"]) == len(sample.project.households) == 1350
    assert not m.options.get("prefer_canvas")  # the sample keeps its SVG elements
    assert _point_features(maps.offline_html(m)) >= 2 * 1350  # coverage and fibre layers


def test_households_are_counted_per_hamlet_and_per_square(big):
    hh = big.project.households.iloc[:20_000]
    flag = np.arange(len(hh)) % 3 == 0
    groups = maps.household_groups(hh, flag, {"H00001": "Thôn 1"})
    by_hand = hh.assign(f=flag).groupby("hamlet_id")["f"].agg(["size", "sum"])
    mine = groups.dropna(subset=["hamlet_id"]).set_index("hamlet_id")
    assert sorted(mine.index) == sorted(by_hand.index)
    assert (mine.loc[by_hand.index, "households"] == by_hand["size"]).all()
    assert (mine.loc[by_hand.index, "yes"] == by_hand["sum"]).all()
    out = hh[hh["hamlet_id"].isna()]
    cells = pd.Series(1, index=pd.MultiIndex.from_arrays(
        [np.floor(out.geometry.x / 1000), np.floor(out.geometry.y / 1000)])).groupby(
        level=[0, 1]).size()
    squares = groups[groups["hamlet_id"].isna()]
    assert sorted(squares["households"]) == sorted(cells)
    assert groups["households"].sum() == len(hh)
    # the circle sits where its households are: their mean position
    one = hh[hh["hamlet_id"] == by_hand.index[0]]
    at = mine.loc[by_hand.index[0]].geometry
    assert abs(at.x - one.geometry.x.mean()) < 1e-6 and abs(at.y - one.geometry.y.mean()) < 1e-6


def test_household_circles_say_how_many_and_what_share(big_map):
    t = maps.LABELS["en"]
    group = _group_named(big_map, f"{t['households']} ({t['per_hamlet']})")
    layer = next(c for c in group._children.values() if isinstance(c, maps._LightGeoJson))
    feats = json.loads(layer.data)["features"]
    spec = json.loads(layer.spec)
    assert spec["labels"] == [t["households_count"], t["household_covered"],
                              t["share_of_households"]]
    for f in feats[:200]:
        n, yes, share = f["properties"]["v"]
        n, yes = int(n.replace(",", "")), int(yes.replace(",", ""))
        assert 0 <= yes <= n
        colour = spec["styles"][f["properties"]["c"]]["fillColor"]
        assert colour == maps._share_colour(yes / n, settings.MOBILE_BROADBAND_HAMLET_SHARE)
    radii = [f["properties"]["r"] for f in feats]
    assert min(radii) >= maps.HOUSEHOLD_RADIUS_PX[0] and max(radii) <= maps.HOUSEHOLD_RADIUS_PX[1]


# --------------------------------------------------------------------------------------------
# Rasters within the pixel budget
# --------------------------------------------------------------------------------------------

def test_raster_overlays_fit_the_pixel_budget(big, big_map):
    overlays = _layers(big_map, folium.raster_layers.ImageOverlay)
    assert overlays
    g = big.coverage.grid
    assert max(g.width, g.height) > settings.MAP_RASTER_MAX_PX  # so it had to shrink
    for ov in overlays:
        w, h = _png_size(ov.url)
        assert max(w, h) == settings.MAP_RASTER_MAX_PX, (w, h)
        # the same bounds as the grid's in lat/lon (one grid pixel is about 0.0006°)
        (south, west), (north, east) = ov.bounds
        lon0, lat0, lon1, lat1 = gpd.GeoSeries(
            [shapely.box(*g.transform * (0, g.height), *g.transform * (g.width, 0))],
            crs=g.crs).to_crs(4326).total_bounds
        assert abs(west - lon0) < 0.003 and abs(east - lon1) < 0.003
        assert abs(south - lat0) < 0.003 and abs(north - lat1) < 0.003


def test_downsampled_classes_are_the_mode_of_each_block():
    """A raster already in Web Mercator shrunk three times: each image pixel takes the class
    most of its 3 x 3 source pixels have (counted here with numpy)."""
    n = 90
    rng = np.random.default_rng(2)
    levels = np.array([-85.0, -95.0, -105.0, -115.0], dtype=np.float32)
    # each block: one class on 5 pixels, others scattered on 4
    blocks = rng.integers(0, 4, size=(n // 3, n // 3))
    level = levels[rng.integers(0, 4, size=(n, n))]
    for (i, j), k in np.ndenumerate(blocks):
        block = level[3 * i:3 * i + 3, 3 * j:3 * j + 3].copy().ravel()
        others = [x for x in range(4) if x != k]
        block[:] = levels[[k] * 5 + [others[0], others[1], others[2], others[0]]]
        level[3 * i:3 * i + 3, 3 * j:3 * j + 3] = rng.permutation(block).reshape(3, 3)
    x0, y0 = 11_780_000.0, 2_280_000.0  # Web Mercator metres, about 105.8° E, 20.3° N
    grid = Grid(Affine(30.0, 0, x0, 0, -30.0, y0), n, n, CRS_3857)
    url, _ = maps.raster_overlay(level, grid, max_px=n // 3)
    rgba = _decode(url)
    assert rgba.shape[:2] == (n // 3, n // 3)
    colours = np.array([rgba_ for _, rgba_ in maps.LEVEL_CLASSES], dtype=np.uint8)
    assert (rgba == colours[blocks]).all()


def test_small_rasters_keep_every_pixel(sample):
    """Within the budget the image is the full-resolution reprojection, drawn
    ``settings.MAP_RASTER_OVERSAMPLE`` times finer so that no grid cell is dropped (a
    review found one-cell gaps of the coverage gone): every cell of the grid is seen."""
    g = sample.coverage.grid
    level = sample.coverage.level_dbm["4G"]
    url, _ = maps.raster_overlay(level, g)
    native, _ = maps.to_web_mercator(level, g)
    k = settings.MAP_RASTER_OVERSAMPLE
    merc, _ = maps.reproject_grid(level, g, 3857, oversample=k)
    assert _png_size(url) == (merc.shape[1], merc.shape[0]) == (native.shape[1] * k,
                                                                  native.shape[0] * k)
    assert (_decode(url) == maps.colour_levels(merc)).all()
    # every computed cell appears: the cells' classes drawn are those of the grid
    drawn = maps.level_classes(merc)
    assert set(np.unique(drawn[drawn > 0])) == set(np.unique(
        maps.level_classes(level)[np.isfinite(level)]))


def test_a_geotiff_is_read_from_its_overview(tmp_path):
    """A COG of 3000 x 3000 pixels with overviews: the map reads an overview no smaller than
    the budget, and the image fits the budget."""
    from coverage_gis.io.files import write_geotiff

    n = 3000
    grid = Grid(Affine(30.0, 0, 11_780_000.0, 0, -30.0, 2_280_000.0), n, n, CRS_3857)
    yy, xx = np.mgrid[0:n, 0:n]
    level = (-70.0 - 0.02 * np.hypot(xx - n / 2, yy - n / 2)).astype(np.float32)
    level[:100] = np.nan
    path = write_geotiff(tmp_path / "level.tif", level, grid, nodata=-9999.0,
                         description="RSRP")
    import rasterio

    with rasterio.open(path) as ds:
        assert ds.overviews(1)  # the writer made overviews
    arr, g = maps._read_overview(path, 1024)
    assert 1024 <= max(g.width, g.height) < n  # an overview, not the full raster
    url, bounds = maps.raster_overlay(path, None, max_px=1024)
    assert max(_png_size(url)) == 1024
    rgba = _decode(url)
    assert {tuple(c) for c in np.unique(rgba[rgba[..., 3] > 0], axis=0)} <= {
        rgba_ for _, rgba_ in maps.LEVEL_CLASSES}


# --------------------------------------------------------------------------------------------
# Units and hamlets: simplified, light
# --------------------------------------------------------------------------------------------

def test_units_are_coloured_by_their_m4(big, big_map):
    t = maps.LABELS["en"]
    group = _group_named(big_map, t["units_m4"])
    layer = next(c for c in group._children.values() if isinstance(c, maps._LightGeoJson))
    feats = json.loads(layer.data)["features"]
    spec = json.loads(layer.spec)
    assert len(feats) == 166
    table = big.hamlets
    by_hand = table.groupby("unit_code")["mobile_broadband_covered"].agg(["sum", "size"])
    for f in feats:
        code = f["properties"]["n"].split(" ", 1)[0]
        covered, total = by_hand.loc[code] if code in by_hand.index else (0, 0)
        expected = maps._share_colour(covered / total if total else np.nan, 1.0)
        assert spec["styles"][f["properties"]["c"]]["fillColor"] == expected, code
        m4, m5, f2 = f["properties"]["v"]
        assert m4.startswith(f"{covered}/{total} ") or (total == 0 and m4 == "–")
        assert "/" in f2 or f2 == "–"
    assert spec["labels"] == [t["m4_short"], t["m5_short"], t["f2_short"]]
    # outlines simplified: far fewer vertices than the bundled units (122,575)
    verts = len(re.findall(r"\[-?\d+\.?\d*,-?\d+\.?\d*\]", layer.data))
    assert verts < 40_000, verts
    # and the units, not the hamlets, are shown first; both are exclusive choices
    assert group.show and not _group_named(big_map, t["hamlets_mbb"]).show


def test_hamlets_are_light_and_simplified(big, big_map):
    data = _layers(big_map, maps._DataVar)
    assert len(data) == 1  # written once, shared by two colourings and the names
    feats = json.loads(data[0].json)["features"]
    assert len(feats) == len(big.project.hamlets)
    coords = re.findall(r"-?\d+\.\d+", data[0].json.split('"properties"', 1)[0])
    assert all(len(c.split(".")[1]) <= settings.MAP_LIGHT_DECIMALS for c in coords)
    drawn = sum(len(c) for f in feats for c in _rings(f["geometry"]))
    original = int(shapely.get_num_coordinates(big.project.hamlets.geometry.values).sum())
    assert drawn < 0.5 * original, (drawn, original)
    assert {k for f in feats for k in f["properties"]} <= {"n", "v", "s", "c"}
    assert not _group_named(big_map, maps.LABELS["en"]["hamlet_names"]).show


def test_simplification_keeps_shared_edges_shared():
    """Four squares with wiggly shared edges, simplified as one coverage: still no gaps or
    overlaps (their union's area is the four squares'), and fewer vertices."""
    squares = [shapely.box(x, y, x + 1000, y + 1000) for x in (0, 1000) for y in (0, 1000)]
    wiggly = shapely.segmentize(np.array(squares), 20.0)

    def move(xy):
        return xy + 2.0 * np.c_[np.sin(xy[:, 1] / 7.0), np.sin(xy[:, 0] / 7.0)] * (
            (xy % 1000 != 0).all(axis=1))[:, None]

    wiggly = shapely.transform(wiggly, move)
    assert shapely.coverage_is_valid(wiggly)
    out = maps.simplify_for_display(gpd.GeoSeries(wiggly, crs="EPSG:32648"), 15.0)
    assert shapely.coverage_is_valid(out.values)
    assert abs(shapely.union_all(out.values).area - 4e6) < 1.0
    assert shapely.get_num_coordinates(out.values).sum() < shapely.get_num_coordinates(
        wiggly).sum() / 4


def _many_cells(sample, n: int) -> gpd.GeoDataFrame:
    sites = sample.project.sites
    rng = np.random.default_rng(8)
    many = sites.iloc[rng.integers(0, len(sites), n)].copy()
    many["geometry"] = shapely.points(many.geometry.x + rng.uniform(-5e4, 5e4, n),
                                      many.geometry.y + rng.uniform(-5e4, 5e4, n))
    many["site_id"] = [f"C{i}" for i in range(n)]
    return gpd.GeoDataFrame(many, crs=sites.crs)


def _page_bytes(group: folium.FeatureGroup) -> int:
    m = maps.OfflineMap(tiles=None)
    group.add_to(m)
    return len(maps.offline_html(m).encode())


def test_many_cells_are_drawn_light(sample, monkeypatch):
    """The same 600 cells above and below the threshold: one wedge each either way, in the
    operator's colour, with the same tooltip values; the light page a fraction of the size."""
    cells = _many_cells(sample, 600)
    detailed = maps.cell_layer(cells, "en")
    monkeypatch.setattr(settings, "MAP_CELLS_DETAILED_MAX", 500)
    light = maps.cell_layer(cells, "en")
    layer = next(c for c in light._children.values() if isinstance(c, maps._LightGeoJson))
    feats = json.loads(layer.data)["features"]
    spec = json.loads(layer.spec)
    assert len(feats) == len(cells)
    expected = {op: colour for op, colour in OPERATOR_COLOURS.items()}
    for f in feats:
        op = f["properties"]["v"][0]
        assert spec["styles"][f["properties"]["c"]]["fillColor"] == expected[op]
    gj = next(c for c in detailed._children.values() if isinstance(c, folium.GeoJson))
    tips = {re.search(r"<b>(.*?)</b>", g["properties"]["tooltip"]).group(1):
            re.findall(r"<td>(.*?)</td>", g["properties"]["tooltip"]) for g in gj.data["features"]}
    assert all(tips[f["properties"]["n"]] == f["properties"]["v"] for f in feats)
    assert _page_bytes(light) < 0.4 * _page_bytes(detailed)
    radius = maps.signal_radius_layer(sample.signal_radius.sample(600, replace=True,
                                                                  random_state=1), "en")
    assert any(isinstance(c, maps._LightGeoJson) for c in radius._children.values())


def test_many_roads_are_drawn_light(monkeypatch):
    lines = gpd.GeoSeries([shapely.LineString([(x, 0), (x + 3, 500), (x, 1000)])
                           for x in range(0, 600_000, 100)], crs="EPSG:32648")
    roads = gpd.GeoDataFrame(geometry=lines.translate(300_000, 2_200_000))
    monkeypatch.setattr(settings, "MAP_LINES_DETAILED_MAX", 1000)
    group = maps.roads_layer(roads, "en")
    layer = next(c for c in group._children.values() if isinstance(c, maps._LightGeoJson))
    feats = json.loads(layer.data)["features"]
    # one multi-line: a feature's own JSON would cost more than a road's few vertices
    assert len(feats) == 1 and feats[0]["geometry"]["type"] == "MultiLineString"
    parts = feats[0]["geometry"]["coordinates"]
    assert len(parts) == len(roads) == 6000
    # the 3 m kink is below the 5 m tolerance: each road is drawn as its two ends
    assert {len(p) for p in parts} == {2}


# --------------------------------------------------------------------------------------------
# In a browser
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    exe = find_chromium()
    if exe is None:
        pytest.skip("chromium not installed")
    return exe


_PROBE = """
log.canvas = document.querySelectorAll('canvas.leaflet-zoom-animated').length;
log.paths = document.querySelectorAll('path.leaflet-interactive').length;
log.legend = (document.querySelector('.cg-legend') || {}).textContent || '';
log.images = document.querySelectorAll('img.leaflet-image-layer').length;
"""


def test_the_big_map_opens_offline_with_no_errors(chromium, big_page, tmp_path):
    page = tmp_path / "probe.html"
    page.write_text(with_probe(big_page.read_text(encoding="utf-8"), _PROBE), encoding="utf-8")
    run = run_chromium(page, dump_dom=True, chromium=chromium, budget_ms=20000,
                       timeout_s=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.probe is not None and run.probe["loaded"], "the page did not finish loading"
    assert run.probe["errors"] == []
    assert run.console == []
    assert run.probe["canvas"] >= 1 and run.probe["paths"] == 0  # drawn on a canvas
    assert maps.LABELS["en"]["units_m4"] in run.probe["legend"]


_NAMES = r"""
var map = window[Object.keys(window).filter(function (k) {
  return /^map_/.test(k) && window[k] && window[k].setZoom; })[0]];
function written() {  // less those fading out (Leaflet removes them 200 ms later)
  return Array.prototype.filter.call(document.querySelectorAll('.leaflet-tooltip.cg-label'),
    function (e) { return e.style.opacity !== '0'; });
}
function labels() {
  var els = written();
  return [els.length, Array.prototype.filter.call(els, function (e) {
    return e.style.visibility !== 'hidden'; }).length];
}
log.before = labels();
document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(function (l) {
  if (l.textContent.trim() === %s) { l.querySelector('input').click(); }
});
setTimeout(function () {
  log.on = labels();
  map.setZoom(map.getZoom() + 4, {animate: false});
  setTimeout(function () {
    log.zoomed = labels();
    var box = map.getContainer().getBoundingClientRect();
    log.offscreen = written().filter(function (e) {
        var r = e.getBoundingClientRect();
        return r.right < box.left - 50 || r.left > box.right + 50 ||
               r.bottom < box.top - 50 || r.top > box.bottom + 50; }).length;
  }, 60);
}, 60);
"""


def test_province_names_are_written_for_the_view_only(chromium, big, big_page, tmp_path):
    """Turning the names of a province's 5,000 hamlets on wrote 5,000 permanent labels,
    laid out one by one (43 s in Chromium for the benchmark's province): only the names of
    the hamlets in view are written, the largest first, at most
    settings.MAP_NAMES_IN_VIEW_MAX, and those that would overlap are hidden."""
    name = json.dumps(maps.LABELS["en"]["hamlet_names"])
    page = tmp_path / "names.html"
    page.write_text(with_probe(big_page.read_text(encoding="utf-8"), _NAMES % name),
                    encoding="utf-8")
    run = run_chromium(page, dump_dom=True, chromium=chromium, budget_ms=20000,
                       timeout_s=300)
    probe = run.probe
    assert probe is not None and probe["loaded"] and probe["errors"] == [], run.stderr[-2000:]
    assert len(big.project.hamlets) > settings.MAP_NAMES_IN_VIEW_MAX
    assert probe["before"] == [0, 0]               # names off at start
    written, shown = probe["on"]
    assert written == settings.MAP_NAMES_IN_VIEW_MAX and 0 < shown < written
    # zoomed in: the names of the hamlets now in view, none far outside it
    written, shown = probe["zoomed"]
    assert 0 < written <= settings.MAP_NAMES_IN_VIEW_MAX and shown > 0
    assert probe["offscreen"] == 0


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

CRS_3857 = CRS.from_epsg(3857)


def _decode(data_uri: str) -> np.ndarray:
    """The RGBA pixels of a PNG data URI (a palette expanded, as a browser does)."""
    return png_rgba(base64.b64decode(data_uri.split(",", 1)[1]))


def _rings(geometry: dict) -> list:
    """The coordinate rings of a GeoJSON (Multi)Polygon."""
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    return [ring for poly in geometry["coordinates"] for ring in poly]


def test_many_fibre_extensions_are_one_light_layer():
    """A province's fibre extensions (here 6,000 densified lines, a vertex every 10 m) are
    one light GeoJSON layer, simplified for display: the page grows by a few hundred bytes a
    line, not by a Leaflet polyline and tooltip each; each line keeps its hamlet (escaped),
    length and households in its tooltip."""
    n = settings.MAP_LINES_DETAILED_MAX + 1000
    x0, y0 = 560_000.0, 2_200_000.0
    lines = [shapely.LineString(np.c_[x0 + (k % 80) * 700 + np.arange(0, 500, 10.0),
                                      np.full(50, y0 + (k // 80) * 700)]) for k in range(n)]
    ext = gpd.GeoDataFrame({"hamlet_id": [f"T{k}<b>" for k in range(n)],
                            "length_m": 490.0, "households_added": 7},
                           geometry=lines, crs="EPSG:32648")
    # a hamlet whose rule cannot be met has no cable: an empty line, not drawn (and no
    # geopandas warning on the console: pyproject's filterwarnings makes it an error)
    ext = pd.concat([ext, gpd.GeoDataFrame({"hamlet_id": ["none"], "length_m": np.nan,
                                            "households_added": 0},
                                           geometry=[shapely.LineString()], crs=ext.crs)],
                    ignore_index=True)
    group = maps.fibre_extensions_layer(ext, lang="en")
    m = folium.Map(tiles=None)
    group.add_to(m)
    html = m.get_root().render()
    assert html.count("L.polyline(") == 0
    assert len(_layers(m, maps._LightGeoJson)) == 1
    assert len(html) < 200 * n
    assert "T17&lt;b&gt;" in html and "T17<b>" not in html
    assert '"v":["490 m","7"]' in html
    # simplified: a straight line keeps its two ends
    coords = re.findall(r'"geometry":\{"type":"LineString","coordinates":(\[\[.*?\]\])\}', html)
    assert len(coords) == n and all(json.loads(c).__len__() == 2 for c in coords[:50])
    # a commune's few extensions stay detailed
    assert "L.polyline(" in folium.Map(tiles=None).add_child(
        maps.fibre_extensions_layer(ext.iloc[:3], lang="en")).get_root().render()


def test_the_province_map_starts_with_units_hamlets_and_households(big, big_map, sample):
    """At province size the network's detail layers (cells, fibre, boxes, sharing lines,
    suggested sites, extensions) are in the layer list but switched off, so that the units'
    choropleth, the hamlets and the households show first; a commune's map shows them."""
    t = maps.labels("en")
    names = {g.layer_name: g.show for g in _layers(big_map, folium.FeatureGroup)}
    assert names[maps._text(t["cells"])] is False
    small = {g.layer_name: g.show for g in _layers(maps.coverage_map(sample, "en"),
                                                    folium.FeatureGroup)}
    assert small[maps._text(t["cells"])] is True
    for key in ("fibre", "access_points", "sharing_candidates", "suggested_sites",
                "fibre_extensions"):
        if maps._text(t[key]) in names:
            assert names[maps._text(t[key])] is False, key
            assert small.get(maps._text(t[key]), True) is True, key


def test_the_province_report_map_is_an_overview(big, sample):
    """report.html's map at province size: hamlet names and towers as tooltips or left out
    (5,000 names on 760 px cannot be read), geometry simplified to half a pixel, a scale bar
    in kilometres; a commune's report map keeps its names, towers and metre scale."""
    from coverage_gis.outputs import report
    from coverage_gis.outputs.indicators import scorecard_table

    def svg_of(analysis) -> str:
        html = report.report_html(analysis, scorecard_table(analysis.scorecard,
                                                            analysis.indicators))
        return re.search(r"<svg.*?</svg>", html, re.S).group(0)

    # the synthetic province's F2 carries no rule of its own: the sample's
    f2 = dataclasses.replace(big.indicators.f2, rule_params=sample.indicators.f2.rule_params)
    big = dataclasses.replace(big, indicators=dataclasses.replace(big.indicators, f2=f2))
    big_svg, small_svg = svg_of(big), svg_of(sample)
    assert len(big.project.hamlets) > settings.MAP_HAMLETS_DETAILED_MAX
    assert big_svg.count("<title>") >= len(big.project.hamlets)  # each hamlet's tooltip
    assert big_svg.count("<text") <= 3 + len(big.suggestions if big.suggestions is not None
                                             else ())
    assert "<polygon" not in big_svg and re.search(r">\d+ km</text>", big_svg)
    # half a pixel: no path vertex closer than that to the straight line of its neighbours
    # would change the drawing; simplified, the page is far smaller than the vertices
    vertices = int(shapely.get_num_coordinates(big.project.hamlets.geometry.values).sum())
    assert big_svg.count(" L") < vertices / 2
    assert "<polygon" in small_svg and re.search(r">\d+ m</text>", small_svg)
    names = [str(n) for n in sample.project.hamlets["name"]]
    assert all(f">{report.escape(n)}</text>" in small_svg for n in names)


def test_many_fibre_routes_are_one_light_layer(monkeypatch):
    """A province's fibre networks (more lines than settings.MAP_LINES_DETAILED_MAX) are one
    light layer, simplified for display, each operator's style written once: the detailed
    layer wrote a style and a tooltip's HTML per route (2.3 MB for the synthetic province's
    3,279 routes), so a real province's networks could take map.html past its 20 MB. The
    tooltips say the same, escaped; a commune's few routes stay detailed."""
    monkeypatch.setattr(settings, "MAP_LINES_DETAILED_MAX", 500)
    n = 800
    x0, y0 = 560_000.0, 2_200_000.0
    lines = [shapely.LineString(np.c_[x0 + (k % 40) * 700 + np.arange(0, 500, 10.0),
                                      np.full(50, y0 + (k // 40) * 700)]) for k in range(n)]
    routes = gpd.GeoDataFrame({"route_id": [f"F{k}" for k in range(n)],
                               "name": [f"Tuyến {k} <i>" for k in range(n)],
                               "operator": ["Viettel", "VNPT"] * (n // 2)},
                              geometry=lines, crs="EPSG:32648")
    routes.loc[5, "route_id"] = None
    page = folium.Map(tiles=None).add_child(maps.fibre_layer(routes, "en")).get_root().render()
    light = json.loads(re.search(r'var p = (\{"styles".*?\});', page).group(1))
    assert len(light["styles"]) == 2 and light["labels"] == ["Route", "Operator"]
    assert page.count('"c":0') == page.count('"c":1') == n // 2
    assert '"n":"Tuyến 7 &lt;i&gt;","v":["F7","VNPT"]' in page and "<i>" not in page
    assert '"n":"Tuyến 5 &lt;i&gt;","v":["","VNPT"]' in page  # no route id: an empty row
    coords = re.findall(r'"geometry":\{"type":"LineString","coordinates":(\[\[.*?\]\])\}', page)
    assert len(coords) == n and all(len(json.loads(c)) == 2 for c in coords[:50])
    # the detailed layer: the same colours (the legend's), a polyline's tooltip each
    detailed = folium.Map(tiles=None).add_child(
        maps.fibre_layer(routes.iloc[:3], "en")).get_root().render()
    assert "LightGeoJson" not in detailed and '"tooltip": ' in detailed
    assert len(page) < 200 * n
