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
from .project import Project, load_project
from .scenario import Scenario, read_scenario, scenario_from_paths
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
  coverage-gis analyze --out out/demo --overwrite --site-detail VTL-THA-1042-4G1800-1
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
                       description="Load and check the scenario, compute 4G/5G coverage "
                                   "over the terrain, and write the results: hamlets.csv (one "
                                   "row per hamlet: households, shares covered, covered or "
                                   "not), cells.csv, signal_radius.geojson, summary.json (M4) "
                                   "and rasters/*.tif (best-server dBm, serving cell, coverage "
                                   "masks), plus layers.csv (what was loaded).",
                       epilog=EXAMPLES_ANALYZE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("scenario", nargs="?", help="scenario TOML (default: the bundled sample)")
    a.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    a.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    a.add_argument("--resolution-m", type=float, metavar="M",
                   help="coverage raster resolution in metres (default 30)")
    a.add_argument("--indoor", action="store_true",
                   help="indoor view: add the building penetration loss (default 15 dB)")
    a.add_argument("--include-planned", action="store_true",
                   help="count planned cells as if on air")
    a.add_argument("--site-detail", metavar="SITE_ID",
                   help="also write that cell's own path-loss (dB), line-of-sight and level "
                        "rasters, for comparison with other tools")
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


def cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import OUTPUT_NAMES, analyze, write_analysis, write_site_detail
    from .coverage import CoverageParams, site_detail

    scenario = read_scenario(args.scenario)
    out = Path(args.out)
    existing = [out / n for n in OUTPUT_NAMES if (out / n).exists()]
    if existing and not args.overwrite:
        print(f"error: {', '.join(map(str, existing))} already exist(s) in {out}; pass "
              "--overwrite to replace", file=sys.stderr)
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
    overrides = {}
    if args.resolution_m is not None:
        overrides["resolution_m"] = args.resolution_m
    if args.indoor:
        overrides["indoor"] = True
    if args.include_planned:
        overrides["include_planned"] = True
    params = CoverageParams.from_scenario(scenario.parameters, **overrides)
    detail = None
    if args.site_detail:
        detail = site_detail(project.sites, args.site_detail, project.hamlets, project.dem,
                             params)
    result = analyze(project, params, progress=not args.quiet)
    written = write_analysis(result, out)
    if detail is not None:
        written += write_site_detail(detail, out / "rasters")
    if not args.quiet:
        m4 = result.indicators["M4"]
        print(f"Scenario: {scenario.name}")
        print(f"M4 hamlets covered by mobile broadband: {m4['covered_hamlets']}/{m4['hamlets']}"
              f" = {m4['value']:.0%} (target 100 %)")
        short = result.hamlets[~result.hamlets["mobile_broadband_covered"]]
        for _, h in short.iterrows():
            print(f"  short: {h['hamlet_id']} {h['name']}: {h['mobile_broadband_share']:.0%} "
                  "of households")
        print(f"Outputs in {out.resolve()}:")
        for t in written:
            if t.parent == out or args.verbose:
                print(f"  {t}")
        print(f"  {out / 'rasters'}/ ({sum(1 for t in written if t.parent != out)} GeoTIFFs)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``coverage-gis`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    # Our own messages only: libraries (pyogrio, rasterio) log chatter at INFO level.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG if args.verbose else logging.ERROR if args.quiet
                 else logging.INFO)
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
