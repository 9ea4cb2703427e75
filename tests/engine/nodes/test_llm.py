"""``llm``: structured output, the template sandbox, and what the builder shows."""

from __future__ import annotations

import asyncio

from agent_platform.engine.nodes.base import Services
from agent_platform.engine.nodes.llm import LLMNode
from agent_platform.engine.runner import Runner
from tests.engine.fakes import FakeLLM, load_fixture, run_node


def test_llm_structured_output_and_invalid_json():
    doc = load_fixture("linear.json")
    doc["nodes"][1]["data"]["response_schema"] = {"type": "object"}
    doc["nodes"][2]["data"]["value"] = "{{llm_1.output.json.answer}}"
    ok = Runner(doc, services=Services(llm=FakeLLM(['```json\n{"answer": 42}\n```'])))
    assert asyncio.run(ok.run({"name": "x"})).output == 42
    bad = Runner(doc, services=Services(llm=FakeLLM(["not json"])))
    outcome = asyncio.run(bad.run({"name": "x"}))
    assert outcome.status == "failed" and "valid JSON" in outcome.error


def test_prompt_cannot_escape_the_sandbox():
    doc = load_fixture("linear.json")
    doc["nodes"][1]["data"]["prompt"] = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    llm = FakeLLM()
    outcome = asyncio.run(Runner(doc, services=Services(llm=llm)).run({"name": "x"}))
    assert outcome.status == "failed" and "unsafe" in outcome.error
    assert llm.requests == []


def test_summary_shows_the_model_and_the_start_of_the_prompt():
    prompt = "Answer   politely:\n" + "word " * 30
    line = LLMNode.summary({"model": "openai:gpt-4o", "prompt": prompt})
    assert line.startswith("openai:gpt-4o · Answer politely: word")
    assert len(line) == len("openai:gpt-4o · ") + 60 and line.endswith("…")
    assert LLMNode.summary({}) == "Organization default · "
    assert LLMNode.variable_paths({}) == ["output.text"]


def test_the_prompt_reaches_the_model_with_its_substituted_values_marked():
    llm = FakeLLM(["ok"])
    data = {"system_prompt": "Be brief.", "prompt": "Answer from this message: {{inputs.message}}"}
    message = "The code word is PURPLE. What is the code word?"
    run_node("llm", data, services=Services(llm=llm), inputs={"message": message})
    system, user = llm.requests[0].messages
    assert user.content == f"Answer from this message: {message}"
    assert user.substituted == (message,)  # what the offline provider may quote
    assert [s.value for s in user.segments] == [False, True]
    assert system.content == "Be brief." and system.substituted is None
