#!/usr/bin/env python3
"""Generate the ILLUSTRATIVE sample dataset of Quang Trung commune (Bỉm Sơn, Thanh Hóa).

Run from the repository root:

    python data/make_sample.py

Everything here is deterministic: one random generator, ``numpy.random.default_rng(20251)``,
is created in ``main()`` and handed to the builders in a fixed order, and every file is
written with fixed metadata (GeoTIFF date tag, GeoPackage timestamp), so a rerun gives
byte-identical files.

What is real and what is invented is spelled out in ``data/README.md``.  In short: the town
outline is real (dvhcvn, unit 381) and the commune's area, centre, population, household count,
road/railway names and the operators' bands follow public sources; the commune polygon is
*derived* from the town outline to match the published area; hamlets, roads' exact courses,
houses, towers, fibre, DEM and statistics are invented but plausible.

All geometry is designed in UTM zone 48N (EPSG:32648) metres, relative to the commune centre
(20.065 N, 105.862 E), and converted to EPSG:4326 lon/lat on write (except the DEM, which stays
in UTM, and the access points, which are given in VN-2000 / TM-3 zone 482, EPSG:5897).
"""
from __future__ import annotations

import csv
import heapq
import io
import math
import os
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import polygonize, unary_union

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------
SEED = 20251
WGS84 = "EPSG:4326"
UTM = "EPSG:32648"          # WGS 84 / UTM zone 48N: the metric CRS the data are designed in
VN2000_TM3_482 = "EPSG:5897"  # VN-2000 / TM-3 zone 482 (Thanh Hóa cadastral CRS)

DATA = Path(__file__).resolve().parent
# The real town outline lives in the project's shared/ folder, beside the repository.
TOWN_OUTLINE_CANDIDATES = [
    DATA.parent.parent / "shared" / "reference" / "bim_son_town_boundary.geojson",
    Path("/work/shared/reference/bim_son_town_boundary.geojson"),
]

CENTRE_LONLAT = (105.862, 20.065)     # published centre of Quang Trung commune
COMMUNE_AREA_KM2 = 7.08               # published area (708 ha)
COMMUNE_NAME = "Xã Quang Trung"
COMMUNE_GSO_CODE = "14824"

LL_DECIMALS = 7                        # ~1 cm: precision of written lon/lat for points/lines
GPKG_DATE = "2025-06-30T00:00:00Z"     # fixed GeoPackage timestamp (reproducible output)
TIFF_DATE = "2025:06:30 00:00:00"      # fixed TIFFTAG_DATETIME

_to_utm = Transformer.from_crs(WGS84, UTM, always_xy=True)
_to_ll = Transformer.from_crs(UTM, WGS84, always_xy=True)
CX, CY = _to_utm.transform(*CENTRE_LONLAT)   # commune centre in UTM metres


def P(x: float, y: float) -> tuple[float, float]:
    """Design coordinates (metres east/north of the commune centre) -> UTM."""
    return (CX + x, CY + y)


def utm_to_ll_geom(g):
    return shapely.transform(g, lambda a: np.column_stack(_to_ll.transform(a[:, 0], a[:, 1])))


def ll_to_utm_geom(g):
    return shapely.transform(g, lambda a: np.column_stack(_to_utm.transform(a[:, 0], a[:, 1])))


def round_ll(g, nd=LL_DECIMALS):
    return shapely.transform(g, lambda a: np.round(a, nd))


# --------------------------------------------------------------------------------------------
# Hamlet design (illustrative: no public hamlet boundaries or coordinates exist)
# --------------------------------------------------------------------------------------------
# id, illustrative name, households, population, village centre (design metres), village radius,
# orientation of the village lane grid (degrees from east)
HAMLETS = [
    ("QT01", "Thôn Tân Lập", 250, 918, (-850, 470), 250, 15),
    ("QT02", "Thôn Đồng Tâm", 260, 960, (130, 650), 270, 10),
    ("QT03", "Thôn Trung Hòa", 205, 760, (1450, 450), 220, 75),
    ("QT04", "Thôn Yên Sơn", 190, 712, (-1850, -200), 220, 5),
    ("QT05", "Thôn Thắng Lợi", 265, 979, (-450, -620), 290, -20),
    ("QT06", "Thôn Bình Minh", 180, 660, (1250, -600), 210, 80),
]
HAMLET_4G_SHORT = "QT04"     # west/south-west, behind the limestone ridge: 2G/3G only
HAMLET_FIBRE_SHORT = "QT06"  # south-east, across the railway: no fibre box within reach

# Internal hamlet boundaries (design metres); each line runs past the commune outline or ends
# on another line, so that polygonizing them with the commune outline gives exactly 6 faces.
HAMLET_LINES = [
    # QT04 | rest
    [(-1560, 1400), (-1440, 600), (-1420, 250), (-1450, -300), (-1390, -800), (-1360, -1600)],
    [(-1428, 150), (-900, 120), (-400, 120)],                 # QT01 | QT05
    [(-400, 120), (-380, 600), (-300, 1000), (-250, 1700)],   # QT01 | QT02
    [(-400, 120), (100, 90), (980, 20)],                      # QT02 | QT05
    [(980, 20), (960, 500), (1110, 1000), (1270, 1700)],      # QT02 | QT03 (W of rail)
    [(980, 20), (1400, -80), (2500, -150)],                   # QT03 | QT06
    [(980, 20), (780, -500), (620, -1000), (450, -1800)],     # QT05 | QT06 (E of rail)
]

# The limestone ridge between QT04 and the rest of the commune (design metres): centreline,
# crest heights (m above the plain) at its vertices; the saddle lets QL217B through.
RIDGE_LINE = [(-1395, -830), (-1370, -450), (-1350, -50), (-1365, 200), (-1385, 420), (-1420, 760)]
RIDGE_CREST = [35.0, 95.0, 110.0, 26.0, 80.0, 60.0]
RIDGE_HALF_WIDTH = 70.0


