"""Coordinate reference systems: named presets, VN-2000 care, and the metric CRS for computation.

VN-2000 is Vietnam's national datum. Its official shift to WGS 84 (Decision 05/2007/QĐ-BTNMT,
EPSG:6960) is applied by PROJ only when the CRS is kept as an EPSG code or WKT2: a CRS that has been
round-tripped through a PROJ.4 string loses the shift and lands about 224 m off near Bỉm Sơn. This
module therefore never builds a CRS from a PROJ.4 string, and recognises CRSs that have lost the
shift (an ellipsoid-only transverse Mercator that matches a VN-2000 EPSG definition) and restores
them, with a warning.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from typing import TYPE_CHECKING, Any

from pyproj import CRS, Transformer
from pyproj.database import query_crs_info
from pyproj.enums import PJType
from pyproj.exceptions import CRSError, ProjError

from coverage_gis.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = [
    "CRS_PRESETS",
    "WGS84",
    "resolve_crs",
    "horizontal_problem",
    "check_degrees",
    "check_layer_crs",
    "is_degrees",
    "repair_vn2000",
    "file_crs",
    "metric_crs",
    "utm_crs",
    "describe_crs",
]

WGS84 = CRS.from_epsg(4326)

#: Named CRS presets accepted wherever a CRS is asked for (``--crs NAME``, ``crs=``).
CRS_PRESETS: dict[str, str] = {
    "wgs84": "EPSG:4326",
    "vn2000": "EPSG:4756",  # VN-2000 geographic (latitude-first axis order in EPSG)
    "vn2000-utm48": "EPSG:3405",  # VN-2000 / UTM zone 48N (west of 108° E)
    "vn2000-utm49": "EPSG:3406",  # VN-2000 / UTM zone 49N
    "vn2000-thanhhoa": "EPSG:5897",  # VN-2000 / TM-3 zone 482: central meridian 105°, k 0.9999
    "vn2000-tm3-105": "EPSG:5897",
    "utm48": "EPSG:32648",
    "utm49": "EPSG:32649",
    "webmercator": "EPSG:3857",
}



def _preset_key(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def resolve_crs(value: Any, source: str | None = None) -> CRS:
    """Return a :class:`pyproj.CRS` for a preset name, an EPSG code, WKT or a CRS object.

    Every CRS asked for is one of positions on the Earth's surface: a horizontal (2-D)
    geographic or projected CRS, or a compound CRS whose horizontal part is one (a DEM's
    EPSG:4326 + EGM2008 heights, returned whole). A height-only (vertical), geocentric or
    local engineering CRS, or one of another celestial body or of a made-up ellipsoid, has no
    transformation to the study's CRS and is refused (:func:`horizontal_problem`).

    Parameters
    ----------
    value
        A preset name from :data:`CRS_PRESETS` (case-insensitive, e.g. ``"vn2000-thanhhoa"``),
        ``"EPSG:5897"``, an integer EPSG code, WKT, or a :class:`pyproj.CRS`.
    source
        The file or setting the CRS is for, to name in a warning.

    A VN-2000 TM-3 zone that has lost its datum shift is restored, with a warning
    (:func:`repair_vn2000`).

    Raises
    ------
    InputError
        (a ``ValueError``) When the value names no known CRS (the message lists the presets),
        or a CRS that is not a horizontal Earth CRS (the message says what it is).
    """
    crs = _parse_crs(value)
    problem = horizontal_problem(crs)
    if problem is not None:
        shown = value if isinstance(value, (str, int)) else describe_crs(crs)
        raise InputError(f"CRS {shown!r} {problem}; expected a horizontal (2-D) CRS of "
                         f"positions on the Earth: a preset ({', '.join(sorted(CRS_PRESETS))})"
                         ", an EPSG code like EPSG:5897, or WKT")
    # a WKT or PROJJSON given by hand (a .prj's text) may have lost VN-2000's shift as a
    # file's may (found by fuzzing: 224 m off, silently, where the file was repaired)
    given = (f"crs={value!r}" if isinstance(value, (str, int)) and len(str(value)) <= 40
             else f"the CRS given ({crs.name})")
    return repair_vn2000(crs, given if source is None else f"{source}: {given}")


def _parse_crs(value: Any) -> CRS:
    """The CRS ``value`` names (see :func:`resolve_crs`), whatever its kind."""
    if isinstance(value, CRS):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return CRS.from_epsg(value)
        except CRSError:  # pyproj's own error (EPSG:-1), as for a code given as text
            raise InputError(f"unknown CRS {value!r}: no EPSG code {value}; give a preset "
                             f"({', '.join(sorted(CRS_PRESETS))}), an EPSG code like 5897, "
                             "or WKT") from None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"CRS {value!r} is not a CRS name, EPSG code or WKT")
    key = _preset_key(value)
    if key in CRS_PRESETS:
        return CRS.from_user_input(CRS_PRESETS[key])
    if key.startswith("vn2000-tm3-"):
        return _tm3_zone(value, key)
    # pyproj reads "proj=utm zone=48" as "+proj=utm +zone=48" (found by fuzzing)
    if value.strip().startswith("+") or re.match(r"\s*(proj|init)\s*=", value):
        raise InputError(
            f"CRS {value!r} is a PROJ.4 string, which drops datum shifts such as VN-2000's; "
            "give an EPSG code (e.g. EPSG:5897) or a preset name instead"
        )
    try:
        return CRS.from_user_input(value.strip())
    except CRSError as exc:
        presets = ", ".join(sorted(CRS_PRESETS))
        raise InputError(
            f"unknown CRS {value!r}: give a preset ({presets}), an EPSG code like EPSG:5897, or WKT"
        ) from exc


def _tm3_zone(value: str, key: str) -> CRS:
    """The VN-2000 TM-3 zone ``vn2000-tm3-<central meridian>`` names: in degrees
    (``vn2000-tm3-104.75``) or degrees and minutes (``vn2000-tm3-104-45``), as Circular
    973/2001/TCĐC-CT gives each province's (Nghệ An 104°45', Thanh Hóa 105°00', ...): the
    EPSG definition of that zone (EPSG:5896-5899, 9205-9218)."""
    zones = {k[1]: code for k, code in _vn2000_tm3().items()}
    m = _TM3_NAME.fullmatch(key)
    lon_0 = None
    if m is not None:
        deg, frac = float(m.group(1)), m.group(3)
        lon_0 = (deg if frac is None else deg + float(f"0.{frac}") if m.group(2) == "."
                 else deg + float(frac) / 60.0 if float(frac) < 60 else None)
    if lon_0 is not None and round(lon_0, 6) in zones:
        return CRS.from_epsg(zones[round(lon_0, 6)])
    listed = ", ".join(f"{z:g}" for z in sorted(zones))
    raise InputError(f"unknown CRS {value!r}: VN-2000 TM-3 zones are named by their central "
                     f"meridian in degrees (vn2000-tm3-104.75) or degrees-minutes "
                     f"(vn2000-tm3-104-45); EPSG defines those at {listed}°E")


#: ``vn2000-tm3-`` then the central meridian: degrees, and a decimal part or minutes.
_TM3_NAME = re.compile(r"vn2000-tm3-(\d{3})(?:([.-])(\d{1,2}))?")


def horizontal_problem(crs: CRS) -> str | None:
    """Why ``crs`` cannot hold horizontal positions on the Earth (x/y of a point, a layer's
    coordinates), in words to follow the CRS's name, or None when it can: a geographic or
    projected CRS that PROJ can transform to WGS 84 (a compound CRS is judged by its
    horizontal part, a CRS bound to WGS 84 by its own). Refused: a vertical (height-only)
    CRS, a geocentric one (X, Y, Z from the Earth's centre), a local engineering one (no
    tie to the Earth), and one of another celestial body or of an ellipsoid PROJ cannot
    relate to the Earth's (PROJ finds no transformation)."""
    horizontal = crs.sub_crs_list[0] if crs.is_compound and crs.sub_crs_list else crs
    if horizontal.is_bound and horizontal.source_crs is not None:
        horizontal = horizontal.source_crs
    if horizontal.is_geocentric:
        return ("is a geocentric CRS (X, Y, Z from the Earth's centre), not a horizontal "
                "(2-D) CRS")
    if horizontal.is_vertical:
        return "is a vertical CRS (heights only), not a horizontal (2-D) CRS"
    if horizontal.is_engineering:
        return ("is a local engineering CRS (not tied to the Earth): no transformation "
                "exists to the study's CRS")
    if not (horizontal.is_geographic or horizontal.is_projected):
        return (f"is a {horizontal.type_name}, not a horizontal (2-D) geographic or "
                "projected CRS")
    if not _to_wgs84_exists(horizontal):
        ellipsoid = horizontal.ellipsoid
        on = f" (ellipsoid {ellipsoid.name})" if ellipsoid is not None else ""
        return (f"is not an Earth CRS{on}: no transformation exists to WGS 84 or the "
                "study's CRS")
    return None


