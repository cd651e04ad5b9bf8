"""Tower sharing: grouping, the ratio by hand, candidates, and the land officer's check."""

from __future__ import annotations

import itertools
import json
import math
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

import coverage_gis as cg
from coverage_gis.cli.main import main
from coverage_gis.config.scenario import Scenario
from coverage_gis.engines import placement, sharing
from coverage_gis.io.project import Project

from .conftest import SAMPLE, sample_copy
from .test_coverage import UTM, X0, Y0, cell_table, hamlets_at, households_in


def cells_at(specs: list[tuple]) -> gpd.GeoDataFrame:
    """(site_id, tower_id, operator, x, y, status) -> a sites layer."""
    return cell_table([{"site_id": s, "tower_id": t, "operator": o, "x": x, "y": y,
                        "status": st} for s, t, o, x, y, st in specs])


def test_towers_by_id_and_by_proximity():
    c = cells_at([("a1", "T-A", "Viettel", X0, Y0, "existing"),
                  ("a2", "T-A", "MobiFone", X0, Y0, "existing"),
                  ("b1", None, "VinaPhone", X0 + 1000, Y0, "existing"),
                  ("b2", None, "Viettel", X0 + 1020, Y0, "existing"),   # 20 m: same tower
                  ("c1", None, "Viettel", X0 + 2000, Y0, "existing"),
                  ("c2", None, "Viettel", X0 + 2030, Y0, "planned")])   # 30 m: another
    t = sharing.towers(c).set_index("tower_id")
    assert len(t) == 4
    assert t.loc["T-A", "operators"] == "MobiFone, Viettel" and t.loc["T-A", "n_operators"] == 2
    derived = t.drop(index="T-A")
    assert sorted(derived["n_cells"]) == [1, 1, 2]
    shared = derived[derived["n_cells"] == 2].iloc[0]
    assert shared["operators"] == "Viettel, VinaPhone"
    assert shared.geometry.x == pytest.approx(X0 + 1010)
    assert set(derived["status"]) == {"existing", "planned"}


def test_each_operators_code_for_one_mast_is_one_shared_position():
    """Found by a review: a Viettel cell of tower VT-001 and a MobiFone cell of MBF-77 at the
    same point were two unshared towers, and M5 0/4 = 0 %, where the plan counts positions
    (TARGETS.md: positions used by two or more operators / all positions): by hand 1/3 =
    33 %. Ids 30 m apart stay two positions (beyond the 25 m of tower_distance_m)."""
    c = cells_at([("A1", "VT-001", "Viettel", X0, Y0, "existing"),
                  ("A2", "MBF-77", "MobiFone", X0, Y0, "existing"),
                  ("C1", "VT-002", "Viettel", X0 + 1000, Y0, "existing"),
                  ("E1", "E", "VinaPhone", X0 + 2000, Y0, "existing"),
                  ("E2", "VNP-9", "Vietnamobile", X0 + 2030, Y0, "existing")])
    t = sharing.towers(c).set_index("tower_id")
    assert list(t.index) == ["VT-001", "VT-002", "E", "VNP-9"]
    assert t.loc["VT-001", "tower_ids"] == "VT-001, MBF-77"
    assert t.loc["VT-001", "operators"] == "MobiFone, Viettel"
    m5 = sharing.sharing_ratio(t.reset_index())
    assert (m5.shared, m5.total) == (1, 4)
    # four positions by hand: {VT-001 = MBF-77}, VT-002, E, VNP-9; one shared


def test_towers_keep_cells_in_file_order_and_carry_no_per_cell_attrs():
    """Each tower's cells in file order, towers in the order of their first cell, derived
    ids numbered in that order, also when blank ids arrive as NaN (as a CSV read gives them:
    such towers were once named NaN); ``attrs`` empty: pandas deep-copies ``attrs`` at every
    row taken, and a per-cell list there once cost a province's outputs 75 s."""
    c = cells_at([("x2", None, "Viettel", X0 + 5000, Y0, "planned"),
                  ("a1", "T-A", "Viettel", X0, Y0, "existing"),
                  ("x1", None, "MobiFone", X0 + 5010, Y0, "existing"),
                  ("y1", None, "Viettel", X0 + 9000, Y0, "planned"),
                  ("a2", "T-A", "MobiFone", X0, Y0, "planned")])
    t = sharing.towers(c)
    assert list(t["tower_id"]) == ["T1", "T-A", "T2"]
    assert list(t["cell_ids"]) == ["x2, x1", "a1, a2", "y1"]
    assert list(t["existing_operators"]) == ["MobiFone", "Viettel", ""]
    assert list(t["n_existing_operators"]) == [1, 1, 0]
    assert list(t["status"]) == ["existing", "existing", "planned"]
    assert t.attrs == {}


