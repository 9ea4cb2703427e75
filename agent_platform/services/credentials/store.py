"""The org-scoped credential vault: create, list (no secrets), delete, test, resolve, rotate.

Secrets are encrypted with the ``Vault`` (AES-GCM, associated data ``"{org_id}:{row_id}"``)
before they touch the database. Plaintext leaves this module only through the server-side
resolvers (``resolve_credential``; ``http_access.resolve_for_http`` behind
``CredentialResolver``, which releases a credential to HTTP steps only with the hosts it is
bound to and never an LLM provider key; ``credential_llm`` for LLM keys); lists carry a masked
hint at most, and audit entries the credential's name and allowed hosts only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent_platform.integrations.egress_http import normalise_host_patterns
from agent_platform.integrations.vault import Vault, get_vault
from agent_platform.models.base import utcnow
from agent_platform.models.credentials import Credential, CredentialKind, LLMProvider
from agent_platform.services import audit
from agent_platform.services.errors import Conflict, InvalidInput, NotFound
from agent_platform.services.permissions import Permission, Principal

MAX_SECRET_BYTES = 16_384
_FIELDS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required, allowed)
    CredentialKind.API_KEY: ({"api_key"}, {"api_key"}),
    CredentialKind.BEARER: ({"token"}, {"token"}),
    CredentialKind.BASIC: ({"username", "password"}, {"username", "password"}),
}
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class CredentialView:
    """A credential as lists show it. ``hint`` is ``None`` for callers who cannot manage it."""

    id: uuid.UUID
    name: str
    kind: str
    provider: str | None
    is_default: bool
    hint: str | None
    allowed_hosts: list[str]
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None


def _mask(value: str) -> str:
    return f"{value[:3]}…{value[-4:]}" if len(value) >= 16 else "…"


def _hint(kind: str, data: dict[str, Any]) -> str:
    for key in ("api_key", "token", "password"):
        if data.get(key):
            return _mask(str(data[key]))
    if kind == CredentialKind.CUSTOM_JSON:
        return f"{len(data)} field(s)"
    return ""


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the credential a name of 1 to 120 characters.")
    return name


def _check_data(kind: str, provider: str | None, data: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(data, dict) or len(str(data).encode()) > MAX_SECRET_BYTES:
        raise InvalidInput(f"The secret must be a JSON object under {MAX_SECRET_BYTES} bytes.")
    if kind == CredentialKind.CUSTOM_JSON:
        if not data:
            raise InvalidInput("Add at least one field to the credential.")
        return dict(data)
    if kind == CredentialKind.LLM_PROVIDER:
        # ``model``: the provider's model "Organization default" means (optional).
        required = {"base_url"} if provider == LLMProvider.COMPAT else {"api_key"}
        allowed = required | {"api_key", "model"}
    else:
        required, allowed = _FIELDS[kind]
    extra, missing = set(data) - allowed, {k for k in required if not data.get(k)}
    if extra or missing:
        raise InvalidInput(
            f"A {kind} credential needs the field(s) {', '.join(sorted(required))}.",
            details={"missing": sorted(missing), "unexpected": sorted(extra)},
        )
    if not all(isinstance(v, str) for v in data.values()):
        raise InvalidInput("Credential fields must be text.")
    model = data.get("model", "")
    if len(model) > 200 or any(c.isspace() for c in model):
        raise InvalidInput("The default model is a model name such as gpt-4o or llama3:8b.")
    base_url = str(data.get("base_url", ""))
    if base_url and not base_url.startswith(("http://", "https://")):
        raise InvalidInput("The base URL must start with http:// or https://.")
    return {k: v for k, v in data.items() if v}


def _check_hosts(kind: str, hosts: list[str]) -> list[str]:
    if kind == CredentialKind.LLM_PROVIDER:
        if hosts:
            raise InvalidInput(
                "LLM provider keys are sent only to their provider, never by HTTP steps: "
                "they take no allowed hosts."
            )
        return []
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise InvalidInput("Allowed hosts are a list of host names.")
    try:
        return normalise_host_patterns(hosts)
    except ValueError as exc:
        raise InvalidInput(f"Allowed hosts: {exc}.") from None


def _check_kind(kind: str, provider: str | None) -> tuple[str, str | None]:
    if kind not in {k.value for k in CredentialKind}:
        raise InvalidInput(f"Unknown credential kind {kind!r}.")
    if kind == CredentialKind.LLM_PROVIDER:
        if provider not in {p.value for p in LLMProvider}:
            raise InvalidInput("Choose the provider: openai, anthropic or compat.")
        return kind, provider
    if provider:
        raise InvalidInput("Only llm_provider credentials have a provider.")
    return kind, None


def _view(row: Credential, *, with_hint: bool) -> CredentialView:
    return CredentialView(
        id=row.id,
        name=row.name,
        kind=row.kind,
        provider=row.provider,
        is_default=row.is_default,
        hint=row.hint if with_hint else None,
        allowed_hosts=list(row.allowed_hosts or []),
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_used_at=row.last_used_at,
    )


def load_credential(
    session: Session, org_id: uuid.UUID, credential_id: uuid.UUID | str
) -> Credential:
    try:
        cid = credential_id if isinstance(credential_id, uuid.UUID) else uuid.UUID(credential_id)
    except (ValueError, TypeError, AttributeError):
        raise NotFound("Credential not found.") from None
    row = session.exec(
        select(Credential).where(Credential.org_id == org_id, Credential.id == cid)
    ).first()
    if row is None:
        raise NotFound("Credential not found.")
    return row


def _clear_default(session: Session, org_id: uuid.UUID, provider: str, keep: uuid.UUID) -> None:
    stmt = select(Credential).where(
        Credential.org_id == org_id,
        Credential.provider == provider,
        Credential.is_default == True,  # noqa: E712  (SQL expression)
        Credential.id != keep,
    )
    for other in session.exec(stmt):
        other.is_default = False
        session.add(other)
    session.flush()


def _save(session: Session, row: Credential) -> None:
    """Flush in a savepoint so a concurrent duplicate becomes ``Conflict``, not a 500."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict("A credential with that name (or default) already exists.") from None


