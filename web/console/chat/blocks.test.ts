import { test } from "node:test";
import assert from "node:assert/strict";
import type { Block, Button } from "./api";
import { inline, renderBlock, renderBody, safeImage, safeLink } from "./blocks";

// A document with only what the renderer may use: elements, text nodes,
// attributes and listeners. It has no innerHTML, so any use of it fails.
class FakeText {
  readonly nodeType = 3;
  constructor(readonly data: string) {}
}
class FakeEl {
  readonly nodeType = 1;
  readonly attrs = new Map<string, string>();
  readonly children: (FakeEl | FakeText)[] = [];
  readonly listeners = new Map<string, () => void>();
  constructor(readonly tag: string) {}
  setAttribute(k: string, v: string) {
    if (/^on/i.test(k)) throw new Error(`event handler attribute ${k}`);
    this.attrs.set(k, v);
  }
  appendChild(c: FakeEl | FakeText) {
    this.children.push(c);
    return c;
  }
  addEventListener(type: string, fn: () => void) {
    this.listeners.set(type, fn);
  }
  get innerHTML(): string {
    throw new Error("innerHTML read");
  }
  set innerHTML(_: string) {
    throw new Error("innerHTML written");
  }
  get textContent(): string {
    return this.children.map((c) => (c instanceof FakeText ? c.data : c.textContent)).join("");
  }
  /** The element as a tree of tags and text, for comparing. */
  shape(): unknown {
    return [this.tag, Object.fromEntries(this.attrs), ...this.children.map((c) => (c instanceof FakeText ? c.data : c.shape()))];
  }
  all(tag: string): FakeEl[] {
    const out: FakeEl[] = [];
    for (const c of this.children) {
      if (c instanceof FakeEl) {
        if (c.tag === tag) out.push(c);
        out.push(...c.all(tag));
      }
    }
    return out;
  }
}
const doc = {
  createElement: (tag: string) => new FakeEl(tag),
  createTextNode: (t: string) => new FakeText(t),
} as unknown as Document;
const fake = (e: HTMLElement | null) => e as unknown as FakeEl;

test("inline: mrkdwn pieces, mentions of known names only, markup inside words stays text", () => {
  const cases: [string, ReturnType<typeof inline>][] = [
    ["plain", [{ t: "text", text: "plain" }]],
    ["a *b* _c_ ~d~ `e`", [{ t: "text", text: "a " }, { t: "bold", text: "b" }, { t: "text", text: " " }, { t: "italic", text: "c" }, { t: "text", text: " " }, { t: "strike", text: "d" }, { t: "text", text: " " }, { t: "code", text: "e" }]],
    ["snake_case_name and 2*3*4", [{ t: "text", text: "snake_case_name and 2*3*4" }]],
    ["```\nx <b>\n```", [{ t: "pre", text: "x <b>\n" }]],
    ["see <https://a.example/x|the docs>.", [{ t: "text", text: "see " }, { t: "link", href: "https://a.example/x", text: "the docs" }, { t: "text", text: "." }]],
    ["go https://a.example/p?q=1.", [{ t: "text", text: "go " }, { t: "link", href: "https://a.example/p?q=1", text: "https://a.example/p?q=1" }, { t: "text", text: "." }]],
    ["<javascript:alert(1)|click>", [{ t: "text", text: "<javascript:alert(1)|click>" }]],
    ["hi @triage. and @nobody, mail a@triage", [{ t: "text", text: "hi " }, { t: "mention", text: "@triage" }, { t: "text", text: ". and @nobody, mail a@triage" }]],
    ["*unclosed", [{ t: "text", text: "*unclosed" }]],
  ];
  for (const [text, want] of cases) assert.deepEqual(inline(text, ["triage"]), want, text);
});

test("safeLink and safeImage keep web addresses only", () => {
  const cases: [string, string, string][] = [
    ["https://a.example/x", "https://a.example/x", "https://a.example/x"],
    ["http://a.example", "http://a.example/", "http://a.example/"],
    ["mailto:x@a.example", "mailto:x@a.example", ""],
    ["javascript:alert(1)", "", ""],
    [" JavaScript:alert(1)", "", ""],
    ["data:text/html,<script>", "", ""],
    ["data:image/png;base64,AAAA", "", ""],
    ["/api/v1/me", "", ""],
    ["//evil.example/x", "", ""],
    ["vbscript:x", "", ""],
    ["", "", ""],
  ];
  for (const [u, link, img] of cases) {
    assert.equal(safeLink(u), link, `link ${u}`);
    assert.equal(safeImage(u), img, `image ${u}`);
  }
});

test("renderBody: HTML in text and blocks stays text, never markup", () => {
  const evil = `<img src=x onerror="alert(1)"><script>alert(2)</script>`;
  const blocks: Block[] = [
    { type: "header", text: evil },
    { type: "section", text: evil, fields: [evil] },
    { type: "context", fields: [evil, "*ok*"] },
  ];
  const body = fake(renderBody(doc, evil, blocks));
  assert.equal(body.all("img").length, 0, "no image element from text");
  assert.equal(body.all("script").length, 0, "no script element from text");
  assert.ok(body.textContent.split(evil).length - 1 === 5, "the text shows as written, five times");
  assert.equal(body.all("strong").length, 1, "mrkdwn still works");
});

test("renderBlock: each kind, with safe attributes", () => {
  assert.deepEqual(fake(renderBlock(doc, { type: "divider" })).shape(), ["hr", { class: "blk blk-divider" }]);
  assert.deepEqual(fake(renderBlock(doc, { type: "header", text: "Title" })).shape(), ["div", { class: "blk blk-header" }, "Title"]);
  const img = fake(renderBlock(doc, { type: "image", imageUrl: "https://cdn.example/a.png", altText: "chart" }));
  assert.deepEqual(img.all("img")[0].shape(), ["img", { class: "blk-img", src: "https://cdn.example/a.png", alt: "chart", loading: "lazy", referrerpolicy: "no-referrer" }]);
  assert.equal(renderBlock(doc, { type: "image", imageUrl: "javascript:alert(1)" }), null, "an image without a web address is left out");
  assert.equal(renderBlock(doc, { type: "video", text: "x" }), null, "unknown kinds are left out");
});

test("actions: link buttons open a new tab without opener, callback buttons report their id", () => {
  const pressed: Button[] = [];
  const buttons: Button[] = [
    { label: "Docs", url: "https://docs.example/" },
    { id: "b1", label: "Approve", style: "primary" },
    { label: "Bad", url: "javascript:alert(1)" },
    { label: "No id" },
  ];
  const row = fake(renderBlock(doc, { type: "actions", buttons }, { onButton: (b) => pressed.push(b) }));
  const links = row.all("a");
  assert.equal(links.length, 1, "the javascript: link is dropped");
  assert.deepEqual(Object.fromEntries(links[0].attrs), { class: "btn blk-button", href: "https://docs.example/", target: "_blank", rel: "noopener noreferrer", "data-testid": "block-link" });
  const bs = row.all("button");
  assert.equal(bs.length, 2);
  assert.equal(bs[0].attrs.get("data-button-id"), "b1");
  assert.equal(bs[0].attrs.get("class"), "btn blk-button btn-primary");
  bs[0].listeners.get("click")!();
  assert.deepEqual(pressed, [buttons[1]]);
  assert.ok(bs[1].attrs.has("disabled"), "a callback button without an id cannot be pressed");
  assert.equal(bs[1].listeners.size, 0);
});
