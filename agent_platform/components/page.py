"""The page decorators: route + title + layout + auth guard + on_load, declared in one place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from agent_platform.components.shell import shell
from agent_platform.state.shell import ShellState


@dataclass
class PageSpec:
    """A page to add to the app."""

    route: str
    title: str
    render: Callable[[], rx.Component]
    on_load: list[Any] = field(default_factory=list)


PAGES: list[PageSpec] = []


def app_page(
    route: str, title: str, on_load: Sequence[Any] = (), *, canvas: bool = False
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """A signed-in page: the shell layout, the session guard, then the page's own loaders.

    ``ShellState.load_shell`` runs first; without a live session every loader redirects to
    ``/login?next=<this page>`` and the shell shows only a spinner. A ``canvas`` page (the
    builder) gets the whole window under the top bar; its navigation moves into the menu.
    """

    def register(fn: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def render() -> rx.Component:
            return shell(fn(), canvas=canvas)

        render.__name__ = fn.__name__
        PAGES.append(
            PageSpec(route, f"{title} · Agent Platform", render, [ShellState.load_shell, *on_load])
        )
        return fn

    return register


def public_page(
    route: str, title: str, on_load: Sequence[Any] = ()
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """A page anyone may open (log-in, sign-up, password reset, invitation)."""

    def register(fn: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        PAGES.append(PageSpec(route, f"{title} · Agent Platform", fn, list(on_load)))
        return fn

    return register


def add_pages(app: rx.App) -> None:
    """Add every decorated page to ``app``."""
    for spec in PAGES:
        app.add_page(spec.render, route=spec.route, title=spec.title, on_load=spec.on_load)
