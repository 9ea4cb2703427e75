"""Runs page state fixtures: organizations with one member per role (from tests.api)."""

from tests.api.conftest import make_org  # noqa: F401  (re-exported fixture)
