"""What the schemathesis run (``test_schemathesis.py``) found, pinned as plain tests.

Each answered a 500 or took input its schema refuses: every one is now a 4xx in the envelope.
"""

from __future__ import annotations

import uuid

import pytest

V1 = "/api/v1"
GRAPH = {"nodes": [{"id": "trigger_1", "type": "trigger", "data": {"kind": "manual"}},
                   {"id": "output_1", "type": "output", "data": {"value": "done"}}],
         "edges": [{"id": "e1", "source": "trigger_1", "target": "output_1"}]}  # fmt: skip
CREDENTIAL = {"name": "OpenAI", "kind": "llm_provider", "provider": "openai",
              "data": {"api_key": "sk-test-0000000000000000wxyz"}}  # fmt: skip


@pytest.fixture
def owner(make_org) -> dict[str, str]:
    return make_org("odd", roles=())["owner"].headers


def _problems(response, status: int = 422) -> list[dict]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    return error["details"].get("problems", [])


def test_a_nul_in_a_query_string_is_422(client, owner):
    problems = _problems(client.get(f"{V1}/approvals?q=%00", headers=owner))
    assert problems[0]["field"] == "query.q"
    _problems(client.get(f"{V1}/agents?search=a%00", headers=owner))


def test_a_nul_in_a_json_string_or_key_is_422(client, owner):
    _problems(client.post(f"{V1}/agents", json={"name": "a\x00b"}, headers=owner))
    draft = {"nodes": [], "edges": [], "notes": [{"te\x00xt": "x"}]}
    body = {"name": "Fine", "draft_definition": draft}
    problems = _problems(client.post(f"{V1}/agents", json=body, headers=owner))
    assert problems[0]["field"] == "body.draft_definition.notes.0.te\\u0000xt"


@pytest.mark.parametrize(
    "draft",
    [{"nodes": 1}, {"nodes": [1]}, {"nodes": [{"id": "a"}]}, {"edges": "x"},
     {"nodes": [{"id": "a", "type": "llm", "position": {"x": True}}]}],
)  # fmt: skip
def test_a_draft_that_is_not_a_graph_is_422_with_its_problems(client, owner, draft):
    body = {"name": "Odd", "draft_definition": draft}
    problems = _problems(client.post(f"{V1}/agents", json=body, headers=owner))
    assert problems and {p["code"] for p in problems} == {"malformed_document"}
    agent = client.post(f"{V1}/agents", json={"name": "Ok"}, headers=owner).json()
    update = client.put(
        f"{V1}/agents/{agent['id']}", json={"draft_definition": draft}, headers=owner
    )
    assert _problems(update) == problems
    stored = client.get(f"{V1}/agents/{agent['id']}", headers=owner).json()["draft_definition"]
    assert stored == {"nodes": [], "edges": []}


def test_a_draft_keeps_what_the_builder_adds(client, owner):
    node = {"id": "start", "type": "trigger", "position": {"x": 1, "y": 2}, "selected": True}
    note = {"id": "n1", "position": {"x": 0, "y": 0}, "text": "hi"}
    draft = {"nodes": [node], "edges": [], "notes": [note]}
    body = {"name": "Kept", "draft_definition": draft}
    created = client.post(f"{V1}/agents", json=body, headers=owner)
    assert created.status_code == 201, created.text
    assert created.json()["draft_definition"] == draft


@pytest.mark.parametrize("field", ["chunk_size", "chunk_overlap"])
@pytest.mark.parametrize("value", [False, True, "40"])
def test_knowledge_base_numbers_are_json_integers(client, owner, field, value):
    body = {"name": "Docs", field: value}
    problems = _problems(client.post(f"{V1}/knowledge-bases", json=body, headers=owner))
    assert [p["field"] for p in problems] == [field]
    kb = client.post(f"{V1}/knowledge-bases", json={"name": "Kept"}, headers=owner).json()
    patch = client.patch(f"{V1}/knowledge-bases/{kb['id']}", json={field: value}, headers=owner)
    assert [p["field"] for p in _problems(patch)] == [field]


