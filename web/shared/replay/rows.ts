// Devtools rows: the console, network and error entries the SDK sends as
// rrweb custom events (type 5, data.tag), turned into what the panel shows.

import { EventType, RREvent } from "./events";

/** The panel's tabs. */
export type RowKind = "console" | "network" | "error";

/** The kinds in tab order. */
export const rowKinds: readonly RowKind[] = ["console", "network", "error"];

/** One line of the devtools panel. */
export interface Row {
  key: string; // unique within an assist
  seq: number; // the data frame it came from (0 in replays built without one)
  kind: RowKind;
  ts: number; // the event's timestamp, person's clock
  text: string; // what the filter box searches
  level?: string; // console: log, info, warn, error, debug
  method?: string; // network
  url?: string; // network
  status?: number; // network
  durationMs?: number; // network
  failed?: boolean; // network: status >= 400, no response, or an error
  netId?: string; // network: the SDK's request id, to merge updates
  error?: string; // network: why it failed
  startedAt?: number; // network: when the request started, person's clock (ms since epoch)
  ttfbMs?: number; // network: start to the response's first byte (Resource Timing)
  requestHeaders?: [string, string][]; // network: credential values hidden by the SDK
  responseHeaders?: [string, string][]; // network
  requestBody?: string; // network: only where the site records bodies
  responseBody?: string; // network
  stack?: string; // error
  source?: string; // error: file:line:column
}

function str(v: unknown): string {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

// headers reads a header list the SDK sent: [name, value] pairs of strings.
function headers(v: unknown): [string, string][] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: [string, string][] = [];
  for (const h of v) {
    if (Array.isArray(h) && h.length === 2 && typeof h[0] === "string" && typeof h[1] === "string") out.push([h[0], h[1]]);
  }
  return out;
}

function optStr(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && isFinite(v) ? v : undefined;
}

/** Returns the row for a custom event, or null for any other event or tag. */
export function rowFromEvent(e: RREvent, key: string, seq: number): Row | null {
  if (e.type !== EventType.Custom || !e.data || typeof e.data !== "object") return null;
  const p = (e.data.payload ?? {}) as Record<string, unknown>;
  switch (e.data.tag) {
    case "console": {
      const level = typeof p.level === "string" ? p.level : "log";
      const args = Array.isArray(p.args) ? p.args.map(str) : [str(p.args)];
      return { key, seq, kind: "console", ts: e.timestamp, level, text: args.join(" ") };
    }
    case "network": {
      const status = num(p.status);
      const error = typeof p.error === "string" && p.error ? p.error : undefined;
      const method = (typeof p.method === "string" && p.method ? p.method : "GET").toUpperCase();
      const url = str(p.url);
      const failed = !!error || p.ok === false || (status !== undefined && (status >= 400 || status === 0));
      return {
        key,
        seq,
        kind: "network",
        ts: e.timestamp,
        text: `${method} ${url} ${status ?? ""} ${error ?? ""}`.trim(),
        method,
        url,
        status,
        durationMs: num(p.durationMs),
        failed,
        error,
        netId: typeof p.id === "string" || typeof p.id === "number" ? String(p.id) : undefined,
        startedAt: num(p.startedAt),
        ttfbMs: num(p.ttfbMs),
        requestHeaders: headers(p.requestHeaders),
        responseHeaders: headers(p.responseHeaders),
        requestBody: optStr(p.requestBody),
        responseBody: optStr(p.responseBody),
      };
    }
    case "error": {
      const message = str(p.message) || "Error";
      const file = str(p.source);
      const line = num(p.line);
      const col = num(p.column);
      const source = file ? `${file}${line !== undefined ? `:${line}` : ""}${col !== undefined ? `:${col}` : ""}` : undefined;
      const kind = p.kind === "unhandledrejection" ? "Unhandled rejection: " : "";
      return {
        key,
        seq,
        kind: "error",
        ts: e.timestamp,
        text: `${kind}${message}`,
        stack: str(p.stack) || undefined,
        source,
      };
    }
  }
  return null;
}

/**
 * Appends the rows of events to rows. A network row whose request id is
 * already listed replaces it in place, so a request that is reported when it
 * starts and again when it ends is one line. Most batches (mouse moves,
 * mutations) make no row: then rows itself is returned, uncopied, so the
 * panel does not redraw for them.
 */
export function appendRows(rows: readonly Row[], events: readonly RREvent[], seq: number): Row[] {
  let out: Row[] | null = null;
  events.forEach((e, i) => {
    const r = rowFromEvent(e, `${seq}.${i}`, seq);
    if (!r) return;
    out ??= rows.slice();
    if (r.kind === "network" && r.netId !== undefined) {
      const at = out.findIndex((o) => o.kind === "network" && o.netId === r.netId);
      if (at >= 0) {
        out[at] = { ...r, key: out[at].key, ts: out[at].ts };
        return;
      }
    }
    out.push(r);
  });
  return out ?? (rows as Row[]);
}

/** Returns the rows of one kind whose text contains query (case-insensitive). */
export function filterRows(rows: readonly Row[], kind: RowKind, query: string): Row[] {
  const q = query.trim().toLowerCase();
  return rows.filter((r) => r.kind === kind && (!q || r.text.toLowerCase().includes(q)));
}

/** Counts the rows of each kind, and the problems among them (errors, failed requests, console.error calls). */
export function countRows(rows: readonly Row[]): Record<RowKind, number> & { problems: Record<RowKind, number> } {
  const c = { console: 0, network: 0, error: 0, problems: { console: 0, network: 0, error: 0 } };
  for (const r of rows) {
    c[r.kind]++;
    if (r.kind === "error" || r.failed || (r.kind === "console" && r.level === "error")) {
      c.problems[r.kind]++;
    }
  }
  return c;
}

/** Returns the rows at or before ts (rows are in time order), for a replay's clock. */
export function rowsUntil(rows: readonly Row[], ts: number): Row[] {
  let n = 0;
  while (n < rows.length && rows[n].ts <= ts) n++;
  return rows.slice(0, n);
}
