// Where the agent points in the mirror, in the person's terms. The mirror is
// the person's window drawn at their resolution and scaled with CSS to fit,
// so a point on the agent's screen is first brought back to the person's
// viewport (undo the scale), then to their document (add the mirror's
// scroll). A place also names the node under the point and the offset inside
// its box as fractions, which survives different scroll offsets and layouts
// on the person's side (docs/protocol.md, "Pointer and drawing").

import { type Box, finiteOr, type Point, pointAt } from "../../shared/geometry";

export type { Point };

/** A box as getBoundingClientRect gives it. */
export type Rect = Box;

/** A place as pointer frames and operations carry it. */
export interface Place {
  /** The rrweb id of the node under the point (absent when unknown). */
  node?: number;
  /** The point's offset inside the node's box, as fractions 0–1. */
  ox?: number;
  oy?: number;
  /** Document coordinates in the person's page (the fallback). */
  x: number;
  y: number;
}

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** Returns the scale an element is drawn at: its width on screen over its layout width (1 when unknown). */
export function drawnScale(onScreen: Rect, layoutWidth: number): number {
  return layoutWidth > 0 && onScreen.width > 0 ? onScreen.width / layoutWidth : 1;
}

/** Returns the point in the person's viewport under a point of the agent's window. */
export function toViewport(client: Point, stage: Rect, scale: number): Point {
  const s = scale > 0 ? scale : 1;
  return { x: (client.x - stage.left) / s, y: (client.y - stage.top) / s };
}

/** Returns the agent's window point that shows a point of the person's viewport (the inverse of toViewport). */
export function toClient(v: Point, stage: Rect, scale: number): Point {
  const s = scale > 0 ? scale : 1;
  return { x: stage.left + v.x * s, y: stage.top + v.y * s };
}

/** Returns document coordinates of a viewport point, given the document's scroll offset. */
export function toDocument(v: Point, scroll: Point): Point {
  return { x: v.x + scroll.x, y: v.y + scroll.y };
}

/** Returns the viewport point of document coordinates, given the document's scroll offset. */
export function fromDocument(d: Point, scroll: Point): Point {
  return { x: d.x - scroll.x, y: d.y - scroll.y };
}

/** Returns where p lies inside box as fractions, clamped to 0–1 (0.5 for an empty side). */
export function fractionIn(p: Point, box: Rect): { ox: number; oy: number } {
  const f = (v: number, start: number, size: number) => (size > 0 ? Math.min(1, Math.max(0, (v - start) / size)) : 0.5);
  return { ox: round(f(p.x, box.left, box.width), 4), oy: round(f(p.y, box.top, box.height), 4) };
}

/** Reports whether a viewport point is inside a viewport of the given size. */
export function inside(v: Point, size: { width: number; height: number }): boolean {
  return v.x >= 0 && v.y >= 0 && v.x < size.width && v.y < size.height;
}

/**
 * Returns the place of a viewport point: its document coordinates and, when
 * the node under it is known (id > 0), that node and the offset inside its
 * box. box is in the same viewport coordinates as v.
 */
export function placeOf(v: Point, scroll: Point, hit: { node: number; box: Rect } | null): Place {
  const d = toDocument(v, scroll);
  const place: Place = { x: round(d.x, 1), y: round(d.y, 1) };
  if (hit && hit.node > 0) {
    const { ox, oy } = fractionIn(v, hit.box);
    return { node: hit.node, ox, oy, ...place };
  }
  return place;
}

/**
 * Returns where a place is in the mirror's viewport: on its node's box when
 * the node is known (boxOf gives the box, or null), else at its document
 * coordinates; null when neither works.
 */
export function locatePlace(p: Partial<Place>, scroll: Point, boxOf: (node: number) => Rect | null): Point | null {
  const id = typeof p.node === "number" && p.node > 0 ? p.node : 0;
  if (id) {
    const box = boxOf(id);
    if (box && (box.width > 0 || box.height > 0)) {
      return pointAt(box, finiteOr(p.ox, 0.5), finiteOr(p.oy, 0.5));
    }
  }
  if (typeof p.x === "number" && isFinite(p.x) && typeof p.y === "number" && isFinite(p.y)) return fromDocument({ x: p.x, y: p.y }, scroll);
  return null;
}
