"""Which models an organization has: what its default model means, and the picker's list.

"Organization default" is the default model of the first LLM provider the organization
configured (its earliest default provider credential): the model saved on that credential,
else the provider's platform default (``catalog.PROVIDER_DEFAULTS``). With no provider
configured it is ``offline:extractive``. A node that picks a credential gets that
credential's provider instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from agent_platform.engine.protocols import DEFAULT_MODEL, OFFLINE_MODEL, PermanentError
from agent_platform.integrations.llm.catalog import default_model, known_models
from agent_platform.integrations.vault import VaultError
from agent_platform.models.credentials import Credential, CredentialKind
from agent_platform.services.credentials.store import load_credential, resolve_credential
from agent_platform.services.errors import NotFound
from agent_platform.services.permissions import Permission, Principal

SERVER_CHOICE = "the first model the server lists"


@dataclass(frozen=True)
class ModelOption:
    """A model the builder's picker offers: the stored ``value`` and what people read."""

    value: str
    label: str


@dataclass(frozen=True)
class OrgModels:
    """The organization's models as the builder shows them.

    Attributes:
        default: what ``DEFAULT_MODEL`` resolves to now, e.g. ``"offline:extractive"``.
        options: "Organization default" first, then each configured provider's models,
            then ``offline:extractive``.
    """

    default: str
    options: list[ModelOption]


def _saved_model(session: Session, row: Credential) -> str | None:
    try:
        data = resolve_credential(session, org_id=row.org_id, credential_id=row.id, touch=False)
    except VaultError:
        return None  # an undecryptable key fails when used; here it names no model
    model = data.get("model")
    return str(model) if model else None


def _provider_rows(session: Session, org_id: uuid.UUID) -> list[Credential]:
    """The org's LLM provider credentials, first configured first."""
    return list(
        session.exec(
            select(Credential)
            .where(Credential.org_id == org_id, Credential.kind == CredentialKind.LLM_PROVIDER)
            .order_by(col(Credential.created_at), col(Credential.id))
        )
    )


def _first_default(rows: list[Credential]) -> Credential | None:
    return next((r for r in rows if r.is_default and r.provider), None)


def default_provider(
    session: Session, *, org_id: uuid.UUID, credential_id: str | None = None
) -> tuple[str, str | None] | None:
    """``(provider, saved model or None)`` the org's default model comes from, or ``None``.

    Args:
        credential_id: the node's chosen credential; its provider then gives the default.

    Raises:
        PermanentError: the chosen credential is gone or is not an LLM provider key.
    """
    if credential_id:
        try:
            row = load_credential(session, org_id, credential_id)
        except NotFound:
            raise PermanentError("The credential chosen on this step no longer exists") from None
        if row.kind != CredentialKind.LLM_PROVIDER or not row.provider:
            raise PermanentError(
                "The credential chosen on this step is not an LLM provider key; pick one, "
                "or pick a model"
            )
    else:
        first = _first_default(_provider_rows(session, org_id))
        if first is None:
            return None
        row = first
    assert row.provider is not None
    return row.provider, _saved_model(session, row)


def resolved_default(found: tuple[str, str | None] | None) -> str:
    """What ``default_provider``'s answer makes of ``DEFAULT_MODEL``, for people to read."""
    if found is None:
        return OFFLINE_MODEL
    provider, saved = found
    return default_model(provider, saved) or f"{provider}: {SERVER_CHOICE}"


def org_models(session: Session, *, principal: Principal) -> OrgModels:
    """The models the org's configured providers offer, and what its default means.

    Credentials' saved models come first, then the provider's known models (the bundled
    price table). Names only: no secret leaves the server.

    Raises:
        Forbidden: without ``VIEW_AGENTS``.
    """
    principal.require(Permission.VIEW_AGENTS)
    rows = _provider_rows(session, principal.org_id)
    saved = {row.id: _saved_model(session, row) for row in rows}
    first = _first_default(rows)
    default = resolved_default((str(first.provider), saved[first.id]) if first else None)
    refs = [default_model(str(row.provider), saved[row.id]) or "" for row in rows]
    for provider in dict.fromkeys(str(row.provider) for row in rows):
        refs += [default_model(provider) or "", *known_models(provider)]
    refs.append(OFFLINE_MODEL)
    options = [ModelOption(DEFAULT_MODEL, f"Organization default ({default})")]
    options += [ModelOption(ref, ref) for ref in dict.fromkeys(refs) if ref]
    return OrgModels(default=default, options=options)
