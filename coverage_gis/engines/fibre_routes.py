"""Fibre routes: operators' route pieces joined into continuous lines (:func:`merge_routes`).

Operators' KML exports cut a route into pieces, store some backwards and leave the ends a few
metres apart; the fibre engine (:mod:`coverage_gis.engines.fibre`) measures reach to the merged
lines when there are no drop boxes (:mod:`coverage_gis.engines.fibre_reach`), and the GPON check
takes the start of an operator's longest one for its OLT when no OLT is given
(:mod:`coverage_gis.engines.gpon`).
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

__all__ = ["merge_routes"]


# --------------------------------------------------------------------------------------------
# Fibre routes: merging fragments
# --------------------------------------------------------------------------------------------

_PIECE_SUFFIX = re.compile(r"[\s\-–—:,.(#]*(đoạn|doan|đ\.|section|part|seg(ment)?|piece)?"
                           r"[\s\-–—:,.#]*\d*[\s)]*$", re.IGNORECASE)


def _route_name(names: list[str]) -> str:
    names = [str(n) for n in names if isinstance(n, str) and n.strip()]
    if not names:
        return ""
    if len(set(names)) == 1:
        return names[0]
    prefix = _PIECE_SUFFIX.sub("", _common_prefix(names)).strip(" -–—:,")
    return prefix if len(prefix) >= 3 else " + ".join(dict.fromkeys(names))


def _common_prefix(names: list[str]) -> str:
    first, last = min(names), max(names)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[:i]


def merge_routes(fibre: gpd.GeoDataFrame, tolerance_m: float = 5.0
                 ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Join fragmented and reversed route pieces into continuous lines, per operator.

    Operators' KML exports cut a route into pieces, store some backwards and leave the ends a
    few metres apart. Piece ends of one operator at most ``tolerance_m`` apart are snapped to
    their mean position; pieces meeting end to end (exactly two ends at a point) are then
    joined (:func:`shapely.line_merge`, ignoring direction). A merged line is oriented so that
    its pieces' input order (``đoạn 1, 2, ...``) increases along it; a piece running the other
    way was stored reversed. Ends that touch the middle of another line (branch points) are
    left alone.

    Parameters
    ----------
    fibre
        Route lines in a metric CRS with ``operator``; optional ``route_id``, ``name``,
        ``source``. Multi-part lines are split into their parts. Z values are dropped.
    tolerance_m
        Largest gap (m) between two piece ends that is closed.

    Returns
    -------
    merged : GeoDataFrame
        One row per merged line: ``route_id`` (the id of its first piece), ``operator``,
        ``name`` (the pieces' common name without "đoạn N"), ``pieces`` (ids in order along
        the line), ``n_pieces``, ``reversed_pieces``, ``source``, ``length_m``.
    report : DataFrame
        One row per joint between consecutive pieces: ``operator``, ``route_id`` (merged),
        ``from_route_id``, ``from_name``, ``from_reversed``, ``to_route_id``, ``to_name``,
        ``to_reversed``, ``gap_m`` (distance between the two ends as stored) and ``snapped``
        (``gap_m`` > 0: the ends were moved to meet).
    """
    report_cols = ["operator", "route_id", "from_route_id", "from_name", "from_reversed",
                   "to_route_id", "to_name", "to_reversed", "gap_m", "snapped"]
    out_cols = ["route_id", "operator", "name", "pieces", "n_pieces", "reversed_pieces",
                "source", "length_m"]
    if fibre is None or len(fibre) == 0:
        return (gpd.GeoDataFrame(columns=out_cols, geometry=[], crs=getattr(fibre, "crs", None)),
                pd.DataFrame(columns=report_cols))
    parts, which = shapely.get_parts(fibre.geometry.values, return_index=True)
    parts = shapely.force_2d(parts)
    keep = (~shapely.is_empty(parts) & (shapely.get_num_coordinates(parts) >= 2)
            & (shapely.length(parts) > 0))  # a part of length 0 joins nothing
    parts, which = parts[keep], which[keep]
    rows = fibre.iloc[which]
    ids = (rows["route_id"].astype(str).to_numpy() if "route_id" in rows
           else np.array([f"R{i + 1}" for i in which]))
    counts = pd.Series(which).value_counts()
    if (counts > 1).any():  # multi-part lines: number the parts
        nth = pd.Series(which).groupby(which).cumcount().to_numpy() + 1
        ids = np.array([f"{i}.{n}" if counts[w] > 1 else i for i, n, w in zip(ids, nth, which)])
    names = (rows["name"].to_numpy(object) if "name" in rows else ids.astype(object))
    operators = (rows["operator"].astype(object).fillna("unknown").to_numpy(object)
                 if "operator" in rows else np.full(len(parts), "unknown", dtype=object))
    sources = (rows["source"].to_numpy(object) if "source" in rows
               else np.full(len(parts), None, dtype=object))

    merged_rows: list[dict[str, Any]] = []
    merged_geoms: list[shapely.LineString] = []
    joints: list[dict[str, Any]] = []
    for op in pd.unique(operators):
        sel = np.flatnonzero(operators == op)
        coords = [shapely.get_coordinates(g) for g in parts[sel]]
        ends = np.array([[c[0], c[-1]] for c in coords]).reshape(-1, 2)  # 2k x 2
        snapped_ends = ends.copy()
        if len(ends) > 1 and tolerance_m > 0:
            pairs = cKDTree(ends).query_pairs(tolerance_m, output_type="ndarray")
            pairs = pairs[pairs[:, 0] // 2 != pairs[:, 1] // 2]
            if len(pairs):
                adj = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                                        shape=(len(ends), len(ends)))
                _, label = csgraph.connected_components(adj, directed=False)
                centre = (pd.DataFrame(ends).groupby(label).transform("mean")).to_numpy()
                snapped_ends = centre
        pieces = []
        for k, c in enumerate(coords):
            c = c.copy()
            c[0], c[-1] = snapped_ends[2 * k], snapped_ends[2 * k + 1]
            pieces.append(shapely.LineString(c))
        lines = shapely.get_parts(shapely.line_merge(shapely.MultiLineString(pieces)))
        tree = shapely.STRtree(lines)
        mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
        owner = tree.query_nearest(mids, all_matches=False)[1]
        starts = shapely.points(snapped_ends[0::2])
        stops = shapely.points(snapped_ends[1::2])
        by_line = pd.Series(np.arange(len(owner))).groupby(owner).indices
        for li, line in enumerate(lines):
            # positions within sel, in input order
            mine = np.sort(by_line.get(li, np.zeros(0, dtype=np.int64)))
            ps = shapely.line_locate_point(line, starts[mine])
            pe = shapely.line_locate_point(line, stops[mine])
            rev = ps > pe
            pos = np.minimum(ps, pe)
            # Orient the line so that the pieces' input order increases along it.
            if len(mine) > 1:
                flip = np.corrcoef(mine, pos)[0, 1] < 0 if np.ptp(pos) > 0 else False
            else:
                flip = bool(rev[0])
            if flip:
                line = shapely.reverse(line)
                rev = ~rev
                pos = line.length - np.maximum(ps, pe)
            order = mine[np.argsort(pos, kind="stable")]
            rev_of = dict(zip(mine, rev))
            gid = sel[order]
            merged_geoms.append(line)
            merged_rows.append({
                "route_id": ids[sel[mine[0]]], "operator": op,
                "name": _route_name([names[sel[m]] for m in np.sort(mine)]),
                "pieces": ", ".join(ids[gid]), "n_pieces": len(order),
                "reversed_pieces": ", ".join(ids[sel[m]] for m in order if rev_of[m]),
                "source": "; ".join(dict.fromkeys(str(s) for s in sources[gid] if s is not None
                                                  and s == s)) or None,
                "length_m": float(line.length)})
            for a, b in zip(order[:-1], order[1:]):
                ca, cb = coords[a], coords[b]
                end_a = ca[0] if rev_of[a] else ca[-1]
                start_b = cb[-1] if rev_of[b] else cb[0]
                gap = float(np.hypot(*(end_a - start_b)))
                joints.append({
                    "operator": op, "route_id": ids[sel[mine[0]]],
                    "from_route_id": ids[sel[a]], "from_name": names[sel[a]],
                    "from_reversed": bool(rev_of[a]),
                    "to_route_id": ids[sel[b]], "to_name": names[sel[b]],
                    "to_reversed": bool(rev_of[b]), "gap_m": round(gap, 3),
                    "snapped": gap > 1e-3})
    merged = gpd.GeoDataFrame(pd.DataFrame(merged_rows, columns=out_cols),
                              geometry=merged_geoms, crs=fibre.crs)
    return merged, pd.DataFrame(joints, columns=report_cols)

