"""Deliver plain-text email over SMTP (stdlib ``smtplib``), configured by ``Settings.smtp``."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from agent_platform.settings import SmtpSettings


def send(config: SmtpSettings, *, to: str, subject: str, text: str) -> None:
    """Send one message.

    Raises:
        OSError | smtplib.SMTPException: the server is unreachable or refused the message
        (the mail actor retries these).
    """
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    with smtplib.SMTP(config.host, config.port, timeout=15) as client:
        if config.starttls:
            client.starttls()
        if config.username and config.password:
            client.login(config.username, config.password.get_secret_value())
        client.send_message(message)
