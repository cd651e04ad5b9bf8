"""QGIS opens the outputs coloured (issue 14): each layer of ``results.gpkg`` takes its default
style from the GeoPackage's ``layer_styles`` table, and each coverage raster its ``.qml``
sidecar, in QGIS itself.

QGIS's Python bindings come with the system's Python (Debian: ``apt-get install
python3-qgis qgis-providers``), not with the project's virtual environment, so a small script
runs under that interpreter in a subprocess, headless (``QT_QPA_PLATFORM=offscreen``), and
prints what QGIS loaded as JSON. Skipped, with the reason, when no Python on this machine
can import ``qgis``.

References: the colours of ``coverage_gis.outputs.style`` and the words of
``coverage_gis.outputs.i18n``; the renderer of the same layer opened without its default
style (what QGIS shows when it finds none).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import warnings
from pathlib import Path

import pytest

import coverage_gis as cg
from coverage_gis.outputs import i18n, style
from coverage_gis.outputs.writer import render_analysis

from .conftest import SAMPLE

#: The Python interpreters that may carry QGIS's bindings (``$QGIS_PYTHON`` first).
CANDIDATES = [os.environ.get("QGIS_PYTHON", ""), "/usr/bin/python3", shutil.which("python3")]

#: Run by QGIS's Python: argv[1] the GeoPackage, argv[2] the rasters' folder; prints JSON.
PROBE = r"""
import json, os, sys
from qgis.core import Qgis, QgsApplication, QgsRasterLayer, QgsVectorLayer

app = QgsApplication([], False)
app.initQgis()
gpkg, rasters = sys.argv[1], sys.argv[2]


def colour(symbol):
    return symbol.color().name() if symbol is not None else None


def vector(uri, name, default_style):
    options = QgsVectorLayer.LayerOptions()
    options.loadDefaultStyle = default_style
    layer = QgsVectorLayer(uri, name, "ogr", options)
    r = layer.renderer()
    info = {"valid": layer.isValid(), "renderer": r.type() if r else None,
            "labels": layer.labelsEnabled()}
    if r is not None and r.type() == "categorizedSymbol":
        info["attribute"] = r.classAttribute()
        info["classes"] = {str(c.value()): [colour(c.symbol()), c.label()]
                           for c in r.categories()}
    elif r is not None and r.type() == "RuleRenderer":
        info["rules"] = [[rule.filterExpression(), rule.label(), colour(rule.symbol())]
                         for rule in r.rootRule().children()]
    elif r is not None and r.type() == "singleSymbol":
        info["colour"] = colour(r.symbol())
    return layer, info


out = {"version": Qgis.QGIS_VERSION, "layers": {}, "plain": {}, "rasters": {}}
from osgeo import ogr
source = ogr.Open(gpkg)
names = [source.GetLayer(i).GetName() for i in range(source.GetLayerCount())]
source = None
for name in names:
    uri = gpkg + "|layername=" + name
    layer, out["layers"][name] = vector(uri, name, True)
    count, ids, styles, descriptions, error = layer.listStylesInDatabase()
    out["layers"][name]["stored_styles"] = list(styles)
    _, out["plain"][name] = vector(uri, name, False)
for tif in sorted(f for f in os.listdir(rasters) if f.endswith(".tif")):
    layer = QgsRasterLayer(os.path.join(rasters, tif), tif)
    r = layer.renderer()
    info = {"valid": layer.isValid(), "renderer": r.type() if r else None}
    if r is not None and r.type() == "paletted":
        info["classes"] = [[c.value, c.color.name(), c.label] for c in r.classes()]
    elif r is not None and r.type() == "singlebandpseudocolor":
        items = r.shader().rasterShaderFunction().colorRampItemList()
        info["items"] = [[i.value, i.color.name(), i.label] for i in items]
    out["rasters"][tif] = info
