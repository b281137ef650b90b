import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff } from "./backoff";

const delays = (b: Backoff, n: number) => Array.from({ length: n }, () => b.next());

test("full jitter (the default) draws each delay from nothing to all of the nominal one", () => {
  assert.deepEqual(delays(new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.5 }), 6), [50, 100, 200, 400, 500, 500]);
  assert.deepEqual(delays(new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 }), 3), [0, 0, 0]);
  assert.deepEqual(delays(new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.999999 }), 6), [100, 200, 400, 800, 1000, 1000]);
});

test("equal jitter draws each delay from half to all of the nominal one", () => {
  const low = new Backoff({ baseMs: 1000, jitter: "equal", random: () => 0 });
  const high = new Backoff({ baseMs: 1000, jitter: "equal", random: () => 0.999999 });
  assert.equal(low.next(), 500);
  assert.equal(high.next(), 1000);
  assert.equal(low.next(), 1000);
  assert.equal(high.next(), 2000);
});

test("the defaults are 500 ms doubling to 15 s", () => {
  assert.deepEqual(delays(new Backoff({ random: () => 0.999999 }), 7), [500, 1000, 2000, 4000, 8000, 15000, 15000]);
});

test("reset starts over from the base delay", () => {
  const b = new Backoff({ baseMs: 250, maxMs: 5000, random: () => 0.999999 });
  assert.deepEqual(delays(b, 3), [250, 500, 1000]);
  b.reset();
  assert.deepEqual(delays(b, 2), [250, 500]);
});

test("each delay takes a fresh random draw", () => {
  const draws = [0.1, 0.9, 0.4];
  const b = new Backoff({ baseMs: 1000, random: () => draws.shift() ?? 0 });
  assert.deepEqual(delays(b, 3), [100, 1800, 1600]);
});
