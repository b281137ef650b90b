// Tandem.passport: the person's sign-in through Tandem's passport, the
// OpenID Connect provider on Tandem's origin (docs/passport.md). A sign-in
// is a top-level redirect to the passport and back with a one-time code
// (authorization code + PKCE S256), exchanged for tokens from this page's
// own origin; nothing reads another origin's storage or cookies, so it
// works with third-party cookies blocked. A person already signed in to the
// passport (on another site) comes straight back without a form.
//
// What is kept where, all on the site's own origin:
//   sessionStorage  the sign-in under way (PKCE verifier, state, nonce), per tab
//   localStorage    the tokens and who the person is, under tandem.passport.SITE
//
// A cached, unexpired access token is used without asking the passport
// (re-visits skip the round trip); the passport is asked whether the
// sign-in still holds when the page loads with a token older than a minute,
// when it becomes visible again, and live over GET /passport/events while
// signed in and visible (passport-events.ts).

import { follow, unfollow } from "./passport-events";
import { b64url, bearerReason, checkIDToken, grantReason, jwtClaims, type PassportUser, signedOutMessage } from "./passport-claims";
import { type Cached, cacheKey as keyOfCache, endedKey as keyOfEnded, pendingKey as keyOfPending, readCached } from "./passport-keys";
import { ss } from "./session";
import type { PassportChange, PassportHost } from "./types";


/** The sign-in under way in this tab (sessionStorage). */
interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  redirectUri: string;
}

// A minute: a cached token checked longer ago than this is checked again on load.
const checkAfterMs = 60_000;
// Refresh this long before expiry (at most a quarter of the token's life).
const skewMs = 10_000;

/**
 * What the loader gives this bundle when it starts it (start): where
 * Tandem is, the site, the page's fetch as it was when the loader ran, and
 * where to announce changes (Tandem.passport.onChange lives in the loader).
 */
export const host: PassportHost = { base: "", siteKey: "", fetch: (...a) => fetch(...a), emit: () => {} };

const cacheKey = () => keyOfCache(host.siteKey);
const pendingKey = () => keyOfPending(host.siteKey);
// Why the last sign-in ended, for the other tabs of the site: {reason, at}.
const endedKey = () => keyOfEnded(host.siteKey);

let refreshing: Promise<string | null> | null = null;

const ls = {
  get(): Cached | null {
    return readCached(host.siteKey);
  },
  set(c: Cached): void {
    try {
      localStorage.setItem(cacheKey(), JSON.stringify(c));
    } catch {
      // storage disabled or full: the sign-in lasts as long as the page
    }
    memory = c;
  },
  del(): void {
    try {
      localStorage.removeItem(cacheKey());
    } catch {
      // storage disabled: nothing to remove
    }
    memory = null;
  },
};
// The cache as this page last saw it (also when storage is disabled).
let memory: Cached | null = null;

/** Whether the cached access token needs no refresh yet. */
function fresh(c: Cached, now: number): boolean {
  return (c.refreshAt ?? c.expiresAt - skewMs) > now;
}

function cached(): Cached | null {
  const c = ls.get();
  if (c) memory = c;
  return c || memory;
}

function emit(user: PassportUser | null, reason: string): void {
  host.emit({ user, reason });
}

function random(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The PKCE S256 challenge of a verifier (RFC 7636). */
export async function challenge(verifier: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

async function tokenRequest(form: Record<string, string>): Promise<{ ok: boolean; status: number; json: any }> {
  const res = await host.fetch(host.base + "/passport/token", {
    method: "POST",
    mode: "cors",
    credentials: "omit",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: host.siteKey, ...form }).toString(),
  });
  return { ok: res.ok, status: res.status, json: await res.json().catch(() => ({})) };
}

/**
 * Starts a sign-in: a top-level redirect to the passport. redirectUri
 * must be registered for the site exactly (default: this page's address
 * without query or fragment).
 */
export async function signIn(opts: { redirectUri?: string } = {}): Promise<void> {
  const p: Pending = {
    verifier: random(),
    state: random(),
    nonce: random(),
    redirectUri: opts.redirectUri || location.origin + location.pathname,
  };
  if (!ss.set(pendingKey(), JSON.stringify(p))) throw new Error("Tandem.passport.signIn needs sessionStorage");
  const q = new URLSearchParams({
    client_id: host.siteKey,
    response_type: "code",
    scope: "openid email profile offline_access",
    redirect_uri: p.redirectUri,
    state: p.state,
    nonce: p.nonce,
    code_challenge: await challenge(p.verifier),
    code_challenge_method: "S256",
  });
  location.assign(host.base + "/passport/authorize?" + q.toString());
}

