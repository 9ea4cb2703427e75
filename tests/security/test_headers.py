"""Clickjacking and CSP: what every response of the app says about framing and scripts.

Every page and API response carries ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``
(except the widget's chat frame, framed by its allowed origins only), ``nosniff`` and a
``Referrer-Policy``; pages get a CSP whose ``script-src`` lists only the inline scripts of
Reflex's build. Widget origins go into the frame's CSP, so they must be bare origins: anything
that could add a directive is refused.
"""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_platform.api.security_headers import SecurityHeaders
from agent_platform.services.errors import InvalidInput
from tests.services.delivery.conftest import SITE, chat_graph, make_widget, publish

V1 = "/api/v1"
INLINE = 'window.__boot = {"page": "login"};'
PAGE = (
    "<!doctype html><html><head><script>" + INLINE + "</script>"
    '<script type="module" src="/assets/app.js"></script></head><body>app</body></html>'
)
INJECTIONS = [
    "https://a.com; script-src *",
    "https://a.com;script-src",
    "https://a.com script-src",
    "https://*.a.com",
    "https://a.com'",
    'https://a"b.com',
    "https://a.com,https://b.com",
    "https://a.com\r\nSet-Cookie: x=1",
    "https://a.com:99999",
    "https://a.com:80x",
    "https://user@a.com",
    "https://-a.com",
    "https://a..com",
    "javascript:alert(1)",
    "https://",
]


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


@pytest.fixture
def secured(db: None, tmp_path: Path) -> Iterator[Any]:
    """The API wrapped as the app wraps it, with a built page served like Reflex serves it."""
    from fastapi.testclient import TestClient
    from starlette.staticfiles import StaticFiles

    from agent_platform.api.app import create_api

    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_text(PAGE)
    api = create_api()
    api.mount("/", StaticFiles(directory=tmp_path, html=True))
    with TestClient(SecurityHeaders(api, static_dir=tmp_path)) as test_client:
        yield test_client


def _assert_no_framing(headers) -> str:
    csp = headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert re.findall(r"frame-ancestors [^;]*", csp) == ["frame-ancestors 'none'"], csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    return csp


def test_api_responses_cannot_be_framed(secured):
    for path in (f"{V1}/openapi.json", f"{V1}/health", f"{V1}/me", f"{V1}/nope"):
        csp = _assert_no_framing(secured.get(path).headers)
        assert csp.startswith("default-src 'none'"), (path, csp)


def test_pages_allow_only_the_builds_inline_scripts(secured):
    page = secured.get("/login")
    assert page.status_code == 200 and "app" in page.text
    csp = _assert_no_framing(page.headers)
    script_src = re.search(r"script-src ([^;]*)", csp).group(1).split()
    assert script_src[0] == "'self'" and _hash(INLINE) in script_src
    assert "'unsafe-inline'" not in script_src and "*" not in script_src
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp


