"""The worker entry point: ``dramatiq workers.main`` imports the broker, then every actor."""

from workers import mail  # noqa: F401, E402
from workers.broker import broker  # noqa: F401  (installs the global broker first)

__all__ = ["broker", "mail"]
