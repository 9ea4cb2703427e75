"""Every event handler of every app state declares a policy, and the policy holds.

Any browser can call any handler with any arguments, so a handler without ``@public``,
``@requires_login`` or ``@requires(...)`` is a bug. Reflex's own states and handlers are skipped
by name below; the test fails if that list changes, so new built-ins get looked at.
"""

from __future__ import annotations

import uuid

import pytest
import reflex as rx
from reflex.istate.data import RouterData

import agent_platform.agent_platform  # noqa: F401  (imports every page and state)
from agent_platform.state.base import AppState, policy_of

# Reflex's built-in states and their handlers, skipped because they are not ours to decorate:
#   rx.State (the root; the walk starts below it): hydrate / hydrate_and_load / set_is_hydrated
#     run the page-load handshake and touch none of our vars or services.
#   FrontendEventExceptionState.handle_frontend_exception: logs a browser-side exception.
#   UpdateVarsInternalState.update_vars_internal: writes rx.Cookie/LocalStorage vars (we have
#     none, so it can only fail).
#   OnLoadInternalState.on_load_internal / set_is_hydrated: dispatch the page's on_load
#     handlers, which are ours and are checked here.
#   SharedStateBaseInternal: the base of rx.SharedState (we define none); setvar only.
BUILTIN_STATES = {
    "FrontendEventExceptionState": {"handle_frontend_exception"},
    "UpdateVarsInternalState": {"update_vars_internal"},
    "OnLoadInternalState": {"on_load_internal", "set_is_hydrated"},
    "SharedStateBaseInternal": set(),
}
ROOT_HANDLERS = {"hydrate", "hydrate_and_load", "set_is_hydrated"}
# ``setvar`` exists on every state but only calls an explicit ``set_<name>`` handler (auto
# setters are off, asserted below), and every such handler is itself checked here.
SKIPPED_HANDLERS = {"setvar"}
PUBLIC_ALLOWLIST = {
    "AuthState.load_public",
    "AuthState.login",
    "AuthState.signup",
    "AuthState.forgot",
    "AuthState.reset_password",
    "InviteState.load",
    "ShellState.logout",
    "ShellState.set_create_org_open",
    "ShellState.set_nav_open",
    "ApiKeysState.close_key_dialog",
}


def _all_states(cls: type[rx.State]) -> list[type[rx.State]]:
    found = []
    for sub in cls.get_substates():
        found.append(sub)
        found.extend(_all_states(sub))
    return found


def _app_handlers() -> dict[str, object]:
    handlers = {}
    for state in _all_states(rx.State):
        if state.__name__ in BUILTIN_STATES:
            assert state.__module__.startswith("reflex."), state
            continue
        for name, handler in state.event_handlers.items():
            if name in SKIPPED_HANDLERS:
                continue
            handlers[f"{state.__name__}.{name}"] = handler
    return handlers


def test_only_known_builtin_states_are_skipped():
    from reflex_base.config import get_state_auto_setters

    assert get_state_auto_setters() is False
    assert set(rx.State.event_handlers) - SKIPPED_HANDLERS == ROOT_HANDLERS
    builtin = {
        s.__name__: set(s.event_handlers) - SKIPPED_HANDLERS
        for s in _all_states(rx.State)
        if not issubclass(s, AppState)
    }
    assert builtin == BUILTIN_STATES
    assert not AppState.event_handlers.keys() - SKIPPED_HANDLERS


def test_every_handler_declares_a_policy():
    handlers = _app_handlers()
    assert len(handlers) >= 25, sorted(handlers)
    missing = sorted(name for name, h in handlers.items() if policy_of(h.fn) is None)
    assert not missing, f"event handlers without a policy: {missing}"


def test_public_handlers_are_the_allowlist():
    public = {n for n, h in _app_handlers().items() if policy_of(h.fn).kind == "public"}
    assert public == PUBLIC_ALLOWLIST


