"""The stored result: every field of an Analysis written by ``analyze`` and read back exactly,
rendered again identically, without recomputing and without the input files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import re
import shutil
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal
from pyproj import CRS

import coverage_gis as cg
from coverage_gis.cli.main import main
from coverage_gis.engines.coverage import LocationProbability
from coverage_gis.errors import ResultFormatError
from coverage_gis.outputs.indicators import indicators_json
from coverage_gis.outputs.writer import OUTPUT_NAMES, render_analysis
from coverage_gis.results import store
from coverage_gis.results.analysis import Analysis
from coverage_gis.results.store import STORE_NAMES, read_analysis, save_analysis

from .cluster import ON_A_CLUSTER
from .conftest import SAMPLE

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The sample analysed once, written by write_analysis (which stores it), and read back."""
    out = tmp_path_factory.mktemp("stored") / "analysis"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = cg.analyze(cg.load_project(SAMPLE))
        cg.write_analysis(analysis, out, lang="en")
    start = time.perf_counter()
    back = read_analysis(out)
    TIMINGS["read"] = time.perf_counter() - start
    return analysis, out, back


def copy_result(out: Path, dest: Path) -> Path:
    """Only the stored result of an output set, elsewhere."""
    dest.mkdir(parents=True)
    for name in STORE_NAMES:
        src = out / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy2(src, dest / name)
    return dest


# ---------------------------------------------------------------------------------------------
# Comparing every field
# ---------------------------------------------------------------------------------------------

def _arrays(value: Any) -> Any:
    """Rasters computed or read when used, as their arrays."""
    if isinstance(value, (LocationProbability, store.StoredBands)):
        return dict(value.items())
    return value


def assert_same(a: Any, b: Any, where: str = "analysis") -> None:
    """``a`` and ``b`` equal in type, dtypes, CRS, values (NaN where NaN), and order. A
    fresh result's location probabilities (computed when read) and a read result's
    coverage rasters (read from their files when used) compare as their arrays."""
    a, b = _arrays(a), _arrays(b)
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, pd.DataFrame):
        assert_same_table(a, b, where)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: length"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{a.shape}"
        if a.dtype == object:
            assert [shapely.to_wkb(x) if isinstance(x, shapely.Geometry) else x
                    for x in a.ravel()] == [shapely.to_wkb(y) if isinstance(y, shapely.Geometry)
                                            else y for y in b.ravel()], where
        else:
            assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), where
    elif isinstance(a, shapely.STRtree):
        assert_same(np.asarray(a.geometries), np.asarray(b.geometries), f"{where}.geometries")
    elif isinstance(a, CRS):
        assert a == b and a.srs == b.srs, where
    elif a is pd.NA or a is pd.NaT:
        assert b is a, where
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame, where: str) -> None:
    if isinstance(a, gpd.GeoDataFrame):
        assert_geodataframe_equal(a, b, check_dtype=True, check_crs=True, check_index_type=True,
                                  check_less_precise=False, normalize=False)
        assert a.geometry.name == b.geometry.name, where
        assert shapely.to_wkb(a.geometry.values).tolist() == \
            shapely.to_wkb(b.geometry.values).tolist(), f"{where}: geometry not bit-exact"
        if a.crs is not None:
            assert a.crs.srs == b.crs.srs, where
    else:
        assert_frame_equal(a, b, check_dtype=True, check_exact=True, check_index_type=True,
                           check_column_type=True)
    for col in a.columns:  # None stays None, NaN stays NaN, True stays a bool
        if a[col].dtype == object:
            assert [type(v) for v in a[col]] == [type(v) for v in b[col]], f"{where}.{col}"
    assert_same(a.attrs, b.attrs, f"{where}.attrs")


def test_every_field_round_trips(stored):
    analysis, _, back = stored
    assert_same(analysis, back)


