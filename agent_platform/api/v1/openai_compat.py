"""OpenAI-compatible endpoints: ``GET /v1/models`` and ``POST /v1/chat/completions``.

Point the official ``openai`` SDK at ``https://<host>/v1`` with a platform API key: models are
the org's published chat agents (id = the agent's slug); a completion runs the agent's stored,
published version with run inputs ``message`` (the last user message) and ``history`` (the
earlier messages). Sampling parameters are accepted and ignored: the agent's graph decides.
Anything else (tools, functions, a graph...) is rejected with 422.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Bool, Int, Number
from agent_platform.api.v1.stream import execution_json, sse_response
from agent_platform.models.agents import Agent, AgentStatus, AgentVersion
from agent_platform.models.runs import RunTrigger
from agent_platform.services.delivery.conversations import answer_text
from agent_platform.services.delivery.widgets import is_chat_graph
from agent_platform.services.errors import InvalidInput, NotFound
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.runs import runs
from agent_platform.services.runs import stream as run_stream

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
Auth = Depends(deps.principal)
Db = deps.Db
WAIT_S = 120.0


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    include_usage: Bool = False


class CompletionIn(BaseModel):
    """The subset of the Chat Completions request the platform understands."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=100)
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=500)
    stream: Bool = False
    stream_options: StreamOptions | None = None
    # Accepted for compatibility, ignored: the published graph sets these.
    temperature: Number | None = None
    top_p: Number | None = None
    max_tokens: Int | None = None
    max_completion_tokens: Int | None = None
    n: Int | None = Field(default=None, ge=1, le=1)
    stop: str | list[str] | None = None
    user: str | None = None
    seed: Int | None = None
    presence_penalty: Number | None = None
    frequency_penalty: Number | None = None
    metadata: dict[str, str] | None = None


def _chat_agents(session: Session, principal: Principal) -> list[tuple[Agent, AgentVersion]]:
    principal.require(Permission.VIEW_AGENTS)
    rows = session.exec(
        select(Agent, AgentVersion)
        .join(AgentVersion, AgentVersion.id == Agent.published_version_id)
        .where(Agent.org_id == principal.org_id, Agent.status == AgentStatus.PUBLISHED)
        .order_by(Agent.slug)
    ).all()
    return [(a, v) for a, v in rows if is_chat_graph(v.definition)]


@router.get("/models")
def list_models(principal: Principal = Auth, session: Session = Db) -> dict[str, Any]:
    """The org's published chat agents as models (``id`` = slug)."""
    data = [
        {"id": a.slug, "object": "model", "created": int(v.created_at.timestamp()),
         "owned_by": "agent-platform", "name": a.name}
        for a, v in _chat_agents(session, principal)
    ]  # fmt: skip
    return {"object": "list", "data": data}


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if p.get("type") == "text")
    return content or ""


def _inputs(messages: list[ChatMessageIn]) -> dict[str, Any]:
    if messages[-1].role != "user":
        raise InvalidInput("The last message must be from the user.", details={"field": "messages"})
    history = [
        {"role": "system" if m.role == "developer" else m.role, "content": _text(m.content)}
        for m in messages[:-1]
    ]
    return {"message": _text(messages[-1].content), "history": history}


def _chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {
        "id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }  # fmt: skip
    return f"data: {json.dumps(body)}\n\n".encode()


def _usage(execution: dict[str, Any]) -> dict[str, int]:
    prompt, completion = execution.get("input_tokens", 0), execution.get("output_tokens", 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}  # fmt: skip


async def _stream(run_id: uuid.UUID, model: str, include_usage: bool) -> AsyncIterator[bytes]:
    cid = f"chatcmpl-{run_id.hex}"
    yield _chunk(cid, model, {"role": "assistant", "content": ""})
    streamed = False
    async for event in run_stream.run_events(run_id, timeout_s=WAIT_S):
        if event is not None and event["type"] == "token" and event["data"].get("text"):
            streamed = True
            yield _chunk(cid, model, {"content": event["data"]["text"]})
    await run_stream.settle(run_id)
    execution = await anyio.to_thread.run_sync(execution_json, run_id)
    if execution.get("status") != "succeeded":
        error = {
            "message": execution.get("error") or "The agent did not answer.",
            "code": "run_failed",
        }
        yield f"data: {json.dumps({'error': error})}\n\n".encode()
    else:
        if not streamed:
            yield _chunk(cid, model, {"content": answer_text(execution.get("output"))})
        yield _chunk(cid, model, {}, "stop")
        if include_usage:
            usage = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "choices": [], "usage": _usage(execution)}  # fmt: skip
            yield f"data: {json.dumps(usage)}\n\n".encode()
    yield b"data: [DONE]\n\n"


@router.post("/chat/completions", response_model=None)
def chat_completions(
    body: CompletionIn,
    idempotency_key: str | None = Header(default=None, max_length=255),
    principal: Principal = Auth,
    session: Session = Db,
) -> Any:
    """Run the agent named by ``model`` (its slug) on the conversation; stream or not."""
    principal.require(Permission.EXECUTE_AGENT)
    agent = next((a for a, _v in _chat_agents(session, principal) if a.slug == body.model), None)
    if agent is None:
        raise NotFound(f"No published chat agent '{body.model}'.", details={"model": body.model})
    run = runs.start_run(
        session, principal=principal, agent_id=agent.id, inputs=_inputs(body.messages),
        trigger=RunTrigger.CHAT, idempotency_key=idempotency_key,
    )  # fmt: skip
    if body.stream:
        include = bool(body.stream_options and body.stream_options.include_usage)
        return sse_response(_stream(run.id, agent.slug, include))
    # Waits once the request has committed the run, so the workers can see it (api.deps).
    return deps.AfterCommit(lambda: _completion(run.id, agent.slug))


async def _completion(run_id: uuid.UUID, model: str) -> JSONResponse:
    await run_stream.wait_for_run(run_id, timeout_s=WAIT_S)
    execution = await anyio.to_thread.run_sync(execution_json, run_id)
    if execution.get("status") != "succeeded":
        message = execution.get("error") or "The agent did not finish in time."
        body = {"error": {"code": "run_failed", "message": message, "details": {}}}
        return JSONResponse(body, status_code=502)
    return JSONResponse({
        "id": f"chatcmpl-{run_id.hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": answer_text(execution.get("output"))},
        }],
        "usage": _usage(execution),
    })  # fmt: skip
