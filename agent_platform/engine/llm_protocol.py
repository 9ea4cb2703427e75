"""The engine's LLM port: messages, requests, replies, classification and the client protocol.

Re-exported by ``engine.protocols`` with the other ports; nodes import from either.

Two conventions run through it:

* ``DEFAULT_MODEL`` (``"default"``) is a model reference meaning "the organization's
  default model". It is what new ``llm``, ``agent`` and ``classifier`` nodes hold; the client
  resolves it per call, and the reply's ``model`` names the model that really answered.
* A message rendered from a template carries its ``segments``: the template's own text and
  the values substituted into it, in order. Providers send ``content``; the offline provider
  quotes the substituted content, never the template's instructions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

DEFAULT_MODEL = "default"
"""The organization's default model: the first configured provider's, else offline."""
OFFLINE_MODEL = "offline:extractive"
"""The offline provider's model, used when the organization configured no provider."""


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
class PromptSegment:
    """A piece of a rendered template.

    Attributes:
        text: the piece's text.
        value: ``True`` for the output of a ``{{ ... }}`` expression (the user's message, an
            upstream output, retrieved passages), ``False`` for the template's own text.
    """

    text: str
    value: bool = False


@dataclass(frozen=True)
class ChatMessage:
    """One message of a conversation in provider-neutral form.

    Attributes:
        segments: set when ``content`` was rendered from a template: its pieces in order,
            their texts joined being ``content``. Empty for text that was not rendered
            (tool results, replies).
    """

    role: Literal["system", "user", "assistant", "tool"]
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    segments: tuple[PromptSegment, ...] = ()

    @property
    def substituted(self) -> tuple[str, ...] | None:
        """The texts of the values substituted into the template, ``None`` if none were."""
        values = tuple(s.text for s in self.segments if s.value)
        return values if any(s.value for s in self.segments) else None


@dataclass(frozen=True)
class LLMRequest:
    """A chat completion request.

    Attributes:
        model: a model reference ``"<provider>:<model>"`` such as ``"openai:gpt-4o-mini"``,
            ``"anthropic:claude-sonnet-4-5"``, ``"compat:llama3"`` or ``"offline:extractive"``,
            or ``DEFAULT_MODEL`` for the organization's default.
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
        model: the model that answered, labelled truthfully (``"offline:extractive"`` offline;
            never ``DEFAULT_MODEL``).
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
    """The classifier's choice: the index into the categories given, the model and the usage."""

    index: int
    model: str
    provider: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


@runtime_checkable
class LLMClient(Protocol):
    """One interface over OpenAI, Anthropic, OpenAI-compatible servers and the offline provider.

    ``DEFAULT_MODEL`` in a request (or in ``classify``) is resolved by the client: to the
    default model of the organization's first configured provider (of the request's
    credential when one is given), or ``OFFLINE_MODEL`` when none is configured.

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
