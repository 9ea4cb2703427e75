// The canvas's stylesheet (Radix Themes colour variables, so it follows light and dark).
export const CSS = `
.apf-root { position: relative; width: 100%; height: 100%; overflow: hidden; background: var(--gray-1); }
.apf-float { background: var(--color-panel-solid, var(--gray-1)); border: 1px solid var(--gray-5); border-radius: 10px; box-shadow: 0 4px 16px rgba(0,0,0,.08); }
.apf-palette { position: absolute; top: 12px; left: 12px; width: 200px; max-height: calc(100% - 84px); z-index: 5; display: flex; flex-direction: column; }
.apf-palette-head { display: flex; align-items: center; gap: 2px; padding: 8px 6px 4px 8px; }
.apf-palette-open { position: absolute; top: 12px; left: 12px; z-index: 5; display: inline-flex; align-items: center; gap: 6px; padding: 6px 12px; font-size: 13px; font-weight: 500; color: var(--gray-12); cursor: pointer; }
.apf-palette-open:hover, .apf-icon-btn:hover { background: var(--gray-3); }
.apf-icon-btn { display: inline-flex; align-items: center; justify-content: center; width: 26px; height: 26px; border: none; border-radius: 6px; background: transparent; color: var(--gray-11); cursor: pointer; flex-shrink: 0; }
.apf-search { flex: 1; display: flex; align-items: center; gap: 6px; padding: 4px 8px; border: 1px solid var(--gray-6); border-radius: 6px; background: var(--gray-1); color: var(--gray-10); }
.apf-search input { border: none; outline: none; background: transparent; width: 100%; font-size: 13px; color: var(--gray-12); }
.apf-groups { overflow-y: auto; padding: 0 8px 8px; }
.apf-cat { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--gray-10); margin: 10px 4px 4px; }
.apf-item { display: flex; align-items: center; gap: 8px; padding: 6px 8px; border-radius: 6px; font-size: 13px; cursor: grab; color: var(--gray-12); user-select: none; }
.apf-item:hover { background: var(--accent-3); }
.apf-empty { font-size: 12px; color: var(--gray-10); padding: 8px; }
.apf-canvas { position: absolute; inset: 0; }
.apf-icon { display: inline-flex; align-items: center; justify-content: center; width: 24px; height: 24px; border-radius: 6px; background: var(--accent-3); color: var(--accent-11); flex-shrink: 0; }
.apf-node { width: 210px; background: var(--color-panel-solid, var(--gray-1)); border: 1.5px solid var(--gray-7); border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.08); font-size: 12px; color: var(--gray-12); }
.apf-node.apf-selected { border-color: var(--accent-9); box-shadow: 0 0 0 3px var(--accent-4); }
.apf-head { display: flex; align-items: center; gap: 8px; padding: 8px 10px 2px; }
.apf-title { font-weight: 600; font-size: 13px; flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.apf-badge { background: var(--red-9); color: white; border-radius: 9999px; min-width: 18px; height: 18px; font-size: 11px; display: inline-flex; align-items: center; justify-content: center; padding: 0 5px; cursor: help; }
.apf-meta { display: flex; justify-content: space-between; padding: 0 10px; color: var(--gray-10); font-family: var(--code-font-family, monospace); font-size: 11px; }
.apf-status { font-family: var(--default-font-family, sans-serif); font-weight: 600; text-transform: uppercase; font-size: 10px; letter-spacing: .04em; }
.apf-summary { padding: 4px 10px 8px; color: var(--gray-11); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.apf-outs { border-top: 1px solid var(--gray-4); padding: 2px 0; }
.apf-out { position: relative; height: 20px; display: flex; justify-content: flex-end; align-items: center; padding-right: 12px; font-size: 11px; color: var(--gray-11); }
.apf-taken-label { color: var(--green-11); font-weight: 600; }
.apf-handle, .apf-in { width: 10px; height: 10px; background: var(--gray-1); border: 2px solid var(--accent-9); }
.apf-s-queued { border-style: dashed; border-color: var(--gray-8); }
.apf-s-queued .apf-status { color: var(--gray-10); }
.apf-s-running { border-color: var(--blue-9); box-shadow: 0 0 0 3px var(--blue-4); animation: apf-pulse 1s ease-in-out infinite; }
.apf-s-running .apf-status { color: var(--blue-11); }
.apf-s-succeeded { border-color: var(--green-9); background: var(--green-2); }
.apf-s-succeeded .apf-status { color: var(--green-11); }
.apf-s-failed { border-color: var(--red-9); background: var(--red-2); }
.apf-s-failed .apf-status { color: var(--red-11); }
.apf-s-paused { border-color: var(--amber-9); background: var(--amber-2); }
.apf-s-paused .apf-status { color: var(--amber-11); }
@keyframes apf-pulse { 50% { box-shadow: 0 0 0 6px var(--blue-3); } }
.react-flow__edge.apf-taken .react-flow__edge-path { stroke: var(--green-9); stroke-width: 2.5; }
.apf-note { width: 200px; background: #fff7c2; border: 1px solid #e9d66b; border-radius: 6px; box-shadow: 0 2px 6px rgba(0,0,0,.1); color: #3b3200; }
.apf-note-grip { font-size: 11px; padding: 4px 8px; cursor: grab; display: flex; gap: 4px; align-items: center; border-bottom: 1px solid #e9d66b; }
.apf-note textarea { width: 100%; min-height: 70px; border: none; background: transparent; resize: vertical; padding: 6px 8px; font-size: 12px; outline: none; color: inherit; }
.apf-tools { display: flex; align-items: center; gap: 2px; padding: 4px; }
.apf-tools button { display: inline-flex; gap: 4px; align-items: center; font-size: 12px; height: 28px; padding: 0 8px; border-radius: 6px; border: none; background: transparent; color: var(--gray-12); cursor: pointer; }
.apf-tools button:hover, .apf-tools button[aria-pressed="true"] { background: var(--gray-4); }
.apf-sep { width: 1px; height: 18px; background: var(--gray-5); margin: 0 4px; }
.apf-refusal { background: var(--amber-3); color: var(--amber-11); border: 1px solid var(--amber-7); padding: 6px 12px; border-radius: 8px; font-size: 13px; }
.apf-minimap { background: var(--gray-2); overflow: hidden; }
`;
