"""Which page origins may open the Reflex websocket: the page's own, and the configured ones.

Reflex checks the websocket's ``Origin`` against a fixed list (``cors_allowed_origins``, by
default ``base_url``), so the UI opened at any other address of the same server
(``http://127.0.0.1:3000``, a LAN address, a proxy's host name) had its websocket refused and
its buttons dead. The check below also accepts the origin the request itself was made to: the
scheme, plus the ``Host`` header (or the ``X-Forwarded-Proto``/``X-Forwarded-Host`` a proxy
adds). That is safe because the check exists to stop *browsers* on other sites from opening a
socket with the user's cookies, and a browser always sends the real ``Origin`` and never lets
page scripts set ``Host`` or ``X-Forwarded-*`` on a websocket; other clients can send any
``Origin`` anyway. A cross-site page (``Origin`` naming another host) is still refused.

``check_origin`` is also what the public ``GET /api/v1/origin`` answers, so a page the socket
would refuse can say so instead of showing forms that never work (``components.origin_banner``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


def normalise(origin: str | None) -> str | None:
    """``scheme://host[:port]`` in lower case without a default port; ``None`` if not http(s).

    ``"null"`` (sandboxed frames, ``file:``), paths, credentials and other schemes give ``None``.
    """
    try:
        parts = urlsplit((origin or "").strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS[scheme] else "")


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()


def own_origins(
    *, scheme: str, host: str | None, forwarded_proto: str | None, forwarded_host: str | None
) -> set[str]:
    """The origin(s) of a page served at the address this request was sent to.

    Args:
        scheme: the request's scheme, ``http``/``https`` or ``ws``/``wss``.
        host: its ``Host`` header.
        forwarded_proto: ``X-Forwarded-Proto``, if a proxy set it.
        forwarded_host: ``X-Forwarded-Host``, if a proxy set it.

    Returns:
        Normalised origins, e.g. ``{"http://127.0.0.1:3000"}``; empty without a ``Host``.
    """
    direct = _SCHEMES.get(scheme.lower(), "http")
    candidates = [f"{direct}://{_first(host)}"] if _first(host) else []
    if forwarded_proto or forwarded_host:
        proto = _SCHEMES.get(_first(forwarded_proto).lower(), direct)
        candidates.append(f"{proto}://{_first(forwarded_host) or _first(host)}")
    return {o for o in map(normalise, candidates) if o}


def check_origin(origin: str | None, *, own: Collection[str], allowed: Collection[str]) -> bool:
    """Whether a page at ``origin`` may use the backend.

    Args:
        origin: the page's origin (the ``Origin`` header).
        own: the request's own origins (``own_origins``).
        allowed: configured origins (``Settings.allowed_origins``); ``"*"`` allows any.
    """
    if "*" in allowed:
        return True
    page = normalise(origin)
    return page is not None and (page in own or page in {normalise(a) for a in allowed})


def socket_check(allowed: Collection[str]) -> Callable[[str | None, Mapping[str, Any]], bool]:
    """The ``cors_allowed_origins`` callable for python-engineio (``(origin, environ)``)."""
    allowed = tuple(allowed)

    def accept(origin: str | None, environ: Mapping[str, Any]) -> bool:
        scope = environ.get("asgi.scope") or {}
        own = own_origins(
            scheme=str(scope.get("scheme") or "http"),
            host=environ.get("HTTP_HOST"),
            forwarded_proto=environ.get("HTTP_X_FORWARDED_PROTO"),
            forwarded_host=environ.get("HTTP_X_FORWARDED_HOST"),
        )
        return check_origin(origin, own=own, allowed=allowed)

    return accept


def install(app: Any, allowed: Collection[str]) -> None:
    """Make the Reflex app's websocket use ``socket_check`` instead of its fixed list.

    Args:
        app: the ``rx.App`` (its Socket.IO server exists once the app is built).
        allowed: configured origins (``Settings.allowed_origins``).

    Raises:
        RuntimeError: the app has no Socket.IO server (state disabled).
    """
    if app.sio is None:
        raise RuntimeError("The Reflex app has no websocket server to protect.")
    app.sio.eio.cors_allowed_origins = socket_check(allowed)
