// Tandem.screen (docs/native-screens.md): a page that draws its own UI (on
// a canvas) describes it as a view tree. This keeps the current tree,
// applying changes to it by id, so that the recorder can start from the
// screen as it is once the person allows; checking, masking and converting
// happen in the recorder (recorder.js, screenrec.ts), which is not on the
// page before that. It is screen.js, a bundle of its own (screen-bundle.ts),
// loaded by the loader (screen-host.ts) on the page's first call: pages that
// do not describe a screen never load it.

import type { ScreenCall, ScreenSource } from "./types";

type Node = { id?: unknown; children?: Node[]; [k: string]: unknown };

// The source the recorder reads; one per page.
const source: ScreenSource & { tree: Node | null; page: string } = {
  tree: null,
  page: "",
  listener: null,
};

let onFirst: () => void = () => {};

/** Sets what runs when the page first describes a screen: a running DOM recorder restarts as a screen recorder (screen-host.ts: restarting the recorder). */
export function onScreenStart(fn: () => void): void {
  onFirst = fn;
}

/** The screen the recorder reads. */
export function screenSource(): ScreenSource | null {
  return source.tree ? source : null;
}

// copy makes the page's object plain data (and throws on a cycle).
function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function find(n: Node, id: unknown): [Node, Node | null] | null {
  const stack: [Node, Node | null][] = [[n, null]];
  while (stack.length) {
    const [x, parent] = stack.pop() as [Node, Node | null];
    if (x.id === id) return [x, parent];
    if (Array.isArray(x.children)) for (const c of x.children) stack.push([c, x]);
  }
  return null;
}

function send(c: ScreenCall): void {
  if (source.listener) source.listener(c);
}

/** The object behind Tandem.screen. */
export const screen = Object.freeze({
  /** Describes the whole screen; page names it (a new page id, a history entry for the agent). */
  setScreen(tree: unknown, opts?: { page?: string }): void {
    if (!tree || typeof tree !== "object") throw new TypeError("Tandem.screen.setScreen: the screen must be an element object");
    const first = !source.tree;
    source.tree = copy(tree) as Node;
    source.page = opts && typeof opts.page === "string" ? opts.page.slice(0, 200) : source.page;
    if (first) onFirst();
    send({ kind: "screen" });
  },
  /** Applies changes ({op: "add" | "remove" | "update", ...}) to the screen. */
  update(changes: unknown[]): void {
    if (!source.tree) throw new TypeError("Tandem.screen.update: call setScreen first");
    if (!Array.isArray(changes)) throw new TypeError("Tandem.screen.update: changes must be a list");
    const list = copy(changes) as Node[];
    for (const c of list) apply(source.tree, c);
    send({ kind: "update", changes: list });
  },
  /** Marks a touch or click at screen point (x, y) for the agent. */
  touch(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new TypeError("Tandem.screen.touch: x and y must be numbers");
    send({ kind: "touch", x, y });
  },
});

// apply changes the loader's copy; an unknown id is skipped here (the
// recorder's converter reports it and resends the whole screen).
function apply(root: Node, c: Node): void {
  if (c.op === "add") {
    const p = find(root, c.parent);
    if (!p || !c.node) return;
    const kids = (p[0].children = Array.isArray(p[0].children) ? p[0].children : []);
    const i = c.before === undefined ? -1 : kids.findIndex((k) => k.id === c.before);
    kids.splice(i < 0 ? kids.length : i, 0, c.node as Node);
  } else if (c.op === "remove") {
    const f = find(root, c.id);
    if (f && f[1] && Array.isArray(f[1].children)) f[1].children = f[1].children.filter((k) => k !== f[0]);
  } else if (c.op === "update") {
    const f = find(root, c.id);
    if (!f) return;
    const n = f[0];
    if (c.bounds) n.bounds = c.bounds;
    for (const key of ["attrs", "style"]) {
      const patch = c[key] as Record<string, unknown> | undefined;
      if (!patch || typeof patch !== "object") continue;
      const cur = { ...((n[key] as Record<string, unknown>) || {}) };
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete cur[k];
        else cur[k] = v;
      }
      n[key] = cur;
    }
  }
}
