import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRoute, paths } from "../app/routes";
import { grantsPath, Pages, personLabel, until, type Grant } from "./api";

test("grantsPath leaves out empty filters and escapes the rest", () => {
  assert.equal(grantsPath({}), "/passport/grants");
  assert.equal(grantsPath({ site: "S1", identity: "  sam+x@example.com ", cursor: "", limit: 25 }), "/passport/grants?site=S1&identity=sam%2Bx%40example.com&limit=25");
  assert.equal(grantsPath({ identity: "   ", cursor: "G9" }), "/passport/grants?cursor=G9");
});

test("until says how long is left, and expired from zero on", () => {
  const cases: [number, string][] = [
    [-5000, "expired"],
    [0, "expired"],
    [999, "expired"],
    [42_000, "in 42s"],
    [5 * 60_000 + 30_000, "in 5m"],
    [3 * 3600_000, "in 3h"],
    [47 * 3600_000, "in 47h"],
    [30 * 86400_000, "in 30d"],
  ];
  for (const [ms, want] of cases) assert.equal(until(ms), want, String(ms));
});

test("personLabel falls back from the name to the email to the id", () => {
  const g = (name: string, email: string) => ({ identity: { id: "I1", name, email } }) as Grant;
  assert.equal(personLabel(g("Sam Doe", "sam@example.com")), "Sam Doe");
  assert.equal(personLabel(g("", "sam@example.com")), "sam@example.com");
  assert.equal(personLabel(g("", "")), "I1");
});

test("Pages goes forward and back through cursors and starts again on reset", () => {
  const p = new Pages();
  assert.equal(p.canGoBack, false);
  assert.equal(p.forward("G50"), "G50");
  assert.equal(p.forward("G100"), "G100");
  assert.equal(p.canGoBack, true);
  assert.equal(p.back(), "G50");
  assert.equal(p.back(), "");
  assert.equal(p.canGoBack, false);
  assert.equal(p.back(), "");
  p.forward("G50");
  p.reset();
  assert.equal(p.current, "");
  assert.equal(p.canGoBack, false);
});

test("the Sign-ins screen has its address", () => {
  assert.deepEqual(parseRoute(paths.signins), { name: "signins" });
  assert.deepEqual(parseRoute(paths.signins + "/"), { name: "signins" });
  assert.equal(parseRoute(paths.signins + "/x").name, "notfound");
});
