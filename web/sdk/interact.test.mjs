// Tests of the interaction module's logic that needs no real browser: where
// places land, the control gate, repairs' storage and cookie plans, and the
// Control panel driven through a tiny fake DOM. The browser parts (events,
// WebRTC) are exercised end to end in Chromium; what the SDK shares with the
// console (paths, call statistics, box arithmetic) is tested in shared/.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { nodeId } from "./geometry.ts";
import { safeColor } from "./overlay.ts";
import { keyInfo, sameOrigin } from "./ops.ts";
import { Control, gate } from "./control.ts";
import { clearStorage, cookieNames, expiries } from "./repair.ts";

// ---- a tiny DOM: just what the panels use ----

class FakeEl {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.attrs = {};
    this.children = [];
    this.parent = null;
    this.listeners = {};
    this.style = {};
  }
  setAttribute(k, v) {
    this.attrs[k] = String(v);
  }
  getAttribute(k) {
    return k in this.attrs ? this.attrs[k] : null;
  }
  append(...kids) {
    for (const k of kids) this.adopt(k, this.children.length);
  }
  prepend(...kids) {
    kids.forEach((k, i) => this.adopt(k, i));
  }
  adopt(k, at) {
    if (typeof k === "string") k = { text: k };
    if (k.remove) k.remove();
    k.parent = this;
    this.children.splice(at, 0, k);
  }
  remove() {
    if (this.parent) this.parent.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
  }
  replaceWith(n) {
    const p = this.parent;
    const i = p.children.indexOf(this);
    this.remove();
    p.adopt(n, i);
  }
  addEventListener(t, fn) {
    (this.listeners[t] = this.listeners[t] || []).push(fn);
  }
  click() {
    for (const fn of this.listeners.click || []) fn({ preventDefault() {}, stopPropagation() {} });
  }
  get textContent() {
    return this.children.map((c) => (c instanceof FakeEl ? c.textContent : c.text)).join("");
  }
  find(ui) {
    if (this.attrs["data-tandem-ui"] === ui) return this;
    for (const c of this.children) {
      const f = c instanceof FakeEl && c.find(ui);
      if (f) return f;
    }
    return null;
  }
}

class FakeStorage {
  constructor(init = {}) {
    this.m = new Map(Object.entries(init));
  }
  get length() {
    return this.m.size;
  }
  key(i) {
    return [...this.m.keys()][i] ?? null;
  }
  getItem(k) {
    return this.m.has(k) ? this.m.get(k) : null;
  }
  setItem(k, v) {
    this.m.set(k, String(v));
  }
  removeItem(k) {
    this.m.delete(k);
  }
  clear() {
    this.m.clear();
  }
}

let later = [];
let keyHandlers = [];
let assigned = [];
beforeEach(() => {
  later = [];
  keyHandlers = [];
  assigned = [];
  globalThis.document = { createElement: (t) => new FakeEl(t) };
  globalThis.sessionStorage = new FakeStorage();
  globalThis.window = {
    setTimeout: (fn) => later.push(fn),
    addEventListener: (t, fn) => t === "keydown" && keyHandlers.push(fn),
    removeEventListener: (t, fn) => (keyHandlers = keyHandlers.filter((h) => h !== fn)),
  };
  globalThis.location = { href: "https://shop.example/cart", assign: (u) => assigned.push(u) };
});

// ---- pure helpers ----

test("a place names a node only by a usable rrweb id", () => {
  assert.equal(nodeId({ node: 12 }), 12);
  for (const bad of [0, -3, 1.5, "12", null, undefined]) assert.equal(nodeId({ node: bad }), 0, String(bad));
});

test("stroke colours are plain CSS colours", () => {
  for (const c of ["#e11d48", "#fff", "red", "rgb(1, 2, 3)", "rgba(1,2,3,.5)", "hsl(10 50% 50%)"]) assert.equal(safeColor(c), c);
  for (const c of ["url(#x)", "red;x:y", "expression(alert(1))", "", 7, null]) assert.equal(safeColor(c), "#e11d48", String(c));
});

