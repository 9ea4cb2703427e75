"""Approval actors: notify approvers, deliver agent webhooks, send reminders and escalations.

Only IDs travel through Redis. ``sweep_approvals`` runs from a thread in every worker process
(a Redis lease lets one of them sweep per interval), like the run sweeper: reminders,
escalations, timeouts of expired approvals (whose runs then resume), and closing approvals
whose run ended.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import dramatiq

import workers.broker  # noqa: F401  (the global broker must exist before actors are declared)
from agent_platform.db import session_scope
from agent_platform.engine.protocols import HttpRequest, NodeError
from agent_platform.integrations.egress import EgressGuard
from agent_platform.integrations.egress_http import EgressHttpClient
from agent_platform.models.base import utcnow
from agent_platform.services import queue as jobs
from agent_platform.services.approvals import closing, decisions, notifications
from agent_platform.settings import get_settings
from workers.periodic import LeasedPeriodic

log = logging.getLogger(__name__)

_SWEEP_LEASE = "agent-platform:approvals:sweeper"


class WebhookFailed(Exception):
    """The receiver answered with a non-2xx status or could not be reached (retried)."""


@dramatiq.actor(
    queue_name=jobs.NOTIFY_APPROVAL.queue,
    actor_name=jobs.NOTIFY_APPROVAL.actor,
    max_retries=3,
    time_limit=60_000,
    min_backoff=2_000,
)
def notify_approval(approval_id: str, event: str, user_ids: list[str] | None = None) -> None:
    """Email the approvers their one-time links and queue the agent's webhook."""
    with session_scope() as session:
        sent = notifications.notify(
            session, approval_id=uuid.UUID(approval_id), event=event, user_ids=user_ids
        )
    log.info("approval %s %s: %d emails", approval_id, event, sent)


@dramatiq.actor(
    queue_name=jobs.SEND_APPROVAL_WEBHOOK.queue,
    actor_name=jobs.SEND_APPROVAL_WEBHOOK.actor,
    max_retries=5,
    min_backoff=5_000,
    max_backoff=300_000,
    time_limit=60_000,
    throws=(NodeError,),
)
def send_approval_webhook(approval_id: str, event: str) -> None:
    """POST the signed approval event to the agent's webhook through the egress guard.

    A refused destination (private address, bad scheme) is permanent and not retried.
    """
    with session_scope() as session:
        url, body, signature = notifications.webhook_request(
            session, approval_id=uuid.UUID(approval_id), event=event
        )
    if not url:
        return
    guard = EgressGuard(allow_hosts=get_settings().runtime.egress_allow_hosts)
    request = HttpRequest(
        method="POST",
        url=url,
        headers={
            "content-type": "application/json",
            "x-agent-platform-signature": signature,
            "x-agent-platform-event": f"approval.{event}",
        },
        body=body,
        timeout_s=15.0,
    )
    response = asyncio.run(EgressHttpClient(guard).request(request))
    if not 200 <= response.status < 300:
        raise WebhookFailed(f"webhook answered {response.status}")


@dramatiq.actor(queue_name=jobs.NOTIFY_APPROVAL.queue, max_retries=0, time_limit=120_000)
def sweep_approvals() -> None:
    """One sweep: reminders and escalations; time out expired approvals; close orphaned ones.

    Orphaned: still pending although their run ended outside a worker's finish (e.g. failed
    by the run sweeper).
    """
    with session_scope() as session:
        counts = notifications.sweep_deadlines(session)
        counts["timed_out"] = len(decisions.expire_approvals(session, now=utcnow()))
        counts["closed"] = closing.close_orphaned(session)
    if any(counts.values()):
        log.info("approval sweep: %s", counts)


if workers.broker.broker is not None:
    workers.broker.broker.add_middleware(
        LeasedPeriodic("approval-sweeper", _SWEEP_LEASE, sweep_approvals.fn)
    )
