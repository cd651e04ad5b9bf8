"""The local web app (Starlette): the analysis on a map and the land officer's tower check.

Routes (every asset comes from the package; nothing from the network):

- ``GET /`` the page (Vietnamese, ``?lang=en`` for English);
- ``GET /api/map`` the layers (GeoJSON, WGS 84), the overlays' URLs and corners, the
  study's bounds; ``GET /api/images/{key}.png`` the hillshade and coverage overlays;
- ``GET /api/coords?lon=&lat=`` a point in WGS 84 and in VN-2000 / TM-3 of the province;
- ``GET /api/check?lon=&lat=&operator=&technology=...`` (or ``x``, ``y``, ``crs``) the same
  JSON as ``check.json``; its id in the ``X-Check-Id`` header;
- ``GET /api/checks/{id}?lang=`` the check in words for the page;
  ``GET /api/checks/{id}/coverage.json`` and ``.png`` where the new cells cover;
  ``GET /checks/{id}/check.html?lang=`` the printable A4 page, ``/checks/{id}/check.kml``.

Bad parameters give HTTP 400 with a JSON message naming the parameter; an unexpected error
gives 500 with a generic message, its traceback only in the server's log.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from pyproj import Transformer
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from coverage_gis.config import settings
from coverage_gis.errors import InputError
from coverage_gis.io.crs import WGS84, in_area_of_use, resolve_crs
from coverage_gis.outputs import i18n
from coverage_gis.outputs.files import json_safe
from coverage_gis.web.checks import CheckRun, CheckStore, api_message, read_query, run_check
from coverage_gis.web.layers import COLOURS, level_colours, map_data

if TYPE_CHECKING:  # pragma: no cover
    from coverage_gis.results.analysis import Analysis

__all__ = ["create_app", "AppState", "LOOPBACK_HOSTS"]

log = logging.getLogger("coverage_gis.web")

#: The ``Host`` header's names that reach the app only from this computer (any port);
#: an IPv6 address is written in brackets, as the header carries it (Starlette's
#: ``TrustedHostMiddleware`` reads ``[::1]:8765`` whole from version 1.10).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")

#: Content-Security-Policy of the app's page: scripts, styles, images and requests from the
#: app only (no inline script: data can never become code), nothing framed.
_PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
             "form-action 'self'")
#: The printable page: its own inline style and SVG, no script at all.
_PRINT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

_MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".png": "image/png", ".html": "text/html; charset=utf-8"}
_SOURCE_MAP = re.compile(rb"\n?//# sourceMappingURL=\S+\s*$")


def _assets() -> dict[str, tuple[bytes, str]]:
    """The files under ``/static/``: Leaflet 1.9.4 (vendored, ``coverage_gis/static``,
    without its source-map comment so that no browser asks for a missing file) and the
    app's own script and style sheet (``coverage_gis/web/static``)."""
    out: dict[str, tuple[bytes, str]] = {}
    leaflet = resources.files("coverage_gis") / "static" / "leaflet"
    for name in ("leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png",
                 "images/marker-icon.png"):
        data = (leaflet / name).read_bytes()
        if name.endswith(".js"):
            data = _SOURCE_MAP.sub(b"\n", data)
        out[f"leaflet/{name}"] = (data, _MEDIA[name[name.rfind("."):]])
    own = resources.files("coverage_gis.web") / "static"
    for name in ("app.js", "app.css"):
        out[f"app/{name}"] = ((own / name).read_bytes(), _MEDIA[name[name.rfind("."):]])
    return out


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "vi")
    if lang not in i18n.LANGS:
        raise InputError(f"lang={lang!r}: expected one of {', '.join(i18n.LANGS)}")
    return lang


def _json(content: Any, status: int = 200, headers: dict[str, str] | None = None
          ) -> Response:
    body = json.dumps(json_safe(content), ensure_ascii=False, allow_nan=False)
    return Response(body, status_code=status, headers=headers,
                    media_type="application/json")


