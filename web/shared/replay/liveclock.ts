// LiveClock maps the person's event timestamps onto the live player's clock
// for rrweb's live mode. rrweb plays an event at baseline + (timestamp -
// baseline), so person-clock timestamps would replay history in real time
// after a resync and drift with clock skew.
//
// Live means as soon as it arrives: the first event of every frame is played
// now, whatever its timestamp, so no delay carries over from one frame to the
// next (an earlier clock kept the lead of the first event it saw, and a
// snapshot that took 100 ms to arrive delayed every later keystroke by as
// much). Only events that arrive bunched in one frame are spread out again, at
// the pace they happened, up to spreadMs: a small jitter buffer that exists
// only while events arrive out of step with their timing.

/** Options of a LiveClock. */
export interface LiveClockOptions {
  /** The longest delay given to an event after the first of its frame, to keep the pace of a bunched frame. */
  spreadMs?: number;
}

/** LiveClock retimes one player's events; make a new one for each new player. */
export class LiveClock {
  private offset = 0;
  private last = -Infinity;
  private readonly spread: number;

  constructor(o: LiveClockOptions = {}) {
    this.spread = o.spreadMs ?? 50;
  }

  /**
   * Returns the player-clock time at which an event stamped ts should play,
   * given now; first says that it is the first event of a frame.
   */
  map(ts: number, now: number, first: boolean): number {
    if (first) this.offset = now - ts;
    let t = Math.min(Math.max(ts + this.offset, now), now + this.spread);
    // Never go back in time: the player must see events in arrival order.
    if (t < this.last) t = this.last;
    this.last = t;
    return t;
  }
}
