"""pytest's settings (pyproject: DJANGO_SETTINGS_MODULE): linli in its explicit test mode, so a
plain `pytest` needs no environment variables. A test that needs production behaviour starts
a production server process of its own (linli/core/tests/test_production.py)."""

import os

os.environ["LINLI_MODE"] = "test"

from linli.settings import *  # noqa: E402,F401,F403

# Tests build lists of 30 cases from one reporter in a moment; the per-person limit on new cases
# (linli.cases.limits) is tested with its production values in linli/cases/tests/test_case_rate.py.
LINLI_CASE_RATE_RESIDENT = (10_000, 3600)
LINLI_CASE_RATE_STAFF = (10_000, 3600)