# --------------------------------------------------------------------------------------------
# Small utilities
# --------------------------------------------------------------------------------------------
def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_with(path: Path, writer) -> None:
    """Call writer(tmp_path) on a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.remove(tmp)   # GDAL drivers want to create the file themselves
    try:
        writer(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_vector(gdf: gpd.GeoDataFrame, path: Path, driver: str, layer: str | None = None,
                 **layer_options) -> None:
    """Write a GeoDataFrame atomically with pyogrio (fixed GeoPackage timestamp)."""
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})

    def _w(tmp: Path):
        pyogrio.write_dataframe(gdf, tmp, driver=driver, layer=layer or path.stem,
                                layer_options=layer_options or None)
    atomic_write_with(path, _w)


def write_csv_rows(path: Path, header: list[str] | None, rows: list[list]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    atomic_write_text(path, buf.getvalue())


def extend_line(coords, start: bool, end: bool, by: float = 3.0):
    """Extend a polyline a few metres past its start/end so it properly crosses what it meets
    (the network is noded afterwards; the short overshoots are then trimmed away)."""
    c = [tuple(p) for p in coords]
    if start:
        (x0, y0), (x1, y1) = c[0], c[1]
        d = math.hypot(x0 - x1, y0 - y1)
        c[0] = (x0 + (x0 - x1) / d * by, y0 + (y0 - y1) / d * by)
    if end:
        (x0, y0), (x1, y1) = c[-1], c[-2]
        d = math.hypot(x0 - x1, y0 - y1)
        c[-1] = (x0 + (x0 - x1) / d * by, y0 + (y0 - y1) / d * by)
    return c


def smooth_polyline(pts, step: float = 25.0):
    """Catmull-Rom through design points, sampled about every ``step`` metres (UTM output)."""
    p = np.array([P(*q) for q in pts], dtype=float)
    if len(p) < 3:
        return LineString(p).segmentize(step)
    ext = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    out = []
    for i in range(1, len(ext) - 2):
        p0, p1, p2, p3 = ext[i - 1], ext[i], ext[i + 1], ext[i + 2]
        n = max(2, int(np.linalg.norm(p2 - p1) / step))
        t = np.linspace(0, 1, n, endpoint=False)[:, None]
        seg = 0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                     + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3)
        out.append(seg)
    out.append(p[-1:])
    return LineString(np.vstack(out))


class ValueNoise:
    """Smooth 2-D value noise on a random lattice (deterministic given the generator)."""

    def __init__(self, rng, x0, y0, x1, y1, cell: float):
        self.x0, self.y0, self.cell = x0 - 2 * cell, y0 - 2 * cell, cell
        nx = int((x1 - x0) / cell) + 6
        ny = int((y1 - y0) / cell) + 6
        self.v = rng.uniform(-1, 1, (ny, nx))

    def __call__(self, x, y):
        fx = (np.asarray(x) - self.x0) / self.cell
        fy = (np.asarray(y) - self.y0) / self.cell
        ix, iy = np.floor(fx).astype(int), np.floor(fy).astype(int)
        tx, ty = fx - ix, fy - iy
        sx, sy = tx * tx * (3 - 2 * tx), ty * ty * (3 - 2 * ty)
        v = self.v
        a = v[iy, ix] * (1 - sx) + v[iy, ix + 1] * sx
        b = v[iy + 1, ix] * (1 - sx) + v[iy + 1, ix + 1] * sx
        return a * (1 - sy) + b * sy


def bearing_deg(x0, y0, x1, y1):
    return (np.degrees(np.arctan2(np.asarray(x1) - x0, np.asarray(y1) - y0)) + 360.0) % 360.0


def ang_diff(a, b):
    d = np.abs((np.asarray(a) - b + 180.0) % 360.0 - 180.0)
    return d


# --------------------------------------------------------------------------------------------
# 1. Commune boundary
# --------------------------------------------------------------------------------------------
def load_town() -> Polygon:
    """The real outline of Bỉm Sơn town (WGS84), as republished by dvhcvn (unit 381)."""
    path = next((p for p in TOWN_OUTLINE_CANDIDATES if p.exists()), None)
    if path is None:
        raise FileNotFoundError("town outline not found; looked in: "
                                + ", ".join(str(p) for p in TOWN_OUTLINE_CANDIDATES))
    g = gpd.read_file(path).geometry.iloc[0]
    return g.geoms[0] if g.geom_type == "MultiPolygon" and len(g.geoms) == 1 else g


def make_commune(rng, town_ll) -> tuple[Polygon, Polygon]:
    """The commune = town outline ∩ a smooth wobbly blob around the centre.

    The blob's size is tuned by bisection so the area is 7.08 km², and its centre is nudged so
    the commune's centroid lands on the published centre.  The intersection is made in
    lon/lat with the town's own vertices, so the commune lies exactly within the outline; its
    south and west edges are the town's (bordering Hà Trung district), its north and east
    edges border the town's wards.
    """
    th = np.linspace(0, 2 * np.pi, 721)[:-1]
    ks = np.array([2, 3, 4, 5, 7, 11])
    amps = np.array([0.10, 0.06, 0.04, 0.03, 0.012, 0.006])
    phases = rng.uniform(0, 2 * np.pi, len(ks))
    wob = 1 + (amps[:, None] * np.cos(ks[:, None] * th[None, :] + phases[:, None])).sum(0)

    # The town shrunk by ~1 mm, so that the commune lies strictly within the real outline
    # despite floating-point intersection points (its south/west edges follow the outline).
    town_in = town_ll.buffer(-1e-8, join_style="mitre")

    def shape(px, py, r):
        blob = Polygon(np.column_stack([px + r * 1.45 * wob * np.cos(th),
                                        py + r * 1.0 * wob * np.sin(th)]))
        return town_in.intersection(utm_to_ll_geom(blob))

    def area_km2(g_ll):
        return ll_to_utm_geom(g_ll).area / 1e6

    px, py = CX - 300.0, CY - 600.0
    for _ in range(6):
        lo, hi = 300.0, 4000.0
        for _ in range(60):
            r = 0.5 * (lo + hi)
            if area_km2(shape(px, py, r)) > COMMUNE_AREA_KM2:
                hi = r
            else:
                lo = r
        g = shape(px, py, 0.5 * (lo + hi))
        c = ll_to_utm_geom(g).centroid
        px, py = px + (CX - c.x), py + (CY - c.y)
    if g.geom_type != "Polygon":   # keep the main part only (should not happen)
        g = max(g.geoms, key=lambda q: q.area)
    g = shapely.normalize(g)
    return g, ll_to_utm_geom(g)


# --------------------------------------------------------------------------------------------
# 2. Hamlets
# --------------------------------------------------------------------------------------------
def make_hamlets(commune_ll) -> tuple[gpd.GeoDataFrame, Polygon]:
    """Partition the commune with the hand-drawn boundary lines (polygonize in lon/lat, so
    neighbouring hamlets share exactly the same vertices).  Returns the hamlets and the
    commune rebuilt as the union of the hamlets (the same outline, noded where the hamlet
    lines meet it), so that the hamlets partition the written commune exactly."""
    lines = []
    for pts in HAMLET_LINES:
        l_utm = LineString([P(*q) for q in pts]).segmentize(50.0)
        lines.append(utm_to_ll_geom(l_utm))
    # node the (overlong) lines with the outline, polygonize, keep the faces inside the commune
    noded = unary_union([commune_ll.exterior] + lines)
    faces = [f for f in polygonize(noded) if commune_ll.contains(f.representative_point())]
    rows = []
    for hid, name, hh, pop, vc, *_ in HAMLETS:
        seed = utm_to_ll_geom(Point(P(*vc)))
        match = [f for f in faces if f.contains(seed)]
        if len(match) != 1:
            raise RuntimeError(f"hamlet {hid}: village centre not in exactly one face")
        rows.append({"hamlet_id": hid, "name": name, "households": hh, "population": pop,
                     "geometry": shapely.normalize(match[0])})
    if len(faces) != len(HAMLETS):
        raise RuntimeError(f"expected {len(HAMLETS)} hamlet faces, got {len(faces)}")
    commune = shapely.normalize(shapely.coverage_union_all(np.array(faces)))
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84), commune


# --------------------------------------------------------------------------------------------
# 10 (first, as other layers avoid its hills). Terrain model
# --------------------------------------------------------------------------------------------
class Terrain:
    """Analytic ground height (m a.s.l.) in UTM metres: a paddy plain with gentle noise,
    karst tower hills to the north and west, the ridge west of the commune's centre."""

    def __init__(self, rng, bounds, keep_clear: list):
        x0, y0, x1, y1 = bounds
        self.n_large = ValueNoise(rng, x0, y0, x1, y1, 3000.0)
        self.n_mid = ValueNoise(rng, x0, y0, x1, y1, 700.0)
        self.n_small = ValueNoise(rng, x0, y0, x1, y1, 180.0)
        self.hills = self._place_hills(rng, keep_clear)
        r = smooth_polyline(RIDGE_LINE, step=10.0)
        self.ridge = r
        # crest height along the ridge, interpolated between the design vertices
        dv = [r.project(Point(P(*q))) for q in RIDGE_LINE]
        self._ridge_s = np.array(dv)
        self._ridge_h = np.array(RIDGE_CREST)

    @staticmethod
    def _place_hills(rng, keep_clear):
        """Karst towers: steep-sided limestone hills, in clusters north and west of the
        commune (around the cement works and towards Tam Điệp / Thạch Thành) plus a few
        isolated ones in Hà Trung.  None within the commune, on the main roads or rail."""
        clusters = [  # (design x, y of cluster centre, spread sigma x, y, count, height range)
            (-2300, 3200, 1300, 900, 38, (90, 230)),     # NW of the town: cement works quarries
            (-1500, 1150, 250, 150, 4, (80, 140)),       # knolls just north-west of the commune
            (-5200, 300, 1500, 2600, 55, (80, 250)),     # west: Hà Trung / Thạch Thành karst
            (1500, 8200, 3600, 1500, 60, (100, 250)),    # north: Tam Điệp range
            (-7500, 6000, 1800, 1800, 30, (90, 240)),    # far north-west
            (-2000, -7000, 3000, 1500, 10, (80, 160)),   # isolated hills in Hà Trung (south)
            (7000, 4500, 1500, 1500, 8, (80, 150)),      # a few to the north-east
        ]
        hills = []
        clear = unary_union(keep_clear)
        for hx, hy, sx, sy, n, (h0, h1) in clusters:
            placed, tries = 0, 0
            while placed < n and tries < n * 40:
                tries += 1
                x = CX + hx + rng.normal(0, sx)
                y = CY + hy + rng.normal(0, sy)
                rad = rng.uniform(110, 320)
                h = rng.uniform(h0, h1)
                elong = rng.uniform(1.0, 1.8)
                rot = rng.uniform(0, np.pi)
                if clear.distance(Point(x, y)) < rad * 1.6:
                    continue
                if any(math.hypot(x - q[0], y - q[1]) < 0.8 * (rad + q[2]) for q in hills):
                    continue
                hills.append((x, y, rad, h, elong, rot))
                placed += 1
        # an isolated limestone hill in Hà Trung, 1 km south-west of the commune: it stands
        # between the southern sites and Thôn Yên Sơn (QT04)
        hills.append((CX - 700, CY - 1950, 210.0, 125.0, 1.6, 0.35))
        return np.array(hills)

    def plain(self, x, y):
        """Paddy plain 2-8 m, rising gently towards the western foothills far from the commune."""
        base = 4.6 + 1.6 * self.n_large(x, y) + 0.7 * self.n_mid(x, y) + 0.25 * self.n_small(x, y)
        west = np.clip((CX - 6000 - x) / 4000.0, 0, 1)   # foothills far west (Thạch Thành)
        north = np.clip((y - CY - 7000) / 4000.0, 0, 1)  # foot of the Tam Điệp range
        return np.clip(base, 2.0, 8.0) + 10.0 * west ** 2 + 8.0 * north ** 2

    def hills_height(self, x, y):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        out = np.zeros(np.broadcast(x, y).shape)
        for hx, hy, rad, h, elong, rot in self.hills:
            dx, dy = x - hx, y - hy
            if np.all(np.abs(dx) > rad * 4) or np.all(np.abs(dy) > rad * 4):
                continue
            u = (dx * np.cos(rot) + dy * np.sin(rot)) / (rad * elong)
            v = (-dx * np.sin(rot) + dy * np.cos(rot)) / rad
            d2 = u * u + v * v
            # steep-sided tower: flat-ish top, near-vertical flanks, small apron at the foot
            prof = 1.0 / (1.0 + d2 ** 3) + 0.08 * np.exp(-d2 / 2.5)
            rough = 1.0 + 0.08 * np.sin(5 * u + hx) * np.cos(4 * v + hy)
            out = np.maximum(out, h * prof * rough)
        return out

    def ridge_height(self, x, y):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        shp = np.broadcast(x, y).shape
        xf, yf = np.broadcast_to(x, shp).ravel(), np.broadcast_to(y, shp).ravel()
        out = np.zeros(xf.shape)
        minx, miny, maxx, maxy = self.ridge.bounds
        near = (xf > minx - 600) & (xf < maxx + 600) & (yf > miny - 600) & (yf < maxy + 600)
        if near.any():
            pts = shapely.points(xf[near], yf[near])
            d = shapely.distance(pts, self.ridge)
            s = shapely.line_locate_point(self.ridge, pts)
            crest = np.interp(s, self._ridge_s, self._ridge_h)
            L = self.ridge.length
            endfade = np.clip(np.minimum(s, L - s) / 120.0, 0, 1) ** 0.5
            prof = 1.0 / (1.0 + (d / RIDGE_HALF_WIDTH) ** 4)
            out[near] = crest * endfade * prof
        return out.reshape(shp)

    def __call__(self, x, y):
        return self.plain(x, y) + np.maximum(self.hills_height(x, y), self.ridge_height(x, y))


def dem_bounds(commune_utm, margin=10_500.0, px=30.0):
    x0, y0, x1, y1 = commune_utm.bounds
    x0 = math.floor((x0 - margin) / px) * px
    y0 = math.floor((y0 - margin) / px) * px
    x1 = math.ceil((x1 + margin) / px) * px
    y1 = math.ceil((y1 + margin) / px) * px
    return x0, y0, x1, y1


def make_dem(terrain: Terrain, bounds, px=30.0):
    """Sample the terrain at pixel centres; returns (array float32, transform)."""
    x0, y0, x1, y1 = bounds
    w, h = int(round((x1 - x0) / px)), int(round((y1 - y0) / px))
    xs = x0 + (np.arange(w) + 0.5) * px
    ys = y1 - (np.arange(h) + 0.5) * px
    X, Y = np.meshgrid(xs, ys)
    Z = np.empty((h, w))
    for i in range(0, h, 64):               # in strips, to keep memory modest
        Z[i:i + 64] = terrain(X[i:i + 64], Y[i:i + 64])
    Z = np.round(Z, 1).astype(np.float32)
    return Z, from_origin(x0, y1, px, px)


def write_dem(path: Path, Z, transform):
    profile = dict(driver="GTiff", width=Z.shape[1], height=Z.shape[0], count=1,
                   dtype="float32", crs=UTM, transform=transform, nodata=-9999.0,
                   tiled=True, blockxsize=256, blockysize=256, compress="deflate",
                   predictor=3, zlevel=9, interleave="band")

    def _w(tmp: Path):
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(Z, 1)
            dst.set_band_description(1, "ground height above mean sea level (m), illustrative")
            dst.set_band_unit(1, "metre")
            dst.update_tags(TIFFTAG_DATETIME=TIFF_DATE,
                            TIFFTAG_SOFTWARE="coverage_gis data/make_sample.py",
                            TIFFTAG_IMAGEDESCRIPTION=("Illustrative DEM of Quang Trung commune "
                                                      "(Bỉm Sơn, Thanh Hóa) and 10 km around; "
                                                      "synthetic, not surveyed"))
    atomic_write_with(path, _w)


# --------------------------------------------------------------------------------------------
# 3. Roads and railway
# --------------------------------------------------------------------------------------------
CLASS_RANK = {"trunk": 0, "primary": 1, "tertiary": 2, "residential": 3}


def ql1a_design():
    """National Road 1A: NNE-SSW through the town and the commune, ~2 km beyond it each way."""
    ys = np.arange(3300.0, -3501.0, -100.0)
    return [(450 + y * 0.268 + 80 * math.sin(y / 1500), y) for y in ys]


def railway_line_utm() -> LineString:
    """North-South railway, ~420 m east of QL1A and roughly parallel to it."""
    ys = np.arange(3800.0, -4001.0, -100.0)
    return smooth_polyline([(870 + y * 0.268 + 60 * math.sin(y / 1700), y) for y in ys], 50.0)


def wobbly_blob(rng, centre_xy, r, n=72, amp=0.12):
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ks = np.array([2, 3, 5])
    ph = rng.uniform(0, 2 * np.pi, 3)
    a = rng.uniform(0.3, 1.0, 3) * amp
    rr = r * (1 + (a[:, None] * np.cos(ks[:, None] * th + ph[:, None])).sum(0))
    x, y = P(*centre_xy)
    return Polygon(np.column_stack([x + rr * np.cos(th), y + rr * np.sin(th)]))


def wiggle(line: LineString, rng, amp=4.0, step=20.0) -> LineString:
    """Small smooth sideways wiggle (ends kept fixed): lanes are never ruler-straight."""
    line = line.segmentize(step)
    a = np.asarray(line.coords)
    if len(a) < 3:
        return line
    d = np.diff(a, axis=0)
    n = np.column_stack([-d[:, 1], d[:, 0]])
    n /= np.linalg.norm(n, axis=1)[:, None]
    n = np.vstack([n[:1], 0.5 * (n[:-1] + n[1:]), n[-1:]])
    s = np.linspace(0, 1, len(a))
    k = rng.uniform(1.0, 3.0)
    off = amp * np.sin(np.pi * s) * np.sin(2 * np.pi * k * s + rng.uniform(0, 6.3))
    return LineString(a + n * off[:, None])


def node_key(xy) -> tuple:
    return (float(xy[0]), float(xy[1]))


def build_graph(lines) -> dict:
    """Adjacency {node: [(neighbour, length, index)]} from line endpoints."""
    adj: dict = {}
    for i, g in enumerate(lines):
        c = g.coords
        a, b = node_key(c[0]), node_key(c[-1])
        adj.setdefault(a, []).append((b, g.length, i))
        adj.setdefault(b, []).append((a, g.length, i))
    return adj