class AppState:
    """What the app holds in memory: the analysis, its map (computed once), the recent
    checks, and one lock so that checks run one at a time on the shared coverage."""

    def __init__(self, analysis: Analysis, source: str = "") -> None:
        from coverage_gis.pipeline import current_unit, unit_as_area

        self.analysis = analysis
        self.project = unit_as_area(analysis.project)
        self.unit = current_unit(self.project)  # the territory checks are made for
        self.base = analysis.coverage
        self.source = source
        self.map = map_data(analysis)
        self.checks = CheckStore()
        self.lock = threading.Lock()
        self.assets = _assets()
        from coverage_gis.engines.placement import cadastral_crs

        self.cadastral_name = cadastral_crs(self.project)
        self.cadastral = resolve_crs(self.cadastral_name)
        self._to_cadastral = Transformer.from_crs(WGS84, self.cadastral, always_xy=True)
        self._transform_lock = threading.Lock()
        self.map_json = json.dumps(self._map_doc(), ensure_ascii=False).encode()

    def _map_doc(self) -> dict[str, Any]:
        m = self.map
        images = {k: {"url": f"/api/images/{k}.png", "bounds": o.bounds}
                  for k, o in m.images.items()}
        levels = {t: [[lo if math.isfinite(lo) else None, list(c)]
                      for lo, c in level_colours(m.thresholds_dbm[t])]
                  for t in settings.MOBILE_BROADBAND if t in m.thresholds_dbm}
        return {"layers": m.layers, "images": images, "bounds": m.bounds,
                "hamlet_share": m.hamlet_share, "levels": levels, "colours": COLOURS,
                "scenario": self.project.scenario.name}

    def warm_up(self) -> None:
        """One check at start-up, thrown away, so that the officer's first click does not
        wait for the compiled terrain kernels to load (or compile, after an upgrade)."""
        from coverage_gis.engines.placement import ProposedSite, check_site
        from coverage_gis.errors import CoverageGisError

        hamlets = self.project.hamlets
        if hamlets is None or hamlets.empty:
            return
        point = hamlets.geometry.iloc[0].representative_point()
        proposal = ProposedSite(operator=next(iter(settings.OPERATOR_ALIASES)), technology="4G")
        with self.lock:
            try:
                check_site(self.project, proposal, point, base=self.base,
                           params=self.base.params, unit=self.unit)
            except CoverageGisError:  # a study the check cannot run on says so when asked
                pass

    def coordinates(self, lon: float, lat: float) -> dict[str, Any]:
        """A WGS 84 point also in the province's VN-2000 / TM-3 (rounded as a check is)."""
        with self._transform_lock:  # a pyproj Transformer is not shared between threads
            x, y = self._to_cadastral.transform(lon, lat)
        deg, met = settings.CHECK_SITE_DEGREE_DECIMALS, settings.CHECK_SITE_METRE_DECIMALS
        code = self.cadastral.to_epsg()
        return {"lon": round(lon, deg), "lat": round(lat, deg), "lonlat_crs": WGS84.name,
                "x": round(x, met), "y": round(y, met), "xy_crs": self.cadastral.name,
                "xy_crs_code": f"EPSG:{code}" if code else None,
                "xy_in_area_of_use": in_area_of_use(self.cadastral, lon, lat),
                "xy_preset": self.cadastral_name}

    def get_check(self, check_id: str) -> CheckRun:
        run = self.checks.get(check_id)
        if run is None:
            raise HTTPException(404, f"no check {check_id!r}: the app keeps the last "
                                     f"{self.checks.kept} checks; run it again")
        return run


# --------------------------------------------------------------------------------------------
# Handlers
# --------------------------------------------------------------------------------------------

def _state(request: Request) -> AppState:
    return request.app.state.cg


def page(request: Request) -> Response:
    from coverage_gis.web.page import page_html

    state = _state(request)
    lang = _lang(request)
    return HTMLResponse(page_html(state, lang), headers={"Content-Security-Policy": _PAGE_CSP})


def static(request: Request) -> Response:
    path = request.path_params["path"]
    found = _state(request).assets.get(path)
    if found is None:
        raise HTTPException(404, f"no file {path!r}")
    data, media = found
    return Response(data, media_type=media, headers={"Cache-Control": "no-cache"})


def api_map(request: Request) -> Response:
    return Response(_state(request).map_json, media_type="application/json")


def api_image(request: Request) -> Response:
    overlay = _state(request).map.images.get(request.path_params["key"])
    if overlay is None:
        raise HTTPException(404, f"no image {request.path_params['key']!r}")
    return Response(overlay.png, media_type="image/png")


