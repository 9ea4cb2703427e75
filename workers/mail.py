"""Mail delivery actor."""

from __future__ import annotations

import dramatiq

import workers.broker  # noqa: F401  (the global broker must exist before actors are declared)
from agent_platform.integrations import smtp
from agent_platform.integrations.vault import VaultError
from agent_platform.services import mail
from agent_platform.services import queue as jobs
from agent_platform.settings import get_settings


@dramatiq.actor(
    queue_name=jobs.SEND_EMAIL.queue,
    actor_name=jobs.SEND_EMAIL.actor,
    max_retries=5,
    time_limit=60_000,
    min_backoff=2_000,
    throws=(VaultError,),
)
def send_email(*, mail_id: str, sealed: str) -> None:
    """Open the sealed email ``mail_id`` and deliver it over SMTP (retried on failure).

    A message that does not open (tampered, or sealed under a key no longer configured) fails
    at once: retrying cannot help.
    """
    email = mail.open_email(mail_id=mail_id, sealed=sealed)
    smtp.send(get_settings().smtp, to=email.to, subject=email.subject, text=email.text)
