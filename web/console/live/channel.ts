// A framed WebSocket that survives drops: it reconnects with backoff, resumes
// from the last applied sequence number, drops data frames it has applied
// already, and answers the server's pings. It knows nothing about the DOM, so
// the resume rules are tested in node with a scripted socket.

import { Backoff } from "../../shared/backoff";
import { encodeFrame } from "../../shared/frames";
import { CloseBadToken, CloseEnded, CloseForbidden, CloseUnknown, KindPing, KindPong, KindSync } from "../../shared/protocol";
import { Frame, Header, isData, parseFrame } from "./frames";

/** The part of the browser's WebSocket the channel uses. */
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

/** Where a channel is: dialling for the first time, open, re-dialling after a drop, or given up. */
export type ChannelState = "connecting" | "open" | "resuming" | "closed";

/** Close codes after which reconnecting cannot help (docs/protocol.md, "Close codes"). */
export const finalCloseCodes: ReadonlySet<number> = new Set([CloseBadToken, CloseForbidden, CloseUnknown, CloseEnded]);

/** Options of a Channel. */
export interface ChannelOptions {
  /** The URL to dial, given the last applied sequence number. */
  url(from: number): string;
  /** Receives every frame except pings and data frames applied before. */
  onFrame(f: Frame): void;
  /** Receives state changes; code is the close code when the state is "closed" or "resuming". */
  onState?(state: ChannelState, code?: number): void;
  socket?: (url: string) => SocketLike;
  /** Reconnect delays; by default 500 ms doubling to 15 s, each between half and all of that. */
  backoff?: Backoff;
  timers?: Timers;
  finalCodes?: ReadonlySet<number>;
  log?: (msg: string) => void;
}

/** Timers of the browser (and node). */
export const browserTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Channel is one logical connection made of as many sockets as drops require. */
export class Channel {
  /** The sequence number of the last data frame handed to onFrame. */
  lastApplied = 0;
  /** Data frames dropped because they had been applied already. */
  duplicates = 0;

  private sock: SocketLike | null = null;
  private timer: unknown = null;
  private stopped = false;
  private current: ChannelState = "connecting";
  private gapAt = -1; // lastApplied when a gap last forced a reconnect
  private readonly o: ChannelOptions;
  private readonly backoff: Backoff;
  private readonly timers: Timers;
  private readonly finalCodes: ReadonlySet<number>;

  constructor(o: ChannelOptions) {
    this.o = o;
    this.backoff = o.backoff ?? new Backoff({ jitter: "equal" });
    this.timers = o.timers ?? browserTimers;
    this.finalCodes = o.finalCodes ?? finalCloseCodes;
  }

  /** The current state. */
  get state(): ChannelState {
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

  /** Sends a frame if a socket is open; reports whether it was sent. */
  send(h: Header, payload?: unknown): boolean {
    if (!this.sock || this.current !== "open") return false;
    try {
      this.sock.send(encodeFrame(h, payload));
      return true;
    } catch {
      return false;
    }
  }

  private setState(s: ChannelState, code?: number): void {
    if (s === this.current && code === undefined) return;
    this.current = s;
    this.o.onState?.(s, code);
  }

  private dial(): void {
    if (this.stopped) return;
    this.timer = null;
    const make = this.o.socket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let s: SocketLike;
    try {
      s = make(this.o.url(this.lastApplied));
    } catch (err) {
      this.o.log?.(`dial: ${String(err)}`);
      this.retry(1006);
      return;
    }
    this.sock = s;
    s.onopen = () => {
      if (this.sock !== s) return;
      this.backoff.reset();
      this.setState("open");
    };
    s.onmessage = (ev) => {
      if (this.sock !== s || typeof ev.data !== "string") return;
      this.receive(ev.data);
    };
    s.onerror = () => {}; // a close event always follows
    s.onclose = (ev) => {
      if (this.sock !== s) return;
      this.sock = null;
      if (this.finalCodes.has(ev.code)) {
        this.stopped = true;
        this.setState("closed", ev.code);
        return;
      }
      this.retry(ev.code);
    };
  }

  private retry(code: number): void {
    if (this.stopped) return;
    this.setState("resuming", code);
    this.timer = this.timers.set(() => this.dial(), this.backoff.next());
  }

  private receive(text: string): void {
    let f: Frame;
    try {
      f = parseFrame(text);
    } catch (err) {
      this.o.log?.(String(err));
      return;
    }
    const h = f.header;
    if (h.k === KindPing) {
      this.send({ k: KindPong, t: h.t });
      return;
    }
    if (h.k === KindSync) {
      // The frames that follow rebuild the view from scratch, starting at `from`.
      this.lastApplied = Math.max(0, (h.from ?? 1) - 1);
      this.deliver(f);
      return;
    }
    if (isData(h)) {
      const s = h.s as number;
      if (s <= this.lastApplied) {
        this.duplicates++;
        return;
      }
      if (s > this.lastApplied + 1 && this.gapAt !== this.lastApplied) {
        // Something is missing: resume from what we have rather than draw a
        // view with holes. If the same gap comes back, take it as it is.
        this.gapAt = this.lastApplied;
        this.o.log?.(`gap: have ${this.lastApplied}, got ${s}; resuming`);
        this.sock?.close(4000, "gap");
        return;
      }
      this.lastApplied = s;
    }
    this.deliver(f);
  }

  private deliver(f: Frame): void {
    try {
      this.o.onFrame(f);
    } catch (err) {
      this.o.log?.(`frame ${f.header.k}: ${String(err)}`);
    }
  }
}