def api_coords(request: Request) -> Response:
    from coverage_gis.config.params import parse_angle

    q = request.query_params
    unknown = sorted(set(q) - {"lon", "lat"})
    problems = [f"unknown parameter {k!r}; expected lon and lat" for k in unknown]
    values = {}
    for axis in ("lon", "lat"):
        if len(q.getlist(axis)) > 1:  # as /api/check: the last one was used silently
            problems.append(f"{axis} given {len(q.getlist(axis))} times; give it once")
            continue
        if not q.get(axis, "").strip():
            problems.append(f"{axis} is required (decimal degrees, WGS 84)")
            continue
        try:
            values[axis] = parse_angle(q[axis], axis, axis=axis)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return _json(_state(request).coordinates(values["lon"], values["lat"]))


def api_check(request: Request) -> Response:
    from coverage_gis.outputs.check import check_record

    state = _state(request)
    args = read_query(request.query_params.multi_items())
    record = check_record(args)
    with state.lock:
        run = run_check(state.project, state.base, args, record, state.unit)
    state.checks.add(run)
    return _json(run.doc, headers={"X-Check-Id": run.id, "Cache-Control": "no-store"})


def _rules(run: CheckRun, lang: str) -> list[dict[str, Any]]:
    """The rules of a check in words: the RF exposure, then every distance."""
    from coverage_gis.outputs.check import (
        bands_outside_text,
        constraint_basis,
        constraint_distances,
        constraint_name,
        limit_percent,
    )

    w = i18n.web_words(lang)
    rows = []
    rf = run.result.exposure
    if rf is not None:
        worst = rf.worst
        outside = bands_outside_text(rf, lang)
        value = (w["exposure_worst"].format(
            kind=i18n.kind_name(worst["kind"], lang), name=worst["name"] or worst["id"],
            distance=f"{worst['distance_m']:.0f}", ratio=limit_percent(worst["ratio"])) if worst
            else None if outside else w["exposure_none"].format(distance=f"{rf.search_m:g}"))
        row = {"rule": w["rule_exposure"],
               "basis": f"{i18n.basis_name('regulation', lang)}: {rf.regulation}",
               "value": "; ".join(t for t in (value, outside) if t),
               "limit": w["exposure_distance"].format(
                   distance=f"{rf.compliance_distance_m:.1f}"),
               "ok": rf.ok}
        if rf.status == "band_outside":
            row["result"] = w["band_not_covered"]
        rows.append(row)
    for c in run.result.constraints:
        distance, minimum = constraint_distances(c, lang)
        rows.append({"rule": f"{i18n.kind_name(str(c.kind), lang)} "
                             f"{constraint_name(c, lang) or c.constraint_id}",
                     "basis": constraint_basis(c, lang), "value": f"{distance} m",
                     "limit": f"≥ {minimum} m", "ok": c.ok})
    return rows


def api_check_view(request: Request) -> Response:
    """The check in words for the page, in ``lang``: verdict, reasons, sharing, rules."""
    from coverage_gis.outputs.check import reason_texts, sharing_text

    state, lang = _state(request), _lang(request)
    run = state.get_check(request.path_params["check_id"])
    r = run.result
    return _json({"id": run.id, "verdict": r.verdict,
                  "verdict_text": i18n.verdict_name(r.verdict, lang),
                  "reasons": reason_texts(r, lang), "sharing": sharing_text(r, lang),
                  "rules": _rules(run, lang),
                  "page_url": f"/checks/{run.id}/check.html?lang={lang}",
                  "kml_url": f"/checks/{run.id}/check.kml?lang={lang}",
                  "coverage_url": f"/api/checks/{run.id}/coverage.json"})


def _overlay(state: AppState, run: CheckRun) -> Any:
    from coverage_gis.web.checks import coverage_overlay

    if not run.overlay_done:
        with state.lock:
            if not run.overlay_done:
                run.overlay = coverage_overlay(state.project, state.base, run)
                run.overlay_done = True
    return run.overlay


