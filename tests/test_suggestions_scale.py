"""Site suggestions at province scale (issue 13): the lazy greedy (CELF) picks what the plain
greedy picks, per-unit suggestions equal one call per unit, candidates stay in their unit, and
the shortcuts (windowed coverage through a spatial index, the candidate grid drawn without
the union of the gaps' buffers) give what the whole computation gives."""

from __future__ import annotations

import math
import pickle

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

import coverage_gis as cg
from coverage_gis.config.scenario import Scenario
from coverage_gis.engines import placement
from coverage_gis.engines.coverage import CoverageParams, add_cells, compute_coverage
from coverage_gis.engines.territory import UnitScope, inside_unit
from coverage_gis.engines.tiles import Runner
from coverage_gis.io.project import Project
from coverage_gis.io.readers import Raster

from .cluster import ON_A_CLUSTER

UTM = "EPSG:32648"
X0, Y0 = 600_000.0, 2_218_000.0


# --------------------------------------------------------------------------------------------
# CELF against the plain greedy
# --------------------------------------------------------------------------------------------

def plain_greedy(sets: list[np.ndarray], covered: np.ndarray, hamlet_of: np.ndarray,
                 hamlet_ids: list[str], share: float, max_sites: int) -> list[tuple]:
    """The greedy of suggest_sites written out plainly: at each step every candidate's key
    (hamlets brought to ``share``, households gained in short hamlets, households gained),
    the largest taken, the earlier candidate on a tie; stop when every hamlet meets the share,
    ``max_sites`` are taken or nothing gains. A hamlet meets the share when covered / all of
    its households >= share (a hamlet without households never does)."""
    def meeting(now: np.ndarray) -> dict[str, bool]:
        out = {}
        for h in hamlet_ids:
            mine = hamlet_of == h
            out[h] = bool(mine.any()) and now[mine].sum() / mine.sum() >= share - 1e-12
        return out

    now = covered.copy()
    picks: list[tuple] = []
    taken: set[int] = set()
    for _ in range(max_sites):
        before = meeting(now)
        if all(before.values()):
            break
        short = {h for h in hamlet_ids if not before[h]}
        best, best_key = None, (0, 0, 0)
        for k, s in enumerate(sets):
            if k in taken:
                continue
            new = s & ~now
            if not new.any():
                continue
            after = meeting(now | s)
            key = (sum(after[h] and not before[h] for h in hamlet_ids),
                   int(sum(new[i] and hamlet_of[i] in short for i in range(len(new)))),
                   int(new.sum()))
            if key > best_key:
                best, best_key = k, key
        if best is None:
            break
        taken.add(best)
        now = now | sets[best]
        m4 = sum(meeting(now).values()) / len(hamlet_ids)
        picks.append((best, *best_key, round(m4, 4)))
    return picks


def celf(sets: list[np.ndarray], covered: np.ndarray, hamlet_of: np.ndarray,
         hamlet_ids: list[str], share: float, max_sites: int, loose: list[np.ndarray]
         ) -> list[tuple]:
    """placement._celf_picks on the same case; ``loose``: supersets of the sets, the bounds
    before a candidate's coverage is known (as the households within its reach)."""
    counts = placement._HamletCounts.of(hamlet_of, pd.Series(hamlet_ids), share)
    start = placement._GreedyState.start(covered, counts)
    sparse = [np.flatnonzero(s) for s in sets]

    def bound(k: int) -> tuple[int, int, int]:
        got = start.key(np.flatnonzero(loose[k]), counts)
        return (0, 0, 0) if got is None else got[1]

    picks = placement._celf_picks(lambda k: sparse[k], bound, len(sets), start, counts,
                                  max_sites)
    return [(p["candidate"], p["hamlets_newly_covered"],
             p["households_gained_in_short_hamlets"], p["households_gained"], p["m4_after"])
            for p in picks]


