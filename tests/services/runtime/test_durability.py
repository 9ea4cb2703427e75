"""A worker SIGKILLed mid-run loses nothing and repeats no completed side effect."""

from __future__ import annotations

import os
import signal
import time

from tests.services.runtime.conftest import (
    WorkerProcess,
    execute,
    load_graph,
    publish,
    steps,
    wait_status,
)

FAST_RECOVERY = {
    "RUNTIME__EGRESS_ALLOW_HOSTS": '["127.0.0.1"]',
    "RUNTIME__HEARTBEAT_TIMEOUT_S": "3",
    "RUNTIME__SWEEPER_INTERVAL_S": "1",
}


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkilled_worker_run_finishes_without_repeating_side_effects(
    client, org, runtime_env, target
):
    h = org["editor"].headers
    graph = load_graph("side_effect_then_slow.json", TARGET=target.url, SLOW="8")
    run_id = execute(client, h, publish(client, h, graph))
    first = WorkerProcess(FAST_RECOVERY)
    second = None
    try:
        _wait(lambda: target.hits["/slow"] >= 1, 120, "the slow step to start")
        assert target.hits["/ok"] == 1
        victims = first.children()
        assert victims, "no worker process found"
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        first.stop()
        assert wait_status(client, h, run_id, {"running"}, timeout=1)["status"] == "running"

        second = WorkerProcess(FAST_RECOVERY)
        run = wait_status(client, h, run_id, {"succeeded", "failed"}, timeout=120)
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert run["status"] == "succeeded", run["error"]
    assert run["output"] == "side hit 1"
    assert target.hits["/ok"] == 1  # the completed side effect was not repeated
    assert target.hits["/slow"] == 2  # the interrupted step ran again
    assert run["attempts"] == 2
    assert steps(client, h, run_id)["side"]["attempt"] == 1
