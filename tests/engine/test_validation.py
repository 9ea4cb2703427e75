"""validate_graph: every problem kind, all reported at once."""

from __future__ import annotations

import copy

import pytest

from agent_platform.engine.graph import GraphDocument
from agent_platform.engine.templating import TemplateLimits
from agent_platform.engine.topology import Topology
from agent_platform.engine.validation import input_problem, shape_problems, validate_graph
from tests.engine.fakes import load_fixture


def codes(doc) -> set[str]:
    return {p.code for p in validate_graph(doc)}


@pytest.mark.parametrize(
    "name",
    [
        "linear.json",
        "http.json",
        "branching.json",
        "switch.json",
        "parallel_join.json",
        "loop.json",
        "approval.json",
        "all_nodes.json",
    ],
)
def test_fixtures_are_valid(name):
    assert validate_graph(load_fixture(name)) == []


def test_every_problem_is_reported_at_once():
    problems = validate_graph(load_fixture("invalid.json"))
    found = {p.code for p in problems}
    assert {
        "duplicate_node_id",
        "unknown_node_type",
        "invalid_config",
        "dangling_edge",
        "missing_input",
        "unreachable",
        "no_output",
        "cycle",
        "unknown_handle",
        "unknown_variable",
        "variable_not_upstream",
        "template_syntax",
    } <= found
    fields = {(p.node_id, p.field) for p in problems if p.code == "invalid_config"}
    assert ("llm_1", "temperature") in fields
    assert ("llm_1", "colour") in fields
    assert ("trigger_1", "cron") in fields
    assert ("trigger_1", "timezone") in fields
    assert ("code_1", "code") in fields
    assert all(p.message and not p.message.startswith("Traceback") for p in problems)


def test_code_syntax_error_names_the_line():
    problems = validate_graph(load_fixture("invalid.json"))
    (problem,) = [p for p in problems if p.node_id == "code_1" and p.code == "invalid_config"]
    assert "syntax error on line 1" in problem.message


def test_malformed_documents():
    assert codes("not a graph") == {"malformed_document"}
    assert codes({"nodes": [{"type": "llm"}], "edges": "nope"}) == {"malformed_document"}
    assert len(validate_graph({"nodes": [{"type": "llm"}], "edges": "nope"})) == 2


def test_empty_graph_needs_trigger_and_output():
    assert codes({"nodes": [], "edges": []}) == {"no_trigger", "no_output"}


def test_duplicate_edge_id_and_bad_node_id():
    doc = load_fixture("linear.json")
    doc["edges"][1]["id"] = doc["edges"][0]["id"]
    doc["nodes"].append({"id": "bad-id", "type": "template", "data": {"template": "x"}})
    doc["edges"].append({"id": "e9", "source": "llm_1", "target": "bad-id"})
    assert {"duplicate_edge_id", "invalid_node_id"} <= codes(doc)


def test_trigger_with_input_is_reported():
    doc = load_fixture("linear.json")
    doc["edges"].append({"id": "back", "source": "llm_1", "target": "trigger_1"})
    assert "trigger_has_input" in codes(doc)


def test_cycle_through_loop_body_is_allowed_but_not_elsewhere():
    assert validate_graph(load_fixture("loop.json")) == []
    doc = load_fixture("loop.json")
    doc["nodes"].append({"id": "again", "type": "template", "data": {"template": "x"}})
    doc["edges"] += [
        {"id": "d1", "source": "loop_1", "sourceHandle": "done", "target": "again"},
        {"id": "d2", "source": "again", "target": "loop_1"},
    ]
    assert "cycle" in codes(doc)


def test_edge_into_loop_body_from_outside():
    doc = load_fixture("loop.json")
    doc["edges"].append({"id": "sneak", "source": "trigger_1", "target": "tpl_1"})
    assert "loop_body_entry" in codes(doc)


def test_loop_item_outside_body():
    doc = load_fixture("loop.json")
    doc["nodes"][-1]["data"]["value"] = "{{loop_1.item}}"
    problems = [p for p in validate_graph(doc) if p.code == "variable_not_upstream"]
    assert problems and problems[0].node_id == "output_1"


def test_switch_handles_follow_config():
    doc = load_fixture("switch.json")
    doc["nodes"][1]["data"]["cases"].pop()  # drop case "bye" but keep its edge
    (problem,) = [p for p in validate_graph(doc) if p.code == "unknown_handle"]
    assert problem.edge_id == "e_switch_1_bye_t_bye"
    assert "greeting" in problem.message


