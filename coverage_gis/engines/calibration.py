"""Calibration of the path loss against measured levels (``coverage-gis calibrate``).

Planning tools (Atoll's standard propagation model, Planet) fit an offset (K1) and a distance
slope (K2) of their path-loss model to drive-test measurements; this module does the same for
the engine's own link budget, so that the fitted ``[calibration]`` table, applied by
:func:`coverage_gis.radio.pathloss.calibrated_loss`, moves levels and ranges alike.

**Prediction.** For each measurement the engine's level of its serving cell, exactly as the
coverage rasters compute it (:mod:`coverage_gis.engines.coverage`), without any calibration::

    predicted (dBm) = EIRP_RS - L_engine(d) + antenna pattern - terrain loss - body loss

with d the horizontal distance from the mast, the cell's own model, the sector pattern
towards the point (ground heights from the DEM), and, when the project has a DEM, the terrain
diffraction loss of the profile from the mast to the point
(:func:`coverage_gis.radio.terrain.profile_loss_db` on
:func:`coverage_gis.radio.terrain.site_profile`, the scenario's ``terrain_method``). Drive
tests are outdoors: no indoor loss.

**Measured level**: ``signal_dbm`` when the table has it (the technology's own level, as
:func:`coverage_gis.io.measurements.read_measurements` gives it), else ``rsrp_dbm``.

**Serving cell**, in this order (``match`` codes): ``cell_id``, the measurement's cell id
equal to a cell's ``site_id`` (an OpenCelliD measurement's ``mcc, mnc, area/lac, cell_id``
give the ``MCC-NN-LAC-CELL`` id of :func:`coverage_gis.io.readers.read_opencellid`), or a
cell number equal to the ``cell`` of exactly one candidate cell; ``pci``, the
cells with that physical cell id when the sites layer has a ``pci`` column (the strongest
predicted of them when several share it); ``strongest``, without either, the strongest
predicted cell. Candidates are on-air cells of the measurement's technology (``technology``
column, else ``settings.CALIBRATION_DEFAULT_TECHNOLOGY``, 4G) and operator (``operator``
column, when given).

**Excluded** measurements, counted by code (:data:`EXCLUSIONS`): ``no_level`` (an empty
level, e.g. a 2G/3G row's ``rsrp_dbm``), ``unknown_cell`` (a cell id
or PCI matching no cell), ``no_cell`` (no candidate cell), ``beyond_max_range`` (farther from
its cell than ``params.max_range_m``, where the engine computes nothing) and ``below_floor``
(measured below the level floor ``coverage.floor_dbm``: noise, not the model; dropping them
slightly favours positive errors far from the mast, where levels are lowest).

**Fit.** Sign convention: error = measured - predicted (dB); the correction fitted is the
excess loss ``predicted - measured = offset + slope log10(d / d_ref)`` by ordinary least
squares (:func:`fit_correction`), so ``offset_db`` > 0 means more loss than the model
(measured levels lower than predicted). A slope outside the allowed range
(``settings.CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE``; >= 0 with the TR 38.901 models) is held
at the limit and the offset refitted (the constrained least-squares optimum; note code
``slope_at_limit``); with all points at one distance only the offset is fitted
(``slope_not_identifiable``). Errors after the fit apply the calibration through the same
function the engine uses (the free-space floor included). **Cross-validation**: k contiguous
folds of the used measurements in file order (:func:`fold_indices`; deterministic, and a
route's neighbouring points, whose shadowing is correlated, stay together); each fold is
predicted by the fit on the others; ``cv_rmse_db`` is the RMS of those out-of-fold errors.
Clutter offsets are not fitted: the project has no land-cover layer.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage_gis.config import settings
from coverage_gis.config.params import SLOW_SLOPE_MODELS, CalibrationParams, CoverageParams
from coverage_gis.config.vocabulary import normalise_operator, normalise_technology
from coverage_gis.engines.coverage import cell_ranges, floor_dbm
from coverage_gis.errors import InputError
from coverage_gis.io.readers import Raster
from coverage_gis.radio import antenna, linkbudget, pathloss, terrain

__all__ = ["EXCLUSIONS", "MATCHES", "FITS", "NOTES", "CalibrationResult", "Correction",
           "predict", "fit_correction", "fold_indices", "calibrate"]

#: Why a measurement is not used (counts in :attr:`CalibrationResult.excluded`).
EXCLUSIONS: tuple[str, ...] = ("no_level", "unknown_cell", "no_cell", "beyond_max_range",
                               "below_floor")
#: How a measurement's serving cell was found.
MATCHES: tuple[str, ...] = ("cell_id", "pci", "strongest")
#: What was fitted: offset and slope, or the offset alone.
FITS: tuple[str, ...] = ("offset_slope", "offset")
#: Notes on a fit.
NOTES: tuple[str, ...] = ("slope_at_limit", "slope_not_identifiable", "offset_at_limit")

_SLOW_MODELS = SLOW_SLOPE_MODELS  # TR 38.901 models (config.params, written once)


@dataclass(frozen=True)
class Correction:
    """A fitted correction: the excess loss ``offset_db + slope_db_per_decade x`` with
    ``x = log10(d / reference_distance_m)``; standard errors (dB, dB per decade; NaN when not
    estimable) and note codes (:data:`NOTES`)."""

    offset_db: float
    slope_db_per_decade: float
    reference_distance_m: float
    std_error_offset_db: float
    std_error_slope_db_per_decade: float
    fit: str
    notes: tuple[str, ...] = ()


@dataclass
class CalibrationResult:
    """A calibration fitted to measurements (see the module docstring for the conventions).

    Errors are measured - predicted (dB): ``*_before_*`` with the uncalibrated engine,
    ``*_after_*`` with the calibration applied; ``cv_rmse_db`` out of fold. ``residuals``:
    one row per measurement (file order; ``row`` 1 = first data row) with ``used``,
    ``excluded`` (a code of :data:`EXCLUSIONS` or ""), ``site_id``, ``match``,
    ``technology``, ``distance_m``, ``measured_dbm``, ``predicted_before_dbm``,
    ``predicted_after_dbm``, ``error_before_db``, ``error_after_db``, ``fold``,
    ``cv_error_db``, in the cells' CRS.
    """

    offset_db: float
    slope_db_per_decade: float
    reference_distance_m: float
    std_error_offset_db: float
    std_error_slope_db_per_decade: float
    rmse_before_db: float
    rmse_after_db: float
    mean_error_before_db: float
    mean_error_after_db: float
    n: int
    cv_rmse_db: float
    folds: int
    fit: str
    terrain: bool
    models: tuple[str, ...]
    excluded: dict[str, int]
    matched: dict[str, int]
    residuals: gpd.GeoDataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_params(self, fitted_from: str | None = None) -> CalibrationParams:
        """The ``[calibration]`` parameters of this fit (offset and slope rounded to 0.01)."""
        return CalibrationParams(offset_db=round(self.offset_db, 2),
                                 slope_db_per_decade=round(self.slope_db_per_decade, 2),
                                 reference_distance_m=self.reference_distance_m,
                                 fitted_from=fitted_from, n=self.n,
                                 rmse_db=round(self.rmse_after_db, 2))


# --------------------------------------------------------------------------------------------
# Prediction
# --------------------------------------------------------------------------------------------

def _column(points: pd.DataFrame, name: str) -> np.ndarray | None:
    """A text column as stripped strings ("" for empty), or None when absent."""
    if name not in points:
        return None
    values = points[name].astype(object).where(points[name].notna(), "")
    return np.array([str(v).strip() for v in values], dtype=object)


def _measurement_cell_ids(points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Each measurement's cell id as text ("" when none), and the ``MCC-NN-AREA-CELL`` id of
    :func:`coverage_gis.io.readers.read_opencellid` where the row has ``mcc``, ``mnc`` and
    ``area`` (or ``lac``) too ("" otherwise); None when the file names no cells."""
    ids = _column(points, "cell_id")
    if ids is None:
        ids = _column(points, "cellid")
    if ids is None:
        return None
    ids = np.array([v[:-2] if v.endswith(".0") and v[:-2].isdigit() else v for v in ids],
                   dtype=object)
    area = "area" if "area" in points else "lac"
    full = np.full(len(ids), "", dtype=object)
    if all(k in points for k in ("mcc", "mnc", area)):
        parts = [pd.to_numeric(points[k], errors="coerce").to_numpy(float)
                 for k in ("mcc", "mnc", area)]
        for k, (m, n, a) in enumerate(zip(*parts)):
            if ids[k].isdigit() and not np.isnan([m, n, a]).any():
                full[k] = f"{m:.0f}-{n:02.0f}-{a:.0f}-{ids[k]}"
    return ids, full


