// The text form of the frames on Tandem's WebSocket channels
// (docs/protocol.md, "Frames"): a JSON header, then optionally a newline and
// the payload. The SDK and the console each read the header their own way
// (the SDK flattens it, the console checks it); the wire format is here.

/** Returns a frame's text: the JSON header and, if given, a newline and the already serialised payload. */
export function joinFrame(header: object, payloadText?: string): string {
  const head = JSON.stringify(header);
  return payloadText === undefined ? head : head + "\n" + payloadText;
}

/** Returns a frame's text with payload serialised by JSON.stringify (so it holds no raw newline); no payload, no newline. */
export function encodeFrame(header: object, payload?: unknown): string {
  return joinFrame(header, payload === undefined ? undefined : JSON.stringify(payload));
}

/** Splits a frame's text at its first newline into the header's JSON text and the payload text (null without a newline). */
export function splitFrame(text: string): [head: string, payload: string | null] {
  const nl = text.indexOf("\n");
  return nl < 0 ? [text, null] : [text.slice(0, nl), text.slice(nl + 1)];
}
