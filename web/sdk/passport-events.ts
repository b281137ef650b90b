// Live news of the person's sign-in: GET /passport/events, a
// text/event-stream read with fetch (the access token in the Authorization
// header, never in the URL), while signed in and the page is visible.
// "refresh" (the passport's monitor asks for a refresh ahead of expiry)
// refreshes now; "ended" signs the person out with the reason's message.
// The server ends the stream when the access token stops being valid; the
// SDK then reconnects with backoff, with a fresh token.

import { Backoff } from "../shared/backoff";
import { check, ended, host, refresh, token } from "./passport";
import { parseSSE } from "./passport-claims";

let ctl: AbortController | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const backoff = new Backoff({ baseMs: 1000, maxMs: 30000, jitter: "equal" });

/** Starts following the sign-in, unless already following. */
export function follow(): void {
  if (ctl || timer !== undefined) return;
  const c = (ctl = new AbortController());
  void run(c).finally(() => {
    if (ctl !== c) return; // stopped, or replaced
    ctl = null;
    timer = setTimeout(() => {
      timer = undefined;
      follow();
    }, backoff.next());
  });
}

/** Stops following (signed out, or the page is hidden). */
export function unfollow(): void {
  clearTimeout(timer);
  timer = undefined;
  const c = ctl;
  ctl = null;
  if (c) c.abort();
}

async function run(c: AbortController): Promise<void> {
  const tok = await token();
  if (!tok || c.signal.aborted) {
    if (!tok) unfollow();
    return;
  }
  let res: Response;
  try {
    res = await host.fetch(host.base + "/passport/events", {
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      headers: { Authorization: "Bearer " + tok, Accept: "text/event-stream" },
      signal: c.signal,
    });
  } catch {
    return;
  }
  if (res.status === 401) {
    // The token stopped being valid: userinfo says why (or refreshes it).
    if (!(await check())) unfollow();
    return;
  }
  if (!res.ok || !res.body) return;
  backoff.reset();
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const p = parseSSE(buf + dec.decode(value, { stream: true }));
      buf = p.rest;
      for (const e of p.events) {
        if (e.event === "refresh") void refresh(true);
        else if (e.event === "ended") {
          let reason = "revoked";
          try {
            reason = JSON.parse(e.data).reason || reason;
          } catch {
            // a malformed event: the sign-in ended all the same
          }
          ended(reason);
          return;
        }
      }
    }
  } catch {
    // aborted, or the connection broke: follow() reconnects unless stopped
  }
}
