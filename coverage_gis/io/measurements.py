"""Measured signal levels, kept for calibrating the path-loss model (never read as sites).

:func:`read_measurements` reads either

- a **drive-test table** (CSV/TXT/XLSX): ``lon``, ``lat`` (or x/y with ``crs=``),
  ``rsrp_dbm`` and ``cell_id`` and/or ``pci``, other columns kept; or
- an **OpenCelliD measurements file** (:mod:`coverage_gis.io.opencellid`): the upload format
  ``mcc,mnc,lac,cellid,lon,lat,signal,measured_at,rating,speed,direction,act,ta,psc,tac,pci,
  ...`` (or its first 9 or 12 columns), the ``measurements_*.csv`` downloads
  ``mcc,net,area,cell,lon,lat,signal,measured,created,rating,speed,direction,radio,...``, or
  either without its header row.

Both give one point per measurement (WGS 84 unless ``to_crs``) with ``lon``, ``lat``,
``signal_dbm`` (as measured), ``rsrp_dbm`` (the level for 4G/5G rows and rows of unknown
technology; empty for 2G/3G, whose level is not an RSRP), ``cell_id`` (OpenCelliD: the cell
identity, a whole number; drive tests: as written, text, e.g. the sites layer's ``site_id``),
``pci``, ``mcc``, ``mnc``, ``technology``, ``operator`` and ``measured_at`` (where the file
has them). An OpenCelliD file may leave out ``cellid``: its rows then name no cell.
``attrs["format"]`` says which format was read.

**Duplicate rows** (:func:`duplicate_rows`): a row equal to an earlier one in position, level,
cell identity and time (where the file has them: ``settings.MEASUREMENT_TIME_COLUMNS``) is
the same reading written twice (one reading pasted many times, a file exported twice); the
readers warn with their count and row numbers, and calibration counts each reading once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage_gis.config import settings
from coverage_gis.errors import InputError, RowsExcludedWarning
from coverage_gis.io import opencellid, readers, schema
from coverage_gis.io.schema import Problems

__all__ = ["read_measurements", "duplicate_rows", "warn_duplicate_rows"]

#: OpenCelliD measurement columns → ours.
_OPENCELLID_NAMES = {"mnc": "mnc", "net": "mnc", "lac": "area", "area": "area",
                     "cellid": "cell_id", "cell": "cell_id", "signal": "signal_dbm",
                     "measured_at": "measured_at", "measured": "measured_at", "act": "radio",
                     "radio": "radio", "pci": "pci", "mcc": "mcc"}


#: Columns that say which cell a reading is from (those a file has are compared).
_IDENTITY_COLUMNS = ("cell_id", "cellid", "pci", "mcc", "mnc", "area", "lac", "technology",
                     "operator")
#: Columns of the measured level.
_LEVEL_COLUMNS = ("signal_dbm", "rsrp_dbm")


def duplicate_rows(points: pd.DataFrame) -> np.ndarray:
    """Exact duplicate readings: for each row, the position (0-based) of the first earlier row
    it repeats, -1 for none.

    Rows repeat each other when they are equal in position (the point geometry, else ``lon``
    and ``lat``), level (``signal_dbm``, ``rsrp_dbm``), cell identity (``cell_id``/``cellid``,
    ``pci``, ``mcc``, ``mnc``, ``area``/``lac``, ``technology``, ``operator``) and time
    (``settings.MEASUREMENT_TIME_COLUMNS``, any case), each where the table has it; empty
    equals empty. Other columns are not compared.

    Parameters
    ----------
    points : pandas.DataFrame
        Measurements, one row per reading (a GeoDataFrame of points, or ``lon``/``lat``).
    """
    n = len(points)
    if isinstance(points, gpd.GeoDataFrame) and points.geometry.name in points:
        xy = {"_x": points.geometry.x.to_numpy(float), "_y": points.geometry.y.to_numpy(float)}
    else:
        xy = {c: points[c].to_numpy() for c in ("lon", "lat") if c in points}
    named = {str(c).strip().lower(): c for c in points.columns}
    compared = [*_LEVEL_COLUMNS, *_IDENTITY_COLUMNS, *settings.MEASUREMENT_TIME_COLUMNS]
    key = pd.DataFrame({**xy, **{f"_{name}": points[named[name]].astype(str).to_numpy()
                                 for name in compared if name in named}}, index=range(n))
    if n == 0 or key.shape[1] == 0:
        return np.full(n, -1)
    group = key.groupby(list(key.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = np.full(group.max() + 1, n)
    np.minimum.at(first, group, np.arange(n))
    original = first[group]
    return np.where(original < np.arange(n), original, -1)


def warn_duplicate_rows(points: pd.DataFrame, problems: Problems) -> None:
    """An :class:`~coverage_gis.errors.InputWarning` naming the rows that repeat an earlier
    row (:func:`duplicate_rows`): row numbers from ``points``' index (0 = first data row)."""
    original = duplicate_rows(points)
    copies = np.flatnonzero(original >= 0)
    if copies.size == 0:
        return
    index = points.index.to_numpy()
    shown = ", ".join(f"row {int(index[k]) + 1} repeats row {int(index[original[k]]) + 1}"
                      for k in copies[:5])
    more = f", and {copies.size - 5} more" if copies.size > 5 else ""
    problems.warn(f"{copies.size} of {len(points)} rows repeat an earlier row exactly (same "
                  "position, level, cell and time where given): each reading is counted once, "
                  f"the {copies.size} copies are dropped ({shown}{more})")


