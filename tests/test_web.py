"""The local web app (`coverage-gis serve`), as the land officer uses it: a real server on a
free port, driven in Debian's Chromium through Playwright (no browser download), with every
request that leaves this computer aborted and recorded.

References: the command line's own check.json for the same point (the app must answer the
same), pyproj for distances and VN-2000 coordinates, hand-computed hillshades of planes.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from coverage_gis.outputs import i18n

from .browser import CHROMIUM_FLAGS, find_chromium

# The README's check: Viettel 4G on the cadastral x/y of Thôn Yên Sơn (QT04).
README_XY = {"x": "588150", "y": "2219700", "crs": "vn2000-thanhhoa", "operator": "Viettel",
             "technology": "4G", "band_mhz": "1800", "height_m": "35"}
README_AZIMUTHS = ["0", "120", "240"]
QT04_LONLAT = (105.844640, 20.065252)
EVIL = "<img src=x onerror=alert(1)>"
EVIL_SCENARIO = "<img src=y onerror=alert(2)>Xã"


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coverage_gis.cli", *args],
                          capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------------------------
# A real server in a subprocess
# --------------------------------------------------------------------------------------------

class Server:
    """``coverage-gis serve SOURCE --port 0`` in a subprocess; ``url`` from its first line."""

    def __init__(self, *args: str, timeout: float = 300) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "coverage_gis.cli", "serve",
                                      *args, "--port", "0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[str] = []
        self.errors: list[str] = []
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.errors),
                         daemon=True).start()
        got = threading.Event()

        def read() -> None:
            for line in self.proc.stdout:
                self.lines.append(line)
                got.set()
            got.set()  # the server ended
        threading.Thread(target=read, daemon=True).start()
        if not got.wait(timeout) or not self.lines:
            self.stop()
            raise RuntimeError(f"the server did not start: {''.join(self.errors)}")
        m = re.search(r"http://[^/\s]+/", self.lines[0])
        if m is None:
            self.stop()
            raise RuntimeError(f"no URL in {self.lines[0]!r}: {''.join(self.errors)}")
        self.url = m.group(0)

    @staticmethod
    def _drain(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def api(server: Server, path: str, params: list[tuple[str, str]] | dict[str, str]
        ) -> tuple[int, dict[str, str], dict]:
    status, headers, body = get(server.url.rstrip("/") + path + "?" +
                                urllib.parse.urlencode(params))
    return status, headers, json.loads(body)


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    """The sample analysed by the command line, as the officer's folder."""
    out = tmp_path_factory.mktemp("web") / "demo"
    proc = cli("analyze", "--out", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def hostile_dir(results_dir, tmp_path_factory) -> Path:
    """The stored result with hamlet QT04 and the scenario renamed to markup."""
    from coverage_gis.results.store import read_analysis, save_analysis

    a = read_analysis(results_dir)
    p = a.project
    hamlets = p.hamlets.copy()
    hamlets.loc[hamlets["hamlet_id"] == "QT04", "name"] = EVIL
    a.project = replace(p, hamlets=hamlets, scenario=replace(p.scenario, name=EVIL_SCENARIO))
    a.hamlets = a.hamlets.copy()
    a.hamlets.loc[a.hamlets["hamlet_id"] == "QT04", "name"] = EVIL
    out = tmp_path_factory.mktemp("web") / "hostile"
    save_analysis(a, out)
    return out


@pytest.fixture(scope="module")
def server(results_dir):
    s = Server(str(results_dir))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def hostile_server(hostile_dir):
    s = Server(str(hostile_dir))
    yield s
    s.stop()


# --------------------------------------------------------------------------------------------
# The API, against the command line
# --------------------------------------------------------------------------------------------

def _cli_check(tmp_path: Path, *options: str) -> dict:
    out = tmp_path / "check"
    proc = cli("check-site", *options, "--out", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "check.json").read_text(encoding="utf-8"))


def _without_date(doc: dict) -> dict:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", doc.pop("checked_at"))
    return doc


