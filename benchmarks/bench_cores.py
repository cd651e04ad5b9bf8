"""Two processes at once: how much of a second core the analysis' own stages can use here.

Issue 13 asks that two local workers finish the province at least 1.7x faster than one. That
bound also depends on the machine: two processes on two cores do twice the work of one only
when neither waits on what they share (memory bandwidth, the last-level cache, a virtual
machine's host). This script measures it with the stages themselves: each stage runs alone in
one process, then in two identical processes started together; the throughput of two is
``2 x alone / slowest of the two`` (2.00 = a second core doubles the work done; 1.00 = it
adds nothing). Each process loads its study first and times only its stage.

Stages (on the synthetic commune-size study of bench_province.py, the units around Bỉm Sơn up
to ~400 km², or any scenario given with ``--scenario``):
- ``python``: a pure-Python loop (the reference for work that shares nothing);
- ``random_reads``: numpy gathers at random indices from a 160 MB array (the memory pattern of
  graph searches and point lookups);
- ``fibre``: FTTH reach and the gaps' extensions (``compute_fibre``: road-graph searches);
- ``coverage``: the coverage tiles in this process (terrain sweeps, one numba thread, as a
  local worker runs them);
- ``suggestions``: the units' site suggestions (``suggest_sites_by_unit``, after coverage).

Asserts nothing. Run:

    .venv/bin/python benchmarks/bench_cores.py [--work /tmp/province] [--scenario S.toml] \
        [--stages python,random_reads,fibre,coverage,suggestions]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STAGES = ("python", "random_reads", "fibre", "coverage", "suggestions")
GOAL_SPEEDUP = 1.7  # issue 13: two workers at least 1.7x one


def _python() -> float:
    """A pure-Python loop: its time (s)."""
    t = time.perf_counter()
    s = 0
    for i in range(80_000_000):
        s += i * i
    return time.perf_counter() - t


def _random_reads() -> float:
    """numpy gathers at random indices from a 160 MB array: their time (s)."""
    rng = np.random.default_rng(1)
    a = rng.random(20_000_000)
    idx = rng.integers(0, len(a), 20_000_000)
    t = time.perf_counter()
    for _ in range(6):
        float(a[idx].sum())
    return time.perf_counter() - t


def run_stage(stage: str, scenario: Path | None) -> float:
    """The stage's own time (s) in this process (its study loaded first, not timed)."""
    if stage == "python":
        return _python()
    if stage == "random_reads":
        return _random_reads()
    from coverage_gis.config.params import CoverageParams
    from coverage_gis.engines import coverage, placement
    from coverage_gis.io.project import load_project
    from coverage_gis.pipeline import _compute_fibre, _fibre_inputs, province_scopes

    assert scenario is not None
    project = load_project(scenario)
    if stage == "fibre":  # the whole fibre job, timed as analyze times it
        return _compute_fibre(*_fibre_inputs(project))[1]
    params = CoverageParams.from_scenario(project.scenario.parameters)

    def tiles() -> coverage.CoverageResult:
        return coverage.compute_coverage(project.sites, project.hamlets, project.dem, params,
                                         landcover=project.landcover)

    if stage == "coverage":
        t = time.perf_counter()
        tiles()
        return time.perf_counter() - t
    base = tiles()
    t = time.perf_counter()
    placement.suggest_sites_by_unit(project, province_scopes(project), 3, params=params,
                                    base=base)
    return time.perf_counter() - t


def _command(stage: str, scenario: Path | None) -> list[str]:
    cmd = [sys.executable, __file__, "--one", stage]
    return cmd + (["--scenario", str(scenario)] if scenario is not None else [])


def timed(stage: str, scenario: Path | None, copies: int) -> list[float]:
    """The stage's own time in each of ``copies`` processes started together (s)."""
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen(_command(stage, scenario), stdout=subprocess.PIPE, text=True,
                              env=env) for _ in range(copies)]
    out = []
    for p in procs:
        stdout, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"{stage}: a process failed (exit {p.returncode})")
        out.append(json.loads(stdout.strip().splitlines()[-1])["seconds"])
    return out


def commune_study(work: Path) -> Path:
    """The ~400 km² study of bench_province.py (made once in ``work``): its scenario."""
    import bench_province as bp
    import province_data as pdata

    folder = bp.scenario_folder(work, bp.COMMUNE_LABEL)
    pdata.generate(folder, bp.commune_size(seed=2025))
    return folder / "scenario.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--scenario", type=Path, default=None,
                        help="the study to run the stages on (default: the ~400 km² study "
                             "of bench_province.py, made in --work)")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the generated study (default: bench_province.py's)")
    parser.add_argument("--stages", default=",".join(STAGES))
    args = parser.parse_args()
    if args.one:
        print(json.dumps({"seconds": round(run_stage(args.one, args.scenario), 3)}))
        return
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(STAGES)}")
    scenario = args.scenario
    if scenario is None and set(stages) - {"python", "random_reads"}:
        import bench_province as bp

        work = args.work or bp.DEFAULT_WORK
        work.mkdir(parents=True, exist_ok=True)
        scenario = commune_study(work)
    print(f"machine: {os.cpu_count()} cores; study: {scenario}")
    print(f"{'stage':<14} {'alone':>8} {'two at once':>16} {'throughput of two':>18}")
    for stage in stages:
        alone = timed(stage, scenario, 1)[0]
        two = timed(stage, scenario, 2)
        gain = 2 * alone / max(two)
        print(f"{stage:<14} {alone:7.1f}s {two[0]:7.1f}s {two[1]:6.1f}s {gain:17.2f}x",
              flush=True)
    print(f"\nA run on two workers cannot be more than the throughput of two of its stages "
          f"faster than on one; the goal is {GOAL_SPEEDUP:g}x.")


if __name__ == "__main__":
    main()
