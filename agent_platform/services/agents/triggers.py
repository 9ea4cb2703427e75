"""Trigger management: publishing syncs trigger nodes to rows; webhook URLs, secrets, rotation.

Firing (verifying webhook deliveries, claiming due schedules) is ``services.runs.firing``.
Webhook signing secrets are sealed in the vault, bound to the trigger row.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from pydantic import ValidationError
from sqlmodel import Session, col, select

from agent_platform.engine.nodes.trigger import TriggerConfig
from agent_platform.integrations.vault import Vault, get_vault
from agent_platform.models.base import utcnow
from agent_platform.models.triggers import AgentTrigger
from agent_platform.services import audit
from agent_platform.services.errors import InvalidInput, NotFound
from agent_platform.services.permissions import Permission, Principal
from agent_platform.settings import get_settings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/v1/hooks/"
TOKEN_PREFIX = "wh_"  # noqa: S105  (a prefix, not a secret)


@dataclass(frozen=True)
class WebhookDetails:
    """What an admin needs to configure a sender: the secret URL and the signing secret."""

    trigger_id: uuid.UUID
    public_prefix: str
    url: str
    secret: str


def next_fire_time(cron: str, timezone: str, after: datetime) -> datetime:
    """The first time strictly after ``after`` matching ``cron`` in ``timezone``, in UTC.

    Wall-clock times skipped by a DST change fire at the first valid instant after them.
    """
    start = after.astimezone(ZoneInfo(timezone))
    return croniter(cron, start).get_next(datetime).astimezone(UTC)


def row_ad(row: AgentTrigger) -> dict[str, str]:
    """Associated data: ``trigger:`` keeps these apart from credential rows."""
    return {"org_id": str(row.org_id), "row_id": f"trigger:{row.id}"}


def _new_webhook(row: AgentTrigger) -> WebhookDetails:
    prefix = f"{TOKEN_PREFIX}{secrets.token_hex(4)}"
    token = f"{prefix}_{secrets.token_urlsafe(24)}"
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    vault = get_vault()
    row.public_prefix = prefix
    row.webhook_token_hash = hashlib.sha256(token.encode()).hexdigest()
    row.webhook_secret = vault.encrypt({"token": token, "secret": secret}, **row_ad(row))
    row.key_version = vault.key_version(row.webhook_secret)
    return _details(row, token, secret)


def _details(row: AgentTrigger, token: str, secret: str) -> WebhookDetails:
    url = get_settings().public_api_url.rstrip("/") + WEBHOOK_PATH + token
    return WebhookDetails(row.id, row.public_prefix or "", url, secret)


def _clear_webhook(row: AgentTrigger) -> None:
    row.public_prefix = row.webhook_token_hash = row.webhook_secret = row.key_version = None


def _config(node: Mapping[str, Any]) -> TriggerConfig:
    data = {
        k: v for k, v in dict(node.get("data") or {}).items() if k in TriggerConfig.model_fields
    }
    try:
        return TriggerConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            f"Trigger node {node.get('id')!r} is not valid.",
            details={"node_id": node.get("id"), "errors": exc.errors(include_input=False)},
        ) from None


def sync_triggers(
    session: Session,
    *,
    org_id: uuid.UUID,
    agent_id: uuid.UUID,
    version_id: uuid.UUID | None,
    definition: Mapping[str, Any],
    now: datetime | None = None,
) -> list[AgentTrigger]:
    """Make the ``trigger`` nodes of a just-published version live (the caller commits).

    Upserts one row per trigger node (by ``agent_id`` + node id). A webhook keeps its URL and
    secret across publishes; a schedule recomputes ``next_fire_at`` when its cron or time zone
    changed or it was off. Rows whose node is gone are disabled.

    Returns:
        The enabled trigger rows of the agent.

    Raises:
        InvalidInput: a trigger node's config is not valid.
    """
    now = now or utcnow()
    existing = {
        row.node_id: row
        for row in session.exec(
            select(AgentTrigger)
            .where(AgentTrigger.org_id == org_id, AgentTrigger.agent_id == agent_id)
            .with_for_update()
        )
    }
    live = []
    for node in definition.get("nodes") or []:
        if not isinstance(node, Mapping) or node.get("type") != "trigger" or not node.get("id"):
            continue
        config = _config(node)
        node_id = str(node["id"])[:100]
        row = existing.pop(node_id, None)
        if row is None:
            row = AgentTrigger(id=uuid.uuid4(), org_id=org_id, agent_id=agent_id, node_id=node_id)
        _apply(row, config, was_enabled=row.enabled and row.kind == config.kind, now=now)
        row.version_id, row.enabled, row.updated_at = version_id, True, now
        session.add(row)
        live.append(row)
    for row in existing.values():
        row.enabled, row.next_fire_at, row.updated_at = False, None, now
        session.add(row)
    session.flush()
    return live


def _apply(row: AgentTrigger, config: TriggerConfig, *, was_enabled: bool, now: datetime) -> None:
    if config.kind == "webhook" and row.webhook_secret is None:
        _new_webhook(row)
    elif config.kind != "webhook":
        _clear_webhook(row)
    if config.kind == "schedule" and config.cron:
        changed = (row.cron, row.timezone) != (config.cron, config.timezone)
        if changed or not was_enabled or row.next_fire_at is None:
            row.next_fire_at = next_fire_time(config.cron, config.timezone, now)
        row.cron, row.timezone = config.cron, config.timezone
    else:
        row.cron, row.next_fire_at, row.timezone = None, None, config.timezone
    row.kind = config.kind


def disable_triggers(session: Session, *, org_id: uuid.UUID, agent_id: uuid.UUID) -> int:
    """Turn off every trigger of an agent (archive/unpublish). Returns how many were on."""
    rows = session.exec(
        select(AgentTrigger).where(
            AgentTrigger.org_id == org_id,
            AgentTrigger.agent_id == agent_id,
            AgentTrigger.enabled == True,  # noqa: E712  (SQL expression)
        )
    ).all()
    for row in rows:
        row.enabled, row.next_fire_at = False, None
        session.add(row)
    return len(rows)


def list_triggers(
    session: Session, *, principal: Principal, agent_id: uuid.UUID
) -> list[AgentTrigger]:
    """The agent's trigger rows (no secrets are decrypted). Requires ``VIEW_AGENTS``."""
    principal.require(Permission.VIEW_AGENTS)
    return list(
        session.exec(
            select(AgentTrigger)
            .where(AgentTrigger.org_id == principal.org_id, AgentTrigger.agent_id == agent_id)
            .order_by(col(AgentTrigger.node_id))
        )
    )


