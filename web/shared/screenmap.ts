// A site's screen mapping (docs/native-screens.md, "Mapping"): how the tags
// of an app's view tree become elements of the snapshot the agent sees, and
// which texts are masked on the device. The server validates a mapping when
// an admin saves it (internal/screenmap, the same rules); the SDK checks it
// again before use so that a bad one can never unmask anything.

/** How one tag is drawn. */
export interface TagRule {
  /** The HTML element (from allowedElements); "div" when absent. */
  element?: string;
  /** CSS classes put on the element. */
  classes?: string[];
  /** CSS declarations put on the element, before the tree's own style hints. */
  style?: Record<string, string>;
  /** The attribute whose value is the element's text; "text" when absent. */
  text?: string;
  /** Masks the element's text and attributes on the device. */
  mask?: boolean;
}

/** A site's mapping. */
export interface ScreenMapping {
  tags?: Record<string, TagRule>;
  /** Attributes masked on every element (e.g. "value"). */
  maskAttrs?: string[];
  /** Values of attrs.type that mask their element (e.g. "password"). */
  maskTypes?: string[];
}

/** The elements a mapping may name: no scripts, frames, links, media or forms that submit. */
export const allowedElements = [
  "div", "span", "p", "button", "input", "textarea", "label", "h1", "h2", "h3", "h4", "h5", "h6",
  "ul", "ol", "li", "section", "header", "footer", "nav", "main", "article", "aside", "strong", "em", "small", "hr",
];

/** Limits of a mapping. */
export const mappingLimits = { tags: 200, classes: 16, styles: 32, list: 64, name: 64, value: 256 };

const nameRe = /^[A-Za-z][A-Za-z0-9_.:-]*$/;
const classRe = /^[A-Za-z_-][A-Za-z0-9_-]*$/;
const propRe = /^-?[a-z][a-z-]*$/;
// A CSS value from hints: no url(), no expressions, no escapes, no quotes, no declarations.
const valueRe = /^[A-Za-z0-9#%.,()\s+/-]*$/;

/** Whether v is a safe CSS value (also for a view tree's style hints). */
export function safeCSSValue(v: string): boolean {
  return v.length <= mappingLimits.value && valueRe.test(v) && !/url\s*\(|expression\s*\(|image\s*\(|image-set\s*\(/i.test(v);
}

/** Whether p is a CSS property name the mapping and hints may set. */
export function safeCSSProp(p: string): boolean {
  return p.length <= mappingLimits.name && propRe.test(p);
}

function names(v: unknown, what: string, re: RegExp): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${what}: must be a list of names`);
  if (v.length > mappingLimits.list) throw new Error(`${what}: at most ${mappingLimits.list} names`);
  return v.map((n, i) => {
    if (typeof n !== "string" || n.length > mappingLimits.name || !re.test(n)) throw new Error(`${what}[${i}]: not a valid name`);
    return n;
  });
}

function styles(v: unknown, what: string): Record<string, string> {
  if (v === undefined) return {};
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error(`${what}: must be an object of CSS properties`);
  const e = Object.entries(v as Record<string, unknown>);
  if (e.length > mappingLimits.styles) throw new Error(`${what}: at most ${mappingLimits.styles} properties`);
  const out: Record<string, string> = {};
  for (const [k, val] of e) {
    if (!safeCSSProp(k)) throw new Error(`${what}.${k}: not a CSS property name`);
    if (typeof val !== "string" || !safeCSSValue(val)) throw new Error(`${what}.${k}: not an allowed CSS value`);
    out[k] = val;
  }
  return out;
}

const ruleKeys = ["element", "classes", "style", "text", "mask"];

/** Parses and validates a mapping; throws an Error naming the first problem. */
export function checkMapping(raw: unknown): Required<ScreenMapping> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error("mapping: must be a JSON object");
  const m = raw as Record<string, unknown>;
  for (const k of Object.keys(m)) {
    if (k !== "tags" && k !== "maskAttrs" && k !== "maskTypes") throw new Error(`mapping: unknown field ${JSON.stringify(k)}`);
  }
  const tags: Record<string, TagRule> = {};
  if (m.tags !== undefined) {
    if (!m.tags || typeof m.tags !== "object" || Array.isArray(m.tags)) throw new Error("tags: must be an object of tag rules");
    const e = Object.entries(m.tags as Record<string, unknown>);
    if (e.length > mappingLimits.tags) throw new Error(`tags: at most ${mappingLimits.tags} tags`);
    for (const [tag, r] of e) {
      const at = `tags.${tag}`;
      if (tag.length > mappingLimits.name || !nameRe.test(tag)) throw new Error(`${at}: not a valid tag name`);
      if (!r || typeof r !== "object" || Array.isArray(r)) throw new Error(`${at}: must be an object`);
      const rule = r as Record<string, unknown>;
      for (const k of Object.keys(rule)) if (!ruleKeys.includes(k)) throw new Error(`${at}: unknown field ${JSON.stringify(k)}`);
      const out: TagRule = {};
      if (rule.element !== undefined) {
        if (typeof rule.element !== "string" || !allowedElements.includes(rule.element)) {
          throw new Error(`${at}.element: must be one of ${allowedElements.join(", ")}`);
        }
        out.element = rule.element;
      }
      if (rule.classes !== undefined) {
        out.classes = names(rule.classes, `${at}.classes`, classRe);
        if (out.classes.length > mappingLimits.classes) throw new Error(`${at}.classes: at most ${mappingLimits.classes} classes`);
      }
      if (rule.style !== undefined) out.style = styles(rule.style, `${at}.style`);
      if (rule.text !== undefined) {
        if (typeof rule.text !== "string" || rule.text.length > mappingLimits.name || !nameRe.test(rule.text)) {
          throw new Error(`${at}.text: must be an attribute name`);
        }
        out.text = rule.text;
      }
      if (rule.mask !== undefined) {
        if (typeof rule.mask !== "boolean") throw new Error(`${at}.mask: must be true or false`);
        out.mask = rule.mask;
      }
      tags[tag] = out;
    }
  }
  return {
    tags,
    maskAttrs: names(m.maskAttrs, "maskAttrs", nameRe),
    maskTypes: names(m.maskTypes, "maskTypes", nameRe),
  };
}

/** The mapping used when a site has none: every tag a div, its "text" attribute its text, nothing masked but passwords. */
export const defaultMapping: Required<ScreenMapping> = { tags: {}, maskAttrs: [], maskTypes: ["password"] };