@pytest.mark.parametrize("seed", range(40))
def test_celf_picks_equal_the_plain_greedy(seed):
    rng = np.random.default_rng(seed)
    n_hh, n_h = int(rng.integers(20, 80)), int(rng.integers(2, 8))
    ids = [f"T{i}" for i in range(n_h)]
    # some households outside every hamlet, some hamlets maybe without households
    hamlet_of = np.array([ids[i] if i < n_h else None
                          for i in rng.integers(0, n_h + 1, n_hh)], dtype=object)
    covered = rng.random(n_hh) < rng.uniform(0.2, 0.8)
    n_c = int(rng.integers(3, 25))
    # small sets from few distinct ones: many ties, which the earlier candidate wins
    pool = [rng.random(n_hh) < rng.uniform(0.05, 0.4) for _ in range(max(2, n_c // 2))]
    sets = [pool[i] for i in rng.integers(0, len(pool), n_c)]
    loose = [s | (rng.random(n_hh) < 0.2) for s in sets]
    share = float(rng.choice([0.5, 0.8, 0.95, 1.0]))
    k = int(rng.integers(1, 6))
    assert celf(sets, covered, hamlet_of, ids, share, k, loose) == \
        plain_greedy(sets, covered, hamlet_of, ids, share, k)


def test_celf_on_a_case_worked_by_hand():
    """Two hamlets of 4 households, share 0.75, nothing covered. A covers h0..h2 (T1 to 3/4),
    B covers h4, h5 (half of T2), C covers h6, h7, D covers h3. Step 1: A brings a hamlet
    (key 1, 3, 3); B, C (0, 2, 2); D (0, 1, 1). Step 2: B or C alone brings T2 to 2/4, not
    3/4: (0, 2, 2) each, B first; D (0, 0, 1) as T1 is met. Step 3: C brings T2 to 4/4 (1, 2,
    2): a key larger than at step 1, which a bound taken from the first steps alone would
    have missed."""
    hamlet_of = np.array(["T1"] * 4 + ["T2"] * 4, dtype=object)
    member = lambda *i: np.isin(np.arange(8), i)  # noqa: E731
    sets = [member(0, 1, 2), member(4, 5), member(6, 7), member(3)]
    covered = np.zeros(8, dtype=bool)
    expected = [(0, 1, 3, 3, 0.5), (1, 0, 2, 2, 0.5), (2, 1, 2, 2, 1.0)]
    assert plain_greedy(sets, covered, hamlet_of, ["T1", "T2"], 0.75, 3) == expected
    assert celf(sets, covered, hamlet_of, ["T1", "T2"], 0.75, 3, sets) == expected


# --------------------------------------------------------------------------------------------
# Per unit
# --------------------------------------------------------------------------------------------

def little_province(seed: int = 5, side_km: float = 6.0, units_per_side: int = 2,
                    dem: bool = False) -> tuple[Project, list[UnitScope]]:
    """A square of ``side_km``: hamlets every 1.5 km with ~50 households each, a few
    three-sector towers (gaps around the others), square units."""
    rng = np.random.default_rng(seed)
    side = side_km * 1000
    n = int(side // 1500)
    boxes, hh, hid = [], [], []
    for i in range(n):
        for j in range(n):
            cx, cy = X0 + (i + 0.5) * 1500, Y0 + (j + 0.5) * 1500
            boxes.append(shapely.box(cx - 350, cy - 350, cx + 350, cy + 350))
            for _ in range(int(rng.integers(30, 70))):
                hh.append(shapely.Point(cx + rng.uniform(-340, 340), cy + rng.uniform(-340, 340)))
                hid.append(f"T{len(boxes)}")
    hamlets = gpd.GeoDataFrame({"hamlet_id": [f"T{k + 1}" for k in range(len(boxes))],
                                "name": [f"Thôn {k + 1}" for k in range(len(boxes))]},
                               geometry=boxes, crs=UTM)
    households = gpd.GeoDataFrame({"household_id": [f"H{k}" for k in range(len(hh))],
                                   "hamlet_id": hid}, geometry=hh, crs=UTM)
    rows = []
    for t, (x, y) in enumerate([(X0 + 1500, Y0 + 1500), (X0 + 4600, Y0 + 4400)]):
        for s, az in enumerate((0.0, 120.0, 240.0)):
            rows.append({"site_id": f"S{t}-{s}", "tower_id": f"S{t}",
                         "operator": ["Viettel", "MobiFone"][t], "technology": "4G",
                         "band_mhz": 1800.0, "bandwidth_mhz": 20.0, "height_m": 30.0,
                         "azimuth_deg": az, "beamwidth_deg": 65.0, "tilt_deg": 4.0,
                         "eirp_dbm": 60.0, "status": "existing", "tower_id_": None,
                         "defaulted": "", "geometry": shapely.Point(x, y)})
    sites = gpd.GeoDataFrame(rows, geometry="geometry", crs=UTM).drop(columns="tower_id_")
    us = side / units_per_side
    units = [UnitScope("unit", f"U{a}{b}", f"Unit {a}{b}",
                       shapely.box(X0 + a * us, Y0 + b * us, X0 + (a + 1) * us,
                                   Y0 + (b + 1) * us), "synthetic")
             for a in range(units_per_side) for b in range(units_per_side)]
    commune = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + side, Y0 + side)], crs=UTM)
    raster = None
    if dem:
        res = 30.0
        h, w = int((side + 12000) / res), int((side + 12000) / res)
        yy, xx = np.mgrid[0:h, 0:w]
        z = (60 + 50 * np.sin(xx / 31.0) * np.cos(yy / 47.0)).astype(np.float32)
        raster = Raster(z, Affine(res, 0, X0 - 6000, 0, -res, Y0 + side + 6000),
                        cg.resolve_crs(UTM))
    project = Project(scenario=Scenario(name="little province", layers={}),
                      crs=cg.resolve_crs(UTM), hamlets=hamlets, sites=sites,
                      households=households, commune=commune, dem=raster)
    return project, units


@pytest.fixture(scope="module")
def province():
    project, units = little_province()
    params = CoverageParams()
    base = compute_coverage(project.sites, project.hamlets, None, params)
    return project, units, params, base


def test_by_unit_equals_one_call_per_unit(province):
    project, units, params, base = province
    together = placement.suggest_sites_by_unit(project, units, 2, params=params, base=base)
    t = together.table
    assert list(t.columns) == ["unit_code", *placement.SUGGESTION_COLUMNS]
    total = 0
    for scope in units:
        alone = placement.suggest_sites(project, 2, params=params, base=base, unit=scope)
        mine = t[t["unit_code"] == scope.code].drop(columns="unit_code").reset_index(drop=True)
        pd.testing.assert_frame_equal(pd.DataFrame(mine), pd.DataFrame(alone.table),
                                      check_dtype=False)
        assert together.table.attrs["unit_notes"][scope.code] == alone.note
        total += alone.candidates
    assert together.candidates == total
    assert len(t) > 0  # the case has gaps to close


@ON_A_CLUSTER
def test_by_unit_on_a_local_cluster_equals_one_process():
    """The units' suggestions computed on a local dask cluster of two workers (the
    preparation sent once to each, the units in batches) are those of one process: same
    tables, notes and candidate counts, in the units' order. On hills, so that candidates
    need their terrain sweeps there too."""
    project, units = little_province(seed=5, dem=True)
    params = CoverageParams()
    base = compute_coverage(project.sites, project.hamlets, project.dem, params)
    here = placement.suggest_sites_by_unit(project, units, 2, params=params, base=base)
    with Runner(workers=2) as runner:
        assert runner.worker_count == 2
        there = placement.suggest_sites_by_unit(project, units, 2, params=params, base=base,
                                                runner=runner)
    assert len(here.table) > 0  # the case has gaps to close
    pd.testing.assert_frame_equal(pd.DataFrame(there.table), pd.DataFrame(here.table))
    assert there.table.attrs == here.table.attrs
    assert (there.candidates, there.m4_before, there.note) == (here.candidates,
                                                                here.m4_before, here.note)


class _GrowingDict(dict):
    """A dict that another thread is filling: iterating it fails as CPython's does then."""

    def __iter__(self):
        raise RuntimeError("dictionary changed size during iteration")

    def items(self):
        raise RuntimeError("dictionary changed size during iteration")


def test_the_shared_preparation_pickles_without_its_cache(province):
    """The preparation sent to the workers is pickled without the cache of candidates'
    coverage that a worker's tasks fill as they run (dask may pickle a worker's copy then):
    a cache being filled does not stop it, the copy starts with an empty cache, and its
    suggestions equal the original's."""
    project, units, params, base = province
    prep = placement._prepare(project, None, None, params, base, None)
    first = placement._suggest_in(prep, units[0].geometry, 2)
    assert prep.covers  # the candidates' coverage, cached
    prep.covers = _GrowingDict(prep.covers)
    copy = pickle.loads(pickle.dumps(prep))
    assert copy.covers == {} and type(copy.covers) is dict
    assert isinstance(prep.covers, _GrowingDict) and len(prep.covers) > 0  # left as it was
    again = placement._suggest_in(copy, units[0].geometry, 2)
    pd.testing.assert_frame_equal(pd.DataFrame(again.table), pd.DataFrame(first.table))
    assert (again.candidates, again.note) == (first.candidates, first.note)


def test_the_shared_preparation_travels_without_geometries_and_rebuilds_its_indexes(
        province):
    """The preparation is pickled with its candidate points as coordinates and without its
    three spatial indexes; the copy builds the same indexes over the same points again."""
    project, _, params, base = province
    prep = placement._prepare(project, None, None, params, base, None)
    state = prep.__getstate__()
    assert state["tree"] is None and state["point_tree"] is None
    assert state["tower_tree"] is None
    assert state["points"].dtype == np.float64 and state["points"].shape == (len(prep.points), 2)
    copy = pickle.loads(pickle.dumps(prep))
    assert len(prep.points) > 0 and shapely.equals(copy.points, prep.points).all()
    for name in ("tree", "point_tree", "tower_tree"):
        a, b = getattr(prep, name), getattr(copy, name)
        assert len(a.geometries) > 0 and shapely.equals(a.geometries, b.geometries).all(), name
        box = shapely.box(*shapely.total_bounds(a.geometries)).buffer(-1000)
        np.testing.assert_array_equal(a.query(box), b.query(box))


def test_a_candidate_never_lies_outside_its_unit(province):
    project, units, params, base = province
    prep = placement._prepare(project, None, None, params, base, None)
    for scope in units:
        cands = placement._unit_candidates(prep, scope.geometry)
        assert cands
        pts = gpd.GeoSeries([c["geometry"] for c in cands], crs=UTM)
        # on the unit's territory: inside, or on its boundary within the edge tolerance
        assert (pts.distance(scope.geometry) <= 0.5 + 1e-9).all()
    found = placement.suggest_sites_by_unit(project, units, 4, params=params, base=base)
    for scope in units:
        picks = found.table[found.table["unit_code"] == scope.code]
        assert picks["inside_commune"].all()
        assert inside_unit(picks, scope.geometry).all()


# --------------------------------------------------------------------------------------------
# The shortcuts give what the whole computation gives
# --------------------------------------------------------------------------------------------

def land_cover(project: Project) -> Raster:
    """A 10 m WorldCover-classed raster over the little province: stripes of tree cover
    (10), cropland (40) and built-up (50) every 400 m."""
    minx, miny, maxx, maxy = project.hamlets.total_bounds
    w, h = int((maxx - minx + 4000) / 10), int((maxy - miny + 4000) / 10)
    xx = np.arange(w)[None, :].repeat(h, axis=0)
    classes = np.array([10, 40, 50], dtype=np.uint8)[(xx // 40) % 3]
    return Raster(classes, Affine(10, 0, minx - 2000, 0, -10, maxy + 2000),
                  cg.resolve_crs(UTM))


@pytest.mark.parametrize("case", ["flat", "dem", "landcover", "environment_per_pixel"])
def test_windowed_coverage_equals_the_whole_grid(case):
    """A candidate's households from the computation at their grid cells through the spatial
    index are those that add_cells on an empty result (the whole grid, same ground and land
    cover) covers: on flat ground (where only the households within the flat-ground cell
    edge are looked at), with a DEM, and with a DEM and a land cover (its losses; then its
    environments per pixel too)."""
    project, _ = little_province(seed=7, dem=case != "flat")
    params = CoverageParams()
    landcover = None
    if case in ("landcover", "environment_per_pixel"):
        landcover = land_cover(project)
        if case == "environment_per_pixel":
            params = CoverageParams(clutter={"environment_per_pixel": True})
    base = compute_coverage(project.sites, project.hamlets, project.dem, params,
                            landcover=landcover)
    prep = placement._prepare(project, None, None, params, base, None)
    assert (prep.clutter is None) == (landcover is None)
    empty = base.__class__(base.grid, base.cells.iloc[0:0], params, {}, {}, {},
                           base.dem_used, base.dem_grid, {}, landcover=landcover)
    rng = np.random.default_rng(1)
    picks = rng.choice(len(prep.points), size=min(6, len(prep.points)), replace=False)
    assert len(picks)
    for i in picks:
        point = prep.points[i]
        near = placement._within_reach(prep, [{"geometry": point}])(0)
        azimuths, found = placement._cover(prep, ("point", int(i)), point, near)
        site = placement._suggested_cells(None, azimuths, project.crs)
        site = site.set_geometry(gpd.GeoSeries([point] * len(site), crs=UTM))
        whole = add_cells(empty, site)
        hit = base.grid.sample(whole.covered["mobile_broadband"], project.households.geometry)
        expected = np.flatnonzero(hit.astype(bool) & ~prep.covered)
        assert np.array_equal(found, expected)


def test_candidate_grid_equals_the_buffer_of_the_gaps():
    """The grid points kept near the gaps are those inside the union of the gaps' 3 km
    buffers (shapely's own polygons), points in the thin ring between the polygon and the
    circle included."""
    rng = np.random.default_rng(11)
    gaps = shapely.points(rng.uniform(0, 9000, 60) + X0, rng.uniform(0, 5000, 60) + Y0)
    spacing = 137.0
    zone = shapely.MultiPoint(list(gaps)).buffer(3000)
    minx, miny, maxx, maxy = zone.bounds
    xs = np.arange(math.floor(minx / spacing), math.ceil(maxx / spacing) + 1) * spacing
    ys = np.arange(math.floor(miny / spacing), math.ceil(maxy / spacing) + 1) * spacing
    gx, gy = np.meshgrid(xs, ys)
    every = shapely.points(gx.ravel(), gy.ravel())
    expected = every[shapely.within(every, zone)]
    got = placement._lattice_near(gaps, spacing, 3000.0)
    assert shapely.get_coordinates(got).tolist() == shapely.get_coordinates(expected).tolist()
    # the ring was exercised: some kept points lie beyond r cos(pi/64) of every gap
    d = shapely.STRtree(gaps).query_nearest(got, return_distance=True)[1]
    assert (d > 3000 * math.cos(math.pi / 64)).any()
