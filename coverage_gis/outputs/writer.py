"""Writing a whole analysis: the stored result (read back by
:func:`coverage_gis.results.store.read_analysis`) and everything rendered from it (map, report,
tables, exports), as one output set (:mod:`coverage_gis.outputs.outset`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage_gis.config.scenario import scenario_inputs
from coverage_gis.outputs import exports, report
from coverage_gis.outputs.fibre_text import hamlet_table
from coverage_gis.outputs.file_jobs import FileJobs
from coverage_gis.outputs.files import write_csv, write_geojson, write_geotiff, write_text
from coverage_gis.outputs.i18n import skipped_text
from coverage_gis.outputs.indicators import (
    hamlet_targets,
    indicators_json,
    scorecard_table,
    units_json,
    units_table,
)
from coverage_gis.outputs.outset import MANIFEST, OutputSet
from coverage_gis.pipeline import ByUnit, by_unit, skipped_parts, unit_scopes
from coverage_gis.results import store
from coverage_gis.results.analysis import Analysis, check_analysis

__all__ = ["OUTPUT_NAMES", "write_analysis", "render_analysis", "scenario_inputs",
           "write_site_detail"]

#: Files and folders an analysis output set holds.
OUTPUT_NAMES = ("layers.csv", "hamlets.csv", "cells.csv", "signal_radius.geojson",
                "towers.csv", "sharing_candidates.csv", "suggested_sites.csv",
                "fibre_households.geojson", "fibre_extensions.geojson", "fibre_route_snaps.csv",
                "scorecard.csv", "units.csv", "map.html", "report.html", "report.xlsx",
                "results.gpkg", "results.kmz", "summary.json", "rasters", MANIFEST,
                *store.STORE_NAMES)


def write_analysis(analysis: Analysis, out: str | Path, lang: str = "vi",
                   overwrite: bool = True) -> list[Path]:
    """Write an analysis to the folder ``out`` as one output set: the stored result and the
    files of :data:`OUTPUT_NAMES` (map and report in ``lang``, vi or en). Returns the paths.

    The set replaces any earlier one as a whole (see :mod:`coverage_gis.outputs.outset`); a
    folder holding inputs or files coverage-gis did not write is refused.
    """
    check_analysis(analysis, "write_analysis")
    with OutputSet(out, kind="analysis", overwrite=overwrite, known_names=OUTPUT_NAMES,
                   inputs=scenario_inputs(analysis.project.scenario)) as dest:
        staging = dest.path
        written = render_analysis(analysis, staging, lang)
        final = dest.commit()
    return [final / p.relative_to(staging) for p in written]


def render_analysis(analysis: Analysis, folder: Path, lang: str = "vi",
                    runner: Any = None, units: ByUnit | None = None) -> list[Path]:
    """Write the stored result and every rendered output into ``folder`` (a staging folder).

    ``units``: the study's indicators by unit when already computed
    (:func:`~coverage_gis.pipeline.by_unit`; computed here otherwise).

    ``runner``: a local cluster (:class:`~coverage_gis.engines.tiles.Runner`, entered) whose
    workers write the largest files of their own (the fibre GeoJSON, the GeoPackage, the
    KMZ), the workbook and the stored result's rasters while this process writes the others
    (:class:`~coverage_gis.outputs.file_jobs.FileJobs`); the files are the same. The stored
    result's ``result.json`` comes last, once every file it names is written.
    """
    with FileJobs(runner) as jobs:
        written, stored = _write_all(analysis, folder, lang, jobs,
                                     by_unit(analysis) if units is None else units)
        jobs.wait()
        # QGIS styles beside the stored result's coverage rasters (rasters/NAME.qml)
        written += exports.write_raster_styles(folder / store.RASTER_DIR, lang)
    return [*stored.finish(), *written]


def _level_note(analysis: Analysis, lang: str) -> str:
    """The KMZ coverage overlay's note (the mobile broadband level, as on the map)."""
    from coverage_gis.outputs.maps import level_note

    res = analysis.coverage
    return level_note(res, [k for k in ("4G", "5G") if k in res.level_dbm], lang)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON records, missing values as null."""
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]


def _write_all(analysis: Analysis, out: Path, lang: str, jobs: FileJobs, by: ByUnit
               ) -> tuple[list[Path], store.PendingSave]:
    """Every rendered output and the stored result, but its ``result.json`` (to be written
    once ``jobs`` are done: :meth:`~coverage_gis.results.store.PendingSave.finish`); the
    largest files (fibre GeoJSON, GeoPackage, KMZ), the workbook and the stored result's
    rasters through ``jobs``, added first so that they start first; ``by``: the indicators
    by unit."""
    res = analysis.coverage
    layers = _export_layers(analysis)  # the GeoPackage's, worded: reused below
    # the units side by side (units.csv), also as a sheet and a layer with their outlines
    # (found by a review: a province's 166 units' figures were in neither)
    units_tab = units_table(by.units) if by.units else None
    if units_tab is not None:
        layers["units"] = _units_layer(analysis, units_tab)
    extensions = layers.get("fibre_extensions")
    fibre_files = [] if analysis.fibre is None else [
        jobs.add(out / name, write_geojson, exports.plain_columns(gdf), out / name)
        for gdf, name in ((analysis.fibre.reach, "fibre_households.geojson"),
                          (extensions, "fibre_extensions.geojson"))]
    gpkg = jobs.add(out / "results.gpkg", exports.write_gpkg, layers, out / "results.gpkg",
                    lang=lang, styles=True)
    kmz = jobs.add(out / "results.kmz", exports.write_kmz,
                   exports.kmz_layers(analysis, layers, lang), out / "results.kmz",
                   title=analysis.project.scenario.name, lang=lang,
                   overlay=exports.coverage_overlay(analysis),
                   overlay_note=_level_note(analysis, lang),
                   targets=hamlet_targets(analysis))
    # the GeoPackage's layers (the worded households: a province's 0.3 GB) are the job's
    # alone now: this process lets go of them once they are sent, not when all is written
    del layers
    fibre_params = analysis.fibre.params if analysis.fibre is not None else None
    hamlets = hamlet_table(analysis.hamlets, fibre_params)
    tower_tables = _tower_tables(analysis)  # towers.csv, sharing_candidates.csv; none without sites
    card = scorecard_table(analysis.scorecard, analysis.indicators)
    sheets = {"scorecard": card, **({"units": units_tab} if units_tab is not None else {}),
              "hamlets": hamlets, **tower_tables}
    if analysis.suggestions is not None:
        sheets["suggested_sites"] = analysis.suggestions
    if extensions is not None:
        sheets["fibre_extensions"] = extensions
    # worded here (that needs the analysis), written by a job
    xlsx = jobs.add(out / "report.xlsx", exports.write_xlsx_sheets,
                    exports.xlsx_sheets(sheets, lang, analysis), out / "report.xlsx", lang)
    # the stored result: its tables written here now, its rasters by jobs (after the files
    # above: each is quicker, so they even out the workers' ends)
    stored = store.begin_saving(analysis, out, jobs.add)
    jobs.close()  # the workers' share: they let go of its memory once it is written
    written: list[Path] = []
    written.append(write_csv(analysis.project.summary(), out / "layers.csv"))
    written.append(write_csv(hamlets, out / "hamlets.csv"))
    cells = res.cells.to_crs(4326)
    cells_table = pd.DataFrame(cells.drop(columns="geometry"))
    cells_table.insert(0, "cell_index", np.arange(len(cells_table)))
    cells_table["lon"] = cells.geometry.x.round(6)
    cells_table["lat"] = cells.geometry.y.round(6)
    written.append(write_csv(cells_table, out / "cells.csv"))
    written.append(write_geojson(analysis.signal_radius, out / "signal_radius.geojson"))
    written += [write_csv(t, out / f"{name}.csv") for name, t in tower_tables.items()]
    if analysis.fibre is not None:
        written += fibre_files
        written.append(write_csv(analysis.fibre.snaps, out / "fibre_route_snaps.csv"))
    if analysis.suggestions is not None:
        written.append(write_csv(analysis.suggestions.drop(columns="geometry"),
                                 out / "suggested_sites.csv"))
    written.append(write_csv(card, out / "scorecard.csv"))
    # the plan's old commune and the 2025 ward, or a province's units
    units, province = by.units, by.province
    if units_tab is not None:
        written.append(write_csv(units_tab, out / "units.csv"))
    from coverage_gis.outputs import maps  # folium: imported only to write a map

    written.append(maps.save_map(maps.coverage_map(analysis, lang=lang, units=units),
                                 out / "map.html"))
    written.append(write_text(report.report_html(analysis, card, lang=lang, units=units,
                                                 province=province), out / "report.html"))
    written += [xlsx, gpkg, kmz]
    skipped = skipped_parts(analysis)
    summary = {
        "scenario": analysis.project.scenario.name,
        "year": analysis.project.scenario.year,
        "crs": res.grid.crs.to_string(),
        "resolution_m": res.grid.resolution_m,
        "terrain": ("not used (no coverage computed)" if analysis.project.sites is None
                    else "DEM" if res.dem_used else "flat ground (no DEM)"),
        "indicators": indicators_json(analysis.indicators),
        "units": units_json(units),
        "provenance": _records(analysis.project.provenance()),
        "skipped": [{"part": s.part, "reason": s.reason,
                     "text": skipped_text(s.part, s.reason, "en")} for s in skipped],
        "parameters": _coverage_parameters(res),
        "timings_s": dict(analysis.timings_s),
        "compute": dict(analysis.compute),
        "computed_at": analysis.computed_at,
        "software_version": analysis.software_version,
    }
    if province is not None:
        summary["province"] = units_json((province,))[0]
    written.append(write_text(json.dumps(summary, indent=2, ensure_ascii=False),
                              out / "summary.json"))
    return written, stored


def _coverage_parameters(res: Any) -> dict[str, Any]:
    """The coverage parameters for summary.json: the parameter set, with the shadow-fading
    sigma and margin (dB) of each path-loss model used, the indoor-loss model, the land-cover
    file and the clutter table in effect (class codes as text)."""
    params = res.params
    out: dict[str, Any] = dict(vars(params))
    cells = res.cells
    if "shadow_sigma_db" in cells and len(cells):
        first = cells.groupby("model")[["shadow_sigma_db", "shadow_margin_db"]].first()
        out["shadow_sigma_db_by_model"] = first["shadow_sigma_db"].round(4).to_dict()
        out["shadow_margin_db_by_model"] = first["shadow_margin_db"].round(4).to_dict()
    out["indoor_model"] = (None if not params.indoor else "flat" if params.indoor_loss_db
                           is not None else "ITU-R P.2109-2")
    landcover = getattr(res, "landcover", None)
    out["landcover"] = landcover.source if landcover is not None else None
    table = params.clutter_params
    out["clutter"] = {"losses_db": {str(k): v for k, v in table.losses_db.items()},
                      "environments": {str(k): v for k, v in table.environments.items()},
                      "environment_per_pixel": table.environment_per_pixel}
    return out


def _tower_tables(analysis: Analysis) -> dict[str, pd.DataFrame]:
    """``towers`` and ``sharing_candidates`` with lon/lat, for CSV and XLSX (none when the
    study has no sites)."""
    if analysis.towers is None or analysis.sharing_candidates is None:
        return {}
    return {"towers": _with_lonlat(analysis.towers),
            "sharing_candidates": _with_lonlat(analysis.sharing_candidates, endpoints=True)}


def _units_layer(analysis: Analysis, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """``units.csv``'s rows (``table``) with each unit's outline: the GeoPackage's ``units``
    layer."""
    shapes = {(s.role, s.code): s.geometry for s in unit_scopes(analysis.project)}
    geoms = [shapes.get((r, c)) for r, c in zip(table["role"], table["unit_code"])]
    return gpd.GeoDataFrame(table, geometry=geoms, crs=analysis.project.crs)


def _export_layers(analysis: Analysis) -> dict[str, gpd.GeoDataFrame]:
    """:func:`exports.result_layers`, also for a study without coverage (no sites): its
    households then carry no ``mobile_broadband`` column rather than a false one."""
    res = analysis.coverage
    if "mobile_broadband" in res.covered or analysis.project.households is None:
        return exports.result_layers(analysis)
    stand_in = np.zeros((res.grid.height, res.grid.width), dtype=bool)
    layers = exports.result_layers(
        replace(analysis, coverage=replace(res, covered={"mobile_broadband": stand_in})))
    layers["households"] = layers["households"].drop(columns="mobile_broadband")
    return layers


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


def write_site_detail(detail: dict[str, Any], folder: Path) -> list[Path]:
    """One cell's path loss (dB), line-of-sight and Fresnel-clearance masks and level (dBm) as
    GeoTIFFs."""
    site = str(detail["cell"]["site_id"]).replace("/", "_")
    grid = detail["grid"]
    paths = [folder / f"site_{site}_path_loss_db.tif", folder / f"site_{site}_los.tif",
             folder / f"site_{site}_level_dbm.tif", folder / f"site_{site}_fresnel_clear.tif"]
    write_geotiff(paths[0], detail["path_loss_db"], grid, nodata=-9999.0,
                           description=f"{site} path loss ({detail['cell']['model']}) (dB)",
                           units="dB")
    write_geotiff(paths[1], detail["los"], grid, nodata=None,
                           description=f"{site} line of sight (1 = yes)")
    write_geotiff(paths[2], detail["level_dbm"], grid, nodata=-9999.0,
                           description=f"{site} received level (dBm)", units="dBm")
    write_geotiff(paths[3], detail["fresnel_clear"], grid, nodata=None,
                           description=f"{site} first Fresnel zone >= 0.55 clear (1 = yes)")
    return paths
