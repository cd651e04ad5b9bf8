"""``coverage-gis calibrate``: fit the path-loss model's offset and distance slope to measured
levels (drive tests, OpenCelliD measurements), and write a ``[calibration]`` table that
``analyze`` applies."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from coverage_gis.cli.common import SCENARIO_HELP, add_out, load_or_report

EXAMPLES = """examples:
  coverage-gis calibrate --measurements data/measurements/drive_test.csv --out out/calibration
  coverage-gis calibrate my_commune.toml --measurements measurements_452.csv \\
      --out out/calibration --overwrite --folds 10
then, in the scenario's [scenario] table:  calibration = "out/calibration/calibration.toml"
"""


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    c = sub.add_parser(
        "calibrate", parents=[common],
        help="fit the path-loss model to measured levels (drive test, OpenCelliD)",
        description="Predict each measured level with the engine's own link budget (its "
                    "serving cell by cell id or PCI, else the strongest; antenna pattern; "
                    "terrain when the scenario has a DEM), fit an offset and a distance slope "
                    "of the path loss by least squares with k-fold cross-validation, and "
                    "write calibration.json (offset_db, slope_db_per_decade, rmse_before_db, "
                    "rmse_after_db, mean errors, n, cv_rmse_db), calibration.toml (a "
                    "[calibration] table: name it in a scenario with [scenario] calibration "
                    "= \"calibration.toml\" and analyze applies it), residuals.csv and "
                    "calibration.png. offset_db > 0 means more loss than the model.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("scenario", nargs="?", help=SCENARIO_HELP)
    c.add_argument("--measurements", required=True, metavar="FILE",
                   help="drive-test CSV (lon, lat, rsrp_dbm, cell_id = the site_id or cell "
                        "number, and/or pci) or an OpenCelliD measurements file (mcc, mnc, "
                        "lac, cellid, lon, lat, signal, ...)")
    c.add_argument("--crs", metavar="NAME",
                   help="CRS of the measurements' x/y (or lon/lat) when the file does not say "
                        "it, e.g. vn2000-thanhhoa (default: lon/lat in WGS 84)")
    add_out(c, "calibration.json, calibration.toml, residuals.csv and calibration.png")
    c.add_argument("--folds", metavar="K",
                   help="k of the k-fold cross-validation (default 5; contiguous blocks of "
                        "the file's rows)")
    c.add_argument("--reference-distance-m", metavar="M",
                   help="distance at which the offset applies alone (default 1000)")
    c.add_argument("--offset-only", action="store_true",
                   help="fit the offset alone (no distance slope)")
    c.add_argument("--lang", choices=("vi", "en"), default="vi",
                   help="language of calibration.png (default: Vietnamese)")
    c.set_defaults(run=run)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """--folds and --reference-distance-m, checked (every problem listed at once)."""
    from coverage_gis.config import settings
    from coverage_gis.config.params import CalibrationParams, Number, check_keys
    from coverage_gis.errors import InputError

    checks = {"folds": Number(minimum=2, maximum=100, integer=True),
              "reference_distance_m": CalibrationParams.checks()["reference_distance_m"]}
    given = {k: getattr(args, k) for k in checks if getattr(args, k) is not None}
    values, problems = check_keys(given, checks, "command line", text=True,
                                  name=lambda key: f"--{key.replace('_', '-')}")
    if problems:
        raise InputError(problems)
    return {"folds": values.get("folds", settings.CALIBRATION_FOLDS),
            "reference_distance_m": values.get("reference_distance_m",
                                               settings.CALIBRATION_REFERENCE_DISTANCE_M)}


def read_measurements_file(path: str | Path, crs: Any = None) -> Any:
    """The measurements of ``--measurements`` (:func:`coverage_gis.io.measurements.
    read_measurements`: a drive test, its cells named by number or by the sites layer's
    ``site_id``, or an OpenCelliD file), points in WGS 84."""
    from coverage_gis.io.measurements import read_measurements

    return read_measurements(path, crs=crs)


def check_study_area(measurements: Any, project: Any, source: str, margin_m: float) -> None:
    """Refuse measurements farther than ``margin_m`` from the hamlets (the study area), each
    named with its row and position; a hint when lon and lat look swapped."""
    import geopandas as gpd
    import numpy as np

    from coverage_gis.errors import InputError

    area = project.hamlets_union()
    far = measurements.to_crs(project.crs).distance(area).to_numpy() > margin_m
    if not far.any():
        return
    lon, lat = measurements.geometry.x.to_numpy(), measurements.geometry.y.to_numpy()
    swapped = gpd.GeoSeries(gpd.points_from_xy(lat, lon), crs=4326).to_crs(project.crs)
    with np.errstate(invalid="ignore"):  # a swapped latitude beyond 90 degrees: no position
        near_if_swapped = swapped.distance(area).to_numpy() <= margin_m
    rows = list(far.nonzero()[0])
    problems = [f"{source} row {i + 1}: lon={lon[i]:.6f}, lat={lat[i]:.6f} is outside the "
                f"study area (more than {margin_m:g} m from the hamlets, [scenario] "
                f"study_area_margin_m){' (are lon and lat swapped?)' if near_if_swapped[i] else ''}"
                for i in rows[:20]]
    if len(rows) > 20:
        problems.append(f"{source}: and {len(rows) - 20} more rows outside the study area")
    raise InputError(problems)


def warn_cell_number_fallback(result: Any, source: str) -> None:
    """An :class:`~coverage_gis.errors.InputWarning` when rows named their cell by a number the
    sites layer has none of (``result.cell_number_fallback``), saying how they were served."""
    import warnings

    from coverage_gis.errors import InputWarning

    n = result.cell_number_fallback
    if n:
        warnings.warn(
            f"{source}: {n} of {len(result.residuals)} rows name their cell by number (such "
            "as OpenCelliD's mcc, mnc, lac, cellid) but the sites layer has no cell numbers for "
            "their operator and technology (it was not read from OpenCelliD): each was given "
            "its cell by PCI where it has one, else the strongest predicted cell of its "
            "operator (from mcc/mnc) and technology (match in residuals.csv); to use the "
            "numbers, calibrate against a sites layer read from OpenCelliD",
            InputWarning, stacklevel=2)


def run(args: argparse.Namespace) -> int:
    from coverage_gis.config.params import CoverageParams
    from coverage_gis.config.scenario import read_scenario, scenario_inputs
    from coverage_gis.engines.calibration import calibrate
    from coverage_gis.errors import InputError
    from coverage_gis.outputs.calibration import OUTPUT_NAMES, write_calibration
    from coverage_gis.outputs.outset import OutputSet

    scenario = read_scenario(args.scenario)
    opts = _options(args)
    params = CoverageParams.from_scenario(scenario.parameters)
    path = Path(args.measurements)
    measurements = read_measurements_file(path, args.crs)  # a VN-2000 drive test (a review)
    inputs = [*scenario_inputs(scenario), path,
              *([scenario.calibration_path] if scenario.calibration_path else [])]
    with OutputSet(args.out, kind="calibration", overwrite=args.overwrite, inputs=inputs,
                   known_names=OUTPUT_NAMES).open() as dest:
        project = load_or_report(scenario, args)
        if project.sites is None or project.hamlets is None:
            raise InputError("calibrate needs the scenario's hamlets and sites layers")
        check_study_area(measurements, project, path.name, scenario.study_area_margin_m)
        result = calibrate(measurements, project.sites, params, project.dem,
                           landcover=project.landcover, hamlets=project.hamlets,
                           folds=opts["folds"], reference_distance_m=opts["reference_distance_m"],
                           offset_only=args.offset_only)
        warn_cell_number_fallback(result, path.name)
        write_calibration(result, dest.path, measurements_file=path.name,
                          scenario=scenario.name,
                          measurements_format=measurements.attrs.get("format", ""),
                          lang=args.lang)
        out = dest.commit()
    if not args.quiet:
        print_calibration(result, out, path.name)
    return 0


def print_calibration(result: Any, out: Path, source: str) -> None:
    """The fit, for the terminal (English, as calibration.json)."""
    excluded = ", ".join(f"{k} {v}" for k, v in result.excluded.items() if v) or "none"
    se_slope = ("" if result.std_error_slope_db_per_decade != result.std_error_slope_db_per_decade
                else f" (± {result.std_error_slope_db_per_decade:.1f})")
    print(f"Calibration against {source}: {result.n} measurements used (excluded: {excluded}); "
          f"model {', '.join(result.models)}{', terrain' if result.terrain else ''}")
    print(f"  offset {result.offset_db:+.2f} dB (± {result.std_error_offset_db:.1f}), slope "
          f"{result.slope_db_per_decade:+.2f} dB/decade{se_slope}, reference "
          f"{result.reference_distance_m:g} m; offset > 0: more loss than the model")
    print(f"  RMS error {result.rmse_before_db:.1f} dB before, {result.rmse_after_db:.1f} dB "
          f"after ({result.folds}-fold cross-validation {result.cv_rmse_db:.1f} dB); mean "
          f"error {result.mean_error_before_db:+.1f} -> {result.mean_error_after_db:+.1f} dB")
    if result.clutter_offsets_db:
        print("  land-cover class offsets (extra loss on top of the offset): "
              + ", ".join(f"class {c} {v:+.1f} dB ({result.class_counts.get(c, 0)} points)"
                          for c, v in sorted(result.clutter_offsets_db.items())))
    if result.notes:
        print(f"  notes: {', '.join(result.notes)}")
    for note in result.notes:
        if note in _NOTE_WORDS:
            print(f"warning: {_NOTE_WORDS[note]}", file=sys.stderr)
    print(f"Apply it: add  calibration = \"{out / 'calibration.toml'}\"  under [scenario] in "
          "the scenario (or copy its [calibration] table)")
    print(f"Wrote {out / 'calibration.json'}, calibration.toml, residuals.csv and "
          "calibration.png")


#: What the notes a planner should act on mean.
_NOTE_WORDS = {
    "offset_unusual": "the offset is beyond what drive tests give (5-15 dB): are the levels "
                      "RSRP in dBm (RSSI reads some 20-30 dB stronger), and the cells the "
                      "right ones?",
    "pci_ignored": "the measurements give PCIs but the sites layer has no pci column: rows "
                   "without a cell id were served by the strongest cell",
    "slope_not_identifiable": "the measurements lie at nearly one distance: the offset alone "
                              "was fitted",
}
