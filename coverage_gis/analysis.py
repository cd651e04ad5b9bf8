"""The main job: run the engines on a loaded project and write their results.

:func:`analyze` takes a :class:`~coverage_gis.project.Project` and returns an :class:`Analysis`
(plain tables, GeoDataFrames and rasters, for Jupyter); :func:`write_analysis` writes it to a
folder, every file atomically. The command ``coverage-gis analyze`` is these two calls.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import coverage, exports, fibre, sharing, targets
from .coverage import CoverageParams, CoverageResult
from .io import atomic_path, write_csv, write_text
from .project import Project

__all__ = ["Analysis", "analyze", "write_analysis", "hamlet_table", "OUTPUT_NAMES"]

#: Files and folders ``write_analysis`` writes (existing ones are replaced only on request).
OUTPUT_NAMES = ("layers.csv", "hamlets.csv", "cells.csv", "signal_radius.geojson",
                "towers.csv", "sharing_candidates.csv", "suggested_sites.csv",
                "fibre_households.geojson", "fibre_extensions.geojson", "fibre_route_snaps.csv",
                "scorecard.csv", "map.html", "report.html", "report.xlsx", "results.gpkg",
                "results.kmz", "summary.json", "rasters")


@dataclass
class Analysis:
    """Results of :func:`analyze`."""

    project: Project
    coverage: CoverageResult
    hamlets: pd.DataFrame
    signal_radius: gpd.GeoDataFrame
    indicators: dict[str, Any]
    towers: gpd.GeoDataFrame | None = None
    sharing_candidates: gpd.GeoDataFrame | None = None
    fibre: Any = None  # a fibre.FibreResult, when the project has households and fibre
    suggestions: gpd.GeoDataFrame | None = None  # sites that would close the 4G/5G gaps
    scorecard: pd.DataFrame | None = None


def hamlet_table(project: Project) -> pd.DataFrame:
    """One row per hamlet: id, name, households (points when there is a households layer,
    else the hamlets' attribute), population and area (km²)."""
    h = project.hamlets
    out = pd.DataFrame({"hamlet_id": h["hamlet_id"], "name": h["name"]})
    if project.households is not None:
        counts = project.households.groupby("hamlet_id").size()
        out["households"] = out["hamlet_id"].map(counts).fillna(0).astype(int)
        out["households_basis"] = "household points"
    elif "households" in h.columns:
        out["households"] = h["households"].astype("Int64")
        out["households_basis"] = "hamlet attribute"
    else:
        out["households"] = pd.NA
        out["households_basis"] = "none"
    if "population" in h.columns:
        out["population"] = h["population"].astype("Int64")
    out["area_km2"] = (h.geometry.area / 1e6).round(3)
    return out.reset_index(drop=True)


def analyze(project: Project, params: CoverageParams | None = None,
            progress: bool = False, suggest_sites: int = 3) -> Analysis:
    """Compute mobile coverage per hamlet and the map-measured indicators (M4).

    Parameters
    ----------
    project
        A loaded project (hamlets and sites required; households, DEM optional).
    params
        Coverage parameters; default: the scenario's ``[coverage]`` table over the settings.
    progress
        Show a progress bar over the radio cells (stderr).
    suggest_sites
        When hamlets fall short of mobile broadband, suggest up to this many sites that close
        the gaps (:func:`coverage_gis.placement.suggest_sites`); 0 to skip.
    """
    from .schema import InputError

    if project.hamlets is None:
        raise InputError("analyze needs a hamlets layer in the scenario")
    if project.sites is None:
        raise InputError("analyze needs a sites layer in the scenario")
    params = params or CoverageParams.from_scenario(project.scenario.parameters)
    result = coverage.compute_coverage(project.sites, project.hamlets, project.dem, params,
                                       progress=progress)
    per_hamlet = coverage.hamlet_coverage(result, project.hamlets, project.households)
    base = hamlet_table(project)
    per_hamlet = per_hamlet.rename(columns={"basis": "share_basis"})
    shares = [c for c in per_hamlet.columns if "share" in c and c != "share_basis"]
    per_hamlet[shares] = per_hamlet[shares].round(4)
    table = base.merge(per_hamlet.drop(columns=["name", "households"]), on="hamlet_id",
                       how="left")
    radius = coverage.signal_radius(project.sites, params)
    quick = coverage.signal_radius_shares(radius, project.hamlets, project.households)
    table["mobile_broadband_share_signal_radius"] = table["hamlet_id"].map(quick).round(4)
    covered = int(table["mobile_broadband_covered"].sum())
    indicators = {
        "M4": {"value": covered / len(table), "covered_hamlets": covered,
               "hamlets": len(table), "target": 1.0,
               "rule": f"at least {params.hamlet_share:.0%} of households "
                       f"({per_hamlet['share_basis'].iloc[0]} basis) with 4G or 5G at or above "
                       f"{params.thresholds_dbm['4G']:g}/{params.thresholds_dbm['5G']:g} dBm "
                       f"{'indoors' if params.indoor else 'outdoors'}",
               "source": "map"},
    }
    sp = sharing.SharingParams.from_scenario(project.scenario.parameters)
    tw = sharing.towers(project.sites, sp.tower_distance_m)
    candidates = sharing.sharing_candidates(tw, sp, project.urban_areas)
    existing = sharing.sharing_ratio(tw, include_planned=False, method=sp.ratio)
    indicators["M5"] = {
        **existing, "target": 0.15, "source": "map",
        "with_planned": sharing.sharing_ratio(tw, include_planned=True, method=sp.ratio),
        "if_candidates_realised": sharing.ratio_if_realised(tw, candidates, method=sp.ratio),
        "candidates": len(candidates)}
    fibre_result = None
    if project.households is not None and (project.access_points is not None
                                           or project.fibre is not None):
        fp = fibre.FibreParams.from_scenario(project.scenario.parameters)
        fibre_result = fibre.compute_fibre(project.households, project.hamlets, project.roads,
                                           project.access_points, project.fibre,
                                           project.statistics, project.scenario.year, fp)
        ft = fibre_result.hamlets
        keep = ["hamlet_id", "ftth_share", "ftth_covered", "homes_passed",
                "homes_port_limited", "within_reach_share", "cultural_house_reached",
                "ftth_rule"]
        ft = ft[[c for c in keep if c in ft.columns]].copy()
        for col in ("ftth_share", "within_reach_share"):
            if col in ft:
                ft[col] = ft[col].astype(float).round(4)
        table = table.merge(ft, on="hamlet_id", how="left")
        indicators.update(fibre_result.indicators)
    suggestions = None
    if (suggest_sites and project.households is not None
            and not table["mobile_broadband_covered"].all()):
        from .placement import suggest_sites as _suggest
        suggestions = _suggest(project, suggest_sites, params=params, base=result)
    card = targets.scorecard(project.statistics, indicators, project.scenario.year)
    return Analysis(project, result, table, radius, indicators, tw, candidates, fibre_result,
                    suggestions, card)


def write_analysis(analysis: Analysis, out: str | Path, lang: str = "vi") -> list[Path]:
    """Write an analysis to ``out`` (the files of :data:`OUTPUT_NAMES`: tables, GeoJSON,
    ``map.html`` and ``report.html`` in ``lang`` (vi or en), ``summary.json`` and
    ``rasters/*.tif``). Returns the paths.

    Everything is first written into a hidden folder inside ``out`` and moved into place only
    when every file is complete: a failure leaves ``out`` as it was.
    """
    final = Path(out)
    final.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".coverage-gis-", dir=final))
    try:
        written = _write_all(analysis, staging, lang)
        moved = []
        for path in written:
            target = final / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved.append(target)
        return moved
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_all(analysis: Analysis, out: Path, lang: str) -> list[Path]:
    written: list[Path] = []
    res = analysis.coverage
    written.append(write_csv(analysis.project.summary(), out / "layers.csv"))
    written.append(write_csv(analysis.hamlets, out / "hamlets.csv"))
    cells = res.cells.to_crs(4326)
    cells_table = pd.DataFrame(cells.drop(columns="geometry"))
    cells_table.insert(0, "cell_index", np.arange(len(cells_table)))
    cells_table["lon"] = cells.geometry.x.round(6)
    cells_table["lat"] = cells.geometry.y.round(6)
    written.append(write_csv(cells_table, out / "cells.csv"))
    radius = analysis.signal_radius.to_crs(4326)
    with atomic_path(out / "signal_radius.geojson") as tmp:
        radius.to_file(tmp, driver="GeoJSON")
    written.append(out / "signal_radius.geojson")
    written.append(write_csv(_with_lonlat(analysis.towers), out / "towers.csv"))
    written.append(write_csv(_with_lonlat(analysis.sharing_candidates, endpoints=True),
                             out / "sharing_candidates.csv"))
    if analysis.fibre is not None:
        fr = analysis.fibre
        for gdf, name in ((fr.reach, "fibre_households.geojson"),
                          (fr.extensions, "fibre_extensions.geojson")):
            with atomic_path(out / name) as tmp:
                exports.plain_columns(gdf).to_crs(4326).to_file(tmp, driver="GeoJSON")
            written.append(out / name)
        written.append(write_csv(fr.snaps, out / "fibre_route_snaps.csv"))
    if analysis.suggestions is not None:
        written.append(write_csv(analysis.suggestions.drop(columns="geometry"),
                                 out / "suggested_sites.csv"))
    written.append(write_csv(analysis.scorecard, out / "scorecard.csv"))
    from . import maps, report
    written.append(maps.save_map(maps.coverage_map(analysis, lang=lang), out / "map.html"))
    written.append(write_text(report.report_html(analysis, analysis.scorecard, lang=lang),
                              out / "report.html"))
    sheets = {"scorecard": analysis.scorecard, "hamlets": analysis.hamlets,
              "towers": _with_lonlat(analysis.towers),
              "sharing_candidates": _with_lonlat(analysis.sharing_candidates, endpoints=True)}
    if analysis.suggestions is not None:
        sheets["suggested_sites"] = analysis.suggestions
    if analysis.fibre is not None:
        sheets["fibre_extensions"] = analysis.fibre.extensions
    written.append(exports.write_xlsx(sheets, out / "report.xlsx"))
    layers = exports.result_layers(analysis)
    written.append(exports.write_gpkg(layers, out / "results.gpkg"))
    kmz = {"Hamlets (results)": (layers["hamlets"], "name"),
           "Towers": (analysis.towers, "tower_id"),
           "Sharing candidates": (analysis.sharing_candidates, "kind")}
    if analysis.suggestions is not None:
        kmz["Suggested sites"] = (analysis.suggestions, "kind")
    if analysis.fibre is not None:
        kmz["Fibre routes"] = (analysis.fibre.routes, "name")
        kmz["Fibre extensions"] = (analysis.fibre.extensions, "hamlet_id")
    written.append(exports.write_kmz(kmz, out / "results.kmz",
                                     title=analysis.project.scenario.name))
    written.extend(write_rasters(res, out / "rasters"))
    summary = {
        "scenario": analysis.project.scenario.name,
        "year": analysis.project.scenario.year,
        "crs": res.grid.crs.to_string(),
        "resolution_m": res.grid.resolution_m,
        "terrain": "DEM" if res.dem_used else "flat ground (no DEM)",
        "indicators": analysis.indicators,
        "parameters": {k: v for k, v in vars(res.params).items()},
    }
    written.append(write_text(json.dumps(summary, indent=2, ensure_ascii=False),
                              out / "summary.json"))
    return written


