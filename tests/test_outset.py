"""Output sets: replaced as a whole (a kill at any moment leaves the old or the new set), one
run at a time, never over inputs, files that follow the umask."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from coverage_gis.errors import LockedError, OutputError
from coverage_gis.outputs.outset import OutputSet, read_manifest, verify_set


def write_set(out: Path, generation: int, n_files: int = 5, **kw) -> None:
    """A set whose every file says which generation wrote it."""
    with OutputSet(out, kind="test", overwrite=True, **kw) as dest:
        for i in range(n_files):
            (dest.path / f"f{i}.txt").write_text(f"generation {generation}\n")
        if generation % 2:  # odd generations write a file the even ones do not
            (dest.path / "sub").mkdir()
            (dest.path / "sub" / "odd.txt").write_text(f"generation {generation}\n")
        dest.commit()


def generations(out: Path) -> set[str]:
    return {p.read_text() for p in out.rglob("*.txt")}


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def test_a_new_set_replaces_the_old_one_whole(tmp_path):
    out = tmp_path / "out"
    write_set(out, 1)
    assert (out / "sub" / "odd.txt").exists()
    write_set(out, 2)
    assert not (out / "sub").exists()  # files of the older run do not stay behind
    assert generations(out) == {"generation 2\n"}
    assert verify_set(out) == []
    assert read_manifest(out)["kind"] == "test"
    assert siblings(out) == [".out.lock"]  # no staging folder left


def test_existing_results_need_overwrite_and_foreign_folders_are_refused(tmp_path):
    out = tmp_path / "out"
    write_set(out, 1)
    with pytest.raises(OutputError, match="already holds results; pass --overwrite"):
        OutputSet(out, kind="test").open()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.docx").write_text("x")
    with pytest.raises(OutputError, match="did not write"):
        OutputSet(foreign, kind="test", overwrite=True).open()
    assert (foreign / "notes.docx").read_text() == "x"


def test_an_older_versions_folder_of_known_names_counts_as_results(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "map.html").write_text("old")
    with OutputSet(out, kind="test", overwrite=True, known_names={"map.html"}) as dest:
        (dest.path / "map.html").write_text("new")
        dest.commit()
    assert (out / "map.html").read_text() == "new"


@pytest.mark.parametrize("added", ["notes.txt", "sub/mine.txt", "mydir/a.txt", "empty_dir"])
def test_files_added_to_a_set_are_never_deleted_with_it(tmp_path, added):
    """A set's folder holding something its manifest does not list (the user's notes beside
    the map) is refused even with overwrite: replacing the set would delete it (it did)."""
    out = tmp_path / "out"
    write_set(out, 1)
    path = out / added
    if added == "empty_dir":
        path.mkdir()
    else:
        path.parent.mkdir(exist_ok=True)
        path.write_text("mine")
    with pytest.raises(OutputError, match=r"holds files that coverage-gis did not write beside "
                                          r"its results \(" + added.replace(".", r"\.")):
        OutputSet(out, kind="test", overwrite=True).open()
    assert path.exists() and generations(out) >= {"generation 1\n"}
    assert siblings(out) == [".out.lock"]


def test_the_results_of_another_command_are_not_replaced(tmp_path):
    out = tmp_path / "out"
    write_set(out, 1)  # kind "test"
    with pytest.raises(OutputError, match=r"holds the results of another command \(test\), "
                                          r"not of this one \(check\)"):
        OutputSet(out, kind="check", overwrite=True).open()
    assert verify_set(out) == []


@pytest.mark.parametrize("out,message", [
    ("", "output folder is empty"),
    ("inputs", "holds the input"),
    ("inputs/sites.csv", "holds the input"),
    ("a_file.txt", "is a file"),
    # a file on the way, or a place nothing can be created (these ended in tracebacks)
    ("a_file.txt/sub", r"a_file.txt/sub: cannot be created here \(File exists"),
    ("/proc/self/x", r"/proc/self/x: cannot be created here \(No such file or directory"),
])
def test_bad_output_folders_are_refused_before_anything(tmp_path, monkeypatch, out, message):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    sites = inputs / "sites.csv"
    sites.write_text("site_id\nA\n")
    (tmp_path / "a_file.txt").write_text("keep")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match=message):
        OutputSet(out, kind="test", overwrite=True, inputs=[sites]).open()
    assert sites.read_text() == "site_id\nA\n"
    assert (tmp_path / "a_file.txt").read_text() == "keep"


def test_a_link_is_written_through_and_dotdot_is_the_folder_above(tmp_path):
    """Found by fuzzing: ``--out link`` (a link to a set) crashed after the swap, leaving a
    real folder in place of the link and the old set at its target; ``--out res/data/..``
    made a lock file inside the set, which was then refused as a file coverage-gis did not
    write. A link to nothing is refused."""
    target = tmp_path / "target"
    write_set(target, 1)
    link = tmp_path / "link"
    link.symlink_to(target)
    write_set(link, 2)
    assert link.is_symlink() and generations(target) == {"generation 2\n"}
    assert verify_set(target) == [] and siblings(target) == [".target.lock", "link"]
    write_set(target / "sub" / "..", 3)  # the folder above: no lock inside the set
    assert generations(target) == {"generation 3\n"} and verify_set(target) == []
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputError, match=r"dangling: is a link to .*nowhere, which does not "
                                          r"exist; name the folder itself, or create it"):
        OutputSet(dangling, kind="test").open()
    assert not (tmp_path / "nowhere").exists()


def test_long_names(tmp_path):
    """A 240-byte folder name is allowed: the lock and staging names beside it are cut
    short (they exceeded the file system's 255 bytes: exit 3). One over 255 bytes is
    refused before anything is computed."""
    out = tmp_path / ("k" * 240)
    write_set(out, 1)
    write_set(out, 2)
    assert generations(out) == {"generation 2\n"} and verify_set(out) == []
    assert all(len(name) < 140 for name in siblings(out))
    with pytest.raises(OutputError, match=r"its name is 264 bytes long, and this file system "
                                          r"allows 255; choose a shorter --out"):
        OutputSet(tmp_path / ("kết_quả_" * 22), kind="test").open()


def test_a_set_this_user_cannot_remove_is_refused_before_anything(tmp_path, monkeypatch):
    """Found by fuzzing (as another user): a set in a folder the user could not write was
    swapped, then its removal crashed, the old set left beside the new one. (Root may remove
    anything: the folder's permission is what ``os.access`` says here.)"""
    out = tmp_path / "out"
    write_set(out, 1)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p).name != "sub"
                        and real_access(p, mode))
    with pytest.raises(OutputError, match=r"cannot replace the results here: no "
                                          r"permission to remove the files in .*out/sub"):
        OutputSet(out, kind="test", overwrite=True).open()
    monkeypatch.undo()
    assert verify_set(out) == [] and siblings(out) == [".out.lock"]


