"""Terrain along radio paths: earth bulge, Fresnel zones, line of sight, diffraction (P.526
knife edges, the Bullington construction of P.1812/P.452), effective antenna height.

Geometry follows ITU-R P.526-15 "Propagation by diffraction" (10/2019), with the path traced over
an effective earth of radius k·R (k = 4/3, the median refractivity of ITU-R P.834 / P.526 sect. 1)
and the parabolic approximation of the earth's curvature:

- earth bulge between the ends of a path: ``d1 d2 / (2 k R)``;
- height of an obstacle above the straight line between the antennas ("the chord")::

      h = ground + bulge(d1, d2) - line height

  positive when the obstacle cuts the direct ray;
- diffraction parameter v (P.526-15 eq. (26)) and knife-edge loss J(v) (eq. (31)).

Two ways of computing the same quantities:

- :func:`profile_loss_db` works on ONE profile, in plain numpy, written as the formulas read. It
  is the reference: tests use it, and so does the per-site detail view (with
  :func:`site_profile` to cut a profile out of a DEM).
- :func:`terrain_loss_grid` computes a whole raster around a site by a radial sweep: rays from
  the site to every cell of the disc's perimeter, the DEM sampled along all rays at once, then
  one numba-compiled loop per ray taking every sample in turn as the receiver, rays in
  parallel. It is the hot path of coverage maps: the dominant edge is found on the upper
  convex hull of the profile instead of by an exhaustive scan (same result, about O(M) instead
  of O(M^2) per ray of M samples). :func:`terrain_grids` returns the loss relative to smooth
  earth, the raw loss and line of sight of ONE sweep; :func:`sweep_count` counts the sweeps.

Terrain loss relative to smooth earth
-------------------------------------
The path-loss models this loss is added to (Extended Hata by default; Okumura-Hata,
COST-231, TR 38.901 when chosen) already contain
the average effect of the ground between the antennas: over flat ground the first Fresnel zone
of a 1.5 m terminal is partly obstructed by the ground itself beyond a few km, and a raw P.526
knife edge on a flat profile gives 2-4 dB at 10 km. Adding that again would count the ground
twice, and a flat DEM would not give the same map as no DEM. So by default the terrain loss is
the diffraction loss of the actual profile minus that of the same path over smooth earth, never
below 0 dB::

    loss = max(0, L(actual profile) - L(smooth profile))

as in the "delta-Bullington" method of ITU-R P.1812-6 sect. 4.3.4 and P.452-17 sect. 4.2.3,
where the diffraction loss of a profile with all heights set to zero is subtracted from that of
the actual profile. Here the smooth profile is the straight ground line between the ground at
the two antennas (earth curvature kept), which is a plain flat earth in the tangent frame used
below. Set ``subtract_smooth_earth=False`` for the raw P.526 values. Line of sight and Fresnel
clearance are pure geometry and are not affected.

Delta-Bullington (``method="delta_bullington"``, the engine's default)
---------------------------------------------------------------------
ITU-R P.1812-6/-7 sect. 4.3.4 (P.452-17/-18 sect. 4.2.3) computes the diffraction loss as::

    L_d = L_bulla + max(L_dsph - L_bulls, 0)

with L_bulla the Bullington loss (sect. 4.3.1, :func:`bullington_loss_db`) of the actual
profile, L_bulls the same for the profile with every height set to 0 and the antennas at their
heights above a smooth earth, and L_dsph the spherical-earth diffraction loss (sect. 4.3.2) of
that smooth path. The engine adds the terrain to an empirical model (Hata family, TR 38.901)
fitted to measurements over ordinary ground: that model already stands for propagation over
smooth earth. So the terrain loss is L_d of the actual profile minus L_d of the smooth
profile (both with the same smooth-earth antenna heights): the smooth profile's own L_bulla is
L_bulls, and the spherical-earth term max(L_dsph - L_bulls, 0) is the same in both and
cancels exactly::

    loss = L_d(actual) - L_d(smooth) = max(0, L_bulla - L_bulls)

so L_dsph (which needs ground constants and polarisation) is not needed, and a flat DEM still
gives the result of no DEM. The cancellation holds for any smooth-earth antenna heights used
in both terms; P.1812 takes them from a least-squares fit of the profile (Attachment 1 sect.
5.6), the engine takes the smooth profile above: the antennas at their heights above the
ground at their own positions, the heights the empirical model is given (a local choice; for
the Hata family on a hill the model takes the effective height below, while the smooth
reference keeps the height above ground, which counts a little less obstruction than a
reference at the effective height would). On obstructed paths this is 6-10 dB more than
the single knife edge (Bullington's ``(1 - exp(-L_uc / 6)) (10 + 0.02 d)``, and the
equivalent edge where the two horizons meet, above any single edge).

Effective antenna height
------------------------
:func:`effective_height_m` (ITU-R P.1546-6 Annex 5 sect. 3.1.2 and 3.2): the mast's height
above the average terrain between 0.2 d and d towards the receiver (3-15 km beyond 15 km), the
base-station height the Hata family was fitted with (Okumura's effective height); never below
the height above ground, at most 200 m. The sweep gives it per grid cell
(:func:`terrain_grids` with ``effective_height=True``).

Units are in the parameter names: distances and heights in m, frequencies in MHz, losses in dB.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
from affine import Affine
from numpy.typing import ArrayLike

from coverage_gis.config import settings
from coverage_gis.radio._arrays import as_float as _arr
from coverage_gis.radio._arrays import as_result as _out
from coverage_gis.radio.constants import BULLINGTON_DB as _BULL_DB
from coverage_gis.radio.constants import BULLINGTON_DB_PER_KM as _BULL_DB_PER_KM
from coverage_gis.radio.constants import (  # noqa: F401  (part of this module's API)
    EARTH_RADIUS_M,
    EFFECTIVE_EARTH_K,
    KNIFE_EDGE_V_MIN,
    SPEED_OF_LIGHT_M_S,
)
from coverage_gis.radio.constants import P1546_FAR_M as _P1546_FAR_M
from coverage_gis.radio.constants import P1546_NEAR_M as _P1546_NEAR_M
from coverage_gis.radio.constants import SWEEP_BLOCK as _BLOCK

__all__ = [
    "EFFECTIVE_EARTH_K",
    "EARTH_RADIUS_M",
    "SPEED_OF_LIGHT_M_S",
    "KNIFE_EDGE_V_MIN",
    "ProfileLoss",
    "wavelength_m",
    "earth_bulge_m",
    "fresnel_radius_m",
    "fresnel_v",
    "knife_edge_loss_db",
    "bullington_correction_db",
    "Bullington",
    "bullington_loss_db",
    "effective_height_m",
    "profile_loss_db",
    "site_profile",
    "sample_grid",
    "sweep_count",
    "numba_threads",
    "use_compiled_kernels",
    "compiled_kernels",
    "compiled_kernels_in_use",
    "TerrainGrids",
    "terrain_grids",
    "terrain_loss_grid",
    "line_of_sight_grid",
]


#: Losses below this (dB) are rounding noise of the smooth-earth subtraction and are set to 0.
_LOSS_EPS_DB = 1e-6

_METHODS = ("delta_bullington", "single", "deygout")


# --------------------------------------------------------------------------------------------
# elementary formulas (vectorised)


def wavelength_m(frequency_mhz: ArrayLike) -> np.ndarray | np.float64:
    """Free-space wavelength, m: ``c / f`` with c = 299 792 458 m/s."""
    return _out(SPEED_OF_LIGHT_M_S / (_arr(frequency_mhz) * 1e6))


def earth_bulge_m(
    d1_m: ArrayLike, d2_m: ArrayLike, k: float = EFFECTIVE_EARTH_K
) -> np.ndarray | np.float64:
    """Height of the effective earth's surface above the chord between the path ends, m.

    Parabolic approximation (ITU-R P.526-15 sect. 4.1; P.452-17 eq. (14) writes the same term
    as ``500 d1 d2 / a_e`` with distances in km)::

        bulge = d1 d2 / (2 k R)

    Parameters
    ----------
    d1_m, d2_m : array_like
        Distances from the point to the two ends of the path, m.
    k : float
        Effective earth-radius factor (default 4/3).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Bulge, m. Reference: 1.47 m at the middle of a 10 km path with k = 4/3.
    """
    return _out(_arr(d1_m) * _arr(d2_m) / (2.0 * k * EARTH_RADIUS_M))


def fresnel_radius_m(
    d1_m: ArrayLike, d2_m: ArrayLike, frequency_mhz: ArrayLike, n: int = 1
) -> np.ndarray | np.float64:
    """Radius of the n-th Fresnel ellipsoid at a point of the path, m.

    ITU-R P.526-15 sect. 2, eq. (2)::

        R_n = sqrt(n lambda d1 d2 / (d1 + d2))

    Parameters
    ----------
    d1_m, d2_m : array_like
        Distances from the point to the two ends of the path, m.
    frequency_mhz : array_like
        Frequency, MHz.
    n : int
        Fresnel-zone number (1 = first Fresnel zone).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Radius, m. Reference: 20.4 m at the middle of a 10 km path at 1800 MHz (14.4 m at the
        middle of a 5 km path).
    """
    d1, d2 = _arr(d1_m), _arr(d2_m)
    lam = _arr(wavelength_m(frequency_mhz))
    return _out(np.sqrt(n * lam * d1 * d2 / (d1 + d2)))


def fresnel_v(
    h_m: ArrayLike, d1_m: ArrayLike, d2_m: ArrayLike, frequency_mhz: ArrayLike
) -> np.ndarray | np.float64:
    """Fresnel-Kirchhoff diffraction parameter v of an edge (dimensionless).

    ITU-R P.526-15 sect. 4.1, eq. (26)::

        v = h sqrt(2 (d1 + d2) / (lambda d1 d2))

    Parameters
    ----------
    h_m : array_like
        Height of the top of the edge above the straight line joining the two ends of the path,
        m; positive when the edge obstructs the direct ray (earth bulge included by the caller).
    d1_m, d2_m : array_like
        Distances from the edge to the two ends of the path, m.
    frequency_mhz : array_like
        Frequency, MHz.

    Returns
    -------
    numpy.ndarray or numpy.float64
        v: 0 for an edge grazing the direct ray, sqrt(2) h / R_1 in general.
    """
    d1, d2 = _arr(d1_m), _arr(d2_m)
    lam = _arr(wavelength_m(frequency_mhz))
    return _out(_arr(h_m) * np.sqrt(2.0 * (d1 + d2) / (lam * d1 * d2)))


def knife_edge_loss_db(v: ArrayLike) -> np.ndarray | np.float64:
    """Diffraction loss of a single knife edge, dB (0 or positive).

    ITU-R P.526-15 sect. 4.1, eq. (31), the approximation of the Fresnel-integral loss::

        J(v) = 6.9 + 20 log10(sqrt((v - 0.1)^2 + 1) + v - 0.1)    for v > -0.78
        J(v) = 0                                                    otherwise

    Parameters
    ----------
    v : array_like
        Diffraction parameter (see :func:`fresnel_v`).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Loss, dB. References: J(0) = 6.03 dB (grazing; the exact Fresnel value is 6.02 dB),
        J(1) = 13.9 dB, about 13 + 20 log10(v) for large v.
    """
    v = _arr(v)
    with np.errstate(invalid="ignore"):
        u = np.where(v > KNIFE_EDGE_V_MIN, v, KNIFE_EDGE_V_MIN) - 0.1
        j = 6.9 + 20.0 * np.log10(np.sqrt(u * u + 1.0) + u)
    return _out(np.where(v > KNIFE_EDGE_V_MIN, np.maximum(j, 0.0), np.where(np.isnan(v), v, 0.0)))


def bullington_correction_db(luc_db: ArrayLike, distance_m: ArrayLike) -> np.ndarray | np.float64:
    """Bullington loss from the loss of its equivalent knife edge, dB.

    ITU-R P.1812-6 sect. 4.3.1 eq. (21) (the same in P.1812-7 and P.452-17/-18 sect. 4.2.1)::

        L_bull = L_uc + (1 - exp(-L_uc / 6)) (10 + 0.02 d)       d in km

    Parameters
    ----------
    luc_db : array_like
        Knife-edge loss J(v) of the equivalent edge, dB.
    distance_m : array_like
        Path length, m.

    Returns
    -------
    numpy.ndarray or numpy.float64
        L_bull, dB: 0 for L_uc = 0; 6.03 + 0.633 (10 + 0.02 d) at grazing incidence.
    """
    luc = _arr(luc_db)
    return _out(luc + (1.0 - np.exp(-luc / 6.0))
                * (_BULL_DB + _BULL_DB_PER_KM * _arr(distance_m) / 1000.0))


class Bullington(NamedTuple):
    """Result of :func:`bullington_loss_db`.

    Attributes
    ----------
    loss_db : float
        Bullington diffraction loss L_bull, dB (>= 0).
    luc_db : float
        Knife-edge loss of the equivalent edge L_uc = J(v), dB.
    v : float
        Diffraction parameter of the equivalent edge: the largest v of the profile points when
        the path is clear (P.1812 "case 1"), the Bullington point's otherwise; -inf for a
        profile without intermediate points.
    los : bool
        P.1812's case 1: every intermediate point is below the direct ray (Stim < Str).
    edges : tuple of int
        Profile indices: the point of largest v (clear path), or the horizon points seen from
        the transmitter (largest Stim) and from the receiver (largest Srim), one index when
        they coincide (obstructed path).
    """

    loss_db: float
    luc_db: float
    v: float
    los: bool
    edges: tuple[int, ...]


def bullington_loss_db(
    distance_m: ArrayLike,
    ground_m: ArrayLike,
    h_tx_m: float,
    h_rx_m: float,
    frequency_mhz: float,
    k: float = EFFECTIVE_EARTH_K,
) -> Bullington:
    """Bullington diffraction loss of ONE profile, written as ITU-R P.1812 reads.

    ITU-R P.1812-6 sect. 4.3.1 (P.1812-7 sect. 4.3.1, P.452-17/-18 sect. 4.2.1), heights in m
    above sea level, distances in km, C_e = 1 / a_e, a_e = k R::

        Stim = max_i (h_i + 500 C_e d_i (d - d_i) - h_ts) / d_i                       (13)
        Str  = (h_rs - h_ts) / d                                                     (14)
        case 1, Stim < Str (clear path):
            v_max = max_i (h_i + 500 C_e d_i (d - d_i) - (h_ts (d - d_i) + h_rs d_i) / d)
                          sqrt(0.002 d / (lambda d_i (d - d_i)))                      (15)
            L_uc = J(v_max)                                                          (16)
        case 2 (obstructed):
            Srim = max_i (h_i + 500 C_e d_i (d - d_i) - h_rs) / (d - d_i)              (17)
            d_bp = (h_rs - h_ts + Srim d) / (Stim + Srim)                             (18)
            v_b  = (h_ts + Stim d_bp - (h_ts (d - d_bp) + h_rs d_bp) / d)
                   sqrt(0.002 d / (lambda d_bp (d - d_bp)))                           (19)
            L_uc = J(v_b)                                                            (20)
        L_bull = L_uc + (1 - exp(-L_uc / 6)) (10 + 0.02 d)                            (21)

    with J the knife-edge loss of P.526 (:func:`knife_edge_loss_db`, P.1812 eq. (12)) and
    lambda = c / f. The intermediate points i = 1..n-1 exclude the two ends. For a single
    knife edge L_uc is that edge's J(v) (both horizons are its top).

    Parameters
    ----------
    distance_m : array_like
        Distances of the profile points from the transmitter, m, increasing (any spacing).
    ground_m : array_like
        Heights of the points above sea level, m (terrain, plus clutter if wanted; the ends
        are the ground under the antennas).
    h_tx_m, h_rx_m : float
        Antenna heights above ``ground_m`` at the two ends, m.
    frequency_mhz : float
        Frequency, MHz.
    k : float
        Effective earth-radius factor (default 4/3; P.1812 uses a_e = k 6371 km).

    Returns
    -------
    Bullington
        ``loss_db`` (L_bull), ``luc_db``, ``v``, ``los`` (case 1), ``edges``.
    """
    d = _arr(distance_m).ravel()
    g = _arr(ground_m).ravel()
    d_km = (d - d[0]) / 1000.0
    dtot = float(d_km[-1])
    hts = float(g[0] + h_tx_m)
    hrs = float(g[-1] + h_rx_m)
    di, gi = d_km[1:-1], g[1:-1]
    if di.size == 0:
        return Bullington(0.0, 0.0, -math.inf, True, ())
    ce = 1000.0 / (k * EARTH_RADIUS_M)  # km^-1
    lam = float(wavelength_m(frequency_mhz))
    hi = gi + 500.0 * ce * di * (dtot - di)
    slope_t = (hi - hts) / di
    stim = float(np.max(slope_t))
    edges: tuple[int, ...]
    if stim < (hrs - hts) / dtot:
        nu = (hi - (hts * (dtot - di) + hrs * di) / dtot) * np.sqrt(
            0.002 * dtot / (lam * di * (dtot - di)))
        i = int(np.argmax(nu))
        v, los, edges = float(nu[i]), True, (i + 1,)
    else:
        slope_r = (hi - hrs) / (dtot - di)
        srim = float(np.max(slope_r))
        dbp = (hrs - hts + srim * dtot) / (stim + srim)
        v = float((hts + stim * dbp - (hts * (dtot - dbp) + hrs * dbp) / dtot)
                  * math.sqrt(0.002 * dtot / (lam * dbp * (dtot - dbp))))
        t, r = int(np.argmax(slope_t)) + 1, int(np.argmax(slope_r)) + 1
        los, edges = False, ((t,) if t == r else (t, r))
    luc = float(knife_edge_loss_db(v))
    return Bullington(float(bullington_correction_db(luc, 1000.0 * dtot)), luc, v, los, edges)


def effective_height_m(
    distance_m: ArrayLike,
    ground_m: ArrayLike,
    h_tx_m: float,
    max_height_m: float = settings.EFFECTIVE_HEIGHT_MAX_M,
) -> float:
    """Effective height of the transmitting antenna for a receiver at the profile's end, m.

    ITU-R P.1546-6 Annex 5 sect. 3: h1 is the antenna's height above the average terrain
    height between 0.2 d and d from it (sect. 3.1.2, land paths shorter than 15 km, terrain
    information available), or between 3 and 15 km (sect. 3.2, 15 km or longer), where d is
    the path length; Okumura's "effective base-station antenna height" (height above the
    average terrain 3-15 km towards the mobile, Okumura et al. 1968), which the Hata formulas
    take as h_b. Here the average is the mean of the profile samples in that range, and::

        h_eff = max(h_tx, min(h1, max_height_m))

    never below the mast's own height above ground (local choice: a mast in a valley is not
    lowered, the terrain diffraction counts the hills around it, which would otherwise be
    counted twice), at most ``max_height_m`` (settings.EFFECTIVE_HEIGHT_MAX_M, 200 m, the top
    of Hata's validity range). Over flat ground h_eff = h_tx.

    Parameters
    ----------
    distance_m : array_like
        Distances of the profile points from the transmitter, m, increasing.
    ground_m : array_like
        Ground heights above sea level, m; point 0 is the transmitter's ground.
    h_tx_m : float
        Antenna height above its ground, m.
    max_height_m : float
        Largest effective height, m.

    Returns
    -------
    float
        h_eff, m.
    """
    d = _arr(distance_m).ravel() - float(np.ravel(distance_m)[0])
    g = _arr(ground_m).ravel()
    total = float(d[-1])
    lo, hi = ((0.2 * total, total) if total < _P1546_FAR_M
              else (_P1546_NEAR_M, _P1546_FAR_M))
    inside = (d >= lo - 1e-9) & (d <= hi + 1e-9)
    if not inside.any():
        return float(h_tx_m)
    h1 = float(g[0] + h_tx_m - np.mean(g[inside]))
    return float(max(h_tx_m, min(h1, max_height_m)))


# --------------------------------------------------------------------------------------------
# one profile: the reference implementation


class ProfileLoss(NamedTuple):
    """Result of :func:`profile_loss_db`.

    Attributes
    ----------
    loss_db : float
        Terrain diffraction loss, dB, >= 0: ``raw_loss_db - smooth_loss_db`` (floored at 0) by
        default, ``raw_loss_db`` with ``subtract_smooth_earth=False``.
    los : bool
        True when the direct ray between the antennas clears the terrain (earth bulge included):
        no profile point lies above it (a grazing point counts as clear).
    clearance : float
        Minimum over the intermediate points of (line height - obstacle height) / first Fresnel
        radius; negative when obstructed, >= 0.6 is the usual "Fresnel-clear" criterion. +inf
        for a profile without intermediate points.
    edges : tuple of int
        Profile indices of the diffracting edges, principal edge first. "single": the dominant
        edge (largest v; listed even when v <= -0.78 and it costs 0 dB). "deygout": the
        principal edge, then the secondary edges that contribute (v > -0.78).
        "delta_bullington": those of :class:`Bullington` (the largest-v point of a clear
        path, the horizon points of an obstructed one).
    v : tuple of float
        Diffraction parameter of each edge (each relative to its own sub-path for Deygout;
        the one equivalent edge for delta-Bullington).
    raw_loss_db : float
        Diffraction loss of the actual profile (P.526 knife edge(s)), dB.
    smooth_loss_db : float
        Diffraction loss of the same path over smooth earth (same method), dB.
    """

    loss_db: float
    los: bool
    clearance: float
    edges: tuple[int, ...]
    v: tuple[float, ...]
    raw_loss_db: float
    smooth_loss_db: float


def _check_method(method: str, max_edges: int) -> int:
    """Number of edges for a method name (1 for "single"; 0 for "delta_bullington")."""
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if method == "single":
        return 1
    if method == "delta_bullington":
        return 0
    if int(max_edges) < 1:
        raise ValueError(f"max_edges must be at least 1, got {max_edges!r}")
    return int(max_edges)


def _edge_heights(d: np.ndarray, g: np.ndarray, a: int, b: int, za: float, zb: float,
                  k: float) -> np.ndarray:
    """Height above the chord from (d[a], za) to (d[b], zb) of the points a < i < b, m."""
    d1 = d[a + 1:b] - d[a]
    d2 = d[b] - d[a + 1:b]
    line = za + (zb - za) * d1 / (d[b] - d[a])
    return g[a + 1:b] + earth_bulge_m(d1, d2, k) - line


def _knife_edges(d: np.ndarray, g: np.ndarray, z_tx: float, z_rx: float, frequency_mhz: float,
                 k: float, n_edges: int) -> tuple[float, list[int], list[float]]:
    """Deygout construction, breadth first, at most ``n_edges`` edges (1 = single knife edge).

    Level 1 is the principal edge (largest v over the whole path); each edge taken splits its
    segment into two sub-paths ending on the edge's top; level n+1 holds the largest edge of each
    sub-path of level n. Within a level, edges are taken in decreasing v while fewer than
    ``n_edges`` have been taken. Only edges with v > -0.78 count; only edges with v > 0 (cutting
    the ray) split. The principal edge is reported even when it does not count.
    """
    total = 0.0
    edges: list[int] = []
    vs: list[float] = []
    level = [(0, len(d) - 1, z_tx, z_rx)]
    while level and len(edges) < n_edges:
        candidates = []
        for a, b, za, zb in level:
            if b - a < 2:
                continue
            h = _edge_heights(d, g, a, b, za, zb, k)
            # Array arguments: v is an array (np.asarray only narrows the declared type).
            v = np.asarray(fresnel_v(h, d[a + 1:b] - d[a], d[b] - d[a + 1:b], frequency_mhz))
            i = int(np.argmax(v))
            candidates.append((float(v[i]), a + 1 + i, a, b, za, zb))
        candidates.sort(key=lambda c: -c[0])  # stable: left segment first on ties
        level = []
        for v_i, i, a, b, za, zb in candidates:
            if len(edges) >= n_edges:
                break
            if v_i <= KNIFE_EDGE_V_MIN:
                if not edges:  # report the dominant edge of a clear path, at 0 dB
                    edges.append(i)
                    vs.append(v_i)
                    return 0.0, edges, vs
                continue
            total += float(knife_edge_loss_db(v_i))
            edges.append(i)
            vs.append(v_i)
            if v_i > 0.0:  # only an edge that cuts the ray diffracts it from its top
                level += [(a, i, za, float(g[i])), (i, b, float(g[i]), zb)]
    return total, edges, vs


def profile_loss_db(
    distance_m: ArrayLike,
    ground_m: ArrayLike,
    h_tx_m: float,
    h_rx_m: float,
    frequency_mhz: float,
    k: float = EFFECTIVE_EARTH_K,
    method: str = "single",
    max_edges: int = 3,
    *,
    subtract_smooth_earth: bool = True,
) -> ProfileLoss:
    """Diffraction loss, line of sight and Fresnel clearance of ONE terrain profile.

    Heights of the points above the direct ray follow ITU-R P.526-15 sect. 4 with the earth
    bulge of an effective earth of radius k·R (:func:`earth_bulge_m`); each edge's loss is the
    knife-edge J(v) of eq. (31) (:func:`knife_edge_loss_db`).

    - ``method="single"``: the dominant edge only (largest v along the path). A lower bound for
      paths crossing several separated obstacles.
    - ``method="deygout"``: J. Deygout, "Multiple knife-edge diffraction of microwaves", IEEE
      Trans. Antennas Propag. 14(4), 1966: the principal edge, then recursively the largest edge
      of the sub-paths on each side of it (sub-paths end on the edge tops), losses added. An
      edge splits the path only when it cuts the direct ray (v > 0); an edge below the ray but
      inside its Fresnel zone (-0.78 < v <= 0) adds its J(v) without splitting, as the ray is
      not diffracted at its top (splitting there would aim the sub-paths at a point under the
      ray and count the ground again: on a flat 10 km path at 900 MHz, 14 dB instead of 3.5 dB
      for the dominant edge alone). Capped at ``max_edges`` edges (default 3: the principal
      edge and one on each side, the limit of the Deygout construction in earlier editions of
      ITU-R P.526, e.g. P.526-7/-8). The cap matters: on a densely sampled rounded hill every
      profile point near the crest is an "edge", and uncapped Deygout adds their losses as if
      they were separate knife edges, over-counting badly (FIELD_NOTES: one edge 35 dB, three
      70, seven 99 dB on one hill; here a 120 m dome on a 10 km path at 900 MHz sampled every
      10 m gives 27, 45, 72 and 122 dB with 1, 3, 7 and 15 edges). Even capped, Deygout on a
      30 m DEM of rounded hills is about double the single edge.
    - ``method="delta_bullington"`` (the engine's default, ``settings.TERRAIN_METHOD``): the
      Bullington loss of ITU-R P.1812 sect. 4.3.1 (:func:`bullington_loss_db`: one equivalent
      knife edge where the horizons seen from both ends meet, plus Bullington's empirical
      ``(1 - exp(-L_uc / 6)) (10 + 0.02 d)``), minus the same over smooth earth: the "delta"
      of P.1812's delta-Bullington (see the module docstring).

    By default the result is the loss in excess of the same path over smooth earth (see the
    module docstring): this is what to add to a Hata/COST-231/38.901 path loss.

    Parameters
    ----------
    distance_m : array_like
        Distances of the profile points from the transmitter, m, increasing; point 0 is the
        transmitter, the last point the receiver.
    ground_m : array_like
        Ground heights above sea level at those points, m (no NaN).
    h_tx_m, h_rx_m : float
        Antenna heights above ground at the transmitter and at the receiver, m.
    frequency_mhz : float
        Frequency, MHz.
    k : float
        Effective earth-radius factor (default 4/3).
    method : {"single", "deygout", "delta_bullington"}
        Diffraction construction.
    max_edges : int
        Most edges Deygout adds (ignored by the others).
    subtract_smooth_earth : bool
        Subtract the loss of the same path over smooth earth (default True).

    Returns
    -------
    ProfileLoss
        ``loss_db``, ``los``, ``clearance``, ``edges``, ``v``, ``raw_loss_db``,
        ``smooth_loss_db``.
    """
    n_edges = _check_method(method, max_edges)
    d = _arr(distance_m).ravel()
    g = _arr(ground_m).ravel()
    if d.shape != g.shape or d.size < 2:
        raise ValueError("distance_m and ground_m must be 1-D arrays of the same length >= 2")
    if np.isnan(g).any() or np.isnan(d).any():
        raise ValueError("the profile contains NaN (fill nodata first, e.g. with site_profile)")
    if np.any(np.diff(d) <= 0):
        raise ValueError("distance_m must increase strictly")
    d = d - d[0]
    z_tx = float(g[0] + h_tx_m)
    z_rx = float(g[-1] + h_rx_m)
    n = d.size
    if n > 2:
        h = _edge_heights(d, g, 0, n - 1, z_tx, z_rx, k)
        los = bool(np.max(h) <= 0.0)
        r1 = fresnel_radius_m(d[1:-1], d[-1] - d[1:-1], frequency_mhz)
        clearance = float(np.min(-h / r1))
    else:
        los, clearance = True, math.inf
    if n_edges == 0:
        bull = bullington_loss_db(d, g, h_tx_m, h_rx_m, frequency_mhz, k)
        raw, edges, vs = bull.loss_db, list(bull.edges), [bull.v]
    else:
        raw, edges, vs = _knife_edges(d, g, z_tx, z_rx, frequency_mhz, k, n_edges)
    smooth = 0.0
    if subtract_smooth_earth and n_edges == 0:
        smooth = bullington_loss_db(d, np.zeros_like(g), h_tx_m, h_rx_m, frequency_mhz,
                                    k).loss_db
    elif subtract_smooth_earth:
        smooth, _, _ = _knife_edges(d, np.zeros_like(g), float(h_tx_m), float(h_rx_m),
                                    frequency_mhz, k, n_edges)
    loss = raw - smooth if subtract_smooth_earth else raw
    loss = loss if loss > _LOSS_EPS_DB else 0.0
    return ProfileLoss(float(loss), los, clearance, tuple(edges), tuple(vs), float(raw),
                       float(smooth))


# --------------------------------------------------------------------------------------------
# DEM sampling


def site_ground_m(dem: Any, x_m: float, y_m: float) -> tuple[float, bool]:
    """Ground height at a mast (m) and whether the DEM has it there.

    The DEM at (``x_m``, ``y_m``) (bilinear, :meth:`Raster.sample`); on or next to nodata, or
    off the DEM, the median of the DEM's valid pixels within ``settings.SITE_GROUND_SEARCH_M``
    of the mast, else 0 m (flat ground, as without a DEM). The DEM is in a metric CRS.
    """
    here = float(np.asarray(dem.sample(np.array([x_m]), np.array([y_m])))[0])
    if math.isfinite(here):
        return here, True
    radius = float(settings.SITE_GROUND_SEARCH_M)
    inv = ~dem.transform
    col, row = inv @ (x_m, y_m)
    px = max(abs(dem.transform.a), abs(dem.transform.e))
    reach = int(math.ceil(radius / px)) + 1
    rows, cols = dem.shape
    r0, r1 = max(0, int(row) - reach), min(rows, int(row) + reach + 1)
    c0, c1 = max(0, int(col) - reach), min(cols, int(col) + reach + 1)
    if r0 >= r1 or c0 >= c1:
        return 0.0, False
    block = np.asarray(dem.data[r0:r1, c0:c1], dtype=np.float64)
    cx, _ = dem.transform @ (np.arange(c0, c1) + 0.5, np.full(c1 - c0, r0 + 0.5))
    _, ry = dem.transform @ (np.full(r1 - r0, c0 + 0.5), np.arange(r0, r1) + 0.5)
    near = np.hypot(np.asarray(cx)[None, :] - x_m, np.asarray(ry)[:, None] - y_m) <= radius
    valid = block[near & np.isfinite(block)]
    return (float(np.median(valid)), False) if valid.size else (0.0, False)


def _fill_ground(ground: np.ndarray, site_ground: float) -> np.ndarray:
    """Replace NaN (nodata, outside the DEM) by the site's ground height
    (:func:`site_ground_m`)."""
    return np.where(np.isnan(ground), site_ground, ground)


def site_profile(
    dem: Any, x0: float, y0: float, x1: float, y1: float, step_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Terrain profile from (x0, y0) to (x1, y1), sampled from a DEM.

    The path is cut into ``ceil(length / step_m)`` equal steps (so the spacing is at most
    ``step_m`` and both ends are sampled exactly); ground heights are bilinear samples of the
    DEM. Nodata and points off the DEM take the ground height at (x0, y0), as in
    :func:`terrain_loss_grid`.

    Parameters
    ----------
    dem : coverage_gis.io.Raster or None
        Ground heights, m, in the same metric CRS as the coordinates. None: flat ground at 0 m.
    x0, y0 : float
        Start (the site), m.
    x1, y1 : float
        End (the receiver), m.
    step_m : float
        Largest spacing of the samples, m.

    Returns
    -------
    distance_m, ground_m : numpy.ndarray
        Distances from the start, m, and ground heights, m (no NaN).
    """
    length = math.hypot(x1 - x0, y1 - y0)
    n = max(1, math.ceil(length / float(step_m) - 1e-9))
    t = np.linspace(0.0, 1.0, n + 1)
    distance = t * length
    if dem is None:
        return distance, np.zeros_like(distance)
    _check_dem(dem)
    ground = dem.sample(x0 + t * (x1 - x0), y0 + t * (y1 - y0)).astype(np.float64)
    return distance, _fill_ground(ground, site_ground_m(dem, x0, y0)[0])


def _check_dem(dem: Any) -> None:
    crs = getattr(dem, "crs", None)
    if crs is not None and getattr(crs, "is_geographic", False):
        raise ValueError(
            f"the DEM {getattr(dem, 'source', '')!r} is in a geographic CRS ({crs.name}); "
            "reproject it to the grid's metric CRS first (Raster.reproject)")


# --------------------------------------------------------------------------------------------
# the kernels (coverage_gis.radio.kernels): numba's build, or the same source compiled ahead
# of time (coverage_gis.radio.compiled)

#: The kernels this process calls (:func:`_k`); None until first used.
_ACTIVE: list[Any] = [None]


def _k() -> Any:
    """The kernels this process calls: the ahead-of-time build once :func:`use_compiled_kernels`
    chose it, else numba's (:mod:`coverage_gis.radio.kernels`, imported on first use: numba's
    import and loading its cached kernels take about half a second)."""
    if _ACTIVE[0] is None:
        from coverage_gis.radio import kernels
        _ACTIVE[0] = kernels
    return _ACTIVE[0]


def use_compiled_kernels(enable: bool = True) -> bool:
    """Call the kernels' ahead-of-time build (:mod:`coverage_gis.radio.compiled`: the same
    source, the same values, one thread, loaded in milliseconds without numba) in this process
    when it is installed and current; return whether it is used. For short processes of one
    site (``coverage-gis site-map``): on large jobs numba's build, whose rays run in parallel,
    is faster. ``enable=False``: numba's build again."""
    if enable:
        from coverage_gis.radio import compiled
        module = compiled.load()
        if module is not None:
            _ACTIVE[0] = module
            return True
    from coverage_gis.radio import kernels
    _ACTIVE[0] = kernels
    return False


@contextlib.contextmanager
def compiled_kernels() -> Iterator[bool]:
    """:func:`use_compiled_kernels` for a block (it yields whether the ahead-of-time build is
    used); the kernels of before afterwards (a command run from Python leaves the process as
    it found it)."""
    previous = _ACTIVE[0]
    try:
        yield use_compiled_kernels()
    finally:
        _ACTIVE[0] = previous


def compiled_kernels_in_use() -> bool:
    """Whether this process calls the ahead-of-time build (:func:`use_compiled_kernels`)."""
    return getattr(_ACTIVE[0], "AHEAD_OF_TIME", False)


def numba_threads() -> int:
    """The threads numba's parallel kernels use in this process (``NUMBA_NUM_THREADS``: this
    machine's cores by default, one in a worker of a local cluster). While the ahead-of-time
    build runs and numba is not loaded, the number numba would read, without loading it
    (``NUMBA_NUM_THREADS``, else the processors this process may run on)."""
    if compiled_kernels_in_use() and "numba" not in sys.modules:
        env = os.environ.get("NUMBA_NUM_THREADS", "").strip()
        if env.isdigit() and int(env) > 0:
            return int(env)
        affinity = getattr(os, "sched_getaffinity", None)
        return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    from coverage_gis.radio import kernels
    return kernels.numba_threads()


#: numba's "workqueue" threading layer (used when neither TBB nor OpenMP is installed) aborts
#: when two Python threads launch parallel kernels at once: launches are serialised.
_KERNEL_LOCK = threading.Lock()

#: Sweeps run in this process (:func:`sweep_count`).
_SWEEPS = [0]


def sweep_count() -> int:
    """How many radial sweeps (the diffraction kernel over one site's rays, for one radius and
    step) this process has run: a counter for benchmarks and tests, which check that a site's
    terrain is computed once, not once per sector or per output."""
    return _SWEEPS[0]




def _geometry_table(m: int, step_m: float, wavelength: float) -> np.ndarray:
    """(m, m) table g[n, i] = sqrt(2 n / (lambda step i (n - i))) for 0 < i < n, else 0.

    For samples evenly spaced by ``step_m``, v of a point i steps from the start of a chord of n
    steps is its height above the chord times g[n, i] (P.526-15 eq. (26) with d1 = i step,
    d2 = (n - i) step); Deygout's sub-paths reuse the same table with offsets.
    """
    n = np.arange(m, dtype=np.float64)[:, None]
    i = np.arange(m, dtype=np.float64)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.sqrt(2.0 * n / (wavelength * step_m * i * (n - i)))
    return np.where((i > 0) & (i < n), g, 0.0)


def _grid_step(grid_x: np.ndarray, grid_y: np.ndarray, dem: Any) -> float:
    if grid_x.size > 1:
        return float(abs(grid_x[1] - grid_x[0]))
    if grid_y.size > 1:
        return float(abs(grid_y[1] - grid_y[0]))
    if dem is not None:
        return float(min(dem.resolution))
    return 30.0


def _window(grid: np.ndarray, lo: float, hi: float) -> slice:
    """Index slice of the sorted (ascending or descending) coordinates within [lo, hi]."""
    if grid.size == 0:
        return slice(0, 0)
    if grid[0] <= grid[-1]:
        return slice(int(np.searchsorted(grid, lo, "left")),
                     int(np.searchsorted(grid, hi, "right")))
    rev = grid[::-1]
    start = grid.size - int(np.searchsorted(rev, hi, "right"))
    stop = grid.size - int(np.searchsorted(rev, lo, "left"))
    return slice(start, stop)


def _inverse_transform(dem: Any) -> np.ndarray | None:
    """The six coefficients of the DEM's inverse affine transform for the kernels' bilinear
    samples (:mod:`coverage_gis.radio.kernels`), or None when ``dem`` is not a
    :class:`Raster` (then its own ``sample`` is used)."""
    data, transform = getattr(dem, "data", None), getattr(dem, "transform", None)
    if not isinstance(data, np.ndarray) or data.ndim != 2 or not isinstance(transform, Affine):
        return None
    inv = ~transform
    return np.array([inv.a, inv.b, inv.c, inv.d, inv.e, inv.f], dtype=np.float64)


def sample_grid(dem: Any, grid_x_m: ArrayLike, grid_y_m: ArrayLike, fill_m: float
                ) -> np.ndarray:
    """Ground heights at the cells of a regular grid, m, shape (ny, nx): the bilinear samples of
    :meth:`Raster.sample` (same values; compiled and in parallel for a :class:`Raster`), with
    ``fill_m`` where the DEM has nodata or does not reach.

    Parameters
    ----------
    dem : coverage_gis.io.Raster
        Ground heights, m, in the grid's CRS.
    grid_x_m, grid_y_m : array_like
        Cell-centre coordinates, m.
    fill_m : float
        Height for nodata and off-DEM cells, m.
    """
    gx = np.ascontiguousarray(_arr(grid_x_m).ravel())
    gy = np.ascontiguousarray(_arr(grid_y_m).ravel())
    inv = _inverse_transform(dem)
    if inv is None:
        ground = dem.sample(*np.meshgrid(gx, gy))
        return np.where(np.isnan(ground), fill_m, ground)
    out = np.empty((gy.size, gx.size), dtype=np.float64)
    with _KERNEL_LOCK:
        _k().sample_grid(dem.data, inv, gx, gy, float(fill_m), out)
    return out


def _ray_ground(dem: Any, x0: float, y0: float, n_rays: int, d: np.ndarray,
                k: float, last: np.ndarray | None = None) -> np.ndarray:
    """Ground heights along the rays in the tangent frame: (n_rays, m); nodata and points off
    the DEM at the site's ground height (:func:`_fill_ground`); with ``last``, only up to
    sample ``last[r]`` of each ray (the numba path; the rest is left unset)."""
    theta = np.arange(n_rays, dtype=np.float64) * (2.0 * math.pi / n_rays)  # from grid north
    sin_t, cos_t = np.sin(theta), np.cos(theta)
    site_ground = site_ground_m(dem, x0, y0)[0]
    curvature = d * d / (2.0 * k * EARTH_RADIUS_M)
    inv = _inverse_transform(dem)
    if inv is not None:
        ground = np.empty((n_rays, d.size), dtype=np.float64)
        if last is None:
            last = np.full(n_rays, d.size - 1, dtype=np.int64)
        with _KERNEL_LOCK:
            _k().ray_ground(dem.data, inv, x0, y0, sin_t, cos_t, d, site_ground, curvature,
                           ground, last)
        return ground
    ground = np.empty((n_rays, d.size), dtype=np.float64)
    chunk = max(1, 500_000 // d.size)  # bounds the temporaries of Raster.sample
    for r0 in range(0, n_rays, chunk):
        r1 = min(n_rays, r0 + chunk)
        ground[r0:r1] = dem.sample(x0 + sin_t[r0:r1, None] * d, y0 + cos_t[r0:r1, None] * d)
    ground = _fill_ground(ground, site_ground)
    ground[:, 0] = site_ground
    ground -= curvature
    return ground


class TerrainGrids(NamedTuple):
    """Result of :func:`terrain_grids`: one sweep, every view of it.

    Attributes
    ----------
    loss_db : numpy.ndarray, float32, shape (ny, nx)
        Diffraction loss in excess of smooth earth, dB (>= 0); NaN beyond the radius.
    los : numpy.ndarray, bool, shape (ny, nx)
        Line of sight; False beyond the radius.
    fresnel_clear : numpy.ndarray, bool, shape (ny, nx), or None
        True where the raw P.526 loss of the actual profile is zero, i.e. every edge has
        v <= -0.78: the path clears at least 0.55 of the first Fresnel zone; False beyond the
        radius (None with ``with_fresnel=False``).
    h_eff_m : numpy.ndarray, float32, shape (ny, nx), or None
        Effective height of the antenna towards each cell, m (:func:`effective_height_m`);
        NaN beyond the radius (None unless asked for, ``effective_height=True``).
    """

    loss_db: np.ndarray
    los: np.ndarray
    fresnel_clear: np.ndarray | None = None
    h_eff_m: np.ndarray | None = None


def _ray_plan(radius: float, step: float) -> tuple[int, int, np.ndarray]:
    """The rays of a sweep to ``radius`` (m) by ``step`` (m): one per perimeter cell of the
    disc, samples every step (the last at >= radius): (n_rays, m, distances of the samples)."""
    n_rays = max(8, math.ceil(2.0 * math.pi * radius / step))
    m = math.ceil(radius / step - 1e-9) + 1
    return n_rays, m, np.arange(m, dtype=np.float64) * step


class _Rays(NamedTuple):
    """The values of a sweep on its rays, (n_rays, m): loss in excess of smooth earth (dB),
    line of sight, Fresnel clearance ((1, m) when not asked for), effective height (m) or
    None."""

    loss: np.ndarray
    los: np.ndarray
    clear: np.ndarray
    heff: np.ndarray | None


def _sweep_rays(dem, x0, y0, h_tx_m, h_rx_m, frequency_mhz, k, n_edges, step, d, used,
                with_loss, subtract_smooth_earth, with_fresnel, with_heff, max_height_m
                ) -> _Rays:
    """One radial sweep over the samples ``used`` (n_rays, m) marks (and those before them on
    their ray): what :func:`_sweep_grid` and :func:`_sweep_points` then give their cells."""
    n_rays, m = used.shape
    # the farthest sample each ray needs (-1: none): a window cut to a tile needs few rays
    last = np.where(used.any(axis=1), m - 1 - np.argmax(used[:, ::-1], axis=1), -1)
    last = last.astype(np.int64)
    ground = _ray_ground(dem, x0, y0, n_rays, d, k, last)
    wl_step = float(wavelength_m(frequency_mhz)) * step
    geom = (_geometry_table(m, step, float(wavelength_m(frequency_mhz)))
            if with_loss and n_edges > 1 else np.zeros((1, 1)))
    smooth, w_least = _smooth_earth(d, k, wl_step, geom, float(h_tx_m), float(h_rx_m), n_edges,
                                    with_loss and subtract_smooth_earth)
    ray_loss = np.zeros((n_rays, m), dtype=np.float32)
    ray_los = np.zeros((n_rays, m), dtype=np.bool_)
    ray_clear = np.zeros((n_rays, m) if with_fresnel else (1, m), dtype=np.bool_)
    with _KERNEL_LOCK:
        _k().sweep(ground, used, wl_step, step / 1000.0, geom, float(h_tx_m), float(h_rx_m),
                  n_edges, with_loss, w_least, with_fresnel, ray_loss, ray_los,
                  ray_clear if with_fresnel else np.zeros((n_rays, m), dtype=np.bool_), last)
    _SWEEPS[0] += 1
    ray_heff = None
    if with_heff:
        ray_heff = np.empty((n_rays, m), dtype=np.float32)
        with _KERNEL_LOCK:
            _k().heff(ground, d * d / (2.0 * k * EARTH_RADIUS_M), float(h_tx_m), step,
                     float(max_height_m), ray_heff, last)
    del ground
    if smooth is not None:
        ray_loss -= smooth
        ray_loss[ray_loss < _LOSS_EPS_DB] = 0.0
    return _Rays(ray_loss, ray_los, ray_clear, ray_heff)


def _check_sweep(max_radius_m: float, step: float, step_m: Any) -> float:
    radius = float(max_radius_m)
    if radius < 0 or not np.isfinite(radius):
        raise ValueError(f"max_radius_m must be a finite distance >= 0, got {max_radius_m!r}")
    if not step > 0:
        raise ValueError(f"step_m must be positive, got {step_m!r}")
    return radius


def _sweep_grid(dem, x_m, y_m, h_tx_m, h_rx_m, frequency_mhz, grid_x_m, grid_y_m, max_radius_m,
                k, n_edges, step_m, with_loss, subtract_smooth_earth, with_fresnel=False,
                with_heff=False, max_height_m=settings.EFFECTIVE_HEIGHT_MAX_M
                ) -> TerrainGrids:
    gx = _arr(grid_x_m).ravel()
    gy = _arr(grid_y_m).ravel()
    x0, y0 = float(x_m), float(y_m)
    ny, nx = gy.size, gx.size
    loss_out = np.full((ny, nx), np.nan, dtype=np.float32)
    los_out = np.zeros((ny, nx), dtype=bool)
    clear_out = np.zeros((ny, nx), dtype=bool) if with_fresnel else None
    heff_out = np.full((ny, nx), np.nan, dtype=np.float32) if with_heff else None
    step = float(step_m) if step_m is not None else _grid_step(gx, gy, dem)
    radius = _check_sweep(max_radius_m, step, step_m)

    # grid cells within the disc: a window of the grid around it
    cols = _window(gx, x0 - radius, x0 + radius)
    rows = _window(gy, y0 - radius, y0 + radius)
    wx = np.ascontiguousarray(gx[cols])
    wy = np.ascontiguousarray(gy[rows])
    if dem is None:
        inside = np.hypot(wx[None, :] - x0, wy[:, None] - y0) <= radius
        loss_out[rows, cols] = np.where(inside, 0.0, np.nan)
        los_out[rows, cols] = inside
        if clear_out is not None:
            clear_out[rows, cols] = inside
        if heff_out is not None:
            heff_out[rows, cols] = np.where(inside, float(h_tx_m), np.nan)
        return TerrainGrids(loss_out, los_out, clear_out, heff_out)
    _check_dem(dem)

    n_rays, m, d = _ray_plan(radius, step)
    # each cell takes the nearest ray (by bearing) and sample (by distance)
    ray = np.empty((wy.size, wx.size), dtype=np.int32)
    sample = np.empty((wy.size, wx.size), dtype=np.int32)
    used = np.zeros((n_rays, m), dtype=np.bool_)
    with _KERNEL_LOCK:
        _k().cell_rays(wx, wy, x0, y0, radius, n_rays, m, step, ray, sample, used)
    rays = _sweep_rays(dem, x0, y0, h_tx_m, h_rx_m, frequency_mhz, k, n_edges, step, d, used,
                       with_loss, subtract_smooth_earth, with_fresnel, with_heff, max_height_m)
    win_loss = np.empty((wy.size, wx.size), dtype=np.float32)
    win_los = np.empty((wy.size, wx.size), dtype=np.bool_)
    win_clear = np.empty((wy.size, wx.size) if with_fresnel else (0, 0), dtype=np.bool_)
    with _KERNEL_LOCK:
        _k().gather(ray, sample, rays.loss, rays.clear, rays.los, win_loss, win_clear, win_los)
    loss_out[rows, cols] = win_loss
    los_out[rows, cols] = win_los
    if clear_out is not None:
        clear_out[rows, cols] = win_clear
    if heff_out is not None and rays.heff is not None:
        win_heff = np.empty((wy.size, wx.size), dtype=np.float32)
        with _KERNEL_LOCK:
            _k().gather(ray, sample, rays.heff, np.zeros((1, 1), np.bool_), rays.los, win_heff,
                       np.empty((0, 0), np.bool_), np.empty((wy.size, wx.size), np.bool_))
        heff_out[rows, cols] = win_heff
    return TerrainGrids(loss_out, los_out, clear_out, heff_out)


def _sweep_points(dem, x_m, y_m, h_tx_m, h_rx_m, frequency_mhz, points_x_m, points_y_m,
                  max_radius_m, k, n_edges, step_m, with_fresnel, with_heff, max_height_m
                  ) -> TerrainGrids:
    """:func:`_sweep_grid` (loss relative to smooth earth) at scattered points: each takes the
    ray and sample a grid cell centred there would, so a grid cell's values are the grid
    sweep's; only the rays (and samples) the points need are swept."""
    px = np.ascontiguousarray(_arr(points_x_m).ravel(), dtype=np.float64)
    py = np.ascontiguousarray(_arr(points_y_m).ravel(), dtype=np.float64)
    x0, y0 = float(x_m), float(y_m)
    step = float(step_m)
    radius = _check_sweep(max_radius_m, step, step_m)
    n = px.size
    if dem is None:
        inside = np.hypot(px - x0, py - y0) <= radius
        return TerrainGrids(np.where(inside, 0.0, np.nan).astype(np.float32), inside,
                            inside.copy() if with_fresnel else None,
                            np.where(inside, float(h_tx_m), np.nan).astype(np.float32)
                            if with_heff else None)
    _check_dem(dem)
    n_rays, m, d = _ray_plan(radius, step)
    ray = np.empty(n, dtype=np.int32)
    sample = np.empty(n, dtype=np.int32)
    used = np.zeros((n_rays, m), dtype=np.bool_)
    with _KERNEL_LOCK:
        _k().point_rays(px, py, x0, y0, radius, n_rays, m, step, ray, sample, used)
    rays = _sweep_rays(dem, x0, y0, h_tx_m, h_rx_m, frequency_mhz, k, n_edges, step, d, used,
                       True, True, with_fresnel, with_heff, max_height_m)
    inside = ray >= 0
    k_, j_ = np.where(inside, ray, 0), sample

    def take(values: np.ndarray, outside: Any) -> np.ndarray:
        return np.where(inside, values[k_, j_], outside)

    return TerrainGrids(take(rays.loss, np.float32(np.nan)), take(rays.los, False),
                        take(rays.clear, False) if with_fresnel else None,
                        None if rays.heff is None else take(rays.heff, np.float32(np.nan)))


def _smooth_earth(d: np.ndarray, k: float, wl_step: float, geom: np.ndarray, h_tx: float,
                  h_rx: float, n_edges: int, subtract: bool
                  ) -> tuple[np.ndarray | None, np.ndarray]:
    """The loss of the path over smooth earth per sample, (1, m) float32, to subtract (None when
    not subtracting), and for the single edge and Bullington the w of its (equivalent) edge
    per sample, below which the sweep need not find the actual profile's edge exactly (its
    loss would not exceed the smooth earth's: the difference is floored at 0); -inf
    everywhere otherwise."""
    m = d.size
    w_least = np.full(m, -np.inf)
    if not subtract:
        return None, w_least
    curvature = d * d / (2.0 * k * EARTH_RADIUS_M)
    zs = np.ascontiguousarray(-curvature[None, :])
    smooth = np.zeros((1, m), dtype=np.float32)
    step_km = float(d[1] - d[0]) / 1000.0 if m > 1 else 0.0
    if n_edges == 0:  # Bullington: w of the equivalent edge (v |v| = 2 w / (lambda step))
        rec = np.zeros(m)
        rec[0] = wl_step
        rec[1:] = 1.0 / np.arange(1, m)
        veff = np.full(m, -np.inf)
        with _KERNEL_LOCK:
            _k().bullington_ray(zs[0], np.ones(m, np.bool_), h_tx, h_rx, rec, step_km,
                               np.full(m, -np.inf), False, smooth[0], np.zeros(m, np.bool_),
                               np.zeros(m, np.bool_), veff, np.empty((m + _BLOCK - 1) // _BLOCK),
                               np.empty(m, np.int64))
        return smooth, veff * np.abs(veff) * (wl_step / 2.0)
    with _KERNEL_LOCK:
        _k().sweep(zs, np.ones((1, m), np.bool_), wl_step, step_km, geom, h_tx, h_rx, n_edges,
                  True, w_least, False, smooth, np.zeros((1, m), np.bool_),
                  np.zeros((1, m), np.bool_), np.full(1, m - 1, np.int64))
        if n_edges == 1:
            rec = np.zeros(m)
            rec[1:] = 1.0 / np.arange(1, m)
            _k().smooth_w(zs[0], h_tx, h_rx, rec, w_least)
    return smooth, w_least


def terrain_grids(
    dem: Any,
    x_m: float,
    y_m: float,
    h_tx_m: float,
    h_rx_m: float,
    frequency_mhz: float,
    grid_x_m: ArrayLike,
    grid_y_m: ArrayLike,
    max_radius_m: float,
    k: float = EFFECTIVE_EARTH_K,
    method: str = "single",
    step_m: float | None = None,
    *,
    max_edges: int = 3,
    with_fresnel: bool = True,
    effective_height: bool = False,
    max_height_m: float = settings.EFFECTIVE_HEIGHT_MAX_M,
) -> TerrainGrids:
    """Terrain loss relative to smooth earth, line of sight and first-Fresnel-zone clearance of
    one site over a regular grid, from ONE radial sweep (what :func:`terrain_loss_grid` with
    and without ``subtract_smooth_earth`` and :func:`line_of_sight_grid` give, without running
    the sweep two or three times).

    Parameters are those of :func:`terrain_loss_grid`; ``with_fresnel=False`` leaves
    ``fresnel_clear`` None (and saves the search that proves a path clear);
    ``effective_height=True`` adds the antenna's effective height towards each cell
    (:func:`effective_height_m` on the ray's samples, at most ``max_height_m``).

    Returns
    -------
    TerrainGrids
        ``loss_db`` (in excess of smooth earth), ``los``, ``fresnel_clear`` (raw P.526 loss
        zero: 0.55 of the first Fresnel zone clear all along the path), ``h_eff_m``.
    """
    n_edges = _check_method(method, max_edges)
    return _sweep_grid(dem, x_m, y_m, h_tx_m, h_rx_m, frequency_mhz, grid_x_m, grid_y_m,
                       max_radius_m, k, n_edges, step_m, True, True, with_fresnel,
                       effective_height, max_height_m)


def terrain_points(
    dem: Any,
    x_m: float,
    y_m: float,
    h_tx_m: float,
    h_rx_m: float,
    frequency_mhz: float,
    points_x_m: ArrayLike,
    points_y_m: ArrayLike,
    max_radius_m: float,
    step_m: float,
    k: float = EFFECTIVE_EARTH_K,
    method: str = "single",
    *,
    max_edges: int = 3,
    with_fresnel: bool = True,
    effective_height: bool = False,
    max_height_m: float = settings.EFFECTIVE_HEIGHT_MAX_M,
) -> TerrainGrids:
    """:func:`terrain_grids` at scattered points (1-D arrays of the same length) instead of a
    whole grid: a point takes the ray and sample a grid cell centred on it takes, so at the
    centres of a grid of spacing ``step_m`` the values are those of :func:`terrain_grids` on
    that grid, and only the rays and samples the points need are swept (a few households in
    a site's window cost a few rays, not the window).

    Returns
    -------
    TerrainGrids
        As :func:`terrain_grids`, each array of shape (n,).
    """
    n_edges = _check_method(method, max_edges)
    return _sweep_points(dem, x_m, y_m, h_tx_m, h_rx_m, frequency_mhz, points_x_m, points_y_m,
                         max_radius_m, k, n_edges, step_m, with_fresnel, effective_height,
                         max_height_m)


def sample_points(dem: Any, x_m: ArrayLike, y_m: ArrayLike, fill_m: float) -> np.ndarray:
    """:func:`sample_grid` at scattered points (1-D arrays), m: the same bilinear samples."""
    px = np.ascontiguousarray(_arr(x_m).ravel(), dtype=np.float64)
    py = np.ascontiguousarray(_arr(y_m).ravel(), dtype=np.float64)
    inv = _inverse_transform(dem)
    if inv is None:
        ground = np.asarray(dem.sample(px, py), dtype=np.float64)
        return np.where(np.isnan(ground), fill_m, ground)
    out = np.empty(px.size, dtype=np.float64)
    with _KERNEL_LOCK:
        _k().sample_points(dem.data, inv, px, py, float(fill_m), out)
    return out


def terrain_loss_grid(
    dem: Any,
    x_m: float,
    y_m: float,
    h_tx_m: float,
    h_rx_m: float,
    frequency_mhz: float,
    grid_x_m: ArrayLike,
    grid_y_m: ArrayLike,
    max_radius_m: float,
    k: float = EFFECTIVE_EARTH_K,
    method: str = "single",
    step_m: float | None = None,
    *,
    max_edges: int = 3,
    subtract_smooth_earth: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Terrain diffraction loss and line of sight from one site over a regular grid.

    Radial sweep: rays from the site to every cell of the perimeter of the disc of radius
    ``max_radius_m`` (``ceil(2 pi R / step)`` rays, evenly spaced in bearing), the DEM sampled
    every ``step_m`` along every ray at once (bilinear, the values of :meth:`Raster.sample`),
    then one numba-compiled loop per ray (rays in parallel) that takes every sample j in turn
    as the receiver and finds the dominant knife edge among the samples 0 < i < j (largest v,
    earth bulge included): a hull vertex when the ray is obstructed, a bounded block search
    when it is clear (see the notes in :mod:`coverage_gis.radio.kernels`), exactly the edge an
    exhaustive scan finds, in about O(M) per ray of M samples instead of O(M^2); or Deygout's
    edges (O(M^2) per ray). The loss is computed only at the samples some grid cell takes; line
    of sight is the running maximum of the elevation slopes seen from the antenna. Each grid
    cell takes the value of the nearest ray (by bearing) and sample (by distance): lateral
    error at most half a ray spacing (half a step at the rim, less inside), radial error at
    most half a step.

    The loss and LOS of a cell agree, up to that resampling, with :func:`profile_loss_db` on
    :func:`site_profile` from the site to the cell (same formulas, same smooth-earth reference).

    Parameters
    ----------
    dem : coverage_gis.io.Raster or None
        Ground heights, m, ALREADY in the grid's metric CRS (reproject first). Nodata and points
        off the DEM take flat ground at the site's ground height. None: flat earth (zero loss,
        line of sight everywhere within the radius).
    x_m, y_m : float
        Site position, m.
    h_tx_m, h_rx_m : float
        Antenna heights above ground at the site and at the receivers, m.
    frequency_mhz : float
        Frequency, MHz.
    grid_x_m : array_like, shape (nx,)
        Cell-centre x coordinates of the grid, m, ascending.
    grid_y_m : array_like, shape (ny,)
        Cell-centre y coordinates, m, descending (rows north to south, like the rasters).
    max_radius_m : float
        Cells farther than this from the site are not computed.
    k : float
        Effective earth-radius factor (default 4/3).
    method : {"single", "deygout", "delta_bullington"}
        Single dominant knife edge, Deygout with at most ``max_edges`` edges (see
        :func:`profile_loss_db`; O(M^2) per ray, many times slower), or Bullington relative
        to smooth earth (the hull search of the single edge plus O(hull) per receiver).
    step_m : float, optional
        Sample spacing along the rays, m; default the grid resolution.
    max_edges : int
        Most edges for Deygout (default 3).
    subtract_smooth_earth : bool
        Loss in excess of the same path over smooth earth (default True; see the module
        docstring).

    Returns
    -------
    loss_db : numpy.ndarray, float32, shape (ny, nx)
        Diffraction loss, dB (>= 0); NaN beyond ``max_radius_m``.
    los : numpy.ndarray, bool, shape (ny, nx)
        Line of sight from the antenna to a terminal ``h_rx_m`` above the ground of the cell;
        False beyond ``max_radius_m``.
    """
    n_edges = _check_method(method, max_edges)
    out = _sweep_grid(dem, x_m, y_m, h_tx_m, h_rx_m, frequency_mhz, grid_x_m, grid_y_m,
                      max_radius_m, k, n_edges, step_m, True, subtract_smooth_earth)
    return out.loss_db, out.los


def line_of_sight_grid(
    dem: Any,
    x_m: float,
    y_m: float,
    h_tx_m: float,
    h_rx_m: float,
    grid_x_m: ArrayLike,
    grid_y_m: ArrayLike,
    max_radius_m: float,
    k: float = EFFECTIVE_EARTH_K,
    step_m: float | None = None,
) -> np.ndarray:
    """Line-of-sight mask from one site over a regular grid (the ``los`` of
    :func:`terrain_loss_grid` without the diffraction loss, O(M) per ray).

    Parameters are those of :func:`terrain_loss_grid`.

    Returns
    -------
    numpy.ndarray, bool, shape (ny, nx)
        True where the direct ray from the antenna clears the terrain (earth bulge included);
        False beyond ``max_radius_m``.
    """
    return _sweep_grid(dem, x_m, y_m, h_tx_m, h_rx_m, 1000.0, grid_x_m, grid_y_m,
                       max_radius_m, k, 1, step_m, False, False).los
