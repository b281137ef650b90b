// The mirror draws what the person's page sent: rrweb events that anyone
// with the page (or its devtools) can write. Before a player sees an event,
// MirrorSanitizer takes out everything that could run code, navigate the
// mirror, or make the agent's browser send a request to the console's
// origin: inline handlers, scripts, srcdoc, http-equiv, <base>, plugin data,
// form targets, and URLs (in attributes and in CSS) that are not plain web
// or media URLs or that point back at the console. The mirror's iframe has no
// allow-scripts and the console sends a strict Content-Security-Policy; this
// is the layer under both.

import { EventType, RREvent } from "./events";

/** rrweb IncrementalSource values the sanitizer rewrites. */
const Src = {
  Mutation: 0,
  StyleSheetRule: 8,
  Font: 10,
  StyleDeclaration: 13,
  AdoptedStyleSheet: 15,
} as const;

/** rrweb-snapshot NodeType values. */
const Node = { Document: 0, Element: 2, Text: 3 } as const;

/** Elements that are dropped with everything in them. */
const droppedTags = new Set(["script", "base"]);

/** Attributes dropped wherever they are: they embed documents or change how the frame behaves. */
const droppedAttrs = new Set(["srcdoc", "http-equiv", "xml:base", "action", "formaction", "ping", "nonce"]);

/** Attributes dropped on the elements that load documents or plugins (the mirror rebuilds frames itself). */
const frameAttrs = new Map<string, Set<string>>([
  ["iframe", new Set(["src"])],
  ["frame", new Set(["src"])],
  ["object", new Set(["data", "src", "codebase", "archive", "classid", "code"])],
  ["embed", new Set(["src", "code", "codebase"])],
  ["applet", new Set(["code", "codebase", "archive", "object", "src"])],
  ["param", new Set(["value"])],
]);

/** Attributes whose value is one URL. */
const urlAttrs = new Set([
  "href",
  "src",
  "xlink:href",
  "data",
  "poster",
  "background",
  "cite",
  "codebase",
  "longdesc",
  "lowsrc",
  "dynsrc",
  "manifest",
  "profile",
  "usemap",
  "icon",
  "archive",
  "classid",
]);

/** Attributes of SVG animations that hold the values an attribute is animated through. */
const animationValues = new Set(["values", "to", "from", "by"]);

/** Attributes whose value is a srcset list. */
const srcsetAttrs = new Set(["srcset", "imagesrcset"]);

/** data: URLs of these types are media a mirror may show. */
const mediaData = /^data:(image\/[a-z0-9.+-]+|font\/[a-z0-9.+-]+|application\/(x-)?font-[a-z0-9.+-]+|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+)[;,]/i;

/** A canvas or image snapshot: a base64 raster image. */
export const rasterDataURL = /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]*={0,2}$/;

/** Where URLs of the page may point. */
export interface URLPolicy {
  /** The console's origin: nothing in a mirror may request it. */
  consoleOrigin: string;
  /** The page's address, which relative URLs resolve against ("" when unknown: they are dropped). */
  base: string;
}

/**
 * Returns the URL a mirror may use for value, absolute, or null when it must
 * go: anything but http(s), mailto, tel and media data URLs, and anything on
 * the console's origin. Fragment-only references (SVG's url(#id)) stay.
 */
