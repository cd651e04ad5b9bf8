"""``coverage-gis report``: render the maps, pages and tables of a stored result again, without
recomputing (for example in another language)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from coverage_gis.cli.common import workers_count

EXAMPLES = """examples:
  coverage-gis report out/demo --lang en             # re-render in place, in English
  coverage-gis report out/demo --out out/demo-print  # a copy elsewhere
  coverage-gis report out/province --unit 14818 --out out/quang-trung   # one unit in detail
  coverage-gis report out/province --lang en --workers 2    # its largest files on 2 workers
"""


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    r = sub.add_parser("report", parents=[common],
                       help="render a stored result again (map, report, tables) without "
                            "recomputing",
                       description="Read the stored result that 'coverage-gis analyze' wrote "
                                   "and write its whole output set again: in place (default) "
                                   "or into --out. Nothing is recomputed.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("results", metavar="RESULTS_DIR", help="a folder written by 'analyze'")
    r.add_argument("--out", metavar="DIR", help="write the set here instead of in place")
    r.add_argument("--overwrite", action="store_true",
                   help="replace the results already in --out (not needed in place)")
    r.add_argument("--lang", choices=("vi", "en"), default="vi",
                   help="language of map.html and report.html (default: Vietnamese)")
    r.add_argument("--unit", metavar="CODE_OR_NAME",
                   help="of a province study, one unit in detail: its hamlets, households, "
                        "towers and coverage on a map and report of its own (needs --out)")
    r.add_argument("--workers", metavar="N", type=workers_count, default=0,
                   help="write the largest files (GeoJSON, GeoPackage, KMZ, workbook, rasters) "
                        "on a local dask.distributed cluster of N worker processes beside "
                        "this one (default: all in this process); the files are the same")
    r.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from coverage_gis.results.folder import reading
    from coverage_gis.results.store import check_result_folder

    source = Path(args.results)
    check_result_folder(source)  # a clear message before anything is locked or staged
    in_place = args.out is None or Path(args.out).absolute() == source.absolute()
    # rendered elsewhere, the source is held while it is read (its rasters are read when
    # used): a run replacing it meanwhile made a set of two analyses (found by fuzzing); in
    # place, the set's own lock holds it
    with nullcontext() if in_place else reading(source):
        return _render(args, source, in_place)


def _render(args: argparse.Namespace, source: Path, in_place: bool) -> int:
    from coverage_gis.engines.tiles import Runner
    from coverage_gis.errors import InputError
    from coverage_gis.outputs.outset import OutputSet
    from coverage_gis.outputs.writer import OUTPUT_NAMES, render_analysis, scenario_inputs
    from coverage_gis.results.store import check_stored_result, read_analysis

    check_stored_result(source)
    if args.unit is not None and in_place:
        raise InputError(f"--unit {args.unit}: give --out DIR for the unit's set (the "
                         "province's result stays as it is)")
    out = source if in_place else Path(args.out)
    if not in_place and source.absolute() in out.absolute().parents:
        raise InputError(f"--out {args.out}: is inside the stored result {source}, which is "
                         "one output set (a folder in it would be deleted with it); choose a "
                         "folder outside it")
    held = [] if in_place else [source.absolute()]  # --out may not hold the stored result
    with OutputSet(out, kind="analysis", overwrite=in_place or args.overwrite,
                   inputs=held, known_names=OUTPUT_NAMES) as dest:
        # checked above; held by this run (its lock, or reading())
        analysis = read_analysis(source, rasters_when_used=True, check=False)
        if args.unit is not None:
            from coverage_gis.pipeline import unit_view
            analysis = unit_view(analysis, args.unit)
        # the inputs named by the stored scenario may not be in the folder either
        dest.inputs = [*held, *(p.absolute() for p in scenario_inputs(
            analysis.project.scenario))]
        dest.check_inputs()
        with Runner(workers=args.workers) as runner:
            written = render_analysis(analysis, dest.path, lang=args.lang, runner=runner)
        final = dest.commit()
    if not args.quiet:
        print(f"Rendered {len(written)} files from the stored result into {final}")
    return 0
