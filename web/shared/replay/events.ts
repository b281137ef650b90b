// The few parts of rrweb's event format the console reads. They are spelled
// out here (rather than imported from rrweb's types package) so that the pure
// modules and their tests do not depend on the player.

/** An rrweb event as it travels in frames. */
export interface RREvent {
  type: number;
  data: any; // rrweb payloads vary by type
  timestamp: number;
  delay?: number;
}

/** rrweb EventType values. */
export const EventType = {
  FullSnapshot: 2,
  IncrementalSnapshot: 3,
  Meta: 4,
  Custom: 5,
} as const;

/** rrweb IncrementalSource values the console looks at. */
export const Source = {
  MouseMove: 1,
  MouseInteraction: 2,
  ViewportResize: 4,
  TouchMove: 6,
  Drag: 12,
} as const;

/** rrweb MouseInteractions values the console marks. */
export const Interaction = {
  Click: 2,
  DblClick: 4,
  TouchStart: 7,
} as const;

/** Viewport of the person's window in CSS pixels. */
export interface Viewport {
  width: number;
  height: number;
  dpr?: number;
}

/** Returns the events of a payload that look like rrweb events, in order. */
export function asEvents(v: unknown): RREvent[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (e): e is RREvent => !!e && typeof e === "object" && typeof e.type === "number" && typeof e.timestamp === "number",
  );
}
