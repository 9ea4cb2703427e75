"""Organization API keys: created by admins, shown once, revoked at once.

A key reads ``ap_<8 hex>_<secret>``; the ``ap_<8 hex>`` prefix is stored to name it in lists
and logs, and only the SHA-256 of the whole key is kept (``auth.resolve_api_key`` checks it).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from agent_platform.models.api_keys import ApiKey, Scope
from agent_platform.models.base import utcnow
from agent_platform.services import audit
from agent_platform.services.accounts.auth import API_KEY_PREFIX
from agent_platform.services.errors import Forbidden, InvalidInput, NotFound
from agent_platform.services.permissions import Permission, Principal, scopes_for_role
from agent_platform.services.tokens import token_hash


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the key a name of 1 to 120 characters.")
    return name


def _audit(
    session: Session, principal: Principal, action: str, key: ApiKey, **details: object
) -> None:
    audit.record(
        session,
        action=action,
        org_id=principal.org_id,
        actor=principal,
        target_type="api_key",
        target_id=key.id,
        details={"name": key.name, "prefix": key.prefix, **details},
    )


def _check_scopes(scopes: list[str]) -> list[str]:
    known = {s.value for s in Scope}
    unknown = sorted(set(scopes) - known)
    if unknown:
        raise InvalidInput(
            f"Unknown scope(s): {', '.join(unknown)}.",
            details={"unknown": unknown, "allowed": sorted(known)},
        )
    if not scopes:
        raise InvalidInput("Choose at least one scope.", details={"allowed": sorted(known)})
    return [s.value for s in Scope if s.value in set(scopes)]  # de-duplicated, stable order


def _check_within_role(principal: Principal, scopes: list[str]) -> None:
    """A key can only hold scopes its creator's role grants in full."""
    allowed = scopes_for_role(principal.role)
    beyond = [s for s in scopes if Scope(s) not in allowed]
    if beyond:
        raise Forbidden(
            f"Your {principal.role} role cannot give a key {', '.join(beyond)}: a key can "
            "only hold scopes its creator's role has.",
            details={"beyond_role": beyond, "allowed": sorted(s.value for s in allowed)},
        )


def _check_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:  # a bare date-time from a form is taken as UTC
        expires_at = expires_at.replace(tzinfo=UTC)
    if expires_at <= utcnow():
        raise InvalidInput("The expiry date must be in the future.")
    return expires_at


def create_api_key(
    session: Session,
    *,
    principal: Principal,
    name: str,
    scopes: list[str],
    expires_at: datetime | None,
) -> tuple[ApiKey, str]:
    """Create a key for the principal's organization.

    Returns:
        ``(api_key, plaintext)``; the plaintext ``ap_<8 hex>_<secret>`` is never stored or
        shown again.

    Raises:
        Forbidden: the caller is an API key, lacks ``MANAGE_API_KEYS``, or asks for a scope
            beyond their role (``details.beyond_role`` lists them).
        InvalidInput: empty name, unknown or no scopes, expiry in the past.
    """
    if principal.api_key_id is not None:
        raise Forbidden("API keys cannot create API keys.")
    principal.require(Permission.MANAGE_API_KEYS)
    scopes = _check_scopes(scopes)
    _check_within_role(principal, scopes)
    prefix = f"{API_KEY_PREFIX}{secrets.token_hex(4)}"
    plaintext = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        org_id=principal.org_id,
        name=_check_name(name),
        prefix=prefix,
        key_hash=token_hash(plaintext),
        scopes=scopes,
        created_by=principal.user_id,
        expires_at=_check_expiry(expires_at),
    )
    session.add(key)
    _audit(session, principal, "api_key.created", key, scopes=key.scopes)
    session.flush()
    return key, plaintext


def list_api_keys(session: Session, *, principal: Principal) -> list[ApiKey]:
    """Every key of the principal's organization (revoked ones too), newest first.

    Raises:
        Forbidden: without ``MANAGE_API_KEYS``.
    """
    principal.require(Permission.MANAGE_API_KEYS)
    stmt = (
        select(ApiKey)
        .where(ApiKey.org_id == principal.org_id)
        .order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc())
    )
    return list(session.exec(stmt))


def revoke_api_key(session: Session, *, principal: Principal, key_id: uuid.UUID) -> ApiKey:
    """Revoke a key; it stops authenticating immediately (idempotent).

    Raises:
        Forbidden: without ``MANAGE_API_KEYS``.
        NotFound: no such key in the principal's organization.
    """
    principal.require(Permission.MANAGE_API_KEYS)
    key = session.exec(
        select(ApiKey).where(ApiKey.org_id == principal.org_id, ApiKey.id == key_id)
    ).first()
    if key is None:
        raise NotFound("API key not found.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        _audit(session, principal, "api_key.revoked", key)
    return key
