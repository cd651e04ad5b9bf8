"""OpenCelliD: recognising its file formats, and turning its cells into masts.

OpenCelliD publishes two kinds of table:

- **cells** (``cell_towers.csv``, per-country ``452.csv``):
  ``radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,
  averageSignal``, one row per cell, at the centroid of the phones' measurements of it;
- **measurements**: the upload format ``mcc,mnc,lac,cellid,lon,lat,signal,measured_at,rating,
  speed,direction,act,ta,psc,tac,pci,sid,nid,bid`` (apps write its first 9 or 12 columns too)
  and the ``measurements_*.csv`` downloads ``mcc,net,area,cell,lon,lat,signal,measured,created,
  rating,speed,direction,radio,ta,rnc,cid,psc,tac,pci,sid,nid,bid``: one row per phone
  reading, where the phone was. They are for calibration
  (:func:`coverage_gis.io.measurements.read_measurements`), never sites.

**Masts from cells** (:func:`place_masts`). A cell's OpenCelliD position is not its mast: it is
the centroid of where phones heard it, pulled out along the sector's direction, often hundreds
of metres from the mast. The heuristic, documented and flagged:

1. *Grouping*: LTE cells of one eNodeB share ``cell // 256`` (eNB id = the leftmost 20 of the
   28 bits of the cell identity, 3GPP TS 36.413); NR cells of one gNB share the leftmost
   :data:`~coverage_gis.config.settings.OPENCELLID_NR_GNB_ID_BITS` of their 36-bit identity
   (an assumption: operators choose 22 to 32 bits). One mast per (MCC, MNC, technology,
   eNB/gNB id). GSM and UMTS identities do not name the site: each such cell stays a mast of
   its own at its own position.
2. *Mast position*: the geometric median of the group's cell positions (the point with the
   least sum of distances to them, Weiszfeld's algorithm, in a local metric projection). Unlike
   the mean it is not dragged by one stray cell (breakdown point 50 %), and unlike the
   coordinate-wise median it does not depend on the axes: three cells around a mast at 0, 120
   and 240 degrees give the mast itself.
3. *Azimuths*: a cell at least
   :data:`~coverage_gis.config.settings.OPENCELLID_MIN_SECTOR_OFFSET_M` from the mast points
   from the mast towards its own position (geodesic bearing from north); nearer, it is omni.

Every cell gets ``position_approximate`` (True: the mast is an estimate) and
``azimuth_inferred`` (True where an azimuth was inferred), the mast it belongs to
(``mast_id``, also its ``tower_id``), the number of cells there (``mast_cells``), its distance
from the mast (``mast_offset_m``) and its own OpenCelliD position (``cell_lon``, ``cell_lat``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Geod, Transformer

from coverage_gis.config import settings
from coverage_gis.io.boundary import TABLE_SUFFIXES, first_row

__all__ = ["CELL_COLUMNS", "MEASUREMENT_COLUMNS", "MEASUREMENT_EXPORT_COLUMNS",
           "measurement_format", "node_ids", "geometric_median", "place_masts"]

#: OpenCelliD's cell export, in file order.
CELL_COLUMNS = ("radio", "mcc", "net", "area", "cell", "unit", "lon", "lat", "range",
                "samples", "changeable", "created", "updated", "averageSignal")
#: OpenCelliD's measurement upload format, in file order.
MEASUREMENT_COLUMNS = ("mcc", "mnc", "lac", "cellid", "lon", "lat", "signal", "measured_at",
                       "rating", "speed", "direction", "act", "ta", "psc", "tac", "pci", "sid",
                       "nid", "bid")
#: OpenCelliD's measurement downloads (``measurements_*.csv``), in file order.
MEASUREMENT_EXPORT_COLUMNS = ("mcc", "net", "area", "cell", "lon", "lat", "signal", "measured",
                              "created", "rating", "speed", "direction", "radio", "ta", "rnc",
                              "cid", "psc", "tac", "pci", "sid", "nid", "bid")

_GEOD = Geod(ellps="WGS84")


def _is_int(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _headerless_measurement(row: Sequence[str]) -> bool:
    """A first row without header that reads mcc, mnc, lac, cellid (whole numbers), lon, lat
    (degrees) and a signal level (dBm, at most 0): the measurement column order."""
    if len(row) < 7 or not all(_is_int(v) for v in row[:4]):
        return False
    if not all(_is_float(v) for v in row[4:7]):
        return False
    lon, lat, signal = (float(v) for v in row[4:7])
    return abs(lon) <= 180 and abs(lat) <= 90 and signal <= 0


def measurement_format(path: Path) -> str | None:
    """Which OpenCelliD measurement table ``path`` is: ``"upload"`` (``mcc,mnc,lac,cellid,...,
    signal,measured_at,...``), ``"export"`` (``mcc,net,area,cell,...,signal,measured,...``),
    ``"headerless"`` (rows in that column order, no header), ``"drive-test"`` (a table with an
    ``rsrp_dbm`` column and no ``site_id``), or None for anything else (cells, sites). The
    first line is read as the table readers read it (:func:`~coverage_gis.io.boundary.first_row`:
    a byte-order mark's encoding, comma, tab or semicolon between fields)."""
    if path.suffix.lower() not in TABLE_SUFFIXES:
        return None
    row = first_row(path)
    names = {c.strip().lower() for c in row}
    if {"mcc", "signal"} <= names:
        if "measured_at" in names or {"lac", "cellid"} <= names:
            return "upload"
        if "measured" in names and "cell" in names:
            return "export"
    if "rsrp_dbm" in names and "site_id" not in names:
        return "drive-test"
    if _headerless_measurement(row):
        return "headerless"
    return None


def node_ids(technology: pd.Series, cell: pd.Series) -> pd.Series:
    """The eNB (4G) or gNB (5G) id of each cell identity (``Int64``; NA for 2G/3G, whose
    identities do not name the site). See :data:`settings.OPENCELLID_LTE_LOCAL_CELL_BITS` and
    :data:`settings.OPENCELLID_NR_GNB_ID_BITS`."""
    ids = pd.array(cell, dtype="Int64")
    out = pd.Series(pd.NA, index=cell.index, dtype="Int64")
    lte = (technology == "4G").to_numpy()
    nr = (technology == "5G").to_numpy()
    out[lte] = ids[lte] // (1 << settings.OPENCELLID_LTE_LOCAL_CELL_BITS)
    out[nr] = ids[nr] // (1 << (36 - settings.OPENCELLID_NR_GNB_ID_BITS))
    return out


def geometric_median(xy: np.ndarray, tolerance_m: float | None = None,
                     max_iterations: int = 200) -> np.ndarray:
    """The geometric median of points ``xy`` (n × 2, metres): the point with the least sum of
    Euclidean distances to them (Weiszfeld's algorithm from the mean; a start on a data point
    is nudged off it). One point is its own median; two give their midpoint."""
    tol = settings.GEOMETRIC_MEDIAN_TOLERANCE_M if tolerance_m is None else tolerance_m
    pts = np.asarray(xy, dtype=float)
    guess = pts.mean(axis=0)
    if len(pts) <= 2:
        return guess
    for _ in range(max_iterations):
        dist = np.hypot(*(pts - guess).T)
        if np.any(dist < 1e-9):  # on a data point: Weiszfeld's weights are undefined there
            guess = guess + tol
            dist = np.hypot(*(pts - guess).T)
        weights = 1.0 / dist
        step = (pts * weights[:, None]).sum(axis=0) / weights.sum()
        moved = float(np.hypot(*(step - guess)))
        guess = step
        if moved < tol:
            break
    return guess


def _local_crs(lon: np.ndarray, lat: np.ndarray) -> CRS:
    """An azimuthal equidistant projection centred on the points (metres; over a province its
    scale is within 0.1 % of true, far below the uncertainty of crowd-sourced positions)."""
    return CRS.from_dict({"proj": "aeqd", "lat_0": float(np.mean(lat)),
                          "lon_0": float(np.mean(lon)), "datum": "WGS84", "units": "m"})


def _mast_positions(lon: np.ndarray, lat: np.ndarray, masts: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """For each cell, the position (degrees) of its mast: the geometric median of the
    positions of the cells sharing its ``masts`` key, computed in a local projection."""
    crs = _local_crs(lon, lat)
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    mx, my = np.array(x, dtype=float), np.array(y, dtype=float)
    for rows in pd.Series(np.arange(len(masts))).groupby(masts).indices.values():
        if len(rows) > 1:
            mx[rows], my[rows] = geometric_median(np.column_stack([mx[rows], my[rows]]))
    mlon, mlat = Transformer.from_crs(crs, 4326, always_xy=True).transform(mx, my)
    return np.asarray(mlon, dtype=float), np.asarray(mlat, dtype=float)


def _mast_keys(cells: gpd.GeoDataFrame, nodes: pd.Series) -> pd.Series:
    """``MCC-MNC-enb<id>`` / ``MCC-MNC-gnb<id>`` for 4G/5G cells; the cell's own site_id
    (a mast of its own) for the others."""
    keys = [str(site) if pd.isna(node) else
            f"{int(mcc)}-{int(net):02d}-{'enb' if tech == '4G' else 'gnb'}{int(node)}"
            for site, tech, mcc, net, node in zip(cells["site_id"], cells["technology"],
                                                  cells["mcc"], cells["net"], nodes)]
    return pd.Series(keys, index=cells.index, dtype=object)


def place_masts(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Move OpenCelliD cells (points in WGS 84 with ``site_id``, ``technology``, ``mcc``,
    ``net``, ``cell``) onto estimated masts and infer their sector azimuths (the heuristic of
    this module's docstring). Rows without a geometry are left as they are.

    Returns
    -------
    GeoDataFrame
        The cells, each at its mast, with ``node_id``, ``mast_id`` (= ``tower_id``),
        ``mast_cells``, ``mast_offset_m``, ``cell_lon``, ``cell_lat``, ``azimuth_deg`` (NaN =
        omni), ``azimuth_inferred`` and ``position_approximate``; ``attrs["wide_masts"]``
        lists the masts whose cells lie farther than
        :data:`settings.OPENCELLID_MAX_MAST_SPREAD_M` from them.
    """
    out = cells.copy()
    has = (~(out.geometry.isna() | out.geometry.is_empty)).to_numpy()
    out["node_id"] = node_ids(out["technology"], out["cell"])
    out["mast_id"] = _mast_keys(out, out["node_id"])
    out["mast_cells"] = out.groupby("mast_id")["mast_id"].transform("size").astype(int)
    out["cell_lon"] = out.geometry.x.where(has)
    out["cell_lat"] = out.geometry.y.where(has)
    out["mast_offset_m"] = np.nan
    out["azimuth_deg"] = np.nan
    out["azimuth_inferred"] = False
    out["position_approximate"] = True
    out.attrs = dict(cells.attrs)
    out.attrs["wide_masts"] = []
    if not has.any():
        return out
    lon, lat = out["cell_lon"].to_numpy()[has], out["cell_lat"].to_numpy()[has]
    masts = out["mast_id"].to_numpy()[has]
    mlon, mlat = _mast_positions(lon, lat, masts)
    solo = out["mast_cells"].to_numpy()[has] == 1  # exactly where they were, no round trip
    mlon[solo], mlat[solo] = lon[solo], lat[solo]
    bearing, _, dist = _GEOD.inv(mlon, mlat, lon, lat)
    sector = dist >= settings.OPENCELLID_MIN_SECTOR_OFFSET_M
    idx = out.index[has]
    out.loc[idx, "mast_offset_m"] = dist
    out.loc[idx, "azimuth_deg"] = np.where(sector, np.mod(bearing, 360.0), np.nan)
    out.loc[idx, "azimuth_inferred"] = sector
    geoms = out.geometry.copy()
    geoms.loc[idx] = gpd.points_from_xy(mlon, mlat)
    out = out.set_geometry(gpd.GeoSeries(geoms, crs=cells.crs, index=out.index))
    out["tower_id"] = out["mast_id"]
    spread = pd.Series(dist, index=idx).groupby(masts).max()
    out.attrs = dict(cells.attrs)
    out.attrs["wide_masts"] = [f"{m} ({d / 1000:.1f} km)" for m, d in spread.items()
                               if d > settings.OPENCELLID_MAX_MAST_SPREAD_M]
    return out
