import { test } from "node:test";
import assert from "node:assert/strict";
import { noReplayReason } from "./availability";

test("noReplayReason: an assist that ended before the person consented has no replay, and says why", () => {
  const cases: [Parameters<typeof noReplayReason>[0], RegExp | null][] = [
    [{ state: "ended", startedAt: "2026-01-01T10:00:00Z", endReason: "ended by agent" }, null],
    [{ state: "ended", endReason: "the person denied the request" }, /denied/],
    [{ state: "ended", endReason: "cancelled by the person" }, /never allowed/],
    [{ state: "ended" }, /never allowed/],
    [{ state: "consenting" }, null], // may still start
    [{ state: "live", startedAt: "2026-01-01T10:00:00Z" }, null],
  ];
  for (const [a, want] of cases) {
    const got = noReplayReason(a);
    if (want === null) assert.equal(got, null, JSON.stringify(a));
    else assert.match(got ?? "", want, JSON.stringify(a));
  }
});