def test_an_unknown_credential_is_404_not_a_500(client, owner):
    body = {"name": "Docs", "credential_id": str(uuid.uuid4())}
    _problems(client.post(f"{V1}/knowledge-bases", json=body, headers=owner), status=404)
    kb = client.post(f"{V1}/knowledge-bases", json={"name": "Kept"}, headers=owner).json()
    patch = {"credential_id": str(uuid.uuid4())}
    _problems(client.patch(f"{V1}/knowledge-bases/{kb['id']}", json=patch, headers=owner), 404)


def test_another_orgs_credential_is_404(client, make_org, owner):
    other = make_org("other", roles=())["owner"].headers
    foreign = client.post(f"{V1}/credentials", json=CREDENTIAL, headers=other).json()["id"]
    body = {"name": "Docs", "credential_id": foreign}
    _problems(client.post(f"{V1}/knowledge-bases", json=body, headers=owner), status=404)
    kb = client.post(f"{V1}/knowledge-bases", json={"name": "Kept"}, headers=owner).json()
    patch = {"credential_id": foreign}
    _problems(client.patch(f"{V1}/knowledge-bases/{kb['id']}", json=patch, headers=owner), 404)
    own = client.post(f"{V1}/credentials", json=CREDENTIAL, headers=owner).json()["id"]
    body = {"name": "Mine", "credential_id": own}
    assert client.post(f"{V1}/knowledge-bases", json=body, headers=owner).status_code == 201


def test_numbers_that_reach_sql_are_bounded_in_the_schema(client, owner):
    agent = client.post(
        f"{V1}/agents", json={"name": "Ok", "draft_definition": GRAPH}, headers=owner
    )
    test = client.post(f"{V1}/agents/{agent.json()['id']}/test", json={}, headers=owner)
    run = test.json()["execution_id"]
    logs = client.get(f"{V1}/executions/{run}/logs?after_seq=2147483648", headers=owner)
    assert [p["field"] for p in _problems(logs)] == ["after_seq"]
    for path in ("/agents", "/executions", "/knowledge-bases", "/conversations"):
        assert _problems(client.get(f"{V1}{path}?limit=101", headers=owner))[0]["field"] == "limit"
    spec = client.get(f"{V1}/openapi.json").json()
    limit = next(
        p for p in spec["paths"][f"{V1}/agents"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["anyOf"][0] == {"type": "integer", "maximum": 100, "minimum": 1}


def test_a_knowledge_base_without_a_usable_model_is_422_on_search(client, owner):
    body = {"name": "Docs", "embedding_model": "openai:text-embedding-3-small"}
    kb = client.post(f"{V1}/knowledge-bases", json=body, headers=owner).json()["id"]
    search = client.post(f"{V1}/knowledge-bases/{kb}/query", json={"query": "x"}, headers=owner)
    assert search.status_code == 422, search.text
    assert search.json()["error"]["code"] == "embedding_failed"


def test_an_unreachable_embedding_service_is_503_with_retry_after():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from agent_platform.api import errors
    from agent_platform.integrations.embeddings import EmbeddingError

    app = FastAPI()
    errors.install(app)

    @app.get("/probe")
    def probe() -> None:
        raise EmbeddingError("OpenAI embeddings unavailable: APIConnectionError", transient=True)

    response = TestClient(app).get("/probe")
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    assert response.json()["error"]["code"] == "upstream_unavailable"


def test_approval_status_filters_are_an_enum_in_the_schema(client, owner):
    assert [
        p["field"] for p in _problems(client.get(f"{V1}/approvals?status=x", headers=owner))
    ] == ["status"]
    assert client.get(f"{V1}/approvals?status=decided&q=late", headers=owner).status_code == 200
    spec = client.get(f"{V1}/openapi.json").json()
    params = spec["paths"][f"{V1}/approvals"]["get"]["parameters"]
    status = next(p for p in params if p["name"] == "status")
    assert set(status["schema"]["enum"]) == {
        "",
        "pending",
        "decided",
        "approved",
        "rejected",
        "timeout",
        "cancelled",
    }
