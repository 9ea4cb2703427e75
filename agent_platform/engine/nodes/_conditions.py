"""Conditions for ``if_else`` and ``switch``: a fixed list of operators, never ``eval``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent_platform.engine.protocols import PermanentError

Operator = Literal[
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_empty",
    "is_not_empty",
    "is_true",
    "is_false",
]
UNARY = frozenset({"is_empty", "is_not_empty", "is_true", "is_false"})
_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})


class Condition(BaseModel):
    """``left <operator> right``; both sides are templates (right unused by unary operators)."""

    model_config = ConfigDict(extra="forbid")

    left: str = Field(min_length=1, description="Value to test, e.g. {{llm_1.output.text}}")
    operator: Operator = "equals"
    right: str = ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any, side: str) -> float:
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise PermanentError(f"The {side} value {_text(value)!r} is not a number") from None


def _equals(left: Any, right: Any) -> bool:
    try:
        return _number(left, "left") == _number(right, "right")
    except PermanentError:
        return _text(left) == _text(right)


def _contains(left: Any, right: Any) -> bool:
    if isinstance(left, list):
        return any(_equals(item, right) for item in left)
    if isinstance(left, dict):
        return _text(right) in left
    return _text(right) in _text(left)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _is_true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    return bool(value)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": _equals,
    "not_equals": lambda a, b: not _equals(a, b),
    "contains": _contains,
    "not_contains": lambda a, b: not _contains(a, b),
    "starts_with": lambda a, b: _text(a).startswith(_text(b)),
    "ends_with": lambda a, b: _text(a).endswith(_text(b)),
    "gt": lambda a, b: _number(a, "left") > _number(b, "right"),
    "gte": lambda a, b: _number(a, "left") >= _number(b, "right"),
    "lt": lambda a, b: _number(a, "left") < _number(b, "right"),
    "lte": lambda a, b: _number(a, "left") <= _number(b, "right"),
    "is_empty": lambda a, _b: _is_empty(a),
    "is_not_empty": lambda a, _b: not _is_empty(a),
    "is_true": lambda a, _b: _is_true(a),
    "is_false": lambda a, _b: not _is_true(a),
}


def evaluate(group: Any, render_value: Callable[[Any], Any]) -> bool:
    """Whether ``group`` (anything with ``combinator`` and ``conditions``) holds.

    Each side is rendered with ``render_value``.

    Raises:
        PermanentError: a template fails or a numeric operator gets a non-number.
    """
    results = []
    for condition in group.conditions:
        left = render_value(condition.left)
        right = None if condition.operator in UNARY else render_value(condition.right)
        results.append(_OPERATORS[condition.operator](left, right))
    return all(results) if group.combinator == "and" else any(results)
