"""The small generic base every node type builds on.

A node type is one module: a ``Config`` pydantic model (``extra="forbid"``) plus a
``Node[Config]`` subclass with ClassVar metadata and ``async def run(ctx) -> NodeResult``.
Defining the subclass registers it. The ClassVars and classmethods are everything the rest of
the platform knows about a type: the registry serves them to the builder (palette, canvas
card, inspector, variable picker) and the scheduler asks them how the node joins branches.
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
    ChatMessage,
    CodeExecutor,
    HttpClient,
    LLMClient,
    PermanentError,
    Retriever,
    SecretResolver,
    SubAgentRunner,
    TokenCallback,
)
from agent_platform.engine.template_limits import DEFAULT_LIMITS, TemplateLimits

NodeCategory = Literal["trigger", "ai", "logic", "data", "integration", "human", "output"]
#: Inspector controls a node may ask for by field name (see ``Node.field_widgets``).
FieldWidget = Literal["prompt", "model", "credential", "code", "agent"]


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
        template_limits: what the templates this step renders are held to.
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
    template_limits: TemplateLimits = DEFAULT_LIMITS

    def render(self, template: str) -> str:
        """Render a text template against this step's variables."""
        return templating.render(template, self.variables, self.template_limits)

    def render_message(self, role: Literal["system", "user"], template: str) -> ChatMessage:
        """A chat message rendered from ``template``, with its substituted values marked."""
        segments = tuple(templating.render_segments(template, self.variables, self.template_limits))
        return ChatMessage(role, "".join(s.text for s in segments), segments=segments)

    def render_value(self, template: Any) -> Any:
        """Render keeping native types for single-expression templates."""
        return templating.render_value(template, self.variables, self.template_limits)

    def render_json(self, value: Any) -> Any:
        """Render every string leaf of a JSON structure."""
        return templating.render_json(value, self.variables, self.template_limits)

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
    ``summary_template`` is the line the canvas card shows under the title: a template over
    the node's raw config (``{{ model | model_name }} · {{ prompt | short }}``; unset keys
    render empty) and ``org``, facts about the organization (``org.default_model``).
    ``output_paths`` are the variables the builder's picker offers, under the node id
    (``output.text`` becomes ``{{llm_1.output.text}}``). ``field_widgets`` names the inspector
    control of config fields the JSON schema alone does not tell: ``prompt``, ``model``,
    ``credential``, ``code`` or ``agent`` (a picker of the org's published agents); the others
    follow their schema type. ``required_choices`` are config fields a node dropped on the
    canvas starts with blank (``""``) because only the builder can choose them (which agent a
    sub-agent calls); validation then asks for them, while ``example_config`` fills them so the
    example graph runs.
    """

    type: ClassVar[str]
    version: ClassVar[int] = 1
    display_name: ClassVar[str]
    category: ClassVar[NodeCategory]
    icon: ClassVar[str]  # a Lucide icon name, e.g. "git-branch"
    description: ClassVar[str]
    config_model: ClassVar[type[NodeConfig]] = NodeConfig
    example_config: ClassVar[dict[str, Any]] = {}
    #: Run inputs the example graph (``example_graph``) runs with.
    example_inputs: ClassVar[dict[str, Any]] = {"message": "Hello"}
    non_template_fields: ClassVar[frozenset[str]] = frozenset({"label", "retry"})
    dynamic_handles: ClassVar[bool] = False
    #: Whether several edges may end at this node's input (join, loop, output); others take one.
    multi_input: ClassVar[bool] = False
    #: Whether edges may end at this node at all (false for triggers, which start runs).
    has_input: ClassVar[bool] = True
    #: Whether the node repeats a body (loop): edges back into it close the body, not a cycle.
    repeats_body: ClassVar[bool] = False
    summary_template: ClassVar[str] = ""
    output_paths: ClassVar[tuple[str, ...]] = ("output",)
    field_widgets: ClassVar[Mapping[str, FieldWidget]] = {}
    required_choices: ClassVar[frozenset[str]] = frozenset()

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

    @classmethod
    def summary(cls, data: Mapping[str, Any], org: Mapping[str, Any] | None = None) -> str:
        """The canvas card's line for raw (possibly invalid) config ``data``.

        Args:
            org: what the builder knows about the organization, e.g. ``default_model`` (the
                model the organization's default resolves to).
        """
        return templating.render_summary(cls.summary_template, data, org)

    @classmethod
    def variable_paths(cls, data: Mapping[str, Any]) -> list[str]:
        """The picker's paths for a node with raw config ``data``; ``output_paths`` by default."""
        return list(cls.output_paths)

    @classmethod
    def runs_on_first_input(cls, config: ConfigT) -> bool:
        """Whether the node runs once one incoming edge is taken, not once all are decided."""
        return False

    @classmethod
    def cancels_other_branches(cls, config: ConfigT) -> bool:
        """Whether starting the node cancels unfinished branches that lead only into it."""
        return False

    @classmethod
    def example_graph(cls) -> dict[str, Any]:
        """A small valid graph showing this type with ``example_config``; it runs on fakes.

        ``trigger -> node -> output``, every output handle leading to the output; a type
        without input starts the graph itself and one without handles ends it. Override when
        the type needs more around it (a loop's body).
        """
        node_id = f"{cls.type}_1"
        nodes = [{"id": node_id, "type": cls.type, "data": dict(cls.example_config)}]
        edges: list[dict[str, Any]] = []
        if cls.has_input:
            nodes.insert(0, {"id": "trigger_1", "type": "trigger", "data": {"kind": "manual"}})
            edges.append({"id": "e_in", "source": "trigger_1", "target": node_id})
        handles = cls.output_handles(cls.parse_config(cls.example_config))
        if handles:
            value = f"{{{{{node_id}.output}}}}"
            nodes.append({"id": "output_1", "type": "output", "data": {"value": value}})
            edges += [
                {"id": f"e_{h.id}", "source": node_id, "sourceHandle": h.id, "target": "output_1"}
                for h in handles
            ]
        for x, node in enumerate(nodes):
            node["position"] = {"x": 280.0 * x, "y": 0.0}
        return {"nodes": nodes, "edges": edges}

    async def run(self, ctx: NodeContext[ConfigT]) -> NodeResult:
        """Execute the node. Raise ``TransientError``/``PermanentError`` on failure."""
        raise NotImplementedError


def registered_types() -> dict[str, type[Node[Any]]]:
    """The live registry (node type name -> class)."""
    return _REGISTRY


def unregister(node_type: str) -> None:
    """Forget a registered type (tests and plugins that add one temporarily)."""
    _REGISTRY.pop(node_type, None)