def test_a_full_disk_is_an_output_error_and_the_old_set_stays(tmp_path, monkeypatch):
    """Found by fuzzing: a full disk exited 3 ("a bug"), with GDAL's raw lines. The system's
    ENOSPC, or a library's error with almost no space left, is an OutputError; the old set
    is untouched and the staging folder removed."""
    import errno
    import shutil
    from collections import namedtuple

    out = tmp_path / "out"
    write_set(out, 1)
    with pytest.raises(OutputError, match=r"out: no space left on the device \(or over the "
                                          r"disk quota\) while writing the results"):
        with OutputSet(out, kind="test", overwrite=True):
            raise OSError(errno.ENOSPC, "No space left on device")
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 4096, 4096))
    with pytest.raises(OutputError, match=r"\(TIFFRewriteDirectory:Error fetching directory "
                                          r"count\); nothing was replaced"):
        with OutputSet(out, kind="test", overwrite=True):
            raise RuntimeError("TIFFRewriteDirectory:Error fetching directory count")
    from coverage_gis.errors import InputError

    with pytest.raises(InputError, match="a bad row"):  # this tool's own errors pass through
        with OutputSet(out, kind="test", overwrite=True):
            raise InputError("a bad row")
    monkeypatch.undo()
    with pytest.raises(RuntimeError):  # with room left, another error is not a full disk
        with OutputSet(out, kind="test", overwrite=True):
            raise RuntimeError("something else")
    assert generations(out) == {"generation 1\n"} and verify_set(out) == []
    assert siblings(out) == [".out.lock"]


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    with OutputSet(out, kind="test", overwrite=True):
        with pytest.raises(LockedError, match=f"another coverage-gis run \\(process {os.getpid()}"):
            OutputSet(out, kind="test", overwrite=True).open()
    with OutputSet(out, kind="test", overwrite=True):  # released: free again
        pass


@pytest.mark.parametrize("umask,file_mode,dir_mode", [(0o022, 0o644, 0o755),
                                                       (0o077, 0o600, 0o700),
                                                       (0o002, 0o664, 0o775)])
