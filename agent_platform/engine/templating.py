"""Variable templates: ``{{node_id.output.path}}``, ``{{inputs.x}}``, ``{{loop_id.item}}``.

Templates are data, not code: they render in Jinja2's ``SandboxedEnvironment`` with
``StrictUndefined``, so a missing variable is a clear error and ``{{ ''.__class__.__mro__ }}``
raises ``SecurityError`` (reported as a ``PermanentError``) instead of reaching Python internals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import SandboxedEnvironment

from agent_platform.engine.protocols import DEFAULT_MODEL, PermanentError, PromptSegment

# Jinja's own globals are not graph variables.
_JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop"})
_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}|\{\{).)*)\}\}\s*$", re.DOTALL)
_MARKERS = ("{{", "{%", "{#")
# Private-use characters put around each expression's output by ``render_segments``.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKED = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.DOTALL)


def _finalize(value: Any) -> Any:
    # Objects and lists print as JSON, which is what prompt authors expect, not Python reprs.
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


class _DataEnvironment(SandboxedEnvironment):
    """Dot access reads data keys before methods, so ``{{inputs.items}}`` is the key."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def _finalize_marked(value: Any) -> str:
    # Jinja calls this on expression outputs only, never on the template's own text.
    text = str(_finalize(value))
    return _OPEN + text.replace(_OPEN, "").replace(_CLOSE, "") + _CLOSE


@lru_cache(maxsize=2)
def _environment(marked: bool = False) -> SandboxedEnvironment:
    return _DataEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=_finalize_marked if marked else _finalize,
        keep_trailing_newline=True,
    )


def is_template(text: str) -> bool:
    """Whether ``text`` contains template markup at all."""
    return any(marker in text for marker in _MARKERS)


def _error(exc: Exception, template: str) -> PermanentError:
    snippet = template if len(template) <= 80 else template[:77] + "..."
    if isinstance(exc, SecurityError):
        return PermanentError(f"The template tried something unsafe and was stopped: {snippet}")
    if isinstance(exc, UndefinedError):
        return PermanentError(f"Template variable not available: {exc.message} (in {snippet!r})")
    if isinstance(exc, TemplateSyntaxError):
        return PermanentError(f"Template syntax error on line {exc.lineno}: {exc.message}")
    return PermanentError(f"Template could not be rendered: {exc} (in {snippet!r})")


@lru_cache(maxsize=512)
def _compile(template: str, marked: bool = False) -> Any:
    return _environment(marked).from_string(template)


@lru_cache(maxsize=512)
def _compile_expression(expression: str) -> Any:
    return _environment().compile_expression(expression, undefined_to_none=False)


def render(template: str, variables: Mapping[str, Any]) -> str:
    """Render ``template`` to text.

    Raises:
        PermanentError: a variable is missing, the syntax is wrong, or the sandbox refused.
    """
    if not is_template(template):
        return template
    try:
        return _compile(template).render(**variables)
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise _error(exc, template) from exc


def render_segments(template: str, variables: Mapping[str, Any]) -> list[PromptSegment]:
    """Render ``template`` into its pieces: the template's own text and each substituted value.

    The pieces' texts joined are what :func:`render` returns (for values without the two
    private-use characters U+E000/U+E001, which are dropped from values). Empty template
    pieces are left out; empty values are kept, so a template that substituted only empty
    values still says it substituted something.

    Raises:
        PermanentError: as for :func:`render`.
    """
    if not is_template(template):
        return [PromptSegment(template)] if template else []
    try:
        text = _compile(template, True).render(**variables)
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise _error(exc, template) from exc
    pieces = _MARKED.split(text)  # literal, value, literal, value, ..., literal
    return [
        PromptSegment(piece, value=index % 2 == 1)
        for index, piece in enumerate(pieces)
        if piece or index % 2 == 1
    ]


def render_value(template: Any, variables: Mapping[str, Any]) -> Any:
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
        return render(template, variables)
    try:
        value = _compile_expression(match.group("expr"))(**variables)
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        return value
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise _error(exc, template) from exc


def render_json(value: Any, variables: Mapping[str, Any]) -> Any:
    """Render every string leaf of a JSON structure (keys stay literal).

    Raises:
        PermanentError: as for :func:`render`.
    """
    if isinstance(value, str):
        return render_value(value, variables)
    if isinstance(value, list):
        return [render_json(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: render_json(item, variables) for key, item in value.items()}
    return value


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


def referenced_variables(template: str) -> list[str]:
    """Dotted variable paths used by ``template``, e.g. ``["llm_1.output.text", "inputs.q"]``.

    Loop variables declared inside the template and Jinja globals are left out. Only the
    longest path of each chain is reported.

    Raises:
        PermanentError: the template has a syntax error.
    """
    if not is_template(template):
        return []
    try:
        ast = _environment().parse(template)
    except TemplateSyntaxError as exc:
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
def _summary_environment() -> SandboxedEnvironment:
    # Lenient: a summary renders whatever config the builder holds, half-edited or not.
    env = _DataEnvironment(undefined=Undefined, autoescape=False)
    env.filters["short"] = short
    env.filters["model_name"] = model_name
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
        return _compile_summary(template).render(**{**config, "org": dict(org or {})})
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError):
        return ""
