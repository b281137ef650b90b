// Remote control, the agent's side: what the agent does over the mirror
// turned into operations (docs/protocol.md, "Remote control"). Typing is
// batched so that a word goes as one `type` operation, keys that are not text
// go as `key`, and wheel turns are summed into one `scroll` per batch.

import type { Timers } from "../../shared/socket";
import type { Place } from "./place";

/** An operation as sent in an `op` frame. */
export interface Op {
  opId: string;
  op: string;
  node?: number;
  ox?: number;
  oy?: number;
  x?: number;
  y?: number;
  text?: string;
  key?: string;
  dx?: number;
  dy?: number;
  url?: string;
  shift?: boolean;
  ctrl?: boolean;
  alt?: boolean;
  meta?: boolean;
}

/** OpIds makes operation ids unique within this console page. */
export class OpIds {
  private n = 0;
  private readonly prefix: string;
  constructor(prefix = Math.random().toString(36).slice(2, 8)) {
    this.prefix = prefix;
  }
  next(): string {
    return `${this.prefix}-${++this.n}`;
  }
}

/** Returns an operation at a place (click, dblclick, scroll, type, key). */
export function opAt(id: string, op: string, place: Place | null, extra: Partial<Op> = {}): Op {
  const out: Op = { opId: id, op };
  if (place) {
    if (place.node !== undefined) {
      out.node = place.node;
      out.ox = place.ox;
      out.oy = place.oy;
    }
    if (isFinite(place.x) && isFinite(place.y)) {
      out.x = place.x;
      out.y = place.y;
    }
  }
  return { ...out, ...extra };
}

/** Keys sent as `key` operations rather than typed text. */
export const specialKeys: ReadonlySet<string> = new Set([
  "Enter",
  "Tab",
  "Backspace",
  "Delete",
  "Escape",
  "ArrowLeft",
  "ArrowRight",
  "ArrowUp",
  "ArrowDown",
  "Home",
  "End",
  "PageUp",
  "PageDown",
]);

/** The parts of a KeyboardEvent keyAction reads. */
export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  isComposing?: boolean;
}

/** What a key press over the mirror does. */
export type KeyAction =
  | { kind: "text"; text: string }
  | { kind: "key"; key: string; shift?: boolean; ctrl?: boolean; alt?: boolean; meta?: boolean }
  | null;

/**
 * Returns what a key press means for the person's page: a character to type,
 * a key to press (special keys, and shortcuts with Ctrl or Cmd), or nothing
 * (modifier keys alone, function keys, composition).
 */
export function keyAction(e: KeyLike): KeyAction {
  if (e.isComposing) return null;
  const mods = { shift: !!e.shiftKey, ctrl: !!e.ctrlKey, alt: !!e.altKey, meta: !!e.metaKey };
  const withMods = (key: string) => {
    const a: { kind: "key"; key: string; shift?: boolean; ctrl?: boolean; alt?: boolean; meta?: boolean } = { kind: "key", key };
    for (const [k, v] of Object.entries(mods)) if (v) (a as Record<string, unknown>)[k] = true;
    return a;
  };
  if (specialKeys.has(e.key)) return withMods(e.key);
  if (e.key.length === 1 || (e.key.length === 2 && /[\uD800-\uDBFF]/.test(e.key[0]))) {
    if (mods.ctrl || mods.meta) return withMods(e.key.length === 1 ? e.key.toLowerCase() : e.key);
    return { kind: "text", text: e.key };
  }
  return null;
}

/** How long typed text and wheel turns are gathered before they are sent. */
export const batchMs = 100;

/**
 * Typist gathers typed characters into one `type` operation per batch and
 * per target node; anything that must keep its order after the text (a key
 * press, a click) calls flush first.
 */
export class Typist {
  private node: number | null = null;
  private text = "";
  private timer: unknown = null;
  private readonly timers: Timers;
  private readonly emit: (node: number, text: string) => void;

  constructor(emit: (node: number, text: string) => void, timers: Timers) {
    this.emit = emit;
    this.timers = timers;
  }

  /** Adds text typed into node. */
  add(node: number, text: string): void {
    if (this.node !== null && this.node !== node) this.flush();
    this.node = node;
    this.text += text;
    if (this.timer === null) this.timer = this.timers.set(() => this.flush(), batchMs);
  }

  /** Sends what is gathered now. */
  flush(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    const node = this.node;
    const text = this.text;
    this.node = null;
    this.text = "";
    if (node !== null && text) this.emit(node, text);
  }
}

/** Returns a wheel delta in CSS pixels (deltaMode 1 is lines, 2 is pages). */
export function wheelPixels(delta: number, mode: number, page: number): number {
  if (!isFinite(delta)) return 0;
  if (mode === 1) return delta * 40;
  if (mode === 2) return delta * page;
  return delta;
}

/** Wheel sums wheel turns into one scroll per batch, at the place of the first turn. */
export class Wheel {
  private dx = 0;
  private dy = 0;
  private place: Place | null = null;
  private timer: unknown = null;
  private readonly timers: Timers;
  private readonly emit: (place: Place | null, dx: number, dy: number) => void;

  constructor(emit: (place: Place | null, dx: number, dy: number) => void, timers: Timers) {
    this.emit = emit;
    this.timers = timers;
  }

  add(place: Place | null, dx: number, dy: number): void {
    if (this.timer === null) {
      this.place = place;
      this.timer = this.timers.set(() => this.flush(), batchMs);
    }
    this.dx += dx;
    this.dy += dy;
  }

  flush(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    const { dx, dy, place } = this;
    this.dx = this.dy = 0;
    this.place = null;
    if (Math.round(dx) || Math.round(dy)) this.emit(place, Math.round(dx), Math.round(dy));
  }
}

/**
 * Returns the absolute address the agent means, resolved against the page
 * the person is on ("/cart", "?q=1", a full URL); null if it is not http(s).
 * A bare host ("shop.example/cart") is taken as https.
 */
export function resolveURL(input: string, base: string): string | null {
  const s = input.trim();
  if (!s) return null;
  let u: URL;
  try {
    u = /^[a-z][a-z0-9+.-]*:/i.test(s) ? new URL(s) : /^[\w-]+(\.[\w-]+)+(:\d+)?(\/|$)/.test(s) ? new URL(`https://${s}`) : new URL(s, base);
  } catch {
    return null;
  }
  return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
}
