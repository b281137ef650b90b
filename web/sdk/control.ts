// Remote control, the person's side: the prompt when an agent asks, the
// badge while an agent holds control (with "Take back", and Esc), and the
// gate every operation passes. An operation runs only if the person allowed
// control in this assist and the sender is the holder the server last
// named; anything else is refused with op.result ok:false.

import { Operator, type OpEnv } from "./ops";
import { button, el, prompt } from "./panel";
import { KindControlAnswer, KindControlRevoke, KindOpResult } from "../shared/protocol";

/** Who holds control, as control.state names them. */
export interface Holder {
  id: string;
  name: string;
}

/** gate says why an operation from sender may not run, or null if it may. */
export function gate(granted: boolean, holder: Holder | null, sender: string): string | null {
  if (!granted) return "the person has not allowed control";
  if (!holder) return "nobody holds control";
  if (!sender || holder.id !== sender) return "you do not hold control";
  return null;
}

// The person's grant survives navigation within the tab (sessionStorage),
// like the assist itself, and is forgotten when control ends.
const grantKey = (assistId: string) => "tandem.control." + assistId;

export class Control {
  private holder: Holder | null = null;
  private granted: boolean;
  private ask: HTMLElement | null = null;
  private badge: HTMLElement | null = null;
  private operator: Operator;
  private onKey = (e: KeyboardEvent) => {
    // Only the person's own Esc: the agent's key operations are untrusted events.
    if (e.key === "Escape" && e.isTrusted && this.holder) {
      e.preventDefault();
      this.revoke();
    }
  };

  constructor(
    private assistId: string,
    private slot: HTMLElement,
    private send: (kind: string, payload?: unknown) => void,
    env: OpEnv,
  ) {
    this.operator = new Operator(env);
    let g = false;
    try {
      g = sessionStorage.getItem(grantKey(assistId)) === "1";
    } catch {
      g = false;
    }
    this.granted = g;
    window.addEventListener("keydown", this.onKey, true);
  }

  private grant(on: boolean): void {
    this.granted = on;
    try {
      if (on) sessionStorage.setItem(grantKey(this.assistId), "1");
      else sessionStorage.removeItem(grantKey(this.assistId));
    } catch {
      // without storage the grant lasts for this page only
    }
  }

  /** control.request {agent, text}: ask the person. */
  request(p: Record<string, unknown>): void {
    if (this.ask) this.ask.remove();
    const text = String(p.text || String(p.agent || "Support") + " wants to control this page");
    this.ask = prompt(
      "control-text",
      "Request to control this page",
      text,
      button("control-deny", "Deny", () => this.answer(false)),
      button("control-allow", "Allow", () => this.answer(true), "primary"),
    );
    this.slot.prepend(this.ask);
  }

  private answer(allow: boolean): void {
    if (this.ask) this.ask.remove();
    this.ask = null;
    // Granted before the server names the holder, so that no operation
    // that follows the control.state is refused.
    if (allow) this.grant(true);
    this.send(KindControlAnswer, { allow });
  }

  /** control.state {holder}: who holds control now. */
  state(p: Record<string, unknown>): void {
    const h = p.holder as Record<string, unknown> | null | undefined;
    this.holder = h && typeof h.id === "string" ? { id: h.id, name: String(h.name || "Support") } : null;
    if (!this.holder) {
      this.grant(false);
      this.operator.stop();
    }
    this.render();
  }

  /** The person takes control back (badge or Esc). */
  revoke(): void {
    this.holder = null;
    this.grant(false);
    this.operator.stop();
    this.send(KindControlRevoke);
    this.render();
  }

  /** op {opId, op, from, …}: applies it if allowed, and answers op.result. */
  op(p: Record<string, unknown>): void {
    const from = String(p.from || "");
    const result = (ok: boolean, error?: string) =>
      this.send(KindOpResult, error ? { opId: p.opId, from, ok, error } : { opId: p.opId, from, ok });
    const refused = gate(this.granted, this.holder, from);
    if (refused) {
      result(false, refused);
      return;
    }
    let out;
    try {
      out = this.operator.apply(p);
    } catch (e) {
      result(false, "the page failed: " + (e instanceof Error ? e.message : String(e)));
      return;
    }
    result(!out.error, out.error);
    // Leaving the page goes last, once the result is on its way.
    if (!out.error && out.after) window.setTimeout(out.after, 100);
  }

  /** The server refused control.answer: nobody asked any more. */
  refused(): void {
    if (this.ask) this.ask.remove();
    this.ask = null;
    if (!this.holder) this.grant(false);
  }

  private render(): void {
    if (!this.holder) {
      if (this.badge) this.badge.remove();
      this.badge = null;
      return;
    }
    const label = this.holder.name + " is controlling this page · Take back";
    const b = button("control-revoke", "", () => this.revoke(), "badge ctl");
    b.setAttribute("aria-label", this.holder.name + " is controlling this page. Take back control (Esc)");
    b.setAttribute("data-holder", this.holder.id);
    b.append(el("span", { class: "dot", "aria-hidden": "true" }), label);
    if (this.badge) this.badge.replaceWith(b);
    else this.slot.append(b);
    this.badge = b;
  }

  /** Removes the prompt, the badge and the Esc handler; final forgets the grant. */
  stop(final: boolean): void {
    window.removeEventListener("keydown", this.onKey, true);
    this.operator.stop();
    if (this.ask) this.ask.remove();
    if (this.badge) this.badge.remove();
    this.ask = this.badge = null;
    if (final) this.grant(false);
  }
}
