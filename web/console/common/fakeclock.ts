// A fake clock for the console's unit tests: Timers whose callbacks run,
// in order of their due time, when the test advances the clock.
import type { Timers } from "../../shared/socket";

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
