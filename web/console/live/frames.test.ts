import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFrame } from "../../shared/frames";
import { isData, parseFrame, payloadOf } from "./frames";

test("parseFrame splits header and payload at the first newline", () => {
  const cases: { in: string; header: object; payload: string | null }[] = [
    { in: '{"k":"ev","s":42,"p":"pg1"}\n[{"type":3}]', header: { k: "ev", s: 42, p: "pg1" }, payload: '[{"type":3}]' },
    { in: '{"k":"ping","t":17}', header: { k: "ping", t: 17 }, payload: null },
    { in: '{"k":"leave","s":3,"p":"a"}\n', header: { k: "leave", s: 3, p: "a" }, payload: null },
    { in: '{"k":"x"}\n{"a":"b\\nc"}\nrest', header: { k: "x" }, payload: '{"a":"b\\nc"}\nrest' },
  ];
  for (const c of cases) {
    const f = parseFrame(c.in);
    assert.deepEqual(f.header, c.header, c.in);
    assert.equal(f.payload, c.payload, c.in);
  }
});

test("parseFrame rejects malformed headers", () => {
  for (const bad of ["", "not json", "[1,2]", '{"s":1}', '{"k":1}', "null\n[]"]) {
    assert.throws(() => parseFrame(bad), /frame header/, JSON.stringify(bad));
  }
});

test("what the shared encodeFrame writes, parseFrame reads back", () => {
  const f = parseFrame(encodeFrame({ k: "consent", s: 4 }, { allow: true, note: "a\nb" }));
  assert.deepEqual(f.header, { k: "consent", s: 4 });
  assert.deepEqual(payloadOf(f, null), { allow: true, note: "a\nb" });
  assert.equal(parseFrame(encodeFrame({ k: "pong", t: 99 })).payload, null);
});

test("payloadOf falls back on missing or bad JSON", () => {
  assert.deepEqual(payloadOf(parseFrame('{"k":"a"}'), []), []);
  assert.deepEqual(payloadOf({ header: { k: "a" }, payload: "{oops" }, { x: 1 }), { x: 1 });
});

test("isData needs a data kind and a sequence number", () => {
  assert.equal(isData({ k: "ev", s: 1 }), true);
  assert.equal(isData({ k: "snap", s: 2, p: "a", h: "b" }), true);
  assert.equal(isData({ k: "ev" }), false);
  assert.equal(isData({ k: "state", s: 3 }), false);
  assert.equal(isData({ k: "sync", from: 3 }), false);
});
