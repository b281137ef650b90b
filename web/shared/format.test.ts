import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, clock, duration, initials, offset, shortURL, viewportLabel } from "./format";

test("ago", () => {
  const cases: [number, string][] = [
    [-5, "just now"],
    [4_999, "just now"],
    [12_000, "12s ago"],
    [3 * 60_000 + 5_000, "3m ago"],
    [2 * 3_600_000, "2h ago"],
    [50 * 3_600_000, "2d ago"],
  ];
  for (const [ms, want] of cases) assert.equal(ago(ms), want, String(ms));
});

test("clock and offset", () => {
  assert.equal(clock(0), "0:00");
  assert.equal(clock(65_400), "1:05");
  assert.equal(clock(3_725_000), "1:02:05");
  assert.equal(clock(-10), "0:00");
  assert.equal(offset(12_345), "00:12.3");
  assert.equal(offset(61_000), "01:01.0");
});

test("duration", () => {
  assert.equal(duration(undefined), "");
  assert.equal(duration(84.6), "85 ms");
  assert.equal(duration(1234), "1.2 s");
  assert.equal(duration(12_345), "12 s");
});

test("viewportLabel", () => {
  assert.equal(viewportLabel({ width: 1280, height: 720, dpr: 2 }), "1280×720 @2x");
  assert.equal(viewportLabel({ width: 390, height: 844, dpr: 3 }), "390×844 @3x");
  assert.equal(viewportLabel({ width: 1280, height: 720, dpr: 1 }), "1280×720");
  assert.equal(viewportLabel({ width: 1280, height: 720, dpr: 1.25 }), "1280×720 @1.25x");
  assert.equal(viewportLabel(null), "");
});

test("shortURL and initials", () => {
  assert.equal(shortURL("https://shop.example.com/cart?id=1"), "shop.example.com/cart?id=1");
  assert.equal(shortURL("https://shop.example.com/"), "shop.example.com");
  assert.equal(shortURL("not a url"), "not a url");
  assert.equal(shortURL(undefined), "");
  assert.equal(initials("Alex Doe"), "AD");
  assert.equal(initials("  mia "), "M");
  assert.equal(initials(""), "?");
});
