"""Concurrency slots shared by every process, on Redis (e.g. open event streams per address).

A slot is a member of a sorted set scored by its expiry, so a process that dies holding one
frees it after ``ttl_s`` at the latest. Acquiring checks every key at once, atomically.
"""

from __future__ import annotations

import time
import uuid

from agent_platform.integrations.kv import get_redis

# KEYS: the sets; ARGV: now, expiry, member, then one limit per key.
_ACQUIRE = """
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then
    return i
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[3])
  redis.call('EXPIRE', key, math.ceil(ARGV[2] - ARGV[1]) + 1)
end
return 0
"""


def acquire(limits: dict[str, int], *, ttl_s: float) -> tuple[str | None, str | None]:
    """Take one slot under every key of ``limits`` (key -> maximum held at once).

    Returns:
        ``(token, None)`` when acquired (pass the token to :func:`release`), or
        ``(None, key)`` naming the first key that is full (nothing is taken then).
    """
    keys = list(limits)
    now = time.time()
    token = uuid.uuid4().hex
    args = [now, now + ttl_s, token, *[limits[k] for k in keys]]
    full = int(get_redis().eval(_ACQUIRE, len(keys), *keys, *args))
    return (token, None) if full == 0 else (None, keys[full - 1])


def release(keys: list[str], token: str) -> None:
    """Give back the slot ``token`` holds under ``keys``."""
    pipe = get_redis().pipeline()
    for key in keys:
        pipe.zrem(key, token)
    pipe.execute()
