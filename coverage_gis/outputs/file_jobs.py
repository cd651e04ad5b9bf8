"""Output files written beside this process's own work.

An analysis writes some 60 files; many of the largest (the households' GeoJSON, the
GeoPackage, the KMZ, the workbook and the stored result's rasters: about two thirds of the
time the province's outputs take in one process, by cProfile) need only their own data.
:class:`FileJobs` collects such writes and runs them:

- on a local dask cluster (:attr:`~coverage_gis.engines.tiles.Runner.shares_files`: its
  workers see this machine's folders), as tasks on the workers, fed by a thread of this
  process a few at a time (``settings.FILE_JOBS_PER_WORKER`` per worker, so that the workers
  hold the data of a few files, not of all), while this process writes the rest;
- otherwise (one process, or an existing cluster whose workers may run on other machines),
  here in turn when :meth:`FileJobs.wait` is called.

Each write is one call that writes one file atomically and returns its path; the files have
the same contents either way (a GeoPackage, KMZ or workbook also records when it was
written).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from coverage_gis.config import settings
from coverage_gis.engines.tiles import malloc_trim

__all__ = ["FileJobs"]

_END = object()


def _run(index: int, fn: Callable[..., Any], kwargs: dict[str, Any], *args: Any
         ) -> tuple[int, Any]:
    """A write on a worker: its position and what it returned. The worker then hands back
    the memory the write freed (on the province the workers kept 0.8 GB of it, while this
    process still wrote its own outputs)."""
    out = fn(*args, **kwargs)
    malloc_trim()
    return index, out


class FileJobs:
    """Writes of one output set, each ``fn(*args, **kwargs)`` writing the file ``path``
    (:meth:`add`), run on a local cluster's workers from :meth:`start` on, or here by
    :meth:`wait`. Use as a context manager around the work done meanwhile: on an error the
    writes not yet sent are dropped and those running are waited for (the set's staging
    folder is then removed whole)."""

    def __init__(self, runner: Any = None) -> None:
        self._runner = runner if runner is not None and runner.shares_files else None
        self._calls: list[tuple[Path, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
        self._queue: queue.Queue[Any] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._closed = False

    @property
    def on_cluster(self) -> bool:
        """Whether the writes run on a local cluster's workers."""
        return self._runner is not None

    def add(self, path: Path, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Path:
        """Have ``fn(*args, **kwargs)`` write ``path``: sent to the workers at once when
        started, else run by :meth:`wait`. Returns ``path``."""
        if self._closed:
            raise RuntimeError("FileJobs.add after close")
        index = len(self._calls)
        self._calls.append((Path(path), fn, args, kwargs))
        if self._runner is not None:
            self._queue.put(index)
        return Path(path)

    def start(self) -> None:
        """Start sending the writes (those added and those to come) to the workers."""
        if self._runner is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._feed, name="file-jobs", daemon=True)
        self._thread.start()

    def _tasks(self) -> Iterator[tuple[Any, ...]]:
        while not self._stop.is_set():
            index = self._queue.get()
            if index is _END:
                return
            yield self._take(index)

    def _take(self, index: int) -> tuple[Any, ...]:
        """The task of write ``index``, whose data it alone holds from now on (this process
        lets go of it once it is sent)."""
        path, fn, args, kwargs = self._calls[index]
        self._calls[index] = (path, fn, (), {})
        return (index, fn, kwargs, *args)

    def _feed(self) -> None:
        runner: Any = self._runner
        window = max(1, settings.FILE_JOBS_PER_WORKER * max(runner.worker_count, 1))
        try:
            for _ in runner.stream(_run, self._tasks(), window):
                pass
            runner.trim()  # the workers let go of the files' data: hand it back
        except BaseException as exc:  # handed to wait(), in the main thread
            self._error = exc
            self._stop.set()

    def close(self) -> None:
        """No more writes will be added: on a cluster, the workers hand back the memory of
        the files' data as soon as the last is written, not only at :meth:`wait`."""
        if not self._closed:
            self._closed = True
            if self._runner is not None:
                self._queue.put(_END)

    def wait(self) -> list[Path]:
        """Every write done (run here now without a cluster): their paths, in the order they
        were added. The first error of a write is raised here."""
        if self._runner is None:
            for i, (path, fn, args, kwargs) in enumerate(self._calls):
                self._calls[i] = (path, fn, (), {})  # let go of the data once written
                fn(*args, **kwargs)
                del args, kwargs
        else:
            self.start()
            self.close()
            assert self._thread is not None
            self._thread.join()
            if self._error is not None:
                raise self._error
        return [path for path, *_ in self._calls]

    def __enter__(self) -> FileJobs:
        self.start()
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        if exc_type is not None and self._thread is not None:
            self._stop.set()
            self.close()
            self._thread.join()
