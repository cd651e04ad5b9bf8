"""An output folder as it stands on disk: its manifest (every file with its size and SHA-256,
written by :class:`~coverage_gis.outputs.outset.OutputSet`), the checks against it, and the
lock its writers and readers share.

The lock is ``.NAME.lock`` beside the folder (``flock``, released by the kernel when the
process dies). A run writing the folder holds it exclusively
(:meth:`~coverage_gis.outputs.outset.OutputSet.open`); a run reading it holds it shared
(:func:`reading`), so that a set is never replaced under a reader: ``report R --out X``
while ``analyze --out R --overwrite`` ran wrote a mix of the two analyses (found by
fuzzing: the stored result's rasters are read when used, after the swap).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from coverage_gis.errors import LockedError

__all__ = ["MANIFEST", "MANIFEST_FORMAT", "file_sha256", "read_manifest", "verify_set",
           "verify_part", "listed_problems", "short_name", "lock_path", "reading"]

#: The file that marks a folder as a coverage-gis output set and lists its files.
MANIFEST = "manifest.json"
#: Identifies the manifest's format.
MANIFEST_FORMAT = "coverage-gis output set"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, as the manifest gives it (hex)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of an output set, or None when ``folder`` has none (or an unreadable one)."""
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == MANIFEST_FORMAT else None


def verify_set(folder: str | Path) -> list[str]:
    """Problems of an output set: files listed in its manifest that are missing or differ, and
    files present that it does not list. An empty list means the set is complete and unmixed."""
    folder = Path(folder)
    doc = read_manifest(folder)
    if doc is None:
        return [f"{folder}: no {MANIFEST}"]
    listed = {f["path"]: f for f in doc["files"]}
    problems = listed_problems(folder, listed.values())
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for rel in sorted(present - set(listed) - {MANIFEST}):
        problems.append(f"{rel}: not listed in the manifest")
    return problems


def verify_part(folder: str | Path, names: Iterable[str]) -> list[str]:
    """:func:`verify_set`'s problems of the files its manifest lists under the top-level
    ``names`` of ``folder`` (missing, or differing: copied in from another run, or changed);
    files it does not list are left alone (a viewer's sidecars). None without a manifest."""
    folder = Path(folder)
    doc = read_manifest(folder)
    if doc is None:
        return []
    tops = set(names)
    return listed_problems(folder, [f for f in doc["files"]
                                    if str(f["path"]).split("/", 1)[0] in tops])


def listed_problems(folder: Path, entries: Iterable[dict[str, Any]],
                    missing: bool = True) -> list[str]:
    """``"PATH: missing"`` (unless ``missing`` is False) or ``"PATH: differs from the
    manifest"`` for each manifest entry (``path``, ``bytes``, ``sha256``) ``folder`` does not
    hold as listed."""
    problems = []
    for entry in entries:
        rel = entry["path"]
        p = folder / rel
        if not p.is_file():
            if missing:
                problems.append(f"{rel}: missing")
        elif p.stat().st_size != entry["bytes"] or file_sha256(p) != entry["sha256"]:
            problems.append(f"{rel}: differs from the manifest")
    return problems


def short_name(name: str, most: int = 120) -> str:
    """``name`` for the names made beside the folder (lock, staging): itself when short,
    else its first characters and a digest (a 240-byte folder name is allowed, but not with
    the staging name's additions)."""
    if len(os.fsencode(name)) <= most:
        return name
    cut = os.fsencode(name)[:most - 13].decode("utf-8", "ignore")
    return f"{cut}~{hashlib.sha256(os.fsencode(name)).hexdigest()[:12]}"


def lock_path(folder: Path) -> Path:
    """The lock file of the output folder ``folder`` (beside it)."""
    return folder.parent / f".{short_name(folder.name)}.lock"


@contextmanager
def reading(folder: str | Path) -> Iterator[None]:
    """Hold the output folder ``folder`` shared while it is read: a run replacing it waits
    its turn (it is refused, naming this reader), and one replacing it now refuses this
    reader (:class:`~coverage_gis.errors.LockedError`). Where the lock file cannot be made (a
    read-only folder, where nothing can replace the set either), nothing is held."""
    folder = Path(os.path.realpath(Path(folder).expanduser().absolute()))
    try:
        fd = os.open(lock_path(folder), os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
            raise LockedError(f"{folder}: another coverage-gis run (process {holder}) is "
                              "writing this folder; wait for it to finish") from None
        yield
    finally:
        os.close(fd)  # the lock goes with it
