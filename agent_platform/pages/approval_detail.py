"""The open approval request on ``/approvals``: what is asked, the run so far, the decision."""

from __future__ import annotations

import reflex as rx

from agent_platform.components.ui import safe_markdown
from agent_platform.state.approvals.detail import ApprovalDetailState as D
from agent_platform.state.approvals.view import FormFieldView, Pair, StepView, VoteView

STATUS_COLORS = (
    ("approved", "green"),
    ("rejected", "red"),
    ("timeout", "amber"),
    ("cancelled", "gray"),
    "indigo",
)


def status_badge(status) -> rx.Component:
    """An approval status as a coloured badge."""
    return rx.badge(status, color_scheme=rx.match(status, *STATUS_COLORS), variant="soft")


def _pair(p: Pair) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(p.key),
        rx.data_list.value(rx.text(p.value, white_space="pre-wrap", word_break="break-word")),
    )


def _pre(value) -> rx.Component:
    return rx.code_block(value, language="json", wrap_long_lines=True, width="100%")


def review_card() -> rx.Component:
    """The data under review: fields, text or JSON."""
    return rx.card(
        rx.vstack(
            rx.heading(D.title, size="5"),
            rx.text(D.agent, " · requested ", D.created, color_scheme="gray", size="2"),
            rx.cond(D.message_html != "", safe_markdown(D.message_html)),
            rx.cond(
                D.review_text != "",
                rx.match(
                    D.review_format,
                    ("fields", rx.data_list.root(rx.foreach(D.review_pairs, _pair), width="100%")),
                    ("json", _pre(D.review_text)),
                    rx.box(rx.text(D.review_text, white_space="pre-wrap"), width="100%"),
                ),
            ),  # fmt: skip
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _step(step: StepView) -> rx.Component:
    return rx.accordion.item(
        header=rx.hstack(rx.code(step.step_key), rx.text(step.node_type, color_scheme="gray")),
        content=_pre(step.output),
        value=step.step_key,
    )


def run_context() -> rx.Component:
    """Trigger data and earlier steps, with a link to the run."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Run context", size="3"),
                rx.spacer(),
                rx.link(
                    rx.hstack(rx.text("Open run"), rx.icon("external-link", size=14)),
                    href=D.run_link,
                ),  # fmt: skip
                width="100%",
            ),
            rx.text("Trigger data", weight="medium", size="2"),
            rx.data_list.root(rx.foreach(D.inputs, _pair), width="100%"),
            rx.cond(D.steps.length() > 0, rx.text("Previous steps", weight="medium", size="2")),
            rx.accordion.root(
                rx.foreach(D.steps, _step),
                collapsible=True,
                type="multiple",
                width="100%",
                variant="ghost",
            ),  # fmt: skip
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _control(f: FormFieldView) -> rx.Component:
    return rx.match(
        f.type,
        ("textarea", rx.text_area(name=f.name, default_value=f.default, rows="5", width="100%")),
        ("number", rx.input(name=f.name, default_value=f.default, type="number", width="100%")),
        ("boolean", rx.checkbox(name=f.name, default_checked=f.default == "true")),
        ("select", rx.select(f.options, name=f.name, default_value=f.default, width="100%")),
        rx.input(name=f.name, default_value=f.default, width="100%"),
    )


def _field(f: FormFieldView) -> rx.Component:
    return rx.vstack(
        rx.text(f.label, rx.cond(f.required, " *", ""), size="2", weight="medium"),
        _control(f),
        spacing="1",
        width="100%",
    )


def decision_form() -> rx.Component:
    """The form, a comment, approve / reject."""
    return rx.form(
        rx.vstack(
            rx.foreach(D.fields, _field),
            rx.text("Comment", size="2", weight="medium"),
            rx.text_area(name="__comment", placeholder="Why (optional)", width="100%"),
            rx.hstack(
                rx.button(
                    rx.icon("check", size=16),
                    "Approve",
                    color_scheme="green",
                    type="submit",
                    on_click=D.choose("approved"),
                ),
                rx.button(
                    rx.icon("x", size=16),
                    "Reject",
                    color_scheme="red",
                    variant="soft",
                    type="submit",
                    on_click=D.choose("rejected"),
                ),
                spacing="3",
            ),  # fmt: skip
            spacing="3",
            width="100%",
        ),
        on_submit=D.submit,
        key=D.selected_id,
        width="100%",
    )


def _vote(v: VoteView) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            status_badge(v.decision),
            rx.text(v.who, weight="medium", size="2"),
            rx.text(v.when, color_scheme="gray", size="1"),
            align="center",
        ),  # fmt: skip
        rx.cond(v.comment != "", rx.text(v.comment, size="2")),
        rx.cond(v.data != "", _pre(v.data)),
        spacing="1",
        width="100%",
    )


def _member(m: Pair) -> rx.Component:
    return rx.menu.item(m.value, on_select=D.reassign(m.key))


def actions() -> rx.Component:
    """Claim / unclaim, reassign; who is assigned."""
    return rx.hstack(
        rx.text(
            "Assigned to: ",
            rx.foreach(D.assignees, lambda a: rx.badge(a.value, margin_right="4px")),
            size="2",
        ),  # fmt: skip
        rx.spacer(),
        rx.cond(
            D.claimed_by_me,
            rx.button("Unclaim", size="2", variant="soft", on_click=D.set_claim(False)),
            rx.cond(
                D.can_decide & (D.claimed_by == ""),
                rx.button("Claim", size="2", variant="soft", on_click=D.set_claim(True)),
            ),
        ),  # fmt: skip
        rx.cond(
            D.can_decide,
            rx.menu.root(
                rx.menu.trigger(
                    rx.button("Reassign", size="2", variant="soft", color_scheme="gray")
                ),
                rx.menu.content(rx.foreach(D.members, _member)),
            ),
        ),
        width="100%",
        align="center",
        wrap="wrap",
    )


def decision_panel() -> rx.Component:
    """What the viewer can do: decide, or read why not, or read the outcome."""
    return rx.card(
        rx.vstack(
            actions(),
            rx.cond(
                D.claimed_by != "",
                rx.text("Claimed by ", D.claimed_by, size="2", color_scheme="gray"),
            ),  # fmt: skip
            rx.cond(
                D.expires != "",
                rx.text("Decide before ", D.expires, size="2", color_scheme="amber"),
            ),
            rx.cond(
                D.can_decide,
                decision_form(),
                rx.cond(
                    D.status == "pending",
                    rx.callout(
                        "Only the assigned approvers can decide this request.",
                        icon="lock",
                        color_scheme="gray",
                        width="100%",
                    ),  # fmt: skip
                    rx.vstack(
                        rx.hstack(rx.text("Outcome:", weight="medium"), status_badge(D.status)),
                        # With votes the history below says who decided what; else (a timeout)
                        # the outcome stands alone.
                        rx.cond(
                            D.votes.length() == 0,
                            rx.fragment(
                                rx.cond(D.final_comment != "", rx.text(D.final_comment)),
                                rx.cond(D.final_data != "", _pre(D.final_data)),
                            ),
                        ),
                        width="100%",
                    ),
                ),
            ),
            rx.cond(D.votes.length() > 0, rx.heading("History", size="3")),
            rx.foreach(D.votes, _vote),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def detail() -> rx.Component:
    """The open request."""
    return rx.vstack(
        rx.button(
            rx.icon("arrow-left", size=16), "All approvals", variant="ghost", on_click=D.close
        ),  # fmt: skip
        rx.grid(
            rx.vstack(review_card(), run_context(), spacing="4", width="100%"),
            decision_panel(),
            columns=rx.breakpoints(initial="1", md="2"),
            align_items="start",
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
