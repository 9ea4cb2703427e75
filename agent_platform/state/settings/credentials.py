"""Settings → Credentials: encrypted secrets for nodes and LLM providers (admins only).

The browser only ever sees names, kinds and a masked hint; secrets go one way, into the vault.
"""

import dataclasses
import json

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.models.credentials import CredentialKind
from agent_platform.services.credentials import llm_keys as credential_llm
from agent_platform.services.credentials import store as credentials
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.state.base import AppState, fmt_time, parse_id, requires, requires_login, text

KINDS = [k.value for k in CredentialKind]
PROVIDERS = ["openai", "anthropic", "compat"]


@dataclasses.dataclass
class CredentialRow:
    """A credential as the list shows it: never the secret."""

    id: str
    name: str
    kind: str
    provider: str
    hint: str
    is_default: bool
    last_used: str
    hosts: str
    http_usable: bool


def _secret_data(kind: str, provider: str, form: dict) -> dict:
    """The secret fields for ``kind`` from the submitted form (the service checks them)."""
    if kind == CredentialKind.CUSTOM_JSON:
        try:
            data = json.loads(text(form, "json", limit=8000) or "{}")
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"The JSON is not valid: {exc.msg} (line {exc.lineno}).") from None
        if not isinstance(data, dict):
            raise InvalidInput("The JSON must be an object of fields.")
        return data
    if kind == CredentialKind.BASIC:
        return {"username": text(form, "username"), "password": text(form, "password")}
    if kind == CredentialKind.BEARER:
        return {"token": text(form, "secret", limit=8000)}
    data = {"api_key": text(form, "secret", limit=8000)}
    if kind == CredentialKind.LLM_PROVIDER and provider == "compat":
        data["base_url"] = text(form, "base_url", limit=2000)
    if kind == CredentialKind.LLM_PROVIDER:
        data["model"] = text(form, "model", limit=200)
    return {k: v for k, v in data.items() if v}


def _hosts(form: dict) -> list[str]:
    """The allowed hosts typed into the form: one per line or comma-separated."""
    raw = text(form, "allowed_hosts", limit=4000)
    return [h.strip() for h in raw.replace(",", "\n").splitlines() if h.strip()]


class CredentialsState(AppState):
    """Credentials of the current organization."""

    allowed: bool = False
    rows: list[CredentialRow] = []
    kind: str = "llm_provider"
    provider: str = "openai"

    def _reload(self) -> None:
        principal = self._principal()
        with session_scope() as session:
            views = credentials.list_credentials(session, principal=principal)
        self.rows = [
            CredentialRow(
                id=str(v.id),
                name=v.name,
                kind=v.kind,
                provider=v.provider or "",
                hint=v.hint or "",
                is_default=v.is_default,
                last_used=fmt_time(v.last_used_at) or "Never",
                hosts=", ".join(v.allowed_hosts),
                http_usable=v.kind != CredentialKind.LLM_PROVIDER,
            )
            for v in views
        ]

    @rx.event
    @requires_login
    def load(self):
        """Load the list if the caller manages integrations."""
        self.allowed = self._principal().can(Permission.MANAGE_INTEGRATIONS)
        self.rows = []
        if self.allowed:
            self._reload()

    @rx.event
    @requires(Permission.MANAGE_INTEGRATIONS)
    def set_kind(self, kind: str):
        """Pick what the new credential holds."""
        if kind not in KINDS:
            raise InvalidInput("Unknown credential kind.")
        self.kind = kind

    @rx.event
    @requires(Permission.MANAGE_INTEGRATIONS)
    def set_provider(self, provider: str):
        """Pick the LLM provider of a new provider key."""
        if provider not in PROVIDERS:
            raise InvalidInput("Unknown provider.")
        self.provider = provider

    @rx.event
    @requires(Permission.MANAGE_INTEGRATIONS)
    def create(self, form: dict):
        """Encrypt and store a new credential."""
        provider = self.provider if self.kind == CredentialKind.LLM_PROVIDER else None
        with session_scope() as session:
            credentials.create_credential(
                session,
                principal=self._principal(),
                name=text(form, "name", limit=120),
                kind=self.kind,
                provider=provider,
                data=_secret_data(self.kind, self.provider, form),
                allowed_hosts=_hosts(form) if provider is None else [],
            )
        self._reload()
        return rx.toast.success("Credential saved. Its secret is encrypted and never shown again.")

    @rx.event
    @requires(Permission.MANAGE_INTEGRATIONS)
    def save_hosts(self, form: dict):
        """Replace the hosts a credential may be sent to by HTTP steps (empty: none)."""
        target = parse_id(form.get("credential_id"), "credential")
        with session_scope() as session:
            credentials.update_credential(
                session, principal=self._principal(), credential_id=target,
                allowed_hosts=_hosts(form),
            )  # fmt: skip
        self._reload()
        return rx.toast.success("Allowed hosts saved.")

    @rx.event
    @requires(Permission.MANAGE_INTEGRATIONS)
    async def test(self, credential_id: str):
        """Check a credential (LLM keys make a one-token completion)."""
        target = parse_id(credential_id, "credential")
        with session_scope() as session:
            result = await credential_llm.test_credential(
                session, principal=self._principal(), credential_id=target
            )
        if result.ok:
            return rx.toast.success(result.message)
        return rx.toast.error(result.message)

    @rx.event
    @requires(Permission.MANAGE_INTEGRATIONS)
    def delete(self, credential_id: str):
        """Delete a credential; nodes referring to it fail until given another."""
        target = parse_id(credential_id, "credential")
        with session_scope() as session:
            credentials.delete_credential(
                session, principal=self._principal(), credential_id=target
            )
        self._reload()
        return rx.toast.success("Credential deleted.")
