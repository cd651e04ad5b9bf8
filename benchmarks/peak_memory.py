"""The peak resident memory of this process while a block of a benchmark runs (shared by the
benchmark scripts)."""

from __future__ import annotations

import os
import threading
import time


class PeakRss:
    """Peak resident memory (MB) while a block runs, sampled every ``every_s`` from /proc
    (not much more often: a thread waking every few ms slows numpy and numba work that
    hands the GIL back and forth, up to 4x here)."""

    def __init__(self, every_s: float = 0.1) -> None:
        self.every_s = every_s
        self.peak = 0.0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE") / 2**20

    def _rss(self) -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self._page

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(self.every_s)

    def __enter__(self) -> PeakRss:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())
