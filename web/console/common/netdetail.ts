// What the devtools panel shows of one network request: the URL shortened
// in the middle for its row, and the request as a curl command to copy.

import type { Row } from "../../shared/replay/rows";

/** The marker the SDK puts in place of a credential header's value. */
export const hiddenValue = "[hidden]";

/**
 * middleTruncate shortens url to at most max characters by cutting from its
 * middle. The end (the last part of the path and the query) is what tells
 * requests apart, so it is kept first: at most a quarter of max goes to the
 * start (scheme and host), the rest to the end.
 */
export function middleTruncate(url: string, max: number): string {
  const chars = Array.from(url); // never split a surrogate pair
  if (chars.length <= max) return url;
  if (max < 2) return "…";
  const room = max - 1;
  let tail = chars.length;
  try {
    const u = new URL(url);
    tail = Array.from(u.pathname + u.search + u.hash).length;
  } catch {
    // not an absolute URL: keep its end
  }
  const endKeep = Math.min(tail, room - Math.min(chars.length - tail, Math.floor(room / 4)));
  const startKeep = room - endKeep;
  return chars.slice(0, startKeep).join("") + "…" + chars.slice(chars.length - endKeep).join("");
}

/**
 * shellQuote quotes s as one word for a POSIX shell (bash, zsh): in single
 * quotes, where nothing is special but the quote itself; a string with
 * control characters (a newline in a header, say) uses $'…' with every such
 * character escaped, so that what is pasted stays one line and one word.
 * NUL cannot be in a shell word and is dropped.
 */
export function shellQuote(s: string): string {
  s = s.replace(/\0/g, "");
  if (!/[\x01-\x1f\x7f]/.test(s)) return "'" + s.replace(/'/g, "'\\''") + "'";
  let out = "$'";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + "'";
}

// Bodies the SDK could not record as text are described in brackets.
const placeholderBody = /^\[(?:form data|binary|blob \d+ bytes)\]$/;

/**
 * curlCommand writes a network row as a curl command. Headers whose value
 * the SDK hid (cookies, authorization) are left out: the agent adds their
 * own if they repeat the request.
 */
export function curlCommand(r: Pick<Row, "method" | "url" | "requestHeaders" | "requestBody">): string {
  const parts = ["curl", "--url", shellQuote(r.url ?? "")];
  const method = (r.method || "GET").toUpperCase();
  if (method !== "GET") parts.push("-X", shellQuote(method));
  for (const [name, value] of r.requestHeaders ?? []) {
    if (value === hiddenValue) continue;
    parts.push("-H", shellQuote(`${name}: ${value}`));
  }
  if (r.requestBody !== undefined && !placeholderBody.test(r.requestBody)) parts.push("--data-raw", shellQuote(r.requestBody));
  return parts.join(" ");
}