def test_the_tables_the_outputs_use_round_trip(stored):
    """The same, spelled out for the main tables (dtypes, CRS, geometry, attrs)."""
    a, _, b = stored
    for name in ("hamlets", "commune", "sites", "fibre", "access_points", "households",
                 "roads", "railway", "constraints"):
        assert_geodataframe_equal(getattr(a.project, name), getattr(b.project, name),
                                  check_dtype=True, check_crs=True)
        assert getattr(a.project, name).attrs == getattr(b.project, name).attrs
    assert_frame_equal(a.project.statistics, b.project.statistics, check_exact=True)
    assert_frame_equal(a.hamlets, b.hamlets, check_exact=True)
    assert_frame_equal(a.scorecard, b.scorecard, check_exact=True)
    assert list(a.scorecard["met"]) == list(b.scorecard["met"])  # True/False/None
    for name in ("signal_radius", "towers", "sharing_candidates", "suggestions"):
        assert_geodataframe_equal(getattr(a, name), getattr(b, name), check_dtype=True,
                                  check_crs=True)
    assert b.suggestions.attrs == a.suggestions.attrs
    assert b.towers.attrs == a.towers.attrs
    assert_geodataframe_equal(a.coverage.cells, b.coverage.cells, check_dtype=True)
    for name in ("routes", "reach", "extensions"):
        assert_geodataframe_equal(getattr(a.fibre, name), getattr(b.fibre, name),
                                  check_dtype=True, check_crs=True)
    for name in ("snaps", "hamlets"):
        assert_frame_equal(getattr(a.fibre, name), getattr(b.fibre, name), check_exact=True)


def test_arrays_parameters_and_indicators_round_trip(stored):
    a, _, b = stored
    ca, cb = a.coverage, b.coverage
    assert cb.grid == ca.grid and cb.grid.crs.srs == ca.grid.crs.srs
    assert cb.params == ca.params and isinstance(cb.params, cg.CoverageParams)
    assert b.fibre.params == a.fibre.params
    assert cb.dem_used is ca.dem_used is True
    for name in ("level_dbm", "server", "covered", "operator_level_dbm"):
        arrays_a, arrays_b = getattr(ca, name), getattr(cb, name)
        assert list(arrays_a) == list(arrays_b), name
        for key, arr in arrays_a.items():
            got = arrays_b[key]
            assert got.dtype == arr.dtype and got.shape == arr.shape, (name, key)
            assert np.array_equal(got, arr, equal_nan=arr.dtype.kind == "f"), (name, key)
            if arr.dtype.kind == "f":
                assert np.array_equal(np.isnan(got), np.isnan(arr)), (name, key)
    assert any(isinstance(k, tuple) for k in cb.operator_level_dbm)
    assert np.array_equal(b.project.dem.data, a.project.dem.data, equal_nan=True)
    assert b.project.dem.transform == a.project.dem.transform
    # the DEM the coverage used is the project's: stored once, read back as one object
    assert (ca.dem_grid is a.project.dem) == (cb.dem_grid is b.project.dem)
    assert b.indicators == a.indicators
    assert indicators_json(b.indicators) == indicators_json(a.indicators)
    assert b.project.scenario == a.project.scenario
    assert b.project.crs == a.project.crs
    net_a, net_b = a.fibre.network, b.fibre.network
    assert net_b.n_nodes == net_a.n_nodes and net_b.length_m == net_a.length_m
    assert_frame_equal(net_b.components(), net_a.components())
    xy = a.project.households.geometry.get_coordinates().to_numpy()[:50]
    att_a, att_b = net_a.attach(xy, 500.0), net_b.attach(xy, 500.0)
    assert np.array_equal(att_a.seg, att_b.seg) and np.array_equal(att_a.t_m, att_b.t_m)


def test_layout_and_format(stored):
    _, out, _ = stored
    for name in STORE_NAMES:
        assert (out / name).exists(), name
        assert name in OUTPUT_NAMES
    doc = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert doc["format"] == "coverage-gis result" and doc["format_version"] == 1
    files = {p.relative_to(out).as_posix() for p in (out / "data").rglob("*") if p.is_file()}
    text = (out / "result.json").read_text(encoding="utf-8")
    for rel in files:
        assert f'"{rel}"' in text, rel  # every data file is described
    parquet = sorted(f for f in files if f.endswith(".parquet"))
    assert "data/project/households.parquet" in parquet
    assert "data/fibre/reach.parquet" in parquet and "data/hamlets.parquet" in parquet
    for rel in parquet:
        meta = pq.read_metadata(out / rel).metadata
        geo = json.loads(meta[b"geo"]) if b"geo" in meta else None
        if rel in ("data/project/sites.parquet", "data/fibre/reach.parquet"):
            assert geo["primary_column"] == "geometry"
            assert geo["columns"]["geometry"]["crs"]["id"]["code"] == 32648
    rasters = {p.name for p in (out / "rasters").glob("*.tif")}
    assert {"level_4g_dbm.tif", "server_4g.tif", "covered_mobile_broadband.tif",
            "covered_mobile_broadband_viettel.tif", "level_4g_viettel_dbm.tif"} <= rasters
    assert "data/project/dem.tif" in files


