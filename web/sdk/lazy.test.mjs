// Tests of the loader's sides of its small lazy bundles: following tabs
// (tabs-host.ts), Tandem.screen (screen-host.ts) and the waiting notices
// (waiting-host.ts). Each bundle is stood in for by setting its entry point
// on window first (the loader then uses it without a script tag); the
// bundles' own logic has its tests (tabs.test.mjs, screen.test.mjs) and the
// whole runs in Chromium in internal/e2e. The tabs talk over Node's real
// BroadcastChannel.
import { test } from "node:test";
import assert from "node:assert/strict";

class FakeEl {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.attrs = {};
    this.children = [];
    this.listeners = {};
  }
  setAttribute(k, v) {
    this.attrs[k] = String(v);
  }
  getAttribute(k) {
    return k in this.attrs ? this.attrs[k] : null;
  }
  append(...kids) {
    this.children.push(...kids);
  }
  addEventListener(t, fn) {
    (this.listeners[t] = this.listeners[t] || []).push(fn);
  }
  get textContent() {
    return this.children.map((c) => (typeof c === "string" ? c : c.textContent)).join("");
  }
  // find returns the first element (depth first) whose attribute k is v.
  find(k, v) {
    if (this.attrs[k] === v) return this;
    for (const c of this.children) {
      const f = typeof c !== "string" && c.find(k, v);
      if (f) return f;
    }
    return null;
  }
}

const store = new Map();
globalThis.window = globalThis;
globalThis.sessionStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, String(v)), removeItem: (k) => store.delete(k) };
globalThis.localStorage = globalThis.sessionStorage;
globalThis.addEventListener = () => {};
globalThis.document = {
  currentScript: null,
  readyState: "complete",
  title: "Cart",
  visibilityState: "visible",
  createElement: (t) => new FakeEl(t),
  querySelector: () => null,
  addEventListener: () => {},
  head: new FakeEl("head"), // a script added there never loads here
};
globalThis.location = { href: "https://shop.example/cart", hash: "", pathname: "/cart", search: "" };

const config = await import("./config.ts");
document.currentScript = new FakeEl("script");
document.currentScript.src = "https://tandem.example/sdk.js";
document.currentScript.setAttribute("data-site", "K");
config.configure();
const tabsHost = await import("./tabs-host.ts");
const screenHost = await import("./screen-host.ts");
const { waitingNotices } = await import("./waiting-host.ts");
const { noticeParts } = await import("./waiting-notice.ts");

// flush lets every pending promise settle.
const flush = () => new Promise((r) => setImmediate(r));

// next resolves with the next message on ch.
const next = (ch) => new Promise((r) => (ch.onmessage = (e) => r(e.data)));

test("a tab says hello, and loads following tabs only when another tab speaks, which then hears all it missed", async () => {
  const other = new BroadcastChannel("tandem.tabs.K");
  const started = [];
  const received = [];
  try {
    const hello = next(other);
    tabsHost.startTabs();
    const h = await hello;
    assert.equal(h.t, "hello");
    assert.equal(h.from, sessionStorage.getItem("tandem.tab"), "the tab's id, kept for its next pages");
    assert.equal(h.info, undefined, "a tab of no assist says nothing of itself");
    assert.equal(tabsHost.tabs, null);
    assert.equal(document.head.children.length, 0, "alone on the site: nothing loads");

    window.__tandemTabs = { start: (host) => started.push(host), receive: (m) => received.push(m) };
    const assist = { t: "assist", from: "t-other", stored: { assistId: "a1", token: "p1", state: "live" } };
    other.postMessage(assist);
    await new Promise((r) => setTimeout(r, 0)); // the message's delivery (a macrotask)
    for (let i = 0; i < 50 && started.length === 0; i++) await flush();
    assert.equal(started.length, 1);
    const host = started[0];
    assert.deepEqual(host.heard, [assist]);
    assert.equal(host.me, h.from);
    assert.equal(host.page, h.page, "the page id of its hello, which tells two pages of one tab id apart");
    assert.equal(host.session, null);
    assert.equal(tabsHost.tabs, window.__tandemTabs);

    // From now on the bundle hears the tabs itself.
    other.postMessage({ t: "info", from: "t-other" });
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
    assert.deepEqual(received, [{ t: "info", from: "t-other" }]);
    host.bc.close();
  } finally {
    other.close();
    delete window.__tandemTabs;
  }
});

test("Tandem.screen checks and copies at the call, and hands the calls to screen.js in order", async () => {
  const { screen, screenSource } = screenHost;
  const calls = [];
  let starts = 0;
  const source = { tree: null, page: "", listener: null };
  assert.throws(() => screen.update([]), /call setScreen first/);
  assert.throws(() => screen.setScreen(null), /must be an element object/);
  assert.throws(() => screen.touch(1, NaN), /must be numbers/);
  assert.equal(screenSource(), null, "nothing described: nothing loads");

  window.__tandemScreen = {
    start: () => starts++,
    source: () => source,
    setScreen: (...a) => calls.push(["setScreen", ...a]),
    update: (...a) => calls.push(["update", ...a]),
    touch: (...a) => calls.push(["touch", ...a]),
  };
  try {
    const tree = { id: "root", children: [] };
    screen.setScreen(tree, { page: "list" });
    tree.id = "changed by the page later";
    screen.update([{ op: "remove", id: "x" }]);
    assert.throws(() => screen.update("no"), /must be a list/);
    screen.touch(3, 4);
    assert.equal(calls.length, 0, "the calls wait for the bundle");
    await flush();
    assert.equal(starts, 1);
    assert.deepEqual(calls, [
      ["setScreen", { id: "root", children: [] }, { page: "list" }],
      ["update", [{ op: "remove", id: "x" }]],
      ["touch", 3, 4],
    ]);
    assert.equal(screenSource(), source);
  } finally {
    delete window.__tandemScreen;
  }
});

test("the waiting panel says waiting until the notices load, then the notice and the form to leave a message", async () => {
  const readied = [];
  assert.equal(waitingNotices(() => readied.push(1)), null); // not there: it loads (never, here)
  window.__tandemWaiting = { noticeParts };
  try {
    assert.equal(waitingNotices(() => readied.push(2)), null);
    await flush();
    assert.ok(readied.includes(2), "the panel renders again once they are there");
    const mod = waitingNotices(() => readied.push(3));
    assert.equal(mod, window.__tandemWaiting);

    const left = [];
    const msg = (text) => {
      const p = new FakeEl("p");
      p.append(text);
      return p;
    };
    const cases = [
      ["none", "", /No agent is available/, true],
      ["timeout", "", /No one has picked up/, true],
      ["left", "", /your message was sent/, false],
      ["none", "Could not send", /No agent is available/, true],
    ];
    for (const [notice, error, text, form] of cases) {
      const parts = mod.noticeParts(notice, error, (t) => left.push(t), msg);
      assert.match(parts[0].textContent, text, notice);
      const f = parts.find((p) => p.tagName === "FORM");
      assert.equal(!!f, form, notice);
      assert.equal(parts.some((p) => p.getAttribute("role") === "alert" && p.textContent === error), !!error, notice);
      if (!f) continue;
      f.find("data-tandem-ui", "leave-text").value = "  call me  ";
      f.listeners.submit[0]({ preventDefault() {} });
      f.find("data-tandem-ui", "leave-text").value = "   ";
      f.listeners.submit[0]({ preventDefault() {} });
    }
    assert.deepEqual(left, ["call me", "call me", "call me"], "trimmed, and nothing for a blank message");
  } finally {
    delete window.__tandemWaiting;
  }
});
