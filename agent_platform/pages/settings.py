"""Settings → Organization and Members."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import app_page
from agent_platform.components.settings_nav import settings_layout
from agent_platform.components.ui import (
    confirm,
    field,
    role_badge,
    section,
    submit_button,
    table,
    text_input,
)
from agent_platform.state.settings.members import InvitationRow, MemberRow, MembersState
from agent_platform.state.settings.organization import OrgSettingsState


@app_page(routes.SETTINGS, "Settings", on_load=[rx.redirect(routes.SETTINGS_ORG)])
def settings_index() -> rx.Component:
    """``/settings`` opens the first tab."""
    return rx.center(rx.spinner(), width="100%")


@app_page(routes.SETTINGS_ORG, "Organization", on_load=[OrgSettingsState.load])
def settings_org() -> rx.Component:
    """The organization's name (renamed by admins and owners)."""
    rename = rx.form(
        rx.flex(
            rx.input(
                name="name",
                default_value=OrgSettingsState.name,
                key=OrgSettingsState.name,
                size="3",
                max_length=200,
                required=True,
                flex="1",
            ),
            submit_button("Save"),
            spacing="3",
            width="100%",
            max_width="520px",
        ),
        on_submit=OrgSettingsState.rename,
    )
    return settings_layout(
        section(
            "Organization",
            "The name everyone in this organization sees.",
            rx.cond(
                OrgSettingsState.can_rename,
                field("Name", rename),
                field("Name", rx.text(OrgSettingsState.name, size="3", weight="medium")),
            ),
            rx.hstack(
                rx.text("Identifier", size="2", color_scheme="gray"),
                rx.code(OrgSettingsState.slug),
                rx.text("· created " + OrgSettingsState.created, size="2", color_scheme="gray"),
                align="center",
                wrap="wrap",
            ),
        )
    )


def _role_cell(member: MemberRow) -> rx.Component:
    return rx.cond(
        MembersState.can_manage & ~member.is_me,
        rx.select(
            MembersState.role_options,
            value=member.role,
            size="1",
            on_change=lambda role: MembersState.change_role(member.user_id, role),
        ),
        role_badge(member.role),
    )


def _member_row(member: MemberRow) -> rx.Component:
    remove = rx.cond(
        MembersState.can_manage & ~member.is_me,
        confirm(
            rx.icon_button(
                rx.icon("user-minus", size=14),
                variant="ghost",
                color_scheme="red",
                aria_label="Remove member",
            ),
            "Remove member?",
            member.email + " will lose access to this organization at once.",
            "Remove",
            MembersState.remove(member.user_id),
        ),
    )
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(rx.cond(member.name != "", member.name, member.email), weight="medium"),
                rx.text(member.email, size="1", color_scheme="gray"),
                spacing="0",
            )
        ),
        rx.table.cell(_role_cell(member)),
        rx.table.cell(rx.text(member.joined, size="2", color_scheme="gray")),
        rx.table.cell(remove),
        align="center",
    )


def _invitation_row(invitation: InvitationRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(invitation.email),
        rx.table.cell(role_badge(invitation.role)),
        rx.table.cell(rx.text(invitation.expires, size="2", color_scheme="gray")),
        rx.table.cell(
            rx.button(
                "Revoke",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=MembersState.revoke_invitation(invitation.id),
            ),
        ),
        align="center",
    )


def _invite_form() -> rx.Component:
    return section(
        "Invite a member",
        "They get an email with a link that works once, for 7 days.",
        rx.form(
            rx.flex(
                text_input(
                    "email",
                    "colleague@company.com",
                    type="email",
                    required=True,
                    flex="1",
                    id="invite-email",
                ),
                rx.select(MembersState.role_options, name="role", default_value="editor", size="3"),
                submit_button(rx.icon("send", size=16), "Send invite"),
                spacing="3",
                direction=rx.breakpoints(initial="column", sm="row"),
                width="100%",
            ),
            on_submit=MembersState.invite,
            reset_on_submit=True,
        ),
    )


@app_page(routes.SETTINGS_MEMBERS, "Members", on_load=[MembersState.load])
def settings_members() -> rx.Component:
    """Members, roles and invitations."""
    pending = section(
        "Pending invitations",
        "Links that have not been used yet.",
        rx.cond(
            MembersState.invitations.length() > 0,
            table(
                ["Email", "Role", "Expires", ""],
                rx.foreach(MembersState.invitations, _invitation_row),
            ),
            rx.text("No pending invitations.", size="2", color_scheme="gray"),
        ),
    )
    return settings_layout(
        rx.vstack(
            rx.cond(MembersState.can_manage, _invite_form()),
            section(
                "Members",
                "Everyone with access to this organization.",
                table(
                    ["Member", "Role", "Joined", ""], rx.foreach(MembersState.members, _member_row)
                ),
            ),
            rx.cond(MembersState.can_manage, pending),
            spacing="5",
            width="100%",
        )
    )
