// Points and boxes, and the arithmetic of a place's offsets inside a node's
// box (docs/protocol.md, "Pointer and drawing"): the console turns a point
// into fractions of a box, and both sides turn fractions back into a point.

/** A point in CSS pixels. */
export interface Point {
  x: number;
  y: number;
}

/** A box as getBoundingClientRect gives it. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Returns v if it is a finite number, else fallback. */
export function finiteOr(v: unknown, fallback: number): number {
  return typeof v === "number" && isFinite(v) ? v : fallback;
}

/** Returns the point at fractions ox, oy of box (each clamped to 0–1, so the point stays in the box). */
export function pointAt(box: Box, ox: number, oy: number): Point {
  const clamp = (f: number) => Math.min(1, Math.max(0, f));
  return { x: box.left + clamp(ox) * box.width, y: box.top + clamp(oy) * box.height };
}