def test_api_check_is_the_cli_check_json(server, tmp_path):
    """The README's cadastral x/y: the same check.json from the app as from check-site."""
    record = {"request_id": "HS-2025/017", "applicant": "Viettel Thanh Hóa"}
    options = [f"--{k.replace('_', '-')}={v}" for k, v in {**README_XY, **record}.items()]
    expected = _cli_check(tmp_path, *options, "--azimuth-deg", *README_AZIMUTHS)
    status, headers, doc = api(server, "/api/check", {**README_XY, **record,
                                                      "azimuth_deg": "0,120,240"})
    assert status == 200 and re.fullmatch(r"[0-9a-f]{16}", headers["x-check-id"])
    assert _without_date(doc) == _without_date(expected)
    assert doc["verdict"] == "ok" and doc["coverage_gain"]["households_newly_covered"] == 190
    assert doc["input"]["azimuth_deg"] == README_AZIMUTHS and doc["input"]["x"] == "588150"
    # Repeated azimuths give the same check.
    _, _, again = api(server, "/api/check", [*README_XY.items(), *record.items(),
                                             *(("azimuth_deg", a) for a in README_AZIMUTHS)])
    assert _without_date(again) == doc


def test_api_check_takes_coordinates_as_people_copy_them(server, tmp_path):
    """Degrees-minutes-seconds and a decimal comma, echoed exactly as typed."""
    typed = {"lat": "20°03'54.9\"N", "lon": "105,844640", "operator": "MobiFone",
             "technology": "4G"}
    expected = _cli_check(tmp_path, f"--lat={typed['lat']}", f"--lon={typed['lon']}",
                          "--operator", "MobiFone", "--technology", "4G")
    status, _, doc = api(server, "/api/check", typed)
    assert status == 200
    assert _without_date(doc) == _without_date(expected)
    assert doc["input"]["lat"] == typed["lat"] and doc["input"]["crs"] == "WGS 84"


@pytest.mark.parametrize("params, words", [
    ({"lon": "105.8446", "lat": "20.0652", "technology": "4G"}, ["operator is required"]),
    ({"lon": "105.8446", "lat": "20.0652", "operator": "Viettel", "technology": "4G",
      "colour": "red"}, ["unknown parameter 'colour'"]),
    ({"lon": "105.8446", "lat": "abc", "operator": "Viettel", "technology": "4G"}, ["lat"]),
    ({"lon": "105.8446", "lat": "95", "operator": "Viettel", "technology": "4G"},
     ["lat", "90"]),
    ({"lon": "105.8446", "lat": "20.0652", "operator": "Viettel", "technology": "6G"},
     ["technology", "6G"]),
    ({"lon": "105.8446", "lat": "20.0652", "operator": "Foo", "technology": "4G"},
     ["operator", "Foo"]),
    ({"lon": "105.8446", "lat": "20.0652", "operator": "Viettel", "technology": "4G",
      "band_mhz": "50"}, ["band_mhz"]),
    ({"lon": "105.8446", "lat": "20.0652", "operator": "Viettel", "technology": "4G",
      "azimuth_deg": "0,400"}, ["azimuth_deg", "400"]),
    ({"lon": "106.9", "lat": "21.0", "operator": "Viettel", "technology": "4G"},
     ["outside the study area"]),
    ({"x": "588150", "y": "2219700", "crs": "nowhere", "operator": "Viettel",
      "technology": "4G"}, ["nowhere"]),
    ({"x": "588150", "crs": "vn2000-thanhhoa", "operator": "Viettel", "technology": "4G"},
     ["y"]),
    ({"lon": "20.0652", "lat": "105.8446", "operator": "Viettel", "technology": "4G"},
     ["swapped"]),
    ({"lon": "105.8446", "operator": "Viettel", "technology": "4G"}, ["lat"]),
])
def test_bad_parameters_are_refused_with_400_and_a_message(server, params, words):
    status, headers, doc = api(server, "/api/check", params)
    assert status == 400 and headers["content-type"].startswith("application/json")
    assert doc["error"] == "bad_request"
    for w in words:
        assert w in doc["message"], doc["message"]
    assert "Traceback" not in doc["message"] and "--" not in doc["message"]


