"""The chat widget embedded on a third-party site, in Chromium with third-party cookies blocked.

A host page is served from another origin (``http://127.0.0.1:<port>``, the app being
``http://localhost:<port>``). The visitor chats with a published agent that answers from a
knowledge base (offline extractive LLM) with numbered citations, reloads and finds the
conversation kept. A page on an origin outside the allowlist gets nothing. The ``openai`` SDK
then streams a completion from the same agent.
"""

from __future__ import annotations

import contextlib
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, SCREENSHOTS

FAQ = b"""# Store help

## Opening hours
The Lisbon store opens at 9am on weekdays and at 10am on Saturdays.

## Refunds
Refunds are paid back to the original card within 5 business days.
"""


class HostSite:
    """A third-party website whose one page embeds the widget snippet."""

    def __init__(self, snippet: str = "") -> None:
        self.snippet = snippet
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                page = (
                    "<!doctype html><html><head><title>Shop</title></head><body>"
                    "<h1>Welcome to the shop</h1><p>Third-party host page.</p>"
                    f"{site.snippet}</body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="module")
def chromium(app_server: str) -> Iterator[object]:
    """Chromium with third-party cookies blocked (the widget frame must not need storage)."""
    from playwright.sync_api import sync_playwright

    args = [*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        yield browser
        browser.close()


FACTS = (
    "The Lisbon store opens at 9am on weekdays and at 10am on Saturdays. "
    "Refunds are paid back to the original card within 5 business days."
)


def _graph(kb_id: uuid.UUID | None) -> dict:
    """Chat trigger -> (knowledge retrieval) -> offline LLM -> output."""
    context = "{{kb_1.output.context}}" if kb_id else FACTS
    nodes = [
        {"id": "trigger_1", "type": "trigger", "data": {"kind": "chat"}},
        {"id": "llm_1", "type": "llm", "data": {
            "model": "offline:extractive", "prompt": "{{inputs.message}}",
            "system_prompt": f"Answer from these sources, citing [n]:\n{context}"}},
        {"id": "output_1", "type": "output", "data": {"value": "{{llm_1.output.text}}"}},
    ]  # fmt: skip
    chain = ["trigger_1", "llm_1", "output_1"]
    if kb_id:
        nodes.append({"id": "kb_1", "type": "knowledge_retrieval",
                      "data": {"knowledge_base_ids": [str(kb_id)], "top_k": 3}})  # fmt: skip
        chain.insert(1, "kb_1")
    edges = [
        {"id": f"e{i}", "source": a, "target": b} for i, (a, b) in enumerate(zip(chain, chain[1:]))
    ]
    return {"nodes": nodes, "edges": edges}


def knowledge_node_available() -> bool:
    """Whether the knowledge engineer's ``knowledge_retrieval`` node is registered."""
    from agent_platform.engine.validation import validate_graph

    problems = validate_graph(_graph(uuid.uuid4()))
    return not any(p.code == "unknown_node_type" for p in problems)


def _setup_agent(allowed_origin: str, with_kb: bool) -> tuple[object, str, str]:
    """An org with a published chat agent (answering from a knowledge base if available)."""
    from agent_platform.db import session_scope
    from agent_platform.services.agents import agents
    from agent_platform.services.delivery import widgets
    from tests.api.conftest import build_org
    from tests.services.knowledge.helpers import create_kb, upload, wait_finished

    org = build_org(f"shop{uuid.uuid4().hex[:6]}")
    kb_id = None
    if with_kb:
        kb_id = create_kb(org, name="Store FAQ")
        doc_id, _ = upload(org, kb_id, "faq.md", FAQ)
        assert wait_finished([doc_id])[doc_id].status == "ready"
    with session_scope() as s:
        principal = org.principal(s)
        agent = agents.create_agent(s, principal=principal, name="Shop assistant")
        agents.publish_agent(s, principal=principal, agent_id=agent.id, definition=_graph(kb_id))
        widget = widgets.update_widget(
            s, principal=principal, agent_id=agent.id, allowed_origins=[allowed_origin],
            theme={"title": "Shop assistant", "color": "#0f766e",
                   "welcome": "Hello! Ask me about the shop.", "starters": ["Opening hours?"]},
        )  # fmt: skip
        return org, agent.slug, widget.public_key


def _frame(page):
    return page.frame_locator("[data-ap-widget] >> [data-testid=ap-widget-frame]")


def test_widget_on_a_third_party_site(app_server: str, chromium, db: None) -> None:
    site = HostSite()
    with_kb = knowledge_node_available()
    org, slug, key = _setup_agent(site.origin, with_kb)
    site.snippet = f'<script src="{app_server}/widget.js" data-agent="{key}" async></script>'
    context = chromium.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(site.origin + "/")
        launcher = page.locator("[data-ap-widget] >> [data-testid=ap-widget-launcher]")
        launcher.click()
        frame = _frame(page)
        frame.get_by_text("Hello! Ask me about the shop.").wait_for()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "widget-open.png"))
        frame.locator("#input").fill("When does the Lisbon store open?")
        frame.locator("#send").click()
        answer = frame.locator("[data-testid=ap-msg-assistant][data-status=complete]").last
        answer.wait_for(timeout=60_000)
        assert "9am" in answer.inner_text()
        if with_kb:  # numbered sources from the knowledge_retrieval step
            citations = answer.locator("[data-testid=ap-citations] li")
            assert citations.count() >= 1 and "store help" in citations.first.inner_text().lower()
            assert answer.locator("sup.cite").count() >= 1
        answer.get_by_role("button", name="Helpful", exact=True).click()
        expect_pressed = answer.get_by_role("button", name="Helpful", exact=True)
        wait_pressed(expect_pressed)
        page.screenshot(path=str(SCREENSHOTS / "widget-answer.png"))

        page.reload()
        launcher.click()
        frame = _frame(page)
        frame.get_by_text("When does the Lisbon store open?").wait_for()
        kept = frame.locator("[data-testid=ap-msg-assistant][data-status=complete]").last
        assert "9am" in kept.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "widget-after-reload.png"))
    finally:
        context.close()
        site.close()
    _refused_elsewhere(chromium, app_server, key)
    _openai_streams(app_server, org, slug)


