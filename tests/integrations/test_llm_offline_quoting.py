"""The offline provider quotes a templated prompt's content, not the template's instructions.

The engine marks what was substituted into each rendered prompt (``ChatMessage.segments``);
``offline:extractive`` quotes that content, falls back to the template's own complete
sentences, and never echoes a lead-in such as "Answer from this message:".
"""

from __future__ import annotations

import asyncio

import pytest

from agent_platform.engine.nodes.base import Services
from agent_platform.engine.protocols import ChatMessage, LLMRequest, PromptSegment
from agent_platform.engine.runner import Runner
from agent_platform.integrations.llm import LLMRouter, OfflineLLM
from agent_platform.integrations.llm.offline import NO_MATCH

pytestmark = pytest.mark.anyio

PURPLE = "The code word is PURPLE. What is the code word?"
INSTRUCTION = "Answer from this message: "
ANSWER = "The code word is PURPLE."


def _templated(role: str, *pieces: tuple[str, bool]) -> ChatMessage:
    segments = tuple(PromptSegment(text, value) for text, value in pieces)
    return ChatMessage(role, "".join(s.text for s in segments), segments=segments)  # type: ignore[arg-type]


async def test_offline_quotes_the_substituted_message_not_the_instruction():
    user = _templated("user", (INSTRUCTION, False), (PURPLE, True))
    resp = await OfflineLLM().complete(LLMRequest("offline:extractive", (user,)))
    assert resp.text == "The code word is PURPLE."
    # The same text without segments (not rendered by the engine) is quoted as a whole.
    plain = ChatMessage("user", user.content)
    resp = await OfflineLLM().complete(LLMRequest("offline:extractive", (plain,)))
    assert resp.text == "Answer from this message: The code word is PURPLE."


async def test_offline_prefers_the_content_to_the_templates_own_statements():
    system = _templated("system", ("The code word is GREEN. Context: ", False), (ANSWER, True))
    user = _templated("user", ("Question: ", False), ("What is the code word?", True))
    resp = await OfflineLLM().complete(LLMRequest("offline:extractive", (system, user)))
    assert resp.text == ANSWER
    # Nothing relevant in the content: the template's own complete sentences may answer.
    user = _templated(
        "user", ("Orders ship in two days. Question: ", False), ("When does my order ship?", True)
    )
    resp = await OfflineLLM().complete(LLMRequest("offline:extractive", (user,)))
    assert resp.text == "Orders ship in two days."


async def test_offline_never_quotes_a_lead_in_or_the_tail_of_a_value_sentence():
    lead_in = _templated("system", ("The code word is in this message: ", False), ("Hi.", True))
    user = ChatMessage("user", "What is the code word?")
    resp = await OfflineLLM().complete(LLMRequest("offline:extractive", (lead_in, user)))
    assert resp.text == NO_MATCH  # the lead-in is the template's framing, not a statement
    system = _templated(
        "system",
        ("Customer ", False),
        ("Ada", True),
        (" asked about refunds. Refunds take 5 days.", False),
    )
    user = _templated("user", ("Q: ", False), ("How long do refunds take?", True))
    resp = await OfflineLLM().complete(LLMRequest("offline:extractive", (system, user)))
    assert resp.text == "Refunds take 5 days."


async def test_offline_quotes_a_static_system_prompt_and_retrieved_passages():
    facts = _templated("system", ("Refunds take 5 days. Shops open at 9am.", False))
    passages = "[1] Shipping to Portugal is free over 50 euros."
    pieces = [("Sources:\n", False), (passages, True), ("\nQ: ", False), ("Free shipping?", True)]
    user = _templated("user", *pieces)
    resp = await OfflineLLM().complete(LLMRequest("offline:extractive", (facts, user)))
    assert resp.text == passages
    user = _templated("user", ("Please answer: ", False), ("When do shops open?", True))
    resp = await OfflineLLM().complete(LLMRequest("offline:extractive", (facts, user)))
    assert resp.text == "Shops open at 9am."


def test_a_prompt_with_an_instruction_is_answered_from_the_message_through_the_engine():
    data = {"model": "offline:extractive", "prompt": INSTRUCTION + "{{inputs.message}}"}
    doc = {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "chat"}},
            {"id": "llm_1", "type": "llm", "data": data},
            {"id": "output_1", "type": "output", "data": {"value": "{{llm_1.output.text}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "llm_1"},
            {"id": "e2", "source": "llm_1", "target": "output_1"},
        ],
    }
    outcome = asyncio.run(Runner(doc, services=Services(llm=LLMRouter())).run({"message": PURPLE}))
    assert outcome.status == "succeeded", outcome.error
    assert outcome.output == ANSWER
