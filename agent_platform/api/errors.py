"""Every error leaves the API as ``{"error": {"code", "message", "details"}}``.

A failure of an upstream service the platform calls during a request (embedding a search
query) is not the caller's mistake nor a bug: 503 with ``Retry-After`` when retrying may help,
else 422 (the knowledge base's model or credential is not usable).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from agent_platform.integrations.embeddings import EmbeddingError
from agent_platform.services.errors import DomainError, RateLimited

log = logging.getLogger(__name__)


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The error envelope with ``status``."""
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JSONResponse(body, status_code=status, headers=headers)


def domain_error_response(exc: DomainError) -> JSONResponse:
    """The envelope for ``exc``, for a route that answers an error without rolling back."""
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return error_response(exc.status, exc.code, exc.message, exc.details, headers)


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into the error envelope."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return domain_error_response(exc)

    @app.exception_handler(EmbeddingError)
    async def _embedding(_: Request, exc: EmbeddingError) -> JSONResponse:
        if exc.transient:
            return error_response(
                503, "upstream_unavailable", str(exc), headers={"Retry-After": "30"}
            )
        return error_response(422, "embedding_failed", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err["loc"][1:]), "message": err["msg"]}
            for err in exc.errors()
        ]
        return error_response(
            422, "validation_error", "The request is not valid.", {"problems": problems}
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "Something went wrong on our side.")
