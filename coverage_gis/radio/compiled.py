"""The terrain kernels compiled ahead of time: :mod:`coverage_gis.radio.kernels` built by
``numba.pycc`` into an extension module beside this file, which loads without numba.

Why: a process that computes one site spends more time importing numba and loading its cached
kernels (about 0.5 s: ``import numba`` 0.16 s, then 0.28 s at the first call of a cached kernel,
most of it numba importing ``scipy.linalg`` for its BLAS check) than sweeping the site's
terrain (0.05 s for 10 km at 30 m). The ahead-of-time build is the same source compiled with
fixed argument types (:data:`SIGNATURES`), one thread (``prange`` runs as ``range``), the same
values; it is made at install (``make install``, or ``python -m coverage_gis.radio.compiled``,
which needs a C compiler: numba's generated code is linked with a small C runtime) and used by
processes that ask for it (:func:`coverage_gis.radio.terrain.use_compiled_kernels`). Without a
compiler nothing is built and numba's build is used: the same values, a slower start.

It is current only for the sources it was built from: :func:`load` compares the digest of
``kernels.py`` and ``constants.py`` recorded at build time with theirs, and returns None when
they differ (a changed kernel is never run from a stale build).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["MODULE", "SIGNATURES", "source_digest", "load", "build", "main"]

#: The extension module's name (in this package, beside this file).
MODULE = "_terrain_kernels"

#: Where the build records the digest of its sources and the versions it was made with.
RECORD = f"{MODULE}.json"

HERE = Path(__file__).resolve().parent

#: The sources the build is made from (its digest covers both).
SOURCES = ("kernels.py", "constants.py")

_F8_2D, _F4_2D, _B1_2D, _I4_2D = "float64[:, :]", "float32[:, :]", "boolean[:, :]", "int32[:, :]"
_F8, _F4, _B1, _I4, _I8 = "float64[:]", "float32[:]", "boolean[:]", "int32[:]", "int64[:]"

#: Each exported kernel's argument types, as :mod:`coverage_gis.radio.terrain` calls it (a DEM's
#: ``data`` is float32, :class:`coverage_gis.io.readers.Raster`; others are cast, see
#: :class:`CompiledKernels`).
SIGNATURES: dict[str, str] = {
    "sweep": f"void({_F8_2D}, {_B1_2D}, float64, float64, {_F8_2D}, float64, float64, int64, "
             f"boolean, {_F8}, boolean, {_F4_2D}, {_B1_2D}, {_B1_2D}, {_I8})",
    "heff": f"void({_F8_2D}, {_F8}, float64, float64, float64, {_F4_2D}, {_I8})",
    "ray_ground": f"void({_F4_2D}, {_F8}, float64, float64, {_F8}, {_F8}, {_F8}, float64, {_F8}, "
                  f"{_F8_2D}, {_I8})",
    "sample_grid": f"void({_F4_2D}, {_F8}, {_F8}, {_F8}, float64, {_F8_2D})",
    "cell_rays": f"void({_F8}, {_F8}, float64, float64, float64, int64, int64, float64, {_I4_2D}, "
                 f"{_I4_2D}, {_B1_2D})",
    "point_rays": f"void({_F8}, {_F8}, float64, float64, float64, int64, int64, float64, {_I4}, "
                  f"{_I4}, {_B1_2D})",
    "sample_points": f"void({_F4_2D}, {_F8}, {_F8}, {_F8}, float64, {_F8})",
    "gather": f"void({_I4_2D}, {_I4_2D}, {_F4_2D}, {_B1_2D}, {_B1_2D}, {_F4_2D}, {_B1_2D}, "
              f"{_B1_2D})",
    "bullington_ray": f"void({_F8}, {_B1}, float64, float64, {_F8}, float64, {_F8}, boolean, "
                      f"{_F4}, {_B1}, {_B1}, {_F8}, {_F8}, {_I8})",
    "smooth_w": f"void({_F8}, float64, float64, {_F8}, {_F8})",
}

#: The kernels whose first argument is a DEM's ``data`` (float32 in the build).
_DEM_KERNELS = ("ray_ground", "sample_grid", "sample_points")


def source_digest(folder: Path = HERE) -> str:
    """SHA-256 of the build's sources (:data:`SOURCES`), hex."""
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode())
        h.update((folder / name).read_bytes())
    return h.hexdigest()


