"""Outgoing email: composed here, delivered by the ``send_email`` actor over SMTP.

Emails carry bearer secrets (password-reset and invitation links, approval links), and a
Dramatiq message sits in Redis, in its dead-letter set and in worker logs. So the message holds
only the email sealed with the vault's authenticated encryption (``integrations.vault``), bound
to a random id the message also carries; the actor opens it with ``open_email``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from agent_platform.integrations.vault import get_vault
from agent_platform.services.queue import SEND_EMAIL, enqueue_after_commit

# The vault's associated data is "<org_id>:<row_id>"; emails use this label for the org, so a
# sealed email can never be opened as a credential or the other way round.
_AD_LABEL = "outbound-email"


@dataclass(frozen=True)
class Email:
    """One plain-text email, as the mail actor sends it."""

    to: str
    subject: str
    text: str


def queue_email(session: Session, *, to: str, subject: str, text: str) -> None:
    """Send a plain-text email once ``session`` commits (retried by the mail worker).

    The subject is folded onto one line: it may quote run data (an approval title), and a
    line break in a header is refused by the mailer.
    """
    mail_id = str(uuid.uuid4())
    sealed = get_vault().encrypt(
        {"to": to, "subject": " ".join(subject.split()), "text": text},
        org_id=_AD_LABEL,
        row_id=mail_id,
    )
    enqueue_after_commit(session, SEND_EMAIL, mail_id=mail_id, sealed=sealed)


def open_email(*, mail_id: str, sealed: str) -> Email:
    """The email sealed by ``queue_email``.

    Raises:
        VaultError: tampered, or not sealed for ``mail_id``.
    """
    data = get_vault().decrypt(sealed, org_id=_AD_LABEL, row_id=mail_id)
    return Email(to=data["to"], subject=data["subject"], text=data["text"])
