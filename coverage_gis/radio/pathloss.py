"""Vectorised median path-loss models: numpy arrays (or scalars) in, path loss in dB out.

Every model is a plain function that broadcasts its inputs with numpy's rules and returns float64
dB (a numpy scalar when every input is a scalar). Units are in the parameter names:

- ``distance_m``: horizontal (2D) distance from the base-station mast to the user terminal, m;
- ``frequency_mhz``: carrier frequency, MHz;
- ``h_bs_m``: base-station antenna height above ground, m;
- ``h_ut_m``: user-terminal (mobile) antenna height above ground, m.

Validity ranges are checked the same way for every model, through the keyword
``validity="warn" | "raise" | "ignore"`` (default ``"warn"``): out-of-range inputs give ONE
:class:`PathLossValidityWarning` per call naming the model, each offending parameter, the range of
offending values and the valid range; ``"raise"`` raises :class:`ValueError` with the same text.
Distances below a model's minimum distance are evaluated at that minimum (the loss is clamped), so
that a raster cell next to a site gets a finite, conservative loss instead of NaN or -inf.
Distances above the maximum are extrapolated with the model's formula (and flagged). The coverage
engine uses :func:`engine_path_loss` instead (Hata and COST-231 continued below 1 km, floored at
free space) and :func:`engine_max_range_m`, its inverse, for ranges.

No model adds shadow fading or any other random term: all return the median loss.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "SPEED_OF_LIGHT_M_S",
    "UMA_EFFECTIVE_ENVIRONMENT_HEIGHT_M",
    "MODELS",
    "PathLossValidityWarning",
    "free_space",
    "okumura_hata",
    "cost231_hata",
    "tr38901_rma",
    "tr38901_uma",
    "path_loss",
    "default_model",
    "max_range_m",
    "engine_path_loss",
    "engine_max_range_m",
]

#: Speed of light used by TR 38.901 breakpoint distances (and by published test vectors), m/s.
SPEED_OF_LIGHT_M_S = 3.0e8

#: Effective environment height h_E used for the TR 38.901 UMa breakpoint distance, m. The
#: standard draws h_E at random when h_UT >= 13 m; h_E = 1 m is its value with probability 1 for
#: h_UT < 13 m, and the deterministic choice made here for every h_UT.
UMA_EFFECTIVE_ENVIRONMENT_HEIGHT_M = 1.0

#: Minimum distances (m): shorter distances are evaluated at these.
_FREE_SPACE_MIN_M = 1.0
_HATA_MIN_M = 1000.0
_TR38901_MIN_M = 10.0
#: Longest distance (m) the range functions return.
_MAX_RANGE_M = 1.0e5

_VALIDITY_MODES = ("warn", "raise", "ignore")


class PathLossValidityWarning(UserWarning):
    """Inputs outside the validity range of a path-loss model (the loss is still computed)."""


# --------------------------------------------------------------------------------------------
# helpers


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _out(x: np.ndarray) -> np.ndarray | np.float64:
    """float64 result; a numpy scalar when the result is 0-d."""
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


def _check_validity(
    model: str,
    validity: str,
    checks: list[tuple[str, np.ndarray, float, float, str]],
    notes: str = "",
) -> None:
    """Warn once (or raise) if any checked values fall outside their valid range.

    ``checks`` holds ``(parameter name, values, lowest valid, highest valid, unit)``.
    NaN values are not reported (they propagate to the result).
    """
    if validity not in _VALIDITY_MODES:
        raise ValueError(f"validity must be one of {_VALIDITY_MODES}, got {validity!r}")
    if validity == "ignore":
        return
    problems = []
    for name, values, lo, hi, unit in checks:
        values = np.asarray(values, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            bad = (values < lo) | (values > hi)
        if not bad.any():
            continue
        offending = values[bad]
        vmin, vmax = float(offending.min()), float(offending.max())
        got = f"{vmin:g} {unit}" if vmin == vmax else f"{vmin:g} to {vmax:g} {unit}"
        valid = f"valid value {lo:g} {unit}" if lo == hi else f"valid range {lo:g} to {hi:g} {unit}"
        problems.append(f"{name} = {got} ({offending.size} of {values.size} values; {valid})")
    if not problems:
        return
    message = f"{model}: inputs outside the model's validity range: " + "; ".join(problems)
    if notes:
        message += f". {notes}"
    if validity == "raise":
        raise ValueError(message)
    warnings.warn(message, PathLossValidityWarning, stacklevel=3)


def _clamp_note(min_distance_m: float) -> str:
    return f"Distances below {min_distance_m:g} m are evaluated at {min_distance_m:g} m"


def _hata_mobile_correction(
    frequency_mhz: np.ndarray, h_ut_m: np.ndarray, city_size: str
) -> np.ndarray:
    """Hata's mobile-antenna height correction a(h_m), dB (Hata 1980, eqs. (4)-(5))."""
    log_f = np.log10(frequency_mhz)
    if city_size == "medium":
        return (1.1 * log_f - 0.7) * h_ut_m - (1.56 * log_f - 0.8)
    if city_size == "large":
        low = 8.29 * np.log10(1.54 * h_ut_m) ** 2 - 1.1  # f <= 200 MHz
        high = 3.2 * np.log10(11.75 * h_ut_m) ** 2 - 4.97  # f >= 400 MHz
        return np.where(frequency_mhz <= 300.0, low, high)
    raise ValueError(f"city_size must be 'medium' or 'large', got {city_size!r}")


