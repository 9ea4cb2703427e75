"""Login CSRF: a one-time login link works only in the browser that logged in.

The UI logs in over the websocket and then sends the browser to
``/api/v1/auth/web/session?code=...`` for its HttpOnly session cookie. An attacker who logs
into their *own* account gets such a link; if any browser could redeem it, a victim sent to
it (a link, an image, a redirect) would silently work inside the attacker's account, typing
credentials and data the attacker then reads. The code is bound to the login nonce cookie of
the browser that asked for it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.security.conftest import PASSWORD, sign_up

pytestmark = pytest.mark.e2e

SESSION_COOKIE = "ap_session"


def _login_and_keep_the_link(page, email: str) -> str:
    """Log in through the UI, but stop the browser at its one-time link; returns the link."""
    links: list[str] = []

    def keep(route) -> None:
        links.append(route.request.url)
        route.abort()

    page.route("**/api/v1/auth/web/session*", keep)
    page.goto("/login")
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_enabled()
    page.get_by_placeholder("you@company.com").fill(email)
    page.get_by_placeholder("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    for _ in range(200):  # Playwright runs the route handler only while it is waited on
        if links:
            break
        page.wait_for_timeout(100)
    page.unroute("**/api/v1/auth/web/session*")
    assert "code=" in links[0]
    return links[0]


def _session_cookies(page) -> list[dict]:
    return [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]


def _refused(page, link: str) -> None:
    page.goto(link)
    page.wait_for_url(re.compile(r".*/login/?\?error=expired$"))
    expect(page.get_by_text("That sign-in link expired")).to_be_visible()
    assert _session_cookies(page) == []


def test_a_login_link_is_refused_in_any_other_browser(client, new_page):
    sign_up(client, "mallory@example.com")
    attacker = new_page()

    # A victim browser that never visited the site: no nonce cookie at all.
    _refused(new_page(), _login_and_keep_the_link(attacker, "mallory@example.com"))

    # A victim browser that has its own nonce (it visited the site before) is refused too.
    victim = new_page()
    victim.goto("/login")
    expect(victim.get_by_role("button", name="Log in", exact=True)).to_be_enabled()
    _refused(victim, _login_and_keep_the_link(attacker, "mallory@example.com"))

    # The browser that logged in still gets its session from its own link.
    attacker.goto(_login_and_keep_the_link(attacker, "mallory@example.com"))
    attacker.wait_for_url(re.compile(r".*/agents/?$"))
    assert _session_cookies(attacker) != []
    nonce = [c for c in attacker.context.cookies() if "login_nonce" in c["name"]]
    assert nonce and nonce[0]["httpOnly"] and nonce[0]["sameSite"] == "Lax"
