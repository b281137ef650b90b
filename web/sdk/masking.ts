// Masking decisions. Values are masked in the browser, before rrweb emits
// them, so a masked value never leaves the page: not in the first snapshot,
// not in input events, not in attribute changes, not in added nodes.
//
// What is masked where text is masked (strict sites, data-tandem-mask,
// Tandem.mask): text, input values, and the attributes that carry the
// page's words or data (textAttribute below). srcdoc is never sent.

import type { serializedNodeWithId } from "@rrweb/types";

export interface MaskRules {
  strict: boolean;
  mask: string[];
  unmask: string[];
}

const maskAttr = "[data-tandem-mask]";
const unmaskAttr = "[data-tandem-unmask]";

// Card fields by name or id; autocomplete="cc-…" is checked separately.
const cardName = /card|cc-?num|ccnum|cvc|cvv|csc|securitycode|security-code/i;

/** The replacement for a masked input value: one * per character. */
export function maskValue(text: string): string {
  return "*".repeat(text.length);
}

/** The replacement for masked text: whitespace kept, everything else *. */
export function maskText(text: string): string {
  return text.replace(/\S/g, "*");
}

function join(list: string[]): string {
  return list.filter(Boolean).join(",");
}

// outerHost is the element that holds el's tree: the host of its shadow
// root, or the iframe of its document (same-origin frames only), so that a
// data-tandem-mask on a host or an iframe covers what is inside it.
function outerHost(el: Element): Element | null {
  const root = el.getRootNode();
  if ((root as ShadowRoot).host) return (root as ShadowRoot).host;
  const doc = el.ownerDocument;
  try {
    return (doc && doc.defaultView && doc.defaultView.frameElement) || null;
  } catch {
    return null; // a cross-origin parent
  }
}

// Nested shadow roots and frames deeper than this are masked outright.
const maxScopes = 32;

export class Masker {
  private maskSel: string;
  private unmaskSel: string;
  private anySel: string;

  constructor(private rules: MaskRules) {
    this.maskSel = join([maskAttr, ...rules.mask]);
    this.unmaskSel = join([unmaskAttr, ...rules.unmask]);
    this.anySel = this.maskSel + "," + this.unmaskSel;
  }

  /**
   * rrweb's maskTextSelector: every element, so that rrweb hands every text
   * (in the first snapshot, in added nodes and in text changes) to
   * maskTextFn, which decides with text(). rrweb's own selector test stops
   * at shadow roots and frames (closest() does not cross them); text() does.
   */
  get textSelector(): string {
    return "*";
  }

  /** Password and card fields: always masked, whatever else says. */
  sensitive(el: Element): boolean {
    if (el.tagName !== "INPUT" && el.tagName !== "TEXTAREA") return false;
    const input = el as HTMLInputElement;
    const type = (input.getAttribute("type") || "").toLowerCase();
    if (type === "password" || input.type === "password" || input.hasAttribute("data-rr-is-password")) return true;
    const ac = (input.getAttribute("autocomplete") || "").toLowerCase();
    if (ac.split(/\s+/).some((t) => t.startsWith("cc-") || t === "current-password" || t === "new-password" || t === "one-time-code")) {
      return true;
    }
    return cardName.test(input.name || "") || cardName.test(input.id || "");
  }

  // decide finds the nearest element (el or an ancestor, across shadow
  // roots and frames) marked mask or unmask. Mask wins on the same element.
  // One closest() per tree: this runs for every text node of a page.
  private decide(el: Element | null): boolean {
    let e = el;
    for (let i = 0; e && i < maxScopes; i++) {
      try {
        const hit = e.closest(this.anySel);
        if (hit) return hit.matches(this.maskSel);
      } catch {
        return true; // a bad selector: err on the side of masking
      }
      e = outerHost(e);
    }
    return e ? true : this.rules.strict;
  }

  /** Whether the value of an input, textarea or select is masked. */
  input(el: Element): boolean {
    return this.sensitive(el) || this.decide(el);
  }

  /** Whether text whose parent element is el is masked. */
  text(el: Element | null): boolean {
    return this.decide(el);
  }
}

const formTags: Record<string, boolean> = { input: true, textarea: true, select: true };