def _hata_environment_correction(frequency_mhz: np.ndarray, environment: str) -> np.ndarray:
    """Hata's suburban / open-area corrections relative to urban, dB (Hata 1980, eqs. (2)-(3))."""
    log_f = np.log10(frequency_mhz)
    if environment == "urban":
        return np.zeros_like(log_f)
    if environment == "suburban":
        return -2.0 * np.log10(frequency_mhz / 28.0) ** 2 - 5.4
    if environment == "open":
        return -4.78 * log_f**2 + 18.33 * log_f - 40.94
    raise ValueError(f"environment must be 'urban', 'suburban' or 'open', got {environment!r}")


def _hata_checks(d, f, hb, hu, f_lo, f_hi):
    return [
        ("distance_m", d, _HATA_MIN_M, 20000.0, "m"),
        ("frequency_mhz", f, f_lo, f_hi, "MHz"),
        ("h_bs_m", hb, 30.0, 200.0, "m"),
        ("h_ut_m", hu, 1.0, 10.0, "m"),
    ]


# --------------------------------------------------------------------------------------------
# models


def free_space(
    distance_m: ArrayLike, frequency_mhz: ArrayLike, *, validity: str = "warn"
) -> np.ndarray | np.float64:
    """Free-space basic transmission loss between isotropic antennas.

    ITU-R P.525-4, section 2.2, eq. (6):
    ``L_bf = 32.45 + 20 log10(f_MHz) + 20 log10(d_km)`` (dB).

    Parameters
    ----------
    distance_m : array_like
        Path length, m. Values below 1 m are evaluated at 1 m (the formula diverges at 0).
    frequency_mhz : array_like
        Carrier frequency, MHz.
    validity : {"warn", "raise", "ignore"}
        What to do with distances below 1 m (see the module docstring).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Free-space loss, dB. Reference: 1800 MHz at 1 km gives 97.55 dB.

    Notes
    -----
    Valid in the far field at any frequency; the only range enforced is distance >= 1 m.
    """
    d = _arr(distance_m)
    f = _arr(frequency_mhz)
    _check_validity(
        "free_space", validity, [("distance_m", d, _FREE_SPACE_MIN_M, np.inf, "m")],
        _clamp_note(_FREE_SPACE_MIN_M),
    )
    d_km = np.maximum(d, _FREE_SPACE_MIN_M) / 1000.0
    return _out(32.45 + 20.0 * np.log10(f) + 20.0 * np.log10(d_km))


