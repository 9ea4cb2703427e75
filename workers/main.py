"""The worker entry point: ``dramatiq workers.main`` imports the broker, then every actor."""

import workers.approvals  # noqa: F401  (approval actors)
import workers.knowledge  # noqa: F401  (knowledge actors)
from workers import mail, runs  # noqa: F401, E402
from workers.broker import broker  # noqa: F401  (installs the global broker first)

__all__ = ["broker", "mail", "runs"]
