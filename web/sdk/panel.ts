// Small DOM helpers for the interaction module's prompts and panels. They go
// into the control's shadow root (docs/sdk.md), which already styles .card,
// .row, button, .primary and .badge; the extra rules are here. Every control
// carries data-tandem-ui so tests can find it. The loader's own control
// (ui.ts) builds its elements with el too.

export const css = `
.ov{position:fixed;inset:0;pointer-events:none;overflow:hidden;z-index:2147483647}
.ov svg{position:absolute;left:0;top:0;width:100%;height:100%;overflow:visible}
.ov .st{fill:none;stroke-width:4;stroke-linecap:round;stroke-linejoin:round;transition:opacity 1s}
.ov .st.fade{opacity:0}
.ptr{position:absolute;left:0;top:0;will-change:transform;transition:transform 40ms linear}
.ptr svg{position:static;display:block;width:22px;height:22px;overflow:visible;filter:drop-shadow(0 1px 2px rgba(0,0,0,.4))}
.ptr span{position:absolute;left:16px;top:18px;background:#7c3aed;color:#fff;font:12px/1.3 system-ui,sans-serif;padding:2px 6px;border-radius:6px;white-space:nowrap}
.call{width:288px}
.tiles{display:flex;flex-wrap:wrap;gap:6px}
.tile{position:relative;flex:1 1 120px;min-height:24px;background:#111827;border-radius:8px;overflow:hidden;color:#fff;font-size:12px}
.tile video{display:block;width:100%;max-height:180px;object-fit:cover;background:#111827}
.tile span{position:absolute;left:6px;bottom:4px;text-shadow:0 1px 2px #000}
.tile audio{display:none}
.tile.voice{padding:6px 8px}
.tile.voice span{position:static}
.self{width:72px;border-radius:6px;align-self:flex-end;background:#111827;transform:scaleX(-1)}
button[aria-pressed=true]{background:#fee2e2;border-color:#fca5a5}
.hang{background:#b91c1c;border-color:#b91c1c;color:#fff}
.hang:hover{background:#991b1b}
.ctl{background:#7c3aed}
.ctl:hover{background:#6d28d9}
`;

/** el creates an element with attributes and children (text is never parsed as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string>,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  e.append(...children);
  return e;
}

/** button makes a control that runs on on click. */
export function button(ui: string, label: string, on: () => void, cls = ""): HTMLButtonElement {
  const b = el("button", { type: "button", "data-tandem-ui": ui, class: cls }, label);
  b.addEventListener("click", (e) => {
    e.preventDefault();
    e.stopPropagation();
    on();
  });
  return b;
}

/**
 * prompt makes a card asking the person something: the text verbatim (as
 * data-tandem-ui=ui, e.g. "control-text"), then no and yes.
 */
export function prompt(ui: string, label: string, text: string, no: HTMLButtonElement, yes: HTMLButtonElement): HTMLElement {
  return el(
    "div",
    { class: "card", role: "alertdialog", "aria-label": label },
    el("p", { "data-tandem-ui": ui, role: "status", "aria-live": "polite" }, text),
    el("div", { class: "row" }, no, yes),
  );
}
