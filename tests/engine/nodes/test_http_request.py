"""``http_request``: rendered requests, credentials in the request only, status classes.

Retries of 429/5xx by the node's retry policy are covered by ``tests/engine/test_runner.py``.
"""

from __future__ import annotations

import json

import pytest

from agent_platform.engine.nodes.base import Services
from agent_platform.engine.nodes.http_request import HttpRequestNode
from agent_platform.engine.protocols import HttpResponse, PermanentError, TransientError
from tests.engine.fakes import FakeHttp, FakeSecrets, run_node


def _services(status: int = 200, body: str = '{"ok": true}') -> tuple[Services, FakeHttp]:
    http = FakeHttp(lambda request: HttpResponse(status, {}, body))
    return Services(http=http, secrets=FakeSecrets()), http


def test_renders_the_request_and_parses_a_json_reply():
    services, http = _services()
    data = {
        "method": "POST",
        "url": "https://api.example.com/{{inputs.kind}}",
        "query": {"q": "{{inputs.q}}"},
        "body_type": "json",
        "body": {"name": "{{inputs.q}}"},
        "auth": {"credential_id": "cred_1", "placement": "query", "name": "key"},
    }
    result = run_node("http_request", data, services=services, inputs={"kind": "items", "q": "a b"})
    (request,) = http.requests
    assert request.url == "https://api.example.com/items?q=a+b&key=s3cret"
    assert json.loads(request.body) == {"name": "a b"}
    assert request.headers["Content-Type"] == "application/json"
    assert result.output["json"] == {"ok": True} and result.output["status"] == 200
    assert "s3cret" not in json.dumps(result.output) + " ".join(result.logs)


@pytest.mark.parametrize(
    ("status", "fail_on_client_error", "error"),
    [(429, True, TransientError), (503, False, TransientError), (404, True, PermanentError)],
)
def test_status_classes(status, fail_on_client_error, error):
    services, _ = _services(status, "nope")
    data = {"url": "https://api.example.com", "fail_on_client_error": fail_on_client_error}
    with pytest.raises(error):
        run_node("http_request", data, services=services)


def test_a_client_error_can_be_an_output_and_other_schemes_are_refused():
    services, _ = _services(404, "missing")
    data = {"url": "https://api.example.com", "fail_on_client_error": False}
    assert run_node("http_request", data, services=services).output["status"] == 404
    with pytest.raises(PermanentError, match="Only http and https"):
        run_node("http_request", {"url": "file:///etc/passwd"}, services=services)


def test_summary_shows_method_and_url():
    assert HttpRequestNode.summary({"url": "https://x.test/a"}) == "GET https://x.test/a"
    assert HttpRequestNode.summary({"method": "POST", "url": "u"}) == "POST u"


@pytest.mark.parametrize(
    ("auth", "header"),
    [
        ({"placement": "bearer"}, "authorization"),
        ({"placement": "basic"}, "authorization"),
        ({"placement": "header", "name": "X-Api-Key"}, "x-api-key"),
        ({"placement": "query", "name": "key"}, "authorization"),
    ],
)
def test_an_authenticated_request_carries_the_credentials_binding(auth, header):
    http = FakeHttp()
    secrets = FakeSecrets(hosts=("api.example.com", "*.example.org"))
    data = {"url": "https://api.example.com/x", "auth": {"credential_id": "cred_1", **auth}}
    run_node("http_request", data, services=Services(http=http, secrets=secrets))
    (request,) = http.requests
    assert request.credential is not None
    assert request.credential.allowed_hosts == ("api.example.com", "*.example.org")
    assert request.credential.headers == frozenset({header})


def test_an_unauthenticated_request_carries_no_binding_and_resolves_nothing():
    http = FakeHttp()
    run_node("http_request", {"url": "https://x.test/"}, services=Services(http=http))
    assert http.requests[0].credential is None


def test_a_refused_credential_fails_before_any_request():
    http = FakeHttp()
    data = {"url": "https://x.test/", "auth": {"credential_id": "llm", "placement": "bearer"}}
    with pytest.raises(PermanentError, match="unknown credential"):
        run_node("http_request", data, services=Services(http=http, secrets=FakeSecrets()))
    assert http.requests == []
