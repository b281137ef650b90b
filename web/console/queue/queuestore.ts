// QueueStore keeps the live list of open assists (waiting, consenting, live)
// from the queue WebSocket, for the queue screen and the sidebar counter.
// The server sends up to `limit` assists of each state, the longest waiting
// first, with how many there are of each: "load more" raises the limit.

import { api, Assist, AssistState, wsURL } from "../../shared/api";
import { Channel } from "../live/channel";
import type { SocketLike, SocketState } from "../../shared/socket";
import { payloadOf } from "../live/frames";
import { CloseBadToken, KindQueue } from "../../shared/protocol";

/** QueueStore is started once per signed-in console. */
/** How many assists of each state the queue shows at first, and how many more each "load more" adds. */
export const queuePage = 100;
/** The most the server shows of one state. */
export const queueMax = 1000;

/** The queue frame's payload. */
export interface QueueView {
  assists: Assist[] | null;
  counts?: Partial<Record<AssistState, number>>;
  limit?: number;
  /** How many agents are available now. */
  agentsAvailable?: number;
  /** By assist id: when the person of a waiting request left a message. */
  leftMessages?: Record<string, string> | null;
}

export class QueueStore {
  assists: Assist[] = [];
  /** How many open assists there are of each state, shown or not. */
  counts: Partial<Record<AssistState, number>> = {};
  /** How many of each state the server sends. */
  limit = queuePage;
  link: SocketState = "connecting";
  loaded = false;
  /** How many agents are available now (from the last queue frame). */
  agentsAvailable = 0;
  /** By assist id: when the person of a waiting request left a message. */
  leftMessages: Record<string, string> = {};
  private readonly channel: Channel;
  private readonly listeners = new Set<() => void>();
  private gotFrame = false;

  /** socket stands in for the browser's WebSocket in tests. */
  constructor(onUnauthorized: () => void, socket?: (url: string) => SocketLike) {
    this.channel = new Channel({
      socket,
      url: () => wsURL(`/queue/ws?limit=${this.limit}`),
      onFrame: (f) => {
        if (f.header.k !== KindQueue) return;
        this.gotFrame = true;
        const v = payloadOf<QueueView | null>(f, null);
        this.agentsAvailable = v?.agentsAvailable ?? 0;
        this.leftMessages = v?.leftMessages ?? {};
        this.set(v?.assists ?? [], v?.counts);
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
        // Newest first from the API; the queue is longest waiting first.
        if (!this.gotFrame) this.set((r.assists ?? []).slice().reverse());
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

  /** Shows queuePage more of each state (up to queueMax): the channel starts over with the new limit. */
  loadMore(): void {
    if (this.limit >= queueMax) return;
    this.limit = Math.min(this.limit + queuePage, queueMax);
    this.channel.stop();
    this.channel.start();
  }

  /** How many assists of state s there are, shown or not. */
  count(s: AssistState): number {
    return this.counts[s] ?? this.assists.filter((a) => a.state === s).length;
  }

  /** The number of assists waiting for an agent. */
  get waiting(): number {
    return this.count("waiting");
  }

  private set(list: Assist[], counts?: Partial<Record<AssistState, number>>): void {
    this.assists = list;
    this.counts = counts ?? {};
    this.loaded = true;
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
