"""``origin_banner``: a page opened at an address the backend refuses says where to go instead.

The React side is ``assets/origin/OriginBanner.jsx``: on load it asks ``GET /api/v1/origin``
(on the backend the websocket uses) about ``window.location.origin`` and, if refused, shows
"This address is not allowed: open <base_url>" across the top of every page.
"""

from __future__ import annotations

import reflex as rx

from agent_platform.routes import ORIGIN_CHECK


class OriginBanner(rx.NoSSRComponent):
    """The refused-address banner (renders nothing while the address is accepted)."""

    library = "$/public/origin/OriginBanner.jsx"
    tag = "OriginBanner"

    base_url: rx.Var[str]
    probe_path: rx.Var[str]


def origin_banner(base_url: str) -> rx.Component:
    """The banner, pointing people at ``base_url``."""
    return OriginBanner.create(base_url=base_url, probe_path=ORIGIN_CHECK)