def _cell_index(cells: pd.DataFrame) -> tuple[dict[str, int], dict[str, list[int]]]:
    """``site_id`` -> position, and (when the sites layer has OpenCelliD's ``cell``) the cell
    number as text -> positions."""
    by_site = {str(s): c for c, s in enumerate(cells["site_id"])}
    by_number: dict[str, list[int]] = {}
    if "cell" in cells:
        for c, v in enumerate(pd.to_numeric(cells["cell"], errors="coerce")):
            if not math.isnan(v):
                by_number.setdefault(f"{v:.0f}", []).append(c)
    return by_site, by_number


def _find_cell(k: int, ids: tuple[np.ndarray, np.ndarray], index: tuple[dict, dict],
               allowed: np.ndarray) -> int:
    """The cell a measurement names: its OpenCelliD id or its cell id as a ``site_id``,
    else its cell number when exactly one allowed cell (technology, operator) has it."""
    by_site, by_number = index
    for key in (ids[1][k], ids[0][k]):
        if key and key in by_site:
            return by_site[key]
    numbered = [c for c in by_number.get(ids[0][k], []) if c in set(allowed.tolist())]
    return numbered[0] if len(numbered) == 1 else -1


def _technologies(points: pd.DataFrame) -> np.ndarray:
    raw = _column(points, "technology")
    default = settings.CALIBRATION_DEFAULT_TECHNOLOGY
    if raw is None:
        return np.full(len(points), default, dtype=object)
    return np.array([normalise_technology(t) or default for t in raw], dtype=object)


