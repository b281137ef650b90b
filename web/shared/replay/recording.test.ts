import { test } from "node:test";
import assert from "node:assert/strict";
import { EventType, RREvent } from "./events";
import { buildReplay, nonDecreasing, RecordedFrame, Retimer } from "./recording";
import { pauseOffset, seekPosition, seekStep } from "./seek";

// rrweb's Replayer, paused at an offset, draws the events stamped strictly
// before start + offset (its player machine: `event.timestamp < baselineTime`).
function drawnWhenPausedAt(events: readonly RREvent[], start: number, offset: number): RREvent[] {
  return events.filter((e) => e.timestamp < start + offset);
}

// A range input with min 0 and a step rounds a value set to max down to a whole step.
function rangeValueAtMax(max: number, step: number): number {
  return Math.floor(max / step) * step;
}

const meta = (ts: number): RREvent => ({ type: EventType.Meta, data: { href: "https://shop.test/spa", width: 1280, height: 800 }, timestamp: ts });
const full = (ts: number): RREvent => ({ type: EventType.FullSnapshot, data: { node: { type: 0, childNodes: [], id: 1 }, initialOffset: { top: 0, left: 0 } }, timestamp: ts });
const click = (ts: number): RREvent => ({ type: EventType.IncrementalSnapshot, data: { source: 2, type: 2, id: 9, x: 10, y: 20 }, timestamp: ts });
const rowsTable = (ts: number): RREvent => ({ type: EventType.IncrementalSnapshot, data: { source: 0, adds: [{ parentId: 5, node: { type: 2, tagName: "table", attributes: { id: "rows-table" }, childNodes: [], id: 50 } }], removes: [], texts: [], attributes: [] }, timestamp: ts });
const isRowsTable = (e: RREvent) => e.type === EventType.IncrementalSnapshot && e.data.source === 0 && JSON.stringify(e.data).includes("rows-table");

// The shape of TestLiveAssist's recording: the SPA's snapshot, then, sent
// late because the network was cut, the frame whose last event inserts the
// table. The recording lasts 3112 ms, not a whole number of seek steps.
const offlineFrames: RecordedFrame[] = [
  { s: 1, k: "meta", p: "pg", d: { url: "https://shop.test/spa", pageId: "pg", viewport: { width: 1280, height: 800 } }, at: 1000 },
  { s: 2, k: "snap", p: "pg", h: "h1", d: [meta(1000), full(1002)], at: 1003 },
  { s: 3, k: "ev", p: "pg", d: [click(3071), click(3072)], at: 3080 },
  { s: 4, k: "ev", p: "pg", d: JSON.stringify([click(4070), rowsTable(4112)]), at: 9000 },
];

test("seeking to the end of the seek bar draws the recording's last event", () => {
  const r = buildReplay(offlineFrames);
  const total = r.end - r.start;
  assert.equal(total, 3112);
  const value = rangeValueAtMax(total, seekStep);
  assert.equal(value, 3100, "the browser's value at max");
  const pos = seekPosition(value, total);
  assert.equal(pos, total);
  const drawn = drawnWhenPausedAt(r.events, r.start, pauseOffset(pos));
  assert.ok(drawn.some(isRowsTable), "the table is drawn at the end");
  assert.equal(drawn.length, r.events.length, "every event is drawn at the end");
  // What the view used to do: pause at the raw slider value.
  assert.ok(!drawnWhenPausedAt(r.events, r.start, value).some(isRowsTable), "the old seek missed the table");
});

test("seekPosition clamps and snaps to the end", () => {
  const cases = [
    { value: -5, total: 3112, want: 0 },
    { value: 0, total: 3112, want: 0 },
    { value: 1500, total: 3112, want: 1500 },
    { value: 3012, total: 3112, want: 3012 },
    { value: 3013, total: 3112, want: 3112 },
    { value: 3100, total: 3112, want: 3112 },
    { value: 9999, total: 3112, want: 3112 },
    { value: 3000, total: 3100, want: 3000 },
    { value: 50, total: 0, want: 0 },
    { value: NaN, total: 100, want: 0 },
  ];
  for (const c of cases) assert.equal(seekPosition(c.value, c.total), c.want, JSON.stringify(c));
});

