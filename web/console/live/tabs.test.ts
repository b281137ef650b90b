import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTabs } from "./tabs";

test("parseTabs reads the tabs frame and drops what is not a tab", () => {
  const cases: { name: string; p: unknown; want: ReturnType<typeof parseTabs> }[] = [
    { name: "no payload", p: null, want: null },
    { name: "no list", p: { tabs: "a" }, want: null },
    { name: "empty", p: { tabs: [] }, want: [] },
    {
      name: "two tabs",
      p: { tabs: [{ id: "a", title: "Cart", url: "/cart", front: false }, { id: "b", title: "Help", url: "/help", front: true }] },
      want: [
        { id: "a", title: "Cart", url: "/cart", front: false },
        { id: "b", title: "Help", url: "/help", front: true },
      ],
    },
    {
      name: "malformed entries",
      p: { tabs: [null, 3, { id: "" }, { id: 7 }, { id: "x", title: 5, url: null, front: "yes" }] },
      want: [{ id: "x", title: "", url: "", front: false }],
    },
  ];
  for (const c of cases) assert.deepEqual(parseTabs(c.p), c.want, c.name);
});
