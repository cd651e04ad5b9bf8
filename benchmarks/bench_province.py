"""The whole province: time and peak memory of `coverage-gis analyze` on a Thanh Hóa-sized study.

Generates (benchmarks/province_data.py; cached in the work folder, made again only when the
seed or size changes) a synthetic scenario on the REAL 166 units of Thanh Hóa (2025, bundled),
about 11,100 km²: ~5,000 hamlets (Voronoi cells in each unit), ~2,100 masts / 6,300 cells of 4
operators (4G 1800/900/2100 MHz, a few 5G 3500 MHz; denser in the lowland east and the wards),
1,000,000 households in villages along lanes, ~34,000 km of roads (a jittered 2 km grid and village
lanes), fibre along a share of the grid, ~10,000 FTTH boxes and a 30 m DEM (~6,000 x 5,500 px,
mountains in the west, plain in the east). The same generator makes two commune-size studies:
one unit (14818, phường Quang Trung, 29 km²) and the units around it up to ~400 km².

Each study runs as a user runs it, in a subprocess:
`.venv/bin/coverage-gis analyze SCENARIO --out OUT --overwrite [--workers N]`, once per entry
of `--workers-list` (without `--workers` when the command has no such option, which is said).
The script samples the RSS of the process and all its children (psutil) every 0.2 s and prints
the wall time, the peak of the sum and the peak of the largest single process, the per-stage
times of `OUT/summary.json` (`timings_s`) when present, the cost per km², the size of
`map.html` and the time Chromium takes to open it (Playwright driving /usr/bin/chromium with
`executable_path`, as tests/test_web.py does: from `goto` to the load event, and to the map's
layers drawn). Then one unit's detailed set from the main study's stored result
(`coverage-gis report OUT --unit 14818 --out DIR`): its time, peak memory and size.

Goals (issue 13), printed beside the figures:
- end to end (analysis and outputs) under 10 minutes on this 2-core machine;
- peak memory under 6 GB;
- two workers at least 1.7x faster than one;
- cost per km² at province size no higher than at commune size;
- map.html under 20 MB, opening in Chromium in under 5 s.

Asserts nothing. Run (the full province takes minutes and most of the machine):

    .venv/bin/python benchmarks/bench_province.py --quick        # 20 units around Bỉm Sơn
    .venv/bin/python benchmarks/bench_province.py                # all 166 units
    .venv/bin/python benchmarks/bench_province.py --work /tmp/province --workers-list 1,2 \
        --seed 2025 [--no-commune] [--no-browser] [--generate-only]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # a dependency of dask.distributed

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import province_data as pdata  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / ".venv" / "bin" / "coverage-gis"

GOAL_WALL_S = 600.0
GOAL_PEAK_GB = 6.0
GOAL_SPEEDUP = 1.7
GOAL_MAP_MB = 20.0
GOAL_OPEN_S = 5.0
SAMPLE_S = 0.2
#: The unit the commune-size studies are centred on (phường Quang Trung, Bỉm Sơn).
HOME_UNIT = "14818"
QUICK_UNITS = 20
QUICK_HOUSEHOLDS = 1_000_000  # province-wide density; the 20 units get ~1/8-1/10 of it
COMMUNE_AREA_KM2 = 400.0
COMMUNE_LABEL = f"~{COMMUNE_AREA_KM2:.0f} km²"
#: Where the scenarios and results are kept between runs (``--work``'s default).
DEFAULT_WORK = Path(tempfile.gettempdir()) / "coverage_gis_bench_province"


def commune_size(seed: int) -> pdata.Size:
    """The commune-size study: the units around Bỉm Sơn up to ~400 km²."""
    return pdata.Size(units=pdata.units_near(HOME_UNIT, area_km2=COMMUNE_AREA_KM2), seed=seed)


def scenario_folder(work: Path, label: str) -> Path:
    """The folder of a study's generated scenario in ``work``."""
    return work / f"scenario-{label.replace(' ', '_').replace('~', '').replace('²', '2')}"


