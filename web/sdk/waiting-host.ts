// The waiting notices in the loader: most people who ask for help are picked
// up, so what the panel says when no one is (waiting-notice.ts) is
// waiting.js, loaded the first time a wait has a notice; the panel says
// "waiting" until it is there.

import { loadBundle } from "./bundle";
import { waitingPath } from "./config";
import type { WaitingModule } from "./types";

let mod: WaitingModule | null = null;

/**
 * Returns the waiting notices, or null while they load; then ready runs
 * (the panel shows the notice). A failed load is tried again on the next
 * render.
 */
export function waitingNotices(ready: () => void): WaitingModule | null {
  if (mod) return mod;
  loadBundle(waitingPath, () => window.__tandemWaiting).then(
    (m) => {
      if (mod) return;
      mod = m;
      ready();
    },
    (e) => console.warn("Tandem:", e),
  );
  return null;
}
