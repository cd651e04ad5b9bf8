"""Tiles of the coverage grid, with the halo each needs, and where their tasks run.

A province does not fit one computation: the grid is split into square tiles of
``tile_px`` grid cells (:func:`tile_plan`); a tile is computed from the radio cells whose
window reaches it (each cell's window is its reach around the mast, the same as untiled) and
from the ground heights of the tile grown by a halo that holds every such cell and the paths
from it to the tile (:func:`halo_bounds`). A pixel's level depends only on its cell and the
ground between them (the terrain sweep works outwards along rays), so a tile gives exactly the
values of an untiled run: seams are invisible, and the results do not depend on the tile
size. A tile that no cell reaches (sea, a neighbouring country) costs nothing.

:class:`Runner` runs the tiles: in this process (small studies, no dask), on a local
dask.distributed cluster of ``workers`` processes, or on an existing cluster at ``scheduler``
(``tcp://host:8786``). dask is imported only when a cluster is asked for.
"""

from __future__ import annotations

import itertools
import signal
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coverage_gis.config import settings
from coverage_gis.errors import ClusterError

__all__ = ["Tile", "tile_plan", "windows_touching", "halo_bounds", "Runner"]


@dataclass(frozen=True)
class Tile:
    """A block of the grid: rows ``r0:r1`` and columns ``c0:c1`` (grid indices)."""

    r0: int
    r1: int
    c0: int
    c1: int

    @property
    def rows(self) -> slice:
        return slice(self.r0, self.r1)

    @property
    def cols(self) -> slice:
        return slice(self.c0, self.c1)

    @property
    def size(self) -> int:
        """Grid cells in the tile."""
        return (self.r1 - self.r0) * (self.c1 - self.c0)


def tile_plan(grid: Any, tile_px: int | None = None) -> list[Tile]:
    """The tiles covering ``grid`` (a :class:`~coverage_gis.engines.coverage.Grid`), row by
    row from the north-west, ``tile_px`` grid cells on a side (default
    ``settings.TILE_PX``; the last row and column smaller)."""
    n = int(tile_px or settings.TILE_PX)
    if n < 1:
        raise ValueError(f"tile_px must be at least 1, not {n}")
    return [Tile(r, min(r + n, grid.height), c, min(c + n, grid.width))
            for r in range(0, grid.height, n) for c in range(0, grid.width, n)]


def windows_touching(windows: np.ndarray, tile: Tile) -> np.ndarray:
    """Indices of the windows (rows of ``[r0, r1, c0, c1]``, grid indices) that overlap
    ``tile``."""
    if len(windows) == 0:
        return np.zeros(0, dtype=int)
    w = np.asarray(windows)
    hit = ((w[:, 0] < tile.r1) & (w[:, 1] > tile.r0) & (w[:, 2] < tile.c1) & (w[:, 3] > tile.c0)
           & (w[:, 1] > w[:, 0]) & (w[:, 3] > w[:, 2]))
    return np.flatnonzero(hit)


def halo_bounds(grid: Any, tile: Tile, x_m: np.ndarray, y_m: np.ndarray,
                margin_px: int = 2) -> tuple[float, float, float, float]:
    """Bounds (minx, miny, maxx, maxy; m) of the ground a tile needs: the tile and the masts
    at ``x_m``, ``y_m`` that reach it (every path from a mast to the tile lies in this box),
    grown by ``margin_px`` grid cells for the bilinear samples at its edge."""
    t, res = grid.transform, grid.resolution_m
    minx, maxx = t.c + t.a * tile.c0, t.c + t.a * tile.c1
    maxy, miny = t.f + t.e * tile.r0, t.f + t.e * tile.r1
    if len(x_m):
        minx, maxx = min(minx, float(np.min(x_m))), max(maxx, float(np.max(x_m)))
        miny, maxy = min(miny, float(np.min(y_m))), max(maxy, float(np.max(y_m)))
    m = margin_px * res
    return minx - m, miny - m, maxx + m, maxy + m


