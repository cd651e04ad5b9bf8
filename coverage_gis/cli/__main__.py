"""``python -m coverage_gis.cli``: the same as the ``coverage-gis`` command."""

import sys

from coverage_gis.cli.main import main

sys.exit(main())
