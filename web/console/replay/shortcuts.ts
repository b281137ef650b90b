// The replay screen's single keys: the "?" help lists them and the
// screen's key handler runs them, from this one list.

import { helpShortcut, Shortcut } from "../common/shortcuts";

/** Every action of the replay's keys. */
export const replayActions = ["playPause", "back", "forward", "prevMarker", "nextMarker"] as const;

/** What a replay key does. */
export type ReplayAction = (typeof replayActions)[number];

/** How far the arrow keys move the replay, in milliseconds. */
export const arrowStepMs = 5000;

/** The replay's shortcuts, in the order the help lists them. */
export const replayShortcuts: readonly Shortcut<ReplayAction | "help">[] = [
  helpShortcut,
  { keys: "Space", what: "Play or pause", act: "playPause", on: [" "] },
  { keys: "K", what: "Play or pause", act: "playPause", on: ["k"] },
  { keys: "←", what: "Back 5 seconds", act: "back", on: ["ArrowLeft"] },
  { keys: "→", what: "Forward 5 seconds", act: "forward", on: ["ArrowRight"] },
  { keys: ",", what: "Previous marker", act: "prevMarker", on: [","] },
  { keys: ".", what: "Next marker", act: "nextMarker", on: ["."] },
  { keys: "Esc", what: "Close this help" },
];
