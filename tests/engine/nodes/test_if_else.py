"""``if_else``: the condition group picks ``true`` or ``false``."""

from __future__ import annotations

import pytest

from agent_platform.engine.nodes.if_else import IfElseNode
from agent_platform.engine.protocols import PermanentError
from tests.engine.fakes import run_node

CONDITIONS = [
    {"left": "{{inputs.n}}", "operator": "gt", "right": "10"},
    {"left": "{{inputs.tag}}", "operator": "equals", "right": "vip"},
]


@pytest.mark.parametrize(
    ("combinator", "inputs", "handle"),
    [
        ("and", {"n": 20, "tag": "vip"}, "true"),
        ("and", {"n": 20, "tag": "new"}, "false"),
        ("or", {"n": 5, "tag": "vip"}, "true"),
        ("or", {"n": 5, "tag": "new"}, "false"),
    ],
)
def test_combinator_decides_the_handle(combinator, inputs, handle):
    data = {"combinator": combinator, "conditions": CONDITIONS}
    result = run_node("if_else", data, inputs=inputs)
    assert result.handle == handle and result.output == {"result": handle == "true"}


def test_a_numeric_operator_on_text_fails_permanently():
    data = {"conditions": [{"left": "{{inputs.n}}", "operator": "gt", "right": "1"}]}
    with pytest.raises(PermanentError, match="not a number"):
        run_node("if_else", data, inputs={"n": "many"})


def test_summary_shows_the_first_condition_and_how_many_more():
    assert IfElseNode.summary({"conditions": CONDITIONS}) == "{{inputs.n}} gt 10 (+1)"
    assert IfElseNode.summary({"conditions": CONDITIONS[:1]}) == "{{inputs.n}} gt 10"
    assert IfElseNode.summary({}) == ""