def _level(df: pd.DataFrame, column: str, problems: Problems, strict: bool) -> pd.Series:
    """Signal levels (dBm) within :data:`settings.MEASUREMENT_LEVEL_RANGE_DBM`: outside it an
    error when ``strict`` (a drive test), else NaN (OpenCelliD's 0 = unknown, ASU values)."""
    lo, hi = settings.MEASUREMENT_LEVEL_RANGE_DBM
    if strict:
        return schema._numeric_column(df, column, problems, value_range=(lo, hi), required=True)
    values = schema._numeric_column(df, column, problems)
    return values.where((values >= lo) & (values <= hi))


def _ids(df: pd.DataFrame, column: str, problems: Problems) -> pd.Series:
    """A column of whole numbers (a PCI within :data:`settings.PCI_RANGE`)."""
    if column not in df.columns:
        return pd.Series(pd.NA, index=df.index, dtype="Int64")
    bounds = settings.PCI_RANGE if column == "pci" else None
    return schema._numeric_column(df, column, problems, integer=True,
                                  value_range=bounds).astype("Int64")


def _technology(raw: pd.Series) -> pd.Series:
    """2G/3G/4G/5G from OpenCelliD's ``act``/``radio`` (GSM, EDGE, UMTS, HSPA+, LTE, NR...)."""
    table = {v: schema.normalise_technology(v) for v in pd.unique(raw.dropna())}
    return raw.map(table).astype(object)


def _opencellid_frame(path: Path, kind: str) -> pd.DataFrame:
    """An OpenCelliD measurements table with our column names (strings)."""
    df = readers._read_table(path, None, header=kind != "headerless")  # a BOM decides
    if kind == "headerless":
        order = (opencellid.MEASUREMENT_EXPORT_COLUMNS if df.shape[1] >= 22
                 else opencellid.MEASUREMENT_COLUMNS)
        df.columns = [order[i] if i < len(order) else f"extra{i}" for i in range(df.shape[1])]
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df.rename(columns={c: n for c, n in _OPENCELLID_NAMES.items() if c in df.columns})


def _from_opencellid(path: Path, kind: str, problems: Problems) -> pd.DataFrame:
    df = _opencellid_frame(path, kind)
    schema._require_columns(df, ("mcc", "mnc", "lon", "lat", "signal_dbm"), problems)
    problems.raise_if_any()
    out = pd.DataFrame(index=df.index)
    for col in ("mcc", "mnc", "area", "cell_id", "pci"):
        out[col] = _ids(df, col, problems)
    out["signal_dbm"] = _level(df, "signal_dbm", problems, strict=False)
    out["technology"] = (_technology(df["radio"]) if "radio" in df.columns
                         else pd.Series(None, index=df.index, dtype=object))
    out["operator"] = [settings.OPENCELLID_NETWORKS.get((int(m), int(n)))
                       if pd.notna(m) and pd.notna(n) else None
                       for m, n in zip(out["mcc"], out["mnc"])]
    if "measured_at" in df.columns:
        out["measured_at"] = df["measured_at"]
    unknown = out["signal_dbm"].isna()
    if unknown.any():
        lo, hi = settings.MEASUREMENT_LEVEL_RANGE_DBM
        problems.warn(f"excluded {int(unknown.sum())} of {len(out)} rows without a usable "
                      f"signal level (empty, 0 for unknown, or outside {lo:g}..{hi:g} dBm, "
                      "such as ASU values)", category=RowsExcludedWarning)
    out["lon"], out["lat"] = df["lon"], df["lat"]
    return out[~unknown]


