"""The builder canvas: ``@xyflow/react`` wrapped through a local JSX shim, plus its panels."""

from agent_platform.components.flow_canvas.canvas import FlowCanvas, flow_canvas

__all__ = ["FlowCanvas", "flow_canvas"]