class _Predictor:
    """Uncalibrated engine levels of (measurement, cell) pairs, terrain cached per mast."""

    def __init__(self, points: gpd.GeoDataFrame, cells: pd.DataFrame, params: CoverageParams,
                 dem: Raster | None) -> None:
        self.px, self.py = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
        self.cells, self.params, self.dem = cells, params, dem
        self.cx, self.cy = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
        self.height_m = cells["height_m"].to_numpy(float)
        self.band_mhz = cells["band_mhz"].to_numpy(float)
        self._terrain: dict[tuple, float] = {}
        if dem is not None:
            self.ground_p = np.nan_to_num(dem.sample(self.px, self.py))
            self.ground_c = np.nan_to_num(dem.sample(self.cx, self.cy))
            self.step_m = float(min(abs(dem.resolution[0]), abs(dem.resolution[1])))
        else:
            self.ground_p, self.ground_c = np.zeros(len(self.px)), np.zeros(len(self.cx))

    def distance_m(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.hypot(self.px[i] - self.cx[j], self.py[i] - self.cy[j])

    def _terrain_db(self, i: int, j: int) -> float:
        h, f = float(self.height_m[j]), float(self.band_mhz[j])
        key = (round(self.cx[j], 1), round(self.cy[j], 1), h, f, i)
        if key not in self._terrain:
            d, g = terrain.site_profile(self.dem, self.cx[j], self.cy[j], self.px[i],
                                        self.py[i], self.step_m)
            self._terrain[key] = 0.0 if d[-1] <= 0.0 else terrain.profile_loss_db(
                d, g, h, self.params.ue_height_m, f, method=self.params.terrain_method).loss_db
        return self._terrain[key]

    def terrain_db(self, i: np.ndarray, j: np.ndarray) -> np.ndarray | float:
        """Terrain loss (dB) of the pairs; 0 without a DEM."""
        if self.dem is None:
            return 0.0
        return np.array([self._terrain_db(a, b) for a, b in zip(i, j)], dtype=float)

    def levels(self, i: np.ndarray, j: np.ndarray, *, with_terrain: bool = True
               ) -> tuple[np.ndarray, np.ndarray]:
        """Predicted levels (dBm) and distances (m) of the pairs (``i`` measurements, ``j``
        cells, positions in their tables); ``with_terrain=False``: flat ground."""
        c, p = self.cells, self.params
        dist = self.distance_m(i, j)
        f, hb = c["band_mhz"].to_numpy(float)[j], c["height_m"].to_numpy(float)[j]
        models = c["model"].to_numpy(object)[j]
        loss = np.empty(len(i))
        for name in set(models.tolist()):
            sel = models == name
            loss[sel] = pathloss.engine_path_loss(name, dist[sel], f[sel], hb[sel],
                                                  p.ue_height_m)
        bearing = antenna.bearing_deg(self.cx[j], self.cy[j], self.px[i], self.py[i])
        elevation = antenna.elevation_deg(np.maximum(dist, 1.0),
                                          self.ground_c[j] + hb - self.ground_p[i]
                                          - p.ue_height_m)
        gain = antenna.sector_gain_db(bearing, c["azimuth_deg"].to_numpy(float)[j], elevation,
                                      c["tilt_deg"].to_numpy(float)[j],
                                      beamwidth_deg=c["beamwidth_deg"].to_numpy(float)[j])
        t_loss = self.terrain_db(i, j) if with_terrain else 0.0
        level = linkbudget.rsrp_dbm(c["eirp_re_dbm"].to_numpy(float)[j], loss, gain, t_loss,
                                    p.body_loss_db, 0.0)
        return np.asarray(level, dtype=float), dist


def _candidates(points: pd.DataFrame, cells: pd.DataFrame, tech: np.ndarray) -> list[np.ndarray]:
    """Per measurement, the positions of the cells of its technology (and operator)."""
    ops = _column(points, "operator")
    cell_tech = cells["technology"].to_numpy(object)
    cell_ops = cells["operator"].to_numpy(object)
    out = []
    for k in range(len(points)):
        ok = cell_tech == tech[k]
        if ops is not None and ops[k]:
            op = normalise_operator(ops[k]) or ops[k]
            ok &= cell_ops == op
        out.append(np.flatnonzero(ok))
    return out


def _strongest(pred: _Predictor, among: list[np.ndarray], reach: np.ndarray) -> np.ndarray:
    """Per measurement, the strongest predicted cell of ``among[k]`` (positions) within its
    reach (-1: none). Flat-ground levels of every pair at once, then, per measurement, the
    terrain loss of its cells in decreasing flat level until the next flat level is no
    better than the best level with terrain found (the terrain loss is never negative, so
    the rest cannot win)."""
    out = np.full(len(among), -1)
    i = np.concatenate([np.full(a.size, k) for k, a in enumerate(among)] + [np.zeros(0, int)])
    j = np.concatenate([*among, np.zeros(0, int)]).astype(int)
    near = pred.distance_m(i, j) <= reach[j]
    i, j = i[near], j[near]
    if i.size == 0:
        return out
    flat, _ = pred.levels(i, j, with_terrain=False)
    order = np.lexsort((-flat, i))
    starts = np.searchsorted(i[order], np.arange(len(among) + 1))
    for k in np.unique(i):
        best, arg = -np.inf, -1
        for idx in order[starts[k]:starts[k + 1]]:
            if flat[idx] <= best:
                break
            level = flat[idx] - float(np.asarray(pred.terrain_db(i[idx:idx + 1],
                                                                 j[idx:idx + 1])).ravel()[0])
            if level > best:
                best, arg = level, int(j[idx])
        out[k] = arg
    return out


def _serving_cells(points: gpd.GeoDataFrame, cells: pd.DataFrame, pred: _Predictor
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per measurement: the serving cell's position in ``cells`` (-1: none), the match code
    (:data:`MATCHES`) and the exclusion code ("" or ``unknown_cell`` / ``no_cell``)."""
    n = len(points)
    ids = _measurement_cell_ids(points)
    pcis = (pd.to_numeric(points["pci"], errors="coerce").to_numpy(float)
            if "pci" in points and "pci" in cells else np.full(n, np.nan))
    cell_pci = (pd.to_numeric(cells["pci"], errors="coerce").to_numpy(float)
                if "pci" in cells else np.full(len(cells), np.nan))
    index = _cell_index(cells)
    candidates = _candidates(points, cells, _technologies(points))
    serving = np.full(n, -1)
    match = np.full(n, "strongest", dtype=object)
    among = [np.zeros(0, int)] * n
    for k in range(n):
        if ids is not None and ids[0][k]:
            serving[k], match[k] = _find_cell(k, ids, index, candidates[k]), "cell_id"
        elif not math.isnan(pcis[k]):
            among[k], match[k] = candidates[k][cell_pci[candidates[k]] == pcis[k]], "pci"
        else:
            among[k] = candidates[k]
    reach = np.minimum(cells["reach_m"].to_numpy(float), pred.params.max_range_m)
    # the strongest cell within reach; a PCI names a cell: the strongest sharing it, anywhere
    for code, limit in (("strongest", reach), ("pci", np.full(len(cells), np.inf))):
        rows = match == code
        if rows.any():
            found = _strongest(pred, [a if r else np.zeros(0, int)
                                      for a, r in zip(among, rows)], limit)
            serving[rows] = found[rows]
    excluded = np.where(serving >= 0, "",
                        np.where(match == "strongest", "no_cell", "unknown_cell")).astype(object)
    return serving, match, excluded


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------

def _constrained(x: np.ndarray, y: np.ndarray, slope: float) -> float:
    """The least-squares offset with the slope held."""
    return float(np.mean(y - slope * x))


_SLOPE_LIMITS = settings.CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE


def fit_correction(log_distance: np.ndarray, excess_loss_db: np.ndarray,
                   reference_distance_m: float = settings.CALIBRATION_REFERENCE_DISTANCE_M,
                   *, offset_only: bool = False,
                   slope_limits: tuple[float, float] = _SLOPE_LIMITS) -> Correction:
    """Least-squares correction ``excess_loss_db ~ offset + slope log_distance``.

    Ordinary least squares (``numpy.linalg.lstsq``) on [1, x] (or [1] with ``offset_only``
    or when every x is the same); standard errors from the residual variance
    ``RSS / (n - p)`` times ``(X'X)^-1``. A slope outside ``slope_limits`` is held at the
    nearer limit and the offset refitted: the optimum of the constrained problem, a convex
    quadratic whose unconstrained optimum lies outside (note ``slope_at_limit``).

    Parameters
    ----------
    log_distance : numpy.ndarray
        x = log10(d / reference distance), per measurement.
    excess_loss_db : numpy.ndarray
        Predicted minus measured level, dB (> 0: more loss than the model).
    reference_distance_m : float
        The reference distance of x, m (recorded in the result).
    offset_only : bool
        Fit the offset alone (slope 0).
    slope_limits : (float, float)
        Allowed slopes, dB per decade.
    """
    x, y = np.asarray(log_distance, float), np.asarray(excess_loss_db, float)
    n = y.size
    notes: list[str] = []
    if not offset_only and np.ptp(x) <= 1e-9:
        offset_only = True
        notes.append("slope_not_identifiable")
    design = np.column_stack([np.ones(n), x]) if not offset_only else np.ones((n, 1))
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    offset, slope = float(coef[0]), (float(coef[1]) if not offset_only else 0.0)
    lo, hi = slope_limits
    if not lo <= slope <= hi:
        slope = lo if slope < lo else hi
        offset = _constrained(x, y, slope)
        notes.append("slope_at_limit")
    rss = float(np.sum((y - offset - slope * x) ** 2))
    p = design.shape[1]
    var = rss / (n - p) if n > p else math.nan
    cov = var * np.linalg.pinv(design.T @ design)
    se_slope = math.sqrt(cov[1, 1]) if p == 2 and "slope_at_limit" not in notes else math.nan
    return Correction(offset, slope, float(reference_distance_m), math.sqrt(cov[0, 0]),
                      se_slope, "offset" if offset_only else "offset_slope", tuple(notes))


def fold_indices(n: int, k: int) -> np.ndarray:
    """Fold number (0..k-1) of each of ``n`` measurements: k contiguous blocks in file order,
    sizes differing by at most one (``numpy.array_split``); deterministic."""
    if not 2 <= k <= n:
        raise ValueError(f"k-fold cross-validation needs 2 <= k <= n, got k={k}, n={n}")
    out = np.empty(n, dtype=int)
    for fold, block in enumerate(np.array_split(np.arange(n), k)):
        out[block] = fold
    return out


def _calibrated_levels(before: np.ndarray, dist: np.ndarray, cells: pd.DataFrame,
                       j: np.ndarray, ue_height_m: float, corr: Correction) -> np.ndarray:
    """Levels (dBm) with the correction applied by the engine's own function
    (:func:`coverage_gis.radio.pathloss.calibrated_loss`, floor included)."""
    f, hb = cells["band_mhz"].to_numpy(float)[j], cells["height_m"].to_numpy(float)[j]
    models = cells["model"].to_numpy(object)[j]
    extra = np.empty(len(j))
    for name in set(models.tolist()):
        sel = models == name
        raw = pathloss.engine_path_loss(name, dist[sel], f[sel], hb[sel], ue_height_m)
        extra[sel] = pathloss.calibrated_loss(name, raw, dist[sel], f[sel], corr) - raw
    return before - extra


def _stats(error: np.ndarray) -> tuple[float, float]:
    """(RMS, mean) of errors, dB."""
    return float(np.sqrt(np.mean(error**2))), float(np.mean(error))


# --------------------------------------------------------------------------------------------
# The whole calibration
# --------------------------------------------------------------------------------------------

def _prepare(measurements: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, params: CoverageParams,
             dem: Raster | None) -> tuple[gpd.GeoDataFrame, pd.DataFrame, Raster | None]:
    """Measurements in the cells' metric CRS, the on-air cells with their model, per-RE EIRP
    and reach (uncalibrated), and the DEM in that CRS."""
    if cells.crs is None or not cells.crs.is_projected:
        raise ValueError("calibrate needs the cells in a projected (metric) CRS")
    points = measurements.to_crs(cells.crs).reset_index(drop=True)
    if not params.include_planned and "status" in cells:
        cells = cells[cells["status"] != "planned"]
    table = cell_ranges(cells.reset_index(drop=True), params)
    if dem is not None and dem.crs != cells.crs:
        dem = dem.reproject(cells.crs, float(abs(dem.resolution[0])))
    return points, table, dem


@dataclass
class _Served:
    """Measurements with their serving cells and uncalibrated predictions."""

    points: gpd.GeoDataFrame
    cells: pd.DataFrame
    terrain: bool
    serving: np.ndarray
    match: np.ndarray
    excluded: np.ndarray
    before: np.ndarray
    distance: np.ndarray
    technology: np.ndarray


def _serve(measurements: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, params: CoverageParams,
           dem: Raster | None) -> _Served:
    points, table, dem = _prepare(measurements, cells, params, dem)
    pred = _Predictor(points, table, params, dem)
    serving, match, excluded = _serving_cells(points, table, pred)
    has = serving >= 0
    before = np.full(len(points), np.nan)
    dist = np.full(len(points), np.nan)
    if has.any():
        before[has], dist[has] = pred.levels(np.flatnonzero(has), serving[has])
    excluded[has & (dist > params.max_range_m)] = "beyond_max_range"
    tech = np.where(has, table["technology"].to_numpy(object)[np.maximum(serving, 0)], "")
    return _Served(points, table, dem is not None, serving, match, excluded, before, dist,
                   tech)


def predict(measurements: gpd.GeoDataFrame, cells: gpd.GeoDataFrame,
            params: CoverageParams | None = None, dem: Raster | None = None
            ) -> gpd.GeoDataFrame:
    """The engine's level at each measurement point from its serving cell, without
    calibration (module docstring: prediction and serving cell).

    Parameters
    ----------
    measurements
        Points, as for :func:`calibrate` (``rsrp_dbm`` not needed).
    cells, params, dem
        As for :func:`calibrate`.

    Returns
    -------
    geopandas.GeoDataFrame
        The measurements (cells' CRS) with ``site_id``, ``match``, ``excluded``
        (``unknown_cell``, ``no_cell``, ``beyond_max_range`` or ""), ``technology``,
        ``distance_m`` and ``predicted_dbm``.
    """
    params = dataclasses.replace(params or CoverageParams(), calibration={})
    s = _serve(measurements, cells, params, dem)
    out = s.points.copy()
    has = s.serving >= 0
    out["site_id"] = np.where(has, s.cells["site_id"].to_numpy(object)[np.maximum(s.serving,
                                                                                   0)], "")
    out["match"], out["excluded"], out["technology"] = s.match, s.excluded, s.technology
    out["distance_m"], out["predicted_dbm"] = s.distance, s.before
    return out


def calibrate(measurements: gpd.GeoDataFrame, cells: gpd.GeoDataFrame,
              params: CoverageParams | None = None, dem: Raster | None = None, *,
              folds: int = settings.CALIBRATION_FOLDS,
              reference_distance_m: float = settings.CALIBRATION_REFERENCE_DISTANCE_M,
              offset_only: bool = False) -> CalibrationResult:
    """Fit the engine's path loss to measured levels (module docstring: prediction, serving
    cell, exclusions, fit, cross-validation).

    Parameters
    ----------
    measurements
        Points with ``rsrp_dbm`` (measured level, dBm) and optionally ``cell_id``, ``pci``,
        ``technology``, ``operator`` (or OpenCelliD's ``mcc``, ``mnc``, ``lac``, ``cellid``).
    cells
        The sites layer (one row per cell) in a metric CRS.
    params
        Coverage parameters (models, heights, losses, floor, terrain method); any
        ``[calibration]`` in them is ignored: the fit is against the uncalibrated engine.
    dem
        Ground heights, or None for flat ground.
    folds
        k of the k-fold cross-validation.
    reference_distance_m
        d_ref of the slope term, m.
    offset_only
        Fit the offset alone.

    Raises
    ------
    InputError
        Fewer usable measurements than ``settings.CALIBRATION_MIN_MEASUREMENTS`` (or than
        ``folds``), with the exclusion counts.
    """
    params = dataclasses.replace(params or CoverageParams(), calibration={})
    s = _serve(measurements, cells, params, dem)
    measured = _measured(s.points)
    floor = np.array([floor_dbm(t, params) if t else -np.inf for t in s.technology])
    s.excluded[np.isnan(measured)] = "no_level"
    s.excluded[(s.excluded == "") & (measured < floor)] = "below_floor"
    used = s.excluded == ""
    _check_enough(int(used.sum()), folds, s.excluded)
    j, dist, before = s.serving[used], s.distance[used], s.before[used]
    x = np.log10(np.maximum(dist, 1.0) / reference_distance_m)
    models = tuple(sorted(set(s.cells["model"].to_numpy(object)[j].tolist())))
    limits = _slope_limits(models)
    corr = _check_offset(fit_correction(x, before - measured[used], reference_distance_m,
                                        offset_only=offset_only, slope_limits=limits))
    after = _calibrated_levels(before, dist, s.cells, j, params.ue_height_m, corr)
    fold = fold_indices(int(used.sum()), folds)
    cv_error = _cross_validate(x, before, measured[used], dist, s.cells, j, fold,
                               params.ue_height_m, corr, limits, offset_only)
    residuals = _residuals(s, measured, used, after, fold, cv_error)
    return _result(corr, measured[used] - before, measured[used] - after, cv_error, folds,
                   s.terrain, models, s.excluded, s.match[used], residuals)


def _measured(points: pd.DataFrame) -> np.ndarray:
    """Measured levels (dBm): ``signal_dbm`` (the technology's own level: RSRP, RSCP, RxLev)
    when the table has it, else ``rsrp_dbm``; NaN where empty."""
    column = "signal_dbm" if "signal_dbm" in points else "rsrp_dbm"
    if column not in points:
        raise InputError("the measurements have no rsrp_dbm column (the measured level, dBm)")
    return pd.to_numeric(points[column], errors="coerce").to_numpy(float)


def _slope_limits(models: tuple[str, ...]) -> tuple[float, float]:
    lo, hi = settings.CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE
    return (max(lo, 0.0) if set(models) & set(_SLOW_MODELS) else lo), hi


def _check_enough(n: int, folds: int, excluded: np.ndarray) -> None:
    need = max(settings.CALIBRATION_MIN_MEASUREMENTS, folds)
    if n < need:
        raise InputError(f"only {n} usable measurement(s); a calibration needs at least "
                         f"{need} (excluded: "
                         + ", ".join(f"{code} {int((excluded == code).sum())}"
                                     for code in EXCLUSIONS) + ")")


def _check_offset(corr: Correction) -> Correction:
    """Hold the offset within ``settings.CALIBRATION_OFFSET_LIMITS_DB``."""
    lo, hi = settings.CALIBRATION_OFFSET_LIMITS_DB
    if lo <= corr.offset_db <= hi:
        return corr
    return dataclasses.replace(corr, offset_db=min(max(corr.offset_db, lo), hi),
                               notes=(*corr.notes, "offset_at_limit"))


def _cross_validate(x: np.ndarray, before: np.ndarray, measured: np.ndarray, dist: np.ndarray,
                    cells: pd.DataFrame, j: np.ndarray, fold: np.ndarray, ue_height_m: float,
                    corr: Correction, limits: tuple[float, float], offset_only: bool
                    ) -> np.ndarray:
    """Out-of-fold errors (measured - predicted, dB): each fold predicted by the fit on the
    others."""
    out = np.empty(len(x))
    for k in np.unique(fold):
        test = fold == k
        c = _check_offset(fit_correction(x[~test], before[~test] - measured[~test],
                                         corr.reference_distance_m,
                                         offset_only=corr.fit == "offset" or offset_only,
                                         slope_limits=limits))
        out[test] = measured[test] - _calibrated_levels(before[test], dist[test], cells,
                                                        j[test], ue_height_m, c)
    return out


def _residuals(s: _Served, measured: np.ndarray, used: np.ndarray, after: np.ndarray,
               fold: np.ndarray, cv_error: np.ndarray) -> gpd.GeoDataFrame:
    points, cells, serving, dist, before = s.points, s.cells, s.serving, s.distance, s.before
    match, excluded, tech = s.match, s.excluded, s.technology
    n = len(points)

    def on_used(values: np.ndarray) -> np.ndarray:
        out = np.full(n, np.nan)
        out[used] = values
        return out

    has = serving >= 0
    site = np.where(has, cells["site_id"].to_numpy(object)[np.maximum(serving, 0)], "")
    fold_all = pd.array([pd.NA] * n, dtype="Int64")
    fold_all[used] = fold
    frame = pd.DataFrame({
        "row": np.arange(1, n + 1), "used": used, "excluded": excluded, "site_id": site,
        "match": match, "technology": np.where(has, tech, ""),
        "distance_m": np.round(dist, 1), "measured_dbm": measured,
        "predicted_before_dbm": np.round(before, 2),
        "predicted_after_dbm": np.round(on_used(after), 2),
        "error_before_db": np.round(measured - before, 2),
        "error_after_db": np.round(on_used(measured[used] - after), 2),
        "fold": fold_all, "cv_error_db": np.round(on_used(cv_error), 2)})
    return gpd.GeoDataFrame(frame, geometry=points.geometry.to_numpy(), crs=points.crs)


def _result(corr: Correction, before_error: np.ndarray, after_error: np.ndarray,
            cv_error: np.ndarray, folds: int, terrain_used: bool, models: tuple[str, ...],
            excluded: np.ndarray, match: np.ndarray, residuals: gpd.GeoDataFrame
            ) -> CalibrationResult:
    rmse_before, mean_before = _stats(before_error)
    rmse_after, mean_after = _stats(after_error)
    return CalibrationResult(
        offset_db=corr.offset_db, slope_db_per_decade=corr.slope_db_per_decade,
        reference_distance_m=corr.reference_distance_m,
        std_error_offset_db=corr.std_error_offset_db,
        std_error_slope_db_per_decade=corr.std_error_slope_db_per_decade,
        rmse_before_db=rmse_before, rmse_after_db=rmse_after,
        mean_error_before_db=mean_before, mean_error_after_db=mean_after,
        n=int(before_error.size), cv_rmse_db=_stats(cv_error)[0], folds=folds, fit=corr.fit,
        terrain=terrain_used, models=models,
        excluded={code: int((excluded == code).sum()) for code in EXCLUSIONS},
        matched={code: int((match == code).sum()) for code in MATCHES},
        residuals=residuals, notes=corr.notes)
