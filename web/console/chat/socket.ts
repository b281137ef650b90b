// The conversations WebSocket (/api/v1/conversations/ws): one JSON event
// per text frame. It reconnects with backoff after a drop (shared/socket.ts);
// since events sent while it was away are lost, it tells the caller to fetch
// what it shows again (resync) each time it comes back, and when the server
// says {"type":"resync"} (it may have dropped events).

import { Backoff } from "../../shared/backoff";
import { ReconnectingSocket, SocketLike, SocketState, Timers } from "../../shared/socket";
import type { ChatEvent } from "./api";

/** Options of a ChatSocket. */
export interface ChatSocketOptions {
  url(): string;
  onEvent(ev: ChatEvent): void;
  /** Called each time the socket opens (what was fetched before may be stale) and when the server says it dropped events. */
  onResync(): void;
  onState?(state: SocketState, code?: number): void;
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
  private readonly sock: ReconnectingSocket;

  constructor(o: ChatSocketOptions) {
    this.sock = new ReconnectingSocket({
      url: o.url,
      // Whatever was fetched before the socket opened (the first time too:
      // a page loads its messages while the socket dials) may have missed
      // events: fetch again.
      onOpen: () => o.onResync(),
      onMessage: (data) => {
        if (isResync(data)) {
          o.onResync();
          return;
        }
        const e = parseEvent(data);
        if (e) o.onEvent(e);
      },
      onState: (s, code) => o.onState?.(s, code),
      socket: o.socket,
      timers: o.timers,
      backoff: o.backoff,
    });
  }

  /** The current state. */
  get state(): SocketState {
    return this.sock.state;
  }

  /** Dials the first socket. */
  start(): void {
    this.sock.start();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.sock.stop();
  }
}
