"""A cell's received level and path loss at grid cells: the arrays of one mast's window, given
its distances, bearings, ground and terrain (:mod:`coverage_gis.engines.coverage` computes those
and tiles the grid; ``coverage-gis site-map`` calls the same functions for one site). numpy and
the radio formulas only: no pandas or geopandas, so that a one-site process starts fast."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from coverage_gis.config import settings
from coverage_gis.config.params import CoverageParams
from coverage_gis.radio import antenna, linkbudget, pathloss
from coverage_gis.radio import clutter as radio_clutter
from coverage_gis.radio import indoor as radio_indoor
from coverage_gis.radio.pathloss import engine_path_loss

if TYPE_CHECKING:
    from coverage_gis.engines.tiles import Tile

__all__ = ["CellRow", "ClutterGrids", "Shared", "cell_model", "clutter_from_classes",
           "indoor_loss_db", "path_loss_db", "levels_of", "raised_heights"]

#: One radio cell as the level functions read it: a row of
#: :func:`coverage_gis.engines.coverage.cell_ranges` (a pandas Series reads the same way) or a
#: dict of the same columns (faster to make and read, for many small calls).
CellRow: TypeAlias = Mapping[str, Any]


def cell_model(band_mhz: float, params: CoverageParams) -> str:
    """The path-loss model of a cell on ``band_mhz``: the scenario's ``model``, else the
    default of the band and environment (:func:`coverage_gis.radio.pathloss.default_model`)."""
    return params.model or pathloss.default_model(band_mhz, params.environment)


def indoor_loss_db(cell: CellRow, elevation_deg: np.ndarray | float,
                    params: CoverageParams) -> np.ndarray | float:
    """Building entry loss (dB) at grid cells seen from ``cell`` under ``elevation_deg``:
    0 outdoors, the flat ``params.indoor_loss_db`` when given, else ITU-R P.2109 with the
    path's elevation angle at the façade."""
    if not params.indoor:
        return 0.0
    if params.indoor_loss_db is not None:
        return float(params.indoor_loss_db)
    return radio_indoor.building_entry_loss_db(float(cell["band_mhz"]),
                                               params.indoor_loss_probability,
                                               params.building_type, elevation_deg)


def path_loss_db(cell: CellRow, d: np.ndarray, params: CoverageParams,
               environment: np.ndarray | None, h_bs_m: np.ndarray | float | None = None,
               los: np.ndarray | None = None) -> np.ndarray:
    """The engine's path loss (dB) of ``cell`` at distances ``d`` (m); with an environment per
    grid cell, the Hata-family models with each grid cell's environment correction
    (:func:`coverage_gis.radio.clutter.environment_model`). ``h_bs_m``: the mast height per
    grid cell (the Hata family's effective height; default the height above ground);
    ``los``: the terrain's line of sight per grid cell, which picks the LOS or NLOS formula
    of the TR 38.901 models "rma" and "uma" (:data:`pathloss.TERRAIN_LOS_MODELS`)."""
    model = str(cell["model"])
    # one mast height (the model's height terms computed once) or one per grid cell
    h_one: np.ndarray | float = float(cell["height_m"]) if h_bs_m is None else h_bs_m
    f, h_ut = float(cell["band_mhz"]), params.ue_height_m
    loss = np.asarray(engine_path_loss(model, d, f, h_one, h_ut, los=los,
                                       calibration=params.path_loss_calibration),
                      dtype=np.float64)
    loss = np.broadcast_to(loss, d.shape).copy() if loss.shape != d.shape else loss
    if environment is None:
        return loss
    h_bs = np.broadcast_to(h_one, d.shape)
    for i, name in enumerate(settings.ENVIRONMENTS):
        other = radio_clutter.environment_model(model, name)
        sel = environment == i
        if other != model and sel.any():
            loss[sel] = engine_path_loss(other, d[sel], f, h_bs[sel], h_ut,
                                         los=None if los is None else los[sel],
                                         calibration=params.path_loss_calibration)
    return loss


#: What :func:`levels_of` may share between the sectors of a mast: a cache and the key of
#: the grid cells it is given (see ``coverage._sector_key``).
Shared: TypeAlias = tuple[dict, tuple]


