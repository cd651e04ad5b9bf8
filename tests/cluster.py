"""The mark of the tests that run on a dask cluster (a local one or a real scheduler).

Once, in CI, such a test hung with no trace until CI's time limit (the same test passed in
every run on the development machine). A test that hangs now fails after pytest-timeout's
``timeout`` (``pyproject.toml``) with every thread's stack in the log, and a cluster test
that failed that way runs once more (pytest-rerunfailures); any other failure fails at once.
"""

import pytest

#: Rerun once after a timeout only: a wrong result is never retried.
ON_A_CLUSTER = pytest.mark.flaky(reruns=1, only_rerun=["Timeout"])
