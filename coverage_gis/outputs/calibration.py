"""The files of ``coverage-gis calibrate``: ``calibration.json``, ``calibration.toml`` (a
``[calibration]`` table a scenario includes), ``residuals.csv`` and ``calibration.png``
(measured against predicted levels before and after, and the excess loss against distance).

JSON, TOML and CSV are in English (machine-readable); the plot's words come from
:mod:`coverage_gis.outputs.i18n` (Vietnamese by default).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coverage_gis.engines.calibration import CalibrationResult
from coverage_gis.io.files import atomic_path
from coverage_gis.outputs import i18n
from coverage_gis.outputs.files import write_csv, write_text
from coverage_gis.version import __version__

__all__ = ["OUTPUT_NAMES", "JSON_FORMAT", "SIGN_CONVENTION", "calibration_record",
           "calibration_toml", "residuals_table", "plot_calibration", "write_calibration"]

#: Files a calibration writes (with the output set's manifest).
OUTPUT_NAMES = ("calibration.json", "calibration.toml", "residuals.csv", "calibration.png",
                "manifest.json")
JSON_FORMAT = "coverage-gis calibration"
SIGN_CONVENTION = ("error = measured - predicted (dB); the calibrated loss is L(d) + offset_db "
                   "+ slope_db_per_decade * log10(d / reference_distance_m), floored at free "
                   "space: offset_db > 0 means more loss than the model (measured levels "
                   "lower than predicted)")


def _number(value: float, digits: int = 3) -> float | None:
    """A float for JSON: rounded, None for NaN."""
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def calibration_record(result: CalibrationResult, *, measurements_file: str,
                       scenario: str = "", measurements_format: str = "") -> dict[str, Any]:
    """Everything ``calibration.json`` holds: the fit (offset, slope and their standard
    errors), the errors before and after (dB), the cross-validation, what was used and
    excluded, the model(s), the sign convention and provenance."""
    rec: dict[str, Any] = {"format": JSON_FORMAT, "format_version": 1}
    for key in ("offset_db", "slope_db_per_decade", "reference_distance_m",
                "std_error_offset_db", "std_error_slope_db_per_decade", "rmse_before_db",
                "rmse_after_db", "mean_error_before_db", "mean_error_after_db", "cv_rmse_db"):
        rec[key] = _number(getattr(result, key))
    rec.update({
        "n": result.n, "folds": result.folds, "fit": result.fit, "notes": list(result.notes),
        "model": ", ".join(result.models), "models": list(result.models),
        "terrain": result.terrain,
        "clutter_offsets_db": {str(k): _number(v, 2)
                               for k, v in sorted(result.clutter_offsets_db.items())},
        "landcover_classes_n": {str(k): v for k, v in sorted(result.class_counts.items())},
        "excluded": dict(result.excluded),
        "matched": dict(result.matched),
        "cell_number_fallback": int(result.cell_number_fallback),
        "measurements_file": measurements_file,
        "measurements_format": measurements_format, "scenario": scenario,
        "sign_convention": SIGN_CONVENTION,
        "created_at": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "software_version": __version__})
    return rec


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(str(text), ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(str(text).split())


def calibration_toml(result: CalibrationResult, fitted_from: str) -> str:
    """A ``[calibration]`` table (``config.params.CalibrationParams``) with comments saying
    what it is and how a scenario uses it."""
    p = result.as_params(fitted_from)
    lines = [
        f"# Path-loss calibration fitted by coverage-gis calibrate {__version__} on "
        f"{_dt.date.today().isoformat()}",
        f"# from {_comment(fitted_from)}: {result.n} measurements; RMS error "
        f"{result.rmse_before_db:.1f} dB before, {result.rmse_after_db:.1f} dB after, "
        f"{result.cv_rmse_db:.1f} dB in {result.folds}-fold cross-validation.",
        "# L_cal(d) = L(d) + offset_db + slope_db_per_decade * log10(d / reference_distance_m)",
        "# (floored at free space); offset_db > 0 means more loss than the model.",
        "# Use it: in the scenario's [scenario] table add",
        '#     calibration = "path/to/calibration.toml"   (relative to the scenario file)',
        "# or copy the [calibration] table below into the scenario (not both).",
        "",
        "[calibration]",
        f"offset_db = {p.offset_db!r}",
        f"slope_db_per_decade = {p.slope_db_per_decade!r}",
        f"reference_distance_m = {float(p.reference_distance_m)!r}",
        *([("# extra loss per land-cover class, added to its [clutter] loss (dB)"),
           "clutter_offsets_db = { " + ", ".join(
               f"{_toml_string(str(k))} = {v!r}" for k, v in p.clutter_offsets_db.items())
           + " }"]
          if p.clutter_offsets_db else []),
        f"fitted_from = {_toml_string(fitted_from)}",
        f"n = {int(result.n)}",
        f"rmse_db = {p.rmse_db!r}",
        "",
    ]
    return "\n".join(lines)


def residuals_table(result: CalibrationResult) -> pd.DataFrame:
    """``residuals.csv``: one row per measurement, ``lon``/``lat`` (WGS 84) first."""
    res = result.residuals
    lonlat = res.geometry.to_crs(4326)
    table = pd.DataFrame(res.drop(columns="geometry"))
    table.insert(1, "lon", lonlat.x.round(7).to_numpy())
    table.insert(2, "lat", lonlat.y.round(7).to_numpy())
    return table


def plot_calibration(result: CalibrationResult, path: str | Path, lang: str = "vi") -> Path:
    """``calibration.png``: measured against predicted levels before and after the
    calibration (with the 1:1 line), and the excess loss against distance with the fitted
    correction. Matplotlib with the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    w = i18n.words(lang)
    res = result.residuals[result.residuals["used"]]
    measured = res["measured_dbm"].to_numpy(float)
    fig = Figure(figsize=(15, 5), dpi=100, layout="constrained")
    axes = fig.subplots(1, 3)
    lo = float(np.nanmin([measured.min(), res["predicted_before_dbm"].min(),
                          res["predicted_after_dbm"].min()])) - 5
    hi = float(np.nanmax([measured.max(), res["predicted_before_dbm"].max(),
                          res["predicted_after_dbm"].max()])) + 5
    for ax, column, title, rmse, mean in (
            (axes[0], "predicted_before_dbm", w["cal_before"], result.rmse_before_db,
             result.mean_error_before_db),
            (axes[1], "predicted_after_dbm", w["cal_after"], result.rmse_after_db,
             result.mean_error_after_db)):
        ax.scatter(res[column], measured, s=9, alpha=0.6, color="#1565c0")
        ax.plot([lo, hi], [lo, hi], color="#444", lw=1)
        ax.set(xlim=(lo, hi), ylim=(lo, hi), xlabel=w["cal_predicted"],
               ylabel=w["cal_measured"], title=title)
        ax.text(0.03, 0.96, w["cal_stats"].format(rmse=rmse, mean=mean, n=result.n),
                transform=ax.transAxes, va="top")
        ax.grid(alpha=0.3)
    _plot_distance(axes[2], res, result, w)
    out = Path(path)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png")
    return out