def test_a_wrong_crs_inside_the_study_area_is_a_verdict_not_an_error(server):
    """The README's x/y read in VN-2000 / UTM 48 lie 667 m south: still in the study area,
    so the check runs (its verdict says whether that is on the unit's territory), and the
    point is where that CRS puts it."""
    from pyproj import Transformer

    status, _, doc = api(server, "/api/check", {**README_XY, "crs": "vn2000-utm48"})
    assert status == 200 and doc["input"]["crs"] == "vn2000-utm48"
    lon, lat = Transformer.from_crs("EPSG:3405", "EPSG:4326", always_xy=True).transform(
        588150, 2219700)
    assert abs(doc["point"]["lon"] - lon) < 2e-6 and abs(doc["point"]["lat"] - lat) < 2e-6


def test_a_parameter_given_twice_is_refused(server):
    status, _, doc = api(server, "/api/check", [("lon", "105.8"), ("lon", "105.9"),
                                               ("lat", "20.06"), ("operator", "Viettel"),
                                               ("technology", "4G")])
    assert status == 400 and "lon given 2 times" in doc["message"]


def test_coords_gives_wgs84_and_vn2000_as_pyproj(server):
    from pyproj import Transformer

    lon, lat = QT04_LONLAT
    status, _, doc = api(server, "/api/coords", {"lon": f"{lon}", "lat": f"{lat}"})
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:5897", always_xy=True).transform(lon, lat)
    assert status == 200 and doc["xy_crs_code"] == "EPSG:5897"
    assert abs(doc["x"] - x) < 0.001 and abs(doc["y"] - y) < 0.001
    # The README's x/y, which the cadastral map gives for this point (to the metre).
    assert abs(doc["x"] - 588150) < 1 and abs(doc["y"] - 2219700) < 1
    status, _, doc = api(server, "/api/coords", {"lon": "east", "lat": "20"})
    assert status == 400 and "lon" in doc["message"]


@pytest.mark.parametrize("lon, lat, inside", [(105.86, 20.07, True), (108.2, 16.05, False),
                                             (-179.0, -89.0, False)])
def test_coords_say_when_the_cadastral_xy_are_outside_their_zone(server, lon, lat, inside):
    """Found by a review: zone 482's x/y were given for Đà Nẵng and the South Pole with no
    word; EPSG:5897 is used between 103.5° and 106.51° E (pyproj's area of use)."""
    from pyproj import CRS

    status, _, doc = api(server, "/api/coords", {"lon": str(lon), "lat": str(lat)})
    assert status == 200
    area = CRS.from_epsg(5897).area_of_use
    assert (area.west <= lon <= area.east and area.south <= lat <= area.north) is inside
    assert doc["xy_in_area_of_use"] is inside


def test_coords_given_twice_are_refused(server):
    """Found by fuzzing: /api/coords used the last of two lon values, where /api/check
    refuses them."""
    lon, lat = QT04_LONLAT
    status, _, doc = api(server, "/api/coords", [("lon", f"{lon}"), ("lat", f"{lat}"),
                                                ("lon", "1")])
    assert status == 400 and "lon given 2 times; give it once" in doc["message"]


def test_ctrl_c_stops_the_app_with_exit_0(results_dir):
    """Ctrl-C is how the app is stopped (it said "interrupted: nothing was written", exit
    130, as for a run cut short)."""
    import signal

    s = Server(str(results_dir))
    assert get(s.url)[0] == 200  # serving
    s.proc.send_signal(signal.SIGINT)
    assert s.proc.wait(timeout=30) == 0
    time.sleep(0.2)  # the stderr thread's last lines
    said = "".join(s.errors)
    assert "coverage-gis serve: stopped" in said and "interrupted" not in said


def test_unknown_check_and_unknown_path(server):
    status, _, doc = api(server, "/api/checks/ffffffffffffffff", {})
    assert status == 404 and "run it again" in doc["message"]
    status, _, body = get(server.url + "static/../../etc/passwd")
    assert status == 404


def test_the_printable_page_and_kml_of_a_check(server):
    _, headers, doc = api(server, "/api/check", {**README_XY, "request_id": "<b>HS-1</b>"})
    check_id = headers["x-check-id"]
    status, headers, body = get(f"{server.url}checks/{check_id}/check.html")
    html = body.decode()
    assert status == 200 and "default-src 'none'" in headers["content-security-policy"]
    assert i18n.verdict_name(doc["verdict"], "vi") in html
    assert "&lt;b&gt;HS-1&lt;/b&gt;" in html and "<b>HS-1" not in html
    assert "<script" not in html
    status, headers, body = get(f"{server.url}checks/{check_id}/check.kml?lang=en")
    assert status == 200 and body.startswith(b"<?xml")
    assert "attachment" in headers["content-disposition"]