/** Finishes a sign-in when this page is the redirect back from the passport (its state matches this tab's). */
async function finish(): Promise<boolean> {
  const url = new URL(location.href);
  const state = url.searchParams.get("state");
  const code = url.searchParams.get("code");
  const error = url.searchParams.get("error");
  if (!state || (!code && !error)) return false;
  let p: Pending | null = null;
  try {
    p = JSON.parse(ss.get(pendingKey()) || "null");
  } catch {
    p = null;
  }
  // Not ours (the site's own OAuth, or a link replayed in another tab): leave it alone.
  if (!p || p.state !== state) return false;
  ss.del(pendingKey());
  for (const k of ["code", "state", "iss", "error", "error_description", "session_state"]) url.searchParams.delete(k);
  history.replaceState(history.state, "", url.toString());
  if (error || !code) {
    emit(null, "error:" + error);
    return true;
  }
  const r = await tokenRequest({ grant_type: "authorization_code", code, redirect_uri: p.redirectUri, code_verifier: p.verifier });
  if (!r.ok || typeof r.json.access_token !== "string") {
    console.warn("Tandem: the passport refused the sign-in:", r.json.error, r.json.error_description);
    emit(null, "error:" + (r.json.error || "http_" + r.status));
    return true;
  }
  const now = Date.now();
  const who = checkIDToken(jwtClaims(String(r.json.id_token || "")), p.nonce, host.siteKey, now);
  if (typeof who === "string") {
    console.warn("Tandem: the passport's ID token was refused:", who);
    emit(null, "error:id_token");
    return true;
  }
  store(r.json, who, now);
  emit(who, "signed_in");
  return true;
}

/** The token endpoint's grant type that trades an authkey for a new sign-in. */
const authkeyGrant = "urn:tandem:params:oauth:grant-type:authkey";

function store(t: { access_token: string; refresh_token?: string; expires_in?: number; authkey?: string }, user: PassportUser, now: number): Cached {
  const life = Math.max(0, Number(t.expires_in) || 0) * 1000;
  const c: Cached = {
    access: t.access_token,
    refresh: t.refresh_token,
    expiresAt: now + life,
    refreshAt: now + life - Math.min(skewMs, life / 4),
    checkedAt: now,
    user,
    authkey: typeof t.authkey === "string" ? t.authkey : undefined,
  };
  ls.set(c);
  return c;
}

/** Ends the sign-in on this page because the passport said so: cache cleared, message shown, listeners told. */
export function ended(reason: string): void {
  const c = cached();
  try {
    // Before the cache goes: the other tabs read it when they see it go.
    localStorage.setItem(endedKey(), JSON.stringify({ reason, at: Date.now() }));
  } catch {
    // storage disabled: the other tabs learn it from the passport
  }
  ls.del();
  unfollow();
  if (c) {
    showMessage(signedOutMessage(reason));
    emit(null, reason);
  }
}

/**
 * Refreshes the tokens: one refresh at a time on this page. Another tab
 * may have refreshed already (the cache then holds a newer token than the
 * one this page started from); two tabs refreshing at once get the same
 * new tokens from the passport's grace window.
 */
