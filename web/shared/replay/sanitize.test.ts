import { test } from "node:test";
import assert from "node:assert/strict";
import { EventType, RREvent } from "./events";
import { cleanCSS, cleanSrcset, cleanURL, MirrorSanitizer } from "./sanitize";

const consoleOrigin = "https://tandem.example";
const base = "https://shop.example/cart/index.html";
const policy = { consoleOrigin, base };

const meta = (href = base): RREvent => ({ type: EventType.Meta, data: { href, width: 800, height: 600 }, timestamp: 1 });
const el = (id: number, tagName: string, attributes: Record<string, unknown> = {}, childNodes: unknown[] = [], extra = {}) => ({
  type: 2,
  id,
  tagName,
  attributes,
  childNodes,
  ...extra,
});
const text = (id: number, textContent: string) => ({ type: 3, id, textContent });
const doc = (...body: unknown[]) => ({
  type: 0,
  id: 1,
  childNodes: [el(2, "html", {}, [el(3, "head"), el(4, "body", {}, body)])],
});
const full = (node: unknown): RREvent => ({ type: EventType.FullSnapshot, data: { node, initialOffset: { top: 0, left: 0 } }, timestamp: 2 });
const mutation = (d: Record<string, unknown>): RREvent => ({
  type: EventType.IncrementalSnapshot,
  data: { source: 0, texts: [], attributes: [], removes: [], adds: [], ...d },
  timestamp: 3,
});

/** Sanitizes meta + a snapshot with body children and returns the cleaned body. */
function body(...children: unknown[]): any[] {
  const s = new MirrorSanitizer({ consoleOrigin });
  s.event(meta());
  const out = s.event(full(doc(...children)));
  return out.data.node.childNodes[0].childNodes[1].childNodes;
}

test("URLs: web and media stay (made absolute), scripts, documents and the console go", () => {
  const cases: [string, string | null][] = [
    ["https://cdn.example/a.png", "https://cdn.example/a.png"],
    ["/img/b.png", "https://shop.example/img/b.png"],
    ["c.png", "https://shop.example/cart/c.png"],
    ["//cdn.example/x.css", "https://cdn.example/x.css"],
    ["#section", "#section"],
    ["", ""],
    ["mailto:help@shop.example", "mailto:help@shop.example"],
    ["data:image/png;base64,iVBORw0K", "data:image/png;base64,iVBORw0K"],
    ["data:font/woff2;base64,AAAA", "data:font/woff2;base64,AAAA"],
    ["javascript:parent.fetch('/api/v1/me')", null],
    ["  JaVaScRiPt:alert(1)", null],
    ["java\tscript:alert(1)", null],
    ["java&#x09;script:alert(1)", "https://shop.example/cart/java&#x09;script:alert(1)"],
    ["vbscript:msgbox(1)", null],
    ["data:text/html,<script>alert(1)</script>", null],
    ["data:text/html;base64,PHNjcmlwdD4=", null],
    ["data:application/xhtml+xml,x", null],
    ["blob:https://tandem.example/123", null],
    ["file:///etc/passwd", null],
    ["about:blank", null],
    ["https://tandem.example/api/v1/me", null],
    ["HTTPS://TANDEM.EXAMPLE:443/api/v1/me", null],
    ["https://tandem.example:8443/api/v1/me", "https://tandem.example:8443/api/v1/me"],
    ["#x\" onerror=1", "https://shop.example/cart/index.html#x%22%20onerror=1"],
  ];
  for (const [input, want] of cases) assert.equal(cleanURL(input, policy), want, input);
  // Without a known page address, relative URLs resolve against the console: they go.
  assert.equal(cleanURL("/api/v1/me", { consoleOrigin, base: "" }), null);
  assert.equal(cleanURL("https://cdn.example/a.png", { consoleOrigin, base: "" }), "https://cdn.example/a.png");
});

test("srcset keeps only allowed candidates", () => {
  assert.equal(
    cleanSrcset("a.png 1x, https://tandem.example/api/v1/me 2x, javascript:x 3x,https://cdn.example/b.png 480w", policy),
    "https://shop.example/cart/a.png 1x, https://cdn.example/b.png 480w",
  );
});

