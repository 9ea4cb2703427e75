"""The open approval: its card, the run's context, the form, and the actions on it."""

from typing import Any

import reflex as rx

from agent_platform import routes
from agent_platform.db import session_scope
from agent_platform.models.orgs import Role
from agent_platform.services.accounts import orgs
from agent_platform.services.approvals import inbox as approvals
from agent_platform.services.approvals import notifications
from agent_platform.services.errors import DomainError, InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.state.approvals import view
from agent_platform.state.approvals.badge import ApprovalsBadgeState
from agent_platform.state.approvals.inbox import ApprovalsState
from agent_platform.state.base import AppState, fmt_time, parse_id, requires, text

DECISIONS = ("approved", "rejected")


class ApprovalDetailState(AppState):
    """One approval; every action re-checks role and assignment in the service."""

    selected_id: str = ""
    notice: str = ""
    title: str = ""
    message_html: str = ""  # sanitised on the server (view.message_html)
    agent: str = ""
    status: str = ""
    created: str = ""
    expires: str = ""
    run_link: str = ""
    run_status: str = ""
    review_format: str = "fields"
    review_pairs: list[view.Pair] = []
    review_text: str = ""
    inputs: list[view.Pair] = []
    steps: list[view.StepView] = []
    fields: list[view.FormFieldView] = []
    votes: list[view.VoteView] = []
    assignees: list[view.Pair] = []
    members: list[view.Pair] = []
    quorum: int = 1
    can_decide: bool = False
    claimed_by: str = ""
    claimed_by_me: bool = False
    final_comment: str = ""
    final_data: str = ""
    decision: str = "approved"

    def _fill(self, approval_id: str) -> None:
        principal = self._principal()
        with session_scope() as session:
            d = approvals.get_approval(
                session, principal=principal, approval_id=parse_id(approval_id, "approval")
            )
            members = orgs.list_members(session, principal=principal)
        a, payload = d.summary.approval, d.summary.approval.payload
        review = payload.get("review") or {}
        value = review.get("value")
        self.selected_id, self.title = str(a.id), str(payload.get("title", "Approval"))
        self.message_html, self.agent = view.message_html(payload), d.summary.agent_name
        self.status, self.created, self.expires = a.status, fmt_time(a.created_at), ""
        self.expires = fmt_time(a.expires_at)
        self.run_link, self.run_status = view.run_link(str(a.run_id)), d.run.status
        fmt = str(review.get("format") or "fields")
        self.review_format = fmt if isinstance(value, dict) or fmt != "fields" else "text"
        self.review_pairs = view.pairs(value)
        self.review_text = "" if value is None else view.show(value)
        self.inputs, self.steps = view.pairs(d.run.inputs), view.steps(d)
        self.fields, self.votes = view.form_fields(payload), view.votes(d)
        self.assignees = [view.Pair(k, v) for k, v in d.assignees]
        self.members = [
            view.Pair(str(m.user_id), m.name or m.email) for m in members if m.role != Role.VIEWER
        ]
        self.quorum, self.can_decide = d.quorum, d.summary.can_decide
        self.claimed_by = d.summary.claimed_by_email
        self.claimed_by_me = a.claimed_by is not None and a.claimed_by == principal.user_id
        self.final_comment = str(a.decision.get("comment", ""))
        self.final_data = view.show(a.decision.get("data")) if a.decision.get("data") else ""

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def load(self):
        """Open ``?id=`` or redeem ``?token=`` (an emailed one-time link) on page load."""
        self.selected_id, self.notice = "", ""
        token, wanted = self._query("token"), self._query("id")
        if token:
            try:
                with session_scope() as session:
                    found = notifications.redeem_link(
                        session, principal=self._principal(), token=token
                    )
                wanted = str(found)
            except DomainError as exc:  # a bad link is a message on the page, not a toast
                self.notice = exc.message
                return None
        if wanted:
            self._fill(wanted)
        return None

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def open(self, approval_id: str):
        """Show one approval."""
        self.notice = ""
        self._fill(approval_id if isinstance(approval_id, str) else "")
        return rx.redirect(routes.with_query(routes.APPROVALS, id=self.selected_id))

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def close(self):
        """Back to the list."""
        self.selected_id = ""
        return rx.redirect(routes.APPROVALS)

    @rx.event
    @requires(Permission.DECIDE_APPROVALS)
    def choose(self, decision: str):
        """Remember which button submitted the form (the click precedes the submit)."""
        self.decision = decision if decision in DECISIONS else "approved"

    @rx.event
    @requires(Permission.DECIDE_APPROVALS)
    def submit(self, form: dict):
        """Decide with the comment and form values; the run resumes exactly once."""
        if not isinstance(form, dict):
            raise InvalidInput("Invalid form.")
        comment = text(form, "__comment", limit=5000)
        data: dict[str, Any] = {f.name: form.get(f.name) for f in self.fields}
        with session_scope() as session:
            approval = approvals.decide(
                session, principal=self._principal(), approval_id=parse_id(self.selected_id),
                decision=self.decision, comment=comment, data=data,
            )  # fmt: skip
        self._fill(self.selected_id)
        verb = "Approved" if approval.status == "approved" else "Recorded your vote"
        verb = "Rejected" if approval.status == "rejected" else verb
        return [
            rx.toast.success(f"{verb}: {self.title}"),
            ApprovalsState.load,
            ApprovalsBadgeState.refresh,
        ]

    @rx.event
    @requires(Permission.DECIDE_APPROVALS)
    def set_claim(self, claim: bool):
        """Claim the request (others then leave it to you) or release it."""
        with session_scope() as session:
            approvals.set_claim(
                session, principal=self._principal(), approval_id=parse_id(self.selected_id),
                claim=claim is True,
            )  # fmt: skip
        self._fill(self.selected_id)
        return ApprovalsState.load

    @rx.event
    @requires(Permission.DECIDE_APPROVALS)
    def reassign(self, user_id: str):
        """Hand the request to another member."""
        with session_scope() as session:
            approvals.reassign(
                session, principal=self._principal(), approval_id=parse_id(self.selected_id),
                user_id=parse_id(user_id, "member"),
            )  # fmt: skip
        self._fill(self.selected_id)
        return [rx.toast.success("Reassigned."), ApprovalsState.load, ApprovalsBadgeState.refresh]
