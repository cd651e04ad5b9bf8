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
free space) and :func:`engine_max_range_m`, its inverse, for ranges; :func:`model_validity` gives
the validity of a use as codes. The default model (:func:`default_model`) is Extended Hata
(:func:`extended_hata`) at every band.

No model adds shadow fading or any other random term: all return the median loss.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from coverage_gis.config import settings
from coverage_gis.radio._arrays import as_float as _arr
from coverage_gis.radio._arrays import as_result as _out

__all__ = [
    "SPEED_OF_LIGHT_M_S",
    "UMA_EFFECTIVE_ENVIRONMENT_HEIGHT_M",
    "EXTENDED_HATA_MAX_MHZ",
    "MODELS",
    "TERRAIN_LOS_MODELS",
    "EFFECTIVE_HEIGHT_FUNCTIONS",
    "takes_effective_height",
    "PathLossValidityWarning",
    "free_space",
    "okumura_hata",
    "cost231_hata",
    "extended_hata",
    "tr38901_rma",
    "tr38901_uma",
    "path_loss",
    "default_model",
    "max_range_m",
    "engine_path_loss",
    "engine_max_range_m",
    "model_validity",
    "Calibration",
    "calibrated_loss",
    "check_calibration",
]

#: Speed of light used by TR 38.901 breakpoint distances (and by published test vectors), m/s.
SPEED_OF_LIGHT_M_S = 3.0e8

#: Effective environment height h_E used for the TR 38.901 UMa breakpoint distance, m. The
#: standard draws h_E at random when h_UT >= 13 m; h_E = 1 m is its value with probability 1 for
#: h_UT < 13 m, and the deterministic choice made here for every h_UT.
UMA_EFFECTIVE_ENVIRONMENT_HEIGHT_M = 1.0

#: The highest frequency (MHz) ITU-R SM.2028-2 §6.1 defines Extended Hata for; above it this
#: tool's extension (``settings.EXTENDED_HATA_ABOVE_3GHZ_DB_PER_DECADE``) is an assumption.
EXTENDED_HATA_MAX_MHZ = 3000.0

#: Minimum distances (m): shorter distances are evaluated at these.
_FREE_SPACE_MIN_M = 1.0
_HATA_MIN_M = 1000.0
_TR38901_MIN_M = 10.0
#: Extended Hata (SM.2028-2 section 6.1): free space below 0.04 km, interpolation to 0.1 km.
_EHATA_NEAR_KM = 0.04
_EHATA_FAR_KM = 0.1
#: Distance (km) below which Hata's mast-height term -(13.82 + 6.55 log10 d_km) log10 H would
#: make the loss grow with height: 10^(-13.82 / 6.55) km = 7.8 m (:func:`engine_path_loss`).
_EHATA_HEIGHT_TURN_KM = 10.0 ** (-13.82 / 6.55)
#: Longest distance (m) the range functions return.
_MAX_RANGE_M = 1.0e5

_VALIDITY_MODES = ("warn", "raise", "ignore")


class PathLossValidityWarning(UserWarning):
    """Inputs outside the validity range of a path-loss model (the loss is still computed)."""


# --------------------------------------------------------------------------------------------
# helpers


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


def _ehata_urban_frequency_term(f: np.ndarray) -> np.ndarray:
    """The frequency term of the Extended Hata urban loss, dB (SM.2028-2 section 6.1, cases
    1-4, plus the two local choices of :func:`extended_hata`)."""
    log_f = np.log10(f)
    hata = 69.6 + 26.2 * log_f  # 150 < f <= 1500 MHz
    cost = 46.3 + 33.9 * log_f  # 1500 < f <= 2000 MHz (COST-231)
    seam_lo, seam_hi = (np.log10(x) for x in settings.EXTENDED_HATA_SEAM_MHZ)
    w = np.clip((log_f - seam_lo) / (seam_hi - seam_lo), 0.0, 1.0)
    term = np.where(f <= 150.0, 69.6 + 26.2 * np.log10(150.0) - 20.0 * np.log10(150.0 / f),
                    (1.0 - w) * hata + w * cost)
    at_2000 = 46.3 + 33.9 * np.log10(2000.0)
    above_2000 = at_2000 + 10.0 * np.log10(np.minimum(f, 3000.0) / 2000.0)
    above_3000 = settings.EXTENDED_HATA_ABOVE_3GHZ_DB_PER_DECADE * np.log10(
        np.maximum(f, 3000.0) / 3000.0)
    return np.where(f <= 2000.0, term, above_2000 + above_3000)


