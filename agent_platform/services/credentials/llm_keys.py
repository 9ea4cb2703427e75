"""LLM provider keys from the vault: the router's key lookup, the org's router, a key test.

Plaintext keys go only to the LLM SDKs; a test's error message is scrubbed of every secret.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from agent_platform.db import session_scope
from agent_platform.engine.protocols import ChatMessage, LLMRequest, NodeError, PermanentError
from agent_platform.integrations.egress import EgressGuard
from agent_platform.integrations.llm import DefaultLookup, KeyLookup, LLMRouter, RetryPolicy
from agent_platform.integrations.vault import VaultError
from agent_platform.models.credentials import Credential, CredentialKind, LLMProvider
from agent_platform.services.credentials.llm_models import default_provider
from agent_platform.services.credentials.store import load_credential, resolve_credential
from agent_platform.services.errors import NotFound
from agent_platform.services.permissions import Permission, Principal
from agent_platform.settings import get_settings

_PROBE_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5", "compat": "default"}


@dataclass(frozen=True)
class TestResult:
    """The outcome of ``test_credential``; ``message`` never contains secret data."""

    ok: bool
    message: str
    model: str | None = None


def _llm_key(session: Session, org_id: uuid.UUID, provider: str, cid: str | None) -> dict | None:
    if cid:
        try:
            row = load_credential(session, org_id, cid)
        except NotFound:
            return None
        if row.kind != CredentialKind.LLM_PROVIDER:
            # Other credentials are bound to the hosts HTTP steps may send them to.
            raise PermanentError(f"The selected credential '{row.name}' is not an LLM key")
        if row.provider != provider:
            raise PermanentError(f"The selected credential is for {row.provider}, not {provider}")
    else:
        row = session.exec(
            select(Credential).where(
                Credential.org_id == org_id,
                Credential.kind == CredentialKind.LLM_PROVIDER,
                Credential.provider == provider,
                Credential.is_default == True,  # noqa: E712
            )
        ).first()
        if row is None:
            return None
    data = resolve_credential(session, org_id=org_id, credential_id=row.id)
    keys = ("api_key", "base_url") if provider == LLMProvider.COMPAT else ("api_key",)
    return {k: data[k] for k in keys if data.get(k)}


def llm_key_lookup(org_id: uuid.UUID | str) -> KeyLookup:
    """A ``KeyLookup`` for ``LLMRouter``: the org's chosen or default provider credential.

    The returned coroutine gives ``{"api_key", "base_url"?}`` (``base_url`` for compat only)
    or ``None`` when the org has no such credential.
    """
    oid = org_id if isinstance(org_id, uuid.UUID) else uuid.UUID(str(org_id))

    def lookup(provider: str, credential_id: str | None) -> dict | None:
        with session_scope() as session:
            return _llm_key(session, oid, provider, credential_id)

    async def key_lookup(provider: str, credential_id: str | None) -> dict[str, Any] | None:
        return await asyncio.to_thread(lookup, provider, credential_id)

    return key_lookup


def llm_default_lookup(org_id: uuid.UUID | str) -> DefaultLookup:
    """A ``DefaultLookup`` for ``LLMRouter``: where the org's default model comes from.

    The coroutine gives ``(provider, saved model or None)`` of the org's first configured
    provider (of the node's credential when given), or ``None`` when none is configured.
    """
    oid = org_id if isinstance(org_id, uuid.UUID) else uuid.UUID(str(org_id))

    def lookup(credential_id: str | None) -> tuple[str, str | None] | None:
        with session_scope() as session:
            return default_provider(session, org_id=oid, credential_id=credential_id)

    async def default_lookup(credential_id: str | None) -> tuple[str, str | None] | None:
        return await asyncio.to_thread(lookup, credential_id)

    return default_lookup


def build_llm_router(org_id: uuid.UUID | str, **kwargs: Any) -> LLMRouter:
    """An ``LLMRouter`` for one org.

    Keys and the default model come from the org's vault, ``openai``/``anthropic`` base URLs
    from the settings; every SDK connection (compat servers' included) passes the egress guard
    with the settings' ``runtime.egress_allow_hosts``.
    """
    runtime = get_settings().runtime
    urls = {"openai": runtime.openai_base_url, "anthropic": runtime.anthropic_base_url}
    guard = EgressGuard(allow_hosts=runtime.egress_allow_hosts)
    return LLMRouter(
        key_lookup=kwargs.pop("key_lookup", None) or llm_key_lookup(org_id),
        default_lookup=kwargs.pop("default_lookup", None) or llm_default_lookup(org_id),
        base_urls={k: v for k, v in urls.items() if v},
        egress=guard,
        **kwargs,
    )


async def test_credential(
    session: Session, *, principal: Principal, credential_id: uuid.UUID, model: str | None = None
) -> TestResult:
    """Check a credential: LLM keys make a one-token completion; others must decrypt.

    Args:
        model: the model to try (LLM credentials), e.g. ``"gpt-4o-mini"``; default: the
            credential's saved model, else a cheap one.

    Raises:
        Forbidden: without ``MANAGE_INTEGRATIONS``.
        NotFound: no such credential in the principal's organization.
    """
    principal.require(Permission.MANAGE_INTEGRATIONS)
    row = load_credential(session, principal.org_id, credential_id)
    try:
        data = resolve_credential(session, org_id=row.org_id, credential_id=row.id)
    except VaultError:
        return TestResult(ok=False, message="The stored secret cannot be decrypted.")
    if row.kind != CredentialKind.LLM_PROVIDER or not row.provider:
        return TestResult(ok=True, message="Stored and decryptable.")
    ref = f"{row.provider}:{model or data.get('model') or _PROBE_MODELS[row.provider]}"
    fields = {k: v for k, v in data.items() if k in ("api_key", "base_url")}

    async def own_key(_: str, __: str | None) -> dict[str, Any]:
        return fields

    router = build_llm_router(row.org_id, key_lookup=own_key, retry=RetryPolicy(max_attempts=1))
    request = LLMRequest(model=ref, messages=(ChatMessage("user", "ping"),), max_tokens=1)
    try:
        await router.complete(request)
    except NodeError as exc:
        return TestResult(ok=False, message=_scrub(exc.message, data), model=ref)
    finally:
        await router.aclose()
    return TestResult(ok=True, message="The provider accepted the key.", model=ref)


test_credential.__test__ = False  # type: ignore[attr-defined]  (not a pytest test)


def _scrub(message: str, data: dict[str, Any]) -> str:
    for value in data.values():
        if isinstance(value, str) and len(value) >= 4:
            message = message.replace(value, "***")
    return message[:300]
