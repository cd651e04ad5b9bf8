"""Link budget: from a sector's EIRP to the received reference-signal level, and back to a range.

What a phone reports, and what coverage thresholds are written in, is not the total received
power but the level of one reference signal:

- 4G LTE: RSRP, the average power of one resource element (RE, one 15 kHz subcarrier for one
  symbol) carrying the cell-specific reference signal (3GPP TS 36.214 sect. 5.1.1);
- 5G NR: SS-RSRP, the same on the secondary synchronisation signal REs of the SS/PBCH block
  (3GPP TS 38.215 sect. 5.1.1);
- 3G UMTS: CPICH RSCP, the received code power of the common pilot channel (TS 25.215
  sect. 5.1.1), a fixed share of the cell's total power;
- 2G GSM: RxLev, the received level of the BCCH carrier (TS 45.008 sect. 8.1), which is
  transmitted continuously at constant power: the carrier's whole EIRP, no split.

So the link budget is::

    level (dBm) = reference-signal EIRP (dBm) - path loss + antenna pattern
                  - terrain loss - body loss - indoor loss - clutter loss

with the reference-signal EIRP from :func:`reference_signal_eirp_dbm`. EIRP values are the
sector's boresight EIRP of one carrier (transmit power plus antenna gain minus feeder losses).
The level is the median; the location probability around it (shadow fading) is
:mod:`coverage_gis.radio.shadowing`, the indoor loss by frequency ITU-R P.2109
(:mod:`coverage_gis.radio.indoor`), the clutter loss by land-cover class
:mod:`coverage_gis.radio.clutter`.

Technology names are "2G", "3G", "4G", "5G" or any alias of ``settings.TECHNOLOGY_ALIASES``
("LTE", "NR", "UMTS", "GSM", ...). Every function is vectorised: numpy arrays (one value per
cell, per site) in, arrays out, numpy scalars for scalar inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coverage_gis.config import settings
from coverage_gis.config.vocabulary import normalise_technology
from coverage_gis.radio import pathloss
from coverage_gis.radio._arrays import as_float as _arr
from coverage_gis.radio._arrays import as_result as _out

__all__ = [
    "DEFAULTS",
    "LTE_RESOURCE_BLOCKS",
    "NR_RESOURCE_BLOCKS",
    "technology_key",
    "resource_blocks",
    "reference_signal_eirp_dbm",
    "rsrp_dbm",
    "max_range_m",
]

#: Link-budget defaults (from ``settings``).
#:
#: - ``threshold_dbm``: received level for "covered" outdoors, per technology. 4G RSRP
#:   -110 dBm is the usual planning edge for outdoor service (FIELD_NOTES: Vietnamese planning
#:   practice; the same order as operators' "fair" RSRP band of -100 to -110 dBm). 5G SS-RSRP
#:   -110 dBm, 3G CPICH RSCP -100 dBm and 2G RxLev -100 dBm (a few dB above the -102 dBm GSM
#:   reference sensitivity of TS 45.005 sect. 6.2) are typical planning values.
#: - ``ue_height_m``: user-terminal antenna height, 1.5 m (the Hata / TR 38.901 reference
#:   terminal height).
#: - ``body_loss_db``: 3 dB, head and hand of a handset user (typical planning value, e.g.
#:   the voice link budgets of Holma & Toskala, "WCDMA for UMTS").
#: - ``indoor_loss_db``: 15 dB building entry loss for the indoor view of these functions
#:   (typical planning value for brick and concrete houses at 1.8-2.1 GHz; ITU-R P.2109's
#:   median for traditional buildings is 14.8 dB at 1.8 GHz). The coverage engine uses
#:   ITU-R P.2109 by frequency and elevation (:mod:`coverage_gis.radio.indoor`) unless a
#:   scenario sets a flat ``[coverage] indoor_loss_db``.
#: - ``cpich_share_db``: CPICH power relative to the 3G cell's total power, -10 dB (10 %, a
#:   typical setting; 3GPP leaves it to the operator).
#: - ``nr_scs_khz``: subcarrier spacing assumed for 5G NR carriers, 30 kHz (the usual
#:   numerology of the TDD mid bands n41/n77/n78 used in Vietnam).
DEFAULTS: dict[str, Any] = {
    "threshold_dbm": dict(settings.COVERAGE_THRESHOLDS_DBM),
    "ue_height_m": settings.UE_HEIGHT_M,
    "body_loss_db": settings.BODY_LOSS_DB,
    "indoor_loss_db": settings.INDOOR_LOSS_DB,
    "cpich_share_db": -10.0,
    "nr_scs_khz": 30,
}

#: LTE channel bandwidth (MHz) -> transmission bandwidth configuration N_RB
#: (3GPP TS 36.104 Table 5.6-1).
LTE_RESOURCE_BLOCKS: dict[float, int] = {1.4: 6, 3.0: 15, 5.0: 25, 10.0: 50, 15.0: 75,
                                         20.0: 100}

#: NR FR1 subcarrier spacing (kHz) -> channel bandwidth (MHz) -> N_RB
#: (3GPP TS 38.104 Table 5.3.2-1; 35 and 45 MHz as added in Rel-17).
NR_RESOURCE_BLOCKS: dict[int, dict[float, int]] = {
    15: {5.0: 25, 10.0: 52, 15.0: 79, 20.0: 106, 25.0: 133, 30.0: 160, 35.0: 188, 40.0: 216,
         45.0: 242, 50.0: 270},
    30: {5.0: 11, 10.0: 24, 15.0: 38, 20.0: 51, 25.0: 65, 30.0: 78, 35.0: 92, 40.0: 106,
         45.0: 119, 50.0: 133, 60.0: 162, 70.0: 189, 80.0: 217, 90.0: 245, 100.0: 273},
    60: {10.0: 11, 15.0: 18, 20.0: 24, 25.0: 31, 30.0: 38, 35.0: 44, 40.0: 51, 45.0: 58,
         50.0: 65, 60.0: 79, 70.0: 93, 80.0: 107, 90.0: 121, 100.0: 135},
}

#: Subcarriers per resource block (TS 36.211 / TS 38.211).
SUBCARRIERS_PER_RB = 12


def technology_key(technology: Any) -> np.ndarray:
    """Canonical technology names ("2G", "3G", "4G", "5G") for names or aliases.

    Parameters
    ----------
    technology : str or array_like of str
        E.g. "4G", "LTE", "lte", "NR", "UMTS", "GSM" (see ``settings.TECHNOLOGY_ALIASES``).

    Returns
    -------
    numpy.ndarray of object
        Same shape as the input (0-d for a string).

    Raises
    ------
    ValueError
        For a name that is no known technology.
    """
    tech = np.asarray(technology, dtype=object)
    flat = tech.ravel()
    out = np.empty(flat.shape, dtype=object)
    for value in set(flat.tolist()):  # loop over distinct names only
        key = normalise_technology(value) if isinstance(value, str) else None
        if key is None:
            raise ValueError(f"unknown technology {value!r}; expected one of "
                             f"{list(settings.TECHNOLOGY_ALIASES)} or an alias")
        out[flat == value] = key
    return out.reshape(tech.shape)


def _table_lookup(bandwidth: np.ndarray, table: dict[float, int]) -> np.ndarray:
    """N_RB of the largest standard bandwidth <= the given one (the smallest for less);
    above the largest, proportional to the bandwidth (aggregated carriers)."""
    widths = np.array(sorted(table), dtype=np.float64)
    blocks = np.array([table[w] for w in widths], dtype=np.float64)
    idx = np.searchsorted(widths, bandwidth * (1.0 + 1e-9), side="right") - 1
    n_rb = blocks[np.clip(idx, 0, widths.size - 1)]
    n_rb = np.where(bandwidth > widths[-1], blocks[-1] * bandwidth / widths[-1], n_rb)
    return np.where(np.isnan(bandwidth), np.nan, n_rb)


def resource_blocks(
    technology: Any, bandwidth_mhz: ArrayLike, nr_scs_khz: int = DEFAULTS["nr_scs_khz"]
) -> np.ndarray | np.float64:
    """Number of resource blocks N_RB of an LTE or NR carrier (NaN for 2G and 3G).

    - 4G LTE: 3GPP TS 36.104 Table 5.6-1 (1.4 -> 6, 3 -> 15, 5 -> 25, 10 -> 50, 15 -> 75,
      20 -> 100);
    - 5G NR: 3GPP TS 38.104 Table 5.3.2-1 for the subcarrier spacing ``nr_scs_khz`` (30 kHz:
      20 -> 51, 40 -> 106, 100 -> 273; 15 kHz: 20 -> 106).

    A bandwidth between table entries takes the nearest standard bandwidth BELOW it (a carrier
    always has a standard width, so an odd value is read as the standard carrier it contains;
    this never overstates the RE count, i.e. never understates RSRP by more than the rounding).
    Below the smallest entry: the smallest. Above the largest (e.g. 40 MHz of LTE, two
    aggregated 20 MHz carriers sharing the EIRP): N_RB in proportion to the bandwidth.

    Parameters
    ----------
    technology : str or array_like of str
        Technology names or aliases.
    bandwidth_mhz : array_like
        Channel bandwidth, MHz.
    nr_scs_khz : {15, 30, 60}
        NR subcarrier spacing, kHz.

    Returns
    -------
    numpy.ndarray or numpy.float64
        N_RB (float; NaN for 2G, 3G and NaN bandwidths).
    """
    if nr_scs_khz not in NR_RESOURCE_BLOCKS:
        raise ValueError(f"nr_scs_khz must be one of {sorted(NR_RESOURCE_BLOCKS)}, "
                         f"got {nr_scs_khz!r}")
    tech = technology_key(technology)
    bw = _arr(bandwidth_mhz)
    tech, bw = np.broadcast_arrays(tech, bw)
    lte = _table_lookup(bw, LTE_RESOURCE_BLOCKS)
    nr = _table_lookup(bw, NR_RESOURCE_BLOCKS[nr_scs_khz])
    return _out(np.where(tech == "4G", lte, np.where(tech == "5G", nr, np.nan)))


def reference_signal_eirp_dbm(
    eirp_dbm: ArrayLike,
    technology: Any,
    bandwidth_mhz: ArrayLike,
    cpich_share_db: ArrayLike = DEFAULTS["cpich_share_db"],
    nr_scs_khz: int = DEFAULTS["nr_scs_khz"],
) -> np.ndarray | np.float64:
    """EIRP of the reference signal a terminal measures, dBm (per RE for LTE and NR).

    - 4G LTE (RSRP, TS 36.214 sect. 5.1.1): the carrier's power spread evenly over its
      ``12 N_RB`` subcarriers (reference signals sent at the average RE power, i.e. no
      RS boost)::

          EIRP_RE = EIRP - 10 log10(12 N_RB)     (20 MHz: EIRP - 30.79 dB)

      with N_RB from TS 36.104 Table 5.6-1 (:func:`resource_blocks`).
    - 5G NR (SS-RSRP, TS 38.215 sect. 5.1.1): the same formula with N_RB from TS 38.104
      Table 5.3.2-1 at ``nr_scs_khz`` (100 MHz at 30 kHz: 273 RB, -35.15 dB), i.e. SS/PBCH
      block REs sent at the average RE power of the carrier. With massive-MIMO antennas the
      SSB beam gain may differ from the traffic-beam gain included in a quoted EIRP.
    - 3G UMTS (CPICH RSCP, TS 25.215 sect. 5.1.1): ``EIRP + cpich_share_db`` (default -10 dB,
      CPICH at 10 % of the cell's total power, a typical planning value).
    - 2G GSM (RxLev of the BCCH carrier, TS 45.008 sect. 8.1): the carrier's EIRP unchanged
      (the BCCH carrier is sent continuously at full power; no per-RE split).

    Parameters
    ----------
    eirp_dbm : array_like
        Total boresight EIRP of the carrier, dBm.
    technology : str or array_like of str
        "2G", "3G", "4G", "5G" or aliases; may be an array (one per cell).
    bandwidth_mhz : array_like
        Channel bandwidth, MHz (used for 4G and 5G only; see :func:`resource_blocks` for
        bandwidths between standard values).
    cpich_share_db : array_like
        3G CPICH power relative to total power, dB.
    nr_scs_khz : {15, 30, 60}
        NR subcarrier spacing, kHz.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Reference-signal EIRP, dBm. Reference: 60 dBm for a 20 MHz LTE carrier gives
        60 - 10 log10(1200) = 29.21 dBm per RE.
    """
    tech = technology_key(technology)
    eirp = _arr(eirp_dbm)
    n_rb = _arr(resource_blocks(tech, bandwidth_mhz, nr_scs_khz))
    with np.errstate(invalid="ignore"):
        per_re = eirp - 10.0 * np.log10(SUBCARRIERS_PER_RB * n_rb)
    return _out(np.where(tech == "3G", eirp + _arr(cpich_share_db),
                         np.where(tech == "2G", eirp, per_re)))


def rsrp_dbm(
    eirp_re_dbm: ArrayLike,
    path_loss_db: ArrayLike,
    antenna_gain_db: ArrayLike = 0.0,
    terrain_loss_db: ArrayLike = 0.0,
    body_loss_db: ArrayLike = 0.0,
    indoor_loss_db: ArrayLike = 0.0,
    clutter_loss_db: ArrayLike = 0.0,
) -> np.ndarray | np.float64:
    """Received median reference-signal level, dBm (RSRP, SS-RSRP, RSCP or RxLev by
    technology).

    ::

        level = EIRP_RS - path loss + antenna gain - terrain loss - body loss - indoor loss
                - clutter loss

    Parameters
    ----------
    eirp_re_dbm : array_like
        Reference-signal EIRP at boresight, dBm (:func:`reference_signal_eirp_dbm`).
    path_loss_db : array_like
        Median path loss, dB (:mod:`coverage_gis.radio.pathloss`).
    antenna_gain_db : array_like
        Antenna pattern relative to boresight, dB, 0 or negative
        (:func:`coverage_gis.radio.antenna.sector_gain_db`); the boresight gain is in the EIRP.
    terrain_loss_db : array_like
        Terrain diffraction loss, dB (:func:`coverage_gis.radio.terrain.terrain_loss_grid`).
    body_loss_db, indoor_loss_db : array_like
        Body loss and building entry loss, dB (see :data:`DEFAULTS`;
        :func:`coverage_gis.radio.indoor.building_entry_loss_db` for ITU-R P.2109).
    clutter_loss_db : array_like
        Extra loss of the land-cover class at the receiver, dB
        (:func:`coverage_gis.radio.clutter.clutter_loss_db`).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Received level, dBm.
    """
    return _out(_arr(eirp_re_dbm) - _arr(path_loss_db) + _arr(antenna_gain_db)
                - _arr(terrain_loss_db) - _arr(body_loss_db) - _arr(indoor_loss_db)
                - _arr(clutter_loss_db))


def max_range_m(
    eirp_dbm: ArrayLike,
    technology: Any,
    bandwidth_mhz: ArrayLike,
    threshold_dbm: ArrayLike | None,
    frequency_mhz: ArrayLike,
    h_bs_m: ArrayLike,
    h_ut_m: ArrayLike = DEFAULTS["ue_height_m"],
    model: str | None = None,
    environment: str = "rural",
    body_loss_db: ArrayLike = DEFAULTS["body_loss_db"],
    indoor_loss_db: ArrayLike = 0.0,
    *,
    cpich_share_db: ArrayLike = DEFAULTS["cpich_share_db"],
    nr_scs_khz: int = DEFAULTS["nr_scs_khz"],
    validity: str = "warn",
) -> np.ndarray | np.float64:
    """Distance (m) at which the boresight level on flat ground falls to the threshold.

    The allowed path loss ``EIRP_RS - threshold - body loss - indoor loss`` is turned into a
    distance by inverting the path loss the coverage engine computes its levels with
    (:func:`coverage_gis.radio.pathloss.engine_max_range_m`, the inverse of
    :func:`coverage_gis.radio.pathloss.engine_path_loss`: Hata and COST-231 continued below
    their 1 km minimum, floored at free space), so that the range agrees with the level raster
    at any EIRP, height and band, sub-kilometre ranges included. Antenna pattern 0 dB
    (boresight) and no terrain loss: an upper bound of a sector's reach, used to size the part
    of the grid computed for it. Non-decreasing in EIRP, and in mast height for Extended Hata
    (the default; ranges beyond its 0.1 km minimum), Hata, COST-231 and RMa (TR 38.901 UMa has
    no height gain: a higher mast only lengthens the slant path).
    Vectorised over cells: every numeric input and ``technology``
    broadcast; with ``model=None`` each cell gets ``pathloss.default_model(frequency,
    environment)``.

    Parameters
    ----------
    eirp_dbm : array_like
        Total boresight EIRP of the carrier, dBm.
    technology : str or array_like of str
        Technology names or aliases.
    bandwidth_mhz : array_like
        Channel bandwidth, MHz (4G/5G).
    threshold_dbm : array_like or None
        Level for "covered", dBm; None: ``DEFAULTS["threshold_dbm"]`` of each technology.
    frequency_mhz : array_like
        Carrier frequency, MHz.
    h_bs_m : array_like
        Base-station antenna height above ground, m.
    h_ut_m : array_like
        Terminal height above ground, m (default 1.5).
    model : str, optional
        A key of :data:`coverage_gis.radio.pathloss.MODELS`; default per frequency.
    environment : {"rural", "suburban", "urban"}
        For the default model.
    body_loss_db : array_like
        Body loss, dB (default 3).
    indoor_loss_db : array_like
        Building entry loss, dB (default 0: outdoor coverage; ``DEFAULTS["indoor_loss_db"]``
        for the indoor view).
    cpich_share_db, nr_scs_khz
        See :func:`reference_signal_eirp_dbm`.
    validity : {"warn", "raise", "ignore"}
        Validity check of the model at the range found
        (:func:`coverage_gis.radio.pathloss.engine_max_range_m`).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Range, m (0 only where the level is below the threshold even 1 m from the mast; at
        most 100 km).
    """
    tech = technology_key(technology)
    eirp_re = _arr(reference_signal_eirp_dbm(eirp_dbm, tech, bandwidth_mhz, cpich_share_db,
                                             nr_scs_khz))
    if threshold_dbm is None:
        flat = tech.ravel()
        threshold = np.array([DEFAULTS["threshold_dbm"][t] for t in flat.tolist()],
                             dtype=np.float64).reshape(tech.shape)
    else:
        threshold = _arr(threshold_dbm)
    budget = eirp_re - threshold - _arr(body_loss_db) - _arr(indoor_loss_db)
    f, hb, hu = _arr(frequency_mhz), _arr(h_bs_m), _arr(h_ut_m)
    shape = np.broadcast_shapes(budget.shape, f.shape, hb.shape, hu.shape)
    if model is not None:
        return pathloss.engine_max_range_m(model, budget, f, hb, hu, validity=validity)
    budget, f, hb, hu = (np.broadcast_to(a, shape).ravel() for a in (budget, f, hb, hu))
    models = np.empty(f.shape, dtype=object)
    for freq in np.unique(f):  # distinct frequencies only
        models[f == freq] = pathloss.default_model(freq, environment)
    out = np.empty(f.shape, dtype=np.float64)
    for name in set(models.tolist()):
        sel = models == name
        out[sel] = pathloss.engine_max_range_m(name, budget[sel], f[sel], hb[sel], hu[sel],
                                               validity=validity)
    return _out(out.reshape(shape))
