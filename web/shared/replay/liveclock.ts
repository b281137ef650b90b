// LiveClock maps the person's event timestamps onto the console's clock for
// rrweb's live mode. rrweb plays an event at baseline + (timestamp - baseline),
// so person-clock timestamps would replay history in real time after a resync
// and drift with clock skew. The clock keeps each event's relative timing
// within a short window ahead of now, and re-anchors when it falls outside:
// a burst of old frames collapses to "now", and the view never lags more than
// the window behind what arrives.

/** Options of a LiveClock. */
export interface LiveClockOptions {
  /** How far ahead of now an event is scheduled when the clock (re)anchors. */
  bufferMs?: number;
  /** The largest lead over now that is kept as is; beyond it the clock re-anchors. */
  windowMs?: number;
}

/** LiveClock retimes one player's events; make a new one for each new player. */
export class LiveClock {
  private offset: number | null = null;
  private last = -Infinity;
  private readonly buffer: number;
  private readonly window: number;

  constructor(o: LiveClockOptions = {}) {
    this.buffer = o.bufferMs ?? 20;
    this.window = o.windowMs ?? 1000;
  }

  /** Returns the console-clock time at which an event stamped ts should play, given now. */
  map(ts: number, now: number): number {
    let t = this.offset === null ? NaN : ts + this.offset;
    if (!(t >= now && t <= now + this.window)) {
      this.offset = now + this.buffer - ts;
      t = now + this.buffer;
    }
    // Never go back in time: the player must see events in arrival order.
    if (t < this.last) t = this.last;
    this.last = t;
    return t;
  }
}
