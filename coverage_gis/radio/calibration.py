"""Calibrated link budgets: a cell's range when its path loss carries the scenario's
``[calibration]`` (offset and distance slope fitted to measured levels by ``coverage-gis
calibrate``).

The calibrated loss itself is :func:`coverage_gis.radio.pathloss.calibrated_loss`, applied by
:func:`coverage_gis.radio.pathloss.engine_path_loss` (``calibration=``), so levels and ranges
come from one function; :func:`max_range_m` here is
:func:`coverage_gis.radio.linkbudget.max_range_m` with that calibration, inverting the
calibrated loss exactly (it is non-decreasing in distance).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coverage_gis.radio import linkbudget, pathloss
from coverage_gis.radio.pathloss import Calibration

__all__ = ["max_range_m"]


def max_range_m(
    eirp_dbm: ArrayLike,
    technology: Any,
    bandwidth_mhz: ArrayLike,
    threshold_dbm: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike = linkbudget.DEFAULTS["ue_height_m"],
    model: str | None = None,
    environment: str = "rural",
    body_loss_db: ArrayLike = linkbudget.DEFAULTS["body_loss_db"],
    indoor_loss_db: ArrayLike = 0.0,
    *,
    calibration: Calibration | None = None,
    validity: str = "warn",
) -> np.ndarray | np.float64:
    """Distance (m) at which the boresight level on flat ground falls to the threshold, with
    the path loss calibrated.

    As :func:`coverage_gis.radio.linkbudget.max_range_m` (which it calls when ``calibration``
    is None): the allowed loss ``EIRP_RS - threshold - body loss - indoor loss`` is turned into
    a distance by inverting :func:`coverage_gis.radio.pathloss.engine_path_loss` with the same
    ``calibration`` the levels are computed with
    (:func:`coverage_gis.radio.pathloss.engine_max_range_m`, bisection, exact because the
    calibrated loss is non-decreasing in distance).

    Parameters
    ----------
    eirp_dbm, technology, bandwidth_mhz, threshold_dbm, frequency_mhz, h_bs_m, h_ut_m
        As for :func:`coverage_gis.radio.linkbudget.max_range_m` (dBm, MHz, m); the
        threshold (dBm) is required here.
    model, environment, body_loss_db, indoor_loss_db, validity
        As there (dB for the losses).
    calibration : Calibration, optional
        Offset (dB) and slope (dB per decade) corrections of the path loss.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Range, m (0 only where the level is below the threshold even 1 m from the mast; at
        most 100 km).
    """
    if calibration is None:
        return linkbudget.max_range_m(eirp_dbm, technology, bandwidth_mhz, threshold_dbm,
                                      frequency_mhz, h_bs_m, h_ut_m, model, environment,
                                      body_loss_db, indoor_loss_db, validity=validity)
    tech = linkbudget.technology_key(technology)
    eirp_re = np.asarray(linkbudget.reference_signal_eirp_dbm(eirp_dbm, tech, bandwidth_mhz),
                         dtype=np.float64)
    budget = (eirp_re - np.asarray(threshold_dbm, dtype=np.float64)
              - np.asarray(body_loss_db, dtype=np.float64)
              - np.asarray(indoor_loss_db, dtype=np.float64))
    arrays = [np.asarray(a, dtype=np.float64) for a in (budget, frequency_mhz, h_bs_m, h_ut_m)]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    budget, f, hb, hu = (np.broadcast_to(a, shape).ravel() for a in arrays)
    models = np.array([model or pathloss.default_model(x, environment) for x in f.tolist()],
                      dtype=object)
    out = np.empty(f.shape, dtype=np.float64)
    for name in set(models.tolist()):
        sel = models == name
        out[sel] = pathloss.engine_max_range_m(name, budget[sel], f[sel], hb[sel], hu[sel],
                                               validity=validity, calibration=calibration)
    result = out.reshape(shape)
    return result[()] if result.ndim == 0 else result
