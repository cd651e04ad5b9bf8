"""Loading a whole study: every layer of a scenario, validated, in one metric CRS.

:func:`load_project` reads each layer with its ``read_*`` function, collects the problems of all
files into one :class:`~coverage_gis.schema.InputError`, reprojects everything to the metric CRS
of computation (the scenario's ``crs`` or the data's UTM zone), and keeps features within the
study area: the hamlets plus ``study_area_margin_m`` (features farther away are excluded with a
warning and kept in ``Project.excluded``).

Then households get their hamlet (:func:`_link_households`) and the DEM is checked against the
hamlets (:func:`_check_dem`): a layer that cannot serve the per-hamlet measures (no household in
any hamlet, a DEM that does not overlap them) is an error, a partial one a warning with its
share.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from coverage_gis.config import settings
from coverage_gis.config.params import ClutterParams, did_you_mean
from coverage_gis.config.scenario import Scenario, read_scenario
from coverage_gis.errors import InputError, InputWarning, ScopeWarning, user_warnings
from coverage_gis.io import readers as io
from coverage_gis.io import schema
from coverage_gis.io import units as admin
from coverage_gis.io.crs import (
    check_computation_crs,
    describe_crs,
    layer_centre_lon_lat,
    metric_crs,
    resolve_crs,
)
from coverage_gis.io.landcover import check_landcover, class_counts, read_landcover
from coverage_gis.io.landuse import read_landuse

__all__ = ["Project", "load_project", "VECTOR_LAYERS", "LAYER_IDS", "hamlets_at"]

_READERS: dict[str, Callable[..., Any]] = {
    "hamlets": io.read_hamlets,
    "commune": io.read_boundary,
    "sites": io.read_sites,
    "fibre": io.read_fibre,
    "access_points": io.read_access_points,
    "households": io.read_households,
    "roads": io.read_roads,
    "railway": io.read_roads,
    "dem": io.read_dem,
    "statistics": io.read_statistics,
    "constraints": io.read_constraints,
    "urban_areas": io.read_boundary,
    "landuse": read_landuse,
    "landcover": read_landcover,
}
#: Vector layers of a project, in loading order.
VECTOR_LAYERS = ("hamlets", "commune", "sites", "fibre", "access_points", "households",
                 "roads", "railway", "constraints", "urban_areas", "landuse")
#: Raster and table layers, after the vector layers.
_OTHER_LAYERS = ("dem", "landcover", "statistics")
_ID_COLUMNS = {"sites": "site_id", "fibre": "route_id", "access_points": "ap_id",
               "households": "household_id", "roads": "road_id", "railway": "road_id",
               "constraints": "constraint_id"}
#: Each vector layer's id column, unique in a loaded layer (the loaders write it).
LAYER_IDS = {"hamlets": "hamlet_id", **_ID_COLUMNS}


#: What stands in for a layer the scenario does not have (``Project.provenance``).
_DEFAULTS_WHEN_MISSING = {"dem": "flat ground (no DEM)",
                          "hamlets": "the unit as one area (no hamlets mapped)"}


@dataclass
class Project:
    """Every layer of a study, validated, in the metric CRS ``crs``.

    Vector layers are GeoDataFrames (None when the scenario has no such layer), ``dem`` is a
    :class:`~coverage_gis.io.Raster` in its own CRS, ``statistics`` a DataFrame per year.
    """

    scenario: Scenario
    crs: CRS
    hamlets: gpd.GeoDataFrame | None = None
    commune: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None
    fibre: gpd.GeoDataFrame | None = None
    access_points: gpd.GeoDataFrame | None = None
    households: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    railway: gpd.GeoDataFrame | None = None
    constraints: gpd.GeoDataFrame | None = None
    urban_areas: gpd.GeoDataFrame | None = None
    landuse: gpd.GeoDataFrame | None = None
    dem: io.Raster | None = None
    landcover: io.Raster | None = None  # land-cover classes (clutter), own CRS
    statistics: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    excluded: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)

    @property
    def study_area(self) -> shapely.Geometry | None:
        """The hamlets' union grown by the scenario's margin (metric CRS), or None."""
        union = self.hamlets_union()
        return None if union is None else union.buffer(self.scenario.study_area_margin_m)

    def hamlets_union(self) -> shapely.Geometry | None:
        """The union of the hamlets (metric CRS), or None without hamlets. Computed once per
        hamlets layer (again when ``hamlets`` is replaced by another frame): GEOS takes 24 s
        for six adjacent hamlets of 100,000 vertices each (the union grows faster than
        their vertices), and loading and the indicators by unit need it several times."""
        if self.hamlets is None:
            return None
        held = self.__dict__.get("_hamlets_union")  # not a field: never stored nor compared
        if held is None or held[0] is not self.hamlets:
            held = self.__dict__["_hamlets_union"] = (self.hamlets, self.hamlets.union_all())
        return held[1]

    def provenance(self) -> pd.DataFrame:
        """Where each layer's data comes from: one row per layer with ``layer``, ``kind``
        (``user``, ``public``, ``default``, ``sample``), ``source``,
        ``licence`` and ``files``. From the scenario's ``[provenance]`` (a layer's entry,
        else ``all``); a layer without one is the user's file; the bundled 2025 boundary is
        public; a missing DEM is the default flat ground and missing hamlets the unit as one
        area (defaults); other missing layers are not listed."""
        given = self.scenario.provenance
        rows = []
        for name in (*VECTOR_LAYERS, *_OTHER_LAYERS):
            files = self.sources.get(name, [])
            if getattr(self, name) is None:
                if name in _DEFAULTS_WHEN_MISSING:
                    rows.append({"layer": name, "kind": "default",
                                 "source": _DEFAULTS_WHEN_MISSING[name], "licence": None,
                                 "files": ""})
                continue
            if name == "commune" and files == [str(admin.UNITS_FILE)]:
                entry = {"kind": "public", "source": admin.UNITS_SOURCE, "licence": "MIT"}
            else:
                entry = given.get(name) or given.get("all") or {"kind": "user"}
            rows.append({"layer": name, "kind": entry["kind"], "source": entry.get("source"),
                         "licence": entry.get("licence"),
                         "files": "; ".join(Path(f).name for f in files)})
        return pd.DataFrame(rows, columns=["layer", "kind", "source", "licence", "files"])

    def summary(self) -> pd.DataFrame:
        """One row per layer: features, geometry, file CRS, source files and notes."""
        rows = []
        for name in VECTOR_LAYERS + _OTHER_LAYERS:
            obj = getattr(self, name)
            if obj is None:
                continue
            notes = []
            count: int | str
            if name in ("dem", "landcover"):
                r = obj
                unit = "°" if r.crs.is_geographic else " m"
                count, geom = f"{r.shape[1]}x{r.shape[0]} px", f"raster {r.resolution[0]:g}{unit}"
                if name == "dem":
                    lo, hi = np.nanmin(r.data), np.nanmax(r.data)
                    notes.append(f"height {lo:.1f}..{hi:.1f} m")
                else:
                    notes.append("classes " + ", ".join(map(str, class_counts(r))))
                file_crs = describe_crs(r.crs)
            elif name == "statistics":
                count, geom, file_crs = len(obj), "table", ""
                notes.append("years " + ", ".join(map(str, obj["year"])))
            else:
                count = len(obj)
                geom = ", ".join(sorted(set(obj.geom_type.dropna())))
                file_crs = obj.attrs.get("file_crs", "")
                defaulted = obj.attrs.get("defaulted") or {}
                if defaulted:
                    notes.append("defaulted " + ", ".join(
                        f"{c} ×{n}" for c, n in sorted(defaulted.items())))
                if name in self.excluded:
                    notes.append(f"{len(self.excluded[name])} excluded (outside study area)")
            rows.append({"layer": name, "features": count, "geometry": geom,
                         "file_crs": file_crs,
                         "source": "; ".join(os.path.basename(s) for s in
                                             self.sources.get(name, [])),
                         "notes": "; ".join(notes)})
        return pd.DataFrame(rows, columns=["layer", "features", "geometry", "file_crs",
                                           "source", "notes"])

    def __repr__(self) -> str:
        layers = ", ".join(f"{r.layer}={r.features}" for r in self.summary().itertuples())
        return (f"<Project {self.scenario.name!r}: {describe_crs(self.crs)}; {layers}; "
                f"{len(self.warnings)} warning(s)>")

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        from html import escape
        head = (f"<b>{escape(self.scenario.name)}</b><br>computation CRS "
                f"{escape(describe_crs(self.crs))}")
        return head + self.summary().to_html(index=False, escape=True)


def _read_layer(name: str, scenario: Scenario) -> tuple[Any, list[str]]:
    reader = _READERS[name]
    sources = scenario.layers[name]
    paths = [str(s.path) for s in sources]
    if name == "dem" and len(sources) > 1:  # tiles, mosaicked (io.dem.read_dem_tiles)
        crs = next((s.crs for s in sources if s.crs), None)
        return reader([s.path for s in sources], crs=crs), paths
    if name in _OTHER_LAYERS:
        return reader(sources[0].path, **sources[0].options()), paths
    frames, problems = [], []
    for src in sources:
        try:
            gdf = reader(src.path, **src.options())
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if len(sources) > 1:
            gdf["source"] = src.path.name
        frames.append(gdf)
    if problems:
        raise InputError(problems)
    if len(frames) == 1:
        return frames[0], paths
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    out.attrs = {"file_crs": "; ".join(dict.fromkeys(f.attrs.get("file_crs", "")
                                                     for f in frames))}
    defaulted: dict[str, int] = {}
    for f in frames:
        for c, n in (f.attrs.get("defaulted") or {}).items():
            defaulted[c] = defaulted.get(c, 0) + n
    if defaulted:
        out.attrs["defaulted"] = defaulted
    idcol = _ID_COLUMNS.get(name)
    if idcol and out[idcol].duplicated().any():
        dups = out[idcol][out[idcol].duplicated(keep=False)]
        if name == "sites":
            first = dups.iloc[0]
            raise InputError(f"sites: site_id={first!r} appears in more than one file "
                             f"({', '.join(sorted(set(out.loc[dups.index, 'source'])))})")
        out[idcol] = [f"{s.rsplit('.', 1)[0]}:{v}" for s, v in zip(out["source"], out[idcol])]
    return out, paths


def load_project(scenario: Scenario | str | os.PathLike | None = None, *,
                 crs: Any = None) -> Project:
    """Load, validate and reproject every layer of a scenario.

    Parameters
    ----------
    scenario
        A :class:`~coverage_gis.scenario.Scenario`, a path to a scenario TOML file, or None for
        the bundled Quang Trung sample.
    crs
        Metric CRS for computation; default: the scenario's ``crs``, else the UTM zone of the
        data.

    Returns
    -------
    Project
        Layers in the metric CRS; warnings (repairs, defaults, exclusions) are both emitted and
        listed in ``Project.warnings``.

    Raises
    ------
    InputError
        Listing the problems of every file at once; its ``warnings`` attribute holds the
        warnings raised before the failure.
    """
    if not isinstance(scenario, Scenario):
        scenario = read_scenario(scenario)
    loaded: dict[str, Any] = {}
    sources: dict[str, list[str]] = {}
    problems: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in VECTOR_LAYERS + _OTHER_LAYERS:
            if name not in scenario.layers:
                continue
            try:
                loaded[name], sources[name] = _read_layer(name, scenario)
            except InputError as exc:
                problems.extend(exc.problems)
        _scenario_units(scenario, loaded, sources, problems)
        _warn_class_offsets_unused(scenario, loaded)
        if not problems:
            try:
                project = _assemble(scenario, loaded, sources, crs)
            except InputError as exc:
                problems.extend(exc.problems)
    messages = user_warnings(caught)
    if problems:
        err = InputError(problems)
        err.warnings = messages  # type: ignore[attr-defined]
        raise err
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    project.warnings = messages
    return project


def _warn_class_offsets_unused(scenario: Scenario, loaded: dict[str, Any]) -> None:
    """Warn when the scenario's ``[calibration]`` has land-cover class offsets but no
    land-cover layer to apply them on (found by a review: dropped without a word)."""
    table = scenario.parameters.get("calibration")
    offsets = table.get("clutter_offsets_db") if isinstance(table, dict) else None
    if offsets and loaded.get("landcover") is None:
        listed = ", ".join(f"{k}: {v:+g} dB" for k, v in offsets.items())
        warnings.warn(f"[calibration] clutter_offsets_db ({listed}) are not applied: the "
                      "scenario has no land-cover layer (they were fitted with one: add it "
                      "to [layers], or calibrate again without it)", InputWarning, stacklevel=3)


def _scenario_units(scenario: Scenario, loaded: dict[str, Any], sources: dict[str, list[str]],
                    problems: list[str]) -> tuple[admin.Unit | None, admin.OldUnit | None]:
    """The scenario's ``unit`` and ``plan_unit``, found (:mod:`coverage_gis.io.units`; a
    problem when not); without a commune layer, the unit's bundled boundary (WGS 84, with
    ``unit_code`` and ``full_name``) is loaded as the commune."""
    where = f"{scenario.path.name if scenario.path else 'scenario'} [scenario]"
    found: list[Any] = [None, None]
    finders: tuple[tuple[str, str | None, Callable[[str], Any]], ...] = (
        ("unit", scenario.unit, admin.find_unit), ("plan_unit", scenario.plan_unit, admin.old_unit))
    for i, (key, query, find) in enumerate(finders):
        if query is not None:
            try:
                found[i] = find(query)
            except InputError as exc:
                problems.extend(f"{where} {key}: {p}" for p in exc.problems)
    unit, plan = found
    if unit is not None and isinstance(loaded.get("hamlets"), gpd.GeoDataFrame):
        _warn_unit_elsewhere(unit, loaded["hamlets"], sources.get("hamlets", []), where)
    other = False  # the commune layer names another commune than plan_unit
    if (plan is not None and isinstance(loaded.get("commune"), gpd.GeoDataFrame)
            and not (unit is not None and admin.is_unit_outline(loaded["commune"], unit))):
        other = _warn_commune_not_plan(plan, loaded["commune"], sources.get("commune", []),
                                       where)
    if (unit is not None and plan is not None and not other
            and plan.share_in(unit.code) == "full"):
        _warn_plan_beyond_unit(unit, plan, loaded, sources, where)
    if unit is not None and plan is not None and plan.share_in(unit.code) is None:
        into = ", ".join(f"{link.code} {link.full_name}" for link in plan.into)
        warnings.warn(f"{where} plan_unit: {plan.code} {plan.full_name} ({plan.district}) did "
                      f"not go into unit {unit.code} {unit.full_name} but into {into}",
                      InputWarning, stacklevel=3)
    if unit is not None and "commune" not in loaded:
        boundary = unit.frame()
        boundary.attrs = {"file_crs": describe_crs(boundary.crs)}
        loaded["commune"] = boundary
        sources["commune"] = [str(admin.UNITS_FILE)]
    if scenario.province is not None and "commune" not in loaded:
        try:
            units = admin.select_province(admin.load_units(), scenario.province)
        except InputError as exc:
            problems.extend(f"{where} province: {p}" for p in exc.problems)
        else:
            boundary = units[["unit_code", "name", "unit_type", "full_name", "province_code",
                              "province_name", "area_km2", "geometry"]].reset_index(drop=True)
            boundary.attrs = {"file_crs": describe_crs(boundary.crs)}
            loaded["commune"] = boundary
            sources["commune"] = [str(admin.UNITS_FILE)]
    return unit, plan


def _warn_unit_elsewhere(unit: admin.Unit, hamlets: gpd.GeoDataFrame, files: list[str],
                         where: str) -> None:
    """Warn when the scenario's ``unit`` holds less than
    ``settings.UNIT_HAMLETS_WARN_SHARE`` of the hamlets' area, naming the unit that holds the
    most: found by fuzzing, ``unit = "Hà Long"`` for Quang Trung's hamlets reported their M4
    and F2 beside Hà Long's towers, without a word."""
    if hamlets.crs is None or not len(hamlets):
        return
    metric = metric_crs(hamlets)
    geoms = hamlets.to_crs(metric).geometry
    total = float(geoms.area.sum())
    if total <= 0:
        return
    inside = float(geoms.intersection(unit.frame().to_crs(metric).geometry.iloc[0]).area.sum())
    if inside >= settings.UNIT_HAMLETS_WARN_SHARE * total:
        return
    units = admin.load_units().to_crs(metric)
    held = units.geometry.intersection(geoms.union_all()).area
    most = units.loc[held.idxmax()] if held.max() > 0 else None
    mostly = ("; no bundled unit holds more of them: do the hamlets reach far beyond their "
              "unit (a stray vertex or part)?"
              if most is not None and str(most["unit_code"]) == str(unit.code) else
              f"; they lie mostly in {most['unit_code']} {most['full_name']} "
              f"({held.max() / total:.0%})" if most is not None else
              "; they lie in none of the bundled units")
    name = ", ".join(Path(f).name for f in files) or "the hamlets"
    warnings.warn(f"{where} unit: {unit.code} {unit.full_name} holds {inside / total:.0%} of "
                  f"the area of the hamlets of {name}{mostly}: the unit's M4 and F2 would be "
                  "measured on another unit's hamlets; check unit (more than "
                  f"{1 - settings.UNIT_HAMLETS_WARN_SHARE:.0%} outside: "
                  "settings.UNIT_HAMLETS_WARN_SHARE)", ScopeWarning, stacklevel=4)


