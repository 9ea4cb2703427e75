"""A bare Reflex websocket client: the frames a browser's page sends, without a browser.

Anyone can open the app's websocket and call any event handler with any payload and any
headers (the Socket.IO handshake is a plain HTTP request), so attack tests speak to it
directly: ``connect`` opens the socket from a chosen local address with chosen headers,
``call`` sends one event and collects the state updates that come back.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import socketio

NAMESPACE = "/_event"


class ReflexSocket:
    """One connected tab: its client token, its socket and the updates received so far."""

    def __init__(self) -> None:
        self.token = str(uuid.uuid4())
        self.updates: list[str] = []
        self._arrived = asyncio.Event()
        self._sio: socketio.AsyncClient | None = None
        self._http: aiohttp.ClientSession | None = None

    async def connect(
        self, base_url: str, *, headers: dict[str, str], local_host: str = "127.0.0.1"
    ) -> None:
        """Open the websocket from ``local_host`` with extra handshake ``headers``."""
        connector = aiohttp.TCPConnector(local_addr=(local_host, 0))
        self._http = aiohttp.ClientSession(connector=connector)
        self._sio = socketio.AsyncClient(http_session=self._http, reconnection=False)

        @self._sio.on("event", namespace=NAMESPACE)
        async def _update(data: Any) -> None:
            self.updates.append(data if isinstance(data, str) else json.dumps(data))
            self._arrived.set()

        await self._sio.connect(
            f"{base_url}?token={self.token}",
            headers={"Origin": base_url, **headers},
            socketio_path="/_event",
            namespaces=[NAMESPACE],
            transports=["websocket"],
            wait_timeout=20,
        )

    async def call(
        self,
        handler: str,
        payload: dict[str, Any],
        *,
        path: str,
        until: Callable[[str], bool],
        timeout: float = 30,
    ) -> str:
        """Send ``handler(**payload)`` as if from page ``path``; the updates until ``until``.

        Args:
            handler: the full event name (``State.get_full_name()`` + ``.handler``).
            until: called with every update received so far (joined); ``True`` stops waiting.
        """
        assert self._sio is not None
        router_data = {"pathname": path, "asPath": path, "query": {}}
        event = {"name": handler, "payload": payload, "router_data": router_data}
        await self._sio.emit("event", event, namespace=NAMESPACE)
        deadline = asyncio.get_running_loop().time() + timeout
        while not until("\n".join(self.updates)):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no matching update in {timeout}s: {self.updates[-3:]}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                continue
        return "\n".join(self.updates)

    async def close(self) -> None:
        """Disconnect and release the HTTP session."""
        if self._sio is not None:
            await self._sio.disconnect()
        if self._http is not None:
            await self._http.close()
