"""The main job: run the engines on a loaded project and gather their results.

:func:`analyze` takes a :class:`~coverage_gis.io.project.Project` and returns an
:class:`~coverage_gis.results.analysis.Analysis` (plain tables, GeoDataFrames and rasters, for
Jupyter). Writing it is :func:`coverage_gis.outputs.writer.write_analysis`; the command
``coverage-gis analyze`` is these two calls.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from coverage_gis.engines import coverage, fibre, sharing, targets, territory
from coverage_gis.engines.coverage import CoverageParams
from coverage_gis.engines.hamlets import hamlet_counts, household_hamlets
from coverage_gis.engines.indicators import (
    HamletIndicator,
    HouseholdFibreIndicator,
    Indicators,
    SharingIndicator,
)
from coverage_gis.errors import InputError
from coverage_gis.io.project import Project
from coverage_gis.results.analysis import Analysis

__all__ = ["analyze", "hamlet_table", "sharing_indicator"]


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
    covered = table["mobile_broadband_covered"].astype(bool)
    return HamletIndicator(
        id="M4", covered_hamlets=int(covered.sum()), hamlets=len(table),
        short_hamlets=tuple(str(h) for h in table.loc[~covered, "hamlet_id"]),
        target=targets.plan_target("M4"), rule="mobile_broadband_share",
        rule_params={"hamlet_share": params.hamlet_share, "share_basis": share_basis,
                     "threshold_4g_dbm": params.thresholds_dbm["4G"],
                     "threshold_5g_dbm": params.thresholds_dbm["5G"],
                     "indoor": params.indoor})


def sharing_indicator(project: Project
                      ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, SharingIndicator]:
    """M5 on the unit's territory, with the towers and the sharing candidates.

    Every tower of the sites layer is returned (neighbours' towers still serve coverage),
    with ``inside_unit``; the candidates are the pairs among all of them, with
    ``inside_unit_a`` and ``inside_unit_b``. M5 counts only the towers inside the unit (the
    commune boundary, else the hamlets: :func:`coverage_gis.engines.territory.inside_unit`),
    and its ``if_candidates_realised`` merges only the pairs with both ends inside.
    """
    sp = sharing.SharingParams.from_scenario(project.scenario.parameters)
    tw = sharing.towers(project.sites, sp.tower_distance_m)
    unit, basis = territory.unit_area(project.commune, project.hamlets)
    inside = territory.inside_unit(tw, unit)
    tw.insert(tw.columns.get_loc("status") + 1, "inside_unit", inside)
    candidates = sharing.sharing_candidates(tw, sp, project.urban_areas)
    own = tw[inside]
    m5 = SharingIndicator(
        existing=sharing.sharing_ratio(own, include_planned=False, method=sp.ratio),
        with_planned=sharing.sharing_ratio(own, include_planned=True, method=sp.ratio),
        if_candidates_realised=sharing.ratio_if_realised(own, candidates, method=sp.ratio),
        candidates=len(candidates), target=targets.plan_target("M5"), scope="inside_unit",
        unit_basis=basis, towers_outside_unit=int((~inside).sum()))
    return tw, candidates, m5


def analyze(project: Project, params: CoverageParams | None = None,
            progress: bool = False, suggest_sites: int = 3) -> Analysis:
    """Compute mobile coverage, FTTH reach and tower sharing per hamlet, the map-measured
    indicators (M4, M5, F2, F1 beside the statistics) and the scorecard.

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
    m4 = mobile_indicator(table, params, str(per_hamlet["share_basis"].iloc[0]))
    tw, candidates, m5 = sharing_indicator(project)
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
    suggestions = None
    if (suggest_sites and project.households is not None
            and not table["mobile_broadband_covered"].all()):
        from coverage_gis.engines.placement import suggest_sites as _suggest
        suggestions = _suggest(project, suggest_sites, params=params, base=result).table
    fibre_ind = fibre_result.indicators if fibre_result is not None else {}
    f2, f1 = fibre_ind.get("F2"), fibre_ind.get("F1")
    indicators = Indicators(m4=m4, m5=m5,
                            f2=f2 if isinstance(f2, HamletIndicator) else None,
                            f1=f1 if isinstance(f1, HouseholdFibreIndicator) else None)
    card = targets.scorecard(project.statistics, indicators, project.scenario.year)
    return Analysis(project, result, table, radius, indicators, tw, candidates, fibre_result,
                    suggestions, card)