def components(lines) -> list[set]:
    """Connected components of a line set, as sets of line indices."""
    adj = build_graph(lines)
    seen, comps = set(), []
    for start in adj:
        if start in seen:
            continue
        stack, comp = [start], set()
        seen.add(start)
        while stack:
            u = stack.pop()
            for v, _, i in adj[u]:
                comp.add(i)
                if v not in seen:
                    seen.add(v)
                    stack.append(v)
        comps.append(comp)
    return sorted(comps, key=len, reverse=True)


def dijkstra(adj, sources: dict) -> dict:
    """Multi-source shortest path lengths; sources = {node: initial distance}."""
    dist = dict(sources)
    heap = [(d, n) for n, d in sources.items()]
    heapq.heapify(heap)
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist.get(u, math.inf):
            continue
        for v, w, _ in adj.get(u, ()):
            nd = d + w
            if nd < dist.get(v, math.inf):
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist


def shortest_path_lines(lines, adj, a, b) -> LineString:
    """Shortest path between nodes a and b, returned as one LineString oriented a -> b."""
    dist, prev = {a: 0.0}, {}
    heap = [(0.0, a)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == b:
            break
        if d > dist[u]:
            continue
        for v, w, i in adj[u]:
            if d + w < dist.get(v, math.inf):
                dist[v] = d + w
                prev[v] = (u, i)
                heapq.heappush(heap, (d + w, v))
    if b not in dist:
        raise RuntimeError("no path")
    seq, n = [], b
    while n != a:
        u, i = prev[n]
        seq.append((u, n, i))
        n = u
    coords = []
    for u, _v, i in reversed(seq):
        c = list(lines[i].coords)
        if node_key(c[0]) != u:
            c = c[::-1]
        coords.extend(c if not coords else c[1:])
    return LineString(coords)


def nearest_node(adj, xy, allowed=None):
    best, bd = None, math.inf
    for n in adj:
        if allowed is not None and n not in allowed:
            continue
        d = (n[0] - xy[0]) ** 2 + (n[1] - xy[1]) ** 2
        if d < bd:
            best, bd = n, d
    return best


def make_roads(rng, commune_utm, hamlets_utm, terrain) -> tuple[gpd.GeoDataFrame, dict]:
    """Road network (UTM): national roads, commune (tertiary) roads, hamlet lanes.

    Lines are noded (split where they meet, so meeting roads share an identical end vertex),
    overshoots trimmed, degree-2 chains of the same road merged back, and everything not
    connected to the main network dropped - except one deliberately disconnected lane piece.
    Returns the GeoDataFrame and a dict of design info (villages, junction nodes...).
    """
    ridge_zone = terrain.ridge.buffer(RIDGE_HALF_WIDTH * 1.8)
    rail = railway_line_utm()
    inner = commune_utm.buffer(-8.0)
    barrier = unary_union([ridge_zone, rail.buffer(12.0), commune_utm.exterior.buffer(8.0)])
    hamlet_by_id = dict(zip(hamlets_utm.hamlet_id, hamlets_utm.geometry))
    hname = {h[0]: h[1] for h in HAMLETS}

    src = []  # (geometry UTM, name, class, clip_to_commune)
    ql1a = smooth_polyline(ql1a_design(), 25.0)
    src.append((ql1a, "Quốc lộ 1A", "trunk", False))

    def on_ql1a(y):
        """Point of QL1A at design northing y (design coords)."""
        line = LineString([(x, yy) for x, yy in ql1a_design()])
        pt = line.interpolate(line.project(Point(450 + y * 0.268, y)))
        return (pt.x, pt.y)

    j217 = on_ql1a(600)
    ql217b = smooth_polyline([j217, (-300, 430), (-1300, 260), (-2000, 160), (-2600, 100),
                              (-4300, -150)], 25.0)
    ql217b = LineString(extend_line(ql217b.coords, True, False, 4.0))
    src.append((ql217b, "Quốc lộ 217B", "primary", False))

    # commune roads (tertiary), design coordinates; starts on QL1A overshoot by a few metres
    tert = [
        ("Đường trục xã Quang Trung", [on_ql1a(-200), (0, -300), (-250, -480), (-450, -600),
                                       (-800, -690), (-1180, -640)], (True, False)),
        ("Đường Tân Lập - Lam Sơn", [(-860, 300), (-850, 470), (-820, 760), (-780, 1200)],
         (True, False)),
        ("Đường liên thôn Trung Hòa", [on_ql1a(300), (880, 330), (1200, 410), (1450, 450),
                                       (1900, 540)], (True, False)),
        ("Đường liên thôn Bình Minh", [on_ql1a(-650), (600, -640), (950, -620), (1250, -600),
                                       (1650, -520)], (True, False)),
        ("Đường Trung Hòa - Bình Minh", [(1455, 440), (1520, 150), (1440, -250), (1260, -590)],
         (True, True)),
        ("Đường Yên Sơn", [(-1790, 230), (-1820, 0), (-1850, -200), (-1900, -520)], (True, False)),
    ]
    for name, pts, (s0, s1) in tert:
        g = smooth_polyline(pts, 20.0)
        g = LineString(extend_line(g.coords, s0, s1, 4.0))
        src.append((g.difference(ridge_zone), name, "tertiary", True))

    # village lanes: a slightly irregular grid per hamlet, clipped to the village outline
    villages = {}
    for hid, _name, _hh, _pop, vc, vr, orient in HAMLETS:
        villages[hid], lanes = village_roads(rng, vc, vr, orient, hamlet_by_id[hid], hname[hid],
                                             (ridge_zone, rail.buffer(40.0)), barrier)
        src.extend(lanes)
    clipped = clip_sources(src, inner)

    # node everything: every crossing becomes a shared vertex at the end of the pieces
    noded = unary_union([g for g, _, _ in clipped])
    pieces = list(getattr(noded, "geoms", [noded]))
    tree = shapely.STRtree([g for g, _, _ in clipped])
    attrs = []
    for p in pieces:
        mid = p.interpolate(0.5, normalized=True)
        idx = tree.query_nearest(mid, all_matches=True)
        best = min(idx, key=lambda i: (clipped[i][0].distance(mid), CLASS_RANK[clipped[i][2]]))
        attrs.append((clipped[best][1], clipped[best][2]))

    pieces, attrs = trim_dangles(pieces, attrs)
    pieces, attrs = snap_dead_ends(pieces, attrs)
    pieces, attrs = trim_dangles(pieces, attrs)
    pieces, attrs = collapse_tiny(pieces, attrs)
    pieces, attrs = merge_chains(pieces, attrs)

    # keep the main connected network only
    comp = components(pieces)[0]
    pieces = [p for i, p in enumerate(pieces) if i in comp]
    attrs = [a for i, a in enumerate(attrs) if i in comp]

    # the deliberate data gap: a lane piece continuing a dead-end lane of QT05 after a 9 m gap
    gap_piece = disconnected_lane(pieces, attrs, villages["QT05"], hamlet_by_id["QT05"])
    pieces.append(gap_piece)
    attrs.append((f"Ngõ cụt, {hname['QT05']}", "residential"))

    order = sorted(range(len(pieces)), key=lambda i: (CLASS_RANK[attrs[i][1]], attrs[i][0],
                                                       round(pieces[i].coords[0][1], 3),
                                                       round(pieces[i].coords[0][0], 3)))
    rows = []
    for n, i in enumerate(order, 1):
        rows.append({"road_id": f"R{n:04d}", "name": attrs[i][0], "road_class": attrs[i][1],
                     "geometry": pieces[i]})
    roads = gpd.GeoDataFrame(rows, geometry="geometry", crs=UTM)
    gap_id = roads.loc[roads.geometry.apply(lambda g: g.equals(gap_piece)), "road_id"].iloc[0]
    info = {"villages": villages, "gap_road_id": gap_id, "rail": rail}
    return roads, info


def village_roads(rng, vc, vr, orient, hamlet, hamlet_name, excluded, barrier):
    """The village outline of one hamlet (a blob of radius ``vr`` around design point ``vc``,
    within the hamlet, outside each of ``excluded``) and its roads as ``(line, name, class, clip)``:
    lanes on a slightly irregular grid turned by ``orient`` degrees, then up to three field
    tracks from the village out into the paddy, stopped by ``barrier``."""
    vpoly = wobbly_blob(rng, vc, vr).intersection(hamlet.buffer(-5.0))
    for g in excluded:
        vpoly = vpoly.difference(g)
    src = []
    th = math.radians(orient + rng.uniform(-4, 4))
    u = np.array([math.cos(th), math.sin(th)])
    w = np.array([-u[1], u[0]])
    c = np.array(P(*vc))
    k = 1
    for spacing, along, across in ((rng.uniform(60, 70), u, w), (rng.uniform(95, 110), w, u)):
        off0 = rng.uniform(0, spacing)
        for o in np.arange(-vr * 1.4 + off0, vr * 1.4, spacing):
            a = c + across * o - along * vr * 1.5
            b = c + across * o + along * vr * 1.5
            ln = wiggle(LineString([a, b]), rng, amp=4.0)
            piece = ln.intersection(vpoly)
            for part in getattr(piece, "geoms", [piece]):
                if part.geom_type == "LineString" and part.length >= 35.0:
                    src.append((part, f"Ngõ {k}, {hamlet_name}", "residential", True))
                    k += 1
    # field tracks from the village out into the paddy
    for _ in range(3):
        ang = rng.uniform(0, 2 * np.pi)
        L = rng.uniform(300, 650)
        d = np.array([math.cos(ang), math.sin(ang)])
        a, b = c + d * vr * 0.45, c + d * (vr + L)
        ln = wiggle(LineString([a, b]), rng, amp=8.0, step=30.0)
        piece = ln.difference(barrier)
        parts = [q for q in getattr(piece, "geoms", [piece]) if q.geom_type == "LineString"]
        parts = [q for q in parts if q.distance(Point(a)) < 1.0]
        if parts and parts[0].length > 120:
            src.append((parts[0], f"Đường nội đồng {hamlet_name}", "residential", True))
    return vpoly, src


def clip_sources(src, inner):
    """The road lines of ``src`` as ``(line, name, class)`` pieces; those marked ``clip`` are
    cut to ``inner`` (the commune) and lengthened 6 m at both ends to close near-misses."""
    clipped = []
    for g, name, cls, clip in src:
        if clip:
            g = g.intersection(inner)
        for part in getattr(g, "geoms", [g]):
            if part.geom_type == "LineString" and part.length > 1.0:
                if clip:   # close near-misses: local roads overshoot 6 m at both ends
                    part = LineString(extend_line(part.coords, True, True, 6.0))
                clipped.append((part, name, cls))
    return clipped


def trim_dangles(pieces, attrs, min_len=10.0):
    """Trim dangling overshoots and slivers (pieces < ``min_len`` with a free end), repeatedly."""
    for _ in range(5):
        adj = build_graph(pieces)
        keep = []
        for p in pieces:
            c = p.coords
            free = len(adj[node_key(c[0])]) == 1 or len(adj[node_key(c[-1])]) == 1
            keep.append(not (free and p.length < min_len))
        if all(keep):
            break
        pieces = [p for p, k in zip(pieces, keep) if k]
        attrs = [a for a, k in zip(attrs, keep) if k]
    return pieces, attrs


def snap_dead_ends(pieces, attrs, tol=8.0):
    """Join lane ends that stop within ``tol`` metres of another road (near-misses left by
    clipping lanes to the village outline): the end is extended to the nearest point of that
    road, which is split there, so the two share an exact node.  The one deliberate gap is
    added later and is not affected."""
    pieces, attrs = list(pieces), list(attrs)
    changed = True
    while changed:
        changed = False
        adj = build_graph(pieces)
        tree = shapely.STRtree(pieces)
        for node in sorted(n for n, inc in adj.items() if len(inc) == 1):
            i = adj[node][0][2]
            ci = pieces[i].coords
            other_end = node_key(ci[-1]) if node_key(ci[0]) == node else node_key(ci[0])
            pt = Point(node)
            best = None
            for j in tree.query(pt.buffer(tol)):
                cj = pieces[j].coords
                if j == i or other_end in (node_key(cj[0]), node_key(cj[-1])):
                    continue   # itself, or a neighbour: joining would make a loop
                d = pieces[j].distance(pt)
                if d < tol and (best is None or d < best[0]):
                    best = (d, int(j))
            if best is None:
                continue
            j = best[1]
            g = pieces[j]
            s = g.project(pt)
            q = g.interpolate(s)
            c = list(g.coords)
            qxy = (q.x, q.y)
            if s <= 1.0 or s >= g.length - 1.0:       # near an end: join that node
                qxy = node_key(c[0]) if s <= 1.0 else node_key(c[-1])
                new_j = [g]
            else:                                      # split the road at the new node
                seg = np.hypot(*np.diff(np.asarray(c), axis=0).T)
                cum = np.concatenate([[0.0], np.cumsum(seg)])
                k = int(np.searchsorted(cum, s))
                new_j = [LineString(c[:k] + [qxy]), LineString([qxy] + c[k:])]
            ci = list(pieces[i].coords)
            if node_key(ci[0]) == node:
                ci = [qxy] + ci
            else:
                ci = ci + [qxy]
            pieces[i] = LineString(ci)
            pieces[j:j + 1] = new_j
            attrs[j:j + 1] = [attrs[j]] * len(new_j)
            changed = True
            break
    return pieces, attrs


def collapse_tiny(pieces, attrs, min_len=2.0):
    """Remove pieces shorter than ``min_len`` between two junctions by moving one junction
    onto the other (two crossings a few decimetres apart become one node)."""
    pieces, attrs = list(pieces), list(attrs)
    while True:
        tiny = [i for i, p in enumerate(pieces) if p.length < min_len]
        if not tiny:
            return dedupe(pieces, attrs)
        i = tiny[0]
        a, b = node_key(pieces[i].coords[0]), node_key(pieces[i].coords[-1])
        del pieces[i], attrs[i]
        for k, p in enumerate(pieces):
            c = list(p.coords)
            if node_key(c[0]) == b:
                c[0] = a
            if node_key(c[-1]) == b:
                c[-1] = a
            pieces[k] = LineString(c)


def dedupe(pieces, attrs, tol=2.0):
    """Drop loops and near-duplicate pieces between the same two nodes (keep the bigger road)."""
    keep, seen = [], {}
    order = sorted(range(len(pieces)), key=lambda i: CLASS_RANK[attrs[i][1]])
    for i in order:
        c = pieces[i].coords
        a, b = node_key(c[0]), node_key(c[-1])
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        if any(pieces[i].hausdorff_distance(pieces[k]) < tol for k in seen.get(key, [])):
            continue
        seen.setdefault(key, []).append(i)
        keep.append(i)
    keep.sort()
    return [pieces[i] for i in keep], [attrs[i] for i in keep]


def merge_chains(pieces, attrs):
    """Merge consecutive pieces of the same road where exactly two pieces meet."""
    pieces, attrs = list(pieces), list(attrs)
    changed = True
    while changed:
        changed = False
        adj = build_graph(pieces)
        for node, inc in adj.items():
            if len(inc) != 2:
                continue
            (_, _, i), (_, _, j) = inc
            if i == j or attrs[i] != attrs[j]:
                continue
            a, b = list(pieces[i].coords), list(pieces[j].coords)
            if node_key(a[-1]) != node:
                a = a[::-1]
            if node_key(b[0]) != node:
                b = b[::-1]
            pieces[i] = LineString(a + b[1:])
            del pieces[j], attrs[j]
            changed = True
            break
    return pieces, attrs


def disconnected_lane(pieces, attrs, village, hamlet) -> LineString:
    """A ~110 m lane continuing a dead-end lane after a 9 m gap (a digitising gap)."""
    adj = build_graph(pieces)
    others = unary_union(pieces)
    cands = []
    for p, (_name, cls) in zip(pieces, attrs):
        if cls != "residential" or not p.intersects(village):
            continue
        for end, prevpt in ((p.coords[-1], p.coords[-2]), (p.coords[0], p.coords[1])):
            if len(adj[node_key(end)]) != 1:
                continue
            d = np.subtract(end, prevpt)
            d = d / np.linalg.norm(d)
            g = LineString([np.add(end, d * 9.0), np.add(end, d * 120.0)])
            if hamlet.buffer(-10).contains(g) and g.distance(others) > 8.5:
                cands.append((g.centroid.x, g.centroid.y, g))
    if not cands:
        raise RuntimeError("no place for the disconnected lane piece")
    cands.sort(key=lambda t: (t[1], t[0]))
    return cands[0][2].segmentize(30.0)


# --------------------------------------------------------------------------------------------
# 5. Households
# --------------------------------------------------------------------------------------------
def _sample_along(rng, lines, m, off_lo, off_hi):
    """m points beside random positions on ``lines`` (length-weighted), offset sideways by
    off_lo..off_hi metres (skewed towards the near side), on a random side."""
    lines = [g for g in lines if g.length > 5]
    if not lines or m <= 0:
        return np.empty((0, 2))
    L = np.array([g.length for g in lines])
    idx = rng.choice(len(lines), size=m, p=L / L.sum())
    s = rng.uniform(2.0, L[idx] - 2.0)
    garr = np.array(lines, dtype=object)[idx]
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(garr, s - 1.0))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(garr, s + 1.0))
    mid = 0.5 * (p0 + p1)
    t = p1 - p0
    t /= np.linalg.norm(t, axis=1)[:, None]
    n = np.column_stack([-t[:, 1], t[:, 0]])
    off = off_lo + (off_hi - off_lo) * rng.beta(1.4, 3.0, m)
    side = rng.choice([-1.0, 1.0], m)
    along = rng.uniform(-3, 3, m)
    return mid + n * (off * side)[:, None] + t * along[:, None]


