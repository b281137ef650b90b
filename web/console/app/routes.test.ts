import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRoute, paths } from "./routes";

test("parseRoute maps console paths to screens", () => {
  const cases: [string, object][] = [
    ["/console", { name: "queue" }],
    ["/console/", { name: "queue" }],
    ["/console/history", { name: "history" }],
    ["/console/terminals/", { name: "terminals" }],
    ["/console/assists/as_123", { name: "assist", id: "as_123" }],
    ["/console/replay/a%2Fb", { name: "replay", id: "a/b" }],
    ["/console/assists", { name: "notfound", path: "/console/assists" }],
    ["/console/nope", { name: "notfound", path: "/console/nope" }],
    ["/console/conversations", { name: "conversations" }],
    ["/console/conversations/c%201", { name: "conversations", id: "c 1" }],
    ["/console/bots/", { name: "bots" }],
    ["/console/bots/b1", { name: "bot", id: "b1" }],
    ["/console/bots/b1/x", { name: "notfound", path: "/console/bots/b1/x" }],
    ["/console/screen-mapping", { name: "screens" }],
    ["/elsewhere", { name: "notfound", path: "/elsewhere" }],
  ];
  for (const [path, want] of cases) assert.deepEqual(parseRoute(path), want, path);
});

test("paths round-trip through parseRoute", () => {
  assert.deepEqual(parseRoute(paths.assist("x y")), { name: "assist", id: "x y" });
  assert.deepEqual(parseRoute(paths.replay("r1")), { name: "replay", id: "r1" });
  assert.equal(paths.terminalReplay("t1"), "/terminal/t1?replay=1");
  assert.deepEqual(parseRoute(paths.conversation("a/b")), { name: "conversations", id: "a/b" });
  assert.deepEqual(parseRoute(paths.bot("k")), { name: "bot", id: "k" });
});
