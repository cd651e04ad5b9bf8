"""The ``coverage-gis`` command line: a thin layer over the Python API, one module per command.

Exit codes (also in ``coverage-gis --help`` and the README):

- ``0`` success;
- ``1`` an expected failure, explained: bad input or parameters (every problem listed), an
  output folder that cannot be used, another run writing to the same folder;
- ``2`` wrong usage of the command line (argparse);
- ``3`` an unexpected error (a bug): one line says where the full traceback was written;
- ``130`` interrupted (Ctrl-C); nothing was written;
- ``143`` stopped by SIGTERM (``kill``, a scheduler's time limit): as Ctrl-C, the staging
  folder removed and a local cluster closed; nothing was written;
- ``141`` the program reading the output closed the pipe (``coverage-gis ... | head``): the
  files were already written; only the printing stopped.

This module imports only the standard library at start-up: each command imports what it needs
when it runs, so that ``coverage-gis --help`` is fast.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from coverage_gis.cli import (
    analyze,
    calibrate,
    check_site,
    init,
    report,
    serve,
    site_map,
    suggest_sites,
    units,
    validate,
)
from coverage_gis.errors import CoverageGisError, Terminated, note_stop, stop_taken
from coverage_gis.version import __version__

log = logging.getLogger("coverage_gis")

#: The command modules, in the order of the help text.
COMMANDS = (validate, analyze, report, check_site, site_map, suggest_sites, calibrate, units,
            init, serve)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 3, 130, 141
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143, as a shell reports a process SIGTERM ended

EPILOG = """examples:
  coverage-gis validate                      # check the bundled sample
  coverage-gis analyze --out out/demo        # maps, report, scorecard, stored result
  coverage-gis report out/demo --lang en     # render the stored result again, in English
  coverage-gis check-site --x 588150 --y 2219700 --crs vn2000-thanhhoa \\
      --operator Viettel --technology 4G --out out/check
  coverage-gis site-map --lon 105.8639 --lat 20.0668 --height-m 36 --out out/site
  coverage-gis suggest-sites --max-sites 3 --out out/suggest
  coverage-gis calibrate --measurements data/measurements/drive_test.csv --out out/calibration
  coverage-gis units --search "quang trung" --old   # administrative units of 2025
  coverage-gis init --unit 14818 --out my_ward --osm vietnam-latest.osm.pbf  # your own unit
  coverage-gis serve out/demo                # the map and the tower check in a browser

exit codes: 0 success; 1 bad input or parameters (every problem listed), an output folder
that cannot be used, or another run writing to it; 2 wrong usage; 3 unexpected error (the
traceback is written to a log file named on screen); 130 interrupted; 143 stopped by
SIGTERM; 141 the reader of the output closed the pipe (the files were written).
Run 'coverage-gis COMMAND --help' for a command's options and examples."""


class _StoreOnce(argparse._StoreAction):
    """An option that takes a value, refused when given twice (found by a review:
    ``--lon 105.84 --lon 105.9`` checked the last silently, where the web app refuses the
    repeat)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        given = namespace.__dict__.setdefault(_GIVEN, set())
        if self.dest in given:
            names = "/".join(self.option_strings) or self.dest
            parser.error(f"{names} given twice: give it once")
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


#: Where :class:`_StoreOnce` keeps the options given, removed from the namespace after parsing.
_GIVEN = "_options_given"


class _Parser(argparse.ArgumentParser):
    """argparse's parser reading ``-1e9`` and ``-.5e-3`` as negative numbers too (Python
    3.11's takes only ``-1`` and ``-1.5`` for numbers and a value such as ``--eirp-dbm -1e9``
    for an option: "expected one argument"; Python 3.13 reads them as numbers), and refusing
    an option that takes a value given twice (:class:`_StoreOnce`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$",
                                                   re.IGNORECASE)