@dataclass
class Run:
    """One `coverage-gis analyze` run."""

    label: str
    area_km2: float
    counts: dict[str, Any]
    workers: int | None
    wall_s: float = 0.0
    peak_sum_b: int = 0
    peak_one_b: int = 0
    peak_at_s: float = 0.0
    returncode: int | None = 0
    stopped: str = ""
    where: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    map_mb: float | None = None
    out: Path | None = None
    log: str = ""


def has_workers_option() -> bool:
    """Whether `coverage-gis analyze` takes `--workers` (being added for issue 13)."""
    text = subprocess.run([str(CLI), "analyze", "--help"], capture_output=True, text=True,
                          check=False).stdout
    return "--workers" in text


class Sampler(threading.Thread):
    """Peak RSS of a process and all its children, sampled every ``SAMPLE_S`` seconds."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak_sum = 0
        self.peak_one = 0
        self.peak_at_s = 0.0          # when the sum peaked, from the start
        self.t0 = time.perf_counter()
        self.done = threading.Event()

    def sample(self) -> None:
        try:
            procs = [self.proc, *self.proc.children(recursive=True)]
        except psutil.Error:
            return
        sizes = []
        for p in procs:
            try:
                sizes.append(p.memory_info().rss)
            except psutil.Error:
                continue
        if sizes:
            if sum(sizes) > self.peak_sum:
                self.peak_at_s = time.perf_counter() - self.t0
            self.peak_sum = max(self.peak_sum, sum(sizes))
            self.peak_one = max(self.peak_one, max(sizes))

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(SAMPLE_S)


def stop_tree(proc: subprocess.Popen) -> None:
    """End the analysis this script started and the worker processes it started."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        children = []
    for p in [*children, proc]:
        try:
            p.kill()
        except (psutil.Error, ProcessLookupError):
            pass
    proc.wait()


def where_now(pid: int) -> str:
    """The coverage_gis frames the main process is in (py-spy, when installed), innermost
    first: where a stopped run was."""
    spy = ROOT / ".venv" / "bin" / "py-spy"
    if not spy.exists():
        return ""
    try:
        dump = subprocess.run([str(spy), "dump", "--pid", str(pid)], capture_output=True,
                              text=True, timeout=30, check=False).stdout
    except subprocess.TimeoutExpired:
        return ""
    frames: list[str] = []
    in_main = False
    for line in dump.splitlines():
        if line.startswith("Thread "):
            in_main = "MainThread" in line
        elif in_main and "coverage_gis/" in line:
            frames.append(line.strip())
    shown = frames if len(frames) <= 8 else [*frames[:3], "...", *frames[-5:]]
    return " <- ".join(shown)


def analyze(run: Run, scenario: Path, out: Path, workers_flag: bool, timeout_s: float,
            max_bytes: float) -> Run:
    """Run the analysis in a subprocess, sampling its memory; fill ``run``. A run longer than
    ``timeout_s`` or whose processes hold more than ``max_bytes`` together is stopped
    (``returncode`` None, ``stopped`` says why): the machine is shared."""
    cmd = [str(CLI), "analyze", str(scenario), "--out", str(out), "--overwrite"]
    if workers_flag and run.workers is not None:
        cmd += ["--workers", str(run.workers)]
    return timed(run, cmd, out, timeout_s, max_bytes)


