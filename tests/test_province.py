"""Province scale (issue 13): tiles with halos, dask.distributed, per-unit results.

- Seams: the sample (DEM + land cover, terrain on) computed in small tiles gives exactly the
  untiled rasters; the tiles left out are only those away from the hamlets.
- dask: a local cluster of two worker processes gives the same levels (within 0.01 dB), the
  same masks and the same hamlet table as one process.
- A whole province (the 166 real units of Thanh Hóa, coarse grid): each hamlet and tower in
  one unit; the units' M4 and M5 counts add up to the province's, computed directly.
- Bad parameters: --workers, --tile-px, --scheduler, province with unit: clear errors.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage_gis.cli.main import main
from coverage_gis.config import settings
from coverage_gis.config.params import CoverageParams
from coverage_gis.engines import coverage as cov
from coverage_gis.engines import fibre as fibre_engine
from coverage_gis.engines import territory
from coverage_gis.engines.tiles import Runner, Tile, tile_plan, windows_touching
from coverage_gis.io import units as admin
from coverage_gis.io.project import load_project
from coverage_gis.pipeline import (
    analyze,
    province_indicators,
    province_scopes,
    unit_as_area,
    unit_indicators,
    unit_view,
)
from coverage_gis.radio import terrain
from coverage_gis.results import store

from .cluster import ON_A_CLUSTER
from .conftest import SAMPLE

UTM = "EPSG:32648"


@pytest.fixture(scope="module")
def sample():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = load_project()
    params = CoverageParams.from_scenario(project.scenario.parameters)
    whole = cov.compute_coverage(project.sites, project.hamlets, project.dem, params,
                                 landcover=project.landcover)
    return project, params, whole


def _empty(whole: cov.CoverageResult, project) -> cov.CoverageResult:
    return cov.CoverageResult(whole.grid, project.sites.iloc[0:0].to_crs(whole.grid.crs),
                              whole.params, {}, {}, {}, True, whole.dem_grid, {},
                              landcover=project.landcover)


def _same(a: cov.CoverageResult, b: cov.CoverageResult, tol_db: float) -> None:
    assert set(a.level_dbm) == set(b.level_dbm)
    for t in a.level_dbm:
        x, y = a.level_dbm[t], b.level_dbm[t]
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y))
        assert np.nanmax(np.abs(x - y)) <= tol_db, t
        np.testing.assert_array_equal(a.server[t], b.server[t])
    assert set(a.covered) == set(b.covered)
    for k in a.covered:
        np.testing.assert_array_equal(a.covered[k], b.covered[k], err_msg=k)


# --------------------------------------------------------------------------------------------
# Tiles
# --------------------------------------------------------------------------------------------

def test_tile_plan_covers_the_grid_once(sample):
    _, _, whole = sample
    grid = whole.grid
    tiles = tile_plan(grid, 80)
    seen = np.zeros((grid.height, grid.width), dtype=int)
    for t in tiles:
        seen[t.rows, t.cols] += 1
    assert (seen == 1).all()
    assert len(tiles) == int(np.ceil(grid.height / 80) * np.ceil(grid.width / 80))


def test_windows_touching_by_hand():
    w = np.array([[0, 10, 0, 10], [10, 20, 0, 5], [5, 6, 30, 40], [0, 0, 0, 0]])
    assert windows_touching(w, Tile(0, 10, 0, 10)).tolist() == [0]
    assert windows_touching(w, Tile(5, 15, 0, 31)).tolist() == [0, 1, 2]
    assert windows_touching(w, Tile(20, 30, 0, 50)).tolist() == []


def test_tile_seams_are_invisible(sample):
    """Terrain, clutter and sectors crossing tile edges: tiles of 80 cells give exactly the
    one-piece rasters."""
    project, _, whole = sample
    assert whole.dem_used and project.landcover is not None
    tiled = cov.add_cells(_empty(whole, project), project.sites, tile_px=80)
    crossing = 0
    for t in tile_plan(whole.grid, 80):
        inner = whole.server["4G"][t.rows, t.cols]
        crossing += int(np.isin(inner, whole.server["4G"][:, t.c1:t.c1 + 1]).any())
    assert crossing > 0  # some cell serves on both sides of a seam
    _same(whole, tiled, 0.0)


@ON_A_CLUSTER
def test_dask_cluster_gives_the_same_results(sample, monkeypatch):
    project, params, whole = sample
    one = analyze(project, params, suggest_sites=0)
    monkeypatch.setattr(settings, "FIBRE_PARTS_ON_LOCAL_CLUSTER", True)
    with Runner(workers=2, tile_px=48) as runner:
        two = analyze(project, params, suggest_sites=0, runner=runner)
        assert runner.describe() == {"mode": "local_cluster", "workers": 2, "scheduler": None,
                                     "tile_px": 48}
        # one thread per worker, numba's pool included (two workers: two threads, not four)
        assert set(runner.client.run(terrain.numba_threads).values()) == {1}
    _same(one.coverage, two.coverage, 0.01)
    pd.testing.assert_frame_equal(one.hamlets, two.hamlets)
    assert one.indicators.m4 == two.indicators.m4
    assert set(two.timings_s) >= {"coverage", "coverage_per_hamlet", "sharing", "fibre"}
    # the fibre extensions were designed on the workers, each sent its part of the graph
    a, b = one.fibre.extensions, two.fibre.extensions
    assert len(a) and (a["boxes"] > 0).any()
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                  pd.DataFrame(b.drop(columns="geometry")), check_exact=True)
    assert shapely.equals_exact(a.geometry.values, b.geometry.values, 0).all()


@ON_A_CLUSTER
def test_a_local_cluster_starts_its_workers_beside_this_process():
    """Entering a local cluster asks for its workers and returns: they start while this
    process goes on (``analyze`` loads the layers meanwhile); the first use of the client
    waits for all of them."""
    with Runner(workers=2) as runner:
        assert len(runner._cluster.worker_spec) == 2  # asked for, not awaited
        assert runner.worker_count == 2
        assert len(runner.client.scheduler_info()["workers"]) == 2
        assert set(runner.client.run(terrain.numba_threads).values()) == {1}


def _refuse_here(*args, **kwargs):
    raise AssertionError("fibre traced in this process, not on a worker")


@ON_A_CLUSTER
def test_fibre_runs_as_tasks_on_local_workers(sample, monkeypatch):
    """On a local cluster, fibre runs as tasks on the workers (fresh processes: this
    process's patches do not reach them), beside the tiles: reach and the extensions' graph,
    the short hamlets' designs in FIBRE_DESIGN_TASKS_PER_WORKER runs per worker, the result;
    the same results as one process, and its own time."""
    from dask.distributed import get_task_stream

    from coverage_gis.engines import fibre_extensions

    project, params, _ = sample
    one = analyze(project, params, suggest_sites=1)
    for module, name in ((fibre_engine, "compute_fibre"), (fibre_engine, "fibre_start"),
                         (fibre_extensions, "_design")):
        monkeypatch.setattr(module, name, _refuse_here)
    with Runner(workers=2, tile_px=48) as runner:
        with get_task_stream(client=runner.client) as stream:
            two = analyze(project, params, suggest_sites=1, runner=runner)
    kinds = [str(t["key"]).split("-")[0] for t in stream.data]
    assert kinds.count("fibre_designs") == 2 * settings.FIBRE_DESIGN_TASKS_PER_WORKER
    assert kinds.count("fibre_start") == kinds.count("fibre") == 1
    assert one.fibre is not None and two.fibre is not None
    for name in ("reach", "extensions"):
        a, b = getattr(one.fibre, name), getattr(two.fibre, name)
        assert len(a)
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                      pd.DataFrame(b.drop(columns="geometry")))
        assert shapely.equals_exact(a.geometry.values, b.geometry.values, 0).all()
    pd.testing.assert_frame_equal(one.fibre.hamlets, two.fibre.hamlets)
    pd.testing.assert_frame_equal(one.hamlets, two.hamlets)
    pd.testing.assert_frame_equal(pd.DataFrame(one.suggestions), pd.DataFrame(two.suggestions))
    assert one.indicators == two.indicators
    assert 0 < two.timings_s["fibre"]


def _page_faults_of_a_reused_array() -> tuple[int, str | None]:
    """Minor page faults of making and dropping a 2 MB array 100 times (in a worker), and
    the worker's MALLOC_TRIM_THRESHOLD_."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(100):
        a = np.ones(1 << 18)
        del a
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before,
            os.environ.get("MALLOC_TRIM_THRESHOLD_"))


