"""What a local dask worker does when it starts (a dask worker plugin; imported only when a
local cluster is started, as it imports dask.distributed)."""

from __future__ import annotations

import sys
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class NumbaThreads(WorkerPlugin):
    """numba's settings read again when a local worker starts, once ``NUMBA_NUM_THREADS``
    (one thread: the workers are the parallelism) is in its environment. A worker process
    that imported numba before that (a script importing coverage_gis at its top, which each
    spawned worker runs again) read the machine's core count, and its first numba compile
    after a parallel kernel ran then failed ("Cannot set NUMBA_NUM_THREADS to a different
    value once the threads have been launched")."""

    idempotent = True

    def setup(self, worker: Any) -> None:
        numba = sys.modules.get("numba")
        if numba is not None:  # imported before the environment was set: read it again
            numba.core.config.reload_config()
