// A WebSocket that survives drops: after a close it dials again with
// jittered, capped backoff, until stopped or until the server closes with a
// code after which dialling again cannot help (a session that ended, a token
// that is no longer good). What the messages mean, and how to resume after a
// drop, is the caller's: the console's framed channels, its conversations
// socket and the web terminal build on it. It knows nothing about the DOM,
// so its rules are tested in node with a scripted socket and a fake clock.

import { Backoff } from "./backoff";
import { CloseBadToken, CloseEnded, CloseForbidden, CloseUnknown } from "./protocol";

/** The part of the browser's WebSocket a ReconnectingSocket uses. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Timers, injectable so that tests control time. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Timers of the browser (and node). */
export const browserTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Where a socket is: dialling for the first time, open, re-dialling after a drop, or given up. */
export type SocketState = "connecting" | "open" | "resuming" | "closed";

/** Close codes after which reconnecting cannot help (docs/protocol.md, "Close codes"). */
export const finalCloseCodes: ReadonlySet<number> = new Set([CloseBadToken, CloseForbidden, CloseUnknown, CloseEnded]);

/** The close code given to the state change when a socket could not even be made. */
const closeAbnormal = 1006;

/** Options of a ReconnectingSocket. */
export interface ReconnectingSocketOptions {
  /** The URL to dial; asked again before each dial, so that it can carry where to resume from. */
  url(): string;
  /** Called each time a socket opens. */
  onOpen?(): void;
  /** Receives the data of every message of the current socket. */
  onMessage(data: unknown): void;
  /**
   * Receives state changes. code and reason are the close's when the state is
   * "resuming" (a drop) or "closed" by the server; a "closed" from stop(), or
   * from beforeRedial saying no, has no code.
   */
  onState?(state: SocketState, code?: number, reason?: string): void;
  /**
   * Asked when a reconnect's delay is over, before dialling: true dials,
   * false gives up (the state becomes "closed"), a rejection waits another
   * backoff delay and asks again. Without it every reconnect dials.
   */
  beforeRedial?(): Promise<boolean>;
  /** Makes a socket; the browser's WebSocket by default. */
  socket?: (url: string) => SocketLike;
  /** Reconnect delays; by default 500 ms doubling to 15 s, each between half and all of that. */
  backoff?: Backoff;
  timers?: Timers;
  /** Close codes that stop reconnecting; finalCloseCodes by default. */
  finalCodes?: ReadonlySet<number>;
  log?: (msg: string) => void;
}

/** ReconnectingSocket is one logical connection made of as many sockets as drops require. */
export class ReconnectingSocket {
  private sock: SocketLike | null = null;
  private timer: unknown = null;
  private stopped = true;
  private current: SocketState = "connecting";
  private readonly backoff: Backoff;
  private readonly timers: Timers;
  private readonly finalCodes: ReadonlySet<number>;

  constructor(private readonly o: ReconnectingSocketOptions) {
    this.backoff = o.backoff ?? new Backoff({ jitter: "equal" });
    this.timers = o.timers ?? browserTimers;
    this.finalCodes = o.finalCodes ?? finalCloseCodes;
  }

  /** The current state. */
  get state(): SocketState {
    return this.current;
  }

  /** Dials the first socket. */
  start(): void {
    this.stopped = false;
    this.dial();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    const s = this.sock;
    this.sock = null;
    if (s) {
      s.onclose = s.onmessage = s.onopen = s.onerror = null;
      s.close(1000, "done");
    }
    this.setState("closed");
  }

  /** Sends data if a socket is open; reports whether it was sent. */
  send(data: string): boolean {
    if (!this.sock || this.current !== "open") return false;
    try {
      this.sock.send(data);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Closes the current socket with code and reason as a drop: unless the
   * code is final, a reconnect follows after the backoff delay (the caller
   * saw something that a fresh connection fixes, such as a gap).
   */
  drop(code: number, reason: string): void {
    this.sock?.close(code, reason);
  }

  private setState(s: SocketState, code?: number, reason?: string): void {
    if (s === this.current && code === undefined) return;
    this.current = s;
    this.o.onState?.(s, code, reason);
  }

  private dial(): void {
    if (this.stopped) return;
    this.timer = null;
    const make = this.o.socket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let s: SocketLike;
    try {
      s = make(this.o.url());
    } catch (err) {
      this.o.log?.(`dial: ${String(err)}`);
      this.retry(closeAbnormal, "");
      return;
    }
    this.sock = s;
    s.onopen = () => {
      if (this.sock !== s) return;
      this.backoff.reset();
      this.setState("open");
      this.o.onOpen?.();
    };
    s.onmessage = (ev) => {
      if (this.sock !== s) return;
      this.o.onMessage(ev.data);
    };
    s.onerror = () => {}; // a close event always follows
    s.onclose = (ev) => {
      if (this.sock !== s) return;
      this.sock = null;
      if (this.finalCodes.has(ev.code)) {
        this.stopped = true;
        this.setState("closed", ev.code, ev.reason);
        return;
      }
      this.retry(ev.code, ev.reason);
    };
  }

  private retry(code: number, reason: string): void {
    if (this.stopped) return;
    this.setState("resuming", code, reason);
    this.wait();
  }

  // wait dials again after the next backoff delay, once beforeRedial agrees.
  private wait(): void {
    this.timer = this.timers.set(() => {
      this.timer = null;
      if (this.stopped) return;
      const ask = this.o.beforeRedial;
      if (!ask) {
        this.dial();
        return;
      }
      ask().then(
        (again) => {
          if (this.stopped) return;
          if (again) {
            this.dial();
            return;
          }
          this.stopped = true;
          this.setState("closed");
        },
        (err) => {
          if (this.stopped) return;
          this.o.log?.(`before redial: ${String(err)}`);
          this.wait();
        },
      );
    }, this.backoff.next());
  }
}
