"""The bounded sandbox: Jinja2's ``SandboxedEnvironment`` with every way to grow checked.

* every arithmetic operator is intercepted (:func:`~template_ops.binop`), which also keeps
  Jinja from folding it while it compiles; the optimizer is off;
* every filter is bounded and takes the context (:mod:`template_filters`);
* method calls (``'x'.ljust(n)``, ``sep.join(...)``, ``(1).to_bytes(n)``, ``list.extend``)
  and ``str.format`` are checked (:mod:`template_ops`); ``range`` and ``lipsum`` are bounded;
* loops, ``~`` and literal sub-expressions are handled when the tree is compiled
  (:mod:`template_compile`);
* printed values are measured before they are turned into text, and the rendered text (and
  every captured block or macro output) stops at ``max_output_size``.

Attribute access reads data keys before methods, so ``{{inputs.items}}`` is the key.

A *marked* environment (``marked=True``) is the same sandbox whose printed values come out
between the private-use characters :data:`MARK_OPEN` and :data:`MARK_CLOSE`, so a caller can
tell the template's own text from substituted values; the marks do not count toward
``max_output_size``.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Iterable, Mapping
from functools import update_wrapper
from itertools import islice
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Markup
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import pass_environment

from agent_platform.engine.template_compile import prepare
from agent_platform.engine.template_filters import bound_filter, bound_filters
from agent_platform.engine.template_limits import (
    DEFAULT_LIMITS,
    TemplateLimits,
    check_printable,
    checked,
    spend,
    tick,
    too_big,
)
from agent_platform.engine.template_ops import (
    BINOPS,
    BoundedEscapeFormatter,
    BoundedFormatter,
    after_call,
    binop,
    bounded_globals,
    check_call,
)

# Private-use characters put around each printed value by a marked environment.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"


def _measured(environment: BoundedEnvironment, value: Any) -> None:
    limits = environment.limits
    check_printable(limits, value, limits.max_output_size, "A printed value")


@pass_environment
def print_json(environment: BoundedEnvironment, value: Any) -> Any:
    """Finalize for prompts: objects and lists print as JSON, not Python reprs."""
    if isinstance(value, str):
        return value
    _measured(environment, value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


@pass_environment
def print_plain(environment: BoundedEnvironment, value: Any) -> Any:
    """Finalize that only measures (values print as Jinja prints them)."""
    if not isinstance(value, str):
        _measured(environment, value)
    return value


@pass_environment
def print_marked(environment: BoundedEnvironment, value: Any) -> str:
    """Finalize for prompt segments: :func:`print_json`'s text between the two marks.

    Jinja calls finalize on expression outputs only, never on the template's own text. Marks
    inside the value are dropped, so they cannot forge a segment boundary.
    """
    text = str(print_json(environment, value))
    return MARK_OPEN + text.replace(MARK_OPEN, "").replace(MARK_CLOSE, "") + MARK_CLOSE


class BoundedEnvironment(SandboxedEnvironment):
    """A sandbox whose templates cannot exceed ``limits`` (see the module docstring).

    Args:
        limits: the bounds every compile and render is held to.
        json_output: print dicts and lists as JSON (prompts) rather than as Python does.
        marked: print values (as JSON, like ``json_output``) between the segment marks.
        **options: further ``Environment`` options (``undefined``, ``autoescape``, ...).
    """

    intercepted_binops = frozenset(BINOPS)

    def __init__(
        self,
        limits: TemplateLimits = DEFAULT_LIMITS,
        *,
        json_output: bool = True,
        marked: bool = False,
        **options: Any,
    ) -> None:
        finalize = print_marked if marked else print_json if json_output else print_plain
        super().__init__(optimized=False, finalize=finalize, **options)
        self.limits = limits
        self.marked = marked
        self.filters = bound_filters(self.filters)
        self.globals.update(bounded_globals(limits))

    def add_filter(self, name: str, func: Callable[..., Any]) -> None:
        """Register ``func`` as filter ``name``, bounded like the built-in ones."""
        self.filters[name] = bound_filter(name, func)

    def count_tokens(self, source: str, stop: int) -> int:
        """How many tokens ``source`` lexes into (whitespace aside), counting at most ``stop + 1``.

        Raises:
            TemplateSyntaxError: the source does not lex.
        """
        tokens = (kind for _, kind, _ in self.lex(source) if kind != "whitespace")
        return sum(1 for _ in islice(tokens, stop + 1))

    def check_tokens(self, source: str) -> None:
        """Refuse source with more tokens than ``max_template_tokens`` (compiling costs per token).

        Raises:
            TemplateLimitError: it has more.
        """
        limit = self.limits.max_template_tokens
        count = self.count_tokens(source, limit)
        if count > limit:
            raise too_big("The template's markup", count, limit, "tokens", at_least=True)

    def concat(self, chunks: Iterable[str]) -> str:  # type: ignore[override]
        """Join rendered chunks, stopping at ``max_output_size`` characters.

        Raises:
            TemplateLimitError: the text would be longer.
        """
        limit = self.limits.max_output_size
        parts, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if self.marked:  # the marks are not output
                size -= chunk.count(MARK_OPEN) + chunk.count(MARK_CLOSE)
            if size > limit:
                raise too_big("The rendered text", size, limit, at_least=True)
            parts.append(chunk)
            if len(parts) & 31 == 0:
                tick()
        spend(size)
        return "".join(parts)

    def _generate(
        self,
        source: nodes.Template,
        name: str | None,
        filename: str | None,
        defer_init: bool = False,
    ) -> str:
        return super()._generate(prepare(source, self), name, filename, defer_init=defer_init)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Every arithmetic operator, bounded."""
        return binop(self.limits, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Call ``__obj`` if it is safe, refusing calls that would build too much."""
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"{__obj!r} is not safely callable")
        tick()
        args, kwargs = check_call(__self.limits, __obj, args, kwargs)
        return after_call(__self.limits, __obj, __context.call(__obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Data keys first, then the sandbox's attribute rules."""
        if (type(obj) is dict or isinstance(obj, Mapping)) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """The sandbox's item rules; a slice is a new value, so it is checked."""
        value = super().getitem(obj, argument)
        return checked(self.limits, value, "A slice") if isinstance(argument, slice) else value

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format``/``format_map`` through the bounded formatter (else ``None``)."""
        if not isinstance(
            value, types.MethodType | types.BuiltinMethodType
        ) or value.__name__ not in (
            "format",
            "format_map",
        ):
            return None
        text = value.__self__
        if not isinstance(text, str):
            return None
        text_type, is_map = type(text), value.__name__ == "format_map"
        if isinstance(text, Markup):
            formatter: Any = BoundedEscapeFormatter(self, self.limits, escape=text.escape)
        else:
            formatter = BoundedFormatter(self, self.limits)

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one positional argument")
                args, kwargs = (), args[0]
            return text_type(formatter.vformat(text, args, kwargs))

        return update_wrapper(wrapper, value)
