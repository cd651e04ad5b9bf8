"""Screenshots of the web app for the README, taken with Playwright and Debian's Chromium.

1. ``docs/serve.png``: the app at 1366×768 (a land officer's laptop) after a click on Thôn
   Yên Sơn, with the check's verdict beside the map;
2. ``docs/serve_check_print.png``: that check's printable page as printed (print media, an
   A4 sheet at 96 dpi: 794×1123 CSS pixels, with the page's 10 mm margins).

Run: ``.venv/bin/python docs/make_screenshots.py [RESULTS_DIR]`` (without a folder the sample
is analysed into a temporary one first). Needs the ``playwright`` package (dev extra) and
Chromium (``apt-get install chromium``); no browser is downloaded and no page leaves this
computer.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.browser import CHROMIUM_FLAGS, find_chromium, start_server  # noqa: E402

#: Where the officer clicks: Thôn Yên Sơn (QT04), the hamlet without 4G.
POINT = (105.844640, 20.065252)


def shoot(url: str) -> None:
    from playwright.sync_api import sync_playwright

    exe = find_chromium()
    if exe is None:
        raise SystemExit("chromium not installed: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe,
                                    args=[f for f in CHROMIUM_FLAGS
                                          if f != "--headless" and not f.startswith("--proxy")])
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.route("**/*", lambda r: r.continue_()
                      if urlsplit(r.request.url).hostname == "127.0.0.1" else r.abort())
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        pt = page.evaluate("([lat, lon]) => coverageGis.map.latLngToContainerPoint([lat, lon])",
                           [POINT[1], POINT[0]])
        box = page.locator("#cg-map").bounding_box()
        page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
        page.wait_for_selector("#cg-verdict")
        page.wait_for_selector("#cg-map img[src*='/coverage.png']")
        page.mouse.move(box["x"] + 60, box["y"] + box["height"] - 140)  # away from tooltips
        page.wait_for_timeout(800)
        page.screenshot(path=str(HERE / "serve.png"))
        printed = context.new_page()
        printed.set_viewport_size({"width": 794, "height": 1123})
        printed.emulate_media(media="print")
        printed.goto(url.rstrip("/") + page.get_attribute("#cg-print", "href"))
        printed.wait_for_load_state()
        # The sheet's 10 mm margins (the page's @page rule, which only a printer applies).
        printed.evaluate("document.body.style.margin = '10mm'")
        printed.screenshot(path=str(HERE / "serve_check_print.png"), full_page=False)
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cg-shots-") as tmp:
        folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp) / "demo"
        if len(sys.argv) <= 1:
            subprocess.run([sys.executable, "-m", "coverage_gis.cli", "analyze", "--out",
                            str(folder), "-q"], check=True)
        proc, url = start_server(folder)
        try:
            shoot(url)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"wrote {HERE / 'serve.png'} and {HERE / 'serve_check_print.png'}")


if __name__ == "__main__":
    main()
