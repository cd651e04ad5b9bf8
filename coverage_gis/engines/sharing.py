"""Tower sharing: physical towers from cells, the BTS sharing ratio (M5), sharing candidates.

A tower is a physical structure holding one or more operators' cells. Cells are grouped by
``tower_id`` when the file gives it, and by proximity (cells within ``tower_distance_m``
of each other, chained, whatever their ids: one position). M5 is, by default, the share
of tower positions used by two or more operators (how the plan counts it); the alternative
counts operator installations on shared towers over all installations.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from coverage_gis.config import settings
from coverage_gis.config.params import SharingParams
from coverage_gis.engines.indicators import SHARING_METHODS, SharingRatio
from coverage_gis.errors import InputError
from coverage_gis.io.schema import require_cell_columns, tower_keys, tower_parts

__all__ = ["SharingParams", "towers", "sharing_ratio", "sharing_candidates",
           "ratio_if_realised"]


def _join(values: Any) -> str:
    return ", ".join(sorted(set(values)))


def _members(codes: np.ndarray) -> list[np.ndarray]:
    """The positions holding each code 0, 1, ... of ``codes`` (integers from 0), in order."""
    if not len(codes):
        return []
    return np.split(np.argsort(codes, kind="stable"), np.cumsum(np.bincount(codes))[:-1])


def _distinct(values: Any) -> int:
    """How many distinct values, missing ones left out (as pandas' ``nunique``)."""
    return len({v for v in values if not pd.isna(v)})


def towers(cells: gpd.GeoDataFrame, distance_m: float = settings.TOWER_GROUPING_M
           ) -> gpd.GeoDataFrame:
    """Physical towers from cells (metric CRS).

    Cells with the same ``tower_id`` (case and surrounding spaces ignored:
    :func:`~coverage_gis.io.schema.tower_keys`) are one tower, named by its first cell's
    spelling, unless they stand farther than ``settings.TOWER_ID_SPLIT_M`` apart
    (:func:`~coverage_gis.io.schema.tower_parts`: then the later towers are ``ID#2``...);
    and any cell joins every cell within ``distance_m`` (chained, single linkage), whatever
    their ids: one tower position, as the plan's M5 counts them (operators' exports give a
    shared mast each its own code). Returns one row per tower: ``tower_id`` (given, or
    ``T1``, ``T2``, ... for derived ones), ``operators``, ``n_operators``, ``existing_operators``
    and ``n_existing_operators`` (operators with cells on air), ``technologies``, ``n_cells``,
    ``existing_technologies`` and ``n_existing_cells`` (of its cells on air: an existing
    tower's planned 5G is in ``technologies`` only; found by a cross-output review),
    ``status`` (existing when any cell is on air, else planned), ``cell_ids``, ``tower_ids``
    (the ids of its cells, first the one it is named by) and the geometry (the mean position
    of its cells); with cells that carry ``position_approximate`` (OpenCelliD's estimated
    masts), ``position_approximate`` too (any of its cells').
    """
    if cells.crs is None or not cells.crs.is_projected:
        raise InputError("towers() needs cells in a projected (metric) CRS")
    require_cell_columns(cells, "towers()", ("site_id", "operator", "technology", "status"))
    cells = cells.reset_index(drop=True)
    n = len(cells)
    given = cells["tower_id"] if "tower_id" in cells else pd.Series([None] * n)
    given = given.where(given.notna() & (given.astype(str).str.strip() != ""), None)
    keys = tower_keys(given)  # BSN-T01 and bsn-t01 are one mast (found by fuzzing)
    x, y = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
    parts = tower_parts(keys, x, y)  # one id on two masts far apart: two towers
    rows, cols = [], []
    # same tower_id, on one spot
    for _, idx in pd.Series(range(n))[parts >= 0].groupby(parts[parts >= 0]):
        idx = idx.to_numpy()
        rows += [idx[0]] * len(idx)
        cols += list(idx)
    # proximity, whatever the ids: the plan's M5 counts tower positions, and operators'
    # exports give a shared mast each its own code (found by a review: two operators' ids
    # 0 m apart were two unshared towers, M5 33 % -> 0 %; OpenCelliD's masts, one per
    # operator's eNB, could never be shared)
    if n:
        tree = shapely.STRtree(cells.geometry.values)
        a, b = tree.query(cells.geometry.values, predicate="dwithin", distance=distance_m)
        rows += list(a)
        cols += list(b)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    # towers in the order of their first cell; each tower's cells in file order
    by_tower = _members(pd.factorize(label)[0])
    operator = cells["operator"].to_numpy(dtype=object)
    planned = (cells["status"] == "planned").to_numpy()
    technology = cells["technology"].to_numpy(dtype=object)
    site_id = cells["site_id"].astype(str).to_numpy(dtype=object)
    given_ids = given.to_numpy(dtype=object)
    key_of = keys.to_numpy(dtype=object)
    approximate = (cells["position_approximate"].fillna(False).astype(bool).to_numpy()
                   if "position_approximate" in cells else None)
    out = []
    derived = 0
    named: dict[str, int] = {}  # towers per id so far: the second on another spot is ID#2
    spelling: dict[str, Any] = {}  # each id as the file first spells it
    for key, text in zip(key_of, given_ids):
        if not pd.isna(key):
            spelling.setdefault(key, text)
    for members in by_tower:
        keyed = [k for k in key_of[members] if not pd.isna(k)]
        if keyed:
            named[keyed[0]] = named.get(keyed[0], 0) + 1
            count = named[keyed[0]]
            tid = spelling[keyed[0]] if count == 1 else f"{spelling[keyed[0]]}#{count}"
        else:
            derived += 1
            tid = f"T{derived}"
        ops = operator[members]
        on_air = ops[~planned[members]]
        techs = set(technology[members])
        techs_on_air = set(technology[members][~planned[members]])
        out.append({
            "tower_id": tid,
            "operators": _join(ops),
            "n_operators": _distinct(ops),
            "existing_operators": _join(on_air),
            "n_existing_operators": _distinct(on_air),
            "technologies": ", ".join(t for t in settings.TECHNOLOGIES if t in techs),
            "n_cells": len(members),
            "existing_technologies": ", ".join(t for t in settings.TECHNOLOGIES
                                               if t in techs_on_air),
            "n_existing_cells": int((~planned[members]).sum()),
            "status": "existing" if len(on_air) else "planned",
            "cell_ids": ", ".join(site_id[members]),
            "tower_ids": ", ".join(dict.fromkeys(spelling[k] for k in keyed)),
            "geometry": shapely.Point(x[members].mean(), y[members].mean()),
            **({} if approximate is None
               else {"position_approximate": bool(approximate[members].any())}),
        })
    columns = TOWER_COLUMNS + ([] if approximate is None else ["position_approximate"])
    return gpd.GeoDataFrame(out, columns=columns, geometry="geometry", crs=cells.crs)


#: Columns of :func:`towers` (one row per tower; none when there are no cells).
TOWER_COLUMNS = ["tower_id", "operators", "n_operators", "existing_operators",
                 "n_existing_operators", "technologies", "n_cells", "existing_technologies",
                 "n_existing_cells", "status", "cell_ids", "tower_ids", "geometry"]


def sharing_ratio(towers_gdf: gpd.GeoDataFrame, include_planned: bool = False,
                  method: str = "towers") -> SharingRatio:
    """M5 for existing towers (``include_planned=False``, operators on air only) or with the
    planned ones. ``method="towers"``: towers used by 2+ operators / all towers;
    ``"installations"``: operator installations on shared towers / all installations."""
    if method not in SHARING_METHODS:
        raise ValueError(f"method must be one of {SHARING_METHODS}, got {method!r}")
    t = towers_gdf
    if include_planned:
        n_ops = t["n_operators"]
    else:
        t = t[t["status"] == "existing"]
        n_ops = t["n_existing_operators"]
    shared = n_ops >= 2
    if method == "towers":
        return SharingRatio(method, int(shared.sum()), len(t))
    return SharingRatio(method, int(n_ops[shared].sum()), int(n_ops.sum()))


def sharing_candidates(towers_gdf: gpd.GeoDataFrame, params: SharingParams | None = None,
                       urban_areas: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Pairs of towers where sharing would serve, ranked.

    - ``share-instead-of-build``: a planned tower within the candidate distance of an existing
      tower that carries another operator: the planned operator could share that tower.
    - ``consolidate``: two existing towers with different operator sets within the candidate
      distance: one operator could move onto the other's tower.

    The distance is ``candidate_distance_m`` (500 m by default) or, when either tower lies in
    ``urban_areas``, ``urban_candidate_distance_m`` (100 m). Ranked by kind (share instead of
    build first), then distance. Geometry: the line between the two towers. When the towers
    carry ``inside_unit`` (:func:`coverage_gis.engines.territory.inside_unit`), each pair
    carries it for both ends: ``inside_unit_a``, ``inside_unit_b`` (pairs across the
    boundary are listed too).
    """
    params = params or SharingParams()
    t = towers_gdf.reset_index(drop=True)
    cols = ["rank", "kind", "tower_a", "tower_b", "operators_a", "operators_b", "status_a",
            "status_b", "distance_m", "max_distance_m", "geometry"]
    if "inside_unit" in t.columns:
        cols[-1:-1] = ["inside_unit_a", "inside_unit_b"]
    if len(t) < 2:
        return gpd.GeoDataFrame(columns=cols, geometry="geometry", crs=t.crs)
    urban = np.zeros(len(t), dtype=bool)
    if urban_areas is not None and len(urban_areas):
        urban = t.intersects(urban_areas.to_crs(t.crs).union_all()).to_numpy()
    tree = shapely.STRtree(t.geometry.values)
    a, b = tree.query(t.geometry.values, predicate="dwithin",
                      distance=max(params.candidate_distance_m, params.urban_candidate_distance_m))
    keep = a < b
    a, b = a[keep], b[keep]
    out = []
    for i, j in zip(a, b):
        ti, tj = t.iloc[i], t.iloc[j]
        d = ti.geometry.distance(tj.geometry)
        limit = (params.urban_candidate_distance_m if (urban[i] or urban[j])
                 else params.candidate_distance_m)
        if d > limit:
            continue
        ops_i = set(ti["operators"].split(", "))
        ops_j = set(tj["operators"].split(", "))
        if ti["status"] == "planned" and tj["status"] == "planned":
            continue
        if "planned" in (ti["status"], tj["status"]):
            planned, existing = (ti, tj) if ti["status"] == "planned" else (tj, ti)
            other = set(existing["existing_operators"].split(", ")) - set(
                planned["operators"].split(", "))
            if not other:
                continue
            kind = "share-instead-of-build"
            first, second = planned, existing
        else:
            if ops_i == ops_j:
                continue
            kind = "consolidate"
            first, second = ti, tj
        out.append({"kind": kind, "tower_a": first["tower_id"], "tower_b": second["tower_id"],
                    "operators_a": first["operators"], "operators_b": second["operators"],
                    "status_a": first["status"], "status_b": second["status"],
                    "distance_m": round(float(d), 1), "max_distance_m": limit,
                    **({"inside_unit_a": bool(first["inside_unit"]),
                        "inside_unit_b": bool(second["inside_unit"])}
                       if "inside_unit" in t.columns else {}),
                    "geometry": shapely.LineString([first.geometry, second.geometry])})
    if not out:
        return gpd.GeoDataFrame(columns=cols, geometry="geometry", crs=t.crs)
    res = gpd.GeoDataFrame(out, geometry="geometry", crs=t.crs)
    res["_k"] = (res["kind"] != "share-instead-of-build").astype(int)
    res = res.sort_values(["_k", "distance_m"]).drop(columns="_k").reset_index(drop=True)
    res.insert(0, "rank", np.arange(1, len(res) + 1))
    return res


def ratio_if_realised(towers_gdf: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame,
                      method: str = "towers") -> SharingRatio:
    """M5 (with planned towers) if every candidate pair were merged into one tower. Pairs
    whose towers are not both in ``towers_gdf`` are left out (M5 on the unit's territory
    passes only the towers inside: a pair across the boundary would move a position out of
    the unit or bring a neighbour's in, so it is not counted)."""
    t = towers_gdf.reset_index(drop=True)
    pos = {tid: k for k, tid in enumerate(t["tower_id"])}
    n = len(t)
    candidates = candidates[candidates["tower_a"].isin(pos) & candidates["tower_b"].isin(pos)]
    rows = [pos[a] for a in candidates["tower_a"]] + list(range(n))
    cols = [pos[b] for b in candidates["tower_b"]] + list(range(n))
    _, label = connected_components(coo_matrix((np.ones(len(rows)), (rows, cols)),
                                               shape=(n, n)), directed=False)
    merged = []
    operators = t["operators"].to_numpy(dtype=object)
    for members in _members(label):
        ops: set[str] = set()
        for s in operators[members]:
            ops |= set(s.split(", "))
        merged.append({"n_operators": len(ops), "n_existing_operators": len(ops),
                       "status": "existing"})
    frame = pd.DataFrame(merged, columns=["n_operators", "n_existing_operators", "status"])
    return sharing_ratio(frame, include_planned=True, method=method)
