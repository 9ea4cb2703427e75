"""Bounded template operations: arithmetic, ``%`` and ``str.format``, method calls, globals.

Each check runs *before* the operation where the result's size can be known from its operands
(``'x' * 10**10`` is refused without allocating anything); every result is then checked by
:func:`~agent_platform.engine.template_limits.checked` as well.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from jinja2.sandbox import SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import generate_lorem_ipsum

from agent_platform.engine.template_limits import (
    TemplateLimits,
    check_printable,
    checked,
    measure,
    tick,
    too_big,
)

BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "**": operator.pow,
    "%": operator.mod,
}
_TEXT = (str, bytes, bytearray)
_SEQUENCE = (str, bytes, bytearray, list, tuple)
_DIGITS = re.compile(r"\d+")
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
# Distinct keys one dict may get that share a hash value (each insert then probes them all).
MAX_SHARED_HASH = 256


def _length_limit(limits: TemplateLimits, value: Any) -> tuple[int, str]:
    if isinstance(value, _TEXT):
        return limits.max_string_size, "characters"
    return limits.max_items, "items"


def _check_length(limits: TemplateLimits, like: Any, size: int, what: str) -> None:
    limit, unit = _length_limit(limits, like)
    if size > limit:
        raise too_big(what, size, limit, unit)


def _check_multiply(limits: TemplateLimits, left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        bits = left.bit_length() + right.bit_length() - 1
        if bits > limits.max_int_bits:
            raise too_big("The product", bits, limits.max_int_bits, "bits")
        return
    seq, times = (left, right) if isinstance(right, int) else (right, left)
    if isinstance(seq, _SEQUENCE) and isinstance(times, int):
        _check_length(limits, seq, len(seq) * max(times, 0), "Repeating a value with *")


def _check_power(limits: TemplateLimits, base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        # A lower bound of the result's bits: refuse before computing anything.
        bits = (abs(base).bit_length() - 1) * exponent + 1
        if bits > limits.max_int_bits:
            raise too_big("The power", bits, limits.max_int_bits, "bits")


def _check_add(limits: TemplateLimits, left: Any, right: Any) -> None:
    if isinstance(left, _SEQUENCE) and isinstance(right, _SEQUENCE):
        _check_length(limits, left, len(left) + len(right), "Adding with +")


def _number(text: str, pos: int) -> tuple[str, int]:
    # A width or precision of ``%``: ``*`` or ASCII digits (an empty string if neither).
    if text.startswith("*", pos):
        return "*", pos + 1
    end = pos
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return text[pos:end], end


def percent_fields(text: str) -> Iterator[str]:
    """The widths and precisions of ``text``'s ``%`` conversions, parsed as Python does.

    One pass: a mapping key ``%(name)`` is skipped to its matching parenthesis, so a text full
    of unclosed keys costs no more than one scan.
    """
    pos = 0
    while (pos := text.find("%", pos)) != -1:
        pos += 1
        if text.startswith("(", pos):
            depth, pos = 1, pos + 1
            while pos < len(text) and depth:
                depth += (text[pos] == "(") - (text[pos] == ")")
                pos += 1
        while pos < len(text) and text[pos] in "-#0 +":
            pos += 1
        width, pos = _number(text, pos)
        precision = ""
        if text.startswith(".", pos):
            precision, pos = _number(text, pos + 1)
        yield width
        yield precision
        pos += 1  # the conversion character (``%`` of ``%%`` included)


def check_percent(limits: TemplateLimits, text: Any, args: Any) -> None:
    """Refuse ``text % args`` when widths, precisions or arguments make it too long.

    Raises:
        TemplateLimitError: the formatted text would be longer than ``max_string_size``.
    """
    limit = limits.max_string_size
    size, stars = len(text), False
    chars = text if isinstance(text, str) else bytes(text).decode("latin-1")
    for field in percent_fields(chars):
        if field == "*":
            stars = True
        elif field:
            size += int(field) if len(field) <= 12 else 10**12
    values = args if isinstance(args, tuple) else (args,)
    if stars:
        size += sum(abs(v) for v in values if isinstance(v, int))
    size += measure(args, limit, limits.max_depth)
    if size > limit:
        raise too_big("Formatting with %", size, limit, at_least=True)


def binop(limits: TemplateLimits, op: str, left: Any, right: Any) -> Any:
    """``left <op> right`` for the sandbox's intercepted operators, within ``limits``.

    Raises:
        TemplateLimitError: the result would be too big.
    """
    tick()
    if op == "*":
        _check_multiply(limits, left, right)
    elif op == "**":
        _check_power(limits, left, right)
    elif op == "+":
        _check_add(limits, left, right)
    elif op == "%" and isinstance(left, _TEXT):
        check_percent(limits, left, right)
    return checked(limits, BINOPS[op](left, right), f"The result of {op}")


def take(iterable: Iterable[Any], limit: int, what: str) -> list[Any]:
    """The items of ``iterable`` as a list, refusing more than ``limit`` of them.

    Raises:
        TemplateLimitError: there are more.
    """
    items = list(islice(iter(iterable), limit + 1))
    if len(items) > limit:
        raise too_big(what, len(items), limit, "items", at_least=True)
    return items


def replaced_size(text: Any, old: Any, new: Any, count: Any = -1) -> int:
    """How long ``text.replace(old, new, count)`` would be (``len(text)`` if it would fail)."""
    try:
        hits = len(text) + 1 if len(old) == 0 else text.count(old)
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        return len(text) + hits * (len(new) - len(old))
    except TypeError:
        return len(text)


def _distinct(keys: list[Any]) -> int:
    try:
        ordered = sorted(keys)
    except TypeError:
        return len(keys)  # not comparable: assume the worst
    return 1 + sum(1 for a, b in zip(ordered, ordered[1:], strict=False) if a != b)


def check_keys(keys: Iterable[Any]) -> list[Any]:
    """The keys as a list, refused when many distinct ones share one hash value.

    Numbers (unlike text, whose hashes are salted per process) can be chosen to share a hash:
    ``i * (2**61 - 1)`` all hash to 0, so building a dict of 100,000 of them probes about 5
    billion slots inside one C call that no time limit can interrupt.

    Raises:
        TemplateLimitError: more than ``MAX_SHARED_HASH`` distinct keys share a hash.
    """
    keys = list(keys)
    hashes = Counter(hash(k) for k in keys if not isinstance(k, str | bytes))
    if not hashes:
        return keys
    shared, count = hashes.most_common(1)[0]
    if count > MAX_SHARED_HASH:
        same = [k for k in keys if not isinstance(k, str | bytes) and hash(k) == shared]
        distinct = _distinct(same)
        if distinct > MAX_SHARED_HASH:
            raise too_big("Keys sharing one hash value", distinct, MAX_SHARED_HASH, "keys")
    return keys


def _dict_args(limits: TemplateLimits, source: Any) -> Any:
    # The items ``dict(source)`` or ``d.update(source)`` would insert, checked for flooding.
    if isinstance(source, Mapping):
        check_keys(source.keys())
        return source
    pairs = take(source, limits.max_items, "The items given to a dict")
    check_keys(p[0] for p in pairs if isinstance(p, list | tuple) and len(p) == 2)
    return pairs


def _arg(
    args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str, default: Any
) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _text_method_size(
    text: Any, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> int:
    if name in _WIDTH_METHODS:
        width = _arg(args, kwargs, 0, "width", 0)
        return width if isinstance(width, int) else 0
    if name == "expandtabs":
        tabsize = _arg(args, kwargs, 0, "tabsize", 8)
        tab = "\t" if isinstance(text, str) else b"\t"
        return len(text) + text.count(tab) * max(tabsize, 0) if isinstance(tabsize, int) else 0
    if name == "replace" and len(args) >= 2:
        return replaced_size(text, args[0], args[1], _arg(args, kwargs, 2, "count", -1))
    if name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((len(v) for v in args[0].values() if isinstance(v, _TEXT)), default=1)
        return len(text) * max(longest, 1)
    return 0


def check_call(
    limits: TemplateLimits, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Refuse a method call whose result would be too big; returns the arguments to use.

    ``sep.join(items)`` gets ``items`` as a list it has measured (a generator is consumed).

    Raises:
        TemplateLimitError: the call would build something too big.
    """
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__name__", "")
    limit = limits.max_string_size
    if isinstance(owner, _TEXT):
        if name == "join" and args:
            items = take(args[0], limits.max_items, "The items given to join()")
            size = sum(len(i) for i in items if isinstance(i, _TEXT))
            size += len(owner) * max(len(items) - 1, 0)
            args = (items, *args[1:])
        else:
            size = _text_method_size(owner, name, args, kwargs)
        if size > limit:
            raise too_big(f"The result of {name}()", size, limit)
    elif name == "fromkeys" and args and _is_dict(owner):
        keys = take(args[0], limits.max_items, "The keys given to fromkeys()")
        args = (check_keys(keys), *args[1:])
    elif name == "update" and args and isinstance(owner, dict):
        args = (_dict_args(limits, args[0]), *args[1:])
    elif isinstance(owner, int) and name == "to_bytes":
        length = _arg(args, kwargs, 0, "length", 1)
        if isinstance(length, int) and length > limit:
            raise too_big("The result of to_bytes()", length, limit, "bytes")
    return args, kwargs