test("CSS: every spelling of a URL is checked, the rest is kept", () => {
  const clean = (u: string) => cleanURL(u, policy);
  const cases: [string, string][] = [
    ["a { color: red }", "a { color: red }"],
    ["a { background: url(/bg.png) }", 'a { background: url("https://shop.example/bg.png") }'],
    ["a{background:url( 'https://cdn.example/x.png' )}", 'a{background:url("https://cdn.example/x.png")}'],
    ['a{background:url("https://tandem.example/api/v1/me?c=1")}', 'a{background:url("about:invalid")}'],
    ["a{background:URL(https://tandem.example/api/v1/me)}", 'a{background:url("about:invalid")}'],
    ["a{background:u\\72l(https://tandem.example/api/v1/me)}", 'a{background:url("about:invalid")}'],
    ["a{background:\\75 \\72 \\6c (https://tandem.example/api/v1/me)}", 'a{background:url("about:invalid")}'],
    ["a{background:url(https\\3a //tandem.example/api/v1/me)}", 'a{background:url("about:invalid")}'],
    ["a{background:url(javascript:alert(1))}", 'a{background:url("about:invalid"))}'],
    ["a{background:url(x y)}", 'a{background:url("about:invalid")}'],
    ['a{background:image-set("https://tandem.example/api/v1/me" 1x, url(b.png) 2x)}', 'a{background:image-set("about:invalid" 1x, url("https://shop.example/cart/b.png") 2x)}'],
    ['a{background:-webkit-image-set("c.png" 1x)}', 'a{background:-webkit-image-set("https://shop.example/cart/c.png" 1x)}'],
    ['a{background:image-set("c.avif" type("image/avif"))}', 'a{background:image-set("https://shop.example/cart/c.avif" type("image/avif"))}'],
    ['@import "https://tandem.example/api/v1/me";', '@import "about:invalid";'],
    ["@import '/theme.css' screen;", '@import "https://shop.example/theme.css" screen;'],
    ["@\\69mport 'https://tandem.example/x';", '@\\69mport "about:invalid";'],
    ["@font-face{src:url(/f.woff2) format('woff2')}", "@font-face{src:url(\"https://shop.example/f.woff2\") format('woff2')}"],
    ["a{content:'url(https://tandem.example/api)'}", "a{content:'url(https://tandem.example/api)'}"],
    ["/* url(https://tandem.example/api) */a{}", "/* url(https://tandem.example/api) */a{}"],
    ["a{background:src('https://tandem.example/api')}", 'a{background:url("about:invalid")}'],
    ["a{filter:url(#blur)}", 'a{filter:url("#blur")}'],
    ["a{background:xurl(https://tandem.example/api)}", "a{background:xurl(https://tandem.example/api)}"],
    ['a{background:url("x\\"y.png")}', 'a{background:url("https://shop.example/cart/x%22y.png")}'],
  ];
  for (const [input, want] of cases) assert.equal(cleanCSS(input, clean), want, input);
});

