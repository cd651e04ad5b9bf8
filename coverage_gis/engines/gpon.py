"""GPON optical budget of the drop boxes, for the fibre engine
(:mod:`coverage_gis.engines.fibre`).

* **GPON** (:func:`gpon_budget`): the optical loss from the OLT to each drop box and a home
  behind it, against the ODN class budget (ITU-T G.984.2), when the data give an OLT position.
  Fibre from the OLT to a box runs along the roads (:mod:`coverage_gis.engines.road_graph`),
  the straight-line fallback off them, as for household reach
  (:mod:`coverage_gis.engines.fibre_reach`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gis.config import settings
from coverage_gis.config.params import FibreParams, GponParams
from coverage_gis.engines.fibre_reach import (
    BASIS_NETWORK,
    _fallback_nearest,
    _to_crs,
    _xy,
    drop_boxes,
)
from coverage_gis.engines.fibre_routes import merge_routes
from coverage_gis.engines.road_graph import (
    RoadNetwork,
    _Graph,
    _lower,
    _require_metric,
    road_graph,
)

__all__ = ["GponBoxBudget", "GponCheck", "splitter_loss_db", "split_stages",
           "optical_loss_db", "gpon_budget", "GPON_NOTES"]


# --------------------------------------------------------------------------------------------
# GPON optical budget
# --------------------------------------------------------------------------------------------

#: Why the GPON check did not run (:attr:`GponCheck.note`), or a box has no budget
#: (:attr:`GponBoxBudget.note`).
GPON_NOTES = ("no_access_points", "no_drop_boxes", "no_olt_position", "no_olt_for_operator",
              "split_ratio_unknown")


@dataclass(frozen=True)
class GponBoxBudget:
    """The optical budget from the OLT to a home behind one drop box (losses in dB).

    ``olt_basis``: ``olt_box`` (an access point of kind OLT) or ``route_start`` (the start of
    the operator's longest fibre route); ``distance_m`` OLT to box along the roads (``basis``
    as in :func:`household_reach`); ``fibre_km`` that plus the drop length (and
    ``feeder_km`` for a route start); ``split_ratio`` the tree's total split from
    ``split_stages``; ``margin_db`` = budget - total; ``note`` a :data:`GPON_NOTES` code when
    there is no budget, and then ``within_budget`` (and without an OLT ``within_reach``) is
    None: not checked.
    """

    ap_id: str
    operator: str | None
    olt: str | None
    olt_basis: str | None
    basis: str | None
    distance_m: float
    fibre_km: float
    split_stages: str
    split_ratio: int
    fibre_loss_db: float
    splitter_loss_db: float
    connectors: int
    connector_loss_db: float
    splices: int
    splice_loss_db: float
    total_loss_db: float
    budget_class: str
    budget_db: float
    margin_db: float
    within_budget: bool | None
    within_reach: bool | None
    note: str | None = None


@dataclass(frozen=True)
class GponCheck:
    """:func:`gpon_budget`'s answer: one budget per drop box, or the code of why the check
    was skipped (``note``, one of :data:`GPON_NOTES`)."""

    boxes: tuple[GponBoxBudget, ...] = ()
    note: str | None = None

    def table(self) -> pd.DataFrame:
        """One row per drop box, the fields of :class:`GponBoxBudget` as columns."""
        cols = [f.name for f in dataclasses.fields(GponBoxBudget)]
        out = pd.DataFrame([dataclasses.asdict(b) for b in self.boxes], columns=cols)
        for col in ("within_budget", "within_reach"):  # None: not checked
            out[col] = out[col].astype("boolean")
        return out


def splitter_loss_db(ratio: int, gpon: GponParams | None = None) -> float:
    """Insertion loss (dB) of a 1:``ratio`` splitter (``gpon.splitter_loss_db``; 0 for 1:1,
    NaN for a ratio the table does not hold)."""
    gpon = gpon or GponParams()
    if ratio <= 1:
        return 0.0
    return float(gpon.splitter_loss_db.get(int(ratio), float("nan")))


def split_stages(ports: float | None, gpon: GponParams | None = None) -> tuple[int, ...]:
    """The splitters between the OLT and a home of a drop box with ``ports`` ports: the box's
    own 1:N (N the power of two at least ``ports``) after a first level making up
    ``gpon.split_ratio``; the design total alone when the ports are unknown."""
    gpon = gpon or GponParams()
    total = gpon.split_ratio
    if ports is None or not np.isfinite(ports) or ports <= 1:
        return (total,)
    own = 2 ** math.ceil(math.log2(float(ports)) - 1e-12)
    return (own,) if own >= total else (total // own, own)


def _loss_parts(fibre_km: float, stages: Sequence[int], gpon: GponParams
                ) -> dict[str, Any]:
    splices = gpon.splices + int(fibre_km // gpon.cable_section_km)
    parts = {"fibre_loss_db": fibre_km * gpon.loss_db_per_km,
             "splitter_loss_db": float(sum(splitter_loss_db(r, gpon) for r in stages)),
             "connectors": gpon.connectors,
             "connector_loss_db": gpon.connectors * gpon.connector_loss_db,
             "splices": splices, "splice_loss_db": splices * gpon.splice_loss_db}
    parts["total_loss_db"] = (parts["fibre_loss_db"] + parts["splitter_loss_db"]
                              + parts["connector_loss_db"] + parts["splice_loss_db"])
    return parts


def optical_loss_db(fibre_km: float, split_ratios: Sequence[int],
                    gpon: GponParams | None = None) -> float:
    """Total optical loss (dB) of a GPON path: ``fibre_km`` x dB/km + the splitters'
    insertion losses (one per ratio in ``split_ratios``) + ``gpon.connectors`` connector
    pairs + ``gpon.splices`` splices and one more per ``cable_section_km`` of fibre."""
    return _loss_parts(fibre_km, split_ratios, gpon or GponParams())["total_loss_db"]


@dataclass
class _Olts:
    xy: np.ndarray
    ids: np.ndarray
    operator: np.ndarray
    basis: str


def _olt_positions(access_points: gpd.GeoDataFrame, fibre: gpd.GeoDataFrame | None,
                   params: FibreParams) -> _Olts | None:
    """OLT positions: access points of an OLT kind, else the start of each operator's longest
    merged fibre route, else None."""
    kinds = (access_points["kind"].astype(object).map(
        lambda k: str(k).strip().lower() if isinstance(k, str) else "")
        if "kind" in access_points else pd.Series("", index=access_points.index))
    olt = access_points[kinds.isin(_lower(settings.FIBRE_OLT_KINDS)).to_numpy()]
    if len(olt):
        ops = (olt["operator"].astype(object).to_numpy(object) if "operator" in olt
               else np.full(len(olt), None, dtype=object))
        ids = (olt["ap_id"].astype(str).to_numpy(object) if "ap_id" in olt
               else np.array([f"OLT{i + 1}" for i in range(len(olt))], dtype=object))
        return _Olts(_xy(olt), ids, ops, "olt_box")
    if fibre is None or not len(fibre):
        return None
    merged, _ = merge_routes(fibre, params.snap_tolerance_m)
    trunk = merged.sort_values("length_m", ascending=False).drop_duplicates("operator")
    xy = np.array([shapely.get_coordinates(line)[0] for line in trunk.geometry.values])
    return _Olts(xy.reshape(-1, 2), trunk["route_id"].to_numpy(object),
                 trunk["operator"].to_numpy(object), "route_start")


def gpon_budget(access_points: gpd.GeoDataFrame | None, roads: gpd.GeoDataFrame | None = None,
                fibre: gpd.GeoDataFrame | None = None, params: FibreParams | None = None,
                gpon: GponParams | None = None, *, network: RoadNetwork | None = None
                ) -> GponCheck:
    """The GPON optical budget of every drop box, when the data give an OLT position.

    The OLT is an access point of kind ``olt`` (``settings.FIBRE_OLT_KINDS``) of the box's
    operator, else the start of the operator's longest fibre route (its trunk, as
    :func:`merge_routes` orients it: first piece first), an **assumption** that the trunk
    starts at the exchange side. Fibre from the OLT to a box runs along the roads (the
    straight-line fallback off them), plus ``max_drop_m`` to a home at the end of the drop
    (and ``gpon.feeder_km`` before a route start). Loss = fibre x dB/km + splitters
    (:func:`split_stages`) + connectors + splices (:func:`optical_loss_db`), against the
    class budget (``gpon.budget_class``, ITU-T G.984.2); ``within_reach``: fibre at most
    ``gpon.max_reach_km`` (ITU-T G.984.1).

    Returns
    -------
    GponCheck
        One :class:`GponBoxBudget` per drop box, or ``note`` ``no_access_points``,
        ``no_drop_boxes`` or ``no_olt_position`` when the check cannot run.
    """
    params = params or FibreParams()
    gpon = gpon or GponParams()
    if access_points is None or not len(access_points):
        return GponCheck(note="no_access_points")
    _require_metric(access_points, "access_points")
    crs = access_points.crs
    drop = drop_boxes(access_points)
    if drop is None:
        return GponCheck(note="no_drop_boxes")
    olts = _olt_positions(access_points, _to_crs(fibre, crs), params)
    if olts is None:
        return GponCheck(note="no_olt_position")
    net = network if network is not None else road_graph(_to_crs(roads, crs))
    g = _Graph(net, [_xy(drop), olts.xy], params.connector_max_m)
    dist, which, basis = _olt_distances(g, drop, olts, params)
    ids = (drop["ap_id"].astype(str).to_numpy(object) if "ap_id" in drop
           else np.array([f"AP{i + 1}" for i in range(len(drop))], dtype=object))
    ops = (drop["operator"].astype(object).to_numpy(object) if "operator" in drop
           else np.full(len(drop), None, dtype=object))
    ports = (pd.to_numeric(drop["ports_total"], errors="coerce").to_numpy(float)
             if "ports_total" in drop else np.full(len(drop), np.nan))
    feeder = gpon.feeder_km if olts.basis == "route_start" else 0.0
    rows = []
    for i in range(len(drop)):
        rows.append(_box_budget(ids[i], ops[i], dist[i], which[i], basis[i], ports[i],
                                olts, feeder, params, gpon))
    return GponCheck(tuple(rows))


def _olt_distances(g: _Graph, drop: gpd.GeoDataFrame, olts: _Olts, params: FibreParams
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per drop box: distance (m) to the nearest OLT of its operator (an OLT without operator
    serves all), that OLT's index (-1 none), and the distance's basis."""
    n = len(drop)
    box_node, olt_node = g.point_node
    box_att, olt_att = g.attached(0), g.attached(1)
    box_xy = g.node_xy[box_node]
    ops = (drop["operator"].astype(object).to_numpy(object) if "operator" in drop
           else np.full(n, None, dtype=object))
    dist = np.full(n, np.inf)
    which = np.full(n, -1, dtype=np.int64)
    basis = np.full(n, None, dtype=object)
    olt_of_node = np.full(g.n, -1, dtype=np.int64)
    olt_of_node[olt_node] = np.arange(len(olts.xy))
    for op in pd.unique(olts.operator):
        mine = np.array([o is None or op is None or o == op for o in olts.operator])
        boxes = np.flatnonzero(np.array([op is None or o is None or o == op for o in ops]))
        if not len(boxes):
            continue
        src = np.flatnonzero(mine & olt_att)
        if len(src):
            d, _, origin = g.dijkstra(olt_node[src], predecessors=True)
            d_box = d[box_node[boxes]]
            better = box_att[boxes] & (d_box < dist[boxes])
            dist[boxes[better]] = d_box[better]
            which[boxes[better]] = olt_of_node[origin[box_node[boxes[better]]]]
            basis[boxes[better]] = BASIS_NETWORK
        # the fallback, as for reach: boxes with no road path to any OLT, to the nearest; every
        # box to OLTs off the roads, if nearer
        cand = np.flatnonzero(mine)
        no_road = boxes[~np.isfinite(dist[boxes])]
        for b, o in ((no_road, cand), (boxes, cand[~olt_att[cand]])):
            if not len(b) or not len(o):
                continue
            d_fb, i_fb = _fallback_nearest(box_xy[b], olts.xy[o], params.detour_factor)
            better = d_fb < dist[b]
            dist[b[better]] = d_fb[better]
            which[b[better]] = o[i_fb[better]]
            basis[b[better]] = params.fallback_basis
    return dist, which, basis


