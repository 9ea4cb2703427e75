"""One contract test over every registered node type, and the discovery rule."""

from __future__ import annotations

import json
import pkgutil
import re
import typing
from pathlib import Path

import pytest
from pydantic import ValidationError

import agent_platform.engine.nodes as nodes_package
from agent_platform.engine.nodes.base import FieldWidget, Handle, NodeConfig
from agent_platform.engine.registry import all_node_types, node_types_schema, registered_types
from tests.engine.nodes import SHIPPED_TYPES

CATEGORIES = {"trigger", "ai", "logic", "data", "integration", "human", "output"}
WIDGETS = set(typing.get_args(FieldWidget))
JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def _refs_resolve(schema: dict, node) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None:
            assert ref.startswith("#/$defs/") and ref.split("/")[-1] in schema.get("$defs", {})
        if isinstance(node.get("type"), str):
            assert node["type"] in JSON_TYPES
        for value in node.values():
            _refs_resolve(schema, value)
    elif isinstance(node, list):
        for value in node:
            _refs_resolve(schema, value)


def test_the_shipped_types_are_registered():
    # The one hand list: a lost or renamed module fails here. New types need no entry.
    assert set(registered_types()) >= SHIPPED_TYPES
    json.dumps(node_types_schema())


def test_every_public_node_module_defines_the_type_it_is_named_after():
    modules = {m.name for m in pkgutil.iter_modules(nodes_package.__path__)}
    public = {name for name in modules if not name.startswith("_")} - {"base"}
    by_module = {cls.__module__.rsplit(".", 1)[1]: cls.type for cls in all_node_types()}
    assert public <= set(by_module)
    assert all(by_module[name] == name for name in public)
    # ... and has its test module (tests mirror the source tree).
    tests = Path(__file__).parent / "nodes"
    assert {name for name in public if not (tests / f"test_{name}.py").exists()} == set()


@pytest.mark.parametrize("cls", all_node_types(), ids=lambda cls: cls.type)
def test_node_type_contract(cls):
    # Metadata present.
    assert cls.type and cls.display_name and cls.description
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cls.icon), "a Lucide icon name"
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
    # What the builder shows: inputs, summary, picker, inspector widgets.
    assert cls.has_input == (cls.category != "trigger")
    assert isinstance(cls.summary(cls.example_config), str)
    for odd in (None, 5, "text", [1], {"a": 1}):  # half-edited configs never break the card
        assert isinstance(cls.summary(dict.fromkeys(schema["properties"], odd)), str)
    assert cls.output_paths and all(p.split(".")[0] == "output" for p in cls.output_paths)
    assert cls.variable_paths(cls.example_config)
    assert set(cls.field_widgets) <= set(schema["properties"])
    assert set(cls.field_widgets.values()) <= WIDGETS
    # Scheduling hooks answer for the example config.
    assert isinstance(cls.runs_on_first_input(config), bool)
    assert isinstance(cls.cancels_other_branches(config), bool)
    # The catalogue entry is complete.
    (entry,) = [e for e in node_types_schema() if e["type"] == cls.type]
    blank = dict.fromkeys(cls.required_choices, "")
    assert entry["default_config"] == {**json.loads(config.model_dump_json()), **blank}
    # A required choice is a config field the new node cannot run without: validation asks.
    assert cls.required_choices <= set(schema["properties"])
    if cls.required_choices:
        with pytest.raises(ValidationError) as refused:
            cls.parse_config(entry["default_config"])
        assert {str(e["loc"][0]) for e in refused.value.errors()} == set(cls.required_choices)
    assert entry["has_input"] == cls.has_input and entry["multi_input"] == cls.multi_input
    assert entry["repeats_body"] == cls.repeats_body and entry["icon"] == cls.icon
    assert entry["handles"] == [{"id": h.id, "label": h.label} for h in handles]
    assert entry["summary_template"] == cls.summary_template
    assert entry["output_paths"] == list(cls.output_paths)
    assert entry["field_widgets"] == dict(cls.field_widgets)
