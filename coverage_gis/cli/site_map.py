"""``coverage-gis site-map``: one site's path loss, level, line of sight and Fresnel clearance
rasters from a DEM, the job of SPLAT!'s ``-L`` map, as a short process: it imports neither
pandas nor geopandas, and the terrain kernels compiled ahead of time when they are built
(:mod:`coverage_gis.radio.compiled`)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from coverage_gis.cli.common import SCENARIO_HELP, add_out

__all__ = ["add_parser", "run"]

EXAMPLES = """examples:
  coverage-gis site-map --lon 105.8639 --lat 20.0668 --height-m 36 --out out/site
  coverage-gis site-map --x 588150 --y 2219700 --crs vn2000-thanhhoa --technology 5G \\
      --azimuth-deg 120 --radius-m 3000 --out out/site --overwrite
  coverage-gis site-map my_commune.toml --dem srtm/N20E105.hgt --lon 105.86 --lat 20.07 \\
      --band-mhz 2600 --height-m 40 --out out/site
"""


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    c = sub.add_parser(
        "site-map", parents=[common],
        help="one site's path loss, level and line-of-sight rasters from the DEM",
        description="Compute one cell's maps on a square grid around it out to --radius-m "
                    "(default 10 km), from the DEM (the scenario's dem layer, or --dem) and "
                    "the land cover if any, with the scenario's [coverage] model, "
                    "environment, terrain "
                    "method and resolution: path_loss_db.tif (the model's loss plus the "
                    "terrain's diffraction loss, dB), level_dbm.tif, terrain_loss_db.tif, "
                    "los.tif and fresnel_clear.tif (Cloud-Optimized GeoTIFFs), and "
                    "site_map.json (input as typed, the cell, the method, a summary). The "
                    "job SPLAT! does with -L, plus the land cover's clutter when the "
                    "scenario has a landcover layer or --landcover is given (as the "
                    "analysis applies it; --no-landcover: the DEM alone). No other layer is "
                    "read.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("scenario", nargs="?", help=SCENARIO_HELP)
    c.add_argument("--dem", nargs="+", metavar="FILE",
                   help="the DEM (GeoTIFF, SRTM .hgt, any GDAL raster; several tiles are "
                        "mosaicked) instead of the scenario's dem layer")
    lc = c.add_mutually_exclusive_group()
    lc.add_argument("--landcover", metavar="FILE",
                    help="a land-cover raster of classes (ESA WorldCover, or classes with "
                         "losses in the scenario's [clutter]) instead of the scenario's "
                         "landcover layer")
    lc.add_argument("--no-landcover", action="store_true",
                    help="no clutter, even when the scenario has a landcover layer (the "
                         "path loss of the DEM alone, as SPLAT! computes it)")
    c.add_argument("--lon", help="longitude (WGS 84): decimal degrees or degrees, minutes, "
                                 "seconds")
    c.add_argument("--lat", help="latitude (WGS 84)")
    c.add_argument("--x", help="easting in --crs (cadastral maps: VN-2000)")
    c.add_argument("--y", help="northing in --crs")
    c.add_argument("--crs", metavar="NAME", help="CRS of --x/--y, e.g. vn2000-thanhhoa")
    c.add_argument("--technology", default="4G", help="2G, 3G, 4G (default) or 5G")
    c.add_argument("--band-mhz", help="carrier frequency (default per technology)")
    c.add_argument("--height-m", help="antenna height above ground (default per technology)")
    c.add_argument("--azimuth-deg", nargs=1, metavar="DEG",
                   help="the sector's azimuth (default: an omnidirectional antenna)")
    c.add_argument("--eirp-dbm", help="EIRP of the sector (default per technology)")
    c.add_argument("--bandwidth-mhz", help="carrier bandwidth (default per technology)")
    c.add_argument("--radius-m", help="how far to compute (default 10000)")
    add_out(c, "the rasters and site_map.json")
    c.set_defaults(run=run)


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The input as typed, for site_map.json."""
    keys = ("scenario", "dem", "landcover", "lon", "lat", "x", "y", "crs", "technology",
            "band_mhz", "height_m", "azimuth_deg", "eirp_dbm", "bandwidth_mhz", "radius_m")
    given = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    if args.no_landcover:
        given["no_landcover"] = True
    return given