def _ehata_free_space(d_km: np.ndarray, f: np.ndarray, hb: np.ndarray, hm: np.ndarray
                      ) -> np.ndarray:
    """SEAMCAT's free-space term over the slant path, dB (d < 0.04 km, and the floor)."""
    return 32.4 + 20.0 * np.log10(f) + 10.0 * np.log10(d_km**2 + (hb - hm) ** 2 / 1.0e6)


def _ehata_far(d_km: np.ndarray, f: np.ndarray, hb: np.ndarray, hm: np.ndarray,
               environment: str) -> np.ndarray:
    """Extended Hata median loss for d >= 0.1 km, dB (SM.2028-2 section 6.1)."""
    log_f = np.log10(f)
    a_hm = ((1.1 * log_f - 0.7) * np.minimum(10.0, hm) - (1.56 * log_f - 0.8)
            + np.maximum(0.0, 20.0 * np.log10(hm / 10.0)))
    b_hb = np.minimum(0.0, 20.0 * np.log10(hb / 30.0))
    log_d = np.log10(d_km)
    log_d_alpha = log_d
    if np.any(d_km > 20.0):  # alpha is 1 up to 20 km: its powers only where it is not
        alpha = np.where(d_km > 20.0,
                         1.0 + (0.14 + 1.87e-4 * f + 1.07e-3 * hb)
                         * np.log10(np.maximum(d_km, 20.0) / 20.0) ** 0.8, 1.0)
        log_d_alpha = np.where(d_km > 20.0, np.abs(log_d) ** alpha, log_d)
    log_hb30 = np.log10(np.maximum(30.0, hb))
    urban = (_ehata_urban_frequency_term(f) - 13.82 * log_hb30
             + (44.9 - 6.55 * log_hb30) * log_d_alpha - a_hm - b_hb)
    f_env = np.log10(np.clip(f, 150.0, 2000.0))
    if environment == "urban":
        return urban
    if environment == "suburban":
        return urban - 2.0 * (f_env - np.log10(28.0)) ** 2 - 5.4
    if environment == "open":
        return urban - 4.78 * f_env**2 + 18.33 * f_env - 40.94
    raise ValueError(f"environment must be 'urban', 'suburban' or 'open', got {environment!r}")


def _ehata_engine(d_m: np.ndarray, f: np.ndarray, h_bs: np.ndarray, h_ut: np.ndarray,
                  environment: str) -> np.ndarray:
    """Extended Hata as the engine uses it (:func:`engine_path_loss`), before its free-space
    floor: the model's d >= 0.1 km formula; below 0.1 km its log-distance law continued down
    to :data:`_EHATA_HEIGHT_TURN_KM` (7.8 m, where its mast-height term
    -(13.82 + 6.55 log10 d_km) log10 H changes sign), and 20 dB per decade (free space's law)
    below that, so that the loss never grows with mast height."""
    hb = np.maximum(h_bs, h_ut)
    hm = np.maximum(np.minimum(h_bs, h_ut), 1.0)
    d_km = d_m / 1000.0
    far = _ehata_far(np.maximum(d_km, _EHATA_FAR_KM), f, hb, hm, environment)
    near = d_km < _EHATA_FAR_KM  # from 0.1 km both continuations are log10(1) = 0 dB

    def continued(far: np.ndarray, d_km: np.ndarray, hb: np.ndarray) -> np.ndarray:
        slope = 44.9 - 6.55 * np.log10(np.maximum(30.0, hb))
        turn = _EHATA_HEIGHT_TURN_KM
        return (far + slope * np.log10(np.clip(d_km, turn, _EHATA_FAR_KM) / _EHATA_FAR_KM)
                + 20.0 * np.log10(np.minimum(d_km, turn) / turn))

    if far.ndim == 0 or far.shape != d_km.shape:
        return continued(far, d_km, hb)
    if not near.any():
        return far
    out = far.copy()  # the grid cells near the mast only: the same values, fewer logarithms
    out[near] = continued(far[near], d_km[near], np.broadcast_to(hb, d_km.shape)[near])
    return out


