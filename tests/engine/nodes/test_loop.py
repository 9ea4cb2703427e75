"""``loop``: runs the body per item of a list, within a limit.

Body scheduling, step keys per iteration and pauses inside bodies are covered by
``tests/engine/test_runner.py``.
"""

from __future__ import annotations

import pytest

from agent_platform.engine.nodes.loop import LoopNode
from agent_platform.engine.protocols import PermanentError
from tests.engine.fakes import run_node


def _body():
    seen = []

    async def run_body(index, item):
        seen.append((index, item))
        return item * 10

    return run_body, seen


def test_runs_the_body_per_item_and_continues_on_done():
    run_body, seen = _body()
    result = run_node(
        "loop", {"items": "{{inputs.items}}"}, inputs={"items": [1, 2]}, run_body=run_body
    )
    assert (result.output, result.handle, seen) == ([10, 20], "done", [(0, 1), (1, 2)])


def test_a_json_array_text_is_a_list_other_text_is_not():
    run_body, _ = _body()
    result = run_node("loop", {"items": "[3]"}, run_body=run_body)
    assert result.output == [30]
    with pytest.raises(PermanentError, match="text, not a list"):
        run_node("loop", {"items": "three"}, run_body=run_body)
    with pytest.raises(PermanentError, match="must be a list"):
        run_node("loop", {"items": "{{inputs.n}}"}, inputs={"n": 3}, run_body=run_body)


def test_the_iteration_limit_and_a_missing_body_runner_fail():
    run_body, seen = _body()
    with pytest.raises(PermanentError, match="limit of 2"):
        run_node("loop", {"items": "[1, 2, 3]", "max_iterations": 2}, run_body=run_body)
    assert seen == []
    with pytest.raises(PermanentError, match="not supported"):
        run_node("loop", {"items": "[1]"})


def test_repeats_a_body_and_takes_several_inputs():
    assert LoopNode.repeats_body and LoopNode.multi_input
    assert LoopNode.summary({"items": "{{http_1.output.json}}"}) == "each of {{http_1.output.json}}"
    config = LoopNode.parse_config(LoopNode.example_config)
    assert [h.id for h in LoopNode.output_handles(config)] == ["body", "done"]
