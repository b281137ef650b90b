// Tests of which tab an assist follows, and of the tab list agents get.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cutBytes, electFront, electHeir, maxTabs, maxTitleBytes, maxURLBytes, tabList } from "./tabs-elect.ts";

const tab = (id, visible, focusedAt, extra = {}) => ({ id, title: "T " + id, url: "https://shop.example/" + id, visible, focusedAt, ...extra });

test("the front tab is the most recently focused visible tab, else the holder", () => {
  const cases = [
    { name: "one tab", tabs: [tab("a", true, 5)], holder: "a", want: "a" },
    { name: "the newer of two visible tabs", tabs: [tab("a", true, 5), tab("b", true, 9)], holder: "a", want: "b" },
    { name: "a hidden tab focused later does not win", tabs: [tab("a", true, 5), tab("b", false, 9)], holder: "b", want: "a" },
    { name: "none visible: the holder", tabs: [tab("a", false, 5), tab("b", false, 9)], holder: "a", want: "a" },
    { name: "visible but never focused: the holder", tabs: [tab("a", true, 0), tab("b", true, 0)], holder: "b", want: "b" },
    { name: "a tie goes to the holder", tabs: [tab("a", true, 7), tab("b", true, 7)], holder: "b", want: "b" },
    { name: "a tie without the holder goes to the smaller id", tabs: [tab("b", true, 7), tab("a", true, 7)], holder: "c", want: "a" },
    { name: "the holder gone and nothing visible", tabs: [tab("a", false, 5)], holder: "z", want: null },
    { name: "no tabs", tabs: [], holder: null, want: null },
  ];
  for (const c of cases) assert.equal(electFront(c.tabs, c.holder), c.want, c.name);
});

test("when the holder is gone an heir is always found among the tabs left", () => {
  assert.equal(electHeir([tab("a", false, 5), tab("b", true, 3)]), "b");
  assert.equal(electHeir([tab("a", false, 5), tab("b", false, 9)]), "b");
  assert.equal(electHeir([tab("b", false, 0), tab("a", false, 0)]), "a");
  assert.equal(electHeir([]), null);
});

test("the tab list marks the front tab, keeps it, and stays within the server's bounds", () => {
  const list = tabList([tab("a", true, 5, { url: "https://shop.example/a?x=1#tandem-invite=SECRET" }), tab("b", true, 9)], "b");
  assert.deepEqual(list, [
    { id: "a", title: "T a", url: "https://shop.example/a?x=1", front: false },
    { id: "b", title: "T b", url: "https://shop.example/b", front: true },
  ]);

  const many = Array.from({ length: maxTabs + 5 }, (_, i) => tab("t" + String(i).padStart(2, "0"), false, 100 + i));
  const front = "t00"; // the least recently focused, yet in front
  const cut = tabList(many, front);
  assert.equal(cut.length, maxTabs);
  assert.ok(cut.some((t) => t.id === front && t.front));
  assert.equal(cut.filter((t) => t.front).length, 1);
  assert.ok(!cut.some((t) => t.id === "t01"), "the least recently focused are left out first");

  const long = tabList([tab("a", true, 1, { title: "é".repeat(400), url: "https://shop.example/" + "u".repeat(3000) })], "a")[0];
  assert.ok(new TextEncoder().encode(long.title).length <= maxTitleBytes);
  assert.equal(long.title, "é".repeat(maxTitleBytes / 2));
  assert.equal(new TextEncoder().encode(long.url).length, maxURLBytes);
});

test("cutting to a number of bytes never splits a character", () => {
  const cases = [
    ["abc", 5, "abc"],
    ["abcdef", 3, "abc"],
    ["aé", 2, "a"],
    ["😀😀", 5, "😀"],
    ["", 0, ""],
  ];
  for (const [s, n, want] of cases) assert.equal(cutBytes(s, n), want, s);
});
