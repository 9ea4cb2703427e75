"""Outgoing email: composed here, delivered by the ``send_email`` actor over SMTP."""

from __future__ import annotations

from sqlmodel import Session

from agent_platform.services.queue import SEND_EMAIL, enqueue_after_commit


def queue_email(session: Session, *, to: str, subject: str, text: str) -> None:
    """Send a plain-text email once ``session`` commits (retried by the mail worker)."""
    enqueue_after_commit(session, SEND_EMAIL, to=to, subject=subject, text=text)
