"""The shared Redis client for small, expiring server-side values (one-time codes, locks)."""

from __future__ import annotations

from functools import lru_cache

import redis

from agent_platform.settings import get_settings


@lru_cache
def get_redis() -> redis.Redis:
    """A process-wide Redis client. Raises ``RuntimeError`` when REDIS_URL is unset."""
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set: start with `make run` or export REDIS_URL")
    return redis.Redis.from_url(url, decode_responses=True)
