"""Live triggers: publishing syncs trigger nodes to rows; webhooks and schedules start runs.

Webhook deliveries are verified with ``X-Signature: sha256=<hex>``, the HMAC-SHA256 of
``f"{X-Timestamp}.".encode() + raw_body`` under the trigger's signing secret, and
``X-Timestamp`` (Unix seconds) must be within five minutes. Signing the timestamp with the
body is what makes the window a replay defence (as Stripe and Slack do); an exact replay
inside the window maps to the same idempotency key and so to the same run.

Schedules are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` and start runs with the key
``schedule:{trigger_id}:{fire_time_iso}``, so concurrent schedulers or a crash between claim
and start never fire one occurrence twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
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
from agent_platform.integrations.vault import Vault
from agent_platform.models.base import utcnow
from agent_platform.models.triggers import AgentTrigger
from agent_platform.services import audit
from agent_platform.services.errors import InvalidInput, NotFound, Unauthenticated
from agent_platform.services.permissions import Permission, Principal
from agent_platform.settings import get_settings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/v1/hooks/"
TOKEN_PREFIX = "wh_"  # noqa: S105  (a prefix, not a secret)
SIGNATURE_TOLERANCE_S = 300
MAX_WEBHOOK_BYTES = 1_048_576
_BAD_SIGNATURE = "The webhook signature could not be verified."


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


def _vault() -> Vault:
    from agent_platform.services.credentials.store import get_vault  # sibling service

    return get_vault()


def _row_ad(row: AgentTrigger) -> dict[str, str]:
    """Associated data: ``trigger:`` keeps these apart from credential rows."""
    return {"org_id": str(row.org_id), "row_id": f"trigger:{row.id}"}


def _new_webhook(row: AgentTrigger) -> WebhookDetails:
    prefix = f"{TOKEN_PREFIX}{secrets.token_hex(4)}"
    token = f"{prefix}_{secrets.token_urlsafe(24)}"
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    vault = _vault()
    row.public_prefix = prefix
    row.webhook_token_hash = hashlib.sha256(token.encode()).hexdigest()
    row.webhook_secret = vault.encrypt({"token": token, "secret": secret}, **_row_ad(row))
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
    data = _vault().decrypt(row.webhook_secret or "", **_row_ad(row))
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
            row.webhook_secret = vault.rotate(row.webhook_secret, **_row_ad(row))
            row.key_version = vault.key_version(row.webhook_secret)
            session.add(row)
            count += 1
    return count


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds, as text)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def find_webhook(session: Session, *, token: str) -> AgentTrigger:
    """The enabled webhook trigger whose URL token is ``token``. Raises ``NotFound``."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise NotFound("Webhook not found.")
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = session.exec(
        select(AgentTrigger).where(AgentTrigger.webhook_token_hash == digest)
    ).first()
    if row is None or not row.enabled or row.kind != "webhook" or row.webhook_secret is None:
        raise NotFound("Webhook not found.")
    return row


def verify_delivery(
    row: AgentTrigger, *, body: bytes, headers: Mapping[str, str], now: datetime
) -> str:
    """Check the signature and freshness of a delivery; returns the signature header.

    Raises:
        Unauthenticated: missing, stale, future or wrong signature (one message for all).
    """
    timestamp = headers.get("x-timestamp", "").strip()
    signature = headers.get("x-signature", "").strip()
    try:
        sent = int(timestamp)
    except ValueError:
        raise Unauthenticated(_BAD_SIGNATURE) from None
    if abs(now.timestamp() - sent) > SIGNATURE_TOLERANCE_S or not signature:
        raise Unauthenticated(_BAD_SIGNATURE)
    secret = _vault().decrypt(row.webhook_secret or "", **_row_ad(row))["secret"]
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise Unauthenticated(_BAD_SIGNATURE)
    return signature


def _inputs(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body) if body else {}
    except (ValueError, UnicodeDecodeError):
        return {"body": body.decode("utf-8", errors="replace")}
    return value if isinstance(value, dict) else {"body": value}


def receive_webhook(
    session: Session,
    *,
    token: str,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime | None = None,
) -> uuid.UUID:
    """Verify a webhook delivery and start (or find) its run; returns the run id.

    ``Idempotency-Key`` (or ``X-Delivery-Id``) names the delivery; without one, the signature
    does, so a redelivered identical request maps to the same run.

    Args:
        headers: request headers with lower-case names.

    Raises:
        NotFound: unknown or disabled webhook. Unauthenticated: bad or stale signature.
        InvalidInput: over-long idempotency key. Others as ``runs.start_run_as_system``.
    """
    from agent_platform.services.runs import runs  # sibling service, loaded on use

    row = find_webhook(session, token=token)
    signature = verify_delivery(row, body=body, headers=headers, now=now or utcnow())
    delivery = headers.get("idempotency-key") or headers.get("x-delivery-id") or ""
    if len(delivery) > 200:
        raise InvalidInput("Idempotency-Key must be at most 200 characters.")
    if not delivery:
        delivery = "sig:" + hashlib.sha256(signature.encode()).hexdigest()
    run = runs.start_run_as_system(
        session,
        org_id=row.org_id,
        agent_id=row.agent_id,
        inputs=_inputs(body),
        trigger="webhook",
        idempotency_key=f"webhook:{row.id}:{delivery}",
    )
    return run.id


@dataclass(frozen=True)
class Fired:
    """One schedule occurrence handled by ``fire_due``; ``run_id`` is ``None`` if it failed."""

    trigger_id: uuid.UUID
    fire_time: datetime
    run_id: uuid.UUID | None


def fire_due(session: Session, *, now: datetime, limit: int = 50) -> list[Fired]:
    """Claim due schedules (``FOR UPDATE SKIP LOCKED``), start their runs, advance them.

    Missed occurrences (scheduler down) collapse into one run; the next fire time is the first
    after ``now``. A run that cannot start (agent archived, ...) is logged and skipped. The
    caller commits: the claim, the runs and the new fire times land together.
    """
    from agent_platform.services.runs import runs  # sibling service, loaded on use

    rows = session.exec(
        select(AgentTrigger)
        .where(
            AgentTrigger.kind == "schedule",
            AgentTrigger.enabled == True,  # noqa: E712  (SQL expression)
            col(AgentTrigger.next_fire_at) <= now,
        )
        .order_by(col(AgentTrigger.next_fire_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    fired = []
    for row in rows:
        fire_time = (row.next_fire_at or now).astimezone(UTC)
        run_id = None
        try:
            with session.begin_nested():
                run = runs.start_run_as_system(
                    session,
                    org_id=row.org_id,
                    agent_id=row.agent_id,
                    inputs={"scheduled_at": fire_time.isoformat()},
                    trigger="schedule",
                    idempotency_key=f"schedule:{row.id}:{fire_time.isoformat()}",
                )
                run_id = run.id
        except Exception:  # one broken agent must not stop the others' schedules
            log.warning("schedule %s could not start a run", row.id, exc_info=True)
        row.last_fired_at = fire_time
        row.next_fire_at = next_fire_time(row.cron or "", row.timezone, max(fire_time, now))
        session.add(row)
        fired.append(Fired(row.id, fire_time, run_id))
    session.flush()
    return fired


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
