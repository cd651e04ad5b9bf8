"""Start-up time: ``import coverage_gis`` and ``coverage-gis --help`` (goal: well under 1 s).

Measures whole fresh processes (median of several runs) and, with ``python -X importtime``, the
cumulative import time of the package and the slowest modules it pulls in. Prints figures beside
their goals; asserts nothing (speed is measured here, never in timed tests).
Run: `make benchmark` or `.venv/bin/python benchmarks/bench_startup.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

GOAL_S = 1.0
CASES = {
    "python -c 'import coverage_gis'": [sys.executable, "-c", "import coverage_gis"],
    "coverage-gis --help": [sys.executable, "-m", "coverage_gis.cli", "--help"],
    "coverage-gis analyze --help": [sys.executable, "-m", "coverage_gis.cli", "analyze",
                                    "--help"],
    "python -c 'pass' (interpreter alone)": [sys.executable, "-c", "pass"],
}


def wall(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def importtime(code: str) -> list[tuple[int, str]]:
    """(cumulative µs, module) for every module imported by ``code``."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], check=True,
                         capture_output=True, text=True).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cum_us, name = line.split("|", 2)
        rows.append((int(cum_us), name.rstrip()))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    print(f"whole process, median of {args.runs} runs (goal < {GOAL_S:.1f} s):")
    for label, cmd in CASES.items():
        times = wall(cmd, args.runs)
        med = statistics.median(times)
        flag = "" if "alone" in label else ("  OK" if med < GOAL_S else "  OVER GOAL")
        print(f"  {label:<40} median {med:6.3f} s  (min {min(times):.3f}, "
              f"max {max(times):.3f}){flag}")
    rows = importtime("import coverage_gis.cli.main")
    total = next((us for us, name in rows if name.strip() == "coverage_gis.cli.main"), 0)
    print(f"\n-X importtime, cumulative for coverage_gis.cli.main: {total / 1e6:.3f} s")
    heavy = sorted(rows, reverse=True)[:8]
    print("  slowest imports (cumulative):")
    for us, name in heavy:
        print(f"    {us / 1e3:8.1f} ms  {name.strip()}")
    rows = importtime("import coverage_gis; coverage_gis.load_project")
    total = max(us for us, _ in rows)
    print(f"\nfirst use of the API (cg.load_project pulls geopandas, pyproj...): "
          f"{total / 1e6:.3f} s (for reference; paid once, when the work starts)")


if __name__ == "__main__":
    main()
