"""Refuse, before any route runs, request input that no route can store or handle.

PostgreSQL refuses the NUL character in ``text`` and ``jsonb`` (``\\u0000``) and cannot encode
a lone UTF-16 surrogate; Python's ``json`` reads ``NaN``, ``Infinity`` and ``1e999`` (which JSON
does not have and ``jsonb`` refuses) and recurses on deep nesting. Checked once here for every
route, present and future, such input is a 422 in the error envelope instead of a 500 from the
database or a ``RecursionError`` somewhere inside a route:

* the path (its decoded form, so path parameters) and the query string (keys and values);
* header values;
* the body, unless it is a ``multipart/form-data`` upload (files may hold any byte): no NUL byte
  in it, and when it parses as JSON, no NUL or lone surrogate in any key or string, no
  non-finite number, at most ``MAX_DEPTH`` levels of nesting. A body that is not JSON is left
  to the route (FastAPI answers its own 422 for broken JSON).

Bodies are read whole to be checked, so one larger than ``MAX_BODY_BYTES`` is refused with 413.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_platform.api.errors import error_response

MAX_DEPTH = 64
MAX_BODY_BYTES = 4 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(Exception):
    """A JSON token the database cannot store (``NaN``, ``Infinity``, ``1e999``)."""


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain the NUL character (\\u0000)"
    if _SURROGATE.search(text):
        return "must be valid Unicode (it holds a lone surrogate)"
    return None


def _shown(part: object) -> str:
    return str(part).replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode()


def _refuse_number(token: str) -> float:
    number = float(token)
    if not math.isfinite(number):
        raise _Refused(token)
    return number


def _refuse_constant(token: str) -> None:
    raise _Refused(token)


def json_problem(value: Any) -> tuple[str, str] | None:
    """The first ``(field, message)`` wrong in a decoded JSON ``value``, or ``None``.

    Walks iteratively (no recursion), so any depth is safe to inspect; more than ``MAX_DEPTH``
    arrays or objects inside one another is a problem.
    """
    stack: list[tuple[Any, tuple[object, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict | list) and len(path) >= MAX_DEPTH:
            return "", f"nests deeper than {MAX_DEPTH}"
        if isinstance(item, str):
            if message := _bad_text(item):
                return ".".join(_shown(p) for p in path), message
        elif isinstance(item, dict):
            for key, child in item.items():
                if message := _bad_text(key):
                    return ".".join(_shown(p) for p in (*path, key)), f"key {message}"
                stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(item))
    return None


def body_problem(body: bytes, content_type: str) -> tuple[str, str] | None:
    """What is wrong with a (non-multipart) request ``body``, as ``(field, message)``."""
    if b"\x00" in body:
        return "body", "must not contain the NUL byte"
    if content_type.startswith("application/x-www-form-urlencoded"):
        for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if message := _bad_text(key) or _bad_text(value):
                return f"body.{_shown(key)}", message
        return None
    try:
        decoded = json.loads(body, parse_constant=_refuse_constant, parse_float=_refuse_number)
    except _Refused as exc:
        return "body", f"holds {_shown(exc)[:40]}, which is not a JSON number"
    except RecursionError:
        return "body", f"nests deeper than {MAX_DEPTH}"
    except ValueError:
        return None  # not JSON: the route (or FastAPI) answers for it
    found = json_problem(decoded)
    return (f"body.{found[0]}".rstrip("."), found[1]) if found else None


def target_problem(scope: Scope) -> tuple[str, str] | None:
    """What is wrong with the path, query string or headers of ``scope``."""
    if message := _bad_text(scope.get("path", "")):
        return "path", message
    query = scope.get("query_string", b"").decode("latin-1")
    for key, value in parse_qsl(query, keep_blank_values=True):
        if message := _bad_text(key) or _bad_text(value):
            return f"query.{_shown(key)}", message
    for name, value in scope.get("headers", []):
        if b"\x00" in value:
            return f"header.{name.decode('latin-1')}", "must not contain the NUL byte"
    return None


async def _read_body(receive: Receive) -> tuple[bytes | None, bool]:
    """``(body, disconnected)``; the body is ``None`` once it exceeds ``MAX_BODY_BYTES``."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", True
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None, False
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the already-read ``body``, then the real messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class InputGuard:
    """ASGI middleware answering 422 (or 413) for input described in the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = target_problem(scope)
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if problem is None and not content_type.startswith("multipart/form-data"):
            body, disconnected = await _read_body(receive)
            if disconnected:
                return
            if body is None:
                too_large = error_response(
                    413, "payload_too_large", "The request body is too large."
                )
                await too_large(scope, receive, send)
                return
            problem = body_problem(body, content_type)
            receive = _replaying(body, receive)
        if problem is None:
            await self.app(scope, receive, send)
            return
        field, message = problem
        details = {"problems": [{"field": field, "message": message}]}
        invalid = error_response(422, "validation_error", "The request is not valid.", details)
        await invalid(scope, receive, send)
