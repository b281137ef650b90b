import { test } from "node:test";
import assert from "node:assert/strict";
import { checkText, textOf } from "./mapping";

test("the editor's text is checked as the server checks it", () => {
  const cases: [string, boolean, RegExp | null][] = [
    ["", true, null],
    ["null", true, null],
    ['{"tags":{"Button":{"element":"button"}}}', true, null],
    ["{", false, /^Not JSON/],
    ['{"tags":{"B":{"element":"script"}}}', false, /tags\.B\.element: must be one of/],
    ['{"maskTypes":"password"}', false, /maskTypes: must be a list/],
  ];
  for (const [text, ok, re] of cases) {
    const r = checkText(text);
    assert.equal(r.ok, ok, text);
    if (!r.ok && re) assert.match(r.error, re, text);
  }
  assert.equal(textOf(null), "");
  assert.equal(textOf({ maskTypes: ["password"] }), '{\n  "maskTypes": [\n    "password"\n  ]\n}');
});