class HouseGround:
    """Where a house may stand in one hamlet: inside ``inner`` (the hamlet shrunk by 4 m), at
    least ``min_road`` from every road and 30 m from the railway, on the plain (not up a
    hill), and ``min_gap`` from every house already placed."""

    def __init__(self, inner, all_roads, rail, terrain):
        self.inner, self.all_roads, self.rail, self.terrain = inner, all_roads, rail, terrain

    def free(self, xy, placed, min_road=8.0, min_gap=10.0) -> list[int]:
        """Indices of the points ``xy`` (n x 2) that can take a house, taken in order, each
        also kept ``min_gap`` from those taken before it."""
        pts = shapely.points(xy)
        good = shapely.contains_xy(self.inner, xy[:, 0], xy[:, 1])
        good &= shapely.distance(pts, self.all_roads) >= min_road
        good &= shapely.distance(pts, self.rail) >= 30.0
        good &= (self.terrain(xy[:, 0], xy[:, 1]) - self.terrain.plain(xy[:, 0], xy[:, 1])) < 0.5
        res_idx = []
        acc = list(placed)
        for i in np.flatnonzero(good):
            p = xy[i]
            if acc and np.min(np.hypot(*(np.array(acc) - p).T)) < min_gap:
                continue
            acc.append(p)
            res_idx.append(i)
        return res_idx


def _line_parts(geoms):
    """The LineString parts of ``geoms`` (empty geometries and points dropped)."""
    lines = [g for g in geoms if not g.is_empty]
    return [q for g in lines for q in getattr(g, "geoms", [g]) if q.geom_type == "LineString"]


def hamlet_lines(roads, hpoly, vzone):
    """The roads of one hamlet as three lists of lines: village lanes (residential roads within
    ``vzone``), field tracks (residential roads outside it) and the bigger roads (ribbon)."""
    in_h = roads[roads.intersects(hpoly)]
    res = in_h[in_h.road_class == "residential"]
    big = in_h[in_h.road_class != "residential"]
    lanes_v = _line_parts(res.geometry.intersection(vzone))
    tracks = _line_parts(res.geometry.intersection(hpoly).difference(vzone))
    ribbon = _line_parts(big.geometry.intersection(hpoly))
    return lanes_v, tracks, ribbon


def cultural_house(hid, lanes_v, vc, ground: HouseGround):
    """The cultural house: beside a lane (14-22 m off it), as close as possible to the village
    centre ``vc``; candidate lane points every 5 m, nearest first."""
    cpt = np.array(P(*vc))
    cands = []
    for line in lanes_v:
        for s in np.arange(2.0, line.length - 2.0, 5.0):
            a, b = line.interpolate(s - 1.0), line.interpolate(s + 1.0)
            t = np.array([b.x - a.x, b.y - a.y])
            t /= np.linalg.norm(t)
            m = np.array([(a.x + b.x) / 2, (a.y + b.y) / 2])
            cands.append((float(np.hypot(*(m - cpt))), tuple(m), (-t[1], t[0])))
    cands.sort()
    for _, m, nvec in cands:
        for off in (14.0, -14.0, 18.0, -18.0, 22.0, -22.0):
            q = np.array(m) + np.array(nvec) * off
            if ground.free(q[None, :], [], 9.0):
                return q
    raise RuntimeError(f"{hid}: no place for the cultural house")


def place_households(rng, hid, need, placed, lanes_v, tracks, ribbon, ground: HouseGround,
                     all_roads):
    """Append ``need`` houses to ``placed``: 82 % along the village lanes, 11 % along the bigger
    roads (none when the hamlet has none), 4 % along the field tracks and 3 % out in the paddy
    (more than 60 m from every road); any shortfall is made up from the village lanes."""
    shares = {"village": 0.82, "ribbon": 0.11, "track": 0.04, "paddy": 0.03}
    if not ribbon:
        shares["village"] += shares.pop("ribbon")
    targets = {k: int(round(v * need)) for k, v in shares.items()}
    targets["village"] += need - sum(targets.values())
    pools = {"village": (lanes_v, 10, 45), "ribbon": (ribbon, 14, 60),
             "track": (tracks, 10, 40), "paddy": (tracks + ribbon + lanes_v, 70, 260)}
    for kind in ("village", "ribbon", "track", "paddy"):
        if kind not in targets:
            continue
        want, got, rounds = targets[kind], 0, 0
        lines, lo, hi = pools[kind]
        while got < want and rounds < 60:
            rounds += 1
            cand = _sample_along(rng, lines, max(4 * (want - got), 20), lo, hi)
            if kind == "paddy":   # really out in the fields: far from every lane
                cand = cand[shapely.distance(shapely.points(cand), all_roads) > 60.0] \
                    if len(cand) else cand
            if not len(cand):
                continue
            acc = ground.free(cand, placed)[: want - got]
            placed.extend(cand[acc])
            got += len(acc)
        if got < want:   # top up from the village lanes (always room there)
            targets["village"] += want - got
            if kind == "village":
                raise RuntimeError(f"{hid}: could not place {want - got} village households")


def household_sizes(rng, n_hh, n_pop, pop_p):
    """Household sizes 1-8 drawn with probabilities ``pop_p``, adjusted so that they sum
    exactly to the hamlet population ``n_pop``."""
    sizes = rng.choice(np.arange(1, 9), size=n_hh, p=pop_p)
    while sizes.sum() != n_pop:
        i = rng.integers(n_hh)
        step = 1 if sizes.sum() < n_pop else -1
        if 1 <= sizes[i] + step <= 8:
            sizes[i] += step
    return sizes


def make_households(rng, hamlets_utm, roads, info, terrain) -> gpd.GeoDataFrame:
    """~1,350 household points clustered in the villages along lanes (10-60 m off the centre
    line), some ribbon development along the bigger roads, a few scattered in the paddy.
    Exactly one point per hamlet is the cultural house (nhà văn hóa thôn) near the village
    centre on a lane; per-hamlet counts equal the hamlet's ``households``."""
    all_roads = unary_union(list(roads.geometry))
    rail = info["rail"]
    out = []
    pop_p = np.array([0.08, 0.17, 0.22, 0.25, 0.15, 0.08, 0.035, 0.015])
    for hid, _name, n_hh, n_pop, vc, _vr, _ in HAMLETS:
        hpoly = hamlets_utm.loc[hamlets_utm.hamlet_id == hid, "geometry"].iloc[0]
        ground = HouseGround(hpoly.buffer(-4.0), all_roads, rail, terrain)
        vzone = info["villages"][hid].buffer(35.0)
        lanes_v, tracks, ribbon = hamlet_lines(roads, hpoly, vzone)
        placed = [cultural_house(hid, lanes_v, vc, ground)]
        place_households(rng, hid, n_hh - 1, placed, lanes_v, tracks, ribbon, ground, all_roads)
        if len(placed) != n_hh:
            raise RuntimeError(f"{hid}: placed {len(placed)} of {n_hh}")

        sizes = household_sizes(rng, n_hh, n_pop, pop_p)
        for k, (xy, sz) in enumerate(zip(placed, sizes)):
            out.append({"hamlet_id": hid, "is_cultural_house": k == 0, "population": int(sz),
                        "x": float(xy[0]), "y": float(xy[1])})
    df = pd.DataFrame(out)
    # household ids: by hamlet, then north to south, west to east (like a listing)
    df["_r"] = -np.round(df.y / 50.0)
    df = df.sort_values(["hamlet_id", "_r", "x"], kind="mergesort").reset_index(drop=True)
    df.insert(0, "household_id", [f"H{i:05d}" for i in range(1, len(df) + 1)])
    gdf = gpd.GeoDataFrame(df[["household_id", "hamlet_id", "is_cultural_house", "population"]],
                           geometry=gpd.points_from_xy(df.x, df.y), crs=UTM)
    return gdf