def test_an_unexpected_error_is_500_without_details(results_dir, monkeypatch, caplog):
    """In-process: a bug in the check gives a generic 500; the traceback is only logged."""
    import uvicorn

    from coverage_gis.cli.serve import bind
    from coverage_gis.results.store import read_analysis
    from coverage_gis.web import app as web_app

    def bug(*args, **kwargs):
        raise ZeroDivisionError("secret detail")
    monkeypatch.setattr(web_app, "run_check", bug)
    application = web_app.create_app(read_analysis(results_dir))
    sock = bind("127.0.0.1", 0)
    srv = uvicorn.Server(uvicorn.Config(application, log_level="error", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        port = sock.getsockname()[1]
        for _ in range(100):
            if srv.started:
                break
            time.sleep(0.05)
        with caplog.at_level("ERROR"):
            status, _, body = get(f"http://127.0.0.1:{port}/api/check?" +
                                  urllib.parse.urlencode(README_XY))
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()
    doc = json.loads(body)
    assert status == 500 and doc["error"] == "internal"
    assert "secret detail" not in body.decode() and "Traceback" not in body.decode()
    logged = "\n".join(r.getMessage() + str(r.exc_info) for r in caplog.records)
    assert "ZeroDivisionError" in logged


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------

def test_serve_refuses_a_busy_port_and_a_bad_one_before_analysing(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        t0 = time.monotonic()
        proc = cli("serve", "--port", str(port), timeout=60)
        assert proc.returncode == 1 and f"127.0.0.1:{port}" in proc.stderr
        assert "--port 0" in proc.stderr and "Traceback" not in proc.stderr
        assert time.monotonic() - t0 < 30  # no analysis first
    proc = cli("serve", "--port", "70000", timeout=60)
    assert proc.returncode == 1 and "0 to 65535" in proc.stderr
    (tmp_path / "notes.txt").write_text("mine")
    proc = cli("serve", str(tmp_path), "--port", "0", timeout=60)
    assert proc.returncode == 1 and "not a folder written by" in proc.stderr


def test_serve_on_another_host_warns(results_dir):
    s = Server(str(results_dir), "--host", "0.0.0.0")
    try:
        for _ in range(100):
            if any("warning" in line and "0.0.0.0" in line for line in s.errors):
                break
            time.sleep(0.05)
        assert any("warning" in line and "0.0.0.0" in line for line in s.errors), s.errors
    finally:
        s.stop()


def test_serve_a_scenario_analyses_it_once(small_scenario):
    s = Server(str(small_scenario))
    try:
        status, _, body = get(s.url + "api/map")
        doc = json.loads(body)
        assert status == 200
        assert sorted(f["properties"]["id"] for f in doc["layers"]["hamlets"]["features"]) \
            == ["T1", "T2"]
        assert "hillshade" not in doc["images"]  # no DEM: a plain background
        assert any("Analysing" in line for line in s.errors)
    finally:
        s.stop()


def test_the_app_never_imports_the_command_line():
    """The web app sits under the cli (serve starts it): none of its modules imports
    coverage_gis.cli (import-linter checks the whole layer order in make test)."""
    import ast
    web = Path(__file__).resolve().parent.parent / "coverage_gis" / "web"
    for path in web.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith("coverage_gis.cli") for n in names), path.name


# --------------------------------------------------------------------------------------------
# The hillshade
# --------------------------------------------------------------------------------------------

def _plane(p: float, q: float, n: int = 7, d: float = 30.0) -> np.ndarray:
    """Heights of z = p·east + q·north on an n×n grid of spacing d (row 0 north)."""
    east = np.arange(n) * d
    north = (n - 1 - np.arange(n)) * d
    return p * east[None, :] + q * north[:, None]


@pytest.mark.parametrize("p, q", [(0.0, 0.0), (0.3, 0.0), (0.0, -0.5), (-1.0, 1.0),
                                  (0.2, 0.7)])
def test_hillshade_of_planes_by_hand(p, q):
    """Sun at azimuth 315°, 45° high: the cosine between the plane's normal
    (−p, −q, 1)/√(1+p²+q²) and the sun (−cos45·sin45, cos45·cos45, sin45)."""
    from coverage_gis.web.images import hillshade

    s = math.sqrt(0.5)
    sun = (-s * s, s * s, s)
    expected = max(0.0, (-p * sun[0] - q * sun[1] + sun[2]) / math.sqrt(1 + p * p + q * q))
    shade = hillshade(_plane(p, q), 30.0, 30.0)
    inner = shade[1:-1, 1:-1]
    assert np.allclose(inner, expected, atol=1e-12)
    assert np.isnan(shade[0]).all() and np.isnan(shade[:, -1]).all()


def test_hillshade_facing_the_sun_and_away():
    """A 45° slope facing north-west is lit square-on (1); facing south-east, in shadow
    (0); flat ground gets sin 45°."""
    from coverage_gis.web.images import hillshade

    k = math.sqrt(0.5)  # slope 1 (45°) towards the north-west: dz/dE = +k, dz/dN = -k
    assert np.allclose(hillshade(_plane(k, -k), 30.0, 30.0)[1:-1, 1:-1], 1.0)
    assert np.allclose(hillshade(_plane(-k, k), 30.0, 30.0)[1:-1, 1:-1], 0.0)
    assert np.allclose(hillshade(np.zeros((5, 5)), 10.0, 10.0)[1:-1, 1:-1], k)


def test_hillshade_png_lies_where_the_dem_is():
    """A DEM in UTM: the Web Mercator overlay covers the DEM's extent (corners transformed
    with pyproj) to a pixel, and a hill's north-west flank is brighter than its south-east."""
    from affine import Affine
    from pyproj import CRS, Transformer

    from coverage_gis.io.readers import Raster
    from coverage_gis.web.images import hillshade_png

    n, d = 101, 30.0
    yy, xx = np.mgrid[0:n, 0:n]
    z = 300 * np.exp(-(((xx - 50) ** 2 + (yy - 50) ** 2) / (2 * 12.0 ** 2))).astype(np.float32)
    t = Affine(d, 0, 580000, 0, -d, 2220000)
    overlay = hillshade_png(Raster(z, t, CRS.from_epsg(32648), "hill"))
    to_ll = Transformer.from_crs(32648, 4326, always_xy=True)
    lon0, lat0 = to_ll.transform(580000, 2220000 - n * d)
    lon1, lat1 = to_ll.transform(580000 + n * d, 2220000)
    (s, w), (nn, e) = overlay.bounds
    pixel = 3100 / overlay.width_px / 111_000 * 1.5
    assert abs(w - lon0) < pixel * 2 and abs(e - lon1) < pixel * 2
    assert abs(s - lat0) < pixel * 2 and abs(nn - lat1) < pixel * 2
    assert overlay.png.startswith(b"\x89PNG")
    from .browser import png_pixels

    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"cg-hill-{os.getpid()}.png"
    path.write_bytes(overlay.png)
    try:
        px = png_pixels(path)
    finally:
        path.unlink()
    h, w_ = px.shape[:2]
    nw, se = px[h // 2 - 10, w_ // 2 - 10, 0], px[h // 2 + 10, w_ // 2 + 10, 0]
    assert nw > se + 50
    assert hillshade_png(None) is None


# --------------------------------------------------------------------------------------------
# In the browser
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    exe = find_chromium()
    if exe is None:
        pytest.skip("chromium not installed (apt-get install chromium): browser tests skipped")
    # Playwright runs it headless; the page's own server is on this computer, so the
    # proxy trick of tests/browser.py is replaced by routing (every other request aborted).
    flags = [f for f in CHROMIUM_FLAGS if f != "--headless" and not f.startswith("--proxy")]
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=flags)
        yield b
        b.close()


class Page:
    """A page of the app at 1366×768 with the network cut: requests beyond this computer
    are aborted and recorded; console errors, page errors, failed requests and dialogs are
    recorded."""

    def __init__(self, browser, url: str, size: tuple[int, int] = (1366, 768)) -> None:
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                           locale="vi-VN")
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []

        def route(r):
            host = urllib.parse.urlsplit(r.request.url).hostname
            if host in ("127.0.0.1", "localhost") or r.request.url.startswith("data:"):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()
        self.context.route("**/*", route)
        self.page.on("console", lambda m: m.type in ("error", "warning")
                     and self.errors.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))

        def dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()
        self.page.on("dialog", dialog)
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        self.page.wait_for_load_state("networkidle")

    def click_lonlat(self, lon: float, lat: float) -> None:
        pt = self.page.evaluate(
            "([lat, lon]) => coverageGis.map.latLngToContainerPoint([lat, lon])", [lat, lon])
        box = self.page.locator("#cg-map").bounding_box()
        self.page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])

    def box(self, selector: str) -> dict:
        return self.page.locator(selector).first.bounding_box()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser, server):
    p = Page(browser, server.url)
    yield p
    p.close()


