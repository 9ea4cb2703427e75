"""Tools the ``agent`` node offers the model: HTTP endpoints, sub-agents, knowledge search.

The tool's URL and credential come from the builder's config, never from the model: the model
only supplies arguments, so a prompt-injected reply cannot point a tool at another host.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent_platform.engine.nodes._http_support import (
    HttpAuth,
    Method,
    apply_auth,
    build_url,
    raise_for_status,
    response_output,
)
from agent_platform.engine.nodes.base import NodeContext
from agent_platform.engine.protocols import HttpRequest, PermanentError, ToolCall, ToolSpec

TOOL_NAME = r"^[A-Za-z0-9_-]{1,64}$"
KNOWLEDGE_TOOL = "search_knowledge"
MAX_TOOL_RESULT_CHARS = 16_000
_EMPTY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}


class HttpTool(BaseModel):
    """An HTTP endpoint as a tool; arguments go in the query (GET/DELETE/HEAD) or JSON body."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=TOOL_NAME)
    description: str = Field(min_length=1)
    method: Method = "GET"
    url: str = Field(min_length=1)
    headers: dict[str, str] = Field(default_factory=dict)
    auth: HttpAuth = Field(default_factory=HttpAuth)
    parameters: dict[str, Any] = Field(default_factory=lambda: dict(_EMPTY_OBJECT))


class SubAgentTool(BaseModel):
    """Another agent as a tool; the model's arguments become its inputs."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=TOOL_NAME)
    description: str = Field(min_length=1)
    agent_id: str = Field(min_length=1)
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {
            "type": "object",
            "properties": {"message": {"type": "string"}},
            "required": ["message"],
        }
    )


def tool_specs(config: Any, ctx: NodeContext[Any]) -> tuple[ToolSpec, ...]:
    """The tools offered; knowledge search only when a retriever and bases are present."""
    specs = [ToolSpec(t.name, t.description, t.parameters) for t in config.http_tools]
    specs += [ToolSpec(t.name, t.description, t.parameters) for t in config.sub_agent_tools]
    if config.knowledge_base_ids and ctx.services.retriever is not None:
        query = {"query": {"type": "string", "description": "What to look up"}}
        specs.append(
            ToolSpec(
                KNOWLEDGE_TOOL,
                "Search the knowledge base; returns passages with their source documents.",
                {"type": "object", "properties": query, "required": ["query"]},
            )
        )
    return tuple(specs)


async def _http_tool(tool: HttpTool, call: ToolCall, ctx: NodeContext[Any]) -> Any:
    headers = {key: ctx.render(value) for key, value in tool.headers.items()}
    query: dict[str, str] = {}
    body = None
    if tool.method in ("GET", "DELETE", "HEAD"):
        query = {key: str(value) for key, value in call.arguments.items()}
    else:
        headers.setdefault("Content-Type", "application/json")
        body = json.dumps(call.arguments)
    credential = await apply_auth(tool.auth, ctx.services.secrets, headers, query)
    url = build_url(ctx.render(tool.url), query)
    request = HttpRequest(tool.method, url, headers, body, credential=credential)
    response = await ctx.http.request(request)
    raise_for_status(response, client_errors=False)
    output = response_output(response)
    return {"status": output["status"], "body": output["json"] or output["body"]}


async def _knowledge_tool(config: Any, call: ToolCall, ctx: NodeContext[Any]) -> Any:
    retriever = ctx.services.retriever
    if retriever is None:
        raise PermanentError("Knowledge search is not configured for this run")
    chunks = await retriever.search(
        knowledge_base_ids=list(config.knowledge_base_ids),
        query=str(call.arguments.get("query", "")),
        top_k=config.knowledge_top_k,
        mode="hybrid",
    )
    return [
        {
            "text": c.text,
            "score": c.score,
            "document": c.document_title,
            "document_id": c.document_id,
        }
        for c in chunks
    ]


async def call_tool(config: Any, call: ToolCall, ctx: NodeContext[Any], step_key: str) -> Any:
    """Execute one tool call and return its JSON result.

    Raises:
        PermanentError: unknown tool or a tool's permanent failure.
        TransientError: a retryable failure of the tool's backend.
    """
    for tool in config.http_tools:
        if tool.name == call.name:
            return await _http_tool(tool, call, ctx)
    for sub in config.sub_agent_tools:
        if sub.name == call.name:
            return await ctx.sub_agents.run(
                agent_id=sub.agent_id, inputs=dict(call.arguments), step_key=step_key
            )
    if call.name == KNOWLEDGE_TOOL and config.knowledge_base_ids:
        return await _knowledge_tool(config, call, ctx)
    raise PermanentError(f"The model asked for an unknown tool {call.name!r}")


def tool_result_text(result: Any) -> str:
    """A tool result as the text sent back to the model, capped in size."""
    text = result if isinstance(result, str) else json.dumps(result, default=str)
    return text[:MAX_TOOL_RESULT_CHARS]
