"""Logs: a failing SQL statement is logged without its parameters (emails, password hashes).

The API's input guard now refuses a NUL byte with a 422 before any route runs, so an outsider
can no longer make this statement fail through sign-up; the engine setting is still the last
wall for any statement that does fail (a worker writing LLM output, a UI handler). SQLAlchemy
puts the bound parameters into the exception's text unless the engine hides them, and logs are
read by more people than the users table is.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from agent_platform.db import session_scope
from tests.security.conftest import PASSWORD, V1


def test_the_api_refuses_the_nul_byte_before_any_statement(client):
    email = "nul-byte-victim@example.com"
    response = client.post(
        f"{V1}/auth/signup", json={"email": email, "password": PASSWORD, "name": "Eve\x00"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"]


def test_a_failing_statement_does_not_carry_its_parameters(db):
    email, secret = "nul-byte-victim@example.com", "argon2id$v=19$not-for-logs"
    with pytest.raises(DBAPIError) as failure, session_scope() as session:
        session.execute(
            text("SELECT :email || :secret || :name"),
            {"email": email, "secret": secret, "name": "Eve\x00"},
        )
    message = str(failure.value)
    assert "SELECT" in message  # the statement itself is reported
    assert email not in message and secret not in message and "Eve" not in message
