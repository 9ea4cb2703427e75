"""How much work one template may do: the limits, the per-render budget and size checks.

Templates come from tenants and run in shared processes (the app validates them, workers
render them), so every operation that can build something big checks its result *before*
building it where it can, and the total work of one compile or render is bounded too. The
engine does not read settings: callers pass a :class:`TemplateLimits` (the services build one
from ``settings.templates``); the defaults are safe.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2.exceptions import TemplateRuntimeError
from jinja2.utils import Namespace


@dataclass(frozen=True)
class TemplateLimits:
    """Bounds on one template; every compile and every render is checked against them.

    Attributes:
        max_template_size: characters of template source that may be compiled.
        max_template_tokens: tokens in a template's markup (``{{ ... }}``, ``{% ... %}``);
            compiling costs about 50 microseconds a token, prose around the tags almost nothing.
        max_graph_tokens: tokens in all the templates of one graph, as validation compiles them.
        max_output_size: characters a text template may render.
        max_data_size: approximate serialized size of the value a single-expression or JSON
            template returns (larger than text, so big HTTP bodies can still be passed on).
        max_string_size: characters in any string an operation builds (``*``, ``~``,
            ``|join``, ``|center``, ``'%s' %``, ``.format``, ...).
        max_items: items in any list, dict or ``range`` an operation builds.
        max_int_bits: bits in any integer arithmetic produces (``**``, ``*``).
        max_depth: nesting depth of a value that is printed or returned.
        max_work: total characters and items all operations of one compile or render may
            build (stops a loop from filling memory with values each under the limits).
        time_limit_s: wall-clock seconds one compile or one render may take.
    """

    max_template_size: int = 100_000
    max_template_tokens: int = 20_000
    max_graph_tokens: int = 100_000
    max_output_size: int = 1_000_000
    max_data_size: int = 10_000_000
    max_string_size: int = 1_000_000
    max_items: int = 100_000
    max_int_bits: int = 4096
    max_depth: int = 100
    max_work: int = 50_000_000
    time_limit_s: float = 2.0


DEFAULT_LIMITS = TemplateLimits()


class TemplateLimitError(TemplateRuntimeError):
    """A template tried to build something bigger, or run longer, than its limits allow."""


def _n(value: float) -> str:
    return f"{value:,.0f}"


def too_big(
    what: str, size: float, limit: int, unit: str = "characters", *, at_least: bool = False
) -> TemplateLimitError:
    """The error for ``what`` reaching ``size`` (or more) where ``limit`` is allowed."""
    amount = f"at least {_n(size)}" if at_least else _n(size)
    return TemplateLimitError(f"{what} would be {amount} {unit}, over the limit of {_n(limit)}.")


class Budget:
    """What one compile or render has used so far: wall-clock time and work."""

    def __init__(self, limits: TemplateLimits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.time_limit_s
        self.work = 0
        self._ticks = 0

    def tick(self) -> None:
        """Count one step; every few steps, stop the template if it ran out of time.

        Raises:
            TemplateLimitError: past the deadline.
        """
        self._ticks += 1
        if self._ticks & 15 == 0 and time.monotonic() > self.deadline:
            raise TemplateLimitError(
                f"The template ran longer than its time limit of "
                f"{self.limits.time_limit_s:g} seconds and was stopped."
            )

    def spend(self, size: int) -> None:
        """Count ``size`` characters or items built.

        Raises:
            TemplateLimitError: the total work is over ``max_work``.
        """
        self.work += size
        if self.work > self.limits.max_work:
            raise too_big(
                "The values this template builds in total", self.work, self.limits.max_work
            )
        self.tick()


_CURRENT: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


@contextmanager
def budget(limits: TemplateLimits) -> Iterator[Budget]:
    """Run a compile or render under a fresh budget (or join the one already running)."""
    running = _CURRENT.get()
    if running is not None:
        yield running
        return
    fresh = Budget(limits)
    token = _CURRENT.set(fresh)
    try:
        yield fresh
    finally:
        _CURRENT.reset(token)


def tick() -> None:
    """Count one step against the running budget, if any."""
    running = _CURRENT.get()
    if running is not None:
        running.tick()


def spend(size: int) -> None:
    """Count ``size`` against the running budget, if any."""
    running = _CURRENT.get()
    if running is not None:
        running.spend(size)


_CONTAINERS = (Mapping, list, tuple, set, frozenset, Namespace)


_FIXED = frozenset({float, bool, type(None)})


def _scalar_size(item: Any) -> int:
    kind = type(item)
    if kind is str or kind in _FIXED:
        return len(item) + 2 if kind is str else 8
    if isinstance(item, str | bytes | bytearray):
        return len(item) + 2
    if isinstance(item, int) and not isinstance(item, bool):
        return item.bit_length() * 3 // 10 + 2
    return 8


def measure(value: Any, limit: int, max_depth: int = 100) -> int:
    """About how many characters ``value`` prints as (``str`` or JSON); stops past ``limit``.

    Shared references count every time they appear, as printing them would. The walk costs at
    most about ``limit`` steps, whatever the value.

    Raises:
        TemplateLimitError: the value nests deeper than ``max_depth``.
    """
    if type(value) in _FIXED or type(value) is str or not isinstance(value, _CONTAINERS):
        return _scalar_size(value)
    total = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and total <= limit:
        item, depth = stack.pop()
        if not isinstance(item, _CONTAINERS):
            total += _scalar_size(item)
            continue
        if depth >= max_depth:
            raise TemplateLimitError(f"A value nests deeper than the limit of {max_depth} levels.")
        if isinstance(item, Namespace):
            item = dict(item._Namespace__attrs)  # type: ignore[attr-defined]
        if isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        else:
            total += 2 + 2 * len(item)
            stack.extend((v, depth + 1) for v in item)
    return total


def checked(limits: TemplateLimits, value: Any, what: str = "The result") -> Any:
    """``value`` once its own size is within the limits; its size counts as work.

    Raises:
        TemplateLimitError: a string, list or integer over its limit.
    """
    if isinstance(value, str | bytes | bytearray):
        if len(value) > limits.max_string_size:
            raise too_big(what, len(value), limits.max_string_size)
        spend(len(value))
    elif isinstance(value, list | tuple | dict | set | frozenset):
        if len(value) > limits.max_items:
            raise too_big(what, len(value), limits.max_items, "items")
        spend(len(value))
    elif isinstance(value, int) and value.bit_length() > limits.max_int_bits:
        raise too_big(what, value.bit_length(), limits.max_int_bits, "bits")
    return value


def check_printable(limits: TemplateLimits, value: Any, limit: int, what: str) -> None:
    """Refuse to print ``value`` when it would be longer than ``limit`` characters.

    Raises:
        TemplateLimitError: it would be, or it nests too deeply.
    """
    size = measure(value, limit, limits.max_depth)
    if size > limit:
        raise too_big(what, size, limit, at_least=True)
