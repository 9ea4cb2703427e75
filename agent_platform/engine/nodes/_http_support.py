"""Shared HTTP pieces for ``http_request`` and the agent's HTTP tools.

Credentials are resolved at call time and placed in the request only; they never appear in a
node's output, step inputs or logs. The request then carries a ``BoundCredential``: the
``HttpClient`` sends it only to the credential's allowed hosts.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from agent_platform.engine.protocols import (
    BoundCredential,
    HttpResponse,
    PermanentError,
    SecretResolver,
    TransientError,
)

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
AuthPlacement = Literal["none", "bearer", "header", "query", "basic"]


class HttpAuth(BaseModel):
    """Where a credential goes: bearer token, a named header, a query parameter, or basic."""

    model_config = ConfigDict(extra="forbid")

    credential_id: str | None = None
    placement: AuthPlacement = "none"
    name: str = Field(default="", description="Header or query parameter name")


def _secret_value(fields: Mapping[str, Any]) -> str:
    for key in ("token", "api_key", "access_token", "value", "key"):
        if fields.get(key):
            return str(fields[key])
    raise PermanentError("The credential has no token or api_key field")


async def apply_auth(
    auth: HttpAuth, secrets: SecretResolver | None, headers: dict[str, str], query: dict[str, str]
) -> BoundCredential | None:
    """Add the credential to ``headers``/``query`` in place.

    Returns:
        What the request must carry as ``HttpRequest.credential`` (the hosts the credential
        may reach, the header holding it), or ``None`` without authentication.

    Raises:
        PermanentError: missing credential, vault not configured, a credential not released
            for HTTP (LLM provider key, no allowed hosts), or unusable fields.
    """
    if auth.placement == "none":
        return None
    if not auth.credential_id:
        raise PermanentError("Authentication is on but no credential is selected")
    if secrets is None:
        raise PermanentError("The credential vault is not configured for this run")
    if auth.placement in ("header", "query") and not auth.name:
        raise PermanentError(f"Authentication by {auth.placement} needs a parameter name")
    secret = await secrets.resolve_for_http(auth.credential_id)
    fields, header = secret.fields, "authorization"
    if auth.placement == "basic":
        pair = f"{fields.get('username', '')}:{fields.get('password', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    elif auth.placement == "bearer":
        headers["Authorization"] = f"Bearer {_secret_value(fields)}"
    elif auth.placement == "header":
        headers[auth.name] = _secret_value(fields)
        header = auth.name.lower()
    else:
        query[auth.name] = _secret_value(fields)
    return BoundCredential(tuple(secret.allowed_hosts), frozenset({header}))


def build_url(url: str, query: Mapping[str, str]) -> str:
    """Append ``query`` to ``url``; only http(s) URLs are accepted.

    Raises:
        PermanentError: another scheme or no host.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PermanentError(f"Only http and https URLs can be requested, not {url[:100]!r}")
    if not query:
        return url
    return url + ("&" if parts.query else "?") + urlencode(dict(query))


def response_output(response: HttpResponse) -> dict[str, Any]:
    """``{status, headers, body, json}``; ``json`` is ``None`` if the body is not JSON."""
    try:
        parsed = json.loads(response.body) if response.body else None
    except json.JSONDecodeError:
        parsed = None
    return {
        "status": response.status,
        "headers": dict(response.headers),
        "body": response.body,
        "json": parsed,
        "truncated": response.truncated,
    }


def raise_for_status(response: HttpResponse, *, client_errors: bool) -> None:
    """429/5xx raise ``TransientError``; 4xx raise ``PermanentError`` if ``client_errors``."""
    if response.status == 429 or response.status >= 500:
        raise TransientError(f"The server answered HTTP {response.status}")
    if client_errors and response.status >= 400:
        raise PermanentError(
            f"The server answered HTTP {response.status}", details={"body": response.body[:500]}
        )
