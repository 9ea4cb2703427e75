"""The graph document, in the shape React Flow saves it.

A graph is ``{"nodes": [...], "edges": [...]}``. Each node's ``data`` is its config (validated
against the node type's ``Config`` model elsewhere). Keys React Flow adds for its own use
(``width``, ``height``, ``selected``, ``dragging``, ...) are accepted and dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

ItemT = TypeVar("ItemT", bound=BaseModel)


class Position(BaseModel):
    """A node's canvas position in pixels; irrelevant to execution.

    JSON numbers only (``true`` or ``"1"`` is refused), as the graph's JSON schema says.
    """

    model_config = ConfigDict(extra="ignore")

    x: Annotated[float, Strict()] = 0.0
    y: Annotated[float, Strict()] = 0.0


class GraphNode(BaseModel):
    """One node: ``type`` names a registered node type; ``data`` is its config."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    type: str = Field(min_length=1)
    position: Position = Field(default_factory=Position)
    data: dict[str, Any] = Field(default_factory=dict)


class GraphEdge(BaseModel):
    """A connection from ``source``'s output handle to ``target``.

    ``sourceHandle`` is ``None`` when the source has a single output handle (React Flow's
    default); ``targetHandle`` is tolerated but unused because every node has one input.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    sourceHandle: str | None = None  # noqa: N815 - React Flow's spelling
    targetHandle: str | None = None  # noqa: N815


class GraphDocument(BaseModel):
    """A whole graph as saved by the canvas."""

    model_config = ConfigDict(extra="ignore")

    nodes: list[GraphNode] = Field(default_factory=list)
    edges: list[GraphEdge] = Field(default_factory=list)

    @classmethod
    def lenient(cls, doc: Any) -> GraphDocument:
        """``doc`` parsed item by item, leaving out the nodes and edges that do not parse.

        For a draft being edited (which may hold half-made items); runs parse strictly.

        Args:
            doc: anything; a mapping with ``nodes`` and ``edges`` lists is expected.

        Returns:
            The graph of the items that parse (empty for anything else). Never raises.
        """
        doc = doc if isinstance(doc, Mapping) else {}
        nodes, edges = doc.get("nodes"), doc.get("edges")
        return cls(nodes=_parsed(GraphNode, nodes), edges=_parsed(GraphEdge, edges))

    def node(self, node_id: str) -> GraphNode | None:
        """The node with ``node_id``, or ``None``."""
        return next((n for n in self.nodes if n.id == node_id), None)


def _parsed(model: type[ItemT], items: Any) -> list[ItemT]:
    found = []
    for item in items if isinstance(items, list) else []:
        try:
            found.append(model.model_validate(item))
        except ValidationError:
            continue
    return found