// Attributes that carry the page's words: shown as tooltips, placeholders,
// image text, accessible names and values. The aria-* list is those that
// hold text or numbers; the others (aria-expanded, aria-hidden, ...) are
// states that styles select on.
const textAttrs: Record<string, boolean> = {
  title: true, placeholder: true, alt: true, label: true, value: true, content: true,
  abbr: true, datetime: true, download: true,
  "aria-label": true, "aria-description": true, "aria-valuetext": true, "aria-roledescription": true,
  "aria-placeholder": true, "aria-braillelabel": true, "aria-brailleroledescription": true,
  "aria-valuenow": true, "aria-valuemin": true, "aria-valuemax": true,
};

/**
 * textAttribute tells whether an attribute of a tag is masked where the
 * element's text is. Besides the attributes above: data-* (sites keep ids,
 * emails and names in them; Tandem's own data-tandem-* and rrweb's
 * data-rr-* are kept) and the href of links (mailto:, ids in paths).
 */
export function textAttribute(tag: string, name: string): boolean {
  if (textAttrs[name]) return true;
  if (name.startsWith("data-")) return !name.startsWith("data-tandem-") && !name.startsWith("data-rr-");
  return name === "href" && (tag === "a" || tag === "area" || tag === "");
}

// isElement: nodeType, not instanceof: nodes of same-origin frames come from another realm.
function isElement(n: Node | null): n is Element {
  return !!n && n.nodeType === 1;
}

/**
 * maskAttributes masks, in place, the attributes of one element as they
 * leave the page (a serialized element's, or an attribute change's); el is
 * the live element, or null if it is not known (then all is masked).
 *
 * - srcdoc is dropped everywhere: it is HTML the masking rules cannot see
 *   into. rrweb records a srcdoc frame's document itself, masked like any
 *   same-origin frame; so is a data: URL that rrweb keeps as rr_src.
 * - value of inputs, textareas and selects: masked as the field's value is
 *   (password and card fields always).
 * - the text attributes (textAttribute): masked where el's text is.
 * - rr_dataURL, the pixels rrweb takes of a canvas: dropped where el's
 *   text is masked (a canvas may draw text: charts, PDF viewers).
 */
export function maskAttributes(tag: string, attrs: Record<string, unknown>, el: Node | null, masker: Masker): void {
  let scoped: boolean | undefined; // whether el's text is masked, asked once
  for (const name of Object.keys(attrs)) {
    const v = attrs[name];
    if (name === "srcdoc" || (name === "rr_src" && typeof v === "string" && /^\s*data:/i.test(v))) {
      delete attrs[name];
      continue;
    }
    if (typeof v !== "string" || !v) continue;
    if (name === "rr_dataURL") {
      if (scoped === undefined) scoped = !isElement(el) || masker.text(el);
      if (scoped) delete attrs[name];
      continue;
    }
    if (name === "value" && formTags[tag]) {
      if (!isElement(el) || masker.input(el)) attrs.value = maskValue(v);
      continue;
    }
    if (!textAttribute(tag, name)) continue;
    if (scoped === undefined) scoped = !isElement(el) || masker.text(el);
    if (scoped) attrs[name] = maskText(v);
  }
}

/**
 * scrub walks a serialized node tree and masks what rrweb leaves in
 * attributes (maskAttributes), before the tree leaves the page. rrweb masks
 * text and live input values, but copies every HTML attribute as it is
 * (a value attribute too, when the live value is empty).
 */
export function scrub(node: serializedNodeWithId, masker: Masker, lookup: (id: number) => Node | null): void {
  const stack: serializedNodeWithId[] = [node];
  while (stack.length) {
    const n = stack.pop() as serializedNodeWithId;
    if (n.type === 2) {
      const attrs = n.attributes as Record<string, unknown>;
      for (const name in attrs) {
        if (name === "srcdoc" || name === "rr_src" || name === "rr_dataURL" || textAttribute(n.tagName, name)) {
          maskAttributes(n.tagName, attrs, lookup(n.id), masker);
          break;
        }
      }
    }
    if ("childNodes" in n) for (const c of n.childNodes) stack.push(c);
  }
}
