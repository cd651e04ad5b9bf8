"""Clutter: land-cover classes at the receiver as an extra loss and, optionally, as the
environment of the Hata family's correction.

A land-cover raster (ESA WorldCover by default: 10 tree cover ... 80 water; or any classified
GeoTIFF) gives each grid cell a class (:mod:`coverage_gis.io.landcover` puts it on the grid,
-1 where there is none). Each class has

- an extra loss (dB) added at the receiver pixel (``[clutter] losses_db``; defaults
  ``settings.CLUTTER_LOSS_DB``), over the path-loss model of the pixel's environment;
- an environment, "rural", "suburban" or "urban" (``[clutter] environments``; defaults
  ``settings.CLUTTER_ENVIRONMENTS``), used per pixel only when ``[clutter]
  environment_per_pixel = true``: the Hata-family models (Hata, COST-231, Extended Hata) are
  evaluated with the open-area ("rural"), suburban or urban correction of each pixel's class
  (Hata 1980, eqs. (2)-(3)); other models (TR 38.901, free space) have none and are unchanged.

Pixels without a class (outside the raster, nodata) get no extra loss and the model's own
environment.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from coverage_gis.config import settings

__all__ = ["HATA_FAMILIES", "clutter_loss_db", "environment_codes", "environment_model",
           "least_loss_environment"]

#: Path-loss model families with an environment suffix, and the suffix per environment.
HATA_FAMILIES: tuple[str, ...] = ("extended_hata", "cost231", "hata")
_SUFFIX = {"rural": "open", "suburban": "suburban", "urban": "urban"}
#: Environments from least to most loss (the Hata family's corrections: open < suburban <
#: urban at every frequency of the models).
_BY_LOSS: tuple[str, ...] = ("rural", "suburban", "urban")


def _lookup(classes: np.ndarray, table: Mapping[int, float], missing: float) -> np.ndarray:
    """``table[class]`` for every element of ``classes`` (``missing`` for -1 and classes the
    table lacks)."""
    classes = np.asarray(classes)
    if not table:
        return np.full(classes.shape, missing, dtype=np.float64)
    keys = np.array(sorted(table), dtype=np.int64)
    values = np.array([table[int(k)] for k in keys], dtype=np.float64)
    idx = np.clip(np.searchsorted(keys, classes), 0, keys.size - 1)
    return np.where(keys[idx] == classes, values[idx], missing)


def clutter_loss_db(classes: np.ndarray, losses_db: Mapping[int, float]) -> np.ndarray:
    """Extra loss (dB, float32) of each pixel's land-cover class; 0 where there is no class.

    Parameters
    ----------
    classes : numpy.ndarray
        Land-cover class per pixel (integers, -1 for none).
    losses_db : mapping
        Class -> extra loss, dB.
    """
    return _lookup(classes, losses_db, 0.0).astype(np.float32)


def environment_codes(classes: np.ndarray, environments: Mapping[int, str]) -> np.ndarray:
    """Each pixel's environment as an index into ``settings.ENVIRONMENTS`` (int8; -1 where
    there is no class or the class has no environment)."""
    index = {k: float(settings.ENVIRONMENTS.index(v)) for k, v in environments.items()}
    return _lookup(classes, index, -1.0).astype(np.int8)


def environment_model(model: str, environment: str) -> str:
    """The model ``model`` with the environment correction of ``environment``: for the Hata
    family the same formula with another suffix ("extended_hata_suburban", "rural" ->
    "extended_hata_open"); any other model unchanged."""
    if environment not in _SUFFIX:
        raise ValueError(f"environment must be one of {list(_SUFFIX)}, got {environment!r}")
    for family in HATA_FAMILIES:
        if model.startswith(family + "_"):
            return f"{family}_{_SUFFIX[environment]}"
    return model


def least_loss_environment(base: str, environments: Mapping[int, str]) -> str:
    """Of ``base`` and the environments of a clutter table, the one whose Hata correction
    gives the least loss (the reach of a cell, an upper bound, is computed with it)."""
    present = {base, *environments.values()}
    return next(e for e in _BY_LOSS if e in present)