test("keys get the code and keyCode a US keyboard gives", () => {
  const cases = [
    ["a", "KeyA", 65],
    ["Z", "KeyZ", 90],
    ["7", "Digit7", 55],
    [" ", "Space", 32],
    ["Enter", "Enter", 13],
    ["Backspace", "Backspace", 8],
    ["Tab", "Tab", 9],
    ["ArrowDown", "ArrowDown", 40],
    ["F13", "", 0],
  ];
  for (const [key, code, keyCode] of cases) assert.deepEqual(keyInfo(key), { code, keyCode }, key);
});

test("navigation stays on the page's own origin, over http(s)", () => {
  const base = "https://shop.example/cart?x=1";
  const cases = [
    ["/checkout", "https://shop.example/checkout"],
    ["https://shop.example/a#b", "https://shop.example/a#b"],
    ["?page=2", "https://shop.example/cart?page=2"],
    ["https://evil.example/", null],
    ["http://shop.example/", null],
    ["javascript:alert(1)", null],
    ["data:text/html,x", null],
    ["//evil.example/x", null],
    ["https://shop.example.evil.example/", null],
  ];
  for (const [url, want] of cases) assert.equal(sameOrigin(url, base), want, url);
});

test("an operation runs only with the person's grant, from the holder", () => {
  const alex = { id: "c1", name: "Alex" };
  assert.equal(gate(true, alex, "c1"), null);
  assert.match(gate(false, alex, "c1"), /not allowed/);
  assert.match(gate(true, null, "c1"), /nobody/);
  assert.match(gate(true, alex, "c2"), /do not hold/);
  assert.match(gate(true, alex, ""), /do not hold/);
});

test("clearing storage keeps Tandem's own keys", () => {
  const s = new FakeStorage({ "tandem.assist.K": "a", "cart": "3", "tandem.pages.x": "p", "token": "t" });
  clearStorage(s);
  assert.deepEqual([...s.m.entries()].sort(), [["tandem.assist.K", "a"], ["tandem.pages.x", "p"]]);
});

test("cookies are expired on every path and domain the page could have set them for", () => {
  assert.deepEqual(cookieNames("a=1; b=2;c=; a=3;  =x; d"), ["a", "b", "c"]);
  const got = expiries("sid", "www.shop.example", "/a/b", false);
  const paths = new Set(got.map((c) => /path=([^;]*)/.exec(c)[1]));
  assert.deepEqual([...paths].sort(), ["/", "/a", "/a/", "/a/b", "/a/b/"]);
  const domains = new Set(got.map((c) => (/domain=([^;]*)/.exec(c) || [, ""])[1]));
  assert.deepEqual([...domains].sort(), ["", "shop.example", "www.shop.example"], "never the top-level domain alone");
  for (const c of got) assert.match(c, /^sid=; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=0; /);
  assert.equal(got.length, 5 * 3);
  // No domain variants for addresses and single-label hosts; secure on https.
  assert.ok(expiries("x", "127.0.0.1", "/", true).every((c) => !c.includes("domain=") && c.endsWith("; secure")));
  assert.equal(expiries("x", "localhost", "/", false).length, 1);
});

// ---- the Control panel ----

function control() {
  const slot = new FakeEl("div");
  const sent = [];
  const c = new Control("A1", slot, (k, p) => sent.push([k, p]), { lookup: () => null, rules: () => ({ strict: false, mask: [], unmask: [], block: [] }) });
  return { c, slot, sent };
}
const results = (sent) => sent.filter(([k]) => k === "op.result").map(([, p]) => p);
const navigate = (from, url = "/checkout") => ({ opId: "o" + Math.random(), op: "navigate", url, from });

