"""The runner: linear, branching, parallel/join, loop, retry, failure, cancel, pause, limits."""

from __future__ import annotations

import asyncio

import pytest

from agent_platform.engine.events import RecordingEventSink
from agent_platform.engine.hooks import RunnerHook
from agent_platform.engine.memory import InMemoryStepStore
from agent_platform.engine.nodes.base import Services
from agent_platform.engine.protocols import HttpResponse
from agent_platform.engine.runner import Runner
from agent_platform.engine.templating import TemplateLimits
from agent_platform.engine.validation import InvalidGraphError
from tests.engine.fakes import FakeApprovals, FakeHttp, FakeLLM, FlakyHttp, SlowHttp, load_fixture


def run(runner: Runner, inputs=None, **kwargs):
    return asyncio.run(runner.run(inputs or {}, **kwargs))


def test_linear_run_streams_tokens_and_counts_usage():
    llm, sink, store = (
        FakeLLM(["Hello Ada, nice to meet you"]),
        RecordingEventSink(),
        InMemoryStepStore(),
    )
    runner = Runner(
        load_fixture("linear.json"),
        services=Services(llm=llm),
        events=sink,
        step_store=store,
        token_batch_chars=8,
    )
    outcome = run(runner, {"name": "Ada"})
    assert outcome.status == "succeeded"
    assert outcome.output == "Hello Ada, nice to meet you"
    assert llm.requests[0].messages[-1].content == "Say hi to Ada"
    assert (outcome.input_tokens, outcome.output_tokens) == (10, 5)
    assert outcome.cost_usd == pytest.approx(0.001)
    tokens = [e.data["text"] for e in sink.events if e.type == "token"]
    assert 1 < len(tokens) < 6 and "".join(tokens).strip() == "Hello Ada, nice to meet you"
    assert sink.types()[-1] == "run_finished"
    assert store.keys("succeeded") == ["trigger_1", "llm_1", "output_1"]


def test_invalid_graph_is_refused():
    with pytest.raises(InvalidGraphError) as info:
        Runner(load_fixture("invalid.json"))
    assert info.value.problems


def test_missing_service_fails_with_not_configured():
    outcome = run(Runner(load_fixture("linear.json")), {"name": "x"})
    assert outcome.status == "failed"
    assert outcome.failed_step_key == "llm_1"
    assert "not configured" in outcome.error


@pytest.mark.parametrize(("score", "expected"), [(80, "high 80"), (10, "low 10")])
def test_if_else_follows_one_branch_and_skips_the_other(score, expected):
    store = InMemoryStepStore()
    outcome = run(Runner(load_fixture("branching.json"), step_store=store), {"score": score})
    assert outcome.output == expected
    skipped = "low" if score > 50 else "high"
    assert store.keys("skipped") == [skipped]
    assert skipped not in store.keys("started")


@pytest.mark.parametrize(
    ("message", "branch"),
    [("hello there", "t_greeting"), ("ok bye", "t_bye"), ("ciao", "t_bye"), ("what", "t_default")],
)
def test_switch_and_join_all_with_skipped_branches(message, branch):
    outcome = run(Runner(load_fixture("switch.json")), {"message": message})
    assert outcome.status == "succeeded"
    assert outcome.output == {branch: branch.removeprefix("t_")}


def test_parallel_branches_run_concurrently_and_join_all_waits():
    class Timed(FakeHttp):
        async def request(self, request):
            await asyncio.sleep(0.1)
            return await super().request(request)

    http = Timed()
    outcome = run(Runner(load_fixture("parallel_join.json"), services=Services(http=http)))
    assert outcome.status == "succeeded"
    assert set(outcome.output) == {"http_a", "http_b"}
    assert outcome.duration_ms < 190  # two 100 ms calls overlapped


