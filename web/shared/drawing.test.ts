import { test } from "node:test";
import assert from "node:assert/strict";
import { pathData } from "./drawing";

test("pathData draws through every point, rounded to 0.1 px, and a dot for one", () => {
  assert.equal(pathData([]), "");
  assert.equal(pathData([{ x: 1, y: 2 }]), "M1 2l0.1 0");
  assert.equal(pathData([{ x: 1.04, y: 2 }]), "M1 2l0.1 0");
  assert.equal(pathData([{ x: 1.04, y: 2 }, { x: 3, y: 4.26 }]), "M1 2L3 4.3");
  assert.equal(pathData([{ x: 1, y: 2 }, { x: 3.25, y: 4 }, { x: 5, y: 6 }]), "M1 2L3.3 4L5 6");
  assert.equal(pathData([{ x: -0.5, y: 1e3 }, { x: 0, y: 0 }]), "M-0.5 1000L0 0");
});
