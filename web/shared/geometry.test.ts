import { test } from "node:test";
import assert from "node:assert/strict";
import { finiteOr, pointAt } from "./geometry";

test("pointAt finds the point at fractions of a box, clamped to the box", () => {
  const box = { left: 100, top: 50, width: 200, height: 40 };
  const cases = [
    [0, 0, 100, 50],
    [0.5, 0.5, 200, 70],
    [1, 1, 300, 90],
    [0.25, 0.75, 150, 80],
    [-1, 2, 100, 90],
  ];
  for (const [ox, oy, x, y] of cases) assert.deepEqual(pointAt(box, ox, oy), { x, y }, `${ox},${oy}`);
  assert.deepEqual(pointAt({ left: 100, top: 200, width: 50, height: 20 }, 0.5, 0.25), { x: 125, y: 205 });
  assert.deepEqual(pointAt({ left: 3, top: 4, width: 0, height: 0 }, 0.7, 0.7), { x: 3, y: 4 }, "an empty box is its corner");
});

test("finiteOr keeps finite numbers only", () => {
  assert.equal(finiteOr(3, 9), 3);
  assert.equal(finiteOr(0, 9), 0);
  assert.equal(finiteOr(-2.5, 9), -2.5);
  for (const bad of [NaN, Infinity, -Infinity, "3", null, undefined, {}]) assert.equal(finiteOr(bad, 9), 9, String(bad));
});
