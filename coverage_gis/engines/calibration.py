"""Calibration of the path loss against measured levels (``coverage-gis calibrate``).

Planning tools (Atoll's standard propagation model, Planet) fit an offset (K1) and a distance
slope (K2) of their path-loss model to drive-test measurements; this module does the same for
the engine's own link budget, so that the fitted ``[calibration]`` table, applied by
:func:`coverage_gis.radio.pathloss.calibrated_loss`, moves levels and ranges alike.

**Prediction.** For each measurement the engine's level of its serving cell, by the function
the coverage rasters use (:func:`coverage_gis.engines.coverage.cell_levels_at`), without any
calibration::

    predicted (dBm) = EIRP_RS - L_engine(d) + antenna pattern - terrain loss - body loss
                      - land-cover loss

with d the horizontal distance from the mast, the cell's own model (with the effective mast
height of the Hata family and, for TR 38.901, LOS or NLOS from the terrain), the sector
pattern towards the point, the terrain sweep of the scenario's ``terrain_method``, all on the
coverage grid of the hamlets (its DEM and land cover, as ``analyze`` has them): at a grid
cell's centre, the level raster's value. Drive tests are outdoors: no indoor loss.

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
column, when given; the reader gives OpenCelliD rows the operator of their ``mcc, mnc``):
a named cell that is not a candidate is excluded (``other_technology``, ``other_operator``),
never fitted (an RSRP against a 2G BCCH or 3G CPICH level). A cell number (OpenCelliD's
``cellid``, or a drive test's number) can only be looked up among cells that carry one (a
``cell`` number, or a ``site_id`` that is a number or ``MCC-NN-LAC-CELL``: a sites layer read
from OpenCelliD); when none of a row's candidates does (an operator's own cell list) and the
row gives its operator, the name says nothing about this layer and the row falls back to its
``pci``, else to the strongest predicted cell of its technology and operator, as a row
without a name (counted: :attr:`CalibrationResult.cell_number_fallback`); without an operator
it stays ``unknown_cell`` (the strongest of every operator's cells is no estimate of its
serving cell).

**Excluded** measurements, counted by code (:data:`EXCLUSIONS`): ``no_level`` (an empty
level, e.g. a 2G/3G row's ``rsrp_dbm``), ``duplicate`` (an exact copy of an earlier row:
:func:`coverage_gis.io.measurements.duplicate_rows`; one reading written twice is one
measurement, for the minimum, the fit, its standard errors and the folds alike),
``unknown_cell`` (a cell id or PCI matching no cell), ``other_technology`` and
``other_operator`` (the named cell is of another technology, or another operator, than the
row's), ``no_cell`` (no candidate cell), ``beyond_max_range`` (farther from
its cell than ``params.max_range_m``, where the engine computes nothing), ``below_floor``
(*predicted* below the level floor ``coverage.floor_dbm``, where the maps show nothing) and
``unknown_technology`` (a ``technology`` no cell carries: ``LTE-M``, ``NB-IoT``, a typo; a
blank one is ``settings.CALIBRATION_DEFAULT_TECHNOLOGY``).
Selected on the prediction, a function of the place only, the fit stays unbiased; selected
on the measured level it would keep only the positive errors of the far points (a truncated
regression: the fitted loss too low far out). A measured level is kept whatever it is;
phones report LTE RSRP down to -140 dBm (3GPP TS 36.133 §9.1.4), 2.5 sigma below the floor at
sigma = 8 dB, so their own limit truncates few of the rows kept unless the model is far too
optimistic.

**Fit.** Sign convention: error = measured - predicted (dB); the correction fitted is the
excess loss ``predicted - measured = offset + slope log10(d / d_ref)`` by ordinary least
squares (:func:`fit_correction`), so ``offset_db`` > 0 means more loss than the model
(measured levels lower than predicted). A slope outside the allowed range
(``settings.CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE``; >= 0 with the TR 38.901 models) is held
at the limit and the offset refitted (the constrained least-squares optimum; note code
``slope_at_limit``); with the points at (nearly) one distance, the slope's standard error
above ``settings.CALIBRATION_SLOPE_SE_MAX_DB_PER_DECADE``, only the offset is fitted
(``slope_not_identifiable``). Errors after the fit apply the calibration through the same
function the engine uses (the free-space floor included). **Cross-validation**: k contiguous
folds of the used measurements in file order (:func:`fold_indices`; deterministic, and a
route's neighbouring points, whose shadowing is correlated, stay together); each fold is
predicted by the fit on the others; ``cv_rmse_db`` is the RMS of those out-of-fold errors.
**Clutter offsets** (with a land-cover layer): a 0/1 column per class with at least
``settings.CALIBRATION_MIN_CLASS_MEASUREMENTS`` measurements in the same least squares,
centred over those classes (:func:`fit_correction`); applied as extra loss of the class
(:func:`coverage_gis.engines.levels.clutter_from_classes`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gis.config import settings
from coverage_gis.config.params import SLOW_SLOPE_MODELS, CalibrationParams, CoverageParams
from coverage_gis.config.vocabulary import normalise_operator, normalise_technology
from coverage_gis.engines.coverage import (
    Grid,
    cell_levels_at,
    clutter_grids,
    clutter_subset,
    dem_on_grid,
    floor_dbm,
    mast_windows,
    ranges_with_clutter,
    study_grid,
)
from coverage_gis.engines.levels import clutter_from_classes
from coverage_gis.errors import InputError
from coverage_gis.io.landcover import classes_on_grid
from coverage_gis.io.measurements import duplicate_rows
from coverage_gis.io.readers import Raster
from coverage_gis.radio import pathloss

__all__ = ["EXCLUSIONS", "MATCHES", "FITS", "NOTES", "CalibrationResult", "Correction",
           "predict", "fit_correction", "fold_indices", "calibrate"]

#: Why a measurement is not used (counts in :attr:`CalibrationResult.excluded`).
EXCLUSIONS: tuple[str, ...] = ("no_level", "duplicate", "unknown_cell", "other_technology",
                               "other_operator", "no_cell", "beyond_max_range", "below_floor",
                               "unknown_technology")
#: How a measurement's serving cell was found.
MATCHES: tuple[str, ...] = ("cell_id", "pci", "strongest")
#: What was fitted: offset and slope, or the offset alone.
FITS: tuple[str, ...] = ("offset_slope", "offset")
#: Notes on a fit.
NOTES: tuple[str, ...] = ("slope_at_limit", "slope_not_identifiable", "offset_at_limit",
                          "offset_unusual", "pci_ignored")

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
    #: Land-cover class -> extra loss (dB) on top of the offset (classes with enough
    #: measurements; the others share the offset).
    clutter_offsets_db: dict[int, float] = field(default_factory=dict)


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
    #: Land-cover class -> extra loss (dB) fitted on top of the offset (empty without a
    #: land-cover layer, or when no class has ``settings.CALIBRATION_MIN_CLASS_MEASUREMENTS``).
    clutter_offsets_db: dict[int, float] = field(default_factory=dict)
    #: Measurements used per land-cover class (-1: none).
    class_counts: dict[int, int] = field(default_factory=dict)
    #: Rows naming a cell number that none of their candidate cells carries (a sites layer
    #: without OpenCelliD cell numbers), served instead by their PCI or as the strongest cell
    #: of their technology and operator (module docstring: serving cell).
    cell_number_fallback: int = 0

    def as_params(self, fitted_from: str | None = None) -> CalibrationParams:
        """The ``[calibration]`` parameters of this fit (offsets and slope rounded to
        0.01)."""
        return CalibrationParams(offset_db=round(self.offset_db, 2),
                                 slope_db_per_decade=round(self.slope_db_per_decade, 2),
                                 reference_distance_m=self.reference_distance_m,
                                 clutter_offsets_db={int(k): round(v, 2) for k, v
                                                     in self.clutter_offsets_db.items()},
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


#: A ``site_id`` that carries a cell number: a number, or read_opencellid's MCC-NN-AREA-CELL.
_NUMBERED_SITE_ID = re.compile(r"\d+(-\d+-\d+-\d+)?")


def _numbered_cells(cells: pd.DataFrame) -> np.ndarray:
    """Per cell, whether a cell number can find it: it has a ``cell`` number (a sites layer
    read from OpenCelliD) or its ``site_id`` is a number or ``MCC-NN-AREA-CELL``."""
    out = np.array([bool(_NUMBERED_SITE_ID.fullmatch(str(s).strip()))
                    for s in cells["site_id"]], dtype=bool)
    if "cell" in cells:
        out |= pd.to_numeric(cells["cell"], errors="coerce").notna().to_numpy()
    return out


def _find_cell(k: int, ids: tuple[np.ndarray, np.ndarray], index: tuple[dict, dict],
               allowed: np.ndarray, tech: np.ndarray, cell_tech: np.ndarray
               ) -> tuple[int, str]:
    """The cell a measurement names (its OpenCelliD id or its cell id as a ``site_id``, else
    its cell number) and "", when it is one of the ``allowed`` cells (the row's technology
    ``tech[k]`` and operator); else -1 and why: ``other_technology`` or ``other_operator``
    when the name finds cells but none allowed, ``unknown_cell`` when it finds none (or a
    number finds several allowed cells)."""
    by_site, by_number = index
    site = next((by_site[key] for key in (ids[1][k], ids[0][k]) if key and key in by_site), None)
    found = [site] if site is not None else by_number.get(ids[0][k], [])
    ok = set(allowed.tolist())
    fits = [c for c in found if c in ok]
    if len(fits) == 1:
        return fits[0], ""
    if fits or not found:
        return -1, "unknown_cell"
    same_tech = any(cell_tech[c] == tech[k] for c in found)
    return -1, "other_operator" if same_tech else "other_technology"


def _technologies(points: pd.DataFrame) -> np.ndarray:
    """Per measurement its technology: its ``technology`` read (``"5G NSA"``, ``"LTE+"``...),
    blank: ``settings.CALIBRATION_DEFAULT_TECHNOLOGY``; "" for a label no cell can carry
    (``LTE-M``, ``NB-IoT``, a typo): found by a review, "5G NSA" rows were read as 4G and
    fitted against the 4G cells."""
    raw = _column(points, "technology")
    default = settings.CALIBRATION_DEFAULT_TECHNOLOGY
    if raw is None:
        return np.full(len(points), default, dtype=object)
    return np.array([default if str(t).strip() == "" else normalise_technology(t) or ""
                     for t in raw], dtype=object)


class _Predictor:
    """Uncalibrated engine levels of (measurement, cell) pairs: the coverage engine's own
    (:func:`coverage_gis.engines.coverage.cell_levels_at`: effective height, line of sight,
    antenna pattern, terrain, land cover), with the ground and land cover on the coverage
    grid (``dem`` on it, ``ground``)."""

    def __init__(self, points: gpd.GeoDataFrame, cells: pd.DataFrame, params: CoverageParams,
                 dem: Raster | None, ground: _Ground) -> None:
        self.px, self.py = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
        self.cells, self.params, self.dem = cells, params, dem
        self.cx, self.cy = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
        self.clutter_at = ground.clutter_at
        self.terrain_m, self.corner_m = ground.terrain_m, ground.corner_m

    def distance_m(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.hypot(self.px[i] - self.cx[j], self.py[i] - self.cy[j])

    def levels(self, i: np.ndarray, j: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predicted levels (dBm), path losses (dB) and distances (m) of the pairs (``i``
        measurements, ``j`` cells, positions in their tables); one sweep per cell, at its
        measurements only."""
        level = np.full(len(i), np.nan)
        loss = np.full(len(i), np.nan)
        order = np.argsort(j, kind="stable")
        bounds = np.flatnonzero(np.diff(j[order])) + 1
        for idx in np.split(order, bounds) if len(order) else []:
            pts = i[idx]
            k = int(j[idx[0]])
            level[idx], loss[idx] = cell_levels_at(
                self.cells.iloc[k], self.px[pts], self.py[pts], self.dem, self.params,
                terrain_m=None if self.terrain_m is None else tuple(self.terrain_m[k]),
                corner_m=None if self.corner_m is None else float(self.corner_m[k]),
                clutter_at=clutter_subset(self.clutter_at, pts), beyond_reach=True)
        return level, loss, self.distance_m(i, j)


