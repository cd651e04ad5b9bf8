"""Output sets: a folder of results that is replaced as a whole, never mixed, never over inputs.

Every command writes its files into a staging folder beside the output folder, then swaps the
two in one step, so that a run killed at any moment leaves either the complete old set or the
complete new set (the next run removes what the killed one left beside it):

1. :meth:`OutputSet.open` (before any computing): refuses ``--out ""``, a path that is a file
   or cannot be created, a folder that holds any of the scenario's inputs, a folder that holds
   files coverage-gis did not write (also beside a set's own: files its manifest does not
   list), the results of another command, and existing results without ``overwrite``; takes
   an exclusive lock (a second run into the same folder is refused, not queued); clears what
   a killed run left beside it.
2. The caller writes into :attr:`OutputSet.path` (a staging folder created with the user's
   umask).
3. :meth:`OutputSet.commit` writes ``manifest.json`` (every file with its size and SHA-256) and
   swaps the staging folder with the output folder in one ``renameat2(RENAME_EXCHANGE)`` call
   (Linux 3.15+; elsewhere two renames, recovered on the next run), then removes the old set.

The lock is ``.NAME.lock`` beside the output folder (``flock``, released by the kernel when the
process dies, so a killed run never leaves a stale lock).
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import errno
import fcntl
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Iterable
from glob import escape as glob_escape
from pathlib import Path
from types import TracebackType
from typing import Any

from coverage_gis.config import settings
from coverage_gis.errors import (
    CoverageGisError,
    LockedError,
    OutputError,
    OutputWarning,
    raise_if_stopped,
)
from coverage_gis.results.folder import (
    MANIFEST,
    MANIFEST_FORMAT,
    file_sha256,
    listed_problems,
    lock_path,
    read_manifest,
    short_name,
    verify_part,
    verify_set,
)

__all__ = ["MANIFEST", "OutputSet", "read_manifest", "verify_set", "verify_part", "exchange"]

#: Files a viewer writes beside a set's rasters (GDAL's statistics, e.g. from QGIS): deleted
#: with the set, not counted as the user's own.
_SIDECAR = ".aux.xml"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False when the system cannot (then nothing moved)."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _real_folder(out: Path) -> Path:
    """``out`` with ``..`` and a link resolved: ``--out res/data/..`` is ``res`` (not a
    folder ``..`` inside ``res/data``), and a link to a folder is written through, the set
    replaced at its target (the link is left as it is). A link to nothing, and a name longer
    than the file system allows, are refused."""
    out = Path(os.path.normpath(out))
    _check_name(out)
    if not out.is_symlink():
        return out
    if not out.exists():
        raise OutputError(f"{out}: is a link to {os.readlink(out)}, which does not exist; "
                          "name the folder itself, or create it")
    real = Path(os.path.realpath(out))
    _check_name(real)
    return real


def _check_name(out: Path) -> None:
    try:
        most = os.pathconf(_existing(out.parent), "PC_NAME_MAX")
    except (OSError, ValueError):
        most = 255
    size = len(os.fsencode(out.name))
    if size > most:
        raise OutputError(f"{out}: its name is {size} bytes long, and this file system "
                          f"allows {most}; choose a shorter --out")


def _existing(path: Path) -> Path:
    """The nearest existing folder at or above ``path``."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


