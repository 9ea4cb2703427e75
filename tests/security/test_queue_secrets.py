"""Queued messages: reset and invitation links never sit in Redis in plain text.

Redis is shared by every process (and often by other systems), backed up, and its messages
end up in dead-letter sets and worker logs. Whoever can read it must not find a bearer link
there: the test reads every key of the broker's Redis while the emails are still queued,
then lets a real worker deliver them and checks that the delivered links were not in Redis.
"""

from __future__ import annotations

import re

import redis

from tests.conftest import wait_until
from tests.security.conftest import V1, sign_up


def _everything_in(r: redis.Redis) -> bytes:
    """Every value of every key, whatever its type."""
    dump = []
    for key in r.scan_iter():
        kind = r.type(key)
        if kind == b"string":
            dump.append(r.get(key) or b"")
        elif kind == b"hash":
            dump.extend(v for kv in r.hgetall(key).items() for v in kv)
        elif kind == b"list":
            dump.extend(r.lrange(key, 0, -1))
        elif kind == b"set":
            dump.extend(r.smembers(key))
        elif kind == b"zset":
            dump.extend(r.zrange(key, 0, -1))
        dump.append(key)
    return b"\n".join(dump)


def _links(mailbox, to: str) -> list[str]:
    def found():
        texts = [m.get_payload(decode=True).decode() for m in mailbox.messages() if to in m["To"]]
        return [re.search(r"token=(\S+)", t).group(1) for t in texts] or None

    return wait_until(found, timeout=20)


def test_reset_and_invitation_links_are_not_readable_in_the_queue(client, mailbox, platform_env):
    import dramatiq

    import workers.main  # noqa: F401  (declares every actor)

    owner = sign_up(client, "owner@example.com")
    assert client.post(f"{V1}/auth/password-reset", json={"email": owner.email}).status_code == 202
    invited = client.post(
        f"{V1}/org/invitations", json={"email": "friend@example.com"}, headers=owner.headers
    )
    assert invited.status_code == 201, invited.text

    queued = _everything_in(redis.Redis.from_url(platform_env["REDIS_URL"]))
    assert queued.count(b'"actor_name":"send_email"') == 2  # both emails are waiting there

    worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        reset_link, invite_link = _links(mailbox, owner.email), _links(mailbox, "friend@")
    finally:
        worker.stop(timeout=10_000)
    for token in reset_link + invite_link:
        assert len(token) > 20 and token.encode() not in queued
    assert b"friend@example.com" not in queued and b"Reset your" not in queued
