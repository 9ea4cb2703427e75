"""Templating: variables, native values, JSON mode, the sandbox."""

from __future__ import annotations

import pytest

from agent_platform.engine.protocols import PermanentError
from agent_platform.engine.templating import (
    referenced_roots,
    referenced_variables,
    render,
    render_json,
    render_value,
)

VARS = {"inputs": {"name": "Ada", "n": 3}, "llm_1": {"output": {"text": "hi", "list": [1, 2]}}}


def test_render_text_and_json_leaves():
    assert render("Hello {{inputs.name}}, {{llm_1.output.text}}", VARS) == "Hello Ada, hi"
    assert render("{{llm_1.output.list}}", VARS) == "[1, 2]"
    assert render("no markup", VARS) == "no markup"


def test_single_expression_keeps_type():
    assert render_value("{{ llm_1.output.list }}", VARS) == [1, 2]
    assert render_value("{{inputs.n}}", VARS) == 3
    assert render_value("n={{inputs.n}}", VARS) == "n=3"
    assert render_json({"a": ["{{inputs.n}}", "x {{inputs.name}}"], "b": 1}, VARS) == {
        "a": [3, "x Ada"],
        "b": 1,
    }


@pytest.mark.parametrize("template", ["{{ missing.output }}", "{{ llm_1.output.nope }}"])
def test_missing_variable_is_a_clear_permanent_error(template):
    with pytest.raises(PermanentError, match="not available"):
        render(template, VARS)
    with pytest.raises(PermanentError, match="not available"):
        render_value(template, VARS)


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ inputs.__class__ }}",
        "{% for c in ''.__class__.__mro__ %}{{c}}{% endfor %}",
        "{{ lipsum.__globals__ }}",
    ],
)
def test_sandbox_escape_is_inert(template):
    with pytest.raises(PermanentError):
        render(template, VARS)
    with pytest.raises(PermanentError):
        render_value(template, VARS)


def test_syntax_error():
    with pytest.raises(PermanentError, match="syntax"):
        render("{% if %}", VARS)


def test_referenced_variables():
    template = "{{ llm_1.output.text }} {{ inputs['q'] }} {% for x in http_1.output.json %}{{x}}{% endfor %}"  # noqa: E501
    assert referenced_variables(template) == ["llm_1.output.text", "inputs.q", "http_1.output.json"]
    assert referenced_roots(template) == {"llm_1", "inputs", "http_1"}
    assert referenced_variables("plain text") == []
