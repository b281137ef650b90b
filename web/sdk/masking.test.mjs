// Tests of the masking decisions (masking.ts) and of the wrapping of
// fields' own setters (controlled.ts), on a tiny fake DOM: elements with
// attributes, parents, shadow roots and frames, and selectors of the forms
// the SDK uses ([attr], #id, .class, tag, *). The recorder runs on real
// pages in Chromium in internal/e2e (masking_test.go, react_test.go).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Masker, maskAttributes, scrub, textAttribute } from "./masking.ts";
import { ownSetters } from "./controlled.ts";

// ---- a tiny DOM ----

function matchOne(el, sel) {
  sel = sel.trim();
  if (sel === "*") return true;
  let m = /^\[([\w-]+)\]$/.exec(sel);
  if (m) return el.attrs[m[1]] !== undefined;
  if ((m = /^#([\w-]+)$/.exec(sel))) return el.attrs.id === m[1];
  if ((m = /^\.([\w-]+)$/.exec(sel))) return (el.attrs.class || "").split(/\s+/).includes(m[1]);
  if (/^[a-z]+$/.test(sel)) return el.tagName === sel.toUpperCase();
  throw new SyntaxError("bad selector " + sel);
}

class El {
  constructor(tag, attrs = {}, parent = null) {
    this.nodeType = 1;
    this.tagName = tag.toUpperCase();
    this.attrs = attrs;
    this.parentElement = parent && parent.nodeType === 1 ? parent : null;
    this.root = parent ? (parent.nodeType === 1 ? parent.root : parent) : doc;
    this.ownerDocument = this.root.ownerDocument || this.root;
  }
  get type() {
    return this.attrs.type || "";
  }
  get name() {
    return this.attrs.name || "";
  }
  get id() {
    return this.attrs.id || "";
  }
  getAttribute(k) {
    return this.attrs[k] === undefined ? null : this.attrs[k];
  }
  hasAttribute(k) {
    return this.attrs[k] !== undefined;
  }
  getRootNode() {
    return this.root;
  }
  matches(sel) {
    return sel.split(",").some((s) => matchOne(this, s));
  }
  closest(sel) {
    for (let e = this; e; e = e.parentElement) if (e.matches(sel)) return e;
    return null;
  }
  child(tag, attrs) {
    return new El(tag, attrs, this);
  }
  shadow() {
    return { host: this, ownerDocument: this.ownerDocument };
  }
}

// A document, optionally inside a frame element.
function makeDoc(frameElement = null) {
  return { defaultView: { frameElement } };
}
const doc = makeDoc();

const rules = (o = {}) => ({ strict: false, mask: [], unmask: [], ...o });

// ---- masking ----

test("text attributes are those that carry the page's words or data", () => {
  for (const n of ["title", "placeholder", "alt", "aria-label", "aria-description", "aria-valuetext", "label", "value", "content", "data-email", "data-user-id"]) {
    assert.ok(textAttribute("div", n), n);
  }
  for (const n of ["class", "id", "style", "type", "name", "src", "aria-expanded", "aria-hidden", "data-tandem-mask", "data-rr-is-password"]) {
    assert.ok(!textAttribute("div", n), n);
  }
  assert.ok(textAttribute("a", "href"));
  assert.ok(!textAttribute("link", "href"), "stylesheets keep their href");
});

test("attributes inside data-tandem-mask are masked, outside they are not", () => {
  const body = new El("body");
  const box = body.child("div", { "data-tandem-mask": "" });
  const img = box.child("img", { alt: "Jane Roe", title: "jane@example.com", class: "avatar", "data-user": "u-4417", "aria-expanded": "true", src: "/a.png" });
  const attrs = { ...img.attrs };
  maskAttributes("img", attrs, img, new Masker(rules()));
  assert.deepEqual(attrs, { alt: "**** ***", title: "****************", class: "avatar", "data-user": "******", "aria-expanded": "true", src: "/a.png" });

  const free = body.child("img", { alt: "Logo", title: "Home" });
  const kept = { ...free.attrs };
  maskAttributes("img", kept, free, new Masker(rules()));
  assert.deepEqual(kept, free.attrs);

  // The marked element itself, and a selector given to Tandem.mask().
  const marked = body.child("input", { "data-tandem-mask": "", placeholder: "Your IBAN", value: "DE44 5001" });
  const m = { ...marked.attrs };
  maskAttributes("input", m, marked, new Masker(rules()));
  assert.equal(m.placeholder, "**** ****");
  assert.equal(m.value, "*********", "a field's value loses its spaces too");
  const link = body.child("a", { class: "who", href: "mailto:jane@example.com", "aria-label": "Mail Jane" });
  const l = { ...link.attrs };
  maskAttributes("a", l, link, new Masker(rules({ mask: [".who"] })));
  assert.equal(l.href, "***********************");
  assert.equal(l["aria-label"], "**** ****");
});

test("strict masking masks attributes everywhere but inside data-tandem-unmask", () => {
  const body = new El("body");
  const masker = new Masker(rules({ strict: true }));
  const p = body.child("button", { title: "Pay Jane", value: "order-17" });
  const a = { ...p.attrs };
  maskAttributes("button", a, p, masker);
  assert.deepEqual(a, { title: "*** ****", value: "********" });
  const open = body.child("section", { "data-tandem-unmask": "" }).child("img", { alt: "Product photo" });
  const b = { ...open.attrs };
  maskAttributes("img", b, open, masker);
  assert.equal(b.alt, "Product photo");
  // Password fields stay masked inside unmask.
  const pw = body.child("section", { "data-tandem-unmask": "" }).child("input", { type: "password", value: "hunter2" });
  const c = { ...pw.attrs };
  maskAttributes("input", c, pw, masker);
  assert.equal(c.value, "*******");
});

test("srcdoc never leaves the page, and neither does a data: frame", () => {
  const body = new El("body");
  const frame = body.child("iframe", { srcdoc: "<p>Balance 1200</p>", title: "Statement" });
  const a = { ...frame.attrs };
  maskAttributes("iframe", a, frame, new Masker(rules()));
  assert.deepEqual(a, { title: "Statement" }, "dropped even where nothing is masked");
  const b = { rr_src: "data:text/html,<p>secret</p>" };
  maskAttributes("iframe", b, frame, new Masker(rules()));
  assert.deepEqual(b, {});
  const c = { rr_src: "https://maps.example/embed" };
  maskAttributes("iframe", c, frame, new Masker(rules()));
  assert.deepEqual(c, { rr_src: "https://maps.example/embed" });
});

test("a masked canvas's pixels are dropped", () => {
  const body = new El("body");
  const masked = body.child("div", { "data-tandem-mask": "" }).child("canvas", { width: "40" });
  const a = { width: "40", rr_dataURL: "data:image/webp;base64,AAAA" };
  maskAttributes("canvas", a, masked, new Masker(rules()));
  assert.deepEqual(a, { width: "40" });
  const free = body.child("canvas");
  const b = { rr_dataURL: "data:image/webp;base64,AAAA" };
  maskAttributes("canvas", b, free, new Masker(rules()));
  assert.deepEqual(b, { rr_dataURL: "data:image/webp;base64,AAAA" });
});

test("an unknown element is masked; removed attributes stay removals", () => {
  const a = { title: "Jane", href: "/users/jane", class: "x", "aria-label": null };
  maskAttributes("", a, null, new Masker(rules()));
  assert.deepEqual(a, { title: "****", href: "***********", class: "x", "aria-label": null });
});

test("masking crosses shadow roots and same-origin frames", () => {
  const body = new El("body");
  const host = body.child("x-card", { "data-tandem-mask": "" });
  const inShadow = new El("span", { title: "Jane" }, host.shadow());
  assert.equal(new Masker(rules()).text(inShadow), true);

  const frame = body.child("iframe", { "data-tandem-mask": "" });
  const frameDoc = makeDoc(frame);
  const inFrame = new El("p", {}, frameDoc);
  assert.equal(new Masker(rules()).text(inFrame), true);

  // The nearest mark wins; on one element, mask wins.
  const open = new El("p", { "data-tandem-unmask": "" }, frameDoc);
  assert.equal(new Masker(rules()).text(open), false);
  const both = body.child("p", { "data-tandem-mask": "", "data-tandem-unmask": "" });
  assert.equal(new Masker(rules()).text(both), true);
  assert.equal(new Masker(rules()).text(body.child("p")), false);
  assert.equal(new Masker(rules({ strict: true })).text(body.child("p")), true);
  // Every text goes to maskTextFn: rrweb's own selector test stops at shadow roots.
  assert.equal(new Masker(rules()).textSelector, "*");
  // A bad selector errs on the side of masking.
  assert.equal(new Masker(rules({ mask: ["p[["] })).text(body.child("p")), true);
});

test("scrub masks the attributes of a serialized tree", () => {
  const body = new El("body");
  const box = body.child("div", { "data-tandem-mask": "" });
  const input = box.child("input", { placeholder: "Card holder" });
  const free = body.child("input", { placeholder: "Search" });
  const nodes = new Map([
    [2, body],
    [3, box],
    [4, input],
    [5, free],
  ]);
  const tree = {
    type: 2, id: 2, tagName: "body", attributes: {}, childNodes: [
      { type: 2, id: 3, tagName: "div", attributes: { "data-tandem-mask": "", "data-owner": "jane" }, childNodes: [
        { type: 2, id: 4, tagName: "input", attributes: { placeholder: "Card holder", value: "JANE ROE" }, childNodes: [] },
        { type: 2, id: 6, tagName: "iframe", attributes: { srcdoc: "<b>secret</b>" }, childNodes: [] },
      ] },
      { type: 2, id: 5, tagName: "input", attributes: { placeholder: "Search", value: "socks" }, childNodes: [] },
    ],
  };
  scrub(tree, new Masker(rules()), (id) => nodes.get(id) || null);
  const [div, outside] = tree.childNodes;
  assert.deepEqual(div.attributes, { "data-tandem-mask": "", "data-owner": "****" });
  assert.deepEqual(div.childNodes[0].attributes, { placeholder: "**** ******", value: "********" });
  assert.deepEqual(div.childNodes[1].attributes, {}, "an iframe the mirror cannot find is masked, its srcdoc dropped");
  assert.deepEqual(outside.attributes, { placeholder: "Search", value: "socks" });
});

// ---- fields' own setters ----

// A field whose prototype has a value setter (as the browser's), and an own
// property installed as React's value tracker does: it captured the
// prototype's setter of its time and calls it directly.
function reactField(tag = "INPUT") {
  const log = [];
  class Field {
    constructor() {
      this.nodeType = 1;
      this.tagName = tag;
      this.type = "text";
      this._v = "";
      this._c = false;
    }
  }
  const native = {
    value: { configurable: true, enumerable: true, get() { return this._v; }, set(v) { this._v = String(v); log.push("native " + v); } },
    checked: { configurable: true, enumerable: true, get() { return this._c; }, set(v) { this._c = !!v; log.push("native checked " + v); } },
  };
  Object.defineProperties(Field.prototype, native);
  const el = new Field();
  const captured = native.value.set;
  let tracked = "";
  Object.defineProperty(el, "value", { configurable: true, get() { return native.value.get.call(this); }, set(v) { tracked = String(v); captured.call(this, v); } });
  // rrweb's hook, installed on the prototype after the tracker.
  const hook = (prop) => {
    const orig = native[prop];
    Object.defineProperty(Field.prototype, prop, { configurable: true, get: orig.get, set(v) { log.push("hook " + prop + " " + v); orig.set.call(this, v); } });
  };
  return { el, log, hook, tracked: () => tracked };
}

test("a framework's own setter reaches the recorder's hook", () => {
  const { el, log, hook, tracked } = reactField();
  hook("value");
  el.value = "before";
  assert.deepEqual(log, ["native before"], "without the wrapper the hook sees nothing");

  const fields = ownSetters();
  fields.watch(el);
  log.length = 0;
  el.value = "";
  assert.equal(tracked(), "", "the framework's tracker still runs");
  assert.deepEqual(log, ["native ", "hook value ", "native "]);
  assert.equal(el.value, "");

  // Watching again (a restarted recorder) does not stack wrappers.
  const again = ownSetters();
  fields.stop();
  again.watch(el);
  log.length = 0;
  el.value = "x";
  assert.deepEqual(log, ["native x", "hook value x", "native x"]);

  // Stopped: the wrapper only calls the original; unwatch puts it back.
  again.stop();
  log.length = 0;
  el.value = "y";
  assert.deepEqual(log, ["native y"]);
  again.unwatch(el);
  const d = Object.getOwnPropertyDescriptor(el, "value");
  assert.ok(d && d.set && !Object.getOwnPropertySymbols(d.set).length, "the tracker's own setter is back");
  el.value = "z";
  assert.equal(tracked(), "z");
});

test("a prototype setter that assigns through the element again does not loop", () => {
  const { el, log } = reactField();
  const proto = Object.getPrototypeOf(el);
  const native = Object.getOwnPropertyDescriptor(proto, "value");
  let calls = 0;
  Object.defineProperty(proto, "value", { configurable: true, get: native.get, set(v) {
    calls++;
    if (calls > 5) throw new Error("loops");
    this.value = v; // through the own setter again
  } });
  const fields = ownSetters();
  fields.watch(el);
  el.value = "a";
  assert.equal(calls, 1);
  assert.equal(el.value, "a");
  assert.ok(log.includes("native a"));
});

test("fields without own setters, and other elements, are left alone", () => {
  const fields = ownSetters();
  const { el } = reactField();
  delete el.value;
  fields.watch(el);
  assert.equal(Object.getOwnPropertyDescriptor(el, "value"), undefined);
  const div = { nodeType: 1, tagName: "DIV" };
  Object.defineProperty(div, "value", { configurable: true, get() { return 1; }, set() {} });
  const before = Object.getOwnPropertyDescriptor(div, "value");
  fields.watch(div);
  assert.deepEqual(Object.getOwnPropertyDescriptor(div, "value"), before);
  fields.watch(null);
  fields.watch({ nodeType: 3 });
});