def test_on_a_phone_the_page_fits_and_the_panels_start_folded(browser, server):
    """On a 390 px screen the page was 524 px wide (the language link off screen) and the
    open layer and legend panels covered two thirds of the map."""
    phone = Page(browser, server.url, (390, 844))
    try:
        pg = phone.page
        assert phone.outside == [] and phone.errors == []
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
        lang = phone.box("#cg-lang")
        assert lang["x"] >= 0 and lang["x"] + lang["width"] <= 390
        heads = pg.locator(".cg-panel-head")
        assert heads.count() >= 2
        assert all(heads.nth(i).get_attribute("aria-expanded") == "false"
                   for i in range(heads.count()))
        heads.first.click()
        assert heads.first.get_attribute("aria-expanded") == "true"
    finally:
        phone.close()


def test_the_page_loads_offline_with_no_console_error(page):
    pg = page.page
    assert page.outside == [] and page.errors == []
    assert pg.title() == i18n.web_words("vi")["app_title"]
    assert pg.evaluate("document.documentElement.lang") == "vi"
    # The hillshade from the DEM is the background, drawn.
    size = pg.evaluate("""() => { const i = document.querySelector('img.cg-l-hillshade');
                                  return i ? i.naturalWidth : 0; }""")
    assert size > 100
    assert pg.locator(".cg-l-hamlets_mbb").count() == 6
    assert pg.locator(".cg-label").count() == 6  # hamlet names


