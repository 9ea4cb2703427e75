"""``join``: collects the arrived branches; its mode tells the scheduler when it fires.

The scheduling itself (``all`` waiting for skipped branches, ``first`` cancelling) is covered
by ``tests/engine/test_runner.py``.
"""

from __future__ import annotations

import pytest

from agent_platform.engine.nodes.join import JoinNode
from tests.engine.fakes import run_node


def test_output_is_the_arrived_branches_by_node_id():
    incoming = {"http_a": {"status": 200}, "http_b": {"status": 201}}
    assert run_node("join", {"mode": "all"}, incoming=incoming).output == incoming


@pytest.mark.parametrize(
    ("mode", "eager", "cancels"),
    [("all", False, False), ("any", True, False), ("first", True, True)],
)
def test_mode_answers_the_scheduler(mode, eager, cancels):
    config = JoinNode.parse_config({"mode": mode})
    assert JoinNode.runs_on_first_input(config) is eager
    assert JoinNode.cancels_other_branches(config) is cancels
    assert JoinNode.multi_input
