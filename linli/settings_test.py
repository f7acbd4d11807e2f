"""pytest's settings (pyproject: DJANGO_SETTINGS_MODULE): linli in its explicit test mode, so a
plain `pytest` needs no environment variables. A test that needs production behaviour starts
a production server process of its own (linli/core/tests/test_production.py)."""

import os

os.environ["LINLI_MODE"] = "test"

from linli.settings import *  # noqa: E402,F401,F403
