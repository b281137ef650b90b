// Where on the person's page an agent means. The agent's mirror names a
// place by the rrweb id of the node under it and the offset inside that
// node's box as fractions (ox, oy), which holds across resolutions, scroll
// offsets and zoom; document coordinates (x, y) are the fallback when the
// node is unknown. See docs/protocol.md, "Pointer and drawing".

import { deepElementAt, frameContentOffset } from "../shared/dom";
import { finiteOr, pointAt } from "../shared/geometry";

/** A place as the agent sends it. */
export interface Place {
  node?: unknown;
  ox?: unknown;
  oy?: unknown;
  x?: unknown;
  y?: unknown;
}

/** Where a place landed on the page. */
export interface Spot {
  /** The element there. */
  el: Element;
  /** The point in the viewport of el's own document (for its events). */
  x: number;
  y: number;
  /** The same point in this page's viewport (for the overlay). */
  px: number;
  py: number;
}

/** nodeId is the node field of a place if it is a usable rrweb id. */
export function nodeId(p: Place): number {
  return typeof p.node === "number" && p.node > 0 && Math.floor(p.node) === p.node ? p.node : 0;
}

// The host of Tandem's own control: the agent never acts on it.
const tandemRoot = "[data-tandem-root]";

/** isTandem says whether el is Tandem's own control (or inside it). */
export function isTandem(el: Element): boolean {
  if (el.closest(tandemRoot)) return true;
  const root = el.getRootNode() as ShadowRoot;
  return !!root.host && isTandem(root.host);
}

function rectOf(n: Node): DOMRect | null {
  if (n.nodeType === 1) return (n as Element).getBoundingClientRect();
  if (n.nodeType === 3 && n.ownerDocument) {
    const r = n.ownerDocument.createRange();
    r.selectNodeContents(n);
    return r.getBoundingClientRect();
  }
  return null;
}

// frameOffset is where doc's viewport starts in this page's viewport
// (0, 0 for the page itself; same-origin iframes add up).
function frameOffset(doc: Document): { x: number; y: number } {
  let x = 0;
  let y = 0;
  let w = doc.defaultView;
  while (w && w !== window) {
    let fe: Element | null = null;
    try {
      fe = w.frameElement;
    } catch {
      break;
    }
    if (!fe) break;
    const o = frameContentOffset(fe);
    x += o.x;
    y += o.y;
    w = fe.ownerDocument.defaultView;
  }
  return { x, y };
}

// hit finds the element at viewport point (x, y) of doc, going into open
// shadow roots and same-origin iframes as a real pointer would, but never
// into Tandem's own control.
function hit(doc: Document, x: number, y: number): Spot | null {
  const h = deepElementAt(doc, x, y, isTandem);
  return h ? { el: h.el, x: h.x, y: h.y, px: x, py: y } : null;
}

/**
 * locate finds the element and point a place names: the node's box and the
 * offsets when the node is on the page, else the element at the document
 * coordinates.
 */
export function locate(p: Place, lookup: (id: number) => Node | null): Spot | null {
  const id = nodeId(p);
  const hasXY = typeof p.x === "number" && isFinite(p.x) && typeof p.y === "number" && isFinite(p.y);
  if (id) {
    let n: Node | null = null;
    try {
      n = lookup(id);
    } catch {
      n = null;
    }
    const el = n && n.isConnected ? (n.nodeType === 1 ? (n as Element) : n.parentElement) : null;
    const r = n && el ? rectOf(n) : null;
    // A node without a box (display:none) has no place; coordinates may.
    if (el && r && (r.width > 0 || r.height > 0 || !hasXY)) {
      const pt = pointAt(r, finiteOr(p.ox, 0.5), finiteOr(p.oy, 0.5));
      const off = frameOffset(el.ownerDocument);
      return { el, x: pt.x, y: pt.y, px: pt.x + off.x, py: pt.y + off.y };
    }
  }
  if (!hasXY) return null;
  return hit(document, (p.x as number) - window.scrollX, (p.y as number) - window.scrollY);
}

/** toDocument turns a place into this page's document coordinates, or null. */
export function toDocument(p: Place, lookup: (id: number) => Node | null): { x: number; y: number } | null {
  if (nodeId(p)) {
    const s = locate({ node: p.node, ox: p.ox, oy: p.oy }, lookup);
    if (s) return { x: s.px + window.scrollX, y: s.py + window.scrollY };
  }
  if (typeof p.x === "number" && isFinite(p.x) && typeof p.y === "number" && isFinite(p.y)) return { x: p.x, y: p.y };
  return null;
}