def test_every_raster_is_a_valid_cog(stored):
    from rio_cogeo.cogeo import cog_validate

    _, out, _ = stored
    tifs = sorted([*(out / "rasters").glob("*.tif"), *(out / "data").rglob("*.tif")])
    assert len(tifs) > 20
    for tif in tifs:
        valid, errors, _ = cog_validate(str(tif), quiet=True)
        assert valid and not errors, (tif.name, errors)


def test_geotiffs_are_deflated_at_the_level_of_the_settings(tmp_path, monkeypatch):
    """``settings.GEOTIFF_DEFLATE_LEVEL`` reaches GDAL: level 9 packs a smooth float raster
    tighter than level 1; both are DEFLATE with the same values."""
    import rasterio
    from rasterio.transform import from_origin

    from coverage_gis.config import settings
    from coverage_gis.io.files import write_geotiff

    grid = type("G", (), {"width": 512, "height": 512, "crs": CRS.from_epsg(32648),
                          "transform": from_origin(580000, 2220000, 30, 30)})()
    rng = np.random.default_rng(1)
    data = (-90 + np.cumsum(rng.normal(0, 0.3, (512, 512)), axis=1)).astype(np.float32)
    sizes = {}
    for level in (1, 9):
        monkeypatch.setattr(settings, "GEOTIFF_DEFLATE_LEVEL", level)
        path = write_geotiff(tmp_path / f"l{level}.tif", data, grid, nodata=-9999.0,
                             description="level")
        with rasterio.open(path) as ds:
            assert ds.profile["compress"] == "deflate"
            np.testing.assert_array_equal(ds.read(1), data)
        sizes[level] = path.stat().st_size
    assert sizes[9] < sizes[1]


@pytest.mark.parametrize("block", [128, 256])
def test_geotiffs_are_tiled_at_the_block_size_of_the_settings(tmp_path, monkeypatch, block):
    """``settings.GEOTIFF_BLOCK_PX`` reaches GDAL: a 667 x 667 raster (a site's 10 km at 30
    m) in tiles of that side, still a valid COG with the same values."""
    import rasterio
    from rasterio.transform import from_origin
    from rio_cogeo.cogeo import cog_validate

    from coverage_gis.config import settings
    from coverage_gis.io.files import write_geotiff

    monkeypatch.setattr(settings, "GEOTIFF_BLOCK_PX", block)
    grid = type("G", (), {"width": 667, "height": 667, "crs": CRS.from_epsg(32648),
                          "transform": from_origin(580000, 2220000, 30, 30)})()
    data = np.random.default_rng(2).normal(-90, 10, (667, 667)).astype(np.float32)
    path = write_geotiff(tmp_path / "t.tif", data, grid, nodata=None, description="level",
                         overviews=False)
    with rasterio.open(path) as ds:
        assert ds.block_shapes == [(block, block)]
        np.testing.assert_array_equal(ds.read(1), data)
    valid, errors, _ = cog_validate(str(path), quiet=True)
    assert valid and not errors


def test_the_stored_result_can_be_moved(stored, tmp_path):
    _, out, back = stored
    assert_same(back, read_analysis(copy_result(out, tmp_path / "moved")))


def test_saving_in_two_steps_writes_the_same_result_json_last(stored, tmp_path):
    """begin_saving hands each raster's write to ``add`` (to be run elsewhere, later) and
    writes result.json only at finish(), once those files are there: the same result."""
    analysis, _, _ = stored
    later: list[tuple[Any, ...]] = []

    def add(path, fn, *args, **kwargs):
        later.append((fn, args, kwargs))
        return path

    whole = save_analysis(analysis, tmp_path / "whole")
    pending = store.begin_saving(analysis, tmp_path / "steps", add)
    assert later and all(fn is store.write_geotiff for fn, _, _ in later)
    assert not (tmp_path / "steps" / store.RESULT_FILE).exists()
    assert not list((tmp_path / "steps").rglob("*.tif"))
    with pytest.raises(RuntimeError, match="not complete"):
        pending.finish()
    assert not (tmp_path / "steps" / store.RESULT_FILE).exists()
    for fn, args, kwargs in reversed(later):  # in any order
        fn(*args, **kwargs)
    steps = pending.finish()
    assert steps[-1].name == store.RESULT_FILE
    assert ([p.relative_to(tmp_path / "steps") for p in steps]
            == [p.relative_to(tmp_path / "whole") for p in whole])
    assert ((tmp_path / "steps" / store.RESULT_FILE).read_text()
            == (tmp_path / "whole" / store.RESULT_FILE).read_text())
    assert_same(read_analysis(tmp_path / "whole"), read_analysis(tmp_path / "steps"))