def _is_dict(owner: Any) -> bool:
    return isinstance(owner, dict) or (isinstance(owner, type) and issubclass(owner, dict))


def after_call(limits: TemplateLimits, func: Any, result: Any) -> Any:
    """Check a call's result, and the list, dict or set a method may have grown in place.

    Raises:
        TemplateLimitError: either is too big.
    """
    owner = getattr(func, "__self__", None)
    if isinstance(owner, list | dict | set | bytearray):
        _check_length(limits, owner, len(owner), f"The {type(owner).__name__} grown by a call")
    return checked(limits, result, "The result of a call")


class _BoundedFormatting:
    """``str.format`` that refuses huge widths and precisions and stops at the size limit."""

    def __init__(self, env: Any, limits: TemplateLimits, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)  # type: ignore[call-arg]
        self._limits = limits
        self._size = 0

    def vformat(self, format_string: str, args: Any, kwargs: Any) -> str:
        self._size = 0  # one formatter serves every call of the same bound ``format``
        return super().vformat(format_string, args, kwargs)  # type: ignore[misc]

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        limit = self._limits.max_string_size
        check_printable(self._limits, value, limit, "A formatted field")
        return super().convert_field(value, conversion)  # type: ignore[misc]

    def format_field(self, value: Any, format_spec: str) -> Any:
        limit = self._limits.max_string_size
        for digits in _DIGITS.findall(format_spec):
            number = int(digits) if len(digits) <= 12 else 10**12
            if number > limit:
                raise too_big("A format width or precision", number, limit)
        check_printable(self._limits, value, limit, "A formatted field")
        result = super().format_field(value, format_spec)  # type: ignore[misc]
        self._size += len(result)
        if self._size > limit:
            raise too_big("The formatted text", self._size, limit, at_least=True)
        tick()
        return result