@ON_A_CLUSTER
@pytest.mark.parametrize("trim", [False, True])
def test_local_workers_reuse_their_memory(monkeypatch, trim):
    """Local workers start without dask's MALLOC_TRIM_THRESHOLD_ (settings.
    LOCAL_WORKERS_TRIM_MEMORY off): glibc's adaptive threshold lets an array made again reuse
    the pages of the one dropped, instead of faulting in 512 fresh pages each time (the
    control, with dask's setting: 100 x 512)."""
    monkeypatch.setattr(settings, "LOCAL_WORKERS_TRIM_MEMORY", trim)
    before = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    try:
        with Runner(workers=1) as runner:
            [(faults, env)] = runner.client.run(_page_faults_of_a_reused_array).values()
    finally:  # the nanny sets the variable in this process too, and later workers inherit it
        if before is None:
            os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    if trim:
        assert env == "65536" and faults > 100 * 512 // 2
    else:
        assert env is None and faults < 100 * 512 // 10


_SCRIPT_IMPORTING_FIRST = """
from coverage_gis.engines.tiles import Runner  # each spawned worker runs these again, and
from coverage_gis.io.project import load_project  # imports numba before its environment
from coverage_gis.pipeline import analyze  # (NUMBA_NUM_THREADS=1) is set

if __name__ == "__main__":
    project = load_project()
    with Runner(workers=1, tile_px=48) as runner:
        print(analyze(project, suggest_sites=0, runner=runner).indicators.m4.value)
"""


