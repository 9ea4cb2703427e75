"""Builder test chat on the draft, conversation memory, and the conversations API."""

from __future__ import annotations

import uuid

from agent_platform.db import session_scope
from agent_platform.models import Run
from agent_platform.services.delivery import chat
from tests.conftest import wait_until
from tests.services.delivery.conftest import V1


def test_test_chat_runs_the_draft_with_memory(client, published, worker):
    org, agent_id = published.org, uuid.UUID(published.agent_id)
    with session_scope() as s:
        turn = chat.send_test(
            s, principal=org.principal(s, "editor"), agent_id=agent_id, conversation_id=None,
            content="When does the Lisbon store open?",
        )  # fmt: skip
        conversation_id, answer_id, run_id = turn.conversation.id, turn.answer.id, turn.run.id
    with session_scope() as s:
        run = s.get(Run, run_id)
        assert run.trigger == "test" and run.version_id is None
    transcript = lambda: client.get(  # noqa: E731
        f"{V1}/conversations/{conversation_id}", headers=org["viewer"].headers
    ).json()
    done = wait_until(lambda: transcript()["messages"][-1]["status"] == "complete" and transcript())
    assert "9am" in done["messages"][-1]["content"] and done["messages"][-1]["id"] == str(answer_id)
    with session_scope() as s:
        second = chat.send_test(
            s, principal=org.principal(s, "editor"), agent_id=agent_id,
            conversation_id=conversation_id, content="And refunds?",
        )  # fmt: skip
        assert second.conversation.id == conversation_id
        assert [h["role"] for h in second.run.inputs["history"]] == ["user", "assistant"]


def test_conversations_search_and_tenant_scoping(client, published, worker):
    from tests.api.conftest import build_org

    org = published.org
    resp = client.post(
        f"{V1}/agents/{published.agent_id}/chat",
        json={"message": "Is shipping to Portugal free?"},
        headers=org["owner"].headers,
    )
    assert resp.status_code == 200, resp.text
    assert "50 euros" in resp.json()["answer"]["content"]
    found = client.get(
        f"{V1}/conversations", params={"search": "portugal"}, headers=org["viewer"].headers
    )
    assert len(found.json()["items"]) == 1
    none = client.get(
        f"{V1}/conversations", params={"search": "zebra"}, headers=org["viewer"].headers
    )
    assert none.json()["items"] == []
    other = build_org("globex")
    conversation_id = found.json()["items"][0]["id"]
    assert (
        client.get(
            f"{V1}/conversations/{conversation_id}", headers=other["owner"].headers
        ).status_code
        == 404
    )
    assert client.get(f"{V1}/conversations", headers=other["owner"].headers).json()["items"] == []
