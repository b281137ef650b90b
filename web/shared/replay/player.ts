// LivePlayer draws the live mirror with rrweb's Replayer in live mode. Each
// snapshot gets a fresh player (the old page's state is dropped with it);
// events are retimed onto the player's clock (see liveclock.ts) and click
// and touch marks are timed to appear with the events that made them. An
// event due now is applied at once, not at rrweb's next animation frame.

import { Replayer } from "rrweb";
import { CanvasPainter, CanvasTarget } from "./canvas";
import { RREvent } from "./events";
import type { Size } from "./layout";
import { LiveClock } from "./liveclock";
import { Mark, markFromEvent, markLifeMs } from "./marks";
import { MirrorSanitizer } from "./sanitize";

export type { Size };

/** A mark on screen in the live view. */
export interface ShownMark extends Mark {
  key: string;
}

/**
 * Player options shared by the live and replay views. rrweb builds the page
 * in an iframe sandboxed with allow-same-origin only: nothing of the page can
 * run there (canvas is drawn by the console, see canvas.ts).
 */
export const playerConfig = {
  mouseTail: false,
  showWarning: false,
  triggerFocus: false, // never move the agent's keyboard focus into the mirror
  // With scripting off in the mirror, <noscript> content would show.
  insertStyleRules: ["noscript { display: none !important; }"] as string[],
};

type ReplayerConfig = NonNullable<ConstructorParameters<typeof Replayer>[1]>;

/** A Replayer and the way events reach it. */
export interface Mirror {
  replayer: Replayer;
  /** Adds one event (live mode). */
  add(e: RREvent): void;
}

/**
 * Creates the player of a mirror. Every event, the first ones and the ones
 * added later, goes through the sanitizer before the player sees it, and
 * canvas pictures are drawn by a CanvasPainter as the player applies them.
 */
export function createMirror(events: readonly RREvent[], config: Partial<ReplayerConfig>): Mirror {
  const sanitizer = new MirrorSanitizer({ consoleOrigin: location.origin });
  let replayer: Replayer | null = null;
  const painter = new CanvasPainter({
    canvas: (id) => {
      const n = replayer?.getMirror().getNode(id) as HTMLCanvasElement | null | undefined;
      return n && n.nodeName === "CANVAS" && n.isConnected ? (n as CanvasTarget) : null;
    },
  });
  const prepare = (e: RREvent) => painter.take(sanitizer.event(e)) as unknown as Parameters<Replayer["addEvent"]>[0];
  const r = new Replayer(events.map(prepare), {
    ...playerConfig,
    ...config,
    plugins: [{ handler: (e) => painter.applied(e as unknown as RREvent) }],
  });
  replayer = r;
  return { replayer: r, add: (e) => r.addEvent(prepare(e)) };
}

/** LivePlayer owns the current live Replayer and the marks on screen. */
export class LivePlayer {
  replayer: Replayer | null = null;
  private mirror: Mirror | null = null;
  size: Size | null = null;
  marks: ShownMark[] = [];
  /** Whether the current player has drawn a page. */
  drawn = false;
  /** The time of the first event of the assist seen here (person's clock), for devtools offsets. */
  firstTs: number | null = null;

  private host: HTMLElement | null = null;
  private clock = new LiveClock();
  /** The player's clock: the Date.now() of its start and the performance.now() just after. */
  private baseline = 0;
  private perfStart = 0;
  private kickQueued = false;
  private pending: RREvent[] = [];
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private pump: ReturnType<typeof setInterval> | null = null;
  private markSeq = 0;
  private readonly onChange: () => void;

  constructor(onChange: () => void) {
    this.onChange = onChange;
  }

  /** Mounts the player in host; events that came before are drawn now. */
  attach(host: HTMLElement): void {
    this.host = host;
    this.build();
    const pending = this.pending;
    this.pending = [];
    this.events(pending);
    // rrweb schedules with requestAnimationFrame, which stops in a hidden tab;
    // keep applying events there so the view is current when the agent looks.
    this.pump = setInterval(() => {
      if (document.visibilityState !== "hidden" || !this.replayer) return;
      const timer = this.replayer.timer as unknown as { rafCheck?: () => void };
      timer.rafCheck?.();
    }, 500);
  }

  /** Unmounts and destroys the player. */
  detach(): void {
    if (this.pump !== null) clearInterval(this.pump);
    this.pump = null;
    this.destroyReplayer();
    this.host = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Starts a fresh player: the next events begin with a Meta and a FullSnapshot. */
  reset(): void {
    this.pending = [];
    this.drawn = false;
    this.marks = [];
    if (this.host) this.build();
    this.onChange();
  }

  /** Plays events as they arrive. */
  events(evs: RREvent[]): void {
    if (evs.length && this.firstTs === null) this.firstTs = evs[0].timestamp;
    const mirror = this.mirror;
    if (!mirror) {
      this.pending.push(...evs);
      return;
    }
    let first = true;
    for (const e of evs) {
      const now = this.now();
      const at = this.clock.map(e.timestamp, now, first);
      first = false;
      mirror.add({ ...e, timestamp: at });
      const m = markFromEvent(e);
      if (m) this.scheduleMark(m, at - now);
    }
    if (evs.length) this.kick();
  }

  // now is the current time on the player's clock. It runs on
  // performance.now(), as rrweb's timer does, from just after the timer
  // started: never ahead of the timer, so an event mapped to now is due when
  // the timer next looks.
  private now(): number {
    return this.baseline + (performance.now() - this.perfStart);
  }

  // kick applies the events that are due without waiting for the next
  // animation frame (up to 16 ms, more in a busy tab). rrweb queues each
  // added event in a microtask; this one runs after them.
  private kick(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      const timer = this.replayer?.timer as unknown as { raf?: number | true | null; isActive?: () => boolean; rafCheck?: () => void } | undefined;
      if (!timer?.isActive?.() || !timer.rafCheck) return;
      // One loop of frames at a time: rafCheck asks for the next frame itself if events wait.
      if (typeof timer.raf === "number") cancelAnimationFrame(timer.raf);
      timer.rafCheck();
    });
  }

  private scheduleMark(m: Mark, inMs: number): void {
    const key = `m${++this.markSeq}`;
    const show = setTimeout(() => {
      this.timers.delete(show);
      this.marks = [...this.marks.slice(-9), { ...m, key }];
      this.onChange();
      const hide = setTimeout(() => {
        this.timers.delete(hide);
        this.marks = this.marks.filter((x) => x.key !== key);
        this.onChange();
      }, markLifeMs);
      this.timers.add(hide);
    }, Math.max(0, inMs));
    this.timers.add(show);
  }

  private build(): void {
    this.destroyReplayer();
    if (!this.host) return;
    const m = createMirror([], {
      root: this.host,
      liveMode: true,
      pauseAnimation: false, // the page's own animations run, as the person sees them
    });
    const r = m.replayer;
    r.on("resize", (d) => {
      const { width, height } = d as Size;
      if (!width || !height) return;
      if (this.size?.width === width && this.size?.height === height) return;
      this.size = { width, height };
      this.onChange();
    });
    r.on("fullsnapshot-rebuilded", () => {
      this.drawn = true;
      this.onChange();
    });
    this.baseline = Date.now();
    r.startLive(this.baseline);
    this.perfStart = performance.now();
    this.clock = new LiveClock();
    this.mirror = m;
    this.replayer = r;
  }

  private destroyReplayer(): void {
    const r = this.replayer;
    this.replayer = null;
    this.mirror = null;
    if (!r) return;
    try {
      r.destroy();
    } catch {
      // a player whose iframe is already gone has nothing left to free
    }
  }
}
