// Formatting of times, durations, sizes and addresses for the console.

import { Viewport } from "./replay/events";

/** "just now", "12s ago", "3m ago", "2h ago", "4d ago". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** A duration as m:ss, or h:mm:ss from an hour on. Negative durations count as zero. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A time offset as mm:ss.t, for devtools rows. */
export function offset(ms: number): string {
  const t = Math.max(0, Math.floor(ms / 100));
  const tenths = t % 10;
  const s = Math.floor(t / 10) % 60;
  const m = Math.floor(t / 600);
  return `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${tenths}`;
}

/** A request duration: "85 ms", "1.2 s". */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

/** "1280×720 @2x", or "" when unknown. */
export function viewportLabel(v: Viewport | null | undefined): string {
  if (!v || !v.width || !v.height) return "";
  const dpr = v.dpr && v.dpr !== 1 ? ` @${Math.round(v.dpr * 100) / 100}x` : "";
  return `${v.width}×${v.height}${dpr}`;
}

/** An address without its scheme, for lists: "shop.example.com/cart?id=1". */
export function shortURL(url: string | undefined): string {
  if (!url) return "";
  try {
    const u = new URL(url);
    const path = u.pathname === "/" && !u.search ? "" : u.pathname + u.search;
    return u.host + path;
  } catch {
    return url;
  }
}

/** Milliseconds since the epoch of an RFC 3339 time, or NaN. */
export function parseTime(s: string | undefined): number {
  return s ? Date.parse(s) : NaN;
}

/** A date and time in the agent's locale, short. */
export function when(s: string | undefined): string {
  const t = parseTime(s);
  if (isNaN(t)) return "";
  return new Date(t).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** The initials of a name, for avatars: "Alex Doe" → "AD". */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return "?";
  const first = parts[0][0] ?? "";
  const last = parts.length > 1 ? parts[parts.length - 1][0] : "";
  return (first + last).toUpperCase();
}