@functools.lru_cache(maxsize=64)
def _to_wgs84_exists(crs: CRS) -> bool:
    """Whether PROJ can make a transformation from ``crs`` to WGS 84 (not one from another
    celestial body, or from an ellipsoid of a metre)."""
    try:
        Transformer.from_crs(crs, WGS84, always_xy=True)
    except ProjError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _vn2000_tm3() -> dict[tuple[float, ...], int]:
    """VN-2000 TM-3 projected CRSs (k 0.9999) of the EPSG database, keyed by their parameters."""
    out: dict[tuple[float, ...], int] = {}
    for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS):
        if info.name.startswith("VN-2000 / TM-3"):
            key = _tm_key(CRS.from_epsg(int(info.code)))
            if key is not None:
                out[key] = int(info.code)
    return out


def _tm_key(crs: CRS) -> tuple[float, ...] | None:
    """(lat_0, lon_0, k, x_0, y_0, a, 1/f) of a transverse Mercator CRS, else None."""
    op = crs.coordinate_operation
    if op is None or "Transverse Mercator" not in op.method_name:
        return None
    ell = crs.ellipsoid
    if ell is None:
        return None
    params = {p.name: p.value for p in op.params}
    try:
        return tuple(round(float(v), 6) for v in (
            params["Latitude of natural origin"], params["Longitude of natural origin"],
            params["Scale factor at natural origin"], params["False easting"],
            params["False northing"], ell.semi_major_metre, ell.inverse_flattening))
    except KeyError:
        return None


