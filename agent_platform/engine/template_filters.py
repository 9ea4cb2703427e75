"""Bounded filters, and the two internal filters the compiler inserts (loops and ``~``).

Every filter is wrapped: the wrapper takes the template context (so Jinja never folds a filter
at compile time, where no budget runs), refuses inputs too big to print for filters that turn
their input into text, applies the filter's own size check (``center``, ``indent``,
``replace``, ``format``, ``wordwrap``, ...), and checks the result. ``join`` and ``sum`` are
replaced by versions that measure before they build.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2.filters import make_attrgetter, sync_do_join
from jinja2.runtime import Context, markup_join, str_join
from jinja2.utils import _PassArg, pass_context, pass_environment, pass_eval_context

from agent_platform.engine.template_limits import (
    TemplateLimits,
    check_printable,
    checked,
    measure,
    tick,
    too_big,
)
from agent_platform.engine.template_ops import binop, check_percent, replaced_size, take

#: Wraps every ``{% for %}`` iterable: one budget tick per item.
LOOP_FILTER = "__bounded_loop"
#: Replaces ``a ~ b ~ c``: measured before it is joined.
CONCAT_FILTER = "__bounded_concat"

Check = Callable[[TemplateLimits, Any, tuple[Any, ...], dict[str, Any]], int]

# Filters that return (part of) their input: their result is not a new value to check.
_PASSTHROUGH = frozenset({"attr", "d", "default", "first", "last", "max", "min", "random"})
# Filters that turn their input into text: an input too big to print is refused first.
_PRINTING = frozenset(
    {
        "capitalize", "center", "e", "escape", "forceescape", "format", "indent", "join",
        "lower", "pprint", "replace", "safe", "string", "striptags", "title", "tojson", "trim",
        "truncate", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr",
    }
)  # fmt: skip
_WORD = re.compile(r"\S+")


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: Any) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _center(limits: TemplateLimits, value: Any, args: tuple, kwargs: dict) -> int:
    return _int(_arg(args, kwargs, 0, "width", 80))


def _indent(limits: TemplateLimits, value: Any, args: tuple, kwargs: dict) -> int:
    width = _arg(args, kwargs, 0, "width", 4)
    indention = len(width) if isinstance(width, str) else _int(width)
    text = str(value)
    return len(text) + (text.count("\n") + 2) * indention


def _replace(limits: TemplateLimits, value: Any, args: tuple, kwargs: dict) -> int:
    if len(args) < 2:
        return 0
    count = _arg(args, kwargs, 2, "count", -1)
    return replaced_size(str(value), str(args[0]), str(args[1]), -1 if count is None else count)


def _format(limits: TemplateLimits, value: Any, args: tuple, kwargs: dict) -> int:
    check_percent(limits, str(value), kwargs or args)
    return 0


def _wordwrap(limits: TemplateLimits, value: Any, args: tuple, kwargs: dict) -> int:
    text = str(value)
    width = max(_int(_arg(args, kwargs, 0, "width", 79)), 1)
    wrapstring = _arg(args, kwargs, 2, "wrapstring", None) or "\n"
    # A line ends at a space, a hyphen, a newline, or after ``width`` characters.
    breaks = len(text) // width + sum(text.count(c) for c in " -\n") + 1
    return len(text) + breaks * len(str(wrapstring))


def _urlize(limits: TemplateLimits, value: Any, args: tuple, kwargs: dict) -> int:
    # Each link is one word with a dot, colon or at sign; ``target`` and ``rel`` repeat in it.
    text = str(value)
    extra = sum(
        len(str(_arg(args, kwargs, i, k, None) or "")) for i, k in ((2, "target"), (3, "rel"))
    )
    words = sum(1 for _ in _WORD.finditer(text))
    links = min(words, sum(text.count(c) for c in ".:@"))
    return len(text) + links * (64 + extra)


def _tojson(limits: TemplateLimits, value: Any, args: tuple, kwargs: dict) -> int:
    indent = _arg(args, kwargs, 0, "indent", None)
    per_level = len(indent) if isinstance(indent, str) else _int(indent)
    return measure(value, limits.max_string_size, limits.max_depth) * (1 + per_level)


def _round(limits: TemplateLimits, value: Any, args: tuple, kwargs: dict) -> int:
    # ``round(5, -10**9)`` and the ceil/floor methods compute ``10 ** precision`` exactly.
    precision = _int(_arg(args, kwargs, 0, "precision", 0))
    if abs(precision) > limits.max_int_bits:
        raise too_big("The rounding precision", abs(precision), limits.max_int_bits, "digits")
    return 0


def _count_arg(filter_name: str, index: int, name: str, needs_fill: bool) -> Check:
    def check(limits: TemplateLimits, value: Any, args: tuple, kwargs: dict) -> int:
        count = _int(_arg(args, kwargs, index, name, 0))
        filled = _arg(args, kwargs, index + 1, "fill_with", None) is not None
        if count > limits.max_items and (filled or not needs_fill):
            raise too_big(f"The {name} of |{filter_name}", count, limits.max_items, "items")
        return 0

    return check


_CHECKS: dict[str, Check] = {
    "center": _center,
    "indent": _indent,
    "replace": _replace,
    "format": _format,
    "wordwrap": _wordwrap,
    "urlize": _urlize,
    "tojson": _tojson,
    "round": _round,
    "batch": _count_arg("batch", 0, "linecount", needs_fill=True),
    "slice": _count_arg("slice", 0, "slices", needs_fill=False),
}


@pass_eval_context
def bounded_join(eval_ctx: Any, value: Iterable[Any], d: Any = "", attribute: Any = None) -> str:
    """``|join`` that counts the items and measures the text before joining."""
    limits: TemplateLimits = eval_ctx.environment.limits
    items = take(value, limits.max_items, "The items given to |join")
    if attribute is not None:
        getter = make_attrgetter(eval_ctx.environment, attribute)
        items = [getter(item) for item in items]
    limit = limits.max_string_size
    size = measure(items, limit, limits.max_depth)
    size += measure(d, limit, limits.max_depth) * max(len(items) - 1, 0)
    if size > limit:
        raise too_big("The text |join builds", size, limit, at_least=True)
    return sync_do_join(eval_ctx, items, d)


@pass_environment
def bounded_sum(
    environment: Any, iterable: Iterable[Any], attribute: Any = None, start: Any = 0
) -> Any:
    """``|sum`` whose additions go through the bounded ``+``."""
    if isinstance(start, str | bytes | bytearray):
        raise TypeError("sum() can't sum strings [use ''.join(seq) instead]")
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    total = start
    for item in iterable:
        total = binop(environment.limits, "+", total, item)
    return total


def _leading(pass_arg: _PassArg | None, context: Context) -> tuple[Any, ...]:
    if pass_arg is _PassArg.context:
        return (context,)
    if pass_arg is _PassArg.eval_context:
        return (context.eval_ctx,)
    if pass_arg is _PassArg.environment:
        return (context.environment,)
    return ()


def _check_inputs(limits: TemplateLimits, name: str, value: Any, args: tuple, kwargs: dict) -> None:
    limit, depth = limits.max_string_size, limits.max_depth
    size = measure(value, limit, depth)
    for extra in (*args, *kwargs.values()):
        size += measure(extra, limit, depth)
    if size > limit:
        raise too_big(f"The input of |{name}", size, limit, at_least=True)


def bound_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` as a context filter that checks its input, its arguments and its result."""
    pass_arg = _PassArg.from_obj(func)
    check = _CHECKS.get(name)
    prints = name in _PRINTING
    passthrough = name in _PASSTHROUGH

    @pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        limits: TemplateLimits = context.environment.limits
        tick()
        if prints:
            _check_inputs(limits, name, value, args, kwargs)
        size = 0 if check is None else check(limits, value, args, kwargs)
        if size > limits.max_string_size:
            raise too_big(f"The result of |{name}", size, limits.max_string_size)
        result = func(*_leading(pass_arg, context), value, *args, **kwargs)
        if passthrough:
            return result
        if isinstance(result, Iterator):  # map, select, batch, ...: lazy, so count as it goes
            return _counted(result, limits, name)
        return checked(limits, result, f"The result of |{name}")

    bounded.__name__ = bounded.__qualname__ = f"bounded_{name}"
    bounded.__doc__ = func.__doc__
    return bounded


