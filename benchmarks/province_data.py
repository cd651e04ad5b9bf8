"""A synthetic Thanh Hóa-sized scenario on the real 2025 units, for benchmarks/bench_province.py.

:func:`generate` writes a scenario folder that the loaders read as a user's data:

- ``scenario.toml``: ``[scenario] province = "Thanh Hóa"`` for the whole province; for a part,
  the same key plus a ``commune`` layer holding the chosen units (``commune.gpkg``), or
  ``unit = "CODE"`` for a single unit (``boundary="unit"``); ``[layers]``; ``[provenance]``.
- ``hamlets.gpkg``: about 30 hamlets per unit, Voronoi cells of random seeds clipped to the
  unit (``hamlet_id``, ``name``, ``unit_code``, ``households``, ``population``).
- ``sites.csv``: masts of 3 sectors (columns of data/towers/sites.csv), denser in the lowland
  east and in the wards (phường) than in the western mountains; 4 operators; 4G 1800/900/2100
  MHz and a few 5G 3500 MHz cells.
- ``households.gpkg``: points in villages strung along village lanes (``household_id``,
  ``hamlet_id``, ``is_cultural_house``, ``population``).
- ``roads.gpkg``: a jittered grid of main roads (``grid_spacing_m``) noded at its crossings,
  village lanes radiating from each village centre and a connector from each centre to the
  nearest grid vertex (every road meets another at a shared vertex, as the fibre engine wants).
- ``fibre.gpkg`` (routes along a share of the grid roads, Viettel and VNPT) and
  ``access_points.csv`` (FAT and splitter boxes on village lanes, UTM x/y).
- ``dem.tif``: 30 m float32 GeoTIFF in EPSG:32648, tiled and deflated, over the units' bounds
  plus a margin: mountains in the west, flat paddy plain in the east (smooth fractal noise).

Every unit draws from its own generator (``seed``, unit code), and the grid and the DEM from
lattices anchored on the province's bounds, so a part of the province is the same data as the
same part of the whole. Counts scale with the units chosen: ``households``, ``masts`` and
``access_points`` are the whole province's, shared among the units by weight (area, lowland,
ward). Geometry is designed in UTM 48N (EPSG:32648) metres and written in it (sites in lon/lat).

Generation is cached: :func:`generate` does nothing when the folder holds a ``generated.json``
with the same parameters.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin
from rasterio.windows import Window
from scipy.spatial import cKDTree

from coverage_gis.io import units as admin

__all__ = ["Size", "generate", "units_near", "STAMP", "UTM", "PROVINCE"]

UTM = "EPSG:32648"
WGS84 = "EPSG:4326"
PROVINCE = "Thanh Hóa"
STAMP = "generated.json"
#: Bump when the generator changes, so cached folders are made again.
GENERATOR_VERSION = 2
DEM_RES_M = 30.0
DEM_MARGIN_M = 3000.0
#: Mobile operators and their share of masts; 4G bands and their share of 4G masts.
OPERATORS = {"Viettel": 0.40, "VinaPhone": 0.25, "MobiFone": 0.25, "Vietnamobile": 0.10}
OPERATOR_CODES = {"Viettel": "VTL", "VinaPhone": "VNP", "MobiFone": "MBF", "Vietnamobile": "VNM"}
BANDS_4G = {1800: 0.62, 900: 0.26, 2100: 0.12}
#: band (MHz) -> (bandwidth MHz, EIRP dBm) of a sector.
RADIO = {1800: (20.0, 61.0), 900: (10.0, 58.0), 2100: (15.0, 60.0), 3500: (100.0, 70.0)}
FIVE_G_SHARE = 0.04           # of masts outside wards; three times that in wards
FIBRE_OPERATORS = {"Viettel": 0.55, "VNPT": 0.35, "FPT Telecom": 0.10}


@dataclass(frozen=True)
class Size:
    """What to generate. ``units``: 2025 unit codes (None: every unit of the province).
    ``households``, ``masts`` and ``access_points`` are whole-province figures; the chosen
    units get their share (by weight), so densities do not depend on the selection."""

    units: tuple[str, ...] | None = None
    households: int = 1_000_000
    masts: int = 2_100
    access_points: int = 10_000
    hamlets_per_unit: float = 30.0
    grid_spacing_m: float = 2_000.0
    seed: int = 2025
    #: ``province`` (the whole province's key, a commune layer when ``units`` is a part) or
    #: ``unit`` (``[scenario] unit = CODE``; one unit only).
    boundary: str = "province"
    name: str = field(default="")

    def key(self) -> dict[str, Any]:
        out = asdict(self)
        out["units"] = None if self.units is None else list(self.units)  # as JSON reads it
        out["version"] = GENERATOR_VERSION
        return out


# --------------------------------------------------------------------------------------------
# Units and weights
# --------------------------------------------------------------------------------------------

def province_units() -> gpd.GeoDataFrame:
    """The province's 2025 units in UTM 48N, sorted by code."""
    units = admin.select_province(admin.load_units(), PROVINCE)
    return units.to_crs(UTM).sort_values("unit_code").reset_index(drop=True)


