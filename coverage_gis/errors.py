"""The error hierarchy: one root, :class:`CoverageGisError`, for every failure the toolkit
expects and explains (exit code 1 on the command line); anything else is a bug (exit code 3).

- :class:`InputError` (also a :class:`ValueError`): bad input files or bad parameters; lists
  every problem, each naming the file, row or feature, column and what was expected.
- :class:`OutputError`: an output folder that cannot be used (it holds inputs, is a file,
  exists without ``--overwrite``, is not a results folder).
- :class:`LockedError`: another run is writing into the same output folder.
- :class:`ResultFormatError`: a stored result that cannot be read back (missing files, another
  format version).

A stop (Ctrl-C, SIGTERM) is not an error: :class:`KeyboardInterrupt` and :class:`Terminated`,
raised by the command line's signal handlers, which also record it
(:func:`note_stop`), so that a stop whose exception some C code dropped is raised again
before anything is committed (:func:`raise_if_stopped`).
"""

from __future__ import annotations

import signal
import warnings
from collections.abc import Sequence

__all__ = ["CoverageGisError", "InputError", "InputWarning", "OutputError", "OutputWarning",
           "LockedError", "ResultFormatError", "ClusterError", "Terminated", "note_stop",
           "stop_taken", "raise_if_stopped"]


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


class RowsExcludedWarning(InputWarning):
    """Rows of an input file left out of the analysis (rows of another network, without a
    usable value), counted in the message: a caller that keeps a record of the data (``init``'s
    layer notes) picks these by their class."""


class ScopeWarning(InputWarning):
    """The data and the scenario disagree on what the indicators measure (the scenario's unit
    holds few of the hamlets): shown by every command, not only counted (found by a review:
    a unit study's M4 over four units' hamlets, said only as "1 warning(s)")."""


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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it ends as Ctrl-C does: the open output
    set's staging folder removed, a local cluster's workers closed (killed outright, a run
    left its staging folder and the workers' semaphores behind)."""


#: The stop signals received and not yet taken (:func:`stop_taken`).
_STOPS: list[int] = []


def note_stop(signum: int) -> BaseException:
    """Record a stop signal; returns the exception it raises (:class:`Terminated` for
    SIGTERM, :class:`KeyboardInterrupt` for SIGINT)."""
    _STOPS.append(signum)
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def stop_taken() -> None:
    """The stop's exception reached the command's end: nothing is pending."""
    _STOPS.clear()


def raise_if_stopped() -> None:
    """Raise the stop a signal asked for, when its exception never reached the command: C
    code that calls Python code may drop any exception raised meanwhile (numpy's dtype
    comparison clears it: a SIGTERM landing in pandas' ``dtype == self.dtype`` was lost and
    the run committed its results, exit 0). Called before a result is committed."""
    if _STOPS:
        raise note_stop(_STOPS[-1])
