"""Per-organization admission of new runs: concurrent runs and runs per minute.

Every start path (API execute, webhook, schedule, chat, widget, draft test runs) goes through
``admit`` before inserting a run; sub-agent runs are bounded by the engine's ``RunLimits``
instead. Starts of one organization are serialised by a transaction-scoped advisory lock, so
eleven simultaneous requests against a limit of ten admit exactly ten.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from agent_platform.integrations import ratelimit
from agent_platform.models.runs import Run, RunStatus
from agent_platform.services.errors import RateLimited
from agent_platform.settings import get_settings

ACTIVE = (RunStatus.PENDING.value, RunStatus.RUNNING.value)


def active_runs(session: Session, org_id: uuid.UUID) -> int:
    """Top-level runs of ``org_id`` that are pending or running."""
    statement = select(func.count()).where(
        Run.org_id == org_id, col(Run.parent_run_id).is_(None), col(Run.status).in_(ACTIVE)
    )
    return int(session.exec(statement).one())


def admit(session: Session, *, org_id: uuid.UUID) -> None:
    """Let one more run of ``org_id`` start, or refuse it.

    Holds an advisory lock on the organization until the caller's transaction ends.

    Raises:
        RateLimited: the organization has ``concurrent_runs_per_org`` runs active, or started
            ``runs_per_minute_per_org`` runs in the last minute (``retry_after`` in seconds).
    """
    limits = get_settings().limits
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"run-admission:{org_id}"},
    )
    if active_runs(session, org_id) >= limits.concurrent_runs_per_org:
        raise RateLimited(
            f"This organization already has {limits.concurrent_runs_per_org} runs in progress "
            "(the concurrent-run limit); wait for one to finish.",
            retry_after=5,
        )
    rate = ratelimit.limit(f"{limits.runs_per_minute_per_org}/minute")
    if not ratelimit.hit(rate, "runs", str(org_id)):
        retry = ratelimit.is_exhausted(rate, "runs", str(org_id)) or 1
        raise RateLimited(
            f"This organization started {limits.runs_per_minute_per_org} runs in the last "
            "minute (the runs-per-minute limit); try again shortly.",
            retry_after=retry,
        )