def _load_webhook(session: Session, principal: Principal, trigger_id: uuid.UUID) -> AgentTrigger:
    principal.require(Permission.MANAGE_INTEGRATIONS)
    row = session.exec(
        select(AgentTrigger)
        .where(AgentTrigger.org_id == principal.org_id, AgentTrigger.id == trigger_id)
        .with_for_update()
    ).first()
    if row is None or row.kind != "webhook" or row.webhook_secret is None:
        raise NotFound("Webhook trigger not found.")
    return row


def webhook_details(
    session: Session, *, principal: Principal, trigger_id: uuid.UUID
) -> WebhookDetails:
    """Show a webhook's URL and signing secret (``MANAGE_INTEGRATIONS``; audited).

    Raises:
        Forbidden: without ``MANAGE_INTEGRATIONS``.
        NotFound: no such webhook trigger in the principal's organization.
    """
    row = _load_webhook(session, principal, trigger_id)
    data = get_vault().decrypt(row.webhook_secret or "", **row_ad(row))
    _audit(session, principal, "trigger.webhook_revealed", row)
    return _details(row, data["token"], data["secret"])


def rotate_webhook(
    session: Session, *, principal: Principal, trigger_id: uuid.UUID
) -> WebhookDetails:
    """Replace a webhook's URL token and signing secret; the old ones stop working at commit.

    Raises:
        Forbidden: without ``MANAGE_INTEGRATIONS``.
        NotFound: no such webhook trigger in the principal's organization.
    """
    row = _load_webhook(session, principal, trigger_id)
    details = _new_webhook(row)
    row.updated_at = utcnow()
    session.add(row)
    _audit(session, principal, "trigger.webhook_rotated", row)
    return details


def rotate_webhook_secrets(session: Session, *, vault: Vault) -> int:
    """Re-encrypt webhook secrets still on an old vault key (``rotate-keys``). Returns count."""
    count = 0
    stmt = select(AgentTrigger).where(col(AgentTrigger.webhook_secret).is_not(None))
    for row in session.exec(stmt.with_for_update()):
        if row.webhook_secret and vault.needs_rotation(row.webhook_secret):
            row.webhook_secret = vault.rotate(row.webhook_secret, **row_ad(row))
            row.key_version = vault.key_version(row.webhook_secret)
            session.add(row)
            count += 1
    return count


def _audit(session: Session, principal: Principal, action: str, row: AgentTrigger) -> None:
    audit.record(
        session,
        action=action,
        org_id=principal.org_id,
        actor=principal,
        target_type="trigger",
        target_id=row.id,
        details={"agent_id": str(row.agent_id), "prefix": row.public_prefix or ""},
    )
