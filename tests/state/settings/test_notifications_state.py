"""Settings → Notifications handlers: my email preference, approval webhooks by role."""

from __future__ import annotations

from reflex.istate.data import RouterData

from agent_platform.state.settings.notifications import NotificationsState
from tests.api.conftest import make_org  # noqa: F401

PATH = "/settings/notifications"


def _state(token: str) -> NotificationsState:
    state = NotificationsState(_reflex_internal_init=True)
    state.router = RouterData.from_router_data(
        {"headers": {"cookie": f"ap_session={token}"}, "pathname": PATH, "asPath": PATH}
    )
    return state


def test_notification_settings_by_role(make_org):  # noqa: F811
    from agent_platform.db import session_scope
    from agent_platform.services.agents import agents
    from agent_platform.services.approvals import notifications

    org = make_org("acme")
    with session_scope() as s:
        agent_id = str(agents.create_agent(s, principal=org.principal(s), name="Replies").id)

    viewer = _state(org["viewer"].token)
    NotificationsState.load.fn(viewer)
    assert viewer.approval_email is True and viewer.can_edit is False and viewer.agent_id == ""
    NotificationsState.set_email.fn(viewer, False)
    with session_scope() as s:
        assert notifications.get_email_preference(s, principal=org.principal(s, "viewer")) is False
    assert "not allowed" in str(NotificationsState.save_webhook.fn(viewer, {"url": "https://x"}))

    editor = _state(org["editor"].token)
    NotificationsState.load.fn(editor)
    assert editor.approval_email is True and editor.agent_id == agent_id
    assert [(a.id, a.name) for a in editor.agents] == [(agent_id, "Replies")]
    NotificationsState.save_webhook.fn(editor, {"url": "https://hooks.example.com/a"})
    assert editor.webhook_on and editor.webhook_url == "https://hooks.example.com/a"
    assert "not allowed" in str(NotificationsState.reveal_secret.fn(editor))
    assert editor.secret == ""
    assert "https://" in str(NotificationsState.save_webhook.fn(editor, {"url": "ftp://x"}))

    admin = _state(org["admin"].token)
    NotificationsState.load.fn(admin)
    assert admin.webhook_url == "https://hooks.example.com/a" and admin.secret == ""
    NotificationsState.reveal_secret.fn(admin)
    assert admin.secret.startswith("whsec_")
    NotificationsState.remove_webhook.fn(admin)
    assert not admin.webhook_on and admin.secret == ""
