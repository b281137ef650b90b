import { test } from "node:test";
import assert from "node:assert/strict";
import { maxToasts, Mergeable, mergeToast } from "./toasts";

test("mergeToast merges repeated toasts into one with a counter, and keeps the newest few", () => {
  let s: Mergeable[] = [];
  let id = 0;
  const say = (text: string, tone = "bad") => (s = mergeToast(s, { id: ++id, text, tone }));
  say("Not connected");
  say("Not connected");
  say("Not connected");
  assert.deepEqual(s, [{ id: 3, text: "Not connected", tone: "bad", count: 3 }]);
  say("The person refused control");
  say("Not connected", "info"); // another tone is another toast
  assert.deepEqual(
    s.map((t) => [t.text, t.tone, t.count ?? 1]),
    [
      ["Not connected", "bad", 3],
      ["The person refused control", "bad", 1],
      ["Not connected", "info", 1],
    ],
  );
  say("Not connected"); // moves last, counted on
  assert.deepEqual(s.map((t) => [t.id, t.count ?? 1]), [[4, 1], [5, 1], [6, 4]]);
  for (let i = 0; i < 10; i++) say(`other ${i}`);
  assert.equal(s.length, maxToasts);
  assert.deepEqual(s.map((t) => t.text), ["other 6", "other 7", "other 8", "other 9"]);
});
