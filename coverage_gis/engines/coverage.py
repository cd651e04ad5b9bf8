"""Mobile coverage: per-cell signal rasters, best server, coverage masks and shares per hamlet.

The grid is a regular raster in the project's metric CRS over the hamlets plus a margin. Each
cell (sector) is computed on the part of the grid within its reach: its flat-ground, boresight
link-budget range at the level floor (``settings.LEVEL_FLOOR_DBM``), capped at
``settings.MAX_CELL_RANGE_M``; cells outside the commune count as much as those inside. Ranges
invert the engine's own path loss (:func:`engine_path_loss`, near the mast included), so they
agree with the levels at any EIRP, height and band. Per grid cell the received level is

    level (dBm) = reference-signal EIRP per RE − path loss(model) + antenna pattern
                  − terrain diffraction − body loss [− indoor loss]

and the best server of each technology is kept; levels are kept out to the reach (NaN beyond
it, where they are below the floor). Levels are medians: coverage masks use the location
probability of the best server's level at the threshold (log-normal shadow fading,
:mod:`coverage_gis.radio.shadowing`), covered where it reaches ``params.location_probability``
(median at least threshold + sigma z). Indoors the building entry loss is ITU-R P.2109 by
band and elevation (:mod:`coverage_gis.radio.indoor`); a land-cover raster adds a loss per
class at the receiver and optionally the environment per pixel
(:mod:`coverage_gis.radio.clutter`). Everything is
vectorised over grid cells; the only Python loop is over radio cells (and towers for terrain,
which is shared by the sectors of one position and height).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS

from coverage_gis.config import settings
from coverage_gis.config.params import CoverageParams
from coverage_gis.engines.hamlets import (
    hamlet_counts,
    hamlet_shares,
    hamlet_sums,
    household_hamlets,
    meets_share,
)
from coverage_gis.engines.levels import (
    CellRow,
    ClutterGrids,
    Shared,
    cell_model,
    clutter_from_classes,
)
from coverage_gis.engines.levels import levels_of as _levels_of
from coverage_gis.engines.site_map import site_window
from coverage_gis.engines.tiles import Runner, Tile, halo_bounds, tile_plan, windows_touching
from coverage_gis.errors import InputError
from coverage_gis.io.crs import describe_crs
from coverage_gis.io.landcover import classes_on_grid
from coverage_gis.io.readers import Raster
from coverage_gis.io.schema import require_cell_columns
from coverage_gis.radio import antenna, linkbudget, pathloss, shadowing, terrain
from coverage_gis.radio import calibration as radio_calibration
from coverage_gis.radio import clutter as radio_clutter
from coverage_gis.radio import indoor as radio_indoor
from coverage_gis.radio.pathloss import engine_path_loss

__all__ = [
    "Grid",
    "CoverageParams",
    "CoverageResult",
    "study_grid",
    "cell_ranges",
    "engine_path_loss",
    "floor_dbm",
    "compute_coverage",
    "add_cells",
    "site_detail",
    "hamlet_coverage",
    "signal_radius",
    "signal_radius_shares",
]


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells in a metric CRS (rows north to south)."""

    transform: Affine
    width: int
    height: int
    crs: CRS

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of the grid's cells, m."""
        t = self.transform
        return (t.c, t.f + self.height * t.e, t.c + self.width * t.a, t.f)

    @property
    def resolution_m(self) -> float:
        return abs(self.transform.a)

    @property
    def x(self) -> np.ndarray:
        """Cell-centre x coordinates (m), shape (width,)."""
        return self.transform.c + self.transform.a * (np.arange(self.width) + 0.5)

    @property
    def y(self) -> np.ndarray:
        """Cell-centre y coordinates (m), shape (height,), north to south."""
        return self.transform.f + self.transform.e * (np.arange(self.height) + 0.5)

    def window(self, x_m: float, y_m: float, radius_m: float) -> tuple[slice, slice]:
        """Row and column slices of the cells within a square of half-side ``radius_m``."""
        res = self.resolution_m
        c0 = int(np.floor((x_m - radius_m - self.transform.c) / res))
        c1 = int(np.ceil((x_m + radius_m - self.transform.c) / res))
        r0 = int(np.floor((self.transform.f - (y_m + radius_m)) / res))
        r1 = int(np.ceil((self.transform.f - (y_m - radius_m)) / res))
        return (slice(max(r0, 0), min(max(r1, 0), self.height)),
                slice(max(c0, 0), min(max(c1, 0), self.width)))

    def sample(self, array: np.ndarray, points: gpd.GeoSeries, outside: Any = False
               ) -> np.ndarray:
        """Values of ``array`` (on this grid) at the cells holding ``points`` (same CRS);
        ``outside`` for points off the grid."""
        row, col, inside = self.index(points.x.to_numpy(), points.y.to_numpy())
        return np.where(inside, np.asarray(array)[row, col], outside)

    def index(self, x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and inside-mask of points."""
        col = np.floor((np.asarray(x_m) - self.transform.c) / self.resolution_m).astype(int)
        row = np.floor((self.transform.f - np.asarray(y_m)) / self.resolution_m).astype(int)
        inside = (col >= 0) & (col < self.width) & (row >= 0) & (row < self.height)
        return np.clip(row, 0, self.height - 1), np.clip(col, 0, self.width - 1), inside


def study_grid(hamlets: gpd.GeoDataFrame, resolution_m: float = settings.RESOLUTION_M,
               margin_m: float = settings.RASTER_MARGIN_M) -> Grid:
    """The coverage grid: the hamlets' bounds plus ``margin_m``, snapped to ``resolution_m``.

    ``hamlets`` must be in a projected (metric) CRS. A grid of more than
    ``settings.MAX_GRID_CELLS`` cells is an :class:`InputError` (a unit mistake).
    """
    if hamlets.crs is None or not hamlets.crs.is_projected:
        raise ValueError("study_grid needs hamlets in a projected (metric) CRS")
    minx, miny, maxx, maxy = hamlets.total_bounds
    res = float(resolution_m)
    left = np.floor((minx - margin_m) / res) * res
    top = np.ceil((maxy + margin_m) / res) * res
    right = np.ceil((maxx + margin_m) / res) * res
    bottom = np.floor((miny - margin_m) / res) * res
    width = int(round((right - left) / res))
    height = int(round((top - bottom) / res))
    if width * height > settings.MAX_GRID_CELLS:
        raise InputError(
            f"[coverage] resolution_m={res:g}, margin_m={margin_m:g}: the coverage grid "
            f"would have {width:,} x {height:,} cells ({width * height / 1e6:,.0f} M); "
            f"expected at most {settings.MAX_GRID_CELLS / 1e6:,.0f} M "
            "(settings.MAX_GRID_CELLS): a coarser resolution_m, a smaller margin_m, or "
            "fewer hamlets (one unit at a time)")
    return Grid(Affine(res, 0.0, left, 0.0, -res, top), width, height, hamlets.crs)


@dataclass
class CoverageResult:
    """Coverage rasters on ``grid`` and the cells table they came from.

    ``level_dbm[tech]``: best-server received level per technology (float32; NaN where no
    cell reaches, i.e. beyond every cell's reach at the level floor ``params.level_floor_dbm``,
    where the level is below the floor); ``server[tech]``: index into ``cells`` of the best
    server (int32, -1 none);
    ``covered[key]``: boolean masks for each technology, ``"mobile_broadband"`` (4G or 5G), and
    ``"mobile_broadband:<operator>"``: where the location probability reaches
    ``params.location_probability`` (:func:`_masks`);
    ``probability[tech]``: the location probability of the best server (float32, 0..1, NaN
    where the level is NaN; a :class:`LocationProbability`, computed when read, in a fresh
    result; arrays in one read back); ``landcover``: the land-cover raster the clutter came
    from.
    """

    grid: Grid
    cells: gpd.GeoDataFrame
    params: CoverageParams
    level_dbm: Mapping[str, np.ndarray]
    server: Mapping[str, np.ndarray]
    covered: Mapping[str, np.ndarray]
    dem_used: bool
    dem_grid: Raster | None = None
    operator_level_dbm: Mapping[tuple[str, str], np.ndarray] = field(default_factory=dict)
    probability: Mapping[str, np.ndarray] = field(default_factory=dict)
    landcover: Raster | None = None

    def __repr__(self) -> str:
        """One line (the dataclass's own printed every array and the cells: 20 kB, found by
        a review)."""
        g = self.grid
        return (f"<CoverageResult: {len(self.cells)} cell(s); a {g.width} x {g.height} grid "
                f"at {g.resolution_m:g} m, {describe_crs(g.crs)}; levels of "
                f"{', '.join(self.level_dbm) or 'no technology'}; {len(self.covered)} "
                f"mask(s); {'with' if self.dem_used else 'without'} terrain>")

    def to_dataset(self) -> Any:
        """The rasters as one :class:`xarray.Dataset` on the grid (``x``, ``y`` cell centres
        in m, the CRS set with rioxarray), for Jupyter and for writing with
        ``rio.to_raster``: ``level_dbm_<tech>`` (dBm, NaN below the floor),
        ``server_<tech>`` (row of ``cells``, -1 none: its nodata), ``probability_<tech>``
        (0..1), ``covered_<key>`` (bool: write it ``.astype("uint8")``); ``:`` of operator
        keys as ``_``; each with its ``long_name`` and ``units``."""
        import rioxarray  # noqa: F401  (registers the .rio accessor)
        import xarray as xr

        g = self.grid
        variables: dict[str, Any] = {}
        for prefix, table, units, nodata, words in (
                ("level_dbm", self.level_dbm, "dBm", np.nan, "best-server {} received level"),
                ("server", self.server, "1", -1, "best-server {} cell: row of the cells "
                 "table (-1: none)"),
                ("probability", self.probability, "1", np.nan, "location probability of the "
                 "best-server {} level at its threshold"),
                ("covered", self.covered, "1", None, "covered: {} (at the location "
                 "probability target)")):
            for key, arr in table.items():
                da = xr.DataArray(np.asarray(arr), dims=("y", "x"), attrs={
                    "long_name": words.format(key), "units": units})
                if nodata is not None:
                    da = da.rio.write_nodata(nodata, encoded=False)
                variables[f"{prefix}_{key.replace(':', '_')}"] = da
        ds = xr.Dataset(variables, coords={"x": g.x, "y": g.y})
        return ds.rio.write_crs(g.crs).rio.write_transform(g.transform)


def floor_dbm(technology: str, params: CoverageParams) -> float:
    """The level (dBm) down to which a cell of ``technology`` is computed and kept in the level
    rasters: ``params.level_floor_dbm``, or the technology's threshold when that is lower."""
    return min(params.level_floor_dbm, params.thresholds_dbm[technology])


def cell_ranges(cells: gpd.GeoDataFrame, params: CoverageParams | None = None,
                per_pixel_environment: bool = False, clutter_gain_db: float = 0.0
                ) -> gpd.GeoDataFrame:
    """The cells with their path-loss ``model``, reference-signal EIRP per resource element
    (``eirp_re_dbm``), flat-ground boresight range (``range_m``) at their technology's
    threshold, and reach (``reach_m``, the same at the level floor, :func:`floor_dbm`: the
    part of the grid computed for the cell), both capped at ``params.max_range_m``, and
    ``model_validity``: ``ok`` or codes saying where the model is used outside its validity
    range (band, mast or terminal height, range; :func:`_model_validity`).

    Both invert :func:`engine_path_loss`, the loss the levels are computed with, so a cell has
    a range wherever its level reaches the threshold somewhere (sub-kilometre ranges
    included): 0 only when even 1 m from the mast its boresight level is below it.

    Coverage probability (:mod:`coverage_gis.radio.shadowing`): ``shadow_sigma_db`` (the
    model's shadow-fading sigma; indoors at P.2109's median loss, combined with the loss's
    own spread between buildings,
    :func:`coverage_gis.radio.indoor.building_entry_loss_sigma_db`), ``shadow_margin_db``
    (sigma z at
    ``params.location_probability``), ``coverage_range_m`` (the same distance at threshold +
    margin: the flat-ground boresight cell edge where the location probability is the target),
    ``edge_probability`` (that target, NaN without such an edge), ``edge_slope_db_per_decade``
    (how fast the engine's loss grows there) and ``area_probability`` (Jakes' share of the
    disc of radius ``coverage_range_m`` where the level reaches the threshold). Indoors,
    ``indoor_loss_db`` is the building entry loss of a horizontal path (ITU-R P.2109 at the
    cell's band, or the flat ``params.indoor_loss_db``); 0 outdoors. ``per_pixel_environment``
    (a land-cover layer with ``[clutter] environment_per_pixel``): the reach is computed in the
    least lossy environment of the clutter table, so that it stays an upper bound;
    ``clutter_gain_db`` (:attr:`ClutterGrids.gain_db`): the three distances are those of
    levels that much lower, for the same reason."""
    params = params or CoverageParams()
    require_cell_columns(cells, "cell_ranges()")
    out = cells.copy()
    out["model"] = [cell_model(b, params) for b in out["band_mhz"].to_numpy(float)]
    out["eirp_re_dbm"] = linkbudget.reference_signal_eirp_dbm(
        out["eirp_dbm"].to_numpy(float), out["technology"].to_numpy(object),
        out["bandwidth_mhz"].to_numpy(float))
    out["indoor_loss_db"] = _cell_indoor_loss_db(out, params)
    out["shadow_sigma_db"] = [shadowing.sigma_db(m, params.shadow_sigma_db)
                              for m in out["model"]]
    if params.indoor and params.indoor_loss_db is None and params.indoor_loss_probability == 0.5:
        # indoors at the median loss, the spread between buildings adds to the shadowing
        # (found by a review: "90 %" indoors was about 80 % with the loss's own spread)
        spread = radio_indoor.building_entry_loss_sigma_db(out["band_mhz"].to_numpy(float),
                                                           params.building_type)
        out["shadow_sigma_db"] = np.hypot(out["shadow_sigma_db"].to_numpy(float), spread)
    margin = np.atleast_1d(shadowing.margin_db(out["shadow_sigma_db"].to_numpy(float),
                                               params.location_probability))
    out["shadow_margin_db"] = margin
    threshold = out["technology"].map(params.thresholds_dbm).to_numpy(float) - clutter_gain_db
    floor = np.array([floor_dbm(t, params) for t in out["technology"]],
                     dtype=float) - clutter_gain_db
    reach_env, reach_model = params.environment, params.model
    if per_pixel_environment:
        reach_env = radio_clutter.least_loss_environment(
            params.environment, params.clutter_params.environments)
        reach_model = (radio_clutter.environment_model(params.model, reach_env)
                       if params.model else None)
    for column, level, env, model in (
            ("range_m", threshold, params.environment, params.model),
            ("coverage_range_m", threshold + margin, params.environment, params.model),
            ("reach_m", floor, reach_env, reach_model)):
        ranges = radio_calibration.max_range_m(
            out["eirp_dbm"].to_numpy(float), out["technology"].to_numpy(object),
            out["bandwidth_mhz"].to_numpy(float), level,
            out["band_mhz"].to_numpy(float), out["height_m"].to_numpy(float),
            params.ue_height_m, model=model, environment=env,
            body_loss_db=params.body_loss_db,
            indoor_loss_db=out["indoor_loss_db"].to_numpy(float), validity="ignore",
            calibration=params.path_loss_calibration)
        out[column] = np.minimum(np.atleast_1d(ranges), params.max_range_m)
    _probability_columns(out, params)
    out["model_validity"] = _model_validity(out, params)
    return out


def _cell_indoor_loss_db(cells: pd.DataFrame, params: CoverageParams) -> np.ndarray:
    """Per cell, the building entry loss (dB) of a horizontal path at its band: 0 outdoors,
    the flat ``params.indoor_loss_db`` when given, else ITU-R P.2109
    (:func:`coverage_gis.radio.indoor.building_entry_loss_db`; the least loss over elevation
    angles, so ranges stay upper bounds)."""
    if not params.indoor:
        return np.zeros(len(cells))
    if params.indoor_loss_db is not None:
        return np.full(len(cells), float(params.indoor_loss_db))
    return np.atleast_1d(radio_indoor.building_entry_loss_db(
        cells["band_mhz"].to_numpy(float), params.indoor_loss_probability,
        params.building_type, 0.0)).astype(float)


def _probability_columns(cells: pd.DataFrame, params: CoverageParams) -> None:
    """``edge_probability``, ``edge_slope_db_per_decade`` and ``area_probability`` of each cell
    at its ``coverage_range_m`` (see :func:`cell_ranges`), in place."""
    edge = cells["coverage_range_m"].to_numpy(float)
    has_edge = edge > 0.0
    cells["edge_probability"] = np.where(has_edge, params.location_probability, np.nan)
    slopes = np.full(len(cells), np.nan)
    step = 10.0 ** 0.05  # +- 0.05 decade around the edge
    for i, (_, cell) in enumerate(cells.iterrows()):
        if has_edge[i]:
            loss = engine_path_loss(cell["model"], np.array([edge[i] / step, edge[i] * step]),
                                    float(cell["band_mhz"]), float(cell["height_m"]),
                                    params.ue_height_m, calibration=params.path_loss_calibration)
            slopes[i] = (loss[1] - loss[0]) / 0.1
    cells["edge_slope_db_per_decade"] = slopes
    cells["area_probability"] = np.atleast_1d(shadowing.area_probability(
        cells["edge_probability"].to_numpy(float), cells["shadow_sigma_db"].to_numpy(float),
        slopes))


def _model_validity(cells: pd.DataFrame, params: CoverageParams) -> np.ndarray:
    """Per cell, whether its model is used inside its validity range, as codes
    (:func:`coverage_gis.radio.pathloss.model_validity`: ``ok``, ``frequency_above_range``,
    ``height_below_range``, ``distance_below_range``, ... joined by ``+``): band, mast and
    terminal height, and the range (not checked where the range is 0)."""
    codes = np.full(len(cells), "ok", dtype=object)
    models = cells["model"].to_numpy(object)
    for name in set(models.tolist()):
        sel = models == name
        ranges = cells["range_m"].to_numpy(float)[sel]
        codes[sel] = pathloss.model_validity(
            name, np.where(ranges > 0.0, ranges, np.nan), cells["band_mhz"].to_numpy(float)[sel],
            cells["height_m"].to_numpy(float)[sel], params.ue_height_m)
    return codes


def _terrain(cell: CellRow, dem: Raster, gx: np.ndarray, gy: np.ndarray, dist: np.ndarray,
             params: CoverageParams, near_m: float, far_m: float, resolution_m: float,
             with_fresnel: bool = False, corner_m: float | None = None, points: bool = False
             ) -> terrain.TerrainGrids:
    """Terrain loss and line of sight of one mast over a window: at the grid's step out to
    ``near_m`` (the threshold range, where coverage is decided), and beyond it, where levels
    are below the threshold and only shown, at the coarser step ``params.far_terrain_step_m``
    (``settings.FAR_TERRAIN_STEP_M``; no coarser than the grid's: one sweep) out to ``far_m``
    (the reach; no farther than the window's corners). One sweep per ring
    (:func:`terrain.terrain_grids` gives the first-Fresnel-zone clearance too,
    ``with_fresnel``). ``points``: ``gx, gy`` are the centres of some grid cells (1-D, the
    shape of ``dist``), not the window's axes."""
    x0, y0 = cell["geometry"].x, cell["geometry"].y
    # the Hata family's effective mast height towards each grid cell (radio.terrain)
    h_eff = params.effective_height and pathloss.takes_effective_height(str(cell["model"]))

    def sweep(radius: float, step: float | None, px: np.ndarray = gx, py: np.ndarray = gy
              ) -> terrain.TerrainGrids:
        if points:
            return terrain.terrain_points(dem, x0, y0, float(cell["height_m"]),
                                          params.ue_height_m, float(cell["band_mhz"]), px, py,
                                          radius, step or resolution_m,
                                          method=params.terrain_method,
                                          with_fresnel=with_fresnel, effective_height=h_eff)
        return terrain.terrain_grids(dem, x0, y0, float(cell["height_m"]), params.ue_height_m,
                                     float(cell["band_mhz"]), gx, gy, radius,
                                     method=params.terrain_method, step_m=step,
                                     with_fresnel=with_fresnel, effective_height=h_eff)

    corner = corner_m if corner_m is not None else (float(dist.max()) if dist.size else 0.0)
    far_r = min(far_m, corner + resolution_m)
    far_step = float(params.far_terrain_step_m)
    if far_step <= resolution_m:  # the grid's step throughout: one sweep
        return sweep(max(near_m, far_r), None)
    if points and far_r > near_m:
        return _points_rings(sweep, gx, gy, dist > near_m, near_m, far_r, far_step)
    near = sweep(near_m, None)
    if far_r <= near_m:
        return near
    far = sweep(far_r, far_step)
    beyond = dist > near_m

    def join(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
        return np.where(beyond, b, a) if a is not None and b is not None else None

    return terrain.TerrainGrids(np.where(beyond, far.loss_db, near.loss_db),
                                np.where(beyond, far.los, near.los),
                                join(near.fresnel_clear, far.fresnel_clear),
                                join(near.h_eff_m, far.h_eff_m))


def _points_rings(sweep: Any, gx: np.ndarray, gy: np.ndarray, beyond: np.ndarray,
                  near_m: float, far_m: float, far_step_m: float) -> terrain.TerrainGrids:
    """:func:`_terrain`'s two rings at scattered points: the near sweep at the points within
    ``near_m``, the far one at those ``beyond`` it, and a ring none needs not swept. The
    same values as both sweeps at every point (a point's values come from its own ray and
    sample: :func:`terrain.terrain_points`)."""
    inner = np.flatnonzero(~beyond)
    outer = np.flatnonzero(beyond)
    n = beyond.size
    rings = ((inner, near_m, None), (outer, far_m, far_step_m))
    parts = ([(idx, sweep(radius, step, gx[idx], gy[idx])) for idx, radius, step in rings
              if idx.size]
             or [(inner, sweep(near_m, None, gx, gy))])  # no points: empty arrays

    def join(values: list[np.ndarray]) -> np.ndarray:
        out = np.empty(n, dtype=values[0].dtype)
        for (idx, _), v in zip(parts, values):
            out[idx] = v
        return out

    def maybe(values: list[np.ndarray | None]) -> np.ndarray | None:
        return None if values[0] is None else join([v for v in values if v is not None])

    grids = [tg for _, tg in parts]
    return terrain.TerrainGrids(join([tg.loss_db for tg in grids]),
                                join([tg.los for tg in grids]),
                                maybe([tg.fresnel_clear for tg in grids]),
                                maybe([tg.h_eff_m for tg in grids]))


#: Windows of more grid cells than this are computed by blocks of rows of about this many cells
#: (one per worker thread at a time; numpy releases the GIL): arrays of a block stay in the
#: processor's cache, and both cores work.
_BLOCK_CELLS = 131_072

_POOL: list[ThreadPoolExecutor] = []  # created on first use


def _by_row_blocks(n_rows: int, n_cols: int, work: Callable[[slice], None],
                   threads: int = 0) -> None:
    """Call ``work(rows)`` over blocks of rows covering ``range(n_rows)``, in threads when the
    window is large (the blocks write disjoint rows of preallocated outputs): up to
    ``threads``, or (0) numba's threads (this machine's cores; one in a local cluster's
    worker), at most 4. A task on a cluster passes 1: its worker is one of several sharing
    the cores."""
    step = max(1, _BLOCK_CELLS // max(1, n_cols))
    blocks = [slice(r, min(n_rows, r + step)) for r in range(0, n_rows, step)]
    workers = min(threads or terrain.numba_threads(), 4)
    if len(blocks) < 2 or workers < 2:
        for b in blocks:
            work(b)
        return
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=workers,
                                        thread_name_prefix="coverage-blocks"))
    for future in [_POOL[0].submit(work, b) for b in blocks]:
        future.result()


def clutter_grids(landcover: Raster | None, grid: Grid, params: CoverageParams
                   ) -> ClutterGrids | None:
    """The land-cover raster's classes on ``grid`` (:func:`classes_on_grid`) as losses and
    environments (:mod:`coverage_gis.radio.clutter`), or None without a land-cover layer."""
    if landcover is None:
        return None
    return clutter_from_classes(
        classes_on_grid(landcover, grid.crs, grid.transform, grid.width, grid.height), params)


def ranges_with_clutter(cells: pd.DataFrame, params: CoverageParams,
                        clutter: ClutterGrids | None) -> pd.DataFrame:
    """:func:`cell_ranges` as the coverage on a grid with ``clutter`` (its land cover's, or
    None) has them: reaches in the least lossy environment when the environment is per
    pixel, and as far as the land cover's largest gain."""
    return cell_ranges(cells, params,
                       per_pixel_environment=clutter is not None
                       and clutter.environment is not None,
                       clutter_gain_db=clutter.gain_db if clutter is not None else 0.0)


def _cell_level(cell: CellRow, grid: Grid, rows: slice, cols: slice, dem: Raster | None,
                params: CoverageParams, terrain_cache: dict,
                terrain_m: tuple[float, float] | None = None, with_fresnel: bool = False,
                clutter: ClutterGrids | None = None, corner_m: float | None = None,
                threads: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Received level (dBm) of one cell over a window of the grid, NaN beyond its reach (where
    even its flat-ground boresight level is below the floor); also path loss (NaN beyond the
    reach too) and LOS. Terrain is computed out to ``terrain_m`` = (range, reach) (default the
    cell's own; see :func:`_terrain`) and cached per mast (``terrain_cache[_mast_key(...)]``)
    and window (key :func:`_terrain_key`), so that the sectors of one mast share one sweep;
    the ground heights, distances and bearings of the window are cached per mast and window
    too. Large windows are computed by blocks of rows in threads (:func:`_by_row_blocks`, up
    to ``threads``; every step is element by element, so the values are those of one
    whole-window computation).
    ``clutter``: the land cover on the grid (extra loss per grid cell, and the environment
    per grid cell; :func:`clutter_grids`); indoors, the building entry loss by the path's
    elevation (:func:`levels.indoor_loss_db`). ``corner_m``: the distance to the farthest corner of
    the cell's whole window when ``rows, cols`` is only a tile's part of it (the terrain is
    then swept as for the whole window)."""
    gx, gy = grid.x[cols], grid.y[rows]
    x0, y0 = cell["geometry"].x, cell["geometry"].y
    mast = terrain_cache.setdefault(_mast_key(x0, y0), {})
    window = (rows.start, rows.stop, cols.start, cols.stop)
    where = ("geometry", x0, y0, *window)
    if where not in mast:  # distance (m), shared by the mast's sectors
        mast[where] = np.hypot(gx[None, :] - x0, gy[:, None] - y0)
    dist = mast[where]
    # bearing (deg), shared by the mast's sectors; an omni antenna (NaN azimuth) has no
    # horizontal pattern, so it needs none (0.08 s of a 10 km disc at 10 m), as in site_map
    bearing: np.ndarray | float = 0.0
    if not math.isnan(float(cell["azimuth_deg"])):
        bearing_key = ("bearing", x0, y0, *window)
        if bearing_key not in mast:
            mast[bearing_key] = antenna.bearing_deg(x0, y0, gx[None, :], gy[:, None])
        bearing = mast[bearing_key]
    reach = float(cell["reach_m"])
    ground: np.ndarray | float  # per grid cell with a DEM, flat ground without
    t_loss: np.ndarray | float
    h_eff: np.ndarray | None = None  # the Hata family's effective mast height, with a DEM
    if dem is not None:
        ground0 = terrain.site_ground_m(dem, x0, y0)[0]
        ground_key = ("ground", *window)
        if ground_key not in mast:
            mast[ground_key] = terrain.sample_grid(dem, gx, gy, ground0)
        ground = mast[ground_key]
        key = _terrain_key(cell, rows, cols)
        if key not in mast:
            near_m, far_m = terrain_m or (float(cell["range_m"]), reach)
            mast[key] = _terrain(cell, dem, gx, gy, dist, params, near_m, far_m,
                                 grid.resolution_m, with_fresnel, corner_m)
        t_loss, los = mast[key].loss_db, mast[key].los
        h_eff = mast[key].h_eff_m
    else:
        ground0, ground = 0.0, 0.0
        t_loss, los = 0.0, dist <= reach
    level = np.full(dist.shape, np.nan, dtype=np.float32)
    loss = np.full(dist.shape, np.nan, dtype=np.float32)  # NaN beyond the reach

    def block(b: slice) -> None:
        within = np.flatnonzero((dist[b] <= reach).any(axis=0))  # the disc's columns here
        if within.size == 0:
            return
        c = slice(int(within[0]), int(within[-1]) + 1)
        d = dist[b, c]
        lvl, lb = _levels_of(cell, params, d,
                             bearing[b, c] if isinstance(bearing, np.ndarray) else bearing,
                             ground[b, c] if isinstance(ground, np.ndarray) else ground, ground0,
                             t_loss[b, c] if isinstance(t_loss, np.ndarray) else t_loss,
                             np.asarray(los)[b, c], None if h_eff is None else h_eff[b, c],
                             clutter.window(rows, cols, b, c) if clutter is not None else None,
                             (mast, _sector_key(cell, reach, *window, b.start, b.stop,
                                                c.start, c.stop)))
        level[b, c] = np.where(d <= reach, lvl, np.nan)
        loss[b, c] = lb

    _by_row_blocks(dist.shape[0], dist.shape[1], block, threads)
    return level, loss, np.asarray(los)


def _sector_key(cell: CellRow, reach_m: float, *where: Any) -> tuple:
    """The key under which :func:`_levels_of` shares a mast's path loss, elevation angles and
    building entry loss between its sectors at the grid cells ``where``: they depend on the
    sector only through its exact position, model, band, height and reach (the rest,
    ground, terrain, line of sight, land cover, is the mast's at those cells)."""
    return ("levels", cell["geometry"].x, cell["geometry"].y, str(cell["model"]),
            float(cell["band_mhz"]), float(cell["height_m"]), reach_m, *where)


def _mast_key(x_m: float, y_m: float) -> tuple[float, float]:
    """A mast's position (m, to 0.1 m), under which :func:`_cell_level` caches its terrain."""
    return round(x_m, 1), round(y_m, 1)


def _terrain_key(cell: CellRow, rows: slice, cols: slice) -> tuple:
    """The terrain cache key of a cell: mast position (0.1 m), height, band and window; the
    sectors of one mast share it."""
    return (round(cell["geometry"].x, 1), round(cell["geometry"].y, 1), float(cell["height_m"]),
            float(cell["band_mhz"]), rows.start, rows.stop, cols.start, cols.stop)


def compute_coverage(cells: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                     dem: Raster | None = None, params: CoverageParams | None = None,
                     progress: bool = False, landcover: Raster | None = None, *,
                     tile_px: int | None = None, runner: Runner | None = None
                     ) -> CoverageResult:
    """Best-server levels, servers, location probabilities and coverage masks over the
    hamlets' grid.

    Parameters
    ----------
    cells
        Sites layer (one row per cell) in the hamlets' metric CRS.
    hamlets
        Hamlet polygons in a metric CRS; they define the grid.
    dem
        Ground heights; reprojected to the grid's CRS and resolution here. None = flat ground.
    params
        Thresholds, losses, models; defaults from settings.
    progress
        Show a progress bar over the cells, or the tiles (on stderr).
    landcover
        Land-cover classes (clutter, :mod:`coverage_gis.radio.clutter`, with the table
        ``params.clutter``); None: no clutter.
    tile_px
        Tile side in grid cells (default ``settings.TILE_PX``): the grid is computed tile by
        tile, with the same values as in one piece (:mod:`coverage_gis.engines.tiles`); a tile
        no cell reaches costs nothing.
    runner
        Where the tiles run (:class:`~coverage_gis.engines.tiles.Runner`: this process by
        default, or a dask.distributed cluster).
    """
    params = params or CoverageParams()
    grid = study_grid(hamlets, params.resolution_m, params.margin_m)
    dem_grid = dem_on_grid(dem, grid)
    empty = CoverageResult(grid, cells.iloc[0:0].to_crs(grid.crs), params, {}, {}, {},
                           dem is not None, dem_grid, {}, landcover=landcover)
    return add_cells(empty, cells, progress=progress, tile_px=tile_px, runner=runner)


def mast_windows(cells: gpd.GeoDataFrame, grid: Grid) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Per cell: its window on ``grid`` (``[r0, r1, c0, c1]``, empty beyond its reach), its
    (range, reach) for the terrain and the distance (m) to its window's farthest corner.
    Sectors of one mast (same position, height and band) share one terrain computation, so
    they get the window of the farthest-reaching one."""
    n = len(cells)
    windows = np.zeros((n, 4), dtype=np.int64)
    terrain_m = np.zeros((n, 2))
    corner = np.zeros(n)
    if n == 0:
        return windows, terrain_m, corner
    x, y = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
    mast = pd.MultiIndex.from_arrays([np.round(x, 1), np.round(y, 1),
                                      cells["height_m"].to_numpy(float),
                                      cells["band_mhz"].to_numpy(float)])
    by_mast = pd.DataFrame({"range": cells["range_m"].to_numpy(float),
                            "reach": cells["reach_m"].to_numpy(float)}, index=mast)
    terrain_m = by_mast.groupby(level=[0, 1, 2, 3]).transform("max").to_numpy(float)
    gx, gy = grid.x, grid.y
    for i in range(n):
        rows, cols = grid.window(x[i], y[i], terrain_m[i, 1])
        if cells["reach_m"].iat[i] <= 0 or rows.stop <= rows.start or cols.stop <= cols.start:
            continue
        windows[i] = (rows.start, rows.stop, cols.start, cols.stop)
        dx = max(abs(gx[cols.start] - x[i]), abs(gx[cols.stop - 1] - x[i]))
        dy = max(abs(gy[rows.start] - y[i]), abs(gy[rows.stop - 1] - y[i]))
        corner[i] = float(np.hypot(dx, dy))
    return windows, terrain_m, corner


@dataclass
class _TileLevels:
    """The best-server values of one tile (arrays of the tile's shape): level (dBm) and
    server (index of the cells table) per technology, best level per (operator,
    technology)."""

    tile: Tile
    level: dict[str, np.ndarray]
    server: dict[str, np.ndarray]
    op_best: dict[tuple[str, str], np.ndarray]


def _dem_part(dem: Raster | None, bounds: tuple[float, float, float, float]
              ) -> Raster | None:
    """The DEM's pixels covering ``bounds`` and one more around (its own grid, not
    resampled), or None."""
    return None if dem is None else dem.crop(bounds, pad_px=1)


def _tile_levels(cells: gpd.GeoDataFrame, ids: np.ndarray, windows: np.ndarray,
                 terrain_m: np.ndarray, corner: np.ndarray, tile: Tile, grid: Grid,
                 dem: Raster | None, clutter: ClutterGrids | None, params: CoverageParams,
                 keys: tuple[tuple[str, ...], tuple[tuple[str, str], ...]], threads: int = 0,
                 progress: bool = False) -> _TileLevels:
    """Best server of the tile over ``cells`` (``ids``: their indices in the whole cells
    table; ``windows``, ``terrain_m``, ``corner``: theirs from :func:`mast_windows`), each
    computed on its window's part in the tile. ``keys``: the technologies and (operator,
    technology) pairs to return arrays for; ``threads``: numba's and the row blocks' threads
    (0: this machine's cores)."""
    if threads:
        import numba
        numba.set_num_threads(threads)
    shape = (tile.r1 - tile.r0, tile.c1 - tile.c0)
    techs, pairs = keys
    level = {t: np.full(shape, np.nan, dtype=np.float32) for t in techs}
    server = {t: np.full(shape, -1, dtype=np.int32) for t in techs}
    op_best = {k: np.full(shape, np.nan, dtype=np.float32) for k in pairs}
    cache: dict = {}
    # a mast's ground, sweeps and shared levels are dropped after its last cell here: a tile
    # of a province meets hundreds of masts, and their windows' terrain kept to the end took
    # several hundred MB per worker. The cells go mast by mast (in the order of each mast's
    # first cell), so that a table listing the sectors of a mast apart (by technology, say)
    # keeps one mast's at a time; the best server does not depend on the order (_keep_best)
    masts = [_mast_key(g.x, g.y) for g in cells.geometry.values]
    by_mast = np.argsort(pd.factorize(pd.Series(masts, dtype=object))[0], kind="stable")
    last = {masts[i]: i for i in by_mast}
    order: Iterable[int] = by_mast
    if progress:
        from tqdm import tqdm
        order = tqdm(order, total=len(cells), desc="cells", unit="cell", leave=False,
                     disable=None)
    for i in order:
        r0, r1, c0, c1 = (int(v) for v in windows[i])
        rows = slice(max(r0, tile.r0), min(r1, tile.r1))
        cols = slice(max(c0, tile.c0), min(c1, tile.c1))
        if rows.stop > rows.start and cols.stop > cols.start:
            cell = cells.iloc[i]
            lvl, _, _ = _cell_level(cell, grid, rows, cols, dem, params, cache,
                                    (float(terrain_m[i, 0]), float(terrain_m[i, 1])),
                                    clutter=clutter, corner_m=float(corner[i]),
                                    threads=threads)
            local = (slice(rows.start - tile.r0, rows.stop - tile.r0),
                     slice(cols.start - tile.c0, cols.stop - tile.c0))
            _keep_best(level, server, op_best, local, lvl, cell, int(ids[i]))
        if last[masts[i]] == i:
            cache.pop(masts[i], None)
    return _TileLevels(tile, level, server, op_best)


def _keep_best(level: dict[str, np.ndarray], server: dict[str, np.ndarray],
               op_best: dict[tuple[str, str], np.ndarray], local: Any, lvl: np.ndarray,
               cell: CellRow, cell_id: int) -> None:
    """Put one cell's levels ``lvl`` (at ``local`` of the arrays: slices, a view) into the best
    servers, in place: it wins where it is higher, and on a tie the cell of the lower
    ``cell_id`` serves (whatever the order the cells come in)."""
    t = cell["technology"]
    best = level[t][local]
    srv = server[t][local]
    better = np.isfinite(lvl) & (~(lvl <= best)  # NaN-safe "greater than"
                                 | ((lvl == best) & (cell_id < srv)))
    best[better] = lvl[better]
    srv[better] = cell_id
    ob = op_best[(cell["operator"], t)][local]
    b2 = np.isfinite(lvl) & ~(lvl <= ob)
    ob[b2] = lvl[b2]


def covered_at(cells: pd.DataFrame | Mapping[str, np.ndarray], grid: Grid, rows: np.ndarray,
               cols: np.ndarray, dem: Raster | None, params: CoverageParams, *,
               terrain_m: np.ndarray | None = None, corner_m: np.ndarray | None = None,
               clutter: ClutterGrids | None = None,
               cell_rows: Sequence[CellRow] | None = None) -> dict[str, np.ndarray]:
    """Coverage masks of ``cells`` alone at some grid cells (``rows``, ``cols``: 1-D grid
    indices): what :func:`compute_coverage` gives there (``covered``: per technology, mobile
    broadband and per operator), at the cost of those grid cells only (their own rays of each
    mast's sweep, their own levels), not of the cells' windows. ``cells``: in the grid's
    CRS with their ranges (:func:`cell_ranges`); ``dem``: the ground on the grid (the
    result's ``dem_grid``); ``terrain_m``, ``corner_m``: the cells' own from
    :func:`mast_windows` (computed when not given); ``clutter``: the land cover;
    ``cell_rows``: the cells' rows (:data:`CellRow`) when the caller has them: ``cells`` then
    gives only each cell's technology, operator and shadow-fading sigma, and may be a
    mapping of those columns to arrays (a caller calling many times saves pandas' column
    lookups)."""
    if cell_rows is None or terrain_m is None or corner_m is None:
        if not isinstance(cells, pd.DataFrame):
            raise TypeError("covered_at: cells given as columns need cell_rows, terrain_m "
                            "and corner_m")
        if terrain_m is None or corner_m is None:
            _, terrain_m, corner_m = mast_windows(cells, grid)
        if cell_rows is None:
            cell_rows = cells.to_dict("records")
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    px, py = grid.x[cols], grid.y[rows]
    shape = (1, px.size)
    columns = _mask_columns(cells)
    techs = sorted(set(columns[2]))
    level = {t: np.full(shape, np.nan, dtype=np.float32) for t in techs}
    server = {t: np.full(shape, -1, dtype=np.int32) for t in techs}
    op_best = {k: np.full(shape, np.nan, dtype=np.float32)
               for k in sorted(set(zip(columns[1], columns[2])))}
    local = None if clutter is None else clutter.at(rows, cols)
    masts: dict[tuple, tuple[np.ndarray, Any, dict]] = {}
    for i, cell in enumerate(cell_rows):
        reach = float(cell["reach_m"])
        if reach <= 0:
            continue
        key = _terrain_key(cell, slice(0), slice(0))
        if key not in masts:  # the sectors of one mast share its sweep
            near = np.flatnonzero(np.hypot(px - cell["geometry"].x, py - cell["geometry"].y)
                                  <= float(terrain_m[i, 1]))
            masts[key] = (near, _points_terrain(cell, px[near], py[near], dem, params,
                                                (float(terrain_m[i, 0]), float(terrain_m[i, 1])),
                                                float(corner_m[i]), grid.resolution_m), {})
        near, ground, cache = masts[key]
        lvl = np.full(shape, np.nan, dtype=np.float32)
        lvl[0, near] = _level_at(cell, px[near], py[near], ground, params,
                                 clutter_subset(local, near),
                                 shared=(cache, _sector_key(cell, reach)))[0]
        _keep_best(level, server, op_best, (slice(None), slice(None)), lvl, cell, i)
    covered = _masks(level, server, op_best, columns, params, shape)
    return {k: v[0] for k, v in covered.items()}


#: The land cover at some grid cells: loss (dB) and environment code (or None) per cell.
ClutterAt = tuple[np.ndarray, np.ndarray | None]


def clutter_subset(clutter_at: ClutterAt | None, sel: Any) -> ClutterAt | None:
    """The land cover (:meth:`ClutterGrids.at`) of the grid cells ``sel`` (an index or a
    mask) of those it was taken at; None stays None."""
    if clutter_at is None:
        return None
    loss, env = clutter_at
    return loss[sel], None if env is None else env[sel]


@dataclass(frozen=True)
class _PointsGround:
    """What one mast's levels at some grid cells need from the ground: its height at the
    mast (m) and at them, and the sweep there (None on flat ground)."""

    ground0: float
    ground: np.ndarray | float
    sweep: terrain.TerrainGrids | None


def _points_terrain(cell: CellRow, px: np.ndarray, py: np.ndarray, dem: Raster | None,
                    params: CoverageParams, terrain_m: tuple[float, float], corner_m: float,
                    resolution_m: float) -> _PointsGround:
    """The ground and terrain of one mast at grid-cell centres ``px, py`` (m), as
    :func:`_cell_level` has them on a window (same sweeps, same samples)."""
    if dem is None:
        return _PointsGround(0.0, 0.0, None)
    x0, y0 = cell["geometry"].x, cell["geometry"].y
    ground0 = terrain.site_ground_m(dem, x0, y0)[0]
    dist = np.hypot(px - x0, py - y0)
    sweep = _terrain(cell, dem, px, py, dist, params, terrain_m[0], terrain_m[1], resolution_m,
                     corner_m=corner_m, points=True)
    return _PointsGround(ground0, terrain.sample_points(dem, px, py, ground0), sweep)


def _level_at(cell: CellRow, px: np.ndarray, py: np.ndarray, ground: _PointsGround,
              params: CoverageParams, local: tuple[np.ndarray, np.ndarray | None] | None,
              reach_m: float | None = None, shared: Shared | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_cell_level`'s level (dBm) and path loss (dB) at grid-cell centres ``px, py``
    (m), NaN beyond ``reach_m`` (default the cell's reach); ``shared``: as
    :func:`_levels_of`'s."""
    x0, y0 = cell["geometry"].x, cell["geometry"].y
    d = np.hypot(px - x0, py - y0)
    reach = float(cell["reach_m"]) if reach_m is None else reach_m
    tg = ground.sweep
    lvl, loss = _levels_of(cell, params, d, antenna.bearing_deg(x0, y0, px, py),
                           ground.ground, ground.ground0, 0.0 if tg is None else tg.loss_db,
                           d <= reach if tg is None else tg.los,
                           None if tg is None else tg.h_eff_m, local, shared)
    return np.where(d <= reach, lvl, np.nan), np.where(d <= reach, loss, np.nan)


def cell_levels_at(cell: CellRow, x_m: np.ndarray, y_m: np.ndarray, dem: Raster | None,
                   params: CoverageParams, *, terrain_m: tuple[float, float] | None = None,
                   corner_m: float | None = None,
                   clutter_at: tuple[np.ndarray, np.ndarray | None] | None = None,
                   beyond_reach: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Level (dBm) and path loss (dB) of one cell at points: what the coverage rasters hold
    at a grid cell centred on each point (the same sweeps at the grid's step
    ``params.resolution_m``, effective height, line of sight, antenna pattern and losses).

    Parameters
    ----------
    cell
        A row of :func:`cell_ranges`, in the points' metric CRS.
    x_m, y_m
        The points (1-D arrays, m).
    dem
        The ground on the coverage grid (``CoverageResult.dem_grid``), or None (flat).
    params
        The coverage parameters.
    terrain_m, corner_m
        The cell's (range, reach) for the terrain and the distance to its window's farthest
        corner (:func:`mast_windows` on the grid: the sectors of a mast share the sweep of
        the farthest-reaching one); default the cell's own, with no grid edge.
    clutter_at
        The land cover's loss (dB) and environment code (or None) at each point
        (:meth:`ClutterGrids.at`), or None.
    beyond_reach
        Also compute the points beyond the cell's reach (by a sweep of their own out to the
        farthest of them), instead of NaN there.
    """
    x = np.ascontiguousarray(x_m, dtype=np.float64)
    y = np.ascontiguousarray(y_m, dtype=np.float64)
    reach = float(cell["reach_m"])
    terrain_m = terrain_m or (float(cell["range_m"]), reach)
    level, loss = np.full(x.size, np.nan), np.full(x.size, np.nan)
    d = np.hypot(x - cell["geometry"].x, y - cell["geometry"].y)
    within = d <= reach
    parts: list[tuple[np.ndarray, tuple[float, float], float, float | None]] = [
        (within, terrain_m, terrain_m[1] if corner_m is None else corner_m, None)]
    if beyond_reach and not within.all():
        far = float(d[~within].max())
        parts.append((~within, (terrain_m[0], far), far, far))
    for sel, radii, corner, cut in parts:
        if not sel.any():
            continue
        ground = _points_terrain(cell, x[sel], y[sel], dem, params, radii, corner,
                                 params.resolution_m)
        level[sel], loss[sel] = _level_at(cell, x[sel], y[sel], ground, params,
                                          clutter_subset(clutter_at, sel), cut)
    return level, loss


def _tile_tasks(cells: gpd.GeoDataFrame, offset: int, grid: Grid, tiles: list[Tile],
                dem: Raster | None, clutter: ClutterGrids | None, params: CoverageParams,
                keys: tuple[tuple[str, ...], tuple[tuple[str, str], ...]], threads: int,
                progress: bool) -> Iterator[tuple[Any, ...]]:
    """The arguments of :func:`_tile_levels` for each tile that some cell reaches: only its
    cells, and the ground and clutter it needs (a task elsewhere gets no more)."""
    windows, terrain_m, corner = mast_windows(cells, grid)
    x, y = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
    whole = len(tiles) == 1
    for tile in tiles:
        sel = windows_touching(windows, tile)
        if sel.size == 0:
            continue
        part = cells.iloc[sel]
        tile_dem = dem if whole else _dem_part(dem, halo_bounds(grid, tile, x[sel], y[sel]))
        tile_clutter = clutter if whole or clutter is None else clutter.part(tile)
        yield (part, offset + sel, windows[sel], terrain_m[sel], corner[sel], tile, grid,
               tile_dem, tile_clutter, params, keys, threads, progress and whole)


def add_cells(result: CoverageResult, cells: gpd.GeoDataFrame,
              progress: bool = False, *, tile_px: int | None = None,
              runner: Runner | None = None) -> CoverageResult:
    """A new result with ``cells`` added to those of ``result`` (which is left unchanged):
    only the new cells are computed, so that what-if questions (a proposed tower, candidate
    sites) cost one cell each, not a whole run. Planned cells count only when
    ``params.include_planned``. ``tile_px``, ``runner``: see :func:`compute_coverage`."""
    params, grid = result.params, result.grid
    cells = cells.to_crs(grid.crs) if cells.crs != grid.crs else cells
    if not params.include_planned:
        cells = cells[cells["status"] != "planned"]
    clutter = clutter_grids(result.landcover, grid, params)
    cells = ranges_with_clutter(cells.reset_index(drop=True), params, clutter)
    offset = len(result.cells)
    shape = (grid.height, grid.width)
    keys = (tuple(sorted(set(cells["technology"]))),
            tuple(sorted(set(zip(cells["operator"], cells["technology"])))))
    tiles = tile_plan(grid, tile_px)
    runner = runner or Runner()
    tasks = _tile_tasks(cells, offset, grid, tiles, result.dem_grid, clutter, params, keys,
                        runner.threads, progress)
    done: Iterator[_TileLevels] = iter(runner.map(_tile_levels, tasks))
    # on a cluster the first step sends every tile: the result's arrays (1.3 GB on the
    # province, 3-4 s of page faults) are made while the workers compute
    first = next(done, None)
    level = {t: a.copy() for t, a in result.level_dbm.items()}
    server = {t: a.copy() for t, a in result.server.items()}
    op_best = {k: a.copy() for k, a in result.operator_level_dbm.items()}
    for t in set(cells["technology"]) - set(level):
        level[t] = np.full(shape, np.nan, dtype=np.float32)
        server[t] = np.full(shape, -1, dtype=np.int32)
    for key in set(zip(cells["operator"], cells["technology"])) - set(op_best):
        op_best[key] = np.full(shape, np.nan, dtype=np.float32)
    parts: Iterable[_TileLevels] = itertools.chain([] if first is None else [first], done)
    if progress and len(tiles) > 1:
        from tqdm import tqdm
        parts = tqdm(parts, total=len(tiles), desc="tiles", unit="tile", leave=False,
                     disable=None)
    for part in parts:
        _merge_tile(part, level, server, op_best)
    all_cells = pd.concat([result.cells, cells], ignore_index=True) if offset else cells
    all_cells = gpd.GeoDataFrame(all_cells, geometry="geometry", crs=grid.crs)
    columns = _mask_columns(all_cells)
    covered = _masks(level, server, op_best, columns, params, shape)
    probability = LocationProbability(level, server, columns[0], params.thresholds_dbm)
    return CoverageResult(grid, all_cells, params, level, server, covered, result.dem_used,
                          result.dem_grid, op_best, probability, result.landcover)


def _merge_tile(part: _TileLevels, level: dict[str, np.ndarray],
                server: dict[str, np.ndarray],
                op_best: dict[tuple[str, str], np.ndarray]) -> None:
    """Put a tile's best servers into the grid's arrays, in place: a new level wins only
    where it is higher than the one already there (the earlier cell keeps a tie, as when
    the cells are added one by one)."""
    k = part.tile
    for t, lvl in part.level.items():
        best = level[t][k.rows, k.cols]
        better = np.isfinite(lvl) & ~(lvl <= best)
        best[better] = lvl[better]
        server[t][k.rows, k.cols][better] = part.server[t][better]
    for key, lvl in part.op_best.items():
        ob = op_best[key][k.rows, k.cols]
        b2 = np.isfinite(lvl) & ~(lvl <= ob)
        ob[b2] = lvl[b2]


def _mask_columns(cells: pd.DataFrame | Mapping[str, np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`_masks` takes from the cells: shadow-fading sigma (dB; empty when the
    table has none), operator and technology, as arrays. ``cells``: a table, or a mapping
    of those columns to arrays."""
    sigma = (np.asarray(cells["shadow_sigma_db"], dtype=float) if "shadow_sigma_db" in cells
             else np.zeros(0))
    return (sigma, np.asarray(cells["operator"], dtype=object),
            np.asarray(cells["technology"], dtype=object))


def _row_blocks(shape: tuple[int, int]) -> list[slice]:
    """Blocks of rows of a grid of ``shape`` for the per-pixel mask and probability work: the
    float64 temporaries stay small on a province's grid."""
    step = max(1, _BLOCK_CELLS * 8 // max(1, shape[1]))
    return [slice(r, min(r + step, shape[0])) for r in range(0, shape[0], step)]


def _server_sigma(srv: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """The shadow-fading sigma (dB) of each pixel's best server ``srv`` (NaN where none)."""
    return np.where(srv >= 0, sigma[np.clip(srv, 0, max(sigma.size - 1, 0))]
                    if sigma.size else np.nan, np.nan)


class LocationProbability(Mapping[str, np.ndarray]):
    """The location probability of the best server per technology (float32, 0..1, NaN where
    the level is NaN; :func:`_masks` explains why the best server's): ``P = Phi((L - T) /
    sigma)`` (:func:`coverage_gis.radio.shadowing.location_probability`), computed from the
    levels, servers and the cells' sigma each time a technology is read. Not held: on a
    province's grid it is 130 MB per technology, which only the written rasters read."""

    def __init__(self, level: Mapping[str, np.ndarray], server: Mapping[str, np.ndarray],
                 sigma: np.ndarray, thresholds_dbm: Mapping[str, float]):
        self._level, self._server, self._sigma = level, server, sigma
        self._thresholds = thresholds_dbm

    def __getitem__(self, tech: str) -> np.ndarray:
        level = self._level[tech]
        out = np.full(level.shape, np.nan, dtype=np.float32)
        for b in _row_blocks(level.shape):
            out[b] = shadowing.location_probability(
                level[b], self._thresholds[tech],
                _server_sigma(self._server[tech][b], self._sigma))
        return out

    def __iter__(self) -> Iterator[str]:
        return (t for t in settings.TECHNOLOGIES if t in self._level)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def window(self, rows: slice, cols: slice) -> LocationProbability:
        """The probabilities of the grid cells ``[rows, cols]`` only (computed when read)."""
        return LocationProbability({t: self._level[t][rows, cols] for t in self},
                                   {t: self._server[t][rows, cols] for t in self},
                                   self._sigma, self._thresholds)


def _masks(level: dict[str, np.ndarray], server: dict[str, np.ndarray],
           op_best: dict[tuple[str, str], np.ndarray],
           columns: tuple[np.ndarray, np.ndarray, np.ndarray],
           params: CoverageParams, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Coverage masks from the best-server levels.

    At each grid cell the location probability is that of the best server (the cell of the
    highest median level, ``server``), with its shadow-fading sigma (``shadow_sigma_db``):
    ``P = Phi((L - T) / sigma)`` (:class:`LocationProbability`). A grid cell is covered when P
    reaches ``params.location_probability``, computed as the equivalent ``L - T >= sigma z``
    (the shadow-fading margin), so the mask is exactly "median at or above threshold plus
    margin". Not ``1 - prod(1 - P_i)`` over every cell reaching it: that assumes independent
    shadowing, whereas the sectors of one mast share theirs and different masts' are
    correlated (3GPP TR 36.942 sect. 4.5: correlation 0.5 between sites, 1 between the
    sectors of a site), so it would overstate coverage; the best server's probability is the
    cautious lower bound of the probability that some cell serves.
    Mobile broadband: 4G or 5G covered; per operator, that operator's best level with the
    largest sigma of its cells of the technology (its best server's when sigma is the same
    for all, as with the default models)."""
    z = float(shadowing.z_score(params.location_probability))
    sigma, operators, technologies = columns  # _mask_columns
    covered: dict[str, np.ndarray] = {}
    blocks = _row_blocks(shape)
    for t in settings.TECHNOLOGIES:
        covered[t] = np.zeros(shape, dtype=bool)
        if t not in level:
            continue
        for b in blocks:
            margin = level[t][b].astype(np.float64) - params.thresholds_dbm[t]
            with np.errstate(invalid="ignore"):
                covered[t][b] = margin >= _server_sigma(server[t][b], sigma) * z
    mbb = np.zeros(shape, dtype=bool)
    for t in settings.MOBILE_BROADBAND:
        mbb |= covered[t]
    covered["mobile_broadband"] = mbb
    for o in sorted({o for o, _ in op_best}):
        m = np.zeros(shape, dtype=bool)
        for t in settings.MOBILE_BROADBAND:
            if (o, t) in op_best:
                mine = (operators == o) & (technologies == t)
                s_ot = float(np.max(sigma[mine]))
                for b in blocks:
                    with np.errstate(invalid="ignore"):
                        m[b] |= (op_best[(o, t)][b].astype(np.float64)
                                 - params.thresholds_dbm[t] >= s_ot * z)
        covered[f"mobile_broadband:{o}"] = m
    return covered


def site_detail(cells: gpd.GeoDataFrame, site_id: str, hamlets: gpd.GeoDataFrame,
                dem: Raster | None = None, params: CoverageParams | None = None,
                landcover: Raster | None = None) -> dict[str, Any]:
    """One cell's own rasters for comparison with other tools: path loss (dB, the model's
    median loss without terrain), line-of-sight mask, first-Fresnel-zone clearance mask (at
    least 0.55 of the first zone clear everywhere along the path, where the ITU-R P.526
    knife-edge loss of every edge is zero) and received level (dBm) on a grid around it. The
    DEM is used as it is when it is already in the grid's CRS and resolution; the terrain is
    swept once (:func:`coverage_gis.radio.terrain.terrain_grids`) for the loss, line of sight
    and the Fresnel mask. With a ``landcover``, the level has its loss (and environment per
    pixel) as in :func:`compute_coverage`; the path loss is the model's, without it."""
    params = params or CoverageParams()
    match = cells[cells["site_id"] == site_id]
    if match.empty:
        raise InputError(f"site_id={site_id!r} is not in the sites layer")
    grid = study_grid(hamlets, params.resolution_m, params.margin_m)
    plain = cell_ranges(match.to_crs(grid.crs).reset_index(drop=True), params).iloc[0]
    dem_grid = dem_on_grid(dem, grid)
    x0, y0 = plain.geometry.x, plain.geometry.y
    res = grid.resolution_m
    reach = max(float(plain["reach_m"]), res)
    cell = plain
    while True:  # the window out to the cell's reach with its land cover (which may reach
        # farther: the least-loss environment per pixel, a calibrated class below zero)
        transform, n, m = site_window(x0, y0, reach, res)
        own = Grid(transform, n, m, grid.crs)
        clutter = clutter_grids(landcover, own, params)
        if clutter is None:
            break
        cell = ranges_with_clutter(match.to_crs(grid.crs).reset_index(drop=True), params,
                                   clutter).iloc[0]
        if float(cell["reach_m"]) <= reach:
            break
        reach = float(cell["reach_m"])
    reach = max(float(cell["reach_m"]), res)
    # terrain at the grid's step all the way (its own rasters are compared with other tools),
    # from one sweep: the loss relative to smooth earth for the level, line of sight and the
    # first-Fresnel-zone clearance
    cache: dict = {}
    lvl, loss, los = _cell_level(cell, own, slice(0, m), slice(0, n), dem_grid, params, cache,
                                 (reach, reach), with_fresnel=True, clutter=clutter)
    inside = np.isfinite(lvl)
    if dem_grid is not None:
        # Raw P.526 loss (not relative to smooth earth) zero: every edge has v <= -0.78, i.e.
        # the path clears at least 0.55 of the first Fresnel zone.
        mast = cache[_mast_key(x0, y0)]
        clear = mast[_terrain_key(cell, slice(0, m), slice(0, n))].fresnel_clear
        fresnel_clear = inside & clear
    else:
        fresnel_clear = inside.copy()  # flat ground: the first zone clears a flat earth
    return {"grid": own, "cell": cell, "level_dbm": lvl,
            "path_loss_db": np.where(inside, loss, np.nan).astype(np.float32),
            "los": np.where(inside, los, False), "fresnel_clear": fresnel_clear}


def dem_on_grid(dem: Raster | None, grid: Grid) -> Raster | None:
    """The DEM in the grid's CRS at its resolution: as it is when it already is (bilinear
    samples need no alignment), else reprojected (bilinear)."""
    if dem is None:
        return None
    if dem.crs == grid.crs and abs(dem.resolution[0] - grid.resolution_m) < 1e-6:
        return dem
    return dem.reproject(grid.crs, grid.resolution_m)


def hamlet_coverage(result: CoverageResult, hamlets: gpd.GeoDataFrame,
                    households: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Per hamlet: the share of households (or of area, without households) covered by each
    technology, by each operator's mobile broadband and by any mobile broadband, whether the
    hamlet counts as covered, and the 2G/3G switch-off view (households with 2G or 3G signal
    but no 4G/5G)."""
    grid = result.grid
    hamlets = hamlets.to_crs(grid.crs)
    out = pd.DataFrame({"hamlet_id": hamlets["hamlet_id"].to_numpy(),
                        "name": hamlets["name"].to_numpy()})
    keys = ["4G", "5G", "mobile_broadband"] + sorted(
        k for k in result.covered if k.startswith("mobile_broadband:"))
    ids = out["hamlet_id"].to_numpy()
    if households is not None and len(households):
        hh = households.to_crs(grid.crs)
        frame = pd.DataFrame({k: grid.sample(result.covered[k], hh.geometry)
                              for k in result.covered})
        hamlet_of = household_hamlets(hh, hamlets)
        frame["legacy_only"] = ((frame.get("2G", False) | frame.get("3G", False))
                                & ~frame["mobile_broadband"])
        frame["no_signal"] = ~(frame.get("2G", False) | frame.get("3G", False)
                               | frame["mobile_broadband"])
        shares = hamlet_shares(frame[keys], hamlet_of, ids)
        sums = hamlet_sums(frame[["mobile_broadband", "legacy_only", "no_signal"]],
                           hamlet_of, ids)
        out["basis"] = "households"
        out["households"] = hamlet_counts(hamlet_of, ids).to_numpy()
        for k in keys:
            out[_share_name(k)] = shares[k].to_numpy(float)
        out["households_mobile_broadband"] = sums["mobile_broadband"].to_numpy(int)
        out["households_lose_service_at_switch_off"] = sums["legacy_only"].to_numpy(int)
        out["households_no_signal"] = sums["no_signal"].to_numpy(int)
    else:
        out["basis"] = "area"
        out["households"] = (hamlets["households"].to_numpy() if "households" in hamlets
                             else np.nan)
        # each grid cell to the hamlet holding its centre (rasterised once: linear in the
        # grid, where a point-in-polygon join of every centre is not)
        from rasterio import features

        burnt = features.rasterize(
            ((g, i + 1) for i, g in enumerate(hamlets.geometry) if g is not None
             and not g.is_empty), out_shape=(grid.height, grid.width),
            transform=grid.transform, fill=0, dtype="int32").ravel()
        inside = np.flatnonzero(burnt)
        frame = pd.DataFrame({k: result.covered[k].ravel()[inside] for k in keys})
        shares = hamlet_shares(frame, ids[burnt[inside] - 1], ids)
        for k in keys:
            out[_share_name(k)] = shares[k].to_numpy(float)
    out["mobile_broadband_covered"] = meets_share(out["mobile_broadband_share"],
                                                  result.params.hamlet_share)
    return out


def _share_name(key: str) -> str:
    if key in ("4G", "5G"):
        return f"share_{key.lower()}"
    if key == "mobile_broadband":
        return "mobile_broadband_share"
    return "mobile_broadband_share_" + key.split(":", 1)[1].lower().replace(" ", "_")


def signal_radius(cells: gpd.GeoDataFrame, params: CoverageParams | None = None,
                  radius_m: float | None = None, include_planned: bool = False
                  ) -> gpd.GeoDataFrame:
    """The quick first look: each cell as a circle (omni) or a sector wedge of its 3 dB
    beamwidth, with its flat-ground link-budget range (or a fixed ``radius_m``), in the
    cells' metric CRS."""
    if cells.crs is None or not cells.crs.is_projected:  # metres as degrees (a review)
        raise InputError("signal_radius needs the cells in a projected (metric) CRS, e.g. "
                         "cells.to_crs(project.crs) or cg.read_sites(..., to_crs=\"utm48\")")
    require_cell_columns(cells, "signal_radius()")
    params = params or CoverageParams()
    if not include_planned and not params.include_planned:
        cells = cells[cells["status"] != "planned"]
    out = cell_ranges(cells.reset_index(drop=True), params)
    if radius_m is not None:
        out["range_m"] = float(radius_m)
    shapes: list[shapely.Geometry | None] = []
    for _, c in out.iterrows():
        r = float(c["range_m"])
        shapes.append(antenna.sector_footprint(c.geometry.x, c.geometry.y, r,
                                               float(c["azimuth_deg"]),
                                               float(c["beamwidth_deg"])) if r > 0 else None)
    return gpd.GeoDataFrame(out.drop(columns="geometry"), geometry=shapes, crs=cells.crs)


def signal_radius_shares(shapes: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                         households: gpd.GeoDataFrame | None = None,
                         technologies: tuple[str, ...] = settings.MOBILE_BROADBAND
                         ) -> pd.Series:
    """Per hamlet (indexed by ``hamlet_id``), the share of households (or of area) inside the
    union of the signal-radius shapes of ``technologies``: the quick-look counterpart of
    ``mobile_broadband_share``."""
    hamlets = hamlets.to_crs(shapes.crs)
    mine = shapes[shapes["technology"].isin(technologies) & ~shapes.geometry.isna()]
    union = mine.union_all() if len(mine) else shapely.Polygon()
    if households is not None and len(households):
        hh = households.to_crs(shapes.crs)
        shapely.prepare(union)  # indexed once: a million points in seconds, not minutes
        inside = shapely.intersects(union, hh.geometry.values)
        return hamlet_shares(inside, household_hamlets(hh, hamlets),
                             hamlets["hamlet_id"].to_numpy())
    area = shapely.intersection(hamlets.geometry.values, union)
    return pd.Series(shapely.area(area) / hamlets.geometry.area.to_numpy(),
                     index=hamlets["hamlet_id"].to_numpy())
