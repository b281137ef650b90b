// Rate limits for what the agent streams while the mouse moves: pointer
// positions (at most one frame per interval, the latest one last) and the
// points of a stroke being drawn (sent in batches).

import type { Timers } from "../../shared/socket";

/** The pointer's frame interval: about 30 frames a second. */
export const pointerIntervalMs = 33;

/**
 * Throttle passes on at most one value per interval: the first at once, and
 * the latest of those that came in between when the interval ends, so the
 * last position always arrives.
 */
export class Throttle<T> {
  private last = -Infinity;
  private pending: { v: T } | null = null;
  private timer: unknown = null;
  private readonly ms: number;
  private readonly emit: (v: T) => void;
  private readonly timers: Timers;
  private readonly now: () => number;

  constructor(ms: number, emit: (v: T) => void, timers: Timers, now: () => number = Date.now) {
    this.ms = ms;
    this.emit = emit;
    this.timers = timers;
    this.now = now;
  }

  push(v: T): void {
    const t = this.now();
    if (this.timer === null && t - this.last >= this.ms) {
      this.last = t;
      this.emit(v);
      return;
    }
    this.pending = { v };
    if (this.timer === null) this.timer = this.timers.set(() => this.fire(), Math.max(0, this.ms - (t - this.last)));
  }

  /** Drops a value still waiting (say, the pointer left and "hide" follows). */
  cancel(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private fire(): void {
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    this.last = this.now();
    this.emit(p.v);
  }
}

/** A stroke's points gathered between two draw frames. */
export const strokeBatchMs = 50;

/** Collects the points of one stroke and hands them on in batches. */
export class StrokeBatch<P> {
  private points: P[] = [];
  private timer: unknown = null;
  private readonly emit: (points: P[], done: boolean) => void;
  private readonly timers: Timers;

  constructor(emit: (points: P[], done: boolean) => void, timers: Timers) {
    this.emit = emit;
    this.timers = timers;
  }

  add(p: P): void {
    this.points.push(p);
    if (this.timer === null) this.timer = this.timers.set(() => this.send(false), strokeBatchMs);
  }

  /** Ends the stroke: the rest of the points go with done. */
  end(): void {
    this.send(true);
  }

  private send(done: boolean): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    const pts = this.points;
    this.points = [];
    if (pts.length || done) this.emit(pts, done);
  }
}