def _counted(items: Iterator[Any], limits: TemplateLimits, name: str) -> Iterator[Any]:
    # One tick per item, so a slow lazy filter (|unique of keys sharing a hash) meets the
    # time limit however it is consumed.
    for count, item in enumerate(items, 1):
        tick()
        if count > limits.max_items:
            raise too_big(
                f"The items |{name} yields", count, limits.max_items, "items", at_least=True
            )
        yield item


def bound_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Every filter of ``filters`` bounded, plus the compiler's loop and concat filters."""
    replaced = {**filters, "join": bounded_join, "sum": bounded_sum}
    bounded = {name: bound_filter(name, func) for name, func in replaced.items()}
    bounded[LOOP_FILTER] = bounded_loop
    bounded[CONCAT_FILTER] = bounded_concat
    return bounded


@pass_context
def bounded_loop(context: Context, iterable: Any) -> Iterator[Any]:
    """Yield ``iterable``'s items, one budget tick each (so loops stop at the time limit)."""
    for item in iterable:
        tick()
        yield item


@pass_context
def bounded_concat(context: Context, parts: list[Any]) -> str:
    """``a ~ b ~ c``, measured before it is joined."""
    limits: TemplateLimits = context.environment.limits
    check_printable(limits, parts, limits.max_string_size, "Joining with ~")
    join = markup_join if context.eval_ctx.autoescape else str_join
    return checked(limits, join(parts), "Joining with ~")