def extended_hata(
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    environment: str = "urban",
    *,
    validity: str = "warn",
) -> np.ndarray | np.float64:
    """Extended Hata median path loss, 30 MHz - 3 GHz (and above, by a stated assumption).

    Report ITU-R SM.2028-2 (06/2017), section 6.1, "Extended Hata model", as implemented in
    SEAMCAT (CEPT ECC, "A17.3.1 Outdoor-outdoor propagation", Table 80), with f in MHz, d the
    distance in km, H_m = min(h_BS, h_UT) (1 m if lower), H_b = max(h_BS, h_UT)::

        a(H_m) = (1.1 log10 f - 0.7) min(10, H_m) - (1.56 log10 f - 0.8)
                 + max(0, 20 log10(H_m / 10))
        b(H_b) = min(0, 20 log10(H_b / 30))
        alpha  = 1                                                            d <= 20 km
                 1 + (0.14 + 1.87e-4 f + 1.07e-3 H_b) (log10(d / 20))^0.8   20 < d <= 100 km
        H = max(30, H_b)

        d >= 0.1 km, urban:
          L = F(f) - 13.82 log10 H + (44.9 - 6.55 log10 H) (log10 d)^alpha - a(H_m) - b(H_b)
          F(f) = 69.6 + 26.2 log10 150 - 20 log10(150 / f)        30 < f <= 150 MHz
                 69.6 + 26.2 log10 f                              150 < f <= 1500 MHz
                 46.3 + 33.9 log10 f                              1500 < f <= 2000 MHz
                 46.3 + 33.9 log10 2000 + 10 log10(f / 2000)      2000 < f <= 3000 MHz
        suburban: L(urban) - 2 (log10(min(max(150, f), 2000) / 28))^2 - 5.4
        open:     L(urban) - 4.78 (log10 f')^2 + 18.33 log10 f' - 40.94,
                  f' = min(max(150, f), 2000)
        d < 0.04 km:           L = 32.4 + 20 log10 f + 10 log10(d^2 + (H_b - H_m)^2 / 10^6)
        0.04 <= d < 0.1 km:    L = L(0.04) + (log10 d - log10 0.04) / (log10 0.1 - log10 0.04)
                                   * (L(0.1) - L(0.04))
        and where L is below the free-space loss for the same distance (the d < 0.04 km
        formula), the free-space loss is used.

    The bands are joined continuously at 2000 and 3000 MHz (the suburban and open-area
    corrections stop changing at 2000 MHz) and in mast height at 30 m (b(H_b)). Two local
    choices complete it (``config.settings``):

    - 1500 MHz: the published Hata and COST-231 terms differ by 1.16 dB there
      (152.81 against 153.97 dB); F(f) crossfades from one to the other, linearly in
      log10(f), over ``settings.EXTENDED_HATA_SEAM_MHZ`` (1400-1600 MHz) and is the published
      term outside it (at most 0.58 dB from either inside it);
    - above 3000 MHz, where SM.2028 does not define the model, an ASSUMPTION:
      F(f) = F(3000) + ``settings.EXTENDED_HATA_ABOVE_3GHZ_DB_PER_DECADE`` (20)
      log10(f / 3000), the frequency law of free space and of TR 38.901 UMa/RMa NLOS; the
      model's own 2-3 GHz term (10 dB per decade) would give 1.0 dB less at 3.8 GHz. It is
      flagged as out of range (``frequency_above_range``); past about 6 GHz neither law is
      supported by the model's data.

    Loss decreases with mast height at every distance from 0.1 km (by 13.82 + 6.55 log10 d_km
    dB per decade of height above 30 m, 20 below), so a taller mast never shortens a range
    longer than 0.1 km; below 0.1 km the model is free space over the slant path, which a
    taller mast lengthens. Non-decreasing in distance.

    Validity (SM.2028-2 section 6.1): 30-3000 MHz, H_b 30-200 m, H_m 1-10 m, d 0.1-100 km (in
    practice up to 40 km). The median: SM.2028's log-normal variation is NOT added.

    Parameters
    ----------
    distance_m : array_like
        Horizontal distance, m (the model is defined down to 0 m; values below 1 m are
        evaluated at 1 m).
    frequency_mhz : array_like
        Carrier frequency, MHz.
    h_bs_m, h_ut_m : array_like
        Base-station and mobile antenna heights above ground, m.
    environment : {"urban", "suburban", "open"}
        Land use along the path.
    validity : {"warn", "raise", "ignore"}
        See the module docstring.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Median path loss, dB. References: urban, 1800 MHz, h_BS 20 m, h_UT 1.5 m, 0.5 km gives
        129.12 dB; 2100 MHz at 0.2 km 116.85 dB (pysim5g's independent implementation of
        SM.2028, tests/test_path_loss.py).
    """
    d, f, hb_in, hu_in = _arr(distance_m), _arr(frequency_mhz), _arr(h_bs_m), _arr(h_ut_m)
    _ehata_far(np.ones(1), np.full(1, 900.0), np.full(1, 30.0), np.ones(1),
               environment)  # validates environment early
    ranges = _RANGES[extended_hata]
    _check_validity("extended_hata", validity,
                    [(name, v, *ranges[name], unit) for name, v, unit in
                     (("distance_m", d, "m"), ("frequency_mhz", f, "MHz"),
                      ("h_bs_m", hb_in, "m"), ("h_ut_m", hu_in, "m"))],
                    _clamp_note(_FREE_SPACE_MIN_M))
    d_km = np.maximum(d, _FREE_SPACE_MIN_M) / 1000.0
    hb = np.maximum(hb_in, hu_in)
    hm = np.maximum(np.minimum(hb_in, hu_in), 1.0)
    d_km, f, hb, hm = np.broadcast_arrays(d_km, f, hb, hm)
    near, mid = _EHATA_NEAR_KM, _EHATA_FAR_KM
    free = _ehata_free_space(d_km, f, hb, hm)
    at_near = _ehata_free_space(np.full_like(d_km, near), f, hb, hm)
    at_far = _ehata_far(np.full_like(d_km, mid), f, hb, hm, environment)
    far = _ehata_far(np.maximum(d_km, mid), f, hb, hm, environment)
    share = (np.log10(np.clip(d_km, near, mid)) - np.log10(near)) / (np.log10(mid)
                                                                      - np.log10(near))
    between = at_near + share * (at_far - at_near)
    loss = np.where(d_km < near, free, np.where(d_km < mid, between, far))
    return _out(np.maximum(loss, free))


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
    # LOS or NLOS per pixel from the terrain (TERRAIN_LOS_MODELS); alone: LOS
    "rma": (tr38901_rma, {"los": True}, (500.0, 30000.0)),
    "uma": (tr38901_uma, {"los": True}, (500.0, 100000.0)),
    "extended_hata_urban": (extended_hata, {"environment": "urban"}, (30.0, 3000.0)),
    "extended_hata_suburban": (extended_hata, {"environment": "suburban"}, (30.0, 3000.0)),
    "extended_hata_open": (extended_hata, {"environment": "open"}, (30.0, 3000.0)),
}

