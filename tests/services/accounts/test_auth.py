"""Sign-up, log-in, sessions and password resets against real PostgreSQL, Redis and SMTP."""

from __future__ import annotations

import re

import pytest

from agent_platform.models import Role
from agent_platform.services.accounts import auth
from agent_platform.services.errors import InvalidInput, RateLimited, Unauthenticated


def test_signup_creates_owner_and_session(session):
    user, org, token = auth.signup(
        session, email="Ada@Example.com", password="correct horse", name="Ada"
    )
    assert user.email == "ada@example.com"
    assert user.password_hash.startswith("$argon2id$")
    identity = auth.resolve_session(session, token=token)
    assert identity.principal.org_id == org.id
    assert identity.principal.role is Role.OWNER


def test_signup_rejects_duplicate_and_short_password(session):
    auth.signup(session, email="a@example.com", password="long enough")
    with pytest.raises(InvalidInput):
        auth.signup(session, email="A@example.com", password="long enough")
    with pytest.raises(InvalidInput):
        auth.signup(session, email="b@example.com", password="short")


def test_login_logout_revokes_at_once(session):
    auth.signup(session, email="a@example.com", password="long enough")
    token = auth.login(session, email="a@example.com", password="long enough")
    assert auth.resolve_session(session, token=token).email == "a@example.com"
    auth.logout(session, token=token)
    with pytest.raises(Unauthenticated):
        auth.resolve_session(session, token=token)


def test_failed_logins_are_throttled_per_account_and_address(session):
    auth.signup(session, email="a@example.com", password="long enough")
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            auth.login(session, email="a@example.com", password="wrong password", ip="1.2.3.4")
    with pytest.raises(RateLimited) as err:
        auth.login(session, email="a@example.com", password="long enough", ip="1.2.3.4")
    assert err.value.retry_after > 0
    # From another address the account is still within its own (higher) ceiling.
    assert auth.login(session, email="a@example.com", password="long enough", ip="5.6.7.8")


def test_password_reset_is_emailed_and_single_use(session, worker, mailbox):
    auth.signup(session, email="a@example.com", password="long enough")
    old = auth.login(session, email="a@example.com", password="long enough")
    auth.request_password_reset(session, email="a@example.com", reset_url="http://x/reset")
    session.commit()  # the email is queued only after commit
    message = mailbox.wait_for("a@example.com")
    token = re.search(r"token=(\S+)", message.get_payload(decode=True).decode()).group(1)
    auth.reset_password(session, token=token, new_password="a new password")
    with pytest.raises(InvalidInput):
        auth.reset_password(session, token=token, new_password="another password")
    with pytest.raises(Unauthenticated):
        auth.resolve_session(session, token=old)
    assert auth.login(session, email="a@example.com", password="a new password")


def test_reset_for_unknown_email_sends_nothing(session, worker, mailbox):
    auth.signup(session, email="known@example.com", password="long enough")
    auth.request_password_reset(session, email="nobody@example.com", reset_url="http://x/reset")
    auth.request_password_reset(session, email="known@example.com", reset_url="http://x/reset")
    session.commit()
    mailbox.wait_for("known@example.com")  # both requests were handled by now
    assert [m["To"] for m in mailbox.messages()] == ["known@example.com"]
