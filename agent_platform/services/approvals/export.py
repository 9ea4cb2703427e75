"""The approvals history as CSV (one line per vote), safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from agent_platform.models.approvals import ApprovalVote
from agent_platform.services.approvals import inbox
from agent_platform.services.permissions import Principal

# OWASP's list: spreadsheets skip a leading TAB or CR and then evaluate what follows.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = [
    "approval_id", "agent", "title", "status", "requested_at", "decided_at", "decided_by",
    "voter", "vote", "voted_at", "comment", "form_values", "run_id",
]  # fmt: skip


def export_csv(session: Session, *, principal: Principal, status: str = "decided") -> str:
    """The history as CSV: one line per vote (or per approval without votes).

    Cells starting with a formula trigger (``_FORMULA_START``) are prefixed with ``'`` so
    spreadsheets do not run them.
    """
    rows = inbox.list_approvals(session, principal=principal, status=status)
    ids = [r.approval.id for r in rows]
    votes: dict[uuid.UUID, list[ApprovalVote]] = {}
    statement = select(ApprovalVote).where(col(ApprovalVote.approval_id).in_(ids))
    for vote in session.exec(statement.order_by(col(ApprovalVote.created_at))):
        votes.setdefault(vote.approval_id, []).append(vote)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        a = row.approval
        head = [str(a.id), row.agent_name, a.payload.get("title", ""), a.status,
                _iso(a.created_at), _iso(a.decided_at), row.decided_by_email]  # fmt: skip
        for v in votes.get(a.id) or [None]:
            tail = (
                [v.user_email, v.decision, _iso(v.created_at), v.comment, json.dumps(v.data)]
                if v else ["", "", "", str(a.decision.get("comment", "")), ""]
            )  # fmt: skip
            writer.writerow([_cell(c) for c in [*head, *tail, str(a.run_id)]])
    return out.getvalue()


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _cell(value: Any) -> str:
    text = str(value)
    return "'" + text if text[:1] in _FORMULA_START else text
