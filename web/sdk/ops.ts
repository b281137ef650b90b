// Remote control: the agent's operations applied to the person's page as a
// real person's would be — the same pointer, mouse, focus, keyboard and
// input events in the same order — so that the page's own code (React and
// Vue included) reacts to them as to the person's. Masked fields are never
// typed into: the agent cannot see them, and the person types those.

import { nextInTabOrder, tabOrder } from "../shared/dom";
import { finiteOr } from "../shared/geometry";
import { isTandem, locate, type Spot } from "./geometry";
import { Masker } from "./masking";

/** What the operator needs from the page's recorder and settings. */
export interface OpEnv {
  /** The node with this rrweb mirror id, or null. */
  lookup(id: number): Node | null;
  /** The masking rules in force. */
  rules(): { strict: boolean; mask: string[]; unmask: string[]; block: string[] };
}

/** What came of an operation: an error for the agent, or something to do after replying. */
export interface Outcome {
  error?: string;
  after?: () => void;
}

type Win = Window & typeof globalThis;
type Field = HTMLInputElement | HTMLTextAreaElement;
type Mods = { shiftKey?: boolean; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean };

const maxText = 10000;
const focusable = "a[href],area[href],button,input,select,textarea,iframe,summary,[tabindex],[contenteditable]:not([contenteditable=false])";
// Input types typed into character by character; the value types below
// take the whole text at once, as their pickers would.
const textTypes = /^(|text|search|email|url|tel|number|password)$/;
const valueTypes = /^(date|time|datetime-local|month|week|color|range)$/;

const keyCodes: Record<string, number> = {
  Backspace: 8, Tab: 9, Enter: 13, Escape: 27, " ": 32, PageUp: 33, PageDown: 34, End: 35, Home: 36,
  ArrowLeft: 37, ArrowUp: 38, ArrowRight: 39, ArrowDown: 40, Delete: 46,
};

/** keyInfo gives the code and legacy keyCode of a key value, as a US keyboard would. */
export function keyInfo(key: string): { code: string; keyCode: number } {
  if (/^[a-z]$/i.test(key)) return { code: "Key" + key.toUpperCase(), keyCode: key.toUpperCase().charCodeAt(0) };
  if (/^[0-9]$/.test(key)) return { code: "Digit" + key, keyCode: key.charCodeAt(0) };
  if (key === " ") return { code: "Space", keyCode: 32 };
  if (keyCodes[key]) return { code: key, keyCode: keyCodes[key] };
  return { code: "", keyCode: key.length === 1 ? key.toUpperCase().charCodeAt(0) : 0 };
}

