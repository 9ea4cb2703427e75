"""``switch``: the first case whose conditions hold, else ``default``."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent_platform.engine.nodes.switch import SwitchNode
from tests.engine.fakes import run_node


def _case(case_id: str, word: str) -> dict:
    condition = {"left": "{{inputs.message}}", "operator": "contains", "right": word}
    return {"id": case_id, "conditions": [condition]}


CASES = {"cases": [_case("hi", "hello"), _case("bye", "bye"), _case("also_hi", "hello")]}


@pytest.mark.parametrize(
    ("message", "handle"), [("hello there", "hi"), ("bye now", "bye"), ("what?", "default")]
)
def test_first_matching_case_wins(message, handle):
    result = run_node("switch", CASES, inputs={"message": message})
    assert result.handle == handle and result.output == {"case": handle}


def test_case_ids_are_unique_and_not_default():
    with pytest.raises(ValidationError, match="unique"):
        SwitchNode.parse_config({"cases": [_case("a", "x"), _case("a", "y")]})
    with pytest.raises(ValidationError, match="unique"):
        SwitchNode.parse_config({"cases": [_case("default", "x")]})


def test_handles_follow_the_cases_and_the_summary_counts_them():
    config = SwitchNode.parse_config(CASES)
    assert [h.id for h in SwitchNode.output_handles(config)] == ["hi", "bye", "also_hi", "default"]
    assert SwitchNode.dynamic_handles
    assert SwitchNode.summary(CASES) == "3 case(s) + default"
    assert SwitchNode.summary({}) == "0 case(s) + default"
