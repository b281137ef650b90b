import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultExpiry, expiries, linkStatus, ShareLink, tokenOf } from "./api";

test("tokenOf takes the token of a share page's address only", () => {
  const tok = "tsl_" + "a2".repeat(13);
  assert.equal(tokenOf("/s/" + tok), tok);
  assert.equal(tokenOf("/s/" + tok + "/"), tok);
  for (const bad of ["/s/", "/s/abc", "/console/s/" + tok, "/s/" + tok + "/recording", "/s/" + tok.toUpperCase(), "/s/" + tok + "a"]) {
    assert.equal(tokenOf(bad), "", bad);
  }
});

test("the expiries lie within the server's bounds and include the default", () => {
  for (const e of expiries) assert.ok(e.seconds >= 3600 && e.seconds <= 30 * 86400, e.label);
  assert.ok(expiries.some((e) => e.seconds === defaultExpiry));
});

test("linkStatus names the state, then the audience", () => {
  const l: ShareLink = {
    id: "l", kind: "assist", subjectId: "a", createdBy: "u", createdAt: "", expiresAt: "", audience: "console", state: "active", uses: 0,
  };
  assert.equal(linkStatus(l), "Console users");
  assert.equal(linkStatus({ ...l, audience: "anyone" }), "Anyone with the link");
  assert.equal(linkStatus({ ...l, state: "revoked" }), "Revoked");
  assert.equal(linkStatus({ ...l, state: "expired" }), "Expired");
});
