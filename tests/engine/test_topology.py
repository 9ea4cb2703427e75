"""Topology: upstream nodes with loop semantics, cycles, layers; lenient graph parsing."""

from __future__ import annotations

from agent_platform.engine.graph import GraphDocument, GraphEdge
from agent_platform.engine.topology import Topology, depths, find_cycles
from tests.engine.fakes import load_fixture


def _loop() -> Topology:
    return Topology.of(GraphDocument.model_validate(load_fixture("loop.json")))


def test_upstream_follows_forward_edges_nearest_first():
    topo = _loop()
    assert topo.upstream("tpl_1") == ["http_1", "loop_1", "trigger_1"]
    # The body closes back into the loop; that edge does not make the body run before it.
    assert topo.upstream("loop_1") == ["trigger_1"]
    assert topo.upstream("output_1") == ["loop_1", "trigger_1"]
    assert topo.ancestors("output_1") == {"loop_1", "trigger_1"}


def test_on_cycle_agrees_with_find_cycles():
    doc = load_fixture("loop.json")
    doc["nodes"].append({"id": "again", "type": "template", "data": {"template": "x"}})
    doc["edges"] += [
        {"id": "d1", "source": "loop_1", "sourceHandle": "done", "target": "again"},
        {"id": "d2", "source": "again", "target": "loop_1"},
    ]
    topo = Topology.of(GraphDocument.model_validate(doc))
    on_cycle = {e.id for e in topo.edges if topo.on_cycle(e)}
    (group,) = find_cycles(topo.nodes, topo.forward_edges())
    assert group == ["again", "loop_1"] and on_cycle == {"d1", "d2"}
    assert not topo.on_cycle(next(e for e in topo.edges if e.id == "e_tpl_1_out_loop_1"))


def test_handles_resolve_without_a_source_handle():
    topo = _loop()
    edge = GraphEdge(id="x", source="http_1", target="tpl_1")
    assert topo.handle_of(edge) == "out" and topo.loop_bodies["loop_1"] == {"http_1", "tpl_1"}


def test_depths_layer_forward_edges():
    topo = _loop()
    assert depths(topo.nodes, topo.forward_edges()) == {
        "trigger_1": 0,
        "loop_1": 1,
        "http_1": 2,
        "tpl_1": 3,
        "output_1": 2,
    }


def test_lenient_parsing_keeps_what_parses():
    graph = GraphDocument.lenient(
        {
            "nodes": [{"id": "a", "type": "llm"}, {"id": "", "type": "llm"}, "junk"],
            "edges": [{"id": "e", "source": "a", "target": "b"}, {"source": "a"}],
        }
    )
    assert [n.id for n in graph.nodes] == ["a"] and [e.id for e in graph.edges] == ["e"]
    assert GraphDocument.lenient("nope") == GraphDocument()
