// Pointers and strokes as both sides show them: the person's overlay (SDK)
// and the agent's mirror (console) draw the same strokes with the same path
// and let them go after the same times, so what the agent sees is what the
// person sees (docs/protocol.md, "Pointer and drawing").

/** A finished stroke stays this long, then fades out over strokeFadeMs. */
export const strokeStayMs = 3000;
/** How long a stroke takes to fade out. */
export const strokeFadeMs = 1000;
/** An unfinished stroke nobody adds to starts fading after this long. */
export const strokeIdleMs = 10000;
/** A pointer nobody moves goes after this long (its agent may have gone). */
export const pointerIdleMs = 15000;
/** The most points a stroke keeps; later ones are dropped. */
export const maxStrokePoints = 5000;

/** Returns an SVG path through points, rounded to 0.1 px; a single point is drawn as a dot. */
export function pathData(points: readonly { x: number; y: number }[]): string {
  if (!points.length) return "";
  const r = (n: number) => Math.round(n * 10) / 10;
  let d = "M" + r(points[0].x) + " " + r(points[0].y);
  // A single point (a dot) still needs a segment to be painted.
  if (points.length === 1) return d + "l0.1 0";
  for (let i = 1; i < points.length; i++) d += "L" + r(points[i].x) + " " + r(points[i].y);
  return d;
}
