"""Fibre as it is built (issue 11): homes passed without a port condition, splitters that feed
boxes, the GPON optical budget, buildable gap extensions (boxes of a given size, a Steiner tree
of cable along the roads, crossings, cost), and F1 from household subscriptions with its
data-quality flags.

Every expected number is worked out by hand in the comments; the extension's cable is also
checked against an exact Steiner tree found by brute force over Steiner-point subsets (the
minimum over subsets S of the graph's junctions of the minimum spanning tree of the metric
closure on terminals + S), computed here with scipy independently of the engine.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse
from scipy.sparse import csgraph

import coverage_gis as cg
from coverage_gis.engines import fibre as fb
from coverage_gis.engines import fibre_extensions as fx
from coverage_gis.engines import targets
from coverage_gis.engines.fibre import BuildParams, FibreParams, GponParams
from coverage_gis.engines.indicators import (
    HamletIndicator,
    Indicators,
    SharingIndicator,
    SharingRatio,
)
from coverage_gis.errors import InputError
from coverage_gis.outputs import i18n
from coverage_gis.outputs.fibre_text import build_text, extension_table, gpon_text
from coverage_gis.outputs.indicators import (
    TOTAL_SUBSCRIPTIONS_ONLY,
    f1_flag_texts,
    f1_note_text,
    indicators_json,
    scorecard_table,
)

from .test_fibre import UTM, X0, Y0, hamlet_polygons, houses, line, pt, roads


def boxes(*rows: tuple, operator: str = "Viettel") -> gpd.GeoDataFrame:
    """rows: (ap_id, kind, x, y, ports_total, ports_used)."""
    return gpd.GeoDataFrame(
        {"ap_id": [r[0] for r in rows], "operator": operator, "kind": [r[1] for r in rows],
         "ports_total": [float(r[4]) if len(r) > 4 else np.nan for r in rows],
         "ports_used": [float(r[5]) if len(r) > 5 else np.nan for r in rows]},
        geometry=[pt(r[2], r[3]) for r in rows], crs=UTM)


# --------------------------------------------------------------------------------------------
# Homes passed, connectable, splitters
# --------------------------------------------------------------------------------------------

def test_a_full_box_still_passes_its_homes():
    r = roads(line((0, 0), (1000, 0)))
    ap = boxes(("FULL", "FAT", 0, 0, 2, 2))          # 2 ports, both used
    hh = houses([(20, 10), (40, 10), (60, 10), (500, 10)])
    reach = fb.household_reach(hh, ap, r, None, FibreParams())
    # distances 30, 50, 70, 510 m: the first three are within 300 m (passed, whatever the
    # ports); the box's two ports hold its two nearest homes (connected today)
    assert reach["passed"].tolist() == [True, True, True, False]
    assert reach["connectable"].tolist() == [True, True, False, False]
    assert reach["port_limited"].tolist() == [False, False, True, False]
    t = fb.hamlet_fibre(reach, hamlet_polygons("A"), FibreParams(hamlet_rule="share",
                                                                  hamlet_share=0.75))
    row = t.iloc[0]
    assert (row["homes_passed"], row["homes_connectable"], row["homes_port_limited"]) == \
        (3, 2, 1)
    assert row["ftth_share"] == pytest.approx(3 / 4)              # no port condition
    assert row["ftth_connectable_share"] == pytest.approx(2 / 4)
    assert row["ftth_covered"]        # 75 % passed: a full box calls for a splitter, not cable


def test_a_splitter_is_not_a_drop_box():
    r = roads(line((0, 0), (1000, 0)))
    ap = boxes(("SPL", "Splitter", 0, 0, 8, 2), ("FAT", "FAT", 800, 0, 16, 0))
    assert fb.drop_boxes(ap)["ap_id"].tolist() == ["FAT"]
    hh = houses([(50, 10), (700, 10)])
    reach = fb.household_reach(hh, ap, r, None, FibreParams())
    # (50, 10) is 60 m from the splitter but 760 m from the drop box: not passed
    assert reach["access_point"].tolist() == ["FAT", "FAT"]
    assert reach["distance_m"].tolist() == pytest.approx([760, 110])
    assert reach["passed"].tolist() == [False, True]
    # only a splitter: nothing to measure to (no route either)
    alone = fb.household_reach(hh, ap.iloc[:1], r, None, FibreParams())
    assert (alone["basis"] == fb.BASIS_NONE).all() and not alone["passed"].any()
    # ... but a new cable may start from it: a box at the splitter passes the first house
    ext = fb.gap_extensions(reach, hamlet_polygons("A"), r, ap, None,
                            FibreParams(hamlet_rule="share", hamlet_share=1.0))
    e = ext.iloc[0]
    assert e["from_access_point"] == "SPL" and e["meets_rule"]
    assert e["cable_m"] == pytest.approx(0.0, abs=1e-6) and e["boxes"] == 1
    assert e["note_code"] == "within_reach_new_box" and e["new_boxes_without_cable"] == 1


def test_railway_lines_of_the_roads_layer_are_not_roads():
    r = roads(line((0, 0), (1000, 0)), line((0, 0), (0, 1000)))
    r.loc[1, "road_class"] = "railway"
    net = fb.road_graph(r)
    assert net.n_segments == 1 and net.length_m == pytest.approx(1000)


# --------------------------------------------------------------------------------------------
# GPON optical budget
# --------------------------------------------------------------------------------------------

def test_gpon_losses_by_hand():
    # ITU-T G.984.2: class B+ 28 dB (Amd. 1), C+ 32 dB (Amd. 2)
    assert GponParams().budget_db == 28.0 and GponParams(budget_class="C+").budget_db == 32.0
    assert fb.splitter_loss_db(8) == 10.5 and fb.splitter_loss_db(16) == 13.8
    assert fb.splitter_loss_db(32) == 17.1 and fb.splitter_loss_db(1) == 0.0
    # a 16-port box in a 1:64 tree: a 1:4 first level; 24 ports: 1:32 after a 1:2
    assert fb.split_stages(16) == (4, 16) and fb.split_stages(24) == (2, 32)
    assert fb.split_stages(None) == (64,) and fb.split_stages(128) == (128,)
    # 2.3 km x 0.35 + (7.3 + 13.8) + 4 x 0.5 + (4 + 1 section joint) x 0.1
    assert fb.optical_loss_db(2.3, (4, 16)) == pytest.approx(0.805 + 21.1 + 2.0 + 0.5)


def test_gpon_budget_per_box_from_an_olt_box():
    r = roads(line((0, 0), (30_000, 0)))
    ap = pd.concat([
        boxes(("OLT1", "olt", 0, 0), ("NEAR", "FAT", 2000, 0, 16, 3),
              ("FAR", "FAT", 30_000, 0, 8, 1), ("SPL", "splitter", 1000, 0, 8, 2)),
        boxes(("OTHER", "FAT", 2000, 0, 16, 3), operator="VNPT")], ignore_index=True)
    check = fb.gpon_budget(ap, r, None, FibreParams())
    assert check.note is None
    t = check.table().set_index("ap_id")
    assert list(t.index) == ["NEAR", "FAR", "OTHER"]        # drop boxes only
    near = t.loc["NEAR"]
    # fibre: 2000 m along the road + the 300 m drop = 2.3 km -> 0.805 dB; splitters 1:4 x 1:16
    # 21.1 dB; 4 connectors 2.0 dB; 4 splices + 1 per 2 km section 0.5 dB: 24.405 dB
    assert (near["olt"], near["olt_basis"], near["basis"]) == ("OLT1", "olt_box", "road network")
    assert near["fibre_km"] == pytest.approx(2.3)
    assert near["split_stages"] == "1:4 x 1:16" and near["split_ratio"] == 64
    assert near["total_loss_db"] == pytest.approx(24.405)
    assert near["margin_db"] == pytest.approx(28 - 24.405)
    assert near["within_budget"] and near["within_reach"]
    far = t.loc["FAR"]
    # 30.3 km -> 10.605 dB; 1:8 x 1:8 21.0 dB; 2.0 dB; (4 + 15) x 0.1 = 1.9 dB: 35.505 dB
    assert far["total_loss_db"] == pytest.approx(35.505)
    assert not far["within_budget"] and not far["within_reach"]        # > 20 km, G.984.1
    other = t.loc["OTHER"]                      # VNPT has no OLT here
    assert other["note"] == "no_olt_for_operator" and np.isnan(other["margin_db"])
    # not checked: neither within nor over (found by fuzzing: counted as over budget)
    assert pd.isna(other["within_budget"]) and pd.isna(other["within_reach"])
    from coverage_gis.outputs.fibre_text import gpon_text

    assert gpon_text(check.table(), None).startswith(
        "GPON class B+ (28 dB): 1 of 2 drop boxes within the optical budget")
    assert gpon_text(check.table(), None).endswith(
        "; 1 drop box(es) not checked (no OLT of their operator, or their split unknown)")
    c_plus = fb.gpon_budget(ap, r, None, FibreParams(), GponParams(budget_class="C+"))
    assert c_plus.table().set_index("ap_id").loc["NEAR", "margin_db"] == \
        pytest.approx(32 - 24.405)


def test_gpon_budget_from_a_route_start_or_skipped():
    r = roads(line((0, 0), (2000, 0)))
    ap = boxes(("NEAR", "FAT", 2000, 0, 16, 3))
    route = gpd.GeoDataFrame({"route_id": ["T1", "B1"], "operator": "Viettel",
                              "name": ["trục", "nhánh"]},
                             geometry=[line((0, 0), (2000, 0)), line((1000, 0), (1000, 50))],
                             crs=UTM)
    check = fb.gpon_budget(ap, r, route, FibreParams(), GponParams(feeder_km=1.0))
    row = check.table().iloc[0]
    # the OLT is taken at the start of the longest route, T1 at x = 0; plus 1 km of feeder:
    # 3.3 km -> 1.155 dB, 21.1 + 2.0 + 0.5 dB: 24.755 dB
    assert (row["olt"], row["olt_basis"]) == ("T1", "route_start")
    assert row["fibre_km"] == pytest.approx(3.3)
    assert row["total_loss_db"] == pytest.approx(24.755)
    assert fb.gpon_budget(ap, r, None).note == "no_olt_position"
    assert fb.gpon_budget(None, r, route).note == "no_access_points"
    assert fb.gpon_budget(boxes(("SPL", "splitter", 0, 0)), r, route).note == "no_drop_boxes"
    assert gpon_text(check.table(), None) == (
        "GPON class B+ (28 dB): 1 of 1 drop boxes within the optical budget, least margin "
        "3.2 dB; OLT taken at the start of each operator's longest route")
    assert gpon_text(None, "no_olt_position", "vi").startswith("bỏ qua kiểm tra GPON")


def test_gpon_parameters_are_checked():
    with pytest.raises(InputError, match="budget_class"):
        GponParams(budget_class="A")
    with pytest.raises(InputError, match="split_ratio"):
        GponParams(split_ratio=48)
    with pytest.raises(InputError, match="box_ports"):
        BuildParams(box_ports=0)


# --------------------------------------------------------------------------------------------
# Buildable gap extensions
# --------------------------------------------------------------------------------------------

def exact_steiner_m(lines: list[list[tuple[float, float]]],
                    terminals: list[tuple[float, float]]) -> float:
    """The shortest tree joining ``terminals`` in the graph of ``lines`` (polylines, nodes at
    their vertices; terminals must be vertices): brute force over the junctions."""
    nodes = sorted({p for ln in lines for p in ln})
    idx = {p: i for i, p in enumerate(nodes)}
    n = len(nodes)
    w = sparse.lil_matrix((n, n))
    degree: Counter = Counter()
    for ln in lines:
        for a, b in zip(ln[:-1], ln[1:]):
            w[idx[a], idx[b]] = w[idx[b], idx[a]] = math.dist(a, b)
            degree[a] += 1
            degree[b] += 1
    closure = csgraph.shortest_path(w.tocsr(), directed=False)
    term = [idx[t] for t in terminals]
    junctions = [idx[p] for p in nodes if degree[p] >= 3 and idx[p] not in term]
    best = math.inf
    for k in range(len(junctions) + 1):
        for extra in combinations(junctions, k):
            sub = term + list(extra)
            best = min(best, csgraph.minimum_spanning_tree(closure[np.ix_(sub, sub)]).sum())
    return float(best)


def box_positions(row: pd.Series) -> list[tuple[float, float]]:
    out = []
    for xy in row["new_box_xy"].split("; "):
        x, y = map(float, xy.split())
        out.append((round(x - X0, 2), round(y - Y0, 2)))
    return out


def comb_roads(main_class: str = "primary") -> gpd.GeoDataFrame:
    """A main road along y = 0 (through a national road's junction at x = 150), lanes north at
    x = 200, 400, 600 up to a top road along y = 500."""
    r = roads(line((0, 0), (150, 0), (200, 0), (400, 0), (600, 0)),
              line((200, 0), (200, 500)), line((400, 0), (400, 500)), line((600, 0), (600, 500)),
              line((200, 500), (400, 500), (600, 500)),
              line((150, -200), (150, 0), (150, 200)))
    r["road_class"] = [main_class, "residential", "residential", "residential", "residential",
                       "trunk"]
    r["name"] = ["Đường trục xã", "ngõ 1", "ngõ 2", "ngõ 3", "đường đồng", "Quốc lộ 1A"]
    return r


def comb_case(railway_in_roads: bool = False):
    r = comb_roads()
    rail = gpd.GeoDataFrame({"name": ["Đường sắt"]}, geometry=[line((100, -50), (100, 50))],
                            crs=UTM)
    if railway_in_roads:
        extra = rail.assign(road_id="RW", road_class="railway")
        r = pd.concat([r, extra], ignore_index=True)
        rail = None
    ap = boxes(("B1", "FAT", 0, 0))
    lanes = (200, 400, 600)
    hh = houses([(x + 10, y) for x in lanes for y in (340, 360, 380, 400)])
    params = FibreParams(max_drop_m=60, hamlet_rule="share", hamlet_share=1.0)
    build = BuildParams(box_ports=4, aerial_vnd_per_m=10, underground_vnd_per_m=100,
                        box_vnd=1000, crossing_vnd=5000)
    reach = fb.household_reach(hh, ap, r, None, params)
    ext = fb.gap_extensions(reach, hamlet_polygons("A"), r, ap, None, params, build=build,
                            railway=rail)
    return r, hh, ext


@pytest.mark.parametrize("railway_in_roads", [False, True])
def test_extension_boxes_cable_crossings_and_cost_by_hand(railway_in_roads):
    _, hh, ext = comb_case(railway_in_roads)
    e = ext.iloc[0]
    # 12 homes to connect, 4-port boxes: 3 boxes of 4. By hand: the first box goes where it
    # reaches a lane's 4 homes nearest the network, (200, 350); then the cable built so far
    # (up lane 200) brings lane 400's (400, 390) nearest, over the top road (150 + 200 + 110 m);
    # then (600, 390) from (400, 500) (200 + 110 m)
    assert (e["homes_to_connect"], e["boxes"], e["box_ports"]) == (12, 3, 4)
    assert e["new_box_homes"] == "4; 4; 4"
    assert box_positions(e) == [(200, 350), (400, 390), (600, 390)]
    # cable: 200 (main road) + 500 (lane 200) + 400 (top road) + 110 + 110 = 1320 m
    assert e["cable_m"] == pytest.approx(1320) and e["length_m"] == e["cable_m"]
    assert e.geometry.length == pytest.approx(1320)
    # underground along the main road ("primary"), the rest aerial
    assert e["cable_underground_m"] == pytest.approx(200)
    assert e["cable_aerial_m"] == pytest.approx(1120)
    # it crosses the railway at x = 100 and the national road at its junction x = 150
    assert (e["crossings_railway"], e["crossings_national_road"], e["crossings"]) == (1, 1, 2)
    # 1120 x 10 + 200 x 100 + 3 x 1000 + 2 x 5000 VND
    assert e["cost_vnd"] == pytest.approx(44_200)
    assert e["meets_rule"] and e["households_added"] == 12 and e["from_access_point"] == "B1"
    # the words of the files and pages
    worded = extension_table(ext, FibreParams(hamlet_rule="share", hamlet_share=1.0)).iloc[0]
    assert worded["target"] == "100% of 12 homes passed (12; 0 today)"
    assert build_text(e) == ("3 new box(es) of 4 ports, 2 crossing(s) (railway 1, national "
                             "road 1), estimated cost 44,200 VND")
    assert build_text(e, "vi").endswith("chi phí ước tính 44.200 đồng")


def test_every_home_to_connect_is_within_the_drop_length_of_a_new_box():
    _, hh, ext = comb_case()
    e = ext.iloc[0]
    sites = box_positions(e)
    # along the roads: a house (x + 10, y) of lane x is 10 m (its connector) + |y - y_box|
    # from a box on its lane; the drop is 60 m, and each box connects at most its 4 ports
    for geom in hh.geometry:
        x, y = geom.x - X0 - 10, geom.y - Y0
        assert any(bx == x and 10 + abs(y - by) <= 60 for bx, by in sites), (x, y)
    assert all(int(k) <= 4 for k in e["new_box_homes"].split("; "))
    assert sum(int(k) for k in e["new_box_homes"].split("; ")) == 12


def test_extension_cable_against_an_exact_steiner_tree():
    _, _, ext = comb_case()
    e = ext.iloc[0]
    sites = box_positions(e)
    # the graph of the comb with the boxes as vertices of their lanes
    lines = [[(0, 0), (150, 0), (200, 0), (400, 0), (600, 0)], [(150, -200), (150, 0), (150, 200)],
             [(200, 500), (400, 500), (600, 500)]]
    for x in (200, 400, 600):
        lines.append(sorted({(x, 0), (x, 500), *[s for s in sites if s[0] == x]},
                            key=lambda p: p[1]))
    exact = exact_steiner_m(lines, [(0, 0), *sites])
    assert exact == pytest.approx(1320)           # the heuristic found the shortest tree here
    k = len(sites) + 1
    assert exact - 1e-6 <= e["cable_m"] <= 2 * (1 - 1 / k) * exact + 1e-6


def test_steiner_heuristic_is_not_always_exact_but_within_its_bound():
    # a 100 m square with spokes to its centre; the network at corner A, one home at each
    # other corner (1 m out), 1-port boxes: the boxes stand at the corners
    sq = [(0, 0), (100, 0), (100, 100), (0, 100)]
    r = roads(line(*sq, (0, 0)), *[line((50, 50), c) for c in sq])
    ap = boxes(("A", "FAT", 0, 0))
    hh = houses([(101, -1), (101, 101), (-1, 101)])
    params = FibreParams(max_drop_m=5, hamlet_rule="share", hamlet_share=1.0)
    reach = fb.household_reach(hh, ap, r, None, params)
    ext = fb.gap_extensions(reach, hamlet_polygons("A"), r, ap, None, params,
                            build=BuildParams(box_ports=1))
    e = ext.iloc[0]
    assert sorted(box_positions(e)) == [(0, 100), (100, 0), (100, 100)]
    # Takahashi-Matsuyama adds the nearest corner each time: three sides, 300 m; the
    # shortest tree is the star through the centre, 4 x 50 sqrt(2) = 282.84 m
    assert e["cable_m"] == pytest.approx(300)
    lines = [[*sq, (0, 0)], *[[(50, 50), c] for c in sq]]
    exact = exact_steiner_m(lines, sq)
    assert exact == pytest.approx(200 * math.sqrt(2))
    assert exact < e["cable_m"] <= 2 * (1 - 1 / 4) * exact


def test_national_road_crossings_by_hand():
    nat = roads(line((0, -100), (0, 100)))
    nat["road_class"] = "trunk"
    lines = fx._CableLines.of(nat, None, BuildParams(), UTM)

    def crossings(*paths: list[tuple[float, float]]) -> int:
        pts = sorted({p for path in paths for p in path})
        idx = {p: i for i, p in enumerate(pts)}
        edges = np.array([(idx[a], idx[b]) for path in paths for a, b in zip(path[:-1],
                                                                           path[1:])])
        return fx._national_crossings(lines, edges, np.array(pts, dtype=float) + (X0, Y0))

    # straight through the junction: one crossing
    assert crossings([(-50, 0), (0, 0), (50, 0)]) == 1
    # along the road and off on the side it came from: none; off on the other side: one
    assert crossings([(-50, -50), (0, -50), (0, 50), (-50, 50)]) == 0
    assert crossings([(-50, -50), (0, -50), (0, 50), (50, 50)]) == 1
    # in from the west, two branches off to the east: laid along the east side, one crossing
    assert crossings([(-50, 0), (0, 0)], [(0, 0), (0, 50), (50, 50)],
                     [(0, 0), (0, -50), (50, -50)]) == 1
    # a cable that never touches the road: none
    assert crossings([(-50, 0), (-10, 0)]) == 0


def test_national_roads_by_name_with_a_pattern_of_groups_warn_nothing():
    """The name pattern is Python's ``re`` (case-insensitive); pandas' warning about match
    groups, naming no file, leaked to the terminal (found by fuzzing)."""
    nat = roads(line((0, -100), (0, 100)), line((50, -100), (50, 100)), line((90, 0), (99, 0)))
    nat["road_class"] = "residential"
    nat["name"] = ["Quốc lộ 1A", "đường Lê Lợi", "QL.217"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lines = fx._CableLines.of(nat, None, BuildParams(national_road_name=r"^(ql|quốc lộ)"),
                                  UTM)
    assert lines.national.equals(shapely.union_all(nat.geometry.values[[0, 2]]))


def test_sample_extension_is_built_of_boxes_and_crosses_the_railway():
    project = cg.load_project()
    res = fb.compute_fibre(project.households, project.hamlets, project.roads,
                           project.access_points, project.fibre, project.statistics,
                           project.scenario.year, FibreParams(), railway=project.railway)
    e = res.extensions.set_index("hamlet_id").loc["QT06"]
    # QT06 (180 homes, none passed) lies east of the railway: 80 % = 144 homes to connect,
    # at least 9 boxes of 16 ports, the cable over the railway from the network west of it
    assert e["homes_to_connect"] == 144 and e["boxes"] >= math.ceil(144 / 16)
    assert e["crossings_railway"] >= 1 and e["meets_rule"]
    assert e["cable_m"] == pytest.approx(e.geometry.length, abs=0.01)
    assert e["cost_vnd"] > 0
    assert res.gpon is not None and res.gpon_note is None
    assert len(res.gpon) == 104                     # 107 boxes less 3 splitters
    assert res.gpon["olt_basis"].eq("route_start").all()


# --------------------------------------------------------------------------------------------
# F1 from household subscriptions, and its data-quality flags
# --------------------------------------------------------------------------------------------

def hamlet_table(passed: int = 26, households: int = 40) -> pd.DataFrame:
    return pd.DataFrame({"hamlet_id": ["A"], "households": [households],
                         "homes_passed": [passed], "homes_connectable": [passed - 4],
                         "homes_within_reach": [passed], "cultural_house_reached": [pd.NA],
                         "ftth_covered": [True]})


def test_f1_from_household_subscriptions():
    stats = pd.DataFrame({"year": [2025], "households": [1350], "ftth_subscriptions": [930],
                          "household_ftth_subscriptions": [901]})
    f1 = fb.fibre_indicators(hamlet_table(1300, 1350), stats, 2025)["F1"]
    assert f1.value == pytest.approx(901 / 1350) and f1.note is None
    assert (f1.subscriptions, f1.ftth_subscriptions) == (901, 930)
    assert f1.connectable_share == pytest.approx(1296 / 1350)


def test_f1_from_the_total_says_so_on_the_scorecard():
    stats = pd.DataFrame({"year": [2025], "households": [1350], "ftth_subscriptions": [930]})
    f1 = fb.fibre_indicators(hamlet_table(1300, 1350), stats, 2025)["F1"]
    assert f1.value == pytest.approx(930 / 1350)
    assert f1.note == "total_subscriptions_only"
    assert "agencies and enterprises included" in f1_note_text(f1)
    ratio = SharingRatio("towers", 1, 2)
    ind = Indicators(m4=HamletIndicator("M4", 1, 1, (), 1.0, "mobile_broadband_share",
                                        {"hamlet_share": 0.95, "share_basis": "households",
                                         "threshold_4g_dbm": -110.0,
                                         "threshold_5g_dbm": -110.0, "indoor": False}),
                     m5=SharingIndicator(ratio, ratio, ratio, 0, 0.15), f1=f1)
    card = scorecard_table(targets.scorecard(stats, ind, 2025), ind)
    row = card[(card["indicator"] == "F1") & (card["source"] == "statistics")].iloc[0]
    assert row["basis"] == "ftth_subscriptions=930 / households=1350; " + \
        TOTAL_SUBSCRIPTIONS_ONLY
    assert indicators_json(ind)["F1"]["note"] == TOTAL_SUBSCRIPTIONS_ONLY
    for lang in i18n.LANGS:
        assert "household_ftth_subscriptions" in i18n.words(lang)["f1_total_only"]


def test_f1_data_quality_flags():
    stats = pd.DataFrame({"year": [2025], "households": [100], "ftth_subscriptions": [30]})
    # 30 subscriptions, 26 homes passed on the map, 40 ports used: only the first flag
    f1 = fb.fibre_indicators(hamlet_table(26), stats, 2025, ports_used=40)["F1"]
    assert f1.flags == ("subscriptions_above_homes_passed",)
    # 30 subscriptions, 28 ports used (and 26 passed): both
    f1 = fb.fibre_indicators(hamlet_table(26), stats, 2025, ports_used=28)["F1"]
    assert f1.flags == ("subscriptions_above_homes_passed", "subscriptions_above_ports_used")
    assert f1_flag_texts(f1) == [
        "data check: 30 subscriptions but only 26 homes passed on the map",
        "data check: 30 subscriptions but only 28 ports used in the map's drop boxes"]
    # household subscriptions are what is compared: 25 <= 26 passed, 25 <= 28 ports
    own = stats.assign(household_ftth_subscriptions=25)
    assert fb.fibre_indicators(hamlet_table(26), own, 2025, ports_used=28)["F1"].flags == ()
    for lang in i18n.LANGS:
        for code in f1.flags:
            assert i18n.words(lang)[f"f1_flag_{code}"].format(subs=30, passed=26, ports=28)


def test_ports_used_come_from_the_drop_boxes_only():
    r = roads(line((0, 0), (1000, 0)))
    ap = boxes(("SPL", "splitter", 0, 0, 8, 8), ("FAT", "FAT", 100, 0, 16, 3))
    hh = houses([(100, 10), (120, 10), (140, 10), (160, 10), (180, 10)], "A",
                [True, False, False, False, False])
    stats = pd.DataFrame({"year": [2025], "households": [5], "ftth_subscriptions": [4]})
    res = fb.compute_fibre(hh, hamlet_polygons("A"), r, ap, None, stats, 2025)
    f1 = res.indicators["F1"]
    # 4 subscriptions, 5 homes passed, 3 ports used in the drop box (the splitter's 8 feed
    # boxes, not homes)
    assert f1.ports_used == 3 and f1.flags == ("subscriptions_above_ports_used",)
    assert f1.homes_passed == 5


def test_household_subscriptions_are_read_as_whole_numbers(tmp_path):
    good = tmp_path / "stats.csv"
    good.write_text("year,households,ftth_subscriptions,household_ftth_subscriptions\n"
                    "2025,1350,930,901\n", encoding="utf-8")
    stats = cg.read_statistics(good)
    assert stats.loc[0, "household_ftth_subscriptions"] == 901
    bad = tmp_path / "bad.csv"
    bad.write_text("year,households,household_ftth_subscriptions\n2025,1350,900.5\n",
                   encoding="utf-8")
    with pytest.raises(InputError, match="household_ftth_subscriptions"):
        cg.read_statistics(bad)


def test_a_share_out_of_reach_is_said_and_gets_no_length():
    r = roads(line((0, 0), (1000, 0)))
    ap = boxes(("B1", "FAT", 0, 0))
    # the second home is 2 km from every road: no box on a road can be within its drop
    hh = houses([(500, 10), (500, 2000)])
    params = FibreParams(hamlet_rule="share", hamlet_share=1.0)
    reach = fb.household_reach(hh, ap, r, None, params)
    e = fb.gap_extensions(reach, hamlet_polygons("A"), r, ap, None, params).iloc[0]
    assert e["note_code"] == "share_unreachable" and not e["meets_rule"]
    assert np.isnan(e["cable_m"]) and np.isnan(e["length_m"]) and np.isnan(e["cost_vnd"])
    assert e["boxes"] == 1 and e["new_box_homes"] == "1"      # the first home's box
    assert e["households_added"] == 1


def test_scorecard_f1_rows_use_household_subscriptions_when_given():
    """F1 per year from the statistics: household subscriptions over households when the
    column is there (by hand: 700 / 1000), else the total (900 / 1000)."""
    from coverage_gis.engines.targets import statistics_indicators
    stats = pd.DataFrame({"year": [2024, 2025], "households": [1000, 1000],
                          "ftth_subscriptions": [900, 900],
                          "household_ftth_subscriptions": [np.nan, 700]})
    f1 = statistics_indicators(stats).query("indicator == 'F1'").set_index("year")
    assert f1.loc[2024, "value"] == pytest.approx(0.9)
    assert f1.loc[2024, "numerator_column"] == "ftth_subscriptions"
    assert f1.loc[2025, "value"] == pytest.approx(0.7)
    assert f1.loc[2025, "numerator_column"] == "household_ftth_subscriptions"


def test_prices_and_gpon_come_from_the_scenario_tables():
    """[fibre_build] and [gpon] set what the settings only defaulted: a price, the class."""
    from coverage_gis.config.params import BuildParams, GponParams
    from coverage_gis.errors import InputError
    build = BuildParams.from_scenario({"fibre_build": {"aerial_vnd_per_m": 45000,
                                                       "underground_road_classes": ["trunk"]}})
    assert build.aerial_vnd_per_m == 45000 and build.underground_road_classes == ("trunk",)
    assert build.box_vnd == BuildParams().box_vnd
    gpon = GponParams.from_scenario({"gpon": {"budget_class": "C+",
                                              "splitter_loss_db": {"32": 17.5, "8": 10.5}}})
    assert gpon.budget_db == 32.0 and gpon.splitter_loss_db[32] == 17.5
    with pytest.raises(InputError, match=r"aerial_vnd_per_m"):
        BuildParams.from_scenario({"fibre_build": {"aerial_vnd_per_m": -1}})
    with pytest.raises(InputError, match=r"national_road_name.*not a regular expression"):
        BuildParams.from_scenario({"fibre_build": {"national_road_name": "(ql"}})
    with pytest.raises(InputError, match=r"unknown key 'box_port' \(did you mean 'box_ports'"):
        BuildParams.from_scenario({"fibre_build": {"box_port": 8}})
