// DOM helpers that the person's page (SDK) and the agent's mirror (console)
// need alike: the element under a point, where a frame's viewport starts,
// and the order Tab moves focus in.

import type { Point } from "./geometry";

/** Returns where an iframe's viewport starts in its parent's viewport: its box plus its border and padding. */
export function frameContentOffset(frame: Element): Point {
  const r = frame.getBoundingClientRect();
  const cs = (frame.ownerDocument.defaultView || window).getComputedStyle(frame);
  return {
    x: r.left + frame.clientLeft + (parseFloat(cs.paddingLeft) || 0),
    y: r.top + frame.clientTop + (parseFloat(cs.paddingTop) || 0),
  };
}

/** The element under a point, as deepElementAt finds it. */
export interface DeepHit {
  el: Element;
  /** The point in the viewport of el's own document. */
  x: number;
  y: number;
  /** Where that document's viewport starts in the viewport the search began in. */
  offset: Point;
}

/**
 * Returns the element at viewport point (x, y) of doc, going into open
 * shadow roots and same-origin frames as a real pointer would (at most 16
 * levels deep); a cross-origin frame is itself the target. The descent ends
 * at an element stop accepts, if stop is given. Null when nothing is there.
 */
export function deepElementAt(doc: Document, x: number, y: number, stop?: (el: Element) => boolean): DeepHit | null {
  let el = doc.elementFromPoint(x, y);
  const offset = { x: 0, y: 0 };
  for (let depth = 0; el && depth < 16; depth++) {
    if (stop && stop(el)) break;
    const sr = el.shadowRoot;
    if (sr) {
      const inner = sr.elementFromPoint(x, y);
      if (inner && inner !== el && sr.contains(inner)) {
        el = inner;
        continue;
      }
    }
    if (el.tagName === "IFRAME" || el.tagName === "FRAME") {
      let inner: Document | null = null;
      try {
        inner = (el as HTMLIFrameElement).contentDocument;
      } catch {
        inner = null;
      }
      if (inner) {
        const o = frameContentOffset(el);
        x -= o.x;
        y -= o.y;
        offset.x += o.x;
        offset.y += o.y;
        const next = inner.elementFromPoint(x, y);
        if (next) {
          el = next;
          continue;
        }
      }
    }
    break;
  }
  return el ? { el, x, y, offset } : null;
}

/**
 * Returns the candidates Tab can reach (tabIndex ≥ 0, not disabled,
 * rendered) in the order Tab visits them: positive tabindex ascending, then
 * tabindex 0, each in document order.
 */
export function tabOrder(candidates: readonly HTMLElement[]): HTMLElement[] {
  const all = candidates.filter((x) => x.tabIndex >= 0 && !(x as HTMLButtonElement).disabled && x.getClientRects().length > 0);
  return all
    .filter((x) => x.tabIndex > 0)
    .sort((a, b) => a.tabIndex - b.tabIndex)
    .concat(all.filter((x) => x.tabIndex === 0));
}

/**
 * Returns the element Tab (Shift+Tab when back) moves to from current in
 * order, wrapping around at the ends; from an element not in order (or
 * none), the first (the last when back). Undefined when order is empty.
 */
export function nextInTabOrder<T>(order: readonly T[], current: T | null, back: boolean): T | undefined {
  if (!order.length) return undefined;
  const i = current ? order.indexOf(current) : -1;
  if (i < 0) return order[back ? order.length - 1 : 0];
  return order[(i + (back ? -1 : 1) + order.length) % order.length];
}
