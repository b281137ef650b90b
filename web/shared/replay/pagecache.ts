// The per-page snapshot cache. A `snap` frame's events are kept under the
// page id and content hash; a later `ref` frame for the same page and hash is
// redrawn from here instead of being sent again.

import { EventType, RREvent } from "./events";

/** PageCache holds each page's snapshot events by page id and hash. */
export class PageCache {
  private readonly pages = new Map<string, Map<string, RREvent[]>>();

  /** Stores a snapshot; a newer snapshot of the same page and hash replaces the older one. */
  put(page: string, hash: string, events: RREvent[]): void {
    let byHash = this.pages.get(page);
    if (!byHash) {
      byHash = new Map();
      this.pages.set(page, byHash);
    }
    byHash.set(hash, events);
  }

  /** Returns the snapshot for page and hash, if held. */
  get(page: string, hash: string): RREvent[] | undefined {
    return this.pages.get(page)?.get(hash);
  }

  /** Drops a page the person left, unless it is the page on screen. */
  leave(page: string, current: string | null): void {
    if (page !== current) this.pages.delete(page);
  }

  /** The number of snapshots held. */
  get size(): number {
    let n = 0;
    for (const m of this.pages.values()) n += m.size;
    return n;
  }
}

/**
 * Returns the events that stand for a `ref` frame: the cached snapshot,
 * shifted in time so that it starts at the ref's Meta event, with that Meta
 * event (which has the window's current size and address) in place of the
 * cached one. The cached events are not modified.
 */
export function substituteRef(cached: RREvent[], ref: RREvent[]): RREvent[] {
  if (cached.length === 0) return [];
  const meta = ref.find((e) => e.type === EventType.Meta);
  const start = meta ? meta.timestamp : cached[0].timestamp;
  const shift = start - cached[0].timestamp;
  const out: RREvent[] = [];
  let metaPlaced = false;
  for (const e of cached) {
    if (e.type === EventType.Meta && meta && !metaPlaced) {
      out.push({ ...meta, data: { ...meta.data } });
      metaPlaced = true;
      continue;
    }
    out.push({ ...e, timestamp: e.timestamp + shift });
  }
  if (meta && !metaPlaced) out.unshift({ ...meta, data: { ...meta.data } });
  return out;
}