def timed(run: Run, cmd: list[str], out: Path, timeout_s: float, max_bytes: float) -> Run:
    """Run ``cmd`` (writing the output set ``out``) in a subprocess, sampling its memory; fill
    ``run`` (see :func:`analyze`)."""
    log = out.with_name(out.name + ".log")
    with open(log, "w") as f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT)
        sampler = Sampler(proc.pid)
        sampler.start()
        while (code := proc.poll()) is None:
            if time.perf_counter() - t0 > timeout_s:
                run.stopped = f"after {timeout_s / 60:g} min"
            elif sampler.peak_sum > max_bytes:
                run.stopped = f"at {gb(sampler.peak_sum):.1f} GB (limit {gb(int(max_bytes)):g} GB)"
            if run.stopped:
                run.where = where_now(proc.pid)
                stop_tree(proc)
                break
            time.sleep(SAMPLE_S)
        run.returncode = None if run.stopped else code
        run.wall_s = time.perf_counter() - t0
        sampler.done.set()
        sampler.join()
    run.peak_sum_b, run.peak_one_b = sampler.peak_sum, sampler.peak_one
    run.peak_at_s = sampler.peak_at_s
    run.out = out
    run.log = log.read_text(errors="replace")[-2000:]
    summary = out / "summary.json"
    if run.returncode == 0 and summary.exists():  # not an earlier run's
        data = json.loads(summary.read_text())
        run.timings = {str(k): float(v) for k, v in (data.get("timings_s") or {}).items()}
    if run.returncode == 0 and (out / "map.html").exists():
        run.map_mb = (out / "map.html").stat().st_size / 1e6
    return run


def open_map(path: Path) -> tuple[float, float] | str:
    """Seconds from `goto` to the load event, and to the map's layers drawn, in Chromium; or
    why it could not be measured."""
    try:
        from playwright.sync_api import sync_playwright

        from tests.browser import CHROMIUM_FLAGS, find_chromium
    except ImportError as exc:
        return f"not measured ({exc})"
    exe = find_chromium()
    if exe is None:
        return "not measured (chromium not installed)"
    flags = [f for f in CHROMIUM_FLAGS if f != "--headless"]
    drawn = ("() => document.querySelectorAll('.leaflet-overlay-pane path, .leaflet-overlay-pane"
             " canvas, .leaflet-image-layer, .leaflet-marker-icon').length > 0")
    frames = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=flags)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            t0 = time.perf_counter()
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=180_000)
            loaded = time.perf_counter() - t0
            page.wait_for_function(drawn, timeout=180_000)
            page.evaluate(frames)
            return loaded, time.perf_counter() - t0
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            return f"not measured ({type(exc).__name__}: {str(exc)[:200]})"
        finally:
            browser.close()


# --------------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------------

def gb(b: int) -> float:
    return b / 1024**3


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def print_run(run: Run) -> None:
    c = run.counts
    w = "-" if run.workers is None else str(run.workers)
    cost = (f"{run.wall_s / run.area_km2 * 1000:7.1f} ms/km²" if run.returncode == 0
            else f"{'n/a':>7} ms/km²")
    status = ("" if run.returncode == 0 else f"  DID NOT FINISH (stopped {run.stopped})"
              if run.returncode is None else f"  KILLED (signal {-run.returncode})"
              if run.returncode < 0 else f"  FAILED (exit {run.returncode})")
    print(f"{run.label:<16} {run.area_km2:>8,.0f} km²  {c.get('units', 0):>3} units "
          f"{c.get('cells', 0):>6,} cells {c.get('households', 0):>9,} households  workers {w}"
          f"  wall {run.wall_s:7.1f} s  {cost}  "
          f"peak {gb(run.peak_sum_b):5.2f} GB (largest process {gb(run.peak_one_b):5.2f} GB, "
          f"at {run.peak_at_s:.0f} s){status}", flush=True)
    if run.where:
        print(f"{'':<16} stopped in: {run.where}")
    if run.timings:
        stages = "  ".join(f"{k} {v:.1f}" for k, v in run.timings.items())
        print(f"{'':<16} stages (s): {stages}")
    elif run.returncode == 0:
        print(f"{'':<16} stages: summary.json has no timings_s yet")
    if run.returncode not in (0, None):
        print("    last output:\n      " + "\n      ".join(run.log.strip().splitlines()[-15:]))


