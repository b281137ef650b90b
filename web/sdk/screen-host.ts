// Tandem.screen in the loader (docs/native-screens.md). Only pages that draw
// their own UI call it, so keeping the tree is screen.js (screen.ts), loaded
// on the first call; calls made meanwhile wait for it, in order. What the
// page must hear at once stays here: a mistake throws at the call, and the
// page's objects are copied at the call (the page may change them later).

import { loadBundle } from "./bundle";
import { restartRecorder } from "./capture";
import { screenPath } from "./config";
import type { ScreenModule, ScreenSource } from "./types";

let mod: ScreenModule | null = null;
let described = false;
const queue: [keyof typeof screen, unknown[]][] = [];

/** The screen the recorder reads: none until screen.js has the page's first screen. */
export function screenSource(): ScreenSource | null {
  return mod && mod.source();
}

// copy makes the page's object plain data (and throws on a cycle).
function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

// call hands a call to screen.js, loading it first (again after a
// failure); the calls go in order, a moment after they are made.
function call(name: keyof typeof screen, args: unknown[]): void {
  queue.push([name, args]);
  loadBundle(screenPath, () => window.__tandemScreen).then(
    (m) => {
      if (!mod) {
        mod = m;
        // A DOM recorder already running becomes a screen recorder.
        m.start(restartRecorder);
      }
      for (const [n, a] of queue.splice(0)) (m[n] as (...a: unknown[]) => void)(...a);
    },
    (e) => console.warn("Tandem:", e),
  );
}

/** The object behind Tandem.screen. */
export const screen = Object.freeze({
  /** Describes the whole screen; page names it (a new page id, a history entry for the agent). */
  setScreen(tree: unknown, opts?: { page?: string }): void {
    if (!tree || typeof tree !== "object") throw new TypeError("Tandem.screen.setScreen: the screen must be an element object");
    call("setScreen", [copy(tree), { page: opts?.page }]);
    described = true;
  },
  /** Applies changes ({op: "add" | "remove" | "update", ...}) to the screen. */
  update(changes: unknown[]): void {
    if (!described) throw new TypeError("Tandem.screen.update: call setScreen first");
    if (!Array.isArray(changes)) throw new TypeError("Tandem.screen.update: changes must be a list");
    call("update", [copy(changes)]);
  },
  /** Marks a touch or click at screen point (x, y) for the agent. */
  touch(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new TypeError("Tandem.screen.touch: x and y must be numbers");
    call("touch", [x, y]);
  },
});