export function cleanURL(value: string, p: URLPolicy): string | null {
  const v = value.trim();
  if (v === "") return "";
  if (v.startsWith("#") && !/[\s"'()\\]/.test(v)) return v;
  let u: URL;
  try {
    u = p.base ? new URL(v, p.base) : new URL(v);
  } catch {
    return null;
  }
  switch (u.protocol) {
    case "http:":
    case "https:":
      return u.origin === p.consoleOrigin ? null : u.href;
    case "data:":
      return mediaData.test(u.href) ? u.href : null;
    case "mailto:":
    case "tel:":
      return u.href;
    default:
      return null;
  }
}

/** Returns a srcset with only the candidates whose URL may stay. */
export function cleanSrcset(value: string, p: URLPolicy): string {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const m = /^\s*(\S+)(\s+[^,]*)?$/.exec(part);
    if (!m) continue;
    const u = cleanURL(m[1], p);
    if (u) out.push(u + (m[2] ?? ""));
  }
  return out.join(", ");
}

// ---- CSS ----

/** Functions whose string arguments are URLs. */
const imageFunctions = new Set(["image-set", "-webkit-image-set", "image", "cross-fade", "-webkit-cross-fade"]);
/** Functions whose one argument is a URL. */
const urlFunctions = new Set(["url", "src"]);

/** What a blocked URL becomes: a URL that is never fetched. */
const blockedURL = "about:invalid";

const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);
const isNameCode = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c >= 0x80;
const isNameChar = (c: string) => isNameCode(c.charCodeAt(0));
/** Characters where the scanner has something to decide (besides name characters). */
const special = new Set(["/", '"', "'", "@", "(", ")", "{", "}", ";", "\\"]);
const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";

/** Reads an escape at css[i] (a backslash); returns the character and the index after it. */
function readEscape(css: string, i: number): [string, number] {
  let j = i + 1;
  if (j >= css.length) return ["\uFFFD", j];
  if (isHex(css[j])) {
    let hex = "";
    while (j < css.length && hex.length < 6 && isHex(css[j])) hex += css[j++];
    if (j < css.length && isSpace(css[j])) {
      j += css[j] === "\r" && css[j + 1] === "\n" ? 2 : 1;
    }
    const cp = parseInt(hex, 16);
    return [cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? "\uFFFD" : String.fromCodePoint(cp), j];
  }
  // css[j] is taken as is; a backslash before a newline is not an escape (checked by the caller).
  const cp = css.codePointAt(j) ?? 0xfffd;
  return [String.fromCodePoint(cp), j + (cp > 0xffff ? 2 : 1)];
}

/** A backslash at i starts an escape unless a newline follows it. */
const startsEscape = (css: string, i: number) => css[i] === "\\" && i + 1 < css.length && css[i + 1] !== "\n" && css[i + 1] !== "\r" && css[i + 1] !== "\f";

/** Reads a run of name characters and escapes from i; returns its decoded value and the index after. */
function readName(css: string, i: number): [string, number] {
  let end = i;
  while (end < css.length && isNameCode(css.charCodeAt(end))) end++;
  if (css[end] !== "\\") return [css.slice(i, end), end]; // the usual case: no escapes
  let v = "";
  while (i < css.length) {
    if (startsEscape(css, i)) {
      const [c, j] = readEscape(css, i);
      v += c;
      i = j;
    } else if (isNameChar(css[i])) {
      v += css[i++];
    } else break;
  }
  return [v, i];
}

/** Reads a string token starting at the quote at i; returns its value, the index after, and whether it closed properly. */
function readString(css: string, i: number): [string, number, boolean] {
  const q = css[i++];
  let v = "";
  while (i < css.length) {
    const c = css[i];
    if (c === q) return [v, i + 1, true];
    if (c === "\n" || c === "\r" || c === "\f") return [v, i, false]; // a bad string ends at the newline
    if (c === "\\") {
      if (i + 1 >= css.length) return [v, i + 1, true];
      const n = css[i + 1];
      if (n === "\n" || n === "\f") {
        i += 2;
        continue;
      }
      if (n === "\r") {
        i += css[i + 2] === "\n" ? 3 : 2;
        continue;
      }
      const [ch, j] = readEscape(css, i);
      v += ch;
      i = j;
      continue;
    }
    v += c;
    i++;
  }
  return [v, i, true];
}

/**
 * Reads the argument of url( after the parenthesis at i, quoted or not;
 * returns its value (null when malformed) and the index after the closing
 * parenthesis, consuming what the browser would for a bad URL.
 */
