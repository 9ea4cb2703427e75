"""Firing triggers: verified webhook deliveries and due schedules start runs.

Webhook deliveries are verified with ``X-Signature: sha256=<hex>``, the HMAC-SHA256 of
``f"{X-Timestamp}.".encode() + raw_body`` under the trigger's signing secret, and
``X-Timestamp`` (Unix seconds) must be within five minutes. Signing the timestamp with the
body is what makes the window a replay defence (as Stripe and Slack do). Inside the window a
delivery is deduplicated on what was signed (``delivery_key``), never on ``Idempotency-Key`` /
``X-Delivery-Id``: those headers are not signed, so whoever captured one delivery could replay
it with fresh ids and start a run per replay. A sender retrying a delivery resends the same
timestamp and body (and so the same signature); two deliveries differing in either are two runs.

Schedules are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` and start runs with the key
``schedule:{trigger_id}:{fire_time_iso}``, so concurrent schedulers or a crash between claim
and start never fire one occurrence twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from agent_platform.integrations.vault import get_vault
from agent_platform.models.base import utcnow
from agent_platform.models.runs import RunTrigger
from agent_platform.models.triggers import AgentTrigger
from agent_platform.services.agents.triggers import TOKEN_PREFIX, next_fire_time, row_ad
from agent_platform.services.errors import NotFound, Unauthenticated
from agent_platform.services.runs import runs

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_S = 300
MAX_WEBHOOK_BYTES = 1_048_576
_BAD_SIGNATURE = "The webhook signature could not be verified."


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
    """Check the signature and freshness of a delivery; returns the signed timestamp.

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
    secret = get_vault().decrypt(row.webhook_secret or "", **row_ad(row))["secret"]
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise Unauthenticated(_BAD_SIGNATURE)
    return timestamp


def delivery_key(trigger_id: uuid.UUID, *, timestamp: str, body: bytes) -> str:
    """The idempotency key of a verified delivery: a digest of exactly what was signed.

    Unsigned headers (``Idempotency-Key``, ``X-Delivery-Id``) are deliberately not part of it.
    """
    body_digest = hashlib.sha256(body).hexdigest()
    signed = hashlib.sha256(f"{timestamp}.{body_digest}".encode()).hexdigest()
    return f"webhook:{trigger_id}:{signed}"


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

    The delivery is named by its signed content (``delivery_key``): a redelivered or replayed
    request with the same timestamp and body maps to the same run, whatever delivery-id
    headers it carries.

    Args:
        headers: request headers with lower-case names.

    Raises:
        NotFound: unknown or disabled webhook. Unauthenticated: bad or stale signature.
        Others as ``runs.start_run_as_system``.
    """
    row = find_webhook(session, token=token)
    timestamp = verify_delivery(row, body=body, headers=headers, now=now or utcnow())
    run = runs.start_run_as_system(
        session,
        org_id=row.org_id,
        agent_id=row.agent_id,
        inputs=_inputs(body),
        trigger=RunTrigger.WEBHOOK,
        idempotency_key=delivery_key(row.id, timestamp=timestamp, body=body),
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
                    trigger=RunTrigger.SCHEDULE,
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
