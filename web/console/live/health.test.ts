import { test } from "node:test";
import assert from "node:assert/strict";
import { healthLabel } from "./health";

test("healthLabel follows the socket and the last health frame", () => {
  const cases: [Parameters<typeof healthLabel>, string, string][] = [
    [["open", null], "connected", "ok"],
    [["open", { personRttMs: 12.4, agentRttMs: 3 }], "connected · 12 ms", "ok"],
    [["open", { agentRttMs: 7 }], "connected · 7 ms", "ok"],
    [["open", { personRttMs: 900 }], "connected · 900 ms", "warn"],
    [["resuming", { personRttMs: 12 }], "resuming…", "warn"],
    [["connecting", null], "connecting…", "warn"],
    [["closed", { personRttMs: 12 }], "disconnected", "bad"],
  ];
  for (const [args, text, tone] of cases) {
    assert.deepEqual(healthLabel(...args), { text, tone }, JSON.stringify(args));
  }
});
