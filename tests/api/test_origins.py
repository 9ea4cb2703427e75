"""The websocket origin policy (``api.origins``) and ``GET /api/v1/origin`` that reports it."""

from __future__ import annotations

import pytest

from agent_platform.api import origins

BASE = "http://localhost:3000"


def _environ(host: str, scheme: str = "ws", **headers: str) -> dict:
    environ = {"asgi.scope": {"scheme": scheme}, "HTTP_HOST": host}
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return environ


@pytest.mark.parametrize(
    ("origin", "environ"),
    [
        ("http://127.0.0.1:3000", _environ("127.0.0.1:3000")),
        ("http://192.168.1.20:3000", _environ("192.168.1.20:3000")),
        ("http://[::1]:3000", _environ("[::1]:3000")),
        ("HTTP://LocalHost:3000", _environ("127.0.0.1:3000")),  # base_url, any case
        ("https://agents.corp.example", _environ("agents.corp.example", "wss")),
        ("https://agents.corp.example", _environ("agents.corp.example:443", "wss")),
        (
            "https://agents.corp.example",
            _environ(
                "127.0.0.1:3000", x_forwarded_proto="https", x_forwarded_host="agents.corp.example"
            ),
        ),
    ],
)
def test_the_page_own_origin_and_base_url_are_accepted(origin, environ):
    assert origins.socket_check([BASE])(origin, environ) is True


@pytest.mark.parametrize(
    ("origin", "environ"),
    [
        ("http://evil.example", _environ("127.0.0.1:3000")),
        ("http://127.0.0.1:4000", _environ("127.0.0.1:3000")),  # another port, another site
        ("http://agents.corp.example", _environ("agents.corp.example", "wss")),  # http -> wss
        ("null", _environ("127.0.0.1:3000")),
        ("http://127.0.0.1:3000/path", _environ("127.0.0.1:3000")),
        ("javascript://127.0.0.1:3000", _environ("127.0.0.1:3000")),
        ("http://user@127.0.0.1:3000", _environ("127.0.0.1:3000")),
        ("http://127.0.0.1:3000", {"asgi.scope": {"scheme": "ws"}}),  # no Host at all
    ],
)
def test_other_sites_are_refused(origin, environ):
    assert origins.socket_check([BASE])(origin, environ) is False


def test_a_wildcard_in_the_configuration_allows_any():
    assert origins.socket_check(["*"])("http://evil.example", _environ("x:1")) is True


def test_install_replaces_the_fixed_list_of_the_socket_server():
    class Eio:
        cors_allowed_origins = [BASE]

    class App:
        sio = type("Sio", (), {"eio": Eio()})()

    app = App()
    origins.install(app, [BASE])
    assert callable(app.sio.eio.cors_allowed_origins)
    assert app.sio.eio.cors_allowed_origins("http://evil.example", _environ("a:1")) is False
    app.sio = None
    with pytest.raises(RuntimeError):
        origins.install(app, [BASE])


def test_origin_probe_answers_for_any_page(client):
    from agent_platform.settings import get_settings

    base_url = get_settings().base_url
    own = client.get("/api/v1/origin", params={"origin": "http://testserver"})
    assert own.status_code == 200
    assert own.json() == {"origin": "http://testserver", "allowed": True, "base_url": base_url}
    assert own.headers["access-control-allow-origin"] == "*"
    foreign = client.get("/api/v1/origin", headers={"Origin": "http://evil.example"})
    assert foreign.json()["allowed"] is False and foreign.json()["base_url"] == base_url
    assert foreign.headers["access-control-allow-origin"] == "*"
    assert client.get("/api/v1/origin").json()["allowed"] is True  # same-origin: no Origin
    listed = client.get("/api/v1/origin", params={"origin": base_url.upper()})
    assert listed.json()["allowed"] is True
    assert client.get("/api/v1/origin", params={"origin": "x" * 301}).status_code == 422
