"""Template bombs, as an attacker sends them: publish must answer 422, a run must fail cleanly.

Each bomb would allocate gigabytes or run for hours if Jinja evaluated it unbounded (at compile
time through constant folding, or at render time). From a fresh sign-up the attacker publishes
a graph holding the bomb; the app lists a ``template_limit`` problem, keeps answering and its
memory stays flat. Bombs built from run inputs fail their step on a real worker, which then
serves the next run.
"""

from __future__ import annotations

import psutil
import pytest

from tests.services.runtime.conftest import V1, execute, steps, wait_status

#: How much the test process (the app and the in-process worker) may grow per bomb.
MAX_RSS_GROWTH = 100 * 1024 * 1024

# Each is refused at publish: the compile-time check evaluates literal sub-expressions through
# the same bounded operations a render uses.
PUBLISH_BOMBS = {
    # Jinja's ``**`` is left-associative: ``9**9**9`` is ``(9**9)**9``, a 257-bit number.
    "huge power": "{{ 9**999999999 }}",
    "power tower": "{{ 9**9**9**9**9 }}",
    "string repetition": "{{ 'x' * 10**10 }}",
    "list repetition": "{{ [0] * 10**10 }}",
    "big multiplication": "{{ (10**1000) * (10**1000) * (10**1000) * (10**1000) * (10**1000) }}",
    "repetition in text": "a{{ 'ab' * 10**9 }}b",
    "repetition in a set": "{% set s = 'x' * 10**10 %}{{ s }}",
    "repetition in a loop": "{% for c in 'x' * 10**10 %}{{ c }}{% endfor %}",
    "huge range": "{% for i in range(10**10) %}{{ i }}{% endfor %}",
    "percent width": "{{ '%999999999s' % 'x' }}",
    "percent star width": "{{ '%*s' % (10**9, 'x') }}",
    "format filter width": "{{ '%999999999d'|format(1) }}",
    "str.format width": "{{ '{:>999999999}'.format('x') }}",
    "str.format precision": "{{ '{:.999999999f}'.format(1.5) }}",
    "center filter": "{{ 'x'|center(10**9) }}",
    "indent filter": "{{ 'a\nb'|indent(10**9) }}",
    "ljust method": "{{ 'x'.ljust(10**9) }}",
    "int to_bytes": "{{ (1).to_bytes(10**9, 'big') }}",
    "replace amplification": "{{ ('x' * 1000)|replace('', 'y' * 100000) }}",
    "join of a huge generator": "{{ range(100000)|join('x' * 100000) }}",
    "join of repeated list": "{{ (['y' * 1000] * 100000)|join }}",
    "concatenation": "{{ ('x' * 900000) ~ ('y' * 900000) }}",
    "sum of lists": "{{ [[0] * 90000, [0] * 90000]|sum(start=[]) }}",
    "lipsum": "{{ lipsum(10**6) }}",
    "round with huge precision": "{{ 5|round(-10**9, 'ceil') }}",
    "batch padding": "{{ [1]|batch(10**9, 0)|list }}",
}


def _sign_up(client) -> dict[str, str]:
    body = {
        "email": "mallory@example.com",
        "password": "a long enough password",
        "name": "Mallory",
        "org_name": "Mallory Inc",
    }
    resp = client.post(f"{V1}/auth/signup", json=body)
    assert resp.status_code == 201, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def _graph(template: str) -> dict:
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "api"}},
            {"id": "tpl", "type": "template", "data": {"template": template}},
            {"id": "output_1", "type": "output", "data": {"value": "{{tpl.output}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "tpl"},
            {"id": "e2", "source": "tpl", "target": "output_1"},
        ],
    }


