// Fake clocks for unit tests of code that takes injectable Timers
// (shared/socket.ts): fakeClock runs callbacks in order of their due time
// as the test advances it; ManualTimers runs them one at a time, in the
// order they were set, and tells the delay each was set for.
import assert from "node:assert/strict";
import type { Timers } from "./socket";

/** Returns injectable timers, advance(ms) to move the clock on (running what falls due, at its due time), now() and pending() (timers not yet run). */
export function fakeClock() {
  let now = 0;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    set(fn, ms) {
      due.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clear(h) {
      due.delete(h as number);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const next = [...due].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      due.delete(next[0]);
      now = next[1].at;
      next[1].fn();
    }
    now = until;
  };
  return { timers, advance, now: () => now, pending: () => due.size };
}

/** Timers that run only when the test fires them, first set first, each firing returning the delay it was set for. */
export class ManualTimers implements Timers {
  pending: { fn: () => void; ms: number; id: number }[] = [];
  private id = 0;
  set(fn: () => void, ms: number) {
    this.pending.push({ fn, ms, id: ++this.id });
    return this.id;
  }
  clear(h: unknown) {
    this.pending = this.pending.filter((p) => p.id !== h);
  }
  /** Runs the first pending timer and returns its delay; fails the test when none is pending. */
  fire(): number {
    const p = this.pending.shift();
    assert.ok(p, "a timer is pending");
    p.fn();
    return p.ms;
  }
}
