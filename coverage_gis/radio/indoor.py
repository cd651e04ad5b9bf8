"""Building entry loss, Recommendation ITU-R P.2109-2 (08/2023), Annex 1 section 3.

The loss of a signal entering a building, between the level outside at the façade and the
level inside, not exceeded with probability ``P`` over the buildings of one class::

    L_BEL(P) = 10 log10(10^(0.1 A(P)) + 10^(0.1 B(P)) + 10^(0.1 C))             (dB)
    A(P) = F^-1(P) sigma1 + mu1,    B(P) = F^-1(P) sigma2 + mu2,    C = -3.0
    mu1 = L_h + L_e,   L_h = r + s log10 f + t (log10 f)^2,   L_e = 0.212 |theta|
    mu2 = w + x log10 f,   sigma1 = u + v log10 f,   sigma2 = y + z log10 f

with f the frequency in GHz (about 0.08-100 GHz), theta the elevation angle of the path at
the façade (degrees), F^-1 the inverse standard normal distribution, and the coefficients
of its Table 1 for "traditional" buildings and "thermally-efficient" ones (metallised
glass, foil-backed panels). The same quantile F^-1(P) enters both log-normal terms, as the
Recommendation writes it. P.2109-2 keeps the model and the coefficients of P.2109-1.

Median (P = 0.5) of a traditional building, horizontal path: 14.8 dB at 1.8 GHz, 15.8 dB at
3.7 GHz (by hand, see the tests).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["P2109_COEFFICIENTS", "building_entry_loss_db", "building_entry_loss_sigma_db"]

#: ITU-R P.2109-2 Table 1: (r, s, t, u, v, w, x, y, z) per building type.
P2109_COEFFICIENTS: dict[str, tuple[float, ...]] = {
    "traditional": (12.64, 3.72, 0.96, 9.6, 2.0, 9.1, -3.0, 4.5, -2.0),
    "thermally_efficient": (28.19, -3.00, 8.48, 13.5, 3.8, 27.8, -2.9, 9.4, -2.1),
}
_C_DB = -3.0
#: Frequency range of the model (MHz): about 80 MHz to 100 GHz.
FREQUENCY_RANGE_MHZ = (80.0, 100_000.0)


def building_entry_loss_db(frequency_mhz: ArrayLike, probability: float = 0.5,
                           building_type: str = "traditional",
                           elevation_deg: ArrayLike = 0.0) -> np.ndarray | np.float64:
    """Building entry loss (dB) not exceeded with ``probability``, ITU-R P.2109-2.

    Parameters
    ----------
    frequency_mhz : array_like
        Carrier frequency, MHz (80 MHz - 100 GHz).
    probability : float
        P, the probability that the loss is not exceeded, 0 < P < 1 (0.5: the median).
    building_type : {"traditional", "thermally_efficient"}
        P.2109's building classes.
    elevation_deg : array_like
        Elevation angle of the path at the façade, degrees (its sign does not matter;
        0 for a horizontal path).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Loss, dB (broadcast over the inputs).
    """
    if building_type not in P2109_COEFFICIENTS:
        raise ValueError(f"building_type must be one of {list(P2109_COEFFICIENTS)}, "
                         f"got {building_type!r}")
    if not 0.0 < probability < 1.0:
        raise ValueError(f"probability must be strictly between 0 and 1, got {probability!r}")
    f_mhz = np.asarray(frequency_mhz, dtype=np.float64)
    lo, hi = FREQUENCY_RANGE_MHZ
    if np.any((f_mhz < lo) | (f_mhz > hi)):
        raise ValueError(f"ITU-R P.2109 is defined for {lo:g}-{hi:g} MHz, got {frequency_mhz!r}")
    r, s, t, u, v, w, x, y, z = P2109_COEFFICIENTS[building_type]
    lf = np.log10(f_mhz / 1000.0)
    from scipy import special  # here: the level functions load without scipy outdoors

    quantile = float(special.ndtri(probability))
    mu1 = r + s * lf + t * lf * lf + 0.212 * np.abs(np.asarray(elevation_deg, dtype=np.float64))
    a = quantile * (u + v * lf) + mu1
    b = quantile * (y + z * lf) + (w + x * lf)
    loss = 10.0 * np.log10(10.0 ** (0.1 * a) + 10.0 ** (0.1 * b) + 10.0 ** (0.1 * _C_DB))
    return loss[()] if np.ndim(loss) == 0 else loss


#: F^-1(0.9): the standard normal quantile of the 90th percentile.
_Z90 = 1.2815515655446004


def building_entry_loss_sigma_db(frequency_mhz: ArrayLike, building_type: str = "traditional",
                                 elevation_deg: ArrayLike = 0.0) -> np.ndarray | np.float64:
    """The spread (dB) of the building entry loss between buildings, as a normal
    distribution with P.2109-2's median and 90th percentile: (L(0.9) - L(0.5)) / F^-1(0.9).

    P.2109's loss is a sum of two log-normal terms, not a normal in dB; this normal of the same
    median and 90th percentile stands for it where the loss combines with the outdoor
    shadowing (independent: sigma_total = sqrt(sigma_out^2 + sigma_BEL^2), the usual planning
    combination). 9.4 dB at 1.8 GHz, traditional, horizontal path: the 90th percentile 26.8 dB
    against the median 14.8 dB.

    Parameters
    ----------
    frequency_mhz, building_type, elevation_deg
        As for :func:`building_entry_loss_db`.
    """
    return ((building_entry_loss_db(frequency_mhz, 0.9, building_type, elevation_deg)
             - building_entry_loss_db(frequency_mhz, 0.5, building_type, elevation_deg))
            / _Z90)
