"""Scenario files (TOML): which files hold which layer, and the parameters of a study.

A scenario names its layers under ``[layers]``, each as a path (relative to the TOML file), a
table with options, or, for layers that may come in several files (fibre routes, access points,
sites), a list of either::

    [scenario]
    name = "Quang Trung commune"
    year = 2025
    crs = "EPSG:32648"            # optional: metric CRS for computation (default: UTM zone)
    study_area_margin_m = 15000   # optional
    unit = "14818"                # optional: the 2025 unit (code or name); its bundled
                                  # boundary is the commune layer when none is given
    plan_unit = "14824"           # optional: the pre-2025 unit the plan was adopted for
    # province = "Thanh Hóa"      # instead of unit: every 2025 unit of a province, reported
                                  # unit by unit (their bundled boundaries)

    [layers]
    hamlets = "boundaries/hamlets.geojson"
    households = { path = "households/households.gpkg", layer = "households" }
    access_points = { path = "fibre/access_points.csv", crs = "vn2000-thanhhoa" }
    fibre = [{ path = "fibre/routes_viettel.kml", operator = "Viettel" },
             { path = "fibre/routes_vnpt.geojson" }]

The tables ``[coverage]``, ``[sharing]``, ``[fibre]``, ``[calibration]`` and ``[clutter]``
(what a ``landcover`` layer does) hold parameters for the engines
(:mod:`coverage_gis.config.params`); no other table is known. The
``[calibration]`` table may instead come from a file ``coverage-gis calibrate`` wrote:
``[scenario] calibration = "calibration.toml"``. Every table is checked when the
scenario is read, and every problem is listed at once.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coverage_gis.config import settings
from coverage_gis.config.params import (
    SCENARIO_KEYS,
    CalibrationParams,
    Check,
    CrsName,
    Number,
    Text,
    as_path,
    check_keys,
    check_parameters,
    check_provenance,
    did_you_mean,
)
from coverage_gis.errors import InputError

__all__ = ["LayerSource", "Scenario", "LAYER_OPTIONS", "read_scenario", "scenario_from_paths",
           "scenario_inputs"]

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
    "landcover": ("crs",),  # a classified raster (ESA WorldCover classes by default)
    "statistics": ("layer", "encoding", "columns"),  # layer: a workbook's sheet
    "constraints": ("layer", "crs", "encoding", "columns", "kind", "min_distance_m"),
    "urban_areas": ("layer", "crs", "encoding"),
    "landuse": ("layer", "crs", "encoding", "columns"),
}
_MULTI = {"fibre", "access_points", "sites", "roads", "constraints", "dem"}  # dem: tiles


class _Columns(Check):
    """``columns = { name_in_file = "standard_name" }``: a table of text."""

    def expected(self) -> str:
        return 'a table of column names, e.g. { "Ten thon" = "name" }'

    def convert(self, value: Any, what: str, *, text: bool = False) -> Any:
        if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           for k, v in value.items()):
            return value
        raise InputError(f"{what}={value!r}: expected {self.expected()}")


#: How each layer option is checked.
_OPTION_CHECKS: dict[str, Check] = {
    "path": Text("the path of a file, relative to the scenario"),
    "layer": Text("the name of a layer in the file"),
    "crs": CrsName(),
    "encoding": Text("a text encoding, e.g. 'tcvn3', 'vni' or 'cp1258'"),
    "columns": _Columns(),
    "operator": Text("an operator's name"),
    "kind": Text("a constraint kind, e.g. 'school'"),
    "min_distance_m": Number("metres", minimum=0, maximum=10_000),
}


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
    #: The file of ``[scenario] calibration = "..."`` (its table is in ``parameters``).
    calibration_path: Path | None = None
    #: ``[scenario] unit``: the 2025 administrative unit (code or name, coverage-gis units);
    #: without a commune layer, its bundled boundary is the commune's.
    unit: str | None = None
    #: ``[scenario] plan_unit``: the pre-2025 unit the plan was adopted for (code or name).
    plan_unit: str | None = None
    #: ``[scenario] province``: a whole province (code or name): every 2025 unit of it is
    #: studied and reported on; without a commune layer, their bundled boundaries are it.
    province: str | None = None
    #: ``[provenance]``: where each layer's data comes from (layer or ``all`` -> ``kind``,
    #: ``source``, ``licence``; :func:`coverage_gis.config.params.check_provenance`).
    provenance: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Layers given in a notebook as paths (``{"hamlets": "thon.geojson"}``), tables of
        options or lists of them are read as a scenario's ``[layers]`` are (relative to the
        scenario's folder, else the working folder); an unknown layer is refused."""
        if not isinstance(self.layers, dict):
            raise InputError(f"Scenario: layers={self.layers!r:.80}: expected a dict of layer "
                             "name -> path(s)")
        # the [scenario] keys a notebook gives as a file gives them (found by a review: year
        # "2025", a string, made F1 "no statistics for year")
        given = {"name": self.name, "year": self.year,
                 "study_area_margin_m": self.study_area_margin_m}
        values, wrong = check_keys({k: v for k, v in given.items() if v is not None},
                                   {k: SCENARIO_KEYS[k] for k in given}, "Scenario",
                                   name=lambda key: f"Scenario: {key}")
        if self.name is None:
            wrong.insert(0, "Scenario: name=None: expected text (the study's name)")
        if wrong:
            raise InputError(wrong)
        if self.year is not None:
            self.year = int(values["year"])
        base = self.path.parent if self.path is not None else Path.cwd()
        problems: list[str] = []
        for name, value in list(self.layers.items()):
            items = value if isinstance(value, list) else [value]
            if all(isinstance(v, LayerSource) for v in items):
                self.layers[name] = items
                continue
            if name not in LAYER_OPTIONS:
                problems.append(f"Scenario: unknown layer '{name}'"
                                f"{did_you_mean(name, LAYER_OPTIONS)}; known layers: "
                                f"{', '.join(LAYER_OPTIONS)}")
                continue
            try:
                self.layers[name] = [v if isinstance(v, LayerSource) else
                                     _parse_source(name, v, base, "Scenario") for v in items]
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)


