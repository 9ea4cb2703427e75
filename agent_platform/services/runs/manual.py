"""Running a published agent by hand: the form its trigger declares, and the ``manual`` run.

The form comes from the published version's ``manual`` trigger (the first trigger when there
is none): one field per declared ``input_fields`` entry, or a single ``message`` when it
declares none (``{{inputs.message}}`` is what a new graph reads). Browser values arrive as
strings and are turned into the declared types here, so a bad value is refused before any run
exists; the run itself starts through :func:`services.runs.runs.start_run`, as over the API.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from agent_platform.engine.nodes.trigger import InputField, TriggerConfig
from agent_platform.models.runs import Run, RunTrigger
from agent_platform.services.agents import queries
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.runs import runs

MAX_VALUE = 100_000
TRUE = {"on", "true", "1", "yes"}


@dataclass(frozen=True)
class FormField:
    """One input of the run form (``type``: text, number, boolean or json)."""

    name: str
    label: str
    type: str
    required: bool


@dataclass(frozen=True)
class RunForm:
    """What the "Run" dialog asks for."""

    agent_id: uuid.UUID
    agent_name: str
    fields: list[FormField]


def form_fields(definition: Mapping[str, Any]) -> list[FormField]:
    """The run form of a graph: its manual trigger's input fields (pure)."""
    triggers = [n for n in definition.get("nodes") or [] if n.get("type") == "trigger"]
    configs = [TriggerConfig.model_validate(n.get("data") or {}) for n in triggers]
    chosen = next((c for c in configs if c.kind == "manual"), configs[0] if configs else None)
    declared = chosen.input_fields if chosen is not None else []
    if not declared:
        declared = [InputField(name="message", label="Message")]
    return [
        FormField(f.name, f.label or f.name.replace("_", " ").capitalize(), f.type, f.required)
        for f in declared
    ]


def _value(field: FormField, raw: Any) -> Any:
    """``raw`` from the browser as the field's type; ``None`` when left empty."""
    if field.type == "boolean":
        return raw is True or (isinstance(raw, str) and raw.strip().lower() in TRUE)
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > MAX_VALUE:
        raise InvalidInput(f"{field.label} must be text.", details={"field": field.name})
    raw = raw.strip()
    if not raw:
        return None
    if field.type == "number":
        try:
            number = float(raw)
        except ValueError:
            raise InvalidInput(
                f"{field.label} must be a number.", details={"field": field.name}
            ) from None
        return int(number) if number.is_integer() and "." not in raw else number
    if field.type == "json":
        try:
            return json.loads(raw)
        except ValueError:
            raise InvalidInput(
                f"{field.label} must be valid JSON.", details={"field": field.name}
            ) from None
    return raw


def coerce_inputs(fields: list[FormField], values: Mapping[str, Any]) -> dict[str, Any]:
    """The run inputs from the form's string ``values``.

    Raises:
        InvalidInput: an unknown input, a missing required one, or a value of the wrong type.
    """
    if not isinstance(values, Mapping):
        raise InvalidInput("The run form was not understood.")
    known = {f.name for f in fields}
    for name in values:
        if name not in known:
            raise InvalidInput(f"Unknown input '{str(name)[:64]}'.")
    inputs: dict[str, Any] = {}
    for field in fields:
        value = _value(field, values.get(field.name))
        if value is None:
            if field.required:
                raise InvalidInput(f"{field.label} is required.", details={"field": field.name})
            continue
        inputs[field.name] = value
    return inputs


def run_form(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> RunForm:
    """The form for running the agent's published version (``EXECUTE_AGENT``).

    Raises:
        Forbidden: without ``EXECUTE_AGENT``. NotFound: no such agent in the org.
        Conflict: the agent is archived or unpublished.
    """
    principal.require(Permission.EXECUTE_AGENT)
    agent = queries.load_agent(session, org_id=principal.org_id, agent_id=agent_id)
    version = runs.pinned_version(session, agent, None)
    return RunForm(agent.id, agent.name, form_fields(version.definition))


def start_manual_run(
    session: Session, *, principal: Principal, agent_id: uuid.UUID, values: Mapping[str, Any]
) -> Run:
    """Check ``values`` against the form and start a ``manual`` run of the published version.

    Raises:
        InvalidInput: as :func:`coerce_inputs`. Others as :func:`run_form`.
    """
    form = run_form(session, principal=principal, agent_id=agent_id)
    inputs = coerce_inputs(form.fields, values)
    return runs.start_run(
        session, principal=principal, agent_id=agent_id, inputs=inputs, trigger=RunTrigger.MANUAL
    )