def _with_lonlat(gdf: gpd.GeoDataFrame, endpoints: bool = False) -> pd.DataFrame:
    """A table with lon/lat columns (WGS 84) instead of geometry; for lines, both ends."""
    ll = gdf.to_crs(4326)
    out = pd.DataFrame(ll.drop(columns="geometry"))
    if endpoints:
        for end, name in ((0, "a"), (-1, "b")):
            out[f"lon_{name}"] = [round(g.coords[end][0], 6) for g in ll.geometry]
            out[f"lat_{name}"] = [round(g.coords[end][1], 6) for g in ll.geometry]
    else:
        out["lon"] = ll.geometry.x.round(6)
        out["lat"] = ll.geometry.y.round(6)
    return out


def write_rasters(res: CoverageResult, folder: Path) -> list[Path]:
    """Best-server levels (dBm, float32), serving cell (index into cells.csv, int32, -1 = none)
    and coverage masks (uint8 0/1) as tiled GeoTIFFs."""
    written = []
    for tech, level in res.level_dbm.items():
        kind = {"2G": "BCCH level", "3G": "CPICH RSCP", "4G": "RSRP",
                "5G": "SS-RSRP"}[tech]
        path = folder / f"level_{tech.lower()}_dbm.tif"
        coverage.write_geotiff(path, level, res.grid, nodata=-9999.0,
                               description=f"best-server {tech} {kind} (dBm)", units="dBm")
        written.append(path)
        path = folder / f"server_{tech.lower()}.tif"
        coverage.write_geotiff(path, res.server[tech], res.grid, nodata=-1,
                               description=f"best-server {tech} cell (cell_index of cells.csv)")
        written.append(path)
    for key, mask in res.covered.items():
        name = key.lower().replace(":", "_").replace(" ", "_")
        path = folder / f"covered_{name}.tif"
        coverage.write_geotiff(path, mask, res.grid, nodata=None,
                               description=f"covered: {key} (1 = yes)")
        written.append(path)
    return written


def write_site_detail(detail: dict[str, Any], folder: Path) -> list[Path]:
    """One cell's path loss (dB), line-of-sight and Fresnel-clearance masks and level (dBm) as
    GeoTIFFs."""
    site = str(detail["cell"]["site_id"]).replace("/", "_")
    grid = detail["grid"]
    paths = [folder / f"site_{site}_path_loss_db.tif", folder / f"site_{site}_los.tif",
             folder / f"site_{site}_level_dbm.tif", folder / f"site_{site}_fresnel_clear.tif"]
    coverage.write_geotiff(paths[0], detail["path_loss_db"], grid, nodata=-9999.0,
                           description=f"{site} path loss ({detail['cell']['model']}) (dB)",
                           units="dB")
    coverage.write_geotiff(paths[1], detail["los"], grid, nodata=None,
                           description=f"{site} line of sight (1 = yes)")
    coverage.write_geotiff(paths[2], detail["level_dbm"], grid, nodata=-9999.0,
                           description=f"{site} received level (dBm)", units="dBm")
    coverage.write_geotiff(paths[3], detail["fresnel_clear"], grid, nodata=None,
                           description=f"{site} first Fresnel zone >= 0.55 clear (1 = yes)")
    return paths
