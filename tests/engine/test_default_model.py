"""The nodes that call a model default to the organization's default and record the real one.

``llm``, ``agent`` and ``classifier`` hold ``DEFAULT_MODEL`` unless a model is picked; the
LLM client resolves it, and the step (record, output and ``step_completed`` event) names the
model that answered, never ``"default"``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agent_platform.engine.events import RecordingEventSink
from agent_platform.engine.memory import InMemoryStepStore
from agent_platform.engine.nodes.base import Services
from agent_platform.engine.protocols import (
    DEFAULT_MODEL,
    Classification,
    LLMRequest,
    LLMResponse,
)
from agent_platform.engine.registry import describe, get_node_type
from agent_platform.engine.runner import Runner
from tests.engine.fakes import FakeLLM

MODEL_NODES = ("llm", "agent", "classifier")
RESOLVED = "fake:org-default"


class ResolvingLLM(FakeLLM):
    """Answers as the client does: ``DEFAULT_MODEL`` becomes the org's model in the reply."""

    def __init__(self) -> None:
        super().__init__(responder=self._reply)
        self.models: list[str] = []

    def _reply(self, request: LLMRequest) -> LLMResponse:
        self.models.append(request.model)
        model = RESOLVED if request.model == DEFAULT_MODEL else request.model
        return LLMResponse("The answer.", model, "fake", 4, 2)

    async def classify(self, *, model: str, **kwargs: Any) -> Classification:
        self.models.append(model)
        return Classification(0, RESOLVED if model == DEFAULT_MODEL else model, "fake", 3, 1)


@pytest.mark.parametrize("node_type", MODEL_NODES)
def test_new_model_nodes_default_to_the_organization_default(node_type):
    cls = get_node_type(node_type)
    assert cls is not None
    entry = describe(cls)
    assert entry["default_config"]["model"] == DEFAULT_MODEL  # what the builder drops
    schema = entry["config_schema"]["properties"]["model"]
    assert schema["default"] == DEFAULT_MODEL
    assert "Organization default ('default')" in schema["description"]
    assert "offline:extractive" in schema["description"]
    assert cls.parse_config({**cls.example_config, "model": "openai:gpt-4o"})
    for bad in ("", "gpt-4o", "Default"):
        with pytest.raises(ValueError):
            cls.parse_config({**cls.example_config, "model": bad})


def _graph(node_type: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    cls = get_node_type(node_type)
    assert cls is not None
    doc = cls.example_graph()
    node = next(n for n in doc["nodes"] if n["type"] == node_type)
    node["data"] = {**node["data"], **(data or {})}
    return doc


@pytest.mark.parametrize("node_type", MODEL_NODES)
def test_the_step_records_the_model_that_answered(node_type):
    llm, store, sink = ResolvingLLM(), InMemoryStepStore(), RecordingEventSink()
    runner = Runner(_graph(node_type), services=Services(llm=llm), step_store=store, events=sink)
    outcome = asyncio.run(runner.run({"message": "Where is my order?"}))
    assert outcome.status == "succeeded", outcome.error
    assert set(llm.models) == {DEFAULT_MODEL}  # the client resolves it, not the engine
    record = store.completed_steps[f"{node_type}_1"]
    assert record.model == RESOLVED and record.output["model"] == RESOLVED
    completed = [e for e in sink.events if e.type == "step_completed"]
    assert {"node_id": f"{node_type}_1", "model": RESOLVED} in [
        {"node_id": e.node_id, "model": e.data.get("model")} for e in completed
    ]


def test_a_picked_model_is_sent_and_recorded_as_is():
    llm, store = ResolvingLLM(), InMemoryStepStore()
    doc = _graph("llm", {"model": "compat:llama3"})
    outcome = asyncio.run(
        Runner(doc, services=Services(llm=llm), step_store=store).run({"message": "hi"})
    )
    assert outcome.status == "succeeded"
    assert llm.models == ["compat:llama3"]
    assert store.completed_steps["llm_1"].model == "compat:llama3"


@pytest.mark.parametrize("node_type", MODEL_NODES)
def test_the_card_names_the_organization_default(node_type):
    cls = get_node_type(node_type)
    assert cls is not None
    data = dict(describe(cls)["default_config"])
    org = {"default_model": "offline:extractive"}
    assert cls.summary(data, org).startswith("Organization default (offline:extractive) · ")
    assert cls.summary({}).startswith("Organization default · ")
    assert cls.summary({**data, "model": "openai:gpt-4o"}, org).startswith("openai:gpt-4o · ")
