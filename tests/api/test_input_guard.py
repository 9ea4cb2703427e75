"""``api.input_guard``: input no route can store is a 422 before any route runs.

The probe app below records what reached it, so each test shows both the answer and that the
route never ran (or ran with the body intact).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from agent_platform.api import errors
from agent_platform.api.input_guard import MAX_BODY_BYTES, MAX_DEPTH, InputGuard, json_problem

reached: list[bytes] = []


def _probe_app() -> FastAPI:
    app = FastAPI()
    errors.install(app)
    app.add_middleware(InputGuard)

    @app.api_route("/probe/{name}", methods=["GET", "POST"])
    async def probe(name: str, request: Request) -> dict[str, str]:
        body = await request.body()
        reached.append(body)
        return {"name": name, "length": str(len(body))}

    return app


@pytest.fixture
def probe() -> TestClient:
    reached.clear()
    return TestClient(_probe_app())


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [p["field"] for p in error["details"]["problems"]] == [field]
    assert reached == []


def test_clean_requests_pass_with_their_body(probe):
    body = json.dumps({"name": "ok", "nested": [{"a": 1.5}]}).encode()
    response = probe.post("/probe/x?q=1", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 200 and response.json()["length"] == str(len(body))
    assert reached == [body]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/probe/x?q=%00", "query.q"),
        ("/probe/x?a%00b=1", "query.a\\u0000b"),
        ("/probe/a%00b", "path"),
    ],
)
def test_nul_in_the_url_is_refused(probe, url, field):
    _refused(probe.get(url), field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"name": "a\\u0000b"}', "body.name"),
        ('{"graph": {"nodes": [{"id\\u0000": 1}]}}', "body.graph.nodes.0.id\\u0000"),
        ('["ok", "\\ud800"]', "body.1"),
        ('{"x": NaN}', "body"),
        ('{"x": -Infinity}', "body"),
        ('{"x": 1e999}', "body"),
        ("a=1&b=%00", "body.b"),
    ],
)
def test_unstorable_body_values_are_refused(probe, body, field):
    kind = "application/x-www-form-urlencoded" if body.startswith("a=") else "application/json"
    _refused(probe.post("/probe/x", content=body, headers={"content-type": kind}), field)


def test_a_raw_nul_byte_is_refused_whatever_the_content_type(probe):
    _refused(probe.post("/probe/x", content=b"abc\x00", headers={"content-type": "x/y"}), "body")


def test_deep_nesting_is_refused_without_recursing(probe):
    just_deep_enough = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert probe.post("/probe/x", content=just_deep_enough).status_code == 200
    reached.clear()
    _refused(probe.post("/probe/x", content="[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)), "body")
    _refused(probe.post("/probe/x", content="[" * 100_000 + "]" * 100_000), "body")


def test_json_problem_walks_iteratively():
    deep: list = []
    for _ in range(10 * MAX_DEPTH):
        deep = [deep]
    assert json_problem(deep)[1] == f"nests deeper than {MAX_DEPTH}"
    assert json_problem({"a": [{"b": "ok"}]}) is None


def test_broken_json_is_left_to_the_route(probe):
    assert probe.post("/probe/x", content=b"{not json").status_code == 200


def test_multipart_uploads_are_not_inspected(probe):
    files = {"file": ("blob.bin", b"\x00\x01binary\x00", "application/octet-stream")}
    assert probe.post("/probe/x", files=files).status_code == 200


def test_an_oversized_body_is_413(probe):
    response = probe.post("/probe/x", content=b"x" * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert reached == []


def _call(app, scope: dict, messages: list[dict]) -> list[dict]:
    """Run ``app`` on ``scope`` with the client sending ``messages``; what the app sent."""
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def _scope(headers: list[tuple[bytes, bytes]]) -> dict:
    return {"type": "http", "method": "GET", "path": "/probe/x", "query_string": b"",
            "headers": headers}  # fmt: skip


def test_nul_in_a_header_is_refused():
    sent = _call(InputGuard(_probe_app()), _scope([(b"x-thing", b"a\x00b")]), [])
    assert sent[0]["status"] == 422
    problems = json.loads(sent[1]["body"])["error"]["details"]["problems"]
    assert problems == [{"field": "header.x-thing", "message": "must not contain the NUL byte"}]


def test_a_client_gone_before_its_body_gets_no_answer():
    sent = _call(InputGuard(_probe_app()), _scope([]), [{"type": "http.disconnect"}])
    assert sent == []
