import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveClock } from "./liveclock";

test("plays the first event of every frame now, whatever the skew or the delay before", () => {
  const c = new LiveClock({ spreadMs: 50 });
  const skew = 3_600_000; // the person's clock is an hour ahead
  const now = 1_000_000;
  // A snapshot that took 150 ms to arrive must not delay what follows.
  assert.equal(c.map(now + skew - 150, now, true), now);
  assert.equal(c.map(now + skew + 30, now + 40, true), now + 40);
  assert.equal(c.map(now + skew + 200, now + 205, true), now + 205);
});

test("keeps the pace of events bunched in one frame, up to the spread", () => {
  const c = new LiveClock({ spreadMs: 50 });
  const now = 10_000;
  const got = [
    c.map(500, now, true),
    c.map(510, now, false),
    c.map(530, now, false),
    c.map(900, now, false), // beyond the spread: played at its end
  ];
  assert.deepEqual(got, [now, now + 10, now + 30, now + 50]);
});

test("collapses a burst of old frames to now instead of replaying history", () => {
  const c = new LiveClock({ spreadMs: 50 });
  const now = 5_000_000;
  const old = now - 600_000; // a snapshot from ten minutes ago, then its events
  const times = [0, 10_000, 20_000, 300_000, 599_000].map((d) => c.map(old + d, now, true));
  for (const t of times) assert.equal(t, now);
});

test("never schedules an event before one already scheduled", () => {
  const c = new LiveClock({ spreadMs: 50 });
  const a = c.map(2000, 10_000, true);
  const b = c.map(2040, 10_000, false); // spread to 10_040
  const d = c.map(1990, 10_001, true); // the next frame, arriving at once, out of order
  const f = c.map(1980, 10_001, false);
  assert.equal(a, 10_000);
  assert.equal(b, 10_040);
  assert.equal(d, 10_040);
  assert.equal(f, 10_040);
});
