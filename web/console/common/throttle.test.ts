import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeClock } from "../../shared/fakeclock";
import { StrokeBatch, strokeBatchMs, Throttle } from "./throttle";

const last = <T>(xs: readonly T[]): T | undefined => xs[xs.length - 1];

test("Throttle sends the first value at once and the latest one per interval", () => {
  const c = fakeClock();
  const sent: [number, number][] = [];
  const t = new Throttle<number>(33, (v) => sent.push([c.now(), v]), c.timers, c.now);
  t.push(1);
  c.advance(10);
  t.push(2);
  c.advance(10);
  t.push(3);
  assert.deepEqual(sent, [[0, 1]]);
  c.advance(13);
  assert.deepEqual(sent, [[0, 1], [33, 3]], "the latest value, when the interval ends");
  c.advance(100);
  t.push(4);
  assert.deepEqual(last(sent), [133, 4], "after a quiet spell, at once again");
  // A steady stream of moves every 5 ms gives about one frame per 33 ms.
  for (let i = 0; i < 200; i++) {
    c.advance(5);
    t.push(100 + i);
  }
  c.advance(50);
  const stream = sent.filter(([, v]) => v >= 100);
  assert.ok(stream.length >= 28 && stream.length <= 32, `${stream.length} frames for 1 s of moves`);
  assert.equal(last(stream)?.[1], 299, "the last position arrives");
});

test("Throttle.cancel drops the value that waits", () => {
  const c = fakeClock();
  const sent: number[] = [];
  const t = new Throttle<number>(33, (v) => sent.push(v), c.timers, c.now);
  t.push(1);
  t.push(2);
  t.cancel();
  c.advance(100);
  assert.deepEqual(sent, [1]);
});

test("StrokeBatch sends points in batches and ends with done", () => {
  const c = fakeClock();
  const sent: { pts: number[]; done: boolean }[] = [];
  const b = new StrokeBatch<number>((pts, done) => sent.push({ pts, done }), c.timers);
  b.add(1);
  b.add(2);
  c.advance(strokeBatchMs);
  b.add(3);
  b.end();
  c.advance(strokeBatchMs);
  assert.deepEqual(sent, [
    { pts: [1, 2], done: false },
    { pts: [3], done: true },
  ]);
  const empty = new StrokeBatch<number>((pts, done) => sent.push({ pts, done }), c.timers);
  empty.end();
  assert.deepEqual(last(sent), { pts: [], done: true }, "a stroke with no new points still ends");
});