function readURLArgument(css: string, i: number): [string | null, number] {
  while (i < css.length && isSpace(css[i])) i++;
  if (css[i] === '"' || css[i] === "'") {
    const [v, j, ok] = readString(css, i);
    let k = j;
    while (k < css.length && isSpace(css[k])) k++;
    if (ok && css[k] === ")") return [v, k + 1];
    return [null, skipBadURL(css, k)];
  }
  let v = "";
  while (i < css.length) {
    const c = css[i];
    if (c === ")") return [v, i + 1];
    if (isSpace(c)) {
      let k = i;
      while (k < css.length && isSpace(css[k])) k++;
      if (k >= css.length || css[k] === ")") return [v, k + 1];
      return [null, skipBadURL(css, k)];
    }
    if (c === '"' || c === "'" || c === "(" || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) return [null, skipBadURL(css, i)];
    if (c === "\\") {
      if (!startsEscape(css, i)) return [null, skipBadURL(css, i)];
      const [ch, j] = readEscape(css, i);
      v += ch;
      i = j;
      continue;
    }
    v += c;
    i++;
  }
  return [v, i];
}

/** Skips the rest of a bad url( as a browser does: to the next unescaped ")". */
function skipBadURL(css: string, i: number): number {
  while (i < css.length) {
    if (css[i] === ")") return i + 1;
    if (startsEscape(css, i)) i = readEscape(css, i)[1];
    else i++;
  }
  return i;
}

/** Writes s as a CSS string. */
function cssString(s: string): string {
  return '"' + s.replace(/["\\\n\r\f]/g, (c) => "\\" + c.charCodeAt(0).toString(16) + " ") + '"';
}

/**
 * Returns css with every URL it could fetch replaced by what clean allows
 * (or by about:invalid): url() and src() in any spelling (escapes, case),
 * strings inside image-set() and the like, and @import strings. Everything
 * else is copied as it was.
 */
export function cleanCSS(css: string, clean: (url: string) => string | null): string {
  let out = "";
  let i = 0;
  const stack: boolean[] = []; // for each open parenthesis: whether its strings are URLs
  let importNext = false; // the token after @import is a URL
  const url = (v: string | null) => (v === null ? blockedURL : (clean(v) ?? blockedURL));
  while (i < css.length) {
    const c = css[i];
    if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      const j = end < 0 ? css.length : end + 2;
      out += css.slice(i, j);
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      const [v, j] = readString(css, i);
      if (importNext || stack[stack.length - 1]) {
        out += cssString(url(v));
      } else {
        out += css.slice(i, j);
      }
      importNext = false;
      i = j;
      continue;
    }
    if (c === "@") {
      const [name, j] = readName(css, i + 1);
      out += css.slice(i, j);
      importNext = name.toLowerCase() === "import";
      i = j;
      continue;
    }
    if (isNameChar(c) || startsEscape(css, i)) {
      const [name, j] = readName(css, i);
      const fn = name.toLowerCase();
      if (css[j] === "(" && urlFunctions.has(fn)) {
        const [v, k] = readURLArgument(css, j + 1);
        out += "url(" + cssString(url(v)) + ")";
        importNext = false;
        i = k;
        continue;
      }
      out += css.slice(i, j);
      if (css[j] === "(") {
        stack.push(imageFunctions.has(fn));
        out += "(";
        i = j + 1;
      } else {
        i = j;
      }
      importNext = false;
      continue;
    }
    if (!special.has(c)) {
      let j = i + 1;
      while (j < css.length && !special.has(css[j]) && !isNameCode(css.charCodeAt(j))) j++;
      out += css.slice(i, j);
      i = j;
      continue;
    }
    if (c === "(") stack.push(false);
    else if (c === ")") stack.pop();
    else if (c === ";" || c === "{" || c === "}") {
      importNext = false;
      if (c !== ";") stack.length = 0;
    }
    out += c;
    i++;
  }
  return out;
}

// ---- events ----

/** A node of an rrweb snapshot, as far as the sanitizer reads it. */
interface SNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Record<string, unknown>;
  childNodes?: SNode[];
  textContent?: string;
  [k: string]: unknown;
}

/** What a node is, for later events that name it by id. */
const styleText = "#css"; // a text node inside <style>