def test_files_follow_the_umask(tmp_path, umask, file_mode, dir_mode):
    code = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        os.umask({umask})
        import geopandas as gpd, shapely
        from coverage_gis.outputs.outset import OutputSet
        from coverage_gis.outputs.files import write_csv, write_text, write_geojson
        import pandas as pd
        out = Path(sys.argv[1])
        with OutputSet(out, kind="test") as dest:
            write_csv(pd.DataFrame({{"a": [1]}}), dest.path / "t.csv")
            write_text("x", dest.path / "sub" / "t.txt")
            write_geojson(gpd.GeoDataFrame(geometry=[shapely.Point(105, 20)], crs=4326),
                          dest.path / "t.geojson")
            dest.commit()
    """)
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, timeout=120)
    assert out.stat().st_mode & 0o777 == dir_mode
    assert (out / "sub").stat().st_mode & 0o777 == dir_mode
    for name in ("t.csv", "sub/t.txt", "t.geojson", "manifest.json"):
        assert (out / name).stat().st_mode & 0o777 == file_mode, name


# A child that writes sets of 40 files, generation after generation, and dies (os._exit, as
# a kill would: no clean-up runs) at a chosen step of a chosen generation.
_CHILD = textwrap.dedent("""
    import os, sys, shutil
    from pathlib import Path
    from coverage_gis.outputs import outset
    out, generation, step, fallback = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], \\
        sys.argv[4] == "1"
    def die_at(name):
        if step == name:
            os._exit(9)
    if fallback:
        outset.exchange = lambda a, b: False
    real_rename, real_exchange, real_rmtree = os.rename, outset.exchange, shutil.rmtree
    def rename(a, b):
        die_at("before-rename" if ".new-" not in str(a) else "before-final-rename")
        real_rename(a, b)
        die_at("after-rename" if ".new-" not in str(a) else "after-final-rename")
    def exchange(a, b):
        die_at("before-exchange")
        done = real_exchange(a, b)
        die_at("after-exchange")
        return done
    def rmtree(p, *args, **kw):
        die_at("before-rmtree")
        real_rmtree(p, *args, **kw)
    outset.os.rename = rename
    outset.exchange = exchange
    outset.shutil.rmtree = rmtree
    with outset.OutputSet(out, kind="test", overwrite=True) as dest:
        for i in range(40):
            if i == 20:
                die_at("while-writing")
            (dest.path / f"f{i}.txt").write_text(f"generation {generation}\\n")
        die_at("before-manifest")
        dest.commit()
""")

_STEPS = ("while-writing", "before-manifest", "before-exchange", "after-exchange",
          "before-rmtree", "none")
_FALLBACK_STEPS = ("before-rename", "after-rename", "before-final-rename",
                   "after-final-rename", "before-rmtree")


def _child(out: Path, generation: int, step: str, fallback: bool) -> int:
    return subprocess.run([sys.executable, "-c", _CHILD, str(out), str(generation), step,
                           "1" if fallback else "0"], timeout=120).returncode


@pytest.mark.parametrize("step,fallback", [*((s, False) for s in _STEPS),
                                           *((s, True) for s in _FALLBACK_STEPS)])
def test_a_run_killed_at_any_step_leaves_the_old_or_the_new_set(tmp_path, step, fallback):
    out = tmp_path / "out"
    assert _child(out, 1, "none", fallback) == 0
    code = _child(out, 2, step, fallback)
    assert code == (0 if step == "none" else 9)
    # what a reader sees right after the kill (the fallback's window between its two renames
    # has no folder at all; the next run puts the old set back)
    if out.exists():
        assert verify_set(out) == []
        assert len(generations(out)) == 1
    else:
        assert fallback and step in ("after-rename", "before-final-rename")
    # the next run clears the leftovers, and the set is whole again
    with OutputSet(out, kind="test", overwrite=True):
        assert verify_set(out) == [] and len(generations(out)) == 1
    assert siblings(out) == [".out.lock"]
    assert _child(out, 3, "none", fallback) == 0
    assert generations(out) == {"generation 3\n"} and siblings(out) == [".out.lock"]


_LOOP = textwrap.dedent("""
    import sys
    from pathlib import Path
    from coverage_gis.outputs.outset import OutputSet
    out = Path(sys.argv[1])
    for generation in range(10**6):
        with OutputSet(out, kind="test", overwrite=True) as dest:
            for i in range(60):
                (dest.path / f"f{i}.txt").write_text(f"generation {generation}\\n")
            dest.commit()
""")


def test_sigkill_at_random_moments_never_mixes_sets(tmp_path):
    out = tmp_path / "out"
    rng = random.Random(9)
    seen = set()
    for _ in range(12):
        child = subprocess.Popen([sys.executable, "-c", _LOOP, str(out)])
        time.sleep(1.0 + rng.random() * 1.5)  # start-up, then a few sets written
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        if out.exists():
            assert verify_set(out) == []
            (gen,) = generations(out)  # never two generations mixed
            seen.add(gen)
    assert len(seen) > 1  # the kills landed in different generations
    with OutputSet(out, kind="test", overwrite=True):
        pass
    assert siblings(out) == [".out.lock"]


def test_an_old_set_that_cannot_be_removed_is_said_and_cleared_next_time(tmp_path,
                                                                         monkeypatch):
    """The new set is in place when the old one is removed: failing then is a warning (the
    next run clears it), not a crash after the results were written."""
    import shutil

    from coverage_gis.errors import OutputWarning
    from coverage_gis.outputs import outset

    out = tmp_path / "out"
    write_set(out, 1)
    rmtree = shutil.rmtree

    def refuse(path, *a, **kw):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(outset.shutil, "rmtree", refuse)
    with pytest.warns(OutputWarning, match=r"the replaced results could not be removed "
                                           r"\(Permission denied: .*\); the next run"):
        write_set(out, 2)
    monkeypatch.setattr(outset.shutil, "rmtree", rmtree)
    assert generations(out) == {"generation 2\n"} and verify_set(out) == []
    write_set(out, 4)
    assert siblings(out) == [".out.lock"]  # cleared by the next run
