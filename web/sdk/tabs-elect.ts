// Which of the site's tabs the assist follows, and the tab list agents see
// (docs/sdk.md, "Tabs"). Pure functions, so that every tab reaches the same
// answer from the same facts; tabs.ts feeds them what the tabs tell each
// other over a BroadcastChannel.

import { urlWithoutFragment } from "./hash";

/** What a tab of the site tells the others about itself. */
export interface TabInfo {
  id: string;
  title: string;
  url: string;
  /** document.visibilityState is "visible". */
  visible: boolean;
  /** When the tab last came into view or got focus (ms since the epoch); 0 if never since it loaded. */
  focusedAt: number;
  /** The assist the tab takes part in, if any. */
  assist?: string;
}

/** One entry of a tabs frame (docs/protocol.md, "Tabs"). */
export interface TabEntry {
  id: string;
  title: string;
  url: string;
  front: boolean;
}

/** The server's bounds of a tabs frame (internal/assist/tabs.go). */
export const maxTabs = 20;
export const maxTitleBytes = 300;
export const maxURLBytes = 2048;

/**
 * Returns the tab the assist follows: the most recently focused visible tab,
 * else the current holder (the tab with the connection), if it is still
 * there; ties go to the holder, then to the smaller id, so that every tab
 * picks the same one. Null when there is neither.
 */
export function electFront(tabs: readonly TabInfo[], holder: string | null): string | null {
  let best: TabInfo | null = null;
  for (const t of tabs) {
    if (!t.visible || t.focusedAt <= 0) continue;
    if (!best || t.focusedAt > best.focusedAt || (t.focusedAt === best.focusedAt && rank(t.id, holder) < rank(best.id, holder))) best = t;
  }
  if (best) return best.id;
  return holder !== null && tabs.some((t) => t.id === holder) ? holder : null;
}

/**
 * Returns the tab that takes the assist up when the holder is gone (closed
 * without handing over): the front tab by electFront, else the most recently
 * focused one, hidden or not: someone must keep the connection, or the
 * assist ends.
 */
export function electHeir(tabs: readonly TabInfo[]): string | null {
  const front = electFront(tabs, null);
  if (front !== null) return front;
  let best: TabInfo | null = null;
  for (const t of tabs) {
    if (!best || t.focusedAt > best.focusedAt || (t.focusedAt === best.focusedAt && t.id < best.id)) best = t;
  }
  return best ? best.id : null;
}

function rank(id: string, holder: string | null): string {
  return (id === holder ? "0" : "1") + id;
}

/**
 * Returns the tabs frame's list, in the order given: at most maxTabs tabs
 * (the front tab always, the others by most recent focus), titles and URLs
 * cut to the server's bounds (UTF-8 bytes, never mid-character), URLs
 * without their fragment (which may hold an invite).
 */
export function tabList(tabs: readonly TabInfo[], front: string): TabEntry[] {
  const chosen = tabs.slice().sort((a, b) => Number(b.id === front) - Number(a.id === front) || b.focusedAt - a.focusedAt || (a.id < b.id ? -1 : 1));
  const kept = new Set(chosen.slice(0, maxTabs).map((t) => t.id));
  return tabs
    .filter((t) => kept.has(t.id))
    .map((t) => ({ id: t.id, title: cutBytes(t.title, maxTitleBytes), url: cutBytes(urlWithoutFragment(t.url), maxURLBytes), front: t.id === front }));
}

const utf8 = new TextEncoder();

/** Returns s cut to at most n bytes of UTF-8, at a character boundary. */
export function cutBytes(s: string, n: number): string {
  if (s.length * 3 <= n || utf8.encode(s).length <= n) return s;
  let out = "";
  let used = 0;
  for (const ch of s) {
    const b = utf8.encode(ch).length;
    if (used + b > n) break;
    out += ch;
    used += b;
  }
  return out;
}
