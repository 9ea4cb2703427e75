"""Settings → Credentials: add, test and delete encrypted credentials (admins)."""

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
from agent_platform.state.settings.credentials import (
    KINDS,
    PROVIDERS,
    CredentialRow,
    CredentialsState,
)

_KIND_LABELS = {
    "llm_provider": "LLM provider key",
    "api_key": "API key",
    "bearer": "Bearer token",
    "basic": "Username + password",
    "custom_json": "Custom JSON",
}


def _select(value: rx.Var, options: list[str], on_change, labels: dict | None = None):
    return rx.select.root(
        rx.select.trigger(width="100%"),
        rx.select.content(*[rx.select.item((labels or {}).get(o, o), value=o) for o in options]),
        value=value,
        on_change=on_change,
    )


def _secret_fields() -> rx.Component:
    secret = field("Secret", text_input("secret", "Paste the key or token", type="password"))
    return rx.match(
        CredentialsState.kind,
        (
            "basic",
            rx.flex(
                field("Username", text_input("username", "Username")),
                field("Password", text_input("password", "Password", type="password")),
                spacing="3",
                width="100%",
            ),
        ),
        (
            "custom_json",
            field(
                "Fields (JSON)",
                rx.text_area(
                    name="json",
                    placeholder='{"token": "...", "region": "eu"}',
                    rows="4",
                    width="100%",
                ),
            ),
        ),
        rx.vstack(
            secret,
            rx.cond(
                (CredentialsState.kind == "llm_provider") & (CredentialsState.provider == "compat"),
                field(
                    "Base URL",
                    text_input("base_url", "http://ollama.internal:11434/v1"),
                    "Any OpenAI-compatible server: Ollama, vLLM, LM Studio.",
                ),
            ),
            rx.cond(
                CredentialsState.kind == "llm_provider",
                field(
                    "Default model (optional)",
                    text_input("model", "e.g. gpt-4o, claude-sonnet-4-5, llama3:8b"),
                    "What steps left on “Organization default” use when this is the first "
                    "provider. Empty: gpt-4o-mini, claude-haiku-4-5, or the server's first model.",
                ),
            ),
            width="100%",
        ),
    )


_HOSTS_HINT = (
    "Where HTTP steps may send this credential: exact hosts (api.example.com) or *.example.com, "
    "one per line or comma-separated. Without any, HTTP steps cannot use it."
)


def _hosts_field(default: rx.Var | str = "") -> rx.Component:
    return field(
        "Allowed hosts",
        rx.text_area(
            name="allowed_hosts",
            placeholder="api.example.com",
            default_value=default,
            rows="2",
            width="100%",
        ),
        _HOSTS_HINT,
    )


def _hosts_dialog(row: CredentialRow) -> rx.Component:
    """Edit the hosts one credential may be sent to (not shown for LLM provider keys)."""
    return rx.dialog.root(
        rx.dialog.trigger(rx.button("Hosts", size="1", variant="soft")),
        rx.dialog.content(
            rx.dialog.title("Allowed hosts of " + row.name),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="credential_id", value=row.id),
                    _hosts_field(row.hosts),
                    rx.flex(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                        rx.dialog.close(submit_button("Save")),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=CredentialsState.save_hosts,
            ),
            max_width="480px",
        ),
    )


def _row(row: CredentialRow) -> rx.Component:
    delete = confirm(
        rx.button("Delete", size="1", variant="soft", color_scheme="red"),
        "Delete this credential?",
        "Nodes that use " + row.name + " will fail until they are given another one.",
        "Delete",
        CredentialsState.delete(row.id),
    )
    return rx.table.row(
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(
            rx.hstack(
                rx.badge(row.kind, variant="soft"),
                rx.cond(row.provider != "", rx.badge(row.provider, variant="outline")),
                rx.cond(row.is_default, rx.badge("default", color_scheme="green")),
                spacing="1",
            )
        ),
        rx.table.cell(rx.code(row.hint)),
        rx.table.cell(
            rx.cond(
                row.http_usable,
                rx.text(
                    rx.cond(row.hosts != "", row.hosts, "None: not usable by HTTP steps"), size="2"
                ),
                rx.text("Its provider only", size="2", color_scheme="gray"),
            )  # fmt: skip
        ),
        rx.table.cell(rx.text(row.last_used, size="2", color_scheme="gray")),
        rx.table.cell(
            rx.hstack(
                rx.button("Test", size="1", variant="soft", on_click=CredentialsState.test(row.id)),
                rx.cond(row.http_usable, _hosts_dialog(row)),
                delete,
                spacing="2",
            )
        ),
        align="center",
    )


@app_page(routes.SETTINGS_CREDENTIALS, "Credentials", on_load=[CredentialsState.load])
def settings_credentials() -> rx.Component:
    """Encrypted credentials: LLM provider keys and secrets for HTTP and tool nodes."""
    create = section(
        "Add a credential",
        "Stored encrypted (AES-GCM, bound to this organization). Nobody can read it back.",
        rx.form(
            rx.vstack(
                rx.flex(
                    field("Name", text_input("name", "e.g. OpenAI production", required=True)),
                    field(
                        "Kind",
                        _select(
                            CredentialsState.kind, KINDS, CredentialsState.set_kind, _KIND_LABELS
                        ),
                    ),
                    rx.cond(
                        CredentialsState.kind == "llm_provider",
                        field(
                            "Provider",
                            _select(
                                CredentialsState.provider, PROVIDERS, CredentialsState.set_provider
                            ),
                        ),
                    ),
                    spacing="3",
                    direction=rx.breakpoints(initial="column", sm="row"),
                    width="100%",
                ),
                _secret_fields(),
                rx.cond(CredentialsState.kind != "llm_provider", _hosts_field()),
                submit_button(rx.icon("lock", size=16), "Save credential"),
                spacing="3",
                width="100%",
            ),
            on_submit=CredentialsState.create,
            reset_on_submit=True,
        ),
    )
    listing = rx.cond(
        CredentialsState.rows.length() > 0,
        table(
            ["Name", "Kind", "Hint", "Sent to", "Last used", ""],
            rx.foreach(CredentialsState.rows, _row),
        ),
        empty_state(
            "key-round",
            "No credentials yet",
            "Add an LLM provider key to use OpenAI, Anthropic or a compatible server. Without "
            "one, agents run on the offline extractive model.",
        ),
    )
    return settings_layout(
        rx.cond(
            CredentialsState.allowed,
            rx.vstack(create, listing, spacing="5", width="100%"),
            empty_state("shield", "Admins only", "Ask an admin to manage credentials."),
        )
    )
