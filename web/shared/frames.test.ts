import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFrame, joinFrame, splitFrame } from "./frames";

test("joinFrame puts the payload text after the header and a newline, as it is", () => {
  assert.equal(joinFrame({ k: "ev", s: 3, p: "pg1" }, '[{"type":3}]'), '{"k":"ev","s":3,"p":"pg1"}\n[{"type":3}]');
  assert.equal(joinFrame({ k: "pong", t: 99 }), '{"k":"pong","t":99}', "no payload, no newline");
  assert.equal(joinFrame({ k: "leave", s: 2 }, ""), '{"k":"leave","s":2}\n', "an empty payload keeps its newline");
  assert.equal(joinFrame({ k: "pong", t: undefined }), '{"k":"pong"}', "undefined fields are left out");
});

test("encodeFrame serialises the payload, so that it holds no raw newline", () => {
  assert.equal(encodeFrame({ k: "pong", t: 99 }), '{"k":"pong","t":99}');
  const text = encodeFrame({ k: "consent" }, { allow: true, note: "a\nb" });
  assert.equal(text, '{"k":"consent"}\n{"allow":true,"note":"a\\nb"}');
  assert.equal(text.split("\n").length, 2, "payload newlines are escaped");
  assert.equal(encodeFrame({ k: "x" }, null), '{"k":"x"}\nnull', "null is a payload");
});

test("splitFrame cuts at the first newline only", () => {
  const cases: [string, [string, string | null]][] = [
    ['{"k":"ev","s":42}\n[{"type":3}]', ['{"k":"ev","s":42}', '[{"type":3}]']],
    ['{"k":"ping","t":17}', ['{"k":"ping","t":17}', null]],
    ['{"k":"leave"}\n', ['{"k":"leave"}', ""]],
    ['{"k":"x"}\n{"a":1}\nrest', ['{"k":"x"}', '{"a":1}\nrest']],
    ["", ["", null]],
  ];
  for (const [text, want] of cases) assert.deepEqual(splitFrame(text), want, JSON.stringify(text));
});

test("what joinFrame writes, splitFrame reads back", () => {
  const header = { k: "snap", s: 7, p: "pg", h: "abc" };
  const [head, payload] = splitFrame(joinFrame(header, '["x\\ny"]'));
  assert.deepEqual(JSON.parse(head), header);
  assert.equal(payload, '["x\\ny"]');
});
