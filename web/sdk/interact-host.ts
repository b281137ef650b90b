// The loader's side of the interaction module (calls, pointer and drawing,
// remote control, repairs). The module lives in the recorder's bundle, so
// it is not on the page before consent; the server sends its frames only
// while live. The first such frame loads the bundle and starts the module
// with what it needs from the loader (types.ts, InteractHost); frames that
// arrive meanwhile wait, in order.

import { loadRecorder, recorder, selectors } from "./capture";
import { site } from "./site";
import { channel, session, state, ui } from "./state";
import type { InteractHandle } from "./types";

/**
 * The kinds of server frame that belong to the interaction module. An
 * "error" frame whose ref names one of its kinds (the server refused one of
 * its frames) goes to it too, so that it can put its panel right.
 */
export const interactKinds = ["call", "call.state", "rtc", "call.media", "pointer", "draw", "control.request", "control.state", "op", "repair.request"];

let interaction: InteractHandle | null = null;
// Interaction frames that arrived before the recorder's bundle, in order.
let interactQueue: [string, Record<string, unknown>][] = [];

/** Hands a frame to the interaction module, loading the recorder's bundle first if need be. */
export function interact(kind: string, p: Record<string, unknown>): void {
  if (!session || state !== "live") return;
  if (interaction) {
    interaction.frame(kind, p);
    return;
  }
  interactQueue.push([kind, p]);
  if (interactQueue.length > 1) return; // already loading
  const id = session.assistId;
  loadRecorder().then(
    (mod) => {
      const q = interactQueue;
      interactQueue = [];
      if (!session || session.assistId !== id || state !== "live") return;
      if (!interaction) {
        interaction = mod.interact({
          assistId: id,
          root: ui.root,
          slot: ui.slot,
          send: (k, payload) => {
            if (channel) channel.send(k, payload);
          },
          node: (n) => (recorder ? recorder.node(n) : null),
          rules: () => ({ strict: site.strictMasking, mask: selectors.mask.slice(), unmask: selectors.unmask.slice(), block: selectors.block.slice() }),
        });
      }
      for (const [k, d] of q) interaction.frame(k, d);
    },
    () => {
      interactQueue = [];
    },
  );
}

/** Stops the interaction module and drops waiting frames. final: the assist is over (not just this page). */
export function stopInteraction(final: boolean): void {
  interactQueue = [];
  if (interaction) interaction.stop(final);
  interaction = null;
}
