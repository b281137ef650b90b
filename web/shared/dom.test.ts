import { test } from "node:test";
import assert from "node:assert/strict";
import { deepElementAt, frameContentOffset, nextInTabOrder, tabOrder } from "./dom";

// An element with just what tabOrder reads.
function el(name: string, tabIndex: number, o: { disabled?: boolean; hidden?: boolean } = {}): HTMLElement {
  return { name, tabIndex, disabled: !!o.disabled, getClientRects: () => (o.hidden ? [] : [{}]) } as unknown as HTMLElement;
}
const names = (xs: readonly HTMLElement[]) => xs.map((x) => (x as unknown as { name: string }).name);

test("tabOrder puts positive tabindex first, ascending, then tabindex 0 in document order", () => {
  const order = tabOrder([el("a", 0), el("b", 2), el("c", -1), el("d", 1), el("e", 0), el("f", 2)]);
  assert.deepEqual(names(order), ["d", "b", "f", "a", "e"]);
});

test("tabOrder skips what Tab cannot reach: negative tabindex, disabled, not rendered", () => {
  const order = tabOrder([el("a", 0), el("off", 0, { disabled: true }), el("gone", 0, { hidden: true }), el("neg", -1), el("z", 0)]);
  assert.deepEqual(names(order), ["a", "z"]);
  assert.deepEqual(tabOrder([]), []);
});

test("nextInTabOrder steps forward and back, wrapping around", () => {
  const order = ["a", "b", "c"];
  assert.equal(nextInTabOrder(order, "a", false), "b");
  assert.equal(nextInTabOrder(order, "c", false), "a");
  assert.equal(nextInTabOrder(order, "a", true), "c");
  assert.equal(nextInTabOrder(order, "b", true), "a");
});

test("nextInTabOrder starts at an end from outside the order, and has nothing when it is empty", () => {
  assert.equal(nextInTabOrder(["a", "b", "c"], "x", false), "a");
  assert.equal(nextInTabOrder(["a", "b", "c"], "x", true), "c");
  assert.equal(nextInTabOrder(["a", "b", "c"], null, true), "c");
  assert.equal(nextInTabOrder([], "a", false), undefined);
});

test("frameContentOffset adds a frame's border and padding to its box", () => {
  const frame = {
    getBoundingClientRect: () => ({ left: 10, top: 20 }),
    clientLeft: 2,
    clientTop: 3,
    ownerDocument: { defaultView: { getComputedStyle: () => ({ paddingLeft: "4.5px", paddingTop: "" }) } },
  } as unknown as Element;
  assert.deepEqual(frameContentOffset(frame), { x: 16.5, y: 23 });
});

// A fake page for deepElementAt: each fake document answers elementFromPoint
// with the element it was given and records the point it was asked about.
type FakeEl = { name: string; tagName: string; shadowRoot?: unknown; contentDocument?: unknown };
function fakeDoc(at: FakeEl | null, asked: string[]) {
  return { elementFromPoint: (x: number, y: number) => (asked.push(`${at?.name}@${x},${y}`), at) };
}
function fakeFrame(name: string, inner: unknown, left: number, top: number): FakeEl {
  const frame = {
    name,
    tagName: "IFRAME",
    contentDocument: inner,
    getBoundingClientRect: () => ({ left, top }),
    clientLeft: 1,
    clientTop: 1,
    ownerDocument: { defaultView: { getComputedStyle: () => ({ paddingLeft: "0", paddingTop: "0" }) } },
  };
  return frame;
}
const nameOf = (h: { el: Element } | null) => (h ? (h.el as unknown as FakeEl).name : null);

test("deepElementAt goes into open shadow roots and same-origin frames, keeping the point in each document's terms", () => {
  const asked: string[] = [];
  const button: FakeEl = { name: "button", tagName: "BUTTON" };
  const shadow = { elementFromPoint: () => button, contains: (e: unknown) => e === button };
  const host: FakeEl = { name: "host", tagName: "X-WIDGET", shadowRoot: shadow };
  const frame = fakeFrame("frame", fakeDoc(host, asked), 100, 50);
  const h = deepElementAt(fakeDoc(frame, asked) as unknown as Document, 130, 70);
  assert.equal(nameOf(h), "button");
  assert.deepEqual({ x: h?.x, y: h?.y, offset: h?.offset }, { x: 29, y: 19, offset: { x: 101, y: 51 } });
  assert.deepEqual(asked, ["frame@130,70", "host@29,19"]);
});

test("deepElementAt stops at a cross-origin frame, at what stop accepts, and at nothing", () => {
  const crossOrigin = fakeFrame("frame", null, 0, 0);
  Object.defineProperty(crossOrigin, "contentDocument", { get: () => { throw new Error("cross-origin"); } });
  assert.equal(nameOf(deepElementAt(fakeDoc(crossOrigin, []) as unknown as Document, 5, 5)), "frame");

  const inner: FakeEl = { name: "inner", tagName: "DIV" };
  const frame = fakeFrame("frame", fakeDoc(inner, []), 10, 10);
  const stopped = deepElementAt(fakeDoc(frame, []) as unknown as Document, 20, 20, (el) => (el as unknown as FakeEl).name === "frame");
  assert.equal(nameOf(stopped), "frame");
  assert.deepEqual(stopped?.offset, { x: 0, y: 0 });
  assert.equal(nameOf(deepElementAt(fakeDoc(frame, []) as unknown as Document, 20, 20)), "inner");

  assert.equal(deepElementAt(fakeDoc(null, []) as unknown as Document, 1, 1), null);
});
