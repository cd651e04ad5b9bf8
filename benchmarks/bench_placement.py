"""Site suggestions: how close greedy gets to the best choice, and how long it takes.

1. On random small maximum-coverage cases (9 candidate sites, 40 households, pick 3) where the
   best choice can be found exhaustively: the ratio greedy / best (its worst case is 1 − 1/e).
2. On candidate sites of the bundled sample: the same comparison with the real coverage sets.
3. The wall time of `suggest_sites` on the sample.
Prints figures; asserts nothing. Run: `.venv/bin/python benchmarks/bench_placement.py`.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

import coverage_gis as cg
from coverage_gis.engines import placement


def random_cases(n: int = 500, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    ratios = []
    for _ in range(n):
        universe = set(range(40))
        sets = [set(rng.choice(40, size=rng.integers(3, 15), replace=False).tolist())
                for _ in range(9)]
        greedy = set().union(*(sets[i] for i, _ in placement.greedy_cover(sets, universe, 3)))
        _, best = placement.best_cover(sets, universe, 3)
        ratios.append(len(greedy) / best)
    r = np.array(ratios)
    print(f"random cases ({n}, 9 candidates, pick 3): greedy/best mean {r.mean():.4f}, "
          f"worst {r.min():.4f}, optimal in {np.mean(r == 1):.1%} of cases "
          f"(guarantee {1 - 1 / np.e:.4f})")


def sample() -> None:
    warnings.simplefilter("ignore")
    project = cg.load_project()
    t0 = time.perf_counter()
    found = placement.suggest_sites(project, max_sites=3)
    dt = time.perf_counter() - t0
    picks = found.table
    print(f"suggest_sites on the sample: {found.candidates} candidates, "
          f"{len(picks)} pick(s), M4 {found.m4_before:.0%} -> "
          f"{picks['m4_after'].iloc[-1] if len(picks) else found.m4_before:.0%}, "
          f"{dt:.1f} s")


if __name__ == "__main__":
    random_cases()
    sample()
