// The one global the console exposes, for browser tests: the last applied
// sequence number and the current player of whichever view is open.

import type { Replayer } from "rrweb";

interface Source {
  lastAppliedSeq(): number;
  replayer(): Replayer | null;
}

const none: Source = { lastAppliedSeq: () => 0, replayer: () => null };
let current: Source = none;

/** Installs window.__tandemConsole. */
export function exposeDebug(): void {
  (window as unknown as { __tandemConsole: Source }).__tandemConsole = {
    lastAppliedSeq: () => current.lastAppliedSeq(),
    replayer: () => current.replayer(),
  };
}

/** Makes src the view the global reports on; returns the function that undoes it. */
export function setDebugSource(src: Source): () => void {
  current = src;
  return () => {
    if (current === src) current = none;
  };
}
