import { test } from "node:test";
import assert from "node:assert/strict";
import { EventType, RREvent } from "./events";
import { pointerAt, pointerSamples } from "./pointer";

const move = (timestamp: number, ...positions: [number, number, number][]): RREvent => ({
  type: EventType.IncrementalSnapshot,
  data: { source: 1, positions: positions.map(([x, y, timeOffset]) => ({ x, y, id: 3, timeOffset })) },
  timestamp,
});
const interaction = (timestamp: number, type: number, x: number, y: number): RREvent => ({
  type: EventType.IncrementalSnapshot,
  data: { source: 2, type, id: 7, x, y },
  timestamp,
});

test("a move batch sent after a click is placed at the moments of its positions", () => {
  // Moves at 900 and 950 ms, sent at 1,400 ms; a click at 1,000 ms on (50, 60).
  const samples = pointerSamples([interaction(1000, 2, 50, 60), move(1400, [10, 20, -500], [30, 40, -450])]);
  const cases: [number, [number, number] | null][] = [
    [899, null],
    [900, [10, 20]],
    [999, [30, 40]],
    [1000, [50, 60]],
    [5000, [50, 60]], // not the last position of the batch sent later
  ];
  for (const [at, want] of cases) {
    const p = pointerAt(samples, at);
    assert.deepEqual(p ? [p.x, p.y] : null, want, `at ${at}`);
  }
});

test("samples of the same moment keep their recorded order", () => {
  const samples = pointerSamples([interaction(100, 1, 1, 1), interaction(100, 0, 2, 2), interaction(100, 2, 3, 3)]);
  assert.deepEqual(pointerAt(samples, 100), { t: 100, x: 3, y: 3, id: 7 });
});

test("what the page could have sent wrong is left out", () => {
  const bad: RREvent[] = [
    { type: EventType.IncrementalSnapshot, data: { source: 1, positions: "nope" }, timestamp: 10 },
    { type: EventType.IncrementalSnapshot, data: { source: 1, positions: [null, { x: "1", y: 2, id: 3 }] }, timestamp: 10 },
    { type: EventType.IncrementalSnapshot, data: { source: 2, type: 2, id: 7, x: Infinity, y: 1 }, timestamp: 10 },
    { type: EventType.IncrementalSnapshot, data: { source: 2, type: 5, id: 7, x: 1, y: 1 }, timestamp: 10 }, // focus
    { type: EventType.IncrementalSnapshot, data: null, timestamp: 10 },
    { type: EventType.Custom, data: { source: 1, positions: [{ x: 1, y: 1, id: 1 }] }, timestamp: 10 },
  ];
  assert.deepEqual(pointerSamples(bad), []);
  // A position claiming to be from the future is taken at its event's time.
  const p = pointerSamples([move(200, [5, 6, 900])]);
  assert.deepEqual(p, [{ t: 200, x: 5, y: 6, id: 3 }]);
});

test("touch moves and drags move the pointer too", () => {
  const samples = pointerSamples([
    { type: EventType.IncrementalSnapshot, data: { source: 6, positions: [{ x: 1, y: 2, id: 4, timeOffset: 0 }] }, timestamp: 10 },
    { type: EventType.IncrementalSnapshot, data: { source: 12, positions: [{ x: 3, y: 4, id: 4, timeOffset: 0 }] }, timestamp: 20 },
  ]);
  assert.deepEqual(
    samples.map((s) => [s.t, s.x, s.y]),
    [
      [10, 1, 2],
      [20, 3, 4],
    ],
  );
});