def create_credential(
    session: Session,
    *,
    principal: Principal,
    name: str,
    kind: str,
    provider: str | None,
    data: dict[str, Any],
    is_default: bool | None = None,
    allowed_hosts: list[str] | None = None,
) -> Credential:
    """Encrypt and store a credential in the principal's organization (the caller commits).

    Args:
        data: the secret fields, e.g. ``{"api_key": "sk-..."}`` (``basic``: username and
            password; ``compat``: ``base_url`` and optionally ``api_key``; LLM providers may
            add ``model``, the model the organization's default model means for them).
        is_default: make it the org's default for its LLM provider; ``None`` makes the first
            credential of a provider the default.
        allowed_hosts: hosts HTTP steps may send it to (``api.example.com``,
            ``*.example.com``); without any, HTTP steps cannot use it. Not for LLM keys.

    Raises:
        Forbidden: without ``MANAGE_INTEGRATIONS``.
        InvalidInput: bad name, kind, provider, fields or hosts (any for an LLM key).
        Conflict: the name is taken in this organization.
    """
    principal.require(Permission.MANAGE_INTEGRATIONS)
    kind, provider = _check_kind(kind, provider)
    data = _check_data(kind, provider, data)
    hosts = _check_hosts(kind, allowed_hosts or [])
    name = _check_name(name)
    if session.exec(
        select(Credential.id).where(Credential.org_id == principal.org_id, Credential.name == name)
    ).first():
        raise Conflict("A credential with that name already exists.")
    if provider and is_default is None:
        is_default = not session.exec(
            select(Credential.id).where(
                Credential.org_id == principal.org_id, Credential.provider == provider
            )
        ).first()
    row = Credential(id=uuid.uuid4(), org_id=principal.org_id, name=name, kind=kind)
    row.provider, row.is_default, row.created_by = provider, bool(is_default), principal.user_id
    row.allowed_hosts = hosts
    _seal(row, data)
    if row.is_default and provider:
        _clear_default(session, principal.org_id, provider, keep=row.id)
    _save(session, row)
    _audit(session, principal, "credential.created", row)
    return row


