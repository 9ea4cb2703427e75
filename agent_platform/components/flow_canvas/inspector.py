"""The inspector: one control per config field, chosen by the field's kind from its JSON schema.

Text-like controls are uncontrolled and commit on blur (one round trip per edit, not per key);
selects and toggles commit on change. Each control is keyed by node, field and value so undo
and variable insertion redraw it.
"""

from __future__ import annotations

import reflex as rx

from agent_platform.components.flow_canvas.webhook import webhook_section
from agent_platform.state.builder.editor import AgentChoice, BuilderState
from agent_platform.state.builder.fields import NO_CREDENTIAL, Choice, FieldView, KeyValue
from agent_platform.state.builder.inspector import CredentialOption, InspectorState

MONO = {"font_family": "var(--code-font-family)", "font_size": "12px"}


def _key(field: FieldView) -> rx.Var:
    return BuilderState.selected_id + ":" + field.key + ":" + field.value


def _blur_input(field: FieldView, **props) -> rx.Component:
    return rx.input(
        default_value=field.value,
        key=_key(field),
        on_blur=lambda value: InspectorState.set_field(field.key, value),
        width="100%",
        read_only=~BuilderState.can_edit,
        name=field.key,
        **props,
    )


def _variables(field: FieldView) -> rx.Component:
    return rx.flex(
        rx.foreach(
            BuilderState.variables,
            lambda var: rx.badge(
                var,
                variant="soft",
                cursor="pointer",
                title="Insert this variable",
                on_click=InspectorState.insert_variable(field.key, var),
            ),
        ),
        wrap="wrap",
        gap="4px",
    )


def _prompt(field: FieldView) -> rx.Component:
    return rx.vstack(
        rx.text_area(
            default_value=field.value,
            key=_key(field),
            on_blur=lambda value: InspectorState.set_field(field.key, value),
            rows="5",
            width="100%",
            read_only=~BuilderState.can_edit,
            name=field.key,
            style=MONO,
        ),
        rx.cond(BuilderState.can_edit, _variables(field)),
        spacing="1",
        width="100%",
    )


def _select(field: FieldView) -> rx.Component:
    return rx.select(
        field.options,
        value=field.value,
        on_change=lambda value: InspectorState.set_field(field.key, value),
        disabled=~BuilderState.can_edit,
        width="100%",
        name=field.key,
    )


def _choice(choice: Choice) -> rx.Component:
    return rx.select.item(choice.label, value=choice.value)


def _model(field: FieldView) -> rx.Component:
    # The organization's models by name ("Organization default (offline:extractive)" first);
    # any other ``provider:model`` can be typed below.
    picker = rx.select.root(
        rx.select.trigger(width="100%"),
        rx.select.content(rx.foreach(field.choices, _choice)),
        value=field.value,
        on_change=lambda value: InspectorState.set_field(field.key, value),
        disabled=~BuilderState.can_edit,
        name=field.key,
    )
    return rx.vstack(
        picker,
        _blur_input(field, placeholder="or type provider:model", size="1"),
        spacing="1",
        width="100%",
    )


def _credential_item(option: CredentialOption) -> rx.Component:
    return rx.select.item(option.label, value=option.id)


def _credential(field: FieldView) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder="Default credential", width="100%"),
        rx.select.content(
            rx.select.item("Default credential", value=NO_CREDENTIAL),
            rx.foreach(InspectorState.credentials, _credential_item),
        ),
        value=field.value,
        on_change=lambda value: InspectorState.set_field(field.key, value),
        disabled=~BuilderState.can_edit,
        on_open_change=InspectorState.load_credentials,
    )


def _agent_item(choice: AgentChoice) -> rx.Component:
    return rx.select.item(choice.name, value=choice.id)