def _warn_plan_beyond_unit(unit: admin.Unit, plan: admin.OldUnit, loaded: dict[str, Any],
                           sources: dict[str, list[str]], where: str) -> None:
    """Warn when ``plan_unit``, which went whole into ``unit``, has an outline (the commune
    layer, else the hamlets) reaching more than ``settings.PLAN_BEYOND_UNIT_WARN_M`` beyond
    the unit's bundled boundary: found by a review, the sample's layers reach 183 m beyond
    phường Quang Trung (0.41 km², 56 households) with no word, and a point of hamlet QT04
    was ruled outside the unit."""
    commune = loaded.get("commune")
    key = ("commune" if isinstance(commune, gpd.GeoDataFrame)
           and not admin.is_unit_outline(commune, unit) else "hamlets")
    layer = loaded.get(key)
    if not isinstance(layer, gpd.GeoDataFrame) or layer.crs is None or not len(layer):
        return
    metric = metric_crs(layer)
    boundary = unit.frame().to_crs(metric).union_all()
    # feature by feature, not their union (the hamlets are unioned once, for the study)
    beyond = shapely.difference(shapely.make_valid(layer.to_crs(metric).geometry.values),
                                boundary)
    beyond = beyond[~shapely.is_empty(beyond)]
    coords = shapely.get_coordinates(beyond)
    far = float(shapely.distance(boundary, shapely.points(coords)).max()) if len(coords) else 0.0
    if far <= settings.PLAN_BEYOND_UNIT_WARN_M:
        return
    homes = loaded.get("households")
    counted = ""
    if isinstance(homes, gpd.GeoDataFrame) and homes.crs is not None and len(homes):
        points = shapely.points(shapely.get_coordinates(homes.to_crs(metric).geometry.centroid))
        hit = shapely.STRtree(beyond).query(points, predicate="within")[0]
        counted = f", {len(np.unique(hit))} of {len(homes)} households"
    name = ", ".join(Path(f).name for f in sources.get(key, [])) or f"the {key}"
    warnings.warn(f"{where} plan_unit: {plan.code} {plan.full_name} went whole into "
                  f"{unit.code} {unit.full_name} in 2025, yet its outline ({name}) reaches up "
                  f"to {far:.0f} m beyond that unit's bundled boundary "
                  f"({float(shapely.area(beyond).sum()) / 1e6:.2f} km² outside{counted}): "
                  "the two come from "
                  "different surveys. Towers there count as outside the unit, and check-site "
                  "asks for review there rather than ruling a point outside; check which "
                  f"outline is right (more than {settings.PLAN_BEYOND_UNIT_WARN_M:g} m: "
                  "settings.PLAN_BEYOND_UNIT_WARN_M)", ScopeWarning, stacklevel=4)


