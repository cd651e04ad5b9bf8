"""What a local dask worker does when it starts (a dask worker plugin; imported only when a
local cluster is started, as it imports dask.distributed)."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from distributed.diagnostics.plugin import WorkerPlugin


class WorkerSetup(WorkerPlugin):
    """When a local worker starts:

    * numba's settings are read again, once ``NUMBA_NUM_THREADS`` (one thread: the workers
      are the parallelism) is in its environment. A worker process that imported numba
      before that (a script importing coverage_gis at its top, which each spawned worker
      runs again) read the machine's core count, and its first numba compile after a
      parallel kernel ran then failed ("Cannot set NUMBA_NUM_THREADS to a different value
      once the threads have been launched").
    * dask learns the size of the fibre job's parts (:func:`register_sizes`), which decides
      where the tasks that use them run.
    """

    idempotent = True

    def setup(self, worker: Any) -> None:
        numba = sys.modules.get("numba")
        if numba is not None:  # imported before the environment was set: read it again
            numba.core.config.reload_config()
        register_sizes()


def register_sizes() -> None:
    """dask's ``sizeof`` for the fibre job's parts (:class:`~coverage_gis.engines.fibre.
    FibreStart`, :class:`~coverage_gis.engines.fibre_extensions.ExtensionJobs`): the bytes
    of the arrays and tables they hold. Otherwise dask takes them for a few bytes, and runs
    a task that reads one on another worker, which then receives the whole road graph
    (about 1 GB for the province) for nothing."""
    from dask.sizeof import sizeof

    from coverage_gis.engines.fibre import FibreStart
    from coverage_gis.engines.fibre_extensions import ExtensionJobs

    for cls in (FibreStart, ExtensionJobs):
        sizeof.register(cls)(lambda obj: _held_bytes(obj, set()))


def _held_bytes(obj: Any, seen: set[int]) -> int:
    """The bytes of the arrays and tables ``obj`` holds, through its attributes, lists,
    tuples and dicts (each object once)."""
    from dask.sizeof import sizeof

    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if hasattr(obj, "memory_usage") or type(obj).__module__.startswith("scipy.sparse"):
        return int(sizeof(obj))                 # pandas, geopandas, scipy's sparse matrices
    if isinstance(obj, dict):
        return sum(_held_bytes(v, seen) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_held_bytes(v, seen) for v in obj)
    held = getattr(obj, "__dict__", None)
    if held:
        return sum(_held_bytes(v, seen) for v in held.values())
    return sys.getsizeof(obj)
