"""The radio formulas' array conventions, written once: inputs as float64 arrays, results as
float64 arrays, or numpy scalars for scalar inputs."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["as_float", "as_result"]


def as_float(x: ArrayLike) -> np.ndarray:
    """``x`` as a float64 array (no copy when it already is one)."""
    return np.asarray(x, dtype=np.float64)


def as_result(x: ArrayLike) -> np.ndarray | np.float64:
    """A float64 result: an array, or a numpy scalar when it is 0-d."""
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x
