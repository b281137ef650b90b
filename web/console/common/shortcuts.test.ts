import { test } from "node:test";
import assert from "node:assert/strict";
import { helpKey, Shortcut, shortcutAction } from "./shortcuts";
import { roomActions, shortcuts as roomShortcuts } from "../live/room";
import { replayActions, replayShortcuts } from "../replay/shortcuts";
import { queueActions, queueShortcuts, rowAfter } from "../queue/shortcuts";

test("shortcutAction finds the action of a key, and nothing for others", () => {
  const list: Shortcut<"a" | "b">[] = [
    { keys: "A", what: "a", act: "a", on: ["a", "A"] },
    { keys: "B", what: "b", act: "b", on: ["b"] },
    { keys: "Enter", what: "listed, handled elsewhere" },
  ];
  const cases: [string, string | undefined][] = [
    ["a", "a"],
    ["A", "a"],
    ["b", "b"],
    ["B", undefined],
    ["Enter", undefined],
    ["", undefined],
    ["?", undefined],
  ];
  for (const [key, want] of cases) assert.equal(shortcutAction(list, key), want, key);
});

// Each screen's key handler runs only what its list maps a key to, so the
// keys it handles are the listed ones; these check the lists themselves.
const screens: [string, readonly Shortcut[], readonly string[]][] = [
  ["live", roomShortcuts, roomActions],
  ["replay", replayShortcuts, replayActions],
  ["queue", queueShortcuts, queueActions],
];

for (const [name, list, actions] of screens) {
  test(`${name}: every action has a key in the help, "?" opens it, no key does two things`, () => {
    assert.equal(shortcutAction(list, helpKey), "help");
    for (const a of actions) {
      const s = list.find((x) => x.act === a);
      assert.ok(s && s.on && s.on.length > 0, `${a} has no key`);
      for (const k of s.on) assert.equal(shortcutAction(list, k), a, `${k} runs ${a}`);
    }
    const seen = new Map<string, string>();
    for (const s of list) {
      assert.equal(s.act === undefined, s.on === undefined, `${s.keys}: an action needs its keys and keys their action`);
      if (s.act && s.act !== "help") assert.ok(actions.includes(s.act), `${s.keys} runs ${s.act}, which the screen does not handle`);
      for (const k of s.on ?? []) {
        assert.ok(!seen.has(k), `${JSON.stringify(k)} is in ${seen.get(k)} and ${s.keys}`);
        seen.set(k, s.keys);
      }
    }
    const labels = list.map((s) => s.keys);
    assert.equal(new Set(labels).size, labels.length, "each row of the help is a different key");
  });
}

test("the replay's and the queue's keys, as the help lists them", () => {
  const keys = (l: readonly Shortcut[]) => l.map((s) => s.keys);
  for (const k of ["?", "Space", "K", "←", "→", ",", "."]) assert.ok(keys(replayShortcuts).includes(k), k);
  for (const k of ["?", "I", "↓", "↑", "Enter"]) assert.ok(keys(queueShortcuts).includes(k), k);
  assert.equal(shortcutAction(replayShortcuts, " "), "playPause");
  assert.equal(shortcutAction(replayShortcuts, "k"), "playPause");
  assert.equal(shortcutAction(queueShortcuts, "i"), "invite");
});

test("rowAfter moves between the queue's rows and stops at the ends", () => {
  const cases: [number, number, 1 | -1, number][] = [
    [-1, 0, 1, -1],
    [-1, 3, 1, 0],
    [-1, 3, -1, 2],
    [0, 3, 1, 1],
    [2, 3, 1, 2],
    [0, 3, -1, 0],
    [2, 3, -1, 1],
    [7, 3, 1, 0],
  ];
  for (const [at, n, dir, want] of cases) assert.equal(rowAfter(at, n, dir), want, `${at}/${n} ${dir}`);
});
