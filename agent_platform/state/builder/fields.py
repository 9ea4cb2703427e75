"""The inspector form, generated from each node type's config JSON schema (pure).

``fields`` turns a node's schema and config into small rows the page renders (text, number,
select, toggle, key-value, JSON, prompt, model, credential, code, agent); ``parse`` turns one edited
value from the browser back into config, refusing anything that does not fit the field. The
controls the schema cannot tell (prompt, model, credential, code, agent) are the node class's
``field_widgets``, read from the registry catalogue. The model picker offers the models the
caller passes in: the organization's (``services.credentials.llm_models``).
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from agent_platform.engine.protocols import DEFAULT_MODEL, OFFLINE_MODEL
from agent_platform.services.errors import InvalidInput
from agent_platform.state.builder.view import catalog

MAX_VALUE = 100_000
NO_CREDENTIAL = "__none__"


@dataclasses.dataclass
class KeyValue:
    """One row of a key-value field."""

    key: str
    value: str


@dataclasses.dataclass
class Choice:
    """An option of a picker: the stored ``value`` and what people read."""

    value: str
    label: str


#: The picker's models when the organization's are not known.
FALLBACK_MODELS = [
    Choice(DEFAULT_MODEL, "Organization default"),
    Choice(OFFLINE_MODEL, OFFLINE_MODEL),
]


@dataclasses.dataclass
class FieldView:
    """One inspector control."""

    key: str
    label: str
    kind: str  # text|prompt|number|select|toggle|kv|json|model|credential|code|agent
    value: str
    hint: str = ""
    options: list[str] = dataclasses.field(default_factory=list)
    choices: list[Choice] = dataclasses.field(default_factory=list)
    rows: list[KeyValue] = dataclasses.field(default_factory=list)
    required: bool = False


def _unwrap(spec: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The non-null branch of ``anyOf: [X, null]`` and whether null is allowed."""
    options = spec.get("anyOf")
    if isinstance(options, list):
        real = [o for o in options if o.get("type") != "null"]
        if len(real) == 1:
            return {**spec, **real[0]}, len(real) < len(options)
    return spec, False


def kind_of(key: str, spec: dict[str, Any], widgets: dict[str, str] | None = None) -> str:
    """Which control edits a property: the node's widget for it, else one for its schema."""
    if widgets and key in widgets:
        return widgets[key]
    spec, _ = _unwrap(spec)
    kind = spec.get("type")
    if "enum" in spec:
        return "select"
    if kind == "boolean":
        return "toggle"
    if kind in {"integer", "number"}:
        return "number"
    if (
        kind == "object"
        and "properties" not in spec
        and spec.get("additionalProperties") is not False
    ):
        return "kv"
    if kind == "string":
        return "text"
    return "json"


def _shown(kind: str, value: Any) -> str:
    if kind in {"json"}:
        return json.dumps(value, indent=2)
    if kind == "toggle":
        return "true" if value else "false"
    if value is None:
        return ""
    if kind == "prompt" and not isinstance(value, str):
        return json.dumps(value)
    return str(value)


def schema_of(node_type: str) -> dict[str, Any]:
    """The config JSON schema of ``node_type`` (empty for unknown types)."""
    return (catalog().get(node_type) or {}).get("config_schema") or {}


def widgets_of(node_type: str) -> dict[str, str]:
    """The node type's inspector controls by field name (empty for unknown types)."""
    return (catalog().get(node_type) or {}).get("field_widgets") or {}


def _model_choices(value: str, models: list[Choice] | None) -> list[Choice]:
    choices = list(models or FALLBACK_MODELS)
    if value and value not in {c.value for c in choices}:
        choices.append(Choice(value, value))  # a typed-in model stays selectable
    return choices


def fields(
    node_type: str, data: dict[str, Any], models: list[Choice] | None = None
) -> list[FieldView]:
    """The inspector rows for a node.

    Args:
        models: what the model picker offers (the organization's models, "Organization
            default" first); a short fallback when ``None``.
    """
    schema, widgets = schema_of(node_type), widgets_of(node_type)
    required = set(schema.get("required") or [])
    rows = []
    props = schema.get("properties") or {}
    # Cross-cutting settings (retries) go last: the node's own fields come first.
    ordered = [k for k in props if k != "retry"] + [k for k in props if k == "retry"]
    for key in ordered:
        spec = props[key]
        kind = kind_of(key, spec, widgets)
        plain, _ = _unwrap(spec)
        value = data.get(key, plain.get("default"))
        view = FieldView(
            key=key,
            label=plain.get("title") or key.replace("_", " ").capitalize(),
            kind=kind,
            value=_shown(kind, value),
            hint=plain.get("description") or "",
            required=key in required,
        )
        if kind == "select":
            view.options = [str(o) for o in plain["enum"]]
        elif kind == "model":
            view.value = view.value or DEFAULT_MODEL
            view.choices = _model_choices(view.value, models)
            view.options = [c.value for c in view.choices]
        elif kind == "kv":
            items = value.items() if isinstance(value, dict) else []
            view.rows = [
                KeyValue(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in items
            ]
        rows.append(view)
    return rows


def _number(raw: Any, spec: dict[str, Any], nullable: bool) -> Any:
    if isinstance(raw, str) and not raw.strip():
        if nullable:
            return None
        raise InvalidInput("Enter a number.")
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput("Enter a number.") from None
    if not math.isfinite(number):
        raise InvalidInput("Enter a number.")
    return int(number) if spec.get("type") == "integer" else number


def parse(node_type: str, key: Any, raw: Any) -> Any:
    """The config value for field ``key`` from the browser's ``raw`` value.

    Raises:
        InvalidInput: unknown field, or a value the field cannot hold.
    """
    props = schema_of(node_type).get("properties") or {}
    if not isinstance(key, str) or key not in props:
        raise InvalidInput("That field does not exist.")
    kind = kind_of(key, props[key], widgets_of(node_type))
    spec, nullable = _unwrap(props[key])
    if kind == "toggle":
        if not isinstance(raw, bool):
            raise InvalidInput("That value is not valid.")
        return raw
    if isinstance(raw, bool) or not isinstance(raw, str) or len(raw) > MAX_VALUE:
        raise InvalidInput("That value is not valid.")
    if kind == "number":
        return _number(raw, spec, nullable)
    if kind == "select" and raw not in [str(o) for o in spec["enum"]]:
        raise InvalidInput("Pick one of the listed options.")
    if kind == "json":
        try:
            return json.loads(raw)
        except ValueError:
            raise InvalidInput(f"{spec.get('title') or key}: that is not valid JSON.") from None
    if kind == "credential":
        return None if raw in ("", NO_CREDENTIAL) else raw
    if kind == "model":
        return raw.strip() or DEFAULT_MODEL
    if nullable and not raw:
        return None
    return raw


def kv_rows(value: Any) -> list[list[str]]:
    """A key-value config value as ``[[key, value], ...]``."""
    if not isinstance(value, dict):
        return []
    return [[str(k), v if isinstance(v, str) else json.dumps(v)] for k, v in value.items()]


def kv_value(rows: list[list[str]]) -> dict[str, str]:
    """``[[key, value], ...]`` back into a mapping (blank keys dropped, last one wins)."""
    return {k: v for k, v in rows if k}
