"""Small fake implementations of the engine's protocols (no mocks)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from agent_platform.engine.nodes.base import NodeContext, NodeResult, Services
from agent_platform.engine.protocols import (
    ApprovalDecision,
    Classification,
    CodeResult,
    HttpRequest,
    HttpResponse,
    HttpSecret,
    LLMRequest,
    LLMResponse,
    PermanentError,
    RetrievedChunk,
    TokenCallback,
    ToolCall,
    TransientError,
)
from agent_platform.engine.registry import get_node_type

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> dict[str, Any]:
    """A graph fixture from ``tests/engine/fixtures``."""
    return json.loads((FIXTURES / name).read_text())


class FakeLLM:
    """Replies from a script (or echoes the prompt); streams word by word.

    ``replies`` items are text or ``LLMResponse``; once exhausted, echoes the last user message.
    """

    def __init__(
        self,
        replies: list[Any] | None = None,
        *,
        category_index: int = 0,
        responder: Callable[[LLMRequest], Any] | None = None,
    ) -> None:
        self.replies = list(replies or [])
        self.responder = responder
        self.requests: list[LLMRequest] = []
        self.category_index = category_index
        self.classified: list[str] = []

    async def complete(
        self, request: LLMRequest, *, on_token: TokenCallback | None = None
    ) -> LLMResponse:
        self.requests.append(request)
        if self.responder is not None:
            reply = self.responder(request)
        elif self.replies:
            reply = self.replies.pop(0)
        else:
            reply = f"echo: {request.messages[-1].content}"
        if isinstance(reply, str):
            reply = LLMResponse(
                reply, "fake:model", "fake", input_tokens=10, output_tokens=5, cost_usd=0.001
            )
        if on_token is not None:
            for word in reply.text.split(" "):
                await on_token(word + " ")
        return reply

    async def classify(
        self, *, model: str, text: str, categories: Any, credential_id: str | None = None
    ) -> Classification:
        self.classified.append(text)
        return Classification(self.category_index, "fake:model", "fake", 3, 1, 0.0001)


def tool_reply(*calls: tuple[str, dict[str, Any]]) -> LLMResponse:
    """An LLM reply asking for tool calls."""
    tool_calls = tuple(ToolCall(f"call_{i}", name, args) for i, (name, args) in enumerate(calls))
    return LLMResponse("", "fake:model", "fake", 7, 3, 0.002, tool_calls=tool_calls)


class FakeHttp:
    """Counts requests; answers from ``responder(request)`` or 200 with a JSON echo."""

    def __init__(self, responder: Callable[[HttpRequest], HttpResponse] | None = None) -> None:
        self.requests: list[HttpRequest] = []
        self.responder = responder

    @property
    def calls(self) -> int:
        return len(self.requests)

    async def request(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        if self.responder is not None:
            return self.responder(request)
        body = json.dumps({"url": request.url, "items": [1, 2, 3], "ok": True})
        return HttpResponse(200, {"content-type": "application/json"}, body)


class FlakyHttp(FakeHttp):
    """Answers 503 ``failures`` times, then 200."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def request(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        if len(self.requests) <= self.failures:
            return HttpResponse(503, {}, "busy")
        return HttpResponse(200, {}, '{"ok": true}')


class SlowHttp(FakeHttp):
    """Sleeps ``delay`` seconds per URL containing ``slow``."""

    def __init__(self, delay: float = 2.0) -> None:
        super().__init__()
        self.delay = delay

    async def request(self, request: HttpRequest) -> HttpResponse:
        if "slow" in request.url:
            await asyncio.sleep(self.delay)
        return await super().request(request)


class FakeCode:
    """Pretends to run sandboxed code: returns the inputs plus the code's length."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def run(
        self, *, code: str, inputs: Mapping[str, Any], timeout_s: float, memory_mb: int
    ) -> CodeResult:
        self.calls.append(dict(inputs))
        return CodeResult({"inputs": dict(inputs), "code_chars": len(code)}, stdout="ran")


class FakeSecrets:
    """A dict of credential id -> fields, each bound to ``hosts``."""

    def __init__(
        self,
        secrets: dict[str, dict[str, Any]] | None = None,
        hosts: tuple[str, ...] = ("api.example.com",),
    ) -> None:
        self.secrets = secrets or {"cred_1": {"token": "s3cret"}}
        self.hosts = hosts

    async def resolve_for_http(self, credential_id: str) -> HttpSecret:
        if credential_id not in self.secrets:
            raise PermanentError("unknown credential")
        return HttpSecret(self.secrets[credential_id], self.hosts)


class FakeApprovals:
    """Records requests; decisions are set by the test."""

    def __init__(self) -> None:
        self.requests: dict[str, dict[str, Any]] = {}
        self.decisions: dict[str, ApprovalDecision] = {}

    async def request(self, *, step_key: str, node_id: str, payload: dict[str, Any]) -> None:
        self.requests.setdefault(step_key, payload)

    async def decision(self, *, step_key: str) -> ApprovalDecision | None:
        return self.decisions.get(step_key)

    def decide(self, step_key: str, outcome: str = "approved") -> None:
        self.decisions[step_key] = ApprovalDecision(outcome, decided_by="user_1")  # type: ignore[arg-type]


class FakeSubAgents:
    """Returns a canned reply per agent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], str]] = []

    async def run(self, *, agent_id: str, inputs: dict[str, Any], step_key: str) -> Any:
        self.calls.append((agent_id, inputs, step_key))
        return {"agent": agent_id, "reply": f"sub says hi to {inputs}"}


class FakeRetriever:
    """Always returns one chunk."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    async def search(
        self, *, knowledge_base_ids: list[str], query: str, top_k: int, mode: str
    ) -> list[RetrievedChunk]:
        self.queries.append(query)
        return [
            RetrievedChunk("Opening hours: 9-5", 0.9, "doc_1", "Handbook", knowledge_base_ids[0])
        ]


def transient(message: str = "try again") -> TransientError:
    return TransientError(message)


def fake_services(**overrides: Any) -> Services:
    """Services with every port faked (``overrides`` replace single ports)."""
    ports: dict[str, Any] = {
        "llm": FakeLLM(),
        "http": FakeHttp(),
        "code": FakeCode(),
        "secrets": FakeSecrets(),
        "approvals": FakeApprovals(),
        "sub_agents": FakeSubAgents(),
        "retriever": FakeRetriever(),
    }
    return Services(**(ports | overrides))


def run_node(
    node_type: str,
    data: Mapping[str, Any],
    *,
    services: Services | None = None,
    inputs: Mapping[str, Any] | None = None,
    variables: Mapping[str, Any] | None = None,
    incoming: Mapping[str, Any] | None = None,
    run_body: Callable[[int, Any], Awaitable[Any]] | None = None,
) -> NodeResult:
    """Run one node of ``node_type`` with config ``data`` outside a graph.

    ``variables`` default to ``{"inputs": inputs}``; the step key is the node id ``<type>_1``.
    """
    cls = get_node_type(node_type)
    assert cls is not None, node_type
    inputs = dict(inputs or {})
    ctx = NodeContext(
        node_id=f"{node_type}_1",
        node_type=node_type,
        step_key=f"{node_type}_1",
        config=cls.parse_config(data),
        inputs=inputs,
        variables={"inputs": inputs, **(variables or {})},
        incoming=dict(incoming or {}),
        services=services or Services(),
        run_body=run_body,
    )
    return asyncio.run(cls(ctx.config).run(ctx))
