"""Onboarding in a real browser: sign up, invite, log out and in, accept, API keys, roles.

Every page is screenshotted into test-artifacts/screenshots/ for review.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
OWNER = "owner@example.com"
INVITEE = "invitee@example.com"


def _at(page, path: str, query: str = "") -> None:
    """Wait for ``path`` (the static build serves it with a trailing slash)."""
    tail = rf"\?{query}.*" if query else r"(\?.*)?"
    page.wait_for_url(re.compile(rf"^[^?]*{re.escape(path)}/?{tail}$"))


def _submit(page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()


def _hydrated(page, label: str) -> None:
    """Wait until the form's submit button is live (the page's on_load has run)."""
    expect(page.get_by_role("button", name=label, exact=True)).to_be_enabled()


def _signup(page, *, name: str, email: str | None, org: str = "") -> None:
    _hydrated(page, "Create account")
    page.get_by_placeholder("Ada Lovelace").fill(name)
    if email is not None:
        page.get_by_placeholder("you@company.com").fill(email)
    page.get_by_placeholder("At least 8 characters").fill(PASSWORD)
    if org:
        page.get_by_placeholder("Acme Inc.").fill(org)
    _submit(page, "Create account")


def _login(page, email: str) -> None:
    _hydrated(page, "Log in")
    page.get_by_placeholder("you@company.com").fill(email)
    page.get_by_placeholder("Your password").fill(PASSWORD)
    _submit(page, "Log in")


def _nav(page, label: str, path: str) -> None:
    page.get_by_role("link", name=label, exact=True).first.click()
    _at(page, path)


def _tab(page, label: str, path: str, heading: str) -> None:
    page.get_by_role("link", name=label, exact=True).click()
    _at(page, path)
    expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()


def test_public_pages(new_page, shot):
    page = new_page()
    page.goto("/agents")
    _at(page, "/login", "next=%2Fagents")
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    shot(page, "01-login")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    shot(page, "02-signup")
    page.goto("/forgot-password")
    _hydrated(page, "Send reset link")
    page.get_by_placeholder("you@company.com").fill("nobody@example.com")
    _submit(page, "Send reset link")
    expect(page.get_by_text("If an account exists for that address")).to_be_visible()
    shot(page, "03-forgot-password")
    page.goto("/reset-password?token=bogus")
    _hydrated(page, "Set password")
    page.get_by_placeholder("At least 8 characters").fill(PASSWORD)
    page.get_by_placeholder("Repeat the password").fill(PASSWORD)
    _submit(page, "Set password")
    expect(page.get_by_text("invalid or has expired")).to_be_visible()
    shot(page, "04-reset-password")


def test_onboarding(new_page, shot, mailbox):
    owner = new_page()
    owner.goto("/signup")
    _signup(owner, name="Olivia Owner", email=OWNER, org="Acme")
    _at(owner, "/agents")
    expect(owner.get_by_text("No agents yet")).to_be_visible()
    expect(owner.locator("#org-switcher")).to_contain_text("Acme")
    shot(owner, "10-agents")
    for label, path, name in [
        ("Runs", "/runs", "11-runs"),
        ("Approvals", "/approvals", "12-approvals"),
        ("Knowledge", "/knowledge", "13-knowledge"),
        ("Marketplace", "/marketplace", "14-marketplace"),
    ]:
        _nav(owner, label, path)
        expect(owner.get_by_role("heading", name=label, exact=True)).to_be_visible()
        shot(owner, name)

    _nav(owner, "Settings", "/settings/organization")
    expect(owner.get_by_text("The name everyone in this organization sees.")).to_be_visible()
    shot(owner, "20-settings-organization")
    _tab(owner, "Members", "/settings/members", "Invite a member")
    owner.get_by_placeholder("colleague@company.com").fill(INVITEE)
    owner.get_by_role("combobox").first.click()
    owner.get_by_role("option", name="viewer", exact=True).click()
    _submit(owner, "Send invite")
    expect(owner.get_by_text(f"Invitation sent to {INVITEE}")).to_be_visible()
    expect(owner.get_by_role("cell", name=INVITEE)).to_be_visible()
    shot(owner, "21-settings-members")
    message = mailbox.wait_for(INVITEE, timeout=30)
    link = re.search(r"http\S+/invite\?token=\S+", message.get_payload(decode=True).decode())
    assert link, message.get_payload()

    owner.locator("#user-menu").click()
    owner.get_by_role("menuitem", name="Log out").click()
    _at(owner, "/login")
    owner.goto("/settings/members")
    _at(owner, "/login", "next=")
    _login(owner, OWNER)
    _at(owner, "/settings/members")
    expect(owner.get_by_role("heading", name="Members", exact=True)).to_be_visible()

    _tab(owner, "API keys", "/settings/api-keys", "Create an API key")
    owner.get_by_placeholder("CI pipeline").fill("Deploy bot")
    owner.get_by_role("checkbox", name="runs:execute").click()
    _submit(owner, "Create key")
    dialog = owner.get_by_role("dialog")
    expect(dialog).to_contain_text("Copy your new API key")
    plaintext = owner.locator("#new-api-key").inner_text().strip()
    assert re.fullmatch(r"ap_[0-9a-f]{8}_\S+", plaintext), plaintext
    shot(owner, "31-api-key-created")
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    prefix = plaintext[:11]
    expect(owner.get_by_role("cell", name=f"{prefix}_…")).to_be_visible()
    assert plaintext not in owner.content()
    shot(owner, "30-settings-api-keys")

    _tab(owner, "Teams", "/settings/teams", "Create a team")
    owner.get_by_placeholder("Team name").fill("Support")
    owner.get_by_placeholder("What the team does (optional)").fill("First-line customer help")
    _submit(owner, "Create team")
    expect(owner.get_by_role("heading", name="Support")).to_be_visible()
    shot(owner, "32-settings-teams")
    _tab(owner, "Audit log", "/settings/audit-log", "Audit log")
    expect(owner.get_by_role("cell", name="api_key.created")).to_be_visible()
    shot(owner, "33-settings-audit-log")

    owner.locator("#org-switcher").click()
    owner.get_by_role("menuitem", name="Create organization").click()
    owner.get_by_placeholder("Organization name").fill("Side Project")
    _submit(owner, "Create")
    expect(owner.locator("#org-switcher")).to_contain_text("Side Project")
    owner.locator("#org-switcher").click()
    owner.get_by_role("menuitem", name=re.compile("^Acme")).click()
    expect(owner.locator("#org-switcher")).to_contain_text("Acme")

    invitee = new_page()
    invitee.goto(link.group(0))
    expect(invitee.get_by_text("Acme", exact=True)).to_be_visible()
    shot(invitee, "05-invite")
    invitee.get_by_role("button", name="Sign up to accept").click()
    _at(invitee, "/signup", "")
    expect(invitee.get_by_placeholder("you@company.com")).to_have_value(INVITEE)
    _signup(invitee, name="Ivan Invitee", email=None)
    _at(invitee, "/invite", "token=")
    invitee.get_by_role("button", name="Accept invitation").click()
    _at(invitee, "/agents")
    expect(invitee.locator("#org-switcher")).to_contain_text("Acme")
    expect(invitee.get_by_text("viewer", exact=True)).to_be_visible()

    # A viewer sees no admin controls.
    expect(invitee.get_by_role("link", name="Create agent")).to_have_count(0)
    _nav(invitee, "Settings", "/settings/organization")
    _tab(invitee, "Members", "/settings/members", "Members")
    expect(invitee.get_by_role("cell", name="Olivia Owner")).to_be_visible()
    expect(invitee.get_by_role("button", name="Send invite")).to_have_count(0)
    expect(invitee.get_by_role("combobox")).to_have_count(0)
    expect(invitee.get_by_role("link", name="API keys")).to_have_count(0)
    expect(invitee.get_by_role("link", name="Audit log")).to_have_count(0)
    shot(invitee, "40-viewer-members")
    invitee.goto("/settings/api-keys")
    expect(invitee.get_by_text("Admins only")).to_be_visible()


def test_phone_shell_and_dark_mode(new_page, shot):
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto("/signup")
    _signup(page, name="Pia Phone", email="phone@example.com")
    _at(page, "/agents")
    expect(page.get_by_text("No agents yet")).to_be_visible()
    expect(page.get_by_role("link", name="Runs")).to_be_hidden()
    shot(page, "50-phone-agents")
    page.get_by_role("button", name="Menu", exact=True).click()
    expect(page.get_by_role("link", name="Runs")).to_be_in_viewport(ratio=1)
    shot(page, "51-phone-menu")
    page.get_by_role("link", name="Runs").click()
    _at(page, "/runs")
    page.locator("#user-menu").click()
    page.get_by_role("menuitem", name=re.compile("Dark mode|Light mode")).click()
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    expect(page.get_by_role("menu")).to_be_hidden()
    shot(page, "52-phone-dark-runs")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/settings/members")
    expect(page.get_by_role("heading", name="Invite a member")).to_be_visible()
    shot(page, "53-desktop-dark-members")