class BoundedFormatter(_BoundedFormatting, SandboxedFormatter):
    """The sandbox's formatter for ``str.format``, within the limits."""


class BoundedEscapeFormatter(_BoundedFormatting, SandboxedEscapeFormatter):
    """The sandbox's escaping formatter for ``Markup.format``, within the limits."""


def bounded_globals(limits: TemplateLimits) -> dict[str, Callable[..., Any]]:
    """``range``, ``lipsum`` and ``dict`` that refuse sizes (and hash floods) over the limits."""

    def bounded_range(*args: int) -> range:
        numbers = range(*args)
        try:
            size = len(numbers)
        except OverflowError:
            size = 2**63
        if size > limits.max_items:
            raise too_big("The range", size, limits.max_items, "items")
        return numbers

    def bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
        # Words are at most 12 characters with their space and punctuation.
        size = 12 * n * max if isinstance(n, int) and isinstance(max, int) else 0
        if size > limits.max_string_size:
            raise too_big("The lorem ipsum", size, limits.max_string_size)
        return checked(limits, generate_lorem_ipsum(n, html, min, max))

    def bounded_dict(*args: Any, **kwargs: Any) -> dict[Any, Any]:
        if args:
            args = (_dict_args(limits, args[0]), *args[1:])
        return checked(limits, dict(*args, **kwargs))

    def bounded_fromkeys(iterable: Iterable[Any], value: Any = None) -> dict[Any, Any]:
        keys = take(iterable, limits.max_items, "The keys given to fromkeys()")
        return checked(limits, dict.fromkeys(check_keys(keys), value))

    bounded_dict.fromkeys = bounded_fromkeys  # type: ignore[attr-defined]  # as on ``dict``
    return {"range": bounded_range, "lipsum": bounded_lipsum, "dict": bounded_dict}