def _parse_source(name: str, value: Any, base: Path, where: str) -> LayerSource:
    """One file of a layer; every problem of its options in one :class:`InputError`."""
    if isinstance(value, (str, os.PathLike)):
        value = {"path": value}
    if not isinstance(value, dict):
        raise InputError(f"{where}: layer '{name}' must be a path or a table with path = ...; "
                         f"got {type(value).__name__}")
    problems = []
    allowed = LAYER_OPTIONS[name]
    unknown = [k for k in value if k != "path" and k not in allowed]
    accepted = f"accepted: path, {', '.join(allowed)}"
    if "path" not in value:
        extra = f" (unknown option(s) {', '.join(unknown)}; {accepted})" if unknown else ""
        problems.append(f"{where}: layer '{name}' has no path{extra}")
    elif unknown:
        hints = "".join(did_you_mean(k, allowed) for k in unknown)
        problems.append(f"{where}: layer '{name}' has unknown option(s) {', '.join(unknown)}"
                        f"{hints} ({accepted})")
    opts: dict[str, Any] = {}
    for key in ("path", *allowed):
        if key in value:
            try:
                opts[key] = _OPTION_CHECKS[key].convert(
                    os.fspath(value[key]) if isinstance(value[key], os.PathLike) else value[key],
                    f"{where} [layers] {name}.{key}")
            except InputError as exc:
                problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    path = _scenario_path(opts.pop("path"), base, f"{where}: layer '{name}'")
    return LayerSource(path=path, **opts)