def test_the_english_page(browser, server):
    p = Page(browser, server.url + "?lang=en")
    try:
        assert p.page.title() == i18n.web_words("en")["app_title"]
        assert p.page.locator("#cg-layers .cg-panel-head").inner_text().strip().endswith(
            "Layers")
        assert p.errors == [] and p.outside == []
    finally:
        p.close()


def test_every_word_of_the_app_is_in_both_languages():
    vi, en = i18n.web_words("vi"), i18n.web_words("en")
    assert set(vi) == set(en)
    same = {k for k in vi if vi[k] == en[k]}
    assert same <= {"cell", "share_mbb", "point_xy", "pointer_lonlat", "pointer_xy"}, same


def test_a_click_on_the_map_gives_the_check(page, server):
    pg = page.page
    lon, lat = QT04_LONLAT
    page.click_lonlat(lon, lat)
    pg.wait_for_selector("#cg-verdict", timeout=30_000)
    verdict = pg.locator("#cg-verdict")
    assert verdict.get_attribute("data-verdict") == "ok"
    assert i18n.verdict_name("ok", "vi") in verdict.inner_text()
    # The clicked point was typed into the form, and the reasons are in Vietnamese.
    assert abs(float(pg.input_value("#cg-lat")) - lat) < 1.5e-4  # a pixel: about 10 m
    assert abs(float(pg.input_value("#cg-lon")) - lon) < 1.5e-4
    assert "cần xây trạm mới" in pg.locator("#cg-reasons").inner_text()
    # Before/after: the new cells' coverage lies on the map.
    pg.wait_for_selector("#cg-map img[src*='/coverage.png']", timeout=30_000)
    # The printable page opens in a new tab.
    with pg.context.expect_page() as tab:
        pg.click("#cg-print")
    printed = tab.value
    printed.wait_for_load_state()
    assert i18n.verdict_name("ok", "vi") in printed.content()
    assert page.errors == [] and page.outside == []


