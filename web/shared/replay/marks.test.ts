import { test } from "node:test";
import assert from "node:assert/strict";
import { EventType, RREvent } from "./events";
import { markFromEvent, marksAt, markLifeMs } from "./marks";

const interaction = (type: number, x?: number, y?: number): RREvent => ({
  type: EventType.IncrementalSnapshot,
  data: { source: 2, type, id: 5, x, y },
  timestamp: 500,
});

test("markFromEvent marks clicks, double clicks and touches only", () => {
  const cases: [RREvent, string | null][] = [
    [interaction(2, 10, 20), "click"],
    [interaction(4, 10, 20), "dblclick"],
    [interaction(7, 10, 20), "touch"],
    [interaction(0, 10, 20), null], // mouse up
    [interaction(5, 10, 20), null], // focus
    [interaction(2), null], // no position
    [{ type: EventType.IncrementalSnapshot, data: { source: 1, positions: [] }, timestamp: 1 }, null],
    [{ type: EventType.Custom, data: { tag: "console" }, timestamp: 1 }, null],
  ];
  for (const [ev, kind] of cases) {
    const m = markFromEvent(ev);
    assert.equal(m ? m.kind : null, kind, JSON.stringify(ev.data));
    if (m) assert.deepEqual([m.x, m.y, m.ts], [10, 20, 500]);
  }
});

test("marksAt shows marks for a few seconds after they happen", () => {
  const marks = [
    { x: 1, y: 1, kind: "click" as const, ts: 1000 },
    { x: 2, y: 2, kind: "touch" as const, ts: 5000 },
  ];
  assert.equal(marksAt(marks, 999).length, 0);
  assert.deepEqual(
    marksAt(marks, 1000).map((m) => m.x),
    [1],
  );
  assert.equal(marksAt(marks, 1000 + markLifeMs).length, 0);
  assert.deepEqual(
    marksAt(marks, 5500).map((m) => m.x),
    [2],
  );
});
