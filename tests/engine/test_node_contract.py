"""One contract test over every registered node type."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from agent_platform.engine.nodes.base import Handle, NodeConfig
from agent_platform.engine.registry import all_node_types, node_types_schema

CATEGORIES = {"trigger", "ai", "logic", "data", "integration", "human", "output"}
EXPECTED = {
    "trigger",
    "llm",
    "agent",
    "if_else",
    "switch",
    "classifier",
    "loop",
    "parallel",
    "join",
    "http_request",
    "template",
    "set_variables",
    "code",
    "approval",
    "sub_agent",
    "knowledge_retrieval",
    "output",
}


def _refs_resolve(schema: dict, node) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None:
            assert ref.startswith("#/$defs/") and ref.split("/")[-1] in schema.get("$defs", {})
        for key in ("type",):
            if key in node and isinstance(node[key], str):
                assert node[key] in {
                    "object",
                    "array",
                    "string",
                    "number",
                    "integer",
                    "boolean",
                    "null",
                }
        for value in node.values():
            _refs_resolve(schema, value)
    elif isinstance(node, list):
        for value in node:
            _refs_resolve(schema, value)


def test_catalogue_has_exactly_the_expected_types():
    assert {cls.type for cls in all_node_types()} == EXPECTED
    json.dumps(node_types_schema())


@pytest.mark.parametrize("cls", all_node_types(), ids=lambda cls: cls.type)
def test_node_type_contract(cls):
    # Metadata present.
    assert cls.type and cls.display_name and cls.description and cls.icon
    assert cls.category in CATEGORIES
    assert isinstance(cls.version, int) and cls.version >= 1
    assert issubclass(cls.config_model, NodeConfig)
    assert cls.config_model.model_config.get("extra") == "forbid"
    # Config schema is a serialisable JSON schema with resolvable refs.
    schema = cls.config_model.model_json_schema()
    assert schema["type"] == "object" and isinstance(schema["properties"], dict)
    assert "retry" in schema["properties"]
    _refs_resolve(schema, schema)
    json.loads(json.dumps(schema))
    # The default config validates, unknown keys are refused.
    config = cls.parse_config(cls.example_config)
    with pytest.raises(ValidationError):
        cls.parse_config({**cls.example_config, "no_such_field": 1})
    # Handles declared, unique.
    handles = cls.output_handles(config)
    assert all(isinstance(h, Handle) and h.id and h.label for h in handles)
    assert len({h.id for h in handles}) == len(handles)
    assert handles or cls.category == "output"
    # The catalogue entry is complete.
    (entry,) = [e for e in node_types_schema() if e["type"] == cls.type]
    assert entry["default_config"] == json.loads(json.dumps(config.model_dump(mode="json")))
    assert entry["has_input"] == (cls.category != "trigger")
