import { test } from "node:test";
import assert from "node:assert/strict";

const last = <T,>(xs: readonly T[]): T | undefined => xs[xs.length - 1];
import { EventType, RREvent } from "./events";
import { buildReplay, RecordedFrame } from "./recording";
import { maxRows, PageStream, StreamSink } from "./stream";

const meta = (t: number, width = 800): RREvent => ({ type: EventType.Meta, data: { href: "https://a.test/", width, height: 600 }, timestamp: t });
const full = (t: number, id = 1): RREvent => ({ type: EventType.FullSnapshot, data: { node: { id }, initialOffset: { top: 0, left: 0 } }, timestamp: t });
const click = (t: number, x: number, y: number): RREvent => ({ type: EventType.IncrementalSnapshot, data: { source: 2, type: 2, id: 3, x, y }, timestamp: t });
const log = (t: number, text: string): RREvent => ({ type: EventType.Custom, data: { tag: "console", payload: { level: "log", args: [text] } }, timestamp: t });

// Records what a PageStream asks of the player.
class Calls implements StreamSink {
  log: string[] = [];
  reset() {
    this.log.push("reset");
  }
  events(evs: RREvent[], seq: number) {
    this.log.push(`events ${seq}: ${evs.map((e) => `${e.type}@${e.timestamp}`).join(",")}`);
  }
  missing(page: string, hash: string) {
    this.log.push(`missing ${page}/${hash}`);
  }
}

test("live: snap starts a new player, ref redraws from the cache, leave drops it", () => {
  const sink = new Calls();
  const s = new PageStream(sink, { resetOnSnapshot: true });
  s.apply("meta", 1, "pA", undefined, { url: "https://a.test/", title: "Home", pageId: "pA", viewport: { width: 800, height: 600, dpr: 2 } });
  s.apply("snap", 2, "pA", "hA", [meta(100), full(101)]);
  s.apply("ev", 3, "pA", undefined, [click(150, 10, 20), log(160, "hello")]);
  s.apply("meta", 4, "pB", undefined, { url: "https://a.test/b", title: "B", pageId: "pB", viewport: { width: 800, height: 600, dpr: 2 } });
  s.apply("snap", 5, "pB", "hB", [meta(200), full(201)]);
  s.apply("meta", 6, "pA", undefined, { url: "https://a.test/", title: "Home again", pageId: "pA" });
  s.apply("ref", 7, "pA", "hA", [meta(300, 1024)]);
  s.apply("leave", 8, "pB", undefined, undefined);
  s.apply("ref", 9, "pB", "hB", [meta(400)]);
  assert.deepEqual(sink.log, [
    "reset",
    "events 2: 4@100,2@101",
    "events 3: 3@150,5@160",
    "reset",
    "events 5: 4@200,2@201",
    "reset",
    "events 7: 4@300,2@301",
    "missing pB/hB",
  ]);
  assert.deepEqual(
    s.pages.map((p) => [p.pageId, p.title]),
    [
      ["pA", "Home again"],
      ["pB", "B"],
    ],
  );
  assert.equal(s.current, "pB");
  assert.equal(s.rows.length, 1);
  assert.equal(s.rows[0].text, "hello");
  assert.deepEqual(s.viewport, { width: 800, height: 600, dpr: 2 });
  assert.equal(s.misses, 1);
});

test("sync drops the rows that will be sent again and starts a new player", () => {
  const sink = new Calls();
  const s = new PageStream(sink, { resetOnSnapshot: true });
  s.apply("snap", 1, "pA", "hA", [meta(100), full(101)]);
  s.apply("ev", 2, "pA", undefined, [log(110, "one")]);
  s.apply("ev", 3, "pA", undefined, [log(120, "two")]);
  s.sync(3);
  assert.deepEqual(
    s.rows.map((r) => r.text),
    ["one"],
  );
  assert.equal(last(sink.log), "reset");
});

test("buildReplay orders frames, substitutes refs and retimes them", () => {
  const frames: RecordedFrame[] = [
    { s: 3, k: "ev", p: "pA", at: 0, d: [click(150, 5, 6), log(155, "a")] },
    { s: 1, k: "meta", p: "pA", d: { url: "https://a.test/", title: "Home", pageId: "pA", viewport: { width: 800, height: 600, dpr: 1 } } },
    { s: 2, k: "snap", p: "pA", h: "hA", d: [meta(100), full(101)] },
    { s: 4, k: "leave", p: "pA" },
    { s: 5, k: "meta", p: "pB", d: { url: "https://a.test/b", title: "B", pageId: "pB" } },
    { s: 6, k: "snap", p: "pB", h: "hB", d: JSON.stringify([meta(200), full(201, 9)]) },
    { s: 7, k: "meta", p: "pA", d: { url: "https://a.test/", title: "Home", pageId: "pA" } },
    { s: 8, k: "ref", p: "pA", h: "hA", d: [meta(300, 1280)] },
    { s: 8, k: "ref", p: "pA", h: "hA", d: [meta(300, 1280)] }, // stored twice: applied once
    { s: 9, k: "ev", p: "pA", d: [log(310, "b")] },
  ];
  const r = buildReplay(frames);
  assert.deepEqual(
    r.events.map((e) => `${e.type}@${e.timestamp}`),
    ["4@100", "2@101", "3@150", "5@155", "4@200", "2@201", "4@300", "2@301", "5@310"],
  );
  assert.equal(r.events[6].data.width, 1280);
  assert.equal(r.events[7].data.node.id, 1, "the ref draws page A's snapshot");
  assert.deepEqual(
    r.rows.map((x) => x.text),
    ["a", "b"],
  );
  assert.deepEqual(
    r.marks.map((m) => [m.x, m.y, m.ts]),
    [[5, 6, 150]],
  );
  assert.deepEqual(
    r.pages.map((p) => [p.pageId, p.ts]),
    [
      ["pA", 100],
      ["pB", 200],
    ],
  );
  assert.equal(r.start, 100);
  assert.equal(r.end, 310);
  assert.equal(r.misses, 0);
});

test("buildReplay of a recording without a snapshot has nothing to play", () => {
  const r = buildReplay([{ s: 1, k: "meta", p: "pA", d: { url: "u" } }, { s: 2, k: "ev", p: "pA", d: [log(5, "x")] }]);
  assert.deepEqual(r.events, []);
  assert.equal(r.rows.length, 1);
  assert.equal(buildReplay([]).events.length, 0);
});

test("devtools rows are capped, oldest dropped first", () => {
  const s = new PageStream(new Calls());
  const evs = Array.from({ length: maxRows + 10 }, (_, i) => log(i, `m${i}`));
  s.apply("ev", 1, "pA", undefined, evs);
  assert.equal(s.rows.length, maxRows);
  assert.equal(s.rows[0].text, "m10");
});
