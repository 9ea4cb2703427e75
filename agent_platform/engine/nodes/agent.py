"""``agent``: a bounded tool-calling loop.

Every model turn and every tool call is its own replayable step (``agent_1/llm[0]``,
``agent_1/tool[2]:get_weather``), so a redelivered run repeats neither a paid model call nor a
tool's side effect. The agent step's usage is the sum of its turns; the sub-step records are
the breakdown (``parent_key`` set), not extra usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field, model_validator

from agent_platform.engine.nodes._agent_tools import (
    HttpTool,
    SubAgentTool,
    call_tool,
    tool_result_text,
    tool_specs,
)
from agent_platform.engine.nodes.base import (
    FieldWidget,
    Node,
    NodeConfig,
    NodeContext,
    NodeResult,
)
from agent_platform.engine.nodes.llm import MODEL_SUMMARY, model_field
from agent_platform.engine.protocols import (
    ChatMessage,
    LLMRequest,
    NodeError,
    PermanentError,
    ToolCall,
    ToolSpec,
)


class AgentConfig(NodeConfig):
    """Model, instructions, task and tools; at most ``max_iterations`` model turns use tools."""

    model: str = model_field()
    system_prompt: str = Field(default="You are a helpful assistant.", max_length=100_000)
    prompt: str = Field(default="{{inputs.message}}", min_length=1, max_length=100_000)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=200_000)
    max_iterations: int = Field(default=8, ge=1, le=50)
    credential_id: str | None = None
    http_tools: list[HttpTool] = Field(default_factory=list)
    sub_agent_tools: list[SubAgentTool] = Field(default_factory=list)
    knowledge_base_ids: list[str] = Field(default_factory=list)
    knowledge_top_k: int = Field(default=5, ge=1, le=50)

    @model_validator(mode="after")
    def _unique_tool_names(self) -> AgentConfig:
        names = [t.name for t in self.http_tools] + [t.name for t in self.sub_agent_tools]
        if len(set(names)) != len(names):
            raise ValueError("tool names must be unique")
        return self


def _turn_output(response: Any) -> dict[str, Any]:
    calls = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in response.tool_calls]
    return {"text": response.text, "tool_calls": calls, "model": response.model}


def _add_usage(total: NodeResult, turn: NodeResult) -> None:
    # The agent step reports its turns' usage (sub-step records are the breakdown).
    total.input_tokens += turn.input_tokens
    total.output_tokens += turn.output_tokens
    total.cost_usd += turn.cost_usd
    total.model = turn.model or total.model


class AgentNode(Node[AgentConfig]):
    """Lets a model call tools until it answers."""

    type = "agent"
    display_name = "Agent"
    category = "ai"
    icon = "brain"
    description = "A model that can call tools (APIs, other agents, knowledge) to reach an answer."
    non_template_fields = frozenset(
        {"label", "retry", "model", "http_tools", "sub_agent_tools", "knowledge_base_ids"}
    )
    example_config: ClassVar[dict[str, Any]] = {"prompt": "{{inputs.message}}"}
    summary_template = MODEL_SUMMARY % "prompt"
    output_paths = ("output.text",)
    field_widgets: ClassVar[Mapping[str, FieldWidget]] = {
        "model": "model",
        "system_prompt": "prompt",
        "prompt": "prompt",
        "credential_id": "credential",
    }

    async def _turn(
        self,
        ctx: NodeContext[AgentConfig],
        index: int,
        messages: list[ChatMessage],
        tools: tuple[ToolSpec, ...],
    ) -> NodeResult:
        config = ctx.config
        request = LLMRequest(
            model=config.model,
            messages=tuple(messages),
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            tools=tools,
            credential_id=config.credential_id,
        )

        async def call() -> NodeResult:
            response = await ctx.llm.complete(request, on_token=ctx.on_token)
            return NodeResult(
                output=_turn_output(response),
                input_tokens=response.input_tokens,
                output_tokens=response.output_tokens,
                cost_usd=response.cost_usd,
                model=response.model,
            )

        assert ctx.substep is not None
        return await ctx.substep(f"llm[{index}]", call)

    async def _tool(self, ctx: NodeContext[AgentConfig], index: int, call: ToolCall) -> str:
        name = f"tool[{index}]:{call.name}"

        async def run() -> NodeResult:
            result = await call_tool(ctx.config, call, ctx, f"{ctx.step_key}/{name}")
            return NodeResult(output=result)

        assert ctx.substep is not None
        try:
            return tool_result_text((await ctx.substep(name, run)).output)
        except NodeError as exc:
            # The model sees the failure and may recover; the step store has the details.
            return f"Error: {exc.message}"

    async def run(self, ctx: NodeContext[AgentConfig]) -> NodeResult:
        """Alternate model turns and tool calls; a last turn without tools forces an answer."""
        if ctx.substep is None:
            raise PermanentError("The agent node needs step recording")
        config = ctx.config
        messages = [ctx.render_message("system", config.system_prompt)]
        messages.append(ctx.render_message("user", config.prompt))
        tools, calls_made = tool_specs(config, ctx), []
        usage = NodeResult()
        for turn_index in range(config.max_iterations + 1):
            offered = tools if turn_index < config.max_iterations else ()
            turn_result = await self._turn(ctx, turn_index, messages, offered)
            _add_usage(usage, turn_result)
            turn = turn_result.output
            if not turn["tool_calls"]:
                usage.output = {"text": turn["text"], "tool_calls": calls_made}
                usage.output.update(turns=turn_index + 1, model=usage.model)
                return usage
            calls = tuple(ToolCall(c["id"], c["name"], c["arguments"]) for c in turn["tool_calls"])
            messages.append(ChatMessage("assistant", turn["text"], tool_calls=calls))
            for call in calls:
                result = await self._tool(ctx, len(calls_made), call)
                calls_made.append({"name": call.name, "arguments": call.arguments})
                messages.append(ChatMessage("tool", result, tool_call_id=call.id))
        raise PermanentError(
            f"The agent did not answer within {config.max_iterations} tool-using turns"
        )
