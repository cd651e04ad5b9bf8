"""Defects found by fuzzing the web app (fuzz4), as the API and `serve` answer them now: CRSs
that hold no horizontal position on the Earth (HTTP 500, or a wrong check), repeated and
countless azimuths, metres under a CRS in degrees ("lies inf km"), control characters in the
text echoed into the check's files, and the Host-header check with `--host ::1`.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import urllib.parse

import pytest

from coverage_gis.config import settings

from . import test_web
from .test_web import README_XY, Server, api

#: The module's fixtures: the sample analysed once, served once (those of test_web).
results_dir = test_web.results_dir
server = test_web.server

LONLAT = {"lon": "105.8639", "lat": "20.0668", "operator": "Viettel", "technology": "4G"}
XY = {"x": "590332", "y": "2219107", "operator": "Viettel", "technology": "4G"}


def _refused(server: Server, params, *words: str) -> str:
    status, headers, doc = api(server, "/api/check", params)
    assert status == 400 and headers["content-type"].startswith("application/json"), doc
    assert doc["error"] == "bad_request"
    for w in words:
        assert w in doc["message"], doc["message"]
    assert "--" not in doc["message"] and "inf km" not in doc["message"]
    return doc["message"]


# --------------------------------------------------------------------------------------------
# R01, R02: the CRS of x/y
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("crs, words", [
    ("IAU_2015:30100", "is not an Earth CRS"),
    ('LOCAL_CS["x"]', "is a local engineering CRS"),
    ('GEOGCS["x",DATUM["y",SPHEROID["z",1,0]],PRIMEM["G",0],'
     'UNIT["degree",0.0174532925199433]]', "is not an Earth CRS"),
    ("EPSG:5714", "is a vertical CRS (heights only), not a horizontal (2-D) CRS"),
    ("EPSG:4978", "is a geocentric CRS"),
])
def test_a_crs_of_no_horizontal_earth_position_is_a_400_naming_crs(server, crs, words):
    """It was HTTP 500 (ProjError) for the first three, a full check for EPSG:5714."""
    message = _refused(server, {**XY, "crs": crs}, words)
    assert message.startswith("crs: ")
    if crs == "EPSG:5714":  # the pair PROJ read as WGS 84 latitude, longitude
        _refused(server, {**XY, "x": "20.0668", "y": "105.8639", "crs": crs}, words)


def test_a_compound_crs_still_places_its_horizontal_part(server):
    status, _, doc = api(server, "/api/check", {**XY, "x": LONLAT["lon"], "y": LONLAT["lat"],
                                                "crs": "EPSG:4326+5773"})
    assert status == 200 and doc["location"]["inside_commune"]
    assert abs(doc["point"]["lon"] - float(LONLAT["lon"])) < 1e-6


# --------------------------------------------------------------------------------------------
# R08: metres under a CRS in degrees, degrees under a projected CRS
# --------------------------------------------------------------------------------------------

def test_metres_under_a_crs_in_degrees_name_the_cadastral_crs(server):
    for crs in ("EPSG:4326", "wgs84", "vn2000"):
        _refused(server, {**README_XY, "crs": crs}, "out of range for", "a CRS in degrees",
                 "longitude from -180 to 180", "latitude from -90 to 90",
                 f"crs {settings.CHECK_SITE_CADASTRAL_CRS}")


def test_degrees_under_a_projected_crs_say_so(server):
    _refused(server, {**XY, "x": LONLAT["lon"], "y": LONLAT["lat"], "crs": "vn2000-thanhhoa"},
             "x and y look like degrees", "give them as lon and lat")


# --------------------------------------------------------------------------------------------
# R07: azimuths
# --------------------------------------------------------------------------------------------

def test_azimuths_pointing_the_same_way_are_refused(server):
    """0 and 360 gave two identical sectors, exposure and coverage summed twice."""
    _refused(server, [*LONLAT.items(), ("azimuth_deg", "0"), ("azimuth_deg", "360")],
             "azimuth_deg='360' points the same way as '0'")
    _refused(server, {**LONLAT, "azimuth_deg": "0,120,120"}, "azimuth_deg='120' is given twice")
    status, _, doc = api(server, "/api/check", {**LONLAT, "azimuth_deg": "0,120,240"})
    assert status == 200 and doc["proposal"]["cells"] == 3


def test_more_sectors_than_a_tower_carries_are_refused_at_once(server):
    """Thousands of repeated azimuths held the app's one check lock for seconds."""
    import time

    n = 2500
    t0 = time.monotonic()
    _refused(server, [*LONLAT.items(), *(("azimuth_deg", str(k % 360)) for k in range(n))],
             f"azimuth_deg: {n} azimuths given",
             f"expected at most {settings.CHECK_SITE_MAX_SECTORS}")
    assert time.monotonic() - t0 < 5
    _refused(server, {**LONLAT, "azimuth_deg": " ".join(str(10 * k) for k in range(13))},
             "13 azimuths given")