def okumura_hata(
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    environment: str = "urban",
    city_size: str = "medium",
    *,
    validity: str = "warn",
) -> np.ndarray | np.float64:
    """Okumura-Hata median path loss.

    M. Hata, "Empirical formula for propagation loss in land mobile radio services", IEEE Trans.
    Veh. Technol. VT-29(3), 1980, pp. 317-325: urban eq. (1), suburban eq. (2), open area eq. (3),
    mobile-antenna correction a(h_m) eqs. (4a) medium-small city and (4b)/(4c) large city::

        L_urban = 69.55 + 26.16 log10 f - 13.82 log10 h_b - a(h_m)
                  + (44.9 - 6.55 log10 h_b) log10 d_km
        L_suburban = L_urban - 2 (log10(f / 28))^2 - 5.4
        L_open     = L_urban - 4.78 (log10 f)^2 + 18.33 log10 f - 40.94
        a(h_m) medium city = (1.1 log10 f - 0.7) h_m - (1.56 log10 f - 0.8)
        a(h_m) large city  = 8.29 (log10 1.54 h_m)^2 - 1.1     (f <= 200 MHz)
                             3.2 (log10 11.75 h_m)^2 - 4.97    (f >= 400 MHz)

    Hata gives the large-city correction for f <= 200 and f >= 400 MHz only; here the switch is
    at 300 MHz. The suburban and open-area formulas use the ``city_size`` correction too (Hata
    derived them with the medium-city one, the default).

    Validity: 150-1500 MHz, d 1-20 km, h_b 30-200 m, h_m 1-10 m.

    Parameters
    ----------
    distance_m : array_like
        Horizontal distance, m. Values below 1000 m are evaluated at 1000 m.
    frequency_mhz : array_like
        Carrier frequency, MHz.
    h_bs_m, h_ut_m : array_like
        Base-station and mobile antenna heights above ground, m.
    environment : {"urban", "suburban", "open"}
        Land use along the path.
    city_size : {"medium", "large"}
        Mobile-antenna correction: medium-small city or large city.
    validity : {"warn", "raise", "ignore"}
        See the module docstring.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Median path loss, dB. Reference: urban, medium city, 900 MHz, h_b 30 m, h_m 1.5 m, 1 km
        gives 126.4 dB.
    """
    d, f, hb, hu = _arr(distance_m), _arr(frequency_mhz), _arr(h_bs_m), _arr(h_ut_m)
    correction = _hata_environment_correction(f, environment)  # validates environment early
    a_hm = _hata_mobile_correction(f, hu, city_size)
    _check_validity("okumura_hata", validity, _hata_checks(d, f, hb, hu, 150.0, 1500.0),
                    _clamp_note(_HATA_MIN_M))
    d_km = np.maximum(d, _HATA_MIN_M) / 1000.0
    log_hb = np.log10(hb)
    urban = (69.55 + 26.16 * np.log10(f) - 13.82 * log_hb - a_hm
             + (44.9 - 6.55 * log_hb) * np.log10(d_km))
    return _out(urban + correction)


def cost231_hata(
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    environment: str = "urban",
    metropolitan: bool = False,
    *,
    validity: str = "warn",
) -> np.ndarray | np.float64:
    """COST-231 Hata median path loss (the 1500-2000 MHz extension of Okumura-Hata).

    COST Action 231, "Digital mobile radio towards future generation systems", final report
    (EUR 18957, 1999), chapter 4, section 4.4.1, eq. (4.4.3)::

        L = 46.3 + 33.9 log10 f - 13.82 log10 h_b - a(h_m)
            + (44.9 - 6.55 log10 h_b) log10 d_km + C_m

    with Hata's medium-small city a(h_m) (eq. (4.4.2)) and C_m = 0 dB for medium-sized cities and
    suburban centres, 3 dB for metropolitan centres (``metropolitan=True``).

    COST-231 defines no suburban or open-area variant. For ``environment="suburban"`` and
    ``"open"`` this function applies Hata's suburban and open-area corrections (Hata 1980,
    eqs. (2) and (3), see :func:`okumura_hata`) to the C_m = 0 urban value: an extrapolation of
    those corrections above 1500 MHz, common in planning tools but not part of COST-231.

    Validity: 1500-2000 MHz, d 1-20 km, h_b 30-200 m, h_m 1-10 m.

    Parameters
    ----------
    distance_m : array_like
        Horizontal distance, m. Values below 1000 m are evaluated at 1000 m.
    frequency_mhz : array_like
        Carrier frequency, MHz.
    h_bs_m, h_ut_m : array_like
        Base-station and mobile antenna heights above ground, m.
    environment : {"urban", "suburban", "open"}
        Land use along the path.
    metropolitan : bool
        Add C_m = 3 dB for metropolitan centres (urban only).
    validity : {"warn", "raise", "ignore"}
        See the module docstring.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Median path loss, dB. Reference: 1800 MHz, h_b 30 m, h_m 1.5 m, 1 km gives 136.2 dB
        (139.2 dB metropolitan).
    """
    d, f, hb, hu = _arr(distance_m), _arr(frequency_mhz), _arr(h_bs_m), _arr(h_ut_m)
    correction = _hata_environment_correction(f, environment)
    if metropolitan and environment != "urban":
        raise ValueError("metropolitan=True (C_m = 3 dB) applies to the urban environment only")
    a_hm = _hata_mobile_correction(f, hu, "medium")
    _check_validity("cost231_hata", validity, _hata_checks(d, f, hb, hu, 1500.0, 2000.0),
                    _clamp_note(_HATA_MIN_M))
    d_km = np.maximum(d, _HATA_MIN_M) / 1000.0
    log_hb = np.log10(hb)
    c_m = 3.0 if metropolitan else 0.0
    urban = (46.3 + 33.9 * np.log10(f) - 13.82 * log_hb - a_hm
             + (44.9 - 6.55 * log_hb) * np.log10(d_km) + c_m)
    return _out(urban + correction)


