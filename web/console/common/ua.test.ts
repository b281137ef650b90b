import { test } from "node:test";
import assert from "node:assert/strict";
import { browserLabel, parseUserAgent } from "./ua";

test("parseUserAgent tells common browsers apart", () => {
  const cases: [string, string, string, string, boolean][] = [
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "120", "macOS", false],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.83", "Edge", "121", "Windows", false],
    ["Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0", "Firefox", "122", "Linux", false],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Safari", "17", "iOS", true],
    ["Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/119.0 Mobile/15E148 Safari/604.1", "Chrome", "119", "iPadOS", false],
    ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", "Chrome", "120", "Android", true],
    ["Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet", "23", "Android", true],
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Headless Chrome", "131", "Linux", false],
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15", "Safari", "17", "macOS", false],
    ["curl/8.5.0", "", "", "", false],
  ];
  for (const [ua, name, version, os, mobile] of cases) {
    assert.deepEqual(parseUserAgent(ua), { name, version, os, mobile }, ua);
  }
});

test("browserLabel is short and never empty", () => {
  assert.equal(browserLabel("Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/122.0"), "Firefox 122 · Windows");
  assert.equal(browserLabel(""), "Unknown browser");
  assert.equal(browserLabel(undefined), "Unknown browser");
});