#: TR 38.901 models whose LOS or NLOS formula the coverage engine picks per pixel from the
#: terrain's line of sight (:func:`engine_path_loss` with ``los``): name -> (LOS model, NLOS
#: model). TR 38.901 sect. 7.4.2 draws LOS at random with a probability by distance; with a
#: DEM the geometric line of sight over the terrain decides instead (buildings and trees are
#: not in a DEM: a pixel in the open is LOS even if a house stands in the way). Without a
#: line-of-sight mask (ranges over flat ground, where every pixel sees the mast) they are
#: their LOS formula.
TERRAIN_LOS_MODELS: dict[str, tuple[str, str]] = {"rma": ("rma_los", "rma_nlos"),
                                                  "uma": ("uma_los", "uma_nlos")}

#: Model functions whose base-station height is Okumura's effective height, the mast's height
#: above the average terrain towards the mobile (Okumura et al. 1968; Hata 1980; SM.2028-2
#: sect. 6.1 builds on them): with a DEM the coverage engine gives them the effective height
#: per pixel (``radio.terrain.effective_height_m``), the others the height above ground.
EFFECTIVE_HEIGHT_FUNCTIONS: tuple[Callable[..., Any], ...] = (okumura_hata, cost231_hata,
                                                              extended_hata)


def takes_effective_height(model: str) -> bool:
    """Whether ``model`` (a key of :data:`MODELS`) is of the Hata family, whose mast height
    is an effective height above the average terrain (:data:`EFFECTIVE_HEIGHT_FUNCTIONS`)."""
    return _lookup(model)[0] in EFFECTIVE_HEIGHT_FUNCTIONS


