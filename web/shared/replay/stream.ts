// PageStream turns data frames (meta, snap, ref, ev, leave) into what a view
// draws: rrweb events for the player, the pages visited, and devtools rows.
// The live view feeds it from the agent channel; the replay view feeds it a
// whole recording. Both rely on the same snapshot cache rules.

import { asEvents, RREvent, Viewport } from "./events";
import { PageCache, substituteRef } from "./pagecache";
import { appendRows, Row } from "./rows";

/** Where a PageStream sends what the player should do. */
export interface StreamSink {
  /** Start over with an empty player: the next events begin with a Meta and a FullSnapshot. */
  reset(): void;
  /** Play these events, in order. */
  events(events: RREvent[], seq: number): void;
  /** A `ref` named a snapshot that is not cached; the view needs a fresh one. */
  missing(page: string, hash: string): void;
}

/** One page the person visited during the assist. */
export interface PageVisit {
  pageId: string;
  url: string;
  title: string;
  viewport?: Viewport;
  ts?: number; // timestamp of its first snapshot (person's clock)
}

/** Payload of a `meta` frame. */
export interface MetaPayload {
  url?: string;
  title?: string;
  pageId?: string;
  viewport?: Viewport;
}

/** The most devtools rows kept; older ones are dropped first. */
export const maxRows = 5000;

function capped<T>(rows: T[]): T[] {
  return rows.length > maxRows ? rows.slice(rows.length - maxRows) : rows;
}

/** Options of a PageStream. */
export interface PageStreamOptions {
  /** Keep the snapshots of pages the person left (a replay may meet their refs later). */
  keepLeftPages?: boolean;
  /** Start a new player at each snapshot (live) rather than feed one player everything (replay). */
  resetOnSnapshot?: boolean;
}

/** PageStream applies data frames in sequence order. */
export class PageStream {
  readonly cache = new PageCache();
  pages: PageVisit[] = [];
  rows: Row[] = [];
  current: string | null = null;
  viewport: Viewport | null = null;
  /** Refs that could not be drawn because their snapshot was not cached. */
  misses = 0;

  private readonly sink: StreamSink;
  private readonly o: PageStreamOptions;

  constructor(sink: StreamSink, o: PageStreamOptions = {}) {
    this.sink = sink;
    this.o = o;
  }

  /**
   * Starts over for a `sync`: the frames from `from` on rebuild the view.
   * Rows that came from those frames are dropped since they will come again;
   * pages and cached snapshots stay (they are still true).
   */
  sync(from: number): void {
    this.rows = this.rows.filter((r) => r.seq < from);
    this.sink.reset();
  }

  /** Applies one data frame; payload is its decoded JSON (undefined for none). */
  apply(kind: string, seq: number, page: string | undefined, hash: string | undefined, payload: unknown): void {
    const p = page ?? "";
    switch (kind) {
      case "meta": {
        const m = (payload ?? {}) as MetaPayload;
        const id = p || m.pageId || "";
        this.current = id;
        if (m.viewport && typeof m.viewport.width === "number") this.viewport = { ...m.viewport };
        const visit = this.pages.find((v) => v.pageId === id);
        const next: PageVisit = {
          pageId: id,
          url: m.url ?? visit?.url ?? "",
          title: m.title ?? visit?.title ?? "",
          viewport: m.viewport ?? visit?.viewport,
          ts: visit?.ts,
        };
        this.pages = visit ? this.pages.map((v) => (v === visit ? next : v)) : [...this.pages, next];
        break;
      }
      case "snap": {
        const evs = asEvents(payload);
        if (evs.length === 0) return;
        if (hash) this.cache.put(p, hash, evs);
        this.show(p, seq, evs);
        break;
      }
      case "ref": {
        const cached = hash ? this.cache.get(p, hash) : undefined;
        if (!cached) {
          this.misses++;
          this.current = p;
          this.sink.missing(p, hash ?? "");
          return;
        }
        this.show(p, seq, substituteRef(cached, asEvents(payload)));
        break;
      }
      case "ev": {
        const evs = asEvents(payload);
        if (evs.length === 0) return;
        this.rows = capped(appendRows(this.rows, evs, seq));
        this.sink.events(evs, seq);
        break;
      }
      case "leave":
        if (!this.o.keepLeftPages) this.cache.leave(p, this.current);
        break;
    }
  }

  private show(page: string, seq: number, evs: RREvent[]): void {
    this.current = page;
    const visit = this.pages.find((v) => v.pageId === page);
    if (visit && visit.ts === undefined) {
      this.pages = this.pages.map((v) => (v === visit ? { ...v, ts: evs[0].timestamp } : v));
    } else if (!visit) {
      this.pages = [...this.pages, { pageId: page, url: "", title: "", ts: evs[0].timestamp }];
    }
    if (this.o.resetOnSnapshot) this.sink.reset();
    this.rows = capped(appendRows(this.rows, evs, seq));
    this.sink.events(evs, seq);
  }
}
