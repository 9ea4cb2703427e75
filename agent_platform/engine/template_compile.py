"""Compile-time bounds: the tree rewrite, and the check of literal sub-expressions.

Jinja evaluates constant expressions while it compiles (its optimizer, and the code generator
for output). The sandbox intercepts every arithmetic operator and all filters take the context,
so Jinja itself folds nothing that can grow; instead :func:`prepare` evaluates each literal
sub-expression through the same bounded operations a render uses, under the compile's budget,
so ``{{ 'x' * 10**10 }}`` is refused when the template is compiled (and validation lists it).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jinja2 import nodes
from jinja2.runtime import Undefined, new_context

from agent_platform.engine.template_filters import CONCAT_FILTER, LOOP_FILTER
from agent_platform.engine.template_limits import TemplateLimitError
from agent_platform.engine.template_ops import binop

if TYPE_CHECKING:
    from jinja2 import Environment

_UNKNOWN: Any = object()
_BINARY: dict[type[nodes.BinExpr], str] = {
    nodes.Add: "+",
    nodes.Sub: "-",
    nodes.Mul: "*",
    nodes.Div: "/",
    nodes.FloorDiv: "//",
    nodes.Pow: "**",
    nodes.Mod: "%",
}
_UNARY: dict[type[nodes.UnaryExpr], Callable[[Any], Any]] = {
    nodes.Neg: operator.neg,
    nodes.Pos: operator.pos,
}


def _bounded_loop(node: nodes.For, env: Environment) -> None:
    guard = nodes.Filter(node.iter, LOOP_FILTER, [], [], None, None, lineno=node.lineno)
    node.iter = guard.set_environment(env)


def _measured_concat(node: nodes.Concat, env: Environment) -> nodes.Filter:
    parts = nodes.List(list(node.nodes), lineno=node.lineno)
    concat = nodes.Filter(parts, CONCAT_FILTER, [], [], None, None, lineno=node.lineno)
    return concat.set_environment(env)


def _rewrite(tree: nodes.Template, env: Environment) -> None:
    """Loops iterate through the loop filter; ``~`` becomes the measured concat filter.

    Iterative, so no tree is too deep for it; every node is visited once.
    """
    stack: list[nodes.Node] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.For):
            _bounded_loop(node, env)
        for field, child in node.iter_fields():
            if isinstance(child, nodes.Concat):
                setattr(node, field, _measured_concat(child, env))
            elif isinstance(child, list) and any(isinstance(c, nodes.Concat) for c in child):
                replaced = [
                    _measured_concat(c, env) if isinstance(c, nodes.Concat) else c for c in child
                ]
                setattr(node, field, replaced)
        stack.extend(node.iter_child_nodes())


class _Folder:
    """Evaluates literal sub-expressions bottom-up; anything else is ``_UNKNOWN``."""

    def __init__(self, env: Environment, tree: nodes.Template) -> None:
        self.env = env
        self.tree = tree
        self.context = new_context(env, None, {}, globals=env.globals)
        self._shadowed: set[str] | None = None

    def _global(self, node: nodes.Name) -> Any:
        if node.ctx != "load" or node.name not in self.env.globals:
            return _UNKNOWN
        if self._shadowed is None:  # ``{% set range = ... %}`` hides the global
            self._shadowed = {n.name for n in self.tree.find_all(nodes.Name) if n.ctx != "load"}
        return _UNKNOWN if node.name in self._shadowed else self.env.globals[node.name]

    def value(self, node: nodes.Node) -> Any:
        """``node``'s value if it is a literal expression, else ``_UNKNOWN``.

        Its parts are checked either way.
        """
        if isinstance(node, nodes.Const):
            return node.value
        if isinstance(node, nodes.Name):
            return self._global(node)
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            return handler(self, node)
        for child in node.iter_child_nodes():
            self.value(child)
        return _UNKNOWN

    def values(self, items: list[nodes.Node]) -> list[Any]:
        return [self.value(item) for item in items]

    def attempt(self, node: nodes.Node, inputs: list[Any], fn: Callable[[], Any]) -> Any:
        if any(item is _UNKNOWN for item in inputs):
            return _UNKNOWN
        try:
            result = fn()
        except TemplateLimitError as exc:
            raise TemplateLimitError(f"Line {node.lineno}: {exc.message}") from None
        except Exception:
            return _UNKNOWN  # any other error is the render's to report
        return _UNKNOWN if isinstance(result, Undefined) else result


def _binary(folder: _Folder, node: nodes.BinExpr) -> Any:
    left, right = folder.value(node.left), folder.value(node.right)
    op = _BINARY[type(node)]
    return folder.attempt(node, [left, right], lambda: binop(folder.env.limits, op, left, right))


def _unary(folder: _Folder, node: nodes.UnaryExpr) -> Any:
    operand = folder.value(node.node)
    return folder.attempt(node, [operand], lambda: _UNARY[type(node)](operand))


def _sequence(folder: _Folder, node: nodes.List | nodes.Tuple) -> Any:
    items = folder.values(node.items)
    build = list if isinstance(node, nodes.List) else tuple
    return folder.attempt(node, items, lambda: build(items))


def _dict(folder: _Folder, node: nodes.Dict) -> Any:
    keys = folder.values([pair.key for pair in node.items])
    values = folder.values([pair.value for pair in node.items])
    return folder.attempt(node, keys + values, lambda: dict(zip(keys, values, strict=True)))


def _arguments(folder: _Folder, node: nodes.Call | nodes.Filter) -> tuple[list, dict, list]:
    args = folder.values(node.args)
    kwargs = {kw.key: folder.value(kw.value) for kw in node.kwargs}
    dynamic = [folder.value(n) for n in (node.dyn_args, node.dyn_kwargs) if n is not None]
    return args, kwargs, [*args, *kwargs.values(), *(_UNKNOWN for _ in dynamic)]


def _filter(folder: _Folder, node: nodes.Filter) -> Any:
    subject = _UNKNOWN if node.node is None else folder.value(node.node)
    args, kwargs, inputs = _arguments(folder, node)
    env, context = folder.env, folder.context
    return folder.attempt(
        node,
        [subject, *inputs],
        lambda: env.call_filter(node.name, subject, args, kwargs, context=context),
    )


def _call(folder: _Folder, node: nodes.Call) -> Any:
    func = folder.value(node.node)
    args, kwargs, inputs = _arguments(folder, node)
    env, context = folder.env, folder.context
    return folder.attempt(node, [func, *inputs], lambda: env.call(context, func, *args, **kwargs))  # type: ignore[attr-defined]


def _getattr(folder: _Folder, node: nodes.Getattr) -> Any:
    obj = folder.value(node.node)
    return folder.attempt(node, [obj], lambda: folder.env.getattr(obj, node.attr))


def _getitem(folder: _Folder, node: nodes.Getitem) -> Any:
    obj, arg = folder.value(node.node), folder.value(node.arg)
    return folder.attempt(node, [obj, arg], lambda: folder.env.getitem(obj, arg))


def _slice(folder: _Folder, node: nodes.Slice) -> Any:
    parts = [None if n is None else folder.value(n) for n in (node.start, node.stop, node.step)]
    return folder.attempt(node, parts, lambda: slice(*parts))


_HANDLERS: dict[type[nodes.Node], Callable[[_Folder, Any], Any]] = {
    **dict.fromkeys(_BINARY, _binary),
    **dict.fromkeys(_UNARY, _unary),
    nodes.List: _sequence,
    nodes.Tuple: _sequence,
    nodes.Dict: _dict,
    nodes.Filter: _filter,
    nodes.Call: _call,
    nodes.Getattr: _getattr,
    nodes.Getitem: _getitem,
    nodes.Slice: _slice,
}


def prepare(tree: nodes.Template, env: Environment) -> nodes.Template:
    """Rewrite ``tree`` for bounded rendering and check its literal sub-expressions.

    Raises:
        TemplateLimitError: a literal sub-expression is over the limits, or the template
            nests too deeply to compile.
    """
    _rewrite(tree, env)
    try:
        _Folder(env, tree).value(tree)
    except RecursionError:
        raise TemplateLimitError("The template nests too deeply to compile.") from None
    return tree
