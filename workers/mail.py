"""Mail delivery actor."""

from __future__ import annotations

import dramatiq

import workers.broker  # noqa: F401  (the global broker must exist before actors are declared)
from agent_platform.integrations import smtp
from agent_platform.services import queue as jobs
from agent_platform.settings import get_settings


@dramatiq.actor(
    queue_name=jobs.SEND_EMAIL.queue,
    actor_name=jobs.SEND_EMAIL.actor,
    max_retries=5,
    time_limit=60_000,
    min_backoff=2_000,
)
def send_email(*, to: str, subject: str, text: str) -> None:
    """Deliver one email through the configured SMTP server (retried on failure)."""
    smtp.send(get_settings().smtp, to=to, subject=subject, text=text)
