import { test } from "node:test";
import assert from "node:assert/strict";
import { EventType, RREvent } from "./events";
import { appendRows, countRows, filterRows, rowFromEvent, rowsUntil } from "./rows";

const custom = (tag: string, payload: unknown, timestamp = 1000): RREvent => ({
  type: EventType.Custom,
  data: { tag, payload },
  timestamp,
});

test("rowFromEvent maps each custom tag to its row", () => {
  const cases: { name: string; ev: RREvent; want: object | null }[] = [
    {
      name: "console",
      ev: custom("console", { level: "warn", args: ["low stock", "3"] }),
      want: { kind: "console", level: "warn", text: "low stock 3" },
    },
    {
      name: "network ok",
      ev: custom("network", { id: "r1", method: "post", url: "/api/cart", status: 201, durationMs: 85, type: "fetch", ok: true }),
      want: { kind: "network", method: "POST", url: "/api/cart", status: 201, durationMs: 85, failed: false, netId: "r1" },
    },
    {
      name: "network 500",
      ev: custom("network", { id: 2, method: "GET", url: "/x", status: 500, durationMs: 12, ok: false }),
      want: { kind: "network", status: 500, failed: true, netId: "2" },
    },
    {
      name: "network error",
      ev: custom("network", { id: "r3", method: "GET", url: "/y", status: 0, error: "Failed to fetch" }),
      want: { kind: "network", failed: true, error: "Failed to fetch" },
    },
    {
      name: "error",
      ev: custom("error", { message: "x is undefined", source: "https://a.test/app.js", line: 10, column: 4, stack: "at f (app.js:10:4)", kind: "error" }),
      want: { kind: "error", text: "x is undefined", source: "https://a.test/app.js:10:4", stack: "at f (app.js:10:4)" },
    },
    {
      name: "unhandled rejection",
      ev: custom("error", { message: "nope", kind: "unhandledrejection" }),
      want: { kind: "error", text: "Unhandled rejection: nope" },
    },
    { name: "route is not a devtools row", ev: custom("route", { url: "/b" }), want: null },
    { name: "incremental event", ev: { type: EventType.IncrementalSnapshot, data: { source: 2 }, timestamp: 1 }, want: null },
  ];
  for (const c of cases) {
    const r = rowFromEvent(c.ev, "k", 7);
    if (c.want === null) {
      assert.equal(r, null, c.name);
      continue;
    }
    assert.ok(r, c.name);
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual((r as unknown as Record<string, unknown>)[k], v, `${c.name}: ${k}`);
    assert.equal(r.seq, 7);
    assert.equal(r.ts, 1000);
  }
});

test("appendRows merges updates of the same request into one row", () => {
  let rows = appendRows([], [custom("network", { id: "r1", method: "GET", url: "/slow" }, 100)], 1);
  rows = appendRows(rows, [custom("console", { level: "log", args: ["hi"] }, 150)], 2);
  rows = appendRows(rows, [custom("network", { id: "r1", method: "GET", url: "/slow", status: 404, durationMs: 900 }, 1000)], 3);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].status, 404);
  assert.equal(rows[0].failed, true);
  assert.equal(rows[0].ts, 100, "keeps its place in time");
  assert.equal(rows[0].key, "1.0");
});

test("filterRows, countRows and rowsUntil", () => {
  const rows = appendRows(
    [],
    [
      custom("console", { level: "log", args: ["Cart loaded"] }, 1),
      custom("console", { level: "error", args: ["Boom"] }, 2),
      custom("network", { id: "a", method: "GET", url: "/api/cart", status: 200 }, 3),
      custom("network", { id: "b", method: "GET", url: "/api/user", status: 401 }, 4),
      custom("error", { message: "TypeError: cart" }, 5),
    ],
    1,
  );
  assert.deepEqual(
    filterRows(rows, "console", "CART").map((r) => r.text),
    ["Cart loaded"],
  );
  assert.equal(filterRows(rows, "network", "").length, 2);
  assert.equal(filterRows(rows, "network", "user").length, 1);
  const c = countRows(rows);
  assert.deepEqual([c.console, c.network, c.error], [2, 2, 1]);
  assert.deepEqual([c.problems.console, c.problems.network, c.problems.error], [1, 1, 1]);
  assert.equal(rowsUntil(rows, 3).length, 3);
  assert.equal(rowsUntil(rows, 0).length, 0);
});

test("appendRows returns the same rows when a batch makes no row", () => {
  const rows = appendRows([], [custom("console", { level: "log", args: ["hi"] }, 1)], 1);
  const same = appendRows(rows, [{ type: 3, data: { source: 1, positions: [] }, timestamp: 2 } as never], 2);
  assert.equal(same, rows);
  assert.equal(same.length, 1);
});