class CompiledKernels:
    """The ahead-of-time build with the kernels' names (what
    :func:`coverage_gis.radio.terrain._k` returns): each attribute is the extension's function;
    a DEM's data that is not float32 is cast first (the build takes float32, the
    :class:`~coverage_gis.io.readers.Raster` contract)."""

    #: Marks the ahead-of-time build (:func:`coverage_gis.radio.terrain.compiled_kernels_in_use`).
    AHEAD_OF_TIME = True

    def __init__(self, module: Any) -> None:
        self.module = module
        for name in SIGNATURES:
            setattr(self, name, getattr(module, name))
        for name in _DEM_KERNELS:
            setattr(self, name, self._dem_kernel(getattr(module, name)))

    @staticmethod
    def _dem_kernel(function: Any) -> Any:
        def call(data: Any, *args: Any) -> None:
            if getattr(data, "dtype", None) != "float32":
                import numpy as np
                data = np.asarray(data, dtype=np.float32)
            function(data, *args)
        return call


def load(folder: Path = HERE) -> CompiledKernels | None:
    """The ahead-of-time build, or None when it is not installed, was built from other sources
    (:func:`source_digest`) or does not load (e.g. built against another numpy)."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        if record.get("digest") != source_digest(folder):
            return None
        if folder == HERE:
            module = importlib.import_module(f"{__package__}.{MODULE}")
        else:  # a build elsewhere (tests)
            spec = importlib.util.spec_from_file_location(MODULE, folder / record["file"])
            if spec is None or spec.loader is None:
                return None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        return CompiledKernels(module)
    except (OSError, ValueError, KeyError, ImportError, AttributeError):
        return None


def compiler() -> str | None:
    """The C compiler the build would use (Python's own ``CC``), or None when it is absent."""
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc)


def build(dest: Path = HERE) -> Path:
    """Compile the kernels ahead of time into ``dest`` (default: this package) and record the
    sources' digest; return the extension's path. The module is written under a temporary
    name and moved into place, then the record: a failed build leaves the previous one (or
    none), never a module without its record. Needs numba and a C compiler (RuntimeError
    without one); takes about half a minute."""
    if compiler() is None:
        raise RuntimeError("no C compiler (CC) found: the kernels stay numba's, compiled at "
                           "first use")
    import warnings

    import numba
    import numpy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba.pycc is "pending deprecation"
        from numba.pycc import CC

    from coverage_gis.radio import kernels

    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    digest = source_digest(HERE)
    with tempfile.TemporaryDirectory(prefix="coverage-gis-kernels-") as tmp:
        cc = CC(MODULE)
        cc.output_dir = tmp
        cc.verbose = False
        for name, signature in SIGNATURES.items():
            cc.export(name, signature)(getattr(kernels, name).py_func)
        cc.compile()
        built = Path(tmp) / f"{MODULE}{suffix}"
        dest.mkdir(parents=True, exist_ok=True)
        staged = dest / f".{MODULE}{suffix}.tmp"
        shutil.copyfile(built, staged)
        (dest / RECORD).unlink(missing_ok=True)
        staged.replace(dest / f"{MODULE}{suffix}")
    if dest != HERE:  # a build elsewhere carries its sources, which the digest covers
        for name in SOURCES:
            shutil.copyfile(HERE / name, dest / name)
    record = {"digest": digest, "file": f"{MODULE}{suffix}", "numba": numba.__version__,
              "numpy": numpy.__version__, "python": sys.version.split()[0]}
    (dest / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return dest / f"{MODULE}{suffix}"


def main(argv: list[str] | None = None) -> int:
    """``python -m coverage_gis.radio.compiled [--dest DIR] [--if-compiler]``: build; exit 0
    when built (or, with ``--if-compiler``, when there is no compiler: nothing to do)."""
    parser = argparse.ArgumentParser(prog="python -m coverage_gis.radio.compiled",
                                     description="Compile the terrain kernels ahead of time.")
    parser.add_argument("--dest", type=Path, default=HERE, help="folder (default: the package)")
    parser.add_argument("--if-compiler", action="store_true",
                        help="without a C compiler, say so and exit 0 (numba's build is used)")
    args = parser.parse_args(argv)
    if compiler() is None and args.if_compiler:
        print("note: no C compiler: the terrain kernels are compiled by numba at first use "
              "(same values; each short process starts about half a second slower)")
        return 0
    try:
        path = build(args.dest)
    except Exception as exc:  # noqa: BLE001  (a build tool: say why, the package still works)
        print(f"error: the terrain kernels could not be compiled ahead of time: {exc}",
              file=sys.stderr)
        return 1
    print(f"compiled the terrain kernels ahead of time: {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
