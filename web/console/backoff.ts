// Reconnect delays: exponential with jitter, so that a server restart is not
// met by every console reconnecting in the same millisecond.

/** Options of a Backoff; all optional. */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  factor?: number;
  random?: () => number; // in [0, 1); injectable for tests
}

/** Backoff hands out growing delays until reset. */
export class Backoff {
  private attempt = 0;
  private readonly base: number;
  private readonly max: number;
  private readonly factor: number;
  private readonly random: () => number;

  constructor(o: BackoffOptions = {}) {
    this.base = o.baseMs ?? 500;
    this.max = o.maxMs ?? 15000;
    this.factor = o.factor ?? 2;
    this.random = o.random ?? Math.random;
  }

  /** Returns the delay before the next attempt, between half and all of the nominal delay. */
  next(): number {
    const nominal = Math.min(this.max, this.base * Math.pow(this.factor, this.attempt));
    this.attempt++;
    return Math.round(nominal * (0.5 + this.random() / 2));
  }

  /** Starts over from the base delay (after a connection that worked). */
  reset(): void {
    this.attempt = 0;
  }

  /** The number of delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }
}
