// Click and touch marks: where the person clicked, tapped or double-clicked,
// taken from rrweb's MouseInteraction events.

import { EventType, Interaction, RREvent, Source } from "./events";

/** A mark to draw at x, y (the person's viewport, CSS pixels). */
export interface Mark {
  x: number;
  y: number;
  kind: "click" | "dblclick" | "touch";
  ts: number;
}

/** How long a mark stays on screen. */
export const markLifeMs = 3000;

/** Returns the mark of an event, or null if it is not a click, double click or touch start. */
export function markFromEvent(e: RREvent): Mark | null {
  if (e.type !== EventType.IncrementalSnapshot || !e.data || e.data.source !== Source.MouseInteraction) return null;
  const { x, y, type } = e.data as { x?: number; y?: number; type?: number };
  if (typeof x !== "number" || typeof y !== "number") return null;
  switch (type) {
    case Interaction.Click:
      return { x, y, kind: "click", ts: e.timestamp };
    case Interaction.DblClick:
      return { x, y, kind: "dblclick", ts: e.timestamp };
    case Interaction.TouchStart:
      return { x, y, kind: "touch", ts: e.timestamp };
  }
  return null;
}

/** Returns the marks visible at time now: the ones made during the last markLifeMs. */
export function marksAt(marks: readonly Mark[], now: number): Mark[] {
  return marks.filter((m) => m.ts <= now && now - m.ts < markLifeMs);
}
