"""Network fakes for egress tests: a listener that records connections, and fake DNS.

Everything listens on loopback. A destination the egress guard must refuse is a ``Listener``
on an address the test did not allowlist; whether it ``received`` anything is the verdict.
"""

from __future__ import annotations

import socket
import threading


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
