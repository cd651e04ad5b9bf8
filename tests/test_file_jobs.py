"""Output files written on a local cluster's workers (issue 13: the outputs scale with the
workers too).

- The sample's whole output set written with two local workers holds the files of one process:
  the same names, the same bytes for every file whose bytes do not carry the time of writing
  (rasters, Parquet, CSV, GeoJSON, QGIS styles, result.json), the same layers in the
  GeoPackage, the same KML in the KMZ and the same cells in the workbook; the fibre GeoJSON,
  the GeoPackage, the KMZ, the workbook and the stored result's rasters were written by
  tasks on the workers.
- A write that fails on a worker fails the set here with its own error.
- Without a cluster, the writes run here in turn, in the order they were added.
"""

from __future__ import annotations

import hashlib
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

import coverage_gis as cg
from coverage_gis.engines.tiles import Runner
from coverage_gis.outputs.file_jobs import FileJobs
from coverage_gis.outputs.writer import render_analysis

from .cluster import ON_A_CLUSTER

# written with the time in them: the map's element ids, the workbook's creation time, the
# GeoPackage's and the KMZ's file times (their contents are compared below)
_TIMED = {"map.html", "report.xlsx", "results.gpkg", "results.kmz"}


@pytest.fixture(scope="module")
def analysis():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cg.analyze(cg.load_project())


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@ON_A_CLUSTER
def test_outputs_written_on_local_workers_are_the_files_of_one_process(analysis, tmp_path):
    from dask.distributed import get_task_stream

    here = render_analysis(analysis, tmp_path / "here", "en")
    with Runner(workers=2) as runner, get_task_stream(client=runner.client) as stream:
        there = render_analysis(analysis, tmp_path / "there", "en", runner=runner)
    assert ([p.relative_to(tmp_path / "here") for p in here]
            == [p.relative_to(tmp_path / "there") for p in there])
    a, b = _digests(tmp_path / "here"), _digests(tmp_path / "there")
    assert a.keys() == b.keys()
    differ = {name for name in a if a[name] != b[name]}
    assert differ <= _TIMED, differ
    for layer in pyogrio.list_layers(tmp_path / "here" / "results.gpkg")[:, 0]:
        x = pyogrio.read_dataframe(tmp_path / "here" / "results.gpkg", layer=layer)
        y = pyogrio.read_dataframe(tmp_path / "there" / "results.gpkg", layer=layer)
        assert x.equals(y), layer
    with zipfile.ZipFile(tmp_path / "here" / "results.kmz") as x, \
            zipfile.ZipFile(tmp_path / "there" / "results.kmz") as y:
        assert x.namelist() == y.namelist()
        assert all(x.read(n) == y.read(n) for n in x.namelist())
    x = pd.read_excel(tmp_path / "here" / "report.xlsx", sheet_name=None, header=None)
    y = pd.read_excel(tmp_path / "there" / "report.xlsx", sheet_name=None, header=None)
    assert x.keys() == y.keys() and len(x) >= 3
    assert all(x[name].equals(y[name]) for name in x)
    # the workers wrote the fibre GeoJSON (households, extensions), the GeoPackage, the KMZ,
    # the workbook and every raster of the stored result, shared between the two workers
    on_workers = [t for t in stream.data if str(t["key"]).startswith("_run")]
    rasters = list((tmp_path / "there").rglob("*.tif"))
    assert len(rasters) > 10
    assert len(on_workers) == 5 + len(rasters)
    assert len({t["worker"] for t in on_workers}) == 2


def _fail(path: Path) -> Path:
    raise OSError(f"no room left for {path.name}")


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@ON_A_CLUSTER
def test_a_write_failing_on_a_worker_fails_here(tmp_path):
    with Runner(workers=1) as runner:
        jobs = FileJobs(runner)
        assert jobs.on_cluster
        with pytest.raises(OSError, match="no room left for b.txt"), jobs:
            jobs.add(tmp_path / "a.txt", _write, tmp_path / "a.txt", "a")
            jobs.add(tmp_path / "b.txt", _fail, tmp_path / "b.txt")
            jobs.wait()
    assert not (tmp_path / "b.txt").exists()


def test_without_a_cluster_the_writes_run_here_in_turn_when_waited_for(tmp_path):
    order: list[str] = []

    def write(path: Path) -> Path:
        order.append(path.name)
        return _write(path, path.name)

    jobs = FileJobs(Runner())
    assert not jobs.on_cluster
    with jobs:
        paths = [jobs.add(tmp_path / n, write, tmp_path / n) for n in ("b", "a", "c")]
        assert order == []  # not before wait()
        jobs.close()
        with pytest.raises(RuntimeError, match="after close"):
            jobs.add(tmp_path / "d", write, tmp_path / "d")
        assert jobs.wait() == paths
    assert order == ["b", "a", "c"]
    assert [p.read_text() for p in paths] == ["b", "a", "c"]
