"""Anthropic Messages adapter: separate system prompt, tool_use blocks, SSE streaming.

Structured output uses a forced tool whose ``input_schema`` is the requested schema: every
Claude model supports tool use, and the tool input arrives as already-parsed JSON.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx2

from agent_platform.engine.protocols import (
    ChatMessage,
    LLMRequest,
    LLMResponse,
    TokenCallback,
    ToolCall,
)
from agent_platform.integrations.egress import egress_http_client
from agent_platform.integrations.llm.base import (
    PriceTable,
    RetryPolicy,
    StructuredClassifier,
    parse_json_object,
    sdk_failure,
    split_model,
    with_retries,
)

ANTHROPIC_BASE_URL = "https://api.anthropic.com"
OUTPUT_TOOL = "structured_output"
_FINISH = {"end_turn": "stop", "tool_use": "tool_calls", "max_tokens": "length"}


class AnthropicChatClient(StructuredClassifier):
    """``LLMClient`` over ``AsyncAnthropic``; one instance per (key, base URL).

    Args:
        api_key: the Anthropic key (always explicit: the SDK never reads the environment).
        default_max_tokens: used when the request sets none (the API requires a value).
        timeout_s: per-attempt HTTP timeout in seconds.
        http_client: the SDK's HTTP client, from ``egress.egress_http_client(guard)``; the
            strict guard's client when omitted (the SDK never connects on its own).
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = ANTHROPIC_BASE_URL,
        prices: PriceTable | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 60.0,
        default_max_tokens: int = 4096,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self._key = api_key
        self._prices = prices or PriceTable()
        self._retry = retry or RetryPolicy()
        self._max_tokens = default_max_tokens
        self._sdk = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s,
            http_client=http_client or egress_http_client(timeout_s=timeout_s),
        )  # fmt: skip

    async def aclose(self) -> None:
        """Close the SDK's connection pool."""
        await self._sdk.close()

    async def complete(
        self, request: LLMRequest, *, on_token: TokenCallback | None = None
    ) -> LLMResponse:
        """Run a Messages call, streaming when ``on_token`` is given.

        Raises:
            TransientError: 429/5xx/529/timeouts after the retry policy is exhausted.
            PermanentError: bad key, unknown model, bad request.
        """
        _, name = split_model(request.model)
        kwargs, wrapped = self._build(request, name)
        emitted = False

        async def attempt() -> LLMResponse:
            nonlocal emitted
            if on_token is None:
                msg = await self._sdk.messages.create(**kwargs)
                blocks = [b.model_dump() for b in msg.content]
                return self._response(
                    request,
                    name,
                    blocks,
                    msg.stop_reason,
                    msg.usage.input_tokens,
                    msg.usage.output_tokens,
                    wrapped,
                )
            blocks: dict[int, dict[str, Any]] = {}
            input_tokens = output_tokens = 0
            stop = None
            stream = await self._sdk.messages.create(**kwargs, stream=True)
            async for event in stream:
                kind = event.type
                if kind == "message_start":
                    input_tokens = event.message.usage.input_tokens or 0
                    output_tokens = event.message.usage.output_tokens or 0
                elif kind == "content_block_start":
                    block = event.content_block.model_dump()
                    block["partial"] = ""
                    blocks[event.index] = block
                elif kind == "content_block_delta":
                    block = blocks.setdefault(event.index, {"type": "text", "text": ""})
                    delta = event.delta
                    if delta.type == "text_delta":
                        block["text"] = block.get("text", "") + delta.text
                        emitted = True
                        await on_token(delta.text)
                    elif delta.type == "input_json_delta":
                        block["partial"] += delta.partial_json
                        if block.get("name") == OUTPUT_TOOL:
                            emitted = True  # structured output streams as its JSON text
                            await on_token(delta.partial_json)
                elif kind == "message_delta":
                    stop = event.delta.stop_reason or stop
                    output_tokens = event.usage.output_tokens or output_tokens
                    input_tokens = getattr(event.usage, "input_tokens", None) or input_tokens
            for block in blocks.values():
                if block.get("type") == "tool_use" and block["partial"]:
                    block["input"] = parse_json_object(block["partial"], "tool-call arguments")
            ordered = [blocks[i] for i in sorted(blocks)]
            return self._response(
                request, name, ordered, stop, input_tokens, output_tokens, wrapped
            )

        return await with_retries(
            attempt,
            policy=self._retry,
            classify=lambda exc: sdk_failure(
                exc,
                provider="anthropic",
                model=name,
                secret=self._key,
                connection_errors=(anthropic.APIConnectionError,),
            ),
            may_retry=lambda: not emitted,
        )

    def _build(self, request: LLMRequest, name: str) -> tuple[dict[str, Any], bool]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        kwargs: dict[str, Any] = {
            "model": name,
            "max_tokens": request.max_tokens or self._max_tokens,
            "messages": _messages(request.messages),
        }
        if system:
            kwargs["system"] = system
        # request.temperature is not sent: the Messages API of SDK 2.x no longer accepts it.
        tools = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in request.tools
        ]
        wrapped = False
        schema = request.response_schema
        if schema is not None:
            # input_schema must be an object; other schemas travel wrapped in {"value": ...}.
            wrapped = schema.get("type") != "object"
            input_schema = (
                {"type": "object", "properties": {"value": schema}, "required": ["value"]}
                if wrapped
                else schema
            )
            tools.append(
                {
                    "name": OUTPUT_TOOL,
                    "description": "Return the final answer.",
                    "input_schema": input_schema,
                }
            )
            if not request.tools:
                kwargs["tool_choice"] = {"type": "tool", "name": OUTPUT_TOOL}
        if tools:
            kwargs["tools"] = tools
        return kwargs, wrapped

    def _response(
        self,
        request: LLMRequest,
        name: str,
        blocks: list[dict[str, Any]],
        stop: str | None,
        input_tokens: int,
        output_tokens: int,
        wrapped: bool,
    ) -> LLMResponse:
        text = "".join(b.get("text") or "" for b in blocks if b.get("type") == "text")
        calls: list[ToolCall] = []
        for b in blocks:
            if b.get("type") != "tool_use":
                continue
            if b.get("name") == OUTPUT_TOOL and request.response_schema is not None:
                value = b.get("input") or {}
                text = json.dumps(value.get("value") if wrapped else value)
                continue
            calls.append(ToolCall(b.get("id", ""), b.get("name", ""), dict(b.get("input") or {})))
        if request.response_schema is not None and not calls and not text.startswith("{"):
            text = json.dumps(parse_json_object(text, "structured output"))
        finish = "tool_calls" if calls else _FINISH.get(stop or "end_turn", stop or "stop")
        ref = f"anthropic:{name}"
        return LLMResponse(
            text=text,
            model=ref,
            provider="anthropic",
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=self._prices.cost(ref, input_tokens, output_tokens),
            tool_calls=tuple(calls),
            finish_reason=finish,
        )


def _messages(messages: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """Provider-neutral messages → Anthropic turns (tool results are user turns; merged)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            role = "user"
            blocks: list[dict[str, Any]] = [
                {"type": "tool_result", "tool_use_id": m.tool_call_id or "", "content": m.content}
            ]
        else:
            role = m.role
            blocks = [{"type": "text", "text": m.content}] if m.content else []
            blocks += [
                {"type": "tool_use", "id": tc.id, "name": tc.name, "input": tc.arguments}
                for tc in m.tool_calls
            ]
        if out and out[-1]["role"] == role:  # the API wants alternating turns
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out
