// Reconnect delays: exponential, with jitter so that a server restart is not
// met by every client reconnecting in the same millisecond. Both the SDK's
// channel and the console's use it; it is in the SDK loader, so it is kept
// small.

/** Options of a Backoff; all optional. */
export interface BackoffOptions {
  /** The first nominal delay (500 ms); it doubles with each attempt. */
  baseMs?: number;
  /** The cap on the nominal delay (15 s). */
  maxMs?: number;
  /**
   * How a delay is drawn from the nominal one: "full" (the default) anywhere
   * from 0 to all of it, "equal" from half of it to all of it.
   */
  jitter?: "full" | "equal";
  /** Returns a number in [0, 1); Math.random unless a test injects one. */
  random?: () => number;
}

/** Backoff hands out growing, jittered delays until reset. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly o: BackoffOptions = {}) {}

  /** Returns the delay before the next attempt, drawn by the jitter from the nominal delay (base × 2^attempts, capped). */
  next(): number {
    const o = this.o;
    const nominal = Math.min(o.maxMs ?? 15000, (o.baseMs ?? 500) * 2 ** this.attempt++);
    const r = (o.random ?? Math.random)();
    return Math.round(nominal * (o.jitter === "equal" ? 0.5 + r / 2 : r));
  }

  /** Starts over from the base delay (after a connection that worked). */
  reset(): void {
    this.attempt = 0;
  }
}
