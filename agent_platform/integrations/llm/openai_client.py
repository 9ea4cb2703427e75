"""OpenAI Chat Completions adapter (also OpenAI-compatible servers: Ollama, vLLM, LM Studio)."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai

from agent_platform.engine.protocols import (
    ChatMessage,
    LLMRequest,
    LLMResponse,
    PermanentError,
    TokenCallback,
    ToolCall,
)
from agent_platform.integrations.egress import egress_http_client
from agent_platform.integrations.llm.base import (
    PriceTable,
    RetryPolicy,
    StructuredClassifier,
    egress_message,
    egress_refusal,
    parse_json_object,
    sdk_failure,
    split_model,
    with_retries,
)

OPENAI_BASE_URL = "https://api.openai.com/v1"


class OpenAIChatClient(StructuredClassifier):
    """``LLMClient`` over ``AsyncOpenAI``; one instance per (key, base URL).

    Args:
        api_key: the provider key (compat servers that need none: any placeholder).
        base_url: ``https://api.openai.com/v1`` or a compat server's ``.../v1``. Always passed
            explicitly so the SDK never falls back to ``OPENAI_BASE_URL`` from the environment.
        provider: ``"openai"`` or ``"compat"``; labels responses and prices.
        timeout_s: per-attempt HTTP timeout in seconds.
        http_client: the SDK's HTTP client, from ``egress.egress_http_client(guard)``; the
            strict guard's client when omitted (the SDK never connects on its own).
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = OPENAI_BASE_URL,
        provider: str = "openai",
        prices: PriceTable | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 60.0,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self._key = api_key
        self._provider = provider
        self._prices = prices or PriceTable()
        self._retry = retry or RetryPolicy()
        self._sdk = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s,
            http_client=http_client or egress_http_client(timeout_s=timeout_s),
        )  # fmt: skip

    async def aclose(self) -> None:
        """Close the SDK's connection pool."""
        await self._sdk.close()

    async def first_model(self) -> str:
        """The first model the server lists (``GET /models``): a compat server's default.

        Raises:
            PermanentError: the server does not answer the list or lists no model.
        """
        try:
            page = await self._sdk.models.list()
        except Exception as exc:
            refusal = egress_refusal(exc)
            if refusal is not None:
                raise PermanentError(egress_message(self._provider, refusal)) from None
            if not isinstance(exc, openai.OpenAIError):
                raise
            status = getattr(exc, "status_code", None) or type(exc).__name__
            raise PermanentError(
                f"{self._provider} did not list its models ({status}); save a default model "
                "on its credential in Settings → Credentials, or pick a model on the node"
            ) from None
        names = [m.id for m in page.data if getattr(m, "id", None)]
        if not names:
            raise PermanentError(f"{self._provider} lists no models; save one on its credential")
        return names[0]

    async def complete(
        self, request: LLMRequest, *, on_token: TokenCallback | None = None
    ) -> LLMResponse:
        """Run a chat completion, streaming when ``on_token`` is given.

        Raises:
            TransientError: 429/5xx/timeouts after the retry policy is exhausted.
            PermanentError: bad key, unknown model, bad request, invalid structured output.
        """
        _, name = split_model(request.model)
        kwargs = self._build(request, name)
        emitted = False

        async def attempt() -> LLMResponse:
            nonlocal emitted
            if on_token is None:
                return self._parse(await self._sdk.chat.completions.create(**kwargs), request)
            stream = await self._sdk.chat.completions.create(
                **kwargs, stream=True, stream_options={"include_usage": True}
            )
            text: list[str] = []
            calls: dict[int, dict[str, Any]] = {}
            usage = None
            finish = "stop"
            async for chunk in stream:
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        text.append(delta.content)
                        emitted = True
                        await on_token(delta.content)
                    for tc in delta.tool_calls or ():
                        acc = calls.setdefault(tc.index, {"id": "", "name": "", "args": ""})
                        acc["id"] = tc.id or acc["id"]
                        if tc.function is not None:
                            acc["name"] += tc.function.name or ""
                            acc["args"] += tc.function.arguments or ""
                    if choice.finish_reason:
                        finish = choice.finish_reason
            tool_calls = tuple(
                ToolCall(c["id"], c["name"], _arguments(c["args"]))
                for _, c in sorted(calls.items())
            )
            return self._response(
                request,
                "".join(text),
                tool_calls,
                finish,
                usage.prompt_tokens if usage else 0,
                usage.completion_tokens if usage else 0,
            )

        return await with_retries(
            attempt,
            policy=self._retry,
            classify=lambda exc: sdk_failure(
                exc,
                provider=self._provider,
                model=name,
                secret=self._key,
                connection_errors=(openai.APIConnectionError,),
            ),
            may_retry=lambda: not emitted,
        )

    def _build(self, request: LLMRequest, name: str) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": name,
            "messages": [_message(m) for m in request.messages],
        }
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        if request.max_tokens is not None:
            kwargs["max_tokens"] = request.max_tokens
        if request.tools:
            kwargs["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in request.tools
            ]
        if request.response_schema is not None:
            # strict=False: user schemas rarely meet strict mode's rules (all keys required...).
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": "output",
                    "schema": request.response_schema,
                    "strict": False,
                },
            }
        return kwargs

    def _parse(self, completion: Any, request: LLMRequest) -> LLMResponse:
        if not completion.choices:
            raise PermanentError(f"{self._provider} returned no choices")
        choice = completion.choices[0]
        msg = choice.message
        tool_calls = tuple(
            ToolCall(tc.id, tc.function.name, _arguments(tc.function.arguments))
            for tc in (msg.tool_calls or ())
            if getattr(tc, "function", None) is not None
        )
        usage = completion.usage
        return self._response(
            request,
            msg.content or "",
            tool_calls,
            choice.finish_reason or "stop",
            usage.prompt_tokens if usage else 0,
            usage.completion_tokens if usage else 0,
        )

    def _response(
        self,
        request: LLMRequest,
        text: str,
        tool_calls: tuple[ToolCall, ...],
        finish: str,
        input_tokens: int,
        output_tokens: int,
    ) -> LLMResponse:
        _, name = split_model(request.model)
        ref = f"{self._provider}:{name}"
        if request.response_schema is not None and not tool_calls:
            text = json.dumps(parse_json_object(text, "structured output"))
        return LLMResponse(
            text=text,
            model=ref,
            provider=self._provider,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=self._prices.cost(ref, input_tokens, output_tokens),
            tool_calls=tool_calls,
            finish_reason=finish,
        )


def _message(m: ChatMessage) -> dict[str, Any]:
    if m.role == "tool":
        return {"role": "tool", "tool_call_id": m.tool_call_id or "", "content": m.content}
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.role == "assistant" and m.tool_calls:
        out["content"] = m.content or None
        out["tool_calls"] = [
            {
                "id": tc.id,
                "type": "function",
                "function": {"name": tc.name, "arguments": json.dumps(tc.arguments)},
            }
            for tc in m.tool_calls
        ]
    return out


def _arguments(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise PermanentError("The model returned malformed tool-call arguments") from None
    return value if isinstance(value, dict) else {"value": value}
