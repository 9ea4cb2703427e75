"""Request dependencies: the request's unit of work (its session) and the authenticated principal.

One owner of the API transaction (STYLE.md rule 4: services own the domain and do not commit; the
caller owns the transaction). For the API the caller is the request dependency ``Db``:

* Routes take ``session: Session = deps.Db`` and do not commit. ``principal`` resolves the
  caller on that same session, so a request is one unit of work.
* ``Db`` is function-scoped: FastAPI leaves it once the path function has returned and its result
  has been serialised, *before* the response is sent. The commit therefore comes first: a client
  that got a 2xx reads its writes on its next request, and a failing commit (an
  ``IntegrityError``, a lost connection) becomes an error response in the envelope
  (``api/errors.py``) with nothing written, never a 200 followed by a lost write.
* A route that raises rolls the whole request back. An outcome whose writes must persist is
  returned as an error response rather than raised (a failed log-in keeps its
  ``auth.login_failed`` audit entries).
* Dramatiq messages queued with ``services.queue.enqueue_after_commit`` go out on that commit.
  Work that must see the committed rows (waiting for a run, streaming its events) runs after it:
  in a streaming body, or in an ``AfterCommit`` response, each with its own short sessions
  (``db.session_scope``).

FastAPI caches dependencies per scope, and a request-scoped ``yield`` dependency may not depend on
a function-scoped one (``DependencyScopeError``): always use ``Db``, never
``Depends(db_session)``, which would open a second, request-scoped session
(``tests/api/test_transactions.py`` walks every route).

Deny by default: every route depends on ``principal`` unless it is in ``PUBLIC_ROUTES``
(checked by a test that walks every registered route).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from agent_platform.db import session_scope
from agent_platform.integrations import client_address
from agent_platform.services.accounts import auth
from agent_platform.services.errors import Unauthenticated
from agent_platform.services.permissions import Principal


def db_session() -> Iterator[Session]:
    """The request's session: committed when the route returns, rolled back if it raises."""
    with session_scope() as session:
        yield session


Db = Depends(db_session, scope="function")


class AfterCommit(Response):
    """A response built when it is sent, that is after ``Db`` committed the request.

    For a route that must wait on work its commit releases (a queued run): it returns
    ``AfterCommit(build)``; ``build()`` waits, reads through its own short sessions and returns
    the real response. No session or worker thread is held meanwhile. An exception in ``build``
    still becomes the error envelope, since nothing has been sent yet.
    """

    def __init__(self, build: Callable[[], Awaitable[Response]]) -> None:
        super().__init__()
        self._build = build

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._build()
        response.background = response.background or self.background
        await response(scope, receive, send)


def client_ip(request: Request) -> str:
    """The client's address: the peer, or what a trusted proxy forwarded for.

    One rule with the websocket side (``integrations.client_address``); ``X-Forwarded-For``
    counts only from ``security.trusted_proxies``.
    """
    peer = request.client.host if request.client else ""
    return client_address.client_ip(peer, request.headers.getlist("x-forwarded-for"))


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


def principal(request: Request, session: Session = Db) -> Principal:
    """The authenticated caller. Raises ``Unauthenticated`` (401) when there is none."""
    credential = credential_from(request)
    if not credential:
        raise Unauthenticated("Send `Authorization: Bearer <token or API key>` or `X-API-Key`.")
    return auth.resolve_bearer(session, credential=credential, ip=client_ip(request))
