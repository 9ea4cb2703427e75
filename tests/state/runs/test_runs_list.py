"""The Runs page's state: server-side filters, a UTC date range and "Load more"."""

from __future__ import annotations

from reflex.istate.data import RouterData

from agent_platform.state.runs import runs as runs_state
from agent_platform.state.runs.runs import RunsListState
from tests.services.runs.test_list_runs import _world


def _state(token: str) -> RunsListState:
    state = RunsListState(_reflex_internal_init=True)
    state.router = RouterData.from_router_data(
        {"headers": {"cookie": f"ap_session={token}"}, "pathname": "/runs", "asPath": "/runs"}
    )
    return state


def test_filters_dates_and_load_more(make_org, monkeypatch):
    monkeypatch.setattr(runs_state, "PAGE", 4)
    org = make_org("acme")
    # Ten runs a day apart from 2026-03-10: every third one failed.
    made = _world(org, [(0, "failed" if i % 3 == 0 else "succeeded", "api", i) for i in range(10)])
    state = _state(org["viewer"].token)
    RunsListState.load.fn(state)
    assert [r.id for r in state.rows] == [m[0] for m in reversed(made)][:4] and state.has_more
    RunsListState.load_more.fn(state)
    RunsListState.load_more.fn(state)
    assert [r.id for r in state.rows] == [m[0] for m in reversed(made)] and not state.has_more

    RunsListState.set_filter.fn(state, "status", "succeeded")
    RunsListState.set_filter.fn(state, "from", "2026-03-12")
    RunsListState.set_filter.fn(state, "to", "2026-03-17")  # inclusive: the whole 17th
    wanted = [m[0] for m in reversed(made[2:8]) if m[2] == "succeeded"]
    assert len(wanted) == 4 and [r.id for r in state.rows] == wanted
    assert state.filtered and not state.has_more
    RunsListState.set_filter.fn(state, "trigger", "webhook")
    assert state.rows == []

    # Refusals are toasts and change nothing.
    assert "after the end" in str(RunsListState.set_filter.fn(state, "from", "2026-03-18"))
    assert "not a date" in str(RunsListState.set_filter.fn(state, "to", "17/03/2026"))
    assert (state.date_from, state.date_to) == ("2026-03-12", "2026-03-17")
    RunsListState.clear_filters.fn(state)
    assert not state.filtered and len(state.rows) == 4 and state.has_more
