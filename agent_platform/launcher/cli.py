"""The launcher's command line: ``python -m agent_platform.launcher COMMAND``.

``run`` is ``make run`` (everything, embedded servers when no URLs are set); ``app``,
``worker``, ``scheduler`` and ``migrate`` are the roles an image runs one per container;
``rotate-keys`` re-encrypts stored secrets under the newest vault key.
"""

from __future__ import annotations

import argparse

from pydantic import ValidationError

from agent_platform.launcher.roles import ROLES, run_role
from agent_platform.launcher.supervisor import say
from agent_platform.settings import get_settings


def rotate_keys() -> int:
    """Re-encrypt every stored secret (credentials, webhook secrets) under the newest vault key."""
    from agent_platform.db import session_scope  # imported on use: `run` needs no database
    from agent_platform.integrations.vault import get_vault
    from agent_platform.services.agents.triggers import rotate_webhook_secrets
    from agent_platform.services.credentials.store import rotate_credentials

    vault = get_vault()
    with session_scope() as session:
        count = rotate_credentials(session, vault=vault)
        count += rotate_webhook_secrets(session, vault=vault)
    say(f"re-encrypted {count} secret(s) under the current vault key")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m agent_platform.launcher")
    parser.add_argument(
        "command",
        choices=["run", *ROLES, "rotate-keys"],
        help="run: everything (make run); app|worker|scheduler|migrate: one role against "
        "DATABASE_URL/REDIS_URL; rotate-keys: re-encrypt secrets",
    )
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:  # e.g. production without its secrets: say what, briefly
        say(f"settings refused: {'; '.join(e['msg'] for e in exc.errors())}")
        return 2
    if args.command == "rotate-keys":
        return rotate_keys()
    if args.command in ROLES:
        return run_role(args.command, settings)
    from agent_platform.launcher.run import run

    return run()
