"""What the builder shows per node type: handles that follow the config, inspector fields."""

from __future__ import annotations

import pytest

from agent_platform.services.errors import InvalidInput
from agent_platform.state.builder import fields as form
from agent_platform.state.builder.view import catalog, handles


def test_switch_handles_follow_the_config():
    data = dict(catalog()["switch"]["default_config"])
    data["cases"] = [{**data["cases"][0], "id": "vip", "label": "VIP"}]
    assert [h["id"] for h in handles("switch", data)] == ["vip", "default"]


def test_inspector_fields_follow_the_schema():
    rows = {f.key: f for f in form.fields("llm", catalog()["llm"]["default_config"])}
    assert rows["model"].kind == "model" and "offline:extractive" in rows["model"].options
    assert rows["prompt"].kind == "prompt" and rows["stream"].kind == "toggle"
    assert rows["temperature"].kind == "number" and rows["credential_id"].kind == "credential"
    assert rows["response_schema"].kind == "kv"
    assert list(rows)[-1] == "retry"
    assert form.parse("llm", "temperature", "") is None
    assert form.parse("llm", "max_tokens", "12") == 12
    assert form.parse("if_else", "combinator", "or") == "or"
    for key, raw in [("combinator", "xor"), ("nope", "1"), ("conditions", "{")]:
        with pytest.raises(InvalidInput):
            form.parse("if_else", key, raw)
    with pytest.raises(InvalidInput):
        form.parse("llm", "stream", "yes")