# --------------------------------------------------------------------------------------------
# 6. Cell sites
# --------------------------------------------------------------------------------------------
# Physical towers (design metres from the commune centre) and where they stand.
TOWERS = {
    "BSN-T01": ((200, 200), "in the commune (Thôn Đồng Tâm), west of QL1A"),
    "BSN-T02": ((-750, 1350), "Bỉm Sơn town, just north of the commune"),
    "BSN-T03": ((1500, -100), "in the commune, east of the railway"),
    "BSN-T04": ((-300, -2400), "Hà Trung district, south of the commune"),
    "BSN-T05": ((-3000, -700), "Hà Trung district, west of the commune (2G/3G only)"),
    "BSN-T06": ((1200, 2600), "Bỉm Sơn town, north"),
    "BSN-T07": ((2300, 1700), "Bỉm Sơn town, north-east"),
    "BSN-T08": ((-100, -1050), "in the commune (Thôn Thắng Lợi): PLANNED new tower"),
    "BSN-T09": ((2300, -1300), "Bỉm Sơn town, south-east of the commune"),
    "BSN-T10": ((400, -50), "in the commune, 320 m from BSN-T01: PLANNED Vietnamobile tower "
                            "(a share-instead-of-build candidate)"),
}

# One row per cell: tower, operator, operator's site code (site_id = code-techband-sector),
# technology, band_mhz, bandwidth_mhz, height_m,
# azimuths (None = omni), beamwidth, tilts, eirps, status.  None in a radio column = left blank.
_E = "existing"
CELLS = [
    # BSN-T01: shared by Viettel and MobiFone
    ("BSN-T01", "Viettel", "VTL-THA-1042", "2G", 900, 0.2, 36,
     [0, 100, 200], 65, [4, 4, 4], [56.5, 57.0, 56.0], _E),
    ("BSN-T01", "Viettel", "VTL-THA-1042", "4G", 1800, 20, 36,
     [0, 100, 200], 65, [3, 4, 3], [61.0, 60.5, 61.0], _E),
    ("BSN-T01", "Viettel", "VTL-THA-1042", "5G", 2600, 100, 34,
     [10, 110, 200], 65, [4, 4, 5], [70.5, 71.0, 70.0], _E),
    ("BSN-T01", "MobiFone", "MBF-THA-0318", "3G", 2100, 5, 30,
     [350, 90, 190], 65, [3, 3, 4], [58.0, 58.5, 58.0], _E),
    ("BSN-T01", "MobiFone", "MBF-THA-0318", "4G", 1800, 15, 30,
     [350, 90, 190], 65, [4, None, 4], [59.5, 60.0, 59.5], _E),
    # BSN-T02: VinaPhone, in the town north of the commune; serves Thôn Tân Lập
    ("BSN-T02", "VinaPhone", "VNP-THA-2215", "2G", 900, 0.2, 40,
     [None], 360, [2], [55.5], _E),
    ("BSN-T02", "VinaPhone", "VNP-THA-2215", "3G", 2100, 5, 40,
     [165, 45, 285], 65, [3, 3, 3], [58.5, 58.5, 58.0], _E),
    ("BSN-T02", "VinaPhone", "VNP-THA-2215", "4G", 1800, 20, 40,
     [165, 45, 285], 65, [5, 4, 4], [61.0, 61.0, 61.0], _E),
    ("BSN-T02", "VinaPhone", "VNP-THA-2215", "4G", 2100, 10, 40,
     [45], 65, [3], [59.0], _E),
    # BSN-T03: VinaPhone in the east of the commune; 5G planned
    ("BSN-T03", "VinaPhone", "VNP-THA-2231", "3G", 2100, 5, 35,
     [0, 110, 220], 65, [4, 4, 4], [58.0, 58.0, 58.5], _E),
    ("BSN-T03", "VinaPhone", "VNP-THA-2231", "4G", 1800, 20, 35,
     [0, 110, 220], 65, [4, 3, 4], [60.5, 60.0, None], _E),
    ("BSN-T03", "VinaPhone", "VNP-THA-2231", "5G", 3700, 100, 33,
     [0, 110, 220], 65, [5, 5, 5], [71.0, 71.0, 71.0], "planned"),
    # BSN-T04: Viettel, Hà Trung to the south
    ("BSN-T04", "Viettel", "VTL-THA-1107", "3G", 2100, 5, 42,
     [20, 140, 260], 65, [3, 3, 3], [59.0, 58.5, 58.5], _E),
    ("BSN-T04", "Viettel", "VTL-THA-1107", "4G", 1800, 20, 42,
     [20, 140, 260], 65, [3, 4, 3], [61.5, 60.5, 61.0], _E),
    ("BSN-T04", "Viettel", "VTL-THA-1107", "4G", 900, 10, 42,
     [60], None, [2], [59.0], _E),
    # BSN-T05: shared by Vietnamobile and VinaPhone, Hà Trung to the west: 2G/3G only
    ("BSN-T05", "Vietnamobile", "VNM-THA-0077", "2G", 900, 0.2, 30,
     [None], 360, [None], [56.0], _E),
    ("BSN-T05", "Vietnamobile", "VNM-THA-0077", "3G", 2100, 5, 30,
     [60, 180, 300], 65, [3, 3, 3], [None, None, 57.0], _E),
    ("BSN-T05", "VinaPhone", "VNP-THA-2260", "2G", 900, 0.2, 32,
     [40, 160, 280], 65, [4, 4, 4], [57.0, 57.0, 56.5], _E),
    ("BSN-T05", "VinaPhone", "VNP-THA-2260", "3G", 2100, 5, 32,
     [40, 160, 280], None, [3, None, 3], [58.5, 58.5, 58.0], _E),
    # BSN-T06: Viettel in the town to the north; 4G 700 MHz since 2025
    ("BSN-T06", "Viettel", "VTL-THA-1015", "3G", 2100, 5, 45,
     [40, 160, 280], 65, [3, 3, 3], [59.5, 59.0, 59.0], _E),
    ("BSN-T06", "Viettel", "VTL-THA-1015", "4G", 1800, 20, 45,
     [40, 160, 280], 65, [3, 3, 3], [62.0, 61.5, 61.5], _E),
    ("BSN-T06", "Viettel", "VTL-THA-1015", "4G", 700, 10, 45,
     [40, 150, 310], 65, [2, 2, 2], [60.0, 60.0, 59.5], _E),
    # BSN-T07: shared by MobiFone and Vietnamobile, town north-east; MobiFone 5G
    ("BSN-T07", "MobiFone", "MBF-THA-0301", "2G", 900, 0.2, 40,
     [60, 180, 300], 65, [4, 4, 4], [56.0, 56.5, 56.0], _E),
    ("BSN-T07", "MobiFone", "MBF-THA-0301", "4G", 1800, 20, 40,
     [60, 180, 300], 65, [3, 3, 3], [61.0, 61.0, 60.5], _E),
    ("BSN-T07", "MobiFone", "MBF-THA-0301", "5G", 3900, 100, 38,
     [180, 300], 65, [5, 5], [69.5, 69.0], _E),
    ("BSN-T07", "Vietnamobile", "VNM-THA-0081", "3G", 2100, 5, 36,
     [70, 190, 310], 65, [3, 3, 3], [57.5, 57.0, 57.0], _E),
    ("BSN-T07", "Vietnamobile", "VNM-THA-0081", "4G", 1800, 10, 36,
     [70, 190, 310], 65, [4, 4, 4], [58.0, 58.0, 58.5], _E),
    # BSN-T08: PLANNED MobiFone tower in the south of the commune
    ("BSN-T08", "MobiFone", "MBF-THA-0355", "4G", 1800, 20, 30,
     [30, 140, 240], 65, [4, 4, 4], [60.0, 60.0, 60.0], "planned"),
    # BSN-T10: PLANNED Vietnamobile tower 320 m from the shared BSN-T01 (could share it)
    ("BSN-T10", "Vietnamobile", "VNM-THA-0090", "4G", 1800, 10, 30,
     [20, 100, 170], 65, [4, 4, 4], [58.0, 58.0, 58.0], "planned"),
    # BSN-T09: MobiFone, south-east of the commune
    ("BSN-T09", "MobiFone", "MBF-THA-0322", "2G", 900, 0.2, 35,
     [0, 120, 240], 65, [4, 4, 4], [56.5, 56.0, 56.0], _E),
    ("BSN-T09", "MobiFone", "MBF-THA-0322", "4G", 1800, 15, 35,
     [0, 120, 240], 65, [3, 3, 3], [59.5, 59.5, 60.0], _E),
]
SITES_COLUMNS = ["site_id", "tower_id", "operator", "technology", "band_mhz", "bandwidth_mhz",
                 "height_m", "azimuth_deg", "beamwidth_deg", "tilt_deg", "eirp_dbm", "status",
                 "lon", "lat"]


def tower_lonlat(tower_id):
    x, y = P(*TOWERS[tower_id][0])
    lon, lat = _to_ll.transform(x, y)
    return round(lon, 6), round(lat, 6)


def make_sites() -> list[list]:
    """Rows of sites.csv (one per cell).  Towers stand at fixed design positions; the
    radio values are typical Vietnamese rural macro cells (see README)."""
    rows = []
    for tower, op, code, tech, band, bw, h, azs, beam, tilts, eirps, status in CELLS:
        lon, lat = tower_lonlat(tower)
        for k, (az, tilt, eirp) in enumerate(zip(azs, tilts, eirps), 1):
            # site_id is unique per cell: operator's site code + technology/band + sector no.
            sid = f"{code}-{tech}{band:g}-{k}"
            rows.append([sid, tower, op, tech, band, bw, h, az, beam, tilt, eirp, status,
                         f"{lon:.6f}", f"{lat:.6f}"])
    return rows


# --------------------------------------------------------------------------------------------
# 7. OpenCelliD-style export (no header row)
# --------------------------------------------------------------------------------------------
MNC = {"MobiFone": 1, "VinaPhone": 2, "Viettel": 4, "Vietnamobile": 5}
RADIO = {"2G": "GSM", "3G": "UMTS", "4G": "LTE", "5G": "NR"}


