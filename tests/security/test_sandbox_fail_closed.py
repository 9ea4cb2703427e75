"""A worker without bubblewrap refuses code steps with a clear error, and never runs them bare.

Its own module: the run must reach this worker, not the canary worker of ``test_sandbox.py``.
"""

from __future__ import annotations

import json

from tests.security.conftest import attack
from tests.security.test_sandbox import CANARY_ENV
from tests.services.runtime.conftest import WorkerProcess

DISABLED = "Code steps are disabled: the sandbox (bubblewrap) is not available on this worker"


def test_worker_without_bubblewrap_refuses_code_steps(client, tenant, tmp_path):
    worker = WorkerProcess({**CANARY_ENV, "RUNTIME__SANDBOX_BWRAP": str(tmp_path / "missing")})
    try:
        run = attack(client, tenant, "def main():\n    return 'ran without a sandbox'\n")
    finally:
        worker.stop()
    assert run["status"] == "failed"
    assert DISABLED in run["error"]
    assert "ran without a sandbox" not in json.dumps(run)
    step = run["steps"]["code_1"]
    assert DISABLED in json.dumps(step)
