"""Drive Debian's headless Chromium for tests, with no network and no Python driver.

Chromium's own switches give what the tests need: ``--dump-dom`` (the DOM after the page's
scripts ran), ``--screenshot`` (a PNG) and, with ``--enable-logging=stderr --v=1``, the page's
console messages on stderr (``INFO:CONSOLE...] "message", source: ...``). ``--proxy-server``
points at a closed local port, so any attempt to fetch from the network fails instead of
silently succeeding.

:func:`with_probe` adds a small script to a page that records what the console does not always
show (uncaught errors, failed resource loads, ``console.error``/``warn``) into an element the
dumped DOM carries.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: Switches from shared/design/FIELD_NOTES.md: no sandbox (root), no GPU, and nothing that
#: talks to the internet in the background.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--proxy-server=127.0.0.1:9",  # the discard port, closed: every fetch fails
    "--proxy-bypass-list=<-loopback>",
)

_CONSOLE = re.compile(r':CONSOLE[^\]]*\]\s*"(.*)", source: (.*)$')
PROBE_ID = "cg-browser-probe"


def find_chromium() -> str | None:
    """The Chromium executable (``$CHROMIUM`` or on PATH), or None."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).exists():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageRun:
    """What one Chromium run of a page gave."""

    returncode: int
    dom: str = ""
    console: list[str] = field(default_factory=list)
    stderr: str = ""
    probe: dict | None = None


def run_chromium(page: str | Path, *, dump_dom: bool = False, screenshot: str | Path | None = None,
                 window_size: tuple[int, int] = (1280, 900), budget_ms: int = 5000,
                 timeout_s: float = 120.0, chromium: str | None = None) -> PageRun:
    """Open ``page`` (a local file) in a fresh headless Chromium profile; return the DOM after
    ``budget_ms`` of virtual time (``dump_dom``) or write a PNG (``screenshot``)."""
    exe = chromium or find_chromium()
    if exe is None:
        raise RuntimeError("chromium not installed: apt-get install chromium")
    url = Path(page).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="cg-chromium-") as profile:
        args = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                "--enable-logging=stderr", "--v=1",
                f"--window-size={window_size[0]},{window_size[1]}",
                f"--virtual-time-budget={budget_ms}"]
        if dump_dom:
            args.append("--dump-dom")
        if screenshot is not None:
            args.append(f"--screenshot={Path(screenshot).resolve()}")
        args.append(url)
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s,
                              stdin=subprocess.DEVNULL, env={**os.environ, "LANG": "C.UTF-8"})
    console = []
    for line in proc.stderr.splitlines():
        m = _CONSOLE.search(line)
        if m:
            console.append(f"{m.group(1)} ({m.group(2)})")
    run = PageRun(proc.returncode, proc.stdout if dump_dom else "", console, proc.stderr)
    if dump_dom:
        m = re.search(rf'<pre id="{PROBE_ID}"[^>]*>(.*?)</pre>', run.dom, re.S)
        if m:
            import html
            run.probe = json.loads(html.unescape(m.group(1)))
    return run


_PROBE_HEAD = """<script>
(function () {
  var log = {errors: [], loaded: false, title: null};
  window.__cgProbe = log;
  function note(kind, text) { log.errors.push(kind + ": " + text); }
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) { note('resource', t.src || t.href); }
    else {
      note('error', (e.message || String(e)) + ' @' + (e.filename || '') + ':' + (e.lineno || ''));
    }
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    note('rejection', String(e.reason));
  });
  ['error', 'warn'].forEach(function (level) {
    var orig = console[level];
    console[level] = function () {
      note('console.' + level, Array.prototype.map.call(arguments, String).join(' '));
      return orig.apply(console, arguments);
    };
  });
})();
</script>"""

_PROBE_TAIL = """<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    var log = window.__cgProbe;
    try { %s } catch (e) { log.errors.push('probe: ' + e); }
    setTimeout(function () {
      log.loaded = true;
      log.title = document.title;
      var pre = document.createElement('pre');
      pre.id = '%s';
      pre.style.display = 'none';
      pre.textContent = JSON.stringify(log);
      document.body.appendChild(pre);
    }, 300);
  }, 300);
});
</script>"""


def printed_pages(page: Path, pdf: Path) -> int:
    """How many sheets Chromium prints ``page`` (an HTML file) on, without its header and
    footer, into ``pdf``."""
    import re

    exe = find_chromium()
    assert exe is not None, "printed_pages needs Chromium"
    subprocess.run([exe, *CHROMIUM_FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


def with_probe(page_html: str, after_load_js: str = "") -> str:
    """``page_html`` with the error probe first in ``<head>`` and, at the end of ``<body>``, a
    script that runs ``after_load_js`` once the page has loaded and then writes the probe's
    record (``errors``, ``loaded``, ``title``) as JSON into ``<pre id="cg-browser-probe">``."""
    head = re.search(r"<head[^>]*>", page_html, re.I)
    if head is None:
        raise ValueError("page has no <head>")
    page_html = page_html[:head.end()] + _PROBE_HEAD + page_html[head.end():]
    tail = _PROBE_TAIL % (after_load_js, PROBE_ID)
    idx = page_html.lower().rfind("</body>")
    if idx < 0:
        return page_html + tail
    return page_html[:idx] + tail + page_html[idx:]


def png_pixels(path: str | Path):
    """The RGB(A) pixels of a PNG as an array (rows, cols, bands), read with GDAL's PNG driver
    through rasterio (no imaging library needed)."""
    import warnings

    import numpy as np
    import rasterio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path) as ds:
            return np.moveaxis(ds.read(), 0, -1)


def png_rgba(data: bytes):
    """The RGBA pixels (rows, cols, 4) of PNG bytes, as a browser shows them: a paletted PNG
    (PLTE, with its tRNS alpha) expanded through its palette; read with GDAL's PNG driver."""
    import warnings

    import numpy as np
    import rasterio
    from rasterio.io import MemoryFile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with MemoryFile(data) as mem, mem.open() as ds:
            if ds.count == 1 and ds.colorinterp[0] == rasterio.enums.ColorInterp.palette:
                table = ds.colormap(1)
                lut = np.array([table.get(i, (0, 0, 0, 0)) for i in range(256)], np.uint8)
                return lut[ds.read(1)]
            return np.moveaxis(ds.read(), 0, -1)


def start_server(folder: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """``coverage-gis serve FOLDER --port 0 -q`` in a child process; returns it and the URL it
    printed (the free port it took). The caller terminates it."""
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "coverage_gis.cli", "serve", str(folder),
                             "--port", "0", "-q", *args], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    m = re.search(r"http://\S+?/", line)
    if m is None:
        proc.terminate()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, m.group(0)
