// The builder canvas: a thin shim over @xyflow/react 12.10.0.
//
// Panning, zooming, dragging and selecting stay in the browser. Python receives only committed
// changes (node added, nodes moved at drag stop, items deleted, edge connected, note edited,
// selection settled) and answers with a new `revision` of the nodes and edges it renders.
//
// Nothing here knows a node type: each node's data carries its type's facts from the registry
// (icon name, handles, hasInput, multiInput, repeatsBody, summary), and the `icons` prop maps
// the registry's icon names to rendered icons.
//
// The canvas is the page: the palette floats over its left edge (collapsible), the host may
// float its own panel over the right edge (`insetRight` px), and fitting the view keeps the
// graph clear of both and never zooms out below MIN_FIT_ZOOM, where titles stop being legible.
import React, {
  createContext,
  memo,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import {
  Background,
  Handle,
  MiniMap,
  Panel,
  Position,
  ReactFlow,
  ReactFlowProvider,
  getViewportForBounds,
  useEdgesState,
  useNodesInitialized,
  useNodesState,
  useReactFlow,
} from "@xyflow/react";
import { ClipboardPaste, Map as MapIcon, Maximize, Minus, Plus, StickyNote } from "lucide-react";
import { IconContext, Palette, TypeIcon } from "./Palette.jsx";
import { CSS } from "./styles.js";

const CLIPBOARD_KEY = "ap-flow-clipboard";
const MIN_FIT_ZOOM = 0.75;
const PALETTE_SPACE = 224; // the open palette's width plus its margins
const FIT_PAD = { top: 32, bottom: 72, side: 32 }; // px around a fitted graph (tools at the bottom)
const RunContext = createContext({ status: {}, handles: {} });
const ApiContext = createContext({});

const StepNode = memo(function StepNode({ id, data, selected }) {
  const run = useContext(RunContext);
  const status = run.status[id] || "";
  const problems = data.problems || [];
  const outs = data.handles || [];
  return (
    <div
      className={`apf-node apf-s-${status || "idle"}${selected ? " apf-selected" : ""}`}
      data-testid={`node-${id}`}
      data-status={status}
    >
      {data.hasInput && <Handle type="target" position={Position.Left} className="apf-in" />}
      <div className="apf-head">
        <span className="apf-icon"><TypeIcon name={data.icon} size={15} /></span>
        <span className="apf-title">{data.title}</span>
        {problems.length > 0 && (
          <span className="apf-badge" title={problems.join("\n")} data-testid={`problems-${id}`}>
            {problems.length}
          </span>
        )}
      </div>
      <div className="apf-meta">
        <span>{id}</span>
        {status && <span className="apf-status">{status}</span>}
      </div>
      {data.summary && <div className="apf-summary" title={data.summary}>{data.summary}</div>}
      {outs.length === 1 && (
        <Handle
          type="source"
          id={outs[0].id}
          position={Position.Right}
          className="apf-handle"
          data-testid={`handle-${id}-${outs[0].id}`}
        />
      )}
      {outs.length > 1 && (
        <div className="apf-outs">
          {outs.map((h) => (
            <div className="apf-out" key={h.id}>
              <span className={run.handles[id] === h.id ? "apf-taken-label" : ""}>
                {h.label}
              </span>
              <Handle
                type="source"
                id={h.id}
                position={Position.Right}
                className="apf-handle"
                data-testid={`handle-${id}-${h.id}`}
              />
            </div>
          ))}
        </div>
      )}
    </div>
  );
});

const NoteNode = memo(function NoteNode({ id, data }) {
  const api = useContext(ApiContext);
  const [text, setText] = useState(data.text || "");
  useEffect(() => setText(data.text || ""), [data.text]);
  return (
    <div className="apf-note" data-testid={`note-${id}`}>
      <div className="apf-note-grip"><StickyNote size={12} /> Note</div>
      <textarea
        className="nodrag nowheel"
        value={text}
        readOnly={api.readOnly}
        placeholder="Write a note…"
        onChange={(e) => setText(e.target.value)}
        onBlur={() => text !== (data.text || "") && api.call("onEditNote", { id, text })}
      />
    </div>
  );
});

const NODE_TYPES = { step: StepNode, note: NoteNode };

// An instant refusal from facts Python sends per node (hasInput, multiInput); no traversal here.
// Python (services.agents.draft, on the engine's rules) decides, cycles included.
function refusal(conn, nodes, edges) {
  if (conn.source === conn.target) return "A step cannot connect to itself.";
  const target = nodes.find((n) => n.id === conn.target);
  if (!target || target.type !== "step") return "Connect two steps.";
  if (!target.data.hasInput) return "A trigger starts the run, so nothing can connect into it.";
  const handle = conn.sourceHandle || null;
  if (edges.some((e) => e.source === conn.source && e.target === conn.target &&
      (e.sourceHandle || null) === handle)) return "These steps are already connected.";
  if (!target.data.multiInput && edges.some((e) => e.target === conn.target))
    return "This step already has an input; use a Join step to merge branches.";
  return "";
}

async function readClipboard() {
  try {
    const text = await navigator.clipboard.readText();
    if (text && text.includes("agent_platform_graph")) return text;
  } catch (e) {
    // No clipboard permission (e.g. headless): fall back to the copy kept in localStorage.
  }
  return window.localStorage.getItem(CLIPBOARD_KEY) || "";
}

function Inner(props) {
  const rf = useReactFlow();
  const wrapper = useRef(null);
  const [nodes, setNodes, onNodesChange] = useNodesState([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState([]);
  const [message, setMessage] = useState("");
  const selected = useRef([]);
  const lastSent = useRef("");
  const timer = useRef(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const ro = !!props.readOnly;
  const call = useCallback((name, payload) => {
    const fn = propsRef.current[name];
    if (fn) fn(payload);
  }, []);
  const [paletteOpen, setPaletteOpen] = useState(true);
  const [showMap, setShowMap] = useState(false);
  // The screen space floating panels cover, in px: the palette on the left, the host's right.
  const covered = useRef({ left: 0, right: 0 });
  covered.current = { left: !ro && paletteOpen ? PALETTE_SPACE : 0, right: props.insetRight || 0 };
  // Fit the graph into the uncovered part of the canvas, never below MIN_FIT_ZOOM. A graph too
  // big for that shows where it starts (its left and top edges) instead of its middle.
  const fitGraph = useCallback((duration = 0) => {
    const all = rf.getNodes();
    if (!all.length || !wrapper.current) return;
    const { width, height } = wrapper.current.getBoundingClientRect();
    const pad = { top: FIT_PAD.top, bottom: FIT_PAD.bottom,
      left: covered.current.left + FIT_PAD.side, right: covered.current.right + FIT_PAD.side };
    const px = (n) => `${n}px`;
    const bounds = rf.getNodesBounds(all);
    const view = getViewportForBounds(bounds, width, height, MIN_FIT_ZOOM, 1,
      { top: px(pad.top), bottom: px(pad.bottom), left: px(pad.left), right: px(pad.right) });
    if (bounds.width * view.zoom > width - pad.left - pad.right) view.x = pad.left - bounds.x * view.zoom;
    if (bounds.height * view.zoom > height - pad.top - pad.bottom) view.y = pad.top - bounds.y * view.zoom;
    rf.setViewport(view, { duration });
  }, [rf]);

  const fitted = useRef(false);
  const measured = useNodesInitialized();
  useEffect(() => {
    // Fit the graph once, when the first document has been drawn; later edits keep the viewport.
    if (fitted.current || !props.revision) return;
    if (!(props.nodes || []).length) {
      fitted.current = true;
      return;
    }
    if (!measured) return;
    fitted.current = true;
    fitGraph();
  }, [props.revision, measured]);

  useEffect(() => {
    const keep = new Set(selected.current);
    setNodes((props.nodes || []).map((n) => ({ ...n, selected: keep.has(n.id), draggable: !ro,
      deletable: !ro, ...(n.type === "note" ? { dragHandle: ".apf-note-grip" } : {}) })));
    setEdges((props.edges || []).map((e) => ({ ...e, deletable: !ro })));
  }, [props.revision, ro]);

  useEffect(() => {
    const id = props.focusId;
    if (!id) return;
    selected.current = [id];
    lastSent.current = id;
    setNodes((ns) => ns.map((n) => (n.selected === (n.id === id) ? n : { ...n, selected: n.id === id })));
    const node = rf.getNode(id);
    if (node && props.focusTick) {
      // Centre it in the part of the canvas no panel covers.
      const zoom = rf.getZoom();
      const shift = (covered.current.left - covered.current.right) / 2 / zoom;
      rf.setCenter(node.position.x + 100 - shift, node.position.y + 40, { zoom, duration: 250 });
    }
  }, [props.focusId, props.focusTick]);

  useEffect(() => {
    if (props.fitTick) window.setTimeout(() => fitGraph(200), 60);
  }, [props.fitTick]);

  const say = useCallback((text) => {
    setMessage(text);
    window.clearTimeout(say.timer);
    say.timer = window.setTimeout(() => setMessage(""), 4000);
  }, []);

  const center = useCallback(() => {
    const box = wrapper.current.getBoundingClientRect();
    const { left, right } = covered.current;
    const x = box.left + left + (box.width - left - right) / 2;
    const at = rf.screenToFlowPosition({ x, y: box.top + box.height / 2 });
    // The middle of the view, moved down past any node already there.
    const near = (p) => nodes.some((n) => Math.abs(n.position.x - p.x) < 220 && Math.abs(n.position.y - p.y) < 110);
    let spot = { x: at.x - 100, y: at.y - 40 };
    for (let i = 0; i < 12 && near(spot); i += 1) spot = { x: spot.x, y: spot.y + 128 };
    return spot;
  }, [rf, nodes]);

  const onSelectionChange = useCallback(({ nodes: chosen }) => {
    const ids = chosen.map((n) => n.id);
    selected.current = ids;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      const key = ids.join(",");
      if (key !== lastSent.current) {
        lastSent.current = key;
        call("onSelect", ids);
      }
    }, 120);
  }, [call]);

  const onConnect = useCallback((conn) => {
    const why = refusal(conn, nodes, edges);
    if (why) return say(why);
    const id = `pending_${conn.source}_${conn.target}`;
    setEdges((es) => [...es, { id, source: conn.source, target: conn.target, sourceHandle: conn.sourceHandle }]);
    call("onConnect", { source: conn.source, sourceHandle: conn.sourceHandle || null, target: conn.target });
  }, [nodes, edges, call, say]);

  const onDrop = useCallback((event) => {
    event.preventDefault();
    const type = event.dataTransfer.getData("application/ap-node");
    if (!type || ro) return;
    const at = rf.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    call("onAdd", { type, x: at.x - 100, y: at.y - 30 });
  }, [rf, call, ro]);

  const paste = useCallback(async () => {
    const text = await readClipboard();
    if (text) call("onPaste", text);
    else say("The clipboard holds no steps.");
  }, [call, say]);

  useEffect(() => {
    if (ro) return undefined;
    const onKey = (e) => {
      const tag = (e.target && e.target.tagName) || "";
      if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || (e.target && e.target.isContentEditable)) return;
      if (!wrapper.current || !wrapper.current.isConnected) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "z" && !e.shiftKey) { e.preventDefault(); call("onUndo", null); }
      else if (mod && (key === "y" || (key === "z" && e.shiftKey))) { e.preventDefault(); call("onRedo", null); }
      else if (mod && key === "c") { call("onCopy", selected.current); }
      else if (mod && key === "v") { e.preventDefault(); paste(); }
      else if (mod && key === "d") { e.preventDefault(); call("onDuplicate", selected.current); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [ro, call, paste]);

  const run = useMemo(() => ({ status: props.status || {}, handles: props.taken || {} }), [props.status, props.taken]);
  const api = useMemo(() => ({ call, readOnly: ro }), [call, ro]);
  // The page rebuilds the `icons` object on every render: keep one value per set of names so
  // the memoised nodes do not all re-render for it.
  const iconNames = Object.keys(props.icons || {}).join(" ");
  const icons = useMemo(() => props.icons || {}, [iconNames]);
  const shownEdges = useMemo(() => edges.map((e) => {
    const done = run.status[e.source] === "succeeded" && run.status[e.target];
    const handle = run.handles[e.source];
    const taken = done && (!handle || !e.sourceHandle || e.sourceHandle === handle);
    return taken ? { ...e, className: "apf-taken", animated: run.status[e.target] === "running" } : e;
  }), [edges, run]);

  return (
    <ApiContext.Provider value={api}>
      <IconContext.Provider value={icons}>
        <RunContext.Provider value={run}>
          <div className="apf-root">
            <div className="apf-canvas" ref={wrapper} data-testid="canvas" data-revision={props.revision} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }} onDrop={onDrop}>
              <ReactFlow
                nodes={nodes}
                edges={shownEdges}
                nodeTypes={NODE_TYPES}
                onNodesChange={onNodesChange}
                onEdgesChange={onEdgesChange}
                onNodeDragStop={(_, __, dragged) => call("onMove", dragged.map((n) => ({ id: n.id, x: n.position.x, y: n.position.y })))}
                onDelete={({ nodes: gone, edges: cut }) => call("onDelete", { nodes: gone.map((n) => n.id), edges: cut.map((e) => e.id) })}
                onConnect={onConnect}
                onSelectionChange={onSelectionChange}
                nodesDraggable={!ro}
                nodesConnectable={!ro}
                deleteKeyCode={ro ? null : ["Delete", "Backspace"]}
                multiSelectionKeyCode={["Shift", "Meta", "Control"]}
                minZoom={0.1}
                snapToGrid
                snapGrid={[16, 16]}
                proOptions={{ hideAttribution: true }}
              >
                <Background gap={16} size={1} />
                <Panel position="bottom-center" className="apf-tools apf-float" data-testid="canvas-tools">
                  <button type="button" onClick={() => rf.zoomOut({ duration: 150 })} title="Zoom out" aria-label="Zoom out"><Minus size={14} /></button>
                  <button type="button" onClick={() => rf.zoomIn({ duration: 150 })} title="Zoom in" aria-label="Zoom in"><Plus size={14} /></button>
                  <button type="button" onClick={() => fitGraph(200)} title="Fit view" aria-label="Fit view" data-testid="fit-view"><Maximize size={14} /></button>
                  <button type="button" onClick={() => setShowMap((v) => !v)} title={showMap ? "Hide the minimap" : "Show a minimap"} aria-label="Minimap" aria-pressed={showMap} data-testid="minimap-toggle"><MapIcon size={14} /></button>
                  {!ro && <span className="apf-sep" />}
                  {!ro && <button type="button" onClick={() => call("onAddNote", center())} title="Add a sticky note"><StickyNote size={14} /> Note</button>}
                  {!ro && <button type="button" onClick={paste} title="Paste steps (Ctrl+V)"><ClipboardPaste size={14} /> Paste</button>}
                </Panel>
                {showMap && (
                  <MiniMap pannable zoomable className="apf-minimap apf-float"
                    style={{ width: 168, height: 112, right: covered.current.right }} />
                )}
                {message && <Panel position="top-center" className="apf-refusal" data-testid="refusal">{message}</Panel>}
              </ReactFlow>
            </div>
            {!ro && (
              <Palette items={props.palette || []} open={paletteOpen} setOpen={setPaletteOpen}
                onAdd={(type) => call("onAdd", { type, ...center() })} />
            )}
          </div>
          <style>{CSS}</style>
        </RunContext.Provider>
      </IconContext.Provider>
    </ApiContext.Provider>
  );
}

export function FlowCanvas(props) {
  return (
    <ReactFlowProvider>
      <Inner {...props} />
    </ReactFlowProvider>
  );
}
