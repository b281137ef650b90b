import { test } from "node:test";
import assert from "node:assert/strict";
import { EventType, RREvent } from "./events";
import { PageCache, substituteRef } from "./pagecache";

const snap = (t: number): RREvent[] => [
  { type: EventType.Meta, data: { href: "https://a.test/x", width: 800, height: 600 }, timestamp: t },
  { type: EventType.FullSnapshot, data: { node: { id: 1 }, initialOffset: { top: 0, left: 0 } }, timestamp: t + 2 },
  { type: EventType.IncrementalSnapshot, data: { source: 15 }, timestamp: t + 2 },
];

test("PageCache keeps snapshots by page and hash", () => {
  const c = new PageCache();
  c.put("p1", "h1", snap(100));
  c.put("p1", "h2", snap(200));
  c.put("p2", "h1", snap(300));
  assert.equal(c.size, 3);
  assert.equal(c.get("p1", "h2")?.[0].timestamp, 200);
  assert.equal(c.get("p2", "h2"), undefined);
  assert.equal(c.get("p3", "h1"), undefined);
});

test("PageCache drops a page the person left, except the current one", () => {
  const c = new PageCache();
  c.put("p1", "h1", snap(100));
  c.put("p2", "h1", snap(200));
  c.leave("p1", "p1");
  assert.ok(c.get("p1", "h1"), "current page stays");
  c.leave("p1", "p2");
  assert.equal(c.get("p1", "h1"), undefined);
  assert.ok(c.get("p2", "h1"));
  c.leave("nope", "p2");
  assert.equal(c.size, 1);
});

test("substituteRef retimes the cached snapshot to the ref and takes its Meta", () => {
  const cached = snap(1000);
  const ref: RREvent[] = [{ type: EventType.Meta, data: { href: "https://a.test/x", width: 1024, height: 700 }, timestamp: 50_000 }];
  const out = substituteRef(cached, ref);
  assert.deepEqual(
    out.map((e) => [e.type, e.timestamp]),
    [
      [EventType.Meta, 50_000],
      [EventType.FullSnapshot, 50_002],
      [EventType.IncrementalSnapshot, 50_002],
    ],
  );
  assert.equal(out[0].data.width, 1024, "the ref's window size wins");
  assert.equal(cached[1].timestamp, 1002, "the cache is not modified");
  assert.notEqual(out[1], cached[1]);
});

test("substituteRef without a Meta in the ref keeps the cached timing", () => {
  const out = substituteRef(snap(10), []);
  assert.deepEqual(
    out.map((e) => e.timestamp),
    [10, 12, 12],
  );
  assert.deepEqual(substituteRef([], snap(1)), []);
});
