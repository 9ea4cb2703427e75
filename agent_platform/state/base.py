"""The base state and the handler policy every public event handler must declare.

Any browser can call any event handler with any arguments, so each handler carries exactly one
policy decorator: ``@public``, ``@requires_login`` or ``@requires(Permission.X)``. The decorator
resolves the caller from the HttpOnly session cookie of the websocket handshake (server-side
only), refuses before the handler body runs, and turns ``DomainError`` into a toast.
tests/state/test_handler_policy.py fails when a handler has no policy.
"""

import contextvars
import functools
import inspect
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

import reflex as rx

from agent_platform import routes
from agent_platform.db import session_scope
from agent_platform.integrations import client_address
from agent_platform.services.accounts import auth
from agent_platform.services.errors import DomainError, Forbidden, InvalidInput, Unauthenticated
from agent_platform.services.permissions import Permission, Principal
from agent_platform.settings import get_settings

POLICY_ATTR = "__ap_policy__"
MAX_FIELD = 1000

_IDENTITY: contextvars.ContextVar[auth.Identity | None] = contextvars.ContextVar(
    "ap_identity", default=None
)


@dataclass(frozen=True)
class Policy:
    """Who may call a handler: anyone, any signed-in user, or members with ``permission``."""

    kind: str  # "public" | "login" | "permission"
    permission: Permission | None = None


def _guard(self: "AppState", policy: Policy) -> tuple[Any, auth.Identity | None]:
    """``(refusal_event, identity)``: a refusal is returned instead of running the handler."""
    if policy.kind == "public":
        return None, None
    try:
        identity = self._resolve_identity()
    except Unauthenticated:
        return rx.redirect(routes.login_url(self.router.url.path)), None
    if policy.permission is not None:
        principal = identity.principal
        if principal is None or not principal.can(policy.permission):
            return rx.toast.error("You are not allowed to do that."), None
    return None, identity


def _apply(fn: Callable, policy: Policy) -> Callable:
    if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
        raise TypeError(f"{fn.__qualname__}: policy handlers must return events, not yield them")
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(self: "AppState", *args: Any, **kwargs: Any) -> Any:
            refusal, identity = _guard(self, policy)
            if refusal is not None:
                return refusal
            reset = _IDENTITY.set(identity)
            try:
                return await fn(self, *args, **kwargs)
            except DomainError as exc:
                return rx.toast.error(exc.message)
            finally:
                _IDENTITY.reset(reset)

        wrapper: Callable = async_wrapper
    else:

        @functools.wraps(fn)
        def sync_wrapper(self: "AppState", *args: Any, **kwargs: Any) -> Any:
            refusal, identity = _guard(self, policy)
            if refusal is not None:
                return refusal
            reset = _IDENTITY.set(identity)
            try:
                return fn(self, *args, **kwargs)
            except DomainError as exc:
                return rx.toast.error(exc.message)
            finally:
                _IDENTITY.reset(reset)

        wrapper = sync_wrapper
    setattr(wrapper, POLICY_ATTR, policy)
    return wrapper


def public(fn: Callable) -> Callable:
    """Anyone may call this handler (log-in, sign-up, password reset, invitation preview)."""
    return _apply(fn, Policy("public"))


def requires_login(fn: Callable) -> Callable:
    """Only a caller with a live session may call this handler; others go to log-in."""
    return _apply(fn, Policy("login"))


def requires(permission: Permission) -> Callable[[Callable], Callable]:
    """Only a member whose role grants ``permission`` may call this handler.

    The service called inside re-checks; this refuses early and keeps the UI honest.
    """
    return lambda fn: _apply(fn, Policy("permission", permission))


def policy_of(fn: Callable) -> Policy | None:
    """The policy a handler function was declared with, or ``None``."""
    return getattr(fn, POLICY_ATTR, None)


def text(form: Any, key: str, *, limit: int = MAX_FIELD) -> str:
    """The string ``form[key]`` from a client payload, stripped; ``InvalidInput`` otherwise."""
    value = form.get(key, "") if isinstance(form, dict) else None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"Invalid value for {key.replace('_', ' ')}.")
    return value.strip()


def parse_id(value: Any, what: str = "item") -> uuid.UUID:
    """A UUID from a client argument. Raises ``InvalidInput`` for anything else."""
    try:
        return uuid.UUID(str(value)) if isinstance(value, str) else uuid.UUID("x")
    except ValueError:
        raise InvalidInput(f"That {what} was not found.") from None


class AppState(rx.State):
    """Base of every app state: who is calling, from where, and the current org."""

    def _cookie(self, name: str) -> str:
        """Cookie ``name`` from the websocket handshake's Cookie header (never sent out)."""
        raw = self.router.headers.cookie or ""
        try:
            jar = SimpleCookie(raw)
        except CookieError:
            return ""
        morsel = jar.get(name)
        return morsel.value if morsel else ""

    def _cookie_token(self) -> str:
        """The session token from the handshake's cookies."""
        return self._cookie(get_settings().security.session_cookie)

    def _client_ip(self) -> str:
        """The client's address by the REST API's rule (``integrations.client_address``).

        ``router.session.client_ip`` is the websocket's peer (rxconfig keeps Reflex's own
        ``trusted_proxy_hops`` at 0); the forwarded header is judged here, not by Reflex.
        """
        forwarded = self.router.headers.raw_headers.get("x-forwarded-for", "")
        return client_address.client_ip(self.router.session.client_ip or "", forwarded)

    def _user_agent(self) -> str:
        return (self.router.headers.user_agent or "")[:500]

    def _query(self, name: str) -> str:
        value = self.router.url.query_parameters.get(name, "")
        return value[:MAX_FIELD] if isinstance(value, str) else ""

    def _resolve_identity(self) -> auth.Identity:
        """Verify the session cookie. Raises ``Unauthenticated``."""
        with session_scope() as session:
            return auth.resolve_session(session, token=self._cookie_token(), ip=self._client_ip())

    def _identity(self) -> auth.Identity:
        """The caller, verified by the policy decorator for this event (or now)."""
        return _IDENTITY.get() or self._resolve_identity()

    def _principal(self) -> Principal:
        """The caller's principal in their current org. Raises ``Forbidden`` without one."""
        principal = self._identity().principal
        if principal is None:
            raise Forbidden("You are not a member of any organization.")
        return principal


def navigate(url: str) -> rx.event.EventSpec:
    """A full browser navigation to ``url`` (needed for backend routes that set cookies)."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


def fmt_time(value: Any) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM UTC``; empty for ``None``."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""