def _rma_pl1(d3d_m: np.ndarray, fc_ghz: np.ndarray, h_building_m: np.ndarray) -> np.ndarray:
    """TR 38.901 RMa LOS PL1, dB (distance in m, frequency in GHz)."""
    h172 = h_building_m**1.72
    return (20.0 * np.log10(40.0 * np.pi * d3d_m * fc_ghz / 3.0)
            + np.minimum(0.03 * h172, 10.0) * np.log10(d3d_m)
            - np.minimum(0.044 * h172, 14.77)
            + 0.002 * np.log10(h_building_m) * d3d_m)


def tr38901_rma(
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    los: bool | ArrayLike,
    h_building_m: ArrayLike = 5.0,
    street_width_m: ArrayLike = 20.0,
    *,
    validity: str = "warn",
) -> np.ndarray | np.float64:
    """3GPP TR 38.901 rural macro (RMa) path loss, LOS or NLOS, without shadow fading.

    3GPP TR 38.901 V17.0.0, section 7.4.1, Table 7.4.1-1 (RMa rows), with f_c in GHz and
    distances in m::

        PL1(d) = 20 log10(40 pi d f_c / 3) + min(0.03 h^1.72, 10) log10(d)
                 - min(0.044 h^1.72, 14.77) + 0.002 log10(h) d
        PL_LOS = PL1(d_3D)                               10 m <= d_2D <= d_BP
                 PL1(d_BP) + 40 log10(d_3D / d_BP)       d_BP <= d_2D <= 10 km
        PL'_NLOS = 161.04 - 7.1 log10(W) + 7.5 log10(h)
                   - (24.37 - 3.7 (h / h_BS)^2) log10(h_BS)
                   + (43.42 - 3.1 log10(h_BS)) (log10(d_3D) - 3)
                   + 20 log10(f_c) - (3.2 (log10(11.75 h_UT))^2 - 4.97)
        PL_NLOS = max(PL_LOS, PL'_NLOS)                  10 m <= d_2D <= 5 km

    with the breakpoint distance d_BP = 2 pi h_BS h_UT f_c / c (note 5 of the table; f_c in Hz,
    c = 3.0e8 m/s) and d_3D = sqrt(d_2D^2 + (h_BS - h_UT)^2). The result is the median: the
    shadow fading of the table (sigma 4/6 dB LOS, 8 dB NLOS) is NOT added.

    Validity (Table 7.4.1-1): 10 m <= d_2D <= 10 km (LOS), <= 5 km (NLOS); 10 m <= h_BS <= 150 m;
    1 m <= h_UT <= 10 m; 5 m <= h, W <= 50 m; frequency 0.5-30 GHz (38.901 states the RMa path
    loss for 0.5-30 GHz, noting that above 7 GHz it rests on a single 24 GHz measurement
    campaign; the 0.5-7 GHz limit elsewhere in the report applies to RMa fast-fading
    parameters, Table 7.5-6).

    Parameters
    ----------
    distance_m : array_like
        Horizontal (2D) distance d_2D, m. Values below 10 m are evaluated at 10 m.
    frequency_mhz : array_like
        Carrier frequency, MHz.
    h_bs_m, h_ut_m : array_like
        Base-station and user-terminal antenna heights above ground, m.
    los : bool or array_like of bool
        True for line of sight, False for non line of sight; broadcasts with the other inputs.
    h_building_m : array_like
        Average building height h, m (default 5 m, the table's default).
    street_width_m : array_like
        Average street width W, m (default 20 m).
    validity : {"warn", "raise", "ignore"}
        See the module docstring.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Median path loss, dB.
    """
    d2d, f, hb, hu = _arr(distance_m), _arr(frequency_mhz), _arr(h_bs_m), _arr(h_ut_m)
    h, w = _arr(h_building_m), _arr(street_width_m)
    los_b = np.asarray(los, dtype=bool)
    d_b, los_bb = np.broadcast_arrays(d2d, los_b)
    _check_validity(
        "tr38901_rma",
        validity,
        [
            ("distance_m (LOS)", d_b[los_bb], _TR38901_MIN_M, 10000.0, "m"),
            ("distance_m (NLOS)", d_b[~los_bb], _TR38901_MIN_M, 5000.0, "m"),
            ("frequency_mhz", f, 500.0, 30000.0, "MHz"),
            ("h_bs_m", hb, 10.0, 150.0, "m"),
            ("h_ut_m", hu, 1.0, 10.0, "m"),
            ("h_building_m", h, 5.0, 50.0, "m"),
            ("street_width_m", w, 5.0, 50.0, "m"),
        ],
        _clamp_note(_TR38901_MIN_M),
    )
    d2d = np.maximum(d2d, _TR38901_MIN_M)
    fc_ghz = f / 1000.0
    d3d = np.sqrt(d2d**2 + (hb - hu) ** 2)
    d_bp = 2.0 * np.pi * hb * hu * (f * 1e6) / SPEED_OF_LIGHT_M_S
    pl_los = np.where(
        d2d <= d_bp,
        _rma_pl1(d3d, fc_ghz, h),
        _rma_pl1(d_bp, fc_ghz, h) + 40.0 * np.log10(d3d / d_bp),
    )
    pl_nlos_prime = (161.04 - 7.1 * np.log10(w) + 7.5 * np.log10(h)
                     - (24.37 - 3.7 * (h / hb) ** 2) * np.log10(hb)
                     + (43.42 - 3.1 * np.log10(hb)) * (np.log10(d3d) - 3.0)
                     + 20.0 * np.log10(fc_ghz)
                     - (3.2 * np.log10(11.75 * hu) ** 2 - 4.97))
    return _out(np.where(los_b, pl_los, np.maximum(pl_los, pl_nlos_prime)))


