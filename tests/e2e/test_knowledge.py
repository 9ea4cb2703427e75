"""Knowledge in a real browser: create a knowledge base, upload a page, watch it index, search.

Screenshots go to test-artifacts/screenshots/ for review.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
DOC = Path("/usr/share/doc/postgresql-doc-15/html/sql-createindex.html")


def _at(page, path: str) -> None:
    page.wait_for_url(re.compile(rf"^[^?]*{re.escape(path)}/?(\?.*)?$"))


def _signup(page) -> None:
    page.goto("/signup")
    expect(page.get_by_role("button", name="Create account", exact=True)).to_be_enabled()
    page.get_by_placeholder("Ada Lovelace").fill("Kim Knowledge")
    page.get_by_placeholder("you@company.com").fill("kim@example.com")
    page.get_by_placeholder("At least 8 characters").fill(PASSWORD)
    page.get_by_placeholder("Acme Inc.").fill("Docs Inc")
    page.get_by_role("button", name="Create account", exact=True).click()
    _at(page, "/agents")


def test_upload_index_and_search(new_page, shot):
    assert DOC.exists(), f"{DOC} is missing: run `bash scripts/test-deps.sh`"
    page = new_page(viewport={"width": 1280, "height": 900})
    _signup(page)
    page.goto("/knowledge")
    expect(page.get_by_text("No knowledge bases yet")).to_be_visible()
    shot(page, "knowledge-01-empty")

    page.get_by_placeholder("Product docs").fill("Postgres docs")
    page.get_by_placeholder("Optional").fill("The SQL reference")
    page.get_by_role("button", name="Create", exact=True).click()
    _at(page, "/knowledge/detail")
    expect(page.get_by_role("heading", name="Postgres docs")).to_be_visible()

    page.locator("#kb-upload input[type=file]").set_input_files(str(DOC))
    row = page.get_by_role("row").filter(has_text="sql-createindex")
    expect(row).to_be_visible()
    expect(row.get_by_text("ready", exact=True)).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Indexing…")).to_have_count(0)
    shot(page, "knowledge-02-ready")

    page.get_by_placeholder("Ask something your documents answer").fill(
        "create an index concurrently"
    )
    page.get_by_role("button", name="Search", exact=True).click()
    hits = page.locator(".kb-hit")
    expect(hits.first).to_be_visible(timeout=90_000)  # the app loads the embedder once
    expect(hits.first.locator(".kb-hit-title")).to_contain_text("CREATE INDEX")
    expect(hits.first.locator("mark").first).to_be_visible()
    shot(page, "knowledge-03-search")

    page.get_by_role("radio", name="Full text").click()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(hits.first.locator(".kb-hit-title")).to_contain_text("CREATE INDEX")

    page.goto("/knowledge")
    row = page.get_by_role("row").filter(has_text="Postgres docs")
    expect(row.get_by_text("1 ready")).to_be_visible()
    shot(page, "knowledge-04-list")