#: Validity ranges per model function (the sources' tables; see each docstring): parameter ->
#: (lowest, highest). Distances are 2D, m; RMa NLOS is valid to 5 km (LOS 10 km).
_RANGES: dict[Callable[..., Any], dict[str, tuple[float, float]]] = {
    free_space: {"distance_m": (_FREE_SPACE_MIN_M, np.inf)},
    okumura_hata: {"distance_m": (_HATA_MIN_M, 20000.0), "frequency_mhz": (150.0, 1500.0),
                   "h_bs_m": (30.0, 200.0), "h_ut_m": (1.0, 10.0)},
    cost231_hata: {"distance_m": (_HATA_MIN_M, 20000.0), "frequency_mhz": (1500.0, 2000.0),
                   "h_bs_m": (30.0, 200.0), "h_ut_m": (1.0, 10.0)},
    extended_hata: {"distance_m": (1000.0 * _EHATA_FAR_KM, 100000.0),
                    "frequency_mhz": (30.0, 3000.0), "h_bs_m": (30.0, 200.0),
                    "h_ut_m": (1.0, 10.0)},
    tr38901_rma: {"distance_m": (_TR38901_MIN_M, 10000.0), "frequency_mhz": (500.0, 30000.0),
                  "h_bs_m": (10.0, 150.0), "h_ut_m": (1.0, 10.0)},
    tr38901_uma: {"distance_m": (_TR38901_MIN_M, 5000.0), "frequency_mhz": (500.0, 100000.0),
                  "h_bs_m": (25.0, 25.0), "h_ut_m": (1.5, 22.5)},
}

#: Validity code stem per parameter (:func:`model_validity`).
_VALIDITY_CODES = {"frequency_mhz": "frequency", "h_bs_m": "height", "h_ut_m": "ue_height",
                   "distance_m": "distance"}

