"""Variable templates: ``{{node_id.output.path}}``, ``{{inputs.x}}``, ``{{loop_id.item}}``.

Templates are data, not code: they render in a bounded Jinja2 ``SandboxedEnvironment``
(:mod:`agent_platform.engine.template_sandbox`) with ``StrictUndefined``, so a missing variable
is a clear error, ``{{ ''.__class__.__mro__ }}`` raises ``SecurityError`` (reported as a
``PermanentError``) instead of reaching Python internals, and a template that would build
too much or run too long (``{{ 'x' * 10**10 }}``) stops with :class:`TemplateLimitExceeded`.
Every function takes the :class:`TemplateLimits` to hold it to; the defaults are safe.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.meta import find_undeclared_variables

from agent_platform.engine.protocols import DEFAULT_MODEL, PermanentError, PromptSegment
from agent_platform.engine.template_limits import (
    DEFAULT_LIMITS,
    TemplateLimitError,
    TemplateLimits,
    budget,
    check_printable,
    too_big,
)
from agent_platform.engine.template_ops import take
from agent_platform.engine.template_sandbox import MARK_CLOSE, MARK_OPEN, BoundedEnvironment

__all__ = [
    "DEFAULT_LIMITS",
    "TemplateLimitExceeded",
    "TemplateLimits",
    "check",
    "count_tokens",
    "is_template",
    "model_name",
    "referenced_roots",
    "referenced_variables",
    "render",
    "render_json",
    "render_segments",
    "render_summary",
    "render_value",
    "short",
]

# Jinja's own globals are not graph variables.
_JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop"})
_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}|\{\{).)*)\}\}\s*$", re.DOTALL)
_MARKERS = ("{{", "{%", "{#")
# Compiled templates up to this size are cached; bigger ones are compiled each time, so the
# cache cannot be filled with megabytes of generated code.
_CACHED_SIZE = 8_000
# What a failing compile or render may raise (the sandbox raises the Jinja errors).
_ERRORS = (
    TemplateError,
    TypeError,
    ValueError,
    ArithmeticError,
    LookupError,
    RecursionError,
    MemoryError,
    SyntaxError,
)
# What ``render_segments`` splits on: the marks a marked environment puts around each value.
_MARKED = re.compile(f"{MARK_OPEN}(.*?){MARK_CLOSE}", re.DOTALL)


class TemplateLimitExceeded(PermanentError):
    """A template went over its :class:`TemplateLimits` (validation: ``template_limit``)."""


@lru_cache(maxsize=8)
def _environment(limits: TemplateLimits, marked: bool = False) -> BoundedEnvironment:
    # ``marked``: the same bounded sandbox, printing values between the segment marks.
    return BoundedEnvironment(
        limits,
        marked=marked,
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def is_template(text: str) -> bool:
    """Whether ``text`` contains template markup at all."""
    return any(marker in text for marker in _MARKERS)


def _snippet(template: str) -> str:
    return template if len(template) <= 80 else template[:77] + "..."


def _error(exc: BaseException, template: str) -> PermanentError:
    snippet = _snippet(template)
    if isinstance(exc, TemplateLimitError):
        return TemplateLimitExceeded(f"Template stopped: {exc.message} (in {snippet!r})")
    if isinstance(exc, RecursionError):
        return TemplateLimitExceeded(
            f"Template stopped: it nests or recurses deeper than the limit (in {snippet!r})"
        )
    if isinstance(exc, MemoryError):
        return TemplateLimitExceeded(f"Template stopped: over the memory limit (in {snippet!r})")
    if isinstance(exc, SecurityError):
        return PermanentError(f"The template tried something unsafe and was stopped: {snippet}")
    if isinstance(exc, UndefinedError):
        return PermanentError(f"Template variable not available: {exc.message} (in {snippet!r})")
    if isinstance(exc, TemplateSyntaxError):
        return PermanentError(f"Template syntax error on line {exc.lineno}: {exc.message}")
    return PermanentError(f"Template could not be rendered: {exc} (in {snippet!r})")


def _check_source(template: str, limits: TemplateLimits) -> None:
    if len(template) > limits.max_template_size:
        exc = too_big("The template", len(template), limits.max_template_size)
        raise _error(exc, template)


def _compile(
    template: str, limits: TemplateLimits, expression: str | None, marked: bool = False
) -> Any:
    env = _environment(limits, marked)
    env.check_tokens(template)
    if expression is None:
        return env.from_string(template)
    return env.compile_expression(expression, undefined_to_none=False)


_compile_cached = lru_cache(maxsize=512)(_compile)


def _compiled(
    template: str,
    limits: TemplateLimits,
    expression: str | None = None,
    *,
    marked: bool = False,
) -> Any:
    """The compiled template (or, with ``expression``, its single expression).

    ``marked`` compiles it for the marked environment (:func:`render_segments`).

    Raises:
        PermanentError: syntax errors; ``TemplateLimitExceeded`` over the limits.
    """
    _check_source(template, limits)
    compile_ = _compile_cached if len(template) <= _CACHED_SIZE else _compile
    try:
        with budget(limits):
            return compile_(template, limits, expression, marked)
    except _ERRORS as exc:
        raise _error(exc, template) from exc


def count_tokens(template: str, limits: TemplateLimits = DEFAULT_LIMITS) -> int:
    """How many tokens ``template``'s markup has (what compiling it costs), for graph totals.

    Counting stops just past ``limits.max_template_tokens``.

    Raises:
        PermanentError: a syntax error; ``TemplateLimitExceeded`` for a template too long.
    """
    if not is_template(template):
        return 0
    _check_source(template, limits)
    try:
        return _environment(limits).count_tokens(template, limits.max_template_tokens)
    except _ERRORS as exc:
        raise _error(exc, template) from exc


def check(template: str, limits: TemplateLimits = DEFAULT_LIMITS) -> None:
    """Compile ``template`` as a render would, without rendering it (validation uses this).

    Literal sub-expressions are evaluated through the bounded operations while compiling, so
    ``{{ 9**999999999 }}`` fails here rather than on a worker.

    Raises:
        PermanentError: a syntax error; ``TemplateLimitExceeded`` when over ``limits``.
    """
    if is_template(template):
        _compiled(template, limits)


def render(
    template: str, variables: Mapping[str, Any], limits: TemplateLimits = DEFAULT_LIMITS
) -> str:
    """Render ``template`` to text, within ``limits``.

    Raises:
        PermanentError: a variable is missing, the syntax is wrong, or the sandbox refused;
            ``TemplateLimitExceeded`` when the template goes over ``limits``.
    """
    if not is_template(template):
        return template
    compiled = _compiled(template, limits)
    try:
        with budget(limits):
            return compiled.render(**variables)
    except _ERRORS as exc:
        raise _error(exc, template) from exc


def render_segments(
    template: str, variables: Mapping[str, Any], limits: TemplateLimits = DEFAULT_LIMITS
) -> list[PromptSegment]:
    """Render ``template`` into its pieces: the template's own text and each substituted value.

    The pieces' texts joined are what :func:`render` returns (for values without the two
    private-use characters U+E000/U+E001, which are dropped from values). Empty template
    pieces are left out; empty values are kept, so a template that substituted only empty
    values still says it substituted something.

    It renders in the same bounded sandbox as :func:`render`, within ``limits`` (the marks
    around values do not count toward ``max_output_size``).

    Raises:
        PermanentError: as for :func:`render`; ``TemplateLimitExceeded`` over ``limits``.
    """
    if not is_template(template):
        return [PromptSegment(template)] if template else []
    compiled = _compiled(template, limits, marked=True)
    try:
        with budget(limits):
            text = compiled.render(**variables)
    except _ERRORS as exc:
        raise _error(exc, template) from exc
    pieces = _MARKED.split(text)  # literal, value, literal, value, ..., literal
    return [
        PromptSegment(piece, value=index % 2 == 1)
        for index, piece in enumerate(pieces)
        if piece or index % 2 == 1
    ]


def _as_data(value: Any, limits: TemplateLimits) -> Any:
    # A lazy result (``items|map(...)``) is consumed now, inside the budget, not later.
    if isinstance(value, Iterator):
        value = take(value, limits.max_items, "The template's list")
    check_printable(limits, value, limits.max_data_size, "The template's value")
    return value


def render_value(
    template: Any, variables: Mapping[str, Any], limits: TemplateLimits = DEFAULT_LIMITS
) -> Any:
    """Render a template, keeping the native type when it is one expression.

    ``"{{http_1.output.json.items}}"`` yields the list itself, not its text; anything else
    renders to text. Non-string values are returned unchanged.

    Raises:
        PermanentError: as for :func:`render`.
    """
    if not isinstance(template, str):
        return template
    match = _SINGLE_EXPRESSION.match(template)
    if match is None:
        return render(template, variables, limits)
    expression = _compiled(template, limits, expression=match.group("expr"))
    try:
        with budget(limits):
            value = expression(**variables)
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
            return _as_data(value, limits)
    except _ERRORS as exc:
        raise _error(exc, template) from exc


def _render_leaves(value: Any, variables: Mapping[str, Any], limits: TemplateLimits) -> Any:
    if isinstance(value, str):
        return render_value(value, variables, limits)
    if isinstance(value, list):
        return [_render_leaves(item, variables, limits) for item in value]
    if isinstance(value, dict):
        return {key: _render_leaves(item, variables, limits) for key, item in value.items()}
    return value


def render_json(
    value: Any, variables: Mapping[str, Any], limits: TemplateLimits = DEFAULT_LIMITS
) -> Any:
    """Render every string leaf of a JSON structure (keys stay literal), within one budget.

    Raises:
        PermanentError: as for :func:`render`; the whole result is held to ``max_data_size``.
    """
    with budget(limits):
        result = _render_leaves(value, variables, limits)
    try:
        check_printable(limits, result, limits.max_data_size, "The rendered JSON")
    except TemplateLimitError as exc:
        raise _error(exc, str(value)) from exc
    return result


def _path(node: nodes.Node) -> list[str] | None:
    # Unwind a chain like ``a.b["c"].d`` into ["a", "b", "c", "d"].
    if isinstance(node, nodes.Name):
        return [node.name]
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return None if base is None else [*base, node.attr]
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _path(node.node)
        return None if base is None else [*base, str(node.arg.value)]
    return None


def referenced_variables(template: str, limits: TemplateLimits = DEFAULT_LIMITS) -> list[str]:
    """Dotted variable paths used by ``template``, e.g. ``["llm_1.output.text", "inputs.q"]``.

    Loop variables declared inside the template and Jinja globals are left out. Only the
    longest path of each chain is reported.

    Raises:
        PermanentError: the template has a syntax error or is longer than ``limits`` allow.
    """
    if not is_template(template):
        return []
    _check_source(template, limits)
    try:
        _environment(limits).check_tokens(template)
        ast = _environment(limits).parse(template)
    except (TemplateSyntaxError, TemplateLimitError, ValueError, RecursionError) as exc:
        raise _error(exc, template) from exc
    roots = find_undeclared_variables(ast) - _JINJA_GLOBALS
    found: dict[str, None] = {}
    inner: set[int] = set()
    for expr in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        if id(expr) in inner:
            continue
        path = _path(expr)
        if path is None or path[0] not in roots:
            continue
        # Mark the sub-chain so ``a.b`` is not reported again after ``a.b.c``.
        child = expr
        while isinstance(child, nodes.Getattr | nodes.Getitem):
            child = child.node
            inner.add(id(child))
        found.setdefault(".".join(path))
    return list(found)


def referenced_roots(template: str) -> set[str]:
    """The top-level names a template uses (node ids, ``inputs``)."""
    return {path.split(".", 1)[0] for path in referenced_variables(template)}


SUMMARY_LEN = 60


def short(value: Any, length: int = SUMMARY_LEN) -> str:
    """``value`` on one line, cut to ``length`` characters (JSON for non-text, ``""`` if unset)."""
    if isinstance(value, Undefined):
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def model_name(value: Any, default: Any = "") -> str:
    """A model reference for people: ``DEFAULT_MODEL`` (or unset) reads "Organization default".

    Args:
        default: what the organization's default resolves to, shown in brackets when known.
    """
    if isinstance(value, Undefined) or value in (None, "", DEFAULT_MODEL):
        known = default and not isinstance(default, Undefined)
        return f"Organization default ({default})" if known else "Organization default"
    return str(value)


@lru_cache(maxsize=1)
def _summary_environment() -> BoundedEnvironment:
    # Lenient: a summary renders whatever config the builder holds, half-edited or not.
    env = BoundedEnvironment(
        DEFAULT_LIMITS, json_output=False, undefined=Undefined, autoescape=False
    )
    env.add_filter("short", short)
    env.add_filter("model_name", model_name)
    return env


@lru_cache(maxsize=256)
def _compile_summary(template: str) -> Any:
    return _summary_environment().from_string(template)


def render_summary(
    template: str, config: Mapping[str, Any], org: Mapping[str, Any] | None = None
) -> str:
    """Render a node type's summary template against raw config data; never raises.

    Missing keys render empty; the ``short`` filter fits a value on a canvas card and
    ``model_name`` names a model reference. ``org`` holds facts about the organization the
    builder knows (``org.default_model``: what the default model resolves to). A template or
    value that cannot render gives ``""``.
    """
    if not template:
        return ""
    try:
        with budget(DEFAULT_LIMITS):
            return _compile_summary(template).render(**{**config, "org": dict(org or {})})
    except _ERRORS:
        return ""