/**
 * MirrorSanitizer cleans one player's events, in the order the player will
 * apply them. It remembers the tag of each node (attribute changes name only
 * the id) and which nodes it dropped (what is added inside them goes too).
 */
export class MirrorSanitizer {
  private readonly consoleOrigin: string;
  private base = "";
  private kinds = new Map<number, string>();
  private dropped = new Set<number>();

  constructor(o: { consoleOrigin: string }) {
    this.consoleOrigin = o.consoleOrigin;
  }

  /** Returns the event as the player may see it; the input is not changed. */
  event(e: RREvent): RREvent {
    switch (e.type) {
      case EventType.Meta: {
        const href = typeof e.data?.href === "string" ? e.data.href : "";
        this.base = /^https?:/i.test(href) ? href : "";
        return e;
      }
      case EventType.FullSnapshot: {
        this.kinds.clear();
        this.dropped.clear();
        const node = this.node(e.data?.node, "");
        return { ...e, data: { ...e.data, node: node ?? { type: Node.Document, id: 1, childNodes: [] } } };
      }
      case EventType.IncrementalSnapshot:
        return { ...e, data: this.incremental(e.data ?? {}) };
      default:
        return e;
    }
  }

  private get policy(): URLPolicy {
    return { consoleOrigin: this.consoleOrigin, base: this.base };
  }

  private css(text: string): string {
    const p = this.policy;
    return cleanCSS(text, (u) => cleanURL(u, p));
  }

  private incremental(d: any): any {
    switch (d.source) {
      case Src.Mutation:
        return this.mutation(d);
      case Src.StyleSheetRule:
        return Array.isArray(d.adds) ? { ...d, adds: d.adds.map((a: any) => ({ ...a, rule: typeof a?.rule === "string" ? this.css(a.rule) : "" })) } : d;
      case Src.StyleDeclaration:
        return d.set && typeof d.set === "object" ? { ...d, set: { ...d.set, value: typeof d.set.value === "string" ? this.css(d.set.value) : "" } } : d;
      case Src.AdoptedStyleSheet:
        return Array.isArray(d.styles)
          ? {
              ...d,
              styles: d.styles.map((s: any) => ({
                ...s,
                rules: Array.isArray(s?.rules) ? s.rules.map((r: any) => ({ ...r, rule: typeof r?.rule === "string" ? this.css(r.rule) : "" })) : [],
              })),
            }
          : d;
      case Src.Font:
        // A font given by URL is loaded by the console's own document.
        return d.buffer ? d : { ...d, fontSource: typeof d.fontSource === "string" ? this.css(d.fontSource) : "" };
      default:
        return d;
    }
  }

  private mutation(d: any): any {
    const adds: any[] = Array.isArray(d.adds) ? d.adds : [];
    // Learn the tags of this batch's new nodes first: a text may be added
    // before the <style> it goes in.
    for (const a of adds) {
      const n = a?.node as SNode | undefined;
      if (n && n.type === Node.Element && typeof n.id === "number") {
        const tag = String(n.tagName ?? "").toLowerCase();
        this.kinds.set(n.id, tag);
        if (droppedTags.has(tag)) this.dropped.add(n.id);
      }
    }
    const keptAdds: any[] = [];
    for (const a of adds) {
      if (!a || typeof a !== "object") continue;
      if (this.dropped.has(a.parentId)) {
        this.dropTree(a.node);
        continue;
      }
      const node = this.node(a.node, this.kinds.get(a.parentId) ?? "");
      if (node) keptAdds.push({ ...a, node });
    }
    const texts = (Array.isArray(d.texts) ? d.texts : [])
      .filter((t: any) => t && !this.dropped.has(t.id))
      .map((t: any) => (this.kinds.get(t.id) === styleText && typeof t.value === "string" ? { ...t, value: this.css(t.value) } : t));
    const attributes = (Array.isArray(d.attributes) ? d.attributes : [])
      .filter((a: any) => a && !this.dropped.has(a.id))
      .map((a: any) => ({ ...a, attributes: this.attributes(this.kinds.get(a.id) ?? "", a.attributes ?? {}, true) }));
    return { ...d, adds: keptAdds, texts, attributes, removes: Array.isArray(d.removes) ? d.removes : [] };
  }

