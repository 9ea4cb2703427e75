"""The engine's ports to the outside world.

Nodes never import SDKs, databases or sockets: the runner hands them these protocols through the
node context, and ``agent_platform.integrations`` / ``agent_platform.services`` implement them.
Tests implement them with small fakes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

# ---------------------------------------------------------------------------------------- errors


class NodeError(Exception):
    """A node failed. ``transient`` errors may be retried by the node's retry policy."""

    transient: bool = False

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details or {})


class TransientError(NodeError):
    """A failure worth retrying (timeouts, HTTP 429/5xx, connection resets)."""

    transient = True


class PermanentError(NodeError):
    """A failure that retrying cannot fix (bad config, 4xx, invalid output)."""


# ------------------------------------------------------------------------------------------- LLM


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model. ``parameters`` is a JSON schema object."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """A tool call requested by the model; ``arguments`` already parsed from JSON."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ChatMessage:
    """One message of a conversation in provider-neutral form."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class LLMRequest:
    """A chat completion request.

    Attributes:
        model: a model reference ``"<provider>:<model>"`` such as ``"openai:gpt-4o-mini"``,
            ``"anthropic:claude-sonnet-4-5"``, ``"compat:llama3"`` or ``"offline:extractive"``.
        response_schema: when set, the reply must be a JSON document matching this JSON schema.
        credential_id: the vault credential holding the provider key (``None``: the org default).
    """

    model: str
    messages: tuple[ChatMessage, ...]
    temperature: float | None = None
    max_tokens: int | None = None
    tools: tuple[ToolSpec, ...] = ()
    response_schema: dict[str, Any] | None = None
    credential_id: str | None = None


@dataclass(frozen=True)
class LLMResponse:
    """A completed reply. Token counts are as reported by the provider (offline: estimated).

    Attributes:
        model: the model that answered, labelled truthfully (``"offline:extractive"`` offline).
        cost_usd: the cost computed from the editable price table (0 when unpriced).
    """

    text: str
    model: str
    provider: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "stop"


TokenCallback = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Category:
    """A branch the classifier may pick."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class Classification:
    """The classifier's choice: the index into the categories given, and the usage."""

    index: int
    model: str
    provider: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


@runtime_checkable
class LLMClient(Protocol):
    """One interface over OpenAI, Anthropic, OpenAI-compatible servers and the offline provider.

    Errors: raises ``TransientError`` after retries on 429/5xx/timeouts are exhausted, and
    ``PermanentError`` for anything retrying cannot fix (bad key, unknown model, bad request).
    """

    async def complete(
        self, request: LLMRequest, *, on_token: TokenCallback | None = None
    ) -> LLMResponse:
        """Complete a chat; when ``on_token`` is given, stream and call it per text delta."""
        ...

    async def classify(
        self,
        *,
        model: str,
        text: str,
        categories: tuple[Category, ...],
        credential_id: str | None = None,
    ) -> Classification:
        """Pick the category that best fits ``text``."""
        ...


# ------------------------------------------------------------------------------------------ HTTP


@dataclass(frozen=True)
class HttpRequest:
    """An outbound HTTP request; ``timeout_s`` in seconds, body as text (JSON already encoded)."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    timeout_s: float = 30.0


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response; ``body`` is text, capped by the client (``truncated`` says so)."""

    status: int
    headers: Mapping[str, str]
    body: str
    truncated: bool = False


