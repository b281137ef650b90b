// The console's side of the HTTP API (/api/v1, cookie session). Every call
// either returns the decoded body or throws an ApiError carrying the server's
// message, which the screens show as is.

import { Viewport } from "./events";
import { RecordedFrame } from "./recording";

/** An error from the API: the server's code and message, and the HTTP status. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A signed-in console user. */
export interface User {
  id: string;
  email: string;
  name: string;
  role: string;
}

/** The states of an assist. */
export type AssistState = "waiting" | "consenting" | "live" | "ended";

/** An assist as the API returns it. */
export interface Assist {
  id: string;
  siteId: string;
  siteName?: string;
  state: AssistState;
  personId: string;
  pageId?: string;
  pageUrl?: string;
  userAgent?: string;
  viewport?: Viewport;
  agentId?: string;
  agentName?: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  endReason?: string;
  /** When the site's retention deleted the recording; absent while it is kept. */
  recordingDeletedAt?: string;
}

/** A person's recorded answer to a request to see their page. */
export interface Consent {
  agentId?: string;
  personId?: string;
  pageUrl?: string;
  method: string;
  allowed: boolean;
  text?: string;
  at: string;
}

/** A page visited during an assist, as stored. */
export interface StoredPage {
  pageId: string;
  url: string;
  title?: string;
  hash?: string;
  at: string;
}

/** One audit log entry. */
export interface AuditEntry {
  actor: string;
  action: string;
  detail?: string;
  at: string;
}

/** GET /api/v1/assists/{id}. */
export interface AssistDetails {
  assist: Assist;
  consents?: Consent[];
  pages?: StoredPage[];
  audit?: AuditEntry[];
}

/** A site that embeds the SDK. */
export interface Site {
  id: string;
  name: string;
  key: string;
  allowedOrigins?: string[];
}

/** A created invite; link and code are shown once. */
export interface Invite {
  id: string;
  link: string;
  code: string;
  expiresAt: string;
}

/** A terminal session, as the terminals API returns it. */
export interface Terminal {
  id: string;
  hostName?: string;
  command?: string;
  createdAt?: string;
  endedAt?: string;
  helpers?: number | unknown[];
}

/** Called when any request finds the session gone, so the app can show the login screen. */
let onUnauthorized: (() => void) | null = null;

/** Registers the handler for 401 answers to requests other than login. */
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "unavailable", "Cannot reach the server. Check your connection and try again.");
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
    const err = new ApiError(res.status, e?.code ?? "http_" + res.status, e?.message ?? `${res.status} ${res.statusText || "error"}`);
    if (res.status === 401 && path !== "/login" && onUnauthorized) onUnauthorized();
    throw err;
  }
  return data as T;
}

const enc = encodeURIComponent;

/** The API calls the console makes. */
export const api = {
  me: () => call<{ user: User }>("GET", "/me"),
  login: (email: string, password: string) => call<{ user: User }>("POST", "/login", { email, password }),
  logout: () => call<unknown>("POST", "/logout"),
  assists: (...states: AssistState[]) =>
    call<{ assists: Assist[] }>("GET", `/assists${states.length ? "?" + states.map((s) => `state=${enc(s)}`).join("&") : ""}`),
  assist: (id: string) => call<AssistDetails>("GET", `/assists/${enc(id)}`),
  accept: (id: string) => call<{ assist: Assist }>("POST", `/assists/${enc(id)}/accept`),
  end: (id: string) => call<{ assist: Assist }>("POST", `/assists/${enc(id)}/end`),
  recording: (id: string) => call<{ assist: Assist; frames: RecordedFrame[] | null }>("GET", `/assists/${enc(id)}/recording`),
  sites: () => call<{ sites: Site[] }>("GET", "/sites"),
  invite: (siteId: string, url?: string, ttlSeconds?: number) =>
    call<Invite>("POST", "/invites", { siteId, ...(url ? { url } : {}), ...(ttlSeconds ? { ttlSeconds } : {}) }),
  terminals: () => call<{ terminals: Terminal[] | null }>("GET", "/terminals"),
  terminal: (id: string) => call<{ terminal: Terminal }>("GET", `/terminals/${enc(id)}`),
};

/** The WebSocket URL of an API path on this host (ws: or wss: as the page). */
export function wsURL(path: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1${path}`;
}

/** Returns the message to show for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