def _dem_source(scenario: Any, args: argparse.Namespace) -> tuple[list[str], Any]:
    """The DEM's files and CRS option: --dem, else the scenario's dem layer."""
    from coverage_gis.errors import InputError

    if args.dem:
        return list(args.dem), None
    sources = scenario.layers.get("dem") or []
    if not sources:
        where = scenario.path.name if scenario.path is not None else scenario.name
        raise InputError(f"{where}: the scenario has no dem layer; give the DEM with --dem "
                         "FILE")
    return [str(s.path) for s in sources], sources[0].crs


def _read_site_dem(paths: list[str], crs_option: Any, opts: dict[str, Any], point_crs: Any,
                   radius_m: float, resolution_m: float) -> Any:
    """The DEM around the site only (:func:`coverage_gis.engines.site_map.site_extent`, read
    by :func:`coverage_gis.io.dem.read_dem_window`: a few hundred km² of four 1° tiles), or
    whole when the site is not given once, or in a CRS that does not resolve (map_site then
    says what is wrong)."""
    from pyproj import Transformer

    from coverage_gis.engines.site_map import site_extent
    from coverage_gis.io.crs import WGS84, check_degrees, resolve_crs
    from coverage_gis.io.dem import read_dem_window
    from coverage_gis.io.raster import read_dem

    by_lon_lat = opts["lon"] is not None and opts["lat"] is not None
    by_xy = opts["x"] is not None and opts["y"] is not None and point_crs is not None
    lon_lat = (opts["lon"], opts["lat"]) if by_lon_lat and not by_xy else None
    if by_xy and not by_lon_lat:
        try:
            src = resolve_crs(point_crs)
        except ValueError:
            src = None
        if src is not None:
            check_degrees(src, opts["x"], opts["y"], point_crs)  # before any reading
            lon_lat = Transformer.from_crs(src, WGS84, always_xy=True
                                           ).transform(opts["x"], opts["y"])
    if lon_lat is None or not all(map(math.isfinite, lon_lat)):
        return read_dem(paths[0] if len(paths) == 1 else paths, crs=crs_option)
    box, utm = site_extent(*lon_lat, radius_m, resolution_m)
    return read_dem_window(paths, box, utm, crs=crs_option)


def _landcover_source(scenario: Any, args: argparse.Namespace) -> tuple[str | None, Any]:
    """The land cover's file and CRS option: --landcover, else the scenario's landcover layer
    (none with --no-landcover or without either)."""
    if args.no_landcover:
        return None, None
    if args.landcover:
        return args.landcover, None
    sources = scenario.layers.get("landcover") or []
    return (str(sources[0].path), sources[0].crs) if sources else (None, None)


def _warn_landcover_share(path: str, share: float, radius_m: float) -> None:
    """Say that part of the disc has no land-cover class (no clutter loss there)."""
    import warnings

    from coverage_gis.errors import InputWarning

    warnings.warn(f"{Path(path).name}: no land-cover class over {_amount(1.0 - share)} of the "
                  f"{radius_m / 1000:g} km disc (outside the raster, or nodata): no clutter "
                  "loss there (site_map.json: summary.landcover_coverage_share)", InputWarning,
                  stacklevel=2)


def _amount(missing: float) -> str:
    """A share missing, for a warning: never "0 %" when some is."""
    pct = 100.0 * missing
    return f"{pct:.0f} %" if pct >= 1.0 else "under 1 %"


def _warn_dem_share(paths: list[str], share: float, radius_m: float, ground_m: float) -> None:
    """Say that part of the disc has no ground height (taken as flat there)."""
    import warnings

    from coverage_gis.errors import InputWarning

    names = ", ".join(Path(p).name for p in paths)
    warnings.warn(f"{names}: no ground height over {_amount(1.0 - share)} of the "
                  f"{radius_m / 1000:g} km disc (outside the raster, or nodata): the ground "
                  f"there is taken as flat, at the site's ground height ({ground_m:.0f} m), "
                  "and the maps there are not the terrain's; give DEM tiles that cover the "
                  "disc (--dem), or a smaller --radius-m (site_map.json: "
                  "summary.dem_coverage_share)", InputWarning, stacklevel=2)


