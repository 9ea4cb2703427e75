"""Webhook triggers: the public, signed ``POST /api/v1/hooks/{token}`` and its admin routes.

The public route is on ``PUBLIC_ROUTES``: the URL token finds the trigger, and the HMAC
signature (see ``services.runs.firing``) authenticates the sender. Every failure to verify is
the same 401 with nothing revealed; an unknown or disabled token is 404.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.errors import error_response
from agent_platform.api.v1.schemas import Out
from agent_platform.db import session_scope
from agent_platform.services.agents import triggers
from agent_platform.services.permissions import Principal
from agent_platform.services.runs import firing

router = APIRouter(tags=["webhooks"])


class TriggerOut(Out):
    """A live trigger of an agent (webhook URL and secret are not included)."""

    id: uuid.UUID
    node_id: str
    kind: str
    public_prefix: str | None
    cron: str | None
    timezone: str
    next_fire_at: datetime | None
    last_fired_at: datetime | None
    enabled: bool


class WebhookOut(Out):
    """How to call a webhook: POST to ``url`` signed with ``secret`` (see the docs)."""

    trigger_id: uuid.UUID
    public_prefix: str
    url: str
    secret: str
    signature: str = "X-Signature: sha256=hex(HMAC-SHA256(secret, X-Timestamp + '.' + body))"


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The raw body, or ``None`` once it exceeds ``limit`` bytes (declared or actual)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _receive(token: str, body: bytes, headers: dict[str, str]) -> uuid.UUID:
    with session_scope() as session:
        return firing.receive_webhook(session, token=token, body=body, headers=headers)


@router.post("/api/v1/hooks/{token}", status_code=status.HTTP_202_ACCEPTED)
async def receive_webhook(token: str, request: Request) -> JSONResponse:
    """Start a run of the agent from a signed delivery; ``202 {"execution_id"}``.

    Send ``X-Timestamp`` (Unix seconds) and ``X-Signature``. A retry that resends the same
    timestamp and body starts no second run; delivery-id headers are not signed and so are
    not used to tell deliveries apart (``services.runs.firing``).
    """
    body = await _read_capped(request, firing.MAX_WEBHOOK_BYTES)
    if body is None:
        return error_response(413, "payload_too_large", "The request body is too large.")
    headers = {k.lower(): v for k, v in request.headers.items()}
    run_id = await run_in_threadpool(_receive, token, body, headers)
    return JSONResponse({"execution_id": str(run_id)}, status_code=status.HTTP_202_ACCEPTED)


@router.get("/api/v1/agents/{agent_id}/triggers")
def list_triggers(
    agent_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> list[TriggerOut]:
    """The agent's triggers as made live by its last publish."""
    rows = triggers.list_triggers(session, principal=principal, agent_id=agent_id)
    return [TriggerOut.model_validate(r) for r in rows]


@router.get("/api/v1/triggers/{trigger_id}/webhook")
def show_webhook(
    trigger_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> WebhookOut:
    """The webhook's secret URL and signing secret (admins; audited)."""
    details = triggers.webhook_details(session, principal=principal, trigger_id=trigger_id)
    return WebhookOut.model_validate(details)


@router.post("/api/v1/triggers/{trigger_id}/webhook/rotate")
def rotate_webhook(
    trigger_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> WebhookOut:
    """Issue a new URL and signing secret; the old ones stop working at once (admins)."""
    details = triggers.rotate_webhook(session, principal=principal, trigger_id=trigger_id)
    return WebhookOut.model_validate(details)
