"""Draft edits: ids, connection rules, paste, layout, diff, export, and the variable picker."""

from __future__ import annotations

import pytest

from agent_platform.engine.validation import validate_graph
from agent_platform.services.agents import draft
from agent_platform.services.errors import InvalidInput
from agent_platform.state.builder.view import canvas_nodes, catalog, variables


def _doc(*types: str) -> dict:
    doc = draft.empty()
    for i, kind in enumerate(types):
        doc, _ = draft.add_node(doc, kind, i * 100, 0, catalog()[kind]["default_config"])
    return doc


def test_ids_are_type_and_number():
    doc = _doc("llm", "llm", "trigger")
    assert [n["id"] for n in doc["nodes"]] == ["llm_1", "llm_2", "trigger_1"]
    doc = draft.delete(doc, ["llm_1"], [])
    doc, new = draft.add_node(doc, "llm", 0, 0, {})
    assert new == "llm_1"


@pytest.mark.parametrize("bad", [None, "1", float("nan"), True, [1]])
def test_bad_positions_are_refused(bad):
    with pytest.raises(InvalidInput):
        draft.add_node(draft.empty(), "llm", bad, 0, {})


def test_unknown_types_are_refused():
    with pytest.raises(InvalidInput):
        draft.add_node(draft.empty(), "exec_python", 0, 0, {})


def test_connection_rules_say_why():
    doc = _doc("trigger", "llm", "if_else", "output", "loop")
    doc = draft.connect(doc, "trigger_1", "out", "llm_1")
    doc = draft.connect(doc, "llm_1", "out", "if_else_1")
    refusals = {
        ("llm_1", "out", "trigger_1"): "nothing can connect into it",
        ("if_else_1", "false", "llm_1"): "already has an input",
        ("llm_1", "out", "llm_1"): "itself",
        ("trigger_1", "out", "llm_1"): "already connected",
    }
    for (source, handle, target), words in refusals.items():
        with pytest.raises(InvalidInput, match=words):
            draft.connect(doc, source, handle, target)
    doc = draft.connect(doc, "if_else_1", "true", "output_1")
    doc = draft.connect(doc, "if_else_1", "false", "output_1")  # outputs merge branches
    assert len(doc["edges"]) == 4


def test_cycles_are_refused_except_into_a_loop():
    doc = _doc("trigger", "loop", "template", "join")
    doc = draft.connect(doc, "trigger_1", "out", "loop_1")
    doc = draft.connect(doc, "loop_1", "body", "template_1")
    doc = draft.connect(doc, "template_1", "out", "join_1")
    doc = draft.connect(doc, "join_1", "out", "loop_1")  # closes the loop body
    assert draft.connection_problem(doc, "join_1", "out", "template_1") is not None
    doc2 = _doc("trigger", "template", "join")
    doc2 = draft.connect(doc2, "template_1", "out", "join_1")
    with pytest.raises(InvalidInput, match="cycle"):
        draft.connect(doc2, "join_1", "out", "template_1")


def test_paste_renames_and_keeps_inner_edges():
    doc = _doc("trigger", "llm")
    doc = draft.connect(doc, "trigger_1", "out", "llm_1")
    piece = draft.fragment(doc, ["trigger_1", "llm_1"])
    doc, added = draft.paste(doc, piece)
    assert added == ["trigger_2", "llm_2"]
    assert {(e["source"], e["target"]) for e in doc["edges"]} == {
        ("trigger_1", "llm_1"),
        ("trigger_2", "llm_2"),
    }
    _, none = draft.paste(doc, {"nodes": [{"id": "x", "type": "nope"}], "edges": "junk"})
    assert none == []


def test_layout_puts_each_node_right_of_its_input():
    doc = _doc("output", "llm", "trigger")
    doc = draft.connect(doc, "trigger_1", "out", "llm_1")
    doc = draft.connect(doc, "llm_1", "out", "output_1")
    x = {n["id"]: n["position"]["x"] for n in draft.auto_layout(doc)["nodes"]}
    assert x["trigger_1"] < x["llm_1"] < x["output_1"]


def test_diff_and_export_scrub():
    old = _doc("trigger", "llm")
    new = draft.set_config(draft.delete(old, ["trigger_1"], []), "llm_1", {"credential_id": "c1"})
    new, _ = draft.add_node(new, "output", 0, 0, {})
    assert draft.diff(old, new) == {
        "added": ["output_1"],
        "removed": ["trigger_1"],
        "changed": ["llm_1"],
    }
    assert draft.scrub(new)["nodes"][0]["data"]["credential_id"] is None


