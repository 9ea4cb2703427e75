"""CSV/formula injection: run data that reaches the approvals export cannot run in a spreadsheet.

An outsider controls run inputs (a webhook body, a widget message) and so an approval's title;
an approver controls their comment. Spreadsheets skip a leading TAB or CR before evaluating a
cell, so those count as formula starts as much as ``= + - @``.
"""

from __future__ import annotations

import csv
import io

from tests.security.conftest import V1, sign_up
from tests.services.runtime.conftest import execute, publish, wait_status

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _review_graph(approver_id: str) -> dict:
    approval = {
        "title": "{{inputs.customer}}",
        "message": "Check it.",
        "approvers": {"user_ids": [approver_id]},
        "requester_cannot_approve": False,
    }
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "api"}},
            {"id": "approval_1", "type": "approval", "data": approval},
            {"id": "done", "type": "output", "data": {"value": "done"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "approval_1"},
            {"id": "e2", "source": "approval_1", "target": "done", "sourceHandle": "approved"},
            {"id": "e3", "source": "approval_1", "target": "done", "sourceHandle": "rejected"},
            {"id": "e4", "source": "approval_1", "target": "done", "sourceHandle": "timeout"},
        ],
    }


def test_leading_tab_and_cr_cannot_start_a_formula_in_the_export(client, worker):
    attacker = sign_up(client, "mallory@example.com")
    agent_id = publish(client, attacker.headers, _review_graph(attacker.user_id))
    for payload in ('\t=HYPERLINK("https://evil.example","x")', "\r@SUM(1+1)*cmd|' /C calc'!A0"):
        run_id = execute(client, attacker.headers, agent_id, {"customer": payload})
        assert wait_status(client, attacker.headers, run_id, {"paused", "failed"})["status"] == (
            "paused"
        )
    pending = client.get(f"{V1}/approvals?status=pending", headers=attacker.headers).json()
    assert len(pending) == 2
    for approval, comment in zip(pending, ("\t=1+2", "\r-2+3"), strict=True):
        decided = client.post(
            f"{V1}/approvals/{approval['id']}/decision",
            json={"decision": "approved", "comment": comment},
            headers=attacker.headers,
        )
        assert decided.status_code == 200, decided.text

    export = client.get(f"{V1}/approvals/export.csv", headers=attacker.headers)
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == 3
    assert any("HYPERLINK" in c for c in cells) and any("1+2" in c for c in cells)
    assert [c for c in cells if c.startswith(FORMULA_STARTS)] == []
