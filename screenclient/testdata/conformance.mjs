// Writes conformance.json: what the TypeScript SDK's converter
// (web/shared/viewtree.ts) makes of a screen and its changes, which the Go
// client's test (conformance_test.go) must reproduce exactly. Regenerate
// after a change of viewtree.ts:
//
//   cd web && npx esbuild ../screenclient/testdata/conformance.mjs --bundle --platform=node \
//     --outfile=/tmp/conformance.cjs && node /tmp/conformance.cjs > ../screenclient/testdata/conformance.json
import { ScreenConverter } from "../../web/shared/viewtree";

const mapping = {
  tags: {
    Title: { element: "h1" },
    Field: { element: "input", text: "value" },
    Note: { element: "textarea", text: "value" },
    Button: { element: "button", text: "label", classes: ["primary"], style: { "font-weight": "600" } },
    Pin: { mask: true },
    Rule: { element: "hr" },
  },
  maskAttrs: ["hint"],
  maskTypes: ["password"],
};
const tree = {
  id: "root", tag: "Screen", bounds: { x: 0, y: 0, w: 360, h: 480 }, style: { background: "#fafafa" },
  children: [
    { id: "title", tag: "Title", attrs: { text: "Shopping list", level: 1 }, bounds: { x: 16, y: 16, w: 328, h: 32 } },
    { id: "pin", tag: "Field", attrs: { value: "1234", type: "password", hint: "Card PIN" }, bounds: { x: 16, y: 340, w: 200, h: 40 }, style: { fontSize: 16 } },
    { id: "name", tag: "Field", attrs: { value: "Dana", hint: "Your name", done: false }, bounds: { x: 16, y: 60, w: 200, h: 40 } },
    { id: "secret", tag: "Pin", attrs: { text: "tell no one", code: "77 88" }, bounds: { x: 16, y: 110, w: 200, h: 20 } },
    { id: "list", tag: "List", bounds: { x: 16, y: 140, w: 328, h: 180 }, children: [
      { id: "i1", tag: "Item", attrs: { text: "Milk" }, bounds: { x: 0, y: 0, w: 328, h: 30 } },
      { id: "i2", tag: "Item", attrs: { text: "Eggs" }, bounds: { x: 0, y: 30, w: 328, h: 30 }, children: [
        { id: "i2b", tag: "Badge", attrs: { text: "2" }, bounds: { x: 300, y: 5, w: 20, h: 20 } },
      ] },
    ] },
    { id: "note", tag: "Note", attrs: { value: "ring twice" }, bounds: { x: 16, y: 390, w: 200, h: 40 } },
    { id: "rule", tag: "Rule", bounds: { x: 0, y: 436, w: 360, h: 1 } },
    { id: "add", tag: "Button", attrs: { label: "Add" }, bounds: { x: 230, y: 340, w: 114, h: 40 } },
  ],
};
const batches = [
  [{ op: "update", id: "title", attrs: { text: "Shopping list (3)", level: null } }],
  [{ op: "update", id: "pin", attrs: { value: "98765" } }, { op: "update", id: "name", attrs: { value: "Dana K", hint: "Full name" }, bounds: { x: 16, y: 62, w: 210, h: 40 } }],
  [{ op: "add", parent: "list", before: "i2", node: { id: "i3", tag: "Item", attrs: { text: "Bread" }, bounds: { x: 0, y: 60, w: 328, h: 30 }, children: [
    { id: "i3b", tag: "Badge", attrs: { text: "1" }, bounds: { x: 300, y: 5, w: 20, h: 20 } },
  ] } }],
  [{ op: "remove", id: "i1" }, { op: "update", id: "secret", attrs: { text: "still secret" } }],
  [{ op: "update", id: "add", attrs: { label: "Added" }, style: { color: "#0a0" } }, { op: "update", id: "root", style: { background: null } }],
  [{ op: "update", id: "i2", attrs: { text: "Eggs" } }],
];
const bad = [
  [{ op: "update", id: "title", attrs: { text: "never" } }, { op: "remove", id: "nope" }],
];
const conv = new ScreenConverter(mapping);
const full = conv.full(tree, { width: 360, height: 480 });
const mutations = batches.map((b) => conv.apply(b));
const refused = bad.map((b) => {
  try {
    conv.apply(b);
    return "";
  } catch (e) {
    return e.message;
  }
});
const after = conv.apply([{ op: "update", id: "title", attrs: { text: "After" } }]);
const hits = [[20, 20], [320, 180], [1, 1], [500, 500]].map(([x, y]) => ({ x, y, id: conv.hit(x, y) }));
console.log(JSON.stringify({ mapping, tree, viewport: { width: 360, height: 480 }, batches, bad, want: { full, mutations, refused, after, hits } }, null, 1));