def _scenario_path(text: str, base: Path, what: str) -> Path:
    """A path written in a scenario, relative to ``base`` (its folder) unless absolute.

    Planners write paths on Windows (``towers\\sites.csv``): a relative path holding ``\\``
    that is not there as written but is with ``/`` between folders is taken with ``/``; when
    neither is there, an :class:`InputError` (``what`` names the key) says paths use ``/``.
    Absolute paths and real file names are taken as written.
    """
    path = Path(text).expanduser()
    if path.is_absolute():
        return _as_on_disk(path)
    written = _as_on_disk(base / path)  # relative to the scenario's folder, never the cwd
    if "\\" not in text or written.exists():
        return written
    slashed = Path(text.replace("\\", "/"))
    found = _as_on_disk(base / slashed)
    if found.exists():
        return found
    raise InputError(f"{what}: '{text}': file not found in {base}, as written nor as "
                     f"'{slashed.as_posix()}'; paths in a scenario use '/' between folders "
                     "(e.g. 'towers/sites.csv'), relative to the scenario's folder")


def _as_on_disk(path: Path) -> Path:
    """``path`` as written, or in the other Unicode form when only that one is on disk: a
    folder made on macOS keeps its decomposed (NFD) name on a Linux disk, and the same name
    typed on Windows in a scenario is composed (NFC), the same letters on screen."""
    if path.exists():
        return path
    for form in ("NFD", "NFC"):
        other = Path(unicodedata.normalize(form, str(path)))
        if other != path and other.exists():
            return other
    return path


def _read_toml(p: Path) -> dict[str, Any]:
    """The TOML document of a scenario file (UTF-8, with or without a byte-order mark)."""
    where = p.name
    if p.is_dir():
        inside = sorted(q.name for q in p.glob("*.toml"))
        hint = f" (it holds {', '.join(inside)})" if inside else ""
        raise InputError(f"{p}: is a folder; give the scenario's .toml file{hint}")
    if not p.exists():
        raise InputError(f"{p}: scenario file not found")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{where}: is UTF-16 text; save the scenario as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"{where}: is not UTF-8 text (byte {data[exc.start]:#04x} on line "
                         f"{line}); save the scenario as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: is not valid TOML ({exc})") from None
    except RecursionError:  # tomllib parses nested arrays by recursion (found by fuzzing)
        raise InputError(f"{where}: is not valid TOML for coverage-gis (arrays or tables "
                         "nested hundreds deep); no setting nests more than two") from None


def read_scenario(path: str | os.PathLike | None = None) -> Scenario:
    """Read a scenario TOML file (default: the bundled Quang Trung sample).

    Raises
    ------
    InputError
        For a missing file, a folder without a ``scenario.toml``, text other than UTF-8 (a
        byte-order mark is fine), TOML syntax errors (with line and column), and, all listed
        at once: unknown tables, keys and layers (with a suggestion), layer options, and
        parameters of the wrong type or out of range (each naming the file, table, key, value
        and what was expected).
    """
    p = as_path(path, "scenario") if path is not None else settings.DEFAULT_SCENARIO
    if path is None and not p.is_file():  # installed from a wheel (found by a review)
        raise InputError(f"no scenario given, and the bundled sample is not here ({p}: the "
                         "package's copy of it was removed); give a scenario file or folder "
                         "('coverage-gis init' writes one)")
    if p.is_dir() and (p / settings.SCENARIO_FILE_NAME).is_file():
        p = p / settings.SCENARIO_FILE_NAME  # a scenario folder (coverage-gis init's)
    where = p.name
    doc = _read_toml(p)
    head, problems = check_parameters(doc, where)
    calibration_path = _include_calibration(doc, head.get("calibration"), p, problems)
    layers_doc = doc.get("layers")
    if not isinstance(layers_doc, dict) or not layers_doc:
        if ((layers_doc is not None and not isinstance(layers_doc, dict))
                or (head.get("unit") is None and head.get("province") is None)):
            # a unit or province alone: its bundled boundaries are the commune layer
            problems.insert(0, f"{where}: " + ("its [layers] table is empty; name the data "
                                                "files in it" if layers_doc == {} else
                                                "has no [layers] table naming the data files"))
        layers_doc = {}
    layers: dict[str, list[LayerSource]] = {}
    for name, value in layers_doc.items():
        if name not in LAYER_OPTIONS:
            close = difflib.get_close_matches(name, LAYER_OPTIONS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{where}: unknown layer '{name}'{hint}; known layers: "
                            f"{', '.join(LAYER_OPTIONS)}")
            continue
        values = value if isinstance(value, list) else [value]
        if not values:
            problems.append(f"{where}: layer '{name}' = []: expected a file"
                            + (", or a list of files" if name in _MULTI else "")
                            + "; remove the line for no such layer")
            continue
        if len(values) > 1 and name not in _MULTI:
            problems.append(f"{where}: layer '{name}' takes one file, not {len(values)}")
            continue
        try:
            layers[name] = [_parse_source(name, v, p.parent, where) for v in values]
        except InputError as exc:
            problems.extend(exc.problems)
    if head.get("province") is not None and (head.get("unit") is not None
                                             or head.get("plan_unit") is not None):
        problems.append(f"{where} [scenario]: 'province' studies every unit of a province; "
                        "it cannot be given with 'unit' or 'plan_unit' (one study per unit, or "
                        "one for the whole province)")
    provenance, more = check_provenance(doc.get("provenance"), LAYER_OPTIONS, where)
    problems += more
    if problems:
        raise InputError(problems)
    params = {k: v for k, v in doc.items() if k not in ("scenario", "layers", "provenance")}
    return Scenario(name=str(head.get("name", p.stem)), layers=layers, path=p,
                    year=head.get("year"), crs=head.get("crs"),
                    study_area_margin_m=float(head.get("study_area_margin_m",
                                                       settings.STUDY_AREA_MARGIN_M)),
                    parameters=params, calibration_path=calibration_path,
                    unit=head.get("unit"), plan_unit=head.get("plan_unit"),
                    province=head.get("province"), provenance=provenance)


