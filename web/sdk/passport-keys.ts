// Where the passport's sign-in is kept on the site's origin, read by the
// loader (passport-host.ts: who is signed in, without loading anything)
// and by the passport bundle (passport.ts) alike.

import type { PassportUser } from "./passport-claims";

/** The cached sign-in (localStorage). Times are epoch milliseconds. */
export interface Cached {
  access: string;
  refresh?: string;
  expiresAt: number;
  /** When to refresh: a little before expiry, so that a request does not carry a token that dies on the way. */
  refreshAt: number;
  checkedAt: number;
  user: PassportUser;
  /**
   * The passport's authkey for this site: the person's service
   * information, sealed by the passport. When the refresh token has
   * expired (and only then), it gets a new sign-in without the redirect,
   * while the person's passport session lives.
   */
  authkey?: string;
}

/** The tokens and the person, in localStorage. */
export const cacheKey = (site: string) => "tandem.passport." + site;
/** The sign-in under way in this tab (verifier, state, nonce), in sessionStorage. */
export const pendingKey = (site: string) => "tandem.passport.pending." + site;
/** Why the last sign-in ended, for the other tabs of the site: {reason, at}. */
export const endedKey = (site: string) => "tandem.passport.ended." + site;

/** The cached sign-in of the site, or null (none, malformed, or storage disabled). */
export function readCached(site: string): Cached | null {
  try {
    const c = JSON.parse(localStorage.getItem(cacheKey(site)) || "null");
    return c && typeof c.access === "string" && c.user && typeof c.user.id === "string" ? c : null;
  } catch {
    return null;
  }
}
