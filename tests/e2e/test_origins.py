"""The UI at any address of its server, and a clear refusal elsewhere (api/origins.py).

The app under test has ``base_url`` ``http://localhost:<port>``; before the origin policy the
websocket refused a page opened at ``http://127.0.0.1:<port>`` and its forms stayed disabled.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def _account(email: str) -> None:
    from agent_platform.db import session_scope
    from agent_platform.services.accounts import auth

    with session_scope() as s:
        auth.signup(s, email=email, password=PASSWORD, org_name="Origins")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_log_in_at_any_address_of_the_server(new_page, app_server, host):
    _account(f"ada@{host}.example.com")
    origin = f"http://{host}:{urlsplit(app_server).port}"
    page = new_page()
    page.goto(f"{origin}/login")
    submit = page.get_by_role("button", name="Log in", exact=True)
    expect(submit).to_be_enabled()
    page.get_by_placeholder("you@company.com").fill(f"ada@{host}.example.com")
    page.get_by_placeholder("Your password").fill(PASSWORD)
    submit.click()
    page.wait_for_url(re.compile(rf"^{re.escape(origin)}/agents/?(\?.*)?$"))
    expect(page.get_by_role("heading", name="Agents").first).to_be_visible()
    expect(page.get_by_test_id("origin-banner")).to_have_count(0)


@contextmanager
def _proxy(target: str) -> Iterator[str]:
    """A plain HTTP proxy on another port of this host that forwards GETs to ``target``.

    Like a reverse proxy set up without the websocket: the pages come from the proxy's
    address, while their websocket still goes to the backend at ``target``'s port.
    """

    class Forward(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
            try:
                with urllib.request.urlopen(target + self.path, timeout=20) as upstream:
                    status, headers, body = upstream.status, upstream.headers, upstream.read()
            except urllib.error.HTTPError as error:
                status, headers, body = error.code, error.headers, error.read()
            self.send_response(status)
            for name in ("Content-Type", "Location", "Cache-Control"):
                if headers.get(name):
                    self.send_header(name, headers[name])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_address_says_where_to_go(new_page, app_server):
    """A page served from an address the backend does not accept names ``base_url``."""
    with _proxy(app_server) as foreign:
        page = new_page()
        page.goto(f"{foreign}/login")
        banner = page.get_by_test_id("origin-banner")
        expect(banner).to_have_text(f"This address is not allowed: open {app_server}")
        expect(banner.get_by_role("link")).to_have_attribute("href", app_server)
        # The refused websocket leaves the form dead (its button's label becomes a spinner's).
        expect(page.get_by_role("button", name=re.compile(r"^Log in"))).to_be_disabled()


def _handshake(port: int, origin: str | None, host: str) -> str:
    """The status line the app's websocket endpoint answers a handshake with."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *([f"Origin: {origin}"] if origin else []),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return conn.recv(4096).decode(errors="replace").split("\r\n")[0]


def test_the_websocket_refuses_other_sites(app_server):
    port = urlsplit(app_server).port
    own = f"127.0.0.1:{port}"
    assert " 101 " in _handshake(port, f"http://{own}", own)
    assert " 101 " in _handshake(port, app_server, own)  # base_url, from any Host
    for origin in ("http://evil.example", f"http://127.0.0.1:{port + 1}", "null"):
        status = _handshake(port, origin, own)
        assert " 403 " in status, (origin, status)
    assert " 403 " in _handshake(port, "http://evil.example", f"localhost:{port}")