def test_a_typed_cadastral_point_gives_the_check(page):
    pg = page.page
    pg.check("input[name=mode][value=xy]")
    pg.fill("#cg-x", README_XY["x"])
    pg.fill("#cg-y", README_XY["y"])
    pg.select_option("#cg-operator", "Viettel")
    pg.fill("#cg-azimuth_deg", "0 120 240")
    pg.fill("#cg-request_id", "HS-17")
    pg.click("#cg-submit")
    pg.wait_for_selector("#cg-verdict", timeout=30_000)
    text = pg.locator("#cg-result").inner_text()
    assert "588150" in text.replace(".", "").replace(",", "") or "588150.0" in text
    assert "190" in text  # households newly covered (README)
    # A typing mistake: a clear message, no check.
    pg.fill("#cg-x", "588150,5,3")
    pg.click("#cg-submit")
    pg.wait_for_selector("#cg-error:not([hidden])")
    assert "x" in pg.locator("#cg-error").inner_text()


def test_layers_toggle_and_hamlet_colourings_exclude_each_other(page):
    pg = page.page
    assert pg.locator(".cg-l-cells").count() == 84
    pg.uncheck("input[data-layer=cells]")
    assert pg.locator(".cg-l-cells").count() == 0
    pg.check("input[data-layer=cells]")
    assert pg.locator(".cg-l-cells").count() == 84
    pg.check("input[data-layer=hamlets_ftth]")
    assert pg.locator(".cg-l-hamlets_ftth").count() == 6
    assert pg.locator(".cg-l-hamlets_mbb").count() == 0  # never both at once
    assert not pg.is_checked("input[data-layer=hamlets_mbb]")
    pg.check("input[data-layer=level_4G]")
    pg.wait_for_selector("img.cg-l-level_4G")
    pg.check("input[data-layer=covered_mobile_broadband]")
    assert pg.locator("img.cg-l-level_4G").count() == 0
    legend = pg.locator("#cg-legend-body").inner_text()
    assert i18n.web_words("vi")["layer_hamlets_ftth"] in legend
    assert page.errors == []


def test_the_map_draws_the_unit_the_checks_use_and_names_the_old_commune(page, server):
    """Found by a review: the app drew only the old commune (7 km²) while its checks judge
    phường Quang Trung (29 km²): a click 3 km outside the drawn outline was "inside". The
    ward is drawn and named, the old commune named as such, and the check agrees with the
    ward drawn."""
    import shapely
    import shapely.geometry

    pg = page.page
    assert pg.locator(".cg-l-unit").count() >= 1
    words = i18n.web_words("vi")
    assert "Phường Quang Trung" in pg.locator("label[for$='-unit']").inner_text()
    assert words["layer_commune_old"] in pg.locator("label[for$='-commune']").inner_text()
    _, _, body = get(server.url.rstrip("/") + "/api/map")
    unit = json.loads(body)["layers"]["unit"]["features"]
    assert [f["properties"]["code"] for f in unit] == ["14818"]
    ward = shapely.geometry.shape(unit[0]["geometry"])
    for lon, lat in ((105.85113, 20.09924), (105.8628, 20.0690), (105.92, 20.05)):
        _, _, doc = api(server, "/api/check", {"lon": str(lon), "lat": str(lat),
                                               "operator": "Viettel", "technology": "4G"})
        assert doc["location"]["inside_commune"] == ward.contains(shapely.Point(lon, lat))
    assert page.errors == []


def _overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"] or
                a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_the_legend_never_covers_the_controls_at_1366x768(page):
    pg = page.page
    for key in ("households_mbb", "level_4G", "fibre_routes", "access_points", "extensions",
                "sharing", "constraints"):
        pg.check(f"input[data-layer={key}]")
    controls = {"layers": "#cg-layers", "zoom": ".leaflet-control-zoom",
                "measure": ".cg-measure", "coords": "#cg-coords",
                "scale": ".leaflet-control-scale", "attribution": ".leaflet-control-attribution"}
    map_box = page.box("#cg-map")
    for state in ("both open", "layers closed", "legend closed"):
        if state == "layers closed":
            pg.click("#cg-layers .cg-panel-head")
        if state == "legend closed":
            pg.click("#cg-layers .cg-panel-head")
            pg.click("#cg-legend .cg-panel-head")
        legend = page.box("#cg-legend")
        assert legend["height"] > 20
        for name, sel in controls.items():
            assert not _overlap(legend, page.box(sel)), (state, name)
        for sel in controls.values():  # every control inside the map, none cut off
            b = page.box(sel)
            assert b["y"] >= map_box["y"] - 1
            assert b["y"] + b["height"] <= map_box["y"] + map_box["height"] + 1, (state, sel)
        assert legend["y"] + legend["height"] <= map_box["y"] + map_box["height"]


