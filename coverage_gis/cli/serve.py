"""``coverage-gis serve``: the local web app (map and tower check) on this computer."""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
from pathlib import Path
from typing import Any

from coverage_gis.config import settings
from coverage_gis.errors import InputError

EXAMPLES = """examples:
  coverage-gis serve out/demo            # a folder written by 'coverage-gis analyze'
  coverage-gis serve                     # the bundled sample, analysed once at start-up
  coverage-gis serve my_ward/scenario.toml --port 8800
then open http://127.0.0.1:8765/ in a browser (?lang=en for English)
"""

#: Host names of this computer's own (loopback) interface.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    c = sub.add_parser(
        "serve", parents=[common], help="a local web app: the map and the tower check",
        description="Serve the analysis on an offline map (terrain from the DEM, layers, "
                    "legend, search, measuring, pointer coordinates in WGS 84 and VN-2000) "
                    "and the land officer's tower check (click the map or type coordinates; "
                    "verdict, reasons, coverage gain, sharing, rules; a printable A4 page), "
                    "in a browser on this computer. With a folder written by 'coverage-gis "
                    "analyze' nothing is recomputed; with a scenario it is analysed once at "
                    "start-up. Needs no network. Ctrl-C stops it.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("source", nargs="?", metavar="SCENARIO | RESULTS_DIR",
                   help="a folder written by 'coverage-gis analyze', or a scenario TOML "
                        "(default: the bundled sample)")
    c.add_argument("--host", default=settings.SERVE_HOST,
                   help=f"address to listen on (default {settings.SERVE_HOST}: this "
                        "computer only; another address lets other computers in, with no "
                        "login)")
    c.add_argument("--port", default=str(settings.SERVE_PORT),
                   help=f"port (default {settings.SERVE_PORT}; 0: any free port)")
    c.set_defaults(run=run)


def is_local(host: str) -> bool:
    """Whether ``host`` is this computer's own (loopback) interface: ``localhost``, or an
    address of 127.0.0.0/8 or ``::1`` (in any of its spellings)."""
    if host.strip().lower() in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise InputError(f"--port {text!r}: expected a whole number from 0 to 65535 "
                         f"(e.g. {settings.SERVE_PORT}; 0 for any free port)")
    return port


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``, or :class:`InputError` saying why not
    (address in use, unknown host)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise InputError(f"--host {host!r}: not an address of this computer "
                         f"({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(64)
    except OSError as exc:
        sock.close()
        busy = " (another program, or another 'coverage-gis serve', uses it)" if (
            exc.errno in (98, 48)) else ""
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}{busy}; choose "
                         "another --port, or --port 0 for any free one") from None
    sock.set_inheritable(True)
    return sock


def load_analysis(source: str | None, args: argparse.Namespace) -> Any:
    """The stored result in ``source`` (a folder), or the scenario ``source`` (a TOML file;
    None: the bundled sample) analysed now."""
    from coverage_gis.cli.common import load_or_report

    if source is not None and Path(source).is_dir():
        from coverage_gis.results.store import check_result_folder, read_analysis

        check_result_folder(source)
        if not args.quiet:
            print(f"Reading the stored result in {source}", file=sys.stderr)
        return read_analysis(source)  # checked against its manifest, held while read
    from coverage_gis.config.scenario import read_scenario
    from coverage_gis.pipeline import analyze

    scenario = read_scenario(source)
    project = load_or_report(scenario, args)
    if not args.quiet:
        print(f"Analysing {scenario.name} once (it stays in memory)", file=sys.stderr)
    return analyze(project, progress=not args.quiet)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from coverage_gis.web.app import LOOPBACK_HOSTS, create_app

    port = _port(args.port)
    local = is_local(args.host)
    sock = bind(args.host, port)  # before the analysis: a busy port is said at once
    if not local:
        print(f"warning: listening on {args.host}, not only on this computer: anyone "
              "who can reach this address can use the app (it has no login)",
              file=sys.stderr, flush=True)
    try:
        analysis = load_analysis(args.source, args)
        # this computer only: the Host header must name it (a page on another name that
        # resolves here, DNS rebinding, is refused); another address: any name
        named = f"[{args.host.strip('[]')}]" if ":" in args.host else args.host
        hosts = tuple(dict.fromkeys((*LOOPBACK_HOSTS, named))) if local else ("*",)
        app = create_app(analysis, source=str(args.source or ""), hosts=hosts)
        app.state.cg.warm_up()
        host, bound = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"coverage-gis serve: open http://{shown}:{bound}/ in a browser "
              "(?lang=en for English); Ctrl-C stops it", flush=True)
        config = uvicorn.Config(app, log_level="info" if args.verbose else "warning",
                                access_log=bool(args.verbose), lifespan="off")
        try:
            uvicorn.Server(config).run(sockets=[sock])
        except KeyboardInterrupt:  # Ctrl-C, the way to stop it: not "interrupted", exit 0
            pass
        if not args.quiet:
            print("coverage-gis serve: stopped", file=sys.stderr)
    finally:
        sock.close()
    return 0