#: Columns of a commune layer that may hold its official code (GSO's 5-digit code).
_CODE_COLUMNS = ("gso_code", "unit_code", "code", "ma_xa", "maxa", "ma_dvhc", "commune_code")
#: Columns that may hold its name.
_NAME_COLUMNS = ("full_name", "name", "ten_xa", "tenxa", "ten", "commune", "NAME_3")


def _warn_commune_not_plan(plan: admin.OldUnit, commune: gpd.GeoDataFrame, files: list[str],
                           where: str) -> bool:
    """Warn when a one-feature commune layer names another commune than ``plan_unit`` (by a
    code or name column): found by fuzzing, ``plan_unit = "14818"`` (phường Ngọc Trạo)
    labelled xã Quang Trung's outline (gso_code 14824) and indicators with Ngọc Trạo's
    name."""
    if len(commune) != 1:
        return False
    row = commune.iloc[0]
    lower = {str(c).lower(): c for c in commune.columns}
    codes = [(lower[c], str(row[lower[c]]).strip()) for c in _CODE_COLUMNS if c.lower() in lower
             and pd.notna(row[lower[c]])]
    names = [(lower[c.lower()], str(row[lower[c.lower()]])) for c in _NAME_COLUMNS
             if c.lower() in lower and isinstance(row[lower[c.lower()]], str)]
    said = [(c, v) for c, v in codes if v.isdigit()]
    code_differs = bool(said) and all(v.lstrip("0") != plan.code.lstrip("0") for _, v in said)
    plain = {admin.fold(plan.name), admin.fold(plan.full_name)}
    name_differs = bool(names) and not any(
        admin.fold(v) in plain or admin.fold(v).endswith(" " + admin.fold(plan.name))
        for _, v in names)
    if not (code_differs or (name_differs and not said)):
        return False
    shown = "; ".join(f"{c} {v!r}" for c, v in (said if code_differs else []) + names[:1])
    name = ", ".join(Path(f).name for f in files) or "the commune layer"
    warnings.warn(f"{where} plan_unit: {plan.code} {plan.full_name} ({plan.district}) is not "
                  f"the commune of {name} ({shown}): the plan's indicators would carry another "
                  "commune's name; check plan_unit or the commune layer", InputWarning,
                  stacklevel=4)
    return True