/** sameOrigin checks a navigation target against the page: the same origin, http(s) only. */
export function sameOrigin(url: string, base: string): string | null {
  let u: URL;
  try {
    u = new URL(url, base);
  } catch {
    return null;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return null;
  return u.origin === new URL(base).origin ? u.href : null;
}

function win(n: Node): Win {
  return ((n.ownerDocument || (n as Document)).defaultView || window) as Win;
}

function parentAcross(e: Element): Element | null {
  if (e.parentElement) return e.parentElement;
  const root = e.getRootNode() as ShadowRoot;
  return root.host || null;
}

function isField(e: Element): e is Field {
  return e.tagName === "TEXTAREA" || (e.tagName === "INPUT" && textTypes.test((e as HTMLInputElement).type));
}

// setValue sets a field's value through the prototype's setter, past any
// setter a framework put on the element itself (React's value tracker), so
// that the framework sees the change in the input event that follows.
function setValue(e: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, v: string): void {
  const w = win(e);
  const proto = e.tagName === "TEXTAREA" ? w.HTMLTextAreaElement.prototype : e.tagName === "SELECT" ? w.HTMLSelectElement.prototype : w.HTMLInputElement.prototype;
  const d = Object.getOwnPropertyDescriptor(proto, "value");
  if (d && d.set) d.set.call(e, v);
  else e.value = v;
}

function selection(f: Field): [number, number] | null {
  try {
    if (f.selectionStart === null || f.selectionEnd === null) return null;
    return [f.selectionStart, f.selectionEnd];
  } catch {
    return null; // number, email: no selection API
  }
}

// frameDoc is the document of a same-origin iframe, else null.
function frameDoc(e: Element): Document | null {
  if (e.tagName !== "IFRAME") return null;
  try {
    return (e as HTMLIFrameElement).contentDocument;
  } catch {
    return null;
  }
}

// deepActive is the focused element, inside shadow roots and frames.
function deepActive(doc: Document): Element | null {
  let a: Element | null = doc.activeElement;
  for (let i = 0; a && i < 16; i++) {
    const d = frameDoc(a);
    const inner: Element | null = a.shadowRoot ? a.shadowRoot.activeElement : d ? d.activeElement : null;
    if (!inner || inner === a) break;
    a = inner;
  }
  return a;
}

export class Operator {
  private hovered: Element | null = null;
  // Fields typed into since their last change event, and those we listen on.
  private dirty = new Set<Field>();
  private listening = new WeakSet<Field>();
  private onBlur = (e: Event) => this.commit(e.target as Field);

  constructor(private env: OpEnv) {}

  /** Applies one operation (docs/protocol.md, "Remote control"). */
  apply(op: Record<string, unknown>): Outcome {
    const kind = String(op.op || "");
    switch (kind) {
      case "click":
      case "dblclick": {
        const s = this.target(op);
        if (typeof s === "string") return { error: s };
        this.click(s, kind === "dblclick" ? 2 : 1);
        return {};
      }
      case "type": {
        const s = this.target(op);
        if (typeof s === "string") return { error: s };
        const text = typeof op.text === "string" ? op.text : "";
        if (!text) return { error: "nothing to type" };
        if (text.length > maxText) return { error: "text too long" };
        const err = this.type(s.el, text);
        return err ? { error: err } : {};
      }
      case "key": {
        const key = typeof op.key === "string" ? op.key : "";
        if (!key || key.length > 32) return { error: "no key" };
        let el: Element | null = null;
        if (op.node !== undefined || op.x !== undefined) {
          const s = this.target(op);
          if (typeof s === "string") return { error: s };
          el = s.el;
        } else {
          el = deepActive(document) || document.body;
          if (el && isTandem(el)) el = document.body;
        }
        if (!el) return { error: "nothing to press the key on" };
        const err = this.key(el, key, { shiftKey: !!op.shift, ctrlKey: !!op.ctrl, altKey: !!op.alt, metaKey: !!op.meta });
        return err ? { error: err } : {};
      }
      case "scroll":
        return this.scroll(op);
      case "back":
        return { after: () => history.back() };
      case "forward":
        return { after: () => history.forward() };
      case "reload":
        return { after: () => location.reload() };
      case "navigate": {
        const href = sameOrigin(String(op.url || ""), location.href);
        if (!href) return { error: "you can only go to pages of this site" };
        return { after: () => location.assign(href) };
      }
    }
    return { error: "unknown operation " + kind };
  }

  /** Sends the change events still owed (control is ending). */
  stop(): void {
    for (const f of Array.from(this.dirty)) this.commit(f);
    for (const f of Array.from(this.dirty)) f.removeEventListener("blur", this.onBlur);
    this.hovered = null;
  }

  private target(op: Record<string, unknown>): Spot | string {
    const s = locate(op, this.env.lookup);
    if (!s) return "nothing there (the node is gone and no coordinates hit the page)";
    if (isTandem(s.el)) return "that is the person's own Tandem control";
    return s;
  }

  private masker(): Masker {
    const r = this.env.rules();
    return new Masker({ strict: r.strict, mask: r.mask, unmask: r.unmask });
  }

  private blocked(e: Element): boolean {
    const sel = ["[data-tandem-block]", ".rr-block", ...this.env.rules().block].join(",");
    for (let x: Element | null = e; x; x = parentAcross(x)) {
      try {
        if (x.matches(sel)) return true;
      } catch {
        return true;
      }
    }
    return false;
  }

  // hidden: a field the agent cannot see, so must not write into.
  private hidden(e: Element, text: boolean): boolean {
    if (this.blocked(e)) return true;
    const m = this.masker();
    return text ? m.text(e) : m.input(e);
  }

  // ---- pointer ----

  private mouse(e: Element, type: string, x: number, y: number, o: { detail?: number; buttons?: number } = {}): boolean {
    const w = win(e);
    const bubbles = !/enter|leave/.test(type);
    const init: PointerEventInit = {
      bubbles, cancelable: bubbles, composed: true, view: w,
      clientX: x, clientY: y, screenX: x + (w.screenX || 0), screenY: y + (w.screenY || 0),
      button: 0, buttons: o.buttons || 0, detail: o.detail || 0,
    };
    if (type.startsWith("pointer") && typeof w.PointerEvent === "function") {
      return e.dispatchEvent(new w.PointerEvent(type, { ...init, pointerId: 1, pointerType: "mouse", isPrimary: true, width: 1, height: 1, pressure: o.buttons ? 0.5 : 0 }));
    }
    return e.dispatchEvent(new w.MouseEvent(type.replace(/^pointer/, "mouse"), init));
  }

  private hover(s: Spot): void {
    const { el, x, y } = s;
    if (this.hovered !== el) {
      const old = this.hovered;
      if (old && old.isConnected) {
        for (const t of ["pointerout", "pointerleave", "mouseout", "mouseleave"]) this.mouse(old, t, x, y);
      }
      for (const t of ["pointerover", "pointerenter", "mouseover", "mouseenter"]) this.mouse(el, t, x, y);
      this.hovered = el;
    }
    this.mouse(el, "pointermove", x, y);
    this.mouse(el, "mousemove", x, y);
  }

  private click(s: Spot, count: number): void {
    const { el, x, y } = s;
    this.hover(s);
    for (let i = 1; i <= count; i++) {
      const pointerDown = this.mouse(el, "pointerdown", x, y, { buttons: 1 });
      // A cancelled pointerdown suppresses the mouse events, not the click.
      const mouseDown = pointerDown ? this.mouse(el, "mousedown", x, y, { buttons: 1, detail: i }) : false;
      if (mouseDown) this.focusAt(el);
      this.mouse(el, "pointerup", x, y);
      if (pointerDown) this.mouse(el, "mouseup", x, y, { detail: i });
      // A click event runs the element's activation behaviour: links
      // follow, checkboxes toggle, labels pass it on, buttons submit.
      this.mouse(el, "click", x, y, { detail: i });
    }
    if (count === 2) this.mouse(el, "dblclick", x, y, { detail: 2 });
  }

  // focusAt moves focus as a mousedown on e would: to its nearest focusable
  // ancestor, or away from whatever had it.
  private focusAt(e: Element): void {
    let f: Element | null = e;
    while (f && !(f.matches(focusable) && !(f as HTMLButtonElement).disabled)) f = parentAcross(f);
    if (f && (f as HTMLElement).focus) {
      (f as HTMLElement).focus({ preventScroll: true });
      return;
    }
    const a = deepActive(e.ownerDocument) as HTMLElement | null;
    if (a && a !== e.ownerDocument.body && a.blur) a.blur();
  }

  // ---- keyboard and text ----

  private keyEvent(e: Element, type: string, key: string, m: Mods = {}): boolean {
    const w = win(e);
    const { code, keyCode } = keyInfo(key);
    const charCode = type === "keypress" ? (key === "Enter" ? 13 : key.charCodeAt(0)) : 0;
    return e.dispatchEvent(
      new w.KeyboardEvent(type, {
        key, code, bubbles: true, cancelable: true, composed: true, view: w, ...m,
        keyCode: type === "keypress" ? charCode : keyCode, charCode, which: type === "keypress" ? charCode : keyCode,
      } as KeyboardEventInit),
    );
  }

  // press sends keydown, keypress (for keys that produce a character or
  // Enter) and keyup around the key's default action, which runs only if
  // the page did not cancel it.
  private press(e: Element, key: string, m: Mods, action: () => void): void {
    let go = this.keyEvent(e, "keydown", key, m);
    if (go && (key.length === 1 || key === "Enter") && !m.ctrlKey && !m.metaKey) go = this.keyEvent(e, "keypress", key, m);
    if (go) action();
    this.keyEvent(e, "keyup", key, m);
  }

  private input(f: Element, type: string, inputType: string, data: string | null, cancelable: boolean): boolean {
    const w = win(f);
    return f.dispatchEvent(new w.InputEvent(type, { inputType, data, bubbles: true, cancelable, composed: true }));
  }

  private markDirty(f: Field): void {
    this.dirty.add(f);
    if (!this.listening.has(f)) {
      this.listening.add(f);
      f.addEventListener("blur", this.onBlur);
    }
  }

  // commit fires the change event a person's edit ends with (on blur or Enter).
  private commit(f: Field): void {
    if (!this.dirty.delete(f)) return;
    f.dispatchEvent(new (win(f).Event)("change", { bubbles: true }));
  }

  // edit replaces the field's selection (or the range before/after the
  // caret) with data, as the browser would for a key press.
  private edit(f: Field, data: string, inputType: string, typed?: { base: string; text: string }): void {
    if (!this.input(f, "beforeinput", inputType, data || null, true)) return;
    const v = f.value;
    const sel = selection(f);
    let next: string;
    let caret = -1;
    if (!sel) {
      // No caret to go by (number, email): grow from what was there.
      if (inputType === "deleteContentBackward") next = v.slice(0, -1);
      else if (inputType === "deleteContentForward") next = v;
      else if (typed) next = typed.base + (typed.text += data);
      else next = v + data;
    } else {
      let [s, e] = sel;
      if (s === e && inputType === "deleteContentBackward") s = Math.max(0, s - 1);
      if (s === e && inputType === "deleteContentForward") e = Math.min(v.length, e + 1);
      if (f.maxLength >= 0 && data && v.length - (e - s) + data.length > f.maxLength) return;
      next = v.slice(0, s) + data + v.slice(e);
      caret = s + data.length;
    }
    if (next === v) return;
    setValue(f, next);
    if (caret >= 0) {
      try {
        f.setSelectionRange(caret, caret);
      } catch {
        // not every type has a caret
      }
    }
    this.input(f, "input", inputType, data || null, false);
    this.markDirty(f);
  }

  private focus(e: HTMLElement): void {
    if (deepActive(e.ownerDocument) !== e) e.focus({ preventScroll: true });
  }

  private type(target: Element, text: string): string | null {
    let e: Element = target;
    if (e.tagName === "LABEL" && (e as HTMLLabelElement).control) e = (e as HTMLLabelElement).control as Element;
    if (isTandem(e)) return "that is the person's own Tandem control";
    if (e.tagName === "SELECT") return this.choose(e as HTMLSelectElement, text);
    if (e.tagName === "INPUT" && valueTypes.test((e as HTMLInputElement).type)) {
      const f = e as HTMLInputElement;
      if (this.hidden(f, false)) return "this field is masked; the person types it";
      if (f.disabled || f.readOnly) return "this field cannot be changed";
      this.focus(f);
      setValue(f, text);
      this.input(f, "input", "insertReplacementText", text, false);
      f.dispatchEvent(new (win(f).Event)("change", { bubbles: true }));
      return null;
    }
    if (isField(e)) {
      const f = e;
      if (this.hidden(f, false)) return "this field is masked; the person types it";
      if (f.disabled || f.readOnly) return "this field cannot be changed";
      this.focus(f);
      const typed = { base: f.value, text: "" };
      for (const ch of Array.from(text.replace(/\r\n?/g, "\n"))) {
        if (ch === "\n") {
          if (f.tagName === "TEXTAREA") this.press(f, "Enter", {}, () => this.edit(f, "\n", "insertLineBreak"));
          else this.key(f, "Enter", {});
          continue;
        }
        this.press(f, ch, {}, () => this.edit(f, ch, "insertText", typed));
      }
      return null;
    }
    const host = this.editingHost(e);
    if (host) {
      if (this.hidden(host, true)) return "this text is masked; the person types it";
      this.focus(host);
      this.caretInside(host);
      for (const ch of Array.from(text.replace(/\r\n?/g, "\n"))) {
        if (ch === "\n") this.press(host, "Enter", {}, () => this.exec(host, "insertParagraph", "insertParagraph", null));
        else this.press(host, ch, {}, () => this.exec(host, "insertText", "insertText", ch));
      }
      return null;
    }
    return "not a text field";
  }

  private choose(s: HTMLSelectElement, text: string): string | null {
    if (this.hidden(s, false)) return "this field is masked; the person chooses it";
    if (s.disabled) return "this field cannot be changed";
    const want = text.trim().toLowerCase();
    const opt = Array.from(s.options).find((o) => o.value.toLowerCase() === want || o.text.trim().toLowerCase() === want);
    if (!opt) return "no option " + JSON.stringify(text);
    this.focus(s);
    if (s.value !== opt.value) {
      setValue(s, opt.value);
      s.dispatchEvent(new (win(s).Event)("input", { bubbles: true, composed: true }));
      s.dispatchEvent(new (win(s).Event)("change", { bubbles: true }));
    }
    return null;
  }

  private editingHost(e: Element): HTMLElement | null {
    if (!(e as HTMLElement).isContentEditable) return null;
    let h = e as HTMLElement;
    while (h.parentElement && h.parentElement.isContentEditable) h = h.parentElement;
    return h;
  }

  // caretInside puts the caret at the end of host unless it is in it already.
  private caretInside(host: HTMLElement): void {
    const doc = host.ownerDocument;
    const sel = doc.getSelection();
    if (!sel) return;
    if (sel.rangeCount && host.contains(sel.getRangeAt(0).startContainer)) return;
    const r = doc.createRange();
    r.selectNodeContents(host);
    r.collapse(false);
    sel.removeAllRanges();
    sel.addRange(r);
  }

  // exec edits a contenteditable through the browser's editing commands,
  // which fire beforeinput and input themselves; where they are not
  // supported, it edits the selection and fires those events.
  private exec(host: HTMLElement, command: string, inputType: string, data: string | null): void {
    const doc = host.ownerDocument;
    let done = false;
    try {
      done = doc.execCommand(command, false, data || undefined);
    } catch {
      done = false;
    }
    if (done) return;
    if (!this.input(host, "beforeinput", inputType, data, true)) return;
    const sel = doc.getSelection();
    if (!sel || !sel.rangeCount) return;
    const r = sel.getRangeAt(0);
    r.deleteContents();
    if (data) {
      const t = doc.createTextNode(data);
      r.insertNode(t);
      r.setStartAfter(t);
      r.collapse(true);
      sel.removeAllRanges();
      sel.addRange(r);
    }
    this.input(host, "input", inputType, data, false);
  }

  private key(e: Element, key: string, m: Mods): string | null {
    const field = isField(e) ? e : null;
    const host = field ? null : this.editingHost(e);
    // Keys that change a field's text: never in one the agent cannot see.
    const edits = key === "Backspace" || key === "Delete" || (key.length === 1 && !m.ctrlKey && !m.metaKey) || (key === "Enter" && !!(host || (field && field.tagName === "TEXTAREA")));
    if (edits && field && this.hidden(field, false)) return "this field is masked; the person types it";
    if (edits && host && this.hidden(host, true)) return "this text is masked; the person types it";
    if (edits && field && (field.disabled || field.readOnly)) return "this field cannot be changed";
    // Space activates on key up, after the keyup event.
    let activate = false;
    this.press(e, key, m, () => {
      if (field) {
        if (key === "Enter") {
          if (field.tagName === "TEXTAREA") this.edit(field, "\n", "insertLineBreak");
          else {
            this.commit(field);
            this.submit(field);
          }
        } else if (key === "Backspace") this.edit(field, "", "deleteContentBackward");
        else if (key === "Delete") this.edit(field, "", "deleteContentForward");
        else if (key.length === 1 && !m.ctrlKey && !m.metaKey) this.edit(field, key, "insertText");
        else if (key === "Tab") this.tab(e, !!m.shiftKey);
        else this.caret(field, key);
        return;
      }
      if (host) {
        if (key === "Enter") this.exec(host, "insertParagraph", "insertParagraph", null);
        else if (key === "Backspace") this.exec(host, "delete", "deleteContentBackward", null);
        else if (key === "Delete") this.exec(host, "forwardDelete", "deleteContentForward", null);
        else if (key.length === 1 && !m.ctrlKey && !m.metaKey) this.exec(host, "insertText", "insertText", key);
        else if (key === "Tab") this.tab(e, !!m.shiftKey);
        return;
      }
      const tag = e.tagName;
      const type = (e as HTMLInputElement).type;
      const activates = tag === "BUTTON" || tag === "SUMMARY" || (tag === "INPUT" && /^(submit|button|reset|checkbox|radio|image|file|color)$/.test(type));
      if (key === "Enter" && (activates && type !== "checkbox" && type !== "radio" || (tag === "A" && (e as HTMLAnchorElement).href))) {
        (e as HTMLElement).click();
      } else if (key === " " && activates) {
        activate = true;
      } else if (key === "Tab") {
        this.tab(e, !!m.shiftKey);
      } else {
        this.pageKey(e, key, !!m.shiftKey);
      }
    });
    if (activate) (e as HTMLElement).click();
    return null;
  }

  // submit is a form's implicit submission on Enter: through its default
  // button if it has one, or directly if this is its only text field.
  private submit(f: Field): void {
    const form = f.form;
    if (!form) return;
    const button = form.querySelector<HTMLElement>("button:not([type]),button[type=submit],input[type=submit],input[type=image]");
    if (button) {
      if (!(button as HTMLButtonElement).disabled) button.click();
      return;
    }
    const fields = Array.from(form.elements).filter((x) => isField(x as Element) && x.tagName === "INPUT");
    if (fields.length === 1) {
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }
  }

  private caret(f: Field, key: string): void {
    const sel = selection(f);
    if (!sel) return;
    const [s, e] = sel;
    const at = key === "ArrowLeft" ? (s === e ? Math.max(0, s - 1) : s) : key === "ArrowRight" ? (s === e ? Math.min(f.value.length, e + 1) : e) : key === "Home" ? 0 : key === "End" ? f.value.length : -1;
    if (at >= 0) f.setSelectionRange(at, at);
  }

  // tab moves focus to the next (or previous) element in tab order.
  private tab(from: Element, back: boolean): void {
    const doc = from.ownerDocument;
    const order = tabOrder(Array.from(doc.querySelectorAll<HTMLElement>(focusable))).filter((x) => !isTandem(x));
    const next = nextInTabOrder(order, from as HTMLElement, back);
    if (next) next.focus();
  }

  // pageKey scrolls for the navigation keys outside of text fields.
  private pageKey(e: Element, key: string, shift: boolean): void {
    const w = win(e);
    const h = w.innerHeight;
    const by: Record<string, [number, number]> = {
      ArrowDown: [0, 40], ArrowUp: [0, -40], ArrowRight: [40, 0], ArrowLeft: [-40, 0],
      PageDown: [0, h * 0.875], PageUp: [0, -h * 0.875], " ": [0, (shift ? -1 : 1) * h * 0.875],
    };
    if (key === "Home") w.scrollTo(w.scrollX, 0);
    else if (key === "End") w.scrollTo(w.scrollX, e.ownerDocument.documentElement.scrollHeight);
    else if (by[key]) this.scroller(e).scrollBy(by[key][0], by[key][1]);
  }

  // scroller is the element (or window) that scrolls what e is in.
  private scroller(e: Element): Element | Window {
    for (let x: Element | null = e; x; x = parentAcross(x)) {
      if (x === x.ownerDocument.documentElement || x === x.ownerDocument.body) break;
      const oy = win(x).getComputedStyle(x).overflowY;
      const ox = win(x).getComputedStyle(x).overflowX;
      const can = (o: string) => o === "auto" || o === "scroll" || o === "overlay";
      if ((can(oy) && x.scrollHeight > x.clientHeight) || (can(ox) && x.scrollWidth > x.clientWidth)) return x;
    }
    return win(e);
  }

  private scroll(op: Record<string, unknown>): Outcome {
    let into: Element | Window = window;
    if (op.node !== undefined || (op.x !== undefined && op.y !== undefined)) {
      const s = this.target(op);
      if (typeof s !== "string") into = this.scroller(s.el);
    }
    // Not instanceof: elements of same-origin frames come from another realm.
    const w = (into as Window).window === into ? (into as Window) : null;
    const cur = w ? { x: w.scrollX, y: w.scrollY } : { x: (into as Element).scrollLeft, y: (into as Element).scrollTop };
    if (op.top !== undefined || op.left !== undefined) {
      into.scrollTo(finiteOr(op.left, cur.x), finiteOr(op.top, cur.y));
    } else {
      const dx = finiteOr(op.dx, 0);
      const dy = finiteOr(op.dy, 0);
      if (!dx && !dy) return { error: "scroll needs dx, dy or top, left" };
      into.scrollBy(dx, dy);
    }
    return {};
  }
}
