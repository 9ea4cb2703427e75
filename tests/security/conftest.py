"""Security tests act as an attacker would: over HTTP, from a fresh account, on real workers."""

from __future__ import annotations

from tests.services.runtime.conftest import client, org, runtime_env  # noqa: F401
