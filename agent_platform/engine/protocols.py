"""The engine's ports to the outside world.

Nodes never import SDKs, databases or sockets: the runner hands them these protocols through the
node context, and ``agent_platform.integrations`` / ``agent_platform.services`` implement them.
Tests implement them with small fakes. The LLM port (messages, requests, the client, the
default model) is defined in ``engine.llm_protocol`` and re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

# The LLM port lives in its own module; re-exported here with the other ports.
from agent_platform.engine.llm_protocol import DEFAULT_MODEL as DEFAULT_MODEL
from agent_platform.engine.llm_protocol import OFFLINE_MODEL as OFFLINE_MODEL
from agent_platform.engine.llm_protocol import Category as Category
from agent_platform.engine.llm_protocol import ChatMessage as ChatMessage
from agent_platform.engine.llm_protocol import Classification as Classification
from agent_platform.engine.llm_protocol import LLMClient as LLMClient
from agent_platform.engine.llm_protocol import LLMRequest as LLMRequest
from agent_platform.engine.llm_protocol import LLMResponse as LLMResponse
from agent_platform.engine.llm_protocol import PromptSegment as PromptSegment
from agent_platform.engine.llm_protocol import TokenCallback as TokenCallback
from agent_platform.engine.llm_protocol import ToolCall as ToolCall
from agent_platform.engine.llm_protocol import ToolSpec as ToolSpec

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


# ------------------------------------------------------------------------------------------ HTTP


@dataclass(frozen=True)
class BoundCredential:
    """What a request's credential may do: the hosts it may reach, the headers it is in.

    Attributes:
        allowed_hosts: exact host names (or IPs) and ``*.domain`` patterns, normalised
            (lower-case ASCII); every hop's pinned host must match one while it is sent.
        headers: lower-case names of headers holding the credential (``authorization`` or a
            custom name); dropped, with cookies, on a cross-origin redirect.
    """

    allowed_hosts: tuple[str, ...]
    headers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HttpRequest:
    """An outbound HTTP request; ``timeout_s`` in seconds, body as text (JSON already encoded).

    ``credential`` is set when headers or the URL carry a stored credential.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    timeout_s: float = 30.0
    credential: BoundCredential | None = None


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response; ``body`` is text, capped by the client (``truncated`` says so)."""

    status: int
    headers: Mapping[str, str]
    body: str
    truncated: bool = False


class HttpClient(Protocol):
    """Outbound HTTP through the one egress guard (no private, loopback or metadata addresses).

    A request with a ``credential`` goes only to its ``allowed_hosts`` (checked on every hop)
    and loses the credential on a cross-origin redirect.

    Errors: ``PermanentError`` for a refused destination or scheme, or "credential not allowed
    for host <host>"; ``TransientError`` for timeouts and connection failures. A non-2xx
    status is returned, not raised.
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


@dataclass(frozen=True)
class HttpSecret:
    """A credential released for an HTTP request: its fields and the hosts it is bound to.

    Attributes:
        fields: the decrypted fields, e.g. ``{"api_key": "..."}``.
        allowed_hosts: normalised host patterns (never empty).
    """

    fields: Mapping[str, Any]
    allowed_hosts: tuple[str, ...]


class SecretResolver(Protocol):
    """Releases credentials for HTTP requests (``http_request``, agent HTTP tools), one org only.

    Errors: ``PermanentError`` if the credential does not exist in the run's org, is an LLM
    provider key (only ever sent to its provider), or has no allowed hosts.
    """

    async def resolve_for_http(self, credential_id: str) -> HttpSecret:
        """The credential's fields and the hosts it may be sent to."""
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
