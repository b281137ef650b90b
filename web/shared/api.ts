// The console's side of the HTTP API (/api/v1, cookie session). Every call
// either returns the decoded body or throws an ApiError carrying the server's
// message, which the screens show as is.

import { Viewport } from "./replay/events";
import { RecordedFrame } from "./replay/recording";

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
  /** The assist's support conversation, shown beside the live view and the replay. */
  conversationId?: string;
  /** Who the passport says the person is, when they were signed in to the site; absent otherwise. */
  verified?: VerifiedPerson;
}

/** A person's identity as the passport vouched for it. */
export interface VerifiedPerson {
  identityId: string;
  email: string;
  name?: string;
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

/**
 * Calls the API at path (under /api/v1): a Blob body is sent as is with its
 * own type (uploads), anything else as JSON.
 */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  const raw = typeof Blob !== "undefined" && body instanceof Blob;
  const type = raw ? (body as Blob).type || "application/octet-stream" : "application/json";
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": type },
      body: body === undefined ? undefined : raw ? (body as Blob) : JSON.stringify(body),
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
/** Whether I take requests now, and how many agents do. */
export interface Availability {
  available: boolean;
  agentsAvailable: number;
}

export const api = {
  me: () => call<{ user: User }>("GET", "/me"),
  availability: () => call<Availability>("GET", "/me/availability"),
  setAvailability: (available: boolean) => call<Availability>("PUT", "/me/availability", { available }),
  login: (email: string, password: string) => call<{ user: User }>("POST", "/login", { email, password }),
  signInMethods: () => call<{ password: boolean; passport: boolean }>("GET", "/console/signin"),
  logout: () => call<unknown>("POST", "/logout"),
  assists: (...states: AssistState[]) =>
    call<{ assists: Assist[] }>("GET", `/assists${states.length ? "?" + states.map((s) => `state=${enc(s)}`).join("&") : ""}`),
  assist: (id: string) => call<AssistDetails>("GET", `/assists/${enc(id)}`),
  accept: (id: string) => call<{ assist: Assist }>("POST", `/assists/${enc(id)}/accept`),
  end: (id: string) => call<{ assist: Assist }>("POST", `/assists/${enc(id)}/end`),
  recording: (id: string) => call<{ assist: Assist; frames: RecordedFrame[] | null }>("GET", `/assists/${enc(id)}/recording`),
  recordingStream: (id: string, sink: RecordingSink, signal?: AbortSignal) => streamRecording(`/assists/${enc(id)}/recording`, sink, signal),
  sites: () => call<{ sites: Site[] }>("GET", "/sites"),
  invite: (siteId: string, url?: string, ttlSeconds?: number) =>
    call<Invite>("POST", "/invites", { siteId, ...(url ? { url } : {}), ...(ttlSeconds ? { ttlSeconds } : {}) }),
  terminals: () => call<{ terminals: Terminal[] | null }>("GET", "/terminals"),
  terminal: (id: string) => call<{ terminal: Terminal }>("GET", `/terminals/${enc(id)}`),
};

/** Receives a recording as it streams in. */
export interface RecordingSink {
  /** The assist, first. */
  assist(a: Assist): void;
  /** The frames of one piece of the answer, in order. */
  frames(fs: RecordedFrame[]): void;
}

/**
 * Reads a recording a line at a time (NDJSON), handing the sink each
 * piece's frames as it arrives, so that the replay can start before the
 * whole recording was read. It resolves once the server said the recording
 * ended, and rejects on an error, or when the answer stops short.
 */
async function streamRecording(path: string, sink: RecordingSink, signal?: AbortSignal): Promise<void> {
  return readRecording(await fetchRecording(`/api/v1${path}`, signal), sink, signal);
}

/** Starts fetching a recording a line at a time (NDJSON) from url. */
export async function fetchRecording(url: string, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { credentials: "same-origin", headers: { Accept: "application/x-ndjson" }, signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, "unavailable", "Cannot reach the server. Check your connection and try again.");
  }
}

/** Reads a fetchRecording answer into sink, as streamRecording does. */
export async function readRecording(res: Response, sink: RecordingSink, signal?: AbortSignal): Promise<void> {
  if (!res.ok || !res.body) {
    let data: { error?: { code?: string; message?: string } } | null = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    const e = data?.error;
    if (res.status === 401 && onUnauthorized) onUnauthorized();
    throw new ApiError(res.status, e?.code ?? "http_" + res.status, e?.message ?? `${res.status} ${res.statusText || "error"}`);
  }
  const lines = new LineSplitter();
  const reader = res.body.getReader();
  let ended = false;
  const take = (text: string) => {
    const frames: RecordedFrame[] = [];
    for (const line of lines.push(text)) {
      const v = JSON.parse(line) as { assist?: Assist; end?: unknown; error?: { code?: string; message?: string } } & RecordedFrame;
      if (v.error) throw new ApiError(500, v.error.code ?? "internal", v.error.message ?? "reading the recording failed");
      if (v.end) ended = true;
      else if (v.assist) sink.assist(v.assist);
      else frames.push(v);
    }
    if (frames.length) sink.frames(frames);
  };
  const decoder = new TextDecoder();
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new ApiError(0, "unavailable", "The connection broke while the recording was loading. Try again.");
    }
    if (chunk.done) break;
    take(decoder.decode(chunk.value, { stream: true }));
  }
  take(decoder.decode() + "\n");
  if (!ended) throw new ApiError(0, "unavailable", "The recording stopped short of its end. Try again.");
}

/** LineSplitter cuts text that arrives in pieces into whole lines. */
export class LineSplitter {
  private rest = "";

  /** Returns the non-empty lines completed by text. */
  push(text: string): string[] {
    const parts = (this.rest + text).split("\n");
    this.rest = parts.pop() ?? "";
    return parts.filter((l) => l.trim() !== "");
  }
}

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
