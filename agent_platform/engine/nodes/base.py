"""The small generic base every node type builds on.

A node type is one module: a ``Config`` pydantic model (``extra="forbid"``) plus a
``Node[Config]`` subclass with ClassVar metadata and ``async def run(ctx) -> NodeResult``.
Defining the subclass registers it; the registry serves the catalogue to the builder.
"""

from __future__ import annotations

import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from agent_platform.engine import templating
from agent_platform.engine.protocols import (
    ApprovalGate,
    CodeExecutor,
    HttpClient,
    LLMClient,
    PermanentError,
    Retriever,
    SecretResolver,
    SubAgentRunner,
    TokenCallback,
)

NodeCategory = Literal["trigger", "ai", "logic", "data", "integration", "human", "output"]


class RetryPolicy(BaseModel):
    """Retries for ``TransientError`` only; waits ``backoff_seconds * multiplier**(n-1)``."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=1, ge=1, le=10, description="Tries in total, 1 = no retry")
    backoff_seconds: float = Field(default=1.0, ge=0, le=300, description="First wait, seconds")
    backoff_multiplier: float = Field(default=2.0, ge=1, le=10)


class NodeConfig(BaseModel):
    """Fields every node's config has. Subclasses add their own; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=200, description="Name shown on the canvas")
    retry: RetryPolicy = Field(default_factory=RetryPolicy)


ConfigT = TypeVar("ConfigT", bound=NodeConfig)


@dataclass(frozen=True)
class Handle:
    """An output handle edges leave from; ``id`` is the edge's ``sourceHandle``."""

    id: str
    label: str


@dataclass
class NodeResult:
    """What a node produced.

    Attributes:
        output: a JSON value, available downstream as ``{{node_id.output}}``.
        handle: the output handle to follow (branching nodes); ``None`` follows all.
        status: ``paused`` stops the run until resumed (approvals); ``output`` then holds the
            request payload.
        cost_usd: US dollars.
    """

    output: Any = None
    handle: str | None = None
    status: Literal["succeeded", "paused"] = "succeeded"
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    model: str | None = None
    logs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Services:
    """The ports a run may use; any may be ``None`` (a node needing it then fails)."""

    llm: LLMClient | None = None
    http: HttpClient | None = None
    code: CodeExecutor | None = None
    secrets: SecretResolver | None = None
    approvals: ApprovalGate | None = None
    sub_agents: SubAgentRunner | None = None
    retriever: Retriever | None = None


SubstepFn = Callable[[], Awaitable[NodeResult]]


@dataclass
class NodeContext(Generic[ConfigT]):
    """Everything a node may use while it runs.

    Attributes:
        variables: the template context: ``inputs``, ``{node_id: {"output": ...}}`` for every
            completed upstream node, and ``{loop_id: {"item", "index"}}`` inside loop bodies.
        incoming: outputs of the direct predecessors whose edges were taken, by node id.
        run_body: set for loop nodes: runs the body for ``(index, item)`` and returns the
            iteration's output.
        substep: records a sub-operation (an agent's tool call) as its own replayable step
            keyed ``"<step_key>/<name>"``; a completed one is returned without re-running.
    """

    node_id: str
    node_type: str
    step_key: str
    config: ConfigT
    inputs: Mapping[str, Any]
    variables: Mapping[str, Any]
    incoming: Mapping[str, Any]
    services: Services
    on_token: TokenCallback | None = None
    run_body: Callable[[int, Any], Awaitable[Any]] | None = None
    substep: Callable[[str, SubstepFn], Awaitable[NodeResult]] | None = None

    def render(self, template: str) -> str:
        """Render a text template against this step's variables."""
        return templating.render(template, self.variables)

    def render_value(self, template: Any) -> Any:
        """Render keeping native types for single-expression templates."""
        return templating.render_value(template, self.variables)

    def render_json(self, value: Any) -> Any:
        """Render every string leaf of a JSON structure."""
        return templating.render_json(value, self.variables)

    def _require(self, name: str, what: str) -> Any:
        service = getattr(self.services, name)
        if service is None:
            raise PermanentError(f"{what} is not configured for this run")
        return service

    @property
    def llm(self) -> LLMClient:
        """The LLM client. Raises ``PermanentError`` when not configured."""
        return self._require("llm", "An LLM client")

    @property
    def http(self) -> HttpClient:
        """The HTTP client. Raises ``PermanentError`` when not configured."""
        return self._require("http", "Outbound HTTP")

    @property
    def code(self) -> CodeExecutor:
        """The code sandbox. Raises ``PermanentError`` when not configured."""
        return self._require("code", "The code sandbox")

    @property
    def secrets(self) -> SecretResolver:
        """The credential resolver. Raises ``PermanentError`` when not configured."""
        return self._require("secrets", "The credential vault")

    @property
    def approvals(self) -> ApprovalGate:
        """The approval gate. Raises ``PermanentError`` when not configured."""
        return self._require("approvals", "Approvals")

    @property
    def sub_agents(self) -> SubAgentRunner:
        """The sub-agent runner. Raises ``PermanentError`` when not configured."""
        return self._require("sub_agents", "Running sub-agents")


_REGISTRY: dict[str, type[Node[Any]]] = {}


class Node(Generic[ConfigT]):
    """Base of every node type. Subclass as ``class X(Node[XConfig])`` with the ClassVars set.

    ``example_config`` is the config the builder drops on the canvas; it must validate.
    ``non_template_fields`` are top-level config keys that are not templates (e.g. code).
    """

    type: ClassVar[str]
    version: ClassVar[int] = 1
    display_name: ClassVar[str]
    category: ClassVar[NodeCategory]
    icon: ClassVar[str]
    description: ClassVar[str]
    config_model: ClassVar[type[NodeConfig]] = NodeConfig
    example_config: ClassVar[dict[str, Any]] = {}
    non_template_fields: ClassVar[frozenset[str]] = frozenset({"label", "retry"})
    dynamic_handles: ClassVar[bool] = False
    #: Whether several edges may end at this node's input (join, loop, output); others take one.
    multi_input: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            args = typing.get_args(base)
            if args and isinstance(args[0], type) and issubclass(args[0], NodeConfig):
                cls.config_model = args[0]
        if "type" in cls.__dict__:
            if cls.type in _REGISTRY and _REGISTRY[cls.type] is not cls:
                raise ValueError(f"node type {cls.type!r} registered twice")
            _REGISTRY[cls.type] = cls

    def __init__(self, config: ConfigT) -> None:
        self.config = config

    @classmethod
    def parse_config(cls, data: Mapping[str, Any]) -> ConfigT:
        """Validate raw ``data`` into this type's config (raises pydantic ``ValidationError``)."""
        return cls.config_model.model_validate(dict(data))  # type: ignore[return-value]

    @classmethod
    def output_handles(cls, config: ConfigT) -> list[Handle]:
        """Output handles for ``config``; one ``out`` unless the type branches."""
        return [Handle("out", "Next")]

    async def run(self, ctx: NodeContext[ConfigT]) -> NodeResult:
        """Execute the node. Raise ``TransientError``/``PermanentError`` on failure."""
        raise NotImplementedError


def registered_types() -> dict[str, type[Node[Any]]]:
    """The live registry (node type name -> class)."""
    return _REGISTRY
