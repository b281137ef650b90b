// The waiting notices' bundle (waiting.js): what the waiting panel says when
// no agent is available or no one picked up, and the form to leave a
// message (waiting-notice.ts), loaded by the loader (waiting-host.ts) when a
// wait needs it.

import { noticeParts } from "./waiting-notice";

window.__tandemWaiting = { noticeParts };
