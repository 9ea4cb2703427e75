"""The widget API: key + origin checks, sessions, conversations kept, limits, feedback, CSP."""

from __future__ import annotations

import uuid

from agent_platform.services.delivery import widgets
from tests.services.delivery.conftest import SITE, V1, chat_graph, make_widget, publish, sse_events

ANON = "a" * 24


def _api(published) -> str:
    return f"{V1}/widget/{published.public_key}"


def _session(client, published, origin=SITE, **body) -> str:
    body = body or {"anonymous_id": ANON}
    resp = client.post(f"{_api(published)}/session", json=body, headers={"Origin": origin})
    assert resp.status_code == 200, resp.text
    return resp.json()["session"]


def _h(token: str, origin: str = SITE) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Origin": origin}


def test_config_only_for_allowed_origins(client, published):
    ok = client.get(f"{_api(published)}/config", headers={"Origin": SITE})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == SITE
    assert ok.json()["title"] == "Help desk" and "secret" not in ok.text
    bad = client.get(f"{_api(published)}/config", headers={"Origin": "http://evil.example"})
    assert bad.status_code == 403 and "access-control-allow-origin" not in bad.headers
    assert client.get(f"{_api(published)}/config").status_code == 403
    assert client.get(f"{V1}/widget/pk_unknown/config", headers={"Origin": SITE}).status_code == 404


def test_chat_frame_csp_limits_framing_to_allowed_origins(client, published):
    resp = client.get(f"/widget/chat/{published.public_key}")
    csp = resp.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {SITE}" in csp and "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert client.get("/widget/chat/pk_nope").status_code == 404
    assert "data-agent" in client.get("/widget.js").text


def test_conversation_streams_and_is_kept_for_the_same_visitor(client, published, worker):
    token = _session(client, published)
    sent = client.post(
        f"{_api(published)}/messages", json={"content": "When does the Lisbon store open?"},
        headers=_h(token),
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    answer = sent.json()["answer"]
    assert answer["status"] == "pending"
    stream = client.get(f"{_api(published)}/messages/{answer['id']}/stream", headers=_h(token))
    events = sse_events(stream.text)
    assert "token" in [n for n, _ in events]
    assert events[-1][0] == "message" and "9am" in events[-1][1]["html"]
    assert {"seq", "step_key"} & set().union(*(d for n, d in events if n == "token")) == set()
    # A reload: a new session for the same visitor sees the same conversation.
    again = client.get(f"{_api(published)}/messages", headers=_h(_session(client, published)))
    roles = [(m["role"], m["status"]) for m in again.json()["messages"]]
    assert roles == [("user", "complete"), ("assistant", "complete")]
    # Memory: the second turn's run gets the first turn as history.
    client.post(f"{_api(published)}/messages", json={"content": "And refunds?"}, headers=_h(token))
    from agent_platform.db import session_scope
    from agent_platform.models import Run

    with session_scope() as s:
        run = s.exec(Run.__table__.select().order_by(Run.__table__.c.created_at.desc())).first()
        assert run.inputs["history"][0]["content"] == "When does the Lisbon store open?"
        assert run.trigger == "chat" and run.version_id is not None
    # Another visitor sees nothing of it, and cannot read or rate its messages.
    other = _session(client, published, anonymous_id="b" * 24)
    assert client.get(f"{_api(published)}/messages", headers=_h(other)).json()["messages"] == []
    stolen = client.post(
        f"{_api(published)}/messages/{answer['id']}/feedback", json={"rating": 1}, headers=_h(other)
    )
    assert stolen.status_code == 404


def test_feedback_is_stored(client, published, worker):
    token = _session(client, published)
    answer = client.post(
        f"{_api(published)}/messages", json={"content": "refunds?"}, headers=_h(token)
    ).json()["answer"]
    client.get(f"{_api(published)}/messages/{answer['id']}/stream", headers=_h(token))
    resp = client.post(
        f"{_api(published)}/messages/{answer['id']}/feedback", json={"rating": -1},
        headers=_h(token),
    )  # fmt: skip
    assert resp.json()["feedback"] == -1
    listed = client.get(
        f"{V1}/conversations", params={"feedback": "down"}, headers=published.org["owner"].headers
    )
    assert len(listed.json()["items"]) == 1


def test_sessions_and_origins_are_enforced(client, published):
    assert client.post(
        f"{_api(published)}/session", json={"anonymous_id": ANON},
        headers={"Origin": "http://evil.example"},
    ).status_code == 403  # fmt: skip
    token = _session(client, published)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for headers in (_h(forged), {"Origin": SITE}, _h(token, "http://evil.example")):
        assert client.get(f"{_api(published)}/messages", headers=headers).status_code == 403
    # A session of one widget is useless on another.
    agent = publish(client, published.org["owner"].headers, chat_graph(), "Other")
    key, _secret = make_widget(published.org, agent["id"], [SITE])
    assert client.get(f"{V1}/widget/{key}/messages", headers=_h(token)).status_code == 403


def test_signed_user_tokens_identify_end_users(client, published):
    good = widgets.sign_user_token(published.secret, "customer-42")
    token = _session(client, published, user_token=good)
    assert client.get(f"{_api(published)}/messages", headers=_h(token)).status_code == 200
    for bad in (
        widgets.sign_user_token("ws_wrong", "customer-42"),
        widgets.sign_user_token(published.secret, "customer-42", ttl_s=-10),
        "garbage.token",
    ):
        resp = client.post(
            f"{_api(published)}/session", json={"user_token": bad}, headers={"Origin": SITE}
        )
        assert resp.status_code == 403


def test_rate_limit_per_end_user_answers_429(client, published, monkeypatch):
    from agent_platform.settings import get_settings

    monkeypatch.setenv("WIDGET__MESSAGES_PER_MINUTE_PER_USER", "2")
    get_settings.cache_clear()
    token = _session(client, published)
    codes = [
        client.post(f"{_api(published)}/messages", json={"content": "hi"}, headers=_h(token))
        for _ in range(3)
    ]
    assert [r.status_code for r in codes] == [201, 201, 429]
    assert int(codes[-1].headers["retry-after"]) >= 1
    monkeypatch.undo()
    get_settings.cache_clear()


def test_unpublished_or_non_chat_agents_have_no_widget(client, org):
    agent = publish(client, org["owner"].headers, chat_graph(kind="api"), "Batch")
    key, _ = make_widget(org, agent["id"], [SITE])
    assert client.get(f"{V1}/widget/{key}/config", headers={"Origin": SITE}).status_code == 404
    assert uuid.UUID(agent["id"])
