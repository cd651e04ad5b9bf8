"""Engines return values and codes; the outputs put them in words (Vietnamese and English).

Read from the source (AST): no engine imports an output, and the tower check and tower
sharing build no sentence; then the check's codes, each of which the outputs can word in
both languages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import shapely

import coverage_gis
from coverage_gis.engines import placement
from coverage_gis.outputs import i18n

from .test_sharing import small_project  # noqa: F401  (fixture)

PACKAGE = Path(coverage_gis.__file__).parent
ENGINES = sorted((PACKAGE / "engines").glob("*.py"))

#: Layers to the right of the engines: an engine may import none of them.
RIGHT_OF_ENGINES = ("coverage_gis.results", "coverage_gis.pipeline", "coverage_gis.outputs",
                    "coverage_gis.cli")

#: Words an engine may still carry, each with its reason (reviewed, not sentences to show):
#: the ratio's definition goes into summary.json and the scorecard's ``basis`` (English by
#: contract), and a suggestion's ``kind`` into suggestions.csv.
ALLOWED_WORDS = {
    # category values of documented columns (labels, not sentences): a household's reach
    # basis, the kind of network point, the origin of a new cable (the fibre engine's
    # modules)
    "fibre_reach.py": {"road network", "no access point or fibre route", "fibre route",
                       "access point"},
    "fibre_extensions.py": {"new cable", "{} {}"},
    # suggestions.csv's ``kind`` values
    "placement.py": {"share existing tower", "new site"},
    # scorecard.csv's ``source`` value of F1's homes-passed row
    "targets.py": {"map (homes passed, for context)"},
    # the rasters' CF ``long_name`` in an xarray Dataset (labels of data, as band
    # descriptions are; found by a review: the Datasets said nothing of their variables)
    "coverage.py": {"best-server {} received level",
                    "best-server {} cell: row of the cells table (-1: none)",
                    "location probability of the best-server {} level at its threshold",
                    "covered: {} (at the location probability target)"},
    "site_map.py": {"median path loss: model + terrain diffraction",
                    "median received level (RSRP for 4G/5G)",
                    "terrain diffraction loss in excess of smooth earth",
                    "line of sight (1) or not (0)",
                    "0.55 of the first Fresnel zone clear (1) or not (0)"},
}

#: Functions that return a value or raise InputError: their strings are the error's message
#: (errors are worded where they are raised, in English, like every InputError).
ERROR_ONLY = {"locate_point"}
#: Python's representation of an object, for developers in a notebook or a debugger (in
#: English, like errors): not the tool's wording for users.
DEVELOPER_ONLY = {"__repr__"}


def _imports(tree: ast.AST) -> set[str]:
    """Every module a tree imports, at any depth (imports inside functions too)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_no_engine_imports_a_layer_to_its_right():
    assert ENGINES
    for path in ENGINES:
        found = {m for m in _imports(ast.parse(path.read_text(encoding="utf-8")))
                 if m.startswith(RIGHT_OF_ENGINES)}
        assert not found, f"engines/{path.name} imports {sorted(found)}"


def _strings_outside_raise_and_docstrings(tree: ast.AST) -> list[ast.AST]:
    """String constants and f-strings, leaving out docstrings and what ``raise`` statements
    hold (error messages are written where the error is raised)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) or (isinstance(node, ast.FunctionDef)
                                           and node.name in ERROR_ONLY | DEVELOPER_ONLY):
            skip |= {id(n) for n in ast.walk(node)}
        elif isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
        elif isinstance(node, ast.JoinedStr):
            skip |= {id(v) for v in node.values}  # the f-string is judged whole
    return [n for n in ast.walk(tree) if id(n) not in skip and (
        isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Constant) and isinstance(n.value, str)))]


def _words(node: ast.AST) -> str:
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return node.value


def test_the_engines_build_no_sentences():
    for path in sorted((PACKAGE / "engines").glob("*.py")):
        name = path.name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert "coverage_gis.outputs.i18n" not in _imports(tree)
        sentences = {_words(n) for n in _strings_outside_raise_and_docstrings(tree)
                     if len(_words(n).split()) >= 2}
        assert sentences <= ALLOWED_WORDS.get(name, set()), (name, sentences)


def test_the_check_returns_codes_the_outputs_word_in_both_languages(small_project):  # noqa: F811
    cases = [shapely.Point(600_000 + 4400, 2_218_000 - 100),  # brings hamlet T2
             shapely.Point(600_000 + 4400, 2_218_000 + 170),  # 30 m from the school
             shapely.Point(600_000 + 150, 2_218_000 + 400)]   # 250 m from Viettel's tower
    seen = set()
    for point in cases:
        for operator in ("MobiFone", "Viettel"):
            check = placement.check_site(small_project,
                                         placement.ProposedSite(operator, "4G"), point)
            assert isinstance(check, placement.CheckResult)
            assert check.verdict in placement.VERDICTS
            for reason in [*check.reasons, check.sharing.reason]:
                assert reason.code.isidentifier() and reason.code.islower()
                for lang in i18n.LANGS:
                    assert i18n.reason_text(reason.code, reason.params, lang)
                seen.add(reason.code)
            for constraint in check.constraints:
                assert constraint.name is None or not constraint.nearest_household
    assert {"local_distance", "share_tower", "own_tower", "new_tower",
            "brings_hamlets"} <= seen