def _refused_elsewhere(chromium, app_server: str, key: str) -> None:
    """A site not on the allowlist: no launcher, and a hand-made iframe stays blocked."""
    frame_html = f'<iframe id="f" src="{app_server}/widget/chat/{key}#a={"x" * 20}"></iframe>'
    snippet = f'<script src="{app_server}/widget.js" data-agent="{key}" async></script>'
    other = HostSite(snippet + frame_html)
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(other.origin + "/")  # the loader's config fetch is refused (403, no CORS)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)
        assert page.locator("[data-ap-widget]").count() == 0
        chat = next(f for f in page.frames if f != page.main_frame)
        with contextlib.suppress(Exception):
            chat.wait_for_load_state()
        assert chat.locator("#app").count() == 0  # blocked by frame-ancestors
        page.screenshot(path=str(SCREENSHOTS / "widget-refused.png"))
    finally:
        context.close()
        other.close()
    request = urllib.request.Request(
        f"{app_server}/api/v1/widget/{key}/config", headers={"Origin": other.origin}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


def _openai_streams(app_server: str, org, slug: str) -> None:
    from openai import OpenAI

    _key_id, api_key = org.api_key()
    sdk = OpenAI(api_key=api_key, base_url=f"{app_server}/v1", max_retries=0)
    assert slug in [m.id for m in sdk.models.list().data]
    stream = sdk.chat.completions.create(
        model=slug,
        messages=[{"role": "user", "content": "How long do refunds take?"}],
        stream=True,
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert "5 business days" in text


def wait_pressed(button) -> None:
    """Wait until the feedback button shows as pressed (the rating was stored)."""
    from playwright.sync_api import expect

    expect(button).to_have_attribute("aria-pressed", "true")