  private dropTree(n: SNode | undefined): void {
    if (!n || typeof n !== "object") return;
    if (typeof n.id === "number") this.dropped.add(n.id);
    if (Array.isArray(n.childNodes)) for (const c of n.childNodes) this.dropTree(c);
  }

  /** Returns the cleaned node, or null when it is dropped. */
  private node(n: SNode | undefined, parent: string): SNode | null {
    if (!n || typeof n !== "object") return null;
    switch (n.type) {
      case Node.Element: {
        const tag = String(n.tagName ?? "").toLowerCase();
        if (droppedTags.has(tag)) {
          this.dropTree(n);
          return null;
        }
        this.kinds.set(n.id, tag);
        return {
          ...n,
          attributes: this.attributes(tag, n.attributes ?? {}, false),
          childNodes: this.children(n, tag),
        };
      }
      case Node.Text:
        if (parent === "style") {
          this.kinds.set(n.id, styleText);
          return { ...n, textContent: typeof n.textContent === "string" ? this.css(n.textContent) : "" };
        }
        return n;
      default:
        return Array.isArray(n.childNodes) ? { ...n, childNodes: this.children(n, "") } : n;
    }
  }

  private children(n: SNode, tag: string): SNode[] {
    if (!Array.isArray(n.childNodes)) return [];
    const out: SNode[] = [];
    for (const c of n.childNodes) {
      const k = this.node(c, tag);
      if (k) out.push(k);
    }
    return out;
  }

  /**
   * Returns the attributes that may stay, cleaned. In a mutation a null value
   * removes an attribute (always allowed) and `style` may be an object of
   * property changes.
   */
  private attributes(tag: string, attrs: Record<string, unknown>, mutation: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const p = this.policy;
    for (const name of Object.keys(attrs)) {
      const value = attrs[name];
      const n = name.trim().toLowerCase();
      if (n === "__proto__" || n.startsWith("on") || droppedAttrs.has(n) || frameAttrs.get(tag)?.has(n)) continue;
      if (value === null || value === undefined) {
        if (mutation) out[name] = null;
        continue;
      }
      if (n === "style" && typeof value === "object") {
        out[name] = this.styleObject(value as Record<string, unknown>);
        continue;
      }
      if (typeof value !== "string") {
        if (typeof value === "number" || typeof value === "boolean") out[name] = value;
        continue;
      }
      if (urlAttrs.has(n)) {
        const u = cleanURL(value, p);
        if (u !== null) out[name] = u;
      } else if (srcsetAttrs.has(n)) {
        out[name] = cleanSrcset(value, p);
      } else if (n === "style" || n === "_csstext") {
        out[name] = this.css(value);
      } else if (n === "rr_dataurl") {
        if (rasterDataURL.test(value)) out[name] = value;
      } else if (animationValues.has(n)) {
        // An SVG animation's values: none may be a URL that would be dropped.
        if (value.split(";").every((v) => !/^\s*[a-z][a-z0-9+.-]*:/i.test(v) || cleanURL(v, p) !== null)) out[name] = value;
      } else if (n === "attributename") {
        // SVG <animate>/<set> could animate a link's target to a script URL.
        const target = value.trim().toLowerCase();
        if (!target.endsWith("href") && !target.startsWith("on") && !urlAttrs.has(target)) out[name] = value;
      } else {
        out[name] = value;
      }
    }
    return out;
  }

  private styleObject(style: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [prop, v] of Object.entries(style)) {
      if (prop === "__proto__") continue;
      if (typeof v === "string") out[prop] = this.css(v);
      else if (Array.isArray(v) && typeof v[0] === "string") out[prop] = [this.css(v[0]), typeof v[1] === "string" ? v[1] : ""];
      else if (v === false) out[prop] = false;
    }
    return out;
  }
}
