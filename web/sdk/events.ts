// The events a page listens to with Tandem.on: "state", "prompt", "live",
// "ended" and "error" (docs/sdk.md, "Events"). A listener that throws must
// not break the loader or the other listeners, so its error is rethrown on
// a later task, where the page's error handlers still see it.

export type Listener = (data: unknown) => void;

const listeners: Record<string, Listener[]> = {};

/** Adds fn as a listener of event; returns a function that removes it. */
export function on(event: string, fn: Listener): () => void {
  (listeners[event] = listeners[event] || []).push(fn);
  return () => {
    const l = listeners[event] || [];
    const i = l.indexOf(fn);
    if (i >= 0) l.splice(i, 1);
  };
}

/** Calls every listener of event, as they were when it started, with data. */
export function emit(event: string, data: unknown): void {
  for (const fn of (listeners[event] || []).slice()) {
    try {
      fn(data);
    } catch (e) {
      setTimeout(() => {
        throw e;
      });
    }
  }
}
