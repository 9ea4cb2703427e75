"""A development SMTP sink: every message received is written to ``<dir>/<time>-<n>.eml``.

``make run`` starts it when no SMTP server is configured, so password-reset and invitation
emails can be read under ``.data/mail/``. Built on ``aiosmtpd``.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

_counter = itertools.count()


class _SaveHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(_counter):04d}.eml"
        (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def start_sink(directory: Path, *, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Start the sink in a background thread; call ``.stop()`` on the result to end it."""
    controller = Controller(_SaveHandler(directory), hostname=host, port=port)
    controller.start()
    return controller
