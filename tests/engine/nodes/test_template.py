"""``template``: text, or JSON whose string leaves are templates."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent_platform.engine.nodes.template import TemplateNode
from tests.engine.fakes import run_node

VARIABLES = {"llm_1": {"output": {"text": "hi", "n": 3}}}


def test_text_mode_renders_text_and_json_mode_keeps_types():
    text = {"mode": "text", "template": "{{llm_1.output.text}}!"}
    assert run_node("template", text, variables=VARIABLES).output == "hi!"
    data = {
        "mode": "json",
        "template": {"n": "{{llm_1.output.n}}", "list": ["{{llm_1.output.text}}"]},
    }
    assert run_node("template", data, variables=VARIABLES).output == {"n": 3, "list": ["hi"]}


def test_text_mode_needs_text():
    with pytest.raises(ValidationError, match="must be text"):
        TemplateNode.parse_config({"mode": "text", "template": {"a": 1}})


def test_summary_and_prompt_editor():
    assert TemplateNode.summary({"template": "Dear   {{inputs.name}},\nthanks"}) == (
        "Dear {{inputs.name}}, thanks"
    )
    assert TemplateNode.summary({"mode": "json", "template": {"a": 1}}) == '{"a": 1}'
    assert TemplateNode.field_widgets == {"template": "prompt"}
