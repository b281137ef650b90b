// The queue screen's single keys: the "?" help lists them and the screen's
// key handler runs them, from this one list.

import { helpShortcut, Shortcut } from "../common/shortcuts";

/** Every action of the queue's keys. */
export const queueActions = ["invite", "nextRow", "prevRow"] as const;

/** What a queue key does. */
export type QueueAction = (typeof queueActions)[number];

/** The queue's shortcuts, in the order the help lists them. */
export const queueShortcuts: readonly Shortcut<QueueAction | "help">[] = [
  helpShortcut,
  { keys: "I", what: "Invite someone (a link or a code)", act: "invite", on: ["i"] },
  { keys: "↓", what: "Next request", act: "nextRow", on: ["ArrowDown"] },
  { keys: "↑", what: "Previous request", act: "prevRow", on: ["ArrowUp"] },
  // The focused row handles Enter itself (see QueueItem).
  { keys: "Enter", what: "Accept the focused request, or open it once under way" },
  { keys: "Esc", what: "Close this help or the invite" },
];

/**
 * rowAfter is the index of the row to focus when moving by dir from row at
 * (-1 when no row has focus): the first or last from nowhere, and it stops
 * at the ends rather than wrapping. -1 when there are no rows.
 */
export function rowAfter(at: number, count: number, dir: 1 | -1): number {
  if (count <= 0) return -1;
  if (at < 0 || at >= count) return dir > 0 ? 0 : count - 1;
  return Math.min(count - 1, Math.max(0, at + dir));
}