def levels_of(cell: CellRow, params: CoverageParams, d: np.ndarray, bearing: Any,
               ground: np.ndarray | float, ground0: float, t_loss: np.ndarray | float,
               los: np.ndarray, h_eff: np.ndarray | None,
               local: tuple[np.ndarray, np.ndarray | None] | None,
               shared: Shared | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Received level (dBm) and path loss (dB) of ``cell`` at grid cells (arrays of one shape,
    any): distance ``d`` (m) and bearing (deg) from the mast, ground height (m; ``ground0``
    at the mast), terrain loss (dB, NaN: none), line of sight, the Hata family's effective
    mast height (m, or None) and the land cover's (loss, environment). ``shared``: (cache,
    ``coverage._sector_key``): the path loss, elevation and building entry loss computed for
    another sector of the mast at the same grid cells are taken from the cache (the same
    values)."""
    h_bs = float(cell["height_m"])
    got = shared[0].get(shared[1]) if shared is not None else None
    if got is None:
        lb = path_loss_db(cell, d, params, None if local is None else local[1],
                        raised_heights(h_eff, h_bs), los)
        elevation = antenna.elevation_deg(np.maximum(d, 1.0),
                                          (ground0 + h_bs) - (ground + params.ue_height_m))
        got = (lb, elevation, indoor_loss_db(cell, elevation, params))
        if shared is not None:
            shared[0][shared[1]] = got
    lb, elevation, indoor = got
    gain = antenna.sector_gain_db(bearing, float(cell["azimuth_deg"]), elevation,
                                  float(cell["tilt_deg"]),
                                  beamwidth_deg=float(cell["beamwidth_deg"]))
    t = np.nan_to_num(t_loss, nan=0.0) if isinstance(t_loss, np.ndarray) else t_loss
    lvl = linkbudget.rsrp_dbm(float(cell["eirp_re_dbm"]), lb, gain, t,
                              params.body_loss_db, indoor, 0.0 if local is None else local[0])
    return np.asarray(lvl), lb


def raised_heights(h_eff: np.ndarray | None, h_bs: float) -> np.ndarray | None:
    """The effective mast heights (m) of some grid cells, or None where they are all the
    mast's own (flat ground: the model then takes one height, which is faster)."""
    if h_eff is None:
        return None
    raised = h_eff > h_bs  # NaN (beyond the sweep): the mast's own height
    return np.where(raised, h_eff, h_bs) if raised.any() else None


@dataclass(frozen=True)
class ClutterGrids:
    """The land cover on the coverage grid: the extra loss (dB) of each grid cell's class and,
    with ``[clutter] environment_per_pixel``, its environment (index into
    ``settings.ENVIRONMENTS``, -1 for the model's own)."""

    loss_db: np.ndarray
    environment: np.ndarray | None
    #: The grid indices of ``loss_db[0, 0]`` (a tile's part of the grid starts there).
    row0: int = 0
    col0: int = 0

    def window(self, rows: slice, cols: slice, b: slice, c: slice
               ) -> tuple[np.ndarray, np.ndarray | None]:
        """Loss and environment of block ``b, c`` of the window ``rows, cols`` (grid
        indices)."""
        r = slice(rows.start - self.row0, rows.stop - self.row0)
        k = slice(cols.start - self.col0, cols.stop - self.col0)
        env = None if self.environment is None else self.environment[r, k][b, c]
        return self.loss_db[r, k][b, c], env

    @property
    def gain_db(self) -> float:
        """How much a grid cell's land cover may lower the loss (dB, >= 0): only a calibrated
        class offset below the class's own loss does (the ranges and reaches of
        :func:`cell_ranges` then go that much farther, so that they stay upper bounds)."""
        return max(0.0, -float(np.min(self.loss_db))) if self.loss_db.size else 0.0

    def at(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Loss and environment at grid cells (``rows``, ``cols``: grid indices)."""
        r, c = rows - self.row0, cols - self.col0
        return self.loss_db[r, c], None if self.environment is None else self.environment[r, c]

    def part(self, tile: Tile) -> ClutterGrids:
        """The tile's part (its own arrays, for a task elsewhere)."""
        env = None if self.environment is None else self.environment[tile.rows, tile.cols]
        return ClutterGrids(np.ascontiguousarray(self.loss_db[tile.rows, tile.cols]),
                             None if env is None else np.ascontiguousarray(env),
                             tile.r0, tile.c0)


def clutter_from_classes(classes: np.ndarray, params: CoverageParams) -> ClutterGrids:
    """The losses (dB) and environments of land-cover ``classes`` on the grid: the
    ``[clutter]`` table's loss of each class plus the ``[calibration]`` table's
    ``clutter_offsets_db`` for it (fitted by ``coverage-gis calibrate``)."""
    table = params.clutter_params
    env = (radio_clutter.environment_codes(classes, table.environments)
           if table.environment_per_pixel else None)
    offsets = params.clutter_offsets_db
    losses = {c: table.losses_db.get(c, 0.0) + offsets.get(c, 0.0)
              for c in set(table.losses_db) | set(offsets)}
    return ClutterGrids(radio_clutter.clutter_loss_db(classes, losses), env)
