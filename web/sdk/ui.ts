// The help control, consent prompt and assist badge. They live in a shadow
// root on a zero-size host so the site's CSS cannot reach them, and the
// recorder leaves the host out of every snapshot. The shadow root is open
// and every control carries data-tandem-ui so tests can find it.

import { el } from "./panel";
import type { WaitNotice } from "./waiting";
import { waitingNotices } from "./waiting-host";
import { watchersText, type JoinAsk } from "./watchers";

/** What the control shows. */
export type View =
  | { kind: "idle"; message?: string }
  | { kind: "waiting"; notice?: WaitNotice; error?: string }
  | { kind: "prompt"; text: string }
  | { kind: "live"; watchers: string[]; asking: JoinAsk[] }
  | { kind: "ended"; message: string };

/** What the person can do in the control. */
export interface Actions {
  help(): void;
  cancel(): void;
  allow(): void;
  deny(): void;
  end(): void;
  code(code: string): void;
  /** The person's answer to an agent asking to join (JoinAsk.id). */
  join(id: string, allow: boolean): void;
  /** Leaves a message while waiting for an agent. */
  leave(text: string): void;
}

/** Class of the host element; the recorder blocks and drops it. */
export const uiClass = "tandem-ui-host";

const css = `
:host{all:initial}
.w{position:fixed;right:16px;bottom:16px;z-index:2147483647;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;text-align:left;display:flex;flex-direction:column;align-items:flex-end;gap:8px}
.s{display:flex;flex-direction:column;align-items:flex-end;gap:8px}
.s:empty{display:none}
.card{box-sizing:border-box;background:#fff;border:1px solid #e5e7eb;border-radius:12px;box-shadow:0 8px 24px rgba(17,24,39,.18);padding:12px;width:264px;display:flex;flex-direction:column;gap:10px}
p{margin:0}
button{font:inherit;cursor:pointer;border-radius:8px;border:1px solid #d1d5db;background:#fff;color:#111827;padding:6px 12px}
button:hover{background:#f3f4f6}
button:focus-visible,input:focus-visible{outline:2px solid #2563eb;outline-offset:1px}
.primary{background:#2563eb;border-color:#2563eb;color:#fff}
.primary:hover{background:#1d4ed8}
.row{display:flex;gap:8px;justify-content:flex-end}
form{display:flex;gap:6px;margin:0}
input{box-sizing:border-box;font:inherit;flex:1;min-width:0;padding:6px 8px;border:1px solid #d1d5db;border-radius:8px;text-transform:uppercase;color:#111827;background:#fff}
textarea{box-sizing:border-box;font:inherit;width:100%;padding:6px 8px;border:1px solid #d1d5db;border-radius:8px;color:#111827;background:#fff;resize:vertical}
form.col{flex-direction:column;align-items:stretch}
input::placeholder{text-transform:none;color:#6b7280}
.err{color:#b91c1c}
.badge{background:#b91c1c;border:0;color:#fff;border-radius:999px;padding:8px 14px;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.badge:hover{background:#991b1b}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;background:#fff;margin-right:8px;vertical-align:1px;animation:b 1.6s infinite}
@keyframes b{50%{opacity:.3}}
.launch{background:#2563eb;border:0;color:#fff;border-radius:999px;padding:8px 16px;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.launch:hover{background:#1d4ed8}
.n{display:inline-block;min-width:18px;margin-left:6px;padding:0 5px;border-radius:999px;background:#b91c1c;color:#fff;font-size:12px;line-height:18px;text-align:center;box-sizing:border-box}
@media (prefers-reduced-motion:reduce){.dot{animation:none}}
`;

const hostStyle =
  "all:initial!important;position:fixed!important;right:0!important;bottom:0!important;width:0!important;" +
  "height:0!important;margin:0!important;padding:0!important;border:0!important;overflow:visible!important;" +
  "display:block!important;z-index:2147483647!important";

export class UI {
  readonly host: HTMLElement;
  /** The open shadow root: the interaction module draws its overlay here. */
  readonly root: ShadowRoot;
  /** Where the interaction module stacks its panels, above the control. */
  readonly slot: HTMLElement;
  /** Where the chat launcher and panel go, below the control (chat-host.ts). */
  readonly chat: HTMLElement;
  private box: HTMLElement;
  // What the control shows; null until the first render (the chat launcher may attach the host before).
  private view: View | null = null;
  private waiting = false;

