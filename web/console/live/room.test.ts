import { test } from "node:test";
import assert from "node:assert/strict";
import { layoutKey, parseLayout, shortcuts } from "./room";

test("parseLayout reads a saved layout and refuses anything else", () => {
  const none = { sideHidden: false, devtoolsHidden: false, fill: false };
  const cases: [string | null, typeof none][] = [
    [null, none],
    ["", none],
    ["not json", none],
    ["null", none],
    ["[1,2]", none],
    ['{"sideHidden":true}', { ...none, sideHidden: true }],
    ['{"sideHidden":"yes","devtoolsHidden":1,"fill":true}', { ...none, fill: true }],
    ['{"sideHidden":true,"devtoolsHidden":true,"fill":false,"extra":5}', { sideHidden: true, devtoolsHidden: true, fill: false }],
  ];
  for (const [saved, want] of cases) assert.deepEqual(parseLayout(saved), want, String(saved));
});

test("each agent's layout has its own key, and every shortcut is listed once", () => {
  assert.notEqual(layoutKey("u1"), layoutKey("u2"));
  const keys = shortcuts.map((s) => s.keys);
  assert.equal(new Set(keys).size, keys.length);
  for (const k of ["?", "S", "D", "M", "Shift+F", "Esc", "Shift+Esc"]) assert.ok(keys.includes(k), k);
});
