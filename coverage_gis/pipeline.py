"""The main job: run the engines on a loaded project and gather their results.

:func:`analyze` takes a :class:`~coverage_gis.io.project.Project` and returns an
:class:`~coverage_gis.results.analysis.Analysis` (plain tables, GeoDataFrames and rasters, for
Jupyter). Writing it is :func:`coverage_gis.outputs.writer.write_analysis`; the command
``coverage-gis analyze`` is these two calls.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

from coverage_gis.config import settings
from coverage_gis.config.params import BuildParams, FibreParams, GponParams, SharingParams
from coverage_gis.engines import coverage, fibre, fibre_reach, sharing, targets, territory
from coverage_gis.engines.coverage import CoverageParams, CoverageResult
from coverage_gis.engines.hamlets import hamlet_counts, household_hamlets
from coverage_gis.engines.indicators import (
    HamletIndicator,
    HouseholdFibreIndicator,
    Indicators,
    SharingIndicator,
    UnitIndicators,
    counted_over,
    measured_hamlets,
)
from coverage_gis.engines.rounding import rounded_shares
from coverage_gis.engines.tiles import Runner, malloc_trim
from coverage_gis.errors import InputError, InputWarning
from coverage_gis.io import schema
from coverage_gis.io.crs import describe_crs
from coverage_gis.io.project import LAYER_IDS, VECTOR_LAYERS, Project
from coverage_gis.results.analysis import Analysis
from coverage_gis.version import __version__

__all__ = ["analyze", "hamlet_table", "sharing_indicator", "unit_as_area", "Skipped",
           "province_scopes", "province_indicators", "hamlet_unit_codes", "unit_indicators",
           "unit_view", "ByUnit", "by_unit",
           "SKIPPED", "skipped_parts"]

#: What a study can leave out, and why: (part, reason) codes that the outputs word
#: (``outputs/i18n.py``, ``skipped_<part>_<reason>``).
SKIPPED: tuple[tuple[str, str], ...] = (
    ("hamlets", "unit_as_one_area"),      # no hamlets layer: the unit is the one area
    ("coverage", "no_sites"),             # no sites layer: no coverage, no M4
    ("sharing", "no_sites"),              # no sites layer: no towers, no M5
    ("fibre", "no_fibre_layers"),         # neither fibre routes nor access points: no F2
    ("fibre", "no_households"),           # no households layer: no homes passed, no F2
    ("suggestions", "no_sites"),          # no coverage to find gaps in
    ("suggestions", "no_households"),     # suggestions count households
    ("suggestions", "not_requested"),     # suggest_sites=0
    ("terrain", "no_dem"),                # coverage on flat ground
    ("statistics", "no_statistics"),      # indicators from statistics (F1, M1...) not computed
)


@dataclass(frozen=True)
class Skipped:
    """A part of the study left out (or replaced), and why: codes of :data:`SKIPPED`."""

    part: str
    reason: str


def hamlet_table(project: Project) -> pd.DataFrame:
    """One row per hamlet: id, name, households (points when there is a households layer,
    else the hamlets' attribute), population and area (km²)."""
    h = project.hamlets
    if h is None:
        raise InputError("the scenario has no hamlets layer")
    out = pd.DataFrame({"hamlet_id": h["hamlet_id"], "name": h["name"]})
    if project.households is not None:
        out["households"] = hamlet_counts(
            household_hamlets(project.households, h), h["hamlet_id"]).to_numpy()
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


def mobile_indicator(table: pd.DataFrame, params: CoverageParams,
                     share_basis: str) -> HamletIndicator:
    """M4 from the hamlet table: hamlets whose 4G/5G share of households (or area) reaches
    ``params.hamlet_share``."""
    return counted_over(HamletIndicator(
        id="M4", covered_hamlets=0, hamlets=0, short_hamlets=(),
        target=targets.plan_target("M4"), rule="mobile_broadband_share",
        rule_params={"hamlet_share": params.hamlet_share, "share_basis": share_basis,
                     "threshold_4g_dbm": params.thresholds_dbm["4G"],
                     "threshold_5g_dbm": params.thresholds_dbm["5G"],
                     "indoor": params.indoor,
                     "location_probability": params.location_probability,
                     "include_planned": params.include_planned}),
        table, "mobile_broadband_covered")


def _towers(project: Project) -> tuple[gpd.GeoDataFrame, SharingParams]:
    """Every tower of the sites layer, and the sharing parameters."""
    sp = sharing.SharingParams.from_scenario(project.scenario.parameters)
    return sharing.towers(project.sites, sp.tower_distance_m), sp


def _m5(tw: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, inside: np.ndarray,
        sp: SharingParams, basis: str | None, outside: int | None = None) -> SharingIndicator:
    """M5 over the towers where ``inside``; ``candidates`` counts the pairs with an end
    inside (found by a review: every unit of a province had the province's count);
    ``outside``: the towers left out to report (default: every tower not inside)."""
    own = tw[inside]
    ids = set(own["tower_id"])
    mine = candidates["tower_a"].isin(ids) | candidates["tower_b"].isin(ids)
    approximate = (int((own["position_approximate"].astype(bool)
                        & (own["status"] == "existing")).sum())
                   if "position_approximate" in own else 0)
    return SharingIndicator(
        existing=sharing.sharing_ratio(own, include_planned=False, method=sp.ratio),
        with_planned=sharing.sharing_ratio(own, include_planned=True, method=sp.ratio),
        if_candidates_realised=sharing.ratio_if_realised(own, candidates, method=sp.ratio),
        candidates=int(mine.sum()), target=targets.plan_target("M5"), scope="inside_unit",
        unit_basis=basis,
        towers_outside_unit=int((~inside).sum()) if outside is None else outside,
        towers_approximate=approximate)


def sharing_indicator(project: Project, unit: Any = None
                      ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, SharingIndicator]:
    """M5 on the unit's territory, with the towers and the sharing candidates.

    Every tower of the sites layer is returned (neighbours' towers still serve coverage),
    with ``inside_unit``; the candidates are the pairs among all of them, with
    ``inside_unit_a`` and ``inside_unit_b``. M5 counts only the towers inside the unit (the
    commune boundary, else the hamlets: :func:`coverage_gis.engines.territory.inside_unit`;
    ``unit``, a :class:`~coverage_gis.engines.territory.UnitScope`, for another unit of the
    study), and its ``if_candidates_realised`` merges only the pairs with both ends inside.
    """
    tw, sp = _towers(project)
    province = project.scenario.province is not None
    if province:  # the unit each is counted in (a review)
        scopes = province_scopes(project)
        at = territory.point_units(tw, [s.geometry for s in scopes])
    basis: str | None
    if unit is None and province:  # the province's land, as its row in the units table
        inside, basis = at >= 0, "province"  # (a review: the commune layer's here)
    else:
        if unit is None:
            unit, basis = territory.unit_area(project.commune, project.hamlets_union())
        else:
            unit, basis = unit.geometry, unit.basis
        inside = territory.inside_unit(tw, unit)
    tw.insert(tw.columns.get_loc("status") + 1, "inside_unit", inside)
    if province:
        codes = np.array([scopes[k].code if k >= 0 else None for k in at], dtype=object)
        tw.insert(tw.columns.get_loc("inside_unit") + 1, "unit_code", codes)
    candidates = sharing.sharing_candidates(tw, sp, project.urban_areas)
    return tw, candidates, _m5(tw, candidates, inside, sp, basis)


#: The study's units (:func:`coverage_gis.engines.territory.unit_scopes`), kept here too.
unit_scopes = territory.unit_scopes
province_scopes = territory.province_scopes
current_unit = territory.current_unit


def _on_territory(project: Project, table: pd.DataFrame, indicators: Indicators,
                  fibre_hamlets: pd.DataFrame | None) -> Indicators:
    """M4, F2 and F1's map figures over the study's own hamlets, as M5 counts its own towers:
    a province's, those in its units (found by reviews: a neighbouring province's hamlet
    counted in the scorecard, not in the province row; its households in F1's homes passed);
    a unit's with a commune layer, those in it (found by a review: a unit study given a
    department's file of four units' hamlets scored M4 over all of them, M5 over its own).
    ``fibre_hamlets``: the fibre result's hamlet table."""
    if project.scenario.province is not None:
        own = table[table["unit_code"].notna()]
    else:
        area, basis = territory.unit_area(project.commune, project.hamlets_union())
        if basis != "commune" or project.hamlets is None:
            return indicators
        mine = territory.hamlets_in_unit(project.hamlets, area)
        ids = set(project.hamlets["hamlet_id"].astype(str).to_numpy()[mine])
        own = table[table["hamlet_id"].astype(str).isin(ids)]
        if len(own) == len(table):
            return indicators
    f1 = indicators.f1
    if f1 is not None and fibre_hamlets is not None:
        mine = fibre_hamlets["hamlet_id"].astype(str).isin(set(own["hamlet_id"].astype(str)))
        f1 = fibre_reach.f1_over(f1, fibre_hamlets[mine.to_numpy()])
    return replace(indicators, m4=_per_unit(indicators.m4, own, "mobile_broadband_covered"),
                   f2=_per_unit(indicators.f2, own, "ftth_covered"), f1=f1)


def _unmeasured_flags(table: pd.DataFrame) -> pd.DataFrame:
    """The hamlet table with ``mobile_broadband_covered`` and ``ftth_covered`` empty (None)
    where the target cannot be measured (:func:`~coverage_gis.engines.indicators.
    measured_hamlets`: no household of the hamlet in the data), as M4 and F2 leave those
    hamlets out (found by a review: hamlets.csv, the gap list, the KMZ and the terminal
    called them short; they are "not measured"). Unchanged, booleans, when every hamlet is
    measured."""
    out = table
    for indicator_id, column in (("M4", "mobile_broadband_covered"), ("F2", "ftth_covered")):
        if column not in table:
            continue
        measured = measured_hamlets(table, indicator_id).to_numpy(bool)
        if measured.all():
            continue
        out = out.copy() if out is table else out
        flags = table[column].astype(bool).to_numpy(object)
        flags[~measured] = None
        out[column] = pd.Series(flags, index=table.index, dtype=object)
    return out


def _per_unit(indicator: HamletIndicator | None, table: pd.DataFrame, column: str
              ) -> HamletIndicator | None:
    """``indicator`` (M4 or F2) counted again over the hamlets of ``table``."""
    if indicator is None or column not in table:
        return None
    return counted_over(indicator, table, column)


def unit_indicators(analysis: Analysis) -> tuple[UnitIndicators, ...]:
    """M4, M5 and F2 for each unit of :func:`unit_scopes` (the plan's old commune and the
    2025 ward side by side): the hamlets that belong to each
    (:func:`~coverage_gis.engines.territory.hamlets_in_unit`) and the towers on its
    territory. Computed from the analysis' tables (no coverage is recomputed), so a stored
    result gives the same."""
    project = analysis.project
    if project.hamlets is None:
        return ()
    if project.scenario.province is not None:
        return _province_unit_indicators(analysis)
    out = []
    for scope in unit_scopes(project):
        member = territory.hamlets_in_unit(project.hamlets, scope.geometry)
        ids = tuple(str(h) for h in project.hamlets.loc[member, "hamlet_id"])
        table = analysis.hamlets[analysis.hamlets["hamlet_id"].astype(str).isin(ids)]
        m5 = (sharing_indicator(project, scope)[2] if project.sites is not None else None)
        mapped = shapely.area(shapely.intersection(project.hamlets_union(), scope.geometry))
        out.append(UnitIndicators(
            scope.role, scope.code, scope.name, scope.basis, ids,
            _per_unit(analysis.indicators.m4, table, "mobile_broadband_covered"), m5,
            _per_unit(analysis.indicators.f2, table, "ftth_covered"),
            round(float(mapped / scope.geometry.area), 4) if scope.geometry.area else None))
    return tuple(out)


@dataclass(frozen=True)
class ByUnit:
    """A study's indicators by unit, computed once for every output that shows them: each
    unit's (:func:`unit_indicators`) and, for a province, the province's as a whole
    (:func:`province_indicators`; None for other studies)."""

    units: tuple[UnitIndicators, ...]
    province: UnitIndicators | None


def by_unit(analysis: Analysis) -> ByUnit:
    """:class:`ByUnit` of ``analysis``."""
    return ByUnit(unit_indicators(analysis), province_indicators(analysis))


def _hamlet_units(project: Project) -> pd.Series | None:
    """A province study's :func:`hamlet_unit_codes` (with their warnings); other studies'
    hamlets split by a unit's boundary warned about (:func:`_warn_split_hamlets`), None."""
    if project.scenario.province is not None:
        return hamlet_unit_codes(project, warn=True)
    _warn_split_hamlets(project)
    return None


def warn_unit_hamlets(project: Project) -> None:
    """The warnings ``analyze`` gives about the hamlets and the units' boundaries (hamlets in
    no unit of a province, or split by a unit's boundary), without analysing: for ``coverage-gis
    validate``, which analyze's "run 'coverage-gis validate' to list them" sends the user to
    (found by fuzzing: validate did not list them)."""
    if project.hamlets is not None:
        _hamlet_units(project)


def _warn_split_hamlets(project: Project) -> None:
    """An :class:`InputWarning` naming the hamlets partly in a unit of :func:`unit_scopes`
    but by less than ``settings.HAMLET_UNIT_MIN_SHARE``: they count not in its M4 and F2
    (found by fuzzing: a hamlet 36 % inside the commune was left out of it, its F2 shown met,
    without a word; a province study warns so, :func:`hamlet_unit_codes`)."""
    if project.hamlets is None:
        return
    ids = project.hamlets["hamlet_id"].astype(str).to_numpy()
    for scope in unit_scopes(project):
        share = territory.unit_shares(project.hamlets, scope.geometry)
        split = (share > settings.HAMLET_UNIT_SPLIT_SHARE) & (
            share < settings.HAMLET_UNIT_MIN_SHARE - 1e-12)
        if split.any():
            named = ", ".join(f"{h} ({v:.0%})" for h, v in zip(ids[split], share[split]))
            warnings.warn(f"{int(split.sum())} hamlet(s) lie partly in {scope.code} "
                          f"{scope.name}, by less than {settings.HAMLET_UNIT_MIN_SHARE:.0%} "
                          f"of their area ({named}): they do not count in its M4 and F2 "
                          "(settings.HAMLET_UNIT_MIN_SHARE); check the unit's boundary and "
                          "the hamlets'", InputWarning, stacklevel=3)


def hamlet_unit_codes(project: Project, warn: bool = False) -> pd.Series:
    """For a province study, the 2025 unit (``unit_code``) of each hamlet of the project
    (None: in none of them): the unit holding the largest share of its area
    (:func:`~coverage_gis.engines.territory.largest_unit`), so that every hamlet on the
    province's territory counts in one unit and the units add up to the province (found by
    fuzzing: a hamlet split 35/33/32 % among three units counted in none). Indexed like the
    hamlets. ``warn``: an :class:`InputWarning` names the hamlets in no unit and those less
    than ``settings.HAMLET_UNIT_MIN_SHARE`` of which lies in their unit."""
    assert project.hamlets is not None
    scopes = province_scopes(project)
    which, share = territory.largest_unit(project.hamlets, [s.geometry for s in scopes])
    codes = np.array([s.code for s in scopes] + [None], dtype=object)
    if warn:
        ids = project.hamlets["hamlet_id"].astype(str).to_numpy()
        listed = lambda mask: ", ".join(ids[mask][:8]) + (  # noqa: E731
            f" and {int(mask.sum()) - 8} more" if mask.sum() > 8 else "")
        outside = which < 0
        if outside.any():
            warnings.warn(f"{int(outside.sum())} hamlet(s) lie outside every unit of the "
                          f"province ({listed(outside)}): they count in no unit and not in "
                          "the province's figures", InputWarning, stacklevel=3)
        split = ~outside & (share < settings.HAMLET_UNIT_MIN_SHARE)
        if split.any():
            warnings.warn(f"{int(split.sum())} hamlet(s) have less than "
                          f"{settings.HAMLET_UNIT_MIN_SHARE:.0%} of their area in any one unit "
                          f"of the province ({listed(split)}): each counts in the unit holding "
                          "the largest share (hamlets.csv unit_code; "
                          "settings.HAMLET_UNIT_MIN_SHARE)", InputWarning, stacklevel=3)
    return pd.Series(codes[which], index=project.hamlets.index, name="unit_code")


def _members(project: Project, codes: pd.Series | None) -> list[tuple[str, ...]]:
    """Per unit of :func:`province_scopes`, the ids of its hamlets (``codes``:
    :func:`hamlet_unit_codes`)."""
    assert project.hamlets is not None and codes is not None
    ids = project.hamlets["hamlet_id"].astype(str).to_numpy()
    by = pd.Series(ids).groupby(codes.to_numpy()).agg(tuple).to_dict()
    return [by.get(scope.code, ()) for scope in province_scopes(project)]


def _province_unit_indicators(analysis: Analysis) -> tuple[UnitIndicators, ...]:
    """M4, M5 and F2 for every unit of a province study at once: each hamlet in one unit
    (:func:`hamlet_unit_codes`), each tower in one unit
    (:func:`~coverage_gis.engines.territory.point_units`), so the units' counts add up to the
    province's (:func:`province_indicators`)."""
    project = analysis.project
    assert project.hamlets is not None
    scopes = province_scopes(project)
    table = analysis.hamlets
    ids = project.hamlets["hamlet_id"].astype(str).to_numpy()
    if "unit_code" in table:  # as analyze found them (a stored result keeps them)
        of = dict(zip(table["hamlet_id"].astype(str), table["unit_code"]))
        codes = pd.Series([of.get(h) for h in ids], index=project.hamlets.index)
    else:
        codes = hamlet_unit_codes(project)
    by_unit = pd.Series(ids).groupby(codes.to_numpy()).agg(tuple).to_dict()
    table_unit = table["hamlet_id"].astype(str).map(dict(zip(ids, codes.to_numpy())))
    tower_unit = None
    if project.sites is not None:
        tw, sp = _towers(project)
        tower_unit = territory.point_units(tw, [s.geometry for s in scopes])
        candidates = sharing.sharing_candidates(tw, sp, project.urban_areas)
    geoms = project.hamlets.geometry.values
    margin = analysis.coverage.params.margin_m
    out = []
    for k, scope in enumerate(scopes):
        members = by_unit.get(scope.code, ())
        part = table[(table_unit == scope.code).to_numpy()]
        m5 = None
        if tower_unit is not None:  # the towers left out: those near it, as its own view
            near = shapely.intersects(tw.geometry.values, _unit_box(scope, margin))  # lists
            m5 = _m5(tw, candidates, tower_unit == k, sp, scope.basis,
                     outside=int((near & (tower_unit != k)).sum()))
        mine = np.isin(ids, members)
        mapped = float(shapely.area(shapely.intersection(
            shapely.union_all(geoms[mine]), scope.geometry))) if mine.any() else 0.0
        out.append(UnitIndicators(
            scope.role, scope.code, scope.name, scope.basis, tuple(members),
            _per_unit(analysis.indicators.m4, part, "mobile_broadband_covered"), m5,
            _per_unit(analysis.indicators.f2, part, "ftth_covered"),
            round(mapped / scope.geometry.area, 4) if scope.geometry.area else None))
    return tuple(out)


def province_indicators(analysis: Analysis) -> UnitIndicators | None:
    """M4, M5 and F2 of a province study as a whole (role ``province``; None for other
    studies): over the hamlets that lie in one of its units and the towers on its land, counted
    directly (not by adding the units up, so that the units' sums can be checked against
    it)."""
    project = analysis.project
    sc = project.scenario
    if sc.province is None or project.hamlets is None:
        return None
    from coverage_gis.io import units as admin

    found = admin.select_province(admin.load_units(), sc.province)
    name = str(found["province_name"].iloc[0])
    code = str(found["province_code"].iloc[0])
    table = analysis.hamlets
    inside = table[table["unit_code"].notna()] if "unit_code" in table else table
    scopes = province_scopes(project)
    m5 = None
    if project.sites is not None:
        tw, sp = _towers(project)
        on_land = territory.point_units(tw, [s.geometry for s in scopes]) >= 0
        m5 = _m5(tw, sharing.sharing_candidates(tw, sp, project.urban_areas), on_land, sp,
                 "province")
    return UnitIndicators(
        "province", code, name, "bundled_boundary",
        tuple(str(h) for h in inside["hamlet_id"]),
        _per_unit(analysis.indicators.m4, inside, "mobile_broadband_covered"), m5,
        _per_unit(analysis.indicators.f2, inside, "ftth_covered"), None)


def _crop(result: CoverageResult, bounds: tuple[float, float, float, float]
          ) -> CoverageResult:
    """``result`` on the part of its grid within ``bounds`` (m; the cells table whole, so
    the servers' indices still point into it)."""
    grid = result.grid
    minx, miny, maxx, maxy = bounds
    rows, cols = grid.window((minx + maxx) / 2, (miny + maxy) / 2,
                             max(maxx - minx, maxy - miny) / 2)
    if rows.stop <= rows.start or cols.stop <= cols.start:
        rows, cols = slice(0, grid.height), slice(0, grid.width)
    t = grid.transform
    part = coverage.Grid(t @ Affine.translation(cols.start, rows.start),
                         cols.stop - cols.start, rows.stop - rows.start, grid.crs)

    def cut(arrays: Mapping) -> Mapping:
        window = getattr(arrays, "window", None)  # a stored result's files, probabilities
        if window is not None:                    # computed when read: only that part
            return window(rows, cols)
        return {k: np.ascontiguousarray(a[rows, cols]) for k, a in arrays.items()}

    return replace(result, grid=part, level_dbm=cut(result.level_dbm),
                   server=cut(result.server), covered=cut(result.covered),
                   operator_level_dbm=cut(result.operator_level_dbm),
                   probability=cut(result.probability))


#: A province's layers that a unit's view keeps near the unit only (:func:`_around`).
_UNIT_LAYERS = ("fibre", "access_points", "roads", "railway", "constraints", "urban_areas",
                "landuse")


def _around(project: Project, cov: CoverageResult, box: shapely.Polygon
            ) -> tuple[dict[str, Any], CoverageResult]:
    """A unit's part of the province's layers (:data:`_UNIT_LAYERS`: the features meeting
    ``box``, the unit plus the grid's margin) and of its rasters (the DEM and land cover, and
    ``cov``'s ground, on the extent of ``cov``'s cut grid; one object cut once, which the
    stored result keeps as one file): the project's fields to replace, and ``cov``."""
    layers: dict[str, Any] = {}
    for name in _UNIT_LAYERS:
        gdf = getattr(project, name)
        if gdf is not None:
            layers[name] = gdf[gdf.intersects(box)]
    from rasterio.transform import array_bounds

    g = cov.grid
    extent = array_bounds(g.height, g.width, g.transform)
    parts: dict[int, Any] = {}
    for r in (project.dem, project.landcover, cov.dem_grid, cov.landcover):
        if r is not None and id(r) not in parts:
            parts[id(r)] = r.crop(extent, g.crs)

    def part(r: Any) -> Any:
        return None if r is None else parts[id(r)]

    layers.update(dem=part(project.dem), landcover=part(project.landcover))
    return layers, replace(cov, dem_grid=part(cov.dem_grid), landcover=part(cov.landcover))


def _unit_box(scope: territory.UnitScope, margin_m: float) -> shapely.Polygon:
    """A unit's bounding box grown by ``margin_m`` (the grid's margin): what a unit's own view
    shows around it (:func:`unit_view`)."""
    x0, y0, x1, y1 = scope.geometry.bounds
    return shapely.box(x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)


def _unit_candidates(candidates: gpd.GeoDataFrame | None, towers: gpd.GeoDataFrame | None
                     ) -> gpd.GeoDataFrame | None:
    """The sharing candidates with an end among ``towers`` inside the unit, with
    ``inside_unit_a`` and ``inside_unit_b`` for the unit (found by a review: another unit's
    pair was listed with both towers "inside the unit")."""
    if candidates is None or towers is None:
        return candidates
    inside = set(towers.loc[towers["inside_unit"].astype(bool), "tower_id"])
    candidates = candidates[candidates["tower_a"].isin(inside)
                            | candidates["tower_b"].isin(inside)].copy()
    if "inside_unit_a" in candidates:
        candidates["inside_unit_a"] = candidates["tower_a"].isin(inside)
        candidates["inside_unit_b"] = candidates["tower_b"].isin(inside)
    return candidates


def unit_view(analysis: Analysis, unit: str) -> Analysis:
    """One unit of a province study, as a study of its own for a detailed map and report
    (``coverage-gis report RESULTS_DIR --unit CODE``): its hamlets, households, towers,
    fibre and suggestions, the province's other layers and rasters around it
    (:func:`_around`), the coverage rasters cut to the unit plus the grid's margin, and its
    M4, M5 and F2 (those of :func:`unit_indicators`). Nothing is recomputed but the counts.

    Raises
    ------
    InputError
        Not a province study, or ``unit`` is none of its units.
    """
    from coverage_gis.io import units as admin

    project = analysis.project
    admin.unit_query(unit)  # a blank unit is an InputError
    if project.scenario.province is None or project.hamlets is None:
        raise InputError(f"unit {unit}: the result is not a province study ([scenario] "
                         "province); its units are already in its own report")
    units = {u.code: u for u in unit_indicators(analysis)}
    scopes = {s.code: s for s in province_scopes(project)}
    code = next((c for c, s in scopes.items() if unit in (c, s.name)), None)
    if code is None:
        try:  # its own messages: what an old unit became, an ambiguous name's matches
            code = admin.find_unit(unit).code
        except InputError as exc:  # they name the unit already (a review: said twice)
            raise InputError([p if unit in p else f"unit {unit}: {p}"
                              for p in exc.problems]) from None
    if code not in scopes:
        raise InputError(f"unit {unit}: not a unit of this study's province "
                         f"({project.scenario.province}); see units.csv for their codes")
    scope, ind = scopes[code], units[code]
    ids = set(ind.hamlet_ids)
    hamlets = project.hamlets[project.hamlets["hamlet_id"].astype(str).isin(ids)]
    households = project.households
    if households is not None and "hamlet_id" in households:
        households = households[households["hamlet_id"].astype(str).isin(ids)]
    box = _unit_box(scope, analysis.coverage.params.margin_m)
    bounds = box.bounds
    sites = project.sites
    if sites is not None:
        sites = sites[sites.intersects(box)]
    sc = replace(project.scenario, name=f"{project.scenario.name}: {scope.name}", unit=code,
                 province=None)
    commune = gpd.GeoDataFrame({"unit_code": [code], "full_name": [scope.name]},
                               geometry=[scope.geometry], crs=project.crs)
    layers, cov = _around(project, _crop(analysis.coverage, bounds), box)
    view = replace(project, scenario=sc, hamlets=hamlets, households=households, sites=sites,
                   commune=commune, **layers)
    table = analysis.hamlets[analysis.hamlets["hamlet_id"].astype(str).isin(ids)]
    table = table.reset_index(drop=True)
    indicators = replace(analysis.indicators, m4=ind.m4, m5=ind.m5, f2=ind.f2)
    fib = analysis.fibre
    if fib is not None:
        ext, gpon, boxes = fib.extensions, fib.gpon, view.access_points
        if gpon is not None and boxes is not None and "ap_id" in gpon:  # the unit's boxes
            gpon = gpon[gpon["ap_id"].astype(str).isin(set(boxes["ap_id"].astype(str)))]
        own = fib.hamlets[fib.hamlets["hamlet_id"].astype(str).isin(ids)]
        fib = replace(fib, reach=fib.reach[fib.reach["hamlet_id"].astype(str).isin(ids)],
                      hamlets=own,
                      extensions=ext[ext["hamlet_id"].astype(str).isin(ids)]
                      if "hamlet_id" in ext else ext,
                      routes=fib.routes[fib.routes.intersects(box)], gpon=gpon)
        # F1 on the map is the unit's homes (found by fuzzing: the whole study's); the
        # statistics are the study's, not the unit's: none is given for it
        f1 = fibre.fibre_indicators(own, None, None, fib.params)["F1"]
        if isinstance(f1, HouseholdFibreIndicator) and project.statistics is not None:
            f1 = replace(f1, note="statistics_not_per_unit")  # as the scorecard says
        indicators = replace(indicators, f1=f1 if isinstance(f1, HouseholdFibreIndicator)
                             else None)
    towers = analysis.towers
    if towers is not None:
        towers = towers[towers.intersects(box)].copy()
        # the unit each tower counts in, as M5 (found by a review: a tower on a shared
        # boundary was inside both units here, in one in units.csv)
        towers["inside_unit"] = (towers["unit_code"].astype(str) == code).to_numpy() \
            if "unit_code" in towers else territory.inside_unit(towers, scope.geometry)
    if ind.m5 is not None:
        # its boundary is the unit's 2025 one; the towers left out are those listed with it
        # (found by a cross-output review: summary.json said 6 outside, units.csv and
        # towers.csv 5: the province's towers outside against those near the unit)
        outside = 0 if towers is None else int((~towers["inside_unit"].astype(bool)).sum())
        indicators = replace(indicators, m5=replace(ind.m5, unit_basis="unit",
                                                    towers_outside_unit=outside))
    candidates = _unit_candidates(analysis.sharing_candidates, towers)
    sugg = analysis.suggestions
    if sugg is not None:
        sugg = (sugg[sugg["unit_code"].astype(str) == code] if "unit_code" in sugg
                else sugg[sugg.intersects(scope.geometry)])
    radius = analysis.signal_radius
    radius = radius[radius.intersects(box)] if len(radius) else radius
    card = targets.scorecard(None, indicators, sc.year, missing=(
        "statistics_not_per_unit" if project.statistics is not None else "no_statistics"))
    return replace(analysis, project=view, coverage=cov,
                   hamlets=table, signal_radius=radius, indicators=indicators, towers=towers,
                   sharing_candidates=candidates, fibre=fib, suggestions=sugg, scorecard=card)


def unit_as_area(project: Project) -> Project:
    """``project`` itself when it has hamlets; else a copy whose one "hamlet" is the unit
    (the commune boundary, e.g. the bundled boundary of ``[scenario] unit``): ``hamlet_id``
    the unit's code (``unit_code``, else ``"unit"``), ``name`` its full name, and households
    linked to it by location. The plan's indicators are per hamlet; a unit whose hamlets are
    not mapped is measured as one area, and :func:`skipped_parts` says so.

    Raises
    ------
    InputError
        Neither hamlets nor a unit boundary.
    """
    if project.hamlets is not None:
        return project
    commune = project.commune
    if commune is None or commune.empty:
        raise InputError("the study needs its area: a hamlets layer, or the unit's "
                         "boundary ([scenario] unit = \"CODE\", see 'coverage-gis units'; or "
                         "[layers] commune = \"FILE\")")

    def first(column: str, default: str) -> str:
        value = commune[column].iloc[0] if column in commune.columns else None
        return str(value) if value is not None and not pd.isna(value) else default

    if project.scenario.province is not None:  # each unit of the province is one area
        scopes = province_scopes(project)
        hamlets = gpd.GeoDataFrame({"hamlet_id": [s.code for s in scopes],
                                    "name": [s.name for s in scopes]},
                                   geometry=[s.geometry for s in scopes], crs=project.crs)
    else:
        hamlets = gpd.GeoDataFrame(
            {"hamlet_id": [first("unit_code", "unit")],
             "name": [first("full_name", first("name", project.scenario.name))]},
            geometry=[commune.union_all()], crs=commune.crs)
    hamlets.attrs = {"file_crs": commune.attrs.get("file_crs", ""), "area_basis": "unit"}
    households = project.households
    if households is not None:
        attrs = dict(households.attrs)
        households = households.drop(columns=["hamlet_id", "hamlet_basis"], errors="ignore")
        households["hamlet_id"] = household_hamlets(households, hamlets)
        households["hamlet_basis"] = households["hamlet_id"].map(
            lambda h: None if h is None or pd.isna(h) else "location")
        households.attrs = attrs
    sources = {**project.sources, "hamlets": list(project.sources.get("commune", []))}
    return replace(project, hamlets=hamlets, households=households, sources=sources,
                   scenario=_share_rule_for_units(project.scenario, households))


def _share_rule_for_units(scenario: Any, households: gpd.GeoDataFrame | None) -> Any:
    """``scenario`` with F2's share rule (``[fibre] hamlet_rule = "share"``) where its rule is
    the cultural-house one and the households mark cultural houses, said in an
    :class:`~coverage_gis.errors.InputWarning`: a unit measured as one area holds a cultural
    house per hamlet, and any one of them reached counted the whole unit (found by a review:
    F2 met in every unit of a province without hamlets, one at 35 % of homes passed)."""
    marked = 0
    if households is not None and "is_cultural_house" in households:
        marked = int(households["is_cultural_house"].fillna(False).astype(bool).sum())
    fibre_table = dict(scenario.parameters.get(FibreParams.section, {}))
    if not marked or FibreParams.from_scenario(scenario.parameters).hamlet_rule != \
            "cultural_house":
        return scenario
    warnings.warn(
        f"households: {marked} households are marked is_cultural_house, but the study has "
        "no hamlets layer and measures each unit as one area: a unit has a cultural house "
        "per hamlet, so F2 counts a unit by the share of its homes passed ([fibre] "
        "hamlet_rule = \"share\"), not by any one cultural house reached; add the hamlets "
        "layer to judge each hamlet by its cultural house", InputWarning, stacklevel=3)
    return replace(scenario, parameters={**scenario.parameters,
                                         FibreParams.section: {**fibre_table,
                                                               "hamlet_rule": "share"}})


class _Clock:
    """Wall time per stage (s), in the order the stages ran."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(self.timings.get(stage, 0.0) + now - self._t, 3)
        self._t = now

    def restart(self) -> None:
        """The next lap starts now (after stages timed elsewhere)."""
        self._t = time.perf_counter()


def _mobile(project: Project, params: CoverageParams, progress: bool, runner: Runner | None,
            clock: _Clock
            ) -> tuple[CoverageResult, pd.DataFrame, gpd.GeoDataFrame, HamletIndicator]:
    """Coverage, the hamlet table with its coverage columns, the signal radius and M4."""
    assert project.sites is not None and project.hamlets is not None
    tile_px = settings.TILE_PX if runner is None else runner.tile_px
    result = coverage.compute_coverage(project.sites, project.hamlets, project.dem, params,
                                       progress=progress, landcover=project.landcover,
                                       tile_px=tile_px, runner=runner)
    if runner is not None:
        runner.trim()  # the tiles' arrays: the worker(s) may wait for fibre, holding them
    clock.lap("coverage")
    per_hamlet = coverage.hamlet_coverage(result, project.hamlets, project.households)
    base = hamlet_table(project)
    per_hamlet = per_hamlet.rename(columns={"basis": "share_basis"})
    shares = [c for c in per_hamlet.columns if "share" in c and c != "share_basis"]
    judged = per_hamlet["mobile_broadband_share"].to_numpy(dtype=float)
    per_hamlet[shares] = per_hamlet[shares].round(4)
    # the judged share never rounded across the hamlet target (found by a cross-output
    # review: 0.94996 would read 0.95 beside "not covered")
    per_hamlet["mobile_broadband_share"] = rounded_shares(judged, params.hamlet_share)
    table = base.merge(per_hamlet.drop(columns=["name", "households"]), on="hamlet_id",
                       how="left")
    radius = coverage.signal_radius(project.sites, params)
    quick = coverage.signal_radius_shares(radius, project.hamlets, project.households)
    table["mobile_broadband_share_signal_radius"] = table["hamlet_id"].map(quick).round(4)
    m4 = mobile_indicator(table, params, str(per_hamlet["share_basis"].iloc[0]))
    clock.lap("coverage_per_hamlet")
    return result, table, radius, m4


def _no_coverage(project: Project, params: CoverageParams) -> CoverageResult:
    """The coverage result of a study without sites: the grid, no cell, no raster."""
    assert project.hamlets is not None
    grid = coverage.study_grid(project.hamlets, params.resolution_m, params.margin_m)
    cells = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=grid.crs))
    return CoverageResult(grid, cells, params, {}, {}, {}, dem_used=False)


def skipped_parts(analysis: Analysis) -> tuple[Skipped, ...]:
    """What the study left out or replaced, and why (codes of :data:`SKIPPED`), read from
    the result itself (so a stored result read back says the same)."""
    project = analysis.project
    out: list[Skipped] = []
    if "hamlets" not in project.scenario.layers:
        out.append(Skipped("hamlets", "unit_as_one_area"))
    if project.sites is None:
        out += [Skipped("coverage", "no_sites"), Skipped("sharing", "no_sites"),
                Skipped("suggestions", "no_sites")]
    if analysis.fibre is None:
        if project.fibre is None and project.access_points is None:
            out.append(Skipped("fibre", "no_fibre_layers"))
        if project.households is None:
            out.append(Skipped("fibre", "no_households"))
    short = ("mobile_broadband_covered" in analysis.hamlets  # False: short (None: unmeasured)
             and bool(analysis.hamlets["mobile_broadband_covered"].eq(False).any()))
    if project.sites is not None and analysis.suggestions is None and short:
        out.append(Skipped("suggestions", "no_households" if project.households is None
                           else "not_requested"))
    if project.sites is not None and project.dem is None:
        out.append(Skipped("terrain", "no_dem"))
    if project.statistics is None:
        out.append(Skipped("statistics", "no_statistics"))
    return tuple(out)


def _fibre_inputs(project: Project) -> tuple[Any, ...]:
    """The arguments of :func:`_compute_fibre` for a project: its layers and the scenario's
    parameters."""
    parameters = project.scenario.parameters
    assert project.households is not None
    return (project.households, project.hamlets, project.roads, project.access_points,
            project.fibre, project.statistics, project.scenario.year,
            fibre.FibreParams.from_scenario(parameters), project.railway,
            BuildParams.from_scenario(parameters), GponParams.from_scenario(parameters))


def _compute_fibre(households: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                   roads: gpd.GeoDataFrame | None, access_points: gpd.GeoDataFrame | None,
                   routes: gpd.GeoDataFrame | None, statistics: pd.DataFrame | None,
                   year: int | None, params: fibre.FibreParams,
                   railway: gpd.GeoDataFrame | None, build: BuildParams, gpon: GponParams,
                   *, runner: Runner | None = None) -> tuple[fibre.FibreResult, float]:
    """:func:`coverage_gis.engines.fibre.compute_fibre` on :func:`_fibre_inputs` (here, or
    as a task on a worker): the result and its own time (s)."""
    start = time.perf_counter()
    result = fibre.compute_fibre(households, hamlets, roads, access_points, routes, statistics,
                                 year, params, railway=railway, build=build, gpon=gpon,
                                 runner=runner)
    return result, round(time.perf_counter() - start, 3)


def _fibre_start(households: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame,
                 roads: gpd.GeoDataFrame | None, access_points: gpd.GeoDataFrame | None,
                 routes: gpd.GeoDataFrame | None, params: fibre.FibreParams,
                 railway: gpd.GeoDataFrame | None, build: BuildParams, gpon: GponParams
                 ) -> tuple[float, fibre.FibreStart]:
    """:func:`coverage_gis.engines.fibre.fibre_start` as a task: when it started (s since
    the epoch, for the fibre stage's own time) and its result."""
    started = time.time()
    start = fibre.fibre_start(households, hamlets, roads, access_points, routes, params,
                              railway=railway, build=build, gpon=gpon)
    malloc_trim()  # what building the graph freed: this worker holds the graph meanwhile
    return started, start


def _extension_jobs(started: tuple[float, fibre.FibreStart]) -> fibre.ExtensionJobs:
    """The extension jobs of :func:`_fibre_start`'s result (a task: the design tasks fetch
    only these)."""
    return started[1].extension_jobs


def _design_jobs(jobs: fibre.ExtensionJobs, part: int, parts: int) -> list[Any]:
    """:func:`coverage_gis.engines.fibre.design_jobs` as a task; the worker then hands back
    the memory the designs freed (it holds the graph meanwhile)."""
    rows = fibre.design_jobs(jobs, part, parts)
    malloc_trim()
    return rows


def _fibre_head(started: tuple[float, fibre.FibreStart]) -> tuple[float, fibre.FibreStart]:
    """:func:`_fibre_start`'s result without the extension jobs (a task: this process fetches
    only this; the graph stays on the workers)."""
    t0, start = started
    return t0, replace(start, extension_jobs=replace(start.extension_jobs, ctx=None, jobs=[]))


@dataclass
class _FibreTasks:
    """The fibre job's tasks on a local cluster (:func:`_fibre_tasks`): :meth:`designed`
    then :meth:`finish` give what :func:`_compute_fibre` returns."""

    runner: Runner
    head: Any            # future of _fibre_head
    designs: list[Any]   # futures of the design runs, in order
    statistics: pd.DataFrame | None
    year: int | None

    def designed(self) -> list[Any]:
        """The designs' rows (waits for them); the workers then let go of the graph, and
        are free for other work while this process finishes (:meth:`finish`)."""
        rows = [row for part in self.runner.gather(self.designs) for row in part]
        for future in self.designs:
            future.release()
        self.designs = []
        return rows

    def finish(self, rows: list[Any]) -> tuple[fibre.FibreResult, float]:
        """The fibre result, finished here from the head (the households' reach, the
        network: fetched now) and the designs' ``rows`` (:meth:`designed`), and the fibre
        stage's own time (s)."""
        t0, start = self.head.result()
        self.head.release()
        out = fibre.fibre_finish(start, rows, self.statistics, self.year)
        return out, round(time.time() - t0, 3)


def _fibre_tasks(project: Project, runner: Runner) -> _FibreTasks:
    """The fibre job started on a local cluster as tasks: :func:`_fibre_start` on a worker,
    then the extensions' designs in ``settings.FIBRE_DESIGN_TASKS_PER_WORKER`` runs per
    worker, each on the whole graph: dask runs them where the start ran, and moves some,
    with the graph, to a worker that has nothing else to do (the tiles' worker once its tiles
    are done). The graph is let go of once the designs are done; this process fetches the
    rest and finishes (:func:`coverage_gis.engines.fibre.fibre_finish`)."""
    (households, hamlets, roads, access_points, routes, statistics, year, params, railway,
     build, gpon) = _fibre_inputs(project)
    started = runner.call("fibre_start", _fibre_start, households, hamlets, roads,
                          access_points, routes, params, railway, build, gpon)
    jobs = runner.call("fibre_jobs", _extension_jobs, started)
    n = settings.FIBRE_DESIGN_TASKS_PER_WORKER * max(runner.worker_count, 1)
    designs = [runner.call("fibre_designs", _design_jobs, jobs, k, n) for k in range(n)]
    return _FibreTasks(runner, runner.call("fibre", _fibre_head, started), designs,
                       statistics, year)


def _fibre(project: Project, runner: Runner | None) -> fibre.FibreResult:
    """FTTH reach and the gaps' extensions (:func:`coverage_gis.engines.fibre.compute_fibre`)
    with the scenario's parameters, traced in this process (the extensions on ``runner``)."""
    return _compute_fibre(*_fibre_inputs(project), runner=runner)[0]


def _with_fibre_columns(table: pd.DataFrame, fibre_result: fibre.FibreResult) -> pd.DataFrame:
    """The hamlet table with the fibre columns of each hamlet."""
    keep = ["hamlet_id", "ftth_share", "ftth_covered", "homes_passed", "homes_port_limited",
            "within_reach_share", "cultural_house_reached", "ftth_rule", "homes_connectable",
            "ftth_connectable_share"]
    ft = fibre_result.hamlets
    ft = ft[[c for c in keep if c in ft.columns]].copy()
    for col in ("ftth_share", "within_reach_share", "ftth_connectable_share"):
        if col in ft:  # the share rule's share never rounded across its target
            ft[col] = rounded_shares(ft[col], fibre_result.params.hamlet_share)
    return table.merge(ft, on="hamlet_id", how="left")


def _mobile_beside_fibre(project: Project, params: CoverageParams, progress: bool,
                         runner: Runner, clock: _Clock
                         ) -> tuple[CoverageResult, pd.DataFrame, gpd.GeoDataFrame,
                                    HamletIndicator, fibre.FibreResult]:
    """:func:`_mobile` (its tiles on the cluster, gathered by a thread of this process) and
    :func:`_fibre` (here, its extensions designed on the cluster in parts) side by side;
    ``clock`` gets their stages' own times (coverage, coverage_per_hamlet, fibre), which
    overlap."""
    from concurrent.futures import ThreadPoolExecutor

    mobile_clock = _Clock()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coverage")
    try:
        mobile = pool.submit(_mobile, project, params, progress, runner, mobile_clock)
        start = time.perf_counter()
        fibre_result = _fibre(project, runner)
        fibre_s = round(time.perf_counter() - start, 3)
        result, table, radius, m4 = mobile.result()
    finally:  # on an error or an interrupt, do not wait for the tiles: closing the cluster
        pool.shutdown(wait=False, cancel_futures=True)  # ends the thread's wait
    clock.timings.update(mobile_clock.timings)
    clock.timings["fibre"] = fibre_s
    clock.restart()
    return result, table, radius, m4, fibre_result


def _check_arguments(project: Any, params: Any, suggest_sites: Any = 0
                     ) -> tuple[Project, CoverageParams | None]:
    """:func:`analyze`'s arguments, for a notebook: a clear TypeError naming the argument
    (a path for the project gave an AttributeError deep inside), the project's layers
    (:func:`_checked_layers`) and its sites still as the loader left them (an analyst's
    'PLANNED', NaN EIRP or 3,600 m mast counted silently), the parameters checked again
    (found by a review: ``params.resolution_m = -5``, set after they were made, failed deep in
    numpy) and ``suggest_sites`` a whole number >= 0. Returns the project, its layers in its
    CRS, and the parameters."""
    if isinstance(suggest_sites, bool) or not isinstance(suggest_sites, (int, np.integer)) \
            or suggest_sites < 0:
        raise InputError(f"analyze: suggest_sites={suggest_sites!r:.40}: expected a whole "
                         "number of sites >= 0 (0: no suggestions)")
    if not isinstance(project, Project):
        raise TypeError(f"analyze: project={project!r:.80}: expected a Project "
                        "(cg.load_project(scenario) reads one from a scenario file)")
    if params is not None and not isinstance(params, CoverageParams):
        raise TypeError(f"analyze: params={params!r:.80}: expected CoverageParams, e.g. "
                        "CoverageParams(resolution_m=50) or CoverageParams.from_scenario("
                        "{'coverage': {...}})")
    project = _checked_layers(project)
    if project.sites is not None:  # edited in a notebook since it was loaded?
        problems = schema.loaded_sites_problems(project.sites)
        if problems:
            raise InputError(problems)
    return project, None if params is None else params.checked()


def _checked_layers(project: Project) -> Project:
    """The project's vector layers as a notebook may have edited them (found by fuzzing:
    deep errors from pandas, shapely or another layer's check): each a GeoDataFrame with its
    geometry and a CRS, taken in the project's CRS (reprojected when another), and hamlets,
    when given, not empty."""
    moved = {}
    for name in VECTOR_LAYERS:
        layer = getattr(project, name)
        if layer is None:
            continue
        where = f"analyze: project.{name}"
        if not isinstance(layer, gpd.GeoDataFrame):
            raise TypeError(f"{where}={layer!r:.60}: expected a GeoDataFrame, or None for no "
                            f"{name} layer")
        if layer.active_geometry_name is None or layer.active_geometry_name not in layer:
            raise TypeError(f"{where} has no geometry column: expected a GeoDataFrame with "
                            "its geometry set (as cg.load_project gives it)")
        if layer.crs is None:
            raise InputError(f"{where} has no CRS: expected one, e.g. the project's "
                             f"{describe_crs(project.crs)} (.set_crs)")
        _check_ids_and_shapes(layer, name, where)
        if not layer.crs.equals(project.crs):
            moved[name] = layer.to_crs(project.crs)
    if project.hamlets is not None and not len(project.hamlets):
        raise InputError("analyze: project.hamlets has no rows: expected at least one hamlet "
                         "(or hamlets=None, the unit then taken as one area)")
    stats = project.statistics
    if stats is not None and ("year" not in stats or stats["year"].isna().any()
                              or stats["year"].duplicated().any()):
        raise InputError("analyze: project.statistics: expected a 'year' column, one row per "
                         "year (as cg.read_statistics gives it)")
    return replace(project, **moved) if moved else project


def _check_ids_and_shapes(layer: gpd.GeoDataFrame, name: str, where: str) -> None:
    """A layer edited since it was loaded: its id column there and unique, and every row with
    a geometry (found by a review: households without one were counted as unserved, M4
    fell; hamlets without ``hamlet_id`` or with one twice failed deep inside)."""
    idcol = LAYER_IDS.get(name)
    if idcol is not None:
        if idcol not in layer:
            raise InputError(f"{where} has no column {idcol!r}: a loaded {name} layer has it, "
                             "one per row")
        twice = layer[idcol][layer[idcol].duplicated(keep=False)]
        if len(twice):
            values = list(dict.fromkeys(twice.astype(str)))
            shown = ", ".join(map(repr, values[:5])) + (
                f" and {len(values) - 5} more" if len(values) > 5 else "")
            raise InputError(f"{where}: {idcol} appears more than once ({shown}): "
                             "expected one row each")
    empty = (layer.geometry.isna() | layer.geometry.is_empty).to_numpy()
    if empty.any():
        rows = np.flatnonzero(empty)
        ids = (layer[idcol].astype(str).to_numpy() if idcol in layer
               else layer.index.astype(str).to_numpy())
        shown = ", ".join(ids[rows[:5]]) + (f" and {len(rows) - 5} more" if len(rows) > 5
                                            else "")
        raise InputError(f"{where}: {len(rows)} row(s) without a geometry ({idcol or 'index'} "
                         f"{shown}): expected one each; drop them or give their coordinates")


def analyze(project: Project, params: CoverageParams | None = None,
            progress: bool = False, suggest_sites: int = 3, *,
            runner: Runner | None = None) -> Analysis:
    """Compute mobile coverage, FTTH reach and tower sharing per hamlet, the map-measured
    indicators (M4, M5, F2, F1 beside the statistics) and the scorecard, with whatever
    layers the project has: without sites no coverage, M4, M5 or suggestions (a fibre-only
    study); without fibre routes and access points, or without households, no FTTH reach;
    without hamlets the unit is the one area (:func:`unit_as_area`). What was left out is
    :func:`skipped_parts` of the result.

    Parameters
    ----------
    project
        A loaded project: hamlets or a unit boundary (``commune`` layer or ``[scenario]
        unit``) required; every other layer optional.
    params
        Coverage parameters; default: the scenario's ``[coverage]`` table over the settings.
    progress
        Show a progress bar over the radio cells (stderr).
    suggest_sites
        When hamlets fall short of mobile broadband, suggest up to this many sites that close
        the gaps (:func:`coverage_gis.placement.suggest_sites`); 0 to skip.
    runner
        Where the coverage tiles run (:class:`~coverage_gis.engines.tiles.Runner`, already
        entered): this process by default, or a dask.distributed cluster. The results are the
        same either way. On a local cluster, a study with fibre has FTTH reach and extensions
        computed as one task on a worker, beside the coverage tiles on the others; on an
        existing cluster, this process traces fibre (its extensions designed on the workers
        in parts) while the workers compute the coverage tiles (``timings_s`` then overlap).
    """
    project, params = _check_arguments(project, params, suggest_sites)
    clock = _Clock()
    project = unit_as_area(project)
    (runner or Runner()).trim()  # what loading the layers freed, before the rasters come
    params = params or CoverageParams.from_scenario(project.scenario.parameters)
    m4: HamletIndicator | None = None
    m5: SharingIndicator | None = None
    tw = candidates = None
    with_fibre = project.households is not None and (project.access_points is not None
                                                     or project.fibre is not None)
    fibre_result = fibre_task = None
    if project.sites is None:  # a study without sites (fibre only): no coverage, M4, M5
        result, table = _no_coverage(project, params), hamlet_table(project)
        radius = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=project.crs))
    elif with_fibre and runner is not None and fibre.extensions_in_parts(runner):
        # an existing cluster: this process traces fibre, its extensions designed on the
        # workers in parts, while a thread gathers the coverage tiles
        result, table, radius, m4, fibre_result = _mobile_beside_fibre(
            project, params, progress, runner, clock)
    else:
        if with_fibre and runner is not None and runner.distributed:
            # a local cluster: fibre runs as tasks on the workers, beside the coverage
            # tiles; this process only sends and gathers
            fibre_task = _fibre_tasks(project, runner)
        result, table, radius, m4 = _mobile(project, params, progress, runner, clock)
    if project.sites is not None:
        tw, candidates, m5 = sharing_indicator(project)
        clock.lap("sharing")
    unit_codes = _hamlet_units(project)
    wants_suggestions = bool(suggest_sites and project.households is not None
                             and m4 is not None and not table["mobile_broadband_covered"].all())
    if wants_suggestions:
        from coverage_gis.engines import placement
    prepared = None
    if wants_suggestions and fibre_task is not None and project.scenario.province is not None:
        # made here while fibre's tasks still run on the workers (they and this process
        # would otherwise wait for it: 3-4 s on the province), not after them as
        # the suggestions' own work on the workers is (once fibre's designs are done,
        # below). It is sent to the workers only then: sent while fibre ran (a 9-14 s
        # broadcast), the province's peak memory rose from 5.59 to 6.13 GB
        prepared = placement.prepare_suggestions(project, params=params, base=result)
        clock.lap("suggestions")
    units_run = None
    if with_fibre:
        if fibre_task is not None and runner is not None:  # its own time, from the workers
            rows = fibre_task.designed()  # the workers let go of the graph...
            runner.trim()                 # ... and of its memory, before the suggestions
            if prepared is not None:
                # the units' suggestions sent to the workers now, while this process fetches
                # the rest of fibre's result and finishes it (the workers waited 5-6 s for
                # that on the province)
                units_run = placement.start_suggestions_by_unit(
                    project, province_scopes(project), prepared, suggest_sites, runner,
                    _members(project, unit_codes))
            fibre_result, clock.timings["fibre"] = fibre_task.finish(rows)
            del fibre_task
            clock.restart()
        elif fibre_result is None:
            fibre_result = _fibre(project, runner)
            clock.lap("fibre")
        table = _with_fibre_columns(table, fibre_result)
    suggestions = None
    if wants_suggestions:
        if project.scenario.province is not None:  # up to that many sites in each unit
            # after fibre's designs, not beside them: beside fibre as one task (before its
            # designs were shared out), the province took as long on two workers (412 s
            # against 608 on one, 1.48x; 1.47x after fibre) and its peak memory rose from
            # 5.6 to 6.1 GB (benchmarks/bench_province.py): on this machine fibre and the
            # units' suggestions slowed each other down (fibre 244 s beside them, 185-207 s
            # without); fibre's designs now keep both workers busy until fibre ends
            suggestions = (units_run.result() if units_run is not None
                           else placement.suggest_sites_by_unit(
                               project, province_scopes(project), suggest_sites,
                               params=params, base=result, runner=runner,
                               prepared=prepared,
                               members=_members(project, unit_codes))).table
        else:
            suggestions = placement.suggest_sites(project, suggest_sites, params=params,
                                                  base=result, unit=current_unit(project)).table
        if runner is not None:
            runner.trim()  # the candidates' arrays, before the outputs are written
        clock.lap("suggestions")
    fibre_ind = fibre_result.indicators if fibre_result is not None else {}
    f2, f1 = fibre_ind.get("F2"), fibre_ind.get("F1")
    # Without sites there is neither M4 nor M5: None, which Indicators and the scorecard read
    # as "not computed" (Indicators' m4/m5 are annotated as always present).
    f2 = f2 if isinstance(f2, HamletIndicator) else None
    if project.scenario.province is not None:
        assert unit_codes is not None
        table.insert(1, "unit_code", unit_codes.to_numpy())
    indicators = _on_territory(
        project, table, Indicators(m4=m4, m5=m5, f2=f2, f1=f1 if isinstance(
            f1, HouseholdFibreIndicator) else None),
        fibre_result.hamlets if fibre_result is not None else None)
    table = _unmeasured_flags(table)
    card = targets.scorecard(project.statistics, indicators, project.scenario.year)
    clock.lap("indicators")
    return Analysis(project, result, table, radius, indicators, tw, candidates, fibre_result,
                    suggestions, card, timings_s=clock.timings,
                    compute=(runner or Runner()).describe(),
                    computed_at=datetime.now().astimezone().isoformat(timespec="seconds"),
                    software_version=__version__)
