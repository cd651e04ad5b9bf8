"""The unit's territory: which points (towers, candidate sites) lie on the commune's land.

Every indicator counts what lies on the unit's territory (issue 11). The unit polygon is the
scenario's ``commune`` boundary layer or, when there is none, the union of the hamlets
(:func:`unit_area`). A tower is a point, the mean position of its cells: it is on the
territory when the polygon covers it (a point on the boundary line counts as inside) or lies
within ``settings.TERRITORY_EDGE_M`` (0.5 m) of it, so that coordinate rounding and
reprojection cannot push a tower standing on the line out (:func:`inside_unit`). A tower
farther out, even by a few metres, is the neighbour's: its cells still serve coverage, but M5
does not count it and no site suggestion uses it.

Engines return values and codes: ``basis`` is ``"commune"`` or ``"hamlets"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from coverage_gis.config import settings

if TYPE_CHECKING:
    from coverage_gis.io.project import Project

__all__ = ["UNIT_ROLES", "UnitScope", "hamlets_in_unit", "UNIT_BASES", "unit_area", "inside_unit",
           "hamlet_units", "largest_unit", "point_units", "province_units", "unit_scopes",
           "province_scopes", "current_unit"]

#: Where the unit polygon comes from: the commune boundary layer, or the hamlets' union.
UNIT_BASES = ("commune", "hamlets")


def unit_area(commune: gpd.GeoDataFrame | None, hamlets: shapely.Geometry | None
              ) -> tuple[shapely.Geometry | None, str | None]:
    """The unit polygon and its basis code: the commune layer's union when there is one,
    else ``hamlets``, the hamlets' union (``Project.hamlets_union``, computed once;
    ``(None, None)`` with neither). In the project's CRS."""
    if commune is not None and len(commune):
        return commune.union_all(), "commune"
    if hamlets is not None and not hamlets.is_empty:
        return hamlets, "hamlets"
    return None, None


def inside_unit(points: gpd.GeoDataFrame | gpd.GeoSeries, unit: shapely.Geometry | None,
                edge_m: float = settings.TERRITORY_EDGE_M) -> np.ndarray:
    """Whether each point (a tower, a candidate site) lies on the unit's territory: covered by
    ``unit`` (the boundary counts as inside) or within ``edge_m`` of it. Same CRS, metric.
    With no unit every point counts (there is no territory to leave)."""
    geoms = points.geometry.values if isinstance(points, gpd.GeoDataFrame) else points.values
    if unit is None:
        return np.ones(len(geoms), dtype=bool)
    shapely.prepare(unit)
    inside = shapely.covers(unit, geoms)
    if edge_m > 0:
        inside |= shapely.dwithin(unit, geoms, edge_m)
    return np.asarray(inside, dtype=bool)


#: The roles of a unit in a study: the pre-2025 unit the plan was adopted for, the 2025 unit
#: it now belongs to, and each unit of a whole province (``[scenario] province``).
UNIT_ROLES = ("plan", "current", "unit")


@dataclass(frozen=True)
class UnitScope:
    """One administrative unit a study reports on.

    ``role``: one of :data:`UNIT_ROLES`; ``code`` and ``name`` (its full name, or what the
    scenario named it); ``geometry`` in the project's CRS; ``basis``: where the outline
    comes from (``commune_layer``, ``bundled_boundary``: the 2025 units shipped with the
    package, ``hamlets``: the union of the study's hamlets, for a pre-2025 unit whose outline
    is not public)."""

    role: str
    code: str | None
    name: str
    geometry: shapely.Geometry
    basis: str


def hamlets_in_unit(hamlets: gpd.GeoDataFrame, unit: shapely.Geometry,
                    min_share: float = settings.HAMLET_UNIT_MIN_SHARE) -> np.ndarray:
    """Whether each hamlet belongs to ``unit``: at least ``min_share`` of its area lies in it
    (same metric CRS). A hamlet split by a new boundary goes to the unit holding most of it."""
    return np.asarray(unit_shares(hamlets, unit) >= min_share - 1e-12, dtype=bool)


def unit_shares(hamlets: gpd.GeoDataFrame, unit: shapely.Geometry) -> np.ndarray:
    """The share (0 to 1) of each hamlet's area that lies in ``unit`` (same metric CRS)."""
    shapely.prepare(unit)
    area = hamlets.geometry.area.to_numpy()
    inside = shapely.intersection(hamlets.geometry.values, unit)
    return np.divide(shapely.area(inside), area, out=np.zeros_like(area), where=area > 0)


def hamlet_units(hamlets: gpd.GeoDataFrame, units: Sequence[shapely.Geometry],
                 min_share: float = settings.HAMLET_UNIT_MIN_SHARE) -> np.ndarray:
    """For units that do not overlap (a province's), the index in ``units`` of the unit each
    hamlet belongs to (-1: none): the one holding most of its area, when that is at least
    ``min_share`` (the rule of :func:`hamlets_in_unit`, for every unit at once: only the
    pairs whose boxes meet are intersected)."""
    which, share = largest_unit(hamlets, units)
    return np.where(share >= min_share - 1e-12, which, -1)


