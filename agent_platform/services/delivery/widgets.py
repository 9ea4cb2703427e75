"""The embeddable widget: settings, publishable keys, origins, end-user identity.

Rate, spend and stream limits live in ``services.delivery.widget_limits``.

Trust model: the publishable key (``pk_...``) is public; it only names one agent's widget.
Browsers are kept to the agent's ``allowed_origins`` by ``frame-ancestors`` on the chat frame
and by ``Origin`` checks on the widget API. End users are anonymous (a random per-browser id
kept by the loader in the host page's storage) or identified by a token the customer signs with
the widget secret (HMAC-SHA256). Either is exchanged for a short-lived widget session token
signed by the platform, bound to the widget and its current key, so rotating the key revokes
every session at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, select

from agent_platform.integrations.vault import get_vault
from agent_platform.models.agents import Agent, AgentStatus, AgentVersion
from agent_platform.models.base import utcnow
from agent_platform.models.widgets import AgentWidget
from agent_platform.services import audit
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.delivery.web_origins import is_origin, normalise_origin
from agent_platform.services.errors import Forbidden, InvalidInput, NotFound
from agent_platform.services.permissions import Permission, Principal
from agent_platform.settings import get_settings

SESSION_TTL_S = 12 * 3600
DEFAULT_THEME: dict[str, Any] = {
    "title": "Chat with us",
    "color": "#4f46e5",
    "avatar_url": "",
    "welcome": "Hi! How can I help?",
    "starters": [],
    "position": "right",
}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ANON = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _new_secret(widget: AgentWidget) -> str:
    plain = "ws_" + secrets.token_urlsafe(32)
    widget.secret_enc = get_vault().encrypt(
        {"secret": plain}, org_id=str(widget.org_id), row_id=str(widget.id)
    )
    return plain


def widget_secret(widget: AgentWidget) -> str:
    """The plaintext HMAC secret of ``widget`` (server-side only)."""
    data = get_vault().decrypt(widget.secret_enc, org_id=str(widget.org_id), row_id=str(widget.id))
    return str(data["secret"])


def get_widget(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> AgentWidget:
    """The agent's widget settings, created with defaults on first call (``EDIT_AGENT``)."""
    principal.require(Permission.EDIT_AGENT)
    agent = agent_queries.load_agent(session, org_id=principal.org_id, agent_id=agent_id)
    widget = session.exec(
        select(AgentWidget).where(
            AgentWidget.agent_id == agent.id, AgentWidget.org_id == agent.org_id
        )
    ).first()
    if widget is None:
        widget = AgentWidget(
            org_id=agent.org_id, agent_id=agent.id, public_key="pk_" + secrets.token_urlsafe(18),
            secret_enc="", theme=dict(DEFAULT_THEME),
        )  # fmt: skip
        _new_secret(widget)
        session.add(widget)
        session.flush()
    return widget


def _is_https_url(url: str) -> bool:
    """An ``https`` URL whose host could go into a CSP source (``img-src https://host``)."""
    try:
        parts = urlsplit(url)
        normalise_origin(f"https://{parts.netloc}")
    except (ValueError, InvalidInput):
        return False
    return parts.scheme == "https" and parts.netloc.isascii()


def csp_origins(widget: AgentWidget) -> list[str]:
    """The allowed origins that are safe inside a CSP header (rows saved before validation
    could hold anything; those are left out rather than written into the header)."""
    return [origin for origin in widget.allowed_origins if is_origin(origin)]


