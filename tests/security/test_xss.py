"""Run data is inert everywhere: an attacker's payload never becomes markup or script.

``PAYLOAD`` carries the three classic vectors (an event-handler attribute, a script element and
a ``javascript:`` link). It goes in as run input and as a chat message, then is looked at
through every surface that shows run data: the approvals inbox, the run detail page and its
step inspector, the conversations page, the builder's test chat and the approval email.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from email.header import decode_header, make_header
from html.parser import HTMLParser

import pytest
from playwright.sync_api import expect

from agent_platform.integrations import markdown
from tests.conftest import ROOT, wait_until

PAYLOAD = (
    "<img src=x onerror=window.__xss=1><script>window.__xss=2</script>"
    "[x](javascript:window.__xss=3)"
)
PIECES = ("<img src=x onerror=window.__xss=1>", "<script>window.__xss=2</script>")
PASSWORD = "correct horse battery"
# The only places that may put HTML into the DOM, and why each is safe.
HTML_SINKS = re.compile(
    r"rx\.markdown\(|rx\.html\(|dangerouslySetInnerHTML|\.innerHTML\s*=|outerHTML\s*=|"
    r"insertAdjacentHTML|document\.write"
)
ALLOWED_SINKS = {
    "agent_platform/components/ui.py": 1,  # safe_markdown: HTML from integrations.markdown
    "assets/widget/frame.js": 1,  # message.html from the same pipeline (server-side)
    "assets/widget/widget.js": 1,  # a constant SVG icon, no data
}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201 - HTMLParser signature
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):  # noqa: ANN001, ANN201
        self.text += data


def test_the_pipeline_renders_the_payload_as_visible_text():
    parsed = _Tags()
    parsed.feed(markdown.render(PAYLOAD))
    assert [tag for tag, _ in parsed.tags] == ["p"]
    assert all(pieces in parsed.text for pieces in PIECES)
    assert "[x](javascript:window.__xss=3)" in parsed.text


def test_only_the_safe_markdown_component_puts_html_in_the_dom():
    found: dict[str, int] = {}
    files = [*(ROOT / "agent_platform").rglob("*.py"), *(ROOT / "assets").rglob("*.js*")]
    for path in files:
        hits = len(HTML_SINKS.findall(path.read_text()))
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    assert found == ALLOWED_SINKS


def test_safe_markdown_is_only_given_server_rendered_html():
    calls = []
    for path in (ROOT / "agent_platform").rglob("*.py"):
        calls += re.findall(r"(?<!def )safe_markdown\(([^)]*)\)", path.read_text())
    assert calls and all(re.fullmatch(r"[\w.]*html", c.strip()) for c in calls), calls


def test_canvas_labels_are_text():
    canvas = (ROOT / "assets" / "flow" / "Canvas.jsx").read_text()
    assert "dangerouslySetInnerHTML" not in canvas and "innerHTML" not in canvas


def test_approval_message_goes_through_the_pipeline():
    from agent_platform.state.approvals import view

    parsed = _Tags()
    parsed.feed(view.message_html({"message": "**Note:** " + PAYLOAD}))
    assert [tag for tag, _ in parsed.tags] == ["p", "strong"]
    assert all(piece in parsed.text for piece in PIECES)


def test_approval_email_is_plain_text_with_one_subject_line(
    client, org, worker, runtime_env, mailbox
):
    from tests.services.approvals.conftest import review_graph, start_review

    editor = org["editor"]
    customer = "Ada\r\nBcc: attacker@evil.example\r\n\r\n" + PAYLOAD
    start_review(
        client,
        org["owner"].headers,
        review_graph(str(editor.user_id)),
        {"customer": customer, "draft": PAYLOAD},
    )
    message = mailbox.wait_for(editor.email, timeout=30)
    assert not message.is_multipart() and message.get_content_type() == "text/plain"
    assert message["Bcc"] is None and "attacker" not in str(message["To"])
    subject = str(make_header(decode_header(message["Subject"])))  # unfolded, decoded
    assert "\n" not in subject and "\r" not in subject and subject.startswith("Approval needed")
    assert PIECES[0] in message.get_payload(decode=True).decode()  # plain text: inert as is


# --- In the victim's browser ------------------------------------------------------------------


class _Api:
    """A tiny JSON client for the running app, as the attacker's scripts would use it."""

    def __init__(self, base_url: str) -> None:
        self.base_url, self.token = base_url, ""

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.base_url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {self.token}"} if self.token else {}),
        )
        with urllib.request.urlopen(request, timeout=90) as response:
            return json.loads(response.read() or b"{}")

    def publish(self, name: str, graph: dict) -> str:
        agent_id = self.call("POST", "/api/v1/agents", {"name": name})["id"]
        self.call("POST", f"/api/v1/agents/{agent_id}/publish", {"definition": graph})
        return agent_id


