"""The stored notebooks are what ``notebooks/make_notebooks.py`` writes: an edit made in a
notebook alone would be lost at the next regeneration (it happened once: notebook 04's land
cover). The notebooks themselves are run by nbmake (``pytest notebooks``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"


def test_the_stored_notebooks_are_the_generated_ones():
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  FOLDER / "make_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(module.NOTEBOOKS) == sorted(p.name for p in FOLDER.glob("*.ipynb"))
    for name, cells in module.NOTEBOOKS.items():
        stored = nbformat.read(FOLDER / name, as_version=4)
        assert [(c.cell_type, c.source) for c in stored.cells] == [
            (c.cell_type, c.source) for c in cells], (
            f"{name} differs from make_notebooks.py: edit the generator and run it")