def _common() -> argparse.ArgumentParser:
    """Options every command takes, before or after the command's name."""
    common = _Parser(add_help=False)
    g = common.add_argument_group("output")
    g.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="print only errors")
    g.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="print more detail (every warning)")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    common = _common()
    p = _Parser(
        prog="coverage-gis", parents=[common],
        description="Measure a commune's digital-infrastructure plan on maps: load and check "
                    "hamlets, BTS sites, fibre, households, roads and terrain; compute coverage "
                    "per hamlet.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"coverage-gis {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.add_parser(sub, common)
    return p


def _log_dir() -> Path:
    base = os.environ.get("COVERAGE_GIS_LOG_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"),
        "coverage-gis")
    return Path(base)


def write_crash_log(exc: BaseException, argv: Sequence[str]) -> Path:
    """Write the traceback of an unexpected error to a log file; return its path."""
    text = (f"coverage-gis {__version__}\ncommand: {' '.join(argv)}\n"
            f"time: {_dt.datetime.now().isoformat(timespec='seconds')}\n\n"
            + "".join(traceback.format_exception(exc)))
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in (_log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"crash-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    raise OSError("no folder to write the crash log to")


def _set_up_logging(quiet: bool, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO)
    # GDAL's own lines, logged by rasterio ("_tiffWriteProc: No space left on device."), are
    # shown with --verbose only: its errors reach the user as this tool's messages, naming
    # the file, and Python printed them raw before those
    gdal = logging.getLogger("rasterio")
    gdal.handlers[:] = [handler] if verbose else [logging.NullHandler()]
    gdal.propagate = False


def _warning_printer(quiet: bool) -> Callable[..., None]:
    """How a command's warnings reach the terminal: ``warning: MESSAGE`` on standard error (not
    Python's file, line and source), none with ``--quiet``. Commands that gather a layer's
    warnings themselves (``load_or_report``) still count or list them."""

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        if not quiet:
            print(f"warning: {message}", file=sys.stderr)

    return show


def _raise_stop(signum: int, frame: Any) -> None:
    """SIGTERM raises :class:`Terminated`, SIGINT KeyboardInterrupt, both recorded
    (:func:`~coverage_gis.errors.note_stop`)."""
    raise note_stop(signum)


@contextmanager
def _stop_signals() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`Terminated` as Ctrl-C raises
    KeyboardInterrupt, and both are recorded (in the main thread only: elsewhere, e.g. a
    test's thread, Python cannot set a handler): C code may drop the exception (numpy's dtype
    comparison clears it), and an output set then refuses to commit
    (:func:`~coverage_gis.errors.raise_if_stopped`).

    Python runs a signal's handler at the next instruction of the main thread, which may be
    in a garbage-collection callback (dask's client has some) or a ``__del__``, where the
    exception is printed with its traceback and dropped ("Exception ignored in ..."): the run
    went on to the end. Such a dropped stop sends its signal again a moment later (from a
    thread: sent from the hook, it would land in the hook, where it is dropped too), to land
    in the command's own code; what such callbacks raise after it (dask's gc timer, left
    half-way) goes to the debug log, not the screen. Any other exception dropped there (a
    library's ``__del__``) is one warning line, its traceback in the debug log."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_hook = sys.unraisablehook
    stopping: list[BaseException] = []

    def again(unraisable: Any) -> None:
        exc = unraisable.exc_value
        if isinstance(exc, KeyboardInterrupt):  # Terminated too
            stopping.append(exc)
            sig = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
            timer = threading.Timer(0.01, os.kill, (os.getpid(), sig))
            timer.daemon = True
            timer.start()
        elif stopping:
            log.debug("while stopping, ignored in %r: %r", unraisable.object, exc)
        else:  # a library's __del__ or callback failing: one line, no traceback
            log.debug("ignored in %r", unraisable.object, exc_info=(
                unraisable.exc_type, exc, unraisable.exc_traceback))
            warnings.warn(f"ignored in {unraisable.object!r:.80}: "
                          f"{unraisable.exc_type.__name__}: {exc}", RuntimeWarning,
                          stacklevel=1)

    stop_taken()  # none left from an earlier command in this process
    previous = {sig: signal.signal(sig, _raise_stop)
                for sig in (signal.SIGTERM, signal.SIGINT)}
    sys.unraisablehook = again
    try:
        yield
    finally:
        stop_taken()  # one that came after the commit: the results were written whole
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = previous_hook


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``coverage-gis`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    vars(args).pop(_GIVEN, None)
    args.quiet = getattr(args, "quiet", False)
    args.verbose = getattr(args, "verbose", False)
    if args.quiet and args.verbose:
        parser.error("-q/--quiet and -v/--verbose exclude each other")
    _set_up_logging(args.quiet, args.verbose)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        with warnings.catch_warnings(), _stop_signals():
            warnings.showwarning = _warning_printer(args.quiet)
            return int(args.run(args))
    except CoverageGisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Terminated:
        stop_taken()
        print("stopped (SIGTERM): nothing was written", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        stop_taken()
        print("interrupted: nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader (head, less) went away: stop printing, quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE
    except Exception as exc:  # a bug: no traceback on screen, one line saying where it is
        try:
            where = f"the traceback is in {write_crash_log(exc, ['coverage-gis', *argv])}"
        except OSError:
            where = "no log file could be written"
        print(f"unexpected error ({type(exc).__name__}: {exc}); this is a bug in coverage-gis; "
              f"{where}; please report it with that file", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