class HttpClient(Protocol):
    """Outbound HTTP through the one egress guard (no private, loopback or metadata addresses).

    Errors: ``PermanentError`` for a refused destination or scheme; ``TransientError`` for
    timeouts and connection failures. A non-2xx status is returned, not raised.
    """

    async def request(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return the response."""
        ...


# ------------------------------------------------------------------------------------------ code


@dataclass(frozen=True)
class CodeResult:
    """The outcome of sandboxed code: ``result`` is the JSON value ``main`` returned."""

    result: Any
    stdout: str = ""
    duration_ms: int = 0


class CodeExecutor(Protocol):
    """Runs Python in an isolated subprocess: no network, no env, CPU/memory/time limits.

    The code defines ``def main(**inputs)`` returning a JSON-serialisable value.
    Errors: ``PermanentError`` with the traceback's last line for code errors, limits and
    non-JSON results.
    """

    async def run(
        self, *, code: str, inputs: Mapping[str, Any], timeout_s: float, memory_mb: int
    ) -> CodeResult:
        """Run ``code``'s ``main(**inputs)`` in the sandbox."""
        ...


# ------------------------------------------------------------------------------- secrets & state


class SecretResolver(Protocol):
    """Resolves a credential reference to its plaintext fields, for the current org only.

    Errors: ``PermanentError`` if the credential does not exist in the run's org.
    """

    async def resolve(self, credential_id: str) -> dict[str, Any]:
        """The decrypted credential fields, e.g. ``{"api_key": "..."}``."""
        ...


@dataclass(frozen=True)
class ApprovalDecision:
    """A decision on an approval request: ``outcome`` is approved, rejected or timeout."""

    outcome: Literal["approved", "rejected", "timeout"]
    comment: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    decided_by: str | None = None


class ApprovalGate(Protocol):
    """Creates approval requests and reads their decisions; the run pauses in between."""

    async def request(self, *, step_key: str, node_id: str, payload: dict[str, Any]) -> None:
        """Open an approval request for this step (idempotent per ``step_key``)."""
        ...

    async def decision(self, *, step_key: str) -> ApprovalDecision | None:
        """The decision for this step, or ``None`` while it is still pending."""
        ...


class SubAgentRunner(Protocol):
    """Runs another agent's published version to completion and returns its output."""

    async def run(self, *, agent_id: str, inputs: dict[str, Any], step_key: str) -> Any:
        """Run the agent; ``step_key`` makes a redelivered or resumed call reuse the child.

        Raises ``nodes.sub_agent.SubAgentWaiting`` while the child waits for an approval.
        """
        ...


@dataclass(frozen=True)
class RetrievedChunk:
    """A chunk returned by knowledge retrieval, with its citation."""

    text: str
    score: float
    document_id: str
    document_title: str
    knowledge_base_id: str
    metadata: dict[str, Any] = field(default_factory=dict)


class Retriever(Protocol):
    """Searches an org's knowledge bases (implemented by the knowledge-base feature)."""

    async def search(
        self, *, knowledge_base_ids: list[str], query: str, top_k: int, mode: str
    ) -> list[RetrievedChunk]:
        """Top ``top_k`` chunks for ``query``; ``mode`` is vector, full_text or hybrid."""
        ...


# ------------------------------------------------------------------------------ steps & events


@dataclass(frozen=True)
class StepRecord:
    """A completed step, as stored and as replayed.

    Attributes:
        step_key: deterministic key, e.g. ``"llm_1"``, ``"loop_1[3]/http_2"``,
            ``"agent_1/tool[2]:search"``.
        output: the step's JSON output.
        handle: the output handle the step chose (branching nodes), else ``None``.
        cost_usd: US dollars.
        parent_key: set on sub-steps (an agent's model turns and tool calls). Their usage is a
            breakdown of the parent's, which already includes it: sum top-level steps only.
    """

    step_key: str
    node_id: str
    node_type: str
    output: Any = None
    handle: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    model: str | None = None
    logs: tuple[str, ...] = ()
    parent_key: str | None = None


@runtime_checkable
class StepStore(Protocol):
    """Durable record of a run's steps (Postgres in production); the basis of replay.

    Before executing a step the runner calls :meth:`completed`; a record found there is reused
    without running the node again, so a redelivered or resumed run never repeats a completed
    side effect. ``attempt`` counts from 1. ``duration_ms`` is wall time in milliseconds.
    """

    async def completed(self, step_key: str) -> StepRecord | None:
        """The succeeded step with this key, or ``None``."""
        ...

    async def step_started(
        self, *, step_key: str, node_id: str, node_type: str, attempt: int, inputs: dict[str, Any]
    ) -> None:
        """A step attempt began; ``inputs`` are the outputs of its direct predecessors."""
        ...

    async def step_succeeded(self, record: StepRecord, *, duration_ms: int, attempt: int) -> None:
        """The step attempt succeeded with ``record`` (later returned by :meth:`completed`)."""
        ...

    async def step_failed(
        self,
        *,
        step_key: str,
        node_id: str,
        error: str,
        transient: bool,
        duration_ms: int,
        attempt: int,
    ) -> None:
        """The step attempt failed (it may be retried if ``transient``)."""
        ...

    async def step_skipped(self, *, step_key: str, node_id: str) -> None:
        """The step is on a branch that was not taken; it did not run."""
        ...

    async def step_paused(self, *, step_key: str, node_id: str, payload: Any) -> None:
        """The step waits for a person (approval); the run pauses."""
        ...

    async def is_cancelled(self) -> bool:
        """Whether the run was cancelled; checked between steps."""
        ...


RunEventType = Literal[
    "step_started",
    "step_completed",
    "step_failed",
    "step_retrying",
    "step_skipped",
    "waiting_approval",
    "token",
    "run_finished",
]


@dataclass(frozen=True)
class RunEvent:
    """A progress event for live views; ``data`` is JSON (``token``: ``{"text": delta}``)."""

    type: RunEventType
    step_key: str | None = None
    node_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class EventSink(Protocol):
    """Receives run events (e.g. to Redis pub/sub for the canvas). Must not raise."""

    async def emit(self, event: RunEvent) -> None:
        """Publish one event."""
        ...
