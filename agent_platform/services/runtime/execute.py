"""Running a run on a worker: the engine's ports, the run lock, heartbeats and sub-agents.

``execute(run_id)`` is what the ``execute_run`` actor calls. It takes a Postgres advisory lock
on the run (held by the worker's connection, so a SIGKILLed worker releases it at once),
claims the row, runs the engine ``Runner`` with ``PgStepStore``/``PgRedisEventSink`` while a
thread refreshes ``heartbeat_at``, and writes the outcome to the row. Completed steps replay
from Postgres, so redeliveries and resumes never repeat a side effect.

Sub-agents: a ``sub_agent`` step creates (once per parent step key) a child ``Run`` pinned to
the other agent's published version and drives it inline, in the same worker and event loop,
through this same machinery. The child has its own row, steps, events and lock; a redelivered
parent finds and resumes the same child. A child that pauses for an approval pauses the parent
step and so the parent: the decision resumes the root run (``lifecycle.enqueue_resume``), which
re-enters the step and drives the child on from where it stopped, its completed steps
replayed, exactly once under the locks.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Literal

from sqlmodel import Session

from agent_platform.db import in_session
from agent_platform.engine.limits import RunLimits
from agent_platform.engine.nodes.base import Services
from agent_platform.engine.nodes.sub_agent import SubAgentWaiting
from agent_platform.engine.outcome import RunOutcome
from agent_platform.engine.protocols import PermanentError
from agent_platform.engine.runner import Runner
from agent_platform.engine.validation import InvalidGraphError
from agent_platform.integrations.egress import EgressGuard
from agent_platform.integrations.egress_http import EgressHttpClient
from agent_platform.integrations.llm import LLMRouter
from agent_platform.integrations.sandbox import SubprocessCodeExecutor
from agent_platform.services.approvals import closing
from agent_platform.services.credentials import llm_keys as credential_llm
from agent_platform.services.delivery import conversations
from agent_platform.services.errors import DomainError
from agent_platform.services.runs import lifecycle, runs
from agent_platform.services.runs.lifecycle import Claim, Heartbeat, RunLock
from agent_platform.services.runtime.approval_gate import PgApprovalGate
from agent_platform.services.runtime.events import PgRedisEventSink
from agent_platform.services.runtime.retriever import PgRetriever
from agent_platform.services.runtime.secrets import CredentialResolver
from agent_platform.services.runtime.step_store import PgStepStore
from agent_platform.services.template_limits import template_limits
from agent_platform.settings import get_settings

log = logging.getLogger(__name__)

ExecuteResult = Literal["done", "locked", "skipped"]


def build_services(*, org_id: uuid.UUID, run_id: uuid.UUID, depth: int = 0) -> Services:
    """The ports the engine's nodes use for one run of ``org_id``.

    LLM keys and node secrets come from the org's credential vault. Outbound HTTP goes
    through the one egress guard; code runs in the subprocess sandbox; knowledge search is
    tenant-scoped through ``PgRetriever``.

    Args:
        depth: sub-agent nesting depth of this run (0 for a top-level run).
    """
    guard = EgressGuard(allow_hosts=get_settings().runtime.egress_allow_hosts)
    return Services(
        llm=credential_llm.build_llm_router(org_id),
        http=EgressHttpClient(guard),
        code=SubprocessCodeExecutor(),
        secrets=CredentialResolver(org_id),
        approvals=PgApprovalGate(run_id, org_id),
        sub_agents=PgSubAgentRunner(org_id=org_id, run_id=run_id, depth=depth),
        retriever=PgRetriever(org_id),
    )


class PgSubAgentRunner:
    """Runs another agent of the same org as a child run, inline (see the module docstring).

    Args:
        org_id: the parent run's organization (children never cross it).
        run_id: the parent run.
        depth: the parent's nesting depth (the engine's ``RunLimits`` bound it).
    """

    def __init__(self, *, org_id: uuid.UUID, run_id: uuid.UUID, depth: int) -> None:
        self.org_id = org_id
        self.run_id = run_id
        self.depth = depth

    async def run(self, *, agent_id: str, inputs: dict[str, Any], step_key: str) -> Any:
        """Run (or rejoin) the child for ``step_key`` and return its output.

        Raises:
            SubAgentWaiting: the child paused for an approval (the parent step pauses).
            PermanentError: unknown/unpublished agent, or the child failed or was
                cancelled.
        """
        try:
            child_id = await in_session(
                lambda s: runs.child_run(
                    s,
                    org_id=self.org_id,
                    parent_id=self.run_id,
                    step_key=step_key,
                    agent_id=agent_id,
                    inputs=inputs,
                )  # fmt: skip
            )
        except DomainError as exc:
            raise PermanentError(f"Sub-agent '{agent_id}': {exc.message}") from exc
        while (await execute(child_id, depth=self.depth + 1)) == "locked":
            await asyncio.sleep(1.0)  # another worker drives the child: wait for it
        status, output, error = await in_session(lambda s: lifecycle.result(s, child_id))
        if status == "succeeded":
            return output
        if status == "paused":
            raise SubAgentWaiting(str(child_id))
        raise PermanentError(f"The sub-agent run {status}: {error or 'no reason given'}")


async def execute(run_id: uuid.UUID, *, depth: int = 0) -> ExecuteResult:
    """Drive the run until it finishes or pauses (idempotent; safe to call on redelivery).

    Returns:
        ``"done"`` when this call drove the run, ``"skipped"`` when there was nothing to do
        (terminal, or paused without a decision), ``"locked"`` when another worker holds it.
    """
    lock = RunLock(run_id)
    if not await asyncio.to_thread(lock.acquire):
        return "locked"
    try:
        claim = await in_session(lambda s: _claim(s, run_id))
        if claim is None:
            return "skipped"
        while True:
            outcome = await _run_engine(claim, depth)
            again = await in_session(lambda s, o=outcome: _finish(s, run_id, o))
            if not again:  # a decision arrived while pausing: continue at once
                return "done"
    finally:
        await asyncio.to_thread(lock.release)


def _claim(session: Session, run_id: uuid.UUID) -> Claim | None:
    claim = lifecycle.claim(session, run_id)
    if claim is None:  # finished, cancelled before it ran, or failed after too many attempts
        conversations.complete_answers(session, run_id=run_id)
        closing.close_for_ended_runs(session, run_ids=[run_id])
    return claim


def _finish(session: Session, run_id: uuid.UUID, outcome: RunOutcome) -> bool:
    """Write the outcome and, in the same transaction, what ends with the run.

    That is the chat answers the run produced, and the pending approvals of a run that ended
    (e.g. cancelled between steps while a parallel branch waited for a decision).
    """
    again = lifecycle.finish(session, run_id, outcome)
    conversations.complete_answers(session, run_id=run_id)
    closing.close_for_ended_runs(session, run_ids=[run_id])
    return again


def run_limits() -> RunLimits:
    """The per-run limits from settings, for the engine runner."""
    limits = get_settings().limits
    return RunLimits(
        max_steps=limits.max_steps_per_run,
        max_sub_agent_depth=limits.max_sub_agent_depth,
        max_child_runs=limits.max_child_runs_per_run,
        max_payload_bytes=limits.max_payload_bytes,
    )


async def _run_engine(claim: Claim, depth: int) -> RunOutcome:
    runtime = get_settings().runtime
    services = build_services(org_id=claim.org_id, run_id=claim.run_id, depth=depth)
    heartbeat = Heartbeat(claim.run_id, interval_s=max(0.5, runtime.heartbeat_timeout_s / 4))
    heartbeat.start()
    try:
        runner = Runner(
            claim.definition,
            services=services,
            step_store=PgStepStore(claim.run_id, claim.org_id),
            events=PgRedisEventSink(claim.run_id, claim.org_id),
            time_limit_s=runtime.run_time_limit_s,
            template_limits=template_limits(),
            limits=run_limits(),
            depth=depth,
        )
        return await runner.run(claim.inputs)
    except InvalidGraphError as exc:
        problems = "; ".join(p.message for p in exc.problems[:10])
        return RunOutcome(status="failed", error=f"The graph cannot run: {problems}")
    finally:
        heartbeat.stop()
        if isinstance(services.llm, LLMRouter):
            await services.llm.aclose()
