"""``parallel``: passes its input on; the runner starts every branch."""

from __future__ import annotations

from tests.engine.fakes import run_node


def test_passes_a_single_input_through_and_several_by_node_id():
    assert run_node("parallel", {}, incoming={"a": {"x": 1}}).output == {"x": 1}
    both = {"a": 1, "b": 2}
    assert run_node("parallel", {}, incoming=both).output == both