# ---------------------------------------------------------------------------------------------
# Rendering again
# ---------------------------------------------------------------------------------------------

def _normalise_ids(html: str) -> str:
    """folium's element ids (name_<32 hex>) numbered in order of first appearance."""
    ids: dict[str, str] = {}
    return re.sub(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])",
                  lambda m: ids.setdefault(m.group(0), f"ID{len(ids)}"), html)


def _xlsx_values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def assert_same_file(a: Path, b: Path) -> None:
    name = a.name
    if name == "map.html":
        assert _normalise_ids(a.read_text("utf-8")) == _normalise_ids(b.read_text("utf-8"))
    elif name.endswith(".geojson"):
        # the GeoJSON "name" member is the temporary file's name (outputs/files.write_geojson)
        docs = [json.loads(p.read_text("utf-8")) for p in (a, b)]
        for doc in docs:
            doc.pop("name", None)
        assert docs[0] == docs[1], name
    elif name.endswith(".xlsx"):
        assert _xlsx_values(a) == _xlsx_values(b)
    elif name.endswith(".gpkg"):
        layers = [row[0] for row in pyogrio.list_layers(a)]
        assert layers == [row[0] for row in pyogrio.list_layers(b)]
        for layer in layers:
            assert_frame_equal(pyogrio.read_dataframe(a, layer=layer),
                               pyogrio.read_dataframe(b, layer=layer), check_exact=True)
    elif name.endswith(".kmz"):
        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            assert za.namelist() == zb.namelist()
            for n in za.namelist():
                assert za.read(n) == zb.read(n), n
    else:
        assert a.read_bytes() == b.read_bytes(), name


def test_rendering_the_read_back_result_gives_the_same_outputs(stored, tmp_path):
    analysis, _, back = stored
    first, second = tmp_path / "original", tmp_path / "read_back"
    first.mkdir()
    second.mkdir()
    start = time.perf_counter()
    store.save_analysis(analysis, tmp_path / "timing")
    TIMINGS["save"] = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        render_analysis(analysis, first, "en")
        render_analysis(back, second, "en")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    names = {f.as_posix() for f in files}
    assert {"report.html", "map.html", "hamlets.csv", "cells.csv", "scorecard.csv",
            "layers.csv", "towers.csv", "summary.json", "report.xlsx", "results.gpkg",
            "results.kmz", "result.json"} <= names
    for rel in files:
        assert_same_file(first / rel, second / rel)
    print(f"\nstored result: save {TIMINGS['save']:.2f} s, read {TIMINGS.get('read', 0):.2f} s")


def test_report_command_renders_without_recomputing(stored, tmp_path, monkeypatch, capsys):
    _, out, _ = stored

    def no(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("recomputed")

    import coverage_gis.engines.coverage as coverage
    import coverage_gis.engines.fibre as fibre
    import coverage_gis.pipeline as pipeline

    monkeypatch.setattr(coverage, "compute_coverage", no)
    monkeypatch.setattr(coverage, "add_cells", no)
    monkeypatch.setattr(fibre, "compute_fibre", no)
    monkeypatch.setattr(pipeline, "analyze", no)
    folder = tmp_path / "set"
    shutil.copytree(out, folder)
    assert main(["report", str(folder), "--lang", "en"]) == 0, capsys.readouterr().err
    assert "Rendered" in capsys.readouterr().out
    for name in ("report.html", "hamlets.csv", "scorecard.csv", "cells.csv", "summary.json"):
        assert (folder / name).read_bytes() == (out / name).read_bytes(), name
    assert_same_file(out / "map.html", folder / "map.html")
    elsewhere = tmp_path / "print"
    assert main(["-q", "report", str(folder), "--out", str(elsewhere), "--lang", "en"]) == 0
    assert (elsewhere / "report.html").read_bytes() == (out / "report.html").read_bytes()
    assert_same(read_analysis(out), read_analysis(elsewhere))


def test_report_never_deletes_what_the_user_keeps_in_or_around_a_result(stored, tmp_path,
                                                                        capsys):
    """Found by fuzzing: ``report`` in place deleted the notes a user had put in the result
    folder; ``--out`` inside the result, or holding it, mixed or deleted sets."""
    _, out, _ = stored
    folder = tmp_path / "set"
    shutil.copytree(out, folder)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["report", str(folder)]) == 1
    assert "notes.txt); they would be deleted with the set" in capsys.readouterr().err
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    (folder / "notes.txt").unlink()
    assert main(["report", str(folder), "--out", str(folder / "sub")]) == 1
    assert "is inside the stored result" in capsys.readouterr().err
    assert not (folder / "sub").exists()
    holder = tmp_path / "holder"
    shutil.copytree(out, holder / "set")
    assert main(["report", str(holder / "set"), "--out", str(holder), "--overwrite"]) == 1
    assert "refusing to write here: the folder holds the input" in capsys.readouterr().err
    assert (holder / "set" / "result.json").exists()


