"""A global cap on request body size, answered with 413 in the error envelope.

``Content-Length`` beyond the cap is refused before the body is read; a chunked body is
counted as it arrives and refused once it passes the cap. Multipart uploads keep their own,
per-file caps and are not counted here.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_platform.api.errors import error_response


class BodyTooLarge(Exception):  # noqa: N818 - a signal inside the middleware
    """The body passed the cap while being read."""


class BodyLimitMiddleware:
    """Refuse HTTP request bodies larger than ``max_bytes``.

    Args:
        app: the wrapped ASGI application.
        max_bytes: the cap in bytes.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through, or answer 413."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("content-type", "").startswith("multipart/form-data"):
            await self.app(scope, receive, send)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen, too_large, refused = 0, False, False

        async def counting_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The app may turn the exception into its own error (FastAPI answers 400 for a
            # body it could not read): once the cap was passed, the answer is ours.
            nonlocal refused
            if not too_large:
                await send(message)
            elif not refused and message["type"] == "http.response.start":
                refused = True
                await self._refuse(scope, receive, send)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not refused:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        mb = self.max_bytes / 1_000_000
        response = error_response(
            413,
            "payload_too_large",
            f"The request body is larger than the limit of {mb:g} MB.",
            {"max_bytes": self.max_bytes},
        )
        await response(scope, receive, send)
