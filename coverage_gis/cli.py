"""The ``coverage-gis`` command line: a thin layer over the Python API.

Exit codes: 0 success; 1 bad input (the report names every problem) or outputs that exist
without ``--overwrite``; 2 wrong usage of the command line.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path
from typing import Sequence

import pandas as pd

from . import __version__
from .crs import describe_crs
from .io import write_csv
from .project import Project, load_project
from .scenario import LAYER_OPTIONS, Scenario, read_scenario, scenario_from_paths
from .schema import InputError

log = logging.getLogger("coverage_gis")

_LAYER_FLAGS = ("hamlets", "sites", "fibre", "access_points", "households", "roads", "dem",
                "statistics")

EXAMPLES_VALIDATE = """examples:
  coverage-gis validate                          # the bundled Quang Trung sample
  coverage-gis validate my_commune.toml
  coverage-gis validate --sites towers.csv       # one file on its own
  coverage-gis validate --hamlets thon.shp --crs vn2000-thanhhoa --encoding tcvn3
"""
EXAMPLES_ANALYZE = """examples:
  coverage-gis analyze --out out/demo            # the bundled Quang Trung sample
  coverage-gis analyze my_commune.toml --out results --overwrite
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="coverage-gis",
        description="Measure a commune's digital-infrastructure plan on maps: load and check "
                    "hamlets, BTS sites, fibre, households, roads and terrain; compute coverage "
                    "per hamlet.",
        epilog="exit codes: 0 success, 1 bad input or existing outputs, 2 usage error. "
               "Run 'coverage-gis COMMAND --help' for a command's options and examples.")
    p.add_argument("--version", action="version", version=f"coverage-gis {__version__}")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    p.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    v = sub.add_parser("validate", help="load every layer, check it, print a report",
                       description="Load and check every layer of a scenario (or the files "
                                   "given), print a report; exit 1 when there are errors.",
                       epilog=EXAMPLES_VALIDATE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("scenario", nargs="?", help="scenario TOML (default: the bundled sample, "
                                               "unless layer files are given)")
    for name in _LAYER_FLAGS:
        v.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="PATH",
                       help=f"{name.replace('_', ' ')} file (replaces the scenario's)")
    v.add_argument("--crs", metavar="NAME", help="CRS of the files given here when they do not "
                   "say: a preset (vn2000, vn2000-utm48, vn2000-thanhhoa, wgs84, ...) or EPSG:n")
    v.add_argument("--encoding", metavar="NAME", help="text encoding of the files given here: "
                   "tcvn3, vni (legacy Vietnamese) or a codec such as cp1258")

    a = sub.add_parser("analyze", help="run the analysis and write results to --out",
                       description="Load and check the scenario, then write the results: "
                                   "layers.csv (what was loaded) and hamlets.csv (one row per "
                                   "hamlet).",
                       epilog=EXAMPLES_ANALYZE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("scenario", nargs="?", help="scenario TOML (default: the bundled sample)")
    a.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    a.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    return p


def _load(scenario: Scenario) -> tuple[Project | None, list[str], list[str]]:
    """Load a project, returning it (or None), its warnings and its errors."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            project = load_project(scenario)
        except InputError as exc:
            return None, list(getattr(exc, "warnings", [])), exc.problems
    return project, [str(w.message) for w in caught], []


def _print_list(title: str, items: list[str], stream) -> None:
    if items:
        print(f"\n{title} ({len(items)}):", file=stream)
        for item in dict.fromkeys(items):
            print(f"  - {item}", file=stream)


def cmd_validate(args: argparse.Namespace) -> int:
    given = {name: getattr(args, name) for name in _LAYER_FLAGS if getattr(args, name)}
    if args.scenario or not given:
        base = read_scenario(args.scenario)
        scenario = scenario_from_paths(given, crs=args.crs, encoding=args.encoding, base=base)
    else:
        scenario = scenario_from_paths(given, crs=args.crs, encoding=args.encoding)
    project, warns, errors = _load(scenario)
    if not args.quiet:
        where = f" ({scenario.path})" if scenario.path else ""
        print(f"Scenario: {scenario.name}{where}")
        if project is not None:
            print(f"Computation CRS: {describe_crs(project.crs)}\n")
            with pd.option_context("display.width", 200, "display.max_colwidth", 60):
                print(project.summary().to_string(index=False))
        _print_list("Warnings", warns, sys.stdout)
    _print_list("Errors", errors, sys.stdout if not args.quiet else sys.stderr)
    if errors:
        print(f"\nvalidation failed: {len(errors)} error(s)", file=sys.stderr)
        return 1
    if not args.quiet:
        print("\nOK: no errors")
    return 0


def hamlet_table(project: Project) -> pd.DataFrame:
    """One row per hamlet: id, name, households (points when there is a households layer,
    else the hamlets' attribute), population and area (km²)."""
    h = project.hamlets
    out = pd.DataFrame({"hamlet_id": h["hamlet_id"], "name": h["name"]})
    if project.households is not None:
        counts = project.households.groupby("hamlet_id").size()
        out["households"] = out["hamlet_id"].map(counts).fillna(0).astype(int)
        out["households_basis"] = "household points"
    elif "households" in h.columns:
        out["households"] = h["households"].astype("Int64")
        out["households_basis"] = "hamlet attribute"
    else:
        out["households"] = pd.NA
        out["households_basis"] = "none"
    if "population" in h.columns:
        out["population"] = h["population"].astype("Int64")
    out["area_km2"] = (h.geometry.area / 1e6).round(3)
    return out


def cmd_analyze(args: argparse.Namespace) -> int:
    scenario = read_scenario(args.scenario)
    out = Path(args.out)
    targets = [out / "layers.csv", out / "hamlets.csv"]
    existing = [t for t in targets if t.exists()]
    if existing and not args.overwrite:
        print(f"error: {', '.join(map(str, existing))} exist(s); pass --overwrite to replace",
              file=sys.stderr)
        return 1
    project, warns, errors = _load(scenario)
    if errors:
        _print_list("Errors", errors, sys.stderr)
        print(f"\nanalysis stopped: {len(errors)} input error(s); nothing written",
              file=sys.stderr)
        return 1
    if args.verbose:
        _print_list("Warnings", warns, sys.stderr)
    elif warns and not args.quiet:
        print(f"{len(warns)} warning(s); run 'coverage-gis validate' to list them",
              file=sys.stderr)
    if project.hamlets is None:
        print("error: the scenario has no hamlets layer; analyze needs one", file=sys.stderr)
        return 1
    write_csv(project.summary(), targets[0])
    write_csv(hamlet_table(project), targets[1])
    if not args.quiet:
        print(f"Scenario: {scenario.name}")
        print(f"Outputs in {out.resolve()}:")
        for t in targets:
            print(f"  {t}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``coverage-gis`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else
                        logging.ERROR if args.quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "validate":
            return cmd_validate(args)
        return cmd_analyze(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