def test_one_tower_id_in_two_spellings_is_one_tower():
    """Found by fuzzing: MobiFone's cells of BSN-T01 written ``bsn-t01`` made two towers on
    one spot (the sample's M5 went from 50 % to 0 %). Ids are compared as operator names
    are, case and surrounding spaces ignored; the tower keeps its first cell's spelling."""
    c = cells_at([("a1", "BSN-T01", "Viettel", X0, Y0, "existing"),
                  ("a2", " bsn-t01 ", "MobiFone", X0, Y0, "existing"),
                  ("b1", "BSN-T02", "Viettel", X0 + 1000, Y0, "existing")])
    t = sharing.towers(c)
    assert list(t["tower_id"]) == ["BSN-T01", "BSN-T02"]
    assert list(t["n_operators"]) == [2, 1]


def test_one_tower_id_on_two_spots_is_two_towers():
    """Cells of one id chained within settings.TOWER_ID_SPLIT_M (100 m) are one tower; one
    farther away is another, named ID#2 (found by fuzzing: one id on two masts 1.4 km apart
    was one shared tower between them)."""
    c = cells_at([("a1", "T-A", "Viettel", X0, Y0, "existing"),
                  ("a2", "T-A", "MobiFone", X0 + 60, Y0, "existing"),      # chained: 60 m
                  ("a3", "T-A", "VinaPhone", X0 + 150, Y0, "existing"),    # 90 m from a2
                  ("b1", "t-a", "Viettel", X0 + 1400, Y0, "existing")])    # 1.25 km away
    t = sharing.towers(c)
    assert list(t["tower_id"]) == ["T-A", "T-A#2"]
    assert list(t["n_operators"]) == [3, 1]
    assert t.geometry.x.iloc[1] == pytest.approx(X0 + 1400)


def _sample_sites_edited(tmp_path, edit) -> Path:
    """The sample scenario with its sites.csv edited by ``edit(table)``."""
    sites = pd.read_csv(SAMPLE.parent / "towers" / "sites.csv", dtype=str)
    edit(sites)
    sites.to_csv(tmp_path / "sites.csv", index=False)
    return sample_copy(tmp_path, replace={'"towers/sites.csv"': f'"{tmp_path}/sites.csv"'})


def test_one_tower_id_on_two_masts_or_two_ids_on_one_mast_are_said(tmp_path):
    """Found by fuzzing: MobiFone's BSN-T09 cells relabelled BSN-T03 (a copy-paste slip,
    masts 1.4 km apart) made one "shared" tower between them, and M5 went from 50 % to 100 %
    without a word. Loading says so, and also of two ids on one spot."""
    def slip(t):
        t.loc[t["tower_id"] == "BSN-T09", "tower_id"] = "BSN-T03"

    with pytest.warns(cg.InputWarning) as seen:
        project = cg.load_project(_sample_sites_edited(tmp_path, slip))
    said = [str(w.message) for w in seen if "tower_id 'BSN-T03'" in str(w.message)]
    assert len(said) == 1 and "settings.TOWER_ID_SPLIT_M" in said[0]
    # by hand: the two masts' positions (each mast's cells stand on one point)
    b3 = project.sites[project.sites["tower_id"] == "BSN-T03"]
    spots = b3.groupby("operator").geometry.first()
    gap = spots["VinaPhone"].distance(spots["MobiFone"])
    assert 1000 < gap < 2000
    assert (f"tower_id 'BSN-T03' is given to cells on 2 spots (the first two {gap:,.0f} m "
            "apart; more than 100 m") in said[0]
    assert "taken as 2 towers (BSN-T03: VNP-" in said[0] and "; BSN-T03#2: MBF-" in said[0]
    towers = sharing.towers(project.sites).set_index("tower_id")
    assert towers.loc["BSN-T03", "operators"] == "VinaPhone"
    assert towers.loc["BSN-T03#2", "operators"] == "MobiFone"

    def renamed(t):
        t.loc[(t["tower_id"] == "BSN-T01") & (t["operator"] == "MobiFone"), "tower_id"] = "MF-1"

    with pytest.warns(cg.InputWarning) as seen:
        project = cg.load_project(_sample_sites_edited(tmp_path, renamed))
    said = [str(w.message) for w in seen if "one tower position in M5" in str(w.message)]
    assert len(said) == 1
    assert "tower_id 'BSN-T01' (" in said[0] and "'MF-1' (" in said[0]
    assert "stand 0 m apart" in said[0]
    # ... and one position it is: each operator's code for a shared mast (found by a review:
    # two towers, M5 1/2 -> 0/3 on the commune)
    towers = sharing.towers(project.sites).set_index("tower_id")
    assert towers.loc["BSN-T01", "tower_ids"] == "BSN-T01, MF-1"
    assert "MobiFone" in towers.loc["BSN-T01", "operators"] and "MF-1" not in towers.index
    # the sample itself: no such warning
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        cg.load_project(SAMPLE)
    assert not [w for w in seen if "tower_id" in str(w.message)]


