"""``output``: the run's result; ends its path."""

from __future__ import annotations

from agent_platform.engine.nodes.output import OutputNode
from tests.engine.fakes import run_node

VARIABLES = {"llm_1": {"output": {"text": "hi", "tokens": 3}}}


def test_renders_text_or_a_mapping_of_templates():
    assert (
        run_node("output", {"value": "{{llm_1.output.text}}"}, variables=VARIABLES).output == "hi"
    )
    mapping = {"value": {"answer": "{{llm_1.output.text}}", "n": "{{llm_1.output.tokens}}"}}
    assert run_node("output", mapping, variables=VARIABLES).output == {"answer": "hi", "n": 3}


def test_has_no_handles_and_takes_several_inputs():
    assert OutputNode.output_handles(OutputNode.parse_config({})) == []
    assert OutputNode.multi_input
    assert OutputNode.summary({"value": {"a": 1}}) == '{"a": 1}'
    assert OutputNode.summary({}) == ""
