"""Attacks on shared connections through the widget's long-lived answer streams.

A visitor opening stream after stream must not exhaust the database pool or the server: streams
are capped per address (and per key), and while they are open other requests still answer.
The streams are driven concurrently on one event loop straight through the ASGI app.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.security.widget_fixtures import Widget
from tests.services.delivery.conftest import SITE

ADDRESS = "203.0.113.5"


class Stream:
    """One open GET on the ASGI app from ``ADDRESS``; ``status`` once the response started."""

    def __init__(self, app: Any, path: str, headers: dict[str, str]) -> None:
        self.started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.gone = asyncio.Event()
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "server": ("testserver", 80), "client": (ADDRESS, 50000),
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        }  # fmt: skip
        self.task = asyncio.create_task(app(scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        if not hasattr(self, "_sent_body"):
            self._sent_body = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not self.started.done():
            self.started.set_result(message["status"])

    async def close(self) -> None:
        self.gone.set()
        await asyncio.wait_for(asyncio.gather(self.task, return_exceptions=True), 10)


def test_streams_beyond_the_per_address_cap_get_429_and_the_api_still_answers(
    widget: Widget, settings_env
):
    settings_env(WIDGET__STREAMS_PER_ADDRESS=3)
    visitor = widget.at(ADDRESS)
    headers = widget.session(visitor)
    answer = widget.send(visitor, headers).json()["answer"]  # no worker: stays pending
    path = f"{widget.api}/messages/{answer['id']}/stream"
    app = visitor.app

    async def attack() -> None:
        streams = [Stream(app, path, headers) for _ in range(3)]
        assert [await asyncio.wait_for(s.started, 20) for s in streams] == [200, 200, 200]
        fourth = Stream(app, path, headers)
        assert await asyncio.wait_for(fourth.started, 20) == 429
        await fourth.close()
        # The open streams hold no database connection: database-backed requests answer.
        transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for _ in range(20):
                resp = await http.get(f"{widget.api}/messages", headers=headers)
                assert resp.status_code == 200
            assert (await http.get(f"{widget.api}/config", headers={"Origin": SITE})).is_success
        for stream in streams:  # the visitor goes away: the slots free up
            await stream.close()
        again = Stream(app, path, headers)
        assert await asyncio.wait_for(again.started, 20) == 200
        await again.close()

    asyncio.run(attack())