@pytest.mark.parametrize("mode", ["any", "first"])
def test_join_any_and_first_fire_on_first_branch(mode):
    doc = load_fixture("parallel_join.json")
    doc["nodes"][4]["data"]["mode"] = mode
    store = InMemoryStepStore()
    http = SlowHttp(delay=2.0 if mode == "first" else 0.2)
    runner = Runner(doc, services=Services(http=http), step_store=store, time_limit_s=10)
    outcome = run(runner)
    assert outcome.status == "succeeded"
    assert set(outcome.output) == {"http_a"}
    if mode == "first":
        assert "http_b" in store.keys("skipped")  # cancelled, not waited for
        assert outcome.duration_ms < 1000
    else:
        assert "http_b" in store.keys("succeeded")  # any: the other branch still finished


def test_loop_runs_body_per_item_with_step_keys():
    http, store = FakeHttp(), InMemoryStepStore()
    runner = Runner(load_fixture("loop.json"), services=Services(http=http), step_store=store)
    outcome = run(runner, {"items": ["a", "b", "c"]})
    assert outcome.status == "succeeded"
    assert outcome.output == ["0:200", "1:200", "2:200"]
    assert [r.url for r in http.requests] == [f"https://api.example.com/items/{x}" for x in "abc"]
    assert "loop_1[2]/http_1" in store.keys("succeeded")


def test_loop_limit_and_empty_list():
    runner = Runner(load_fixture("loop.json"), services=Services(http=FakeHttp()))
    too_many = run(runner, {"items": list(range(6))})
    assert too_many.status == "failed" and "limit of 5" in too_many.error
    assert run(runner, {"items": []}).output == []


def test_transient_errors_are_retried_with_attempts_counted():
    http, store = FlakyHttp(failures=2), InMemoryStepStore()
    sink = RecordingEventSink()
    runner = Runner(
        load_fixture("http.json"), services=Services(http=http), step_store=store, events=sink
    )
    outcome = run(runner, {"name": "x"})
    assert outcome.status == "succeeded"
    assert outcome.output == {"status": 200}
    assert http.calls == 3
    assert store.keys("started").count("http_1") == 3
    assert sink.types().count("step_retrying") == 2


def test_transient_errors_give_up_after_max_attempts():
    http = FlakyHttp(failures=5)
    outcome = run(Runner(load_fixture("http.json"), services=Services(http=http)), {"name": "x"})
    assert outcome.status == "failed" and "503" in outcome.error
    assert http.calls == 3


def test_permanent_errors_are_not_retried():
    http = FakeHttp(lambda request: HttpResponse(404, {}, "no such thing"))
    outcome = run(Runner(load_fixture("http.json"), services=Services(http=http)), {"name": "x"})
    assert outcome.status == "failed"
    assert outcome.failed_step_key == "http_1"
    assert "404" in outcome.error
    assert http.calls == 1


def test_cancellation_is_checked_between_steps():
    store = InMemoryStepStore()

    class CancelAfterLLM(RunnerHook):
        async def after_step(self, step, result, error):
            if step.node_id == "llm_1":
                store.cancelled = True

    runner = Runner(
        load_fixture("linear.json"),
        services=Services(llm=FakeLLM()),
        step_store=store,
        hooks=[CancelAfterLLM()],
    )
    outcome = run(runner, {"name": "x"})
    assert outcome.status == "cancelled"
    assert "output_1" not in store.keys("started")


def test_time_limit_stops_the_run():
    doc = load_fixture("http.json")
    doc["nodes"][1]["data"]["url"] = "https://api.example.com/slow"
    runner = Runner(doc, services=Services(http=SlowHttp()), time_limit_s=0.2)
    outcome = run(runner, {"name": "x"})
    assert outcome.status == "failed"
    assert "time limit of 0.2 seconds" in outcome.error
    assert outcome.duration_ms < 1000


def test_pause_and_resume_replays_without_repeating_side_effects():
    http, approvals, store = FakeHttp(), FakeApprovals(), InMemoryStepStore()
    sink = RecordingEventSink()
    runner = Runner(
        load_fixture("approval.json"),
        services=Services(http=http, approvals=approvals),
        step_store=store,
        events=sink,
    )
    first = run(runner)
    assert first.status == "paused"
    assert first.waiting_step_keys == ("approval_1",)
    assert approvals.requests["approval_1"]["message"] == "Draft 200"
    assert "waiting_approval" in sink.types()
    assert run(runner).status == "paused"  # redelivered before a decision: still waiting
    approvals.decide("approval_1", "approved")
    resumed = run(runner)
    assert resumed.status == "succeeded"
    assert resumed.output == "approved after 200"
    assert http.calls == 1  # the POST ran once across pause and both resumes