def _agent(field: FieldView) -> rx.Component:
    """The org's other published agents; a new step starts with none chosen."""
    return rx.cond(
        BuilderState.agent_choices.length() > 0,
        rx.select.root(
            rx.select.trigger(placeholder="Choose an agent", width="100%"),
            rx.select.content(rx.foreach(BuilderState.agent_choices, _agent_item)),
            value=field.value,
            on_change=lambda value: InspectorState.set_field(field.key, value),
            disabled=~BuilderState.can_edit,
            name=field.key,
        ),
        rx.callout(
            "No other agent is published yet: publish the agent this step should run first.",
            icon="info",
            size="1",
            color_scheme="amber",
        ),
    )


def _kv_row(field: FieldView, row: KeyValue, index: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.input(
            default_value=row.key,
            key=_key(field) + row.key,
            on_blur=lambda v: InspectorState.kv_edit(field.key, index, "key", v),
            placeholder="name",
            size="1",
            width="40%",
        ),
        rx.input(
            default_value=row.value,
            key=_key(field) + row.value,
            on_blur=lambda v: InspectorState.kv_edit(field.key, index, "value", v),
            placeholder="value or {{variable}}",
            size="1",
            flex="1",
        ),
        rx.icon_button(
            rx.icon("x", size=12),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=InspectorState.kv_remove(field.key, index),
            aria_label="Remove row",
        ),
        width="100%",
        spacing="1",
    )


def _kv(field: FieldView) -> rx.Component:
    return rx.vstack(
        rx.foreach(field.rows, lambda row, i: _kv_row(field, row, i)),
        rx.button(
            rx.icon("plus", size=12),
            "Add",
            size="1",
            variant="soft",
            on_click=InspectorState.kv_add(field.key),
            disabled=~BuilderState.can_edit,
        ),
        spacing="1",
        width="100%",
    )


def _json(field: FieldView) -> rx.Component:
    return rx.text_area(
        default_value=field.value,
        key=_key(field),
        on_blur=lambda value: InspectorState.set_field(field.key, value),
        rows="4",
        width="100%",
        read_only=~BuilderState.can_edit,
        name=field.key,
        style=MONO,
    )


def _control(field: FieldView) -> rx.Component:
    return rx.match(
        field.kind,
        ("prompt", _prompt(field)),
        ("number", _blur_input(field, type="number")),
        ("select", _select(field)),
        (
            "toggle",
            rx.switch(
                checked=field.value == "true",
                on_change=lambda value: InspectorState.set_field(field.key, value),
                disabled=~BuilderState.can_edit,
            ),
        ),
        ("model", _model(field)),
        ("credential", _credential(field)),
        ("agent", _agent(field)),
        ("kv", _kv(field)),
        ("json", _json(field)),
        _blur_input(field),
    )


def field_row(field: FieldView) -> rx.Component:
    """A labelled control with the field's hint."""
    return rx.vstack(
        rx.hstack(
            rx.text(field.label, size="2", weight="medium"),
            rx.cond(field.required, rx.text("*", color_scheme="red", size="2")),
            spacing="1",
        ),
        _control(field),
        rx.cond(field.hint != "", rx.text(field.hint, size="1", color_scheme="gray")),
        spacing="1",
        width="100%",
        custom_attrs={"data-field": field.key},
    )


def inspector() -> rx.Component:
    """The selected node's form, or a hint when nothing (or several things) is selected."""
    return rx.cond(
        BuilderState.selected_type != "",
        rx.vstack(
            rx.hstack(
                rx.badge(BuilderState.selected_type, variant="soft"),
                rx.code(BuilderState.selected_id),
                spacing="2",
                align="center",
            ),
            rx.foreach(BuilderState.fields, field_row),
            webhook_section(),
            spacing="4",
            width="100%",
            id="inspector",
        ),
        rx.text(
            rx.cond(
                BuilderState.selected_ids.length() > 1,
                "Several steps are selected: copy, duplicate or delete them together.",
                "Select a step to edit it, or drag one in from the palette.",
            ),
            color_scheme="gray",
            size="2",
        ),
    )
