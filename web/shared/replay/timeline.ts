// The replay timeline: the markers drawn on the seek bar (clicks, page
// changes, errors, failed requests, console errors) and the idle stretches
// that "skip inactivity" passes over. Pure, so the rules are tested without
// a player.

import { EventType, RREvent } from "./events";
import { Mark } from "./marks";
import { Row } from "./rows";
import { PageVisit } from "./stream";

/** What a marker stands for; each kind has its own shape and colour. */
export type MarkerKind = "click" | "navigation" | "error" | "network" | "console";

/** The kinds in the order the legend lists them. */
export const markerKinds: readonly MarkerKind[] = ["click", "navigation", "error", "network", "console"];

/** What the legend and screen readers call a kind. */
export const markerNames: Record<MarkerKind, string> = {
  click: "Click",
  navigation: "Page",
  error: "Error",
  network: "Failed request",
  console: "Console error",
};

/** A point of interest on the timeline. */
export interface Marker {
  key: string;
  kind: MarkerKind;
  ts: number; // the person's clock, like the events
  label: string; // what it says to a screen reader and in the list
}

/** Returns the markers of a replay in time order (stable: same-time markers keep the kinds' order). */
export function timelineMarkers(marks: readonly Mark[], pages: readonly PageVisit[], rows: readonly Row[]): Marker[] {
  const out: Marker[] = [];
  marks.forEach((m, i) => {
    const what = m.kind === "dblclick" ? "Double click" : m.kind === "touch" ? "Tap" : "Click";
    out.push({ key: `c${i}`, kind: "click", ts: m.ts, label: `${what} at ${Math.round(m.x)}, ${Math.round(m.y)}` });
  });
  pages.forEach((p, i) => {
    if (p.ts === undefined) return;
    out.push({ key: `p${i}`, kind: "navigation", ts: p.ts, label: `Page: ${p.title || p.url || p.pageId}` });
  });
  for (const r of rows) {
    if (r.kind === "error") out.push({ key: `r${r.key}`, kind: "error", ts: r.ts, label: `Error: ${r.text}` });
    else if (r.kind === "network" && r.failed) {
      const why = r.error ?? (r.status ? String(r.status) : "failed");
      // At the request's start: its event is recorded when it ended (and
      // its timing was read), which may be after later changes.
      const ts = r.startedAt !== undefined && r.startedAt <= r.ts ? r.startedAt : r.ts;
      out.push({ key: `r${r.key}`, kind: "network", ts, label: `Failed request: ${r.method ?? "GET"} ${r.url ?? ""} (${why})` });
    } else if (r.kind === "console" && r.level === "error") {
      out.push({ key: `r${r.key}`, kind: "console", ts: r.ts, label: `Console error: ${r.text}` });
    }
  }
  const order = (k: MarkerKind) => markerKinds.indexOf(k);
  return out.sort((a, b) => a.ts - b.ts || order(a.kind) - order(b.kind));
}

/** Returns the markers whose kind is in shown. */
export function filterMarkers(markers: readonly Marker[], shown: ReadonlySet<MarkerKind>): Marker[] {
  return markers.filter((m) => shown.has(m.kind));
}

/**
 * Returns the marker to jump to from ts: the first one after it (dir 1) or
 * the last one before it (dir -1). A marker within slackMs of ts counts as
 * "here", so pressing next twice moves on instead of landing on the same one.
 */
export function nextMarker(markers: readonly Marker[], ts: number, dir: 1 | -1, slackMs = 50): Marker | null {
  if (dir === 1) return markers.find((m) => m.ts > ts + slackMs) ?? null;
  for (let i = markers.length - 1; i >= 0; i--) if (markers[i].ts < ts - slackMs) return markers[i];
  return null;
}

/** Returns where a marker sits on the bar, 0..100 (% of the replay's length). */
export function markerPercent(ts: number, start: number, end: number): number {
  if (!(end > start)) return 0;
  return Math.min(100, Math.max(0, ((ts - start) / (end - start)) * 100));
}

/** A stretch of the replay where nothing happens: no interaction, no change of the page. */
export interface IdleGap {
  from: number;
  to: number;
}

/** How long nothing must happen for a stretch to count as idle. */
export const idleThresholdMs = 5000;

/** How much of an idle stretch is still played at its end, so the next change is seen coming. */
export const idleLeadMs = 1000;

/**
 * Returns the idle stretches of events longer than thresholdMs. Everything
 * the person did or the page did counts as activity (every event but the
 * SDK's custom ones), and so does every marker: an error in a quiet moment
 * is not jumped over.
 */
export function idleGaps(events: readonly RREvent[], markers: readonly Marker[], thresholdMs = idleThresholdMs): IdleGap[] {
  const times: number[] = [];
  for (const e of events) if (e.type !== EventType.Custom) times.push(e.timestamp);
  for (const m of markers) times.push(m.ts);
  times.sort((a, b) => a - b);
  const gaps: IdleGap[] = [];
  for (let i = 1; i < times.length; i++) {
    if (times[i] - times[i - 1] > thresholdMs) gaps.push({ from: times[i - 1], to: times[i] });
  }
  return gaps;
}

/**
 * Returns where a player at ts should jump to skip an idle stretch, or null
 * when ts is not inside one. The first and last leadMs of a stretch are
 * played, so the jump lands just before the next activity.
 */
export function skipTarget(gaps: readonly IdleGap[], ts: number, leadMs = idleLeadMs): number | null {
  for (const g of gaps) {
    if (ts >= g.from + leadMs && ts < g.to - leadMs) return g.to - leadMs;
    if (g.from > ts) break;
  }
  return null;
}

/** Returns the total time skipping saves, for the toggle's hint. */
export function idleSaved(gaps: readonly IdleGap[], leadMs = idleLeadMs): number {
  return gaps.reduce((n, g) => n + Math.max(0, g.to - g.from - 2 * leadMs), 0);
}
