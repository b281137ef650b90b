// Native screens (docs/native-screens.md): an app that draws its own UI (a
// canvas, React Native, Flutter, Android, iOS) describes its screen as a tree
// of elements and changes to it. The SDK checks the tree against the limits,
// masks it with the site's mapping (so masked text never leaves the device)
// and turns it into the rrweb full snapshot and incremental mutations that
// the live view, replay and video already show like any page.

import { checkMapping, safeCSSProp, safeCSSValue, type ScreenMapping, type TagRule } from "./screenmap";

/** A box in CSS pixels, relative to the parent element's box. */
export interface Bounds {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One element of a screen. */
export interface ViewNode {
  id: string;
  tag: string;
  attrs?: Record<string, string | number | boolean>;
  bounds: Bounds;
  style?: Record<string, string | number>;
  children?: ViewNode[];
}

/** A change to the screen (docs/native-screens.md, "Changes"). */
export type ViewChange =
  | { op: "add"; parent: string; before?: string; node: ViewNode }
  | { op: "remove"; id: string }
  | { op: "update"; id: string; attrs?: Record<string, string | number | boolean | null>; bounds?: Bounds; style?: Record<string, string | number | null> };

/** Limits checked before anything is converted or sent. */
export const viewLimits = { depth: 32, elements: 5000, text: 4096, attrs: 32, styles: 32, id: 128, changes: 1000 };

const tagRe = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const attrRe = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const maxCoord = 1e6;

function checkBounds(b: unknown, at: string): Bounds {
  if (!b || typeof b !== "object") throw new TypeError(`${at}.bounds: must be {x, y, w, h}`);
  const o = b as Record<string, unknown>;
  for (const k of ["x", "y", "w", "h"]) {
    const v = o[k];
    if (typeof v !== "number" || !Number.isFinite(v) || Math.abs(v) > maxCoord) throw new TypeError(`${at}.bounds.${k}: must be a finite number`);
    if ((k === "w" || k === "h") && v < 0) throw new TypeError(`${at}.bounds.${k}: must not be negative`);
  }
  return { x: o.x as number, y: o.y as number, w: o.w as number, h: o.h as number };
}

function checkAttrs(a: unknown, at: string, nulls: boolean): Record<string, string | number | boolean | null> {
  if (a === undefined) return {};
  if (!a || typeof a !== "object" || Array.isArray(a)) throw new TypeError(`${at}.attrs: must be an object`);
  const e = Object.entries(a as Record<string, unknown>);
  if (e.length > viewLimits.attrs) throw new TypeError(`${at}.attrs: at most ${viewLimits.attrs} attributes`);
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of e) {
    if (!attrRe.test(k)) throw new TypeError(`${at}.attrs.${k}: not a valid attribute name`);
    if (v === null && nulls) out[k] = null;
    else if (typeof v === "string") {
      if (v.length > viewLimits.text) throw new TypeError(`${at}.attrs.${k}: longer than ${viewLimits.text} characters`);
      out[k] = v;
    } else if ((typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean") out[k] = v;
    else throw new TypeError(`${at}.attrs.${k}: must be a string, number or boolean`);
  }
  return out;
}

function checkStyle(s: unknown, at: string, nulls: boolean): Record<string, string | null> {
  if (s === undefined) return {};
  if (!s || typeof s !== "object" || Array.isArray(s)) throw new TypeError(`${at}.style: must be an object`);
  const e = Object.entries(s as Record<string, unknown>);
  if (e.length > viewLimits.styles) throw new TypeError(`${at}.style: at most ${viewLimits.styles} hints`);
  const out: Record<string, string | null> = {};
  for (const [k, v] of e) {
    const prop = k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
    if (!safeCSSProp(prop)) throw new TypeError(`${at}.style.${k}: not a CSS property`);
    if (v === null && nulls) out[prop] = null;
    else if (typeof v === "number" && Number.isFinite(v)) out[prop] = String(v);
    else if (typeof v === "string" && safeCSSValue(v)) out[prop] = v;
    else throw new TypeError(`${at}.style.${k}: not an allowed value`);
  }
  return out;
}

function checkId(id: unknown, at: string): string {
  if (typeof id !== "string" || id === "" || id.length > viewLimits.id) throw new TypeError(`${at}.id: must be a string of 1 to ${viewLimits.id} characters`);
  return id;
}

interface Checked {
  id: string;
  tag: string;
  attrs: Record<string, string | number | boolean>;
  bounds: Bounds;
  style: Record<string, string>;
  children: Checked[];
}

/** Checks a tree against viewLimits, returning a clean copy; throws a TypeError naming the problem. count holds the elements seen. */
export function checkTree(n: unknown, depth = 1, count = { n: 0 }, at = "screen"): Checked {
  if (depth > viewLimits.depth) throw new TypeError(`${at}: deeper than ${viewLimits.depth} levels`);
  if (++count.n > viewLimits.elements) throw new TypeError(`screen: more than ${viewLimits.elements} elements`);
  if (!n || typeof n !== "object") throw new TypeError(`${at}: must be an element object`);
  const o = n as Record<string, unknown>;
  const id = checkId(o.id, at);
  if (typeof o.tag !== "string" || !tagRe.test(o.tag)) throw new TypeError(`${at}.tag: not a valid tag`);
  const kids = o.children === undefined ? [] : o.children;
  if (!Array.isArray(kids)) throw new TypeError(`${at}.children: must be a list`);
  return {
    id,
    tag: o.tag,
    attrs: checkAttrs(o.attrs, at, false) as Record<string, string | number | boolean>,
    bounds: checkBounds(o.bounds, at),
    style: checkStyle(o.style, at, false) as Record<string, string>,
    children: kids.map((c, i) => checkTree(c, depth + 1, count, `${at}.children[${i}]`)),
  };
}

/** rrweb's serialized nodes, as far as the converter makes them. */
export type SNode =
  | { type: 0; id: number; childNodes: SNode[] }
  | { type: 1; id: number; name: string; publicId: string; systemId: string }
  | { type: 2; id: number; tagName: string; attributes: Record<string, string>; childNodes: SNode[] }
  | { type: 3; id: number; textContent: string };

/** An rrweb mutation (IncrementalSnapshot source 0). */
export interface Mutation {
  source: 0;
  texts: { id: number; value: string }[];
  attributes: { id: number; attributes: Record<string, string | null> }[];
  removes: { parentId: number; id: number }[];
  adds: { parentId: number; nextId: number | null; node: SNode }[];
}

interface Live {
  node: Checked;
  rid: number;
  textRid: number; // 0: no text node (inputs carry it as value)
  parent: string; // "" for the root
}

const rootRid = 6;
// The page around the screen: no margins, the screen's box at the top left.
const pageCSS =
  "html,body{margin:0;padding:0;background:#fff}body{font:14px system-ui,sans-serif;color:#111}" +
  ".tandem-screen *{box-sizing:border-box;position:absolute;margin:0;overflow:hidden;white-space:pre-wrap}";

/** Turns a screen and its changes into rrweb snapshots and mutations, masking by the mapping. */
export class ScreenConverter {
  private mapping: Required<ScreenMapping>;
  private live = new Map<string, Live>();
  private next = 10;
  private rootId = "";

  constructor(mapping: unknown) {
    this.mapping = checkMapping(mapping || {});
  }

  private rule(tag: string): TagRule {
    return this.mapping.tags[tag] || {};
  }

  /** Whether the element's text and attributes are masked. */
  masked(n: { tag: string; attrs: Record<string, unknown> }): boolean {
    return !!this.rule(n.tag).mask || (typeof n.attrs.type === "string" && this.mapping.maskTypes.includes(n.attrs.type));
  }

  private textOf(n: Checked): string | null {
    const v = n.attrs[this.rule(n.tag).text || "text"];
    if (v === undefined) return null;
    const s = String(v);
    return this.masked(n) ? mask(s) : s;
  }

  private textAttr(n: Checked): string {
    return this.rule(n.tag).text || "text";
  }

  private element(n: Checked): string {
    return this.rule(n.tag).element || "div";
  }

  private attributes(n: Checked): Record<string, string> {
    const r = this.rule(n.tag);
    const cls = ["tv-" + n.tag.replace(/[^A-Za-z0-9_-]/g, "-"), ...(r.classes || [])];
    const b = n.bounds;
    let css = `left:${b.x}px;top:${b.y}px;width:${b.w}px;height:${b.h}px;`;
    for (const [k, v] of Object.entries(r.style || {})) css += `${k}:${v};`;
    for (const [k, v] of Object.entries(n.style)) css += `${k}:${v};`;
    const out: Record<string, string> = { class: cls.join(" "), style: css, "data-tag": n.tag };
    const textKey = this.textAttr(n);
    const whole = this.masked(n);
    for (const [k, v] of Object.entries(n.attrs)) {
      if (k === textKey) continue;
      const s = String(v);
      // type is what decides masking (maskTypes): it is never masked itself.
      out["data-" + k.toLowerCase()] = k !== "type" && (whole || this.mapping.maskAttrs.includes(k)) ? mask(s) : s;
    }
    const el = this.element(n);
    if (el === "input" || el === "textarea") {
      const t = this.textOf(n);
      if (t !== null) out.value = t;
      out.readonly = "";
      if (el === "input") out.type = n.attrs.type === "password" ? "password" : "text";
    }
    return out;
  }

  private serialize(n: Checked, parent: string): SNode {
    if (this.live.has(n.id)) throw new TypeError(`screen: element id ${JSON.stringify(n.id)} used twice`);
    const el = this.element(n);
    const live: Live = { node: n, rid: this.next++, textRid: 0, parent };
    this.live.set(n.id, live);
    const kids: SNode[] = [];
    if (el !== "input" && el !== "textarea" && el !== "hr") {
      live.textRid = this.next++;
      kids.push({ type: 3, id: live.textRid, textContent: this.textOf(n) ?? "" });
    }
    for (const c of n.children) kids.push(this.serialize(c, n.id));
    return { type: 2, id: live.rid, tagName: el, attributes: this.attributes(n), childNodes: el === "input" || el === "hr" ? [] : kids };
  }

  /** Converts a whole screen to an rrweb FullSnapshot's data; throws a TypeError on bad input (then nothing changes). */
  full(tree: unknown, viewport: { width: number; height: number }): { node: SNode; initialOffset: { left: number; top: number } } {
    const t = checkTree(tree);
    const before = { live: this.live, next: this.next, root: this.rootId };
    this.live = new Map();
    try {
      const screen = this.serialize(t, "");
      this.rootId = t.id;
      const node: SNode = {
        type: 0,
        id: 1,
        childNodes: [
          { type: 1, id: 2, name: "html", publicId: "", systemId: "" },
          {
            type: 2, id: 3, tagName: "html", attributes: {}, childNodes: [
              { type: 2, id: 4, tagName: "head", attributes: {}, childNodes: [{ type: 2, id: 5, tagName: "style", attributes: {}, childNodes: [{ type: 3, id: 7, textContent: pageCSS }] }] },
              {
                type: 2, id: 8, tagName: "body", attributes: {}, childNodes: [
                  { type: 2, id: rootRid, tagName: "div", attributes: { class: "tandem-screen", style: `position:relative;width:${viewport.width}px;height:${viewport.height}px` }, childNodes: [screen] },
                ],
              },
            ],
          },
        ],
      };
      return { node, initialOffset: { left: 0, top: 0 } };
    } catch (e) {
      this.live = before.live;
      this.next = before.next;
      this.rootId = before.root;
      throw e;
    }
  }

  /** Converts changes to one rrweb mutation; throws a TypeError on bad input (then nothing changes). */
  apply(changes: unknown): Mutation {
    if (!Array.isArray(changes)) throw new TypeError("changes: must be a list");
    if (changes.length > viewLimits.changes) throw new TypeError(`changes: at most ${viewLimits.changes} in one update`);
    if (!this.rootId) throw new TypeError("changes: no screen set");
    const saved = { live: new Map(this.live), next: this.next, nodes: new Map([...this.live].map(([k, v]) => [k, structuredCopy(v.node)])) };
    const m: Mutation = { source: 0, texts: [], attributes: [], removes: [], adds: [] };
    try {
      changes.forEach((c, i) => this.change(c, `changes[${i}]`, m));
    } catch (e) {
      this.live = saved.live;
      this.next = saved.next;
      for (const [k, n] of saved.nodes) {
        const l = this.live.get(k);
        if (l) l.node = n;
      }
      throw e;
    }
    return m;
  }

  private change(c: unknown, at: string, m: Mutation): void {
    if (!c || typeof c !== "object") throw new TypeError(`${at}: must be an object`);
    const o = c as Record<string, unknown>;
    if (o.op === "add") {
      const parent = this.get(o.parent, `${at}.parent`);
      const before = o.before === undefined ? null : this.get(o.before, `${at}.before`);
      if (before && before.parent !== parent.node.id) throw new TypeError(`${at}.before: not a child of the parent`);
      const depth = this.depth(parent.node.id) + 1;
      const count = { n: this.live.size };
      const t = checkTree(o.node, depth, count, `${at}.node`);
      const node = this.serialize(t, parent.node.id);
      const kids = parent.node.children;
      const idx = before ? kids.findIndex((k) => k.id === before.node.id) : kids.length;
      kids.splice(idx, 0, t);
      // rrweb's replayer builds each added node without its children: every
      // descendant is an add of its own, after its parent, appended in order.
      const flat = (n: SNode, parentId: number, nextId: number | null) => {
        const kids = "childNodes" in n ? n.childNodes : [];
        m.adds.push({ parentId, nextId, node: "childNodes" in n ? { ...n, childNodes: [] } : n });
        for (const k of kids) flat(k, n.id, null);
      };
      flat(node, parent.rid, before ? before.rid : null);
      return;
    }
    if (o.op === "remove") {
      const l = this.get(o.id, `${at}.id`);
      if (!l.parent) throw new TypeError(`${at}.id: the root cannot be removed (set a new screen)`);
      const p = this.live.get(l.parent) as Live;
      p.node.children = p.node.children.filter((k) => k.id !== l.node.id);
      const drop = (n: Checked) => {
        this.live.delete(n.id);
        n.children.forEach(drop);
      };
      drop(l.node);
      m.removes.push({ parentId: p.rid, id: l.rid });
      return;
    }
    if (o.op === "update") {
      const l = this.get(o.id, `${at}.id`);
      const n = l.node;
      const attrs = checkAttrs(o.attrs, at, true);
      const style = checkStyle(o.style, at, true);
      const bounds = o.bounds === undefined ? n.bounds : checkBounds(o.bounds, at);
      const next: Checked = { ...n, attrs: { ...n.attrs }, style: { ...n.style }, bounds };
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null) delete next.attrs[k];
        else next.attrs[k] = v;
      }
      for (const [k, v] of Object.entries(style)) {
        if (v === null) delete next.style[k];
        else next.style[k] = v;
      }
      if (Object.keys(next.attrs).length > viewLimits.attrs) throw new TypeError(`${at}.attrs: at most ${viewLimits.attrs} attributes`);
      if (Object.keys(next.style).length > viewLimits.styles) throw new TypeError(`${at}.style: at most ${viewLimits.styles} hints`);
      const oldAttrs = this.attributes(n);
      const oldText = this.textOf(n);
      l.node = next;
      const parent = l.parent ? (this.live.get(l.parent) as Live) : null;
      if (parent) parent.node.children = parent.node.children.map((k) => (k.id === n.id ? next : k));
      const newAttrs = this.attributes(next);
      const diff: Record<string, string | null> = {};
      for (const k of Object.keys(oldAttrs)) if (!(k in newAttrs)) diff[k] = null;
      for (const [k, v] of Object.entries(newAttrs)) if (oldAttrs[k] !== v) diff[k] = v;
      if (Object.keys(diff).length) m.attributes.push({ id: l.rid, attributes: diff });
      const text = this.textOf(next);
      if (l.textRid && text !== oldText) m.texts.push({ id: l.textRid, value: text ?? "" });
      return;
    }
    throw new TypeError(`${at}.op: must be add, remove or update`);
  }

