"""Approval webhooks: each agent's outgoing URL for approval events, and its signing secret.

Every delivery carries ``X-Agent-Platform-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw
body under the webhook's signing secret. The secret is derived per webhook from the platform
secret (so it is never stored) and shown to admins and owners so receivers can verify; editors
may point the webhook somewhere but not read the secret, like webhook trigger secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from agent_platform.models.agents import Agent
from agent_platform.models.approvals import ApprovalWebhook
from agent_platform.services import audit
from agent_platform.services.errors import InvalidInput, NotFound
from agent_platform.services.permissions import Permission, Principal
from agent_platform.settings import get_settings

SIGNATURE_HEADER = "X-Agent-Platform-Signature"


@dataclass(frozen=True)
class AgentWebhook:
    """An agent's approval webhook; ``signing_secret`` only when asked for and allowed."""

    agent_id: uuid.UUID
    url: str | None
    enabled: bool
    signing_secret: str | None = None
    signature_header: str = SIGNATURE_HEADER


def signing_secret(hook_id: uuid.UUID) -> str:
    """``whsec_<hex>``: the key receivers verify this webhook's deliveries with."""
    secret = get_settings().security.secret_key.get_secret_value().encode()
    key = hmac.new(secret, f"approval-webhook:{hook_id}".encode(), hashlib.sha256).hexdigest()
    return f"whsec_{key}"


def sign(hook_id: uuid.UUID, body: str) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``body`` under the webhook's signing secret."""
    key = signing_secret(hook_id).encode()
    return "sha256=" + hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _agent(session: Session, principal: Principal, agent_id: uuid.UUID) -> Agent:
    agent = session.exec(
        select(Agent).where(Agent.id == agent_id, Agent.org_id == principal.org_id)
    ).first()
    if agent is None:
        raise NotFound("Agent not found.")
    return agent


def _hook(session: Session, agent: Agent) -> ApprovalWebhook | None:
    return session.exec(select(ApprovalWebhook).where(ApprovalWebhook.agent_id == agent.id)).first()


def get_agent_webhook(
    session: Session, *, principal: Principal, agent_id: uuid.UUID, reveal_secret: bool = False
) -> AgentWebhook:
    """The agent's approval webhook (``EDIT_AGENT``); its secret with ``reveal_secret``.

    Revealing needs ``MANAGE_INTEGRATIONS`` and is audited.

    Raises:
        Forbidden: without the permissions above. NotFound: no such agent in the org.
    """
    principal.require(Permission.EDIT_AGENT)
    if reveal_secret:
        principal.require(Permission.MANAGE_INTEGRATIONS)
    agent = _agent(session, principal, agent_id)
    hook = _hook(session, agent)
    if hook is None:
        return AgentWebhook(agent.id, None, False)
    secret = None
    if reveal_secret:
        secret = signing_secret(hook.id)
        audit.record(session, action="approval.webhook_secret_revealed",
                     org_id=principal.org_id, actor=principal, target_type="agent",
                     target_id=agent.id)  # fmt: skip
    return AgentWebhook(agent.id, hook.url, hook.enabled, secret)


def set_agent_webhook(
    session: Session, *, principal: Principal, agent_id: uuid.UUID, url: str | None
) -> AgentWebhook:
    """Set (or with ``url=None`` remove) the agent's approval webhook (``EDIT_AGENT``).

    The URL is checked again by the egress guard on every delivery.

    Raises:
        NotFound: no such agent in the org. InvalidInput: not an http(s) URL.
    """
    principal.require(Permission.EDIT_AGENT)
    agent = _agent(session, principal, agent_id)
    hook = _hook(session, agent)
    if url is None:
        if hook is not None:
            session.delete(hook)
            audit.record(session, action="approval.webhook_removed", org_id=principal.org_id,
                         actor=principal, target_type="agent", target_id=agent.id)  # fmt: skip
        return AgentWebhook(agent.id, None, False)
    if not url.startswith(("https://", "http://")) or len(url) > 2000:
        raise InvalidInput("The webhook URL must start with https:// or http://.")
    hook = hook or ApprovalWebhook(org_id=agent.org_id, agent_id=agent.id, url=url)
    hook.url, hook.enabled = url, True
    session.add(hook)
    audit.record(session, action="approval.webhook_set", org_id=principal.org_id,
                 actor=principal, target_type="agent", target_id=agent.id)  # fmt: skip
    return AgentWebhook(agent.id, hook.url, hook.enabled)
