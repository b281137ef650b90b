// Tandem.passport in the loader: what every page needs to know without
// loading anything (who is signed in, the token for a help request, from
// the site's localStorage), and the loading of the passport bundle
// (passport.js) when there is more to do: a sign-in coming back from the
// passport, a cached sign-in to check and follow, or a call that needs it.
// onChange's callbacks live here, so that a page can listen before the
// bundle loads.

import { loadBundle } from "./bundle";
import { base, passportPath, siteKey } from "./config";
import { nativeFetch } from "./http";
import type { PassportUser } from "./passport-claims";
import { cacheKey, pendingKey, readCached } from "./passport-keys";
import { ss } from "./storage";
import type { PassportChange, PassportModule } from "./types";

const listeners = new Set<(c: PassportChange) => void>();
let loading: Promise<PassportModule> | null = null;
// The bundle once started: it knows more than storage (a sign-in kept in
// memory when storage is disabled).
let started: PassportModule | null = null;

function emit(c: PassportChange): void {
  for (const cb of [...listeners]) {
    try {
      cb(c);
    } catch (e) {
      console.error("Tandem.passport.onChange callback failed", e);
    }
  }
}

/** Loads and starts the passport bundle, once. */
function load(): Promise<PassportModule> {
  if (!loading) {
    loading = loadBundle(passportPath, () => window.__tandemPassport).then(async (m) => {
      await m.start({ base, siteKey, fetch: nativeFetch, emit });
      started = m;
      return m;
    });
    loading.catch(() => {
      loading = null; // a later call tries again
    });
  }
  return loading;
}

/**
 * Starts the passport's side of the page: the bundle loads when a sign-in
 * is coming back to this tab or one is cached; otherwise the page waits
 * for a call, or for another tab to sign in.
 */
export function startPassport(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const returning = q.has("state") && (q.has("code") || q.has("error")) && ss.get(pendingKey(siteKey)) !== null;
  if (returning || readCached(siteKey)) {
    return load().then(
      () => undefined,
      (e) => console.warn("Tandem: the passport could not start", e),
    );
  }
  const onStorage = (e: StorageEvent) => {
    if (e.key !== cacheKey(siteKey) || !readCached(siteKey)) return;
    // Another tab signed in: this one takes the sign-in up too.
    window.removeEventListener("storage", onStorage);
    void load().then(
      (m) => {
        const u = m.user();
        if (u) emit({ user: u, reason: "signed_in" });
      },
      (err) => console.warn("Tandem: the passport could not start", err),
    );
  };
  window.addEventListener("storage", onStorage);
  return Promise.resolve();
}

/** Redirects to the passport to sign in. */
export async function signIn(opts: { redirectUri?: string } = {}): Promise<void> {
  return (await load()).signIn(opts);
}

/** Revokes the sign-in and forgets it. */
export async function signOut(): Promise<void> {
  if (!started && !readCached(siteKey)) return;
  return (await load()).signOut();
}

/** A valid access token, refreshed when it expired; null when signed out. */
export async function token(): Promise<string | null> {
  if (!started && !readCached(siteKey)) return null;
  return (await load()).token();
}

/** The signed-in person, or null; no request. */
export function user(): PassportUser | null {
  if (started) return started.user();
  return readCached(siteKey)?.user ?? null;
}

/** The cached access token while unexpired, without any request (for help requests). */
export function currentToken(): string | null {
  if (started) return started.currentToken();
  const c = readCached(siteKey);
  return c && c.expiresAt > Date.now() ? c.access : null;
}

/** Calls cb({user, reason}) on every sign-in, refresh and sign-out; returns a function that stops it. */
export function onChange(cb: (c: PassportChange) => void): () => void {
  if (typeof cb !== "function") throw new TypeError("Tandem.passport.onChange needs a function");
  listeners.add(cb);
  return () => listeners.delete(cb);
}
