"""The ``coverage-gis`` command line."""

from coverage_gis.cli.main import main

__all__ = ["main"]