def file_crs(crs: CRS, source: str) -> CRS:
    """The CRS a file declares, as it is read: refused when it cannot hold positions on the
    Earth (:func:`horizontal_problem`: a ``LOCAL_CS`` .prj or GeoTIFF crashed the reprojection,
    found by fuzzing), a VN-2000 zone without its shift restored (:func:`repair_vn2000`).

    Raises
    ------
    InputError
        Naming ``source``, what its CRS is and how to name the right one.
    """
    problem = horizontal_problem(crs)
    if problem is not None:
        raise InputError(f"{source}: its CRS ({describe_crs(crs)}) {problem}; name the CRS "
                         "its coordinates are in with crs=, e.g. crs='vn2000-thanhhoa' "
                         "(EPSG:5897), 'vn2000-utm48' or 'EPSG:4326'")
    return repair_vn2000(crs, source)


def repair_vn2000(crs: CRS, source: str = "input") -> CRS:
    """Restore a VN-2000 TM-3 CRS that has lost its datum shift; return other CRSs unchanged.

    A CRS written through a PROJ.4 string (``+proj=tmerc +lon_0=105 +k=0.9999 ... +ellps=WGS84``)
    has an unknown datum "based on WGS 84 ellipsoid" and no shift, so PROJ would treat the
    coordinates as WGS 84 and put them about 224 m off. A transverse Mercator with scale 0.9999
    on that ellipsoid is a VN-2000 TM-3 zone (no WGS 84 CRS uses it), so when its parameters
    match one in the EPSG database that definition is returned (the official EPSG:6960 shift then
    applies) and an :class:`~coverage_gis.schema.InputWarning` names the file. The same for such
    a zone declared on the WGS 84 datum (the custom "VN-2000" definitions of many how-tos), or
    bound to WGS 84 by a null shift (``TOWGS84[0,0,0,0,0,0,0]``). A CRS whose datum is EPSG's
    Vietnam 2000 is left alone, whatever PROJ identifies it as (found by fuzzing: the unknown
    datum's CRS is loosely identified as EPSG:5897, and was left 224 m off).
    """
    from coverage_gis.errors import InputWarning

    base = crs.source_crs if crs.is_bound and _null_shift(crs) else crs
    if base is None or base.is_bound or not base.is_projected or base.datum is None \
            or "id" in base.to_json_dict():  # EPSG's own definition, with its own shift
        return crs
    ident = base.datum.to_json_dict().get("id") or {}
    if (ident.get("authority"), ident.get("code")) == ("EPSG", _VN2000_DATUM):
        return crs
    datum = base.datum.name.lower().replace("_", " ")
    if not any(word in datum for word in _SHIFTLESS_DATUM_WORDS):
        return crs
    key = _tm_key(base)
    if key is None or key[2] != _TM3_SCALE:  # not a TM-3 zone: no need of EPSG's table
        return crs
    code = _vn2000_tm3().get(key)
    if code is None:
        return crs
    fixed = CRS.from_epsg(code)
    named_wgs84 = "unknown" not in datum and ("wgs" in datum or "world geodetic" in datum)
    why = ("declares the WGS 84 datum, without VN-2000's datum shift, with a VN-2000 TM-3 "
           "projection" if named_wgs84 else "has no datum shift but matches")
    warnings.warn(
        f"{source}: CRS {why} {fixed.name} (EPSG:{code}); reading it as EPSG:{code} so that "
        "the official VN-2000 to WGS 84 shift applies (without it points land about 224 m "
        "off). Pass crs= to override.",
        InputWarning, stacklevel=3)
    return fixed


