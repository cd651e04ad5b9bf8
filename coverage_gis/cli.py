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
EXAMPLES_CHECK = """examples:
  coverage-gis check-site --lon 105.852 --lat 20.061 --operator Viettel --technology 4G \\
      --band-mhz 1800 --height-m 35 --azimuth-deg 0 120 240 --out out/check
  coverage-gis check-site --x 587450 --y 2218650 --crs vn2000-thanhhoa --operator MobiFone \\
      --technology 4G --height-m 30 --out out/check --overwrite
"""
EXAMPLES_SUGGEST = """examples:
  coverage-gis suggest-sites --max-sites 3 --out out/suggest
  coverage-gis suggest-sites my_commune.toml --max-sites 5 --operator Vietnamobile --out out/s
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
        epilog="examples:\n"
               "  coverage-gis validate                      # check the bundled sample\n"
               "  coverage-gis analyze --out out/demo        # maps, report, scorecard\n"
               "  coverage-gis check-site --x 588150 --y 2219700 --crs vn2000-thanhhoa \\\n"
               "      --operator Viettel --technology 4G --out out/check\n"
               "  coverage-gis suggest-sites --max-sites 3 --out out/suggest\n\n"
               "exit codes: 0 success; 1 bad input (every problem listed) or outputs that "
               "exist without --overwrite; 2 wrong usage.\n"
               "Run 'coverage-gis COMMAND --help' for a command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
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
                                   "over the terrain, FTTH reach along the roads and tower "
                                   "sharing, and write the results: hamlets.csv (one row per "
                                   "hamlet: households, mobile and fibre shares, covered or "
                                   "not), map.html (offline interactive map), cells.csv, "
                                   "towers.csv, sharing_candidates.csv, signal_radius.geojson, "
                                   "fibre_households.geojson, fibre_extensions.geojson, "
                                   "summary.json (M4, M5, F1, F2) and rasters/*.tif "
                                   "(best-server dBm, serving cell, coverage masks), plus "
                                   "layers.csv (what was loaded).",
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
    a.add_argument("--lang", choices=("vi", "en"), default="vi",
                   help="language of map.html and report.html (default: Vietnamese)")
    a.add_argument("--site-detail", metavar="SITE_ID",
                   help="also write that cell's own path-loss (dB), line-of-sight and level "
                        "rasters, for comparison with other tools")
    c = sub.add_parser(
        "check-site", help="the land officer's check of a proposed tower",
        description="Check a proposed tower: where it is (commune, hamlet), the nearest towers "
                    "and whether to share one, what it brings (households and hamlets newly "
                    "covered, M4 before and after, with the real coverage engine), the distance "
                    "to each constraint (schools, heritage, commune office, dwellings), and a "
                    "verdict: ok, share-instead or conflict. Writes check.json and check.html.",
        epilog=EXAMPLES_CHECK, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("scenario", nargs="?", help="scenario TOML (default: the bundled sample)")
    c.add_argument("--lon", type=float, help="longitude (WGS 84)")
    c.add_argument("--lat", type=float, help="latitude (WGS 84)")
    c.add_argument("--x", type=float, help="easting in --crs (cadastral maps: VN-2000)")
    c.add_argument("--y", type=float, help="northing in --crs")
    c.add_argument("--crs", metavar="NAME", help="CRS of --x/--y, e.g. vn2000-thanhhoa")
    c.add_argument("--operator", required=True, help="e.g. Viettel, VinaPhone, MobiFone")
    c.add_argument("--technology", required=True, help="2G, 3G, 4G or 5G")
    c.add_argument("--band-mhz", type=float, help="carrier frequency (default per technology)")
    c.add_argument("--height-m", type=float, help="antenna height above ground")
    c.add_argument("--azimuth-deg", type=float, nargs="+", metavar="DEG",
                   help="sector azimuths, e.g. 0 120 240 (default: one omni cell)")
    c.add_argument("--eirp-dbm", type=float, help="EIRP per sector (default per technology)")
    c.add_argument("--bandwidth-mhz", type=float, help="carrier bandwidth")
    c.add_argument("--lang", choices=("vi", "en"), default="vi",
                   help="language of check.html (default: Vietnamese)")
    c.add_argument("--out", required=True, metavar="DIR", help="folder for check.json/html")
    c.add_argument("--overwrite", action="store_true", help="replace existing outputs")

    g = sub.add_parser(
        "suggest-sites", help="choose sites that close the mobile broadband gaps",
        description="Greedy choice of sites (existing towers first, as sharing, then a grid of "
                    "candidate points on allowed land) until every hamlet meets the mobile "
                    "broadband target or --max-sites are chosen. Writes suggestions.csv and "
                    "suggestions.geojson (rank, gain, M4 after each pick).",
        epilog=EXAMPLES_SUGGEST, formatter_class=argparse.RawDescriptionHelpFormatter)
    g.add_argument("scenario", nargs="?", help="scenario TOML (default: the bundled sample)")
    g.add_argument("--max-sites", type=int, default=3, metavar="N", help="at most N sites")
    g.add_argument("--operator", help="the operator that would build (default: any)")
    g.add_argument("--spacing-m", type=float, default=None, metavar="M",
                   help="spacing of candidate points (default 400)")
    g.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    g.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    return p


def _refuse_existing(out: Path, names: Sequence[str], overwrite: bool) -> bool:
    existing = [out / n for n in names if (out / n).exists()]
    if existing and not overwrite:
        print(f"error: {', '.join(map(str, existing))} already exist(s); pass --overwrite "
              "to replace", file=sys.stderr)
        return True
    return False


def _load_or_report(scenario: Scenario, args: argparse.Namespace) -> Project | None:
    project, warns, errors = _load(scenario)
    if errors:
        _print_list("Errors", errors, sys.stderr)
        print(f"\nstopped: {len(errors)} input error(s); nothing written", file=sys.stderr)
        return None
    if args.verbose:
        _print_list("Warnings", warns, sys.stderr)
    elif warns and not args.quiet:
        print(f"{len(warns)} warning(s); run 'coverage-gis validate' to list them",
              file=sys.stderr)
    return project


def cmd_check_site(args: argparse.Namespace) -> int:
    import json

    from .io import write_text
    from .placement import ProposedSite, check_site, locate_point
    from .report import check_html

    scenario = read_scenario(args.scenario)
    out = Path(args.out)
    if _refuse_existing(out, ("check.json", "check.html"), args.overwrite):
        return 1
    project = _load_or_report(scenario, args)
    if project is None:
        return 1
    point = locate_point(project, lon=args.lon, lat=args.lat, x=args.x, y=args.y, crs=args.crs)
    proposal = ProposedSite(operator=args.operator, technology=args.technology,
                            band_mhz=args.band_mhz, height_m=args.height_m,
                            azimuths_deg=args.azimuth_deg or [], eirp_dbm=args.eirp_dbm,
                            bandwidth_mhz=args.bandwidth_mhz)
    result = check_site(project, proposal, point)
    page = check_html(result, project, point, lang=args.lang)  # rendered before writing
    text = json.dumps(result, indent=2, ensure_ascii=False)
    write_text(text, out / "check.json")
    write_text(page, out / "check.html")
    if not args.quiet:
        loc, gain = result["location"], result["coverage_gain"]
        where = (f"hamlet {loc['hamlet_id']} {loc['hamlet_name']}" if loc["hamlet_id"]
                 else f"outside the hamlets (nearest {loc['nearest_hamlet_id']}, "
                      f"{loc['nearest_hamlet_distance_m']:.0f} m)")
        print(f"Proposed {result['proposal']['operator']} {result['proposal']['technology']} "
              f"at {loc['lon']:.6f}, {loc['lat']:.6f}: "
              f"{'inside' if loc['inside_commune'] else 'OUTSIDE'} the commune, {where}")
        for t in result["nearest_towers"]:
            print(f"  tower {t['tower_id']:<10} {t['distance_m']:>7.0f} m  {t['operators']} "
                  f"({t['status']})")
        print(f"Sharing: {result['sharing']['text']}")
        if "households_newly_covered" in gain:
            print(f"Coverage gain: {gain['households_newly_covered']} households newly covered "
                  f"by 4G/5G ({gain['households_newly_covered_by_operator']} by "
                  f"{result['proposal']['operator']}); hamlets newly covered: "
                  f"{', '.join(gain['hamlets_newly_covered']) or 'none'}; M4 "
                  f"{gain['m4_before']:.0%} -> {gain['m4_after']:.0%}")
        bad = [c for c in result["constraints"] if not c["ok"]]
        print(f"Constraints: {len(result['constraints'])} checked, {len(bad)} too close")
        print(f"Verdict: {result['verdict'].upper()}")
        for r in result["reasons"]:
            print(f"  - {r}")
        print(f"Wrote {out / 'check.json'} and {out / 'check.html'}")
    return 0


def cmd_suggest_sites(args: argparse.Namespace) -> int:
    from .io import atomic_path, write_csv
    from .placement import suggest_sites

    scenario = read_scenario(args.scenario)
    out = Path(args.out)
    if args.max_sites < 1:
        print("error: --max-sites must be at least 1", file=sys.stderr)
        return 2
    if _refuse_existing(out, ("suggestions.csv", "suggestions.geojson"), args.overwrite):
        return 1
    project = _load_or_report(scenario, args)
    if project is None:
        return 1
    kwargs = {"spacing_m": args.spacing_m} if args.spacing_m else {}
    picks = suggest_sites(project, args.max_sites, operator=args.operator, **kwargs)
    write_csv(picks.drop(columns="geometry"), out / "suggestions.csv")
    with atomic_path(out / "suggestions.geojson") as tmp:
        picks.to_crs(4326).to_file(tmp, driver="GeoJSON")
    if not args.quiet:
        print(f"{picks.attrs['candidates']} candidates; M4 now {picks.attrs['m4_before']:.0%}")
        if picks.empty:
            print("No candidate improves coverage (or every hamlet already meets the target).")
        for _, r in picks.iterrows():
            what = (f"share tower {r['tower_id']} ({r['operators_on_tower']})"
                    if r["tower_id"] else "new site")
            print(f"  {r['rank']}. {what} at {r['lon']:.6f}, {r['lat']:.6f}: "
                  f"+{r['households_gained']} households, +{r['hamlets_newly_covered']} "
                  f"hamlet(s) -> M4 {r['m4_after']:.0%}")
        print(f"Wrote {out / 'suggestions.csv'} and {out / 'suggestions.geojson'}")
    return 0


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
    if _refuse_existing(out, OUTPUT_NAMES, args.overwrite):
        return 1
    project = _load_or_report(scenario, args)
    if project is None:
        return 1
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
    written = write_analysis(result, out, lang=args.lang)
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
        m5 = result.indicators["M5"]
        print(f"M5 BTS positions shared: {m5['shared_towers']}/{m5['towers']} = "
              f"{m5['value']:.0%} (target 15 %; with planned towers "
              f"{m5['with_planned']['value']:.0%}; {m5['candidates']} sharing candidate(s))")
        if "F2" in result.indicators:
            f2, f1 = result.indicators["F2"], result.indicators["F1"]
            print(f"F2 hamlets reached by FTTH: {f2['covered_hamlets']}/{f2['hamlets']} = "
                  f"{f2['value']:.0%} (target 100 %; short: "
                  f"{', '.join(f2['short_hamlets']) or 'none'})")
            f1_value = (f"{f1['value']:.0%}" if f1.get("value") is not None
                        else "no statistics")
            print(f"F1 households on FTTH: {f1_value} (statistics, target 75 %); homes passed "
                  f"on the map: {f1['homes_passed_share']:.0%}")
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
        commands = {"validate": cmd_validate, "analyze": cmd_analyze,
                    "check-site": cmd_check_site, "suggest-sites": cmd_suggest_sites}
        return commands[args.command](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