def make_opencellid(rng) -> list[list]:
    """~20 crowd-sourced cell records near (tens to hundreds of metres from) existing towers."""
    pick = [  # (tower, operator, technology, sector index)
        ("BSN-T01", "Viettel", "4G", 0), ("BSN-T01", "Viettel", "4G", 2),
        ("BSN-T01", "Viettel", "2G", 1), ("BSN-T01", "MobiFone", "4G", 0),
        ("BSN-T01", "MobiFone", "3G", 2), ("BSN-T01", "Viettel", "5G", 0),
        ("BSN-T02", "VinaPhone", "4G", 0), ("BSN-T02", "VinaPhone", "4G", 1),
        ("BSN-T02", "VinaPhone", "2G", 0),
        ("BSN-T03", "VinaPhone", "4G", 2), ("BSN-T03", "VinaPhone", "3G", 0),
        ("BSN-T04", "Viettel", "4G", 0), ("BSN-T04", "Viettel", "3G", 2),
        ("BSN-T05", "Vietnamobile", "2G", 0), ("BSN-T05", "VinaPhone", "3G", 1),
        ("BSN-T06", "Viettel", "4G", 1), ("BSN-T06", "Viettel", "4G", 2),
        ("BSN-T07", "MobiFone", "4G", 1), ("BSN-T07", "Vietnamobile", "4G", 1),
        ("BSN-T09", "MobiFone", "4G", 2), ("BSN-T09", "MobiFone", "2G", 0),
    ]
    enb = {}   # per (tower, operator): base station ids
    rows = []
    for tower, op, tech, sector in pick:
        key = (tower, op)
        if key not in enb:
            enb[key] = (int(rng.integers(100000, 240000)), int(rng.integers(10000, 40000)),
                        int(rng.integers(20000, 60000)), int(rng.integers(1000, 9000)))
        enb_id, lac, rnc_cid, gnb = enb[key]
        mnc = MNC[op]
        if tech == "4G":
            area, cell = 12000 + 100 * mnc + 7, enb_id * 256 + sector + 1
            unit = int(rng.integers(0, 504))
        elif tech == "5G":
            area, cell = 12000 + 100 * mnc + 7, gnb * 4096 + sector + 1
            unit = int(rng.integers(0, 1008))
        elif tech == "3G":
            area, cell = lac, (rnc_cid % 4096) * 65536 + 10 * (sector + 1) + mnc
            unit = int(rng.integers(0, 512))
        else:
            area, cell, unit = lac, lac % 1000 * 10 + sector + 1, 0
        x, y = P(*TOWERS[tower][0])
        r = rng.uniform(30, 420)
        a = rng.uniform(0, 2 * np.pi)
        lon, lat = _to_ll.transform(x + r * math.cos(a), y + r * math.sin(a))
        samples = int(rng.integers(2, 180))
        rng_m = int(round(rng.uniform(300, 2500), -1))
        created = int(1546300800 + rng.integers(0, 5 * 365 * 86400))        # 2019-2023
        updated = int(max(created, 1704067200 + rng.integers(0, 600 * 86400)))  # 2024-2025
        avg = 0 if rng.random() < 0.8 else -int(rng.integers(75, 105))
        rows.append([RADIO[tech], 452, mnc, area, cell, unit, f"{lon:.6f}", f"{lat:.6f}",
                     rng_m, samples, 1, created, updated, avg])
    return rows


# --------------------------------------------------------------------------------------------
# 8-9. Fibre routes and access points
# --------------------------------------------------------------------------------------------
# Routes as chains of design waypoints; each leg follows the shortest road path between the
# road nodes nearest to consecutive waypoints.  ("Q1N"/"Q1S": the ends of QL1A.)
VIETTEL_ROUTES = [
    ("Tuyến trục QL1A", ["Q1N", "Q1S"]),
    ("Nhánh QL217B - Yên Sơn", ["J217", (-1790, 230), (-1850, -200), (-1900, -430)]),
    ("Nhánh Tân Lập", [(-860, 320), (-850, 470), (-800, 650)]),
    ("Nhánh Đồng Tâm", [(150, 500), (130, 650), (250, 780)]),
    ("Nhánh Thắng Lợi", ["TXA", (-450, -620), (-700, -700)]),
    ("Nhánh Thắng Lợi 2", [(-450, -620), (-430, -820)]),
]
VNPT_ROUTES = [
    ("VNP-R01", "Tuyến QL1A - Trung Hòa", ["Q1N", "TCH", (1450, 450), (1500, 600)]),
    ("VNP-R02", "Tuyến QL217B - Đồng Tâm", ["J217", (130, 650), (-100, 700)]),
    ("VNP-R03", "Nhánh Tân Lập", [(-300, 420), (-700, 420), (-850, 470)]),
]
# access points: id, operator, kind, ports_total, ports_used, design position (snapped to route)
ACCESS_POINTS = [
    ("VT-SPL-01", "Viettel", "splitter", 16, 9, "J217"),
    ("VT-SPL-02", "Viettel", "splitter", 8, 5, "TXA"),
    ("VT-FAT-01", "Viettel", "FAT", 16, 11, (-850, 470)),
    ("VT-FAT-02", "Viettel", "FAT", 8, 8, (-800, 640)),
    ("VT-FAT-03", "Viettel", "FAT", 16, 12, (130, 650)),
    ("VT-FAT-04", "Viettel", "FAT", 16, 7, (-1850, -200)),
    ("VT-FAT-05", "Viettel", "FAT", 8, 3, (-1890, -420)),
    ("VT-FAT-06", "Viettel", "FAT", 16, 14, (-450, -620)),
    ("VT-FAT-07", "Viettel", "FAT", 16, 16, (-690, -700)),
    ("VT-FAT-08", "Viettel", "FAT", 8, 2, (-430, -810)),
    ("VNP-SPL-01", "VinaPhone", "splitter", 8, 4, "TCH"),
    ("VNP-FAT-01", "VinaPhone", "FAT", 16, 10, (1450, 450)),
    ("VNP-FAT-02", "VinaPhone", "FAT", 8, 6, (1500, 600)),
    ("VNP-FAT-03", "VinaPhone", "FAT", 8, 8, (40, 600)),
    ("VNP-FAT-04", "VinaPhone", "FAT", 16, 9, (-100, 700)),
    ("VNP-FAT-05", "VinaPhone", "FAT", 8, 5, (-700, 420)),
]


class RoadGraph:
    """Road pieces (UTM) as a graph keyed by exact end coordinates."""

    def __init__(self, roads: gpd.GeoDataFrame, main_only=True):
        lines = list(roads.geometry)
        if main_only:
            comp = components(lines)[0]
            lines = [g for i, g in enumerate(lines) if i in comp]
        self.lines = lines
        self.adj = build_graph(lines)
        self.tree = shapely.STRtree(lines)
        self.anchor = {}
        q1 = [g for g, c in zip(roads.geometry, roads.road_class) if c == "trunk"]
        ends = [node_key(g.coords[i]) for g in q1 for i in (0, -1)]
        self.anchor["Q1N"] = max(ends, key=lambda n: n[1])
        self.anchor["Q1S"] = min(ends, key=lambda n: n[1])
        self.anchor["J217"] = self._junction("trunk", "primary", roads)
        self.anchor["TXA"] = self._junction_named(roads, "Quốc lộ 1A", "Đường trục xã Quang Trung")
        self.anchor["TCH"] = self._junction_named(roads, "Quốc lộ 1A", "Đường liên thôn Trung Hòa")

    @staticmethod
    def _end_nodes(roads, column, value):
        """The end nodes of the roads whose ``column`` is ``value``."""
        return {node_key(g.coords[i]) for g, v in zip(roads.geometry, roads[column])
                if v == value for i in (0, -1)}

    def _junction(self, c1, c2, roads):
        a = self._end_nodes(roads, "road_class", c1)
        b = self._end_nodes(roads, "road_class", c2)
        common = sorted(a & b, key=lambda n: -n[1])
        return common[0]

    def _junction_named(self, roads, n1, n2):
        a = self._end_nodes(roads, "name", n1)
        b = self._end_nodes(roads, "name", n2)
        return sorted(a & b)[0]

    def node(self, wp):
        if isinstance(wp, str):
            return self.anchor[wp]
        return nearest_node(self.adj, P(*wp))

    def route(self, waypoints) -> LineString:
        coords = []
        nodes = [self.node(w) for w in waypoints]
        for a, b in zip(nodes[:-1], nodes[1:]):
            leg = list(shortest_path_lines(self.lines, self.adj, a, b).coords)
            coords.extend(leg if not coords else leg[1:])
        return LineString(coords)

    def _locate(self, pts_xy):
        """(piece index, position along it, offset from it) of each point's nearest piece."""
        pts = shapely.points(pts_xy)
        idx = self.tree.query_nearest(pts, return_distance=False, all_matches=False)
        out = [None] * len(pts)
        for k, i in zip(idx[0], idx[1]):
            g = self.lines[i]
            out[k] = (int(i), g.project(pts[k]), g.distance(pts[k]))
        return out

    def along_distance(self, src_xy, pts_xy) -> np.ndarray:
        """Distance along the road network from the nearest of the source points (e.g. fibre
        boxes) to each point, plus both points' offsets from the road."""
        src = self._locate(src_xy)
        seeds, same = {}, {}
        for i, s, off in src:
            g = self.lines[i]
            for n, d in ((node_key(g.coords[0]), s + off),
                         (node_key(g.coords[-1]), g.length - s + off)):
                seeds[n] = min(seeds.get(n, math.inf), d)
            same.setdefault(i, []).append((s, off))
        dist = dijkstra(self.adj, seeds)
        out = np.full(len(pts_xy), np.inf)
        for k, (i, s, off) in enumerate(self._locate(pts_xy)):
            g = self.lines[i]
            a, b = node_key(g.coords[0]), node_key(g.coords[-1])
            d = min(dist.get(a, math.inf) + s, dist.get(b, math.inf) + g.length - s)
            for s0, off0 in same.get(i, ()):
                d = min(d, abs(s - s0) + off0)
            out[k] = d + off
        return out