def _plot_distance(ax: Any, res: pd.DataFrame, result: CalibrationResult,
                   w: dict[str, str]) -> None:
    d = res["distance_m"].to_numpy(float)
    excess = res["predicted_before_dbm"].to_numpy(float) - res["measured_dbm"].to_numpy(float)
    ax.scatter(d, excess, s=9, alpha=0.6, color="#e65100")
    grid = np.geomspace(max(float(d.min()), 1.0), max(float(d.max()), 2.0), 50)
    fit = result.offset_db + result.slope_db_per_decade * np.log10(
        grid / result.reference_distance_m)
    ax.plot(grid, fit, color="#222", lw=2,
            label=f"{w['cal_fit']}: {result.offset_db:+.1f} dB "
                  f"{result.slope_db_per_decade:+.1f} dB/decade")
    ax.axhline(0.0, color="#888", lw=1)
    ax.set_xscale("log")
    ax.set(xlabel=w["cal_distance"], ylabel=w["cal_excess"])
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)


def write_calibration(result: CalibrationResult, folder: str | Path, *,
                      measurements_file: str, scenario: str = "",
                      measurements_format: str = "", lang: str = "vi") -> list[Path]:
    """Write ``calibration.json``, ``calibration.toml``, ``residuals.csv`` and
    ``calibration.png`` into ``folder`` (an output set's staging folder); the paths."""
    folder = Path(folder)
    record = calibration_record(result, measurements_file=measurements_file,
                                scenario=scenario, measurements_format=measurements_format)
    return [
        write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                   folder / "calibration.json"),
        write_text(calibration_toml(result, measurements_file), folder / "calibration.toml"),
        write_csv(residuals_table(result), folder / "residuals.csv"),
        plot_calibration(result, folder / "calibration.png", lang),
    ]
