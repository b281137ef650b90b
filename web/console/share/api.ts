// Share links of replays: the console's calls (docs/sharing-replays.md) and
// the pure parts of the share dialog, unit-tested.

import { call } from "../../shared/api";

/** Who may open a link. */
export type Audience = "anyone" | "console";

/** A share link as the API shows it (never its token). */
export interface ShareLink {
  id: string;
  kind: "assist" | "terminal" | "video";
  subjectId: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  audience: Audience;
  state: "active" | "expired" | "revoked";
  lastUsedAt?: string;
  uses: number;
}

/** A new link, with its token: shown once. */
export interface CreatedLink {
  link: ShareLink;
  token: string;
  path: string;
}

/** What can be shared: the replay of an assist or a terminal session, or a done video export. */
export type ShareKind = "assist" | "terminal" | "video";

const base: Record<ShareKind, string> = { assist: "/assists/", terminal: "/terminals/", video: "/videos/" };

export const shareApi = {
  create: (kind: ShareKind, id: string, ttlSeconds: number, audience: Audience) =>
    call<CreatedLink>("POST", `${base[kind]}${encodeURIComponent(id)}/share-links`, { ttlSeconds, audience }),
  list: () => call<{ links: ShareLink[] }>("GET", "/share-links"),
  revoke: (id: string) => call<{ link: ShareLink }>("DELETE", `/share-links/${encodeURIComponent(id)}`),
};

/** The expiries the dialog offers (the server takes 1 hour to 30 days). */
export const expiries = [
  { seconds: 3600, label: "1 hour" },
  { seconds: 86400, label: "1 day" },
  { seconds: 7 * 86400, label: "7 days" },
  { seconds: 30 * 86400, label: "30 days" },
];

/** The default expiry: 7 days, as the server's. */
export const defaultExpiry = 7 * 86400;

/** Returns the token of a share page's address (/s/TOKEN), or "". */
export function tokenOf(pathname: string): string {
  const m = /^\/s\/(tsl_[a-z2-7]{26})\/?$/.exec(pathname);
  return m ? m[1] : "";
}

/** Describes a link's state for its row. */
export function linkStatus(l: ShareLink): string {
  if (l.state === "revoked") return "Revoked";
  if (l.state === "expired") return "Expired";
  return l.audience === "console" ? "Console users" : "Anyone with the link";
}
