// The administration API as the console calls it (docs/api.md,
// "Administration"): agents, sites and the audit log, for admins; the
// redemption of an agent's invite, for the invited.

import { call, User } from "../../shared/api";

/** One of an agent's SSH public keys. */
export interface AdminKey {
  type: string;
  fingerprint: string;
  comment: string;
}

/** A console user as admins see them. */
export interface AdminAgent {
  id: string;
  email: string;
  name: string;
  role: "agent" | "admin";
  disabled: boolean;
  disabledAt?: string;
  /** The invite is open: no password set yet. */
  invited: boolean;
  createdAt: string;
  keys: AdminKey[];
}

/** A site with every setting an admin changes. */
export interface AdminSite {
  id: string;
  name: string;
  key: string;
  allowedOrigins: string[];
  strictMasking: boolean;
  captureBodies: boolean;
  consentEachAgent: boolean;
  retention: string;
  autoVideo: boolean;
  createdAt: string;
}

/** The settings a request changes; absent fields stay. */
export type SiteSettings = Partial<Omit<AdminSite, "id" | "key" | "createdAt">>;

/** One entry of the audit log. */
export interface AuditEntry {
  id: number;
  sessionId: string;
  actor: string;
  action: string;
  detail: string;
  at: string;
}

/** The filters of the audit log; before continues after a page. */
export interface AuditQuery {
  actor?: string;
  action?: string;
  session?: string;
  before?: number;
  limit?: number;
}

/** The query string of q, without empty parameters. */
export function auditPath(q: AuditQuery): string {
  const p = new URLSearchParams();
  if (q.actor?.trim()) p.set("actor", q.actor.trim());
  if (q.action?.trim()) p.set("action", q.action.trim());
  if (q.session?.trim()) p.set("session", q.session.trim());
  if (q.before) p.set("before", String(q.before));
  if (q.limit) p.set("limit", String(q.limit));
  const s = p.toString();
  return `/admin/audit${s ? `?${s}` : ""}`;
}

/** The invite token in a console address's fragment (#invite=TOKEN), or "". */
export function inviteToken(hash: string): string {
  const m = /^#invite=([A-Za-z0-9_-]+)$/.exec(hash);
  return m ? m[1] : "";
}

const enc = encodeURIComponent;

/** The administration calls. */
export const adminApi = {
  agents: () => call<{ agents: AdminAgent[] }>("GET", "/admin/agents"),
  invite: (email: string, name: string, role: string) =>
    call<{ agent: AdminAgent; token: string; path: string }>("POST", "/admin/agents", { email, name, role }),
  updateAgent: (id: string, change: { role?: string; disabled?: boolean }) =>
    call<{ agent: AdminAgent }>("PATCH", `/admin/agents/${enc(id)}`, change),
  addKey: (id: string, key: string) => call<{ key: AdminKey }>("POST", `/admin/agents/${enc(id)}/keys`, { key }),
  removeKey: (id: string, fingerprint: string) => call<unknown>("DELETE", `/admin/agents/${enc(id)}/keys?fingerprint=${enc(fingerprint)}`),
  sites: () => call<{ sites: AdminSite[] }>("GET", "/admin/sites"),
  createSite: (s: SiteSettings) => call<{ site: AdminSite }>("POST", "/admin/sites", s),
  updateSite: (id: string, s: SiteSettings) => call<{ site: AdminSite }>("PATCH", `/admin/sites/${enc(id)}`, s),
  audit: (q: AuditQuery) => call<{ entries: AuditEntry[]; next?: number }>("GET", auditPath(q)),
  redeem: (token: string, password: string) => call<{ user: User }>("POST", "/agent-invites/redeem", { token, password }),
};
