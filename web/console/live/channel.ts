// A framed WebSocket that survives drops: on the reconnecting socket of
// shared/socket.ts, it resumes from the last applied sequence number, drops
// data frames it has applied already, and answers the server's pings. It
// knows nothing about the DOM, so the resume rules are tested in node with a
// scripted socket.

import { Backoff } from "../../shared/backoff";
import { encodeFrame } from "../../shared/frames";
import { KindPing, KindPong, KindSync } from "../../shared/protocol";
import { ReconnectingSocket, SocketLike, SocketState, Timers } from "../../shared/socket";
import { Frame, Header, isData, parseFrame } from "./frames";

/** Options of a Channel. */
export interface ChannelOptions {
  /** The URL to dial, given the last applied sequence number. */
  url(from: number): string;
  /** Receives every frame except pings and data frames applied before. */
  onFrame(f: Frame): void;
  /** Receives state changes; code is the close code when the state is "closed" or "resuming". */
  onState?(state: SocketState, code?: number): void;
  socket?: (url: string) => SocketLike;
  /** Reconnect delays; by default 500 ms doubling to 15 s, each between half and all of that. */
  backoff?: Backoff;
  timers?: Timers;
  finalCodes?: ReadonlySet<number>;
  log?: (msg: string) => void;
}

/** Channel is one logical connection made of as many sockets as drops require. */
export class Channel {
  /** The sequence number of the last data frame handed to onFrame. */
  lastApplied = 0;
  /** Data frames dropped because they had been applied already. */
  duplicates = 0;

  private gapAt = -1; // lastApplied when a gap last forced a reconnect
  private readonly o: ChannelOptions;
  private readonly sock: ReconnectingSocket;

  constructor(o: ChannelOptions) {
    this.o = o;
    this.sock = new ReconnectingSocket({
      url: () => o.url(this.lastApplied),
      onMessage: (data) => {
        if (typeof data === "string") this.receive(data);
      },
      onState: (s, code) => o.onState?.(s, code),
      socket: o.socket,
      backoff: o.backoff,
      timers: o.timers,
      finalCodes: o.finalCodes,
      log: o.log,
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

  /** Sends a frame if a socket is open; reports whether it was sent. */
  send(h: Header, payload?: unknown): boolean {
    if (this.sock.state !== "open") return false;
    let text: string;
    try {
      text = encodeFrame(h, payload);
    } catch {
      return false;
    }
    return this.sock.send(text);
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
        this.sock.drop(4000, "gap");
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
