"""Request dependencies: the database session and the authenticated principal.

Deny by default: every route depends on ``principal`` unless it is in ``PUBLIC_ROUTES``
(checked by a test that walks every registered route).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlmodel import Session

from agent_platform.db import session_scope
from agent_platform.services.accounts import auth
from agent_platform.services.errors import Unauthenticated
from agent_platform.services.permissions import Principal


def db_session() -> Iterator[Session]:
    """One session per request, committed when the handler returns without error."""
    with session_scope() as session:
        yield session


def client_ip(request: Request) -> str:
    """The peer address (``X-Forwarded-For`` is not trusted here)."""
    return request.client.host if request.client else ""


def credential_from(request: Request) -> str | None:
    """The bearer secret from ``Authorization: Bearer`` or ``X-API-Key``.

    The browser's session cookie is deliberately not accepted here, so no cross-site form can
    act through the API with it (the Reflex UI calls services directly).
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    if api_key := request.headers.get("x-api-key"):
        return api_key.strip()
    return None


def principal(request: Request, session: Session = Depends(db_session)) -> Principal:
    """The authenticated caller. Raises ``Unauthenticated`` (401) when there is none."""
    credential = credential_from(request)
    if not credential:
        raise Unauthenticated("Send `Authorization: Bearer <token or API key>` or `X-API-Key`.")
    return auth.resolve_bearer(session, credential=credential, ip=client_ip(request))
