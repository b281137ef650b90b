// Field values that frameworks set past the recorder.
//
// rrweb sees a script's `input.value = …` and `checkbox.checked = …`
// through setters it hooks on the prototypes (HTMLInputElement.prototype
// and the like) when the recorder starts. React does not go through the
// prototype: when it mounts a field it captures the prototype's setter of
// that moment and installs an own property on the element (its value
// tracker) that calls the captured setter directly. A field mounted before
// the person allowed, i.e. before the recorder existed, thus changes
// unseen: a text box React clears after Enter, check marks a "toggle all"
// sets. (One mounted while recording captured rrweb's hook and is seen.)
//
// Fix: when rrweb serializes a field (first snapshot, added node), an own
// value or checked property on it is wrapped: the framework's setter runs
// as before, then the new value is handed to the prototype's setter, which
// is rrweb's hook, so that rrweb records it as it records any script's
// change: masked, blocked, ignored and deduplicated by the same rules.
//
// Why not hook earlier, in the loader before frameworks run? The loader is
// async and often runs after the app has mounted; and installing own
// properties before React would make React skip its value tracker (it
// tracks only fields without one), breaking its change events. Why not
// poll values? Changes come from timers and network answers as well as
// from events, and polling every field costs on every page. Wrapping what
// is there covers fields of any age, frames and shadow roots included (they
// are serialized too), at no cost until a framework sets a value.

/** The properties rrweb hooks on each field's prototype. */
const hooked: Record<string, string[]> = {
  INPUT: ["value", "checked"],
  TEXTAREA: ["value"],
  SELECT: ["value", "selectedIndex"],
};

// The descriptor a wrapper replaced, kept on the wrapper's setter, so that
// a later recording (the recorder restarts when settings change) wraps the
// original again instead of stacking wrappers, and stop() can put it back.
const wrapped = Symbol.for("tandem.ownSetter");

type Setter = ((this: Element, v: unknown) => void) & { [wrapped]?: PropertyDescriptor };

// protoSetter is the setter of prop on el's prototype chain: rrweb's hook
// while recording, else the browser's own.
function protoSetter(el: Element, prop: string): ((v: unknown) => void) | null {
  for (let p = Object.getPrototypeOf(el); p; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, prop);
    if (d) return d.set || null;
  }
  return null;
}

/** What wraps fields' own setters for one recording. */
export interface OwnSetters {
  /** Wraps el's own value/checked setters, if it is a field that has any. */
  watch(el: Node | null): void;
  /** Puts back the original setter of el, if it was wrapped. */
  unwatch(el: Node | null): void;
  /** Stops handing values on; wrappers left on elements just call the original. */
  stop(): void;
}

/** ownSetters starts wrapping fields' own setters for one recording. */
export function ownSetters(): OwnSetters {
  let live = true;
  // Set while a value is handed on: a prototype setter that some other
  // script wrapped to assign through the element again must not loop.
  let handing = false;

  function wrap(el: Element, prop: string): void {
    let d = Object.getOwnPropertyDescriptor(el, prop);
    if (!d || !d.set || !d.configurable) return;
    const prior = (d.set as Setter)[wrapped];
    if (prior) d = prior;
    const orig = d;
    const set: Setter = function (this: Element, v: unknown) {
      (orig.set as Setter).call(this, v);
      if (!live || handing) return;
      const hook = protoSetter(this, prop);
      if (!hook) return;
      handing = true;
      try {
        // The same value again: no event, the caret stays (the
        // framework's set has moved it already); rrweb's hook records it.
        hook.call(this, (this as unknown as Record<string, unknown>)[prop]);
      } catch {
        // a value the prototype refuses (a file input): nothing to record
      } finally {
        handing = false;
      }
    };
    set[wrapped] = orig;
    Object.defineProperty(el, prop, { configurable: true, enumerable: orig.enumerable, get: orig.get, set });
  }

  return {
    watch(el) {
      if (!live || !el || el.nodeType !== 1) return;
      const props = hooked[(el as Element).tagName];
      if (!props || (el as HTMLInputElement).type === "file") return;
      for (const p of props) wrap(el as Element, p);
    },
    unwatch(el) {
      if (!el || el.nodeType !== 1) return;
      for (const p of hooked[(el as Element).tagName] || []) {
        const d = Object.getOwnPropertyDescriptor(el, p);
        const orig = d && d.set && (d.set as Setter)[wrapped];
        if (orig && d && d.configurable) Object.defineProperty(el, p, orig);
      }
    },
    stop() {
      live = false;
    },
  };
}
