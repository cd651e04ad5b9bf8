"""Tiles of the coverage grid, with the halo each needs, and where their tasks run.

A province does not fit one computation: the grid is split into square tiles of
``tile_px`` grid cells (:func:`tile_plan`); a tile is computed from the radio cells whose
window reaches it (each cell's window is its reach around the mast, the same as untiled) and
from the ground heights of the tile grown by a halo that holds every such cell and the paths
from it to the tile (:func:`halo_bounds`). A pixel's level depends only on its cell and the
ground between them (the terrain sweep works outwards along rays), so a tile gives exactly the
values of an untiled run: seams are invisible. Tiles far from the study area (beyond every
hamlet plus the grid's margin) are not computed.

:class:`Runner` runs the tiles: in this process (small studies, no dask), on a local
dask.distributed cluster of ``workers`` processes, or on an existing cluster at ``scheduler``
(``tcp://host:8786``). dask is imported only when a cluster is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from coverage_gis.config import settings

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


def tile_plan(grid: Any, tile_px: int | None = None, area: Any = None,
              margin_m: float = 0.0) -> list[Tile]:
    """The tiles covering ``grid`` (a :class:`~coverage_gis.engines.coverage.Grid`), row by
    row from the north-west, ``tile_px`` grid cells on a side (default
    ``settings.TILE_PX``; the last row and column smaller); when ``area`` (geometries in the
    grid's CRS, e.g. the hamlets) is given, only the tiles within ``margin_m`` of it."""
    n = int(tile_px or settings.TILE_PX)
    if n < 1:
        raise ValueError(f"tile_px must be at least 1, not {n}")
    tiles = [Tile(r, min(r + n, grid.height), c, min(c + n, grid.width))
             for r in range(0, grid.height, n) for c in range(0, grid.width, n)]
    geoms = np.asarray([] if area is None else area, dtype=object).ravel()
    if len(tiles) == 1 or geoms.size == 0:
        return tiles
    t = grid.transform
    boxes = shapely.box([t.c + t.a * k.c0 for k in tiles], [t.f + t.e * k.r1 for k in tiles],
                        [t.c + t.a * k.c1 for k in tiles], [t.f + t.e * k.r0 for k in tiles])
    hits = shapely.STRtree(geoms).query(boxes, predicate="dwithin", distance=margin_m)
    keep = set(hits[0].tolist())
    return [k for i, k in enumerate(tiles) if i in keep]


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
    _client: Any = field(default=None, repr=False)
    _cluster: Any = field(default=None, repr=False)

    @property
    def distributed(self) -> bool:
        return bool(self.workers) or self.scheduler is not None

    def __enter__(self) -> Runner:
        if not self.distributed:
            return self
        from dask.distributed import Client, LocalCluster

        if self.scheduler is not None:
            self._client = Client(self.scheduler, timeout=settings.DASK_CONNECT_TIMEOUT_S)
        else:
            self._cluster = LocalCluster(n_workers=int(self.workers), threads_per_worker=1,
                                         processes=True, dashboard_address=None,
                                         silence_logs=50)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    @property
    def threads(self) -> int:
        """Threads a task may use: one per task on a cluster (the workers are the
        parallelism), all of this machine's in one process (0: numba's default)."""
        return 1 if self.distributed else 0

    def map(self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]]
            ) -> Iterator[Any]:
        """``fn(*task)`` for every task, results as they come (in this process: in order)."""
        if self._client is None:
            for task in tasks:
                yield fn(*task)
            return
        from dask.distributed import as_completed

        futures = [self._client.submit(fn, *task, pure=False) for task in tasks]
        for future in as_completed(futures):
            yield future.result()
            future.release()
