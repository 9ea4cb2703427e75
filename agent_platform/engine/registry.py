"""The node type catalogue: lookup by type name and the JSON the builder renders from."""

from __future__ import annotations

import functools
from typing import Any

import agent_platform.engine.nodes  # noqa: F401 - discovers and registers every node type
from agent_platform.engine.nodes.base import Node, registered_types


def get_node_type(node_type: str) -> type[Node[Any]] | None:
    """The node class registered as ``node_type``, or ``None``."""
    return registered_types().get(node_type)


def all_node_types() -> list[type[Node[Any]]]:
    """Every registered node class, sorted by category then type."""
    return sorted(registered_types().values(), key=lambda cls: (cls.category, cls.type))


@functools.cache
def describe(cls: type[Node[Any]]) -> dict[str, Any]:
    """One catalogue entry (JSON-serialisable; computed once per class, do not mutate).

    Keys: ``type``, ``version``, ``display_name``, ``category``, ``icon`` (a Lucide name),
    ``description``, ``has_input`` (false for triggers), ``multi_input`` (several edges may
    end here), ``repeats_body`` (edges back into it close a loop body), ``handles`` (for the
    default config), ``dynamic_handles`` (handles follow the config, e.g. switch cases),
    ``summary_template`` (the canvas card's line), ``output_paths`` (what the variable picker
    offers), ``field_widgets`` (inspector controls by config field), ``config_schema`` (JSON
    schema) and ``default_config`` (what a node dropped on the canvas starts with: the example
    config with the type's ``required_choices`` blank).
    """
    default = cls.parse_config(cls.example_config)
    blank = dict.fromkeys(sorted(cls.required_choices), "")
    return {
        "type": cls.type,
        "version": cls.version,
        "display_name": cls.display_name,
        "category": cls.category,
        "icon": cls.icon,
        "description": cls.description,
        "has_input": cls.has_input,
        "multi_input": cls.multi_input,
        "repeats_body": cls.repeats_body,
        "handles": [{"id": h.id, "label": h.label} for h in cls.output_handles(default)],
        "dynamic_handles": cls.dynamic_handles,
        "summary_template": cls.summary_template,
        "output_paths": list(cls.output_paths),
        "field_widgets": dict(cls.field_widgets),
        "config_schema": cls.config_model.model_json_schema(),
        "default_config": {**default.model_dump(mode="json"), **blank},
    }


def node_types_schema() -> list[dict[str, Any]]:
    """The whole catalogue, served at ``GET /api/v1/node-types``."""
    return [describe(cls) for cls in all_node_types()]
