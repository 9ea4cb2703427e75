"""Logs: a failing SQL statement is logged without its parameters (emails, password hashes).

An outsider can make a statement fail (here a NUL byte, which PostgreSQL text refuses, in a
sign-up's name). The 500 is logged with the exception; SQLAlchemy puts the bound parameters
into that exception's text unless the engine hides them, and logs are read by more people
than the users table is.
"""

from __future__ import annotations

import logging

import pytest

from tests.security.conftest import PASSWORD, V1


@pytest.fixture
def lenient_client(db: None):
    """A client that answers 500s instead of raising the server's exception in the test."""
    from fastapi.testclient import TestClient

    from agent_platform.api.app import create_api

    with TestClient(create_api(), raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_failing_statement_is_logged_without_its_parameters(lenient_client, caplog):
    email = "nul-byte-victim@example.com"
    with caplog.at_level(logging.ERROR):
        response = lenient_client.post(
            f"{V1}/auth/signup", json={"email": email, "password": PASSWORD, "name": "Eve\x00"}
        )
    assert response.status_code == 500
    assert email not in response.text
    logged = caplog.text  # every record, with its formatted exception
    assert "INSERT INTO users" in logged  # the failure itself is logged
    assert email not in logged and "argon2" not in logged and "Eve" not in logged