@dataclass
class _Ground:
    """On the coverage grid: the measurements' land-cover class (-1: none) and the land
    cover's (loss, environment) at them (None without a land-cover layer); the cells'
    (range, reach) for the terrain and window corners (:func:`mast_windows`; None without
    a grid)."""

    classes: np.ndarray
    clutter_at: tuple[np.ndarray, np.ndarray | None] | None
    terrain_m: np.ndarray | None = None
    corner_m: np.ndarray | None = None


def _ground(points: gpd.GeoDataFrame, cells: pd.DataFrame, grid: Grid | None,
            landcover: Raster | None, params: CoverageParams) -> _Ground:
    n = len(points)
    if grid is None:
        return _Ground(np.full(n, -1), None)
    _, terrain_m, corner_m = mast_windows(cells, grid)
    if landcover is None:
        return _Ground(np.full(n, -1), None, terrain_m, corner_m)
    rows, cols, inside = grid.index(points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
    classes = classes_on_grid(landcover, grid.crs, grid.transform, grid.width, grid.height)
    at = np.where(inside, classes[rows, cols], -1)
    clutter = clutter_from_classes(at[None, :], params)
    env = None if clutter.environment is None else clutter.environment[0]
    return _Ground(at, (clutter.loss_db[0], env), terrain_m, corner_m)


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
    reach (-1: none; the earlier cell on a tie)."""
    out = np.full(len(among), -1)
    i = np.concatenate([np.full(a.size, k) for k, a in enumerate(among)] + [np.zeros(0, int)])
    j = np.concatenate([*among, np.zeros(0, int)]).astype(int)
    near = pred.distance_m(i, j) <= reach[j]
    i, j = i[near], j[near]
    if i.size == 0:
        return out
    level = np.nan_to_num(pred.levels(i, j)[0], nan=-np.inf)
    order = np.lexsort((j, -level, i))
    first = np.r_[True, i[order][1:] != i[order][:-1]]
    out[i[order][first]] = j[order][first]
    return out


def _unnumbered(cells: pd.DataFrame, ids: tuple[np.ndarray, np.ndarray],
                candidates: list[np.ndarray]) -> np.ndarray:
    """Per measurement, whether it names a cell by number and none of its candidate cells
    carries a cell number (:func:`_numbered_cells`): the number cannot find its cell here."""
    numbered = _numbered_cells(cells)
    return np.array([name.isdigit() and not numbered[among].any()
                     for name, among in zip(ids[0], candidates)], dtype=bool)


def _serving_cells(points: gpd.GeoDataFrame, cells: pd.DataFrame, pred: _Predictor
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per measurement: the serving cell's position in ``cells`` (-1: none), the match code
    (:data:`MATCHES`), the exclusion code ("" or ``unknown_cell``, ``other_technology``,
    ``other_operator``, ``no_cell``) and whether its cell number could not be looked up
    (:func:`_unnumbered`; with an operator the row falls back to its PCI or the strongest,
    its match then not ``cell_id``; without, it is ``unknown_cell``)."""
    n = len(points)
    ids = _measurement_cell_ids(points)
    pcis = (pd.to_numeric(points["pci"], errors="coerce").to_numpy(float)
            if "pci" in points and "pci" in cells else np.full(n, np.nan))
    cell_pci = (pd.to_numeric(cells["pci"], errors="coerce").to_numpy(float)
                if "pci" in cells else np.full(len(cells), np.nan))
    index = _cell_index(cells)
    tech = _technologies(points)
    candidates = _candidates(points, cells, tech)
    unnumbered = (_unnumbered(cells, ids, candidates) if ids is not None
                  else np.zeros(n, dtype=bool))
    ops = _column(points, "operator")
    fallback = unnumbered & (ops != "") if ops is not None else np.zeros(n, dtype=bool)
    serving = np.full(n, -1)
    match = np.full(n, "strongest", dtype=object)
    among = [np.zeros(0, int)] * n
    why = np.full(n, "", dtype=object)
    cell_tech = cells["technology"].to_numpy(object)
    for k in range(n):
        if ids is not None and ids[0][k] and not fallback[k]:
            serving[k], why[k] = _find_cell(k, ids, index, candidates[k], tech, cell_tech)
            match[k] = "cell_id"
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
    excluded = np.where(serving >= 0, "", np.where(
        match == "strongest", "no_cell", np.where(why != "", why, "unknown_cell"))).astype(object)
    excluded[tech == ""] = "unknown_technology"
    serving[tech == ""] = -1
    return serving, match, excluded, unnumbered


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------

_SLOPE_LIMITS = settings.CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE


def _class_columns(classes: np.ndarray | None, n: int) -> tuple[list[int], np.ndarray]:
    """The land-cover classes that get an offset (at least
    ``settings.CALIBRATION_MIN_CLASS_MEASUREMENTS`` measurements) and their 0/1 columns."""
    if classes is None:
        return [], np.zeros((n, 0))
    values, counts = np.unique(classes[classes >= 0], return_counts=True)
    kept = [int(v) for v, c in zip(values, counts)
            if c >= settings.CALIBRATION_MIN_CLASS_MEASUREMENTS]
    return kept, np.column_stack([classes == c for c in kept] + [np.zeros((n, 0))]).astype(float)


def _least_squares(design: np.ndarray, y: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients, their covariance ``RSS / (n - p) (X'X)^-1`` and the RSS."""
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    rss = float(np.sum((y - design @ coef) ** 2))
    n, k = design.shape
    var = rss / (n - k) if n > k else math.nan
    return coef, var * np.linalg.pinv(design.T @ design), rss


def fit_correction(log_distance: np.ndarray, excess_loss_db: np.ndarray,
                   reference_distance_m: float = settings.CALIBRATION_REFERENCE_DISTANCE_M,
                   *, offset_only: bool = False,
                   slope_limits: tuple[float, float] = _SLOPE_LIMITS,
                   classes: np.ndarray | None = None,
                   max_slope_se: float = settings.CALIBRATION_SLOPE_SE_MAX_DB_PER_DECADE
                   ) -> Correction:
    """Least-squares correction ``excess_loss_db ~ offset + slope log_distance [+ clutter
    offset of the measurement's land-cover class]``.

    Ordinary least squares (``numpy.linalg.lstsq``) on [1, x] (or [1] with ``offset_only``
    or when the distances do not tell the slope), plus a 0/1 column per land-cover class of
    ``classes`` with at least ``settings.CALIBRATION_MIN_CLASS_MEASUREMENTS`` measurements; standard
    errors from the residual variance ``RSS / (n - p)`` times ``(X'X)^-1``. A slope outside
    ``slope_limits`` is held at the nearer limit and the rest refitted: the optimum of the
    constrained problem, a convex quadratic whose unconstrained optimum lies outside (note
    ``slope_at_limit``). Class offsets are relative to the offset, centred: their mean over
    the measurements of the fitted classes is 0 (``sum n_c delta_c = 0``), so ``offset_db``
    stays the average correction, and the measurements of other classes (too few, or none)
    take it alone; with fewer than two such classes there are no class offsets.

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
    classes : numpy.ndarray, optional
        Land-cover class per measurement (-1: none).
    max_slope_se : float
        Largest standard error of the slope (dB per decade) for it to be fitted; above it (or
        with every x the same) the offset alone is (note ``slope_not_identifiable``).
    """
    x, y = np.asarray(log_distance, float), np.asarray(excess_loss_db, float)
    n = y.size
    notes: list[str] = []
    if not offset_only and np.ptp(x) <= 1e-9:
        offset_only = True
        notes.append("slope_not_identifiable")
    kept, dummies = _class_columns(classes, n)
    counts = dummies.sum(axis=0)
    # class offsets with sum(n_c delta_c) = 0: the last one follows from the others
    columns = (dummies[:, :-1] - dummies[:, -1:] * (counts[:-1] / counts[-1])
               if len(kept) > 1 else np.zeros((n, 0)))
    base = np.column_stack([np.ones(n), x]) if not offset_only else np.ones((n, 1))
    coef, cov, _ = _least_squares(np.column_stack([base, columns]), y)
    if not offset_only and not math.sqrt(max(float(cov[1, 1]), 0.0)) <= max_slope_se:
        offset_only = True  # the distances do not tell the slope (found by a review)
        notes.append("slope_not_identifiable")
        coef, cov, _ = _least_squares(np.column_stack([np.ones((n, 1)), columns]), y)
    slope = float(coef[1]) if not offset_only else 0.0
    lo, hi = slope_limits
    held = not lo <= slope <= hi
    if held:
        slope = lo if slope < lo else hi
        notes.append("slope_at_limit")
        coef, cov, _ = _least_squares(np.column_stack([np.ones(n), columns]), y - slope * x)
    offset = float(coef[0])
    deltas = coef[1 if held or offset_only else 2:]
    if len(kept) > 1:
        deltas = np.r_[deltas, -float(counts[:-1] @ deltas) / counts[-1]]
    se_slope = math.sqrt(cov[1, 1]) if not offset_only and not held else math.nan
    var_offset = float(cov[0, 0])
    return Correction(offset, slope, float(reference_distance_m), math.sqrt(var_offset),
                      se_slope, "offset" if offset_only else "offset_slope", tuple(notes),
                      {c: float(d) for c, d in zip(kept, deltas)} if len(kept) > 1 else {})


def fold_indices(n: int, k: int) -> np.ndarray:
    """Fold number (0..k-1) of each of ``n`` measurements: k contiguous blocks in file order,
    sizes differing by at most one (``numpy.array_split``); deterministic."""
    if not 2 <= k <= n:
        raise ValueError(f"k-fold cross-validation needs 2 <= k <= n, got k={k}, n={n}")
    out = np.empty(n, dtype=int)
    for fold, block in enumerate(np.array_split(np.arange(n), k)):
        out[block] = fold
    return out


def _calibrated_levels(before: np.ndarray, raw_loss: np.ndarray, dist: np.ndarray,
                       cells: pd.DataFrame, j: np.ndarray, classes: np.ndarray,
                       corr: Correction) -> np.ndarray:
    """Levels (dBm) with the correction applied by the engine's own functions: the path loss
    ``raw_loss`` (dB) through :func:`coverage_gis.radio.pathloss.calibrated_loss` (floor
    included), and the clutter offset of each measurement's land-cover class ``classes``
    (as :func:`coverage_gis.engines.levels.clutter_from_classes` adds it)."""
    f = cells["band_mhz"].to_numpy(float)[j]
    models = cells["model"].to_numpy(object)[j]
    extra = np.empty(len(j))
    for name in set(models.tolist()):
        sel = models == name
        raw = raw_loss[sel]
        extra[sel] = pathloss.calibrated_loss(name, raw, dist[sel], f[sel], corr) - raw
    for c, delta in corr.clutter_offsets_db.items():
        extra[classes == c] += delta
    return before - extra


def _stats(error: np.ndarray) -> tuple[float, float]:
    """(RMS, mean) of errors, dB."""
    return float(np.sqrt(np.mean(error**2))), float(np.mean(error))


# --------------------------------------------------------------------------------------------
# The whole calibration
# --------------------------------------------------------------------------------------------

def _prepare(measurements: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, params: CoverageParams,
             dem: Raster | None, landcover: Raster | None, hamlets: gpd.GeoDataFrame | None
             ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, Raster | None, _Ground]:
    """Measurements in the cells' metric CRS, the on-air cells with their model, per-RE EIRP
    and reach (uncalibrated), the DEM and the land cover on the coverage grid (the hamlets'
    grid, as ``analyze`` has it, grown on the same lattice over the measurements when some
    lie beyond it)."""
    if cells.crs is None or not cells.crs.is_projected:
        raise ValueError("calibrate needs the cells in a projected (metric) CRS")
    points = measurements.to_crs(cells.crs).reset_index(drop=True)
    if not params.include_planned and "status" in cells:
        cells = cells[cells["status"] != "planned"]
    grid = None
    if dem is not None or landcover is not None:
        # the hamlets' grid (its lattice is analyze's) grown over every measurement: a point
        # outside it had no terrain beyond the grid's edge nor land cover (found by a review:
        # points behind a ridge 5 km out predicted as on flat ground, up to 56 dB too strong)
        around = gpd.GeoDataFrame(geometry=[shapely.box(*points.total_bounds)], crs=cells.crs)
        if hamlets is not None and len(hamlets):
            grid = study_grid(hamlets.to_crs(cells.crs), params.resolution_m, params.margin_m)
            _, _, inside = grid.index(points.geometry.x.to_numpy(),
                                      points.geometry.y.to_numpy())
            if not inside.all():
                own, pts = np.asarray(grid.bounds), points.total_bounds
                both = np.r_[np.fmin(own[:2], pts[:2]), np.fmax(own[2:], pts[2:])]
                around = gpd.GeoDataFrame(geometry=[shapely.box(*both)], crs=cells.crs)
                grid = None
        if grid is None:
            grid = study_grid(around, params.resolution_m, params.margin_m)
    # the reaches as analyze has them on this grid, its land cover's environment and gain
    # included (found by a review: with environment_per_pixel, other levels and serving cells)
    clutter = clutter_grids(landcover, grid, params) if grid is not None else None
    table = ranges_with_clutter(cells.reset_index(drop=True), params, clutter)
    dem = dem_on_grid(dem, grid) if grid is not None else None
    return points, table, dem, _ground(points, table, grid, landcover, params)


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
    loss: np.ndarray          # the uncalibrated path loss of ``before``, dB
    distance: np.ndarray
    technology: np.ndarray
    classes: np.ndarray       # land-cover class at each measurement (-1: none)
    landcover: bool
    unnumbered: np.ndarray    # a cell number no candidate carries (_unnumbered)


def _serve(measurements: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, params: CoverageParams,
           dem: Raster | None, landcover: Raster | None = None,
           hamlets: gpd.GeoDataFrame | None = None) -> _Served:
    points, table, dem, ground = _prepare(measurements, cells, params, dem, landcover, hamlets)
    pred = _Predictor(points, table, params, dem, ground)
    serving, match, excluded, unnumbered = _serving_cells(points, table, pred)
    has = serving >= 0
    before = np.full(len(points), np.nan)
    loss = np.full(len(points), np.nan)
    dist = np.full(len(points), np.nan)
    if has.any():
        before[has], loss[has], dist[has] = pred.levels(np.flatnonzero(has), serving[has])
    excluded[has & (dist > params.max_range_m)] = "beyond_max_range"
    tech = np.where(has, table["technology"].to_numpy(object)[np.maximum(serving, 0)], "")
    return _Served(points, table, dem is not None, serving, match, excluded, before, loss,
                   dist, tech, ground.classes, ground.clutter_at is not None, unnumbered)


def _outdoor_uncalibrated(params: CoverageParams | None) -> CoverageParams:
    """The parameters a prediction for measurements uses: no calibration (the fit is against
    the uncalibrated engine), outdoors (drive tests and crowdsourced points are)."""
    return dataclasses.replace(params or CoverageParams(), calibration={}, indoor=False)


def predict(measurements: gpd.GeoDataFrame, cells: gpd.GeoDataFrame,
            params: CoverageParams | None = None, dem: Raster | None = None, *,
            landcover: Raster | None = None, hamlets: gpd.GeoDataFrame | None = None
            ) -> gpd.GeoDataFrame:
    """The engine's level at each measurement point from its serving cell, without
    calibration (module docstring: prediction and serving cell).

    Parameters
    ----------
    measurements
        Points, as for :func:`calibrate` (``rsrp_dbm`` not needed).
    cells, params, dem, landcover, hamlets
        As for :func:`calibrate`.

    Returns
    -------
    geopandas.GeoDataFrame
        The measurements (cells' CRS) with ``site_id``, ``match``, ``excluded``
        (``unknown_cell``, ``other_technology``, ``other_operator``, ``no_cell``,
        ``beyond_max_range`` or ""), ``technology``,
        ``distance_m`` and ``predicted_dbm``.
    """
    s = _serve(measurements, cells, _outdoor_uncalibrated(params), dem, landcover, hamlets)
    out = s.points.copy()
    has = s.serving >= 0
    out["site_id"] = np.where(has, s.cells["site_id"].to_numpy(object)[np.maximum(s.serving,
                                                                                   0)], "")
    out["match"], out["excluded"], out["technology"] = s.match, s.excluded, s.technology
    out["distance_m"], out["predicted_dbm"] = s.distance, s.before
    return out


def calibrate(measurements: gpd.GeoDataFrame, cells: gpd.GeoDataFrame,
              params: CoverageParams | None = None, dem: Raster | None = None, *,
              landcover: Raster | None = None, hamlets: gpd.GeoDataFrame | None = None,
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
    landcover
        Land-cover classes (the clutter of :mod:`coverage_gis.radio.clutter`, with the
        ``[clutter]`` table of ``params``), or None: then the fit has a clutter offset per
        class with enough measurements (:func:`fit_correction`).
    hamlets
        The hamlets: the coverage grid is theirs, as for ``analyze`` (ground and land cover
        are taken on it); default a grid around the measurements.
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
    params = _outdoor_uncalibrated(params)
    s = _serve(measurements, cells, params, dem, landcover, hamlets)
    measured = _measured(s.points)
    floor = np.array([floor_dbm(t, params) if t else -np.inf for t in s.technology])
    s.excluded[np.isnan(measured)] = "no_level"
    # chosen on the prediction, not on the measured level: dropping the weak measurements
    # keeps only the far points' positive errors, a truncated regression (found by a review:
    # truth +6 dB and +4 dB/decade with sigma 8 dB were fitted as 4.7 dB and 0.7 dB/decade)
    s.excluded[(s.excluded == "") & (s.before < floor)] = "below_floor"
    s.excluded[duplicate_rows(s.points) >= 0] = "duplicate"  # its first copy stands for it
    used = s.excluded == ""
    _check_enough(int(used.sum()), folds, s.excluded,
                  int((s.unnumbered & (s.excluded == "unknown_cell")).sum()))
    fit = _Fit(s.serving[used], s.distance[used], s.before[used], s.loss[used],
               s.classes[used] if s.landcover else None, measured[used])
    x = np.log10(np.maximum(fit.dist, 1.0) / reference_distance_m)
    models = tuple(sorted(set(s.cells["model"].to_numpy(object)[fit.j].tolist())))
    limits = _slope_limits(models)
    corr = _check_offset(fit_correction(x, fit.before - fit.measured, reference_distance_m,
                                        offset_only=offset_only, slope_limits=limits,
                                        classes=fit.classes))
    after = fit.after(s.cells, corr)
    fold = fold_indices(int(used.sum()), folds)
    cv_error = _cross_validate(x, fit, s.cells, fold, corr, limits, offset_only)
    residuals = _residuals(s, measured, used, after, fold, cv_error)
    counts = ({int(c): int(k) for c, k in zip(*np.unique(fit.classes, return_counts=True))}
              if fit.classes is not None else {})
    result = _result(corr, fit.measured - fit.before, fit.measured - after, cv_error, folds,
                     s.terrain, models, s.excluded, s.match[used], residuals, counts)
    # what a planner should look at twice (found by a review): an offset far beyond a drive
    # test's, and PCIs the sites layer cannot match (rows then served by the strongest cell)
    notes = (*result.notes,
             *(("offset_unusual",) if abs(result.offset_db)
               > settings.CALIBRATION_UNUSUAL_OFFSET_DB else ()),
             *(("pci_ignored",) if "pci" in measurements and "pci" not in cells
               and measurements["pci"].notna().any() else ()))
    return dataclasses.replace(
        result, notes=tuple(dict.fromkeys(notes)),
        cell_number_fallback=int((s.unnumbered & (s.match != "cell_id")).sum()))


@dataclass
class _Fit:
    """The used measurements: serving cell, distance (m), uncalibrated level (dBm) and path
    loss (dB), land-cover class (None without a land-cover layer), measured level (dBm)."""

    j: np.ndarray
    dist: np.ndarray
    before: np.ndarray
    loss: np.ndarray
    classes: np.ndarray | None
    measured: np.ndarray

    def after(self, cells: pd.DataFrame, corr: Correction,
              sel: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Calibrated levels (dBm) of the measurements ``sel``."""
        classes = (self.classes if self.classes is not None
                   else np.full(len(self.j), -1))[sel]
        return _calibrated_levels(self.before[sel], self.loss[sel], self.dist[sel], cells,
                                  self.j[sel], classes, corr)


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


def _check_enough(n: int, folds: int, excluded: np.ndarray, unnumbered: int = 0) -> None:
    """Refuse fewer than ``settings.CALIBRATION_MIN_MEASUREMENTS`` (or ``folds``) usable
    measurements, with the exclusion counts and what the main ones mean; ``unnumbered``:
    ``unknown_cell`` rows whose cell number no candidate cell carries."""
    need = max(settings.CALIBRATION_MIN_MEASUREMENTS, folds)
    if n >= need:
        return
    count = {code: int((excluded == code).sum()) for code in EXCLUSIONS}
    other = count["other_technology"] + count["other_operator"]
    raise InputError(
        f"only {n} usable measurement(s); a calibration needs at least {need} (excluded: "
        + ", ".join(f"{code} {k}" for code, k in count.items()) + ")"
        + (f"; duplicate: {count['duplicate']} row(s) repeat an earlier row exactly (one "
           "reading counts once)" if count["duplicate"] else "")
        + (f"; unknown_technology: {count['unknown_technology']} row(s) give a technology no "
           "cell carries (2G, 3G, 4G or 5G, also written GSM, UMTS, LTE, LTE+, NR, 5G NSA...)"
           if count["unknown_technology"] else "")
        + (f"; other_technology, other_operator: {other} row(s) name a cell of another "
           "technology or operator than the row's (its technology column, default "
           f"{settings.CALIBRATION_DEFAULT_TECHNOLOGY}; its operator column or mcc/mnc): name "
           "the cell each level was measured from" if other else "")
        + (f"; unknown_cell: {unnumbered} row(s) name their cell by number (such as "
           "OpenCelliD's cellid) but the sites layer has no cell numbers for them (it was not "
           "read from OpenCelliD) and the rows give no operator to take the strongest cell "
           "of: add an operator column (or mcc/mnc of a network of "
           "settings.OPENCELLID_NETWORKS), or use a sites layer read from OpenCelliD"
           if unnumbered else ""))


def _check_offset(corr: Correction) -> Correction:
    """Hold the offset within ``settings.CALIBRATION_OFFSET_LIMITS_DB``."""
    lo, hi = settings.CALIBRATION_OFFSET_LIMITS_DB
    if lo <= corr.offset_db <= hi:
        return corr
    return dataclasses.replace(corr, offset_db=min(max(corr.offset_db, lo), hi),
                               notes=(*corr.notes, "offset_at_limit"))


def _cross_validate(x: np.ndarray, fit: _Fit, cells: pd.DataFrame, fold: np.ndarray,
                    corr: Correction, limits: tuple[float, float], offset_only: bool
                    ) -> np.ndarray:
    """Out-of-fold errors (measured - predicted, dB): each fold predicted by the fit on the
    others."""
    out = np.empty(len(x))
    excess = fit.before - fit.measured
    for k in np.unique(fold):
        test = fold == k
        c = _check_offset(fit_correction(
            x[~test], excess[~test], corr.reference_distance_m,
            offset_only=corr.fit == "offset" or offset_only, slope_limits=limits,
            classes=None if fit.classes is None else fit.classes[~test]))
        out[test] = fit.measured[test] - fit.after(cells, c, test)
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
            excluded: np.ndarray, match: np.ndarray, residuals: gpd.GeoDataFrame,
            class_counts: dict[int, int]) -> CalibrationResult:
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
        residuals=residuals, notes=corr.notes, clutter_offsets_db=dict(corr.clutter_offsets_db),
        class_counts=class_counts)
