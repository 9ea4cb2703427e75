"""The embeddable chat widget: the loader script, the chat frame page and its JSON/SSE API.

Why the chat frame is a small self-contained page served here rather than a Reflex page:
Reflex's frontend touches browser storage unguarded and renders blank in a cross-site iframe
with third-party storage blocked; it holds a websocket per visitor; and its handlers would all
have to be public. This page needs no storage (the loader keeps the anonymous id in the host
page's first-party storage and passes it in the URL fragment, never sent to servers), carries
a strict CSP with ``frame-ancestors`` limited to the agent's allowed origins, and talks only to
the endpoints below, which authenticate every call with a widget session token.

Every route here is public (listed in ``api.app.PUBLIC_ROUTES``) and authenticates itself: the
publishable key names an enabled widget of a published chat agent; ``Origin`` must be the
platform or an allowed origin; conversation routes need the session token.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import Field
from sqlmodel import Session, select

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, Int
from agent_platform.api.v1.stream import sse_response
from agent_platform.db import session_scope
from agent_platform.models.conversations import (
    Channel,
    Conversation,
    ConversationMessage,
    MessageStatus,
)
from agent_platform.models.widgets import AgentWidget
from agent_platform.services.delivery import chat, conversations, widget_limits, widgets
from agent_platform.services.delivery.web_origins import is_origin, normalise_origin
from agent_platform.services.errors import NotFound
from agent_platform.services.runs import stream as run_stream
from agent_platform.settings import get_settings

ASSETS = Path(__file__).resolve().parents[3] / "assets" / "widget"
PREFIX = "/api/v1/widget/{public_key}"
router = APIRouter(tags=["widget"])
Db = deps.Db


class SessionIn(Body):
    anonymous_id: str | None = Field(default=None, max_length=64)
    user_token: str | None = Field(default=None, max_length=4000)


class MessageIn(Body):
    content: str = Field(min_length=1, max_length=chat.MAX_MESSAGE_CHARS)
    conversation_id: uuid.UUID | None = None


class FeedbackIn(Body):
    rating: Int | None = Field(default=None, ge=-1, le=1)
    comment: str = Field(default="", max_length=2000)


@lru_cache
def _asset(name: str) -> str:
    return (ASSETS / name).read_text()


def _self_origin() -> str:
    return normalise_origin(get_settings().base_url)


def _image_hosts(widget: AgentWidget) -> tuple[str, ...]:
    """Hosts images may load from (they go into ``img-src``: only valid host names)."""
    sources = [*widgets.csp_origins(widget), widget.theme.get("avatar_url") or ""]
    hosts = {urlsplit(s).hostname or "" for s in sources} - {""}
    return tuple(sorted(h for h in hosts if is_origin(f"https://{h}")))


def _origin(request: Request) -> str | None:
    """The caller's ``Origin``. Browsers omit it on same-origin GETs (the chat frame's), which
    ``Sec-Fetch-Site`` (set by the browser, not by page scripts) then vouches for."""
    origin = request.headers.get("origin")
    if not origin and request.headers.get("sec-fetch-site") == "same-origin":
        return _self_origin()
    return origin


def _widget(session: Session, public_key: str, request: Request) -> AgentWidget:
    widget, _agent = widgets.load_public(session, public_key=public_key)
    widgets.check_origin(widget, _origin(request), self_origin=_self_origin())
    return widget


def _end_user(widget: AgentWidget, authorization: str | None) -> str:
    token = (authorization or "")[7:] if (authorization or "").lower().startswith("bearer ") else ""
    return widgets.verify_session(widget, token)


@router.get("/widget.js", include_in_schema=False)
def loader_script() -> Response:
    """The embed loader (``<script src=".../widget.js" data-agent="pk_..." async>``)."""
    headers = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    return Response(_asset("widget.js"), media_type="text/javascript", headers=headers)


@router.get("/widget/frame.js", include_in_schema=False)
def frame_script() -> Response:
    """The chat frame's script (same origin as the frame, allowed by its CSP)."""
    headers = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    return Response(_asset("frame.js"), media_type="text/javascript", headers=headers)