def tr38901_uma(
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    los: bool | ArrayLike,
    *,
    validity: str = "warn",
) -> np.ndarray | np.float64:
    """3GPP TR 38.901 urban macro (UMa) path loss, LOS or NLOS, without shadow fading.

    3GPP TR 38.901 V17.0.0, section 7.4.1, Table 7.4.1-1 (UMa rows), with f_c in GHz and
    distances in m::

        PL1 = 28.0 + 22 log10(d_3D) + 20 log10(f_c)
        PL2 = 28.0 + 40 log10(d_3D) + 20 log10(f_c) - 9 log10(d'_BP^2 + (h_BS - h_UT)^2)
        PL_LOS = PL1    10 m <= d_2D <= d'_BP
                 PL2    d'_BP <= d_2D <= 5 km
        PL'_NLOS = 13.54 + 39.08 log10(d_3D) + 20 log10(f_c) - 0.6 (h_UT - 1.5)
        PL_NLOS = max(PL_LOS, PL'_NLOS)

    with d'_BP = 4 h'_BS h'_UT f_c / c (note 1 of the table; f_c in Hz, c = 3.0e8 m/s), effective
    heights h' = h - h_E and d_3D = sqrt(d_2D^2 + (h_BS - h_UT)^2). The standard draws h_E at
    random when h_UT >= 13 m; here h_E = 1 m always (:data:`UMA_EFFECTIVE_ENVIRONMENT_HEIGHT_M`),
    which is what the standard gives with probability 1 for h_UT < 13 m. The optional simplified
    NLOS formula of the table is not used. The result is the median: the shadow fading (sigma
    4 dB LOS, 6 dB NLOS) is NOT added.

    Validity (Table 7.4.1-1): 0.5-100 GHz; 10 m <= d_2D <= 5 km; h_BS = 25 m (the model is
    given for that height only; other heights are computed with the same formulas and flagged);
    1.5 m <= h_UT <= 22.5 m.

    Parameters
    ----------
    distance_m : array_like
        Horizontal (2D) distance d_2D, m. Values below 10 m are evaluated at 10 m.
    frequency_mhz : array_like
        Carrier frequency, MHz.
    h_bs_m, h_ut_m : array_like
        Base-station and user-terminal antenna heights above ground, m.
    los : bool or array_like of bool
        True for line of sight, False for non line of sight; broadcasts with the other inputs.
    validity : {"warn", "raise", "ignore"}
        See the module docstring.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Median path loss, dB.
    """
    d2d, f, hb, hu = _arr(distance_m), _arr(frequency_mhz), _arr(h_bs_m), _arr(h_ut_m)
    los_b = np.asarray(los, dtype=bool)
    _check_validity(
        "tr38901_uma",
        validity,
        [
            ("distance_m", d2d, _TR38901_MIN_M, 5000.0, "m"),
            ("frequency_mhz", f, 500.0, 100000.0, "MHz"),
            ("h_bs_m", hb, 25.0, 25.0, "m"),
            ("h_ut_m", hu, 1.5, 22.5, "m"),
        ],
        _clamp_note(_TR38901_MIN_M),
    )
    d2d = np.maximum(d2d, _TR38901_MIN_M)
    fc_ghz = f / 1000.0
    d3d = np.sqrt(d2d**2 + (hb - hu) ** 2)
    h_e = UMA_EFFECTIVE_ENVIRONMENT_HEIGHT_M
    d_bp = 4.0 * (hb - h_e) * (hu - h_e) * (f * 1e6) / SPEED_OF_LIGHT_M_S
    log_fc = np.log10(fc_ghz)
    pl1 = 28.0 + 22.0 * np.log10(d3d) + 20.0 * log_fc
    pl2 = (28.0 + 40.0 * np.log10(d3d) + 20.0 * log_fc
           - 9.0 * np.log10(d_bp**2 + (hb - hu) ** 2))
    pl_los = np.where(d2d <= d_bp, pl1, pl2)
    pl_nlos_prime = 13.54 + 39.08 * np.log10(d3d) + 20.0 * log_fc - 0.6 * (hu - 1.5)
    return _out(np.where(los_b, pl_los, np.maximum(pl_los, pl_nlos_prime)))


