"""The command line's contract: exit codes, no traceback ever, options anywhere, inputs never
touched, outputs never mixed, spreadsheets that never execute input text."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from coverage_gis.cli.main import EPILOG, main
from coverage_gis.outputs.outset import OutputSet, verify_set

from .conftest import digest


def run_cli(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coverage_gis.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("argv", [["validate", "-q"], ["-q", "validate"],
                                  ["validate", "--quiet"], ["--quiet", "validate"]])
def test_quiet_before_or_after_the_command(capsys, argv):
    assert main(argv) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("argv", [["validate", "-v"], ["-v", "validate"],
                                  ["analyze", "--out", "x", "--verbose"]])
def test_verbose_before_or_after_the_command(monkeypatch, argv):
    from coverage_gis.cli import analyze, validate

    seen = []
    for module in (analyze, validate):
        monkeypatch.setattr(module, "run", lambda args: seen.append(args) or 0)
    assert main(argv) == 0
    assert seen[0].verbose is True and seen[0].quiet is False


def test_quiet_and_verbose_together_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["-q", "validate", "-v"])
    assert info.value.code == 2


def test_an_unexpected_error_is_one_line_exit_3_and_a_log_file(tmp_path, monkeypatch, capsys):
    from coverage_gis.cli import validate

    def bug(args):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(validate, "run", bug)
    monkeypatch.setenv("COVERAGE_GIS_LOG_DIR", str(tmp_path / "logs"))
    assert main(["validate"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1
    assert "ZeroDivisionError" in err and "this is a bug" in err
    (log,) = (tmp_path / "logs").iterdir()
    assert str(log) in err
    text = log.read_text()
    assert "Traceback" in text and "def bug" not in text and "in bug" in text
    assert "command: coverage-gis validate" in text


@pytest.mark.parametrize("verbose", [False, True])
def test_gdals_own_log_lines_show_only_with_verbose(monkeypatch, capsys, verbose):
    """Found by fuzzing: on a full disk GDAL's lines ("_tiffWriteProc: No space left on
    device."), logged by rasterio, reached the terminal raw before the error that says it."""
    import logging

    from coverage_gis.cli import validate

    def gdal_says(args):
        logging.getLogger("rasterio._err").error("_tiffWriteProc: No space left on device.")
        return 0
    monkeypatch.setattr(validate, "run", gdal_says)
    assert main(["validate", *(["-v"] if verbose else [])]) == 0
    assert ("_tiffWriteProc" in capsys.readouterr().err) is verbose


def test_ctrl_c_exits_130(monkeypatch, capsys):
    from coverage_gis.cli import validate

    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(validate, "run", interrupted)
    assert main(["validate"]) == 130
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize("name, stop", [("SIGTERM", "Terminated"),
                                         ("SIGINT", "KeyboardInterrupt")])
