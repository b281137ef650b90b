import { test } from "node:test";
import assert from "node:assert/strict";
import type { Message } from "./api";
import { continues, mergeMessages, newestSeq, replaceMessage } from "./history";

const m = (seq: number, author = "user:a", at = "2026-01-01T00:00:00Z", text = ""): Message => ({ id: `m${seq}`, seq, author: { account: author }, createdAt: at, text });

test("mergeMessages keeps one of each id, the later version, in seq order", () => {
  const got = mergeMessages([m(3), m(4), m(5)], [m(1), m(2), m(3, "user:a", "2026-01-01T00:00:00Z", "new"), m(6)]);
  assert.deepEqual(got.map((x) => x.seq), [1, 2, 3, 4, 5, 6]);
  assert.equal(got[2].text, "new");
  assert.equal(newestSeq(got), 6);
  assert.equal(newestSeq([]), 0);
});

test("replaceMessage swaps the message of the same id only", () => {
  const list = [m(1), m(2)];
  assert.equal(replaceMessage(list, { ...m(2), text: "x" })[1].text, "x");
  assert.deepEqual(replaceMessage(list, m(9)), list);
});

test("continues groups one author's messages within five minutes", () => {
  assert.equal(continues(undefined, m(1)), false);
  assert.equal(continues(m(1, "user:a", "2026-01-01T00:00:00Z"), m(2, "user:a", "2026-01-01T00:04:59Z")), true);
  assert.equal(continues(m(1, "user:a", "2026-01-01T00:00:00Z"), m(2, "user:a", "2026-01-01T00:05:00Z")), false);
  assert.equal(continues(m(1, "user:a"), m(2, "bot:b")), false);
});
