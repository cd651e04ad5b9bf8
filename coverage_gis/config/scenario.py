"""Scenario files (TOML): which files hold which layer, and the parameters of a study.

A scenario names its layers under ``[layers]``, each as a path (relative to the TOML file), a
table with options, or, for layers that may come in several files (fibre routes, access points,
sites), a list of either::

    [scenario]
    name = "Quang Trung commune"
    year = 2025
    crs = "EPSG:32648"            # optional: metric CRS for computation (default: UTM zone)
    study_area_margin_m = 15000   # optional

    [layers]
    hamlets = "boundaries/hamlets.geojson"
    households = { path = "households/households.gpkg", layer = "households" }
    access_points = { path = "fibre/access_points.csv", crs = "vn2000-thanhhoa" }
    fibre = [{ path = "fibre/routes_viettel.kml", operator = "Viettel" },
             { path = "fibre/routes_vnpt.geojson" }]

Other top-level tables (``[radio]``, ``[coverage]``, ``[fibre]``, ...) are kept as parameters for
the engines.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coverage_gis.config import settings
from coverage_gis.errors import InputError

__all__ = ["LayerSource", "Scenario", "LAYER_OPTIONS", "read_scenario", "scenario_from_paths",
           "parameter_table"]

#: Known layers and the options each accepts (besides ``path``).
LAYER_OPTIONS: dict[str, tuple[str, ...]] = {
    "hamlets": ("layer", "crs", "encoding", "columns"),
    "commune": ("layer", "crs", "encoding"),
    "sites": ("layer", "crs", "encoding", "columns"),
    "fibre": ("layer", "crs", "encoding", "columns", "operator"),
    "access_points": ("layer", "crs", "encoding", "columns", "operator"),
    "households": ("layer", "crs", "encoding", "columns"),
    "roads": ("layer", "crs", "encoding", "columns"),
    "railway": ("layer", "crs", "encoding", "columns"),
    "dem": ("crs",),
    "statistics": ("encoding", "columns"),
    "constraints": ("layer", "crs", "encoding", "columns", "kind", "min_distance_m"),
    "urban_areas": ("layer", "crs", "encoding"),
}
_MULTI = {"fibre", "access_points", "sites", "roads", "constraints"}


@dataclass(frozen=True)
class LayerSource:
    """One file of a layer, with its reading options."""

    path: Path
    layer: str | None = None
    crs: str | None = None
    encoding: str | None = None
    columns: dict[str, str] | None = None
    operator: str | None = None
    kind: str | None = None
    min_distance_m: float | None = None

    def options(self) -> dict[str, Any]:
        """The keyword options to pass to the layer's ``read_*`` function."""
        out = {k: getattr(self, k) for k in ("layer", "crs", "encoding", "columns", "operator",
                                             "kind", "min_distance_m")}
        return {k: v for k, v in out.items() if v is not None}


@dataclass
class Scenario:
    """A study: its layers' sources and its parameters."""

    name: str
    layers: dict[str, list[LayerSource]]
    path: Path | None = None
    year: int | None = None
    crs: str | None = None
    study_area_margin_m: float = settings.STUDY_AREA_MARGIN_M
    parameters: dict[str, Any] = field(default_factory=dict)


def _parse_source(name: str, value: Any, base: Path, where: str) -> LayerSource:
    if isinstance(value, (str, os.PathLike)):
        value = {"path": value}
    if not isinstance(value, dict):
        raise InputError(f"{where}: layer '{name}' must be a path or a table with path = ...; "
                         f"got {type(value).__name__}")
    if "path" not in value:
        raise InputError(f"{where}: layer '{name}' has no path")
    allowed = LAYER_OPTIONS[name]
    unknown = [k for k in value if k != "path" and k not in allowed]
    if unknown:
        raise InputError(f"{where}: layer '{name}' has unknown option(s) {', '.join(unknown)} "
                         f"(accepted: path, {', '.join(allowed)})")
    path = Path(value["path"]).expanduser()
    if not path.is_absolute():
        path = base / path
    opts = {k: value[k] for k in allowed if k in value}
    return LayerSource(path=path, **opts)


def read_scenario(path: str | os.PathLike | None = None) -> Scenario:
    """Read a scenario TOML file (default: the bundled Quang Trung sample).

    Raises
    ------
    InputError
        For a missing file, TOML syntax errors (with line and column), unknown layers (with a
        suggestion) or options.
    """
    p = Path(path) if path is not None else settings.DEFAULT_SCENARIO
    where = p.name
    if not p.exists():
        raise InputError(f"{p}: scenario file not found")
    try:
        with p.open("rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: is not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{where}: is not UTF-8 text") from None
    head = doc.get("scenario", {})
    layers_doc = doc.get("layers")
    if not isinstance(layers_doc, dict) or not layers_doc:
        raise InputError(f"{where}: has no [layers] table naming the data files")
    layers: dict[str, list[LayerSource]] = {}
    problems = []
    for name, value in layers_doc.items():
        if name not in LAYER_OPTIONS:
            close = difflib.get_close_matches(name, LAYER_OPTIONS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{where}: unknown layer '{name}'{hint}; known layers: "
                            f"{', '.join(LAYER_OPTIONS)}")
            continue
        values = value if isinstance(value, list) else [value]
        if len(values) > 1 and name not in _MULTI:
            problems.append(f"{where}: layer '{name}' takes one file, not {len(values)}")
            continue
        try:
            layers[name] = [_parse_source(name, v, p.parent, where) for v in values]
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    margin = head.get("study_area_margin_m", settings.STUDY_AREA_MARGIN_M)
    if not isinstance(margin, (int, float)) or margin < 0:
        raise InputError(f"{where}: study_area_margin_m={margin!r} must be a number of metres "
                         ">= 0")
    params = {k: v for k, v in doc.items() if k not in ("scenario", "layers")}
    return Scenario(name=str(head.get("name", p.stem)), layers=layers, path=p,
                    year=head.get("year"), crs=head.get("crs"),
                    study_area_margin_m=float(margin), parameters=params)


def scenario_from_paths(paths: dict[str, Any], *, crs: str | None = None,
                        encoding: str | None = None, base: Scenario | None = None) -> Scenario:
    """A scenario from layer paths given one by one (the command line's ``--sites PATH``...),
    optionally replacing those layers of ``base``. ``crs`` and ``encoding`` apply to the files
    given here."""
    layers = {k: list(v) for k, v in base.layers.items()} if base else {}
    for name, path in paths.items():
        if path is None:
            continue
        allowed = LAYER_OPTIONS[name]
        opts = {}
        if crs is not None and "crs" in allowed:
            opts["crs"] = crs
        if encoding is not None and "encoding" in allowed:
            opts["encoding"] = encoding
        layers[name] = [LayerSource(path=Path(path), **opts)]
    if base is not None:
        return Scenario(name=base.name, layers=layers, path=base.path, year=base.year,
                        crs=base.crs, study_area_margin_m=base.study_area_margin_m,
                        parameters=base.parameters)
    return Scenario(name="files given on the command line", layers=layers)


def parameter_table(parameters: dict[str, Any], section: str, params_class: type,
                    overrides: dict[str, Any]) -> dict[str, Any]:
    """A scenario's ``[section]`` table merged with ``overrides``, checked against the fields of
    the dataclass ``params_class`` (unknown keys raise :class:`InputError` naming them)."""
    table = dict(parameters.get(section, {}))
    table.update(overrides)
    known = set(params_class.__dataclass_fields__)
    unknown = sorted(set(table) - known)
    if unknown:
        raise InputError(f"scenario [{section}]: unknown key(s) {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(known))})")
    return table
