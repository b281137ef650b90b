// The recorder: recorder.js (rrweb, calls, pointer and remote control) is
// not on the page until the person has allowed. This loads it (from the
// same server, with the loader's nonce), starts it once the assist is live
// and its site settings are known, hands its frames to the channel, and
// restarts it (a new full snapshot) when the settings or the page's
// Tandem.mask / unmask / block selectors change.

import { loadBundle } from "./bundle";
import { base, recorderPath } from "./config";
import { emit } from "./events";
import { site, siteKnown, type SiteConfig } from "./site";
import { screenSource } from "./screen-host";
import { channel, session, state } from "./state";
import type { RecorderFrame, RecorderHandle, RecorderModule, RecorderOptions } from "./types";
import { uiClass } from "./ui";

/** The running recorder, or null. */
export let recorder: RecorderHandle | null = null;
/** The selectors of Tandem.mask, unmask and block, in the order given. */
export const selectors = { mask: [] as string[], unmask: [] as string[], block: [] as string[] };

let starting = false;
// The site settings the running recorder was started with.
let recording: SiteConfig | null = null;
let restartQueued = false;

/** Loads recorder.js once (again after a failure) and resolves with its entry points. */
export function loadRecorder(): Promise<RecorderModule> {
  return loadBundle(recorderPath, () => window.__tandemRecorder);
}

function options(): RecorderOptions {
  return {
    base,
    assistId: session ? session.assistId : "",
    strictMasking: site.strictMasking,
    captureBodies: site.captureBodies,
    mask: selectors.mask.slice(),
    unmask: selectors.unmask.slice(),
    block: selectors.block.slice(),
    uiClass,
    screen: screenSource(),
    screenMapping: site.screenMapping,
  };
}

function push(f: RecorderFrame): void {
  if (!channel) return;
  try {
    channel.push(f);
  } catch (e) {
    emit("error", { message: "Part of the page could not be shared.", code: "too_large", cause: String(e) });
  }
}

/** Starts the recorder if there is an assist and none runs or is starting; it starts only if still live once loaded. */
export function startRecorder(): void {
  if (recorder || starting || !session) return;
  starting = true;
  Promise.all([loadRecorder(), siteKnown]).then(
    ([mod]) => {
      starting = false;
      if (recorder || state !== "live" || !session) return;
      recording = { ...site };
      recorder = mod.start(options(), push, (e) =>
        emit("error", { message: "Part of the screen could not be shared.", code: "screen", cause: String(e) }),
      );
    },
    (e) => {
      starting = false;
      emit("error", { message: "Could not start sharing this page.", code: "recorder", cause: String(e) });
    },
  );
}

/** Stops the recorder at once. */
export function stopRecorder(): void {
  if (recorder) recorder.stop();
  recorder = null;
  recording = null;
}

/** Restarts a running recorder with the current settings and selectors, once for all the asks of the same turn. */
export function restartRecorder(): void {
  if (restartQueued) return;
  restartQueued = true;
  queueMicrotask(() => {
    restartQueued = false;
    if (!recorder) return;
    stopRecorder();
    startRecorder();
  });
}

/** Restarts the recorder if it runs with other site settings than those in force. */
export function restartIfStale(): void {
  if (
    recording &&
    (recording.strictMasking !== site.strictMasking ||
      recording.captureBodies !== site.captureBodies ||
      JSON.stringify(recording.screenMapping) !== JSON.stringify(site.screenMapping))
  ) {
    restartRecorder();
  }
}