# --------------------------------------------------------------------------------------------
# registry, dispatcher, defaults, inversion

#: Model name -> (function, fixed keyword arguments, valid frequency range in MHz).
MODELS: dict[str, tuple[Callable[..., Any], dict[str, Any], tuple[float, float]]] = {
    "free_space": (free_space, {}, (0.0, np.inf)),
    "hata_urban": (okumura_hata, {"environment": "urban"}, (150.0, 1500.0)),
    "hata_suburban": (okumura_hata, {"environment": "suburban"}, (150.0, 1500.0)),
    "hata_open": (okumura_hata, {"environment": "open"}, (150.0, 1500.0)),
    "cost231_urban": (cost231_hata, {"environment": "urban"}, (1500.0, 2000.0)),
    "cost231_suburban": (cost231_hata, {"environment": "suburban"}, (1500.0, 2000.0)),
    "cost231_open": (cost231_hata, {"environment": "open"}, (1500.0, 2000.0)),
    "rma_los": (tr38901_rma, {"los": True}, (500.0, 30000.0)),
    "rma_nlos": (tr38901_rma, {"los": False}, (500.0, 30000.0)),
    "uma_los": (tr38901_uma, {"los": True}, (500.0, 100000.0)),
    "uma_nlos": (tr38901_uma, {"los": False}, (500.0, 100000.0)),
}

_MIN_DISTANCE_M: dict[Callable[..., Any], float] = {
    free_space: _FREE_SPACE_MIN_M,
    okumura_hata: _HATA_MIN_M,
    cost231_hata: _HATA_MIN_M,
    tr38901_rma: _TR38901_MIN_M,
    tr38901_uma: _TR38901_MIN_M,
}


def _lookup(model: str) -> tuple[Callable[..., Any], dict[str, Any]]:
    try:
        function, fixed, _ = MODELS[model]
    except KeyError:
        raise ValueError(f"unknown path-loss model {model!r}; known: {sorted(MODELS)}") from None
    return function, fixed


def path_loss(
    model: str,
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    **kw: Any,
) -> np.ndarray | np.float64:
    """Path loss (dB) from a model named in :data:`MODELS`.

    Parameters
    ----------
    model : str
        One of "free_space", "hata_urban", "hata_suburban", "hata_open", "cost231_urban",
        "cost231_suburban", "cost231_open", "rma_los", "rma_nlos", "uma_los", "uma_nlos".
    distance_m, frequency_mhz, h_bs_m, h_ut_m : array_like
        As for the model functions (free space ignores the heights).
    **kw
        Further keywords of the model function, e.g. ``validity="ignore"``, ``city_size="large"``
        (Hata), ``metropolitan=True`` (COST-231 urban), ``h_building_m`` (RMa). The keywords fixed
        by the model name (environment, los) cannot be overridden.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Path loss, dB.
    """
    function, fixed = _lookup(model)
    clash = set(fixed) & set(kw)
    if clash:
        raise ValueError(f"model {model!r} fixes {sorted(clash)}; choose another model name")
    if function is free_space:
        return free_space(distance_m, frequency_mhz, **kw)
    return function(distance_m, frequency_mhz, h_bs_m, h_ut_m, **fixed, **kw)


