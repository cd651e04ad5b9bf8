"""The tower check behind ``GET /api/check``: the query read as the command line reads its
options, the check run on the cached analysis, and the recent checks kept for their map
overlay, printable page and KML.

A query is read into the same options as ``coverage-gis check-site`` (text exactly as typed,
checked by :func:`coverage_gis.config.params.check_site_options`), so that the answer is the
same ``check.json`` (:func:`coverage_gis.outputs.check.check_json`, with the same record:
``input`` as typed, ``checked_at``, ``software_version``, ``request_id``, ``applicant``).
"""

from __future__ import annotations

import argparse
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coverage_gis.config import settings
from coverage_gis.config.params import check_site_options, did_you_mean, sector_texts
from coverage_gis.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import shapely

    from coverage_gis.engines.coverage import CoverageResult
    from coverage_gis.engines.placement import CheckResult, ProposedSite
    from coverage_gis.io.project import Project

__all__ = ["QUERY_PARAMS", "CheckRun", "CheckStore", "read_query", "api_message", "run_check"]

#: The parameters of ``GET /api/check``: the options of ``coverage-gis check-site`` with
#: underscores (``azimuth_deg`` repeatable, or several values in one, separated by spaces,
#: semicolons, or commas when there are two or more: ``0,120,240``; ``0,120`` is refused as
#: ambiguous, as on the command line).
QUERY_PARAMS = ("lon", "lat", "x", "y", "crs", "operator", "technology", "band_mhz",
                "height_m", "azimuth_deg", "eirp_dbm", "bandwidth_mhz", "request_id",
                "applicant")
_REQUIRED = {"operator": "e.g. operator=Viettel", "technology": "2G, 3G, 4G or 5G"}
_MAX_LENGTH = 200  # characters of one value: more is not a coordinate, name or number
_OPTION = re.compile(r"--([a-z][a-z0-9-]*)")


def api_message(text: str) -> str:
    """A message of the command line's checks with the query's parameter names
    (``--band-mhz`` → ``band_mhz``)."""
    names = {p.replace("_", "-"): p for p in QUERY_PARAMS}
    return _OPTION.sub(lambda m: names.get(m.group(1), m.group(0)), text)


def _azimuths(values: list[str]) -> list[str]:
    """Azimuths as typed, one text per sector, read as ``check-site --azimuth-deg`` reads
    them (:func:`coverage_gis.config.params.sector_texts`: each repeated value split at
    spaces and semicolons, and at commas when a value holds two or more; ``0,120`` or
    ``120,5``, two sectors or one decimal, is refused)."""
    return sector_texts([v.strip() for v in values], "azimuth_deg")


def read_query(items: Iterable[tuple[str, str]]) -> argparse.Namespace:
    """The query of ``/api/check`` as the options of ``check-site`` (text as typed; None
    when not given or empty). Unknown, repeated, missing and overlong parameters raise
    :class:`InputError`, every problem listed."""
    given: dict[str, list[str]] = {}
    for key, value in items:
        given.setdefault(key, []).append(value)
    problems = []
    for key in given:
        if key not in QUERY_PARAMS:
            problems.append(f"unknown parameter {key!r}{did_you_mean(key, QUERY_PARAMS)}; "
                            f"expected {', '.join(QUERY_PARAMS)}")
    values: dict[str, Any] = {}
    for key in QUERY_PARAMS:
        raw = [v for v in given.get(key, []) if v.strip()]
        if any(len(v) > _MAX_LENGTH for v in raw):
            problems.append(f"{key}: longer than {_MAX_LENGTH} characters")
        elif key == "azimuth_deg":
            try:
                values[key] = _azimuths(raw) or None
            except InputError as exc:
                problems.extend(exc.problems)
        elif len(raw) > 1:
            problems.append(f"{key} given {len(raw)} times; give it once")
        else:
            values[key] = raw[0].strip() if raw else None
    for key, hint in _REQUIRED.items():
        if key in values and values[key] is None:
            problems.append(f"{key} is required ({hint})")
    if problems:
        raise InputError(problems)
    return argparse.Namespace(**values)


@dataclass
class CheckRun:
    """One check: its result, the point, the record (input as typed, date, version), the
    ``check.json`` document, and the proposal (for the coverage overlay, computed when the
    page asks for it)."""

    id: str
    result: CheckResult
    point: shapely.Point
    record: dict[str, Any]
    doc: dict[str, Any]
    proposal: ProposedSite
    overlay: Any = None
    overlay_done: bool = False


@dataclass
class CheckStore:
    """The most recent checks (``settings.SERVE_CHECKS_KEPT``), by id."""

    kept: int = settings.SERVE_CHECKS_KEPT
    _runs: OrderedDict[str, CheckRun] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, run: CheckRun) -> None:
        with self._lock:
            self._runs[run.id] = run
            while len(self._runs) > self.kept:
                self._runs.popitem(last=False)

    def get(self, check_id: str) -> CheckRun | None:
        with self._lock:
            return self._runs.get(check_id)


def run_check(project: Project, base: CoverageResult, args: argparse.Namespace,
              record: dict[str, Any], unit: Any = None) -> CheckRun:
    """The check of ``args`` (:func:`read_query`) on ``project`` with the cached coverage
    ``base`` (only the proposed cells are computed), as ``coverage-gis check-site`` runs
    it: on the territory ``unit`` (:func:`coverage_gis.pipeline.current_unit`); ``record``
    is what ``check.json`` records beside the result."""
    from coverage_gis.engines.placement import ProposedSite, check_site, locate_point
    from coverage_gis.outputs.check import check_json

    opts = check_site_options(args)
    point = locate_point(project, lon=opts["lon"], lat=opts["lat"], x=opts["x"], y=opts["y"],
                         crs=args.crs)
    proposal = ProposedSite(operator=args.operator, technology=args.technology,
                            band_mhz=opts["band_mhz"], height_m=opts["height_m"],
                            azimuths_deg=opts["azimuth_deg"], eirp_dbm=opts["eirp_dbm"],
                            bandwidth_mhz=opts["bandwidth_mhz"])
    typed_xy = (opts["x"], opts["y"], args.crs) if opts["x"] is not None else None
    result = check_site(project, proposal, point, base=base, params=base.params,
                        typed_xy=typed_xy, unit=unit)
    return CheckRun(uuid.uuid4().hex[:16], result, point, record, check_json(result, record),
                    proposal)


def coverage_overlay(project: Project, base: CoverageResult, run: CheckRun) -> Any:
    """Where the checked cells cover, on ``base``'s grid: an
    :class:`~coverage_gis.web.images.Overlay` (2 newly covered, 1 already covered) or None;
    for 4G/5G the mobile broadband coverage, else the cells' own technology."""
    from coverage_gis.engines.coverage import CoverageResult, add_cells
    from coverage_gis.web.layers import newly_covered_overlay

    cells = run.proposal.cells(run.point.x, run.point.y, project.crs)
    empty = CoverageResult(base.grid, base.cells.iloc[0:0], base.params, {}, {}, {},
                           base.dem_used, base.dem_grid, {})
    own = add_cells(empty, cells)
    tech = str(cells["technology"].iloc[0])
    key = "mobile_broadband" if tech in settings.MOBILE_BROADBAND else tech
    return newly_covered_overlay(base, own, key)
