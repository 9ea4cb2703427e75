"""``classifier``: let a model pick a category; each category is an output handle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent_platform.engine.nodes.base import (
    FieldWidget,
    Handle,
    Node,
    NodeConfig,
    NodeContext,
    NodeResult,
)
from agent_platform.engine.nodes.llm import MODEL_SUMMARY, model_field
from agent_platform.engine.protocols import Category, PermanentError


class ClassifierCategory(BaseModel):
    """A category; ``id`` is its output handle."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""


class ClassifierConfig(NodeConfig):
    """The text to classify and at least two categories."""

    model: str = model_field()
    input: str = Field(default="{{inputs.message}}", min_length=1)
    categories: list[ClassifierCategory] = Field(min_length=2, max_length=50)
    credential_id: str | None = None

    @field_validator("categories")
    @classmethod
    def _unique_ids(cls, categories: list[ClassifierCategory]) -> list[ClassifierCategory]:
        if len({c.id for c in categories}) != len(categories):
            raise ValueError("category ids must be unique")
        return categories


class ClassifierNode(Node[ClassifierConfig]):
    """Routes by meaning."""

    type = "classifier"
    display_name = "Classifier"
    category = "ai"
    icon = "tags"
    description = "Let a model choose which category the text belongs to, and branch on it."
    dynamic_handles = True
    non_template_fields = frozenset({"label", "retry", "model", "categories"})
    summary_template = MODEL_SUMMARY % "input"
    field_widgets: ClassVar[Mapping[str, FieldWidget]] = {
        "model": "model",
        "input": "prompt",
        "credential_id": "credential",
    }
    example_config: ClassVar[dict[str, Any]] = {
        "input": "{{inputs.message}}",
        "categories": [
            {"id": "question", "name": "Question"},
            {"id": "complaint", "name": "Complaint"},
        ],
    }

    @classmethod
    def output_handles(cls, config: ClassifierConfig) -> list[Handle]:
        """One handle per category id."""
        return [Handle(c.id, c.name) for c in config.categories]

    async def run(self, ctx: NodeContext[ClassifierConfig]) -> NodeResult:
        """Classify the rendered input."""
        config = ctx.config
        categories = tuple(Category(c.name, c.description) for c in config.categories)
        result = await ctx.llm.classify(
            model=config.model,
            text=ctx.render(config.input),
            categories=categories,
            credential_id=config.credential_id,
        )
        if not 0 <= result.index < len(config.categories):
            raise PermanentError(f"The classifier returned an unknown category #{result.index}")
        chosen = config.categories[result.index]
        return NodeResult(
            output={"category_id": chosen.id, "category": chosen.name, "model": result.model},
            handle=chosen.id,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            cost_usd=result.cost_usd,
            model=result.model,
        )
