"""The run status machine rejects illegal moves."""

from __future__ import annotations

import uuid

import pytest

from agent_platform.models.runs import IllegalTransition, Run


def _run() -> Run:
    return Run(org_id=uuid.uuid4(), agent_id=uuid.uuid4())


def test_happy_path_and_pause_resume():
    run = _run()
    run.start()
    run.pause()
    run.resume()
    run.succeed({"ok": True})
    assert run.status == "succeeded" and run.finished_at is not None and run.attempts == 1


@pytest.mark.parametrize("move", ["start", "pause", "resume", "cancel"])
def test_terminal_runs_do_not_move(move):
    run = _run()
    run.start()
    run.fail("boom")
    with pytest.raises(IllegalTransition):
        getattr(run, move)()


def test_pending_cannot_pause_or_succeed():
    with pytest.raises(IllegalTransition):
        _run().pause()
    with pytest.raises(IllegalTransition):
        _run().succeed(None)
