import { test } from "node:test";
import assert from "node:assert/strict";
import { EventType, RREvent } from "./events";
import { Row } from "./rows";
import { filterMarkers, idleGaps, idleSaved, markerPercent, nextMarker, skipTarget, timelineMarkers } from "./timeline";

const rows: Row[] = [
  { key: "1.0", seq: 1, kind: "console", ts: 1500, level: "log", text: "hello" },
  { key: "1.1", seq: 1, kind: "console", ts: 1600, level: "error", text: "boom" },
  { key: "2.0", seq: 2, kind: "network", ts: 2000, method: "GET", url: "/ok", status: 200, failed: false, text: "GET /ok 200" },
  { key: "2.1", seq: 2, kind: "network", ts: 2100, startedAt: 1700, method: "POST", url: "/api/pay", status: 502, failed: true, text: "POST /api/pay 502" },
  { key: "2.2", seq: 2, kind: "network", ts: 2200, method: "GET", url: "/x", failed: true, error: "network error", text: "GET /x" },
  { key: "3.0", seq: 3, kind: "error", ts: 3000, text: "TypeError: x is undefined" },
];

test("timelineMarkers takes clicks, pages with a time, errors, failed requests and console errors, in time order", () => {
  const m = timelineMarkers(
    [{ x: 10.4, y: 20, kind: "click", ts: 1200 }, { x: 1, y: 2, kind: "touch", ts: 900 }],
    [
      { pageId: "p1", url: "https://a.test/", title: "Home", ts: 1000 },
      { pageId: "p2", url: "https://a.test/b", title: "", ts: undefined },
      { pageId: "p3", url: "https://a.test/c", title: "", ts: 2000 },
    ],
    rows,
  );
  assert.deepEqual(
    m.map((x) => [x.kind, x.ts, x.label]),
    [
      ["click", 900, "Tap at 1, 2"],
      ["navigation", 1000, "Page: Home"],
      ["click", 1200, "Click at 10, 20"],
      ["console", 1600, "Console error: boom"],
      // A failed request is marked when it started, not when it ended.
      ["network", 1700, "Failed request: POST /api/pay (502)"],
      ["navigation", 2000, "Page: https://a.test/c"],
      ["network", 2200, "Failed request: GET /x (network error)"],
      ["error", 3000, "Error: TypeError: x is undefined"],
    ],
  );
  assert.equal(new Set(m.map((x) => x.key)).size, m.length, "keys are unique");
  assert.deepEqual(
    filterMarkers(m, new Set(["error", "network"])).map((x) => x.ts),
    [1700, 2200, 3000],
  );
});

test("nextMarker moves to the next and previous marker, not the one it stands on", () => {
  const m = timelineMarkers([], [], rows);
  const cases: [number, 1 | -1, number | null][] = [
    [0, 1, 1600],
    [1600, 1, 1700],
    [1620, 1, 1700],
    [1700, -1, 1600],
    [3000, 1, null],
    [1600, -1, null],
    [9999, -1, 3000],
  ];
  for (const [ts, dir, want] of cases) assert.equal(nextMarker(m, ts, dir)?.ts ?? null, want, `${ts} ${dir}`);
});

test("markerPercent places a marker on the bar, clamped", () => {
  const cases: [number, number][] = [
    [1000, 0],
    [1500, 50],
    [2000, 100],
    [500, 0],
    [2500, 100],
  ];
  for (const [ts, want] of cases) assert.equal(markerPercent(ts, 1000, 2000), want);
  assert.equal(markerPercent(5, 1000, 1000), 0, "a replay of no length");
});

const ev = (type: number, timestamp: number): RREvent => ({ type, data: { source: 0 }, timestamp });

test("idleGaps finds stretches with no change longer than the threshold; custom events do not count, markers do", () => {
  const events = [
    ev(EventType.Meta, 0),
    ev(EventType.FullSnapshot, 0),
    ev(EventType.IncrementalSnapshot, 2000),
    ev(EventType.Custom, 5000), // a console.log: no activity
    ev(EventType.IncrementalSnapshot, 12000),
    ev(EventType.IncrementalSnapshot, 30000),
  ];
  assert.deepEqual(idleGaps(events, [], 5000), [
    { from: 2000, to: 12000 },
    { from: 12000, to: 30000 },
  ]);
  const withError = idleGaps(events, [{ key: "e", kind: "error", ts: 20000, label: "Error" }], 5000);
  assert.deepEqual(withError, [
    { from: 2000, to: 12000 },
    { from: 12000, to: 20000 },
    { from: 20000, to: 30000 },
  ]);
  assert.deepEqual(idleGaps(events, [], 60000), [], "nothing idle that long");
  assert.equal(idleSaved([{ from: 2000, to: 12000 }], 1000), 8000);
});

test("skipTarget jumps from inside an idle stretch to just before its end", () => {
  const gaps = [
    { from: 2000, to: 12000 },
    { from: 20000, to: 30000 },
  ];
  const cases: [number, number | null][] = [
    [1000, null], // before
    [2500, null], // the first second of quiet is played
    [3000, 11000],
    [10999, 11000],
    [11000, null], // the lead-in is played
    [15000, null], // between gaps
    [21000, 29000],
    [31000, null],
  ];
  for (const [ts, want] of cases) assert.equal(skipTarget(gaps, ts, 1000), want, String(ts));
});
