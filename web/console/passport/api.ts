// The passport monitor's API as the console calls it (docs/passport.md,
// "Monitor"): live sign-ins (grants), asking a client to refresh ahead of
// expiry, and revoking a sign-in. Admins only.

import { call } from "../../shared/api";

/** A live sign-in of a person on a site from one device. */
export interface Grant {
  id: string;
  identity: { id: string; email: string; name: string };
  site: { id: string; key: string; name: string };
  device: { id: string; kind: string };
  scope: string;
  createdAt: string;
  /** The last refresh (the sign-in when none). */
  rotatedAt: string;
  accessExpiresAt: string;
  /** When the refresh token, and so the sign-in, expires. */
  expiresAt: string;
  refreshAhead: boolean;
}

/** The filters of the list: a site id, a person (identity id or email), a page. */
export interface GrantQuery {
  site?: string;
  identity?: string;
  cursor?: string;
  limit?: number;
}

/** The query string of q, without empty parameters. */
export function grantsPath(q: GrantQuery): string {
  const p = new URLSearchParams();
  if (q.site) p.set("site", q.site);
  if (q.identity?.trim()) p.set("identity", q.identity.trim());
  if (q.cursor) p.set("cursor", q.cursor);
  if (q.limit) p.set("limit", String(q.limit));
  const s = p.toString();
  return `/passport/grants${s ? `?${s}` : ""}`;
}

const enc = encodeURIComponent;

/** The calls of the monitor. */
export const passportApi = {
  grants: (q: GrantQuery) => call<{ grants: Grant[] | null; next?: string }>("GET", grantsPath(q)),
  refresh: (id: string) => call<unknown>("POST", `/passport/grants/${enc(id)}/refresh`),
  revoke: (id: string) => call<unknown>("POST", `/passport/grants/${enc(id)}/revoke`),
};

/** "in 42s", "in 5m", "in 3h", "in 2d", or "expired" for a time at or before now. */
export function until(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s <= 0) return "expired";
  if (s < 60) return `in ${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `in ${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `in ${h}h`;
  return `in ${Math.floor(h / 24)}d`;
}

/** Who a grant is, for labels: the name, else the email, else the id. */
export function personLabel(g: Grant): string {
  return g.identity.name || g.identity.email || g.identity.id;
}

/** The cursors of the pages seen: back goes to the previous page's cursor. */
export class Pages {
  private stack: string[] = [];
  /** The cursor of the page shown ("" for the first). */
  current = "";

  /** Moves to the page after the one shown. */
  forward(next: string): string {
    this.stack.push(this.current);
    this.current = next;
    return next;
  }

  /** Moves to the page before the one shown. */
  back(): string {
    this.current = this.stack.pop() ?? "";
    return this.current;
  }

  /** Whether there is a page before the one shown. */
  get canGoBack(): boolean {
    return this.stack.length > 0;
  }

  /** Starts again from the first page (filters changed). */
  reset(): void {
    this.stack = [];
    this.current = "";
  }
}
