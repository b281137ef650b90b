import { test } from "node:test";
import assert from "node:assert/strict";
import { ScreenConverter, type SNode } from "./viewtree";
import { checkMapping } from "./screenmap";

const mapping = {
  tags: {
    Button: { element: "button", classes: ["btn"], style: { "font-weight": "600" }, text: "label" },
    Field: { element: "input", text: "value" },
    Pin: { mask: true },
  },
  maskAttrs: ["hint"],
  maskTypes: ["password"],
};

const screen = () => ({
  id: "root", tag: "Screen", bounds: { x: 0, y: 0, w: 320, h: 480 },
  children: [
    { id: "title", tag: "Text", attrs: { text: "Sign in" }, bounds: { x: 10, y: 10, w: 300, h: 30 }, style: { fontSize: 20 } },
    { id: "user", tag: "Field", attrs: { value: "ada", hint: "your name" }, bounds: { x: 10, y: 50, w: 300, h: 30 } },
    { id: "pw", tag: "Field", attrs: { value: "s3cret pw", type: "password" }, bounds: { x: 10, y: 90, w: 300, h: 30 } },
    { id: "pin", tag: "Pin", attrs: { text: "1234", note: "x y" }, bounds: { x: 10, y: 130, w: 100, h: 30 } },
    { id: "go", tag: "Button", attrs: { label: "Go" }, bounds: { x: 10, y: 170, w: 80, h: 40 },
      children: [{ id: "icon", tag: "Icon", bounds: { x: 4, y: 4, w: 16, h: 16 } }] },
  ],
});

function find(n: SNode, pred: (n: SNode) => boolean): SNode | undefined {
  if (pred(n)) return n;
  if ("childNodes" in n) for (const c of n.childNodes) { const f = find(c, pred); if (f) return f; }
  return undefined;
}
const byTag = (root: SNode, tag: string) => find(root, (n) => n.type === 2 && n.attributes["data-tag"] === tag) as Extract<SNode, { type: 2 }>;

test("a screen becomes a snapshot with mapped elements, positions, texts and masks", () => {
  const c = new ScreenConverter(mapping);
  const { node } = c.full(screen(), { width: 320, height: 480 });
  const json = JSON.stringify(node);
  const cases: [string, (r: SNode) => unknown, unknown][] = [
    ["button element", (r) => byTag(r, "Button").tagName, "button"],
    ["button classes", (r) => byTag(r, "Button").attributes.class, "tv-Button btn"],
    ["button style", (r) => byTag(r, "Button").attributes.style, "left:10px;top:170px;width:80px;height:40px;font-weight:600;"],
    ["button text", (r) => (byTag(r, "Button").childNodes[0] as { textContent: string }).textContent, "Go"],
    ["nested icon", (r) => byTag(byTag(r, "Button"), "Icon").attributes.style, "left:4px;top:4px;width:16px;height:16px;"],
    ["style hints", (r) => byTag(r, "Text").attributes.style, "left:10px;top:10px;width:300px;height:30px;font-size:20;"],
    ["field value", (r) => byTag(r, "Field").attributes.value, "ada"],
    ["masked attr", (r) => byTag(r, "Field").attributes["data-hint"], "**** ****"],
    ["field type", (r) => byTag(r, "Field").attributes.type, "text"],
    ["password field", (r) => (find(r, (n) => n.type === 2 && n.attributes["data-type"] === "password") as Extract<SNode, { type: 2 }>).attributes.value, "****** **"],
    ["password type", (r) => (find(r, (n) => n.type === 2 && n.attributes["data-type"] === "password") as Extract<SNode, { type: 2 }>).attributes.type, "password"],
    ["masked tag text", (r) => (byTag(r, "Pin").childNodes[0] as { textContent: string }).textContent, "****"],
    ["masked tag attr", (r) => byTag(r, "Pin").attributes["data-note"], "* *"],
  ];
  for (const [name, get, want] of cases) assert.deepEqual(get(node), want, name);
  for (const secret of ["s3cret", "1234", "your name"]) assert.ok(!json.includes(secret), `${secret} must not be in the snapshot`);
  assert.equal(c.size, 7);
});

test("changes become one mutation", () => {
  const c = new ScreenConverter(mapping);
  const { node } = c.full(screen(), { width: 320, height: 480 });
  const title = byTag(node, "Text");
  const cases: { name: string; changes: unknown[]; check: (m: ReturnType<ScreenConverter["apply"]>) => void }[] = [
    { name: "text", changes: [{ op: "update", id: "title", attrs: { text: "Welcome" } }],
      check: (m) => assert.deepEqual(m.texts, [{ id: title.childNodes[0].id, value: "Welcome" }]) },
    { name: "bounds and style", changes: [{ op: "update", id: "title", bounds: { x: 1, y: 2, w: 3, h: 4 }, style: { fontSize: null, color: "red" } }],
      check: (m) => assert.deepEqual(m.attributes, [{ id: title.id, attributes: { style: "left:1px;top:2px;width:3px;height:4px;color:red;" } }]) },
    { name: "masked update", changes: [{ op: "update", id: "pin", attrs: { text: "98765" } }],
      check: (m) => assert.equal(m.texts[0].value, "*****") },
    { name: "add before", changes: [{ op: "add", parent: "root", before: "go", node: { id: "err", tag: "Text", attrs: { text: "Wrong" }, bounds: { x: 0, y: 0, w: 1, h: 1 } } }],
      check: (m) => {
        assert.equal(m.adds.length, 2, "the element, then its text node");
        assert.equal(m.adds[0].nextId, byTag(node, "Button").id);
        assert.equal(m.adds[0].parentId, byTag(node, "Screen").id);
        assert.deepEqual((m.adds[0].node as { childNodes: unknown[] }).childNodes, [], "children come as adds of their own");
        assert.deepEqual(m.adds[1], { parentId: m.adds[0].node.id, nextId: null, node: { type: 3, id: m.adds[0].node.id + 1, textContent: "Wrong" } });
      } },
    { name: "remove", changes: [{ op: "remove", id: "err" }],
      check: (m) => assert.equal(m.removes.length, 1) },
  ];
  for (const tc of cases) tc.check(c.apply(tc.changes));
});

