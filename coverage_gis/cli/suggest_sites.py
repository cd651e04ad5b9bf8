"""``coverage-gis suggest-sites``: choose sites that close the mobile broadband gaps."""

from __future__ import annotations

import argparse
from typing import Any

from coverage_gis.cli.common import SCENARIO_HELP, add_out, load_or_report, open_outputs

EXAMPLES = """examples:
  coverage-gis suggest-sites --max-sites 3 --out out/suggest
  coverage-gis suggest-sites my_commune.toml --max-sites 5 --operator Vietnamobile --out out/s
"""

#: Files a suggestion run writes.
OUTPUT_NAMES = ("suggestions.csv", "suggestions.geojson", "manifest.json")


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    g = sub.add_parser(
        "suggest-sites", parents=[common],
        help="choose sites that close the mobile broadband gaps",
        description="Greedy choice of sites (existing towers first, as sharing, then a grid of "
                    "candidate points on allowed land), all inside the commune, until every "
                    "hamlet meets the mobile broadband target or --max-sites are chosen. "
                    "Writes suggestions.csv and suggestions.geojson (rank, gain, M4 after each "
                    "pick).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    g.add_argument("scenario", nargs="?", help=SCENARIO_HELP)
    g.add_argument("--max-sites", default="3", metavar="N", help="at most N sites (default 3)")
    g.add_argument("--operator", help="the operator that would build (default: any)")
    g.add_argument("--spacing-m", default=None, metavar="M",
                   help="spacing of candidate points (default 400)")
    add_out(g)
    g.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from coverage_gis.config.params import suggest_sites_options
    from coverage_gis.config.scenario import read_scenario
    from coverage_gis.engines.placement import known_operator, suggest_sites
    from coverage_gis.outputs.files import write_csv, write_geojson
    from coverage_gis.pipeline import current_unit, unit_as_area

    scenario = read_scenario(args.scenario)
    opts = suggest_sites_options(args)
    if args.operator is not None:  # "" too: an unset shell variable is no "any operator"
        known_operator(args.operator)
    with open_outputs(args, "suggestions", OUTPUT_NAMES, scenario) as dest:
        project = load_or_report(scenario, args)
        project = unit_as_area(project)  # no hamlets mapped: the unit as one area
        kwargs = {"spacing_m": opts["spacing_m"]} if opts["spacing_m"] else {}
        found = suggest_sites(project, opts["max_sites"], operator=args.operator,
                              unit=current_unit(project), **kwargs)
        picks = found.table
        write_csv(picks.drop(columns="geometry"), dest.path / "suggestions.csv")
        write_geojson(picks, dest.path / "suggestions.geojson")
        out = dest.commit()
    if not args.quiet:
        print(f"{found.candidates} candidates; M4 now {found.m4_before:.0%}")
        if found.note == "target_met":
            print("Every hamlet already meets the mobile broadband target: nothing to propose.")
        elif found.note == "no_gain_inside_unit":
            print(("No" if picks.empty else "No further") + " candidate inside the unit "
                  "(commune boundary, else the hamlets) improves coverage; sites outside it "
                  "are not proposed.")
        for _, r in picks.iterrows():
            what = (f"share tower {r['tower_id']} ({r['operators_on_tower']})"
                    if r["tower_id"] else "new site")
            print(f"  {r['rank']}. {what} at {r['lon']:.6f}, {r['lat']:.6f}: "
                  f"+{r['households_gained']} households, +{r['hamlets_newly_covered']} "
                  f"hamlet(s) -> M4 {r['m4_after']:.0%}")
        print(f"Wrote {out / 'suggestions.csv'} and {out / 'suggestions.geojson'}")
    return 0