def test_imported_keeps_ids_and_drops_junk():
    doc = draft.imported(
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
    doc = draft.connect(doc, "trigger_1", "out", "llm_1")
    doc = draft.connect(doc, "llm_1", "out", "if_else_1")
    doc = draft.connect(doc, "if_else_1", "true", "output_1")
    doc = draft.connect(doc, "if_else_1", "false", "output_2")
    assert validate_graph(doc) == []
    assert "{{trigger_1.output.message}}" in variables(doc, draft.ancestors(doc, "llm_1"))
    nodes = {n["id"]: n for n in canvas_nodes(doc, {"llm_1": ["x"]})}
    assert nodes["llm_1"]["data"]["problems"] == ["x"]
    assert [h["id"] for h in nodes["if_else_1"]["data"]["handles"]] == ["true", "false"]


def _loop_doc() -> dict:
    """trigger -> loop; body: template_1 -> template_2 -> back into the loop; done -> output."""
    doc = _doc("trigger", "loop", "template", "template", "output")
    doc = draft.connect(doc, "trigger_1", "out", "loop_1")
    doc = draft.connect(doc, "loop_1", "body", "template_1")
    doc = draft.connect(doc, "template_1", "out", "template_2")
    doc = draft.connect(doc, "template_2", "out", "loop_1")  # closes the body
    return draft.connect(doc, "loop_1", "done", "output_1")


TEMPLATE_FIELD = {"template": "template", "output": "value", "loop": "items"}


def _accepted(doc: dict, node_id: str, reference: str) -> bool:
    """Whether validation accepts ``reference`` in ``node_id``'s config."""
    node = next(n for n in doc["nodes"] if n["id"] == node_id)
    data = {**node["data"], TEMPLATE_FIELD[node["type"]]: reference}
    problems = validate_graph(draft.set_config(doc, node_id, data))
    refs = {"unknown_variable", "variable_not_upstream"}
    return not any(p.node_id == node_id and p.code in refs for p in problems)


def test_picker_offers_exactly_what_validation_accepts_on_a_loop_graph():
    doc = _loop_doc()
    assert validate_graph(doc) == []
    offered = {n["id"]: set(variables(doc, draft.ancestors(doc, n["id"]))) for n in doc["nodes"]}
    # Inside the body, an earlier body step is offered; after the loop (and to the loop) not.
    assert "{{template_1.output}}" in offered["template_2"]
    assert "{{template_1.output}}" not in offered["output_1"]
    assert "{{template_2.output}}" not in offered["loop_1"]
    assert "{{loop_1.output}}" in offered["output_1"]
    for node_id in ("loop_1", "template_1", "template_2", "output_1"):
        for other in ("loop_1", "template_1", "template_2", "output_1"):
            reference = f"{{{{{other}.output}}}}"
            assert (reference in offered[node_id]) == _accepted(doc, node_id, reference)
        for reference in offered[node_id]:
            assert _accepted(doc, node_id, reference), (node_id, reference)


def test_ancestors_are_nearest_first():
    doc = _loop_doc()
    assert draft.ancestors(doc, "template_2") == ["template_1", "loop_1", "trigger_1"]
    assert draft.ancestors(doc, "nope") == []


def test_connecting_back_into_a_loop_from_after_it_is_a_cycle():
    doc = _loop_doc()
    doc, _ = draft.add_node(doc, "join", 0, 0, {"mode": "all"})
    doc = draft.connect(doc, "loop_1", "done", "join_1")
    with pytest.raises(InvalidInput, match="cycle"):
        draft.connect(doc, "join_1", "out", "loop_1")


def test_layout_puts_a_loop_body_right_of_the_loop():
    x = {n["id"]: n["position"]["x"] for n in draft.auto_layout(_loop_doc())["nodes"]}
    assert x["trigger_1"] < x["loop_1"] < x["template_1"] < x["template_2"]
    assert x["loop_1"] < x["output_1"]


def test_connection_problem_matches_engine_validation():
    doc = _doc("trigger", "llm", "template", "output")
    doc = draft.connect(doc, "trigger_1", "out", "llm_1")
    doc = draft.connect(doc, "trigger_1", "out", "template_1")
    forced = {
        **doc,
        "edges": [*doc["edges"], {"id": "x", "source": "llm_1", "target": "template_1"}],
    }
    assert draft.connection_problem(doc, "llm_1", "out", "template_1") is not None
    assert "multiple_inputs" in {p.code for p in validate_graph(forced)}
