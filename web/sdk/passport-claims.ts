// The passport client's pure parts (no page, no storage): ID token
// claims, the reasons the passport gives for an ended sign-in and the
// messages shown for them, and the event stream's format. Unit-tested in
// passport.test.mjs.

/** Who is signed in. */
export interface PassportUser {
  id: string;
  email?: string;
  name?: string;
}

/** Messages shown when the passport ended the sign-in. */
export function signedOutMessage(reason: string): string {
  switch (reason) {
    case "signed_in_elsewhere":
      return "You were signed out because you signed in on another device.";
    case "revoked":
      return "You were signed out: your sign-in was revoked.";
    case "reused":
      return "You were signed out to protect your account. Please sign in again.";
    case "expired":
      return "Your sign-in expired. Please sign in again.";
    case "logged_out":
      return "You were signed out.";
    default:
      return "You were signed out. Please sign in again.";
  }
}

/** Base64url of bytes, without padding. */
export function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes a JWT's claims without checking its signature (the token came straight from the passport's token endpoint). */
export function jwtClaims(jwt: string): Record<string, unknown> | null {
  const p = jwt.split(".");
  if (p.length !== 3) return null;
  try {
    const json = decodeURIComponent(
      Array.from(atob(p[1].replace(/-/g, "+").replace(/_/g, "/")), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
    );
    const v = JSON.parse(json);
    return v && typeof v === "object" ? v : null;
  } catch {
    return null;
  }
}

/**
 * Checks an ID token's claims for this sign-in: the nonce sent, this site
 * as audience, not expired. Returns the person, or an error message.
 */
export function checkIDToken(claims: Record<string, unknown> | null, nonce: string, clientId: string, now: number): PassportUser | string {
  if (!claims) return "the ID token is malformed";
  if (claims.nonce !== nonce) return "the ID token's nonce differs from the sign-in's";
  const aud = claims.aud;
  if (!(aud === clientId || (Array.isArray(aud) && aud.includes(clientId)))) return "the ID token is for another site";
  if (typeof claims.exp !== "number" || claims.exp * 1000 < now) return "the ID token expired";
  if (typeof claims.sub !== "string" || !claims.sub) return "the ID token names nobody";
  const u: PassportUser = { id: claims.sub };
  if (typeof claims.email === "string") u.email = claims.email;
  if (typeof claims.name === "string") u.name = claims.name;
  return u;
}

/**
 * The reason an access token is not active, from a 401 of the passport:
 * RFC 6750's WWW-Authenticate error_description, else the body's reason.
 */
export function bearerReason(header: string | null, body: { reason?: string; error_description?: string } | null): string {
  const m = header && /error_description="([^"]*)"/.exec(header);
  return (m && m[1]) || (body && (body.reason || body.error_description)) || "unknown";
}

/** The reason of an invalid_grant answer to a refresh ("the sign-in ended: REASON"). */
export function grantReason(desc: string): string {
  const m = /ended: ([a-z_]+)/.exec(desc);
  if (m) return m[1];
  // An unknown refresh token is one whose sign-in expired and was swept
  // (ended ones are kept until they would have expired, to say why).
  return /expired|unknown/.test(desc) ? "expired" : /already used/.test(desc) ? "reused" : "revoked";
}

/** One server-sent event. */
export interface SSEvent {
  event: string;
  data: string;
}

/**
 * Parses complete events out of buf (text/event-stream); returns them and
 * what is left for the next chunk. Comment lines (":…") are skipped.
 */
export function parseSSE(buf: string): { events: SSEvent[]; rest: string } {
  const events: SSEvent[] = [];
  const blocks = buf.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() || "";
  for (const b of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of b.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length || event !== "message") events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}

