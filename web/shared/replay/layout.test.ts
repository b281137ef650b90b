import { test } from "node:test";
import assert from "node:assert/strict";
import { fitPadding, fitScale } from "./layout";

test("fitScale shrinks to the tighter side and never enlarges", () => {
  const area = (w: number, h: number) => ({ width: w + fitPadding, height: h + fitPadding });
  const cases: [number, number, number, number, number][] = [
    // person width, height, area width, height, want
    [1920, 1080, 960, 1080, 0.5],
    [1920, 1080, 1920, 540, 0.5],
    [390, 844, 1200, 900, 1],
    [1280, 720, 1280, 720, 1],
    [0, 0, 100, 100, 1],
  ];
  for (const [pw, ph, aw, ah, want] of cases) {
    assert.equal(fitScale({ width: pw, height: ph }, area(aw, ah)), want, `${pw}x${ph} in ${aw}x${ah}`);
  }
  assert.equal(fitScale({ width: 1000, height: 1000 }, { width: 0, height: 0 }), 0.05, "an area not laid out yet");
});