class OutputSet:
    """An output folder being replaced as a whole; use as a context manager.

    Parameters
    ----------
    out
        The output folder (created when missing).
    kind
        What the set holds (``"analysis"``, ``"check"``, ``"suggestions"``), in the manifest.
    overwrite
        Replace an existing set; without it an existing set is refused.
    inputs
        Paths the run reads: the folder may hold none of them.
    known_names
        File and folder names this kind of set writes: a folder with no manifest (written by
        an older version) whose entries are all among them counts as an output set.
    """

    def __init__(self, out: str | Path, *, kind: str, overwrite: bool = False,
                 inputs: Iterable[str | Path] = (), known_names: Iterable[str] = ()) -> None:
        if str(out).strip() == "":
            raise OutputError("the output folder is empty (--out \"\"); name a folder for the "
                              "results")
        self.out = _real_folder(Path(out).expanduser().absolute())
        self.kind = kind
        self.overwrite = overwrite
        self.inputs = [Path(p).expanduser().absolute() for p in inputs if p]
        self.known_names = set(known_names)
        self._lock_fd: int | None = None
        self.path: Path = self.out  # the staging folder, once open
        self.committed = False

    # -- checks ---------------------------------------------------------------------------

    def check_inputs(self) -> None:
        """Refuse a folder that holds (or is) any of :attr:`inputs`."""
        out = self.out
        real_out = out.resolve()
        for p in self.inputs:
            if _within(p.resolve(), real_out) or _within(p, out):
                raise OutputError(f"{out}: refusing to write here: the folder holds the input "
                                  f"{p}; choose another --out (inputs are never overwritten)")

    def _check_not_a_file(self) -> None:
        if self.out.exists() and not self.out.is_dir():
            raise OutputError(f"{self.out}: is a file, not a folder; --out names the folder "
                              "for the results")

    def _check_contents(self) -> None:
        """Refuse a folder of other files, and existing results without ``overwrite``."""
        out = self.out
        if not out.exists():
            return
        entries = [e.name for e in out.iterdir()]
        if not entries:
            return
        manifest = read_manifest(out)
        ours = manifest is not None or all(
            n in self.known_names or n.startswith(".coverage-gis-") for n in entries)
        if not ours:
            raise OutputError(f"{out}: holds files that coverage-gis did not write (for "
                              f"example {sorted(entries)[0]}); choose a new or empty folder")
        if manifest is not None:
            self._check_set(manifest)
        if not self.overwrite:
            raise OutputError(f"{out}: already holds results; pass --overwrite to replace them "
                              "(the whole set is replaced)")

    def _check_set(self, manifest: dict[str, Any]) -> None:
        """Refuse to replace an output set of another command (``check-site --overwrite``
        into an analysis would delete it), or one the user has added files or folders to
        since it was written (they would be deleted with the set)."""
        out = self.out
        kind = manifest.get("kind")
        if kind != self.kind:
            raise OutputError(f"{out}: holds the results of another command ({kind}), not "
                              f"of this one ({self.kind}); choose another --out (replacing "
                              "them would delete them)")
        entries = [f for f in manifest.get("files", []) if isinstance(f, dict)]
        listed = {str(f.get("path")) for f in entries} | {MANIFEST}
        added = sorted(p.relative_to(out).as_posix() + ("/" if p.is_dir() else "")
                       for p in out.rglob("*")
                       if (p.is_file() and p.relative_to(out).as_posix() not in listed
                           and not p.name.endswith(_SIDECAR))
                       or (p.is_dir() and not any(p.iterdir())))
        if added:
            more = f" and {len(added) - 3} more" if len(added) > 3 else ""
            raise OutputError(f"{out}: holds files that coverage-gis did not write beside its "
                              f"results ({', '.join(added[:3])}{more}); they would be deleted "
                              "with the set: move them out, or choose another --out")
        # a file of the set edited since (a note added to hamlets.csv in Excel) was lost
        # without a word (found by fuzzing); one deleted is not the user's to lose
        try:
            changed = [p.split(": ")[0] for p in listed_problems(out, entries, missing=False)]
        except (KeyError, TypeError):  # a manifest edited by hand: judged by its names alone
            changed = []
        if changed:
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            raise OutputError(f"{out}: holds files changed since coverage-gis wrote them "
                              f"({', '.join(changed[:3])}{more}); they would be lost with the "
                              "set: move them out (or delete them, to let the set be "
                              "replaced), or choose another --out")

    # -- lock and leftovers ---------------------------------------------------------------

    def _sibling(self, tag: str) -> Path:
        return self.out.parent / f".{short_name(self.out.name)}.{tag}"

    def _lock(self) -> None:
        lock = lock_path(self.out)
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:  # a file on the path, no permission, a read-only system
            raise OutputError(f"{self.out}: cannot be created here ({exc.strerror}: "
                              f"{exc.filename or self.out.parent}); choose another --out"
                              ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
            try:  # held shared: runs reading the set (results.folder.reading), no writer
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                read = True
            except BlockingIOError:
                read = False
            os.close(fd)
            if read:
                raise LockedError(f"{self.out}: another coverage-gis run (report, serve, or a "
                                  "notebook's read_analysis) is reading this folder; wait for "
                                  "it to finish, or choose another --out") from None
            raise LockedError(f"{self.out}: another coverage-gis run (process {holder}) is "
                              "writing to this folder; wait for it to finish or choose another "
                              "--out") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _clear_leftovers(self) -> None:
        """Remove what a killed run left beside the folder (called with the lock held); when a
        run died between the two renames of the fallback, put the old set back first."""
        name = glob_escape(short_name(self.out.name))
        olds = sorted(self.out.parent.glob(f".{name}.old-*"))
        if not self.out.exists() and olds:
            os.rename(olds[-1], self.out)
            olds = olds[:-1]
        for p in [*self.out.parent.glob(f".{name}.new-*"), *olds]:
            shutil.rmtree(p, ignore_errors=True)

    def _check_replaceable(self) -> None:
        """Refuse an existing set whose files this user cannot remove (a folder of it not
        writable): found only after the swap, it left the old set beside the new one."""
        if not self.out.is_dir():
            return
        for folder in [self.out, *(p for p in self.out.rglob("*") if p.is_dir())]:
            if not os.access(folder, os.W_OK | os.X_OK):
                raise OutputError(f"{self.out}: cannot replace the results here: no "
                                  f"permission to remove the files in {folder}; choose "
                                  "another --out")

    # -- the life of a set ----------------------------------------------------------------

    def open(self) -> OutputSet:
        """Check the folder, take the lock, clear leftovers and create the staging folder."""
        self.check_inputs()  # before the lock file is made: nothing is created among inputs
        self._check_not_a_file()
        self._lock()
        try:
            self._clear_leftovers()  # may put back a set a killed run had moved aside
            self._check_contents()
            self._check_replaceable()
            self.path = self._sibling(f"new-{os.getpid()}-{uuid.uuid4().hex[:8]}")
            os.mkdir(self.path, 0o777)  # the umask applies, as for any folder the user makes
        except BaseException:
            self._unlock()
            raise
        return self

    def manifest(self) -> dict[str, Any]:
        """The manifest of the staged files."""
        from coverage_gis.version import __version__

        files = sorted(p for p in self.path.rglob("*") if p.is_file())
        return {
            "format": MANIFEST_FORMAT,
            "kind": self.kind,
            "tool_version": __version__,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "files": [{"path": p.relative_to(self.path).as_posix(), "bytes": p.stat().st_size,
                       "sha256": file_sha256(p)} for p in files if p.name != MANIFEST],
        }

    def commit(self) -> Path:
        """Write the manifest and put the staged set in place of the old one, in one step;
        not after a stop whose exception was dropped (:func:`raise_if_stopped`)."""
        raise_if_stopped()
        (self.path / MANIFEST).write_text(json.dumps(self.manifest(), indent=1),
                                          encoding="utf-8")
        old: Path | None = None  # the replaced set, removed once the new one is in place
        if not self.out.exists():
            os.rename(self.path, self.out)
        elif exchange(self.path, self.out):
            old = self.path  # the staging name now holds the old set
        else:  # no atomic exchange here: two renames, the first undone by the next run
            old = self._sibling(f"old-{uuid.uuid4().hex[:8]}")
            os.rename(self.out, old)
            os.rename(self.path, self.out)
        self.committed = True
        self.path = self.out
        if old is not None:
            _remove_old(old)
        return self.out

    def close(self) -> None:
        """Discard an uncommitted staging folder and release the lock."""
        try:
            if not self.committed and self.path != self.out:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self._unlock()

    def __enter__(self) -> OutputSet:
        return self if self._lock_fd is not None else self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        full = exc is not None and not self.committed and _no_space(exc, self.path)
        self.close()
        if full:
            raise OutputError(f"{self.out}: no space left on the device (or over the disk "
                              f"quota) while writing the results ({exc}); nothing was "
                              "replaced: free some space, or choose another --out") from None


def _no_space(exc: BaseException, folder: Path) -> bool:
    """Whether writing failed for want of space: the system said so (ENOSPC, EDQUOT), or
    the library's error came with less than ``settings.OUTPUT_MIN_FREE_BYTES`` left (GDAL's
    own messages name no error number)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, (CoverageGisError, KeyboardInterrupt, SystemExit)):
        return False  # this tool's own errors say what they are
    try:
        return shutil.disk_usage(_existing(folder)).free < settings.OUTPUT_MIN_FREE_BYTES
    except OSError:
        return False


def _remove_old(old: Path) -> None:
    """Remove the set the new one replaced; when it cannot be (the new set is in place
    already), say so: the next run into the folder tries again."""
    try:
        shutil.rmtree(old)
    except OSError as exc:
        warnings.warn(f"{old}: the replaced results could not be removed ({exc.strerror}: "
                      f"{exc.filename}); the next run into this folder removes them, or "
                      "remove them yourself", OutputWarning, stacklevel=3)
