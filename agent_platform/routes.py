"""Every UI route, declared once, and the URL builders pages and states share.

This module imports nothing from the platform so any layer may use it.
"""

from __future__ import annotations

from urllib.parse import urlencode

HOME = "/"
LOGIN = "/login"
SIGNUP = "/signup"
FORGOT_PASSWORD = "/forgot-password"  # noqa: S105  (a route, not a secret)
RESET_PASSWORD = "/reset-password"  # noqa: S105  (a route, not a secret)
INVITE = "/invite"

AGENTS = "/agents"
AGENT_NEW = "/agents/new"  # the builder (a later issue)
AGENT_EDIT = "/agents/edit"  # the builder, ?id=<agent>
RUNS = "/runs"
RUN_DETAIL = "/runs/detail"  # ?id=<run>
APPROVALS = "/approvals"
KNOWLEDGE = "/knowledge"
KNOWLEDGE_DETAIL = "/knowledge/detail"  # ?id=<knowledge base>
MARKETPLACE = "/marketplace"
CONVERSATIONS = "/conversations"
AGENT_CHAT = "/agents/chat"  # builder test chat, ?id=<agent>
AGENT_WIDGET = "/agents/widget"  # "Publish to website", ?id=<agent>

SETTINGS = "/settings"
SETTINGS_ORG = "/settings/organization"
SETTINGS_MEMBERS = "/settings/members"
SETTINGS_TEAMS = "/settings/teams"
SETTINGS_API_KEYS = "/settings/api-keys"
SETTINGS_AUDIT = "/settings/audit-log"
SETTINGS_CREDENTIALS = "/settings/credentials"
SETTINGS_NOTIFICATIONS = "/settings/notifications"

# Backend routes (FastAPI, served on the same port) that set and clear the session cookie.
WEB_SESSION = "/api/v1/auth/web/session"
WEB_LOGOUT = "/api/v1/auth/web/logout"
# Gives a browser its login nonce (api/login_nonce.py), then returns to ``next``.
WEB_PRELOGIN = "/api/v1/auth/web/prelogin"
# Whether the backend accepts a page's origin (api/v1/origin.py), asked by every page on load.
ORIGIN_CHECK = "/api/v1/origin"

DEFAULT_AFTER_LOGIN = AGENTS


def safe_next(path: str | None) -> str:
    """``path`` if it is a same-site absolute path, else the default page (no open redirects)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return DEFAULT_AFTER_LOGIN
    if any(ord(ch) < 32 for ch in path):
        return DEFAULT_AFTER_LOGIN
    return path


def with_query(path: str, **params: str) -> str:
    """``path`` with the non-empty ``params`` URL-encoded as its query string."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{path}?{query}" if query else path


def login_url(next_path: str = "") -> str:
    """The log-in page, returning to ``next_path`` afterwards."""
    return with_query(LOGIN, next=safe_next(next_path) if next_path else "")


def session_url(code: str, next_path: str = "") -> str:
    """The backend route that swaps a one-time login ``code`` for the session cookie."""
    return with_query(WEB_SESSION, code=code, next=safe_next(next_path))


def prelogin_url(next_path: str) -> str:
    """The backend route that gives the browser its login nonce, then goes to ``next_path``."""
    return with_query(WEB_PRELOGIN, next=safe_next(next_path))


def invite_url(token: str) -> str:
    """The invitation page for ``token``."""
    return with_query(INVITE, token=token)


def agent_edit_url(agent_id: str) -> str:
    """The builder for ``agent_id``."""
    return with_query(AGENT_EDIT, id=agent_id)


def run_url(run_id: str) -> str:
    """The detail page of run ``run_id``."""
    return with_query(RUN_DETAIL, id=run_id)


def knowledge_url(kb_id: str) -> str:
    """The detail page of knowledge base ``kb_id``."""
    return with_query(KNOWLEDGE_DETAIL, id=kb_id)