def _include_calibration(doc: dict[str, Any], name: str | None, scenario: Path,
                         problems: list[str]) -> Path | None:
    """``[scenario] calibration = "calibration.toml"`` (relative to the scenario): that
    file's ``[calibration]`` table (as ``coverage-gis calibrate`` writes it) is put into
    ``doc`` as the scenario's own. A scenario holds one or the other, not both."""
    if name is None:
        return None
    where = f"{scenario.name} [scenario] calibration={name!r}"
    try:
        path = _scenario_path(name, scenario.parent, f"{scenario.name} [scenario] calibration")
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    if "calibration" in doc:
        problems.append(f"{where}: the scenario also has a [calibration] table; keep one")
        return path
    if not path.is_file():
        problems.append(f"{where}: file not found ({path})")
        return path
    try:
        included = _read_toml(path)
    except InputError as exc:
        problems.extend(exc.problems)
        return path
    table = included.get("calibration")
    others = [f"[{k}]" for k in included if k != "calibration"]
    if not isinstance(table, dict) or others:
        found = ", ".join(others or ["no [calibration] table"])
        problems.append(f"{path.name}: expected only a [calibration] table (as coverage-gis "
                        f"calibrate writes it); found {found}")
        return path
    problems.extend(CalibrationParams.check_table(table, path.name)[1])
    doc["calibration"] = table
    return path


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
        layers[name] = [LayerSource(path=Path(path),
                                    crs=crs if "crs" in allowed else None,
                                    encoding=encoding if "encoding" in allowed else None)]
    if base is not None:
        return Scenario(name=base.name, layers=layers, path=base.path, year=base.year,
                        crs=base.crs, study_area_margin_m=base.study_area_margin_m,
                        parameters=base.parameters, calibration_path=base.calibration_path,
                        unit=base.unit, plan_unit=base.plan_unit, province=base.province)
    return Scenario(name="files given on the command line", layers=layers)


def scenario_inputs(scenario: Any) -> list[Path]:
    """Every file a scenario reads (and the scenario file itself): an output folder may hold
    none of them."""
    paths = [src.path for sources in scenario.layers.values() for src in sources]
    if scenario.path is not None:
        paths.append(Path(scenario.path))
    if getattr(scenario, "calibration_path", None) is not None:  # an included [calibration]
        paths.append(Path(scenario.calibration_path))
    return paths
