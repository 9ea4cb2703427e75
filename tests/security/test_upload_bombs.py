"""Hostile uploads to a knowledge base: each one fails alone and bounded, never a crash.

Two shapes an outsider with an account can send: JSON nested far deeper than any document
(``[[[[...``, which recursive parsers and encoders turn into ``RecursionError``), and a
chunked multipart upload that declares no ``Content-Length`` and never stops.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from agent_platform.integrations.documents import MAX_FILE_BYTES
from tests.conftest import wait_until
from tests.security.conftest import V1, sign_up

DEPTH = 100_000
DEEP_JSON = b"[" * DEPTH + b"]" * DEPTH


def _knowledge_base(client, account) -> str:
    created = client.post(f"{V1}/knowledge-bases", json={"name": "Docs"}, headers=account.headers)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _finished(client, account, kb: str, doc: str) -> dict:
    def done():
        body = client.get(f"{V1}/knowledge-bases/{kb}/documents/{doc}", headers=account.headers)
        return body.json() if body.json()["status"] in ("ready", "failed") else None

    return wait_until(done, timeout=60, interval=0.3)


def test_deeply_nested_json_fails_its_own_document_cleanly(client, worker):
    attacker = sign_up(client, "mallory@example.com")
    kb = _knowledge_base(client, attacker)
    files = {"file": ("deep.json", DEEP_JSON, "application/json")}
    upload = client.post(
        f"{V1}/knowledge-bases/{kb}/documents", files=files, headers=attacker.headers
    )
    assert upload.status_code == 202, upload.text
    doc = _finished(client, attacker, kb, upload.json()["id"])
    assert doc["status"] == "failed" and "nested" in doc["error"], doc
    # The same bytes in the JSON (URL import) body are refused up front, not a 500.
    url_body = client.post(
        f"{V1}/knowledge-bases/{kb}/documents",
        content=b'{"url": ' + b"[" * 30_000,
        headers={**attacker.headers, "Content-Type": "application/json"},
    )
    assert url_body.status_code == 422, url_body.text
    # A normal JSON document in the same knowledge base still indexes.
    fine = {"file": ("fine.json", json.dumps({"a": [[{"b": "fact"}]]}).encode(), "text/plain")}
    ok = client.post(f"{V1}/knowledge-bases/{kb}/documents", files=fine, headers=attacker.headers)
    assert _finished(client, attacker, kb, ok.json()["id"])["status"] == "ready"


def test_chunked_upload_without_length_is_cut_off_at_the_cap(client):
    from agent_platform.api.app import create_api

    attacker = sign_up(client, "mallory@example.com")
    kb = _knowledge_base(client, attacker)
    boundary = "xyzzy"
    chunk = b"a" * (1024 * 1024)
    sent = 0

    async def endless_file():
        nonlocal sent
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"'
            "\r\nContent-Type: text/plain\r\n\r\n"
        ).encode()
        yield head
        while sent < MAX_FILE_BYTES + 30 * len(chunk):  # stops only to end the test
            sent += len(chunk)
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    async def upload() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_api())
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            headers = {
                **attacker.headers,
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            }
            return await http.post(
                f"{V1}/knowledge-bases/{kb}/documents", content=endless_file(), headers=headers
            )

    response = asyncio.run(upload())
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "failed" and "larger than" in response.json()["error"]
    assert sent <= MAX_FILE_BYTES + 2 * len(chunk), f"the server read {sent} bytes"
