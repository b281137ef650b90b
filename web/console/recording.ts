// Builds a replay from a stored recording: the rrweb events in order (each
// `ref` replaced by the snapshot it names, retimed), the devtools rows, the
// click marks and the pages visited.

import { asEvents, EventType, RREvent, Viewport } from "./events";
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

/**
 * Builds the replay of frames (in any order; they are sorted by sequence
 * number, duplicates dropped). The events are played in sequence order, which
 * is the order the page changed in; timestamps are only the person's clock,
 * which can step back (and frames resent after a reconnect must not reorder
 * anything), so they are made non-decreasing along the sequence.
 */
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
  const clock = new Retimer();
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
    if (Array.isArray(d)) d = clock.retime(asEvents(d));
    stream.apply(f.k, f.s, f.p, f.h, d);
  }
  // A snapshot redrawn for a `ref` keeps its own spacing from the ref's Meta
  // event, so the events right after it may be stamped a little earlier.
  let ordered = nonDecreasing(events);
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

/**
 * Retimer shifts the events of successive frames so that their timestamps
 * never go back, keeping the gaps between them: when the person's clock steps
 * back, everything after is moved forward by the step.
 */
export class Retimer {
  private shift = 0;
  private last = -Infinity;

  /** Returns evs retimed (new objects only for events whose time changed). */
  retime(evs: RREvent[]): RREvent[] {
    return evs.map((e) => {
      let ts = e.timestamp + this.shift;
      if (ts < this.last) {
        this.shift += this.last - ts;
        ts = this.last;
      }
      this.last = ts;
      return ts === e.timestamp ? e : { ...e, timestamp: ts };
    });
  }
}

/** Returns evs with each timestamp raised to at least the one before it. */
export function nonDecreasing(evs: readonly RREvent[]): RREvent[] {
  let last = -Infinity;
  return evs.map((e) => {
    if (e.timestamp >= last) {
      last = e.timestamp;
      return e;
    }
    return { ...e, timestamp: last };
  });
}
