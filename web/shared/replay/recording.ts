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
  const b = new ReplayBuilder();
  b.add(sorted);
  return b.replay();
}

/**
 * ReplayBuilder builds a replay from frames as they arrive, in sequence
 * order (as the server streams a recording), so that the replay can start
 * before the whole recording was read. Its events only ever grow at the
 * end: a player fed them can take the new ones as they come.
 */
export class ReplayBuilder {
  /** The events to play, from the first Meta or FullSnapshot on. */
  private readonly played: RREvent[] = [];
  private readonly marks: Mark[] = [];
  private readonly stream: PageStream;
  private readonly clock = new Retimer();
  private last = 0; // the highest sequence number applied
  private lastTs = -Infinity; // for non-decreasing timestamps
  private started = false; // a Meta or FullSnapshot came
  private snapshot = false; // a FullSnapshot came: there is something to draw

  constructor() {
    this.stream = new PageStream(
      {
        reset() {},
        events: (evs) => {
          for (const e of evs) this.event(e);
        },
        missing() {},
      },
      { keepLeftPages: true },
    );
  }

  /** Applies frames that follow the ones added before; older or repeated ones are dropped. */
  add(frames: readonly RecordedFrame[]): void {
    for (const f of frames) {
      if (typeof f.s !== "number" || f.s <= this.last) continue;
      this.last = f.s;
      let d = f.d;
      if (typeof d === "string") {
        try {
          d = JSON.parse(d);
        } catch {
          d = undefined;
        }
      }
      if (Array.isArray(d)) d = this.clock.retime(asEvents(d));
      this.stream.apply(f.k, f.s, f.p, f.h, d);
    }
  }

  private event(e: RREvent): void {
    const m = markFromEvent(e);
    if (m) this.marks.push(m);
    // Nothing can be drawn before the first snapshot; time 0 is its Meta event.
    if (!this.started && e.type !== EventType.Meta && e.type !== EventType.FullSnapshot) return;
    this.started = true;
    if (e.type === EventType.FullSnapshot) this.snapshot = true;
    // A snapshot redrawn for a `ref` keeps its own spacing from the ref's
    // Meta event, so the events right after it may be stamped a little
    // earlier.
    if (e.timestamp < this.lastTs) e = { ...e, timestamp: this.lastTs };
    this.lastTs = e.timestamp;
    this.played.push(e);
  }

  /**
   * The replay of the frames added so far. Its events array is shared with
   * the builder and grows as frames are added: a player that was given some
   * takes the rest from where it stopped.
   */
  replay(): Replay {
    const events = this.snapshot ? this.played : [];
    return {
      events,
      rows: this.stream.rows.slice().sort((a, b) => a.ts - b.ts),
      marks: this.marks.slice().sort((a, b) => a.ts - b.ts),
      pages: this.stream.pages.slice(),
      viewport: this.stream.viewport,
      misses: this.stream.misses,
      start: events.length ? events[0].timestamp : 0,
      end: events.length ? events[events.length - 1].timestamp : 0,
    };
  }
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
