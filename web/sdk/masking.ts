// Masking decisions. Values are masked in the browser, before rrweb emits
// them, so a masked value never leaves the page: not in the first snapshot,
// not in input events, not in attribute changes.

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

// parentAcross is the parent element of el, crossing shadow roots and
// same-origin frames, so a data-tandem-mask on a host or an iframe covers
// what is inside it.
function parentAcross(el: Element): Element | null {
  if (el.parentElement) return el.parentElement;
  const root = el.getRootNode();
  if ((root as ShadowRoot).host) return (root as ShadowRoot).host;
  const doc = el.ownerDocument;
  try {
    return (doc && doc.defaultView && doc.defaultView.frameElement) || null;
  } catch {
    return null; // a cross-origin parent
  }
}

export class Masker {
  private maskSel: string;
  private unmaskSel: string;
  private anySel: string;

  constructor(private rules: MaskRules) {
    this.maskSel = join([maskAttr, ...rules.mask]);
    this.unmaskSel = join([unmaskAttr, ...rules.unmask]);
    this.anySel = this.maskSel + "," + this.unmaskSel;
  }

  /** rrweb's maskTextSelector: which elements' text might be masked. */
  get textSelector(): string {
    return this.rules.strict ? "*" : this.maskSel;
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
  private decide(el: Element | null): boolean {
    for (let e = el; e; e = parentAcross(e)) {
      try {
        if (e.matches(this.anySel)) return e.matches(this.maskSel);
      } catch {
        return true; // a bad selector: err on the side of masking
      }
    }
    return this.rules.strict;
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

/**
 * scrub walks a serialized node tree and masks any value attribute of an
 * input that must be masked. rrweb masks the live value, but it copies the
 * HTML value attribute as is when the live value is empty; this closes that
 * gap (and any other) before the tree leaves the page.
 */
export function scrub(node: serializedNodeWithId, masker: Masker, lookup: (id: number) => Node | null): void {
  const stack: serializedNodeWithId[] = [node];
  while (stack.length) {
    const n = stack.pop() as serializedNodeWithId;
    if (n.type === 2) {
      const v = n.attributes.value;
      if (formTags[n.tagName] && typeof v === "string" && v) {
        const el = lookup(n.id);
        // nodeType, not instanceof: nodes of same-origin frames come from another realm.
        if (!el || el.nodeType !== 1 || masker.input(el as Element)) n.attributes.value = maskValue(v);
      }
    }
    if ("childNodes" in n) for (const c of n.childNodes) stack.push(c);
  }
}
