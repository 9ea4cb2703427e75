"""``set_variables``: named values for later nodes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent_platform.engine.nodes.set_variables import SetVariablesNode
from tests.engine.fakes import run_node


def test_single_expressions_keep_their_type():
    data = {"variables": {"items": "{{inputs.items}}", "line": "n={{inputs.items | length}}"}}
    result = run_node("set_variables", data, inputs={"items": [1, 2]})
    assert result.output == {"items": [1, 2], "line": "n=2"}


def test_names_must_be_identifiers():
    with pytest.raises(ValidationError, match="letters, digits"):
        SetVariablesNode.parse_config({"variables": {"not ok": "x"}})