def fragment_route(rng, name, line: LineString):
    """Cut a route into 2-6 pieces; reverse some, and nudge some piece ends by 1-5 m, as in
    operators' KML exports.  Returns [(piece name, LineString UTM, reversed?, nudged?)]."""
    c = np.asarray(line.coords)
    n_pieces = int(min(6, max(2, math.ceil(line.length / 900.0))))
    if len(c) < n_pieces * 3:
        n_pieces = max(1, len(c) // 3)
    cuts = sorted(rng.choice(np.arange(2, len(c) - 2), size=n_pieces - 1, replace=False)) \
        if n_pieces > 1 else []
    bounds = [0] + list(cuts) + [len(c) - 1]
    out = []
    for k, (i0, i1) in enumerate(zip(bounds[:-1], bounds[1:]), 1):
        piece = c[i0:i1 + 1].copy()
        nudged = False
        if rng.random() < 0.35:   # an endpoint a few metres off where the next piece begins
            end = 0 if rng.random() < 0.5 else -1
            r, a = rng.uniform(1.0, 5.0), rng.uniform(0, 2 * np.pi)
            piece[end] += (r * math.cos(a), r * math.sin(a))
            nudged = True
        rev = bool(rng.random() < 0.3)
        if rev:
            piece = piece[::-1]
        out.append((f"{name} - đoạn {k}", LineString(piece), rev, nudged))
    return out


def kml_document(pieces) -> str:
    """An operator-style KML: Document > Style + Folder > Placemarks (LineString)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<kml xmlns="http://www.opengis.net/kml/2.2">',
             '<Document>',
             '  <name>Viettel Thanh Hóa - tuyến cáp quang Bỉm Sơn (trích xuất)</name>',
             '  <Style id="cap_quang"><LineStyle><color>ff0000ff</color><width>3</width>'
             '</LineStyle></Style>',
             '  <Folder>',
             '    <name>Cáp quang xã Quang Trung</name>']
    for name, g_ll in pieces:
        coords = " ".join(f"{x:.7f},{y:.7f},0" for x, y in g_ll.coords)
        lines += ['    <Placemark>',
                  f'      <name>{xml_escape(name)}</name>',
                  '      <styleUrl>#cap_quang</styleUrl>',
                  '      <LineString><tessellate>1</tessellate>',
                  f'        <coordinates>{coords}</coordinates>',
                  '      </LineString>',
                  '    </Placemark>']
    lines += ['  </Folder>', '</Document>', '</kml>', '']
    return "\n".join(lines)


def make_fibre(rng, roads_utm: gpd.GeoDataFrame, hamlets_utm: gpd.GeoDataFrame):
    """Viettel (fragmented KML) and VNPT (clean GeoJSON) routes along roads, and the boxes."""
    rg = RoadGraph(roads_utm)
    viettel = []
    for name, wps in VIETTEL_ROUTES:
        viettel.extend(fragment_route(rng, name, rg.route(wps)))
    vnpt = [(rid, name, rg.route(wps)) for rid, name, wps in VNPT_ROUTES]
    route_lines = {"Viettel": unary_union([g for _, g, _, _ in viettel]),
                   "VinaPhone": unary_union([g for _, _, g in vnpt])}
    aps = []
    for ap_id, op, kind, total, used, wp in ACCESS_POINTS:
        n = rg.node(wp)
        # the box sits on its operator's route: the route vertex nearest the design point
        verts = shapely.get_coordinates(route_lines[op])
        k = int(np.argmin(np.hypot(verts[:, 0] - n[0], verts[:, 1] - n[1])))
        aps.append((ap_id, op, kind, total, used, (float(verts[k, 0]), float(verts[k, 1]))))
    aps.extend(drop_boxes(route_lines, aps, hamlets_utm))
    return viettel, vnpt, aps, rg


def drop_boxes(route_lines: dict, named: list, hamlets_utm: gpd.GeoDataFrame) -> list:
    """The many small FAT boxes that hang drop cables along the routes: one every 80 m of
    route inside the hamlets, at least 60 m from any other box, 24 ports each, about a third
    used, so that the boxes' capacity matches the 930 FTTH subscriptions of the statistics.
    None in or near the fibre-short hamlet (its trap stays). Own generator: adding them does
    not change any other layer."""
    rng = np.random.default_rng(SEED + 7)
    short = hamlets_utm.loc[hamlets_utm["hamlet_id"] == HAMLET_FIBRE_SHORT, "geometry"].iloc[0]
    served = unary_union([g for h, g in zip(hamlets_utm["hamlet_id"], hamlets_utm.geometry)
                          if h != HAMLET_FIBRE_SHORT]).difference(short.buffer(350.0))
    taken = [Point(xy) for *_, xy in named]
    out = []
    prefix = {"Viettel": "VT-FAT-", "VinaPhone": "VNP-FAT-"}
    number = {"Viettel": 100, "VinaPhone": 100}
    for op in ("Viettel", "VinaPhone"):
        lines = getattr(route_lines[op], "geoms", [route_lines[op]])
        for line in lines:
            for d in np.arange(40.0, line.length, 80.0):
                p = line.interpolate(d)
                if not served.contains(p) or any(p.distance(t) < 60.0 for t in taken):
                    continue
                taken.append(p)
                number[op] += 1
                used = int(rng.binomial(24, 0.32))
                out.append((f"{prefix[op]}{number[op]}", op, "FAT", 24, used,
                            (round(p.x, 2), round(p.y, 2))))
    return out


# --------------------------------------------------------------------------------------------
# 11. Statistics
# --------------------------------------------------------------------------------------------
STAT_COLUMNS = ["year", "population", "adults", "households", "mobile_subscriptions",
                "mobile_broadband_subscriptions", "smartphone_subscriptions",
                "adults_with_smartphone", "ftth_subscriptions", "state_agencies",
                "state_agencies_on_digital_platforms", "enterprises",
                "enterprises_on_digital_platforms"]
STATISTICS = [
    [2023, 4905, 3618, 1318, 5290, 2950, 4180, 2710, 760, 9, 8, 27, 9],
    [2024, 4948, 3652, 1334, 5480, 3390, 4490, 2890, 850, 9, 9, 29, 12],
    [2025, 4989, 3690, 1350, 5650, 3765, 4700, 3020, 930, 9, 9, 31, 14],
]


# --------------------------------------------------------------------------------------------
# 11b. Constraint layer for the land officer's tower check
# --------------------------------------------------------------------------------------------
# Illustrative places a proposed tower must keep its distance from (design metres from the
# commune centre). ``kind`` selects the minimum distance configured in coverage_gis.settings.
CONSTRAINTS = [
    ("C01", "Trường Tiểu học Quang Trung", "school", (60, 420)),
    ("C02", "Trường Mầm non Quang Trung", "kindergarten", (-520, 300)),
    ("C03", "UBND xã Quang Trung", "commune_office", (380, 380)),
    ("C04", "Trạm Y tế xã Quang Trung", "health_station", (450, 300)),
    ("C05", "Đình làng Yên Sơn (di tích)", "heritage", (-1500, -500)),
]


def make_constraints() -> gpd.GeoDataFrame:
    return to_ll_gdf(gpd.GeoDataFrame(
        {"constraint_id": [c[0] for c in CONSTRAINTS], "name": [c[1] for c in CONSTRAINTS],
         "kind": [c[2] for c in CONSTRAINTS]},
        geometry=[Point(P(*c[3])) for c in CONSTRAINTS], crs=UTM))


# --------------------------------------------------------------------------------------------
# 12. Scenario file
# --------------------------------------------------------------------------------------------
SCENARIO_TOML = '''[scenario]
name = "Quang Trung commune, Bỉm Sơn, Thanh Hóa (illustrative sample)"
year = 2025
# The plan was adopted for xã Quang Trung (pre-2025 code 14824), which since 1 July 2025 is
# part of phường Quang Trung (14818; resolution 1686/NQ-UBTVQH15, item 137): the study
# reports on both side by side (the old commune's outline is the commune layer below).
unit = "14818"
plan_unit = "14824"
# crs = "EPSG:32648"   # metric CRS for computation; default: the data's UTM zone

[layers]
hamlets = "boundaries/hamlets.geojson"
commune = "boundaries/commune.geojson"
sites = "towers/sites.csv"
households = { path = "households/households.gpkg", layer = "households" }
roads = "roads/roads.geojson"
railway = "roads/railway.geojson"
access_points = { path = "fibre/access_points.csv", crs = "vn2000-thanhhoa" }
dem = "dem/dem.tif"
landcover = "landcover/landcover.tif"   # ESA WorldCover classes (synthetic: data/make_landcover.py)
statistics = "statistics/statistics.csv"
constraints = "constraints/constraints.geojson"
fibre = [
  { path = "fibre/routes_viettel.kml", operator = "Viettel" },
  { path = "fibre/routes_vnpt.geojson" },
]

# Every layer is the illustrative sample (data/README.md: what is real, what is invented).
[provenance]
all = { kind = "sample", source = "illustrative sample (data/make_sample.py), not for planning" }
'''


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def to_ll_gdf(gdf_utm: gpd.GeoDataFrame, nd=LL_DECIMALS) -> gpd.GeoDataFrame:
    out = gdf_utm.to_crs(WGS84)
    out["geometry"] = [round_ll(g, nd) for g in out.geometry]
    return out


def write_all(layers: dict) -> None:
    d = DATA
    write_vector(layers["commune"], d / "boundaries/commune.geojson", "GeoJSON")
    write_vector(layers["hamlets"], d / "boundaries/hamlets.geojson", "GeoJSON")
    write_vector(layers["roads"], d / "roads/roads.geojson", "GeoJSON", COORDINATE_PRECISION=7)
    write_vector(layers["railway"], d / "roads/railway.geojson", "GeoJSON", COORDINATE_PRECISION=7)
    write_vector(layers["households"], d / "households/households.gpkg", "GPKG", layer="households")
    write_csv_rows(d / "towers/sites.csv", SITES_COLUMNS, layers["sites"])
    write_csv_rows(d / "towers/opencellid_452.csv", None, layers["opencellid"])
    atomic_write_text(d / "fibre/routes_viettel.kml", layers["kml"])
    write_vector(layers["vnpt"], d / "fibre/routes_vnpt.geojson", "GeoJSON", COORDINATE_PRECISION=7)
    write_csv_rows(d / "fibre/access_points.csv",
                   ["ap_id", "operator", "kind", "ports_total", "ports_used", "x", "y"],
                   layers["access_points"])
    write_dem(d / "dem/dem.tif", *layers["dem"])
    write_csv_rows(d / "statistics/statistics.csv", STAT_COLUMNS, STATISTICS)
    write_vector(layers["constraints"], d / "constraints/constraints.geojson", "GeoJSON")
    atomic_write_text(d / "quang_trung.toml", SCENARIO_TOML)


# --------------------------------------------------------------------------------------------
# Checks (on the files as written)
# --------------------------------------------------------------------------------------------
def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def fairness_4g(hh_utm: gpd.GeoDataFrame, sites: pd.DataFrame, hamlet: str,
                radius=3000.0, margin=35.0) -> list[str]:
    """Cells (4G/5G, any status) within ``radius`` of a hamlet household whose main lobe
    (azimuth ± ``margin``°) contains it; omni 4G/5G cells within radius count too."""
    pts = hh_utm[hh_utm.hamlet_id == hamlet]
    px, py = pts.geometry.x.values, pts.geometry.y.values
    bad = []
    for _, r in sites[sites.technology.isin(["4G", "5G"])].iterrows():
        x, y = _to_utm.transform(r.lon, r.lat)
        d = np.hypot(px - x, py - y)
        near = d < radius
        if not near.any():
            continue
        if pd.isna(r.azimuth_deg):
            bad.append(f"{r.site_id} omni {r.technology}")
            continue
        off = ang_diff(bearing_deg(x, y, px[near], py[near]), r.azimuth_deg)
        if (off < margin).any():
            bad.append(f"{r.site_id} {r.technology} az {r.azimuth_deg:g}")
    return bad


def best_4g_per_hamlet(hh_utm, sites, terrain, status="existing"):
    """Per hamlet: share of households with a 4G/5G cell within 2 km, inside its main lobe
    (±40°), and a clear line of sight over the DEM (a crude plausibility check only)."""
    cells = sites[sites.technology.isin(["4G", "5G"]) & (sites.status == status)]
    cxy = np.array([_to_utm.transform(lo, la) for lo, la in zip(cells.lon, cells.lat)])
    out = {}
    for hid, grp in hh_utm.groupby("hamlet_id"):
        px, py = grp.geometry.x.values, grp.geometry.y.values
        served = np.zeros(len(grp), bool)
        for (x, y), (_, r) in zip(cxy, cells.iterrows()):
            d = np.hypot(px - x, py - y)
            off = np.zeros_like(d) if pd.isna(r.azimuth_deg) else \
                ang_diff(bearing_deg(x, y, px, py), r.azimuth_deg)
            cand = (d < 2000) & (off < 40) & ~served
            for i in np.flatnonzero(cand):
                t = np.linspace(0.02, 0.98, 60)
                lx, ly = x + (px[i] - x) * t, y + (py[i] - y) * t
                h0 = terrain(np.array([x]), np.array([y]))[0] + r.height_m
                h1 = terrain(np.array([px[i]]), np.array([py[i]]))[0] + 1.5
                if np.all(terrain(lx, ly) < h0 + (h1 - h0) * t):
                    served[i] = True
        out[hid] = served.mean()
    return out


def verify(town_ll, terrain, rg_info) -> dict:
    d = DATA
    res = {}
    commune = gpd.read_file(d / "boundaries/commune.geojson", engine="pyogrio")
    hamlets = gpd.read_file(d / "boundaries/hamlets.geojson", engine="pyogrio")
    c = commune.geometry.iloc[0]
    check(len(commune) == 1 and c.is_valid, "commune: one valid polygon")
    check(town_ll.contains(c), "commune must lie within the town outline")
    cu = ll_to_utm_geom(c)
    res["commune_area_km2"] = cu.area / 1e6
    check(abs(cu.area / 1e6 - COMMUNE_AREA_KM2) / COMMUNE_AREA_KM2 < 0.03, "commune area")
    cen = cu.centroid
    res["centroid_offset_m"] = math.hypot(cen.x - CX, cen.y - CY)

    hu = [ll_to_utm_geom(g) for g in hamlets.geometry]
    check(all(g.is_valid for g in hamlets.geometry), "hamlets valid")
    check(bool(shapely.coverage_is_valid(np.array(list(hamlets.geometry)))),
          "hamlets: valid coverage")
    union = unary_union(list(hamlets.geometry))
    check(ll_to_utm_geom(union.symmetric_difference(c)).area < 1e-3, "hamlets cover the commune")
    over = sum(hu[i].intersection(hu[j]).area
               for i in range(len(hu)) for j in range(i + 1, len(hu)))
    check(over < 1e-3, "hamlets do not overlap")
    check(sorted(hamlets.hamlet_id) == [f"QT0{i}" for i in range(1, 7)], "hamlet ids")

    hh = gpd.read_file(d / "households/households.gpkg", layer="households", engine="pyogrio")
    check(list(hh.columns) == ["household_id", "hamlet_id", "is_cultural_house", "population",
                               "geometry"], f"household columns {list(hh.columns)}")
    check(hh.household_id.is_unique, "household ids unique")
    hmap = dict(zip(hamlets.hamlet_id, hamlets.geometry))
    inside = [hmap[h].contains(p) for h, p in zip(hh.hamlet_id, hh.geometry)]
    check(all(inside), "every household inside its hamlet")
    cnt = hh.groupby("hamlet_id").size()
    check(all(cnt[h] == n for h, n in zip(hamlets.hamlet_id, hamlets.households)),
          "per-hamlet counts")
    check((hh.groupby("hamlet_id").is_cultural_house.sum() == 1).all(),
          "one cultural house per hamlet")
    check(hh.population.between(1, 8).all(), "household sizes 1-8")
    res["households"] = cnt.to_dict()
    res["household_pop"] = hh.groupby("hamlet_id").population.sum().to_dict()

    roads = gpd.read_file(d / "roads/roads.geojson", engine="pyogrio")
    check(set(roads.road_class) <= set(CLASS_RANK), "road classes")
    check(roads.road_id.is_unique, "road ids unique")
    comps = components(list(roads.geometry))
    check(len(comps) == 2 and len(comps[1]) == 1,
          f"roads: main network + one loose piece ({len(comps)})")
    loose = roads.iloc[list(comps[1])[0]].road_id
    check(loose == rg_info["gap_road_id"], "the loose piece is the documented one")
    ru = roads.to_crs(UTM)
    res["road_km_inside"] = ru.intersection(cu).length.sum() / 1000
    inside_km = ru.intersection(cu).length.groupby(ru.road_class).sum().div(1000)
    res["roads_by_class"] = inside_km.round(2).to_dict()
    res["gap_road_id"] = loose
    rail = gpd.read_file(d / "roads/railway.geojson", engine="pyogrio")
    check(rail.geometry.iloc[0].intersects(c), "railway crosses the commune")

    sites = pd.read_csv(d / "towers/sites.csv")
    check(list(sites.columns) == SITES_COLUMNS, "sites columns")
    check(sites.site_id.is_unique, "site_id unique per cell")
    check(set(sites.operator) >= {"Viettel", "VinaPhone", "MobiFone", "Vietnamobile"}, "operators")
    towers = sites.groupby("tower_id").agg(ops=("operator", "nunique"), lon=("lon", "first"),
                                           lat=("lat", "first"))
    res["towers"] = len(towers)
    res["shared_towers"] = int((towers.ops >= 2).sum())
    tw_in = [c.contains(Point(lo, la)) for lo, la in zip(towers.lon, towers.lat)]
    res["towers_in_commune"] = int(sum(tw_in))
    res["cells"] = len(sites)
    ocid = pd.read_csv(d / "towers/opencellid_452.csv", header=None)
    check(ocid.shape[1] == 14 and (ocid[1] == 452).all(), "opencellid shape")
    res["opencellid_rows"] = len(ocid)

    kml = gpd.read_file(d / "fibre/routes_viettel.kml", engine="pyogrio")
    check(len(kml) > 0 and kml.geom_type.str.contains("LineString").all(), "KML reads back")
    res["kml_pieces"] = len(kml)
    vnpt = gpd.read_file(d / "fibre/routes_vnpt.geojson", engine="pyogrio")
    check(list(vnpt.columns) == ["route_id", "operator", "name", "geometry"], "vnpt columns")
    ap = pd.read_csv(d / "fibre/access_points.csv")
    check(set(ap.kind) <= {"FAT", "splitter"} and (ap.ports_used <= ap.ports_total).all(), "boxes")
    back = Transformer.from_crs(VN2000_TM3_482, UTM, always_xy=True)
    apx, apy = back.transform(ap.x.values, ap.y.values)
    res["boxes"] = len(ap)
    res["full_boxes"] = ap.loc[ap.ports_used == ap.ports_total, "ap_id"].tolist()

    # fibre reach: distance along roads from any box (with a free port or not) per hamlet
    rg = RoadGraph(roads.to_crs(UTM))
    hhu = hh.to_crs(UTM)
    dd = rg.along_distance(np.column_stack([apx, apy]),
                           np.column_stack([hhu.geometry.x, hhu.geometry.y]))
    hhu["fibre_m"] = dd
    routes = unary_union([ll_to_utm_geom(g) for g in list(kml.geometry) + list(vnpt.geometry)])
    off_route = shapely.distance(shapely.points(np.column_stack([apx, apy])), routes)
    check(off_route.max() < 6.0, f"boxes on the fibre routes (max {off_route.max():.2f} m)")
    within_300m = hhu.groupby("hamlet_id").fibre_m.apply(lambda s: (s <= 300).mean())
    res["fibre_within_300m"] = within_300m.round(3).to_dict()
    houses = hhu[hhu.is_cultural_house].set_index("hamlet_id")
    res["cultural_house_fibre_m"] = houses.fibre_m.round(0).to_dict()

    # 4G fairness
    res["4g_lobes_at_short_hamlet"] = fairness_4g(hhu, sites, HAMLET_4G_SHORT)
    res["4g_los_share"] = {k: round(v, 3)
                           for k, v in best_4g_per_hamlet(hhu, sites, terrain).items()}
    check(not res["4g_lobes_at_short_hamlet"], f"4G lobes at {HAMLET_4G_SHORT}")

    with rasterio.open(d / "dem/dem.tif") as ds:
        check(ds.crs.to_epsg() == 32648 and ds.res == (30.0, 30.0), "DEM crs/res")
        check(ds.dtypes[0] == "float32" and ds.nodata == -9999, "DEM type/nodata")
        b = ds.bounds
        x0, y0, x1, y1 = cu.bounds
        check(b.left <= x0 - 10000 and b.bottom <= y0 - 10000 and b.right >= x1 + 10000
              and b.top >= y1 + 10000, "DEM margin >= 10 km")
        z = ds.read(1)
        check(ds.block_shapes[0] == (256, 256) and ds.compression.name.lower() == "deflate",
              "DEM tiling")
        res["dem_shape"] = z.shape
        res["dem_range"] = (float(z.min()), float(z.max()))
        inside_vals = list(rasterio.sample.sample_gen(ds, [(p.x, p.y) for p in hhu.geometry]))
        res["dem_at_households"] = (float(min(v[0] for v in inside_vals)),
                                    float(max(v[0] for v in inside_vals)))
    st = pd.read_csv(d / "statistics/statistics.csv")
    check(list(st.columns) == STAT_COLUMNS and list(st.year) == [2023, 2024, 2025], "statistics")
    import tomllib
    with open(d / "quang_trung.toml", "rb") as f:
        sc = tomllib.load(f)
    for k, v in sc["layers"].items():
        for item in (v if isinstance(v, list) else [v]):
            pth = item["path"] if isinstance(item, dict) else item
            check((d / pth).exists(), f"scenario layer {k}: {pth} missing")
    return res


# --------------------------------------------------------------------------------------------
def main() -> int:
    rng = np.random.default_rng(SEED)
    town_ll = load_town()

    commune_ll, commune_utm = make_commune(rng, town_ll)
    hamlets_ll, commune_ll = make_hamlets(commune_ll)
    commune_utm = ll_to_utm_geom(commune_ll)
    hamlets_utm = hamlets_ll.to_crs(UTM)

    bounds = dem_bounds(commune_utm)
    keep_clear = [commune_utm.buffer(500.0),
                  railway_line_utm().buffer(150.0),
                  smooth_polyline(ql1a_design()).buffer(150.0),
                  smooth_polyline([(640, 600), (-300, 430), (-1300, 260), (-2000, 160),
                                   (-2600, 100), (-4300, -150)]).buffer(150.0)]
    keep_clear += [Point(P(*xy)).buffer(250.0) for xy, _ in TOWERS.values()]
    keep_clear.append(LineString([P(*TOWERS["BSN-T02"][0]), P(-850, 470)]).buffer(200.0))
    terrain = Terrain(rng, bounds, keep_clear)

    roads_utm, info = make_roads(rng, commune_utm, hamlets_utm, terrain)
    households_utm = make_households(rng, hamlets_utm, roads_utm, info, terrain)
    sites = make_sites()
    ocid = make_opencellid(rng)
    viettel, vnpt, aps, _ = make_fibre(rng, roads_utm, hamlets_utm)
    dem = make_dem(terrain, bounds)

    # ---- assemble the output tables ----
    commune = gpd.GeoDataFrame({"name": [COMMUNE_NAME], "gso_code": [COMMUNE_GSO_CODE],
                                "area_km2": [round(commune_utm.area / 1e6, 2)]},
                               geometry=[commune_ll], crs=WGS84)
    railway = to_ll_gdf(gpd.GeoDataFrame({"name": ["Đường sắt Bắc - Nam"]},
                                         geometry=[info["rail"]], crs=UTM))
    kml_pieces = [(name, round_ll(utm_to_ll_geom(g))) for name, g, _, _ in viettel]
    vnpt_gdf = to_ll_gdf(gpd.GeoDataFrame(
        {"route_id": [r for r, _, _ in vnpt], "operator": "VinaPhone",
         "name": [n for _, n, _ in vnpt]}, geometry=[g for _, _, g in vnpt], crs=UTM))
    vn2000 = Transformer.from_crs(WGS84, VN2000_TM3_482, always_xy=True)
    ap_rows = []
    for ap_id, op, kind, total, used, (x, y) in aps:
        lon, lat = _to_ll.transform(x, y)
        ex, ny = vn2000.transform(round(lon, LL_DECIMALS), round(lat, LL_DECIMALS))
        ap_rows.append([ap_id, op, kind, total, used, f"{ex:.2f}", f"{ny:.2f}"])

    layers = {"commune": commune, "hamlets": hamlets_ll, "roads": to_ll_gdf(roads_utm),
              "railway": railway, "households": to_ll_gdf(households_utm), "sites": sites,
              "opencellid": ocid, "kml": kml_document(kml_pieces), "vnpt": vnpt_gdf,
              "access_points": ap_rows, "dem": dem, "constraints": make_constraints()}
    write_all(layers)

    res = verify(town_ll, terrain, info)

    # ---- summary ----
    print("Quang Trung sample data written to", DATA)
    print(f"  commune area {res['commune_area_km2']:.3f} km² "
          f"(centroid {res['centroid_offset_m']:.0f} m"
          f" from {CENTRE_LONLAT[1]} N, {CENTRE_LONLAT[0]} E), within the town outline: yes")
    print("  hamlets:")
    for hid, name, *_ in HAMLETS:
        print(f"    {hid} {name:16s} households {res['households'][hid]:4d}  population "
              f"{res['household_pop'][hid]:4d}  fibre<=300m {res['fibre_within_300m'][hid]:.0%}"
              f"  cultural house {res['cultural_house_fibre_m'][hid]:.0f} m from a box"
              f"  4G lobe+LOS {res['4g_los_share'][hid]:.0%}")
    print(f"  households total {sum(res['households'].values())}, population "
          f"{sum(res['household_pop'].values())}")
    print(f"  roads: {res['road_km_inside']:.1f} km inside the commune {res['roads_by_class']};"
          f" disconnected lane piece: {res['gap_road_id']}")
    print(f"  towers {res['towers']} ({res['shared_towers']} shared, "
          f"{res['towers_in_commune']} in the"
          f" commune), cells {res['cells']}, OpenCelliD rows {res['opencellid_rows']}")
    nrev = sum(1 for _, _, r, _ in viettel if r)
    nnud = sum(1 for _, _, _, n in viettel if n)
    print(f"  fibre: Viettel KML {res['kml_pieces']} pieces ({nrev} reversed, {nnud} with a nudged"
          f" end), VNPT {len(vnpt)} routes, {res['boxes']} boxes "
          f"(full: {', '.join(res['full_boxes'])})")
    print("    reversed KML pieces:", "; ".join(n for n, _, r, _ in viettel if r))
    print("    KML pieces with an end nudged 1-5 m:", "; ".join(n for n, _, _, m in viettel if m))
    print(f"  DEM {res['dem_shape'][1]}x{res['dem_shape'][0]} px, {res['dem_range'][0]:.1f}-"
          f"{res['dem_range'][1]:.1f} m (households on {res['dem_at_households'][0]:.1f}-"
          f"{res['dem_at_households'][1]:.1f} m)")
    print(f"  4G/5G main lobes within 3 km of {HAMLET_4G_SHORT}: none")
    total = 0
    for p in sorted(DATA.rglob("*")):
        if p.is_file() and p.name != "make_sample.py" and "__pycache__" not in p.parts:
            total += p.stat().st_size
    print(f"  total size of data files: {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