@ON_A_CLUSTER
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: numba's default is one thread")
def test_a_script_importing_coverage_gis_first_runs_on_local_workers(tmp_path):
    """A script importing coverage_gis at its top, run on a local cluster with numba's cache
    empty (a fresh install): the workers load some kernels from the cache this process
    wrote and compile others after those ran, with one numba thread each. It failed: "Cannot
    set NUMBA_NUM_THREADS to a different value once the threads have been launched"."""
    import subprocess
    import sys

    script = tmp_path / "first.py"
    script.write_text(_SCRIPT_IMPORTING_FIRST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba")  # empty
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert 0 < float(done.stdout.split()[-1]) <= 1


def _rss_freed_by_trim() -> float:
    """MB of resident memory that malloc_trim hands back after 100 of 200 1-MB arrays (in
    the heap) were dropped, every other one (holes the heap's top cannot give back)."""
    import psutil

    from coverage_gis.engines import tiles

    big = np.ones(1 << 19)  # a 4 MB array dropped: glibc now keeps 1 MB ones in its heap
    del big
    arrays = [np.ones(1 << 17) for _ in range(200)]
    del arrays[::2]
    before = psutil.Process().memory_info().rss
    assert tiles.malloc_trim() == 1
    return (before - psutil.Process().memory_info().rss) / 1e6


@ON_A_CLUSTER
def test_workers_hand_memory_back_when_asked():
    """Runner.trim runs glibc's malloc_trim on every worker: the holes left by dropped
    arrays go back to the system (about 100 MB here)."""
    with Runner(workers=1) as runner:
        [freed] = runner.client.run(_rss_freed_by_trim).values()
        runner.trim()
    assert freed > 50
    Runner().trim()  # in this process: nothing to do


# --------------------------------------------------------------------------------------------
# A whole province
# --------------------------------------------------------------------------------------------

def _province_scenario(folder: Path) -> Path:
    """60 three-sector masts on real units of Thanh Hóa, households around them, one in five
    masts shared by two operators; a 1 km grid so that the whole province stays small."""
    units = admin.load_units().to_crs(UTM)
    rng = np.random.default_rng(7)
    pick = units.sample(60, random_state=7)
    points = pick.representative_point().to_numpy()
    ops = ["Viettel", "VinaPhone", "MobiFone", "Vietnamobile"]
    rows = []
    for k, p in enumerate(points):
        tower = k - 1 if k % 5 == 1 else k  # masts 1, 6, 11... share the previous tower
        x, y = (points[tower].x + 15, points[tower].y) if tower != k else (p.x, p.y)
        for s, az in enumerate((0, 120, 240)):
            rows.append({"site_id": f"S{k}-{s}", "tower_id": f"T{tower}",
                         "operator": ops[k % 4], "technology": "4G", "band_mhz": 1800,
                         "bandwidth_mhz": 20, "height_m": 30, "azimuth_deg": az,
                         "beamwidth_deg": 65, "tilt_deg": 4, "eirp_dbm": 61,
                         "status": "existing", "x": x, "y": y})
    df = pd.DataFrame(rows)
    ll = gpd.GeoSeries(gpd.points_from_xy(df.x, df.y), crs=UTM).to_crs(4326)
    df["lon"], df["lat"] = ll.x.round(7), ll.y.round(7)
    df.drop(columns=["x", "y"]).to_csv(folder / "sites.csv", index=False)
    xy = np.vstack([np.c_[p.x + rng.normal(0, 400, 150), p.y + rng.normal(0, 400, 150)]
                    for p in points])
    hh = gpd.GeoDataFrame({"household_id": [f"H{i}" for i in range(len(xy))]},
                          geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=UTM)
    hh.to_crs(4326).to_file(folder / "households.gpkg", layer="households")
    path = folder / "province.toml"
    path.write_text('[scenario]\nname = "Thanh Hóa, test"\nyear = 2025\n'
                    'province = "Thanh Hóa"\n\n[layers]\nsites = "sites.csv"\n'
                    'households = { path = "households.gpkg", layer = "households" }\n\n'
                    '[coverage]\nresolution_m = 1000\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    folder = tmp_path_factory.mktemp("province")
    path = _province_scenario(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = unit_as_area(load_project(path))
    return path, analyze(project, suggest_sites=0)


def test_province_has_every_unit(province):
    _, analysis = province
    scopes = province_scopes(analysis.project)
    assert len(scopes) == 166 and len({s.code for s in scopes}) == 166
    assert sorted(analysis.hamlets["unit_code"]) == sorted(s.code for s in scopes)


def test_units_add_up_to_the_province(province):
    _, analysis = province
    units = unit_indicators(analysis)
    whole = province_indicators(analysis)
    assert len(units) == 166 and whole is not None and whole.role == "province"
    # each unit one area; those with no household in the data are unmeasured, not short
    assert sum(u.m4.hamlets for u in units) == whole.m4.hamlets
    assert sum(len(u.m4.unmeasured_hamlets) for u in units) == len(
        whole.m4.unmeasured_hamlets)
    assert whole.m4.hamlets + len(whole.m4.unmeasured_hamlets) == 166
    assert sum(u.m4.covered_hamlets for u in units) == whole.m4.covered_hamlets
    assert 0 < whole.m4.covered_hamlets < whole.m4.hamlets
    for attr in ("existing", "with_planned"):
        assert (sum(getattr(u.m5, attr).shared for u in units)
                == getattr(whole.m5, attr).shared)
        assert (sum(getattr(u.m5, attr).total for u in units)
                == getattr(whole.m5, attr).total)
    # by hand: 60 masts on 48 towers (12 shared by two operators), none off the province
    assert whole.m5.existing.total == 48 and whole.m5.existing.shared == 12


def test_each_tower_in_one_unit_even_on_a_shared_boundary():
    a = shapely.box(0, 0, 10, 10)
    b = shapely.box(10, 0, 20, 10)
    pts = gpd.GeoSeries([shapely.Point(5, 5), shapely.Point(10, 5), shapely.Point(20.3, 5),
                         shapely.Point(30, 5)])
    got = territory.point_units(pts, [a, b], edge_m=0.5)
    assert got[0] == 0 and got[1] in (0, 1) and got[2] == 1 and got[3] == -1
    # hamlets: the unit holding most of the area, none below half
    h = gpd.GeoDataFrame(geometry=[shapely.box(2, 2, 14, 4), shapely.box(8, 2, 18, 4),
                                   shapely.box(15, 2, 25, 4)])
    assert territory.hamlet_units(h, [a, b]).tolist() == [0, 1, 1]
    h2 = gpd.GeoDataFrame(geometry=[shapely.box(15, 2, 35, 4)])  # a quarter in b only
    assert territory.hamlet_units(h2, [a, b]).tolist() == [-1]


def test_province_cli_writes_units_and_the_province(province, tmp_path, capsys):
    path, _ = province
    out = tmp_path / "out"
    code = main(["analyze", str(path), "--out", str(out), "--quiet", "--tile-px", "64"])
    assert code == 0, capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["province"]["role"] == "province"
    assert summary["province"]["unit_code"] == "38"
    assert len(summary["units"]) == 166
    assert summary["compute"]["mode"] == "process" and summary["compute"]["tile_px"] == 64
    assert summary["timings_s"]["coverage"] >= 0
    units = pd.read_csv(out / "units.csv", dtype={"unit_code": str})
    assert len(units) == 166
    # suggestions per unit: each inside the unit it is listed for
    sugg = pd.read_csv(out / "suggested_sites.csv", encoding="utf-8-sig",
                       dtype={"unit_code": str})
    assert len(sugg) and set(sugg["unit_code"]) <= set(units["unit_code"])
    lonlat = gpd.GeoSeries(gpd.points_from_xy(sugg["lon"], sugg["lat"]), crs=4326)
    bounds = admin.load_units().set_index("unit_code").geometry
    for code, point in zip(sugg["unit_code"], lonlat):
        assert bounds[code].buffer(1e-5).covers(point), code
    hamlets = pd.read_csv(out / "hamlets.csv", encoding="utf-8-sig", dtype=str)
    assert "unit_code" in hamlets.columns
    # one unit in detail, from the stored result: its own map, report and indicators
    row = units.sort_values("m5_towers").iloc[-1]   # a unit with towers
    detail = tmp_path / "unit"
    code = main(["report", str(out), "--unit", row["unit_code"], "--out", str(detail),
                 "--quiet"])
    assert code == 0, capsys.readouterr()
    one = json.loads((detail / "summary.json").read_text(encoding="utf-8"))
    m5 = one["indicators"]["M5"]
    assert (m5["shared_towers"], m5["towers"]) == (
        row["m5_shared_towers"], row["m5_towers"])
    assert [u["unit_code"] for u in one["units"]] == [row["unit_code"]]
    # one output set, one story (found by a cross-output review: summary.json counted the
    # province's towers outside the unit, units.csv and towers.csv those near it; the
    # scope said "commune boundary"; the statistics "no statistics table")
    towers = pd.read_csv(detail / "towers.csv")
    own = pd.read_csv(detail / "units.csv", dtype={"unit_code": str}).iloc[0]
    assert m5["towers_outside_unit"] == own["towers_outside_unit"] == int(
        (~towers["inside_unit"].astype(bool)).sum())
    assert m5["scope"] == "towers inside the unit (the unit's 2025 boundary)"
    card = pd.read_csv(detail / "scorecard.csv")
    assert set(card.loc[card["source"] == "statistics", "basis"]) == {
        "no statistics table" if province[1].project.statistics is None
        else "the statistics table is the province's, not per unit"}
    assert (detail / "map.html").stat().st_size < (out / "map.html").stat().st_size
    # --unit needs --out, and a unit of the province
    assert main(["report", str(out), "--unit", row["unit_code"]]) != 0
    assert main(["report", str(out), "--unit", "99999", "--out", str(tmp_path / "x")]) != 0
    assert "no 2025 administrative unit has this code" in "".join(capsys.readouterr())


def test_a_unit_views_statistics_are_said_to_be_the_provinces(province):
    """With a statistics table, a unit's scorecard and its F1 say the statistics are the
    province's (summary.json's F1 said "no statistics table" where the scorecard did not)."""
    from dataclasses import replace

    _, analysis = province
    stats = pd.read_csv(SAMPLE.parent / "statistics" / "statistics.csv")
    with_stats = replace(analysis, project=replace(analysis.project, statistics=stats))
    code = next(u.code for u in unit_indicators(analysis) if u.hamlet_ids)
    view = unit_view(with_stats, code)
    if analysis.fibre is not None:
        assert view.indicators.f1.note == "statistics_not_per_unit"
    card = view.scorecard
    assert set(card.loc[card["source"] == "statistics", "basis"]) == {
        "statistics_not_per_unit"}


def test_a_unit_view_reads_only_its_part_of_the_stored_rasters(province, tmp_path,
                                                               monkeypatch):
    """A unit's view (``report --unit``) of a stored result reads only the part of each
    coverage raster around the unit (windowed reads, never a whole raster), and holds what
    a fresh result's view holds: the whole grid's arrays at the unit's cells, location
    probabilities included (a fresh result computes them on the part only)."""
    _, analysis = province
    (tmp_path / "stored").mkdir()
    store.save_analysis(analysis, tmp_path / "stored")
    back = store.read_analysis(tmp_path / "stored", rasters_when_used=True)
    windows: list = []
    read_band = store._read_band
    monkeypatch.setattr(store, "_read_band", lambda path, window=None: (
        windows.append(window), read_band(path, window))[1])
    code = max(unit_indicators(analysis), key=lambda u: u.m5.existing.total).code
    fresh, stored = unit_view(analysis, code), unit_view(back, code)
    assert len(windows) == sum(len(getattr(back.coverage, f)) for f in (
        "level_dbm", "server", "covered", "operator_level_dbm", "probability"))
    assert all(w is not None for w in windows)
    whole, part = analysis.coverage, fresh.coverage.grid
    assert stored.coverage.grid == part
    assert (part.height, part.width) < (whole.grid.height, whole.grid.width)
    r0 = round((part.transform.f - whole.grid.transform.f) / whole.grid.transform.e)
    c0 = round((part.transform.c - whole.grid.transform.c) / whole.grid.transform.a)
    rows, cols = slice(r0, r0 + part.height), slice(c0, c0 + part.width)
    for field in ("level_dbm", "server", "covered", "operator_level_dbm", "probability"):
        everywhere = getattr(whole, field)
        a, b = getattr(fresh.coverage, field), getattr(stored.coverage, field)
        assert list(a) == list(b) == list(everywhere) and len(a) > 0, field
        for k in everywhere:
            expected = everywhere[k][rows, cols]
            np.testing.assert_array_equal(a[k], expected, err_msg=f"{field}[{k!r}]")
            np.testing.assert_array_equal(b[k], expected, err_msg=f"{field}[{k!r}]")
            assert b[k].dtype == expected.dtype


def test_a_unit_view_keeps_the_province_layers_around_the_unit_only(province):
    """A unit's view holds the DEM's pixels around the unit (its bounds plus the grid's
    margin), the same values at the same places, not the province's whole DEM; and of the
    province's other layers (here fibre boxes at every unit's centre, a road across the
    province) the features meeting that box."""
    from dataclasses import replace

    from pyproj import CRS, Transformer
    from rasterio.transform import from_origin

    from coverage_gis.io.readers import Raster

    _, analysis = province
    data = np.arange(180 * 200, dtype="float32").reshape(180, 200)
    whole = Raster(data, from_origin(104.2, 20.8, 0.01, 0.01), CRS.from_epsg(4326), "dem")
    scopes = province_scopes(analysis.project)
    centres = [s.geometry.representative_point() for s in scopes]
    boxes = gpd.GeoDataFrame({"ap_id": [f"AP-{s.code}" for s in scopes]}, geometry=centres,
                             crs=analysis.project.crs)
    code = max(unit_indicators(analysis), key=lambda u: u.m5.existing.total).code
    scope = next(s for s in scopes if s.code == code)
    mine = scope.geometry.representative_point()
    far = max(centres, key=lambda c: c.distance(mine))
    x = [c.x for c in centres]
    roads = gpd.GeoDataFrame(  # across the province through the unit, and far away
        {"road_id": ["across", "far"]},
        geometry=[shapely.LineString([(min(x), mine.y), (max(x), mine.y)]),
                  shapely.LineString([(far.x - 100, far.y), (far.x + 100, far.y)])],
        crs=analysis.project.crs)
    with_dem = replace(analysis, project=replace(analysis.project, dem=whole,
                                                 access_points=boxes, roads=roads))
    view = unit_view(with_dem, code)
    margin = analysis.coverage.params.margin_m
    bx0, by0, bx1, by1 = np.asarray(scope.geometry.bounds) + [-margin, -margin, margin, margin]
    near = [f"AP-{s.code}" for s, c in zip(scopes, centres)
            if bx0 <= c.x <= bx1 and by0 <= c.y <= by1]
    assert 0 < len(near) < len(scopes) and f"AP-{code}" in near
    assert sorted(view.project.access_points["ap_id"]) == sorted(near)
    assert view.project.roads["road_id"].tolist() == ["across"]
    dem = view.project.dem
    assert dem is not None and dem.shape[0] < 60 and dem.shape[1] < 60
    c0, r0 = (round(v) for v in ~whole.transform * (dem.transform.c, dem.transform.f))
    np.testing.assert_array_equal(dem.data, data[r0:r0 + dem.shape[0], c0:c0 + dem.shape[1]])
    lon, lat = Transformer.from_crs(analysis.project.crs, 4326, always_xy=True).transform(
        [bx0, bx0, bx1, bx1], [by0, by1, by0, by1])
    left, bottom, right, top = dem.bounds
    assert left <= min(lon) and max(lon) <= right and bottom <= min(lat) and max(lat) <= top


# --------------------------------------------------------------------------------------------
# Bad parameters
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--workers", "-1"], "expected a whole number from 0 to "),
    (["--workers", "two"], "expected a whole number from 0 to "),
    # found by fuzzing: 100000 hung starting the workers
    (["--workers", "100000"], "per processor of this machine, which has"),
    (["--tile-px", "4"], "whole number >= 16"),
])
def test_bad_compute_options_exit_2(args, words, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--out", str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    assert words in capsys.readouterr().err


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys, monkeypatch):
    from coverage_gis.config import settings

    monkeypatch.setattr(settings, "DASK_CONNECT_TIMEOUT_S", 2.0)
    code = main(["analyze", "--out", str(tmp_path / "o"), "--quiet", "--scheduler",
                 "tcp://127.0.0.1:9"])
    text = "".join(capsys.readouterr())
    assert code != 0
    assert "tcp://127.0.0.1:9" in text and "Traceback" not in text
    assert not (tmp_path / "o").exists()


def test_workers_and_scheduler_together_refused(tmp_path, capsys):
    code = main(["analyze", "--out", str(tmp_path / "o"), "--workers", "2", "--scheduler",
                 "tcp://127.0.0.1:9"])
    assert code != 0 and "give one of them" in "".join(capsys.readouterr())


def test_province_with_unit_refused(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('[scenario]\nprovince = "Thanh Hóa"\nunit = "14818"\n', encoding="utf-8")
    code = main(["validate", str(path)])
    text = "".join(capsys.readouterr())
    assert code != 0 and "'province'" in text and "Traceback" not in text


def test_unknown_province_lists_the_known_ones(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('[scenario]\nprovince = "Atlantis"\n', encoding="utf-8")
    code = main(["validate", str(path)])
    text = "".join(capsys.readouterr())
    assert code != 0 and "Atlantis" in text and "38 Thanh Hóa" in text


def test_area_shares_by_rasterised_hamlets_equal_a_point_in_polygon_join(sample):
    """Without households, shares are of the grid cells whose centre is in the hamlet: now
    rasterised once (linear in the grid); checked against geopandas' join of every centre."""
    project, _, whole = sample
    got = cov.hamlet_coverage(whole, project.hamlets, None).set_index("hamlet_id")
    grid = whole.grid
    cx, cy = np.meshgrid(grid.x, grid.y)
    centres = gpd.GeoDataFrame(geometry=gpd.points_from_xy(cx.ravel(), cy.ravel()),
                               crs=grid.crs)
    joined = gpd.sjoin(centres, project.hamlets.to_crs(grid.crs)[["hamlet_id", "geometry"]],
                       predicate="within")
    for key, column in (("mobile_broadband", "mobile_broadband_share"), ("4G", "share_4g")):
        covered = whole.covered[key].ravel()[joined.index.to_numpy()]
        ref = pd.Series(covered).groupby(joined["hamlet_id"].to_numpy()).mean()
        np.testing.assert_allclose(got.loc[ref.index, column].to_numpy(float), ref.to_numpy(),
                                   atol=1e-12)


@pytest.fixture
def dask_scheduler(tmp_path):
    """A real dask.distributed scheduler and one worker process, started as a user would
    (the `dask` command), on free ports; stopped after the test."""
    import subprocess
    import sys
    import time

    dask = Path(sys.executable).with_name("dask")
    info = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([str(dask), "scheduler", "--scheduler-file", str(info),
                               "--port", "0", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(300):
            if info.exists() and info.stat().st_size:
                break
            time.sleep(0.1)
        procs.append(subprocess.Popen([str(dask), "worker", "--scheduler-file", str(info),
                                       "--nthreads", "1", "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        address = json.loads(info.read_text())["address"]
        from dask.distributed import Client
        with Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=30)


@ON_A_CLUSTER
def test_existing_scheduler_gives_the_sample_results(dask_scheduler, tmp_path, capsys):
    here, there = tmp_path / "here", tmp_path / "there"
    assert main(["analyze", "--out", str(here), "--quiet"]) == 0
    assert main(["analyze", "--out", str(there), "--quiet", "--scheduler", dask_scheduler,
                 "--tile-px", "100"]) == 0, capsys.readouterr()
    summary = json.loads((there / "summary.json").read_text(encoding="utf-8"))
    assert summary["compute"] == {"mode": "scheduler", "workers": 1,
                                  "scheduler": dask_scheduler, "tile_px": 100}
    one = json.loads((here / "summary.json").read_text(encoding="utf-8"))
    assert summary["indicators"] == one["indicators"]
    pd.testing.assert_frame_equal(pd.read_csv(here / "hamlets.csv"),
                                  pd.read_csv(there / "hamlets.csv"))
    # the fibre extensions were designed on the worker, sent its parts of the road graph
    ext_here = gpd.read_file(here / "fibre_extensions.geojson")
    ext_there = gpd.read_file(there / "fibre_extensions.geojson")
    assert len(ext_here) and (ext_here["boxes"] > 0).any()
    pd.testing.assert_frame_equal(ext_here, ext_there)


def test_rasters_as_an_xarray_dataset_round_trip_as_geotiff(sample, tmp_path):
    """For analysts: the rasters as an xarray Dataset with its CRS (rioxarray), written and
    read back as a GeoTIFF on the same grid."""
    import rasterio

    _, _, whole = sample
    ds = whole.to_dataset()
    assert ds.rio.crs == whole.grid.crs
    assert ds.rio.transform() == whole.grid.transform
    level = ds["level_dbm_4G"]
    level.rio.write_nodata(np.nan, inplace=True).rio.to_raster(tmp_path / "l.tif")
    with rasterio.open(tmp_path / "l.tif") as src:
        back = src.read(1)
        assert src.transform == whole.grid.transform
    np.testing.assert_array_equal(back, whole.level_dbm["4G"])
    assert ds["covered_mobile_broadband_Viettel"].dtype == bool


def test_a_window_part_sweeps_only_the_rays_it_needs_with_the_same_values():
    """A tile's part of a cell's window: only the rays (and samples) reaching the part are
    swept, and the part's loss, line of sight and effective height equal the whole window's
    (delta-Bullington, effective height on)."""
    import sys

    from coverage_gis.radio import terrain

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_terrain import hilly_dem

    dem = hilly_dem(20_000.0, 30.0)
    x0, y0 = dem.transform.c + 10_000, dem.transform.f - 10_000
    gx = x0 + np.arange(-6000, 6000, 30.0) + 15
    gy = y0 - np.arange(-6000, 6000, 30.0) - 15

    def grids(xs, ys):
        return terrain.terrain_grids(dem, x0, y0, 30.0, 1.5, 1800.0, xs, ys, 6000.0,
                                     method="delta_bullington", with_fresnel=True,
                                     effective_height=True)

    whole = grids(gx, gy)
    cols, rows = gx > x0 + 2000, gy < y0 - 1000
    part = grids(gx[cols], gy[rows])
    cut = np.ix_(rows, cols)
    np.testing.assert_array_equal(whole.loss_db[cut], part.loss_db)
    np.testing.assert_array_equal(whole.los[cut], part.los)
    np.testing.assert_array_equal(whole.fresnel_clear[cut], part.fresnel_clear)
    np.testing.assert_array_equal(whole.h_eff_m[cut], part.h_eff_m)
    assert np.isfinite(part.loss_db).sum() > 1000 and (part.loss_db > 0).any()


def test_terminal_counts_only_units_with_something_to_count(province, capsys):
    """A unit without towers in the data has no M5: the terminal counts the units meeting
    the target among those with a value, and says how many have none (not "0 of 166")."""
    from coverage_gis.cli.analyze import _print_province

    _, analysis = province
    units = unit_indicators(analysis)
    _print_province(province_indicators(analysis), units)
    out = capsys.readouterr().out
    with_towers = sum(1 for u in units if u.m5 is not None and u.m5.value is not None)
    assert 0 < with_towers < 166
    met = sum(1 for u in units if u.m5 is not None and u.m5.value is not None
              and u.m5.value >= u.m5.target)
    assert (f"M5 target met in {met} of {with_towers} units ({166 - with_towers} more "
            "without towers in the data: not computed, units.csv)") in out
    # M4: every unit is one area; those without households in the data are not counted
    measured = sum(1 for u in units if u.m4.value is not None)
    assert 0 < measured < 166
    assert (f"of {measured} units ({166 - measured} more without hamlets with households in "
            "the data") in out


@ON_A_CLUSTER
def test_province_suggestions_on_the_workers_equal_one_process(province):
    """A province's site suggestions through analyze on a local cluster of two workers are
    those of one process (the units' tables, notes, order)."""
    path, _ = province
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = unit_as_area(load_project(path))
        here = analyze(project, suggest_sites=2)
        with Runner(workers=2) as runner:
            there = analyze(project, suggest_sites=2, runner=runner)
    assert here.suggestions is not None and len(here.suggestions) > 0
    pd.testing.assert_frame_equal(pd.DataFrame(there.suggestions),
                                  pd.DataFrame(here.suggestions))
    assert there.suggestions.attrs == here.suggestions.attrs
    assert "suggestions" in there.timings_s and "suggestions" in here.timings_s


@ON_A_CLUSTER
def test_province_suggestions_prepared_while_the_fibre_task_runs(province, tmp_path,
                                                                 monkeypatch):
    """With FTTH boxes, fibre is one task on a local worker; the province's suggestions are
    prepared in this process before that task's result is taken (once: not again in
    suggest_sites_by_unit), and the suggestions and fibre equal one process's."""
    from coverage_gis.engines import placement

    path, _ = province
    hh = gpd.read_file(path.parent / "households.gpkg").to_crs(UTM)
    boxes = hh.iloc[::50]
    pd.DataFrame({"ap_id": [f"AP{i}" for i in range(len(boxes))], "operator": "VNPT",
                  "kind": "FAT", "ports_total": 16, "ports_used": 4,
                  "x": boxes.geometry.x.round(2), "y": boxes.geometry.y.round(2)}
                 ).to_csv(tmp_path / "access_points.csv", index=False)
    for name in ("sites.csv", "households.gpkg"):
        (tmp_path / name).write_bytes((path.parent / name).read_bytes())
    scenario = tmp_path / "province.toml"
    scenario.write_text(path.read_text(encoding="utf-8").replace(
        "[layers]\n", '[layers]\naccess_points = { path = "access_points.csv", '
        'crs = "EPSG:32648" }\n'), encoding="utf-8")
    from dask.distributed import Future

    events: list[str] = []  # in this process, in order
    real = placement.prepare_suggestions
    monkeypatch.setattr(placement, "prepare_suggestions",
                        lambda *a, **k: events.append("prepare_suggestions") or real(*a, **k))
    real_prepare = placement._prepare
    monkeypatch.setattr(placement, "_prepare",
                        lambda *a, **k: events.append("_prepare") or real_prepare(*a, **k))
    real_result = Future.result
    monkeypatch.setattr(Future, "result", lambda self, *a, **k: events.append(
        f"result {str(self.key).split('-')[0]}") or real_result(self, *a, **k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = unit_as_area(load_project(scenario))
        here = analyze(project, suggest_sites=2)
        assert events == ["_prepare"]
        events.clear()
        with Runner(workers=2) as runner:
            there = analyze(project, suggest_sites=2, runner=runner)
    assert events.count("_prepare") == events.count("prepare_suggestions") == 1
    assert events.index("_prepare") < events.index("result fibre")
    assert here.fibre is not None and there.fibre is not None
    assert here.suggestions is not None and len(here.suggestions) > 0
    pd.testing.assert_frame_equal(pd.DataFrame(there.suggestions),
                                  pd.DataFrame(here.suggestions))
    pd.testing.assert_frame_equal(there.hamlets, here.hamlets)
    assert there.indicators == here.indicators
