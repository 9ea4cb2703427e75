"""``GET /api/v1/node-types``: the engine's node catalogue the builder renders forms from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from agent_platform.api import deps
from agent_platform.engine.registry import node_types_schema
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1/node-types", tags=["node-types"])


@router.get("")
def list_node_types(principal: Principal = Depends(deps.principal)) -> list[dict[str, Any]]:
    """Every registered node type: metadata, handles, config JSON schema and defaults."""
    return node_types_schema()
