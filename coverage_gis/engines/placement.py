"""What a tower brings: the land officer's check of a proposed tower, and site suggestions.

:func:`check_site` answers the cadastral officer's questions about a proposed tower: where it
is (commune, hamlet), what stands near it (towers, sharing), what it brings (households and
hamlets newly covered, M4 before and after, computed with the real coverage engine), what it
is too close to (constraint layers), and a verdict. :func:`suggest_sites` chooses, greedily,
the sites that close the remaining mobile broadband gaps (lazily, over a spatial index of the
uncovered households: near-linear in households and candidates);
:func:`suggest_sites_by_unit` does it for every unit of a province, sharing the preparation.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError
from scipy.spatial import cKDTree

from coverage_gis.config import settings
from coverage_gis.config.params import (
    CheckParams,
    SuggestionParams,
    carrier_problems,
    point_values,
    proposal_values,
    same_sector_problems,
)
from coverage_gis.config.vocabulary import normalise_operator, normalise_technology
from coverage_gis.engines.coverage import (
    CoverageParams,
    CoverageResult,
    add_cells,
    cell_ranges,
    clutter_grids,
    compute_coverage,
    covered_at,
    mast_windows,
    ranges_with_clutter,
)
from coverage_gis.engines.hamlets import (
    hamlet_shares,
    hamlet_sums,
    household_hamlets,
    meets_share,
)
from coverage_gis.engines.rounding import reaches, rounded_against
from coverage_gis.engines.sharing import SharingParams, towers
from coverage_gis.engines.territory import (
    UnitScope,
    current_unit,
    inside_unit,
    largest_unit,
    merged_plan_unit,
    point_units,
    province_units,
    unit_area,
)
from coverage_gis.engines.tiles import Runner
from coverage_gis.errors import InputError
from coverage_gis.io.crs import (
    CRS_PRESETS,
    WGS84,
    check_degrees,
    describe_crs,
    grid_to_ground,
    in_area_of_use,
    is_degrees,
    resolve_crs,
)
from coverage_gis.io.project import Project
from coverage_gis.radio import antenna, exposure, pathloss

__all__ = ["ProposedSite", "CheckResult", "Reason", "SharingAdvice", "ConstraintCheck",
           "ExposureCheck", "Proposal", "Location", "NearbyTower", "CoverageGain",
           "AviationCheck", "CONFLICT_CODES", "REVIEW_CODES",
           "Suggestions", "SUGGESTION_NOTES", "VERDICTS", "check_site", "locate_point",
           "prepare_suggestions", "known_operator",
           "preset_placing", "point_coordinates",
           "suggest_sites", "suggest_sites_by_unit", "start_suggestions_by_unit",
           "UnitSuggestionsRun", "greedy_cover", "best_cover", "aim_azimuths"]



def known_operator(text: str) -> str:
    """The mobile operator ``text`` names (its aliases and spellings), else an InputError
    listing the known ones."""
    op = normalise_operator(text)
    if op is None:
        raise InputError(f"operator {text!r} is not a known operator (expected one of "
                         f"{', '.join(settings.OPERATOR_ALIASES)})")
    return op

@dataclass
class ProposedSite:
    """A proposed tower installation: one operator's cells at one point.

    ``azimuths_deg`` empty means one omni cell; otherwise one sector per azimuth. Radio values
    left as None take the technology's defaults (``settings.TECHNOLOGY_DEFAULTS``).
    """

    operator: str
    technology: str
    band_mhz: float | None = None
    height_m: float | None = None
    azimuths_deg: list[float] = field(default_factory=list)
    eirp_dbm: float | None = None
    bandwidth_mhz: float | None = None
    tilt_deg: float | None = None
    beamwidth_deg: float | None = None
    site_id: str = "PROPOSED"

    def cells(self, x: float, y: float, crs: CRS) -> gpd.GeoDataFrame:
        """The proposal as a sites layer (one row per cell) at (x, y) in ``crs``."""
        op = known_operator(self.operator)
        tech = normalise_technology(self.technology)
        if tech is None:
            raise InputError(f"technology {self.technology!r} is not 2G, 3G, 4G or 5G")
        d = settings.TECHNOLOGY_DEFAULTS[tech]
        given = proposal_values(  # NaN and text refused too (found by reviews)
            band_mhz=self.band_mhz, height_m=self.height_m, eirp_dbm=self.eirp_dbm,
            bandwidth_mhz=self.bandwidth_mhz, tilt_deg=self.tilt_deg,
            beamwidth_deg=self.beamwidth_deg, azimuths_deg=self.azimuths_deg)
        values = {k: given[k] for k in ("band_mhz", "height_m", "eirp_dbm", "bandwidth_mhz",
                                        "tilt_deg")}
        carrier = carrier_problems(tech, values["band_mhz"], values["bandwidth_mhz"])
        if carrier:
            raise InputError(carrier)
        beamwidth_deg = (given["beamwidth_deg"] if given["beamwidth_deg"] is not None
                         else d["beamwidth_deg"])
        azimuths = given["azimuths_deg"] or []
        same = same_sector_problems(azimuths, "azimuths_deg",  # 0, not 0.0, as typed
                                    typed=[int(a) if a.is_integer() else a for a in azimuths])
        if same:  # as the command line and the web app refuse them (a review)
            raise InputError(same)
        azs = list(azimuths) or [np.nan]
        rows = []
        for k, az in enumerate(azs):
            rows.append({
                "site_id": f"{self.site_id}-{k + 1}" if len(azs) > 1 else self.site_id,
                "tower_id": self.site_id, "operator": op, "technology": tech,
                **{n: (v if v is not None else d[n]) for n, v in values.items()},
                "azimuth_deg": az % 360 if not np.isnan(az) else np.nan,
                "beamwidth_deg": 360.0 if np.isnan(az) else beamwidth_deg,
                "status": "existing", "defaulted": ""})
        return gpd.GeoDataFrame(rows, geometry=[shapely.Point(x, y)] * len(rows), crs=crs)


def _sites(project: Project) -> gpd.GeoDataFrame:
    """The project's sites, or an empty sites layer when it has none (a study with no towers
    mapped yet: every household is a gap)."""
    if project.sites is not None:
        return project.sites
    return ProposedSite("Viettel", "4G").cells(0.0, 0.0, project.crs).iloc[0:0]


def locate_point(project: Project, lon: float | None = None, lat: float | None = None,
                 x: float | None = None, y: float | None = None, crs: Any = None
                 ) -> shapely.Point:
    """The proposed point in the project's metric CRS, checked against the study area.

    Give ``lon``/``lat`` (WGS 84) or ``x``/``y`` with ``crs`` (e.g. ``vn2000-thanhhoa``, as
    cadastral maps give them). Swapped coordinates, a wrong CRS and points outside the study
    area raise :class:`InputError` with what to try.
    """
    area, hamlets = project.study_area, project.hamlets_union()
    if area is None or hamlets is None:  # the study area is made of the hamlets
        raise InputError("the scenario has no hamlets layer: cannot place the point")
    # numbers, or an error naming the argument (found by a review: text from a form gave a
    # bare TypeError); the ranges and swaps are judged below, with what to try
    numbers = point_values(lon=lon, lat=lat, x=x, y=y)
    lon, lat, x, y = numbers["lon"], numbers["lat"], numbers["x"], numbers["y"]
    to_metric = lambda src: Transformer.from_crs(src, project.crs, always_xy=True)  # noqa: E731
    if (lon is not None or lat is not None) and (x is not None or y is not None):
        raise InputError("give the point once: lon and lat, or x, y and crs, not both")
    if lon is not None or lat is not None:
        if lon is None or lat is None:
            raise InputError("give both lon and lat (or x, y and crs)")
        if crs is not None:  # it was ignored (found by fuzzing)
            raise InputError(f"crs {crs!r} applies to x and y; lon and lat are "
                             "WGS 84 degrees: leave crs out, or give x and y in it")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            hint = (" (are lon and lat swapped?)" if -90 <= lon <= 90 and -180 <= lat <= 180
                    else " (are these projected x/y? give x, y and crs)")
            raise InputError(f"lon={lon:.10g} lat={lat:.10g} is not a longitude/latitude{hint}")
        src, a, b, given = WGS84, lon, lat, f"lon={lon:.10g} lat={lat:.10g}"
    else:
        if x is None or y is None or crs is None:
            raise InputError("give lon and lat, or x, y and crs")
        try:
            src = resolve_crs(crs)
        except ValueError as exc:
            raise InputError(f"crs: {exc}") from None
        a, b, given = x, y, f"x={x:.10g} y={y:.10g} (crs {crs})"
        check_degrees(src, x, y, crs)
    try:
        transformer = to_metric(src)
    except ProjError:  # resolve_crs refuses the CRSs PROJ knows no way from; in case
        raise InputError(f"crs {crs!r}: no transformation exists from {describe_crs(src)} "
                         f"to the study's CRS ({describe_crs(project.crs)}); expected a "
                         "horizontal CRS of positions on the Earth, e.g. "
                         f"crs {cadastral_crs(project)}") from None
    px, py = transformer.transform(a, b)
    point = shapely.Point(px, py)
    if np.isfinite([px, py]).all() and area.contains(point):
        return point
    # Not in the study area: say why, trying the usual mistakes.
    # (a point PROJ cannot place, a latitude beyond 90°, has no distance: said so, not "inf")
    where = (f"lies {hamlets.distance(point) / 1000:,.1f} km from the hamlets, outside the "
             "study area" if np.isfinite([px, py]).all()
             else "is no position in that CRS (out of its range)")
    sx, sy = transformer.transform(b, a)
    if np.isfinite([sx, sy]).all() and area.contains(shapely.Point(sx, sy)):
        what = "lon and lat" if src == WGS84 else "x and y"
        note = (" (Vietnamese surveys write X for northing and Y for easting)"
                if src != WGS84 else "")
        raise InputError(f"{given} {where}; {what} look swapped{note}")
    found = presets_placing(project, a, b, src, area) if src != WGS84 else []
    if found:
        (name, first), others = found[0], found[1:]
        cadastral = " (the cadastral CRS)" if name == cadastral_crs(project) else ""
        also = " or ".join(f"crs {n} ({first.distance(q):,.0f} m from that point)"
                           for n, q in others)
        raise InputError(f"{given} {where}; it would be inside with crs {name}{cadastral}"
                         f"{f', and also with {also}' if also else ''}: is the CRS right?")
    if src.is_projected and (is_degrees(a, b) or is_degrees(b, a)):
        raise InputError(f"{given} {where}; x and y look like degrees (longitude, latitude), "
                         f"not the metres of {describe_crs(src)}: give them as lon and "
                         "lat (WGS 84), or give the CRS they are in (crs wgs84, or "
                         "vn2000)")
    raise InputError(f"{given} {where} (hamlets plus "
                     f"{project.scenario.study_area_margin_m / 1000:g} km): check the "
                     "coordinates and their CRS")


def cadastral_crs(project: Project) -> str:
    """The CRS of the province's cadastral maps: the scenario's ``[check] cadastral_crs``,
    else ``settings.CHECK_SITE_CADASTRAL_CRS``."""
    return CheckParams.from_scenario(project.scenario.parameters).cadastral_crs


def presets_placing(project: Project, x: float, y: float, crs: Any,
                    area: shapely.Geometry | None) -> list[tuple[str, shapely.Point]]:
    """The CRSs, the cadastral one (:func:`cadastral_crs`) then the presets
    (:data:`~coverage_gis.io.crs.CRS_PRESETS`, VN-2000 ones first), other than ``crs`` and of
    the same kind (projected or geographic) in which ``x``, ``y`` land in ``area`` (project
    CRS), each with the point it gives (one name per CRS): the likely CRSs of coordinates
    given with a wrong one. The cadastral CRS comes first: x/y typed from a cadastral map fit
    it, and a UTM preset 667 m away may fit too (found by fuzzing: vn2000-utm48 alone was
    suggested)."""
    if area is None:
        return []
    src = resolve_crs(crs)
    found: list[tuple[str, shapely.Point]] = []
    seen: list[CRS] = [src]
    for name, code in {cadastral_crs(project): None, **CRS_PRESETS}.items():
        other = resolve_crs(name) if code is None else CRS.from_user_input(code)
        if other in seen or other.is_geographic != src.is_geographic:
            continue
        seen.append(other)
        ox, oy = Transformer.from_crs(other, project.crs, always_xy=True).transform(x, y)
        if np.isfinite([ox, oy]).all() and area.covers(shapely.Point(ox, oy)):
            found.append((name, shapely.Point(ox, oy)))
    return found


def preset_placing(project: Project, x: float, y: float, crs: Any,
                   area: shapely.Geometry | None) -> str | None:
    """The first of :func:`presets_placing`, or None."""
    found = presets_placing(project, x, y, crs, area)
    return found[0][0] if found else None


def point_coordinates(project: Project, point: shapely.Point,
                      cadastral: Any = None) -> dict[str, Any]:
    """The point (project CRS) as officers read it: ``lon``, ``lat`` (WGS 84,
    ``settings.CHECK_SITE_DEGREE_DECIMALS``) and ``x``, ``y`` (metres, in
    ``cadastral``: :func:`cadastral_crs` by default, VN-2000 / TM-3 of the province,
    ``settings.CHECK_SITE_METRE_DECIMALS``), with the CRS names (``lonlat_crs``,
    ``xy_crs``, ``xy_crs_code``) and ``xy_in_area_of_use``: whether the point lies in that
    CRS's area of use (EPSG's bounds; found by a review: x/y of zone 482 were shown for Đà
    Nẵng and the South Pole as if cadastral), None when the CRS gives none."""
    cad = resolve_crs(cadastral if cadastral is not None else cadastral_crs(project))
    lon, lat = Transformer.from_crs(project.crs, WGS84, always_xy=True).transform(point.x,
                                                                                 point.y)
    x, y = Transformer.from_crs(project.crs, cad, always_xy=True).transform(point.x, point.y)
    deg, met = settings.CHECK_SITE_DEGREE_DECIMALS, settings.CHECK_SITE_METRE_DECIMALS
    code = cad.to_epsg()
    inside = in_area_of_use(cad, lon, lat)
    return {"lon": round(lon, deg), "lat": round(lat, deg), "lonlat_crs": WGS84.name,
            "x": round(x, met), "y": round(y, met), "xy_crs": cad.name,
            "xy_crs_code": f"EPSG:{code}" if code else None, "xy_in_area_of_use": inside}


def _households_covered(result: CoverageResult, households: gpd.GeoDataFrame,
                        key: str = "mobile_broadband") -> np.ndarray:
    if key not in result.covered:
        return np.zeros(len(households), dtype=bool)
    return result.grid.sample(result.covered[key], households.geometry).astype(bool)


def _hamlets_covered(covered: np.ndarray, hamlet_of: np.ndarray, hamlet_ids: pd.Series,
                     share: float) -> pd.Series:
    """Whether each hamlet (indexed by ``hamlet_ids``) has ``share`` of its households
    covered."""
    shares = hamlet_shares(covered, hamlet_of, hamlet_ids.to_numpy())
    return pd.Series(meets_share(shares, share), index=shares.index)


# --------------------------------------------------------------------------------------------
# The land officer's check
# --------------------------------------------------------------------------------------------

#: Verdicts of a check, from the weakest: nothing against it; an existing tower to use
#: instead; a local setting (a distance the commune chose) not met, for the officer to weigh;
#: a regulation broken (a constraint whose basis is a regulation, or the RF exposure limit of
#: QCVN 8:2022/BTTTT); the point outside the unit's territory (not the commune's to decide, or
#: coordinates in a wrong CRS: never "ok").
VERDICTS = ("ok", "share-instead", "review", "conflict", "outside-unit")


@dataclass(frozen=True)
class Reason:
    """One reason for a check's verdict: a code and the values that go with it (the outputs
    put them in words, :func:`coverage_gis.outputs.i18n.reason_text`).

    Codes: ``too_close`` (a regulation's distance broken: kind, name, distance_m,
    min_distance_m, source), ``inside_zone`` (the site inside a zone, a polygon, a regulation
    protects: kind, name, source; ``inside_zone_local`` when the zone is a local setting's),
    ``local_distance`` (a local setting's distance not met: kind,
    name, distance_m, min_distance_m), ``dwelling_too_close`` (the local setting for
    dwellings: name, distance_m, min_distance_m), ``exposure_exceeded`` (the RF exposure limit:
    kind, id, name, distance_m, height_m, ratio, regulation), ``default_distance`` (a
    constraint row citing a regulation, ``source``, without its distance: the tool's default
    distance applied as a local setting: kind, name, distance_m, min_distance_m, source),
    ``exposure_band_outside`` (cells whose band lies outside the range the exposure limit is
    quoted for, not checked against it: cells, bands_mhz, low_mhz, high_mhz, regulation),
    ``share_tower`` and ``own_tower``
    (operator, tower_id, operators, distance_m, gain_here, gain_there: new to 4G/5G;
    gain_here_operator, gain_there_operator: newly served by the operator; basis),
    ``share_loses_gain`` (the same, min_share: the tower serves the operator under that
    share of the gain here), ``share_misses_hamlets`` (the same, hamlets: those the proposal
    brings to the target and the tower would not), ``share_exceeds_exposure`` (tower_id,
    distance_m, regulation: the proposal's cells on that tower would bring a place near it
    over the exposure limit),
    ``unusual_crs`` (crs, cadastral, distance_m: x/y typed in another CRS than the
    province's cadastral one, for review), ``new_tower`` (max_distance_m),
    ``outside_commune``,
    ``other_crs`` (crs: the CRS given, preset: the preset in which the x/y as typed would
    land inside the unit), ``no_gain``, ``brings_hamlets`` (hamlets).
    """

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{"code": ..., "params": {...}}``."""
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class SharingAdvice:
    """What the towers near a proposal mean for it.

    ``recommendation``: ``share-instead`` (another operator's existing tower within
    ``max_distance_m``), ``use-own-tower`` (the operator's own) or ``new-tower``; the tower,
    when there is one; ``reason``, the same as a code.
    """

    recommendation: str
    max_distance_m: float
    reason: Reason
    tower_id: str | None = None
    distance_m: float | None = None
    operators: str | None = None
    #: The coverage gain compared: households (or km² without households) newly covered by
    #: the proposed cells at the proposed point and on each existing tower weighed.
    gain_basis: str | None = None
    gain_here: float | None = None
    #: The same for the proposal's operator's own network (the measure sharing is judged by,
    #: with the hamlets brought to the plan's target: :func:`_shares_well`).
    gain_here_operator: float | None = None
    towers_weighed: tuple[dict[str, Any], ...] = ()
    min_gain_share: float = settings.SHARING_MIN_GAIN_SHARE

    def to_json(self) -> dict[str, Any]:
        """The ``sharing`` object of ``check.json`` without its sentence."""
        out: dict[str, Any] = {"recommendation": self.recommendation}
        if self.tower_id is not None:
            out.update(tower_id=self.tower_id, distance_m=self.distance_m,
                       operators=self.operators)
        out.update(max_distance_m=self.max_distance_m, code=self.reason.code,
                   params=dict(self.reason.params),
                   # where the rule comes from: the scenario's [sharing] distances and
                   # settings.SHARING_MIN_GAIN_SHARE, no regulation
                   rule_basis="local-setting",
                   # (the scenario's [sharing] key in urban areas and elsewhere)
                   rule_settings={"max_distance_m": ["sharing.candidate_distance_m",
                                                     "sharing.urban_candidate_distance_m"],
                                  "min_gain_share": "settings.SHARING_MIN_GAIN_SHARE"})
        if self.gain_basis is not None:
            out["gain_comparison"] = {"basis": self.gain_basis, "here": self.gain_here,
                                      "here_operator": self.gain_here_operator,
                                      "min_gain_share": self.min_gain_share,
                                      "towers": [dict(t) for t in self.towers_weighed]}
        return out


@dataclass(frozen=True)
class ConstraintCheck:
    """The distance from a proposal to one constraint feature, or to the nearest dwelling
    (``nearest_household``: then ``constraint_id`` is the household and ``name`` None)."""

    constraint_id: str
    kind: str
    name: str | None
    distance_m: float
    min_distance_m: float
    ok: bool
    nearest_household: bool = False
    #: ``regulation`` (``source`` names the document and article: a breach is a
    #: ``conflict``) or ``local-setting`` (a distance the commune chose: a breach is for
    #: ``review``).
    basis: str = "local-setting"
    source: str | None = None
    #: The regulation the constraints layer cites for this feature when it gives no distance
    #: from it: ``min_distance_m`` is then the tool's default
    #: (``settings.CONSTRAINT_MIN_DISTANCE_M``), applied as a local setting (``basis``), never
    #: as that document's requirement.
    cited_source: str | None = None
    #: Who set ``min_distance_m``: ``layer`` (the constraints layer or its scenario entry),
    #: ``scenario`` (``[check] min_distance_m``) or ``tool-default``
    #: (``settings.CONSTRAINT_MIN_DISTANCE_M``: nobody here chose it).
    set_by: str = "layer"
    #: The distance (m) as measured, before ``distance_m`` was rounded for check.json: what
    #: the page and the web app round once (found by a review: 31.48 m kept as 31.5, then
    #: shown "32 m" on the page and "31 m" in the terminal). None: ``distance_m``.
    measured_m: float | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"constraint_id": self.constraint_id, "kind": self.kind, "name": self.name,
               "distance_m": self.distance_m, "min_distance_m": self.min_distance_m,
               "ok": self.ok, "basis": self.basis, "source": self.source,
               "min_distance_set_by": self.set_by}
        if self.cited_source is not None:
            out.update(cited_source=self.cited_source, min_distance_default=True)
        return out


@dataclass(frozen=True)
class ExposureCheck:
    """The RF exposure of the places near a proposal (QCVN 8:2022/BTTTT;
    :mod:`coverage_gis.radio.exposure`).

    ``compliance_distance_m``: along the main beam of the strongest proposed cell, the
    distance beyond which the density is below the limit; ``places_checked``: dwellings and
    public buildings within ``search_m``; ``max_ratio``: the highest total exposure ratio
    (proposal plus existing cells within ``search_m``) at any of them and at any of
    ``heights_m``, with that place (``worst``); ``breaches``: every place at or above 1 at
    a height where people surely are (the first of ``heights_m``, at ground level, or up to
    the building's own height when the households layer gives ``height_m``): a broken
    regulation; ``assumed_breaches``: places at or above 1 only at the assumed upper floors
    (``settings.EXPOSURE_HEIGHTS_M``, a local setting): for review, not a breach.
    ``search_m`` is at least the compliance distance of the proposal's cells together, so
    that no place where they could exceed the limit is left out.
    The ratio counts only the cells whose band lies within ``band_range_mhz`` (MHz), the
    range the limit is quoted for (``settings.EXPOSURE_LIMIT_BAND_MHZ``); the others are
    listed in ``bands_outside`` (site_id, band_mhz, proposed), not checked against it.
    """

    limit_w_m2: float
    regulation: str
    compliance_distance_m: float
    search_m: float
    heights_m: tuple[float, ...]
    existing_cells_counted: int
    places_checked: int
    max_ratio: float
    worst: dict[str, Any] | None
    breaches: tuple[dict[str, Any], ...]
    band_range_mhz: tuple[float, float] = settings.EXPOSURE_LIMIT_BAND_MHZ
    bands_outside: tuple[dict[str, Any], ...] = ()
    assumed_breaches: tuple[dict[str, Any], ...] = ()

    @property
    def status(self) -> str:
        """``exceeded`` (a breach), ``exceeded_at_assumed_height`` (over the limit only at an
        assumed upper floor), ``band_outside`` (no breach, but cells the limit does not
        cover) or ``ok``."""
        return ("exceeded" if self.breaches
                else "exceeded_at_assumed_height" if self.assumed_breaches
                else "band_outside" if self.bands_outside else "ok")

    @property
    def ok(self) -> bool:
        """No breach and every cell within the range the limit covers."""
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return {"basis": "regulation", "source": self.regulation, "status": self.status,
                "band_range_mhz": list(self.band_range_mhz),
                "bands_outside": [dict(b) for b in self.bands_outside],
                "limit_w_m2": self.limit_w_m2,
                "compliance_distance_m": round(self.compliance_distance_m, 2),
                "search_m": self.search_m, "heights_m": list(self.heights_m),
                "existing_cells_counted": self.existing_cells_counted,
                "places_checked": self.places_checked,
                "max_ratio": round(self.max_ratio, 4), "worst": self.worst,
                "breaches": [dict(b) for b in self.breaches],
                "assumed_height_breaches": [dict(b) for b in self.assumed_breaches],
                "heights_basis": "local-setting", "ok": self.ok}


@dataclass(frozen=True)
class Proposal:
    """The proposed cells' radio values as checked (defaults filled in), the path-loss model
    their gain is computed with and whether they are inside its validity range (``ok`` or
    codes: :func:`~coverage_gis.engines.coverage.cell_ranges`). ``azimuths_deg``: one per
    sector, or ``"omni"``."""

    operator: str
    technology: str
    band_mhz: float
    bandwidth_mhz: float
    height_m: float
    eirp_dbm: float
    tilt_deg: float
    azimuths_deg: list[float] | str
    cells: int
    model: str
    model_validity: str

    def to_json(self) -> dict[str, Any]:
        """The ``proposal`` object of ``check.json``."""
        return asdict(self)


@dataclass(frozen=True)
class Location:
    """Where the proposed point lies: WGS 84 ``lon``/``lat`` (degrees), ``x_m``/``y_m`` in
    the project's CRS (``crs``), whether it is inside the unit (``inside_commune``: the 2025
    unit when the scenario names one), the hamlet it lies in (None outside every hamlet),
    the nearest hamlet and its distance (m), the unit's code and name, and
    ``inside_plan_unit`` (True only for a point beyond the unit's bundled boundary but inside
    the old commune that went whole into it: :func:`_boundary_strip`)."""

    lon: float
    lat: float
    x_m: float
    y_m: float
    crs: str
    inside_commune: bool
    hamlet_id: str | None
    hamlet_name: str | None
    nearest_hamlet_id: str
    nearest_hamlet_distance_m: float
    unit_code: str | None = None
    unit_name: str | None = None
    inside_plan_unit: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``location`` object of ``check.json`` (``inside_plan_unit`` only when set)."""
        out = asdict(self)
        if self.inside_plan_unit is None:
            del out["inside_plan_unit"]
        return out


@dataclass(frozen=True)
class NearbyTower:
    """One of the towers nearest a proposal: its id, distance (m), operators, status and
    technologies (as the towers layer gives them: comma-separated)."""

    tower_id: str
    distance_m: float
    operators: str
    status: str
    technologies: str

    def to_json(self) -> dict[str, Any]:
        """An item of ``check.json``'s ``nearest_towers``."""
        return asdict(self)


@dataclass(frozen=True)
class CoverageGain:
    """What a proposal adds to mobile broadband (4G/5G), on the ``basis`` the data allow:
    ``households`` (households new to 4G/5G of any operator, and to the applicant's
    network; per hamlet; the hamlets it brings to the target; M4 before and after, None
    with no hamlet to count) or ``area`` without a households layer (km² new to 4G/5G, and
    to the applicant's network). The fields of the other basis are None."""

    basis: str
    households_newly_covered: int | None = None
    households_newly_covered_by_operator: int | None = None
    households_newly_covered_per_hamlet: dict[str, int] = field(default_factory=dict)
    hamlets_newly_covered: list[str] = field(default_factory=list)
    m4_before: float | None = None
    m4_after: float | None = None
    area_newly_covered_km2: float | None = None
    area_newly_covered_by_operator_km2: float | None = None

    @property
    def for_plan(self) -> float:
        """The gain the plan counts: households (or km²) new to 4G/5G of any operator."""
        return float((self.households_newly_covered if self.basis == "households"
                      else self.area_newly_covered_km2) or 0)

    @property
    def for_operator(self) -> float:
        """The applicant's own gain: households (or km²) new to its network."""
        return float((self.households_newly_covered_by_operator
                      if self.basis == "households"
                      else self.area_newly_covered_by_operator_km2) or 0)

    def to_json(self) -> dict[str, Any]:
        """The ``coverage_gain`` object of ``check.json``: ``basis`` and that basis's
        fields."""
        keys = (("households_newly_covered", "households_newly_covered_by_operator",
                 "households_newly_covered_per_hamlet", "hamlets_newly_covered",
                 "m4_before", "m4_after") if self.basis == "households"
                else ("area_newly_covered_km2", "area_newly_covered_by_operator_km2"))
        out: dict[str, Any] = {"basis": self.basis}
        for key in keys:
            value = getattr(self, key)
            out[key] = (dict(value) if isinstance(value, dict)
                        else list(value) if isinstance(value, list) else value)
        return out


@dataclass(frozen=True)
class AviationCheck:
    """The aviation obstacle rule, a regulation (``settings.AVIATION_REGULATION``): the
    mast's height (m), the height from which the rule applies (m), whether the mast is
    under it, its basis and source."""

    height_m: float
    from_height_m: float
    ok: bool
    basis: str
    source: str

    def to_json(self) -> dict[str, Any]:
        """The ``aviation_obstacle`` object of ``check.json``."""
        return asdict(self)


@dataclass(frozen=True)
class CheckResult:
    """The land officer's check of a proposed tower (:func:`check_site`): values and codes,
    no sentences.

    Attributes
    ----------
    proposal
        The cells' radio values (defaults filled in): :class:`Proposal`.
    location
        lon/lat, x/y in the project CRS, ``inside_commune``, the hamlet it lies in and the
        nearest hamlet with its distance: :class:`Location`.
    nearest_towers
        The nearest towers (:class:`NearbyTower`): id, distance, operators, status,
        technologies.
    sharing
        What the nearest towers mean (:class:`SharingAdvice`).
    coverage_gain
        Households and hamlets newly covered by mobile broadband, M4 before and after (or
        the area newly covered without households): :class:`CoverageGain`.
    constraints
        Every constraint feature by distance, then the nearest dwelling.
    verdict
        One of :data:`VERDICTS`.
    reasons
        Why, as codes.
    point
        The point as officers read it (:func:`point_coordinates`): WGS 84 lon/lat and
        VN-2000 / TM-3 x/y with the CRS names.
    exposure
        The RF exposure check (:class:`ExposureCheck`).
    aviation
        The aviation obstacle rule (:class:`AviationCheck`; a review found it only as a
        reason, and nothing when met).
    towers
        Every tower as the check grouped the cells (``[sharing] tower_distance_m``), with
        ``distance_m`` to the proposal, nearest first: what its maps draw (not in
        check.json, which lists the nearest).

    The parts are typed (found by a review: plain dicts, read by string keys in the
    notebooks); ``to_json`` gives check.json's objects.
    """

    proposal: Proposal
    location: Location
    nearest_towers: list[NearbyTower]
    sharing: SharingAdvice
    coverage_gain: CoverageGain
    constraints: list[ConstraintCheck]
    verdict: str
    reasons: list[Reason]
    point: dict[str, Any] = field(default_factory=dict)
    exposure: ExposureCheck | None = None
    aviation: AviationCheck | None = None
    towers: gpd.GeoDataFrame | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the values and codes (``check.json`` without its sentences,
        which :func:`coverage_gis.outputs.check.check_json` adds)."""
        return {"proposal": self.proposal.to_json(), "location": self.location.to_json(),
                "nearest_towers": [t.to_json() for t in self.nearest_towers],
                "sharing": self.sharing.to_json(), "coverage_gain": self.coverage_gain.to_json(),
                "constraints": [c.to_json() for c in self.constraints],
                "verdict": self.verdict,
                "reason_codes": [r.to_json() for r in self.reasons],
                "exposure": self.exposure.to_json() if self.exposure else None,
                "aviation_obstacle": self.aviation.to_json() if self.aviation else None,
                "point": dict(self.point)}


def _location(project: Project, hamlets: gpd.GeoDataFrame, point: shapely.Point,
              unit: shapely.Geometry | None) -> Location:
    lon, lat = Transformer.from_crs(project.crs, WGS84, always_xy=True).transform(point.x,
                                                                                 point.y)
    inside_hamlet = hamlets[hamlets.contains(point)]
    nearest_h = hamlets.iloc[int(np.argmin(hamlets.distance(point)))]
    return Location(
        lon=round(lon, 6), lat=round(lat, 6),
        x_m=round(point.x, 1), y_m=round(point.y, 1), crs=project.crs.to_string(),
        inside_commune=bool(inside_unit(gpd.GeoSeries([point]), unit)[0]),
        hamlet_id=inside_hamlet["hamlet_id"].iloc[0] if len(inside_hamlet) else None,
        hamlet_name=inside_hamlet["name"].iloc[0] if len(inside_hamlet) else None,
        nearest_hamlet_id=nearest_h["hamlet_id"],
        nearest_hamlet_distance_m=round(float(nearest_h.geometry.distance(point)), 1))


def _nearest_towers(project: Project, point: shapely.Point, sharing_params: SharingParams,
                    n_nearest: int
                    ) -> tuple[list[NearbyTower], gpd.GeoDataFrame, float, gpd.GeoDataFrame]:
    """The ``n_nearest`` towers as check.json lists them, the existing towers within the
    sharing distance (nearest first), that distance (urban or not) and every tower with its
    distance (nearest first)."""
    tw = towers(_sites(project), sharing_params.tower_distance_m)
    tw = tw.assign(distance_m=tw.distance(point)).sort_values("distance_m")
    nearest = [NearbyTower(r["tower_id"], round(float(r["distance_m"]), 1), r["operators"],
                           r["status"], r["technologies"])
               for _, r in tw.head(n_nearest).iterrows()]
    urban = (project.urban_areas is not None and
             bool(project.urban_areas.union_all().contains(point)))
    limit = (sharing_params.urban_candidate_distance_m if urban
             else sharing_params.candidate_distance_m)
    close = tw[(tw["distance_m"] <= limit) & (tw["status"] == "existing")]
    return nearest, close, limit, tw


def _shares_well(there: CoverageGain, here: CoverageGain, min_share: float) -> bool:
    """Whether the cells on an existing tower (``there``, a :func:`_coverage_gain`) serve as
    well as at the proposed point (``here``): at least ``min_share`` of the households (km²
    without households) the proposal newly serves for its operator, the applicant's own
    measure (found by a review: the comparison counted only households new to 4G/5G of any
    operator, 3 against 9 at the fringe of others' coverage, and told a new mast was
    justified where the shared tower served the applicant 375 households against 304), and
    every hamlet the proposal brings to the plan's coverage target brought there too, the
    plan's own measure (M1/M4 count hamlets)."""
    return (there.for_operator >= min_share * here.for_operator
            and set(here.hamlets_newly_covered) <= set(there.hamlets_newly_covered))


def _sharing_advice(project: Project, hamlets: gpd.GeoDataFrame, base: CoverageResult,
                    proposal: ProposedSite, close: gpd.GeoDataFrame, limit: float, op: str,
                    here: CoverageGain, params: CoverageParams,
                    min_share: float = settings.SHARING_MIN_GAIN_SHARE,
                    hamlet_of: pd.Series | None = None) -> SharingAdvice:
    """Share an existing tower instead of building? The same cells are put on each existing
    tower within ``limit`` (other operators' towers first, then the operator's own) and
    their gain (:func:`_coverage_gain` over ``hamlets``) compared with the proposed point's
    (``here``) by :func:`_shares_well` with ``min_share``
    (``settings.SHARING_MIN_GAIN_SHARE``, a local setting); the tower recommended is the one
    of the first group that has one that serves the operator best."""
    basis = "households" if project.households is not None else "area_km2"
    if not len(close):
        return SharingAdvice("new-tower", limit, Reason("new_tower", {"max_distance_m": limit}))
    gain_here, own_here = here.for_plan, here.for_operator
    mine = close["existing_operators"].str.split(", ").map(lambda ops: op in ops)
    weighed: list[dict[str, Any]] = []
    serves: list[bool] = []  # _shares_well of each tower weighed, in the order of weighed
    for group, kind in ((close[~mine], "share-instead"), (close[mine], "use-own-tower")):
        best = None
        for _, t in group.iterrows():
            cells_there = proposal.cells(t.geometry.x, t.geometry.y, project.crs)
            there = _coverage_gain(project, hamlets, base, add_cells(base, cells_there), op,
                                   params, hamlet_of)
            # the cells added to the tower's own must keep its neighbours under the exposure
            # limit (found by a review: a house 9 m from the tower, at 0.62 of the limit from
            # its cells, would reach 1.23 with the proposal's; the advice did not look)
            safe = not _exposure_check(project, cells_there, t.geometry).breaches
            missed = sorted(set(here.hamlets_newly_covered) -
                            set(there.hamlets_newly_covered))
            weighed.append({"tower_id": t["tower_id"], "distance_m": round(
                float(t["distance_m"]), 1), "operators": t["operators"],
                "gain": there.for_plan, "gain_operator": there.for_operator,
                "hamlets_missed": missed, "exposure_ok": safe})
            serves.append(_shares_well(there, here, min_share))
            if safe and serves[-1] and (best is None or there.for_operator > best[1]):
                best = (t, there.for_operator, there.for_plan)
        if best is not None:
            t, own_there, there_plan = best
            params_ = {"operator": op, "tower_id": t["tower_id"], "operators": t["operators"],
                       "distance_m": float(t["distance_m"]), "gain_here": gain_here,
                       "gain_there": there_plan, "gain_here_operator": own_here,
                       "gain_there_operator": own_there, "basis": basis}
            return SharingAdvice(kind, limit, Reason("share_tower" if kind == "share-instead"
                                                     else "own_tower", params_),
                                 tower_id=t["tower_id"],
                                 distance_m=round(float(t["distance_m"]), 1),
                                 operators=t["operators"], gain_basis=basis,
                                 gain_here=gain_here, gain_here_operator=own_here,
                                 towers_weighed=tuple(weighed), min_gain_share=min_share)
    k = max(range(len(weighed)), key=lambda i: weighed[i]["gain_operator"])
    top = weighed[k]
    if not top["exposure_ok"] and serves[k]:
        reason = Reason("share_exceeds_exposure", {
            "tower_id": top["tower_id"], "distance_m": top["distance_m"],
            "regulation": settings.EXPOSURE_REGULATION})
        return SharingAdvice("new-tower", limit, reason, gain_basis=basis, gain_here=gain_here,
                             gain_here_operator=own_here, towers_weighed=tuple(weighed),
                             min_gain_share=min_share)
    code = ("share_loses_gain" if top["gain_operator"] < min_share * own_here
            else "share_misses_hamlets")
    reason = Reason(code, {"tower_id": top["tower_id"], "distance_m": top["distance_m"],
                           "operator": op, "gain_here": gain_here, "gain_there": top["gain"],
                           "gain_here_operator": own_here,
                           "gain_there_operator": top["gain_operator"],
                           "hamlets": top["hamlets_missed"], "min_share": min_share,
                           "basis": basis})
    return SharingAdvice("new-tower", limit, reason, gain_basis=basis, gain_here=gain_here,
                         gain_here_operator=own_here, towers_weighed=tuple(weighed),
                         min_gain_share=min_share)


def _coverage_gain(project: Project, hamlets: gpd.GeoDataFrame, base: CoverageResult,
                   after: CoverageResult, op: str, params: CoverageParams,
                   hamlet_of: pd.Series | None = None) -> CoverageGain:
    """What ``after`` (``base`` with the proposed cells) adds for mobile broadband, over
    ``hamlets``; ``hamlet_of``: each household's hamlet among them
    (:func:`~coverage_gis.engines.hamlets.household_hamlets`), when already joined (the
    sharing advice weighs several towers over the same households)."""
    if project.households is None:
        b = base.covered["mobile_broadband"]
        a = after.covered["mobile_broadband"]
        own_key = f"mobile_broadband:{op}"
        km2 = base.grid.resolution_m ** 2 / 1e6
        own_b = base.covered.get(own_key, np.zeros_like(b))
        own_a = after.covered.get(own_key, np.zeros_like(a))
        return CoverageGain("area", area_newly_covered_km2=round(float((a & ~b).sum()) * km2, 3),
                            area_newly_covered_by_operator_km2=round(
                                float((own_a & ~own_b).sum()) * km2, 3))
    hh = project.households
    hids = hamlets["hamlet_id"]
    if hamlet_of is None:
        hamlet_of = household_hamlets(hh, hamlets)
    before_c = _households_covered(base, hh)
    after_c = _households_covered(after, hh)
    hb = _hamlets_covered(before_c, hamlet_of, hids, params.hamlet_share)
    ha = _hamlets_covered(after_c, hamlet_of, hids, params.hamlet_share)
    new = after_c & ~before_c
    per_hamlet = hamlet_sums(new.astype(int), hamlet_of, hids.to_numpy())
    own_key = f"mobile_broadband:{op}"
    own_new = _households_covered(after, hh, own_key) & ~_households_covered(base, hh, own_key)
    return CoverageGain(
        "households",
        households_newly_covered=int(new.sum()),
        households_newly_covered_by_operator=int(own_new.sum()),
        households_newly_covered_per_hamlet={k: int(v) for k, v in
                                             sorted(per_hamlet.items()) if v},
        hamlets_newly_covered=sorted(hids[(ha & ~hb).to_numpy()].tolist()),
        # None: no hamlet to count (a province's unit none of whose hamlets the data maps;
        # the mean of none was NaN, invalid in check.json)
        m4_before=round(float(hb.mean()), 4) if len(hb) else None,
        m4_after=round(float(ha.mean()), 4) if len(ha) else None)


def constraint_distances_m(project: Project, check: CheckParams | None = None
                           ) -> tuple[np.ndarray, list[str]]:
    """The minimum distance (m) from a tower to each constraint feature and who set it
    (:attr:`ConstraintCheck.set_by`): the layer's own, else the scenario's ``[check]
    min_distance_m`` for its kind, else the tool's default the layer was filled with."""
    check = check or CheckParams.from_scenario(project.scenario.parameters)
    c = project.constraints
    if c is None:
        return np.zeros(0), []
    given = (c["min_distance_given"] if "min_distance_given" in c
             else pd.Series(True, index=c.index)).fillna(True).astype(bool).to_numpy()
    out, by = c["min_distance_m"].to_numpy(dtype=float).copy(), []
    for i, kind in enumerate(c["kind"]):
        if given[i]:
            by.append("layer")
        else:
            out[i], who = check.distance_m(str(kind), float(out[i]))
            by.append(who)
    return out, by


def dwelling_distance_m(project: Project, check: CheckParams | None = None
                        ) -> tuple[float, str]:
    """The minimum distance (m) from a tower to a dwelling and who set it: the scenario's
    ``[check] min_distance_m.dwelling``, else the tool's default."""
    check = check or CheckParams.from_scenario(project.scenario.parameters)
    return check.distance_m("dwelling", settings.CONSTRAINT_MIN_DISTANCE_M["dwelling"])


def _constraint_checks(project: Project, point: shapely.Point
                       ) -> tuple[list[ConstraintCheck], list[Reason]]:
    """Each constraint feature and the nearest dwelling by distance, with the reasons of
    every distance not met: ``too_close`` for a regulation, ``local_distance`` or
    ``dwelling_too_close`` for a local setting, ``default_distance`` for a row citing a
    regulation without its distance (``min_distance_given`` false: the tool's default or the
    scenario's, applied as a local setting and never attributed to the document). Each
    says who set its distance (``set_by``)."""
    checks: list[ConstraintCheck] = []
    breaches: list[Reason] = []
    distances = CheckParams.from_scenario(project.scenario.parameters)
    lon, lat = Transformer.from_crs(project.crs, WGS84, always_xy=True).transform(point.x,
                                                                                 point.y)
    ground = grid_to_ground(project.crs, lon, lat)  # distances on the ground, not the grid
    if project.constraints is not None:
        dmins, set_by = constraint_distances_m(project, distances)
        c = project.constraints.assign(distance_m=project.constraints.distance(point) * ground,
                                       _dmin=dmins, _set_by=set_by)
        for _, r in c.sort_values("distance_m").iterrows():
            basis = r.get("basis") or "local-setting"
            source = r.get("source")
            cited = None
            if basis == "regulation" and r["_set_by"] != "layer":
                basis, source, cited = "local-setting", None, r.get("source")
            d, dmin = float(r["distance_m"]), float(r["_dmin"])
            # a zone (a polygon) the site stands in is broken whatever its distance (found by
            # a review: a protection zone with min_distance_m = 0 passed, 0 >= 0)
            inside = d == 0.0 and r.geometry.geom_type in ("Polygon", "MultiPolygon")
            check = ConstraintCheck(r["constraint_id"], r["kind"], r.get("name"),
                                    rounded_against(d, dmin, 1), dmin,
                                    bool(d >= dmin) and not inside,
                                    basis=basis, source=source, cited_source=cited,
                                    set_by=r["_set_by"], measured_m=d)
            checks.append(check)
            if not check.ok:
                params = {"kind": r["kind"], "name": r.get("name") or r["constraint_id"],
                          "distance_m": d, "min_distance_m": dmin, "set_by": r["_set_by"]}
                if inside:
                    breaches.append(Reason("inside_zone", {**params, "source": source})
                                    if basis == "regulation" else
                                    Reason("inside_zone_local", params))
                elif basis == "regulation":
                    breaches.append(Reason("too_close", {**params, "source": source}))
                elif cited is not None:
                    breaches.append(Reason("default_distance", {**params, "source": cited}))
                else:
                    breaches.append(Reason("local_distance", params))
    if project.households is not None:
        dmin, who = dwelling_distance_m(project, distances)
        dist = project.households.distance(point) * ground
        k = int(np.argmin(dist.to_numpy()))
        d = float(dist.iloc[k])
        check = ConstraintCheck(project.households["household_id"].iloc[k], "dwelling", None,
                                rounded_against(d, dmin, 1), dmin, bool(d >= dmin),
                                nearest_household=True, set_by=who, measured_m=d)
        checks.append(check)
        if not check.ok:
            breaches.append(Reason("dwelling_too_close", {
                "name": check.constraint_id, "distance_m": d, "min_distance_m": dmin,
                "set_by": who}))
    return checks, breaches


def _exposure_places(project: Project, point: shapely.Point, search_m: float
                     ) -> pd.DataFrame:
    """Dwellings and public buildings within ``search_m``: id, kind, name, the nearest
    point of each (x, y), its building's height (m, NaN when unknown: a households layer's
    ``height_m``) and its distance."""
    rows: list[dict[str, Any]] = []
    if project.households is not None:
        hh = project.households
        near = hh[hh.distance(point) <= search_m]
        tall = (pd.to_numeric(near["height_m"], errors="coerce") if "height_m" in near
                else pd.Series(np.nan, index=near.index))
        rows += [{"id": r["household_id"], "kind": "dwelling", "name": None,
                  "x": r.geometry.x, "y": r.geometry.y, "building_m": h}
                 for (_, r), h in zip(near.iterrows(), tall)]
    if project.constraints is not None:
        c = project.constraints
        c = c[c["kind"].isin(settings.PUBLIC_BUILDING_KINDS) & (c.distance(point) <= search_m)]
        for _, r in c.iterrows():
            q = shapely.ops.nearest_points(r.geometry, point)[0]
            rows.append({"id": r["constraint_id"], "kind": r["kind"], "name": r.get("name"),
                         "x": q.x, "y": q.y, "building_m": np.nan})
    df = pd.DataFrame(rows, columns=["id", "kind", "name", "x", "y", "building_m"])
    df["distance_m"] = np.hypot(df["x"].astype(float) - point.x,
                                df["y"].astype(float) - point.y)
    return df


def _bands_outside(cells: gpd.GeoDataFrame, n_proposed: int,
                   band_range_mhz: tuple[float, float]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Which of ``cells`` (the first ``n_proposed`` the proposal's) have a band within
    ``band_range_mhz`` (MHz, inclusive), and those outside it: site_id, band_mhz, proposed."""
    band = cells["band_mhz"].to_numpy(dtype=float)
    lo, hi = band_range_mhz
    inside = (band >= lo) & (band <= hi)
    outside = [{"site_id": str(cells["site_id"].iloc[i]), "band_mhz": float(band[i]),
                "proposed": bool(i < n_proposed)} for i in np.flatnonzero(~inside)]
    return inside, outside


def _exposure_check(project: Project, new_cells: gpd.GeoDataFrame, point: shapely.Point,
                    search_m: float = settings.EXPOSURE_SEARCH_M,
                    heights_m: tuple[float, ...] = settings.EXPOSURE_HEIGHTS_M,
                    limit_w_m2: float = settings.EXPOSURE_LIMIT_W_M2,
                    band_range_mhz: tuple[float, float] = settings.EXPOSURE_LIMIT_BAND_MHZ
                    ) -> ExposureCheck:
    """The RF exposure ratio (QCVN 8:2022/BTTTT limit) at every dwelling and public building
    within ``search_m`` of the proposal, at each of ``heights_m``, from the proposed cells
    and the existing cells within ``search_m`` (heights above the local ground; the ground's
    slope over 100 m is neglected). Only cells whose band lies within ``band_range_mhz``
    (MHz: the range the limit is quoted for) count; the others are listed as outside it."""
    cells = new_cells
    existing = 0
    own, _ = _bands_outside(new_cells, len(new_cells), band_range_mhz)
    if own.any():  # every place the proposal alone could bring over the limit is checked
        total = 10.0 * np.log10(np.sum(10.0 ** (new_cells["eirp_dbm"].to_numpy(float)[own]
                                                / 10.0)))
        search_m = max(search_m, math.ceil(float(exposure.compliance_distance_m(
            total, limit_w_m2))))
    if project.sites is not None:
        sites = project.sites[(project.sites["status"] == "existing") &
                              (project.sites.distance(point) <= search_m)]
        existing = len(sites)
        cells = pd.concat([new_cells, sites], ignore_index=True)
    inside, outside = _bands_outside(cells, len(new_cells), band_range_mhz)
    cells = cells[inside]
    xyz = np.column_stack([cells.geometry.x, cells.geometry.y,
                           cells["height_m"].astype(float)])
    places = _exposure_places(project, point, search_m)
    r_c = float(exposure.compliance_distance_m(new_cells["eirp_dbm"].astype(float).max(),
                                               limit_w_m2))
    if not len(places) or not len(cells):
        return ExposureCheck(limit_w_m2, settings.EXPOSURE_REGULATION, r_c, search_m,
                             heights_m, existing, 0, 0.0, None, (), band_range_mhz,
                             tuple(outside))
    building = places["building_m"].to_numpy(float)
    assumed_top = max(heights_m)
    heights_m = _with_upper_floors(heights_m, building)
    at = _exposure_heights(places, cells, heights_m, building, assumed_top)
    n_k = at.shape[1]
    pts = np.column_stack([np.repeat(places["x"].to_numpy(float), n_k),
                           np.repeat(places["y"].to_numpy(float), n_k), at.ravel()])
    ratio = exposure.exposure_ratio(xyz, cells["eirp_dbm"], cells["azimuth_deg"],
                                    cells["tilt_deg"], cells["beamwidth_deg"], pts,
                                    limit_w_m2).reshape(len(places), n_k)
    # people surely are at ground level, and up to a building's height when it is known;
    # they may be at the assumed heights (upper floors of a building of unknown height, or
    # the roof of a low one); not above a known height beyond those (found by a review: an
    # 11-storey neighbour was checked to 13.5 m only, "OK" at 1.75 times the limit)
    sure = (at <= heights_m[0]) | (at <= building[:, None])
    ratio = np.where(sure | (at <= assumed_top), ratio, 0.0)

    def place(i: int, among: np.ndarray) -> dict[str, Any]:
        r, k = places.iloc[i], int(np.where(among[i], ratio[i], -1.0).argmax())
        name = r["name"] if isinstance(r["name"], str) and r["name"].strip() else None
        return {"id": r["id"], "kind": r["kind"], "name": name,  # NaN read as a name: a review
                "distance_m": round(float(r["distance_m"]), 1),
                "height_m": round(float(at[i, k]), 2),
                # not rounded across the limit: 0.99995 was 1.0 beside "ok" (a review)
                "ratio": rounded_against(float(ratio[i, k]), 1.0, 4, most=8),
                "height_assumed": not bool(sure[i, k])}

    anywhere = np.ones_like(sure)
    per_place = ratio.max(axis=1)
    worst = int(per_place.argmax())
    over = ratio >= 1.0
    breaches = tuple(place(int(i), sure) for i in np.flatnonzero((over & sure).any(axis=1)))
    assumed = tuple(place(int(i), anywhere)
                    for i in np.flatnonzero(over.any(axis=1) & ~(over & sure).any(axis=1)))
    return ExposureCheck(limit_w_m2, settings.EXPOSURE_REGULATION, r_c, search_m, heights_m,
                         existing, len(places), float(per_place[worst]),
                         place(worst, anywhere), breaches, band_range_mhz, tuple(outside),
                         assumed)


def _exposure_heights(places: pd.DataFrame, cells: gpd.GeoDataFrame,
                      heights_m: tuple[float, ...], building_m: np.ndarray,
                      assumed_top_m: float) -> np.ndarray:
    """Per place (rows), the heights (m above ground) the exposure is computed at: every one
    of ``heights_m``, then, per cell, the height of its main beam over the place (mast
    height less the horizontal distance times the tangent of the downtilt), kept between
    the first of ``heights_m`` and the place's top (its known building height, at least
    ``assumed_top_m``). Found by a review: the beam, some 1.4 m thick at 8 m, passed between
    the floors checked, and a house at 1.23 times the limit was "ok"."""
    px, py = places["x"].to_numpy(float), places["y"].to_numpy(float)
    d = np.hypot(px[:, None] - cells.geometry.x.to_numpy()[None, :],
                 py[:, None] - cells.geometry.y.to_numpy()[None, :])
    tilt = np.radians(cells["tilt_deg"].astype(float).fillna(0.0).to_numpy())
    beam = cells["height_m"].astype(float).to_numpy()[None, :] - d * np.tan(tilt)[None, :]
    top = np.fmax(building_m, assumed_top_m)[:, None]
    beam = np.clip(beam, heights_m[0], top)
    grid = np.broadcast_to(np.asarray(heights_m, dtype=float), (len(places), len(heights_m)))
    return np.concatenate([grid, beam], axis=1)


def _with_upper_floors(heights_m: tuple[float, ...], building_m: np.ndarray
                       ) -> tuple[float, ...]:
    """``heights_m`` and, for buildings whose known height (m) is above them, the floors on
    up to it, every :data:`settings.EXPOSURE_FLOOR_STEP_M` (a person 1.5 m above each floor,
    as the assumed heights are)."""
    known = building_m[np.isfinite(building_m)]
    top = float(known.max()) if known.size else 0.0
    more: list[float] = []
    h = max(heights_m) + settings.EXPOSURE_FLOOR_STEP_M
    while h <= top:
        more.append(round(h, 3))
        h += settings.EXPOSURE_FLOOR_STEP_M
    return tuple(heights_m) + tuple(more)


def _proposal_values(new_cells: gpd.GeoDataFrame, params: CoverageParams) -> Proposal:
    """The proposal as check.json gives it, with the path-loss model its gain is computed
    with and whether the cells are inside that model's validity range
    (:func:`~coverage_gis.engines.coverage.cell_ranges`: ``ok`` or codes)."""
    first = new_cells.iloc[0]
    ranged = cell_ranges(new_cells, params)
    bad = [str(v) for v in ranged["model_validity"] if str(v) != "ok"]
    return Proposal(
        operator=first["operator"], technology=str(first["technology"]),
        **{k: float(first[k]) for k in ("band_mhz", "bandwidth_mhz", "height_m", "eirp_dbm",
                                        "tilt_deg")},
        azimuths_deg=[float(a) for a in new_cells["azimuth_deg"] if np.isfinite(a)] or "omni",
        cells=len(new_cells), model=str(ranged["model"].iloc[0]),
        model_validity=bad[0] if bad else "ok")


#: Reason codes of a broken regulation (verdict ``conflict``) and of a local setting not met
#: (verdict ``review``).
CONFLICT_CODES = ("too_close", "inside_zone", "exposure_exceeded")
REVIEW_CODES = ("local_distance", "inside_zone_local", "dwelling_too_close", "unusual_crs",
                "default_distance", "no_households_layer", "no_constraints_layer",
                "unmapped_location", "in_corridor", "excluded_land",
                "exposure_band_outside", "exposure_assumed_height", "aviation_obstacle",
                "boundary_disagrees")


def _unusual_crs(project: Project, typed_xy: tuple[float, float, Any],
                 cadastral: str | None = None,
                 tolerance_m: float = settings.CHECK_SITE_CRS_TOLERANCE_M) -> list[Reason]:
    """x/y typed in another CRS than the province's cadastral one that would move the point
    by more than ``tolerance_m`` if they were cadastral coordinates: the reason
    ``unusual_crs`` (crs, cadastral, distance_m), for review: inside a large unit a wrong
    preset can no longer be told by the point falling outside."""
    x, y, crs = typed_xy
    cadastral = cadastral or cadastral_crs(project)
    typed, usual = resolve_crs(crs), resolve_crs(cadastral)
    if typed == usual or typed.is_geographic:
        return []
    a = Transformer.from_crs(typed, project.crs, always_xy=True).transform(x, y)
    b = Transformer.from_crs(usual, project.crs, always_xy=True).transform(x, y)
    distance = float(math.hypot(a[0] - b[0], a[1] - b[1]))
    if not math.isfinite(distance) or distance <= tolerance_m:
        return []
    return [Reason("unusual_crs", {"crs": str(crs), "cadastral": cadastral,
                                   "distance_m": distance})]


def _corridors(project: Project, point: shapely.Point) -> list[Reason]:
    """The strips along roads and the railway, and the excluded land use, where suggest-sites
    proposes no tower (:func:`_excluded_parts`, :class:`SuggestionParams`: local settings;
    roads of ``settings.CHECK_SITE_CORRIDOR_CLASSES``), that ``point`` lies in:
    ``in_corridor`` (kind ``road`` or ``railway``, name, road_class, distance_m from the
    centre line, corridor_m) or ``excluded_land`` (class), each for
    review (found by a review: a tower on the railway track was "ok", where suggest-sites
    keeps out)."""
    sp = SuggestionParams.from_scenario(project.scenario.parameters)
    out = []
    for kind, layer in (("road", project.roads), ("railway", project.railway)):
        if layer is None or not len(layer):
            continue
        d = layer.distance(point).to_numpy(dtype=float)
        if kind == "road":
            cls, width = _road_corridors_m(layer, sp, settings.CHECK_SITE_CORRIDOR_CLASSES)
        else:
            cls = np.full(len(layer), "railway", dtype=object)
            width = np.full(len(layer), float(sp.railway_corridor_m))
        inside = np.flatnonzero(d <= width)
        if len(inside):
            k = int(inside[np.argmin(d[inside])])
            row = layer.iloc[k]
            name = row.get("name")
            out.append(Reason("in_corridor", {
                "kind": kind, "name": name if isinstance(name, str) and name.strip()
                else str(row.get("road_id", k)), "road_class": str(cls[k]),
                "distance_m": float(d[k]), "corridor_m": float(width[k])}))
    lu = project.landuse
    if lu is not None and len(lu):
        hit = lu[lu["class"].isin(sp.excluded_land) & lu.covers(point)]
        if len(hit):
            out.append(Reason("excluded_land", {"class": str(hit["class"].iloc[0])}))
    return out


def _unchecked(project: Project, location: Location,
               unmapped_m: float = settings.CHECK_SITE_UNMAPPED_M) -> list[Reason]:
    """What the check could not look at, each a reason for review (found by a review: "ok"
    with no dwelling or constraint checked): ``no_households_layer`` and
    ``no_constraints_layer`` for a layer the scenario lacks, ``unmapped_location`` for a site
    farther than ``unmapped_m`` from every hamlet of the data (hamlet_id, distance_m,
    limit_m: the layers do not describe the land around it)."""
    out = [Reason(f"no_{name}_layer") for name in ("households", "constraints")
           if getattr(project, name) is None]
    d = location.nearest_hamlet_distance_m
    if location.hamlet_id is None and d is not None and d > unmapped_m:
        out.append(Reason("unmapped_location", {"hamlet_id": location.nearest_hamlet_id,
                                                "distance_m": float(d),
                                                "limit_m": float(unmapped_m)}))
    return out


def _verdict(project: Project, unit: shapely.Geometry | None, location: Location,
             sharing: SharingAdvice, breaches: list[Reason],
             typed_xy: tuple[float, float, Any] | None) -> tuple[str, list[Reason]]:
    """The verdict and its first reasons, the strongest first: outside the unit (whatever
    else holds), a regulation broken (``conflict``), a local setting not met (``review``),
    then the sharing advice (``share-instead`` or ``ok``)."""
    reasons: list[Reason] = []
    outside = not (location.inside_commune or location.inside_plan_unit)
    if outside:
        reasons.append(Reason("outside_commune"))
        # x/y typed in the province's cadastral CRS are not steered to another (found by a
        # review: a correct cadastral point 300 m outside was told to try vn2000-utm48, 667
        # m away, which put a neighbour's point inside)
        if typed_xy is not None and resolve_crs(typed_xy[2]) != resolve_crs(
                cadastral_crs(project)):
            preset = preset_placing(project, *typed_xy, area=unit)
            if preset is not None:
                reasons.append(Reason("other_crs", {"crs": str(typed_xy[2]),
                                                    "preset": preset}))
    elif typed_xy is not None:
        breaches = [*_unusual_crs(project, typed_xy), *breaches]
    reasons += sorted(breaches, key=lambda r: r.code not in CONFLICT_CODES)
    codes = {r.code for r in breaches}
    if not codes & set(CONFLICT_CODES):  # a broken regulation is not softened by advice
        reasons.append(sharing.reason)
    verdict = ("outside-unit" if outside
               else "conflict" if codes & set(CONFLICT_CODES)
               else "review" if codes & set(REVIEW_CODES)
               else "share-instead" if sharing.recommendation != "new-tower" else "ok")
    return verdict, reasons


def _boundary_strip(project: Project, unit: UnitScope | None, point: shapely.Point,
                    location: Location) -> list[Reason]:
    """A point outside the 2025 unit's bundled boundary but inside the outline of the old
    unit that went whole into it (:func:`~coverage_gis.engines.territory.merged_plan_unit`):
    the unit's territory by the mapping, the outlines disagreeing there. Gives the reason
    ``boundary_disagrees`` (plan_code, plan_name, unit_code, unit_name, distance_m: how far
    beyond the boundary), for review; the caller marks ``location.inside_plan_unit``."""
    if unit is None or location.inside_commune or unit.role != "current":
        return []
    plan = merged_plan_unit(project)
    if plan is None or not bool(inside_unit(gpd.GeoSeries([point]), plan.geometry)[0]):
        return []
    return [Reason("boundary_disagrees", {
        "plan_code": plan.code, "plan_name": plan.name, "unit_code": unit.code,
        "unit_name": unit.name, "distance_m": round(float(unit.geometry.distance(point)), 1)})]


def _province_unit_at(project: Project, hamlets: gpd.GeoDataFrame, point: shapely.Point
                      ) -> tuple[UnitScope | None, gpd.GeoDataFrame]:
    """For a province study (``[scenario] province``), the 2025 unit ``point`` lies in
    (:func:`~coverage_gis.engines.territory.point_units`; None outside every unit) and its
    own hamlets, those it holds the largest share of (as a province study counts them:
    :func:`~coverage_gis.engines.territory.largest_unit`); outside every unit, ``hamlets``
    whole. Same metric CRS (the project's)."""
    scopes = province_units(str(project.scenario.province), project.crs)
    geoms = [s.geometry for s in scopes]
    k = int(point_units(gpd.GeoSeries([point], crs=project.crs), geoms)[0])
    if k < 0:
        return None, hamlets
    near = hamlets[hamlets.intersects(geoms[k])]   # only these can have their largest share in k
    return scopes[k], near[largest_unit(near, geoms)[0] == k]


def check_site(project: Project, proposal: ProposedSite, point: shapely.Point,
               base: CoverageResult | None = None, params: CoverageParams | None = None,
               sharing_params: SharingParams | None = None, n_nearest: int = 3,
               typed_xy: tuple[float, float, Any] | None = None,
               unit: UnitScope | None = None) -> CheckResult:
    """The land officer's check of a proposed tower at ``point`` (metric CRS).

    Where it is (inside the commune or not, hamlet, lon/lat); the nearest towers and whether
    to share one instead (the same cells on each existing tower within the sharing distance
    compared with the proposed point by the coverage they bring); the coverage gain computed
    with the real engine (only the new cells computed, on top of ``base`` when given); every
    rule with its basis: the distance to each constraint feature and to the nearest dwelling
    (a regulation when the constraints layer says so with its source, else a local setting)
    and the RF exposure of dwellings and public buildings (QCVN 8:2022/BTTTT); and a verdict
    (:data:`VERDICTS`: ``ok``, ``share-instead``, ``review`` for a local setting not met,
    ``conflict`` for a regulation broken, ``outside-unit`` when the point is not on the
    unit's territory) with its reasons as codes. ``typed_xy`` (x, y and CRS as the user
    gave them) lets an ``outside-unit`` check name the CRS preset in which the point would
    be inside (reason ``other_crs``). ``unit`` is the territory the check is made for (default
    the 2025 unit when the scenario names one, the authority deciding now:
    :func:`~coverage_gis.engines.territory.current_unit`; else the commune layer, else the
    hamlets; in a province study, the unit the point lies in, whose own
    hamlets M4 before and after are counted over: :func:`_province_unit_at`). The outputs
    put it in words
    (:mod:`coverage_gis.outputs.check`).
    """
    hamlets = project.hamlets
    if hamlets is None:
        raise InputError("check-site needs a hamlets layer or the unit's boundary in the "
                         "scenario")
    params = (params.checked() if params is not None
              else CoverageParams.from_scenario(project.scenario.parameters))
    sharing_params = (sharing_params.checked() if sharing_params is not None
                      else SharingParams.from_scenario(project.scenario.parameters))
    new_cells = proposal.cells(point.x, point.y, project.crs)
    op = new_cells["operator"].iloc[0]
    own = hamlets
    if unit is None and project.scenario.province is not None:
        unit, own = _province_unit_at(project, hamlets, point)
    elif unit is None:  # the 2025 unit when the scenario names one, as the CLI and the web
        unit = current_unit(project)  # app do (a review: a notebook's was the old commune)
    area = (unit.geometry if unit is not None
            else unit_area(project.commune, project.hamlets_union())[0])
    location = replace(_location(project, hamlets, point, area),
                       unit_code=unit.code if unit else None,
                       unit_name=unit.name if unit else None)
    strip = _boundary_strip(project, unit, point, location)
    if strip:
        location = replace(location, inside_plan_unit=True)
    nearest, close, limit, all_towers = _nearest_towers(project, point, sharing_params,
                                                        n_nearest)
    if base is None:
        base = compute_coverage(_sites(project), hamlets, project.dem, params,
                                landcover=project.landcover)
    # each household's hamlet, joined once for the proposal and every tower weighed
    hamlet_of = (household_hamlets(project.households, own)
                 if project.households is not None else None)
    gain = _coverage_gain(project, own, base, add_cells(base, new_cells), op, params,
                          hamlet_of)
    sharing = _sharing_advice(project, own, base, proposal, close, limit, op, gain, params,
                              hamlet_of=hamlet_of)
    checks, breaches = _constraint_checks(project, point)
    rf = _exposure_check(project, new_cells, point)
    breaches += [Reason("exposure_exceeded", {**b, "regulation": rf.regulation})
                 for b in rf.breaches]
    breaches += [Reason("exposure_assumed_height", {**b, "regulation": rf.regulation})
                 for b in rf.assumed_breaches]
    if rf.bands_outside:
        lo, hi = rf.band_range_mhz
        breaches.append(Reason("exposure_band_outside", {
            "cells": [b["site_id"] for b in rf.bands_outside],
            "bands_mhz": [b["band_mhz"] for b in rf.bands_outside],
            "low_mhz": lo, "high_mhz": hi, "regulation": rf.regulation}))
    mast_m = float(new_cells["height_m"].max())
    aviation = AviationCheck(mast_m, settings.AVIATION_WARNING_HEIGHT_M,
                             mast_m < settings.AVIATION_WARNING_HEIGHT_M, "regulation",
                             settings.AVIATION_REGULATION)
    if mast_m >= settings.AVIATION_WARNING_HEIGHT_M:  # found by a review: 80 m was "OK"
        breaches.append(Reason("aviation_obstacle", {
            "height_m": mast_m, "limit_m": settings.AVIATION_WARNING_HEIGHT_M,
            "regulation": settings.AVIATION_REGULATION}))
    breaches += [*strip, *_unchecked(project, location)]
    breaches += _corridors(project, point)
    verdict, reasons = _verdict(project, area, location, sharing, breaches, typed_xy)
    proposed = _proposal_values(new_cells, params)
    if proposed.model_validity != "ok":  # found by a review: a 28 GHz gain read as fact
        reasons.append(Reason("gain_model_outside_validity", {
            "model": proposed.model, "validity": proposed.model_validity,
            "band_mhz": proposed.band_mhz}))
    if gain.households_newly_covered == 0:
        reasons.append(Reason("no_gain"))
    elif gain.hamlets_newly_covered:
        reasons.append(Reason("brings_hamlets", {"hamlets": list(gain.hamlets_newly_covered)}))
    return CheckResult(proposed, location, nearest, sharing, gain, checks,
                       verdict, reasons, point_coordinates(project, point), rf, aviation,
                       all_towers)


# --------------------------------------------------------------------------------------------
# Site suggestions
# --------------------------------------------------------------------------------------------

def greedy_cover(sets: list[set], universe: set, k: int,
                 weight: Any = None) -> list[tuple[int, int]]:
    """Greedy maximum coverage: at each step the candidate adding the most uncovered elements
    (ties: the earlier candidate). Returns [(candidate index, gain)], stopping at ``k`` picks
    or when nothing more is gained. Guaranteed within (1 − 1/e) of the best (Nemhauser et al.
    1978)."""
    covered: set = set()
    picks: list[tuple[int, int]] = []
    for _ in range(k):
        best, best_gain = -1, 0
        for i, s in enumerate(sets):
            if any(i == p for p, _ in picks):
                continue
            g = len((s & universe) - covered)
            if g > best_gain:
                best, best_gain = i, g
        if best < 0:
            break
        picks.append((best, best_gain))
        covered |= sets[best] & universe
    return picks


def best_cover(sets: list[set], universe: set, k: int) -> tuple[tuple[int, ...], int]:
    """The best choice of ``k`` candidates by exhaustive search (small cases only)."""
    best: tuple[int, ...] = ()
    best_value = -1
    for combo in itertools.combinations(range(len(sets)), min(k, len(sets))):
        value = len(set().union(*(sets[i] for i in combo)) & universe)
        if value > best_value:
            best, best_value = combo, value
    return best, best_value


def _road_corridors_m(roads: gpd.GeoDataFrame, sp: SuggestionParams,
                      classes: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each road's class and the width (m) of the strip along it suggest-sites keeps out
    (``[suggestions] road_corridor_m`` by ``road_class``, else its ``other``); with
    ``classes``, -1 (no strip) for a road of another class."""
    cls = (roads["road_class"].astype(str).to_numpy() if "road_class" in roads
           else np.full(len(roads), "other", dtype=object))
    width = np.array([sp.road_corridor_m.get(c, sp.road_corridor_m["other"]) for c in cls],
                     dtype=float)
    if classes is not None:
        width = np.where(np.isin(cls, list(classes)), width, -1.0)
    return cls, width


def _excluded_parts(project: Project, sp: SuggestionParams) -> list[shapely.Geometry]:
    """The pieces of :func:`_excluded_land`, not merged (a spatial index finds the ones a
    point touches; merging a province's road corridors is the slow part)."""
    parts: list[shapely.Geometry] = []
    lu = project.landuse
    if lu is not None:
        parts += list(lu[lu["class"].isin(sp.excluded_land)].geometry)
    if project.roads is not None and len(project.roads):
        parts += list(project.roads.geometry.buffer(_road_corridors_m(project.roads, sp)[1]))
    if project.railway is not None and len(project.railway) and sp.railway_corridor_m > 0:
        parts += list(project.railway.geometry.buffer(sp.railway_corridor_m))
    return [g for g in parts if g is not None and not g.is_empty]


def _excluded_land(project: Project, sp: SuggestionParams) -> shapely.Geometry | None:
    """Where no tower is proposed (project CRS): land-use polygons of an excluded class and
    the corridors along roads (by class) and the railway (:class:`SuggestionParams`)."""
    parts = _excluded_parts(project, sp)
    return shapely.union_all(parts) if parts else None


#: ``Geometry.buffer`` draws a point's buffer as a regular polygon of this many sides (16
#: segments a quarter) with its corners on the circle: every point nearer than
#: ``r cos(pi / n)`` is inside it.
_BUFFER_SIDES = 64


def _within_buffer(pts: np.ndarray, parts: np.ndarray, distance_m: float) -> np.ndarray:
    """Whether each point lies within the buffer of ``distance_m`` around the union of
    ``parts`` (geometries), without building that union when they are points (gap
    households): the nearest of them decides, and only the points in the thin ring where the
    buffer's polygon departs from the circle are tested against the buffers around them."""
    keep = np.zeros(len(pts), dtype=bool)
    if not len(pts) or not len(parts):
        return keep
    if not (shapely.get_type_id(parts) == 0).all():  # not only points: the buffer itself
        zone = shapely.union_all(parts).buffer(distance_m)
        shapely.prepare(zone)
        return np.asarray(shapely.within(pts, zone), dtype=bool)
    tree = shapely.STRtree(parts)
    pairs, d = tree.query_nearest(pts, max_distance=distance_m, return_distance=True,
                                  all_matches=False)
    i = pairs[0]
    inner = distance_m * math.cos(math.pi / _BUFFER_SIDES) * (1 - 1e-9)
    keep[i[d < inner]] = True
    ring = np.unique(i[d >= inner])
    if ring.size:
        p, g = tree.query(pts[ring], predicate="dwithin", distance=distance_m)
        inside = shapely.within(pts[ring][p], shapely.buffer(parts[g], distance_m,
                                                             quad_segs=_BUFFER_SIDES // 4))
        keep[ring[np.unique(p[inside])]] = True
    return keep


def _lattice_near(parts: np.ndarray, spacing_m: float, distance_m: float) -> np.ndarray:
    """The points of the grid every ``spacing_m`` (multiples of it) within ``distance_m`` of
    the geometries ``parts`` (gap households), south to north then west to east: only the
    blocks of ``distance_m`` next to a block holding one of them are looked at (linear in
    the gaps' extent, not in their bounding box's)."""
    parts = np.asarray(parts, dtype=object)
    parts = parts[~shapely.is_empty(parts)] if len(parts) else parts
    if not len(parts):
        return np.zeros(0, dtype=object)
    minx, miny, maxx, maxy = shapely.total_bounds(parts)
    minx, miny, maxx, maxy = (minx - distance_m, miny - distance_m, maxx + distance_m,
                              maxy + distance_m)
    xs = np.arange(math.floor(minx / spacing_m), math.ceil(maxx / spacing_m) + 1) * spacing_m
    ys = np.arange(math.floor(miny / spacing_m), math.ceil(maxy / spacing_m) + 1) * spacing_m
    # blocks of side distance_m holding part of near, grown by one block each way
    block = max(distance_m, spacing_m)
    b = shapely.bounds(parts)
    nx = int(math.floor((maxx - minx) / block)) + 1
    ny = int(math.floor((maxy - miny) / block)) + 1
    held = np.zeros((ny + 2, nx + 2), dtype=bool)
    c0 = np.floor((b[:, 0] - minx) / block).astype(int)
    c1 = np.floor((b[:, 2] - minx) / block).astype(int)
    r0 = np.floor((b[:, 1] - miny) / block).astype(int)
    r1 = np.floor((b[:, 3] - miny) / block).astype(int)
    for k in np.flatnonzero((c0 != c1) | (r0 != r1)):  # lines, polygons: every block of the box
        held[r0[k] + 1:r1[k] + 2, c0[k] + 1:c1[k] + 2] = True
    held[r0 + 1, c0 + 1] = True
    grown = held.copy()
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            grown[1:-1, 1:-1] |= held[1 + dr:ny + 1 + dr, 1 + dc:nx + 1 + dc]
    mx, my = np.meshgrid(xs, ys)
    lx, ly = mx.ravel(), my.ravel()
    bc = np.clip(np.floor((lx - minx) / block).astype(int), -1, nx) + 1
    br = np.clip(np.floor((ly - miny) / block).astype(int), -1, ny) + 1
    sel = grown[br, bc]
    pts = shapely.points(lx[sel], ly[sel])
    return pts[_within_buffer(pts, parts, distance_m)]


def _allowed_points(project: Project, sp: SuggestionParams, pts: np.ndarray) -> np.ndarray:
    """Whether each point is on allowed land: off excluded land and road/railway corridors
    (:func:`_excluded_parts`), at least each constraint's ``min_distance_m`` from it, and
    farther than the dwelling distance from every household (:func:`dwelling_distance_m`;
    the constraints' as :func:`constraint_distances_m`)."""
    keep = np.ones(len(pts), dtype=bool)
    if not len(pts):
        return keep
    distances = CheckParams.from_scenario(project.scenario.parameters)
    parts = _excluded_parts(project, sp)
    if parts:
        hit = shapely.STRtree(np.asarray(parts, dtype=object)).query(pts,
                                                                     predicate="intersects")
        keep[np.unique(hit[0])] = False
    if project.constraints is not None and len(project.constraints):
        cons = project.constraints.geometry.to_numpy()
        dmin = constraint_distances_m(project, distances)[0]
        if not np.isfinite(dmin).all():  # as "distance >= NaN": no point passes
            keep[:] = False
        tree = shapely.STRtree(pts)
        c, p = tree.query(cons, predicate="dwithin", distance=np.nan_to_num(dmin))
        close = shapely.distance(pts[p], cons[c]) < dmin[c]
        keep[np.unique(p[close])] = False
    if project.households is not None and len(project.households):
        tree = shapely.STRtree(project.households.geometry.values)
        close = tree.query(pts, predicate="dwithin",
                           distance=dwelling_distance_m(project, distances)[0])
        keep[np.unique(close[0])] = False
    return keep


def _candidate_points(project: Project, sp: SuggestionParams, near: shapely.Geometry,
                      unit: shapely.Geometry | None) -> gpd.GeoDataFrame:
    """A grid of points every ``sp.spacing_m`` on allowed land near the gaps: on the unit's
    territory (:func:`~coverage_gis.engines.territory.inside_unit`), within 3 km of the
    uncovered households ``near``, off excluded land and road/railway corridors
    (:func:`_excluded_land`), and away from every constraint and dwelling
    (:func:`_allowed_points`). Linear in the gaps: the grid is drawn only near them, and
    each test goes through a spatial index."""
    pts = _lattice_near(shapely.get_parts(near) if near is not None else np.zeros(0),
                        sp.spacing_m, settings.SUGGESTION_CANDIDATE_REACH_M)
    pts = pts[inside_unit(gpd.GeoSeries(pts, crs=project.crs), unit)]
    pts = pts[_allowed_points(project, sp, pts)]
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(pts, crs=project.crs), crs=project.crs)


def aim_azimuths(point: shapely.Point, targets: gpd.GeoSeries,
                 radius_m: float = settings.SUGGESTION_AIM_RADIUS_M) -> list[float]:
    """Three sector azimuths (degrees from grid north) aimed at a gap: the first at the
    centroid of ``targets`` within ``radius_m`` of ``point``, the others turned by
    ``settings.SUGGESTED_SITE_SECTORS_DEG`` (+120°, +240°); those offsets themselves (0, 120,
    240) when none is that close or the centroid is at the point."""
    return _aim(point.x, point.y, targets.x.to_numpy(), targets.y.to_numpy(), radius_m)


def _aim(x0: float, y0: float, tx: np.ndarray, ty: np.ndarray, radius_m: float
         ) -> list[float]:
    """:func:`aim_azimuths` from the point's and the targets' coordinates (m)."""
    dx, dy = tx - x0, ty - y0
    near = np.sqrt(dx * dx + dy * dy) <= radius_m  # GEOS' point distance, as computed there
    if not near.any():
        return list(settings.SUGGESTED_SITE_SECTORS_DEG)
    cx, cy = float(tx[near].mean()), float(ty[near].mean())
    if math.hypot(cx - x0, cy - y0) < 1.0:
        return list(settings.SUGGESTED_SITE_SECTORS_DEG)
    first = float(antenna.bearing_deg(x0, y0, cx, cy))
    return [round((first + k) % 360.0, 1) for k in settings.SUGGESTED_SITE_SECTORS_DEG]


@dataclass(frozen=True)
class Suggestions:
    """Sites chosen by :func:`suggest_sites`.

    Attributes
    ----------
    table
        One row per pick, in the order chosen: ``rank``, ``kind``, ``tower_id``,
        ``operators_on_tower``, ``operator``, ``lon``, ``lat``, ``inside_commune``,
        ``hamlets_newly_covered``, ``households_gained_in_short_hamlets``,
        ``households_gained``, ``m4_after``, ``azimuths_deg`` (the three sectors, as
        text), geometry (project CRS); from :func:`suggest_sites_by_unit`, ``unit_code``
        first and the units one after the other.
    candidates
        How many candidates were weighed (existing towers and grid points, all on the unit's
        territory).
    m4_before
        M4 before any pick.
    note
        Why the picks stop short, as a code (one of :data:`SUGGESTION_NOTES`), or None:
        ``target_met`` (every hamlet already meets the target: nothing to propose),
        ``no_gain_inside_unit`` (hamlets stay short and no candidate on the unit's
        territory brings anything more; points outside are never proposed),
        ``no_hamlets`` (a unit of a province none of whose hamlets the data maps).
    """

    table: gpd.GeoDataFrame
    candidates: int
    m4_before: float
    note: str | None = None


#: Why :func:`suggest_sites` proposes nothing (more): see :attr:`Suggestions.note`.
SUGGESTION_NOTES = ("target_met", "no_gain_inside_unit", "no_hamlets")


#: Columns of :attr:`Suggestions.table`.
SUGGESTION_COLUMNS = ["rank", "kind", "tower_id", "operators_on_tower", "operator", "lon",
                      "lat", "inside_commune", "hamlets_newly_covered",
                      "households_gained_in_short_hamlets", "households_gained", "m4_after",
                      "azimuths_deg", "geometry"]


@dataclass
class _HamletCounts:
    """The hamlets of a study as integer codes, for counting what a pick brings.

    ``code`` per household (index into the unique hamlet ids, -1 outside every hamlet);
    ``size`` households per hamlet; ``weight`` how many times each id is listed among the
    hamlets (1, unless listed twice); ``rows`` hamlets listed (the M4 denominator)."""

    code: np.ndarray
    size: np.ndarray
    weight: np.ndarray
    rows: int
    share: float
    ids: np.ndarray | None = None  # the hamlet id of each code

    @classmethod
    def of(cls, hamlet_of: np.ndarray, hids: pd.Series, share: float) -> _HamletCounts:
        ids = pd.Index(hids.to_numpy(dtype=object))
        uniq = ids.unique()
        code = uniq.get_indexer(pd.Index(np.asarray(hamlet_of, dtype=object)))
        weight = pd.Series(ids).value_counts().reindex(uniq).to_numpy(dtype=np.int64)
        size = np.bincount(code[code >= 0], minlength=len(uniq)).astype(np.int64)
        return cls(code.astype(np.int64), size, weight, len(ids), share,
                   np.asarray(uniq, dtype=object))

    def only(self, members: Iterable[str]) -> tuple[_HamletCounts, np.ndarray]:
        """These counts over the hamlets ``members`` (ids) only, the others weighing
        nothing (M4 over the members), and which households belong to them."""
        assert self.ids is not None
        inside = np.isin(np.asarray(self.ids, dtype=str), [str(m) for m in members])
        weight = self.weight * inside
        mine = (self.code >= 0) & inside[np.clip(self.code, 0, None)]
        return replace(self, weight=weight, rows=int(weight.sum())), mine

    def meets(self, covered: np.ndarray, which: np.ndarray | None = None) -> np.ndarray:
        """Whether each hamlet (or those of ``which``) has ``share`` of its households among
        ``covered`` (counts per hamlet), as :func:`~coverage_gis.engines.hamlets.meets_share`
        on :func:`~coverage_gis.engines.hamlets.hamlet_shares`."""
        size = self.size if which is None else self.size[which]
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(size > 0, covered / np.where(size > 0, size, 1), 0.0)
        return reaches(shares, self.share)


@dataclass
class _Prepared:
    """What every unit's suggestions share: the coverage before, the uncovered households and
    their spatial index, the candidates of the whole study (not yet cut to a unit), the
    suggested site's cells, and each candidate's coverage once computed."""

    crs: CRS                     # the project's
    op: str | None
    sp: SuggestionParams
    params: CoverageParams
    grid: Any                    # the coverage grid (coverage.Grid)
    dem_grid: Any                # the ground on it (a Raster) or None
    hamlets: _HamletCounts
    covered: np.ndarray          # per household, covered before
    xy: np.ndarray               # households' coordinates (m), shape (n, 2)
    uncovered: np.ndarray        # indices of the households not covered before
    tree: shapely.STRtree        # over the uncovered households
    gap_xy: np.ndarray           # uncovered households of short hamlets (m), shape (n, 2)
    gap_tree: cKDTree | None     # over them
    towers: gpd.GeoDataFrame     # existing towers a site may share (every unit)
    points: np.ndarray           # grid points on allowed land near the gaps (every unit)
    # the suggested site's sectors: technology, operator and shadow-fading sigma (what
    # coverage.covered_at takes from its cells when given their rows) ...
    template: dict[str, np.ndarray]
    template_rows: list[dict[str, Any]]  # ... and whole, with their ranges, row by row
    terrain_m: np.ndarray        # their (range, reach) for the terrain, per sector
    radius_m: float              # households farther than this from a site are never covered
    start: _GreedyState          # the greedy's state before any pick
    tower_tree: shapely.STRtree
    point_tree: shapely.STRtree
    clutter: Any                 # the land cover on the grid (coverage.clutter_grids) or None
    covers: dict[tuple[str, int], tuple[list[float], np.ndarray]] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, Any]:
        """What is pickled (sent to a worker): every field but :attr:`covers`, a cache each
        process fills for itself. dask may pickle a worker's copy while one of its tasks
        fills that cache (to send it to another worker, or to spill it), and pickling a dict
        as it grows fails: "dictionary changed size during iteration", seen once on the
        province when the suggestions ran beside the fibre task.

        The candidate points go as coordinates and the three spatial indexes not at all:
        they are built again on arrival (:meth:`__setstate__`), the same trees over the same
        points. Pickled, each geometry is converted to WKB and back: 2.2 s in this process
        and 1.1 s in each worker for the province's, most of the 3-4 s the broadcast took
        while both workers waited."""
        state = {**self.__dict__, "covers": {}}
        state["points"] = shapely.get_coordinates(self.points)
        for name in ("tree", "point_tree", "tower_tree"):
            state[name] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        points = shapely.points(state["points"])
        self.__dict__.update(
            state, points=points, point_tree=shapely.STRtree(points),
            # the uncovered households are points (``xy`` holds one pair per household)
            tree=shapely.STRtree(shapely.points(state["xy"][state["uncovered"]])),
            tower_tree=shapely.STRtree(state["towers"].geometry.values))


def _suggested_cells(op: str | None, azimuths: list[float], crs: CRS) -> gpd.GeoDataFrame:
    """The suggested site's three 4G sectors (``settings.SUGGESTED_SITE``) at the origin."""
    site = settings.SUGGESTED_SITE
    return ProposedSite(operator=op or "Viettel", technology="4G", band_mhz=site["band_mhz"],
                        bandwidth_mhz=site["bandwidth_mhz"], height_m=site["height_m"],
                        eirp_dbm=site["eirp_dbm"], tilt_deg=site["tilt_deg"],
                        beamwidth_deg=site["beamwidth_deg"], azimuths_deg=azimuths,
                        site_id="CAND").cells(0.0, 0.0, crs)


def _cover_radius_m(template: pd.DataFrame, grid: Any, params: CoverageParams,
                    flat: bool, per_pixel_environment: bool = False) -> float:
    """How far (m) from a suggested site a household can be covered, by the engine's own
    bounds: its path loss is non-decreasing with distance, sector gains are at most 0 dB,
    the indoor loss at least the horizontal one and the terrain loss at least 0, so a grid
    cell is covered no farther than the flat-ground boresight distance at threshold plus
    shadow margin (``coverage_range_m``) with the highest mast height the model may take (the
    Hata family's effective height, at most ``settings.EFFECTIVE_HEIGHT_MAX_M``, with a
    DEM), and never beyond the reach (nothing is computed there). Models whose formula
    follows the terrain's line of sight (``pathloss.TERRAIN_LOS_MODELS``) get the reach, and
    so does a land cover with an environment per pixel (a less lossy environment than the
    scenario's may cover farther than its range).
    Plus the half diagonal of a grid cell (a household is sampled at its cell's centre) and
    a cell more for the range's bisection."""
    half_cell = grid.resolution_m * math.sqrt(2) / 2
    reach = float(template["reach_m"].max())
    models = set(template["model"].astype(str))
    if models & set(pathloss.TERRAIN_LOS_MODELS) or per_pixel_environment:
        return reach + half_cell
    tall = template
    if not flat and params.effective_height and any(pathloss.takes_effective_height(m)
                                                    for m in models):
        tall = template.copy()
        tall["height_m"] = np.maximum(tall["height_m"].to_numpy(float),
                                      settings.EFFECTIVE_HEIGHT_MAX_M)
        tall = cell_ranges(tall, params)
    r = min(float(tall["coverage_range_m"].max()) * 1.001 + grid.resolution_m, reach)
    return r + half_cell


def _prepare(project: Project, operator: str | None, spacing_m: float | None,
             params: CoverageParams | None, base: CoverageResult | None,
             suggestion_params: SuggestionParams | None) -> _Prepared:
    """The preparation of :func:`suggest_sites` shared by every unit."""
    if project.households is None:
        raise InputError("suggest-sites needs a households layer (it counts households)")
    if project.hamlets is None:
        raise InputError("suggest-sites needs a hamlets layer (it counts hamlets)")
    params = (params.checked() if params is not None
              else CoverageParams.from_scenario(project.scenario.parameters))
    op = known_operator(operator) if operator is not None else None
    hh = project.households
    hids = project.hamlets["hamlet_id"]
    hamlet_of = household_hamlets(hh, project.hamlets)
    if base is None:
        base = compute_coverage(_sites(project), project.hamlets, project.dem, params,
                                landcover=project.landcover)
    covered = _households_covered(base, hh)
    counts = _HamletCounts.of(hamlet_of, hids, params.hamlet_share)
    short = ~counts.meets(np.bincount(counts.code[covered & (counts.code >= 0)],
                                      minlength=len(counts.size)))
    in_short = (counts.code >= 0) & short[np.clip(counts.code, 0, None)]
    gaps = hh.geometry[~covered & in_short]
    sp = suggestion_params or SuggestionParams.from_scenario(project.scenario.parameters)
    if spacing_m is not None:
        sp = replace(sp, spacing_m=spacing_m)
    # grouped as the analysis and the check group them (a review: the default 25 m here)
    tw = towers(_sites(project),
                SharingParams.from_scenario(project.scenario.parameters).tower_distance_m)
    tw = tw[tw["status"] == "existing"]
    if op is not None:
        tw = tw[~tw["existing_operators"].str.split(", ").map(lambda ops: op in ops)]
    points = np.zeros(0, dtype=object)
    if len(gaps):
        points = _lattice_near(gaps.values, sp.spacing_m, settings.SUGGESTION_CANDIDATE_REACH_M)
        points = points[_allowed_points(project, sp, points)]
    # the candidates' radio cells, as add_cells would have them on this result (its land
    # cover included)
    clutter = clutter_grids(base.landcover, base.grid, params)
    sectors = _suggested_cells(op, list(settings.SUGGESTED_SITE_SECTORS_DEG), project.crs)
    template = ranges_with_clutter(sectors.to_crs(base.grid.crs).reset_index(drop=True),
                                   params, clutter)
    if (template["reach_m"] <= 0).any():
        raise InputError("suggest-sites: the suggested site (settings.SUGGESTED_SITE) reaches no "
                         "grid cell with these [coverage] thresholds and level floor")
    terrain_m = mast_windows(template, base.grid)[1]
    radius_m = _cover_radius_m(template, base.grid, params, base.dem_grid is None,
                               clutter is not None and clutter.environment is not None)
    uncovered = np.flatnonzero(~covered)
    gap_xy = shapely.get_coordinates(gaps.values).reshape(-1, 2)
    return _Prepared(project.crs, op, sp, params, base.grid, base.dem_grid, counts, covered,
                     shapely.get_coordinates(hh.geometry.values), uncovered,
                     shapely.STRtree(hh.geometry.values[uncovered]),
                     gap_xy, cKDTree(gap_xy) if len(gap_xy) else None,
                     tw.reset_index(drop=True), points,
                     {c: template[c].to_numpy(object) for c in
                      ("technology", "operator", "shadow_sigma_db")},
                     template.to_dict("records"), terrain_m, radius_m,
                     _GreedyState.start(covered, counts),
                     shapely.STRtree(tw.geometry.values), shapely.STRtree(points), clutter)


def _cover(prep: _Prepared, key: tuple[str, int], point: shapely.Point, near: np.ndarray
           ) -> tuple[list[float], np.ndarray]:
    """The azimuths of the suggested site at ``point`` and the households not covered before
    that it covers alone (sorted indices), computed once per candidate: the coverage engine's
    values (:func:`~coverage_gis.engines.coverage.add_cells` on an empty result with the same
    ground and land cover gives the same), but only at the grid cells holding the uncovered
    households ``near`` it (those within :attr:`_Prepared.radius_m`, from
    :func:`_within_reach`), through :func:`~coverage_gis.engines.coverage.covered_at`."""
    if key in prep.covers:
        return prep.covers[key]
    if prep.sp.aim_sectors:
        gaps = _near_gaps(prep, point)
        azimuths = _aim(point.x, point.y, prep.gap_xy[gaps, 0], prep.gap_xy[gaps, 1],
                        settings.SUGGESTION_AIM_RADIUS_M)
    else:
        azimuths = list(settings.SUGGESTED_SITE_SECTORS_DEG)
    grid = prep.grid
    rows, cols, on_grid = grid.index(prep.xy[near, 0], prep.xy[near, 1])
    site = (point if grid.crs == prep.crs else
            gpd.GeoSeries([point], crs=prep.crs).to_crs(grid.crs).iloc[0])
    # the template's sectors at this site with these azimuths, as plain rows
    cells = [{**row, "azimuth_deg": float(a) % 360.0, "geometry": site}
             for row, a in zip(prep.template_rows, azimuths)]
    terrain_m, corner = _site_terrain(grid, site, prep.terrain_m)
    found = np.zeros(0, dtype=np.int64)
    if on_grid.any():
        # only the grid cells holding those households: their rays of the site's sweep and
        # their levels, not the site's window
        flat = rows[on_grid] * grid.width + cols[on_grid]
        pixels, which = np.unique(flat, return_inverse=True)
        mask = covered_at(prep.template, grid, pixels // grid.width, pixels % grid.width,
                          prep.dem_grid, prep.params, terrain_m=terrain_m,
                          corner_m=corner, clutter=prep.clutter,
                          cell_rows=cells)["mobile_broadband"]
        hit = np.zeros(len(near), dtype=bool)
        hit[on_grid] = mask[which]
        found = np.sort(near[hit])
    prep.covers[key] = (azimuths, found)
    return azimuths, found


def _site_terrain(grid: Any, site: shapely.Point, terrain_m: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`~coverage_gis.engines.coverage.mast_windows` gives the sectors of one
    mast at ``site`` whose (range, reach) for the terrain is ``terrain_m`` (the same for
    every sector: same position, height and band) for the terrain: (range, reach) and the
    distance (m) to the farthest corner of its window, without its per-call table work."""
    corner = np.zeros(len(terrain_m))
    x, y = site.x, site.y
    rows, cols = grid.window(x, y, float(terrain_m[0, 1]))
    if rows.stop > rows.start and cols.stop > cols.start:
        gx, gy = grid.x, grid.y
        dx = max(abs(gx[cols.start] - x), abs(gx[cols.stop - 1] - x))
        dy = max(abs(gy[rows.start] - y), abs(gy[rows.stop - 1] - y))
        corner[:] = float(np.hypot(dx, dy))
    return terrain_m, corner


def _near_gaps(prep: _Prepared, point: shapely.Point) -> np.ndarray:
    """The gap households within ``settings.SUGGESTION_AIM_RADIUS_M`` of ``point`` (and a
    metre more: :func:`aim_azimuths` keeps the exact ones), as positions in ``prep.gap_xy``,
    in their order."""
    if prep.gap_tree is None:
        return np.zeros(0, dtype=np.intp)
    return np.sort(np.asarray(prep.gap_tree.query_ball_point(
        (point.x, point.y), settings.SUGGESTION_AIM_RADIUS_M + 1.0), dtype=np.intp))


@dataclass
class _GreedyState:
    """The households covered so far and, per hamlet, how many of them."""

    now: np.ndarray
    per_hamlet: np.ndarray
    meets: np.ndarray

    @classmethod
    def start(cls, covered: np.ndarray, hamlets: _HamletCounts) -> _GreedyState:
        code = hamlets.code[covered]
        per = np.bincount(code[code >= 0], minlength=len(hamlets.size)).astype(np.int64)
        return cls(covered.copy(), per, hamlets.meets(per))

    def copy(self) -> _GreedyState:
        return _GreedyState(self.now.copy(), self.per_hamlet.copy(), self.meets.copy())

    def key(self, s: np.ndarray, hamlets: _HamletCounts
            ) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
        """The greedy's key of a candidate covering ``s`` (household indices): hamlets brought
        to the share, households gained in short hamlets, households gained; and a bound on
        its key now and at every later step (hamlets still short that it adds a household
        to, in place of the first). None when it adds nothing (nor ever will)."""
        new = s[~self.now[s]]
        if not new.size:
            return None
        code = hamlets.code[new]
        h, n = np.unique(code[code >= 0], return_counts=True)
        short = ~self.meets[h]
        after = hamlets.meets(self.per_hamlet[h] + n, h)
        in_short = int(n[short].sum())
        w = hamlets.weight[h]
        return ((int(w[short & after].sum()), in_short, int(new.size)),
                (int(w[short].sum()), in_short, int(new.size)))

    def add(self, s: np.ndarray, hamlets: _HamletCounts) -> None:
        new = s[~self.now[s]]
        self.now[new] = True
        code = hamlets.code[new]
        np.add.at(self.per_hamlet, code[code >= 0], 1)
        self.meets = hamlets.meets(self.per_hamlet)

    def m4(self, hamlets: _HamletCounts) -> float:
        return float((hamlets.weight * self.meets).sum() / hamlets.rows) if hamlets.rows \
            else float("nan")


def _celf_picks(cover: Any, bound: Any, n: int, start: _GreedyState, hamlets: _HamletCounts,
                max_sites: int) -> list[dict[str, Any]]:
    """The greedy choice of :func:`suggest_sites` (most hamlets brought to the share, then
    most households gained in short hamlets, then most households; the earlier candidate on
    a tie), made lazily (CELF, Leskovec et al. 2007): candidates wait in a heap under a bound
    of their key (``bound(k)``: from the households within reach before ``cover(k)``, the
    households candidate ``k`` covers, is computed; then from what it adds), and each step
    computes keys from the top of the heap only until the best key found beats every bound
    left. The first part of the key (a hamlet reaching its share) is not submodular, so the
    bound counts every short hamlet a candidate adds to; the picks are those of the plain
    greedy."""
    state = start.copy()
    heap = [(-a, -b, -c, k) for k in range(n) for a, b, c in [bound(k)] if c > 0]
    heapq.heapify(heap)
    picks: list[dict[str, Any]] = []
    while len(picks) < max_sites and not (hamlets.weight * state.meets).sum() == hamlets.rows:
        best: tuple[tuple[int, int, int], int] | None = None
        seen: list[tuple[int, int, int, int]] = []
        while heap:
            a, b, c, k = heap[0]
            if best is not None and (best[0], -best[1]) >= ((-a, -b, -c), -k):
                break
            heapq.heappop(heap)
            got = state.key(cover(k), hamlets)
            if got is None:
                continue  # adds nothing now, nor later: out of the heap
            key, later = got
            seen.append((-later[0], -later[1], -later[2], k))
            if best is None or (key, -k) > (best[0], -best[1]):
                best = (key, k)
        if best is None:
            break
        for entry in seen:
            if entry[3] != best[1]:
                heapq.heappush(heap, entry)
        state.add(cover(best[1]), hamlets)
        picks.append({"candidate": best[1], "hamlets_newly_covered": best[0][0],
                      "households_gained_in_short_hamlets": best[0][1],
                      "households_gained": best[0][2], "m4_after": round(state.m4(hamlets), 4)})
    return picks


def _unit_candidates(prep: _Prepared, area: shapely.Geometry | None
                     ) -> list[dict[str, Any]]:
    """The candidates on a unit's territory, in the greedy's order: existing towers, then grid
    points (each with its key into :attr:`_Prepared.covers`)."""
    tw = prep.towers.iloc[_in_unit(prep.tower_tree, prep.towers.geometry.values, area)]
    cands = [{"key": ("tower", int(i)), "kind": "share existing tower",
              "tower_id": r["tower_id"], "operators_on_tower": r["operators"],
              "geometry": r.geometry} for i, r in tw.iterrows()]
    pts = prep.points
    cands += [{"key": ("point", int(i)), "kind": "new site", "tower_id": None,
               "operators_on_tower": None, "geometry": pts[i]}
              for i in _in_unit(prep.point_tree, pts, area)]
    return cands


def _in_unit(tree: shapely.STRtree, geoms: Any, area: shapely.Geometry | None
             ) -> np.ndarray:
    """The indices, in order, of the points ``geoms`` (indexed by ``tree``) on the unit's
    territory (:func:`~coverage_gis.engines.territory.inside_unit`), testing only those
    near it."""
    if area is None:
        return np.arange(len(geoms))
    near = np.sort(tree.query(area, predicate="dwithin", distance=settings.TERRITORY_EDGE_M))
    return near[inside_unit(gpd.GeoSeries(np.asarray(geoms, dtype=object)[near]), area)]


def _within_reach(prep: _Prepared, cands: list[dict[str, Any]]) -> Any:
    """``near(k)``: the uncovered households within :attr:`_Prepared.radius_m` of candidate
    ``k`` (indices), from one query of the spatial index for all candidates."""
    geoms = np.asarray([c["geometry"] for c in cands], dtype=object)
    pairs = (prep.tree.query(geoms, predicate="dwithin", distance=prep.radius_m)
             if len(geoms) else np.zeros((2, 0), dtype=np.int64))
    order = np.argsort(pairs[0], kind="stable")
    cand_of, hh_of = pairs[0][order], prep.uncovered[pairs[1][order]]
    starts = np.searchsorted(cand_of, np.arange(len(cands) + 1))

    def near(k: int) -> np.ndarray:
        return hh_of[starts[k]:starts[k + 1]]
    return near


def _bound(prep: _Prepared, cands: list[dict[str, Any]], near: Any) -> Any:
    """``bound(k)``: a bound of candidate ``k``'s key at every step, before its coverage is
    computed: every uncovered household ``near(k)`` (:func:`_within_reach`) counted as
    covered (its coverage's own bound once it is)."""
    state = prep.start

    def bound(k: int) -> tuple[int, int, int]:
        key = cands[k]["key"]
        s = prep.covers[key][1] if key in prep.covers else near(k)
        got = state.key(s, prep.hamlets)
        return (0, 0, 0) if got is None else got[1]
    return bound


def _suggest_in(prep: _Prepared, area: shapely.Geometry | None, max_sites: int,
                members: Sequence[str] | None = None) -> Suggestions:
    """The suggestions on one unit's territory ``area`` (None: anywhere); with ``members``
    (hamlet ids: a unit of a province), for those hamlets' households only, and ``m4_after``
    over those hamlets (found by fuzzing: a unit without hamlets got sites justified by its
    neighbours' households, and its M4 after was the whole study's)."""
    counts, mine = (prep.hamlets, None) if members is None else prep.hamlets.only(members)
    cands = _unit_candidates(prep, area) if counts.rows else []
    near = _within_reach(prep, cands)

    def cover(k: int) -> np.ndarray:
        s = _cover(prep, cands[k]["key"], cands[k]["geometry"], near(k))[1]
        return s if mine is None else s[mine[s]]

    picks = _celf_picks(cover, _bound(prep, cands, near), len(cands), prep.start,
                        counts, max_sites)
    rows = []
    to_ll = Transformer.from_crs(prep.crs, WGS84, always_xy=True)
    for rank, p in enumerate(picks, start=1):
        c = cands[p["candidate"]]
        azimuths = prep.covers[c["key"]][0]
        lon, lat = to_ll.transform(c["geometry"].x, c["geometry"].y)
        rows.append({"rank": rank, "kind": c["kind"], "tower_id": c["tower_id"],
                     "operators_on_tower": c["operators_on_tower"],
                     "operator": prep.op or "any", "lon": round(lon, 6), "lat": round(lat, 6),
                     "inside_commune": bool(inside_unit(gpd.GeoSeries([c["geometry"]]),
                                                        area)[0]),
                     **{k: v for k, v in p.items() if k != "candidate"},
                     "azimuths_deg": ", ".join(f"{a:g}" for a in azimuths),
                     "geometry": c["geometry"]})
    table = gpd.GeoDataFrame(rows, columns=SUGGESTION_COLUMNS, geometry="geometry",
                             crs=prep.crs)
    m4_before = prep.start.m4(counts)
    m4_last = picks[-1]["m4_after"] if picks else m4_before
    note = ("no_hamlets" if not counts.rows else "target_met" if m4_before >= 1 else
            "no_gain_inside_unit" if m4_last < 1 and len(picks) < max_sites else None)
    table.attrs["note"] = note
    return Suggestions(table, len(cands), round(m4_before, 4), note)


def suggest_sites(project: Project, max_sites: int = 3, operator: str | None = None,
                  spacing_m: float | None = None,
                  params: CoverageParams | None = None,
                  base: CoverageResult | None = None,
                  suggestion_params: SuggestionParams | None = None,
                  unit: UnitScope | None = None) -> Suggestions:
    """Sites that close the mobile broadband gaps, chosen greedily.

    Candidates: existing towers first (other operators' towers when ``operator`` is given: a
    new installation there is sharing), then a grid of points every ``spacing_m`` on allowed
    land near the uncovered households; towers and points alike only on the unit's
    territory (``unit``; default the 2025 unit when the scenario names one, else the commune
    boundary, else the hamlets; ``inside_commune`` is true for every pick), even where a
    point outside would gain as much or more. Allowed land excludes the land-use classes
    and the road and railway corridors of :class:`SuggestionParams` (the scenario's
    ``[suggestions]``; ``spacing_m`` overrides its spacing). Each candidate carries a
    three-sector 4G site (``settings.SUGGESTED_SITE``) whose first sector aims at the
    uncovered households near it (:func:`aim_azimuths`; ``azimuths_deg``), unless
    ``aim_sectors`` is false. At each step the candidate that
    brings the most hamlets to the target is taken, ties broken by the most uncovered
    households in short hamlets and then by candidate order (towers before new sites),
    until M4 reaches 100 %, ``max_sites`` are chosen, or no candidate gains anything.
    Returns the picks with their gains, the number of candidates, M4 before and, when the
    picks stop short, a note code (:class:`Suggestions`; also in the table's
    ``attrs["note"]``).

    Near-linear in households and candidates: the uncovered households sit in a spatial
    index, a candidate's coverage is computed on the part of its window holding some of
    them and only when the lazy greedy (:func:`_celf_picks`) needs it.
    :func:`suggest_sites_by_unit` does the same for many units at once.
    """
    prep = _prepare(project, operator, spacing_m, params, base, suggestion_params)
    unit = unit if unit is not None else current_unit(project)  # as the CLI and analyze do
    area = unit.geometry if unit is not None else unit_area(project.commune,
                                                            project.hamlets_union())[0]
    return _suggest_in(prep, area, max_sites)


def _suggest_units(prep: _Prepared,
                   areas: list[tuple[int, shapely.Geometry, Sequence[str] | None]],
                   max_sites: int) -> list[tuple[int, Suggestions]]:
    """:func:`_suggest_in` for each (index, territory, hamlet ids) of ``areas`` (a task on a
    cluster)."""
    return [(i, _suggest_in(prep, area, max_sites, members)) for i, area, members in areas]


def prepare_suggestions(project: Project, *, params: CoverageParams | None = None,
                        base: CoverageResult | None = None, operator: str | None = None,
                        spacing_m: float | None = None,
                        suggestion_params: SuggestionParams | None = None) -> _Prepared:
    """What every unit's suggestions share (the coverage before, uncovered households, the
    candidates...), made ahead of :func:`suggest_sites_by_unit` (its ``prepared``), whose
    arguments of the same names these are."""
    return _prepare(project, operator, spacing_m, params, base, suggestion_params)


def suggest_sites_by_unit(project: Project, scopes: Sequence[UnitScope],
                          max_sites_per_unit: int = 3, *,
                          params: CoverageParams | None = None,
                          base: CoverageResult | None = None,
                          operator: str | None = None,
                          spacing_m: float | None = None,
                          suggestion_params: SuggestionParams | None = None,
                          runner: Runner | None = None,
                          prepared: _Prepared | None = None,
                          members: Sequence[Sequence[str]] | None = None) -> Suggestions:
    """:func:`suggest_sites` for each unit of ``scopes`` (a province's), sharing the
    preparation (coverage before, uncovered households and their index, the candidates, each
    candidate's coverage) and running the greedy once per unit on the candidates of its
    territory: the picks of a unit are those of ``suggest_sites(..., unit=scope)``, each
    unit's from the coverage before (the units' picks are not added up). On a cluster
    (``runner``), the preparation goes to each worker once and the units run there in
    batches (``settings.SUGGESTION_BATCHES_PER_WORKER`` per worker), with the same picks.

    Returns one :class:`Suggestions`: the units' tables one after the other with a
    ``unit_code`` column (``scope.code``), ``rank`` counted within each unit and ``m4_after``
    over the study's hamlets as in :func:`suggest_sites`; ``candidates`` summed over the
    units; ``note`` ``target_met`` when M4 is already 100 %, else
    ``no_gain_inside_unit`` when every unit stops short, else None; each unit's note in the
    table's ``attrs["unit_notes"]`` (unit code -> note or None).

    ``prepared``: the preparation made beforehand by :func:`prepare_suggestions` with the
    same arguments (``analyze`` makes it while fibre's tasks still run); by default it is
    made here. ``members``: per scope, the ids of the hamlets that belong to it; then each
    unit's picks serve its own hamlets' households only, ``m4_after`` is the unit's, and a
    unit without hamlets gets none (note ``no_hamlets``).
    """
    prep = (prepared if prepared is not None
            else _prepare(project, operator, spacing_m, params, base, suggestion_params))
    return start_suggestions_by_unit(project, scopes, prep, max_sites_per_unit,
                                     runner, members).result()


@dataclass
class UnitSuggestionsRun:
    """:func:`suggest_sites_by_unit` under way (:func:`start_suggestions_by_unit`):
    :meth:`result` gives its :class:`Suggestions`."""

    project: Project
    scopes: Sequence[UnitScope]
    prep: _Prepared
    max_sites: int
    futures: list[Any] | None     # the batches on a cluster; None: computed by result()
    runner: Runner
    members: Sequence[Sequence[str]] | None = None  # per scope, its hamlets' ids

    def result(self) -> Suggestions:
        """The units' suggestions (waits for the cluster's batches, or computes them here)."""
        if self.futures is not None:
            done = dict(itertools.chain.from_iterable(self.runner.gather(self.futures)))
            self.futures = None
        else:
            done = dict(_suggest_units(self.prep, _unit_areas(self.scopes, self.members,
                                                              range(len(self.scopes))),
                                       self.max_sites))
        return _by_unit_table(self.project, self.scopes, self.prep, done)


def _unit_areas(scopes: Sequence[UnitScope], members: Sequence[Sequence[str]] | None,
                order: Iterable[int]) -> list[tuple[int, Any, Sequence[str] | None]]:
    """(index, territory, hamlet ids or None) of the scopes at ``order``."""
    return [(i, scopes[i].geometry, None if members is None else members[i]) for i in order]


def start_suggestions_by_unit(project: Project, scopes: Sequence[UnitScope],
                              prepared: _Prepared, max_sites_per_unit: int = 3,
                              runner: Runner | None = None,
                              members: Sequence[Sequence[str]] | None = None
                              ) -> UnitSuggestionsRun:
    """:func:`suggest_sites_by_unit` with its preparation made (:func:`prepare_suggestions`),
    started: on a cluster the batches are sent now and this process may go on with other work
    until :meth:`UnitSuggestionsRun.result`; in this process they run then."""
    runner = runner or Runner()
    futures = None
    if runner.distributed and len(scopes) > 1:
        shared = runner.share(prepared)
        n = min(len(scopes), settings.SUGGESTION_BATCHES_PER_WORKER
                * max(runner.worker_count, 1))
        order = list(range(len(scopes)))
        futures = runner.submit(_suggest_units, [
            (shared, _unit_areas(scopes, members, order[b::n]), max_sites_per_unit)
            for b in range(n)])
    return UnitSuggestionsRun(project, scopes, prepared, max_sites_per_unit, futures, runner,
                              members)


def _by_unit_table(project: Project, scopes: Sequence[UnitScope], prep: _Prepared,
                   done: dict[int, Suggestions]) -> Suggestions:
    """The units' suggestions (``done``: by position in ``scopes``) as one table."""
    tables, notes, total = [], {}, 0
    m4_before = round(prep.start.m4(prep.hamlets), 4)
    for i, scope in enumerate(scopes):
        found = done[i]
        t = found.table.copy()
        t.insert(0, "unit_code", scope.code)
        tables.append(t)
        notes[scope.code] = found.note
        total += found.candidates
    columns = ["unit_code", *SUGGESTION_COLUMNS]
    table = (gpd.GeoDataFrame(pd.concat(tables, ignore_index=True), geometry="geometry",
                              crs=project.crs) if tables
             else gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=project.crs))
    note = ("target_met" if m4_before >= 1 else
            "no_gain_inside_unit" if "no_gain_inside_unit" in notes.values()
            and all(n in ("no_gain_inside_unit", "no_hamlets") for n in notes.values())
            else None)
    table.attrs["note"] = note
    table.attrs["unit_notes"] = notes
    return Suggestions(table, total, m4_before, note)