def test_a_stop_lands_in_the_command_even_from_a_garbage_collection_callback(name, stop):
    """Python runs a signal's handler at the main thread's next instruction; in a gc callback
    (dask's client has some) the exception was printed with its traceback and dropped, and
    the run went on to the end (found by stopping analyze --workers 2). A dropped stop sends
    its signal again; what the callback raises after it is not printed."""
    code = textwrap.dedent(f"""
        import gc, os, signal, threading, time
        from coverage_gis.cli.main import Terminated, _stop_signals
        landed = []
        def callback(phase, info):
            if phase == "start" and not landed:
                landed.append(1)
                time.sleep(0.3)  # the signal arrives here: the stop raised in the callback
            elif phase == "stop" and len(landed) == 1:
                landed.append(2)
                raise AssertionError("left half-way")  # as dask's gc timer then does
        gc.callbacks.append(callback)
        try:
            with _stop_signals():
                threading.Timer(0.1, os.kill, (os.getpid(), signal.{name})).start()
                gc.collect()
                for _ in range(100):
                    time.sleep(0.02)
            print("went on")
        except {stop}:
            print("stopped", landed)
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "stopped [1, 2]", done.stdout + done.stderr
    assert done.stderr == ""


def test_a_stop_dropped_by_c_code_is_raised_before_the_commit(tmp_path):
    """Found by freezing runs while a SIGTERM was sent: numpy's dtype comparison clears any
    exception raised in the Python code it calls, the stop's too (it landed in pandas'
    ``dtype == self.dtype``), and the run went on to commit its results, exit 0. The handlers
    now record the stop, and an output set does not commit after one: the earlier set stays
    as it was, the staging folder goes."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("earlier set")
    code = textwrap.dedent(f"""
        import os, signal, threading, time
        import numpy as np
        from coverage_gis.cli.main import Terminated, _stop_signals
        from coverage_gis.outputs.outset import OutputSet

        class Slow:  # numpy asks for its dtype: Python code run from numpy's C code
            @property
            def dtype(self):
                time.sleep(0.5)  # the signal lands here
                return np.float64

        try:
            with _stop_signals(), OutputSet({str(out)!r}, kind="test", overwrite=True,
                                            known_names=["old.txt"]) as dest:
                (dest.path / "new.txt").write_text("new set")
                threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGTERM)).start()
                np.dtype("f8") == Slow()
                print("went on")
                dest.commit()
                print("committed")
        except Terminated:
            print("stopped")
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.splitlines() == ["went on", "stopped"], done.stdout + done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name != "out" and
            not p.name.endswith(".lock")] == []


def test_an_exception_a_library_drops_is_one_line_without_traceback():
    """Python prints an exception raised in a ``__del__`` or a gc callback with its traceback
    ("Exception ignored in ..."); while a command runs it is one warning line."""
    code = textwrap.dedent("""
        import gc
        from coverage_gis.cli.main import _stop_signals
        class Leaky:
            def __del__(self):
                raise OSError("a handle already closed")
        with _stop_signals():
            Leaky()
            gc.collect()
        print("went on")
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "went on"
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert "RuntimeWarning: ignored in <function Leaky.__del__" in done.stderr
    assert "OSError: a handle already closed" in done.stderr


def _worker_pids(parent: int) -> list[int]:
    """The local cluster's worker processes of ``parent`` (its children but
    multiprocessing's resource tracker)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmd = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if f"\nPPid:\t{parent}\n" in text and b"resource_tracker" not in cmd:
            found.append(int(status.parent.name))
    return found


def _blocked(pid: int) -> int:
    """The signals ``pid``'s main thread blocks (a mask; 0 for a process that has gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(text.split("SigBlk:\t")[1].split()[0], 16)


@pytest.mark.parametrize("workers, sig, group", [
    ([], signal.SIGTERM, False),
    (["--workers", "1"], signal.SIGTERM, True),   # a batch scheduler: the whole job
    (["--workers", "1"], signal.SIGINT, True)])   # Ctrl-C: the terminal's process group
def test_a_stop_ends_a_run_with_one_line_and_nothing_left(small_scenario, tmp_path, workers,
                                                          sig, group):
    """SIGTERM (kill, a scheduler's time limit) killed the process outright: its staging
    folder stayed beside the set and a local cluster's semaphores leaked; Ctrl-C on a run
    with local workers printed each worker's KeyboardInterrupt traceback (found by
    fuzzing). Now either ends as Ctrl-C did without workers: one line, exit 143 or 130, the
    earlier set untouched, nothing left beside it; the workers block both signals from
    their start (this process alone stops, and closes them)."""
    out = tmp_path / "out"
    assert run_cli("analyze", str(small_scenario), "--out", str(out), "-q").returncode == 0
    before = digest(out)
    proc = subprocess.Popen([sys.executable, "-m", "coverage_gis.cli", "analyze",
                             str(small_scenario), "--out", str(out), "--overwrite", "-q",
                             *workers], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    stops = {signal.SIGINT, signal.SIGTERM}
    mask = sum(1 << (s - 1) for s in stops)
    deadline = time.monotonic() + 120
    while not (any(p.name.startswith(".out.new") for p in tmp_path.iterdir())
               and (not workers or any(_blocked(w) & mask == mask
                                       for w in _worker_pids(proc.pid)))):
        assert proc.poll() is None and time.monotonic() < deadline, "not under way"
        time.sleep(0.02)
    # frozen while the signal is sent: a host too loaded to run this test for a while could
    # otherwise let the run commit and exit between the look and the signal, and Popen does
    # not signal a process that has exited (exit 0, once under load)
    send = (lambda s: os.killpg(proc.pid, s)) if group else (lambda s: os.kill(proc.pid, s))
    send(signal.SIGSTOP)
    while Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "TZX":
        time.sleep(0.001)  # stopped (kill returns before the process is), or gone
    assert any(p.name.startswith(".out.new") for p in tmp_path.iterdir()), "already done"
    send(sig)
    send(signal.SIGCONT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert err.strip() == ("stopped (SIGTERM): nothing was written" if sig == signal.SIGTERM
                           else "interrupted: nothing was written")
    assert digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.new")] == []


def test_the_sites_file_named_like_an_output_is_never_overwritten(small_scenario, capsys):
    """The reported accident: sites in cells.csv, --out . and --overwrite."""
    folder = small_scenario.parent
    (folder / "sites.csv").rename(folder / "cells.csv")
    small_scenario.write_text(small_scenario.read_text().replace('"sites.csv"', '"cells.csv"'))
    before = digest(folder)
    result = run_cli("analyze", str(small_scenario), "--out", ".", "--overwrite", cwd=folder)
    assert result.returncode == 1
    assert "holds the input" in result.stderr and "Traceback" not in result.stderr
    assert digest(folder) == before


@pytest.mark.parametrize("out", ["", "sites.csv", "."])
def test_output_folders_that_would_touch_inputs_are_refused_before_computing(
        small_scenario, monkeypatch, capsys, out):
    folder = small_scenario.parent
    monkeypatch.chdir(folder)
    before = digest(folder)
    import coverage_gis.pipeline as pipeline

    def never(*a, **k):
        raise AssertionError("computed before refusing the output folder")
    monkeypatch.setattr(pipeline, "analyze", never)
    assert main(["analyze", str(small_scenario), "--out", out, "--overwrite"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert digest(folder) == before


def test_a_second_run_into_a_busy_folder_exits_1(small_scenario, tmp_path):
    out = tmp_path / "out"
    with OutputSet(out, kind="analysis", overwrite=True):  # another run holds the folder
        result = run_cli("analyze", str(small_scenario), "--out", str(out), "--overwrite")
    assert result.returncode == 1
    assert "another coverage-gis run" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_analyze_output_is_a_verified_set_and_rerun_removes_stale_files(small_scenario,
                                                                         tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["analyze", str(small_scenario), "--out", str(out), "--site-detail", "A"]) == 0
    detail = list((out / "rasters").glob("site_A_*.tif"))
    assert len(detail) == 4
    assert verify_set(out) == []
    assert main(["analyze", str(small_scenario), "--out", str(out), "--overwrite"]) == 0
    assert not list((out / "rasters").glob("site_A_*.tif"))  # the old run's extras are gone
    assert verify_set(out) == []


def test_text_a_spreadsheet_would_execute_is_neutralised(small_scenario, tmp_path, capsys):
    import geopandas as gpd

    folder = small_scenario.parent
    hamlets = gpd.read_file(folder / "thon.geojson")
    evil = '=HYPERLINK("http://evil.example/x","click")'
    hamlets.loc[0, "name"] = evil
    hamlets.loc[1, "name"] = "@SUM(1+1)"
    hamlets.to_file(folder / "thon.geojson")
    out = tmp_path / "out"
    assert main(["analyze", str(small_scenario), "--out", str(out)]) == 0
    table = pd.read_csv(out / "hamlets.csv")
    assert list(table["name"]) == ["'" + evil, "'@SUM(1+1)"]
    with zipfile.ZipFile(out / "report.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any("<f>" in z.read(n).decode() for n in sheets)  # no formula anywhere
    book = openpyxl.load_workbook(out / "report.xlsx")
    values = [c.value for row in book["hamlets"].iter_rows() for c in row]
    assert evil in values  # shown as the text it is
    cell = next(c for row in book["hamlets"].iter_rows() for c in row if c.value == evil)
    assert cell.data_type == "s"


def test_help_is_fast_to_reach_without_heavy_imports():
    code = ("import sys; from coverage_gis.cli.main import build_parser; build_parser(); "
            "heavy = [m for m in ('geopandas', 'pandas', 'numpy', 'rasterio', 'folium', "
            "'numba', 'scipy') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
    out = subprocess.run([sys.executable, "-c", "import coverage_gis, sys; "
                          "print([m for m in ('geopandas', 'pandas', 'numpy') "
                          "if m in sys.modules])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_exit_codes_are_documented():
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for code in ("`0`", "`1`", "`2`", "`3`", "`130`", "`143`"):
        assert code in text
    assert "exit codes" in EPILOG


def test_a_point_given_twice_is_refused(capsys, tmp_path):
    assert main(["check-site", "--lon", "105.852", "--lat", "20.061", "--x", "587450",
                 "--y", "2218650", "--crs", "vn2000-thanhhoa", "--operator", "Viettel",
                 "--technology", "4G", "--out", str(tmp_path / "c")]) == 1
    assert "give the point once" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_report_on_a_folder_that_is_not_a_result(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["report", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "not a folder written by 'coverage-gis analyze'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing created


def test_a_closed_pipe_is_not_a_bug(tmp_path):
    """`coverage-gis validate | head -1`: the reader goes away; no crash log, exit 141."""
    env = {**__import__("os").environ, "COVERAGE_GIS_LOG_DIR": str(tmp_path / "logs")}
    proc = subprocess.Popen([sys.executable, "-m", "coverage_gis.cli", "validate"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.readline()
    proc.stdout.close()  # like head after its first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) in (0, 141)  # 0 when everything fitted in the pipe buffer
    assert "unexpected error" not in err and not (tmp_path / "logs").exists()
