"""``coverage-gis validate``: load every layer, check it, print a report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from coverage_gis.cli.common import add_layer_options, apply_layer_options, load, print_list

LAYER_FLAGS = ("hamlets", "sites", "fibre", "access_points", "households", "roads", "dem",
               "statistics")

EXAMPLES = """examples:
  coverage-gis validate                          # the bundled Quang Trung sample
  coverage-gis validate my_commune.toml
  coverage-gis validate --sites towers.csv       # one file on its own
  coverage-gis validate --hamlets thon.shp --crs vn2000-thanhhoa --encoding tcvn3
  coverage-gis validate --hamlets 14818_quang_trung.geojson --columns code=hamlet_id,fullName=name
  coverage-gis validate my.toml --columns hamlets:code=hamlet_id --layer households:buildings
  coverage-gis validate --hamlets thon.geojson --dem N20E105.hgt N20E106.hgt   # DEM tiles
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
        if name == "dem":
            v.add_argument("--dem", dest="dem", metavar="PATH", nargs="+", action="extend",
                           help="DEM file, or several tiles to mosaic (SRTM .hgt, Copernicus "
                                "GLO-30 or any GeoTIFF tiles); replaces the scenario's (give the "
                                "scenario before --dem)")
            continue
        v.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="PATH",
                       help=f"{name.replace('_', ' ')} file (replaces the scenario's)")
    v.add_argument("--crs", metavar="NAME", help="CRS of the files given here when they do not "
                   "say: a preset (vn2000, vn2000-utm48, vn2000-thanhhoa, wgs84, ...) or EPSG:n")
    v.add_argument("--encoding", metavar="NAME", help="text encoding of the files given here: "
                   "tcvn3, vni (legacy Vietnamese) or a codec such as cp1258")
    add_layer_options(v)
    v.set_defaults(run=run)


def _scenario(args: argparse.Namespace) -> Any:
    """The scenario to check: the TOML (or the sample) with the files given here replacing
    its layers, DEM tiles as one layer, and ``--columns``/``--layer`` applied."""
    from dataclasses import replace

    from coverage_gis.config.scenario import read_scenario, scenario_from_paths

    given = {name: getattr(args, name) for name in LAYER_FLAGS if getattr(args, name)}
    unused = [f"--{k}" for k in ("crs", "encoding") if getattr(args, k) and not given]
    if unused:  # they apply to the files given here only: ignored, the text came out garbled
        from coverage_gis.errors import InputError

        raise InputError(f"{' and '.join(unused)}: {'apply' if len(unused) > 1 else 'applies'}"
                         " to the files given on the command line (--hamlets FILE, --sites "
                         "FILE, ...), and none was given; for the scenario's own files set it "
                         "on the layer, e.g. [layers] hamlets = { path = \"thon.shp\", "
                         "encoding = \"tcvn3\", crs = \"vn2000-thanhhoa\" }")
    base = read_scenario(args.scenario) if args.scenario or not given else None
    dems = given.pop("dem", None)
    scenario = scenario_from_paths({**given, "dem": dems[0]} if dems else given,
                                   crs=args.crs, encoding=args.encoding, base=base)
    if dems:
        first = scenario.layers["dem"][0]
        scenario.layers["dem"] = [replace(first, path=Path(p)) for p in dems]
        given["dem"] = dems
    return apply_layer_options(scenario, args.columns, args.layer, list(given))


def run(args: argparse.Namespace) -> int:
    from coverage_gis.io.crs import describe_crs

    scenario = _scenario(args)
    project, warns, errors, _ = load(scenario, units=True)
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
