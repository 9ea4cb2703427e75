"""``http_request``: call an API through the platform's guarded ``HttpClient``."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import Field

from agent_platform.engine.nodes._http_support import (
    HttpAuth,
    Method,
    apply_auth,
    build_url,
    raise_for_status,
    response_output,
)
from agent_platform.engine.nodes.base import Node, NodeConfig, NodeContext, NodeResult
from agent_platform.engine.protocols import HttpRequest


class HttpRequestConfig(NodeConfig):
    """A request; ``url``, headers, query values and body are templates."""

    method: Method = "GET"
    url: str = Field(min_length=1, max_length=8000)
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)
    body_type: Literal["none", "json", "text"] = "none"
    body: Any = Field(default=None, description="JSON value or text, with {{variables}}")
    auth: HttpAuth = Field(default_factory=HttpAuth)
    timeout_s: float = Field(default=30.0, gt=0, le=300)
    fail_on_client_error: bool = Field(default=True, description="Fail on HTTP 4xx")


class HttpRequestNode(Node[HttpRequestConfig]):
    """Calls an HTTP endpoint; output ``{status, headers, body, json}``."""

    type = "http_request"
    display_name = "HTTP request"
    category = "integration"
    icon = "globe"
    description = "Call a web API. HTTP 429 and 5xx are retried if the node allows retries."
    non_template_fields = frozenset({"label", "retry", "method", "auth", "body_type"})
    summary_template = "{{ ((method | default('GET')) ~ ' ' ~ url) | short }}"
    example_config: ClassVar[dict[str, Any]] = {
        "method": "GET",
        "url": "https://api.example.com/items",
    }

    def _body(self, ctx: NodeContext[HttpRequestConfig], headers: dict[str, str]) -> str | None:
        config = ctx.config
        if config.body_type == "none" or config.body is None:
            return None
        if config.body_type == "text":
            return ctx.render(
                config.body if isinstance(config.body, str) else json.dumps(config.body)
            )
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(ctx.render_json(config.body), default=str)

    async def run(self, ctx: NodeContext[HttpRequestConfig]) -> NodeResult:
        """Render, authenticate, send, classify the status."""
        config = ctx.config
        headers = {key: ctx.render(value) for key, value in config.headers.items()}
        query = {key: ctx.render(value) for key, value in config.query.items()}
        body = self._body(ctx, headers)
        url = build_url(ctx.render(config.url), query)
        logged_url = url  # before auth: a query credential must not reach logs
        credential = await apply_auth(config.auth, ctx.services.secrets, headers, query)
        if config.auth.placement == "query":
            url = build_url(ctx.render(config.url), query)
        request = HttpRequest(config.method, url, headers, body, config.timeout_s, credential)
        response = await ctx.http.request(request)
        raise_for_status(response, client_errors=config.fail_on_client_error)
        logs = [f"{config.method} {logged_url} -> {response.status}"]
        return NodeResult(output=response_output(response), logs=logs)
