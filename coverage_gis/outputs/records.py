"""A table's rows for the writers that word them one by one (map, report, KMZ, workbook).

``DataFrame.iterrows`` builds a pandas Series per row (and copies the table's ``attrs`` into
each): on the province's outputs that was most of the KMZ's time (5.5 s of it for 20,000
placemarks) and seconds of the map's and the report's. :func:`table_rows` converts the table once.
"""

from __future__ import annotations

from collections.abc import KeysView
from typing import Any

import pandas as pd

__all__ = ["Row", "table_rows"]


class Row(dict[str, Any]):
    """One row: a dict (column → value) that reads like ``iterrows``' Series: ``row[col]``,
    ``row.get(col)``, ``col in row``, ``row.col`` and ``row.index`` (its columns). Missing
    values are as ``to_dict`` gives them: NaN in float columns, None elsewhere."""

    __slots__ = ()

    @property
    def index(self) -> KeysView[str]:
        """The row's columns (as a Series' index)."""
        return self.keys()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def table_rows(table: pd.DataFrame) -> list[Row]:
    """Every row of ``table`` (a DataFrame or GeoDataFrame), in order."""
    return [Row(r) for r in table.to_dict(orient="records")]
