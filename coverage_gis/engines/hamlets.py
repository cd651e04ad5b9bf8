"""Households (or grid cells) per hamlet: the link to their hamlet, counts, sums and shares.

:func:`coverage_gis.io.project.load_project` links each household to its hamlet once (column
``hamlet_id``, from the file or by location). The engines read that column through
:func:`household_hamlets`, which places households by location only when an engine is called
directly on households that lack it. Every per-hamlet share (mobile coverage, signal radius,
fibre homes passed, the tower check, site suggestions) is :func:`hamlet_shares`, and whether a
hamlet reaches its share is :func:`meets_share`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from coverage_gis.engines.rounding import reaches
from coverage_gis.io.project import hamlets_at

__all__ = ["household_hamlets", "hamlet_counts", "hamlet_sums", "hamlet_shares",
           "meets_share"]



def household_hamlets(households: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame) -> np.ndarray:
    """Each household's ``hamlet_id`` (object array, in the households' order).

    Parameters
    ----------
    households
        Points; their ``hamlet_id`` column (set by ``load_project``) is used when it has any
        value.
    hamlets
        Polygons with ``hamlet_id``: used only when the column is missing or empty, to place
        each household by the loader's rule (:func:`coverage_gis.io.project.hamlets_at`:
        None outside every hamlet, one on an outline belongs to it, overlaps go to the
        smallest hamlet whatever the file's order; found by a review: a second rule here
        gave a notebook other shares than ``analyze``).
    """
    if "hamlet_id" in households and households["hamlet_id"].notna().any():
        return households["hamlet_id"].to_numpy(object)
    return hamlets_at(households, hamlets)[0].to_numpy(object)


def _table(values: Any) -> pd.DataFrame:
    return values.reset_index(drop=True) if isinstance(values, pd.DataFrame) else \
        pd.DataFrame({"_": np.asarray(values)})


def hamlet_counts(hamlet_of: ArrayLike, hamlet_ids: ArrayLike) -> pd.Series:
    """How many members (households, grid cells) each hamlet has, indexed by ``hamlet_ids``
    (0 for a hamlet without any)."""
    ids = pd.Index(np.asarray(hamlet_ids, dtype=object), name="hamlet_id")
    counts = pd.Series(np.asarray(hamlet_of, dtype=object)).value_counts()
    return counts.reindex(ids, fill_value=0).astype(int)


def hamlet_sums(values: pd.DataFrame | pd.Series | ArrayLike, hamlet_of: ArrayLike,
                hamlet_ids: ArrayLike) -> pd.DataFrame | pd.Series:
    """Per hamlet (indexed by ``hamlet_ids``), the sum of ``values`` over its members (0 for
    a hamlet without any). A DataFrame gives a DataFrame of its columns, else a Series."""
    table = _table(values)
    ids = pd.Index(np.asarray(hamlet_ids, dtype=object), name="hamlet_id")
    sums = table.groupby(np.asarray(hamlet_of, dtype=object)).sum()
    sums = sums.reindex(ids, fill_value=0)
    return sums if isinstance(values, pd.DataFrame) else sums["_"].rename(None)


def hamlet_shares(flags: pd.DataFrame | pd.Series | ArrayLike, hamlet_of: ArrayLike,
                  hamlet_ids: ArrayLike) -> pd.DataFrame | pd.Series:
    """Per hamlet (indexed by ``hamlet_ids``), the share of its members whose flag is true:
    flagged / all, NaN for a hamlet without members. A DataFrame of flags gives one share
    column per flag column, else a Series.

    Parameters
    ----------
    flags
        Booleans (or 0/1) per member, in the order of ``hamlet_of``.
    hamlet_of
        Each member's ``hamlet_id`` (members without a hamlet are left out).
    hamlet_ids
        The hamlets, in the order of the result.
    """
    counts = hamlet_counts(hamlet_of, hamlet_ids).to_numpy()
    sums = hamlet_sums(_table(flags).astype(float), hamlet_of, hamlet_ids)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = sums.div(np.where(counts > 0, counts, np.nan), axis=0)
    return shares if isinstance(flags, pd.DataFrame) else shares["_"].rename(None)


def meets_share(shares: pd.Series | ArrayLike, threshold: float) -> np.ndarray:
    """Whether each share reaches ``threshold`` (a hamlet without members, NaN, does not
    unless the threshold is 0)."""
    return reaches(np.nan_to_num(np.asarray(shares, dtype=float), nan=0.0), threshold)
