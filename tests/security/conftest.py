"""Adversarial tests: the browser fixtures of ``tests/e2e`` and the runtime API fixtures.

The browser tests here drive the real app (``reflex run --env prod --single-port``) and its
worker as an attacker would: over HTTP from a fresh sign-up, then in Chromium as the victim.
"""

from tests.e2e.conftest import (  # noqa: F401  (fixtures and hook re-exported for these tests)
    app_server,
    browser,
    new_page,
    pytest_runtest_makereport,
    shot,
)
from tests.services.runtime.conftest import client, org, runtime_env  # noqa: F401