test("control: nothing runs before the person allows, even if the server names a holder", () => {
  const { c, sent } = control();
  c.state({ holder: { id: "c1", name: "Alex" } });
  c.op(navigate("c1"));
  later.forEach((f) => f());
  assert.equal(results(sent)[0].ok, false);
  assert.match(results(sent)[0].error, /not allowed/);
  assert.deepEqual(assigned, []);
});

test("control: the prompt shows the server's text; allow grants, the badge names the holder", () => {
  const { c, slot, sent } = control();
  c.request({ agent: "Alex", text: "Alex from Support wants to control this page" });
  assert.equal(slot.find("control-text").textContent, "Alex from Support wants to control this page");
  slot.find("control-allow").click();
  assert.deepEqual(sent.at(-1), ["control.answer", { allow: true }]);
  assert.equal(slot.find("control-allow"), null, "the prompt is gone");
  assert.equal(sessionStorage.getItem("tandem.control.A1"), "1", "the grant survives a page change");

  c.state({ holder: { id: "c1", name: "Alex" } });
  assert.equal(slot.find("control-revoke").textContent, "Alex is controlling this page · Take back");

  const op = navigate("c1");
  c.op(op);
  assert.deepEqual(results(sent).at(-1), { opId: op.opId, from: "c1", ok: true });
  assert.deepEqual(assigned, [], "navigation waits until the result is sent");
  later.forEach((f) => f());
  assert.deepEqual(assigned, ["https://shop.example/checkout"]);

  c.op(navigate("c2"));
  assert.equal(results(sent).at(-1).ok, false, "another agent is refused");
  c.op(navigate("c1", "https://evil.example/"));
  assert.deepEqual(results(sent).at(-1).error, "you can only go to pages of this site");
});

test("control: take back (badge or the person's own Esc) revokes at once", () => {
  for (const how of ["badge", "esc", "untrusted-esc"]) {
    sessionStorage.clear();
    keyHandlers = [];
    const { c, slot, sent } = control();
    c.request({ text: "t" });
    slot.find("control-allow").click();
    c.state({ holder: { id: "c1", name: "Alex" } });
    if (how === "badge") slot.find("control-revoke").click();
    else for (const h of keyHandlers) h({ key: "Escape", isTrusted: how === "esc", preventDefault() {} });
    if (how === "untrusted-esc") {
      // An Escape the agent's key operation dispatched is not the person's.
      assert.ok(slot.find("control-revoke"), how);
      assert.ok(!sent.some(([k]) => k === "control.revoke"), how);
      continue;
    }
    assert.ok(sent.some(([k]) => k === "control.revoke"), how);
    assert.equal(slot.find("control-revoke"), null, how);
    assert.equal(sessionStorage.getItem("tandem.control.A1"), null, how);
    c.op(navigate("c1"));
    assert.equal(results(sent).at(-1).ok, false, how + ": ops after revoking are refused");
  }
});

test("control: a grant is kept across pages and forgotten when the assist ends", () => {
  sessionStorage.setItem("tandem.control.A1", "1");
  const { c, sent } = control();
  c.state({ holder: { id: "c1", name: "Alex" } });
  c.op(navigate("c1"));
  assert.equal(results(sent).at(-1).ok, true);
  c.stop(false);
  assert.equal(sessionStorage.getItem("tandem.control.A1"), "1");
  const again = control();
  again.c.stop(true);
  assert.equal(sessionStorage.getItem("tandem.control.A1"), null);
  // The server saying nobody holds control ends the grant too.
  sessionStorage.setItem("tandem.control.A1", "1");
  const third = control();
  third.c.state({ holder: null });
  assert.equal(sessionStorage.getItem("tandem.control.A1"), null);
});

test("control: deny answers no and grants nothing", () => {
  const { c, slot, sent } = control();
  c.request({ text: "t" });
  slot.find("control-deny").click();
  assert.deepEqual(sent.at(-1), ["control.answer", { allow: false }]);
  assert.equal(sessionStorage.getItem("tandem.control.A1"), null);
});
