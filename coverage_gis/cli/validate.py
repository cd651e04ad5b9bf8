"""``coverage-gis validate``: load every layer, check it, print a report."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from coverage_gis.cli.common import load, print_list

LAYER_FLAGS = ("hamlets", "sites", "fibre", "access_points", "households", "roads", "dem",
               "statistics")

EXAMPLES = """examples:
  coverage-gis validate                          # the bundled Quang Trung sample
  coverage-gis validate my_commune.toml
  coverage-gis validate --sites towers.csv       # one file on its own
  coverage-gis validate --hamlets thon.shp --crs vn2000-thanhhoa --encoding tcvn3
"""


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    v = sub.add_parser("validate", parents=[common],
                       help="load every layer, check it, print a report",
                       description="Load and check every layer of a scenario (or the files "
                                   "given) and its parameters, print a report; exit 1 when "
                                   "there are errors.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("scenario", nargs="?", help="scenario TOML (default: the bundled sample, "
                                               "unless layer files are given)")
    for name in LAYER_FLAGS:
        v.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="PATH",
                       help=f"{name.replace('_', ' ')} file (replaces the scenario's)")
    v.add_argument("--crs", metavar="NAME", help="CRS of the files given here when they do not "
                   "say: a preset (vn2000, vn2000-utm48, vn2000-thanhhoa, wgs84, ...) or EPSG:n")
    v.add_argument("--encoding", metavar="NAME", help="text encoding of the files given here: "
                   "tcvn3, vni (legacy Vietnamese) or a codec such as cp1258")
    v.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from coverage_gis.config.scenario import read_scenario, scenario_from_paths
    from coverage_gis.io.crs import describe_crs

    given = {name: getattr(args, name) for name in LAYER_FLAGS if getattr(args, name)}
    base = read_scenario(args.scenario) if args.scenario or not given else None
    scenario = scenario_from_paths(given, crs=args.crs, encoding=args.encoding, base=base)
    project, warns, errors = load(scenario)
    if not args.quiet:
        import pandas as pd

        where = f" ({scenario.path})" if scenario.path else ""
        print(f"Scenario: {scenario.name}{where}")
        if project is not None:
            print(f"Computation CRS: {describe_crs(project.crs)}\n")
            with pd.option_context("display.width", 200, "display.max_colwidth", 60):
                print(project.summary().to_string(index=False))
        print_list("Warnings", warns, sys.stdout)
    print_list("Errors", errors, sys.stdout if not args.quiet else sys.stderr)
    if errors:
        print(f"\nvalidation failed: {len(errors)} error(s)", file=sys.stderr)
        return 1
    if not args.quiet:
        print("\nOK: no errors")
    return 0