def _approval_graph(approver: str) -> dict:
    graph = json.loads(
        (ROOT / "tests/services/approvals/fixtures/review.json")
        .read_text()
        .replace('["__APPROVER__"]', json.dumps([approver]))
        .replace("__QUORUM__", '"any"')
        .replace("__NO_SELF__", "false")
        .replace("__ESCALATION__", "{}")
    )
    approval = graph["nodes"][1]["data"]
    approval["title"] = "Review the customer note"
    approval["message"] = "Customer wrote: {{inputs.note}}"
    approval["review"] = {"value": "{{inputs.note}}", "format": "text"}
    approval["form_fields"] = []
    return graph


def _echo_graph() -> dict:
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "chat"}},
            {"id": "output_1", "type": "output", "data": {"value": "{{inputs.message}}"}},
        ],
        "edges": [{"id": "e1", "source": "trigger_1", "target": "output_1"}],
    }


def _attack(base_url: str) -> dict[str, str]:
    """Sign up, publish the two agents, start the run and the chat turn with the payload."""
    api = _Api(base_url)
    email = f"mallory-{uuid.uuid4().hex[:8]}@example.com"
    signed = api.call(
        "POST", "/api/v1/auth/signup", {"email": email, "password": PASSWORD, "org_name": "M"}
    )
    api.token = signed["token"]
    agent_id = api.publish("Note review", _approval_graph(signed["user"]["id"]))
    run_id = api.call("POST", f"/api/v1/agents/{agent_id}/execute", {"inputs": {"note": PAYLOAD}})[
        "execution_id"
    ]
    wait_until(lambda: api.call("GET", f"/api/v1/executions/{run_id}")["status"] == "paused", 60)
    approval_id = api.call("GET", "/api/v1/approvals?status=pending")[0]["id"]
    chat_id = api.publish("Echo", _echo_graph())
    api.call("POST", f"/api/v1/agents/{chat_id}/chat", {"message": PAYLOAD})
    return {"email": email, "run": run_id, "approval": approval_id, "chat": chat_id}


CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""
INERT = """() => {
  const all = [...document.querySelectorAll("*")];
  const attr = (e, n) => (e.getAttribute(n) || "").trim().toLowerCase();
  return {
    xss: typeof window.__xss,
    scripts: [...document.scripts].filter((s) => s.text.includes("__xss")).length,
    handlers: all.filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))).length,
    js_urls: all.filter((e) => ["href", "src", "action", "formaction"]
      .some((n) => attr(e, n).startsWith("javascript:"))).length,
    payload_imgs: document.querySelectorAll('img[src="x"]').length,
    csp: window.__csp || [],
  };
}"""
CLEAN = {"xss": "undefined", "scripts": 0, "handlers": 0, "js_urls": 0, "payload_imgs": 0}


def _assert_inert(page, where: str, shot) -> None:
    page.wait_for_timeout(500)  # an <img onerror> would have fired by now
    found = page.evaluate(INERT)
    csp = found.pop("csp")
    shot(page, f"90-xss-{where}")
    assert found == CLEAN, (where, found)
    assert csp == [], (where, csp)


def _assert_shown_as_text(page, count: int = 1) -> None:
    messages = page.locator(".safe-markdown")
    expect(messages.filter(has_text=PIECES[0])).to_have_count(count)
    for html in messages.evaluate_all("(els) => els.map((e) => e.innerHTML)"):
        assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


@pytest.mark.e2e
def test_attacker_payload_is_inert_in_the_victims_browser(app_server, new_page, shot):
    ids = _attack(app_server)
    page = new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(CSP_WATCH)
    page.goto("/login")
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_enabled()
    page.get_by_placeholder("you@company.com").fill(ids["email"])
    page.get_by_placeholder("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(re.compile(r"/agents"))

    page.goto(f"/approvals?id={ids['approval']}")
    expect(page.get_by_role("heading", name="Review the customer note")).to_be_visible()
    expect(page.get_by_text("Customer wrote:")).to_be_visible()
    _assert_inert(page, "approval", shot)
    _assert_shown_as_text(page)

    page.goto(f"/runs/detail?id={ids['run']}")
    page.get_by_text("approval_1", exact=True).last.click()
    expect(page.locator("#step-inspector")).to_contain_text(PIECES[0])
    _assert_inert(page, "run-detail", shot)

    page.goto("/conversations")
    page.get_by_role("link", name=re.compile("onerror")).first.click()
    expect(page.get_by_role("button", name="Back")).to_be_visible()
    _assert_inert(page, "conversation", shot)
    _assert_shown_as_text(page, count=2)  # the message and its echo

    page.goto(f"/agents/chat?id={ids['chat']}")
    page.get_by_placeholder("Ask something…").fill(PAYLOAD)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".safe-markdown")).to_have_count(2)
    _assert_inert(page, "test-chat", shot)
    _assert_shown_as_text(page, count=2)