def _warn_site_void(paths: list[str], ground_m: float) -> None:
    """Say that the DEM has no height at the site itself (a void)."""
    import warnings

    from coverage_gis.config import settings
    from coverage_gis.errors import InputWarning

    names = ", ".join(Path(p).name for p in paths)
    warnings.warn(f"{names}: no ground height at the site itself (nodata): its ground is taken "
                  f"as {ground_m:.0f} m, the median of the valid pixels within "
                  f"{settings.SITE_GROUND_SEARCH_M:g} m (settings.SITE_GROUND_SEARCH_M; 0 m "
                  "when there is none); site_map.json: site.ground_from_dem",
                  InputWarning, stacklevel=2)


def run(args: argparse.Namespace) -> int:
    from coverage_gis.config import settings
    from coverage_gis.config.params import SITE_MAP_OPTIONS, CoverageParams, check_site_options
    from coverage_gis.config.scenario import read_scenario, scenario_inputs
    from coverage_gis.config.vocabulary import normalise_technology
    from coverage_gis.engines.site_map import check_radius, map_site
    from coverage_gis.errors import InputError
    from coverage_gis.io.landcover import read_landcover
    from coverage_gis.outputs.outset import OutputSet
    from coverage_gis.outputs.site_map import OUTPUT_NAMES, site_map_record, write_site_map
    from coverage_gis.radio import terrain

    scenario = read_scenario(args.scenario)
    opts = check_site_options(args, SITE_MAP_OPTIONS)
    technology = normalise_technology(args.technology)
    if technology is None:
        raise InputError(f"--technology={args.technology!r}: expected 2G, 3G, 4G or 5G")
    params = CoverageParams.from_scenario(scenario.parameters)
    paths, dem_crs_option = _dem_source(scenario, args)
    lc_path, lc_crs_option = _landcover_source(scenario, args)
    inputs: list[str | Path] = [*scenario_inputs(scenario), *paths,
                                *([lc_path] if lc_path else [])]
    radius = opts["radius_m"] if opts["radius_m"] is not None else settings.SITE_MAP_RADIUS_M
    check_radius(radius, params.resolution_m, "--radius-m")
    with OutputSet(args.out, kind="site-map", overwrite=args.overwrite, inputs=inputs,
                   known_names=OUTPUT_NAMES).open() as dest:
        dem = _read_site_dem(paths, dem_crs_option, opts, args.crs, radius,
                             params.resolution_m)
        landcover = read_landcover(lc_path, crs=lc_crs_option) if lc_path else None
        with terrain.compiled_kernels() as ahead_of_time:
            result = map_site(dem, lon=opts["lon"], lat=opts["lat"], x=opts["x"],
                              y=opts["y"], crs=args.crs, technology=technology,
                              band_mhz=opts["band_mhz"], height_m=opts["height_m"],
                              eirp_dbm=opts["eirp_dbm"], bandwidth_mhz=opts["bandwidth_mhz"],
                              azimuth_deg=(opts["azimuth_deg"] or [None])[0],
                              radius_m=radius, params=params, landcover=landcover)
        if not result.ground_from_dem:
            _warn_site_void(paths, result.ground_m)
        if result.dem_share < 1.0:
            _warn_dem_share(paths, result.dem_share, result.radius_m, result.ground_m)
        if lc_path and result.landcover_share is not None and result.landcover_share < 1.0:
            _warn_landcover_share(lc_path, result.landcover_share, result.radius_m)
        kernels = "ahead-of-time" if ahead_of_time else "numba"
        record = site_map_record(result, params, _given(args), kernels,
                                 Path(lc_path).name if lc_path else None)
        write_site_map(result, record, dest.path)
        out = dest.commit()
    if not args.quiet:
        s = record["summary"]
        c = record["cell"]
        print(f"{c['technology']} {c['band_mhz']:g} MHz at {result.lon:.6f}, {result.lat:.6f}, "
              f"{c['height_m']:g} m, {c['model']} ({c['model_validity']}); "
              f"{result.radius_m / 1000:g} km at {result.resolution_m:g} m: line of sight "
              f"{s['line_of_sight_share']:.0%}, level >= {s['threshold_dbm']:g} dBm "
              f"{s['at_threshold_share']:.0%} of the disc")
        print(f"Wrote {len(OUTPUT_NAMES)} files to {out}")
    return 0
