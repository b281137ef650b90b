import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveClock } from "./liveclock";

test("keeps relative timing of events that arrive in real time", () => {
  const c = new LiveClock({ bufferMs: 50, windowMs: 1000 });
  const skew = 3_600_000; // the person's clock is an hour ahead
  const now = 1_000_000;
  assert.equal(c.map(now + skew, now), now + 50);
  assert.equal(c.map(now + skew + 30, now + 5), now + 80);
  assert.equal(c.map(now + skew + 200, now + 190), now + 250);
});

test("collapses a burst of old events to now instead of replaying history", () => {
  const c = new LiveClock({ bufferMs: 50, windowMs: 1000 });
  const now = 5_000_000;
  const old = now - 600_000; // a snapshot from ten minutes ago, then its events
  const times = [0, 10_000, 20_000, 300_000, 599_000].map((d) => c.map(old + d, now));
  for (const t of times) assert.ok(t >= now && t <= now + 1000, `scheduled ${t - now} ms ahead`);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1], "never goes back");
});

test("re-anchors when events fall behind now, so the view does not lag", () => {
  const c = new LiveClock({ bufferMs: 50, windowMs: 1000 });
  assert.equal(c.map(1000, 10_000), 10_050);
  // The network stalled for 5 s: the next event would be due in the past.
  assert.equal(c.map(1100, 15_000), 15_050);
});

test("never schedules an event before one already scheduled", () => {
  const c = new LiveClock({ bufferMs: 50, windowMs: 1000 });
  const a = c.map(2000, 10_000);
  const b = c.map(1990, 10_001); // an out-of-order timestamp
  assert.ok(b >= a);
});
