// Builds a replay from a stored recording: the rrweb events in order (each
// `ref` replaced by the snapshot it names, retimed), the devtools rows, the
// click marks and the pages visited.

import { EventType, RREvent, Viewport } from "./events";
import { Mark, markFromEvent } from "./marks";
import { Row } from "./rows";
import { PageStream, PageVisit } from "./stream";

/** One stored frame, as GET /api/v1/assists/{id}/recording returns it. */
export interface RecordedFrame {
  s: number;
  k: string;
  p?: string;
  h?: string;
  at?: number;
  d?: unknown;
}

/** What the replay view plays and shows. */
export interface Replay {
  /** The events to play; empty when no snapshot was recorded (nothing to draw). */
  events: RREvent[];
  rows: Row[];
  marks: Mark[];
  pages: PageVisit[];
  viewport: Viewport | null;
  /** Refs whose snapshot the recording does not hold (their page is not drawn). */
  misses: number;
  start: number; // timestamp of the first event
  end: number; // timestamp of the last event
}

/** Builds the replay of frames (in any order; they are sorted by sequence number, duplicates dropped). */
export function buildReplay(frames: readonly RecordedFrame[]): Replay {
  const sorted = frames.filter((f) => typeof f.s === "number").slice().sort((a, b) => a.s - b.s);
  const events: RREvent[] = [];
  const marks: Mark[] = [];
  const stream = new PageStream(
    {
      reset() {},
      events(evs) {
        for (const e of evs) {
          events.push(e);
          const m = markFromEvent(e);
          if (m) marks.push(m);
        }
      },
      missing() {},
    },
    { keepLeftPages: true },
  );
  let last = 0;
  for (const f of sorted) {
    if (f.s <= last) continue;
    last = f.s;
    let d = f.d;
    if (typeof d === "string") {
      try {
        d = JSON.parse(d);
      } catch {
        d = undefined;
      }
    }
    stream.apply(f.k, f.s, f.p, f.h, d);
  }
  // The player sorts by timestamp too; keeping the sort stable here keeps a
  // snapshot's Meta before its FullSnapshot when they share a timestamp.
  let ordered = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i)
    .map((x) => x.e);
  // Nothing can be drawn before the first snapshot; time 0 is its Meta event.
  const first = ordered.findIndex((e) => e.type === EventType.Meta || e.type === EventType.FullSnapshot);
  ordered = first < 0 || !ordered.some((e) => e.type === EventType.FullSnapshot) ? [] : ordered.slice(first);
  const rows = stream.rows.slice().sort((a, b) => a.ts - b.ts);
  return {
    events: ordered,
    rows,
    marks: marks.sort((a, b) => a.ts - b.ts),
    pages: stream.pages,
    viewport: stream.viewport,
    misses: stream.misses,
    start: ordered.length ? ordered[0].timestamp : 0,
    end: ordered.length ? ordered[ordered.length - 1].timestamp : 0,
  };
}
