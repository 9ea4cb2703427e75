"""Cancelling a run, as people do it: the run, its sub-agent runs and their pending approvals.

The runs domain cannot see approvals (the domains flow one way), so the use-case lives here,
above both: every surface that cancels a run (the REST route, the Runs page, the builder's
test panel) calls :func:`cancel_run`, and the worker closes the approvals of runs that end
cancelled later, between steps (``services.runtime.execute``).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from agent_platform.models.runs import Run
from agent_platform.services.approvals import closing
from agent_platform.services.permissions import Principal
from agent_platform.services.runs import runs, tree


def cancel_run(session: Session, *, principal: Principal, run_id: uuid.UUID) -> Run:
    """Cancel the run and its sub-agent runs, and close the approvals they were waiting for.

    Pending and paused runs end at once and their pending approvals become ``cancelled`` in
    the same transaction (audited as ``approval.cancelled`` by ``principal``); a running run
    stops between steps and its worker closes them then. The caller commits.

    Returns:
        The run (``cancelled``, or still ``running`` with ``cancel_requested_at`` set).

    Raises:
        Forbidden: without ``EXECUTE_AGENT``.
        NotFound: no such run in the principal's org.
        Conflict: the run already finished.
    """
    run = runs.cancel_run(session, principal=principal, run_id=run_id)
    session.flush()
    closing.close_for_ended_runs(
        session, run_ids=tree.subtree_ids(session, run.id), actor=principal
    )
    return run
