import { test } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter } from "../api";
import { EventType } from "./events";
import { buildReplay, RecordedFrame, ReplayBuilder } from "./recording";

const frames: RecordedFrame[] = [
  { s: 1, k: "meta", p: "a", d: { url: "https://shop.example.com/", title: "Shop", width: 800, height: 600 } },
  { s: 2, k: "ev", p: "a", d: [{ type: 3, data: { source: 2, type: 2, x: 1, y: 1 }, timestamp: 50 }] },
  {
    s: 3,
    k: "snap",
    p: "a",
    h: "h1",
    d: [
      { type: EventType.Meta, data: { href: "https://shop.example.com/", width: 800, height: 600 }, timestamp: 100 },
      { type: EventType.FullSnapshot, data: { node: { type: 0, childNodes: [], id: 1 }, initialOffset: { top: 0, left: 0 } }, timestamp: 101 },
    ],
  },
  { s: 4, k: "ev", p: "a", d: [{ type: 3, data: { source: 2, type: 2, x: 5, y: 5 }, timestamp: 90 }] },
  { s: 4, k: "ev", p: "a", d: [{ type: 3, data: { source: 2, type: 2, x: 6, y: 6 }, timestamp: 95 }] },
  { s: 5, k: "ev", p: "a", d: [{ type: 3, data: { source: 3 }, timestamp: 300 }] },
];

test("a replay built as frames stream in equals the one built from all of them", () => {
  const whole = buildReplay(frames);
  const b = new ReplayBuilder();
  const shared = b.replay().events;
  assert.equal(shared.length, 0, "nothing to play before a snapshot");
  b.add(frames.slice(0, 3));
  const early = b.replay();
  assert.equal(early.events.length, 2, "the snapshot plays before the rest arrived");
  b.add(frames.slice(3, 5));
  b.add(frames.slice(5));
  const late = b.replay();
  assert.equal(late.events, early.events, "the events array only grows, for a player fed from it");
  assert.deepEqual(late, whole);
  assert.ok(late.events.every((e, i) => i === 0 || e.timestamp >= late.events[i - 1].timestamp));
  assert.equal(late.end, 311, "retimed after the clock stepped back");
});

test("LineSplitter joins lines cut across pieces", () => {
  const l = new LineSplitter();
  assert.deepEqual(l.push('{"a":'), []);
  assert.deepEqual(l.push('1}\n{"b":2}\n{"c"'), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(l.push(":3}\n\n"), ['{"c":3}']);
  assert.deepEqual(l.push(""), []);
});