  constructor(
    private actions: Actions,
    private button: boolean,
  ) {
    this.host = el("div", { "data-tandem-root": "", class: uiClass + " rr-block rr-ignore", style: hostStyle });
    const root = (this.root = this.host.attachShadow({ mode: "open" }));
    this.slot = el("div", { class: "s" });
    this.box = el("div", {});
    this.chat = el("div", { class: "s" });
    root.append(el("style", {}, css), el("div", { class: "w" }, this.slot, this.box, this.chat));
  }

  /**
   * Attaches the host to the page if it is not (or no longer) there, and
   * says whether it is; before the body is complete it waits, and renders
   * the current view then.
   */
  attach(): boolean {
    if (this.host.isConnected) return true;
    // Wait for the whole body: the host then always lands after the
    // page's own content, so snapshots of an unchanged page stay equal.
    if (document.readyState === "loading" || !document.body) {
      if (!this.waiting) {
        this.waiting = true;
        document.addEventListener("DOMContentLoaded", () => (this.view ? this.render(this.view) : this.attach()), { once: true });
      }
      return false;
    }
    document.body.appendChild(this.host);
    return true;
  }

  /** Shows view, attaching the host to the page if it is not (or no longer) there. */
  render(view: View): void {
    this.view = view;
    if (!this.attach()) return;
    this.host.setAttribute("data-tandem-state", view.kind);
    const a = this.actions;
    const btn = (ui: string, label: string, on: () => void, cls = "") => {
      const b = el("button", { type: "button", "data-tandem-ui": ui, class: cls }, label);
      b.addEventListener("click", (e) => {
        e.preventDefault();
        on();
      });
      return b;
    };
    const msg = (text: string, cls = "") => el("p", { "data-tandem-ui": "message", role: "status", "aria-live": "polite", class: cls }, text);
    let content: HTMLElement | null = null;
    switch (view.kind) {
      case "idle": {
        if (!this.button) {
          if (view.message) content = el("div", { class: "card" }, msg(view.message, "err"));
          break;
        }
        const input = el("input", {
          "data-tandem-ui": "code",
          class: "rr-ignore",
          "aria-label": "Invite code",
          placeholder: "Have a code?",
          autocomplete: "off",
          spellcheck: "false",
          maxlength: "16",
        });
        const form = el("form", {}, input, el("button", { type: "submit", "data-tandem-ui": "code-submit" }, "Join"));
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          const v = input.value.trim();
          if (v) a.code(v);
        });
        content = el("div", { class: "card" });
        if (view.message) content.append(msg(view.message, "err"));
        content.append(btn("help", "Need help?", a.help, "primary"), form);
        break;
      }
      case "waiting":
        content = this.waitingCard(view.notice ?? "", view.error ?? "", msg, btn("cancel", "Cancel", a.cancel));
        break;
      case "prompt":
        content = el(
          "div",
          { class: "card", role: "alertdialog", "aria-label": "Request to see this page" },
          msg(view.text),
          el("div", { class: "row" }, btn("deny", "Deny", a.deny), btn("allow", "Allow", a.allow, "primary")),
        );
        break;
      case "live": {
        // Who is watching, named, always in sight; and an agent asking to
        // join, one question at a time.
        const who = watchersText(view.watchers);
        const b = btn("badge", "", a.end, "badge");
        b.setAttribute("aria-label", who + ". End the session");
        b.append(el("span", { class: "dot", "aria-hidden": "true" }), el("span", { "data-tandem-ui": "watchers" }, who), " · End");
        content = b;
        const ask = view.asking[0];
        if (ask) {
          content = el(
            "div",
            { class: "s" },
            el(
              "div",
              { class: "card", role: "alertdialog", "aria-label": "Another agent asks to see this page", "data-tandem-ui": "join" },
              msg(ask.text),
              el("div", { class: "row" }, btn("join-deny", "Deny", () => a.join(ask.id, false)), btn("join-allow", "Allow", () => a.join(ask.id, true), "primary")),
            ),
            b,
          );
        }
        break;
      }
      case "ended":
        content = el("div", { class: "card" }, msg(view.message));
        break;
    }
    this.box.replaceChildren(...(content ? [content] : []));
  }

  /** The waiting panel: what the wait is like, and a message to leave when no one is there (waiting-notice.ts, loaded when needed). */
  private waitingCard(notice: WaitNotice, error: string, msg: (text: string) => HTMLElement, cancel: HTMLElement): HTMLElement {
    const m = notice ? waitingNotices(() => this.view && this.render(this.view)) : null;
    const parts = m ? m.noticeParts(notice, error, this.actions.leave, msg) : [msg("Waiting for an agent…")];
    return el("div", { class: "card", "data-tandem-wait": m ? notice : "waiting" }, ...parts, el("div", { class: "row" }, cancel));
  }
}