def test_a_cell_given_twice_under_two_site_ids_is_said(tmp_path):
    """Found by a review: a row pasted twice under a new site_id (two exports merged) passed
    without a word; the best server does not change, but a tower check's exposure counted the
    cell twice. Loading says so, naming both; the sample itself has none."""
    def twice(t):
        row = t[t["site_id"] == "VTL-THA-1042-4G1800-1"].copy()
        row["site_id"] = "VTL-THA-1042-4G1800-1-copy"
        t.loc[len(t)] = row.iloc[0]

    with pytest.warns(cg.InputWarning) as seen:
        cg.load_project(_sample_sites_edited(tmp_path, twice))
    said = [str(w.message) for w in seen if "given twice" in str(w.message)]
    assert len(said) == 1
    assert "'VTL-THA-1042-4G1800-1'" in said[0] and "'VTL-THA-1042-4G1800-1-copy'" in said[0]

    def other_azimuth(t):  # the same spot and band, another azimuth: another sector, no word
        twice(t)
        t.loc[t["site_id"] == "VTL-THA-1042-4G1800-1-copy", "azimuth_deg"] = "300"

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        cg.load_project(_sample_sites_edited(tmp_path, other_azimuth))
        cg.load_project(SAMPLE)
    assert not [w for w in seen if "given twice" in str(w.message)]


def test_sharing_ratio_by_hand():
    table = pd.DataFrame({"n_operators": [2, 3, 1, 1, 1, 2],
                          "n_existing_operators": [2, 2, 1, 1, 1, 0],
                          "status": ["existing"] * 5 + ["planned"]})
    # existing towers: 5, shared (2+ operators on air): 2 -> 2/5
    assert sharing.sharing_ratio(table).value == pytest.approx(2 / 5)
    # with planned: 6 towers, 3 shared -> 1/2
    assert sharing.sharing_ratio(table, include_planned=True).value == pytest.approx(0.5)
    # installations on shared towers / all installations (existing): (2+2) / (2+2+1+1+1)
    r = sharing.sharing_ratio(table, method="installations")
    assert r.value == pytest.approx(4 / 7) and (r.shared, r.total) == (4, 7)
    with pytest.raises(ValueError):
        sharing.sharing_ratio(table, method="poles")


def test_two_towers_of_different_operators_80_m_apart_are_a_candidate():
    c = cells_at([("a", "A", "Viettel", X0, Y0, "existing"),
                  ("b", "B", "MobiFone", X0 + 80, Y0, "existing"),
                  ("c", "C", "Viettel", X0 + 3000, Y0, "existing"),
                  ("d", "D", "Viettel", X0 + 3200, Y0, "existing"),     # same operator set
                  ("p", "P", "Vietnamobile", X0 + 400, Y0, "planned"),   # 400 m from B
                  ("q", "Q", "Viettel", X0 + 3400, Y0 + 300, "planned")])  # near own towers
    t = sharing.towers(c)
    cand = sharing.sharing_candidates(t)
    pairs = {(r.tower_a, r.tower_b): r for r in cand.itertuples()}
    assert ("A", "B") in pairs and pairs[("A", "B")].kind == "consolidate"
    assert pairs[("A", "B")].distance_m == pytest.approx(80.0)
    assert ("P", "B") in pairs and pairs[("P", "B")].kind == "share-instead-of-build"
    assert ("C", "D") not in pairs and not any("Q" in k for k in pairs)
    assert cand.iloc[0]["kind"] == "share-instead-of-build" and list(cand["rank"]) == [1, 2, 3]
    # M5 if realised: A+B+P merge into one shared tower; C, D and Q stay -> 1 / 4
    assert sharing.ratio_if_realised(t, cand).value == pytest.approx(1 / 4)
    # in an urban area only 100 m counts: the 80 m pair stays, the 400 m one goes
    urban = gpd.GeoDataFrame(geometry=[shapely.box(X0 - 500, Y0 - 500, X0 + 600, Y0 + 500)],
                             crs=UTM)
    kinds = sharing.sharing_candidates(t, urban_areas=urban)
    assert list(zip(kinds["tower_a"], kinds["tower_b"])) == [("A", "B")]


