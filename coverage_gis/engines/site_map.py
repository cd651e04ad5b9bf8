"""One site's maps from a DEM alone, the job SPLAT! does with ``-L`` (issue 10 part 7): the path
loss, received level, line of sight and first-Fresnel-zone clearance of one cell on a square
grid around it, out to a radius, with the engine's own model and terrain (the same functions
as :func:`coverage_gis.engines.coverage.site_detail`: :func:`coverage_gis.radio.terrain.
terrain_grids` and :func:`coverage_gis.engines.levels.levels_of`). No scenario layers are read
but the DEM, and nothing here imports pandas or geopandas: ``coverage-gis site-map`` is a short
process (with the kernels compiled ahead of time, :mod:`coverage_gis.radio.compiled`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer

from coverage_gis.config import settings
from coverage_gis.config.params import CoverageParams, carrier_problems, site_map_values
from coverage_gis.config.vocabulary import normalise_technology
from coverage_gis.engines.levels import cell_model, clutter_from_classes, levels_of
from coverage_gis.errors import InputError
from coverage_gis.io.crs import (
    WGS84,
    check_computation_crs,
    check_degrees,
    describe_crs,
    resolve_crs,
    utm_crs,
)
from coverage_gis.io.landcover import check_grid_classes, classes_on_grid
from coverage_gis.io.raster import Raster
from coverage_gis.radio import antenna, linkbudget, pathloss, terrain

__all__ = ["SiteMap", "MAP_VARIABLES", "map_site", "check_radius", "site_cell", "site_point",
           "site_dem", "site_extent", "site_window", "site_map"]


#: Each map of a :class:`SiteMap`: its long name and unit (the Dataset's ``long_name`` and
#: ``units``, and ``site-map``'s GeoTIFFs' band description and unit), in file order.
MAP_VARIABLES: dict[str, tuple[str, str]] = {
    "path_loss_db": ("median path loss: model + terrain diffraction", "dB"),
    "level_dbm": ("median received level (RSRP for 4G/5G)", "dBm"),
    "terrain_loss_db": ("terrain diffraction loss in excess of smooth earth", "dB"),
    "los": ("line of sight (1) or not (0)", ""),
    "fresnel_clear": ("0.55 of the first Fresnel zone clear (1) or not (0)", ""),
}


@dataclass(frozen=True)
class SiteMap:
    """What :func:`site_map` computes. Arrays are (height, width) on ``transform`` in ``crs``;
    beyond ``radius_m`` the floats are NaN and the masks False.

    Attributes
    ----------
    path_loss_db : float32
        The engine's median path loss, dB: the model's loss plus the terrain's diffraction loss
        in excess of smooth earth (what SPLAT!'s ITM map gives as path loss), plus, with a
        land cover, its clutter loss (and the model with each pixel's environment, with
        ``[clutter] environment_per_pixel``), as the analysis computes them.
    terrain_loss_db : float32
        The terrain's part of it, dB (>= 0).
    level_dbm : float32
        Median received level (RSRP for 4G/5G), dBm: the cell's reference-signal EIRP, its
        antenna pattern, the path loss, body loss and, indoors, building entry loss.
    los, fresnel_clear : bool
        Line of sight, and 0.55 of the first Fresnel zone clear all along the path.
    dem_share : float
        Share of the disc's cells where the DEM has a ground height (0..1); elsewhere
        (outside the raster, nodata) the ground is taken as flat at the site's ground height
        (:func:`coverage_gis.radio.terrain.sample_grid`, as the terrain sweep does).
    landcover_share : float or None
        With a land cover: the share of the disc's cells with a class (elsewhere no clutter
        loss); None without.
    landcover_classes : dict
        Land-cover class -> cells of the disc (empty without a land cover).
    lon, lat : float
        The site in WGS 84, degrees (:func:`map_site`; NaN from :func:`site_map`).
    ground_from_dem : bool
        Whether the DEM has a height at the site; False on a void (nodata), where
        ``ground_m`` is the median of the valid pixels around it
        (:func:`coverage_gis.radio.terrain.site_ground_m`).
    """

    transform: Affine
    crs: CRS
    x_m: float
    y_m: float
    ground_m: float
    radius_m: float
    cell: dict[str, Any]
    model_validity: str
    path_loss_db: np.ndarray
    terrain_loss_db: np.ndarray
    level_dbm: np.ndarray
    los: np.ndarray
    fresnel_clear: np.ndarray
    dem_share: float
    landcover_share: float | None = None
    ground_from_dem: bool = True
    landcover_classes: dict[int, int] = field(default_factory=dict)
    lon: float = float("nan")
    lat: float = float("nan")

    @property
    def height(self) -> int:
        return int(self.path_loss_db.shape[0])

    @property
    def width(self) -> int:
        return int(self.path_loss_db.shape[1])

    @property
    def resolution_m(self) -> float:
        return abs(self.transform.a)

    def __repr__(self) -> str:
        """One line (the dataclass's own printed every array: 2.6 kB, found by a review)."""
        c = self.cell
        inside = np.isfinite(self.path_loss_db)
        los = (f"; line of sight {float(self.los[inside].mean()):.0%} of the disc"
               if inside.any() else "")
        return (f"<SiteMap {c.get('technology')} {c.get('band_mhz'):g} MHz at "
                f"{c.get('height_m'):g} m, ({self.x_m:.1f}, {self.y_m:.1f}) "
                f"{describe_crs(self.crs)}: {self.width} x {self.height} cells of "
                f"{self.resolution_m:g} m to {self.radius_m:g} m{los}>")

    def to_dataset(self) -> Any:
        """The maps as one :class:`xarray.Dataset` on the grid (``x``, ``y`` cell centres in
        m, the CRS set with rioxarray), for Jupyter and ``rio.to_raster``: ``path_loss_db``,
        ``terrain_loss_db``, ``level_dbm``, ``los`` and ``fresnel_clear`` (1 or 0), all
        float32 and NaN beyond the radius (so that ``ds.los.mean()`` is the disc's share),
        each with its ``long_name`` and ``units`` (:data:`MAP_VARIABLES`)."""
        import rioxarray  # noqa: F401  (registers the .rio accessor)
        import xarray as xr

        res, t = self.resolution_m, self.transform
        x = t.c + res * (np.arange(self.width) + 0.5)
        y = t.f - res * (np.arange(self.height) + 0.5)
        outside = ~np.isfinite(self.path_loss_db)
        variables = {}
        for name, (long_name, units) in MAP_VARIABLES.items():
            values = getattr(self, name).astype(np.float32)
            values[outside] = np.nan
            variables[name] = xr.DataArray(values, dims=("y", "x"), attrs={
                "long_name": long_name, "units": units or "1"})
            variables[name] = variables[name].rio.write_nodata(np.nan, encoded=False)
        ds = xr.Dataset(variables, coords={"x": x, "y": y})
        return ds.rio.write_crs(self.crs).rio.write_transform(t)


def check_radius(radius_m: float, resolution_m: float, label: str = "radius_m") -> None:
    """Refuse a radius shorter than the grid's resolution: the disc would hold one grid cell
    or none, and the maps and their summary nothing to say (``label``: the option's name, as
    the user gave it).

    Raises
    ------
    InputError
        ``radius_m`` < ``resolution_m``.
    """
    if radius_m < resolution_m:
        raise InputError(f"{label}={radius_m:g}: expected at least the grid's resolution, "
                         f"{resolution_m:g} m (the scenario's [coverage] resolution_m): a "
                         "disc that small holds no grid cell to map")


def site_cell(technology: str, params: CoverageParams, *, band_mhz: float | None = None,
              height_m: float | None = None, eirp_dbm: float | None = None,
              bandwidth_mhz: float | None = None, azimuth_deg: float | None = None
              ) -> dict[str, Any]:
    """One cell as the level functions read it (:data:`coverage_gis.engines.levels.CellRow`):
    what is not given takes the technology's defaults (``settings.TECHNOLOGY_DEFAULTS``, as for
    a sites file's empty columns: beamwidth and tilt too), no azimuth is an omnidirectional
    antenna; ``model`` is the scenario's or the band's default
    (:func:`coverage_gis.engines.levels.cell_model`) and ``eirp_re_dbm`` the reference-signal
    EIRP (:func:`coverage_gis.radio.linkbudget.reference_signal_eirp_dbm`)."""
    carrier = carrier_problems(technology, band_mhz, bandwidth_mhz)
    if carrier:
        raise InputError(carrier)
    d = settings.TECHNOLOGY_DEFAULTS[technology]
    cell: dict[str, Any] = {
        "technology": technology,
        "band_mhz": float(band_mhz if band_mhz is not None else d["band_mhz"]),
        "height_m": float(height_m if height_m is not None else d["height_m"]),
        "eirp_dbm": float(eirp_dbm if eirp_dbm is not None else d["eirp_dbm"]),
        "bandwidth_mhz": float(bandwidth_mhz if bandwidth_mhz is not None
                               else d["bandwidth_mhz"]),
        "azimuth_deg": float("nan") if azimuth_deg is None else float(azimuth_deg),
        "beamwidth_deg": d["beamwidth_deg"],
        "tilt_deg": d["tilt_deg"],  # an omni antenna keeps its vertical pattern
    }
    cell["model"] = cell_model(cell["band_mhz"], params)
    cell["eirp_re_dbm"] = float(linkbudget.reference_signal_eirp_dbm(
        cell["eirp_dbm"], technology, cell["bandwidth_mhz"]))
    return cell


def site_point(dem: Raster, *, lon: float | None = None, lat: float | None = None,
               x: float | None = None, y: float | None = None, crs: Any = None
               ) -> tuple[float, float, float, float]:
    """The site (x, y) in the DEM's CRS and (lon, lat) in WGS 84: from ``lon``/``lat`` or from
    ``x``/``y`` in ``crs`` (e.g. ``vn2000-thanhhoa``, as cadastral maps give them). A point off
    the DEM, or where it has no height, is an :class:`InputError` (which says when the
    coordinates swapped would be on it)."""
    if (lon is not None or lat is not None) and (x is not None or y is not None):
        raise InputError("give the site once: lon and lat, or x, y and crs, not both")
    if lon is not None and lat is not None:
        src, a, b = WGS84, lon, lat
    elif x is not None and y is not None and crs is not None:
        try:
            src = resolve_crs(crs)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        a, b = x, y
        check_degrees(src, a, b, crs)
    else:
        raise InputError("give the site: lon and lat, or x, y and crs")
    to_dem = Transformer.from_crs(src, dem.crs, always_xy=True)
    px, py = to_dem.transform(a, b)
    if not _on(dem, px, py):
        swapped = _on(dem, *to_dem.transform(b, a))
        raise InputError(
            "the site " + (f"lon={a:.10g} lat={b:.10g}" if src is WGS84
                           else f"x={a:.10g} y={b:.10g} (crs {crs})")
            + f" is not on the DEM {dem.source}"
            + (" (the coordinates swapped are on it: are they the other way round?)"
               if swapped else ""))
    s_lon, s_lat = Transformer.from_crs(src, WGS84, always_xy=True).transform(a, b)
    return float(px), float(py), float(s_lon), float(s_lat)


def _on(dem: Raster, x: float, y: float) -> bool:
    """Whether (x, y) is within the DEM's extent (a void there is taken as the ground
    around it, :func:`coverage_gis.radio.terrain.site_ground_m`)."""
    left, bottom, right, top = dem.bounds
    return bool(np.isfinite([x, y]).all() and left <= x <= right and bottom <= y <= top)


def site_dem(dem: Raster, x_m: float, y_m: float, lon: float, lat: float, radius_m: float,
             resolution_m: float) -> Raster:
    """The part of the DEM a site's maps need (its square out to ``radius_m``, and two pixels
    more), in a metric CRS at ``resolution_m``: a DEM in degrees (SRTM, Copernicus), or in a
    projected CRS that is not true metres at the site (US survey feet, Web Mercator's 6 %
    stretch at 20°N: :func:`coverage_gis.io.crs.check_computation_crs`), is reprojected
    (bilinear) to the site's UTM zone (:func:`coverage_gis.io.crs.utm_crs`); a metric one at
    another resolution is resampled in its own CRS, else used as it is."""
    if dem.crs.is_geographic or not _metric_at(dem.crs, lon, lat):
        box, utm = site_extent(lon, lat, radius_m, resolution_m)
        return dem.crop(box, crs=utm, pad_px=2).reproject(utm, resolution_m)
    pad = radius_m + 2.0 * max(resolution_m, *dem.resolution)
    part = dem.crop((x_m - pad, y_m - pad, x_m + pad, y_m + pad), pad_px=2)
    if max(abs(part.resolution[0] - resolution_m), abs(part.resolution[1] - resolution_m)) > 1e-6:
        return part.reproject(part.crs, resolution_m)
    return part


def _metric_at(crs: CRS, lon: float, lat: float) -> bool:
    """Whether distances in ``crs`` are metres, true within tolerance at (``lon``, ``lat``)."""
    try:
        check_computation_crs(crs, lon, lat, "DEM")
    except InputError:
        return False
    return True


def site_extent(lon: float, lat: float, radius_m: float, resolution_m: float
                ) -> tuple[tuple[float, float, float, float], CRS]:
    """The square a site's maps need from the DEM, in the site's UTM zone
    (:func:`coverage_gis.io.crs.utm_crs`): out to ``radius_m`` and three grid cells more
    (the bilinear samples at the edge): ((minx, miny, maxx, maxy), CRS). What
    :func:`site_dem` cuts from a DEM in degrees, and the window a command reads
    (:func:`coverage_gis.io.dem.read_dem_window`)."""
    utm = utm_crs(lon, lat)
    ux, uy = Transformer.from_crs(WGS84, utm, always_xy=True).transform(lon, lat)
    reach = radius_m + 3.0 * resolution_m
    return (ux - reach, uy - reach, ux + reach, uy + reach), utm


def site_window(x_m: float, y_m: float, radius_m: float, resolution_m: float
                ) -> tuple[Affine, int, int]:
    """The square grid around a site out to ``radius_m``, snapped to multiples of
    ``resolution_m`` (so that it lines up with a study grid of that resolution): (transform,
    width, height)."""
    res = float(resolution_m)
    left = np.floor((x_m - radius_m) / res) * res
    top = np.ceil((y_m + radius_m) / res) * res
    width = int(round((np.ceil((x_m + radius_m) / res) * res - left) / res))
    height = int(round((top - np.floor((y_m - radius_m) / res) * res) / res))
    return Affine(res, 0.0, float(left), 0.0, -res, float(top)), width, height


def site_map(dem: Raster, x_m: float, y_m: float, cell: Mapping[str, Any],
             params: CoverageParams, radius_m: float, landcover: Raster | None = None
             ) -> SiteMap:
    """The site's maps out to ``radius_m`` at ``params.resolution_m`` (see :class:`SiteMap`).

    Parameters
    ----------
    dem : Raster
        Ground heights, m, in a projected CRS at ``params.resolution_m`` (:func:`site_dem`);
        the grid is in its CRS.
    x_m, y_m : float
        The mast, in the DEM's CRS, m.
    cell : mapping
        :func:`site_cell`.
    params : CoverageParams
        Model, environment, terrain method, heights, losses, thresholds (the scenario's
        ``[coverage]``).
    radius_m : float
        How far to compute, m.
    landcover : Raster, optional
        Land-cover classes (:func:`coverage_gis.io.landcover.read_landcover`), any CRS: put on
        the grid (:func:`coverage_gis.io.landcover.classes_on_grid`) with the ``[clutter]``
        table's loss and environment of each class, as in the analysis.

    Raises
    ------
    InputError
        A land-cover class in the disc without a loss in ``[clutter] losses_db``.
    """
    res = float(params.resolution_m)
    if dem.crs.is_geographic or max(abs(dem.resolution[0] - res),
                                    abs(dem.resolution[1] - res)) > 1e-6:
        raise ValueError("site_map needs a DEM in a projected CRS at the grid's resolution "
                         "(site_dem)")
    transform, width, height = site_window(x_m, y_m, radius_m, res)
    gx = transform.c + res * (np.arange(width) + 0.5)
    gy = transform.f - res * (np.arange(height) + 0.5)
    dist = np.hypot(gx[None, :] - x_m, gy[:, None] - y_m)
    omni = bool(np.isnan(cell["azimuth_deg"]))  # no horizontal pattern: no bearing needed
    bearing = 0.0 if omni else antenna.bearing_deg(x_m, y_m, gx[None, :], gy[:, None])
    ground0, ground_from_dem = terrain.site_ground_m(dem, x_m, y_m)
    ground = terrain.sample_grid(dem, gx, gy, np.nan)
    inside = dist <= radius_m
    held = np.isfinite(ground)
    dem_share = float(held[inside].mean()) if inside.any() else 1.0
    ground = np.where(held, ground, ground0)
    local, classes_in, lc_share = None, {}, None
    if landcover is not None:
        classes = classes_on_grid(landcover, dem.crs, transform, width, height)
        classes_in = check_grid_classes(classes[inside], params.clutter_params.losses_db,
                                        landcover.source)
        lc_share = float(sum(classes_in.values()) / max(int(inside.sum()), 1))
        clutter = clutter_from_classes(classes, params)
        local = (clutter.loss_db, clutter.environment)
    model = str(cell["model"])
    sweep = terrain.terrain_grids(
        dem, x_m, y_m, float(cell["height_m"]), params.ue_height_m, float(cell["band_mhz"]),
        gx, gy, radius_m, method=params.terrain_method, with_fresnel=True,
        effective_height=params.effective_height and pathloss.takes_effective_height(model))
    level, model_loss = levels_of(cell, params, dist, bearing, ground, ground0, sweep.loss_db,
                                  sweep.los, sweep.h_eff_m, local)
    if local is not None:
        model_loss = model_loss + local[0]
    t_loss = np.where(inside, sweep.loss_db, np.nan).astype(np.float32)
    validity = pathloss.model_validity(model, np.array([max(radius_m, 1.0)]),
                                       np.array([cell["band_mhz"]]),
                                       np.array([cell["height_m"]]), params.ue_height_m)
    return SiteMap(
        transform=transform, crs=dem.crs, x_m=float(x_m), y_m=float(y_m), ground_m=ground0,
        radius_m=float(radius_m), cell=dict(cell), model_validity=str(validity[0]),
        path_loss_db=np.where(inside, model_loss + np.nan_to_num(t_loss), np.nan
                              ).astype(np.float32),
        terrain_loss_db=t_loss,
        level_dbm=np.where(inside, level, np.nan).astype(np.float32),
        los=inside & sweep.los, fresnel_clear=inside & np.asarray(sweep.fresnel_clear),
        dem_share=dem_share, landcover_share=lc_share, landcover_classes=classes_in,
        ground_from_dem=ground_from_dem)


def _raster_argument(value: Any, name: str) -> Raster:
    """``map_site``'s ``dem`` or ``landcover``: a :class:`Raster`, or the path of a file,
    read here (:func:`~coverage_gis.io.raster.read_dem`,
    :func:`~coverage_gis.io.landcover.read_landcover`); anything else a TypeError naming
    the argument (a path gave an AttributeError deep inside)."""
    if isinstance(value, Raster):
        if value.crs is None:
            raise ValueError(f"map_site: {name}={value.source!r} has no CRS (crs=None): give "
                             "the raster's CRS, e.g. Raster(data, transform, pyproj.CRS(32648))")
        return value
    if isinstance(value, (str, os.PathLike)):
        from coverage_gis.io.landcover import read_landcover
        from coverage_gis.io.raster import read_dem

        return read_dem(value) if name == "dem" else read_landcover(value)
    raise TypeError(f"map_site: {name}={value!r:.80}: expected a Raster (cg.read_dem) or the "
                    "path of a raster file")


def map_site(dem: Raster | str | os.PathLike, *, lon: float | None = None,
             lat: float | None = None, x: float | None = None, y: float | None = None,
             crs: Any = None,
             technology: str = "4G", band_mhz: float | None = None,
             height_m: float | None = None, eirp_dbm: float | None = None,
             bandwidth_mhz: float | None = None, azimuth_deg: float | None = None,
             radius_m: float | None = None, params: CoverageParams | None = None,
             landcover: Raster | str | os.PathLike | None = None) -> SiteMap:
    """One site's maps from a DEM in any CRS (what ``coverage-gis site-map`` computes);
    ``dem`` and ``landcover`` are :class:`Raster` objects or the paths of their files.

    The site is ``lon``/``lat`` (WGS 84) or ``x``/``y`` in ``crs``
    (:func:`site_point`); the DEM is cut around it and, in degrees or at another resolution,
    reprojected to the site's UTM zone at ``params.resolution_m`` (:func:`site_dem`); the
    cell takes the technology's defaults for what is not given (:func:`site_cell`:
    ``technology`` "2G".."5G", ``band_mhz``, ``height_m`` above ground, ``eirp_dbm``,
    ``bandwidth_mhz``; no ``azimuth_deg``: omnidirectional); maps out to ``radius_m``
    (default ``settings.SITE_MAP_RADIUS_M``) with ``params`` (default
    :class:`CoverageParams`) and the ``landcover``, if any (:func:`site_map`).

    Raises
    ------
    InputError
        A value out of range (the checks of ``site-map``'s options, every problem listed;
        ``radius_m`` shorter than the grid's resolution, :func:`check_radius`), an unknown
        technology, the site not given, given twice, or not on the DEM; a land-cover class
        without a loss.
    """
    dem = _raster_argument(dem, "dem")
    landcover = None if landcover is None else _raster_argument(landcover, "landcover")
    if params is not None and not isinstance(params, CoverageParams):
        raise TypeError(f"map_site: params={params!r:.80}: expected CoverageParams, e.g. "
                        "CoverageParams(resolution_m=10)")
    v = site_map_values(lon=lon, lat=lat, x=x, y=y, band_mhz=band_mhz, height_m=height_m,
                        eirp_dbm=eirp_dbm, bandwidth_mhz=bandwidth_mhz,
                        azimuth_deg=azimuth_deg, radius_m=radius_m)
    tech = normalise_technology(technology)
    if tech is None:
        raise InputError(f"technology={technology!r}: expected 2G, 3G, 4G or 5G")
    params = params.checked() if params is not None else CoverageParams()
    radius = v["radius_m"] if v["radius_m"] is not None else settings.SITE_MAP_RADIUS_M
    check_radius(radius, params.resolution_m)
    x_m, y_m, s_lon, s_lat = site_point(dem, lon=v["lon"], lat=v["lat"], x=v["x"], y=v["y"],
                                        crs=crs)
    part = site_dem(dem, x_m, y_m, s_lon, s_lat, radius, params.resolution_m)
    if part.crs != dem.crs:
        x_m, y_m, _, _ = site_point(part, lon=s_lon, lat=s_lat)
    cell = site_cell(tech, params, band_mhz=v["band_mhz"], height_m=v["height_m"],
                     eirp_dbm=v["eirp_dbm"], bandwidth_mhz=v["bandwidth_mhz"],
                     azimuth_deg=v["azimuth_deg"])
    result = site_map(part, x_m, y_m, cell, params, radius, landcover)
    return replace(result, lon=s_lon, lat=s_lat)
