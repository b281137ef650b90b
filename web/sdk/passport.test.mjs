// Tests of the passport client's pure parts: ID token checks, the reasons
// of an ended sign-in, and the event stream's parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { b64url, bearerReason, checkIDToken, grantReason, jwtClaims, parseSSE, signedOutMessage } from "./passport-claims.ts";

const jwt = (claims) => "e30." + b64url(new TextEncoder().encode(JSON.stringify(claims))) + ".sig";

test("an ID token is taken only with this sign-in's nonce, for this site, unexpired", () => {
  const now = 1_700_000_000_000;
  const good = { sub: "id1", aud: "site", nonce: "n", exp: now / 1000 + 60, email: "s@x", name: "Sâm" };
  assert.deepEqual(checkIDToken(jwtClaims(jwt(good)), "n", "site", now), { id: "id1", email: "s@x", name: "Sâm" });
  assert.deepEqual(checkIDToken(jwtClaims(jwt({ ...good, aud: ["other", "site"] })), "n", "site", now), { id: "id1", email: "s@x", name: "Sâm" });
  const bad = [
    [jwt({ ...good, nonce: "m" }), /nonce/],
    [jwt({ ...good, nonce: undefined }), /nonce/],
    [jwt({ ...good, aud: "other" }), /another site/],
    [jwt({ ...good, aud: ["other"] }), /another site/],
    [jwt({ ...good, exp: now / 1000 - 1 }), /expired/],
    [jwt({ ...good, sub: "" }), /nobody/],
    ["not a jwt", /malformed/],
    ["a.!!!.c", /malformed/],
    ["a." + b64url(new TextEncoder().encode("[1]")) + ".c", /nonce/],
  ];
  for (const [tok, want] of bad) assert.match(String(checkIDToken(jwtClaims(tok), "n", "site", now)), want, tok);
});

test("the reason of an inactive token comes from WWW-Authenticate, else the body", () => {
  assert.equal(bearerReason('Bearer error="invalid_token", error_description="signed_in_elsewhere"', null), "signed_in_elsewhere");
  assert.equal(bearerReason(null, { reason: "revoked" }), "revoked");
  assert.equal(bearerReason('Bearer realm="passport"', { error_description: "expired" }), "expired");
  assert.equal(bearerReason(null, null), "unknown");
});

test("a refused refresh says why the sign-in ended", () => {
  assert.equal(grantReason("the sign-in ended: signed_in_elsewhere"), "signed_in_elsewhere");
  assert.equal(grantReason("the sign-in ended: logged_out"), "logged_out");
  assert.equal(grantReason("the refresh token expired"), "expired");
  assert.equal(grantReason("the refresh token was already used"), "reused");
  assert.equal(grantReason("the refresh token is unknown"), "expired", "swept after it expired");
  assert.equal(grantReason("the refresh token was issued to another client"), "revoked");
});

test("every reason has a message, and signed in elsewhere says so", () => {
  assert.match(signedOutMessage("signed_in_elsewhere"), /signed in on another device/);
  for (const r of ["revoked", "reused", "expired", "logged_out", "whatever"]) assert.match(signedOutMessage(r), /sign/i, r);
});

test("server-sent events are parsed across chunks, comments skipped", () => {
  let { events, rest } = parseSSE(': keep-alive\n\nevent: refresh\ndata: {"type":"refresh"}\n\nevent: ended\ndata: {"type":"en');
  assert.deepEqual(events, [{ event: "refresh", data: '{"type":"refresh"}' }]);
  ({ events, rest } = parseSSE(rest + 'ded","reason":"revoked"}\r\n\r\ndata: a\ndata: b\n\n'));
  assert.deepEqual(events, [
    { event: "ended", data: '{"type":"ended","reason":"revoked"}' },
    { event: "message", data: "a\nb" },
  ]);
  assert.equal(rest, "");
});
