"""Request bodies accept what their OpenAPI schema allows, and only that, for JSON scalars.

Pydantic's lax mode takes ``true`` as the integer 1, ``"1"`` as a number or a boolean and ``0``
as a date-time; the schema allows none of these. Every field of every request body (nested
models included) of every route, present or added later, is probed with ``true``, ``1`` and
``"1"``: a probe whose JSON type the field's schema refuses must be refused by validation too.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

import pytest
from fastapi import routing
from pydantic import BaseModel, TypeAdapter, ValidationError

from agent_platform.api.app import create_api

PROBES = {"boolean": True, "integer": 1, "string": "1"}
JSON_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _json_types(schema: dict[str, Any], defs: dict[str, Any]) -> set[str] | None:
    """The JSON types ``schema`` allows; ``None`` for any type at all."""
    if "$ref" in schema:
        return _json_types(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema or "enum" in schema:
        values = [schema["const"]] if "const" in schema else schema["enum"]
        return {JSON_NAMES[type(value)] for value in values}
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        found: set[str] = set()
        for option in alternatives:
            types = _json_types(option, defs)
            if types is None:
                return None
            found |= types
        return found
    kind = schema.get("type")
    if kind is None:
        return None
    kinds = set(kind if isinstance(kind, list) else [kind])
    return kinds | ({"integer"} if "number" in kinds else set())


def _models(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model inside ``annotation`` (lists, unions, ``Annotated``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    args = get_args(annotation)
    if get_origin(annotation) is Annotated:
        args = args[:1]
    return [model for arg in args for model in _models(arg)]


def _body_models() -> set[type[BaseModel]]:
    todo = [
        model
        for ctx in routing.iter_route_contexts(create_api().routes)
        if getattr(ctx, "dependant", None) is not None
        for param in ctx.dependant.body_params
        for model in _models(param.field_info.annotation)
    ]
    seen: set[type[BaseModel]] = set()
    while todo:
        model = todo.pop()
        if model not in seen:
            seen.add(model)
            todo += [m for f in model.model_fields.values() for m in _models(f.annotation)]
    return seen


FIELDS = sorted(
    ((model, name) for model in _body_models() for name in model.model_fields),
    key=lambda pair: (pair[0].__name__, pair[1]),
)


def test_the_walk_finds_the_bodies():
    names = {model.__name__ for model, _ in FIELDS}
    assert {"AgentIn", "KnowledgeBaseIn", "ExecuteIn", "CompletionIn", "ChatMessageIn"} <= names


@pytest.mark.parametrize(("model", "name"), FIELDS, ids=[f"{m.__name__}.{n}" for m, n in FIELDS])
def test_a_field_refuses_what_its_schema_refuses(model, name):
    field = model.model_fields[name]
    adapter = TypeAdapter(Annotated[field.annotation, field])
    schema = adapter.json_schema()
    allowed = _json_types(schema, schema.get("$defs", {}))
    if allowed is None:
        return  # any JSON value is fine here
    for json_type, probe in PROBES.items():
        if json_type in allowed:
            continue
        with pytest.raises(ValidationError):
            adapter.validate_python(probe)
