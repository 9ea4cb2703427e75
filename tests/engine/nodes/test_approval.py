"""``approval``: pauses until a decision, then follows approved/rejected/timeout.

Pausing and resuming a whole run (and approvals inside loops) is covered by
``tests/engine/test_runner.py``.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent_platform.engine.nodes.approval import ApprovalNode
from agent_platform.engine.nodes.base import Services
from tests.engine.fakes import FakeApprovals, run_node

DATA = {
    "title": "Send {{inputs.what}}?",
    "approvers": {"role": "admin"},
    "form_fields": [{"name": "reply", "default": "Dear {{inputs.who}}"}],
    "review": {"value": "{{inputs.draft}}", "format": "json"},
}
INPUTS = {"what": "the reply", "who": "Ada", "draft": {"to": "ada@example.com"}}


def test_pauses_with_a_rendered_request_until_decided():
    gate = FakeApprovals()
    paused = run_node("approval", DATA, services=Services(approvals=gate), inputs=INPUTS)
    assert paused.status == "paused"
    request = gate.requests["approval_1"]
    assert request["title"] == "Send the reply?"
    assert request["form_fields"][0]["default"] == "Dear Ada"
    assert request["review"] == {"format": "json", "value": {"to": "ada@example.com"}}
    gate.decide("approval_1", "rejected")
    decided = run_node("approval", DATA, services=Services(approvals=gate), inputs=INPUTS)
    assert decided.status == "succeeded" and decided.handle == "rejected"
    assert decided.output["decided_by"] == "user_1"


def test_config_rules():
    with pytest.raises(ValidationError, match="at least one approver"):
        ApprovalNode.parse_config({"approvers": {}})
    with pytest.raises(ValidationError, match="quorum must be at least 1"):
        ApprovalNode.parse_config({"quorum": 0})
    with pytest.raises(ValidationError, match="someone to escalate to"):
        ApprovalNode.parse_config({"escalation": {"escalate_after_minutes": 5}})


def test_three_outcome_handles():
    config = ApprovalNode.parse_config({})
    assert [h.id for h in ApprovalNode.output_handles(config)] == [
        "approved",
        "rejected",
        "timeout",
    ]
