"""``coverage-gis init``: a ready scenario folder for one 2025 administrative unit, from its
bundled boundary and the public files the user adds (OpenStreetMap, building footprints,
OpenCelliD, DEM tiles)."""

from __future__ import annotations

import argparse
from typing import Any

EXAMPLES = """examples:
  coverage-gis init --unit 14818 --out my_ward          # the boundary alone
  coverage-gis init --unit "Quang Trung" --out my_ward \\
      --osm vietnam-latest.osm.pbf --cells 452.csv --dem N20E105.hgt N20E106.hgt
  coverage-gis init --unit 14818 --out my_ward --osm thanh_hoa.osm.pbf \\
      --buildings open_buildings_vietnam.csv.gz --year 2025 --overwrite
  coverage-gis units --search "quang trung"               # find a unit's code

then: coverage-gis validate my_ward/scenario.toml
      coverage-gis analyze my_ward/scenario.toml --out results
"""


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    i = sub.add_parser("init", parents=[common],
                       help="write a ready scenario folder for a unit from public data",
                       description="Write a scenario folder for a 2025 commune or ward "
                                   "(xã, phường): scenario.toml naming the unit, its bundled "
                                   "boundary, and the layers made from the public files "
                                   "given (roads, railways and households from OpenStreetMap "
                                   "or building footprints, cells, terrain), with SOURCES.md "
                                   "and init.json saying per layer what is real, defaulted "
                                   "or missing. Hamlet boundaries, fibre and statistics are "
                                   "not public: add them to scenario.toml. The folder is "
                                   "written as a whole (nothing on failure).",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    i.add_argument("--unit", required=True, metavar="CODE_OR_NAME",
                   help="the 2025 unit, by code (14818) or name ('Quang Trung', 'phường "
                        "Quang Trung'; diacritics optional); see 'coverage-gis units'")
    i.add_argument("--out", required=True, metavar="DIR",
                   help="the scenario folder to write (replaced as a whole with --overwrite; "
                        "never over files added since init)")
    i.add_argument("--osm", metavar="FILE",
                   help="an OpenStreetMap extract (.osm or .osm.pbf): roads (highway ways), "
                        "railways, residential buildings as households")
    i.add_argument("--buildings", metavar="FILE",
                   help="building footprints as households, instead of the OSM buildings: "
                        "Google Open Buildings CSV or Microsoft footprints (GeoJSON lines)")
    i.add_argument("--cells", metavar="FILE",
                   help="OpenCelliD cells (452.csv, unpacked from 452.csv.gz) or an "
                        "operator's cell list (CSV, GeoPackage...)")
    i.add_argument("--dem", nargs="+", metavar="FILE",
                   help="DEM tiles, mosaicked: SRTM .hgt (.hgt.zip), Copernicus GLO-30 or "
                        "any GeoTIFF tiles of one DEM")
    i.add_argument("--year", metavar="N", help="the study's year (default: this year)")
    i.add_argument("--name", metavar="TEXT",
                   help="the study's name (default: the unit's full name)")
    i.add_argument("--overwrite", action="store_true",
                   help="replace a scenario folder written by an earlier init")
    i.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from coverage_gis.outputs.scenario_folder import summary_lines, write_scenario_folder

    result = write_scenario_folder(args.unit, args.out, osm=args.osm, buildings=args.buildings,
                                   cells=args.cells, dem=args.dem or (), year=args.year,
                                   name=args.name, overwrite=args.overwrite)
    if not args.quiet:
        print("\n".join(summary_lines(result)))
    return 0
