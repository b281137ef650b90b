import { test } from "node:test";
import assert from "node:assert/strict";
import { pointAt } from "../../shared/geometry";
import { drawnScale, fractionIn, inside, locatePlace, placeOf, toClient, toDocument, toViewport } from "./place";

test("a point on the agent's screen maps to the person's viewport and document", () => {
  // The person's window is 1280×800, fitted into 640×400 at (100, 50); their page is scrolled by 400.
  const stage = { left: 100, top: 50, width: 640, height: 400 };
  const cases = [
    { client: { x: 100, y: 50 }, scale: 0.5, scroll: { x: 0, y: 400 }, view: { x: 0, y: 0 }, doc: { x: 0, y: 400 } },
    { client: { x: 420, y: 250 }, scale: 0.5, scroll: { x: 0, y: 400 }, view: { x: 640, y: 400 }, doc: { x: 640, y: 800 } },
    { client: { x: 739, y: 449 }, scale: 0.5, scroll: { x: 30, y: 0 }, view: { x: 1278, y: 798 }, doc: { x: 1308, y: 798 } },
    // 1:1 (scale 1) and a nonsense scale (treated as 1).
    { client: { x: 110, y: 70 }, scale: 1, scroll: { x: 0, y: 0 }, view: { x: 10, y: 20 }, doc: { x: 10, y: 20 } },
    { client: { x: 110, y: 70 }, scale: 0, scroll: { x: 5, y: 5 }, view: { x: 10, y: 20 }, doc: { x: 15, y: 25 } },
  ];
  for (const c of cases) {
    const v = toViewport(c.client, stage, c.scale);
    assert.deepEqual(v, c.view, JSON.stringify(c));
    assert.deepEqual(toDocument(v, c.scroll), c.doc, JSON.stringify(c));
    assert.deepEqual(toClient(v, stage, c.scale || 1), c.client, "toClient inverts toViewport");
  }
});

test("drawnScale is the on-screen width over the layout width", () => {
  assert.equal(drawnScale({ left: 0, top: 0, width: 640, height: 400 }, 1280), 0.5);
  assert.equal(drawnScale({ left: 0, top: 0, width: 1280, height: 800 }, 1280), 1);
  assert.equal(drawnScale({ left: 0, top: 0, width: 0, height: 0 }, 1280), 1);
  assert.equal(drawnScale({ left: 0, top: 0, width: 640, height: 400 }, 0), 1);
});

test("fractionIn and pointAt are inverse inside the box and clamp outside", () => {
  const box = { left: 100, top: 200, width: 50, height: 20 };
  assert.deepEqual(fractionIn({ x: 125, y: 205 }, box), { ox: 0.5, oy: 0.25 });
  assert.deepEqual(pointAt(box, 0.5, 0.25), { x: 125, y: 205 });
  assert.deepEqual(fractionIn({ x: 0, y: 999 }, box), { ox: 0, oy: 1 });
  assert.deepEqual(pointAt(box, -1, 2), { x: 100, y: 220 });
  assert.deepEqual(fractionIn({ x: 3, y: 3 }, { left: 3, top: 3, width: 0, height: 0 }), { ox: 0.5, oy: 0.5 });
  assert.deepEqual(fractionIn({ x: 101, y: 200 }, { left: 100, top: 200, width: 3, height: 7 }), { ox: 0.3333, oy: 0 });
});

test("placeOf names the node with offsets, and document coordinates always", () => {
  const v = { x: 125.04, y: 205 };
  assert.deepEqual(placeOf(v, { x: 0, y: 400 }, { node: 42, box: { left: 100, top: 200, width: 50, height: 20 } }), {
    node: 42,
    ox: 0.5008,
    oy: 0.25,
    x: 125,
    y: 605,
  });
  assert.deepEqual(placeOf(v, { x: 0, y: 0 }, null), { x: 125, y: 205 });
  assert.deepEqual(placeOf(v, { x: 0, y: 0 }, { node: -1, box: { left: 0, top: 0, width: 1, height: 1 } }), { x: 125, y: 205 });
});

test("locatePlace prefers the node's box, then document coordinates", () => {
  const boxes: Record<number, { left: number; top: number; width: number; height: number }> = {
    7: { left: 10, top: 10, width: 100, height: 40 },
    8: { left: 0, top: 0, width: 0, height: 0 }, // display: none
  };
  const boxOf = (id: number) => boxes[id] ?? null;
  const scroll = { x: 0, y: 100 };
  assert.deepEqual(locatePlace({ node: 7, ox: 0.5, oy: 0.5, x: 999, y: 999 }, scroll, boxOf), { x: 60, y: 30 });
  assert.deepEqual(locatePlace({ node: 7 }, scroll, boxOf), { x: 60, y: 30 }, "no offsets: the middle");
  assert.deepEqual(locatePlace({ node: 8, ox: 0, oy: 0, x: 50, y: 150 }, scroll, boxOf), { x: 50, y: 50 });
  assert.deepEqual(locatePlace({ node: 9, x: 50, y: 150 }, scroll, boxOf), { x: 50, y: 50 }, "unknown node");
  assert.equal(locatePlace({ node: 9 }, scroll, boxOf), null);
  assert.equal(locatePlace({}, scroll, boxOf), null);
});

test("inside tells points within the viewport", () => {
  const size = { width: 100, height: 50 };
  assert.equal(inside({ x: 0, y: 0 }, size), true);
  assert.equal(inside({ x: 99.5, y: 49 }, size), true);
  assert.equal(inside({ x: 100, y: 10 }, size), false);
  assert.equal(inside({ x: -1, y: 10 }, size), false);
});
