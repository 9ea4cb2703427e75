"""Adding a node type is one module and one test file.

``tests/engine/extension/word_count.py`` is a node type the package does not ship. Put on the
node package's path and discovered the way the shipped modules are, it is in the catalogue,
validates, runs, and the builder renders it, with no other file edited. The registry is
restored afterwards, so other tests see only the shipped types.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import agent_platform.engine.nodes as nodes_package
from agent_platform.components.flow_canvas.canvas import type_icons
from agent_platform.engine.nodes import discover
from agent_platform.engine.nodes.base import Node, registered_types, unregister
from agent_platform.engine.registry import get_node_type, node_types_schema
from agent_platform.engine.runner import Runner
from agent_platform.engine.validation import validate_graph
from agent_platform.state.builder import fields as form
from agent_platform.state.builder import view
from tests.engine.test_all_nodes import test_each_node_type_runs_its_example_graph as run_example
from tests.engine.test_node_contract import test_node_type_contract as check_contract

EXTENSION = Path(__file__).parent / "extension"
MODULE = f"{nodes_package.__name__}.word_count"


@pytest.fixture
def word_count(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Node[Any]]]:
    """``word_count`` discovered as a module of the node package; unregistered afterwards."""
    shipped = set(registered_types())
    monkeypatch.setattr(nodes_package, "__path__", [*nodes_package.__path__, str(EXTENSION)])
    assert "word_count" in discover(nodes_package)
    cls = get_node_type("word_count")
    assert cls is not None and cls.__module__ == MODULE
    yield cls
    unregister("word_count")
    sys.modules.pop(MODULE, None)
    if hasattr(nodes_package, "word_count"):
        delattr(nodes_package, "word_count")
    assert set(registered_types()) == shipped


def _graph(text: str = "{{inputs.message}}") -> dict[str, Any]:
    nodes = [
        {"id": "trigger_1", "type": "trigger", "data": {"kind": "manual"}},
        {"id": "wc_1", "type": "word_count", "data": {"text": text, "long_after": 3}},
        {"id": "out_short", "type": "output", "data": {"value": "short {{wc_1.output.count}}"}},
        {"id": "out_long", "type": "output", "data": {"value": "long {{wc_1.output.count}}"}},
    ]
    edges = [
        {"id": "e1", "source": "trigger_1", "target": "wc_1"},
        {"id": "e2", "source": "wc_1", "sourceHandle": "short", "target": "out_short"},
        {"id": "e3", "source": "wc_1", "sourceHandle": "long", "target": "out_long"},
    ]
    return {"nodes": nodes, "edges": edges, "notes": []}


def test_the_new_type_is_in_the_catalogue_and_passes_the_contract(word_count):
    (entry,) = [e for e in node_types_schema() if e["type"] == "word_count"]
    assert entry["icon"] == "hash" and entry["category"] == "data"
    assert entry["summary_template"] == "words of {{ text | short }}"
    assert entry["handles"] == [{"id": "short", "label": "Short"}, {"id": "long", "label": "Long"}]
    assert entry["output_paths"] == ["output.count"]
    assert entry["field_widgets"] == {"text": "prompt"}
    assert entry["has_input"] and not entry["multi_input"]
    assert "text" in entry["config_schema"]["required"]
    check_contract(word_count)
    run_example(word_count)


def test_the_new_type_validates_and_runs_its_branches(word_count):
    assert validate_graph(_graph()) == []
    bad = _graph()
    bad["edges"][1]["sourceHandle"] = "medium"
    assert [p.code for p in validate_graph(bad)] == ["unknown_handle"]
    for message, output in [("two words", "short 2"), ("one two three four", "long 4")]:
        assert asyncio.run(Runner(_graph()).run({"message": message})).output == output


def test_the_builder_renders_the_new_type(word_count):
    doc = _graph("Count   these\nwords")
    assert "word_count" in {item["type"] for item in view.palette()}
    card = {n["id"]: n for n in view.canvas_nodes(doc, {})}["wc_1"]["data"]
    assert card["icon"] == "hash" and card["title"] == "Word count"
    assert card["summary"] == "words of Count these words"
    assert [h["id"] for h in card["handles"]] == ["short", "long"]
    assert card["hasInput"] and not card["multiInput"] and not card["repeatsBody"]
    assert "{{wc_1.output.count}}" in view.variables(doc, ["trigger_1", "wc_1"])
    rows = {row.key: row for row in form.fields("word_count", doc["nodes"][1]["data"])}
    assert rows["text"].kind == "prompt" and rows["long_after"].kind == "number"
    assert form.parse("word_count", "long_after", "7") == 7
    assert "hash" in type_icons()  # the canvas gets the new icon with the others
