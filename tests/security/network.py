"""Network fixtures for the egress attacks: a listener that records connections, fake DNS.

Everything listens on loopback. A destination the egress guard must refuse is a ``Listener``
on an address the test did not allowlist; whether it ``received`` anything is the verdict.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from tests.services.runtime.conftest import V1, publish, steps


class Listener:
    """A TCP listener in a thread: records the first bytes of every connection, then hangs up.

    Args:
        host: ``127.0.0.2``, ``::1``, ... (an address the test keeps off the allowlist).
        port: a fixed port (e.g. the same port as an allowed server); 0 picks a free one.
    """

    def __init__(self, host: str = "127.0.0.2", port: int = 0) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.host, self.port = host, self._sock.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="egress-listener", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://host:port`` (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1.0)
                try:
                    self.received.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    self.received.append(b"<connected>")

    def close(self) -> None:
        """Stop accepting and close the socket."""
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


class FakeDNS:
    """Answers for the egress guard's resolver: ``{host: [answer, answer, ...]}``.

    Each lookup of a host takes its next answer; the last one repeats. So
    ``{"rebind.test": [["127.0.0.1"], ["127.0.0.2"]]}`` answers allowed first, then private
    (DNS rebinding). Unknown names fail like NXDOMAIN.
    """

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        queue = self.answers.get(host)
        if not queue:
            raise OSError("no such host")
        return queue.pop(0) if len(queue) > 1 else queue[0]


def create_credential(client: Any, headers: dict[str, str], **body: Any) -> str:
    """``POST /credentials``; returns the new credential's id."""
    resp = client.post(f"{V1}/credentials", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def run_graph(client: Any, headers: dict[str, str], graph: dict[str, Any]) -> dict[str, Any]:
    """Publish ``graph``, execute it with ``wait`` and return the execution with its steps."""
    agent_id = publish(client, headers, graph, name="Innocent agent")
    resp = client.post(
        f"{V1}/agents/{agent_id}/execute",
        json={"inputs": {}, "wait": True, "timeout_s": 60},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    execution = resp.json()
    execution["steps"] = steps(client, headers, execution["id"])
    return execution


def one_step_graph(node_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """trigger -> ``node_type`` (id ``step_1``) -> output (the step's output)."""
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "api"}},
            {"id": "step_1", "type": node_type, "data": data},
            {"id": "output_1", "type": "output", "data": {"value": "{{step_1.output}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "step_1"},
            {"id": "e2", "source": "step_1", "target": "output_1"},
        ],
    }


def llm_graph(credential_id: str, model: str = "compat:llama3") -> dict[str, Any]:
    """An llm step on ``credential_id`` with ``model`` (``provider:name``)."""
    data = {"model": model, "credential_id": credential_id, "prompt": "Say hi", "stream": False}
    return one_step_graph("llm", data)
