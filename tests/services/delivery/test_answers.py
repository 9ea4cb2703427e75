"""Chat answers have one owner: the worker completes them with the run; reads never write."""

from __future__ import annotations

import uuid

from agent_platform.db import session_scope
from agent_platform.models import Run
from agent_platform.models.conversations import ConversationMessage, MessageStatus
from agent_platform.services.delivery import chat, conversations
from tests.conftest import wait_until
from tests.services.delivery.conftest import V1


def _send(org, agent_id: uuid.UUID, text: str) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    with session_scope() as s:
        turn = chat.send_test(
            s, principal=org.principal(s, "editor"), agent_id=agent_id, conversation_id=None,
            content=text,
        )  # fmt: skip
        return turn.conversation.id, turn.answer.id, turn.run.id


def _status(message_id: uuid.UUID) -> str:
    with session_scope() as s:
        return s.get(ConversationMessage, message_id).status


def test_the_worker_completes_the_answer_in_the_transaction_that_finishes_the_run(
    published, worker
):
    org, agent_id = published.org, uuid.UUID(published.agent_id)
    _, answer_id, run_id = _send(org, agent_id, "When does the Lisbon store open?")

    def finished() -> bool:
        with session_scope() as s:
            return s.get(Run, run_id).is_terminal

    wait_until(finished)
    # No reader has looked at the conversation: the worker alone completed the answer.
    with session_scope() as s:
        message = s.get(ConversationMessage, answer_id)
        assert message.status == MessageStatus.COMPLETE
        assert "9am" in message.content


def test_reading_a_conversation_never_completes_an_answer(client, published):
    org, agent_id = published.org, uuid.UUID(published.agent_id)
    conversation_id, answer_id, run_id = _send(org, agent_id, "And refunds?")
    with session_scope() as s:  # the run ended outside a worker (no worker runs in this test)
        s.get(Run, run_id).cancel()
    for _ in range(2):
        resp = client.get(f"{V1}/conversations/{conversation_id}", headers=org["viewer"].headers)
        assert resp.status_code == 200
        assert resp.json()["messages"][-1]["status"] == "pending"
    assert _status(answer_id) == MessageStatus.PENDING
    with session_scope() as s:  # the periodic sweep owns answers of runs ended elsewhere
        assert conversations.complete_finished_answers(s) == 1
    assert _status(answer_id) == MessageStatus.FAILED
    with session_scope() as s:
        assert conversations.complete_finished_answers(s) == 0  # once only


def test_every_job_a_service_names_has_its_actor_on_that_queue():
    import dramatiq

    import workers.main  # noqa: F401  (declares every actor)
    from agent_platform.services.queue import JOBS

    broker = dramatiq.get_broker()
    for job in JOBS:
        assert broker.get_actor(job.actor).queue_name == job.queue, job