_MIN_DISTANCE_M: dict[Callable[..., Any], float] = {
    free_space: _FREE_SPACE_MIN_M,
    okumura_hata: _HATA_MIN_M,
    cost231_hata: _HATA_MIN_M,
    tr38901_rma: _TR38901_MIN_M,
    tr38901_uma: _TR38901_MIN_M,
    extended_hata: _FREE_SPACE_MIN_M,
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
        "cost231_suburban", "cost231_open", "rma_los", "rma_nlos", "uma_los", "uma_nlos",
        "extended_hata_*"; "rma" and "uma" are their LOS formula here (the engine picks LOS
        or NLOS per pixel, :data:`TERRAIN_LOS_MODELS`).
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
    """The default model name for a band and an environment: the Extended Hata model
    (:func:`extended_hata`, Report ITU-R SM.2028-2 section 6.1 / SEAMCAT) at every band.

    One model family for 700-3800 MHz, joined continuously across its bands, so that no band
    edge makes a step (before: Hata to 1500 MHz, COST-231 to 2000 MHz and TR 38.901 above,
    with an 11-22 dB step at 2000 MHz in the suburban default) and a taller mast never
    shortens a range (TR 38.901 UMa has no height gain). "extended_hata_open" for rural,
    "extended_hata_suburban", "extended_hata_urban". Hata, COST-231 and TR 38.901 RMa/UMa
    stay available as explicit choices (``[coverage] model``).

    Rural maps to Hata's *open area* correction (fields, no tall obstacles along the path); for
    rural land dotted with villages, tree lines and bamboo hedges "extended_hata_suburban" is
    the more cautious choice (and the sample's, ``settings.ENVIRONMENT``).

    Parameters
    ----------
    frequency_mhz : float
        Carrier frequency, MHz (one model for every band; kept for callers and for a
        per-band choice).
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
    if not float(frequency_mhz) > 0.0:
        raise ValueError(f"frequency_mhz must be > 0, got {frequency_mhz!r}")
    return f"extended_hata_{hata_env[environment]}"


def model_validity(
    model: str,
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
) -> np.ndarray:
    """Where a model is used outside its validity range, as codes (one string per element).

    ``"ok"``, or the problems joined by ``"+"``, in the order frequency, mast height,
    terminal height, distance: ``frequency_below_range``, ``frequency_above_range``,
    ``height_below_range``, ``height_above_range``, ``ue_height_below_range``,
    ``ue_height_above_range``, ``distance_below_range``, ``distance_above_range``. The
    ranges are those the model functions warn about (the sources' tables). A NaN distance
    (no range) is not checked.

    Parameters
    ----------
    model : str
        A key of :data:`MODELS`.
    distance_m, frequency_mhz, h_bs_m, h_ut_m : array_like
        As for :func:`path_loss`; all broadcast.

    Returns
    -------
    numpy.ndarray
        Codes (dtype object), in the broadcast shape.
    """
    function, fixed = _lookup(model)
    ranges = dict(_RANGES[function])
    if function is tr38901_rma and not fixed["los"]:
        ranges["distance_m"] = (_TR38901_MIN_M, 5000.0)
    values = {"frequency_mhz": _arr(frequency_mhz), "h_bs_m": _arr(h_bs_m),
              "h_ut_m": _arr(h_ut_m), "distance_m": _arr(distance_m)}
    shape = np.broadcast_shapes(*(v.shape for v in values.values()))
    codes = np.full(shape, "", dtype=object)
    for name in ("frequency_mhz", "h_bs_m", "h_ut_m", "distance_m"):
        if name not in ranges:
            continue
        lo, hi = ranges[name]
        v = np.broadcast_to(values[name], shape)
        stem = _VALIDITY_CODES[name]
        with np.errstate(invalid="ignore"):
            for bad, side in ((v < lo, "below"), (v > hi, "above")):
                codes = np.where(bad, codes + f"+{stem}_{side}_range", codes)
    codes = np.array([c.lstrip("+") or "ok" for c in codes.ravel()], dtype=object)
    return codes.reshape(shape)


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


class Calibration(Protocol):
    """A path-loss calibration (``config.params.CalibrationParams`` is one): an offset (dB)
    and a slope (dB per decade of distance) around a reference distance (m)."""

    @property
    def offset_db(self) -> float: ...  # dB

    @property
    def slope_db_per_decade(self) -> float: ...  # dB per decade of distance

    @property
    def reference_distance_m(self) -> float: ...  # m


#: Models whose engine loss may grow by less than 20 dB per decade (TR 38.901: the 3D
#: distance near the mast): a negative slope correction could make their loss fall with
#: distance, so :func:`check_calibration` refuses it.
_SLOW_MODELS = (tr38901_rma, tr38901_uma)


def check_calibration(model: str, calibration: Calibration) -> None:
    """Raise :class:`ValueError` when ``calibration`` would make :func:`engine_path_loss` of
    ``model`` fall with distance somewhere: a slope below
    ``settings.CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE[0]`` (-20 dB per decade, free space's
    law, the least the engine's Hata-family and free-space losses grow by), or any negative
    slope with the TR 38.901 models (whose loss grows more slowly near the mast)."""
    lowest = settings.CALIBRATION_SLOPE_LIMITS_DB_PER_DECADE[0]
    slope = float(calibration.slope_db_per_decade)
    function, _ = _lookup(model)
    if slope < lowest or (slope < 0.0 and function in _SLOW_MODELS):
        raise ValueError(f"a slope correction of {slope:g} dB per decade would make the "
                         f"{model} loss fall with distance; allowed: >= {lowest:g} (>= 0 "
                         "with the TR 38.901 models)")


def calibrated_loss(model: str, loss_db: ArrayLike, distance_m: ArrayLike,
                    frequency_mhz: ArrayLike, calibration: Calibration) -> np.ndarray:
    """A calibrated engine loss, dB: the corrections fitted to measurements (planning tools'
    K1 and K2) added to the engine's loss ``loss_db`` of ``model``, floored at free space::

        L_cal(d) = max(L(d) + offset_db + slope_db_per_decade log10(d / reference_distance_m),
                       L_free(d))

    with d the horizontal distance (at least 1 m) and L_free of ITU-R P.525
    (:func:`free_space`). Non-decreasing in distance: the engine's loss grows by at least
    20 dB per decade for the Hata family and free space, so a slope correction of at least
    -20 dB per decade keeps the sum non-decreasing, and the maximum of two non-decreasing
    functions is non-decreasing; other slopes are refused (:func:`check_calibration`). The
    free-space floor keeps a negative offset from giving less loss than physics allows
    near the mast.

    Parameters
    ----------
    model : str
        The key of :data:`MODELS` that gave ``loss_db`` (checked with the slope).
    loss_db : array_like
        The engine's loss, dB (:func:`engine_path_loss` without calibration).
    distance_m, frequency_mhz : array_like
        Horizontal distance (m) and frequency (MHz), broadcast with ``loss_db``.
    calibration : Calibration
        The corrections.

    Returns
    -------
    numpy.ndarray
        Calibrated loss, dB.
    """
    check_calibration(model, calibration)
    d = np.maximum(_arr(distance_m), 1.0)
    correction = (float(calibration.offset_db) + float(calibration.slope_db_per_decade)
                  * np.log10(d / float(calibration.reference_distance_m)))
    return np.maximum(_arr(loss_db) + correction, free_space(d, frequency_mhz,
                                                             validity="ignore"))


def engine_path_loss(
    model: str,
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    *,
    calibration: Calibration | None = None,
    los: ArrayLike | None = None,
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

    Extended Hata (:func:`extended_hata`, the default; SM.2028-2 section 6.1) is treated
    the same way from its 0.1 km minimum: its d >= 0.1 km formula, its log-distance law
    ``44.9 - 6.55 log10(max(30, H_b))`` dB per decade continued below 0.1 km (to 7.8 m, where
    its height term changes sign; 20 dB per decade below), floored at free
    space over the horizontal distance like every model here, instead of the model's own
    near-mast part (free space over the slant path to the mast top below 40 m, interpolated
    to 0.1 km, floored at that slant free space). So the engine's loss is non-decreasing in
    distance and non-increasing in mast height everywhere, and a taller mast never shortens
    a range; the model's slant path would make a taller mast farther from a handset near its
    foot, where the antenna's vertical pattern already rules the level. Both agree from
    0.1 km wherever the loss is above free space (where it is not, by at most the slant path's
    share: 0.34 dB at 0.1 km for a 30 m mast).
    Other models are used as they are (TR 38.901 from 10 m), also floored at free space.
    Distances below 1 m are evaluated at 1 m. Non-decreasing in distance, so that
    :func:`engine_max_range_m` inverts it exactly. No validity warnings (the engine works
    outside the models' ranges on purpose; :func:`engine_max_range_m` checks its result).

    With ``calibration`` (the scenario's ``[calibration]``, fitted by ``coverage-gis
    calibrate``) the loss is :func:`calibrated_loss` of it, still non-decreasing in distance.

    The TR 38.901 models "rma" and "uma" (:data:`TERRAIN_LOS_MODELS`) take the LOS formula
    where ``los`` is True and the NLOS one (PL_NLOS = max(PL_LOS, PL'_NLOS), TR 38.901 Table
    7.4.1-1) where it is False: the terrain's line of sight per pixel. Without ``los``, the LOS
    formula (flat ground: every pixel sees the mast). Other models ignore ``los``.

    Parameters
    ----------
    model : str
        A key of :data:`MODELS`.
    distance_m, frequency_mhz, h_bs_m, h_ut_m : array_like
        As for :func:`path_loss`; all broadcast.
    calibration : Calibration, optional
        Offset (dB) and slope (dB per decade) corrections; None: the model as published.
    los : array_like of bool, optional
        Line of sight per element (broadcast with the distances), for "rma" and "uma".

    Returns
    -------
    numpy.ndarray
        Path loss, dB.
    """
    if model in TERRAIN_LOS_MODELS and los is not None:
        los_model, nlos_model = TERRAIN_LOS_MODELS[model]
        see = np.asarray(los, dtype=bool)
        with_los = engine_path_loss(los_model, distance_m, frequency_mhz, h_bs_m, h_ut_m)
        without = engine_path_loss(nlos_model, distance_m, frequency_mhz, h_bs_m, h_ut_m)
        loss = np.where(see, with_los, without)
        if calibration is None:
            return loss
        return calibrated_loss(model, loss, np.maximum(_arr(distance_m), 1.0), frequency_mhz,
                               calibration)
    d = np.maximum(_arr(distance_m), 1.0)
    function, fixed = _lookup(model)
    if function is extended_hata:
        loss = _ehata_engine(d, _arr(frequency_mhz), _arr(h_bs_m), _arr(h_ut_m),
                             fixed["environment"])
    else:
        loss = _arr(path_loss(model, d, frequency_mhz, h_bs_m, h_ut_m, validity="ignore"))
        if model.startswith(("hata", "cost231")):
            at_1km = path_loss(model, _HATA_MIN_M, frequency_mhz, h_bs_m, h_ut_m,
                               validity="ignore")
            slope = 44.9 - 6.55 * np.log10(_arr(h_bs_m))
            near = at_1km + slope * np.log10(d / _HATA_MIN_M)
            loss = np.where(d < _HATA_MIN_M, near, loss)
    loss = np.maximum(loss, free_space(d, frequency_mhz, validity="ignore"))
    if calibration is None:
        return loss
    return calibrated_loss(model, loss, d, frequency_mhz, calibration)


def engine_max_range_m(
    model: str,
    max_path_loss_db: ArrayLike,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike,
    *,
    validity: str = "warn",
    calibration: Calibration | None = None,
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
    calibration : Calibration, optional
        Inverts the calibrated loss (:func:`calibrated_loss`, also non-decreasing).

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
        return np.broadcast_to(engine_path_loss(model, d, f, hb, hu, calibration=calibration),
                               shape)

    distance = np.where(loss(1.0) > budget, 0.0, _bisect_range(loss, budget))
    path_loss(model, np.maximum(distance, _MIN_DISTANCE_M[function]), f, hb, hu,
              validity=validity)
    return _out(distance)