export function refresh(force = false): Promise<string | null> {
  if (!refreshing) {
    refreshing = doRefresh(force).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefresh(force: boolean): Promise<string | null> {
  const c = cached();
  if (!c) return null;
  if (!c.refresh) return renew(c);
  const now = Date.now();
  if (!force && fresh(c, now)) return c.access;
  let r;
  try {
    r = await tokenRequest({ grant_type: "refresh_token", refresh_token: c.refresh });
  } catch {
    return null; // the network: try again later, keeping the sign-in
  }
  if (r.ok && typeof r.json.access_token === "string") {
    const latest = cached();
    if (!latest || latest.user.id !== c.user.id) return null; // signed out meanwhile
    const n = store({ ...r.json, refresh_token: r.json.refresh_token || c.refresh, authkey: c.authkey }, c.user, Date.now());
    emit(n.user, "refreshed");
    return n.access;
  }
  if (r.json.error === "invalid_grant") {
    // Another tab may have rotated the token and saved the new one.
    const latest = cached();
    if (latest && latest.refresh !== c.refresh && fresh(latest, Date.now())) return latest.access;
    const reason = grantReason(String(r.json.error_description || ""));
    // Only a sign-in that ran out is renewed: one that was ended
    // (elsewhere, revoked, reused, logged out) stays ended.
    if (reason === "expired") return renew(c);
    ended(reason);
  }
  return null;
}

/**
 * Trades the authkey for a new sign-in when the old one expired (the
 * passport applies the site's rules, one device among them); without an
 * authkey, or when the passport refuses it, the person is signed out.
 */
async function renew(c: Cached): Promise<string | null> {
  if (!c.authkey) {
    ended("expired");
    return null;
  }
  let r;
  try {
    r = await tokenRequest({ grant_type: authkeyGrant, authkey: c.authkey });
  } catch {
    return null; // the network: try again later, keeping the sign-in
  }
  if (r.ok && typeof r.json.access_token === "string") {
    const latest = cached();
    if (!latest || latest.user.id !== c.user.id) return null; // signed out meanwhile
    const n = store({ ...r.json, authkey: r.json.authkey || c.authkey }, c.user, Date.now());
    emit(n.user, "renewed");
    return n.access;
  }
  ended("expired");
  return null;
}

/**
 * Asks the passport whether the sign-in still holds (userinfo with the
 * Bearer token); an ended one is signed out with the passport's reason,
 * an expired token refreshed.
 */
export async function check(): Promise<boolean> {
  const c = cached();
  if (!c) return false;
  let res: Response;
  try {
    res = await host.fetch(host.base + "/passport/userinfo", {
      mode: "cors",
      credentials: "omit",
      headers: { Authorization: "Bearer " + c.access },
    });
  } catch {
    return true; // the network: keep the sign-in, check again later
  }
  const body = await res.json().catch(() => null);
  if (res.ok && body && body.sub === c.user.id) {
    const latest = cached();
    if (latest && latest.access === c.access) {
      const user: PassportUser = { id: body.sub, email: body.email ?? c.user.email, name: body.name ?? c.user.name };
      ls.set({ ...latest, user, checkedAt: Date.now() });
    }
    return true;
  }
  if (res.status !== 401) return true;
  const reason = bearerReason(res.headers.get("WWW-Authenticate"), body);
  const latest = cached();
  if (latest && latest.access !== c.access) return true; // another tab refreshed meanwhile
  if (reason === "expired" || reason === "unknown") {
    // An access token dies when it expires or is refreshed; the refresh token says whether the sign-in holds.
    return (await refresh(true)) !== null;
  }
  ended(reason);
  return false;
}

/** The person signed in on this site, or null. */
export function user(): PassportUser | null {
  const c = cached();
  return c ? c.user : null;
}

/** A valid access token (refreshed when it expired), or null when nobody is signed in. */
export async function token(): Promise<string | null> {
  const c = cached();
  if (!c) return null;
  if (fresh(c, Date.now())) return c.access;
  return refresh();
}

/** The cached access token while unexpired, without any request (for help requests). */
export function currentToken(): string | null {
  const c = cached();
  return c && c.expiresAt > Date.now() ? c.access : null;
}

/** Signs the person out on this site: the passport revokes the sign-in (RFC 7009), the cache is cleared. */
export async function signOut(): Promise<void> {
  const c = cached();
  try {
    localStorage.removeItem(endedKey()); // the other tabs: signed out, not ended by the passport
  } catch {
    // storage disabled
  }
  ls.del();
  unfollow();
  if (!c) return;
  emit(null, "signed_out");
  try {
    await host.fetch(host.base + "/passport/revoke", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: host.siteKey, token: c.refresh || c.access }).toString(),
    });
  } catch {
    // The network: the tokens die at their expiry; this page forgot them already.
  }
}

let messageEl: HTMLElement | null = null;

/** Shows why the person was signed out, as a status message the page's readers announce. */
function showMessage(text: string): void {
  if (!messageEl || !messageEl.isConnected) {
    messageEl = document.createElement("div");
    messageEl.setAttribute("role", "status");
    messageEl.setAttribute("aria-live", "polite");
    messageEl.setAttribute("data-tandem-passport", "message");
    messageEl.style.cssText =
      "position:fixed;left:50%;top:16px;transform:translateX(-50%);z-index:2147483646;max-width:90vw;padding:10px 16px;" +
      "border-radius:8px;background:#1f2937;color:#fff;font:14px/1.4 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.25)";
    document.body.appendChild(messageEl);
  }
  messageEl.textContent = text;
}

/** Follows the sign-in while it exists and the page is visible. */
function watch(): void {
  if (cached() && document.visibilityState === "visible") follow();
  else unfollow();
}

/** Starts the passport's side of the loader: a sign-in to finish, a cached one to check, changes of other tabs. */
export async function startPassport(): Promise<void> {
  try {
    if (!(await finish())) {
      const c = cached();
      if (c && Date.now() - c.checkedAt > checkAfterMs) await check();
    }
  } catch (e) {
    console.warn("Tandem: the passport sign-in failed", e);
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && cached()) void check().then(watch);
    else watch();
  });
  window.addEventListener("storage", (e) => {
    if (e.key !== cacheKey()) return;
    const before = memory;
    const now = ls.get();
    memory = now;
    if (before && !now) {
      unfollow();
      // Another tab learnt that the sign-in ended: this one says so too.
      let end: { reason?: string; at?: number } | null = null;
      try {
        end = JSON.parse(localStorage.getItem(endedKey()) || "null");
      } catch {
        end = null;
      }
      if (end && typeof end.reason === "string" && Date.now() - Number(end.at) < 10_000) {
        showMessage(signedOutMessage(end.reason));
        emit(null, end.reason);
      } else emit(null, "signed_out");
    } else if (now && (!before || before.user.id !== now.user.id)) emit(now.user, "signed_in");
    watch();
  });
  watch();
}
