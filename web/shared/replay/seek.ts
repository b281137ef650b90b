// The replay's seek bar and rrweb's clock. rrweb's Replayer, asked to pause
// at an offset, applies at once only the events stamped strictly before
// start + offset; the others are scheduled and the pause drops them. And a
// range input with a step rounds a value set to its max down to a whole
// step. Together they left the last events of a recording (often the very
// change the agent wants to see) out of "seek to the end".

/** The seek bar's step in ms. */
export const seekStep = 100;

/**
 * Returns the position (ms from the start) that a seek-bar value stands for:
 * clamped to [0, total], and anything within one step of the end is the end.
 */
export function seekPosition(value: number, total: number, step = seekStep): number {
  if (!(total > 0) || !(value > 0)) return 0;
  if (value >= total || total - value < step) return total;
  return value;
}

/**
 * Returns the offset to give Replayer.pause so that every event stamped at or
 * before start + pos is drawn (rrweb's own rule is "strictly before").
 */
export function pauseOffset(pos: number): number {
  return Math.max(0, pos) + 1;
}