  private get(id: unknown, at: string): Live {
    const l = typeof id === "string" ? this.live.get(id) : undefined;
    if (!l) throw new TypeError(`${at}: no element ${JSON.stringify(id)} on the screen`);
    return l;
  }

  private depth(id: string): number {
    let d = 0;
    for (let l = this.live.get(id); l; l = l.parent ? this.live.get(l.parent) : undefined) d++;
    return d;
  }

  /** The rrweb id of the innermost element at screen point (x, y), or the screen's when none. */
  hit(x: number, y: number): number {
    const root = this.live.get(this.rootId);
    if (!root) return rootRid;
    let found = root.rid;
    const walk = (n: Checked, ox: number, oy: number) => {
      const bx = ox + n.bounds.x;
      const by = oy + n.bounds.y;
      if (x < bx || y < by || x >= bx + n.bounds.w || y >= by + n.bounds.h) return;
      found = (this.live.get(n.id) as Live).rid;
      for (const c of n.children) walk(c, bx, by);
    };
    walk(root.node, 0, 0);
    return found;
  }

  /** The number of elements on the screen. */
  get size(): number {
    return this.live.size;
  }
}

function structuredCopy(n: Checked): Checked {
  return { ...n, attrs: { ...n.attrs }, style: { ...n.style }, children: n.children.slice() };
}

/** The replacement of masked text: whitespace kept, everything else *. */
export function mask(s: string): string {
  return s.replace(/\S/g, "*");
}
