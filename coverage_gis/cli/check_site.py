"""``coverage-gis check-site``: the land officer's check of a proposed tower."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from coverage_gis.cli.common import SCENARIO_HELP, add_out, load_or_report, open_outputs
from coverage_gis.outputs.check import INPUT_OPTIONS, check_record

__all__ = ["add_parser", "run", "print_check", "check_record", "INPUT_OPTIONS", "OUTPUT_NAMES"]

if TYPE_CHECKING:  # pragma: no cover
    from coverage_gis.engines.placement import CheckResult

EXAMPLES = """examples:
  coverage-gis check-site --lon 105.852 --lat 20.061 --operator Viettel --technology 4G \\
      --band-mhz 1800 --height-m 35 --azimuth-deg 0 120 240 --out out/check
  coverage-gis check-site --x 587450 --y 2218650 --crs vn2000-thanhhoa --operator MobiFone \\
      --technology 4G --height-m 30 --out out/check --overwrite
"""

#: Files a check writes.
OUTPUT_NAMES = ("check.json", "check.html", "check.kml", "manifest.json")


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    c = sub.add_parser(
        "check-site", parents=[common], help="the land officer's check of a proposed tower",
        description="Check a proposed tower: where it is (commune, hamlet), the nearest towers "
                    "and whether to share one, what it brings (households and hamlets newly "
                    "covered, M4 before and after, with the real coverage engine), the distance "
                    "to each constraint (schools, heritage, commune office, dwellings), and a "
                    "verdict: ok, share-instead, review (a local setting not met), conflict "
                    "(a regulation broken, e.g. the RF exposure limit of QCVN 8:2022/BTTTT) "
                    "or outside-unit (not on the commune's territory). Writes check.json, "
                    "check.html (one A4 page) and check.kml (Google Earth), with the input "
                    "as typed, the point in WGS 84 and VN-2000 / TM-3, the date and the "
                    "software version.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("scenario", nargs="?", help=SCENARIO_HELP)
    c.add_argument("--lon", help="longitude (WGS 84): decimal degrees (105.84464 or "
                                 "105,84464) or degrees, minutes, seconds (105°50'40.7\"E)")
    c.add_argument("--lat", help="latitude (WGS 84): decimal degrees (20.06525 or 20,06525) "
                                 "or degrees, minutes, seconds (20°03'54.9\"N, 20 03 54.9 N, "
                                 "20°03.915'N)")
    c.add_argument("--x", help="easting in --crs (cadastral maps: VN-2000)")
    c.add_argument("--y", help="northing in --crs")
    c.add_argument("--crs", metavar="NAME", help="CRS of --x/--y, e.g. vn2000-thanhhoa")
    c.add_argument("--operator", required=True, help="e.g. Viettel, VinaPhone, MobiFone")
    c.add_argument("--technology", required=True, help="2G, 3G, 4G or 5G")
    c.add_argument("--band-mhz", help="carrier frequency (default per technology)")
    c.add_argument("--height-m", help="antenna height above ground")
    c.add_argument("--azimuth-deg", nargs="+", metavar="DEG",
                   help="sector azimuths, e.g. 0 120 240 or 0,120,240 (default: one omni "
                        "cell); a decimal takes a point (120.5): 120,5 is refused as "
                        "ambiguous (two sectors or one decimal?)")
    c.add_argument("--eirp-dbm", help="EIRP per sector (default per technology)")
    c.add_argument("--bandwidth-mhz", help="carrier bandwidth")
    c.add_argument("--request-id", metavar="TEXT",
                   help="the request's file number, echoed in check.json and check.html")
    c.add_argument("--applicant", metavar="TEXT",
                   help="who asks (operator branch, person), echoed in check.json and "
                        "check.html")
    c.add_argument("--lang", choices=("vi", "en"), default="vi",
                   help="language of check.html (default: Vietnamese)")
    add_out(c, "check.json, check.html and check.kml")
    c.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json

    from coverage_gis.config.params import check_site_options, sector_texts
    from coverage_gis.config.scenario import read_scenario
    from coverage_gis.engines.placement import ProposedSite, check_site, locate_point
    from coverage_gis.outputs.check import check_json
    from coverage_gis.outputs.check_page import check_html, check_kml
    from coverage_gis.outputs.files import write_text
    from coverage_gis.pipeline import current_unit, unit_as_area
    from coverage_gis.radio import terrain

    scenario = read_scenario(args.scenario)
    opts = check_site_options(args)
    if args.azimuth_deg:  # one text per sector, as /api/check records them (0,120,240: three)
        args.azimuth_deg = sector_texts(args.azimuth_deg, "--azimuth-deg")
    record = check_record(args)
    with open_outputs(args, "check", OUTPUT_NAMES, scenario) as dest:
        project = load_or_report(scenario, args)
        project = unit_as_area(project)  # no hamlets mapped: the unit as one area
        point = locate_point(project, lon=opts["lon"], lat=opts["lat"], x=opts["x"],
                             y=opts["y"], crs=args.crs)
        proposal = ProposedSite(operator=args.operator, technology=args.technology,
                                band_mhz=opts["band_mhz"], height_m=opts["height_m"],
                                azimuths_deg=opts["azimuth_deg"], eirp_dbm=opts["eirp_dbm"],
                                bandwidth_mhz=opts["bandwidth_mhz"])
        typed_xy = (opts["x"], opts["y"], args.crs) if opts["x"] is not None else None
        # a short process: the terrain kernels built ahead of time when they are (numba's
        # start-up, about 0.5 s, is then not paid; the same values)
        with terrain.compiled_kernels():
            result = check_site(project, proposal, point, typed_xy=typed_xy,
                                unit=current_unit(project))
        write_text(check_html(result, project, point, lang=args.lang, record=record),
                   dest.path / "check.html")
        write_text(json.dumps(check_json(result, record), indent=2, ensure_ascii=False),
                   dest.path / "check.json")
        write_text(check_kml(result, project, point, lang=args.lang, record=record),
                   dest.path / "check.kml")
        out = dest.commit()
    if not args.quiet:
        print_check(result, out)
    return 0


def print_check(result: CheckResult, out: Any) -> None:
    """The check's findings, for the terminal (English, as check.json)."""
    from coverage_gis.outputs.check import (
        JSON_LANG,
        bands_outside_text,
        limit_percent,
        reason_texts,
        sharing_text,
    )

    loc, gain, prop = result.location, result.coverage_gain, result.proposal
    where = (f"hamlet {loc.hamlet_id} {loc.hamlet_name}" if loc.hamlet_id
             else f"outside the hamlets (nearest {loc.nearest_hamlet_id}, "
                  f"{loc.nearest_hamlet_distance_m:.0f} m)")
    print(f"Proposed {prop.operator} {prop.technology} "
          f"at {loc.lon:.6f}, {loc.lat:.6f}: "
          f"{'inside' if loc.inside_commune else 'OUTSIDE'} "
          f"{f'{loc.unit_code} {loc.unit_name}' if loc.unit_code else 'the unit'}, {where}")
    if result.point:
        pt = result.point
        print(f"  x, y {pt['x']:.3f}, {pt['y']:.3f} ({pt['xy_crs']})")
    for t in result.nearest_towers:
        print(f"  tower {t.tower_id:<10} {t.distance_m:>7.0f} m  {t.operators} "
              f"({t.status})")
    print(f"Sharing: {sharing_text(result, JSON_LANG)}")
    if gain.basis == "households":
        print(f"Coverage gain: {gain.households_newly_covered} households newly covered "
              f"by 4G/5G ({gain.households_newly_covered_by_operator} by "
              f"{prop.operator}); hamlets newly covered: "
              f"{', '.join(gain.hamlets_newly_covered) or 'none'}; "
              + ("M4 not measurable: no hamlet of the data in the unit"
                 if gain.m4_before is None or gain.m4_after is None else
                 f"M4 {gain.m4_before:.0%} -> {gain.m4_after:.0%}"))
    bad = [c for c in result.constraints if not c.ok]
    print(f"Constraints: {len(result.constraints)} checked, {len(bad)} too close")
    rf = result.exposure
    if rf is not None:
        worst = (f"; highest {limit_percent(rf.max_ratio)} of the limit at {rf.worst['kind']} "
                 f"{rf.worst['id']} ({rf.worst['distance_m']:.0f} m)" if rf.worst else "")
        print(f"RF exposure (limit {rf.limit_w_m2:g} W/m², QCVN 8:2022/BTTTT): main-beam "
              "compliance distance "
              f"{rf.compliance_distance_m:.1f} m; {rf.places_checked} places within "
              f"{rf.search_m:g} m checked{worst}")
        outside = bands_outside_text(rf, JSON_LANG)
        if outside:
            print(f"  {outside}")
    print(f"Verdict: {result.verdict.upper()}")
    for r in reason_texts(result, JSON_LANG):
        print(f"  - {r}")
    print(f"Wrote {out / 'check.json'}, {out / 'check.html'} and {out / 'check.kml'}")
