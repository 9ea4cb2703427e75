"""The inspector's webhook section: URL and signing secret of a published webhook trigger."""

from __future__ import annotations

from reflex.istate.data import RouterData

from agent_platform.state.builder.webhook import WebhookState
from tests.services.runs.conftest import graph, make_org  # noqa: F401


def _state(token: str, agent_id: str) -> WebhookState:
    state = WebhookState(_reflex_internal_init=True)
    path = f"/agents/edit?id={agent_id}"
    state.router = RouterData.from_router_data(
        {"headers": {"cookie": f"ap_session={token}"}, "pathname": "/agents/edit", "asPath": path}
    )
    WebhookState.load.fn(state)
    WebhookState.focus.fn(state, "trigger_1")
    return state


def test_admins_see_copy_and_rotate_the_webhook_others_only_that_it_is_live(make_org):  # noqa: F811
    from agent_platform.db import session_scope
    from agent_platform.services.agents import agents

    org = make_org("acme")
    with session_scope() as s:
        agent = agents.create_agent(s, principal=org.principal(s), name="Hooked")
        agent_id = str(agent.id)
        agents.update_agent(
            s,
            principal=org.principal(s),
            agent_id=agent.id,
            draft_definition=graph({"kind": "webhook"}),
        )

    admin = _state(org["admin"].token, agent_id)
    assert admin.is_webhook
    WebhookState.load_webhook.fn(admin)
    assert not admin.hook_live and admin.hook_url == ""  # not published yet

    with session_scope() as s:
        agents.publish_agent(s, principal=org.principal(s), agent_id=agent.id)
    WebhookState.load_webhook.fn(admin)
    assert admin.hook_live and admin.can_manage and admin.hook_prefix
    assert admin.hook_url == "" and admin.hook_secret == ""  # shown only when asked
    WebhookState.reveal_webhook.fn(admin)
    url, secret = admin.hook_url, admin.hook_secret
    assert "/api/v1/hooks/" in url and admin.hook_prefix in url and secret
    WebhookState.rotate_webhook.fn(admin)
    assert admin.hook_url not in ("", url) and admin.hook_secret not in ("", secret)
    WebhookState.hide_webhook.fn(admin)
    assert admin.hook_url == admin.hook_secret == ""

    editor = _state(org["editor"].token, agent_id)
    WebhookState.load_webhook.fn(editor)
    assert editor.hook_live and not editor.can_manage
    assert "not allowed" in str(WebhookState.reveal_webhook.fn(editor))
    assert "not allowed" in str(WebhookState.rotate_webhook.fn(editor))
    assert editor.hook_url == editor.hook_secret == ""
