"""Sign-up, log-in, sessions, API-key authentication and password resets.

Every request is authenticated here and turned into a ``Principal`` for one organization.
Session tokens and API keys are bearer secrets; only their SHA-256 is stored.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from agent_platform.integrations import ratelimit
from agent_platform.models.accounts import AuthSession, PasswordReset, User
from agent_platform.models.api_keys import ApiKey, Scope
from agent_platform.models.base import utcnow
from agent_platform.models.orgs import Membership, Organization, Role
from agent_platform.services import audit
from agent_platform.services.accounts import login_throttle
from agent_platform.services.errors import InvalidInput, NotFound, Unauthenticated
from agent_platform.services.mail import queue_email
from agent_platform.services.permissions import Principal, scopes_for_role
from agent_platform.services.tokens import (
    hash_password,
    new_token,
    token_hash,
    verify_password,
)
from agent_platform.settings import get_settings

API_KEY_PREFIX = "ap_"
SESSION_PREFIX = "aps_"
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Identity:
    """A verified session: the user, and their principal in the current org (if any)."""

    user_id: uuid.UUID
    email: str
    name: str
    session_id: uuid.UUID
    principal: Principal | None


def normalize_email(email: str) -> str:
    """Lower-cased, syntax-checked email. Raises ``InvalidInput``."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(f"That email address is not valid: {exc}") from None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Use a password of at least {MIN_PASSWORD} characters.")
    if len(password) > 1024:
        raise InvalidInput("That password is too long.")


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "org"


def create_org(session: Session, *, name: str, owner_id: uuid.UUID) -> Organization:
    """Create an organization with ``owner_id`` as its owner (the caller commits)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Give the organization a name of 1 to 200 characters.")
    org = Organization(name=name, slug=f"{_slugify(name)}-{uuid.uuid4().hex[:6]}")
    session.add(org)
    session.flush()
    session.add(Membership(org_id=org.id, user_id=owner_id, role=Role.OWNER))
    return org


def signup(
    session: Session,
    *,
    email: str,
    password: str,
    name: str = "",
    org_name: str = "",
    ip: str = "",
    user_agent: str = "",
) -> tuple[User, Organization, str]:
    """Create a user, their organization (as owner) and a session.

    Returns:
        ``(user, org, session_token)``.

    Raises:
        InvalidInput: bad email or password, or the email is already registered.
    """
    email = normalize_email(email)
    _check_password(password)
    if session.exec(select(User).where(User.email == email)).first():
        raise InvalidInput("An account with that email already exists. Log in instead.")
    user = User(email=email, name=name.strip()[:200], password_hash=hash_password(password))
    session.add(user)
    session.flush()
    org = create_org(
        session, name=org_name or f"{name.strip() or email.split('@')[0]}'s org", owner_id=user.id
    )
    token = _open_session(session, user=user, org_id=org.id, ip=ip, user_agent=user_agent)
    audit.record(session, action="auth.signup", org_id=org.id, user_id=user.id, email=email, ip=ip)
    return user, org, token


def _open_session(
    session: Session, *, user: User, org_id: uuid.UUID | None, ip: str, user_agent: str
) -> str:
    token = new_token(SESSION_PREFIX)
    days = get_settings().security.session_days
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=token_hash(token),
            current_org_id=org_id,
            ip=ip[:64],
            user_agent=user_agent[:500],
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return token


def login(
    session: Session, *, email: str, password: str, ip: str = "", user_agent: str = ""
) -> str:
    """Verify credentials and open a session; returns the session token.

    Failed attempts are throttled per account and address, per account and per address
    (``login_throttle``): one address's failures on one account never refuse another account.

    Raises:
        Unauthenticated: wrong email or password (the same message for both).
        RateLimited: too many failed attempts; ``retry_after`` in seconds.
    """
    email_key = email.strip().lower()[:320]
    login_throttle.check(email=email_key, ip=ip)
    user = session.exec(select(User).where(User.email == email_key)).first()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        login_throttle.record_failure(email=email_key, ip=ip)
        for membership in _memberships(session, user.id) if user else []:
            audit.record(
                session,
                action="auth.login_failed",
                org_id=membership.org_id,
                user_id=user.id,
                email=email_key,
                ip=ip,
            )
        raise Unauthenticated("Wrong email or password.")
    login_throttle.record_success(email=email_key, ip=ip)
    memberships = _memberships(session, user.id)
    org_id = memberships[0].org_id if memberships else None
    for membership in memberships:
        audit.record(
            session,
            action="auth.login",
            org_id=membership.org_id,
            user_id=user.id,
            email=user.email,
            ip=ip,
        )
    return _open_session(session, user=user, org_id=org_id, ip=ip, user_agent=user_agent)


def _memberships(session: Session, user_id: uuid.UUID) -> list[Membership]:
    stmt = select(Membership).where(Membership.user_id == user_id).order_by(Membership.created_at)
    return list(session.exec(stmt))


def logout(session: Session, *, token: str) -> None:
    """Revoke the session at once; unknown tokens are ignored."""
    row = session.exec(
        select(AuthSession).where(AuthSession.token_hash == token_hash(token))
    ).first()
    if row and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


def _live_session(session: Session, token: str) -> AuthSession:
    if not token or not token.startswith(SESSION_PREFIX):
        raise Unauthenticated("Log in to continue.")
    row = session.exec(
        select(AuthSession).where(AuthSession.token_hash == token_hash(token))
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise Unauthenticated("Your session has ended. Log in again.")
    return row


def resolve_session(session: Session, *, token: str, ip: str = "") -> Identity:
    """Verify a session token and build the caller's identity in their current org.

    Raises:
        Unauthenticated: missing, unknown, expired or revoked token, or inactive user.
    """
    row = _live_session(session, token)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("Your session has ended. Log in again.")
    membership = None
    if row.current_org_id:
        membership = session.exec(
            select(Membership).where(
                Membership.user_id == user.id, Membership.org_id == row.current_org_id
            )
        ).first()
    if membership is None:  # removed from that org: fall back to another one
        memberships = _memberships(session, user.id)
        membership = memberships[0] if memberships else None
    principal = None
    if membership is not None:
        principal = Principal(
            user_id=user.id,
            org_id=membership.org_id,
            role=Role(membership.role),
            email=user.email,
            session_id=row.id,
            ip=ip,
        )
    return Identity(
        user_id=user.id, email=user.email, name=user.name, session_id=row.id, principal=principal
    )


def switch_org(session: Session, *, token: str, org_id: uuid.UUID) -> Identity:
    """Make ``org_id`` the session's current org. Raises ``NotFound`` if not a member."""
    row = _live_session(session, token)
    member = session.exec(
        select(Membership).where(Membership.user_id == row.user_id, Membership.org_id == org_id)
    ).first()
    if member is None:
        raise NotFound("Organization not found.")
    row.current_org_id = org_id
    session.add(row)
    session.flush()
    return resolve_session(session, token=token)


