// The builder's step palette: floats over the canvas's left edge, searchable, collapsible.
// Items are the registry's palette entries; icons come through IconContext (Canvas.jsx).
import React, { cloneElement, createContext, useContext, useState } from "react";
import { Box, ChevronsLeft, Plus, Search } from "lucide-react";

const CATEGORY = {
  trigger: "Triggers", ai: "AI", logic: "Logic", data: "Data",
  integration: "Integrations", human: "Human", output: "Output",
};
export const IconContext = createContext({});

// A registry icon by name (the `icons` prop holds one element per name); a box if unknown.
export function TypeIcon({ name, size }) {
  const icon = useContext(IconContext)[name];
  return icon ? cloneElement(icon, { size }) : <Box size={size} />;
}

export function Palette({ items, onAdd, open, setOpen }) {
  const [query, setQuery] = useState("");
  const q = query.trim().toLowerCase();
  const shown = items.filter((i) => !q || `${i.label} ${i.type} ${i.description}`.toLowerCase().includes(q));
  const groups = [];
  for (const item of shown) {
    const last = groups[groups.length - 1];
    if (last && last.category === item.category) last.items.push(item);
    else groups.push({ category: item.category, items: [item] });
  }
  if (!open) {
    return (
      <button type="button" className="apf-palette-open apf-float" data-testid="palette-toggle"
        aria-label="Show steps" title="Show the steps palette" onClick={() => setOpen(true)}>
        <Plus size={14} /> Steps
      </button>
    );
  }
  return (
    <div className="apf-palette apf-float" data-testid="palette">
      <div className="apf-palette-head">
        <div className="apf-search">
          <Search size={14} />
          <input placeholder="Search steps" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
        <button type="button" className="apf-icon-btn" data-testid="palette-toggle"
          aria-label="Hide steps" title="Hide the palette" onClick={() => setOpen(false)}>
          <ChevronsLeft size={14} />
        </button>
      </div>
      <div className="apf-groups">
        {groups.map((g) => (
          <div key={g.category}>
            <div className="apf-cat">{CATEGORY[g.category] || g.category}</div>
            {g.items.map((item) => (
              <div
                key={item.type}
                className="apf-item"
                draggable
                title={item.description}
                data-testid={`palette-${item.type}`}
                onDragStart={(e) => {
                  e.dataTransfer.setData("application/ap-node", item.type);
                  e.dataTransfer.effectAllowed = "move";
                }}
                onClick={() => onAdd(item.type)}
              >
                <span className="apf-icon"><TypeIcon name={item.icon} size={14} /></span>
                <span>{item.label}</span>
              </div>
            ))}
          </div>
        ))}
        {groups.length === 0 && <div className="apf-empty">No step matches.</div>}
      </div>
    </div>
  );
}
