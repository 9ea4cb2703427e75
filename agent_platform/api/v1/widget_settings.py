"""``/api/v1/agents/{agent_id}/widget``: the embeddable widget's settings, keys and snippet.

The same service as the "Publish to website" page (``services.delivery.widgets``), with the
same check: ``EDIT_AGENT`` (owners, admins, editors; API scope ``agents:write``) to read or
change a widget, since reading it first creates its keys. Another organization's agent is 404.
The signing secret for identified users is shown only in the page, never here.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import Field
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, Bool, Int, Out
from agent_platform.models.widgets import AgentWidget
from agent_platform.services.delivery import widgets
from agent_platform.services.permissions import Principal
from agent_platform.settings import get_settings

router = APIRouter(prefix="/api/v1/agents/{agent_id}/widget", tags=["widget settings"])
Auth = Depends(deps.principal)
Db = deps.Db


class ThemeIn(Body):
    """The widget's look; omitted fields keep their current value."""

    title: str | None = Field(default=None, max_length=300)
    color: str | None = Field(default=None, max_length=20, description="e.g. #4f46e5")
    avatar_url: str | None = Field(default=None, max_length=500, description="https:// only")
    starters: list[Annotated[str, Field(max_length=200)]] | None = Field(default=None, max_length=6)
    position: Literal["left", "right"] | None = None


class WidgetIn(Body):
    """New settings; omitted fields keep their current value."""

    enabled: Bool | None = None
    allowed_origins: list[Annotated[str, Field(max_length=300)]] | None = Field(
        default=None, max_length=50, description="Origins like https://www.example.com"
    )
    greeting: str | None = Field(default=None, max_length=300)
    theme: ThemeIn | None = None
    history_window: Int | None = Field(default=None, ge=0, le=50, description="Memory, messages")


class ThemeOut(Out):
    title: str
    color: str
    avatar_url: str
    starters: list[str]
    position: str


class WidgetOut(Out):
    """The widget as the page shows it: ``snippet`` is what customers paste into their site."""

    agent_id: uuid.UUID
    enabled: bool
    allowed_origins: list[str]
    greeting: str
    theme: ThemeOut
    history_window: int
    public_key: str
    loader_url: str
    snippet: str
    updated_at: datetime


def _out(widget: AgentWidget) -> WidgetOut:
    base_url = get_settings().base_url
    theme = widget.theme
    return WidgetOut(
        agent_id=widget.agent_id,
        enabled=widget.enabled,
        allowed_origins=widget.allowed_origins,
        greeting=theme.get("welcome", ""),
        theme=ThemeOut.model_validate(theme),
        history_window=widget.history_window,
        public_key=widget.public_key,
        loader_url=widgets.loader_url(base_url),
        snippet=widgets.snippet(widget, base_url),
        updated_at=widget.updated_at,
    )


@router.get("")
def get_widget(
    agent_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> WidgetOut:
    """The agent's widget settings and embed snippet (created with defaults on first read)."""
    widget = widgets.get_widget(session, principal=principal, agent_id=agent_id)
    return _out(widget)


@router.put("")
def put_widget(
    agent_id: uuid.UUID, body: WidgetIn, principal: Principal = Auth, session: Session = Db
) -> WidgetOut:
    """Change the switch, allowed origins, greeting, look or memory; 422 names a bad field."""
    theme = None
    if body.theme is not None or body.greeting is not None:
        current = widgets.get_widget(session, principal=principal, agent_id=agent_id).theme
        theme = {**current, **(body.theme.model_dump(exclude_none=True) if body.theme else {})}
        if body.greeting is not None:
            theme["welcome"] = body.greeting
    widget = widgets.update_widget(
        session,
        principal=principal,
        agent_id=agent_id,
        theme=theme,
        allowed_origins=body.allowed_origins,
        enabled=body.enabled,
        history_window=body.history_window,
    )
    return _out(widget)


@router.post("/rotate-key")
def rotate_key(
    agent_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> WidgetOut:
    """New publishable key and signing secret: the old snippet, user tokens and sessions stop."""
    widget = widgets.rotate_keys(session, principal=principal, agent_id=agent_id)
    return _out(widget)
