// Seeking in a terminal recording. A terminal's screen at time t is what
// the output up to t made of it, so a seek replays that output into the
// terminal at once. Going back would mean replaying from the very start;
// a full reset (RIS, ESC c) in the output wipes the screen, the scrollback
// and every mode, so the screen after it depends only on what follows it:
// such a point is a keyframe, and a seek back starts at the last keyframe
// before t. Consecutive output is joined into one write, which xterm.js
// parses far faster than many small ones.

/** One asciicast v2 event: [seconds, kind, data]. */
export type CastEvent = [number, string, string];

/** What a seek does to the terminal, in order. */
export type SeekStep = { reset: true } | { write: string } | { resize: [number, number] };

/** A full terminal reset: what follows it does not depend on what came before. */
const ris = "\x1bc";

/** Returns the columns and rows of a resize event's data ("COLSxROWS"), or null. */
export function resizeOf(data: string): [number, number] | null {
  const m = /^(\d{1,4})x(\d{1,4})$/.exec(data);
  if (!m) return null;
  const c = Number(m[1]);
  const r = Number(m[2]);
  return c > 0 && r > 0 && c <= 1000 && r <= 1000 ? [c, r] : null;
}

/**
 * Returns the steps that apply events[from, to) to a terminal: output
 * joined into as few writes as possible, resizes in between.
 */
export function applySteps(events: readonly CastEvent[], from: number, to: number): SeekStep[] {
  const steps: SeekStep[] = [];
  let out = "";
  for (let i = from; i < to; i++) {
    const [, kind, data] = events[i];
    if (kind === "o") out += data;
    else if (kind === "r") {
      const size = resizeOf(data);
      if (!size) continue;
      if (out) steps.push({ write: out });
      out = "";
      steps.push({ resize: size });
    }
  }
  if (out) steps.push({ write: out });
  return steps;
}

/** Returns the index of the first event after time t (seconds): events before it are on screen at t. */
export function indexAt(events: readonly CastEvent[], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid][0] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Returns the last keyframe at or before index to: the index of an output
 * event holding a full reset (0 when there is none), and the terminal size
 * in effect there (null: the recording's own size).
 */
export function keyframeBefore(events: readonly CastEvent[], to: number): { index: number; size: [number, number] | null } {
  let index = 0;
  for (let i = Math.min(to, events.length) - 1; i >= 0; i--) {
    if (events[i][1] === "o" && events[i][2].includes(ris)) {
      index = i;
      break;
    }
  }
  let size: [number, number] | null = null;
  for (let i = index - 1; i >= 0 && !size; i--) if (events[i][1] === "r") size = resizeOf(events[i][2]);
  return { index, size };
}

/**
 * Returns how to bring a terminal that shows events[0, cur) to showing
 * events[0, target): forward, only the events in between; back, a reset,
 * the size in effect at the last keyframe, and the events from there on.
 * initial is the recording's own size, which a reset goes back to.
 */
export function seekSteps(events: readonly CastEvent[], cur: number, target: number, initial: [number, number]): SeekStep[] {
  if (target >= cur) return applySteps(events, cur, target);
  const k = keyframeBefore(events, target);
  return [{ reset: true }, { resize: k.size ?? initial }, ...applySteps(events, k.index, target)];
}

/** How long a pause of the recording lasts at most when idle time is skipped, seconds. */
export const idleCapSeconds = 1;

/**
 * Returns the recording time the player should be at, given it is at "at"
 * and the next event comes at "next": with skipping on, a pause longer than
 * cap is cut to cap (as asciinema's idle time limit does).
 */
export function skipIdle(at: number, next: number, cap = idleCapSeconds): number {
  return next - at > cap ? next - cap : at;
}