def _create_agent(client, headers: dict[str, str]) -> str:
    resp = client.post(f"{V1}/agents", json={"name": "Bomb"}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _rss() -> int:
    return psutil.Process().memory_info().rss


@pytest.mark.parametrize("template", PUBLISH_BOMBS.values(), ids=PUBLISH_BOMBS.keys())
def test_publishing_a_bomb_is_a_422_problem_and_the_app_survives(client, template):
    headers = _sign_up(client)
    agent_id = _create_agent(client, headers)
    before = _rss()
    resp = client.post(
        f"{V1}/agents/{agent_id}/publish", json={"definition": _graph(template)}, headers=headers
    )
    assert _rss() - before < MAX_RSS_GROWTH
    assert resp.status_code == 422, resp.text
    problems = resp.json()["error"]["details"]["problems"]
    limit_problems = [p for p in problems if p["code"] == "template_limit"]
    assert limit_problems, problems
    assert limit_problems[0]["node_id"] == "tpl"
    assert "limit" in limit_problems[0]["message"]
    assert client.get(f"{V1}/agents", headers=headers).status_code == 200


def test_saving_a_bomb_as_draft_then_publishing_it_is_a_422(client):
    headers = _sign_up(client)
    agent_id = _create_agent(client, headers)
    draft = {"draft_definition": _graph("{{ 9**999999999 }}")}
    assert client.put(f"{V1}/agents/{agent_id}", json=draft, headers=headers).status_code == 200
    resp = client.post(f"{V1}/agents/{agent_id}/publish", json={}, headers=headers)
    assert resp.status_code == 422, resp.text
    test_run = client.post(f"{V1}/agents/{agent_id}/test", json={"inputs": {}}, headers=headers)
    assert test_run.status_code == 422, test_run.text


def test_an_oversized_template_is_refused(client):
    headers = _sign_up(client)
    agent_id = _create_agent(client, headers)
    template = "{{ inputs.x }}" + "y" * 200_000
    resp = client.post(
        f"{V1}/agents/{agent_id}/publish", json={"definition": _graph(template)}, headers=headers
    )
    assert resp.status_code == 422, resp.text
    codes = {p["code"] for p in resp.json()["error"]["details"]["problems"]}
    assert "template_limit" in codes


# Built from run inputs, so only a render can see them; the worker must fail the step.
RUN_BOMBS = {
    "repetition": ("{{ inputs.s * inputs.n }}", {"s": "x", "n": 10**9}),
    "power": ("{{ inputs.n ** inputs.n }}", {"n": 10**6}),
    "width": ("{{ inputs.s|center(inputs.n) }}", {"s": "x", "n": 10**9}),
    "format width": ("{{ ('%' ~ inputs.n ~ 's')|format('x') }}", {"n": 10**9}),
    "join": ("{{ range(inputs.n)|join(inputs.s * 100000) }}", {"s": "x", "n": 100000}),
    "output size": (
        "{% for i in range(inputs.n) %}{{ inputs.s * 1000 }}{% endfor %}",
        {"s": "x", "n": 100000},
    ),
    "accumulation": (
        "{% set ns = namespace(l=[]) %}{% for i in range(inputs.n) %}"
        "{% set ns.l = ns.l + [inputs.s * 900000] %}{% endfor %}{{ ns.l|length }}",
        {"s": "x", "n": 100000},
    ),
    "nested loops": (
        "{% for a in range(inputs.n) %}{% for b in range(inputs.n) %}{% endfor %}{% endfor %}",
        {"n": 100000},
    ),
    "references": ("{{ [inputs.s] * 100000 }}", {"s": "x" * 100000}),
}


@pytest.mark.parametrize("template, inputs", RUN_BOMBS.values(), ids=RUN_BOMBS.keys())
def test_a_bomb_from_inputs_fails_its_step_and_the_worker_keeps_serving(
    client, org, worker, runtime_env, template, inputs
):
    headers = org["editor"].headers
    agent_id = _create_agent(client, headers)
    resp = client.post(
        f"{V1}/agents/{agent_id}/publish", json={"definition": _graph(template)}, headers=headers
    )
    assert resp.status_code == 201, resp.text
    before = _rss()
    run_id = execute(client, headers, agent_id, inputs)
    run = wait_status(client, headers, run_id, {"succeeded", "failed"}, timeout=60)
    assert _rss() - before < MAX_RSS_GROWTH
    assert run["status"] == "failed", run
    step = steps(client, headers, run_id)["tpl"]
    assert step["status"] == "failed"
    assert "limit" in step["error"] and "MemoryError" not in step["error"], step["error"]

    fine = _create_agent(client, headers)
    resp = client.post(
        f"{V1}/agents/{fine}/publish",
        json={"definition": _graph("hello {{ inputs.name }}")},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    ok = wait_status(
        client, headers, execute(client, headers, fine, {"name": "Ada"}), {"succeeded", "failed"}
    )
    assert ok["status"] == "succeeded" and ok["output"] == "hello Ada", ok
