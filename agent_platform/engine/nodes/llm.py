"""``llm``: one chat completion, optionally streamed and optionally structured (JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from agent_platform.engine.nodes.base import (
    FieldWidget,
    Node,
    NodeConfig,
    NodeContext,
    NodeResult,
)
from agent_platform.engine.protocols import DEFAULT_MODEL, LLMRequest, PermanentError

MODEL_PATTERN = rf"^({DEFAULT_MODEL}|[a-z0-9_-]+:\S+)$"
MODEL_HELP = (
    f"Organization default ('{DEFAULT_MODEL}'): the default model of the first provider "
    "configured in Settings → Credentials, or offline:extractive without one. Or "
    "'<provider>:<model>', e.g. openai:gpt-4o."
)
#: Summary of the model-calling nodes: the model (its default resolved) and a field.
MODEL_SUMMARY = "{{ model | model_name(org.default_model) }} · {{ (%s or '') | short }}"


def model_field() -> Any:
    """The ``model`` config field of the nodes that call a model (default: the org's)."""
    return Field(default=DEFAULT_MODEL, pattern=MODEL_PATTERN, description=MODEL_HELP)


class LLMConfig(NodeConfig):
    """A prompt for a model; ``response_schema`` asks for JSON parsed into ``output.json``."""

    model: str = model_field()
    system_prompt: str = Field(default="", max_length=100_000)
    prompt: str = Field(min_length=1, max_length=100_000)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=200_000)
    response_schema: dict[str, Any] | None = Field(
        default=None, description="JSON schema the reply must match"
    )
    credential_id: str | None = None
    stream: bool = True


def parse_json_reply(text: str) -> Any:
    """Parse a model's JSON reply, tolerating a Markdown code fence around it.

    Raises:
        PermanentError: the reply is not JSON.
    """
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise PermanentError(f"The model did not reply with valid JSON: {exc.msg}") from exc


class LLMNode(Node[LLMConfig]):
    """Calls a language model once."""

    type = "llm"
    display_name = "LLM"
    category = "ai"
    icon = "sparkles"
    description = "Ask a language model; optionally get structured JSON back."
    non_template_fields = frozenset({"label", "retry", "model", "response_schema"})
    summary_template = MODEL_SUMMARY % "prompt"
    output_paths = ("output.text",)
    field_widgets: ClassVar[Mapping[str, FieldWidget]] = {
        "model": "model",
        "system_prompt": "prompt",
        "prompt": "prompt",
        "credential_id": "credential",
    }
    example_config: ClassVar[dict[str, Any]] = {"prompt": "{{inputs.message}}"}

    async def run(self, ctx: NodeContext[LLMConfig]) -> NodeResult:
        """Render the prompts, call the model (streaming tokens) and shape the output.

        ``output.model`` (and the step's ``model``) is the model that answered: the
        organization's default resolved, when the node uses it.
        """
        config = ctx.config
        messages = []
        if config.system_prompt:
            messages.append(ctx.render_message("system", config.system_prompt))
        messages.append(ctx.render_message("user", config.prompt))
        request = LLMRequest(
            model=config.model,
            messages=tuple(messages),
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            response_schema=config.response_schema,
            credential_id=config.credential_id,
        )
        on_token = ctx.on_token if config.stream else None
        response = await ctx.llm.complete(request, on_token=on_token)
        output: dict[str, Any] = {"text": response.text, "model": response.model}
        output["finish_reason"] = response.finish_reason
        if config.response_schema is not None:
            output["json"] = parse_json_reply(response.text)
        return NodeResult(
            output=output,
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
            cost_usd=response.cost_usd,
            model=response.model,
        )
