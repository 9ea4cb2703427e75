"""The canvas shim knows no node type: icons and per-type facts come from the registry."""

from __future__ import annotations

import re

from reflex_components_lucide.icon import LUCIDE_ICON_LIST

from agent_platform.components.flow_canvas.canvas import flow_canvas, type_icons
from agent_platform.engine.registry import node_types_schema, registered_types
from tests.conftest import ROOT

SHIM = ROOT / "assets" / "flow"  # Canvas.jsx and the modules it imports


def test_every_registered_icon_is_a_lucide_icon_passed_to_the_canvas():
    names = {entry["icon"] for entry in node_types_schema()}
    assert set(type_icons()) == names
    assert {name for name in names if name.replace("-", "_") not in LUCIDE_ICON_LIST} == set()
    rendered = str(flow_canvas(nodes=[], edges=[], revision=0, palette=[]))
    assert all(f'["{name}"]' in rendered for name in names)


def test_the_shim_names_no_node_type():
    source = "\n".join(f.read_text() for f in sorted(SHIM.glob("*.js*")))
    assert "Canvas.jsx" in {f.name for f in SHIM.glob("*.js*")}
    quoted = {t for t in registered_types() if re.search(rf"[\"'`]{t}[\"'`]", source)}
    assert quoted == set()
    assert "ICONS" not in source and ".kind" not in source
