// Requests to Tandem's public HTTP API (/api/v1/public/..., docs/protocol.md):
// the site's configuration, help requests, invite redemptions and the chat
// panel's conversation (with the person token). They go through the page's
// own fetch as it was when the loader started, before the recorder (or the
// site) wraps it, so they are never recorded; they carry no cookies.

import { base } from "./config";

/** An error from Tandem's API: {"error":{"code","message"}}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The page's fetch as it was when the loader's script ran. */
export const nativeFetch = window.fetch.bind(window);

/**
 * Sends a request to Tandem and returns the decoded JSON answer (an empty
 * object for none); it throws an ApiError for an error status. token is a
 * person token for the conversation routes (Authorization: Bearer).
 */
export async function api(method: string, path: string, body?: unknown, token?: string): Promise<any> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = "Bearer " + token;
  const res = await nativeFetch(base + path, {
    method,
    mode: "cors",
    credentials: "omit",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = (json && json.error) || {};
    throw new ApiError(res.status, e.code || "http_" + res.status, e.message || res.statusText);
  }
  return json;
}
