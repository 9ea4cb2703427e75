"""``classifier``: each category is a handle; the model's choice picks it."""

from __future__ import annotations

import asyncio

import pytest

from agent_platform.engine.nodes.base import Services
from agent_platform.engine.nodes.classifier import ClassifierNode
from agent_platform.engine.protocols import Classification, PermanentError
from agent_platform.engine.runner import Runner
from tests.engine.fakes import FakeLLM, load_fixture, run_node


def test_classifier_branches_on_category():
    doc = load_fixture("all_nodes.json")
    llm = FakeLLM(category_index=1)
    runner = Runner(doc, services=Services(llm=llm))
    outcome = asyncio.run(runner.run({"message": "hello", "items": []}))
    assert outcome.status == "succeeded"
    assert outcome.output == "fallback"
    assert llm.classified == ["hello"]


class _OutOfRange(FakeLLM):
    async def classify(self, **kwargs) -> Classification:
        return Classification(7, "fake:model", "fake", 1, 1, 0.0)


def test_an_unknown_category_index_fails_permanently():
    data = ClassifierNode.example_config
    with pytest.raises(PermanentError, match="unknown category #7"):
        run_node("classifier", data, services=Services(llm=_OutOfRange()), inputs={"message": "hi"})


def test_handles_follow_the_categories():
    config = ClassifierNode.parse_config(ClassifierNode.example_config)
    assert [h.id for h in ClassifierNode.output_handles(config)] == ["question", "complaint"]
    assert ClassifierNode.dynamic_handles