def print_goals(runs: list[Run], main_label: str, map_open: tuple[float, float] | str | None,
                workers_flag: bool) -> None:
    main = [r for r in runs if r.label == main_label and r.returncode == 0]
    small = [r for r in runs if r.label != main_label and r.returncode == 0]
    print("\nGoals (issue 13)" + ("" if main_label == "province" else
                                  "  [--quick: a part of the province; the goals are the "
                                  "whole province's]"))
    if not main:
        stopped = [r for r in runs if r.label == main_label and r.returncode is None]
        if stopped:
            r = stopped[0]
            print(f"  end to end under {GOAL_WALL_S / 60:.0f} min: did not finish (stopped "
                  f"{r.stopped}) -> NOT met; peak memory until stopped "
                  f"{gb(max(q.peak_sum_b for q in stopped)):.2f} GB")
        else:
            print("  the main study failed: no figures")
        return
    best = min(main, key=lambda r: r.wall_s)
    print(f"  end to end under {GOAL_WALL_S / 60:.0f} min: {best.wall_s / 60:.1f} min "
          f"-> {verdict(best.wall_s < GOAL_WALL_S)}")
    peak = max(r.peak_sum_b for r in main)
    print(f"  peak memory under {GOAL_PEAK_GB:g} GB: {gb(peak):.2f} GB (sum of the process tree)"
          f" -> {verdict(gb(peak) < GOAL_PEAK_GB)}")
    by_w = {r.workers: r for r in main}
    if not workers_flag:
        print("  two workers >= 1.7x one: n/a (`coverage-gis analyze` has no --workers yet; "
              "ran without it)")
    elif 1 in by_w and 2 in by_w:
        speedup = by_w[1].wall_s / by_w[2].wall_s
        # three decimals: 1.696x shown as 1.70x read as met
        print(f"  two workers >= {GOAL_SPEEDUP:g}x one: {speedup:.3f}x "
              f"({by_w[1].wall_s:.1f} s / {by_w[2].wall_s:.1f} s) "
              f"-> {verdict(speedup >= GOAL_SPEEDUP)}")
    else:
        print("  two workers >= 1.7x one: n/a (run with --workers-list 1,2)")
    cost = best.wall_s / best.area_km2
    for r in small:
        c = r.wall_s / r.area_km2
        print(f"  cost per km² no higher than at {r.label} ({r.area_km2:,.0f} km²): "
              f"{cost * 1000:.1f} vs {c * 1000:.1f} ms/km² -> {verdict(cost <= c)}")
    if best.map_mb is not None:
        print(f"  map.html under {GOAL_MAP_MB:g} MB: {best.map_mb:.1f} MB "
              f"-> {verdict(best.map_mb < GOAL_MAP_MB)}")
    if isinstance(map_open, tuple):
        print(f"  map.html opens in Chromium under {GOAL_OPEN_S:g} s: load event "
              f"{map_open[0]:.1f} s, layers drawn {map_open[1]:.1f} s "
              f"-> {verdict(map_open[1] < GOAL_OPEN_S)}")
    elif map_open is not None:
        print(f"  map.html opens in Chromium under {GOAL_OPEN_S:g} s: {map_open}")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def studies(args: argparse.Namespace) -> list[tuple[str, pdata.Size]]:
    """(label, size) of each study, the main one first."""
    if args.quick:
        main = pdata.Size(units=pdata.units_near(HOME_UNIT, count=QUICK_UNITS),
                          households=QUICK_HOUSEHOLDS, seed=args.seed)
        out = [("quick", main)]
    else:
        out = [("province", pdata.Size(seed=args.seed))]
    if not args.no_commune:
        out.append((COMMUNE_LABEL, commune_size(args.seed)))
        out.append((f"unit {HOME_UNIT}", pdata.Size(units=(HOME_UNIT,), boundary="unit",
                                                    seed=args.seed)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_UNITS} units around Bỉm Sơn instead of the province")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the scenarios and results (default: a temporary "
                             "folder under /tmp, kept between runs)")
    parser.add_argument("--workers-list", default="1,2",
                        help="worker counts to run the main study with (default 1,2)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--no-commune", action="store_true",
                        help="skip the commune-size studies")
    parser.add_argument("--no-browser", action="store_true", help="do not open map.html")
    parser.add_argument("--timeout-min", type=float, default=30.0,
                        help="stop a run after this many minutes (default 30)")
    parser.add_argument("--max-memory-gb", type=float, default=12.0,
                        help="stop a run whose processes hold more than this together "
                             "(default 12: twice the goal; the machine is shared)")
    parser.add_argument("--generate-only", action="store_true",
                        help="make the scenarios and stop")
    args = parser.parse_args()
    work = args.work or DEFAULT_WORK
    work.mkdir(parents=True, exist_ok=True)
    workers = [int(w) for w in args.workers_list.split(",") if w.strip()]
    workers_flag = has_workers_option()
    if not workers_flag:
        print("note: `coverage-gis analyze` has no --workers option yet: each study runs once, "
              "without it")
    print(f"machine: {psutil.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 1024**3:.0f} GB; work folder {work}")
    plan = studies(args)
    made = {}
    for label, size in plan:
        folder = scenario_folder(work, label)
        print(f"scenario {label}: {folder}", flush=True)
        made[label] = (folder, pdata.generate(folder, size))
        c = made[label][1]["counts"]
        print(f"  {c['units']} units, {c['area_km2']:,.0f} km², {c['hamlets']:,} hamlets, "
              f"{c['cells']:,} cells ({c['masts']:,} masts), {c['households']:,} households, "
              f"{c['road_km']:,.0f} km of roads ({c['roads']:,} lines), {c['fibre']:,} fibre "
              f"routes, {c['access_points']:,} boxes, DEM {c['dem_shape'][1]:,} x "
              f"{c['dem_shape'][0]:,} px (generation {made[label][1]['seconds']} s)")
    if args.generate_only:
        return
    runs: list[Run] = []
    print()
    for i, (label, _) in enumerate(plan):
        folder, stamp = made[label]
        counts = stamp["counts"]
        for w in (workers if i == 0 and workers_flag else workers[:1]):
            run = Run(label, counts["area_km2"], counts, w if workers_flag else None)
            out = folder.parent / f"out-{folder.name}-w{w}"
            runs.append(analyze(run, folder / "scenario.toml", out, workers_flag,
                                args.timeout_min * 60, args.max_memory_gb * 1024**3))
            print_run(run)
    map_open: tuple[float, float] | str | None = None
    main_runs = [r for r in runs if r.label == plan[0][0] and r.map_mb is not None]
    if not args.no_browser and main_runs:
        map_open = open_map(main_runs[-1].out / "map.html")  # type: ignore[operator]
    if main_runs and main_runs[-1].out is not None:
        unit_report(main_runs[-1].out, args.timeout_min * 60, args.max_memory_gb * 1024**3)
    print_goals(runs, plan[0][0], map_open, workers_flag)


def unit_report(results: Path, timeout_s: float, max_bytes: float) -> None:
    """One unit's detailed set from the main study's stored result, as a user asks for it
    (``coverage-gis report RESULTS --unit 14818 --out DIR``): time, peak memory, size of the
    set and of its map (no goal in the issue; printed to follow)."""
    out = results.with_name(results.name + f"-unit-{HOME_UNIT}")
    cmd = [str(CLI), "report", str(results), "--unit", HOME_UNIT, "--out", str(out),
           "--overwrite", "--quiet"]
    run = timed(Run(f"unit {HOME_UNIT}", 0.0, {}, None), cmd, out, timeout_s, max_bytes)
    if run.returncode != 0:
        print(f"\nunit {HOME_UNIT}'s detailed set (report --unit): failed or stopped "
              f"({run.stopped or run.returncode})\n    " + run.log.strip()[-600:])
        return
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"\nunit {HOME_UNIT}'s detailed set (report --unit, from the stored result): wall "
          f"{run.wall_s:.1f} s, peak {gb(run.peak_sum_b):.2f} GB, set {size / 1e6:.0f} MB, "
          f"map.html {run.map_mb or 0:.1f} MB")


if __name__ == "__main__":
    main()