@router.get("/widget/frame.css", include_in_schema=False)
def frame_style() -> Response:
    """The chat frame's stylesheet."""
    return Response(_asset("frame.css"), media_type="text/css")


@router.get("/widget/chat/{public_key}", include_in_schema=False)
def chat_frame(public_key: str, session: Session = Db) -> Response:
    """The chat page the loader opens in an iframe; only allowed origins may frame it."""
    try:
        widget, _agent = widgets.load_public(session, public_key=public_key)
    except NotFound:
        return HTMLResponse("<!doctype html><title>Not found</title>", status_code=404)
    ancestors = " ".join(["'self'", *widgets.csp_origins(widget)])
    images = " ".join(["'self'", *(f"https://{h}" for h in _image_hosts(widget))])
    csp = (
        f"default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; "
        f"connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; form-action 'none'"
    )
    page = _asset("frame.html").replace("{{KEY}}", widget.public_key)
    headers = {
        "Content-Security-Policy": csp,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    return HTMLResponse(page, headers=headers)


@router.get(f"{PREFIX}/config")
def widget_config(public_key: str, request: Request, session: Session = Db) -> JSONResponse:
    """Theme and title for the loader on the host page (CORS for allowed origins only)."""
    origin = request.headers.get("origin")
    widget, agent = widgets.load_public(session, public_key=public_key)
    widgets.check_origin(widget, origin, self_origin=_self_origin())
    headers = {"Access-Control-Allow-Origin": origin or "", "Vary": "Origin"}
    return JSONResponse(widgets.public_config(widget, agent), headers=headers)


@router.post(f"{PREFIX}/session")
def open_session(
    public_key: str, body: SessionIn, request: Request, session: Session = Db
) -> dict[str, Any]:
    """Exchange an anonymous browser id or a signed user token for a widget session token."""
    widget, agent = widgets.load_public(session, public_key=public_key)
    widgets.check_origin(widget, _origin(request), self_origin=_self_origin())
    end_user = widgets.end_user_from(
        widget, anonymous_id=body.anonymous_id, user_token=body.user_token
    )
    return {
        "session": widgets.issue_session(widget, end_user),
        "identified": end_user.startswith("user:"),
        "config": widgets.public_config(widget, agent),
    }


def _view(widget: AgentWidget, message: Any) -> dict[str, Any]:
    return vars(chat.view(message, image_hosts=_image_hosts(widget)))


@router.get(f"{PREFIX}/messages")
def list_messages(
    public_key: str,
    request: Request,
    conversation_id: uuid.UUID | None = None,
    authorization: str | None = Header(default=None),
    session: Session = Db,
) -> dict[str, Any]:
    """The end user's conversation (the latest unless ``conversation_id``) and its messages."""
    widget = _widget(session, public_key, request)
    end_user = _end_user(widget, authorization)
    found = conversations.for_end_user(
        session, agent_id=widget.agent_id, end_user=end_user, conversation_id=conversation_id
    )
    rows = conversations.messages(session, found) if found else []
    return {
        "conversation_id": str(found.id) if found else None,
        "messages": [_view(widget, m) for m in rows],
    }


@router.post(f"{PREFIX}/messages", status_code=201)
def send_message(
    public_key: str,
    body: MessageIn,
    request: Request,
    authorization: str | None = Header(default=None),
    session: Session = Db,
) -> dict[str, Any]:
    """Send a message; the answer streams from ``.../messages/{answer id}/stream``."""
    widget = _widget(session, public_key, request)
    end_user = _end_user(widget, authorization)
    widget_limits.check_rate(widget, end_user=end_user, ip=deps.client_ip(request))
    widget_limits.check_budget(session, widget)
    conversation = conversations.for_end_user(
        session, agent_id=widget.agent_id, end_user=end_user, conversation_id=body.conversation_id
    ) or conversations.start_conversation(
        session, org_id=widget.org_id, agent_id=widget.agent_id,
        channel=Channel.WIDGET.value, end_user=end_user,
    )  # fmt: skip
    turn = chat.send_public(
        session, conversation=conversation, content=body.content, window=widget.history_window
    )
    return {
        "conversation_id": str(conversation.id),
        "user_message": _view(widget, turn.user_message),
        "answer": _view(widget, turn.answer),
    }


@router.post(f"{PREFIX}/conversations", status_code=201)
def new_conversation(
    public_key: str,
    request: Request,
    authorization: str | None = Header(default=None),
    session: Session = Db,
) -> dict[str, Any]:
    """Start a fresh conversation (the "new chat" button)."""
    widget = _widget(session, public_key, request)
    end_user = _end_user(widget, authorization)
    conversation = conversations.start_conversation(
        session, org_id=widget.org_id, agent_id=widget.agent_id,
        channel=Channel.WIDGET.value, end_user=end_user,
    )  # fmt: skip
    return {"conversation_id": str(conversation.id), "messages": []}


def _own_message(
    session: Session, widget: AgentWidget, end_user: str, message_id: uuid.UUID
) -> Any:
    row = session.exec(
        select(ConversationMessage, Conversation)
        .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
        .where(
            ConversationMessage.id == message_id,
            Conversation.agent_id == widget.agent_id,
            Conversation.end_user == end_user,
        )
    ).first()
    if row is None:
        raise NotFound("Message not found.")
    return row[0]


@router.get(f"{PREFIX}/messages/{{message_id}}/stream")
def stream_answer(
    public_key: str,
    message_id: uuid.UUID,
    request: Request,
    authorization: str | None = Header(default=None),
    session: Session = Db,
) -> Response:
    """SSE: ``token`` events (``{"text"}``) while the answer is written, then ``message``."""
    widget = _widget(session, public_key, request)
    end_user = _end_user(widget, authorization)
    message = _own_message(session, widget, end_user, message_id)
    keys, token = widget_limits.open_stream(widget, deps.client_ip(request))
    events = _answer_events(widget, message.id, message.run_id, message.status)
    return sse_response(widget_limits.guarded(events, keys, token))


async def _answer_events(
    widget: AgentWidget, message_id: uuid.UUID, run_id: uuid.UUID | None, status: str
) -> AsyncIterator[bytes]:
    if status == MessageStatus.PENDING and run_id is not None:
        # Only token text reaches end users: step inputs/outputs stay internal.
        async for event in run_stream.run_events(run_id, timeout_s=600):
            if event is None:
                yield run_stream.sse(None)
            elif event["type"] == "token":
                yield run_stream.sse({"text": event["data"].get("text", "")}, name="token")
        await run_stream.settle(run_id)
    final = await anyio.to_thread.run_sync(_final_view, widget, message_id)
    yield run_stream.sse(final, name="message")


def _final_view(widget: AgentWidget, message_id: uuid.UUID) -> dict[str, Any]:
    with session_scope() as session:
        return _view(widget, session.get(ConversationMessage, message_id))


@router.post(f"{PREFIX}/messages/{{message_id}}/feedback")
def rate_answer(
    public_key: str,
    message_id: uuid.UUID,
    body: FeedbackIn,
    request: Request,
    authorization: str | None = Header(default=None),
    session: Session = Db,
) -> dict[str, Any]:
    """Thumbs up (1) / down (-1) / clear (null) on an answer of this end user."""
    widget = _widget(session, public_key, request)
    end_user = _end_user(widget, authorization)
    message = _own_message(session, widget, end_user, message_id)
    conversations.set_feedback(session, message=message, rating=body.rating, comment=body.comment)
    return {"id": str(message.id), "feedback": message.feedback}