def api_check_coverage(request: Request) -> Response:
    state = _state(request)
    run = state.get_check(request.path_params["check_id"])
    overlay = _overlay(state, run)
    if overlay is None:
        return _json({"bounds": None, "url": None})
    return _json({"bounds": overlay.bounds, "url": f"/api/checks/{run.id}/coverage.png"})


def api_check_coverage_png(request: Request) -> Response:
    state = _state(request)
    overlay = _overlay(state, state.get_check(request.path_params["check_id"]))
    if overlay is None:
        raise HTTPException(404, "the proposed cells cover no part of the grid")
    return Response(overlay.png, media_type="image/png")


def check_page(request: Request) -> Response:
    from coverage_gis.outputs.check_page import check_html

    state, lang = _state(request), _lang(request)
    run = state.get_check(request.path_params["check_id"])
    html = check_html(run.result, state.project, run.point, lang=lang, record=run.record)
    return HTMLResponse(html, headers={"Content-Security-Policy": _PRINT_CSP})


def check_kml(request: Request) -> Response:
    from coverage_gis.outputs.check_page import check_kml as kml

    state, lang = _state(request), _lang(request)
    run = state.get_check(request.path_params["check_id"])
    text = kml(run.result, state.project, run.point, lang=lang, record=run.record)
    return Response(text, media_type="application/vnd.google-earth.kml+xml",
                    headers={"Content-Disposition": 'attachment; filename="check.kml"'})


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def bad_input(request: Request, exc: Exception) -> Response:
    problems = [api_message(p) for p in getattr(exc, "problems", [str(exc)])]
    message = problems[0] if len(problems) == 1 else "; ".join(problems)
    if not _wants_json(request):
        return Response(message, status_code=400, media_type="text/plain; charset=utf-8")
    return _json({"error": "bad_request", "message": message, "problems": problems}, 400)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not _wants_json(request):
        return Response(str(exc.detail), status_code=exc.status_code,
                        media_type="text/plain; charset=utf-8")
    return _json({"error": "not_found" if exc.status_code == 404 else "http_error",
                  "message": str(exc.detail)}, exc.status_code)


class _Guard:
    """An unexpected error (a bug) gives a generic 500 answer; its traceback goes to the
    server's log (logger ``coverage_gis.web``), never to the browser."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any],
                       receive: Callable[[], Awaitable[Any]],
                       send: Callable[[MutableMapping[str, Any]], Awaitable[None]]) -> None:
        started = False

        async def watched(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)
        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("unexpected error on %s %s (a bug in coverage-gis)",
                          scope.get("method"), scope.get("path"))
            if not started and scope["type"] == "http":
                answer = _json({"error": "internal", "message": "unexpected error in "
                                "coverage-gis; the details are in the server's log"}, 500)
                await answer(scope, receive, send)


class _Headers:
    """Adds headers every answer should carry (no sniffing of types, no referrer)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any],
                       receive: Callable[[], Awaitable[Any]],
                       send: Callable[[MutableMapping[str, Any]], Awaitable[None]]) -> None:
        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer")]
                message["headers"] = headers
            await send(message)
        await self.app(scope, receive, with_headers)


def create_app(analysis: Analysis, *, source: str = "",
               hosts: tuple[str, ...] = LOOPBACK_HOSTS) -> Starlette:
    """The app for ``analysis`` (the stored result, or one computed at start-up); ``hosts``:
    the host names it answers to (``("*",)`` for any, when it listens on another address
    than this computer's)."""
    routes = [
        Route("/", page),
        Route("/static/{path:path}", static),
        Route("/api/map", api_map),
        Route("/api/images/{key}.png", api_image),
        Route("/api/coords", api_coords),
        Route("/api/check", api_check),
        Route("/api/checks/{check_id}", api_check_view),
        Route("/api/checks/{check_id}/coverage.json", api_check_coverage),
        Route("/api/checks/{check_id}/coverage.png", api_check_coverage_png),
        Route("/checks/{check_id}/check.html", check_page),
        Route("/checks/{check_id}/check.kml", check_kml),
    ]
    handlers: dict[Any, Any] = {InputError: bad_input, HTTPException: http_error}
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=[
        Middleware(_Guard),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts)),
        Middleware(_Headers),
        Middleware(GZipMiddleware, minimum_size=2048)])
    app.state.cg = AppState(analysis, source)
    return app
