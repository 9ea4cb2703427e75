"""Starting the platform: ``make run`` (everything on one machine) and one role per container.

Usage: ``python -m agent_platform.launcher {run,app,worker,scheduler,migrate,rotate-keys}``.
Modules: ``embedded`` (PostgreSQL, Redis), ``supervisor`` (children, restarts, stopping),
``roles`` (each process's command line), ``run`` (``make run``), ``cli``.
"""

from agent_platform.launcher.cli import main
from agent_platform.launcher.embedded import (
    free_port,
    start_embedded_postgres,
    start_embedded_redis,
    wait_for_port,
)
from agent_platform.launcher.roles import migrate
from agent_platform.launcher.supervisor import say

__all__ = [
    "free_port",
    "main",
    "migrate",
    "say",
    "start_embedded_postgres",
    "start_embedded_redis",
    "wait_for_port",
]