def _clean_theme(theme: dict[str, Any]) -> dict[str, Any]:
    out = dict(DEFAULT_THEME)
    for key in ("title", "welcome"):
        if isinstance(theme.get(key), str):
            out[key] = theme[key].strip()[:300]
    if theme.get("color") and not _COLOR.match(str(theme["color"])):
        raise InvalidInput("The colour must look like #4f46e5.", details={"field": "color"})
    out["color"] = theme.get("color") or DEFAULT_THEME["color"]
    avatar = str(theme.get("avatar_url") or "").strip()
    if avatar and not _is_https_url(avatar):
        raise InvalidInput("The avatar must be an https:// URL.", details={"field": "avatar_url"})
    out["avatar_url"] = avatar[:500]
    starters = theme.get("starters") or []
    out["starters"] = [str(s).strip()[:200] for s in starters if str(s).strip()][:6]
    out["position"] = "left" if theme.get("position") == "left" else "right"
    return out


def update_widget(
    session: Session,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    theme: dict[str, Any] | None = None,
    allowed_origins: list[str] | None = None,
    enabled: bool | None = None,
    history_window: int | None = None,
) -> AgentWidget:
    """Change the widget's look, origin allowlist, switch or memory window (``EDIT_AGENT``)."""
    widget = get_widget(session, principal=principal, agent_id=agent_id)
    if theme is not None:
        widget.theme = _clean_theme(theme)
    if allowed_origins is not None:
        widget.allowed_origins = sorted({normalise_origin(o) for o in allowed_origins if o.strip()})
    if enabled is not None:
        widget.enabled = enabled
    if history_window is not None:
        if not 0 <= history_window <= 50:
            raise InvalidInput("Memory must be 0 to 50 messages.", details={"field": "window"})
        widget.history_window = history_window
    widget.updated_at = utcnow()
    session.add(widget)
    audit.record(
        session, action="widget.updated", org_id=principal.org_id, actor=principal,
        target_type="agent", target_id=agent_id,
    )  # fmt: skip
    return widget


