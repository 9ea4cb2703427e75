"""Rate limits shared by every process, on Redis, through the ``limits`` library."""

from __future__ import annotations

import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from agent_platform.settings import get_settings


@lru_cache
def _limiter() -> MovingWindowRateLimiter:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set: rate limits need Redis (start with `make run`)")
    return MovingWindowRateLimiter(storage_from_string(url))


def limit(rate: str) -> RateLimitItem:
    """Parse a rate such as ``"10/15 minutes"``."""
    return parse(rate)


def is_exhausted(item: RateLimitItem, *keys: str) -> int:
    """Seconds until a slot frees up under ``item`` for ``keys``, or 0 when not exhausted."""
    limiter = _limiter()
    if limiter.test(item, *keys):
        return 0
    reset_at, _remaining = limiter.get_window_stats(item, *keys)
    return max(1, int(reset_at - time.time()))


def hit(item: RateLimitItem, *keys: str) -> bool:
    """Count one event; ``False`` when it exceeds the limit."""
    return _limiter().hit(item, *keys)


def clear(item: RateLimitItem, *keys: str) -> None:
    """Forget the events counted for ``keys`` (e.g. after a successful login)."""
    _limiter().clear(item, *keys)