def resolve_api_key(session: Session, *, key: str, ip: str = "") -> Principal:
    """Verify an API key and build its principal (scopes only, no role).

    The key's scopes are cut down to those its creator's current role in the key's
    organization grants: a demoted creator's keys lose what the creator lost, and the keys of
    a creator who left hold no scope at all.

    Raises:
        Unauthenticated: unknown, revoked or expired key.
    """
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == token_hash(key))).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
        raise Unauthenticated("This API key is not valid.")
    row.last_used_at = now
    session.add(row)
    creator = session.exec(
        select(Membership).where(
            Membership.org_id == row.org_id, Membership.user_id == row.created_by
        )
    ).first()
    within = scopes_for_role(Role(creator.role) if creator else None)
    return Principal(
        user_id=None,
        org_id=row.org_id,
        role=None,
        email=f"key:{row.prefix}",
        api_key_id=row.id,
        scopes=frozenset(Scope(s) for s in row.scopes) & within,
        ip=ip,
    )


def resolve_bearer(session: Session, *, credential: str, ip: str = "") -> Principal:
    """Authenticate an ``Authorization: Bearer`` value: a session token or an API key.

    Raises:
        Unauthenticated: invalid credential, or a session with no organization.
    """
    if credential.startswith(SESSION_PREFIX):
        identity = resolve_session(session, token=credential, ip=ip)
        if identity.principal is None:
            raise Unauthenticated("You are not a member of any organization.")
        return identity.principal
    if credential.startswith(API_KEY_PREFIX):
        return resolve_api_key(session, key=credential, ip=ip)
    raise Unauthenticated("Send a session token or an API key.")


def request_password_reset(session: Session, *, email: str, reset_url: str, ip: str = "") -> None:
    """Email a single-use reset link if the account exists; says nothing either way.

    Args:
        reset_url: the page URL; ``?token=...`` is appended.
    """
    item = ratelimit.limit("5/hour")
    key = email.strip().lower()[:320]
    if not ratelimit.hit(item, "reset", key) or not ratelimit.hit(item, "reset-ip", ip or "-"):
        return
    user = session.exec(select(User).where(User.email == key)).first()
    if user is None or not user.is_active:
        return
    token = new_token()
    minutes = get_settings().security.password_reset_minutes
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash(token),
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    queue_email(
        session,
        to=user.email,
        subject="Reset your Agent Platform password",
        text=(
            f"Someone asked to reset the password of {user.email}.\n\n"
            f"Open this link within {minutes} minutes to choose a new one:\n"
            f"{reset_url}?token={token}\n\nIf it was not you, ignore this email."
        ),
    )


def reset_password(session: Session, *, token: str, new_password: str) -> User:
    """Set a new password with a reset token; it and every other reset token of the user die.

    Every open session of the user is revoked: a leaked older link or session cannot take the
    account back.

    Raises:
        InvalidInput: the token is unknown, used or expired, or the password is too short.
    """
    _check_password(new_password)
    row = session.exec(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)).with_for_update()
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise InvalidInput("This reset link is invalid or has expired. Ask for a new one.")
    user = session.get(User, row.user_id)
    if user is None:
        raise InvalidInput("This reset link is invalid or has expired. Ask for a new one.")
    now = utcnow()
    for outstanding in session.exec(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    ):
        outstanding.used_at = now
        session.add(outstanding)
    row.used_at = now
    user.password_hash = hash_password(new_password)
    session.add_all([row, user])
    for auth_session in session.exec(
        select(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    ):
        auth_session.revoked_at = utcnow()
        session.add(auth_session)
    for membership in _memberships(session, user.id):
        audit.record(
            session,
            action="auth.password_reset",
            org_id=membership.org_id,
            user_id=user.id,
            email=user.email,
        )
    return user