def _state(cls, cookie: str = ""):
    state = cls(_reflex_internal_init=True)
    headers = {"cookie": cookie} if cookie else {}
    state.router = RouterData.from_router_data(
        {"headers": headers, "pathname": "/settings/api-keys", "asPath": "/settings/api-keys"}
    )
    return state


def _key_count() -> int:
    from sqlmodel import select

    from agent_platform.db import session_scope
    from agent_platform.models.api_keys import ApiKey

    with session_scope() as s:
        return len(list(s.exec(select(ApiKey))))


@pytest.fixture
def owner_and_viewer(db):
    """An org with an owner and a viewer, each with a live session token."""
    from agent_platform.db import session_scope
    from agent_platform.services.accounts import auth, invitations

    with session_scope() as s:
        _, org, owner_token = auth.signup(s, email="owner@example.com", password="password123")
        principal = auth.resolve_session(s, token=owner_token).principal
        invitations.invite_member(
            s,
            principal=principal,
            email="viewer@example.com",
            role="viewer",
            accept_url="http://x/invite",
        )
    with session_scope() as s:
        viewer, _, viewer_token = auth.signup(s, email="viewer@example.com", password="password123")
        from agent_platform.models.orgs import Membership, Role

        s.add(Membership(org_id=org.id, user_id=viewer.id, role=Role.VIEWER))
        s.flush()
        auth.switch_org(s, token=viewer_token, org_id=org.id)
    return owner_token, viewer_token


@pytest.mark.parametrize("cookie", ["", "ap_session=", "ap_session=aps_forged", "junk;;=\x00"])
def test_protected_handler_without_valid_session_never_reaches_the_service(
    owner_and_viewer, cookie
):
    from agent_platform.state.settings.api_keys import ApiKeysState

    result = ApiKeysState.create.fn(_state(ApiKeysState, cookie), {"name": "stolen"})
    assert _key_count() == 0
    assert "/login?next=" in str(result)


def test_viewer_is_refused_and_owner_succeeds(owner_and_viewer):
    from agent_platform.state.settings.api_keys import ApiKeysState

    owner_token, viewer_token = owner_and_viewer
    viewer_state = _state(ApiKeysState, f"ap_session={viewer_token}")
    ApiKeysState.create.fn(viewer_state, {"name": "nope"})
    assert _key_count() == 0 and viewer_state.new_key == ""
    owner_state = _state(ApiKeysState, f"other=1; ap_session={owner_token}")
    ApiKeysState.create.fn(owner_state, {"name": "ci"})
    assert _key_count() == 1 and owner_state.new_key.startswith("ap_")


def test_revoked_session_is_refused_at_once(owner_and_viewer):
    from agent_platform.db import session_scope
    from agent_platform.services.accounts import auth
    from agent_platform.state.settings.api_keys import ApiKeysState

    owner_token, _ = owner_and_viewer
    with session_scope() as s:
        auth.logout(s, token=owner_token)
    ApiKeysState.create.fn(_state(ApiKeysState, f"ap_session={owner_token}"), {"name": "late"})
    assert _key_count() == 0


@pytest.mark.parametrize("bad", ["not-a-uuid", 42, None, {"id": 1}, str(uuid.uuid4())])
def test_bad_or_foreign_ids_become_a_toast(owner_and_viewer, bad):
    from agent_platform.state.settings.members import MembersState

    owner_token, _ = owner_and_viewer
    state = _state(MembersState, f"ap_session={owner_token}")
    result = MembersState.remove.fn(state, bad)
    assert "toast" in str(result).lower()


def test_bad_form_payloads_become_a_toast(owner_and_viewer):
    from agent_platform.state.settings.api_keys import ApiKeysState

    owner_token, _ = owner_and_viewer
    state = _state(ApiKeysState, f"ap_session={owner_token}")
    for payload in [None, [], {"name": ["x"]}, {"name": "x" * 5000}, {"name": "k", "expires": "x"}]:
        result = ApiKeysState.create.fn(state, payload)
        assert "toast" in str(result).lower(), payload
    assert _key_count() == 0
