"""``GET /api/v1/origin``: would the backend accept a page at this origin? (public)

The UI asks on load (``components.origin_banner``): a browser cannot see why a websocket was
refused, so without this a page opened at a refused address just shows forms that never work.
The answer is readable from any origin (``Access-Control-Allow-Origin: *``, no credentials):
it says nothing but "allowed or not" and the public ``base_url``.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from agent_platform.api import origins
from agent_platform.api.v1.schemas import Out
from agent_platform.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["ui"])


class OriginOut(Out):
    """``allowed`` is what the websocket would decide for a page at ``origin``."""

    origin: str | None
    allowed: bool
    base_url: str


@router.get("/origin")
def check_origin(
    request: Request,
    response: Response,
    origin: str | None = Query(default=None, max_length=300, description="The page's origin"),
) -> OriginOut:
    """Whether a page at ``origin`` (default: the ``Origin`` header) may use the backend.

    Without either, the caller is a same-origin page, which is always allowed.
    """
    settings = get_settings()
    page = origin or request.headers.get("origin")
    own = origins.own_origins(
        scheme=request.url.scheme,
        host=request.headers.get("host"),
        forwarded_proto=request.headers.get("x-forwarded-proto"),
        forwarded_host=request.headers.get("x-forwarded-host"),
    )
    allowed = page is None or origins.check_origin(page, own=own, allowed=settings.allowed_origins)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return OriginOut(origin=origins.normalise(page), allowed=allowed, base_url=settings.base_url)
