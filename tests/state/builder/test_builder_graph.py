"""The builder's pure graph edits: ids, connection rules, paste, layout, diff, export, form."""

from __future__ import annotations

import pytest

from agent_platform.engine.validation import validate_graph
from agent_platform.services.errors import InvalidInput
from agent_platform.state.builder import fields as form
from agent_platform.state.builder import graph
from agent_platform.state.builder.view import canvas_nodes, catalog, handles, variables


def _doc(*types: str) -> dict:
    doc = graph.empty()
    for i, kind in enumerate(types):
        doc, _ = graph.add_node(doc, kind, i * 100, 0, catalog()[kind]["default_config"])
    return doc


def test_ids_are_type_and_number():
    doc = _doc("llm", "llm", "trigger")
    assert [n["id"] for n in doc["nodes"]] == ["llm_1", "llm_2", "trigger_1"]
    doc = graph.delete(doc, ["llm_1"], [])
    doc, new = graph.add_node(doc, "llm", 0, 0, {})
    assert new == "llm_1"


@pytest.mark.parametrize("bad", [None, "1", float("nan"), True, [1]])
def test_bad_positions_are_refused(bad):
    with pytest.raises(InvalidInput):
        graph.add_node(graph.empty(), "llm", bad, 0, {})


def test_unknown_types_are_refused():
    with pytest.raises(InvalidInput):
        graph.add_node(graph.empty(), "exec_python", 0, 0, {})


def test_connection_rules_say_why():
    doc = _doc("trigger", "llm", "if_else", "output", "loop")
    doc = graph.connect(doc, "trigger_1", "out", "llm_1")
    doc = graph.connect(doc, "llm_1", "out", "if_else_1")
    refusals = {
        ("llm_1", "out", "trigger_1"): "nothing can connect into it",
        ("if_else_1", "false", "llm_1"): "already has an input",
        ("llm_1", "out", "llm_1"): "itself",
        ("trigger_1", "out", "llm_1"): "already connected",
    }
    for (source, handle, target), words in refusals.items():
        with pytest.raises(InvalidInput, match=words):
            graph.connect(doc, source, handle, target)
    doc = graph.connect(doc, "if_else_1", "true", "output_1")
    doc = graph.connect(doc, "if_else_1", "false", "output_1")  # outputs merge branches
    assert len(doc["edges"]) == 4


def test_cycles_are_refused_except_into_a_loop():
    doc = _doc("trigger", "loop", "template", "join")
    doc = graph.connect(doc, "trigger_1", "out", "loop_1")
    doc = graph.connect(doc, "loop_1", "body", "template_1")
    doc = graph.connect(doc, "template_1", "out", "join_1")
    doc = graph.connect(doc, "join_1", "out", "loop_1")  # closes the loop body
    assert graph.connection_problem(doc, "join_1", "out", "template_1") is not None
    doc2 = _doc("trigger", "template", "join")
    doc2 = graph.connect(doc2, "template_1", "out", "join_1")
    with pytest.raises(InvalidInput, match="cycle"):
        graph.connect(doc2, "join_1", "out", "template_1")


def test_paste_renames_and_keeps_inner_edges():
    doc = _doc("trigger", "llm")
    doc = graph.connect(doc, "trigger_1", "out", "llm_1")
    piece = graph.fragment(doc, ["trigger_1", "llm_1"])
    doc, added = graph.paste(doc, piece)
    assert added == ["trigger_2", "llm_2"]
    assert {(e["source"], e["target"]) for e in doc["edges"]} == {
        ("trigger_1", "llm_1"),
        ("trigger_2", "llm_2"),
    }
    _, none = graph.paste(doc, {"nodes": [{"id": "x", "type": "nope"}], "edges": "junk"})
    assert none == []


def test_layout_puts_each_node_right_of_its_input():
    doc = _doc("output", "llm", "trigger")
    doc = graph.connect(doc, "trigger_1", "out", "llm_1")
    doc = graph.connect(doc, "llm_1", "out", "output_1")
    x = {n["id"]: n["position"]["x"] for n in graph.auto_layout(doc)["nodes"]}
    assert x["trigger_1"] < x["llm_1"] < x["output_1"]


def test_diff_and_export_scrub():
    old = _doc("trigger", "llm")
    new = graph.set_config(graph.delete(old, ["trigger_1"], []), "llm_1", {"credential_id": "c1"})
    new, _ = graph.add_node(new, "output", 0, 0, {})
    assert graph.diff(old, new) == {
        "added": ["output_1"],
        "removed": ["trigger_1"],
        "changed": ["llm_1"],
    }
    assert graph.scrub(new)["nodes"][0]["data"]["credential_id"] is None


def test_imported_keeps_ids_and_drops_junk():
    doc = graph.imported(
        {
            "nodes": [
                {"id": "classify", "type": "llm", "data": {"prompt": "x"}},
                {"id": "bad id", "type": "llm"},
                {"id": "t", "type": "exec"},
            ],
            "edges": [{"id": "e", "source": "classify", "target": "t"}],
        }
    )
    assert [n["id"] for n in doc["nodes"]] == ["classify"] and doc["edges"] == []


def test_five_node_graph_from_defaults_validates():
    doc = _doc("trigger", "llm", "if_else", "output", "output")
    doc = graph.connect(doc, "trigger_1", "out", "llm_1")
    doc = graph.connect(doc, "llm_1", "out", "if_else_1")
    doc = graph.connect(doc, "if_else_1", "true", "output_1")
    doc = graph.connect(doc, "if_else_1", "false", "output_2")
    assert validate_graph(doc) == []
    assert "{{trigger_1.output.message}}" in variables(doc, graph.ancestors(doc, "llm_1"))
    nodes = {n["id"]: n for n in canvas_nodes(doc, {"llm_1": ["x"]})}
    assert nodes["llm_1"]["data"]["problems"] == ["x"]
    assert [h["id"] for h in nodes["if_else_1"]["data"]["handles"]] == ["true", "false"]


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
