"""Pydantic shapes shared by the v1 routers.

Responses are explicit models built from domain objects (never ORM rows passed through), so a
hash or secret column can never leak by accident. Request bodies forbid unknown fields: a body
carrying a server-owned field such as ``org_id`` is rejected with 422, not silently ignored.

Request fields accept exactly what the OpenAPI document says: pydantic's lax mode would take
``true`` for an integer, ``"1"`` for a number and ``0`` for a date-time, none of which the schema
allows. Bodies therefore use the JSON-strict scalars below (``Int``, ``Number``, ``Bool``,
``DateTime``) and ``Graph`` for a graph document; ``tests/api/test_schema_strictness.py`` fails
when a body field takes a value its schema rejects.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Strict, WithJsonSchema

from agent_platform.engine.graph import GraphDocument
from agent_platform.services.pagination import MAX_LIMIT


def _date_time_text(value: Any) -> Any:
    if isinstance(value, datetime | str):
        return value
    raise ValueError("Input should be an ISO 8601 date-time string")


def _inlined(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with every local ``$ref`` replaced by its definition (none are recursive)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inlined(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inlined(item, defs) for item in schema]
    return schema


def _graph_schema() -> dict[str, Any]:
    schema = GraphDocument.model_json_schema()
    return _inlined(schema, schema.get("$defs", {}))


#: A JSON integer (not ``true``, not ``"1"``).
Int = Annotated[int, Strict()]
#: A JSON number, integer or not (not ``true``, not ``"1.5"``).
Number = Annotated[float, Strict()]
#: A JSON boolean (not ``1``, not ``"yes"``).
Bool = Annotated[bool, Strict()]
#: An ISO 8601 date-time string (not a number of seconds).
DateTime = Annotated[datetime, BeforeValidator(_date_time_text)]
#: The largest value of a PostgreSQL ``integer`` column: a bound for numbers that reach SQL.
INT32_MAX = 2**31 - 1
#: ``?limit=`` of a paginated list (1..100; the default is 20).
PageLimit = Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description="Page size (default 20)")]
#: A graph document (``engine.graph.GraphDocument``): the services check its shape and keep
#: the document as sent (React Flow's extra keys, the builder's ``notes``).
Graph = Annotated[dict[str, Any], WithJsonSchema(_graph_schema())]


class Body(BaseModel):
    """Base for request bodies: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """Base for responses: built from objects by attribute."""

    model_config = ConfigDict(from_attributes=True)


class UserOut(Out):
    """A user, without credentials."""

    id: uuid.UUID
    email: str
    name: str


class OrgOut(Out):
    """An organization."""

    id: uuid.UUID
    name: str
    slug: str
    plan: str
    created_at: datetime


class OrgSummaryOut(Out):
    """An organization the caller belongs to, with their role there."""

    id: uuid.UUID
    name: str
    slug: str
    role: str


class MemberOut(Out):
    """A member of an organization or team."""

    user_id: uuid.UUID
    email: str
    name: str
    role: str
    joined_at: datetime