def default_model(frequency_mhz: float, environment: str = "rural") -> str:
    """A sensible default model name for a band and an environment.

    - f <= 1500 MHz: Okumura-Hata, the classic macro-cell model of its band (validity
      150-1500 MHz, 1-20 km, masts 30-200 m): "hata_open" for rural, "hata_suburban",
      "hata_urban".
    - 1500 < f <= 2000 MHz: COST-231 Hata, the extension of Hata to this band (e.g. LTE band 3,
      1800 MHz): "cost231_open", "cost231_suburban", "cost231_urban".
    - f > 2000 MHz: neither Hata form is valid; 3GPP TR 38.901 covers 0.5-30 GHz (RMa) and
      0.5-100 GHz (UMa): "rma_nlos" for rural, "uma_nlos" for suburban and urban. NLOS is chosen
      because it is the conservative median (it is max(LOS, NLOS')) and a coverage map has no
      per-cell line-of-sight knowledge unless terrain is used.

    Rural maps to Hata's *open area* correction (fields, no tall obstacles along the path); for
    rural land dotted with villages, tree lines and bamboo hedges "hata_suburban" /
    "cost231_suburban" is the more cautious choice and can be chosen explicitly.

    Parameters
    ----------
    frequency_mhz : float
        Carrier frequency, MHz.
    environment : {"rural", "suburban", "urban"}
        Land use around the site.

    Returns
    -------
    str
        A key of :data:`MODELS`.
    """
    hata_env = {"rural": "open", "suburban": "suburban", "urban": "urban"}
    if environment not in hata_env:
        raise ValueError(
            f"environment must be 'rural', 'suburban' or 'urban', got {environment!r}"
        )
    frequency_mhz = float(frequency_mhz)
    if frequency_mhz <= 1500.0:
        return f"hata_{hata_env[environment]}"
    if frequency_mhz <= 2000.0:
        return f"cost231_{hata_env[environment]}"
    return "rma_nlos" if environment == "rural" else "uma_nlos"


def max_range_m(
    model: str,
    max_path_loss_db: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    *,
    validity: str = "warn",
    **kw: Any,
) -> np.ndarray | np.float64:
    """Largest distance (m) at which a model's path loss stays within a maximum allowable loss.

    Free space, Okumura-Hata and COST-231 are linear in log10(d) and are inverted in closed form;
    the TR 38.901 models by bisection on log10(d) over [1 m, 100 km] (50 halvings, i.e. far below
    0.01 dB), which is exact because every model is non-decreasing in distance. Vectorised: all
    inputs broadcast (one value per raster cell, per site, ...).

    Parameters
    ----------
    model : str
        A key of :data:`MODELS`.
    max_path_loss_db : array_like
        Maximum allowable path loss, dB.
    frequency_mhz, h_bs_m, h_ut_m : array_like
        As for :func:`path_loss`.
    validity : {"warn", "raise", "ignore"}
        Checked once, at the distances found (so a range beyond e.g. Hata's 20 km is flagged).
    **kw
        Further keywords of the model (see :func:`path_loss`).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Distance, m, within [0, 100 000]. 0 where even the model's minimum distance (at which
        shorter distances are evaluated) exceeds the allowed loss; 100 km where the loss at
        100 km is still within it.
    """
    function, _ = _lookup(model)
    budget = _arr(max_path_loss_db)
    f, hb, hu = _arr(frequency_mhz), _arr(h_bs_m), _arr(h_ut_m)
    shape = np.broadcast_shapes(budget.shape, f.shape, hb.shape, hu.shape)
    budget = np.broadcast_to(budget, shape)

    def loss(d: ArrayLike) -> np.ndarray:
        return np.broadcast_to(path_loss(model, d, f, hb, hu, validity="ignore", **kw), shape)

    if function in (free_space, okumura_hata, cost231_hata):
        slope = 20.0 if function is free_space else 44.9 - 6.55 * np.log10(hb)
        log_d_km = (budget - loss(1000.0)) / slope
        distance = 1000.0 * 10.0 ** np.minimum(log_d_km, np.log10(_MAX_RANGE_M / 1000.0))
    else:
        distance = _bisect_range(loss, budget)
    d_min = _MIN_DISTANCE_M[function]
    distance = np.where(loss(d_min) > budget, 0.0, distance)
    # one validity check, at the distances found (no-coverage results checked at d_min)
    path_loss(model, np.where(distance > 0.0, distance, d_min), f, hb, hu, validity=validity,
              **kw)
    return _out(distance)