#: The scale factor of every VN-2000 TM-3 zone (k0 = 0.9999, Circular 973/2001/TCĐC-CT).
_TM3_SCALE = 0.9999
#: EPSG's code of the Vietnam 2000 datum (its shift to WGS 84 is EPSG:6960).
_VN2000_DATUM = 6756
#: Words of datum names that carry no VN-2000 shift ("Unknown based on WGS 84 ellipsoid", an
#: ESRI "D_Vietnam_2000" without parameters, WGS 84 itself).
_SHIFTLESS_DATUM_WORDS = ("unknown", "vietnam", "vn 2000", "vn-2000", "wgs 84", "wgs 1984",
                          "world geodetic system 1984")


def _null_shift(crs: CRS) -> bool:
    """Whether a bound CRS's transformation to WGS 84 is all zeros (no shift)."""
    op = crs.coordinate_operation
    try:
        return op is not None and all(float(p.value) == 0.0 for p in op.params)
    except (TypeError, ValueError):
        return False


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS 84 UTM zone of a point: the metric CRS a DEM in degrees is reprojected to
    around a site. Zone ``ceil((lon + 180) / 6)`` (1..60; a point on a zone's edge takes the
    western zone), north (EPSG:326zz) for ``lat >= 0``, south (EPSG:327zz) below, for
    -80 <= lat <= 84 (the UTM grid; the Norway and Svalbard exceptions are not applied): the
    first of pyproj's ``query_utm_crs_info`` (the EPSG areas of use, as geopandas'
    ``estimate_utm_crs``), tested point for point, without its database search (70 ms).
    A point beyond that grid is an :class:`~coverage_gis.errors.InputError` (a ValueError)."""
    if not (-180.0 <= lon <= 180.0 and -80.0 <= lat <= 84.0):
        raise InputError(f"lon={lon:g} lat={lat:g}: no UTM zone there (the UTM grid spans "
                         "latitudes 80°S to 84°N), the metric CRS the maps are computed in; "
                         "expected a site between those latitudes")
    zone = min(60, max(1, math.ceil((lon + 180.0) / 6.0)))
    return CRS.from_epsg((32600 if lat >= 0.0 else 32700) + zone)


def check_computation_crs(crs: CRS, lon: float | None, lat: float | None, where: str) -> None:
    """Refuse a projected CRS the engines cannot compute in: one whose unit is not the metre
    (US survey feet: every distance would be 3.3 times off), or one made for a place farther
    than ``settings.CRS_AREA_TOLERANCE_DEG`` from the data at (``lon``, ``lat``), WGS 84
    degrees, outside its area of use (UTM 31N for Vietnam: distances wrong by far more than a
    cell's range), or whose scale at the data departs from true by more than
    ``settings.CRS_MAX_SCALE_ERROR`` (Web Mercator at 20°N: distances 6.5 % long). ``where``
    names the setting in the message.

    Raises
    ------
    InputError
        Any of these.
    """
    from coverage_gis.config import settings

    units = {a.unit_name for a in crs.axis_info}
    if units - {"metre", "meter"}:
        raise InputError(f"{where}: {describe_crs(crs)} counts in {', '.join(sorted(units))}, "
                         "not metres; computation needs a metric CRS, e.g. the data's UTM "
                         "zone (EPSG:32648 in Thanh Hóa) or leave crs out")
    if lon is None or lat is None:
        return  # no data to place: nothing to compare
    area = crs.area_of_use  # none given, or one across the antimeridian: not compared
    off = (max(area.west - lon, lon - area.east, area.south - lat, lat - area.north, 0.0)
           if area is not None and area.west <= area.east else 0.0)
    if area is not None and off > settings.CRS_AREA_TOLERANCE_DEG:
        raise InputError(f"{where}: {describe_crs(crs)} is made for {area.west:g}° to "
                         f"{area.east:g}°E, {area.south:g}° to {area.north:g}°N (its area of "
                         f"use), {off:.0f}° away from the data (lon {lon:.2f}, "
                         f"lat {lat:.2f}); distances there would be far off: choose the "
                         "data's own zone, or leave crs out (its UTM zone is chosen)")
    stretch = _scale_error(crs, lon, lat)
    if stretch > settings.CRS_MAX_SCALE_ERROR:
        raise InputError(f"{where}: {describe_crs(crs)} stretches distances by "
                         f"{100 * stretch:.1f} % at the data (lon {lon:.2f}, lat {lat:.2f}): "
                         "every range, distance and length computed in it would be that far "
                         f"off; expected a CRS whose scale there is within "
                         f"{100 * settings.CRS_MAX_SCALE_ERROR:g} % of true "
                         "(settings.CRS_MAX_SCALE_ERROR), such as the data's UTM zone, or "
                         "leave crs out (its UTM zone is chosen)")


def layer_centre_lon_lat(gdf: Any) -> tuple[float | None, float | None]:
    """The centre of a layer's envelope (its ``total_bounds``, not every vertex, moved to
    WGS 84), degrees; (None, None) for a layer without a CRS, rows or finite bounds."""
    crs = getattr(gdf, "crs", None)
    bounds = gdf.total_bounds if crs is not None and len(gdf) else [math.nan] * 4
    if not all(map(math.isfinite, bounds)):
        return None, None
    lon, lat = Transformer.from_crs(CRS.from_user_input(crs), WGS84, always_xy=True).transform(
        (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None, None
    return float(lon), float(lat)


def check_layer_crs(gdf: Any, what: str) -> None:
    """Refuse a layer (GeoDataFrame) the engines cannot compute in: no CRS, degrees, or a
    projected CRS :func:`check_computation_crs` refuses at the layer's centre. ``what``
    names the layer (found by a review: the fibre engine named the roads for households in
    WGS 84, and took Web Mercator's 6.5 % stretch that loading refuses)."""
    crs = getattr(gdf, "crs", None)
    crs = None if crs is None else CRS.from_user_input(crs)
    if crs is None or not crs.is_projected:
        raise InputError(f"{what}: {describe_crs(crs)}: expected a projected (metric) CRS, "
                         "e.g. the data's UTM zone (EPSG:32648 in Thanh Hóa); "
                         "reproject with .to_crs(...) or load with load_project")
    check_computation_crs(crs, *layer_centre_lon_lat(gdf), what)


def _scale_error(crs: CRS, lon: float, lat: float) -> float:
    """How far the CRS's scale at (``lon``, ``lat``) is from true, as a fraction (the larger of
    its meridional and parallel scale factors' departures from 1, PROJ's ``get_factors``);
    infinite where PROJ cannot say."""
    from pyproj import Proj

    try:
        f = Proj(crs).get_factors(lon, lat)
        error = max(abs(f.meridional_scale - 1.0), abs(f.parallel_scale - 1.0))
    except Exception:  # noqa: BLE001 - a CRS PROJ cannot differentiate there
        return math.inf
    return error if math.isfinite(error) else math.inf


def grid_to_ground(crs: CRS, lon: float, lat: float) -> float:
    """The factor from a short distance measured in a conformal projected ``crs`` near
    (``lon``, ``lat``) to the distance on the ellipsoid: 1 / the point scale factor (PROJ's
    ``get_factors``; UTM 48N near Bỉm Sơn 1.00037: a review found a point 50.011 m from a
    school, geodesic, reported at 49.996 m and "too close" to a 50 m minimum); 1 where PROJ
    cannot say."""
    from pyproj import Proj

    try:
        f = Proj(crs).get_factors(lon, lat)
        scale = 0.5 * (f.meridional_scale + f.parallel_scale)
    except Exception:  # noqa: BLE001 - a CRS PROJ cannot differentiate there
        return 1.0
    return 1.0 / scale if math.isfinite(scale) and scale > 0 else 1.0


def metric_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """Return the WGS 84 UTM zone of the data's centre, the default CRS for computation (metres).

    Parameters
    ----------
    gdf
        Any GeoDataFrame with a CRS and at least one geometry.
    """
    if not hasattr(gdf, "estimate_utm_crs"):  # (geopandas is not imported here for a test)
        raise TypeError(f"metric_crs: expected a GeoDataFrame, not {type(gdf).__name__}")
    if gdf.crs is None:
        raise InputError("cannot choose a metric CRS for data without a CRS")
    try:
        return gdf.estimate_utm_crs(datum_name="WGS 84")
    except RuntimeError as exc:  # pyproj: "Unable to determine UTM CRS" (no zone there)
        raise InputError(f"cannot choose a metric CRS for data whose bounds are "
                         f"{tuple(round(float(v), 6) for v in gdf.total_bounds)} in "
                         f"{describe_crs(gdf.crs)}: no UTM zone holds them ({exc}); expected "
                         "lon/lat within -180..180 and -80..84 degrees") from None


def in_area_of_use(crs: CRS, lon: float, lat: float) -> bool | None:
    """Whether a WGS 84 point lies in ``crs``'s area of use (EPSG's bounds, degrees): False
    for x/y that are no cadastral coordinates there (VN-2000 / TM-3 zone 482 is used between
    103.5° and 106.51° E); None when the CRS gives no area."""
    area = crs.area_of_use
    if area is None:
        return None
    return bool(area.west <= lon <= area.east and area.south <= lat <= area.north)


def is_degrees(lon: float, lat: float) -> bool:
    """Whether ``lon``, ``lat`` can be a longitude and a latitude (-180..180, -90..90)."""
    return -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0


def check_degrees(crs: CRS, x: float, y: float, typed: Any) -> None:
    """x/y given in a CRS in degrees (x the longitude) must be a longitude and a latitude,
    either way round (swapped ones are said by the caller, with where they would fall):
    metres there (cadastral x/y with WGS 84 chosen; found by fuzzing: "lies inf km", "no UTM
    zone there") are an :class:`InputError` naming the cadastral CRS
    (``settings.CHECK_SITE_CADASTRAL_CRS``) to give instead. ``typed``: the CRS as the user
    gave it."""
    from coverage_gis.config import settings

    if not crs.is_geographic or is_degrees(x, y) or is_degrees(y, x):
        return
    raise InputError(f"x={x:.10g} y={y:.10g} (crs {typed}): out of range for "
                     f"{describe_crs(crs)}, a CRS in degrees "
                     "(x: longitude from -180 to 180, y: latitude from -90 to 90); these look "
                     "like metres: give the projected CRS they are in, e.g. --crs "
                     f"{settings.CHECK_SITE_CADASTRAL_CRS} for the cadastral map's x/y")


def describe_crs(crs: CRS | None) -> str:
    """Short human-readable name of a CRS, e.g. ``"EPSG:5897 (VN-2000 / TM-3 zone 482)"``."""
    if crs is None:
        return "no CRS"
    code = crs.to_epsg()
    return f"EPSG:{code} ({crs.name})" if code else crs.name
