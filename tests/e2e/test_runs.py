"""The Runs page in a real browser: filter by status and a date range, then page with "Load more".

130 runs over 13 days: the first page shows 50, "Load more" the rest of the filtered set, with
no run twice and none missing.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_approvals import _login
from tests.services.runs.test_list_runs import _world

pytestmark = pytest.mark.e2e


def _rows(page) -> list[str]:
    links = page.locator("table tbody tr a")
    return [
        re.sub(r".*id=", "", href or "")
        for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    ]


def test_filter_by_status_and_dates_then_load_more(new_page, shot):
    from tests.api.conftest import build_org

    org = build_org("acme")
    # Run i is created i/10 days after 2026-03-10 00:00 UTC; two in three failed.
    made = _world(
        org, [(i % 2, "failed" if i % 3 else "succeeded", "api", i / 10) for i in range(130)]
    )
    page = new_page(viewport={"width": 1400, "height": 900})
    page.goto("/login")
    _login(page, org["viewer"].email)
    page.wait_for_url(re.compile(r"/agents"))
    page.goto("/runs")
    expect(page.get_by_text("Showing 50 runs")).to_be_visible()
    expect(page.get_by_role("button", name="Load more")).to_be_visible()

    page.get_by_role("combobox").nth(1).click()
    page.get_by_role("option", name="failed", exact=True).click()
    page.locator("input[name=from]").fill("2026-03-11")
    page.locator("input[name=to]").fill("2026-03-20")  # inclusive: up to 2026-03-21 00:00
    wanted = [
        m[0]
        for m in reversed(made)
        if m[2] == "failed" and "2026-03-11" <= m[4][:10] <= "2026-03-20"
    ]
    assert len(wanted) == 67
    # Both filters applied: the newest run shown is the newest failed one up to the 20th.
    expect(page.locator("table tbody tr a").first).to_have_attribute("href", re.compile(wanted[0]))
    expect(page.get_by_text("Showing 50 runs")).to_be_visible()
    expect(page.get_by_role("button", name="Clear filters")).to_be_visible()
    assert _rows(page) == wanted[:50]
    expect(page.locator("table tbody").get_by_text("succeeded", exact=True)).to_have_count(0)
    shot(page, "70-runs-filtered")

    page.get_by_role("button", name="Load more").click()
    expect(page.get_by_text("Showing 67 runs")).to_be_visible()
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)
    rows = _rows(page)
    assert rows == wanted and len(set(rows)) == len(rows)
    page.get_by_role("table").scroll_into_view_if_needed()
    shot(page, "71-runs-loaded-more")

    page.locator("input[name=to]").fill("2026-04-02")
    page.locator("input[name=from]").fill("2026-04-01")
    expect(page.get_by_text("No runs match these filters")).to_be_visible()
    page.get_by_role("button", name="Clear filters").first.click()
    expect(page.get_by_text("Showing 50 runs")).to_be_visible()
