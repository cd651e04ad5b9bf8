"""Shadow fading: location probability, fading margin and Jakes' area probability.

The path-loss models give median levels. Around the median, the level at a location varies
with the obstacles near the terminal (shadowing): a normal distribution in dB (log-normal in
power) with standard deviation ``sigma_db`` (3GPP TR 38.901 sect. 7.4.1, Table 7.4.1-1; Jakes,
"Microwave Mobile Communications", 1974, sect. 2.3). So at a location with median level
``L`` (dBm) the probability that the level reaches the threshold ``T`` is::

    P = Q((T - L) / sigma) = Phi((L - T) / sigma)                       (location probability)

with Q the tail and Phi the cumulative distribution of the standard normal
(``scipy.special.ndtr``). A location reaches a target probability ``p`` when its median
exceeds the threshold by the shadow-fading margin ``sigma * z_p`` (z = Phi^-1(p): 1.2816 at
90 %, i.e. 10.25 dB at sigma = 8 dB).

Over a cell whose median level falls by ``slope`` dB per decade of distance, with location
probability ``P_edge`` at its edge R, the share of the disc's area where the level reaches
the threshold is Jakes' formula (Jakes 1974, sect. 2.3, after Reudink; as given by
Rappaport, "Wireless Communications", 2nd ed., sect. 4.10.2, "percentage of coverage area")::

    U = 1/2 [1 - erf(a) + exp((1 - 2ab) / b^2) (1 - erf((1 - ab) / b))]
    a = (T - L(R)) / (sigma sqrt 2),   b = slope log10(e) / (sigma sqrt 2)

evaluated here in the overflow-free form ``U = 1/2 [erfc(a) + exp(-a^2) erfcx((1 - ab)/b)]``
(erfcx(x) = exp(x^2) erfc(x)).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from coverage_gis.config import settings
from coverage_gis.radio._arrays import as_result as _out

__all__ = ["sigma_db", "z_score", "margin_db", "location_probability", "edge_level_dbm",
           "area_probability"]

_SQRT2 = float(np.sqrt(2.0))


def sigma_db(model: str, override_db: float | None = None) -> float:
    """Shadow-fading standard deviation (dB) of a path-loss model.

    Parameters
    ----------
    model : str
        A key of :data:`coverage_gis.radio.pathloss.MODELS`.
    override_db : float, optional
        One value for every model (the scenario's ``[coverage] shadow_sigma_db``).

    Returns
    -------
    float
        ``override_db`` when given, else ``settings.SHADOW_FADING_SIGMA_DB[model]`` (TR 38.901
        Table 7.4.1-1 values; 8 dB for the Hata family).
    """
    if override_db is not None:
        return float(override_db)
    if model not in settings.SHADOW_FADING_SIGMA_DB:
        raise ValueError(f"no shadow-fading sigma for model {model!r}; known: "
                         f"{', '.join(settings.SHADOW_FADING_SIGMA_DB)}")
    return float(settings.SHADOW_FADING_SIGMA_DB[model])


def z_score(probability: ArrayLike) -> np.ndarray | np.float64:
    """Phi^-1(p): the standard normal quantile of a probability (1.2816 at 0.9, 0 at 0.5)."""
    p = np.asarray(probability, dtype=np.float64)
    if np.any((p <= 0.0) | (p >= 1.0)):
        raise ValueError(f"probability must be strictly between 0 and 1, got {probability!r}")
    return _out(special.ndtri(p))


def margin_db(sigma: ArrayLike, probability: ArrayLike) -> np.ndarray | np.float64:
    """Shadow-fading margin (dB): how far above the threshold the median level must be for the
    level to reach it with ``probability`` (``sigma z_p``; 10.25 dB at 8 dB and 0.9)."""
    return _out(np.asarray(sigma, dtype=np.float64) * z_score(probability))


def location_probability(median_dbm: ArrayLike, threshold_dbm: ArrayLike,
                         sigma: ArrayLike) -> np.ndarray | np.float64:
    """Probability that the level reaches ``threshold_dbm`` at a location of median level
    ``median_dbm``: Phi((median - threshold) / sigma) (NaN where the median is NaN).

    Parameters
    ----------
    median_dbm : array_like
        Median received level, dBm.
    threshold_dbm : array_like
        Coverage threshold, dBm.
    sigma : array_like
        Shadow-fading standard deviation, dB (> 0).
    """
    m = np.asarray(median_dbm, dtype=np.float64)
    return _out(special.ndtr((m - np.asarray(threshold_dbm, dtype=np.float64))
                             / np.asarray(sigma, dtype=np.float64)))


def edge_level_dbm(threshold_dbm: ArrayLike, sigma: ArrayLike,
                   probability: ArrayLike) -> np.ndarray | np.float64:
    """Median level (dBm) at which the location probability equals ``probability``:
    threshold + margin."""
    return _out(np.asarray(threshold_dbm, dtype=np.float64) + margin_db(sigma, probability))


def area_probability(edge_probability: ArrayLike, sigma: ArrayLike,
                     slope_db_per_decade: ArrayLike) -> np.ndarray | np.float64:
    """Jakes' area probability: the share of a cell's disc where the level reaches the
    threshold, given the location probability at its edge.

    Parameters
    ----------
    edge_probability : array_like
        Location probability at the cell edge R (0 < P < 1).
    sigma : array_like
        Shadow-fading standard deviation, dB (> 0).
    slope_db_per_decade : array_like
        How fast the median level falls with distance near the edge, dB per decade (10 n for
        a path-loss exponent n; > 0).

    Returns
    -------
    numpy.ndarray or numpy.float64
        U, between the edge probability and 1 (0.773 for P_edge = 0.5, sigma = 8 dB,
        slope 40 dB/decade). NaN where an input is NaN.
    """
    p = np.asarray(edge_probability, dtype=np.float64)
    s = np.asarray(sigma, dtype=np.float64)
    slope = np.asarray(slope_db_per_decade, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        a = special.erfcinv(2.0 * p)           # (T - L(R)) / (sigma sqrt 2)
        b = slope * np.log10(np.e) / (s * _SQRT2)
        u = 0.5 * (special.erfc(a) + np.exp(-a * a) * special.erfcx((1.0 - a * b) / b))
    return _out(np.clip(u, 0.0, 1.0))