print("QGIS-PROBE " + json.dumps(out, ensure_ascii=False, default=str))
layer = None
app.exitQgis()
# QGIS 3.22's bindings crash in the interpreter's own clean-up (after the work is done and
# printed): leave without it
sys.stdout.flush()
os._exit(0)
"""


def _qgis_python() -> str | None:
    for exe in CANDIDATES:
        if exe and Path(exe).exists():
            proc = subprocess.run([exe, "-c", "import qgis.core"], capture_output=True,
                                  timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
            if proc.returncode == 0:
                return exe
    return None


@pytest.fixture(scope="module")
def qgis_python() -> str:
    exe = _qgis_python()
    if exe is None:
        pytest.skip("QGIS's Python bindings are not importable by any Python here "
                    "(apt-get install python3-qgis qgis-providers): QGIS style tests skipped")
    return exe


@pytest.fixture(scope="module")
def rendered(qgis_python, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("qgis")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        render_analysis(cg.analyze(cg.load_project(SAMPLE)), folder, "vi")
    return folder


@pytest.fixture(scope="module")
def loaded(qgis_python, rendered, tmp_path_factory) -> dict:
    """What QGIS loaded of the Vietnamese output set."""
    script = tmp_path_factory.mktemp("probe") / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": "",
           "XDG_RUNTIME_DIR": str(script.parent)}
    proc = subprocess.run([qgis_python, str(script), str(rendered / "results.gpkg"),
                           str(rendered / "rasters")], capture_output=True, text=True,
                          timeout=600, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("QGIS-PROBE ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("QGIS-PROBE "):])


def _styled(rendered: Path) -> set[str]:
    with sqlite3.connect(rendered / "results.gpkg") as db:
        return {r[0] for r in db.execute(
            "SELECT f_table_name FROM layer_styles WHERE useAsDefault")}


def test_every_styled_layer_opens_with_its_stored_style(loaded, rendered):
    styled = _styled(rendered)
    assert {"hamlets", "households", "cells", "towers"} <= styled
    for name in styled:
        got, plain = loaded["layers"][name], loaded["plain"][name]
        assert got["valid"], name
        assert name in got["stored_styles"], (name, got["stored_styles"])
        # not what QGIS shows without a style (one symbol of a random colour)
        assert got != {**plain, "stored_styles": got["stored_styles"]}, name
        assert got["renderer"] in ("RuleRenderer", "categorizedSymbol", "singleSymbol"), name
    # and every data layer has a style
    data = set(loaded["layers"]) - {"layer_styles"}
    assert data <= styled, data - styled


def test_hamlets_by_status_in_the_palette_with_names(loaded):
    hamlets = loaded["layers"]["hamlets"]
    assert hamlets["renderer"] == "RuleRenderer" and hamlets["labels"]
    assert [r[2] for r in hamlets["rules"]] == [
        c.lower() for c in style.HAMLET_STATUS_COLOURS.values()]
    assert all("mobile_broadband_covered" in r[0] and "ftth_covered" in r[0]
               for r in hamlets["rules"])
    assert all(r[1] for r in hamlets["rules"])  # a legend text for each state


def test_households_covered_and_not_covered(loaded):
    households = loaded["layers"]["households"]
    assert households["renderer"] == "RuleRenderer"
    colours = {r[0]: r[2] for r in households["rules"]}
    assert colours['"mobile_broadband"'] == style.MET.lower()
    assert colours['NOT "mobile_broadband"'] == style.SHORT.lower()


def test_cells_and_towers_by_operator_in_the_operator_colours(loaded):
    for name, attribute in (("cells", "operator"), ("towers", "operators")):
        layer = loaded["layers"][name]
        assert layer["renderer"] == "categorizedSymbol", name
        assert layer["attribute"] == attribute
        singles = {k: v[0] for k, v in layer["classes"].items() if "," not in k}
        assert {"Viettel", "VinaPhone", "MobiFone", "Vietnamobile"} <= set(singles)
        for operator, colour in singles.items():
            assert colour == style.OPERATOR_COLOURS[operator].lower(), (name, operator)


def test_the_rasters_open_with_their_qml(loaded, rendered):
    tifs = sorted(p.name for p in (rendered / "rasters").glob("*.tif"))
    assert tifs and set(tifs) == set(loaded["rasters"])
    # the serving-cell rasters (cell indices) have no style by design; they open grey
    unstyled = {t for t in tifs if not (rendered / "rasters" / t).with_suffix(".qml").exists()}
    assert all(t.startswith("server_") for t in unstyled), unstyled
    w = i18n.words("vi")
    levels = {"#{:02x}{:02x}{:02x}".format(*c[:3]) for c in style.LEVEL_COLOURS}
    for name, info in loaded["rasters"].items():
        assert info["valid"], name
        if name in unstyled:
            assert info["renderer"] == "singlebandgray", name  # QGIS's default, unstyled
            continue
        if name.startswith("level_"):
            assert info["renderer"] == "singlebandpseudocolor", name
            assert levels <= {item[1] for item in info["items"]}, (name, info["items"])
        assert info["renderer"] in ("paletted", "singlebandpseudocolor"), (name, info)
        if name.startswith("covered_"):
            classes = {int(v): (c, label) for v, c, label in info["classes"]}
            assert classes[1] == (style.MET.lower(), w["covered_yes"]), name
            assert w["covered_no"] == classes[0][1]
