// Tests of the recorder's batching (batcher.ts) on a fake clock: "soon" runs
// when the test lets the running code return (settle), "after" when the
// clock passes it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Batcher } from "./batcher.ts";

function fakeClock() {
  let now = 1000;
  let soon = [];
  let timers = [];
  return {
    now: () => now,
    soon(fn) {
      const e = { fn, live: true };
      soon.push(e);
      return () => (e.live = false);
    },
    after(fn, ms) {
      const e = { fn, at: now + ms, live: true };
      timers.push(e);
      return () => (e.live = false);
    },
    settle() {
      const run = soon;
      soon = [];
      for (const e of run) if (e.live) e.fn();
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((e) => e.live && e.at <= now);
      timers = timers.filter((e) => !due.includes(e));
      for (const e of due) e.fn();
    },
    scheduled: () => soon.filter((e) => e.live).length + timers.filter((e) => e.live).length,
  };
}

function setup(o) {
  const clock = fakeClock();
  const sent = [];
  const b = new Batcher((items) => sent.push({ at: clock.now(), items }), clock, o);
  return { clock, sent, b };
}

test("an event on an idle page leaves as soon as the code that made it returns, with what it added", () => {
  const { clock, sent, b } = setup({ gapMs: 20 });
  b.add("mutation", false);
  b.add("input", true);
  b.add("echo", false);
  assert.equal(sent.length, 0, "nothing leaves inside the task");
  clock.settle();
  assert.deepEqual(sent, [{ at: 1000, items: ["mutation", "input", "echo"] }]);
  assert.equal(clock.scheduled(), 0);
});

test("while busy, events are gathered until the gap since the last frame has passed", () => {
  const { clock, sent, b } = setup({ gapMs: 20 });
  b.add(1, false);
  clock.settle();
  clock.advance(5);
  b.add(2, false);
  clock.settle();
  clock.advance(5);
  b.add(3, false);
  clock.settle();
  assert.equal(sent.length, 1, "inside the gap nothing more leaves");
  clock.advance(10);
  assert.deepEqual(sent[1], { at: 1020, items: [2, 3] });
  clock.advance(25);
  b.add(4, false);
  clock.settle();
  assert.deepEqual(sent[2], { at: 1045, items: [4] }, "after the gap, at once again");
});

test("a burst leaves as one frame per gap, as many frames as a fixed timer sends", () => {
  const { clock, sent, b } = setup({ gapMs: 20 });
  for (let i = 0; i < 100; i++) {
    b.add(i, false);
    clock.settle();
    clock.advance(2); // a task every 2 ms for 200 ms
  }
  clock.advance(20);
  assert.ok(sent.length <= 11, `${sent.length} frames`);
  assert.deepEqual(sent.flatMap((f) => f.items), [...Array(100).keys()]);
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i].at - sent[i - 1].at >= 20);
});

test("the person's input leaves at once even while busy, with what was gathered", () => {
  const { clock, sent, b } = setup({ gapMs: 20 });
  b.add("a", false);
  clock.settle();
  clock.advance(3);
  b.add("b", false);
  clock.advance(3);
  b.add("key", true);
  clock.settle();
  assert.deepEqual(sent[1], { at: 1006, items: ["b", "key"] });
  clock.advance(50);
  assert.equal(sent.length, 2, "the gathered frame's timer was cancelled");
});

test("a full batch leaves at once; flush sends and clear drops what is gathered", () => {
  const { clock, sent, b } = setup({ gapMs: 20, max: 3 });
  b.add(1, false);
  b.add(2, false);
  b.add(3, false);
  assert.deepEqual(sent, [{ at: 1000, items: [1, 2, 3] }]);
  b.add(4, false);
  b.flush();
  assert.deepEqual(sent[1].items, [4]);
  b.flush();
  assert.equal(sent.length, 2, "nothing gathered, nothing sent");
  b.add(5, true);
  b.clear();
  clock.settle();
  clock.advance(100);
  assert.equal(sent.length, 2);
  assert.equal(clock.scheduled(), 0);
});

test("the person's input does not make the page busy: the page's answer follows at once", () => {
  const { clock, sent, b } = setup({ gapMs: 20 });
  b.add("key", true);
  clock.settle();
  clock.advance(1);
  b.add("echo", false); // the page's handler changed the DOM
  clock.settle();
  assert.deepEqual(sent, [
    { at: 1000, items: ["key"] },
    { at: 1001, items: ["echo"] },
  ]);
  b.add("more", false); // now the page is busy
  clock.settle();
  assert.equal(sent.length, 2);
  clock.advance(20);
  assert.deepEqual(sent[2], { at: 1021, items: ["more"] });
});
