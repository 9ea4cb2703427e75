"""Local servers speaking the OpenAI and Anthropic wire protocols, for tests and benchmarks.

One plain-asyncio HTTP/1.1 server (in a background thread, so sync and async callers can share it)
serves both ``POST /v1/chat/completions`` (OpenAI) and ``POST /v1/messages`` (Anthropic), JSON or
SSE depending on the request's ``"stream"`` flag. Tests script replies and inspect what the real
SDKs sent::

    with wire_server() as srv:
        srv.reply_text("Hello there")
        srv.reply_error(429, retry_after=0)          # queued replies are used in order
        client = AsyncOpenAI(api_key="k", base_url=srv.openai_base_url, max_retries=0)
        ...
        assert srv.requests[0].json["model"] == "gpt-4o-mini"

When the queue is empty the ``default`` reply is used (``Reply(text="ok")`` unless changed;
``srv.fail_forever(500)`` makes every request fail). ``add_route`` serves static responses for
plain HTTP tests (egress guard).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.integrations.llm_wire_formats import (
    anthropic_json,
    anthropic_sse,
    error_body,
    openai_json,
    openai_sse,
)


@dataclass
class Reply:
    """A scripted reply. ``tool_calls`` are ``(name, arguments)`` pairs; errors use ``status``."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    error_message: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)
    input_tokens: int = 12
    output_tokens: int = 7
    delay_s: float = 0.0


@dataclass
class RecordedRequest:
    """A request as received: lower-cased header names, parsed JSON body (or ``None``)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any

    @property
    def stream(self) -> bool:
        """Whether the client asked for SSE."""
        return isinstance(self.json, dict) and bool(self.json.get("stream"))


@dataclass
class _Route:
    status: int
    headers: dict[str, str]
    body: bytes


class WireServer:
    """Controller of a running server: scripts replies, records requests. Thread-safe."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.default = Reply(text="ok")
        self._queue: list[Reply] = []
        self._requests: list[RecordedRequest] = []
        self._routes: dict[tuple[str, str], _Route] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- addresses
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (the Anthropic SDK's base URL)."""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1`` (the OpenAI SDK's base URL)."""
        return self.base_url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        """Same as ``base_url``; the SDK appends ``/v1/messages``."""
        return self.base_url

    # ---------------------------------------------------------------- scripting
    def script(self, *replies: Reply) -> None:
        """Queue replies, used in order by the next requests."""
        with self._lock:
            self._queue.extend(replies)

    def reply_text(self, text: str, **kwargs: Any) -> None:
        """Queue a text reply."""
        self.script(Reply(text=text, **kwargs))

    def reply_tool_call(self, name: str, arguments: dict[str, Any], **kwargs: Any) -> None:
        """Queue a reply with one tool call."""
        self.script(Reply(tool_calls=[(name, arguments)], **kwargs))

    def reply_error(
        self, status: int, *, times: int = 1, retry_after: float | None = None, message: str = ""
    ) -> None:
        """Queue ``times`` error replies with HTTP ``status`` (and optional Retry-After)."""
        headers = {} if retry_after is None else {"retry-after": str(retry_after)}
        for _ in range(times):
            self.script(Reply(status=status, headers=headers, error_message=message or "error"))

    def fail_forever(self, status: int = 500) -> None:
        """Make every unscripted request fail with ``status``."""
        self.default = Reply(status=status, error_message="scripted failure")

    def add_route(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve a static response for ``method path`` (exact path, query ignored)."""
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._routes[(method.upper(), path)] = _Route(status, dict(headers or {}), data)

    def reset(self) -> None:
        """Forget scripted replies, routes and recorded requests."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self._routes.clear()
            self.default = Reply(text="ok")

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def _next(self, req: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(req)
            return self._queue.pop(0) if self._queue else self.default

    # ---------------------------------------------------------------- HTTP
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                req = await _read_request(reader)
                if req is None:
                    break
                keep = await self._dispatch(req, writer)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _dispatch(self, req: RecordedRequest, writer: asyncio.StreamWriter) -> bool:
        path = req.path.split("?", 1)[0]
        with self._lock:
            route = self._routes.get((req.method, path))
        if route is not None:
            with self._lock:
                self._requests.append(req)
            await _send(writer, route.status, route.body, route.headers)
            return True
        if path.endswith("/chat/completions"):
            flavour = "openai"
        elif path.endswith("/messages"):
            flavour = "anthropic"
        else:
            await _send(writer, 404, b'{"error": {"message": "no such route"}}')
            return True
        reply = self._next(req)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        model = (req.json or {}).get("model", "unknown")
        if reply.status >= 400:
            body = error_body(flavour, reply, req)
            await _send(writer, reply.status, json.dumps(body).encode(), reply.headers)
            return True
        if not req.stream:
            render = openai_json if flavour == "openai" else anthropic_json
            await _send(writer, 200, json.dumps(render(reply, model)).encode(), reply.headers)
            return True
        include_usage = bool(((req.json or {}).get("stream_options") or {}).get("include_usage"))
        events = (
            openai_sse(reply, model, include_usage)
            if flavour == "openai"
            else anthropic_sse(reply, model)
        )
        head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        head += "transfer-encoding: chunked\r\n\r\n"
        writer.write(head.encode())
        for event in events:
            data = event.encode()
            writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip() or b"0", 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    return RecordedRequest(method.upper(), target, headers, body, parsed)


async def _send(
    writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    lines = [f"HTTP/1.1 {status} X"]
    extra = {"content-type": "application/json", **(headers or {})}
    lines += [f"{k}: {v}" for k, v in extra.items()]
    lines.append(f"content-length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()


@contextlib.contextmanager
def wire_server() -> Iterator[WireServer]:
    """Run a server on ``127.0.0.1:<random port>`` in a daemon thread for the ``with`` block.

    Yields:
        The ``WireServer`` controller (``base_url``, ``openai_base_url``, scripting, requests).
    """
    srv = WireServer()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, asyncio.AbstractServer] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(asyncio.start_server(srv._handle, srv.host, 0))
        holder["server"] = server
        srv.port = server.sockets[0].getsockname()[1]
        started.set()
        loop.run_forever()
        server.close()
        for task in asyncio.all_tasks(loop):
            task.cancel()
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.sleep(0))
        loop.close()

    thread = threading.Thread(target=run, name="llm-wire-server", daemon=True)
    thread.start()
    started.wait(5)
    try:
        yield srv
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
