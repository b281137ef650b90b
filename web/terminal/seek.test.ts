import { test } from "node:test";
import assert from "node:assert/strict";
import { applySteps, CastEvent, indexAt, keyframeBefore, resizeOf, SeekStep, seekSteps, skipIdle } from "./seek";

// A terminal model that keeps what decides its screen: the size, and the
// output since the last full reset (ESC c), with resizes in their place.
class ModelTerminal {
  size: [number, number];
  screen = "";
  constructor(private initial: [number, number]) {
    this.size = initial;
  }
  write(data: string) {
    const at = data.lastIndexOf("\x1bc");
    this.screen = at >= 0 ? data.slice(at) : this.screen + data;
  }
  resize(c: number, r: number) {
    if (this.size[0] === c && this.size[1] === r) return; // as xterm.js: nothing changes
    this.size = [c, r];
    this.screen += `<${c}x${r}>`;
  }
  reset() {
    this.size = this.initial;
    this.screen = "";
  }
  apply(steps: SeekStep[]) {
    for (const s of steps) {
      if ("reset" in s) this.reset();
      else if ("resize" in s) this.resize(...s.resize);
      else this.write(s.write);
    }
  }
  state() {
    return JSON.stringify([this.size, this.screen]);
  }
}

// A recorded session: a prompt, commands, a resize, a `clear` (ESC c) and more.
const cast: CastEvent[] = [
  [0.1, "o", "$ "],
  [0.5, "o", "ls\r\n"],
  [0.6, "o", "a b c\r\n$ "],
  [2.0, "r", "100x30"],
  [3.0, "o", "vim x\r\n"],
  [3.5, "i", "ignored input"],
  [4.0, "o", "\x1b[?1049h~\r\n~"],
  [30.0, "o", "\x1b[?1049l$ "],
  [31.0, "o", "clear\r\n\x1bc$ "],
  [32.0, "r", "bogus"],
  [33.0, "o", "echo hi\r\nhi\r\n$ "],
  [34.0, "r", "90x20"],
  [35.0, "o", "exit\r\n"],
];
const initial: [number, number] = [80, 24];

// The screen after playing events[0, n) one by one, as the player does.
function played(n: number): string {
  const t = new ModelTerminal(initial);
  for (const [, kind, data] of cast.slice(0, n)) {
    if (kind === "o") t.write(data);
    const size = kind === "r" ? resizeOf(data) : null;
    if (size) t.resize(...size);
  }
  return t.state();
}

test("a seek from any point to any point shows what playing to that point shows", () => {
  for (let from = 0; from <= cast.length; from++) {
    for (let to = 0; to <= cast.length; to++) {
      const t = new ModelTerminal(initial);
      t.apply(seekSteps(cast, 0, from, initial));
      t.apply(seekSteps(cast, from, to, initial));
      assert.equal(t.state(), played(to), `${from} → ${to}`);
    }
  }
});

test("a seek back starts at the last full reset, not at the start", () => {
  const steps = seekSteps(cast, cast.length, 11, initial);
  assert.deepEqual(steps, [{ reset: true }, { resize: [100, 30] }, { write: "clear\r\n\x1bc$ echo hi\r\nhi\r\n$ " }]);
  assert.deepEqual(keyframeBefore(cast, 5), { index: 0, size: null });
  assert.deepEqual(keyframeBefore(cast, 9), { index: 8, size: [100, 30] });
});

test("output is joined into one write per stretch between resizes", () => {
  assert.deepEqual(applySteps(cast, 0, 7), [
    { write: "$ ls\r\na b c\r\n$ " },
    { resize: [100, 30] },
    { write: "vim x\r\n\x1b[?1049h~\r\n~" },
  ]);
});

test("indexAt counts the events at or before t", () => {
  const cases: [number, number][] = [
    [0, 0],
    [0.1, 1],
    [0.55, 2],
    [29.99, 7],
    [30, 8],
    [99, cast.length],
  ];
  for (const [t, want] of cases) assert.equal(indexAt(cast, t), want, String(t));
});

test("resizeOf reads COLSxROWS and refuses anything else", () => {
  const cases: [string, [number, number] | null][] = [
    ["80x24", [80, 24]],
    ["0x24", null],
    ["80x", null],
    ["5000x24", null],
    ["80x24; rm", null],
  ];
  for (const [s, want] of cases) assert.deepEqual(resizeOf(s), want, s);
});

test("skipIdle cuts long pauses to the cap and leaves short ones", () => {
  const cases: [number, number, number][] = [
    [4.0, 30.0, 29.0],
    [4.0, 4.5, 4.0],
    [4.0, 5.0, 4.0],
    [4.0, 5.01, 4.01],
  ];
  for (const [at, next, want] of cases) assert.ok(Math.abs(skipIdle(at, next, 1) - want) < 1e-9, `${at} ${next}`);
});
