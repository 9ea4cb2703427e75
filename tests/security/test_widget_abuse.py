"""Attacks on a customer's public chat widget by anyone who knows its publishable key.

The key is public: no budget may be shared by everyone who knows it. One address spending its
bucket must not lock out other visitors; rotating anonymous ids must not reset an address's
bucket; the widget's spend per day is capped; identity tokens cannot live for ever.
"""

from __future__ import annotations

import time

from tests.security.widget_fixtures import Widget
from tests.services.delivery.conftest import SITE


def test_one_address_exhausting_its_bucket_does_not_block_another(widget: Widget, settings_env):
    settings_env(WIDGET__MESSAGES_PER_MINUTE_PER_ADDRESS_WIDGET=3)
    mallory, alice = widget.at("203.0.113.66"), widget.at("198.51.100.7")
    headers = widget.session(mallory)
    codes = [widget.send(mallory, headers).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert widget.send(alice, widget.session(alice)).status_code == 201


def test_rotating_anonymous_ids_from_one_address_still_hits_its_bucket(
    widget: Widget, settings_env
):
    settings_env(WIDGET__MESSAGES_PER_MINUTE_PER_ADDRESS=3)
    mallory = widget.at("203.0.113.66")
    codes = [widget.send(mallory, widget.session(mallory)).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    resp = widget.send(mallory, widget.session(mallory))
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    assert resp.json()["error"]["code"] == "rate_limited"


def test_the_daily_cost_ceiling_refuses_the_next_message(widget: Widget, settings_env):
    from sqlmodel import select

    from agent_platform.db import session_scope
    from agent_platform.models.runs import Run

    settings_env(WIDGET__DAILY_COST_USD=0.50)
    visitor = widget.at("198.51.100.7")
    headers = widget.session(visitor)
    assert widget.send(visitor, headers).status_code == 201
    with session_scope() as s:  # the answer's LLM call was expensive
        for run in s.exec(select(Run)):
            run.cost_usd = 0.75
            s.add(run)
    other = widget.at("198.51.100.8")
    resp = widget.send(other, widget.session(other))
    assert resp.status_code == 429
    assert "usage limit for today" in resp.json()["error"]["message"]


def test_identity_tokens_have_a_maximum_lifetime(client, tenant, widget: Widget, settings_env):
    from agent_platform.db import session_scope
    from agent_platform.models.widgets import AgentWidget
    from agent_platform.services.delivery import widgets

    settings_env(WIDGET__USER_TOKEN_MAX_LIFETIME_S=3600)
    with session_scope() as s:
        row = s.query(AgentWidget).filter(AgentWidget.public_key == widget.public_key).one()
        secret = widgets.widget_secret(row)
    now = time.time()
    good = widgets.sign_user_token(secret, "customer-1", ttl_s=600)
    forever = widgets.sign_user_token(secret, "customer-1", ttl_s=10 * 365 * 86400)
    # Issued two hours ago, still valid for ten minutes: older than the lifetime allows.
    stale = widgets.sign_user_token(secret, "customer-1", ttl_s=7800, now=now - 7200)
    visitor = widget.at("198.51.100.7")
    url = f"{widget.api}/session"
    assert visitor.post(url, json={"user_token": good}, headers={"Origin": SITE}).status_code == 200
    for token in (forever, stale):
        resp = visitor.post(url, json={"user_token": token}, headers={"Origin": SITE})
        assert resp.status_code == 403, resp.text
