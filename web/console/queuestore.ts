// QueueStore keeps the live list of open assists (waiting, consenting, live)
// from the queue WebSocket, for the queue screen and the sidebar counter.

import { api, Assist, wsURL } from "./api";
import { Channel, ChannelState } from "./channel";
import { payloadOf } from "./frames";
import { CloseBadToken, KindQueue } from "../shared/protocol";

/** QueueStore is started once per signed-in console. */
export class QueueStore {
  assists: Assist[] = [];
  link: ChannelState = "connecting";
  loaded = false;
  private readonly channel: Channel;
  private readonly listeners = new Set<() => void>();
  private gotFrame = false;

  constructor(onUnauthorized: () => void) {
    this.channel = new Channel({
      url: () => wsURL("/queue/ws"),
      onFrame: (f) => {
        if (f.header.k !== KindQueue) return;
        this.gotFrame = true;
        this.set(payloadOf<Assist[] | null>(f, []) ?? []);
      },
      onState: (s, code) => {
        this.link = s;
        if (s === "closed" && code === CloseBadToken) onUnauthorized();
        this.emit();
      },
    });
  }

  start(): void {
    this.channel.start();
    // Show the queue at once even if the socket is slow to come up.
    api
      .assists("waiting", "consenting", "live")
      .then((r) => {
        if (!this.gotFrame) this.set(r.assists ?? []);
      })
      .catch(() => {});
  }

  stop(): void {
    this.channel.stop();
  }

  /** Calls fn on every change; returns the function that unsubscribes. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Updates one assist locally (e.g. right after accepting it) until the next queue frame. */
  patch(a: Assist): void {
    this.set(this.assists.map((x) => (x.id === a.id ? a : x)));
  }

  /** The number of assists waiting for an agent. */
  get waiting(): number {
    return this.assists.filter((a) => a.state === "waiting").length;
  }

  private set(list: Assist[]): void {
    this.assists = list;
    this.loaded = true;
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