test("a paused position draws the events stamped exactly at it", () => {
  const evs = [meta(0), full(10), click(20)];
  assert.equal(drawnWhenPausedAt(evs, 0, pauseOffset(20)).length, 3);
  assert.equal(drawnWhenPausedAt(evs, 0, pauseOffset(19)).length, 2);
});

test("frames whose events carry older timestamps play after the frames before them", () => {
  // The person's clock stepped back 5 s between frames 3 and 4 (or a resent
  // frame carried an earlier time): sequence order is the page's order.
  const frames: RecordedFrame[] = [
    { s: 1, k: "meta", p: "pg", d: { url: "https://shop.test/spa", pageId: "pg" } },
    { s: 2, k: "snap", p: "pg", h: "h1", d: [meta(10_000), full(10_005)] },
    { s: 3, k: "ev", p: "pg", d: [click(10_100)] },
    { s: 4, k: "ev", p: "pg", d: [click(5_200), rowsTable(5_300)] },
  ];
  // Delivered out of order, with a duplicate: sorted by sequence, deduplicated.
  const r = buildReplay([frames[3], frames[1], frames[0], frames[2], frames[3]]);
  assert.deepEqual(
    r.events.map((e) => e.type),
    [EventType.Meta, EventType.FullSnapshot, EventType.IncrementalSnapshot, EventType.IncrementalSnapshot, EventType.IncrementalSnapshot],
  );
  assert.ok(isRowsTable(r.events[4]), "the table comes last");
  for (let i = 1; i < r.events.length; i++) assert.ok(r.events[i].timestamp >= r.events[i - 1].timestamp, `event ${i} goes back in time`);
  // The gap inside frame 4 is kept.
  assert.equal(r.events[4].timestamp - r.events[3].timestamp, 100);
  assert.equal(r.end, r.events[4].timestamp);
  const drawn = drawnWhenPausedAt(r.events, r.start, pauseOffset(seekPosition(r.end - r.start, r.end - r.start)));
  assert.ok(drawn.some(isRowsTable), "the table is drawn at the end");
  // Its click mark is timed on the same clock as the events.
  assert.deepEqual(
    r.marks.map((m) => m.ts),
    [10_100, r.events[3].timestamp],
  );
});

test("Retimer keeps gaps and never goes back", () => {
  const t = new Retimer();
  const ts = (evs: RREvent[]) => evs.map((e) => e.timestamp);
  assert.deepEqual(ts(t.retime([click(100), click(150)])), [100, 150]);
  assert.deepEqual(ts(t.retime([click(120), click(180)])), [150, 210]);
  assert.deepEqual(ts(t.retime([click(300)])), [330]);
  const same = [click(1000)];
  assert.equal(new Retimer().retime(same)[0], same[0], "untouched events are not copied");
});

test("nonDecreasing raises stragglers to the time before them", () => {
  assert.deepEqual(
    nonDecreasing([click(10), click(30), click(20), click(40)]).map((e) => e.timestamp),
    [10, 30, 30, 40],
  );
});

test("a ref is redrawn from the snapshot it names, on the replay's clock", () => {
  const frames: RecordedFrame[] = [
    { s: 1, k: "snap", p: "a", h: "ha", d: [meta(1000), full(1010)] },
    { s: 2, k: "leave", p: "a" },
    { s: 3, k: "snap", p: "b", h: "hb", d: [meta(2000), full(2010)] },
    { s: 4, k: "ref", p: "a", h: "ha", d: [meta(3000)] },
    { s: 5, k: "ev", p: "a", d: [click(3005)] },
    { s: 6, k: "ref", p: "gone", h: "hx", d: [meta(4000)] },
  ];
  const r = buildReplay(frames);
  assert.equal(r.misses, 1);
  assert.deepEqual(
    r.events.map((e) => [e.type, e.timestamp]),
    [
      [EventType.Meta, 1000],
      [EventType.FullSnapshot, 1010],
      [EventType.Meta, 2000],
      [EventType.FullSnapshot, 2010],
      [EventType.Meta, 3000],
      [EventType.FullSnapshot, 3010],
      [EventType.IncrementalSnapshot, 3010], // stamped 3005, after the redrawn snapshot
    ],
  );
});
