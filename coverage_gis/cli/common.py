"""What the commands share: reading a scenario, loading it with a report of its problems, and
opening the output set before any computing."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Iterable
from typing import IO, Any

from coverage_gis.config import settings
from coverage_gis.errors import InputError, ScopeWarning, user_warnings

__all__ = ["print_list", "load", "load_or_report", "open_outputs", "SCENARIO_HELP",
           "add_layer_options", "apply_layer_options", "whole_number", "workers_count"]

SCENARIO_HELP = ("scenario TOML, or a folder holding scenario.toml (default: the bundled "
                 "sample)")


def whole_number(text: str, least: int, most: int | None = None, why: str = "") -> int:
    """A whole number of at least ``least`` (and at most ``most``, ``why`` saying why) for
    argparse types: a clear message and exit 2 on anything else."""
    try:
        value = int(text)
    except ValueError:
        value = least - 1
    if value < least or (most is not None and value > most):
        bounds = f">= {least}" if most is None else f"from {least} to {most}{why}"
        raise argparse.ArgumentTypeError(f"expected a whole number {bounds}, not {text!r}")
    return value


def workers_count(text: str) -> int:
    """``--workers N`` (argparse type): a local cluster of N worker processes, 0 for none; at
    most ``settings.LOCAL_WORKERS_PER_CPU`` per processor of this machine (``--workers
    100000`` hung starting them)."""
    cpus = os.cpu_count() or 1
    return whole_number(text, 0, settings.LOCAL_WORKERS_PER_CPU * cpus,
                        f" ({settings.LOCAL_WORKERS_PER_CPU} per processor of this machine, "
                        f"which has {cpus})")


def print_list(title: str, items: Iterable[str], stream: IO[str]) -> None:
    """Print a titled list (duplicates once)."""
    items = list(dict.fromkeys(items))
    if items:
        print(f"\n{title} ({len(items)}):", file=stream)
        for item in items:
            print(f"  - {item}", file=stream)


def load(scenario: Any, units: bool = False) -> tuple[Any, list[str], list[str], list[str]]:
    """Load a project: (project or None, its warnings, its errors, the warnings every command
    shows: :class:`~coverage_gis.errors.ScopeWarning`). ``units``: with the warnings analyze
    adds about the hamlets and the units' boundaries
    (:func:`coverage_gis.pipeline.warn_unit_hamlets`)."""
    from coverage_gis.io.project import load_project

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            project = load_project(scenario)
        except InputError as exc:
            return None, list(getattr(exc, "warnings", [])), exc.problems, []
        if units:
            from coverage_gis.pipeline import warn_unit_hamlets

            warn_unit_hamlets(project)
    shown = [str(w.message) for w in caught if issubclass(w.category, ScopeWarning)]
    return project, user_warnings(caught), [], list(dict.fromkeys(shown))


def load_or_report(scenario: Any, args: argparse.Namespace) -> Any:
    """Load a project, printing its problems; raise :class:`InputError` when it has errors."""
    project, warns, errors, shown = load(scenario)
    # counted as listed, duplicates once (found by fuzzing: "3 warning(s)" for 1 listed)
    warns, errors = list(dict.fromkeys(warns)), list(dict.fromkeys(errors))
    if errors:
        print_list("Errors", errors, sys.stderr)
        raise InputError(f"stopped: {len(errors)} input error(s); nothing written")
    if args.verbose:
        print_list("Warnings", warns, sys.stderr)
    elif warns and not args.quiet:
        for text in shown:  # what the indicators measure: said, not only counted
            print(f"warning: {text}", file=sys.stderr)
        print(f"{len(warns)} warning(s); run 'coverage-gis validate' to list them",
              file=sys.stderr)
    return project


def open_outputs(args: argparse.Namespace, kind: str, names: Iterable[str],
                 scenario: Any = None) -> Any:
    """Open the output set of ``args.out`` (checks, lock, staging) before computing."""
    from coverage_gis.config.scenario import scenario_inputs
    from coverage_gis.outputs.outset import OutputSet

    inputs = scenario_inputs(scenario) if scenario is not None else []
    return OutputSet(args.out, kind=kind, overwrite=args.overwrite, inputs=inputs,
                     known_names=names).open()


def add_out(parser: argparse.ArgumentParser, what: str = "the results") -> None:
    """``--out DIR`` and ``--overwrite``."""
    parser.add_argument("--out", required=True, metavar="DIR",
                        help=f"folder for {what} (replaced as a whole; may not hold inputs)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the results already in --out")


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    """``--columns [LAYER:]OLD=NEW[,OLD=NEW...]`` and ``--layer [LAYER:]NAME`` (repeatable)."""
    parser.add_argument(
        "--columns", action="append", metavar="[LAYER:]OLD=NEW",
        help="rename a file's column to the name coverage-gis expects, e.g. "
             "--columns hamlets:code=hamlet_id,fullName=name (several pairs with commas; "
             "repeat for other layers); without LAYER: it applies to the one file given. "
             "Renaming onto a column the file has replaces that column")
    parser.add_argument(
        "--layer", action="append", metavar="[LAYER:]NAME",
        help="the layer to read in a file with several (GeoPackage), e.g. "
             "--layer households:buildings; without LAYER: it applies to the one file given")


def _split_target(spec: str, flag: str, given: list[str], known: Any) -> tuple[str, str]:
    """``"hamlets:code=x"`` → (``"hamlets"``, ``"code=x"``); an unprefixed spec goes to the
    one layer given on the command line that takes the option."""
    head, sep, rest = spec.partition(":")
    if sep and head.strip().replace("-", "_") in known:
        return head.strip().replace("-", "_"), rest
    option = flag.lstrip("-")
    takers = [g for g in given if option in known[g]]
    if len(takers) == 1:
        return takers[0], spec
    if sep and "=" not in head:  # a layer's name that is none: say so, not "which layer"
        from coverage_gis.config.params import did_you_mean

        raise InputError(f"{flag} {spec}: unknown layer '{head.strip()}'"
                         f"{did_you_mean(head.strip(), list(known))}; known layers: "
                         f"{', '.join(known)}")
    which = (f"{len(takers)} files that take it were given ({', '.join(takers)})" if takers
             else "no layer file that takes it was given")
    raise InputError(f"{flag} {spec}: say which layer it is for, e.g. {flag} hamlets:{spec} "
                     f"({which}; known layers: {', '.join(known)})")


def _pairs(text: str, spec: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in text.split(","):
        old, sep, new = (part.strip() for part in pair.partition("="))
        if not (sep and old and new):
            raise InputError(f"--columns {spec}: {pair.strip()!r} is not OLD=NEW; expected "
                             "e.g. --columns hamlets:code=hamlet_id,fullName=name")
        if old in out:  # the last won, and a later error named a missing column (fuzzing)
            raise InputError(f"--columns {spec}: column {old!r} is given twice ({old}="
                             f"{out[old]}, {old}={new}); expected each once")
        if new in out.values():
            first = next(k for k, v in out.items() if v == new)
            raise InputError(f"--columns {spec}: {first!r} and {old!r} are both renamed to "
                             f"{new!r}; expected one column for it")
        out[old] = new
    return out


def apply_layer_options(scenario: Any, columns: list[str] | None, layers: list[str] | None,
                        given: list[str]) -> Any:
    """``scenario`` with the command line's ``--columns`` and ``--layer`` applied to its
    layers' files (the command line wins over the scenario file's own ``columns``)."""
    from dataclasses import replace

    from coverage_gis.config.scenario import LAYER_OPTIONS

    for flag, option, specs in (("--columns", "columns", columns or []),
                                ("--layer", "layer", layers or [])):
        for spec in specs:
            name, text = _split_target(spec, flag, given, LAYER_OPTIONS)
            if option not in LAYER_OPTIONS[name]:
                raise InputError(f"{flag} {spec}: the {name} layer takes no {option} option")
            if name not in scenario.layers:
                raise InputError(f"{flag} {spec}: the scenario has no {name} layer (layers: "
                                 f"{', '.join(scenario.layers) or 'none'})")
            if option == "layer" and not text.strip():
                raise InputError(f"--layer {spec}: expected a layer name, e.g. "
                                 "--layer households:buildings")
            scenario.layers[name] = [
                replace(src, columns={**(src.columns or {}), **_pairs(text, spec)})
                if option == "columns" else replace(src, layer=text.strip())
                for src in scenario.layers[name]]
    return scenario