test("snapshot elements: handlers, scripts, frames and navigation are taken out", () => {
  const cases: { name: string; node: unknown; want: unknown[] }[] = [
    {
      name: "inline handlers of any case",
      node: el(10, "img", { src: "/a.png", onerror: "parent.fetch('/api/v1/me')", OnLoad: "x()", " onclick": "y()", alt: "ok" }),
      want: [el(10, "img", { src: "https://shop.example/a.png", alt: "ok" })],
    },
    { name: "script and its text", node: el(10, "script", {}, [text(11, "top.__pwned = 1")]), want: [] },
    { name: "svg script", node: el(10, "svg", { onload: "x()" }, [el(11, "script", { href: "x.js" }, [])], { isSVG: true }), want: [el(10, "svg", {}, [], { isSVG: true })] },
    { name: "base", node: el(10, "base", { href: "https://evil.example/" }), want: [] },
    { name: "meta refresh", node: el(10, "meta", { "http-equiv": "refresh", content: "0;url=/api/v1/me" }), want: [el(10, "meta", { content: "0;url=/api/v1/me" })] },
    { name: "meta set-cookie, upper case", node: el(10, "meta", { "HTTP-EQUIV": "Set-Cookie", content: "a=b" }), want: [el(10, "meta", { content: "a=b" })] },
    { name: "srcdoc iframe", node: el(10, "iframe", { srcdoc: "<script>top.x=1</script>", src: "https://shop.example/f.html", title: "f" }), want: [el(10, "iframe", { title: "f" })] },
    { name: "javascript iframe", node: el(10, "iframe", { src: "javascript:top.x=1" }), want: [el(10, "iframe", {})] },
    { name: "javascript link", node: el(10, "a", { href: "javascript:top.x=1" }, [text(11, "go")]), want: [el(10, "a", {}, [text(11, "go")])] },
    { name: "data html link", node: el(10, "a", { href: "data:text/html,<script>x</script>" }), want: [el(10, "a", {})] },
    { name: "form action", node: el(10, "form", { action: "/api/v1/logout", method: "post" }, [el(11, "button", { formaction: "javascript:x" })]), want: [el(10, "form", { method: "post" }, [el(11, "button", {})])] },
    { name: "object data", node: el(10, "object", { data: "https://evil.example/x.swf", type: "application/x-shockwave-flash" }), want: [el(10, "object", { type: "application/x-shockwave-flash" })] },
    { name: "embed src", node: el(10, "embed", { src: "data:image/svg+xml,<svg onload=x()>" }), want: [el(10, "embed", {})] },
    { name: "svg use to the console", node: el(10, "use", { "xlink:href": "https://tandem.example/api/v1/me#x" }, [], { isSVG: true }), want: [el(10, "use", {}, [], { isSVG: true })] },
    { name: "svg animate to a script URL", node: el(10, "animate", { attributeName: "href", to: "javascript:x" }, [], { isSVG: true }), want: [el(10, "animate", {}, [], { isSVG: true })] },
    {
      name: "svg animate values",
      node: el(10, "animate", { attributeName: "x", values: "0;javascript:x;1", from: "0", to: "https://cdn.example/a", by: "vbscript:x" }, [], { isSVG: true }),
      want: [el(10, "animate", { attributeName: "x", from: "0", to: "https://cdn.example/a" }, [], { isSVG: true })],
    },
    { name: "image to the console", node: el(10, "img", { src: "https://tandem.example/api/v1/me", srcset: "https://tandem.example/a 1x" }), want: [el(10, "img", { srcset: "" })] },
    { name: "style attribute beacon", node: el(10, "div", { style: "background:url(/api/v1/me)" }), want: [el(10, "div", { style: 'background:url("https://shop.example/api/v1/me")' })] },
    { name: "canvas picture must be a raster data URL", node: el(10, "canvas", { rr_dataURL: "https://tandem.example/api/v1/me" }), want: [el(10, "canvas", {})] },
    { name: "canvas picture kept", node: el(10, "canvas", { rr_dataURL: "data:image/webp;base64,UklGRg==" }), want: [el(10, "canvas", { rr_dataURL: "data:image/webp;base64,UklGRg==" })] },
    {
      name: "style text",
      node: el(10, "style", {}, [text(11, "body{background:url(https://tandem.example/api/v1/me)}")]),
      want: [el(10, "style", {}, [text(11, 'body{background:url("about:invalid")}')])],
    },
    {
      name: "inlined stylesheet",
      node: el(10, "link", { rel: "stylesheet", href: "/s.css", _cssText: "@import 'https://tandem.example/x';" }),
      want: [el(10, "link", { rel: "stylesheet", href: "https://shop.example/s.css", _cssText: '@import "about:invalid";' })],
    },
    { name: "boolean and text attributes stay", node: el(10, "details", { open: true, ontoggle: "x()", class: "c" }), want: [el(10, "details", { open: true, class: "c" })] },
    { name: "prototype names", node: el(10, "constructor", { __proto__x: "a" }), want: [el(10, "constructor", { __proto__x: "a" })] },
  ];
  for (const c of cases) assert.deepEqual(body(c.node), c.want, c.name);
});

