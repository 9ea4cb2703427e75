"""Settings → API keys: create (shown once), list by prefix, revoke."""

import dataclasses
from datetime import UTC, date, datetime, time

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.models.api_keys import Scope
from agent_platform.services.accounts import api_keys
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.state.base import (
    AppState,
    fmt_time,
    parse_id,
    public,
    requires,
    requires_login,
    text,
)

ALL_SCOPES = [s.value for s in Scope]


@dataclasses.dataclass
class KeyRow:
    """A key as the list shows it: never the secret."""

    id: str
    name: str
    prefix: str
    scopes: list[str]
    created: str
    last_used: str
    expires: str
    revoked: bool


def _parse_expiry(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("Pick a valid expiry date.") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


class ApiKeysState(AppState):
    """API keys of the current organization (admins and owners only)."""

    allowed: bool = False
    keys: list[KeyRow] = []
    scopes: list[str] = ["agents:read"]
    # The plaintext lives here only while the "copy your key" dialog is open.
    new_key: str = ""

    def _reload(self) -> None:
        with session_scope() as session:
            rows = api_keys.list_api_keys(session, principal=self._principal())
        self.keys = [
            KeyRow(
                id=str(k.id),
                name=k.name,
                prefix=k.prefix,
                scopes=list(k.scopes),
                created=fmt_time(k.created_at),
                last_used=fmt_time(k.last_used_at) or "Never",
                expires=fmt_time(k.expires_at) or "Never",
                revoked=k.revoked_at is not None,
            )
            for k in rows
        ]

    @rx.event
    @requires_login
    def load(self):
        """Load the keys if the caller may manage them."""
        self.new_key = ""
        self.allowed = self._principal().can(Permission.MANAGE_API_KEYS)
        self.keys = []
        if self.allowed:
            self._reload()

    @rx.event
    @requires(Permission.MANAGE_API_KEYS)
    def toggle_scope(self, scope: str, checked: bool):
        """Tick or untick a scope in the create form."""
        if scope not in ALL_SCOPES:
            raise InvalidInput("Unknown scope.")
        chosen = set(self.scopes) - {scope}
        if checked is True:
            chosen.add(scope)
        self.scopes = [s for s in ALL_SCOPES if s in chosen]

    @rx.event
    @requires(Permission.MANAGE_API_KEYS)
    def create(self, form: dict):
        """Create a key and show its plaintext once."""
        with session_scope() as session:
            _, plaintext = api_keys.create_api_key(
                session,
                principal=self._principal(),
                name=text(form, "name", limit=120),
                scopes=list(self.scopes),
                expires_at=_parse_expiry(text(form, "expires", limit=10)),
            )
        self.new_key = plaintext
        self.scopes = ["agents:read"]
        self._reload()

    @rx.event
    @public
    def close_key_dialog(self):
        """Forget the plaintext key (it is never shown again)."""
        self.new_key = ""

    @rx.event
    @requires(Permission.MANAGE_API_KEYS)
    def revoke(self, key_id: str):
        """Revoke a key; it stops working at once."""
        target = parse_id(key_id, "API key")
        with session_scope() as session:
            api_keys.revoke_api_key(session, principal=self._principal(), key_id=target)
        self._reload()
        return rx.toast.success("Key revoked.")
