// The recorder's batching of events into frames. Live means live: an event
// leaves the page in a microtask, as soon as the code that made it has run,
// so a keystroke or a click is on the wire at once; only while the page is
// busy (another frame left less than gapMs ago) are events gathered, and the
// next frame leaves gapMs after the last. Under a burst that is one frame per
// gapMs, as a fixed batching timer gave, so the bytes on the wire do not
// grow. The person's input and clicks leave at once even then, and do not
// count as busy: the page's answer to them (a mutation) follows at once too.
//
// Not a task (a message to itself): Chromium runs rendering before such a
// task after input, which held a keystroke back for a frame (~16 ms).

/** The scheduling a Batcher needs: the browser's (browserBatchClock), or a test's. */
export interface BatchClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Runs fn once the code that is running has returned (a microtask); returns a cancel. */
  soon(fn: () => void): () => void;
  /** Runs fn after ms; returns a cancel. */
  after(fn: () => void, ms: number): () => void;
}

/** Options of a Batcher. */
export interface BatcherOptions {
  /** The least time between two frames while the page is busy. */
  gapMs?: number;
  /** A frame never carries more events than this. */
  max?: number;
}

/** The scheduling of a page. */
export const browserBatchClock: BatchClock = {
  now: () => performance.now(),
  soon(fn) {
    let live = true;
    queueMicrotask(() => {
      if (live) fn();
    });
    return () => {
      live = false;
    };
  },
  after(fn, ms) {
    const h = setTimeout(fn, ms);
    return () => clearTimeout(h);
  },
};

/** Batcher gathers events into frames handed to send. */
export class Batcher<T> {
  private items: T[] = [];
  private lastSent = -Infinity;
  private cancel: (() => void) | null = null;
  private pending: "soon" | "later" | null = null;
  private urgent = false; // the frame scheduled is for the person's input or click
  private readonly gap: number;
  private readonly max: number;
  private readonly send: (items: T[]) => void;
  private readonly clock: BatchClock;

  constructor(send: (items: T[]) => void, clock: BatchClock, o: BatcherOptions = {}) {
    this.send = send;
    this.clock = clock;
    this.gap = o.gapMs ?? 20;
    this.max = o.max ?? 500;
  }

  /** Adds an event; urgent (the person's input or click) sends it at once even while busy. */
  add(item: T, urgent: boolean): void {
    this.items.push(item);
    if (this.items.length >= this.max) {
      this.flush();
      return;
    }
    if (this.pending === "soon") return;
    const wait = this.lastSent + this.gap - this.clock.now();
    if (urgent || wait <= 0) {
      this.unschedule();
      this.urgent = urgent;
      this.pending = "soon";
      this.cancel = this.clock.soon(() => this.flush());
    } else if (this.pending === null) {
      this.pending = "later";
      this.cancel = this.clock.after(() => this.flush(), wait);
    }
  }

  /** Sends what is gathered now. */
  flush(): void {
    this.unschedule();
    if (!this.items.length) return;
    const items = this.items;
    this.items = [];
    if (!this.urgent) this.lastSent = this.clock.now();
    this.urgent = false;
    this.send(items);
  }

  /** Drops what is gathered and what is scheduled. */
  clear(): void {
    this.unschedule();
    this.urgent = false;
    this.items = [];
  }

  private unschedule(): void {
    this.cancel?.();
    this.cancel = null;
    this.pending = null;
  }
}
