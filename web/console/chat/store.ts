// ChatStore is the console's live state of conversations, started once per
// signed-in console: the list with unread counts (for the sidebar and the
// conversations screen) and the events that open conversation views follow.

import { useEffect, useState } from "preact/hooks";
import { wsURL } from "../../shared/api";
import type { SocketLike, SocketState } from "../../shared/socket";
import { CloseBadToken } from "../../shared/protocol";
import { ChatEvent, chatApi, Summary } from "./api";
import { ChatSocket } from "./socket";
import { ConversationIndex } from "./unread";

/** ChatStore holds the conversations list and hands out live events. */
export class ChatStore {
  readonly index: ConversationIndex;
  loaded = false;
  error: string | null = null;
  link: SocketState = "connecting";
  private readonly socket: ChatSocket;
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(ev: ChatEvent) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private readonly watching = new Map<string, number>();
  private fetching: Promise<void> | null = null;
  private refetch = false;

  /** me is the console user's account ("user:ID"); socket stands in for the browser's WebSocket in tests. */
  constructor(me: string, onUnauthorized: () => void, socket?: (url: string) => SocketLike) {
    this.index = new ConversationIndex(me);
    this.socket = new ChatSocket({
      socket,
      url: () => wsURL("/conversations/ws"),
      onEvent: (ev) => this.event(ev),
      onResync: () => {
        void this.reload();
        for (const fn of this.resyncListeners) fn();
      },
      onState: (s, code) => {
        this.link = s;
        if (s === "closed" && code === CloseBadToken) onUnauthorized();
        this.emit();
      },
    });
  }

  /** The console user's account. */
  get me(): string {
    return this.index.me;
  }

  start(): void {
    this.socket.start();
    void this.reload();
  }

  stop(): void {
    this.socket.stop();
  }

  /** Fetches the list again (one fetch at a time; a request during one makes one more after it). */
  reload(): Promise<void> {
    if (this.fetching) {
      this.refetch = true;
      return this.fetching;
    }
    this.fetching = chatApi
      .list()
      .then((r) => {
        this.index.load(r.conversations ?? []);
        this.loaded = true;
        this.error = null;
      })
      .catch((e) => {
        this.loaded = true;
        this.error = e instanceof Error ? e.message : String(e);
      })
      .finally(() => {
        this.fetching = null;
        this.emit();
        if (this.refetch) {
          this.refetch = false;
          void this.reload();
        }
      });
    return this.fetching;
  }

  /** Adds or updates one row (a conversation just created or taken). */
  put(s: Summary): void {
    this.index.load([...this.index.list().filter((x) => x.conversation.id !== s.conversation.id), s]);
    this.emit();
  }

  /** Calls fn on every change of the list; returns the function that unsubscribes. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Calls fn with every live event, and onResync each time the socket opens or the server says it dropped events. */
  follow(fn: (ev: ChatEvent) => void, onResync?: () => void): () => void {
    this.eventListeners.add(fn);
    if (onResync) this.resyncListeners.add(onResync);
    return () => {
      this.eventListeners.delete(fn);
      if (onResync) this.resyncListeners.delete(onResync);
    };
  }

  /**
   * Says the user is looking at a conversation (its new messages are not
   * counted unread; the view marks them read); returns the function that
   * says they stopped.
   */
  watch(id: string): () => void {
    this.watching.set(id, (this.watching.get(id) ?? 0) + 1);
    return () => {
      const n = (this.watching.get(id) ?? 1) - 1;
      if (n <= 0) this.watching.delete(id);
      else this.watching.set(id, n);
    };
  }

  /** Records that the user read a conversation up to seq (after posting …/read). */
  markRead(id: string, seq: number): void {
    this.index.markRead(id, seq);
    this.emit();
  }

  private event(ev: ChatEvent): void {
    const seen = (id: string) => this.watching.has(id) && typeof document !== "undefined" && document.visibilityState === "visible";
    // An event about a conversation the list lacks means one was made or
    // joined, except queue news of support conversations, which every
    // agent hears (the queue screen follows those).
    const queueNews = ev.type === "conversation" && ev.conversation.kind === "support" && !!ev.conversation.queued;
    if (this.index.apply(ev, seen) && ev.type !== "typing" && ev.type !== "notice" && !queueNews) void this.reload();
    for (const fn of this.eventListeners) {
      try {
        fn(ev);
      } catch (err) {
        console.warn("tandem: conversation event:", err);
      }
    }
    if (ev.type !== "typing") this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}

/** Re-renders the component on every change of the store's list. */
export function useChatStore(store: ChatStore): ChatStore {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((t) => t + 1)), [store]);
  return store;
}
