// Tests of Tandem.screen: the loader's copy of the described screen, and
// the screen recorder's frames (masked on the device, changes as mutations,
// taps as clicks, a new screen as a new page).
import { test } from "node:test";
import assert from "node:assert/strict";

const store = new Map();
globalThis.window = globalThis;
globalThis.location = { href: "https://shop.example/app.html#x" };
globalThis.document = { title: "App" };
globalThis.sessionStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, String(v)), removeItem: (k) => store.delete(k) };

const { screen, screenSource } = await import("./screen.ts");
const { startScreen, screenURL } = await import("./screenrec.ts");

const box = (x, y, w, h) => ({ x, y, w, h });
const tree = () => ({
  id: "root", tag: "Screen", bounds: box(0, 0, 300, 400),
  children: [
    { id: "pw", tag: "Field", attrs: { value: "hunter2", type: "password" }, bounds: box(0, 0, 100, 30) },
    { id: "ok", tag: "Button", attrs: { text: "OK" }, bounds: box(0, 40, 100, 30) },
  ],
});

test("the screen's address names the screen; the fragment goes", () => {
  const cases = [
    ["https://a.example/p?q=1#f", "list", "https://a.example/p?q=1&screen=list"],
    ["https://a.example/p", "", "https://a.example/p"],
    ["https://a.example/p?screen=old", "new one", "https://a.example/p?screen=new+one"],
  ];
  for (const [href, page, want] of cases) assert.equal(screenURL(href, page), want);
});

test("the loader keeps the screen as changed, and the recorder sends it masked", async () => {
  assert.equal(screenSource(), null);
  assert.throws(() => screen.update([]), /call setScreen first/);
  const page = tree();
  screen.setScreen(page, { page: "login" });
  page.children[1].attrs.text = "changed by the page later"; // a copy was taken
  screen.update([
    { op: "update", id: "ok", attrs: { text: "Sign in" } },
    { op: "add", parent: "root", node: { id: "err", tag: "Text", attrs: { text: "Wrong" }, bounds: box(0, 80, 100, 20) } },
  ]);
  const src = screenSource();
  assert.deepEqual(src.tree.children.map((c) => c.id), ["pw", "ok", "err"]);
  assert.equal(src.tree.children[1].attrs.text, "Sign in");

  const frames = [];
  const problems = [];
  const rec = startScreen({ assistId: "a1", screen: src, screenMapping: { tags: { Field: { element: "input", text: "value" } }, maskTypes: ["password"] } },
    (f) => frames.push(f), (e) => problems.push(String(e)));
  assert.deepEqual(frames.map((f) => f.k), ["meta", "snap"]);
  assert.equal(JSON.parse(frames[0].d).url, "https://shop.example/app.html?screen=login");
  assert.ok(frames[1].d.includes("Sign in") && frames[1].d.includes("*******"));
  assert.ok(!frames.some((f) => (f.d || "").includes("hunter2")), "the password never leaves");

  screen.update([{ op: "update", id: "pw", attrs: { value: "hunter22" } }]);
  screen.touch(10, 50);
  rec.flush();
  const ev = JSON.parse(frames[2].d);
  assert.equal(frames[2].k, "ev");
  assert.equal(ev[0].data.attributes[0].attributes.value, "********");
  assert.deepEqual(ev.slice(1).map((e) => e.data.source), [1, 2], "a move, then a click");
  assert.deepEqual({ x: ev[2].data.x, y: ev[2].data.y, type: ev[2].data.type }, { x: 10, y: 50, type: 2 });

  // An update the recorder cannot apply is reported, and the screen sent whole.
  src.listener({ kind: "update", changes: [{ op: "remove", id: "nope" }] });
  assert.match(problems[0], /no element "nope"/);
  assert.deepEqual(frames.slice(3).map((f) => f.k), ["meta", "snap"]);

  // A new screen is a new page, after a route event.
  screen.setScreen(tree(), { page: "home" });
  const route = frames.find((f) => f.k === "ev" && f.d.includes('"route"'));
  assert.ok(route && route.d.includes("screen=home"));
  assert.equal(JSON.parse(frames[frames.length - 2].d).url, "https://shop.example/app.html?screen=home");
  assert.notEqual(frames[frames.length - 1].p, frames[1].p);

  rec.stop();
  const n = frames.length;
  screen.touch(1, 1);
  rec.flush();
  assert.equal(frames.length, n, "nothing after stop");
  assert.equal(src.listener, null);
});
