// The mirror's document, read for pointing and control: the element under a
// point of the person's viewport (into shadow roots and frames, as a real
// pointer would go), its rrweb id and box, the mirror's scroll offset, and a
// node's box from its id. The arithmetic is in place.ts; this is the DOM.

import type { Replayer } from "rrweb";
import { deepElementAt, frameContentOffset, nextInTabOrder, tabOrder } from "../../shared/dom";
import type { Point, Rect } from "./place";

type Mirror = ReturnType<Replayer["getMirror"]>;

/** The element under a point, its rrweb id (or -1) and its box, in the mirror's viewport coordinates. */
export interface Hit {
  el: Element;
  node: number;
  box: Rect;
}

/** Returns the mirror's iframe, if the player has drawn one. */
export function mirrorFrame(r: Replayer | null): HTMLIFrameElement | null {
  return (r?.iframe as HTMLIFrameElement | undefined) ?? null;
}

/** Returns the mirror document's scroll offset. */
export function mirrorScroll(r: Replayer | null): Point {
  const w = mirrorFrame(r)?.contentWindow;
  if (!w) return { x: 0, y: 0 };
  const se = w.document.scrollingElement;
  return { x: se ? se.scrollLeft : w.scrollX, y: se ? se.scrollTop : w.scrollY };
}

// frameOffset is where doc's viewport starts in the mirror's viewport.
function frameOffset(doc: Document, top: Document): Point {
  let x = 0;
  let y = 0;
  let d: Document | null = doc;
  for (let i = 0; d && d !== top && i < 16; i++) {
    const fe: Element | null = d.defaultView?.frameElement ?? null;
    if (!fe) break;
    const o = frameContentOffset(fe);
    x += o.x;
    y += o.y;
    d = fe.ownerDocument;
  }
  return { x, y };
}

function shift(r: DOMRect, o: Point): Rect {
  return { left: r.left + o.x, top: r.top + o.y, width: r.width, height: r.height };
}

/** Returns the element under viewport point v of the mirror, or null. */
export function hitAt(r: Replayer | null, v: Point): Hit | null {
  const top = mirrorFrame(r)?.contentDocument;
  if (!r || !top) return null;
  const h = deepElementAt(top, v.x, v.y);
  if (!h) return null;
  return { el: h.el, node: idOf(r.getMirror(), h.el), box: shift(h.el.getBoundingClientRect(), h.offset) };
}

function idOf(m: Mirror, el: Node): number {
  try {
    return m.getId(el);
  } catch {
    return -1;
  }
}

/** Returns the box of the mirror node with rrweb id, in the mirror's viewport; null if it is not there. */
export function boxOfNode(r: Replayer | null, id: number): Rect | null {
  const top = mirrorFrame(r)?.contentDocument;
  if (!r || !top) return null;
  let n: Node | null = null;
  try {
    n = r.getMirror().getNode(id) as Node | null;
  } catch {
    n = null;
  }
  if (!n || !n.isConnected || !n.ownerDocument) return null;
  let rect: DOMRect;
  if (n.nodeType === Node.ELEMENT_NODE) rect = (n as Element).getBoundingClientRect();
  else if (n.nodeType === Node.TEXT_NODE) {
    const range = n.ownerDocument.createRange();
    range.selectNodeContents(n);
    rect = range.getBoundingClientRect();
  } else return null;
  return shift(rect, frameOffset(n.ownerDocument, top));
}

const focusable = "a[href],button,input,select,textarea,[tabindex],[contenteditable]:not([contenteditable=false])";

/**
 * Returns the rrweb id of the element Tab (or Shift+Tab) moves to from the
 * node with id `from` in the mirror, as the person's page would move focus;
 * -1 when there is nowhere to go.
 */
export function tabFrom(r: Replayer | null, from: number, back: boolean): number {
  const doc = mirrorFrame(r)?.contentDocument;
  if (!r || !doc) return -1;
  const m = r.getMirror();
  const order = tabOrder(Array.from(doc.querySelectorAll<HTMLElement>(focusable)));
  const cur = from > 0 ? (m.getNode(from) as HTMLElement | null) : null;
  const next = nextInTabOrder(order, cur, back);
  return next ? idOf(m, next) : -1;
}
