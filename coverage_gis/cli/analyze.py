"""``coverage-gis analyze``: the main job, from a scenario to a folder of results."""

from __future__ import annotations

import argparse
from typing import Any

from coverage_gis.cli.common import (
    SCENARIO_HELP,
    add_layer_options,
    add_out,
    apply_layer_options,
    load_or_report,
    open_outputs,
    whole_number,
    workers_count,
)

EXAMPLES = """examples:
  coverage-gis analyze --out out/demo            # the bundled Quang Trung sample
  coverage-gis analyze my_commune.toml --out results --overwrite
  coverage-gis analyze --out out/demo --overwrite --site-detail VTL-THA-1042-4G1800-1
  coverage-gis analyze province.toml --out results --workers 2       # a local dask cluster
  coverage-gis analyze province.toml --out results --scheduler tcp://10.0.0.5:8786
"""


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    a = sub.add_parser("analyze", parents=[common],
                       help="run the analysis and write results to --out",
                       description="Load and check the scenario, compute 4G/5G coverage over "
                                   "the terrain, FTTH reach along the roads and tower sharing, "
                                   "and write the results as one set: the stored result "
                                   "(result.json, data/*.parquet, rasters/*.tif as COGs; "
                                   "'coverage-gis report' renders it again), hamlets.csv, "
                                   "map.html, report.html, scorecard.csv, cells.csv, "
                                   "towers.csv, sharing_candidates.csv, report.xlsx, "
                                   "results.gpkg, results.kmz, summary.json and more.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("scenario", nargs="?", help=SCENARIO_HELP)
    add_layer_options(a)
    add_out(a)
    a.add_argument("--resolution-m", metavar="M",
                   help="coverage raster resolution in metres (default 30)")
    a.add_argument("--indoor", action="store_true",
                   help="indoor view: add the building entry loss (ITU-R P.2109 by band; "
                        "[coverage] indoor_loss_db for a flat value)")
    a.add_argument("--include-planned", action="store_true",
                   help="count planned cells as if on air")
    a.add_argument("--lang", choices=("vi", "en"), default="vi",
                   help="language of map.html and report.html (default: Vietnamese)")
    a.add_argument("--site-detail", metavar="SITE_ID",
                   help="also write that cell's own path-loss (dB), line-of-sight and level "
                        "rasters, for comparison with other tools")
    a.add_argument("--workers", metavar="N", type=workers_count, default=0,
                   help="compute the coverage tiles on a local dask.distributed cluster of N "
                        "worker processes (default: in this process, all cores)")
    a.add_argument("--scheduler", metavar="ADDRESS",
                   help="compute them on an existing dask.distributed cluster, e.g. "
                        "tcp://10.0.0.5:8786 (the workers need coverage_gis installed)")
    a.add_argument("--tile-px", metavar="N", type=_tile_px, default=None,
                   help="tile side in grid cells (default 1024); the results do not depend "
                        "on it")
    a.set_defaults(run=run)


def _tile_px(text: str) -> int:
    return whole_number(text, 16)


def coverage_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The ``[coverage]`` values the command line overrides (checked with the scenario's)."""
    overrides: dict[str, Any] = {}
    if args.resolution_m is not None:
        overrides["resolution_m"] = args.resolution_m
    if args.indoor:
        overrides["indoor"] = True
    if args.include_planned:
        overrides["include_planned"] = True
    return overrides


def run(args: argparse.Namespace) -> int:
    from coverage_gis.config.scenario import read_scenario
    from coverage_gis.engines.coverage import CoverageParams, site_detail
    from coverage_gis.errors import InputError
    from coverage_gis.outputs.writer import OUTPUT_NAMES, render_analysis, write_site_detail
    from coverage_gis.pipeline import analyze, by_unit, unit_as_area

    if args.site_detail is not None and not args.site_detail.strip():
        raise InputError(f"--site-detail {args.site_detail!r}: expected a site_id of the "
                         "sites layer")  # it was taken for no --site-detail at all
    scenario = apply_layer_options(read_scenario(args.scenario), args.columns, args.layer, [])
    params = CoverageParams.from_scenario(scenario.parameters, **coverage_overrides(args))
    # a local cluster's workers start while this process loads the layers
    with open_outputs(args, "analysis", OUTPUT_NAMES, scenario) as dest, \
            _runner(args) as runner:
        project = unit_as_area(load_or_report(scenario, args))  # no hamlets: the unit
        detail = None
        if args.site_detail and project.sites is None:
            raise InputError(f"--site-detail {args.site_detail}: the scenario has no sites "
                             "layer")
        if args.site_detail:
            detail = site_detail(project.sites, args.site_detail, project.hamlets,
                                 project.dem, params, landcover=project.landcover)
        result = analyze(project, params, progress=not args.quiet, runner=runner)
        units = by_unit(result)  # for the outputs and the summary below
        # a local cluster's workers write the largest files beside this process
        written = render_analysis(result, dest.path, lang=args.lang, runner=runner,
                                  units=units)
        if detail is not None:
            written += write_site_detail(detail, dest.path / "rasters")
        staging = dest.path
        out = dest.commit()
    if not args.quiet:
        print_summary(result, out, [out / p.relative_to(staging) for p in written],
                      args.verbose, units)
    return 0


def _runner(args: argparse.Namespace) -> Any:
    """Where the coverage tiles run, from ``--workers``, ``--scheduler`` and ``--tile-px``."""
    from coverage_gis.config import settings
    from coverage_gis.engines.tiles import Runner

    if args.workers and args.scheduler:
        from coverage_gis.errors import InputError
        raise InputError("--workers starts a local dask cluster and --scheduler uses an "
                         "existing one: give one of them")
    return Runner(workers=args.workers, scheduler=args.scheduler,
                  tile_px=args.tile_px or settings.TILE_PX)


def print_summary(result: Any, out: Any, written: list[Any], verbose: bool,
                  units: Any = None) -> None:
    """The indicators and the files written, for the terminal; ``units``: the indicators by
    unit when already computed (:func:`coverage_gis.pipeline.by_unit`)."""
    print(f"Scenario: {result.project.scenario.name}")
    _print_mobile(result)
    _print_fibre(result)
    _print_units(result, units)
    _print_skipped(result)
    print(f"Outputs in {out}:")
    top = [t for t in written if t.parent == out]
    for t in top if not verbose else written:
        print(f"  {t}")
    print(f"  {out / 'rasters'}/ ({sum(1 for t in written if t.parent.name == 'rasters')} "
          "GeoTIFFs)")


#: Lines of hamlets or units listed on the terminal before "... N more (FILE)".
_LISTED = 10


def _print_units(result: Any, by: Any = None) -> None:
    """The plan's old commune and the 2025 ward side by side, or a province's units
    (units.csv)."""
    from coverage_gis.config import settings
    from coverage_gis.pipeline import by_unit

    by = by_unit(result) if by is None else by
    units, whole = by.units, by.province
    if whole is not None:
        _print_province(whole, units)
        return
    for u in units:
        parts = [f"{key} {_pct(ind.value, ind.target)}" for key, ind in (
            ("M4", u.m4), ("M5", u.m5), ("F2", u.f2)) if ind is not None and ind.value is not None]
        share = (f", the data's hamlets cover {_pct(u.hamlet_area_share)} of it"
                 if u.hamlet_area_share is not None
                 and u.hamlet_area_share < settings.UNIT_AREA_SHARE_SAID_BELOW else "")
        role = "plan's unit" if u.role == "plan" else "unit since 1 July 2025"
        print(f"{role}: {u.code} {u.name} ({len(u.hamlet_ids)} hamlet(s){share}): "
              + ", ".join(parts))


def _print_province(whole: Any, units: Any) -> None:
    """The province's indicators, how many units meet each target, the units furthest
    below M4's."""
    parts = [f"{key} {_pct(ind.value, ind.target)}" for key, ind in (
        ("M4", whole.m4), ("M5", whole.m5), ("F2", whole.f2))
        if ind is not None and ind.value is not None]
    print(f"province {whole.code} {whole.name}: " + ", ".join(parts))
    for key, what in (("m4", "hamlets with households"), ("m5", "towers"),
                      ("f2", "hamlets with households")):
        # a unit with nothing to count (no hamlets, no towers in the data) has no value: it
        # neither meets nor misses the target
        valued = [ind for u in units if (ind := getattr(u, key)) is not None
                  and ind.value is not None]
        met = sum(1 for ind in valued if ind.met)
        if valued:
            rest = len(units) - len(valued)
            print(f"  {key.upper()} target met in {met} of {len(valued)} units"
                  + (f" ({rest} more without {what} in the data: not computed, units.csv)"
                     if rest else ""))
    # short: missed whatever its unmeasured hamlets are (a unit they could tip is undecided)
    short = sorted((u for u in units if u.m4 is not None and u.m4.met is False),
                   key=lambda u: u.m4.value)
    for u in short[:_LISTED]:
        print(f"  short of M4: {u.code} {u.name}: {u.m4.covered_hamlets}/{u.m4.hamlets} "
              "hamlets")
    if len(short) > _LISTED:
        print(f"  ... {len(short) - _LISTED} more units short of M4 (units.csv)")


def _print_skipped(result: Any) -> None:
    """What the study left out, and why."""
    from coverage_gis.outputs.i18n import skipped_text
    from coverage_gis.pipeline import skipped_parts

    skipped = skipped_parts(result)
    if skipped:
        print(f"{skipped_text('title', '', 'en')}:")
    for s in skipped:
        print(f"  - {skipped_text(s.part, s.reason, 'en')}")


def _print_mobile(result: Any) -> None:
    """M4 and M5 (nothing without sites: said by :func:`_print_skipped`)."""
    ind = result.indicators
    m4, m5 = ind.m4, ind.m5
    if m4 is None or m5 is None:
        return
    from coverage_gis.outputs.indicators import unmeasured_text

    print(f"M4 hamlets covered by mobile broadband: {m4.covered_hamlets}/{m4.hamlets}"
          f" = {_pct(m4.value, m4.target)} (target {_pct(m4.target)})"
          + unmeasured_text(m4, "en")
          + ("; planned cells counted, not yet on air" if m4.rule_params.get("include_planned")
             else ""))
    import pandas as pd

    from coverage_gis.engines.indicators import UNIT_BASES
    from coverage_gis.outputs.i18n import words
    from coverage_gis.outputs.indicators import is_short

    short = result.hamlets[is_short(result.hamlets, "mobile_broadband_covered")]
    target = result.coverage.params.hamlet_share
    for _, h in short.head(_LISTED).iterrows():
        share = h["mobile_broadband_share"]
        of_what = words("en")[f"of_{h.get('share_basis', 'households')}"]
        print(f"  short: {h['hamlet_id']} {h['name']}: "
              f"{'no households' if pd.isna(share) else f'{_pct(share, target)} {of_what}'}")
    if len(short) > _LISTED:
        print(f"  ... {len(short) - _LISTED} more hamlets short (hamlets.csv)")
    unit = "towers" if m5.existing.method == "towers" else "installations"
    place = {"commune": "the commune", "hamlets": "the hamlets",
             "province": "the province's units"}.get(UNIT_BASES.get(m5.unit_basis or "", ""),
                                                      "the unit")
    where = f" inside {place}" if m5.scope == "inside_unit" else ""
    print(f"M5 BTS positions shared: {m5.existing.shared}/{m5.existing.total} {unit}{where} = "
          f"{_pct(m5.value, m5.target)} (target {_pct(m5.target)}; with planned towers "
          f"{_pct(m5.with_planned.value, m5.target)}; {m5.candidates} sharing candidate(s))")
    if m5.towers_approximate:
        print("  " + words("en")["approximate_towers"].format(n=m5.towers_approximate)[2:])
    if m5.scope == "inside_unit" and m5.towers_outside_unit:
        print(f"  {m5.towers_outside_unit} tower(s), existing or planned, outside {place} not "
              "counted in M5 (neighbours' towers: they still serve coverage; towers.csv "
              "inside_unit)")


def _print_fibre(result: Any) -> None:
    """F2 and F1, when the study has fibre."""
    from coverage_gis.outputs.indicators import unmeasured_text

    ind = result.indicators
    if ind.f2 is not None and ind.f1 is not None:
        f2, f1 = ind.f2, ind.f1
        listed = ", ".join(f2.short_hamlets[:_LISTED]) or "none"
        if len(f2.short_hamlets) > _LISTED:
            listed += f" and {len(f2.short_hamlets) - _LISTED} more (hamlets.csv)"
        print(f"F2 hamlets reached by FTTH: {f2.covered_hamlets}/{f2.hamlets} = "
              f"{_pct(f2.value, f2.target)} (target {_pct(f2.target)}; short: {listed})"
              + unmeasured_text(f2, "en"))
        f1_value = _pct(f1.value, f1.target) if f1.value is not None else "no statistics"
        print(f"F1 households on FTTH: {f1_value} (statistics, target {_pct(f1.target)}); "
              f"homes passed on the map: {_pct(f1.homes_passed_share)}")


def _pct(value: float | None, against: float | None = None) -> str:
    """A share in whole percent, written against ``against`` (its target) so that rounding
    never puts it on the target's other side (found by a cross-output review: F1 at
    74.96 % printed "75% (target 75%)" and not met)."""
    from coverage_gis.outputs.i18n import percent_text

    return "n/a" if value is None else percent_text(value, "en", 0, against)