def update_credential(
    session: Session,
    *,
    principal: Principal,
    credential_id: uuid.UUID,
    name: str | None = None,
    data: dict[str, Any] | None = None,
    is_default: bool | None = None,
    allowed_hosts: list[str] | None = None,
) -> Credential:
    """Rename, replace the secret or allowed hosts of, or (un)set the default flag of one.

    Args:
        allowed_hosts: the new list (replaces the old one; ``[]`` stops HTTP use); ``None``
            keeps it.

    Raises:
        Forbidden: without ``MANAGE_INTEGRATIONS``.
        NotFound: no such credential in the principal's organization.
        InvalidInput, Conflict: as ``create_credential``.
    """
    principal.require(Permission.MANAGE_INTEGRATIONS)
    row = load_credential(session, principal.org_id, credential_id)
    if allowed_hosts is not None:
        row.allowed_hosts = _check_hosts(row.kind, allowed_hosts)
    if name is not None:
        row.name = _check_name(name)
    if data is not None:
        _seal(row, _check_data(row.kind, row.provider, data))
    if is_default is not None and row.provider:
        if is_default:
            _clear_default(session, principal.org_id, row.provider, keep=row.id)
        row.is_default = is_default
    row.updated_at = utcnow()
    _save(session, row)
    _audit(session, principal, "credential.updated", row)
    return row


def list_credentials(session: Session, *, principal: Principal) -> list[CredentialView]:
    """The organization's credentials by name, without secrets.

    Editors (who pick credentials in the builder) get names and kinds only; admins also get
    the masked hint.

    Raises:
        Forbidden: viewers and callers who can neither edit agents nor manage integrations.
    """
    admin = principal.can(Permission.MANAGE_INTEGRATIONS)
    if not admin:
        principal.require(Permission.EDIT_AGENT)
    rows = session.exec(
        select(Credential)
        .where(Credential.org_id == principal.org_id)
        .order_by(col(Credential.name))
    )
    return [_view(r, with_hint=admin) for r in rows]


def view(row: Credential, *, principal: Principal) -> CredentialView:
    """One credential as ``list_credentials`` would show it to ``principal``."""
    return _view(row, with_hint=principal.can(Permission.MANAGE_INTEGRATIONS))


def delete_credential(session: Session, *, principal: Principal, credential_id: uuid.UUID) -> None:
    """Delete a credential; runs that reference it then fail with "not found".

    Raises:
        Forbidden: without ``MANAGE_INTEGRATIONS``.
        NotFound: no such credential in the principal's organization.
    """
    principal.require(Permission.MANAGE_INTEGRATIONS)
    row = load_credential(session, principal.org_id, credential_id)
    _audit(session, principal, "credential.deleted", row)
    session.delete(row)
    session.flush()


def resolve_credential(
    session: Session, *, org_id: uuid.UUID, credential_id: uuid.UUID | str, touch: bool = True
) -> dict[str, Any]:
    """The decrypted fields of a credential of ``org_id`` (server-side only, never for APIs).

    Args:
        touch: record the use (``last_used_at``); ``False`` for reading a non-secret field.

    Raises:
        NotFound: no such credential in that organization.
        VaultError: the ciphertext does not authenticate for this org and row.
    """
    row = load_credential(session, org_id, credential_id)
    data = get_vault().decrypt(row.ciphertext, org_id=str(row.org_id), row_id=str(row.id))
    now = utcnow()
    if touch and (row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY):
        row.last_used_at = now
        session.add(row)
    return data


def rotate_credentials(session: Session, *, vault: Vault) -> int:
    """Re-encrypt every credential under ``vault``'s current key (``launcher rotate-keys``).

    Returns:
        How many ciphertexts were rewritten (rows already on the current key are skipped).

    Raises:
        VaultError: a ciphertext's key is no longer configured (nothing is committed then if
            the caller rolls back).
    """
    count = 0
    for row in session.exec(select(Credential).with_for_update()):
        if vault.needs_rotation(row.ciphertext):
            row.ciphertext = vault.rotate(
                row.ciphertext, org_id=str(row.org_id), row_id=str(row.id)
            )
            row.key_version = vault.key_version(row.ciphertext)
            session.add(row)
            count += 1
    return count


def _seal(row: Credential, data: dict[str, Any]) -> None:
    vault = get_vault()
    row.ciphertext = vault.encrypt(data, org_id=str(row.org_id), row_id=str(row.id))
    row.key_version = vault.key_version(row.ciphertext)
    row.hint = _hint(row.kind, data)


def _audit(session: Session, principal: Principal, action: str, row: Credential) -> None:
    audit.record(
        session,
        action=action,
        org_id=principal.org_id,
        actor=principal,
        target_type="credential",
        target_id=row.id,
        details={"name": row.name, "allowed_hosts": list(row.allowed_hosts or [])},
    )
