"""Settings → Teams, API keys and Audit log."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import app_page
from agent_platform.components.settings_nav import settings_layout
from agent_platform.components.ui import (
    confirm,
    empty_state,
    field,
    section,
    submit_button,
    table,
    text_input,
)
from agent_platform.state.settings.api_keys import ALL_SCOPES, ApiKeysState, KeyRow
from agent_platform.state.settings.audit import AuditRow, AuditState
from agent_platform.state.settings.teams import TeamMemberRow, TeamRow, TeamsState


def _team_member(team: TeamRow, member: TeamMemberRow) -> rx.Component:
    return rx.badge(
        member.label,
        rx.cond(
            TeamsState.can_manage,
            rx.icon(
                "x",
                size=12,
                cursor="pointer",
                on_click=TeamsState.remove_member(team.id, member.user_id),
            ),
        ),
        variant="surface",
        radius="full",
        size="2",
    )


def _team_card(team: TeamRow) -> rx.Component:
    add = rx.select.root(
        rx.select.trigger(placeholder="Add member", variant="soft"),
        rx.select.content(
            rx.foreach(
                TeamsState.member_options,
                lambda o: rx.select.item(o.label, value=o.user_id),
            )
        ),
        value="",
        size="1",
        on_change=lambda user_id: TeamsState.add_member(team.id, user_id),
    )
    delete = confirm(
        rx.icon_button(
            rx.icon("trash-2", size=14),
            variant="ghost",
            color_scheme="red",
            aria_label="Delete team",
        ),
        "Delete team?",
        "Its members stay in the organization.",
        "Delete",
        TeamsState.delete(team.id),
    )
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading(team.name, size="4"),
                    rx.text(team.description, size="2", color_scheme="gray"),
                    spacing="1",
                ),
                rx.spacer(),
                rx.text(team.member_count.to_string() + " members", size="1", color_scheme="gray"),
                rx.cond(TeamsState.can_manage, delete),
                width="100%",
                align="start",
            ),
            rx.flex(
                rx.foreach(team.members, lambda m: _team_member(team, m)),
                rx.cond(TeamsState.can_manage, add),
                wrap="wrap",
                spacing="2",
                align="center",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


@app_page(routes.SETTINGS_TEAMS, "Teams", on_load=[TeamsState.load])
def settings_teams() -> rx.Component:
    """Teams and their members."""
    create = section(
        "Create a team",
        "Group members, for example by department.",
        rx.form(
            rx.flex(
                text_input("name", "Team name", required=True, max_length=120),
                text_input("description", "What the team does (optional)", max_length=500),
                submit_button(rx.icon("plus", size=16), "Create team"),
                spacing="3",
                direction=rx.breakpoints(initial="column", sm="row"),
                width="100%",
            ),
            on_submit=TeamsState.create,
            reset_on_submit=True,
        ),
    )
    return settings_layout(
        rx.vstack(
            rx.cond(TeamsState.can_manage, create),
            rx.cond(
                TeamsState.teams.length() > 0,
                rx.grid(
                    rx.foreach(TeamsState.teams, _team_card),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                empty_state("users", "No teams yet", "Teams group members of this organization."),
            ),
            spacing="5",
            width="100%",
        )
    )


def _scope_box(scope: str) -> rx.Component:
    return rx.checkbox(
        scope,
        checked=ApiKeysState.scopes.contains(scope),
        on_change=lambda checked: ApiKeysState.toggle_scope(scope, checked),
    )


def _key_row(key: KeyRow) -> rx.Component:
    revoke = confirm(
        rx.button("Revoke", size="1", variant="soft", color_scheme="red"),
        "Revoke this key?",
        "Requests using " + key.prefix + " will fail immediately.",
        "Revoke",
        ApiKeysState.revoke(key.id),
    )
    return rx.table.row(
        rx.table.cell(rx.text(key.name, weight="medium")),
        rx.table.cell(rx.code(key.prefix + "_…")),
        rx.table.cell(
            rx.flex(
                rx.foreach(key.scopes, lambda s: rx.badge(s, variant="soft")),
                spacing="1",
                wrap="wrap",
            )
        ),
        rx.table.cell(rx.text(key.last_used, size="2", color_scheme="gray")),
        rx.table.cell(rx.text(key.expires, size="2", color_scheme="gray")),
        rx.table.cell(rx.cond(key.revoked, rx.badge("Revoked", color_scheme="red"), revoke)),
        align="center",
    )


def _new_key_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Copy your new API key"),
            rx.dialog.description("This is the only time the key is shown. Store it safely."),
            rx.hstack(
                rx.code(
                    ApiKeysState.new_key,
                    id="new-api-key",
                    word_break="break-all",
                    size="2",
                    flex="1",
                ),
                rx.icon_button(
                    rx.icon("copy", size=16),
                    variant="soft",
                    aria_label="Copy key",
                    on_click=[rx.set_clipboard(ApiKeysState.new_key), rx.toast.success("Copied.")],
                ),
                align="center",
                margin_y="16px",
            ),
            rx.flex(rx.button("Done", on_click=ApiKeysState.close_key_dialog), justify="end"),
            max_width="520px",
        ),
        open=ApiKeysState.new_key != "",
        on_open_change=ApiKeysState.close_key_dialog,
    )


@app_page(routes.SETTINGS_API_KEYS, "API keys", on_load=[ApiKeysState.load])
def settings_api_keys() -> rx.Component:
    """Create, list and revoke API keys."""
    create = section(
        "Create an API key",
        "Keys act for the whole organization with the scopes you choose.",
        rx.form(
            rx.vstack(
                rx.flex(
                    field("Name", text_input("name", "CI pipeline", required=True, max_length=120)),
                    field("Expires (optional)", text_input("expires", type="date")),
                    spacing="3",
                    direction=rx.breakpoints(initial="column", sm="row"),
                    width="100%",
                ),
                field(
                    "Scopes",
                    rx.flex(*[_scope_box(s) for s in ALL_SCOPES], spacing="4", wrap="wrap"),
                ),
                submit_button(rx.icon("key-round", size=16), "Create key"),
                spacing="4",
                width="100%",
            ),
            on_submit=ApiKeysState.create,
            reset_on_submit=True,
        ),
    )
    keys = section(
        "API keys",
        "Only the prefix is stored in readable form.",
        rx.cond(
            ApiKeysState.keys.length() > 0,
            table(
                ["Name", "Key", "Scopes", "Last used", "Expires", ""],
                rx.foreach(ApiKeysState.keys, _key_row),
            ),
            rx.text("No API keys yet.", size="2", color_scheme="gray"),
        ),
    )
    return settings_layout(
        rx.cond(
            ApiKeysState.allowed,
            rx.vstack(create, keys, _new_key_dialog(), spacing="5", width="100%"),
            empty_state("lock", "Admins only", "Ask an admin or owner to manage API keys."),
        )
    )


def _audit_row(entry: AuditRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(entry.time, size="2", white_space="nowrap")),
        rx.table.cell(entry.actor),
        rx.table.cell(rx.code(entry.action)),
        rx.table.cell(rx.text(entry.target, size="1", color_scheme="gray")),
        rx.table.cell(rx.text(entry.ip, size="2", color_scheme="gray")),
    )


@app_page(routes.SETTINGS_AUDIT, "Audit log", on_load=[AuditState.load])
def settings_audit() -> rx.Component:
    """Who did what, when, from where."""
    return settings_layout(
        rx.cond(
            AuditState.allowed,
            section(
                "Audit log",
                "Security-relevant actions in this organization, newest first.",
                table(
                    ["Time", "Actor", "Action", "Target", "IP"],
                    rx.foreach(AuditState.entries, _audit_row),
                ),
                rx.cond(
                    AuditState.has_more,
                    rx.button("Load more", variant="soft", on_click=AuditState.load_more),
                ),
            ),
            empty_state("lock", "Admins only", "Ask an admin or owner for audit information."),
        )
    )
