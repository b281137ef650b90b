// The one global the console exposes, for browser tests: the last applied
// sequence number, the current player of whichever view is open, and the
// call's media statistics (window.__tandemConsole.callStats()).

import type { Replayer } from "rrweb";
import type { MediaStats } from "../../shared/rtc";

interface Source {
  lastAppliedSeq(): number;
  replayer(): Replayer | null;
  callStats?(): Promise<MediaStats>;
}

const none: Source = { lastAppliedSeq: () => 0, replayer: () => null };
const noCall: MediaStats = { inboundBytes: 0, outboundBytes: 0, relay: false };
let current: Source = none;

/** Installs window.__tandemConsole. */
export function exposeDebug(): void {
  (window as unknown as { __tandemConsole: Required<Source> }).__tandemConsole = {
    lastAppliedSeq: () => current.lastAppliedSeq(),
    replayer: () => current.replayer(),
    callStats: () => (current.callStats ? current.callStats() : Promise.resolve({ ...noCall })),
  };
}

/** Makes src the view the global reports on; returns the function that undoes it. */
export function setDebugSource(src: Source): () => void {
  current = src;
  return () => {
    if (current === src) current = none;
  };
}
