"""``GET /api/v1/docs``: the API reference rendered on the server from the OpenAPI document.

No CDN assets and no script: the page works offline and under a strict CSP.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["reference"])
_METHODS = ("get", "post", "put", "patch", "delete")
_STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;"
    "color:#1e293b}h2{margin-top:2rem;border-bottom:1px solid #e2e8f0}code,pre{background:#f1f5f9;"
    "border-radius:4px;padding:.1rem .3rem}pre{padding:.6rem;overflow:auto}.m{display:inline-block;"
    "width:4.5rem;font-weight:700}.get{color:#0369a1}.post{color:#15803d}.put,.patch{color:#b45309}"
    ".delete{color:#b91c1c}.op{margin:1rem 0;padding:.5rem 1rem;border:1px solid #e2e8f0;"
    "border-radius:8px}nav a{margin-right:.8rem}"
)


def _schema_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    if ref:
        return ref.rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items') or {})}"
    return str(schema.get("type") or "object")


def _operation(method: str, path: str, op: dict[str, Any]) -> str:
    e = html.escape
    params = "".join(
        f"<li><code>{e(p['name'])}</code> ({e(p.get('in', ''))}"
        f"{', required' if p.get('required') else ''})</li>"
        for p in op.get("parameters", [])
    )
    body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {})
    body_html = (
        f"<p>Body: <code>{e(_schema_name(body.get('schema') or {}))}</code></p>" if body else ""
    )
    codes = ", ".join(e(code) for code in op.get("responses", {}))
    return (
        f'<div class="op"><p><span class="m {method}">{method.upper()}</span>'
        f"<code>{e(path)}</code></p><p>{e(op.get('summary', ''))}</p>"
        f"<pre>{e(op.get('description', '')).strip()}</pre>"
        f"{'<ul>' + params + '</ul>' if params else ''}{body_html}<p>Responses: {codes}</p></div>"
    )


def render_reference(spec: dict[str, Any]) -> str:
    """The whole reference page for ``spec`` (an OpenAPI 3 document)."""
    groups: dict[str, list[str]] = {}
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in _METHODS:
            if op := item.get(method):
                tag = (op.get("tags") or ["other"])[0]
                groups.setdefault(tag, []).append(_operation(method, path, op))
    info = spec.get("info", {})
    title = html.escape(info.get("title", "API"))
    nav = "".join(f'<a href="#{html.escape(t)}">{html.escape(t)}</a>' for t in groups)
    sections = "".join(
        f'<h2 id="{html.escape(t)}">{html.escape(t)}</h2>{"".join(ops)}'
        for t, ops in groups.items()
    )
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{title} reference</title>"
        f"<style>{_STYLE}</style><h1>{title} "
        f"{html.escape(str(info.get('version', '')))}</h1><p>Authenticate with "
        "<code>Authorization: Bearer &lt;API key&gt;</code>. Machine-readable: "
        '<a href="/api/v1/openapi.json">openapi.json</a>.</p>'
        f"<nav>{nav}</nav>{sections}</html>"
    )


@router.get("/api/v1/docs", include_in_schema=False)
def api_reference(request: Request) -> HTMLResponse:
    """The API reference (public, like ``openapi.json``)."""
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    return HTMLResponse(render_reference(request.app.openapi()), headers=headers)