test("mutations: adds, attributes and texts are cleaned with what is known of their nodes", () => {
  const s = new MirrorSanitizer({ consoleOrigin });
  s.event(meta());
  s.event(full(doc(el(10, "img", { src: "/a.png" }), el(12, "style", {}, [text(13, "a{}")]), el(14, "iframe", {}), el(15, "script", {}, []))));

  const m = s.event(
    mutation({
      attributes: [
        { id: 10, attributes: { onerror: "parent.fetch('/api/v1/me')", src: "javascript:x", alt: null } },
        { id: 14, attributes: { src: "https://shop.example/f.html", srcdoc: "<script>x</script>" } },
        { id: 15, attributes: { src: "x.js" } },
        { id: 99, attributes: { style: { background: "url(https://tandem.example/api)", color: ["red", "important"], margin: false } } },
      ],
      texts: [
        { id: 13, value: "a{background:url(https://tandem.example/api)}" },
        { id: 99, value: "url(https://tandem.example/api) is just text" },
      ],
      adds: [
        // A text added to the script is dropped with it; one added to a new <style> is CSS.
        { parentId: 15, nextId: null, node: text(20, "top.__pwned = 1") },
        { parentId: 21, nextId: null, node: text(22, "b{background:url(https://tandem.example/api)}") },
        { parentId: 4, nextId: null, node: el(21, "style", {}, []) },
        { parentId: 4, nextId: null, node: el(23, "div", { onmouseover: "x()" }, [el(24, "script", {}, [text(25, "x")])]) },
      ],
    }),
  );
  assert.deepEqual(m.data.attributes, [
    { id: 10, attributes: { alt: null } },
    { id: 14, attributes: {} },
    { id: 99, attributes: { style: { background: 'url("about:invalid")', color: ["red", "important"], margin: false } } },
  ]);
  assert.deepEqual(m.data.texts, [
    { id: 13, value: 'a{background:url("about:invalid")}' },
    { id: 99, value: "url(https://tandem.example/api) is just text" },
  ]);
  assert.deepEqual(m.data.adds, [
    { parentId: 21, nextId: null, node: text(22, 'b{background:url("about:invalid")}') },
    { parentId: 4, nextId: null, node: el(21, "style", {}, []) },
    { parentId: 4, nextId: null, node: el(23, "div", {}, []) },
  ]);
  // What is added later inside a dropped node goes too.
  const later = s.event(mutation({ adds: [{ parentId: 24, nextId: null, node: text(26, "y") }], texts: [{ id: 25, value: "z" }] }));
  assert.deepEqual(later.data.adds, []);
  assert.deepEqual(later.data.texts, []);
});

test("style sheet rules, declarations, adopted sheets and fonts are cleaned", () => {
  const s = new MirrorSanitizer({ consoleOrigin });
  s.event(meta());
  const ev = (data: Record<string, unknown>) => s.event({ type: EventType.IncrementalSnapshot, data, timestamp: 5 }).data;
  const bad = "url(https://tandem.example/api/v1/me)";
  const blocked = 'url("about:invalid")';
  assert.deepEqual(ev({ source: 8, id: 12, adds: [{ rule: `a{background:${bad}}`, index: 0 }] }).adds, [{ rule: `a{background:${blocked}}`, index: 0 }]);
  assert.deepEqual(ev({ source: 13, id: 12, index: [0], set: { property: "background", value: bad, priority: "" } }).set, {
    property: "background",
    value: blocked,
    priority: "",
  });
  assert.deepEqual(ev({ source: 15, id: 1, styleIds: [1], styles: [{ styleId: 1, rules: [{ rule: `a{background:${bad}}` }] }] }).styles, [
    { styleId: 1, rules: [{ rule: `a{background:${blocked}}` }] },
  ]);
  assert.equal(ev({ source: 10, family: "F", fontSource: "url(/api/v1/me)", buffer: false, descriptors: {} }).fontSource, 'url("https://shop.example/api/v1/me")');
  assert.equal(ev({ source: 10, family: "F", fontSource: "[1,2,3]", buffer: true, descriptors: {} }).fontSource, "[1,2,3]");
});

test("relative URLs resolve against the page, never the console; a non-web page address is no base", () => {
  const s = new MirrorSanitizer({ consoleOrigin });
  s.event(meta("javascript:x"));
  const out = s.event(full(doc(el(10, "img", { src: "/api/v1/me" }), el(11, "img", { src: "https://cdn.example/a.png" }))));
  const imgs = out.data.node.childNodes[0].childNodes[1].childNodes;
  assert.deepEqual(imgs[0].attributes, {});
  assert.deepEqual(imgs[1].attributes, { src: "https://cdn.example/a.png" });
});

test("the input events are not changed", () => {
  const s = new MirrorSanitizer({ consoleOrigin });
  const snap = full(doc(el(10, "img", { onerror: "x()" })));
  const before = JSON.stringify(snap);
  s.event(snap);
  assert.equal(JSON.stringify(snap), before);
});
