"""The benchmark scripts (``benchmarks/``, run by hand, never timed in tests) still name what
the package has: every ``coverage_gis`` module, function or attribute they import or reach
through an imported module exists. A rename in the package otherwise breaks a benchmark
only when someone next runs it (``bench_splat.py`` called a renamed private function for
several rounds)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("*.py"))


def _names(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, attribute) for every ``coverage_gis`` name the script uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}   # local name -> module
    used: list[tuple[int, str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "coverage_gis" and a.asname:
                    modules[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coverage_gis"):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                try:
                    importlib.import_module(full)
                    modules[a.asname or a.name] = full
                except ImportError:
                    used.append((node.lineno, node.module or "", a.name))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            used.append((node.lineno, modules[node.value.id], node.attr))
    return used


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_benchmarks_name_what_the_package_has(path):
    used = _names(path)
    missing = [f"{path.name}:{line}: {module}.{attr}" for line, module, attr in used
               if not hasattr(importlib.import_module(module), attr)]
    assert not missing, missing


def test_the_check_finds_a_missing_name(tmp_path):
    script = tmp_path / "bench_x.py"
    script.write_text("from coverage_gis.engines import coverage as cov\n"
                      "cov.dem_on_grid\ncov._dem_on_grid\n", encoding="utf-8")
    assert _names(script) == [(2, "coverage_gis.engines.coverage", "dem_on_grid"),
                              (3, "coverage_gis.engines.coverage", "_dem_on_grid")]
    assert not hasattr(importlib.import_module("coverage_gis.engines.coverage"),
                       "_dem_on_grid")