def test_revalidated_pages_keep_their_policy(secured):
    etag = secured.get("/login").headers["etag"]
    again = secured.get("/login", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in again.headers  # the cached page's policy stands


def test_a_routes_own_csp_is_kept_but_framing_is_denied(secured):
    csp = _assert_no_framing(secured.get(f"{V1}/docs").headers)
    assert csp.startswith("default-src 'none'; style-src 'unsafe-inline'")


def test_the_widget_frame_keeps_its_allowlist(secured, org):
    agent = publish(secured, org["owner"].headers, chat_graph(), "Help Desk")
    key, _ = make_widget(org, agent["id"], [SITE])
    frame = secured.get(f"/widget/chat/{key}")
    assert f"frame-ancestors 'self' {SITE};" in frame.headers["content-security-policy"]
    assert "x-frame-options" not in frame.headers
    assert frame.headers["x-content-type-options"] == "nosniff"
    _assert_no_framing(secured.get("/widget/chat/pk_unknown").headers)


# --- Widget origins are bare origins ------------------------------------------------------------


def _widget_url(agent_id: str) -> str:
    return f"{V1}/agents/{agent_id}/widget"


@pytest.mark.parametrize("origin", INJECTIONS)
def test_origins_that_could_inject_into_the_csp_are_refused(secured, org, origin):
    from agent_platform.db import session_scope
    from agent_platform.services.delivery import widgets

    owner = org["owner"]
    agent = publish(secured, owner.headers, chat_graph(), "Help Desk")
    make_widget(org, agent["id"], [SITE])
    body = {"allowed_origins": [SITE, origin]}
    response = secured.put(_widget_url(agent["id"]), json=body, headers=owner.headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "origin" in error["message"]
    with session_scope() as s, pytest.raises(InvalidInput):  # the settings page's service
        widgets.update_widget(
            s, principal=org.principal(s), agent_id=uuid.UUID(agent["id"]),
            allowed_origins=[origin],
        )  # fmt: skip
    shown = secured.get(_widget_url(agent["id"]), headers=owner.headers).json()
    assert shown["allowed_origins"] == [SITE]


def test_avatar_hosts_cannot_inject_either(secured, org):
    agent = publish(secured, org["owner"].headers, chat_graph(), "Help Desk")
    make_widget(org, agent["id"], [SITE])
    body = {"theme": {"avatar_url": "https://a.com; script-src *;/x.png"}}
    response = secured.put(_widget_url(agent["id"]), json=body, headers=org["owner"].headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["field"] == "avatar_url"


def test_origins_are_stored_as_ascii_origins():
    from agent_platform.services.delivery.widgets import normalise_origin

    assert normalise_origin(" https://Shop.Example.com/ ") == "https://shop.example.com"
    assert normalise_origin("https://bücher.example") == "https://xn--bcher-kva.example"
    assert normalise_origin("https://a.com:443") == "https://a.com"
    assert normalise_origin("http://localhost:3000") == "http://localhost:3000"
    assert normalise_origin("http://127.0.0.1:9999") == "http://127.0.0.1:9999"
    assert normalise_origin("https://[::1]:8443") == "https://[::1]:8443"


def test_a_bad_origin_stored_before_validation_never_reaches_the_header(secured, org):
    from sqlmodel import select

    from agent_platform.db import session_scope
    from agent_platform.models.widgets import AgentWidget

    agent = publish(secured, org["owner"].headers, chat_graph(), "Help Desk")
    key, _ = make_widget(org, agent["id"], [SITE])
    with session_scope() as s:
        widget = s.exec(select(AgentWidget).where(AgentWidget.public_key == key)).one()
        widget.allowed_origins = [SITE, "https://a.com; script-src *"]
        s.add(widget)
    csp = secured.get(f"/widget/chat/{key}").headers["content-security-policy"]
    assert "script-src *" not in csp and "a.com" not in csp
    assert f"frame-ancestors 'self' {SITE};" in csp


# --- The running app, in Chromium ------------------------------------------------------------


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.headers


@pytest.mark.e2e
def test_the_running_app_sends_the_headers(app_server):
    for path in ("/login", "/approvals", "/agents/edit?id=x"):
        csp = _assert_no_framing(_get(app_server + path))
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "'sha256-" in script_src and "'unsafe-inline'" not in script_src, csp
    csp = _assert_no_framing(_get(app_server + f"{V1}/openapi.json"))
    assert csp.startswith("default-src 'none'")


@pytest.mark.e2e
def test_a_third_party_page_cannot_frame_the_app(app_server, browser, shot):
    from tests.e2e.test_widget import HostSite

    frames = "".join(
        f'<iframe src="{app_server}{p}" width="600" height="300"></iframe>'
        for p in ("/approvals", "/login")
    )
    site = HostSite(f"<p>Click the button!</p>{frames}")
    context = browser.new_context()
    try:
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda m: "frame" in m.text.lower() and refused.append(m.text))
        page.goto(site.origin)
        page.wait_for_timeout(3000)
        children = [f for f in page.frames if f != page.main_frame]
        assert len(children) == 2
        for child in children:
            assert child.url.startswith("chrome-error://") or child.url == "about:blank", child.url
            assert child.locator("input, button").count() == 0
        assert refused, "Chromium did not report the refused frames"
        shot(page, "91-framing-refused")
    finally:
        context.close()
        site.close()


CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sample));
"""


@pytest.mark.e2e
def test_the_app_works_under_its_csp(app_server, new_page, shot):
    from tests.e2e.test_builder import _create_agent, _drop
    from tests.e2e.test_onboarding import _signup

    page = new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(CSP_WATCH)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: "content security policy" in m.text.lower() and violations.append(m.text),
    )
    first = page.goto("/signup")
    assert "frame-ancestors 'none'" in first.headers["content-security-policy"]
    _signup(page, name="Ada", email=f"ada-{uuid.uuid4().hex[:8]}@example.com", org="Acme")
    page.wait_for_url(re.compile(r"/agents"))
    _create_agent(page, "CSP check")
    _drop(page, "trigger", 130, 70, "trigger_1")  # a round trip through the websocket
    assert page.evaluate("window.__csp") == []
    shot(page, "92-builder-under-csp")
    # The second /approvals is revalidated (304): the cached page must keep its policy.
    for path in ("/approvals", "/runs", "/conversations", "/settings/api-keys", "/approvals"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], path
    assert violations == []