@ON_A_CLUSTER
def test_report_on_local_workers_writes_the_same_set(stored, tmp_path, capsys):
    """``report --workers N``: the largest files written on a local cluster's workers, the
    same set as in one process."""
    _, out, _ = stored
    here, there = tmp_path / "here", tmp_path / "there"
    assert main(["-q", "report", str(out), "--out", str(here), "--lang", "en"]) == 0
    assert main(["-q", "report", str(out), "--out", str(there), "--lang", "en",
                 "--workers", "2"]) == 0, capsys.readouterr().err
    files = sorted(p.relative_to(here) for p in here.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(there) for p in there.rglob("*") if p.is_file())
    assert len(files) > 40
    for rel in files:
        if rel.name != "manifest.json":  # it records when the set was written
            assert_same_file(here / rel, there / rel)


# ---------------------------------------------------------------------------------------------
# Other analyses and values
# ---------------------------------------------------------------------------------------------

def test_a_small_project_without_dem_or_roads_round_trips(small_scenario, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = cg.analyze(cg.load_project(small_scenario))
    assert analysis.project.dem is None and analysis.project.roads is None
    assert analysis.fibre is not None and analysis.fibre.network.n_segments == 0
    assert analysis.project.excluded  # the far site
    folder = tmp_path / "out" / "small"
    written = save_analysis(analysis, folder)
    assert written[-1] == folder / "result.json"
    assert all(p.is_file() for p in written)
    for p in tmp_path.iterdir():  # the inputs are gone: the stored result is self-contained
        if p.is_file():
            p.unlink()
    assert_same(analysis, read_analysis(folder))


def test_values_json_lacks_round_trip(stored, tmp_path):
    """Indicators, attrs and object columns holding what JSON has no words for."""
    analysis, _, _ = stored
    odd = {"nan": float("nan"), "inf": -math.inf, "tuple": (1, "a"), "int_keys": {1: "x"},
           "$type": "not a tag", "numpy": [np.int64(3), np.float32(0.5), np.bool_(True)],
           "path": Path("a/b.csv"), "na": pd.NA, "when": dt.date(2025, 1, 2),
           "at": dt.datetime(2025, 1, 2, 3, 4, 5), "set": {1, 2},
           "array": np.array([[1.5, np.nan], [3.0, 4.0]], dtype=np.float32),
           "point": shapely.Point(1, 2), "nested": [{"a": None}, []]}
    card = analysis.scorecard.copy()
    card["mixed"] = [None, float("nan"), 1, "t", True, 2.5, (1, 2), {"k": [1]}, pd.NA,
                     np.int32(7)] + [None] * (len(card) - 10)
    card["text_and_none"] = ["x", None] * (len(card) // 2)
    card["int_na"] = pd.array([1, None] * (len(card) // 2), dtype="Int64")
    card["bool_na"] = pd.array([True, None] * (len(card) // 2), dtype="boolean")
    card["when"] = pd.Timestamp("2025-01-01")
    card["cat"] = pd.Categorical(["a", "b"] * (len(card) // 2))
    card.attrs = {"odd": odd}
    towers = analysis.towers.copy()
    towers.index = pd.Index([f"t{i}" for i in range(len(towers))], name="key")
    m4 = dataclasses.replace(analysis.indicators.m4,
                             rule_params={**analysis.indicators.m4.rule_params, "odd": odd})
    changed = dataclasses.replace(analysis, scorecard=card, towers=towers,
                                  indicators=dataclasses.replace(analysis.indicators, m4=m4))
    save_analysis(changed, tmp_path / "odd")
    back = read_analysis(tmp_path / "odd")
    assert_same(changed, back)
    assert type(back.indicators.m4.rule_params["odd"]["numpy"][1]) is np.float32
    assert back.indicators.m4.rule_params["odd"]["int_keys"] == {1: "x"}


def test_what_cannot_be_stored_is_refused_when_saving(stored, tmp_path):
    analysis, _, _ = stored
    m4 = dataclasses.replace(analysis.indicators.m4, rule_params={"value": object()})
    changed = dataclasses.replace(analysis,
                                  indicators=dataclasses.replace(analysis.indicators, m4=m4))
    with pytest.raises(TypeError, match="indicators/m4/rule_params/value"):
        save_analysis(changed, tmp_path / "bad")


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def test_a_folder_without_result_json_is_refused(tmp_path, capsys):
    for folder in (tmp_path, tmp_path / "nowhere"):
        with pytest.raises(ResultFormatError, match="not a folder written by "
                                                    "'coverage-gis analyze'") as err:
            read_analysis(folder)
        assert str(folder) in str(err.value)
    assert main(["report", str(tmp_path)]) == 1
    stderr = capsys.readouterr().err
    assert "not a folder written by 'coverage-gis analyze'" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("change, message", [
    (lambda d: {**d, "format": "something else"}, "is not a coverage-gis stored result"),
    (lambda d: {**d, "format_version": 2}, "format version 2"),
    (lambda d: {k: v for k, v in d.items() if k != "format_version"}, "format version None"),
    (lambda d: {**d, "format_version": True}, "format version True"),
    (lambda d: {**d, "analysis": {"$type": "Nothing"}}, "damaged or not understood"),
    (lambda d: {**d, "analysis": {**d["analysis"], "hamlets": {"$type": "table"}}},
     "damaged or not understood"),
    (lambda d: [], "is not a coverage-gis stored result"),
])
def test_another_format_or_version_is_refused(stored, tmp_path, change, message):
    _, out, _ = stored
    folder = copy_result(out, tmp_path / "r")
    doc = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    (folder / "result.json").write_text(json.dumps(change(doc)), encoding="utf-8")
    with pytest.raises(ResultFormatError, match=message) as err:
        read_analysis(folder)
    assert str(folder / "result.json") in str(err.value)


def test_result_json_that_is_not_json_is_refused(stored, tmp_path):
    _, out, _ = stored
    folder = copy_result(out, tmp_path / "r")
    (folder / "result.json").write_text('{"format": "coverage-gis', encoding="utf-8")
    with pytest.raises(ResultFormatError, match="cannot be read as a stored result"):
        read_analysis(folder)


@pytest.mark.parametrize("rel", ["data/fibre/reach.parquet", "data/project/dem.tif",
                                 "rasters/level_4g_dbm.tif",
                                 "data/fibre/network/segments.parquet"])
def test_a_missing_data_file_is_named(stored, tmp_path, rel, capsys):
    _, out, _ = stored
    folder = copy_result(out, tmp_path / "r")
    (folder / rel).unlink()
    with pytest.raises(ResultFormatError, match="missing") as err:
        read_analysis(folder)
    assert str(folder / rel) in str(err.value) and "incomplete" in str(err.value)
    assert main(["report", str(folder), "--out", str(tmp_path / "x")]) == 1
    assert str(folder / rel) in capsys.readouterr().err


def test_write_analysis_names_a_wrong_argument(tmp_path):
    with pytest.raises(TypeError, match=r"write_analysis: analysis=None: expected an "
                                        r"Analysis \(cg.analyze\(project\)"):
        cg.write_analysis(None, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    # the notebook's map and report the same (found by fuzzing: "'str' object has no
    # attribute 'project'")
    with pytest.raises(TypeError, match=r"coverage_map: analysis='out/demo': expected an "
                                        r"Analysis"):
        cg.maps.coverage_map("out/demo")
    with pytest.raises(TypeError, match=r"report_html: analysis=None: expected an Analysis"):
        cg.report.report_html(None, None)


def test_a_stored_result_unlike_its_manifest_is_refused(stored, tmp_path, capsys):
    """Found by fuzzing: a table and a raster copied in from an --indoor run of the same grid
    were rendered as this run's (summary.json said outdoor, the hamlets' shares were
    indoor). ``report`` and ``serve`` check the stored result against the set's manifest;
    a file the manifest does not list (a viewer's sidecar) is left alone."""
    _, out, _ = stored
    folder = tmp_path / "mixed"
    shutil.copytree(out, folder)
    (folder / "rasters" / "level_4g_dbm.tif.aux.xml").write_text("<PAMDataset/>")
    assert main(["report", str(folder), "--out", str(tmp_path / "ok")]) == 0
    shutil.copy(folder / "rasters/covered_4g.tif", folder / "rasters/covered_5g.tif")
    (folder / "data/hamlets.parquet").unlink()
    capsys.readouterr()
    assert main(["report", str(folder), "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert (f"error: {folder}: its stored result is not the one manifest.json lists "
            "(data/hamlets.parquet: missing; rasters/covered_5g.tif: differs from the "
            "manifest): changed since it was written, or files copied in from another run; "
            "run 'coverage-gis analyze' again") in err
    assert not (tmp_path / "x").exists()


def test_an_analysis_shows_as_one_line(stored):
    """What a notebook shows for ``result``: one line like a Project's (found by fuzzing: the
    dataclass's own repr was 22 kB over 300 lines of tables and CRS text)."""
    analysis, _, back = stored
    for a in (analysis, back):
        text = repr(a)
        assert "\n" not in text and len(text) < 300
        assert text.startswith("<Analysis 'Quang Trung commune") and text.endswith(">")
        assert "6 hamlet(s)" in text and "M4 3/6 hamlets; F2 5/6 hamlets; M5 50%" in text


def test_read_analysis_checks_the_manifest_as_report_does(stored, tmp_path):
    """Found by fuzzing: another run's hamlets table and 4G raster copied into a set were
    read by cg.read_analysis without a word (QT05's share from the other run), while
    ``report`` refused the folder. ``check=False`` is for a caller that checked itself."""
    _, out, _ = stored
    folder = tmp_path / "mixed"
    shutil.copytree(out, folder)
    shutil.copy(folder / "rasters/covered_4g.tif", folder / "rasters/covered_5g.tif")
    with pytest.raises(ResultFormatError, match=r"its stored result is not the one "
                                                r"manifest.json lists \(rasters/covered_5g.tif: "
                                                r"differs from the manifest\)"):
        cg.read_analysis(folder)
    assert read_analysis(folder, check=False) is not None


def test_a_set_is_never_replaced_while_it_is_read(stored, tmp_path, capsys):
    """Found by fuzzing: ``report R --out X`` while ``analyze --out R --overwrite`` ran wrote
    a set of two analyses (the stored rasters are read when used, after the swap). A run
    reading a set holds it shared (results.folder.reading); a run replacing it holds it
    alone: each refuses the other, naming it."""
    from coverage_gis.errors import LockedError
    from coverage_gis.outputs.outset import OutputSet
    from coverage_gis.outputs.writer import OUTPUT_NAMES
    from coverage_gis.results.folder import reading

    _, out, _ = stored
    folder = tmp_path / "r"
    shutil.copytree(out, folder)
    with reading(folder), reading(folder):  # readers share it
        with pytest.raises(LockedError, match=r"another coverage-gis run \(report, serve, or "
                                              r"a notebook's read_analysis\) is reading this "
                                              r"folder"):
            OutputSet(folder, kind="analysis", overwrite=True, known_names=OUTPUT_NAMES).open()
    with OutputSet(folder, kind="analysis", overwrite=True, known_names=OUTPUT_NAMES):
        with pytest.raises(LockedError, match=f"another coverage-gis run \\(process "
                                              f"{os.getpid()}\\) is writing this folder"):
            cg.read_analysis(folder)
        assert main(["report", str(folder), "--out", str(tmp_path / "x")]) == 1
        assert "is writing this folder" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert main(["report", str(folder), "--out", str(tmp_path / "x")]) == 0
    # read with its rasters when used, then replaced: a raster read after is refused, not
    # taken from the new set (the fuzzing's deterministic case)
    analysis, _, _ = stored
    lazy = cg.read_analysis(folder, rasters_when_used=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cg.write_analysis(analysis, folder, lang="en")
    with pytest.raises(ResultFormatError, match=r"level_4g_dbm.tif: replaced since the stored "
                                                r"result in .* was read \(another run wrote "
                                                r"the folder meanwhile\)"):
        lazy.coverage.level_dbm["4G"]


def test_files_of_a_set_changed_since_are_not_replaced(stored, tmp_path, capsys):
    """Found by fuzzing: a note added to hamlets.csv (in Excel) was lost without a word by
    ``report`` in place (which asks for no --overwrite) and by ``analyze --overwrite``, as
    ``init --overwrite`` refuses. A file deleted is not the user's to lose; a viewer's
    statistics sidecar (.aux.xml) is deleted with the set."""
    _, out, _ = stored
    folder = tmp_path / "r"
    shutil.copytree(out, folder)
    (folder / "rasters" / "level_4g_dbm.tif.aux.xml").write_text("<PAMDataset/>")
    (folder / "scorecard.csv").unlink()
    assert main(["report", str(folder), "-q"]) == 0  # in place
    assert not (folder / "rasters" / "level_4g_dbm.tif.aux.xml").exists()
    with (folder / "hamlets.csv").open("a", encoding="utf-8") as f:
        f.write("my note\n")
    before = (folder / "hamlets.csv").read_bytes()
    capsys.readouterr()
    assert main(["report", str(folder)]) == 1
    assert (f"error: {folder}: holds files changed since coverage-gis wrote them (hamlets.csv)"
            "; they would be lost with the set: move them out (or delete them, to let the set "
            "be replaced), or choose another --out") in capsys.readouterr().err
    assert main(["analyze", str(SAMPLE), "--out", str(folder), "--overwrite", "-q"]) == 1
    assert "holds files changed since coverage-gis wrote them (hamlets.csv)" in \
        capsys.readouterr().err
    assert (folder / "hamlets.csv").read_bytes() == before


@pytest.mark.parametrize("rel", ["data/hamlets.parquet", "data/project/sites.parquet",
                                 "rasters/covered_4g.tif", "data/project/dem.tif"])
def test_an_unreadable_data_file_is_named(stored, tmp_path, rel):
    _, out, _ = stored
    folder = copy_result(out, tmp_path / "r")
    (folder / rel).write_bytes(b"not this file")
    with pytest.raises(ResultFormatError, match="cannot be read") as err:
        read_analysis(folder)
    assert str(folder / rel) in str(err.value)


def test_a_raster_of_another_shape_is_named(stored, tmp_path):
    analysis, out, _ = stored
    folder = copy_result(out, tmp_path / "r")
    shutil.copy(folder / "data/project/dem.tif", folder / "rasters/covered_4g.tif")
    grid = analysis.coverage.grid
    with pytest.raises(ResultFormatError, match=f"expected {grid.height} x {grid.width}") as err:
        read_analysis(folder)
    assert str(folder / "rasters/covered_4g.tif") in str(err.value)


def test_a_raster_damaged_past_its_header_is_named_when_used(stored, tmp_path, capsys):
    """A coverage raster whose header is whole but whose data is cut short is named when
    the result is read, or, read with ``rasters_when_used`` (as ``report`` does), when its
    values are wanted; ``report`` exits 1, no traceback, no output set."""
    _, out, _ = stored
    folder = copy_result(out, tmp_path / "r")
    tif = folder / "rasters/level_4g_dbm.tif"
    with open(tif, "r+b") as f:
        f.truncate(tif.stat().st_size // 2)
    with pytest.raises(ResultFormatError, match="cannot be read") as err:
        read_analysis(folder)
    assert str(tif) in str(err.value)
    back = read_analysis(folder, rasters_when_used=True)  # the header is whole: checked
    assert back.coverage.covered["4G"].any()  # another file: read
    with pytest.raises(ResultFormatError, match="cannot be read") as err:
        back.coverage.level_dbm["4G"]
    assert str(tif) in str(err.value)
    assert main(["report", str(folder), "--out", str(tmp_path / "x")]) == 1
    captured = capsys.readouterr()
    assert str(tif) in captured.err and "Traceback" not in captured.err
    assert not (tmp_path / "x").exists()


def test_an_output_folder_from_before_the_store_is_explained(stored, tmp_path):
    _, out, _ = stored
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(out / "summary.json", old / "summary.json")
    with pytest.raises(ResultFormatError, match="written before results were stored"):
        read_analysis(old)


def test_a_data_file_outside_the_folder_is_refused(stored, tmp_path):
    _, out, _ = stored
    folder = copy_result(out, tmp_path / "r")
    text = (folder / "result.json").read_text(encoding="utf-8")
    text = text.replace('"data/hamlets.parquet"', '"../../etc/hamlets.parquet"')
    (folder / "result.json").write_text(text, encoding="utf-8")
    with pytest.raises(ResultFormatError, match="outside the folder"):
        read_analysis(folder)


def test_read_analysis_accepts_result_json_and_returns_an_analysis(stored):
    _, out, back = stored
    again = read_analysis(out / "result.json")
    assert isinstance(again, Analysis)
    assert again.indicators == back.indicators
