import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeClock } from "../../shared/fakeclock";
import { batchMs, keyAction, opAt, OpIds, resolveURL, Typist, Wheel, wheelPixels } from "./ops";

test("opAt puts the node, offsets and document coordinates on the operation", () => {
  const ids = new OpIds("t");
  assert.deepEqual(opAt(ids.next(), "click", { node: 12, ox: 0.5, oy: 0.25, x: 40, y: 600 }), {
    opId: "t-1",
    op: "click",
    node: 12,
    ox: 0.5,
    oy: 0.25,
    x: 40,
    y: 600,
  });
  assert.deepEqual(opAt(ids.next(), "dblclick", { x: 1, y: 2 }), { opId: "t-2", op: "dblclick", x: 1, y: 2 });
  assert.deepEqual(opAt(ids.next(), "back", null), { opId: "t-3", op: "back" });
  assert.deepEqual(opAt("n", "type", { node: 4, ox: 0.5, oy: 0.5, x: NaN, y: NaN }, { text: "hi" }), { opId: "n", op: "type", node: 4, ox: 0.5, oy: 0.5, text: "hi" }, "no coordinates when unknown");
  assert.deepEqual(opAt(ids.next(), "navigate", null, { url: "https://a.test/" }), { opId: "t-4", op: "navigate", url: "https://a.test/" });
  assert.notEqual(new OpIds().next(), new OpIds().next(), "ids differ between pages");
});

test("keyAction tells text from keys", () => {
  const cases = [
    { e: { key: "a" }, want: { kind: "text", text: "a" } },
    { e: { key: "A", shiftKey: true }, want: { kind: "text", text: "A" } },
    { e: { key: " " }, want: { kind: "text", text: " " } },
    { e: { key: "é", altKey: true }, want: { kind: "text", text: "é" } },
    { e: { key: "😀" }, want: { kind: "text", text: "😀" } },
    { e: { key: "Enter" }, want: { kind: "key", key: "Enter" } },
    { e: { key: "Tab", shiftKey: true }, want: { kind: "key", key: "Tab", shift: true } },
    { e: { key: "Backspace" }, want: { kind: "key", key: "Backspace" } },
    { e: { key: "Escape" }, want: { kind: "key", key: "Escape" } },
    { e: { key: "ArrowDown" }, want: { kind: "key", key: "ArrowDown" } },
    { e: { key: "A", ctrlKey: true, shiftKey: true }, want: { kind: "key", key: "a", ctrl: true, shift: true } },
    { e: { key: "v", metaKey: true }, want: { kind: "key", key: "v", meta: true } },
    { e: { key: "Shift", shiftKey: true }, want: null },
    { e: { key: "F5" }, want: null },
    { e: { key: "a", isComposing: true }, want: null },
  ];
  for (const c of cases) assert.deepEqual(keyAction(c.e), c.want, JSON.stringify(c.e));
});

test("Typist sends one type operation per batch and per node", () => {
  const { timers, advance, pending } = fakeClock();
  const sent: [number, string][] = [];
  const t = new Typist((node, text) => sent.push([node, text]), timers);
  for (const ch of "hello") t.add(5, ch);
  assert.deepEqual(sent, [], "nothing before the batch is due");
  advance(batchMs);
  assert.deepEqual(sent, [[5, "hello"]]);
  t.add(5, "a");
  t.add(9, "b"); // another field: what came before goes first
  assert.deepEqual(sent, [[5, "hello"], [5, "a"]]);
  t.flush();
  assert.deepEqual(sent, [[5, "hello"], [5, "a"], [9, "b"]]);
  assert.equal(pending(), 0, "no timer left");
  t.flush();
  assert.equal(sent.length, 3, "an empty flush sends nothing");
});

test("Wheel sums turns into one scroll at the first place", () => {
  const { timers, advance } = fakeClock();
  const sent: unknown[] = [];
  const w = new Wheel((place, dx, dy) => sent.push({ place, dx, dy }), timers);
  w.add({ node: 3, x: 1, y: 2 }, 0, 100);
  w.add({ node: 4, x: 9, y: 9 }, 0, 53.4);
  w.add(null, -10, 0);
  advance(batchMs);
  assert.deepEqual(sent, [{ place: { node: 3, x: 1, y: 2 }, dx: -10, dy: 153 }]);
  w.add(null, 0.2, 0.2);
  advance(batchMs);
  assert.equal(sent.length, 1, "a turn that rounds to nothing is not sent");
});

test("wheelPixels converts lines and pages", () => {
  assert.equal(wheelPixels(120, 0, 800), 120);
  assert.equal(wheelPixels(3, 1, 800), 120);
  assert.equal(wheelPixels(-1, 2, 800), -800);
  assert.equal(wheelPixels(NaN, 0, 800), 0);
});

test("resolveURL resolves against the person's page and keeps to http(s)", () => {
  const base = "https://shop.test/spa/products?x=1";
  const cases: [string, string | null][] = [
    ["/cart", "https://shop.test/cart"],
    ["details", "https://shop.test/spa/details"],
    ["?q=mug", "https://shop.test/spa/products?q=mug"],
    ["https://shop.test/about", "https://shop.test/about"],
    ["shop.test/help", "https://shop.test/help"],
    ["localhost:8080/x", null],
    ["javascript:alert(1)", null],
    ["  ", null],
  ];
  for (const [input, want] of cases) assert.equal(resolveURL(input, base), want, input);
});