def largest_unit(hamlets: gpd.GeoDataFrame, units: Sequence[shapely.Geometry]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """For units that do not overlap, the index in ``units`` of the unit holding most of each
    hamlet's area (-1: none) and that share of its area (0 to 1; only the pairs whose boxes
    meet are intersected)."""
    geoms = hamlets.geometry.values
    out = np.full(len(geoms), -1, dtype=np.int64)
    most = np.zeros(len(geoms))
    if len(geoms) == 0 or len(units) == 0:
        return out, most
    pairs = shapely.STRtree(np.asarray(units, dtype=object)).query(geoms, predicate="intersects")
    h, u = pairs
    if h.size == 0:
        return out, most
    area = shapely.area(geoms)
    share = shapely.area(shapely.intersection(geoms[h], np.asarray(units, dtype=object)[u]))
    share = np.divide(share, area[h], out=np.zeros_like(share), where=area[h] > 0)
    order = np.lexsort((-share, h))           # per hamlet, the largest share first
    h, u, share = h[order], u[order], share[order]
    first = np.r_[True, h[1:] != h[:-1]] & (share > 0)
    out[h[first]], most[h[first]] = u[first], share[first]
    return out, most


def province_units(province: str, crs: Any) -> tuple[UnitScope, ...]:
    """Every 2025 unit of ``province`` (a code or name, as ``[scenario] province``), role
    ``unit``, from its bundled boundary, in ``crs`` (the project's), in the order of their
    codes."""
    from coverage_gis.io import units as admin

    units = admin.select_province(admin.load_units(), province).to_crs(crs)
    units = units.sort_values("unit_code")
    return tuple(UnitScope("unit", str(c), str(n), g, "bundled_boundary")
                 for c, n, g in zip(units["unit_code"], units["full_name"], units.geometry))


def point_units(points: gpd.GeoDataFrame | gpd.GeoSeries, units: Sequence[shapely.Geometry],
                edge_m: float = settings.TERRITORY_EDGE_M) -> np.ndarray:
    """For units that do not overlap, the index of the unit each point (a tower) lies in
    (-1: none): the unit covering it, else the nearest within ``edge_m`` (as
    :func:`inside_unit`), so that a point on a shared boundary counts in one unit only."""
    geoms = points.geometry.values if isinstance(points, gpd.GeoDataFrame) else points.values
    out = np.full(len(geoms), -1, dtype=np.int64)
    if len(geoms) == 0 or len(units) == 0:
        return out
    tree = shapely.STRtree(np.asarray(units, dtype=object))
    p, u = tree.query(geoms, predicate="covered_by")
    out[p[::-1]] = u[::-1]                    # the first unit listed wins a shared edge
    left = np.flatnonzero(out < 0)
    if left.size and edge_m > 0:
        p2, u2 = tree.query_nearest(geoms[left], max_distance=edge_m)
        out[left[p2[::-1]]] = u2[::-1]
    return out


def unit_scopes(project: Project) -> tuple[UnitScope, ...]:
    """The administrative units a study reports on side by side, from ``[scenario]
    plan_unit`` (the pre-2025 unit the plan was adopted for: its outline is the commune
    layer when the scenario has its own, else the union of the hamlets, since no public
    outline of the old units exists) and ``[scenario] unit`` (the 2025 unit: its bundled
    boundary). Empty when the scenario names neither."""
    from coverage_gis.io import units as admin

    sc = project.scenario
    if sc.province is not None:
        return province_scopes(project)
    scopes: list[UnitScope] = []
    bundled = [str(admin.UNITS_FILE)] == list(project.sources.get("commune", []))
    unit = admin.find_unit(sc.unit) if sc.unit is not None else None
    if sc.plan_unit is not None:
        old = admin.old_unit(sc.plan_unit)
        # init's copy of the 2025 unit's boundary is no outline of the old commune either
        bundled = bundled or (project.commune is not None and unit is not None
                              and admin.is_unit_outline(project.commune, unit))
        if project.commune is not None and not bundled:
            geom, basis = project.commune.union_all(), "commune_layer"
        elif project.hamlets is not None:
            geom, basis = project.hamlets_union(), "hamlets"
        else:
            geom, basis = None, ""
        if geom is not None:
            scopes.append(UnitScope("plan", old.code, old.full_name, geom, basis))
    if unit is not None:
        geom = unit.frame().to_crs(project.crs).union_all()
        scopes.append(UnitScope("current", unit.code, unit.full_name, geom,
                                          "bundled_boundary"))
    return tuple(scopes)


def province_scopes(project: Project) -> tuple[UnitScope, ...]:
    """Every 2025 unit of ``[scenario] province`` (role ``unit``), from its bundled boundary,
    in the project's CRS, in the order of their codes."""
    sc = project.scenario
    if sc.province is None:
        return ()
    return province_units(sc.province, project.crs)


def merged_plan_unit(project: Project) -> UnitScope | None:
    """The outline of ``[scenario] plan_unit`` (:func:`unit_scopes`) when the 2025 mapping
    says it went whole into ``[scenario] unit``: its territory is the unit's, wherever the
    two outlines, from different surveys, disagree. None otherwise."""
    from coverage_gis.io import units as admin

    sc = project.scenario
    if sc.plan_unit is None or sc.unit is None or sc.province is not None:
        return None
    if admin.old_unit(sc.plan_unit).share_in(admin.find_unit(sc.unit).code) != "full":
        return None
    return next((s for s in unit_scopes(project) if s.role == "plan"), None)


def current_unit(project: Project) -> UnitScope | None:
    """The territory new towers are planned on: the 2025 unit when the scenario names one
    (the authority since 1 July 2025), else None (the commune layer, else the hamlets: the
    engines' default)."""
    scopes = [s for s in unit_scopes(project) if s.role == "current"]
    return scopes[0] if scopes else None
