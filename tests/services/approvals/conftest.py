"""Approval test fixtures: the runtime fixtures plus a graph that pauses for a review."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlmodel import select

from tests.services.runtime.conftest import (  # noqa: F401  (fixtures re-exported for these tests)
    client,
    execute,
    org,
    publish,
    runtime_env,
    wait_status,
)

HERE = Path(__file__).parent / "fixtures"
V1 = "/api/v1"


def review_graph(
    approver: str | list[str],
    *,
    quorum: Any = "any",
    no_self: bool = False,
    escalation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The review graph: an approval by ``approver`` (user ids) with a reply form."""
    text = (HERE / "review.json").read_text()
    users = approver if isinstance(approver, list) else [approver]
    text = text.replace('["__APPROVER__"]', json.dumps(users))
    text = text.replace("__QUORUM__", json.dumps(quorum))
    text = text.replace("__NO_SELF__", json.dumps(no_self))
    text = text.replace("__ESCALATION__", json.dumps(escalation or {}))
    return json.loads(text)


def start_review(api, headers, graph, inputs=None) -> tuple[str, str]:
    """Publish ``graph``, run it, wait for the pause; ``(run_id, approval_id)``."""
    from agent_platform.db import session_scope
    from agent_platform.models import Approval

    run_id = execute(
        api,
        headers,
        publish(api, headers, graph, name="Support replies"),
        inputs or {"customer": "Ada", "draft": "Hello Ada"},
    )
    status = wait_status(api, headers, run_id, {"paused", "failed", "succeeded"})
    assert status["status"] == "paused", status
    with session_scope() as s:
        approval = s.exec(select(Approval).where(Approval.run_id == uuid.UUID(run_id))).one()
    return run_id, str(approval.id)
