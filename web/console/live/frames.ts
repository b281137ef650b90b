// Frames of Tandem's WebSocket channels (docs/protocol.md, "Frames"): a
// small JSON header, then optionally a newline and a JSON payload. The text
// form (split and join, shared with the SDK) is in shared/frames.ts; this is
// the console's checked reading of it.

import { splitFrame } from "../../shared/frames";

/** Header of a frame. Only `k` is always present. */
export interface Header {
  k: string;
  s?: number;
  p?: string;
  h?: string;
  t?: number;
  ack?: number;
  from?: number;
}

/** A parsed frame; payload is the raw JSON text after the newline, if any. */
export interface Frame {
  header: Header;
  payload: string | null;
}

/** Kinds of data frames: the ones that carry a sequence number and are recorded. */
export const dataKinds: ReadonlySet<string> = new Set(["meta", "snap", "ref", "ev", "leave"]);

/** Reports whether the frame is a data frame (it has a sequence number). */
export function isData(h: Header): boolean {
  return dataKinds.has(h.k) && typeof h.s === "number";
}

/**
 * Parses a frame. It throws on a malformed header so that the caller can
 * treat the channel as broken rather than act on half a frame.
 */
export function parseFrame(text: string): Frame {
  const [head, payload] = splitFrame(text);
  let header: unknown;
  try {
    header = JSON.parse(head);
  } catch {
    throw new Error(`malformed frame header: ${head.slice(0, 80)}`);
  }
  if (!header || typeof header !== "object" || typeof (header as Header).k !== "string") {
    throw new Error(`frame header without a kind: ${head.slice(0, 80)}`);
  }
  return { header: header as Header, payload: payload === "" ? null : payload };
}

/** Decodes a frame's payload, or returns fallback when there is none or it is not JSON. */
export function payloadOf<T>(f: Frame, fallback: T): T {
  if (f.payload === null) return fallback;
  try {
    return JSON.parse(f.payload) as T;
  } catch {
    return fallback;
  }
}
