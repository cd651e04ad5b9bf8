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

import geopandas as gpd
import numpy as np
import shapely

from coverage_gis.config import settings

__all__ = ["UNIT_BASES", "unit_area", "inside_unit"]

#: Where the unit polygon comes from: the commune boundary layer, or the hamlets' union.
UNIT_BASES = ("commune", "hamlets")


def unit_area(commune: gpd.GeoDataFrame | None, hamlets: gpd.GeoDataFrame | None
              ) -> tuple[shapely.Geometry | None, str | None]:
    """The unit polygon and its basis code: the commune layer's union when there is one,
    else the hamlets' union (``(None, None)`` with neither). Layers in the project's CRS."""
    if commune is not None and len(commune):
        return commune.union_all(), "commune"
    if hamlets is not None and len(hamlets):
        return hamlets.union_all(), "hamlets"
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
