// The conversations WebSocket (/api/v1/conversations/ws): one JSON event
// per text frame. It reconnects with backoff after a drop; since events sent
// while it was away are lost, it tells the caller to fetch what it shows
// again (resync) each time it comes back, and when the server says
// {"type":"resync"} (it may have dropped events).

import { Backoff } from "../../shared/backoff";
import { browserTimers, ChannelState, finalCloseCodes, SocketLike, Timers } from "../live/channel";
import type { ChatEvent } from "./api";

/** Options of a ChatSocket. */
export interface ChatSocketOptions {
  url(): string;
  onEvent(ev: ChatEvent): void;
  /** Called each time the socket opens (what was fetched before may be stale) and when the server says it dropped events. */
  onResync(): void;
  onState?(state: ChannelState, code?: number): void;
  socket?: (url: string) => SocketLike;
  timers?: Timers;
  backoff?: Backoff;
}

const eventTypes = new Set(["message", "message.replaced", "conversation", "typing", "read", "notice"]);

/** Parses one frame; null for anything that is not a known event. */
export function parseEvent(data: unknown): ChatEvent | null {
  if (typeof data !== "string") return null;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (!v || typeof v !== "object" || !eventTypes.has((v as { type?: unknown }).type as string)) return null;
  const e = v as ChatEvent;
  if (e.type === "conversation") return e.conversation && typeof e.conversation.id === "string" ? e : null;
  if (typeof e.conversationId !== "string") return null;
  if ((e.type === "message" || e.type === "message.replaced") && (!e.message || typeof e.message.id !== "string")) return null;
  return e;
}

/** Whether a frame is the server's "resync": it may have dropped events, so what is shown must be fetched again. */
function isResync(data: unknown): boolean {
  return typeof data === "string" && /^\s*\{\s*"type"\s*:\s*"resync"\s*\}\s*$/.test(data);
}

/** ChatSocket is the console's one connection for conversation events. */
export class ChatSocket {
  state: ChannelState = "connecting";
  private sock: SocketLike | null = null;
  private timer: unknown = null;
  private stopped = true;
  private readonly timers: Timers;
  private readonly backoff: Backoff;

  constructor(private readonly o: ChatSocketOptions) {
    this.timers = o.timers ?? browserTimers;
    this.backoff = o.backoff ?? new Backoff({ jitter: "equal" });
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
    this.set("closed");
  }

  private set(s: ChannelState, code?: number): void {
    if (s === this.state && code === undefined) return;
    this.state = s;
    this.o.onState?.(s, code);
  }

  private dial(): void {
    if (this.stopped) return;
    this.timer = null;
    const make = this.o.socket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let s: SocketLike;
    try {
      s = make(this.o.url());
    } catch {
      this.retry(1006);
      return;
    }
    this.sock = s;
    s.onopen = () => {
      if (this.sock !== s) return;
      this.backoff.reset();
      this.set("open");
      // Whatever was fetched before the socket opened (the first time
      // too: a page loads its messages while the socket dials) may have
      // missed events: fetch again.
      this.o.onResync();
    };
    s.onmessage = (ev) => {
      if (this.sock !== s) return;
      if (isResync(ev.data)) {
        this.o.onResync();
        return;
      }
      const e = parseEvent(ev.data);
      if (e) this.o.onEvent(e);
    };
    s.onerror = () => {};
    s.onclose = (ev) => {
      if (this.sock !== s) return;
      this.sock = null;
      if (finalCloseCodes.has(ev.code)) {
        this.stopped = true;
        this.set("closed", ev.code);
        return;
      }
      this.retry(ev.code);
    };
  }

  private retry(code: number): void {
    if (this.stopped) return;
    this.set("resuming", code);
    this.timer = this.timers.set(() => this.dial(), this.backoff.next());
  }
}
