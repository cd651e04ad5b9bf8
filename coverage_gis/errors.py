"""The error hierarchy: one root, :class:`CoverageGisError`, for every failure the toolkit
expects and explains (exit code 1 on the command line); anything else is a bug (exit code 3).

- :class:`InputError` (also a :class:`ValueError`): bad input files or bad parameters; lists
  every problem, each naming the file, row or feature, column and what was expected.
- :class:`OutputError`: an output folder that cannot be used (it holds inputs, is a file,
  exists without ``--overwrite``, is not a results folder).
- :class:`LockedError`: another run is writing into the same output folder.
- :class:`ResultFormatError`: a stored result that cannot be read back (missing files, another
  format version).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

__all__ = ["CoverageGisError", "InputError", "InputWarning", "OutputError", "OutputWarning",
           "LockedError", "ResultFormatError", "ClusterError"]


class CoverageGisError(Exception):
    """Root of every error the toolkit raises on purpose."""


class InputError(CoverageGisError, ValueError):
    """Bad input: one or more problems, each naming the file, row or feature, column and value."""

    def __init__(self, problems: str | Sequence[str]):
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"{len(self.problems)} problems in the input:\n{lines}"


class OutputError(CoverageGisError):
    """An output folder that cannot be written as asked."""


class LockedError(OutputError):
    """Another run holds the output folder's lock."""


class ClusterError(CoverageGisError):
    """A dask.distributed cluster that cannot be started or reached (``--workers``,
    ``--scheduler``)."""


class ResultFormatError(InputError):
    """A stored result that cannot be read back."""


class InputWarning(UserWarning):
    """A problem in the input that was repaired or worked around (and said so)."""


class OutputWarning(UserWarning):
    """Results were written, but something beside them needs the user's attention (an old
    set that could not be removed)."""


#: Warnings a library gives its programmers, not its users (affine's "use `@`" that rasterio
#: triggers on a rotated raster, pandas' future changes): never listed as the data's.
DEVELOPER_WARNINGS: tuple[type[Warning], ...] = (DeprecationWarning, PendingDeprecationWarning,
                                                 FutureWarning)


def user_warnings(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """The messages of the recorded warnings that speak to the user (all but
    :data:`DEVELOPER_WARNINGS`)."""
    return [str(w.message) for w in caught if not issubclass(w.category, DEVELOPER_WARNINGS)]