def test_a_hostile_hamlet_name_stays_text(browser, hostile_server):
    p = Page(browser, hostile_server.url)
    try:
        pg = p.page
        assert EVIL in pg.locator(".cg-label").all_inner_texts()
        assert pg.locator("#cg-scenario").inner_text() == EVIL_SCENARIO
        pg.fill("#cg-search", "img src")
        assert EVIL in pg.locator("#cg-search-results").inner_text()
        p.click_lonlat(*QT04_LONLAT)
        pg.wait_for_selector("#cg-verdict", timeout=30_000)
        assert EVIL in pg.locator("#cg-result").inner_text()
        pg.wait_for_timeout(300)
        assert pg.evaluate("document.querySelectorAll('img[src=\"x\"], img[src=\"y\"]').length") \
            == 0
        assert p.dialogs == [] and p.outside == [] and p.errors == []
    finally:
        p.close()


def test_search_zooms_to_a_hamlet_written_without_accents(page):
    pg = page.page
    pg.fill("#cg-search", "yen son")
    hit = pg.locator("#cg-search-results button").first
    assert "Thôn Yên Sơn" in hit.inner_text()
    zoom = pg.evaluate("coverageGis.map.getZoom()")
    pg.evaluate("coverageGis.map.setView([20.0, 105.95], 15)")  # look elsewhere first
    hit.click()
    lon, lat = QT04_LONLAT  # a point inside Thôn Yên Sơn: in view again, closer
    assert pg.evaluate(f"coverageGis.map.getBounds().contains([{lat}, {lon}])")
    assert pg.evaluate("coverageGis.map.getZoom()") > zoom
    pg.fill("#cg-search", "BSN-T01")
    assert "BSN-T01" in pg.locator("#cg-search-results button").first.inner_text()


def test_measuring_two_clicks_in_metres_as_pyproj(page):
    from pyproj import Geod

    pg = page.page
    pg.click("#cg-measure")
    a, b = (105.846, 20.062), (105.858, 20.070)
    page.click_lonlat(*a)
    page.click_lonlat(*b)
    text = pg.locator("#cg-measure-out").inner_text()
    metres = float(re.sub(r"[^\d]", "", text.split(":")[1]))
    clicked = pg.evaluate("""() => { const m = coverageGis.map;
        return document.querySelectorAll('.cg-measure-label').length; }""")
    assert clicked == 1
    _, _, dist = Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])
    assert abs(metres - dist) / dist < 0.005  # a click lands within a pixel; sphere vs WGS 84
    assert pg.locator("#cg-verdict").count() == 0  # measuring clicks run no check
    pg.keyboard.press("Escape")
    assert pg.get_attribute("#cg-measure", "aria-pressed") == "false"


def test_pointer_coordinates_in_vn2000_as_pyproj(page):
    from pyproj import Transformer

    pg = page.page
    box = page.box("#cg-map")
    pg.mouse.move(box["x"] + 500, box["y"] + 300)
    pg.wait_for_selector("#cg-pointer-vn:not(:empty)")
    ll = pg.evaluate("""(() => { const p = coverageGis.map.containerPointToLatLng([500, 300]);
                        return [p.lng, p.lat]; })()""")
    wgs = pg.locator("#cg-pointer-wgs").inner_text()
    shown_lat, shown_lon = (float(v) for v in re.findall(r"\d+\.\d{6}", wgs))
    assert abs(shown_lon - ll[0]) < 1.5e-4 and abs(shown_lat - ll[1]) < 1.5e-4  # a pixel
    text = pg.locator("#cg-pointer-vn").inner_text()
    x, y = (float(v) for v in re.findall(r"[xy] (\d+\.\d)", text))
    ex, ey = Transformer.from_crs(4326, 5897, always_xy=True).transform(shown_lon, shown_lat)
    assert "EPSG:5897" in text
    assert abs(x - ex) < 0.2 and abs(y - ey) < 0.2  # 1e-6° is 0.1 m; shown to 0.1 m