def test_missing_source_handle_on_branching_node():
    doc = load_fixture("branching.json")
    del doc["edges"][1]["sourceHandle"]
    assert "unknown_handle" in codes(doc)


def test_downstream_variable_is_not_upstream():
    doc = copy.deepcopy(load_fixture("linear.json"))
    doc["nodes"][1]["data"]["prompt"] = "{{output_1.output}}"
    assert "variable_not_upstream" in codes(doc)


def test_schedule_trigger_requires_cron():
    doc = load_fixture("linear.json")
    doc["nodes"][0]["data"] = {"kind": "schedule", "timezone": "Europe/Paris"}
    assert "invalid_config" in codes(doc)
    doc["nodes"][0]["data"]["cron"] = "0 9 * * 1-5"
    assert validate_graph(doc) == []


def test_single_input_steps_take_one_connection():
    doc = load_fixture("branching.json")  # the output merges two branches: allowed
    doc["edges"].append({"id": "twice", "source": "if_1", "sourceHandle": "true", "target": "low"})
    (problem,) = [p for p in validate_graph(doc) if p.code == "multiple_inputs"]
    assert (problem.node_id, problem.edge_id) == ("low", "twice")
    assert "Join" in problem.message


def test_input_problem_is_the_rule_the_builder_asks():
    doc = load_fixture("branching.json")
    doc["edges"] += [
        {"id": "x1", "source": "high", "target": "low"},
        {"id": "x2", "source": "high", "target": "trigger_1"},
    ]
    topo = Topology.of(GraphDocument.model_validate(doc))
    assert input_problem(topo, "low") == "multiple_inputs"
    assert input_problem(topo, "trigger_1") == "trigger_has_input"
    assert input_problem(topo, "output_1") is None  # outputs are multi_input
    assert input_problem(topo, "high") is None and input_problem(topo, "ghost") is None


def test_validation_lists_a_limit_problem():
    doc = {
        "nodes": [
            {"id": "t", "type": "trigger", "data": {"kind": "api"}},
            {"id": "tpl", "type": "template", "data": {"template": "{{ 'x' * 10**10 }}"}},
            {"id": "out", "type": "output", "data": {"value": "{{ tpl.output }}"}},
        ],
        "edges": [
            {"id": "e1", "source": "t", "target": "tpl"},
            {"id": "e2", "source": "tpl", "target": "out"},
        ],
    }
    problems = validate_graph(doc)
    assert [(p.node_id, p.code) for p in problems] == [("tpl", "template_limit")]
    assert "over the limit" in problems[0].message
    doc["nodes"][1]["data"]["template"] = "{{ 'x' * 10 }}"
    assert validate_graph(doc) == []
    doc["nodes"][1]["data"]["template"] = "{{ 'x' * 100 }}"
    assert validate_graph(doc, template_limits=TemplateLimits(max_string_size=50))[0].code == (
        "template_limit"
    )


def test_graph_template_total_is_bounded():
    doc = {
        "nodes": [{"id": "t", "type": "trigger", "data": {"kind": "api"}}]
        + [
            {"id": f"tpl{i}", "type": "template", "data": {"template": "{{ a }}{{ b }}"}}
            for i in range(5)
        ],
        "edges": [],
    }
    limits = TemplateLimits(max_graph_tokens=20)
    found = [p for p in validate_graph(doc, template_limits=limits) if p.code == "template_limit"]
    assert len(found) == 1 and "in all" in found[0].message


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"nodes": 1},
        {"nodes": [1]},
        {"nodes": [{"id": "a"}]},
        {"edges": [{"id": "e", "source": "a"}]},
        {"nodes": [{"id": "a", "type": "llm", "position": {"x": "1"}}]},
        {"nodes": [{"id": "a", "type": "llm", "position": {"x": True}}]},
    ],
)
def test_shape_problems_name_what_is_not_a_graph(doc):
    problems = shape_problems(doc)
    assert problems and {p.code for p in problems} == {"malformed_document"}


def test_an_unfinished_draft_has_the_shape_of_a_graph():
    draft = {"nodes": [{"id": "a", "type": "llm", "position": {"x": 1, "y": 2.5}, "width": 3}],
             "edges": [], "notes": [{"id": "n1", "text": "later"}]}  # fmt: skip
    assert shape_problems(draft) == [] and validate_graph(draft) != []
    assert shape_problems({}) == []