def _bisect_range(loss: Callable[[ArrayLike], np.ndarray], budget: np.ndarray) -> np.ndarray:
    """Largest distance in [1 m, 100 km] where a loss non-decreasing in distance stays within
    ``budget``: bisection on log10(d), 50 halvings (far below 0.01 dB); 100 km where the loss
    there is still within the budget. Where even 1 m is out of budget: 1 m (callers set 0)."""
    lo = np.zeros(budget.shape)  # log10(1 m)
    hi = np.full(budget.shape, np.log10(_MAX_RANGE_M))
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        ok = loss(10.0**mid) <= budget
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    return np.where(loss(_MAX_RANGE_M) <= budget, _MAX_RANGE_M, 10.0**lo)


def engine_path_loss(
    model: str,
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
) -> np.ndarray:
    """Path loss (dB) as the coverage engine uses it, near the mast included.

    Okumura-Hata (Hata 1980) and COST-231 Hata (COST 231 final report, eq. (4.4.3)) are
    defined from 1 km; the model functions clamp shorter distances to 1 km, which would leave
    the village around a mast darker than the fields 2 km away. Below 1 km this function
    continues their log-distance law (the slope ``44.9 - 6.55 log10(h_b)`` dB per decade of the
    same formulas) and never goes below free space (ITU-R P.525, :func:`free_space`), the usual
    way planning tools extend them to short range::

        L(d) = max(L_model(1 km) + (44.9 - 6.55 log10 h_b) log10(d / 1 km), L_free(d))   d < 1 km
        L(d) = max(L_model(d), L_free(d))                                                d >= 1 km

    Other models are used as they are (TR 38.901 from 10 m), also floored at free space.
    Distances below 1 m are evaluated at 1 m. Non-decreasing in distance, so that
    :func:`engine_max_range_m` inverts it exactly. No validity warnings (the engine works
    outside the models' ranges on purpose; :func:`engine_max_range_m` checks its result).

    Parameters
    ----------
    model : str
        A key of :data:`MODELS`.
    distance_m, frequency_mhz, h_bs_m, h_ut_m : array_like
        As for :func:`path_loss`; all broadcast.

    Returns
    -------
    numpy.ndarray
        Path loss, dB.
    """
    d = np.maximum(_arr(distance_m), 1.0)
    loss = _arr(path_loss(model, d, frequency_mhz, h_bs_m, h_ut_m, validity="ignore"))
    if model.startswith(("hata", "cost231")):
        at_1km = path_loss(model, _HATA_MIN_M, frequency_mhz, h_bs_m, h_ut_m,
                           validity="ignore")
        slope = 44.9 - 6.55 * np.log10(_arr(h_bs_m))
        near = at_1km + slope * np.log10(d / _HATA_MIN_M)
        loss = np.where(d < _HATA_MIN_M, near, loss)
    return np.maximum(loss, free_space(d, frequency_mhz, validity="ignore"))


def engine_max_range_m(
    model: str,
    max_path_loss_db: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    *,
    validity: str = "warn",
) -> np.ndarray | np.float64:
    """Largest distance (m) at which :func:`engine_path_loss` stays within a maximum loss.

    The inverse of the engine's own loss, near the mast included, so that a cell's range
    agrees with its level raster at any EIRP, height and band: bisection on log10(d) over
    [1 m, 100 km] of :func:`engine_path_loss` itself (the loss is written once), exact because
    that loss is non-decreasing in distance. Vectorised: all inputs broadcast.

    Parameters
    ----------
    model : str
        A key of :data:`MODELS`.
    max_path_loss_db : array_like
        Maximum allowable path loss, dB.
    frequency_mhz, h_bs_m, h_ut_m : array_like
        As for :func:`path_loss`.
    validity : {"warn", "raise", "ignore"}
        Checked once, at the distances found, raised to the model's minimum distance (the
        engine's extension below it is deliberate; a range beyond e.g. Hata's 20 km, a
        frequency or a height out of range are flagged).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Distance, m, within [0, 100 000]. 0 only where the loss at 1 m already exceeds the
        allowed loss; 100 km where the loss at 100 km is still within it.
    """
    function, _ = _lookup(model)
    budget = _arr(max_path_loss_db)
    f, hb, hu = _arr(frequency_mhz), _arr(h_bs_m), _arr(h_ut_m)
    shape = np.broadcast_shapes(budget.shape, f.shape, hb.shape, hu.shape)
    budget = np.broadcast_to(budget, shape)

    def loss(d: ArrayLike) -> np.ndarray:
        return np.broadcast_to(engine_path_loss(model, d, f, hb, hu), shape)

    distance = np.where(loss(1.0) > budget, 0.0, _bisect_range(loss, budget))
    path_loss(model, np.maximum(distance, _MIN_DISTANCE_M[function]), f, hb, hu,
              validity=validity)
    return _out(distance)