def test_rejection_follows_rejected_branch():
    approvals = FakeApprovals()
    approvals.decide("approval_1", "rejected")
    runner = Runner(
        load_fixture("approval.json"), services=Services(http=FakeHttp(), approvals=approvals)
    )
    assert run(runner).output == "rejected"


class Budget(RunnerHook):
    """A limit layer: fails any step once the budget is spent."""

    def __init__(self, max_usd: float) -> None:
        self.max_usd, self.spent, self.steps = max_usd, 0.0, []

    async def before_step(self, step):
        from agent_platform.engine.protocols import PermanentError

        if self.spent >= self.max_usd:
            raise PermanentError("Budget exhausted")

    async def after_step(self, step, result, error):
        self.steps.append(step.step_key)
        if result is not None:
            self.spent += result.cost_usd


def test_hooks_can_meter_and_limit():
    hook = Budget(max_usd=0.0005)
    runner = Runner(load_fixture("linear.json"), services=Services(llm=FakeLLM()), hooks=[hook])
    outcome = run(runner, {"name": "x"})
    assert outcome.status == "failed" and "Budget" in outcome.error
    assert outcome.failed_step_key == "output_1"
    assert hook.steps == ["trigger_1", "llm_1", "output_1"]


def test_trigger_selection_and_required_inputs():
    doc = load_fixture("linear.json")
    doc["nodes"][0]["data"]["input_fields"] = [{"name": "name", "required": True}]
    runner = Runner(doc, services=Services(llm=FakeLLM()))
    outcome = run(runner, {})
    assert outcome.status == "failed" and "name" in outcome.error
    assert run(runner, {"name": "x"}, trigger_id="trigger_1").status == "succeeded"


def test_approval_inside_loop_body_pauses_per_iteration():
    doc = load_fixture("loop.json")
    doc["nodes"].append(
        {"id": "approval_1", "type": "approval", "data": {"approvers": {"role": "admin"}}}
    )
    doc["edges"] = [e for e in doc["edges"] if e["source"] != "http_1"]
    doc["edges"] += [
        {"id": "a1", "source": "http_1", "target": "approval_1"},
        {"id": "a2", "source": "approval_1", "sourceHandle": "approved", "target": "tpl_1"},
    ]
    http, approvals = FakeHttp(), FakeApprovals()
    runner = Runner(doc, services=Services(http=http, approvals=approvals))
    inputs = {"items": ["a", "b"]}
    assert run(runner, inputs).waiting_step_keys == ("loop_1[0]/approval_1",)
    assert list(approvals.requests) == ["loop_1[0]/approval_1"]
    approvals.decide("loop_1[0]/approval_1")
    assert run(runner, inputs).status == "paused"
    approvals.decide("loop_1[1]/approval_1")
    outcome = run(runner, inputs)
    assert outcome.status == "succeeded"
    assert outcome.output == ["0:200", "1:200"]
    assert http.calls == 2  # one per item, none repeated by the resumes


def _template_graph(template: str) -> dict:
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "api"}},
            {"id": "tpl", "type": "template", "data": {"template": template}},
            {"id": "output_1", "type": "output", "data": {"value": "{{ tpl.output }}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "tpl"},
            {"id": "e2", "source": "tpl", "target": "output_1"},
        ],
    }


def test_template_limits_reach_the_steps():
    limits = TemplateLimits(max_string_size=100)
    graph = _template_graph("{{ inputs.s * inputs.n }}")
    outcome = run(Runner(graph, template_limits=limits), {"s": "ab", "n": 60})
    assert outcome.status == "failed" and outcome.failed_step_key == "tpl"
    assert "over the limit of 100" in outcome.error
    assert run(Runner(graph), {"s": "ab", "n": 60}).output == "ab" * 60
    with pytest.raises(InvalidGraphError, match="limit"):
        Runner(_template_graph("{{ 'x' * 101 }}"), template_limits=limits)