def rotate_keys(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> AgentWidget:
    """New publishable key and secret: old snippets, user tokens and sessions stop working."""
    widget = get_widget(session, principal=principal, agent_id=agent_id)
    widget.public_key = "pk_" + secrets.token_urlsafe(18)
    _new_secret(widget)
    widget.updated_at = utcnow()
    session.add(widget)
    audit.record(
        session, action="widget.keys_rotated", org_id=principal.org_id, actor=principal,
        target_type="agent", target_id=agent_id,
    )  # fmt: skip
    return widget


def loader_url(base_url: str) -> str:
    """Where the embed loader script is served, e.g. ``https://app.example.com/widget.js``."""
    return f"{base_url.rstrip('/')}/widget.js"


def snippet(widget: AgentWidget, base_url: str) -> str:
    """The ``<script>`` tag customers paste into their site."""
    return f'<script src="{loader_url(base_url)}" data-agent="{widget.public_key}" async></script>'


def is_chat_graph(definition: dict[str, Any]) -> bool:
    """Whether the graph starts with a ``chat`` trigger."""
    nodes = definition.get("nodes") if isinstance(definition, dict) else None
    return any(
        isinstance(n, dict)
        and n.get("type") == "trigger"
        and (n.get("data") or {}).get("kind") == "chat"
        for n in nodes or []
    )


def load_public(session: Session, *, public_key: str) -> tuple[AgentWidget, Agent]:
    """The enabled widget with this key and its published chat agent. Raises ``NotFound``."""
    widget = session.exec(
        select(AgentWidget).where(AgentWidget.public_key == public_key[:64])
    ).first()
    if widget is None or not widget.enabled:
        raise NotFound("Widget not found.")
    agent = session.get(Agent, widget.agent_id)
    if agent is None or agent.status != AgentStatus.PUBLISHED or not agent.published_version_id:
        raise NotFound("Widget not found.")
    version = session.get(AgentVersion, agent.published_version_id)
    if version is None or not is_chat_graph(version.definition):
        raise NotFound("Widget not found.")
    return widget, agent


def check_origin(widget: AgentWidget, origin: str | None, *, self_origin: str) -> str:
    """Accept the platform's own origin (the chat frame) or an allowed one; ``Forbidden`` else."""
    if origin and (origin == self_origin or origin.lower() in widget.allowed_origins):
        return origin
    raise Forbidden("This website is not allowed to use this chat widget.")


def public_config(widget: AgentWidget, agent: Agent) -> dict[str, Any]:
    """What the loader and the chat frame need to draw the widget (nothing secret)."""
    return {"agent_name": agent.name, **_clean_theme(widget.theme)}


def sign_user_token(
    secret: str, user_id: str, *, ttl_s: int = 3600, now: float | None = None
) -> str:
    """A customer-side helper: ``payload.signature`` identifying ``user_id`` (for tests/docs)."""
    issued = int(now or time.time())
    claims = {"sub": user_id, "iat": issued, "exp": issued + ttl_s}
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{signature}"


def verify_user_token(widget: AgentWidget, token: str) -> str:
    """The end-user id ``user:<sub>`` from a token signed with the widget secret.

    Raises:
        Forbidden: bad signature, malformed, expired, or valid (or issued) longer ago than
            ``widget.user_token_max_lifetime_s``.
    """
    payload, _, signature = token.partition(".")
    expected = hmac.new(widget_secret(widget).encode(), payload.encode(), hashlib.sha256)
    if not signature or not hmac.compare_digest(expected.hexdigest(), signature):
        raise Forbidden("The user token is not valid.")
    try:
        claims = json.loads(_unb64(payload))
    except ValueError:
        raise Forbidden("The user token is not valid.") from None
    now = time.time()
    if not isinstance(claims, dict) or int(claims.get("exp", 0)) < now:
        raise Forbidden("The user token has expired.")
    max_lifetime = get_settings().widget.user_token_max_lifetime_s
    issued = claims.get("iat")
    if int(claims["exp"]) - now > max_lifetime or (
        isinstance(issued, int | float) and now - issued > max_lifetime
    ):
        raise Forbidden(
            f"The user token lives longer than {max_lifetime} seconds; sign a shorter one."
        )
    sub = str(claims.get("sub") or "")[:200]
    if not sub:
        raise Forbidden("The user token names no user.")
    return f"user:{sub}"


def end_user_from(widget: AgentWidget, *, anonymous_id: str | None, user_token: str | None) -> str:
    """The end user a session is for: a verified token wins over an anonymous id."""
    if user_token:
        return verify_user_token(widget, user_token)
    if anonymous_id and _ANON.match(anonymous_id):
        return f"anon:{anonymous_id}"
    raise InvalidInput("Send an anonymous_id (16-64 URL-safe characters) or a user_token.")


def _session_key() -> bytes:
    master = get_settings().security.secret_key.get_secret_value().encode()
    return hmac.new(master, b"widget-session-v1", hashlib.sha256).digest()


def issue_session(widget: AgentWidget, end_user: str, *, now: float | None = None) -> str:
    """A widget session token for ``end_user`` (valid ``SESSION_TTL_S``)."""
    claims = {"w": str(widget.id), "k": widget.public_key, "u": end_user}
    claims["exp"] = int((now or time.time()) + SESSION_TTL_S)
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(_session_key(), payload.encode(), 'sha256').digest())}"


def verify_session(widget: AgentWidget, token: str | None) -> str:
    """The end user of a widget session token. Raises ``Forbidden`` (expired, other widget...)."""
    payload, _, signature = (token or "").partition(".")
    expected = _b64(hmac.new(_session_key(), payload.encode(), "sha256").digest())
    if not signature or not hmac.compare_digest(expected, signature):
        raise Forbidden("The chat session is not valid; reload the page.")
    claims = json.loads(_unb64(payload))
    if claims.get("w") != str(widget.id) or claims.get("k") != widget.public_key:
        raise Forbidden("The chat session is not valid; reload the page.")
    if int(claims.get("exp", 0)) < time.time():
        raise Forbidden("The chat session expired; reload the page.")
    return str(claims["u"])