def units_near(code: str, count: int | None = None, area_km2: float | None = None
               ) -> tuple[str, ...]:
    """The ``count`` units nearest to unit ``code`` (centroid distance), or as many as make up
    ``area_km2``; ``code`` first."""
    units = province_units()
    centre = units.loc[units["unit_code"] == code, "geometry"].iloc[0].centroid
    order = units.assign(d=units.centroid.distance(centre)).sort_values("d")
    if count is not None:
        return tuple(order["unit_code"].head(count))
    cum = order["area_km2"].cumsum().to_numpy()
    n = int(np.searchsorted(cum, area_km2 or 0.0)) + 1
    return tuple(order["unit_code"].head(n))


def _smoothstep(a: float, b: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((np.asarray(x, dtype=float) - a) / (b - a), 0.0, 1.0)
    return t * t * (3 - 2 * t)


class Landscape:
    """Where the mountains are and how high the ground is, from value-noise lattices anchored
    on the province's bounds (so any part of the province gets the same values).

    ``lowland`` is 0 in the western mountains and 1 on the eastern plain, the border between
    them wavy; ``height`` is the ground (m)."""

    #: (lattice cell m, amplitude) of the octaves of the fractal noise.
    OCTAVES = ((24000, 1.0), (12000, 0.5), (6000, 0.25), (3000, 0.125), (1500, 0.0625),
               (750, 0.031), (375, 0.016), (180, 0.008))
    PAD_M = 20_000.0

    def __init__(self, bounds: Sequence[float], seed: int) -> None:
        self.x0, self.y0, self.x1, self.y1 = (float(v) for v in bounds)
        self.ox, self.oy = self.x0 - self.PAD_M, self.y0 - self.PAD_M
        rng = np.random.default_rng([seed, 7])
        self.lattices = [rng.uniform(-1, 1, (int((self.y1 - self.oy + self.PAD_M) / cell) + 3,
                                            int((self.x1 - self.ox + self.PAD_M) / cell) + 3)
                                     ).astype(np.float32) for cell, _ in self.OCTAVES]

    def _axis(self, i: int, v: np.ndarray, origin: float, n: int
              ) -> tuple[np.ndarray, np.ndarray]:
        f = (np.asarray(v, dtype=float) - origin) / self.OCTAVES[i][0]
        idx = np.clip(np.floor(f).astype(np.int64), 0, n - 2)
        return idx, _smoothstep(0.0, 1.0, f - idx).astype(np.float32)

    def octave(self, i: int, xs: np.ndarray, ys: np.ndarray, grid: bool = True) -> np.ndarray:
        """Value noise of octave ``i`` (-1..1): on the grid ``ys`` x ``xs`` (separable), or at
        the points (``xs[k]``, ``ys[k]``) when ``grid`` is False."""
        lat = self.lattices[i]
        ix, sx = self._axis(i, xs, self.ox, lat.shape[1])
        iy, sy = self._axis(i, ys, self.oy, lat.shape[0])
        if grid:
            rows = lat[:, ix] * (1 - sx) + lat[:, ix + 1] * sx       # (lattice rows, nx)
            return rows[iy] * (1 - sy)[:, None] + rows[iy + 1] * sy[:, None]
        a = lat[iy, ix] * (1 - sx) + lat[iy, ix + 1] * sx
        b = lat[iy + 1, ix] * (1 - sx) + lat[iy + 1, ix + 1] * sx
        return a * (1 - sy) + b * sy

    def _lowland(self, fx: np.ndarray, o0: np.ndarray, o1: np.ndarray) -> np.ndarray:
        return _smoothstep(0.40, 0.70, fx + 0.12 * o0 + 0.06 * o1).astype(np.float32)

    def lowland(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``lowland`` (0-1) at the points (x, y) (m)."""
        x, y = np.atleast_1d(x), np.atleast_1d(y)
        fx = (x - self.x0) / (self.x1 - self.x0)
        return self._lowland(fx, self.octave(0, x, y, False), self.octave(1, x, y, False))

    def height(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Ground height (m) on the grid ``ys`` x ``xs``: 2-10 m paddy with scattered karst
        hills in the east, hills and mountains up to about 1,500 m in the west."""
        o = [self.octave(i, xs, ys) for i in range(len(self.OCTAVES))]
        amp = [np.float32(a) for _, a in self.OCTAVES]
        n_all = sum(a * v for a, v in zip(amp, o))
        n_mid = sum(a * v for a, v in zip(amp[2:], o[2:]))
        n_fine = sum(a * v for a, v in zip(amp[4:], o[4:]))
        fx = ((xs - self.x0) / (self.x1 - self.x0))[None, :]
        low = self._lowland(fx, o[0], o[1])
        ridges = np.clip(1.0 - np.abs(n_mid) * 4.0, 0, None)                # sharp crests
        mountain = 250.0 + 450.0 * (n_all + 1.0) + 400.0 * ridges ** 2
        plain = 5.0 + 3.0 * n_all + 120.0 * np.clip(n_fine * 12.0 - 0.5, 0, None)
        return (low * plain + (1 - low) * mountain).astype(np.float32)


def unit_weights(units: gpd.GeoDataFrame, land: Landscape) -> pd.DataFrame:
    """Per unit: ``lowland`` (0-1 at its centre), ``ward``, and weights for households,
    masts and boxes (relative; shared out over the province)."""
    c = units.geometry.representative_point()
    low = land.lowland(c.x.to_numpy(), c.y.to_numpy())
    ward = (units["unit_type"] == "phường").to_numpy()
    area = units.geometry.area.to_numpy() / 1e6
    people = area * (0.15 + low ** 2) * np.where(ward, 3.0, 1.0)
    return pd.DataFrame({"unit_code": units["unit_code"].to_numpy(), "area_km2": area,
                         "lowland": low, "ward": ward, "households": people,
                         "masts": area * (0.35 + low) * np.where(ward, 2.5, 1.0) + 0.5 * people,
                         "boxes": people * (0.3 + low)})


def _share(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` shared by ``weights`` in whole numbers (largest remainders)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    out[np.argsort(out - raw)[: total - out.sum()]] += 1
    return out


# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------

def _points_in(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points (x, y) inside ``geom``."""
    x0, y0, x1, y1 = geom.bounds
    out: list[np.ndarray] = []
    got = 0
    shapely.prepare(geom)
    while got < n:
        xy = rng.uniform((x0, y0), (x1, y1), (max(64, 3 * (n - got)), 2))
        xy = xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]
        out.append(xy)
        got += len(xy)
    return np.vstack(out)[:n]


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 1.0]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _hamlets(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """The unit cut into ``n`` Voronoi cells of random seeds (an array of polygons)."""
    seeds = _points_in(geom, n, rng)
    box = shapely.box(*geom.bounds).buffer(5000.0)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    clipped = shapely.intersection(cells, geom)
    out = np.array([_polygonal(g) for g in clipped], dtype=object)
    return out[~shapely.is_empty(out)]


# --------------------------------------------------------------------------------------------
# One unit: hamlets, villages, lanes, households, masts, boxes
# --------------------------------------------------------------------------------------------

@dataclass
class UnitData:
    hamlets: gpd.GeoDataFrame
    lanes: np.ndarray          # (n, 2, 2) straight lanes: start and end (m)
    centres: np.ndarray        # (n_villages, 2) village centres (m)
    households: pd.DataFrame   # x, y, hamlet_id, population
    sites: pd.DataFrame
    boxes: pd.DataFrame


def _villages(hamlets: np.ndarray, hh_per_hamlet: np.ndarray, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Village centres (x, y), their hamlet index and household count."""
    k = np.minimum(1 + rng.poisson(1.5, len(hamlets)), 4)
    xy, owner, size = [], [], []
    for h, (g, n_h, n_v) in enumerate(zip(hamlets, hh_per_hamlet, k)):
        n_v = max(1, min(int(n_v), int(n_h) // 15 or 1))
        pts = _points_in(g, n_v, rng)
        share = rng.dirichlet(np.full(n_v, 2.0))
        xy.append(pts)
        owner.append(np.full(n_v, h))
        size.append(_share(int(n_h), share) if n_h > 0 else np.zeros(n_v, dtype=int))
    return np.vstack(xy), np.concatenate(owner), np.concatenate(size)


def _lanes(centres: np.ndarray, size: np.ndarray, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    """Straight lanes radiating from each village centre: (n, 2, 2) and their village."""
    n_lanes = 4 + (size > 100) + (size > 300)
    village = np.repeat(np.arange(len(centres)), n_lanes)
    first = np.repeat(np.cumsum(n_lanes) - n_lanes, n_lanes)
    k = np.arange(len(village)) - first
    base = rng.uniform(0, 2 * np.pi, len(centres))[village]
    angle = base + 2 * np.pi * k / n_lanes[village] + rng.normal(0, 0.25, len(village))
    radius = (200.0 + 25.0 * np.sqrt(size))[village] * rng.uniform(0.8, 1.2, len(village))
    start = centres[village]
    end = start + radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return np.stack([start, end], axis=1), village


def _households(lanes: np.ndarray, lane_village: np.ndarray, size: np.ndarray, factor: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points along each village's lanes (``factor`` x its size, to trim later)."""
    n_v = np.ceil(size * factor).astype(int)
    village = np.repeat(np.arange(len(size)), n_v)
    counts = np.bincount(lane_village, minlength=len(size))
    firsts = np.cumsum(counts) - counts
    pick = firsts[village] + (rng.random(len(village)) * counts[village]).astype(int)
    a, b = lanes[pick, 0], lanes[pick, 1]
    t = rng.random(len(pick)) ** 0.8
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])[:, None]
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / length
    xy = a + t[:, None] * d + normal * rng.normal(0, 25.0, (len(pick), 1))
    return xy, village


def _inside(hamlets: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Index of the hamlet holding each point (-1: none)."""
    tree = shapely.STRtree(hamlets)
    pts, ham = tree.query(shapely.points(xy), predicate="intersects")
    out = np.full(len(xy), -1, dtype=np.int64)
    out[pts[::-1]] = ham[::-1]        # the first match wins
    return out


def _sites(code: str, centres: np.ndarray, size: np.ndarray, n_masts: int, ward: bool,
           lowland: float, geom: shapely.Geometry, rng: np.random.Generator) -> pd.DataFrame:
    """``n_masts`` masts of 3 sectors near villages (by size), inside the unit."""
    if n_masts == 0:
        return pd.DataFrame()
    p = (size + 20.0) / (size + 20.0).sum()
    at = centres[rng.choice(len(centres), n_masts, p=p)]
    xy = at + rng.normal(0, 300.0, at.shape)
    out = ~shapely.contains_xy(geom, xy[:, 0], xy[:, 1])
    xy[out] = at[out]
    ops = rng.choice(list(OPERATORS), n_masts, p=list(OPERATORS.values()))
    five = rng.random(n_masts) < FIVE_G_SHARE * (3.0 if ward else 1.0)
    band = np.where(five, 3500, rng.choice(list(BANDS_4G), n_masts, p=list(BANDS_4G.values())))
    height = np.round(rng.uniform(25, 40, n_masts) + 10 * (1 - lowland))
    rot = rng.uniform(0, 120, n_masts)
    rows = []
    for m in range(n_masts):
        tech = "5G" if five[m] else "4G"
        bw, eirp = RADIO[int(band[m])]
        for s in range(3):
            rows.append((f"{OPERATOR_CODES[ops[m]]}-{code}-{m + 1:03d}-{tech}{band[m]}-{s + 1}",
                         f"T{code}-{m + 1:03d}", ops[m], tech, int(band[m]), bw, height[m],
                         round((rot[m] + 120 * s) % 360, 1), 65, 2 + (m + s) % 4,
                         eirp, "existing", xy[m, 0], xy[m, 1]))
    return pd.DataFrame(rows, columns=["site_id", "tower_id", "operator", "technology",
                                       "band_mhz", "bandwidth_mhz", "height_m", "azimuth_deg",
                                       "beamwidth_deg", "tilt_deg", "eirp_dbm", "status", "x",
                                       "y"])


def _boxes(code: str, lanes: np.ndarray, lane_village: np.ndarray, size: np.ndarray, n: int,
           rng: np.random.Generator) -> pd.DataFrame:
    """``n`` FTTH boxes on the lanes of villages chosen by size."""
    if n == 0 or len(lanes) == 0:
        return pd.DataFrame()
    w = size[lane_village] + 1.0
    pick = rng.choice(len(lanes), n, p=w / w.sum())
    t = rng.uniform(0.05, 0.9, n)
    xy = lanes[pick, 0] + t[:, None] * (lanes[pick, 1] - lanes[pick, 0])
    ops = rng.choice(list(FIBRE_OPERATORS), n, p=list(FIBRE_OPERATORS.values()))
    splitter = rng.random(n) < 0.05
    total = np.where(rng.random(n) < 0.6, 16, 8)
    used = rng.binomial(total, 0.55)
    return pd.DataFrame({"ap_id": [f"AP-{code}-{i + 1:04d}" for i in range(n)],
                         "operator": ops, "kind": np.where(splitter, "splitter", "FAT"),
                         "ports_total": total, "ports_used": used,
                         "x": np.round(xy[:, 0], 2), "y": np.round(xy[:, 1], 2)})


def make_unit(row: Any, weights: pd.Series, counts: dict[str, Any], size: Size) -> UnitData:
    """Everything of one unit, from its own generator (seed, unit code)."""
    code = str(row.unit_code)
    rng = np.random.default_rng([size.seed, int(code)])
    geom = row.geometry
    n_h = max(8, int(round(size.hamlets_per_unit * (0.5 + 0.5 * weights["area_km2"]
                                                      / counts["mean_area_km2"]))))
    cells = _hamlets(geom, n_h, rng)
    hh_share = rng.gamma(2.0, 1.0, len(cells))
    hh_per = _share(counts["households"], hh_share)
    centres, owner, vsize = _villages(cells, hh_per, rng)
    lanes, lane_village = _lanes(centres, vsize, rng)
    target = counts["households"]
    xy, village = _households(lanes, lane_village, vsize, 1.15, rng)
    ham = _inside(cells, xy)
    keep = np.flatnonzero(ham >= 0)
    if len(keep) < target:   # a village crowding its hamlet's edge: fill with uniform points
        extra = _points_in(geom, target - len(keep), rng)
        xy = np.vstack([xy[keep], extra])
        ham = np.concatenate([ham[keep], _inside(cells, extra)])
        keep = np.flatnonzero(ham >= 0)
    keep = np.sort(rng.choice(keep, target, replace=False)) if len(keep) > target else keep
    hamlet_ids = np.array([f"{code}-{i + 1:02d}" for i in range(len(cells))], dtype=object)
    pop = 1 + rng.poisson(2.8, len(keep))
    hh = pd.DataFrame({"x": xy[keep, 0], "y": xy[keep, 1], "hamlet_id": hamlet_ids[ham[keep]],
                       "population": pop})
    per = hh.groupby("hamlet_id")["population"].agg(["size", "sum"])
    hamlets = gpd.GeoDataFrame({"hamlet_id": hamlet_ids,
                                "name": [f"Thôn {i + 1}" for i in range(len(cells))],
                                "unit_code": code}, geometry=cells, crs=UTM)
    hamlets["households"] = per["size"].reindex(hamlet_ids).fillna(0).astype(int).to_numpy()
    hamlets["population"] = per["sum"].reindex(hamlet_ids).fillna(0).astype(int).to_numpy()
    sites = _sites(code, centres, vsize, counts["masts"], bool(weights["ward"]),
                   float(weights["lowland"]), geom, rng)
    boxes = _boxes(code, lanes, lane_village, vsize, counts["boxes"], rng)
    return UnitData(hamlets, lanes, centres, hh, sites, boxes)


# --------------------------------------------------------------------------------------------
# The grid of main roads, fibre along it, connectors
# --------------------------------------------------------------------------------------------

def grid_roads(land: Landscape, area: shapely.Geometry, spacing: float, seed: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A jittered grid over the province's bounds, kept where an edge's middle is in ``area``.

    Returns the edges as (n, 7, 2) polylines (6 pieces of about spacing/6, crossings shared),
    each edge's class and its lowland value."""
    rng = np.random.default_rng([seed, 11])
    nx = int((land.x1 - land.x0) / spacing) + 2
    ny = int((land.y1 - land.y0) / spacing) + 2
    gx = land.x0 + spacing * np.arange(nx)[None, :] + rng.normal(0, spacing * 0.12, (ny, nx))
    gy = land.y0 + spacing * np.arange(ny)[:, None] + rng.normal(0, spacing * 0.12, (ny, nx))
    nodes = np.stack([gx, gy], axis=-1)
    wig = rng.normal(0, spacing * 0.03, (ny * nx * 2, 5))
    edges: list[np.ndarray] = []
    cls: list[str] = []
    for i in range(ny):
        for j in range(nx):
            for di, dj in ((0, 1), (1, 0)):
                if i + di >= ny or j + dj >= nx:
                    continue
                a, b = nodes[i, j], nodes[i + di, j + dj]
                t = np.linspace(0, 1, 7)[:, None]
                line = a + t * (b - a)
                d = (b - a) / np.hypot(*(b - a))
                line[1:-1] += np.outer(wig[len(edges) % len(wig)], [-d[1], d[0]])
                edges.append(line)
                k = i if di == 0 else j
                cls.append("trunk" if k % 12 == 5 else "primary" if k % 4 == 1 else "tertiary")
    lines = np.array(edges)
    mid = lines[:, 3]
    shapely.prepare(area)
    keep = shapely.contains_xy(area, mid[:, 0], mid[:, 1])
    low = land.lowland(mid[keep, 0], mid[keep, 1])
    # fewer minor roads in the mountains
    minor = np.array(cls)[keep] == "tertiary"
    drop = minor & (rng.random(len(low)) < 0.45 * (1 - low))
    idx = np.flatnonzero(keep)[~drop]
    return lines[idx], np.array(cls)[idx], low[~drop]


def _connectors(centres: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """From each village centre to the nearest grid vertex: (n, 2, 2)."""
    if len(grid) == 0 or len(centres) == 0:
        return np.zeros((0, 2, 2))
    verts = grid.reshape(-1, 2)
    _, idx = cKDTree(verts).query(centres)
    return np.stack([centres, verts[idx]], axis=1)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

def _write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    tmp = path.with_name(f".{path.name}")
    tmp.unlink(missing_ok=True)
    pyogrio.write_dataframe(gdf, tmp, layer=layer, driver="GPKG", use_arrow=True)
    tmp.replace(path)


def write_dem(land: Landscape, bounds: Sequence[float], path: Path) -> tuple[int, int]:
    """The DEM over ``bounds`` + margin on the province's 30 m lattice, written by row blocks."""
    r = DEM_RES_M
    x0 = land.x0 + math.floor((bounds[0] - DEM_MARGIN_M - land.x0) / r) * r
    x1 = land.x0 + math.ceil((bounds[2] + DEM_MARGIN_M - land.x0) / r) * r
    y0 = land.y0 + math.floor((bounds[1] - DEM_MARGIN_M - land.y0) / r) * r
    y1 = land.y0 + math.ceil((bounds[3] + DEM_MARGIN_M - land.y0) / r) * r
    w, h = int(round((x1 - x0) / r)), int(round((y1 - y0) / r))
    xs = x0 + r * (np.arange(w) + 0.5)
    ys = y1 - r * (np.arange(h) + 0.5)
    profile = {"driver": "GTiff", "dtype": "float32", "width": w, "height": h, "count": 1,
               "crs": UTM, "transform": from_origin(x0, y1, r, r), "nodata": -9999.0,
               "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate",
               "predictor": 3, "BIGTIFF": "IF_SAFER"}
    tmp = path.with_name(f".{path.name}")
    with rasterio.open(tmp, "w", **profile) as dst:
        for top in range(0, h, 512):
            rows = ys[top:top + 512]
            dst.write(land.height(xs, rows)[None], window=Window(0, top, w, len(rows)))
    tmp.replace(path)
    return w, h


def _lines(parts: np.ndarray) -> np.ndarray:
    """(n, k, 2) vertices -> n LineStrings."""
    n, k = parts.shape[:2]
    if n == 0:
        return np.array([], dtype=object)
    return shapely.linestrings(parts.reshape(-1, 2), indices=np.repeat(np.arange(n), k))


def _scenario_toml(size: Size, subset: bool) -> str:
    if size.boundary == "unit":
        where = f'unit = "{size.units[0] if size.units else ""}"'
    else:
        where = f'province = "{PROVINCE}"'
    commune = 'commune = { path = "commune.gpkg", layer = "commune" }\n' if subset else ""
    name = size.name or ("Thanh Hóa province (synthetic benchmark)" if not size.units
                         else f"{len(size.units)} unit(s) of Thanh Hóa (synthetic benchmark)")
    return (f'[scenario]\nname = "{name}"\nyear = 2025\n{where}\ncrs = "{UTM}"\n\n'
            f"[layers]\n{commune}"
            'hamlets = { path = "hamlets.gpkg", layer = "hamlets" }\n'
            'sites = "sites.csv"\n'
            'households = { path = "households.gpkg", layer = "households" }\n'
            'roads = { path = "roads.gpkg", layer = "roads" }\n'
            f'access_points = {{ path = "access_points.csv", crs = "{UTM}" }}\n'
            'fibre = { path = "fibre.gpkg", layer = "routes" }\n'
            'dem = "dem.tif"\n\n'
            '[provenance]\nall = { kind = "sample", source = "synthetic province benchmark '
            '(benchmarks/bench_province.py)" }\n')


def _gather(chosen: gpd.GeoDataFrame, weights: pd.DataFrame, size: Size) -> list[UnitData]:
    totals = {k: _share(getattr(size, attr), weights[k].to_numpy())
              for k, attr in (("households", "households"), ("masts", "masts"),
                              ("boxes", "access_points"))}
    mean_area = float(weights["area_km2"].mean())
    out = []
    for row in chosen.itertuples(index=False):
        i = int(np.flatnonzero(weights["unit_code"].to_numpy() == row.unit_code)[0])
        counts = {"households": int(totals["households"][i]), "masts": max(1, int(
            totals["masts"][i])), "boxes": int(totals["boxes"][i]), "mean_area_km2": mean_area}
        out.append(make_unit(row, weights.iloc[i], counts, size))
    return out


def _write_vectors(folder: Path, parts: list[UnitData], grid: tuple[np.ndarray, ...],
                   seed: int) -> dict[str, Any]:
    lines, cls, low = grid
    hamlets = pd.concat([p.hamlets for p in parts], ignore_index=True)
    _write_gpkg(gpd.GeoDataFrame(hamlets, geometry="geometry", crs=UTM), folder / "hamlets.gpkg",
                "hamlets")
    hh = pd.concat([p.households for p in parts], ignore_index=True)
    first = ~hh["hamlet_id"].duplicated()
    households = gpd.GeoDataFrame(
        {"household_id": [f"H{i:07d}" for i in range(len(hh))], "hamlet_id": hh["hamlet_id"],
         "is_cultural_house": first.to_numpy(), "population": hh["population"]},
        geometry=shapely.points(hh[["x", "y"]].to_numpy()), crs=UTM)
    _write_gpkg(households, folder / "households.gpkg", "households")
    centres = np.vstack([p.centres for p in parts])
    lanes = np.vstack([p.lanes for p in parts])
    conn = _connectors(centres, lines)
    road_geoms = np.concatenate([_lines(lines), _lines(lanes), _lines(conn)])
    classes = np.concatenate([cls, np.full(len(lanes), "residential"),
                              np.full(len(conn), "unclassified")])
    roads = gpd.GeoDataFrame({"road_id": [f"RD{i:06d}" for i in range(len(road_geoms))],
                              "road_class": classes}, geometry=road_geoms, crs=UTM)
    _write_gpkg(roads, folder / "roads.gpkg", "roads")
    rng = np.random.default_rng([seed, 13])
    fibre_rows = []
    for op, base in (("Viettel", 0.15), ("VNPT", 0.10)):
        on = np.flatnonzero(rng.random(len(lines)) < base + 0.3 * low)
        fibre_rows.append(pd.DataFrame({"operator": op, "i": on}))
    fib = pd.concat(fibre_rows, ignore_index=True)
    fibre = gpd.GeoDataFrame({"route_id": [f"F{i:05d}" for i in range(len(fib))],
                              "operator": fib["operator"],
                              "name": [f"Tuyến {i + 1}" for i in range(len(fib))]},
                             geometry=_lines(lines[fib["i"].to_numpy()]), crs=UTM)
    _write_gpkg(fibre, folder / "fibre.gpkg", "routes")
    return {"hamlets": len(hamlets), "households": len(households), "roads": len(roads),
            "road_km": float(shapely.length(road_geoms).sum() / 1000), "fibre": len(fibre)}


def _write_points(folder: Path, parts: list[UnitData]) -> dict[str, Any]:
    sites = pd.concat([p.sites for p in parts], ignore_index=True)
    lon, lat = Transformer.from_crs(UTM, WGS84, always_xy=True).transform(
        sites.pop("x").to_numpy(), sites.pop("y").to_numpy())
    sites["lon"], sites["lat"] = np.round(lon, 7), np.round(lat, 7)
    sites.to_csv(folder / "sites.csv", index=False, lineterminator="\n")
    boxes = pd.concat([p.boxes for p in parts], ignore_index=True)
    boxes.to_csv(folder / "access_points.csv", index=False, lineterminator="\n")
    return {"cells": len(sites), "masts": int(sites["tower_id"].nunique()),
            "access_points": len(boxes)}


def generate(folder: str | Path, size: Size = Size(), *, force: bool = False,
             log: Any = print) -> dict[str, Any]:
    """Write the scenario of ``size`` into ``folder`` (made again unless its stamp matches);
    returns the stamp: the parameters, the counts and the generation time (s)."""
    folder = Path(folder)
    stamp_path = folder / STAMP
    if stamp_path.exists() and not force:
        stamp = json.loads(stamp_path.read_text())
        if stamp.get("size") == size.key():
            return stamp
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    units = province_units()
    land = Landscape(units.total_bounds, size.seed)
    weights = unit_weights(units, land)
    chosen = units if size.units is None else units[units["unit_code"].isin(size.units)]
    if len(chosen) != len(size.units or units):
        raise ValueError(f"unknown unit code(s) among {size.units}")
    parts = _gather(chosen, weights, size)
    log(f"  units generated ({len(chosen)}) in {time.perf_counter() - t0:.1f} s")
    area = shapely.union_all(chosen.geometry.values).buffer(500.0)
    grid = grid_roads(land, area, size.grid_spacing_m, size.seed)
    counts = _write_vectors(folder, parts, grid, size.seed)
    counts.update(_write_points(folder, parts))
    log(f"  vectors written in {time.perf_counter() - t0:.1f} s")
    w, h = write_dem(land, chosen.total_bounds, folder / "dem.tif")
    counts.update({"dem_px": w * h, "dem_shape": [h, w],
                   "area_km2": float(chosen.geometry.area.sum() / 1e6),
                   "units": len(chosen)})
    subset = size.units is not None and size.boundary == "province"
    if subset:
        commune = chosen[["unit_code", "name", "unit_type", "full_name", "province_code",
                          "province_name", "area_km2", "geometry"]].to_crs(WGS84)
        _write_gpkg(commune, folder / "commune.gpkg", "commune")
    (folder / "scenario.toml").write_text(_scenario_toml(size, subset), encoding="utf-8")
    stamp = {"size": size.key(), "counts": counts,
             "seconds": round(time.perf_counter() - t0, 1)}
    stamp_path.write_text(json.dumps(stamp, indent=1, ensure_ascii=False), encoding="utf-8")
    log(f"  generated in {stamp['seconds']} s")
    return stamp
