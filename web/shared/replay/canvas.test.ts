import { test } from "node:test";
import assert from "node:assert/strict";
import { CanvasPainter, CanvasTarget, parseCanvasMutation, parseDataURL } from "./canvas";
import { EventType, RREvent } from "./events";

// A frame as the recorder's picture mode sends it (rrweb's FPS canvas observer).
const picture = (base64: string, type = "image/webp") => ({
  rr_type: "ImageBitmap",
  args: [{ rr_type: "Blob", data: [{ rr_type: "ArrayBuffer", base64 }], type }],
});
const frameData = (id: number, base64: string, extra: Record<string, unknown> = {}) => ({
  source: 9,
  id,
  type: 0,
  commands: [
    { property: "clearRect", args: [0, 0, 300, 150] },
    { property: "drawImage", args: [picture(base64), 0, 0] },
  ],
  ...extra,
});
const canvasEvent = (data: unknown, ts = 10): RREvent => ({ type: EventType.IncrementalSnapshot, data, timestamp: ts });
const png = "data:image/png;base64,iVBORw0KGgo=";
const snapshot = (canvasAttrs: Record<string, unknown>): RREvent => ({
  type: EventType.FullSnapshot,
  timestamp: 1,
  data: {
    initialOffset: { top: 0, left: 0 },
    node: { type: 0, id: 1, childNodes: [{ type: 2, id: 2, tagName: "canvas", attributes: { width: "300", ...canvasAttrs }, childNodes: [] }] },
  },
});

test("the recorder's frames are read; any other shape is refused", () => {
  assert.deepEqual(parseCanvasMutation(frameData(7, "QUJD")), {
    id: 7,
    frame: [
      { op: "clear", x: 0, y: 0, w: 300, h: 150 },
      { op: "image", type: "image/webp", base64: "QUJD", x: 0, y: 0 },
    ],
  });
  const refused: [string, unknown][] = [
    ["webgl context", frameData(7, "QUJD", { type: 1 })],
    ["a single command without a list", { source: 9, id: 7, type: 0, property: "fillRect", args: [0, 0, 1, 1] }],
    ["another method", frameData(7, "QUJD", { commands: [{ property: "fillText", args: ["x", 0, 0] }] })],
    ["a setter", frameData(7, "QUJD", { commands: [{ property: "fillStyle", args: ["red"], setter: true }] })],
    ["an image by URL", frameData(7, "QUJD", { commands: [{ property: "drawImage", args: [{ rr_type: "HTMLImageElement", src: "/api/v1/me" }, 0, 0] }] })],
    ["a URL string as image", frameData(7, "QUJD", { commands: [{ property: "drawImage", args: ["https://tandem.example/api/v1/me", 0, 0] }] })],
    ["a non-image blob", frameData(7, "QUJD", { commands: [{ property: "drawImage", args: [picture("QUJD", "text/html"), 0, 0] }] })],
    ["svg (may reference URLs)", frameData(7, "QUJD", { commands: [{ property: "drawImage", args: [picture("QUJD", "image/svg+xml"), 0, 0] }] })],
    ["not base64", frameData(7, "not base64!")],
    ["a coordinate that is not a number", frameData(7, "QUJD", { commands: [{ property: "clearRect", args: [0, 0, "300", 150] }] })],
    ["an infinite coordinate", frameData(7, "QUJD", { commands: [{ property: "clearRect", args: [0, 0, Infinity, 150] }] })],
    ["wrong argument count", frameData(7, "QUJD", { commands: [{ property: "drawImage", args: [picture("QUJD"), 0] }] })],
    ["no id", { ...frameData(7, "QUJD"), id: "7" }],
    ["no commands", frameData(7, "QUJD", { commands: [] })],
  ];
  for (const [name, d] of refused) assert.equal(parseCanvasMutation(d), null, name);
});

test("snapshot pictures must be base64 raster data URLs", () => {
  assert.deepEqual(parseDataURL(png), [{ op: "reset" }, { op: "image", type: "image/png", base64: "iVBORw0KGgo=", x: 0, y: 0 }]);
  for (const bad of ["https://tandem.example/api/v1/me", "/api/v1/me", "data:image/svg+xml;base64,PHN2Zz4=", "data:text/html;base64,PHA+", "data:image/png,raw", "javascript:x", 42]) {
    assert.equal(parseDataURL(bad), null, String(bad));
  }
});

/** A fake canvas that records what is drawn; decoded pictures are their base64 text. */
function fakeCanvas(): CanvasTarget & { ops: string[] } {
  const ops: string[] = [];
  return {
    width: 300,
    height: 150,
    ops,
    getContext: () => ({
      clearRect: (x, y, w, h) => ops.push(`clear ${x},${y},${w},${h}`),
      drawImage: (img, x, y) => ops.push(`draw ${img.name} at ${x},${y}`),
    }),
  };
}

function painterWith(canvases: Map<number, CanvasTarget>, decodeDelay: (name: string) => Promise<void> = async () => {}) {
  const tasks: (() => void)[] = [];
  const closed: string[] = [];
  const decoded: string[] = [];
  const p = new CanvasPainter({
    canvas: (id) => canvases.get(id) ?? null,
    decode: async (type, bytes) => {
      const name = new TextDecoder().decode(bytes);
      await decodeDelay(name);
      if (name === "BAD") throw new Error("not an image");
      decoded.push(name);
      return { name, close: () => closed.push(name) };
    },
    later: (fn) => tasks.push(fn),
  });
  const runLater = () => tasks.splice(0).forEach((f) => f());
  return { p, runLater, closed, decoded };
}