@dataclass
class Runner:
    """Where tile tasks run: this process (``workers = 0`` and no ``scheduler``), a local
    dask.distributed cluster of ``workers`` single-threaded processes, or the existing
    cluster at ``scheduler``. Use as a context manager (the local cluster is closed on
    exit)."""

    workers: int = 0
    scheduler: str | None = None
    #: Tile side in grid cells (:func:`tile_plan`).
    tile_px: int = settings.TILE_PX
    _client: Any = field(default=None, repr=False)
    _cluster: Any = field(default=None, repr=False)
    _config: Any = field(default=None, repr=False)
    _starting: bool = field(default=False, repr=False)  # local workers not yet awaited

    @property
    def distributed(self) -> bool:
        return bool(self.workers) or self.scheduler is not None

    def __enter__(self) -> Runner:
        if not self.distributed:
            return self
        import dask
        from dask.distributed import Client, LocalCluster

        try:
            if self.scheduler is not None:
                self._client = Client(self.scheduler, timeout=settings.DASK_CONNECT_TIMEOUT_S)
            else:
                # the nannies read the environment of the workers they start (None unsets)
                trim = None if not settings.LOCAL_WORKERS_TRIM_MEMORY else dask.config.get(
                    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_", 65536)
                self._config = dask.config.set(
                    {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": trim})
                # one thread per worker, numba's included: the workers are the parallelism
                # (numba's own pool would put two threads per worker on the same cores)
                # started without its workers, which then start beside this process's own
                # work (loading the layers): :attr:`client` waits for them when first used
                with _stops_left_to_this_process():
                    self._cluster = LocalCluster(n_workers=0, threads_per_worker=1,
                                                 processes=True, dashboard_address=None,
                                                 silence_logs=50,
                                                 env={"NUMBA_NUM_THREADS": "1"})
                    self._client = Client(self._cluster)
                from coverage_gis.engines.worker_setup import WorkerSetup

                self._client.register_plugin(WorkerSetup())
                self._cluster.scale(int(self.workers))
                self._starting = True
        except (OSError, TimeoutError, ValueError) as exc:
            self.__exit__()
            if self.scheduler is not None:
                raise ClusterError(f"could not reach the dask scheduler at {self.scheduler}: "
                                   f"{exc or type(exc).__name__} (is it running and reachable?"
                                   " an address looks like tcp://10.0.0.5:8786)") from None
            raise ClusterError(f"could not start a local dask cluster of {self.workers} "
                               f"worker(s): {exc or type(exc).__name__}") from None
        return self

    @property
    def client(self) -> Any:
        """The dask client (None in this process); a local cluster's workers are all up once
        this returns (:class:`~coverage_gis.errors.ClusterError` when they do not start
        within ``settings.LOCAL_CLUSTER_START_TIMEOUT_S``)."""
        if self._starting:
            try:
                self._client.wait_for_workers(int(self.workers),
                                              timeout=settings.LOCAL_CLUSTER_START_TIMEOUT_S)
            except (OSError, TimeoutError) as exc:
                raise ClusterError(f"the local dask cluster's {self.workers} worker(s) did not "
                                   f"start: {exc or type(exc).__name__}") from None
            self._starting = False
        return self._client

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        if self._config is not None:
            self._config.__exit__(None, None, None)
        self._client = self._cluster = self._config = None
        self._starting = False

    def describe(self) -> dict[str, Any]:
        """Where the tiles ran (``summary.json`` ``compute``): ``mode`` (``process``,
        ``local_cluster``, ``scheduler``), workers, scheduler address, tile size."""
        mode = ("scheduler" if self.scheduler is not None
                else "local_cluster" if self.workers else "process")
        n = int(self.workers)
        if self._client is not None and self.scheduler is not None:
            n = len(self._client.scheduler_info().get("workers", {}))
        return {"mode": mode, "workers": n, "scheduler": self.scheduler,
                "tile_px": int(self.tile_px)}

    @property
    def worker_count(self) -> int:
        """The cluster's workers (0 in this process)."""
        if self._client is None:
            return 0
        return len(self.client.scheduler_info().get("workers", {})) or int(self.workers)

    def trim(self) -> None:
        """Have this process and the workers hand their freed memory back to the system
        (glibc's ``malloc_trim``, dask's advice for manual trimming), after a stage whose
        arrays they no longer hold: they keep it otherwise (``settings.LOCAL_WORKERS_TRIM_MEMORY``;
        loading the province's layers leaves some 0.3 GB so in this process). Nothing off
        glibc."""
        malloc_trim()
        if self._client is not None:
            self.client.run(malloc_trim)

    def share(self, value: Any) -> Any:
        """``value`` as data each worker receives once (a dask future, to pass to
        :meth:`map`'s tasks), or ``value`` itself in this process."""
        if self._client is None:
            return value
        return self.client.scatter(value, broadcast=True, hash=False)

    @property
    def shares_files(self) -> bool:
        """Whether the workers see this machine's folders: a local cluster's do (they may
        write output files); an existing cluster's may run elsewhere."""
        return bool(self.workers) and self.scheduler is None and self._client is not None

    @property
    def threads(self) -> int:
        """Threads a task may use: one per task on a cluster (the workers are the
        parallelism), all of this machine's in one process (0: numba's default)."""
        return 1 if self.distributed else 0

    def submit(self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]]) -> list[Any]:
        """``fn(*task)`` for every task, started on the cluster now: their futures (for
        :meth:`gather`), while this process goes on with other work. In this process there
        is no cluster to start them on: use :meth:`map`."""
        if self._client is None:
            raise RuntimeError("Runner.submit needs a cluster (workers or scheduler)")
        return [self.client.submit(fn, *task, pure=False) for task in tasks]

    def call(self, kind: str, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` started on the cluster now, as one task named for ``kind`` (a word):
        its future (``future.result()`` waits for the value)."""
        if self._client is None:
            raise RuntimeError("Runner.call needs a cluster (workers or scheduler)")
        return self._send(fn, args, key=f"{kind}-{uuid.uuid4().hex}")

    def _send(self, fn: Callable[..., Any], args: Iterable[Any], key: str | None = None
              ) -> Any:
        """``fn(*args)`` submitted to the cluster, its sizeable arguments (a tile's ground
        heights, land cover and cells, a project's layers) sent as data, not inside the
        task's description (dask's advice for objects above a few MB): its future."""
        client = self.client
        # each as one piece: scattering a dict or list itself would send its items apart
        sent = [client.scatter([a], hash=False)[0] if _sizeable(a) else a for a in args]
        return client.submit(fn, *sent, pure=False, key=key)

    def gather(self, futures: list[Any]) -> list[Any]:
        """The results of :meth:`submit`'s futures, in their order (waits for them)."""
        assert self._client is not None
        return list(self.client.gather(futures))

    def map(self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]]
            ) -> Iterator[Any]:
        """``fn(*task)`` for every task, results as they come (in this process: in order)."""
        return self.stream(fn, tasks, None)

    def stream(self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]],
               window: int | None) -> Iterator[Any]:
        """:meth:`map` with at most ``window`` tasks on the cluster at once (None: all): the
        next task is taken from ``tasks`` only when one is done, so that tasks holding large
        data can be made as they go."""
        if self._client is None:
            for task in tasks:
                yield fn(*task)
            return
        from dask.distributed import as_completed

        pending = iter(tasks)
        running = as_completed([self._send(fn, t) for t in itertools.islice(pending, window)])
        for future in running:
            result = future.result()
            future.release()
            following = next(pending, None)
            if following is not None:
                running.add(self._send(fn, following))
                del following  # sent: its data is the cluster's now, not held here meanwhile
            yield result


@contextmanager
def _stops_left_to_this_process() -> Iterator[None]:
    """SIGINT and SIGTERM blocked in this thread while a local cluster starts: the threads it
    starts inherit the block, and the worker processes they start hold it from their first
    instruction (a blocked signal stays blocked across fork and exec). A terminal's Ctrl-C
    goes to the whole process group, as a batch scheduler's SIGTERM goes to the whole job:
    each worker printed a KeyboardInterrupt's traceback, or died and left its semaphores
    behind, while this process stopped the run. Now this process alone stops (a signal
    meanwhile waits, and reaches it once the block is lifted) and closes the cluster: dask's
    nanny asks each worker to close, then kills it (SIGKILL), never relying on SIGTERM.

    multiprocessing's resource tracker is started first: started from the cluster's thread,
    it unblocks both signals there once it has started, before the workers are."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def malloc_trim() -> int:
    """glibc's ``malloc_trim(0)`` in this process: 1 when memory was handed back, 0 when
    none was, -1 off glibc."""
    import ctypes

    try:
        return int(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return -1


def _sizeable(value: Any) -> bool:
    """Whether a task argument is worth sending to the cluster as data of its own: arrays,
    tables, rasters and other objects holding arrays, and dicts, lists and tuples of them, of
    more than about 1 MB."""
    return _nbytes(value) > 1_000_000


def _nbytes(value: Any) -> int:
    """The bytes of the arrays ``value`` holds (:func:`_sizeable`)."""
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if hasattr(value, "memory_usage"):          # a (Geo)DataFrame
        nbytes = int(value.memory_usage(deep=False).sum())
    elif isinstance(value, np.ndarray):
        nbytes = value.nbytes
    else:                                       # a raster, clutter grids...
        parts = getattr(value, "__dict__", {}).values()
        nbytes = sum(p.nbytes for p in parts if isinstance(p, np.ndarray))
    return nbytes
