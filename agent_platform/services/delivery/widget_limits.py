"""What one visitor, one address or one widget may cost: message rates, spend, open streams.

The publishable key is public, so no budget is shared by everyone who knows it (one visitor
could exhaust it and lock the customer's widget). Instead messages are counted per address,
per (address, widget) and per end user; a rotating anonymous id from one address still hits
the address buckets. What the widget may spend is bounded by a ceiling per widget per day on
the cost of the runs answering its conversations. Event streams are capped per address and
per key. Every bound is a setting (``Settings.widget``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time

from sqlalchemy import func
from sqlmodel import Session, col, select

from agent_platform.integrations import ratelimit, slots
from agent_platform.models.conversations import Channel, Conversation, ConversationMessage
from agent_platform.models.runs import Run
from agent_platform.models.widgets import AgentWidget
from agent_platform.services.errors import RateLimited
from agent_platform.settings import get_settings

STREAM_TTL_S = 660.0  # a stream lasts at most 600 s; a dead process's slot frees after this


def check_rate(widget: AgentWidget, *, end_user: str, ip: str) -> None:
    """Count one message per address, per (address, widget) and per end user.

    Raises:
        RateLimited: one of the buckets is empty (``retry_after`` in seconds).
    """
    limits = get_settings().widget
    address = ip or "unknown"
    checks = (
        (limits.messages_per_minute_per_address, "ip", address),
        (limits.messages_per_minute_per_address_widget, "ip-widget", f"{address}:{widget.id}"),
        (limits.messages_per_minute_per_user, "user", f"{widget.id}:{end_user}"),
    )
    for rate, scope, key in checks:
        item = ratelimit.limit(f"{rate}/minute")
        if not ratelimit.hit(item, "widget", scope, key):
            retry = ratelimit.is_exhausted(item, "widget", scope, key) or 1
            raise RateLimited("Too many messages; try again shortly.", retry_after=retry)


def spent_today(session: Session, widget: AgentWidget, *, now: datetime | None = None) -> float:
    """US dollars the runs answering this widget's conversations cost since midnight UTC."""
    midnight = datetime.combine((now or datetime.now(UTC)).date(), time(), tzinfo=UTC)
    statement = (
        select(func.coalesce(func.sum(Run.cost_usd), 0.0))
        .join(ConversationMessage, ConversationMessage.run_id == Run.id)  # type: ignore[arg-type]
        .join(Conversation, Conversation.id == ConversationMessage.conversation_id)  # type: ignore[arg-type]
        .where(
            Conversation.agent_id == widget.agent_id,
            Conversation.org_id == widget.org_id,
            Conversation.channel == Channel.WIDGET.value,
            Run.org_id == widget.org_id,
            col(Run.created_at) >= midnight,
        )
    )
    return float(session.exec(statement).one())


def check_budget(session: Session, widget: AgentWidget) -> None:
    """Refuse new messages once today's spend reached the widget's daily ceiling.

    Raises:
        RateLimited: the ceiling is reached (``retry_after``: seconds until midnight UTC).
    """
    ceiling = get_settings().widget.daily_cost_usd
    if ceiling <= 0 or spent_today(session, widget) < ceiling:
        return
    now = datetime.now(UTC)
    tomorrow = datetime.combine(now.date(), time(), tzinfo=UTC).timestamp() + 86400
    raise RateLimited(
        "This chat has reached its usage limit for today; please try again tomorrow.",
        retry_after=max(1, int(tomorrow - now.timestamp())),
    )


def stream_keys(widget: AgentWidget, ip: str) -> dict[str, int]:
    """The slot keys (and their limits) one stream from ``ip`` takes."""
    limits = get_settings().widget
    return {
        f"widget:streams:ip:{ip or 'unknown'}": limits.streams_per_address,
        f"widget:streams:key:{widget.id}": limits.streams_per_key,
    }


def open_stream(widget: AgentWidget, ip: str) -> tuple[list[str], str]:
    """Take a stream slot for ``ip`` on this widget.

    Returns:
        The keys and token to pass to :func:`guarded`.

    Raises:
        RateLimited: too many streams are open from this address or on this widget.
    """
    keys = stream_keys(widget, ip)
    token, full = slots.acquire(keys, ttl_s=STREAM_TTL_S)
    if token is None:
        where = "from your address" if full and ":ip:" in full else "on this chat"
        raise RateLimited(f"Too many open answer streams {where}; close one.", retry_after=5)
    return list(keys), token


async def guarded(
    events: AsyncIterator[bytes], keys: list[str], token: str
) -> AsyncIterator[bytes]:
    """``events``, releasing the stream slot when it ends (or the client goes away)."""
    try:
        async for chunk in events:
            yield chunk
    finally:
        slots.release(keys, token)
