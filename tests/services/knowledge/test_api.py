"""``/api/v1/knowledge-bases`` over HTTP: CRUD, upload, URL import, query, roles, tenants."""

from __future__ import annotations

import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agent_platform.integrations.documents import MAX_FILE_BYTES
from tests.api.conftest import key_headers
from tests.conftest import wait_until

V1 = "/api/v1/knowledge-bases"
pytestmark = pytest.mark.usefixtures("worker")


def _wait_doc(client, headers, kb, doc) -> dict:
    def finished():
        body = client.get(f"{V1}/{kb}/documents/{doc}", headers=headers).json()
        return body if body["status"] in ("ready", "failed") else None

    return wait_until(finished, timeout=120, interval=0.3)


def _kb(client, headers, **body) -> str:
    response = client.post(V1, json={"name": "Docs", **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_create_upload_query_and_delete(client, make_org, samples):
    owner = make_org("acme")["owner"].headers
    kb = _kb(client, owner, chunking="markdown")
    assert [k["id"] for k in client.get(V1, headers=owner).json()["items"]] == [kb]
    files = {"file": ("guide.md", samples["guide.md"], "text/markdown")}
    created = client.post(f"{V1}/{kb}/documents", files=files, headers=owner)
    assert created.status_code == 202 and created.json()["created"] is True
    doc = created.json()["id"]
    assert created.json()["status"] == "queued"
    again = client.post(f"{V1}/{kb}/documents", files=files, headers=owner).json()
    assert again["id"] == doc and again["created"] is False
    body = _wait_doc(client, owner, kb, doc)
    assert body["status"] == "ready" and body["chunks_done"] == body["chunks_total"] > 0
    for mode in ("vector", "full_text", "hybrid"):
        reply = client.post(
            f"{V1}/{kb}/query",
            headers=owner,
            json={"query": "when to prune roses", "top_k": 2, "mode": mode},
        )
        assert reply.status_code == 200, reply.text
        top = reply.json()["chunks"][0]
        assert "Prune roses" in top["text"] and top["document_title"] == "Garden guide"
        assert top["metadata"]["heading_path"] == ["Garden guide", "Roses"]  # fmt: skip
    listed = client.get(f"{V1}/{kb}/documents", headers=owner).json()["items"]
    assert [d["id"] for d in listed] == [doc]
    assert client.delete(f"{V1}/{kb}/documents/{doc}", headers=owner).status_code == 204
    assert client.get(f"{V1}/{kb}/documents/{doc}", headers=owner).status_code == 404
    assert client.delete(f"{V1}/{kb}", headers=owner).status_code == 204
    gone = client.get(f"{V1}/{kb}", headers=owner)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


def test_other_orgs_cannot_see_or_touch_a_knowledge_base(client, make_org, samples):
    a, b = make_org("acme"), make_org("globex")
    kb = _kb(client, a["owner"].headers)
    files = {"file": ("notes.txt", samples["notes.txt"], "text/plain")}
    doc = client.post(f"{V1}/{kb}/documents", files=files, headers=a["owner"].headers).json()["id"]
    _wait_doc(client, a["owner"].headers, kb, doc)
    intruder = b["owner"].headers
    assert client.get(V1, headers=intruder).json()["items"] == []
    attempts = [
        ("get", f"{V1}/{kb}", None), ("patch", f"{V1}/{kb}", {"name": "mine"}),
        ("get", f"{V1}/{kb}/documents", None), ("get", f"{V1}/{kb}/documents/{doc}", None),
        ("post", f"{V1}/{kb}/query", {"query": "lighthouse"}),
        ("post", f"{V1}/{kb}/documents", {"url": "https://example.com/"}),
        ("post", f"{V1}/{kb}/documents/{doc}/reindex", None),
        ("delete", f"{V1}/{kb}/documents/{doc}", None), ("delete", f"{V1}/{kb}", None),
    ]  # fmt: skip
    for method, url, body in attempts:
        kwargs = {"json": body} if body is not None else {}
        response = client.request(method.upper(), url, headers=intruder, **kwargs)
        assert response.status_code == 404, (method, url, response.text)
    still = client.post(f"{V1}/{kb}/query", json={"query": "lighthouse keeper"},
                        headers=a["owner"].headers).json()["chunks"]  # fmt: skip
    assert still and still[0]["document_id"] == doc


def test_roles_and_api_key_scopes(client, make_org):
    org = make_org("acme")
    kb = _kb(client, org["editor"].headers)
    viewer = org["viewer"].headers
    assert client.post(V1, json={"name": "x"}, headers=viewer).status_code == 403
    assert client.delete(f"{V1}/{kb}", headers=viewer).status_code == 403
    assert client.get(f"{V1}/{kb}", headers=viewer).status_code == 200
    _, read_only = org.api_key(scopes=["agents:read"])
    assert client.get(V1, headers=key_headers(read_only)).status_code == 403
    _, writer = org.api_key(scopes=["knowledge:write"])
    assert client.post(V1, json={"name": "by key"}, headers=key_headers(writer)).status_code == 201
    bad = client.post(V1, json={"name": "y", "org_id": str(uuid.uuid4())}, headers=viewer)
    assert bad.status_code == 422


def test_oversized_upload_fails_on_its_row(client, make_org):
    owner = make_org("acme")["owner"].headers
    kb = _kb(client, owner)
    files = {"file": ("huge.txt", b"a" * (MAX_FILE_BYTES + 10), "text/plain")}
    body = client.post(f"{V1}/{kb}/documents", files=files, headers=owner).json()
    assert body["status"] == "failed" and "larger than" in body["error"]


@pytest.fixture
def site():
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            page = b"<html><head><title>Ferry timetable</title></head><body>" + (
                b"<p>The first ferry leaves the harbour at 06:40.</p></body></html>"
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ferry"
    server.shutdown()


def test_url_import_goes_through_the_egress_guard(client, make_org, site, monkeypatch):
    from agent_platform.settings import get_settings

    owner = make_org("acme")["owner"].headers
    kb = _kb(client, owner)
    refused = client.post(f"{V1}/{kb}/documents", json={"url": site}, headers=owner).json()
    body = _wait_doc(client, owner, kb, refused["id"])
    assert body["status"] == "failed" and "destination not allowed" in body["error"]
    monkeypatch.setattr(get_settings().runtime, "egress_allow_hosts", ["127.0.0.1"])
    allowed = client.post(f"{V1}/{kb}/documents", json={"url": site}, headers=owner).json()
    body = _wait_doc(client, owner, kb, allowed["id"])
    assert body["status"] == "ready" and body["title"] == "Ferry timetable", body
    hit = client.post(f"{V1}/{kb}/query", json={"query": "first ferry"}, headers=owner).json()
    assert hit["chunks"][0]["metadata"]["source_url"] == site
    bad = client.post(f"{V1}/{kb}/documents", json={"url": "file:///etc/passwd"}, headers=owner)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