def test_sample_m5_and_its_share_instead_of_build_candidate(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["analyze", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # the commune's own towers only (issue 11): BSN-T01 (shared) and BSN-T03; the other six
    # existing towers stand outside the commune (it was 3/8 over every tower)
    assert "M5 BTS positions shared: 1/2 towers inside the commune = 50 %" in printed
    assert "6 tower(s), existing or planned, outside the commune not counted in M5" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["indicators"]["M5"]["with_planned"]["towers"] == 4  # + T08, T10 (planned)
    cand = pd.read_csv(out / "sharing_candidates.csv")
    assert list(cand["kind"]) == ["share-instead-of-build"]
    assert (cand.loc[0, "tower_a"], cand.loc[0, "tower_b"]) == ("BSN-T10", "BSN-T01")
    assert len(pd.read_csv(out / "towers.csv")) == 10


# --------------------------------------------------------------------------------------------
# The land officer's check
# --------------------------------------------------------------------------------------------

@pytest.fixture
def small_project():
    """Two hamlets 4 km apart; a 4G tower covers the west one only; a school in the east."""
    h = hamlets_at((X0 - 400, Y0 - 400, X0 + 400, Y0 + 400),
                   (X0 + 4000, Y0 - 400, X0 + 4800, Y0 + 400))
    hh = households_in(h, per_side=5)
    sites = cells_at([("w1", "TW", "Viettel", X0, Y0 + 600, "existing")])
    constraints = gpd.GeoDataFrame(
        {"constraint_id": ["S1"], "kind": ["school"], "name": ["Trường <b>Tiểu học</b>"],
         "min_distance_m": [50.0]}, geometry=[shapely.Point(X0 + 4400, Y0 + 200)], crs=UTM)
    scenario = Scenario(name="hand-made", layers={})
    return Project(scenario=scenario, crs=cg.resolve_crs(UTM), hamlets=h, sites=sites,
                   households=hh, constraints=constraints)


def test_a_site_that_covers_an_uncovered_hamlet_counts_that_gain(small_project):
    p = small_project
    point = shapely.Point(X0 + 4400, Y0 - 100)
    proposal = placement.ProposedSite("MobiFone", "4G", band_mhz=1800, height_m=30)
    report = placement.check_site(p, proposal, point)
    gain = report.coverage_gain
    assert gain.m4_before == 0.5 and gain.m4_after == 1.0
    assert gain.hamlets_newly_covered == ["T2"]
    assert gain.households_newly_covered == 25
    assert gain.households_newly_covered_per_hamlet == {"T2": 25}
    assert report.location.hamlet_id == "T2" and report.location.inside_commune
    assert report.verdict == "ok"
    assert [r.code for r in report.reasons] == ["new_tower", "brings_hamlets"]
    assert report.reasons[1].params == {"hamlets": ["T2"]}


def test_a_local_settings_distance_not_met_is_for_review(small_project):
    """The school's 50 m is the commune's own setting (no basis given): review, not
    conflict, and the sharing advice still given."""
    point = shapely.Point(X0 + 4400, Y0 + 170)  # 30 m from the school
    report = placement.check_site(small_project, placement.ProposedSite("Viettel", "4G"),
                                  point)
    assert report.verdict == "review"
    school = next(c for c in report.constraints if c.kind == "school")
    assert school.basis == "local-setting" and school.source is None and not school.ok
    assert [r.code for r in report.reasons][:2] == ["local_distance", "new_tower"]


def test_a_site_within_a_regulations_distance_of_a_school_is_a_conflict(small_project):
    small_project.constraints["basis"] = "regulation"
    small_project.constraints["source"] = "Decision 99/2099/QD-UBND, Art. 9"
    point = shapely.Point(X0 + 4400, Y0 + 170)  # 30 m from the school
    report = placement.check_site(small_project, placement.ProposedSite("Viettel", "4G"),
                                  point)
    assert report.verdict == "conflict"
    school = next(c for c in report.constraints if c.kind == "school")
    # 30 m on the UTM grid, 30.008 m on the ground (pyproj's geodesic: distances are the
    # ground's, found by a review)
    from pyproj import Geod, Transformer

    at = small_project.constraints[small_project.constraints["kind"] == "school"].geometry
    to_deg = Transformer.from_crs(small_project.crs, 4326, always_xy=True)
    ground = Geod(ellps="WGS84").inv(*to_deg.transform(point.x, point.y),
                                     *to_deg.transform(at.iloc[0].x, at.iloc[0].y))[2]
    assert ground == pytest.approx(30.008, abs=0.001)
    assert school.distance_m == pytest.approx(ground, abs=0.05) and not school.ok
    assert school.basis == "regulation"
    first = report.reasons[0]
    assert first.params["source"] == "Decision 99/2099/QD-UBND, Art. 9"
    assert first.code == "too_close" and first.params["kind"] == "school"
    assert first.params["distance_m"] == pytest.approx(ground, abs=0.001)
    assert first.params["min_distance_m"] == 50.0
    # a conflict is not softened by a sharing recommendation
    assert not any(r.code in ("share_tower", "own_tower", "new_tower") for r in report.reasons)


def test_near_another_operators_tower_the_verdict_is_share_instead(small_project):
    point = shapely.Point(X0 + 150, Y0 + 400)  # 250 m from Viettel's tower
    report = placement.check_site(small_project, placement.ProposedSite("MobiFone", "4G"),
                                  point)
    assert report.verdict == "share-instead"
    assert report.sharing.recommendation == "share-instead"
    assert report.sharing.tower_id == "TW"
    assert report.sharing.distance_m == pytest.approx(250.0)
    assert report.sharing.reason.code == "share_tower"
    assert report.sharing.reason.params["operator"] == "MobiFone"
    # Viettel's own tower at the same place: add the cells there
    own = placement.check_site(small_project, placement.ProposedSite("Viettel", "4G"), point)
    assert own.verdict == "share-instead" and own.sharing.recommendation == "use-own-tower"
    assert own.sharing.reason.code == "own_tower"


def test_bad_coordinates_get_clear_errors(small_project):
    p = small_project
    lon, lat = Transformer.from_crs(UTM, 4326, always_xy=True).transform(X0, Y0)
    assert p.hamlets.contains(placement.locate_point(p, lon=lon, lat=lat)).any()
    with pytest.raises(cg.InputError, match="are lon and lat swapped"):
        placement.locate_point(p, lon=lat, lat=lon)
    with pytest.raises(cg.InputError, match=r"not a longitude/latitude \(are these projected"):
        placement.locate_point(p, lon=X0, lat=Y0)
    x, y = Transformer.from_crs(UTM, "EPSG:5897", always_xy=True).transform(X0, Y0)
    assert p.hamlets.contains(placement.locate_point(p, x=x, y=y, crs="vn2000-thanhhoa")).any()
    with pytest.raises(cg.InputError, match="x and y look swapped.*X for northing"):
        placement.locate_point(p, x=y, y=x, crs="vn2000-thanhhoa")
    with pytest.raises(cg.InputError, match="outside the study area"):
        placement.locate_point(p, lon=lon + 1.0, lat=lat)
    # UTM 48 x/y under another TM-3 zone: the cadastral CRS is named first (where x/y from a
    # cadastral map fit), then each other preset that fits, with how far apart they put it
    with pytest.raises(cg.InputError, match=r"it would be inside with crs vn2000-thanhhoa "
                       r"\(the cadastral CRS\), and also with crs vn2000-utm48 \(6\d\d m from "
                       r"that point\)"):
        vx, vy = Transformer.from_crs(UTM, "EPSG:3405", always_xy=True).transform(X0, Y0)
        placement.locate_point(p, x=vx, y=vy, crs="EPSG:9210")  # TM-3 105-45: wrong zone
    with pytest.raises(cg.InputError, match="operator 'Acme'"):
        placement.check_site(p, placement.ProposedSite("Acme", "4G"), shapely.Point(X0, Y0))


def test_check_site_cli_writes_json_and_an_escaped_printable_page(tmp_path, capsys):
    out = tmp_path / "check"
    x, y = 588150.0, 2219700.0  # in QT04 (Thôn Yên Sơn), VN-2000 / TM-3 as a cadastral map
    assert main(["check-site", "--x", str(x), "--y", str(y), "--crs", "vn2000-thanhhoa",
                 "--operator", "viettel", "--technology", "LTE", "--band-mhz", "1800",
                 "--height-m", "35", "--azimuth-deg", "0", "120", "240",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "hamlet QT04" in printed and "Verdict:" in printed
    report = json.loads((out / "check.json").read_text())
    for key in ("location", "nearest_towers", "sharing", "coverage_gain", "constraints",
                "verdict", "reasons"):
        assert key in report
    assert report["proposal"]["operator"] == "Viettel"
    assert report["coverage_gain"]["households_newly_covered"] > 0
    assert report["verdict"] in ("ok", "share-instead", "conflict")
    html = (out / "check.html").read_text()
    assert "<svg" in html and "<script" not in html and "Thôn Yên Sơn" in html
    assert main(["check-site", "--lon", "20.06", "--lat", "105.85", "--operator", "Viettel",
                 "--technology", "4G", "--out", str(tmp_path / "c2")]) == 1
    assert "are lon and lat swapped?" in capsys.readouterr().err
    assert not (tmp_path / "c2").exists()


def _utm(lon: float, lat: float) -> shapely.Point:
    return shapely.Point(Transformer.from_crs(4326, 32648, always_xy=True).transform(lon, lat))


def test_the_sample_check_json_keeps_its_keys_and_values(tmp_path):
    """check.json is a contract: for the sample check (Viettel 4G with every default at
    lon 105.852, lat 20.061) its keys, their order and its values (distances computed here
    from the sample files, the sentences as they were before the engine returned codes)."""
    out = tmp_path / "check"
    assert main(["-q", "check-site", "--lon", "105.852", "--lat", "20.061", "--operator",
                 "Viettel", "--technology", "4G", "--out", str(out)]) == 0
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    # the keys of the contract first, in their order; keys added later (issue 11 part 3:
    # point, input, checked_at, software_version) only after them
    assert list(doc)[:9] == ["proposal", "location", "nearest_towers", "sharing",
                             "coverage_gain", "constraints", "verdict", "reasons",
                             "reason_codes"]
    assert list(doc)[9:] == ["exposure", "aviation_obstacle", "point", "input", "checked_at",
                             "software_version"]
    d = cg.settings.TECHNOLOGY_DEFAULTS["4G"]
    assert list(doc["proposal"].items()) == [
        ("operator", "Viettel"), ("technology", "4G"), ("band_mhz", d["band_mhz"]),
        ("bandwidth_mhz", d["bandwidth_mhz"]), ("height_m", d["height_m"]),
        ("eirp_dbm", d["eirp_dbm"]), ("tilt_deg", d["tilt_deg"]), ("azimuths_deg", "omni"),
        ("cells", 1),
        # added by the twelfth review: the gain's path-loss model and its validity
        ("model", "extended_hata_suburban"), ("model_validity", "ok")]
    point = _utm(105.852, 20.061)
    assert list(doc["location"].items()) == [
        ("lon", 105.852), ("lat", 20.061), ("x_m", round(point.x, 1)),
        ("y_m", round(point.y, 1)), ("crs", "EPSG:32648"), ("inside_commune", True),
        ("hamlet_id", "QT05"), ("hamlet_name", "Thôn Thắng Lợi"),
        ("nearest_hamlet_id", "QT05"), ("nearest_hamlet_distance_m", 0.0),
        # added with the 2025 unit (issue 12): the territory checked against
        ("unit_code", "14818"), ("unit_name", "Phường Quang Trung")]
    # the three nearest towers, by hand from sites.csv (a tower's cells share one position)
    sites = pd.read_csv(SAMPLE.parent / "towers" / "sites.csv")
    expected = []
    for tid, cells in sites.groupby("tower_id"):
        first = cells.iloc[0]
        techs = [t for t in ("2G", "3G", "4G", "5G") if t in set(cells["technology"])]
        expected.append({"tower_id": tid,
                         "distance_m": round(point.distance(_utm(first.lon, first.lat)), 1),
                         "operators": ", ".join(sorted(set(cells["operator"]))),
                         "status": ("existing" if (cells["status"] == "existing").any()
                                    else "planned"),
                         "technologies": ", ".join(techs)})
    expected = sorted(expected, key=lambda t: t["distance_m"])[:3]
    assert [list(t) for t in doc["nearest_towers"]] == [list(t) for t in expected]
    for got, want in zip(doc["nearest_towers"], expected):
        assert got == {**want, "distance_m": pytest.approx(want["distance_m"], abs=0.11)}
    assert [t["tower_id"] for t in doc["nearest_towers"]] == ["BSN-T08", "BSN-T01", "BSN-T10"]
    limit = cg.settings.SHARING_DISTANCE_M  # no existing tower that close: build
    assert doc["sharing"] == {
        "recommendation": "new-tower", "max_distance_m": limit, "code": "new_tower",
        "params": {"max_distance_m": limit},
        # where the rule comes from (rules audit, round 7): local settings, named
        "rule_basis": "local-setting",
        "rule_settings": {"max_distance_m": ["sharing.candidate_distance_m",
                                             "sharing.urban_candidate_distance_m"],
                          "min_gain_share": "settings.SHARING_MIN_GAIN_SHARE"},
        "text": "no existing tower within 500 m: a new tower is needed"}
    assert list(doc["sharing"]) == ["recommendation", "max_distance_m", "code", "params",
                                    "rule_basis", "rule_settings", "text"]
    # At the default 90 % location probability (issue 10 part 4) the sample has 3 of 6
    # hamlets (QT01, QT04, QT05 short: tests/test_probability_clutter.py); a Viettel 4G mast
    # in Thắng Lợi (QT05) lifts QT05 and its neighbour QT01 over 95 %: 5 of 6. (At the
    # median nothing was gained: Thắng Lợi was covered already, 5 of 6 before and after.)
    gain = doc["coverage_gain"]
    assert gain["basis"] == "households"
    assert (gain["m4_before"], gain["m4_after"]) == (round(3 / 6, 4), round(5 / 6, 4))
    assert gain["hamlets_newly_covered"] == ["QT01", "QT05"]
    assert set(gain["households_newly_covered_per_hamlet"]) == {"QT01", "QT05"}
    assert sum(gain["households_newly_covered_per_hamlet"].values()) == gain[
        "households_newly_covered"] > 0
    # the operator's own gain holds the gain of mobile broadband as a whole
    assert gain["households_newly_covered_by_operator"] >= gain["households_newly_covered"]
    assert list(doc["coverage_gain"]) == [
        "basis", "households_newly_covered", "households_newly_covered_by_operator",
        "households_newly_covered_per_hamlet", "hamlets_newly_covered", "m4_before",
        "m4_after"]
    # constraints by distance, then the nearest dwelling, distances by hand
    # (on the ground: pyproj's geodesic from the point's lon/lat, found by a review: the
    # UTM grid's distances are 0.037 % short here)
    from pyproj import Geod

    geod = Geod(ellps="WGS84")

    def ground(geom):
        return geod.inv(105.852, 20.061, geom.x, geom.y)[2]
    features = gpd.read_file(SAMPLE.parent / "constraints" / "constraints.geojson")
    features = features.to_crs(4326)
    mins = cg.settings.CONSTRAINT_MIN_DISTANCE_M
    want_c = sorted(({"constraint_id": r.constraint_id, "kind": r.kind, "name": r["name"],
                      "distance_m": round(ground(r.geometry), 1),
                      "min_distance_m": mins[r.kind]} for _, r in features.iterrows()),
                    key=lambda c: c["distance_m"])
    homes = gpd.read_file(SAMPLE.parent / "households" / "households.gpkg").to_crs(32648)
    k = int(np.argmin(homes.distance(point).to_numpy()))
    want_c.append({"constraint_id": homes["household_id"].iloc[k], "kind": "dwelling",
                   "name": "nearest household",
                   "distance_m": round(ground(homes.to_crs(4326).geometry.iloc[k]), 1),
                   "min_distance_m": mins["dwelling"]})
    assert [c["constraint_id"] for c in doc["constraints"]] == \
        [c["constraint_id"] for c in want_c] == ["C05", "C02", "C01", "C03", "C04", "H00988"]
    for got, want in zip(doc["constraints"], want_c):
        assert list(got) == ["constraint_id", "kind", "name", "distance_m", "min_distance_m",
                             "ok", "basis", "source", "min_distance_set_by"]
        # the sample's constraints give no distances: each is this tool's default
        assert got == {**want, "distance_m": pytest.approx(want["distance_m"], abs=0.11),
                       "ok": True, "basis": "local-setting", "source": None,
                       "min_distance_set_by": "tool-default"}
    assert doc["verdict"] == "ok"
    assert doc["reasons"] == ["no existing tower within 500 m: a new tower is needed",
                              "it brings hamlet(s) QT01, QT05 to the mobile broadband target"]
    assert doc["reason_codes"] == [{"code": "new_tower", "params": {"max_distance_m": limit}},
                                   {"code": "brings_hamlets",
                                    "params": {"hamlets": ["QT01", "QT05"]}}]


def test_check_json_sentences_come_from_the_outputs(small_project):
    """The engine's result carries codes only; check_json words them in English, the page
    in Vietnamese, from the same codes."""
    from coverage_gis.outputs import i18n
    from coverage_gis.outputs.check import check_json
    from coverage_gis.outputs.check_page import check_html
    point = shapely.Point(X0 + 4400, Y0 + 170)  # 30 m from the school, 570 m from tower TW
    report = placement.check_site(small_project, placement.ProposedSite("Viettel", "4G"),
                                  point)
    engine = report.to_json()
    assert "reasons" not in engine and "text" not in engine["sharing"]
    doc = check_json(report)
    assert doc["reasons"][0] == ("school Trường <b>Tiểu học</b> is 30 m away, under the 50 m "
                                 "the constraints layer sets (a local setting, not a "
                                 "regulation: for review)")
    assert doc["sharing"]["text"] == "no existing tower within 500 m: a new tower is needed"
    assert doc["reason_codes"] == engine["reason_codes"]
    page = check_html(report, small_project, point, lang="vi")
    assert ("trường học Trường &lt;b&gt;Tiểu học&lt;/b&gt; chỉ cách 30 m, dưới mức 50 m do "
            "lớp công trình cần bảo vệ đặt") in page
    assert i18n.words("vi")["nearest_household"] in page
    assert "nearest household" not in page


def test_escaping_in_the_check_page(small_project):
    from coverage_gis.outputs.check_page import check_html
    p = small_project
    p.hamlets.loc[1, "name"] = "<img src=x onerror=alert(1)>"
    point = shapely.Point(X0 + 4400, Y0 - 100)
    report = placement.check_site(p, placement.ProposedSite("MobiFone", "4G"), point)
    html = check_html(report, p, point)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>Tiểu học</b>" not in html


# --------------------------------------------------------------------------------------------
# Site suggestions
# --------------------------------------------------------------------------------------------

def test_suggest_sites_closes_the_gap_and_stops(small_project):
    found = placement.suggest_sites(small_project, max_sites=3, spacing_m=400)
    assert found.m4_before == 0.5 and found.candidates > 1
    picks = found.table
    assert len(picks) == 1  # one site brings M4 to 100 %: the search stops there
    first = picks.iloc[0]
    assert first["hamlets_newly_covered"] == 1 and first["m4_after"] == 1.0
    assert first["households_gained_in_short_hamlets"] == 25
    assert shapely.Point(first.geometry).distance(small_project.hamlets.geometry[1]) < 3000
    school = small_project.constraints.geometry[0]
    assert first.geometry.distance(school) >= 50


def test_suggest_sites_prefers_an_existing_tower_on_a_tie(small_project):
    p = small_project
    # inside the uncovered hamlet (issue 11: a tower outside the unit is never proposed;
    # tests/test_territory.py has the same tower 200 m south of the hamlet, outside)
    extra = cells_at([("e1", "TE", "MobiFone", X0 + 4400, Y0 - 300, "existing")])
    extra["technology"] = "2G"  # a 2G-only tower in the uncovered hamlet
    extra["band_mhz"] = 900.0
    extra["bandwidth_mhz"] = 0.2
    p.sites = pd.concat([p.sites, extra], ignore_index=True)
    picks = placement.suggest_sites(p, max_sites=2, operator="Viettel", spacing_m=400).table
    assert picks.iloc[0]["kind"] == "share existing tower"
    assert picks.iloc[0]["tower_id"] == "TE" and picks.iloc[0]["m4_after"] == 1.0


def test_greedy_is_close_to_the_exhaustive_best_on_small_cases():
    rng = np.random.default_rng(3)
    ratios = []
    for _ in range(200):
        universe = set(range(40))
        sets = [set(rng.choice(40, size=rng.integers(3, 15), replace=False).tolist())
                for _ in range(9)]
        k = 3
        greedy = set().union(*(sets[i] for i, _ in placement.greedy_cover(sets, universe, k)))
        _, best = placement.best_cover(sets, universe, k)
        ratios.append(len(greedy) / best)
    assert min(ratios) >= 1 - 1 / math.e  # Nemhauser-Wolsey-Fisher bound
    assert np.mean(ratios) > 0.95  # and in practice much closer (measured: see README)


def test_best_cover_by_hand():
    sets = [{1, 2, 3}, {3, 4}, {4, 5, 6}, {1, 6}]
    assert placement.best_cover(sets, {1, 2, 3, 4, 5, 6}, 2) == ((0, 2), 6)
    assert placement.greedy_cover(sets, {1, 2, 3, 4, 5, 6}, 2) == [(0, 3), (2, 3)]
    # a case where greedy is not optimal: it takes the big middle set first
    tricky = [{1, 2, 3, 4}, {1, 2, 5}, {3, 4, 6}]
    assert placement.greedy_cover(tricky, set(range(1, 7)), 2)[0] == (0, 4)
    assert placement.best_cover(tricky, set(range(1, 7)), 2) == ((1, 2), 6)
    assert list(itertools.chain(*placement.greedy_cover(tricky, set(range(1, 7)), 2)))[1] == 4


def test_suggest_sites_cli(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["suggest-sites", "--max-sites", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "suggestions.csv")
    assert len(table) >= 1 and table["m4_after"].iloc[-1] == 1.0
    # 3 of 6 hamlets at the default 90 % location probability (issue 10 part 4)
    assert re.search(r"^\d+ candidates; M4 now 50%$", printed, re.M)
    assert len(re.findall(r"^  \d+\. ", printed, re.M)) == len(table)
    gj = gpd.read_file(out / "suggestions.geojson")
    assert len(gj) == len(table) and gj.crs.to_epsg() == 4326
    # a bad value is a bad parameter (exit 1, explained), not a misuse of the command line
    assert main(["suggest-sites", "--max-sites", "0", "--out", str(out), "--overwrite"]) == 1
    assert "--max-sites" in capsys.readouterr().err
    # an unknown operator lists the known ones, as check-site does (found by fuzzing)
    assert main(["suggest-sites", "--operator", "Foo", "--out", str(out), "--overwrite"]) == 1
    assert ("operator 'Foo' is not a known operator (expected one of Viettel, VinaPhone, "
            "MobiFone,") in capsys.readouterr().err
