// What the waiting panel says beyond "waiting" (waiting.ts says when): no
// agent available, no one picked up, or a message left, with the form to
// leave one. It is waiting.js, a bundle of its own (waiting-bundle.ts),
// loaded by the loader (waiting-host.ts) only when a wait needs it.

import { el } from "./panel";
import type { WaitNotice } from "./waiting";

/**
 * Returns the panel's parts for notice: its message (made by msg), and for
 * no agent or no pick-up a form that hands the text to leave, with error
 * under it when leaving failed.
 */
export function noticeParts(notice: WaitNotice, error: string, leave: (text: string) => void, msg: (text: string) => HTMLElement): HTMLElement[] {
  const text =
    notice === "none"
      ? "No agent is available right now. You can leave a message, and we will get back to you."
      : notice === "timeout"
        ? "No one has picked up yet. You can keep waiting, or leave a message."
        : notice === "left"
          ? "Thanks, your message was sent. You are still in the queue."
          : "Waiting for an agent…";
  const parts = [msg(text)];
  if (notice === "none" || notice === "timeout") {
    const area = el("textarea", { "data-tandem-ui": "leave-text", class: "rr-ignore", "aria-label": "Your message", rows: "3", maxlength: "4000" });
    const form = el("form", { class: "col" }, area, el("button", { type: "submit", "data-tandem-ui": "leave", class: "primary" }, "Leave a message"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = area.value.trim();
      if (v) leave(v);
    });
    parts.push(form);
    if (error) parts.push(el("p", { class: "err", role: "alert" }, error));
  }
  return parts;
}
