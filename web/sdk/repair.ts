// Repairs, with the person's consent: clear the site's saved data (local
// and session storage, but never Tandem's own keys, so the assist goes on),
// clear the cookies the page can see, and reload.

import { button, prompt } from "./panel";
import { KindRepairAnswer } from "../shared/protocol";

const known = ["clear-storage", "clear-cookies", "reload"];

/** clearStorage empties a storage area except the keys starting with "tandem.". */
export function clearStorage(s: Storage): void {
  const keep: [string, string][] = [];
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (k !== null && k.startsWith("tandem.")) keep.push([k, s.getItem(k) || ""]);
  }
  s.clear();
  for (const [k, v] of keep) s.setItem(k, v);
}

/** cookieNames lists the names in a document.cookie string. */
export function cookieNames(cookie: string): string[] {
  const out: string[] = [];
  for (const part of cookie.split(";")) {
    const i = part.indexOf("=");
    const name = (i < 0 ? "" : part.slice(0, i)).trim();
    if (name && out.indexOf(name) < 0) out.push(name);
  }
  return out;
}

/**
 * expiries are the document.cookie assignments that expire a cookie called
 * name wherever it may have been set from this page: on the current path
 * and every parent path (with and without a trailing slash), host-only and
 * for the host's parent domains.
 */
export function expiries(name: string, hostname: string, pathname: string, secure: boolean): string[] {
  const paths = ["/"];
  const parts = pathname.split("/").filter(Boolean);
  let p = "";
  for (const seg of parts) {
    p += "/" + seg;
    paths.push(p, p + "/");
  }
  const domains = [""];
  const isIP = /^[\d.]+$/.test(hostname) || hostname.indexOf(":") >= 0;
  if (!isIP && hostname.indexOf(".") > 0) {
    const labels = hostname.split(".");
    for (let i = 0; i < labels.length - 1; i++) domains.push(labels.slice(i).join("."));
  }
  const out: string[] = [];
  for (const path of paths) {
    for (const d of domains) {
      out.push(name + "=; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=0; path=" + path + (d ? "; domain=" + d : "") + (secure ? "; secure" : ""));
    }
  }
  return out;
}

export class Repair {
  private ask: HTMLElement | null = null;

  constructor(
    private slot: HTMLElement,
    private send: (kind: string, payload?: unknown) => void,
  ) {}

  /** repair.request {agent, actions, text}: ask the person. */
  request(p: Record<string, unknown>): void {
    const actions = (Array.isArray(p.actions) ? p.actions : []).filter((a): a is string => known.indexOf(a as string) >= 0);
    if (this.ask) this.ask.remove();
    this.ask = prompt(
      "repair-text",
      "Request to fix this page",
      String(p.text || "Support wants to fix this page"),
      button("repair-deny", "Deny", () => this.answer(false, actions)),
      button("repair-allow", "Allow", () => this.answer(true, actions), "primary"),
    );
    this.slot.prepend(this.ask);
  }

  private answer(allow: boolean, actions: string[]): void {
    if (this.ask) this.ask.remove();
    this.ask = null;
    if (!allow) {
      this.send(KindRepairAnswer, { allow: false, done: [] });
      return;
    }
    const done: string[] = [];
    if (actions.indexOf("clear-storage") >= 0) {
      let ok = true;
      for (const get of [() => localStorage, () => sessionStorage]) {
        try {
          clearStorage(get());
        } catch {
          ok = false; // storage disabled
        }
      }
      if (ok) done.push("clear-storage");
    }
    if (actions.indexOf("clear-cookies") >= 0) {
      try {
        const secure = location.protocol === "https:";
        for (const name of cookieNames(document.cookie)) {
          for (const c of expiries(name, location.hostname, location.pathname, secure)) document.cookie = c;
        }
        done.push("clear-cookies");
      } catch {
        // cookies disabled (e.g. a sandboxed frame): nothing to clear
      }
    }
    const reload = actions.indexOf("reload") >= 0;
    if (reload) done.push("reload");
    this.send(KindRepairAnswer, { allow: true, done });
    // Reload once the answer is on its way; the assist resumes on the new page.
    if (reload) window.setTimeout(() => location.reload(), 150);
  }

  /** The server refused the answer (the agent left): drop the prompt. */
  refused(): void {
    if (this.ask) this.ask.remove();
    this.ask = null;
  }

  stop(): void {
    this.refused();
  }
}
