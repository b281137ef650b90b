// A message's text and rich blocks as DOM nodes. Everything a message
// carries is text from someone else (a person, a bot, a monitoring tool), so
// it only ever becomes text nodes and a few attributes checked here: no
// innerHTML, links only to http(s) and mailto, images only from http(s),
// link buttons open in a new tab without an opener. The limited markdown
// Slack calls mrkdwn (*bold*, _italic_, ~strike~, `code`, ```pre```,
// <url|label>) is shown as such.

import type { Block, Button } from "./api";

/** A piece of inline text. */
export type Inline =
  | { t: "text"; text: string }
  | { t: "bold" | "italic" | "strike" | "code" | "pre"; text: string }
  | { t: "link"; href: string; text: string }
  | { t: "mention"; text: string };

// One alternative per kind; the boundaries of *, _ and ~ are checked after.
const inlineRe =
  /```([\s\S]+?)```|`([^`\n]+)`|<([^<>|\s]+)(?:\|([^<>]+))?>|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~|(https?:\/\/[^\s<>]+)|@([A-Za-z0-9._-]+)/g;

const wordChar = /[A-Za-z0-9]/;

/**
 * Cuts text into inline pieces. handles are the names that count as
 * mentions (others stay text). Markup that is not closed, or *_~ inside a
 * word (snake_case), stays text.
 */
export function inline(text: string, handles: readonly string[] = []): Inline[] {
  const known = new Set(handles.map((h) => h.toLowerCase()));
  const out: Inline[] = [];
  let plain = "";
  let last = 0;
  const flush = () => {
    if (plain) out.push({ t: "text", text: plain });
    plain = "";
  };
  inlineRe.lastIndex = 0;
  for (let m = inlineRe.exec(text); m; m = inlineRe.exec(text)) {
    const at = m.index;
    const before = at > 0 ? text[at - 1] : "";
    const after = text[at + m[0].length] ?? "";
    let piece: Inline | null = null;
    let length = m[0].length;
    if (m[1] !== undefined) piece = { t: "pre", text: m[1].replace(/^\n/, "") };
    else if (m[2] !== undefined) piece = { t: "code", text: m[2] };
    else if (m[3] !== undefined) {
      const href = safeLink(m[3]);
      if (href) piece = { t: "link", href, text: m[4] ?? m[3] };
    } else if (m[5] !== undefined || m[6] !== undefined || m[7] !== undefined) {
      if (!wordChar.test(before) && !wordChar.test(after)) {
        const t = m[5] !== undefined ? "bold" : m[6] !== undefined ? "italic" : "strike";
        piece = { t, text: (m[5] ?? m[6] ?? m[7]) as string };
      }
    } else if (m[8] !== undefined) {
      // A URL's trailing punctuation ends the sentence.
      const url = m[8].replace(/[.,;:!?)\]'"]+$/, "");
      const href = safeLink(url);
      if (href) {
        piece = { t: "link", href, text: url };
        length = url.length;
      }
    } else if (m[9] !== undefined && !wordChar.test(before)) {
      let name = m[9];
      while (name.length && /[.-]$/.test(name) && !known.has(name.toLowerCase())) name = name.slice(0, -1);
      if (known.has(name.toLowerCase())) {
        piece = { t: "mention", text: "@" + name };
        length = 1 + name.length;
      }
    }
    if (!piece) {
      // Not markup after all: its first character is text, and the scan goes on after it.
      inlineRe.lastIndex = at + 1;
      continue;
    }
    plain += text.slice(last, at);
    flush();
    out.push(piece);
    last = at + length;
    inlineRe.lastIndex = last;
  }
  plain += text.slice(last);
  flush();
  return out;
}

/** Returns u as an absolute http(s) or mailto address, or "" when it is anything else (javascript:, data:, relative…). */
export function safeLink(u: string): string {
  return safeURL(u, ["http:", "https:", "mailto:"]);
}

/** Returns u as an absolute http(s) address for an image, or "". */
export function safeImage(u: string): string {
  return safeURL(u, ["http:", "https:"]);
}

function safeURL(u: string, schemes: string[]): string {
  const s = (u ?? "").trim();
  if (!/^[a-z][a-z0-9+.-]*:/i.test(s)) return "";
  try {
    const url = new URL(s);
    return schemes.includes(url.protocol) ? url.href : "";
  } catch {
    return "";
  }
}

/** What the rendered blocks need from the screen around them. */
export interface RenderOptions {
  /** The names that count as mentions. */
  handles?: readonly string[];
  /** Called when a callback button is pressed (link buttons are plain links). */
  onButton?(b: Button): void;
}

type Doc = Pick<Document, "createElement" | "createTextNode">;

function el(doc: Doc, tag: string, cls: string, text?: string): HTMLElement {
  const e = doc.createElement(tag);
  e.setAttribute("class", cls);
  if (text !== undefined) e.appendChild(doc.createTextNode(text));
  return e;
}

/** Appends text, with its inline markup, to parent. */
export function appendInline(doc: Doc, parent: HTMLElement, text: string, handles: readonly string[] = []): void {
  for (const p of inline(text, handles)) {
    switch (p.t) {
      case "text":
        parent.appendChild(doc.createTextNode(p.text));
        break;
      case "bold":
        parent.appendChild(el(doc, "strong", "md-bold", p.text));
        break;
      case "italic":
        parent.appendChild(el(doc, "em", "md-italic", p.text));
        break;
      case "strike":
        parent.appendChild(el(doc, "s", "md-strike", p.text));
        break;
      case "code":
        parent.appendChild(el(doc, "code", "md-code", p.text));
        break;
      case "pre":
        parent.appendChild(el(doc, "pre", "md-pre", p.text));
        break;
      case "mention":
        parent.appendChild(el(doc, "span", "mention", p.text));
        break;
      case "link": {
        const a = el(doc, "a", "md-link", p.text);
        a.setAttribute("href", p.href);
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer");
        parent.appendChild(a);
        break;
      }
    }
  }
}

/** Returns one block as a DOM element, or null for a kind this console does not know (or an image without a usable URL). */
export function renderBlock(doc: Doc, b: Block, o: RenderOptions = {}): HTMLElement | null {
  const handles = o.handles ?? [];
  switch (b.type) {
    case "header":
      return el(doc, "div", "blk blk-header", b.text ?? "");
    case "divider": {
      const hr = el(doc, "hr", "blk blk-divider");
      return hr;
    }
    case "section": {
      const s = el(doc, "div", "blk blk-section");
      if (b.text) {
        const t = el(doc, "div", "blk-text");
        appendInline(doc, t, b.text, handles);
        s.appendChild(t);
      }
      if (b.fields?.length) {
        const grid = el(doc, "div", "blk-fields");
        for (const f of b.fields) {
          const c = el(doc, "div", "blk-field");
          appendInline(doc, c, f, handles);
          grid.appendChild(c);
        }
        s.appendChild(grid);
      }
      return s;
    }
    case "context": {
      const c = el(doc, "div", "blk blk-context");
      const parts = [...(b.text ? [b.text] : []), ...(b.fields ?? [])];
      parts.forEach((f, i) => {
        if (i) c.appendChild(doc.createTextNode(" · "));
        const s = el(doc, "span", "blk-context-item");
        appendInline(doc, s, f, handles);
        c.appendChild(s);
      });
      return c;
    }
    case "image": {
      const src = safeImage(b.imageUrl ?? "");
      if (!src) return null;
      const fig = el(doc, "figure", "blk blk-image");
      const img = el(doc, "img", "blk-img");
      img.setAttribute("src", src);
      img.setAttribute("alt", b.altText ?? b.text ?? "");
      img.setAttribute("loading", "lazy");
      img.setAttribute("referrerpolicy", "no-referrer");
      fig.appendChild(img);
      if (b.text) fig.appendChild(el(doc, "figcaption", "blk-caption", b.text));
      return fig;
    }
    case "actions": {
      const row = el(doc, "div", "blk blk-actions");
      for (const btn of b.buttons ?? []) {
        const cls = `btn blk-button${btn.style === "primary" ? " btn-primary" : btn.style === "danger" ? " btn-danger" : ""}`;
        if (btn.url) {
          const href = safeLink(btn.url);
          if (!href) continue;
          const a = el(doc, "a", cls, btn.label);
          a.setAttribute("href", href);
          a.setAttribute("target", "_blank");
          a.setAttribute("rel", "noopener noreferrer");
          a.setAttribute("data-testid", "block-link");
          row.appendChild(a);
        } else {
          const button = el(doc, "button", cls, btn.label);
          button.setAttribute("type", "button");
          button.setAttribute("data-testid", "block-button");
          if (btn.id) button.setAttribute("data-button-id", btn.id);
          if (!btn.id || !o.onButton) button.setAttribute("disabled", "");
          else button.addEventListener("click", () => o.onButton?.(btn));
          row.appendChild(button);
        }
      }
      return row;
    }
    default:
      return null;
  }
}

/** Returns a message's text (with its inline markup and mentions) followed by its blocks, in one element. */
export function renderBody(doc: Doc, text: string | undefined, blocks: readonly Block[] | undefined, o: RenderOptions = {}): HTMLElement {
  const body = el(doc, "div", "msg-body");
  if (text) {
    const t = el(doc, "div", "msg-text");
    appendInline(doc, t, text, o.handles ?? []);
    body.appendChild(t);
  }
  for (const b of blocks ?? []) {
    const e = renderBlock(doc, b, o);
    if (e) body.appendChild(e);
  }
  return body;
}