# --------------------------------------------------------------------------------------------
# Control characters in the text echoed into check.json, check.html and check.kml
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value, code", [
    ("request_id", "HS\x01-2025\x0b12", "U+0001"), ("applicant", "Viettel\x7f", "U+007F"),
    ("applicant", "Chi nhánh\nThanh Hóa", "U+000A"), ("request_id", "HS\x00", "U+0000"),
])
def test_control_characters_in_the_record_are_refused(server, key, value, code):
    message = _refused(server, {**LONLAT, key: value}, f"{key}=", f"control character {code}")
    assert message.startswith(f"{key}=")


def test_plain_text_in_the_record_is_echoed(server):
    status, _, doc = api(server, "/api/check", {**LONLAT, "request_id": "HS-2025/017",
                                                "applicant": "Chi nhánh Viettel Thanh Hóa"})
    assert status == 200 and doc["request_id"] == "HS-2025/017"


# --------------------------------------------------------------------------------------------
# R05: the Host header
# --------------------------------------------------------------------------------------------

def _status(hosts: tuple[str, ...], header: str | None) -> int:
    """The status the app's host check (Starlette's TrustedHostMiddleware, as the app sets
    it up) gives a request with this Host header."""
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    headers = [] if header is None else [(b"host", header.encode())]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers,
             "query_string": b"", "root_path": ""}
    check = TrustedHostMiddleware(inner, allowed_hosts=list(hosts))
    asyncio.run(check(scope, receive, send))
    return sent[0]["status"]


def test_the_host_check_takes_loopback_names_with_any_port():
    from coverage_gis.web.app import LOOPBACK_HOSTS

    for header in ("127.0.0.1", "127.0.0.1:8765", "localhost:8765", "[::1]:8765", "[::1]"):
        assert _status(LOOPBACK_HOSTS, header) == 200, header
    for header in ("attacker.example", "attacker.example:8765", "[::2]:8765", "[::1",
                   "127.0.0.1.attacker.example", None):
        assert _status(LOOPBACK_HOSTS, header) == 400, header
    assert _status(("*",), "attacker.example") == 200


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_serve_on_ipv6_loopback_checks_the_host_header(results_dir):
    """--host ::1 turned the check off (any Host answered: DNS rebinding)."""
    s = Server(str(results_dir), "--host", "::1")
    try:
        assert s.url.startswith("http://[::1]:")
        port = urllib.parse.urlsplit(s.url).port
        assert not any("warning" in line for line in s.errors)  # this computer only
        for host, expected in ((f"[::1]:{port}", 200), ("[::1]", 200),
                               (f"localhost:{port}", 200), ("attacker.example", 400),
                               (f"attacker.example:{port}", 400)):
            conn = http.client.HTTPConnection("::1", port, timeout=60)
            conn.putrequest("GET", "/api/coords?lon=105.8&lat=20", skip_host=True)
            conn.putheader("Host", host)
            conn.endheaders()
            answer = conn.getresponse()
            body = answer.read()
            conn.close()
            assert answer.status == expected, (host, body)
            if expected == 200:
                assert json.loads(body)["lon"] == 105.8
    finally:
        s.stop()
