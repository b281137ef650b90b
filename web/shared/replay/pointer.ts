// Where the person's pointer was at a moment of a recording, from its
// mouse and touch events, the same whatever was replayed before.
//
// rrweb's replayer moves its pointer as it applies events, and a jump
// applies them in the order they were recorded. A mouse-move event is
// recorded when its batch of positions is sent, up to half a second after
// the positions themselves, so after a click it can carry positions from
// before that click: a replayer that jumped over both leaves its pointer
// where the click was not, while one that played through them shows it on
// the click. The video renderer draws each frame from wherever its
// replayer stood, so it places the pointer from this module instead: each
// position at the moment it was taken.

import { EventType, RREvent, Source } from "./events";

/** A place of the pointer at a moment: x, y in the coordinates of the node id's document. */
export interface PointerSample {
  t: number;
  x: number;
  y: number;
  id: number;
}

// The MouseInteractions rrweb moves its pointer to: MouseUp, MouseDown,
// Click, TouchStart, TouchEnd.
const pointerInteractions = new Set([0, 1, 2, 7, 9]);

function isNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/**
 * Returns the pointer's places in the events, in the order of the moments
 * they were taken (events of the same moment in recorded order).
 * Positions without numbers are left out: they come from the page.
 */
export function pointerSamples(events: readonly RREvent[]): PointerSample[] {
  const out: PointerSample[] = [];
  for (const e of events) {
    if (e.type !== EventType.IncrementalSnapshot || !e.data) continue;
    const d = e.data as { source?: unknown; positions?: unknown; type?: unknown; x?: unknown; y?: unknown; id?: unknown };
    if (d.source === Source.MouseMove || d.source === Source.TouchMove || d.source === Source.Drag) {
      if (!Array.isArray(d.positions)) continue;
      for (const p of d.positions as { x?: unknown; y?: unknown; id?: unknown; timeOffset?: unknown }[]) {
        if (!p || !isNumber(p.x) || !isNumber(p.y) || !isNumber(p.id)) continue;
        const offset = isNumber(p.timeOffset) ? Math.min(0, p.timeOffset) : 0;
        out.push({ t: e.timestamp + offset, x: p.x, y: p.y, id: p.id });
      }
    } else if (d.source === Source.MouseInteraction && pointerInteractions.has(d.type as number)) {
      if (!isNumber(d.x) || !isNumber(d.y) || !isNumber(d.id)) continue;
      out.push({ t: e.timestamp, x: d.x, y: d.y, id: d.id });
    }
  }
  // Array.prototype.sort is stable: samples of the same moment keep their order.
  return out.sort((a, b) => a.t - b.t);
}

/** Returns where the pointer was at time at: the last sample taken then or before, or null before the first. */
export function pointerAt(samples: readonly PointerSample[], at: number): PointerSample | null {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid].t <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? samples[lo - 1] : null;
}