def _box_budget(ap_id: str, operator: Any, distance_m: float, olt: int, basis: Any,
                ports: float, olts: _Olts, feeder_km: float, params: FibreParams,
                gpon: GponParams) -> GponBoxBudget:
    stages = split_stages(ports, gpon)
    found = olt >= 0 and bool(np.isfinite(distance_m))
    fibre_km = (distance_m + params.max_drop_m) / 1000.0 + feeder_km if found else np.nan
    parts = _loss_parts(fibre_km if found else 0.0, stages, gpon)
    note = None
    if not found:
        note = "no_olt_for_operator"
        parts = {k: (np.nan if k.endswith("_db") else v) for k, v in parts.items()}
    elif not np.isfinite(parts["splitter_loss_db"]):
        note = "split_ratio_unknown"
    margin = gpon.budget_db - parts["total_loss_db"] if note is None else float("nan")
    return GponBoxBudget(
        ap_id=str(ap_id), operator=None if operator is None else str(operator),
        olt=str(olts.ids[olt]) if olt >= 0 else None,
        olt_basis=olts.basis if olt >= 0 else None, basis=basis,
        distance_m=round(float(distance_m), 3) if np.isfinite(distance_m) else float("nan"),
        fibre_km=round(float(fibre_km), 4) if found else float("nan"),
        split_stages=" x ".join(f"1:{r}" for r in stages), split_ratio=int(np.prod(stages)),
        fibre_loss_db=_r3(parts["fibre_loss_db"]),
        splitter_loss_db=_r3(parts["splitter_loss_db"]), connectors=int(parts["connectors"]),
        connector_loss_db=_r3(parts["connector_loss_db"]), splices=int(parts["splices"]),
        splice_loss_db=_r3(parts["splice_loss_db"]), total_loss_db=_r3(parts["total_loss_db"]),
        budget_class=gpon.budget_class, budget_db=gpon.budget_db,
        margin_db=round(margin, 3) if np.isfinite(margin) else float("nan"),
        # not checked (no OLT, split unknown): None, not a failure (found by fuzzing: a box
        # of an operator without OLT was counted as over budget)
        within_budget=bool(margin >= 0) if np.isfinite(margin) else None,
        within_reach=bool(fibre_km <= gpon.max_reach_km) if found else None,
        note=note)


def _r3(value: float) -> float:
    return round(float(value), 3)
