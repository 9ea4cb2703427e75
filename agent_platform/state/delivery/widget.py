""" "Publish to website": the widget's look, allowed origins, keys and embed snippet."""

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.delivery import widgets
from agent_platform.services.permissions import Permission
from agent_platform.settings import get_settings
from agent_platform.state.base import AppState, parse_id, requires, text


class WidgetSettingsState(AppState):
    """Widget settings of the agent in ``?id=``."""

    agent_id: str = ""
    title: str = ""
    color: str = ""
    avatar_url: str = ""
    welcome: str = ""
    starters: str = ""
    position: str = "right"
    origins: str = ""
    window: int = 10
    enabled: bool = True
    snippet: str = ""
    secret: str = ""  # shown only after "Reveal", cleared on reload

    def _show(self, widget) -> None:
        theme = widget.theme
        self.title, self.color = theme.get("title", ""), theme.get("color", "")
        self.avatar_url, self.welcome = theme.get("avatar_url", ""), theme.get("welcome", "")
        self.starters = "\n".join(theme.get("starters", []))
        self.position = theme.get("position", "right")
        self.origins = "\n".join(widget.allowed_origins)
        self.window, self.enabled = widget.history_window, widget.enabled
        self.snippet = widgets.snippet(widget, get_settings().base_url)

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def load(self):
        """Load (creating on first visit) the widget of the agent in ``?id=``."""
        self.agent_id, self.secret = self._query("id"), ""
        with session_scope() as session:
            widget = widgets.get_widget(
                session, principal=self._principal(), agent_id=parse_id(self.agent_id, "agent")
            )
            self._show(widget)

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def save(self, form: dict):
        """Store the look, origins and memory window."""
        theme = {
            "title": text(form, "title", limit=300), "color": text(form, "color", limit=20),
            "avatar_url": text(form, "avatar_url", limit=500),
            "welcome": text(form, "welcome", limit=300),
            "starters": text(form, "starters", limit=2000).splitlines(),
            "position": text(form, "position", limit=10),
        }  # fmt: skip
        window = text(form, "window", limit=3) or "10"
        with session_scope() as session:
            widget = widgets.update_widget(
                session, principal=self._principal(), agent_id=parse_id(self.agent_id, "agent"),
                theme=theme, allowed_origins=text(form, "origins", limit=5000).splitlines(),
                history_window=int(window) if window.isdigit() else -1,
            )  # fmt: skip
            self._show(widget)
        return rx.toast.success("Widget saved.")

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def toggle(self, enabled: bool):
        """Switch the widget on or off."""
        with session_scope() as session:
            widget = widgets.update_widget(
                session, principal=self._principal(), agent_id=parse_id(self.agent_id, "agent"),
                enabled=bool(enabled),
            )  # fmt: skip
            self._show(widget)

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def rotate(self):
        """New publishable key and secret (old snippets and user tokens stop working)."""
        with session_scope() as session:
            widget = widgets.rotate_keys(
                session, principal=self._principal(), agent_id=parse_id(self.agent_id, "agent")
            )
            self._show(widget)
        self.secret = ""
        return rx.toast.success("Keys rotated: update the snippet on your site.")

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def reveal_secret(self):
        """Show the signing secret for identified users (server-side HMAC only)."""
        with session_scope() as session:
            widget = widgets.get_widget(
                session, principal=self._principal(), agent_id=parse_id(self.agent_id, "agent")
            )
            self.secret = widgets.widget_secret(widget)

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def hide_secret(self):
        """Forget the revealed secret in the browser."""
        self.secret = ""
