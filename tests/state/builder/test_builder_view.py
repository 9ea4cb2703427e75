"""What the builder shows per node type: handles that follow the config, inspector fields."""

from __future__ import annotations

import pytest

from agent_platform.services.errors import InvalidInput
from agent_platform.state.builder import fields as form
from agent_platform.state.builder.view import canvas_nodes, catalog, handles


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


def test_the_model_picker_offers_the_models_it_is_given_by_name():
    data = dict(catalog()["llm"]["default_config"])
    assert data["model"] == "default"
    org = [form.Choice("default", "Organization default (openai:gpt-4o-mini)")]
    org.append(form.Choice("openai:gpt-4o-mini", "openai:gpt-4o-mini"))
    row = next(f for f in form.fields("llm", data, org) if f.key == "model")
    assert row.value == "default" and row.choices == org
    assert "Organization default" in row.hint and "offline:extractive" in row.hint
    typed = next(
        f for f in form.fields("llm", {**data, "model": "compat:phi4"}, org) if f.key == "model"
    )
    assert typed.options == ["default", "openai:gpt-4o-mini", "compat:phi4"]
    assert form.parse("llm", "model", "  ") == "default"
    assert form.parse("llm", "model", "openai:o3") == "openai:o3"


def test_cards_name_the_default_model_it_resolves_to():
    doc = {"nodes": [{"id": "llm_1", "type": "llm", "data": {"prompt": "Hi"}}], "notes": []}
    (card,) = canvas_nodes(doc, {}, {"default_model": "offline:extractive"})
    assert card["data"]["summary"] == "Organization default (offline:extractive) · Hi"
