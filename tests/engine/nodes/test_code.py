"""``code``: checked with ``ast.parse`` only, run only in the sandbox."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent_platform.engine.nodes.base import Services
from agent_platform.engine.nodes.code import CodeNode
from tests.engine.fakes import FakeCode, run_node


def test_runs_in_the_sandbox_with_rendered_inputs_and_logs_stdout():
    code = FakeCode()
    data = {"code": "def main(x):\n    return x\n", "inputs": {"x": "{{inputs.n}}"}}
    result = run_node("code", data, services=Services(code=code), inputs={"n": 4})
    assert code.calls == [{"x": 4}]
    assert result.output == {"inputs": {"x": 4}, "code_chars": 26} and result.logs == ["ran"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "def main(:\n"}, "syntax error on line 1"),
        ({"code": "x = 1\n"}, "must define a top-level function main"),
        ({"inputs": {"not-a-name": "1"}}, "valid Python names"),
    ],
)
def test_config_is_checked_without_running_anything(data, message):
    with pytest.raises(ValidationError, match=message):
        CodeNode.parse_config(data)


def test_the_code_is_not_a_template_and_gets_a_code_widget():
    assert "code" in CodeNode.non_template_fields
    assert CodeNode.field_widgets == {"code": "code"}
