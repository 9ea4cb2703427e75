"""The only place a Dramatiq broker is built.

Importing this module installs the Redis broker as Dramatiq's global broker, so every actor
module (and every service that enqueues by actor name) shares it.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from agent_platform.settings import get_settings


def build_broker(redis_url: str | None = None) -> RedisBroker:
    """A Redis broker with explicit middleware (no Prometheus, no default 20 retries).

    Args:
        redis_url: defaults to ``Settings.redis_url``.

    Raises:
        RuntimeError: when no Redis URL is configured.
    """
    url = redis_url or get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set: start with `make run` or export REDIS_URL")
    broker = RedisBroker(
        url=url,
        namespace="agent-platform",
        heartbeat_timeout=get_settings().runtime.heartbeat_timeout_s * 1000,
        middleware=[
            AgeLimit(),
            TimeLimit(),
            ShutdownNotifications(),
            Callbacks(),
            Pipelines(),
            Retries(max_retries=3, min_backoff=1_000, max_backoff=60_000),
        ],
    )
    return broker


broker = build_broker() if get_settings().redis_url else None
if broker is not None:
    dramatiq.set_broker(broker)
