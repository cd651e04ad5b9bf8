"""Territory (issue 11): every indicator counts what lies on the unit's territory.

M5 counts the towers inside the commune (neighbours' towers still serve coverage), sharing
candidates say which end is inside, and site suggestions never leave the commune.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import coverage_gis as cg
from coverage_gis.cli.main import main
from coverage_gis.config import settings
from coverage_gis.config.params import SuggestionParams
from coverage_gis.config.scenario import Scenario
from coverage_gis.engines import placement, territory
from coverage_gis.io.project import Project
from coverage_gis.outputs.indicators import indicators_json
from coverage_gis.pipeline import analyze, sharing_indicator

from .conftest import SAMPLE
from .test_coverage import UTM, X0, Y0, cell_table, hamlets_at, households_in
from .test_sharing import small_project  # noqa: F401  (fixture)

#: One square hamlet, 800 m a side, centred on (X0, Y0); the commune is the same square.
BOX = (X0 - 400, Y0 - 400, X0 + 400, Y0 + 400)


def _commune(*boxes: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["Xã Thử"]},
                            geometry=[shapely.union_all([shapely.box(*b) for b in boxes])],
                            crs=UTM)


def _project(sites: gpd.GeoDataFrame, commune: gpd.GeoDataFrame | None = None,
             hamlets: gpd.GeoDataFrame | None = None, **layers) -> Project:
    h = hamlets if hamlets is not None else hamlets_at(BOX)
    return Project(scenario=Scenario(name="territory", layers={}), crs=cg.resolve_crs(UTM),
                   hamlets=h, sites=sites, commune=commune, **layers)


def _cells(rows: list[tuple]) -> gpd.GeoDataFrame:
    """(site_id, tower_id, operator, technology, x, y, status) -> a sites layer."""
    c = cell_table([{"site_id": s, "tower_id": t, "operator": o, "technology": tech,
                     "x": x, "y": y, "status": st} for s, t, o, tech, x, y, st in rows])
    two_g = c["technology"] == "2G"
    c.loc[two_g, "band_mhz"] = 900.0
    c.loc[two_g, "bandwidth_mhz"] = 0.2
    return c


# --------------------------------------------------------------------------------------------
# The one rule: which points lie on the territory
# --------------------------------------------------------------------------------------------

def test_inside_unit_by_hand_on_the_boundary_and_a_few_metres_either_side():
    unit = shapely.box(*BOX)
    east = X0 + 400  # the east edge
    xs = {"inside 5 m": east - 5, "on the line": east, "0.3 m out": east + 0.3,
          "1 m out": east + 1, "5 m out": east + 5, "1.2 km out": east + 1200}
    pts = gpd.GeoSeries([shapely.Point(x, Y0) for x in xs.values()], crs=UTM)
    got = dict(zip(xs, territory.inside_unit(pts, unit)))
    # a point on the line counts inside (covers); within TERRITORY_EDGE_M (0.5 m) too, so
    # that rounding and reprojection cannot push it out; a metre out is the neighbour's
    assert settings.TERRITORY_EDGE_M == 0.5
    assert got == {"inside 5 m": True, "on the line": True, "0.3 m out": True,
                   "1 m out": False, "5 m out": False, "1.2 km out": False}
    # no edge: strictly the polygon (boundary included)
    strict = territory.inside_unit(pts, unit, edge_m=0)
    assert list(strict) == [True, True, False, False, False, False]
    # no unit at all: nothing to leave
    assert territory.inside_unit(pts, None).all()


def test_the_unit_is_the_commune_else_the_hamlets():
    h = hamlets_at(BOX)
    c = _commune((X0 - 500, Y0 - 500, X0 + 500, Y0 + 500))
    unit, basis = territory.unit_area(c, h.union_all())
    assert basis == "commune" and unit.equals(c.geometry[0])
    unit, basis = territory.unit_area(None, h.union_all())
    assert basis == "hamlets" and unit.equals(h.geometry[0])
    assert territory.unit_area(None, None) == (None, None)


# --------------------------------------------------------------------------------------------
# M5 on the territory
# --------------------------------------------------------------------------------------------

def test_a_tower_just_outside_serves_coverage_but_m5_does_not_count_it():
    """OUT (Viettel + MobiFone, 4G, shared) stands 5 m east of the commune's edge and is the
    only 4G in the hamlet; IN (VinaPhone + Vietnamobile, 2G, shared) stands 5 m inside.
    M5 counts IN alone: 1/1 (all towers would give 2/2, but OUT is the neighbour's); the
    hamlet is covered, by OUT's cells."""
    sites = _cells([
        ("out-1", "OUT", "Viettel", "4G", X0 + 405, Y0, "existing"),
        ("out-2", "OUT", "MobiFone", "4G", X0 + 405, Y0, "existing"),
        ("in-1", "IN", "VinaPhone", "2G", X0 - 395, Y0, "existing"),
        ("in-2", "IN", "Vietnamobile", "2G", X0 - 395, Y0, "existing")])
    h = hamlets_at(BOX)
    p = _project(sites, commune=_commune(BOX), hamlets=h, households=households_in(h, 5))
    result = analyze(p, suggest_sites=0)
    m5 = result.indicators.m5
    assert (m5.existing.shared, m5.existing.total) == (1, 1)  # IN only
    assert m5.scope == "inside_unit" and m5.unit_basis == "commune"
    assert m5.towers_outside_unit == 1
    inside = dict(zip(result.towers["tower_id"], result.towers["inside_unit"]))
    assert inside == {"OUT": False, "IN": True}
    # OUT's cells still cover the hamlet: the only 4G there is theirs
    assert bool(result.hamlets["mobile_broadband_covered"].iloc[0])
    assert result.indicators.m4.value == 1.0
    assert set(result.coverage.cells["site_id"]) >= {"out-1", "out-2"}
    # summary.json keeps its keys and says what it counts
    m5_json = indicators_json(result.indicators)["M5"]
    assert m5_json["towers"] == 1 and m5_json["shared_towers"] == 1 and m5_json["value"] == 1
    assert m5_json["towers_outside_unit"] == 1
    assert m5_json["scope"] == "towers inside the unit (commune boundary)"


def test_candidates_across_the_boundary_are_listed_but_not_realised_in_m5():
    """IN (Viettel, 5 m inside) and OUT (MobiFone, 95 m out) are 100 m apart: a consolidate
    pair, listed with each end's inside_unit; P (planned Vietnamobile, inside) could share IN
    (300 m) or OUT (400 m). If realised, M5 merges only the pair with both ends inside."""
    sites = _cells([
        ("in", "IN", "Viettel", "4G", X0 + 395, Y0, "existing"),
        ("out", "OUT", "MobiFone", "4G", X0 + 495, Y0, "existing"),
        ("p", "P", "Vietnamobile", "4G", X0 + 95, Y0, "planned")])
    tw, cand, m5 = sharing_indicator(_project(sites))  # no commune layer: the hamlets
    assert m5.unit_basis == "hamlets"
    assert dict(zip(tw["tower_id"], tw["inside_unit"])) == {"IN": True, "OUT": False,
                                                            "P": True}
    pairs = {(r.tower_a, r.tower_b): (r.inside_unit_a, r.inside_unit_b)
             for r in cand.itertuples()}
    assert pairs == {("P", "IN"): (True, True), ("P", "OUT"): (True, False),
                     ("IN", "OUT"): (True, False)}
    assert m5.candidates == 3
    assert (m5.existing.shared, m5.existing.total) == (0, 1)          # IN alone
    assert (m5.with_planned.shared, m5.with_planned.total) == (0, 2)  # IN, P
    # realised inside: P moves onto IN (shared: Viettel + Vietnamobile) -> 1/1; the pairs
    # with OUT would move a position out of the commune, so they are not merged here
    r = m5.if_candidates_realised
    assert (r.shared, r.total) == (1, 1)


# --------------------------------------------------------------------------------------------
# Suggestions stay inside
# --------------------------------------------------------------------------------------------

def _tower_outside_t2() -> gpd.GeoDataFrame:
    """A MobiFone 2G-only tower 200 m south of hamlet T2 of ``small_project``."""
    return _cells([("e1", "TE", "MobiFone", "2G", X0 + 4400, Y0 - 600, "existing")])


def test_a_suggestion_stays_inside_although_a_tower_outside_gains_as_much(
        small_project):  # noqa: F811
    p = small_project
    p.sites = pd.concat([p.sites, _tower_outside_t2()], ignore_index=True)
    # with a commune that takes TE in, TE comes first (a tower, earlier than the grid) and
    # closes the gap: it gains as much as any point
    p.commune = _commune((X0 - 400, Y0 - 700, X0 + 4800, Y0 + 700))
    wide = placement.suggest_sites(p, max_sites=2, operator="Viettel", spacing_m=400).table
    assert wide.iloc[0]["tower_id"] == "TE" and wide.iloc[0]["m4_after"] == 1.0
    # the real commune is the two hamlets: TE stands 200 m outside; a point inside is proposed
    # instead, with the same gain, and everything proposed is inside
    p.commune = _commune((X0 - 400, Y0 - 400, X0 + 400, Y0 + 400),
                         (X0 + 4000, Y0 - 400, X0 + 4800, Y0 + 400))
    found = placement.suggest_sites(p, max_sites=2, operator="Viettel", spacing_m=400)
    picks = found.table
    assert len(picks) == 1 and found.note is None
    first = picks.iloc[0]
    assert first["kind"] == "new site" and first["tower_id"] is None
    assert first["m4_after"] == 1.0
    assert first["households_gained"] == wide.iloc[0]["households_gained"]
    assert picks["inside_commune"].all()
    unit = p.commune.union_all()
    assert all(unit.covers(g) for g in picks.geometry)


def test_every_grid_point_weighed_lies_inside_the_unit(small_project):  # noqa: F811
    p = small_project
    unit, _ = territory.unit_area(p.commune, p.hamlets_union())
    gaps = p.households[p.households["hamlet_id"] == "T2"]
    pts = placement._candidate_points(p, SuggestionParams(spacing_m=100), gaps.union_all(),
                                      unit)
    assert len(pts) and territory.inside_unit(pts, unit).all()
    # the old rule (the study area: hamlets plus a margin) would have weighed points outside
    assert p.study_area.contains(shapely.Point(X0 + 4400, Y0 - 600))
    assert not territory.inside_unit(gpd.GeoSeries([shapely.Point(X0 + 4400, Y0 - 600)]),
                                     unit)[0]


def test_nothing_inside_helps_proposes_nothing_and_says_so(small_project):  # noqa: F811
    p = small_project
    p.sites = pd.concat([p.sites, _tower_outside_t2()], ignore_index=True)
    # a constraint that keeps new towers 2 km from the middle of T2: no point inside is
    # left near the gap, and TE (which would close it) stands outside
    p.constraints = gpd.GeoDataFrame(
        {"constraint_id": ["H1"], "kind": ["heritage"], "name": ["Đền"],
         "min_distance_m": [2000.0]}, geometry=[shapely.Point(X0 + 4400, Y0)], crs=UTM)
    found = placement.suggest_sites(p, max_sites=3, operator="Viettel", spacing_m=400)
    assert found.table.empty and found.note == "no_gain_inside_unit"
    assert found.table.attrs["note"] == "no_gain_inside_unit"
    assert list(found.table.columns) == placement.SUGGESTION_COLUMNS
    assert "no_gain_inside_unit" in placement.SUGGESTION_NOTES


# --------------------------------------------------------------------------------------------
# The sample, through the real command line
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("territory") / "out"
    assert main(["analyze", "--out", str(out), "--quiet"]) == 0
    return out


def test_sample_m5_counts_the_communes_own_towers(sample_out):
    """By hand from data/towers/sites.csv and data/boundaries/commune.geojson: of the 8
    existing towers only BSN-T01 (Viettel + MobiFone, shared) and BSN-T03 (VinaPhone) stand
    inside the commune, so M5 = 1/2 (it was 3/8 over every tower: T05 and T07, shared, are
    the neighbours'). The planned BSN-T08 and BSN-T10 are inside too: with planned 1/4."""
    m5 = json.loads((sample_out / "summary.json").read_text())["indicators"]["M5"]
    assert (m5["shared_towers"], m5["towers"], m5["value"]) == (1, 2, 0.5)
    assert (m5["with_planned"]["shared_towers"], m5["with_planned"]["towers"]) == (1, 4)
    # the one candidate (BSN-T10 onto BSN-T01) is inside: T01 + T10, T03, T08 -> 1/3
    assert (m5["if_candidates_realised"]["shared_towers"],
            m5["if_candidates_realised"]["towers"]) == (1, 3)
    assert m5["towers_outside_unit"] == 6
    assert m5["scope"] == "towers inside the unit (commune boundary)"
    assert m5["target"] == 0.15 and m5["candidates"] == 1
    towers = pd.read_csv(sample_out / "towers.csv")
    assert len(towers) == 10  # neighbours' towers are listed, apart
    assert towers["inside_unit"].dtype == bool
    inside = set(towers.loc[towers["inside_unit"], "tower_id"])
    assert inside == {"BSN-T01", "BSN-T03", "BSN-T08", "BSN-T10"}
    cand = pd.read_csv(sample_out / "sharing_candidates.csv")
    assert list(cand[["inside_unit_a", "inside_unit_b"]].iloc[0]) == [True, True]


def test_sample_suggestion_lies_inside_the_commune(sample_out):
    sugg = pd.read_csv(sample_out / "suggested_sites.csv")
    assert len(sugg) >= 1 and sugg["inside_commune"].all()
    commune = gpd.read_file(SAMPLE.parent / "boundaries" / "commune.geojson").union_all()
    for lon, lat in zip(sugg["lon"], sugg["lat"]):
        assert commune.covers(shapely.Point(lon, lat))
    report = (sample_out / "report.html").read_text(encoding="utf-8")
    assert "trạm hiện có trong địa giới xã dùng chung" in report
    assert "6 trạm (hiện có hoặc quy hoạch) đứng ngoài địa bàn" in report