def _centre_lon_lat(loaded: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """The centre of the hamlets (else of the first vector layer with a CRS), WGS 84
    degrees; (None, None) without one."""
    layers = [loaded.get("hamlets"), *(v for k, v in loaded.items() if k in VECTOR_LAYERS)]
    gdf = next((g for g in layers if g is not None and g.crs is not None and len(g)), None)
    if gdf is None:
        return None, None
    return layer_centre_lon_lat(gdf)


def _check_cadastral_crs(scenario: Scenario) -> None:
    """``[check] cadastral_crs`` names a projected CRS (its x/y are metres)."""
    from coverage_gis.config.params import CheckParams

    name = CheckParams.from_scenario(scenario.parameters).cadastral_crs
    _projected_crs(name, f"[check] cadastral_crs={name!r}", "cadastral x/y are metres, e.g. "
                   "'vn2000-tm3-104.75'")


def _projected_crs(value: Any, where: str, why: str) -> CRS:
    """The projected CRS a scenario names at ``where``; an :class:`InputError` saying
    ``why`` it must be one, or why it names none."""
    try:
        crs = resolve_crs(value)
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None
    if not crs.is_projected:
        raise InputError(f"{where}: {describe_crs(crs)} is not a projected (metric) CRS; {why}")
    return crs


def _assemble(scenario: Scenario, loaded: dict[str, Any], sources: dict[str, list[str]],
              crs: Any) -> Project:
    vectors = {k: v for k, v in loaded.items() if k in VECTOR_LAYERS}
    _check_cadastral_crs(scenario)
    if crs is None:
        crs = scenario.crs
    if crs is not None:
        the_crs = _projected_crs(crs, "scenario crs", "computation needs metres, e.g. "
                                 "EPSG:32648")
        check_computation_crs(the_crs, *_centre_lon_lat(loaded), "scenario crs")
    else:
        first = loaded.get("hamlets")
        if first is None:
            first = next(iter(vectors.values()), None)
        if first is None and "dem" in loaded:
            the_crs = loaded["dem"].crs if loaded["dem"].crs.is_projected else CRS(32648)
        elif first is None:
            the_crs = CRS.from_epsg(32648)
        else:
            the_crs = metric_crs(first)
    project = Project(scenario=scenario, crs=the_crs, sources=sources)
    for name, gdf in vectors.items():
        attrs = dict(gdf.attrs)
        moved = gdf.to_crs(the_crs)
        moved.attrs = attrs
        setattr(project, name, moved)
    project.dem = loaded.get("dem")
    project.landcover = loaded.get("landcover")
    project.statistics = loaded.get("statistics")
    _exclude_far(project)
    _link_households(project)
    _warn_boxes_off_routes(project)
    _check_tower_ids(project)
    _check_duplicate_cells(project)
    _check_dem(project)
    _check_landcover(project)
    return project


def _intersecting(geoms: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """Which geometries intersect ``area`` (prepared): points by their coordinates
    (``shapely.intersects_xy``: a million households in 0.06 s instead of 2.8 s), others
    one by one."""
    types = shapely.get_type_id(geoms)
    if len(geoms) and (types == 0).all() and not shapely.is_empty(geoms).any():
        xy = shapely.get_coordinates(geoms)
        return shapely.intersects_xy(area, xy[:, 0], xy[:, 1])
    return shapely.intersects(geoms, area)


def _exclude_far(project: Project) -> None:
    area, hamlets = project.study_area, project.hamlets_union()
    if area is None or hamlets is None:  # the study area is made of the hamlets
        return
    margin_km = project.scenario.study_area_margin_m / 1000
    shapely.prepare(area)  # indexed once for every layer's features
    for name in ("sites", "fibre", "access_points", "households", "roads", "railway",
                 "constraints"):
        gdf = getattr(project, name)
        if gdf is None:
            continue
        inside = _intersecting(gdf.geometry.values, area)
        _warn_reaching_far(project, name, gdf[inside], area)
        if inside.all():
            continue
        far = gdf[~inside]
        idcol = _ID_COLUMNS[name]
        listed = ", ".join(f"{idcol}={v} ({hamlets.distance(g) / 1000:.1f} km)"
                           for v, g in zip(far[idcol].head(5), far.geometry.head(5)))
        more = f" and {len(far) - 5} more" if len(far) > 5 else ""
        src = ", ".join(os.path.basename(s) for s in project.sources.get(name, [name]))
        warnings.warn(f"{src}: {len(far)} feature(s) lie more than {margin_km:g} km from the "
                      f"hamlets and were excluded: {listed}{more}", InputWarning, stacklevel=2)
        attrs = dict(gdf.attrs)
        kept = gdf[inside].reset_index(drop=True)
        kept.attrs = attrs
        if kept.empty:
            raise InputError(f"{src}: every feature lies outside the study area (more than "
                             f"{margin_km:g} km from the hamlets); is its CRS right?")
        setattr(project, name, kept)
        project.excluded[name] = far


def _warn_reaching_far(project: Project, name: str, gdf: gpd.GeoDataFrame,
                       area: shapely.Geometry) -> None:
    """Warn about kept features (they meet the study area) with a vertex more than
    ``settings.FAR_VERTEX_WARN_KM`` beyond the study area's bounding box: a stray vertex
    (found by fuzzing: one vertex of a fibre route at 40°E made the routes 9,067 km long and
    the map drew the line across the world, without a word)."""
    if gdf.empty or gdf.geom_type.isin(["Point"]).all():
        return
    ax0, ay0, ax1, ay1 = area.bounds
    b = gdf.geometry.bounds.to_numpy()
    beyond = np.nanmax(np.column_stack([ax0 - b[:, 0], ay0 - b[:, 1], b[:, 2] - ax1,
                                        b[:, 3] - ay1, np.zeros(len(b))]), axis=1) / 1000
    far = beyond > settings.FAR_VERTEX_WARN_KM
    if not far.any():
        return
    idcol = _ID_COLUMNS[name]
    ids = gdf[idcol].to_numpy(object) if idcol in gdf else np.arange(1, len(gdf) + 1)
    listed = ", ".join(f"{idcol}={v} ({d:,.0f} km)" for v, d in zip(ids[far][:5], beyond[far][:5]))
    more = f" and {int(far.sum()) - 5} more" if far.sum() > 5 else ""
    warnings.warn(f"{_sources_of(project, name)}: {int(far.sum())} feature(s) reach far beyond "
                  f"the study area, a vertex more than {settings.FAR_VERTEX_WARN_KM:g} km out: "
                  f"{listed}{more}; a stray vertex? They are kept whole (lengths and maps "
                  "include them): check them (settings.FAR_VERTEX_WARN_KM)", InputWarning,
                  stacklevel=3)


def _warn_boxes_off_routes(project: Project) -> None:
    """Warn when most access points lie more than ``settings.AP_ROUTE_WARN_M`` from every
    fibre route: boxes hang on the cables, so a layer read in the wrong CRS is the likely
    cause (found by fuzzing: VN-2000 TM-3 boxes declared in the VN-2000 UTM grid moved 667 m,
    96 of 107 ended up off the routes and F2 fell from 83 % to 17 %, without a word), or a
    routes layer holding only part of the network."""
    boxes, routes = project.access_points, project.fibre
    if boxes is None or routes is None or len(boxes) < settings.AP_ROUTE_WARN_MIN_BOXES \
            or not len(routes):
        return
    tree = shapely.STRtree(np.asarray(routes.geometry.values))
    _, gap = tree.query_nearest(np.asarray(boxes.geometry.values), return_distance=True,
                                all_matches=False)
    far = gap > settings.AP_ROUTE_WARN_M
    if far.mean() <= settings.AP_ROUTE_WARN_SHARE:
        return
    warnings.warn(f"{_sources_of(project, 'access_points')}: {int(far.sum())} of {len(boxes)} "
                  f"access points lie more than {settings.AP_ROUTE_WARN_M:g} m from every fibre "
                  f"route of {_sources_of(project, 'fibre')} (median {np.median(gap):,.0f} m): "
                  "is the layer's CRS right (VN-2000 read in its other grid lands about 667 m "
                  "off), or do the routes hold only part of the network? "
                  "(settings.AP_ROUTE_WARN_M, AP_ROUTE_WARN_SHARE)", InputWarning, stacklevel=3)


def _sources_of(project: Project, name: str) -> str:
    return ", ".join(os.path.basename(s) for s in project.sources.get(name, [name]))


def _file_rows(project: Project, name: str) -> np.ndarray:
    """The 0-based positions in its file of a single-file layer's features, after the
    exclusion of far features (loading stops at any row with an error, so none is lost)."""
    gdf, far = getattr(project, name), project.excluded.get(name)
    kept = np.ones(len(gdf) + (0 if far is None else len(far)), dtype=bool)
    if far is not None:
        kept[far.index.to_numpy()] = False
    return np.flatnonzero(kept)


def _which(hh: gpd.GeoDataFrame, rows: np.ndarray, mask: np.ndarray, unit: str) -> str:
    """``"rows 2 and 3 (household_id H2, H3)"`` for the households of ``mask``."""
    ids = ", ".join(map(str, hh["household_id"].to_numpy()[mask][:8]))
    more = ", ..." if mask.sum() > 8 else ""
    plural = "s" if mask.sum() > 1 else ""
    return f"{unit}{plural} {schema._list_rows(rows[mask])} (household_id {ids}{more})"


def _link_households(project: Project) -> None:
    """Give every household its hamlet: its ``hamlet_id`` when given (unknown ids are errors),
    else the hamlet it lies in (a warning names the rows whose ``hamlet_id`` was empty).
    ``hamlet_basis`` says which ("attribute", "location"; empty for a household in no hamlet).
    Households in no hamlet are left out of per-hamlet shares, with a warning giving their
    count; when none lies in a hamlet the shares cannot be computed at all: an error."""
    hh, hamlets = project.households, project.hamlets
    if hh is None or hamlets is None:
        return
    src, hsrc = _sources_of(project, "households"), _sources_of(project, "hamlets")
    unit = hh.attrs.get("unit", "row")
    rows = _file_rows(project, "households")
    had_column = "hamlet_id" in hh.columns
    ids = (hh["hamlet_id"].astype(object) if had_column
           else pd.Series(None, index=hh.index, dtype=object))
    given = ids.notna()
    known = set(hamlets["hamlet_id"])
    unknown = hh[given & ~ids.isin(known)]
    if len(unknown):
        # one error per unknown id, with its households (100 rows of 'qt04' were 10 errors,
        # the count said 10)
        listed = ", ".join(sorted(known)[:20]) + (", ..." if len(known) > 20 else "")
        problems = []
        for value, group in unknown.groupby(unknown["hamlet_id"].astype(str), sort=False):
            some = ", ".join(repr(str(h)) for h in group["household_id"].head(5))
            more = f", ... ({len(group)} households)" if len(group) > 5 else ""
            problems.append(f"{src}: household_id={some}{more}: hamlet_id={value!r} is not "
                            f"a hamlet_id of the hamlets layer{did_you_mean(value, known)} "
                            f"(known: {listed})")
        raise InputError(problems)
    located = _hamlet_at(hh, hamlets, src, hsrc)
    hh["hamlet_id"] = ids.where(given, located)
    basis = pd.Series(None, index=hh.index, dtype=object)
    basis[located.notna()] = "location"
    basis[given] = "attribute"
    hh["hamlet_basis"] = basis
    blank = ~given.to_numpy()
    if had_column and blank.any():
        warnings.warn(f"{src}: column 'hamlet_id' is empty in {_which(hh, rows, blank, unit)}; "
                      "each of those households was given the hamlet it lies in", InputWarning,
                      stacklevel=3)
    outside = hh["hamlet_id"].isna().to_numpy()
    if outside.all():
        gap_km = hamlets.union_all().distance(hh.union_all()) / 1000
        raise InputError(
            f"{src}: none of its {len(hh)} households lies inside a hamlet of {hsrc} (the "
            f"nearest is {gap_km:.1f} km from the hamlets), so the share of households per "
            "hamlet cannot be computed; expected household points inside the hamlet polygons: "
            "check the CRS of both files, or give each household its hamlet_id")
    if outside.any():
        verb = "lie" if outside.sum() > 1 else "lies"
        warnings.warn(f"{src}: {int(outside.sum())} of {len(hh)} households {verb} in no hamlet "
                      f"of {hsrc}: {_which(hh, rows, outside, unit)}; they are left out of the "
                      "per-hamlet shares", InputWarning, stacklevel=3)
    _warn_elsewhere(ids.where(given), located, src, hsrc)
    _warn_cultural_houses(hh, src)
    _warn_empty_hamlets(hh, hamlets, src, hsrc)


def hamlets_at(points: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame
               ) -> tuple[pd.Series, pd.Series]:
    """The hamlet each point (household) lies in, whatever the files' order, indexed as
    ``points`` (None: in none), and the points inside more than one hamlet (overlapping
    polygons), each with the ``hamlet_id`` s it lies in joined by " and ". The one rule
    that links a household to its hamlet by location (loading, and every engine handed
    households without ``hamlet_id``): one on a hamlet's outline belongs to it (found by
    fuzzing: a house snapped onto the line was in no hamlet); one in several (overlapping
    polygons) or on the line between two goes to the one whose inside holds it, then to the
    smallest (then the first hamlet_id) (found by fuzzing: with overlapping polygons each
    household went to the hamlet first in the file, so reordering the file moved 39
    households). ``hamlets`` is taken to the points' CRS."""
    if (hamlets.crs is not None and points.crs is not None and hamlets.crs != points.crs):
        hamlets = hamlets.to_crs(points.crs)
    hamlets = gpd.GeoDataFrame({"hamlet_id": hamlets["hamlet_id"].to_numpy(object)},
                               geometry=hamlets.geometry.to_numpy(), crs=points.crs)
    pts = gpd.GeoDataFrame(geometry=points.geometry.to_numpy(), index=points.index,
                           crs=points.crs)
    out = pd.Series(None, index=points.index, dtype=object)
    overlapping = pd.Series(dtype=object)
    pairs = gpd.sjoin(pts, hamlets, how="inner", predicate="intersects")
    if not len(pairs):
        return out, overlapping
    several = pairs.index.duplicated(keep=False)   # the only ones to decide (1 M rows sorted
    one = pairs[~several]                          # took 1.5 s on the province)
    out[one.index] = one["hamlet_id"].to_numpy(object)
    if not several.any():
        return out, overlapping
    pairs = pairs[several]
    polys = hamlets.geometry.values[hamlets.index.get_indexer(pairs["index_right"])]
    table = pd.DataFrame({
        "house": pairs.index, "hamlet_id": pairs["hamlet_id"].to_numpy(object),
        "key": pairs["hamlet_id"].astype(str).to_numpy(),
        "inside": shapely.within(pairs.geometry.values, polys), "area": shapely.area(polys)})
    table = table.sort_values(["house", "inside", "area", "key"],
                              ascending=[True, False, True, True], kind="stable")
    inside = table[table["inside"]]
    twice = inside.groupby("house").size()
    twice = twice[twice > 1].index
    if len(twice):
        overlapping = (inside[inside["house"].isin(twice)].groupby("house")["key"]
                       .agg(lambda v: " and ".join(sorted(v))))
    first = table.drop_duplicates("house").set_index("house")["hamlet_id"]
    out[first.index] = first.to_numpy(object)
    return out, overlapping


def _hamlet_at(hh: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame, src: str, hsrc: str
               ) -> pd.Series:
    """The hamlet each household lies in (:func:`hamlets_at`), overlapping hamlets warned
    about."""
    out, overlapping = hamlets_at(hh, hamlets)
    if len(overlapping):
        listed = "; ".join(f"{g} ({n})" for g, n in overlapping.value_counts().head(5).items())
        warnings.warn(f"{src}: {len(overlapping)} household(s) lie inside more than one hamlet "
                      f"of {hsrc}, whose polygons overlap: {listed}; each was given the "
                      "smallest of them (or give each household its hamlet_id)", InputWarning,
                      stacklevel=4)
    return out


def _warn_empty_hamlets(hh: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame, src: str,
                        hsrc: str) -> None:
    """Warn about hamlets that no household belongs to (by ``hamlet_id`` or location): their
    household shares cannot be computed, and the per-hamlet indicators count them short
    (``no_households``). A households file covering only some hamlets says nothing else."""
    empty = hamlets[~hamlets["hamlet_id"].isin(set(hh["hamlet_id"].dropna()))]
    if not len(empty):
        return
    names = empty["name"] if "name" in empty else pd.Series(None, index=empty.index)
    listed = ", ".join(f"{h} ({n})" if isinstance(n, str) and n else str(h)
                       for h, n in zip(empty["hamlet_id"].head(5), names.head(5), strict=True))
    more = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
    warnings.warn(f"{src}: no household belongs to {len(empty)} of the {len(hamlets)} hamlets "
                  f"of {hsrc}: {listed}{more}; their household shares cannot be computed and "
                  "the per-hamlet indicators (M4, F2) count them as short ('no households'): "
                  "give the households of every hamlet, or leave out the hamlets the study "
                  "does not cover", InputWarning, stacklevel=3)


def _warn_elsewhere(ids: pd.Series, located: pd.Series, src: str, hsrc: str) -> None:
    """Warn about hamlets more than ``settings.HAMLET_ID_MISMATCH_WARN_SHARE`` of whose
    households (``ids``: their given ``hamlet_id``) stand inside another hamlet's polygon, or
    in none (``located``; found by fuzzing: a hamlet's polygon moved away from its 180
    households, and validate said OK)."""
    mine = ids.notna()
    if not mine.any():
        return
    table = pd.DataFrame({"given": ids[mine],
                          "at": located[mine].astype(object).where(located[mine].notna(),
                                                                  "no hamlet")})
    elsewhere = table[table["given"] != table["at"]]
    share = (elsewhere.groupby("given").size() / table.groupby("given").size()).dropna()
    flagged = share[share > settings.HAMLET_ID_MISMATCH_WARN_SHARE].index
    if not len(flagged):
        return
    parts = []
    for hamlet in list(flagged)[:5]:
        mine_here = table[table["given"] == hamlet]
        where = elsewhere[elsewhere["given"] == hamlet]["at"].value_counts()
        parts.append(f"{hamlet}: {int(where.sum())} of {len(mine_here)} in "
                     + ", ".join(f"{h} ({n})" for h, n in where.head(3).items()))
    more = f"; and {len(flagged) - 5} more hamlet(s)" if len(flagged) > 5 else ""
    warnings.warn(f"{src}: households given one hamlet_id stand inside another hamlet's "
                  f"polygon of {hsrc}, or in none: {'; '.join(parts)}{more}; the per-hamlet "
                  "shares follow "
                  "hamlet_id: check that column, or the hamlets' polygons "
                  f"(more than {settings.HAMLET_ID_MISMATCH_WARN_SHARE:.0%} of a hamlet's "
                  "households: settings.HAMLET_ID_MISMATCH_WARN_SHARE)", InputWarning,
                  stacklevel=3)


def _warn_cultural_houses(hh: gpd.GeoDataFrame, src: str) -> None:
    """Warn about hamlets with more than ``settings.CULTURAL_HOUSES_WARN`` households marked
    as their cultural house (``hamlet_id`` given to every household)."""
    if "is_cultural_house" not in hh:
        return
    marked = hh["is_cultural_house"].fillna(False).to_numpy(bool)
    counts = hh.loc[marked, "hamlet_id"].dropna().value_counts()
    many = counts[counts > settings.CULTURAL_HOUSES_WARN]
    if not len(many):
        return
    listed = ", ".join(f"{h}: {n}" for h, n in many.head(5).items())
    more = f" and {len(many) - 5} more" if len(many) > 5 else ""
    warnings.warn(
        f"{src}: {len(many)} hamlet(s) have more than {settings.CULTURAL_HOUSES_WARN} "
        f"households marked is_cultural_house ({listed}{more}); a hamlet has one cultural "
        "house (nhà văn hóa thôn), and under the cultural-house rule any one of them reached "
        "counts the hamlet as reached by fibre: check that column "
        "(settings.CULTURAL_HOUSES_WARN)", InputWarning, stacklevel=3)


def _check_tower_ids(project: Project) -> None:
    """Warn about a ``tower_id`` whose cells stand on spots farther than
    ``settings.TOWER_ID_SPLIT_M`` apart (one id given to two masts: they are separate towers,
    :func:`~coverage_gis.io.schema.tower_parts`; as one, M5 counted a shared tower between
    them), and about two ids on one spot, within ``settings.TOWER_GROUPING_M`` (one mast
    under two ids: M5 counts two towers). Ids are compared as
    :func:`~coverage_gis.io.schema.tower_keys` does (case and spaces ignored)."""
    sites = project.sites
    if sites is None or "tower_id" not in sites or not len(sites):
        return
    keys = schema.tower_keys(sites["tower_id"])
    x, y = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    parts = schema.tower_parts(keys, x, y)
    named = parts >= 0
    if not named.any():
        return
    src = _sources_of(project, "sites")
    frame = pd.DataFrame({"key": keys.to_numpy(object)[named], "part": parts[named],
                          "tower_id": sites["tower_id"].to_numpy()[named],
                          "site_id": sites["site_id"].astype(str).to_numpy()[named],
                          "x": x[named], "y": y[named]})
    spots = frame.groupby("part", sort=False).agg(
        key=("key", "first"), tower_id=("tower_id", "first"), x=("x", "mean"),
        y=("y", "mean"), cells=("site_id", lambda v: ", ".join(v[:4]) + (
            ", ..." if len(v) > 4 else "")))
    split = [g for _, g in spots.groupby("key", sort=False) if len(g) > 1]
    for g in split[:10]:
        gap = float(np.hypot(g["x"].iloc[1] - g["x"].iloc[0], g["y"].iloc[1] - g["y"].iloc[0]))
        name = g["tower_id"].iloc[0]
        names = [name, *(f"{name}#{k}" for k in range(2, len(g) + 1))]
        where = "; ".join(f"{n}: {c}" for n, c in zip(names, g["cells"]))
        warnings.warn(f"{src}: tower_id {name!r} is given to cells on {len(g)} spots (the "
                      f"first two {gap:,.0f} m apart; more than "
                      f"{settings.TOWER_ID_SPLIT_M:g} m: settings.TOWER_ID_SPLIT_M): they are "
                      f"taken as {len(g)} towers ({where}) in M5 and the tower tables: one id "
                      "given to two masts?", InputWarning, stacklevel=3)
    if len(split) > 10:
        warnings.warn(f"{src}: {len(split) - 10} more tower_id(s) given to cells on several "
                      "spots", InputWarning, stacklevel=3)
    points = shapely.points(spots["x"].to_numpy(), spots["y"].to_numpy())
    a, b = shapely.STRtree(points).query(points, predicate="dwithin",
                                         distance=settings.TOWER_GROUPING_M)
    keys_of = spots["key"].to_numpy(object)
    pairs = [(i, j) for i, j in zip(a, b) if i < j and keys_of[i] != keys_of[j]][:10]
    for i, j in pairs:
        first, second = spots.iloc[i], spots.iloc[j]
        gap = float(np.hypot(first["x"] - second["x"], first["y"] - second["y"]))
        warnings.warn(f"{src}: tower_id {first['tower_id']!r} ({first['cells']}) and "
                      f"{second['tower_id']!r} ({second['cells']}) stand {gap:.0f} m apart "
                      f"(within {settings.TOWER_GROUPING_M:g} m: settings.TOWER_GROUPING_M); "
                      "they are counted as one tower position in M5 (each operator's code "
                      "for a shared mast?)",
                      InputWarning, stacklevel=3)


def _check_duplicate_cells(project: Project) -> None:
    """Warn about cells of the same operator, technology, band and azimuth within
    ``settings.DUPLICATE_CELL_M`` under two ``site_id``: a row pasted twice, two exports
    merged, or two carriers of one sector (not omni cells: crowdsourced cells of unknown
    sector stand on their mast's point). Both are computed: the best server does not
    change, but a tower check's exposure counts both (right only for two carriers)."""
    sites = project.sites
    if sites is None or len(sites) < 2:
        return
    points = sites.geometry.values
    a, b = shapely.STRtree(points).query(points, predicate="dwithin",
                                         distance=settings.DUPLICATE_CELL_M)
    a, b = a[a < b], b[a < b]
    same = np.ones(a.size, dtype=bool)
    for col in ("operator", "technology", "band_mhz", "azimuth_deg"):
        if col not in sites:
            return
        v = sites[col].to_numpy()
        same &= (v[a] == v[b]) & pd.notna(v[a])  # omni cells: sectors not known (OpenCelliD)
    if not same.any():
        return
    ids = sites["site_id"].astype(str).to_numpy()
    pairs = [f"{ids[i]!r} and {ids[j]!r}" for i, j in zip(a[same], b[same])]
    more = f" and {len(pairs) - 10} more" if len(pairs) > 10 else ""
    warnings.warn(f"{_sources_of(project, 'sites')}: {'; '.join(pairs[:10])}{more}: one cell "
                  "given twice under two site_ids, or two carriers of one sector? (the same "
                  "operator, technology, band and azimuth within "
                  f"{settings.DUPLICATE_CELL_M:g} m: settings.DUPLICATE_CELL_M); the best "
                  "server is the same either way, but a tower check's exposure counts both "
                  "(right only for two carriers)", InputWarning, stacklevel=3)


def _check_dem(project: Project) -> None:
    """The DEM against the study area (the hamlets, else the commune boundary): no ground
    height anywhere over it (no overlap, or only nodata) is an error; a part without is a
    warning with the share covered (the rest is taken as flat)."""
    dem, area = project.dem, _checked_area(project)
    if dem is None or area is None:
        return
    area = gpd.GeoSeries([area], crs=project.crs).to_crs(dem.crs).iloc[0]
    left, bottom, right, top = dem.bounds
    if not area.intersects(shapely.box(left, bottom, right, top)):
        digits = 4 if dem.crs.is_geographic else 0

        def span(a: float, b: float, c: float, d: float) -> str:
            return f"x {a:.{digits}f}..{c:.{digits}f}, y {b:.{digits}f}..{d:.{digits}f}"

        raise InputError(
            f"{dem.source}: does not overlap the hamlets at all: it covers "
            f"{span(left, bottom, right, top)} and the hamlets lie at {span(*area.bounds)} "
            f"({describe_crs(dem.crs)}); expected a DEM of the study area: is it another "
            "area's DEM, or is its CRS wrong?")
    _warn_sites_on_voids(project)
    missing = np.isnan(dem.sample(*_points_in(area)))
    if missing.all():
        raise InputError(f"{dem.source}: holds no ground height over the hamlets (only nodata "
                         "there); expected heights over the study area")
    if missing.any():
        warnings.warn(f"{dem.source}: has no ground height over about {missing.mean():.0%} of "
                      "the hamlets' area (outside the raster or nodata); ground there is taken "
                      f"as flat. It covers {100 * (1 - missing.mean()):.0f} % of the study area",
                      InputWarning, stacklevel=2)


def _warn_sites_on_voids(project: Project) -> None:
    """Name the sites standing on a DEM void (nodata) or off the DEM: their ground is not
    the DEM's (found by fuzzing: such a mast stood at 0 m on a 1000 m plateau)."""
    dem, sites = project.dem, project.sites
    if dem is None or sites is None or not len(sites):
        return
    at = sites.geometry.to_crs(dem.crs)
    void = np.isnan(dem.sample(at.x.to_numpy(), at.y.to_numpy()))
    if not void.any():
        return
    ids = sites["site_id"].astype(str).to_numpy()[void]
    shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    warnings.warn(f"{dem.source}: no ground height at {len(ids)} cell(s) (site_id {shown}): nodata "
                  "there, or off the raster; each mast stands on the median height of the valid "
                  f"pixels within {settings.SITE_GROUND_SEARCH_M:g} m "
                  "(settings.SITE_GROUND_SEARCH_M), or at 0 m with none there",
                  InputWarning, stacklevel=3)


def _check_landcover(project: Project) -> None:
    """The land-cover layer against the hamlets (else the commune) and the scenario's
    ``[clutter]`` losses (:func:`coverage_gis.io.landcover.check_landcover`)."""
    area = _checked_area(project)
    if project.landcover is None or area is None:
        return
    losses = ClutterParams.from_scenario(project.scenario.parameters).losses_db
    check_landcover(project.landcover, area, project.crs, losses)


def _checked_area(project: Project) -> shapely.Geometry | None:
    """What the DEM and the land cover are checked over: the hamlets' union, else the
    commune layer's (the project's CRS), or None with neither."""
    if project.hamlets is not None:
        return project.hamlets_union()
    return None if project.commune is None else project.commune.union_all()


def _points_in(area: shapely.Geometry, across: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """A regular grid of points inside ``area`` (about ``across`` along its longer side), or
    a point of each part when the grid misses it."""
    minx, miny, maxx, maxy = area.bounds
    step = max(maxx - minx, maxy - miny) / across
    grid_x, grid_y = np.meshgrid(np.arange(minx + step / 2, maxx, step),
                                 np.arange(miny + step / 2, maxy, step))
    xs, ys = grid_x.ravel(), grid_y.ravel()
    inside = shapely.contains_xy(area, xs, ys)
    if not inside.any():
        pts = shapely.get_coordinates(shapely.point_on_surface(
            shapely.get_parts(area)))
        return pts[:, 0], pts[:, 1]
    return xs[inside], ys[inside]
