"""What the commands share: reading a scenario, loading it with a report of its problems, and
opening the output set before any computing."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterable
from typing import IO, Any

from coverage_gis.errors import InputError

__all__ = ["print_list", "load", "load_or_report", "open_outputs", "SCENARIO_HELP"]

SCENARIO_HELP = "scenario TOML (default: the bundled sample)"


def print_list(title: str, items: Iterable[str], stream: IO[str]) -> None:
    """Print a titled list (duplicates once)."""
    items = list(dict.fromkeys(items))
    if items:
        print(f"\n{title} ({len(items)}):", file=stream)
        for item in items:
            print(f"  - {item}", file=stream)


def load(scenario: Any) -> tuple[Any, list[str], list[str]]:
    """Load a project: (project or None, its warnings, its errors)."""
    from coverage_gis.io.project import load_project

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            project = load_project(scenario)
        except InputError as exc:
            return None, list(getattr(exc, "warnings", [])), exc.problems
    return project, [str(w.message) for w in caught], []


def load_or_report(scenario: Any, args: argparse.Namespace) -> Any:
    """Load a project, printing its problems; raise :class:`InputError` when it has errors."""
    project, warns, errors = load(scenario)
    if errors:
        print_list("Errors", errors, sys.stderr)
        raise InputError(f"stopped: {len(errors)} input error(s); nothing written")
    if args.verbose:
        print_list("Warnings", warns, sys.stderr)
    elif warns and not args.quiet:
        print(f"{len(warns)} warning(s); run 'coverage-gis validate' to list them",
              file=sys.stderr)
    return project


def open_outputs(args: argparse.Namespace, kind: str, names: Iterable[str],
                 scenario: Any = None) -> Any:
    """Open the output set of ``args.out`` (checks, lock, staging) before computing."""
    from coverage_gis.outputs.outset import OutputSet
    from coverage_gis.outputs.writer import scenario_inputs

    inputs = scenario_inputs(scenario) if scenario is not None else []
    return OutputSet(args.out, kind=kind, overwrite=args.overwrite, inputs=inputs,
                     known_names=names).open()


def add_out(parser: argparse.ArgumentParser, what: str = "the results") -> None:
    """``--out DIR`` and ``--overwrite``."""
    parser.add_argument("--out", required=True, metavar="DIR",
                        help=f"folder for {what} (replaced as a whole; may not hold inputs)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the results already in --out")
