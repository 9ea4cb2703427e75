"""Wire formats of the test LLM servers: OpenAI and Anthropic JSON bodies and SSE events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.integrations.llm_wire_servers import RecordedRequest, Reply


def error_body(flavour: str, reply: Reply, req: RecordedRequest) -> dict[str, Any]:
    message = reply.error_message
    if reply.status == 401:
        # Real providers echo (part of) the key back; this lets tests prove we never relay it.
        key = req.headers.get("x-api-key") or req.headers.get("authorization", "")
        message = f"Incorrect API key provided: {key}"
    if flavour == "openai":
        return {"error": {"message": message, "type": "invalid_request_error", "code": None}}
    return {"type": "error", "error": {"type": "api_error", "message": message}}


def _split(text: str) -> list[str]:
    """Word-sized deltas that concatenate back to ``text``."""
    parts, word = [], ""
    for ch in text:
        word += ch
        if ch == " ":
            parts.append(word)
            word = ""
    return parts + ([word] if word else [])


def openai_json(reply: Reply, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for i, (name, args) in enumerate(reply.tool_calls)
        ]
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def openai_sse(reply: Reply, model: str, include_usage: bool) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for part in _split(reply.text):
        yield chunk({"content": part})
    for i, (name, args) in enumerate(reply.tool_calls):
        yield chunk(
            {
                "tool_calls": [
                    {
                        "index": i,
                        "id": f"call_{i}",
                        "type": "function",
                        "function": {"name": name, "arguments": ""},
                    }
                ]
            }
        )
        raw = json.dumps(args)
        for start in range(0, len(raw), 5):  # argument JSON arrives in fragments
            yield chunk(
                {"tool_calls": [{"index": i, "function": {"arguments": raw[start : start + 5]}}]}
            )
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
    if include_usage:
        usage = {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        }
        body = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [],
            "usage": usage,
        }
        yield f"data: {json.dumps(body)}\n\n"
    yield "data: [DONE]\n\n"


def anthropic_json(reply: Reply, model: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if reply.text:
        content.append({"type": "text", "text": reply.text})
    for i, (name, args) in enumerate(reply.tool_calls):
        content.append({"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": args})
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
    }


def anthropic_sse(reply: Reply, model: str) -> Iterator[str]:
    def event(kind: str, body: dict[str, Any]) -> str:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **body})}\n\n"

    yield event(
        "message_start",
        {
            "message": {
                "id": "msg_test",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": reply.input_tokens, "output_tokens": 1},
            }
        },
    )
    index = 0
    if reply.text:
        yield event(
            "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
        )
        yield event("ping", {})
        for part in _split(reply.text):
            yield event(
                "content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": part}}
            )
        yield event("content_block_stop", {"index": 0})
        index = 1
    for i, (name, args) in enumerate(reply.tool_calls):
        block = {"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": {}}
        yield event("content_block_start", {"index": index, "content_block": block})
        raw = json.dumps(args)
        for start in range(0, len(raw), 5):
            delta = {"type": "input_json_delta", "partial_json": raw[start : start + 5]}
            yield event("content_block_delta", {"index": index, "delta": delta})
        yield event("content_block_stop", {"index": index})
        index += 1
    yield event(
        "message_delta",
        {
            "delta": {
                "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
                "stop_sequence": None,
            },
            "usage": {"output_tokens": reply.output_tokens},
        },
    )
    yield event("message_stop", {})
