// The interaction module: calls, the agents' pointers and drawings, remote
// control and repairs on the person's page (docs/protocol.md,
// "Interaction"). It is part of the recorder's bundle, so nothing of it is
// on a page before the person consents; the loader starts it when the first
// interaction frame arrives and hands it every one after.

import { Calls, type CallStats } from "./call";
import { Control } from "./control";
import { Overlay } from "./overlay";
import { css } from "./panel";
import { Repair } from "./repair";
import type { InteractHandle, InteractHost } from "./types";
import { KindCall, KindCallMedia, KindCallState, KindControlRequest, KindControlState, KindDraw, KindError, KindOp, KindPointer, KindRTC, KindRepairRequest } from "../shared/protocol";

declare global {
  interface Window {
    /** For tests: the call's media statistics (docs/sdk.md). */
    __tandemCall?: { stats(): Promise<CallStats> };
  }
}

export function interact(host: InteractHost): InteractHandle {
  const style = document.createElement("style");
  style.textContent = css;
  host.root.appendChild(style);
  const overlay = new Overlay(host.root, host.node);
  const calls = new Calls(host.slot, host.send);
  const control = new Control(host.assistId, host.slot, host.send, { lookup: host.node, rules: host.rules });
  const repair = new Repair(host.slot, host.send);
  const hook = { stats: () => calls.stats() };
  window.__tandemCall = hook;
  let stopped = false;

  return {
    frame(kind, p) {
      if (stopped) return;
      switch (kind) {
        case KindCall:
          calls.call(p);
          break;
        case KindCallState:
          calls.state(p);
          break;
        case KindRTC:
          calls.rtc(p);
          break;
        case KindCallMedia:
          calls.media(p);
          break;
        case KindPointer:
          overlay.pointer(p);
          break;
        case KindDraw:
          overlay.draw(p);
          break;
        case KindControlRequest:
          control.request(p);
          break;
        case KindControlState:
          control.state(p);
          break;
        case KindOp:
          control.op(p);
          break;
        case KindRepairRequest:
          repair.request(p);
          break;
        case KindError: {
          // A refused answer: whatever it answered is gone.
          const ref = String(p.ref || "");
          if (ref === "call.answer") calls.refused();
          else if (ref === "control.answer") control.refused();
          else if (ref === "repair.answer") repair.refused();
          break;
        }
      }
    },
    stop(final) {
      if (stopped) return;
      stopped = true;
      calls.end();
      control.stop(final);
      repair.stop();
      overlay.stop();
      style.remove();
      if (window.__tandemCall === hook) delete window.__tandemCall;
    },
  };
}