const b64 = (s: string) => btoa(s);

test("a snapshot's picture is taken from the event and drawn when the event is applied", async () => {
  const c = fakeCanvas();
  const { p, runLater } = painterWith(new Map([[2, c]]));
  const snap = snapshot({ rr_dataURL: "data:image/png;base64," + b64("FIRST") });
  const taken = p.take(snap);
  assert.equal((snap.data.node.childNodes[0].attributes as any).rr_dataURL !== undefined, true, "the input is not changed");
  assert.deepEqual(taken.data.node.childNodes[0].attributes, { width: "300" }, "the player never sees the picture");
  p.applied(taken);
  runLater();
  await p.drawn(c);
  assert.deepEqual(c.ops, ["clear 0,0,300,150", "draw FIRST at 0,0"]);
});

test("frames applied together (a seek) draw only what the canvas shows at the end, in order", async () => {
  const c = fakeCanvas();
  const { p, runLater, closed } = painterWith(new Map([[2, c]]));
  p.applied(p.take(snapshot({ rr_dataURL: "data:image/png;base64," + b64("FIRST") })));
  p.applied(canvasEvent(frameData(2, b64("SECOND"))));
  p.applied(canvasEvent(frameData(2, b64("THIRD"))));
  p.applied(canvasEvent({ source: 9, id: 2, type: 0, commands: [{ property: "fillRect", args: [0, 0, 5, 5] }] }));
  assert.equal(p.refused, 1);
  runLater();
  await p.drawn(c);
  assert.deepEqual(c.ops, ["clear 0,0,300,150", "draw THIRD at 0,0"]);
  assert.deepEqual(closed, ["THIRD"], "decoded pictures are released");
});

test("frames applied one by one land in order even when a later one decodes first", async () => {
  const c = fakeCanvas();
  let releaseSlow!: () => void;
  const slow = new Promise<void>((r) => (releaseSlow = r));
  const { p, runLater, decoded } = painterWith(new Map([[2, c]]), (name) => (name === "SLOW" ? slow : Promise.resolve()));
  p.applied(canvasEvent(frameData(2, b64("SLOW"))));
  runLater();
  p.applied(canvasEvent(frameData(2, b64("FAST"))));
  runLater();
  // FAST's decoding, and whatever a painter would chain on it, are
  // microtasks only; they have all run before the next macrotask. So once
  // a timer of 0 ms runs, FAST is decoded, and a painter that did not
  // keep the order would have drawn it.
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(decoded, ["FAST"], "the newer frame is decoded");
  assert.deepEqual(c.ops, [], "nothing is drawn before the older frame");
  releaseSlow();
  await p.drawn(c);
  assert.deepEqual(c.ops, ["clear 0,0,300,150", "draw SLOW at 0,0", "clear 0,0,300,150", "draw FAST at 0,0"]);
});

test("a frame whose picture does not decode is skipped whole", async () => {
  const c = fakeCanvas();
  const { p, runLater } = painterWith(new Map([[2, c]]));
  p.applied(canvasEvent(frameData(2, b64("GOOD"))));
  runLater();
  p.applied(canvasEvent(frameData(2, b64("BAD"))));
  runLater();
  await p.drawn(c);
  assert.deepEqual(c.ops, ["clear 0,0,300,150", "draw GOOD at 0,0"]);
});

test("a canvas not built yet is drawn once it is; a new snapshot forgets older frames", async () => {
  const canvases = new Map<number, CanvasTarget>();
  const { p, runLater } = painterWith(canvases);
  p.applied(canvasEvent(frameData(5, b64("EARLY"))));
  runLater();
  const c = fakeCanvas();
  canvases.set(5, c);
  p.applied(canvasEvent({ source: 2, type: 2, id: 1 })); // any later event flushes again
  runLater();
  await p.drawn(c);
  assert.deepEqual(c.ops, ["clear 0,0,300,150", "draw EARLY at 0,0"]);

  const d = fakeCanvas();
  canvases.delete(5);
  p.applied(canvasEvent(frameData(6, b64("OLD"))));
  p.applied(p.take(snapshot({})));
  canvases.set(6, d);
  p.applied(canvasEvent({ source: 2, type: 2, id: 1 }));
  runLater();
  await p.drawn(d);
  assert.deepEqual(d.ops, []);
});

test("a canvas added by a mutation brings its picture", async () => {
  const c = fakeCanvas();
  const { p, runLater } = painterWith(new Map([[30, c]]));
  const add = canvasEvent({
    source: 0,
    texts: [],
    attributes: [],
    removes: [],
    adds: [{ parentId: 1, nextId: null, node: { type: 2, id: 30, tagName: "canvas", attributes: { rr_dataURL: "data:image/png;base64," + b64("ADDED") }, childNodes: [] } }],
  });
  const taken = p.take(add);
  assert.deepEqual(taken.data.adds[0].node.attributes, {});
  p.applied(taken);
  runLater();
  await p.drawn(c);
  assert.deepEqual(c.ops, ["clear 0,0,300,150", "draw ADDED at 0,0"]);
});