test("bad input is refused with a clear error and changes nothing", () => {
  const deep = (d: number): unknown => ({ id: "d" + d, tag: "T", bounds: { x: 0, y: 0, w: 1, h: 1 }, children: d > 0 ? [deep(d - 1)] : [] });
  const wide = { id: "r", tag: "T", bounds: { x: 0, y: 0, w: 1, h: 1 }, children: Array.from({ length: 5000 }, (_, i) => ({ id: "c" + i, tag: "T", bounds: { x: 0, y: 0, w: 1, h: 1 } })) };
  const fulls: [string, unknown, RegExp][] = [
    ["too deep", deep(40), /deeper than 32/],
    ["too many", wide, /more than 5000 elements/],
    ["text too long", { id: "r", tag: "T", attrs: { text: "x".repeat(5000) }, bounds: { x: 0, y: 0, w: 1, h: 1 } }, /longer than 4096/],
    ["no bounds", { id: "r", tag: "T" }, /bounds/],
    ["NaN", { id: "r", tag: "T", bounds: { x: NaN, y: 0, w: 1, h: 1 } }, /bounds.x/],
    ["bad tag", { id: "r", tag: "<script>", bounds: { x: 0, y: 0, w: 1, h: 1 } }, /tag/],
    ["css url", { id: "r", tag: "T", style: { background: "url(http://evil)" }, bounds: { x: 0, y: 0, w: 1, h: 1 } }, /style.background/],
    ["dup id", { id: "r", tag: "T", bounds: { x: 0, y: 0, w: 1, h: 1 }, children: [{ id: "r", tag: "T", bounds: { x: 0, y: 0, w: 1, h: 1 } }] }, /used twice/],
  ];
  const c = new ScreenConverter(mapping);
  c.full(screen(), { width: 1, height: 1 });
  for (const [name, tree, re] of fulls) {
    assert.throws(() => c.full(tree, { width: 1, height: 1 }), re, name);
    assert.equal(c.size, 7, name);
  }
  const applies: [string, unknown, RegExp][] = [
    ["unknown id", [{ op: "remove", id: "nope" }], /no element "nope"/],
    ["root", [{ op: "remove", id: "root" }], /root cannot be removed/],
    ["op", [{ op: "explode" }], /op: must be/],
    ["half applied", [{ op: "remove", id: "go" }, { op: "update", id: "go", attrs: { label: "x" } }], /no element "go"/],
  ];
  for (const [name, ch, re] of applies) {
    assert.throws(() => c.apply(ch), re, name);
    assert.equal(c.size, 7, name);
  }
  assert.equal(c.apply([{ op: "update", id: "go", attrs: { label: "Still here" } }]).texts[0].value, "Still here");
});

test("hit finds the innermost element under a point", () => {
  const c = new ScreenConverter(mapping);
  const { node } = c.full(screen(), { width: 320, height: 480 });
  const cases: [number, number, string][] = [[20, 20, "Text"], [50, 200, "Button"], [16, 176, "Icon"], [300, 400, "Screen"]];
  for (const [x, y, tag] of cases) assert.equal(c.hit(x, y), byTag(node, tag).id, `${x},${y}`);
});

test("checkMapping names the first problem", () => {
  const cases: [unknown, RegExp][] = [
    [[], /must be a JSON object/],
    [{ colors: {} }, /unknown field "colors"/],
    [{ tags: { B: { element: "script" } } }, /tags.B.element: must be one of/],
    [{ tags: { B: { element: "iframe" } } }, /must be one of/],
    [{ tags: { B: { style: { background: "url(x)" } } } }, /tags.B.style.background/],
    [{ tags: { B: { style: { "x;y": "1" } } } }, /not a CSS property/],
    [{ tags: { B: { classes: ["a b"] } } }, /classes\[0\]/],
    [{ tags: { B: { mask: "yes" } } }, /mask: must be true or false/],
    [{ tags: { "1x": {} } }, /not a valid tag name/],
    [{ maskAttrs: "value" }, /maskAttrs: must be a list/],
  ];
  for (const [m, re] of cases) assert.throws(() => checkMapping(m), re, JSON.stringify(m));
  assert.deepEqual(checkMapping(mapping).maskTypes, ["password"]);
});