def _from_drive_test(path: Path, problems: Problems, encoding: str | None,
                     columns: Mapping[str, str] | None) -> pd.DataFrame:
    df = readers._read_table(path, readers._check_encoding(encoding, path.name))
    df = readers._rename(df, columns, ("rsrp_dbm", "cell_id", "pci", "technology"), problems)
    if "rsrp_dbm" not in df.columns:
        problems.error("is required but missing (the measured level in dBm); columns present: "
                       + ", ".join(map(str, df.columns)), column="rsrp_dbm")
    if "cell_id" not in df.columns and "pci" not in df.columns:
        problems.error("has neither cell_id nor pci: expected at least one, saying which cell "
                       "each level was measured from")
    problems.raise_if_any()
    out = df.copy()
    out["signal_dbm"] = _level(df, "rsrp_dbm", problems, strict=True)
    out = out.drop(columns="rsrp_dbm")
    # A drive test names cells its own way (a number, or the sites layer's site_id): as text.
    out["cell_id"] = (schema._text_column(df, "cell_id") if "cell_id" in df.columns
                      else pd.Series(None, index=df.index, dtype=object))
    out["pci"] = _ids(df, "pci", problems)
    if "technology" in df.columns:
        out["technology"] = _technology(df["technology"])
    return out


def _finish(df: pd.DataFrame, crs: Any, problems: Problems) -> gpd.GeoDataFrame:
    gdf = readers._points_from_table(df, readers._resolve_user_crs(crs, problems.source),
                                     problems)
    problems.raise_if_any()
    gdf = gdf.to_crs(4326)
    gdf["lon"], gdf["lat"] = gdf.geometry.x, gdf.geometry.y
    tech = gdf["technology"] if "technology" in gdf.columns else pd.Series(None,
                                                                          index=gdf.index)
    gdf["rsrp_dbm"] = gdf["signal_dbm"].where(tech.isna() | tech.isin(("4G", "5G")))
    return gdf


@readers._at_boundary
def read_measurements(path: str | os.PathLike, *, crs: Any = None, encoding: str | None = None,
                      columns: Mapping[str, str] | None = None, to_crs: Any = "EPSG:4326"
                      ) -> gpd.GeoDataFrame:
    """Measured levels for calibration, from a drive-test table or an OpenCelliD measurements
    file (this module's docstring says which columns).

    Parameters
    ----------
    path
        CSV/TXT (XLSX for a drive test).
    crs
        CRS of x/y columns of a drive test (lon/lat are WGS 84).
    encoding, columns
        As for the other readers (drive tests only: ``columns={"RSRP": "rsrp_dbm"}``).
    to_crs
        CRS of the result (None keeps WGS 84).

    Returns
    -------
    GeoDataFrame
        One point per measurement; ``attrs["format"]`` is ``"drive-test"``,
        ``"opencellid-upload"``, ``"opencellid-export"`` or ``"opencellid-headerless"``.
    """
    p = readers._check_path(path)
    problems = Problems(p.name, "row")
    kind = opencellid.measurement_format(p) if not columns else None
    if kind in ("upload", "export", "headerless"):
        df = _from_opencellid(p, kind, problems)
        fmt = f"opencellid-{kind}"
    else:
        df = _from_drive_test(p, problems, encoding, columns)
        fmt = "drive-test"
    if df.empty:
        raise InputError(f"{p.name}: holds no measurement with a usable level; expected "
                         "rows with a signal level in dBm")
    gdf = _finish(df, crs, problems)
    warn_duplicate_rows(gdf, problems)
    gdf.attrs["format"] = fmt
    gdf = gdf.reset_index(drop=True)
    out = gdf if to_crs is None else gdf.to_crs(to_crs)
    out.attrs = {"format": fmt}
    return out

